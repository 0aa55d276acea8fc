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
    /// Explain a rule, by code (R203) or name (undeclared-deviation).
    Explain {
        /// The rule's code or name.
        rule: String,
    },
    /// List every rule: code, name, default level, one line.
    Rules,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
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
