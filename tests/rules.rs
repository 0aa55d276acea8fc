//! Every rule fires on its fixture (`tests/fixtures/rules/CODE/fires`) at
//! exactly the places its `EXPECT` file lists, and stays silent on its
//! near-miss (`quiet`).

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{check, fixture, listing, places};
use rtm::rules::RULES;

/// Rules whose fixtures are built by the tests themselves (symbolic links).
const BUILT_IN_TESTS: &[&str] = &["R304"];

fn expected(code: &str) -> Vec<String> {
    let path = fixture(&format!("rules/{code}/fires/EXPECT"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_rule_fires_where_expected() {
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| !BUILT_IN_TESTS.contains(&r.code)) {
        let dir = fixture(&format!("rules/{}/fires", rule.code));
        let checked = check(&dir);
        let got: Vec<String> = places(&checked)
            .into_iter()
            .filter(|p| p.starts_with(&format!("{} ", rule.code)))
            .collect();
        let want = expected(rule.code);
        if want.is_empty() {
            failures.push(format!("{}: EXPECT lists nothing", rule.code));
        }
        // An EXPECT line without a position names only the file.
        let matches = got.len() == want.len()
            && got
                .iter()
                .zip(&want)
                .all(|(g, w)| g == w || (!w.contains(':') && g.starts_with(&format!("{w}:"))));
        if !matches {
            failures.push(format!(
                "{}: expected {want:?}, got {got:?}\n{}",
                rule.code,
                listing(&checked)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_silent_on_its_near_miss() {
    let mut failures = Vec::new();
    for rule in RULES.iter().filter(|r| !BUILT_IN_TESTS.contains(&r.code)) {
        let dir = fixture(&format!("rules/{}/quiet", rule.code));
        let checked = check(&dir);
        let hits: Vec<String> = places(&checked)
            .into_iter()
            .filter(|p| p.starts_with(&format!("{} ", rule.code)))
            .collect();
        if !hits.is_empty() {
            failures.push(format!("{}: fired on its near-miss: {hits:?}", rule.code));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The whole list of findings of every fires tree, levels and messages
/// included, so that a change to any rule's wording or reach is seen.
#[test]
fn fixture_findings_snapshot() {
    for rule in RULES.iter().filter(|r| !BUILT_IN_TESTS.contains(&r.code)) {
        let checked = check(&fixture(&format!("rules/{}/fires", rule.code)));
        insta::assert_snapshot!(format!("fires-{}", rule.code), listing(&checked));
    }
}

/// A snapshot of every rule's code, name and level: a rename is seen.
#[test]
fn rule_table_snapshot() {
    let table: String = RULES
        .iter()
        .map(|r| format!("{} {} {}\n", r.code, r.name, r.default))
        .collect();
    insta::assert_snapshot!(table);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let dir = common::copy_tree(&fixture("rules/R304/quiet"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("outside.toml"),
        "[[theme]]\nid = \"TH-99\"\ntitle = \"Outside\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("outside.toml"),
        dir.path().join("link.toml"),
    )
    .unwrap();
    // A loop: a folder linking to its parent.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();

    let checked = check(dir.path());
    let got = places(&checked);
    assert!(got.contains(&"R304 link.toml:1:1".to_owned()), "{got:?}");
    assert!(got.contains(&"R304 sub/loop:1:1".to_owned()), "{got:?}");
    assert!(
        !checked.model.nodes.iter().any(|n| n.id == "TH-99"),
        "the link was followed"
    );
    let quiet = check(&fixture("rules/R304/quiet"));
    assert!(!places(&quiet).iter().any(|p| p.starts_with("R304")));
}

#[cfg(unix)]
#[test]
fn a_symlinked_project_file_is_one_skipped_path() {
    let dir = common::copy_tree(&fixture("rules/R304/quiet"));
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("rtm.toml"), "[rules]\nR301 = \"off\"\n").unwrap();
    std::os::unix::fs::symlink(outside.path().join("rtm.toml"), dir.path().join("rtm.toml"))
        .unwrap();
    let got = places(&check(dir.path()));
    let r304: Vec<&String> = got.iter().filter(|p| p.starts_with("R304")).collect();
    assert_eq!(r304, ["R304 rtm.toml:1:1"]);
}

/// R003 sits on the later definition in file order and "first defined
/// here" on the earlier one, whatever the kinds of the two tables.
#[test]
fn a_duplicate_id_is_reported_on_the_later_definition_in_file_order() {
    let sec = "[[sec]]\nid = \"X-1\"\ntitle = \"An obligation\"\n";
    let modification =
        "[[modification]]\nid = \"X-1\"\ntitle = \"A change\"\nstage = \"approved\"\n";
    for (first, second, later_line) in [(sec, modification, 6), (modification, sec, 7)] {
        let set = rtm::load::FileSet {
            project: None,
            entries: vec![(
                "a.toml".to_owned(),
                rtm::load::Entry::Bytes(format!("{first}\n{second}").into_bytes()),
            )],
        };
        let checked = rtm::check_files(set, &rtm::Options::default());
        let all = listing(&checked);
        let r003: Vec<&str> = all
            .lines()
            .skip_while(|l| !l.contains(" R003 "))
            .take(2)
            .collect();
        let text = r003.join("\n");
        assert!(
            text.contains(&format!(
                "R003 a.toml:{later_line}:6 [X-1] X-1 is defined twice"
            )),
            "{text}"
        );
        assert!(
            text.contains("related a.toml:2:6 [X-1] first defined here"),
            "{text}"
        );
    }
}
