//! `rtm review`: the OPSG assurance review pack. It puts in front of the
//! meeting what it must decide: whether traceability is complete, every
//! deviation from the SEC (undeclared ones first), the three categories,
//! the impact on Users, obligations not addressed, the modifications relied
//! on, and single-band / dual-band coverage.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::md::{Table, cell, count, esc, ratio};
use super::{DocOptions, Facts, header, id_list, place, sources_of};
use crate::graph::EdgeKind;
use crate::model::{About, Category, Kind, LinkField, Node, Outcome, Stage, Status, fmt_number};
use crate::rules::Code;
use crate::rules::content::is_no_impact;
use crate::rules::decisions::{self, Standing};
use crate::rules::questions::is_overdue;
use crate::scenario::{InForce, With, breach};
use crate::view::{View, withheld_phrase};

/// Writes the review pack as Markdown.
pub fn write(view: &View<'_>, opts: &DocOptions) -> String {
    write_since(view, opts, None)
}

/// Writes the review pack as Markdown; with `since`, the stale items say
/// what changed since BASE, field by field, and a last section
/// "Changed since BASE" follows (FORMAT §15).
pub fn write_since(view: &View<'_>, opts: &DocOptions, since: Option<&Since<'_>>) -> String {
    let facts = Facts::new(view);
    let mut out = String::new();
    header(&mut out, "OPSG assurance review", view, opts);
    decisions_needed(&mut out, view, since);
    questions(&mut out, view);
    traceability(&mut out, view, &facts);
    deviations(&mut out, view);
    categories(&mut out, view);
    user_impact(&mut out, view);
    unaddressed(&mut out, view);
    modifications(&mut out, view);
    variants(&mut out, view, &facts);
    if let Some(since) = since {
        changed_since(&mut out, view, since);
    }
    out
}

/// Active nodes of a kind the view shows, sorted by id.
fn active<'a>(view: &'a View<'_>, kind: Kind) -> Vec<(usize, &'a Node)> {
    let mut v: Vec<(usize, &Node)> = view
        .nodes()
        .filter(|(_, n)| n.kind == kind && n.is_active())
        .collect();
    v.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    v
}

fn node_at<'a>(view: &'a View<'_>, i: usize) -> Option<&'a Node> {
    view.checked.model.nodes.get(i)
}

fn is_active(view: &View<'_>, i: usize) -> bool {
    node_at(view, i).is_some_and(Node::is_active)
}

fn title(n: &Node) -> String {
    cell(n.title().unwrap_or(""))
}

/// A node's status, a draft marked so that it is not read as settled.
fn status(n: &Node) -> String {
    match n.status {
        Status::Draft => "**draft**".to_owned(),
        s => s.as_str().to_owned(),
    }
}

fn owner(n: &Node) -> String {
    n.owner()
        .map(crate::source::Str::as_str)
        .map_or("—".to_owned(), cell)
}

/// "the only theme", "all 27 business requirements", "no theme".
fn every(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {one}"),
        1 => format!("the only {one}"),
        _ => format!("all {n} {many}"),
    }
}

/// Capitalises the first letter of a sentence.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn findings_table(out: &mut String, view: &View<'_>, codes: &[Code]) -> usize {
    let mut t = Table::new(&["Rule", "Node", "Where", "Finding"]);
    for f in view.findings.iter().filter(|f| codes.contains(&f.code)) {
        let rule = f.code.rule();
        t.row(vec![
            format!("{} {}", rule.code, rule.name),
            f.node.as_deref().map_or("—".to_owned(), esc),
            cell(&place(view, f)),
            cell(&f.message),
        ]);
    }
    let n = t.len();
    if n > 0 {
        t.write(out);
    }
    n
}

fn traceability(out: &mut String, view: &View<'_>, facts: &Facts) {
    let g = &view.checked.graph;
    out.push_str("## 1. Traceability assurance\n\n");
    let themes = active(view, Kind::Theme);
    let bare_themes = themes
        .iter()
        .filter(|(i, _)| {
            !sources_of(g, *i, EdgeKind::Theme)
                .into_iter()
                .any(|b| is_active(view, b))
        })
        .count();
    let brs = active(view, Kind::Business);
    let untraced = brs
        .iter()
        .filter(|(i, _)| !facts.business_reached(*i))
        .count();
    let entries = active(view, Kind::Requirement);
    let orphans = entries
        .iter()
        .filter(|(i, _)| !facts.entry_reaches(*i))
        .count();
    if themes.is_empty() && brs.is_empty() {
        out.push_str("**Nothing to trace.** The document shows no active theme and no active business requirement.\n\n");
    } else if bare_themes == 0 && untraced == 0 {
        let _ = writeln!(
            out,
            "**Yes.** {} and {} are traced to detailed requirements.\n",
            sentence(&every(themes.len(), "theme", "themes")),
            every(brs.len(), "business requirement", "business requirements"),
        );
    } else {
        let mut gaps = Vec::new();
        if untraced > 0 {
            gaps.push(format!(
                "{untraced} of {} {} not traced to detailed requirements",
                count(brs.len(), "business requirement", "business requirements"),
                if untraced == 1 { "is" } else { "are" }
            ));
        }
        if bare_themes > 0 {
            gaps.push(format!(
                "{} no business requirement",
                count(bare_themes, "theme has", "themes have")
            ));
        }
        let _ = writeln!(out, "**No.** {}.\n", gaps.join("; "));
    }
    let mut t = Table::new(&["Measure", "Covered"]);
    t.row(vec![
        "Themes with business requirements".into(),
        ratio(themes.len() - bare_themes, themes.len()),
    ]);
    t.row(vec![
        "Business requirements traced to active RTM entries".into(),
        ratio(brs.len() - untraced, brs.len()),
    ]);
    t.row(vec![
        "RTM entries traced to a business requirement".into(),
        ratio(entries.len() - orphans, entries.len()),
    ]);
    t.write(out);
    let mut withdrawn: Vec<&Node> = view
        .nodes()
        .map(|(_, n)| n)
        .filter(|n| n.kind == Kind::Requirement && !n.is_active())
        .collect();
    withdrawn.sort_by(|a, b| a.id.cmp(&b.id));
    if !withdrawn.is_empty() {
        let ids: Vec<String> = withdrawn.iter().map(|n| esc(&n.id)).collect();
        let _ = writeln!(
            out,
            "Withdrawn, and counted nowhere above: {} ({}).\n",
            count(withdrawn.len(), "RTM entry", "RTM entries"),
            ids.join(", ")
        );
    }
    out.push_str("### Gaps\n\n");
    let gaps = [Code::R101, Code::R102, Code::R103, Code::R104, Code::R105];
    if findings_table(out, view, &gaps) == 0 {
        out.push_str("None.\n\n");
    }
}

/// Contingency of a deviation, from its modification's stage.
fn contingency(stage: Option<Stage>, named: bool) -> &'static str {
    match stage {
        _ if !named => "no modification named",
        None => "modification unknown",
        Some(s) if s.is_settled() => "no",
        Some(s) if s.is_dead() => "modification is dead",
        Some(_) => "yes",
    }
}

fn deviations(out: &mut String, view: &View<'_>) {
    let model = &view.checked.model;
    out.push_str("## 2. Deviations from the SEC\n\n");
    out.push_str("### Undeclared deviations\n\n");
    if findings_table(out, view, &[Code::R203]) == 0 {
        out.push_str("None: every figure that breaks an SEC limit is declared as a deviation.\n\n");
    } else {
        out.push_str("**These are errors:** an RTM entry commits to a figure that breaks an SEC limit without declaring the deviation.\n\n");
    }

    // Declared deviations of active, visible entries, by obligation id.
    let mut by_sec: BTreeMap<&str, Vec<(&Node, usize)>> = BTreeMap::new();
    let mut hidden_obligations = 0;
    for (_, entry) in active(view, Kind::Requirement) {
        for (k, dev) in entry.deviations().iter().enumerate() {
            let Some(sec) = entry.link(dev.sec) else {
                continue;
            };
            if view.hides_id(entry.target(sec)) {
                hidden_obligations += 1;
                continue;
            }
            by_sec
                .entry(entry.target(sec))
                .or_default()
                .push((entry, k));
        }
    }
    let total: usize = by_sec.values().map(Vec::len).sum();
    let _ = writeln!(
        out,
        "### Declared deviations\n\n{} from {}.\n",
        count(total, "declared deviation", "declared deviations"),
        count(by_sec.len(), "SEC obligation", "SEC obligations")
    );
    if hidden_obligations > 0 {
        let _ = writeln!(
            out,
            "{} (deviations from withheld obligations).\n",
            withheld_phrase(hidden_obligations)
        );
    }
    for (sec_id, devs) in &by_sec {
        let scenario = &view.checked.scenario;
        let sec = view
            .checked
            .graph
            .find(&view.checked.model, sec_id)
            .and_then(|i| model.nodes.get(i).map(|n| (i, n)))
            .filter(|(_, n)| n.kind == Kind::Sec);
        // FORMAT §16: the limits in force in this scenario; `None` when a
        // modification in force withdraws the obligation.
        let limits = sec.and_then(|(si, sec)| scenario.limits(si, sec));
        let changed_by = sec.map_or(&[][..], |(si, _)| scenario.changed_by(si));
        let by = id_list(
            view,
            changed_by
                .iter()
                .filter_map(|&m| model.nodes.get(m))
                .map(|m| m.id.as_str()),
        );
        match sec {
            Some((_, sec)) => {
                let _ = writeln!(
                    out,
                    "#### {} {}\n",
                    esc(&sec.id),
                    esc(sec.title().unwrap_or(""))
                );
                let mut facts = Vec::new();
                if let Some(source) = sec.source() {
                    facts.push(format!("Source: {}", esc(source)));
                }
                match limits {
                    None => facts.push(format!("Withdrawn by {by} (in force)")),
                    Some(limits) if !limits.is_empty() => {
                        let limits: Vec<String> = limits
                            .iter()
                            .map(|l| format!("`{}` {}", l.param.replace('`', "'"), l.describe()))
                            .collect();
                        let changed = if changed_by.is_empty() {
                            String::new()
                        } else {
                            format!(" (as changed by {by}, in force)")
                        };
                        facts.push(format!("Limits{changed}: {}", limits.join("; ")));
                    }
                    Some(_) => {}
                }
                if !facts.is_empty() {
                    let _ = writeln!(out, "{}\n", facts.join(". "));
                }
            }
            None => {
                let _ = writeln!(out, "#### {} (no such SEC obligation)\n", esc(sec_id));
            }
        }
        let mut t = Table::new(&[
            "Entry",
            "Title",
            "Status",
            "Owner",
            "Category",
            "Summary",
            "Rationale",
            "Values against limits",
            "Modification",
            "Stage",
            "Contingent",
            "If MOD is in force",
            "Decision",
        ]);
        for (entry, k) in devs {
            let Some(dev) = entry.deviations().get(*k) else {
                continue;
            };
            let m_link = entry.link(dev.modification);
            let m = m_link
                .and_then(|l| {
                    view.checked
                        .graph
                        .find(&view.checked.model, entry.target(l))
                })
                .and_then(|i| model.nodes.get(i))
                .filter(|n| n.kind == Kind::Modification);
            let m_index = m_link
                .and_then(|l| {
                    view.checked
                        .graph
                        .find(&view.checked.model, entry.target(l))
                })
                .filter(|&i| {
                    model
                        .nodes
                        .get(i)
                        .is_some_and(|n| n.kind == Kind::Modification)
                });
            let m_hidden = m_link.is_some_and(|l| view.hides_id(entry.target(l)));
            let m_assumed = m_index.is_some_and(|i| scenario.in_force(i) == Some(InForce::Assumed));
            let stage = if m_hidden {
                None
            } else {
                m.and_then(|m| m.stage)
            };
            let values: Vec<String> = limits
                .map(|limits| {
                    entry
                        .values
                        .iter()
                        .filter_map(|v| {
                            let limit = limits.iter().find(|l| l.param == entry.param(v))?;
                            let verdict = if limit.allows(v.value) {
                                "within"
                            } else {
                                "breaks"
                            };
                            Some(format!(
                                "{} = {} ({verdict} {})",
                                esc(entry.param(v)),
                                fmt_number(v.value),
                                limit.describe()
                            ))
                        })
                        .collect()
                })
                .unwrap_or_default();
            t.row(vec![
                esc(&entry.id),
                title(entry),
                status(entry),
                owner(entry),
                entry.category.map_or("—", Category::as_str).to_owned(),
                cell(dev.summary.as_ref().map_or("", |s| s.value.as_str())),
                cell(dev.rationale.as_ref().map_or("", |s| s.value.as_str())),
                if sec.is_some() && limits.is_none() {
                    format!("— (obligation withdrawn by {by})")
                } else if values.is_empty() {
                    "—".to_owned()
                } else {
                    values.join("; ")
                },
                match m_link {
                    None => "—".to_owned(),
                    Some(_) if m_hidden => withheld_phrase(1),
                    Some(l) => esc(entry.target(l)),
                },
                stage.map_or("—", Stage::as_str).to_owned(),
                if m_hidden {
                    "—"
                } else if m_assumed {
                    "no (assumed in force)"
                } else {
                    contingency(stage, m_link.is_some())
                }
                .to_owned(),
                if m_hidden {
                    "—".to_owned()
                } else {
                    if_in_force(view, entry, sec, m_index)
                },
                decision_cell(view, entry, &About::Deviation((*sec_id).to_owned())),
            ]);
        }
        t.write(out);
    }
}

/// The "If MOD is in force" cell (FORMAT §16): whether the entry would
/// comply with the obligation were the deviation's modification in force
/// (on top of the scenario the document is computed under).
fn if_in_force(
    view: &View<'_>,
    entry: &Node,
    sec: Option<(usize, &Node)>,
    m: Option<usize>,
) -> String {
    let c = &view.checked;
    let (Some((si, sec)), Some(m)) = (sec, m.and_then(|i| c.model.nodes.get(i))) else {
        return "—".to_owned();
    };
    let limits = match c.scenario.with(si, sec, m, &c.model, &c.graph) {
        With::NotStated => return "not stated".to_owned(),
        With::Withdrawn => return "complies".to_owned(),
        With::Limits(limits) => limits,
    };
    let mut compared = 0;
    let mut outside = Vec::new();
    for v in &entry.values {
        let Some(limit) = limits.iter().find(|l| l.param == entry.param(v)) else {
            continue;
        };
        compared += 1;
        if let Some(b) = breach(limit, v.value) {
            outside.push((esc(entry.param(v)), b));
        }
    }
    match outside.as_slice() {
        [] if compared == 0 => "no figure to compare".to_owned(),
        [] => "complies".to_owned(),
        [(_, b)] => format!("still deviates: {b}"),
        many => format!(
            "still deviates: {}",
            many.iter()
                .map(|(p, b)| format!("{p} {b}"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

fn deviates_from(view: &View<'_>, n: &Node) -> String {
    id_list(
        view,
        n.links
            .iter()
            .filter(|l| matches!(l.field, LinkField::DeviationSec))
            .map(|l| n.target(l)),
    )
}

fn categories(out: &mut String, view: &View<'_>) {
    out.push_str("## 3. Categories\n\n");
    let entries = active(view, Kind::Requirement);
    let of = |c: Category| -> Vec<&Node> {
        entries
            .iter()
            .filter(|(_, n)| n.category == Some(c))
            .map(|(_, n)| *n)
            .collect()
    };
    let mvp = of(Category::Mvp);
    let differing: Vec<&&Node> = mvp.iter().filter(|n| !n.deviations().is_empty()).collect();
    let _ = writeln!(
        out,
        "### (a) MVP entries that differ from SEC requirements\n\n{} of {} {} from current SEC requirements.\n",
        differing.len(),
        count(mvp.len(), "MVP entry", "MVP entries"),
        if differing.len() == 1 {
            "differs"
        } else {
            "differ"
        },
    );
    let mut t = Table::new(&[
        "Entry",
        "Title",
        "Status",
        "Owner",
        "Deviates from",
        "Modification",
    ]);
    for n in &differing {
        let mods = id_list(
            view,
            n.links
                .iter()
                .filter(|l| matches!(l.field, LinkField::DeviationModification))
                .map(|l| n.target(l)),
        );
        t.row(vec![
            esc(&n.id),
            title(n),
            status(n),
            owner(n),
            deviates_from(view, n),
            mods,
        ]);
    }
    if !t.is_empty() {
        t.write(out);
    }

    let support = of(Category::SecSupport);
    let _ = writeln!(
        out,
        "### (b) SEC-support entries\n\nAdded to make sure existing SEC obligations are delivered: {}.\n",
        count(support.len(), "entry", "entries")
    );
    let mut t = Table::new(&[
        "Entry",
        "Title",
        "Status",
        "Owner",
        "SEC obligations upheld",
    ]);
    for n in &support {
        t.row(vec![
            esc(&n.id),
            title(n),
            status(n),
            owner(n),
            id_list(view, n.targets_in(LinkField::Sec)),
        ]);
    }
    if !t.is_empty() {
        t.write(out);
    }

    let optional = of(Category::Optional);
    let _ = writeln!(
        out,
        "### (c) Optional entries: OPSG input sought\n\nBeyond the MVP: {}.\n",
        count(optional.len(), "entry", "entries")
    );
    let mut t = Table::new(&[
        "Entry",
        "Title",
        "Status",
        "Owner",
        "Satisfies",
        "Deviates from",
        "Decision",
    ]);
    for n in &optional {
        t.row(vec![
            esc(&n.id),
            title(n),
            status(n),
            owner(n),
            id_list(view, n.targets_in(LinkField::Satisfies)),
            deviates_from(view, n),
            decision_cell(view, n, &About::Category),
        ]);
    }
    if !t.is_empty() {
        t.write(out);
    }
}

fn user_impact(out: &mut String, view: &View<'_>) {
    out.push_str("## 4. User impact\n\n");
    let entries = active(view, Kind::Requirement);
    let impact = |n: &Node| -> Option<String> {
        n.user_impact()
            .map(|u| u.value.trim().to_owned())
            .filter(|u| !u.is_empty() && !is_no_impact(u))
    };
    let with: Vec<&Node> = entries
        .iter()
        .map(|(_, n)| *n)
        .filter(|n| impact(n).is_some())
        .collect();
    let mvp_with = with
        .iter()
        .filter(|n| n.category == Some(Category::Mvp))
        .count();
    let unstated: Vec<&Node> = entries
        .iter()
        .map(|(_, n)| *n)
        .filter(|n| {
            n.category == Some(Category::Mvp)
                && n.user_impact().is_none_or(|u| u.value.trim().is_empty())
        })
        .collect();
    out.push_str(
        "Will Users need to change their processes or systems when the MVP goes live?\n\n",
    );
    if mvp_with > 0 {
        let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
        for n in with.iter().filter(|n| n.category == Some(Category::Mvp)) {
            *by_status.entry(n.status).or_default() += 1;
        }
        let statuses: Vec<String> = by_status.iter().map(|(s, k)| format!("{k} {s}")).collect();
        // Agreed: the current decision accepts the impact and still holds.
        let agreed = with
            .iter()
            .filter(|n| n.category == Some(Category::Mvp))
            .filter(|n| match standing_of(view, n, &About::UserImpact) {
                Standing::Decided { decision, stale } => {
                    !stale && decision.outcome == Some(Outcome::Accepted)
                }
                Standing::Awaiting => false,
            })
            .count();
        let _ = writeln!(
            out,
            "**Users would have to change something: yes, for {}** ({}). The OPSG has agreed {agreed} of {}. Each is listed below with what Users must change.\n",
            count(mvp_with, "MVP entry", "MVP entries"),
            statuses.join(", "),
            count(mvp_with, "impact", "impacts"),
        );
    } else if !unstated.is_empty() {
        let _ = writeln!(
            out,
            "**Not confirmed.** No MVP entry states an impact, but {} of the MVP state{} none at all.\n",
            count(unstated.len(), "entry", "entries"),
            if unstated.len() == 1 { "s" } else { "" }
        );
    } else if entries
        .iter()
        .any(|(_, n)| n.category == Some(Category::Mvp))
    {
        out.push_str("**No change for Users:** every MVP entry states that Users need not change anything.\n\n");
    } else {
        out.push_str("**Not confirmed.** The document shows no active MVP entry.\n\n");
    }
    if !with.is_empty() {
        out.push_str("### Entries with an impact on Users\n\n");
        let mut t = Table::new(&[
            "Entry",
            "Title",
            "Status",
            "Owner",
            "Category",
            "What Users must change",
            "Decision",
        ]);
        for n in &with {
            // Only an MVP entry's impact needs a decision; another entry's
            // shows one only when the OPSG recorded one.
            let decision = if n.category == Some(Category::Mvp)
                || decisions::current(n, &About::UserImpact).is_some()
            {
                decision_cell(view, n, &About::UserImpact)
            } else {
                "—".to_owned()
            };
            t.row(vec![
                esc(&n.id),
                title(n),
                status(n),
                owner(n),
                n.category.map_or("—", Category::as_str).to_owned(),
                cell(&impact(n).unwrap_or_default()),
                decision,
            ]);
        }
        t.write(out);
    }
    if !unstated.is_empty() {
        out.push_str("### MVP entries whose impact is unstated\n\n");
        let mut t = Table::new(&["Entry", "Title", "Status", "Owner"]);
        for n in &unstated {
            t.row(vec![esc(&n.id), title(n), status(n), owner(n)]);
        }
        t.write(out);
    }
}

fn unaddressed(out: &mut String, view: &View<'_>) {
    let g = &view.checked.graph;
    out.push_str("## 5. SEC obligations not addressed\n\n");
    let recorded = view
        .nodes()
        .filter(|(_, n)| n.kind == Kind::Sec && n.is_active())
        .count();
    let _ = writeln!(
        out,
        "Measured against the {} recorded in this tree, not against the whole SEC.\n",
        count(recorded, "SEC obligation", "SEC obligations")
    );
    let mut t = Table::new(&["Obligation", "Title", "Source"]);
    let mut withdrawn = Vec::new();
    for (i, sec) in active(view, Kind::Sec) {
        // FORMAT §16: an obligation withdrawn by a modification in force
        // needs no entry.
        if view.checked.scenario.is_withdrawn(i) {
            withdrawn.push(esc(&sec.id));
            continue;
        }
        let addressed = [EdgeKind::Upholds, EdgeKind::Deviates]
            .iter()
            .any(|&k| sources_of(g, i, k).into_iter().any(|s| is_active(view, s)));
        if !addressed {
            t.row(vec![
                esc(&sec.id),
                title(sec),
                cell(sec.source().map(crate::source::Str::as_str).unwrap_or("")),
            ]);
        }
    }
    if t.is_empty() {
        out.push_str("None: every active SEC obligation is upheld or deviated from by an active RTM entry.\n\n");
    } else {
        t.write(out);
    }
    if !withdrawn.is_empty() {
        let _ = writeln!(
            out,
            "Withdrawn by a modification in force, so needing no entry: {}.\n",
            withdrawn.join(", ")
        );
    }
}

fn modifications(out: &mut String, view: &View<'_>) {
    let g = &view.checked.graph;
    out.push_str("## 6. Modifications relied on\n\n");
    let mut t = Table::new(&["Modification", "Title", "Stage", "Relied on by"]);
    let mut unused = Vec::new();
    let mut mods: Vec<(usize, &Node)> = view
        .nodes()
        .filter(|(_, n)| n.kind == Kind::Modification)
        .collect();
    mods.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    for (i, m) in mods {
        let users: Vec<usize> = sources_of(g, i, EdgeKind::ReliesOn)
            .into_iter()
            .filter(|&s| is_active(view, s))
            .collect();
        if users.is_empty() {
            unused.push(esc(&m.id));
            continue;
        }
        let mut ids: Vec<&str> = users
            .iter()
            .filter_map(|&s| node_at(view, s))
            .map(|n| n.id.as_str())
            .collect();
        ids.sort_unstable();
        let ids = ids.into_iter();
        let stage = m.stage.map_or("—", Stage::as_str);
        t.row(vec![
            esc(&m.id),
            title(m),
            if g.find(&view.checked.model, &m.id) == Some(i)
                && view.checked.scenario.in_force(i) == Some(InForce::Assumed)
            {
                format!("{stage} (assumed in force)")
            } else {
                stage.to_owned()
            },
            id_list(view, ids),
        ]);
    }
    if t.is_empty() {
        out.push_str("No deviation relies on a modification.\n\n");
    } else {
        t.write(out);
    }
    if !unused.is_empty() {
        let _ = writeln!(
            out,
            "Not relied on by any active entry: {}.\n",
            unused.join(", ")
        );
    }
}

fn variants(out: &mut String, view: &View<'_>, facts: &Facts) {
    let all = &view.checked.config.project.variants;
    out.push_str("## 7. Variants side by side\n\n");
    if all.is_empty() {
        out.push_str("The project declares no variants.\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "Coverage of each business requirement by active RTM entries, per variant ({}). ✓ covered, ✗ gap, n/a not required.\n",
        all.iter().map(|v| esc(v)).collect::<Vec<_>>().join(", ")
    );
    let names: Vec<String> = all.iter().map(|v| cell(v)).collect();
    let mut header: Vec<&str> = vec!["Business requirement", "Title"];
    header.extend(names.iter().map(String::as_str));
    let mut t = Table::new(&header);
    let mut gaps = vec![0usize; all.len()];
    for (i, br) in active(view, Kind::Business) {
        let mut row = vec![esc(&br.id), title(br)];
        for (k, v) in all.iter().enumerate() {
            row.push(if !br.has_variant(v) {
                "n/a".to_owned()
            } else if facts.covers(i, k) {
                "✓".to_owned()
            } else {
                if let Some(g) = gaps.get_mut(k) {
                    *g += 1;
                }
                "✗".to_owned()
            });
        }
        t.row(row);
    }
    let summary: Vec<String> = all
        .iter()
        .zip(&gaps)
        .map(|(v, g)| format!("{}: {}", esc(v), count(*g, "gap", "gaps")))
        .collect();
    let _ = writeln!(out, "{}.\n", summary.join("; "));
    t.write(out);
}

/// "Open questions" (FORMAT §17): every unanswered question of every
/// active node the view shows, overdue ones first (then by due date, those
/// with none last, then by node id, then in file order), and then the
/// answered ones. A withheld node contributes no question and no count; a
/// withdrawn node's questions are moot, as R116 and R117 say.
fn questions(out: &mut String, view: &View<'_>) {
    let today = view.checked.today;
    let mut open = Vec::new();
    let mut answered = Vec::new();
    for (_, n) in view.nodes().filter(|(_, n)| n.is_active()) {
        for q in n.questions() {
            if q.is_open() {
                open.push((is_overdue(q, today), n, q));
            } else {
                answered.push((n, q));
            }
        }
    }
    open.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.2.due.is_none().cmp(&b.2.due.is_none()))
            .then_with(|| a.2.due.cmp(&b.2.due))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    answered.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let opt = |s: &Option<String>| cell(s.as_deref().unwrap_or(""));
    out.push_str("## Open questions\n\n");
    if open.is_empty() {
        out.push_str("None.\n\n");
    } else {
        let overdue = open.iter().filter(|(o, _, _)| *o).count();
        let _ = writeln!(
            out,
            "{}, {overdue} overdue.\n",
            count(
                open.len(),
                "question awaits an answer",
                "questions await an answer"
            ),
        );
        let mut t = Table::new(&[
            "Node", "Title", "Question", "Asked by", "Asked on", "To", "Due",
        ]);
        for (overdue, n, q) in &open {
            let due = match (&q.due, overdue) {
                (Some(d), true) => format!("{} **overdue**", cell(d)),
                (Some(d), false) => cell(d),
                (None, _) => "—".to_owned(),
            };
            t.row(vec![
                esc(&n.id),
                title(n),
                cell(q.text()),
                opt(&q.asked),
                opt(&q.on),
                opt(&q.to),
                due,
            ]);
        }
        t.write(out);
    }
    if !answered.is_empty() {
        out.push_str("### Answered questions\n\n");
        let mut t = Table::new(&["Node", "Question", "Asked by, on", "Answer", "Answered on"]);
        for (n, q) in &answered {
            let asked = [&q.asked, &q.on]
                .into_iter()
                .flatten()
                .map(|s| cell(s))
                .collect::<Vec<_>>()
                .join(", ");
            t.row(vec![
                esc(&n.id),
                cell(q.text()),
                if asked.is_empty() {
                    "—".to_owned()
                } else {
                    asked
                },
                opt(&q.answer),
                opt(&q.answered),
            ]);
        }
        t.write(out);
    }
}

/// What `rtm review --since BASE` compares with: BASE as given, the tree
/// BASE shows at the document's level, and the comparison of the two.
pub struct Since<'a> {
    pub name: &'a str,
    /// BASE as a reader at the document's level sees it.
    pub base: &'a crate::Checked,
    /// The tree as the same reader sees it (its findings those shown).
    pub head: &'a crate::Checked,
    /// `compare_as(base, head)`, without the ids in `hidden`.
    pub diff: &'a crate::diff::Diff,
    /// The ids that name only nodes above the document's level, in BASE
    /// or in the tree: no part names them.
    pub hidden: &'a std::collections::HashSet<String>,
}

/// Where an item of an entry the view shows stands (FORMAT §15), computed
/// on the tree the document shows.
fn standing_of<'a>(view: &'a View<'_>, entry: &'a Node, about: &About) -> Standing<'a> {
    decisions::standing(&view.checked.model, &view.checked.graph, entry, about)
}

/// A Decision cell: "accepted by OPSG_37x on 2020-10-26", "awaiting", or
/// "stale: accepted by … on …, changed since".
fn decision_cell(view: &View<'_>, entry: &Node, about: &About) -> String {
    cell(&standing_of(view, entry, about).describe())
}

/// The fields of `rtm diff` a decision about `about` covers, on the entry
/// (and, for a deviation, `limits` on the obligation).
fn covered(about: &About, field: &str) -> bool {
    match about {
        About::Deviation(sec) => {
            field == "category"
                || field == "values"
                || field == format!("deviations.{sec}")
                || field.starts_with(&format!("deviations.{sec}."))
        }
        About::Category => matches!(field, "category" | "title" | "text"),
        About::UserImpact => field == "user_impact",
    }
}

/// What changed since BASE in what a decision covers, as `rtm diff` shows
/// it: "rationale: "old" → "new"".
fn changes_since(since: &Since<'_>, entry: &Node, about: &About) -> Vec<String> {
    use crate::render::diff::value_text;
    let mut out = Vec::new();
    for c in since.diff.nodes.changed.iter().filter(|c| c.id == entry.id) {
        for f in c.fields.iter().filter(|f| covered(about, &f.field)) {
            out.push(format!(
                "`{}`: {} → {}",
                f.field.replace('`', "'"),
                value_text(&f.old),
                value_text(&f.new)
            ));
        }
    }
    if let About::Deviation(sec) = about {
        for c in since.diff.nodes.changed.iter().filter(|c| c.id == *sec) {
            for f in c.fields.iter().filter(|f| f.field == "limits") {
                out.push(format!(
                    "{} `limits`: {} → {}",
                    esc(sec),
                    value_text(&f.old),
                    value_text(&f.new)
                ));
            }
        }
    }
    out
}

/// "Decisions needed" (FORMAT §15): every item of an active entry the
/// document shows with R113 (awaiting) or R112 (changed since the
/// decision), as the document's findings have them (so rule levels,
/// waivers and classification apply), grouped as deviations, optional
/// entries and user impacts.
fn decisions_needed(out: &mut String, view: &View<'_>, since: Option<&Since<'_>>) {
    out.push_str("## Decisions needed\n\n");
    let has = |code: Code, entry: &Node, span: crate::source::Span| {
        view.findings
            .iter()
            .any(|f| f.code == code && f.node.as_deref() == Some(&entry.id) && f.span == span)
    };
    // (entry, about, standing) per group.
    let mut groups: [Vec<(&Node, About, Standing<'_>)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut unlisted = 0;
    for (_, entry) in active(view, Kind::Requirement) {
        for about in decisions::items_and_decided(entry) {
            if let About::Deviation(sec) = &about
                && view.hides_id(sec)
            {
                continue;
            }
            let standing = standing_of(view, entry, &about);
            let listed = match standing {
                Standing::Awaiting => has(Code::R113, entry, decisions::item_span(entry, &about)),
                Standing::Decided { decision, stale } => {
                    stale && has(Code::R112, entry, decision.at())
                }
            };
            if !listed {
                // Awaiting or changed, but its rule is off or waived here.
                if matches!(
                    standing,
                    Standing::Awaiting | Standing::Decided { stale: true, .. }
                ) {
                    unlisted += 1;
                }
                continue;
            }
            let g = match about {
                About::Deviation(_) => 0,
                About::Category => 1,
                About::UserImpact => 2,
            };
            if let Some(group) = groups.get_mut(g) {
                group.push((entry, about, standing));
            }
        }
    }
    let total: usize = groups.iter().map(Vec::len).sum();
    // Never "decided on every item" while the Decision columns say
    // "awaiting": the items a rule's level or a waiver leaves out are
    // counted.
    let unlisted_note = (unlisted > 0).then(|| {
        format!(
            "{} awaiting a decision or changed since one {} not listed here: stale-decision (R112) or awaiting-decision (R113) is off in `rtm.toml` or waived for {}.",
            count(unlisted, "item", "items"),
            if unlisted == 1 { "is" } else { "are" },
            if unlisted == 1 { "it" } else { "them" },
        )
    });
    if total == 0 {
        match unlisted_note {
            Some(note) => {
                let _ = writeln!(out, "None listed. {note}\n");
            }
            None => out.push_str("None: the OPSG has decided on every item this document shows, and nothing it decided on has changed since.\n\n"),
        }
        return;
    }
    let stale = groups
        .iter()
        .flatten()
        .filter(|(_, _, s)| matches!(s, Standing::Decided { .. }))
        .count();
    let _ = writeln!(
        out,
        "{}: {} awaiting a first decision, {stale} changed since the OPSG decided.{}\n",
        count(total, "item needs a decision", "items need a decision"),
        total - stale,
        unlisted_note.map(|n| format!(" {n}")).unwrap_or_default(),
    );
    let what = |entry: &Node, about: &About, standing: &Standing<'_>| -> String {
        match standing {
            Standing::Awaiting => "awaiting".to_owned(),
            Standing::Decided { decision, .. } => {
                let mut s = if decision.fingerprint.is_none() {
                    format!(
                        "the decision ({}) records no fingerprint",
                        cell(&decision.describe())
                    )
                } else {
                    let covers = match about {
                        About::Deviation(_) => "its deviation, values, limits or category",
                        About::Category => "its category, title or text",
                        About::UserImpact => "the impact",
                    };
                    format!(
                        "{covers} changed since the decision ({})",
                        cell(&decision.describe())
                    )
                };
                if let Some(since) = since {
                    let changes = changes_since(since, entry, about);
                    if changes.is_empty() {
                        let _ = write!(s, "; nothing it covers changed since {}", cell(since.name));
                    } else {
                        let _ = write!(s, "; since {}: {}", cell(since.name), changes.join("; "));
                    }
                }
                s
            }
        }
    };
    let [devs, optional, impacts] = &groups;
    if !devs.is_empty() {
        out.push_str("### Deviations\n\n");
        let mut t = Table::new(&["Entry", "Title", "SEC obligation", "Deviation", "Needs"]);
        for (entry, about, standing) in devs {
            let About::Deviation(sec) = about else {
                continue;
            };
            let summary = entry
                .deviations()
                .iter()
                .find(|d| entry.link(d.sec).is_some_and(|l| entry.target(l) == *sec))
                .and_then(|d| d.summary.as_ref())
                .map_or("", |s| s.value.as_str());
            t.row(vec![
                esc(&entry.id),
                title(entry),
                esc(sec),
                cell(summary),
                what(entry, about, standing),
            ]);
        }
        t.write(out);
    }
    if !optional.is_empty() {
        out.push_str("### Optional entries\n\n");
        let mut t = Table::new(&["Entry", "Title", "Status", "Owner", "Needs"]);
        for (entry, about, standing) in optional {
            t.row(vec![
                esc(&entry.id),
                title(entry),
                status(entry),
                owner(entry),
                what(entry, about, standing),
            ]);
        }
        t.write(out);
    }
    if !impacts.is_empty() {
        out.push_str("### User impacts\n\n");
        let mut t = Table::new(&["Entry", "Title", "What Users must change", "Needs"]);
        for (entry, about, standing) in impacts {
            t.row(vec![
                esc(&entry.id),
                title(entry),
                cell(entry.user_impact().map_or("", |u| u.value.trim())),
                what(entry, about, standing),
            ]);
        }
        t.write(out);
    }
}

/// Decisions of one entry, by (about, on, by), for comparing two versions.
fn decision_map(n: &Node) -> BTreeMap<(String, String, String), &crate::model::Decision> {
    let mut m = BTreeMap::new();
    for d in n.decisions() {
        let key = (
            d.about
                .as_ref()
                .map_or_else(String::new, |a| a.value.to_string()),
            d.on.clone().unwrap_or_default(),
            d.by.clone().unwrap_or_default(),
        );
        m.insert(key, d);
    }
    m
}

/// The questions of one node (FORMAT §17), by (who asked, when, the how
/// many'th so asked), for comparing two versions.
fn question_map(n: &Node) -> BTreeMap<(String, String, usize), &crate::model::Question> {
    let mut m = BTreeMap::new();
    for q in n.questions() {
        let (asked, on) = (
            q.asked.clone().unwrap_or_default(),
            q.on.clone().unwrap_or_default(),
        );
        let nth = m
            .keys()
            .filter(|(a, o, _): &&(String, String, usize)| *a == asked && *o == on)
            .count();
        m.insert((asked, on, nth), q);
    }
    m
}

/// The fields of a question besides who asked it and when.
const QUESTION_FIELDS: [&str; 5] = ["text", "to", "due", "answer", "answered"];

/// A question's [`QUESTION_FIELDS`], as written.
fn question_fields(q: &crate::model::Question) -> [Option<&str>; 5] {
    [
        q.text.as_ref().map(|t| t.value.as_str()),
        q.to.as_deref(),
        q.due.as_deref(),
        q.answer.as_deref(),
        q.answered.as_deref(),
    ]
}

/// The first definition of every RTM entry, by id.
fn entries_by_id(c: &crate::Checked) -> BTreeMap<&str, &Node> {
    let mut m = BTreeMap::new();
    for n in c.model.nodes.iter().filter(|n| n.kind == Kind::Requirement) {
        m.entry(n.id.as_str()).or_insert(n);
    }
    m
}

fn opt_text(s: Option<&str>) -> String {
    match s.map(str::trim) {
        Some(s) if !s.is_empty() => cell(s),
        _ => "—".to_owned(),
    }
}

/// "Changed since BASE" (FORMAT §15): deviations, categories, user impacts,
/// decisions and questions (§17) added, changed or removed, and findings
/// introduced and resolved, between BASE and the tree, both as the
/// document's reader sees them.
fn changed_since(out: &mut String, view: &View<'_>, since: &Since<'_>) {
    use crate::render::diff::value_text;
    let _ = writeln!(out, "## Changed since {}\n", cell(since.name));
    let diff = since.diff;
    let none = |out: &mut String| out.push_str("No change.\n\n");

    out.push_str("### Deviations\n\n");
    let mut t = Table::new(&[
        "Change",
        "Entry",
        "SEC obligation",
        "Field",
        "Before",
        "Now",
    ]);
    let d = &diff.deviations;
    for r in &d.added {
        t.row(vec![
            "added".into(),
            esc(&r.node),
            esc(&r.sec),
            "summary".into(),
            "—".into(),
            opt_text(r.summary.as_deref()),
        ]);
    }
    for c in &d.changed {
        for f in &c.fields {
            t.row(vec![
                "changed".into(),
                esc(&c.node),
                esc(&c.sec),
                cell(&f.field),
                value_text(&f.old),
                value_text(&f.new),
            ]);
        }
    }
    for r in &d.removed {
        t.row(vec![
            "removed".into(),
            esc(&r.node),
            esc(&r.sec),
            "summary".into(),
            opt_text(r.summary.as_deref()),
            "—".into(),
        ]);
    }
    if t.is_empty() {
        none(out);
    } else {
        t.write(out);
    }

    let old = entries_by_id(since.base);
    let new = entries_by_id(since.head);
    let ids: std::collections::BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    let category = |n: &Node| n.category.map_or("—", Category::as_str).to_owned();
    let impact_of = |n: &Node| {
        n.user_impact()
            .map(|u| u.value.trim().to_owned())
            .filter(|u| !u.is_empty())
    };
    let mut cats = Table::new(&["Change", "Entry", "Title", "Before", "Now"]);
    let mut impacts = Table::new(&["Change", "Entry", "Title", "Before", "Now"]);
    let mut decs = Table::new(&["Change", "Entry", "About", "Before", "Now"]);
    // Decisions about a deviation from a withheld obligation are left out.
    let hidden = |id: &str| since.hidden.contains(id);
    let decisions_of = |n| {
        let mut m = decision_map(n);
        m.retain(|_, d| !crate::diff::about_hidden(d, &hidden));
        m
    };
    for id in ids {
        let (o, n) = (old.get(id).copied(), new.get(id).copied());
        let change = match (o, n) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        let shown = n.or(o);
        let title_of = shown.map_or_else(String::new, title);
        let (oc, nc) = (o.map(category), n.map(category));
        if oc != nc {
            cats.row(vec![
                change.into(),
                esc(id),
                title_of.clone(),
                oc.unwrap_or_else(|| "—".into()),
                nc.unwrap_or_else(|| "—".into()),
            ]);
        }
        let (oi, ni) = (o.and_then(impact_of), n.and_then(impact_of));
        if oi != ni {
            impacts.row(vec![
                change.into(),
                esc(id),
                title_of.clone(),
                opt_text(oi.as_deref()),
                opt_text(ni.as_deref()),
            ]);
        }
        let (od, nd) = (
            o.map(decisions_of).unwrap_or_default(),
            n.map(decisions_of).unwrap_or_default(),
        );
        let keys: std::collections::BTreeSet<&(String, String, String)> =
            od.keys().chain(nd.keys()).collect();
        for key in keys {
            let describe = |d: &crate::model::Decision| {
                let mut s = d.describe();
                if let Some(note) = &d.note {
                    let _ = write!(s, " ({})", note.trim());
                }
                cell(&s)
            };
            let (a, b) = (od.get(key).copied(), nd.get(key).copied());
            let (change, before, now) = match (a, b) {
                (None, Some(b)) => ("added", "—".to_owned(), describe(b)),
                (Some(a), None) => ("removed", describe(a), "—".to_owned()),
                (Some(a), Some(b)) if a.outcome != b.outcome || a.note != b.note => {
                    ("changed", describe(a), describe(b))
                }
                _ => continue,
            };
            decs.row(vec![
                change.into(),
                esc(id),
                if key.0.is_empty() {
                    "—".to_owned()
                } else {
                    esc(&key.0)
                },
                before,
                now,
            ]);
        }
    }
    let questions = questions_since(since);
    for (heading, t) in [
        ("### Categories\n\n", cats),
        ("### User impacts\n\n", impacts),
        ("### Decisions\n\n", decs),
        ("### Questions\n\n", questions),
    ] {
        out.push_str(heading);
        if t.is_empty() {
            none(out);
        } else {
            t.write(out);
        }
    }

    for (heading, checked, indices) in [
        (
            "### Findings introduced\n\n",
            since.head,
            &diff.findings.introduced,
        ),
        (
            "### Findings resolved\n\n",
            since.base,
            &diff.findings.resolved,
        ),
    ] {
        out.push_str(heading);
        let mut t = Table::new(&["Level", "Rule", "Node", "Finding"]);
        for f in indices.iter().filter_map(|&i| checked.findings.get(i)) {
            let rule = f.code.rule();
            t.row(vec![
                f.level.as_str().to_owned(),
                format!("{} {}", rule.code, rule.name),
                f.node.as_deref().map_or("—".to_owned(), esc),
                cell(&f.message),
            ]);
        }
        if t.is_empty() {
            out.push_str("None.\n\n");
        } else {
            t.write(out);
        }
    }
    let _ = view;
}

/// The Questions part of "Changed since BASE": questions of any node the
/// document shows asked, changed or removed, one row per field (`text`,
/// `to`, `due`, `answer`, `answered`), a question known by who asked it and
/// when.
fn questions_since(since: &Since<'_>) -> Table {
    let mut t = Table::new(&["Change", "Node", "Asked", "Field", "Before", "Now"]);
    let old = crate::diff::by_id(since.base);
    let new = crate::diff::by_id(since.head);
    let ids: std::collections::BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    for id in ids {
        let (oq, nq) = (
            old.get(id).map(|n| question_map(n)).unwrap_or_default(),
            new.get(id).map(|n| question_map(n)).unwrap_or_default(),
        );
        let keys: std::collections::BTreeSet<&(String, String, usize)> =
            oq.keys().chain(nq.keys()).collect();
        for key in keys {
            let (a, b) = (oq.get(key).copied(), nq.get(key).copied());
            let change = match (a, b) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                _ => "changed",
            };
            let asked = match (key.0.as_str(), key.1.as_str()) {
                ("", "") => "—".to_owned(),
                (by, "") => cell(by),
                ("", on) => format!("on {}", cell(on)),
                (by, on) => format!("{} on {}", cell(by), cell(on)),
            };
            let before = a.map(question_fields).unwrap_or_default();
            let now = b.map(question_fields).unwrap_or_default();
            for (field, (x, y)) in QUESTION_FIELDS.into_iter().zip(before.into_iter().zip(now)) {
                if x != y {
                    t.row(vec![
                        change.into(),
                        esc(id),
                        asked.clone(),
                        field.into(),
                        opt_text(x),
                        opt_text(y),
                    ]);
                }
            }
        }
    }
    t
}
