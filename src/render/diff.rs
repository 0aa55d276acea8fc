//! `rtm diff`: Markdown, to post as a pull-request comment, and JSON.
//!
//! The JSON document (`--format json`) is one object:
//!
//! ```json
//! {
//!   "version": 1,
//!   "base": "origin/main",
//!   "head": "requirements",
//!   "nodes": {
//!     "added":   [ { "id": "RTM-0102", "kind": "requirement", "title": "…", "file": "detailed/alerts.toml" } ],
//!     "removed": [ { "id": …, "kind": …, "title": …, "file": … } ],
//!     "changed": [ { "id": "RTM-0101", "kind": "requirement",
//!                    "fields": [ { "field": "values", "old": { "poa_latency_s": 61 }, "new": { "poa_latency_s": 180 } } ] } ]
//!   },
//!   "deviations": {
//!     "added":   [ { "node": "RTM-0101", "sec": "SEC-POA-60", "summary": …, "rationale": …, "modification": "DP096" } ],
//!     "changed": [ { "node": …, "sec": …, "fields": [ { "field": "rationale", "old": …, "new": … } ] } ],
//!     "removed": [ … ]
//!   },
//!   "findings": { "introduced": [ …as in `rtm check --format json`… ], "resolved": [ … ] }
//! }
//! ```
//!
//! `base` and `head` are BASE and TREE as given. Nodes are sorted by id,
//! deviations by entry id then SEC id; introduced findings are placed in the
//! head tree and resolved ones in the base tree, each list in the order of
//! `rtm check` (file, line, column, code). A field's `old` or `new` is
//! `null` when the field is not set.

use serde::Serialize;
use serde_json::Value;

use crate::Checked;
use crate::diff::{DeviationChanges, Diff, FieldChange, NodeChanges};
use crate::render::json::{JsonFinding, finding};

/// The names shown for the two versions: BASE and TREE as given.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    pub base: &'a str,
    pub head: &'a str,
}

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    base: &'a str,
    head: &'a str,
    nodes: &'a NodeChanges,
    deviations: &'a DeviationChanges,
    findings: Findings<'a>,
    /// `--assume`, as given, when both versions were checked under a
    /// scenario (FORMAT §16); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    assume: Option<Vec<String>>,
}

/// The `--assume` values both versions were checked under, if any. An id
/// that names a modification of neither version as shown (one above the
/// reader's level, FORMAT §10) is counted, not named.
fn assumed(base: &Checked, head: &Checked) -> Option<Vec<String>> {
    let a = &head.scenario.assume;
    if a.is_empty() {
        return None;
    }
    let shown = |id: &str| {
        [base, head]
            .iter()
            .flat_map(|c| &c.model.nodes)
            .any(|n| n.kind == crate::model::Kind::Modification && n.id == id)
    };
    let (mut v, withheld): (Vec<String>, Vec<String>) =
        a.ids.iter().cloned().partition(|id| shown(id));
    if !withheld.is_empty() {
        v.push(crate::view::withheld_phrase(withheld.len()));
    }
    if a.pending {
        v.push(crate::scenario::PENDING.to_owned());
    }
    Some(v)
}

#[derive(Serialize)]
struct Findings<'a> {
    introduced: Vec<JsonFinding<'a>>,
    resolved: Vec<JsonFinding<'a>>,
}

fn findings<'a>(checked: &'a Checked, indices: &[usize]) -> Vec<JsonFinding<'a>> {
    indices
        .iter()
        .filter_map(|&i| checked.findings.get(i))
        .map(|f| finding(&checked.model.sources, f))
        .collect()
}

/// Writes the JSON document, followed by a newline.
pub fn json(
    out: &mut impl std::io::Write,
    names: Names<'_>,
    diff: &Diff,
    base: &Checked,
    head: &Checked,
) -> std::io::Result<()> {
    let doc = Output {
        version: 1,
        base: names.base,
        head: names.head,
        nodes: &diff.nodes,
        deviations: &diff.deviations,
        findings: Findings {
            introduced: findings(head, &diff.findings.introduced),
            resolved: findings(base, &diff.findings.resolved),
        },
        assume: assumed(base, head),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

use crate::escape::plural;

/// "2 nodes added, 1 changed": the noun goes with the first count shown.
fn counts(one: &str, many: &str, parts: &[(usize, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    for &(n, verb) in parts.iter().filter(|(n, _)| *n > 0) {
        if out.is_empty() {
            out.push(format!("{} {verb}", plural(n, one, many)));
        } else {
            out.push(format!("{n} {verb}"));
        }
    }
    out
}

/// The one-line summary: "2 nodes added, 1 changed, 1 deviation added;
/// 1 finding introduced, 3 resolved".
pub fn summary(diff: &Diff) -> String {
    let n = &diff.nodes;
    let d = &diff.deviations;
    let f = &diff.findings;
    let mut left = counts(
        "node",
        "nodes",
        &[
            (n.added.len(), "added"),
            (n.changed.len(), "changed"),
            (n.removed.len(), "removed"),
        ],
    );
    left.extend(counts(
        "deviation",
        "deviations",
        &[
            (d.added.len(), "added"),
            (d.changed.len(), "changed"),
            (d.removed.len(), "removed"),
        ],
    ));
    let right = counts(
        "finding",
        "findings",
        &[
            (f.introduced.len(), "introduced"),
            (f.resolved.len(), "resolved"),
        ],
    );
    let left = if left.is_empty() {
        "no node or deviation changed".to_owned()
    } else {
        left.join(", ")
    };
    let right = if right.is_empty() {
        "no finding introduced or resolved".to_owned()
    } else {
        right.join(", ")
    };
    format!("{left}; {right}")
}

/// Escapes text for a Markdown table cell as the reports do (no markup,
/// link or HTML can start in it, a `|` never splits it), with line breaks
/// as `<br>`.
pub use crate::escape::markdown_lines as cell;

/// A field's value as text: strings as written, lists joined with commas,
/// tables as `key = value`; "—" when not set or empty.
pub fn value_text(v: &Value) -> String {
    fn inner(v: &Value) -> String {
        match v {
            Value::String(s) => serde_json::to_string(s).unwrap_or_else(|_| s.clone()),
            Value::Object(m) => format!(
                "{{ {} }}",
                m.iter()
                    .map(|(k, v)| format!("{k} = {}", inner(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Value::Array(a) => format!("[{}]", a.iter().map(inner).collect::<Vec<_>>().join(", ")),
            other => other.to_string(),
        }
    }
    let text = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => s.clone(),
                other => inner(other),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} = {}", inner(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    if text.is_empty() {
        "—".to_owned()
    } else {
        cell(&text)
    }
}

fn opt_cell(s: Option<&str>) -> String {
    match s {
        Some(s) if !s.is_empty() => cell(s),
        _ => "—".to_owned(),
    }
}

fn table(
    out: &mut impl std::io::Write,
    heading: &str,
    header: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut t = crate::escape::Table::new(header);
    for row in rows {
        t.row(row.clone());
    }
    let mut text = format!("\n### {heading}\n\n");
    t.write_lines(&mut text);
    out.write_all(text.as_bytes())
}

fn field_rows(first: &[String], fields: &[FieldChange]) -> Vec<Vec<String>> {
    fields
        .iter()
        .map(|c| {
            let mut row = first.to_vec();
            row.extend([cell(&c.field), value_text(&c.old), value_text(&c.new)]);
            row
        })
        .collect()
}

fn finding_rows(checked: &Checked, indices: &[usize]) -> Vec<Vec<String>> {
    let sources = &checked.model.sources;
    indices
        .iter()
        .filter_map(|&i| checked.findings.get(i))
        .map(|f| {
            let rule = f.code.rule();
            let (line, column) = sources.line_col(f.span);
            vec![
                f.level.as_str().to_owned(),
                format!("{} {}", rule.code, rule.name),
                opt_cell(f.node.as_deref()),
                cell(&format!("{}:{line}:{column}", sources.path(f.span.file))),
                cell(&f.message),
            ]
        })
        .collect()
}

/// Writes the Markdown report: a heading, the summary line, then one table
/// per non-empty section.
pub fn markdown(
    out: &mut impl std::io::Write,
    names: Names<'_>,
    diff: &Diff,
    base: &Checked,
    head: &Checked,
) -> std::io::Result<()> {
    writeln!(
        out,
        "## rtm diff: {} → {}",
        cell(names.base),
        cell(names.head)
    )?;
    writeln!(out)?;
    if let Some(a) = assumed(base, head) {
        let what: Vec<String> = a
            .iter()
            .map(|v| {
                if v == crate::scenario::PENDING {
                    "every pending modification".to_owned()
                } else {
                    cell(v)
                }
            })
            .collect();
        writeln!(
            out,
            "Both versions checked under one scenario: assuming {} in force (`--assume`).\n",
            what.join(", ")
        )?;
    }
    writeln!(out, "{}", summary(diff))?;

    let node_rows = |nodes: &[crate::diff::NodeRef]| -> Vec<Vec<String>> {
        nodes
            .iter()
            .map(|n| {
                vec![
                    cell(&n.id),
                    n.kind.to_owned(),
                    opt_cell(n.title.as_deref()),
                    cell(&n.file),
                ]
            })
            .collect()
    };
    let dev_rows = |devs: &[crate::diff::DeviationRef]| -> Vec<Vec<String>> {
        devs.iter()
            .map(|d| {
                vec![
                    cell(&d.node),
                    opt_cell(Some(&d.sec)),
                    opt_cell(d.summary.as_deref()),
                    opt_cell(d.rationale.as_deref()),
                    opt_cell(d.modification.as_deref()),
                ]
            })
            .collect()
    };
    let node_header = ["id", "kind", "title", "file"];
    let dev_header = [
        "entry",
        "SEC obligation",
        "summary",
        "rationale",
        "modification",
    ];
    let finding_header = ["severity", "rule", "node", "place", "message"];

    table(
        out,
        "Nodes added",
        &node_header,
        &node_rows(&diff.nodes.added),
    )?;
    let changed: Vec<Vec<String>> = diff
        .nodes
        .changed
        .iter()
        .flat_map(|c| field_rows(&[cell(&c.id), c.kind.to_owned()], &c.fields))
        .collect();
    table(
        out,
        "Nodes changed",
        &["id", "kind", "field", "old", "new"],
        &changed,
    )?;
    table(
        out,
        "Nodes removed",
        &node_header,
        &node_rows(&diff.nodes.removed),
    )?;
    table(
        out,
        "Deviations added",
        &dev_header,
        &dev_rows(&diff.deviations.added),
    )?;
    let changed: Vec<Vec<String>> = diff
        .deviations
        .changed
        .iter()
        .flat_map(|c| field_rows(&[cell(&c.node), opt_cell(Some(&c.sec))], &c.fields))
        .collect();
    table(
        out,
        "Deviations changed",
        &["entry", "SEC obligation", "field", "old", "new"],
        &changed,
    )?;
    table(
        out,
        "Deviations removed",
        &dev_header,
        &dev_rows(&diff.deviations.removed),
    )?;
    table(
        out,
        "Findings introduced",
        &finding_header,
        &finding_rows(head, &diff.findings.introduced),
    )?;
    table(
        out,
        "Findings resolved",
        &finding_header,
        &finding_rows(base, &diff.findings.resolved),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_never_split_or_open_html() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(cell("<b>&</b>"), "&lt;b&gt;&amp;&lt;/b&gt;");
        assert_eq!(cell("one\r\ntwo\nthree"), "one<br>two<br>three");
        assert_eq!(cell("`x`"), "\\`x\\`");
    }

    #[test]
    fn values_read_as_written() {
        let v = serde_json::json!({ "poa_latency_s": { "max": 60 } });
        assert_eq!(value_text(&v), "poa_latency_s = { max = 60 }");
        assert_eq!(value_text(&serde_json::json!(["SB", "DB"])), "SB, DB");
        assert_eq!(value_text(&Value::Null), "—");
        assert_eq!(value_text(&serde_json::json!([])), "—");
        assert_eq!(value_text(&serde_json::json!("a|b")), "a\\|b");
    }
}
