//! The file format as data: every field of every node kind and of
//! `rtm.toml`, with its type and whether it is required. The loader validates
//! against these tables, and `rtm schema` builds the JSON Schemas in
//! `schemas/` from them. What keeps them in step: `tests/schemas.rs` fails
//! when `schemas/` differs from what the tables generate; enum fields take
//! their choices from the enums' `NAMES` (the parsers' own lists); the few
//! choices spelled out here (classification levels, schemes) are checked
//! against their parsers by a unit test in `config`.

use crate::model::{Category, Classification, Kind, Outcome, Stage, Status};
use crate::registry::Level;

/// The type of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A string.
    Str,
    /// A string on one line.
    Line,
    /// Markdown text.
    Text,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    /// A classification level (`clear` is accepted as `white`).
    Classification,
    /// An array of ids of one kind.
    Ids(Kind),
    /// One id of one kind.
    Id(Kind),
    /// An array of strings.
    Strings,
    /// An array of the project's variants.
    Variants,
    /// A table of parameter = number.
    Values,
    /// A table of parameter = { min, max, equals }.
    Limits,
    /// An array of deviation tables.
    Deviations,
    /// An array of change tables (a modification's, FORMAT §16).
    Changes,
    /// `true` or `false`.
    Bool,
    /// An array of waiver tables.
    Waivers,
    /// An array of question tables.
    Questions,
    /// An array of decision tables.
    Decisions,
    /// What a decision is about: `deviation:<SEC id>`, `category`,
    /// `user-impact`.
    About,
    /// A review stamp table.
    Reviewed,
    /// A TOML local date.
    Date,
    /// A table of id = fingerprint.
    Fingerprints,
    /// A rule code or name.
    Rule,
    /// A Rust regular expression.
    Regex,
    /// A positive integer.
    Count,
    /// A rule level.
    Level,
    /// A table of level = handling text.
    Handling,
}

/// One field of a table.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub doc: &'static str,
}

const fn field(name: &'static str, ty: Ty, required: bool, doc: &'static str) -> Field {
    Field {
        name,
        ty,
        required,
        doc,
    }
}

/// Fields every kind accepts, but `status`, which a modification replaces
/// with `stage`.
const COMMON: &[Field] = &[
    field("id", Ty::Str, true, "Unique id across the whole tree."),
    field("title", Ty::Line, true, "One line."),
    field("text", Ty::Text, false, "The full statement, in Markdown."),
    field("owner", Ty::Str, false, "Who answers for it."),
    field(
        "classification",
        Ty::Classification,
        false,
        "Who may see it (TLP); defaults to the project's level.",
    ),
    field("tags", Ty::Strings, false, "Free labels."),
    field("reviewed", Ty::Reviewed, false, "A review stamp."),
    field("waivers", Ty::Waivers, false, "Accepted findings."),
    field(
        "questions",
        Ty::Questions,
        false,
        "Questions asked about it, and their answers.",
    ),
    field(
        "reqif_id",
        Ty::Str,
        false,
        "The ReqIF IDENTIFIER it was imported with; `rtm export reqif` gives it the same one again. Not part of the review fingerprint.",
    ),
];

const STATUS: Field = field(
    "status",
    Ty::Enum(Status::NAMES),
    false,
    "Lifecycle status; a withdrawn node counts for nothing in coverage.",
);

const THEME: &[Field] = &[];

const BUSINESS: &[Field] = &[
    field(
        "themes",
        Ty::Ids(Kind::Theme),
        true,
        "The business themes it serves (at least one).",
    ),
    field(
        "variants",
        Ty::Variants,
        false,
        "The project variants it applies to; default: all.",
    ),
];

const REQUIREMENT: &[Field] = &[
    field(
        "category",
        Ty::Enum(Category::NAMES),
        true,
        "(a) mvp, (b) sec-support, (c) optional.",
    ),
    field(
        "satisfies",
        Ty::Ids(Kind::Business),
        false,
        "The business requirements it delivers.",
    ),
    field(
        "refines",
        Ty::Ids(Kind::Requirement),
        false,
        "Parent RTM entries it decomposes.",
    ),
    field(
        "sec",
        Ty::Ids(Kind::Sec),
        false,
        "SEC obligations it upholds as they stand.",
    ),
    field(
        "deviations",
        Ty::Deviations,
        false,
        "SEC obligations it changes.",
    ),
    field(
        "variants",
        Ty::Variants,
        false,
        "The project variants it applies to; default: all.",
    ),
    field(
        "user_impact",
        Ty::Str,
        false,
        "\"none\", or what Users must change in their processes or systems.",
    ),
    field(
        "values",
        Ty::Values,
        false,
        "Figures it commits to, checked against SEC limits.",
    ),
    field(
        "decisions",
        Ty::Decisions,
        false,
        "The OPSG's decisions about its deviations, category and user impact.",
    ),
];

const SEC: &[Field] = &[
    field(
        "source",
        Ty::Str,
        false,
        "Where in the SEC or its subsidiary documents the obligation lives.",
    ),
    field(
        "limits",
        Ty::Limits,
        false,
        "Parameter = { min, max, equals } bounds.",
    ),
];

const MODIFICATION: &[Field] = &[
    field(
        "stage",
        Ty::Enum(Stage::NAMES),
        true,
        "Where the modification stands in the SEC change process.",
    ),
    field("url", Ty::Str, false, "Where to read it."),
    field(
        "changes",
        Ty::Changes,
        false,
        "What it would change in SEC obligations once in force.",
    ),
];

/// The fields of a deviation table.
pub const DEVIATION: &[Field] = &[
    field(
        "sec",
        Ty::Id(Kind::Sec),
        true,
        "The obligation it departs from.",
    ),
    field("summary", Ty::Str, true, "What changes, in one line."),
    field("rationale", Ty::Str, true, "Why."),
    field(
        "modification",
        Ty::Id(Kind::Modification),
        false,
        "The SEC Modification that would make it compliant.",
    ),
];

/// The fields of a modification's change table (FORMAT §16): `sec` and
/// one of `limits` or `withdraws = true`.
pub const CHANGE: &[Field] = &[
    field("sec", Ty::Id(Kind::Sec), true, "The obligation it changes."),
    field(
        "limits",
        Ty::Limits,
        false,
        "The limits of the quantities it names, once the modification is in force.",
    ),
    field(
        "withdraws",
        Ty::Bool,
        false,
        "true: the obligation no longer applies once the modification is in force.",
    ),
];

/// The fields of a waiver table.
pub const WAIVER: &[Field] = &[
    field("rule", Ty::Rule, true, "The rule waived, by code or name."),
    field("reason", Ty::Str, true, "Why the finding is accepted."),
    field("by", Ty::Str, true, "Who accepted it."),
    field("until", Ty::Date, false, "When the waiver lapses."),
];

/// The fields of a question table (FORMAT §17).
pub const QUESTION: &[Field] = &[
    field(
        "asked",
        Ty::Str,
        true,
        "Who asked: a meeting, a role or a person.",
    ),
    field("on", Ty::Date, true, "When it was asked."),
    field("to", Ty::Str, false, "Who must answer."),
    field("text", Ty::Str, true, "The question."),
    field("due", Ty::Date, false, "When the answer is due."),
    field("answer", Ty::Str, false, "The answer, once given."),
    field(
        "answered",
        Ty::Date,
        false,
        "When it was answered; required with `answer`.",
    ),
];

/// The fields of a decision table (FORMAT §15).
pub const DECISION: &[Field] = &[
    field(
        "about",
        Ty::About,
        true,
        "What was decided: deviation:<SEC id>, category or user-impact.",
    ),
    field(
        "outcome",
        Ty::Enum(Outcome::NAMES),
        true,
        "accepted, rejected or noted.",
    ),
    field(
        "by",
        Ty::Str,
        true,
        "Who decided: a meeting, a role or a person.",
    ),
    field("on", Ty::Date, true, "When it was decided."),
    field("note", Ty::Str, false, "What the decision says, in words."),
    field(
        "fingerprint",
        Ty::Str,
        false,
        "Hash of what was decided on (written by rtm decide).",
    ),
];

/// The fields of a review stamp.
pub const REVIEWED: &[Field] = &[
    field(
        "by",
        Ty::Str,
        true,
        "Who reviewed: a person, a role or a meeting.",
    ),
    field("on", Ty::Date, false, "When."),
    field(
        "fingerprint",
        Ty::Str,
        true,
        "Hash of the node's content when reviewed.",
    ),
    field(
        "links",
        Ty::Fingerprints,
        false,
        "The fingerprint of every linked node when reviewed.",
    ),
];

/// The bound keys of one SEC limit.
pub const BOUNDS: &[&str] = &["min", "max", "equals"];

/// Every field a node of `kind` accepts, as one slice (built once).
pub fn fields_of(kind: Kind) -> &'static [Field] {
    static TABLES: std::sync::LazyLock<Vec<Vec<Field>>> = std::sync::LazyLock::new(|| {
        Kind::ALL
            .iter()
            .map(|&k| fields(k).copied().collect())
            .collect()
    });
    TABLES.get(kind as usize).map_or(&[], Vec::as_slice)
}

/// Every field a node of `kind` accepts, in documentation order.
pub fn fields(kind: Kind) -> impl Iterator<Item = &'static Field> {
    let status: &'static [Field] = if kind == Kind::Modification {
        &[]
    } else {
        std::slice::from_ref(&STATUS)
    };
    let specific = match kind {
        Kind::Theme => THEME,
        Kind::Business => BUSINESS,
        Kind::Requirement => REQUIREMENT,
        Kind::Sec => SEC,
        Kind::Modification => MODIFICATION,
    };
    COMMON.iter().chain(status).chain(specific)
}

/// A section of `rtm.toml`.
#[derive(Debug)]
pub struct Section {
    pub name: &'static str,
    pub doc: &'static str,
    /// `None`: the keys are free, each of type `free`.
    pub fields: &'static [Field],
    pub free: Option<Ty>,
}

/// The sections of `rtm.toml`.
pub const CONFIG: &[Section] = &[
    Section {
        name: "project",
        doc: "The project.",
        fields: &[
            field("name", Ty::Str, false, "The project's name."),
            field(
                "sec_baseline",
                Ty::Str,
                false,
                "Label of the SEC baseline, printed in reports.",
            ),
            field(
                "variants",
                Ty::Strings,
                false,
                "The product variants (e.g. SB, DB); default none.",
            ),
            field(
                "classification",
                Ty::Classification,
                false,
                "Default level for nodes that name none; default white.",
            ),
        ],
        free: None,
    },
    Section {
        name: "classification",
        doc: "How documents name their classification level (FORMAT §10).",
        fields: &[
            field(
                "scheme",
                Ty::Enum(&["sec", "tlp"]),
                false,
                "sec (default): the SEC's levels, White to Red; tlp: TLP:CLEAR to TLP:RED.",
            ),
            field(
                "handling",
                Ty::Handling,
                false,
                "Handling text per level (white, green, amber, red), printed after the level's name.",
            ),
        ],
        free: None,
    },
    Section {
        name: "ids",
        doc: "A regular expression per kind, matched against the whole id.",
        fields: &[
            field("theme", Ty::Regex, false, "Pattern for theme ids."),
            field("business", Ty::Regex, false, "Pattern for business ids."),
            field(
                "requirement",
                Ty::Regex,
                false,
                "Pattern for requirement ids.",
            ),
            field("sec", Ty::Regex, false, "Pattern for SEC obligation ids."),
            field(
                "modification",
                Ty::Regex,
                false,
                "Pattern for modification ids.",
            ),
        ],
        free: None,
    },
    Section {
        name: "limits",
        doc: "Limits on what one node file may hold.",
        fields: &[
            field(
                "max_file_bytes",
                Ty::Count,
                false,
                "Largest node file read, in bytes; default 16777216.",
            ),
            field(
                "max_depth",
                Ty::Count,
                false,
                "Deepest nesting of arrays and tables in one file; default 128.",
            ),
        ],
        free: None,
    },
    Section {
        name: "rules",
        doc: "Per-rule level, by code or by name.",
        fields: &[],
        free: Some(Ty::Level),
    },
];

/// The allowed values of an enum-like type, for messages and schemas.
pub fn choices(ty: Ty) -> &'static [&'static str] {
    match ty {
        Ty::Enum(names) => names,
        Ty::Classification => &["white", "green", "amber", "red", "clear"],
        Ty::Level => Level::NAMES,
        _ => &[],
    }
}

/// Default classification when the project names none.
pub const DEFAULT_CLASSIFICATION: Classification = Classification::White;

/// "business requirement", "SEC obligation"… without an article.
pub fn kind_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::Theme => "theme",
        Kind::Business => "business requirement",
        Kind::Requirement => "RTM entry",
        Kind::Sec => "SEC obligation",
        Kind::Modification => "modification",
    }
}
