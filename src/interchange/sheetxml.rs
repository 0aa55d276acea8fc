//! The rows of a worksheet as SpreadsheetML (`<row>` and inline-string
//! `<c>` elements), written the way rust_xlsxwriter writes them in its
//! constant-memory mode, byte for byte.
//!
//! rust_xlsxwriter makes everything else in the workbook (styles, notes,
//! frozen header, autofilter, properties); `export` puts these rows into
//! its sheets. Stored one by one through rust_xlsxwriter, each cell cost
//! about 0.6 µs (an owned copy, a row map, formatted writes and two
//! escaping passes): 1.3 s of the 100k-node tree's export, which is 2.3
//! million cells. Here a cell is a few appends into one buffer. The unit
//! tests compare these rows with rust_xlsxwriter's own.

use std::borrow::Cow;
use std::io::{self, Write};

/// How many bytes are gathered before they are handed on.
const CHUNK: usize = 1 << 16;

/// Writes rows into `out`.
pub struct Rows<W: Write> {
    out: W,
    buf: Vec<u8>,
    /// Each column's letters: `A`, `B`, … `AA`.
    columns: Vec<String>,
    /// The cells' style attribute: ` s="1"`, or nothing for style 0.
    style: String,
}

impl<W: Write> Rows<W> {
    /// Rows of `width` columns whose cells take the style (the `xf`
    /// index) `style`.
    pub fn new(out: W, width: usize, style: u32) -> Self {
        let columns = (0..width)
            .map(|c| {
                rust_xlsxwriter::utility::column_number_to_name(
                    u16::try_from(c).unwrap_or(u16::MAX),
                )
            })
            .collect();
        Self {
            out,
            buf: Vec::with_capacity(CHUNK + 4096),
            columns,
            style: if style == 0 {
                String::new()
            } else {
                format!(" s=\"{style}\"")
            },
        }
    }

    /// Writes row `number` (counted from 1) with `cells`, one per column
    /// from `A`; an empty cell is left out, and a row of empty cells is
    /// not written at all.
    pub fn row<'c>(
        &mut self,
        number: u32,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> io::Result<()> {
        let number = number.to_string();
        let mut any = false;
        for (column, text) in self.columns.iter().zip(cells) {
            if text.is_empty() {
                continue;
            }
            if !any {
                self.buf.extend_from_slice(b"<row r=\"");
                self.buf.extend_from_slice(number.as_bytes());
                self.buf.extend_from_slice(b"\">");
                any = true;
            }
            self.buf.extend_from_slice(b"<c r=\"");
            self.buf.extend_from_slice(column.as_bytes());
            self.buf.extend_from_slice(number.as_bytes());
            self.buf.push(b'"');
            self.buf.extend_from_slice(self.style.as_bytes());
            self.buf.extend_from_slice(b" t=\"inlineStr\"><is><t");
            if text.starts_with(SPACES) || text.ends_with(SPACES) {
                self.buf.extend_from_slice(b" xml:space=\"preserve\"");
            }
            self.buf.push(b'>');
            if plain(text) {
                self.buf.extend_from_slice(text.as_bytes());
            } else {
                escape(&guard_escapes(text), &mut self.buf);
            }
            self.buf.extend_from_slice(b"</t></is></c>");
        }
        if any {
            self.buf.extend_from_slice(b"</row>");
        }
        if self.buf.len() >= CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Hands on what is gathered and gives back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&self.buf)?;
        Ok(self.out)
    }
}

/// The white space whose presence at either end of a text needs
/// `xml:space="preserve"` to be kept.
const SPACES: [char; 3] = ['\t', '\n', ' '];

/// Whether `text` is written as it is: it holds none of `&`, `<`, `>`,
/// the control characters but tab and line feed, the first byte of U+FFFE
/// and U+FFFF, and `_` (of `_xHHHH_`). Each block of 32 bytes is tested
/// whole, without a branch per byte.
fn plain(text: &str) -> bool {
    let special = |b: u8| {
        (b < 0x20) & (b != b'\t') & (b != b'\n')
            | (b == b'&')
            | (b == b'<')
            | (b == b'>')
            | (b == b'_')
            | (b == 0xEF)
    };
    text.as_bytes()
        .chunks(32)
        .all(|block| !block.iter().fold(false, |any, &b| any | special(b)))
}

/// Excel reads `_xHHHH_` in a cell as the character HHHH: such a run that
/// is the text's own gets its underscore written as `_x005F`, so that it
/// reads back as written.
fn guard_escapes(text: &str) -> Cow<'_, str> {
    if !text.contains("_x") {
        return Cow::Borrowed(text);
    }
    let is_escape = |at: usize| {
        let Some(run) = text.get(at..at + 7) else {
            return false;
        };
        run.ends_with('_')
            && run
                .get(2..6)
                .is_some_and(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut runs = text
        .match_indices("_x")
        .map(|(at, _)| at)
        .filter(|&at| is_escape(at))
        .peekable();
    if runs.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 12);
    let mut done = 0;
    for at in runs {
        out.push_str(text.get(done..at).unwrap_or_default());
        out.push_str("_x005F");
        done = at;
    }
    out.push_str(text.get(done..).unwrap_or_default());
    Cow::Owned(out)
}

/// Appends `text` as XML character data: `&`, `<` and `>` as entities,
/// and the control characters other than tab and line feed, U+FFFE and
/// U+FFFF (which XML cannot hold) as `_xHHHH_`.
fn escape(text: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = text.as_bytes();
    let mut done = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let (len, with): (usize, Option<&[u8]>) = match b {
            b'&' => (1, Some(b"&amp;")),
            b'<' => (1, Some(b"&lt;")),
            b'>' => (1, Some(b"&gt;")),
            b'\t' | b'\n' => (1, None),
            0..0x20 => (1, Some(&[])),
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
            0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => (3, Some(&[])),
            _ => (1, None),
        };
        if let Some(with) = with {
            out.extend_from_slice(bytes.get(done..i).unwrap_or_default());
            if with.is_empty() {
                // A control character, or U+FFFE / U+FFFF.
                let code: u16 = if len == 3 {
                    0xFFF0 | u16::from(bytes.get(i + 2).copied().unwrap_or(0) & 0x0F)
                } else {
                    u16::from(b)
                };
                out.extend_from_slice(b"_x");
                for shift in [12, 8, 4, 0] {
                    out.push(
                        HEX.get(usize::from((code >> shift) & 0xF))
                            .copied()
                            .unwrap_or(b'0'),
                    );
                }
                out.push(b'_');
            } else {
                out.extend_from_slice(with);
            }
            done = i + len;
        }
        i += len;
    }
    out.extend_from_slice(bytes.get(done..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape(&guard_escapes(text), &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_is_escaped_as_excel_reads_it() {
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(
            escaped("a & b < c > d \"e\""),
            "a &amp; b &lt; c &gt; d \"e\""
        );
        assert_eq!(escaped("tab\tline\nend"), "tab\tline\nend");
        assert_eq!(escaped("\u{0}\u{1b}\r"), "_x0000__x001B__x000D_");
        assert_eq!(
            escaped("\u{FFFE}\u{FFFF}\u{FFFD}"),
            "_xFFFE__xFFFF_\u{FFFD}"
        );
        assert_eq!(escaped("é ü 😀"), "é ü 😀");
        // A run Excel would read as an escape is itself escaped.
        assert_eq!(escaped("_x0041_"), "_x005F_x0041_");
        assert_eq!(
            escaped("a_x00e9_b_x12_c_x0041_"),
            "a_x005F_x00e9_b_x12_c_x005F_x0041_"
        );
        assert_eq!(escaped("_xZZZZ_ _x004"), "_xZZZZ_ _x004");
        assert_eq!(escaped("_x00é_"), "_x00é_");
    }

    #[test]
    fn empty_cells_and_empty_rows_are_left_out() {
        let mut rows = Rows::new(Vec::new(), 28, 1);
        rows.row(2, ["", "b", ""]).unwrap();
        rows.row(3, ["", ""]).unwrap();
        let mut cells = vec![""; 28];
        cells[27] = " x ";
        rows.row(4, cells).unwrap();
        let out = String::from_utf8(rows.finish().unwrap()).unwrap();
        assert_eq!(
            out,
            "<row r=\"2\"><c r=\"B2\" s=\"1\" t=\"inlineStr\"><is><t>b</t></is></c></row>\
             <row r=\"4\"><c r=\"AB4\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\"> x \
             </t></is></c></row>"
        );
    }
}
