//! `rtm diff BASE [TREE]`: two folders, and a git revision (in a real
//! repository made in a temporary folder) against the working tree.

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

/// Replaces the contents of `tree` (inside the repository) with `from`.
fn replace_tree(tree: &Path, from: &Path) {
    if tree.exists() {
        std::fs::remove_dir_all(tree).unwrap();
    }
    copy_dir(from, tree);
}

/// A repository whose `requirements/` is the base fixture at HEAD~1 and the
/// head fixture at HEAD (and in the working tree).
fn repo_base_then_head() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("README.md"), "not part of the tree\n").unwrap();
    replace_tree(&repo.join("requirements"), &fixture("diff/base"));
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    replace_tree(&repo.join("requirements"), &fixture("diff/head"));
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "head"]);
    dir
}

fn run_json(cwd: &Path, args: &[&str]) -> (Value, i32) {
    let out = rtm().current_dir(cwd).args(args).output().unwrap();
    let v: Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    };
    (v, out.status.code().unwrap_or(-1))
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap_or("").to_owned())
        .collect()
}

/// `CODE NODE` for every finding of a list.
fn codes(v: &Value) -> Vec<String> {
    v.as_array()
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

/// What the base → head fixture pair must give, whatever BASE is.
fn assert_base_to_head(v: &Value) {
    assert_eq!(v["version"], 1);
    assert_eq!(ids(&v["nodes"]["added"], "id"), ["RTM-0010"]);
    assert_eq!(v["nodes"]["added"][0]["file"], "alerts.toml");
    assert_eq!(ids(&v["nodes"]["removed"], "id"), ["RTM-0009"]);
    assert_eq!(v["nodes"]["removed"][0]["file"], "old.toml");
    // RTM-0005 only moved to another file: not changed.
    assert_eq!(ids(&v["nodes"]["changed"], "id"), ["RTM-0001", "RTM-0003"]);
    let fields: Vec<String> = ids(&v["nodes"]["changed"][0]["fields"], "field");
    assert_eq!(fields, ["title", "values"]);
    let values = &v["nodes"]["changed"][0]["fields"][1];
    assert_eq!(values["old"], serde_json::json!({ "poa_latency_s": 61 }));
    assert_eq!(values["new"], serde_json::json!({ "poa_latency_s": 60 }));
    assert_eq!(
        ids(&v["nodes"]["changed"][1]["fields"], "field"),
        ["deviations.SEC-POA-60.rationale"]
    );

    let devs = &v["deviations"];
    assert_eq!(ids(&devs["added"], "node"), ["RTM-0010"]);
    assert_eq!(devs["added"][0]["sec"], "SEC-POA-60");
    assert_eq!(devs["added"][0]["modification"], "DP096");
    assert_eq!(ids(&devs["removed"], "node"), ["RTM-0009"]);
    assert_eq!(devs["removed"][0]["sec"], "SEC-PM2-01");
    assert_eq!(ids(&devs["changed"], "node"), ["RTM-0003"]);
    assert_eq!(devs["changed"][0]["fields"][0]["field"], "rationale");
    assert_eq!(
        devs["changed"][0]["fields"][0]["old"],
        "Measured in the 4G field trial"
    );

    // RTM-0005's R004 exists in both versions, in different files.
    assert_eq!(
        codes(&v["findings"]["introduced"]),
        ["R004 RTM-0010", "R113 RTM-0010", "R201 RTM-0010"]
    );
    assert_eq!(
        codes(&v["findings"]["resolved"]),
        [
            "R203 RTM-0001",
            "R113 RTM-0009",
            "R113 RTM-0009",
            "R201 RTM-0009"
        ]
    );
    // Findings have the shape of `rtm check --format json`, placed in
    // their own version of the tree.
    let introduced = &v["findings"]["introduced"][0];
    assert_eq!(introduced["rule"], "dangling-link");
    assert_eq!(introduced["severity"], "error");
    assert_eq!(introduced["file"], "alerts.toml");
    assert_eq!(introduced["line"], 12);
    assert!(introduced["related"].is_array());
    assert_eq!(v["findings"]["resolved"][1]["file"], "old.toml");
}

#[test]
fn two_folders() {
    let base = fixture("diff/base");
    let head = fixture("diff/head");
    let (v, code) = run_json(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            "diff",
            base.to_str().unwrap(),
            head.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_base_to_head(&v);
    assert_eq!(v["base"], base.to_str().unwrap());
    assert_eq!(v["head"], head.to_str().unwrap());
    // An error was introduced.
    assert_eq!(code, 1);
}

#[test]
fn git_revision_against_the_working_tree() {
    let dir = repo_base_then_head();
    let repo = dir.path();
    let (v, code) = run_json(
        repo,
        &["diff", "HEAD~1", "requirements", "--format", "json"],
    );
    assert_base_to_head(&v);
    assert_eq!(v["base"], "HEAD~1");
    assert_eq!(v["head"], "requirements");
    assert_eq!(code, 1);

    // The same, run from inside the tree, and with TREE defaulted.
    let (inside, _) = run_json(
        &repo.join("requirements"),
        &["diff", "HEAD~1", ".", "--format", "json"],
    );
    assert_eq!(inside["nodes"], v["nodes"]);
    assert_eq!(inside["deviations"], v["deviations"]);
    assert_eq!(inside["findings"], v["findings"]);
    let (defaulted, _) = run_json(repo, &["diff", "HEAD~1", "--format", "json"]);
    assert_eq!(defaulted["findings"], v["findings"]);

    // Against itself, nothing; then the other way round.
    let (back, code) = run_json(repo, &["diff", "HEAD", "requirements", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(back["nodes"]["added"].as_array().map(Vec::len), Some(0));
    // Uncommitted edits count: the head is the folder as it is now.
    replace_tree(&repo.join("requirements"), &fixture("diff/base"));
    let (back, code) = run_json(repo, &["diff", "HEAD", "requirements", "--format", "json"]);
    assert_eq!(ids(&back["nodes"]["added"], "id"), ["RTM-0009"]);
    assert_eq!(ids(&back["nodes"]["removed"], "id"), ["RTM-0010"]);
    assert_eq!(
        codes(&back["findings"]["introduced"]),
        [
            "R203 RTM-0001",
            "R113 RTM-0009",
            "R113 RTM-0009",
            "R201 RTM-0009"
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn a_folder_and_a_revision_give_the_same_diff() {
    let dir = repo_base_then_head();
    let repo = dir.path();
    let (from_git, _) = run_json(
        repo,
        &["diff", "HEAD~1", "requirements", "--format", "json"],
    );
    let base = fixture("diff/base");
    let (from_folder, _) = run_json(
        repo,
        &[
            "diff",
            base.to_str().unwrap(),
            "requirements",
            "--format",
            "json",
        ],
    );
    for key in ["nodes", "deviations", "findings"] {
        assert_eq!(from_git[key], from_folder[key], "{key}");
    }
}

#[test]
fn a_tree_at_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q"]);
    copy_dir(&fixture("diff/base"), repo);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "base"]);
    replace_tree(&repo.join("moved"), &fixture("diff/head/moved"));
    std::fs::remove_file(repo.join("legacy.toml")).unwrap();
    std::fs::copy(fixture("diff/head/alerts.toml"), repo.join("alerts.toml")).unwrap();
    std::fs::remove_file(repo.join("old.toml")).unwrap();
    // Uncommitted edits count: the head is the folder as it is now.
    let (v, code) = run_json(repo, &["diff", "HEAD", ".", "--format", "json"]);
    assert_base_to_head(&v);
    assert_eq!(code, 1);
}

/// Everything the folder walk sees is read from git the same way: the
/// project file (here it turns R201 off), symbolic links (R304), hidden
/// folders and other files (skipped), a file that is not UTF-8 (R001).
#[test]
fn an_unchanged_tree_read_from_git_equals_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let tree = repo.join("reqs");
    git(repo, &["init", "-q"]);
    copy_dir(&fixture("diff/head"), &tree);
    std::fs::write(tree.join("rtm.toml"), "[rules]\nR201 = \"off\"\n").unwrap();
    std::fs::create_dir_all(tree.join(".hidden")).unwrap();
    std::fs::write(tree.join(".hidden/broken.toml"), "[[theme\n").unwrap();
    std::fs::write(tree.join("notes.md"), "# notes\n").unwrap();
    std::fs::write(tree.join("latin1.toml"), b"# caf\xe9\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("top.toml", tree.join("link.toml")).unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", "one"]);

    let (check, _) = run_json(repo, &["check", "reqs", "--format", "json"]);
    let found = codes(&check["findings"]);
    assert!(found.contains(&"R001 -".to_owned()), "{found:?}");
    assert!(!found.iter().any(|c| c.starts_with("R201")), "{found:?}");
    #[cfg(unix)]
    assert!(found.contains(&"R304 -".to_owned()), "{found:?}");

    let (v, code) = run_json(repo, &["diff", "HEAD", "reqs", "--format", "json"]);
    assert_eq!(code, 0);
    for list in [&v["nodes"], &v["deviations"], &v["findings"]] {
        for (key, items) in list.as_object().unwrap() {
            assert_eq!(items.as_array().map(Vec::len), Some(0), "{key}: {v}");
        }
    }
    rtm()
        .current_dir(repo)
        .args(["diff", "HEAD", "reqs"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "no node or deviation changed; no finding introduced or resolved",
        ));
}

#[test]
fn bad_base_exits_2_with_nothing_on_stdout() {
    let dir = repo_base_then_head();
    let repo = dir.path();
    rtm()
        .current_dir(repo)
        .args(["diff", "no-such-branch", "requirements"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "no-such-branch: neither a folder nor a git revision",
        ));
    // Something that git would read as an option is not a revision.
    rtm()
        .current_dir(repo)
        .args([
            "diff",
            "--format",
            "json",
            "--",
            "--output=x",
            "requirements",
        ])
        .assert()
        .code(2)
        .stdout("");
    assert!(!repo.join("x").exists());
    // Not in a git repository at all.
    let plain = tempfile::tempdir().unwrap();
    std::fs::create_dir(plain.path().join("requirements")).unwrap();
    rtm()
        .current_dir(plain.path())
        .args(["diff", "HEAD", "requirements"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("not inside a git repository"));
    // TREE missing.
    rtm()
        .current_dir(repo)
        .args(["diff", "HEAD", "no/such/tree"])
        .assert()
        .code(2)
        .stdout("");
}

#[test]
fn markdown_for_a_pull_request() {
    let out = rtm()
        .current_dir(fixture("diff"))
        .args(["diff", "base", "head"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let summary = text.lines().nth(2).unwrap();
    assert_eq!(
        summary,
        "1 node added, 2 changed, 1 removed, 1 deviation added, 1 changed, 1 removed; \
         3 findings introduced, 4 resolved"
    );
    // The title of RTM-0010 holds `<`, `>` and `|`.
    assert!(text.contains("Alerts from hubs on a &lt;roaming&gt; SIM \\| partner network"));
    insta::assert_snapshot!("diff-markdown", text);
}

#[test]
fn markdown_leaves_out_empty_sections() {
    let tree = fixture("diff/head");
    let out = rtm()
        .args(["diff", tree.to_str().unwrap(), tree.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("###"), "{text}");
}

/// A waiver or a review stamp added to a node is a change of that node, so
/// that accepting a finding on the record shows in the pull request.
#[test]
fn a_new_waiver_is_a_change_of_its_node() {
    let base = tempfile::tempdir().unwrap();
    let head = tempfile::tempdir().unwrap();
    let node = "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0001\"\ntitle = \"e\"\ntext = \"e\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\n";
    std::fs::write(base.path().join("nodes.toml"), node).unwrap();
    std::fs::write(
        head.path().join("nodes.toml"),
        format!("{node}\n[[requirement.waivers]]\nrule = \"R210\"\nreason = \"assessed later\"\nby = \"OPSG\"\n"),
    )
    .unwrap();
    let (v, _) = run_json(
        head.path(),
        &[
            "diff",
            base.path().to_str().unwrap(),
            ".",
            "--format",
            "json",
        ],
    );
    let changed = &v["nodes"]["changed"];
    assert_eq!(changed[0]["id"], "RTM-0001", "{v:#}");
    let fields: Vec<&str> = changed[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["waivers"]);
    assert_eq!(changed[0]["fields"][0]["new"][0]["rule"], "R210");
}

/// A question's text and answer (FORMAT §17) are compared: the OPSG reads
/// the answers, so a new or reworded answer is a change of its node, shown
/// by `rtm diff` (JSON and Markdown) and by `rtm review --since`. Moving
/// questions around in the file changes nothing.
#[test]
fn a_changed_answer_is_a_change_of_its_node() {
    let question = |text: &str, answer: &str| {
        format!(
            "\n[[theme.questions]]\nasked = \"OPSG_36x\"\non = 2020-09-28\ntext = \"{text}\"\nanswer = \"{answer}\"\nanswered = 2020-10-26\n"
        )
    };
    let open = "\n[[theme.questions]]\nasked = \"OPSG_37x\"\non = 2020-10-26\ntext = \"When?\"\n";
    let theme = "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\ntext = \"t\"\n";
    let base = tempfile::tempdir().unwrap();
    let head = tempfile::tempdir().unwrap();
    let moved = tempfile::tempdir().unwrap();
    let yes = question("Will the MVP comply?", "Yes.");
    let no = question("Will the MVP comply in full?", "No, it will not.");
    std::fs::write(base.path().join("n.toml"), format!("{theme}{yes}{open}")).unwrap();
    std::fs::write(head.path().join("n.toml"), format!("{theme}{no}{open}")).unwrap();
    std::fs::write(moved.path().join("n.toml"), format!("{theme}{open}{yes}")).unwrap();
    let (b, h) = (base.path().to_str().unwrap(), head.path().to_str().unwrap());

    let (v, code) = run_json(head.path(), &["diff", b, h, "--format", "json"]);
    assert_eq!(code, 0, "{v:#}");
    let changed = &v["nodes"]["changed"];
    assert_eq!(ids(changed, "id"), ["TH-01"], "{v:#}");
    assert_eq!(ids(&changed[0]["fields"], "field"), ["questions"], "{v:#}");
    let when = serde_json::json!({ "asked": "OPSG_37x", "on": "2020-10-26", "text": "When?" });
    assert_eq!(
        changed[0]["fields"][0]["old"],
        serde_json::json!([
            { "asked": "OPSG_36x", "on": "2020-09-28", "text": "Will the MVP comply?", "answer": "Yes.", "answered": "2020-10-26" },
            when,
        ])
    );
    assert_eq!(
        changed[0]["fields"][0]["new"],
        serde_json::json!([
            { "asked": "OPSG_36x", "on": "2020-09-28", "text": "Will the MVP comply in full?", "answer": "No, it will not.", "answered": "2020-10-26" },
            when,
        ])
    );

    let out = rtm().args(["diff", b, h]).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| TH-01 | theme | questions | { answer = \"Yes.\", answered = \"2020-10-26\", asked = \"OPSG_36x\", on = \"2020-09-28\", text = \"Will the MVP comply?\" }, { asked = \"OPSG_37x\", on = \"2020-10-26\", text = \"When?\" } | { answer = \"No, it will not.\", answered = \"2020-10-26\", asked = \"OPSG_36x\", on = \"2020-09-28\", text = \"Will the MVP comply in full?\" }, { asked = \"OPSG_37x\""),
        "{md}"
    );

    // `rtm review --since` shows the change in its Questions part, field by field.
    let out = rtm().args(["review", h, "--since", b]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = String::from_utf8(out.stdout).unwrap();
    let since = &doc[doc.find("## Changed since").unwrap()..];
    let part = &since
        [since.find("### Questions").unwrap()..since.find("### Findings introduced").unwrap()];
    assert_eq!(
        part,
        "### Questions\n\n| Change | Node | Asked | Field | Before | Now |\n|---|---|---|---|---|---|\n\
         | changed | TH-01 | OPSG_36x on 2020-09-28 | text | Will the MVP comply? | Will the MVP comply in full? |\n\
         | changed | TH-01 | OPSG_36x on 2020-09-28 | answer | Yes. | No, it will not. |\n\n",
        "{since}"
    );

    let m = moved.path().to_str().unwrap();
    let (v, _) = run_json(head.path(), &["diff", b, m, "--format", "json"]);
    assert_eq!(v["nodes"]["changed"], serde_json::json!([]), "{v:#}");
}
