//! `rtm.toml`: the project file. Read in two steps like every file: spanned
//! TOML first, then validated here into [`Config`], every problem an R002
//! finding pointing into `rtm.toml`.

use regex::Regex;
use toml::de::DeTable;

use crate::decode::Decoder;
use crate::finding::{Finding, Levels};
use crate::model::{Classification, Kind};
use crate::registry::{Code, Level, lookup};
use crate::source::FileId;
use crate::spec::{CONFIG, Ty};

/// The default id pattern, for every kind that `[ids]` does not set.
pub const DEFAULT_ID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9._-]*$";

/// The pattern an import writes into a new tree's `rtm.toml` for a kind
/// with an id that starts with a digit (`101`): the default's characters,
/// a digit first allowed.
pub const DIGIT_ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

/// `[project]`.
#[derive(Debug, Clone, Default)]
pub struct Project {
    pub name: Option<String>,
    pub sec_baseline: Option<String>,
    pub variants: Vec<String>,
    pub classification: Option<Classification>,
}

/// `[limits]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 16 * 1024 * 1024,
            max_depth: 128,
        }
    }
}

/// Which classification scheme documents are labelled in (FORMAT §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// The SEC's own information classification (White, Green, Amber, Red).
    #[default]
    Sec,
    /// The Traffic Light Protocol (TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:RED).
    Tlp,
}

impl Scheme {
    pub const NAMES: &'static [&'static str] = &["sec", "tlp"];

    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "sec" => Some(Scheme::Sec),
            "tlp" => Some(Scheme::Tlp),
            _ => None,
        }
    }
}

/// `[classification]`: how documents name their level.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub scheme: Scheme,
    /// Handling text per level, in [`Classification::ALL`] order, where
    /// `rtm.toml` overrides the default.
    pub handling: [Option<String>; 4],
}

impl Labels {
    /// The level's name in the scheme: "White", "TLP:CLEAR".
    pub fn name(&self, level: Classification) -> &'static str {
        match (self.scheme, level) {
            (Scheme::Sec, Classification::White) => "White",
            (Scheme::Sec, Classification::Green) => "Green",
            (Scheme::Sec, Classification::Amber) => "Amber",
            (Scheme::Sec, Classification::Red) => "Red",
            (Scheme::Tlp, Classification::White) => "TLP:CLEAR",
            (Scheme::Tlp, Classification::Green) => "TLP:GREEN",
            (Scheme::Tlp, Classification::Amber) => "TLP:AMBER",
            (Scheme::Tlp, Classification::Red) => "TLP:RED",
        }
    }

    /// How a document at this level must be handled, in words.
    pub fn handling(&self, level: Classification) -> &str {
        if let Some(Some(text)) = self.handling.get(level as usize) {
            return text;
        }
        match (self.scheme, level) {
            (Scheme::Sec, Classification::White) => {
                "may be shared with SEC Parties and SMIP stakeholders; not to be published"
            }
            (Scheme::Sec, Classification::Green) => {
                "restricted circulation as the SEC classification sets for Green; not to be published"
            }
            (Scheme::Sec, Classification::Amber) => {
                "limited to the named recipients and their organisations; not to be shared further"
            }
            (Scheme::Sec, Classification::Red) => {
                "for the named recipients only; not to be shared or copied"
            }
            (Scheme::Tlp, Classification::White) => "disclosure is not limited",
            (Scheme::Tlp, Classification::Green) => {
                "limited disclosure: recipients may share it within their community, not publicly"
            }
            (Scheme::Tlp, Classification::Amber) => {
                "limited disclosure: recipients may share it on a need-to-know basis within their organisation and its clients"
            }
            (Scheme::Tlp, Classification::Red) => {
                "for the eyes and ears of the individual recipients only; no further disclosure"
            }
        }
    }

    /// The full label: "White: may be shared with …".
    pub fn label(&self, level: Classification) -> String {
        format!("{}: {}", self.name(level), self.handling(level))
    }
}

/// An id pattern and the text it was written as.
#[derive(Debug, Clone)]
pub struct IdPattern {
    pub regex: Regex,
    pub source: String,
}

/// The validated project file.
#[derive(Debug, Clone)]
pub struct Config {
    pub project: Project,
    /// One pattern per kind, in [`Kind::ALL`] order.
    pub ids: Vec<IdPattern>,
    pub limits: Limits,
    pub levels: Levels,
    pub labels: Labels,
    /// Why the project's classification cannot be trusted, when it cannot:
    /// `rtm.toml` could not be read, or its `[project]` or
    /// `[classification]` has errors. Every document command then refuses
    /// to write (FORMAT §10: a classification that cannot be read fails
    /// closed).
    pub unreadable: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        // A constant pattern: compiling it cannot fail (see the tests).
        #[allow(clippy::expect_used)]
        let default = IdPattern {
            regex: whole(DEFAULT_ID_PATTERN).expect("the default id pattern compiles"),
            source: DEFAULT_ID_PATTERN.to_owned(),
        };
        Config {
            project: Project::default(),
            ids: vec![default; Kind::ALL.len()],
            limits: Limits::default(),
            levels: Levels::default(),
            labels: Labels::default(),
            unreadable: None,
        }
    }
}

/// Compiles a pattern so that it must match the whole id.
fn whole(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

impl Config {
    pub fn id_pattern(&self, kind: Kind) -> Option<&IdPattern> {
        self.ids.get(kind as usize)
    }

    /// The project's classification, `white` when it names none.
    pub fn classification(&self) -> Classification {
        self.project
            .classification
            .unwrap_or(crate::spec::DEFAULT_CLASSIFICATION)
    }

    /// Validates a parsed `rtm.toml`. Whatever is valid is kept; every
    /// problem is an R002 finding in `findings`.
    pub fn from_table(file: FileId, doc: &DeTable<'_>, findings: &mut Vec<Finding>) -> Config {
        let mut config = Config::default();
        let mut d = Decoder::new(file, findings);
        let section_names: Vec<&str> = CONFIG.iter().map(|s| s.name).collect();
        for (key, value) in doc.iter() {
            let name = key.get_ref().as_ref();
            let Some(section) = CONFIG.iter().find(|s| s.name == name) else {
                d.unknown_key(key.span(), name, "rtm.toml", &section_names);
                // `[projcet]` may have been meant to set the classification.
                config.unreadable.get_or_insert_with(|| {
                    format!("rtm.toml: unknown section `{name}`, so the project's classification cannot be trusted")
                });
                continue;
            };
            let before = d.findings.len();
            let guards_classification = matches!(section.name, "project" | "classification");
            if let Some(table) = d.table(name, value) {
                match section.name {
                    "project" => config.read_project(&mut d, table),
                    "classification" => config.read_classification(&mut d, table),
                    "ids" => config.read_ids(&mut d, table),
                    "limits" => config.read_limits(&mut d, table),
                    _ => config.read_rules(&mut d, table),
                }
            }
            // A mistake in [project] or [classification] (a misspelt key, a
            // level that is not one) leaves the documents' level unknown.
            if guards_classification && d.findings.len() > before && config.unreadable.is_none() {
                config.unreadable = Some(format!(
                    "rtm.toml: [{name}] has errors (`rtm check` shows them), so the project's classification cannot be trusted"
                ));
            }
        }
        config
    }

    fn read_classification(&mut self, d: &mut Decoder<'_>, table: &DeTable<'_>) {
        d.check_keys(
            table,
            section_fields("classification"),
            "[classification]",
            0..0,
        );
        for (key, v) in table.iter() {
            match key.get_ref().as_ref() {
                "scheme" => {
                    if let Some(s) = d.choice("scheme", v, Scheme::NAMES, Scheme::parse) {
                        self.labels.scheme = s;
                    }
                }
                "handling" => {
                    let Some(t) = d.table("handling", v) else {
                        continue;
                    };
                    for (level, text) in t.iter() {
                        let name = level.get_ref().as_ref();
                        let Some(c) = Classification::parse_level(name) else {
                            d.unknown_key(
                                level.span(),
                                name,
                                "[classification.handling]",
                                crate::spec::choices(Ty::Classification),
                            );
                            continue;
                        };
                        if let Some(s) = d.line(name, text)
                            && let Some(slot) = self.labels.handling.get_mut(c as usize)
                        {
                            *slot = Some(s.value);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn read_project(&mut self, d: &mut Decoder<'_>, table: &DeTable<'_>) {
        let fields = section_fields("project");
        d.check_keys(table, fields, "[project]", 0..0);
        for (key, v) in table.iter() {
            match key.get_ref().as_ref() {
                "name" => self.project.name = d.string("name", v).map(|s| s.value),
                "sec_baseline" => {
                    self.project.sec_baseline = d.string("sec_baseline", v).map(|s| s.value)
                }
                "variants" => {
                    let mut seen = Vec::new();
                    let mut known = std::collections::HashSet::new();
                    for s in d.strings("variants", v) {
                        if !known.insert(s.value.clone()) {
                            d.error(
                                s.span.range(),
                                format!("variant \"{}\" is listed twice", s.value),
                                None,
                            );
                        } else {
                            seen.push(s.value);
                        }
                    }
                    self.project.variants = seen;
                }
                "classification" => {
                    self.project.classification = d.choice(
                        "classification",
                        v,
                        crate::spec::choices(Ty::Classification),
                        Classification::parse_level,
                    )
                }
                _ => {}
            }
        }
    }

    fn read_ids(&mut self, d: &mut Decoder<'_>, table: &DeTable<'_>) {
        d.check_keys(table, section_fields("ids"), "[ids]", 0..0);
        for (key, v) in table.iter() {
            let Some(kind) = Kind::parse(key.get_ref()) else {
                continue;
            };
            let Some(s) = d.string(kind.as_str(), v) else {
                continue;
            };
            match whole(&s.value) {
                Ok(regex) => {
                    if let Some(slot) = self.ids.get_mut(kind as usize) {
                        *slot = IdPattern {
                            regex,
                            source: s.value,
                        };
                    }
                }
                Err(e) => d.error(
                    v.span(),
                    format!(
                        "invalid id pattern for {kind}: {}",
                        first_line(&e.to_string())
                    ),
                    Some("patterns use the Rust `regex` syntax".into()),
                ),
            }
        }
    }

    fn read_limits(&mut self, d: &mut Decoder<'_>, table: &DeTable<'_>) {
        d.check_keys(table, section_fields("limits"), "[limits]", 0..0);
        for (key, v) in table.iter() {
            match key.get_ref().as_ref() {
                "max_file_bytes" => {
                    if let Some(n) = d.count("max_file_bytes", v) {
                        self.limits.max_file_bytes = n;
                    }
                }
                "max_depth" => {
                    if let Some(n) = d.count("max_depth", v) {
                        self.limits.max_depth = usize::try_from(n).unwrap_or(usize::MAX);
                    }
                }
                _ => {}
            }
        }
    }

    fn read_rules(&mut self, d: &mut Decoder<'_>, table: &DeTable<'_>) {
        let mut set: Vec<Code> = Vec::new();
        for (key, v) in table.iter() {
            let name = key.get_ref().as_ref();
            let Some((code, rule)) = lookup(name) else {
                let known: Vec<&str> = crate::registry::RULES
                    .iter()
                    .flat_map(|r| [r.code, r.name])
                    .collect();
                let help = match crate::decode::suggest(name, &known) {
                    Some(s) => format!("did you mean `{s}`? `rtm rules` lists every rule"),
                    None => "`rtm rules` lists every rule".to_owned(),
                };
                d.error(key.span(), format!("unknown rule `{name}`"), Some(help));
                continue;
            };
            let Some(level) = d.choice(name, v, Level::NAMES, Level::parse) else {
                continue;
            };
            // Saying that R001–R003 are errors changes nothing: only a try
            // to change them is refused.
            if rule.is_fixed() && level != Level::Error {
                d.error(
                    key.span(),
                    format!(
                        "{} {} is always an error and cannot be changed",
                        rule.code, rule.name
                    ),
                    Some(format!("remove `{name}` from [rules]")),
                );
                continue;
            }
            if set.contains(&code) {
                d.error(
                    key.span(),
                    format!(
                        "{} {} is set twice (by code and by name)",
                        rule.code, rule.name
                    ),
                    Some("keep one of the two keys".into()),
                );
                continue;
            }
            set.push(code);
            self.levels.set(code, level);
        }
    }
}

fn section_fields(name: &str) -> &'static [crate::spec::Field] {
    CONFIG
        .iter()
        .find(|s| s.name == name)
        .map_or(&[], |s| s.fields)
}

/// The one line of a regex error that says what is wrong.
fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("error:"))
        .or_else(|| s.lines().map(str::trim).rfind(|l| !l.is_empty()))
        .unwrap_or(s)
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field tables spell some choices out (the schemes, the
    /// classification levels with `clear`); the schemas and messages are
    /// built from the tables and the values are read by the parsers, so the
    /// two must list the same values.
    #[test]
    fn the_field_tables_list_the_values_the_parsers_accept() {
        let scheme = CONFIG
            .iter()
            .find(|s| s.name == "classification")
            .and_then(|s| s.fields.iter().find(|f| f.name == "scheme"))
            .map(|f| f.ty);
        assert_eq!(scheme.map(crate::spec::choices), Some(Scheme::NAMES));
        for name in Scheme::NAMES {
            assert!(Scheme::parse(name).is_some(), "{name}");
        }
        let levels = crate::spec::choices(Ty::Classification);
        for name in levels {
            assert!(Classification::parse_level(name).is_some(), "{name}");
        }
        for c in Classification::ALL {
            assert!(levels.contains(&c.as_str()), "{c}");
        }
        for name in crate::spec::choices(Ty::Level) {
            assert!(Level::parse(name).is_some(), "{name}");
        }
    }
}
