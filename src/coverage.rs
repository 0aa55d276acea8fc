//! Coverage facts (analysis, no findings): which RTM entries reach a
//! business requirement, and which variants reach each business
//! requirement. The coverage rules (R103, R105) and the documents' figures
//! read the same facts. Linear in nodes plus links.

use std::collections::VecDeque;

use petgraph::algo::TarjanScc;
use petgraph::visit::{EdgeFiltered, EdgeRef};

use crate::graph::{EdgeKind, Graph};
use crate::model::{Kind, Model, Node};

fn is_active(model: &Model, i: usize) -> bool {
    model.nodes.get(i).is_some_and(Node::is_active)
}

/// Active nodes of one kind, with their indices.
fn active(model: &Model, kind: Kind) -> impl Iterator<Item = (usize, &Node)> {
    model
        .nodes
        .iter()
        .enumerate()
        .filter(move |(_, n)| n.kind == kind && n.is_active())
}

/// For every node, whether it is an active RTM entry that reaches an active
/// business requirement through `satisfies` and `refines` links between
/// active nodes. Linear: a walk down the `refines` links from every entry
/// that satisfies a business requirement directly.
pub fn reaching(model: &Model, graph: &Graph) -> Vec<bool> {
    let n = model.nodes.len();
    let mut reaches = vec![false; n];
    let mut queue = VecDeque::new();
    for (i, _) in active(model, Kind::Requirement) {
        let direct = graph
            .out(i, EdgeKind::Satisfies)
            .any(|e| is_active(model, e.target().index()));
        if direct && let Some(r) = reaches.get_mut(i) {
            *r = true;
            queue.push_back(i);
        }
    }
    // Down the refines links: an active child of a reaching entry reaches.
    while let Some(p) = queue.pop_front() {
        for e in graph.into(p, EdgeKind::Refines) {
            let c = e.source().index();
            if is_active(model, c)
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

/// Whether bit `k` (variant `k`) is set in a row.
pub fn has_bit(row: &[u64], k: usize) -> bool {
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
    pub fn mask_into(all: &[String], node: &Node, row: &mut [u64]) {
        for (k, v) in all.iter().enumerate() {
            if node.variants().is_none_or(|vs| vs.contains(v))
                && let Some(w) = row.get_mut(k / 64)
            {
                *w |= 1u64 << (k % 64);
            }
        }
    }

    /// The variants of a node (no `variants` means all), as a row.
    pub fn mask(all: &[String], node: &Node) -> Vec<u64> {
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
pub fn variant_coverage(model: &Model, graph: &Graph, variants: &[String]) -> VariantCoverage {
    let all = variants;
    let n = model.nodes.len();
    let g = &graph.graph;
    let active_refines = EdgeFiltered::from_fn(g, |e| {
        e.weight().kind() == EdgeKind::Refines
            && is_active(model, e.source().index())
            && is_active(model, e.target().index())
    });
    // Tarjan lists a component after every component it links to
    // (parents first); reversed, children come first. The components are
    // kept flat (their members one after the other, and where each
    // starts), not as one vector each: 100,000 nodes are 100,000
    // components when few entries refine others.
    let mut members: Vec<u32> = Vec::with_capacity(n);
    let mut starts: Vec<u32> = vec![0];
    let mut component = vec![0u32; n];
    let small = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    TarjanScc::new().run(&active_refines, |scc| {
        let c = small(starts.len() - 1);
        for node in scc {
            members.push(small(node.index()));
            if let Some(slot) = component.get_mut(node.index()) {
                *slot = c;
            }
        }
        starts.push(small(members.len()));
    });
    let count = starts.len() - 1;
    let scc = |c: usize| {
        let (from, to) = (starts.get(c).copied(), starts.get(c + 1).copied());
        let (from, to) = (from.unwrap_or(0) as usize, to.unwrap_or(0) as usize);
        members.get(from..to).unwrap_or(&[])
    };
    let words = words_for(all.len());
    let mut subtree = vec![0u64; count * words];
    let mut mask = vec![0u64; words];
    for c in (0..count).rev() {
        mask.fill(0);
        for &node in scc(c) {
            let i = node as usize;
            if let Some(entry) = model.nodes.get(i)
                && entry.kind == Kind::Requirement
                && entry.is_active()
            {
                VariantCoverage::mask_into(all, entry, &mut mask);
            }
            for e in graph.into(i, EdgeKind::Refines) {
                let child = e.source().index();
                if is_active(model, child)
                    && let Some(&cc) = component.get(child)
                    && cc as usize != c
                    && let Some(src) = subtree.get(cc as usize * words..(cc as usize + 1) * words)
                {
                    or_into(&mut mask, src);
                }
            }
        }
        if let Some(slot) = subtree.get_mut(c * words..(c + 1) * words) {
            slot.copy_from_slice(&mask);
        }
    }
    drop((members, starts));
    let mut covered = vec![0u64; n * words];
    let mut reached = vec![false; n];
    for (i, _) in active(model, Kind::Business) {
        for e in graph.into(i, EdgeKind::Satisfies) {
            let s = e.source().index();
            if is_active(model, s) {
                if let Some(r) = reached.get_mut(i) {
                    *r = true;
                }
                if let Some(&c) = component.get(s)
                    && let Some(m) = subtree.get(c as usize * words..(c as usize + 1) * words)
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
