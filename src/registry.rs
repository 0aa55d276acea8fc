//! The rule registry: the one place that knows every rule's code, name,
//! default level and documentation. `rtm explain`, `rtm rules`, the
//! `rtm.toml` validation and every renderer read it.

use serde::Serialize;
use std::fmt;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Note,
    Warning,
    Error,
}

impl Level {
    pub const NAMES: &'static [&'static str] = &["error", "warning", "note", "off"];

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "error" => Some(Level::Error),
            "warning" => Some(Level::Warning),
            "note" => Some(Level::Note),
            "off" => Some(Level::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's fixed description.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub default: Level,
    /// One line, for `rtm rules` and SARIF's short description.
    pub summary: &'static str,
    /// The full explanation (Markdown), printed by `rtm explain`.
    pub doc: &'static str,
}

impl Rule {
    /// R001, R002 and R003 are always errors: `rtm.toml` may not change them.
    pub fn is_fixed(&self) -> bool {
        matches!(self.code, "R001" | "R002" | "R003")
    }
}

macro_rules! registry {
    ($( $variant:ident = $code:literal, $name:literal, $level:ident, $summary:literal; )*) => {
        /// Every rule, by its code. The discriminant indexes [`RULES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        /// Every rule, in code order.
        pub static RULES: &[Rule] = &[ $(
            Rule {
                code: $code,
                name: $name,
                default: Level::$level,
                summary: $summary,
                doc: include_str!(concat!("../docs/rules/", $code, ".md")),
            },
        )* ];

        /// Every code, in registry order.
        pub static ALL_CODES: &[Code] = &[ $( Code::$variant, )* ];
    };
}

registry! {
    R001 = "R001", "parse-error", Error, "a file is not valid TOML, not UTF-8, unreadable, too large or nested too deep";
    R002 = "R002", "schema-error", Error, "unknown field, wrong type, missing required field or bad enum value";
    R003 = "R003", "duplicate-id", Error, "an id is defined twice";
    R004 = "R004", "dangling-link", Error, "a link names an id that does not exist";
    R005 = "R005", "wrong-link-kind", Error, "a link names an id of the wrong kind";
    R006 = "R006", "cycle", Error, "`refines` links form a loop";
    R007 = "R007", "invalid-id", Error, "an id does not match its kind's pattern";
    R101 = "R101", "theme-without-business", Error, "no business requirement names the theme";
    R102 = "R102", "business-without-detail", Error, "no active RTM entry reaches the business requirement";
    R103 = "R103", "orphan-requirement", Error, "an RTM entry reaches no business requirement";
    R104 = "R104", "business-without-theme", Error, "a business requirement's `themes` is empty";
    R105 = "R105", "variant-gap", Warning, "a business requirement has no active RTM entry for one of its variants";
    R106 = "R106", "sec-uncovered", Warning, "no active RTM entry upholds or deviates from an SEC obligation";
    R107 = "R107", "link-to-withdrawn", Warning, "an active node links to a withdrawn one";
    R108 = "R108", "stale-review", Warning, "a stamped node's content differs from its review `fingerprint`";
    R109 = "R109", "suspect-link", Warning, "a node a stamped node links to has changed since the review, or is gone";
    R110 = "R110", "expired-waiver", Error, "a waiver's `until` date has passed";
    R111 = "R111", "unused-waiver", Warning, "a waiver matches no finding on its node";
    R112 = "R112", "stale-decision", Warning, "an item changed after the OPSG decided on it: the decision no longer matches its fingerprint";
    R113 = "R113", "awaiting-decision", Note, "a deviation, optional entry or user impact has no decision of the OPSG";
    R114 = "R114", "rejected", Error, "an entry still carries what the OPSG rejected";
    R115 = "R115", "decision-about-nothing", Error, "a decision names a deviation the entry does not declare, or a user impact it does not state";
    R116 = "R116", "open-question", Note, "a question asked about a node has no answer";
    R117 = "R117", "overdue-question", Warning, "a question has no answer and its `due` date has passed";
    R201 = "R201", "deviation", Note, "a declared deviation from the SEC: the register the OPSG reviews";
    R202 = "R202", "deviation-unjustified", Error, "a deviation's `rationale` or `summary` is empty";
    R203 = "R203", "undeclared-deviation", Error, "a `values` figure breaks an SEC limit and no deviation is declared";
    R204 = "R204", "sec-support-deviates", Error, "a `sec-support` entry declares a deviation";
    R205 = "R205", "sec-support-without-sec", Error, "a `sec-support` entry upholds no SEC obligation";
    R206 = "R206", "conflicting-sec-link", Error, "an entry both upholds and deviates from the same obligation";
    R207 = "R207", "contingent-deviation", Warning, "a deviation relies on a modification not yet approved or implemented";
    R208 = "R208", "deviation-without-modification", Warning, "a deviation names no modification";
    R209 = "R209", "mvp-depends-on-optional", Error, "an `mvp` entry refines an `optional` one, directly or not";
    R210 = "R210", "user-impact-unstated", Warning, "an `mvp` entry has no `user_impact`";
    R211 = "R211", "user-impact", Warning, "an `mvp` entry's `user_impact` is not \"none\"";
    R212 = "R212", "dead-modification", Error, "a deviation relies on a rejected or withdrawn modification";
    R213 = "R213", "deviation-resolved", Warning, "a deviation's obligation, as changed by modifications in force, is now met: the declaration is no longer needed";
    R214 = "R214", "modification-falls-short", Warning, "a deviation relies on a modification whose declared changes would still leave the entry's values outside the limits";
    R215 = "R215", "conflicting-changes", Error, "two modifications in force change the same quantity of the same obligation";
    R301 = "R301", "missing-text", Note, "a theme, business requirement or RTM entry has empty `text`";
    R302 = "R302", "empty-file", Warning, "a node file defines no node";
    R303 = "R303", "confusable-id", Warning, "two ids differ only by case or by look-alike characters";
    R304 = "R304", "skipped-path", Note, "a symbolic link in the tree was not followed";
}

impl Code {
    pub fn rule(self) -> &'static Rule {
        // The macro builds `Code` and `RULES` from one list, in one order,
        // so every discriminant indexes `RULES` (`codes_and_rules_line_up`
        // tests it): this indexing cannot fail.
        #[allow(clippy::indexing_slicing)]
        &RULES[self as usize]
    }
}

/// Finds a rule by its code (`R106`) or its name (`sec-uncovered`).
pub fn lookup(code_or_name: &str) -> Option<(Code, &'static Rule)> {
    RULES
        .iter()
        .position(|r| r.code == code_or_name || r.name == code_or_name)
        .and_then(|i| ALL_CODES.get(i).map(|&c| (c, c.rule())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_rules_line_up() {
        assert_eq!(ALL_CODES.len(), RULES.len());
        for (i, code) in ALL_CODES.iter().enumerate() {
            assert_eq!(*code as usize, i);
            assert_eq!(format!("{code:?}"), code.rule().code);
        }
    }

    #[test]
    fn names_are_unique_kebab_case_and_docs_match() {
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        for rule in RULES {
            assert!(
                rule.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.name
            );
            let heading = format!("# {} {}", rule.code, rule.name);
            assert!(rule.doc.starts_with(&heading), "{} doc heading", rule.code);
            let level = format!("Default level: {}", rule.default);
            assert!(rule.doc.contains(&level), "{} doc level", rule.code);
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("R106").map(|r| r.0), Some(Code::R106));
        assert_eq!(lookup("sec-uncovered").map(|r| r.0), Some(Code::R106));
        assert!(lookup("r106").is_none());
        assert!(lookup("R999").is_none());
    }
}
