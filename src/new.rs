//! `rtm new`: appends one node to a tree. The id is the next free one of
//! its kind (or the one given), every link must name a node of the right
//! kind, and the node goes at the end of the file where the nodes of its
//! kind with the nearest ids live (or the file given). Every other byte of
//! the file is kept; the file is replaced atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use crate::config::Config;
use crate::load::decode::suggest;
use crate::load::{FileSet, LoadError};
use crate::model::{Category, Kind, Model};

/// What to add.
#[derive(Debug, Clone)]
pub struct NewNode {
    pub kind: Kind,
    pub id: Option<String>,
    pub title: Option<String>,
    pub text: Option<String>,
    pub themes: Vec<String>,
    pub satisfies: Vec<String>,
    pub refines: Vec<String>,
    pub sec: Vec<String>,
    pub category: Option<Category>,
    pub user_impact: Option<String>,
    /// The file to append to, relative to the tree.
    pub file: Option<String>,
}

impl NewNode {
    pub fn new(kind: Kind) -> Self {
        NewNode {
            kind,
            id: None,
            title: None,
            text: None,
            themes: Vec::new(),
            satisfies: Vec::new(),
            refines: Vec::new(),
            sec: Vec::new(),
            category: None,
            user_impact: None,
            file: None,
        }
    }
}

/// Why `rtm new` wrote nothing (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{0}; nothing was written")]
    Refused(String),
    #[error("{0}: cannot write it: {1}")]
    Write(String, std::io::Error),
}

fn refuse<T>(why: impl Into<String>) -> Result<T, NewError> {
    Err(NewError::Refused(why.into()))
}

/// A node ready to be written.
#[derive(Debug, Clone)]
pub struct Added {
    pub id: String,
    /// The file on disk.
    pub path: PathBuf,
    /// Its path in the tree (`/` separators).
    pub rel: String,
    /// Whether the file is new.
    pub created: bool,
    /// The whole new content of the file.
    pub bytes: Vec<u8>,
}

/// A kind in words, for messages.
pub fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "theme",
        Kind::Business => "business requirement",
        Kind::Requirement => "RTM entry",
        Kind::Sec => "SEC obligation",
        Kind::Modification => "SEC modification",
    }
}

/// A kind in words with its article: "a theme", "an RTM entry".
pub fn a_noun(kind: Kind) -> String {
    let noun = noun(kind);
    let article = if noun.starts_with(['R', 'S']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// The id of the first node of a kind, when the tree has none yet.
pub fn first_id(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "TH-01",
        Kind::Business => "BR-001",
        Kind::Requirement => "RTM-0001",
        Kind::Sec => "SEC-001",
        Kind::Modification => "MOD-001",
    }
}

/// An id split into its prefix and its number: `RTM-0404` is
/// (`RTM-`, 404, 4 digits). `None` without trailing digits.
fn numbered(id: &str) -> Option<(&str, u64, usize)> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 18 {
        return None;
    }
    let (prefix, number) = id.split_at(id.len() - digits);
    Some((prefix, number.parse().ok()?, digits))
}

/// How ids sort for "nearest": by prefix, then number, then as written.
fn sort_key(id: &str) -> (&str, u64, &str) {
    match numbered(id) {
        Some((prefix, n, _)) => (prefix, n, id),
        None => (id, 0, id),
    }
}

fn matches(config: &Config, kind: Kind, id: &str) -> bool {
    config.id_pattern(kind).is_none_or(|p| p.regex.is_match(id))
}

fn pattern(config: &Config, kind: Kind) -> String {
    config
        .id_pattern(kind)
        .map_or_else(String::new, |p| p.source.clone())
}

/// The next free id of `kind`: after the largest number among the ids of
/// that kind that match its pattern, keeping the width; the kind's
/// [`first_id`] when there is none.
fn next_id(
    model: &Model,
    config: &Config,
    kind: Kind,
    taken: &HashMap<&str, Kind>,
) -> Result<String, NewError> {
    let last = model
        .nodes
        .iter()
        .filter(|n| n.kind == kind && matches(config, kind, &n.id))
        .filter_map(|n| numbered(&n.id).map(|(p, v, w)| (v, n.id.as_str(), p, w)))
        .max();
    let (mut candidate, from) = match last {
        Some((n, id, prefix, width)) => (
            format!("{prefix}{:0width$}", n.saturating_add(1)),
            format!("the next after {id}"),
        ),
        None => (
            first_id(kind).to_owned(),
            format!("the first {}", noun(kind)),
        ),
    };
    for _ in 0..10_000 {
        if !taken.contains_key(candidate.as_str()) {
            break;
        }
        let Some((prefix, n, width)) = numbered(&candidate) else {
            break;
        };
        candidate = format!("{prefix}{:0width$}", n.saturating_add(1));
    }
    if taken.contains_key(candidate.as_str()) || !matches(config, kind, &candidate) {
        return refuse(format!(
            "cannot choose an id: {from} would be `{candidate}`, which {} the {kind} id pattern `{}`; give one with --id",
            if taken.contains_key(candidate.as_str()) {
                "is taken, as is every one after it, or does not match"
            } else {
                "does not match"
            },
            pattern(config, kind)
        ));
    }
    Ok(candidate)
}

/// Checks the ids given for one link field: each must name a node of
/// `target`'s kind.
fn check_links(
    flag: &str,
    ids: &[String],
    target: Kind,
    model: &Model,
    taken: &HashMap<&str, Kind>,
) -> Result<(), NewError> {
    for id in ids {
        match taken.get(id.as_str()) {
            Some(&k) if k == target => {}
            Some(&k) => {
                return refuse(format!(
                    "{flag} {id}: `{id}` is {}, not {}",
                    a_noun(k),
                    a_noun(target)
                ));
            }
            None => {
                let known: Vec<&str> = model
                    .nodes
                    .iter()
                    .filter(|n| n.kind == target)
                    .map(|n| n.id.as_str())
                    .collect();
                let hint = suggest(id, &known)
                    .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
                return refuse(format!("{flag} {id}: no node has the id `{id}`{hint}"));
            }
        }
    }
    Ok(())
}

/// Each id once, sorted as `rtm fmt` sorts a link list.
fn unique(ids: &[String]) -> Vec<String> {
    let mut out = ids.to_vec();
    out.sort();
    out.dedup();
    out
}

fn strings(ids: &[String]) -> Value {
    Value::Array(ids.iter().map(String::as_str).collect::<Array>())
}

/// The node as one `[[kind]]` table, in the canonical field order, ended
/// by a line feed.
fn node_text(node: &NewNode, id: &str) -> String {
    let mut fields: Vec<(&str, Value)> = vec![("id", Value::from(id))];
    let title = node.title.clone().unwrap_or_else(|| {
        let noun = noun(node.kind);
        format!("New {noun}")
    });
    fields.push(("title", Value::from(title)));
    if let Some(text) = &node.text {
        fields.push(("text", Value::from(text.as_str())));
    }
    match node.kind {
        Kind::Business => fields.push(("themes", strings(&unique(&node.themes)))),
        Kind::Requirement => {
            let category = node.category.unwrap_or(Category::Mvp);
            fields.push(("category", Value::from(category.as_str())));
            for (name, ids) in [
                ("satisfies", &node.satisfies),
                ("refines", &node.refines),
                ("sec", &node.sec),
            ] {
                if !ids.is_empty() {
                    fields.push((name, strings(&unique(ids))));
                }
            }
            if let Some(impact) = &node.user_impact {
                fields.push(("user_impact", Value::from(impact.as_str())));
            }
        }
        Kind::Modification => fields.push(("stage", Value::from("proposed"))),
        Kind::Theme | Kind::Sec => {}
    }
    let order = crate::fmt::field_order(node.kind);
    fields.sort_by_key(|(name, _)| order.iter().position(|o| o == name));
    let mut table = Table::new();
    for (name, value) in fields {
        table.insert(name, Item::Value(value));
    }
    let mut tables = ArrayOfTables::new();
    tables.push(table);
    let mut doc = DocumentMut::new();
    doc.insert(node.kind.as_str(), Item::ArrayOfTables(tables));
    doc.to_string()
}

/// Whether every line break of `s` is CR LF (and there is at least one).
fn crlf_only(s: &str) -> bool {
    s.contains("\r\n") && s.matches('\n').count() == s.matches("\r\n").count()
}

/// The text of a file with one node table appended: a line break first
/// when the last line has none, then one blank line unless the text ends
/// with one; CR LF when every line of the file ends so.
pub fn append(text: &str, table: &str) -> String {
    let eol = if crlf_only(text) { "\r\n" } else { "\n" };
    let mut out = text.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    let last_blank = out
        .strip_suffix('\n')
        .map(|body| body.rsplit('\n').next().unwrap_or(body))
        .is_some_and(|line| line.trim().is_empty());
    if !out.trim().is_empty() && !last_blank {
        out.push_str(eol);
    }
    if eol == "\r\n" {
        out.push_str(&table.replace('\n', "\r\n"));
    } else {
        out.push_str(table);
    }
    out
}

/// Whether `text` parses and its last `[[kind]]` table has the id `id`.
fn ends_with_node(text: &str, kind: Kind, id: &str) -> bool {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return false;
    };
    match doc.get(kind.as_str()) {
        Some(Item::ArrayOfTables(tables)) => {
            tables
                .iter()
                .last()
                .and_then(|t| t.get("id"))
                .and_then(Item::as_str)
                == Some(id)
        }
        _ => false,
    }
}

/// Checks a `--file` path: a node file inside the tree.
fn check_file(rel: &str) -> Result<String, NewError> {
    let path = Path::new(rel);
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::Normal(p) => match p.to_str() {
                Some(s) => parts.push(s),
                None => return refuse(format!("--file {}: the name is not UTF-8", path.display())),
            },
            std::path::Component::CurDir => {}
            _ => {
                return refuse(format!(
                    "--file {rel}: give a path inside the tree, relative to it"
                ));
            }
        }
    }
    let joined = parts.join("/");
    if !FileSet::is_node_path(&joined) {
        return refuse(format!(
            "--file {rel}: not a node file (a `*.toml` other than rtm.toml, with no hidden part)"
        ));
    }
    Ok(joined)
}

/// Works out the id, the file and its new content, writing nothing.
pub fn plan(root: &Path, node: &NewNode) -> Result<Added, NewError> {
    let loaded = crate::load::load(root)?;
    if let Some((file, why)) = loaded.unreadable() {
        return refuse(format!(
            "{file} cannot be read ({why}): its ids are unknown, so a new one could repeat one; fix it first"
        ));
    }
    let (model, config) = (&loaded.model, &loaded.config);
    let kind = node.kind;
    let mut taken: HashMap<&str, Kind> = HashMap::new();
    for n in &model.nodes {
        taken.entry(n.id.as_str()).or_insert(n.kind);
    }
    let only = |flag: &str, given: bool, for_kind: Kind| -> Result<(), NewError> {
        if given && kind != for_kind {
            return refuse(format!(
                "{flag} is for {}, not for {}",
                a_noun(for_kind),
                a_noun(kind)
            ));
        }
        Ok(())
    };
    only("--themes", !node.themes.is_empty(), Kind::Business)?;
    only("--satisfies", !node.satisfies.is_empty(), Kind::Requirement)?;
    only("--refines", !node.refines.is_empty(), Kind::Requirement)?;
    only("--sec", !node.sec.is_empty(), Kind::Requirement)?;
    only("--category", node.category.is_some(), Kind::Requirement)?;
    only(
        "--user-impact",
        node.user_impact.is_some(),
        Kind::Requirement,
    )?;
    if kind == Kind::Business && node.themes.is_empty() {
        return refuse("a business requirement serves at least one theme: give --themes ID");
    }
    if let Some(title) = &node.title
        && title.contains(crate::decode::LINE_BREAKS)
    {
        return refuse("--title must be one line (the detail goes in --text)");
    }
    let id = match &node.id {
        Some(id) => {
            if let Some(&k) = taken.get(id.as_str()) {
                let place = model
                    .nodes
                    .iter()
                    .find(|n| n.id == *id)
                    .map(|n| {
                        let (line, _) = model.sources.line_col(n.id_span());
                        format!(" ({}:{line})", model.sources.path(n.file()))
                    })
                    .unwrap_or_default();
                return refuse(format!("`{id}` is already the id of {}{place}", a_noun(k)));
            }
            if !matches(config, kind, id) {
                return refuse(format!(
                    "`{id}` does not match the {kind} id pattern `{}`",
                    pattern(config, kind)
                ));
            }
            id.clone()
        }
        None => next_id(model, config, kind, &taken)?,
    };
    check_links("--themes", &node.themes, Kind::Theme, model, &taken)?;
    check_links(
        "--satisfies",
        &node.satisfies,
        Kind::Business,
        model,
        &taken,
    )?;
    check_links("--refines", &node.refines, Kind::Requirement, model, &taken)?;
    check_links("--sec", &node.sec, Kind::Sec, model, &taken)?;

    let rel = match &node.file {
        Some(f) => check_file(f)?,
        None => {
            let key = sort_key(&id);
            let same = model.nodes.iter().filter(|n| n.kind == kind);
            let before = same
                .clone()
                .filter(|n| sort_key(&n.id) < key)
                .max_by(|a, b| sort_key(&a.id).cmp(&sort_key(&b.id)));
            let after = same
                .filter(|n| sort_key(&n.id) > key)
                .min_by(|a, b| sort_key(&a.id).cmp(&sort_key(&b.id)));
            match before.or(after) {
                Some(n) => model.sources.path(n.file()).to_owned(),
                None => format!("{kind}.toml"),
            }
        }
    };
    let path = root.join(&rel);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return refuse(format!(
            "{rel}: a symbolic link, which rtm does not follow when it reads the tree"
        ));
    }
    // Nor through a linked folder: the node would land outside the tree.
    crate::output::refuse_links(root, [rel.as_str()]).map_err(NewError::Refused)?;
    let table = node_text(node, &id);
    let (created, bytes) = match std::fs::read(&path) {
        Ok(bytes) => {
            let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
                Some(rest) => (true, rest),
                None => (false, bytes.as_slice()),
            };
            let Ok(text) = std::str::from_utf8(body) else {
                return refuse(format!("{rel}: not UTF-8"));
            };
            if let Err(e) = text.parse::<DocumentMut>() {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default().to_owned();
                return refuse(format!("{rel}: not valid TOML ({first}); fix it first"));
            }
            let new = append(text, &table);
            if !ends_with_node(&new, kind, &id) {
                return refuse(format!(
                    "{rel}: a `[[{kind}]]` table cannot be appended to it (does it write `{kind} = [...]` inline?); choose another file with --file"
                ));
            }
            let mut out = Vec::with_capacity(new.len() + 3);
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            out.extend_from_slice(new.as_bytes());
            (false, out)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A tree made by `rtm init` has its schemas: point at them.
            let depth = rel.matches('/').count();
            let schema = format!(
                "{}{}/node.schema.json",
                "../".repeat(depth),
                crate::init::SCHEMA_DIR
            );
            let head = if root
                .join(crate::init::SCHEMA_DIR)
                .join("node.schema.json")
                .is_file()
            {
                format!("#:schema {schema}\n\n")
            } else {
                String::new()
            };
            (true, format!("{head}{table}").into_bytes())
        }
        Err(e) => return refuse(format!("{rel}: cannot read it: {e}")),
    };
    Ok(Added {
        id,
        path,
        rel,
        created,
        bytes,
    })
}

/// `rtm new`: plans the node, then writes the file atomically (creating
/// its folder when it is new).
pub fn add(root: &Path, node: &NewNode) -> Result<Added, NewError> {
    let added = plan(root, node)?;
    if added.created
        && let Some(parent) = added.path.parent()
    {
        std::fs::create_dir_all(parent).map_err(|e| NewError::Write(added.rel.clone(), e))?;
    }
    crate::output::write_atomic(&added.path, &added.bytes)
        .map_err(|e| NewError::Write(added.rel.clone(), e))?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_into_prefix_and_number() {
        assert_eq!(numbered("RTM-0404"), Some(("RTM-", 404, 4)));
        assert_eq!(numbered("DP096"), Some(("DP", 96, 3)));
        assert_eq!(numbered("SEC-POA"), None);
    }

    #[test]
    fn appends_after_one_blank_line_keeping_crlf() {
        let t = "[[theme]]\nid = \"B\"\n";
        assert_eq!(append("a = 1", t), format!("a = 1\n\n{t}"));
        assert_eq!(append("a = 1\n\n", t), format!("a = 1\n\n{t}"));
        assert_eq!(append("", t), t);
        assert_eq!(
            append("a = 1\r\nb = 2", t),
            "a = 1\r\nb = 2\r\n\r\n[[theme]]\r\nid = \"B\"\r\n"
        );
    }

    #[test]
    fn strings_are_escaped() {
        let mut node = NewNode::new(Kind::Theme);
        node.title = Some("a \"b\" \\ ''' c".into());
        node.text = Some("line\nnext\u{1}".into());
        let text = node_text(&node, "TH-01");
        let doc: toml::Table = toml::from_str(&text).unwrap();
        let t = &doc["theme"].as_array().unwrap()[0];
        assert_eq!(t["title"].as_str(), node.title.as_deref());
        assert_eq!(t["text"].as_str(), node.text.as_deref());
    }
}
