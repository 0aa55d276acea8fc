//! What an interrupt (Ctrl-C, `SIGTERM`, `SIGHUP`) leaves behind: nothing
//! rtm was writing.
//!
//! rtm writes a file beside its target and renames it into place
//! (`output`). Stopped by a signal's default action, it would leave that
//! hidden `.rtm-*.tmp` file, and an import stopped while it puts its files
//! in place would leave a tree half imported. With [`install`], an
//! interrupt instead removes every temporary file and folder rtm made and
//! has not yet put in place ([`made`]), and exits with 130 (128 + SIGINT,
//! as a shell reports a program stopped by Ctrl-C). While files are being
//! put in place ([`hold`]), an interrupt waits: rtm stops once they all
//! are, so the tree is either as it was or wholly written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

/// The exit code of a run stopped by an interrupt.
pub const EXIT: i32 = 130;

/// Taken to read while a temporary file or folder is made and recorded,
/// and to write by the interrupt: nothing is made between the moment the
/// interrupt looks at what was made and the exit.
static GATE: RwLock<()> = RwLock::new(());

static STATE: Mutex<State> = Mutex::new(State {
    next: 0,
    made: BTreeMap::new(),
    holding: 0,
    interrupted: false,
    wrote: false,
});

struct State {
    next: u64,
    /// What was made and is not yet in place or removed, by number (in
    /// the order made): its path, and whether it is a folder.
    made: BTreeMap<u64, (PathBuf, bool)>,
    /// How many sections putting files in place are running.
    holding: usize,
    /// An interrupt came while one was: rtm stops once none is.
    interrupted: bool,
    /// A file was put in place (the interrupt's message says so).
    wrote: bool,
}

fn state() -> MutexGuard<'static, State> {
    STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Handles interrupts from now on (once; a second call changes nothing).
/// Where no handler can be set, an interrupt stops rtm as it would
/// without one.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(on_interrupt);
    });
}

fn on_interrupt() {
    let _gate = GATE
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut s = state();
    if s.holding > 0 {
        s.interrupted = true;
        return;
    }
    stop(&mut s);
}

/// Removes what was made, says what is left and exits.
fn stop(s: &mut State) -> ! {
    let writing = !s.made.is_empty();
    remove_all(s);
    if s.wrote {
        eprintln!("rtm: interrupted after writing its files");
    } else if writing {
        eprintln!("rtm: interrupted; nothing written");
    } else {
        eprintln!("rtm: interrupted");
    }
    std::process::exit(EXIT);
}

/// Says that files were put in place: an interrupt from now on says so.
pub fn wrote() {
    state().wrote = true;
}

/// Removes every file made, then every folder (the last made first; each
/// only when empty).
fn remove_all(s: &mut State) {
    for (path, folder) in s.made.values() {
        if !folder {
            let _ = std::fs::remove_file(path);
        }
    }
    for (path, folder) in s.made.values().rev() {
        if *folder {
            let _ = std::fs::remove_dir(path);
        }
    }
    s.made.clear();
}

/// Runs `make`, which makes temporary files or folders and records them
/// with [`made`], with no interrupt in between (an interrupt waits for
/// it to return).
pub fn making<T>(make: impl FnOnce() -> T) -> T {
    let _gate = GATE
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    make()
}

/// A temporary file or folder rtm made, removed by an interrupt until
/// this is dropped (once it is in place, or removed).
#[must_use = "the path is forgotten when this is dropped"]
pub struct Made(u64);

/// Records a temporary file (or, with `folder`, a folder) just made, in
/// [`making`].
pub fn made(path: &Path, folder: bool) -> Made {
    let mut s = state();
    let id = s.next;
    s.next += 1;
    s.made.insert(id, (path.to_path_buf(), folder));
    Made(id)
}

impl Drop for Made {
    fn drop(&mut self) {
        state().made.remove(&self.0);
    }
}

/// Files being put in place: an interrupt waits until this is dropped,
/// then stops rtm.
#[must_use = "an interrupt waits only while this is held"]
pub struct Hold(());

/// Starts a section that puts files in place (see [`Hold`]).
pub fn hold() -> Hold {
    state().holding += 1;
    Hold(())
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut s = state();
        s.holding = s.holding.saturating_sub(1);
        if s.holding == 0 && s.interrupted {
            stop(&mut s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_made_is_forgotten_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = making(|| {
            (
                made(&dir.path().join("a"), false),
                made(&dir.path().join("b"), true),
            )
        });
        let listed = |p: &Path| state().made.values().any(|(q, _)| q == p);
        assert!(listed(&dir.path().join("a")) && listed(&dir.path().join("b")));
        drop(a);
        assert!(!listed(&dir.path().join("a")));
        assert!(listed(&dir.path().join("b")));
        drop(b);
        assert!(!listed(&dir.path().join("b")));
    }

    #[test]
    fn removing_takes_files_then_empty_folders_deepest_first() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().join("outer");
        let inner = outer.join("inner");
        let kept = dir.path().join("kept");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::create_dir(&kept).unwrap();
        std::fs::write(inner.join(".rtm-x.tmp"), "x").unwrap();
        std::fs::write(kept.join("node.toml"), "x").unwrap();
        let mut s = State {
            next: 0,
            made: BTreeMap::from([
                (0, (outer.clone(), true)),
                (1, (inner.clone(), true)),
                (2, (kept.clone(), true)),
                (3, (inner.join(".rtm-x.tmp"), false)),
            ]),
            holding: 0,
            interrupted: false,
            wrote: false,
        };
        remove_all(&mut s);
        assert!(!outer.exists(), "made folders, emptied, are removed");
        assert!(
            kept.join("node.toml").exists(),
            "a folder holding a file stays"
        );
        assert!(s.made.is_empty());
    }
}
