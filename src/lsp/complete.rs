//! Completion: ids in the fields that hold them, offering only the kind
//! the field accepts (`themes` themes, `satisfies` business requirements,
//! `refines` RTM entries, `sec` obligations, `modification` modifications,
//! `about = "deviation:…"` obligations), each with its title; and the
//! values of `category`, `status`, `stage` and `classification`.
//!
//! The file being typed rarely parses, so the field is read from the text
//! before the cursor, not from the checked tree.

use lsp_types::{CompletionItem, CompletionItemKind, Documentation};

use std::collections::BTreeMap;

use crate::Checked;
use crate::model::{Category, Classification, Kind, Node, Stage, Status};

/// What the cursor is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A value of a field that holds ids of this kind.
    Ids {
        kind: Kind,
        /// Inside a string already (else the quotes are inserted too).
        quoted: bool,
        /// `about = "deviation:`, whose id follows a prefix.
        about: bool,
    },
    /// A value of a field that holds one of these words.
    Words {
        words: &'static [&'static str],
        quoted: bool,
    },
}

/// The kind of node a field names.
fn field_kind(key: &str) -> Option<Kind> {
    match key {
        "themes" => Some(Kind::Theme),
        "satisfies" => Some(Kind::Business),
        "refines" => Some(Kind::Requirement),
        "sec" => Some(Kind::Sec),
        "modification" => Some(Kind::Modification),
        _ => None,
    }
}

fn field_words(key: &str) -> Option<&'static [&'static str]> {
    match key {
        "category" => Some(Category::NAMES),
        "status" => Some(Status::NAMES),
        "stage" => Some(Stage::NAMES),
        "classification" => Some(Classification::NAMES),
        _ => None,
    }
}

/// The last `key =` of a statement outside strings, and what follows its
/// `=` (up to the cursor).
fn last_key(statement: &str) -> Option<(&str, &str)> {
    let mut found = None;
    let mut inside: Option<char> = None;
    let mut escaped = false;
    let mut key_start: Option<usize> = None;
    let mut key_end = 0;
    for (i, c) in statement.char_indices() {
        if let Some(q) = inside {
            if escaped {
                escaped = false;
            } else if q == '"' && c == '\\' {
                escaped = true;
            } else if c == q {
                inside = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => inside = Some(c),
            '=' => {
                if let Some(k) = key_start {
                    found = statement.get(k..key_end).map(|key| (key, i + 1));
                }
                key_start = None;
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                if key_start.is_none() || key_end < i {
                    key_start = Some(i);
                }
                key_end = i + 1;
            }
            c if c.is_whitespace() => {}
            _ => key_start = None,
        }
    }
    let (key, after) = found?;
    Some((key, statement.get(after..).unwrap_or("")))
}

/// Whether the cursor, after `value`, is inside a string.
fn in_string(value: &str) -> bool {
    let mut inside: Option<char> = None;
    let mut escaped = false;
    for c in value.chars() {
        match inside {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => inside = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => inside = Some(c),
            None => {}
        }
    }
    inside.is_some()
}

/// Whether a line starts a statement: a table header or `key =`.
fn starts_statement(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with('[') {
        return t
            .chars()
            .nth(1)
            .is_some_and(|c| c == '[' || c.is_ascii_alphabetic());
    }
    t.split_once('=').is_some_and(|(k, _)| {
        let k = k.trim();
        !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | ' '))
    })
}

/// What the cursor at `offset` of `text` is in.
pub fn slot(text: &str, offset: usize) -> Option<Slot> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset)?;
    // The statement: back to the last line that starts a key or a table.
    let mut start = before.rfind('\n').map_or(0, |i| i + 1);
    while start > 0 && !starts_statement(before.get(start..).unwrap_or("")) {
        start = before
            .get(..start - 1)
            .and_then(|b| b.rfind('\n'))
            .map_or(0, |i| i + 1);
    }
    let statement = before.get(start..)?;
    let (key, value) = last_key(statement)?;
    let quoted = in_string(value);
    let value_t = value.trim_start();
    // A value already closed (`]`, or a whole string) takes no more.
    let open_array = value.matches('[').count() > value.matches(']').count();
    if let Some(kind) = field_kind(key) {
        if !(open_array || quoted || value_t.is_empty()) {
            return None;
        }
        return Some(Slot::Ids {
            kind,
            quoted,
            about: false,
        });
    }
    if key == "about" && quoted {
        let inside = value_t.trim_start_matches(['"', '\'']);
        return inside.starts_with("deviation:").then_some(Slot::Ids {
            kind: Kind::Sec,
            quoted,
            about: true,
        });
    }
    let words = field_words(key)?;
    if !(quoted || value_t.is_empty()) {
        return None;
    }
    Some(Slot::Words { words, quoted })
}

/// The ids of one kind defined in a text, read line by line (`id = "…"`
/// under a `[[kind]]` header): the file being typed may not parse, and its
/// own nodes are still worth offering.
fn ids_in_text(text: &str, kind: Kind) -> Vec<String> {
    let mut current = None;
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("[[").and_then(|h| h.strip_suffix("]]")) {
            current = Kind::parse(h.trim());
        } else if t.starts_with('[') {
            current = None;
        } else if current == Some(kind)
            && let Some((k, v)) = t.split_once('=')
            && k.trim() == "id"
        {
            let v = v.trim().trim_matches(['"', '\'']);
            if super::ids::is_id(v) {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// The items for a slot; `text` is the file being typed.
pub fn items(checked: Option<&Checked>, text: &str, slot: &Slot) -> Vec<CompletionItem> {
    let wrap = |s: &str, quoted: bool| {
        if quoted {
            s.to_owned()
        } else {
            format!("\"{s}\"")
        }
    };
    match slot {
        Slot::Ids {
            kind,
            quoted,
            about,
        } => {
            let mut nodes: BTreeMap<String, Option<&Node>> = BTreeMap::new();
            for n in checked
                .iter()
                .flat_map(|c| c.model.nodes.iter())
                .filter(|n| n.kind == *kind)
            {
                nodes.entry(n.id.to_string()).or_insert(Some(n));
            }
            for id in ids_in_text(text, *kind) {
                nodes.entry(id).or_insert(None);
            }
            nodes
                .into_iter()
                .map(|(id, n)| {
                    let insert = if *about {
                        id.clone()
                    } else {
                        wrap(&id, *quoted)
                    };
                    let state = n.map(|n| match n.stage {
                        Some(stage) if n.kind == Kind::Modification => stage.as_str(),
                        _ => n.status.as_str(),
                    });
                    CompletionItem {
                        kind: Some(CompletionItemKind::REFERENCE),
                        detail: n.and_then(|n| n.title().map(String::from)),
                        documentation: state
                            .map(|s| Documentation::String(format!("{kind} · {s}"))),
                        insert_text: Some(insert),
                        filter_text: Some(id.clone()),
                        sort_text: Some(id.clone()),
                        label: id,
                        ..CompletionItem::default()
                    }
                })
                .collect()
        }
        Slot::Words { words, quoted } => words
            .iter()
            .map(|w| CompletionItem {
                label: (*w).to_owned(),
                kind: Some(CompletionItemKind::ENUM_MEMBER),
                insert_text: Some(wrap(w, *quoted)),
                ..CompletionItem::default()
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<Slot> {
        let i = text.find('|').unwrap();
        let t = text.replacen('|', "", 1);
        slot(&t, i)
    }

    #[test]
    fn finds_the_field_before_the_cursor() {
        let ids = |kind, quoted| {
            Some(Slot::Ids {
                kind,
                quoted,
                about: false,
            })
        };
        assert_eq!(
            at("[[requirement]]\nsatisfies = [\"BR-1\", \"|"),
            ids(Kind::Business, true)
        );
        assert_eq!(
            at("satisfies = [\n  \"BR-1\",\n  |\n]"),
            ids(Kind::Business, false)
        );
        assert_eq!(at("sec = [|]"), ids(Kind::Sec, false));
        assert_eq!(at("deviations = [{ sec = \"|\" }]"), ids(Kind::Sec, true));
        assert_eq!(
            at("[[requirement.deviations]]\nmodification = \"D|"),
            ids(Kind::Modification, true)
        );
        assert_eq!(at("themes = [\"TH-1\"]\n|"), None);
        assert_eq!(at("title = \"satisfies = [|"), None);
        assert_eq!(
            at("category = \"|"),
            Some(Slot::Words {
                words: Category::NAMES,
                quoted: true
            })
        );
        assert_eq!(
            at("about = \"deviation:|"),
            Some(Slot::Ids {
                kind: Kind::Sec,
                quoted: true,
                about: true
            })
        );
    }
}
