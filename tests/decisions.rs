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

use std::path::Path;

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
    let d = &entry(&c, "RTM-0001").decisions();
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
        assert!(!entry(&c, "RTM-0001").decisions()[0].valid, "{bad}");
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

fn fp(text: &str, id: &str, about: &str) -> String {
    let c = checked(text);
    let about = rtm::model::About::parse(about).unwrap();
    rtm::stamp::decision_fingerprint(&c.model, &c.graph, entry(&c, id), &about)
}

/// Each fingerprint covers exactly what FORMAT §15 lists for its item.
#[test]
fn decision_fingerprints_cover_what_was_decided() {
    let dev = |t: &str| fp(t, "RTM-0001", "deviation:SEC-POA-60");
    let cat = |t: &str| fp(t, "RTM-0001", "category");
    let imp = |t: &str| fp(t, "RTM-0001", "user-impact");
    let base = (dev(BASE), cat(BASE), imp(BASE));
    assert!(base.0.starts_with("v1:") && base.0.len() == 67);
    assert_ne!(base.0, base.1);
    assert_ne!(base.1, base.2);
    let edits: &[(&str, &str, [bool; 3])] = &[
        // (from, to, [deviation, category, user-impact] changes)
        (
            "Modem attach time",
            "Modem re-attach time",
            [true, false, false],
        ),
        ("up to 180 s\"", "up to 200 s\"", [true, false, false]),
        (
            "modification = \"DP096\"",
            "modification = \"DP097\"",
            [true, false, false],
        ),
        (
            "stage = \"proposed\"",
            "stage = \"approved\"",
            [false, false, false],
        ),
        (
            "poa_latency_s = 180",
            "poa_latency_s = 190",
            [true, false, false],
        ),
        ("{ max = 60 }", "{ max = 90 }", [true, false, false]),
        (
            "category = \"mvp\"",
            "category = \"optional\"",
            [true, true, false],
        ),
        (
            "title = \"4G hub sends",
            "title = \"The 4G hub sends",
            [false, true, false],
        ),
        (
            "raises a power outage alert",
            "raises an alert",
            [false, true, false],
        ),
        ("Suppliers update", "Suppliers change", [false, false, true]),
        (
            "satisfies = [\"BR-001\"]",
            "satisfies = []",
            [false, false, false],
        ),
        (
            "Alerts within 60 s.",
            "Alerts within a minute.",
            [false, false, false],
        ),
    ];
    for (from, to, want) in edits {
        assert!(BASE.contains(from), "{from}");
        let t = BASE.replacen(from, to, 1);
        let got = [dev(&t) != base.0, cat(&t) != base.1, imp(&t) != base.2];
        assert_eq!(&got, want, "{from} → {to}");
    }
    // Layout, comments and white space at the ends of text change nothing.
    let t = BASE.replace(
        "rationale = \"Modem attach time measured in the 4G field trial\"",
        "rationale = '''\n  Modem attach time measured in the 4G field trial\n'''  # why",
    );
    assert_eq!(dev(&t), base.0);
    // A value of a quantity the obligation does not limit is not covered.
    let t = BASE.replace("poa_latency_s = 180 }", "poa_latency_s = 180, other = 1 }");
    assert_eq!(dev(&t), base.0);
    // "none" in any case is the same impact.
    let none = |t: &str| imp(&BASE.replace("Suppliers update their alert handling", t));
    assert_eq!(none("none"), none(" NONE "));
}

/// Decisions are not part of the entry's review fingerprint (FORMAT §7).
#[test]
fn decisions_are_not_in_the_review_fingerprint() {
    let decided = format!(
        "{BASE}\n[[requirement.decisions]]\nabout = \"deviation:SEC-POA-60\"\noutcome = \"accepted\"\nby = \"OPSG_37x\"\non = 2020-10-26\nfingerprint = \"v1:ab\"\n"
    );
    let a = checked(BASE);
    let b = checked(&decided);
    assert_eq!(entry(&b, "RTM-0001").decisions().len(), 1);
    assert_eq!(
        rtm::stamp::fingerprint(entry(&a, "RTM-0001")),
        rtm::stamp::fingerprint(entry(&b, "RTM-0001"))
    );
}

/// R112–R115 as FORMAT §15 and §9 define them, beyond the fixtures: the
/// current decision is the latest by date, ties broken by file order; a
/// withdrawn entry gets none of them.
#[test]
fn the_current_decision_is_the_latest_by_date_then_by_place() {
    let c = checked(BASE);
    let fp = rtm::stamp::decision_fingerprint(
        &c.model,
        &c.graph,
        entry(&c, "RTM-0001"),
        &rtm::model::About::UserImpact,
    );
    let d = |outcome: &str, on: &str| {
        format!(
            "\n[[requirement.decisions]]\nabout = \"user-impact\"\noutcome = \"{outcome}\"\nby = \"OPSG\"\non = {on}\nfingerprint = \"{fp}\"\n"
        )
    };
    // Written out of date order: the later date wins.
    let t = format!(
        "{BASE}{}{}",
        d("accepted", "2020-11-23"),
        d("rejected", "2020-10-26")
    );
    assert!(codes(&checked(&t), "R114").is_empty());
    let t = format!(
        "{BASE}{}{}",
        d("rejected", "2020-11-23"),
        d("accepted", "2020-10-26")
    );
    assert_eq!(codes(&checked(&t), "R114").len(), 1);
    // Same date: the later place in the file wins.
    let t = format!(
        "{BASE}{}{}",
        d("rejected", "2020-10-26"),
        d("accepted", "2020-10-26")
    );
    assert!(codes(&checked(&t), "R114").is_empty());
    let t = format!(
        "{BASE}{}{}",
        d("accepted", "2020-10-26"),
        d("rejected", "2020-10-26")
    );
    assert_eq!(codes(&checked(&t), "R114").len(), 1);
    // Withdrawn: nothing but the reading rules.
    let t = format!(
        "{}{}\n[[requirement.decisions]]\nabout = \"deviation:SEC-X\"\noutcome = \"accepted\"\nby = \"OPSG\"\non = 2020-10-26\n",
        BASE.replace(
            "category = \"mvp\"",
            "category = \"mvp\"\nstatus = \"withdrawn\""
        ),
        d("rejected", "2020-10-26")
    );
    let c = checked(&t);
    for code in ["R112", "R113", "R114", "R115"] {
        assert!(codes(&c, code).is_empty(), "{code}: {}", listing(&c));
    }
}

/// R112's message says who decided, when, and the outcome.
#[test]
fn a_stale_decision_says_who_decided_when_and_what() {
    let t = format!(
        "{BASE}\n[[requirement.decisions]]\nabout = \"deviation:SEC-POA-60\"\noutcome = \"accepted\"\nby = \"OPSG_37x\"\non = 2020-10-26\nfingerprint = \"v1:00\"\n"
    );
    let c = checked(&t);
    let r112: Vec<&rtm::finding::Finding> = c
        .findings
        .iter()
        .filter(|f| f.code.rule().code == "R112")
        .collect();
    assert_eq!(r112.len(), 1, "{}", listing(&c));
    assert_eq!(
        r112[0].message,
        "the deviation of RTM-0001 from SEC-POA-60 changed after the OPSG decided (accepted by OPSG_37x on 2020-10-26): the decision no longer matches"
    );
    // Stale is R112 only: no R113 for the same item.
    assert!(
        !c.findings
            .iter()
            .any(|f| f.code.rule().code == "R113" && f.message.contains("deviation")),
        "{}",
        listing(&c)
    );
}

// ---- rtm decide ----------------------------------------------------------

const COMMENTED: &str = r#"# Alerts: the OPSG's register
[[theme]]
id = "TH-01"   # the only theme
title = "Keep smart meters connected as 2G/3G networks close"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."

[[business]]
id = "BR-001"
title = "Install 4G Communications Hubs in place of 2G/3G hubs"
text = "DCC provides a 4G Communications Hub."
themes = ["TH-01"]

[[sec]]
id = "SEC-POA-60"
title = "Power outage alerts reach the DNO within 60 seconds"
limits = { poa_latency_s = { max = 60 } }

[[requirement]]
id = "RTM-0001"
title = "4G hub sends power outage alerts to the DNO"
text = "Alerts when mains power is lost."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "Suppliers update their alert handling"   # agreed?
values = { poa_latency_s = 180 }

[[requirement.deviations]]
sec = "SEC-POA-60"
summary = "Alerts may take up to 180 s"
rationale = "Modem attach time measured in the 4G field trial"

# The optional entry, kept apart
[[requirement]]
id = "RTM-0002"
title = "Remote firmware roll-back"
text = "The DCC can roll a 4G hub back."
category = "optional"
satisfies = ["BR-001"]
user_impact = "none"
"#;

fn nodes_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("nodes.toml")).unwrap()
}

fn decide(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut all = vec!["decide"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--tree", dir.to_str().unwrap()]);
    common::rtm().args(&all).assert()
}

/// The lines of `after` that are not in `before`, and checks that removing
/// them gives `before` back exactly.
fn inserted(before: &str, after: &str) -> String {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let mut added = String::new();
    let mut rest = String::new();
    let mut i = 0;
    for line in after.split_inclusive('\n') {
        if old.get(i) == Some(&line) {
            rest.push_str(line);
            i += 1;
        } else {
            added.push_str(line);
        }
    }
    assert_eq!(rest, before, "the rest of the file changed");
    added
}

#[test]
fn decide_appends_a_decision_and_keeps_every_other_byte() {
    let dir = tree(COMMENTED);
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "deviation:SEC-POA-60",
            "--outcome",
            "accepted",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
            "--note",
            "While DP096 is progressed",
        ],
    )
    .success()
    .stdout(
        "rtm: deviation:SEC-POA-60 of RTM-0001: accepted by OPSG_37x on 2020-10-26, recorded in nodes.toml\n",
    );
    let after = nodes_text(dir.path());
    let c = check(dir.path());
    let e = entry(&c, "RTM-0001");
    let fp = rtm::stamp::decision_fingerprint(
        &c.model,
        &c.graph,
        e,
        &rtm::model::About::Deviation("SEC-POA-60".into()),
    );
    let rationale = "rationale = \"Modem attach time measured in the 4G field trial\"\n";
    assert_eq!(
        after,
        COMMENTED.replace(
            rationale,
            &format!(
                "{rationale}\n[[requirement.decisions]]\nabout = \"deviation:SEC-POA-60\"\noutcome = \"accepted\"\nby = \"OPSG_37x\"\non = 2020-10-26\nnote = \"While DP096 is progressed\"\nfingerprint = \"{fp}\"\n"
            )
        )
    );
    // After RTM-0001's deviation, before the comment that opens RTM-0002.
    let at = after.find("[[requirement.decisions]]").unwrap();
    assert!(at > after.find("rationale = ").unwrap());
    assert!(at < after.find("# The optional entry").unwrap());
    assert_eq!(e.decisions().len(), 1);
    assert!(e.decisions()[0].valid);
    // The deviation no longer awaits a decision; nothing else changed.
    let r113: Vec<String> = c
        .findings
        .iter()
        .filter(|f| f.code.rule().code == "R113")
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(
        r113,
        [
            "the impact on Users of RTM-0001 awaits a decision of the OPSG",
            "the category of RTM-0002 (optional) awaits a decision of the OPSG"
        ]
    );
    assert!(codes(&c, "R112").is_empty() && codes(&c, "R002").is_empty());
}

/// Two decisions in one file, on two entries and twice on one entry (the
/// history kept, the later one current).
#[test]
fn two_decisions_in_one_file() {
    let dir = tree(COMMENTED);
    for args in [
        ["RTM-0002", "category", "noted", "2020-10-26"],
        ["RTM-0001", "user-impact", "rejected", "2020-10-26"],
        ["RTM-0001", "user-impact", "accepted", "2020-11-23"],
        ["RTM-0001", "deviation:SEC-POA-60", "accepted", "2020-11-23"],
    ] {
        decide(
            dir.path(),
            &[
                args[0],
                "--about",
                args[1],
                "--outcome",
                args[2],
                "--by",
                "OPSG",
                "--on",
                args[3],
            ],
        )
        .success();
    }
    let after = nodes_text(dir.path());
    assert_eq!(after.matches("[[requirement.decisions]]").count(), 4);
    let c = check(dir.path());
    assert_eq!(entry(&c, "RTM-0001").decisions().len(), 3);
    assert_eq!(entry(&c, "RTM-0002").decisions().len(), 1);
    for code in ["R002", "R112", "R113", "R114", "R115"] {
        assert!(codes(&c, code).is_empty(), "{code}: {}", listing(&c));
    }
    // RTM-0002's decision went into RTM-0002's table.
    assert!(after.find("about = \"category\"").unwrap() > after.find("id = \"RTM-0002\"").unwrap());
}

#[test]
fn crlf_and_a_byte_order_mark_are_kept() {
    let crlf = COMMENTED.replace('\n', "\r\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nodes.toml");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(crlf.as_bytes());
    std::fs::write(&path, &bytes).unwrap();
    decide(
        dir.path(),
        &[
            "RTM-0002",
            "--about",
            "category",
            "--outcome",
            "noted",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
        ],
    )
    .success();
    let after = std::fs::read(&path).unwrap();
    assert!(after.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(after[3..].to_vec()).unwrap();
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    let added = inserted(&crlf, &text);
    assert!(
        added.starts_with("\r\n[[requirement.decisions]]\r\nabout = \"category\"\r\n"),
        "{added:?}"
    );
    let c = check(dir.path());
    assert_eq!(entry(&c, "RTM-0002").decisions().len(), 1);
    assert!(codes(&c, "R002").is_empty() && codes(&c, "R112").is_empty());
}

/// An entry written inline, and decisions written as an inline array,
/// stay inline.
#[test]
fn inline_entries_and_inline_decisions_stay_inline() {
    let text = "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"T\"\ncategory = \"optional\"\ndecisions = [{ about = \"category\", outcome = \"rejected\", by = \"OPSG_36x\", on = 2020-09-28 }]\n\nrequirement2 = 1\n";
    let text = text.replace("\nrequirement2 = 1\n", "");
    let dir = tree(&text);
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "category",
            "--outcome",
            "noted",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
        ],
    )
    .success();
    let after = nodes_text(dir.path());
    assert!(!after.contains("[[requirement.decisions]]"), "{after}");
    let c = check(dir.path());
    assert_eq!(entry(&c, "RTM-0001").decisions().len(), 2);
    assert!(codes(&c, "R002").is_empty(), "{}", listing(&c));

    let text = "requirement = [{ id = \"RTM-0001\", title = \"T\", category = \"optional\" }]\n";
    let dir = tree(text);
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "category",
            "--outcome",
            "noted",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
        ],
    )
    .success();
    let after = nodes_text(dir.path());
    assert!(after.starts_with("requirement = [{ id = \"RTM-0001\", title = \"T\", category = \"optional\", decisions = [{ about = \"category\""), "{after}");
    let c = check(dir.path());
    assert_eq!(entry(&c, "RTM-0001").decisions().len(), 1);
    assert!(
        codes(&c, "R112").is_empty() && codes(&c, "R113").is_empty(),
        "{}",
        listing(&c)
    );
}

/// An unknown id, an `about` that names nothing on the entry, a node that
/// is not an RTM entry, or a malformed argument: exit 2, nothing written.
#[test]
fn decide_refuses_and_writes_nothing() {
    let dir = tree(COMMENTED);
    for (args, why) in [
        (
            vec!["RTM-9999", "--about", "category"],
            "no node has the id `RTM-9999`",
        ),
        (
            vec!["RTM-0001", "--about", "deviation:SEC-XX"],
            "RTM-0001 declares no deviation from SEC-XX",
        ),
        (
            vec!["RTM-0002", "--about", "deviation:SEC-POA-60"],
            "RTM-0002 declares no deviation from SEC-POA-60",
        ),
        (
            vec!["SEC-POA-60", "--about", "category"],
            "SEC-POA-60 is a sec, not an RTM entry",
        ),
        (
            vec!["RTM-0001", "--about", "categroy"],
            "`--about categroy` is not an item",
        ),
    ] {
        let mut all = args.clone();
        all.extend_from_slice(&["--outcome", "accepted", "--by", "OPSG"]);
        decide(dir.path(), &all)
            .code(2)
            .stdout("")
            .stderr(predicates::str::contains(why))
            .stderr(predicates::str::contains("nothing was written"));
        assert_eq!(nodes_text(dir.path()), COMMENTED, "{args:?}");
    }
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "category",
            "--outcome",
            "Accepted",
            "--by",
            "OPSG",
        ],
    )
    .code(2);
    let no_impact = COMMENTED.replace(
        "user_impact = \"Suppliers update their alert handling\"   # agreed?\n",
        "",
    );
    let dir = tree(&no_impact);
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "user-impact",
            "--outcome",
            "accepted",
            "--by",
            "OPSG",
        ],
    )
    .code(2)
    .stderr(predicates::str::contains(
        "RTM-0001 states no `user_impact`",
    ));
    assert_eq!(nodes_text(dir.path()), no_impact);
}

/// A write that fails midway leaves the file as it was, and no temporary
/// file behind.
#[test]
fn a_failed_decide_leaves_the_file_as_it_was() {
    let dir = tree(COMMENTED);
    let req = rtm::decide::Request {
        id: "RTM-0001",
        about: "user-impact",
        outcome: "accepted",
        by: "OPSG",
        on: "2020-10-26",
        note: None,
    };
    let err = rtm::decide::decide_with(dir.path(), &req, |path, bytes| {
        rtm::output::write_atomic_with(path, |f| {
            use std::io::Write;
            f.write_all(&bytes[..bytes.len() / 2])?;
            Err(std::io::Error::other("no space left on device"))
        })
    })
    .unwrap_err();
    assert!(err.to_string().contains("no space left on device"), "{err}");
    assert_eq!(nodes_text(dir.path()), COMMENTED);
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "a temporary file was left behind");
}

// ---- rtm diff --------------------------------------------------------------

fn decision(about: &str, outcome: &str, by: &str, on: &str) -> String {
    format!(
        "\n[[requirement.decisions]]\nabout = \"{about}\"\noutcome = \"{outcome}\"\nby = \"{by}\"\non = {on}\n"
    )
}

/// `rtm diff` shows decisions added and changed, as a change of the entry
/// (like waivers and review stamps).
#[test]
fn diff_shows_decisions_added_and_changed() {
    let base = tree(&format!(
        "{BASE}{}",
        decision("deviation:SEC-POA-60", "accepted", "OPSG_37x", "2020-10-26")
    ));
    let head = tree(&format!(
        "{BASE}{}{}",
        decision("deviation:SEC-POA-60", "rejected", "OPSG_37x", "2020-10-26"),
        decision("user-impact", "accepted", "OPSG_38x", "2020-11-23")
    ));
    let out = common::rtm()
        .args([
            "diff",
            base.path().to_str().unwrap(),
            head.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = &v["nodes"]["changed"];
    assert_eq!(changed[0]["id"], "RTM-0001", "{v:#}");
    let fields = changed[0]["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{v:#}");
    assert_eq!(fields[0]["field"], "decisions");
    assert_eq!(
        fields[0]["old"],
        serde_json::json!([{ "about": "deviation:SEC-POA-60", "outcome": "accepted", "by": "OPSG_37x", "on": "2020-10-26" }])
    );
    assert_eq!(
        fields[0]["new"],
        serde_json::json!([
            { "about": "deviation:SEC-POA-60", "outcome": "rejected", "by": "OPSG_37x", "on": "2020-10-26" },
            { "about": "user-impact", "outcome": "accepted", "by": "OPSG_38x", "on": "2020-11-23" }
        ])
    );
    let md = common::rtm()
        .args([
            "diff",
            base.path().to_str().unwrap(),
            head.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("| RTM-0001 | requirement | decisions | { about = \"deviation:SEC-POA-60\", by = \"OPSG_37x\", on = \"2020-10-26\", outcome = \"accepted\" } | { about = \"deviation:SEC-POA-60\", by = \"OPSG_37x\", on = \"2020-10-26\", outcome = \"rejected\" }, { about = \"user-impact\""),
        "{md}"
    );
    // Moving decisions around in the file changes nothing.
    let a = tree(&format!(
        "{BASE}{}{}",
        decision("user-impact", "accepted", "OPSG_38x", "2020-11-23"),
        decision("deviation:SEC-POA-60", "rejected", "OPSG_37x", "2020-10-26"),
    ));
    let out = common::rtm()
        .args([
            "diff",
            a.path().to_str().unwrap(),
            head.path().to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["nodes"]["changed"], serde_json::json!([]), "{v:#}");
}

// ---- rtm review ------------------------------------------------------------

fn review(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["review", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = common::rtm().args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The part of a document from `start` up to the next line starting `## `.
fn section<'a>(doc: &'a str, start: &str) -> &'a str {
    let at = doc
        .find(start)
        .unwrap_or_else(|| panic!("no `{start}` in\n{doc}"));
    let rest = &doc[at..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 4);
    &rest[..end]
}

/// A tree with one item of each kind decided, then RTM-0001's rationale
/// changed, and RTM-0004 (optional) and RTM-0005's impact never decided.
fn cycle_tree() -> tempfile::TempDir {
    let more = r#"
[[requirement]]
id = "RTM-0004"
title = "Remote firmware roll-back"
text = "The DCC can roll a 4G hub back."
category = "optional"
satisfies = ["BR-001"]
user_impact = "none"

[[requirement]]
id = "RTM-0005"
title = "New install flow"
text = "Installers follow the 4G install flow."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "Installers use a new flow on their handhelds"
"#;
    let dir = tree(&format!("{BASE}{more}"));
    for (id, about) in [
        ("RTM-0001", "deviation:SEC-POA-60"),
        ("RTM-0001", "user-impact"),
    ] {
        decide(
            dir.path(),
            &[
                id,
                "--about",
                about,
                "--outcome",
                "accepted",
                "--by",
                "OPSG_37x",
                "--on",
                "2020-10-26",
            ],
        )
        .success();
    }
    let path = dir.path().join("nodes.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("Modem attach time measured", "Modem attach time estimated"),
    )
    .unwrap();
    dir
}

#[test]
fn the_review_leads_with_the_decisions_needed() {
    let dir = cycle_tree();
    let doc = review(dir.path(), &[]);
    let needed = doc.find("## Decisions needed").unwrap();
    assert!(needed < doc.find("## Open questions").unwrap());
    assert!(needed > doc.find("| Withheld |").unwrap());
    let s = section(&doc, "## Decisions needed");
    assert!(
        s.contains("3 items need a decision: 2 awaiting a first decision, 1 changed since the OPSG decided."),
        "{s}"
    );
    assert!(
        s.contains("### Deviations\n\n| Entry | Title | SEC obligation | Deviation | Needs |\n|---|---|---|---|---|\n| RTM-0001 | 4G hub sends power outage alerts to the DNO | SEC-POA-60 | Alerts may take up to 180 s | its deviation, values, limits or category changed since the decision (accepted by OPSG_37x on 2020-10-26) |"),
        "{s}"
    );
    assert!(
        s.contains("### Optional entries\n\n| Entry | Title | Status | Owner | Needs |\n|---|---|---|---|---|\n| RTM-0004 | Remote firmware roll-back | **draft** | — | awaiting |"),
        "{s}"
    );
    assert!(
        s.contains("### User impacts\n\n| Entry | Title | What Users must change | Needs |\n|---|---|---|---|\n| RTM-0005 | New install flow | Installers use a new flow on their handhelds | awaiting |"),
        "{s}"
    );
    // RTM-0001's impact is agreed and still holds: not listed.
    assert!(!s.contains("Suppliers update"), "{s}");

    // The Decision columns, last in each table.
    let devs = section(&doc, "## 2. Deviations");
    assert!(
        devs.contains("| Contingent | If MOD is in force | Decision |"),
        "{devs}"
    );
    assert!(
        devs.contains(
            "| yes | not stated | stale: accepted by OPSG_37x on 2020-10-26, changed since |"
        ),
        "{devs}"
    );
    let cats = section(&doc, "## 3. Categories");
    assert!(cats.contains("| Deviates from | Decision |\n"), "{cats}");
    assert!(
        cats.contains(
            "| RTM-0004 | Remote firmware roll-back | **draft** | — | BR-001 | — | awaiting |"
        ),
        "{cats}"
    );
    let impact = section(&doc, "## 4. User impact");
    assert!(
        impact.contains("**Users would have to change something: yes, for 2 MVP entries** (2 draft). The OPSG has agreed 1 of 2 impacts."),
        "{impact}"
    );
    assert!(
        impact.contains(
            "| Suppliers update their alert handling | accepted by OPSG_37x on 2020-10-26 |"
        ),
        "{impact}"
    );
    assert!(
        impact.contains("| Installers use a new flow on their handhelds | awaiting |"),
        "{impact}"
    );

    // HTML has the same section, first.
    let html = review(dir.path(), &["--format", "html"]);
    let h = html.find("Decisions needed").unwrap();
    assert!(h < html.find("Open questions").unwrap());
}

/// Once every item is decided and nothing changed, the section says so;
/// an impact decided as rejected is not agreed.
#[test]
fn nothing_needs_a_decision_once_all_is_decided() {
    let dir = cycle_tree();
    for (id, about, outcome) in [
        ("RTM-0001", "deviation:SEC-POA-60", "accepted"),
        ("RTM-0004", "category", "noted"),
        ("RTM-0005", "user-impact", "rejected"),
    ] {
        decide(
            dir.path(),
            &[
                id,
                "--about",
                about,
                "--outcome",
                outcome,
                "--by",
                "OPSG_38x",
                "--on",
                "2020-11-23",
            ],
        )
        .success();
    }
    let doc = review(dir.path(), &[]);
    let s = section(&doc, "## Decisions needed");
    assert!(
        s.contains("None: the OPSG has decided on every item"),
        "{s}"
    );
    assert!(doc.contains("The OPSG has agreed 1 of 2 impacts."), "{doc}");
    assert!(
        doc.contains("| rejected by OPSG_38x on 2020-11-23 |"),
        "{doc}"
    );
}

/// With awaiting-decision off, the awaiting items are not listed, and the
/// section says how many it leaves out instead of "decided on every item"
/// (their Decision columns still say "awaiting").
#[test]
fn items_a_rule_level_leaves_out_are_counted_not_called_decided() {
    let dir = cycle_tree();
    let doc = review(dir.path(), &[]);
    let awaiting = section(&doc, "## Decisions needed");
    assert!(!awaiting.contains("not listed"), "{awaiting}");

    std::fs::write(dir.path().join("rtm.toml"), "[rules]\nR113 = \"off\"\n").unwrap();
    let doc = review(dir.path(), &[]);
    let s = section(&doc, "## Decisions needed");
    assert!(
        s.contains("1 item needs a decision: 0 awaiting a first decision, 1 changed since the OPSG decided. 2 items awaiting a decision or changed since one are not listed here: stale-decision (R112) or awaiting-decision (R113) is off in `rtm.toml` or waived for them."),
        "{s}"
    );
    assert!(doc.contains("| awaiting |"), "{doc}");

    std::fs::write(
        dir.path().join("rtm.toml"),
        "[rules]\nR113 = \"off\"\nR112 = \"off\"\n",
    )
    .unwrap();
    let doc = review(dir.path(), &[]);
    let s = section(&doc, "## Decisions needed");
    assert!(!s.contains("decided on every item"), "{s}");
    assert!(
        s.contains(
            "None listed. 3 items awaiting a decision or changed since one are not listed here"
        ),
        "{s}"
    );
}

/// Decisions follow the classification of their entry: a withheld entry's
/// items are neither listed nor counted.
#[test]
fn withheld_entries_need_no_decision_in_the_document() {
    let dir = cycle_tree();
    let path = dir.path().join("nodes.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "category = \"optional\"\n",
            "category = \"optional\"\nclassification = \"amber\"\n",
        ),
    )
    .unwrap();
    let doc = review(dir.path(), &["--classification", "white"]);
    assert!(!doc.contains("RTM-0004"), "{doc}");
    let s = section(&doc, "## Decisions needed");
    assert!(
        s.contains("2 items need a decision: 1 awaiting a first decision, 1 changed"),
        "{s}"
    );
    assert!(!s.contains("### Optional entries"), "{s}");
}

// ---- rtm review --since ----------------------------------------------------

/// A git repository: commit, decide, edit, commit; `rtm review --since
/// HEAD~1` shows each part of "Changed since".
#[test]
fn review_since_a_git_revision_shows_what_changed() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    let req = root.join("requirements");
    std::fs::create_dir(&req).unwrap();
    let more = r#"
[[requirement]]
id = "RTM-0004"
title = "Remote firmware roll-back"
text = "The DCC can roll a 4G hub back."
category = "optional"
satisfies = ["BR-001"]
user_impact = "none"
"#;
    std::fs::write(req.join("nodes.toml"), format!("{BASE}{more}")).unwrap();
    common::git(root, &["init", "-q"]);
    common::git(root, &["add", "-A"]);
    common::git(root, &["commit", "-q", "-m", "before the meeting"]);
    // The meeting decides on every item.
    for (id, about, outcome) in [
        ("RTM-0001", "deviation:SEC-POA-60", "accepted"),
        ("RTM-0001", "user-impact", "accepted"),
        ("RTM-0004", "category", "rejected"),
    ] {
        decide(
            &req,
            &[
                id,
                "--about",
                about,
                "--outcome",
                outcome,
                "--by",
                "OPSG_37x",
                "--on",
                "2020-10-26",
            ],
        )
        .success();
    }
    // Then the DCC edits: a new rationale, a new impact, RTM-0004 made mvp.
    let path = req.join("nodes.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Modem attach time measured", "Modem attach time estimated")
        .replace(
            "Suppliers update their alert handling",
            "Suppliers rewrite their alert handling",
        )
        .replace(
            "category = \"optional\"\nsatisfies",
            "category = \"mvp\"\nsatisfies",
        );
    std::fs::write(&path, text).unwrap();
    common::git(root, &["add", "-A"]);
    common::git(root, &["commit", "-q", "-m", "after the meeting"]);

    let out = common::rtm()
        .current_dir(root)
        .args(["review", "requirements", "--since", "HEAD~1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = String::from_utf8(out.stdout).unwrap();
    let s = section(&doc, "## Changed since HEAD\\~1");
    let part = |heading: &str| -> &str {
        let at = s.find(heading).unwrap_or_else(|| panic!("{heading}\n{s}"));
        let rest = &s[at..];
        let end = rest[4..].find("\n### ").map_or(rest.len(), |e| e + 5);
        &rest[..end]
    };
    assert!(
        part("### Deviations").contains("| changed | RTM-0001 | SEC-POA-60 | rationale | Modem attach time measured in the 4G field trial | Modem attach time estimated in the 4G field trial |"),
        "{s}"
    );
    assert!(
        part("### Categories")
            .contains("| changed | RTM-0004 | Remote firmware roll-back | optional | mvp |"),
        "{s}"
    );
    assert!(
        part("### User impacts").contains("| changed | RTM-0001 | 4G hub sends power outage alerts to the DNO | Suppliers update their alert handling | Suppliers rewrite their alert handling |"),
        "{s}"
    );
    let decisions = part("### Decisions");
    for row in [
        "| added | RTM-0001 | deviation:SEC-POA-60 | — | accepted by OPSG_37x on 2020-10-26 |",
        "| added | RTM-0001 | user-impact | — | accepted by OPSG_37x on 2020-10-26 |",
        "| added | RTM-0004 | category | — | rejected by OPSG_37x on 2020-10-26 |",
    ] {
        assert!(decisions.contains(row), "{row}\n{s}");
    }
    let introduced = part("### Findings introduced");
    for f in [
        "| warning | R112 stale-decision | RTM-0001 | the deviation of RTM-0001 from SEC-POA-60 changed after the OPSG decided (accepted by OPSG_37x on 2020-10-26)",
        "| warning | R112 stale-decision | RTM-0001 | the impact on Users of RTM-0001 changed after",
        "| warning | R112 stale-decision | RTM-0004 | the category of RTM-0004 (mvp) changed after the OPSG decided (rejected by OPSG_37x on 2020-10-26)",
    ] {
        assert!(introduced.contains(f), "{f}\n{s}");
    }
    let resolved = part("### Findings resolved");
    for f in [
        "| note | R113 awaiting-decision | RTM-0001 | the deviation of RTM-0001 from SEC-POA-60 awaits a decision of the OPSG |",
        "| note | R113 awaiting-decision | RTM-0004 | the category of RTM-0004 (optional) awaits a decision of the OPSG |",
    ] {
        assert!(resolved.contains(f), "{f}\n{s}");
    }
    // Decisions needed says what changed since BASE, field by field.
    let needed = section(&doc, "## Decisions needed");
    assert!(
        needed.contains("changed since the decision (accepted by OPSG_37x on 2020-10-26); since HEAD\\~1: `deviations.SEC-POA-60.rationale`: Modem attach time measured in the 4G field trial → Modem attach time estimated in the 4G field trial |"),
        "{needed}"
    );
    // RTM-0004 needs no decision as an mvp entry, but its rejected
    // category changed: R112, listed.
    assert!(
        needed.contains("| RTM-0004 | Remote firmware roll-back | **draft** | — | its category, title or text changed since the decision (rejected by OPSG_37x on 2020-10-26); since HEAD\\~1: `category`: optional → mvp |"),
        "{needed}"
    );
    assert!(
        needed.contains("since HEAD\\~1: `user_impact`: Suppliers update their alert handling → Suppliers rewrite their alert handling |"),
        "{needed}"
    );
    // Against its own commit nothing changed.
    let out = common::rtm()
        .current_dir(root)
        .args(["review", "requirements", "--since", "HEAD"])
        .output()
        .unwrap();
    let doc = String::from_utf8(out.stdout).unwrap();
    let s = section(&doc, "## Changed since HEAD");
    assert_eq!(s.matches("No change.").count(), 5, "{s}");
    assert_eq!(s.matches("None.").count(), 2, "{s}");
    // `rtm report` does not take --since; an unknown BASE is exit 2.
    common::rtm()
        .current_dir(root)
        .args(["report", "requirements", "--since", "HEAD"])
        .assert()
        .code(2)
        .stdout("");
    common::rtm()
        .current_dir(root)
        .args(["review", "requirements", "--since", "no-such-revision"])
        .assert()
        .code(2)
        .stdout("");
}

// ---- the example tree and the bundled tree ---------------------------------

/// examples/review-cycle shows each outcome, a stale decision and a
/// rejected impact still carried; the README's excerpt is its review.
#[test]
fn the_review_cycle_example_is_what_the_readme_shows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/review-cycle");
    let c = check(&dir);
    let of = |code: &str| -> Vec<String> {
        c.findings
            .iter()
            .filter(|f| f.code.rule().code == code)
            .map(|f| f.node.clone().unwrap_or_default())
            .collect()
    };
    assert_eq!(of("R112"), ["RTM-0102"]);
    assert_eq!(of("R113"), ["RTM-0106"]);
    assert_eq!(of("R114"), ["RTM-0103"]);
    assert!(of("R115").is_empty() && of("R002").is_empty());
    let outcomes: std::collections::BTreeSet<&str> = c
        .model
        .nodes
        .iter()
        .flat_map(|n| n.decisions())
        .filter_map(|d| d.outcome.map(|o| o.as_str()))
        .collect();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");

    let doc = review(&dir, &[]);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("`rtm review examples/review-cycle`:").unwrap();
    let excerpt = &readme[start..];
    let excerpt = &excerpt[excerpt.find("```markdown").unwrap()..];
    let excerpt = &excerpt[..excerpt[3..].find("```").unwrap()];
    let mut checked = 0;
    for line in excerpt.lines().filter(|l| {
        l.starts_with('|') || l.starts_with("**") || l.starts_with('#') || l.starts_with("2 items")
    }) {
        assert!(
            doc.contains(line),
            "README line not in the review: {line}\n{doc}"
        );
        checked += 1;
    }
    assert!(checked > 15, "{checked}");
}

/// The bundled tree records no decision: its review lists every item as
/// awaiting, and none as changed.
#[test]
fn the_bundled_tree_awaits_every_decision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements");
    let c = check(&dir);
    assert!(c.model.nodes.iter().all(|n| n.decisions().is_empty()));
    let items: usize = c
        .model
        .nodes
        .iter()
        .map(|n| rtm::rules::decisions::items(n).len())
        .sum();
    assert!(items > 0);
    assert_eq!(codes(&c, "R113").len(), items);
    assert!(codes(&c, "R112").is_empty() && codes(&c, "R114").is_empty());
    let doc = review(&dir, &[]);
    let s = section(&doc, "## Decisions needed");
    assert!(
        s.contains(&format!(
            "{items} items need a decision: {items} awaiting a first decision, 0 changed since the OPSG decided."
        )),
        "{s}"
    );
    assert!(!doc.contains("stale:"), "{doc}");
}

// ---- end to end (the issue's "Done when") ----------------------------------

/// (code, node) of every finding of R112–R115.
fn decision_findings(dir: &Path) -> Vec<(String, String)> {
    check(dir)
        .findings
        .iter()
        .filter(|f| ["R112", "R113", "R114", "R115"].contains(&f.code.rule().code))
        .map(|f| {
            (
                f.code.rule().code.to_owned(),
                f.node.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("nodes.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_review_cycle_end_to_end() {
    let more = r#"
[[requirement]]
id = "RTM-0004"
title = "Remote firmware roll-back"
text = "The DCC can roll a 4G hub back."
category = "optional"
satisfies = ["BR-001"]
user_impact = "none"

[[requirement]]
id = "RTM-0005"
title = "New install flow"
text = "Installers follow the 4G install flow."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "Installers use a new flow on their handhelds"
"#;
    let dir = tree(&format!("{BASE}{more}"));
    let d = dir.path();
    let r113 = |id: &str| ("R113".to_owned(), id.to_owned());
    assert_eq!(
        decision_findings(d),
        [
            r113("RTM-0001"),
            r113("RTM-0001"),
            r113("RTM-0004"),
            r113("RTM-0005")
        ]
    );

    // Decide on every item: no R113, nothing else.
    for (id, about, outcome) in [
        ("RTM-0001", "deviation:SEC-POA-60", "accepted"),
        ("RTM-0001", "user-impact", "accepted"),
        ("RTM-0004", "category", "noted"),
        ("RTM-0005", "user-impact", "accepted"),
    ] {
        decide(
            d,
            &[
                id,
                "--about",
                about,
                "--outcome",
                outcome,
                "--by",
                "OPSG_37x",
                "--on",
                "2020-10-26",
            ],
        )
        .success();
    }
    assert_eq!(decision_findings(d), []);

    // Change the deviation's rationale: R112 on that item only.
    edit(
        d,
        "Modem attach time measured",
        "Modem attach time estimated",
    );
    let c = check(d);
    let r112: Vec<&rtm::finding::Finding> = c
        .findings
        .iter()
        .filter(|f| f.code.rule().code == "R112")
        .collect();
    assert_eq!(r112.len(), 1, "{}", listing(&c));
    assert!(
        r112[0]
            .message
            .starts_with("the deviation of RTM-0001 from SEC-POA-60 changed"),
        "{}",
        r112[0].message
    );
    assert_eq!(
        decision_findings(d),
        [("R112".to_owned(), "RTM-0001".to_owned())]
    );
    // Decided again: fresh.
    decide(
        d,
        &[
            "RTM-0001",
            "--about",
            "deviation:SEC-POA-60",
            "--outcome",
            "accepted",
            "--by",
            "OPSG_38x",
            "--on",
            "2020-11-23",
        ],
    )
    .success();
    assert_eq!(decision_findings(d), []);

    // Move its modification from proposed to approved: nothing.
    edit(d, "stage = \"proposed\"", "stage = \"approved\"");
    assert_eq!(decision_findings(d), []);

    // Reject a user impact: R114 ...
    decide(
        d,
        &[
            "RTM-0005",
            "--about",
            "user-impact",
            "--outcome",
            "rejected",
            "--by",
            "OPSG_38x",
            "--on",
            "2020-11-23",
        ],
    )
    .success();
    assert_eq!(
        decision_findings(d),
        [("R114".to_owned(), "RTM-0005".to_owned())]
    );
    // ... whatever else changes on the entry ...
    edit(
        d,
        "title = \"New install flow\"",
        "title = \"The new install flow\"",
    );
    assert_eq!(
        decision_findings(d),
        [("R114".to_owned(), "RTM-0005".to_owned())]
    );
    // ... until the impact text changes: then R112.
    edit(
        d,
        "Installers use a new flow on their handhelds",
        "Installers use a new flow on their existing handhelds",
    );
    assert_eq!(
        decision_findings(d),
        [("R112".to_owned(), "RTM-0005".to_owned())]
    );
    let c = check(d);
    let msg = &c
        .findings
        .iter()
        .find(|f| f.code.rule().code == "R112")
        .unwrap()
        .message;
    assert!(
        msg.contains("(rejected by OPSG_38x on 2020-11-23)"),
        "{msg}"
    );
}

/// Recording a decision does not make a review stamp stale (FORMAT §7: the
/// review fingerprint does not cover decisions).
#[test]
fn deciding_keeps_a_review_fresh() {
    let dir = tree(BASE);
    common::rtm()
        .args([
            "stamp",
            "RTM-0001",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
            "--tree",
            dir.path().to_str().unwrap(),
        ])
        .assert()
        .success();
    decide(
        dir.path(),
        &[
            "RTM-0001",
            "--about",
            "deviation:SEC-POA-60",
            "--outcome",
            "accepted",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
        ],
    )
    .success();
    let c = check(dir.path());
    assert_eq!(entry(&c, "RTM-0001").decisions().len(), 1);
    assert!(codes(&c, "R108").is_empty(), "{}", listing(&c));
}
