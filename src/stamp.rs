//! Review stamps (FORMAT §7): `rtm stamp`, which writes `reviewed = { … }`
//! into node files while keeping every other byte of them. The fingerprint
//! a stamp records is computed in [`crate::fingerprint`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

pub use crate::fingerprint::{
    PREFIX, canonical, decision_canonical, decision_fingerprint, fingerprint, link_fingerprints,
};
use crate::graph::Graph;
use crate::load::LoadError;
use crate::model::Kind;

/// Why `rtm stamp` wrote nothing (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum StampError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("`--by` must name who reviewed")]
    NoReviewer,
    #[error("no node has the id `{0}`; nothing was written")]
    UnknownId(String),
    #[error("`{0}` is defined more than once ({1}); remove the repeat first; nothing was written")]
    Duplicate(String, String),
    #[error("{0}: {1}; nothing was written")]
    File(String, String),
    #[error("{0}: cannot write it: {1}{2}")]
    Write(String, std::io::Error, String),
}

/// One stamp to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    pub kind: Kind,
    pub id: String,
    pub by: String,
    /// `YYYY-MM-DD`.
    pub on: String,
    pub fingerprint: String,
    /// (id, fingerprint) of every linked node, sorted by id.
    pub links: Vec<(String, String)>,
}

impl Stamp {
    /// The stamp as a TOML inline table.
    pub fn to_value(&self) -> Result<Value, String> {
        let on: toml_edit::Datetime = self
            .on
            .parse()
            .map_err(|_| format!("`{}` is not a date", self.on))?;
        let mut links = InlineTable::new();
        for (id, fp) in &self.links {
            links.insert(id.as_str(), Value::from(fp.as_str()));
        }
        let mut t = InlineTable::new();
        t.insert("by", Value::from(self.by.as_str()));
        t.insert("on", Value::from(on));
        t.insert("fingerprint", Value::from(self.fingerprint.as_str()));
        t.insert("links", Value::InlineTable(links));
        Ok(Value::InlineTable(t))
    }
}

/// A node file with its new content, ready to be written.
#[derive(Debug, Clone)]
pub struct FileEdit {
    /// The file on disk.
    pub path: PathBuf,
    /// Its path in the tree (`/` separators).
    pub rel: String,
    /// The ids stamped in it, in the order given.
    pub ids: Vec<String>,
    /// The whole new content, byte-order mark included when it had one.
    pub bytes: Vec<u8>,
}

/// The table of one node in a document.
pub(crate) enum NodeTable<'d> {
    /// `[[requirement]]`.
    Table(&'d mut toml_edit::Table),
    /// `requirement = [{ … }]`.
    Inline(&'d mut InlineTable),
}

/// Finds the table of node `id` in the array `kind` of a document: an
/// array of tables (`[[requirement]]`) or an array of inline tables.
pub(crate) fn node_table<'d>(
    doc: &'d mut DocumentMut,
    kind: Kind,
    id: &str,
) -> Option<NodeTable<'d>> {
    fn has_id(t: &dyn TableLike, id: &str) -> bool {
        t.get("id")
            .and_then(|i| i.as_value())
            .and_then(Value::as_str)
            == Some(id)
    }
    match doc.get_mut(kind.as_str())? {
        Item::ArrayOfTables(tables) => tables
            .iter_mut()
            .find(|t| has_id(*t, id))
            .map(NodeTable::Table),
        Item::Value(Value::Array(items)) => items
            .iter_mut()
            .filter_map(Value::as_inline_table_mut)
            .find(|t| has_id(*t, id))
            .map(NodeTable::Inline),
        _ => None,
    }
}

/// Puts `new` in place of `old`, keeping the white space and comment
/// around `old`.
fn replace_value(old: &mut Value, mut new: Value) {
    *new.decor_mut() = old.decor().clone();
    *old = new;
}

/// Writes one stamp into a node's table, replacing any older stamp. An
/// inline stamp stays inline; a `[kind.reviewed]` sub-table stays a table.
fn put_stamp(table: NodeTable<'_>, stamp: &Stamp) -> Result<(), String> {
    let mut value = stamp.to_value()?;
    let table: &mut dyn TableLike = match table {
        NodeTable::Table(t) => t,
        NodeTable::Inline(t) => {
            if !t.contains_key("reviewed") {
                // `{ id = "X" , reviewed = … }` would keep the space that
                // ended the last value: move it after the stamp instead.
                if let Some((_, last)) = t.iter_mut().last() {
                    let suffix = last.decor().suffix().cloned();
                    last.decor_mut().set_suffix("");
                    value.decor_mut().set_prefix(" ");
                    if let Some(suffix) = suffix {
                        value.decor_mut().set_suffix(suffix);
                    }
                }
            }
            t
        }
    };
    match table.get_mut("reviewed") {
        Some(Item::Value(old)) => replace_value(old, value),
        Some(Item::Table(old)) => {
            let Value::InlineTable(new) = value else {
                return Err("internal error: a stamp is an inline table".into());
            };
            for (key, v) in new.iter() {
                match old.get_mut(key) {
                    Some(Item::Value(o)) => replace_value(o, v.clone()),
                    _ => {
                        old.insert(key, Item::Value(v.clone()));
                    }
                }
            }
        }
        // `[[kind.reviewed]]`, an R002: replacing it would drop every
        // stamp, value and comment written in it.
        Some(Item::ArrayOfTables(_)) => {
            return Err(
                "its `reviewed` is an array of tables (`[[….reviewed]]`), not one stamp: \
                 keep one table and stamp again"
                    .into(),
            );
        }
        Some(Item::None) | None => {
            table.insert("reviewed", Item::Value(value));
        }
    }
    Ok(())
}

/// Whether every line break of `s` is CR LF (and there is at least one).
fn crlf_only(s: &str) -> bool {
    s.contains("\r\n") && s.matches('\n').count() == s.matches("\r\n").count()
}

/// Turns every lone LF into CR LF.
fn to_crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 32);
    let mut prev = '\0';
    for c in s.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Writes stamps into the text of one node file. Everything but the
/// `reviewed` values is kept byte for byte; a file whose every line ends in
/// CR LF keeps doing so, and a file whose last line has no line break
/// still ends without one.
pub fn stamp_text(text: &str, stamps: &[Stamp]) -> Result<String, String> {
    // Where each node's table is in its array, found once: the edits add
    // no table, so the places hold for every edit.
    let mut places: Option<HashMap<(Kind, String), usize>> = None;
    edit_text(text, stamps.len(), |i, doc| {
        let stamp = stamps
            .get(i)
            .ok_or_else(|| "internal error: no such stamp".to_owned())?;
        let places = places.get_or_insert_with(|| table_places(doc));
        let at = places.get(&(stamp.kind, stamp.id.clone())).copied();
        let table = match at {
            Some(at) if node_table_at(doc, stamp.kind, &stamp.id, at).is_some() => {
                node_table_at(doc, stamp.kind, &stamp.id, at)
            }
            _ => node_table(doc, stamp.kind, &stamp.id),
        };
        let table =
            table.ok_or_else(|| format!("cannot find the table of {} {}", stamp.kind, stamp.id))?;
        put_stamp(table, stamp)
    })
}

/// The id of a node table.
fn table_id(t: &dyn TableLike) -> Option<&str> {
    t.get("id")
        .and_then(|i| i.as_value())
        .and_then(Value::as_str)
}

/// For every node table of a document, its place in its kind's array (the
/// first, for an id given twice).
fn table_places(doc: &DocumentMut) -> HashMap<(Kind, String), usize> {
    let mut places = HashMap::new();
    for &kind in Kind::ALL {
        let ids: Vec<Option<&str>> = match doc.get(kind.as_str()) {
            Some(Item::ArrayOfTables(tables)) => tables.iter().map(|t| table_id(t)).collect(),
            Some(Item::Value(Value::Array(items))) => items
                .iter()
                .map(|v| v.as_inline_table().and_then(|t| table_id(t)))
                .collect(),
            _ => continue,
        };
        for (at, id) in ids.into_iter().enumerate() {
            if let Some(id) = id {
                places.entry((kind, id.to_owned())).or_insert(at);
            }
        }
    }
    places
}

/// The table at place `at` of the array `kind`, if it is node `id`'s.
fn node_table_at<'d>(
    doc: &'d mut DocumentMut,
    kind: Kind,
    id: &str,
    at: usize,
) -> Option<NodeTable<'d>> {
    match doc.get_mut(kind.as_str())? {
        Item::ArrayOfTables(tables) => tables
            .get_mut(at)
            .filter(|t| table_id(*t) == Some(id))
            .map(NodeTable::Table),
        Item::Value(Value::Array(items)) => items
            .get_mut(at)
            .and_then(Value::as_inline_table_mut)
            .filter(|t| table_id(*t) == Some(id))
            .map(NodeTable::Inline),
        _ => None,
    }
}

/// Applies `edits` edits (`edit(i, doc)` for each i in order) to the text
/// of one node file, keeping every byte the edits do not change (see
/// [`stamp_text`]); the result must be valid TOML.
pub(crate) fn edit_text(
    text: &str,
    edits: usize,
    mut edit: impl FnMut(usize, &mut DocumentMut) -> Result<(), String>,
) -> Result<String, String> {
    let eol = if crlf_only(text) { "\r\n" } else { "\n" };
    // Edited with a line break at the end, taken off again afterwards.
    let open_end = !text.is_empty() && !text.ends_with('\n');
    let mut out = text.to_owned();
    if open_end {
        out.push_str(eol);
    }
    // When toml_edit writes the file back as it is (the usual case), every
    // edit is made on one parsed document, written once: linear in the
    // file. Otherwise each edit is spliced into the text on its own, so
    // that the lines no edit touches keep their bytes.
    let crlf = crlf_only(&out);
    let render = |doc: &DocumentMut| {
        let s = doc.to_string();
        if crlf { to_crlf(&s) } else { s }
    };
    let mut batched = false;
    if edits > 1 {
        let mut doc = parse_doc(&out)?;
        if render(&doc) == out {
            for i in 0..edits {
                edit(i, &mut doc)?;
            }
            out = render(&doc);
            batched = true;
        }
    }
    if !batched {
        for i in 0..edits {
            out = edit_one(&out, |doc| edit(i, doc))?;
        }
    }
    if open_end && let Some(cut) = out.strip_suffix(eol) {
        out.truncate(cut.len());
    }
    toml::de::DeTable::parse(&out)
        .map_err(|e| format!("the edited file would not be valid TOML: {}", e.message()))?;
    Ok(out)
}

/// Parses a node file for editing.
fn parse_doc(text: &str) -> Result<DocumentMut, String> {
    text.parse()
        .map_err(|e: toml_edit::TomlError| format!("cannot parse it: {}", e.message()))
}

/// Makes one edit to a node file's text (which ends with a line break).
/// toml_edit writes the document back with LF line breaks and a few
/// spellings of its own (`[[a . b]]` as `[[a. b]]`): the lines the edit
/// changes are taken from its output, every other line from `text`.
fn edit_one(
    text: &str,
    edit: impl FnOnce(&mut DocumentMut) -> Result<(), String>,
) -> Result<String, String> {
    let crlf = crlf_only(text);
    let render = |doc: &DocumentMut| {
        let s = doc.to_string();
        if crlf { to_crlf(&s) } else { s }
    };
    let mut doc = parse_doc(text)?;
    let before = render(&doc);
    edit(&mut doc)?;
    let after = render(&doc);
    if before == text {
        return Ok(after);
    }
    let layout = || "it cannot be edited without changing its layout".to_owned();
    let out = splice(text, &before, &after).ok_or_else(layout)?;
    // The result must mean what toml_edit wrote.
    if render(&parse_doc(&out)?) != after {
        return Err(layout());
    }
    Ok(out)
}

/// `text` with the lines where `before` and `after` differ replaced by
/// `after`'s. `None` unless `text` and `before` have the same lines, and
/// the same bytes in the lines replaced.
fn splice(text: &str, before: &str, after: &str) -> Option<String> {
    let t: Vec<&str> = text.split_inclusive('\n').collect();
    let b: Vec<&str> = before.split_inclusive('\n').collect();
    let a: Vec<&str> = after.split_inclusive('\n').collect();
    if t.len() != b.len() {
        return None;
    }
    let head = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let room = b.len().min(a.len()) - head;
    let tail = b
        .iter()
        .rev()
        .zip(a.iter().rev())
        .take(room)
        .take_while(|(x, y)| x == y)
        .count();
    let (b_end, a_end) = (b.len() - tail, a.len() - tail);
    if t.get(head..b_end)? != b.get(head..b_end)? {
        return None;
    }
    let mut out = String::with_capacity(after.len() + text.len() / 8);
    for line in t
        .get(..head)?
        .iter()
        .chain(a.get(head..a_end)?)
        .chain(t.get(b_end..)?)
    {
        out.push_str(line);
    }
    Some(out)
}

/// Works out every stamp and the new content of every file, writing
/// nothing. `on` is `YYYY-MM-DD`. The tree may have findings, even errors:
/// what was read is stamped. An id that names no node, or more than one,
/// is an error.
pub fn plan(root: &Path, ids: &[String], by: &str, on: &str) -> Result<Vec<FileEdit>, StampError> {
    if by.trim().is_empty() {
        return Err(StampError::NoReviewer);
    }
    let loaded = crate::load::load(root)?;
    let model = &loaded.model;
    let graph = Graph::build(model);
    let mut per_file: BTreeMap<crate::source::FileId, Vec<Stamp>> = BTreeMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    // The later definition of each id defined more than once.
    let mut later_of: HashMap<usize, usize> = HashMap::new();
    for &(later, first) in &graph.duplicates {
        later_of.entry(first).or_insert(later);
    }
    for id in ids {
        if !seen.insert(id.as_str()) {
            continue;
        }
        let i = graph
            .find(model, id)
            .ok_or_else(|| StampError::UnknownId(id.clone()))?;
        if let Some(&later) = later_of.get(&i) {
            let place = |n: usize| {
                model.nodes.get(n).map_or_else(String::new, |node| {
                    let (line, _) = model.sources.line_col(node.id_span());
                    format!("{}:{line}", model.sources.path(node.file()))
                })
            };
            return Err(StampError::Duplicate(
                id.clone(),
                format!("{} and {}", place(i), place(later)),
            ));
        }
        let Some(node) = model.nodes.get(i) else {
            return Err(StampError::UnknownId(id.clone()));
        };
        per_file.entry(node.file()).or_default().push(Stamp {
            kind: node.kind,
            id: node.id.to_string(),
            by: by.to_owned(),
            on: on.to_owned(),
            fingerprint: fingerprint(node),
            links: link_fingerprints(model, &graph, node),
        });
    }
    let mut edits = Vec::new();
    for (file, stamps) in per_file {
        let rel = model.sources.path(file).to_owned();
        let path = root.join(&rel);
        let fail = |why: String| StampError::File(rel.clone(), why);
        let bytes = std::fs::read(&path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
            Some(rest) => (true, rest),
            None => (false, bytes.as_slice()),
        };
        let text = std::str::from_utf8(body).map_err(|_| fail("it is not UTF-8".into()))?;
        if model.sources.file(file).text.as_str() != text {
            return Err(fail("it changed while rtm was reading the tree".into()));
        }
        let new = stamp_text(text, &stamps).map_err(fail)?;
        let mut out = Vec::with_capacity(new.len() + 3);
        if bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        out.extend_from_slice(new.as_bytes());
        edits.push(FileEdit {
            path,
            rel,
            ids: stamps.into_iter().map(|s| s.id).collect(),
            bytes: out,
        });
    }
    Ok(edits)
}

pub use crate::output::{write_atomic, write_atomic_with};

/// `rtm stamp`: plans every stamp, then writes each file atomically. Every
/// file is prepared before any is written, so an unknown id or a file that
/// cannot be edited writes nothing.
pub fn stamp(root: &Path, ids: &[String], by: &str, on: &str) -> Result<Vec<FileEdit>, StampError> {
    let edits = plan(root, ids, by, on)?;
    for (n, edit) in edits.iter().enumerate() {
        if let Err(e) = write_atomic(&edit.path, &edit.bytes) {
            let done: Vec<&str> = edits.iter().take(n).map(|e| e.rel.as_str()).collect();
            let note = if done.is_empty() {
                "; nothing was written".to_owned()
            } else {
                format!("; already stamped: {}", done.join(", "))
            };
            return Err(StampError::Write(edit.rel.clone(), e, note));
        }
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many stamps in one file are written in one pass (one parse, one
    /// write), with the same bytes as writing them one by one; and each
    /// node's table is found through an index built once.
    #[test]
    fn stamps_written_together_equal_stamps_written_one_by_one() {
        let stamp = |kind: Kind, id: &str| Stamp {
            kind,
            id: id.to_owned(),
            by: "OPSG".to_owned(),
            on: "2024-05-01".to_owned(),
            fingerprint: format!("fp-{id}"),
            links: vec![("BR-001".to_owned(), "fp-br".to_owned())],
        };
        for eol in ["\n", "\r\n"] {
            let text = [
                "# a comment",
                "[[business]]",
                "id = \"BR-001\"",
                "title = \"b\"",
                "",
                "[[requirement]]",
                "id = \"RTM-0001\"  # kept",
                "title = \"one\"",
                "reviewed = { by = \"old\", on = 2020-01-01, fingerprint = \"x\" }",
                "",
                "[[requirement]]",
                "id = \"RTM-0002\"",
                "title = \"two\"",
                "",
                "[requirement.reviewed]",
                "by = \"old\"",
                "",
                "[[requirement]]",
                "id = \"RTM-0003\"",
                "title = \"three\"",
                "",
            ]
            .join(eol);
            let stamps = [
                stamp(Kind::Requirement, "RTM-0003"),
                stamp(Kind::Business, "BR-001"),
                stamp(Kind::Requirement, "RTM-0001"),
                stamp(Kind::Requirement, "RTM-0002"),
            ];
            let together = stamp_text(&text, &stamps).unwrap_or_else(|e| panic!("{e}"));
            let mut one_by_one = text.clone();
            for s in &stamps {
                one_by_one = stamp_text(&one_by_one, std::slice::from_ref(s))
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            assert_eq!(together, one_by_one);
            assert!(together.contains("fp-RTM-0003") && together.contains("# kept"));
            let places = table_places(&parse_doc(&text).unwrap_or_else(|e| panic!("{e}")));
            assert_eq!(
                places.get(&(Kind::Requirement, "RTM-0003".to_owned())),
                Some(&2)
            );
            assert_eq!(places.get(&(Kind::Business, "BR-001".to_owned())), Some(&0));
        }
    }

    #[test]
    fn crlf_is_kept() {
        assert!(crlf_only("a\r\nb\r\n"));
        assert!(!crlf_only("a\r\nb\n"));
        assert!(!crlf_only("a\nb\n"));
        assert_eq!(to_crlf("a\r\nb\nc"), "a\r\nb\r\nc");
    }

    /// A stamp on the last line of a file with no final line break ends
    /// the file, again with no line break after it (CR LF kept).
    #[test]
    fn a_file_with_no_final_line_break_keeps_none() {
        let stamp = Stamp {
            kind: Kind::Theme,
            id: "TH-1".into(),
            by: "OPSG".into(),
            on: "2020-10-26".into(),
            fingerprint: "v1:ab".into(),
            links: Vec::new(),
        };
        let line =
            "reviewed = { by = \"OPSG\", on = 2020-10-26, fingerprint = \"v1:ab\", links = {} }";
        for eol in ["\n", "\r\n"] {
            let text = format!("[[theme]]{eol}id = \"TH-1\"{eol}title = \"T\" # end");
            let out = stamp_text(&text, std::slice::from_ref(&stamp)).unwrap();
            assert_eq!(out, format!("{text}{eol}{line}"));
        }
    }

    /// Only lines that toml_edit changed are taken from its output, and
    /// only when the file's own lines there are the ones it read.
    #[test]
    fn splice_keeps_the_lines_outside_the_change() {
        let text = "[[ a . b ]]\r\nx = 1\n";
        let before = "[[ a. b ]]\nx = 1\n";
        let after = "[[ a. b ]]\nx = 1\ny = 2\n";
        assert_eq!(
            splice(text, before, after).as_deref(),
            Some("[[ a . b ]]\r\nx = 1\ny = 2\n")
        );
        // The changed line differs in the file: refused.
        assert_eq!(splice(text, before, "[[ a. c ]]\nx = 1\n"), None);
        // Not the same lines: refused.
        assert_eq!(splice("x = 1\n", before, after), None);
    }

    #[test]
    fn stamps_an_array_of_tables_and_keeps_the_rest() {
        let text = "# head\n[[theme]]\nid = \"TH-1\" # the id\ntitle = \"T\"\n\n# between\n[[theme]]\nid = \"TH-2\"\ntitle = \"U\"\n";
        let stamp = Stamp {
            kind: Kind::Theme,
            id: "TH-2".into(),
            by: "OPSG".into(),
            on: "2020-10-26".into(),
            fingerprint: "v1:ab".into(),
            links: vec![("BR-1".into(), "v1:cd".into())],
        };
        let out = stamp_text(text, std::slice::from_ref(&stamp)).unwrap();
        let line = "reviewed = { by = \"OPSG\", on = 2020-10-26, fingerprint = \"v1:ab\", links = { BR-1 = \"v1:cd\" } }\n";
        assert_eq!(out, format!("{text}{line}"));
        // A second stamp replaces the first.
        let again = Stamp {
            by: "Board".into(),
            ..stamp
        };
        let out2 = stamp_text(&out, &[again]).unwrap();
        assert_eq!(out2, format!("{text}{}", line.replace("OPSG", "Board")));
    }
}
