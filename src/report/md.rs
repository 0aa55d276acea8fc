//! Markdown building blocks: escaping and tables. Every piece of text that
//! comes from a node goes through [`esc`] (inline) or [`cell`] (table
//! cell), so no field can break a table or inject HTML or a link.

use std::fmt::Write as _;

/// Escapes text for inline Markdown: characters that could start markup,
/// a link or HTML are neutralised; ids and ordinary words stay readable.
pub fn esc(text: &str) -> String {
    // Most text (ids, titles) needs nothing: copy it as it is.
    let special = |c: char| {
        matches!(
            c,
            '&' | '<' | '>' | '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '_' | '#' | '\r' | '\n'
        )
    };
    if !text.contains(special) && !text.contains(crate::render::is_hidden_control) {
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
            c if crate::render::is_hidden_control(c) => crate::render::push_escaped(&mut out, c),
            _ => out.push(c),
        }
        prev = Some(c);
    }
    out
}

/// Escapes text for a table cell: as [`esc`], on one line.
pub fn cell(text: &str) -> String {
    let one_line = esc(text.trim());
    if one_line.is_empty() {
        "—".to_owned()
    } else {
        one_line
    }
}

/// A Markdown table.
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

    pub fn write(&self, out: &mut String) {
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
            let mut cells = r.clone();
            cells.resize(self.header.len(), String::new());
            line(out, &cells);
        }
        out.push('\n');
    }
}

/// `n of total (p%)`, the percentage rounded down so 100% means all.
pub fn ratio(n: usize, total: usize) -> String {
    if total == 0 {
        return format!("{n} of 0");
    }
    let pct = (n * 100) / total;
    format!("{n} of {total} ({pct}%)")
}

/// "1 business requirement", "3 business requirements".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_but_keeps_ids() {
        assert_eq!(esc("RTM-0001"), "RTM-0001");
        assert_eq!(esc("dsn.plugins_loading.1"), "dsn.plugins_loading.1");
        assert_eq!(esc("a | b"), "a \\| b");
        assert_eq!(esc("<script>"), "&lt;script&gt;");
        assert_eq!(
            esc("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(esc("line\nbreak"), "line break");
        assert_eq!(esc("_em_"), "\\_em\\_");
        assert_eq!(cell("  "), "—");
        assert_eq!(esc("a\u{1b}[2Jb\u{7}"), r"a\u{1b}\[2Jb\u{7}");
    }

    #[test]
    fn ratio_rounds_down() {
        assert_eq!(ratio(26, 27), "26 of 27 (96%)");
        assert_eq!(ratio(199, 200), "199 of 200 (99%)");
        assert_eq!(ratio(0, 0), "0 of 0");
    }
}
