//! rtm: a requirements-traceability checker for the 4G Communications Hub
//! programme under the Smart Energy Code.
//!
//! The flow is files → model → graph → rules → findings → renderers:
//! [`load`] reads a tree into a [`model::Model`], [`graph::Graph`] links it,
//! [`rules`] check it, and [`render`] prints the findings.
//!
//! The modules form layers, each importing only from the layers before it
//! (`tests/layers.rs` fails on a cycle; `docs/architecture.md` lists
//! them): base ([`source`], [`registry`], [`escape`], [`model`],
//! [`finding`], [`spec`]) → analysis ([`graph`], [`coverage`],
//! [`fingerprint`], [`scenario`]: facts, no findings) → input
//! ([`decode`], [`config`], [`load`]) → [`rules`] → the check → outputs
//! ([`render`], [`report`]), with stamps and decisions as edits beside
//! them.

#![forbid(unsafe_code)]

pub mod config;
#[doc(hidden)]
pub mod corpus;
pub mod coverage;
pub mod decide;
pub mod decode;
pub mod diff;
pub mod discover;
pub mod escape;
pub mod finding;
pub mod fingerprint;
pub mod fmt;
pub mod git;
pub mod graph;
pub mod init;
pub mod interchange;
pub mod interrupt;
pub mod load;
pub mod lsp;
pub mod model;
pub mod new;
pub mod output;
pub mod registry;
pub mod render;
pub mod report;
pub mod reqif;
pub mod rules;
pub mod scc;
pub mod scenario;
pub mod schema;
pub mod source;
pub mod spec;
pub mod stamp;
pub mod threads;
pub mod view;
pub mod waivers;
pub mod workspace;

use std::path::Path;

use config::Config;
use finding::{Counts, Finding, Sink};
use graph::Graph;
use load::LoadError;
use model::Model;

/// A checked tree: everything read, the graph, and the sorted findings.
#[derive(Debug, Clone)]
pub struct Checked {
    pub model: Model,
    pub config: Config,
    pub graph: Graph,
    pub findings: Vec<Finding>,
    /// The findings of reading the files (R001, R002, R304), before
    /// waivers: a document checks again the tree it shows (see [`view`]),
    /// and these cannot be found again without the files.
    pub load_findings: Vec<Finding>,
    /// The date the check compared dates with (`--today`, or the system's
    /// date in UTC): waivers' `until`, questions' `due`.
    pub today: jiff::civil::Date,
    /// The modifications in force and the effective limits (FORMAT §16),
    /// under the check's `--assume`.
    pub scenario: scenario::Scenario,
}

impl Checked {
    pub fn counts(&self) -> Counts {
        Counts::of(&self.findings)
    }
}

/// How a check runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The date waivers and questions are compared with (`--today`); the
    /// system's date (UTC) when `None`. [`waivers::parse_date`] reads
    /// `YYYY-MM-DD`.
    pub today: Option<jiff::civil::Date>,
    /// The modifications assumed in force beyond the implemented ones
    /// (`--assume`; FORMAT §16). Every rule runs under it.
    pub assume: scenario::Assume,
}

/// Loads the tree at `root` and runs every rule.
pub fn check(root: &Path) -> Result<Checked, LoadError> {
    check_with(root, &Options::default())
}

/// [`check`], with options.
pub fn check_with(root: &Path, options: &Options) -> Result<Checked, LoadError> {
    Ok(check_files(load::FileSet::from_dir(root)?, options))
}

/// [`check_with`], calling `hook` with every node file's document as it
/// is loaded ([`load::load_files_with`]).
pub fn check_with_hook(
    root: &Path,
    options: &Options,
    hook: load::FileHook<'_>,
) -> Result<Checked, LoadError> {
    let loaded = load::load_files_with(load::FileSet::from_dir(root)?, Some(hook));
    let today = options.today.unwrap_or_else(waivers::today);
    Ok(check_model(
        loaded.model,
        loaded.config,
        loaded.findings,
        today,
        &options.assume,
    ))
}

/// Loads and links a tree without running the rules: a [`Checked`] whose
/// `findings` are only those of reading the files (R001, R002, R304),
/// for commands that show the tree rather than judge it (`rtm export
/// reqif`). The configuration is read as by [`check`], so that a view of
/// it still refuses an unreadable classification.
pub fn load_linked(root: &Path) -> Result<Checked, LoadError> {
    load_linked_with(root, None)
}

/// [`load_linked`], calling `hook` (when given) with every node file's
/// document as it is loaded ([`load::load_files_with`]).
pub fn load_linked_with(
    root: &Path,
    hook: Option<load::FileHook<'_>>,
) -> Result<Checked, LoadError> {
    let loaded = load::load_files_with(load::FileSet::from_dir(root)?, hook);
    let graph = Graph::build(&loaded.model);
    let mut checked = linked(
        loaded.model,
        graph,
        loaded.config,
        loaded.findings,
        waivers::today(),
        &scenario::Assume::default(),
    );
    checked.findings = checked.load_findings.clone();
    Ok(checked)
}

/// Loads a tree from a file set (a folder, or a git revision) and runs
/// every rule.
pub fn check_files(set: load::FileSet, options: &Options) -> Checked {
    let loaded = load::load_files(set);
    let today = options.today.unwrap_or_else(waivers::today);
    check_model(
        loaded.model,
        loaded.config,
        loaded.findings,
        today,
        &options.assume,
    )
}

/// Links a model and runs every rule over it, under `assume`;
/// `load_findings` are the findings of reading it.
pub fn check_model(
    model: Model,
    config: Config,
    load_findings: Vec<Finding>,
    today: jiff::civil::Date,
    assume: &scenario::Assume,
) -> Checked {
    let graph = Graph::build(&model);
    check_linked(model, graph, config, load_findings, today, assume)
}

/// [`check_model`] with the model's graph already built (by
/// [`Graph::build`] on this very model, or one it equals in every id, kind
/// and link).
pub(crate) fn check_linked(
    model: Model,
    graph: Graph,
    config: Config,
    load_findings: Vec<Finding>,
    today: jiff::civil::Date,
    assume: &scenario::Assume,
) -> Checked {
    let mut checked = linked(model, graph, config, load_findings, today, assume);
    let Checked {
        model,
        config,
        graph,
        scenario,
        ..
    } = &checked;
    let mut sink = Sink::new(&config.levels);
    sink.extend(checked.load_findings.iter().cloned());
    let ctx = rules::Ctx {
        model,
        graph,
        config,
        scenario,
    };
    rules::run(&ctx, &mut sink);
    rules::questions::check(model, today, &mut sink);
    let findings = sink.into_findings();
    let mut findings = waivers::apply(findings, model, &config.levels, today);
    finding::sort(&mut findings, &model.sources);
    checked.findings = findings;
    checked
}

/// The tree linked (its graph and scenario), no rule run: `findings` is
/// empty.
fn linked(
    model: Model,
    graph: Graph,
    config: Config,
    load_findings: Vec<Finding>,
    today: jiff::civil::Date,
    assume: &scenario::Assume,
) -> Checked {
    let scenario = scenario::Scenario::build(&model, &graph, assume);
    Checked {
        model,
        config,
        graph,
        findings: Vec::new(),
        load_findings,
        today,
        scenario,
    }
}
