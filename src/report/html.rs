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
@media print {
  .classification { border-width: 1px; }
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  h2 { page-break-after: avoid; }
  table, tr, pre { page-break-inside: avoid; }
}
"#;

/// The one sanitiser of every piece of HTML rtm writes: ammonia's safe
/// defaults, links to `http`, `https` and `mailto` only, and nothing that
/// would be fetched when the page opens: an image keeps its `alt` text but
/// loses its `src`, so opening a document never contacts another host.
fn sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect())
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            (_, "src" | "srcset" | "poster" | "background" | "lowsrc" | "dynsrc") => None,
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
    use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
    let mut in_code = false;
    let events = Parser::new_ext(markdown, options()).map(|e| match e {
        Event::Start(Tag::CodeBlock(kind)) => {
            in_code = true;
            Event::Start(Tag::CodeBlock(match kind {
                CodeBlockKind::Fenced(_) => CodeBlockKind::Fenced("".into()),
                CodeBlockKind::Indented => CodeBlockKind::Indented,
            }))
        }
        Event::End(TagEnd::CodeBlock) => {
            in_code = false;
            e
        }
        Event::Text(t) if in_code => Event::InlineHtml(code_text(&t).into()),
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

/// Text of a code block, escaped, its line breaks as character references.
fn code_text(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("&#10;"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

fn options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// A document of `view` as an HTML page, labelled with its classification.
pub fn page_for(view: &crate::view::View<'_>, markdown: &str) -> String {
    page(markdown, &view.labels().label(view.document_level()))
}

/// Renders Markdown to a complete, sanitised HTML page. `banner` is the
/// document's classification label, repeated at the top of every printed
/// page.
pub fn page(markdown: &str, banner: &str) -> String {
    let mut body = String::new();
    html::push_html(&mut body, Parser::new_ext(markdown, options()));
    let clean = sanitiser().clean(&body).to_string();
    let title = markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("rtm");
    // Printed, the label heads and foots every page (CSS page margin boxes).
    let on_pages = format!(
        "@page {{ @top-center {{ content: {0}; font: 9pt sans-serif; }} @bottom-center {{ content: {0}; font: 9pt sans-serif; }} }}",
        css_string(banner)
    );
    let banner = text(banner);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}{on_pages}\n</style>\n</head>\n<body>\n<p class=\"classification\">{banner}</p>\n{clean}<p class=\"classification\">{banner}</p>\n</body>\n</html>\n",
        text(&unescape(title))
    )
}

/// Plain text for an HTML element's content.
fn text(s: &str) -> String {
    s.replace('&', "&amp;")
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

/// A heading's plain text: Markdown backslash escapes and the character
/// references [`super::md::esc`] writes undone, so that the `<title>`
/// escapes each character once.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

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
