//! `rtm export xlsx|csv` and `rtm import` (INTERCHANGE §1–§2): the
//! workbook read back with calamine, classification, round trips, bad
//! cells and untidy real RTMs.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use calamine::{Data, Reader};
use common::{assert_same_tree, export, fixture, import, rtm};

fn bundled() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

/// Every sheet of a workbook: name, then rows of shown texts.
fn read_workbook(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

#[test]
fn the_workbook_holds_every_sheet_with_the_tree_s_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rtm.xlsx");
    export("xlsx", &bundled(), &out, &[]);
    let checked = common::check(&bundled());
    let sheets = read_workbook(&out);
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Nodes", "Deviations", "Matrix", "Findings"]);
    let get = |name: &str| &sheets.iter().find(|(n, _)| n == name).unwrap().1;

    let nodes = get("Nodes");
    let header = &nodes[0];
    let fixed = [
        "kind",
        "id",
        "title",
        "text",
        "status",
        "owner",
        "classification",
        "tags",
        "category",
        "themes",
        "satisfies",
        "refines",
        "sec",
        "variants",
        "user_impact",
        "values",
        "source",
        "limits",
        "stage",
        "deviations",
        "waivers",
        "reviewed",
        "decisions",
    ];
    assert_eq!(&header[..fixed.len()], fixed);
    assert_eq!(header.last().unwrap(), "file");
    assert_eq!(nodes.len() - 1, checked.model.nodes.len());
    // Every node, in the tree's order, with its id and kind.
    for (row, n) in nodes[1..].iter().zip(&checked.model.nodes) {
        assert_eq!(row[0], n.kind.as_str());
        assert_eq!(row[1], n.id);
    }

    let deviations = get("Deviations");
    assert_eq!(
        deviations[0],
        [
            "entry",
            "category",
            "sec",
            "summary",
            "rationale",
            "modification",
            "stage",
            "contingent"
        ]
    );
    let declared: usize = checked
        .model
        .nodes
        .iter()
        .map(|n| n.deviations().len())
        .sum();
    assert!(declared > 0);
    assert_eq!(deviations.len() - 1, declared);

    let matrix = get("Matrix");
    assert_eq!(
        matrix[0],
        [
            "theme",
            "theme title",
            "business",
            "business title",
            "entry",
            "entry title",
            "category",
            "status"
        ]
    );
    // Every RTM entry appears in at least one row.
    for n in checked
        .model
        .nodes
        .iter()
        .filter(|n| n.kind == rtm::model::Kind::Requirement)
    {
        assert!(matrix[1..].iter().any(|r| r[4] == n.id), "{} missing", n.id);
    }

    let findings = get("Findings");
    assert_eq!(
        findings[0],
        [
            "code", "rule", "severity", "node", "file", "line", "message"
        ]
    );
    assert_eq!(findings.len() - 1, checked.findings.len());
}

#[test]
fn the_export_is_the_same_bytes_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.xlsx");
    let b = dir.path().join("b.xlsx");
    export("xlsx", &bundled(), &a, &[]);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    export("xlsx", &bundled(), &b, &[]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let c = dir.path().join("c.csv");
    let d = dir.path().join("d.csv");
    export("csv", &bundled(), &c, &[]);
    export("csv", &bundled(), &d, &[]);
    assert_eq!(std::fs::read(&c).unwrap(), std::fs::read(&d).unwrap());
}

/// Without a temporary folder to write into, rust_xlsxwriter holds the
/// sheets in memory (its header row then goes to a shared-strings part):
/// the workbook still reads back cell for cell as the usual one.
#[test]
fn a_workbook_is_made_without_a_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let usual = dir.path().join("usual.xlsx");
    let without = dir.path().join("without.xlsx");
    export("xlsx", &bundled(), &usual, &[]);
    rtm()
        .env("TMPDIR", dir.path().join("no such folder"))
        .args(["export", "xlsx"])
        .arg(bundled())
        .arg("-o")
        .arg(&without)
        .assert()
        .success();
    let usual = read_workbook(&usual);
    assert_eq!(usual.len(), 4);
    assert!(usual.iter().all(|(_, rows)| rows.len() > 1));
    assert_eq!(read_workbook(&without), usual);
}

/// Every text of every cell of the workbook, and of the CSV.
fn all_text(xlsx: &Path, csv: &Path) -> String {
    let mut text = String::new();
    for (_, rows) in read_workbook(xlsx) {
        for r in rows {
            text.push_str(&r.join("\u{1}"));
            text.push('\n');
        }
    }
    text.push_str(&std::fs::read_to_string(csv).unwrap());
    text
}

#[test]
fn a_white_export_holds_no_withheld_node() {
    let dir = tempfile::tempdir().unwrap();
    let tree = fixture("classified");
    let xlsx = dir.path().join("white.xlsx");
    let csv = dir.path().join("white.csv");
    export("xlsx", &tree, &xlsx, &["--classification", "white"]);
    export("csv", &tree, &csv, &["--classification", "white"]);
    let text = all_text(&xlsx, &csv);
    for secret in [
        "RTM-0002",
        "TH-SECRET",
        "Zebra",
        "zebra",
        "Quokka",
        "quokka",
    ] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    let sheets = read_workbook(&xlsx);
    // 7 nodes, 2 withheld.
    assert_eq!(sheets[0].1.len() - 1, 5);
    // The amber entry's deviation is withheld with it.
    assert_eq!(sheets[1].1.len() - 1, 0);
    // BR-001 keeps its open theme only.
    let br = sheets[0].1.iter().find(|r| r[1] == "BR-001").unwrap();
    assert_eq!(br[9], "TH-01");
    let csv_rows = std::fs::read_to_string(&csv).unwrap().lines().count();
    assert_eq!(csv_rows, 6);

    // At red, everything is there.
    let red = dir.path().join("red.xlsx");
    export("xlsx", &tree, &red, &["--classification", "red"]);
    let sheets = read_workbook(&red);
    assert_eq!(sheets[0].1.len() - 1, 7);
    assert_eq!(sheets[1].1.len() - 1, 1);
    assert!(sheets[0].1.iter().any(|r| r[1] == "TH-SECRET"));
}

#[test]
fn an_unreadable_classification_writes_no_export() {
    let dir = common::copy_tree(&fixture("classified"));
    std::fs::write(
        dir.path().join("rtm.toml"),
        "[project]\nclassification = \"purple\"\n",
    )
    .unwrap();
    let out = dir.path().join("out.xlsx");
    for kind in ["xlsx", "csv"] {
        rtm()
            .args(["export", kind])
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .assert()
            .code(2);
        assert!(!out.exists());
    }
}

// ---------------------------------------------------------------- import

/// Every file below `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn export_then_import_gives_back_the_bundled_tree() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["xlsx", "csv"] {
        let file = dir.path().join(format!("rtm.{kind}"));
        export(kind, &bundled(), &file, &[]);
        let a = dir.path().join(format!("a-{kind}"));
        let (code, out, err) = import(&file, &a, &[]);
        assert_eq!(code, 0, "{out}{err}");
        // The counts of the tree itself, by kind.
        let c = rtm::check(&bundled()).unwrap().model.counts();
        let want = format!(
            "wrote {} nodes ({} theme, {} business, {} requirement, {} sec, {} modification)",
            c.iter().sum::<usize>(),
            c[0],
            c[1],
            c[2],
            c[3],
            c[4]
        );
        assert!(out.contains(&want), "{want}\n{out}");
        assert_same_tree(&bundled(), &a);
        // The same input gives the same bytes.
        let b = dir.path().join(format!("b-{kind}"));
        assert_eq!(import(&file, &b, &[]).0, 0);
        assert_eq!(files(&a), files(&b));
    }
}

#[test]
fn export_then_import_gives_back_a_generated_tree() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    rtm::corpus::write(&tree, 2000, 7).unwrap();
    for kind in ["xlsx", "csv"] {
        let file = dir.path().join(format!("corpus.{kind}"));
        export(kind, &tree, &file, &["--classification", "red"]);
        let back = dir.path().join(format!("back-{kind}"));
        let (code, out, err) = import(&file, &back, &[]);
        assert_eq!(code, 0, "{out}{err}");
        assert_same_tree(&tree, &back);
    }
}

/// Writes a one-sheet workbook: `rows` of texts from A1 (a cell that
/// parses as a whole number is written as a number).
fn workbook(path: &Path, sheet: &str, rows: &[&[&str]]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            match text.parse::<i64>() {
                Ok(n) => ws.write_number(r as u32, c as u16, n as f64).unwrap(),
                Err(_) => ws.write_string(r as u32, c as u16, *text).unwrap(),
            };
        }
    }
    wb.save(path).unwrap();
}

#[test]
fn every_bad_cell_is_reported_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.xlsx");
    workbook(
        &file,
        "RTM",
        &[
            &["kind", "id", "title", "category", "satisfies"],
            &["requirement", "RTM-0001", "One", "mvpp", "BR-001"],
            &["requirement", "RTM-0002", "Two", "mvp", "BR-001"],
            &["requirement", "RTM-0002", "Three", "optional", "BR-001"],
            &["requirement", "", "Four", "mvp", "BR-001"],
            &["requirement", "RTM-0005", "Five", "mvp", "BR-001 BR-002"],
            &["requirement", "RTM 6", "Six", "mvp", "BR-001"],
            &["requirment", "RTM-0007", "Seven", "mvp", "BR-001"],
        ],
    );
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(!into.exists(), "something was written");
    let expect = [
        "error: RTM!D2 (under `category`): unknown category `mvpp`: expected mvp, sec-support, optional\n  help: did you mean `mvp`?",
        "error: RTM!B4 (under `id`): duplicate id `RTM-0002`: also at RTM!B3",
        "error: RTM!B5 (under `id`): empty id: every node needs one",
        "error: RTM!E6 (under `satisfies`): `BR-001 BR-002` does not split into ids (`BR-001 BR-002` is not one)\n  help: separate the ids with commas, semicolons or line breaks",
        "error: RTM!B7 (under `id`): `RTM 6` cannot be made a valid requirement id\n  help: an id cannot hold spaces: use `-` or `_`",
        "error: RTM!A8 (under `kind`): unknown kind `requirment`",
        "rtm: 6 bad cells: nothing written",
    ];
    for e in expect {
        assert!(out.contains(e), "missing {e:?} in:\n{out}");
    }

    // The same, as JSON.
    let (code, out, _) = import(&file, &into, &["--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["written"], false);
    let diags = doc["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 6);
    assert_eq!(diags[0]["cell"], "RTM!D2");
    assert_eq!(diags[0]["header"], "category");
    assert_eq!(diags[0]["help"], "did you mean `mvp`?");
    assert_eq!(diags[1]["cell"], "RTM!B4");
    assert!(!into.exists());
}

#[test]
fn a_file_that_cannot_be_read_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("tree");
    let corrupt = dir.path().join("corrupt.xlsx");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not a workbook").unwrap();
    let (code, _, err) = import(&corrupt, &into, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("corrupt.xlsx: cannot read"), "{err}");
    let (code, _, err) = import(&dir.path().join("missing.csv"), &into, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.csv: cannot read"), "{err}");
    let odd = dir.path().join("rtm.docx");
    std::fs::write(&odd, b"x").unwrap();
    let (code, _, err) = import(&odd, &into, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown input format"), "{err}");
    let latin1 = dir.path().join("latin1.csv");
    std::fs::write(&latin1, b"id,title,kind\nTH-1,Caf\xe9,theme\n").unwrap();
    let (code, _, err) = import(&latin1, &into, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("not UTF-8"), "{err}");
    for name in ["folder.xlsx", "folder.csv"] {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).unwrap();
        let (code, _, err) = import(&folder, &into, &[]);
        assert_eq!(code, 2);
        assert!(
            err.contains(&format!("{name}: is a folder, not a file")),
            "{err}"
        );
    }
    assert!(!into.exists());
}

#[test]
fn files_are_never_overwritten_without_force_and_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(
        &file,
        "kind,id,title\r\ntheme,TH-01,First\r\ntheme,TH-02,Second\r\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &["--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("would write themes.toml"), "{out}");
    assert!(out.contains("would write rtm.toml"), "{out}");
    assert!(out.contains("nothing written (--dry-run)"), "{out}");
    assert!(!into.exists());

    assert_eq!(import(&file, &into, &[]).0, 0);
    let first = files(&into);
    assert_eq!(
        String::from_utf8(first[1].1.clone()).unwrap(),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"First\"\n\n[[theme]]\nid = \"TH-02\"\ntitle = \"Second\"\n"
    );
    std::fs::write(&file, "kind,id,title\r\ntheme,TH-01,Changed\r\n").unwrap();
    let (code, _, err) = import(&file, &into, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists: nothing written (--force overwrites)"),
        "{err}"
    );
    assert_eq!(files(&into), first);
    let (code, _, _) = import(&file, &into, &["--force"]);
    assert_eq!(code, 0);
    let themes = std::fs::read_to_string(into.join("themes.toml")).unwrap();
    assert!(themes.contains("Changed") && !themes.contains("TH-02"));
}

#[test]
fn a_failure_while_writing_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(
        &file,
        "kind,id,title,file\ntheme,TH-01,First,a.toml\ntheme,TH-02,Second,b.toml\ntheme,TH-03,Third,c.toml\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    assert_eq!(import(&file, &into, &[]).0, 0);
    // b.toml becomes a folder, which no file can replace (even as root):
    // refused before the first file is staged.
    std::fs::remove_file(into.join("b.toml")).unwrap();
    std::fs::create_dir(into.join("b.toml")).unwrap();
    std::fs::remove_file(into.join("c.toml")).unwrap();
    let before = files(&into);
    std::fs::write(
        &file,
        "kind,id,title,file\ntheme,TH-01,Changed,a.toml\ntheme,TH-02,Changed,b.toml\ntheme,TH-03,New,c.toml\n",
    )
    .unwrap();
    let (code, _, err) = import(&file, &into, &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "nothing written: {} is a folder",
            into.join("b.toml").display()
        )),
        "{err}"
    );
    // Neither a.toml (before it) nor c.toml (after it) written; no
    // temporary file left.
    assert_eq!(files(&into), before);
    let names: Vec<String> = std::fs::read_dir(&into)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".rtm-")), "{names:?}");
}

#[cfg(unix)]
#[test]
fn more_files_than_the_process_may_hold_open_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    let mut csv = String::from("kind,id,title,file\n");
    for i in 0..300 {
        csv.push_str(&format!("theme,TH-{i:03},Theme {i},t{i:03}.toml\n"));
    }
    std::fs::write(&file, csv).unwrap();
    let into = dir.path().join("tree");
    // 300 files staged under a limit of 128 open files: each staged file
    // is closed once written (they were all held open until put in place).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 128 && exec \"$0\" import \"$1\" --into \"$2\"")
        .arg(env!("CARGO_BIN_EXE_rtm"))
        .arg(&file)
        .arg(&into)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&into).len(), 301);
    assert_eq!(
        std::fs::read_to_string(into.join("t299.toml")).unwrap(),
        "[[theme]]\nid = \"TH-299\"\ntitle = \"Theme 299\"\n"
    );
}

#[test]
fn a_link_to_an_id_the_tree_lacks_is_left_to_rtm_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(
        &file,
        "kind,id,title,category,satisfies,user_impact\nrequirement,RTM-0001,One,mvp,BR-404,none\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}");
    let checked = common::check(&into);
    let codes: Vec<&str> = checked
        .findings
        .iter()
        .map(|f| f.code.rule().code)
        .collect();
    assert!(codes.contains(&"R004"), "{codes:?}");
    for c in ["R001", "R002", "R003", "R007"] {
        assert!(!codes.contains(&c), "{codes:?}");
    }
}

/// A typical programme RTM: a title block, a group header merged across
/// two columns above the header row, a header cell merged over two
/// columns, a hidden column, blank separator rows, an id typed as a
/// number, a date, a formula, trailing spaces, the business requirements
/// as lists, an MVP / SEC / Optional column, and a stated used range of
/// a million rows.
fn programme_rtm(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("RTM").unwrap();
    let bold = Format::new().set_bold();
    ws.merge_range(
        0,
        0,
        0,
        8,
        "4G CH Programme: Requirements Traceability Matrix",
        &bold,
    )
    .unwrap();
    ws.write_string(1, 0, "Version 0.3 — for OPSG review")
        .unwrap();
    ws.merge_range(2, 4, 2, 5, "Traceability", &bold).unwrap();
    let header = [
        "Req ID",
        "Requirement",
        "Description",
        "Internal notes",
        "MVP / SEC / Optional",
        "Business Req",
        "",
        "SEC Ref ",
        "Target date",
    ];
    for (c, h) in header.iter().enumerate() {
        if !h.is_empty() {
            ws.write_string_with_format(3, c as u16, *h, &bold).unwrap();
        }
    }
    // "Business Req" spans F and G; the lists are in F.
    ws.merge_range(3, 5, 3, 6, "Business Req", &bold).unwrap();
    ws.set_column_hidden(3).unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    // Row 5: trailing spaces, a list on several lines, a date.
    ws.write_string(4, 0, "RTM-0101  ").unwrap();
    ws.write_string(4, 1, "Power outage alert latency ")
        .unwrap();
    ws.write_string(4, 2, "Alerts reach the DNO within 180 s.")
        .unwrap();
    ws.write_string(4, 3, "ask Bob").unwrap();
    ws.write_string(4, 4, "MVP").unwrap();
    ws.write_string(4, 5, "BR-001;\nBR-002").unwrap();
    ws.write_string(4, 7, "SEC-POA-60").unwrap();
    ws.write_datetime_with_format(4, 8, ExcelDateTime::from_ymd(2020, 9, 30).unwrap(), &date)
        .unwrap();
    // Row 6: blank separator. Row 7: a number for an id, numbers in the
    // list, a formula's cached result for the title.
    ws.write_number(6, 0, 102.0).unwrap();
    ws.write_formula(
        6,
        1,
        Formula::new("=\"Hub \"&\"firmware\"").set_result("Hub firmware"),
    )
    .unwrap();
    ws.write_string(6, 4, "SEC Support").unwrap();
    ws.write_string(6, 5, "101, 103").unwrap();
    ws.write_string(6, 7, "SEC-FW").unwrap();
    // Rows 8–9: blank; row 10: optional, no business requirement.
    ws.write_string(9, 0, "RTM-0104").unwrap();
    ws.write_string(9, 1, "Dual-band hub").unwrap();
    ws.write_string(9, 4, " optional ").unwrap();
    // A styled blank cell a million rows down: the stated used range.
    ws.write_blank(1_048_575, 8, &date).unwrap();
    wb.save(path).unwrap();
}

const PROGRAMME_MAPPING: &str = r#"
[sheet]
name = "RTM"

[columns]
id = "Req ID"
title = "requirement"
text = "Description"
category = "MVP / SEC / Optional"
satisfies = "Business Req"
sec = "SEC Ref"
tags = "I"

[defaults]
kind = "requirement"
status = "agreed"

[values.category]
"MVP" = "mvp"
"SEC Support" = "sec-support"
"Optional" = "optional"
"#;

#[test]
fn a_typical_programme_rtm_imports_with_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("programme.xlsx");
    programme_rtm(&file);
    let map = dir.path().join("map.toml");
    std::fs::write(&map, PROGRAMME_MAPPING).unwrap();
    let into = dir.path().join("tree");
    let started = std::time::Instant::now();
    let (code, out, err) = import(&file, &into, &["--mapping", map.to_str().unwrap()]);
    assert!(
        started.elapsed().as_secs() < 20,
        "the stated range was read"
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote 3 nodes (3 requirement)"), "{out}");
    let text = std::fs::read_to_string(into.join("requirements.toml")).unwrap();
    let expected = r#"[[requirement]]
id = "RTM-0101"
title = "Power outage alert latency"
text = "Alerts reach the DNO within 180 s."
status = "agreed"
tags = ["2020-09-30"]
category = "mvp"
satisfies = ["BR-001", "BR-002"]
sec = ["SEC-POA-60"]

[[requirement]]
id = "102"
title = "Hub firmware"
status = "agreed"
category = "sec-support"
satisfies = ["101", "103"]
sec = ["SEC-FW"]

[[requirement]]
id = "RTM-0104"
title = "Dual-band hub"
status = "agreed"
category = "optional"
"#;
    assert_eq!(text, expected);
    // An id typed as a number: the new tree's rtm.toml allows it.
    let project = std::fs::read_to_string(into.join("rtm.toml")).unwrap();
    assert!(
        project.contains("requirement = \"^[A-Za-z0-9][A-Za-z0-9._-]*$\""),
        "{project}"
    );
    let checked = common::check(&into);
    for f in &checked.findings {
        let code = f.code.rule().code;
        assert!(
            !["R001", "R002", "R003", "R007"].contains(&code),
            "{code}: {}",
            f.message
        );
    }
}

#[test]
fn a_mapping_that_names_a_missing_column_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("programme.xlsx");
    programme_rtm(&file);
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        PROGRAMME_MAPPING.replace("title = \"requirement\"", "title = \"Requirment title\""),
    )
    .unwrap();
    let (code, out, _) = import(
        &file,
        &dir.path().join("tree"),
        &["--mapping", map.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: RTM!4: no column `Requirment title` (for `title`) in the header row"),
        "{out}"
    );
}

#[test]
fn a_hand_made_csv_and_tsv_import_without_a_mapping() {
    let dir = tempfile::tempdir().unwrap();
    // Headers in another case and with spaces, a column that is no field,
    // a blank separator row, quoted cells with commas and line breaks.
    let csv = "\u{feff}Kind, ID ,Title,Themes,Notes\r\n\
               theme,TH-01,\"Hubs, all of them\",,x\r\n\
               ,,,,\r\n\
               business,BR-001,\"Provide\na hub\",\"TH-01\",y\r\n";
    let file = dir.path().join("rtm.csv");
    std::fs::write(&file, csv).unwrap();
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("warning: column 'rtm.csv'!E1 `Notes` is not an rtm field: left out"),
        "{out}"
    );
    let checked = common::check(&into);
    let ids: Vec<(&str, &str)> = checked
        .model
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.title().unwrap()))
        .collect();
    assert_eq!(
        ids,
        [("BR-001", "Provide a hub"), ("TH-01", "Hubs, all of them")]
    );

    let tsv = dir.path().join("rtm.tsv");
    std::fs::write(&tsv, "kind\tid\ttitle\ntheme\tTH-01\tHubs\n").unwrap();
    let into = dir.path().join("tsv");
    assert_eq!(import(&tsv, &into, &[]).0, 0);
    assert_eq!(common::check(&into).model.nodes[0].id, "TH-01");
}

#[test]
fn a_cell_merged_down_belongs_to_every_row_it_covers() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("merged.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "kind",
        "id",
        "title",
        "category",
        "satisfies",
        "user_impact",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        ws.write_string(r, 0, "requirement").unwrap();
        ws.write_string(r, 1, format!("RTM-000{r}")).unwrap();
        ws.write_string(r, 2, format!("Entry {r}")).unwrap();
        ws.write_string(r, 3, "mvp").unwrap();
        ws.write_string(r, 5, "none").unwrap();
    }
    ws.merge_range(1, 4, 3, 4, "BR-001", &Format::new())
        .unwrap();
    wb.save(&file).unwrap();
    let into = dir.path().join("tree");
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let checked = common::check(&into);
    assert_eq!(checked.model.nodes.len(), 3);
    for n in &checked.model.nodes {
        let links: Vec<&str> = n.links.iter().map(|l| n.target(l)).collect();
        assert_eq!(links, ["BR-001"], "{}", n.id);
    }
}

#[test]
fn a_field_the_kind_does_not_have_is_reported_on_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(
        &file,
        "kind,id,title,satisfies,stage,values\n\
         theme,TH-01,Hubs,BR-001,,\n\
         modification,DP096,Alerts,,proposd,\n\
         requirement,RTM-0001,Entry,,,{ latency = \"slow\" }\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: 't.csv'!D2 (under `satisfies`): a theme has no field `satisfies`"),
        "{out}"
    );
    assert!(
        out.contains("error: 't.csv'!E3 (under `stage`): unknown stage `proposd`"),
        "{out}"
    );
    assert!(out.contains("help: did you mean `proposed`?"), "{out}");
    // A requirement needs a category, and its cell is empty.
    assert!(
        out.contains("requirement RTM-0001 needs `category`"),
        "{out}"
    );
    assert!(!into.exists());
}

#[test]
fn what_the_loader_refuses_is_reported_on_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.csv");
    std::fs::write(
        &file,
        "kind,id,title,category,values\n\
         requirement,RTM-0001,Entry,mvp,{ latency = \"slow\" }\n",
    )
    .unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error: 't.csv'!E2 (under `values`): "),
        "{out}"
    );
    assert!(!into.exists());
}

#[test]
fn a_dry_run_in_json_says_what_would_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rtm.xlsx");
    export("xlsx", &bundled(), &file, &[]);
    let into = dir.path().join("tree");
    let (code, out, _) = import(
        &file,
        &into,
        &["--dry-run", "--format", "json", "--sheet", "Nodes"],
    );
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["written"], false);
    assert_eq!(doc["sheet"], "Nodes");
    let checked = rtm::check(&bundled()).unwrap();
    let c = checked.model.counts();
    assert_eq!(doc["nodes"]["requirement"], c[2]);
    assert_eq!(doc["nodes"]["theme"], c[0]);
    // The same count of links as the real import prints.
    let real = dir.path().join("real");
    let (code, text, _) = import(&file, &real, &["--sheet", "Nodes"]);
    assert_eq!(code, 0);
    let links = format!("), {} links,", doc["links"]);
    assert!(text.contains(&links), "{links}\n{text}");
    assert!(
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "rtm.toml")
    );
    assert!(!into.exists());
    // Another sheet of the workbook has no id column.
    let (code, out, _) = import(&file, &into, &["--sheet", "Matrix"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error: Matrix!1: no `id` column"), "{out}");
    let (code, _, err) = import(&file, &into, &["--sheet", "Nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no sheet named `Nope`"), "{err}");
}

/// A tree whose nodes hold fields the model does not keep, values of every
/// shape, an id defined twice in one file and a table that is not a node.
fn odd_tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("more")).unwrap();
    std::fs::write(dir.join("rtm.toml"), "[project]\nname = \"odd\"\n").unwrap();
    std::fs::write(
        dir.join("nodes.toml"),
        r#"[[theme]]
id = "TH-1"
title = "Theme"

[[business]]
id = "BR-1"
title = "Business"
themes = ["TH-1"]
priority = "high"
notes = { a = 1, b = [1, 2], c = "x & <y>" }

[[requirement]]
id = "RTM-1"
title = "One"
satisfies = ["BR-1"]
category = "mvp"
values = { x = 1.5, y = 0x10 }
extra = "[not toml"
text = """
Two lines,
and "quotes"."""

[[requirement]]
id = "RTM-1"
title = "One again"
category = "optional"
user_impact = "none"

[[requirement]]
id = 7
title = "not a node"

[[requirement]]
id = "RTM-2"
title = "Two"
refines = ["RTM-1", "RTM-404"]
status = "agreed"
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("more/more.toml"),
        "[[requirement]]\nid = \"RTM-3\"\ntitle = \"Three\"\nsatisfies = [\"BR-1\"]\nlimits = [{ name = \"n\", max = 3 }]\nweird = 2026-11-30\n",
    )
    .unwrap();
}

/// The exports take every node's fields from the check's own parse of its
/// file (not parsing the files again): the bytes are those of the exports
/// that parse the files again (the library's, given nothing kept), for
/// the workbook, the CSV and ReqIF, with and without withheld nodes.
#[test]
fn exports_from_the_first_parse_are_the_bytes_of_a_second_parse() {
    let tmp = tempfile::tempdir().unwrap();
    let odd = tmp.path().join("odd");
    odd_tree(&odd);
    for tree in [bundled(), odd] {
        for level in [None, Some("white")] {
            let extra: Vec<&str> = level.map_or(vec![], |l| vec!["--classification", l]);
            let class = level.map(|l| rtm::model::Classification::parse_level(l).unwrap());
            let checked = common::check(&tree);
            let view = rtm::view::View::new(&checked, class).unwrap();
            let xlsx = tmp.path().join("out.xlsx");
            export("xlsx", &tree, &xlsx, &extra);
            let again = rtm::interchange::export::xlsx(&view, None, &|_| {}).unwrap();
            assert!(std::fs::read(&xlsx).unwrap() == again, "{}", tree.display());
            let csv = tmp.path().join("out.csv");
            export("csv", &tree, &csv, &extra);
            let again = rtm::interchange::export::csv(&view, None).unwrap();
            assert_eq!(
                String::from_utf8(std::fs::read(&csv).unwrap()).unwrap(),
                String::from_utf8(again).unwrap(),
                "{}",
                tree.display()
            );
            let linked = rtm::load_linked(&tree).unwrap();
            let view = rtm::view::View::new(&linked, class).unwrap();
            let reqif = tmp.path().join("out.reqif");
            export("reqif", &tree, &reqif, &extra);
            let again = rtm::reqif::export(&view, &rtm::reqif::ExportOptions::default());
            assert_eq!(
                std::fs::read_to_string(&reqif).unwrap(),
                again,
                "{}",
                tree.display()
            );
        }
    }
}

/// A sheet large enough that its rows are converted on several threads:
/// the diagnostics still come in row order (within a row, in column
/// order), a duplicate names the first cell of its id, and the variants
/// go into the new `rtm.toml` in the order the rows name them.
#[test]
fn many_rows_report_in_row_order_and_keep_their_first_cells() {
    let dir = tempfile::tempdir().unwrap();
    let rows = |bad: bool| {
        let mut csv = String::from("kind,id,title,themes,variants\n");
        for i in 0..5000 {
            let mut id = format!("BR-{i:05}");
            let mut themes = "TH-01";
            let variants = match i {
                10 => "gamma",
                1500 => "beta",
                4200 => "alpha, beta",
                _ => "",
            };
            if bad {
                match i {
                    3000 => {
                        id = "BR-00007".into();
                        themes = "A B";
                    }
                    4500 => id = "BR-00007".into(),
                    4999 => id = String::new(),
                    _ => {}
                }
            }
            csv.push_str(&format!(
                "business,{id},Title {i},{themes},\"{variants}\"\n"
            ));
        }
        csv
    };
    let file = dir.path().join("big.csv");
    std::fs::write(&file, rows(true)).unwrap();
    let into = dir.path().join("tree");
    let (code, out, _) = import(&file, &into, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(!into.exists(), "something was written");
    let expect = "\
error: 'big.csv'!B3002 (under `id`): duplicate id `BR-00007`: also at 'big.csv'!B9
  help: give every node its own id
error: 'big.csv'!D3002 (under `themes`): `A B` does not split into ids (`A B` is not one)
  help: separate the ids with commas, semicolons or line breaks
error: 'big.csv'!B4502 (under `id`): duplicate id `BR-00007`: also at 'big.csv'!B9
  help: give every node its own id
error: 'big.csv'!B5001 (under `id`): empty id: every node needs one
rtm: 4 bad cells: nothing written
";
    assert_eq!(out, expect);

    std::fs::write(&file, rows(false)).unwrap();
    let (code, out, err) = import(&file, &into, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let project = std::fs::read_to_string(into.join("rtm.toml")).unwrap();
    assert!(
        project.contains("variants = [\"gamma\", \"beta\", \"alpha\"]"),
        "{project}"
    );
    let checked = common::check(&into);
    assert_eq!(checked.model.nodes.len(), 5000);
}

/// The files are staged while the loader checks them: when the check
/// refuses a row, the staged files and the folders made for them go, and
/// the check's diagnostics are what is reported, even when staging
/// failed too.
#[test]
fn what_the_check_refuses_leaves_no_staged_file_or_folder() {
    let dir = tempfile::tempdir().unwrap();
    let into = dir.path().join("tree");
    std::fs::create_dir(&into).unwrap();
    std::fs::write(into.join("rtm.toml"), "[project]\nname = \"t\"\n").unwrap();
    std::fs::create_dir(into.join("b.toml")).unwrap();
    let before = files(&into);
    let file = dir.path().join("t.csv");
    let bad_row = "requirement,RTM-0002,Entry,mvp,BR-001,{ latency = \"slow\" },deep/er/r.toml\n";
    for (extra, third) in [
        ("", "theme,TH-02,Second,,,,b.toml\n"),
        ("--force", "theme,TH-02,Second,,,,b.toml\n"),
        ("", ""),
    ] {
        std::fs::write(
            &file,
            format!(
                "kind,id,title,category,satisfies,values,file\n\
                 theme,TH-01,First,,,,new/a.toml\n\
                 {third}{bad_row}"
            ),
        )
        .unwrap();
        let args: Vec<&str> = [extra].into_iter().filter(|a| !a.is_empty()).collect();
        let (code, out, err) = import(&file, &into, &args);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains("error: 't.csv'!F"), "{out}");
        assert!(out.contains("(under `values`): "), "{out}");
        assert_eq!(files(&into), before);
        let mut names: Vec<String> = std::fs::read_dir(&into)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["b.toml", "rtm.toml"]);
    }
}

/// The `Matrix` rows of a tree's workbook, each as its first `cells`
/// cells joined with `|`.
fn matrix_rows(tree: &Path, cells: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.xlsx");
    export("xlsx", tree, &out, &[]);
    let sheets = read_workbook(&out);
    let matrix = &sheets.iter().find(|(n, _)| n == "Matrix").unwrap().1;
    matrix[1..]
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.resize(8, String::new());
            r[..cells].join("|")
        })
        .collect()
}

/// The `Matrix` sheet's rows come sorted by their eight cells, whatever
/// order the ids and titles sort in, with a path per theme, an entry that
/// reaches its business requirement through `refines`, an entry that
/// reaches none, and two entries that share an id.
#[test]
fn the_matrix_rows_are_sorted_by_their_cells() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("rtm.toml"),
        "[project]\nname = \"m\"\n\n[ids]\ntheme = \"^TH-[0-9]+$\"\nbusiness = \"^BR-[0-9]+$\"\nrequirement = \"^RTM-[0-9]+$\"\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("nodes.toml"),
        r#"
[[theme]]
id = "TH-2"
title = "Alpha"
text = "t"

[[theme]]
id = "TH-10"
title = "Zeta"
text = "t"

[[business]]
id = "BR-1"
title = "Zulu"
text = "b"
themes = ["TH-2", "TH-10"]

[[business]]
id = "BR-2"
title = "Alpha"
text = "b"

[[business]]
id = "BR-3"
title = "Mike"
text = "b"
themes = ["TH-10"]

[[requirement]]
id = "RTM-3"
title = "C"
text = "r"
category = "mvp"
satisfies = ["BR-2", "BR-1"]

[[requirement]]
id = "RTM-1"
title = "Z"
text = "r"
category = "optional"
satisfies = ["BR-3"]

[[requirement]]
id = "RTM-2"
title = "A"
text = "r"
category = "mvp"
refines = ["RTM-1"]

[[requirement]]
id = "RTM-4"
title = "Alone"
text = "r"
category = "mvp"

[[requirement]]
id = "RTM-5"
title = "B"
text = "r"
category = "mvp"
satisfies = ["BR-3"]

[[requirement]]
id = "RTM-5"
title = "A"
text = "r"
category = "optional"
satisfies = ["BR-3"]
"#,
    )
    .unwrap();
    let rows = matrix_rows(&tree, 7);
    assert_eq!(
        rows,
        [
            "||||RTM-4|Alone|mvp",
            "||BR-2|Alpha|RTM-3|C|mvp",
            "TH-10|Zeta|BR-1|Zulu|RTM-3|C|mvp",
            "TH-10|Zeta|BR-3|Mike|RTM-1|Z|optional",
            "TH-10|Zeta|BR-3|Mike|RTM-2|A|mvp",
            "TH-10|Zeta|BR-3|Mike|RTM-5|A|optional",
            "TH-10|Zeta|BR-3|Mike|RTM-5|B|mvp",
            "TH-2|Alpha|BR-1|Zulu|RTM-3|C|mvp",
        ]
    );
}

/// An entry reaches the business requirements of every entry up its
/// `refines` chain, once each however many ways it reaches them, and a
/// cycle of `refines` ends the walk; a business requirement that names no
/// theme (or only a theme the tree does not hold) gives a row with empty
/// theme cells, and one naming a theme twice gives one row for it.
#[test]
fn the_matrix_follows_refines_chains_and_cycles_once() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("rtm.toml"), "[project]\nname = \"m\"\n").unwrap();
    std::fs::write(
        tree.join("nodes.toml"),
        r#"
[[theme]]
id = "TH-1"
title = "One"
text = "t"

[[business]]
id = "BR-1"
title = "First"
text = "b"
themes = ["TH-1", "TH-1", "TH-9"]

[[business]]
id = "BR-2"
title = "Second"
text = "b"
themes = ["TH-9"]

[[requirement]]
id = "RTM-1"
title = "Top"
text = "r"
category = "mvp"
satisfies = ["BR-1", "BR-1"]
refines = ["RTM-3"]

[[requirement]]
id = "RTM-2"
title = "Middle"
text = "r"
category = "mvp"
satisfies = ["BR-2"]
refines = ["RTM-1", "RTM-2"]

[[requirement]]
id = "RTM-3"
title = "Bottom"
text = "r"
category = "mvp"
refines = ["RTM-2", "BR-1", "RTM-404"]
"#,
    )
    .unwrap();
    let rows = matrix_rows(&tree, 6);
    assert_eq!(
        rows,
        [
            "||BR-2|Second|RTM-1|Top",
            "||BR-2|Second|RTM-2|Middle",
            "||BR-2|Second|RTM-3|Bottom",
            "TH-1|One|BR-1|First|RTM-1|Top",
            "TH-1|One|BR-1|First|RTM-2|Middle",
            "TH-1|One|BR-1|First|RTM-3|Bottom",
        ]
    );
}

/// The export's progress counts every row of every sheet, each sheet's rows
/// announced before any of them is counted as written: a bar never shows
/// more rows written than it knows of, and ends full.
#[test]
fn the_export_s_progress_counts_every_sheet_s_rows() {
    use rtm::interchange::export::{Tick, sheets, xlsx};
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    rtm::corpus::write(&tree, 2500, 3).unwrap();
    let checked = common::check(&tree);
    let view = rtm::view::View::new(&checked, None).unwrap();
    let rows: u64 = sheets(&view)
        .unwrap()
        .iter()
        .map(|s| s.rows.len() as u64)
        .sum();
    // More than one sheet, and more rows than the nodes (the Matrix).
    assert!(rows > checked.model.nodes.len() as u64, "{rows}");
    let seen = std::sync::Mutex::new((0u64, 0u64, 0usize));
    xlsx(&view, None, &|t| {
        let mut seen = seen.lock().unwrap();
        match t {
            Tick::Rows(n) => {
                seen.0 += n;
                seen.2 += 1;
            }
            Tick::Written(n) => seen.1 += n,
        }
        assert!(seen.1 <= seen.0, "written {} of {}", seen.1, seen.0);
    })
    .unwrap();
    let (announced, written, sheets_seen) = *seen.lock().unwrap();
    assert_eq!(sheets_seen, 4);
    assert_eq!(announced, rows);
    assert_eq!(written, rows);
}

/// A CSV's rows are numbered as a spreadsheet program shows the file: a
/// blank line is an empty row, a quoted field over two lines is one row,
/// and `\r\n`, `\n` and `\r` each end one line.
#[test]
fn csv_cells_are_named_by_the_rows_a_spreadsheet_shows() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        (
            "blank.csv",
            "kind,id,title,category\n\nrequirement,RTM-1,One,mvp\n\n\nrequirement,RTM-2,Two,MPV\n",
            &["'blank.csv'!D6 (under `category`): unknown category `MPV`"][..],
        ),
        (
            "title.csv",
            "My RTM export\n\nkind,id,title,category,Extra\r\nrequirement,RTM-1,\"One\nline two\",mvp,x\r\n\r\nrequirement,RTM-2,Two,MPV,y\n",
            &["'title.csv'!D6 (under `category`): unknown category `MPV`"],
        ),
        (
            "cr.csv",
            "kind,id,title,category\rrequirement,RTM-1,One,mvp\r\rrequirement,RTM-2,Two,MPV\r",
            &["'cr.csv'!D4 (under `category`): unknown category `MPV`"],
        ),
    ] {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let (code, out, err) = import(&file, &dir.path().join(format!("t-{name}")), &[]);
        assert_eq!(code, 1, "{name}: {out}{err}");
        let all = format!("{out}{err}");
        for w in want {
            assert!(all.contains(w), "{name}: `{w}` in:\n{all}");
        }
    }
    // The header's row, in a warning about a column left out.
    let file = dir.path().join("good.csv");
    std::fs::write(
        &file,
        "My RTM export\n\nkind,id,title,category,Extra\r\nrequirement,RTM-1,One,mvp,x\r\n",
    )
    .unwrap();
    let (code, out, err) = import(&file, &dir.path().join("t-good"), &["--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("column 'good.csv'!E3 `Extra` is not an rtm field"),
        "{out}{err}"
    );
}

/// An entry reaches the business requirements of every entry up its
/// `refines` chain, loops included (each member of a loop reaches what
/// any member reaches), and a withheld entry's are not shown.
#[test]
fn the_matrix_follows_refines_chains_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("rtm.toml"), "[project]\nname = \"m\"\n").unwrap();
    let mut nodes = String::from(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"one\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[business]]\nid = \"BR-002\"\ntitle = \"two\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n",
    );
    // RTM-0001 → RTM-0002 ⇄ RTM-0003 → RTM-0004 (satisfies BR-001);
    // RTM-0003 satisfies BR-002; RTM-0005 refines nothing and satisfies
    // nothing.
    for (id, satisfies, refines) in [
        ("RTM-0001", "", "\"RTM-0002\""),
        ("RTM-0002", "", "\"RTM-0003\""),
        ("RTM-0003", "\"BR-002\"", "\"RTM-0002\", \"RTM-0004\""),
        ("RTM-0004", "\"BR-001\"", ""),
        ("RTM-0005", "", ""),
    ] {
        nodes.push_str(&format!(
            "\n[[requirement]]\nid = \"{id}\"\ntitle = \"{id}\"\ntext = \"r\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [{satisfies}]\nrefines = [{refines}]\n"
        ));
    }
    std::fs::write(tree.join("nodes.toml"), nodes).unwrap();
    let rows = matrix_rows(&tree, 5);
    assert_eq!(
        rows,
        [
            "||||RTM-0005",
            "TH-01|t|BR-001|one|RTM-0001",
            "TH-01|t|BR-001|one|RTM-0002",
            "TH-01|t|BR-001|one|RTM-0003",
            "TH-01|t|BR-001|one|RTM-0004",
            "TH-01|t|BR-002|two|RTM-0001",
            "TH-01|t|BR-002|two|RTM-0002",
            "TH-01|t|BR-002|two|RTM-0003",
        ],
        "{rows:?}"
    );
}
