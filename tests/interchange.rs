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
use common::{fixture, rtm};

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

fn export(kind: &str, tree: &Path, out: &Path, extra: &[&str]) {
    rtm()
        .args(["export", kind])
        .arg(tree)
        .arg("-o")
        .arg(out)
        .args(extra)
        .assert()
        .success();
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
    let declared: usize = checked.model.nodes.iter().map(|n| n.deviations.len()).sum();
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
