//! `rtm check --format json` (FORMAT §6).

use serde::Serialize;

use crate::Checked;
use crate::finding::{Counts, Finding};
use crate::model::Kind;
use crate::source::{Sources, Span};

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    root: &'a str,
    /// Only with `rtm check --since` (FORMAT §12).
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<&'a crate::diff::Since>,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Only with `--classification`: how many findings were held back
    /// because they name a node above that level (FORMAT §10).
    #[serde(skip_serializing_if = "Option::is_none")]
    withheld: Option<usize>,
    nodes: NodeCounts,
}

#[derive(Serialize)]
struct NodeCounts {
    theme: usize,
    business: usize,
    requirement: usize,
    sec: usize,
    modification: usize,
}

/// One finding as JSON (also used by `rtm diff --format json`).
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    node: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    related: Vec<Related<'a>>,
    /// Only on findings a waiver accepted (FORMAT §8).
    #[serde(skip_serializing_if = "Option::is_none")]
    waived: Option<JsonWaived<'a>>,
}

#[derive(Serialize)]
struct JsonWaived<'a> {
    by: &'a str,
    reason: &'a str,
    until: Option<&'a str>,
}

#[derive(Serialize)]
struct Related<'a> {
    node: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

fn place(sources: &Sources, span: Span) -> (&str, usize, usize) {
    let (line, column) = sources.line_col(span);
    (sources.path(span.file), line, column)
}

pub fn finding<'a>(sources: &'a Sources, f: &'a Finding) -> JsonFinding<'a> {
    let rule = f.code.rule();
    let (file, line, column) = place(sources, f.span);
    JsonFinding {
        code: rule.code,
        rule: rule.name,
        severity: f.level.as_str(),
        message: &f.message,
        node: f.node.as_deref(),
        file,
        line,
        column,
        related: f
            .related
            .iter()
            .map(|r| {
                let (file, line, column) = place(sources, r.span);
                Related {
                    node: r.node.as_deref(),
                    file,
                    line,
                    column,
                    message: &r.message,
                }
            })
            .collect(),
        waived: f.waived.as_ref().map(|w| JsonWaived {
            by: &w.by,
            reason: &w.reason,
            until: w.until.as_deref(),
        }),
    }
}

/// Writes the JSON document, followed by a newline.
pub fn write(out: &mut impl std::io::Write, root: &str, checked: &Checked) -> std::io::Result<()> {
    write_since(out, root, checked, None)
}

/// [`write`], with the `since` object of `rtm check --since`.
pub fn write_since(
    out: &mut impl std::io::Write,
    root: &str,
    checked: &Checked,
    since: Option<&crate::diff::Since>,
) -> std::io::Result<()> {
    write_with(out, root, checked, since, None)
}

/// [`write_since`], with the number of findings withheld by
/// `--classification` (`summary.withheld`).
pub fn write_with(
    out: &mut impl std::io::Write,
    root: &str,
    checked: &Checked,
    since: Option<&crate::diff::Since>,
    withheld: Option<usize>,
) -> std::io::Result<()> {
    let counts = Counts::of(&checked.findings);
    let n = checked.model.counts();
    let count = |k: Kind| n.get(k as usize).copied().unwrap_or(0);
    let sources = &checked.model.sources;
    let doc = Output {
        version: 1,
        root,
        since,
        summary: Summary {
            errors: counts.errors,
            warnings: counts.warnings,
            notes: counts.notes,
            withheld,
            nodes: NodeCounts {
                theme: count(Kind::Theme),
                business: count(Kind::Business),
                requirement: count(Kind::Requirement),
                sec: count(Kind::Sec),
                modification: count(Kind::Modification),
            },
        },
        findings: checked
            .findings
            .iter()
            .map(|f| finding(sources, f))
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
