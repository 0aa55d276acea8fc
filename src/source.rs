//! Source files: their text, their path inside the tree, and the mapping
//! from byte offsets to 1-based line and column.

use std::ops::Range;
use std::sync::Arc;

/// A file of a [`Sources`] registry. Only [`Sources::add`] makes one, and
/// a registry never drops a file, so an id always names a file of the
/// registry that made it (or of a clone of it): there is no id to print
/// as an empty path at 1:1.
///
/// ```compile_fail
/// // No id can be made from a number.
/// let id = rtm::source::FileId(7);
/// ```
///
/// ```
/// use rtm::source::{SourceFile, Sources};
/// let mut sources = Sources::default();
/// let id = sources.add(SourceFile::new("a.toml".into(), String::new()));
/// assert_eq!(sources.path(id), "a.toml");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

impl FileId {
    /// The file's place in its registry (0 for the first file added).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

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
    /// UTF-8 this is a lossy rendering, kept only to show snippets. Shared
    /// with the [`Str`]s of the nodes read from it: a file read from disk
    /// by the loader is a span of a buffer it shares with the other files
    /// read in the same batch (see `load::read_batch`).
    pub text: Str,
    /// Built the first time a line or column is asked: most files of a
    /// tree never are (a few MB at 100,000 nodes).
    index: std::sync::OnceLock<LineIndex>,
}

/// Where the lines of a text start, and where to count its columns from.
#[derive(Debug, Clone)]
struct LineIndex {
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

impl LineIndex {
    fn of(text: &str) -> LineIndex {
        let mut line_starts: Vec<u32> = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        line_starts.shrink_to_fit();
        LineIndex {
            line_starts,
            checkpoints: checkpoints(text),
        }
    }
}

/// The spacing of [`SourceFile`] checkpoints, in bytes.
const CHECKPOINT: usize = 4096;

impl SourceFile {
    pub fn new(path: String, text: String) -> Self {
        SourceFile {
            path,
            text: Str::from(text),
            index: std::sync::OnceLock::new(),
        }
    }

    /// A file whose text is already shared: it is not copied.
    pub fn shared(path: String, text: Str) -> Self {
        SourceFile {
            path,
            text,
            index: std::sync::OnceLock::new(),
        }
    }

    fn index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::of(&self.text))
    }

    /// The number of characters before a byte offset (a character
    /// boundary): linear in [`CHECKPOINT`], not in the offset.
    fn chars_before(&self, offset: usize) -> usize {
        let checkpoints = &self.index().checkpoints;
        if checkpoints.is_empty() {
            return offset;
        }
        let k = checkpoints.partition_point(|&(b, _)| (b as usize) <= offset);
        let (byte, chars) = match k.checked_sub(1).and_then(|k| checkpoints.get(k)) {
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
        &self.index().line_starts
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line = line_starts.partition_point(|&s| (s as usize) <= offset);
        let start = line_starts
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

/// A string read from a file: a span of the file's text (shared, never
/// copied), or its own text when the value as read differs from what the
/// file holds at that place (a TOML string with escapes). Reads as a
/// `str`; compares, orders and hashes as one.
#[derive(Clone)]
pub struct Str {
    text: Arc<String>,
    start: u32,
    len: u32,
}

impl Str {
    /// The whole of a shared text.
    pub fn whole(text: Arc<String>) -> Str {
        match u32::try_from(text.len()) {
            Ok(len) => Str {
                text,
                start: 0,
                len,
            },
            Err(_) => Str::from(text.as_str()),
        }
    }

    /// The part `range` of a shared text, when it lies inside it on
    /// character boundaries.
    pub fn part(text: &Arc<String>, range: std::ops::Range<usize>) -> Option<Str> {
        text.get(range.clone())?;
        Some(Str {
            text: Arc::clone(text),
            start: u32::try_from(range.start).ok()?,
            len: u32::try_from(range.len()).ok()?,
        })
    }

    /// `s` as a span of `text` when it lies inside it (a string the TOML
    /// parser borrowed from the file), otherwise a copy of it.
    pub fn within(text: &Str, s: &str) -> Str {
        let outer = text.as_str();
        let at = (s.as_ptr() as usize).wrapping_sub(outer.as_ptr() as usize);
        let inside = outer
            .get(at..at.saturating_add(s.len()))
            .is_some_and(|t| t.as_ptr() == s.as_ptr());
        let start = (text.start as usize).saturating_add(at);
        match (inside, u32::try_from(start), u32::try_from(s.len())) {
            (true, Ok(start), Ok(len)) => Str {
                text: Arc::clone(&text.text),
                start,
                len,
            },
            _ => Str::from(s),
        }
    }

    /// Where `other` lies in this string's text (its start there and its
    /// length), when both are parts of the same text.
    pub fn offsets_of(&self, other: &Str) -> Option<(u32, u32)> {
        Arc::ptr_eq(&self.text, &other.text).then_some((other.start, other.len))
    }

    /// The `len` bytes at `start` of this string's text (offsets as
    /// [`Str::offsets_of`] gives them); "" when they are not a part of it.
    pub fn sibling(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.text
            .get(start..start.saturating_add(len as usize))
            .unwrap_or_default()
    }

    /// Whether this is the whole of `text` itself (not a copy, not a part).
    pub fn is_all_of(&self, text: &Arc<String>) -> bool {
        Arc::ptr_eq(&self.text, text) && self.start == 0 && self.len as usize == text.len()
    }

    pub fn as_str(&self) -> &str {
        // Every constructor checks that the range is inside the text and on
        // character boundaries, and the text never changes: never "".
        self.sibling(self.start, self.len)
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str::from(s.to_owned())
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        match u32::try_from(s.len()) {
            Ok(len) => Str {
                text: Arc::new(s),
                start: 0,
                len,
            },
            // Past 4 GiB (never, as files are capped far below): cut at a
            // character boundary rather than hold a span that cannot be
            // written.
            Err(_) => {
                let mut end = u32::MAX as usize;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let mut s = s;
                s.truncate(end);
                Str::from(s)
            }
        }
    }
}

impl From<Str> for String {
    fn from(s: Str) -> String {
        s.as_str().to_owned()
    }
}

impl From<&Str> for String {
    fn from(s: &Str) -> String {
        s.as_str().to_owned()
    }
}

impl Default for Str {
    fn default() -> Str {
        Str::from(String::new())
    }
}

impl std::ops::Deref for Str {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Str {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl std::fmt::Display for Str {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Str {}

impl PartialOrd for Str {
    fn partial_cmp(&self, other: &Str) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Str {
    fn cmp(&self, other: &Str) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Str {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Str {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Str> for str {
    fn eq(&self, other: &Str) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Str> for &str {
    fn eq(&self, other: &Str) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Str> for String {
    fn eq(&self, other: &Str) -> bool {
        self.as_str() == other.as_str()
    }
}

impl serde::Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Every file rtm has read, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id: the only way to make a [`FileId`].
    /// Files are never removed, so the id stays valid for the life of the
    /// registry.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        // A tree has far fewer than 4 billion files (each is read into
        // memory); past that, ids would repeat rather than dangle.
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        if id.index() == self.files.len() {
            self.files.push(file);
        }
        id
    }

    /// Replaces the file at `id` (a file read again after an edit).
    pub fn set(&mut self, id: FileId, file: SourceFile) {
        if let Some(slot) = self.files.get_mut(id.index()) {
            *slot = file;
        }
    }

    /// The file an id names.
    pub fn file(&self, id: FileId) -> &SourceFile {
        // Only `add` makes an id, from the length before a push, and no
        // file is ever removed: the index is in range.
        #[allow(clippy::indexing_slicing)]
        &self.files[id.index()]
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.file(id).path
    }

    pub fn line_col(&self, span: Span) -> (usize, usize) {
        self.file(span.file).line_col(span.start)
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

    /// Every file with its id, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        (0u32..).map(FileId).zip(self.files.iter())
    }

    /// Every file with its id, taken out.
    pub fn into_files(self) -> impl Iterator<Item = (FileId, SourceFile)> {
        (0u32..).map(FileId).zip(self.files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_id_names_a_file_of_its_registry() {
        // `FileId` has no public constructor (`FileId(7)` does not compile
        // outside this module): the registry makes every id, and never
        // drops a file, so each id has a path and a text.
        let mut sources = Sources::default();
        let a = sources.add(SourceFile::new("a.toml".into(), "x = 1\n".into()));
        let b = sources.add(SourceFile::new("b/c.toml".into(), String::new()));
        assert_eq!((a.index(), b.index()), (0, 1));
        assert_eq!(sources.path(a), "a.toml");
        assert_eq!(sources.path(b), "b/c.toml");
        // A file read again keeps its id.
        sources.set(a, SourceFile::new("a.toml".into(), "\ny = 2\n".into()));
        assert_eq!(sources.file(a).text.as_str(), "\ny = 2\n");
        assert_eq!(sources.line_col(Span::new(a, 1..2)), (2, 1));
        let listed: Vec<(FileId, &str)> =
            sources.ids().map(|(id, f)| (id, f.path.as_str())).collect();
        assert_eq!(listed, vec![(a, "a.toml"), (b, "b/c.toml")]);
        // A clone holds the same files under the same ids.
        assert_eq!(sources.clone().path(b), "b/c.toml");
    }

    #[test]
    fn a_str_inside_a_text_shares_it_and_reads_as_that_span() {
        let shared = Arc::new("id = \"REQ-1\"\ntitle = \"é\"\n".to_owned());
        let text = Str::whole(Arc::clone(&shared));
        let inner = &text[6..11];
        let id = Str::within(&text, inner);
        assert_eq!(id, "REQ-1");
        assert_eq!(Arc::strong_count(&shared), 3, "a span, not a copy");
        assert!(std::ptr::eq(id.as_str().as_ptr(), inner.as_ptr()));
        // A string from elsewhere (an unescaped value) is copied.
        let other = Str::within(&text, "REQ-1");
        assert_eq!(Arc::strong_count(&shared), 3);
        assert!(!id.is_all_of(&shared) && text.is_all_of(&shared));
        assert!(!other.is_all_of(&shared));
        // Inside a part of a larger text (a file in a batch's buffer), a
        // span is counted from the larger text's start.
        let big = Arc::new(format!("x = 1\n{shared}"));
        let file = Str::part(&big, 6..big.len()).unwrap();
        assert_eq!(file.as_str(), shared.as_str());
        let title = Str::within(&file, &file[22..24]);
        assert_eq!(title, "é");
        assert!(std::ptr::eq(title.as_str().as_ptr(), big[28..].as_ptr()));
        assert!(Str::part(&big, 29..30).is_none(), "inside a character");
        assert!(Str::part(&big, 6..big.len() + 1).is_none());
        assert_eq!(other, id);
        // Compares, orders and hashes as its text.
        use std::collections::HashSet;
        let set: HashSet<Str> = [id.clone()].into_iter().collect();
        assert!(set.contains("REQ-1"));
        let (a, b) = (Str::from("A"), Str::from("B"));
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Less);
        assert_eq!(format!("{id} {id:?}"), "REQ-1 \"REQ-1\"");
        assert_eq!(Str::default(), "");
        assert_eq!(String::from(id), "REQ-1");
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let f = SourceFile::new("a.toml".into(), "ab\r\nxé = \"z\"\n".into());
        assert!(f.index.get().is_none(), "no line index until one is asked");
        assert_eq!(f.line_col(0), (1, 1));
        assert!(f.index.get().is_some());
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
