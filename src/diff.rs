//! Comparing two versions of a tree: `rtm diff` and `rtm check --since`.
//!
//! Both versions are checked in full ([`crate::check_files`]); the
//! comparison is then made on what was read, never on the TOML text:
//!
//! - nodes are matched by id (an id defined twice is compared by its first
//!   definition, in path order) and compared field by field on their
//!   meaningful content (see [`field_changes`]), so moving a node to another
//!   file, reordering fields or links, or editing comments changes nothing;
//! - deviations are matched by (entry id, SEC obligation id);
//! - findings are matched by a [`FindingKey`] that holds no line or column,
//!   so a finding that only moved is neither introduced nor resolved.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::finding::Finding;
use crate::git::GitError;
use crate::load::{FileSet, LoadError};
use crate::model::{Deviation, LinkField, Node, Number};
use crate::rules::Level;
use crate::{Checked, Options};

/// Why the earlier version (BASE) could not be read (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    #[error("{base}: neither a folder nor a git revision: {source}")]
    Neither { base: String, source: GitError },
    /// git could read BASE but would not (e.g. `safe.directory`).
    #[error(transparent)]
    Git(GitError),
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// The file set of BASE: the folder BASE when one exists, else the tree at
/// `tree` as it was at the git revision BASE.
pub fn base_files(base: &str, tree: &Path) -> Result<FileSet, BaseError> {
    let folder = Path::new(base);
    if folder.is_dir() {
        return Ok(FileSet::from_dir(folder)?);
    }
    crate::git::files_at(tree, base).map_err(|source| match source {
        GitError::DubiousOwnership(_) => BaseError::Git(source),
        source => BaseError::Neither {
            base: base.to_owned(),
            source,
        },
    })
}

/// Reads and checks BASE (see [`base_files`]).
pub fn check_base(base: &str, tree: &Path, options: &Options) -> Result<Checked, BaseError> {
    Ok(crate::check_files(base_files(base, tree)?, options))
}

/// What identifies a finding across two versions of a tree: no line, no
/// column, no file when the finding is about a node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingKey {
    /// The rule's code.
    pub code: &'static str,
    /// The node's id, or the file's path when no node is known.
    pub subject: String,
    /// The source text the finding points at (the bad id, the figure…).
    pub target: String,
    /// The message, with any `line:column` position removed.
    pub message: String,
}

/// The value of a TOML string literal (`"a"`, `'a'`, `"""a"""`), so that the
/// same text written with other quotes is the same target.
fn string_value(raw: &str) -> Option<String> {
    if !raw.starts_with(['"', '\'']) {
        return None;
    }
    let doc: toml::Table = toml::from_str(&format!("v = {raw}")).ok()?;
    match doc.get("v")? {
        toml::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Whether a character is a word character for `\b` (a letter, a digit,
/// a mark or `_`).
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || unicode_mark(c)
}

/// Combining marks (the common blocks): word characters for `\b`.
fn unicode_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// The length of the ASCII digits at the start of `s`.
fn digits(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// The length of `line N, column M` (`line`, `column` in any case, the
/// comma optional) at the start of `s`, if it is there.
fn line_column(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let word = |at: usize, w: &str| {
        b.get(at..at + w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
    };
    let mut at = 0;
    if !word(at, "line ") {
        return None;
    }
    at += 5;
    let n = digits(s.get(at..)?);
    if n == 0 {
        return None;
    }
    at += n;
    if b.get(at) == Some(&b',') {
        at += 1;
    }
    if !word(at, " column ") {
        return None;
    }
    at += 8;
    let n = digits(s.get(at..)?);
    (n > 0).then_some(at + n)
}

/// The length of `N:M` or `N:M:K` at the start of `s` that ends at a word
/// boundary, if it is there.
fn colon_numbers(s: &str) -> Option<usize> {
    let ends_word = |at: usize| {
        !s.get(at..)
            .and_then(|r| r.chars().next())
            .is_some_and(is_word)
    };
    let a = digits(s);
    if a == 0 || s.as_bytes().get(a) != Some(&b':') {
        return None;
    }
    let b = digits(s.get(a + 1..)?);
    if b == 0 {
        return None;
    }
    let two = a + 1 + b;
    if s.as_bytes().get(two) == Some(&b':') {
        let c = digits(s.get(two + 1..)?);
        if c > 0 && ends_word(two + 1 + c) {
            return Some(two + 1 + c);
        }
    }
    ends_word(two).then_some(two)
}

/// A message without the places it names (`line 4, column 2`, `3:14`,
/// `3:14:2`), so that a finding that only moved keeps its key. A plain
/// scan: nothing to build, so nothing that can fail to.
fn strip_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut prev: Option<char> = None;
    let mut rest = message;
    while let Some(c) = rest.chars().next() {
        if !prev.is_some_and(is_word)
            && let Some(n) = line_column(rest).or_else(|| colon_numbers(rest))
            && let (Some(matched), Some(after)) = (rest.get(..n), rest.get(n..))
        {
            prev = matched.chars().next_back();
            rest = after;
            continue;
        }
        out.push(c);
        prev = Some(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    out
}

impl FindingKey {
    pub fn of(checked: &Checked, f: &Finding) -> FindingKey {
        let sources = &checked.model.sources;
        let subject = f
            .node
            .clone()
            .unwrap_or_else(|| sources.path(f.span.file).to_owned());
        let raw = sources
            .file(f.span.file)
            .text
            .get(f.span.range())
            .unwrap_or("");
        let target = string_value(raw).unwrap_or_else(|| raw.to_owned());
        let message = strip_positions(&f.message);
        FindingKey {
            code: f.code.rule().code,
            subject,
            target,
            message,
        }
    }
}

/// The indices (in `of.findings`) of the findings of `of` that `against`
/// does not have. Findings with the same key are counted: if `against`
/// has one and `of` two, one of the two is unmatched (the later one).
pub fn unmatched(of: &Checked, against: &Checked) -> Vec<usize> {
    let mut have: HashMap<FindingKey, usize> = HashMap::new();
    for f in &against.findings {
        *have.entry(FindingKey::of(against, f)).or_default() += 1;
    }
    let mut out = Vec::new();
    for (i, f) in of.findings.iter().enumerate() {
        match have.get_mut(&FindingKey::of(of, f)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(i),
        }
    }
    out
}

/// What `rtm check --since` adds to the JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Since {
    /// BASE, as given on the command line.
    pub base: String,
    /// Findings of the tree that BASE already had: not reported.
    pub older: usize,
}

/// Keeps in `head` only the findings that `base` does not have.
pub fn keep_new(head: &mut Checked, base: &Checked, base_name: &str) -> Since {
    let new = unmatched(head, base);
    let older = head.findings.len() - new.len();
    let mut keep = vec![false; head.findings.len()];
    for i in new {
        if let Some(k) = keep.get_mut(i) {
            *k = true;
        }
    }
    let mut flags = keep.into_iter();
    head.findings.retain(|_| flags.next().unwrap_or(false));
    Since {
        base: base_name.to_owned(),
        older,
    }
}

/// A node added or removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRef {
    pub id: String,
    pub kind: &'static str,
    pub title: Option<String>,
    /// Where it is defined (head) or was (base), relative to the tree.
    pub file: String,
}

/// One field whose value differs; `null` when the field is not set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// A node present in both versions whose content differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeChange {
    pub id: String,
    /// Its kind in the head version.
    pub kind: &'static str,
    pub fields: Vec<FieldChange>,
}

/// A deviation added or removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviationRef {
    /// The RTM entry that declares it.
    pub node: String,
    /// The SEC obligation it departs from.
    pub sec: String,
    pub summary: Option<String>,
    pub rationale: Option<String>,
    pub modification: Option<String>,
}

/// A deviation present in both versions whose content differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviationChange {
    pub node: String,
    pub sec: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeChanges {
    pub added: Vec<NodeRef>,
    pub removed: Vec<NodeRef>,
    pub changed: Vec<NodeChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeviationChanges {
    pub added: Vec<DeviationRef>,
    pub changed: Vec<DeviationChange>,
    pub removed: Vec<DeviationRef>,
}

/// Findings of one version that the other does not have, as indices into
/// the head's findings (`introduced`) and the base's (`resolved`), in
/// their sorted order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingChanges {
    pub introduced: Vec<usize>,
    pub resolved: Vec<usize>,
}

/// Everything that differs between two checked versions of a tree.
/// Nodes are sorted by id, deviations by entry id then SEC id (byte order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub nodes: NodeChanges,
    pub deviations: DeviationChanges,
    pub findings: FindingChanges,
}

impl Diff {
    /// Whether an introduced finding is at level `error` (exit status 1).
    pub fn introduces_errors(&self, head: &Checked) -> bool {
        self.findings
            .introduced
            .iter()
            .filter_map(|&i| head.findings.get(i))
            .any(|f| f.level == Level::Error)
    }

    /// Whether nothing differs at all.
    pub fn is_empty(&self) -> bool {
        *self == Diff::default()
    }
}

/// Whether an id names a node the reader may not see (FORMAT §10).
pub type Hidden<'h> = &'h (dyn Fn(&str) -> bool + Sync);

/// Compares two checked versions of a tree.
pub fn compare(base: &Checked, head: &Checked) -> Diff {
    compare_as(base, head, &|_| false)
}

/// Compares two versions of a tree as a reader who may not see the ids
/// `hidden` names (both trees with the nodes above the reader's level
/// deleted, [`crate::view::View::into_shown`]): a shown node's link to
/// such a node counts as "1 withheld item", and its deviation from such an
/// obligation, a change a modification makes to one, and a decision about
/// such a deviation are left out, as the documents and exports do.
pub fn compare_as(base: &Checked, head: &Checked, hidden: Hidden<'_>) -> Diff {
    let old = by_id(base);
    let new = by_id(head);
    let mut diff = Diff::default();
    let ids: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    for id in ids {
        match (old.get(id), new.get(id)) {
            (None, Some(n)) => {
                diff.nodes.added.push(node_ref(head, n));
                for (sec, d) in deviations(n, hidden) {
                    diff.deviations.added.push(deviation_ref(n, sec, d, hidden));
                }
            }
            (Some(o), None) => {
                diff.nodes.removed.push(node_ref(base, o));
                for (sec, d) in deviations(o, hidden) {
                    diff.deviations
                        .removed
                        .push(deviation_ref(o, sec, d, hidden));
                }
            }
            (Some(o), Some(n)) => {
                let fields = field_changes_as(o, n, hidden);
                if !fields.is_empty() {
                    diff.nodes.changed.push(NodeChange {
                        id: id.to_owned(),
                        kind: n.kind.as_str(),
                        fields,
                    });
                }
                compare_deviations(o, n, &mut diff.deviations, hidden);
            }
            (None, None) => {}
        }
    }
    diff.findings.introduced = unmatched(head, base);
    diff.findings.resolved = unmatched(base, head);
    diff
}

/// The first definition of every id.
pub(crate) fn by_id(checked: &Checked) -> BTreeMap<&str, &Node> {
    let mut map = BTreeMap::new();
    for node in &checked.model.nodes {
        map.entry(node.id.as_str()).or_insert(node);
    }
    map
}

fn node_ref(checked: &Checked, node: &Node) -> NodeRef {
    NodeRef {
        id: node.id.to_string(),
        kind: node.kind.as_str(),
        title: node.title().map(String::from),
        file: checked.model.sources.path(node.file()).to_owned(),
    }
}

/// A node's deviations by SEC id (`""` when the deviation names none); the
/// first one wins when an entry deviates twice from the same obligation.
/// A deviation from a hidden obligation is left out.
fn deviations<'n>(node: &'n Node, hidden: Hidden<'_>) -> BTreeMap<&'n str, &'n Deviation> {
    let mut map = BTreeMap::new();
    for d in node.deviations() {
        let sec = node.link_target(d.sec).unwrap_or("");
        if !hidden(sec) {
            map.entry(sec).or_insert(d);
        }
    }
    map
}

fn deviation_ref(node: &Node, sec: &str, d: &Deviation, hidden: Hidden<'_>) -> DeviationRef {
    DeviationRef {
        node: node.id.to_string(),
        sec: sec.to_owned(),
        summary: d.summary.as_ref().map(|s| s.value.clone()),
        rationale: d.rationale.as_ref().map(|s| s.value.clone()),
        modification: node.link_target(d.modification).map(|m| {
            if hidden(m) {
                crate::view::withheld_phrase(1)
            } else {
                m.to_owned()
            }
        }),
    }
}

/// A deviation's fields, in a fixed order.
fn deviation_fields(r: &DeviationRef) -> [(&'static str, Value); 3] {
    [
        ("summary", opt(r.summary.as_deref())),
        ("rationale", opt(r.rationale.as_deref())),
        ("modification", opt(r.modification.as_deref())),
    ]
}

fn deviation_value(r: &DeviationRef) -> Value {
    let mut map = Map::new();
    for (k, v) in deviation_fields(r) {
        if !v.is_null() {
            map.insert(k.to_owned(), v);
        }
    }
    Value::Object(map)
}

fn compare_deviations(old: &Node, new: &Node, out: &mut DeviationChanges, hidden: Hidden<'_>) {
    let o = deviations(old, hidden);
    let n = deviations(new, hidden);
    let secs: BTreeSet<&str> = o.keys().chain(n.keys()).copied().collect();
    for sec in secs {
        match (o.get(sec), n.get(sec)) {
            (None, Some(d)) => out.added.push(deviation_ref(new, sec, d, hidden)),
            (Some(d), None) => out.removed.push(deviation_ref(old, sec, d, hidden)),
            (Some(a), Some(b)) => {
                let (a, b) = (
                    deviation_ref(old, sec, a, hidden),
                    deviation_ref(new, sec, b, hidden),
                );
                let fields = changes(deviation_fields(&a), deviation_fields(&b));
                if !fields.is_empty() {
                    out.changed.push(DeviationChange {
                        node: new.id.to_string(),
                        sec: sec.to_owned(),
                        fields,
                    });
                }
            }
            (None, None) => {}
        }
    }
}

fn changes(
    old: impl IntoIterator<Item = (&'static str, Value)>,
    new: impl IntoIterator<Item = (&'static str, Value)>,
) -> Vec<FieldChange> {
    old.into_iter()
        .zip(new)
        .filter(|((_, a), (_, b))| a != b)
        .map(|((field, old), (_, new))| FieldChange {
            field: field.to_owned(),
            old,
            new,
        })
        .collect()
}

/// The fields of two definitions of one id whose meaningful content
/// differs, in a fixed order: `kind`, `title`, `text`, `status`,
/// `category`, `variants`, the links per field (`themes`, `satisfies`,
/// `refines`, `sec`), the deviations (`deviations.<SEC id>` for one added
/// or removed, `deviations.<SEC id>.<field>` for a field of one changed:
/// `summary`, `rationale`, `modification`), `values`,
/// `limits`, `user_impact`, `stage`, `changes`, `classification`, `owner`, `tags`,
/// `source`, `url`, then `waivers` (each `rule`, `reason`, `by`, `until`),
/// `decisions` (each `about`, `outcome`, `by`, `on` and `note`, by date),
/// `questions` (each `asked`, `on`, `to`, `text`, `due`, `answer` and
/// `answered`, by date) and `reviewed` (`by` and `on`): recording a waiver,
/// a decision, a question, its answer or a review is a change of the node,
/// so that it shows in a pull request.
/// Lists whose order carries no meaning (links, variants, tags, waivers,
/// a modification's changes) are compared sorted. Not compared: comments,
/// layout, field order, the file, `reqif_id`.
pub fn field_changes(old: &Node, new: &Node) -> Vec<FieldChange> {
    field_changes_as(old, new, &|_| false)
}

/// [`field_changes`] as a reader who may not see the ids `hidden` names
/// (see [`compare_as`]).
pub fn field_changes_as(old: &Node, new: &Node, hidden: Hidden<'_>) -> Vec<FieldChange> {
    let mut out = changes(content_head(old, hidden), content_head(new, hidden));
    let (o, n) = (deviations(old, hidden), deviations(new, hidden));
    let secs: BTreeSet<&str> = o.keys().chain(n.keys()).copied().collect();
    for sec in secs {
        let a = o.get(sec).map(|d| deviation_ref(old, sec, d, hidden));
        let b = n.get(sec).map(|d| deviation_ref(new, sec, d, hidden));
        match (a, b) {
            (Some(a), Some(b)) => {
                for c in changes(deviation_fields(&a), deviation_fields(&b)) {
                    out.push(FieldChange {
                        field: format!("deviations.{sec}.{}", c.field),
                        ..c
                    });
                }
            }
            (a, b) => out.push(FieldChange {
                field: format!("deviations.{sec}"),
                old: a.as_ref().map_or(Value::Null, deviation_value),
                new: b.as_ref().map_or(Value::Null, deviation_value),
            }),
        }
    }
    out.extend(changes(
        content_tail(old, hidden),
        content_tail(new, hidden),
    ));
    out
}

fn content_head(n: &Node, hidden: Hidden<'_>) -> Vec<(&'static str, Value)> {
    vec![
        ("kind", Value::from(n.kind.as_str())),
        ("title", opt(n.title())),
        ("text", opt(Some(n.text()).filter(|t| !t.is_empty()))),
        ("status", Value::from(n.status.as_str())),
        ("category", opt(n.category.map(|c| c.as_str()))),
        (
            "variants",
            n.variants()
                .map_or(Value::Null, |v| sorted(v.iter().map(String::as_str))),
        ),
        ("themes", links(n, LinkField::Themes, hidden)),
        ("satisfies", links(n, LinkField::Satisfies, hidden)),
        ("refines", links(n, LinkField::Refines, hidden)),
        ("sec", links(n, LinkField::Sec, hidden)),
    ]
}

/// Limits as JSON: parameter = { min, max, equals } (the bounds written).
fn limits_value(limits: &[crate::model::Limit]) -> Map<String, Value> {
    limits
        .iter()
        .map(|l| {
            let mut bounds = Map::new();
            for (k, b) in [("min", l.min), ("max", l.max), ("equals", l.equals)] {
                if let Some(b) = b {
                    bounds.insert(k.to_owned(), number(b));
                }
            }
            (l.param.clone(), Value::Object(bounds))
        })
        .collect()
}

fn content_tail(n: &Node, hidden: Hidden<'_>) -> Vec<(&'static str, Value)> {
    let values: Map<String, Value> = n
        .values
        .iter()
        .map(|v| (n.param(v).to_string(), number(v.value)))
        .collect();
    let limits = limits_value(n.limits());
    vec![
        ("values", Value::Object(values)),
        ("limits", Value::Object(limits)),
        ("user_impact", opt(n.user_impact().map(|u| u.value))),
        ("stage", opt(n.stage.map(|s| s.as_str()))),
        ("changes", changes_value(n, hidden)),
        ("classification", opt(n.classification.map(|c| c.as_str()))),
        ("owner", opt(n.owner().map(crate::source::Str::as_str))),
        ("tags", sorted(n.tags().iter().map(String::as_str))),
        ("source", opt(n.source().map(crate::source::Str::as_str))),
        ("url", opt(n.url().map(crate::source::Str::as_str))),
        ("waivers", waivers(n)),
        ("decisions", decisions(n, hidden)),
        ("questions", questions(n)),
        (
            "reviewed",
            n.reviewed().map_or(
                Value::Null,
                |r| serde_json::json!({ "by": r.by, "on": r.on }),
            ),
        ),
    ]
}

/// A modification's changes (FORMAT §16), in an order that does not
/// depend on the file's; a change to a hidden obligation is left out.
fn changes_value(n: &Node, hidden: Hidden<'_>) -> Value {
    let mut items: Vec<Value> = n
        .changes()
        .iter()
        .filter(|c| !n.link_target(c.sec).is_some_and(hidden))
        .map(|c| {
            let limits = limits_value(&c.limits);
            let mut o = Map::new();
            o.insert("sec".into(), opt(n.link_target(c.sec)));
            if c.withdraws {
                o.insert("withdraws".into(), Value::Bool(true));
            } else {
                o.insert("limits".into(), Value::Object(limits));
            }
            Value::Object(o)
        })
        .collect();
    items.sort_by_cached_key(Value::to_string);
    Value::Array(items)
}

/// A node's decisions (FORMAT §15), by date, then as written (the
/// fingerprint left out: it follows from the content compared elsewhere);
/// a decision about a deviation from a hidden obligation is left out.
fn decisions(n: &Node, hidden: Hidden<'_>) -> Value {
    let mut items: Vec<(Option<&str>, Value)> = n
        .decisions()
        .iter()
        .filter(|d| !about_hidden(d, hidden))
        .map(|d| {
            let mut m = Map::new();
            m.insert(
                "about".into(),
                d.about
                    .as_ref()
                    .map_or(Value::Null, |a| Value::from(a.value.to_string())),
            );
            m.insert("outcome".into(), opt(d.outcome.map(|o| o.as_str())));
            m.insert("by".into(), opt(d.by.as_deref()));
            m.insert("on".into(), opt(d.on.as_deref()));
            if let Some(note) = &d.note {
                m.insert("note".into(), Value::from(note.as_str()));
            }
            (d.on.as_deref(), Value::Object(m))
        })
        .collect();
    items.sort_by_cached_key(|(on, v)| (*on, v.to_string()));
    Value::Array(items.into_iter().map(|(_, v)| v).collect())
}

/// A node's questions (FORMAT §17), by the date asked, then by content:
/// every field, so that a new answer, or an answer or a question reworded,
/// shows (the OPSG reads the answers).
fn questions(n: &Node) -> Value {
    let mut items: Vec<(Option<&str>, Value)> = n
        .questions()
        .iter()
        .map(|q| {
            let mut m = Map::new();
            m.insert("asked".into(), opt(q.asked.as_deref()));
            m.insert("on".into(), opt(q.on.as_deref()));
            if let Some(to) = &q.to {
                m.insert("to".into(), Value::from(to.as_str()));
            }
            m.insert(
                "text".into(),
                opt(q.text.as_ref().map(|t| t.value.as_str())),
            );
            if let Some(due) = &q.due {
                m.insert("due".into(), Value::from(due.as_str()));
            }
            if let Some(answer) = &q.answer {
                m.insert("answer".into(), Value::from(answer.as_str()));
            }
            if let Some(answered) = &q.answered {
                m.insert("answered".into(), Value::from(answered.as_str()));
            }
            (q.on.as_deref(), Value::Object(m))
        })
        .collect();
    items.sort_by_cached_key(|(on, v)| (*on, v.to_string()));
    Value::Array(items.into_iter().map(|(_, v)| v).collect())
}

/// A node's waivers, in an order that does not depend on the file's.
fn waivers(n: &Node) -> Value {
    let mut items: Vec<Value> = n
        .waivers()
        .iter()
        .map(|w| {
            serde_json::json!({
                "rule": w.rule.as_ref().map(|r| r.value.as_str()),
                "reason": w.reason,
                "by": w.by,
                "until": w.until.as_ref().map(|u| u.value.as_str()),
            })
        })
        .collect();
    items.sort_by_cached_key(Value::to_string);
    Value::Array(items)
}

fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::from)
}

fn sorted<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    let mut v: Vec<&str> = items.collect();
    v.sort_unstable();
    Value::from(v)
}

/// Whether a decision is about a deviation from a hidden obligation.
pub fn about_hidden(d: &crate::model::Decision, hidden: Hidden<'_>) -> bool {
    d.about
        .as_ref()
        .is_some_and(|a| matches!(&a.value, crate::model::About::Deviation(id) if hidden(id)))
}

/// A node's links of one field, sorted; the hidden ones as their number.
fn links(n: &Node, field: LinkField, hidden: Hidden<'_>) -> Value {
    let (hid, mut shown): (Vec<&str>, Vec<&str>) = n.targets_in(field).partition(|t| hidden(t));
    shown.sort_unstable();
    let mut v: Vec<Value> = shown.into_iter().map(Value::from).collect();
    if !hid.is_empty() {
        v.push(Value::from(crate::view::withheld_phrase(hid.len())));
    }
    Value::Array(v)
}

/// A number as a person wrote it: `60`, not `60.0`; an integer exactly.
fn number(v: Number) -> Value {
    match v {
        Number::Int(i) => Value::from(i),
        Number::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
        Number::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_removed_from_messages() {
        let strip = strip_positions;
        assert_eq!(strip("bad at 3:14 here"), "bad at  here");
        assert_eq!(
            strip("invalid TOML at line 4, column 2"),
            "invalid TOML at "
        );
        assert_eq!(strip("at LINE 4 Column 22."), "at .");
        assert_eq!(strip("RTM-0001 sets x = 61"), "RTM-0001 sets x = 61");
        assert_eq!(strip("1:2:3 and 4:5:6x and a1:2"), " and :6x and a1:2");
        assert_eq!(strip("é 10:20é"), "é 10:20é");
        assert_eq!(strip("line 1, column 2:3"), ":3");
    }

    /// The scan strips what the pattern it replaces
    /// (`(?i)\bline \d+,? column \d+|\b\d+:\d+(:\d+)?\b`) matched, on
    /// messages of ASCII digits (every place rtm writes).
    #[test]
    fn the_scan_matches_the_pattern_it_replaces() {
        use proptest::prelude::*;
        let re = regex::Regex::new(r"(?i)\bline \d+,? column \d+|\b\d+:\d+(:\d+)?\b")
            .unwrap_or_else(|e| panic!("{e}"));
        let piece = prop::sample::select(vec![
            "line ", "LINE ", "Line", " column ", "column ", ",", ":", " ", "1", "23", "a", "_",
            "é", "-", "x", "\u{301}",
        ]);
        proptest!(ProptestConfig::with_cases(4000), |(parts in prop::collection::vec(piece, 0..12))| {
            let s: String = parts.concat();
            prop_assert_eq!(strip_positions(&s), re.replace_all(&s, "").into_owned(), "{:?}", s);
        });
    }

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(number(Number::Float(60.0)).to_string(), "60");
        assert_eq!(number(Number::Float(0.5)).to_string(), "0.5");
        assert_eq!(
            number(Number::Int(i64::MAX)).to_string(),
            "9223372036854775807"
        );
    }
}
