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

/// Whether `path` is `-`, which names standard output (as for most tools;
/// a file called `-` is `./-`).
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard output as a file to write into, after what its own buffer
/// holds.
fn stdout_file() -> std::io::Result<std::fs::File> {
    use std::io::Write;
    std::io::stdout().flush()?;
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        Ok(std::fs::File::from(
            std::io::stdout().as_fd().try_clone_to_owned()?,
        ))
    }
    #[cfg(not(unix))]
    {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "`-o -` (standard output) is not supported on this system",
        ))
    }
}

fn resolve(path: &Path) -> std::io::Result<Target> {
    if is_stdout(path) {
        return Ok(Target::Direct);
    }
    // Said before any work is done, not as the operating system's "Is a
    // directory" (or, for `.`, "Device or resource busy") at the end.
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        ));
    }
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

/// Whether `path` can be written at all (it is not a folder), asked
/// before the work that makes what is written.
pub fn check_target(path: &Path) -> std::io::Result<()> {
    resolve(path).map(|_| ())
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
    let dir = folder_of(path);
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

/// A file being written in large parts: every [`WriteBack::EVERY`] bytes,
/// a thread of its own syncs what was written so far (`fdatasync`), while
/// the writing goes on, so that the sync that ends [`write_atomic_with`]
/// waits only for the last part instead of the whole file. The bytes
/// written are the same; only when the disk gets them changes.
pub struct WriteBack<'f> {
    file: &'f mut std::fs::File,
    written: u64,
    synced: u64,
    syncer: Option<(std::sync::mpsc::SyncSender<()>, std::thread::JoinHandle<()>)>,
}

impl<'f> WriteBack<'f> {
    /// Bytes written between two syncs.
    pub const EVERY: u64 = 16 << 20;

    pub fn new(file: &'f mut std::fs::File) -> Self {
        // Without a second handle on the file, or a thread, the file is
        // written as well, only synced at the end.
        let syncer = file.try_clone().ok().and_then(|clone| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
            let handle = std::thread::Builder::new()
                .spawn(move || {
                    for () in rx {
                        // An error shows again in the final sync.
                        let _ = clone.sync_data();
                    }
                })
                .ok()?;
            Some((tx, handle))
        });
        WriteBack {
            file,
            written: 0,
            synced: 0,
            syncer,
        }
    }
}

impl Write for WriteBack<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.synced >= Self::EVERY {
            if let Some((tx, _)) = &self.syncer {
                // A sync still running takes in what was written since.
                let _ = tx.try_send(());
            }
            self.synced = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for WriteBack<'_> {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.syncer.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
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
            let mut file = if is_stdout(path) {
                stdout_file()?
            } else {
                std::fs::OpenOptions::new().append(true).open(path)?
            };
            write(&mut file)?;
            return file.flush();
        }
    };
    let path = path.as_path();
    let (mut tmp, old, made) = temp_made(path)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush()?;
    tmp.as_file().sync_all()?;
    if let Some(meta) = old {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.persist(path).map_err(|e| plain(e.error))?;
    crate::interrupt::wrote();
    drop(made);
    Ok(())
}

/// [`temp_beside`], the file recorded for an interrupt to remove (see
/// [`crate::interrupt`]) until the record is dropped.
fn temp_made(
    path: &Path,
) -> std::io::Result<(
    tempfile::NamedTempFile,
    Option<std::fs::Metadata>,
    crate::interrupt::Made,
)> {
    crate::interrupt::making(|| {
        let (tmp, old) = temp_beside(path)?;
        let made = crate::interrupt::made(tmp.path(), false);
        Ok((tmp, old, made))
    })
}

/// A file written in full beside its target and synced to disk, not yet
/// in place: [`Staged::commit`] renames it over the target; dropping it
/// removes it and leaves the target as it was. Many files are staged
/// first ([`stage_all`]) and committed only when every one is staged, so
/// that a failure while writing them changes nothing. A staged file is
/// closed: staging thousands does not hold as many descriptors open.
pub struct Staged(StagedTo);

enum StagedTo {
    Temp {
        tmp: tempfile::TempPath,
        path: PathBuf,
        /// Dropped after `tmp`: once the file is in place or removed.
        made: crate::interrupt::Made,
    },
    /// A device, a FIFO or a socket: written into when committed.
    Direct { path: PathBuf, bytes: Vec<u8> },
}

/// Stages `bytes` for `path` (see [`Staged`]): the same as
/// [`write_atomic`] up to the rename.
pub fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    stage_to(resolve(path)?, path, bytes, true)
}

/// How many files [`stage_all`] writes at once when each is synced on its
/// own: the time goes in waiting for the disk, and the file system gathers
/// the syncs of concurrent writers.
const WRITERS: usize = 16;

/// Stages every file of `files` (see [`Staged`]), in order: each is written
/// in full beside its target, then all are made durable together: on
/// Linux by one `syncfs` of each file system they are on (far cheaper than
/// a `fsync` of each of thousands of files), elsewhere (or on a kernel
/// older than 5.8, whose `syncfs` does not report write errors) by a
/// `fsync` of each. On a failure, the path it concerns and the error:
/// nothing is in place and no temporary file is left.
pub fn stage_all<P, B>(files: &[(P, B)]) -> Result<Vec<Staged>, (PathBuf, std::io::Error)>
where
    P: AsRef<Path> + Sync,
    B: AsRef<[u8]> + Sync,
{
    use rayon::prelude::*;
    let failed = |p: &P| {
        let p = p.as_ref().to_path_buf();
        move |e| (p, e)
    };
    let run = || -> Result<Vec<Staged>, (PathBuf, std::io::Error)> {
        let targets = files
            .par_iter()
            .map(|(p, _)| resolve(p.as_ref()).map_err(failed(p)))
            .collect::<Result<Vec<_>, _>>()?;
        // Opened before any file is written: the kernel reports through
        // each descriptor every write error on its file system since.
        let together = sync::Together::of(&targets);
        let staged = targets
            .into_par_iter()
            .zip(files)
            .map(|(target, (p, bytes))| {
                stage_to(target, p.as_ref(), bytes.as_ref(), together.is_none()).map_err(failed(p))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(together) = together {
            together.sync()?;
        }
        Ok(staged)
    };
    if crate::threads::alone() {
        return run();
    }
    match rayon::ThreadPoolBuilder::new().num_threads(WRITERS).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// Stages `bytes` for `target` (`path`, resolved): written beside it,
/// synced if `sync`, and closed.
fn stage_to(target: Target, path: &Path, bytes: &[u8], sync: bool) -> std::io::Result<Staged> {
    let path = match target {
        Target::Replace(p) => p,
        Target::Direct => {
            return Ok(Staged(StagedTo::Direct {
                path: path.to_path_buf(),
                bytes: bytes.to_vec(),
            }));
        }
    };
    let (mut tmp, old, made) = temp_made(&path)?;
    // A folder cannot be replaced by a file: found now rather than when
    // the files are put in place, after some of them already are.
    if old.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a folder",
        ));
    }
    tmp.as_file_mut().write_all(bytes)?;
    tmp.as_file_mut().flush()?;
    if let Some(meta) = old {
        std::fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    if sync {
        tmp.as_file().sync_all()?;
    }
    Ok(Staged(StagedTo::Temp {
        tmp: tmp.into_temp_path(),
        path,
        made,
    }))
}

impl Staged {
    /// Puts the staged file in place.
    pub fn commit(self) -> std::io::Result<()> {
        match self.0 {
            StagedTo::Temp { tmp, path, made } => {
                tmp.persist(&path).map_err(|e| plain(e.error))?;
                crate::interrupt::wrote();
                drop(made);
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

/// Puts every staged file in place, then removes each of `remove` (a
/// missing one is no matter), all or nothing: an old file is kept aside
/// (hard-linked, or copied where links cannot be made) until every file
/// is in place, so that a failure part way (a file that cannot be
/// replaced or removed: read-only, immutable, held open on Windows) puts
/// back every file already replaced, made or removed. On a failure, the
/// path it concerns and the error, which says when a file could not be
/// put back. A device, FIFO or socket target is written into last, once
/// everything else is in place: it cannot be undone.
pub fn commit_all(
    staged: Vec<Staged>,
    remove: &[PathBuf],
) -> Result<(), (PathBuf, std::io::Error)> {
    // An interrupt waits for the end: every file in place, or none.
    let _hold = crate::interrupt::hold();
    let mut undo: Vec<Undo> = Vec::new();
    let mut direct = Vec::new();
    let mut failed = None;
    for s in staged {
        match s.0 {
            StagedTo::Temp { tmp, path, made: _ } => match replace_keeping(tmp, &path) {
                Ok(u) => undo.push(u),
                Err(e) => {
                    failed = Some((path, e));
                    break;
                }
            },
            d @ StagedTo::Direct { .. } => direct.push(Staged(d)),
        }
    }
    if failed.is_none() {
        for path in remove {
            match set_aside(path) {
                Ok(Some(kept)) => undo.push(Undo::Restore(kept, path.clone())),
                Ok(None) => {}
                Err(e) => {
                    failed = Some((path.clone(), e));
                    break;
                }
            }
        }
    }
    if let Some((path, e)) = failed {
        let mut lost = Vec::new();
        for u in undo.into_iter().rev() {
            let (result, at) = match u {
                Undo::Restore(kept, path) => (kept.persist(&path).map_err(|e| e.error), path),
                Undo::Remove(path) => (std::fs::remove_file(&path), path),
            };
            if result.is_err() {
                lost.push(at.display().to_string());
            }
        }
        let why = if lost.is_empty() {
            format!("{e}; nothing changed")
        } else {
            lost.reverse();
            format!("{e}; could not put back as it was: {}", lost.join(", "))
        };
        return Err((path, std::io::Error::new(e.kind(), why)));
    }
    // In place: the old files kept aside go (each `TempPath` removes its
    // file when dropped).
    crate::interrupt::wrote();
    drop(undo);
    for d in direct {
        let path = match &d.0 {
            StagedTo::Direct { path, .. } => path.clone(),
            StagedTo::Temp { path, .. } => path.clone(),
        };
        d.commit().map_err(|e| (path, e))?;
    }
    Ok(())
}

/// How to undo one step of [`commit_all`].
enum Undo {
    /// Put this old file (kept aside) back at this path.
    Restore(tempfile::TempPath, PathBuf),
    /// Remove this path: there was no file there before.
    Remove(PathBuf),
}

/// Renames `tmp` over `path`, keeping the old file (if any) aside first.
fn replace_keeping(tmp: tempfile::TempPath, path: &Path) -> std::io::Result<Undo> {
    let kept = if std::fs::symlink_metadata(path).is_ok() {
        Some(keep_aside(path, |from, to| {
            match std::fs::hard_link(from, to) {
                Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                    std::fs::copy(from, to).map(|_| ())
                }
                other => other,
            }
        })?)
    } else {
        None
    };
    tmp.persist(path).map_err(|e| plain(e.error))?;
    Ok(match kept {
        Some(k) => Undo::Restore(k, path.to_path_buf()),
        None => Undo::Remove(path.to_path_buf()),
    })
}

/// Moves `path` aside (to be put back or dropped); `None` when there is
/// no such file.
fn set_aside(path: &Path) -> std::io::Result<Option<tempfile::TempPath>> {
    match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(None),
        Ok(meta) if meta.is_dir() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a folder",
            ));
        }
        Ok(_) => {}
    }
    match keep_aside(path, |from, to| std::fs::rename(from, to)) {
        Ok(k) => Ok(Some(k)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The folder a path is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A hidden name beside `path` that `make(path, name)` fills.
fn keep_aside(
    path: &Path,
    make: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<tempfile::TempPath> {
    tempfile::Builder::new()
        .prefix(".rtm-old-")
        .suffix(".tmp")
        .make_in(folder_of(path), |to| make(path, to))
        .map(tempfile::NamedTempFile::into_temp_path)
}

/// Making many staged files durable at once.
#[cfg(target_os = "linux")]
mod sync {
    use super::Target;
    use std::os::unix::fs::MetadataExt;
    use std::path::{Path, PathBuf};

    /// A folder open on each file system the staged files go to.
    pub(super) struct Together(Vec<(PathBuf, std::fs::File)>);

    impl Together {
        /// `None` when each file must be synced on its own: a kernel
        /// before 5.8, whose `syncfs` does not report write errors, or a
        /// folder that cannot be opened (staging then says why).
        pub(super) fn of(targets: &[Target]) -> Option<Together> {
            if !reports_errors(rustix::system::uname().release().to_bytes()) {
                return None;
            }
            let mut seen: std::collections::HashSet<&Path> = std::collections::HashSet::new();
            let mut on: Vec<(u64, PathBuf, std::fs::File)> = Vec::new();
            for t in targets {
                let Target::Replace(path) = t else { continue };
                let dir = super::folder_of(path);
                if !seen.insert(dir) {
                    continue;
                }
                let folder = std::fs::File::open(dir).ok()?;
                let dev = folder.metadata().ok()?.dev();
                if !on.iter().any(|(d, _, _)| *d == dev) {
                    on.push((dev, dir.to_path_buf(), folder));
                }
            }
            Some(Together(on.into_iter().map(|(_, p, f)| (p, f)).collect()))
        }

        /// Flushes every file system to disk: every file written on it
        /// since the descriptors were opened is durable, or the error.
        pub(super) fn sync(self) -> Result<(), (PathBuf, std::io::Error)> {
            for (path, file) in self.0 {
                rustix::fs::syncfs(&file).map_err(|e| (path, e.into()))?;
            }
            Ok(())
        }
    }

    /// Whether a kernel of this release (`6.8.0-45-generic`) reports
    /// write errors from `syncfs` (5.8 and later).
    pub(super) fn reports_errors(release: &[u8]) -> bool {
        let text = String::from_utf8_lossy(release);
        let mut parts = text
            .split(|c: char| !c.is_ascii_digit())
            .map(|n| n.parse::<u32>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(major), Some(minor)) => (major, minor) >= (5, 8),
            _ => false,
        }
    }
}

/// Elsewhere each file is synced on its own.
#[cfg(not(target_os = "linux"))]
mod sync {
    use super::Target;
    use std::path::PathBuf;

    pub(super) enum Together {}

    impl Together {
        pub(super) fn of(_: &[Target]) -> Option<Together> {
            None
        }

        pub(super) fn sync(self) -> Result<(), (PathBuf, std::io::Error)> {
            match self {}
        }
    }
}

/// [`write_atomic_with`], writing `bytes`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Refuses, before anything is written, a node file rtm would write (an
/// import, `rtm new`) through a symbolic link or over anything but a plain
/// file. A tree's links are never followed (FORMAT §9): a file written
/// through one would land outside the tree, or where `rtm check` does not
/// read it. Every such path is named (as `into` joined with it).
pub fn refuse_links<'a>(
    into: &std::path::Path,
    rels: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    let mut bad: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for rel in rels {
        let parts: Vec<&str> = rel.split('/').collect();
        let mut at = into.to_path_buf();
        for (i, part) in parts.iter().enumerate() {
            at.push(part);
            let last = i + 1 == parts.len();
            let why = match std::fs::symlink_metadata(&at) {
                // Not there: the import makes it.
                Err(_) => break,
                Ok(m) if m.file_type().is_symlink() => "a symbolic link",
                Ok(m) if last && !m.is_file() => {
                    if m.is_dir() {
                        "a folder"
                    } else {
                        "not a plain file"
                    }
                }
                Ok(m) if !last && !m.is_dir() => "not a folder",
                Ok(_) => continue,
            };
            bad.insert(format!("{} is {why}", at.display()));
            break;
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = bad.into_iter().collect();
    Err(format!(
        "{} (rtm writes only plain files inside the tree, never through a symbolic link)",
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::write_atomic;

    #[test]
    fn a_file_written_with_early_write_back_holds_every_byte() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.reqif");
        // Several requests to start writing, in parts of odd sizes.
        let part: Vec<u8> = (0..999_983u32).map(|i| (i % 251) as u8).collect();
        let parts = (3 * super::WriteBack::EVERY as usize) / part.len() + 2;
        super::write_atomic_with(&path, |f| {
            let mut w = super::WriteBack::new(f);
            for _ in 0..parts {
                w.write_all(&part)?;
            }
            w.flush()
        })
        .unwrap();
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got.len(), parts * part.len());
        assert!(got.chunks(part.len()).all(|c| c == part.as_slice()));
    }

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
    fn files_staged_together_are_in_place_only_once_committed() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "old").unwrap();
        let staged = super::stage_all(&[(&a, "new a"), (&b, "new b")]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert!(!b.exists());
        for s in staged {
            s.commit().unwrap();
        }
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_failure_while_staging_together_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        std::fs::write(&a, "old").unwrap();
        // A folder where a file goes (which cannot be replaced, even by
        // root), between two files that can be written.
        let folder = dir.path().join("b.toml");
        std::fs::create_dir(&folder).unwrap();
        let c = dir.path().join("c.toml");
        let files = [(&a, "new a"), (&folder, "new b"), (&c, "new c")];
        let Err((path, e)) = super::stage_all(&files) else {
            panic!("a folder was staged over");
        };
        assert_eq!(path, folder);
        assert_eq!(e.to_string(), "is a folder");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert!(!c.exists());
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["a.toml", "b.toml"], "temporary file left behind");
        // A folder that does not exist: nothing written either.
        let files = [(a.clone(), "new a"), (dir.path().join("none/d.toml"), "d")];
        assert!(super::stage_all(&files).is_err());
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    /// A file that cannot be put in place after others are (here a folder
    /// made where it goes once all were staged; in use, a read-only or
    /// immutable file, or one held open on Windows) puts back every file
    /// already replaced or made; a removal that fails puts back the
    /// files removed before it too. Nothing kept aside is left behind.
    #[test]
    fn a_failure_while_committing_together_puts_everything_back() {
        let names = |dir: &std::path::Path| {
            let mut left: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            left.sort();
            left
        };
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        let c = dir.path().join("c.toml");
        std::fs::write(&a, "old a").unwrap();
        let staged = super::stage_all(&[(&a, "new a"), (&b, "new b"), (&c, "new c")]).unwrap();
        std::fs::create_dir(&c).unwrap();
        std::fs::write(c.join("x"), "in the way").unwrap();
        let Err((path, e)) = super::commit_all(staged, &[]) else {
            panic!("a file was put over a folder");
        };
        assert_eq!(path, c);
        assert!(e.to_string().ends_with("; nothing changed"), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert!(!b.exists());
        assert_eq!(names(dir.path()), ["a.toml", "c.toml"]);

        // Removals: the first goes, the second cannot (a folder), and
        // both the removed file and the replaced one come back.
        let d = dir.path().join("d.toml");
        std::fs::write(&d, "old d").unwrap();
        let staged = super::stage_all(&[(&a, "new a")]).unwrap();
        let Err((path, _)) = super::commit_all(staged, &[d.clone(), c.clone()]) else {
            panic!("a folder was removed as a file");
        };
        assert_eq!(path, c);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(std::fs::read_to_string(&d).unwrap(), "old d");
        assert_eq!(names(dir.path()), ["a.toml", "c.toml", "d.toml"]);

        // With nothing in the way: all in place, the removed file gone,
        // and nothing kept aside left.
        std::fs::remove_dir_all(&c).unwrap();
        let staged = super::stage_all(&[(&a, "new a"), (&b, "new b")]).unwrap();
        super::commit_all(staged, std::slice::from_ref(&d)).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(names(dir.path()), ["a.toml", "b.toml"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn syncfs_is_trusted_from_linux_5_8() {
        use super::sync::reports_errors;
        assert!(reports_errors(b"5.8.0"));
        assert!(reports_errors(b"6.8.0-45-generic"));
        assert!(reports_errors(b"10.1"));
        assert!(!reports_errors(b"5.7.19"));
        assert!(!reports_errors(b"4.19.0-27-amd64"));
        assert!(!reports_errors(b"unknown"));
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
