//! `rtm graph`: the traceability graph in Graphviz DOT, Mermaid or SVG
//! (drawn by rtm, [`super::svg`]), whole or around one node, each edge
//! type drawn its own way. Respects the
//! document's classification like every document for people.

use std::collections::{BTreeSet, VecDeque};
use std::fmt::Write as _;

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use crate::graph::EdgeKind;
use crate::model::Kind;
use crate::view::{View, withheld_phrase};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    /// The drawings of the HTML report (whole tree), or the drawing of
    /// what lies around `--root`.
    Svg,
}

/// Why a graph cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("no node has the id `{0}`")]
    UnknownRoot(String),
}

/// The nodes to draw: all visible ones, or those around `root`: everything
/// that traces to it (down), everything it traces to (up), and the SEC
/// obligations and modifications the entries below it name.
fn selection(view: &View<'_>, root: Option<&str>) -> Result<BTreeSet<usize>, GraphError> {
    let g = &view.checked.graph;
    let Some(id) = root else {
        return Ok(view.nodes().map(|(i, _)| i).collect());
    };
    let start = g
        .find(&view.checked.model, id)
        .filter(|&i| view.shows(i))
        .ok_or_else(|| GraphError::UnknownRoot(id.to_owned()))?;
    let mut keep = BTreeSet::from([start]);
    for dir in [Direction::Incoming, Direction::Outgoing] {
        let mut queue = VecDeque::from([start]);
        let mut seen = BTreeSet::from([start]);
        while let Some(i) = queue.pop_front() {
            for e in g.graph.edges_directed(NodeIndex::new(i), dir) {
                let other = if dir == Direction::Incoming {
                    e.source().index()
                } else {
                    e.target().index()
                };
                if view.shows(other) && seen.insert(other) {
                    queue.push_back(other);
                }
            }
        }
        if dir == Direction::Incoming {
            // What the entries below the root rely on.
            for &i in &seen {
                for e in g
                    .graph
                    .edges_directed(NodeIndex::new(i), Direction::Outgoing)
                {
                    let k = e.weight().kind();
                    if matches!(
                        k,
                        EdgeKind::Upholds | EdgeKind::Deviates | EdgeKind::ReliesOn
                    ) && view.shows(e.target().index())
                    {
                        keep.insert(e.target().index());
                    }
                }
            }
        }
        keep.extend(seen);
    }
    Ok(keep)
}

fn quote_dot(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // Graphviz reads `&amp;` in a label as `&`: a title that holds
            // an entity's text is drawn as written.
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            // `\u{1b}`, its backslash escaped as DOT reads it.
            c if super::is_hidden_control(c) => {
                out.push('\\');
                super::push_escaped(&mut out, c);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Mermaid label in quotes, each character Mermaid reads as markup
/// written as an entity; line breaks as spaces, other control characters
/// escaped (`\u{1b}`).
fn quote_mermaid(s: &str) -> String {
    format!("\"{}\"", crate::escape::mermaid(s))
}

fn dot_style(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Theme => "color=gray40",
        EdgeKind::Satisfies => "color=black",
        EdgeKind::Refines => "style=dashed",
        EdgeKind::Upholds => "color=darkgreen",
        EdgeKind::Deviates => "color=red3, penwidth=2",
        EdgeKind::ReliesOn => "style=dotted, color=darkorange3",
        EdgeKind::Changes => "style=dotted, color=purple",
    }
}

fn dot_shape(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "shape=folder",
        Kind::Business => "shape=box, style=rounded",
        Kind::Requirement => "shape=box",
        Kind::Sec => "shape=note",
        Kind::Modification => "shape=hexagon",
    }
}

/// Draws the graph.
pub fn write(
    view: &View<'_>,
    format: GraphFormat,
    root: Option<&str>,
) -> Result<String, GraphError> {
    let keep = selection(view, root)?;
    let note = format!(
        "classification {}; {}",
        view.labels().label(view.document_level()),
        withheld_phrase(view.withheld_nodes)
    );
    if format == GraphFormat::Svg {
        let drawings = match root {
            None => super::svg::all(view).into_iter().map(|(_, s)| s).collect(),
            Some(id) => vec![super::svg::around(view, &keep, &format!("Around {id}"))],
        };
        return Ok(super::svg::stack(
            &drawings,
            &format!("rtm traceability graph; {note}"),
        ));
    }
    let g = &view.checked.graph;
    let nodes = &view.checked.model.nodes;
    let mut edges: Vec<(usize, usize, EdgeKind)> = g
        .graph
        .edge_references()
        .map(|e| (e.source().index(), e.target().index(), e.weight().kind()))
        .filter(|(s, t, _)| keep.contains(s) && keep.contains(t))
        .collect();
    edges.sort_by_key(|&(s, t, k)| (s, t, k as u8));
    edges.dedup();
    let name = |i: usize| {
        nodes.get(i).map_or(String::new(), |n| {
            format!("{} {}", n.id, n.title().unwrap_or(""))
        })
    };
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            let _ = writeln!(out, "// rtm traceability graph; {note}");
            out.push_str("digraph rtm {\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n");
            for &i in &keep {
                let Some(n) = nodes.get(i) else { continue };
                let _ = writeln!(
                    out,
                    "  n{i} [label={}, {}{}];",
                    quote_dot(&name(i)),
                    dot_shape(n.kind),
                    if n.is_active() {
                        ""
                    } else {
                        ", color=gray70, fontcolor=gray50"
                    }
                );
            }
            for (s, t, k) in &edges {
                let _ = writeln!(
                    out,
                    "  n{s} -> n{t} [label={}, {}];",
                    quote_dot(k.as_str()),
                    dot_style(*k)
                );
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            // The handling text comes from `rtm.toml`: no `%%{` in it may
            // start a directive.
            let note = crate::escape::mermaid(&note);
            let _ = writeln!(out, "%% rtm traceability graph; {note}");
            out.push_str("flowchart BT\n");
            for &i in &keep {
                let Some(n) = nodes.get(i) else { continue };
                let text = quote_mermaid(&name(i));
                let shape = match n.kind {
                    Kind::Theme => format!("[[{text}]]"),
                    Kind::Business => format!("({text})"),
                    Kind::Requirement => format!("[{text}]"),
                    Kind::Sec => format!("[/{text}/]"),
                    Kind::Modification => format!("{{{{{text}}}}}"),
                };
                let _ = writeln!(out, "  n{i}{shape}");
            }
            let mut styles: Vec<(EdgeKind, Vec<usize>)> = Vec::new();
            for (idx, (s, t, k)) in edges.iter().enumerate() {
                let arrow = match k {
                    EdgeKind::Refines | EdgeKind::ReliesOn | EdgeKind::Changes => "-.->",
                    EdgeKind::Deviates => "==>",
                    _ => "-->",
                };
                let _ = writeln!(out, "  n{s} {arrow}|{}| n{t}", k.as_str());
                match styles.iter_mut().find(|(kk, _)| kk == k) {
                    Some((_, v)) => v.push(idx),
                    None => styles.push((*k, vec![idx])),
                }
            }
            for (k, idx) in styles {
                let color = match k {
                    EdgeKind::Theme => "#6e7781",
                    EdgeKind::Satisfies => "#1b1f24",
                    EdgeKind::Refines => "#57606a",
                    EdgeKind::Upholds => "#1a7f37",
                    EdgeKind::Deviates => "#cf222e",
                    EdgeKind::ReliesOn => "#bc4c00",
                    EdgeKind::Changes => "#8250df",
                };
                let list: Vec<String> = idx.iter().map(ToString::to_string).collect();
                let _ = writeln!(out, "  linkStyle {} stroke:{color}", list.join(","));
            }
        }
        GraphFormat::Svg => {}
    }
    Ok(out)
}
