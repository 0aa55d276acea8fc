//! `rtm check --format sarif`: one SARIF 2.1.0 log for code-scanning tools
//! (GitHub code scanning, IDE SARIF viewers).
//!
//! One run; the driver lists every rule of the registry, in registry order,
//! so that a result's `ruleIndex` is its code's index in [`RULES`]. Paths are
//! the tree's folder as given on the command line joined with the file's
//! path inside the tree, so that they are relative to where rtm was run (the
//! repository root in CI), under the base id `%SRCROOT%`. Columns count
//! Unicode code points, as in the JSON output. No timestamps: the same tree
//! gives the same bytes.

use std::path::{Component, Path};

use serde::Serialize;

use crate::Checked;
use crate::finding::Finding;
use crate::rules::{Level, RULES, Rule};
use crate::source::{Sources, Span};

/// The SARIF version written.
pub const VERSION: &str = "2.1.0";
/// The schema the log declares (OASIS SARIF 2.1.0, errata 01).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base id of every relative artifact URI.
pub const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text<'static>,
    full_description: Text<'static>,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn borrowed(text: &'a str) -> Self {
        Text { text: text.into() }
    }
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

/// A waiver (FORMAT §8), as SARIF says it: accepted in the source.
#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct LogicalLocation<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Properties<'a> {
    help: &'a str,
}

/// SARIF's name for a level. `off` never reaches a renderer (the sink drops
/// it); should it, SARIF's `none` says the same.
pub fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
        Level::Off => "none",
    }
}

/// The first paragraph of a rule page's "What it checks" section, on one
/// line; `None` when the page has no such section.
pub fn what_it_checks(doc: &str) -> Option<String> {
    let mut lines = doc.lines().skip_while(|l| l.trim() != "## What it checks");
    lines.next()?;
    let paragraph: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#') && !l.starts_with("```")
        })
        .map(str::trim)
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

fn descriptor(rule: &'static Rule) -> Descriptor {
    let full = what_it_checks(rule.doc).map_or(rule.summary.into(), Into::into);
    Descriptor {
        id: rule.code,
        name: rule.name,
        short_description: Text::borrowed(rule.summary),
        full_description: Text { text: full },
        help: Help {
            text: rule.doc,
            markdown: rule.doc,
        },
        default_configuration: Configuration {
            level: level(rule.default),
        },
    }
}

/// A file's path as the repository sees it: the tree's folder as given on
/// the command line joined with `rel` (the path inside the tree, `/`
/// separators), with `/` separators, without `.` segments or a leading
/// `./`. `..` segments are kept: resolving them would need the file system.
/// An absolute tree gives an absolute path. Never empty (`.` at worst).
pub fn repo_path(root: &Path, rel: &str) -> String {
    let mut prefix = String::new();
    let mut parts: Vec<String> = Vec::new();
    for c in root.components() {
        match c {
            Component::Prefix(p) => {
                prefix.push_str(&p.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir => prefix.push('/'),
            Component::CurDir => {}
            Component::ParentDir => parts.push("..".to_owned()),
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
        }
    }
    parts.extend(
        rel.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_owned),
    );
    let path = format!("{prefix}{}", parts.join("/"));
    if path.is_empty() {
        ".".to_owned()
    } else {
        path
    }
}

/// Percent-encodes a path for a URI: everything but unreserved characters,
/// sub-delimiters, `@` and the `/` separator. `:` is encoded so that a
/// relative path is never read as a scheme.
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact location of a file: relative to `%SRCROOT%`, or a `file:`
/// URI when the tree was given as an absolute path.
fn artifact(root: &Path, rel: &str) -> ArtifactLocation {
    let path = repo_path(root, rel);
    if root.has_root() {
        // `C:/x` (Windows) keeps its drive letter: `file:///C:/x`.
        let (drive, rest) = match path.split_once(':') {
            Some((d, r)) if d.len() == 1 && d.chars().all(|c| c.is_ascii_alphabetic()) => {
                (format!("{d}:"), r.to_owned())
            }
            _ => (String::new(), path),
        };
        let slash = if drive.is_empty() { "" } else { "/" };
        ArtifactLocation {
            uri: format!("file://{slash}{drive}{}", encode_uri_path(&rest)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_uri_path(&path),
            uri_base_id: Some(SRCROOT),
        }
    }
}

/// 1-based start and end (exclusive) of a span, in lines and characters.
pub fn region_of(sources: &Sources, span: Span) -> (usize, usize, usize, usize) {
    let (start_line, start_column) = sources.line_col(span);
    let end = Span {
        file: span.file,
        start: span.end.max(span.start),
        end: span.end.max(span.start),
    };
    let (end_line, end_column) = sources.line_col(end);
    (start_line, start_column, end_line, end_column)
}

fn physical(root: &Path, sources: &Sources, span: Span) -> PhysicalLocation {
    let (start_line, start_column, end_line, end_column) = region_of(sources, span);
    PhysicalLocation {
        artifact_location: artifact(root, sources.path(span.file)),
        region: Region {
            start_line,
            start_column,
            end_line,
            end_column,
        },
    }
}

fn logical(node: Option<&str>) -> Vec<LogicalLocation<'_>> {
    node.map(|name| LogicalLocation { name })
        .into_iter()
        .collect()
}

fn result<'a>(root: &Path, sources: &Sources, f: &'a Finding) -> SarifResult<'a> {
    let rule = f.code.rule();
    SarifResult {
        rule_id: rule.code,
        rule_index: f.code as usize,
        level: level(f.level),
        message: Text::borrowed(&f.message),
        locations: vec![Location {
            id: None,
            physical_location: physical(root, sources, f.span),
            logical_locations: logical(f.node.as_deref()),
            message: None,
        }],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| Location {
                id: Some(i),
                physical_location: physical(root, sources, r.span),
                logical_locations: logical(r.node.as_deref()),
                message: Some(Text::borrowed(&r.message)),
            })
            .collect(),
        suppressions: f
            .waived
            .iter()
            .map(|w| Suppression {
                kind: "inSource",
                status: "accepted",
                justification: match &w.until {
                    Some(until) => format!("waived by {} until {until}: {}", w.by, w.reason),
                    None => format!("waived by {}: {}", w.by, w.reason),
                },
            })
            .collect(),
        properties: f.help.as_deref().map(|help| Properties { help }),
    }
}

/// Writes the SARIF log, followed by a newline. `root` is the tree's folder
/// as given on the command line.
pub fn write(out: &mut impl std::io::Write, root: &Path, checked: &Checked) -> std::io::Result<()> {
    let sources = &checked.model.sources;
    let version = env!("CARGO_PKG_VERSION");
    let log = Log {
        schema: SCHEMA,
        version: VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rtm",
                    version,
                    semantic_version: version,
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: checked
                .findings
                .iter()
                .map(|f| result(root, sources, f))
                .collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_path_joins_and_normalises() {
        assert_eq!(
            repo_path(Path::new("requirements"), "detailed/x.toml"),
            "requirements/detailed/x.toml"
        );
        assert_eq!(
            repo_path(Path::new("./requirements/"), "x.toml"),
            "requirements/x.toml"
        );
        assert_eq!(repo_path(Path::new("."), "a/b.toml"), "a/b.toml");
        assert_eq!(repo_path(Path::new(""), "a.toml"), "a.toml");
        assert_eq!(repo_path(Path::new("a/./b"), "./c.toml"), "a/b/c.toml");
        assert_eq!(repo_path(Path::new("../up"), "c.toml"), "../up/c.toml");
        assert_eq!(repo_path(Path::new("."), ""), ".");
        assert_eq!(repo_path(Path::new("t"), "."), "t");
        #[cfg(unix)]
        assert_eq!(repo_path(Path::new("/abs/t"), "c.toml"), "/abs/t/c.toml");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_uri_path("a/b-c_d.toml"), "a/b-c_d.toml");
        assert_eq!(encode_uri_path("my file%.toml"), "my%20file%25.toml");
        assert_eq!(encode_uri_path("a:b#c?d"), "a%3Ab%23c%3Fd");
        assert_eq!(encode_uri_path("é"), "%C3%A9");
    }

    #[test]
    fn artifact_locations() {
        let rel = artifact(Path::new("./req"), "a b.toml");
        assert_eq!(rel.uri, "req/a%20b.toml");
        assert_eq!(rel.uri_base_id, Some(SRCROOT));
        #[cfg(unix)]
        {
            let abs = artifact(Path::new("/abs/req"), "x.toml");
            assert_eq!(abs.uri, "file:///abs/req/x.toml");
            assert_eq!(abs.uri_base_id, None);
        }
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_checks() {
        let doc = "# R1 x\n\nDefault level: error\n\n## What it checks\nOne\ntwo.\n\nThree.\n";
        assert_eq!(what_it_checks(doc).as_deref(), Some("One two."));
        assert_eq!(what_it_checks("# R1 x\n\nno sections\n"), None);
        assert_eq!(what_it_checks("## What it checks\n\n## Why\n"), None);
        for rule in RULES {
            let text = what_it_checks(rule.doc);
            assert!(
                text.as_deref().is_some_and(|t| !t.is_empty()),
                "{}",
                rule.code
            );
        }
    }

    #[test]
    fn levels_map_to_sarif() {
        assert_eq!(level(Level::Error), "error");
        assert_eq!(level(Level::Warning), "warning");
        assert_eq!(level(Level::Note), "note");
        assert_eq!(level(Level::Off), "none");
        assert!(RULES.iter().all(|r| r.default != Level::Off));
    }
}
