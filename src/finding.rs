//! Findings: plain data produced by the loader and the rules, read by every
//! renderer. Nothing here knows how a finding is printed.

use crate::registry::{Code, Level};
use crate::source::{Sources, Span};

/// A place related to a finding: the other definition, the SEC limit…
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub node: Option<String>,
    pub message: String,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: Code,
    /// The level after `rtm.toml` overrides (set by the [`Sink`]).
    pub level: Level,
    pub message: String,
    /// The node the finding is about, where one is known.
    pub node: Option<String>,
    /// Where it points: the offending value, or the node's `id`.
    pub span: Span,
    /// A short text for the primary label in the human output.
    pub label: Option<String>,
    pub related: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Set when a waiver accepted the finding (FORMAT §8); its level is
    /// then `note`.
    pub waived: Option<Waived>,
}

/// The waiver that accepted a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waived {
    pub by: String,
    pub reason: String,
    /// `YYYY-MM-DD`, or `None` for a waiver with no end date.
    pub until: Option<String>,
}

impl Finding {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Finding {
            code,
            level: code.rule().default,
            message: message.into(),
            node: None,
            span,
            label: None,
            related: Vec::new(),
            help: None,
            waived: None,
        }
    }

    pub fn node(mut self, id: impl Into<String>) -> Self {
        self.node = Some(id.into());
        self
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = Some(text.into());
        self
    }

    pub fn related(mut self, span: Span, node: Option<&str>, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            node: node.map(str::to_owned),
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }
}

/// The effective level of every rule, after `rtm.toml` `[rules]`.
#[derive(Debug, Clone)]
pub struct Levels(Vec<Level>);

impl Default for Levels {
    fn default() -> Self {
        Levels(crate::registry::RULES.iter().map(|r| r.default).collect())
    }
}

impl Levels {
    pub fn get(&self, code: Code) -> Level {
        self.0
            .get(code as usize)
            .copied()
            .unwrap_or(code.rule().default)
    }

    pub fn set(&mut self, code: Code, level: Level) {
        if let Some(slot) = self.0.get_mut(code as usize) {
            *slot = level;
        }
    }
}

/// Collects findings and applies the configured levels: the one place where
/// a rule's level is decided. Rules never look at levels themselves.
#[derive(Debug)]
pub struct Sink<'a> {
    levels: &'a Levels,
    findings: Vec<Finding>,
}

impl<'a> Sink<'a> {
    pub fn new(levels: &'a Levels) -> Self {
        Sink {
            levels,
            findings: Vec::new(),
        }
    }

    pub fn push(&mut self, mut finding: Finding) {
        let level = self.levels.get(finding.code);
        if level != Level::Off {
            finding.level = level;
            self.findings.push(finding);
        }
    }

    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.push(f);
        }
    }

    /// The levels this sink applies.
    pub fn levels(&self) -> &'a Levels {
        self.levels
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Sorts findings by file, line, column and code (FORMAT §6), then by
/// message so that the order never depends on the order rules ran in.
pub fn sort(findings: &mut [Finding], sources: &Sources) {
    findings.sort_by_cached_key(|f| {
        let (line, column) = sources.line_col(f.span);
        (
            sources.path(f.span.file).to_owned(),
            line,
            column,
            f.code,
            f.message.clone(),
        )
    });
}

/// Counts of findings by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            match f.level {
                Level::Error => c.errors += 1,
                Level::Warning => c.warnings += 1,
                Level::Note => c.notes += 1,
                Level::Off => {}
            }
        }
        c
    }
}
