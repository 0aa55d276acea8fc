//! `rtm check --watch`: the findings printed again after each save.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// Kills the watcher however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The lines of one check, up to and with its summary line.
fn round(lines: &Receiver<String>) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no summary line; so far: {out:#?}"));
        let done = line.starts_with("rtm: ") && line.contains(" node");
        out.push(line);
        if done {
            return out;
        }
    }
}

fn has(round: &[String], code: &str) -> bool {
    round.iter().any(|l| l.contains(code))
}

/// The first check's output that `ok` accepts: one save can come as more
/// than one settled batch of changes, so a check may be printed again
/// before the awaited one.
fn awaited(lines: &Receiver<String>, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let r = round(lines);
        if ok(&r) {
            return r;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never printed: {r:#?}"
        );
    }
}

#[test]
fn watch_prints_a_new_finding_after_a_save_and_drops_it_after_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    rtm::corpus::write(dir.path(), 200, 3).unwrap();
    let rel = "detailed/detailed-00001.toml";
    let path = dir.path().join(rel);
    let good = std::fs::read_to_string(&path).unwrap();
    let bad = good.replacen("satisfies = [\"BR-", "satisfies = [\"BX-", 1);
    assert_ne!(good, bad);

    let child = Command::new(env!("CARGO_BIN_EXE_rtm"))
        .args([
            "check",
            "--watch",
            "--color",
            "never",
            "--today",
            "2026-06-01",
        ])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Killed(child);
    let stdout = child.0.stdout.take().unwrap();
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let first = round(&lines);
    assert!(!has(&first, "R004"), "{first:#?}");
    // Not a terminal: no escape sequence to clear the screen.
    assert!(!first.iter().any(|l| l.contains('\x1b')), "{first:#?}");

    std::fs::write(&path, &bad).unwrap();
    let broken = awaited(&lines, |r| has(r, "R004"));
    assert!(has(&broken, "BX-"), "{broken:#?}");
    assert!(has(&broken, rel), "{broken:#?}");

    // Reading is not a change: neither rtm's own reading of the saved
    // file nor another program's starts another check (each check once
    // started the next, five times a second, for ever).
    let settle = std::time::Instant::now();
    while settle.elapsed() < Duration::from_secs(3)
        && lines.recv_timeout(Duration::from_secs(1)).is_ok()
    {}
    for _ in 0..3 {
        std::fs::read(&path).unwrap();
    }
    let quiet = lines.recv_timeout(Duration::from_secs(2));
    assert!(quiet.is_err(), "checked again without a change: {quiet:?}");

    std::fs::write(&path, &good).unwrap();
    let fixed = awaited(&lines, |r| !has(r, "R004"));
    assert_eq!(first, fixed);

    // A deleted file is no longer checked: one file and 30 nodes fewer.
    std::fs::remove_file(&path).unwrap();
    let less = awaited(&lines, |r| r != first.as_slice());
    assert!(!has(&less, rel), "{less:#?}");
    assert!(
        less.last().unwrap().ends_with(" in 6 files (150 nodes)"),
        "{less:#?}"
    );
    assert!(child.0.try_wait().unwrap().is_none(), "still watching");
}
