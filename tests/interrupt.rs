//! An interrupt (Ctrl-C) leaves nothing rtm was writing behind: no hidden
//! temporary file beside an export's target, no staged file or folder of
//! an import, and never half an import. Each test starts rtm on a large
//! enough tree, waits until it is writing, sends it SIGINT as a terminal
//! does, and looks at what is left.
#![cfg(unix)]
// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `rtm args…` with its output captured.
fn start(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rtm"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every path under `dir` (relative, sorted), hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    out.sort();
    out
}

/// Whether a path's file name is one of rtm's temporary files.
fn temporary(rel: &str) -> bool {
    Path::new(rel)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(".rtm-"))
}

/// Polls until `seen` holds of `dir`'s listing (then `true`) or the
/// child exits first (then `false`).
fn wait_for(child: &mut Child, dir: &Path, seen: impl Fn(&[String]) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if seen(&listing(dir)) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    panic!("rtm neither wrote nor ended in two minutes");
}

/// Sends SIGINT, as Ctrl-C in a terminal does, and waits for the end:
/// the exit code and what was printed on stderr.
fn interrupt(child: Child) -> (Option<i32>, String) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_export_interrupted_while_it_writes_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    rtm::corpus::write(&tree, 40_000, 5).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for kind in ["xlsx", "csv"] {
        let target = out.join(format!("rtm.{kind}"));
        let mut child = start(&[
            "export",
            kind,
            tree.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ]);
        let writing = wait_for(&mut child, &out, |l| l.iter().any(|p| temporary(p)));
        assert!(
            writing,
            "the {kind} export ended before it was seen writing"
        );
        let (code, stderr) = interrupt(child);
        assert_eq!(code, Some(130), "{stderr}");
        assert!(
            stderr.contains("rtm: interrupted; nothing written"),
            "{stderr}"
        );
        assert_eq!(listing(&out), Vec::<String>::new(), "{kind}: left behind");
    }
}

/// A generated tree of 20,000 nodes (`seed`) in `dir/tree`, and its
/// workbook, `dir/rtm.xlsx`.
fn tree_and_sheet(dir: &Path, seed: u64) -> (PathBuf, PathBuf) {
    let tree = dir.join("tree");
    rtm::corpus::write(&tree, 20_000, seed).unwrap();
    let sheet = dir.join("rtm.xlsx");
    common::export("xlsx", &tree, &sheet, &[]);
    (tree, sheet)
}

/// Starts `rtm import SHEET --into dir/NAME`, a new folder holding the
/// tree's `rtm.toml`; returns the folder too.
fn start_import(dir: &Path, name: &str, tree: &Path, sheet: &Path) -> (Child, PathBuf) {
    let into = dir.join(name);
    std::fs::create_dir(&into).unwrap();
    std::fs::copy(tree.join("rtm.toml"), into.join("rtm.toml")).unwrap();
    let child = start(&[
        "import",
        sheet.to_str().unwrap(),
        "--into",
        into.to_str().unwrap(),
    ]);
    (child, into)
}

#[test]
fn an_import_interrupted_before_its_files_go_in_place_leaves_the_tree_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, sheet) = tree_and_sheet(dir.path(), 6);
    let (mut child, into) = start_import(dir.path(), "into", &tree, &sheet);
    // Staged: a temporary file beside a target, in a folder it made.
    let staging = wait_for(&mut child, &into, |l| l.iter().any(|p| temporary(p)));
    assert!(staging, "the import ended before it was seen staging");
    let (code, stderr) = interrupt(child);
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("rtm: interrupted; nothing written"),
        "{stderr}"
    );
    assert_eq!(listing(&into), ["rtm.toml"], "staged files or folders left");
}

#[test]
fn an_import_interrupted_while_its_files_go_in_place_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (tree, sheet) = tree_and_sheet(dir.path(), 8);
    let whole: Vec<String> = listing(&tree);
    let mut interrupted = 0;
    for attempt in 0..3 {
        let (mut child, into) = start_import(dir.path(), &format!("into-{attempt}"), &tree, &sheet);
        // The first file in place: the others are going in.
        let placing = wait_for(&mut child, &into, |l| {
            l.iter()
                .any(|p| p.ends_with(".toml") && p != "rtm.toml" && !temporary(p))
        });
        let (code, stderr) = if placing {
            interrupt(child)
        } else {
            let out = child.wait_with_output().unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        // Whether the interrupt came while the files went in or after,
        // every one of them is there, and nothing else.
        assert_eq!(listing(&into), whole, "attempt {attempt}: {stderr}");
        match code {
            Some(130) => {
                interrupted += 1;
                assert!(
                    stderr.contains("rtm: interrupted after writing its files"),
                    "{stderr}"
                );
            }
            Some(0) => {}
            other => panic!("exit {other:?}: {stderr}"),
        }
        common::assert_same_tree(&tree, &into);
    }
    // The interrupt is sent the moment the first file is seen in place,
    // while rtm still puts hundreds of others in place (or is about to
    // say what it wrote).
    assert!(interrupted > 0, "no attempt was interrupted");
}
