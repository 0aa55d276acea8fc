//! `rtm fmt`: one canonical layout for node files, keeping comments.
//!
//! Within each node's table (`[[kind]]`, or an inline table in `kind = [...]`)
//! the fields come in the order of the format reference ([`field_order`]);
//! keys rtm does not know come last, in their order. The tables of a
//! deviation, a waiver, a question and a review stamp are ordered the same
//! way by their own field lists. Arrays of ids (`themes`, `satisfies`,
//! `refines`, `sec`, `variants`, `tags`) are sorted, repeats kept (they are
//! findings, not layout). Every table header has exactly one blank line
//! before it (none at the top of the file), runs of blank lines between
//! comments become one, and the file ends with one line break. A comment
//! stays with the key or table it precedes. What the file means does not
//! change, so neither do the findings of `rtm check` nor any fingerprint.
//!
//! Sub-tables (`[[requirement.deviations]]`) keep their place; a file whose
//! every line ends in CR LF keeps doing so; a byte-order mark is kept.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

use crate::load::{Entry, FileSet, LoadError};
use crate::model::Kind;
use crate::spec::{self, Field};

/// Fields that lead every node, in this order (when the kind has them).
const HEAD: &[&str] = &["id", "title", "text", "status", "stage"];
/// Fields that record things about a node rather than state it: last.
const TAIL: &[&str] = &["reqif_id", "reviewed", "waivers", "questions", "decisions"];
/// Node fields that hold arrays of ids or labels, sorted by `rtm fmt`.
const SORTED: &[&str] = &["themes", "satisfies", "refines", "sec", "variants", "tags"];

/// The canonical order of a node's fields: `id`, `title`, `text`, `status`
/// (a modification's `stage`), then the others in the order of the format
/// reference (`owner`, `classification`, `tags`, then the kind's own
/// fields), then `reviewed`, `waivers` and `questions`.
pub fn field_order(kind: Kind) -> Vec<&'static str> {
    let names: Vec<&'static str> = spec::fields(kind).map(|f| f.name).collect();
    let mut out: Vec<&'static str> = HEAD.iter().copied().filter(|h| names.contains(h)).collect();
    out.extend(
        names
            .iter()
            .copied()
            .filter(|n| !HEAD.contains(n) && !TAIL.contains(n)),
    );
    out.extend(TAIL.iter().copied().filter(|t| names.contains(t)));
    out
}

fn rank(order: &[&str], key: &str) -> usize {
    order.iter().position(|k| *k == key).unwrap_or(usize::MAX)
}

fn names(fields: &[Field]) -> Vec<&'static str> {
    fields.iter().map(|f| f.name).collect()
}

fn raw(r: Option<&toml_edit::RawString>) -> String {
    r.and_then(|r| r.as_str()).unwrap_or("").to_owned()
}

/// Sorts an array whose items are all strings by their value. Without a
/// comment inside, each place keeps its white space (`["b", "a"]` becomes
/// `["a", "b"]`). With comments and one item per line, each item takes its
/// lines along: the comments above it and the one after it on its line.
/// An array with comments written otherwise is left as it is.
fn sort_strings(array: &mut Array) {
    let Some(mut strings) = array
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<Vec<String>>>()
    else {
        return;
    };
    strings.sort();
    let current: Vec<Option<&str>> = array.iter().map(Value::as_str).collect();
    if current
        .iter()
        .zip(&strings)
        .all(|(a, b)| *a == Some(b.as_str()))
    {
        return;
    }
    let prefixes: Vec<String> = array.iter().map(|v| raw(v.decor().prefix())).collect();
    let suffixes: Vec<String> = array.iter().map(|v| raw(v.decor().suffix())).collect();
    let trailing = array.trailing().as_str().unwrap_or("").to_owned();
    let commented = prefixes
        .iter()
        .chain(&suffixes)
        .chain(std::iter::once(&trailing))
        .any(|s| s.contains('#'));
    if !commented {
        let decors: Vec<toml_edit::Decor> = array.iter().map(|v| v.decor().clone()).collect();
        array.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        for (v, d) in array.iter_mut().zip(decors) {
            *v.decor_mut() = d;
        }
        return;
    }
    // One item per line: split each prefix at its first line break into
    // what ends the line above and the lines above the item.
    let split = |s: &str| {
        s.find('\n').map(|at| {
            let (a, b) = s.split_at(at);
            (a.to_owned(), b.to_owned())
        })
    };
    let Some(parts) = prefixes
        .iter()
        .map(|p| split(p))
        .collect::<Option<Vec<(String, String)>>>()
    else {
        return;
    };
    let Some((trail_head, trail_body)) = split(&trailing) else {
        return;
    };
    if suffixes.iter().any(|s| s.contains('\n')) {
        return;
    }
    // Each item: its value, the lines above it, the end of its own line.
    let mut items: Vec<(Value, String, String)> = Vec::new();
    for (i, v) in array.iter().enumerate() {
        let above = parts.get(i).map_or_else(String::new, |p| p.1.clone());
        let after = match parts.get(i + 1) {
            Some(next) => next.0.clone(),
            None => trail_head.clone(),
        };
        items.push((v.clone(), above, after));
    }
    let opening = parts.first().map_or_else(String::new, |p| p.0.clone());
    items.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    let mut before = opening;
    let mut values = Vec::new();
    for (mut v, above, after) in items {
        v.decor_mut().set_prefix(format!("{before}{above}"));
        values.push(v);
        before = after;
    }
    let comma = array.trailing_comma();
    array.clear();
    for v in values {
        array.push_formatted(v);
    }
    array.set_trailing_comma(comma);
    array.set_trailing(format!("{before}{trail_body}"));
}

/// Orders an inline table's keys; on one line, each place keeps its white
/// space, so `{ b = 1, a = 2 }` stays spaced the same way.
fn order_inline(table: &mut InlineTable, order: &[&str]) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let mut sorted = keys.clone();
    sorted.sort_by_key(|k| rank(order, k));
    if sorted == keys {
        return;
    }
    let decors: Vec<(toml_edit::Decor, toml_edit::Decor)> = table
        .iter_mut()
        .map(|(k, v)| (k.leaf_decor().clone(), v.decor().clone()))
        .collect();
    let written = |has: &[char]| {
        decors.iter().any(|(k, v)| {
            [k.prefix(), k.suffix(), v.prefix(), v.suffix()]
                .iter()
                .any(|r| raw(*r).contains(has))
        })
    };
    // With comments (TOML 1.1): the comment after a key is held by the
    // next one, so the order is kept.
    if written(&['#']) {
        return;
    }
    table.sort_values_by(|k1, _, k2, _| rank(order, k1.get()).cmp(&rank(order, k2.get())));
    // Over several lines: each key keeps its own line.
    if written(&['\n']) {
        return;
    }
    for ((mut k, v), (kd, vd)) in table.iter_mut().zip(decors) {
        *k.leaf_decor_mut() = kd;
        *v.decor_mut() = vd;
    }
}

fn by_rank<'o>(
    order: &'o [&'o str],
) -> impl FnMut(&toml_edit::Key, &Item, &toml_edit::Key, &Item) -> Ordering + 'o {
    move |k1, _, k2, _| rank(order, k1.get()).cmp(&rank(order, k2.get()))
}

/// A sub-table of a node and the field list that orders it.
fn sub_fields(name: &str) -> Option<&'static [Field]> {
    match name {
        "deviations" => Some(spec::DEVIATION),
        "waivers" => Some(spec::WAIVER),
        "questions" => Some(spec::QUESTION),
        "decisions" => Some(spec::DECISION),
        "changes" => Some(spec::CHANGE),
        "reviewed" => Some(spec::REVIEWED),
        _ => None,
    }
}

/// Orders the tables or inline tables a node holds under `name`.
fn order_sub(item: &mut Item, fields: &[Field]) {
    let order = names(fields);
    match item {
        Item::Table(t) => t.sort_values_by(by_rank(&order)),
        Item::ArrayOfTables(tables) => {
            for t in tables.iter_mut() {
                t.sort_values_by(by_rank(&order));
            }
        }
        Item::Value(Value::InlineTable(t)) => order_inline(t, &order),
        Item::Value(Value::Array(items)) => {
            for v in items.iter_mut() {
                if let Value::InlineTable(t) = v {
                    order_inline(t, &order);
                }
            }
        }
        _ => {}
    }
}

/// Lays out one node's `[[kind]]` table.
fn node_table(table: &mut Table, order: &[&str]) {
    table.sort_values_by(by_rank(order));
    for (key, item) in table.iter_mut() {
        if SORTED.contains(&key.get())
            && let Item::Value(Value::Array(a)) = item
        {
            sort_strings(a);
        }
        if let Some(fields) = sub_fields(key.get()) {
            order_sub(item, fields);
        }
    }
}

/// Lays out one node written as an inline table.
fn node_inline(table: &mut InlineTable, order: &[&str]) {
    order_inline(table, order);
    for (key, value) in table.iter_mut() {
        if SORTED.contains(&key.get())
            && let Value::Array(a) = value
        {
            sort_strings(a);
        }
        if let Some(fields) = sub_fields(key.get()) {
            let order = names(fields);
            match value {
                Value::InlineTable(t) => order_inline(t, &order),
                Value::Array(items) => {
                    for v in items.iter_mut() {
                        if let Value::InlineTable(t) = v {
                            order_inline(t, &order);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// White space and comments before a header: no blank line at the top of
/// the file, and runs of blank lines made one. Before any other header
/// there is one blank line: before its comments, unless a blank line
/// already parts them from comments right under the table above (which
/// stay with that table).
fn header_prefix(prefix: &str, first: bool) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let mut rest = prefix;
    // Every whole line (ended by a line break), then what is left: the
    // indentation of the header itself.
    while let Some(at) = rest.find('\n') {
        let (line, tail) = rest.split_at(at + 1);
        lines.push(line);
        rest = tail;
    }
    let blank = |l: &&str| l.trim().is_empty();
    let mut kept: Vec<&str> = Vec::new();
    for line in lines {
        if blank(&line) {
            // None at the top of the file; never two in a row.
            if (first && kept.is_empty()) || kept.last().is_some_and(blank) {
                continue;
            }
            kept.push("\n");
        } else {
            kept.push(line);
        }
    }
    let mut out = String::new();
    if !first && !kept.iter().any(blank) {
        out.push('\n');
    }
    for line in kept {
        out.push_str(line);
    }
    out.push_str(rest);
    out
}

/// The text after the last table: comments kept, blank lines at the end
/// dropped.
fn trailing(text: &str) -> String {
    let blank_first = text
        .split_inclusive('\n')
        .next()
        .is_some_and(|l| l.trim().is_empty());
    let kept = header_prefix(text, !blank_first);
    let trimmed = kept.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// Whether every line break of `s` is CR LF (and there is at least one).
fn crlf_only(s: &str) -> bool {
    s.contains("\r\n") && s.matches('\n').count() == s.matches("\r\n").count()
}

/// Lays out the text of a node file; `Err` with the parser's message when
/// it is not TOML.
pub fn format_text(text: &str) -> Result<String, String> {
    let crlf = crlf_only(text);
    let lf;
    let source = if crlf {
        lf = text.replace("\r\n", "\n");
        lf.as_str()
    } else {
        text
    };
    let mut doc: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        e.to_string().lines().next().unwrap_or_default().to_owned()
    })?;
    let root_values = doc.iter().any(|(_, item)| matches!(item, Item::Value(_)));
    for &kind in Kind::ALL {
        let order = field_order(kind);
        match doc.get_mut(kind.as_str()) {
            Some(Item::ArrayOfTables(tables)) => {
                for t in tables.iter_mut() {
                    node_table(t, &order);
                }
            }
            Some(Item::Value(Value::Array(items))) => {
                for v in items.iter_mut() {
                    if let Value::InlineTable(t) = v {
                        node_inline(t, &order);
                    }
                }
            }
            _ => {}
        }
    }
    // Blank lines before headers: the first header of a file that opens
    // with one gets none.
    let mut first = None;
    lowest_position(doc.as_table(), &mut first);
    let first = if root_values { None } else { first };
    fix_headers(doc.as_table_mut(), first);
    let tail = doc.trailing().as_str().unwrap_or("").to_owned();
    doc.set_trailing(trailing(&tail));
    let mut out = doc.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    Ok(out)
}

/// Whether a table is written with a header of its own.
fn has_header(t: &Table) -> bool {
    !t.is_dotted() && !t.is_implicit()
}

/// The smallest document position of a table with a header below `table`.
fn lowest_position(table: &Table, low: &mut Option<isize>) {
    let see = |t: &Table, low: &mut Option<isize>| {
        if has_header(t)
            && let Some(p) = t.position()
        {
            *low = Some(low.map_or(p, |l| l.min(p)));
        }
        lowest_position(t, low);
    };
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) if !t.is_dotted() => see(t, low),
            Item::ArrayOfTables(tables) => {
                for t in tables.iter() {
                    see(t, low);
                }
            }
            _ => {}
        }
    }
}

/// Sets the blank lines before every header below `table`; the header at
/// position `first` opens the file.
fn fix_headers(table: &mut Table, first: Option<isize>) {
    let fix = |t: &mut Table| {
        if has_header(t) {
            let prefix = t
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_owned();
            let opens = first.is_some() && t.position() == first;
            t.decor_mut().set_prefix(header_prefix(&prefix, opens));
        }
        fix_headers(t, first);
    };
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) if !t.is_dotted() => fix(t),
            Item::ArrayOfTables(tables) => {
                for t in tables.iter_mut() {
                    fix(t);
                }
            }
            _ => {}
        }
    }
}

/// One node file `rtm fmt` looked at.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// Not in the canonical layout: the new content (BOM included).
    Changed(Vec<u8>),
    /// Not read or not TOML: why. The file is left alone.
    Failed(String),
}

/// One node file and what `rtm fmt` makes of it.
#[derive(Debug, Clone)]
pub struct FileFmt {
    pub path: PathBuf,
    /// Its path in the tree (`/` separators).
    pub rel: String,
    pub outcome: Outcome,
}

/// Lays out the bytes of one node file.
pub fn format_bytes(bytes: &[u8]) -> Outcome {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return Outcome::Failed("it is not UTF-8".into());
    };
    // The TOML parser would skip a second mark, which `rtm check` reads
    // as not TOML (R001): writing the file without it would change what
    // the file holds.
    if text.starts_with('\u{feff}') {
        return Outcome::Failed("it is not valid TOML: a second byte-order mark".into());
    }
    match format_text(text) {
        Ok(new) if new == text => Outcome::Unchanged,
        Ok(new) => {
            let mut out = Vec::with_capacity(new.len() + 3);
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            out.extend_from_slice(new.as_bytes());
            Outcome::Changed(out)
        }
        Err(e) => Outcome::Failed(format!("it is not valid TOML: {e}")),
    }
}

/// Works out the layout of every node file of the tree at `root`,
/// writing nothing.
pub fn plan(root: &Path) -> Result<Vec<FileFmt>, LoadError> {
    let set = FileSet::from_dir(root)?;
    let mut entries = set.entries;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (rel, entry) in entries {
        let (path, outcome) = match entry {
            Entry::File(path) => {
                let outcome = match std::fs::read(&path) {
                    Ok(bytes) => format_bytes(&bytes),
                    Err(e) => Outcome::Failed(format!("cannot read it: {e}")),
                };
                (path, outcome)
            }
            Entry::Unreadable(why) => (root.join(&rel), Outcome::Failed(why)),
            // Symbolic links and special files are never opened (R304).
            _ => continue,
        };
        out.push(FileFmt { path, rel, outcome });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One mark is kept; a second one is not TOML to `rtm check` (R001), so
    /// the file is left alone rather than rewritten without it.
    #[test]
    fn a_second_byte_order_mark_is_left_alone() {
        let one = b"\xEF\xBB\xBF[[theme]]\ntitle = \"t\"\nid = \"TH-01\"\n";
        match format_bytes(one) {
            Outcome::Changed(out) => {
                assert_eq!(
                    out,
                    b"\xEF\xBB\xBF[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\n"
                );
            }
            other => panic!("{other:?}"),
        }
        let two = b"\xEF\xBB\xBF\xEF\xBB\xBF[[theme]]\nid = \"TH-01\"\n";
        match format_bytes(two) {
            Outcome::Failed(why) => assert!(why.contains("second byte-order mark"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn orders_fields_sorts_ids_and_spaces_nodes() {
        let text = "# head\n\n\n[[requirement]]\n# before title\ntitle = \"T\" # t\nsatisfies = [\"B\", \"A\"]\nid = \"X\"\n\n\n\n[[requirement.deviations]]\nrationale = \"r\"\nsec = \"S\"\n[[requirement]]\nid = \"Y\"\nvalues = { b = 1, a = 2 }\ntitle = \"U\"\ncategory=\"mvp\"\n\n\n# tail\n\n\n";
        let want = "# head\n\n[[requirement]]\nid = \"X\"\n# before title\ntitle = \"T\" # t\nsatisfies = [\"A\", \"B\"]\n\n[[requirement.deviations]]\nsec = \"S\"\nrationale = \"r\"\n\n[[requirement]]\nid = \"Y\"\ntitle = \"U\"\ncategory=\"mvp\"\nvalues = { b = 1, a = 2 }\n\n# tail\n";
        let out = format_text(text).unwrap();
        assert_eq!(out, want);
        assert_eq!(format_text(&out).unwrap(), out);
        let crlf = format_text(&text.replace('\n', "\r\n")).unwrap();
        assert_eq!(crlf, want.replace('\n', "\r\n"));
    }

    #[test]
    fn inline_tables_keep_their_spacing() {
        let text = "requirement = [{ title = \"T\", sec = [\"B\", \"A\"], id = \"X\" }]\n";
        assert_eq!(
            format_text(text).unwrap(),
            "requirement = [{ id = \"X\", title = \"T\", sec = [\"A\", \"B\"] }]\n"
        );
    }

    #[test]
    fn inline_tables_over_lines_keep_each_line_or_their_order() {
        let text =
            "requirement = [{\n    title = \"T\", # the title\n    # the id\n    id = \"X\",\n}]\n";
        assert_eq!(format_text(text).unwrap(), text);
        let text = "requirement = [{\n    title = \"T\",\n    id = \"X\",\n}]\n";
        assert_eq!(
            format_text(text).unwrap(),
            "requirement = [{\n    id = \"X\",\n    title = \"T\",\n}]\n"
        );
    }

    #[test]
    fn comments_right_under_a_table_stay_with_it() {
        let text = "[[theme]]\nid = \"A\"\n# about A\n\n# about B\n[[theme]]\nid = \"B\"\n";
        assert_eq!(format_text(text).unwrap(), text);
        let glued = "[[theme]]\nid = \"A\"\n# about B\n[[theme]]\nid = \"B\"\n";
        assert_eq!(
            format_text(glued).unwrap(),
            "[[theme]]\nid = \"A\"\n\n# about B\n[[theme]]\nid = \"B\"\n"
        );
    }

    #[test]
    fn the_order_follows_the_format_reference() {
        assert_eq!(
            field_order(Kind::Requirement),
            [
                "id",
                "title",
                "text",
                "status",
                "owner",
                "classification",
                "tags",
                "category",
                "satisfies",
                "refines",
                "sec",
                "deviations",
                "variants",
                "user_impact",
                "values",
                "reqif_id",
                "reviewed",
                "waivers",
                "questions",
                "decisions"
            ]
        );
        assert_eq!(
            field_order(Kind::Modification)[..4],
            ["id", "title", "text", "stage"]
        );
    }
}
