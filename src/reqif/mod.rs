//! ReqIF in and out (INTERCHANGE §3): `rtm import FILE.reqif|.reqifz` and
//! `rtm export reqif`.
//!
//! Import reads every `.reqif` (or every `.reqif` inside a `.reqifz`, in
//! memory: an entry's name is never used as a path) into node files, as
//! text, for the caller to write all at once. Export writes one `.reqif`
//! document from a [`crate::view::View`]: only what the view shows.
//!
//! Hostile input is refused with a clear error and bounded memory: no DTD
//! and no entity but XML's own, a size limit on the file and on what a
//! `.reqifz` holds once unpacked ([`Limits`]), a limit on entries and on
//! nesting.

mod export;
mod import;
mod parse;
mod xhtml;

use std::io::{Read, Seek};
use std::path::Path;

pub use export::{
    MAX_HIERARCHY_DEPTH, Options as ExportOptions, export, export_to, export_with, identifier_for,
    kept_fields, zip as zip_document,
};
pub use import::{
    Diagnostic, Imported, Mapping, Parsed, Severity, Target, import, import_parsed, parse_documents,
};

/// The limits of what an import reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest input file, and the most a `.reqifz` may hold once
    /// unpacked (all its `.reqif` entries together).
    pub max_bytes: u64,
    /// The most entries a `.reqifz` may hold.
    pub max_entries: usize,
    /// The deepest nesting of XML elements.
    pub max_depth: usize,
}

/// 512 MiB: above any real export (rtm's own export of a 100,000-node tree
/// is about 300 MiB), below what would exhaust a machine's memory.
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: MAX_BYTES,
            max_entries: 10_000,
            max_depth: 1024,
        }
    }
}

/// Why an input could not be read at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{file}: {size} bytes, more than the limit of {limit} bytes")]
    TooLarge { file: String, size: u64, limit: u64 },
    #[error("{file}:{line}: {message}")]
    Xml {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Archive { file: String, message: String },
    #[error("{0}: not a ReqIF file (expected .reqif or .reqifz)")]
    Format(String),
    #[error("{0}")]
    Mapping(String),
}

/// One ReqIF document: its name and its bytes.
pub type Document = (String, Vec<u8>);

/// Reads `path`: a `.reqif` as one document, a `.reqifz` as every
/// `.reqif` it holds (sorted by name).
pub fn read_path(path: &Path, limits: &Limits) -> Result<Vec<Document>, ReadError> {
    let shown = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "reqif" && ext != "reqifz" {
        return Err(ReadError::Format(shown));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(shown.clone(), e))?;
    let size = file
        .metadata()
        .map_err(|e| ReadError::Io(shown.clone(), e))?
        .len();
    if size > limits.max_bytes {
        return Err(ReadError::TooLarge {
            file: shown,
            size,
            limit: limits.max_bytes,
        });
    }
    let bytes = match read_parallel(&file, size, 16 << 20) {
        Some(bytes) => bytes,
        None => {
            // Sized once: no copy as it grows (the size is within the limit).
            let mut bytes =
                Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
            let mut file = file;
            file.seek(std::io::SeekFrom::Start(0))
                .map_err(|e| ReadError::Io(shown.clone(), e))?;
            file.take(limits.max_bytes.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| ReadError::Io(shown.clone(), e))?;
            bytes
        }
    };
    if bytes.len() as u64 > limits.max_bytes {
        return Err(ReadError::TooLarge {
            file: shown,
            size: bytes.len() as u64,
            limit: limits.max_bytes,
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.clone());
    if ext == "reqifz" {
        unzip(&name, bytes, limits)
    } else {
        Ok(vec![(name, bytes)])
    }
}

/// The `size` bytes of a file, read in a few parts (of `part` bytes at
/// least) at once: most of reading a large file is the system preparing
/// the memory it goes into, which is then shared between the cores. `None`
/// when the file is small, is not exactly `size` bytes long or cannot be
/// read this way (the caller then reads it in one go).
#[cfg(unix)]
fn read_parallel(file: &std::fs::File, size: u64, part: usize) -> Option<Vec<u8>> {
    use rayon::prelude::*;
    use std::os::unix::fs::FileExt;
    let len = usize::try_from(size).ok()?;
    if len < part.saturating_mul(2) {
        return None;
    }
    let mut bytes = vec![0u8; len];
    let part = len
        .div_ceil(rayon::current_num_threads().max(1))
        .max(part)
        .max(1);
    let ok = bytes.par_chunks_mut(part).enumerate().all(|(i, piece)| {
        let at = (i as u64).saturating_mul(part as u64);
        file.read_exact_at(piece, at).is_ok()
    });
    // Nothing after the end: the file did not grow.
    let mut more = [0u8; 1];
    (ok && file.read_at(&mut more, size).ok()? == 0).then_some(bytes)
}

#[cfg(not(unix))]
fn read_parallel(_file: &std::fs::File, _size: u64, _part: usize) -> Option<Vec<u8>> {
    None
}

/// The `.reqif` entries of a `.reqifz`, read in memory within the limits.
/// An entry named as a path outside the archive (`../x`, `/x`) is refused.
pub fn unzip(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<Vec<Document>, ReadError> {
    let err = |message: String| ReadError::Archive {
        file: name.to_owned(),
        message,
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| err(format!("not a readable zip archive: {e}")))?;
    if archive.len() > limits.max_entries {
        return Err(err(format!(
            "{} entries, more than the limit of {}",
            archive.len(),
            limits.max_entries
        )));
    }
    let mut out = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| err(format!("entry {}: {e}", i + 1)))?;
        let entry_name = entry
            .name()
            .map_err(|e| err(format!("entry {}: {e}", i + 1)))?
            .into_owned();
        let parts: Vec<&str> = entry_name.split(['/', '\\']).collect();
        if entry_name.starts_with(['/', '\\'])
            || parts.contains(&"..")
            || entry_name.get(1..2) == Some(":")
        {
            return Err(err(format!(
                "entry `{}` names a path outside the archive; refused",
                entry_name.escape_debug()
            )));
        }
        if entry.is_dir() || !entry_name.to_ascii_lowercase().ends_with(".reqif") {
            continue;
        }
        let room = limits.max_bytes.saturating_sub(total);
        let over = || {
            err(format!(
                "its .reqif entries hold more than {} bytes once unpacked (a zip bomb?); refused",
                limits.max_bytes
            ))
        };
        if entry.size() > room {
            return Err(over());
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(room.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| err(format!("entry `{entry_name}`: {e}")))?;
        total = total.saturating_add(data.len() as u64);
        if total > limits.max_bytes {
            return Err(over());
        }
        out.push((format!("{name}/{entry_name}"), data));
    }
    if out.is_empty() {
        return Err(err("holds no .reqif file".into()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[cfg(unix)]
    #[test]
    fn a_file_read_in_parts_is_read_whole() {
        use std::io::Write;
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..100_003u32).map(|i| (i * 7919 % 251) as u8).collect();
        f.write_all(&bytes).unwrap();
        f.flush().unwrap();
        let file = std::fs::File::open(f.path()).unwrap();
        let size = bytes.len() as u64;
        for part in [1, 4096, 30_000, 50_001] {
            assert_eq!(
                super::read_parallel(&file, size, part).as_ref(),
                Some(&bytes),
                "{part}"
            );
        }
        // Too small to be worth it, or not the size the file has.
        assert_eq!(super::read_parallel(&file, size, 60_000), None);
        assert_eq!(super::read_parallel(&file, size - 1, 4096), None);
        assert_eq!(super::read_parallel(&file, size + 1, 4096), None);
    }
}
