//! `rtm decide` (FORMAT §15): records a decision of the OPSG on the RTM
//! entry it is about, with its fingerprint, keeping every other byte of the
//! file (as `rtm stamp` does) and writing it atomically.
//!
//! The decision is appended after the entry's other decisions, in the form
//! they already have: when the entry is a `[[requirement]]` table, a new
//! `[[requirement.decisions]]` table (right after the entry's last table,
//! so after its deviations, waivers and earlier decisions), or one more
//! inline table when the entry writes `decisions = [ … ]` inline; when the
//! entry itself is an inline table, an inline `decisions = [{ … }]`.

use std::path::Path;

use toml_edit::{ArrayOfTables, InlineTable, Item, Table, Value};

use crate::graph::Graph;
use crate::load::LoadError;
use crate::model::{About, Kind, Outcome};
use crate::rules::decisions::names_something;
use crate::stamp::{FileEdit, NodeTable, decision_fingerprint, edit_text, node_table};

/// Why `rtm decide` wrote nothing (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("`--by` must name who decided; nothing was written")]
    NoDecider,
    #[error(
        "`--about {0}` is not an item: expected deviation:<SEC id>, category or user-impact; nothing was written"
    )]
    BadAbout(String),
    #[error(
        "`--outcome {0}` is not an outcome: expected accepted, rejected or noted; nothing was written"
    )]
    BadOutcome(String),
    #[error("no node has the id `{0}`; nothing was written")]
    UnknownId(String),
    #[error(
        "{0} is a {1}, not an RTM entry: decisions are recorded on RTM entries; nothing was written"
    )]
    NotAnEntry(String, Kind),
    #[error("`{0}` is defined more than once; remove the repeat first; nothing was written")]
    Duplicate(String),
    #[error("{0}; nothing was written")]
    AboutNothing(String),
    #[error("{0}: {1}; nothing was written")]
    File(String, String),
    #[error("{0}: cannot write it: {1}; nothing was written")]
    Write(String, std::io::Error),
}

/// One decision to record.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub id: &'a str,
    pub about: &'a str,
    pub outcome: &'a str,
    pub by: &'a str,
    /// `YYYY-MM-DD`.
    pub on: &'a str,
    pub note: Option<&'a str>,
}

/// The decision as written, with its fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub id: String,
    pub about: About,
    pub outcome: Outcome,
    pub fingerprint: String,
}

/// Works out the decision and the new content of the entry's file,
/// writing nothing.
pub fn plan(root: &Path, req: &Request<'_>) -> Result<(FileEdit, Recorded), DecideError> {
    if req.by.trim().is_empty() {
        return Err(DecideError::NoDecider);
    }
    let about = About::parse(req.about).ok_or_else(|| DecideError::BadAbout(req.about.into()))?;
    let outcome =
        Outcome::parse(req.outcome).ok_or_else(|| DecideError::BadOutcome(req.outcome.into()))?;
    let on: toml_edit::Datetime = req
        .on
        .parse()
        .map_err(|_| DecideError::File(String::new(), format!("`{}` is not a date", req.on)))?;
    let loaded = crate::load::load(root)?;
    // A decision's fingerprint covers the obligation too, which may be in
    // a file that cannot be read: recorded now, it would be stale (R112)
    // once the file is mended.
    if let Some((file, why)) = loaded.unreadable() {
        return Err(DecideError::File(
            file.to_owned(),
            format!("cannot be read ({why}); fix it first"),
        ));
    }
    let model = &loaded.model;
    let graph = Graph::build(model);
    let i = graph
        .find(model, req.id)
        .ok_or_else(|| DecideError::UnknownId(req.id.into()))?;
    if graph.duplicates.iter().any(|(_, first)| *first == i) {
        return Err(DecideError::Duplicate(req.id.into()));
    }
    let entry = model
        .nodes
        .get(i)
        .ok_or_else(|| DecideError::UnknownId(req.id.into()))?;
    if entry.kind != Kind::Requirement {
        return Err(DecideError::NotAnEntry(entry.id.to_string(), entry.kind));
    }
    if !names_something(entry, &about) {
        return Err(DecideError::AboutNothing(match &about {
            About::Deviation(sec) => format!("{} declares no deviation from {sec}", entry.id),
            _ => format!("{} states no `user_impact`", entry.id),
        }));
    }
    let fingerprint = decision_fingerprint(model, &graph, entry, &about);
    let rel = model.sources.path(entry.file()).to_owned();
    let path = root.join(&rel);
    let fail = |why: String| DecideError::File(rel.clone(), why);
    let bytes = std::fs::read(&path).map_err(|e| fail(format!("cannot read it: {e}")))?;
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        Some(rest) => (true, rest),
        None => (false, bytes.as_slice()),
    };
    let text = std::str::from_utf8(body).map_err(|_| fail("it is not UTF-8".into()))?;
    if model.sources.file(entry.file()).text.as_str() != text {
        return Err(fail("it changed while rtm was reading the tree".into()));
    }
    let mut fields: Vec<(&str, Value)> = vec![
        ("about", Value::from(about.to_string())),
        ("outcome", Value::from(outcome.as_str())),
        ("by", Value::from(req.by)),
        ("on", Value::from(on)),
    ];
    if let Some(note) = req.note {
        fields.push(("note", Value::from(note)));
    }
    fields.push(("fingerprint", Value::from(fingerprint.as_str())));
    let new = edit_text(text, 1, |_, doc| {
        let table = node_table(doc, Kind::Requirement, req.id)
            .ok_or_else(|| format!("cannot find the table of requirement {}", req.id))?;
        put_decision(table, &fields)
    })
    .map_err(fail)?;
    let mut out = Vec::with_capacity(new.len() + 3);
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(new.as_bytes());
    Ok((
        FileEdit {
            path,
            rel,
            ids: vec![entry.id.to_string()],
            bytes: out,
        },
        Recorded {
            id: entry.id.to_string(),
            about,
            outcome,
            fingerprint,
        },
    ))
}

fn inline(fields: &[(&str, Value)]) -> InlineTable {
    let mut t = InlineTable::new();
    for (k, v) in fields {
        t.insert(*k, v.clone());
    }
    t
}

/// Appends one decision to an entry's table (see the module documentation).
fn put_decision(table: NodeTable<'_>, fields: &[(&str, Value)]) -> Result<(), String> {
    match table {
        NodeTable::Table(t) => match t.get_mut("decisions") {
            Some(Item::ArrayOfTables(a)) => {
                let mut new = Table::new();
                for (k, v) in fields {
                    new.insert(k, Item::Value(v.clone()));
                }
                a.push(new);
                Ok(())
            }
            Some(Item::Value(Value::Array(a))) => {
                a.push(Value::InlineTable(inline(fields)));
                Ok(())
            }
            Some(_) => Err("its `decisions` is neither an array of tables nor an array".into()),
            None => {
                let mut new = Table::new();
                for (k, v) in fields {
                    new.insert(k, Item::Value(v.clone()));
                }
                let mut a = ArrayOfTables::new();
                a.push(new);
                t.insert("decisions", Item::ArrayOfTables(a));
                Ok(())
            }
        },
        NodeTable::Inline(t) => match t.get_mut("decisions") {
            Some(Value::Array(a)) => {
                a.push(Value::InlineTable(inline(fields)));
                Ok(())
            }
            Some(_) => Err("its `decisions` is not an array".into()),
            None => {
                let mut value = Value::Array(toml_edit::Array::from_iter([Value::InlineTable(
                    inline(fields),
                )]));
                // `{ id = "X" , decisions = … }` would keep the space that
                // ended the last value: move it after the decisions instead.
                if let Some((_, last)) = t.iter_mut().last() {
                    let suffix = last.decor().suffix().cloned();
                    last.decor_mut().set_suffix("");
                    value.decor_mut().set_prefix(" ");
                    if let Some(suffix) = suffix {
                        value.decor_mut().set_suffix(suffix);
                    }
                }
                t.insert("decisions", value);
                Ok(())
            }
        },
    }
}

/// `rtm decide`: plans the decision, then writes the file atomically.
pub fn decide(root: &Path, req: &Request<'_>) -> Result<(FileEdit, Recorded), DecideError> {
    decide_with(root, req, crate::output::write_atomic)
}

/// [`decide`], writing the file with `write` (which must be atomic: on an
/// error, the file is as it was).
pub fn decide_with(
    root: &Path,
    req: &Request<'_>,
    write: impl FnOnce(&Path, &[u8]) -> std::io::Result<()>,
) -> Result<(FileEdit, Recorded), DecideError> {
    let (edit, recorded) = plan(root, req)?;
    write(&edit.path, &edit.bytes).map_err(|e| DecideError::Write(edit.rel.clone(), e))?;
    Ok((edit, recorded))
}
