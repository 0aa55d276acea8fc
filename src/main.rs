#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc: a well-kept allocator that is much faster than the system's
/// for rtm's many small strings and vectors (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{
    CheckArgs, Cli, Color, Command, DocArgs, DocFormat, Format, GraphArgs, GraphFormatArg,
    SchemaKind,
};
use cli::{DiffArgs, DiffFormat};
use cli::{RulesFormat, StampArgs};
use rtm::render;
use rtm::rules::{RULES, lookup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Diff(args) => diff(&args),
        Command::Explain { rule } => explain(&rule),
        Command::Rules { format } => rules(format),
        Command::Report(args) => document(&args, Doc::Report),
        Command::Review(args) => document(&args, Doc::Review),
        Command::Graph(args) => graph(&args),
        Command::Stamp(args) => stamp(&args),
        Command::Schema { which } => schema(which),
        Command::Completions { shell } => completions(shell),
        Command::Man => man(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rtm: {e}");
            ExitCode::from(2)
        }
    }
}

type Result = std::result::Result<ExitCode, Box<dyn std::error::Error>>;

fn check(args: &CheckArgs) -> Result {
    let tree = args.tree.resolve()?;
    let options = rtm::Options { today: args.today };
    let mut checked = rtm::check_with(&tree, &options)?;
    // --since: keep only the findings BASE does not have (FORMAT §12).
    let since = match &args.since {
        Some(base) => {
            let old = rtm::diff::check_base(base, &tree, &options)?;
            Some(rtm::diff::keep_new(&mut checked, &old, base))
        }
        None => None,
    };
    // The exit status answers for the whole tree, whatever is shown.
    let c = checked.counts();
    // --classification: hold back every finding that names a node above
    // the level (FORMAT §10), for logs that others can read.
    let withheld = match args.classification {
        Some(level) => {
            let visibility = rtm::view::Visibility::new(&checked, Some(level))?;
            let (shown, withheld) = visibility.redact(&checked);
            checked.findings = shown;
            Some((withheld, checked.config.labels.name(level)))
        }
        None => None,
    };
    // --deny-warnings: why the check fails when only warnings make it fail.
    let denied = (args.deny_warnings && c.errors == 0 && c.warnings > 0).then(|| {
        let noun = if c.warnings == 1 {
            "warning"
        } else {
            "warnings"
        };
        format!("failing: --deny-warnings and {} {noun}", c.warnings)
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Sarif => render::sarif::write(&mut out, &tree, &checked)?,
        Format::Github => render::github::write(&mut out, &tree, &checked)?,
        Format::Gitlab => render::gitlab::write(&mut out, &tree, &checked)?,
        Format::Json => {
            let root = tree.to_string_lossy();
            render::json::write_with(
                &mut out,
                &root,
                &checked,
                since.as_ref(),
                withheld.map(|(n, _)| n),
            )?;
        }
        Format::Human => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            let style = render::human::Style {
                color,
                width: 100,
                snippets: withheld.is_none(),
            };
            render::human::write_findings(&mut out, &checked, style)?;
            let mut line = render::human::summary(&checked);
            if let Some(s) = &since {
                let noun = if s.older == 1 { "finding" } else { "findings" };
                line.push_str(&format!("; {} older {noun} not shown", s.older));
            }
            if let Some((n, name)) = withheld {
                let noun = if n == 1 { "finding" } else { "findings" };
                line.push_str(&format!("; {n} {noun} above {name} withheld"));
            }
            if let Some(why) = &denied {
                line.push_str(&format!("; {why}"));
            }
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    if let (Some(why), false) = (&denied, args.format == Format::Human) {
        eprintln!("rtm: {why}");
    }
    let fail = c.errors > 0 || (args.deny_warnings && c.warnings > 0);
    leak(checked);
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `rtm diff BASE [TREE]`: exit 1 when a finding at level error is introduced.
fn diff(args: &DiffArgs) -> Result {
    let tree = args.tree.resolve()?;
    let options = rtm::Options { today: args.today };
    let head = rtm::check_with(&tree, &options)?;
    let base = rtm::diff::check_base(&args.base, &tree, &options)?;
    // The exit status answers for the whole tree, whatever is shown.
    let fail = rtm::diff::compare(&base, &head).introduces_errors(&head);
    // --classification: compare the two trees as a reader at that level
    // sees them (every node above it deleted; FORMAT §10).
    let (base, head) = match args.classification {
        Some(level) => {
            let b = rtm::view::View::new(&base, Some(level))?.into_shown();
            let h = rtm::view::View::new(&head, Some(level))?.into_shown();
            (b, h)
        }
        None => (base, head),
    };
    let diff = rtm::diff::compare(&base, &head);
    let tree = tree.to_string_lossy();
    let names = render::diff::Names {
        base: &args.base,
        head: &tree,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        DiffFormat::Markdown => render::diff::markdown(&mut out, names, &diff, &base, &head)?,
        DiffFormat::Json => render::diff::json(&mut out, names, &diff, &base, &head)?,
    }
    out.flush()?;
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Clone, Copy)]
enum Doc {
    Report,
    Review,
}

/// Writes a document to `-o FILE` (atomically) or to standard output.
fn emit(
    output: Option<&std::path::Path>,
    text: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    match output {
        Some(path) => rtm::output::write_atomic(path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()).into()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

fn document(args: &DocArgs, doc: Doc) -> Result {
    let options = rtm::Options { today: args.today };
    let checked = rtm::check_with(&args.tree.resolve()?, &options)?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    let opts = rtm::report::DocOptions {
        date: args.date.map(|d| d.to_string()),
    };
    let markdown = match doc {
        Doc::Report => rtm::report::traceability::write(&view, &opts),
        Doc::Review => rtm::report::review::write(&view, &opts),
    };
    let text = match args.format {
        DocFormat::Markdown => markdown,
        DocFormat::Html => rtm::report::html::page_for(&view, &markdown),
    };
    emit(args.output.as_deref(), &text)?;
    drop(view);
    leak(checked);
    Ok(ExitCode::SUCCESS)
}

/// The process exits next: freeing a large tree node by node would only
/// cost time (a tenth of a 100,000-node check), so the memory is left to
/// the operating system.
fn leak<T>(value: T) {
    std::mem::forget(value);
}

fn graph(args: &GraphArgs) -> Result {
    let options = rtm::Options { today: args.today };
    let checked = rtm::check_with(&args.tree.resolve()?, &options)?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    let format = match args.format {
        GraphFormatArg::Dot => render::graph::GraphFormat::Dot,
        GraphFormatArg::Mermaid => render::graph::GraphFormat::Mermaid,
        GraphFormatArg::Svg => render::graph::GraphFormat::Svg,
    };
    let text = render::graph::write(&view, format, args.root.as_deref())?;
    emit(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `rtm stamp ID… --by NAME [--on DATE] [--tree TREE]`.
fn stamp(args: &StampArgs) -> Result {
    let on = args.on.unwrap_or_else(rtm::waivers::today).to_string();
    let edits = rtm::stamp::stamp(&args.tree.resolve()?, &args.ids, &args.by, &on)?;
    let mut out = std::io::stdout().lock();
    let mut nodes = 0;
    for edit in &edits {
        for id in &edit.ids {
            let rel = render::escape_controls(&edit.rel);
            writeln!(out, "stamped {id} in {rel}")?;
            nodes += 1;
        }
    }
    let files = edits.len();
    writeln!(
        out,
        "rtm: {nodes} {} stamped by {} on {on} in {files} {}",
        if nodes == 1 { "node" } else { "nodes" },
        args.by,
        if files == 1 { "file" } else { "files" },
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `rtm explain RULE`: by code or name, in any case (`r203`).
fn explain(name: &str) -> Result {
    let rule = lookup(name).map(|(_, r)| r).or_else(|| {
        RULES
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(name) || r.name.eq_ignore_ascii_case(name))
    });
    if let Some(rule) = rule {
        print!("{}", rule.doc);
        return Ok(ExitCode::SUCCESS);
    }
    // A code one keystroke away (R230, R2O3), or a name with a typo.
    let upper = name.to_ascii_uppercase();
    let near = RULES
        .iter()
        .map(|r| (strsim::damerau_levenshtein(&upper, r.code), r.code))
        .filter(|&(d, _)| d <= 1)
        .min()
        .map(|(_, code)| code)
        .or_else(|| {
            let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
            rtm::load::decode::suggest(&name.to_ascii_lowercase(), &names)
        });
    let hint = near.map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
    Err(format!("unknown rule `{name}`{hint} (`rtm rules` lists every rule)").into())
}

/// `rtm rules`: one line per rule, its columns lined up.
fn rules(format: RulesFormat) -> Result {
    if format == RulesFormat::Json {
        let list: Vec<serde_json::Value> = RULES
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code,
                    "name": r.name,
                    "default": r.default.as_str(),
                    "summary": r.summary,
                })
            })
            .collect();
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &list)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let width = |f: fn(&rtm::rules::Rule) -> String| {
        RULES
            .iter()
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let code = width(|r| r.code.to_owned());
    let name = width(|r| r.name.to_owned());
    let level = width(|r| r.default.to_string());
    let mut out = std::io::stdout().lock();
    for r in RULES {
        writeln!(
            out,
            "{:<code$}  {:<name$}  {:<level$}  {}",
            r.code,
            r.name,
            r.default.as_str(),
            r.summary
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `rtm completions SHELL`: the completion script, from the same command
/// line definition as everything else (clap_complete).
fn completions(shell: clap_complete::Shell) -> Result {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "rtm", &mut out);
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `rtm man`: the manual page in roff (clap_mangen), from the same command
/// line definition as everything else.
fn man() -> Result {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn schema(which: SchemaKind) -> Result {
    let schema = match which {
        SchemaKind::Node => rtm::schema::node(),
        SchemaKind::Config => rtm::schema::config(),
    };
    print!("{}", rtm::schema::to_text(&schema));
    Ok(ExitCode::SUCCESS)
}
