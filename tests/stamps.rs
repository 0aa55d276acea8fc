//! Review stamps: `rtm stamp`, the fingerprint (FORMAT §7, §13), R108 and
//! R109.

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

use common::{check, places};

const TREE: &str = r#"# A small tree: comments and layout must survive a stamp.

[[theme]]
id = "TH-01"   # the only theme
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
limits = { poa_latency_s = { max = 60 } }

[[modification]]
id = "DP096"
title = "DNO Power Outage Alerts"
stage = "approved"

# RTM-0001 is the entry under review.
[[requirement]]
id = "RTM-0001"
title = "4G hub sends power outage alerts to the DNO"
text = "The hub raises a power outage alert to the DNO within 180 seconds."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "none"
values = { poa_latency_s = 180 }

[[requirement.deviations]]
sec = "SEC-POA-60"
summary = "Alerts may take up to 180 s while the 4G modem re-attaches"
rationale = "Modem attach time measured in the 4G field trial"
modification = "DP096"

[[requirement]]
id = "RTM-0002"
title = "4G hub logs power outage alerts"
text = "The hub logs every alert it sends."
category = "mvp"
refines = ["RTM-0001"]
user_impact = "none"
"#;

const CONFIG: &str = "[rules]\nR201 = \"off\"\n";

/// A temporary tree holding `nodes.toml` = `text` and a quiet `rtm.toml`.
fn tree(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nodes.toml"), text).unwrap();
    std::fs::write(dir.path().join("rtm.toml"), CONFIG).unwrap();
    dir
}

fn nodes(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("nodes.toml")).unwrap()
}

fn stamp(dir: &Path, ids: &[&str]) {
    rtm()
        .arg("stamp")
        .args(ids)
        .args(["--by", "OPSG_37x", "--on", "2020-10-26", "--tree"])
        .arg(dir)
        .assert()
        .code(0);
}

/// The review findings of a tree.
fn review_places(dir: &Path) -> Vec<String> {
    places(&check(dir))
        .into_iter()
        .filter(|p| p.starts_with("R108") || p.starts_with("R109"))
        .collect()
}

/// The lines of `after` that are not in `before`, and whether removing
/// them gives `before` back exactly.
fn inserted_lines(before: &str, after: &str) -> Vec<String> {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let mut added = Vec::new();
    let mut rest = String::new();
    let mut i = 0;
    for line in after.split_inclusive('\n') {
        if old.get(i) == Some(&line) {
            rest.push_str(line);
            i += 1;
        } else {
            added.push(line.to_owned());
        }
    }
    assert_eq!(rest, before, "the rest of the file changed");
    added
}

#[test]
fn stamp_inserts_one_line_and_keeps_every_other_byte() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001"]);
    let after = nodes(dir.path());
    let added = inserted_lines(TREE, &after);
    assert_eq!(added.len(), 1, "{added:?}");
    let line = &added[0];
    assert!(
        line.starts_with("reviewed = { by = \"OPSG_37x\", on = 2020-10-26, fingerprint = \"v1:"),
        "{line}"
    );
    for id in ["BR-001", "SEC-POA-60", "DP096"] {
        assert!(line.contains(&format!("{id} = \"v1:")), "{line}");
    }
    // It sits in RTM-0001's table, before its [[requirement.deviations]].
    let at = after.find(line.as_str()).unwrap();
    assert!(at > after.find("id = \"RTM-0001\"").unwrap());
    assert!(at < after.find("[[requirement.deviations]]").unwrap());
    // The stamp reads back as RTM-0001's review, and nothing fires.
    let checked = check(dir.path());
    let node = checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == "RTM-0001")
        .unwrap();
    let reviewed = node.reviewed().unwrap();
    assert_eq!(reviewed.by.as_deref(), Some("OPSG_37x"));
    assert_eq!(reviewed.on.as_deref(), Some("2020-10-26"));
    assert_eq!(
        reviewed.fingerprint.as_deref(),
        Some(rtm::stamp::fingerprint(node).as_str())
    );
    assert_eq!(reviewed.links.len(), 3);
    assert_eq!(checked.counts().errors, 0, "{}", common::listing(&checked));
    assert!(review_places(dir.path()).is_empty());
}

/// A `reviewed` written as an array of tables (an R002) would be lost
/// with its comments if a stamp replaced it: `stamp` refuses and writes
/// nothing.
#[test]
fn a_reviewed_array_of_tables_is_refused_not_replaced() {
    let text = format!(
        "{TREE}\n[[requirement.reviewed]]\n# kept: the design authority's review\nby = \"DA\"\non = 2020-01-01\nfingerprint = \"v1:abc\"\n"
    );
    let dir = tree(&text);
    let out = rtm()
        .arg("stamp")
        .arg("RTM-0002")
        .args(["--by", "OPSG_37x", "--on", "2020-10-26", "--tree"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("array of tables"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(nodes(dir.path()), text);
}

#[test]
fn a_new_stamp_replaces_the_old_one() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001"]);
    let first = nodes(dir.path());
    rtm()
        .args([
            "stamp",
            "RTM-0001",
            "--by",
            "Design Authority",
            "--on",
            "2021-01-05",
            "--tree",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    let second = nodes(dir.path());
    assert_eq!(second.matches("reviewed =").count(), 1);
    assert!(second.contains("by = \"Design Authority\", on = 2021-01-05"));
    assert_eq!(first.lines().count(), second.lines().count());
    let changed: Vec<_> = first
        .lines()
        .zip(second.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
}

#[test]
fn editing_the_stamped_node_is_r108() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001"]);
    let text = nodes(dir.path()).replace("within 180 seconds.", "within 240 seconds.");
    std::fs::write(dir.path().join("nodes.toml"), text).unwrap();
    assert_eq!(review_places(dir.path()), ["R108 nodes.toml:26:6"]);
}

/// FORMAT §17: questions are not part of any fingerprint, so asking one
/// about a stamped node (or one it links to), then answering it, leaves
/// the review fresh; the control edit shows the check is live.
#[test]
fn asking_or_answering_a_question_keeps_the_review_fresh() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001", "RTM-0002"]);
    let asked = nodes(dir.path()).replace(
        "values = { poa_latency_s = 180 }\n",
        "values = { poa_latency_s = 180 }\nquestions = [{ asked = \"OPSG_36x\", on = 2020-09-28, to = \"DCC\", text = \"Assume DP096?\", due = 2020-10-26 }]\n",
    );
    std::fs::write(dir.path().join("nodes.toml"), &asked).unwrap();
    let checked = check(dir.path());
    let node = checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == "RTM-0001")
        .unwrap();
    assert_eq!(node.questions().len(), 1, "{}", common::listing(&checked));
    assert_eq!(review_places(dir.path()), Vec::<String>::new());
    let answered = asked.replace(
        "due = 2020-10-26 }",
        "due = 2020-10-26, answer = \"Yes\", answered = 2020-10-26 }",
    );
    assert_ne!(answered, asked);
    std::fs::write(dir.path().join("nodes.toml"), &answered).unwrap();
    let checked = check(dir.path());
    assert!(
        checked
            .findings
            .iter()
            .all(|f| f.code.rule().code != "R002"),
        "{}",
        common::listing(&checked)
    );
    assert_eq!(review_places(dir.path()), Vec::<String>::new());
    // The control: a change the fingerprint covers is seen.
    let edited = answered.replace("within 180 seconds.", "within 240 seconds.");
    std::fs::write(dir.path().join("nodes.toml"), edited).unwrap();
    assert_eq!(review_places(dir.path()).len(), 2);
}

#[test]
fn editing_a_linked_node_is_r109_on_the_stamped_node() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0002"]);
    // RTM-0002 refines RTM-0001; reword RTM-0001.
    let text = nodes(dir.path()).replace("within 180 seconds.", "within 240 seconds.");
    std::fs::write(dir.path().join("nodes.toml"), &text).unwrap();
    let got = review_places(dir.path());
    let line = text
        .lines()
        .position(|l| l == "refines = [\"RTM-0001\"]")
        .unwrap()
        + 1;
    assert_eq!(got, [format!("R109 nodes.toml:{line}:12")]);
    let checked = check(dir.path());
    let f = checked
        .findings
        .iter()
        .find(|f| f.code == rtm::rules::Code::R109)
        .unwrap();
    assert_eq!(f.node.as_deref(), Some("RTM-0002"));
    assert!(f.message.contains("RTM-0001 has changed"), "{}", f.message);
}

#[test]
fn a_linked_node_that_is_gone_is_r109_at_the_recorded_link() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001"]);
    // Drop the deviation, and with it the links to SEC-POA-60 and DP096;
    // then remove DP096 from the tree.
    let text = nodes(dir.path());
    let start = text.find("[[requirement.deviations]]").unwrap();
    let end = text.find("[[requirement]]\nid = \"RTM-0002\"").unwrap();
    let mut text = format!("{}{}", &text[..start], &text[end..]);
    text = text.replace(
        "[[modification]]\nid = \"DP096\"\ntitle = \"DNO Power Outage Alerts\"\nstage = \"approved\"\n",
        "",
    );
    text = text.replace("values = { poa_latency_s = 180 }\n", "");
    std::fs::write(dir.path().join("nodes.toml"), &text).unwrap();
    let checked = check(dir.path());
    let r109: Vec<_> = checked
        .findings
        .iter()
        .filter(|f| f.code == rtm::rules::Code::R109)
        .collect();
    // DP096 is gone; SEC-POA-60 is unchanged, so only DP096 is suspect.
    assert_eq!(r109.len(), 1, "{}", common::listing(&checked));
    assert!(r109[0].message.starts_with("DP096 no longer exists"));
    let s = &checked.model.sources;
    let at = s.file(r109[0].span.file).text[r109[0].span.range()].to_owned();
    assert!(
        at.starts_with("\"v1:"),
        "points at the recorded fingerprint: {at}"
    );
    // The node itself changed too.
    assert!(
        checked
            .findings
            .iter()
            .any(|f| f.code == rtm::rules::Code::R108)
    );
}

#[test]
fn reformatting_reordering_and_comments_change_nothing() {
    let dir = tree(TREE);
    stamp(dir.path(), &["RTM-0001", "RTM-0002"]);
    let text = nodes(dir.path());
    let stamp_of = |id: &str| {
        let from = text.find(&format!("id = \"{id}\"")).unwrap();
        let line = text[from..]
            .lines()
            .find(|l| l.starts_with("reviewed ="))
            .unwrap();
        line.to_owned()
    };
    let (s1, s2) = (stamp_of("RTM-0001"), stamp_of("RTM-0002"));
    let reformatted = format!(
        r#"
[[business]]
themes = [ "TH-01", ]
title  =  "Install 4G Communications Hubs in place of 2G/3G hubs"   # reworded? no
owner = "Programme office"
id = 'BR-001'
text = """
DCC provides a 4G Communications Hub and service that Suppliers install instead of 2G/3G hubs.
"""

[[theme]]
title = "Keep smart meters connected as 2G/3G networks close"
tags = ["networks"]
id = "TH-01"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."

[[requirement]]
{s2}
refines = ["RTM-0001"]
category = "mvp"
user_impact = " None "
id = "RTM-0002"
text = "The hub logs every alert it sends."
title = "4G hub logs power outage alerts"

[[requirement]]
deviations = [
  {{ modification = "DP096", rationale = "Modem attach time measured in the 4G field trial", sec = "SEC-POA-60", summary = "Alerts may take up to 180 s while the 4G modem re-attaches" }},
]
values.poa_latency_s = 180.0
user_impact = "none"
{s1}
satisfies = ["BR-001", "BR-001"]
category = "mvp"
text = "The hub raises a power outage alert to the DNO within 180 seconds.\r\n"
title = "4G hub sends power outage alerts to the DNO"
id = "RTM-0001"
tags = ["alerts"]

[[modification]]
stage = "approved"
title = "DNO Power Outage Alerts"
id = "DP096"
url = "https://example.org/dp096"

[[sec]]
limits.poa_latency_s.max = 60.0
title = "Power outage alerts reach the DNO within 60 seconds"
id = "SEC-POA-60"
"#
    );
    std::fs::write(dir.path().join("nodes.toml"), reformatted).unwrap();
    let checked = check(dir.path());
    assert_eq!(checked.counts().errors, 0, "{}", common::listing(&checked));
    assert!(
        review_places(dir.path()).is_empty(),
        "{}",
        common::listing(&checked)
    );
}

#[test]
fn the_fingerprint_is_documented_and_stable() {
    let dir = tree(TREE);
    let checked = check(dir.path());
    let node = |id: &str| checked.model.nodes.iter().find(|n| n.id == id).unwrap();
    let rtm1 = node("RTM-0001");
    assert_eq!(
        rtm::stamp::canonical(rtm1),
        concat!(
            "kind \"requirement\"\n",
            "id \"RTM-0001\"\n",
            "title \"4G hub sends power outage alerts to the DNO\"\n",
            "text \"The hub raises a power outage alert to the DNO within 180 seconds.\"\n",
            "status \"draft\"\n",
            "category \"mvp\"\n",
            "satisfies [\"BR-001\"]\n",
            "deviation [\"SEC-POA-60\",\"Alerts may take up to 180 s while the 4G modem re-attaches\",\"Modem attach time measured in the 4G field trial\",\"DP096\"]\n",
            "user_impact \"none\"\n",
            "value [\"poa_latency_s\",180]\n",
        )
    );
    assert_eq!(
        rtm::stamp::canonical(node("SEC-POA-60")),
        concat!(
            "kind \"sec\"\n",
            "id \"SEC-POA-60\"\n",
            "title \"Power outage alerts reach the DNO within 60 seconds\"\n",
            "text \"\"\n",
            "status \"draft\"\n",
            "limit [\"poa_latency_s\",null,60,null]\n",
        )
    );
    assert_eq!(
        rtm::stamp::canonical(node("DP096")),
        "kind \"modification\"\nid \"DP096\"\ntitle \"DNO Power Outage Alerts\"\ntext \"\"\nstage \"approved\"\n"
    );
    // The hash of the canonical form, pinned: a change to the algorithm
    // must change the `v1:` prefix, not old stamps' meaning.
    let fp = rtm::stamp::fingerprint(node("DP096"));
    assert_eq!(
        fp,
        "v1:551a396d89b6459d7a3e1b3526219aa1668c40c55854712622daed3152219f1e"
    );
}

#[test]
fn unknown_ids_write_nothing_and_exit_2() {
    let dir = tree(TREE);
    rtm()
        .args([
            "stamp", "RTM-0001", "RTM-9999", "--by", "OPSG_37x", "--tree",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("RTM-9999"));
    assert_eq!(nodes(dir.path()), TREE);
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tree(TREE);
    for args in [
        &["stamp", "RTM-0001", "--by", "X", "--on", "2020-13-01"][..],
        &["stamp", "RTM-0001", "--by", "X", "--on", "26/10/2020"][..],
        &["stamp", "RTM-0001", "--by", "  "][..],
        &["stamp", "RTM-0001"][..],
        &["stamp", "--by", "X"][..],
    ] {
        rtm()
            .args(args)
            .arg("--tree")
            .arg(dir.path())
            .assert()
            .code(2)
            .stdout("");
    }
    assert_eq!(nodes(dir.path()), TREE);
    rtm()
        .args(["stamp", "RTM-0001", "--by", "X", "--tree", "no/such/folder"])
        .assert()
        .code(2);
}

#[test]
fn a_defined_twice_id_is_not_stamped() {
    let text = format!("{TREE}\n[[theme]]\nid = \"TH-01\"\ntitle = \"Again\"\n");
    let dir = tree(&text);
    rtm()
        .args(["stamp", "TH-01", "--by", "X", "--tree"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("more than once"));
    assert_eq!(nodes(dir.path()), text);
}

#[test]
fn a_tree_with_errors_is_still_stamped() {
    // RTM-0002 names a business requirement that does not exist (R004).
    let text = TREE.replace(
        "refines = [\"RTM-0001\"]",
        "refines = [\"RTM-0001\"]\nsatisfies = [\"BR-404\"]",
    );
    let dir = tree(&text);
    assert!(check(dir.path()).counts().errors > 0);
    stamp(dir.path(), &["RTM-0002"]);
    let after = nodes(dir.path());
    let added = inserted_lines(&text, &after);
    assert_eq!(added.len(), 1);
    // The missing target is not recorded; RTM-0001 is.
    assert!(added[0].contains("RTM-0001 = \"v1:"));
    assert!(!added[0].contains("BR-404"));
    assert!(review_places(dir.path()).is_empty());
}

#[test]
fn default_date_is_today() {
    let dir = tree(TREE);
    // The date (UTC) before and after the run: across midnight the stamp
    // has one of the two.
    let before = rtm::waivers::today().to_string();
    rtm()
        .args(["stamp", "TH-01", "--by", "X", "--tree"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicates::str::contains("stamped TH-01 in nodes.toml"));
    let after = rtm::waivers::today().to_string();
    let text = nodes(dir.path());
    assert!(
        [before, after]
            .iter()
            .any(|day| text.contains(&format!("on = {day}"))),
        "{text}"
    );
}

#[test]
fn other_table_styles_are_stamped_in_place() {
    let text = concat!(
        "\u{feff}theme = [\r\n",
        "  { id = \"TH-01\", title = \"A\" }, # first\r\n",
        "]\r\n",
        "\r\n",
        "[[business]]\r\n",
        "id = \"BR-001\"\r\n",
        "title = \"B\"\r\n",
        "themes = [\"TH-01\"]\r\n",
        "\r\n",
        "[business.reviewed]\r\n",
        "by = \"old\" # kept\r\n",
        "fingerprint = \"v1:0\"\r\n",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nodes.toml"), text).unwrap();
    rtm()
        .args([
            "stamp",
            "TH-01",
            "BR-001",
            "--by",
            "X",
            "--on",
            "2021-02-03",
            "--tree",
        ])
        .arg(dir.path())
        .assert()
        .code(0);
    let after = nodes(dir.path());
    assert!(after.starts_with('\u{feff}'), "byte-order mark kept");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "CR LF kept: {after:?}"
    );
    assert!(
        after.contains(
            "{ id = \"TH-01\", title = \"A\", reviewed = { by = \"X\", on = 2021-02-03, "
        )
    );
    assert!(after.contains("} }, # first\r\n"));
    assert!(after.contains("[business.reviewed]\r\nby = \"X\" # kept\r\nfingerprint = \"v1:"));
    assert!(after.contains("\"\r\non = 2021-02-03\r\nlinks = { TH-01 = \"v1:"));
    assert!(review_places(dir.path()).is_empty());
    let checked = check(dir.path());
    assert!(
        !places(&checked).iter().any(|p| p.starts_with("R002")),
        "{}",
        common::listing(&checked)
    );
}

#[cfg(unix)]
#[test]
fn stamping_keeps_the_file_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(TREE);
    let path = dir.path().join("nodes.toml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    stamp(dir.path(), &["TH-01"]);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

/// The entries of a folder, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_write_leaves_the_file_as_it_was() {
    let dir = tree(TREE);
    let path = dir.path().join("nodes.toml");
    let before = entries(dir.path());
    // The write itself fails midway (a full disk, say).
    let err = rtm::stamp::write_atomic_with(&path, |f| {
        use std::io::Write;
        f.write_all(b"[[theme]]\nid = ")?;
        Err(std::io::Error::other("no space left on device"))
    });
    assert!(err.is_err());
    assert_eq!(nodes(dir.path()), TREE);
    assert_eq!(entries(dir.path()), before, "temporary file left behind");
    // The rename fails: the target is a folder. This fails even as root.
    let folder = dir.path().join("sub.toml");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep"), "x").unwrap();
    assert!(rtm::stamp::write_atomic(&folder, b"new").is_err());
    assert_eq!(std::fs::read_to_string(folder.join("keep")).unwrap(), "x");
    assert_eq!(entries(dir.path()).len(), before.len() + 1);
}

/// A file that mixes LF and CR LF line breaks is stamped: the stamp line
/// is added (with an LF) and every other byte is kept.
#[test]
fn a_file_with_mixed_line_breaks_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = "[[theme]]\nid = \"TH-01\"\ntitle = \"A\"\n";
    let b = "[[theme]]\r\nid = \"TH-02\"\ntitle = \"B\"\r\n\r\n[[theme]]\nid = \"TH-03\"\r\n";
    std::fs::write(dir.path().join("a.toml"), a).unwrap();
    std::fs::write(dir.path().join("b.toml"), b).unwrap();
    rtm()
        .args(["stamp", "TH-01", "TH-02", "--by", "X", "--tree"])
        .arg(dir.path())
        .assert()
        .code(0);
    let after = std::fs::read_to_string(dir.path().join("b.toml")).unwrap();
    let added = inserted_lines(b, &after);
    assert_eq!(added.len(), 1, "{after:?}");
    assert!(added[0].starts_with("reviewed = { by = \"X\""), "{after:?}");
    assert!(added[0].ends_with("}\n"), "{after:?}");
    assert_eq!(entries(dir.path()), ["a.toml", "b.toml"]);
}

/// Header spellings toml_edit would write differently (spaces around the
/// dot of `[[ requirement . deviations ]]`, quoted keys, spaces inside the
/// brackets) and a last line with no line break: the stamp is still
/// written, and every other byte of the file is kept.
#[test]
fn headers_with_spaces_or_quotes_and_no_final_line_break_are_stamped() {
    let text = concat!(
        "[[ sec ]]\n",
        "id = \"SEC-1\"\n",
        "title = \"An obligation\"\n",
        "\n",
        "[[ requirement ]]\n",
        "id = \"RTM-0001\"\n",
        "title = \"First\"\n",
        "text = \"One.\"\n",
        "category = \"mvp\"\n",
        "user_impact = \"none\"\n",
        "\n",
        "[[ requirement . deviations ]]\n",
        "sec = \"SEC-1\"\n",
        "summary = \"S\"\n",
        "rationale = \"R\"\n",
        "\n",
        "[[\"requirement\"]]\n",
        "id = \"RTM-0002\"\n",
        "title = \"Second\"\n",
        "text = \"Two.\"\n",
        "category = \"mvp\"\n",
        "user_impact = \"none\"\n",
        "\n",
        "[[\"requirement\" . \"deviations\"]]\n",
        "sec = \"SEC-1\"\n",
        "summary = \"S\"\n",
        "rationale = \"R\" # no line break after this",
    );
    let dir = tree(text);
    stamp(dir.path(), &["SEC-1", "RTM-0001"]);
    let after = nodes(dir.path());
    let added = inserted_lines(text, &after);
    assert_eq!(added.len(), 2, "{after}");
    assert!(
        added
            .iter()
            .all(|l| l.starts_with("reviewed = { by = \"OPSG_37x\""))
    );
    assert!(after.ends_with("# no line break after this"));
    assert!(review_places(dir.path()).is_empty());

    // A node in the middle of the file again: one line more.
    stamp(dir.path(), &["RTM-0002"]);
    let last = nodes(dir.path());
    assert_eq!(inserted_lines(&after, &last).len(), 1, "{last}");
    assert!(last.ends_with("# no line break after this"));
    assert!(review_places(dir.path()).is_empty());
}

/// A file name with terminal control codes is shown escaped in what
/// `rtm stamp` prints.
#[test]
fn file_names_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a\u{1b}[2J.toml"), TREE).unwrap();
    let out = rtm()
        .args([
            "stamp",
            "RTM-0001",
            "--by",
            "OPSG_37x",
            "--on",
            "2020-10-26",
            "--tree",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("stamped RTM-0001 in a\\u{1b}[2J.toml\n"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
}

/// R108's related place is the recorded fingerprint, however the stamp is
/// written: inline, as dotted keys or as a sub-table.
#[test]
fn r108_points_at_the_fingerprint_in_every_form_of_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[[theme]]\nid = \"T\"\ntitle = \"t\"\nreviewed = { by = \"old\", fingerprint = \"v1:00\" }\n\n[[business]]\nid = \"B\"\ntitle = \"b\"\nthemes = [\"T\"]\nreviewed.by = \"old\"\nreviewed.fingerprint = \"v1:00\"\n\n[[business]]\nid = \"B2\"\ntitle = \"b\"\nthemes = [\"T\"]\n[business.reviewed]\nby = \"old\"\nfingerprint = \"v1:00\"\n";
    std::fs::write(dir.path().join("a.toml"), text).unwrap();
    let checked = check(dir.path());
    let lines: Vec<&str> = text.lines().collect();
    let mut got: Vec<(String, usize, String)> = checked
        .findings
        .iter()
        .filter(|f| f.code == rtm::rules::Code::R108)
        .map(|f| {
            let r = &f.related[0];
            let (line, col) = checked.model.sources.line_col(r.span);
            let rest: String = lines[line - 1].chars().skip(col - 1).collect();
            (f.node.clone().unwrap_or_default().to_string(), line, rest)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("B".to_owned(), 11, "\"v1:00\"".to_owned()),
            ("B2".to_owned(), 19, "\"v1:00\"".to_owned()),
            ("T".to_owned(), 4, "\"v1:00\" }".to_owned()),
        ]
    );
}
