//! Content: R210 user-impact-unstated, R211 user-impact, R209
//! mvp-depends-on-optional, R301 missing-text, R302 empty-file.

use std::collections::HashMap;

use petgraph::visit::EdgeRef;

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::graph::EdgeKind;
use crate::model::{Category, Kind};
use crate::source::Span;

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    user_impact(ctx, sink);
    mvp_on_optional(ctx, sink);
    missing_text(ctx, sink);
    empty_files(ctx, sink);
}

/// `none`, ignoring case and surrounding white space.
pub fn is_no_impact(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case("none")
}

fn user_impact(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for entry in ctx.model.nodes.iter().filter(|n| {
        n.kind == Kind::Requirement && n.is_active() && n.category == Some(Category::Mvp)
    }) {
        match entry.user_impact() {
            Some(impact) if is_no_impact(impact.value) => {}
            Some(impact) if !impact.value.trim().is_empty() => sink.push(
                Finding::new(
                    Code::R211,
                    impact.span,
                    format!(
                        "{} needs Users to change: {}",
                        entry.id,
                        impact.value.trim()
                    ),
                )
                .node(&entry.id)
                .label("user impact")
                .help("the OPSG asked that Users need not change their processes or systems for the MVP: confirm this impact is agreed"),
            ),
            other => sink.push(
                Finding::new(
                    Code::R210,
                    other.as_ref().map_or(entry.id_span(), |i| i.span),
                    format!("{} is mvp but does not state its user impact", entry.id),
                )
                .node(&entry.id)
                .label("user impact unstated")
                .help("add `user_impact = \"none\"`, or say what Users must change"),
            ),
        }
    }
}

/// `mvp_on_optional`'s mark for an entry no optional entry reaches (yet).
const NOT_REACHED: u32 = u32::MAX;

/// R209: walk down the active `refines` links from every active optional
/// entry, one level at a time; every mvp entry met depends on one. Each
/// entry is visited once. An entry reached from several optional entries
/// names the nearest (fewest links), then the one with the smallest id,
/// through the parent with the smallest id: the finding depends on the
/// tree, not on the order of nodes or files.
fn mvp_on_optional(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let n = ctx.model.nodes.len();
    let id = |i: usize| ctx.node(i).map_or("", |n| n.id.as_str());
    // The optional entry each reached entry depends on (itself for one),
    // or NOT_REACHED: 4 bytes a node (node indices fit in 32 bits, as in
    // the graph).
    let mut source: Vec<u32> = vec![NOT_REACHED; n];
    let small = |i: usize| u32::try_from(i).ok().filter(|&s| s != NOT_REACHED);
    let source_of = |source: &[u32], i: usize| {
        source
            .get(i)
            .filter(|&&s| s != NOT_REACHED)
            .map(|&s| s as usize)
    };
    // For each mvp entry reached: (entry, the optional entry, the link it
    // was reached by); only these are reported.
    let mut reached_mvp: Vec<(usize, usize, usize)> = Vec::new();
    let mut frontier = Vec::new();
    for (i, node) in ctx.model.nodes.iter().enumerate() {
        if node.kind == Kind::Requirement
            && node.is_active()
            && node.category == Some(Category::Optional)
            && let Some(slot) = source.get_mut(i)
            && let Some(s) = small(i)
        {
            *slot = s;
            frontier.push(i);
        }
    }
    while !frontier.is_empty() {
        // child → (optional, parent, link): the best candidate of this level.
        let mut best: HashMap<usize, (usize, usize, usize)> = HashMap::new();
        for &p in &frontier {
            let Some(opt) = source_of(&source, p) else {
                continue;
            };
            for e in ctx.graph.into(p, EdgeKind::Refines) {
                let c = e.source().index();
                let Some(child) = ctx.node(c) else { continue };
                if !child.is_active()
                    || child.category == Some(Category::Optional)
                    || source.get(c).is_none_or(|&s| s != NOT_REACHED)
                {
                    continue;
                }
                let Some(link) = ctx.graph.link(&e) else {
                    continue;
                };
                let candidate = (opt, p, link);
                let key = |(o, p, l): (usize, usize, usize)| (id(o), id(p), l, o, p);
                best.entry(c)
                    .and_modify(|b| {
                        if key(candidate) < key(*b) {
                            *b = candidate;
                        }
                    })
                    .or_insert(candidate);
            }
        }
        frontier = best.keys().copied().collect();
        for (c, (opt, _, link)) in best {
            if let (Some(s), Some(o)) = (source.get_mut(c), small(opt)) {
                *s = o;
                if ctx
                    .node(c)
                    .is_some_and(|n| n.category == Some(Category::Mvp))
                {
                    reached_mvp.push((c, opt, link));
                }
            }
        }
    }
    drop(source);
    // In tree order.
    reached_mvp.sort_unstable();
    for (i, opt, link) in reached_mvp {
        let Some(node) = ctx.node(i) else {
            continue;
        };
        let (Some(optional), Some(link)) = (ctx.node(opt), node.links.get(link)) else {
            continue;
        };
        let message = if node.target(link) == optional.id {
            format!(
                "mvp entry {} refines optional entry {}",
                node.id, optional.id
            )
        } else {
            format!(
                "mvp entry {} refines {}, which depends on optional entry {}",
                node.id,
                node.target(link),
                optional.id
            )
        };
        sink.push(
            Finding::new(Code::R209, node.link_span(link), message)
                .node(&node.id)
                .label("depends on an optional entry")
                .related(optional.id_span(), Some(&optional.id), "the optional entry")
                .help("the MVP cannot rest on what the OPSG may decline: make the parent mvp, or this entry optional"),
        );
    }
}

fn missing_text(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for node in ctx.model.nodes.iter().filter(|n| {
        n.is_active() && matches!(n.kind, Kind::Theme | Kind::Business | Kind::Requirement)
    }) {
        if node.text().trim().is_empty() {
            sink.push(
                Finding::new(
                    Code::R301,
                    node.text_span().unwrap_or(node.id_span()),
                    format!(
                        "{} {} has no text",
                        super::structure::kind_noun(node.kind),
                        node.id
                    ),
                )
                .node(&node.id)
                .label("no text")
                .help("add `text = \"…\"` with the full statement"),
            );
        }
    }
}

fn empty_files(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for file in &ctx.model.files {
        if !file.broken && !file.has_keys {
            sink.push(
                Finding::new(
                    Code::R302,
                    Span::file_start(file.file),
                    format!("{} defines no node", ctx.model.sources.path(file.file)),
                )
                .label("empty file")
                .help("add nodes to the file, or delete it"),
            );
        }
    }
}
