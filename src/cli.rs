//! Command-line types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// rtm: requirements traceability and SEC deviation checks for the 4G
/// Communications Hub programme.
#[derive(Debug, Parser)]
#[command(name = "rtm", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a requirement tree and report every finding.
    Check(CheckArgs),
    /// Compare a tree with an earlier version of it: nodes, deviations and
    /// findings added, changed, removed (exit 1 when it introduces an error).
    Diff(DiffArgs),
    /// Explain a rule, by code (R203) or name (undeclared-deviation).
    Explain {
        /// The rule's code or name.
        rule: String,
    },
    /// List every rule: code, name, default level, one line.
    Rules,
    /// Write the Markdown (or HTML) traceability report.
    Report(DocArgs),
    /// Write the OPSG assurance review pack (Markdown or HTML).
    Review(DocArgs),
    /// Draw the traceability graph (Graphviz DOT or Mermaid).
    Graph(GraphArgs),
    /// Record a review: write a `reviewed` stamp into each node's table.
    Stamp(StampArgs),
    /// Record a decision of the OPSG on the RTM entry it is about, with its
    /// fingerprint (FORMAT §15).
    Decide(DecideArgs),
    /// Print the JSON Schema of node files or of rtm.toml.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The tree's folder.
    #[arg(default_value = "requirements")]
    pub tree: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// When to use colour in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Report only the findings that BASE does not have (a folder, or a git
    /// revision of the repository holding TREE).
    #[arg(long, value_name = "BASE")]
    pub since: Option<String>,
    /// The date waivers are compared with (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// Hold back every finding that names a node above this level (white,
    /// green, amber, red; clear = white), for logs that others read. No
    /// default: without it every finding is shown. The exit status still
    /// answers for the whole tree.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
}

/// Arguments of `rtm stamp`.
#[derive(Debug, clap::Args)]
pub struct StampArgs {
    /// The ids of the nodes reviewed.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
    /// Who reviewed: a person, a role or a meeting.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// When (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub on: Option<jiff::civil::Date>,
    /// The tree's folder.
    #[arg(long, default_value = "requirements")]
    pub tree: PathBuf,
}

/// Arguments of `rtm decide`.
#[derive(Debug, clap::Args)]
pub struct DecideArgs {
    /// The RTM entry the decision is about.
    #[arg(value_name = "ID")]
    pub id: String,
    /// What was decided: deviation:<SEC id>, category or user-impact.
    #[arg(long, value_name = "ABOUT")]
    pub about: String,
    /// accepted, rejected or noted.
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: String,
    /// Who decided: a meeting, a role or a person.
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// When (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub on: Option<jiff::civil::Date>,
    /// What the decision says, in words.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// The tree's folder.
    #[arg(long, default_value = "requirements")]
    pub tree: PathBuf,
}

/// Arguments of `rtm diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier version: a folder, or else a git revision (the same tree
    /// as it was at that commit).
    pub base: String,
    /// The tree's folder.
    #[arg(default_value = "requirements")]
    pub tree: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// Compare the trees as a reader at this level sees them: every node
    /// above it left out (white, green, amber, red; clear = white). No
    /// default. The exit status still answers for the whole tree.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Markdown,
    Json,
}

/// Arguments of `rtm report` and `rtm review`.
#[derive(Debug, clap::Args)]
pub struct DocArgs {
    /// The tree's folder.
    #[arg(default_value = "requirements")]
    pub tree: PathBuf,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Document format.
    #[arg(long, value_enum, default_value_t = DocFormat::Markdown)]
    pub format: DocFormat,
    /// Leave out every node above this level (white, green, amber, red;
    /// clear = white). Default: the project's classification.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
    /// A date to print in the header (no date is printed otherwise).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// The date questions' `due` and waivers' `until` are compared with
    /// (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// `rtm review` only: add a section "Changed since BASE" (a folder, or
    /// a git revision of the repository holding TREE), and say for each
    /// stale decision what changed since BASE.
    #[arg(long, value_name = "BASE")]
    pub since: Option<String>,
}

/// Arguments of `rtm graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// The tree's folder.
    #[arg(default_value = "requirements")]
    pub tree: PathBuf,
    /// Graph format.
    #[arg(long, value_enum, default_value_t = GraphFormatArg::Dot)]
    pub format: GraphFormatArg,
    /// Draw only what traces to and from this node.
    #[arg(long, value_name = "ID")]
    pub root: Option<String>,
    /// Leave out every node above this level. Default: the project's.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn parse_level(s: &str) -> Result<rtm::model::Classification, String> {
    rtm::model::Classification::parse_level(s)
        .ok_or_else(|| format!("expected white, green, amber, red or clear, not `{s}`"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Markdown,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormatArg {
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// Node files (`*.toml` in the tree).
    Node,
    /// The project file, rtm.toml.
    Config,
}
