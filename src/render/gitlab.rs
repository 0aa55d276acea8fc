//! `rtm check --format gitlab`: the GitLab code quality report, a JSON
//! array of issues that GitLab shows in merge requests when a job uploads
//! it as `artifacts:reports:codequality`.
//!
//! Each issue has `description`, `check_name`, `fingerprint`, `severity`
//! and `location` (`path` from the repository's root, `lines.begin`). The
//! fingerprint identifies the finding, not its place: it is the SHA-256 of
//! the rule, the node, the file, the message and, for findings identical in
//! all four, their rank, so that a finding keeps its fingerprint when the
//! lines above it move and GitLab does not report it as new.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Checked;
use crate::finding::Finding;
use crate::rules::Level;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<Content<'a>>,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

/// GitLab's severities: `info`, `minor`, `major`, `critical`, `blocker`.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        Level::Note | Level::Off => "info",
    }
}

fn fingerprint(f: &Finding, path: &str, rank: usize) -> String {
    let mut h = Sha256::new();
    for part in [
        f.code.rule().code,
        f.node.as_deref().unwrap_or(""),
        path,
        f.message.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.update(rank.to_le_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the report: one issue per finding, in the findings' order.
pub fn write(out: &mut impl std::io::Write, root: &Path, checked: &Checked) -> std::io::Result<()> {
    let sources = &checked.model.sources;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Issue<'_>> = checked
        .findings
        .iter()
        .map(|f| {
            let path = super::sarif::repo_path(root, sources.path(f.span.file));
            let (line, _) = sources.line_col(f.span);
            let rule = f.code.rule();
            let key = format!(
                "{}\0{}\0{path}\0{}",
                rule.code,
                f.node.as_deref().unwrap_or(""),
                f.message
            );
            let rank = seen.entry(key).or_insert(0);
            let fp = fingerprint(f, &path, *rank);
            *rank += 1;
            let mut description = f.message.clone();
            if let Some(w) = &f.waived {
                description.push_str(&format!(" ({})", crate::waivers::describe(w)));
            }
            Issue {
                description,
                check_name: format!("{} {}", rule.code, rule.name),
                fingerprint: fp,
                severity: severity(f.level),
                location: Location {
                    path,
                    lines: Lines { begin: line },
                },
                content: f.help.as_deref().map(|body| Content { body }),
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
