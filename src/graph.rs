//! The traceability graph: one petgraph node per node definition, one typed
//! edge per resolved link. Links that do not resolve are kept aside for the
//! structure rules (R004, R005).

use rustc_hash::FxHashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeReference, NodeIndex};
use rayon::prelude::*;

use crate::model::{Kind, LinkField, Model, Node};

/// What an edge means. Edges point upward: from the node that holds the
/// link to the node it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// business → theme (`themes`).
    Theme,
    /// requirement → business (`satisfies`).
    Satisfies,
    /// requirement → requirement (`refines`), child to parent.
    Refines,
    /// requirement → sec (`sec`).
    Upholds,
    /// requirement → sec (a deviation's `sec`).
    Deviates,
    /// requirement → modification (a deviation's `modification`).
    ReliesOn,
    /// modification → sec (a change's `sec`).
    Changes,
}

impl EdgeKind {
    pub fn of(field: LinkField) -> EdgeKind {
        match field {
            LinkField::Themes => EdgeKind::Theme,
            LinkField::Satisfies => EdgeKind::Satisfies,
            LinkField::Refines => EdgeKind::Refines,
            LinkField::Sec => EdgeKind::Upholds,
            LinkField::DeviationSec(_) => EdgeKind::Deviates,
            LinkField::DeviationModification(_) => EdgeKind::ReliesOn,
            LinkField::ChangeSec(_) => EdgeKind::Changes,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Theme => "theme",
            EdgeKind::Satisfies => "satisfies",
            EdgeKind::Refines => "refines",
            EdgeKind::Upholds => "upholds",
            EdgeKind::Deviates => "deviates",
            EdgeKind::ReliesOn => "relies on",
            EdgeKind::Changes => "changes",
        }
    }
}

/// An edge's weight: its meaning and the link it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Index of the link in the source node's `links` ([`Edge::link`];
    /// 32 bits keep an edge small).
    link: u32,
}

impl Edge {
    /// Index of the link in the source node's `links`.
    pub fn link(&self) -> usize {
        self.link as usize
    }
}

/// A link that does not resolve to a node of the right kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadLink {
    pub node: usize,
    pub link: usize,
    /// The node the id names, when it exists but is of the wrong kind.
    pub wrong_kind: Option<usize>,
}

/// The graph over a model. petgraph's `NodeIndex` `i` is the node at index
/// `i` of `model.nodes` (nodes carry no weight: the index is the node).
#[derive(Debug, Clone)]
pub struct Graph {
    pub graph: DiGraph<(), Edge>,
    /// The first definition of every id.
    pub by_id: FxHashMap<crate::source::Str, usize>,
    /// (later definition, first definition) for every repeated id.
    pub duplicates: Vec<(usize, usize)>,
    pub bad_links: Vec<BadLink>,
}

/// Nodes whose links one parallel task resolves.
const RESOLVE_CHUNK: usize = 1024;

/// A link whose id names no node.
const UNRESOLVED: u32 = u32::MAX;

impl Graph {
    /// Builds the graph in one pass over the nodes and one over their links.
    pub fn build(model: &Model) -> Graph {
        let n = model.nodes.len();
        let links: usize = model.nodes.iter().map(|n| n.links.len()).sum();
        let mut graph = DiGraph::with_capacity(n, links);
        let mut by_id = FxHashMap::with_capacity_and_hasher(n, Default::default());
        let mut duplicates = Vec::new();
        // Within a file the nodes come grouped by kind, so "first" is
        // decided by place: path order, then position in the file.
        let place = |i: usize| model.nodes.get(i).map(|n| (n.file(), n.id_span().start));
        for (i, node) in model.nodes.iter().enumerate() {
            graph.add_node(());
            if let Some(first) = by_id.get_mut(node.id.as_str()) {
                let f = *first;
                if place(i) < place(f) {
                    for d in duplicates
                        .iter_mut()
                        .filter(|d: &&mut (usize, usize)| d.1 == f)
                    {
                        d.1 = i;
                    }
                    duplicates.push((f, i));
                    *first = i;
                } else {
                    duplicates.push((i, f));
                }
            } else {
                by_id.insert(node.id.clone(), i);
            }
        }
        // Resolve every link in parallel (lookups only), then add the
        // edges in order, so the graph is the same whatever the threads do.
        // One 32-bit target a link, in a vector sized exactly for each run
        // of nodes: no (node, link) pairs, no vectors grown by doubling.
        let kinds: Vec<Kind> = model.nodes.iter().map(|n| n.kind).collect();
        let small = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let resolved: Vec<Vec<u32>> = model
            .nodes
            .par_chunks(RESOLVE_CHUNK)
            .map(|chunk| {
                let mut targets = Vec::with_capacity(chunk.iter().map(|n| n.links.len()).sum());
                for link in chunk.iter().flat_map(|n| &n.links) {
                    let target = by_id
                        .get(link.target.as_str())
                        .map_or(UNRESOLVED, |&t| small(t));
                    targets.push(target);
                }
                targets
            })
            .collect();
        let mut bad_links = Vec::new();
        let links = model.nodes.iter().enumerate().flat_map(|(i, node)| {
            node.links
                .iter()
                .enumerate()
                .map(move |(l, link)| (i, l, link.field))
        });
        for ((i, l, field), &target) in links.zip(resolved.iter().flatten()) {
            match (target != UNRESOLVED).then_some(target as usize) {
                None => bad_links.push(BadLink {
                    node: i,
                    link: l,
                    wrong_kind: None,
                }),
                Some(t) if kinds.get(t) == Some(&field.target_kind()) => {
                    graph.add_edge(
                        NodeIndex::new(i),
                        NodeIndex::new(t),
                        Edge {
                            kind: EdgeKind::of(field),
                            link: small(l),
                        },
                    );
                }
                Some(t) => bad_links.push(BadLink {
                    node: i,
                    link: l,
                    wrong_kind: Some(t),
                }),
            }
        }
        Graph {
            graph,
            by_id,
            duplicates,
            bad_links,
        }
    }

    /// The node an id names (its first definition).
    pub fn find(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Edges of one kind leaving node `i` (its links, resolved).
    pub fn out(&self, i: usize, kind: EdgeKind) -> impl Iterator<Item = EdgeReference<'_, Edge>> {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Outgoing)
            .filter(move |e| e.weight().kind == kind)
    }

    /// Edges of one kind arriving at node `i` (links naming it).
    pub fn into(&self, i: usize, kind: EdgeKind) -> impl Iterator<Item = EdgeReference<'_, Edge>> {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Incoming)
            .filter(move |e| e.weight().kind == kind)
    }

    /// Nodes of one kind, with their indices.
    pub fn of_kind<'m>(
        model: &'m Model,
        kind: Kind,
    ) -> impl Iterator<Item = (usize, &'m Node)> + 'm {
        model
            .nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.kind == kind)
    }
}

/// Nodes that link to node `i` with an edge of `kind`, in tree order.
pub fn sources_of(graph: &Graph, i: usize, kind: EdgeKind) -> Vec<usize> {
    use petgraph::visit::EdgeRef;
    let mut v: Vec<usize> = graph.into(i, kind).map(|e| e.source().index()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Nodes that node `i` links to with an edge of `kind`, in tree order.
pub fn targets_of(graph: &Graph, i: usize, kind: EdgeKind) -> Vec<usize> {
    use petgraph::visit::EdgeRef;
    let mut v: Vec<usize> = graph.out(i, kind).map(|e| e.target().index()).collect();
    v.sort_unstable();
    v.dedup();
    v
}
