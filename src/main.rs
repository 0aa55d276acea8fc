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
use cli::{DecideArgs, StampArgs};
use cli::{DiffArgs, DiffFormat};
use rtm::render;
use rtm::rules::{RULES, lookup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Diff(args) => diff(&args),
        Command::Explain { rule } => explain(&rule),
        Command::Rules => rules(),
        Command::Report(args) => document(&args, Doc::Report),
        Command::Review(args) => document(&args, Doc::Review),
        Command::Graph(args) => graph(&args),
        Command::Stamp(args) => stamp(&args),
        Command::Decide(args) => decide(&args),
        Command::Schema { which } => schema(which),
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
    let options = rtm::Options { today: args.today };
    let mut checked = rtm::check_with(&args.tree, &options)?;
    // --since: keep only the findings BASE does not have (FORMAT §12).
    let since = match &args.since {
        Some(base) => {
            let old = rtm::diff::check_base(base, &args.tree, &options)?;
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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Sarif => render::sarif::write(&mut out, &args.tree, &checked)?,
        Format::Github => render::github::write(&mut out, &args.tree, &checked)?,
        Format::Json => {
            let root = args.tree.to_string_lossy();
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
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
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
    let head = rtm::check(&args.tree)?;
    let base = rtm::diff::check_base(&args.base, &args.tree, &rtm::Options::default())?;
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
    let tree = args.tree.to_string_lossy();
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
    let checked = rtm::check_with(&args.tree, &options)?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    let opts = rtm::report::DocOptions {
        date: args.date.clone(),
    };
    // --since BASE (review only): BASE and the tree compared as the
    // document's reader sees them (FORMAT §10, §15).
    let since = match (&args.since, doc) {
        (None, _) => None,
        (Some(_), Doc::Report) => {
            return Err("`--since` is an option of `rtm review` only".into());
        }
        (Some(base), Doc::Review) => {
            let base_full = rtm::diff::check_base(base, &args.tree, &options)?;
            let b = rtm::view::View::new(&base_full, Some(view.level))?.into_shown();
            let h = rtm::view::View::new(&checked, Some(view.level))?.into_shown();
            let diff = rtm::diff::compare(&b, &h);
            Some((base.as_str(), b, h, diff))
        }
    };
    let markdown = match doc {
        Doc::Report => rtm::report::traceability::write(&view, &opts),
        Doc::Review => {
            let since = since
                .as_ref()
                .map(|(name, base, head, diff)| rtm::report::review::Since {
                    name,
                    base,
                    head,
                    diff,
                });
            rtm::report::review::write_since(&view, &opts, since.as_ref())
        }
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
    let checked = rtm::check(&args.tree)?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    let format = match args.format {
        GraphFormatArg::Dot => render::graph::GraphFormat::Dot,
        GraphFormatArg::Mermaid => render::graph::GraphFormat::Mermaid,
    };
    let text = render::graph::write(&view, format, args.root.as_deref())?;
    emit(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `rtm stamp ID… --by NAME [--on DATE] [--tree TREE]`.
fn stamp(args: &StampArgs) -> Result {
    let on = args.on.unwrap_or_else(rtm::waivers::today).to_string();
    let edits = rtm::stamp::stamp(&args.tree, &args.ids, &args.by, &on)?;
    let mut out = std::io::stdout().lock();
    let mut nodes = 0;
    for edit in &edits {
        for id in &edit.ids {
            writeln!(out, "stamped {id} in {}", edit.rel)?;
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

/// `rtm decide ID --about ABOUT --outcome OUTCOME --by NAME [--on DATE]
/// [--note TEXT] [--tree TREE]`.
fn decide(args: &DecideArgs) -> Result {
    let on = args.on.unwrap_or_else(rtm::waivers::today).to_string();
    let req = rtm::decide::Request {
        id: &args.id,
        about: &args.about,
        outcome: &args.outcome,
        by: &args.by,
        on: &on,
        note: args.note.as_deref(),
    };
    let (edit, recorded) = rtm::decide::decide(&args.tree, &req)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "rtm: {} of {}: {} by {} on {on}, recorded in {}",
        recorded.about, recorded.id, recorded.outcome, args.by, edit.rel
    )?;
    Ok(ExitCode::SUCCESS)
}

fn explain(name: &str) -> Result {
    match lookup(name) {
        Some((_, rule)) => {
            print!("{}", rule.doc);
            Ok(ExitCode::SUCCESS)
        }
        None => Err(format!("unknown rule `{name}` (`rtm rules` lists every rule)").into()),
    }
}

fn rules() -> Result {
    let mut out = std::io::stdout().lock();
    for r in RULES {
        writeln!(
            out,
            "{}  {:<32} {:<8} {}",
            r.code, r.name, r.default, r.summary
        )?;
    }
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
