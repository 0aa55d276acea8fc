//! The elementary loops of a directed graph (Johnson's algorithm), for
//! R006: one finding per loop (FORMAT §9).
//!
//! A graph can hold exponentially many loops, so the search stops after a
//! given number and says whether more exist. Each loop is found once, from
//! its least vertex; vertices are visited in order, so the loops come in
//! the same order for the same graph. The search keeps its own stack: a
//! loop of 100,000 entries does not overflow the thread's.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::NodeFiltered;

/// Every elementary loop of the graph whose vertex `v` has the edges to
/// `adj[v]`, at most `cap` of them, each as its vertices from its least
/// one, in the order the edges run; and whether the graph has more. The
/// loops come ordered by their least vertex, then as a depth-first search
/// taking the least neighbour first finds them.
pub fn elementary_loops(adj: &[Vec<usize>], cap: usize) -> (Vec<Vec<usize>>, bool) {
    let n = adj.len();
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(n, 0);
    for _ in 0..n {
        graph.add_node(());
    }
    for (v, targets) in adj.iter().enumerate() {
        for &w in targets.iter().filter(|&&w| w < n) {
            graph.add_edge(NodeIndex::new(v), NodeIndex::new(w), ());
        }
    }
    let mut search = Search {
        adj,
        blocked: vec![false; n],
        waiting: vec![Vec::new(); n],
        in_component: vec![false; n],
        found: Vec::new(),
    };
    let mut from = 0;
    while from < n {
        // The strong component, among the vertices from `from` on, that
        // holds the least vertex lying on a loop.
        let sub = NodeFiltered::from_fn(&graph, |v: NodeIndex| v.index() >= from);
        let mut least: Option<(usize, Vec<NodeIndex>)> = None;
        crate::scc::each_component(&sub, |c| {
            let on_loop = c.len() > 1
                || c.first()
                    .is_some_and(|v| adj.get(v.index()).is_some_and(|t| t.contains(&v.index())));
            let start = c.iter().map(|v| v.index()).min();
            if let Some(start) = start.filter(|_| on_loop)
                && least.as_ref().is_none_or(|(l, _)| start < *l)
            {
                least = Some((start, c.to_vec()));
            }
        });
        let Some((start, component)) = least else {
            break;
        };
        search.in_component.iter_mut().for_each(|m| *m = false);
        for v in &component {
            let v = v.index();
            if let Some(m) = search.in_component.get_mut(v) {
                *m = true;
            }
            if let Some(b) = search.blocked.get_mut(v) {
                *b = false;
            }
            if let Some(w) = search.waiting.get_mut(v) {
                w.clear();
            }
        }
        if search.loops_through(start, cap) {
            return (search.found, true);
        }
        from = start + 1;
    }
    (search.found, false)
}

/// Johnson's search state.
struct Search<'a> {
    adj: &'a [Vec<usize>],
    /// Vertices on the path, or from which the start cannot be reached
    /// again without crossing the path.
    blocked: Vec<bool>,
    /// For each vertex, the vertices to unblock with it.
    waiting: Vec<Vec<usize>>,
    /// The component being searched.
    in_component: Vec<bool>,
    found: Vec<Vec<usize>>,
}

impl Search<'_> {
    fn neighbours(&self, v: usize) -> &[usize] {
        self.adj.get(v).map_or(&[], Vec::as_slice)
    }

    fn inside(&self, v: usize) -> bool {
        self.in_component.get(v).copied().unwrap_or(false)
    }

    fn is_blocked(&self, v: usize) -> bool {
        self.blocked.get(v).copied().unwrap_or(true)
    }

    fn set_blocked(&mut self, v: usize, to: bool) {
        if let Some(b) = self.blocked.get_mut(v) {
            *b = to;
        }
    }

    /// Every loop through `start` in the component; true when more than
    /// `cap` loops have been found in all.
    fn loops_through(&mut self, start: usize, cap: usize) -> bool {
        let mut path = vec![start];
        self.set_blocked(start, true);
        // (vertex, index of its next neighbour, whether a loop was found
        // through it)
        let mut stack: Vec<(usize, usize, bool)> = vec![(start, 0, false)];
        while let Some(&(v, next, _)) = stack.last() {
            if let Some(&w) = self.neighbours(v).get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if !self.inside(w) {
                    continue;
                }
                if w == start {
                    if self.found.len() == cap {
                        return true;
                    }
                    self.found.push(path.clone());
                    if let Some(top) = stack.last_mut() {
                        top.2 = true;
                    }
                } else if !self.is_blocked(w) {
                    self.set_blocked(w, true);
                    path.push(w);
                    stack.push((w, 0, false));
                }
                continue;
            }
            let found = stack.pop().is_some_and(|(_, _, f)| f);
            path.pop();
            if found {
                self.unblock(v);
            } else {
                for i in 0..self.neighbours(v).len() {
                    let Some(&w) = self.neighbours(v).get(i) else {
                        continue;
                    };
                    if self.inside(w)
                        && let Some(list) = self.waiting.get_mut(w)
                        && !list.contains(&v)
                    {
                        list.push(v);
                    }
                }
            }
            if let Some(parent) = stack.last_mut() {
                parent.2 |= found;
            }
        }
        false
    }

    fn unblock(&mut self, u: usize) {
        self.set_blocked(u, false);
        let mut work = vec![u];
        while let Some(x) = work.pop() {
            let list = self
                .waiting
                .get_mut(x)
                .map(std::mem::take)
                .unwrap_or_default();
            for w in list {
                if self.is_blocked(w) {
                    self.set_blocked(w, false);
                    work.push(w);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::elementary_loops;

    #[test]
    fn a_figure_of_eight_is_two_loops_and_a_self_loop_a_third() {
        // 0 ⇄ 1 ⇄ 2, and 1 → 1.
        let adj = vec![vec![1], vec![0, 1, 2], vec![1]];
        let (loops, more) = elementary_loops(&adj, 100);
        assert_eq!(loops, [vec![0, 1], vec![1], vec![1, 2]]);
        assert!(!more);
    }

    #[test]
    fn a_complete_graph_of_four_has_twenty_loops() {
        let adj: Vec<Vec<usize>> = (0..4)
            .map(|v| (0..4).filter(|&w| w != v).collect())
            .collect();
        let (loops, more) = elementary_loops(&adj, 100);
        assert_eq!(loops.len(), 20);
        assert!(!more);
        // Each from its least vertex, no vertex twice.
        for l in &loops {
            assert_eq!(l.iter().min(), l.first());
            let mut s = l.clone();
            s.sort_unstable();
            s.dedup();
            assert_eq!(s.len(), l.len());
        }
        let (first, more) = elementary_loops(&adj, 7);
        assert_eq!(first.len(), 7);
        assert!(more);
        assert_eq!(first[..], loops[..7]);
        let (all, more) = elementary_loops(&adj, 20);
        assert_eq!(all.len(), 20);
        assert!(!more);
    }

    /// Every loop by brute force: each simple path from `s` through
    /// vertices above it that comes back to `s`.
    fn brute(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
        fn walk(adj: &[Vec<usize>], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            let (s, v) = (path[0], *path.last().unwrap_or(&0));
            for &w in &adj[v] {
                if w == s {
                    out.push(path.clone());
                } else if w > s && !path.contains(&w) {
                    path.push(w);
                    walk(adj, path, out);
                    path.pop();
                }
            }
        }
        let mut out = Vec::new();
        for s in 0..adj.len() {
            walk(adj, &mut vec![s], &mut out);
        }
        out
    }

    #[test]
    fn the_same_loops_as_brute_force_on_small_graphs() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound) as usize
        };
        for _ in 0..400 {
            let n = next(7) + 1;
            let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
            for _ in 0..next(3 * n as u64 + 1) {
                let (a, b) = (next(n as u64), next(n as u64));
                if !adj[a].contains(&b) {
                    adj[a].push(b);
                }
            }
            for targets in &mut adj {
                targets.sort_unstable();
            }
            let (mut ours, more) = elementary_loops(&adj, 10_000);
            assert!(!more);
            let mut want = brute(&adj);
            ours.sort();
            want.sort();
            assert_eq!(ours, want, "{adj:?}");
        }
    }

    #[test]
    fn no_loop_in_a_chain_and_one_in_a_long_ring() {
        let chain: Vec<Vec<usize>> = (0..5)
            .map(|v| if v < 4 { vec![v + 1] } else { vec![] })
            .collect();
        assert_eq!(elementary_loops(&chain, 100), (vec![], false));
        let n = 100_000;
        let ring: Vec<Vec<usize>> = (0..n).map(|v| vec![(v + 1) % n]).collect();
        let (loops, more) = elementary_loops(&ring, 100);
        assert_eq!(loops.len(), 1);
        assert_eq!(loops[0].len(), n);
        assert!(!more);
    }
}
