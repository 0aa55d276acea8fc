#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

mod cli;

/// mimalloc: a well-kept allocator that is much faster than the system's
/// for rtm's many small strings and vectors (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::RulesFormat;
use cli::{
    CheckArgs, Cli, Color, Command, DocArgs, DocFormat, Format, GraphArgs, GraphFormatArg,
    SchemaKind,
};
use cli::{DecideArgs, StampArgs};
use cli::{DiffArgs, DiffFormat};
use cli::{ExportCommand, ImportArgs};
use cli::{FmtArgs, InitArgs, NewArgs};
use rtm::render;
use rtm::rules::{RULES, lookup};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any parallel work: a system that refuses threads gets a
    // one-thread rtm, not a panic.
    if let Err(e) = rtm::threads::start() {
        eprintln!("rtm: {e}");
        return ExitCode::from(2);
    }
    // Ctrl-C leaves no temporary file behind, and never half an import
    // (the language server is stopped by its editor).
    if !matches!(cli.command, Command::Lsp(_)) {
        rtm::interrupt::install();
    }
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Diff(args) => diff(&args),
        Command::Explain { rule } => explain(&rule),
        Command::Rules { format } => rules(format),
        Command::Report(args) => document(&args, Doc::Report),
        Command::Review(args) => document(&args, Doc::Review),
        Command::Graph(args) => graph(&args),
        Command::Stamp(args) => stamp(&args),
        Command::Init(args) => init(&args),
        Command::New(args) => new(&args),
        Command::Fmt(args) => fmt(&args),
        Command::Decide(args) => decide(&args),
        Command::Schema { which } => schema(which),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir.as_deref()),
        Command::Export(ExportCommand::Reqif(args)) => reqif_export(&args),
        Command::Export(cmd) => export(&cmd),
        Command::Import(args) if rtm::interchange::import::is_reqif(&args.file) => {
            reqif_import(&args)
        }
        Command::Import(args) => import(&args),
        Command::Lsp(args) => lsp(&args),
    };
    match result {
        Ok(code) => code,
        // The reader stopped reading (`rtm report | head`): not an error.
        Err(e) if closed_pipe(&*e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rtm: {e}");
            ExitCode::from(2)
        }
    }
}

type Result = std::result::Result<ExitCode, Box<dyn std::error::Error>>;

/// Whether an error is, or comes from, a write into a pipe whose reader
/// has gone.
fn closed_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(e), |e| e.source()).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            // Neither JSON's nor CSV's error gives its I/O error as its
            // source.
            .or_else(|| {
                e.downcast_ref::<serde_json::Error>()
                    .and_then(serde_json::Error::io_error_kind)
            })
            .or_else(|| match e.downcast_ref::<csv::Error>()?.kind() {
                csv::ErrorKind::Io(io) => Some(io.kind()),
                _ => None,
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// What was printed, with a closed pipe taken as the end of the output:
/// the command keeps the status it has (`rtm check | head` still fails on
/// an error in the tree).
fn printed(
    r: std::result::Result<(), Box<dyn std::error::Error>>,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    match r {
        Err(e) if closed_pipe(&*e) => Ok(()),
        other => other,
    }
}

/// A write to `-o PATH` that failed, named by its path; the I/O error is
/// kept (a closed pipe is then known as one).
#[derive(Debug)]
struct WriteError {
    path: std::path::PathBuf,
    error: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Names a write error by the path written.
fn write_error(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |error| WriteError {
        path: path.to_path_buf(),
        error,
    }
}

fn lsp(args: &cli::LspArgs) -> Result {
    let settings = rtm::lsp::Settings {
        tree: args.tree.clone().or_else(|| args.tree_option.clone()),
        debounce: std::time::Duration::from_millis(args.debounce_ms),
        options: rtm::Options {
            today: args.today,
            assume: rtm::scenario::Assume::default(),
        },
    };
    // Exit 0 after `shutdown` then `exit`, 1 otherwise (LSP's rule).
    let clean = rtm::lsp::run(&settings)?;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn check(args: &CheckArgs) -> Result {
    let tree = args.tree.resolve()?;
    let options = rtm::Options {
        today: args.today,
        assume: rtm::scenario::Assume::parse(&args.assume),
    };
    if args.watch {
        return watch(args, &tree, &options);
    }
    let mut checked = rtm::check_with(&tree, &options)?;
    options.assume.validate(&[&checked], args.classification)?;
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
            // Nor does the count of nodes (per kind in JSON), or of files
            // (a file of withheld nodes only, or one that could not be
            // read, is not counted), tell a reader that a withheld node
            // exists.
            let with_nodes: std::collections::HashSet<_> =
                checked.model.nodes.iter().map(|n| n.file()).collect();
            let mut i = 0;
            checked.model.nodes.retain(|_| {
                i += 1;
                visibility.shows(i - 1)
            });
            let with_shown: std::collections::HashSet<_> =
                checked.model.nodes.iter().map(|n| n.file()).collect();
            checked.model.files.retain(|f| {
                (!with_nodes.contains(&f.file) || with_shown.contains(&f.file))
                    && !visibility.hides_file(f.file)
            });
            Some((withheld, checked.config.labels.name(level)))
        }
        None => None,
    };
    let fail = write_check(args, &tree, &checked, c, since.as_ref(), withheld)?;
    leak(checked);
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints a checked tree's findings in the chosen format; `counts` are
/// the whole tree's, `withheld` how many findings `--classification` held
/// back and the level's name. True when the check fails.
fn write_check(
    args: &CheckArgs,
    tree: &std::path::Path,
    checked: &rtm::Checked,
    c: rtm::finding::Counts,
    since: Option<&rtm::diff::Since>,
    withheld: Option<(usize, &str)>,
) -> std::result::Result<bool, Box<dyn std::error::Error>> {
    // --deny-warnings: why the check fails when only warnings make it fail.
    let denied = (args.deny_warnings && c.errors == 0 && c.warnings > 0).then(|| {
        let noun = if c.warnings == 1 {
            "warning"
        } else {
            "warnings"
        };
        format!("failing: --deny-warnings and {} {noun}", c.warnings)
    });
    printed((|| {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        match args.format {
            Format::Sarif => render::sarif::write(&mut out, tree, checked)?,
            Format::Github => render::github::write(&mut out, tree, checked)?,
            Format::Gitlab => render::gitlab::write(&mut out, tree, checked)?,
            Format::Json => {
                let root = tree.to_string_lossy();
                render::json::write_with(
                    &mut out,
                    &root,
                    checked,
                    since,
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
                render::human::write_findings(&mut out, checked, style)?;
                let mut line = render::human::summary(checked);
                if let Some(s) = since {
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
        Ok(())
    })())?;
    if let (Some(why), false) = (&denied, args.format == Format::Human) {
        eprintln!("rtm: {why}");
    }
    Ok(c.errors > 0 || (args.deny_warnings && c.warnings > 0))
}

/// `rtm check --watch`: checks the tree, then checks it again through a
/// [`rtm::workspace::Workspace`] after every change to its files (changes
/// settled for 200 ms), printing the findings each time. On a terminal
/// the screen is cleared first. Runs until stopped.
fn watch(args: &CheckArgs, tree: &std::path::Path, options: &rtm::Options) -> Result {
    use notify::{RecursiveMode, Watcher};
    let mut ws = rtm::workspace::Workspace::open(tree, options)?;
    options
        .assume
        .validate(&[ws.checked()], args.classification)?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx)?;
    // Watched by its canonical path, so that every event names a path
    // below it.
    let root = std::fs::canonicalize(tree).unwrap_or_else(|_| tree.to_path_buf());
    watcher.watch(&root, RecursiveMode::Recursive)?;
    let terminal = std::io::stdout().is_terminal();
    eprintln!(
        "rtm: watching {} for changes (Ctrl-C to stop)",
        tree.display()
    );
    loop {
        if terminal {
            // Clear the screen and go to its top, as `cargo watch -c` does.
            print!("\x1b[2J\x1b[H");
        }
        watch_round(args, tree, ws.checked())?;
        let Some(changed) = settled_changes(&rx, &root, tree) else {
            return Ok(ExitCode::SUCCESS);
        };
        if let Err(e) = apply_changes(&mut ws, tree, &changed) {
            eprintln!("rtm: {e}");
        }
        eprintln!(
            "rtm: checked again after a change to {}",
            changed.join(", ")
        );
    }
}

/// How long the changes to the tree must stay quiet before it is checked
/// again.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits for a change to a file of the tree, then until no change has
/// come for [`SETTLE`], and gives the tree's paths that changed, sorted;
/// `None` once the watcher is gone. Opening or reading a file is not a
/// change: rtm reads each changed file again, and an editor, `git` or
/// `grep` opens them too, which would otherwise start a check after every
/// check.
fn settled_changes(
    rx: &std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
    root: &std::path::Path,
    tree: &std::path::Path,
) -> Option<Vec<String>> {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode};
    use std::sync::mpsc::RecvTimeoutError;
    let mut changed: Vec<String> = Vec::new();
    loop {
        let event = if changed.is_empty() {
            rx.recv().ok()?
        } else {
            match rx.recv_timeout(SETTLE) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        };
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                eprintln!("rtm: watching {}: {e}", tree.display());
                continue;
            }
        };
        // A file written and closed is a change; any other access is not.
        if matches!(event.kind, EventKind::Access(a) if a != AccessKind::Close(AccessMode::Write)) {
            continue;
        }
        for path in &event.paths {
            let rel = path.strip_prefix(root).or_else(|_| path.strip_prefix(tree));
            let Some(rel) = rel.ok().and_then(|r| r.to_str()) else {
                continue;
            };
            let rel = rel.replace(std::path::MAIN_SEPARATOR, "/");
            if rtm::workspace::Workspace::is_tree_path(&rel) && !changed.contains(&rel) {
                changed.push(rel);
            }
        }
    }
    changed.sort();
    Some(changed)
}

/// One round of `--watch`: the findings, under `--classification`.
fn watch_round(
    args: &CheckArgs,
    tree: &std::path::Path,
    checked: &rtm::Checked,
) -> std::result::Result<bool, Box<dyn std::error::Error>> {
    let c = checked.counts();
    match args.classification {
        Some(level) => {
            let visibility = rtm::view::Visibility::new(checked, Some(level))?;
            let (shown, withheld) = visibility.redact(checked);
            let mut redacted = checked.clone();
            redacted.findings = shown;
            let name = checked.config.labels.name(level);
            write_check(args, tree, &redacted, c, None, Some((withheld, name)))
        }
        None => write_check(args, tree, checked, c, None, None),
    }
}

/// Gives the workspace the changed files as they now are on disk: a
/// plain UTF-8 file is read again on its own; a deleted one is removed;
/// anything else (a link, a folder, a file that is not UTF-8) reads the
/// whole tree again, as a fresh check would.
fn apply_changes(
    ws: &mut rtm::workspace::Workspace,
    tree: &std::path::Path,
    changed: &[String],
) -> std::result::Result<(), rtm::load::LoadError> {
    for rel in changed {
        let path = tree.join(rel);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ws.remove(rel),
            Ok(m) if m.is_file() => match std::fs::read(&path).map(String::from_utf8) {
                Ok(Ok(text)) => ws.update(rel, text),
                _ => return ws.reopen(),
            },
            _ => return ws.reopen(),
        }
    }
    Ok(())
}

/// `rtm diff BASE [TREE]`: exit 1 when a finding at level error is introduced.
fn diff(args: &DiffArgs) -> Result {
    let tree = args.tree.resolve()?;
    // --assume: both versions are checked under the same scenario; an id
    // must name a modification of one of them.
    let options = rtm::Options {
        today: args.today,
        assume: rtm::scenario::Assume::parse(&args.assume),
    };
    let head = rtm::check_with(&tree, &options)?;
    let base = rtm::diff::check_base(&args.base, &tree, &options)?;
    options
        .assume
        .validate(&[&base, &head], args.classification)?;
    // The exit status answers for the whole tree, whatever is shown.
    let fail = rtm::diff::compare(&base, &head).introduces_errors(&head);
    // --classification: compare the two trees as a reader at that level
    // sees them (every node above it deleted; FORMAT §10).
    let (base, head, hidden) = match args.classification {
        Some(level) => shown_pair(&base, &head, level)?,
        None => (base, head, Default::default()),
    };
    let diff = rtm::diff::compare_as(&base, &head, &|id| hidden.contains(id));
    let tree = tree.to_string_lossy();
    let names = render::diff::Names {
        base: &args.base,
        head: &tree,
    };
    printed((|| {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        match args.format {
            DiffFormat::Markdown => render::diff::markdown(&mut out, names, &diff, &base, &head)?,
            DiffFormat::Json => render::diff::json(&mut out, names, &diff, &base, &head)?,
        }
        out.flush()?;
        Ok(())
    })())?;
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Two versions of a tree as a reader at `level` sees them (FORMAT §10):
/// each with the nodes above it deleted, and the ids that name only such
/// nodes in either, which the comparison shows only as a number.
fn shown_pair(
    base: &rtm::Checked,
    head: &rtm::Checked,
    level: rtm::model::Classification,
) -> std::result::Result<
    (
        rtm::Checked,
        rtm::Checked,
        std::collections::HashSet<String>,
    ),
    rtm::view::Refused,
> {
    let b = rtm::view::View::new(base, Some(level))?;
    let h = rtm::view::View::new(head, Some(level))?;
    let hidden = b
        .hidden_ids()
        .chain(h.hidden_ids())
        .map(String::from)
        .collect();
    Ok((b.into_shown(), h.into_shown(), hidden))
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
            .map_err(|e| write_error(path)(e).into()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

fn document(args: &DocArgs, doc: Doc) -> Result {
    let tree = args.tree.resolve()?;
    let options = rtm::Options {
        today: args.today,
        assume: rtm::scenario::Assume::parse(&args.assume),
    };
    let checked = rtm::check_with(&tree, &options)?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    options.assume.validate(&[&checked], Some(view.level))?;
    let opts = rtm::report::DocOptions {
        date: args.date.map(|d| d.to_string()),
    };
    // --since BASE (review only): BASE and the tree compared as the
    // document's reader sees them (FORMAT §10, §15).
    let since = match (&args.since, doc) {
        (None, _) => None,
        (Some(_), Doc::Report) => {
            return Err("`--since` is an option of `rtm review` only".into());
        }
        (Some(base), Doc::Review) => {
            let base_full = rtm::diff::check_base(base, &tree, &options)?;
            let (b, h, hidden) = shown_pair(&base_full, &checked, view.level)?;
            let diff = rtm::diff::compare_as(&b, &h, &|id| hidden.contains(id));
            Some((base.as_str(), b, h, diff, hidden))
        }
    };
    let markdown = match doc {
        Doc::Report => rtm::report::traceability::write(&view, &opts),
        Doc::Review => {
            let since =
                since.as_ref().map(
                    |(name, base, head, diff, hidden)| rtm::report::review::Since {
                        name,
                        base,
                        head,
                        diff,
                        hidden,
                    },
                );
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
    let options = rtm::Options {
        today: args.today,
        ..Default::default()
    };
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

/// `rtm init [DIR] [--name NAME]`.
fn init(args: &InitArgs) -> Result {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| rtm::init::default_name(&args.dir));
    let written = rtm::init::init(&args.dir, &name)?;
    let mut out = std::io::stdout().lock();
    for path in &written {
        let shown = path.display().to_string();
        writeln!(out, "created {}", render::escape_controls(&shown))?;
    }
    let dir = args.dir.display().to_string();
    let plain = |c: char| c.is_ascii_alphanumeric() || "._/-".contains(c);
    let dir = if dir.chars().all(plain) {
        dir
    } else {
        format!("'{}'", dir.replace('\'', "'\\''"))
    };
    let dir = render::escape_controls(&dir);
    writeln!(out)?;
    writeln!(out, "next:")?;
    writeln!(out, "  rtm check {dir}")?;
    writeln!(
        out,
        "  rtm new requirement --satisfies BR-001 --title \"…\" --user-impact none --tree {dir}"
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `rtm new KIND [--id ID] [--title TEXT] … [--tree TREE]`.
fn new(args: &NewArgs) -> Result {
    let mut node = rtm::new::NewNode::new(args.kind.kind());
    node.id = args.id.clone();
    node.title = args.title.clone();
    node.text = args.text.clone();
    node.themes = args.themes.clone();
    node.satisfies = args.satisfies.clone();
    node.refines = args.refines.clone();
    node.sec = args.sec.clone();
    node.category = args.category.map(cli::CategoryArg::category);
    node.user_impact = args.user_impact.clone();
    node.file = args.file.clone();
    let tree = args.tree.resolve()?;
    let added = rtm::new::add(&tree, &node)?;
    let mut out = std::io::stdout().lock();
    let verb = if added.created { "a new file, " } else { "" };
    writeln!(
        out,
        "added {} to {verb}{}",
        render::escape_controls(&added.id),
        render::escape_controls(&added.rel)
    )?;
    // What the check now says about the new node (a theme no business
    // requirement names yet, an entry that reaches none).
    let checked = rtm::check(&tree)?;
    for f in &checked.findings {
        if f.node.as_deref() == Some(added.id.as_str()) {
            let rule = f.code.rule();
            let message = render::escape_controls(&f.message);
            writeln!(out, "  {} {} {}: {message}", f.level, rule.code, rule.name)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `rtm fmt [TREE] [--check]`: exit 1 with `--check` when a file would
/// change; 2 when a file could not be read or parsed (it is left alone).
fn fmt(args: &FmtArgs) -> Result {
    use rtm::fmt::Outcome;
    let files = rtm::fmt::plan(&args.tree.resolve()?)?;
    let mut out = std::io::stdout().lock();
    let (mut changed, mut unchanged, mut failed) = (0, 0, 0);
    for file in &files {
        let rel = render::escape_controls(&file.rel);
        match &file.outcome {
            Outcome::Unchanged => unchanged += 1,
            Outcome::Changed(bytes) => {
                changed += 1;
                if args.check {
                    writeln!(out, "would reformat {rel}")?;
                } else {
                    rtm::output::write_atomic(&file.path, bytes)
                        .map_err(|e| format!("{rel}: cannot write it: {e}"))?;
                    writeln!(out, "reformatted {rel}")?;
                }
            }
            Outcome::Failed(why) => {
                failed += 1;
                eprintln!("rtm: {rel}: left alone: {}", render::escape_controls(why));
            }
        }
    }
    let files_noun = |n: usize| if n == 1 { "file" } else { "files" };
    let done = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    writeln!(
        out,
        "rtm: {changed} {} {done}, {unchanged} already formatted{}",
        files_noun(changed),
        if failed > 0 {
            format!(", {failed} not read")
        } else {
            String::new()
        }
    )?;
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if args.check && changed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `rtm explain RULE`: by code or name, in any case (`r203`).
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
    let (edit, recorded) = rtm::decide::decide(&args.tree.resolve()?, &req)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "rtm: {} of {}: {} by {} on {on}, recorded in {}",
        recorded.about, recorded.id, recorded.outcome, args.by, edit.rel
    )?;
    Ok(ExitCode::SUCCESS)
}

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
/// `rtm man`: the page of `rtm` on standard output, or with a folder every
/// page (`rtm.1`, and `rtm-check.1` … that it names) written into it,
/// each atomically.
fn man(dir: Option<&std::path::Path>) -> Result {
    // Built, as clap_mangen's own `generate_to` does, so that each command
    // is named `rtm-check` and not `check`, and without `help`, which has
    // no page of its own.
    let mut cmd = <Cli as clap::CommandFactory>::command().disable_help_subcommand(true);
    cmd.build();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut page)?;
        let mut out = std::io::stdout().lock();
        out.write_all(&page)?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut todo = vec![cmd];
    let mut written = 0;
    while let Some(cmd) = todo.pop() {
        todo.extend(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
        let man = clap_mangen::Man::new(cmd);
        let path = dir.join(man.get_filename());
        let mut page = Vec::new();
        man.render(&mut page)?;
        rtm::output::write_atomic(&path, &page).map_err(write_error(&path))?;
        written += 1;
    }
    eprintln!("rtm: {written} manual pages written in {}", dir.display());
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

/// What of the elements an import read it skipped as repeats, as the end
/// of its summary (` (skipped: 3 SPEC-OBJECTs and 2 SPEC-RELATIONs read
/// before)`), or nothing: the counts before it are of what was read.
fn reqif_skipped(imported: &rtm::reqif::Imported) -> String {
    use rtm::escape::plural;
    let mut before = Vec::new();
    if imported.repeated_objects > 0 {
        before.push(plural(
            imported.repeated_objects,
            "SPEC-OBJECT",
            "SPEC-OBJECTs",
        ));
    }
    if imported.repeated_relations > 0 {
        before.push(plural(
            imported.repeated_relations,
            "SPEC-RELATION",
            "SPEC-RELATIONs",
        ));
    }
    let mut parts = Vec::new();
    if !before.is_empty() {
        parts.push(format!("{} read before", before.join(" and ")));
    }
    if imported.repeated_links > 0 {
        parts.push(format!(
            "{} repeating a link",
            plural(imported.repeated_links, "SPEC-RELATION", "SPEC-RELATIONs")
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (skipped: {})", parts.join(", "))
    }
}

/// `rtm import FILE.reqif|.reqifz --into TREE`: every node file prepared
/// first, then each written atomically; nothing when any object cannot be
/// imported (exit 1) or the input cannot be read (exit 2).
fn reqif_import(args: &cli::ImportArgs) -> Result {
    use rtm::reqif;
    let limits = reqif::Limits::default();
    let mapping = match &args.mapping {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            reqif::Mapping::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => reqif::Mapping::default(),
    };
    let docs = reqif::read_path(&args.file, &limits)?;
    let tree = &args.into;
    let has_project = tree.join(rtm::load::PROJECT_FILE).is_file();
    let existing = if tree.is_dir() {
        Some(rtm::load::load(tree)?)
    } else {
        None
    };
    let config = existing.as_ref().filter(|_| has_project).map(|l| &l.config);
    // A tree exists when it has a project file, or node files the import
    // keeps (`rtm.toml` is optional, FORMAT §1), as for a spreadsheet: no
    // `rtm.toml` is made for it.
    let tree_exists = has_project
        || (!args.force
            && rtm::load::FileSet::from_dir(tree).is_ok_and(|set| !set.entries.is_empty()));
    // Read once, the bytes freed as soon as they are read.
    let docs = reqif::parse_documents(docs, &limits)?;
    // The level the documents state for nodes that name none (an rtm
    // export's): kept, failing closed (FORMAT §10). A new tree takes it as
    // its default; a tree whose default is lower gets it on every node.
    let tree_default = config.map_or(rtm::model::Classification::White, |c| c.classification());
    let raised = docs.stated_default().filter(|&s| s > tree_default);
    let mut mapping = mapping;
    if let Some(level) = raised.filter(|_| tree_exists) {
        mapping.default_unless_set("classification", level.as_str());
    }
    let first = reqif::import_parsed(
        &docs,
        &mapping,
        &reqif::Target {
            config,
            existing_ids: Default::default(),
            new_tree: !tree_exists,
        },
    );
    // Ids already in the tree, outside the files the import writes.
    let written: std::collections::HashSet<&str> =
        first.files.iter().map(|(p, _)| p.as_str()).collect();
    // With --force every node file the import does not write is removed,
    // so no id outside the import remains.
    let existing_ids: std::collections::HashSet<String> = existing
        .as_ref()
        .filter(|_| !args.force)
        .map(|l| {
            l.model
                .nodes
                .iter()
                .filter(|n| !written.contains(l.model.sources.path(n.file())))
                .map(|n| n.id.to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut imported = if existing_ids.is_empty() {
        first
    } else {
        reqif::import_parsed(
            &docs,
            &mapping,
            &reqif::Target {
                config,
                existing_ids,
                new_tree: !tree_exists,
            },
        )
    };
    let mut err = std::io::stderr().lock();
    for d in &imported.diagnostics {
        writeln!(err, "{}", render::escape_controls(&d.to_string()))?;
    }
    if let Some(level) = raised {
        if tree_exists {
            writeln!(
                err,
                "warning: {}",
                rtm::interchange::import::raised_warning(level, tree_default)
            )?;
        } else {
            imported.project =
                rtm::interchange::import::with_default_level(&imported.project, level);
        }
    }
    let errors = imported
        .diagnostics
        .iter()
        .filter(|d| d.severity == reqif::Severity::Error)
        .count();
    if errors > 0 {
        writeln!(
            err,
            "rtm: nothing written: {errors} {} could not be imported",
            if errors == 1 { "object" } else { "objects" }
        )?;
        return Ok(ExitCode::from(1));
    }
    let mut files: Vec<(std::path::PathBuf, &str)> = imported
        .files
        .iter()
        .map(|(rel, text)| (tree.join(rel), text.as_str()))
        .collect();
    if !tree_exists {
        files.push((
            tree.join(rtm::load::PROJECT_FILE),
            imported.project.as_str(),
        ));
    }
    let mut out = std::io::stdout().lock();
    let nodes: usize = imported.counts.iter().sum();
    let kinds: Vec<String> = rtm::model::Kind::ALL
        .iter()
        .zip(imported.counts)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let mut summary = format!(
        "{nodes} {} ({}), {} {}, from {} SPEC-OBJECTs and {} SPEC-RELATIONs",
        if nodes == 1 { "node" } else { "nodes" },
        kinds.join(", "),
        imported.links,
        if imported.links == 1 { "link" } else { "links" },
        imported.objects,
        imported.relations,
    );
    summary.push_str(&reqif_skipped(&imported));
    // With --force the tree's node files become exactly the import's, as
    // for a spreadsheet: the others are removed once the new ones are in
    // place (rtm.toml and hidden files stay).
    let removed: Vec<String> = if args.force && tree.is_dir() {
        let written: std::collections::HashSet<&str> =
            imported.files.iter().map(|(p, _)| p.as_str()).collect();
        rtm::load::FileSet::from_dir(tree)?.node_files_except(|rel| written.contains(rel))
    } else {
        Vec::new()
    };
    let targets = imported.files.iter().map(|(p, _)| p.as_str());
    let project = (!tree_exists).then_some(rtm::load::PROJECT_FILE);
    rtm::output::refuse_links(tree, targets.chain(project))
        .map_err(|e| format!("nothing written: {e}"))?;
    if args.dry_run {
        for rel in &removed {
            writeln!(
                out,
                "would remove {} (not in the import; --force)",
                render::escape_controls(&tree.join(rel).display().to_string())
            )?;
        }
        for (path, text) in &files {
            if path.ends_with(rtm::load::PROJECT_FILE) {
                writeln!(out, "would write {} (the project file)", path.display())?;
                continue;
            }
            let n = text.lines().filter(|l| l.starts_with("[[")).count();
            writeln!(out, "would write {} ({n} nodes)", path.display())?;
        }
        writeln!(out, "rtm: dry run: {summary}; nothing written")?;
        return Ok(ExitCode::SUCCESS);
    }
    if !args.force {
        let taken: Vec<String> = files
            .iter()
            .filter(|(p, _)| p.exists())
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !taken.is_empty() {
            return Err(format!(
                "nothing written: {} already {} (--force replaces {})",
                taken.join(", "),
                if taken.len() == 1 { "exists" } else { "exist" },
                if taken.len() == 1 { "it" } else { "them" },
            )
            .into());
        }
    }
    for (path, _) in &files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    // Every file staged (written beside its target and synced), and put in
    // place only when all are staged: a failure while writing changes
    // nothing.
    let staged = rtm::output::stage_all(&files)
        .map_err(|(path, e)| format!("{}: {e}; nothing written", path.display()))?;
    let removed: Vec<std::path::PathBuf> = removed.iter().map(|rel| tree.join(rel)).collect();
    rtm::output::commit_all(staged, &removed)
        .map_err(|(path, e)| format!("{}: {e}", path.display()))?;
    for path in &removed {
        writeln!(
            out,
            "removed {} (not in the import; --force)",
            render::escape_controls(&path.display().to_string())
        )?;
    }
    writeln!(
        out,
        "rtm: imported {summary} into {} ({} {})",
        tree.display(),
        files.len(),
        if files.len() == 1 { "file" } else { "files" }
    )?;
    // Not freed one string at a time: the process ends here.
    drop(files);
    leak(imported);
    leak(docs);
    leak(existing);
    Ok(ExitCode::SUCCESS)
}

/// `rtm export reqif [TREE] -o FILE.reqif|.reqifz`: what the view at the
/// classification shows (FORMAT §10).
fn reqif_export(args: &cli::ReqifExportArgs) -> Result {
    rtm::output::check_target(&args.output).map_err(write_error(&args.output))?;
    // The document shows the tree, not its findings: no rules are run.
    // The fields the model does not keep are kept as the files are
    // parsed: the export does not parse them again.
    let kept = rtm::reqif::kept_fields();
    let checked = rtm::load_linked_with(
        &args.tree.resolve()?,
        Some(&|file, doc: &toml::de::DeTable<'_>| kept.keep(file, doc)),
    )?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    warn_unread(&view);
    let kept = Some(&kept);
    let options = rtm::reqif::ExportOptions {
        date: args.date.map(|d| d.to_string()),
    };
    let path = &args.output;
    let zipped = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("reqifz"));
    if zipped {
        let document = rtm::reqif::export_with(&view, &options, kept);
        let stem = path
            .file_stem()
            .map_or_else(|| "export".into(), |s| s.to_string_lossy().into_owned());
        let bytes = rtm::reqif::zip_document(&format!("{stem}.reqif"), &document)?;
        rtm::output::write_atomic(path, &bytes)
    } else {
        // Written as it is made, never whole in memory.
        // The export hands over large parts: no buffer of its own. The
        // disk starts writing them as they come, so that the final sync
        // waits for little.
        rtm::output::write_atomic_with(path, |f| {
            let mut w = rtm::output::WriteBack::new(f);
            rtm::reqif::export_to(&view, &options, kept, &mut w)?;
            w.flush()
        })
    }
    .map_err(write_error(path))?;
    drop(view);
    leak(checked);
    Ok(ExitCode::SUCCESS)
}

/// A progress bar of `len` rows on standard error, only when it is a
/// terminal and the work (`size` rows or nodes) is long enough to need one.
/// A bar of no length yet is hidden until it is shown
/// (`set_draw_target`).
fn progress(size: u64, len: u64, what: &str) -> Option<indicatif::ProgressBar> {
    if size < 20_000 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = if len == 0 {
        indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::hidden())
    } else {
        indicatif::ProgressBar::new(len)
    };
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    Some(bar)
}

/// Says on standard error that the files rtm cannot read (R001) are not
/// in an export: their nodes are missing from it, which nothing in the
/// file itself shows (a CSV or ReqIF has no findings).
fn warn_unread(view: &rtm::view::View<'_>) {
    let mut files: Vec<&str> = view
        .checked
        .findings
        .iter()
        .filter(|f| f.code == rtm::registry::Code::R001)
        .map(|f| view.checked.model.sources.path(f.span.file))
        .collect();
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return;
    }
    eprintln!(
        "rtm: warning: {} cannot be read (R001) and {} not in the export: {} (`rtm check` shows why)",
        rtm::escape::plural(files.len(), "file", "files"),
        if files.len() == 1 { "is" } else { "are" },
        render::escape_controls(&files.join(", "))
    );
}

/// `rtm export xlsx|csv [TREE] -o FILE`.
fn export(cmd: &ExportCommand) -> Result {
    let (args, xlsx) = match cmd {
        ExportCommand::Xlsx(a) => (a, true),
        ExportCommand::Csv(a) => (a, false),
        ExportCommand::Reqif(a) => return reqif_export(a),
    };
    rtm::output::check_target(&args.output).map_err(write_error(&args.output))?;
    let options = rtm::Options {
        today: args.today,
        ..Default::default()
    };
    // Every node's cells are made as the check parses its file: the export
    // writes every field as written without parsing the files again.
    let kept = rtm::interchange::export::kept_cells();
    let checked = rtm::check_with_hook(&args.tree.resolve()?, &options, &|file, doc| {
        kept.keep(file, doc)
    })?;
    let view = rtm::view::View::new(&checked, args.classification)?;
    warn_unread(&view);
    let kept = Some(&kept);
    // Written into the temporary file as it is made, not built whole in
    // memory first; an export that fails leaves no file.
    let mut failed: Option<rtm::interchange::export::ExportError> = None;
    let written = if xlsx {
        // Shown for a large tree, from its first sheet on; its length
        // grows as each sheet is built.
        let bar = progress(view.checked.model.nodes.len() as u64, 0, "exporting");
        let shown = std::sync::Once::new();
        let tick = |t: rtm::interchange::export::Tick| {
            use rtm::interchange::export::Tick;
            if let Some(b) = &bar {
                match t {
                    Tick::Rows(n) => {
                        b.inc_length(n);
                        shown.call_once(|| {
                            b.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                        });
                    }
                    Tick::Written(n) => b.inc(n),
                }
            }
        };
        let written = if rtm::output::replaces(&args.output) {
            rtm::output::write_atomic_with(&args.output, |file| {
                rtm::interchange::export::write_xlsx(&view, kept, &tick, file)
                    .map_err(|e| std::io::Error::other(failed.insert(e).to_string()))
            })
        } else {
            // A pipe cannot be sought in: the workbook is made in memory.
            let bytes = rtm::interchange::export::xlsx(&view, kept, &tick)?;
            rtm::output::write_atomic(&args.output, &bytes)
        };
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        written
    } else {
        rtm::output::write_atomic_with(&args.output, |file| {
            rtm::interchange::export::write_csv(&view, kept, file)
                .map_err(|e| std::io::Error::other(failed.insert(e).to_string()))
        })
    };
    if let Some(e) = failed {
        return Err(e.into());
    }
    written.map_err(write_error(&args.output))?;
    if !xlsx {
        // A CSV file has no place to state its classification (FORMAT
        // §10): its reader is told here instead.
        eprintln!(
            "rtm: the CSV is classified {}; withheld: {}. A CSV file cannot state this itself: mark it where you share it",
            view.labels().label(view.document_level()),
            rtm::interchange::export::withheld(&view, false)
        );
        // Nor its project's variants, of which a new tree gets only those
        // its nodes name.
        let variants = &view.checked.config.project.variants;
        if !variants.is_empty() {
            eprintln!(
                "rtm: its project's variants are {list}; a tree it is imported into must set `variants = {list}` under [project] in its rtm.toml, or it has only those its nodes name",
                list = rtm::interchange::variants_text(variants)
            );
        }
        // Nor can it carry the level of the nodes that name none.
        let default = view.default_level();
        if default > rtm::model::Classification::White {
            eprintln!(
                "rtm: its nodes with an empty `classification` are {default} (the project's default); a tree it is imported into must set `classification = \"{default}\"` under [project] in its rtm.toml, or they take that tree's default"
            );
        }
    }
    drop(view);
    leak(checked);
    Ok(ExitCode::SUCCESS)
}

/// `rtm import FILE --into TREE`: exit 1 when a cell is bad (nothing
/// written), 2 when the input cannot be read.
fn import(args: &ImportArgs) -> Result {
    use rtm::interchange::import;
    // Said at once, not as the operating system's "Not a directory" for
    // the first file written into it.
    if std::fs::metadata(&args.into).is_ok_and(|m| !m.is_dir()) {
        return Err(format!(
            "{}: not a folder: `--into` names the tree's folder",
            args.into.display()
        )
        .into());
    }
    let mapping = match &args.mapping {
        Some(p) => Some(import::Mapping::read(p)?),
        None => None,
    };
    let options = import::Options {
        mapping,
        sheet: args.sheet.clone(),
        replace: args.force,
    };
    let json = args.format == RulesFormat::Json;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let bar: std::cell::OnceCell<Option<indicatif::ProgressBar>> = std::cell::OnceCell::new();
    let tick = |done: u64, total: u64| {
        if let Some(b) = bar.get_or_init(|| progress(total, total, "importing")) {
            b.set_position(done);
        }
    };
    let prepared = if args.dry_run {
        import::prepare_with(&args.file, &args.into, &options, &tick)
            .map(|r| r.map(|plan| (plan, Vec::new())))
    } else {
        import::import_with(&args.file, &args.into, &options, &tick, args.force)
    };
    if let Some(Some(b)) = bar.get() {
        b.finish_and_clear();
    }
    let (plan, written) = match prepared? {
        Ok(done) => done,
        Err(diags) => {
            if json {
                let doc = serde_json::json!({
                    "version": 1,
                    "input": args.file.to_string_lossy(),
                    "written": false,
                    "diagnostics": diags,
                });
                serde_json::to_writer_pretty(&mut out, &doc)?;
                writeln!(out)?;
            } else {
                for d in &diags {
                    let under = if d.header.is_empty() {
                        String::new()
                    } else {
                        format!(" (under `{}`)", render::escape_controls(&d.header))
                    };
                    writeln!(
                        out,
                        "error: {}{under}: {}",
                        render::escape_controls(&d.cell),
                        render::escape_controls(&d.message)
                    )?;
                    if let Some(h) = &d.help {
                        writeln!(out, "  help: {}", render::escape_controls(h))?;
                    }
                }
                let n = diags.len();
                writeln!(
                    out,
                    "rtm: {n} bad {}: nothing written",
                    if n == 1 { "cell" } else { "cells" }
                )?;
            }
            out.flush()?;
            return Ok(ExitCode::from(1));
        }
    };
    let mut files: Vec<String> = plan.files.iter().map(|(r, _)| r.clone()).collect();
    if plan.project.is_some() {
        files.push(rtm::load::PROJECT_FILE.to_owned());
    }
    let counts: serde_json::Map<String, serde_json::Value> = rtm::model::Kind::ALL
        .iter()
        .zip(plan.counts)
        .map(|(k, n)| (k.as_str().to_owned(), n.into()))
        .collect();
    if json {
        let doc = serde_json::json!({
            "version": 1,
            "input": args.file.to_string_lossy(),
            "sheet": plan.sheet,
            "into": args.into.to_string_lossy(),
            "written": !args.dry_run,
            "files": files,
            "removed": plan.removed,
            "nodes": counts,
            "links": plan.links,
            "blank_rows": plan.blank_rows,
            "ignored_columns": plan.ignored,
            "warnings": plan.warnings,
            "diagnostics": [],
        });
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
    } else {
        let verb = if args.dry_run { "would write" } else { "wrote" };
        for f in &files {
            writeln!(out, "{verb} {}", render::escape_controls(f))?;
        }
        let removal = if args.dry_run {
            "would remove"
        } else {
            "removed"
        };
        for f in &plan.removed {
            writeln!(
                out,
                "{removal} {} (not in the import; --force)",
                render::escape_controls(f)
            )?;
        }
        for c in &plan.ignored {
            writeln!(
                out,
                "warning: column {} is not an rtm field: left out",
                render::escape_controls(c)
            )?;
        }
        for w in &plan.warnings {
            writeln!(out, "warning: {}", render::escape_controls(w))?;
        }
        let nodes: Vec<String> = rtm::model::Kind::ALL
            .iter()
            .zip(plan.counts)
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let total: usize = plan.counts.iter().sum();
        writeln!(
            out,
            "rtm: {verb} {total} {} ({}), {} {}, in {} {}{}",
            if total == 1 { "node" } else { "nodes" },
            if nodes.is_empty() {
                "none".to_owned()
            } else {
                nodes.join(", ")
            },
            plan.links,
            if plan.links == 1 { "link" } else { "links" },
            files.len(),
            if files.len() == 1 { "file" } else { "files" },
            if args.dry_run {
                "; nothing written (--dry-run)".to_owned()
            } else {
                format!(
                    " under {}",
                    render::escape_controls(&args.into.to_string_lossy())
                )
            },
        )?;
        if !plan.removed.is_empty() {
            let n = plan.removed.len();
            writeln!(
                out,
                "rtm: {removal} {n} node {} that the import does not write",
                if n == 1 { "file" } else { "files" }
            )?;
        }
    }
    let _ = written;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
