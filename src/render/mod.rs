//! Renderers: each turns findings into one output format.

use std::borrow::Cow;
use std::fmt::Write as _;

pub mod diff;
pub mod github;
pub mod gitlab;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
pub mod svg;

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
pub fn escape_controls(s: &str) -> Cow<'_, str> {
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

/// Appends a character as [`escape_controls`] writes a hidden control:
/// `\u{` and its code in lower-case hexadecimal, then `}`.
pub fn push_escaped(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(
            escape_controls("\u{7}\r\u{0}\u{7f}\u{9b}"),
            "\\u{7}\\u{d}\\u{0}\\u{7f}\\u{9b}"
        );
        assert_eq!(escape_controls("tab\tline\né"), "tab\tline\né");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
    }
}
