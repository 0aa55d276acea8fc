//! `rtm.toml`: the project file. Read in two steps like every file: spanned
//! TOML first, then validated here into [`Config`], every problem an R002
//! finding pointing into `rtm.toml`.

use regex::Regex;
use toml::de::DeTable;

use crate::finding::{Finding, Levels};
use crate::load::decode::Decoder;
use crate::model::{Classification, Kind};
use crate::rules::{Code, Level, lookup};
use crate::source::FileId;
use crate::spec::{CONFIG, Ty};

/// The default id pattern, for every kind that `[ids]` does not set.
pub const DEFAULT_ID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9._-]*$";

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
                continue;
            };
            let Some(table) = d.table(name, value) else {
                continue;
            };
            match section.name {
                "project" => config.read_project(&mut d, table),
                "ids" => config.read_ids(&mut d, table),
                "limits" => config.read_limits(&mut d, table),
                _ => config.read_rules(&mut d, table),
            }
        }
        config
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
                let known: Vec<&str> = crate::rules::RULES
                    .iter()
                    .flat_map(|r| [r.code, r.name])
                    .collect();
                let help = match crate::load::decode::suggest(name, &known) {
                    Some(s) => format!("did you mean `{s}`? `rtm rules` lists every rule"),
                    None => "`rtm rules` lists every rule".to_owned(),
                };
                d.error(key.span(), format!("unknown rule `{name}`"), Some(help));
                continue;
            };
            let Some(level) = d.choice(name, v, Level::NAMES, Level::parse) else {
                continue;
            };
            if rule.is_fixed() {
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
