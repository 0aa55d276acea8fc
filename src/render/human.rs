//! The human output of `rtm check`: miette's graphical report of every
//! finding, with its snippet, its labels and a help line, then a summary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, NamedSource, Severity, SourceCode, SourceSpan, SpanContents,
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
    /// Whether to show the lines of the file around each finding. Off for
    /// `rtm check --classification`: a neighbouring line may belong to a
    /// withheld node.
    pub snippets: bool,
}

/// One finding as miette sees it.
#[derive(Debug)]
struct Diag {
    code: String,
    message: String,
    severity: Severity,
    src: Option<NamedSource<Windowed>>,
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

/// A file's text as shown, with its line index, shared by every diagnostic
/// that shows it.
#[derive(Debug)]
struct Indexed {
    /// The file's text, each control character in it (but tab, line feed
    /// and the CR of a CRLF) escaped as [`super::escape_controls`] writes
    /// it, so that a snippet cannot act on the reader's terminal.
    text: Arc<str>,
    /// Byte offset in `text` of every line's start (after each `\n`), from
    /// the loader's index.
    starts: Vec<usize>,
    /// Where `text` differs from the file: for each escaped character, its
    /// offset in the file, the offset just past it, and the bytes added up
    /// to and including it.
    shifts: Vec<(usize, usize, usize)>,
}

/// A source for miette that reads only the lines around a span. miette's
/// own reading scans the text from its start for every label, which is
/// quadratic for many findings in one large file; here its reading runs on
/// a window of a few lines, and the answer is moved back into place, so the
/// output is the same byte for byte.
#[derive(Debug, Clone)]
struct Windowed(Arc<Indexed>);

impl Windowed {
    /// A file's text and the loader's index of its lines.
    fn new(file: &str, starts: &[u32]) -> Self {
        let mut text = String::new();
        let mut shifts = Vec::new();
        let mut added = 0;
        let mut copied = 0;
        // A byte scan first: most files hold no control character (a C1
        // control is `0xC2` then its second byte in UTF-8).
        let maybe = file
            .bytes()
            .any(|b| (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f || b == 0xc2);
        let mut chars = file.char_indices().peekable();
        while let Some((i, c)) = chars.next().filter(|_| maybe) {
            let crlf = c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n');
            if super::is_hidden_control(c) && !crlf {
                text.push_str(file.get(copied..i).unwrap_or(""));
                let before = text.len();
                super::push_escaped(&mut text, c);
                added += text.len() - before - c.len_utf8();
                copied = i + c.len_utf8();
                shifts.push((i, copied, added));
            }
        }
        let text: Arc<str> = if shifts.is_empty() {
            Arc::from(file)
        } else {
            text.push_str(file.get(copied..).unwrap_or(""));
            Arc::from(text)
        };
        let mut w = Indexed {
            text,
            starts: Vec::new(),
            shifts,
        };
        w.starts = starts.iter().map(|&s| w.shown(s as usize)).collect();
        Windowed(Arc::new(w))
    }

    fn start(&self, line: usize) -> Option<usize> {
        self.0.starts.get(line).copied()
    }

    fn line_of(&self, offset: usize) -> usize {
        self.0
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }
}

impl Indexed {
    /// The offset in the shown text of an offset in the file.
    fn shown(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _, _)| at < offset);
        let added = before
            .checked_sub(1)
            .and_then(|i| self.shifts.get(i))
            .map_or(0, |&(_, _, added)| added);
        offset + added
    }

    /// The offset in the file of an offset in the shown text that is not
    /// inside an escape.
    fn in_file(&self, shown: usize) -> usize {
        let k = self
            .shifts
            .partition_point(|&(_, end, added)| end + added <= shown);
        let added = k
            .checked_sub(1)
            .and_then(|i| self.shifts.get(i))
            .map_or(0, |&(_, _, added)| added);
        shown.saturating_sub(added)
    }
}

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // A lone `\r` (which miette would count as a line break and the
        // index does not) is escaped in the shown text, so the index and
        // miette always agree on lines.
        let bytes = self.0.text.as_bytes();
        let first = self.line_of(span.offset());
        let last = self.line_of((span.offset() + span.len()).saturating_sub(1));
        // One line more than the context before, so that miette finds the
        // same starting line as it would in the whole text.
        let wline = first.saturating_sub(before + 1);
        let wstart = self.start(wline).unwrap_or(0);
        let wend = self.start(last + after + 2).unwrap_or(bytes.len());
        let Some(window) = bytes.get(wstart..wend) else {
            return <[u8] as SourceCode>::read_span(bytes, span, before, after);
        };
        let rel = SourceSpan::new((span.offset() - wstart).into(), span.len());
        let c = <[u8] as SourceCode>::read_span(window, &rel, before, after)?;
        let offset = wstart + c.span().offset();
        let len = c.span().len();
        let data = bytes
            .get(offset..offset + len)
            .ok_or(MietteError::OutOfBounds)?;
        // The column in the header is the file's, not the shown text's.
        let column = match self.start(first) {
            Some(line) if before == 0 && !self.0.shifts.is_empty() => self
                .0
                .in_file(span.offset())
                .saturating_sub(self.0.in_file(line)),
            _ => c.column(),
        };
        Ok(Box::new(MietteSpanContents::new(
            data,
            (offset, len).into(),
            wline + c.line(),
            column,
            wline + c.line_count(),
        )))
    }
}

/// File texts shared by every diagnostic that shows them.
struct Texts<'a> {
    checked: &'a Checked,
    snippets: bool,
    cache: HashMap<FileId, Windowed>,
}

/// The longest line (in bytes) shown as a snippet. miette pads labels with
/// a width that may not pass 65,535 (it panics beyond), and a snippet of a
/// 100 KB line helps nobody: such a finding is printed with its place only.
const MAX_SNIPPET_LINE: usize = 4_096;

impl Texts<'_> {
    /// Whether the lines a span touches are short enough for a snippet.
    fn showable(&self, span: Span) -> bool {
        if !self.snippets {
            return false;
        }
        let f = self.checked.model.sources.file(span.file);
        let starts = f.line_starts();
        let line_len = |offset: usize| {
            let i = starts
                .partition_point(|&s| (s as usize) <= offset)
                .saturating_sub(1);
            let start = starts.get(i).map_or(0, |&s| s as usize);
            let end = starts.get(i + 1).map_or(f.text.len(), |&s| s as usize);
            end.saturating_sub(start)
        };
        line_len(span.start) <= MAX_SNIPPET_LINE && line_len(span.end) <= MAX_SNIPPET_LINE
    }

    /// `file:line:column` of a span.
    fn place(&self, span: Span) -> String {
        let (line, column) = self.checked.model.sources.line_col(span);
        format!("{}:{line}:{column}", self.path(span.file))
    }

    /// The file's text as shown, read once.
    fn windowed(&mut self, file: FileId) -> Option<Windowed> {
        let f = self.checked.model.sources.file(file);
        Some(
            self.cache
                .entry(file)
                .or_insert_with(|| Windowed::new(&f.text, f.line_starts()))
                .clone(),
        )
    }

    fn source(&mut self, file: FileId) -> Option<NamedSource<Windowed>> {
        let f = self.checked.model.sources.file(file);
        if f.text.is_empty() {
            return None;
        }
        let name = super::escape_controls(&f.path).into_owned();
        let text = self.windowed(file)?;
        Some(NamedSource::new(name, text).with_language("toml"))
    }

    /// A file's path, as shown.
    fn path(&self, file: FileId) -> Cow<'_, str> {
        super::escape_controls(self.checked.model.sources.path(file))
    }

    /// A label on a span, placed in the shown text.
    fn label(&mut self, span: Span, text: Option<String>, primary: bool) -> LabeledSpan {
        let len = self.checked.model.sources.file(span.file).text.len();
        let start = span.start.min(len);
        let end = span.end.clamp(start, len);
        let (start, end) = match self.windowed(span.file) {
            Some(w) => (w.0.shown(start), w.0.shown(end)),
            None => (start, end),
        };
        let text = text.map(|t| escape(&t));
        if primary {
            LabeledSpan::new_primary_with_span(text, start..end)
        } else {
            LabeledSpan::new_with_span(text, start..end)
        }
    }
}

/// Content as shown: control characters escaped.
fn escape(s: &str) -> String {
    crate::escape::controls(s).into_owned()
}

fn diag(texts: &mut Texts<'_>, f: &Finding) -> Diag {
    let rule = f.code.rule();
    let shown = texts.showable(f.span);
    let src = if shown {
        texts.source(f.span.file)
    } else {
        None
    };
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let mut message = escape(&f.message);
    if src.is_some() {
        labels.push(texts.label(f.span, f.label.clone(), true));
    } else if shown {
        message = format!("{}: {message}", texts.path(f.span.file));
    } else {
        message = format!("{}: {message}", texts.place(f.span));
    }
    for r in &f.related {
        let r_shown = texts.showable(r.span);
        // In the finding's own snippet only when it comes after the
        // finding's place: miette draws a snippet in file order, and the
        // finding's own place is shown first.
        let after = r.span.start >= f.span.start;
        if r.span.file == f.span.file && src.is_some() && r_shown && after {
            labels.push(texts.label(r.span, Some(r.message.clone()), false));
        } else {
            let rsrc = if r_shown {
                texts.source(r.span.file)
            } else {
                None
            };
            let rlabels = if rsrc.is_some() {
                vec![texts.label(r.span, Some(r.message.clone()), true)]
            } else {
                Vec::new()
            };
            related.push(Diag {
                code: String::new(),
                message: format!(
                    "{}: {}",
                    match r.node.as_deref() {
                        Some(id) => super::escape_controls(id),
                        None => texts.path(r.span.file),
                    },
                    super::escape_controls(&r.message)
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
        }
        .map(|h| escape(&h)),
        related,
    }
}

use crate::escape::plural;

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
        snippets: style.snippets,
        cache: HashMap::new(),
    };
    for f in &checked.findings {
        let d = diag(&mut texts, f);
        let mut s = String::new();
        if handler.render_report(&mut s, &d).is_err() {
            s = format!("{}: {}\n", d.code, d.message);
        }
        out.write_all(tidy(&s).as_bytes())?;
        writeln!(out)?;
    }
    Ok(())
}

/// miette's report with no line ending in a space (an empty source line,
/// the heading of a related place), and that heading named for what it is:
/// miette heads it `Advice: ` after its severity.
fn tidy(report: &str) -> String {
    let mut out = String::with_capacity(report.len());
    for line in report.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(text) => (text, "\n"),
            None => (line, ""),
        };
        let text = text.trim_end_matches(' ');
        out.push_str(if text == "Advice:" { "Related:" } else { text });
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The windowed reading gives miette exactly what its own reading of
    /// the whole text gives, for every span and context size.
    #[test]
    fn windowed_reading_matches_the_whole_text() {
        let text = "a = 1\r\n\n[[theme]]\r\nid = \"TH-01\"\ntitle = \"x\"\n\n\n# end\r\nlast";
        let source = crate::source::SourceFile::new("t.toml".into(), text.to_owned());
        let w = Windowed::new(text, source.line_starts());
        for start in 0..text.len() {
            for len in 0..(text.len() - start).min(12) {
                for ctx in 0..4 {
                    let span = SourceSpan::new(start.into(), len);
                    let full = <[u8] as SourceCode>::read_span(text.as_bytes(), &span, ctx, ctx);
                    let win = w.read_span(&span, ctx, ctx);
                    match (full, win) {
                        (Ok(a), Ok(b)) => {
                            assert_eq!(a.data(), b.data(), "{start} {len} {ctx}");
                            assert_eq!(a.span(), b.span(), "{start} {len} {ctx}");
                            assert_eq!(a.line(), b.line(), "{start} {len} {ctx}");
                            assert_eq!(a.column(), b.column(), "{start} {len} {ctx}");
                            assert_eq!(a.line_count(), b.line_count(), "{start} {len} {ctx}");
                        }
                        (Err(_), Err(_)) => {}
                        (a, b) => panic!("{start} {len} {ctx}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
                    }
                }
            }
        }
    }

    /// Control characters are escaped in the shown text (but the CR of a
    /// CRLF), and offsets move with them both ways.
    #[test]
    fn control_characters_are_shown_escaped() {
        let text = "a = \"\u{1b}[2J\u{7}\"\r\nb = \"\u{9b}x\rz\"\nc = 1\n";
        let source = crate::source::SourceFile::new("t.toml".into(), text.to_owned());
        let w = Windowed::new(text, source.line_starts());
        assert_eq!(
            &*w.0.text,
            "a = \"\\u{1b}[2J\\u{7}\"\r\nb = \"\\u{9b}x\\u{d}z\"\nc = 1\n"
        );
        for (x, _) in text.char_indices() {
            assert_eq!(w.0.in_file(w.0.shown(x)), x, "{x}");
        }
        // `z` on line 2: byte 9 of its line in the file.
        let z = text.find('z').unwrap();
        let c = w
            .read_span(&SourceSpan::new(w.0.shown(z).into(), 1), 0, 0)
            .unwrap();
        assert_eq!((c.line(), c.column()), (1, 9));
        assert_eq!(c.data(), b"z");
        let c = w
            .read_span(&SourceSpan::new(w.0.shown(z).into(), 1), 1, 1)
            .unwrap();
        assert_eq!(c.line(), 0);
        assert!(!c.data().contains(&0x1b));
    }
}
