//! One self-contained HTML page from a document's Markdown: rendered with
//! pulldown-cmark, then cleaned with ammonia so that no raw HTML written in
//! a node (a `<script>`, an event handler, a `javascript:` link) reaches the
//! page live. Inline CSS, no external assets; prints cleanly.

use pulldown_cmark::{Options, Parser, html};

const CSS: &str = r#"
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; max-width: 72rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #1b1f24; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin-top: 1.2rem; }
table { border-collapse: collapse; margin: .6rem 0 1.2rem; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .55rem; text-align: left; vertical-align: top; }
th { background: #f3f5f7; }
tr:nth-child(even) td { background: #fafbfc; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .88em; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; }
details { margin: .4rem 0; padding: .3rem .6rem; border: 1px solid #d0d7de; border-radius: 4px; }
summary { cursor: pointer; font-weight: 600; }
.classification { font-weight: 700; border: 2px solid #1b1f24; padding: .3rem .6rem; margin-bottom: 1rem; }
a { color: #0550ae; }
:target { background: #fff8c5; }
.rtm-contents { border: 1px solid #d0d7de; border-radius: 4px; padding: .2rem 1rem; margin: 1rem 0; }
.rtm-contents ul { margin: .2rem 0; padding-left: 1.2rem; }
.rtm-figure { margin: 1rem 0; overflow-x: auto; }
.rtm-figure svg { max-width: 100%; height: auto; }
.rtm-legend .rtm-mvp { color: #0969da; font-weight: 600; }
.rtm-legend .rtm-sec-support { color: #1a7f37; font-weight: 600; }
.rtm-legend .rtm-optional { color: #57606a; font-weight: 600; }
.rtm-node { border-top: 1px solid #d0d7de; padding: .3rem 0 .5rem; }
.rtm-node h4 { margin: .3rem 0 .1rem; }
.rtm-meta { color: #57606a; margin: 0 0 .2rem; font-size: .9rem; }
.rtm-links { margin: .2rem 0; padding-left: 1.2rem; font-size: .9rem; }
/* A long page lays out only what is on the screen (a table in a box of
   its own: containment does not apply to a table). */
.rtm-node, .rtm-figure, .rtm-table { content-visibility: auto; contain-intrinsic-size: auto 10rem; }
@media print {
  .classification { border-width: 1px; }
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  /* Folded sections print unfolded. */
  details::details-content { content-visibility: visible; display: block; }
  a { color: inherit; text-decoration: none; }
  :target { background: none; }
  .rtm-figure { overflow: visible; }
  .rtm-node, .rtm-figure, .rtm-table { content-visibility: visible; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  table, tr, pre, .rtm-node { break-inside: avoid; page-break-inside: avoid; }
}
"#;

/// The one sanitiser of every piece of HTML rtm writes: ammonia's safe
/// defaults, links to `http`, `https` and `mailto` only, and nothing that
/// would be fetched when the page opens: an image keeps its `alt` text but
/// loses its `src`, so opening a document never contacts another host.
/// A node's text keeps no `id`, `name` or `class`, so that it cannot
/// forge an anchor of the page or take a style of rtm's.
fn sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "src" | "srcset" | "poster" | "background" | "lowsrc" | "dynsrc") => None,
            (_, "id" | "name" | "class") => None,
            _ => Some(value.into()),
        });
    b
}

/// The sanitiser of a whole page: as [`sanitiser`], and the anchors and
/// classes rtm writes itself kept: an `id` that starts with `node-`,
/// `sec-` or `rtm-`, a `class` that starts with `rtm-`. Node texts reach
/// the page already cleaned by [`sanitiser`] ([`fragment`]), so none of
/// them holds an `id` or a `class` any more.
fn page_sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .add_generic_attributes(["id", "class"])
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "src" | "srcset" | "poster" | "background" | "lowsrc" | "dynsrc") => None,
            (_, "id")
                if ["node-", "sec-", "rtm-"]
                    .iter()
                    .any(|p| value.starts_with(p)) =>
            {
                Some(value.into())
            }
            (_, "class") if value.starts_with("rtm-") => Some(value.into()),
            (_, "id" | "name" | "class") => None,
            _ => Some(value.into()),
        });
    b
}

/// One node's Markdown text as sanitised HTML that stands alone: its tags
/// are balanced (ammonia re-serialises what it parsed), so nothing in it
/// can close, open or swallow anything around it; and it holds no blank
/// line (code keeps its line breaks as `&#10;`), so the whole fragment is
/// one HTML block wherever a Markdown document embeds it.
pub fn fragment(markdown: &str) -> String {
    use pulldown_cmark::Event;
    let events = Parser::new_ext(markdown, options()).map(|e| match e {
        // Raw HTML that would swallow what follows it is shown as text.
        Event::Html(h) | Event::InlineHtml(h) if swallows(&h) => Event::Text(h),
        other => other,
    });
    let mut body = String::new();
    html::push_html(&mut body, events);
    let clean = pre_breaks(&sanitiser().clean(&body).to_string());
    // Control characters (ESC, BEL…) shown as `\u{1b}`, so that a document
    // printed in a terminal cannot act on it.
    let clean = crate::render::escape_controls(&clean).into_owned();
    // Outside code, a run of line breaks reads as one space in HTML.
    let mut out = String::with_capacity(clean.len());
    for line in clean.lines().filter(|l| !l.trim().is_empty()) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// Whether raw HTML opens an element whose content the browser does not
/// read as HTML (a `<script>`, a `<plaintext>`…): left to the sanitiser,
/// an unclosed one would take the rest of the node's text with it.
fn swallows(html: &str) -> bool {
    const RAW: &[&str] = &[
        "script",
        "style",
        "template",
        "plaintext",
        "xmp",
        "textarea",
        "title",
        "iframe",
        "noscript",
        "noembed",
        "noframes",
        "object",
        "svg",
        "math",
        "select",
    ];
    let lower = html.to_ascii_lowercase();
    lower.match_indices('<').any(|(i, _)| {
        let rest = lower.get(i + 1..).unwrap_or("").trim_start_matches('/');
        RAW.iter().any(|t| {
            rest.strip_prefix(t).is_some_and(|after| {
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            })
        })
    })
}

/// Line breaks inside `<pre>` elements written as `&#10;`, so that the
/// HTML holds no blank line (the sanitiser writes them back as they are).
fn pre_breaks(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<pre") {
            depth += 1;
        } else if rest.starts_with("</pre") {
            depth = depth.saturating_sub(1);
        }
        match c {
            '\n' if depth > 0 => out.push_str("&#10;"),
            '\r' if depth > 0 => {}
            c => out.push(c),
        }
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// The anchor of a node's section in an HTML document (`node-ID`).
pub use crate::render::svg::anchor;

/// A document of `view` as an HTML page, labelled with its classification:
/// ids linked to their node's section, the diagrams drawn as SVG, a
/// contents list and a section per node (see [`render`]).
pub fn page_for(view: &crate::view::View<'_>, markdown: &str) -> String {
    render(
        markdown,
        &view.labels().label(view.document_level()),
        Some(view),
    )
}

/// Renders Markdown to a complete, sanitised HTML page. `banner` is the
/// document's classification label, repeated at the top of every printed
/// page.
pub fn page(markdown: &str, banner: &str) -> String {
    render(markdown, banner, None)
}

/// What the browser may do with a page: nothing but show it. No script
/// of any kind, nothing loaded from anywhere (an image only from a
/// `data:` URL), no form sent, no `<base>` to move links.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// A part of a page's body: HTML from the document's Markdown, cleaned
/// by the page's sanitiser, or drawings rtm made itself (SVG, which the
/// sanitiser does not know), put in as they are.
enum Part {
    Clean(String),
    Drawn(String),
}

/// Text events one after the other merged into one (pulldown-cmark
/// splits text at escapes), so that an id is seen whole.
fn merged<'a>(parser: Parser<'a>) -> Vec<pulldown_cmark::Event<'a>> {
    use pulldown_cmark::{CowStr, Event};
    let mut out: Vec<Event<'a>> = Vec::new();
    for e in parser {
        match (out.last_mut(), e) {
            (Some(Event::Text(prev)), Event::Text(t)) => {
                let mut s = prev.to_string();
                s.push_str(&t);
                *prev = CowStr::from(s);
            }
            (_, e) => out.push(e),
        }
    }
    out
}

/// The plain text of every heading, in order.
fn headings(events: &[pulldown_cmark::Event<'_>]) -> Vec<(u8, String)> {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = Vec::new();
    let mut current: Option<(u8, String)> = None;
    for e in events {
        match e {
            Event::Start(Tag::Heading { level, .. }) => {
                current = Some((*level as u8, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => out.extend(current.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s)) = current.as_mut() {
                    s.push_str(t);
                }
            }
            _ => {}
        }
    }
    out
}

/// Text with every word that is the id of a shown node made a link to
/// the node's section.
fn linked(t: &str, ids: &std::collections::HashMap<&str, String>) -> String {
    let word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut out = String::with_capacity(t.len() + 16);
    let mut rest = t;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
        let (w, after) = rest.split_at(end);
        let bare = w.trim_end_matches('.');
        match ids.get(bare) {
            Some(a) if !bare.is_empty() => {
                out.push_str(&format!("<a href=\"#{a}\">{}</a>", text(bare)));
                out.push_str(&text(w.get(bare.len()..).unwrap_or("")));
            }
            _ => out.push_str(&text(w)),
        }
        let sep = after.chars().next().map_or(0, char::len_utf8);
        let (s, more) = after.split_at(sep);
        out.push_str(&text(s));
        rest = more;
    }
    out
}

/// Builds the page. With a view: every id of a shown node in the
/// document's text is a link to the node's section; headings get stable
/// anchors (`sec-N`) and a contents list; the Mermaid diagram is replaced
/// by the drawings of [`crate::render::svg`]; a section holding the
/// deviations from the SEC is followed by the deviation map; and the
/// "Node text" section gives way to a section per node ([`node_index`]),
/// which says what links to it.
fn render(markdown: &str, banner: &str, view: Option<&crate::view::View<'_>>) -> String {
    use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Tag, TagEnd};
    let events = merged(Parser::new_ext(markdown, options()));
    let heads = headings(&events);
    let title = heads
        .iter()
        .find(|(l, _)| *l == 1)
        .map_or("rtm".to_owned(), |(_, t)| t.clone());
    let mut ids: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    if let Some(v) = view {
        for (_, n) in v.nodes() {
            ids.entry(n.id.as_str()).or_insert_with(|| anchor(&n.id));
        }
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut kept: Vec<Event<'_>> = Vec::new();
    let flush = |kept: &mut Vec<Event<'_>>, parts: &mut Vec<Part>| {
        if !kept.is_empty() {
            let mut body = String::new();
            html::push_html(&mut body, kept.drain(..));
            parts.push(Part::Clean(without_empty_heads(&body)));
        }
    };
    let mut heading = 0usize;
    let mut in_code = false;
    let mut in_link = 0usize;
    let mut skipping = false;
    let mut skip_code = false;
    let mut contents_done = false;
    let mut index_done = false;
    let mut map_after: Option<usize> = None;
    let mut diagrams_done = false;
    let mut themes_drawn = false;
    let index_title = "Nodes";
    for e in events {
        if let Event::Start(Tag::Heading { level, .. }) = &e {
            let text = heads.get(heading).map_or("", |(_, t)| t.as_str());
            if *level <= HeadingLevel::H2 && skipping {
                skipping = false;
                if let Some(v) = view {
                    flush(&mut kept, &mut parts);
                    parts.push(Part::Clean(node_index(v, index_title, themes_drawn)));
                    index_done = true;
                }
            }
            if *level == HeadingLevel::H2 && !contents_done {
                contents_done = true;
                flush(&mut kept, &mut parts);
                parts.push(Part::Clean(contents(&heads, view.is_some(), index_title)));
            }
            if view.is_some() && *level == HeadingLevel::H2 && text == "Node text" {
                skipping = true;
            }
            if view.is_some()
                && *level == HeadingLevel::H2
                && text.contains("Deviations from the SEC")
            {
                map_after = Some(heading);
            }
        }
        if skipping {
            if let Event::End(TagEnd::Heading(_)) = e {
                heading += 1;
            }
            continue;
        }
        match e {
            Event::Start(Tag::Heading {
                level,
                id: _,
                classes,
                attrs,
            }) => {
                let id = if matches!(level, HeadingLevel::H2 | HeadingLevel::H3) {
                    Some(CowStr::from(format!("sec-{}", heading + 1)))
                } else {
                    None
                };
                kept.push(Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }));
            }
            Event::End(TagEnd::Heading(level)) => {
                kept.push(Event::End(TagEnd::Heading(level)));
                if map_after == Some(heading) {
                    if let Some(map) = view.and_then(crate::render::svg::deviation_map) {
                        flush(&mut kept, &mut parts);
                        parts.push(Part::Drawn(format!(
                            "<figure class=\"rtm-figure\">\n{map}</figure>\n"
                        )));
                    }
                    map_after = None;
                }
                heading += 1;
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang)))
                if lang.as_ref() == "mermaid" && view.is_some() =>
            {
                skip_code = true;
                if let Some(v) = view
                    && !diagrams_done
                {
                    diagrams_done = true;
                    flush(&mut kept, &mut parts);
                    let (drawings, drawn) = diagrams(v);
                    themes_drawn = drawn;
                    parts.push(Part::Drawn(drawings));
                }
            }
            Event::End(TagEnd::CodeBlock) if skip_code => skip_code = false,
            _ if skip_code => {}
            Event::Start(Tag::Table(align)) => {
                kept.push(Event::Html(CowStr::from("<div class=\"rtm-table\">\n")));
                kept.push(Event::Start(Tag::Table(align)));
            }
            Event::End(TagEnd::Table) => {
                kept.push(Event::End(TagEnd::Table));
                kept.push(Event::Html(CowStr::from("</div>\n")));
            }
            Event::Start(Tag::CodeBlock(k)) => {
                in_code = true;
                kept.push(Event::Start(Tag::CodeBlock(k)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                kept.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                kept.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                kept.push(Event::End(TagEnd::Link));
            }
            Event::Text(t) if !in_code && in_link == 0 && !ids.is_empty() => {
                kept.push(Event::InlineHtml(CowStr::from(linked(&t, &ids))));
            }
            other => kept.push(other),
        }
    }
    flush(&mut kept, &mut parts);
    if let Some(v) = view
        && !index_done
    {
        parts.push(Part::Clean(node_index(v, index_title, themes_drawn)));
    }
    let cleaner = page_sanitiser();
    let mut clean = String::new();
    for p in parts {
        match p {
            Part::Clean(h) => clean.push_str(&cleaner.clean(&h).to_string()),
            Part::Drawn(h) => clean.push_str(&h),
        }
    }
    // Printed, the label heads and foots every page (CSS page margin boxes).
    let on_pages = format!(
        "@page {{ @top-center {{ content: {0}; font: 9pt sans-serif; }} @bottom-center {{ content: {0}; font: 9pt sans-serif; }} }}",
        css_string(banner)
    );
    let banner = text(banner);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}{on_pages}\n</style>\n</head>\n<body>\n<p class=\"classification\">{banner}</p>\n{clean}<p class=\"classification\">{banner}</p>\n</body>\n</html>\n",
        text(&title)
    )
}

/// The contents list: every second- and third-level heading, and the
/// section per node.
fn contents(heads: &[(u8, String)], with_index: bool, index_title: &str) -> String {
    let mut out = String::from(
        "<nav class=\"rtm-contents\" aria-label=\"Contents\">\n<p><strong>Contents</strong></p>\n<ul>\n",
    );
    let mut open_sub = false;
    let mut skip = false;
    for (k, (level, t)) in heads.iter().enumerate() {
        match level {
            2 => {
                if open_sub {
                    out.push_str("</ul>\n");
                    open_sub = false;
                }
                skip = with_index && t == "Node text";
                if skip {
                    continue;
                }
                out.push_str(&format!(
                    "<li><a href=\"#sec-{}\">{}</a></li>\n",
                    k + 1,
                    text(t)
                ));
            }
            3 if !skip => {
                if !open_sub {
                    out.push_str("<ul>\n");
                    open_sub = true;
                }
                out.push_str(&format!(
                    "<li><a href=\"#sec-{}\">{}</a></li>\n",
                    k + 1,
                    text(t)
                ));
            }
            _ => {}
        }
    }
    if open_sub {
        out.push_str("</ul>\n");
    }
    if with_index {
        out.push_str(&format!(
            "<li><a href=\"#rtm-nodes\">{}</a></li>\n",
            text(index_title)
        ));
    }
    out.push_str("</ul>\n</nav>\n");
    out
}

/// The report's drawings: the overview, then one per theme (folded), then
/// the deviation map.
/// The most boxes the drawings of the themes may hold together for the
/// page to show them; a larger tree's page leaves them out and says so
/// (they would make it too slow to open, and `rtm graph --format svg`
/// writes them).
pub const MAX_THEME_BOXES: usize = 3000;

/// The report's drawings, and whether the themes' drawings are among them.
fn diagrams(view: &crate::view::View<'_>) -> (String, bool) {
    use crate::model::Kind;
    let mut out = String::from(
        "<p class=\"rtm-legend\">Each box links to its node's section. RTM entries: <span class=\"rtm-mvp\">mvp</span> blue, <span class=\"rtm-sec-support\">sec-support</span> green with round ends, <span class=\"rtm-optional\">optional</span> grey with a dashed border; a red border marks a deviation from the SEC; withdrawn nodes are faded.</p>\n",
    );
    if let Some(o) = crate::render::svg::overview(view) {
        out.push_str(&format!(
            "<figure class=\"rtm-figure\" id=\"rtm-overview\">\n{o}</figure>\n"
        ));
    }
    let themes: Vec<(&crate::model::Node, String)> = view
        .nodes()
        .filter(|(_, n)| n.kind == Kind::Theme)
        .filter_map(|(t, n)| crate::render::svg::theme(view, t).map(|d| (n, d)))
        .collect();
    let boxes: usize = themes
        .iter()
        .map(|(_, d)| d.matches("<a href=").count())
        .sum();
    let drawn = boxes <= MAX_THEME_BOXES;
    if drawn {
        for (n, d) in &themes {
            out.push_str(&format!(
                "<details class=\"rtm-fold\">\n<summary>Diagram of {} {}</summary>\n<figure class=\"rtm-figure\" id=\"{}\">\n{d}</figure>\n</details>\n",
                text(&n.id),
                text(n.title().unwrap_or("")),
                diagram_anchor(&n.id)
            ));
        }
    } else {
        out.push_str(&format!(
            "<p>The drawings of the {} themes, {boxes} boxes in all, are left out of this page, which they would make too heavy for a browser; <code>rtm graph --format svg</code> writes them, and <code>rtm graph --format svg --root ID</code> draws what lies around one node.</p>\n",
            themes.len()
        ));
    }
    if let Some(m) = crate::render::svg::deviation_map(view) {
        out.push_str(&format!(
            "<figure class=\"rtm-figure\" id=\"rtm-deviation-map\">\n{m}</figure>\n"
        ));
    }
    (out, drawn)
}

/// The anchor of a theme's drawing (inside its fold: following a link to
/// it unfolds it).
fn diagram_anchor(id: &str) -> String {
    format!("rtm-diagram-{}", anchor(id))
}

/// A node's text longer than this folds under a `<details>`.
const FOLD_CHARS: usize = 600;

/// One section per shown node, by kind, in tree order: its id (the
/// anchor every link to it leads to), title, status, what it links to and
/// what links to it, and its text and questions.
pub fn node_index(view: &crate::view::View<'_>, title: &str, drawn: bool) -> String {
    use crate::graph::EdgeKind;
    use crate::model::Kind;
    let g = &view.checked.graph;
    let nodes = &view.checked.model.nodes;
    let mut out = format!("<h2 id=\"rtm-nodes\">{}</h2>\n", text(title));
    let mut seen = std::collections::HashSet::new();
    let link = |i: usize| {
        nodes.get(i).map_or(String::new(), |n| {
            format!("<a href=\"#{}\">{}</a>", anchor(&n.id), text(&n.id))
        })
    };
    let groups = [
        (Kind::Theme, "Themes"),
        (Kind::Business, "Business requirements"),
        (Kind::Requirement, "RTM entries"),
        (Kind::Sec, "SEC obligations"),
        (Kind::Modification, "Modifications"),
    ];
    for (kind, heading) in groups {
        let members: Vec<(usize, &crate::model::Node)> =
            view.nodes().filter(|(_, n)| n.kind == kind).collect();
        if members.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "<h3 id=\"rtm-nodes-{}\">{}</h3>\n",
            kind.as_str(),
            text(heading)
        ));
        for (i, n) in members {
            let id = if seen.insert(n.id.as_str()) {
                format!(" id=\"{}\"", anchor(&n.id))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<div class=\"rtm-node\"{id}>\n<h4>{} {}</h4>\n",
                text(&n.id),
                text(n.title().unwrap_or(""))
            ));
            let mut facts = vec![n.status.as_str().to_owned()];
            if let Some(c) = n.category {
                facts.push(c.as_str().to_owned());
            }
            if let Some(s) = n.stage {
                facts.push(format!("stage {}", s.as_str()));
            }
            if let Some(o) = n.owner() {
                facts.push(format!("owner {o}"));
            }
            out.push_str(&format!(
                "<p class=\"rtm-meta\">{}</p>\n",
                text(&crate::render::escape_controls(&facts.join(" · ")))
            ));
            if drawn && kind == Kind::Theme {
                out.push_str(&format!(
                    "<p class=\"rtm-meta\"><a href=\"#{}\">Diagram of {}</a></p>\n",
                    diagram_anchor(&n.id),
                    text(&n.id)
                ));
            }
            let mut rows: Vec<(&str, Vec<usize>)> = Vec::new();
            for (k, word) in [
                (EdgeKind::Theme, "Themes"),
                (EdgeKind::Satisfies, "Satisfies"),
                (EdgeKind::Refines, "Refines"),
                (EdgeKind::Upholds, "Upholds"),
                (EdgeKind::Deviates, "Deviates from"),
                (EdgeKind::ReliesOn, "Relies on"),
            ] {
                let t = super::targets_of(g, i, k);
                if !t.is_empty() {
                    rows.push((word, t));
                }
            }
            for (k, word) in [
                (EdgeKind::Theme, "Business requirements under it"),
                (EdgeKind::Satisfies, "Satisfied by"),
                (EdgeKind::Refines, "Refined by"),
                (EdgeKind::Upholds, "Upheld by"),
                (EdgeKind::Deviates, "Deviated from by"),
                (EdgeKind::ReliesOn, "Relied on by"),
            ] {
                let s = super::sources_of(g, i, k);
                if !s.is_empty() {
                    rows.push((word, s));
                }
            }
            if !rows.is_empty() {
                out.push_str("<ul class=\"rtm-links\">\n");
                for (word, list) in rows {
                    let links: Vec<String> = list.into_iter().map(link).collect();
                    out.push_str(&format!("<li>{word}: {}</li>\n", links.join(", ")));
                }
                out.push_str("</ul>\n");
            }
            let mut body = if n.text().trim().is_empty() {
                String::new()
            } else {
                fragment(n.text())
            };
            let mut questions = String::new();
            super::node_questions(&mut questions, n, view.checked.today);
            if !questions.is_empty() {
                body.push('\n');
                body.push_str(&fragment(&questions));
            }
            if body.len() > FOLD_CHARS {
                out.push_str(&format!(
                    "<details class=\"rtm-fold\">\n<summary>Text of {}</summary>\n{body}\n</details>\n",
                    text(&n.id)
                ));
            } else if !body.is_empty() {
                out.push_str(&format!("<div class=\"rtm-text\">\n{body}\n</div>\n"));
            }
            out.push_str("</div>\n");
        }
    }
    out
}

/// Plain text for an HTML element's content, hidden control characters
/// shown escaped (`\u{1b}`) as in every output for people.
fn text(s: &str) -> String {
    crate::escape::controls(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A CSS string literal: quotes, backslashes, line breaks and `<` (which
/// could close the `<style>` element) written as CSS escapes.
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' | '<' | '>' | '&' => out.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\{:x} ", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `html` without the table heads whose cells are all empty: Markdown needs
/// a header row, so a two-column list of labels and values (the header
/// every document starts with) has an empty one, which a page would show
/// as a blank bar above the table.
fn without_empty_heads(html: &str) -> String {
    const OPEN: &str = "<thead><tr>";
    const CELL: &str = "<th></th>";
    const CLOSE: &str = "</tr></thead>";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        let (before, head) = rest.split_at(at);
        out.push_str(before);
        let mut after = head.get(OPEN.len()..).unwrap_or("");
        let mut cells = 0;
        while let Some(next) = after.strip_prefix(CELL) {
            after = next;
            cells += 1;
        }
        match after.strip_prefix(CLOSE) {
            Some(next) if cells > 0 => rest = next,
            _ => {
                out.push_str(OPEN);
                rest = head.get(OPEN.len()..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_table_head_is_left_out() {
        let empty = "<table><thead><tr><th></th><th></th></tr></thead><tbody>\n<tr><td>a</td></tr>";
        assert_eq!(
            without_empty_heads(empty),
            "<table><tbody>\n<tr><td>a</td></tr>"
        );
        let named = "<table><thead><tr><th>Entry</th><th></th></tr></thead><tbody>";
        assert_eq!(without_empty_heads(named), named);
        let twice = format!("{empty}</tbody></table>{named}");
        assert_eq!(
            without_empty_heads(&twice),
            format!("<table><tbody>\n<tr><td>a</td></tr></tbody></table>{named}")
        );
    }

    #[test]
    fn a_fragment_is_one_balanced_block() {
        let f = fragment("AAA before <script>x\n\n```\ncode\n\nmore");
        assert!(!f.contains("<script"), "{f}");
        assert!(f.contains("&lt;script&gt;x"), "{f}");
        assert!(!f.contains("\n\n"), "{f}");
        assert!(f.contains("code&#10;&#10;more"), "{f}");
        assert_eq!(f.matches("<pre>").count(), f.matches("</pre>").count());
        for tag in ["plaintext", "xmp", "textarea", "style", "template"] {
            let f = fragment(&format!("a <{tag}>\n\n*b*"));
            assert!(!f.contains(&format!("<{tag}")), "{f}");
            assert!(f.contains("<em>b</em>"), "{f}");
            assert!(!f.contains("\n\n"), "{f}");
        }
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let f = fragment("a\u{1b}[2J b\u{7}\n\n```\nc\u{1b}\n```");
        assert!(!f.contains('\u{1b}') && !f.contains('\u{7}'), "{f}");
        assert!(f.contains("a\\u{1b}[2J"), "{f}");
    }

    #[test]
    fn images_lose_their_source() {
        let f = fragment(
            "![logo](https://example.org/x.png) <img src=\"//example.org/y.png\" alt=\"y\">",
        );
        assert!(!f.contains("example.org"), "{f}");
        assert!(f.contains("alt=\"logo\""), "{f}");
    }

    #[test]
    fn the_title_is_escaped_once() {
        let page = page("# Review: A &amp; B &lt;C&gt;\n", "White");
        assert!(
            page.contains("<title>Review: A &amp; B &lt;C&gt;</title>"),
            "{page}"
        );
    }
}
