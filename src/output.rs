//! Writing files safely: every file rtm writes is written to a temporary
//! file in the same folder, then renamed over the target, so a failure or a
//! kill midway leaves the old file whole.
//!
//! What is not a plain file is not replaced: a symbolic link is followed
//! and the file it names is replaced (the link stays a link); a device, a
//! FIFO or a socket (`/dev/null`, `/dev/stdout`, a named pipe) is written
//! into directly, as a shell redirection would.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symbolic links are followed before giving up (as Linux does).
const MAX_LINKS: usize = 40;

/// Where a write to `path` goes.
enum Target {
    /// A plain file (or none yet), replaced by a rename: `path` itself, or
    /// the end of the chain of symbolic links it starts.
    Replace(PathBuf),
    /// Opened and written into: a device, a FIFO, a socket, or a path
    /// through `/proc` or `/dev/fd` (`/dev/stdout`), whose links name open
    /// files rather than paths.
    Direct,
}

fn magic(path: &Path) -> bool {
    path.starts_with("/proc") || path.starts_with("/dev/fd")
}

fn resolve(path: &Path) -> std::io::Result<Target> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(Target::Direct);
    }
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        if magic(&at) {
            return Ok(Target::Direct);
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&at)?;
                at = match at.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(Target::Replace(at)),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// An error without the temporary file's name (which means nothing to the
/// user): the operating system's own message.
fn plain(e: std::io::Error) -> std::io::Error {
    if e.get_ref().is_none() {
        return e;
    }
    let kind = e.kind();
    match e.into_inner() {
        Some(inner) => match inner.source() {
            Some(source) => std::io::Error::new(kind, source.to_string()),
            None => std::io::Error::new(kind, inner.to_string()),
        },
        None => std::io::Error::from(kind),
    }
}

/// Whether a write to `path` replaces a plain file (through a temporary
/// file, which can be sought in), rather than writing into a device, a
/// FIFO, a socket or `/dev/stdout`.
pub fn replaces(path: &Path) -> bool {
    matches!(resolve(path), Ok(Target::Replace(_)))
}

/// A temporary file beside `path` (resolved: not a link), and the old
/// file's metadata, if any.
fn temp_beside(
    path: &Path,
) -> std::io::Result<(tempfile::NamedTempFile, Option<std::fs::Metadata>)> {
    let old = std::fs::metadata(path).ok();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".rtm-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            std::io::Error::new(e.kind(), format!("no such folder {}", dir.display()))
        } else {
            plain(e)
        }
    })?;
    Ok((tmp, old))
}

/// Writes a file atomically: creates a temporary file in the same folder,
/// fills it with `write`, gives it the old file's permissions (a new file
/// gets 0666 less the umask, as any program's), then renames it over
/// `path`. On any failure the file is left as it was and the temporary
/// file is removed. A symbolic link is followed; a target that exists and
/// is neither a plain file nor a folder (a device, a FIFO, a socket) is
/// opened and written into, with no temporary file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let path = match resolve(path)? {
        Target::Replace(p) => p,
        Target::Direct => {
            // Appending: a `>>` redirection behind `/dev/stdout` is kept.
            let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
            write(&mut file)?;
            return file.flush();
        }
    };
    let path = path.as_path();
    let (mut tmp, old) = temp_beside(path)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if let Some(meta) = old {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| plain(e.error))?;
    Ok(())
}

/// A file written in full beside its target and synced to disk, not yet
/// in place: [`Staged::commit`] renames it over the target; dropping it
/// removes it and leaves the target as it was. Many files are staged
/// first and committed only when every one is staged, so that a failure
/// while writing them changes nothing.
pub struct Staged(StagedTo);

enum StagedTo {
    Temp {
        tmp: tempfile::NamedTempFile,
        path: PathBuf,
    },
    /// A device, a FIFO or a socket: written into when committed.
    Direct { path: PathBuf, bytes: Vec<u8> },
}

/// Stages `bytes` for `path` (see [`Staged`]): the same as
/// [`write_atomic`] up to the rename.
pub fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let path = match resolve(path)? {
        Target::Replace(p) => p,
        Target::Direct => {
            return Ok(Staged(StagedTo::Direct {
                path: path.to_path_buf(),
                bytes: bytes.to_vec(),
            }));
        }
    };
    let (mut tmp, old) = temp_beside(&path)?;
    tmp.as_file_mut().write_all(bytes)?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if let Some(meta) = old {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    Ok(Staged(StagedTo::Temp { tmp, path }))
}

impl Staged {
    /// Puts the staged file in place.
    pub fn commit(self) -> std::io::Result<()> {
        match self.0 {
            StagedTo::Temp { tmp, path } => {
                tmp.persist(&path).map_err(|e| plain(e.error))?;
                Ok(())
            }
            StagedTo::Direct { path, bytes } => {
                let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
                file.write_all(&bytes)?;
                file.flush()
            }
        }
    }
}

/// [`write_atomic_with`], writing `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::write_atomic;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_staged_file_is_in_place_only_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "old").unwrap();
        let staged_a = super::stage(&a, b"new a").unwrap();
        let staged_b = super::stage(&b, b"new b").unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert!(!b.exists());
        // Dropped: as if another file had failed; nothing changed.
        drop(staged_b);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        staged_a.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a folder: the rename fails, even as root.
        let target = dir.path().join("out");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), "x").unwrap();
        assert!(write_atomic(&target, b"new").is_err());
        assert_eq!(std::fs::read_to_string(target.join("keep")).unwrap(), "x");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "temporary file left behind");
    }
}
