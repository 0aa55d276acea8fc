//! Classification fails closed (FORMAT §10), and documents cannot be
//! wrecked by what a node holds. End to end through the command line on
//! trees with amber and red markers, searching every output byte for
//! them; then a property test over random trees.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::rtm;
use proptest::prelude::*;
use rtm::load::{Entry, FileSet};

fn write_tree(dir: &Path, config: &str, nodes: &str) {
    std::fs::write(dir.join("rtm.toml"), config).unwrap();
    std::fs::write(dir.join("nodes.toml"), nodes).unwrap();
}

/// Every document a reader can be given, at `level`, as (name, bytes).
fn documents(dir: &Path, level: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let tree = dir.to_str().unwrap();
    for (doc, formats) in [
        ("report", &["markdown", "html"][..]),
        ("review", &["markdown", "html"][..]),
        ("graph", &["dot", "mermaid"][..]),
    ] {
        for f in formats {
            let o = rtm()
                .args([doc, tree, "--format", f, "--classification", level])
                .output()
                .unwrap();
            assert!(o.status.success(), "{doc} {f}: {o:?}");
            out.push((format!("{doc} {f}"), o.stdout));
        }
    }
    for f in ["human", "json", "sarif", "github"] {
        let o = rtm()
            .args(["check", tree, "--format", f, "--classification", level])
            .output()
            .unwrap();
        assert_ne!(o.status.code(), Some(2), "check {f}: {o:?}");
        out.push((format!("check {f}"), o.stdout));
    }
    for f in ["csv", "reqif"] {
        let o = rtm()
            .args(["export", f, tree, "-o", "-", "--classification", level])
            .output()
            .unwrap();
        assert!(o.status.success(), "export {f}: {o:?}");
        out.push((format!("export {f}"), o.stdout));
    }
    out.push(("export xlsx".to_owned(), workbook_text(tree, level)));
    out
}

/// Every cell, sheet note and property of the workbook `rtm export xlsx`
/// writes at `level`, as read back by calamine, one per line.
fn workbook_text(tree: &str, level: &str) -> Vec<u8> {
    use calamine::Reader;
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("t.xlsx");
    let o = rtm()
        .args(["export", "xlsx", tree, "-o", path.to_str().unwrap()])
        .args(["--classification", level])
        .output()
        .unwrap();
    assert!(o.status.success(), "export xlsx: {o:?}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let mut text = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\n');
            }
        }
    }
    // The parts calamine does not read (notes, properties): searched raw.
    let zip = std::fs::read(&path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        if !part.name().unwrap().contains("worksheets/sheet") {
            std::io::Read::read_to_string(&mut part, &mut text).unwrap();
        }
    }
    text.into_bytes()
}

fn assert_absent(docs: &[(String, Vec<u8>)], secrets: &[&str]) {
    for (name, bytes) in docs {
        let text = String::from_utf8_lossy(bytes);
        for s in secrets {
            assert!(!text.contains(s), "{name}: `{s}` leaked:\n{text}");
        }
    }
}

const CONFIG: &str = "[project]\nname = \"T\"\nvariants = [\"SB\", \"DB\"]\n";

const WHITE_CHAIN: &str = r#"
[[theme]]
id = "TH-01"
title = "Open theme"

[[business]]
id = "BR-001"
title = "Open business requirement"
themes = ["TH-01"]
variants = ["SB"]
"#;

/// Item 1: a classification that is not a level is R002 and red.
#[test]
fn an_unreadable_node_classification_is_red() {
    for bad in [r#""Amber""#, r#""TLP:RED""#, r#"["amber"]"#, "3"] {
        let dir = tempfile::tempdir().unwrap();
        let nodes = format!(
            "{WHITE_CHAIN}\n[[requirement]]\nid = \"RTM-9901\"\ntitle = \"Wombat entry\"\ntext = \"Wombat text\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\nclassification = {bad}\n"
        );
        write_tree(dir.path(), CONFIG, &nodes);
        let o = rtm()
            .args(["check", dir.path().to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "R002" && f["node"] == "RTM-9901"),
            "{bad}: {json}"
        );
        for level in ["white", "green", "amber"] {
            let docs = documents(dir.path(), level);
            assert_absent(&docs, &["Wombat", "RTM-9901"]);
        }
        // Only a red document shows it.
        let red = documents(dir.path(), "red");
        let report = String::from_utf8_lossy(&red[0].1).into_owned();
        assert!(report.contains("Wombat entry"), "{report}");
    }
}

/// Item 2: a project file that cannot be read, or whose level is not a
/// level, makes every document command refuse; `check` still runs.
#[test]
fn an_unreadable_project_file_refuses_every_document() {
    for config in [
        "[project\nname = \"T\"\n",
        "[project]\nclassification = \"Amber\"\n",
        "[project]\nclassification = [\"amber\"]\n",
        "[project]\nclasification = \"amber\"\n",
        "[projcet]\nclassification = \"amber\"\n",
        "project = \"amber\"\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        write_tree(dir.path(), config, WHITE_CHAIN);
        let tree = dir.path().to_str().unwrap();
        for args in [
            vec!["report", tree],
            vec!["review", tree, "--format", "html"],
            vec!["graph", tree],
            vec!["review", tree, "--classification", "white"],
            vec!["check", tree, "--classification", "white"],
        ] {
            let o = rtm().args(&args).output().unwrap();
            assert_eq!(o.status.code(), Some(2), "{config:?} {args:?}");
            assert!(o.stdout.is_empty(), "{config:?} {args:?}");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("rtm.toml"), "{err}");
            assert!(err.contains("no document was written"), "{err}");
        }
        // -o: nothing written.
        let out = dir.path().join("out.md");
        let o = rtm()
            .args(["review", tree, "-o", out.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(!out.exists());
        // `check` reads everything and reports the problem.
        let o = rtm().args(["check", tree]).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{config:?}: {o:?}");
    }
}

/// A withheld node's id is written nowhere, not even where it is not one
/// of the four link fields: a modification's `changes`, a decision about
/// a deviation from it, a review stamp's `links`; and a list the
/// withholding empties is left out rather than written as `[]`.
#[test]
fn no_export_names_a_withheld_node_in_changes_decisions_or_stamps() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = format!(
        r#"{WHITE_CHAIN}
[[business]]
id = "BR-WOMBAT"
title = "Closed business requirement"
themes = ["TH-01"]
classification = "amber"

[[sec]]
id = "SEC-WOMBAT"
title = "Closed obligation"
limits = {{ q = {{ max = 1 }} }}
classification = "amber"

[[modification]]
id = "MOD-1"
title = "Open modification"
stage = "proposed"

[[modification.changes]]
sec = "SEC-WOMBAT"
limits = {{ q = {{ max = 5 }} }}

[[requirement]]
id = "RTM-0001"
title = "Open entry"
category = "mvp"
user_impact = "none"
satisfies = ["BR-001", "BR-WOMBAT"]
values = {{ q = 3 }}
reviewed = {{ by = "OPSG", on = 2020-01-01, fingerprint = "v1:a", links = {{ "BR-WOMBAT" = "v1:b", "BR-001" = "v1:c" }} }}

[[requirement.deviations]]
sec = "SEC-WOMBAT"
summary = "Closed summary"
rationale = "Closed rationale"
modification = "MOD-1"

[[requirement.decisions]]
about = "deviation:SEC-WOMBAT"
outcome = "accepted"
by = "OPSG"
on = 2020-01-02
"#
    );
    write_tree(dir.path(), CONFIG, &nodes);
    let docs = documents(dir.path(), "white");
    assert_absent(&docs, &["WOMBAT", "Closed"]);
    let csv = &docs.iter().find(|(n, _)| n == "export csv").unwrap().1;
    let csv = String::from_utf8_lossy(csv);
    for (id, row) in [
        ("MOD-1", "modification,MOD-1,"),
        ("RTM-0001", "requirement,RTM-0001,"),
    ] {
        let line = csv.lines().find(|l| l.starts_with(row)).unwrap();
        assert!(!line.contains("[]"), "{id}: {line}");
    }
    // An amber reader sees it all.
    let amber = documents(dir.path(), "amber");
    let csv = &amber.iter().find(|(n, _)| n == "export csv").unwrap().1;
    let csv = String::from_utf8_lossy(csv);
    for s in ["SEC-WOMBAT", "deviation:SEC-WOMBAT", "BR-WOMBAT = "] {
        assert!(csv.contains(s), "{s}: {csv}");
    }
}

/// Each export states its level and what it withholds: the workbook in
/// every sheet's note, its page header and its properties; the ReqIF in
/// its header's COMMENT; a CSV, which cannot, on standard error. A page
/// header too long for Excel (255 characters) is shortened, not dropped.
#[test]
fn exports_state_their_level_and_what_they_withhold() {
    let dir = tempfile::tempdir().unwrap();
    let closed =
        "\n[[theme]]\nid = \"TH-09\"\ntitle = \"Closed theme\"\nclassification = \"red\"\n";
    let handling = "may be shared with SEC Parties and SMIP stakeholders under a duty of confidence; not to be published, quoted or placed on any public website or repository, in whole or in part, without the written agreement of the originator of the paper";
    write_tree(
        dir.path(),
        &format!("[project]\nname = \"T\"\n[classification.handling]\nwhite = \"{handling}\"\n"),
        &format!("{WHITE_CHAIN}{closed}"),
    );
    let tree = dir.path().to_str().unwrap();
    let label = format!("White: {handling}");

    let book = String::from_utf8(workbook_text(tree, "white")).unwrap();
    let note = format!(
        "Classification: {label}\nWithheld: 3 withheld items above White (1 node and 2 findings about them)"
    );
    // Four sheets' notes, and the properties' comment.
    assert_eq!(book.matches(&note).count(), 5, "{book}");
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("t.xlsx");
    let o = rtm()
        .args(["export", "xlsx", tree, "-o", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success() && o.stderr.is_empty(), "{o:?}");
    let zip = std::fs::read(&path).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    for i in 1..=4 {
        let mut sheet = String::new();
        let mut part = archive
            .by_name(&format!("xl/worksheets/sheet{i}.xml"))
            .unwrap();
        std::io::Read::read_to_string(&mut part, &mut sheet).unwrap();
        assert!(
            sheet.contains("<oddHeader>&amp;CClassification: White. Withheld: 3 withheld items above White (1 node and 2 findings about them)</oddHeader>"),
            "{sheet}"
        );
    }

    let o = rtm()
        .args([
            "export",
            "reqif",
            tree,
            "-o",
            "-",
            "--classification",
            "white",
        ])
        .output()
        .unwrap();
    let reqif = String::from_utf8(o.stdout).unwrap();
    let comment = format!(
        "<COMMENT>Classification: {label}&#10;Withheld: 1 node above White&#10;Default classification: white (a node's level when it names none)</COMMENT>"
    );
    assert!(reqif.contains(&comment), "{reqif}");

    let o = rtm()
        .args(["export", "csv", tree, "-o", "-", "--classification", "red"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.starts_with("rtm: the CSV is classified Red: ") && err.contains("; withheld: none."),
        "{err}"
    );
}

/// Item 3: figures are computed on what the document shows.
#[test]
fn figures_do_not_reveal_withheld_entries() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = format!(
        r#"{WHITE_CHAIN}
[[sec]]
id = "SEC-OPEN"
title = "Open obligation"

[[requirement]]
id = "RTM-9901"
title = "Quokka entry"
category = "mvp"
satisfies = ["BR-001"]
variants = ["SB"]
user_impact = "none"
classification = "amber"

[[requirement.deviations]]
sec = "SEC-OPEN"
summary = "Quokka summary"
rationale = "Quokka rationale"
"#
    );
    write_tree(dir.path(), CONFIG, &nodes);
    let tree = dir.path().to_str().unwrap();
    let review = rtm()
        .args(["review", tree, "--classification", "white"])
        .output()
        .unwrap();
    let review = String::from_utf8(review.stdout).unwrap();
    assert!(!review.contains("**Yes.**"), "{review}");
    assert!(
        review.contains("| Business requirements traced to active RTM entries | 0 of 1 (0%) |"),
        "{review}"
    );
    // The variants table: SB is a gap, not covered.
    assert!(
        review.contains("| BR-001 | Open business requirement | ✗ | n/a |"),
        "{review}"
    );
    assert!(!review.contains("| ✓ |"), "{review}");
    let report = rtm()
        .args(["report", tree, "--classification", "white"])
        .output()
        .unwrap();
    let report = String::from_utf8(report.stdout).unwrap();
    assert!(
        report.contains("| SEC obligations deviated from | 0 of 1 (0%) |"),
        "{report}"
    );
    // At amber, the same figures count the entry.
    let amber = rtm()
        .args(["report", tree, "--classification", "amber"])
        .output()
        .unwrap();
    let amber = String::from_utf8(amber.stdout).unwrap();
    assert!(amber.contains("| SEC obligations deviated from | 1 of 1 (100%) |"));
}

/// Item 4: `check` and `diff` hold back amber findings on request, and
/// the exit status still answers for the whole tree.
#[test]
fn check_and_diff_take_a_classification() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = format!(
        "{WHITE_CHAIN}\n[[requirement]]\nid = \"RTM-9901\"\ntitle = \"Open entry\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\n\n[[requirement]]\nid = \"RTM-9902\"\ntitle = \"Numbat entry\"\ncategory = \"mvp\"\nsatisfies = [\"BR-987\"]\nuser_impact = \"Numbat impact\"\nclassification = \"amber\"\n"
    );
    write_tree(dir.path(), CONFIG, &nodes);
    let tree = dir.path().to_str().unwrap();
    let docs = documents(dir.path(), "white");
    assert_absent(&docs, &["Numbat", "RTM-9902", "BR-987"]);
    let o = rtm()
        .args(["check", tree, "--classification", "white"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "the amber R004 still fails the check"
    );
    let human = String::from_utf8_lossy(&o.stdout);
    assert!(human.contains("withheld"), "{human}");
    let o = rtm()
        .args([
            "check",
            tree,
            "--format",
            "json",
            "--classification",
            "white",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json["summary"]["withheld"].as_u64().unwrap() >= 2, "{json}");
    // Without the flag, everything is read.
    let o = rtm().args(["check", tree]).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("RTM-9902"));

    // diff against a folder copy without the amber entry.
    let base = tempfile::tempdir().unwrap();
    write_tree(base.path(), CONFIG, WHITE_CHAIN);
    let o = rtm()
        .args([
            "diff",
            base.path().to_str().unwrap(),
            tree,
            "--classification",
            "white",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("RTM-9901"), "{text}");
    for s in ["Numbat", "RTM-9902", "BR-987"] {
        assert!(!text.contains(s), "diff: `{s}` leaked:\n{text}");
    }
}

/// `diff --classification` and `review --since` compare the trees as a
/// reader at that level sees them: a shown node's link to a withheld node,
/// its deviation from a withheld obligation and the decision about it, a
/// withheld modification named by a deviation, a change a modification
/// makes to a withheld obligation, and a withheld assumed modification
/// are counted ("1 withheld item") or left out, never named. Nor does a
/// mistyped `--assume` suggest a withheld modification.
#[test]
fn diff_and_review_since_name_no_withheld_node_in_shown_fields() {
    let closed = r#"
[[business]]
id = "BR-WOMBAT"
title = "Closed business requirement"
themes = ["TH-01"]
classification = "amber"

[[sec]]
id = "SEC-WOMBAT"
title = "Closed obligation"
limits = { q = { max = 1 } }
classification = "amber"

[[modification]]
id = "MOD-WOMBAT"
title = "Closed modification"
stage = "proposed"
classification = "amber"

[[sec]]
id = "SEC-OPEN"
title = "Open obligation"
limits = { p = { max = 1 } }
"#;
    let entry = |extra: &str| {
        format!(
            r#"
[[requirement]]
id = "RTM-0001"
title = "Open entry"
category = "mvp"
user_impact = "none"
satisfies = ["BR-001"{sat}]
values = {{ p = 3, q = 3 }}
{extra}
[[requirement.deviations]]
sec = "SEC-OPEN"
summary = "Open summary"
rationale = "Open rationale"
{modification}
"#,
            sat = if extra.is_empty() {
                ""
            } else {
                r#", "BR-WOMBAT""#
            },
            modification = if extra.is_empty() {
                ""
            } else {
                r#"modification = "MOD-WOMBAT""#
            },
        )
    };
    let base = tempfile::tempdir().unwrap();
    write_tree(
        base.path(),
        CONFIG,
        &format!("{WHITE_CHAIN}{closed}{}", entry("")),
    );
    let head = tempfile::tempdir().unwrap();
    let more = r#"sec = ["SEC-WOMBAT"]

[[requirement.deviations]]
sec = "SEC-WOMBAT"
summary = "Closed summary"
rationale = "Closed rationale"

[[requirement.decisions]]
about = "deviation:SEC-WOMBAT"
outcome = "accepted"
by = "OPSG"
on = 2020-01-02
"#;
    let open_modification = r#"
[[modification]]
id = "MOD-OPEN"
title = "Open modification"
stage = "proposed"

[[modification.changes]]
sec = "SEC-WOMBAT"
limits = { q = { max = 5 } }
"#;
    write_tree(
        head.path(),
        CONFIG,
        &format!("{WHITE_CHAIN}{closed}{}{open_modification}", entry(more)),
    );
    let (b, h) = (base.path().to_str().unwrap(), head.path().to_str().unwrap());
    let run = |args: &[&str]| {
        let o = rtm().args(args).output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let white = ["--classification", "white"];
    let outputs = [
        run(&[&["diff", b, h][..], &white].concat()),
        run(&[&["diff", b, h, "--format", "json"][..], &white].concat()),
        run(&[&["diff", b, h, "--assume", "MOD-WOMBAT"][..], &white].concat()),
        run(&[
            &["review", h, "--since", b, "--today", "2021-01-01"][..],
            &white,
        ]
        .concat()),
        run(&[&["check", h, "--assume", "MOD-WOMBA"][..], &white].concat()),
        run(&["review", h, "--assume", "MOD-WOMBA"]),
    ];
    for text in &outputs {
        assert!(!text.contains("WOMBAT"), "leaked:\n{text}");
        assert!(!text.contains("Closed"), "leaked:\n{text}");
    }
    // The reader sees that something withheld was added, not what.
    assert!(
        outputs[0]
            .contains("| RTM-0001 | requirement | satisfies | BR-001 | BR-001, 1 withheld item |"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[0].contains("| RTM-0001 | SEC-OPEN | modification | — | 1 withheld item |"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[2].contains("assuming 1 withheld item in force"),
        "{}",
        outputs[2]
    );
    assert!(outputs[3].contains("Changed since"), "{}", outputs[3]);
    // Without a level, everything is compared and named.
    let all = run(&["diff", b, h]);
    for s in [
        "SEC-WOMBAT",
        "BR-WOMBAT",
        "MOD-WOMBAT",
        "deviation:SEC-WOMBAT",
    ] {
        assert!(all.contains(s), "{s}: {all}");
    }
    let typo = run(&["check", h, "--assume", "MOD-WOMBA"]);
    assert!(typo.contains("did you mean MOD-WOMBAT?"), "{typo}");
}

/// Item 5: a duplicate id with a white and an amber definition.
#[test]
fn a_duplicate_across_levels_is_reported_without_the_withheld_definition() {
    for amber_first in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let white = "[[sec]]\nid = \"SEC-DUP\"\ntitle = \"Open obligation\"\n";
        let amber = "[[sec]]\nid = \"SEC-DUP\"\ntitle = \"Platypus obligation\"\nclassification = \"amber\"\n";
        std::fs::write(dir.path().join("rtm.toml"), CONFIG).unwrap();
        std::fs::write(
            dir.path().join("a.toml"),
            if amber_first { amber } else { white },
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            if amber_first { white } else { amber },
        )
        .unwrap();
        let amber_file = if amber_first { "a.toml" } else { "b.toml" };
        let tree = dir.path().to_str().unwrap();
        for args in [
            vec!["report", tree],
            vec!["check", tree, "--classification", "white"],
            vec![
                "check",
                tree,
                "--classification",
                "white",
                "--format",
                "json",
            ],
        ] {
            let o = rtm().args(&args).output().unwrap();
            let text = String::from_utf8_lossy(&o.stdout);
            assert!(
                text.contains("SEC-DUP is defined more than once"),
                "{args:?}\n{text}"
            );
            assert!(!text.contains("Platypus"), "{text}");
            assert!(
                !text.contains(amber_file),
                "{args:?}: names the amber file\n{text}"
            );
        }
    }
}

/// Items 6 and 8: each node's text is rendered on its own, and nothing is
/// fetched from outside.
#[test]
fn one_node_cannot_wreck_another() {
    for poison in [
        "AAA before <script>",
        "AAA <style>",
        "AAA <template>",
        "AAA <plaintext>",
        "AAA <xmp>",
        "AAA <textarea>",
        "AAA\n\n```\nunclosed fence",
        "AAA\n\n~~~~\nunclosed fence",
        "AAA </details> </summary> <details>",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let nodes = format!(
            "[[theme]]\nid = \"TH-01\"\ntitle = \"First\"\ntext = {poison:?}\n\n[[theme]]\nid = \"TH-02\"\ntitle = \"Second\"\ntext = \"Zed *emphasised* text\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\nthemes = [\"TH-01\", \"TH-02\"]\n"
        );
        write_tree(dir.path(), "[project]\nname = \"T\"\n", &nodes);
        let tree = dir.path().to_str().unwrap();
        let html = rtm()
            .args(["report", tree, "--format", "html"])
            .output()
            .unwrap();
        let html = String::from_utf8(html.stdout).unwrap();
        assert!(
            html.contains("Zed <em>emphasised</em> text"),
            "{poison:?}\n{html}"
        );
        assert!(html.contains("</html>"));
        let lower = html.to_lowercase();
        for tag in [
            "<script",
            "<style>x",
            "<template",
            "<plaintext",
            "<xmp",
            "<textarea",
        ] {
            assert!(!lower.contains(tag), "{poison:?}: {tag}");
        }
        // The Markdown, read as GitHub reads it, keeps the second node's text
        // out of any code block.
        let md = rtm().args(["report", tree]).output().unwrap();
        let md = String::from_utf8(md.stdout).unwrap();
        let mut in_code = false;
        let mut seen = false;
        for e in pulldown_cmark::Parser::new(&md) {
            match e {
                pulldown_cmark::Event::Start(pulldown_cmark::Tag::CodeBlock(_)) => in_code = true,
                pulldown_cmark::Event::End(pulldown_cmark::TagEnd::CodeBlock) => in_code = false,
                pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h)
                    if h.contains("Zed <em>emphasised</em> text") =>
                {
                    assert!(!in_code, "{poison:?}");
                    seen = true;
                }
                _ => {}
            }
        }
        assert!(seen, "{poison:?}\n{md}");
        assert!(md.contains("## Errors and warnings") || md.contains("## Node text"));
    }
    let dir = tempfile::tempdir().unwrap();
    let nodes = "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\ntext = \"![x](https://example.org/a.png) <img src=\\\"//example.org/b.png\\\"> <img srcset=\\\"http://example.org/c.png 2x\\\">\"\n";
    write_tree(dir.path(), "[project]\nname = \"T\"\n", nodes);
    let html = rtm()
        .args(["report", dir.path().to_str().unwrap(), "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(!html.contains("example.org"), "{html}");
}

/// Item 7: variant names are escaped like every other cell; the page title
/// is escaped once.
#[test]
fn variant_names_and_titles_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let config =
        "[project]\nname = \"A & B <C>\"\nvariants = [\"<b onclick=alert(4)>SB</b>\", \"D|B\"]\n";
    let nodes = "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\nthemes = [\"TH-01\"]\n";
    write_tree(dir.path(), config, nodes);
    let tree = dir.path().to_str().unwrap();
    let md = rtm().args(["review", tree]).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(!md.contains("<b onclick"), "{md}");
    let row = md
        .lines()
        .find(|l| l.starts_with("| Business requirement |"))
        .unwrap();
    // Two fixed columns and two variants: every `|` but the escaped one.
    assert_eq!(
        row.matches('|').count() - row.matches("\\|").count(),
        5,
        "{row}"
    );
    let html = rtm()
        .args(["review", tree, "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(
        html.contains("<title>OPSG assurance review: A &amp; B &lt;C&gt;</title>"),
        "{html}"
    );
    assert!(!html.contains("<b onclick"));
}

/// FORMAT §10: the SEC scheme by default, TLP on request, handling text
/// overridable; the same label in every document.
#[test]
fn documents_name_their_level_in_the_projects_scheme() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), "[project]\nname = \"T\"\n", WHITE_CHAIN);
    let tree = dir.path().to_str().unwrap();
    for doc in ["report", "review"] {
        let md = rtm().args([doc, tree]).output().unwrap();
        let md = String::from_utf8(md.stdout).unwrap();
        assert!(md.contains("| Classification | **White**: may be shared with SEC Parties and SMIP stakeholders; not to be published |"), "{md}");
        assert!(!md.contains("TLP"));
    }
    let html = rtm()
        .args(["review", tree, "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    // At the top and bottom of the page, and on every printed page.
    assert_eq!(
        html.matches("<p class=\"classification\">White: may be shared")
            .count(),
        2
    );
    assert!(
        html.contains("@top-center { content: \"White: may be shared"),
        "{html}"
    );
    let dot = rtm().args(["graph", tree]).output().unwrap();
    assert!(String::from_utf8_lossy(&dot.stdout).contains("classification White: may be shared"));

    write_tree(
        dir.path(),
        "[project]\nname = \"T\"\n[classification]\nscheme = \"tlp\"\n",
        WHITE_CHAIN,
    );
    let md = rtm().args(["review", tree]).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("| Classification | **TLP:CLEAR**: "), "{md}");

    write_tree(
        dir.path(),
        "[project]\nname = \"T\"\nclassification = \"amber\"\n[classification.handling]\namber = \"OPSG members only\"\n",
        WHITE_CHAIN,
    );
    let md = rtm().args(["review", tree]).output().unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("| Classification | **Amber**: OPSG members only |"),
        "{md}"
    );

    // A scheme that is not one fails closed.
    write_tree(
        dir.path(),
        "[project]\nname = \"T\"\n[classification]\nscheme = \"TLP\"\n",
        WHITE_CHAIN,
    );
    let o = rtm().args(["review", tree]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

// ---------------------------------------------------------------------
// The property: for random trees with random classifications, no document
// at level L holds any text or id of a node above L, and every figure and
// mark equals the one of the same tree with those nodes deleted.

const LEVELS: [&str; 4] = ["white", "green", "amber", "red"];

#[derive(Debug, Clone)]
struct Spec {
    /// Per node: (kind index, classification: 0..4 a level, 4 none, 5 unreadable)
    nodes: Vec<(usize, usize)>,
    /// Link choices, consumed in order.
    picks: Vec<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec((0usize..4, 0usize..6), 2..14),
        prop::collection::vec(0usize..64, 64),
    )
        .prop_map(|(nodes, picks)| Spec { nodes, picks })
}

const KIND: [&str; 4] = ["theme", "business", "requirement", "sec"];
const PREFIX: [&str; 4] = ["TH", "BR", "RTM", "SEC"];

/// The node's TOML, its id and its level (0..4; unreadable is red).
fn render(spec: &Spec) -> Vec<(String, String, usize)> {
    let mut picks = spec.picks.iter().cycle();
    let mut pick = |n: usize| picks.next().map_or(0, |p| p % n.max(1));
    let ids: Vec<String> = spec
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (k, _))| format!("{}-{i:03}", PREFIX[*k]))
        .collect();
    let of_kind = |k: usize| -> Vec<&String> {
        spec.nodes
            .iter()
            .zip(&ids)
            .filter(|((kk, _), _)| *kk == k)
            .map(|(_, id)| id)
            .collect()
    };
    let mut out = Vec::new();
    for (i, (k, c)) in spec.nodes.iter().enumerate() {
        let id = &ids[i];
        let mut t = format!(
            "[[{}]]\nid = \"{id}\"\ntitle = \"mark{i:03}t\"\ntext = \"mark{i:03}x\"\n",
            KIND[*k]
        );
        match c {
            0..=3 => t.push_str(&format!("classification = \"{}\"\n", LEVELS[*c])),
            5 => t.push_str("classification = \"Amber\"\n"),
            _ => {}
        }
        let level = match c {
            0..=3 => *c,
            4 => 0,
            _ => 3,
        };
        let list = |v: Vec<&String>| {
            v.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match k {
            1 => {
                let themes = of_kind(0);
                let chosen: Vec<&String> =
                    themes.iter().filter(|_| pick(2) == 0).copied().collect();
                let chosen = if chosen.is_empty() {
                    themes.into_iter().take(1).collect()
                } else {
                    chosen
                };
                t.push_str(&format!("themes = [{}]\n", list(chosen)));
                if pick(3) == 0 {
                    t.push_str("variants = [\"SB\"]\n");
                }
            }
            2 => {
                t.push_str(&format!(
                    "category = \"{}\"\n",
                    ["mvp", "sec-support", "optional"][pick(3)]
                ));
                let brs: Vec<&String> = of_kind(1).into_iter().filter(|_| pick(2) == 0).collect();
                t.push_str(&format!("satisfies = [{}]\n", list(brs)));
                let parents: Vec<&String> = of_kind(2)
                    .into_iter()
                    .filter(|p| **p != *id && pick(4) == 0)
                    .collect();
                t.push_str(&format!("refines = [{}]\n", list(parents)));
                if pick(2) == 0 {
                    t.push_str("variants = [\"SB\"]\n");
                }
                t.push_str(&format!(
                    "user_impact = \"{}\"\n",
                    ["none", "Users must re-register"][pick(2)]
                ));
                let secs = of_kind(3);
                let upheld: Vec<&String> = secs.iter().filter(|_| pick(3) == 0).copied().collect();
                t.push_str(&format!("sec = [{}]\n", list(upheld.clone())));
                t.push_str("values = { latency = 90 }\n");
                for s in secs.iter().filter(|s| !upheld.contains(s) && pick(3) == 0) {
                    t.push_str(&format!(
                        "[[requirement.deviations]]\nsec = \"{s}\"\nsummary = \"mark{i:03}s\"\nrationale = \"mark{i:03}r\"\n"
                    ));
                }
            }
            3 => t.push_str("limits = { latency = { max = 60 } }\n"),
            _ => {}
        }
        out.push((t, id.clone(), level));
    }
    out
}

fn check(nodes: &[&str]) -> rtm::Checked {
    let set = FileSet {
        project: Some(Entry::Bytes(
            b"[project]\nname = \"P\"\nvariants = [\"SB\", \"DB\"]\n".to_vec(),
        )),
        entries: vec![(
            "n.toml".to_owned(),
            Entry::Bytes(nodes.join("\n").into_bytes()),
        )],
    };
    rtm::check_files(
        set,
        &rtm::Options {
            today: Some(jiff::civil::date(2021, 1, 1)),
            ..Default::default()
        },
    )
}

/// Every document of a tree at a level, as text.
fn docs(checked: &rtm::Checked, level: rtm::model::Classification) -> Vec<String> {
    let view = rtm::view::View::new(checked, Some(level)).unwrap();
    let opts = rtm::report::DocOptions::default();
    let report = rtm::report::traceability::write(&view, &opts);
    let review = rtm::report::review::write(&view, &opts);
    let mut out = vec![
        rtm::report::html::page_for(&view, &report),
        rtm::report::html::page_for(&view, &review),
        report,
        review,
    ];
    for f in [
        rtm::render::graph::GraphFormat::Dot,
        rtm::render::graph::GraphFormat::Mermaid,
        rtm::render::graph::GraphFormat::Svg,
    ] {
        out.push(rtm::render::graph::write(&view, f, None).unwrap());
    }
    out
}

/// The figures and marks of a Markdown document: the answers in bold, the
/// rows that hold a ratio, and the rows that hold a coverage mark. (The
/// count of declared deviations is left out: a deviation from a withheld
/// obligation is counted there as withheld, where the tree without that
/// obligation has a dangling one.)
fn figures(md: &str) -> Vec<String> {
    md.lines()
        .filter(|l| {
            l.starts_with("**")
                || l.contains("%)")
                || l.contains('✓')
                || l.contains('✗')
                || l.contains(" gaps")
                || l.contains(" gap.")
                || l.starts_with("| Nodes |")
                || l.contains(" from current SEC")
        })
        .map(str::to_owned)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn documents_show_nothing_above_their_level(spec in spec()) {
        let nodes = render(&spec);
        let all: Vec<&str> = nodes.iter().map(|(t, _, _)| t.as_str()).collect();
        let checked = check(&all);
        for (l, level) in rtm::model::Classification::ALL.iter().enumerate() {
            let texts = docs(&checked, *level);
            for (i, (_, id, node_level)) in nodes.iter().enumerate() {
                if *node_level <= l {
                    continue;
                }
                for t in &texts {
                    prop_assert!(!t.contains(id.as_str()), "{id} (level {node_level}) in a {level} document:\n{t}");
                    prop_assert!(!t.contains(&format!("mark{i:03}")), "text of {id} in a {level} document");
                }
            }
            // The same figures as the tree with those nodes deleted.
            let kept: Vec<&str> = nodes
                .iter()
                .filter(|(_, _, nl)| *nl <= l)
                .map(|(t, _, _)| t.as_str())
                .collect();
            let deleted = check(&kept);
            let shown = docs(&deleted, rtm::model::Classification::Red);
            prop_assert_eq!(figures(&texts[2]), figures(&shown[2]), "report at {}", level);
            prop_assert_eq!(figures(&texts[3]), figures(&shown[3]), "review at {}", level);
        }
    }
}

/// Item 18: the traceability answer reads as a person would write it.
#[test]
fn one_theme_reads_as_the_only_theme() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = format!(
        "{WHITE_CHAIN}\n[[requirement]]\nid = \"RTM-9901\"\ntitle = \"Open entry\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\n"
    );
    write_tree(dir.path(), CONFIG, &nodes);
    let o = rtm()
        .args(["review", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(
        md.contains("**Yes.** The only theme and the only business requirement are traced to detailed requirements."),
        "{md}"
    );
    assert!(!md.contains("All 1 "), "{md}");
}

/// `check --classification` counts only the nodes a reader at that level
/// may see: the per-kind counts and the summary line do not tell that a
/// withheld node exists.
#[test]
fn check_at_a_level_counts_only_the_nodes_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0001\"\ntitle = \"open\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\n\n[[requirement]]\nid = \"RTM-0002\"\ntitle = \"secret\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nuser_impact = \"none\"\nclassification = \"red\"\n\n[[sec]]\nid = \"SEC-X\"\ntitle = \"hidden obligation\"\nclassification = \"red\"\n",
    )
    .unwrap();
    let json = |extra: &[&str]| {
        let out = rtm()
            .arg("check")
            .arg(dir.path())
            .args(["--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["summary"]["nodes"].clone()
    };
    let all = json(&[]);
    assert_eq!(all["requirement"], 2, "{all}");
    assert_eq!(all["sec"], 1, "{all}");
    let white = json(&["--classification", "white"]);
    assert_eq!(white["requirement"], 1, "{white}");
    assert_eq!(white["sec"], 0, "{white}");
    let out = rtm()
        .arg("check")
        .arg(dir.path())
        .args(["--classification", "white"])
        .output()
        .unwrap();
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("in 1 file (3 nodes)"), "{human}");
    // A file of withheld nodes only is not counted either; an empty file
    // (R302) is.
    std::fs::write(
        dir.path().join("b.toml"),
        "[[modification]]\nid = \"MP999\"\ntitle = \"m\"\nstage = \"proposed\"\nclassification = \"red\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("c.toml"), "# nothing yet\n").unwrap();
    let summary = |extra: &[&str]| {
        let out = rtm()
            .arg("check")
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let human = summary(&["--classification", "white"]);
    assert!(human.contains("in 2 files (3 nodes)"), "{human}");
    let human = summary(&[]);
    assert!(human.contains("in 3 files (6 nodes)"), "{human}");
}

/// A node file that cannot be read (R001), or a link that is not followed
/// (R304), holds nodes whose levels are unknown: it fails closed, as red.
/// Below red no document, and no `check --classification`, names it or
/// counts it; the finding is counted as withheld and the exit status still
/// answers for the whole tree.
#[test]
fn a_node_file_that_cannot_be_read_is_named_only_at_the_top_level() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), CONFIG, WHITE_CHAIN);
    std::fs::write(
        dir.path().join("wombat-plan.toml"),
        "[[requirement]]\nid = \"RTM-9901\"\ntitle = \"Wombat entry\"\nclassification = \"red\"\ntext = \"unterminated\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("nodes.toml", dir.path().join("quokka-link.toml")).unwrap();
    for level in ["white", "green", "amber"] {
        let docs = documents(dir.path(), level);
        assert_absent(&docs, &["wombat", "Wombat", "quokka"]);
        let o = rtm()
            .arg("check")
            .arg(dir.path())
            .args(["--classification", level])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{level}: {o:?}");
        let human = String::from_utf8(o.stdout).unwrap();
        let withheld = if cfg!(unix) { 2 } else { 1 };
        let noun = if withheld == 1 { "finding" } else { "findings" };
        assert!(
            human.contains(&format!("in 1 file (2 nodes); {withheld} {noun} above")),
            "{level}: {human}"
        );
    }
    let red = documents(dir.path(), "red");
    let report = String::from_utf8_lossy(&red[0].1).into_owned();
    assert!(report.contains("wombat-plan.toml"), "{report}");
    let o = rtm().arg("check").arg(dir.path()).output().unwrap();
    let human = String::from_utf8(o.stdout).unwrap();
    assert!(human.contains("wombat-plan.toml:5"), "{human}");
    #[cfg(unix)]
    assert!(human.contains("quokka-link.toml"), "{human}");
}
