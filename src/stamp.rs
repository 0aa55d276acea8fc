//! Review stamps (FORMAT §7): the fingerprint of a node's meaningful
//! content, and `rtm stamp`, which writes `reviewed = { … }` into node files
//! while keeping every other byte of them.
//!
//! # The fingerprint (FORMAT §13)
//!
//! A fingerprint is `v1:` followed by the 64 lower-case hex digits of the
//! SHA-256 of the node's *canonical form*. The canonical form is UTF-8 text,
//! one line per item, each line `NAME JSON` ended by a line feed, where
//! `JSON` is compact JSON (no white space outside strings; strings escape
//! only `"`, `\` and U+0000–U+001F, as `\b \f \n \r \t` or `\u00xx`). The
//! lines come in this order, a line being left out when its field is not
//! written (or, for a link field, holds no id). FORMAT §13 is the reference:
//!
//! | line | value |
//! |---|---|
//! | `kind` | the kind: `"requirement"` |
//! | `id` | the id, exactly as written |
//! | `title` | text (below) |
//! | `text` | text; always present (`""` when not written) |
//! | `status` | always present (`"draft"` when not written); not for a modification |
//! | `stage` | a modification's stage |
//! | `classification` | as written, `clear` read as `"white"`; left out when not written |
//! | `category` | `"mvp"`, `"sec-support"`, `"optional"` |
//! | `variants` | array of strings, sorted, without repeats |
//! | `themes`, `satisfies`, `refines`, `sec` | array of ids, sorted, without repeats |
//! | `deviation` | one line per deviation: `[sec, summary, rationale, modification]`, text for the two middle ones, `null` for what is missing; lines sorted (byte order), so in effect by `sec` |
//! | `user_impact` | text; `"none"` when it means no impact (FORMAT §9) |
//! | `value` | one line per figure: `[parameter, number]`, sorted |
//! | `limit` | one line per limit: `[parameter, min, max, equals]`, `null` for a missing bound, sorted |
//! | `source` | text (an SEC obligation's source) |
//! | `change` | one line per change of a modification (FORMAT §16): `[sec, withdraws, [limit…]]`, `sec` an id or `null`, `withdraws` `true` or `false`, each limit `[parameter, min, max, equals]` as for `limit`, sorted; lines sorted |
//!
//! *Text* is the string with every CR LF turned into LF and white space at
//! both ends removed. A *number* written as a TOML integer is its exact
//! decimal digits (a 64-bit integer, never rounded through a float); one
//! written as a TOML float is the shortest decimal that reads back as the
//! same 64-bit float, without exponent and without a fraction when it is
//! whole (`6` and `6.0` are both `6`; `-0` is `0`). Every integer up to 2^53
//! reads the same either way, so fingerprints made when integers were read
//! as floats stay valid; only larger integers (which a float rounds) changed.
//! Sorting is by byte order of the UTF-8 text.
//!
//! Left out on purpose: comments, white space and field order (they are not
//! in the parsed model), `owner`, `tags`, `url`, `waivers`, `questions`
//! (FORMAT §17: asking or answering does not make a review stale),
//! `reqif_id` (where it came from, not what it says) and `reviewed`;
//! `decisions` (FORMAT §15: they have fingerprints of their own, and
//! recording one does not make a review stale).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

use crate::graph::Graph;
use crate::load::LoadError;
use crate::model::{About, Deviation, Kind, Limit, LinkField, Model, Node, Number};

/// The prefix of every fingerprint this version of rtm writes.
pub const PREFIX: &str = "v1:";

/// Text as the fingerprint sees it: CR LF as LF, trimmed.
fn text(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_owned()
}

/// A number as the fingerprint writes it: an integer exactly; a float as
/// the shortest decimal that reads back as it (the same text as an integer
/// for every integer up to 2^53, as before integers were kept exact).
fn number(v: Number) -> String {
    match v {
        Number::Int(i) => i.to_string(),
        Number::Float(0.0) => "0".to_owned(),
        Number::Float(f) => format!("{f}"),
    }
}

/// A JSON string literal, escaping only `"`, `\\` and U+0000–U+001F. Written
/// here rather than borrowed from a JSON library so that the fingerprint
/// cannot change with a library's choices.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_owned(), json_str)
}

fn json_num(v: Option<Number>) -> String {
    v.map_or_else(|| "null".to_owned(), number)
}

fn json_array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| json_str(s)).collect();
    format!("[{}]", quoted.join(","))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

/// A deviation as a canonical line's value: `[sec, summary, rationale,
/// modification]`.
fn deviation_line(node: &Node, d: &Deviation) -> String {
    let target = |i: Option<usize>| node.link(i).map(|l| l.target.as_str());
    format!(
        "[{},{},{},{}]",
        json_opt(target(d.sec)),
        json_opt(d.summary.as_ref().map(|s| text(&s.value)).as_deref()),
        json_opt(d.rationale.as_ref().map(|s| text(&s.value)).as_deref()),
        json_opt(target(d.modification)),
    )
}

/// A limit as a canonical line's value: `[parameter, min, max, equals]`.
fn limit_line(l: &Limit) -> String {
    format!(
        "[{},{},{},{}]",
        json_str(&l.param),
        json_num(l.min),
        json_num(l.max),
        json_num(l.equals)
    )
}

/// A user impact as text, `"none"` when it means no impact (FORMAT §9).
fn impact_text(s: &str) -> String {
    let t = text(s);
    if t.eq_ignore_ascii_case("none") {
        "none".to_owned()
    } else {
        t
    }
}

/// The canonical form of a node (see the module documentation).
pub fn canonical(node: &Node) -> String {
    let mut out = String::new();
    let mut line = |name: &str, json: String| {
        out.push_str(name);
        out.push(' ');
        out.push_str(&json);
        out.push('\n');
    };
    line("kind", json_str(node.kind.as_str()));
    line("id", json_str(&node.id));
    if let Some(title) = &node.title {
        line("title", json_str(&text(title)));
    }
    line("text", json_str(&text(&node.text)));
    if node.kind == Kind::Modification {
        if let Some(stage) = node.stage {
            line("stage", json_str(stage.as_str()));
        }
    } else {
        line("status", json_str(node.status.as_str()));
    }
    if let Some(c) = node.classification {
        line("classification", json_str(c.as_str()));
    }
    if let Some(c) = node.category {
        line("category", json_str(c.as_str()));
    }
    if let Some(v) = &node.variants {
        line("variants", json_array(&sorted(v.clone())));
    }
    for field in [
        LinkField::Themes,
        LinkField::Satisfies,
        LinkField::Refines,
        LinkField::Sec,
    ] {
        let ids = sorted(node.links_in(field).map(|l| l.target.clone()).collect());
        if !ids.is_empty() {
            line(field.name(), json_array(&ids));
        }
    }
    let mut deviations: Vec<String> = node
        .deviations
        .iter()
        .map(|d| deviation_line(node, d))
        .collect();
    deviations.sort();
    for d in deviations {
        line("deviation", d);
    }
    if let Some(impact) = &node.user_impact {
        line("user_impact", json_str(&impact_text(&impact.value)));
    }
    let mut values: Vec<String> = node
        .values
        .iter()
        .map(|v| format!("[{},{}]", json_str(&v.param), number(v.value)))
        .collect();
    values.sort();
    for v in values {
        line("value", v);
    }
    let mut limits: Vec<String> = node.limits.iter().map(limit_line).collect();
    limits.sort();
    for l in limits {
        line("limit", l);
    }
    if let Some(source) = &node.source {
        line("source", json_str(&text(source)));
    }
    let target = |i: Option<usize>| node.link(i).map(|l| l.target.as_str());
    let mut changes: Vec<String> = node
        .changes
        .iter()
        .map(|c| {
            let mut limits: Vec<String> = c.limits.iter().map(limit_line).collect();
            limits.sort();
            format!(
                "[{},{},[{}]]",
                json_opt(target(c.sec)),
                c.withdraws,
                limits.join(",")
            )
        })
        .collect();
    changes.sort();
    for c in changes {
        line("change", c);
    }
    out
}

/// The fingerprint of a node: `v1:` and the SHA-256 of its canonical form.
pub fn fingerprint(node: &Node) -> String {
    digest(&canonical(node))
}

/// The canonical form of what a decision about `about` on `entry` covers
/// (FORMAT §15), in the lines and spellings of [`canonical`]:
///
/// - `deviation:<SEC id>`: `about`, the entry's `category`, its `deviation`
///   lines from that obligation, its `value` lines for every quantity the
///   obligation limits, and the obligation's `limit` lines (none when no SEC
///   obligation has that id);
/// - `category`: `about`, `category`, `title`, `text`;
/// - `user-impact`: `about`, `user_impact`.
///
/// Nothing else: not the modification's stage, not the entry's id.
pub fn decision_canonical(model: &Model, graph: &Graph, entry: &Node, about: &About) -> String {
    let mut out = String::new();
    let mut line = |name: &str, json: String| {
        out.push_str(name);
        out.push(' ');
        out.push_str(&json);
        out.push('\n');
    };
    line("about", json_str(&about.to_string()));
    match about {
        About::Deviation(sec_id) => {
            if let Some(c) = entry.category {
                line("category", json_str(c.as_str()));
            }
            let target = |i: Option<usize>| entry.link(i).map(|l| l.target.as_str());
            let mut deviations: Vec<String> = entry
                .deviations
                .iter()
                .filter(|d| target(d.sec) == Some(sec_id.as_str()))
                .map(|d| deviation_line(entry, d))
                .collect();
            deviations.sort();
            for d in deviations {
                line("deviation", d);
            }
            let sec = graph
                .find(sec_id)
                .and_then(|i| model.nodes.get(i))
                .filter(|n| n.kind == Kind::Sec);
            let limits = sec.map_or(&[][..], |s| s.limits.as_slice());
            let mut values: Vec<String> = entry
                .values
                .iter()
                .filter(|v| limits.iter().any(|l| l.param == v.param))
                .map(|v| format!("[{},{}]", json_str(&v.param), number(v.value)))
                .collect();
            values.sort();
            for v in values {
                line("value", v);
            }
            let mut limits: Vec<String> = limits.iter().map(limit_line).collect();
            limits.sort();
            for l in limits {
                line("limit", l);
            }
        }
        About::Category => {
            if let Some(c) = entry.category {
                line("category", json_str(c.as_str()));
            }
            if let Some(title) = &entry.title {
                line("title", json_str(&text(title)));
            }
            line("text", json_str(&text(&entry.text)));
        }
        About::UserImpact => {
            if let Some(impact) = &entry.user_impact {
                line("user_impact", json_str(&impact_text(&impact.value)));
            }
        }
    }
    out
}

/// The fingerprint of what a decision about `about` on `entry` covers:
/// `v1:` and the SHA-256 of [`decision_canonical`].
pub fn decision_fingerprint(model: &Model, graph: &Graph, entry: &Node, about: &About) -> String {
    digest(&decision_canonical(model, graph, entry, about))
}

/// `v1:` and the lower-case hex SHA-256 of `canonical`.
fn digest(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The fingerprint of every distinct node `node` links to that exists, by
/// id (sorted). A link to a missing id is left out (R004 reports it).
pub fn link_fingerprints(model: &Model, graph: &Graph, node: &Node) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    for link in &node.links {
        if out.contains_key(&link.target) {
            continue;
        }
        if let Some(target) = graph.find(&link.target).and_then(|i| model.nodes.get(i)) {
            out.insert(link.target.clone(), fingerprint(target));
        }
    }
    out.into_iter().collect()
}

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
        _ => {
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
    let mut per_file: BTreeMap<usize, Vec<Stamp>> = BTreeMap::new();
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
            .find(id)
            .ok_or_else(|| StampError::UnknownId(id.clone()))?;
        if let Some(&later) = later_of.get(&i) {
            let place = |n: usize| {
                model.nodes.get(n).map_or_else(String::new, |node| {
                    let (line, _) = model.sources.line_col(node.id_span);
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
            id: node.id.clone(),
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
        let loaded_text = model.sources.get(file).map(|s| s.text.as_str());
        if loaded_text != Some(text) {
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
    fn numbers_are_canonical() {
        use Number::{Float, Int};
        assert_eq!(number(Float(6.0)), "6");
        assert_eq!(number(Int(6)), "6");
        assert_eq!(number(Float(6.5)), "6.5");
        assert_eq!(number(Float(-0.0)), "0");
        assert_eq!(number(Int(0)), "0");
        assert_eq!(number(Float(0.1)), "0.1");
        assert_eq!(number(Float(1e20)), "100000000000000000000");
        // Up to 2^53 an integer reads the same as the float it used to be.
        for i in [1, -60, 9_007_199_254_740_992, -9_007_199_254_740_992] {
            assert_eq!(number(Int(i)), number(Float(i as f64)));
        }
        assert_eq!(number(Int(9_007_199_254_740_993)), "9007199254740993");
        assert_eq!(number(Int(i64::MAX)), "9223372036854775807");
    }

    #[test]
    fn strings_are_escaped_like_json() {
        for s in [
            "plain",
            "q\"b\\",
            "\u{1}\u{8}\u{c}\n\r\t\u{1f}",
            "é 🙂 \u{7f}",
        ] {
            assert_eq!(json_str(s), serde_json::Value::String(s.into()).to_string());
        }
        assert_eq!(json_str("\u{1f}"), "\"\\u001f\"");
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
