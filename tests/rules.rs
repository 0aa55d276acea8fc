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

/// A repeated definition is R003 and nothing more: links to an id reach
/// its first definition, so the repeat of a theme, a business requirement
/// or an obligation that other nodes name is not also reported as named
/// by nothing (R101, R102, R106). A third definition says so.
#[test]
fn a_repeated_definition_is_r003_without_coverage_findings() {
    let nodes = r#"
[[theme]]
id = "TH-01"
title = "Theme"
text = "t"

[[theme]]
id = "TH-01"
title = "Theme again"
text = "t"

[[business]]
id = "BR-001"
title = "Business"
text = "b"
themes = ["TH-01"]

[[business]]
id = "BR-001"
title = "Business again"
text = "b"
themes = ["TH-01"]

[[sec]]
id = "SEC-1"
title = "s"

[[sec]]
id = "SEC-1"
title = "s again"

[[sec]]
id = "SEC-1"
title = "s once more"

[[requirement]]
id = "RTM-0001"
title = "r"
text = "r"
category = "mvp"
user_impact = "none"
satisfies = ["BR-001"]
sec = ["SEC-1"]
"#;
    let got = findings_of(None, nodes);
    assert_eq!(
        got,
        [
            "R003 8:6 TH-01 is defined twice",
            "R003 19:6 BR-001 is defined twice",
            "R003 29:6 SEC-1 is defined 3 times",
            "R003 33:6 SEC-1 is defined 3 times",
        ],
        "{got:#?}"
    );
    // The first definition still needs coverage.
    let got = findings_of(None, &nodes.replace("satisfies = [\"BR-001\"]", ""));
    assert!(got.iter().any(|f| f.starts_with("R102 13:6 ")), "{got:#?}");
    assert!(!got.iter().any(|f| f.starts_with("R102 19:6 ")), "{got:#?}");
}

/// The findings of one node file (and an optional `rtm.toml`), as
/// `CODE line:column message`.
fn findings_of(config: Option<&str>, nodes: &str) -> Vec<String> {
    let set = rtm::load::FileSet {
        project: config.map(|c| rtm::load::Entry::Bytes(c.as_bytes().to_vec())),
        entries: vec![(
            "n.toml".to_owned(),
            rtm::load::Entry::Bytes(nodes.as_bytes().to_vec()),
        )],
    };
    let checked = rtm::check_files(set, &rtm::Options::default());
    let s = &checked.model.sources;
    checked
        .findings
        .iter()
        .map(|f| {
            let (line, col) = s.line_col(f.span);
            format!("{} {line}:{col} {}", f.code.rule().code, f.message)
        })
        .collect()
}

const CHAIN: &str = "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"B\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"RTM-0001\"\ntitle = \"R\"\ntext = \"r\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-001\", \"BR-002\"]\n";

/// R104 is for `themes = []`; `themes` of the wrong type, or holding
/// something that is not an id, is R002 alone (FORMAT §9).
#[test]
fn themes_of_the_wrong_type_is_r002_only() {
    for value in ["\"TH-01\"", "[1]", "{ a = 1 }"] {
        let nodes = format!(
            "{CHAIN}\n[[business]]\nid = \"BR-002\"\ntitle = \"B2\"\ntext = \"b\"\nthemes = {value}\n"
        );
        let got = findings_of(None, &nodes);
        let codes: Vec<&str> = got.iter().map(|f| &f[..4]).collect();
        assert_eq!(codes, ["R002"], "{value}: {got:?}");
    }
    let nodes = format!(
        "{CHAIN}\n[[business]]\nid = \"BR-002\"\ntitle = \"B2\"\ntext = \"b\"\nthemes = []\n"
    );
    let got = findings_of(None, &nodes);
    assert_eq!(
        got,
        ["R104 24:10 business requirement BR-002 names no theme"]
    );
}

/// One bad bound is one finding: an unknown bound key, or a bound that is
/// not a number, is not also "sets no bound".
#[test]
fn one_bad_bound_is_one_finding() {
    for (bound, want) in [
        (
            "{ maximum = 6 }",
            "R002 3:18 unknown field `maximum` in `limits.x`",
        ),
        (
            "{ max = \"6\" }",
            "R002 3:24 `limits.x.max` must be a number",
        ),
    ] {
        let nodes = format!("[[sec]]\nid = \"SEC-1\"\nlimits = {{ x = {bound} }}\ntitle = \"O\"\n");
        let got = findings_of(None, &nodes);
        let r002: Vec<&String> = got.iter().filter(|f| f.starts_with("R002")).collect();
        assert_eq!(r002.len(), 1, "{bound}: {got:?}");
        assert!(r002[0].starts_with(want), "{bound}: {got:?}");
    }
    // A bound-less table is still said to set none.
    let got = findings_of(
        None,
        "[[sec]]\nid = \"SEC-1\"\nlimits = { x = {} }\ntitle = \"O\"\n",
    );
    assert!(
        got.iter().any(|f| f.contains("`limits.x` sets no bound")),
        "{got:?}"
    );
}

/// Setting R001–R003 to `error` changes nothing, so it is no finding;
/// any other level is R002 on `rtm.toml`.
#[test]
fn saying_a_fixed_rule_is_an_error_is_no_finding() {
    let ok = "[rules]\nR001 = \"error\"\nschema-error = \"error\"\nduplicate-id = \"error\"\n";
    let got = findings_of(Some(ok), CHAIN);
    assert!(!got.iter().any(|f| f.starts_with("R002")), "{got:?}");
    let bad = "[rules]\nR001 = \"warning\"\n";
    let got = findings_of(Some(bad), CHAIN);
    assert!(
        got.iter()
            .any(|f| f.starts_with("R002 2:1 R001 parse-error is always an error")),
        "{got:?}"
    );
}

/// A title holding any Unicode line break (not only `\n` and `\r`) is
/// R002.
#[test]
fn a_title_with_any_line_break_is_r002() {
    for brk in ["\\u000B", "\\u000C", "\\u0085", "\\u2028", "\\u2029", "\\n"] {
        let nodes = format!("[[sec]]\nid = \"SEC-1\"\ntitle = \"One{brk}two\"\n");
        let got = findings_of(None, &nodes);
        assert!(
            got.iter()
                .any(|f| f.starts_with("R002 3:9 `title` must be one line")),
            "{brk}: {got:?}"
        );
    }
}

/// Two loops through one entry are two R006 (FORMAT §9: one finding per
/// loop), each on the member with the smallest id; a self-loop inside the
/// tangle is a third.
#[test]
fn every_loop_of_a_tangle_is_its_own_r006() {
    let nodes = format!(
        "{CHAIN}\n[[requirement]]\nid = \"RTM-A\"\ntitle = \"A\"\ntext = \"a\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-001\"]\nrefines = [\"RTM-B\", \"RTM-C\"]\n\n[[requirement]]\nid = \"RTM-B\"\ntitle = \"B\"\ntext = \"b\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nrefines = [\"RTM-A\"]\n\n[[requirement]]\nid = \"RTM-C\"\ntitle = \"C\"\ntext = \"c\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nrefines = [\"RTM-A\"]\n"
    );
    let r006 = |nodes: &str| -> Vec<String> {
        findings_of(None, nodes)
            .into_iter()
            .filter(|f| f.starts_with("R006"))
            .collect()
    };
    let a_b = "R006 27:12 `refines` links form a loop: RTM-A → RTM-B → RTM-A";
    let a_c = "R006 27:21 `refines` links form a loop: RTM-A → RTM-C → RTM-A";
    assert_eq!(r006(&nodes), [a_b, a_c]);
    // RTM-B refining itself too: its own loop, besides the two.
    let nodes = nodes.replace(
        "refines = [\"RTM-A\"]\n\n[[requirement]]\nid = \"RTM-C\"",
        "refines = [\"RTM-A\", \"RTM-B\"]\n\n[[requirement]]\nid = \"RTM-C\"",
    );
    assert_eq!(
        r006(&nodes),
        [
            a_b,
            a_c,
            "R006 35:21 `refines` links form a loop: RTM-B → RTM-B"
        ]
    );
}

/// A tangle can hold exponentially many loops: R006 reports the first
/// 100, and one more finding says there are more.
#[test]
fn a_tangle_of_many_loops_reports_a_hundred_and_says_so() {
    let mut nodes = CHAIN.to_owned();
    let ids: Vec<String> = (0..8).map(|i| format!("RTM-{i}")).collect();
    for id in &ids {
        let others: Vec<String> = ids
            .iter()
            .filter(|o| *o != id)
            .map(|o| format!("\"{o}\""))
            .collect();
        nodes.push_str(&format!(
            "\n[[requirement]]\nid = \"{id}\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-001\"]\nrefines = [{}]\n",
            others.join(", ")
        ));
    }
    let got = findings_of(None, &nodes);
    let r006: Vec<&String> = got.iter().filter(|f| f.starts_with("R006")).collect();
    assert_eq!(r006.len(), 101, "{r006:?}");
    assert!(
        r006.iter().any(|f| f.contains(
            "`refines` links form more than 100 loops through RTM-0 and the 7 entries tangled with it; the first 100 are reported"
        )),
        "{r006:?}"
    );
    let mut distinct = r006.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 101);
}
