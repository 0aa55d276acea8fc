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
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  details { border: none; padding: 0; }
  details > summary { list-style: none; }
  h2 { page-break-after: avoid; }
  table, tr, pre { page-break-inside: avoid; }
}
"#;

/// Renders Markdown to a complete, sanitised HTML page.
pub fn page(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut body = String::new();
    html::push_html(&mut body, Parser::new_ext(markdown, options));
    let clean = ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&body)
        .to_string();
    let title = markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or("rtm");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{clean}</body>\n</html>\n",
        ammonia::clean_text(&strip_escapes(title))
    )
}

/// A heading's text without Markdown backslash escapes.
fn strip_escapes(s: &str) -> String {
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
    out
}
