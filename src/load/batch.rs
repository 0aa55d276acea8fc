//! Reading a group of plain files into one buffer.
//!
//! A file read into its own allocation is rounded up by the allocator to
//! its next size class: for the 20–30 KB files of a large tree, about a
//! tenth of the tree's bytes held for nothing. Read into one buffer per
//! group (the loader makes one group of a batch per thread), each file's
//! text is a part of it ([`Str::part`]) and only the buffer is rounded.
//! The nodes' strings are spans of the same buffer, so it lives as long as
//! any of them; a file read again after an edit ([`crate::workspace`])
//! gets its own text, and its old part stays in the buffer until no file
//! of its group uses it.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use super::Entry;
use crate::source::Str;

/// Reads every [`Entry::File`] of `entries` that opens, is at most
/// `max_bytes` long and is valid UTF-8 into one buffer, and turns its entry
/// into [`Entry::Text`] of its part. Every other entry is left as it is:
/// the loader reads it on its own and reports what is wrong with it, as it
/// does for any file. So is a file whose size changes while it is read.
/// The files are read one after the other: the loader reads several groups
/// at once.
pub(super) fn read_together<'e>(entries: impl Iterator<Item = &'e mut Entry>, max_bytes: u64) {
    let mut entries: Vec<&mut Entry> = entries.collect();
    let opened: Vec<Option<(File, usize)>> = entries
        .iter()
        .map(|e| match &**e {
            Entry::File(path) => open(path, max_bytes),
            _ => None,
        })
        .collect();
    let total: usize = opened.iter().flatten().map(|(_, len)| len).sum();
    if total == 0 {
        return;
    }
    let mut buffer: Vec<u8> = Vec::with_capacity(total);
    // Each file read whole: its entry's index and its part of the buffer.
    let mut read: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
    for (i, o) in opened.into_iter().enumerate() {
        let Some((file, len)) = o else {
            continue;
        };
        let at = buffer.len();
        // One byte more than the file had: a file that grew is noticed.
        let got = file.take(len as u64 + 1).read_to_end(&mut buffer);
        if matches!(got, Ok(n) if n == len) {
            read.push((i, at..at + len));
        } else {
            buffer.truncate(at);
        }
    }
    let text = match String::from_utf8(buffer) {
        Ok(text) => text,
        Err(e) => {
            // A file that is not UTF-8 (rare): those are left to the
            // loader (their bytes blanked, so that the buffer is text),
            // the others shared.
            let mut bytes = e.into_bytes();
            read.retain(|(_, range)| {
                let Some(part) = bytes.get_mut(range.clone()) else {
                    return false;
                };
                let valid = std::str::from_utf8(part).is_ok();
                if !valid {
                    part.fill(b' ');
                }
                valid
            });
            match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => return,
            }
        }
    };
    let shared = Arc::new(text);
    for (i, range) in read {
        if let (Some(entry), Some(text)) = (entries.get_mut(i), Str::part(&shared, range)) {
            **entry = Entry::Text(text);
        }
    }
}

/// A plain file opened for reading, with its length, when it is at most
/// `max_bytes` long.
fn open(path: &std::path::Path, max_bytes: u64) -> Option<(File, usize)> {
    let file = File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let len = meta.len();
    if len > max_bytes || !meta.is_file() {
        return None;
    }
    Some((file, usize::try_from(len).ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn texts(entries: &[Entry]) -> Vec<Option<&str>> {
        entries
            .iter()
            .map(|e| match e {
                Entry::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn plain_files_become_parts_of_one_text() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            Entry::File(p)
        };
        let mut entries = vec![
            write("a.toml", b"id = \"A\"\n"),
            Entry::Symlink,
            write("b.toml", "title = \"é\"\n".as_bytes()),
            write("bad.toml", b"x = \"\xff\"\n"),
            write("big.toml", &[b'#'; 64]),
            write("empty.toml", b""),
            Entry::File(dir.path().join("missing.toml")),
            write("c.toml", b"\xEF\xBB\xBFid = \"C\"\n"),
        ];
        read_together(entries.iter_mut(), 63);
        assert_eq!(
            texts(&entries),
            vec![
                Some("id = \"A\"\n"),
                None,
                Some("title = \"é\"\n"),
                None,
                None,
                Some(""),
                None,
                // The byte-order mark is the loader's to remove.
                Some("\u{feff}id = \"C\"\n"),
            ]
        );
        // Those left alone are as they were: the loader reports them.
        assert!(matches!(&entries[3], Entry::File(p) if p.ends_with("bad.toml")));
        assert!(matches!(&entries[4], Entry::File(p) if p.ends_with("big.toml")));
        // One buffer: the parts follow one another.
        let shared = texts(&entries);
        let (a, b) = (shared[0].unwrap(), shared[2].unwrap());
        assert!(std::ptr::eq(a.as_ptr().wrapping_add(a.len()), b.as_ptr()));
    }
}
