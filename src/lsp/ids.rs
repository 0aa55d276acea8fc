//! Where ids are written: a node's `id`, every link (`themes`, `satisfies`,
//! `refines`, `sec`, a deviation's `sec` and `modification`, a change's
//! `sec`), a decision's `about = "deviation:ID"`, and the ids of a review
//! stamp's `links`. Each occurrence's span covers the id alone (no quotes).

use crate::Checked;
use crate::model::{About, Node};
use crate::source::{FileId, Span};

/// What an occurrence of an id is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The node's own `id`.
    Definition,
    /// A link to the id, or a decision or review stamp naming it.
    Reference,
}

/// One id written somewhere.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub id: String,
    pub span: Span,
    pub role: Role,
}

/// The text of a span's file.
fn text(checked: &Checked, file: FileId) -> &str {
    checked.model.sources.file(file).text.as_str()
}

/// The span of `id` inside a written value: the value itself when it is
/// bare, or what is between its quotes; `None` when the value is written
/// otherwise (escapes), so that no edit lands on the wrong bytes.
fn inner(checked: &Checked, span: Span, id: &str, skip: usize) -> Option<Span> {
    let written = text(checked, span.file).get(span.range())?;
    let quoted = written.len() >= 2
        && (written.starts_with('"') && written.ends_with('"')
            || written.starts_with('\'') && written.ends_with('\''));
    let start = span.start + usize::from(quoted) + skip;
    let end = start + id.len();
    (text(checked, span.file).get(start..end) == Some(id)).then_some(Span {
        file: span.file,
        start,
        end,
    })
}

/// The key written before a value's span (`KEY = "…"` or `"KEY" = "…"`),
/// when it is `id`.
fn key_before(checked: &Checked, value: Span, id: &str) -> Option<Span> {
    let before = text(checked, value.file).get(..value.start)?;
    let before = before.trim_end().strip_suffix('=')?.trim_end();
    let before = before.strip_suffix(['"', '\'']).unwrap_or(before);
    let start = before.strip_suffix(id)?.len();
    Some(Span {
        file: value.file,
        start,
        end: start + id.len(),
    })
}

/// Every id written in a node.
pub fn of_node(checked: &Checked, node: &Node) -> Vec<Occurrence> {
    let mut out = Vec::new();
    if let Some(span) = inner(checked, node.id_span(), &node.id, 0) {
        out.push(Occurrence {
            id: node.id.to_string(),
            span,
            role: Role::Definition,
        });
    }
    for link in &node.links {
        if let Some(span) = inner(checked, node.link_span(link), node.target(link), 0) {
            out.push(Occurrence {
                id: node.target(link).to_string(),
                span,
                role: Role::Reference,
            });
        }
    }
    for d in node.decisions() {
        if let Some(about) = &d.about
            && let About::Deviation(id) = &about.value
            && let Some(span) = inner(checked, about.span, id, "deviation:".len())
        {
            out.push(Occurrence {
                id: id.clone(),
                span,
                role: Role::Reference,
            });
        }
    }
    if let Some(r) = node.reviewed() {
        for (id, _, fp) in &r.links {
            if let Some(span) = key_before(checked, *fp, id) {
                out.push(Occurrence {
                    id: id.clone(),
                    span,
                    role: Role::Reference,
                });
            }
        }
    }
    out
}

/// Every id written in the tree.
pub fn all(checked: &Checked) -> impl Iterator<Item = Occurrence> + '_ {
    checked.model.nodes.iter().flat_map(|n| of_node(checked, n))
}

/// The id written at a byte offset of a file (its end included, so that
/// a cursor just after an id finds it).
pub fn at(checked: &Checked, file: FileId, offset: usize) -> Option<Occurrence> {
    checked
        .model
        .nodes
        .iter()
        .filter(|n| n.file() == file)
        .flat_map(|n| of_node(checked, n))
        .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
}

/// Whether a string is an id as FORMAT §2 has it by default.
pub fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
