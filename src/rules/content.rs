//! Content: R210 user-impact-unstated, R211 user-impact, R209
//! mvp-depends-on-optional, R301 missing-text, R302 empty-file.

use std::collections::VecDeque;

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
        match &entry.user_impact {
            Some(impact) if is_no_impact(&impact.value) => {}
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
                    other.as_ref().map_or(entry.id_span, |i| i.span),
                    format!("{} is mvp but does not state its user impact", entry.id),
                )
                .node(&entry.id)
                .label("user impact unstated")
                .help("add `user_impact = \"none\"`, or say what Users must change"),
            ),
        }
    }
}

/// R209: walk down the active `refines` links from every active optional
/// entry; every mvp entry met depends on it. Each entry is visited once.
fn mvp_on_optional(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let n = ctx.model.nodes.len();
    // For each entry reached: (the optional entry, the link it was reached by).
    let mut origin: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut queue = VecDeque::new();
    for (i, node) in ctx.model.nodes.iter().enumerate() {
        if node.kind == Kind::Requirement
            && node.is_active()
            && node.category == Some(Category::Optional)
        {
            queue.push_back((i, i));
        }
    }
    while let Some((p, opt)) = queue.pop_front() {
        for e in ctx.graph.into(p, EdgeKind::Refines) {
            let c = e.source().index();
            let Some(child) = ctx.node(c) else { continue };
            if !child.is_active() || child.category == Some(Category::Optional) {
                continue;
            }
            if let Some(slot) = origin.get_mut(c)
                && slot.is_none()
            {
                *slot = Some((opt, e.weight().link));
                queue.push_back((c, opt));
            }
        }
    }
    for (i, node) in ctx.model.nodes.iter().enumerate() {
        if node.category != Some(Category::Mvp) {
            continue;
        }
        let Some(Some((opt, link))) = origin.get(i) else {
            continue;
        };
        let (Some(optional), Some(link)) = (ctx.node(*opt), node.links.get(*link)) else {
            continue;
        };
        let message = if link.target == optional.id {
            format!(
                "mvp entry {} refines optional entry {}",
                node.id, optional.id
            )
        } else {
            format!(
                "mvp entry {} refines {}, which depends on optional entry {}",
                node.id, link.target, optional.id
            )
        };
        sink.push(
            Finding::new(Code::R209, link.span, message)
                .node(&node.id)
                .label("depends on an optional entry")
                .related(optional.id_span, Some(&optional.id), "the optional entry")
                .help("the MVP cannot rest on what the OPSG may decline: make the parent mvp, or this entry optional"),
        );
    }
}

fn missing_text(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for node in ctx.model.nodes.iter().filter(|n| {
        n.is_active() && matches!(n.kind, Kind::Theme | Kind::Business | Kind::Requirement)
    }) {
        if node.text.trim().is_empty() {
            sink.push(
                Finding::new(
                    Code::R301,
                    node.text_span.unwrap_or(node.id_span),
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
