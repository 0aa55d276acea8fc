//! What a document for people may show (FORMAT §10). A node above the
//! document's classification leaves no trace: not its id, title, text or
//! values, nor its id in another node's links, nor a finding about it.
//!
//! A document at level L is the document of the tree with every node above
//! L deleted: the [`View`] builds that tree and checks it again, so every
//! figure, count and mark is computed on what the document shows and none
//! lets a reader infer a withheld node. The only trace left is the stated
//! number of withheld items.
//!
//! Fails closed: a node whose classification cannot be read is `red`
//! ([`Node::level`]), and a project whose classification cannot be read
//! makes [`View::new`] refuse.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::Checked;
use crate::config::Labels;
use crate::finding::Finding;
use crate::model::{Classification, Model, Node};
use crate::rules::Code;
use crate::source::Span;

/// Why no document may be written: the project's classification cannot
/// be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}; no document was written (FORMAT §10: an unreadable classification fails closed)")]
pub struct Refused(pub String);

/// Which nodes of a checked tree a reader at one level may see, and which
/// findings may be shown to them.
#[derive(Debug)]
pub struct Visibility {
    /// The level asked for.
    pub level: Classification,
    /// Per node definition: whether it may be shown.
    visible: Vec<bool>,
    /// Ids none of whose definitions may be shown.
    hidden_ids: HashSet<String>,
    /// Ids with definitions on both sides, and the files that hold a
    /// withheld definition of them.
    mixed: HashMap<String, HashSet<crate::source::FileId>>,
    /// The `id` spans of withheld definitions.
    hidden_spans: HashSet<Span>,
    /// How many node definitions are withheld.
    pub withheld_nodes: usize,
    /// Below the top level: the node files that could not be read (R001)
    /// or were not followed (R304). Their nodes' levels are unknown, so
    /// they fail closed, as `red`: no finding names them.
    unread: HashSet<crate::source::FileId>,
}

impl Visibility {
    /// The visibility of a checked tree at `level` (`None`: the project's
    /// own level). Refuses when the project's classification cannot be read.
    pub fn new(checked: &Checked, level: Option<Classification>) -> Result<Visibility, Refused> {
        if let Some(why) = &checked.config.unreadable {
            return Err(Refused(why.clone()));
        }
        let default = checked.config.classification();
        let level = level.unwrap_or(default);
        let nodes = &checked.model.nodes;
        let visible: Vec<bool> = nodes.iter().map(|n| n.level(default) <= level).collect();
        // Only a withheld node's id is looked up: when nothing is withheld
        // (the usual case), the set is not built at all.
        let shown_ids: rustc_hash::FxHashSet<&str> = if visible.iter().all(|v| *v) {
            rustc_hash::FxHashSet::default()
        } else {
            nodes
                .iter()
                .zip(&visible)
                .filter(|(_, v)| **v)
                .map(|(n, _)| n.id.as_str())
                .collect()
        };
        let mut hidden_ids = HashSet::new();
        let mut mixed: HashMap<String, HashSet<crate::source::FileId>> = HashMap::new();
        let mut hidden_spans = HashSet::new();
        for n in nodes
            .iter()
            .zip(&visible)
            .filter(|(_, v)| !**v)
            .map(|(n, _)| n)
        {
            hidden_spans.insert(n.id_span());
            if shown_ids.contains(n.id.as_str()) {
                mixed.entry(n.id.to_string()).or_default().insert(n.file());
            } else {
                hidden_ids.insert(n.id.to_string());
            }
        }
        let withheld_nodes = visible.iter().filter(|v| !**v).count();
        let unread = if level < Classification::Red {
            checked
                .load_findings
                .iter()
                .filter(|f| matches!(f.code, Code::R001 | Code::R304))
                .map(|f| f.span.file)
                .filter(|&file| checked.model.sources.file(file).path != crate::load::PROJECT_FILE)
                .collect()
        } else {
            HashSet::new()
        };
        Ok(Visibility {
            level,
            visible,
            hidden_ids,
            mixed,
            hidden_spans,
            withheld_nodes,
            unread,
        })
    }

    /// Whether a file is one whose name no document below the top level
    /// may show: a node file that could not be read or was not followed.
    pub fn hides_file(&self, file: crate::source::FileId) -> bool {
        self.unread.contains(&file)
    }

    /// Whether node definition `i` may be shown.
    pub fn shows(&self, i: usize) -> bool {
        self.visible.get(i).copied().unwrap_or(false)
    }

    /// Whether an id names only withheld nodes.
    pub fn hides_id(&self, id: &str) -> bool {
        self.hidden_ids.contains(id)
    }

    /// Removes from a node's table, as written in its file, every trace of
    /// a withheld node (FORMAT §10): its id in a link, a deviation from a
    /// withheld obligation (and the decisions about it), a withheld
    /// modification named by a deviation, a change a modification makes to
    /// a withheld obligation, and a withheld node's fingerprint in a
    /// review stamp. Every export reads its nodes through this.
    pub fn redact_table(&self, table: &mut toml::Table) {
        use crate::model::LinkField;
        let hidden = |v: Option<&toml::Value>| {
            v.and_then(toml::Value::as_str)
                .is_some_and(|id| self.hides_id(id))
        };
        let before: Vec<&str> = [
            "satisfies",
            "refines",
            "sec",
            "deviations",
            "changes",
            "decisions",
        ]
        .into_iter()
        .filter(|k| {
            table
                .get(*k)
                .and_then(toml::Value::as_array)
                .is_some_and(|a| !a.is_empty())
        })
        .collect();
        let node_links = [
            LinkField::Themes,
            LinkField::Satisfies,
            LinkField::Refines,
            LinkField::Sec,
        ];
        for field in node_links.map(LinkField::name) {
            if let Some(toml::Value::Array(items)) = table.get_mut(field) {
                items.retain(|v| !hidden(Some(v)));
            }
        }
        for field in ["deviations", "changes"] {
            if let Some(toml::Value::Array(items)) = table.get_mut(field) {
                items.retain(|d| !hidden(d.get("sec")));
            }
        }
        if let Some(toml::Value::Array(devs)) = table.get_mut("deviations") {
            for d in devs.iter_mut().filter_map(toml::Value::as_table_mut) {
                if hidden(d.get("modification")) {
                    d.remove("modification");
                }
            }
        }
        if let Some(toml::Value::Array(decisions)) = table.get_mut("decisions") {
            decisions.retain(|d| {
                !d.get("about")
                    .and_then(toml::Value::as_str)
                    .and_then(|about| about.strip_prefix("deviation:"))
                    .is_some_and(|id| self.hides_id(id))
            });
        }
        if let Some(toml::Value::Table(stamp)) = table.get_mut("reviewed")
            && let Some(toml::Value::Table(links)) = stamp.get_mut("links")
        {
            links.retain(|id, _| !self.hides_id(id));
        }
        // A list emptied here goes, so that no `refines = []` hints at what
        // was there; `themes` stays, as the shown tree has it (R104).
        table.retain(|key, value| {
            key == "themes"
                || !value.as_array().is_some_and(Vec::is_empty)
                || !before.contains(&key)
        });
    }

    /// Whether a finding may be shown: it is about no withheld node, points
    /// at none, and none of its words names one; nor, below the top level,
    /// is it in a node file that could not be read. A finding about an id
    /// defined both above and below the level is shown only when no
    /// withheld definition of it lies in the finding's file.
    pub fn may_show(&self, f: &Finding) -> bool {
        if self.unread.contains(&f.span.file)
            || self.hidden_spans.contains(&f.span)
            || f.related
                .iter()
                .any(|r| self.hidden_spans.contains(&r.span))
        {
            return false;
        }
        let named = |id: &Option<String>| id.as_deref().is_some_and(|i| self.hides_id(i));
        if named(&f.node) || f.related.iter().any(|r| named(&r.node)) {
            return false;
        }
        if let Some(files) = f.node.as_deref().and_then(|id| self.mixed.get(id))
            && (files.contains(&f.span.file) || f.code == Code::R003)
        {
            return false;
        }
        if self.hidden_ids.is_empty() {
            return true;
        }
        let texts = std::iter::once(f.message.as_str())
            .chain(f.label.as_deref())
            .chain(f.help.as_deref())
            .chain(f.related.iter().map(|r| r.message.as_str()));
        !texts.into_iter().any(|t| mentions(t, &self.hidden_ids))
    }

    /// For every id defined both above and below the level: one R003 on
    /// its first shown definition that says so without showing anything
    /// of the withheld one.
    pub fn duplicate_notices(&self, checked: &Checked) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut done = HashSet::new();
        for (i, n) in checked.model.nodes.iter().enumerate() {
            if !self.shows(i)
                || !self.mixed.contains_key(n.id.as_str())
                || !done.insert(n.id.as_str())
            {
                continue;
            }
            let mut f = Finding::new(
                Code::R003,
                n.id_span(),
                format!(
                    "{} is defined more than once; a definition above this classification is withheld",
                    n.id
                ),
            )
            .node(n.id.clone())
            .label("also defined elsewhere")
            .help("give every node its own id");
            f.level = checked.config.levels.get(Code::R003);
            out.push(f);
        }
        out
    }

    /// The findings of a checked tree a reader at this level may see, with
    /// the number withheld.
    pub fn redact(&self, checked: &Checked) -> (Vec<Finding>, usize) {
        let mut shown: Vec<Finding> = Vec::new();
        let mut withheld = 0;
        for f in &checked.findings {
            if self.may_show(f) {
                shown.push(f.clone());
            } else {
                withheld += 1;
            }
        }
        shown.extend(self.duplicate_notices(checked));
        crate::finding::sort(&mut shown, &checked.model.sources);
        (shown, withheld)
    }

    /// The tree with every withheld node deleted, checked again.
    pub fn shown_tree(&self, checked: &Checked) -> Checked {
        let model = Model {
            sources: checked.model.sources.clone(),
            nodes: checked
                .model
                .nodes
                .iter()
                .enumerate()
                .filter(|(i, _)| self.shows(*i))
                .map(|(_, n)| n.clone())
                .collect(),
            files: checked.model.files.clone(),
        };
        let load = checked
            .load_findings
            .iter()
            .filter(|f| self.may_show(f))
            .cloned()
            .collect();
        crate::check_model(
            model,
            checked.config.clone(),
            load,
            checked.today,
            &checked.scenario.assume,
        )
    }
}

/// What a document at one classification may show: the tree with every
/// node above that level deleted and checked again (`checked`), and the
/// findings a reader at that level may see.
#[derive(Debug)]
pub struct View<'a> {
    /// The whole tree, as checked.
    pub full: &'a Checked,
    /// The tree the document shows: the tree itself when nothing is
    /// withheld, else the tree with the withheld nodes deleted and checked.
    pub checked: Cow<'a, Checked>,
    /// The level the document was asked for (`--classification`).
    pub level: Classification,
    visibility: Visibility,
    /// How many node definitions were withheld.
    pub withheld_nodes: usize,
    /// How many findings of the whole tree were withheld (they named a
    /// withheld node).
    pub withheld_findings: usize,
    /// The findings that may be shown, in order.
    pub findings: Vec<Finding>,
}

impl<'a> View<'a> {
    /// The view of a checked tree at `level`; `None` means the project's
    /// own classification. Refuses when the project's classification
    /// cannot be read.
    pub fn new(full: &'a Checked, level: Option<Classification>) -> Result<View<'a>, Refused> {
        let visibility = Visibility::new(full, level)?;
        // With nothing withheld, the shown tree is the tree: no second check.
        let checked = if visibility.withheld_nodes == 0 {
            Cow::Borrowed(full)
        } else {
            Cow::Owned(visibility.shown_tree(full))
        };
        let withheld_findings = full
            .findings
            .iter()
            .filter(|f| !visibility.may_show(f))
            .count();
        let mut findings: Vec<Finding> = checked
            .findings
            .iter()
            .filter(|f| visibility.may_show(f))
            .cloned()
            .collect();
        findings.extend(visibility.duplicate_notices(full));
        crate::finding::sort(&mut findings, &checked.model.sources);
        Ok(View {
            full,
            level: visibility.level,
            withheld_nodes: visibility.withheld_nodes,
            withheld_findings,
            findings,
            checked,
            visibility,
        })
    }

    /// The tree the document shows, with the findings a reader may see.
    pub fn into_shown(self) -> Checked {
        let mut checked = self.checked.into_owned();
        checked.findings = self.findings;
        checked
    }

    /// Whether node `i` of the shown tree may be shown: always, since the
    /// shown tree holds only what may be shown.
    pub fn shows(&self, i: usize) -> bool {
        i < self.checked.model.nodes.len()
    }

    /// Whether an id names a withheld node.
    pub fn hides_id(&self, id: &str) -> bool {
        self.visibility.hides_id(id)
    }

    /// The ids that name only withheld nodes.
    pub fn hidden_ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.visibility.hidden_ids.iter().map(String::as_str)
    }

    /// [`Visibility::redact_table`] at the view's level.
    pub fn redact_table(&self, table: &mut toml::Table) {
        self.visibility.redact_table(table);
    }

    /// The nodes that may be shown, with their indices in the shown tree.
    pub fn nodes(&self) -> impl Iterator<Item = (usize, &Node)> + '_ {
        self.checked.model.nodes.iter().enumerate()
    }

    /// The level every node takes when it names none.
    pub fn default_level(&self) -> Classification {
        self.checked.config.classification()
    }

    /// The highest level among what the document shows (white if nothing).
    pub fn document_level(&self) -> Classification {
        let default = self.default_level();
        self.nodes()
            .map(|(_, n)| n.level(default))
            .max()
            .unwrap_or(Classification::White)
    }

    /// How the project names its levels.
    pub fn labels(&self) -> &Labels {
        &self.checked.config.labels
    }

    /// Splits ids into those that may be shown and a count of withheld ones.
    pub fn split_ids<'i>(&self, ids: impl Iterator<Item = &'i str>) -> (Vec<&'i str>, usize) {
        let mut shown = Vec::new();
        let mut hidden = 0;
        for id in ids {
            if self.hides_id(id) {
                hidden += 1;
            } else {
                shown.push(id);
            }
        }
        (shown, hidden)
    }
}

/// Whether a text names one of the ids, as a whole word (ids are made of
/// letters, digits, `.`, `_` and `-`).
fn mentions(text: &str, ids: &HashSet<String>) -> bool {
    let word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-');
    text.split(|c: char| !word(c))
        .any(|w| ids.contains(w) || ids.contains(w.trim_end_matches('.')))
        // An `[ids]` pattern may allow other characters: such ids are
        // looked for as they are.
        || ids
            .iter()
            .any(|id| !id.chars().all(word) && text.contains(id.as_str()))
}

/// "1 withheld item", "3 withheld items".
pub fn withheld_phrase(n: usize) -> String {
    if n == 1 {
        "1 withheld item".to_owned()
    } else {
        format!("{n} withheld items")
    }
}
