//! Modifications that change the SEC, and scenarios (FORMAT §16): a
//! modification's `changes`, effective limits, `--assume`, R213–R215 and
//! the review pack's "If MOD is in force" column.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{listing, places};

/// Checks one node file given as text, with default options.
fn check_text(text: &str) -> rtm::Checked {
    check_text_with(text, &rtm::Options::default())
}

fn check_text_with(text: &str, options: &rtm::Options) -> rtm::Checked {
    let set = rtm::load::FileSet {
        project: None,
        entries: vec![(
            "a.toml".to_owned(),
            rtm::load::Entry::Bytes(text.as_bytes().to_vec()),
        )],
    };
    rtm::check_files(set, options)
}

fn codes(checked: &rtm::Checked, code: &str) -> Vec<String> {
    places(checked)
        .into_iter()
        .filter(|p| p.starts_with(&format!("{code} ")))
        .collect()
}

const SEC: &str = r#"
[[sec]]
id = "SEC-POA-60"
title = "Power outage alerts within 60 seconds"
limits = { poa_latency_s = { max = 60 } }
"#;

#[test]
fn a_change_is_read_with_its_link_and_limits() {
    let text = format!(
        "{SEC}
[[modification]]
id = \"DP096\"
title = \"DNO Power Outage Alerts\"
stage = \"proposed\"

[[modification.changes]]
sec = \"SEC-POA-60\"
limits = {{ poa_latency_s = {{ max = 180 }} }}
"
    );
    let checked = check_text(&text);
    assert!(codes(&checked, "R002").is_empty(), "{}", listing(&checked));
    let m = checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == "DP096")
        .unwrap();
    assert_eq!(m.changes().len(), 1);
    let c = &m.changes()[0];
    assert!(!c.withdraws);
    assert_eq!(m.link_target(c.sec).unwrap(), "SEC-POA-60");
    assert_eq!(c.limits[0].param, "poa_latency_s");
    assert_eq!(c.limits[0].max, Some(rtm::model::Number::Int(180)));
}

#[test]
fn a_change_needs_limits_or_withdraws_but_not_both() {
    let text = format!(
        "{SEC}
[[modification]]
id = \"DP096\"
title = \"DNO Power Outage Alerts\"
stage = \"proposed\"

[[modification.changes]]
sec = \"SEC-POA-60\"
limits = {{ poa_latency_s = {{ max = 180 }} }}
withdraws = true

[[modification.changes]]
sec = \"SEC-POA-60\"

[[modification.changes]]
sec = \"SEC-POA-60\"
withdraws = false

[[modification.changes]]
limits = {{ poa_latency_s = {{ max = 120 }} }}
withdraw = true
"
    );
    let checked = check_text(&text);
    let all = listing(&checked);
    assert!(
        all.contains("a change has both `limits` and `withdraws`"),
        "{all}"
    );
    assert!(
        all.contains("a change has neither `limits` nor `withdraws`"),
        "{all}"
    );
    assert!(all.contains("`withdraws = false` changes nothing"), "{all}");
    assert!(
        all.contains("a change is missing the required field `sec`"),
        "{all}"
    );
    assert!(
        all.contains("unknown field `withdraw` in a change"),
        "{all}"
    );
    assert!(
        checked
            .findings
            .iter()
            .any(|f| f.help.as_deref() == Some("did you mean `withdraws`?")),
        "{all}"
    );
}

#[test]
fn a_change_links_to_an_obligation_r004_r005_and_no_r107() {
    let text = format!(
        "{SEC}
[[sec]]
id = \"SEC-OLD\"
title = \"An obligation already withdrawn\"
status = \"withdrawn\"

[[modification]]
id = \"DP096\"
title = \"DNO Power Outage Alerts\"
stage = \"proposed\"

[[modification.changes]]
sec = \"SEC-NOPE\"
withdraws = true

[[modification.changes]]
sec = \"DP096\"
withdraws = true

[[modification.changes]]
sec = \"SEC-OLD\"
withdraws = true
"
    );
    let checked = check_text(&text);
    let all = listing(&checked);
    assert_eq!(codes(&checked, "R004").len(), 1, "{all}");
    assert_eq!(codes(&checked, "R005").len(), 1, "{all}");
    assert!(all.contains("DP096 changes SEC-NOPE"), "{all}");
    assert!(codes(&checked, "R107").is_empty(), "{all}");
}

#[test]
fn changes_are_in_the_fingerprint_and_none_keeps_it() {
    let plain = "[[modification]]\nid = \"DP096\"\ntitle = \"DNO Power Outage Alerts\"\nstage = \"approved\"\n";
    let fp = |text: &str| {
        let checked = check_text(text);
        let m = checked
            .model
            .nodes
            .iter()
            .find(|n| n.id == "DP096")
            .unwrap();
        (rtm::stamp::fingerprint(m), rtm::stamp::canonical(m))
    };
    // The documented example (docs/format.md §13) is unchanged.
    assert_eq!(
        fp(plain).0,
        "v1:551a396d89b6459d7a3e1b3526219aa1668c40c55854712622daed3152219f1e"
    );
    let relaxed = format!(
        "{plain}[[modification.changes]]\nsec = \"SEC-POA-60\"\nlimits = {{ poa_latency_s = {{ max = 180 }} }}\n"
    );
    let tighter = relaxed.replace("180", "120");
    let withdrawn =
        format!("{plain}[[modification.changes]]\nsec = \"SEC-POA-60\"\nwithdraws = true\n");
    let (a, canon) = fp(&relaxed);
    assert!(
        canon.ends_with("change [\"SEC-POA-60\",false,[[\"poa_latency_s\",null,180,null]]]\n"),
        "{canon}"
    );
    let (b, _) = fp(&tighter);
    let (c, canon_w) = fp(&withdrawn);
    assert!(
        canon_w.ends_with("change [\"SEC-POA-60\",true,[]]\n"),
        "{canon_w}"
    );
    let base = fp(plain).0;
    assert!(a != base && b != base && c != base && a != b && a != c && b != c);
}

fn assume(ids: &[&str]) -> rtm::Options {
    rtm::Options {
        today: None,
        assume: rtm::scenario::Assume::parse(ids),
    }
}

/// An entry committing to `value` without a deviation, an obligation of
/// at most 60, and DP096 at `stage` changing it to at most 180.
fn undeclared(value: &str, stage: &str) -> String {
    format!(
        "{SEC}
[[modification]]
id = \"DP096\"
title = \"DNO Power Outage Alerts\"
stage = \"{stage}\"

[[modification.changes]]
sec = \"SEC-POA-60\"
limits = {{ poa_latency_s = {{ max = 180 }} }}

[[requirement]]
id = \"RTM-0303\"
title = \"Power outage alert latency\"
category = \"mvp\"
sec = [\"SEC-POA-60\"]
values = {{ poa_latency_s = {value} }}
"
    )
}

#[test]
fn r203_uses_the_effective_limits() {
    let none = rtm::Options::default();
    // As the SEC stands: 180 breaks at most 60.
    let c = check_text_with(&undeclared("180", "proposed"), &none);
    assert_eq!(codes(&c, "R203").len(), 1, "{}", listing(&c));
    // Implemented: the limit in force is at most 180, and 180 meets it.
    let c = check_text_with(&undeclared("180", "implemented"), &none);
    assert!(codes(&c, "R203").is_empty(), "{}", listing(&c));
    // Assumed, by id or as pending: the same.
    for a in [&["DP096"][..], &["pending"], &["DP096", "pending"]] {
        let c = check_text_with(&undeclared("180", "proposed"), &assume(a));
        assert!(codes(&c, "R203").is_empty(), "{a:?}: {}", listing(&c));
    }
    // A figure beyond the changed limit still breaks it, in its words.
    let c = check_text_with(&undeclared("181", "implemented"), &none);
    let all = listing(&c);
    assert_eq!(codes(&c, "R203").len(), 1, "{all}");
    assert!(
        all.contains("RTM-0303 sets poa_latency_s = 181 but SEC-POA-60 allows at most 180"),
        "{all}"
    );
    // Pending does not take in a rejected modification.
    let c = check_text_with(&undeclared("180", "rejected"), &assume(&["pending"]));
    assert_eq!(codes(&c, "R203").len(), 1, "{}", listing(&c));
}

fn withdrawing(stage: &str) -> String {
    format!(
        "{SEC}
[[modification]]
id = \"MP200\"
title = \"Retire the alert obligation\"
stage = \"{stage}\"

[[modification.changes]]
sec = \"SEC-POA-60\"
withdraws = true
"
    )
}

#[test]
fn a_withdrawn_obligation_needs_no_entry() {
    let c = check_text(&withdrawing("approved"));
    assert_eq!(codes(&c, "R106").len(), 1, "{}", listing(&c));
    let c = check_text(&withdrawing("implemented"));
    assert!(codes(&c, "R106").is_empty(), "{}", listing(&c));
    let c = check_text_with(&withdrawing("approved"), &assume(&["MP200"]));
    assert!(codes(&c, "R106").is_empty(), "{}", listing(&c));
    let scenario = &c.scenario;
    let i = c.graph.find(&c.model, "SEC-POA-60").unwrap();
    assert!(scenario.is_withdrawn(i));
    assert!(scenario.limits(i, &c.model.nodes[i]).is_none());
}

#[test]
fn no_r207_for_a_modification_assumed_in_force() {
    let text = format!(
        "{SEC}
[[modification]]
id = \"DP096\"
title = \"DNO Power Outage Alerts\"
stage = \"proposed\"

[[modification]]
id = \"MP122\"
title = \"Operational Metrics\"
stage = \"report\"

[[requirement]]
id = \"RTM-0303\"
title = \"Power outage alert latency\"
category = \"mvp\"
values = {{ poa_latency_s = 180 }}

[[requirement.deviations]]
sec = \"SEC-POA-60\"
summary = \"Alerts may take up to 180 s\"
rationale = \"Modem attach time\"
modification = \"DP096\"

[[requirement.deviations]]
sec = \"SEC-POA-60\"
summary = \"Also metrics\"
rationale = \"Metrics\"
modification = \"MP122\"
"
    );
    let c = check_text(&text);
    assert_eq!(codes(&c, "R207").len(), 2, "{}", listing(&c));
    // Assuming DP096: the deviation relying on it is not contingent in
    // that scenario; the one relying on MP122 still is.
    let c = check_text_with(&text, &assume(&["DP096"]));
    let all = listing(&c);
    assert_eq!(codes(&c, "R207").len(), 1, "{all}");
    assert!(
        all.contains("relies on MP122, still at stage report"),
        "{all}"
    );
    let c = check_text_with(&text, &assume(&["pending"]));
    assert!(codes(&c, "R207").is_empty(), "{}", listing(&c));
}

/// The example tree of the README's scenarios section.
fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = common::rtm().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The row of a deviation table (twelve columns or more) that starts with `| id |`.
fn row<'a>(doc: &'a str, id: &str) -> &'a str {
    doc.lines()
        .find(|l| l.starts_with(&format!("| {id} |")) && l.split(" | ").count() >= 12)
        .unwrap_or_else(|| panic!("no row for {id}:\n{doc}"))
}

#[test]
fn review_says_what_each_modification_would_do() {
    let tree = example();
    let (code, doc, _) = run(&["review", tree.to_str().unwrap()]);
    assert_eq!(code, 0);
    // The column sits right after "Contingent".
    assert!(
        doc.contains("| Stage | Contingent | If MOD is in force |"),
        "{doc}"
    );
    // Relaxes the limit to 180, and the entry sets 180: complies.
    assert!(
        row(&doc, "RTM-0303").contains("| DP096 | proposed | yes | complies |"),
        "{doc}"
    );
    // Relaxes it to 45 only, and the entry sets 60.
    assert!(
        row(&doc, "RTM-0310").contains("| MP122 | report | yes | still deviates: 60 > 45 |"),
        "{doc}"
    );
    // Withdraws the obligation: complies.
    assert!(
        row(&doc, "RTM-0320").contains("| MP117 | refinement | yes | complies |"),
        "{doc}"
    );
    // The SEC as it stands: no scenario in the header, figures against
    // the obligation's own limits.
    assert!(!doc.contains("| Scenario |"), "{doc}");
    assert!(
        doc.contains("poa_latency_s = 180 (breaks at most 60)"),
        "{doc}"
    );
}

#[test]
fn review_under_assume_pending_is_computed_in_that_world() {
    let tree = example();
    let (code, doc, _) = run(&["review", tree.to_str().unwrap(), "--assume", "pending"]);
    assert_eq!(code, 0);
    assert!(
        doc.contains("| Scenario | Assuming DP096, MP117 and MP122 in force (every pending modification: not rejected or withdrawn) |"),
        "{doc}"
    );
    assert!(
        doc.contains("Limits (as changed by DP096, in force): `poa_latency_s` at most 180"),
        "{doc}"
    );
    assert!(
        doc.contains("poa_latency_s = 180 (within at most 180)"),
        "{doc}"
    );
    assert!(
        doc.contains("fw_report_days = 60 (breaks at most 45)"),
        "{doc}"
    );
    assert!(doc.contains("— (obligation withdrawn by MP117)"), "{doc}");
    assert!(
        row(&doc, "RTM-0303").contains("| DP096 | proposed | no (assumed in force) | complies |"),
        "{doc}"
    );
    assert!(
        doc.contains("Withdrawn by a modification in force, so needing no entry: SEC-CHR-01."),
        "{doc}"
    );
    assert!(
        doc.contains("| DP096 | DNO Power Outage Alerts (illustrative change) | proposed (assumed in force) | RTM-0303 |"),
        "{doc}"
    );
    // One modification only.
    let (_, one, _) = run(&["review", tree.to_str().unwrap(), "--assume", "DP096"]);
    assert!(
        one.contains("| Scenario | Assuming DP096 in force |"),
        "{one}"
    );
    assert!(
        row(&one, "RTM-0310").contains("| MP122 | report | yes |"),
        "{one}"
    );
}

#[test]
fn the_bundled_dp096_states_no_change() {
    let tree = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements");
    let checked = rtm::check(&tree).unwrap();
    let dp096 = checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == "DP096")
        .unwrap();
    assert!(
        dp096.changes().is_empty(),
        "the papers do not say what DP096 changes"
    );
    let mut docs = Vec::new();
    for extra in [&[][..], &["--assume", "DP096"]] {
        let mut args = vec!["review", tree.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (code, doc, _) = run(&args);
        assert_eq!(code, 0);
        // The 60-second obligation keeps its limit and is not addressed.
        let unaddressed = doc
            .split("## 5. SEC obligations not addressed")
            .nth(1)
            .unwrap();
        assert!(unaddressed.contains("| SEC-POA-60 |"), "{doc}");
        docs.push(doc);
    }
    // Assuming DP096 changes nothing but the header's scenario line.
    let strip = |d: &str| {
        d.lines()
            .filter(|l| !l.starts_with("| Scenario |"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        strip(&docs[0]),
        strip(&docs[1])
            .into_iter()
            .map(|l| l.replace(" (assumed in force)", ""))
            .collect::<Vec<_>>()
    );
}

/// A copy of the example tree, with `edit` applied to one of its files.
fn edited(file: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = common::copy_tree(&example());
    let path = dir.path().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    dir
}

fn json_findings(args: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let (code, out, err) = run(args);
    let doc: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, doc["findings"].as_array().unwrap().clone())
}

fn of<'a>(findings: &'a [serde_json::Value], code: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["code"] == code).collect()
}

#[test]
fn an_implemented_modification_resolves_the_deviation() {
    let dir = edited(
        "modifications.toml",
        "stage = \"proposed\"",
        "stage = \"implemented\"",
    );
    let tree = dir.path().to_str().unwrap();
    let (_, f) = json_findings(&["check", tree, "--format", "json"]);
    let r213 = of(&f, "R213");
    assert_eq!(r213.len(), 1, "{f:#?}");
    assert_eq!(r213[0]["node"], "RTM-0303");
    assert!(
        r213[0]["message"]
            .as_str()
            .unwrap()
            .contains("SEC-POA-60 as changed by DP096 (implemented) allows it (poa_latency_s = 180, within at most 180)"),
        "{r213:#?}"
    );
    // Implemented: not contingent.
    assert!(
        !of(&f, "R207").iter().any(|x| x["node"] == "RTM-0303"),
        "{f:#?}"
    );
    let (_, doc, _) = run(&["review", tree]);
    assert!(
        row(&doc, "RTM-0303").contains("| DP096 | implemented | no | complies |"),
        "{doc}"
    );
    assert!(
        doc.contains("poa_latency_s = 180 (within at most 180)"),
        "{doc}"
    );
}

#[test]
fn check_assume_gives_the_register_in_that_world() {
    let tree = example();
    let tree = tree.to_str().unwrap();
    let (code, f) = json_findings(&["check", tree, "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(of(&f, "R207").len(), 3, "{f:#?}");
    assert!(of(&f, "R213").is_empty(), "{f:#?}");
    // R214 with both figures, whatever the scenario.
    let r214 = of(&f, "R214");
    assert_eq!(r214.len(), 1, "{f:#?}");
    assert_eq!(
        r214[0]["message"],
        "RTM-0310: even with MP122 in force the entry would still deviate from SEC-PM2-01: fw_report_days = 60 but SEC-PM2-01 would allow at most 45"
    );

    // Assuming DP096: its deviation is not contingent, and no longer needed.
    let (_, f) = json_findings(&["check", tree, "--format", "json", "--assume", "DP096"]);
    let r207: Vec<&str> = of(&f, "R207")
        .iter()
        .map(|x| x["node"].as_str().unwrap())
        .collect();
    assert_eq!(r207, ["RTM-0310", "RTM-0320"], "{f:#?}");
    let r213: Vec<&str> = of(&f, "R213")
        .iter()
        .map(|x| x["node"].as_str().unwrap())
        .collect();
    assert_eq!(r213, ["RTM-0303"]);
    assert!(
        of(&f, "R213")[0]["message"]
            .as_str()
            .unwrap()
            .contains("DP096 (assumed in force)")
    );

    // Every pending one, repeated and comma-separated forms alike.
    for args in [
        &["--assume", "pending"][..],
        &["--assume", "DP096,MP117", "--assume", "MP122"],
    ] {
        let mut all = vec!["check", tree, "--format", "json"];
        all.extend_from_slice(args);
        let (_, f) = json_findings(&all);
        assert!(of(&f, "R207").is_empty(), "{args:?}: {f:#?}");
        assert_eq!(of(&f, "R213").len(), 2, "{args:?}: {f:#?}");
        assert_eq!(of(&f, "R214").len(), 1, "{args:?}: {f:#?}");
    }
}

#[test]
fn two_modifications_in_force_on_one_quantity_conflict() {
    let dir = edited(
        "modifications.toml",
        "# Falls short:",
        "[[modification]]\nid = \"DP150\"\ntitle = \"Another alert change\"\nstage = \"decision\"\n\n[[modification.changes]]\nsec = \"SEC-POA-60\"\nlimits = { poa_latency_s = { max = 240 } }\n\n# Falls short:",
    );
    let tree = dir.path().to_str().unwrap();
    let (code, f) = json_findings(&["check", tree, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(of(&f, "R215").is_empty(), "{f:#?}");
    let (code, f) = json_findings(&["check", tree, "--format", "json", "--assume", "pending"]);
    assert_eq!(code, 1, "R215 is an error");
    let r215 = of(&f, "R215");
    assert_eq!(r215.len(), 1, "{f:#?}");
    assert_eq!(r215[0]["node"], "DP150");
    assert_eq!(
        r215[0]["message"],
        "DP096 (assumed in force) and DP150 (assumed in force), both in force, change `poa_latency_s` of SEC-POA-60: DP096 applies, its id sorting first"
    );
    // One of the two alone: no conflict.
    let (_, f) = json_findings(&["check", tree, "--format", "json", "--assume", "DP150"]);
    assert!(of(&f, "R215").is_empty(), "{f:#?}");
}

#[test]
fn a_withdrawn_obligation_needs_no_entry_end_to_end() {
    // Without RTM-0320, nothing addresses SEC-CHR-01.
    let dir = edited(
        "requirements.toml",
        "in bulk.\"\nstatus = \"proposed\"",
        "in bulk.\"\nstatus = \"withdrawn\"",
    );
    let tree = dir.path().to_str().unwrap();
    let (_, f) = json_findings(&["check", tree, "--format", "json"]);
    let r106: Vec<&str> = of(&f, "R106")
        .iter()
        .map(|x| x["node"].as_str().unwrap())
        .collect();
    assert_eq!(r106, ["SEC-CHR-01"], "{f:#?}");
    let (_, f) = json_findings(&["check", tree, "--format", "json", "--assume", "MP117"]);
    assert!(of(&f, "R106").is_empty(), "{f:#?}");
    let (_, doc, _) = run(&["review", tree, "--assume", "MP117"]);
    assert!(
        doc.contains("Withdrawn by a modification in force, so needing no entry: SEC-CHR-01."),
        "{doc}"
    );
}

#[test]
fn report_names_the_scenario() {
    let tree = example();
    let (code, doc, _) = run(&["report", tree.to_str().unwrap(), "--assume", "MP117"]);
    assert_eq!(code, 0);
    assert!(
        doc.contains("| Scenario | Assuming MP117 in force |"),
        "{doc}"
    );
    let (_, plain, _) = run(&["report", tree.to_str().unwrap()]);
    assert!(!plain.contains("| Scenario |"), "{plain}");
}

#[test]
fn diff_compares_both_versions_under_one_scenario() {
    let head = edited(
        "requirements.toml",
        "poa_latency_s = 180 }",
        "poa_latency_s = 200 }",
    );
    let base = example();
    let (b, h) = (base.to_str().unwrap(), head.path().to_str().unwrap());
    let diff_json = |extra: &[&str]| {
        let mut args = vec!["diff", b, h, "--format", "json"];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let codes_in = |doc: &serde_json::Value, side: &str| -> Vec<String> {
        doc["findings"][side]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // As the SEC stands: 200 falls short of DP096's 180.
    let plain = diff_json(&[]);
    assert_eq!(codes_in(&plain, "introduced"), ["R214"]);
    assert!(codes_in(&plain, "resolved").is_empty());
    assert!(plain.get("assume").is_none());
    // Assuming DP096 on both sides: base needed no deviation (R213), head
    // still does.
    let assumed = diff_json(&["--assume", "DP096"]);
    assert_eq!(codes_in(&assumed, "introduced"), ["R214"]);
    assert_eq!(codes_in(&assumed, "resolved"), ["R213"]);
    assert_eq!(assumed["assume"], serde_json::json!(["DP096"]));
    let (_, md, _) = run(&["diff", b, h, "--assume", "pending"]);
    assert!(
        md.contains("Both versions checked under one scenario: assuming every pending modification in force (`--assume`)."),
        "{md}"
    );
}

#[test]
fn diff_shows_a_changed_change() {
    let head = edited("modifications.toml", "max = 180", "max = 150");
    let (code, out, err) = run(&[
        "diff",
        example().to_str().unwrap(),
        head.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let changed = &doc["nodes"]["changed"][0];
    assert_eq!(changed["id"], "DP096");
    assert_eq!(changed["fields"][0]["field"], "changes");
    assert_eq!(
        changed["fields"][0]["new"],
        serde_json::json!([{ "sec": "SEC-POA-60", "limits": { "poa_latency_s": { "max": 150 } } }])
    );
}

#[test]
fn an_unknown_assumed_id_is_exit_2_with_a_suggestion_on_every_command() {
    let tree = example();
    let t = tree.to_str().unwrap();
    for args in [
        vec!["check", t, "--assume", "DP069"],
        vec!["report", t, "--assume", "DP069"],
        vec!["review", t, "--assume", "DP069"],
        vec!["diff", t, t, "--assume", "DP069"],
        vec!["review", t, "--assume", "pending,DP069"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert_eq!(
            err.trim_end(),
            "rtm: --assume DP069: no modification DP069 in the tree; did you mean DP096?",
            "{args:?}"
        );
    }
    let (code, _, err) = run(&["check", t, "--assume", "SEC-POA-60"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--assume SEC-POA-60: SEC-POA-60 is an SEC obligation, not a modification"),
        "{err}"
    );
    let (code, _, err) = run(&["check", t, "--assume", "pendng"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean pending?"), "{err}");
}

/// The README's scenarios section quotes what `rtm review` prints, both
/// ways: every quoted table row and header line is real output.
#[test]
fn readme_excerpts_are_real_output() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let start = readme.find("## Scenarios:").expect("a Scenarios section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let t = example();
    let (_, plain, _) = run(&["review", t.to_str().unwrap()]);
    let (_, pending, _) = run(&["review", t.to_str().unwrap(), "--assume", "pending"]);
    let mut quoted = 0;
    for line in section.lines().filter(|l| {
        l.starts_with("| RTM-") || l.starts_with("| Scenario") || l.starts_with("Source: ")
    }) {
        quoted += 1;
        assert!(
            plain.lines().any(|l| l == line) || pending.lines().any(|l| l == line),
            "README quotes a line rtm does not print:\n{line}"
        );
    }
    assert!(quoted >= 7, "{quoted}");
    let (_, bundled, _) = run(&["review", "requirements", "--assume", "DP096"]);
    assert!(section.contains(
        "| SEC-POA-60 | Power outage alerts are sent within 60 seconds of a power outage |"
    ));
    assert!(bundled.contains(
        "| SEC-POA-60 | Power outage alerts are sent within 60 seconds of a power outage |"
    ));
}

/// A scenario follows classification: a withheld modification is in force
/// in no document below its level, and an assumed one is counted, not named.
#[test]
fn an_assumed_withheld_modification_is_not_named() {
    let dir = edited(
        "modifications.toml",
        "stage = \"refinement\"",
        "stage = \"refinement\"\nclassification = \"red\"",
    );
    let tree = dir.path().to_str().unwrap();
    let (code, doc, _) = run(&["review", tree, "--assume", "MP117"]);
    assert_eq!(code, 0);
    assert!(!doc.contains("MP117"), "{doc}");
    assert!(
        doc.contains("| Scenario | Assuming 1 withheld item in force |"),
        "{doc}"
    );
    // The shown tree has no MP117: SEC-CHR-01 keeps its own limits.
    assert!(
        doc.contains("return_report_days = 30 (breaks at most 5)"),
        "{doc}"
    );
    assert!(
        row(&doc, "RTM-0320").contains("| 1 withheld item | — | — | — |"),
        "{doc}"
    );
    let (_, red, _) = run(&[
        "review",
        tree,
        "--assume",
        "MP117",
        "--classification",
        "red",
    ]);
    assert!(
        red.contains("| Scenario | Assuming MP117 in force |"),
        "{red}"
    );
    assert!(red.contains("— (obligation withdrawn by MP117)"), "{red}");
}

/// `rtm review --since BASE --assume …` composes: what changed, in the
/// world the OPSG is asking about (both versions under the scenario).
#[test]
fn review_since_composes_with_assume() {
    let head = edited(
        "requirements.toml",
        "values = { poa_latency_s = 180 }",
        "values = { poa_latency_s = 200 }",
    );
    let base = example();
    let (code, doc, err) = run(&[
        "review",
        head.path().to_str().unwrap(),
        "--since",
        base.to_str().unwrap(),
        "--assume",
        "pending",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(doc.contains("| Scenario | Assuming"), "{doc}");
    let changed = doc
        .split("## Changed since")
        .nth(1)
        .expect("a Changed since section");
    assert!(changed.contains("RTM-0303"), "{changed}");
    // Under the scenario, 200 s breaks DP096's 180 s: the deviation row says so.
    assert!(doc.contains("still deviates: 200 > 180"), "{doc}");
}

/// A modification named by `--assume` that is `implemented` is in force
/// anyway: the header names it as such, never "no modification".
#[test]
fn assuming_an_implemented_modification_names_it_in_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let nodes = r#"
[[theme]]
id = "TH-01"
title = "A theme"

[[business]]
id = "BR-001"
title = "A business requirement"
themes = ["TH-01"]

[[sec]]
id = "SEC-A"
title = "An obligation"
limits = { lat = { max = 60 } }

[[modification]]
id = "DP1"
title = "In force"
stage = "implemented"

[[modification.changes]]
sec = "SEC-A"
limits = { lat = { max = 180 } }

[[modification]]
id = "DP2"
title = "Pending"
stage = "proposed"

[[requirement]]
id = "RTM-0001"
title = "An entry"
category = "mvp"
user_impact = "none"
satisfies = ["BR-001"]
sec = ["SEC-A"]
values = { lat = 120 }
"#;
    std::fs::write(dir.path().join("nodes.toml"), nodes).unwrap();
    let tree = dir.path().to_str().unwrap();
    let (_, one, _) = run(&["review", tree, "--assume", "DP1"]);
    assert!(
        one.contains("| Scenario | Assuming DP1 (implemented) in force |"),
        "{one}"
    );
    let (_, two, _) = run(&["report", tree, "--assume", "DP1", "--assume", "DP2"]);
    assert!(
        two.contains("| Scenario | Assuming DP1 (implemented) and DP2 in force |"),
        "{two}"
    );
}
