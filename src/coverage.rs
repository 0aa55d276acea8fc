//! Coverage facts (analysis, no findings): which RTM entries reach a
//! business requirement, and which variants reach each business
//! requirement. The coverage rules (R103, R105) and the documents' figures
//! read the same facts. Linear in nodes plus links.

use std::collections::VecDeque;

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
/// of `words` 64-bit words per business requirement an active entry
/// reaches, so any number of variants fits.
pub struct VariantCoverage {
    /// Words per row: one for every 64 variants.
    words: usize,
    /// The active business requirements an active entry reaches, in tree
    /// order (node indices: 32 bits, as in the graph).
    reached: Vec<u32>,
    /// For each of `reached`, in the same order: the variants of the
    /// active entries that reach it.
    covered: Vec<u64>,
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

    /// The place of node `i` in `reached`.
    fn place(&self, i: usize) -> Option<usize> {
        let i = u32::try_from(i).ok()?;
        self.reached.binary_search(&i).ok()
    }

    /// Whether node `i` is an active business requirement that an active
    /// entry reaches.
    pub fn reached(&self, i: usize) -> bool {
        self.place(i).is_some()
    }

    /// Whether node `i` is covered for variant `k`: an active business
    /// requirement reached by an active entry with that variant.
    pub fn covers(&self, i: usize, k: usize) -> bool {
        let row = self
            .place(i)
            .and_then(|r| self.covered.get(r * self.words..(r + 1) * self.words));
        has_bit(row.unwrap_or(&[]), k)
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
    // kept flat: their members one after the other (every node is in
    // one), each node's component numbered in that order, so that the
    // members of one are the run of nodes with its number. 100,000 nodes
    // are 100,000 components when few entries refine others.
    let mut members: Vec<u32> = Vec::with_capacity(n);
    let mut component = vec![0u32; n];
    let mut count = 0usize;
    let small = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    crate::scc::each_component(&active_refines, |scc| {
        let c = small(count);
        for node in scc {
            members.push(small(node.index()));
            if let Some(slot) = component.get_mut(node.index()) {
                *slot = c;
            }
        }
        count += 1;
    });
    let words = words_for(all.len());
    let mut subtree = vec![0u64; count * words];
    let mut mask = vec![0u64; words];
    let component_of = |node: &u32| component.get(*node as usize).map(|&c| c as usize);
    for run in members
        .chunk_by(|a, b| component_of(a) == component_of(b))
        .rev()
    {
        let Some(c) = run.first().and_then(component_of) else {
            continue;
        };
        mask.fill(0);
        for &node in run {
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
    drop(members);
    let mut reached = Vec::new();
    let mut covered = Vec::new();
    for (i, _) in active(model, Kind::Business) {
        let mut sources = graph
            .into(i, EdgeKind::Satisfies)
            .map(|e| e.source().index())
            .filter(|&s| is_active(model, s))
            .peekable();
        // Node indices fit in 32 bits (the graph's own).
        if sources.peek().is_none() || u32::try_from(i).is_err() {
            continue;
        }
        reached.push(small(i));
        mask.fill(0);
        for s in sources {
            if let Some(&c) = component.get(s)
                && let Some(m) = subtree.get(c as usize * words..(c as usize + 1) * words)
            {
                or_into(&mut mask, m);
            }
        }
        covered.extend_from_slice(&mask);
    }
    reached.shrink_to_fit();
    covered.shrink_to_fit();
    VariantCoverage {
        words,
        reached,
        covered,
    }
}

#[cfg(test)]
mod tests {
    use super::variant_coverage;
    use crate::graph::Graph;
    use crate::load::{Entry, FileSet, load_files};

    /// Rows are kept for the business requirements an active entry
    /// reaches, and for nothing else: any other node, or an index past the
    /// tree, is neither reached nor covered.
    #[test]
    fn variant_rows_only_for_reached_business_requirements() {
        let text = "\
[[business]]\nid = \"BR-1\"\ntitle = \"b\"\n\n\
[[business]]\nid = \"BR-2\"\ntitle = \"b\"\n\n\
[[business]]\nid = \"BR-3\"\ntitle = \"b\"\nstatus = \"withdrawn\"\n\n\
[[business]]\nid = \"BR-4\"\ntitle = \"b\"\n\n\
[[requirement]]\nid = \"RTM-1\"\ntitle = \"r\"\nsatisfies = [\"BR-1\"]\nvariants = [\"SB\"]\n\n\
[[requirement]]\nid = \"RTM-2\"\ntitle = \"r\"\nrefines = [\"RTM-1\"]\nvariants = [\"DB\"]\n\n\
[[requirement]]\nid = \"RTM-3\"\ntitle = \"r\"\nsatisfies = [\"BR-3\"]\n\n\
[[requirement]]\nid = \"RTM-4\"\ntitle = \"r\"\nsatisfies = [\"BR-4\"]\nrefines = [\"RTM-5\"]\nvariants = [\"SB\"]\n\n\
[[requirement]]\nid = \"RTM-5\"\ntitle = \"r\"\nrefines = [\"RTM-4\"]\nvariants = [\"XX\"]\n";
        let loaded = load_files(FileSet {
            project: None,
            entries: vec![("a.toml".to_owned(), Entry::Bytes(text.as_bytes().to_vec()))],
        });
        let model = &loaded.model;
        let graph = Graph::build(model);
        let all = ["SB".to_owned(), "DB".to_owned(), "XX".to_owned()];
        let cov = variant_coverage(model, &graph, &all);
        let at = |id: &str| graph.find(model, id).unwrap_or(usize::MAX);
        let row = |id: &str| -> Vec<bool> { (0..3).map(|k| cov.covers(at(id), k)).collect() };
        assert_eq!(row("BR-1"), [true, true, false]);
        // RTM-4 and RTM-5 refine each other: one subtree.
        assert_eq!(row("BR-4"), [true, false, true]);
        for id in ["BR-2", "BR-3", "RTM-1", "RTM-2", "RTM-3"] {
            assert_eq!(row(id), [false; 3], "{id}");
        }
        let reached: Vec<&str> = (0..model.nodes.len())
            .filter(|&i| cov.reached(i))
            .filter_map(|i| model.nodes.get(i).map(|n| n.id.as_str()))
            .collect();
        assert_eq!(reached, ["BR-1", "BR-4"]);
        assert!(!cov.reached(usize::MAX) && !cov.covers(usize::MAX, 0));
        // One row (of one word) for each of the two.
        assert_eq!((cov.reached.len(), cov.covered.len()), (2, 2));
    }
}
