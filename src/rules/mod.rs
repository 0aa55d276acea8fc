//! The rules. Each family of rules is one module; [`run`] calls its entry
//! points (most have one `check(ctx, sink)`; `structure` has two,
//! `check_links` and `check_ids`), which read the model and the graph and
//! push findings. `questions` is the exception: it needs the check's date,
//! so [`crate::check_model`] calls it beside [`run`]. Levels are applied by
//! the sink, never here.

mod changes;
pub mod content;
pub mod coverage;
pub mod decisions;
mod loops;
pub mod questions;
mod review;
mod sec;
pub mod structure;

pub use crate::registry::{ALL_CODES, Code, Level, RULES, Rule, lookup};

use rayon::prelude::*;

use crate::config::Config;
use crate::finding::Sink;
use crate::graph::Graph;
use crate::model::{Model, Node};

/// What every rule reads.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub config: &'a Config,
    /// The modifications in force and the effective limits (FORMAT §16).
    pub scenario: &'a crate::scenario::Scenario,
}

impl<'a> Ctx<'a> {
    pub fn node(&self, i: usize) -> Option<&'a Node> {
        self.model.nodes.get(i)
    }

    pub fn is_active(&self, i: usize) -> bool {
        self.node(i).is_some_and(Node::is_active)
    }

    /// The index of the node an id names, if it exists.
    pub fn index(&self, id: &str) -> Option<usize> {
        self.graph.find(self.model, id)
    }

    /// The node an id names, if it exists.
    pub fn find(&self, id: &str) -> Option<&'a Node> {
        self.graph.find(self.model, id).and_then(|i| self.node(i))
    }
}

/// Runs every rule over a loaded tree. The families are independent and
/// run in parallel, each into its own sink; the findings are sorted
/// afterwards, so the order they arrive in never shows.
pub fn run(ctx: &Ctx<'_>, sink: &mut Sink<'_>) {
    type Family = fn(&Ctx<'_>, &mut Sink<'_>);
    const FAMILIES: [Family; 8] = [
        structure::check_links,
        structure::check_ids,
        coverage::check,
        sec::check,
        content::check,
        review::check,
        changes::check,
        decisions::check,
    ];
    let levels = sink.levels();
    let found: Vec<Vec<crate::finding::Finding>> = FAMILIES
        .par_iter()
        .map(|family| {
            let mut own = Sink::new(levels);
            family(ctx, &mut own);
            own.into_findings()
        })
        .collect();
    for f in found {
        sink.extend(f);
    }
}
