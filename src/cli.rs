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
        /// The rule's code or name, in any case.
        rule: String,
    },
    /// List every rule: code, name, default level, one line.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write the Markdown (or HTML) traceability report.
    Report(DocArgs),
    /// Write the OPSG assurance review pack (Markdown or HTML).
    Review(DocArgs),
    /// Draw the traceability graph (Graphviz DOT, Mermaid or SVG).
    Graph(GraphArgs),
    /// Record a review: write a `reviewed` stamp into each node's table.
    Stamp(StampArgs),
    /// Print the JSON Schema of node files or of rtm.toml.
    Schema {
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print rtm's manual page (roff), for `man`.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// Where the tree is: named as an argument or with `--tree`, or else found
/// from the current folder (rtm.toml or requirements/rtm.toml, here or in a
/// parent; else requirements/).
#[derive(Debug, Clone, clap::Args)]
pub struct TreeArg {
    /// The tree's folder. Default: found from the current folder (the
    /// nearest rtm.toml or requirements/rtm.toml, here or above; else
    /// requirements/).
    #[arg(value_name = "TREE")]
    pub tree: Option<PathBuf>,
    /// The tree's folder, as an option (the same as TREE).
    #[arg(long = "tree", value_name = "DIR", conflicts_with = "tree")]
    pub tree_option: Option<PathBuf>,
}

impl TreeArg {
    /// The tree named, or the one found.
    pub fn resolve(&self) -> Result<PathBuf, rtm::discover::NotFound> {
        rtm::discover::tree_or_found(self.tree.as_deref().or(self.tree_option.as_deref()))
    }
}

/// `--tree DIR` alone, for commands whose arguments are ids.
#[derive(Debug, Clone, clap::Args)]
pub struct TreeOption {
    /// The tree's folder. Default: found from the current folder (the
    /// nearest rtm.toml or requirements/rtm.toml, here or above; else
    /// requirements/).
    #[arg(long = "tree", value_name = "DIR")]
    pub tree: Option<PathBuf>,
}

impl TreeOption {
    /// The tree named, or the one found.
    pub fn resolve(&self) -> Result<PathBuf, rtm::discover::NotFound> {
        rtm::discover::tree_or_found(self.tree.as_deref())
    }
}

/// `--today DATE`, for every command that judges dates.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub tree: TreeArg,
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
    #[command(flatten)]
    pub tree: TreeOption,
}

/// Arguments of `rtm diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier version: a folder, or else a git revision (the same tree
    /// as it was at that commit).
    pub base: String,
    #[command(flatten)]
    pub tree: TreeArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Markdown)]
    pub format: DiffFormat,
    /// The date waivers' `until` and questions' `due` are compared with
    /// (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
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
    #[command(flatten)]
    pub tree: TreeArg,
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
    /// A date to print in the header (YYYY-MM-DD; no date is printed
    /// otherwise).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub date: Option<jiff::civil::Date>,
    /// The date questions' `due` and waivers' `until` are compared with
    /// (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
}

/// Arguments of `rtm graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub tree: TreeArg,
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
    /// The date waivers' `until` is compared with (YYYY-MM-DD); default:
    /// today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
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
    /// Drawn by rtm: the same drawings as the HTML report.
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// The GitLab code quality report (`artifacts:reports:codequality`).
    Gitlab,
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
