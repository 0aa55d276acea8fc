//! `rtm check --format github`: one GitHub Actions workflow command per
//! finding, so that each shows as an annotation on the pull request, then
//! the human summary line.
//!
//! ```text
//! ::error file=requirements/x.toml,line=12,col=20,endLine=12,endColumn=26,title=R004 dangling-link::RTM-0001 links to BR-999, which does not exist
//! ```
//!
//! Paths are the tree's folder as given on the command line joined with the
//! file's path inside the tree, as in the SARIF output. `endColumn` is the
//! column just past the span, as SARIF's. GitHub accepts `col` and
//! `endColumn` only when the annotation starts and ends on one line, so a
//! span over several lines gives `line` and `endLine` only.

use std::path::Path;

use crate::Checked;
use crate::finding::Finding;
use crate::rules::Level;

use super::sarif::{region_of, repo_path};

/// The workflow command for a level: `error`, `warning` or `notice`.
pub fn command(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note | Level::Off => "notice",
    }
}

/// Escapes a command's data (the text after `::`): `%`, CR and LF as
/// GitHub reads them back, so that no line break in a message can start
/// another workflow command; any other control character as
/// [`escape_controls`](super::escape_controls) writes it (`\u{1b}`).
pub fn escape_data(s: &str) -> String {
    escape(s, false)
}

/// Escapes a property value: as [`escape_data`], and `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape(s, true)
}

use crate::escape::github as escape;

/// The workflow command line of one finding, without the newline.
pub fn line(root: &Path, checked: &Checked, f: &Finding) -> String {
    let sources = &checked.model.sources;
    let rule = f.code.rule();
    let file = repo_path(root, sources.path(f.span.file));
    let (line, col, end_line, end_col) = region_of(sources, f.span);
    let place = if line == end_line {
        format!("line={line},col={col},endLine={end_line},endColumn={end_col}")
    } else {
        format!("line={line},endLine={end_line}")
    };
    format!(
        "::{} file={},{place},title={}::{}",
        command(f.level),
        escape_property(&file),
        escape_property(&format!("{} {}", rule.code, rule.name)),
        escape_data(&f.message),
    )
}

/// Writes one workflow command per finding, then the summary line. `root`
/// is the tree's folder as given on the command line.
pub fn write(out: &mut impl std::io::Write, root: &Path, checked: &Checked) -> std::io::Result<()> {
    for f in &checked.findings {
        writeln!(out, "{}", line(root, checked, f))?;
    }
    writeln!(out, "{}", super::human::summary(checked))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_newlines_only() {
        assert_eq!(escape_data("100% done"), "100%25 done");
        assert_eq!(escape_data("a\r\nb\nc"), "a%0D%0Ab%0Ac");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("é — ok"), "é — ok");
        assert_eq!(
            escape_data("x\u{1b}[2J\u{7}\u{0}\u{9b}\t"),
            "x\\u{1b}[2J\\u{7}\\u{0}\\u{9b}\t"
        );
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
        assert_eq!(escape_property("50%\n"), "50%25%0A");
        assert_eq!(escape_property("x\r"), "x%0D");
        assert_eq!(escape_property("R004 dangling-link"), "R004 dangling-link");
        // `%` first: an escape is never escaped twice or undone.
        assert_eq!(escape_property("%2C,"), "%252C%2C");
        assert_eq!(escape_property("a\u{1b}b.toml"), "a\\u{1b}b.toml");
    }

    #[test]
    fn levels_map_to_commands() {
        assert_eq!(command(Level::Error), "error");
        assert_eq!(command(Level::Warning), "warning");
        assert_eq!(command(Level::Note), "notice");
    }
}
