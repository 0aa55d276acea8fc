//! Authoring a tree: `rtm init`, `rtm new` and `rtm fmt`.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{copy_dir, fixture, rtm};
use predicates::prelude::*;

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

/// Every file below `dir`, by relative path, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walk(dir) {
        let rel = e.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        out.insert(rel, std::fs::read(&e).unwrap());
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The findings of `rtm check --format json`, as (code, node, message).
fn findings(tree: &Path) -> Vec<(String, String, String)> {
    let out = rtm()
        .args(["check", "--format", "json", "--today", "2026-01-01"])
        .arg(tree)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut list: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["node"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    list.sort();
    list
}

fn errors(tree: &Path) -> Vec<(String, String, String)> {
    let checked = common::check(tree);
    checked
        .findings
        .iter()
        .filter(|f| f.level == rtm::rules::Level::Error)
        .map(|f| {
            (
                f.code.rule().code.to_owned(),
                f.node.clone().unwrap_or_default(),
                f.message.clone(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- init

#[test]
fn init_then_check_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    rtm()
        .current_dir(dir.path())
        .args(["init", "--name", "Hub \"4G\" programme"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("created requirements/rtm.toml"))
        .stdout(predicate::str::contains(
            "created requirements/.schemas/node.schema.json",
        ))
        .stdout(predicate::str::contains("rtm check requirements"));
    // Zero findings, exit 0.
    assert_eq!(findings(&tree), Vec::new());
    rtm().arg("check").arg(&tree).assert().code(0);
    let checked = common::check(&tree);
    assert_eq!(checked.model.counts(), [1, 1, 1, 0, 0]);
    assert_eq!(
        checked.config.project.name.as_deref(),
        Some("Hub \"4G\" programme")
    );
    // Already in the canonical layout.
    rtm().arg("fmt").arg(&tree).arg("--check").assert().code(0);
}

#[test]
fn init_files_point_at_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("new-tree");
    rtm().arg("init").arg(&tree).assert().code(0);
    let node = rtm::schema::to_text(&rtm::schema::node());
    let config = rtm::schema::to_text(&rtm::schema::config());
    assert_eq!(
        std::fs::read_to_string(tree.join(".schemas/node.schema.json")).unwrap(),
        node
    );
    assert_eq!(
        std::fs::read_to_string(tree.join(".schemas/rtm.schema.json")).unwrap(),
        config
    );
    for (file, schema) in [
        ("rtm.toml", &config),
        ("theme.toml", &node),
        ("business.toml", &node),
        ("requirement.toml", &node),
    ] {
        let text = std::fs::read_to_string(tree.join(file)).unwrap();
        let first = text.lines().next().unwrap();
        let rel = first.strip_prefix("#:schema ").expect(file);
        // The path is relative to the file, and names the right schema.
        assert_eq!(&std::fs::read_to_string(tree.join(rel)).unwrap(), schema);
        // The file is valid against it.
        let value: serde_json::Value = toml::from_str(&text).unwrap();
        let schema: serde_json::Value = serde_json::from_str(schema).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&value), "{file}");
        // Every field is explained by a comment.
        assert!(text.matches('#').count() >= 4, "{file}");
    }
}

#[test]
fn init_refuses_a_folder_that_holds_a_tree() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    rtm().arg("init").arg(&tree).assert().code(0);
    let before = snapshot(&tree);
    rtm()
        .arg("init")
        .arg(&tree)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "already holds a requirement tree (rtm.toml); nothing was written",
        ));
    assert_eq!(snapshot(&tree), before);

    // A node file below it is a tree too, even without rtm.toml.
    let other = dir.path().join("other");
    std::fs::create_dir_all(other.join("sub")).unwrap();
    std::fs::write(other.join("sub/x.toml"), "").unwrap();
    rtm()
        .arg("init")
        .arg(&other)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(sub/x.toml)"));
    assert_eq!(snapshot(&other).len(), 1, "nothing written");

    // A file where the tree should be.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    rtm()
        .arg("init")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a folder"));
}

// ----------------------------------------------------------------- new

#[test]
fn new_appends_exactly_one_node_and_check_stays_free_of_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    copy_dir(&bundled(), &tree);
    let before = snapshot(&tree);
    let errors_before = errors(&tree);
    // The next id after RTM-1108, in the file that holds RTM-1108.
    rtm()
        .args([
            "new",
            "requirement",
            "--title",
            "Alerts are \"fast\" \\ '''",
            "--satisfies",
            "BR-017",
            "--sec",
            "SEC-FW-DIST",
            "--user-impact",
            "none",
            "--text",
            "Two\nlines",
            "--tree",
        ])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "added RTM-1109 to detailed/programme.toml\n",
        ));
    let after = snapshot(&tree);
    let rel = "detailed/programme.toml";
    for (path, bytes) in &before {
        if path != rel {
            assert_eq!(after.get(path), Some(bytes), "{path} changed");
        }
    }
    let old = &before[rel];
    let new = &after[rel];
    assert!(new.starts_with(old), "the file's bytes are kept");
    let added = std::str::from_utf8(&new[old.len()..]).unwrap();
    assert!(added.starts_with("\n[[requirement]]\nid = \"RTM-1109\"\n"));
    assert_eq!(added.matches("[[").count(), 1, "one table: {added}");
    let table: toml::Table = toml::from_str(added).unwrap();
    let node = &table["requirement"].as_array().unwrap()[0];
    assert_eq!(node["title"].as_str(), Some("Alerts are \"fast\" \\ '''"));
    assert_eq!(node["text"].as_str(), Some("Two\nlines"));
    assert_eq!(node["category"].as_str(), Some("mvp"));
    assert_eq!(node["user_impact"].as_str(), Some("none"));
    assert_eq!(errors(&tree), errors_before);

    // A given id goes next to its nearest smaller neighbour.
    rtm()
        .args(["new", "requirement", "--id", "RTM-0410", "--refines"])
        .args(["RTM-0409", "--user-impact", "none", "--tree"])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "added RTM-0410 to detailed/hub-variants.toml\n",
        ));
    assert_eq!(errors(&tree), errors_before);
}

#[test]
fn new_numbers_on_keeping_the_width_and_leaves_out_what_was_not_given() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    rtm().arg("init").arg(&tree).assert().code(0);
    rtm()
        .args(["new", "requirement", "--satisfies", "BR-001", "--tree"])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "added RTM-0002 to requirement.toml\n",
        ))
        // What the check now says about it.
        .stdout(predicate::str::contains("R210 user-impact-unstated"));
    let text = std::fs::read_to_string(tree.join("requirement.toml")).unwrap();
    assert!(text.ends_with(
        "\n\n[[requirement]]\nid = \"RTM-0002\"\ntitle = \"New RTM entry\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\n"
    ));
    // The first of a kind: its default id, in `<kind>.toml`, with the schema.
    rtm()
        .args(["new", "sec", "--tree"])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "added SEC-001 to a new file, sec.toml\n",
        ));
    assert_eq!(
        std::fs::read_to_string(tree.join("sec.toml")).unwrap(),
        "#:schema .schemas/node.schema.json\n\n[[sec]]\nid = \"SEC-001\"\ntitle = \"New SEC obligation\"\n"
    );
    rtm()
        .args(["new", "business", "--themes", "TH-01", "--tree"])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "added BR-002 to business.toml\n",
        ));
    // New files stay in the canonical layout.
    rtm().arg("fmt").arg(&tree).arg("--check").assert().code(0);
}

#[test]
fn new_keeps_crlf_and_adds_a_missing_final_line_break() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    rtm().arg("init").arg(&tree).assert().code(0);
    let path = tree.join("theme.toml");
    let lf = std::fs::read_to_string(&path).unwrap();
    let crlf = lf.trim_end().replace('\n', "\r\n"); // no final line break
    std::fs::write(&path, &crlf).unwrap();
    rtm()
        .args(["new", "theme", "--title", "Second", "--tree"])
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("added TH-02 to theme.toml\n"));
    let out = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        out,
        format!("{crlf}\r\n\r\n[[theme]]\r\nid = \"TH-02\"\r\ntitle = \"Second\"\r\n")
    );
}

#[test]
fn new_refuses_an_unknown_link_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    copy_dir(&bundled(), &tree);
    let before = snapshot(&tree);
    let refused = |args: &[&str], message: &str| {
        rtm()
            .args(args)
            .arg("--tree")
            .arg(&tree)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(message))
            .stderr(predicate::str::contains("nothing was written"));
        assert_eq!(snapshot(&tree), before, "{args:?} wrote");
    };
    refused(
        &["new", "requirement", "--satisfies", "BR-01"],
        "--satisfies BR-01: no node has the id `BR-01` (did you mean `BR-001`?)",
    );
    refused(
        &["new", "requirement", "--satisfies", "TH-01"],
        "`TH-01` is a theme, not a business requirement",
    );
    refused(
        &["new", "requirement", "--id", "RTM-0101"],
        "`RTM-0101` is already the id of an RTM entry",
    );
    refused(
        &["new", "requirement", "--id", "RTM-101"],
        "`RTM-101` does not match the requirement id pattern `^RTM-[0-9]{4}$`",
    );
    refused(&["new", "business"], "give --themes ID");
    refused(
        &["new", "theme", "--satisfies", "BR-001"],
        "--satisfies is for an RTM entry, not for a theme",
    );
    refused(
        &["new", "theme", "--file", "../x.toml"],
        "give a path inside the tree",
    );
}

// ----------------------------------------------------------------- fmt

#[test]
fn fmt_on_the_bundled_tree_is_idempotent_and_changes_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("requirements");
    copy_dir(&bundled(), &tree);
    let found = findings(&tree);
    let before = snapshot(&tree);
    rtm()
        .arg("fmt")
        .arg(&tree)
        .arg("--check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "would reformat detailed/firmware.toml\n",
        ));
    assert_eq!(snapshot(&tree), before, "--check writes nothing");
    rtm()
        .arg("fmt")
        .arg(&tree)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "reformatted detailed/firmware.toml\n",
        ));
    let once = snapshot(&tree);
    assert_ne!(once, before);
    rtm()
        .arg("fmt")
        .arg(&tree)
        .arg("--check")
        .assert()
        .code(0)
        .stdout("rtm: 0 files would be reformatted, 17 already formatted\n");
    rtm().arg("fmt").arg(&tree).assert().code(0);
    assert_eq!(snapshot(&tree), once, "a second run changes nothing");
    assert_eq!(findings(&tree), found);
    // Fields in the reference's order, ids sorted.
    let text = std::fs::read_to_string(tree.join("business/operations.toml")).unwrap();
    assert!(text.contains("status = \"agreed\"\nthemes = [\"TH-02\", \"TH-06\"]\n"));
}

#[test]
fn fmt_keeps_every_comment() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    copy_dir(&fixture("fmt/comments"), &tree);
    let found = findings(&tree);
    let original = std::fs::read_to_string(tree.join("nodes.toml")).unwrap();
    rtm()
        .arg("fmt")
        .arg(&tree)
        .assert()
        .code(0)
        .stdout("reformatted nodes.toml\nrtm: 1 file reformatted, 0 already formatted\n");
    let out = std::fs::read_to_string(tree.join("nodes.toml")).unwrap();
    let expected = std::fs::read_to_string(fixture("fmt/formatted/nodes.toml")).unwrap();
    assert_eq!(out, expected);
    let comments = |s: &str| {
        let mut c: Vec<String> = s
            .lines()
            .filter_map(|l| l.find('#').map(|at| l[at..].to_owned()))
            .collect();
        c.sort();
        c
    };
    assert_eq!(comments(&out), comments(&original));
    assert_eq!(findings(&tree), found);
    rtm()
        .arg("fmt")
        .arg(fixture("fmt/formatted"))
        .arg("--check")
        .assert()
        .code(0);
}

#[test]
fn fmt_leaves_a_file_that_does_not_parse_alone() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir_all(&tree).unwrap();
    let broken = "[[theme]]\nid = \"TH-01\"\ntitle = \n";
    std::fs::write(tree.join("a.toml"), broken).unwrap();
    let bom = "\u{feff}[[theme]]\r\ntitle = \"B\"\r\nid = \"TH-02\"\r\n";
    std::fs::write(tree.join("b.toml"), bom).unwrap();
    rtm()
        .arg("fmt")
        .arg(&tree)
        .arg("--check")
        .assert()
        .code(2)
        .stdout("would reformat b.toml\nrtm: 1 file would be reformatted, 0 already formatted, 1 not read\n")
        .stderr(predicate::str::contains("rtm: a.toml: left alone: it is not valid TOML"));
    rtm().arg("fmt").arg(&tree).assert().code(2);
    assert_eq!(
        std::fs::read_to_string(tree.join("a.toml")).unwrap(),
        broken
    );
    // The byte-order mark and CR LF are kept.
    assert_eq!(
        std::fs::read_to_string(tree.join("b.toml")).unwrap(),
        "\u{feff}[[theme]]\r\nid = \"TH-02\"\r\ntitle = \"B\"\r\n"
    );
}

/// The README's quick start runs as written, from an empty folder, and
/// ends with a clean tree in the canonical layout.
#[test]
fn readme_quick_start_runs() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("## Quick start").nth(1).unwrap();
    let block = section.split("```sh\n").nth(1).unwrap();
    let block = block.split("```").next().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_rtm")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for line in block.lines().filter(|l| l.starts_with("rtm ")) {
        let out = std::process::Command::new("sh")
            .args(["-c", line])
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert_eq!(ran, 6);
    assert_eq!(findings(&dir.path().join("requirements")), Vec::new());
}

/// `rtm new` and `rtm decide` write from what the tree holds: while a node
/// file cannot be read (R001), its ids and its obligations are unknown, so
/// a new id could repeat one and a decision's fingerprint would be stale
/// once the file is mended. Both refuse, naming the file, and write
/// nothing.
#[test]
fn new_and_decide_refuse_while_a_file_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0002\"\ntitle = \"E\"\ncategory = \"optional\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[[requirement]]\nid = \"RTM-0003\"\ntitle = \"Later\"\nthis is not toml\n",
    )
    .unwrap();
    let before = snapshot(dir.path());
    rtm()
        .args([
            "new",
            "requirement",
            "--satisfies",
            "BR-001",
            "--title",
            "X",
            "--tree",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "b.toml cannot be read (invalid TOML",
        ))
        .stderr(predicate::str::contains(
            "its ids are unknown, so a new one could repeat one; fix it first; nothing was written",
        ));
    rtm()
        .args([
            "decide",
            "RTM-0002",
            "--about",
            "category",
            "--outcome",
            "noted",
            "--by",
            "OPSG",
            "--on",
            "2020-10-26",
            "--tree",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "b.toml: cannot be read (invalid TOML",
        ))
        .stderr(predicate::str::contains(
            "fix it first; nothing was written",
        ));
    assert_eq!(snapshot(dir.path()), before);
}

/// `rtm new --file` never writes through a linked folder (the node would
/// land outside the tree, where `rtm check` does not read it), and writes
/// link lists sorted as `rtm fmt` does.
#[cfg(unix)]
#[test]
fn new_refuses_a_linked_folder_and_sorts_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        tree.join("a.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\nthemes = [\"TH-01\"]\n\n[[business]]\nid = \"BR-002\"\ntitle = \"C\"\nthemes = [\"TH-01\"]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../outside", tree.join("ld")).unwrap();
    rtm()
        .args([
            "new",
            "theme",
            "--title",
            "Elsewhere",
            "--file",
            "ld/x.toml",
            "--tree",
        ])
        .arg(&tree)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ld is a symbolic link"));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    rtm()
        .args([
            "new",
            "requirement",
            "--satisfies",
            "BR-002",
            "BR-001",
            "BR-002",
            "--title",
            "Both",
            "--tree",
        ])
        .arg(&tree)
        .assert()
        .success();
    let text = std::fs::read_to_string(tree.join("requirement.toml")).unwrap();
    assert!(
        text.contains("satisfies = [\"BR-001\", \"BR-002\"]"),
        "{text}"
    );
    rtm().args(["fmt", "--check"]).arg(&tree).assert().success();
}

/// `rtm init` writes all its files or none: a `.schemas` that is a file
/// is refused before anything is written (it used to leave four files
/// and then fail).
#[test]
fn init_writes_all_its_files_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("t");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join(".schemas"), "not a folder\n").unwrap();
    rtm()
        .arg("init")
        .arg(&tree)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{} is not a folder",
            tree.join(".schemas").display()
        )))
        .stderr(predicate::str::contains("nothing was written"));
    let names: Vec<String> = std::fs::read_dir(&tree)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, [".schemas"]);
}
