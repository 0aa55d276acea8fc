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
    // `--since` is the review's: refused here with a message, and not
    // offered in this command's help.
    #[command(mut_arg("since", |a| a.hide(true)))]
    Report(DocArgs),
    /// Write the OPSG assurance review pack (Markdown or HTML).
    Review(DocArgs),
    /// Draw the traceability graph (Graphviz DOT, Mermaid or SVG).
    Graph(GraphArgs),
    /// Record a review: write a `reviewed` stamp into each node's table.
    Stamp(StampArgs),
    /// Start a new tree: rtm.toml and one theme, one business requirement
    /// and one RTM entry that check clean, with the JSON Schemas for editors.
    Init(InitArgs),
    /// Add a node with the next free id of its kind, at the end of the file
    /// where the nodes with the nearest ids live.
    New(NewArgs),
    /// Lay out node files the one canonical way (field order, sorted link lists,
    /// one blank line between nodes), keeping comments.
    Fmt(FmtArgs),
    /// Record a decision of the OPSG on the RTM entry it is about, with its
    /// fingerprint (FORMAT §15).
    Decide(DecideArgs),
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
    /// Print rtm's manual page (roff), for `man`; with `--dir`, write it
    /// and one page for each command (`rtm-check.1`, …) into a folder.
    Man {
        /// The folder to write every page into (`man1`), instead of
        /// printing `rtm.1`.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Write the tree for other tools and readers: a workbook (xlsx: Nodes,
    /// Deviations, Matrix, Findings), CSV (Nodes) or ReqIF.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Read nodes into a tree from a spreadsheet (.xlsx, .xlsm, .xls, .ods),
    /// a .csv/.tsv file, or ReqIF (.reqif, .reqifz): all files or none.
    Import(ImportArgs),
    /// Run the language server on standard input and output, for editors:
    /// diagnostics, definitions, references, hover, completion, rename,
    /// symbols and fixes. It never writes a file.
    Lsp(LspArgs),
}

/// Arguments of `rtm lsp`.
#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// The tree's folder. Default: found from the editor's workspace folder
    /// as `rtm check` finds it from the current folder.
    #[arg(value_name = "TREE")]
    pub tree: Option<PathBuf>,
    /// The tree's folder, as an option (the same as TREE).
    #[arg(long = "tree", value_name = "DIR", conflicts_with = "tree")]
    pub tree_option: Option<PathBuf>,
    /// How long edits must pause, in milliseconds, before the tree is
    /// checked again and its diagnostics sent.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    pub debounce_ms: u64,
    /// The date waivers' `until` and questions' `due` are compared with
    /// (YYYY-MM-DD); default: today (UTC).
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// Accepted and ignored: standard input and output are the only
    /// transport (editors' clients often pass it).
    #[arg(long, hide = true)]
    pub stdio: bool,
}

/// `rtm export FORMAT`.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// One workbook: the sheets Nodes, Deviations, Matrix and Findings.
    Xlsx(ExportArgs),
    /// The Nodes sheet alone, as CSV (RFC 4180, UTF-8).
    Csv(ExportArgs),
    /// ReqIF 1.0 (`.reqif`, or zipped as `.reqifz`), for DOORS, Polarion
    /// and every ReqIF tool.
    Reqif(ReqifExportArgs),
}

/// Arguments of `rtm export xlsx|csv`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub tree: TreeArg,
    /// The file to write (atomically); `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Leave out every node above this level (white, green, amber, red;
    /// clear = white). Default: the project's classification.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
    /// The date waivers' `until` and questions' `due` are compared with
    /// for the Findings sheet of `export xlsx` (YYYY-MM-DD); default: today
    /// (UTC). The CSV holds no finding: `export csv` accepts it and no date
    /// changes what it writes.
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub today: Option<jiff::civil::Date>,
}

/// Arguments of `rtm export reqif`.
#[derive(Debug, clap::Args)]
pub struct ReqifExportArgs {
    #[command(flatten)]
    pub tree: TreeArg,
    /// The file to write (atomically); `.reqifz` zips the document; `-` for
    /// standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Leave out every node above this level (white, green, amber, red;
    /// clear = white). Default: the project's classification.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub classification: Option<rtm::model::Classification>,
    /// The date written as the document's CREATION-TIME and every
    /// LAST-CHANGE (YYYY-MM-DD); default: a fixed date, so that the same
    /// tree always exports the same bytes.
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date)]
    pub date: Option<jiff::civil::Date>,
}

/// Arguments of `rtm import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file to import; its extension gives its format (.xlsx, .xlsm,
    /// .xls, .ods, .csv, .tsv, .reqif, .reqifz).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The tree to write into (created, with an rtm.toml, if it has none).
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// How the file maps to rtm fields (see the README): columns for a
    /// spreadsheet; [types], [attributes], [relations], [defaults] for ReqIF.
    #[arg(long, value_name = "MAP.toml")]
    pub mapping: Option<PathBuf>,
    /// The sheet to read. Default: the mapping's, else the first.
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Print what would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite files that already exist, and replace the tree's node
    /// files: those the import does not write are removed (rtm.toml and
    /// hidden files stay).
    #[arg(long)]
    pub force: bool,
    /// Output format (spreadsheets).
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
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
    /// Check under a scenario (FORMAT §16): these modifications are in
    /// force as well as the implemented ones. An id, or `pending` for every
    /// modification not rejected or withdrawn; repeat the option or separate
    /// ids with commas.
    #[arg(long, value_name = "ID", value_delimiter = ',', action = clap::ArgAction::Append)]
    pub assume: Vec<String>,
    /// Keep running: check again after every save (changes settled for
    /// 200 ms) and print the new findings. Only the changed files are read
    /// again. On a terminal the screen is cleared before each check, as
    /// `cargo watch -c` does; into a pipe or a file each check's output
    /// follows the last. Stop it with Ctrl-C.
    #[arg(long, conflicts_with = "since")]
    pub watch: bool,
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

/// Arguments of `rtm init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder of the new tree (created when missing).
    #[arg(default_value = "requirements")]
    pub dir: PathBuf,
    /// The project's name; default: the folder's name (the parent's, for a
    /// folder called `requirements`).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Arguments of `rtm new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The kind of node.
    #[arg(value_enum)]
    pub kind: KindArg,
    /// Its id; default: the next free one of its kind.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// One line; default: "New theme", "New RTM entry"…
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// The full statement, in Markdown.
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// Business requirements an RTM entry delivers.
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub satisfies: Vec<String>,
    /// Parent RTM entries an RTM entry decomposes.
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub refines: Vec<String>,
    /// Themes a business requirement serves (required for one).
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub themes: Vec<String>,
    /// SEC obligations an RTM entry upholds.
    #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',')]
    pub sec: Vec<String>,
    /// An RTM entry's category; default: mvp.
    #[arg(long, value_enum)]
    pub category: Option<CategoryArg>,
    /// An RTM entry's impact on Users: "none", or what they must change.
    #[arg(long, value_name = "TEXT")]
    pub user_impact: Option<String>,
    /// The file to append to, relative to the tree (created when missing).
    #[arg(long, value_name = "FILE")]
    pub file: Option<String>,
    #[command(flatten)]
    pub tree: TreeOption,
}

/// Arguments of `rtm fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub tree: TreeArg,
    /// Write nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

/// A node kind, as `rtm new` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Theme,
    Business,
    Requirement,
    Sec,
    Modification,
}

impl KindArg {
    pub fn kind(self) -> rtm::model::Kind {
        use rtm::model::Kind;
        match self {
            KindArg::Theme => Kind::Theme,
            KindArg::Business => Kind::Business,
            KindArg::Requirement => Kind::Requirement,
            KindArg::Sec => Kind::Sec,
            KindArg::Modification => Kind::Modification,
        }
    }
}

/// An RTM entry's category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CategoryArg {
    Mvp,
    SecSupport,
    Optional,
}

impl CategoryArg {
    pub fn category(self) -> rtm::model::Category {
        use rtm::model::Category;
        match self {
            CategoryArg::Mvp => Category::Mvp,
            CategoryArg::SecSupport => Category::SecSupport,
            CategoryArg::Optional => Category::Optional,
        }
    }
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
    /// Compare both versions under a scenario (FORMAT §16): these modifications are in
    /// force as well as the implemented ones. An id, or `pending` for every
    /// modification not rejected or withdrawn; repeat the option or separate
    /// ids with commas.
    #[arg(long, value_name = "ID", value_delimiter = ',', action = clap::ArgAction::Append)]
    pub assume: Vec<String>,
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
    /// Write the document under a scenario (FORMAT §16): these modifications are in
    /// force as well as the implemented ones. An id, or `pending` for every
    /// modification not rejected or withdrawn; repeat the option or separate
    /// ids with commas.
    #[arg(long, value_name = "ID", value_delimiter = ',', action = clap::ArgAction::Append)]
    pub assume: Vec<String>,
    /// `rtm review` only: add a section "Changed since BASE" (a folder, or
    /// a git revision of the repository holding TREE), and say for each
    /// stale decision what changed since BASE.
    #[arg(long, value_name = "BASE")]
    pub since: Option<String>,
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
    /// Accepted and ignored, for scripts that pass it to every command: a
    /// graph shows no finding, so no date changes it.
    #[arg(long, value_name = "DATE", value_parser = rtm::waivers::parse_date, hide = true)]
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
