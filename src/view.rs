//! What a document for people may show (FORMAT §10). A node above the
//! document's classification leaves no trace: not its id, title, text or
//! values, nor its id in another node's links, nor a finding about it.

use std::collections::HashSet;

use crate::Checked;
use crate::finding::Finding;
use crate::model::{Classification, Node};

/// The nodes and findings a document at one classification may show.
#[derive(Debug)]
pub struct View<'a> {
    pub checked: &'a Checked,
    /// The level the document was asked for (`--classification`).
    pub level: Classification,
    /// Per node: whether it may be shown.
    visible: Vec<bool>,
    /// Ids of the nodes withheld.
    hidden_ids: HashSet<&'a str>,
    /// How many node definitions were withheld.
    pub withheld_nodes: usize,
    /// How many findings were withheld (they named a withheld node).
    pub withheld_findings: usize,
    /// The findings that may be shown, in order.
    pub findings: Vec<&'a Finding>,
}

impl<'a> View<'a> {
    /// The view of a checked tree at `level`; `None` means the project's
    /// own classification.
    pub fn new(checked: &'a Checked, level: Option<Classification>) -> View<'a> {
        let default = checked.config.classification();
        let level = level.unwrap_or(default);
        let visible: Vec<bool> = checked
            .model
            .nodes
            .iter()
            .map(|n| n.classification.unwrap_or(default) <= level)
            .collect();
        let hidden_ids: HashSet<&str> = checked
            .model
            .nodes
            .iter()
            .zip(&visible)
            .filter(|(_, v)| !**v)
            .map(|(n, _)| n.id.as_str())
            .collect();
        let withheld_nodes = visible.iter().filter(|v| !**v).count();
        let mut view = View {
            checked,
            level,
            visible,
            hidden_ids,
            withheld_nodes,
            withheld_findings: 0,
            findings: Vec::new(),
        };
        let (shown, hidden): (Vec<&Finding>, Vec<&Finding>) =
            checked.findings.iter().partition(|f| view.may_show(f));
        view.findings = shown;
        view.withheld_findings = hidden.len();
        view
    }

    /// Whether node `i` may be shown.
    pub fn shows(&self, i: usize) -> bool {
        self.visible.get(i).copied().unwrap_or(false)
    }

    /// Whether an id names a withheld node (any of its definitions).
    pub fn hides_id(&self, id: &str) -> bool {
        self.hidden_ids.contains(id)
    }

    /// The nodes that may be shown, with their indices.
    pub fn nodes(&self) -> impl Iterator<Item = (usize, &'a Node)> + '_ {
        self.checked
            .model
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| self.shows(*i))
    }

    /// A finding may be shown when neither it nor its related places name a
    /// withheld node, and its message names none either.
    fn may_show(&self, f: &Finding) -> bool {
        if self.hidden_ids.is_empty() {
            return true;
        }
        let named = |id: &Option<String>| id.as_deref().is_some_and(|i| self.hides_id(i));
        if named(&f.node) || f.related.iter().any(|r| named(&r.node)) {
            return false;
        }
        !mentions(&f.message, &self.hidden_ids)
    }

    /// The highest level among what the document shows (white if nothing).
    pub fn document_level(&self) -> Classification {
        let default = self.checked.config.classification();
        self.nodes()
            .map(|(_, n)| n.classification.unwrap_or(default))
            .max()
            .unwrap_or(Classification::White)
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
fn mentions(text: &str, ids: &HashSet<&str>) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .any(|w| ids.contains(w) || ids.contains(w.trim_end_matches('.')))
}

/// "1 withheld item", "3 withheld items".
pub fn withheld_phrase(n: usize) -> String {
    if n == 1 {
        "1 withheld item".to_owned()
    } else {
        format!("{n} withheld items")
    }
}

/// `TLP:CLEAR`-style label of a level, as printed in documents.
pub fn label(level: Classification) -> String {
    format!("TLP:{}", level.as_str().to_uppercase())
}
