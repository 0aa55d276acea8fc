//! The bundled tree in `requirements/` is the programme's own RTM: it must
//! check without errors, and show what the OPSG reviews.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use rtm::rules::Code;

fn bundled() -> rtm::Checked {
    common::check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements"))
}

#[test]
fn bundled_tree_has_no_errors() {
    let checked = bundled();
    let c = checked.counts();
    assert_eq!(c.errors, 0, "{}", common::listing(&checked));
}

#[test]
fn bundled_tree_meets_the_brief() {
    use rtm::model::{Category, Kind};
    let checked = bundled();
    let n = checked.model.counts();
    assert!(n[Kind::Theme as usize] >= 6);
    assert!(n[Kind::Business as usize] >= 20);
    assert!(n[Kind::Requirement as usize] >= 60);
    assert!(n[Kind::Sec as usize] >= 10);
    assert!(n[Kind::Modification as usize] >= 3);
    let nodes = &checked.model.nodes;
    for id in ["DP096", "MP117", "MP122"] {
        assert!(
            nodes
                .iter()
                .any(|n| n.id == id && n.kind == Kind::Modification),
            "{id}"
        );
    }
    for cat in [Category::Mvp, Category::SecSupport, Category::Optional] {
        assert!(nodes.iter().any(|n| n.category == Some(cat)), "{cat}");
    }
    assert_eq!(checked.config.project.variants, ["SB", "DB"]);
    // The power outage obligation carries its 60-second limit.
    assert!(nodes.iter().any(|n| {
        n.kind == Kind::Sec
            && n.limits
                .iter()
                .any(|l| l.max == Some(rtm::model::Number::Int(60)))
    }));
    // An MVP deviation relies on DP096, and the check says so.
    let dp096 = checked
        .findings
        .iter()
        .find(|f| f.code == Code::R207 && f.message.contains("DP096"));
    assert!(dp096.is_some(), "no R207 on DP096");
    let mvp_on_dp096 = nodes.iter().any(|n| {
        n.category == Some(Category::Mvp)
            && n.deviations
                .iter()
                .any(|d| n.link(d.modification).is_some_and(|l| l.target == "DP096"))
    });
    assert!(mvp_on_dp096);
    // Every declared deviation is in the register.
    let declared: usize = nodes
        .iter()
        .filter(|n| n.is_active())
        .map(|n| n.deviations.len())
        .sum();
    let register = checked
        .findings
        .iter()
        .filter(|f| f.code == Code::R201)
        .count();
    assert_eq!(register, declared);
}
