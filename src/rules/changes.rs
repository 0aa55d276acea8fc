//! Modifications that change the SEC (FORMAT §16): R213 deviation-resolved,
//! R214 modification-falls-short, R215 conflicting-changes. Everything is
//! judged under the check's scenario ([`crate::scenario`]).

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::model::{Deviation, Kind, Limit, Node, Value, fmt_number};
use crate::scenario::{InForce, With, breach, change_span};
use crate::source::Span;

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for entry in ctx
        .model
        .nodes
        .iter()
        .filter(|n| n.kind == Kind::Requirement && n.is_active())
    {
        for dev in entry.deviations() {
            resolved(ctx, sink, entry, dev);
            falls_short(ctx, sink, entry, dev);
        }
    }
    conflicts(ctx, sink);
}

/// The obligation a deviation departs from: (index, node), when it is an
/// active obligation.
fn obligation<'a>(ctx: &Ctx<'a>, entry: &Node, dev: &Deviation) -> Option<(usize, &'a Node)> {
    let i = ctx.index(entry.target(entry.link(dev.sec)?))?;
    let sec = ctx.node(i)?;
    (sec.kind == Kind::Sec && sec.is_active()).then_some((i, sec))
}

/// The entry's figures that `limits` limit, with the limit of each.
fn limited<'a>(entry: &'a Node, limits: &'a [Limit]) -> Vec<(&'a Value, &'a Limit)> {
    entry
        .values
        .iter()
        .filter_map(|v| {
            limits
                .iter()
                .find(|l| l.param == entry.param(v))
                .map(|l| (v, l))
        })
        .collect()
}

/// "DP096 (implemented)", "DP096 (assumed in force)".
fn in_force_phrase(ctx: &Ctx<'_>, m: usize) -> String {
    let id = ctx.node(m).map_or("?", |n| n.id.as_str());
    match ctx.scenario.in_force(m) {
        Some(InForce::Assumed) => format!("{id} (assumed in force)"),
        _ => format!("{id} (implemented)"),
    }
}

/// R213: the entry declares a deviation it no longer needs: modifications
/// in force change the obligation, and the entry now meets its effective
/// limits (its figures broke the obligation's own limits), or the
/// obligation is withdrawn.
fn resolved(ctx: &Ctx<'_>, sink: &mut Sink<'_>, entry: &Node, dev: &Deviation) {
    let Some((si, sec)) = obligation(ctx, entry, dev) else {
        return;
    };
    let by = ctx.scenario.changed_by(si);
    if by.is_empty() {
        return;
    }
    let span = entry
        .link(dev.sec)
        .map_or(entry.id_span(), |l| entry.link_span(l));
    let mods: Vec<String> = by.iter().map(|&m| in_force_phrase(ctx, m)).collect();
    let why = match ctx.scenario.limits(si, sec) {
        None => format!(
            "{} no longer applies: {} withdraws it",
            sec.id,
            ctx.scenario
                .withdrawn_by(si)
                .map_or_else(|| mods.join(", "), |m| in_force_phrase(ctx, m))
        ),
        Some(limits) => {
            let now = limited(entry, limits);
            let before = limited(entry, sec.limits());
            let broke = before.iter().any(|(v, l)| !l.allows(v.value));
            if now.is_empty() || !broke || now.iter().any(|(v, l)| !l.allows(v.value)) {
                return;
            }
            let figures: Vec<String> = now
                .iter()
                .map(|(v, l)| {
                    format!(
                        "{} = {}, within {}",
                        entry.param(v),
                        fmt_number(v.value),
                        l.describe()
                    )
                })
                .collect();
            format!(
                "{} as changed by {} allows it ({})",
                sec.id,
                mods.join(", "),
                figures.join("; ")
            )
        }
    };
    let mut f = Finding::new(
        Code::R213,
        span,
        format!(
            "{}: the deviation from {} is no longer needed: {why}",
            entry.id, sec.id
        ),
    )
    .node(&entry.id)
    .label("no longer needed");
    for &m in by {
        if let Some(n) = ctx.node(m) {
            let at = n
                .changes()
                .iter()
                .find(|c| {
                    n.link(c.sec)
                        .and_then(|l| ctx.index(n.target(l)))
                        .is_some_and(|t| t == si)
                })
                .map_or(n.id_span(), |c| change_span(n, c));
            f = f.related(at, Some(&n.id), format!("{} changes {}", n.id, sec.id));
        }
    }
    let help = if ctx.scenario.is_withdrawn(si) {
        "drop the deviation: the obligation no longer applies".to_owned()
    } else {
        format!(
            "drop the deviation and uphold the obligation as it now stands (`sec = [\"{}\"]`)",
            sec.id
        )
    };
    sink.push(f.help(help));
}

/// R214: the modification the deviation relies on declares changes to the
/// obligation that would still leave the entry's figures outside its
/// limits.
fn falls_short(ctx: &Ctx<'_>, sink: &mut Sink<'_>, entry: &Node, dev: &Deviation) {
    let Some((si, sec)) = obligation(ctx, entry, dev) else {
        return;
    };
    let Some(link) = entry.link(dev.modification) else {
        return;
    };
    let Some(mi) = ctx.index(entry.target(link)) else {
        return;
    };
    let Some(m) = ctx.node(mi).filter(|m| m.kind == Kind::Modification) else {
        return;
    };
    if m.stage.is_some_and(crate::model::Stage::is_dead) {
        return; // R212 says it relies on nothing
    }
    let With::Limits(limits) = ctx.scenario.with(si, sec, m, ctx.model, ctx.graph) else {
        return;
    };
    let outside: Vec<(&Value, String, &Limit)> = limited(entry, &limits)
        .into_iter()
        .filter_map(|(v, l)| breach(l, v.value).map(|b| (v, b, l)))
        .collect();
    if outside.is_empty() {
        return;
    }
    let figures: Vec<String> = outside
        .iter()
        .map(|(v, _, l)| {
            format!(
                "{} = {} but {} would allow {}",
                entry.param(v),
                fmt_number(v.value),
                sec.id,
                l.describe()
            )
        })
        .collect();
    let mut f = Finding::new(
        Code::R214,
        entry.link_span(link),
        format!(
            "{}: even with {} in force the entry would still deviate from {}: {}",
            entry.id,
            m.id,
            sec.id,
            figures.join("; ")
        ),
    )
    .node(&entry.id)
    .label(format!(
        "falls short: {}",
        outside
            .iter()
            .map(|(_, b, _)| b.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    ));
    if let Some(c) = m
        .changes()
        .iter()
        .find(|c| m.link(c.sec).is_some_and(|x| m.target(x) == sec.id))
    {
        f = f.related(
            change_span(m, c),
            Some(&m.id),
            format!("{} changes {} here", m.id, sec.id),
        );
    }
    sink.push(f.help(
        "even if the modification is approved the entry will not comply: change the figure, or seek a modification that goes far enough",
    ));
}

/// R215: two modifications in force change the same quantity of the same
/// obligation.
fn conflicts(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for c in &ctx.scenario.conflicts {
        let (Some(sec), Some(a), Some(b)) =
            (ctx.node(c.sec), ctx.node(c.first.0), ctx.node(c.second.0))
        else {
            continue;
        };
        let what = match &c.param {
            Some(p) => format!("`{p}` of {}", sec.id),
            None => format!("{} (one of them withdraws it)", sec.id),
        };
        let applies = match &c.param {
            Some(_) => format!("{} applies, its id sorting first", a.id),
            None => "the withdrawal applies".to_owned(),
        };
        let second_span: Span = c.second.1;
        sink.push(
            Finding::new(
                Code::R215,
                second_span,
                format!(
                    "{} and {}, both in force, change {what}: {applies}",
                    in_force_phrase(ctx, c.first.0),
                    in_force_phrase(ctx, c.second.0)
                ),
            )
            .node(&b.id)
            .label("conflicting change")
            .related(c.first.1, Some(&a.id), format!("{} changes it here", a.id))
            .help("one obligation can have one limit per quantity: reconcile the two modifications' changes"),
        );
    }
}
