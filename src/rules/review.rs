//! Review stamps (FORMAT §7): R108 stale-review and R109 suspect-link.
//!
//! Both fire only on active nodes with a `reviewed` stamp. R108 compares the
//! node's fingerprint with the stamp's; R109 compares, for every entry of the
//! stamp's `links`, the named node's fingerprint now with the one recorded.
//! A link the stamp does not record is not checked by R109: it was added
//! after the review, which changed the node itself (R108); `rtm stamp`
//! always records every link.

use std::collections::HashMap;

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::fingerprint::fingerprint;
use crate::model::{Node, Reviewed};
use crate::source::Span;

/// "by OPSG_37x on 2020-10-26", or as much of it as the stamp says.
fn review_of(r: &Reviewed) -> String {
    let mut s = String::new();
    if let Some(by) = &r.by {
        s.push_str(&format!(" by {by}"));
    }
    if let Some(on) = &r.on {
        s.push_str(&format!(" on {on}"));
    }
    s
}

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let mut cache: HashMap<usize, String> = HashMap::new();
    for node in ctx.model.nodes.iter().filter(|n| n.is_active()) {
        let Some(reviewed) = node.reviewed() else {
            continue;
        };
        stale(ctx, node, reviewed, sink);
        suspect(ctx, node, reviewed, &mut cache, sink);
    }
}

/// The span of the stamp's `fingerprint` value, found in the stamp's text
/// (the whole stamp when it cannot be found).
fn fingerprint_span(ctx: &Ctx<'_>, reviewed: &Reviewed, recorded: &str) -> Span {
    let span = reviewed.span;
    let text = ctx.model.sources.file(span.file).text.as_str();
    // An inline stamp holds its fingerprint; written as dotted keys
    // (`reviewed.by = …`) or as a sub-table (`[business.reviewed]`), the
    // stamp's span is its first line and the fingerprint follows, before
    // the next table header.
    let end = text
        .get(span.start..)
        .map_or(span.end, |rest| {
            let first_line = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let next_table = rest
                .get(first_line..)
                .and_then(|r| {
                    r.match_indices('\n')
                        .map(|(i, _)| i + 1)
                        .chain(std::iter::once(0))
                        .filter(|&i| r.get(i..).is_some_and(|l| l.trim_start().starts_with('[')))
                        .min()
                })
                .map_or(rest.len(), |i| first_line + i);
            span.start + next_table
        })
        .max(span.end);
    let stamp = span;
    let span = Span { end, ..span };
    let found = text.get(span.range()).and_then(|t| {
        let key = t.find("fingerprint")?;
        let at = key + t.get(key..)?.find(recorded)?;
        // With its quotes, like every other value a finding points at.
        let quoted = at > 0
            && matches!(t.as_bytes().get(at - 1), Some(b'"' | b'\''))
            && t.as_bytes().get(at + recorded.len()) == t.as_bytes().get(at - 1);
        Some(if quoted {
            (at - 1, at + recorded.len() + 1)
        } else {
            (at, at + recorded.len())
        })
    });
    match found {
        Some((start, end)) if !recorded.is_empty() => Span {
            file: span.file,
            start: span.start + start,
            end: span.start + end,
        },
        _ => stamp,
    }
}

/// R108: the node's content differs from its stamp's fingerprint.
fn stale(ctx: &Ctx<'_>, node: &Node, reviewed: &Reviewed, sink: &mut Sink<'_>) {
    let Some(recorded) = &reviewed.fingerprint else {
        return;
    };
    if *recorded == fingerprint(node) {
        return;
    }
    sink.push(
        Finding::new(
            Code::R108,
            node.id_span(),
            format!(
                "{} has changed since it was reviewed{}",
                node.id,
                review_of(reviewed)
            ),
        )
        .node(node.id.clone())
        .label("changed since the review")
        .related(
            fingerprint_span(ctx, reviewed, recorded),
            Some(&node.id),
            "fingerprint of the reviewed content",
        )
        .help(format!(
            "have the change reviewed, then record it: `rtm stamp {} --by NAME`; or undo the edit",
            node.id
        )),
    );
}

/// R109: a node the stamped node linked to has changed, or is gone.
fn suspect(
    ctx: &Ctx<'_>,
    node: &Node,
    reviewed: &Reviewed,
    cache: &mut HashMap<usize, String>,
    sink: &mut Sink<'_>,
) {
    // The first link to each target, looked up once per stamp entry.
    let mut first_link: HashMap<&str, &crate::model::Link> = HashMap::new();
    for l in &node.links {
        first_link.entry(node.target(l)).or_insert(l);
    }
    for (target, recorded, entry) in &reviewed.links {
        let found = ctx.graph.find(ctx.model, target);
        let target_node = found.and_then(|i| ctx.node(i));
        let (message, label) = match (found, target_node) {
            (Some(i), Some(t)) => {
                let now = cache.entry(i).or_insert_with(|| fingerprint(t));
                if now == recorded {
                    continue;
                }
                (
                    format!(
                        "{target} has changed since {} was reviewed{}",
                        node.id,
                        review_of(reviewed)
                    ),
                    "changed since the review",
                )
            }
            _ => (
                format!(
                    "{target} no longer exists; {} linked to it when reviewed{}",
                    node.id,
                    review_of(reviewed)
                ),
                "no longer exists",
            ),
        };
        let link = first_link.get(target.as_str()).copied();
        let span = link.map_or(*entry, |l| node.link_span(l));
        let mut f = Finding::new(Code::R109, span, message)
            .node(node.id.clone())
            .label(label);
        if let Some(t) = target_node {
            f = f.related(t.id_span(), Some(&t.id), "changed since the review");
        }
        if link.is_some() {
            f = f.related(*entry, Some(&node.id), "fingerprint recorded here");
        }
        f = f.help(format!(
            "review {} against {target}, then refresh the stamp: `rtm stamp {} --by NAME`",
            node.id, node.id
        ));
        sink.push(f);
    }
}
