//! ReqIF documents to node files (INTERCHANGE §3, import).

use std::collections::{BTreeSet, HashSet};

use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::{Config, DEFAULT_ID_PATTERN, DIGIT_ID_PATTERN};
use crate::model::{Classification, Kind};
use crate::spec::{self, Field, Ty};

use super::parse::{self, Doc, Val};
use super::xhtml::first_line;
use super::{Document, Limits, ReadError};

/// How bad a diagnostic is: an error stops the import (nothing is
/// written, exit 1); a warning says what was skipped or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found in the input, at a ReqIF element: its file, line and
/// IDENTIFIER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: Option<usize>,
    /// The element and its IDENTIFIER (`SPEC-OBJECT _a1`).
    pub element: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(el) = &self.element {
            write!(f, ": {el}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// `--mapping MAP.toml`: `[types]`, `[attributes]`, `[relations]` and
/// `[defaults]`. Names are matched as written, then ignoring case and
/// surrounding spaces.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    types: Vec<(String, Kind)>,
    attributes: Vec<(String, String)>,
    relations: Vec<(String, String)>,
    defaults: Vec<(String, String)>,
}

const LINK_FIELDS: &[&str] = &["themes", "satisfies", "refines", "sec"];

fn lookup<'m, T>(list: &'m [(String, T)], name: &str) -> Option<&'m T> {
    list.iter()
        .find(|(k, _)| k == name)
        .or_else(|| {
            let name = name.trim();
            list.iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        })
        .map(|(_, v)| v)
}

fn is_node_field(name: &str) -> bool {
    Kind::ALL
        .iter()
        .any(|&k| spec::fields(k).any(|f| f.name == name))
}

impl Mapping {
    /// Reads a mapping file; every mistake is reported at once.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut errors = Vec::new();
        let mut m = Mapping::default();
        for (section, value) in &table {
            let Some(entries) = value.as_table() else {
                errors.push(format!("`{section}` must be a table"));
                continue;
            };
            for (key, v) in entries {
                let Some(v) = v.as_str() else {
                    errors.push(format!("[{section}] `{key}` must be a string"));
                    continue;
                };
                match section.as_str() {
                    "types" => match Kind::parse(v) {
                        Some(k) => m.types.push((key.clone(), k)),
                        None => errors.push(format!(
                            "[types] `{key}` = \"{v}\": not a kind ({})",
                            Kind::NAMES.join(", ")
                        )),
                    },
                    "attributes" => {
                        if is_node_field(v) && v != "reqif_id" {
                            m.attributes.push((key.clone(), v.to_owned()));
                        } else {
                            errors.push(format!(
                                "[attributes] `{key}` = \"{v}\": not a node field"
                            ));
                        }
                    }
                    "relations" => {
                        if LINK_FIELDS.contains(&v) {
                            m.relations.push((key.clone(), v.to_owned()));
                        } else {
                            errors.push(format!(
                                "[relations] `{key}` = \"{v}\": not a link field ({})",
                                LINK_FIELDS.join(", ")
                            ));
                        }
                    }
                    "defaults" => {
                        if key == "kind" && Kind::parse(v).is_none() {
                            errors.push(format!("[defaults] kind = \"{v}\": not a kind"));
                        } else if key == "kind" || is_node_field(key) {
                            m.defaults.push((key.clone(), v.to_owned()));
                        } else {
                            errors.push(format!("[defaults] `{key}`: not a node field"));
                        }
                    }
                    _ => errors.push(format!(
                        "unknown section [{section}] (expected [types], [attributes], [relations], [defaults])"
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(m)
        } else {
            Err(errors.join("; "))
        }
    }
}

/// The tree an import writes into.
#[derive(Debug, Default)]
pub struct Target<'a> {
    /// Its project file, when it has one: ids must match its `[ids]`.
    pub config: Option<&'a Config>,
    /// The ids already defined in the tree, outside the files the import
    /// writes: an imported node may not take one.
    pub existing_ids: HashSet<String>,
    /// A new tree, whose `rtm.toml` the import writes: an id that starts
    /// with a digit (`101`) is kept, and the project file's pattern for
    /// its kind allows it. Into an existing tree it is kept when the
    /// tree's `[ids]` pattern allows it, else it gets its kind's prefix
    /// (`REQ-101`), which the default patterns allow.
    pub new_tree: bool,
}

/// What an import makes: node files as text, the project file for a new
/// tree, counts and diagnostics.
#[derive(Debug, Default)]
pub struct Imported {
    /// (path relative to the tree, TOML text), in path order.
    pub files: Vec<(String, String)>,
    /// `rtm.toml` for a new tree.
    pub project: String,
    /// Nodes per kind, in [`Kind::ALL`] order.
    pub counts: [usize; 5],
    /// SPEC-OBJECTs read.
    pub objects: usize,
    /// SPEC-RELATIONs read.
    pub relations: usize,
    /// SPEC-OBJECTs skipped because their IDENTIFIER was read before (a
    /// `.reqifz` holding the same document twice).
    pub repeated_objects: usize,
    /// SPEC-RELATIONs skipped because their IDENTIFIER was read before.
    pub repeated_relations: usize,
    /// SPEC-RELATIONs skipped because they repeat a link that a relation
    /// of another document made.
    pub repeated_links: usize,
    /// Links made from SPEC-HIERARCHY parents.
    pub hierarchy_links: usize,
    /// Links made from SPEC-RELATIONs.
    pub relation_links: usize,
    /// Distinct links written.
    pub links: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Imported {
    /// Whether an object could not be imported (nothing may be written).
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// A node being made, borrowing its IDENTIFIER and file name from the
/// document read (nothing copied per node).
struct NewNode<'a> {
    kind: Kind,
    identifier: &'a str,
    file: &'a str,
    line: usize,
    id: String,
    title: Option<String>,
    /// field name → TOML value text.
    fields: Small<String>,
    /// priority of each field's value (a mapping beats a default).
    priority: Small<u8>,
    links: [Vec<Link>; 4],
    /// Links to ids no object holds (`rtm.dangling.<field>`): added after
    /// the relations and the hierarchy, repeats kept.
    dangling: [Vec<String>; 4],
}

/// Where a link goes: a node of the import (its index: no copy of its id
/// is made per link), or an id as an attribute wrote it.
#[derive(Debug)]
enum Link {
    Node(usize),
    Id(String),
}

/// The id a link names.
fn link_id<'n>(nodes: &'n [NewNode<'_>], link: &'n Link) -> &'n str {
    match link {
        Link::Node(i) => nodes.get(*i).map_or("", |n| n.id.as_str()),
        Link::Id(id) => id,
    }
}

/// A few values by field name: a list, faster than a hash map at this
/// size (a node has a handful of fields).
#[derive(Debug)]
struct Small<V>(Vec<(&'static str, V)>);

impl<V> Default for Small<V> {
    fn default() -> Self {
        Small(Vec::new())
    }
}

impl<V> Small<V> {
    fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn insert(&mut self, key: &'static str, value: V) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

fn link_index(field: &str) -> Option<usize> {
    LINK_FIELDS.iter().position(|f| *f == field)
}

/// The link field a node of kind `from` uses to name one of kind `to`.
fn link_between(from: Kind, to: Kind) -> Option<&'static str> {
    match (from, to) {
        (Kind::Business, Kind::Theme) => Some("themes"),
        (Kind::Requirement, Kind::Business) => Some("satisfies"),
        (Kind::Requirement, Kind::Requirement) => Some("refines"),
        (Kind::Requirement, Kind::Sec) => Some("sec"),
        _ => None,
    }
}

fn id_prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "TH-",
        Kind::Business => "BR-",
        Kind::Requirement => "REQ-",
        Kind::Sec => "SEC-",
        Kind::Modification => "MOD-",
    }
}

/// An id rtm accepts by default (`^[A-Za-z][A-Za-z0-9._-]*$`): other
/// characters become `-`, and one that does not start with a letter gets
/// its kind's prefix (`12` → `REQ-12`), unless `digits` allows it as it is
/// (a new tree, whose pattern becomes [`DIGIT_ID_PATTERN`], or a tree whose
/// `[ids]` pattern for the kind matches it).
fn make_id(kind: Kind, raw: &str, digits: impl Fn(&str) -> bool) -> String {
    let s: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_alphabetic())
        || (s.starts_with(|c: char| c.is_ascii_digit()) && digits(&s))
    {
        s
    } else {
        format!("{}{s}", id_prefix(kind))
    }
}

fn toml_string(s: &str) -> String {
    // What toml_edit writes for a string with nothing to escape, without it.
    if crate::escape::toml_plain(s) {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
        return out;
    }
    toml_edit::Value::from(s).to_string().trim().to_owned()
}

/// The TOML array of `items` as toml_edit writes it (`["a", "b"]`),
/// written directly when no item needs escaping.
fn toml_array<'s>(items: impl Iterator<Item = &'s str> + Clone) -> String {
    if !items.clone().all(crate::escape::toml_plain) {
        let array: toml_edit::Array = items.collect();
        return array.to_string().trim().to_owned();
    }
    let mut out = String::new();
    crate::escape::push_toml_plain_array(&mut out, items);
    out
}

/// The name a file of nodes of `kind` gets.
fn file_stem(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "themes",
        Kind::Business => "business",
        Kind::Requirement => "requirements",
        Kind::Sec => "sec",
        Kind::Modification => "modifications",
    }
}

/// More nodes than this in one kind are split over numbered files, so that
/// no file comes near `[limits] max_file_bytes`.
const NODES_PER_FILE: usize = 2000;

struct Ctx<'a> {
    mapping: &'a Mapping,
    attr_defs: FxHashMap<&'a str, &'a str>,
    enum_values: FxHashMap<&'a str, &'a str>,
    object_types: FxHashMap<&'a str, &'a str>,
    relation_types: FxHashMap<&'a str, &'a str>,
    diagnostics: Vec<Diagnostic>,
    unmapped: std::collections::BTreeMap<String, usize>,
    variants: BTreeSet<String>,
    /// Into an existing tree, the variants its project declares: a node
    /// may name no other (R002). A new tree takes the ones named.
    declared: Option<Vec<String>>,
}

impl Ctx<'_> {
    fn diag(
        &mut self,
        severity: Severity,
        file: &str,
        line: usize,
        element: Option<String>,
        message: String,
    ) {
        self.diagnostics
            .push(diagnostic(severity, file, line, element, message));
    }
}

/// A diagnostic at a line of a file.
fn diagnostic(
    severity: Severity,
    file: &str,
    line: usize,
    element: Option<String>,
    message: String,
) -> Diagnostic {
    Diagnostic {
        severity,
        file: file.to_owned(),
        line: Some(line),
        element,
        message,
    }
}

/// What converting one object found besides its node: merged into the
/// import's only when the object is taken.
#[derive(Default)]
struct Sink {
    diagnostics: Vec<Diagnostic>,
    unmapped: Vec<String>,
    variants: Vec<String>,
}

impl Sink {
    fn diag(
        &mut self,
        severity: Severity,
        file: &str,
        line: usize,
        element: Option<String>,
        message: String,
    ) {
        self.diagnostics
            .push(diagnostic(severity, file, line, element, message));
    }
}

/// Imports ReqIF documents (as [`super::read_path`] returns them).
pub fn import(
    documents: &[Document],
    mapping: &Mapping,
    target: &Target<'_>,
    limits: &Limits,
) -> Result<Imported, ReadError> {
    let docs = documents
        .iter()
        .map(|(name, bytes)| parse::parse(name, bytes, limits.max_depth))
        .collect::<Result<Vec<Doc>, ReadError>>()?;
    Ok(convert(&docs, mapping, target))
}

/// Documents as read, without their bytes.
#[derive(Debug)]
pub struct Parsed(Vec<Doc>);

/// Reads documents, each one's bytes freed as soon as it is read, so that
/// [`import_parsed`] (once or more) runs without them in memory.
pub fn parse_documents(documents: Vec<Document>, limits: &Limits) -> Result<Parsed, ReadError> {
    let mut docs = Vec::with_capacity(documents.len());
    for (name, bytes) in documents {
        docs.push(parse::parse(&name, &bytes, limits.max_depth)?);
    }
    Ok(Parsed(docs))
}

impl Parsed {
    /// The highest level the documents state for a node that names no
    /// classification (an rtm export states its project's default).
    pub fn stated_default(&self) -> Option<crate::model::Classification> {
        self.0
            .iter()
            .filter_map(|d| d.comment.as_deref())
            .filter_map(super::export::stated_default)
            .max()
    }
}

impl Mapping {
    /// Sets `field` for every node that has none, unless the mapping's
    /// `[defaults]` already does.
    pub fn default_unless_set(&mut self, field: &str, value: &str) {
        if lookup(&self.defaults, field).is_none() {
            self.defaults.push((field.to_owned(), value.to_owned()));
        }
    }
}

/// [`import`] of documents already read by [`parse_documents`].
pub fn import_parsed(parsed: &Parsed, mapping: &Mapping, target: &Target<'_>) -> Imported {
    convert(&parsed.0, mapping, target)
}

fn convert(docs: &[Doc], mapping: &Mapping, target: &Target<'_>) -> Imported {
    let mut cx = Ctx {
        mapping,
        attr_defs: FxHashMap::default(),
        enum_values: FxHashMap::default(),
        object_types: FxHashMap::default(),
        relation_types: FxHashMap::default(),
        diagnostics: Vec::new(),
        unmapped: Default::default(),
        variants: BTreeSet::new(),
        declared: (!target.new_tree).then(|| {
            target
                .config
                .map(|c| c.project.variants.clone())
                .unwrap_or_default()
        }),
    };
    for d in docs {
        cx.attr_defs
            .extend(d.attr_defs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cx.enum_values
            .extend(d.enum_values.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cx.object_types
            .extend(d.object_types.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cx.relation_types.extend(
            d.relation_types
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
    }
    let mut out = Imported::default();
    let count: usize = docs.iter().map(|d| d.objects.len()).sum();
    let mut nodes: Vec<NewNode<'_>> = Vec::with_capacity(count);
    let mut by_identifier: FxHashMap<&str, usize> =
        FxHashMap::with_capacity_and_hasher(count, Default::default());
    // Every object with an IDENTIFIER converted in parallel, then taken
    // in document order: the first of an IDENTIFIER that converts wins,
    // and only what a taken object found is reported.
    let objects: Vec<(&Doc, &parse::Object)> = docs
        .iter()
        .flat_map(|d| d.objects.iter().map(move |o| (d, o)))
        .collect();
    let converted: Vec<Option<(Option<NewNode<'_>>, Sink)>> = {
        use rayon::prelude::*;
        let cx = &cx;
        objects
            .par_iter()
            .map(|(d, o)| {
                let identifier = o.identifier.as_deref()?;
                let mut sink = Sink::default();
                let node = object_node(cx, &mut sink, d, o, identifier);
                Some((node, sink))
            })
            .collect()
    };
    for ((d, o), conv) in objects.iter().zip(converted) {
        out.objects += 1;
        let (Some(identifier), Some((node, sink))) = (o.identifier.as_deref(), conv) else {
            cx.diag(
                Severity::Error,
                &d.file,
                o.line,
                Some("SPEC-OBJECT".into()),
                "has no IDENTIFIER; it cannot be imported".into(),
            );
            continue;
        };
        if by_identifier.contains_key(identifier) {
            cx.diag(
                Severity::Warning,
                &d.file,
                o.line,
                Some(format!("SPEC-OBJECT {identifier}")),
                "the same IDENTIFIER was read before; this one is skipped".into(),
            );
            out.repeated_objects += 1;
            continue;
        }
        cx.diagnostics.extend(sink.diagnostics);
        for name in sink.unmapped {
            *cx.unmapped.entry(name).or_default() += 1;
        }
        cx.variants.extend(sink.variants);
        if let Some(node) = node {
            by_identifier.insert(identifier, nodes.len());
            nodes.push(node);
        }
    }
    make_ids(&mut cx, &mut nodes, target);
    // Links: relations (each one a link, as many as one document has),
    // then hierarchy parents (a link only when no relation made it). What
    // each relation makes is found in parallel, then applied in order.
    let relations: Vec<(usize, &Doc, &parse::Relation)> = docs
        .iter()
        .enumerate()
        .flat_map(|(k, d)| d.relations.iter().map(move |r| (k, d, r)))
        .collect();
    let resolved: Vec<Resolved> = {
        use rayon::prelude::*;
        let (cx, nodes, by_identifier) = (&cx, &nodes, &by_identifier);
        relations
            .par_iter()
            .map(|(_, d, r)| relation_link(cx, nodes, by_identifier, d, r))
            .collect()
    };
    // A relation whose IDENTIFIER was read before is skipped, as an
    // object's is (a `.reqifz` holding the same export twice), and only
    // what the first found is reported. One document may relate the same
    // two objects twice (`rtm export reqif` writes a link written twice
    // so): the link then comes back twice. A relation that repeats a link
    // another document made is skipped: documents that share objects
    // (two exports of one module) would otherwise double their links.
    let mut seen: FxHashSet<&str> =
        FxHashSet::with_capacity_and_hasher(relations.len(), Default::default());
    // (source, field, target) → the relation that made it (its place in
    // `relations`); only needed when there are several documents.
    let mut made_by: FxHashMap<(usize, usize, usize), usize> = FxHashMap::default();
    for (at, (&(k, d, r), (link, diags))) in relations.iter().zip(resolved).enumerate() {
        out.relations += 1;
        if let Some(ident) = r.identifier.as_deref()
            && !seen.insert(ident)
        {
            cx.diag(
                Severity::Warning,
                &d.file,
                r.line,
                Some(format!("SPEC-RELATION {ident}")),
                "the same IDENTIFIER was read before; this one is skipped".into(),
            );
            out.repeated_relations += 1;
            continue;
        }
        cx.diagnostics.extend(diags);
        let Some((from, i, to)) = link else {
            continue;
        };
        // A relation of an object to itself is imported like any
        // other: it is the file's own loop, which `rtm check` reports
        // (R006), and an export of such a tree writes it back.
        if to >= nodes.len() {
            continue;
        }
        if docs.len() > 1 {
            let first = *made_by.entry((from, i, to)).or_insert(at);
            if let Some(&(first_doc, first_d, first_r)) = relations.get(first)
                && first_doc != k
            {
                let id = |n: usize| nodes.get(n).map_or("", |n| n.id.as_str());
                let ident = |r: &parse::Relation| {
                    r.identifier
                        .clone()
                        .unwrap_or_else(|| "(no IDENTIFIER)".into())
                };
                cx.diag(
                    Severity::Warning,
                    &d.file,
                    r.line,
                    Some(format!("SPEC-RELATION {}", ident(r))),
                    format!(
                        "repeats the link from {} to {} (`{}`) made by SPEC-RELATION {} ({}:{}); this one is skipped",
                        id(from),
                        id(to),
                        LINK_FIELDS.get(i).copied().unwrap_or(""),
                        ident(first_r),
                        first_d.file,
                        first_r.line
                    ),
                );
                out.repeated_links += 1;
                continue;
            }
        }
        if let Some(list) = nodes.get_mut(from).and_then(|n| n.links.get_mut(i)) {
            list.push(Link::Node(to));
            out.relation_links += 1;
        }
    }
    // What each placement makes is found in parallel, then applied in
    // order.
    let placed: Vec<Placed> = {
        use rayon::prelude::*;
        let (nodes, by_identifier) = (&nodes, &by_identifier);
        docs.iter()
            .flat_map(|d| d.hierarchy.iter().map(move |h| (d, h)))
            .collect::<Vec<_>>()
            .par_iter()
            .map(|(d, h)| placement(nodes, by_identifier, d, h))
            .collect()
    };
    for p in placed {
        match p {
            Placed::Nothing => {}
            Placed::Missing(diag) => cx.diagnostics.push(diag),
            Placed::Link(child, field, parent) => {
                if add_link(&mut nodes, child, field, parent) {
                    out.hierarchy_links += 1;
                }
            }
        }
    }
    // Links to ids no object holds, as export wrote them (a repeat kept,
    // unless a relation or the hierarchy made the link already).
    for k in 0..nodes.len() {
        let Some(extra) = nodes.get_mut(k).map(|n| std::mem::take(&mut n.dangling)) else {
            continue;
        };
        for (i, extra) in extra.into_iter().enumerate() {
            if extra.is_empty() {
                continue;
            }
            let made = nodes.get(k).and_then(|n| n.links.get(i));
            let new: Vec<Link> = extra
                .into_iter()
                .filter(|id| !made.is_some_and(|l| l.iter().any(|x| link_id(&nodes, x) == id)))
                .map(Link::Id)
                .collect();
            if let Some(list) = nodes.get_mut(k).and_then(|n| n.links.get_mut(i)) {
                list.extend(new);
            }
        }
    }
    // A business requirement with no theme is written with `themes = []`,
    // as a spreadsheet import writes it: `rtm check` reports it (R104),
    // and a tree holding one round-trips.
    for n in &nodes {
        if n.kind == Kind::Business && n.links.first().is_none_or(Vec::is_empty) {
            cx.diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                file: n.file.to_owned(),
                line: Some(n.line),
                element: Some(format!("SPEC-OBJECT {}", n.identifier)),
                message: format!(
                    "business requirement {} has no theme (no parent theme, no relation to one): written with `themes = []`, which `rtm check` reports (R104)",
                    n.id
                ),
            });
        }
    }
    // A link has no attributes: the values SPEC-RELATIONs carry (a
    // tool's own name for the link, a suspect flag) are named, not kept.
    let mut on_relations: std::collections::BTreeMap<&str, usize> = Default::default();
    for d in docs {
        for r in &d.relations {
            for def in &r.values {
                let name = cx.attr_defs.get(&**def).copied().unwrap_or(def);
                *on_relations.entry(name).or_default() += 1;
            }
        }
    }
    // A warning about the whole input, at its first document.
    let file = docs.first().map_or(String::new(), |d| d.file.clone());
    let about_input = |message: String| Diagnostic {
        severity: Severity::Warning,
        file: file.clone(),
        line: None,
        element: None,
        message,
    };
    let values = |count: usize| crate::escape::plural(count, "value", "values");
    for (name, count) in on_relations {
        cx.diagnostics.push(about_input(format!(
            "attribute \"{name}\" of SPEC-RELATIONs ({}) is skipped: an rtm link has no attributes",
            values(count)
        )));
    }
    for (name, count) in std::mem::take(&mut cx.unmapped) {
        cx.diagnostics.push(about_input(format!(
            "attribute \"{name}\" ({}) is not mapped to a field; skipped (map it under [attributes])",
            values(count)
        )));
    }
    out.links = nodes
        .iter()
        .map(|n| n.links.iter().map(Vec::len).sum::<usize>())
        .sum();
    for n in &nodes {
        if let Some(c) = out.counts.get_mut(n.kind as usize) {
            *c += 1;
        }
    }
    out.files = write_files(&nodes, docs);
    out.project = project_file(docs, &nodes, &cx.variants);
    out.diagnostics = cx.diagnostics;
    // Freed on every core: a million small allocations.
    {
        use rayon::prelude::*;
        nodes.into_par_iter().with_min_len(1024).for_each(drop);
    }
    out
}

/// The link a relation makes, as (source node, link field index, target
/// node), and what it reports.
type Resolved = (Option<(usize, usize, usize)>, Vec<Diagnostic>);

/// The link a relation makes ([`Resolved`]).
fn relation_link(
    cx: &Ctx<'_>,
    nodes: &[NewNode<'_>],
    by_identifier: &FxHashMap<&str, usize>,
    d: &Doc,
    r: &parse::Relation,
) -> Resolved {
    let mut diags = Vec::new();
    let ident = r.identifier.as_deref().unwrap_or("(no IDENTIFIER)");
    let element = || Some(format!("SPEC-RELATION {ident}"));
    let ends = [("source", &r.source), ("target", &r.target)];
    let mut found = [None, None];
    for ((end, obj), slot) in ends.into_iter().zip(found.iter_mut()) {
        match obj.as_deref() {
            None => diags.push(diagnostic(
                Severity::Warning,
                &d.file,
                r.line,
                element(),
                format!("has no {end}; skipped"),
            )),
            Some(o) => match by_identifier.get(o) {
                Some(&i) => *slot = Some(i),
                None => diags.push(diagnostic(
                    Severity::Warning,
                    &d.file,
                    r.line,
                    element(),
                    format!("its {end} {o} does not exist; the relation is skipped"),
                )),
            },
        }
    }
    let [Some(from), Some(to)] = found else {
        return (None, diags);
    };
    let (Some(s), Some(t)) = (nodes.get(from), nodes.get(to)) else {
        return (None, diags);
    };
    let type_name = r
        .type_ref
        .as_deref()
        .and_then(|t| cx.relation_types.get(t).copied())
        .unwrap_or("");
    let field = match lookup(&cx.mapping.relations, type_name) {
        Some(f) => Some(f.as_str()),
        None => link_between(s.kind, t.kind),
    };
    let allowed = field.filter(|f| link_between(s.kind, t.kind) == Some(*f));
    let Some(i) = allowed.and_then(link_index) else {
        diags.push(diagnostic(
            Severity::Warning,
            &d.file,
            r.line,
            element(),
            format!(
                "a relation \"{type_name}\" from a {} to a {} has no rtm link field{}; skipped",
                s.kind,
                t.kind,
                field.map_or(String::new(), |f| format!(
                    " (`{f}` names a {})",
                    link_target(f)
                ))
            ),
        ));
        return (None, diags);
    };
    (Some((from, i, to)), diags)
}

fn link_target(field: &str) -> Kind {
    match field {
        "themes" => Kind::Theme,
        "satisfies" => Kind::Business,
        "sec" => Kind::Sec,
        _ => Kind::Requirement,
    }
}

/// What one SPEC-HIERARCHY makes: nothing, a warning (the object it
/// places does not exist), or a link (child node, field, parent node).
enum Placed {
    Nothing,
    Missing(Diagnostic),
    Link(usize, &'static str, usize),
}

/// What `h` makes ([`Placed`]).
fn placement(
    nodes: &[NewNode<'_>],
    by_identifier: &FxHashMap<&str, usize>,
    d: &Doc,
    h: &parse::Hier,
) -> Placed {
    let Some(obj) = h.object.as_deref() else {
        return Placed::Nothing;
    };
    let Some(&child) = by_identifier.get(obj) else {
        return Placed::Missing(diagnostic(
            Severity::Warning,
            &d.file,
            h.line,
            Some(format!(
                "SPEC-HIERARCHY {}",
                h.identifier.as_deref().unwrap_or("(no IDENTIFIER)")
            )),
            format!("places object {obj}, which does not exist; skipped"),
        ));
    };
    let Some(&parent) = h
        .parent
        .and_then(|p| d.hierarchy.get(p))
        .and_then(|p| p.object.as_deref())
        .and_then(|o| by_identifier.get(o))
    else {
        return Placed::Nothing;
    };
    let (Some(c), Some(p)) = (nodes.get(child), nodes.get(parent)) else {
        return Placed::Nothing;
    };
    match link_between(c.kind, p.kind) {
        Some(field) if child != parent => Placed::Link(child, field, parent),
        _ => Placed::Nothing,
    }
}

/// A link from node `from` to node `to` in `field`, unless one to its id
/// is there already.
fn add_link(nodes: &mut [NewNode<'_>], from: usize, field: &str, to: usize) -> bool {
    let (Some(i), Some(target)) = (link_index(field), nodes.get(to).map(|t| t.id.as_str())) else {
        return false;
    };
    let Some(list) = nodes.get(from).and_then(|n| n.links.get(i)) else {
        return false;
    };
    if list.iter().any(|l| link_id(nodes, l) == target) {
        return false;
    }
    if let Some(list) = nodes.get_mut(from).and_then(|n| n.links.get_mut(i)) {
        list.push(Link::Node(to));
    }
    true
}

/// The default field of an attribute named `name` (before `[attributes]`):
/// the ReqIF standard names, then an rtm field of the same name.
fn default_field(name: &str, kind: Kind) -> Option<(&'static str, u8)> {
    match name {
        "ReqIF.ForeignID" => return Some(("id", 2)),
        "ReqIF.Name" => return Some(("title", 2)),
        "ReqIF.ChapterName" => return Some(("title", 1)),
        "ReqIF.Text" => return Some(("text", 2)),
        _ => {}
    }
    spec::fields(kind)
        .find(|f| f.name == name && f.name != "reqif_id")
        .map(|f| (f.name, 1))
}

fn object_node<'a>(
    cx: &Ctx<'_>,
    sink: &mut Sink,
    d: &'a Doc,
    o: &parse::Object,
    identifier: &'a str,
) -> Option<NewNode<'a>> {
    let type_name = o
        .type_ref
        .as_deref()
        .and_then(|t| cx.object_types.get(t).copied())
        .unwrap_or("");
    let kind = lookup(&cx.mapping.types, type_name)
        .copied()
        .or_else(|| Kind::parse(&type_name.trim().to_ascii_lowercase()))
        .or_else(|| lookup(&cx.mapping.defaults, "kind").and_then(|k| Kind::parse(k)))
        .unwrap_or(Kind::Requirement);
    let element = || Some(format!("SPEC-OBJECT {identifier}"));
    let mut node = NewNode {
        kind,
        identifier,
        file: &d.file,
        line: o.line,
        id: String::new(),
        title: None,
        fields: Small::default(),
        priority: Small::default(),
        links: Default::default(),
        dangling: Default::default(),
    };
    let mut raw_id: Option<(String, u8)> = None;
    let mut ok = true;
    for v in &o.values {
        let name = cx.attr_defs.get(&*v.def).copied().unwrap_or(&v.def);
        // What `rtm export reqif` writes for links to ids the tree does
        // not define (R004): back to the same links.
        if lookup(&cx.mapping.attributes, name).is_none()
            && let Some(i) = name
                .strip_prefix(super::export::DANGLING)
                .and_then(link_index)
        {
            let text = match &v.val {
                Val::Plain(s) | Val::Xhtml(s) => s.as_str(),
                Val::Enum(_) => "",
            };
            let t = text.trim();
            let ids = if t.starts_with('[') {
                string_array(t)
            } else {
                Ok(split_list(t))
            };
            match ids {
                Ok(ids) => {
                    if let Some(list) = node.dangling.get_mut(i) {
                        list.extend(ids);
                    }
                }
                Err(why) => {
                    ok = false;
                    sink.diag(
                        Severity::Error,
                        &d.file,
                        o.line,
                        element(),
                        format!("attribute \"{name}\" cannot be read as links: {why}"),
                    );
                }
            }
            continue;
        }
        let (field, prio) = match lookup(&cx.mapping.attributes, name) {
            Some(f) => match spec::fields(kind).find(|x| x.name == f.as_str()) {
                Some(x) => (x.name, 3),
                None => {
                    sink.diag(
                        Severity::Warning,
                        &d.file,
                        o.line,
                        element(),
                        format!("a {kind} has no field `{f}` (mapped from attribute \"{name}\"); skipped"),
                    );
                    continue;
                }
            },
            None => match default_field(name, kind) {
                Some(f) => f,
                None => {
                    sink.unmapped.push(name.to_owned());
                    continue;
                }
            },
        };
        // Borrowed: only an id is kept as read.
        let text: std::borrow::Cow<'_, str> = match &v.val {
            Val::Plain(s) | Val::Xhtml(s) => s.as_str().into(),
            Val::Enum(refs) => refs
                .iter()
                .map(|r| cx.enum_values.get(r.as_str()).copied().unwrap_or(r))
                .collect::<Vec<_>>()
                .join(", ")
                .into(),
        };
        if text.trim().is_empty() {
            continue;
        }
        match field {
            "id" => {
                if raw_id.as_ref().is_none_or(|(_, p)| prio > *p) {
                    raw_id = Some((text.into_owned(), prio));
                }
            }
            "title" => {
                if node.priority.get("title").is_none_or(|p| prio > *p) {
                    node.title = first_line(&text);
                    node.priority.insert("title", prio);
                }
            }
            _ => {
                if node.priority.get(field).is_some_and(|p| prio <= *p) {
                    continue;
                }
                let Some(f) = spec::fields(kind).find(|x| x.name == field) else {
                    continue;
                };
                match value_for(sink, kind, f, &text, cx.declared.as_deref()) {
                    Ok(Value::Toml(t)) => {
                        node.fields.insert(f.name, t);
                        node.priority.insert(f.name, prio);
                    }
                    Ok(Value::Links(ids)) => {
                        if let Some(i) = link_index(f.name)
                            && let Some(list) = node.links.get_mut(i)
                        {
                            for id in ids {
                                if !list.iter().any(|l| matches!(l, Link::Id(x) if *x == id)) {
                                    list.push(Link::Id(id));
                                }
                            }
                        }
                    }
                    Ok(Value::Skip(why)) => sink.diag(
                        Severity::Warning,
                        &d.file,
                        o.line,
                        element(),
                        format!("attribute \"{name}\": {why}; skipped"),
                    ),
                    Err(why) => {
                        ok = false;
                        sink.diag(
                            Severity::Error,
                            &d.file,
                            o.line,
                            element(),
                            format!("attribute \"{name}\" cannot be read as `{}`: {why}", f.name),
                        );
                    }
                }
            }
        }
    }
    // Defaults, then what each kind requires.
    for (key, value) in &cx.mapping.defaults {
        let Some(f) = spec::fields(kind).find(|x| x.name == key.as_str()) else {
            continue;
        };
        if node.fields.contains_key(f.name) || matches!(f.ty, Ty::Ids(_)) {
            continue;
        }
        if let Ok(Value::Toml(t)) = value_for(sink, kind, f, value, cx.declared.as_deref()) {
            node.fields.insert(f.name, t);
        }
    }
    if kind == Kind::Requirement && !node.fields.contains_key("category") {
        node.fields.insert("category", toml_string("optional"));
    }
    if kind == Kind::Modification && !node.fields.contains_key("stage") {
        node.fields.insert("stage", toml_string("proposed"));
    }
    // The text's first line, read back only when there is no title.
    let text_title = |fields: &Small<String>| {
        fields
            .get("text")
            .and_then(|t| t.parse::<toml_edit::Value>().ok())
            .and_then(|v| v.as_str().and_then(first_line))
    };
    node.id = raw_id.map_or_else(|| identifier.to_owned(), |(s, _)| s);
    node.title = match node.title.take() {
        Some(t) => Some(t),
        None => text_title(&node.fields).or_else(|| o.long_name.as_deref().and_then(first_line)),
    };
    ok.then_some(node)
}

enum Value {
    Toml(String),
    Links(Vec<String>),
    Skip(String),
}

fn split_list(text: &str) -> Vec<String> {
    text.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn value_for(
    sink: &mut Sink,
    kind: Kind,
    f: &Field,
    text: &str,
    declared: Option<&[String]>,
) -> Result<Value, String> {
    let t = text.trim();
    Ok(match f.ty {
        Ty::Str | Ty::Text | Ty::Line => Value::Toml(toml_string(text)),
        Ty::Enum(names) => {
            let v = t.to_ascii_lowercase();
            if names.contains(&v.as_str()) {
                Value::Toml(toml_string(&v))
            } else {
                Value::Skip(format!(
                    "\"{t}\" is not a {} ({})",
                    f.name,
                    names.join(", ")
                ))
            }
        }
        Ty::Classification => match Classification::parse_level(&t.to_ascii_lowercase()) {
            Some(c) => Value::Toml(toml_string(c.as_str())),
            None => Value::Skip(format!("\"{t}\" is not a classification level")),
        },
        Ty::Ids(_) => Value::Links(if t.starts_with('[') {
            string_array(t)?
        } else {
            split_list(t)
        }),
        Ty::Strings | Ty::Variants => {
            let items = if t.starts_with('[') {
                string_array(t)?
            } else {
                split_list(t)
            };
            if f.ty == Ty::Variants {
                if let Some(declared) = declared
                    && let Some(other) = items.iter().find(|v| !declared.contains(v))
                {
                    return Err(if declared.is_empty() {
                        format!("\"{other}\" is not a variant: the tree declares none")
                    } else {
                        format!(
                            "\"{other}\" is not one of the tree's variants ({})",
                            declared.join(", ")
                        )
                    });
                }
                sink.variants.extend(items.iter().cloned());
            }
            Value::Toml(toml_array(items.iter().map(String::as_str)))
        }
        Ty::Values if small_int_table(t) => Value::Toml(t.to_owned()),
        _ => {
            let mut v = t.parse::<toml_edit::Value>().map_err(|e| {
                e.to_string()
                    .lines()
                    .find(|l| !l.trim().is_empty() && !l.contains('|'))
                    .unwrap_or("not TOML")
                    .to_owned()
            })?;
            v.decor_mut().clear();
            let written = v.to_string().trim().to_owned();
            // Never a value the loader refuses (R002) in a written file.
            // These fields' checks do not depend on the project's
            // settings (only `variants` does, handled above).
            static NO_PROJECT: std::sync::LazyLock<Config> =
                std::sync::LazyLock::new(Config::default);
            if let Some(why) = crate::load::field_errors(kind, f.name, &written, &NO_PROJECT)
                .into_iter()
                .next()
            {
                return Err(why);
            }
            Value::Toml(written)
        }
    })
}

/// Whether `t` is an inline table of bare keys, each once, to small
/// decimal integers, spaced as toml_edit writes it (`{ a = 1, b = -20 }`):
/// what `rtm export reqif` writes for `values`. Parsed by toml_edit, such a
/// table is written back as it is, so it is taken as it is, unparsed.
fn small_int_table(t: &str) -> bool {
    let Some(inner) = t.strip_prefix("{ ").and_then(|r| r.strip_suffix(" }")) else {
        return false;
    };
    let mut keys: Vec<&str> = Vec::new();
    for pair in inner.split(", ") {
        let Some((key, value)) = pair.split_once(" = ") else {
            return false;
        };
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let digits = value.strip_prefix('-').unwrap_or(value);
        let number = (1..=18).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (value == "0" || !digits.starts_with('0'));
        if !bare || !number || keys.contains(&key) {
            return false;
        }
        keys.push(key);
    }
    true
}

fn string_array(t: &str) -> Result<Vec<String>, String> {
    let v = t
        .parse::<toml_edit::Value>()
        .map_err(|_| "not a TOML array of strings".to_owned())?;
    let array = v.as_array().ok_or("not a TOML array of strings")?;
    array
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_owned)
                .ok_or_else(|| "not a TOML array of strings".to_owned())
        })
        .collect()
}

/// Makes every id valid and unique; refuses ids the target tree's `[ids]`
/// or nodes forbid. Only making ids unique is done in order; making each
/// valid, and checking it, is done in parallel.
fn make_ids(cx: &mut Ctx<'_>, nodes: &mut [NewNode<'_>], target: &Target<'_>) {
    use rayon::prelude::*;
    let valid: Vec<String> = nodes
        .par_iter()
        .map(|n| {
            make_id(n.kind, &n.id, |id| {
                target.new_tree
                    || target
                        .config
                        .and_then(|c| c.id_pattern(n.kind))
                        .is_some_and(|p| p.regex.is_match(id))
            })
        })
        .collect();
    // The id each node gets when its valid id is taken by an earlier one.
    let mut renamed: Vec<Option<String>> = Vec::new();
    {
        let mut taken: FxHashSet<&str> =
            FxHashSet::with_capacity_and_hasher(valid.len(), Default::default());
        let mut more: FxHashSet<String> = FxHashSet::default();
        for (k, id) in valid.iter().enumerate() {
            if taken.insert(id) && !more.contains(id) {
                continue;
            }
            let mut k2 = 2;
            let mut new = format!("{id}-{k2}");
            while taken.contains(new.as_str()) || more.contains(&new) {
                k2 += 1;
                new = format!("{id}-{k2}");
            }
            more.insert(new.clone());
            if renamed.len() <= k {
                renamed.resize_with(k + 1, || None);
            }
            if let Some(slot) = renamed.get_mut(k) {
                *slot = Some(new);
            }
        }
    }
    renamed.resize_with(valid.len(), || None);
    let diagnostics: Vec<Vec<Diagnostic>> = nodes
        .par_iter_mut()
        .zip(valid)
        .zip(renamed)
        .map(|((n, valid), renamed)| final_id(n, valid, renamed, target))
        .collect();
    cx.diagnostics.extend(diagnostics.into_iter().flatten());
}

/// Gives `n` its id (`valid`, or `renamed` when that was taken) and its
/// title when it has none; what is wrong with the id.
fn final_id(
    n: &mut NewNode<'_>,
    valid: String,
    renamed: Option<String>,
    target: &Target<'_>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let element = || Some(format!("SPEC-OBJECT {}", n.identifier));
    let id = match renamed {
        Some(id) => {
            diags.push(diagnostic(
                Severity::Warning,
                n.file,
                n.line,
                element(),
                format!("id {valid} is taken by an earlier object; this one is {id}"),
            ));
            id
        }
        None => {
            if valid != n.id.trim() {
                diags.push(diagnostic(
                    Severity::Warning,
                    n.file,
                    n.line,
                    element(),
                    format!(
                        "id \"{}\" is not a valid id; written as {valid}",
                        n.id.escape_debug()
                    ),
                ));
            }
            valid
        }
    };
    if let Some(config) = target.config
        && let Some(p) = config.id_pattern(n.kind)
        && !p.regex.is_match(&id)
    {
        diags.push(diagnostic(
            Severity::Error,
            n.file,
            n.line,
            element(),
            format!(
                "id {id} does not match the tree's {} pattern `{}`; map another attribute to `id`, or change [ids]",
                n.kind, p.source
            ),
        ));
    }
    if target.existing_ids.contains(&id) {
        diags.push(diagnostic(
            Severity::Error,
            n.file,
            n.line,
            element(),
            format!("id {id} is already defined in the tree"),
        ));
    }
    if n.title.is_none() {
        n.title = Some(id.clone());
    }
    n.id = id;
    diags
}

fn write_files(nodes: &[NewNode<'_>], docs: &[Doc]) -> Vec<(String, String)> {
    let from = docs
        .iter()
        .map(|d| d.file.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    // (path, nodes) of every file, then each file's text made in parallel.
    let mut plan: Vec<(String, Vec<&NewNode<'_>>)> = Vec::new();
    for &kind in Kind::ALL {
        let of_kind: Vec<&NewNode<'_>> = nodes.iter().filter(|n| n.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let chunks: Vec<&[&NewNode<'_>]> = of_kind.chunks(NODES_PER_FILE).collect();
        let many = chunks.len() > 1;
        for (i, chunk) in chunks.iter().enumerate() {
            let path = if many {
                format!("{}/{:04}.toml", file_stem(kind), i + 1)
            } else {
                format!("{}.toml", file_stem(kind))
            };
            plan.push((path, chunk.to_vec()));
        }
    }
    use rayon::prelude::*;
    let mut files: Vec<(String, String)> = plan
        .into_par_iter()
        .map(|(path, chunk)| {
            let mut text = format!("# Imported by rtm import from {from}.\n");
            for n in chunk {
                node_toml(&mut text, n, nodes);
            }
            (path, text)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn node_toml(out: &mut String, n: &NewNode<'_>, nodes: &[NewNode<'_>]) {
    use std::fmt::Write as _;
    // Written in place: no text is copied twice.
    let _ = write!(out, "\n[[{}]]\n", n.kind);
    let _ = writeln!(out, "id = {}", toml_string(&n.id));
    let title = n.title.as_deref().unwrap_or(&n.id);
    let _ = writeln!(out, "title = {}", toml_string(title));
    for f in spec::fields(n.kind) {
        if let Some(i) = link_index(f.name)
            && matches!(f.ty, Ty::Ids(_))
        {
            match n.links.get(i).filter(|l| !l.is_empty()) {
                Some(list) => {
                    let array = toml_array(list.iter().map(|l| link_id(nodes, l)));
                    for part in [f.name, " = ", &array, "\n"] {
                        out.push_str(part);
                    }
                }
                // Required: written empty rather than left out (R104,
                // not R002).
                None if f.required => {
                    for part in [f.name, " = []\n"] {
                        out.push_str(part);
                    }
                }
                None => {}
            }
            continue;
        }
        if let Some(v) = n.fields.get(f.name) {
            for part in [f.name, " = ", v, "\n"] {
                out.push_str(part);
            }
        }
    }
    if super::identifier_for(&n.id) != n.identifier {
        out.push_str(&format!("reqif_id = {}\n", toml_string(n.identifier)));
    }
}

fn project_file(docs: &[Doc], nodes: &[NewNode<'_>], named: &BTreeSet<String>) -> String {
    // The variants an rtm export states, in their order, then any other
    // the nodes name.
    let stated = crate::interchange::Stated {
        variants: docs
            .iter()
            .filter_map(|d| d.comment.as_deref())
            .find_map(super::export::stated_variants),
        ..Default::default()
    };
    let variants = stated.variants_with(&named.iter().cloned().collect::<Vec<_>>());
    let name = docs
        .iter()
        .find_map(|d| {
            d.title
                .clone()
                .or_else(|| d.specifications.first().cloned())
        })
        .filter(|s| !s.trim().is_empty())
        .or_else(|| docs.first().map(|d| d.file.clone()))
        .unwrap_or_default();
    let mut out = String::from("# Made by rtm import.\n\n[project]\n");
    out.push_str(&format!("name = {}\n", toml_string(&name)));
    if !variants.is_empty() {
        let array = toml_array(variants.iter().map(String::as_str));
        out.push_str(&format!("variants = {array}\n"));
    }
    out.push_str("\n# Every imported id matches these patterns.\n[ids]\n");
    for &kind in Kind::ALL {
        let of_kind = || nodes.iter().filter(|n| n.kind == kind);
        if of_kind().next().is_none() {
            continue;
        }
        let pattern = if of_kind().any(|n| n.id.starts_with(|c: char| c.is_ascii_digit())) {
            DIGIT_ID_PATTERN
        } else {
            DEFAULT_ID_PATTERN
        };
        out.push_str(&format!("{kind} = {}\n", toml_string(pattern)));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn a_small_int_table_is_what_toml_edit_writes_back() {
        let toml_edit = |t: &str| {
            t.parse::<toml_edit::Value>().ok().map(|mut v| {
                v.decor_mut().clear();
                v.to_string().trim().to_owned()
            })
        };
        for t in [
            "{ a = 1 }",
            "{ param_1931 = 79 }",
            "{ a = 1, b-c = -20, D_9 = 0 }",
            "{ x = 123456789012345678 }",
        ] {
            assert!(super::small_int_table(t), "{t}");
            assert_eq!(toml_edit(t).as_deref(), Some(t), "{t}");
        }
        // Anything else is left to toml_edit (some are not TOML at all).
        for t in [
            "{}",
            "{ }",
            "{a = 1}",
            "{ a = 1 , b = 2 }",
            "{  a = 1 }",
            "{ a = 01 }",
            "{ a = -0 }",
            "{ a = +1 }",
            "{ a = 1_000 }",
            "{ a = 1.5 }",
            "{ a = 0x10 }",
            "{ a = 1234567890123456789 }",
            "{ a = 1, a = 2 }",
            "{ a.b = 1 }",
            "{ \"a\" = 1 }",
            "{ é = 1 }",
            "{ a = 1, }",
            "{ = 1 }",
            "{ a = }",
            "{ a = - }",
            "{ a = true }",
            "{ a = 1 }}",
        ] {
            assert!(!super::small_int_table(t), "{t}");
        }
    }

    #[test]
    fn toml_array_writes_what_toml_edit_writes() {
        let lists: &[&[&str]] = &[
            &[],
            &["A"],
            &["BR-1", "BR-2", "naïve café"],
            &["", "x"],
            &["a \"b\"", "c"],
            &["back\\slash"],
            &["line\nbreak", "plain"],
            &["tab\there"],
        ];
        for list in lists {
            let array: toml_edit::Array = list.iter().copied().collect();
            let want = array.to_string().trim().to_owned();
            assert_eq!(super::toml_array(list.iter().copied()), want, "{list:?}");
        }
    }

    #[test]
    fn toml_string_writes_what_toml_edit_writes() {
        for s in [
            "",
            "plain",
            "naïve café – 50%",
            "it's",
            "'quoted'",
            "a \"b\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "del\u{7f}",
            "'''",
            "\"\"\"",
            "x = { y = 1 }",
        ] {
            let want = toml_edit::Value::from(s).to_string().trim().to_owned();
            assert_eq!(super::toml_string(s), want, "{s:?}");
        }
    }
}
