//! Decisions (FORMAT §15): the `decisions` field on RTM entries, their
//! fingerprints, R112–R115, `rtm decide`, and the review pack's
//! "Decisions needed" section and Decision columns.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;


use common::{check, listing, places};
use rtm::Checked;

const BASE: &str = r#"[[theme]]
id = "TH-01"
title = "Keep smart meters connected as 2G/3G networks close"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."

[[business]]
id = "BR-001"
title = "Install 4G Communications Hubs in place of 2G/3G hubs"
text = "DCC provides a 4G Communications Hub and service that Suppliers install instead of 2G/3G hubs."
themes = ["TH-01"]

[[sec]]
id = "SEC-POA-60"
title = "Power outage alerts reach the DNO within 60 seconds"
text = "Alerts within 60 s."
limits = { poa_latency_s = { max = 60 } }

[[modification]]
id = "DP096"
title = "DNO Power Outage Alerts"
stage = "proposed"

[[requirement]]
id = "RTM-0001"
title = "4G hub sends power outage alerts to the DNO"
text = "The 4G Communications Hub raises a power outage alert when mains power is lost."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "Suppliers update their alert handling"
values = { poa_latency_s = 180 }

[[requirement.deviations]]
sec = "SEC-POA-60"
summary = "Alerts may take up to 180 s"
rationale = "Modem attach time measured in the 4G field trial"
modification = "DP096"
"#;

fn tree(nodes: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nodes.toml"), nodes).unwrap();
    dir
}

fn checked(nodes: &str) -> Checked {
    let dir = tree(nodes);
    check(dir.path())
}

fn entry<'a>(checked: &'a Checked, id: &str) -> &'a rtm::model::Node {
    checked.model.nodes.iter().find(|n| n.id == id).unwrap()
}

fn codes(checked: &Checked, code: &str) -> Vec<String> {
    places(checked)
        .into_iter()
        .filter(|p| p.starts_with(&format!("{code} ")))
        .collect()
}

#[test]
fn decisions_are_read_in_file_order() {
    let text = format!(
        "{BASE}\n[[requirement.decisions]]\nabout = \"deviation:SEC-POA-60\"\noutcome = \"accepted\"\nby = \"OPSG_37x\"\non = 2020-10-26\nnote = \"While DP096 is progressed\"\nfingerprint = \"v1:ab\"\n\n[[requirement.decisions]]\nabout = \"user-impact\"\noutcome = \"noted\"\nby = \"OPSG_38x\"\non = 2020-11-23\n"
    );
    let c = checked(&text);
    assert!(codes(&c, "R002").is_empty(), "{}", listing(&c));
    let d = &entry(&c, "RTM-0001").decisions;
    assert_eq!(d.len(), 2);
    assert_eq!(
        d[0].about.as_ref().unwrap().value,
        rtm::model::About::Deviation("SEC-POA-60".into())
    );
    assert_eq!(d[0].outcome, Some(rtm::model::Outcome::Accepted));
    assert_eq!(d[0].by.as_deref(), Some("OPSG_37x"));
    assert_eq!(d[0].on.as_deref(), Some("2020-10-26"));
    assert_eq!(d[0].note.as_deref(), Some("While DP096 is progressed"));
    assert_eq!(d[0].fingerprint.as_deref(), Some("v1:ab"));
    assert!(d[0].valid);
    assert_eq!(
        d[1].about.as_ref().unwrap().value,
        rtm::model::About::UserImpact
    );
    assert_eq!(d[1].outcome, Some(rtm::model::Outcome::Noted));
}

/// A malformed `about`, `outcome` or date, a missing `by` or `on`, and an
/// unknown key are R002, at the value (or the table for a missing field).
#[test]
fn malformed_decisions_are_schema_errors() {
    for (bad, line) in [
        (
            "about = \"deviation:\"\noutcome = \"accepted\"\nby = \"X\"\non = 2020-10-26",
            1,
        ),
        (
            "about = \"categroy\"\noutcome = \"accepted\"\nby = \"X\"\non = 2020-10-26",
            1,
        ),
        (
            "about = \"category\"\noutcome = \"Accepted\"\nby = \"X\"\non = 2020-10-26",
            2,
        ),
        (
            "about = \"category\"\noutcome = \"accepted\"\nby = \"X\"\non = \"2020-10-26\"",
            4,
        ),
        (
            "about = \"category\"\noutcome = \"accepted\"\nby = \"X\"\non = 2020-10-26T10:00:00",
            4,
        ),
        (
            "about = \"category\"\noutcome = \"accepted\"\non = 2020-10-26",
            0,
        ),
        (
            "about = \"category\"\noutcome = \"accepted\"\nby = \"X\"",
            0,
        ),
        (
            "about = \"category\"\noutcome = \"accepted\"\nby = \"X\"\non = 2020-10-26\nwhy = \"x\"",
            5,
        ),
    ] {
        let text = format!("{BASE}\n[[requirement.decisions]]\n{bad}\n");
        let c = checked(&text);
        let r002 = codes(&c, "R002");
        let line = BASE.lines().count() + 2 + line;
        assert_eq!(r002.len(), 1, "{bad}: {}", listing(&c));
        assert!(
            r002[0].starts_with(&format!("R002 nodes.toml:{line}:")),
            "{bad}: {r002:?}"
        );
        assert!(!entry(&c, "RTM-0001").decisions[0].valid, "{bad}");
    }
}

/// `decisions` belong to RTM entries only.
#[test]
fn decisions_on_other_kinds_are_unknown_fields() {
    let text = "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n\n[[theme.decisions]]\nabout = \"category\"\noutcome = \"accepted\"\nby = \"X\"\non = 2020-10-26\n";
    let c = checked(text);
    assert_eq!(
        codes(&c, "R002"),
        ["R002 nodes.toml:5:9"],
        "{}",
        listing(&c)
    );
}

