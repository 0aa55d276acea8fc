//! Source files: their text, their path inside the tree, and the mapping
//! from byte offsets to 1-based line and column.

use std::ops::Range;

/// Index of a file in [`Sources`].
pub type FileId = usize;

/// A byte range inside one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span {
            file,
            start: range.start,
            end: range.end,
        }
    }

    /// The start of a file: where file-level findings point.
    pub fn file_start(file: FileId) -> Self {
        Span {
            file,
            start: 0,
            end: 0,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// One file of the tree, as read.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the tree's folder, with `/` separators.
    pub path: String,
    /// The text, without a UTF-8 byte-order mark. For a file that is not
    /// UTF-8 this is a lossy rendering, kept only to show snippets.
    pub text: String,
    /// Byte offset of every line's start (u32: files are far below 4 GiB,
    /// as `limits.max_file_bytes` caps them).
    line_starts: Vec<u32>,
    /// For a text that is not ASCII: every [`CHECKPOINT`] bytes or so (at a
    /// character boundary), the byte offset and the number of characters
    /// before it, so that a column costs at most a few KiB of counting
    /// even on a very long line. Empty for ASCII, where a column is a byte
    /// count.
    checkpoints: Vec<(u32, u32)>,
}

/// The spacing of [`SourceFile`] checkpoints, in bytes.
const CHECKPOINT: usize = 4096;

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        let mut line_starts: Vec<u32> = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        line_starts.shrink_to_fit();
        let checkpoints = checkpoints(&text);
        SourceFile {
            path,
            text,
            line_starts,
            checkpoints,
        }
    }

    /// The number of characters before a byte offset (a character
    /// boundary): linear in [`CHECKPOINT`], not in the offset.
    fn chars_before(&self, offset: usize) -> usize {
        if self.checkpoints.is_empty() {
            return offset;
        }
        let k = self
            .checkpoints
            .partition_point(|&(b, _)| (b as usize) <= offset);
        let (byte, chars) = match k.checked_sub(1).and_then(|k| self.checkpoints.get(k)) {
            Some(&(b, c)) => (b as usize, c as usize),
            None => (0, 0),
        };
        chars
            + self
                .text
                .get(byte..offset)
                .map_or(offset.saturating_sub(byte), |s| s.chars().count())
    }

    /// 1-based line and column of a byte offset. Columns count Unicode
    /// scalar values, so they match what an editor shows for UTF-8 text.
    /// Byte offset of every line's start (lines end at `\n`).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| (s as usize) <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .map_or(0, |&s| s as usize);
        // A place inside a character counts from that character.
        let mut offset = offset;
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let column = self
            .chars_before(offset)
            .saturating_sub(self.chars_before(start));
        (line.max(1), column + 1)
    }
}

/// The checkpoints of a text (none when it is ASCII).
fn checkpoints(text: &str) -> Vec<(u32, u32)> {
    if text.is_ascii() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(text.len() / CHECKPOINT + 1);
    let (mut byte, mut chars) = (0, 0);
    while byte < text.len() {
        let mut next = (byte + CHECKPOINT).min(text.len());
        while !text.is_char_boundary(next) {
            next += 1;
        }
        chars += text.get(byte..next).map_or(0, |s| s.chars().count());
        byte = next;
        out.push((
            u32::try_from(byte).unwrap_or(u32::MAX),
            u32::try_from(chars).unwrap_or(u32::MAX),
        ));
    }
    out
}

/// Every file rtm has read, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    /// Replaces the file at `id` (a file read again after an edit); false
    /// when there is no such file.
    pub fn set(&mut self, id: FileId, file: SourceFile) -> bool {
        match self.files.get_mut(id) {
            Some(slot) => {
                *slot = file;
                true
            }
            None => false,
        }
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn path(&self, id: FileId) -> &str {
        self.files.get(id).map_or("", |f| f.path.as_str())
    }

    pub fn line_col(&self, span: Span) -> (usize, usize) {
        self.files
            .get(span.file)
            .map_or((1, 1), |f| f.line_col(span.start))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Every file, taken out.
    pub fn into_files(self) -> Vec<SourceFile> {
        self.files
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.toml".into(), "ab\r\nxé = \"z\"\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(1), (1, 2));
        assert_eq!(f.line_col(4), (2, 1));
        // `é` is two bytes but one column.
        let quote = f.text.find('"').unwrap();
        assert_eq!(f.line_col(quote), (2, 6));
        assert_eq!(f.line_col(10_000), (3, 1));
    }

    #[test]
    fn columns_on_long_non_ascii_lines_match_a_plain_count() {
        let text = format!("a\n{}\n{}x", "é-".repeat(10_000), "ü".repeat(5_000));
        let f = SourceFile::new("a.toml".into(), text.clone());
        for (offset, _) in text.char_indices().step_by(997) {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = text[..offset].matches('\n').count() + 1;
            let column = text[start..offset].chars().count() + 1;
            assert_eq!(f.line_col(offset), (line, column), "{offset}");
        }
        // Inside a character: that character's column.
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(text.len()), (3, 5_002));
    }
}
