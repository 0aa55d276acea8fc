//! Escaping for every output, in one place: text from a node reaches a
//! terminal, Markdown, HTML, XML (SVG, ReqIF), Mermaid or a GitHub
//! workflow command only through one of these functions. A base module:
//! it imports nothing of the crate. Also the two helpers every writer of
//! text shares: [`plural`] and the Markdown [`Table`]; and the TOML strings
//! and arrays the importers write without toml_edit ([`toml_plain`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether toml_edit writes `s` as itself between double quotes: a basic
/// string with nothing to escape (no control character, quote, backslash
/// or line break). The importers write such strings themselves, which is
/// much faster than formatting each through toml_edit, and the same bytes.
pub fn toml_plain(s: &str) -> bool {
    !s.bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\')
}

/// Appends `["a", "b"]`, what toml_edit writes for an array of strings
/// that are all [`toml_plain`].
pub fn push_toml_plain_array<'s>(out: &mut String, items: impl IntoIterator<Item = &'s str>) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        out.push_str(item);
        out.push('"');
    }
    out.push(']');
}

/// Whether a character is shown escaped in text for a terminal or a
/// diagram: every C0 control but tab and line feed, DEL, and every C1
/// control (U+0080 to U+009F). Such characters in node content (an ESC
/// starting a terminal sequence, a BEL, a CR that moves back over a line)
/// would otherwise act on the reader's terminal.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control() && c != '\t' && c != '\n'
}

/// Text with every [hidden control](is_hidden_control) written as Rust
/// writes it in a string, `\u{1b}`: readable, and the same in every output
/// for people (human, GitHub annotations, DOT, Mermaid). Borrowed when
/// there is nothing to escape (nearly always).
pub fn controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden_control(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Appends a character as [`controls`] writes a hidden control: `\u{` and
/// its code in lower-case hexadecimal, then `}`.
pub fn push_escaped(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// Escapes text for inline Markdown: characters that could start markup,
/// a link or HTML are neutralised; ids and ordinary words stay readable.
pub fn markdown(text: &str) -> String {
    // Most text (ids, titles) needs nothing: copy it as it is.
    let special = |c: char| {
        matches!(
            c,
            '&' | '<' | '>' | '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '_' | '#' | '\r' | '\n'
        )
    };
    if !text.contains(special) && !text.contains(is_hidden_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '#' if prev.is_none() => out.push_str("\\#"),
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let before = prev.is_some_and(char::is_alphanumeric);
                let after = chars.peek().is_some_and(|n| n.is_alphanumeric());
                if !(before && after) {
                    out.push('\\');
                }
                out.push('_');
            }
            '\r' => {}
            '\n' => out.push(' '),
            // Control characters (ESC, BEL, NUL…) as `\u{1b}`: a document
            // printed in a terminal or a CI log cannot act on it.
            c if is_hidden_control(c) => push_escaped(&mut out, c),
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Escapes text for a Markdown table cell: as [`markdown`], on one line,
/// trimmed; "—" when nothing is left.
pub fn markdown_cell(text: &str) -> String {
    let one_line = markdown(text.trim());
    if one_line.is_empty() {
        "—".to_owned()
    } else {
        one_line
    }
}

/// Escapes text for a Markdown table cell keeping its lines: each line as
/// [`markdown`], joined with `<br>`.
pub fn markdown_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| markdown(line.trim_end_matches('\r')))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Escapes text for an HTML context inside Markdown (`<summary>`): markup
/// characters and `"` as references, line breaks as spaces, other
/// [hidden controls](is_hidden_control) as `\u{1b}`.
pub fn html(s: &str) -> String {
    if !s.contains(['&', '<', '>', '"']) && !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            c if is_hidden_control(c) => push_escaped(&mut out, c),
            _ => out.push(c),
        }
    }
    out
}

/// Text escaped for XML to be read by people (SVG element content and
/// attribute values): markup characters as references, line breaks as
/// spaces, other control characters (which XML does not allow) shown as
/// `\u{1b}`.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            // Characters XML does not allow: controls and U+FFFE, U+FFFF.
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => {
                push_escaped(&mut out, c)
            }
            _ => out.push(c),
        }
    }
    out
}

/// Text escaped for XML to be read back by a tool (ReqIF attribute
/// values): line breaks and tabs as character references, so that they
/// survive attribute normalisation; a character XML 1.0 cannot hold
/// becomes U+FFFD.
pub fn xml_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    xml_data_into(&mut out, s, false);
    out
}

/// Appends `s` escaped as [`xml_data`]; with `newlines`, a line feed is
/// kept as it is (element content) instead of written `&#10;`. Runs
/// without anything to escape are copied whole.
pub fn xml_data_into(out: &mut String, s: &str, newlines: bool) {
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let with = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            '\n' if newlines => continue,
            '\n' => "&#10;",
            '\r' => "&#13;",
            '\t' => "&#9;",
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(s.get(from..i).unwrap_or(""));
        out.push_str(with);
        from = i + c.len_utf8();
    }
    out.push_str(s.get(from..).unwrap_or(""));
}

/// XML element content as [`xml_data`], line feeds kept as they are.
pub fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    xml_data_into(&mut out, s, true);
    out
}

/// A Mermaid label: quotes, angle brackets and the characters Mermaid
/// reads as markup (`#`, a backtick, `&` of an entity, `%` of a `%%{…}%%`
/// directive, which Mermaid looks for even inside a quoted label) as
/// Mermaid entities, control characters escaped (`\u{1b}`).
pub fn mermaid(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '%' => out.push_str("#37;"),
            '&' => out.push_str("#38;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c if is_hidden_control(c) => push_escaped(&mut out, c),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a GitHub workflow command's data (the text after `::`), or with
/// `property` one of its property values: `%`, CR and LF as GitHub reads
/// them back, so that no line break in a message can start another
/// command; for a property also `:` and `,`; any other control character
/// as [`controls`] writes it (`\u{1b}`).
pub fn github(s: &str, property: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c if is_hidden_control(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out
}

/// Bytes as text: every byte that is not part of a UTF-8 character
/// written `\xNN` (file names that are not UTF-8).
pub fn bytes(b: &[u8]) -> String {
    let mut out = String::new();
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// An id with its non-ASCII characters shown as `\u{…}` after it, so that
/// look-alikes are seen: `ΒR-1 (\u{0392}R-1)`; an ASCII id as it is.
pub fn non_ascii(id: &str) -> String {
    if id.is_ascii() {
        return id.to_owned();
    }
    let mut escaped = String::new();
    for c in id.chars() {
        if c.is_ascii() {
            escaped.push(c);
        } else {
            let _ = write!(escaped, "\\u{{{:04X}}}", c as u32);
        }
    }
    format!("{id} ({escaped})")
}

/// "1 business requirement", "3 business requirements".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A Markdown table: a header, a separator and one line per row, every
/// cell already escaped ([`markdown_cell`], [`markdown_lines`]).
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of cells that are already escaped.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Writes the table's lines (a short row is padded with empty cells).
    pub fn write_lines(&self, out: &mut String) {
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for c in cells {
                let _ = write!(out, " {c} |");
            }
            out.push('\n');
        };
        line(out, &self.header);
        out.push('|');
        for _ in &self.header {
            out.push_str("---|");
        }
        out.push('\n');
        for r in &self.rows {
            if r.len() < self.header.len() {
                let mut cells = r.clone();
                cells.resize(self.header.len(), String::new());
                line(out, &cells);
            } else {
                line(out, r);
            }
        }
    }

    /// Writes the table and a blank line after it.
    pub fn write(&self, out: &mut String) {
        self.write_lines(out);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_toml_strings_and_arrays_are_what_toml_edit_writes() {
        for s in ["", "REQ-1", "é and ü", "a b", "tab\there"] {
            let plain = toml_plain(s);
            assert_eq!(plain, !s.contains('\t'), "{s:?}");
            if plain {
                assert_eq!(format!("\"{s}\""), toml_edit::Value::from(s).to_string());
            }
        }
        for s in ["q\"", "b\\", "l\n", "\u{7f}", "\u{1b}"] {
            assert!(!toml_plain(s), "{s:?}");
        }
        for items in [vec![], vec!["A"], vec!["A", "B-2", "é"]] {
            let mut out = String::new();
            push_toml_plain_array(&mut out, items.iter().copied());
            let array: toml_edit::Array = items.iter().copied().collect();
            assert_eq!(out, array.to_string().trim(), "{items:?}");
        }
    }

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            controls("\u{7}\r\u{0}\u{7f}\u{9b}"),
            "\\u{7}\\u{d}\\u{0}\\u{7f}\\u{9b}"
        );
        assert_eq!(controls("tab\tline\né"), "tab\tline\né");
        assert!(matches!(controls("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_neutralises_markup_and_keeps_ids() {
        assert_eq!(markdown("RTM-0001 snake_case"), "RTM-0001 snake_case");
        assert_eq!(
            markdown("_a_ *b* [c](d) <e> & | `f` ~g~"),
            "\\_a\\_ \\*b\\* \\[c\\](d) &lt;e&gt; &amp; \\| \\`f\\` \\~g\\~"
        );
        assert_eq!(markdown("# head\r\nnext #1"), "\\# head next #1");
        assert_eq!(markdown("bell\u{7}"), "bell\\u{7}");
        assert_eq!(markdown_cell("  "), "—");
        assert_eq!(markdown_cell(" a|b "), "a\\|b");
        assert_eq!(markdown_lines("a\r\nb|c"), "a<br>b\\|c");
        assert_eq!(markdown_lines(""), "");
    }

    #[test]
    fn html_and_xml_escape_markup() {
        assert_eq!(html("a<b>&\"c\"\nd"), "a&lt;b&gt;&amp;&quot;c&quot; d");
        assert_eq!(html("plain 'x'"), "plain 'x'");
        assert_eq!(
            xml("<a href='x'>&\n\u{1b}</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp; \\u{1b}&lt;/a&gt;"
        );
        assert_eq!(
            xml_data("a\nb\t\"c\"\u{1}\u{fffe}"),
            "a&#10;b&#9;&quot;c&quot;\u{fffd}\u{fffd}"
        );
        assert_eq!(xml_text("a\nb&c"), "a\nb&amp;c");
    }

    #[test]
    fn mermaid_and_github_escape_their_own_syntax() {
        assert_eq!(
            mermaid("\"a\" <b> #1 `c`\nd\u{1b}"),
            "#quot;a#quot; #lt;b#gt; #35;1 #96;c#96; d\\u{1b}"
        );
        assert_eq!(
            github("50% a:b,c\r\n\u{1b}", false),
            "50%25 a:b,c%0D%0A\\u{1b}"
        );
        assert_eq!(github("a:b,c", true), "a%3Ab%2Cc");
    }

    #[test]
    fn bytes_and_ids_show_what_is_hidden() {
        assert_eq!(bytes(b"a\xffb\xc3\xa9"), "a\\xFFbé");
        assert_eq!(non_ascii("BR-1"), "BR-1");
        assert_eq!(non_ascii("\u{392}R-1"), "\u{392}R-1 (\\u{0392}R-1)");
    }

    #[test]
    fn plurals_and_tables() {
        assert_eq!(plural(1, "gap", "gaps"), "1 gap");
        assert_eq!(plural(0, "gap", "gaps"), "0 gaps");
        assert_eq!(plural(2, "entry", "entries"), "2 entries");
        let mut t = Table::new(&["A", "B"]);
        assert!(t.is_empty());
        t.row(vec!["1".into()]);
        t.row(vec!["2".into(), "x".into()]);
        assert_eq!(t.len(), 2);
        let mut out = String::new();
        t.write(&mut out);
        assert_eq!(out, "| A | B |\n|---|---|\n| 1 |  |\n| 2 | x |\n\n");
        let mut lines = String::new();
        t.write_lines(&mut lines);
        assert_eq!(format!("{lines}\n"), out);
    }
}
