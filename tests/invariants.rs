//! Invariants the code once kept with silent defaults: any number of
//! variants, real places for every finding, and the like.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{check, listing, rtm};

fn write_tree(dir: &Path, config: &str, nodes: &str) {
    std::fs::write(dir.join("rtm.toml"), config).unwrap();
    std::fs::write(dir.join("nodes.toml"), nodes).unwrap();
}

/// A tree with `n` variants V00…: BR-001 wants them all and is delivered
/// for every one but the last; BR-002 wants only the last, and has it.
fn many_variants(dir: &Path, n: usize) -> String {
    let names: Vec<String> = (0..n).map(|k| format!("V{k:02}")).collect();
    let quoted = |v: &[String]| {
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let last = names.last().unwrap().clone();
    let config = format!("[project]\nname = \"P\"\nvariants = [{}]\n", quoted(&names));
    let mut nodes = String::new();
    nodes.push_str("[[theme]]\nid = \"TH-01\"\ntitle = \"Theme\"\ntext = \"Theme.\"\n\n");
    nodes.push_str(
        "[[business]]\nid = \"BR-001\"\ntitle = \"All\"\ntext = \"All.\"\nthemes = [\"TH-01\"]\n\n",
    );
    let _ = write!(
        nodes,
        "[[business]]\nid = \"BR-002\"\ntitle = \"Last\"\ntext = \"Last.\"\nthemes = [\"TH-01\"]\nvariants = [\"{last}\"]\n\n"
    );
    let _ = write!(
        nodes,
        "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"Most\"\ntext = \"Most.\"\ncategory = \"mvp\"\nsatisfies = [\"BR-001\"]\nvariants = [{}]\nuser_impact = \"none\"\n\n",
        quoted(&names[..n - 1])
    );
    let _ = write!(
        nodes,
        "[[requirement]]\nid = \"RTM-0002\"\ntitle = \"Last\"\ntext = \"Last.\"\ncategory = \"mvp\"\nsatisfies = [\"BR-002\"]\nvariants = [\"{last}\"]\nuser_impact = \"none\"\n"
    );
    write_tree(dir, &config, &nodes);
    last
}

#[test]
fn more_than_64_variants_are_all_checked() {
    for n in [3, 64, 65, 70, 130] {
        let dir = tempfile::tempdir().unwrap();
        let last = many_variants(dir.path(), n);
        let checked = check(dir.path());
        let r105: Vec<&str> = checked
            .findings
            .iter()
            .filter(|f| f.code.rule().code == "R105")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            r105,
            [format!(
                "business requirement BR-001 has no active RTM entry for variant {last}"
            )],
            "{n} variants:\n{}",
            listing(&checked)
        );
    }
}

#[test]
fn the_review_marks_every_variant_past_the_64th() {
    let dir = tempfile::tempdir().unwrap();
    let last = many_variants(dir.path(), 70);
    let out = rtm().arg("review").arg(dir.path()).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    let row = |id: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row for {id}:\n{md}"))
            .to_owned()
    };
    // BR-001: covered for V00…V68, a gap for the last.
    let br1 = row("BR-001");
    assert_eq!(br1.matches('✓').count(), 69, "{br1}");
    assert_eq!(br1.matches('✗').count(), 1, "{br1}");
    assert!(br1.trim_end().ends_with("✗ |"), "{br1}");
    // BR-002 wants only the last variant, and an entry delivers it.
    let br2 = row("BR-002");
    assert_eq!(br2.matches('✓').count(), 1, "{br2}");
    assert_eq!(br2.matches('✗').count(), 0, "{br2}");
    assert!(md.contains(&format!("{last}: 1 gap")), "{md}");
    // The traceability report's per-variant figure too.
    let out = rtm().arg("report").arg(dir.path()).output().unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains(&format!("| … for variant {last} | 1 of 2")),
        "{md}"
    );
}
