//! Helpers shared by the integration tests.
#![allow(dead_code)]
// Test helpers: a failure to set up a test should stop it at once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use rtm::Checked;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn check(dir: &Path) -> Checked {
    match rtm::check(dir) {
        Ok(c) => c,
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}

/// `CODE file:line:column` for every finding.
pub fn places(checked: &Checked) -> Vec<String> {
    let s = &checked.model.sources;
    checked
        .findings
        .iter()
        .map(|f| {
            let (line, col) = s.line_col(f.span);
            format!(
                "{} {}:{line}:{col}",
                f.code.rule().code,
                s.path(f.span.file)
            )
        })
        .collect()
}

/// One line per finding: level, code, place and message; then related.
pub fn listing(checked: &Checked) -> String {
    let s = &checked.model.sources;
    let mut out = String::new();
    for f in &checked.findings {
        let (line, col) = s.line_col(f.span);
        out.push_str(&format!(
            "{} {} {}:{line}:{col} [{}] {}\n",
            f.level,
            f.code.rule().code,
            s.path(f.span.file),
            f.node.as_deref().unwrap_or("-"),
            f.message
        ));
        for r in &f.related {
            let (line, col) = s.line_col(r.span);
            out.push_str(&format!(
                "    related {}:{line}:{col} [{}] {}\n",
                s.path(r.span.file),
                r.node.as_deref().unwrap_or("-"),
                r.message
            ));
        }
    }
    out
}

/// The `rtm` binary, without colour.
pub fn rtm() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_rtm"));
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs git in `dir` with a fixed identity; panics when it fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=rtm tests",
            "-c",
            "user.email=rtm@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Copies a folder, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    copy_into(from, to);
}

/// Copies a fixture tree into a fresh temporary folder.
pub fn copy_tree(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_into(from, dir.path());
    dir
}

fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_into(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs `rtm export KIND TREE -o OUT`, which must succeed.
pub fn export(kind: &str, tree: &Path, out: &Path, extra: &[&str]) {
    rtm()
        .args(["export", kind])
        .arg(tree)
        .arg("-o")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// Runs `rtm import` and returns (exit code, stdout, stderr).
pub fn import(file: &Path, into: &Path, extra: &[&str]) -> (i32, String, String) {
    let out = rtm()
        .arg("import")
        .arg(file)
        .arg("--into")
        .arg(into)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `rtm diff OLD NEW` says nothing changed.
pub fn assert_same_tree(old: &Path, new: &Path) {
    let out = rtm()
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--today", "2026-01-01"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("no node or deviation changed; no finding introduced or resolved"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(0));
}
