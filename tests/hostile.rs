//! Hostile trees: inputs built to break a checker (huge, deep, looping,
//! unreadable, vanishing, look-alike), and the promise that rtm writes
//! nothing but the files it is asked to. Each test has one clear expected
//! outcome. Inputs are built at test time (in memory or in a temporary
//! folder); nothing big is committed. Crashing inputs found by the fuzz
//! targets (`fuzz/`) are kept at the end of this file.

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
use std::process::Command;

use rtm::Checked;
use rtm::load::{Entry, FileSet};
use rtm::rules::Code;

// ---------------------------------------------------------------- helpers

/// Checks a tree held in memory: `rtm.toml` (if any) and node files.
fn check_bytes(project: Option<&str>, files: &[(&str, &str)]) -> Checked {
    let set = FileSet {
        project: project.map(|p| Entry::Bytes(p.as_bytes().to_vec())),
        entries: files
            .iter()
            .map(|(n, t)| ((*n).to_owned(), Entry::Bytes(t.as_bytes().to_vec())))
            .collect(),
    };
    rtm::check_files(set, &rtm::Options::default())
}

/// Writes files (relative path → text) into a folder.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
}

/// The findings of one code: (file, line, column, message).
fn of_code(checked: &Checked, code: Code) -> Vec<(String, usize, usize, String)> {
    let s = &checked.model.sources;
    checked
        .findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| {
            let (line, column) = s.line_col(f.span);
            (
                s.path(f.span.file).to_owned(),
                line,
                column,
                f.message.clone(),
            )
        })
        .collect()
}

fn codes(checked: &Checked) -> Vec<&'static str> {
    checked
        .findings
        .iter()
        .map(|f| f.code.rule().code)
        .collect()
}

/// Runs `f` on a thread with a 2 MiB stack (the default of spawned
/// threads), so that a recursion that would overflow a small stack fails
/// the test instead of passing on a big main-thread stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// A small healthy tree: one node of each kind, all traced.
const HEALTHY: &str = r#"[[theme]]
id = "TH-01"
title = "Theme"
text = "Theme."

[[business]]
id = "BR-01"
title = "Business"
text = "Business."
themes = ["TH-01"]

[[requirement]]
id = "RTM-0001"
title = "Entry"
text = "Entry."
category = "optional"
satisfies = ["BR-01"]
"#;

/// A node file with one dangling link, on line 5, column 14.
const DANGLING: &str = r#"[[requirement]]
id = "RTM-0002"
title = "Dangling"
text = "Entry é."
satisfies = ["BR-99"]
category = "optional"
"#;

// ------------------------------------------------------- odd file types

/// A FIFO or a socket named `*.toml` (and a FIFO named `rtm.toml` at the
/// root) is R304 saying what it is, and is never opened: opening a FIFO
/// would wait for a writer for ever.
#[cfg(unix)]
#[test]
fn a_fifo_or_socket_named_toml_is_r304_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(root, &[("ok.toml", HEALTHY)]);
    for name in ["rtm.toml", "sub/pipe.toml"] {
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let made = Command::new("mkfifo")
            .arg(root.join(name))
            .status()
            .unwrap();
        assert!(made.success());
    }
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.toml")).unwrap();
    let checked = on_small_stack({
        let root = root.to_owned();
        move || rtm::check(&root).unwrap()
    });
    let got = of_code(&checked, Code::R304);
    let expected = [
        (
            "rtm.toml",
            "rtm.toml is a FIFO (named pipe) and was not read",
        ),
        ("sock.toml", "sock.toml is a socket and was not read"),
        (
            "sub/pipe.toml",
            "sub/pipe.toml is a FIFO (named pipe) and was not read",
        ),
    ];
    let expected: Vec<(String, usize, usize, String)> = expected
        .iter()
        .map(|(f, m)| ((*f).to_owned(), 1, 1, (*m).to_owned()))
        .collect();
    assert_eq!(got, expected);
    assert!(checked.findings.iter().all(|f| f.code != Code::R001));
    assert!(checked.model.nodes.iter().any(|n| n.id == "TH-01"));
}

/// A folder named `rtm.toml` is no project file: R304 says what it is, and
/// the project's classification being unknown, every document refuses
/// (FORMAT §10, fails closed) while `check` reads the rest of the tree.
#[test]
fn a_folder_named_rtm_toml_is_r304_and_documents_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(root, &[("ok.toml", HEALTHY)]);
    std::fs::create_dir(root.join("rtm.toml")).unwrap();

    let checked = rtm::check(root).unwrap();
    assert_eq!(
        of_code(&checked, Code::R304),
        [(
            "rtm.toml".to_owned(),
            1,
            1,
            "rtm.toml is a folder and was not read as the project file (the node files in it are read)".to_owned()
        )]
    );
    assert!(checked.model.nodes.iter().any(|n| n.id == "TH-01"));

    for args in [
        &["report", "."][..],
        &["review", "."],
        &["graph", "."],
        &["export", "csv", ".", "-o", "-"],
    ] {
        let out = rtm_cmd(root).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("rtm.toml is a folder and was not read"),
            "{args:?}: {err}"
        );
    }
}

/// A node file whose name is not UTF-8 is R001 naming it with the bad byte
/// escaped, and is not read; `rtm stamp` still stamps the rest of the tree.
#[cfg(target_os = "linux")]
#[test]
fn a_file_name_that_is_not_utf8_is_r001_with_the_name_escaped() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(root, &[("ok.toml", HEALTHY)]);
    std::fs::create_dir(root.join("dir")).unwrap();
    let bad = root.join("dir").join(OsStr::from_bytes(b"\xFFx.toml"));
    std::fs::write(&bad, DANGLING).unwrap();

    let checked = rtm::check(root).unwrap();
    let got = of_code(&checked, Code::R001);
    assert_eq!(
        got,
        [(
            "dir/\\xFFx.toml".to_owned(),
            1,
            1,
            "cannot read dir/\\xFFx.toml: its name is not valid UTF-8".to_owned()
        )]
    );
    assert!(!checked.model.nodes.iter().any(|n| n.id == "RTM-0002"));

    let out = rtm_cmd(root)
        .args([
            "stamp",
            "TH-01",
            "--by",
            "OPSG",
            "--on",
            "2026-01-02",
            "--tree",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        std::fs::read_to_string(root.join("ok.toml"))
            .unwrap()
            .contains("reviewed = ")
    );
    assert_eq!(std::fs::read(&bad).unwrap(), DANGLING.as_bytes());
    let out = rtm_cmd(root)
        .args(["stamp", "RTM-0002", "--by", "OPSG", "--tree", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no node has the id `RTM-0002`"), "{err}");
}

/// In `[[sec]]` limits, `equals` outside `[min, max]` is R002, like a min
/// greater than the max.
#[test]
fn equals_outside_min_and_max_is_r002() {
    let checked = check_bytes(
        None,
        &[(
            "a.toml",
            "[[sec]]\nid = \"S-1\"\ntitle = \"T\"\nlimits = { a = { min = 1, max = 5, equals = 9 }, b = { max = 5, equals = 5 }, c = { min = 2, equals = 1.5 } }\n",
        )],
    );
    let got: Vec<String> = of_code(&checked, Code::R002)
        .into_iter()
        .map(|(_, _, col, m)| format!("{col} {m}"))
        .collect();
    assert_eq!(
        got,
        [
            "16 `limits.a` has equals outside its min and max",
            "83 `limits.c` has equals outside its min and max"
        ]
    );
}

// ------------------------------------------------------- exact integers

/// A tree whose SEC obligations bound two figures with integers past 2^53,
/// where a 64-bit float can no longer tell neighbours apart.
fn big_numbers(first: &str, second: &str) -> String {
    format!(
        r#"[[theme]]
id = "TH-01"
title = "Theme"
text = "Theme."

[[business]]
id = "BR-01"
title = "Business"
text = "Business."
themes = ["TH-01"]

[[sec]]
id = "SEC-1"
title = "Counter stays within 2^53"
limits = {{ count = {{ max = 9007199254740992 }} }}

[[sec]]
id = "SEC-2"
title = "Serial stays below the largest"
limits = {{ serial = {{ max = 9223372036854775806 }} }}

[[requirement]]
id = "RTM-0001"
title = "Entry"
text = "Entry."
category = "mvp"
satisfies = ["BR-01"]
sec = ["SEC-1", "SEC-2"]
user_impact = "none"
values = {{ count = {first}, serial = {second} }}
"#
    )
}

/// `max = 9007199254740992` with the figure `9007199254740993` is R203
/// (as floats they are equal), and `9223372036854775807` prints as itself
/// in messages, JSON and the review pack.
#[test]
fn integers_are_compared_and_printed_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let tree = big_numbers("9007199254740993", "9223372036854775807");
    write_tree(dir.path(), &[("nodes.toml", &tree)]);
    let checked = rtm::check(dir.path()).unwrap();
    let got: Vec<String> = of_code(&checked, Code::R203)
        .into_iter()
        .map(|(_, _, _, m)| m)
        .collect();
    assert_eq!(
        got,
        [
            "RTM-0001 sets count = 9007199254740993 but SEC-1 allows at most 9007199254740992, and no deviation is declared",
            "RTM-0001 sets serial = 9223372036854775807 but SEC-2 allows at most 9223372036854775806, and no deviation is declared",
        ]
    );
    let json = rtm_cmd(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let json = String::from_utf8(json.stdout).unwrap();
    assert!(json.contains("serial = 9223372036854775807 but"), "{json}");
    let review = rtm_cmd(dir.path()).args(["review", "."]).output().unwrap();
    let review = String::from_utf8(review.stdout).unwrap();
    assert!(review.contains("at most 9223372036854775806"), "{review}");
    assert!(!review.contains("9223372036854775808"), "{review}");

    // Within the limit: no R203.
    write_tree(
        dir.path(),
        &[(
            "nodes.toml",
            &big_numbers("9007199254740992", "9223372036854775806"),
        )],
    );
    assert!(of_code(&rtm::check(dir.path()).unwrap(), Code::R203).is_empty());
}

/// A change between two integers a float cannot tell apart changes the
/// fingerprint (R108 on a stamped node) and shows in `rtm diff`.
#[test]
fn a_change_past_2_pow_53_is_seen_by_stamps_and_diff() {
    let base = tempfile::tempdir().unwrap();
    let head = tempfile::tempdir().unwrap();
    write_tree(
        base.path(),
        &[("nodes.toml", &big_numbers("9007199254740992", "1"))],
    );
    let out = rtm_cmd(base.path())
        .args([
            "stamp",
            "RTM-0001",
            "--by",
            "OPSG",
            "--on",
            "2026-01-02",
            "--tree",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stamped = std::fs::read_to_string(base.path().join("nodes.toml")).unwrap();
    let changed = stamped.replace("count = 9007199254740992,", "count = 9007199254740993,");
    assert_ne!(changed, stamped);
    write_tree(head.path(), &[("nodes.toml", &changed)]);
    assert!(of_code(&rtm::check(base.path()).unwrap(), Code::R108).is_empty());
    assert_eq!(
        of_code(&rtm::check(head.path()).unwrap(), Code::R108).len(),
        1
    );

    let out = rtm_cmd(head.path())
        .args(["diff"])
        .arg(base.path())
        .args([".", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = &v["nodes"]["changed"];
    assert_eq!(changed[0]["id"], "RTM-0001", "{v}");
    let text = changed.to_string();
    assert!(text.contains("\"count\":9007199254740992"), "{text}");
    assert!(text.contains("\"count\":9007199254740993"), "{text}");
}

// ------------------------------------------------------------ size limit

/// A 100 MiB node file (sparse: it takes no disk space and the test is
/// fast) is R001 naming the size limit. rtm reads the size from the open
/// file before reading any byte, so the file is never read into memory.
#[test]
fn a_100_mib_file_is_r001_naming_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("ok.toml", HEALTHY)]);
    let big = std::fs::File::create(dir.path().join("big.toml")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    drop(big);
    let checked = common::check(dir.path());
    let r001 = of_code(&checked, Code::R001);
    assert_eq!(
        r001,
        vec![(
            "big.toml".to_owned(),
            1,
            1,
            "big.toml is 104857600 bytes, over the limit of 16777216 bytes \
             (limits.max_file_bytes in rtm.toml)"
                .to_owned()
        )]
    );
    // The rest of the tree is checked.
    assert_eq!(checked.model.nodes.len(), 3);
    // (R113: the optional entry awaits the OPSG's input.)
    assert_eq!(codes(&checked), vec!["R001", "R113"]);
}

/// `[limits] max_file_bytes` changes the limit: a small limit makes a
/// small file R001, and a file at the limit exactly is read.
#[test]
fn max_file_bytes_in_rtm_toml_changes_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limit = HEALTHY.len();
    let config = format!("[limits]\nmax_file_bytes = {limit}\n");
    write_tree(
        dir.path(),
        &[
            ("rtm.toml", &config),
            ("at-limit.toml", HEALTHY),
            ("over.toml", &format!("{HEALTHY}\n")),
        ],
    );
    let checked = common::check(dir.path());
    assert_eq!(
        of_code(&checked, Code::R001),
        vec![(
            "over.toml".to_owned(),
            1,
            1,
            format!(
                "over.toml is {} bytes, over the limit of {limit} bytes \
                 (limits.max_file_bytes in rtm.toml)",
                limit + 1
            )
        )]
    );
    assert_eq!(checked.model.nodes.len(), 3);
}

// ------------------------------------------------------------ deep nesting

fn deep_arrays(levels: usize) -> String {
    format!("a = {}1{}\n", "[".repeat(levels), "]".repeat(levels))
}

fn deep_tables(levels: usize) -> String {
    format!("a = {}1{}\n", "{b=".repeat(levels), "}".repeat(levels))
}

/// 100,000 levels of nested arrays or inline tables: an R001, no stack
/// overflow, even on a 2 MiB stack. The TOML parser itself stops at 80
/// levels of arrays and inline tables (and 80 parts of a dotted key or a
/// table header); rtm reports that as nesting too deep, at the first
/// bracket past the parser's limit.
#[test]
fn a_100000_level_nesting_is_r001_without_overflowing_the_stack() {
    for (name, text) in [
        ("arrays.toml", deep_arrays(100_000)),
        ("tables.toml", deep_tables(100_000)),
        (
            "keys.toml",
            format!("{} = 1\n", vec!["k"; 100_000].join(".")),
        ),
        (
            "header.toml",
            format!("[{}]\nx = 1\n", vec!["k"; 100_000].join(".")),
        ),
    ] {
        let found = on_small_stack(move || {
            let checked = check_bytes(None, &[(name, &text)]);
            of_code(&checked, Code::R001)
        });
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        let (file, line, _, message) = &found[0];
        assert_eq!((file.as_str(), *line), (name, 1));
        assert!(message.contains("nest deeper than"), "{name}: {message}");
    }
    // Arrays: the 81st bracket, after `a = ` (4 characters).
    let checked = on_small_stack(|| {
        let text = deep_arrays(100_000);
        let c = check_bytes(None, &[("arrays.toml", &text)]);
        of_code(&c, Code::R001)
    });
    assert_eq!(checked[0].2, 4 + 81);
}

/// Nesting built from a table header, a dotted key and inline values can
/// pass the parser's limits and still go past `max_depth` (128 by
/// default): R001 naming the limit. A lower `max_depth` applies to
/// arrays too.
#[test]
fn nesting_past_max_depth_is_r001_naming_the_limit() {
    let header: Vec<String> = (0..70).map(|i| format!("h{i}")).collect();
    let dotted: Vec<String> = (0..70).map(|i| format!("d{i}")).collect();
    let text = format!("[{}]\n{} = 1\n", header.join("."), dotted.join("."));
    let checked = check_bytes(None, &[("deep.toml", &text)]);
    let r001 = of_code(&checked, Code::R001);
    assert_eq!(r001.len(), 1, "{r001:?}");
    assert!(
        r001[0]
            .3
            .contains("nest deeper than 128 levels (limits.max_depth in rtm.toml)"),
        "{r001:?}"
    );

    let config = "[limits]\nmax_depth = 5\n";
    let checked = check_bytes(
        Some(config),
        &[
            ("five.toml", &deep_arrays(4)),
            ("six.toml", &deep_arrays(5)),
        ],
    );
    let r001 = of_code(&checked, Code::R001);
    assert_eq!(r001.len(), 1, "{r001:?}");
    assert_eq!(r001[0].0, "six.toml");
    assert!(r001[0].3.contains("nest deeper than 5 levels"), "{r001:?}");
}

// ------------------------------------------------------------ symbolic links

/// A symbolic-link loop inside the tree and links pointing outside it are
/// not followed: one R304 note each, nothing outside is read, no hang.
#[cfg(unix)]
#[test]
fn symbolic_link_loops_and_links_outside_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write_tree(
        outside.path(),
        &[(
            "secret.toml",
            "[[theme]]\nid = \"TH-SECRET\"\ntitle = \"x\"\n",
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(root, &[("ok.toml", HEALTHY), ("sub/x.toml", HEALTHY)]);
    symlink(".", root.join("loop")).unwrap(); // a loop to the root
    symlink("..", root.join("sub/up")).unwrap(); // a loop from below
    symlink("b", root.join("a")).unwrap(); // a ↔ b, a loop of links
    symlink("a", root.join("b")).unwrap();
    symlink(outside.path(), root.join("out")).unwrap(); // a folder outside
    symlink(outside.path().join("secret.toml"), root.join("secret.toml")).unwrap();

    let checked = on_small_stack({
        let root = root.to_owned();
        move || common::check(&root)
    });
    let mut skipped: Vec<String> = of_code(&checked, Code::R304)
        .into_iter()
        .map(|(file, ..)| file)
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        ["a", "b", "loop", "out", "secret.toml", "sub/up"],
        "{}",
        common::listing(&checked)
    );
    assert!(checked.model.nodes.iter().all(|n| n.id != "TH-SECRET"));
    // ok.toml and sub/x.toml, each read once: R003 for the repeats only.
    assert_eq!(checked.model.nodes.len(), 6);
    assert_eq!(of_code(&checked, Code::R003).len(), 3);
}

// ------------------------------------------------------------ unreadable

/// An unreadable file is R001 for that file; the rest is checked.
///
/// `chmod 000` stops reads only for a user without `CAP_DAC_OVERRIDE`, and
/// CI runs as root. So the test first tries to read the file after the
/// chmod: when that fails (not root), it checks in process. When it
/// succeeds (root), it runs the `rtm` binary as the user `nobody` (uid and
/// gid 65534, supplementary groups dropped), from a copy of the binary in
/// a world-readable folder, so that the permission really stops the read.
/// If the system does not let root switch user, that half is skipped with
/// a note; the in-process half then falls back to a file that fails to
/// read for everyone: one replaced by a folder after the tree was listed
/// (`read` on a folder fails with EISDIR, even for root).
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_r001_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    write_tree(&root, &[("ok.toml", HEALTHY), ("z.toml", DANGLING)]);
    let locked = root.join("locked.toml");
    std::fs::write(&locked, HEALTHY).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&locked).is_ok();

    if !privileged {
        let checked = common::check(&root);
        let r001 = of_code(&checked, Code::R001);
        assert_eq!(r001.len(), 1, "{r001:?}");
        assert_eq!(r001[0].0, "locked.toml");
        assert!(
            r001[0].3.starts_with("cannot read locked.toml: "),
            "{r001:?}"
        );
        assert_eq!(of_code(&checked, Code::R004).len(), 1);
        return;
    }

    // Root: run rtm as nobody.
    for p in [dir.path(), root.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let bin = dir.path().join("rtm");
    std::fs::copy(env!("CARGO_BIN_EXE_rtm"), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = Command::new(&bin)
        .args(["check", "--format", "json"])
        .arg(&root)
        .current_dir(dir.path())
        .uid(65534)
        .gid(65534)
        .output();
    match run {
        Ok(out) => {
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
            });
            assert_eq!(out.status.code(), Some(1));
            let findings = json["findings"].as_array().unwrap();
            let r001: Vec<_> = findings.iter().filter(|f| f["code"] == "R001").collect();
            assert_eq!(r001.len(), 1, "{json}");
            assert_eq!(r001[0]["file"], "locked.toml");
            assert!(
                r001[0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("Permission denied"),
                "{json}"
            );
            assert_eq!(findings.iter().filter(|f| f["code"] == "R004").count(), 1);
        }
        Err(e) => eprintln!("note: cannot run rtm as nobody ({e}); skipped that half"),
    }

    // For everyone, root included: a file that turned into a folder after
    // the tree was listed cannot be read.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    let set = FileSet::from_dir(&root).unwrap();
    std::fs::remove_file(&locked).unwrap();
    std::fs::create_dir(&locked).unwrap();
    let checked = rtm::check_files(set, &rtm::Options::default());
    let r001 = of_code(&checked, Code::R001);
    assert_eq!(r001.len(), 1, "{r001:?}");
    assert_eq!(r001[0].0, "locked.toml");
    assert!(
        r001[0].3.starts_with("cannot read locked.toml: "),
        "{r001:?}"
    );
    assert_eq!(of_code(&checked, Code::R004).len(), 1);
}

/// A file removed or changed while the tree is walked: listed by
/// `FileSet::from_dir`, then deleted (or grown past the limit) before it
/// is read. Each is an R001 finding for that file, not a crash; the rest
/// of the tree is checked.
#[test]
fn a_file_removed_or_changed_during_the_walk_is_r001() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_tree(
        root,
        &[
            ("rtm.toml", "[limits]\nmax_file_bytes = 4096\n"),
            ("gone.toml", HEALTHY),
            ("grows.toml", DANGLING),
            ("ok.toml", HEALTHY),
            ("sub/gone-too.toml", DANGLING),
        ],
    );
    let set = FileSet::from_dir(root).unwrap();
    std::fs::remove_file(root.join("gone.toml")).unwrap();
    std::fs::remove_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("grows.toml"), "#".repeat(10_000)).unwrap();
    let checked = rtm::check_files(set, &rtm::Options::default());
    let r001 = of_code(&checked, Code::R001);
    let files: Vec<&str> = r001.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(files, ["gone.toml", "grows.toml", "sub/gone-too.toml"]);
    assert!(r001[0].3.starts_with("cannot read gone.toml: "), "{r001:?}");
    assert!(
        r001[1].3.contains("over the limit of 4096 bytes"),
        "{r001:?}"
    );
    // ok.toml was checked: its three nodes, no other finding.
    assert_eq!(checked.model.nodes.len(), 3);
    // (R113: the optional entry awaits the OPSG's input.)
    assert_eq!(codes(&checked), ["R001", "R001", "R113", "R001"]);

    // A removed rtm.toml: R001 on it, defaults apply.
    let set = FileSet::from_dir(root).unwrap();
    std::fs::remove_file(root.join("rtm.toml")).unwrap();
    let checked = rtm::check_files(set, &rtm::Options::default());
    let r001 = of_code(&checked, Code::R001);
    assert_eq!(r001.len(), 1);
    assert_eq!(r001[0].0, "rtm.toml");
    assert_eq!(checked.config.limits.max_file_bytes, 16 * 1024 * 1024);
}

// ------------------------------------------------------------ encodings

/// CRLF line endings and a UTF-8 byte-order mark are accepted, and every
/// place is the same as in the LF, no-BOM version.
#[test]
fn crlf_and_a_byte_order_mark_keep_places_exact() {
    let lf = check_bytes(
        Some("[project]\nvariants = [\"SB\"]\n"),
        &[("a.toml", HEALTHY), ("b.toml", DANGLING)],
    );
    let crlf = |s: &str| format!("\u{FEFF}{}", s.replace('\n', "\r\n"));
    let (config, a, b) = (
        crlf("[project]\nvariants = [\"SB\"]\n"),
        crlf(HEALTHY),
        crlf(DANGLING),
    );
    let windows = check_bytes(Some(&config), &[("a.toml", &a), ("b.toml", &b)]);
    assert_eq!(common::listing(&lf), common::listing(&windows));
    assert_eq!(
        of_code(&windows, Code::R004),
        vec![(
            "b.toml".to_owned(),
            5,
            14,
            "RTM-0002 satisfies BR-99, which does not exist".to_owned()
        )]
    );
    // The span still covers exactly the quoted id.
    let f = windows
        .findings
        .iter()
        .find(|f| f.code == Code::R004)
        .unwrap();
    let text = &windows.model.sources.file(f.span.file).text;
    assert_eq!(&text[f.span.range()], "\"BR-99\"");
    assert!(!text.starts_with('\u{FEFF}'));
}

/// One byte-order mark starts a file (FORMAT §9); a second U+FEFF right
/// after it is content TOML does not allow there: R001 at line 1, column 1
/// (the first mark is not counted, as for every place on that line), its
/// span exactly the second mark, one UTF-16 unit for the LSP. Whether the
/// file is read from disk, from bytes, or is `rtm.toml`.
#[test]
fn a_second_byte_order_mark_is_r001_at_its_place() {
    let message = "invalid TOML: a second byte-order mark (U+FEFF); a file may start with one only";
    let twice = format!("\u{FEFF}\u{FEFF}{HEALTHY}");
    let checked = check_bytes(
        Some("\u{FEFF}\u{FEFF}[project]\n"),
        &[
            ("a.toml", &twice),
            ("b.toml", &format!("\u{FEFF}{HEALTHY}")),
        ],
    );
    assert_eq!(
        of_code(&checked, Code::R001),
        vec![
            ("a.toml".to_owned(), 1, 1, message.to_owned()),
            ("rtm.toml".to_owned(), 1, 1, message.to_owned()),
        ],
        "{:?}",
        checked.findings
    );
    for f in checked.findings.iter().filter(|f| f.code == Code::R001) {
        let text = &checked.model.sources.file(f.span.file).text;
        assert_eq!(&text[f.span.range()], "\u{FEFF}");
    }

    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("a.toml", &twice)]);
    let out = rtm_cmd(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r001: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "R001")
        .map(|f| {
            (
                f["file"].clone(),
                f["line"].clone(),
                f["column"].clone(),
                f["message"].clone(),
            )
        })
        .collect();
    assert_eq!(
        r001,
        vec![(
            serde_json::json!("a.toml"),
            serde_json::json!(1),
            serde_json::json!(1),
            serde_json::json!(message)
        )],
        "{v:#}"
    );
}

// ------------------------------------------------------------ sizes

/// A 1,000,000-character title is read whole, and a finding after it on
/// the same line has the right column.
#[test]
fn a_million_character_title() {
    let title = "é".repeat(1_000_000);
    let text = format!(
        "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"{title}\"\ntext = \"t\"\n\
         category = \"optional\"\nsatisfies = [\"BR-X\"]\n"
    );
    let checked = check_bytes(None, &[("big.toml", &text)]);
    let node = checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == "RTM-0001")
        .unwrap();
    assert_eq!(node.title().map(|t| t.chars().count()), Some(1_000_000));
    assert_eq!(
        of_code(&checked, Code::R004)
            .iter()
            .map(|f| (f.1, f.2))
            .collect::<Vec<_>>(),
        [(6, 14)]
    );

    // On one line with the title: an inline table, the link after it.
    let inline = format!(
        "requirement = [{{ id = \"RTM-0001\", title = \"{title}\", text = \"t\", \
         category = \"optional\", satisfies = [\"BR-X\"] }}]\n"
    );
    let checked = check_bytes(None, &[("inline.toml", &inline)]);
    let r004 = of_code(&checked, Code::R004);
    let column = inline
        .find("\"BR-X\"")
        .map(|b| inline[..b].chars().count() + 1);
    assert_eq!(r004.iter().map(|f| Some(f.2)).collect::<Vec<_>>(), [column]);
}

/// 10,000 links on one node, all on one line, 5,000 of them dangling: one
/// R004 each, at the right column. Linear: each place is found through
/// the line index, and R004's "did you mean" suggestions are computed for
/// at most 100 dangling links. Timed by the `links` benchmark
/// (`cargo bench --bench scale`), not here.
#[test]
fn ten_thousand_links_on_one_node() {
    let n = 10_000;
    let mut text = String::from("[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n");
    for i in 0..n / 2 {
        text.push_str(&format!(
            "[[business]]\nid = \"BR-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-01\"]\n"
        ));
    }
    // Ids of the links: BR-00000 … BR-09999; the upper half dangles.
    let links: Vec<String> = (0..n).map(|i| format!("\"BR-{i:05}\"")).collect();
    let line = format!("satisfies = [{}]", links.join(", "));
    text.push_str(&format!(
        "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\n{line}\n"
    ));
    let line_no = text.lines().count();
    let checked = check_bytes(None, &[("links.toml", &text)]);
    let r004 = of_code(&checked, Code::R004);
    assert_eq!(r004.len(), n / 2);
    for (k, f) in r004.iter().enumerate() {
        let i = n / 2 + k;
        let column = line.find(&links[i]).unwrap() + 1;
        assert_eq!((f.1, f.2), (line_no, column), "{f:?}");
        assert_eq!(
            f.3,
            format!("RTM-0001 satisfies BR-{i:05}, which does not exist")
        );
    }
    // And R113: the optional entry awaits the OPSG's input.
    assert_eq!(codes(&checked).len(), n / 2 + 1);
}

/// 50,000 nodes in one file, with a `refines` chain 50,000 entries deep
/// (every rule walks it without recursion) and a dangling link every
/// 1,000 entries: exactly those findings, on a 2 MiB stack. Timed by the
/// `chain` benchmark (`cargo bench --bench scale`), not here.
#[test]
fn fifty_thousand_nodes_in_one_file() {
    let n = 50_000;
    let mut text = String::from(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n[[business]]\nid = \"BR-01\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-01\"]\n",
    );
    let mut expected = Vec::new();
    for i in 0..n {
        let link = if i == 0 {
            "satisfies = [\"BR-01\"]".to_owned()
        } else if i % 1000 == 0 {
            "refines = [\"RTM-MISSING\"]".to_owned()
        } else {
            format!("refines = [\"RTM-{:05}\"]", i - 1)
        };
        text.push_str(&format!(
            "[[requirement]]\nid = \"RTM-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\n{link}\n"
        ));
        if i % 1000 == 0 && i > 0 {
            expected.push(text.lines().count());
        }
    }
    let (r004, r103, nodes, total) = on_small_stack(move || {
        let checked = check_bytes(None, &[("many.toml", &text)]);
        let view = rtm::view::View::new(&checked, None).unwrap();
        let report = rtm::report::traceability::write(&view, &Default::default());
        assert!(report.contains("RTM-49999"));
        (
            of_code(&checked, Code::R004),
            of_code(&checked, Code::R103).len(),
            checked.model.nodes.len(),
            checked.findings.len(),
        )
    });
    assert_eq!(nodes, n + 2);
    assert_eq!(r004.iter().map(|f| f.1).collect::<Vec<_>>(), expected);
    // Every entry from a break up to the next one reaches nothing.
    assert_eq!(r103, n - 1000);
    // And one R113 per entry: each optional entry awaits the OPSG's input.
    assert_eq!(total, r004.len() + r103 + n);
}

// ------------------------------------------------------------ look-alikes

/// Ids that differ only by case or by look-alike characters are R303
/// warnings, on the later definition, with the earlier in `related`.
#[test]
fn ids_differing_by_case_or_confusables_are_r303() {
    let text = r#"[[modification]]
id = "RTM-0001"
title = "t"
stage = "approved"

[[modification]]
id = "rtm-0001"
title = "t"
stage = "approved"

[[modification]]
id = "RТM-0002"
title = "Cyrillic Т"
stage = "approved"

[[modification]]
id = "RTM-0002"
title = "t"
stage = "approved"

[[modification]]
id = "RTM-0003"
title = "unrelated"
stage = "approved"
"#;
    let checked = check_bytes(None, &[("ids.toml", text)]);
    let r303: Vec<(usize, &str, String)> = checked
        .findings
        .iter()
        .filter(|f| f.code == Code::R303)
        .map(|f| {
            (
                checked.model.sources.line_col(f.span).0,
                f.node.as_deref().unwrap_or(""),
                f.related[0].node.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        r303,
        [
            (7, "rtm-0001", "RTM-0001".to_owned()),
            (17, "RTM-0002", "RТM-0002".to_owned()),
        ]
    );
    assert!(
        checked
            .findings
            .iter()
            .filter(|f| f.code == Code::R303)
            .all(|f| f.level == rtm::rules::Level::Warning)
    );
}

// ------------------------------------------------------------ safe writing

/// Every file below `root`: its bytes, modification time and mode.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, std::time::SystemTime, u32)> {
    let mut out = BTreeMap::new();
    for e in walk(root) {
        let meta = std::fs::symlink_metadata(&e).unwrap();
        let bytes = if meta.is_file() {
            std::fs::read(&e).unwrap()
        } else {
            Vec::new()
        };
        #[cfg(unix)]
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        #[cfg(not(unix))]
        let mode = 0;
        out.insert(
            e.strip_prefix(root).unwrap().to_owned(),
            (bytes, meta.modified().unwrap(), mode),
        );
    }
    out
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            out.push(e.path());
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

fn rtm_cmd(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rtm"));
    c.current_dir(cwd).env("NO_COLOR", "1");
    c
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

/// `rtm check` (every format), `rtm report`, `review` and `graph` to
/// standard output write nothing at all: the tree's files keep their bytes,
/// times and modes, and the working folder stays empty.
#[test]
fn reading_commands_write_nothing() {
    let tree = common::copy_tree(&bundled());
    let cwd = tempfile::tempdir().unwrap();
    let before = snapshot(tree.path());
    let t = tree.path().to_str().unwrap();
    for args in [
        vec!["check", t],
        vec!["check", t, "--format", "json"],
        vec!["check", t, "--format", "sarif"],
        vec!["check", t, "--format", "github"],
        vec!["report", t],
        vec!["review", t, "--format", "html"],
        vec!["graph", t, "--format", "mermaid"],
    ] {
        let out = rtm_cmd(cwd.path()).args(&args).output().unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(snapshot(tree.path()), before);
    assert!(walk(cwd.path()).is_empty());
}

/// `-o FILE` writes that file and nothing else (no temporary file left),
/// and replaces an old file whole.
#[test]
fn dash_o_writes_only_the_file_given() {
    let tree = common::copy_tree(&bundled());
    let out_dir = tempfile::tempdir().unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let before = snapshot(tree.path());
    let target = out_dir.path().join("report.md");
    std::fs::write(&target, "old").unwrap();
    for args in [
        vec!["report"],
        vec!["review", "--format", "html"],
        vec!["graph"],
    ] {
        let out = rtm_cmd(cwd.path())
            .args(&args)
            .arg(tree.path())
            .arg("-o")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(out.stdout.is_empty());
        let files = walk(out_dir.path());
        assert_eq!(files, std::slice::from_ref(&target), "{args:?}");
        let text = std::fs::read_to_string(&target).unwrap();
        assert!(text.len() > 100 && text != "old");
    }
    assert_eq!(snapshot(tree.path()), before);
    assert!(walk(cwd.path()).is_empty());
}

/// Runs `rtm report BUNDLED -o TARGET` under `umask 022`.
#[cfg(unix)]
fn report_to(target: &Path) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_rtm"))
        .arg("report")
        .arg(bundled())
        .arg("-o")
        .arg(target)
        .output()
        .unwrap()
}

/// `-o` onto a character device writes into it: the device is not replaced
/// by a plain file (as root, renaming over `/dev/null` would succeed). A
/// device made with `mknod` (the same as `/dev/null`) is used when the
/// system allows it, so that a regression cannot break the real one.
#[cfg(unix)]
#[test]
fn dash_o_onto_a_device_writes_into_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("null");
    let made_ok = Command::new("mknod")
        .arg(&made)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let target = if made_ok {
        made
    } else {
        PathBuf::from("/dev/null")
    };
    let out = report_to(&target);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let meta = std::fs::symlink_metadata(&target).unwrap();
    assert!(meta.file_type().is_char_device(), "{meta:?}");
    if made_ok {
        assert_eq!(walk(dir.path()), [target]);
    }
}

/// `-o /dev/stdout` writes to standard output, a pipe here (its link in
/// `/proc` names the pipe, not a path to replace).
#[cfg(target_os = "linux")]
#[test]
fn dash_o_dev_stdout_writes_to_standard_output() {
    let cwd = tempfile::tempdir().unwrap();
    let out = rtm_cmd(cwd.path())
        .arg("report")
        .arg(bundled())
        .args(["-o", "/dev/stdout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let expected = rtm_cmd(cwd.path())
        .arg("report")
        .arg(bundled())
        .output()
        .unwrap()
        .stdout;
    assert_eq!(out.stdout, expected);
    assert!(walk(cwd.path()).is_empty());
}

/// `-o -` writes to standard output, as most tools do: the same bytes as
/// without `-o` (documents) or as into a file (exports), and no file
/// called `-`.
#[cfg(unix)]
#[test]
fn dash_o_dash_writes_to_standard_output() {
    let cwd = tempfile::tempdir().unwrap();
    let tree = bundled();
    let run = |args: &[&str]| {
        let out = rtm_cmd(cwd.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        out.stdout
    };
    let tree = tree.to_str().unwrap();
    assert_eq!(run(&["report", tree, "-o", "-"]), run(&["report", tree]));
    for (kind, file) in [("csv", "x.csv"), ("xlsx", "x.xlsx"), ("reqif", "x.reqif")] {
        let piped = run(&["export", kind, tree, "-o", "-"]);
        run(&["export", kind, tree, "-o", file]);
        let written = std::fs::read(cwd.path().join(file)).unwrap();
        assert!(piped == written, "{kind}");
        std::fs::remove_file(cwd.path().join(file)).unwrap();
    }
    assert!(walk(cwd.path()).is_empty(), "{:?}", walk(cwd.path()));
}

/// A reader that stops reading (`rtm check | head`) ends the output
/// quietly: nothing on standard error, and the status the command has
/// (1 for a tree with errors, 0 for a document).
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_output_quietly_with_the_command_s_status() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    // 3,000 links to a missing business requirement: more output than a
    // pipe holds.
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "[[requirement]]\nid = \"RTM-{i:04}\"\ntitle = \"Entry {i}\"\ntext = \"x\"\n\
             category = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-404\"]\n\n"
        ));
    }
    std::fs::write(tree.join("entries.toml"), text).unwrap();
    for (args, status) in [
        (vec!["check", "--format", "json"], 1),
        (vec!["check"], 1),
        (vec!["report"], 0),
        (vec!["export", "csv", "-o", "-"], 0),
    ] {
        let mut child = rtm_cmd(dir.path())
            .args(&args[..1])
            .args(if args[0] == "export" {
                &args[1..2]
            } else {
                &[][..]
            })
            .arg(&tree)
            .args(if args[0] == "export" {
                &args[2..]
            } else {
                &args[1..]
            })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        let mut stdout = child.stdout.take().unwrap();
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

/// `-o` onto a FIFO writes the document into it (read from a thread), and
/// the FIFO stays a FIFO.
#[cfg(unix)]
#[test]
fn dash_o_onto_a_fifo_writes_into_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = report_to(&fifo);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Checked before joining: had the FIFO been replaced, the reader would
    // wait for a writer for ever.
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    let got = reader.join().unwrap();
    let expected = rtm_cmd(dir.path())
        .arg("report")
        .arg(bundled())
        .output()
        .unwrap()
        .stdout;
    assert_eq!(got, expected);
    assert_eq!(walk(dir.path()), [fifo]);
}

/// `-o` onto a symbolic link replaces the file it names; the link stays a
/// link. An existing file keeps its permissions; a new one gets 0666 less
/// the umask (0644), not a temporary file's 0600.
#[cfg(unix)]
#[test]
fn dash_o_follows_a_link_and_sets_usual_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.md");
    std::fs::write(&real, "old").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = dir.path().join("link.md");
    std::os::unix::fs::symlink("real.md", &link).unwrap();
    let out = report_to(&link);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real.md"));
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.starts_with('#') && text.len() > 100, "{text}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&real), 0o640);

    let new = dir.path().join("new.md");
    let out = report_to(&new);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(mode(&new), 0o644);
    let mut files = walk(dir.path());
    files.sort();
    assert_eq!(files, [link, new, real]);
}

/// `-o` into a folder that does not exist names the file asked for, never
/// the temporary file.
#[test]
fn dash_o_into_a_missing_folder_names_the_file() {
    let cwd = tempfile::tempdir().unwrap();
    let out = rtm_cmd(cwd.path())
        .arg("report")
        .arg(bundled())
        .args(["-o", "out/x.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim(), "rtm: out/x.md: no such folder out");
    assert!(walk(cwd.path()).is_empty());
}

/// A write that fails midway leaves the old file whole and no temporary
/// file: the file-size limit (`ulimit -f`, with SIGXFSZ ignored so that
/// the write returns EFBIG) stops rtm after 512 bytes of a longer report.
/// Permissions cannot be used: tests run as root in CI.
#[cfg(unix)]
#[test]
fn a_write_that_fails_midway_leaves_the_old_file_whole() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("report.md");
    let old = "old report\n".repeat(1000);
    std::fs::write(&target, &old).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1 && exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_rtm"))
        .arg("report")
        .arg(bundled())
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("report.md"),
        "{out:?}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), old);
    assert_eq!(walk(out_dir.path()), [target]);
}

/// `rtm stamp` rewrites only the files holding the nodes it stamps,
/// atomically (no temporary file left), and leaves every other file as it
/// was.
#[test]
fn stamp_writes_only_the_files_of_the_stamped_nodes() {
    let tree = common::copy_tree(&bundled());
    let cwd = tempfile::tempdir().unwrap();
    let checked = common::check(tree.path());
    let node = checked
        .model
        .nodes
        .iter()
        .find(|n| n.kind == rtm::model::Kind::Requirement)
        .unwrap();
    let file = PathBuf::from(checked.model.sources.path(node.file()));
    let before = snapshot(tree.path());
    let out = rtm_cmd(cwd.path())
        .args([
            "stamp",
            &node.id,
            "--by",
            "OPSG",
            "--on",
            "2021-01-01",
            "--tree",
        ])
        .arg(tree.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let after = snapshot(tree.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    // Files only: a folder's time changes when a file in it is replaced.
    let changed: Vec<&PathBuf> = before
        .iter()
        .filter(|(k, _)| tree.path().join(k).is_file())
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(changed, [&file]);
    assert!(walk(cwd.path()).is_empty());
}

// ------------------------------------------------------------ fuzz regressions

/// Decodes a `tree` fuzz input as `fuzz/fuzz_targets/tree.rs` does: parts
/// split on NUL, the first `rtm.toml`, each other an entry whose first byte
/// picks its folder and kind.
fn fuzz_tree(data: &[u8]) -> FileSet {
    const FOLDERS: [&str; 6] = ["", "sub/", "sub/deep/", "Z/", "é/", "sub/é/"];
    let parts: Vec<&[u8]> = data.splitn(9, |&b| b == 0).collect();
    let mut entries = Vec::new();
    for (i, part) in parts.iter().skip(1).enumerate() {
        let (head, body) = part.split_first().map_or((0, &[][..]), |(h, b)| (*h, b));
        let name = format!("{}f{i}.toml", FOLDERS[usize::from(head) % FOLDERS.len()]);
        let entry = match head >> 5 {
            6 => Entry::Symlink,
            7 => Entry::Unreadable(String::from_utf8_lossy(body).into_owned()),
            _ => Entry::Bytes(body.to_vec()),
        };
        entries.push((name, entry));
    }
    FileSet {
        project: parts
            .first()
            .filter(|p| !p.is_empty())
            .map(|p| Entry::Bytes(p.to_vec())),
        entries,
    }
}

/// Checks a fuzz input's tree and renders it in every format, as the fuzz
/// harness does; returns the codes of the findings.
fn run_fuzz_input(set: FileSet) -> Vec<&'static str> {
    let options = rtm::Options {
        today: Some(jiff::civil::date(2021, 1, 1)),
        ..Default::default()
    };
    let checked = rtm::check_files(set, &options);
    let mut json = Vec::new();
    rtm::render::json::write(&mut json, "tree", &checked).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        doc["findings"].as_array().map(Vec::len),
        Some(checked.findings.len())
    );
    let mut human = Vec::new();
    let style = rtm::render::human::Style {
        color: false,
        width: 100,
        snippets: true,
    };
    rtm::render::human::write(&mut human, &checked, style).unwrap();
    let mut sarif = Vec::new();
    rtm::render::sarif::write(&mut sarif, Path::new("tree"), &checked).unwrap();
    let view = rtm::view::View::new(&checked, None).unwrap();
    let review = rtm::report::review::write(&view, &Default::default());
    let _ = rtm::report::html::page_for(&view, &review);
    let _ = rtm::report::traceability::write(&view, &Default::default());
    codes(&checked)
}

/// `tree`, 2,603 bytes: a timeout (15 s on one input) in the first
/// 10-minute run. It runs in about 5 ms: the machine was saturated by a
/// parallel release build and benchmark at that moment, and 3,000 runs of
/// the same input showed no slow one. Kept so that it stays fast.
#[test]
fn fuzz_tree_timeout_cf0ef289() {
    let data = std::fs::read(common::fixture("fuzz-regressions/tree-timeout-cf0ef289")).unwrap();
    let codes = run_fuzz_input(fuzz_tree(&data));
    // Its one node file is broken TOML (a mangled `[[requirement.deviations]]`).
    assert_eq!(codes, ["R001"]);
}

// ------------------------------------------------- terminal control codes

/// The control characters in a text: every C0 control but tab and line
/// feed (ESC, BEL, CR, NUL…), DEL, and the C1 controls (U+0080 to U+009F).
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'))
        .collect()
}

/// Node content with terminal control codes (an ESC that clears the
/// screen, BEL, CR, NUL, DEL and C1's CSI) in ids, titles, text,
/// `user_impact` (which R211 quotes), a file name, and a file with raw
/// control bytes (R001 shows its line): every output for people shows
/// them escaped (`\u{1b}`), never raw.
#[test]
fn control_characters_in_content_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let nasty = r"\u001b[2J\u0007\r\u0000\u007f\u009b";
    let nodes = format!(
        r#"[[theme]]
id = "TH-01"
title = "Theme {nasty} end"
text = "Text {nasty} end"

[[business]]
id = "BR-001"
title = "Business {nasty} end"
text = "Business text."
themes = ["TH-01"]

[[requirement]]
id = "RTM-0001"
title = "Entry {nasty} end"
text = "Entry text {nasty} end"
category = "mvp"
satisfies = ["BR-001", "BR-{nasty}"]
user_impact = "x{nasty} clear"
"#
    );
    write_tree(
        dir.path(),
        &[
            ("nodes.toml", nodes.as_str()),
            ("raw.toml", "a = \"x\u{1b}[2J\u{7}y\"\n# c\rd \u{9b}\n"),
            ("e\u{1b}[2Jf.toml", ""),
        ],
    );
    let run = |args: &[&str]| {
        let out = common::rtm().args(args).arg(dir.path()).output().unwrap();
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let human = run(&["check"]);
    let github = run(&["check", "--format", "github"]);
    let dot = run(&["graph", "--format", "dot"]);
    let mermaid = run(&["graph", "--format", "mermaid"]);
    let report = run(&["report"]);
    let report_html = run(&["report", "--format", "html"]);
    let review = run(&["review"]);
    let review_html = run(&["review", "--format", "html"]);
    let diagram = report
        .split("```mermaid")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap();
    for (name, text) in [
        ("human", &human),
        ("github", &github),
        ("dot", &dot),
        ("mermaid", &mermaid),
        ("report diagram", &diagram.to_owned()),
        ("report", &report),
        ("report html", &report_html),
        ("review", &review),
        ("review html", &review_html),
    ] {
        assert_eq!(raw_controls(text), Vec::<char>::new(), "{name}:\n{text}");
    }
    // What was there is shown, escaped.
    assert!(
        human.contains(r"needs Users to change: x\u{1b}[2J\u{7}\u{d}\u{0}\u{7f}\u{9b} clear"),
        "{human}"
    );
    assert!(
        human.contains(r"e\u{1b}[2Jf.toml defines no node"),
        "{human}"
    );
    assert!(human.contains(r#"1 │ a = "x\u{1b}[2J\u{7}y""#), "{human}");
    // The header names the file's place, not the escaped text's.
    assert!(human.contains("[raw.toml:2:5]"), "{human}");
    assert!(
        github.contains(r"needs Users to change: x\u{1b}[2J\u{7}%0D\u{0}\u{7f}\u{9b} clear"),
        "{github}"
    );
    assert!(github.contains(r"file="), "{github}");
    assert!(github.contains(r"e\u{1b}[2Jf.toml,line=1"), "{github}");
    // Each finding is one workflow command: no line starts otherwise.
    for line in github.lines() {
        assert!(
            line.starts_with("::") || line.starts_with("rtm: "),
            "{line}"
        );
    }
    assert!(
        dot.contains(r"Entry \\u{1b}[2J\\u{7} \\u{0}\\u{7f}\\u{9b} end"),
        "{dot}"
    );
    assert!(
        mermaid.contains(r"Entry \u{1b}[2J\u{7} \u{0}\u{7f}\u{9b} end"),
        "{mermaid}"
    );
    assert!(
        diagram.contains(r"Theme \u{1b}[2J\u{7} \u{0}\u{7f}\u{9b} end"),
        "{diagram}"
    );
}

/// Mermaid reads a `%%{…}%%` directive anywhere, even inside a quoted
/// label, and Mermaid and Graphviz both decode `&amp;` in a label: a title
/// holding them must neither break nor restyle a diagram, and is drawn as
/// written.
#[test]
fn directives_and_entities_in_titles_are_drawn_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = r#"[[theme]]
id = "TH-01"
title = "Plan %%{init: {'theme':'dark'}}%% & &amp; done"
text = "t"

[[business]]
id = "BR-001"
title = "Rate %%{x"
text = "b"
themes = ["TH-01"]

[[requirement]]
id = "RTM-0001"
title = "Entry"
text = "e"
category = "mvp"
satisfies = ["BR-001"]
user_impact = "none"
"#;
    // The handling text, from `rtm.toml`, is in the graph's comment.
    let config = "[project]\nname = \"P\"\n[classification.handling]\nwhite = \"ok %%{init: {'theme':'dark'}}%% end\"\n";
    write_tree(dir.path(), &[("nodes.toml", nodes), ("rtm.toml", config)]);
    let run = |args: &[&str]| {
        let out = common::rtm().args(args).arg(dir.path()).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let mermaid = run(&["graph", "--format", "mermaid"]);
    let report = run(&["report"]);
    let diagram = report
        .split("```mermaid")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap()
        .to_owned();
    for (name, text) in [("mermaid", &mermaid), ("report diagram", &diagram)] {
        // Only the opening comment of `rtm graph` starts with `%%`.
        let body = text
            .strip_prefix("%% rtm traceability graph;")
            .unwrap_or(text);
        assert!(!body.contains('%'), "{name}:\n{text}");
        assert!(!text.contains('&'), "{name}:\n{text}");
    }
    assert!(
        mermaid.contains("Plan #37;#37;{init: {'theme':'dark'}}#37;#37; #38; #38;amp; done"),
        "{mermaid}"
    );
    assert!(mermaid.contains("Rate #37;#37;{x"), "{mermaid}");
    let dot = run(&["graph", "--format", "dot"]);
    assert!(
        dot.contains("Plan %%{init: {'theme':'dark'}}%% &amp; &amp;amp; done"),
        "{dot}"
    );
}

/// A `refines` chain far deeper than a thread's stack is checked: the
/// strong components and the loops are found without recursion (a chain
/// of 60,000 links aborted the process with a stack overflow).
#[test]
fn a_refines_chain_deeper_than_the_stack_is_checked() {
    let n = 60_000;
    let mut nodes = String::from(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n",
    );
    for i in 0..n {
        nodes.push_str(&format!(
            "\n[[requirement]]\nid = \"RTM-{i:05}\"\ntitle = \"r\"\ntext = \"r\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\nrefines = [\"RTM-{:05}\"]\n",
            (i + 1) % n
        ));
    }
    for (ring, code) in [(true, 1), (false, 0)] {
        let dir = tempfile::tempdir().unwrap();
        let text = if ring {
            nodes.clone()
        } else {
            nodes.replace("refines = [\"RTM-00000\"]\n", "")
        };
        write_tree(dir.path(), &[("a.toml", text.as_str())]);
        let out = common::rtm()
            .args(["check", "--format", "json"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "ring {ring}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let loops: Vec<&serde_json::Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "R006")
            .collect();
        if ring {
            assert_eq!(loops.len(), 1);
            assert_eq!(loops[0]["node"], "RTM-00000");
            assert_eq!(loops[0]["related"].as_array().unwrap().len(), n - 1);
        } else {
            assert!(loops.is_empty());
        }
    }
}
