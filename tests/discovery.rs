//! One shape for every command: the tree found from the current folder or
//! named the same way everywhere, `--today` wherever dates are judged,
//! `rtm rules --format json`, shell completions and the man page, and the
//! GitLab code quality report.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::{copy_dir, rtm};

fn bundled() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/requirements"))
}

/// A project folder holding a copy of the bundled tree in `requirements/`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(bundled(), &dir.path().join("requirements"));
    dir
}

fn json_root(dir: &Path) -> String {
    let o = rtm()
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(2), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["root"].as_str().unwrap().to_owned()
}

#[test]
fn the_tree_is_found_from_any_folder_of_the_project() {
    let p = project();
    let root = p.path();
    assert_eq!(json_root(root), "requirements");
    assert_eq!(json_root(&root.join("requirements")), ".");
    assert_eq!(json_root(&root.join("requirements/detailed")), "..");
    std::fs::create_dir(root.join("docs")).unwrap();
    assert_eq!(json_root(&root.join("docs")), "../requirements");
    // Every command that takes a tree finds it.
    let nested = root.join("requirements/detailed");
    for args in [
        vec!["report"],
        vec!["review"],
        vec!["graph"],
        vec!["diff", "."],
    ] {
        let o = rtm().current_dir(&nested).args(&args).output().unwrap();
        assert_ne!(o.status.code(), Some(2), "{args:?}: {o:?}");
        assert!(!o.stdout.is_empty(), "{args:?}");
    }
    let o = rtm()
        .current_dir(&nested)
        .args([
            "stamp",
            "RTM-0101",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

#[test]
fn a_project_without_rtm_toml_works_from_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("a.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\ntext = \"t\"\n",
    )
    .unwrap();
    assert_eq!(json_root(dir.path()), "requirements");
}

#[test]
fn nothing_found_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let o = rtm().current_dir(dir.path()).arg("check").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no requirement tree found"), "{err}");
    assert!(err.contains("rtm.toml and requirements/rtm.toml"), "{err}");
    assert!(err.contains("each folder above it"), "{err}");
}

#[test]
fn every_command_takes_the_tree_the_same_way() {
    let p = project();
    let tree = p.path().join("requirements");
    let t = tree.to_str().unwrap();
    for args in [
        vec!["check", "--tree", t],
        vec!["report", "--tree", t],
        vec!["review", "--tree", t],
        vec!["graph", "--tree", t],
        vec!["diff", t, "--tree", t],
        vec!["check", t],
        vec!["report", t],
    ] {
        let o = rtm().args(&args).output().unwrap();
        assert_ne!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }
    // Named twice: a command-line error.
    let o = rtm().args(["check", t, "--tree", t]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn every_command_that_judges_dates_takes_today() {
    let p = project();
    let t = p.path().join("requirements");
    let t = t.to_str().unwrap();
    for args in [
        vec!["check", t, "--today", "2020-10-01"],
        vec!["report", t, "--today", "2020-10-01"],
        vec!["review", t, "--today", "2020-10-01"],
        vec!["graph", t, "--today", "2020-10-01"],
        vec!["diff", t, t, "--today", "2020-10-01"],
    ] {
        let o = rtm().args(&args).output().unwrap();
        assert_ne!(o.status.code(), Some(2), "{args:?}: {o:?}");
        let mut bad = args.clone();
        *bad.last_mut().unwrap() = "2020-13-01";
        let o = rtm().args(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn rules_as_json() {
    let o = rtm().args(["rules", "--format", "json"]).output().unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v.as_array().unwrap();
    assert_eq!(rules.len(), rtm::rules::RULES.len());
    for (r, want) in rules.iter().zip(rtm::rules::RULES) {
        assert_eq!(r["code"], want.code);
        assert_eq!(r["name"], want.name);
        assert_eq!(r["default"], want.default.as_str());
        assert_eq!(r["summary"], want.summary);
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = rtm().args(["completions", shell]).output().unwrap();
        assert!(o.status.success(), "{shell}");
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains("rtm"), "{shell}");
        // Subcommands and their flags are completed.
        assert!(
            text.contains("review") && text.contains("classification"),
            "{shell}"
        );
    }
    let o = rtm().arg("man").output().unwrap();
    assert!(o.status.success());
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH rtm 1"), "{page}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"));
}

fn gitlab(tree: &Path) -> Vec<serde_json::Value> {
    let o = rtm()
        .args(["check", tree.to_str().unwrap(), "--format", "gitlab"])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(2), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array().unwrap().clone()
}

/// The fields GitLab documents for a code quality report, and stable
/// fingerprints.
#[test]
fn gitlab_code_quality_report() {
    let p = project();
    let tree = p.path().join("requirements");
    let issues = gitlab(&tree);
    assert!(!issues.is_empty());
    let mut prints = HashSet::new();
    for i in &issues {
        assert!(i["description"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(i["check_name"].as_str().is_some_and(|s| s.starts_with('R')));
        let fp = i["fingerprint"].as_str().unwrap();
        assert!(prints.insert(fp.to_owned()), "fingerprint {fp} repeated");
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&i["severity"].as_str().unwrap())
        );
        let path = i["location"]["path"].as_str().unwrap();
        // The tree was named by its absolute path: so is every file.
        assert!(Path::new(path).is_file(), "{path}");
        assert!(i["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    // Relative tree, relative paths from the repository's root.
    let o = rtm()
        .current_dir(p.path())
        .args(["check", "--format", "gitlab"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for i in v.as_array().unwrap() {
        let path = i["location"]["path"].as_str().unwrap();
        assert!(path.starts_with("requirements/"), "{path}");
        assert!(p.path().join(path).is_file(), "{path}");
    }

    // Moving lines (a comment block at the top of every file) keeps every
    // fingerprint; the lines change.
    for e in walk(&tree) {
        let text = std::fs::read_to_string(&e).unwrap();
        std::fs::write(&e, format!("# moved\n# down\n# three lines\n{text}")).unwrap();
    }
    let moved = gitlab(&tree);
    assert_eq!(moved.len(), issues.len());
    let before: HashSet<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    let after: HashSet<&str> = moved
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(before, after);
    assert_ne!(
        issues[0]["location"]["lines"]["begin"],
        moved
            .iter()
            .find(|i| i["fingerprint"] == issues[0]["fingerprint"])
            .unwrap()["location"]["lines"]["begin"]
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "toml")
            && p.file_name().is_some_and(|n| n != "rtm.toml")
        {
            out.push(p);
        }
    }
    out
}
