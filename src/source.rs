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
}

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
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column of a byte offset. Columns count Unicode
    /// scalar values, so they match what an editor shows for UTF-8 text.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| (s as usize) <= offset);
        let start = self
            .line_starts
            .get(line.saturating_sub(1))
            .map_or(0, |&s| s as usize);
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line.max(1), column + 1)
    }
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
}
