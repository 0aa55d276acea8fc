//! Diagnostics: every finding of the check, as `rtm check` words it, on
//! the file it points into; related places as related information. Only
//! what changed is sent, and a file whose findings are gone is sent an
//! empty list, so that no stale diagnostic stays.

use std::collections::{BTreeMap, HashMap};

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    PublishDiagnosticsParams, Url,
};

use super::position::{Encoding, LineIndex};
use super::state::State;
use crate::Checked;
use crate::finding::Finding;
use crate::rules::Level;

/// Converts spans of a checked tree into LSP ranges, one line index per
/// file, built when first needed.
pub struct Ranges<'a> {
    checked: &'a Checked,
    encoding: Encoding,
    indexes: HashMap<crate::source::FileId, LineIndex>,
}

impl<'a> Ranges<'a> {
    pub fn new(checked: &'a Checked, encoding: Encoding) -> Self {
        Ranges {
            checked,
            encoding,
            indexes: HashMap::new(),
        }
    }

    pub fn range(&mut self, span: crate::source::Span) -> lsp_types::Range {
        let text = self.checked.model.sources.file(span.file).text.as_str();
        let index = self
            .indexes
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(text));
        index.range(text, span.range(), self.encoding)
    }
}

/// The LSP severity of a level.
fn severity(level: Level) -> DiagnosticSeverity {
    match level {
        Level::Error => DiagnosticSeverity::ERROR,
        Level::Warning => DiagnosticSeverity::WARNING,
        Level::Note | Level::Off => DiagnosticSeverity::INFORMATION,
    }
}

/// One finding as a diagnostic: the message of `rtm check`, then its help
/// (and the waiver that accepted it) on the lines below.
pub fn diagnostic(
    state: &State,
    ranges: &mut Ranges<'_>,
    checked: &Checked,
    f: &Finding,
) -> Diagnostic {
    let mut message = f.message.clone();
    if let Some(w) = &f.waived {
        message.push('\n');
        message.push_str(&crate::waivers::describe(w));
    }
    if let Some(h) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .filter_map(|r| {
            let uri = state.uri(checked.model.sources.path(r.span.file))?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, ranges.range(r.span)),
                message: match &r.node {
                    Some(n) => format!("{n}: {}", r.message),
                    None => r.message.clone(),
                },
            })
        })
        .collect();
    let rule = f.code.rule();
    Diagnostic {
        range: ranges.range(f.span),
        severity: Some(severity(f.level)),
        code: Some(NumberOrString::String(rule.code.to_owned())),
        code_description: None,
        source: Some("rtm".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The diagnostics of every file of the tree that has findings.
pub fn all(state: &State) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let Some(tree) = state.tree.as_ref() else {
        return out;
    };
    let checked = tree.checked();
    let mut ranges = Ranges::new(checked, state.encoding);
    for f in &checked.findings {
        let path = checked.model.sources.path(f.span.file);
        if path.is_empty() {
            continue;
        }
        let d = diagnostic(state, &mut ranges, checked, f);
        out.entry(path.to_owned()).or_default().push(d);
    }
    out
}

/// The notifications to send: every file whose diagnostics differ from
/// those last sent (an empty list for a file that has none left), in path
/// order. Records them as sent.
pub fn changes(state: &mut State) -> Vec<PublishDiagnosticsParams> {
    let now = all(state);
    let mut next: HashMap<Url, Vec<Diagnostic>> = HashMap::new();
    let mut out = Vec::new();
    for (rel, diags) in now {
        let Some(uri) = state.uri(&rel) else { continue };
        if state.published.get(&uri) != Some(&diags) {
            out.push(publish(state, uri.clone(), diags.clone()));
        }
        next.insert(uri, diags);
    }
    let mut gone: Vec<&Url> = state
        .published
        .keys()
        .filter(|u| !next.contains_key(*u))
        .collect();
    gone.sort();
    for uri in gone {
        out.push(publish(state, uri.clone(), Vec::new()));
    }
    state.published = next;
    out
}

fn publish(state: &State, uri: Url, diagnostics: Vec<Diagnostic>) -> PublishDiagnosticsParams {
    let version = state.docs.get(&uri).map(|d| d.version);
    PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    }
}
