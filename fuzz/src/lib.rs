//! The harness shared by the fuzz targets: check a tree held in memory,
//! render it in every format, and assert what must always hold.
//!
//! Every target ends in [`run`]. A panic anywhere (in rtm or in an
//! assertion here) is a crash that libFuzzer keeps as an artifact.

use std::collections::HashMap;
use std::path::Path;

use rtm::load::{Entry, FileSet};
use rtm::model::Classification;
use rtm::render::graph::GraphFormat;
use rtm::report::DocOptions;
use rtm::view::View;
use serde_json::Value;

/// A small project file: variants, an `[ids]` pattern, a classification
/// (so that documents withhold some nodes) and rule levels.
pub const CONFIG: &str = r#"[project]
name = "Fuzz"
sec_baseline = "SEC as at 2020-09"
variants = ["SB", "DB"]
classification = "green"

[ids]
requirement = "^RTM-[0-9]{4}$"

[rules]
R106 = "warning"
contingent-deviation = "error"
"#;

/// A small healthy node file with one node of every kind, a deviation, a
/// waiver and a review stamp: what the fuzzed files can link to.
pub const NODES: &str = r#"[[theme]]
id = "TH-01"
title = "Outage alerts"
text = "Theme."

[[business]]
id = "BR-010"
title = "Alert the DNO"
text = "Business."
themes = ["TH-01"]

[[sec]]
id = "SEC-POA-60"
title = "Alerts within 60 s"
source = "SEC"
limits = { poa_latency_s = { max = 60 } }

[[modification]]
id = "DP096"
title = "DNO Power Outage Alerts"
stage = "proposed"

[[requirement]]
id = "RTM-0101"
title = "Alert latency"
text = "Entry."
category = "mvp"
classification = "amber"
satisfies = ["BR-010"]
user_impact = "none"
values = { poa_latency_s = 180 }
reviewed = { by = "OPSG", on = 2020-10-26, fingerprint = "x", links = { "BR-010" = "y" } }

[[requirement.deviations]]
sec = "SEC-POA-60"
summary = "Up to 180 s"
rationale = "Modem attach time"
modification = "DP096"

[[requirement.waivers]]
rule = "R207"
reason = "Tracked"
by = "OPSG"
until = 2030-01-01
"#;

/// A tree of in-memory files: `rtm.toml` (if any) and node files.
pub fn file_set(project: Option<&[u8]>, files: Vec<(String, Entry)>) -> FileSet {
    FileSet {
        project: project.map(|b| Entry::Bytes(b.to_vec())),
        entries: files,
    }
}

/// Checks the tree, renders it in every format and asserts the invariants.
pub fn run(set: FileSet) {
    let options = rtm::Options {
        today: Some(jiff::civil::date(2021, 1, 1)),
        ..Default::default()
    };
    let checked = rtm::check_files(set, &options);
    let texts: HashMap<&str, &str> = checked
        .model
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.text.as_str()))
        .collect();

    // JSON (FORMAT §6): parses back, has the documented shape, is sorted,
    // and every place lies inside its file.
    let mut json = Vec::new();
    rtm::render::json::write(&mut json, "tree", &checked).unwrap();
    let doc: Value = serde_json::from_slice(&json).unwrap();
    check_json(&doc, &checked, &texts);

    let mut human = Vec::new();
    let style = rtm::render::human::Style {
        color: false,
        width: 100,
    };
    rtm::render::human::write(&mut human, &checked, style).unwrap();
    assert!(String::from_utf8(human).is_ok());

    let mut sarif = Vec::new();
    rtm::render::sarif::write(&mut sarif, Path::new("tree"), &checked).unwrap();
    let log: Value = serde_json::from_slice(&sarif).unwrap();
    let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert_eq!(results, checked.findings.len());

    let mut github = Vec::new();
    rtm::render::github::write(&mut github, Path::new("tree"), &checked).unwrap();
    // One line per finding, then the summary: a message never breaks a line.
    let lines = github.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lines, checked.findings.len() + 1);

    for level in [None, Some(Classification::White)] {
        let Ok(view) = View::new(&checked, level) else {
            continue; // an unreadable project classification: no document
        };
        let opts = DocOptions::default();
        let report = rtm::report::traceability::write(&view, &opts);
        let review = rtm::report::review::write(&view, &opts);
        let page = rtm::report::html::page_for(&view, &review);
        assert!(!page.contains("<script"));
        let _ = rtm::report::html::page_for(&view, &report);
        for format in [GraphFormat::Dot, GraphFormat::Mermaid] {
            let _ = rtm::render::graph::write(&view, format, None);
        }
        if let Some(first) = checked.model.nodes.first() {
            let _ = rtm::render::graph::write(&view, GraphFormat::Dot, Some(&first.id));
        }
    }
}

fn check_json(doc: &Value, checked: &rtm::Checked, texts: &HashMap<&str, &str>) {
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["root"], "tree");
    let counts = checked.counts();
    let summary = &doc["summary"];
    assert_eq!(summary["errors"].as_u64(), Some(counts.errors as u64));
    assert_eq!(summary["warnings"].as_u64(), Some(counts.warnings as u64));
    assert_eq!(summary["notes"].as_u64(), Some(counts.notes as u64));
    let nodes = summary["nodes"].as_object().unwrap();
    assert_eq!(nodes.len(), 5);
    let total: u64 = nodes.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, checked.model.nodes.len() as u64);

    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), checked.findings.len());
    let mut previous: Option<(String, u64, u64, String)> = None;
    for f in findings {
        let code = f["code"].as_str().unwrap();
        assert!(code.len() == 4 && code.starts_with('R'), "{code}");
        assert!(rtm::rules::lookup(code).is_some());
        assert!(f["rule"].is_string());
        assert!(matches!(
            f["severity"].as_str(),
            Some("error" | "warning" | "note")
        ));
        assert!(f["message"].is_string());
        assert!(f["node"].is_null() || f["node"].is_string());
        let place = check_place(f, texts);
        let key = (place.0, place.1, place.2, code.to_owned());
        if let Some(p) = &previous {
            assert!(*p <= key, "findings out of order: {p:?} then {key:?}");
        }
        previous = Some(key);
        for r in f["related"].as_array().unwrap() {
            assert!(r["node"].is_null() || r["node"].is_string());
            assert!(r["message"].is_string());
            check_place(r, texts);
        }
    }
}

/// Asserts that a JSON place (`file`, `line`, `column`) lies inside its
/// file: the line exists and the column is at most the line's length
/// (in characters) plus one.
fn check_place(v: &Value, texts: &HashMap<&str, &str>) -> (String, u64, u64) {
    let file = v["file"].as_str().unwrap();
    let line = v["line"].as_u64().unwrap();
    let column = v["column"].as_u64().unwrap();
    assert!(line >= 1 && column >= 1, "{file}:{line}:{column}");
    let text = texts.get(file).copied().unwrap_or("");
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(content) = lines.get(line as usize - 1) else {
        panic!("{file}:{line}:{column}: the file has {} lines", lines.len());
    };
    let width = content.chars().count() as u64;
    assert!(
        column <= width + 1,
        "{file}:{line}:{column}: the line has {width} characters"
    );
    (file.to_owned(), line, column)
}

/// Splits fuzz input into at most `max` parts on the byte `sep`.
pub fn split(data: &[u8], sep: u8, max: usize) -> Vec<&[u8]> {
    data.splitn(max, |&b| b == sep).collect()
}
