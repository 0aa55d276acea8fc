//! The human output of `rtm check`: miette's graphical report of every
//! finding, with its snippet, its labels and a help line, then a summary.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceCode,
};

use crate::Checked;
use crate::finding::{Counts, Finding};
use crate::rules::Level;
use crate::source::{FileId, Span};

/// Output options.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Line width for wrapping.
    pub width: usize,
}

/// One finding as miette sees it.
#[derive(Debug)]
struct Diag {
    code: String,
    message: String,
    severity: Severity,
    src: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Diag>,
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diag {}

impl Diagnostic for Diag {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.src.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)) as Box<_>)
    }
}

fn severity(level: Level) -> Severity {
    match level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Note | Level::Off => Severity::Advice,
    }
}

/// File texts shared by every diagnostic that shows them.
struct Texts<'a> {
    checked: &'a Checked,
    cache: HashMap<FileId, Arc<str>>,
}

impl Texts<'_> {
    fn source(&mut self, file: FileId) -> Option<NamedSource<Arc<str>>> {
        let f = self.checked.model.sources.get(file)?;
        if f.text.is_empty() {
            return None;
        }
        let text = self
            .cache
            .entry(file)
            .or_insert_with(|| Arc::from(f.text.as_str()))
            .clone();
        Some(NamedSource::new(&f.path, text).with_language("toml"))
    }

    fn path(&self, file: FileId) -> &str {
        self.checked.model.sources.path(file)
    }

    fn label(&self, span: Span, text: Option<String>, primary: bool) -> LabeledSpan {
        let len = self
            .checked
            .model
            .sources
            .get(span.file)
            .map_or(0, |f| f.text.len());
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        if primary {
            LabeledSpan::new_primary_with_span(text, start..end)
        } else {
            LabeledSpan::new_with_span(text, start..end)
        }
    }
}

fn diag(texts: &mut Texts<'_>, f: &Finding) -> Diag {
    let rule = f.code.rule();
    let src = texts.source(f.span.file);
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let mut message = f.message.clone();
    if src.is_some() {
        labels.push(texts.label(f.span, f.label.clone(), true));
    } else {
        message = format!("{}: {message}", texts.path(f.span.file));
    }
    for r in &f.related {
        if r.span.file == f.span.file && src.is_some() {
            labels.push(texts.label(r.span, Some(r.message.clone()), false));
        } else {
            let rsrc = texts.source(r.span.file);
            let rlabels = if rsrc.is_some() {
                vec![texts.label(r.span, Some(r.message.clone()), true)]
            } else {
                Vec::new()
            };
            related.push(Diag {
                code: String::new(),
                message: format!(
                    "{}: {}",
                    r.node.as_deref().unwrap_or(texts.path(r.span.file)),
                    r.message
                ),
                severity: Severity::Advice,
                src: rsrc,
                labels: rlabels,
                help: None,
                related: Vec::new(),
            });
        }
    }
    Diag {
        code: format!("{} {}", rule.code, rule.name),
        message,
        severity: severity(f.level),
        src,
        labels,
        help: match (&f.waived, &f.help) {
            (Some(w), Some(h)) => Some(format!("{}\n{h}", crate::waivers::describe(w))),
            (Some(w), None) => Some(crate::waivers::describe(w)),
            (None, h) => h.clone(),
        },
        related,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one summary line printed after the findings.
pub fn summary(checked: &Checked) -> String {
    let c = Counts::of(&checked.findings);
    format!(
        "rtm: {}, {}, {} in {} ({})",
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
        plural(c.notes, "note", "notes"),
        plural(checked.model.files.len(), "file", "files"),
        plural(checked.model.nodes.len(), "node", "nodes"),
    )
}

/// Writes every finding, then the summary line.
pub fn write(
    out: &mut impl std::io::Write,
    checked: &Checked,
    style: Style,
) -> std::io::Result<()> {
    write_findings(out, checked, style)?;
    writeln!(out, "{}", summary(checked))
}

/// Writes every finding, without the summary line.
pub fn write_findings(
    out: &mut impl std::io::Write,
    checked: &Checked,
    style: Style,
) -> std::io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_context_lines(1);
    let mut texts = Texts {
        checked,
        cache: HashMap::new(),
    };
    for f in &checked.findings {
        let d = diag(&mut texts, f);
        let mut s = String::new();
        if handler.render_report(&mut s, &d).is_err() {
            s = format!("{}: {}\n", d.code, d.message);
        }
        out.write_all(s.as_bytes())?;
        writeln!(out)?;
    }
    Ok(())
}
