//! `rtm check --since BASE`: only the findings BASE does not have, in a real
//! git repository made in a temporary folder, and against a folder.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{copy_dir, git, rtm};

use std::path::Path;

use common::fixture;
use predicates::prelude::*;
use serde_json::Value;

/// A repository whose `requirements/` is the base fixture, committed. Its
/// errors: R203 on RTM-0001 and R004 on RTM-0005; its notes: two R201.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    copy_dir(&fixture("diff/base"), &dir.path().join("requirements"));
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

const NEW_ERROR: &str = r#"
[[requirement]]
id = "RTM-0020"
title = "Hubs report their firmware version"
text = "Hubs report their firmware version on request."
category = "optional"
satisfies = ["BR-001", "BR-777"]
"#;

fn json(cwd: &Path, args: &[&str]) -> (Value, i32) {
    let out = rtm().current_dir(cwd).args(args).output().unwrap();
    let v = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)),
    };
    (v, out.status.code().unwrap_or(-1))
}

/// `CODE NODE` for every finding.
fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["node"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn only_the_new_error_is_reported_and_fails() {
    let dir = repo();
    let repo = dir.path();
    std::fs::write(repo.join("requirements/new.toml"), NEW_ERROR).unwrap();

    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&v), ["R113 RTM-0020", "R004 RTM-0020"]);
    assert_eq!(code, 1);
    assert_eq!(
        v["since"],
        serde_json::json!({ "base": "HEAD", "older": 8 })
    );
    // The summary counts what is reported.
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["notes"], 1);

    rtm()
        .current_dir(repo)
        .args(["check", "requirements", "--since", "HEAD"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("RTM-0020"))
        .stdout(predicate::str::contains("RTM-0005").not())
        .stdout(predicate::str::contains(
            "rtm: 1 error, 0 warnings, 1 note in 6 files (11 nodes); 8 older findings not shown",
        ));

    // Committed or not, it is new against the base commit.
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "new error"]);
    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD~1",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&v), ["R113 RTM-0020", "R004 RTM-0020"]);
    assert_eq!(code, 1);
    // Against its own commit, nothing is new.
    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn only_old_errors_pass() {
    let dir = repo();
    let repo = dir.path();
    rtm()
        .current_dir(repo)
        .args(["check", "requirements"])
        .assert()
        .code(1);
    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["since"]["older"], 8);
    rtm()
        .current_dir(repo)
        .args(["check", "requirements", "--since", "HEAD"])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("; 8 older findings not shown\n"));
    // Without --since there is no `since` key.
    let (v, _) = json(repo, &["check", "requirements", "--format", "json"]);
    assert!(v.get("since").is_none());
}

#[test]
fn moving_a_node_to_another_file_does_not_make_its_findings_new() {
    let dir = repo();
    let repo = dir.path();
    let tree = repo.join("requirements");
    // RTM-0005 (R004) and RTM-0001 (R203) move; the files are re-laid out.
    std::fs::create_dir_all(tree.join("moved")).unwrap();
    let legacy = std::fs::read_to_string(tree.join("legacy.toml")).unwrap();
    let alerts = std::fs::read_to_string(tree.join("alerts.toml")).unwrap();
    std::fs::remove_file(tree.join("legacy.toml")).unwrap();
    std::fs::write(
        tree.join("moved/all.toml"),
        format!("# moved here\n\n{alerts}\n{legacy}"),
    )
    .unwrap();
    std::fs::remove_file(tree.join("alerts.toml")).unwrap();

    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(code, 0);
    assert_eq!(v["since"]["older"], 8);

    // Committed, then checked since the commit before the move.
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "move"]);
    let (v, code) = json(
        repo,
        &[
            "check",
            "requirements",
            "--since",
            "HEAD~1",
            "--format",
            "json",
        ],
    );
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(code, 0);
}

#[test]
fn since_a_folder() {
    let base = fixture("diff/base");
    let head = fixture("diff/head");
    let (v, code) = json(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "check",
            head.to_str().unwrap(),
            "--since",
            base.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    // RTM-0005's R004 is old, though it moved to moved/legacy.toml.
    assert_eq!(
        codes(&v),
        ["R004 RTM-0010", "R113 RTM-0010", "R201 RTM-0010"]
    );
    assert_eq!(v["since"]["older"], 4);
    assert_eq!(code, 1);
}

#[test]
fn every_format_reports_only_new_findings() {
    let dir = repo();
    let repo = dir.path();
    std::fs::write(repo.join("requirements/new.toml"), NEW_ERROR).unwrap();
    for format in ["human", "json", "sarif", "github"] {
        let out = rtm()
            .current_dir(repo)
            .args([
                "check",
                "requirements",
                "--since",
                "HEAD",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        if out.status.code() == Some(2) {
            // A format that does not exist (yet): clap refuses it.
            continue;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
        assert!(text.contains("BR-777"), "{format}: {text}");
        assert!(!text.contains("BR-404"), "{format}: {text}");
    }
}

#[test]
fn bad_base_exits_2_with_nothing_on_stdout() {
    let dir = repo();
    rtm()
        .current_dir(dir.path())
        .args(["check", "requirements", "--since", "no-such-branch"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "no-such-branch: neither a folder nor a git revision",
        ));
}

/// A node file larger than `limits.max_file_bytes` at BASE is R001 "over
/// the limit" for that file (the message of a file on disk), and the rest
/// of BASE is still read: `rtm check --since` and `rtm diff` run through.
#[test]
fn a_file_over_the_size_limit_at_base_is_r001() {
    let dir = repo();
    let req = dir.path().join("requirements");
    std::fs::write(req.join("rtm.toml"), "[limits]\nmax_file_bytes = 2000\n").unwrap();
    let big = format!("# {}\n", "x".repeat(3000));
    std::fs::write(req.join("big.toml"), &big).unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "big"]);

    let base = rtm::diff::check_base("HEAD", &req, &rtm::Options::default()).unwrap();
    let r001: Vec<String> = base
        .findings
        .iter()
        .filter(|f| f.code == rtm::rules::Code::R001)
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(
        r001,
        [format!(
            "big.toml is {} bytes, over the limit of 2000 bytes (limits.max_file_bytes in rtm.toml)",
            big.len()
        )]
    );
    assert!(base.model.nodes.iter().any(|n| n.id == "RTM-0001"));

    // The working tree no longer has the big file: BASE's R001 is resolved.
    std::fs::remove_file(req.join("big.toml")).unwrap();
    let (v, code) = json(
        dir.path(),
        &[
            "check",
            "requirements",
            "--since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert!(codes(&v).is_empty(), "{v}");
    let out = rtm()
        .current_dir(dir.path())
        .args(["diff", "HEAD", "requirements", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("over the limit of 2000 bytes"), "{text}");
}

/// A repository git refuses for its owner (`safe.directory`) is reported
/// as such, naming the folder and the command that trusts it.
#[cfg(unix)]
#[test]
fn a_repository_of_another_user_is_reported_as_dubious_ownership() {
    let dir = repo();
    std::os::unix::fs::chown(dir.path(), Some(12345), Some(12345)).unwrap();
    let shown = dir.path().display().to_string();
    for args in [
        vec!["check", "requirements", "--since", "HEAD"],
        vec!["diff", "HEAD", "requirements"],
    ] {
        let out = rtm()
            .current_dir(dir.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("dubious ownership"), "{err}");
        assert!(
            err.contains(&format!("git config --global --add safe.directory {shown}")),
            "{err}"
        );
        assert!(!err.contains("not a git revision"), "{err}");
    }
}
