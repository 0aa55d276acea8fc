//! Go to definition, find references, hover, rename, and symbols.

use std::collections::HashMap;

use lsp_types::{
    DocumentSymbol, Hover, HoverContents, Location, MarkupContent, MarkupKind, Position,
    PrepareRenameResponse, SymbolInformation, SymbolKind, TextEdit, Url, WorkspaceEdit,
};

use super::diagnostics::Ranges;
use super::ids::{self, Occurrence, Role};
use super::state::State;
use crate::Checked;
use crate::model::{Kind, Node};
use crate::source::Span;

/// The error of a request that cannot be answered as asked.
pub type Refusal = String;

/// The checked tree, the file `uri` names in it and the byte offset of a
/// position in that file.
fn locate<'s>(
    state: &'s State,
    uri: &Url,
    pos: Position,
) -> Option<(&'s Checked, crate::source::FileId, usize)> {
    let (file, source) = state.file(uri)?;
    let checked = state.tree.as_ref()?.checked();
    let offset = super::state::index(source).offset(&source.text, pos, state.encoding);
    Some((checked, file, offset))
}

/// The id under the cursor.
pub fn id_at<'s>(state: &'s State, uri: &Url, pos: Position) -> Option<(&'s Checked, Occurrence)> {
    let (checked, file, offset) = locate(state, uri, pos)?;
    Some((checked, ids::at(checked, file, offset)?))
}

fn location(
    state: &State,
    ranges: &mut Ranges<'_>,
    checked: &Checked,
    span: Span,
) -> Option<Location> {
    let uri = state.uri(checked.model.sources.path(span.file))?;
    Some(Location::new(uri, ranges.range(span)))
}

/// Every place the id is defined (several when it is a duplicate, R003).
pub fn definition(state: &State, uri: &Url, pos: Position) -> Vec<Location> {
    let Some((checked, occ)) = id_at(state, uri, pos) else {
        return Vec::new();
    };
    let mut ranges = Ranges::new(checked, state.encoding);
    ids::all(checked)
        .filter(|o| o.role == Role::Definition && o.id == occ.id)
        .filter_map(|o| location(state, &mut ranges, checked, o.span))
        .collect()
}

/// Every place that names the id, its definitions too when asked.
pub fn references(state: &State, uri: &Url, pos: Position, declaration: bool) -> Vec<Location> {
    let Some((checked, occ)) = id_at(state, uri, pos) else {
        return Vec::new();
    };
    let mut ranges = Ranges::new(checked, state.encoding);
    ids::all(checked)
        .filter(|o| o.id == occ.id && (declaration || o.role == Role::Reference))
        .filter_map(|o| location(state, &mut ranges, checked, o.span))
        .collect()
}

/// The node an id names, in words (Markdown).
pub fn describe(checked: &Checked, node: &Node) -> String {
    let mut s = format!("**{}** ({})", node.id, kind_name(node.kind));
    if let Some(t) = node.title() {
        s.push_str(&format!(" — {t}"));
    }
    s.push_str("\n\n");
    let mut facts = Vec::new();
    match node.kind {
        Kind::Modification => {
            if let Some(stage) = node.stage {
                facts.push(format!("stage: {stage}"));
            }
        }
        _ => facts.push(format!("status: {}", node.status)),
    }
    if let Some(c) = node.category {
        facts.push(format!("category: {c}"));
    }
    let level = node.level(checked.config.classification());
    facts.push(format!(
        "classification: {}",
        checked.config.labels.name(level)
    ));
    if let Some(o) = node.owner() {
        facts.push(format!("owner: {o}"));
    }
    if let Some(src) = node.source() {
        facts.push(format!("source: {src}"));
    }
    if let Some(u) = node.user_impact() {
        facts.push(format!("user impact: {}", u.value));
    }
    s.push_str(&facts.join(" · "));
    if !node.limits().is_empty() {
        s.push_str("\n\nLimits:");
        for l in node.limits() {
            s.push_str(&format!("\n- `{}`: {}", l.param, l.describe()));
        }
    }
    if !node.values.is_empty() {
        s.push_str("\n\nValues:");
        for v in &node.values {
            s.push_str(&format!("\n- `{}` = {}", node.param(v), v.value));
        }
    }
    if !node.deviations().is_empty() {
        s.push_str("\n\nDeviations:");
        for d in node.deviations() {
            let sec = node.link_target(d.sec).unwrap_or("?");
            let summary = d.summary.as_ref().map_or("", |x| x.value.as_str());
            s.push_str(&format!("\n- from {sec}: {summary}"));
            if let Some(m) = node.link(d.modification) {
                s.push_str(&format!(" (relies on {})", node.target(m)));
            }
        }
    }
    let text = node.text().trim();
    if !text.is_empty() {
        s.push_str("\n\n---\n\n");
        s.push_str(text);
    }
    s
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "theme",
        Kind::Business => "business requirement",
        Kind::Requirement => "RTM entry",
        Kind::Sec => "SEC obligation",
        Kind::Modification => "SEC modification",
    }
}

/// What the id under the cursor names.
pub fn hover(state: &State, uri: &Url, pos: Position) -> Option<Hover> {
    let (checked, occ) = id_at(state, uri, pos)?;
    let mut ranges = Ranges::new(checked, state.encoding);
    let value = match checked
        .graph
        .find(&checked.model, &occ.id)
        .and_then(|i| checked.model.nodes.get(i))
    {
        Some(node) => describe(checked, node),
        None => format!("**{}**: no node has this id", occ.id),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(ranges.range(occ.span)),
    })
}

/// The range of the id to rename, or nothing when the cursor is on none.
pub fn prepare_rename(state: &State, uri: &Url, pos: Position) -> Option<PrepareRenameResponse> {
    let (checked, occ) = id_at(state, uri, pos)?;
    let mut ranges = Ranges::new(checked, state.encoding);
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: ranges.range(occ.span),
        placeholder: occ.id,
    })
}

/// Renames the id under the cursor everywhere it is written: its
/// definition, every link, decision and review stamp that names it.
pub fn rename(
    state: &State,
    uri: &Url,
    pos: Position,
    new: &str,
) -> Result<WorkspaceEdit, Refusal> {
    let (checked, occ) = id_at(state, uri, pos).ok_or("there is no id here to rename")?;
    if !ids::is_id(new) {
        return Err(format!(
            "`{new}` is not an id: an id starts with a letter and holds only letters, digits, `.`, `_` and `-`"
        ));
    }
    if new != occ.id && checked.graph.find(&checked.model, new).is_some() {
        return Err(format!("`{new}` is already the id of another node"));
    }
    let mut ranges = Ranges::new(checked, state.encoding);
    let mut changes: HashMap<Url, Vec<TextEdit>> = HashMap::new();
    for o in ids::all(checked).filter(|o| o.id == occ.id) {
        if let Some(loc) = location(state, &mut ranges, checked, o.span) {
            changes
                .entry(loc.uri)
                .or_default()
                .push(TextEdit::new(loc.range, new.to_owned()));
        }
    }
    Ok(WorkspaceEdit::new(changes))
}

fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Theme => SymbolKind::NAMESPACE,
        Kind::Business => SymbolKind::INTERFACE,
        Kind::Requirement => SymbolKind::CLASS,
        Kind::Sec => SymbolKind::CONSTANT,
        Kind::Modification => SymbolKind::EVENT,
    }
}

/// The byte range of a node's table: from its `[[kind]]` header (or its
/// `id` line) to the next node's header, trailing blank lines left out.
pub fn extent(text: &str, node: &Node, next: Option<&Node>) -> std::ops::Range<usize> {
    let before = text.get(..node.id_span().start).unwrap_or("");
    let line = before.rfind('\n').map_or(0, |i| i + 1);
    let start = before
        .rfind("\n[[")
        .map(|i| i + 1)
        .or_else(|| before.starts_with("[[").then_some(0))
        .unwrap_or(line);
    let end = match next {
        Some(n) => {
            let b = text.get(..n.id_span().start).unwrap_or("");
            b.rfind("\n[[").map_or(n.id_span().start, |i| i + 1)
        }
        None => text.len(),
    };
    let end = end.max(node.id_span().end);
    let trimmed = text.get(start..end).map_or(0, |s| s.trim_end().len());
    start..(start + trimmed).max(node.id_span().end)
}

/// The nodes of a file, in file order.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be set.
pub fn document_symbols(state: &State, uri: &Url) -> Vec<DocumentSymbol> {
    let Some((file, source)) = state.file(uri) else {
        return Vec::new();
    };
    let Some(checked) = state.tree.as_ref().map(super::tree::Tree::checked) else {
        return Vec::new();
    };
    let mut ranges = Ranges::new(checked, state.encoding);
    let nodes: Vec<&Node> = checked
        .model
        .nodes
        .iter()
        .filter(|n| n.file() == file)
        .collect();
    nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let next = nodes.get(i + 1).copied();
            let whole = extent(&source.text, n, next);
            let selection = ranges.range(n.id_span());
            DocumentSymbol {
                name: n.id.to_string(),
                detail: n.title().map(String::from),
                kind: symbol_kind(n.kind),
                tags: None,
                deprecated: None,
                range: ranges.range(Span::new(file, whole)),
                selection_range: selection,
                children: None,
            }
        })
        .collect()
}

/// The most workspace symbols one query returns.
const MAX_SYMBOLS: usize = 500;

/// Nodes whose id or title holds the query (any case), ids first matched
/// by their start.
#[allow(deprecated)] // `SymbolInformation::deprecated` must still be set.
pub fn workspace_symbols(state: &State, query: &str) -> Vec<SymbolInformation> {
    let Some(checked) = state.tree.as_ref().map(super::tree::Tree::checked) else {
        return Vec::new();
    };
    let q = query.to_lowercase();
    let mut hits: Vec<(u8, &Node)> = checked
        .model
        .nodes
        .iter()
        .filter_map(|n| {
            let id = n.id.to_lowercase();
            let rank = if id.starts_with(&q) {
                0
            } else if id.contains(&q) {
                1
            } else if n.title().is_some_and(|t| t.to_lowercase().contains(&q)) {
                2
            } else {
                return None;
            };
            Some((rank, n))
        })
        .collect();
    hits.sort_by(|a, b| (a.0, &a.1.id).cmp(&(b.0, &b.1.id)));
    let mut ranges = Ranges::new(checked, state.encoding);
    hits.into_iter()
        .take(MAX_SYMBOLS)
        .filter_map(|(_, n)| {
            Some(SymbolInformation {
                name: n.id.to_string(),
                kind: symbol_kind(n.kind),
                tags: None,
                deprecated: None,
                location: location(state, &mut ranges, checked, n.id_span())?,
                container_name: n.title().map(String::from),
            })
        })
        .collect()
}
