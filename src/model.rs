//! The requirement model: nodes as read from the tree, with the span of
//! every id and every link value.

use crate::source::{FileId, Sources, Span};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $( $variant:ident = $text:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $( $variant, )* }

        impl $name {
            /// Every value as written in TOML, in order.
            pub const NAMES: &'static [&'static str] = &[ $( $text, )* ];
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $( $text => Some($name::$variant), )*
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// The kind of a node: the TOML key of its array of tables.
    Kind {
        Theme = "theme",
        Business = "business",
        Requirement = "requirement",
        Sec = "sec",
        Modification = "modification",
    }
}

string_enum! {
    /// A node's lifecycle status.
    Status {
        Draft = "draft",
        Proposed = "proposed",
        Agreed = "agreed",
        Withdrawn = "withdrawn",
    }
}

string_enum! {
    /// The OPSG's three categories of RTM entry.
    Category {
        Mvp = "mvp",
        SecSupport = "sec-support",
        Optional = "optional",
    }
}

string_enum! {
    /// Traffic Light Protocol levels, in order.
    Classification {
        White = "white",
        Green = "green",
        Amber = "amber",
        Red = "red",
    }
}

impl Classification {
    /// Reads a level, accepting `clear` as `white`.
    pub fn parse_level(s: &str) -> Option<Self> {
        if s == "clear" {
            Some(Classification::White)
        } else {
            Self::parse(s)
        }
    }
}

string_enum! {
    /// The lifecycle stage of an SEC Modification.
    Stage {
        Proposed = "proposed",
        Refinement = "refinement",
        Report = "report",
        Decision = "decision",
        Approved = "approved",
        Implemented = "implemented",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
    }
}

impl Stage {
    /// Approved or implemented: a deviation relying on it is not contingent.
    pub fn is_settled(self) -> bool {
        matches!(self, Stage::Approved | Stage::Implemented)
    }

    /// Rejected or withdrawn: a deviation relying on it relies on nothing.
    pub fn is_dead(self) -> bool {
        matches!(self, Stage::Rejected | Stage::Withdrawn)
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

/// Which field a link was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkField {
    Themes,
    Satisfies,
    Refines,
    /// `sec`: an obligation the entry upholds.
    Sec,
    /// A deviation's `sec`; the index is the deviation's.
    DeviationSec(usize),
    /// A deviation's `modification`; the index is the deviation's.
    DeviationModification(usize),
}

impl LinkField {
    /// The kind of node this field must name.
    pub fn target_kind(self) -> Kind {
        match self {
            LinkField::Themes => Kind::Theme,
            LinkField::Satisfies => Kind::Business,
            LinkField::Refines => Kind::Requirement,
            LinkField::Sec | LinkField::DeviationSec(_) => Kind::Sec,
            LinkField::DeviationModification(_) => Kind::Modification,
        }
    }

    /// The field's name as written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            LinkField::Themes => "themes",
            LinkField::Satisfies => "satisfies",
            LinkField::Refines => "refines",
            LinkField::Sec => "sec",
            LinkField::DeviationSec(_) => "deviations.sec",
            LinkField::DeviationModification(_) => "deviations.modification",
        }
    }
}

/// One id written in a link field.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub field: LinkField,
    pub target: String,
    pub span: Span,
}

/// A declared departure from an SEC obligation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deviation {
    /// Where the deviation's table starts.
    pub span: Option<Span>,
    /// Index in the node's `links` of the deviation's `sec`.
    pub sec: Option<usize>,
    pub summary: Option<Sp<String>>,
    pub rationale: Option<Sp<String>>,
    /// Index in the node's `links` of the deviation's `modification`.
    pub modification: Option<usize>,
}

/// A figure an RTM entry commits to.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub param: String,
    pub value: f64,
    pub span: Span,
}

/// An SEC limit on one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub param: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub equals: Option<f64>,
    pub span: Span,
}

impl Limit {
    /// Whether `v` keeps within every bound.
    pub fn allows(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m)
            && self.max.is_none_or(|m| v <= m)
            && self.equals.is_none_or(|e| v == e)
    }

    /// The bounds in words: "at most 60", "at least 1 and at most 5".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = self.equals {
            parts.push(format!("exactly {}", fmt_number(e)));
        }
        if let Some(m) = self.min {
            parts.push(format!("at least {}", fmt_number(m)));
        }
        if let Some(m) = self.max {
            parts.push(format!("at most {}", fmt_number(m)));
        }
        parts.join(" and ")
    }
}

/// Prints a number as a person wrote it: `60`, not `60.0`.
pub fn fmt_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A waiver: a finding accepted on the record (FORMAT §8).
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub span: Span,
    pub rule: Option<Sp<String>>,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub until: Option<Sp<String>>,
    /// False when reading it found a schema error (R002): such a waiver
    /// waives nothing.
    pub valid: bool,
}

/// A question asked about a node, and its answer once given (FORMAT §17).
/// Not part of the node's fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Where the question's table starts.
    pub span: Span,
    pub asked: Option<String>,
    /// When it was asked, as written (`YYYY-MM-DD`).
    pub on: Option<String>,
    pub to: Option<String>,
    pub text: Option<Sp<String>>,
    pub due: Option<String>,
    /// `None` while the question is open (an empty answer is no answer).
    pub answer: Option<String>,
    pub answered: Option<String>,
}

impl Question {
    /// A question without an answer.
    pub fn is_open(&self) -> bool {
        self.answer.is_none()
    }

    /// The question's text, or "" when it has none.
    pub fn text(&self) -> &str {
        self.text.as_ref().map_or("", |t| t.value.as_str())
    }

    /// Where a finding about the question points: its `text` value, or the
    /// question's table when it has no text.
    pub fn at(&self) -> Span {
        self.text.as_ref().map_or(self.span, |t| t.span)
    }
}

/// A review stamp (FORMAT §7).
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    pub span: Span,
    pub by: Option<String>,
    pub on: Option<String>,
    pub fingerprint: Option<String>,
    pub links: Vec<(String, String, Span)>,
}

/// One node, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub id: String,
    pub id_span: Span,
    pub title: Option<String>,
    pub text: String,
    pub status: Status,
    pub owner: Option<String>,
    pub classification: Option<Classification>,
    pub tags: Vec<String>,
    /// Every id the node names, in every link field, in file order.
    pub links: Vec<Link>,
    pub category: Option<Category>,
    /// `None` means "all the project's variants".
    pub variants: Option<Vec<String>>,
    pub user_impact: Option<Sp<String>>,
    pub values: Vec<Value>,
    pub limits: Vec<Limit>,
    pub deviations: Vec<Deviation>,
    pub stage: Option<Stage>,
    pub source: Option<String>,
    pub url: Option<String>,
    pub waivers: Vec<Waiver>,
    pub questions: Vec<Question>,
    /// Boxed: most nodes carry no stamp, and a node is kept small.
    pub reviewed: Option<Box<Reviewed>>,
    /// The span of the `text` value, when the node wrote one (R301).
    pub text_span: Option<Span>,
    /// The span of the `themes` value, when the node wrote one (R104).
    pub themes_span: Option<Span>,
}

impl Node {
    pub fn new(kind: Kind, id: String, id_span: Span) -> Self {
        Node {
            kind,
            id,
            id_span,
            title: None,
            text: String::new(),
            status: Status::Draft,
            owner: None,
            classification: None,
            tags: Vec::new(),
            links: Vec::new(),
            category: None,
            variants: None,
            user_impact: None,
            values: Vec::new(),
            limits: Vec::new(),
            deviations: Vec::new(),
            stage: None,
            source: None,
            url: None,
            waivers: Vec::new(),
            questions: Vec::new(),
            reviewed: None,
            text_span: None,
            themes_span: None,
        }
    }

    /// A node is active unless it is withdrawn. A modification has no
    /// status, so it is always active in that sense.
    pub fn is_active(&self) -> bool {
        self.status != Status::Withdrawn
    }

    pub fn file(&self) -> FileId {
        self.id_span.file
    }

    /// The links written in one field (not deviations).
    pub fn links_in(&self, field: LinkField) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| l.field == field)
    }

    pub fn link(&self, index: Option<usize>) -> Option<&Link> {
        index.and_then(|i| self.links.get(i))
    }

    /// Whether the node has this variant (no `variants` means all of them).
    pub fn has_variant(&self, variant: &str) -> bool {
        self.variants
            .as_ref()
            .is_none_or(|v| v.iter().any(|x| x == variant))
    }
}

/// What one node file held, beyond its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub file: FileId,
    /// True when the file parsed and had at least one top-level key.
    pub has_keys: bool,
    /// True when the file could not be read or parsed (R001).
    pub broken: bool,
}

/// Everything read from a tree.
#[derive(Debug, Default, Clone)]
pub struct Model {
    pub sources: Sources,
    /// Every node definition whose id was read, in path order then file order.
    pub nodes: Vec<Node>,
    /// Every node file, in path order (not `rtm.toml`).
    pub files: Vec<FileInfo>,
}

impl Model {
    /// How many node definitions of each kind, in [`Kind::ALL`] order.
    pub fn counts(&self) -> [usize; 5] {
        let mut counts = [0; 5];
        for node in &self.nodes {
            if let Some(c) = counts.get_mut(node.kind as usize) {
                *c += 1;
            }
        }
        counts
    }
}
