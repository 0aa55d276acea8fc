//! Positions: byte offsets in a text, as rtm's spans hold them, to and from
//! LSP positions (a line and a character offset in UTF-16 code units, or in
//! bytes when the client and the server agreed on UTF-8).

use lsp_types::{Position, Range};

/// How a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-16 code units: LSP's default, what every client understands.
    #[default]
    Utf16,
    /// Bytes of UTF-8, when the client offers it (LSP 3.17).
    Utf8,
}

/// The start of every line of a text. Lines end as LSP says they do: at
/// `\n`, `\r\n` or a `\r` alone, so that a client and the server count the
/// same lines (an editor shows a lone `\r`, pasted from an old file, as a
/// line break, and places its edits after it on the next line).
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(
                memchr::memchr2_iter(b'\n', b'\r', bytes)
                    .filter(|&i| bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n'))
                    .map(|i| i + 1),
            )
            .collect();
        LineIndex { starts }
    }

    /// The LSP position of a byte offset (clamped to the text, and moved
    /// back to a character boundary).
    pub fn position(&self, text: &str, offset: usize, enc: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let before = text.get(start..offset).unwrap_or("");
        let character = match enc {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.chars().map(char::len_utf16).sum(),
        };
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            character: u32::try_from(character).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of an LSP position. A line past the end is the end
    /// of the text; a character past the end of its line is the line's end
    /// (as the protocol asks); one inside a character is that character.
    pub fn offset(&self, text: &str, pos: Position, enc: Encoding) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |&e| e.saturating_sub(1));
        let line = text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let want = pos.character as usize;
        let mut units = 0;
        for (i, c) in line.char_indices() {
            if units >= want {
                return start + i;
            }
            units += match enc {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units > want {
                return start + i;
            }
        }
        start + line.len()
    }

    pub fn range(&self, text: &str, span: std::ops::Range<usize>, enc: Encoding) -> Range {
        Range {
            start: self.position(text, span.start, enc),
            end: self.position(text, span.end, enc),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_positions_round_trip() {
        let text = "a = \"é😀x\"\r\nb = 1\n";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap();
        // `é` is one unit, the emoji two: x is at character 8.
        let p = ix.position(text, x, Encoding::Utf16);
        assert_eq!((p.line, p.character), (0, 8));
        assert_eq!(ix.offset(text, p, Encoding::Utf16), x);
        let p8 = ix.position(text, x, Encoding::Utf8);
        assert_eq!((p8.line, p8.character), (0, 11));
        assert_eq!(ix.offset(text, p8, Encoding::Utf8), x);
        let b = text.find('b').unwrap();
        assert_eq!(ix.position(text, b, Encoding::Utf16), Position::new(1, 0));
        // Past the end of a line: its end, before the CR.
        assert_eq!(
            ix.offset(text, Position::new(0, 99), Encoding::Utf16),
            text.find('\r').unwrap()
        );
        // Past the last line: the end of the text.
        assert_eq!(
            ix.offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
        // Inside the emoji's surrogate pair: the emoji.
        let emoji = text.find('😀').unwrap();
        assert_eq!(ix.offset(text, Position::new(0, 7), Encoding::Utf16), emoji);
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "a = 1\rb = 2\r\nc = 3\nd";
        let ix = LineIndex::new(text);
        for (name, line) in [('a', 0), ('b', 1), ('c', 2), ('d', 3)] {
            let at = text.find(name).unwrap();
            assert_eq!(
                ix.position(text, at, Encoding::Utf16),
                Position::new(line, 0),
                "{name}"
            );
            assert_eq!(ix.offset(text, Position::new(line, 0), Encoding::Utf16), at);
        }
        // The end of a line is before its terminator, whichever it is.
        assert_eq!(ix.offset(text, Position::new(0, 99), Encoding::Utf16), 5);
        assert_eq!(ix.offset(text, Position::new(1, 99), Encoding::Utf16), 11);
        // A text ending in `\r` has an empty last line after it.
        let ix = LineIndex::new("a\r");
        assert_eq!(ix.position("a\r", 2, Encoding::Utf16), Position::new(1, 0));
    }
}
