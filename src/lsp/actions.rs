//! Code actions: the fixes some findings name, and `rtm fmt` for the file.
//! Each is a [`WorkspaceEdit`] for the editor to apply: the server never
//! writes a file.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Url, WorkspaceEdit,
};

use super::diagnostics::{Ranges, diagnostic};
use super::navigate::extent;
use super::state::{State, index};
use crate::Checked;
use crate::finding::Finding;
use crate::model::Node;
use crate::rules::Code;
use crate::source::Span;

/// The name a "did you mean" help suggests: `X` in "did you mean `X`?",
/// "did you mean \"X\"?" or "did you mean `[[X]]`?".
pub fn suggestion(help: &str) -> Option<&str> {
    let rest = help.split("did you mean ").nth(1)?;
    let quote = rest.chars().next().filter(|c| matches!(c, '`' | '"'))?;
    let inner = rest.get(1..)?;
    let end = inner.find(quote)?;
    let s = inner.get(..end)?;
    Some(
        s.strip_prefix("[[")
            .and_then(|s| s.strip_suffix("]]"))
            .unwrap_or(s),
    )
}

/// Where a finding's span lies, the quotes of a string left out.
fn unquoted(text: &str, span: Span) -> Span {
    match text.get(span.range()) {
        Some(w)
            if w.len() >= 2
                && (w.starts_with('"') && w.ends_with('"')
                    || w.starts_with('\'') && w.ends_with('\'')) =>
        {
            Span {
                file: span.file,
                start: span.start + 1,
                end: span.end - 1,
            }
        }
        _ => span,
    }
}

fn edit(uri: &Url, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit::new(HashMap::from([(uri.clone(), edits)]))
}

/// Every code action for the range of a file, in the order of the findings,
/// then the formatting of the whole file; `only` limits the kinds.
pub fn actions(
    state: &State,
    uri: &Url,
    range: Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let Some((file, source)) = state.file(uri) else {
        return Vec::new();
    };
    let Some(checked) = state.tree.as_ref().map(super::tree::Tree::checked) else {
        return Vec::new();
    };
    let wants = |kind: &CodeActionKind| {
        only.is_none_or(|o| {
            o.iter().any(|k| {
                kind.as_str() == k.as_str()
                    || kind.as_str().starts_with(&format!("{}.", k.as_str()))
            })
        })
    };
    let text = &source.text;
    let ix = index(source);
    let from = ix.offset(text, range.start, state.encoding);
    let to = ix.offset(text, range.end, state.encoding);
    let mut ranges = Ranges::new(checked, state.encoding);
    let mut out = Vec::new();
    if wants(&CodeActionKind::QUICKFIX) {
        for f in checked
            .findings
            .iter()
            .filter(|f| f.span.file == file && f.span.start <= to && from <= f.span.end)
        {
            if let Some((title, edits)) = fix(checked, text, f, &mut ranges) {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic(state, &mut ranges, checked, f)]),
                    edit: Some(edit(uri, edits)),
                    is_preferred: Some(true),
                    ..CodeAction::default()
                }));
            }
        }
    }
    let fmt_kind = CodeActionKind::new("source.format.rtm");
    if wants(&fmt_kind)
        && let Some(edits) = format(state, uri)
        && !edits.is_empty()
    {
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: "Lay out the file as `rtm fmt` does".to_owned(),
            kind: Some(fmt_kind),
            edit: Some(edit(uri, edits)),
            ..CodeAction::default()
        }));
    }
    out
}

/// The fix of one finding, when it has one: a title and the edits.
fn fix(
    checked: &Checked,
    text: &str,
    f: &Finding,
    ranges: &mut Ranges<'_>,
) -> Option<(String, Vec<TextEdit>)> {
    match f.code {
        Code::R004 | Code::R002 => {
            let name = suggestion(f.help.as_deref()?)?;
            let at = unquoted(text, f.span);
            Some((
                format!("Replace with `{name}`"),
                vec![TextEdit::new(ranges.range(at), name.to_owned())],
            ))
        }
        Code::R210 => {
            let node = node_of(checked, f)?;
            if node.user_impact().is_some() {
                return None;
            }
            // On the line after the node's `id`.
            let after_id = text
                .get(node.id_span().end..)?
                .find('\n')
                .map_or(text.len(), |i| node.id_span().end + i + 1);
            let line_start = text
                .get(..node.id_span().start)?
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line = text.get(line_start..node.id_span().start)?;
            if !line.trim_start().starts_with("id") {
                return None; // an inline table: no line of its own to add
            }
            let indent: String = line
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let nl = if after_id == text.len() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            let at = Span::new(f.span.file, after_id..after_id);
            Some((
                format!("Add `user_impact = \"\"` to {}", node.id),
                vec![TextEdit::new(
                    ranges.range(at),
                    format!("{nl}{indent}user_impact = \"\"\n"),
                )],
            ))
        }
        Code::R203 => {
            let node = node_of(checked, f)?;
            let sec = f.related.first()?.node.as_deref()?;
            let nodes: Vec<&Node> = checked
                .model
                .nodes
                .iter()
                .filter(|n| n.file() == node.file())
                .collect();
            let i = nodes.iter().position(|n| std::ptr::eq(*n, node))?;
            let whole = extent(text, node, nodes.get(i + 1).copied());
            let end = whole.end;
            if !text
                .get(..node.id_span().start)?
                .contains(&format!("[[{}]]", node.kind))
            {
                return None; // an inline table: no place for a sub-table
            }
            let at = Span::new(f.span.file, end..end);
            Some((
                format!("Declare a deviation of {} from {sec}", node.id),
                vec![TextEdit::new(
                    ranges.range(at),
                    format!(
                        "\n\n[[{}.deviations]]\nsec = \"{sec}\"\nsummary = \"\"\nrationale = \"\"\n# modification = \"\"",
                        node.kind
                    ),
                )],
            ))
        }
        _ => None,
    }
}

/// The node a finding is about, defined in the finding's file.
fn node_of<'c>(checked: &'c Checked, f: &Finding) -> Option<&'c Node> {
    let id = f.node.as_deref()?;
    checked
        .model
        .nodes
        .iter()
        .find(|n| n.id == id && n.file() == f.span.file)
}

/// `rtm fmt` of an open or saved file, as one edit of the whole text
/// (none when it is already laid out; `None` when it does not parse).
pub fn format(state: &State, uri: &Url) -> Option<Vec<TextEdit>> {
    let rel = state.rel(uri)?;
    if !crate::load::FileSet::is_node_path(&rel) {
        return None;
    }
    let text = match state.docs.get(uri) {
        Some(d) => d.text.clone(),
        None => state.file(uri)?.1.text.to_string(),
    };
    let formatted = crate::fmt::format_text(&text).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let ix = super::position::LineIndex::new(&text);
    let range = ix.range(&text, 0..text.len(), state.encoding);
    Some(vec![TextEdit::new(range, formatted)])
}
