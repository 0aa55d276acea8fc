//! Diagrams drawn by rtm itself, as SVG: no JavaScript and no external
//! renderer, so that a document opened offline shows them.
//!
//! Three drawings: the overview (themes and the business requirements
//! under them, with the number of active RTM entries satisfying each), one
//! drawing per theme down to its RTM entries (colour and shape by
//! category, deviations marked, withdrawn nodes faded), and the deviation
//! map (RTM entries, the SEC obligations they deviate from, and the
//! modifications they rely on, with their stage).
//!
//! # Layout
//!
//! A plain layered layout, drawn left to right, deterministic:
//!
//! 1. **Layers**: longest path from the nodes that nothing points to
//!    (each node one column right of its furthest parent), at most
//!    [`MAX_LAYERS`] columns (a cycle cannot make it loop).
//! 2. **Order**: tree order, then three barycentre sweeps (left to right,
//!    right to left, left to right): each column sorted by the mean
//!    position of its neighbours in the column before it (ties keep their
//!    order).
//! 3. **Rows**: column by column, each node takes the row nearest the mean
//!    row of its parents that lies below the previous node of its column;
//!    the first column is then placed again at its children's mean row.
//! 4. **Boxes** have one fixed size and take whole rows, so no two boxes,
//!    and no two labels, ever overlap. Each box is its own nested `<svg>`,
//!    which clips what does not fit; long titles are cut with "…" and the
//!    full text is the box's `<title>` (shown as a tooltip).
//!
//! Every box is a link to `#node-ID` ([`anchor`]), the node's section of
//! the HTML document. All text is escaped for XML.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use crate::graph::EdgeKind;
use crate::graph::{sources_of, targets_of};
use crate::model::{Category, Kind, Node, Stage};
use crate::view::View;

/// Width of a box.
const W: usize = 230;
/// Height of a box.
const H: usize = 54;
/// Space between columns.
const HGAP: usize = 70;
/// Space between rows.
const VGAP: usize = 10;
/// Margin around a drawing.
const PAD: usize = 10;
/// Height of a drawing's caption.
const CAPTION: usize = 24;
/// The most columns a drawing has.
pub const MAX_LAYERS: usize = 32;
/// The most characters of a title shown in a box (the rest is cut).
const TITLE_CHARS: usize = 34;

/// The anchor of a node's section in an HTML document: `node-` and the id,
/// letters, digits, `-` and `.` kept, every other character written as
/// `_XXXX_` (its code point in hexadecimal), so that two ids never share an
/// anchor and an anchor is a valid fragment as it stands.
pub fn anchor(id: &str) -> String {
    let mut out = String::from("node-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            out.push(c);
        } else {
            let _ = write!(out, "_{:x}_", c as u32);
        }
    }
    out
}

/// Text escaped for XML (element content and attribute values).
pub use crate::escape::xml;

/// The first `max` characters of `s`, with "…" when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut c: String = s.chars().take(max.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// One box of a drawing.
struct Box<'a> {
    node: &'a Node,
    /// The third line (counts, stage, deviation…).
    note: String,
    /// Whether the box is marked as deviating.
    deviates: bool,
}

/// A drawing before layout: boxes, and edges between them (parent to
/// child, drawn left to right) with their kind.
struct Drawing<'a> {
    caption: String,
    boxes: Vec<Box<'a>>,
    edges: Vec<(usize, usize, EdgeKind)>,
}

impl<'a> Drawing<'a> {
    fn new(caption: String) -> Drawing<'a> {
        Drawing {
            caption,
            boxes: Vec::new(),
            edges: Vec::new(),
        }
    }
}

/// Column and row of every box (see the module's documentation).
fn layout(n: usize, edges: &[(usize, usize, EdgeKind)]) -> Vec<(usize, usize)> {
    let mut layer = vec![0usize; n];
    for _ in 0..=MAX_LAYERS {
        let mut changed = false;
        for &(a, b, _) in edges {
            if a == b {
                continue;
            }
            let want = (layer.get(a).copied().unwrap_or(0) + 1).min(MAX_LAYERS - 1);
            if let Some(l) = layer.get_mut(b)
                && *l < want
            {
                *l = want;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b, _) in edges {
        if a != b && layer.get(a) < layer.get(b) {
            if let Some(p) = parents.get_mut(b) {
                p.push(a);
            }
            if let Some(c) = children.get_mut(a) {
                c.push(b);
            }
        }
    }
    let columns = layer.iter().copied().max().map_or(0, |m| m + 1);
    // Order within each column: tree order, then barycentre sweeps (down,
    // up, down), each column sorted by the mean position of its
    // neighbours in the columns already sorted, ties kept in order.
    let mut order: Vec<Vec<usize>> = (0..columns)
        .map(|c| (0..n).filter(|&i| layer.get(i) == Some(&c)).collect())
        .collect();
    let mut pos: Vec<f64> = vec![0.0; n];
    let set_pos = |order: &[Vec<usize>], pos: &mut Vec<f64>| {
        for col in order {
            for (k, &i) in col.iter().enumerate() {
                if let Some(p) = pos.get_mut(i) {
                    *p = k as f64;
                }
            }
        }
    };
    set_pos(&order, &mut pos);
    let mean = |of: &[usize], at: &dyn Fn(usize) -> Option<f64>| -> Option<f64> {
        let v: Vec<f64> = of.iter().filter_map(|&p| at(p)).collect();
        if v.is_empty() {
            None
        } else {
            Some(v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    let sweep = |col: &mut Vec<usize>, pos: &[f64], by: &[Vec<usize>]| {
        let at = |i: usize| pos.get(i).copied();
        let mut keyed: Vec<(f64, usize, usize)> = col
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let b = mean(by.get(i).map_or(&[][..], |v| v), &at).unwrap_or(k as f64);
                (b, k, i)
            })
            .collect();
        keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        *col = keyed.into_iter().map(|(_, _, i)| i).collect();
    };
    for pass in 0..3 {
        let down = pass % 2 == 0;
        let cols: Vec<usize> = if down {
            (1..columns).collect()
        } else {
            (0..columns.saturating_sub(1)).rev().collect()
        };
        for c in cols {
            if let Some(col) = order.get_mut(c) {
                sweep(col, &pos, if down { &parents } else { &children });
            }
            set_pos(&order, &mut pos);
        }
    }
    // Rows: each column in its order, each node at the row nearest the
    // mean row of its parents that lies below the previous node; then the
    // first column again, at the mean row of its children.
    let mut row: Vec<Option<usize>> = vec![None; n];
    let place = |col: &[usize], by: &[Vec<usize>], row: &mut Vec<Option<usize>>| {
        let mut next = 0usize;
        for &i in col {
            let at = |p: usize| row.get(p).copied().flatten().map(|r| r as f64);
            let want = mean(by.get(i).map_or(&[][..], |v| v), &at)
                .map_or(next, |b| b.round().max(0.0) as usize);
            let r = want.max(next);
            if let Some(slot) = row.get_mut(i) {
                *slot = Some(r);
            }
            next = r + 1;
        }
    };
    for col in &order {
        place(col, &parents, &mut row);
    }
    if let Some(first) = order.first() {
        place(first, &children, &mut row);
    }
    (0..n)
        .map(|i| {
            (
                layer.get(i).copied().unwrap_or(0),
                row.get(i).copied().flatten().unwrap_or(0),
            )
        })
        .collect()
}

/// Fill, stroke, corner radius and dash of a box.
fn style(b: &Box<'_>) -> (&'static str, &'static str, usize, &'static str) {
    match b.node.kind {
        Kind::Theme => ("#24292f", "#24292f", 2, ""),
        Kind::Business => ("#fff8c5", "#9a6700", 8, ""),
        Kind::Requirement => match b.node.category {
            Some(Category::Mvp) => ("#ddf4ff", "#0969da", 2, ""),
            Some(Category::SecSupport) => ("#dafbe1", "#1a7f37", 18, ""),
            Some(Category::Optional) => ("#f6f8fa", "#6e7781", 2, "5 3"),
            None => ("#ffffff", "#57606a", 2, "2 2"),
        },
        Kind::Sec => ("#fff1e5", "#bc4c00", 0, ""),
        Kind::Modification => ("#fbefff", "#8250df", 12, ""),
    }
}

fn edge_colour(k: EdgeKind) -> (&'static str, &'static str) {
    match k {
        EdgeKind::Theme => ("#8c959f", ""),
        EdgeKind::Satisfies => ("#57606a", ""),
        EdgeKind::Refines => ("#57606a", " stroke-dasharray=\"5 3\""),
        EdgeKind::Upholds => ("#1a7f37", ""),
        EdgeKind::Deviates => ("#cf222e", " stroke-width=\"2.5\""),
        EdgeKind::ReliesOn => ("#8250df", " stroke-dasharray=\"2 3\""),
        EdgeKind::Changes => ("#8250df", " stroke-dasharray=\"1 3\""),
    }
}

/// The second word of a box: the kind, or the category of an RTM entry.
fn kind_word(n: &Node) -> &'static str {
    match n.kind {
        Kind::Theme => "theme",
        Kind::Business => "business requirement",
        Kind::Requirement => n.category.map_or("RTM entry", Category::as_str),
        Kind::Sec => "SEC obligation",
        Kind::Modification => "modification",
    }
}

/// Draws one drawing as a standalone `<svg>` element.
fn draw(d: &Drawing<'_>, out: &mut String) {
    let at = layout(d.boxes.len(), &d.edges);
    let columns = at.iter().map(|(c, _)| c + 1).max().unwrap_or(1);
    let rows = at.iter().map(|(_, r)| r + 1).max().unwrap_or(1);
    let width = 2 * PAD + columns * W + (columns - 1) * HGAP;
    let height = 2 * PAD + CAPTION + rows * H + (rows - 1) * VGAP;
    let xy = |i: usize| {
        let (c, r) = at.get(i).copied().unwrap_or((0, 0));
        (PAD + c * (W + HGAP), PAD + CAPTION + r * (H + VGAP))
    };
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"rtm-diagram\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"11\">\n<title>{0}</title>\n<text x=\"{PAD}\" y=\"{1}\" font-size=\"14\" font-weight=\"700\" fill=\"#1b1f24\">{0}</text>\n",
        xml(&d.caption),
        PAD + 15,
    );
    // Edges first, so that boxes lie over them.
    out.push_str("<g fill=\"none\">\n");
    for &(a, b, k) in &d.edges {
        if a == b {
            continue;
        }
        let ((ax, ay), (bx, by)) = (xy(a), xy(b));
        let (x1, y1, x2, y2) = (ax + W, ay + H / 2, bx, by + H / 2);
        if x2 <= x1 {
            continue;
        }
        let mid = (x1 + x2) / 2;
        let (colour, extra) = edge_colour(k);
        let _ = writeln!(
            out,
            "<path d=\"M{x1} {y1}C{mid} {y1} {mid} {y2} {x2} {y2}\" stroke=\"{colour}\"{extra}/>"
        );
    }
    out.push_str("</g>\n");
    for (i, b) in d.boxes.iter().enumerate() {
        let (x, y) = xy(i);
        let n = b.node;
        let title = n.title().unwrap_or("");
        let (fill, stroke, rx, dash) = style(b);
        let text_colour = if n.kind == Kind::Theme {
            "#ffffff"
        } else {
            "#1b1f24"
        };
        let (stroke, stroke_width) = if b.deviates {
            ("#cf222e", 3)
        } else {
            (stroke, 1)
        };
        let faded = if n.is_active() {
            ""
        } else {
            " opacity=\"0.45\""
        };
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let mut tip = format!("{} {}", n.id, title);
        let _ = write!(tip, " ({}, {})", kind_word(n), n.status.as_str());
        if !b.note.is_empty() {
            let _ = write!(tip, "; {}", b.note);
        }
        let _ = write!(
            out,
            "<a href=\"#{}\"><svg x=\"{x}\" y=\"{y}\" width=\"{W}\" height=\"{H}\" overflow=\"hidden\"{faded}><title>{}</title><rect x=\"1.5\" y=\"1.5\" width=\"{}\" height=\"{}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"{dash}/>",
            anchor(&n.id),
            xml(&tip),
            W - 3,
            H - 3,
        );
        let _ = write!(
            out,
            "<text x=\"8\" y=\"16\" fill=\"{text_colour}\"><tspan font-weight=\"700\">{}</tspan><tspan dx=\"6\" font-size=\"9.5\">{}{}</tspan></text>",
            xml(&cut(&n.id, 24)),
            xml(kind_word(n)),
            if n.is_active() { "" } else { ", withdrawn" },
        );
        let _ = write!(
            out,
            "<text x=\"8\" y=\"31\" fill=\"{text_colour}\">{}</text>",
            xml(&cut(title, TITLE_CHARS)),
        );
        if !b.note.is_empty() {
            let colour = if b.deviates {
                "#cf222e"
            } else if n.kind == Kind::Theme {
                "#d0d7de"
            } else {
                "#57606a"
            };
            let _ = write!(
                out,
                "<text x=\"8\" y=\"46\" font-size=\"10\" fill=\"{colour}\">{}</text>",
                xml(&cut(&b.note, 40)),
            );
        }
        out.push_str("</svg></a>\n");
    }
    out.push_str("</svg>\n");
}

fn node<'v>(view: &'v View<'_>, i: usize) -> Option<&'v Node> {
    view.checked.model.nodes.get(i)
}

fn active(view: &View<'_>, i: usize) -> bool {
    node(view, i).is_some_and(Node::is_active)
}

/// "1 RTM entry", "3 RTM entries".
fn entries_phrase(n: usize) -> String {
    crate::escape::plural(n, "active RTM entry", "active RTM entries")
}

/// The SEC obligations an entry deviates from, by id; those withheld from
/// the document only counted.
fn deviation_note(view: &View<'_>, n: &Node) -> String {
    let targets = n
        .deviations()
        .iter()
        .filter_map(|d| d.sec.and_then(|s| n.links.get(s)))
        .map(|l| n.target(l));
    let (shown, hidden) = view.split_ids(targets);
    let mut parts: Vec<String> = shown.into_iter().map(str::to_owned).collect();
    if hidden > 0 {
        parts.push(crate::view::withheld_phrase(hidden));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("⚠ deviates from {}", parts.join(", "))
    }
}

/// The overview: themes and the business requirements under them, with
/// the number of active RTM entries satisfying each. `None` when the tree
/// has neither.
pub fn overview(view: &View<'_>) -> Option<String> {
    let g = &view.checked.graph;
    let mut d = Drawing::new("Overview: themes and business requirements".to_owned());
    let mut at: HashMap<usize, usize> = HashMap::new();
    for (i, n) in view
        .nodes()
        .filter(|(_, n)| matches!(n.kind, Kind::Theme | Kind::Business))
    {
        let note = match n.kind {
            Kind::Theme => crate::escape::plural(
                sources_of(g, i, EdgeKind::Theme).len(),
                "business requirement",
                "business requirements",
            ),
            _ => entries_phrase(
                sources_of(g, i, EdgeKind::Satisfies)
                    .into_iter()
                    .filter(|&s| active(view, s))
                    .count(),
            ),
        };
        at.insert(i, d.boxes.len());
        d.boxes.push(Box {
            node: n,
            note,
            deviates: false,
        });
    }
    if d.boxes.is_empty() {
        return None;
    }
    for b in view
        .nodes()
        .filter(|(_, n)| n.kind == Kind::Business)
        .map(|(b, _)| b)
    {
        for t in targets_of(g, b, EdgeKind::Theme) {
            if let (Some(&x), Some(&y)) = (at.get(&t), at.get(&b)) {
                d.edges.push((x, y, EdgeKind::Theme));
            }
        }
    }
    let mut out = String::new();
    draw(&d, &mut out);
    Some(out)
}

/// The drawing of one theme: its business requirements, the RTM entries
/// satisfying them, and the entries refining those, at any depth.
pub fn theme(view: &View<'_>, t: usize) -> Option<String> {
    let g = &view.checked.graph;
    let th = node(view, t).filter(|n| n.kind == Kind::Theme)?;
    let mut d = Drawing::new(format!("{} {}", th.id, cut(th.title().unwrap_or(""), 80)));
    let mut at: HashMap<usize, usize> = HashMap::new();
    // Boxes are added in tree order within each step, edges as found.
    let mut order: Vec<usize> = vec![t];
    let mut edges: Vec<(usize, usize, EdgeKind)> = Vec::new();
    let brs = sources_of(g, t, EdgeKind::Theme);
    order.extend(&brs);
    for &b in &brs {
        edges.push((t, b, EdgeKind::Theme));
    }
    let mut seen: HashSet<usize> = order.iter().copied().collect();
    let mut frontier: Vec<usize> = Vec::new();
    for &b in &brs {
        for e in sources_of(g, b, EdgeKind::Satisfies) {
            edges.push((b, e, EdgeKind::Satisfies));
            if seen.insert(e) {
                frontier.push(e);
            }
        }
    }
    while !frontier.is_empty() {
        frontier.sort_unstable();
        order.extend(&frontier);
        let mut next = Vec::new();
        for &e in &frontier {
            for c in sources_of(g, e, EdgeKind::Refines) {
                edges.push((e, c, EdgeKind::Refines));
                if seen.insert(c) {
                    next.push(c);
                }
            }
        }
        frontier = next;
    }
    for &i in &order {
        let Some(n) = node(view, i) else { continue };
        if at.contains_key(&i) {
            continue;
        }
        let note = match n.kind {
            Kind::Theme => {
                crate::escape::plural(brs.len(), "business requirement", "business requirements")
            }
            Kind::Business => entries_phrase(
                sources_of(g, i, EdgeKind::Satisfies)
                    .into_iter()
                    .filter(|&s| active(view, s))
                    .count(),
            ),
            _ => deviation_note(view, n),
        };
        at.insert(i, d.boxes.len());
        d.boxes.push(Box {
            node: n,
            deviates: n.kind == Kind::Requirement && !n.deviations().is_empty(),
            note,
        });
    }
    for (a, b, k) in edges {
        if let (Some(&x), Some(&y)) = (at.get(&a), at.get(&b)) {
            d.edges.push((x, y, k));
        }
    }
    d.edges.sort_by_key(|&(a, b, k)| (a, b, k as u8));
    d.edges.dedup();
    let mut out = String::new();
    draw(&d, &mut out);
    Some(out)
}

/// The deviation map: every RTM entry that declares a deviation, the SEC
/// obligations it deviates from, and the modifications the deviations
/// rely on, with their stage. `None` when no entry declares one.
pub fn deviation_map(view: &View<'_>) -> Option<String> {
    let g = &view.checked.graph;
    let mut entries: Vec<usize> = Vec::new();
    let mut secs: BTreeSet<usize> = BTreeSet::new();
    let mut mods: BTreeSet<usize> = BTreeSet::new();
    let mut pairs: Vec<(usize, usize, EdgeKind)> = Vec::new();
    for (i, n) in view
        .nodes()
        .filter(|(_, n)| n.kind == Kind::Requirement && !n.deviations().is_empty())
    {
        let mut any = false;
        for dev in n.deviations() {
            let find = |k: Option<usize>| {
                k.and_then(|k| n.links.get(k))
                    .and_then(|l| g.find(&view.checked.model, n.target(l)))
            };
            let sec = find(dev.sec);
            let m = find(dev.modification);
            if let Some(s) = sec {
                secs.insert(s);
                pairs.push((i, s, EdgeKind::Deviates));
                any = true;
                if let Some(m) = m {
                    mods.insert(m);
                    pairs.push((s, m, EdgeKind::ReliesOn));
                }
            } else if let Some(m) = m {
                mods.insert(m);
                pairs.push((i, m, EdgeKind::ReliesOn));
                any = true;
            }
        }
        if any {
            entries.push(i);
        }
    }
    if entries.is_empty() {
        return None;
    }
    let mut d = Drawing::new(
        "Deviation map: RTM entries, the SEC obligations they deviate from, the modifications they rely on"
            .to_owned(),
    );
    let mut at: HashMap<usize, usize> = HashMap::new();
    for i in entries.iter().chain(&secs).chain(&mods).copied() {
        let Some(n) = node(view, i) else { continue };
        if at.contains_key(&i) {
            continue;
        }
        let note = match n.kind {
            Kind::Modification => format!("stage: {}", n.stage.map_or("not stated", Stage::as_str)),
            Kind::Sec => crate::escape::plural(
                sources_of(g, i, EdgeKind::Deviates).len(),
                "entry deviates",
                "entries deviate",
            ),
            _ => deviation_note(view, n),
        };
        at.insert(i, d.boxes.len());
        d.boxes.push(Box {
            node: n,
            deviates: n.kind == Kind::Requirement,
            note,
        });
    }
    for (a, b, k) in pairs {
        if let (Some(&x), Some(&y)) = (at.get(&a), at.get(&b)) {
            d.edges.push((x, y, k));
        }
    }
    d.edges.sort_by_key(|&(a, b, k)| (a, b, k as u8));
    d.edges.dedup();
    let mut out = String::new();
    draw(&d, &mut out);
    Some(out)
}

/// Every drawing of a document, in order, each with a short name: the
/// overview, one per theme, and the deviation map.
pub fn all(view: &View<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(s) = overview(view) {
        out.push(("overview".to_owned(), s));
    }
    for (t, n) in view.nodes().filter(|(_, n)| n.kind == Kind::Theme) {
        if let Some(s) = theme(view, t) {
            out.push((n.id.to_string(), s));
        }
    }
    if let Some(s) = deviation_map(view) {
        out.push(("deviation map".to_owned(), s));
    }
    out
}

/// The drawings around one node (`rtm graph --root ID --format svg`):
/// what [`super::graph`] selects, with the same edges, in one drawing.
pub fn around(view: &View<'_>, keep: &BTreeSet<usize>, caption: &str) -> String {
    let g = &view.checked.graph;
    let mut d = Drawing::new(caption.to_owned());
    let mut at: HashMap<usize, usize> = HashMap::new();
    for &i in keep {
        let Some(n) = node(view, i) else { continue };
        at.insert(i, d.boxes.len());
        d.boxes.push(Box {
            node: n,
            deviates: n.kind == Kind::Requirement && !n.deviations().is_empty(),
            note: if n.kind == Kind::Modification {
                format!("stage: {}", n.stage.map_or("not stated", Stage::as_str))
            } else {
                deviation_note(view, n)
            },
        });
    }
    use petgraph::visit::EdgeRef;
    for e in g.graph.edge_references() {
        let (s, t, k) = (e.source().index(), e.target().index(), e.weight().kind());
        // Drawn from the general to the particular: a theme left of its
        // business requirements, an entry left of what it relies on.
        let (a, b) = match k {
            // A modification right of the obligation it changes.
            EdgeKind::Theme | EdgeKind::Satisfies | EdgeKind::Refines | EdgeKind::Changes => (t, s),
            EdgeKind::Upholds | EdgeKind::Deviates | EdgeKind::ReliesOn => (s, t),
        };
        if let (Some(&x), Some(&y)) = (at.get(&a), at.get(&b)) {
            d.edges.push((x, y, k));
        }
    }
    d.edges.sort_by_key(|&(a, b, k)| (a, b, k as u8));
    d.edges.dedup();
    let mut out = String::new();
    draw(&d, &mut out);
    out
}

/// Several drawings in one SVG file, one below the other, with a note
/// of the classification at the top.
pub fn stack(drawings: &[String], note: &str) -> String {
    let mut body = String::new();
    let mut y = 30usize;
    let mut width = 400usize;
    for s in drawings {
        let (w, h) = size(s);
        width = width.max(w);
        // A nested <svg> placed at its offset: the drawing's own root
        // element, with x and y added.
        let placed = s.replacen(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
            &format!("<svg x=\"0\" y=\"{y}\" "),
            1,
        );
        body.push_str(&placed);
        y += h + 20;
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{y}\" viewBox=\"0 0 {width} {y}\" font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\">\n<text x=\"{PAD}\" y=\"18\" font-size=\"12\" fill=\"#57606a\">{}</text>\n",
        xml(note)
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// Width and height of a drawing made by [`draw`].
fn size(svg: &str) -> (usize, usize) {
    let num = |key: &str| {
        svg.find(key)
            .and_then(|p| svg.get(p + key.len()..))
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (num(" width=\""), num(" height=\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_safe_and_distinct() {
        assert_eq!(anchor("RTM-0101"), "node-RTM-0101");
        assert_eq!(anchor("A.1"), "node-A.1");
        assert_eq!(anchor("a_b"), "node-a_5f_b");
        assert_eq!(anchor("a b\"<"), "node-a_20_b_22__3c_");
        assert_ne!(anchor("a_5f_b"), anchor("a_b"));
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(xml("\u{ffff}"), "\\u{ffff}");
        assert_eq!(
            xml("<a href=\"x\">&'\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\\u{1b}"
        );
    }

    #[test]
    fn a_cycle_does_not_stop_the_layout() {
        let e = [(0, 1, EdgeKind::Refines), (1, 0, EdgeKind::Refines)];
        let at = layout(2, &e);
        assert_eq!(at.len(), 2);
        assert!(at.iter().all(|(c, _)| *c < MAX_LAYERS));
    }
}
