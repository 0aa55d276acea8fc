//! Speed work never changes an answer: every output of the bundled tree and
//! of a generated 10,000-node tree is byte-identical to what it was before
//! the performance work. The outputs are large, so their SHA-256 digests
//! are committed in `tests/golden/digests.txt`.
//!
//! After an intended change of output, regenerate the digests with:
//!     RTM_UPDATE_GOLDEN=1 cargo test --test golden

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every output of one tree, by name. `root` is the name the tree is
/// given in the outputs, so that they do not depend on where it lies.
fn outputs(tree: &Path, root: &str) -> Vec<(String, Vec<u8>)> {
    let options = rtm::Options {
        today: Some(jiff::civil::date(2026, 1, 1)),
        ..Default::default()
    };
    let checked = rtm::check_with(tree, &options).unwrap();
    let mut out = Vec::new();

    let mut json = Vec::new();
    rtm::render::json::write(&mut json, root, &checked).unwrap();
    out.push(("check.json".to_owned(), json));

    let mut human = Vec::new();
    let style = rtm::render::human::Style {
        color: false,
        width: 100,
        snippets: true,
    };
    rtm::render::human::write(&mut human, &checked, style).unwrap();
    out.push(("check.txt".to_owned(), human));

    let mut sarif = Vec::new();
    rtm::render::sarif::write(&mut sarif, Path::new(root), &checked).unwrap();
    out.push(("check.sarif".to_owned(), sarif));

    let mut github = Vec::new();
    rtm::render::github::write(&mut github, Path::new(root), &checked).unwrap();
    out.push(("check.github".to_owned(), github));

    let view = rtm::view::View::new(&checked, None).unwrap();
    let opts = rtm::report::DocOptions::default();
    let report = rtm::report::traceability::write(&view, &opts);
    out.push((
        "report.html".to_owned(),
        rtm::report::html::page_for(&view, &report).into_bytes(),
    ));
    out.push(("report.md".to_owned(), report.into_bytes()));
    let review = rtm::report::review::write(&view, &opts);
    out.push((
        "review.html".to_owned(),
        rtm::report::html::page_for(&view, &review).into_bytes(),
    ));
    out.push(("review.md".to_owned(), review.into_bytes()));
    for (name, format) in [
        ("graph.dot", rtm::render::graph::GraphFormat::Dot),
        ("graph.mmd", rtm::render::graph::GraphFormat::Mermaid),
        ("graph.svg", rtm::render::graph::GraphFormat::Svg),
    ] {
        let g = rtm::render::graph::write(&view, format, None).unwrap();
        out.push((name.to_owned(), g.into_bytes()));
    }
    // The spreadsheets of `rtm export xlsx` and `rtm export csv`.
    let xlsx = rtm::interchange::export::xlsx(&view, None, &|_| {}).unwrap();
    out.push(("export.xlsx".to_owned(), xlsx));
    out.push((
        "export.csv".to_owned(),
        rtm::interchange::export::csv(&view, None).unwrap(),
    ));
    // Each drawing of the bundled tree on its own, so that a change names
    // the drawing (the generated tree's are in its graph.svg).
    if root == "requirements" {
        for (name, svg) in rtm::render::svg::all(&view) {
            out.push((format!("svg/{name}.svg"), svg.into_bytes()));
        }
    }
    out
}

fn digests_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/digests.txt")
}

#[test]
fn outputs_are_byte_identical_to_the_golden_digests() {
    let generated = tempfile::tempdir().unwrap();
    rtm::corpus::write(generated.path(), 10_000, 1).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements");

    let mut got = BTreeMap::new();
    for (tree, root) in [
        (bundled.as_path(), "requirements"),
        (generated.path(), "gen-10k"),
    ] {
        for (name, bytes) in outputs(tree, root) {
            got.insert(format!("{root}/{name}"), digest(&bytes));
        }
    }
    let text: String = got.iter().map(|(k, v)| format!("{v}  {k}\n")).collect();
    if std::env::var_os("RTM_UPDATE_GOLDEN").is_some() {
        std::fs::write(digests_file(), &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(digests_file()).unwrap_or_default();
    assert!(
        want == text,
        "outputs changed:\n--- committed\n{want}\n--- now\n{text}\nIf the change is intended: RTM_UPDATE_GOLDEN=1 cargo test --test golden"
    );
}
