//! Reading a tree as it was at a git revision, for `rtm diff` and
//! `rtm check --since`.
//!
//! git is run as a program through [`std::process::Command`]; no git library
//! crate is needed, and rtm sees exactly what the `git` on the `PATH` sees
//! (its configuration, `safe.directory`, alternates…). Three short commands
//! locate the repository and list the tree, then ONE `git cat-file --batch`
//! process reads every blob: the cost does not grow with a process per file.
//!
//! The file set follows the folder walk of [`FileSet::from_dir`]: node files
//! (`*.toml`, no hidden component), `rtm.toml` at the tree's root as the
//! project file, and every symbolic link with no hidden component (not
//! followed: R304). Submodules are ignored.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::load::{Entry, FileSet, PROJECT_FILE};

/// Why a tree could not be read from git.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git could not be run: {0}")]
    NoGit(std::io::Error),
    #[error("{0} is not inside a git repository")]
    NotARepository(String),
    #[error("`{0}` is not a commit of the repository")]
    UnknownRevision(String),
    #[error("git {0} failed: {1}")]
    Failed(String, String),
    #[error(
        "git refuses to read the repository at {0}: it belongs to another user (\"dubious ownership\"); if you trust it, run `git config --global --add safe.directory {0}`"
    )]
    DubiousOwnership(String),
}

/// A failure of git turned into [`GitError::DubiousOwnership`] when git
/// refused the repository for its owner (`safe.directory`), else `other`.
fn refused(e: GitError, tree: &Path, other: GitError) -> GitError {
    match e {
        GitError::Failed(_, why) if why.contains("dubious ownership") => {
            // "fatal: detected dubious ownership in repository at '/x/y'"
            let dir = why
                .split_once("repository at '")
                .and_then(|(_, rest)| rest.split_once('\''))
                .map_or_else(|| tree.display().to_string(), |(dir, _)| dir.to_owned());
            GitError::DubiousOwnership(dir)
        }
        GitError::Failed(..) => other,
        e => e,
    }
}

/// The tree at `tree` (a folder inside a git work tree) as it was at the
/// commit `rev`. The folder must exist now; it need not have existed at
/// `rev` (the file set is then empty).
pub fn files_at(tree: &Path, rev: &str) -> Result<FileSet, GitError> {
    // A leading `-` would be read as an option, never as a revision.
    if rev.is_empty() || rev.starts_with('-') {
        return Err(GitError::UnknownRevision(rev.to_owned()));
    }
    let shown = tree.display().to_string();
    if !tree.is_dir() {
        return Err(GitError::NotARepository(shown));
    }
    let toplevel = match run(tree, &["rev-parse", "--show-toplevel"]) {
        Ok(out) => PathBuf::from(line(&out)),
        Err(e) => return Err(refused(e, tree, GitError::NotARepository(shown))),
    };
    let prefix = match run(tree, &["rev-parse", "--show-prefix"]) {
        Ok(out) => line(&out),
        Err(e) => return Err(refused(e, tree, GitError::NotARepository(shown))),
    };
    let spec = format!("{rev}^{{commit}}");
    let commit = match run(&toplevel, &["rev-parse", "--verify", "--quiet", &spec]) {
        Ok(out) => line(&out),
        Err(e) => {
            return Err(refused(
                e,
                &toplevel,
                GitError::UnknownRevision(rev.to_owned()),
            ));
        }
    };
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
    if !prefix.is_empty() {
        args.extend(["--", prefix.as_str()]);
    }
    let listing = run(&toplevel, &args)?;
    let mut listed = parse_ls_tree(&listing, &prefix);
    let missing = || Entry::Unreadable(format!("object missing from the repository at {rev}"));

    // The project file first: its `limits.max_file_bytes` bounds the rest.
    let mut project = None;
    if let Some(pos) = listed.blobs.iter().position(|(rel, _)| rel == PROJECT_FILE) {
        let (_, oid) = listed.blobs.remove(pos);
        let limit = crate::config::Limits::default().max_file_bytes;
        let read = cat_blobs(&toplevel, &[oid.as_str()], limit)?;
        project = Some(read.into_iter().flatten().next().unwrap_or_else(missing));
    }
    let limit = crate::load::load_files(FileSet {
        project: project.clone(),
        entries: Vec::new(),
    })
    .config
    .limits
    .max_file_bytes;
    let ids: Vec<&str> = listed.blobs.iter().map(|(_, oid)| oid.as_str()).collect();
    let contents = cat_blobs(&toplevel, &ids, limit)?;

    let mut set = FileSet {
        project,
        entries: listed.symlinks,
    };
    // A symbolic link named `rtm.toml` at the root is the project file,
    // not followed (one R304), as for a folder.
    if let Some(pos) = set.entries.iter().position(|(rel, _)| rel == PROJECT_FILE) {
        set.entries.remove(pos);
        set.project = Some(Entry::Symlink);
    }
    for ((rel, _), entry) in listed.blobs.into_iter().zip(contents) {
        set.entries.push((rel, entry.unwrap_or_else(missing)));
    }
    set.entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(set)
}

/// Runs git in `dir` and returns its standard output.
fn run(dir: &Path, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let out = git(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::NoGit)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed(
            args.first().copied().unwrap_or("").to_owned(),
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ))
    }
}

fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        // Paths given to git are paths, never patterns.
        .env("GIT_LITERAL_PATHSPECS", "1")
        // Never wait for a pager or a credential prompt.
        .env("GIT_PAGER", "cat")
        .env("GIT_TERMINAL_PROMPT", "0");
    cmd
}

/// The first line of a command's output, without its line ending.
fn line(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(out);
    text.lines().next().unwrap_or("").to_owned()
}

#[derive(Debug, Default)]
struct Listed {
    /// Node files and the root's `rtm.toml`: relative path, object id.
    blobs: Vec<(String, String)>,
    /// Symbolic links and node files whose path is not UTF-8, as entries.
    symlinks: Vec<(String, Entry)>,
}

/// Reads `git ls-tree -r -z --full-tree` output: records
/// `<mode> SP <type> SP <object> TAB <path> NUL`, paths from the
/// repository's root. Keeps what the folder walk would keep.
fn parse_ls_tree(listing: &[u8], prefix: &str) -> Listed {
    let mut listed = Listed::default();
    for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let mut halves = record.splitn(2, |&b| b == b'\t');
        let (Some(meta), Some(path)) = (halves.next(), halves.next()) else {
            continue;
        };
        let meta = String::from_utf8_lossy(meta);
        let mut parts = meta.split(' ');
        let (Some(mode), Some(_kind), Some(oid)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let utf8 = std::str::from_utf8(path).is_ok();
        let path = escaped(path);
        let Some(rel) = path.strip_prefix(prefix) else {
            continue;
        };
        if rel.is_empty() || rel.split('/').any(|c| c.starts_with('.')) {
            continue;
        }
        match mode {
            "120000" => listed.symlinks.push((rel.to_owned(), Entry::Symlink)),
            // Submodules: a commit of another repository, not part of the tree.
            "160000" => {}
            _ if !utf8 && FileSet::is_node_path(rel) => listed.symlinks.push((
                rel.to_owned(),
                Entry::Unreadable("its name is not valid UTF-8".to_owned()),
            )),
            _ if rel == PROJECT_FILE || FileSet::is_node_path(rel) => {
                listed.blobs.push((rel.to_owned(), oid.to_owned()));
            }
            _ => {}
        }
    }
    listed
}

/// A path as text, every byte that is not part of a UTF-8 character
/// written `\xNN` (as the folder walk shows it).
use crate::escape::bytes as escaped;

/// Reads every object with one `git cat-file --batch`: the ids are written
/// from a thread while the answers are read, so neither pipe can fill up.
/// `None` for an object git reports missing; an object larger than
/// `max_bytes` is not read ([`Entry::TooLarge`]).
fn cat_blobs(dir: &Path, ids: &[&str], max_bytes: u64) -> Result<Vec<Option<Entry>>, GitError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let failed = |why: String| GitError::Failed("cat-file".to_owned(), why);
    let mut child = git(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(GitError::NoGit)?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(failed("no pipe to git".to_owned()));
    };
    // The ids are written on a thread of their own while the answers are
    // read; when rtm works alone (or the thread is refused) they are asked
    // one at a time, each answer read before the next id is written.
    let (writer, here) = if crate::threads::alone() {
        (None, Some(stdin))
    } else {
        let request: String = ids.iter().map(|id| format!("{id}\n")).collect();
        let builder = std::thread::Builder::new().name("git request".into());
        match crate::threads::spawn_or_return(builder, stdin, move |mut stdin| {
            stdin.write_all(request.as_bytes())
        }) {
            Ok(writer) => (Some(writer), None),
            Err((_, stdin)) => (None, stdin),
        }
    };
    let read = match (&writer, here) {
        (Some(_), _) => read_batch(BufReader::new(stdout), ids.len(), max_bytes),
        // The writer was never made: the ids' pipe is still here.
        (None, Some(stdin)) => read_one_by_one(stdin, stdout, ids, max_bytes),
        (None, None) => Err(std::io::Error::other("no pipe to git")),
    };
    if read.is_err() {
        // git may be blocked writing answers nobody reads.
        let _ = child.kill();
    }
    let wrote = writer.map_or(Ok(Ok(())), |w| w.join().map(|w| w.unwrap_or(Ok(()))));
    let status = child.wait().map_err(|e| failed(e.to_string()))?;
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let contents = read.map_err(|e| failed(format!("{e} {}", stderr.trim())))?;
    match wrote {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(failed(e.to_string())),
        Err(_) => return Err(failed("the writer thread panicked".to_owned())),
    }
    if !status.success() {
        return Err(failed(stderr.trim().to_owned()));
    }
    Ok(contents)
}

/// Asks `git cat-file --batch` for each id in turn, reading its answer
/// before the next id is written (git flushes each answer).
fn read_one_by_one(
    mut stdin: std::process::ChildStdin,
    stdout: std::process::ChildStdout,
    ids: &[&str],
    max_bytes: u64,
) -> std::io::Result<Vec<Option<Entry>>> {
    let mut answers = BufReader::new(stdout);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        stdin.write_all(format!("{id}\n").as_bytes())?;
        stdin.flush()?;
        out.extend(read_batch(&mut answers, 1, max_bytes)?);
    }
    Ok(out)
}

/// Reads `n` answers of `git cat-file --batch`: `<oid> SP <type> SP <size>
/// LF <contents> LF`, or `<object> SP missing LF`. Contents larger than
/// `max_bytes` are skipped, never held in memory.
fn read_batch(
    mut r: impl BufRead,
    n: usize,
    max_bytes: u64,
) -> std::io::Result<Vec<Option<Entry>>> {
    let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut header = String::new();
        if r.read_line(&mut header)? == 0 {
            return Err(bad("git cat-file stopped early".to_owned()));
        }
        let header = header.trim_end_matches('\n');
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            out.push(None);
            continue;
        }
        let size = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| bad(format!("unexpected answer from git cat-file: {header}")))?;
        let entry = if size > max_bytes {
            let skipped = std::io::copy(&mut r.by_ref().take(size), &mut std::io::sink())?;
            if skipped != size {
                return Err(bad("git cat-file stopped early".to_owned()));
            }
            Entry::TooLarge(size)
        } else {
            let mut bytes = vec![0; usize::try_from(size).unwrap_or(0)];
            r.read_exact(&mut bytes)?;
            Entry::Bytes(bytes)
        };
        let mut lf = [0u8; 1];
        r.read_exact(&mut lf)?;
        out.push(Some(entry));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ls_tree_keeps_what_the_walk_keeps() {
        let listing = b"100644 blob aaa\treq/a.toml\0\
120000 blob bbb\treq/link\0\
100644 blob ccc\treq/rtm.toml\0\
100644 blob ddd\treq/.hidden/x.toml\0\
100644 blob eee\treq/notes.md\0\
160000 commit fff\treq/sub\0\
100755 blob 111\treq/sub2/rtm.toml\0\
100644 blob 222\tother/b.toml\0";
        let l = parse_ls_tree(listing, "req/");
        let blobs: Vec<_> = l.blobs.iter().map(|(r, o)| format!("{r}={o}")).collect();
        assert_eq!(blobs, ["a.toml=aaa", "rtm.toml=ccc", "sub2/rtm.toml=111"]);
        let links: Vec<_> = l.symlinks.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(links, ["link"]);
    }

    #[test]
    fn batch_answers_are_read_in_order() {
        let answers = b"aaa blob 3\nx=1\nbbb missing\nccc blob 0\n\n";
        let got = read_batch(&answers[..], 3, 100).unwrap();
        let shown: Vec<String> = got.iter().map(|e| format!("{e:?}")).collect();
        assert_eq!(
            shown,
            ["Some(Bytes([120, 61, 49]))", "None", "Some(Bytes([]))"]
        );
        assert!(read_batch(&answers[..], 4, 100).is_err());
    }

    /// A header announcing a huge object is not allocated: the body is
    /// skipped (here it is short, so the skip finds the end: an error, not
    /// an attempt to allocate 2^60 bytes).
    #[test]
    fn a_blob_over_the_limit_is_skipped_not_read() {
        let answers = b"aaa blob 5\n12345\nbbb blob 2\nok\n";
        let got = read_batch(&answers[..], 2, 4).unwrap();
        let shown: Vec<String> = got.iter().map(|e| format!("{e:?}")).collect();
        assert_eq!(shown, ["Some(TooLarge(5))", "Some(Bytes([111, 107]))"]);
        let huge = b"aaa blob 1152921504606846976\nshort\n";
        let err = read_batch(&huge[..], 1, 4).unwrap_err();
        assert!(err.to_string().contains("stopped early"), "{err}");
    }
}
