//! Waivers (FORMAT §8): a waived finding is a note with a `waived` key;
//! R110 expired-waiver, R111 unused-waiver; `--today` fixes the date.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::rtm;

use std::path::Path;

use serde_json::Value;

const BASE: &str = r#"[[theme]]
id = "TH-01"
title = "Keep smart meters connected as 2G/3G networks close"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."

[[business]]
id = "BR-001"
title = "Install 4G Communications Hubs in place of 2G/3G hubs"
text = "DCC provides a 4G Communications Hub and service that Suppliers install instead of 2G/3G hubs."
themes = ["TH-01"]

[[requirement]]
id = "RTM-0001"
title = "4G hub joins the DCC network when installed"
text = "A newly installed 4G Communications Hub commissions onto the DCC network."
category = "mvp"
satisfies = ["BR-001"]
"#;

const WAIVER: &str = r#"
[[requirement.waivers]]
rule = "R210"
reason = "User impact is assessed in the transition plan"
by = "OPSG_37x"
until = 2021-03-31
"#;

fn tree(nodes: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nodes.toml"), nodes).unwrap();
    dir
}

fn json(dir: &Path, extra: &[&str]) -> Value {
    let out = rtm()
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings(v: &Value) -> Vec<Value> {
    v["findings"].as_array().cloned().unwrap_or_default()
}

fn codes(v: &Value) -> Vec<String> {
    findings(v)
        .iter()
        .map(|f| f["code"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn of(v: &Value, code: &str) -> Vec<Value> {
    findings(v)
        .into_iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn a_waived_finding_is_a_note_with_the_waiver() {
    let dir = tree(&format!("{BASE}{WAIVER}"));
    let v = json(dir.path(), &["--today", "2021-03-31"]);
    let r210 = of(&v, "R210");
    assert_eq!(r210.len(), 1, "{v:#}");
    assert_eq!(r210[0]["severity"], "note");
    assert_eq!(
        r210[0]["waived"],
        serde_json::json!({
            "by": "OPSG_37x",
            "reason": "User impact is assessed in the transition plan",
            "until": "2021-03-31"
        })
    );
    // `waived` comes last, after `related`, in the document as written
    // (serde_json's parsed map sorts its keys, so the text is what tells).
    let out = rtm()
        .args(["check", "--format", "json", "--today", "2021-03-31"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let related = text.find("\"related\"").unwrap();
    let waived = text.find("\"waived\"").unwrap();
    let end = text[waived..].find('}').unwrap() + waived;
    assert!(related < waived, "{text}");
    // Only white space between the end of `waived` and the end of the finding.
    assert!(
        text[end + 1..].trim_start().starts_with('}'),
        "waived is not the last key:\n{text}"
    );
    assert_eq!(v["summary"]["warnings"], 0);
    assert_eq!(codes(&v), ["R210"]);
    rtm()
        .args(["check", "--deny-warnings", "--today", "2021-03-31"])
        .arg(dir.path())
        .assert()
        .code(0);
}

#[test]
fn the_key_is_absent_on_findings_not_waived() {
    let dir = tree(BASE);
    let v = json(dir.path(), &[]);
    let r210 = of(&v, "R210");
    assert_eq!(r210.len(), 1);
    assert_eq!(r210[0]["severity"], "warning");
    assert!(r210[0].get("waived").is_none());
}

#[test]
fn an_expired_waiver_is_r110_and_waives_nothing() {
    let dir = tree(&format!("{BASE}{WAIVER}"));
    // `until` is inclusive: expired from the next day.
    let v = json(dir.path(), &["--today", "2021-04-01"]);
    assert_eq!(codes(&v), ["R210", "R110"]);
    let r210 = &of(&v, "R210")[0];
    assert_eq!(r210["severity"], "warning");
    assert!(r210.get("waived").is_none());
    let r110 = &of(&v, "R110")[0];
    assert_eq!(r110["severity"], "error");
    assert_eq!(r110["node"], "RTM-0001");
    // At the `until` value.
    assert_eq!(
        (r110["line"].as_u64(), r110["column"].as_u64()),
        (Some(23), Some(9))
    );
    rtm()
        .args(["check", "--today", "2021-04-01"])
        .arg(dir.path())
        .assert()
        .code(1);
}

#[test]
fn today_makes_the_check_reproducible() {
    let dir = tree(&format!("{BASE}{WAIVER}"));
    let a = json(dir.path(), &["--today", "2020-01-01"]);
    let b = json(dir.path(), &["--today", "2020-01-01"]);
    assert_eq!(a, b);
    assert_eq!(codes(&a), ["R210"]);
    // Without --today, the system date decides: long after 2021-03-31.
    let now = json(dir.path(), &[]);
    assert_eq!(codes(&now), ["R210", "R110"]);
}

#[test]
fn a_bad_today_exits_2() {
    let dir = tree(BASE);
    for bad in ["2021-02-30", "31/03/2021", "2021-3-31", "today"] {
        rtm()
            .args(["check", "--today", bad])
            .arg(dir.path())
            .assert()
            .code(2)
            .stdout("");
    }
}

#[test]
fn a_waiver_that_matches_nothing_is_r111() {
    // By name, for a rule that does not fire on this node.
    let nodes = format!(
        "{}\n[[requirement.waivers]]\nrule = \"user-impact\"\nreason = \"r\"\nby = \"OPSG_37x\"\n",
        BASE.replace(
            "satisfies = [\"BR-001\"]\n",
            "satisfies = [\"BR-001\"]\nuser_impact = \"none\"\n"
        )
    );
    let dir = tree(&nodes);
    let v = json(dir.path(), &[]);
    assert_eq!(codes(&v), ["R111"]);
    let r111 = &of(&v, "R111")[0];
    assert_eq!(r111["severity"], "warning");
    assert_eq!(r111["node"], "RTM-0001");
    assert_eq!(
        (r111["line"].as_u64(), r111["column"].as_u64()),
        (Some(21), Some(8))
    );
}

#[test]
fn an_expired_unused_waiver_is_r110_only() {
    let nodes = format!(
        "{}{WAIVER}",
        BASE.replace(
            "satisfies = [\"BR-001\"]\n",
            "satisfies = [\"BR-001\"]\nuser_impact = \"none\"\n"
        )
    );
    let dir = tree(&nodes);
    let v = json(dir.path(), &["--today", "2022-01-01"]);
    assert_eq!(codes(&v), ["R110"]);
}

#[test]
fn errors_of_reading_and_the_waiver_rules_cannot_be_waived() {
    for rule in [
        "R002",
        "schema-error",
        "R001",
        "R003",
        "R110",
        "unused-waiver",
    ] {
        let nodes = format!(
            "{BASE}\n[[requirement.waivers]]\nrule = \"{rule}\"\nreason = \"r\"\nby = \"X\"\n"
        );
        let dir = tree(&nodes);
        let v = json(dir.path(), &[]);
        assert_eq!(codes(&v), ["R210", "R002"], "{rule}: {v:#}");
        let r002 = &of(&v, "R002")[0];
        assert!(
            r002["message"]
                .as_str()
                .unwrap()
                .contains("cannot be waived")
        );
        assert_eq!(r002["line"], 20);
    }
}

#[test]
fn a_waiver_with_a_schema_error_waives_nothing() {
    // `until` is a string, not a date: R002, and the waiver does not apply.
    let nodes = format!("{BASE}{}", WAIVER.replace("2021-03-31", "\"2999-12-31\""));
    let dir = tree(&nodes);
    let v = json(dir.path(), &[]);
    assert_eq!(codes(&v), ["R210", "R002"], "{v:#}");
    assert_eq!(of(&v, "R210")[0]["severity"], "warning");
}

#[test]
fn waivers_on_a_withdrawn_node_fire_nothing() {
    let nodes = format!(
        "{}{WAIVER}",
        BASE.replace(
            "category = \"mvp\"\n",
            "category = \"mvp\"\nstatus = \"withdrawn\"\n"
        )
    );
    let dir = tree(&nodes);
    let v = json(dir.path(), &["--today", "2030-01-01"]);
    assert!(
        !codes(&v).iter().any(|c| c == "R110" || c == "R111"),
        "{v:#}"
    );
}

#[test]
fn a_review_finding_can_be_waived_and_levels_apply() {
    // R108 is waivable like any rule; R111 can be turned off.
    let nodes = format!(
        "{BASE}reviewed = {{ by = \"OPSG_37x\", fingerprint = \"v1:0\" }}\n\
         \n[[requirement.waivers]]\nrule = \"stale-review\"\nreason = \"Re-review booked\"\nby = \"OPSG_37x\"\n\
         \n[[requirement.waivers]]\nrule = \"R105\"\nreason = \"r\"\nby = \"X\"\n"
    );
    let dir = tree(&nodes);
    let v = json(dir.path(), &[]);
    let r108 = &of(&v, "R108")[0];
    assert_eq!(r108["severity"], "note");
    assert_eq!(r108["waived"]["until"], Value::Null);
    assert_eq!(of(&v, "R111").len(), 1);
    std::fs::write(
        dir.path().join("rtm.toml"),
        "[rules]\nunused-waiver = \"off\"\n",
    )
    .unwrap();
    let v = json(dir.path(), &[]);
    assert!(of(&v, "R111").is_empty());
}

#[test]
fn human_output_says_who_waived_it_until_when_and_why() {
    let dir = tree(&format!("{BASE}{WAIVER}"));
    rtm()
        .args(["check", "--color", "never", "--today", "2021-01-01"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "waived by OPSG_37x until 2021-03-31: User impact is assessed in the transition plan",
        ));
}

#[test]
fn a_waived_finding_is_suppressed_in_sarif() {
    let dir = tree(&format!("{BASE}{WAIVER}"));
    let out = rtm()
        .args(["check", "--format", "sarif", "--today", "2021-03-31"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r210 = results.iter().find(|r| r["ruleId"] == "R210").unwrap();
    assert_eq!(r210["level"], "note");
    assert_eq!(
        r210["suppressions"],
        serde_json::json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": "waived by OPSG_37x until 2021-03-31: User impact is assessed in the transition plan"
        }])
    );
    // Without the waiver there is no suppression.
    let plain = tree(BASE);
    let out = rtm()
        .args(["check", "--format", "sarif"])
        .arg(plain.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    assert!(r.get("suppressions").is_none());
}
