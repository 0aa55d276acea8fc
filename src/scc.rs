//! Strongly connected components without recursion.
//!
//! petgraph's `TarjanScc` and `tarjan_scc` recurse once per step of a
//! path: a chain of some 60,000 `refines` links overflowed the stack of
//! the thread that checks the rules, and aborted the process. This is
//! Tarjan's algorithm with its own stack on the heap, called the same way
//! (a callback per component, in the same order: a component after every
//! component it links to).

use petgraph::visit::{IntoNeighbors, IntoNodeIdentifiers, NodeIndexable};

/// Calls `f` with the members of each strongly connected component of
/// `g`, each component after every component its members link to.
pub fn each_component<G, F>(g: G, mut f: F)
where
    G: IntoNodeIdentifiers + IntoNeighbors + NodeIndexable,
    F: FnMut(&[G::NodeId]),
{
    const UNSEEN: u32 = u32::MAX;
    let bound = g.node_bound();
    // The order of discovery, the least order reachable, and whether the
    // node is on the component stack.
    let mut order = vec![UNSEEN; bound];
    let mut low = vec![UNSEEN; bound];
    let mut on_stack = vec![false; bound];
    let mut members: Vec<G::NodeId> = Vec::new();
    let mut path: Vec<(G::NodeId, G::Neighbors)> = Vec::new();
    let mut next: u32 = 0;
    let at = |v: G::NodeId| g.to_index(v);
    for root in g.node_identifiers() {
        if order.get(at(root)).is_none_or(|&o| o != UNSEEN) {
            continue;
        }
        // Discovers `v`: numbers it and puts it on both stacks.
        macro_rules! enter {
            ($v:expr) => {{
                let v = $v;
                let i = at(v);
                if let (Some(o), Some(l), Some(s)) =
                    (order.get_mut(i), low.get_mut(i), on_stack.get_mut(i))
                {
                    *o = next;
                    *l = next;
                    *s = true;
                }
                next = next.saturating_add(1);
                members.push(v);
                path.push((v, g.neighbors(v)));
            }};
        }
        enter!(root);
        while let Some((v, neighbours)) = path.last_mut() {
            let v = *v;
            if let Some(w) = neighbours.next() {
                let (iw, iv) = (at(w), at(v));
                match order.get(iw).copied() {
                    Some(UNSEEN) => enter!(w),
                    Some(ow) if on_stack.get(iw).copied().unwrap_or(false) => {
                        if let Some(l) = low.get_mut(iv) {
                            *l = (*l).min(ow);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            path.pop();
            let iv = at(v);
            let (lv, ov) = (
                low.get(iv).copied().unwrap_or(0),
                order.get(iv).copied().unwrap_or(0),
            );
            if lv == ov {
                // `v` roots a component: its members are on the stack
                // from `v` on.
                let from = members
                    .iter()
                    .rposition(|&m| at(m) == iv)
                    .unwrap_or(members.len());
                for &m in members.get(from..).unwrap_or_default() {
                    if let Some(s) = on_stack.get_mut(at(m)) {
                        *s = false;
                    }
                }
                f(members.get(from..).unwrap_or_default());
                members.truncate(from);
            }
            if let Some((u, _)) = path.last()
                && let Some(l) = low.get_mut(at(*u))
            {
                *l = (*l).min(lv);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use petgraph::graph::{DiGraph, NodeIndex};

    use super::each_component;

    fn graph(edges: &[(u32, u32)], n: usize) -> DiGraph<(), ()> {
        let mut g: DiGraph<(), ()> = DiGraph::new();
        for _ in 0..n {
            g.add_node(());
        }
        for &(a, b) in edges {
            g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), ());
        }
        g
    }

    /// Each component's members sorted, in the order they come.
    fn sorted(out: &mut Vec<Vec<usize>>) -> impl FnMut(&[NodeIndex]) + '_ {
        |c| {
            let mut c: Vec<usize> = c.iter().map(|v| v.index()).collect();
            c.sort_unstable();
            out.push(c);
        }
    }

    fn ours(g: &DiGraph<(), ()>) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        each_component(g, sorted(&mut out));
        out
    }

    fn theirs(g: &DiGraph<(), ()>) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        petgraph::algo::TarjanScc::new().run(g, sorted(&mut out));
        out
    }

    #[test]
    fn the_same_components_in_the_same_order_as_petgraph() {
        let cases: &[(&[(u32, u32)], usize)] = &[
            (&[(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 3), (5, 5)], 7),
            (&[(0, 1), (1, 0), (1, 2), (2, 1), (3, 0), (4, 3), (3, 4)], 5),
            (&[], 3),
            (&[(0, 1), (1, 2), (2, 3)], 4),
            (&[(3, 2), (2, 1), (1, 0), (0, 3), (1, 3)], 4),
        ];
        for &(edges, n) in cases {
            let g = graph(edges, n);
            assert_eq!(ours(&g), theirs(&g), "{edges:?}");
        }
        // And 500 graphs drawn at random (a fixed seed), 1 to 12 nodes.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        };
        for _ in 0..500 {
            let n = next(12) + 1;
            let edges: Vec<(u32, u32)> = (0..next(3 * n))
                .map(|_| (next(n) as u32, next(n) as u32))
                .collect();
            let g = graph(&edges, n as usize);
            assert_eq!(ours(&g), theirs(&g), "{edges:?}");
        }
    }

    #[test]
    fn a_chain_of_a_million_links_does_not_overflow_the_stack() {
        let n = 1_000_000u32;
        let mut edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
        let c = ours(&graph(&edges, n as usize));
        assert_eq!(c.len(), n as usize);
        // The end of the chain first: it links to nothing.
        assert_eq!(c[0], [n as usize - 1]);
        edges.push((n - 1, 0));
        let c = ours(&graph(&edges, n as usize));
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), n as usize);
    }
}
