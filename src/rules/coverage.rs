//! Coverage: R101–R107. Only active nodes give or need coverage, and paths
//! through a withdrawn node do not count. Every rule here is linear in
//! nodes plus links.

use petgraph::visit::EdgeRef;

use super::{Code, Ctx};
use crate::coverage::{VariantCoverage, has_bit, reaching, variant_coverage};
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

/// Active nodes of one kind that need coverage: the first definition of
/// each id. Links to an id resolve to its first definition, so a repeated
/// one (R003) would be reported as covered by nothing though its id is
/// named; the R003 on it is the finding to act on.
fn needing<'a>(
    ctx: &'a Ctx<'a>,
    kind: Kind,
) -> impl Iterator<Item = (usize, &'a crate::model::Node)> + 'a {
    let repeats = repeats(ctx);
    active(ctx, kind).filter(move |(i, _)| !repeats.contains(i))
}

/// The indices of every repeated definition of an id.
fn repeats(ctx: &Ctx<'_>) -> rustc_hash::FxHashSet<usize> {
    ctx.graph
        .duplicates
        .iter()
        .map(|&(later, _)| later)
        .collect()
}

/// Whether an active node of the edge's source links here with `kind`.
fn has_active_source(ctx: &Ctx<'_>, i: usize, kind: EdgeKind) -> bool {
    ctx.graph
        .into(i, kind)
        .any(|e| ctx.is_active(e.source().index()))
}

fn themes(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    for (i, theme) in needing(ctx, Kind::Theme) {
        if !has_active_source(ctx, i, EdgeKind::Theme) {
            sink.push(
                Finding::new(
                    Code::R101,
                    theme.id_span(),
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
    let repeats = repeats(ctx);
    for (i, br) in active(ctx, Kind::Business) {
        if let Some(span) = br.themes_span()
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
        if !repeats.contains(&i) && !has_active_source(ctx, i, EdgeKind::Satisfies) {
            sink.push(
                Finding::new(
                    Code::R102,
                    br.id_span(),
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

fn orphans(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    // `reaching` gives one flag per node, so the nodes and their flags are
    // walked side by side: no lookup, no default for a missing flag.
    let orphans = ctx
        .model
        .nodes
        .iter()
        .zip(reaching(ctx.model, ctx.graph))
        .filter(|(n, reaches)| n.kind == Kind::Requirement && n.is_active() && !reaches);
    for (entry, _) in orphans {
        sink.push(
            Finding::new(
                Code::R103,
                entry.id_span(),
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

/// R105.
fn variants(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    let all = &ctx.config.project.variants;
    if all.is_empty() {
        return;
    }
    let cov = variant_coverage(ctx.model, ctx.graph, all);
    for (i, br) in needing(ctx, Kind::Business) {
        if !cov.reached(i) {
            continue; // R102 alone
        }
        let wanted = VariantCoverage::mask(all, br);
        for (k, v) in all.iter().enumerate() {
            if has_bit(&wanted, k) && !cov.covers(i, k) {
                sink.push(
                    Finding::new(
                        Code::R105,
                        br.id_span(),
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
    for (i, sec) in needing(ctx, Kind::Sec) {
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
                    sec.id_span(),
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
        let Some(link) = ctx.graph.link(&e).and_then(|l| src.links.get(l)) else {
            continue;
        };
        sink.push(
            Finding::new(
                Code::R107,
                src.link_span(link),
                format!("{} links to {}, which is withdrawn", src.id, dst.id),
            )
            .node(&src.id)
            .label("withdrawn")
            .related(
                dst.id_span(),
                Some(&dst.id),
                format!("{} is withdrawn", dst.id),
            )
            .help("remove the link, or link to the node that replaces it"),
        );
    }
}
