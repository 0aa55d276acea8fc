//! Coverage: R101–R107. Only active nodes give or need coverage, and paths
//! through a withdrawn node do not count. Every rule here is linear in
//! nodes plus links.

use std::collections::VecDeque;

use petgraph::algo::tarjan_scc;
use petgraph::visit::{EdgeFiltered, EdgeRef};

use super::{Code, Ctx};
use crate::finding::{Finding, Sink};
use crate::graph::EdgeKind;
use crate::model::{Kind, LinkField};

pub fn check(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    themes(ctx, sink);
    business(ctx, sink);
    orphans(ctx, sink);
    variants(ctx, sink);
    sec_uncovered(ctx, sink);
    withdrawn_links(ctx, sink);
}

/// Active nodes of one kind, with their indices.
fn active<'a>(
    ctx: &'a Ctx<'a>,
    kind: Kind,
) -> impl Iterator<Item = (usize, &'a crate::model::Node)> + 'a {
    ctx.model
        .nodes
        .iter()
        .enumerate()
        .filter(move |(_, n)| n.kind == kind && n.is_active())
}

/// Whether an active node of the edge's source links here with `kind`.
fn has_active_source(ctx: &Ctx<'_>, i: usize, kind: EdgeKind) -> bool {
    ctx.graph
        .into(i, kind)
        .any(|e| ctx.is_active(e.source().index()))
}

fn themes(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for (i, theme) in active(ctx, Kind::Theme) {
        if !has_active_source(ctx, i, EdgeKind::Theme) {
            sink.push(
                Finding::new(
                    Code::R101,
                    theme.id_span,
                    format!("theme {} has no business requirement", theme.id),
                )
                .node(&theme.id)
                .label("no active business requirement names this theme")
                .help(format!(
                    "add `themes = [\"{}\"]` to a business requirement, or withdraw the theme",
                    theme.id
                )),
            );
        }
    }
}

fn business(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for (i, br) in active(ctx, Kind::Business) {
        if let Some(span) = br.themes_span
            && br.links_in(LinkField::Themes).next().is_none()
        {
            sink.push(
                Finding::new(
                    Code::R104,
                    span,
                    format!("business requirement {} names no theme", br.id),
                )
                .node(&br.id)
                .label("empty")
                .help("name the business theme it serves: `themes = [\"TH-01\"]`"),
            );
        }
        // An active entry reaches the business requirement through refines
        // only if the entry at the top of the chain satisfies it directly.
        if !has_active_source(ctx, i, EdgeKind::Satisfies) {
            sink.push(
                Finding::new(
                    Code::R102,
                    br.id_span,
                    format!(
                        "business requirement {} is not traced to any active RTM entry",
                        br.id
                    ),
                )
                .node(&br.id)
                .label("no detailed requirement")
                .help(format!(
                    "add an RTM entry with `satisfies = [\"{}\"]`, or withdraw the business requirement",
                    br.id
                )),
            );
        }
    }
}

/// For every node, whether it is an active RTM entry that reaches an active
/// business requirement through `satisfies` and `refines` links between
/// active nodes. Linear: a walk down the `refines` links from every entry
/// that satisfies a business requirement directly.
pub fn reaching(ctx: &Ctx<'_>) -> Vec<bool> {
    let n = ctx.model.nodes.len();
    let mut reaches = vec![false; n];
    let mut queue = VecDeque::new();
    for (i, _) in active(ctx, Kind::Requirement) {
        let direct = ctx
            .graph
            .out(i, EdgeKind::Satisfies)
            .any(|e| ctx.is_active(e.target().index()));
        if direct && let Some(r) = reaches.get_mut(i) {
            *r = true;
            queue.push_back(i);
        }
    }
    // Down the refines links: an active child of a reaching entry reaches.
    while let Some(p) = queue.pop_front() {
        for e in ctx.graph.into(p, EdgeKind::Refines) {
            let c = e.source().index();
            if ctx.is_active(c)
                && let Some(r) = reaches.get_mut(c)
                && !*r
            {
                *r = true;
                queue.push_back(c);
            }
        }
    }
    reaches
}

fn orphans(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    // `reaching` gives one flag per node, so the nodes and their flags are
    // walked side by side: no lookup, no default for a missing flag.
    let orphans = ctx
        .model
        .nodes
        .iter()
        .zip(reaching(ctx))
        .filter(|(n, reaches)| n.kind == Kind::Requirement && n.is_active() && !reaches);
    for (entry, _) in orphans {
        sink.push(
            Finding::new(
                Code::R103,
                entry.id_span,
                format!(
                    "RTM entry {} reaches no business requirement",
                    entry.id
                ),
            )
            .node(&entry.id)
            .label("orphan")
            .help("add `satisfies` naming the business requirement it delivers, or `refines` an entry that reaches one through active entries"),
        );
    }
}

/// Sets of variants, as bit masks over the project's variants: one row
/// of `words` 64-bit words per node, so any number of variants fits.
pub struct VariantCoverage {
    /// Words per row: one for every 64 variants.
    words: usize,
    /// For every node: for an active business requirement, the variants of
    /// the active entries that reach it; empty for other nodes.
    covered: Vec<u64>,
    /// For every node: whether an active entry reaches it (business only).
    pub reached: Vec<bool>,
}

/// The number of 64-bit words that hold one bit per variant.
fn words_for(variants: usize) -> usize {
    variants.div_ceil(64)
}

/// Whether bit `k` is set in a row.
fn has_bit(row: &[u64], k: usize) -> bool {
    row.get(k / 64).is_some_and(|w| w & (1u64 << (k % 64)) != 0)
}

/// `dst |= src`, word by word.
fn or_into(dst: &mut [u64], src: &[u64]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d |= s;
    }
}

impl VariantCoverage {
    /// Sets bit `k` of `row` for each of the project's variants `all`
    /// that a node has (no `variants` means all).
    pub fn mask_into(all: &[String], node: &crate::model::Node, row: &mut [u64]) {
        for (k, v) in all.iter().enumerate() {
            if node.variants.as_ref().is_none_or(|vs| vs.contains(v))
                && let Some(w) = row.get_mut(k / 64)
            {
                *w |= 1u64 << (k % 64);
            }
        }
    }

    /// The variants of a node (no `variants` means all), as a row.
    pub fn mask(all: &[String], node: &crate::model::Node) -> Vec<u64> {
        let mut row = vec![0; words_for(all.len())];
        Self::mask_into(all, node, &mut row);
        row
    }

    /// Whether node `i` is covered for variant `k`: an active business
    /// requirement reached by an active entry with that variant.
    pub fn covers(&self, i: usize, k: usize) -> bool {
        let row = self
            .covered
            .get(i * self.words..(i + 1) * self.words)
            .unwrap_or(&[]);
        has_bit(row, k)
    }
}

/// For each business requirement, the variants of every active entry that
/// reaches it. Each entry's "subtree" (itself and every active entry
/// refining it, directly or not) is summed once, component by component,
/// children first, so loops cannot mislead it. Linear in nodes and links.
pub fn variant_coverage(ctx: &Ctx<'_>) -> VariantCoverage {
    let all = &ctx.config.project.variants;
    let n = ctx.model.nodes.len();
    let g = &ctx.graph.graph;
    let active_refines = EdgeFiltered::from_fn(g, |e| {
        e.weight().kind == EdgeKind::Refines
            && ctx.is_active(e.source().index())
            && ctx.is_active(e.target().index())
    });
    // Tarjan lists a component after every component it links to
    // (parents first); reversed, children come first.
    let sccs = tarjan_scc(&active_refines);
    let mut component = vec![0usize; n];
    for (c, scc) in sccs.iter().enumerate() {
        for node in scc {
            if let Some(slot) = component.get_mut(node.index()) {
                *slot = c;
            }
        }
    }
    let words = words_for(all.len());
    let mut subtree = vec![0u64; sccs.len() * words];
    let mut mask = vec![0u64; words];
    for (c, scc) in sccs.iter().enumerate().rev() {
        mask.fill(0);
        for node in scc {
            let i = node.index();
            if let Some(entry) = ctx.node(i)
                && entry.kind == Kind::Requirement
                && entry.is_active()
            {
                VariantCoverage::mask_into(all, entry, &mut mask);
            }
            for e in ctx.graph.into(i, EdgeKind::Refines) {
                let child = e.source().index();
                if ctx.is_active(child)
                    && let Some(&cc) = component.get(child)
                    && cc != c
                    && let Some(src) = subtree.get(cc * words..(cc + 1) * words)
                {
                    or_into(&mut mask, src);
                }
            }
        }
        if let Some(slot) = subtree.get_mut(c * words..(c + 1) * words) {
            slot.copy_from_slice(&mask);
        }
    }
    let mut covered = vec![0u64; n * words];
    let mut reached = vec![false; n];
    for (i, _) in active(ctx, Kind::Business) {
        for e in ctx.graph.into(i, EdgeKind::Satisfies) {
            let s = e.source().index();
            if ctx.is_active(s) {
                if let Some(r) = reached.get_mut(i) {
                    *r = true;
                }
                if let Some(&c) = component.get(s)
                    && let Some(m) = subtree.get(c * words..(c + 1) * words)
                    && let Some(slot) = covered.get_mut(i * words..(i + 1) * words)
                {
                    or_into(slot, m);
                }
            }
        }
    }
    VariantCoverage {
        words,
        covered,
        reached,
    }
}

/// R105.
fn variants(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let all = &ctx.config.project.variants;
    if all.is_empty() {
        return;
    }
    let cov = variant_coverage(ctx);
    for (i, br) in active(ctx, Kind::Business) {
        if !cov.reached.get(i).copied().unwrap_or(false) {
            continue; // R102 alone
        }
        let wanted = VariantCoverage::mask(all, br);
        for (k, v) in all.iter().enumerate() {
            if has_bit(&wanted, k) && !cov.covers(i, k) {
                sink.push(
                    Finding::new(
                        Code::R105,
                        br.id_span,
                        format!(
                            "business requirement {} has no active RTM entry for variant {v}",
                            br.id
                        ),
                    )
                    .node(&br.id)
                    .label(format!("nothing delivers it for {v}"))
                    .help(format!(
                        "add an RTM entry for {v} (or with no `variants`), or narrow the business requirement's `variants`"
                    )),
                );
            }
        }
    }
}

fn sec_uncovered(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for (i, sec) in active(ctx, Kind::Sec) {
        // FORMAT §16: an obligation withdrawn by a modification in force
        // needs no entry.
        if ctx.scenario.is_withdrawn(i) {
            continue;
        }
        if !has_active_source(ctx, i, EdgeKind::Upholds)
            && !has_active_source(ctx, i, EdgeKind::Deviates)
        {
            sink.push(
                Finding::new(
                    Code::R106,
                    sec.id_span,
                    format!(
                        "SEC obligation {} is neither upheld nor deviated from by any active RTM entry",
                        sec.id
                    ),
                )
                .node(&sec.id)
                .label("not addressed")
                .help(format!(
                    "name it in an entry's `sec = [\"{}\"]`, or declare a deviation from it",
                    sec.id
                )),
            );
        }
    }
}

fn withdrawn_links(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for e in ctx.graph.graph.edge_references() {
        let (s, t) = (e.source().index(), e.target().index());
        let (Some(src), Some(dst)) = (ctx.node(s), ctx.node(t)) else {
            continue;
        };
        // FORMAT §9: R107 does not apply to modifications, neither to a
        // link naming one nor to a modification's own `changes`.
        if !src.is_active()
            || dst.is_active()
            || dst.kind == Kind::Modification
            || src.kind == Kind::Modification
        {
            continue;
        }
        let Some(link) = src.links.get(e.weight().link) else {
            continue;
        };
        sink.push(
            Finding::new(
                Code::R107,
                link.span,
                format!("{} links to {}, which is withdrawn", src.id, dst.id),
            )
            .node(&src.id)
            .label("withdrawn")
            .related(
                dst.id_span,
                Some(&dst.id),
                format!("{} is withdrawn", dst.id),
            )
            .help("remove the link, or link to the node that replaces it"),
        );
    }
}
