//! The README and the docs agree with the code.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

#[test]
fn readme_rule_table_matches_the_registry() {
    let readme = read("README.md");
    for rule in rtm::rules::RULES {
        let row = format!("| {} | {} | {} |", rule.code, rule.name, rule.default);
        assert!(readme.contains(&row), "README lacks the row `{row}`");
    }
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme = read("README.md");
    let head: String = readme.lines().take(8).collect::<Vec<_>>().join("\n");
    assert!(head.contains("cargo run --release -- check requirements"));
    assert!(head.contains("cargo test"));
}

#[test]
fn every_rule_has_a_page() {
    for rule in rtm::rules::RULES {
        let page = read(&format!("docs/rules/{}.md", rule.code));
        assert_eq!(page, rule.doc);
    }
}
