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

/// The README's GitHub Actions excerpt is a verbatim, contiguous part of
/// the workflow it describes (whole lines), so the two cannot drift apart.
#[test]
fn readme_workflow_excerpt_is_part_of_the_workflow() {
    let readme = read("README.md");
    let workflow = read(".github/workflows/rtm.yml");
    // What the workflow prints where others read it holds back amber.
    assert!(workflow.contains("--format github --classification white"));
    assert!(workflow.contains("--format markdown --classification white"));
    let section = readme.split("### GitHub Actions").nth(1).unwrap();
    let excerpt = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|s| s.split("```\n").next())
        .unwrap();
    assert!(excerpt.contains("--format github"), "{excerpt}");
    assert!(
        workflow.contains(&format!("\n{excerpt}")),
        "the README's excerpt is not a part of .github/workflows/rtm.yml:\n{excerpt}"
    );
}

/// Cargo.toml states the oldest Rust that builds rtm (let chains need
/// 1.88), and the README says the same.
#[test]
fn rust_version_is_stated() {
    let manifest: toml::Table = read("Cargo.toml").parse().unwrap();
    let version = manifest["package"]["rust-version"].as_str().unwrap();
    assert_eq!(version, "1.88");
    assert!(read("README.md").contains(&format!("Rust\n{version} or later")));
}

/// No line of the documentation that `rtm explain` prints, nor of the
/// README's output examples, ends in a space.
#[test]
fn no_doc_line_ends_in_a_space() {
    let mut pages = vec![("README.md".to_owned(), read("README.md"))];
    for rule in rtm::rules::RULES {
        pages.push((rule.code.to_owned(), rule.doc.to_owned()));
    }
    for (name, text) in pages {
        for (i, line) in text.lines().enumerate() {
            assert!(!line.ends_with(' '), "{name}:{}: `{line}`", i + 1);
        }
    }
}

/// The summary lines the README shows for the scenarios example are what
/// `rtm check` prints.
#[test]
fn readme_scenario_summary_lines_are_what_check_prints() {
    let readme = read("README.md");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for extra in [&[][..], &["--assume", "pending"]] {
        let out = assert_cmd::Command::cargo_bin("rtm")
            .unwrap()
            .arg("check")
            .arg(root.join("examples/scenarios"))
            .args(extra)
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let summary = stdout.lines().last().unwrap();
        assert!(summary.starts_with("rtm: "), "{stdout}");
        assert!(
            readme.contains(&format!("\n{summary}\n")),
            "README lacks `{summary}` ({extra:?})"
        );
    }
}

/// Every Markdown table in the README has as many columns in its
/// delimiter row as in its header.
#[test]
fn readme_tables_are_well_formed() {
    let readme = read("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    for (i, pair) in lines.windows(2).enumerate() {
        let [head, delim] = pair else { continue };
        if !head.starts_with('|') || !delim.starts_with("|---") {
            continue;
        }
        let cells = |l: &str| l.trim().trim_matches('|').split('|').count();
        assert_eq!(cells(head), cells(delim), "README line {}: {head}", i + 1);
    }
}
