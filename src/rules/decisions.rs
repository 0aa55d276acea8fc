//! Decisions (FORMAT §15): R112 stale-decision, R113 awaiting-decision,
//! R114 rejected and R115 decision-about-nothing.
//!
//! The items that need a decision of the OPSG are, for every active RTM
//! entry: each SEC obligation it declares a deviation from
//! (`deviation:<SEC id>`), its category when it is `optional` (`category`),
//! and its `user_impact` when it is an `mvp` entry whose impact is stated and
//! is not `"none"` (`user-impact`). The **current** decision about an item is
//! the latest valid one by `on`, ties broken by the later place in the file.
//!
//! - R113: an item that needs a decision has none (no valid decision about it).
//! - R112: the current decision's `fingerprint` differs from the item's
//!   fingerprint now, or it records none. Fires for any item a current
//!   decision is about, whether or not it still needs one (an optional entry
//!   made `mvp` after the OPSG's input changed what was decided).
//! - R114: the current decision is `rejected` and its fingerprint still
//!   matches: the entry still carries what the OPSG rejected.
//! - R115: a valid decision's `about` names a deviation the entry does not
//!   declare, or `user-impact` on an entry with no `user_impact`.
//!
//! None fires on a withdrawn entry (FORMAT §9). A decision with an R002
//! error decides nothing.

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::fingerprint::decision_fingerprint;
use crate::graph::Graph;
use crate::model::{About, Category, Decision, Kind, Model, Node, Outcome};
use crate::rules::content::is_no_impact;
use crate::source::Span;

/// Where an item stands with the OPSG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Standing<'a> {
    /// No decision about it.
    Awaiting,
    /// The current decision, and whether the item changed since (its
    /// fingerprint differs, or the decision records none).
    Decided { decision: &'a Decision, stale: bool },
}

impl Standing<'_> {
    /// Needs the OPSG: awaiting, or decided and changed since (R113, R112).
    pub fn needs_decision(&self) -> bool {
        match self {
            Standing::Awaiting => true,
            Standing::Decided { stale, .. } => *stale,
        }
    }

    /// Decided, and the decision still holds.
    pub fn holds(&self) -> bool {
        matches!(self, Standing::Decided { stale: false, .. })
    }

    /// For a Decision column: "accepted by OPSG_37x on 2020-10-26",
    /// "awaiting", or "stale: accepted by … on …, changed since".
    pub fn describe(&self) -> String {
        match self {
            Standing::Awaiting => "awaiting".to_owned(),
            Standing::Decided {
                decision,
                stale: false,
            } => decision.describe(),
            Standing::Decided { decision, .. } => {
                format!("stale: {}, changed since", decision.describe())
            }
        }
    }
}

/// Whether an entry's `user_impact` is stated and is not "none".
fn has_impact(entry: &Node) -> bool {
    entry
        .user_impact()
        .is_some_and(|u| !u.value.trim().is_empty() && !is_no_impact(u.value))
}

/// The items of an active RTM entry that need a decision, in this order:
/// its deviations by SEC id (sorted, each once), its category, its user
/// impact. None for a withdrawn entry or another kind.
pub fn items(entry: &Node) -> Vec<About> {
    if entry.kind != Kind::Requirement || !entry.is_active() {
        return Vec::new();
    }
    let mut secs: Vec<&str> = entry
        .deviations()
        .iter()
        .filter_map(|d| entry.link_target(d.sec))
        .collect();
    secs.sort_unstable();
    secs.dedup();
    let mut out: Vec<About> = secs
        .into_iter()
        .map(|s| About::Deviation(s.to_owned()))
        .collect();
    if entry.category == Some(Category::Optional) {
        out.push(About::Category);
    }
    if entry.category == Some(Category::Mvp) && has_impact(entry) {
        out.push(About::UserImpact);
    }
    out
}

/// The items of an active RTM entry that need a decision or have one
/// (that names something on the entry), sorted: deviations by SEC id, then
/// the category, then the user impact.
pub fn items_and_decided(entry: &Node) -> Vec<About> {
    if entry.kind != Kind::Requirement || !entry.is_active() {
        return Vec::new();
    }
    let mut out = items(entry);
    out.extend(
        entry
            .decisions()
            .iter()
            .filter(|d| d.valid)
            .filter_map(|d| d.about.as_ref().map(|a| a.value.clone()))
            .filter(|a| names_something(entry, a)),
    );
    out.sort();
    out.dedup();
    out
}

/// Whether `about` names something on the entry: a deviation it declares,
/// its category, or a `user_impact` it states.
pub fn names_something(entry: &Node, about: &About) -> bool {
    match about {
        About::Deviation(sec) => entry
            .deviations()
            .iter()
            .any(|d| entry.link(d.sec).is_some_and(|l| entry.target(l) == *sec)),
        About::Category => true,
        About::UserImpact => entry.user_impact().is_some(),
    }
}

/// The current decision about an item: the latest valid one by `on`, ties
/// broken by the later place in the file.
pub fn current<'a>(entry: &'a Node, about: &About) -> Option<&'a Decision> {
    let mut best: Option<&Decision> = None;
    for d in entry
        .decisions()
        .iter()
        .filter(|d| d.valid && d.about.as_ref().is_some_and(|a| a.value == *about))
    {
        if best.is_none_or(|b| d.on >= b.on) {
            best = Some(d);
        }
    }
    best
}

/// Where an item of an entry stands.
pub fn standing<'a>(model: &Model, graph: &Graph, entry: &'a Node, about: &About) -> Standing<'a> {
    match current(entry, about) {
        None => Standing::Awaiting,
        Some(decision) => {
            let now = decision_fingerprint(model, graph, entry, about);
            Standing::Decided {
                decision,
                stale: decision.fingerprint.as_deref() != Some(now.as_str()),
            }
        }
    }
}

/// The item in words: "the deviation of RTM-0001 from SEC-POA-60".
pub fn item_phrase(entry: &Node, about: &About) -> String {
    match about {
        About::Deviation(sec) => format!("the deviation of {} from {sec}", entry.id),
        About::Category => format!(
            "the category of {} ({})",
            entry.id,
            entry.category.map_or("none", Category::as_str)
        ),
        About::UserImpact => format!("the impact on Users of {}", entry.id),
    }
}

/// Where a finding about an item points: the deviation's `sec` value, the
/// `user_impact` value, or the entry's id.
pub fn item_span(entry: &Node, about: &About) -> Span {
    match about {
        About::Deviation(sec) => entry
            .deviations()
            .iter()
            .filter_map(|d| entry.link(d.sec))
            .find(|l| entry.target(l) == *sec)
            .map_or(entry.id_span(), |l| entry.link_span(l)),
        About::Category => entry.id_span(),
        About::UserImpact => entry.user_impact().map_or(entry.id_span(), |u| u.span),
    }
}

/// The decision's `about` as written, for a command line.
fn decide_hint(entry: &Node, about: &About) -> String {
    format!(
        "rtm decide {} --about {about} --outcome accepted|rejected|noted --by NAME",
        entry.id
    )
}

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for entry in ctx
        .model
        .nodes
        .iter()
        .filter(|n| n.kind == Kind::Requirement && n.is_active())
    {
        about_nothing(entry, sink);
        let needed = items(entry);
        // Every item a decision is about, needed or not, and every needed one.
        let mut decided: Vec<About> = entry
            .decisions()
            .iter()
            .filter(|d| d.valid)
            .filter_map(|d| d.about.as_ref().map(|a| a.value.clone()))
            .filter(|a| names_something(entry, a))
            .collect();
        decided.sort();
        decided.dedup();
        for about in &needed {
            if !decided.contains(about) {
                sink.push(
                    Finding::new(
                        Code::R113,
                        item_span(entry, about),
                        format!(
                            "{} awaits a decision of the OPSG",
                            item_phrase(entry, about)
                        ),
                    )
                    .node(&entry.id)
                    .label("awaiting a decision")
                    .help(format!(
                        "once the OPSG has decided, record it: {}",
                        decide_hint(entry, about)
                    )),
                );
            }
        }
        for about in &decided {
            let Standing::Decided { decision, stale } =
                standing(ctx.model, ctx.graph, entry, about)
            else {
                continue;
            };
            if stale {
                let message = if decision.fingerprint.is_none() {
                    format!(
                        "the decision about {}, {}, records no fingerprint: rtm cannot tell whether it still holds",
                        item_phrase(entry, about),
                        decision.describe()
                    )
                } else {
                    format!(
                        "{} changed after the OPSG decided ({}): the decision no longer matches",
                        item_phrase(entry, about),
                        decision.describe()
                    )
                };
                sink.push(
                    Finding::new(Code::R112, decision.at(), message)
                    .node(&entry.id)
                    .label("stale decision")
                    .help(format!(
                        "put it to the OPSG again and record its decision (the history is kept): {}",
                        decide_hint(entry, about)
                    )),
                );
            } else if decision.outcome == Some(Outcome::Rejected) {
                sink.push(
                    Finding::new(
                        Code::R114,
                        item_span(entry, about),
                        format!(
                            "{} was {}, and the entry still carries it",
                            item_phrase(entry, about),
                            decision.describe()
                        ),
                    )
                    .node(&entry.id)
                    .label("rejected by the OPSG")
                    .related(decision.at(), Some(&entry.id), "the decision")
                    .help("change or withdraw what was rejected, or record a new decision of the OPSG"),
                );
            }
        }
    }
}

/// R115: a valid decision about a deviation the entry does not declare, or
/// about a user impact it does not state.
fn about_nothing(entry: &Node, sink: &mut Sink<'_>) {
    for d in entry.decisions().iter().filter(|d| d.valid) {
        let Some(about) = &d.about else {
            continue;
        };
        if names_something(entry, &about.value) {
            continue;
        }
        let (what, help) = match &about.value {
            About::Deviation(sec) => (
                format!("{} declares no deviation from {sec}", entry.id),
                "correct `about` to name a deviation the entry declares, or delete the decision",
            ),
            _ => (
                format!("{} states no `user_impact`", entry.id),
                "state the entry's `user_impact`, or delete the decision",
            ),
        };
        sink.push(
            Finding::new(
                Code::R115,
                about.span,
                format!("a decision about {} names nothing: {what}", about.value),
            )
            .node(&entry.id)
            .label("about nothing")
            .help(help),
        );
    }
}
