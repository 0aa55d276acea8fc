//! The traceability graph: one petgraph node per node definition, one typed
//! edge per resolved link. Links that do not resolve are kept aside for the
//! structure rules (R004, R005).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, EdgeReference, NodeIndex};
use rayon::prelude::*;

use crate::model::{Kind, LinkField, Model, Node};

/// What an edge means. Edges point upward: from the node that holds the
/// link to the node it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// business → theme (`themes`).
    Theme = 0,
    /// requirement → business (`satisfies`).
    Satisfies = 1,
    /// requirement → requirement (`refines`), child to parent.
    Refines = 2,
    /// requirement → sec (`sec`).
    Upholds = 3,
    /// requirement → sec (a deviation's `sec`).
    Deviates = 4,
    /// requirement → modification (a deviation's `modification`).
    ReliesOn = 5,
    /// modification → sec (a change's `sec`).
    Changes = 6,
}

impl EdgeKind {
    pub fn of(field: LinkField) -> EdgeKind {
        match field {
            LinkField::Themes => EdgeKind::Theme,
            LinkField::Satisfies => EdgeKind::Satisfies,
            LinkField::Refines => EdgeKind::Refines,
            LinkField::Sec => EdgeKind::Upholds,
            LinkField::DeviationSec => EdgeKind::Deviates,
            LinkField::DeviationModification => EdgeKind::ReliesOn,
            LinkField::ChangeSec => EdgeKind::Changes,
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

/// An edge's weight: its meaning and the link it came from, in one `u32`
/// (4 bytes, so that petgraph's edge record is 20 bytes rather than 24):
/// the kind in the top 3 bits, the index of the link in
/// the source node's `links` in the others. An index that does not fit
/// ([`Edge::NO_LINK`] or more: a node with half a billion links) is not
/// stored here but in [`Graph`]'s side table, read by [`Graph::link`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge(u32);

impl Edge {
    /// Bits the kind takes (seven kinds).
    const KIND_BITS: u32 = 3;
    const LINK_BITS: u32 = u32::BITS - Edge::KIND_BITS;
    /// The link bits, all set: "the index is not stored here".
    const LINK_MASK: u32 = u32::MAX >> Edge::KIND_BITS;
    /// The first index not stored in the edge (2^29 - 1); every index
    /// below it is stored as is.
    pub const NO_LINK: usize = Edge::LINK_MASK as usize;

    /// The edge of a link of `kind` at index `link` of its node's links;
    /// an index of [`Edge::NO_LINK`] or more is replaced by that mark
    /// (never cut to other bits, so never taken for another link).
    pub fn new(kind: EdgeKind, link: usize) -> Edge {
        let link = u32::try_from(link).map_or(Edge::LINK_MASK, |l| l.min(Edge::LINK_MASK));
        Edge(((kind as u32) << Edge::LINK_BITS) | link)
    }

    /// What the edge means.
    pub fn kind(&self) -> EdgeKind {
        match self.0 >> Edge::LINK_BITS {
            0 => EdgeKind::Theme,
            1 => EdgeKind::Satisfies,
            2 => EdgeKind::Refines,
            3 => EdgeKind::Upholds,
            4 => EdgeKind::Deviates,
            5 => EdgeKind::ReliesOn,
            _ => EdgeKind::Changes,
        }
    }

    /// Index of the link in the source node's `links`, when it is stored
    /// in the edge (below [`Edge::NO_LINK`]); [`Graph::link`] answers for
    /// every edge.
    pub fn link(&self) -> Option<usize> {
        let link = self.0 & Edge::LINK_MASK;
        (link != Edge::LINK_MASK).then_some(link as usize)
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
    /// The first definition of every id: the index of its node, in a
    /// table hashed by the id (4 bytes an entry: the id itself is read
    /// from the model, [`Graph::find`]).
    by_id: HashTable<u32>,
    /// (later definition, first definition) for every repeated id.
    pub duplicates: Vec<(usize, usize)>,
    pub bad_links: Vec<BadLink>,
    /// (edge, index of its link) for the edges whose link index does not
    /// fit in the edge ([`Edge::NO_LINK`] or more), in edge order: empty
    /// for any tree that fits in memory, but never wrong.
    wide_links: Vec<(EdgeIndex, usize)>,
}

/// Nodes whose links one parallel task resolves.
const RESOLVE_CHUNK: usize = 1024;

/// A link whose id names no node.
const UNRESOLVED: u32 = u32::MAX;

impl Graph {
    /// Builds the graph in one pass over the nodes and one over their links.
    pub fn build(model: &Model) -> Graph {
        Graph::build_storing(model, Edge::NO_LINK)
    }

    /// [`Graph::build`], storing in the edges only the link indices below
    /// `stored` (at most [`Edge::NO_LINK`]), the others in `wide_links`.
    fn build_storing(model: &Model, stored: usize) -> Graph {
        let stored = stored.min(Edge::NO_LINK);
        let n = model.nodes.len();
        let links: usize = model.nodes.iter().map(|n| n.links.len()).sum();
        let mut graph = DiGraph::with_capacity(n, links);
        let mut by_id: HashTable<u32> = HashTable::with_capacity(n);
        let mut duplicates = Vec::new();
        // Within a file the nodes come grouped by kind, so "first" is
        // decided by place: path order, then position in the file.
        let place = |i: usize| model.nodes.get(i).map(|n| (n.file(), n.id_span().start));
        let id_of = |i: u32| model.nodes.get(i as usize).map_or("", |n| n.id.as_str());
        let small = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        for (i, node) in model.nodes.iter().enumerate() {
            graph.add_node(());
            let id = node.id.as_str();
            let hash = hash_id(id);
            if let Some(first) = by_id.find_mut(hash, |&j| id_of(j) == id) {
                let f = *first as usize;
                if place(i) < place(f) {
                    for d in duplicates
                        .iter_mut()
                        .filter(|d: &&mut (usize, usize)| d.1 == f)
                    {
                        d.1 = i;
                    }
                    duplicates.push((f, i));
                    *first = small(i);
                } else {
                    duplicates.push((i, f));
                }
            } else {
                by_id.insert_unique(hash, small(i), |&j| hash_id(id_of(j)));
            }
        }
        // Resolve every link in parallel (lookups only), then add the
        // edges in order, so the graph is the same whatever the threads do.
        // One 32-bit target a link, in a vector sized exactly for each run
        // of nodes: no (node, link) pairs, no vectors grown by doubling.
        let kinds: Vec<Kind> = model.nodes.iter().map(|n| n.kind).collect();
        let resolved: Vec<Vec<u32>> = model
            .nodes
            .par_chunks(RESOLVE_CHUNK)
            .map(|chunk| {
                let mut targets = Vec::with_capacity(chunk.iter().map(|n| n.links.len()).sum());
                for n in chunk {
                    for link in &n.links {
                        targets.push(lookup(&by_id, model, n.target(link)).unwrap_or(UNRESOLVED));
                    }
                }
                targets
            })
            .collect();
        let mut bad_links = Vec::new();
        let mut wide_links = Vec::new();
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
                    let kind = EdgeKind::of(field);
                    let edge = Edge::new(kind, if l < stored { l } else { Edge::NO_LINK });
                    let e = graph.add_edge(NodeIndex::new(i), NodeIndex::new(t), edge);
                    if l >= stored {
                        wide_links.push((e, l));
                    }
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
            wide_links,
        }
    }

    /// Index of the link an edge of this graph came from, in its source
    /// node's `links`.
    pub fn link(&self, e: &EdgeReference<'_, Edge>) -> Option<usize> {
        use petgraph::visit::EdgeRef;
        e.weight().link().or_else(|| {
            let k = self
                .wide_links
                .binary_search_by_key(&e.id(), |w| w.0)
                .ok()?;
            self.wide_links.get(k).map(|w| w.1)
        })
    }

    /// The node an id names (its first definition), in `model`: the model
    /// this graph was built from (or one equal to it in every id).
    pub fn find(&self, model: &Model, id: &str) -> Option<usize> {
        lookup(&self.by_id, model, id).map(|j| j as usize)
    }

    /// Edges of one kind leaving node `i` (its links, resolved).
    pub fn out(&self, i: usize, kind: EdgeKind) -> impl Iterator<Item = EdgeReference<'_, Edge>> {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Outgoing)
            .filter(move |e| e.weight().kind() == kind)
    }

    /// Edges of one kind arriving at node `i` (links naming it).
    pub fn into(&self, i: usize, kind: EdgeKind) -> impl Iterator<Item = EdgeReference<'_, Edge>> {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Incoming)
            .filter(move |e| e.weight().kind() == kind)
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

/// The hash an id is found by in [`Graph::find`].
fn hash_id(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

/// The node of `model` with id `id`, through the table of node indices
/// `by_id` built from it.
fn lookup(by_id: &HashTable<u32>, model: &Model, id: &str) -> Option<u32> {
    by_id
        .find(hash_id(id), |&j| {
            model
                .nodes
                .get(j as usize)
                .is_some_and(|n| n.id.as_str() == id)
        })
        .copied()
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

#[cfg(test)]
mod tests {
    use super::{Edge, EdgeKind, Graph};
    use crate::load::{Entry, FileSet, load_files};
    use petgraph::visit::EdgeRef;

    const KINDS: [EdgeKind; 7] = [
        EdgeKind::Theme,
        EdgeKind::Satisfies,
        EdgeKind::Refines,
        EdgeKind::Upholds,
        EdgeKind::Deviates,
        EdgeKind::ReliesOn,
        EdgeKind::Changes,
    ];

    /// An edge is one `u32`: petgraph's edge record (weight, two edge
    /// indices, two node indices) is 20 bytes, not 24.
    #[test]
    fn an_edge_is_four_bytes() {
        assert_eq!(size_of::<Edge>(), 4);
        assert_eq!(size_of::<petgraph::graph::Edge<Edge>>(), 20);
    }

    /// Kind and link index come back as given; an index that does not fit
    /// in the link bits is never cut to another index: the edge says it
    /// does not hold it, and keeps its kind.
    #[test]
    fn an_edge_keeps_its_kind_and_never_aliases_a_link() {
        assert_eq!(Edge::NO_LINK, (1 << 29) - 1);
        for kind in KINDS {
            for link in [0, 1, 2, 1000, Edge::NO_LINK - 1] {
                let e = Edge::new(kind, link);
                assert_eq!((e.kind(), e.link()), (kind, Some(link)));
            }
            for link in [
                Edge::NO_LINK,
                Edge::NO_LINK + 1,
                1 << 29,
                u32::MAX as usize + 5,
                usize::MAX,
            ] {
                let e = Edge::new(kind, link);
                assert_eq!((e.kind(), e.link()), (kind, None), "{link}");
            }
        }
    }

    /// Link indices too large for the edge are kept beside the graph:
    /// with (almost) none stored in the edges, every edge still names its
    /// own link, as when all are.
    #[test]
    fn link_indices_that_do_not_fit_are_kept_beside_the_graph() {
        let text = "[[theme]]\nid = \"T-1\"\ntitle = \"t\"\n\n[[theme]]\nid = \"T-2\"\ntitle = \"t\"\n\n\
            [[business]]\nid = \"BR-1\"\ntitle = \"b\"\nthemes = [\"T-2\", \"T-9\", \"T-1\", \"T-2\"]\n\n\
            [[business]]\nid = \"BR-2\"\ntitle = \"b\"\nthemes = [\"T-1\"]\n";
        let loaded = load_files(FileSet {
            project: None,
            entries: vec![("a.toml".to_owned(), file(text))],
        });
        let model = &loaded.model;
        let edges = |g: &Graph| -> Vec<(usize, usize, EdgeKind, Option<usize>)> {
            g.graph
                .edge_references()
                .map(|e| {
                    let (s, t) = (e.source().index(), e.target().index());
                    (s, t, e.weight().kind(), g.link(&e))
                })
                .collect()
        };
        let all = Graph::build(model);
        let id = |i: usize| model.nodes.get(i).map_or("", |n| n.id.as_str());
        let named: Vec<(&str, &str, Option<usize>)> = edges(&all)
            .into_iter()
            .map(|(s, t, _, l)| (id(s), id(t), l))
            .collect();
        assert_eq!(
            named,
            vec![
                ("BR-1", "T-2", Some(0)),
                ("BR-1", "T-1", Some(2)),
                ("BR-1", "T-2", Some(3)),
                ("BR-2", "T-1", Some(0)),
            ]
        );
        assert!(all.wide_links.is_empty());
        let wide = Graph::build_storing(model, 1);
        assert_eq!(edges(&wide), edges(&all));
        assert_eq!(wide.wide_links.len(), 2);
        let inline: Vec<Option<usize>> = wide
            .graph
            .edge_references()
            .map(|e| e.weight().link())
            .collect();
        assert_eq!(inline, vec![Some(0), None, None, Some(0)]);
    }

    fn file(text: &str) -> Entry {
        Entry::Bytes(text.as_bytes().to_vec())
    }

    /// `find` names the first definition of an id (by path, then place in
    /// the file), whatever order the nodes were loaded in, and nothing for
    /// an id no node has; links resolve through the same table.
    #[test]
    fn find_names_the_first_definition() {
        let mut entries = vec![
            (
                "b.toml".to_owned(),
                file("[[theme]]\nid = \"T-1\"\ntitle = \"later\"\n"),
            ),
            (
                "a.toml".to_owned(),
                file(
                    "[[theme]]\nid = \"T-2\"\ntitle = \"x\"\n\n[[theme]]\nid = \"T-1\"\ntitle = \"first\"\n\n[[business]]\nid = \"BR-1\"\ntitle = \"b\"\nthemes = [\"T-1\", \"T-9\"]\n",
                ),
            ),
        ];
        // Many more ids, so that the table grows past a few buckets.
        let many: String = (0..3000)
            .map(|i| format!("[[theme]]\nid = \"TX-{i}\"\ntitle = \"t\"\n\n"))
            .collect();
        entries.push(("c.toml".to_owned(), file(&many)));
        let loaded = load_files(FileSet {
            project: None,
            entries,
        });
        let model = &loaded.model;
        let graph = Graph::build(model);
        let title = |id: &str| {
            graph
                .find(model, id)
                .and_then(|i| model.nodes.get(i))
                .and_then(|n| n.title())
                .map(str::to_owned)
        };
        assert_eq!(title("T-1").as_deref(), Some("first"));
        assert_eq!(title("T-2").as_deref(), Some("x"));
        assert_eq!(title("T-9"), None);
        assert_eq!(title("t-1"), None);
        for i in (0..3000).step_by(7) {
            let id = format!("TX-{i}");
            let found = graph.find(model, &id).and_then(|n| model.nodes.get(n));
            assert_eq!(found.map(|n| n.id.as_str()), Some(id.as_str()));
        }
        assert_eq!(graph.duplicates.len(), 1);
        // BR-1's themes: T-1 resolves (to the first definition), T-9 not.
        assert_eq!(graph.bad_links.len(), 1);
        let br = graph.find(model, "BR-1").unwrap_or(usize::MAX);
        let first = graph.find(model, "T-1").unwrap_or(usize::MAX);
        let targets: Vec<usize> = graph
            .out(br, super::EdgeKind::Theme)
            .map(|e| petgraph::visit::EdgeRef::target(&e).index())
            .collect();
        assert_eq!(targets, vec![first]);
    }
}
