//! The command line: exit statuses, formats, `explain` and `rules`.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::rtm;

use common::fixture;
use predicates::prelude::*;

fn json(args: &[&str]) -> serde_json::Value {
    let out = rtm().args(args).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn clean_tree_exits_0() {
    rtm()
        .args(["check"])
        .arg(fixture("rules/R203/quiet"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("rtm: 0 errors"));
}

#[test]
fn errors_exit_1() {
    rtm()
        .args(["check"])
        .arg(fixture("rules/R004/fires"))
        .assert()
        .code(1);
}

#[test]
fn unreadable_tree_exits_2_with_nothing_on_stdout() {
    rtm()
        .args(["check", "no/such/folder"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no/such/folder: no such folder"));
    rtm()
        .args(["check", "--format", "json"])
        .arg(fixture("mixed/healthy.toml"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("not a folder"));
}

#[test]
fn bad_command_line_exits_2() {
    rtm().args(["check", "--format", "yaml"]).assert().code(2);
    rtm().args(["frobnicate"]).assert().code(2);
    rtm().args(["explain", "R999"]).assert().code(2).stdout("");
}

#[test]
fn empty_folder_is_a_clean_tree() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn deny_warnings_fails_on_warnings_only() {
    // R106 is a warning, and the only finding of this tree.
    let tree = fixture("rules/R106/fires");
    let v = json(&["check", "--format", "json", tree.to_str().unwrap()]);
    assert_eq!(v["summary"]["errors"], 0);
    assert!(v["summary"]["warnings"].as_u64().unwrap() > 0);
    rtm().arg("check").arg(&tree).assert().code(0);
    rtm()
        .args(["check", "--deny-warnings"])
        .arg(&tree)
        .assert()
        .code(1);
    // Severities are unchanged by --deny-warnings.
    let denied = json(&[
        "check",
        "--deny-warnings",
        "--format",
        "json",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(denied["summary"], v["summary"]);
    // Notes never fail.
    rtm()
        .args(["check", "--deny-warnings"])
        .arg(fixture("rules/R304/quiet"))
        .assert()
        .code(0);
}

#[test]
fn broken_files_do_not_hide_healthy_ones() {
    let tree = fixture("mixed");
    let out = rtm()
        .args(["check", "--format", "json"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!("{} {}:{}:{}", f["code"], f["file"], f["line"], f["column"]).replace('"', "")
        })
        .collect();
    assert_eq!(
        got,
        [
            "R004 healthy.toml:19:24",
            "R001 latin1.toml:5:11",
            "R001 truncated.toml:5:32",
            "R103 typo.toml:4:6",
            "R002 typo.toml:8:1",
        ]
    );
}

/// FORMAT §6, field for field: key order, types, nulls and `related`.
#[test]
fn json_matches_the_contract() {
    let tree = fixture("rules/R203/fires");
    let out = rtm()
        .args(["check", "--format", "json"])
        .arg(&tree)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["findings", "root", "summary", "version"]); // serde_json sorts
    // The document itself keeps the contract's order.
    let order = ["\"version\"", "\"root\"", "\"summary\"", "\"findings\""];
    let pos: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    assert_eq!(v["version"], 1);
    assert_eq!(v["root"], tree.to_str().unwrap());
    let nodes = v["summary"]["nodes"].as_object().unwrap();
    let kinds: Vec<&str> = nodes.keys().map(String::as_str).collect();
    assert_eq!(
        kinds,
        ["business", "modification", "requirement", "sec", "theme"]
    );
    let f = &v["findings"][0];
    for key in [
        "code", "rule", "severity", "message", "node", "file", "line", "column", "related",
    ] {
        assert!(f.get(key).is_some(), "missing {key}");
    }
    assert_eq!(f.as_object().unwrap().len(), 9);
    assert_eq!(f["code"], "R203");
    assert_eq!(f["rule"], "undeclared-deviation");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        "RTM-0001 sets poa_latency_s = 61 but SEC-POA-60 allows at most 60, and no deviation is declared"
    );
    let r = &f["related"][0];
    assert_eq!(r.as_object().unwrap().len(), 5);
    assert_eq!(r["node"], "SEC-POA-60");
    assert_eq!(r["message"], "limit defined here");
    // A finding with no node has `"node": null`.
    let broken = json(&[
        "check",
        "--format",
        "json",
        fixture("mixed").to_str().unwrap(),
    ]);
    let r001 = broken["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "R001")
        .unwrap();
    assert!(r001["node"].is_null());
    assert_eq!(r001["related"], serde_json::json!([]));
}

#[test]
fn json_snapshot() {
    let out = rtm()
        .current_dir(fixture("rules/R203"))
        .args(["check", "--format", "json", "fires"])
        .output()
        .unwrap();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// On a terminal (a pseudo-terminal, through `script`), `--color auto` (the
/// default) colours the output, and `NO_COLOR` turns it off.
#[test]
fn colour_on_a_terminal_only() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is missing");
        return;
    }
    let tree = fixture("rules/R203/fires");
    let on_tty = |no_color: Option<&str>| {
        let command = format!("{} check {}", env!("CARGO_BIN_EXE_rtm"), tree.display());
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &command, "/dev/null"])
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    let coloured = on_tty(None);
    assert!(coloured.contains("R203"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}["),
        "no colour on a terminal: {coloured:?}"
    );
    let plain = on_tty(Some("1"));
    assert!(plain.contains("R203"), "{plain}");
    assert!(
        !plain.contains("\u{1b}["),
        "colour despite NO_COLOR: {plain:?}"
    );
}

#[test]
fn human_snapshot() {
    for case in ["R003", "R005", "R203", "R001"] {
        let out = rtm()
            .current_dir(fixture(&format!("rules/{case}")))
            .args(["check", "fires"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains('\u{1b}'), "colour in non-terminal output");
        insta::assert_snapshot!(format!("human-{case}"), text);
    }
}

/// The rules find in family order (links before coverage), file by file:
/// here that puts b.toml's R004 before a.toml's R101, so the order shown
/// is the sort's, not the order of finding.
#[test]
fn findings_are_sorted_by_file_line_column_code() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rtm.toml"), "[project]\nname = \"P\"\n").unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.toml"),
        "[[theme]]\nid = \"TH-02\"\ntitle = \"t\"\ntext = \"t\"\n\n\
         [[business]]\nid = \"BR-001\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-02\"]\n\n\
         [[requirement]]\nid = \"RTM-0001\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\n\
         user_impact = \"none\"\nsatisfies = [\"BR-001\", \"BR-404\"]\nrefines = [\"RTM-0404\"]\n",
    )
    .unwrap();
    let v = json(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let keys: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{}",
                f["code"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    assert_eq!(
        keys,
        ["R101 a.toml:2:6", "R004 b.toml:18:24", "R004 b.toml:19:12"],
        "{v:#}"
    );
}

#[test]
fn explain_by_code_and_by_name() {
    rtm()
        .args(["explain", "R203"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# R203 undeclared-deviation"));
    rtm()
        .args(["explain", "contingent-deviation"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("# R207 contingent-deviation"));
}

#[test]
fn rules_lists_every_rule() {
    let out = rtm().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for rule in rtm::rules::RULES {
        let line = text
            .lines()
            .find(|l| l.starts_with(rule.code))
            .unwrap_or_else(|| panic!("{} missing", rule.code));
        assert!(line.contains(rule.name) && line.contains(rule.default.as_str()));
    }
    assert_eq!(text.lines().count(), rtm::rules::RULES.len());
}

#[test]
fn rule_levels_are_overridden_in_rtm_toml() {
    let dir = common::copy_tree(&fixture("rules/R106/fires"));
    let rtm_toml = dir.path().join("rtm.toml");
    let old = std::fs::read_to_string(&rtm_toml).unwrap_or_default();
    let new = if old.contains("[rules]") {
        old.replace("[rules]", "[rules]\nsec-uncovered = \"error\"")
    } else {
        format!("{old}\n[rules]\nsec-uncovered = \"error\"\n")
    };
    std::fs::write(&rtm_toml, new).unwrap();
    let v = json(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let r106: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "R106")
        .collect();
    assert!(!r106.is_empty());
    assert!(r106.iter().all(|f| f["severity"] == "error"));
    rtm().arg("check").arg(dir.path()).assert().code(1);
}

#[test]
fn bad_rtm_toml_is_reported_and_nodes_still_checked() {
    let dir = common::copy_tree(&fixture("rules/R004/fires"));
    std::fs::write(
        dir.path().join("rtm.toml"),
        "[project]\nname = \"x\"\nvariant = [\"SB\"]\n\n[ids]\nrequirement = \"RTM-(\"\n\n[rules]\nR001 = \"off\"\nR999 = \"off\"\nR106 = \"loud\"\nR201 = \"off\"\ndeviation = \"note\"\n\n[extra]\n",
    )
    .unwrap();
    let v = json(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let on_config: Vec<(u64, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "rtm.toml")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        on_config,
        [
            (3, "R002".to_owned()),  // unknown key `variant`
            (6, "R002".to_owned()),  // invalid regex
            (9, "R002".to_owned()),  // R001 cannot change
            (10, "R002".to_owned()), // unknown rule
            (11, "R002".to_owned()), // bad level
            (13, "R002".to_owned()), // same rule by code and by name
            (15, "R002".to_owned()), // unknown section
        ]
    );
    // The node files were still checked.
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "R004")
    );

    std::fs::write(dir.path().join("rtm.toml"), "[project\nname = 1\n").unwrap();
    let v = json(&["check", "--format", "json", dir.path().to_str().unwrap()]);
    let first = &v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "rtm.toml")
        .unwrap();
    assert_eq!(first["code"], "R001");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "R004")
    );
}

/// A finding far along a very long line is printed with its place, not a
/// snippet: miette cannot pad a label past column 65,535 (it panicked).
#[test]
fn a_finding_on_a_very_long_line_is_printed_without_a_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let mut links = "\"BR-001\", ".repeat(8_000);
    links.push_str("\"BR-404\"");
    let text = format!(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0001\"\ntitle = \"e\"\ntext = \"e\"\ncategory = \"optional\"\nsatisfies = [{links}]\n"
    );
    std::fs::write(dir.path().join("nodes.toml"), text).unwrap();
    let out = rtm().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let human = String::from_utf8(out.stdout).unwrap();
    let column = "satisfies = [".len() + "\"BR-001\", ".len() * 8_000 + 1;
    assert!(
        human.contains(&format!(
            "nodes.toml:17:{column}: RTM-0001 satisfies BR-404, which does not exist"
        )),
        "{human}"
    );
    assert!(human.len() < 10_000, "the long line was printed");
}

/// `rtm check src`: a folder with files but no node file and no rtm.toml
/// is a wrong path, for every command that reads a tree (exit 2, nothing
/// on standard output). An empty folder (hidden entries aside) and a
/// folder with only an rtm.toml are clean trees.
#[test]
fn a_folder_without_requirement_files_is_a_wrong_path() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("render")).unwrap();
    std::fs::write(src.join("main.rs"), "fn main() {}\n").unwrap();
    std::fs::write(src.join("render/mod.rs"), "\n").unwrap();
    let shown = src.display().to_string();
    let message = format!(
        "rtm: {shown} holds no requirement files (*.toml); an empty tree needs an rtm.toml\n"
    );
    let base = tempfile::tempdir().unwrap();
    for args in [
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["report"],
        vec!["review"],
        vec!["graph"],
        vec!["diff", base.path().to_str().unwrap()],
    ] {
        rtm()
            .args(&args)
            .arg(&src)
            .assert()
            .code(2)
            .stdout("")
            .stderr(message.clone());
    }
    // Empty, or holding only hidden entries: a clean tree.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    rtm().arg("check").arg(&empty).assert().code(0);
    std::fs::write(empty.join(".gitkeep"), "").unwrap();
    rtm().arg("check").arg(&empty).assert().code(0);
    // An rtm.toml and other files, no node file: a clean tree.
    std::fs::write(src.join("rtm.toml"), "").unwrap();
    rtm()
        .arg("check")
        .arg(&src)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("rtm: 0 errors"));
}

/// When only warnings fail the check, the summary says so (on standard
/// error for the machine-readable formats, whose output stays as it is).
#[test]
fn deny_warnings_says_why_it_fails() {
    let tree = fixture("rules/R106/fires");
    let out = rtm()
        .args(["check", "--deny-warnings"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("rtm: 0 errors, ") && last.contains("; failing: --deny-warnings and "),
        "{last}"
    );
    assert!(
        last.ends_with(" warning") || last.ends_with(" warnings"),
        "{last}"
    );
    // Without the flag, or when errors fail it anyway: no such note.
    let plain = rtm().arg("check").arg(&tree).output().unwrap();
    assert!(!String::from_utf8(plain.stdout).unwrap().contains("failing"));
    let errors = rtm()
        .args(["check", "--deny-warnings"])
        .arg(fixture("rules/R004/fires"))
        .output()
        .unwrap();
    assert!(
        !String::from_utf8(errors.stdout)
            .unwrap()
            .contains("failing")
    );
    for format in ["json", "sarif", "github"] {
        let quiet = rtm()
            .args(["check", "--format", format])
            .arg(&tree)
            .output()
            .unwrap();
        let out = rtm()
            .args(["check", "--deny-warnings", "--format", format])
            .arg(&tree)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(out.stdout, quiet.stdout, "{format}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.starts_with("rtm: failing: --deny-warnings and ") && err.ends_with("\n"),
            "{format}: {err}"
        );
    }
}

#[test]
fn explain_ignores_case_and_suggests_near_rules() {
    for name in ["r203", "R203", "Undeclared-Deviation"] {
        rtm()
            .args(["explain", name])
            .assert()
            .code(0)
            .stdout(predicate::str::starts_with("# R203 undeclared-deviation"));
    }
    rtm()
        .args(["explain", "R230"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "unknown rule `R230`; did you mean `R203`?",
        ));
    rtm()
        .args(["explain", "undeclared-deviaton"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `undeclared-deviation`?",
        ));
    // Nothing near: no guess.
    rtm()
        .args(["explain", "frobnicate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean").not());
}

/// `rtm rules` lines its columns up: every summary starts at the same
/// column, and no line ends in a space.
#[test]
fn rules_columns_line_up() {
    let out = rtm().arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut starts = std::collections::BTreeSet::new();
    for (line, rule) in text.lines().zip(rtm::rules::RULES) {
        let at = line.find(rule.summary).unwrap();
        starts.insert(line[..at].chars().count());
        let level = line
            .find(&format!("  {}  ", rule.default.as_str()))
            .unwrap();
        starts.insert(1000 + line[..level].chars().count());
        assert!(!line.ends_with(' '), "{line}");
    }
    assert_eq!(starts.len(), 2, "{text}");
}

#[test]
fn report_and_review_dates_are_checked() {
    let tree = fixture("rules/R203/quiet");
    for command in ["report", "review"] {
        rtm()
            .args([command, "--date", "31/03/2021"])
            .arg(&tree)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("is not a date"));
        rtm()
            .args([command, "--date", "2021-02-30"])
            .arg(&tree)
            .assert()
            .code(2)
            .stdout("");
        rtm()
            .args([command, "--date", "2021-03-31"])
            .arg(&tree)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("2021-03-31"));
    }
}

/// A finding's own place comes first; a related place earlier in the same
/// file is shown after it, under its own heading.
#[test]
fn a_related_place_earlier_in_the_file_comes_after_the_finding() {
    let out = rtm()
        .arg("check")
        .arg(fixture("rules/R203/fires"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.split("\nR203 ").next().unwrap();
    let own = first.find("[nodes.toml:46:28]").unwrap();
    let related = first.find("[nodes.toml:18:28]").unwrap();
    assert!(own < related, "{first}");
    assert!(
        first.contains("\nRelated:\n  ☞ SEC-POA-60: limit defined here\n"),
        "{first}"
    );
}

/// No line of the human output ends in a space (miette's empty snippet
/// lines and its `Advice: ` heading did).
#[test]
fn no_human_output_line_ends_in_a_space() {
    for tree in ["rules/R203/fires", "rules/R303/fires", "mixed"] {
        for color in ["never", "always"] {
            let out = rtm()
                .args(["check", "--color", color])
                .arg(fixture(tree))
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            for line in text.lines() {
                assert!(!line.ends_with(' '), "{tree}: `{line}`");
            }
        }
    }
}

/// A folder given as the file to write is refused before any work, with
/// a message that says so (not "Is a directory" or, for `.`, "Device or
/// resource busy" after the whole document was made), and `--into` a
/// plain file likewise.
#[test]
fn a_folder_as_the_output_file_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/requirements");
    for args in [
        vec!["report", tree, "-o"],
        vec!["export", "xlsx", tree, "-o"],
        vec!["export", "reqif", tree, "-o"],
    ] {
        let out = rtm().args(&args).arg(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(": is a folder\n"), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(names.is_empty(), "nothing left in the folder: {names:?}");
    let file = dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let out = rtm()
        .args(["import", "x.csv", "--into"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("afile: not a folder"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}

/// `rtm man --dir` writes the page of `rtm` and every page it refers to
/// (`rtm-check(1)` …), so that `man rtm-check` finds one.
#[test]
fn every_manual_page_rtm_1_names_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = rtm()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let main = std::fs::read_to_string(dir.path().join("rtm.1")).unwrap();
    let printed = String::from_utf8(rtm().arg("man").output().unwrap().stdout).unwrap();
    assert!(main == printed, "not the page `rtm man` prints");
    let named: Vec<String> = main
        .split("rtm\\-")
        .skip(1)
        .filter_map(|s| s.split_once("(1)").map(|(n, _)| n.replace("\\-", "-")))
        .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        .collect();
    assert!(named.len() >= 15, "{named:?}");
    for n in named {
        let page = dir.path().join(format!("rtm-{n}.1"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no {page:?}"));
        assert!(text.contains(&format!(".TH rtm-{n} 1")), "{n}");
    }
}

/// `--since` belongs to `rtm review`: `rtm report` refuses it, and its
/// help does not offer it.
#[test]
fn report_help_offers_no_since() {
    let help = |cmd: &str| {
        String::from_utf8(rtm().args([cmd, "--help"]).output().unwrap().stdout).unwrap()
    };
    assert!(!help("report").contains("--since"), "{}", help("report"));
    assert!(
        help("review").contains("--since <BASE>"),
        "{}",
        help("review")
    );
    let out = rtm()
        .args(["report", "--since", "HEAD"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/requirements"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
