//! Scenarios (FORMAT §16): which modifications are in force, and the
//! effective limits of every SEC obligation under them.
//!
//! A modification is in force when its stage is `implemented`, or when the
//! check assumes it (`--assume ID`, or `--assume pending` for every
//! modification not `rejected` or `withdrawn`). An obligation's effective
//! limits are its own, with each quantity named by an in-force
//! modification's change replaced (a quantity it does not limit gains the
//! limit); an in-force change that `withdraws` it leaves it no limits, and
//! it needs no entry.
//!
//! When two in-force modifications change the same quantity of the same
//! obligation (R215), the one whose id sorts first (byte order) sets it;
//! a withdrawal counts as a change to every quantity of the obligation and
//! always wins.

use std::collections::BTreeMap;

use crate::decode::suggest;
use crate::graph::Graph;
use crate::model::{Change, Classification, Kind, Limit, Model, Node, Stage};
use crate::source::Span;

/// The modifications a check assumes in force beyond the implemented ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assume {
    /// `--assume pending`: every modification not `rejected` or `withdrawn`.
    pub pending: bool,
    /// `--assume ID`: these modifications, whatever their stage.
    pub ids: Vec<String>,
}

/// The word that assumes every pending modification.
pub const PENDING: &str = "pending";

impl Assume {
    /// Reads `--assume` values: ids, or `pending`.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Assume {
        let mut a = Assume::default();
        for v in values {
            let v = v.as_ref().trim();
            if v == PENDING {
                a.pending = true;
            } else if !v.is_empty() && !a.ids.iter().any(|x| x == v) {
                a.ids.push(v.to_owned());
            }
        }
        a
    }

    /// No assumption: the SEC as it stands (implemented modifications only).
    pub fn is_empty(&self) -> bool {
        !self.pending && self.ids.is_empty()
    }

    /// Whether a modification is assumed in force.
    pub fn assumes(&self, m: &Node) -> bool {
        self.ids.iter().any(|id| *id == m.id)
            || (self.pending && !m.stage.is_some_and(Stage::is_dead))
    }

    /// Checks that every assumed id names a modification of one of the
    /// trees: the first that does not, with a "did you mean", as an error.
    /// With a `level` (the output's classification), the message names no
    /// node above it (FORMAT §10): a withheld node is not suggested, nor
    /// said to be of another kind; a withheld modification is still one.
    pub fn validate(
        &self,
        trees: &[&crate::Checked],
        level: Option<Classification>,
    ) -> Result<(), UnknownModification> {
        // The nodes the message may name, per tree: all without a level;
        // none when a project's classification cannot be read (fails
        // closed).
        let shown = |c: &'_ crate::Checked, n: &Node| match level {
            None => true,
            Some(_) if c.config.unreadable.is_some() => false,
            Some(l) => n.level(c.config.classification()) <= l,
        };
        let nodes = || {
            trees
                .iter()
                .flat_map(|c| c.model.nodes.iter().map(move |n| (*c, n)))
        };
        for id in &self.ids {
            let mut other_kind = None;
            let mut found = false;
            for (c, n) in nodes().filter(|(_, n)| n.id == *id) {
                if n.kind == Kind::Modification {
                    found = true;
                } else if shown(c, n) {
                    other_kind = Some(n.kind);
                }
            }
            if found {
                continue;
            }
            let mods: Vec<&str> = nodes()
                .filter(|(c, n)| n.kind == Kind::Modification && shown(c, n))
                .map(|(_, n)| n.id.as_str())
                .collect();
            let mut message = match other_kind {
                Some(k) => {
                    let noun = crate::spec::kind_noun(k);
                    let article = if matches!(k, Kind::Sec | Kind::Requirement) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("--assume {id}: {id} is {article} {noun}, not a modification")
                }
                None => format!("--assume {id}: no modification {id} in the tree"),
            };
            match suggest(id, &mods).or_else(|| suggest(id, &[PENDING])) {
                Some(s) => message.push_str(&format!("; did you mean {s}?")),
                None if mods.is_empty() => message.push_str("; the tree has no modification"),
                None => {
                    let mut sorted = mods.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    message.push_str(&format!(
                        "; its modifications are: {}, or `pending` for every pending one",
                        sorted.join(", ")
                    ));
                }
            }
            return Err(UnknownModification(message));
        }
        Ok(())
    }
}

/// An `--assume` id that names no modification.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnknownModification(pub String);

/// Why a modification is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InForce {
    /// Its stage is `implemented`.
    Implemented,
    /// The check assumes it (`--assume`).
    Assumed,
}

/// An obligation changed by modifications in force.
#[derive(Debug, Clone)]
struct Changed {
    /// The modification in force that withdraws it, if any.
    withdrawn_by: Option<usize>,
    /// Its effective limits (meaningless when withdrawn).
    limits: Vec<Limit>,
    /// The in-force modifications that change it, in id order.
    by: Vec<usize>,
}

/// Two in-force modifications that change the same quantity (R215).
#[derive(Debug, Clone)]
pub struct Conflict {
    /// The obligation (node index).
    pub sec: usize,
    /// The quantity; `None` when one of the two withdraws the obligation.
    pub param: Option<String>,
    /// The modification whose change applies (its id sorts first; or the
    /// one that withdraws), and where its change is written.
    pub first: (usize, Span),
    /// The other modification, and where its change is written.
    pub second: (usize, Span),
}

/// What an obligation's limits would be with one more modification in
/// force, on top of the scenario.
#[derive(Debug, Clone)]
pub enum With {
    /// The modification declares no change to the obligation.
    NotStated,
    /// The modification (or one already in force) withdraws it.
    Withdrawn,
    /// The limits it would have.
    Limits(Vec<Limit>),
}

/// The modifications in force and every obligation's effective limits.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub assume: Assume,
    /// Per node: why it is in force (modifications only).
    in_force: Vec<Option<InForce>>,
    /// Per node: how modifications in force change it (obligations only).
    /// By obligation (node index): few obligations are changed, so a map,
    /// not a slot per node.
    changed: BTreeMap<usize, Changed>,
    /// Every pair of in-force modifications that change one quantity.
    pub conflicts: Vec<Conflict>,
}

/// The obligation a change names (its first definition), if it is one.
fn change_target(node: &Node, c: &Change, model: &Model, graph: &Graph) -> Option<usize> {
    let link = node.link(c.sec)?;
    let i = graph.find(model, node.target(link))?;
    (model.nodes.get(i)?.kind == Kind::Sec).then_some(i)
}

/// Where a change's findings point: its `sec` value, else its table.
pub fn change_span(node: &Node, c: &Change) -> Span {
    node.link(c.sec)
        .map(|l| node.link_span(l))
        .or(c.span)
        .unwrap_or(node.id_span())
}

/// `base` with `limits` replacing the limits of the quantities they name.
fn replaced(base: &[Limit], limits: &[Limit]) -> Vec<Limit> {
    let mut out: Vec<Limit> = base
        .iter()
        .filter(|l| !limits.iter().any(|n| n.param == l.param))
        .cloned()
        .collect();
    out.extend(limits.iter().cloned());
    out
}

impl Scenario {
    /// The scenario of a tree under an assumption.
    pub fn build(model: &Model, graph: &Graph, assume: &Assume) -> Scenario {
        let n = model.nodes.len();
        let mut in_force = vec![None; n];
        // In-force modifications (first definitions only), in id order.
        let mut mods: Vec<(usize, &Node)> = model
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, m)| m.kind == Kind::Modification && graph.find(model, &m.id) == Some(*i))
            .filter_map(|(i, m)| {
                let why = if m.stage == Some(Stage::Implemented) {
                    InForce::Implemented
                } else if assume.assumes(m) {
                    InForce::Assumed
                } else {
                    return None;
                };
                if let Some(slot) = in_force.get_mut(i) {
                    *slot = Some(why);
                }
                Some((i, m))
            })
            .collect();
        mods.sort_by(|a, b| a.1.id.cmp(&b.1.id));

        // Per obligation: who set each quantity, and who withdrew it.
        type Setter = (usize, Span);
        let mut set: BTreeMap<usize, BTreeMap<String, (Setter, Limit)>> = BTreeMap::new();
        let mut withdrawn: BTreeMap<usize, Setter> = BTreeMap::new();
        let mut by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut conflicts = Vec::new();
        for &(mi, m) in &mods {
            for c in m.changes() {
                let Some(si) = change_target(m, c, model, graph) else {
                    continue;
                };
                let span = change_span(m, c);
                let users = by.entry(si).or_default();
                if !users.contains(&mi) {
                    users.push(mi);
                }
                let quantities = set.entry(si).or_default();
                if c.withdraws {
                    match withdrawn.get(&si) {
                        Some(&first) if first.0 != mi => conflicts.push(Conflict {
                            sec: si,
                            param: None,
                            first,
                            second: (mi, span),
                        }),
                        Some(_) => {}
                        None => {
                            for (setter, _) in quantities.values() {
                                if setter.0 != mi {
                                    conflicts.push(Conflict {
                                        sec: si,
                                        param: None,
                                        first: (mi, span),
                                        second: *setter,
                                    });
                                }
                            }
                            withdrawn.insert(si, (mi, span));
                        }
                    }
                    continue;
                }
                if let Some(&w) = withdrawn.get(&si)
                    && w.0 != mi
                {
                    conflicts.push(Conflict {
                        sec: si,
                        param: None,
                        first: w,
                        second: (mi, span),
                    });
                    continue;
                }
                for limit in &c.limits {
                    match quantities.get(&limit.param) {
                        Some((first, _)) if first.0 != mi => {
                            conflicts.push(Conflict {
                                sec: si,
                                param: Some(limit.param.clone()),
                                first: *first,
                                second: (mi, span),
                            });
                        }
                        _ => {
                            quantities.insert(limit.param.clone(), ((mi, span), limit.clone()));
                        }
                    }
                }
            }
        }
        let mut changed = BTreeMap::new();
        for (si, users) in by {
            let own = model.nodes.get(si).map_or(&[][..], |s| s.limits());
            let new: Vec<Limit> = set
                .get(&si)
                .map(|q| q.values().map(|(_, l)| l.clone()).collect())
                .unwrap_or_default();
            if si < n {
                changed.insert(
                    si,
                    Changed {
                        withdrawn_by: withdrawn.get(&si).map(|w| w.0),
                        limits: replaced(own, &new),
                        by: users,
                    },
                );
            }
        }
        Scenario {
            assume: assume.clone(),
            in_force,
            changed,
            conflicts,
        }
    }

    /// Why modification `i` is in force, if it is.
    pub fn in_force(&self, i: usize) -> Option<InForce> {
        self.in_force.get(i).copied().flatten()
    }

    /// Every modification in force, with why (node indices, tree order).
    pub fn in_force_all(&self) -> impl Iterator<Item = (usize, InForce)> + '_ {
        self.in_force
            .iter()
            .enumerate()
            .filter_map(|(i, w)| w.map(|w| (i, w)))
    }

    /// Whether obligation `i` is withdrawn by a modification in force.
    pub fn is_withdrawn(&self, i: usize) -> bool {
        self.withdrawn_by(i).is_some()
    }

    /// The in-force modification that withdraws obligation `i`.
    pub fn withdrawn_by(&self, i: usize) -> Option<usize> {
        self.changed.get(&i).and_then(|c| c.withdrawn_by)
    }

    /// The in-force modifications that change obligation `i`, in id order.
    pub fn changed_by(&self, i: usize) -> &[usize] {
        self.changed.get(&i).map_or(&[], |c| c.by.as_slice())
    }

    /// Obligation `i`'s effective limits: `None` when it is withdrawn.
    pub fn limits<'a>(&'a self, i: usize, sec: &'a Node) -> Option<&'a [Limit]> {
        match self.changed.get(&i) {
            Some(c) if c.withdrawn_by.is_some() => None,
            Some(c) => Some(&c.limits),
            None => Some(sec.limits()),
        }
    }

    /// What obligation `si`'s limits would be with modification `m` in
    /// force too (on top of this scenario).
    pub fn with(&self, si: usize, sec: &Node, m: &Node, model: &Model, graph: &Graph) -> With {
        let changes: Vec<&Change> = m
            .changes()
            .iter()
            .filter(|c| change_target(m, c, model, graph) == Some(si))
            .collect();
        if changes.is_empty() {
            return With::NotStated;
        }
        let Some(base) = self.limits(si, sec) else {
            return With::Withdrawn;
        };
        if changes.iter().any(|c| c.withdraws) {
            return With::Withdrawn;
        }
        let mut limits = base.to_vec();
        for c in changes {
            limits = replaced(&limits, &c.limits);
        }
        With::Limits(limits)
    }
}

/// How a figure breaks a limit, in figures: "180 > 120", "3 < 5", "4 ≠ 5".
pub fn breach(limit: &Limit, v: crate::model::Number) -> Option<String> {
    if let Some(e) = limit.equals
        && v != e
    {
        return Some(format!("{v} ≠ {e}"));
    }
    if let Some(m) = limit.max
        && v > m
    {
        return Some(format!("{v} > {m}"));
    }
    if let Some(m) = limit.min
        && v < m
    {
        return Some(format!("{v} < {m}"));
    }
    None
}
