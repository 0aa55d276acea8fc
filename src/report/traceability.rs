//! `rtm report`: the traceability report. Coverage figures, the matrix from
//! themes down to RTM entries with the `refines` hierarchy, a Mermaid
//! diagram, the errors and warnings, and each node's text.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::md::{Table, cell, count, esc, ratio};
use super::{DocOptions, Facts, header, id_list, node_texts, place, sources_of, variants_cell};
use crate::graph::EdgeKind;
use crate::model::{Category, Kind, LinkField, Node};
use crate::rules::Level;
use crate::view::{View, withheld_phrase};

/// Writes the traceability report as Markdown.
pub fn write(view: &View<'_>, opts: &DocOptions) -> String {
    let facts = Facts::new(view);
    let mut out = String::new();
    header(&mut out, "Traceability report", view, opts);
    coverage(&mut out, view, &facts);
    diagram(&mut out, view);
    matrix(&mut out, view, &facts);
    findings(&mut out, view);
    node_texts(
        &mut out,
        view,
        &[Kind::Theme, Kind::Business, Kind::Requirement, Kind::Sec],
    );
    out
}

fn active_visible<'a>(view: &'a View<'a>, kind: Kind) -> Vec<(usize, &'a Node)> {
    view.nodes()
        .filter(|(_, n)| n.kind == kind && n.is_active())
        .collect()
}

fn coverage(out: &mut String, view: &View<'_>, facts: &Facts) {
    let g = &view.checked.graph;
    let model = &view.checked.model;
    let active = |i: usize| model.nodes.get(i).is_some_and(Node::is_active);
    out.push_str("## Coverage\n\n");
    let mut t = Table::new(&["Measure", "Covered"]);

    let themes = active_visible(view, Kind::Theme);
    let with_br = themes
        .iter()
        .filter(|(i, _)| sources_of(g, *i, EdgeKind::Theme).into_iter().any(active))
        .count();
    t.row(vec![
        "Themes with business requirements".into(),
        ratio(with_br, themes.len()),
    ]);

    let brs = active_visible(view, Kind::Business);
    let traced = brs
        .iter()
        .filter(|(i, _)| facts.business_reached(*i))
        .count();
    t.row(vec![
        "Business requirements traced to active RTM entries".into(),
        ratio(traced, brs.len()),
    ]);
    let variants = &view.checked.config.project.variants;
    for (k, v) in variants.iter().enumerate() {
        let wanting: Vec<&(usize, &Node)> = brs.iter().filter(|(_, n)| n.has_variant(v)).collect();
        let covered = wanting.iter().filter(|(i, _)| facts.covers(*i, k)).count();
        t.row(vec![
            format!("… for variant {}", esc(v)),
            ratio(covered, wanting.len()),
        ]);
    }

    let entries = active_visible(view, Kind::Requirement);
    let up = entries
        .iter()
        .filter(|(i, _)| facts.entry_reaches(*i))
        .count();
    t.row(vec![
        "RTM entries traced to a business requirement".into(),
        ratio(up, entries.len()),
    ]);

    let secs = active_visible(view, Kind::Sec);
    let has = |i: usize, kind| sources_of(g, i, kind).into_iter().any(active);
    let upheld = secs
        .iter()
        .filter(|(i, _)| has(*i, EdgeKind::Upholds))
        .count();
    let deviated = secs
        .iter()
        .filter(|(i, _)| has(*i, EdgeKind::Deviates))
        .count();
    let none = secs
        .iter()
        .filter(|(i, _)| !has(*i, EdgeKind::Upholds) && !has(*i, EdgeKind::Deviates))
        .count();
    t.row(vec![
        "SEC obligations upheld".into(),
        ratio(upheld, secs.len()),
    ]);
    t.row(vec![
        "SEC obligations deviated from".into(),
        ratio(deviated, secs.len()),
    ]);
    t.row(vec![
        "SEC obligations not addressed".into(),
        ratio(none, secs.len()),
    ]);
    t.write(out);
}

use crate::escape::mermaid as mermaid_label;

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn diagram(out: &mut String, view: &View<'_>) {
    let g = &view.checked.graph;
    let themes = active_visible(view, Kind::Theme);
    let brs = active_visible(view, Kind::Business);
    if themes.is_empty() && brs.is_empty() {
        return;
    }
    out.push_str("## Diagram\n\nThemes and the business requirements under them, with the number of active RTM entries that satisfy each.\n\n```mermaid\nflowchart LR\n");
    for (i, n) in themes.iter().chain(brs.iter()) {
        let mut text = format!("{} {}", n.id, short(n.title().unwrap_or(""), 48));
        if n.kind == Kind::Business {
            let rtm = sources_of(g, *i, EdgeKind::Satisfies)
                .into_iter()
                .filter(|&s| {
                    view.shows(s) && view.checked.model.nodes.get(s).is_some_and(Node::is_active)
                })
                .count();
            text.push_str(&format!(" ({})", count(rtm, "RTM entry", "RTM entries")));
        }
        let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_label(&text));
    }
    let drawn: HashSet<usize> = themes.iter().map(|(t, _)| *t).collect();
    for (b, _) in &brs {
        for t in super::targets_of(g, *b, EdgeKind::Theme) {
            if drawn.contains(&t) {
                let _ = writeln!(out, "  n{t} --> n{b}");
            }
        }
    }
    out.push_str("```\n\n");
}

/// How deep the `refines` hierarchy is drawn by indentation; deeper rows
/// say their depth instead, so a long chain cannot make the report grow
/// with the square of its length.
const MAX_INDENT: usize = 16;

fn entry_row(view: &View<'_>, n: &Node, depth: usize) -> Vec<String> {
    let indent = match depth {
        0 => String::new(),
        d if d <= MAX_INDENT => format!("{}↳ ", "\u{2003}".repeat(d - 1)),
        d => format!("{}↳ (level {d}) ", "\u{2003}".repeat(MAX_INDENT - 1)),
    };
    let devs = id_list(
        view,
        n.links
            .iter()
            .filter(|l| matches!(l.field, LinkField::DeviationSec))
            .map(|l| n.target(l)),
    );
    vec![
        format!("{indent}{}", esc(&n.id)),
        cell(n.title().unwrap_or("")),
        n.category.map_or("—", Category::as_str).to_owned(),
        n.status.as_str().to_owned(),
        variants_cell(n),
        id_list(view, n.targets_in(LinkField::Sec)),
        devs,
    ]
}

/// Adds an entry and, below it, every entry refining it (depth first,
/// without recursion, each entry once).
fn entry_tree(view: &View<'_>, t: &mut Table, root: usize, seen: &mut HashSet<usize>) {
    let mut stack = vec![(root, 0usize)];
    while let Some((i, depth)) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        let Some(n) = view.checked.model.nodes.get(i) else {
            continue;
        };
        t.row(entry_row(view, n, depth));
        let children = sources_of(&view.checked.graph, i, EdgeKind::Refines);
        for c in children.into_iter().rev().filter(|&c| view.shows(c)) {
            stack.push((c, depth + 1));
        }
    }
}

const ENTRY_COLUMNS: &[&str] = &[
    "RTM entry",
    "Title",
    "Category",
    "Status",
    "Variants",
    "SEC upheld",
    "Deviates from",
];

fn matrix(out: &mut String, view: &View<'_>, facts: &Facts) {
    let g = &view.checked.graph;
    let model = &view.checked.model;
    out.push_str("## Traceability matrix\n\n");
    let mut shown_brs = HashSet::new();
    for (ti, theme) in view.nodes().filter(|(_, n)| n.kind == Kind::Theme) {
        let _ = writeln!(
            out,
            "### {} {}{}\n",
            esc(&theme.id),
            esc(theme.title().unwrap_or("")),
            if theme.is_active() {
                ""
            } else {
                " (withdrawn)"
            }
        );
        let brs: Vec<usize> = sources_of(g, ti, EdgeKind::Theme);
        let hidden = brs.iter().filter(|&&b| !view.shows(b)).count();
        if brs.len() == hidden {
            out.push_str("No business requirement names this theme.\n\n");
        }
        for b in brs.into_iter().filter(|&b| view.shows(b)) {
            shown_brs.insert(b);
            business(out, view, facts, b);
        }
        if hidden > 0 {
            let _ = writeln!(out, "{}.\n", withheld_phrase(hidden));
        }
    }
    // Business requirements under no visible theme.
    let rest: Vec<usize> = view
        .nodes()
        .filter(|(i, n)| n.kind == Kind::Business && !shown_brs.contains(i))
        .map(|(i, _)| i)
        .collect();
    if !rest.is_empty() {
        out.push_str("### Business requirements under no theme\n\n");
        for b in rest {
            business(out, view, facts, b);
        }
    }
    // Entries that reach no business requirement.
    let orphans: Vec<usize> = view
        .nodes()
        .filter(|(i, n)| n.kind == Kind::Requirement && n.is_active() && !facts.entry_reaches(*i))
        .map(|(i, _)| i)
        .collect();
    if !orphans.is_empty() {
        out.push_str("### RTM entries traced to no business requirement\n\n");
        let mut t = Table::new(ENTRY_COLUMNS);
        for i in orphans {
            if let Some(n) = model.nodes.get(i) {
                t.row(entry_row(view, n, 0));
            }
        }
        t.write(out);
    }
}

fn business(out: &mut String, view: &View<'_>, facts: &Facts, b: usize) {
    let model = &view.checked.model;
    let Some(br) = model.nodes.get(b) else { return };
    let status = if br.is_active() {
        if facts.business_reached(b) {
            String::new()
        } else {
            " — **not traced**".to_owned()
        }
    } else {
        " (withdrawn)".to_owned()
    };
    let _ = writeln!(
        out,
        "#### {} {}{status}\n",
        esc(&br.id),
        esc(br.title().unwrap_or(""))
    );
    if let Some(v) = br.variants() {
        let _ = writeln!(out, "Variants: {}\n", cell(&v.join(", ")));
    }
    let direct = sources_of(&view.checked.graph, b, EdgeKind::Satisfies);
    let hidden = direct.iter().filter(|&&e| !view.shows(e)).count();
    let mut t = Table::new(ENTRY_COLUMNS);
    let mut seen = HashSet::new();
    for e in direct.into_iter().filter(|&e| view.shows(e)) {
        entry_tree(view, &mut t, e, &mut seen);
    }
    if t.is_empty() {
        out.push_str("No RTM entry satisfies it.\n\n");
    } else {
        t.write(out);
    }
    if hidden > 0 {
        let _ = writeln!(out, "{}.\n", withheld_phrase(hidden));
    }
}

fn findings(out: &mut String, view: &View<'_>) {
    let shown: Vec<_> = view
        .findings
        .iter()
        .filter(|f| matches!(f.level, Level::Error | Level::Warning))
        .collect();
    out.push_str("## Errors and warnings\n\n");
    if shown.is_empty() {
        out.push_str("None.\n\n");
        return;
    }
    let mut t = Table::new(&["Level", "Rule", "Node", "Where", "Finding"]);
    for f in shown {
        let rule = f.code.rule();
        t.row(vec![
            f.level.to_string(),
            format!("{} {}", rule.code, rule.name),
            f.node.as_deref().map_or("—".to_owned(), esc),
            cell(&place(view, f)),
            cell(&f.message),
        ]);
    }
    t.write(out);
}
