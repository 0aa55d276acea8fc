//! SEC deviations: R201–R212. What the OPSG reviews: every declared
//! deviation, undeclared ones, and what each relies on. Only active RTM
//! entries are checked.

use std::collections::HashMap;

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::model::{Category, Deviation, Kind, Limit, LinkField, Node, fmt_number};
use crate::source::Span;

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let limits = limit_index(ctx);
    for entry in ctx
        .model
        .nodes
        .iter()
        .filter(|n| n.kind == Kind::Requirement && n.is_active())
    {
        for dev in entry.deviations() {
            deviation(ctx, sink, entry, dev);
        }
        undeclared(sink, entry, &limits);
        sec_support(ctx, sink, entry);
        conflicting(sink, entry);
    }
}

/// Where a deviation's findings point: its `sec` value, else its table.
fn dev_span(entry: &Node, dev: &Deviation) -> Span {
    entry
        .link(dev.sec)
        .map(|l| entry.link_span(l))
        .or(dev.span)
        .unwrap_or(entry.id_span())
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn deviation(ctx: &Ctx<'_>, sink: &mut Sink<'_>, entry: &Node, dev: &Deviation) {
    let span = dev_span(entry, dev);
    let sec_id = entry.link_target(dev.sec).unwrap_or("?");
    let modification = entry.link(dev.modification);
    let target = modification.and_then(|l| ctx.find(entry.target(l)));
    let stage = target
        .filter(|m| m.kind == Kind::Modification)
        .and_then(|m| m.stage);

    // R201: the register.
    let summary = dev.summary.as_ref().map_or("", |s| s.value.trim());
    let relies = match (modification, stage) {
        (Some(m), Some(s)) => format!("; relies on {} ({s})", entry.target(m)),
        (Some(m), None) => format!("; relies on {}", entry.target(m)),
        (None, _) => "; no modification named".to_owned(),
    };
    let mut f = Finding::new(
        Code::R201,
        span,
        format!(
            "{} ({}) deviates from {sec_id}: {summary}{relies}",
            entry.id,
            entry.category.map_or("uncategorised", Category::as_str)
        ),
    )
    .node(&entry.id)
    .label("declared deviation");
    if let Some(sec) = ctx.find(sec_id).filter(|n| n.kind == Kind::Sec) {
        f = f.related(sec.id_span(), Some(&sec.id), "the SEC obligation");
    }
    sink.push(f);

    // R202: a deviation must say what changes and why.
    for (name, field) in [("summary", &dev.summary), ("rationale", &dev.rationale)] {
        if let Some(s) = field
            && is_blank(&s.value)
        {
            sink.push(
                Finding::new(
                    Code::R202,
                    s.span,
                    format!(
                        "{}: the deviation from {sec_id} has an empty `{name}`",
                        entry.id
                    ),
                )
                .node(&entry.id)
                .label("empty")
                .help(if name == "summary" {
                    "say in one line what changes against the SEC"
                } else {
                    "say why the deviation is needed: the OPSG decides on this text"
                }),
            );
        }
    }

    // R208, R207, R212: what the deviation relies on.
    match modification {
        None => sink.push(
            Finding::new(
                Code::R208,
                span,
                format!(
                    "{}: the deviation from {sec_id} names no modification",
                    entry.id
                ),
            )
            .node(&entry.id)
            .label("no modification")
            .help("name the SEC Modification that would make it compliant (`modification = \"<its id>\"`), or say in the rationale why none is needed"),
        ),
        Some(link) => {
            let (Some(m), Some(stage)) = (target, stage) else {
                return; // dangling or wrong kind: R004 / R005
            };
            // In force in this scenario (implemented, or assumed with
            // --assume): the deviation is not contingent on it here.
            let in_force = ctx
                .index(entry.target(link))
                .is_some_and(|i| ctx.scenario.in_force(i).is_some());
            let code = if stage.is_dead() {
                Code::R212
            } else if stage.is_settled() || in_force {
                return;
            } else {
                Code::R207
            };
            let message = if code == Code::R212 {
                format!(
                    "{}: the deviation from {sec_id} relies on {}, which is {stage}",
                    entry.id, m.id
                )
            } else {
                format!(
                    "{}: the deviation from {sec_id} relies on {}, still at stage {stage}",
                    entry.id, m.id
                )
            };
            sink.push(
                Finding::new(code, entry.link_span(link), message)
                    .node(&entry.id)
                    .label(if code == Code::R212 {
                        "relies on a dead modification"
                    } else {
                        "contingent"
                    })
                    .related(m.id_span(), Some(&m.id), format!("{} is at stage {stage}", m.id))
                    .help(if code == Code::R212 {
                        "the deviation cannot become compliant this way: comply with the SEC, or name a live modification"
                    } else {
                        "the entry complies only if the modification is approved: plan for either outcome"
                    }),
            );
        }
    }
}

/// Every active SEC obligation's effective limit (FORMAT §16: its own,
/// as changed by the modifications in force; none when one withdraws it),
/// by parameter: (obligation, limit).
fn limit_index<'a>(ctx: &Ctx<'a>) -> HashMap<&'a str, Vec<(&'a Node, &'a Limit)>> {
    let mut index: HashMap<&str, Vec<(&Node, &Limit)>> = HashMap::new();
    for (i, sec) in ctx
        .model
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == Kind::Sec && n.is_active())
    {
        for limit in ctx.scenario.limits(i, sec).unwrap_or_default() {
            index
                .entry(limit.param.as_str())
                .or_default()
                .push((sec, limit));
        }
    }
    index
}

fn undeclared(sink: &mut Sink<'_>, entry: &Node, limits: &HashMap<&str, Vec<(&Node, &Limit)>>) {
    let declared: Vec<&str> = entry
        .links
        .iter()
        .filter(|l| matches!(l.field, LinkField::DeviationSec))
        .map(|l| entry.target(l))
        .collect();
    let mut reported: Vec<&str> = Vec::new();
    for value in &entry.values {
        let Some(bounds) = limits.get(entry.param(value)) else {
            continue;
        };
        for (sec, limit) in bounds {
            if limit.allows(value.value)
                || declared.contains(&sec.id.as_str())
                || reported.contains(&sec.id.as_str())
            {
                continue;
            }
            reported.push(&sec.id);
            sink.push(
                Finding::new(
                    Code::R203,
                    entry.value_span(value),
                    format!(
                        "{} sets {} = {} but {} allows {}, and no deviation is declared",
                        entry.id,
                        entry.param(value),
                        fmt_number(value.value),
                        sec.id,
                        limit.describe()
                    ),
                )
                .node(&entry.id)
                .label(format!("breaks {}", sec.id))
                .related(limit.span, Some(&sec.id), "limit defined here")
                .help(format!(
                    "declare the deviation: [[requirement.deviations]] sec = \"{}\", with a summary, a rationale and the modification it relies on",
                    sec.id
                )),
            );
        }
    }
}

fn sec_support(ctx: &Ctx<'_>, sink: &mut Sink<'_>, entry: &Node) {
    if entry.category != Some(Category::SecSupport) {
        return;
    }
    for dev in entry.deviations() {
        sink.push(
            Finding::new(
                Code::R204,
                dev_span(entry, dev),
                format!("{} is sec-support but declares a deviation", entry.id),
            )
            .node(&entry.id)
            .label("sec-support entries uphold the SEC as it stands")
            .help("make the entry `mvp` or `optional`, or remove the deviation"),
        );
    }
    let upholds = entry.links_in(LinkField::Sec).any(|l| {
        ctx.find(entry.target(l))
            .is_some_and(|n| n.kind == Kind::Sec && n.is_active())
    });
    if !upholds {
        sink.push(
            Finding::new(
                Code::R205,
                entry.id_span(),
                format!(
                    "{} is sec-support but upholds no active SEC obligation",
                    entry.id
                ),
            )
            .node(&entry.id)
            .label("no SEC obligation")
            .help("name the obligations it helps deliver: `sec = [\"SEC-…\"]`"),
        );
    }
}

fn conflicting(sink: &mut Sink<'_>, entry: &Node) {
    for dev in entry.deviations() {
        let Some(dl) = entry.link(dev.sec) else {
            continue;
        };
        if let Some(up) = entry
            .links_in(LinkField::Sec)
            .find(|l| entry.target(l) == entry.target(dl))
        {
            sink.push(
                Finding::new(
                    Code::R206,
                    entry.link_span(dl),
                    format!(
                        "{} both upholds and deviates from {}",
                        entry.id,
                        entry.target(dl)
                    ),
                )
                .node(&entry.id)
                .label("deviates here")
                .related(entry.link_span(up), Some(&entry.id), "upheld here")
                .help(format!(
                    "remove {} from `sec`, or drop the deviation",
                    entry.target(dl)
                )),
            );
        }
    }
}
