//! Markdown building blocks for the documents: escaping and tables (from
//! [`crate::escape`], under the names the documents use) and ratios. Every
//! piece of text that comes from a node goes through [`esc`] (inline) or
//! [`cell`] (table cell), so no field can break a table or inject HTML or
//! a link.

pub use crate::escape::{Table, markdown as esc, markdown_cell as cell, plural as count};

/// `n of total (p%)`, the percentage rounded down so 100% means all.
pub fn ratio(n: usize, total: usize) -> String {
    if total == 0 {
        return format!("{n} of 0");
    }
    let pct = (n * 100) / total;
    format!("{n} of {total} ({pct}%)")
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
