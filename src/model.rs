//! The requirement model: nodes as read from the tree, with the span of
//! every id and every link value.

use crate::source::{FileId, Sources, Span, Str};
use thin_vec::ThinVec;

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
    /// Classification levels, in order (the SEC's scheme by default, or the
    /// Traffic Light Protocol; FORMAT §10).
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
    /// A deviation's `sec` (which deviation: [`Deviation::sec`] is the
    /// link's index).
    DeviationSec,
    /// A deviation's `modification` ([`Deviation::modification`]).
    DeviationModification,
    /// A modification's change's `sec` ([`Change::sec`], FORMAT §16).
    ChangeSec,
}

impl LinkField {
    /// The kind of node this field must name.
    pub fn target_kind(self) -> Kind {
        match self {
            LinkField::Themes => Kind::Theme,
            LinkField::Satisfies => Kind::Business,
            LinkField::Refines => Kind::Requirement,
            LinkField::Sec | LinkField::DeviationSec | LinkField::ChangeSec => Kind::Sec,
            LinkField::DeviationModification => Kind::Modification,
        }
    }

    /// The field's name as written in TOML.
    pub fn name(self) -> &'static str {
        match self {
            LinkField::Themes => "themes",
            LinkField::Satisfies => "satisfies",
            LinkField::Refines => "refines",
            LinkField::Sec => "sec",
            LinkField::DeviationSec => "deviations.sec",
            LinkField::DeviationModification => "deviations.modification",
            LinkField::ChangeSec => "changes.sec",
        }
    }
}

/// One id written in a link field.
///
/// The id is read with [`Node::target`] and where it is written with
/// [`Node::link_span`]: it is kept as a [`Held`] string of its node (12
/// bytes a link rather than 48: a tree holds a few links per node). Made
/// by [`Node::push_link`].
#[derive(Debug, Clone)]
pub struct Link {
    pub field: LinkField,
    target: Held,
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

/// What a modification would change in one SEC obligation (FORMAT §16):
/// new limits for the quantities it names, or the obligation's withdrawal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Change {
    /// Where the change's table starts.
    pub span: Option<Span>,
    /// Index in the node's `links` of the change's `sec`.
    pub sec: Option<usize>,
    /// The limits of the quantities it names, once it is in force.
    pub limits: Vec<Limit>,
    /// True when the obligation no longer applies once it is in force.
    pub withdraws: bool,
}

/// A number as written in TOML: an integer (exact, any `i64`) or a finite
/// float. Numbers compare by value, exactly: `9007199254740993` is greater
/// than `9007199254740992` (which a 64-bit float cannot tell apart), and
/// `5` equals `5.0`.
#[derive(Debug, Clone, Copy)]
pub enum Number {
    Int(i64),
    Float(f64),
}

/// 2^63 as a float: the first float above every `i64`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Compares an integer with a float exactly (never rounding the integer).
fn cmp_int_float(i: i64, f: f64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if f.is_nan() {
        return None;
    }
    if f >= TWO_POW_63 {
        return Some(Ordering::Less);
    }
    if f < -TWO_POW_63 {
        return Some(Ordering::Greater);
    }
    // Now -2^63 <= f < 2^63: its whole part is an exact i64.
    let whole = f.trunc();
    let ord = i.cmp(&(whole as i64));
    if ord != Ordering::Equal {
        return Some(ord);
    }
    // Same whole part: the fraction decides (it is exact).
    (0.0).partial_cmp(&(f - whole))
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(std::cmp::Ordering::Equal)
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        match (*self, *other) {
            (Number::Int(a), Number::Int(b)) => Some(a.cmp(&b)),
            (Number::Float(a), Number::Float(b)) => a.partial_cmp(&b),
            (Number::Int(a), Number::Float(b)) => cmp_int_float(a, b),
            (Number::Float(a), Number::Int(b)) => {
                cmp_int_float(b, a).map(std::cmp::Ordering::reverse)
            }
        }
    }
}

impl std::fmt::Display for Number {
    /// As a person wrote it: `60`, `6.5`; a whole float as `60`, not `60.0`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(v) if v.fract() == 0.0 && v.abs() < 1e15 => write!(f, "{}", v as i64),
            Number::Float(v) => write!(f, "{v}"),
        }
    }
}

/// A figure an RTM entry commits to.
#[derive(Debug, Clone)]
pub struct Value {
    /// The parameter's name, read with [`Node::param`]: held by the node
    /// (no copy, no pointer).
    param: Held,
    pub value: Number,
    /// Where the figure is written in its node's file: read with
    /// [`Node::value_span`] (two offsets, not a 24-byte [`Span`]; 85,000
    /// of the generated 100,000 nodes write one).
    at: (u32, u32),
}

/// An SEC limit on one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub param: String,
    pub min: Option<Number>,
    pub max: Option<Number>,
    pub equals: Option<Number>,
    pub span: Span,
}

impl Limit {
    /// Whether `v` keeps within every bound (compared exactly).
    pub fn allows(&self, v: Number) -> bool {
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

/// Prints a number as a person wrote it: `60`, not `60.0`; an integer
/// exactly, however large (`9223372036854775807`).
pub fn fmt_number(v: Number) -> String {
    v.to_string()
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

string_enum! {
    /// What the OPSG decided about an item (FORMAT §15).
    Outcome {
        Accepted = "accepted",
        Rejected = "rejected",
        Noted = "noted",
    }
}

/// The item a decision is about (FORMAT §15): `deviation:<SEC id>`,
/// `category` or `user-impact`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum About {
    /// The entry's deviation from this SEC obligation.
    Deviation(String),
    /// The entry's category (an optional entry: OPSG input sought).
    Category,
    /// The entry's stated impact on Users.
    UserImpact,
}

impl About {
    /// Reads `deviation:<SEC id>`, `category` or `user-impact`; the SEC id
    /// must be non-empty and hold no white space.
    pub fn parse(s: &str) -> Option<About> {
        match s {
            "category" => Some(About::Category),
            "user-impact" => Some(About::UserImpact),
            _ => {
                let id = s.strip_prefix("deviation:")?;
                (!id.is_empty() && !id.chars().any(char::is_whitespace))
                    .then(|| About::Deviation(id.to_owned()))
            }
        }
    }
}

impl std::fmt::Display for About {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            About::Deviation(id) => write!(f, "deviation:{id}"),
            About::Category => f.write_str("category"),
            About::UserImpact => f.write_str("user-impact"),
        }
    }
}

/// A decision of the OPSG about one item of an RTM entry (FORMAT §15).
/// Not part of the entry's review fingerprint (FORMAT §7).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Where the decision's table starts.
    pub span: Span,
    pub about: Option<Sp<About>>,
    pub outcome: Option<Outcome>,
    pub by: Option<String>,
    /// The date, as written (`YYYY-MM-DD`).
    pub on: Option<String>,
    pub note: Option<String>,
    pub fingerprint: Option<String>,
    /// False when reading it found a schema error (R002): such a decision
    /// decides nothing.
    pub valid: bool,
}

impl Decision {
    /// "accepted by OPSG_37x on 2020-10-26", as far as the decision says.
    pub fn describe(&self) -> String {
        let mut s = self.outcome.map_or("decided", Outcome::as_str).to_owned();
        if let Some(by) = &self.by {
            s.push_str(&format!(" by {by}"));
        }
        if let Some(on) = &self.on {
            s.push_str(&format!(" on {on}"));
        }
        s
    }

    /// Where a finding about the decision points: its `about` value, or the
    /// decision's table when it has none.
    pub fn at(&self) -> Span {
        self.about.as_ref().map_or(self.span, |a| a.span)
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

/// A list that is usually empty, one pointer wide (a `Vec` is three):
/// most nodes have no values, limits, deviations, waivers, questions or
/// decisions, and a node is kept small. Reads as a slice. A [`ThinVec`]
/// keeps its length and capacity in its one allocation, and an empty one
/// allocates nothing.
#[derive(Clone, PartialEq)]
pub struct Few<T>(ThinVec<T>);

impl<T> Few<T> {
    pub fn new() -> Self {
        Few(ThinVec::new())
    }

    pub fn push(&mut self, item: T) {
        self.0.push(item);
    }

    /// Room for exactly `extra` more items (a list whose length is known
    /// before it is filled takes no more than it needs).
    pub fn reserve_exact(&mut self, extra: usize) {
        self.0.reserve_exact(extra);
    }

    pub fn as_slice(&self) -> &[T] {
        self.0.as_slice()
    }
}

impl<T> Default for Few<T> {
    fn default() -> Self {
        Few::new()
    }
}

impl<T> std::ops::Deref for Few<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Few<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl<T> From<Vec<T>> for Few<T> {
    /// Exactly as long as `v`: its items moved into one allocation.
    fn from(v: Vec<T>) -> Self {
        Few(ThinVec::from(v))
    }
}

impl<T> FromIterator<T> for Few<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Few::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<'a, T> IntoIterator for &'a Few<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

/// Who owns a node and where it comes from: rarely written, so kept in one
/// box outside the node (64 bytes a node saved) and read with
/// [`Node::owner`], [`Node::source`], [`Node::url`], [`Node::reqif_id`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Origin {
    pub owner: Option<Str>,
    pub source: Option<Str>,
    pub url: Option<Str>,
    /// The ReqIF IDENTIFIER the node was imported with (`reqif_id`).
    pub reqif_id: Option<Str>,
}

/// One node, as read. Not comparable: its strings are offsets into its
/// file, so compare what [`Node::title`], [`Node::target`]… read.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    /// The id, as read. Set once, by [`Node::new`]: the node's other
    /// strings ([`Held`]) are read as parts of the text it is a part of.
    pub id: Str,
    /// The node's file: read with [`Node::file`].
    file: FileId,
    /// Where the node's file starts in the text its id was read from: the
    /// offsets of its [`Held`] strings there, less this, are where they are
    /// in the file (see [`Node::id_span`]).
    base: u32,
    /// Read with [`Node::title`].
    title: Held,
    /// Read with [`Node::text`].
    text: Held,
    pub status: Status,
    /// `None` when the node writes none of `owner`, `source`, `url`,
    /// `reqif_id` (never an empty box).
    origin: Option<Box<Origin>>,
    pub classification: Option<Classification>,
    /// True when `classification` was written but is not a level (a typo,
    /// another case, a list): the node is then treated as `red` by every
    /// document (FORMAT §10, fails closed).
    pub classification_invalid: bool,
    /// Every id the node names, in every link field, in file order.
    pub links: Few<Link>,
    pub category: Option<Category>,
    /// `user_impact`, when written: read with [`Node::user_impact`].
    user_impact: Held,
    pub values: Few<Value>,
    pub stage: Option<Stage>,
    /// What few nodes write (tags, variants, limits, deviations, changes,
    /// waivers, questions, decisions, a review stamp): `None` when the
    /// node writes none of them (never an empty box). Read with
    /// [`Node::tags`] and the like.
    rare: Option<Box<Rare>>,
    /// Where the `themes` value is in the node's file, when the node wrote
    /// it as an empty array (R104): read with [`Node::themes_span`]. Two
    /// offsets, not a [`Span`], to keep a node small; [`ABSENT`] otherwise
    /// (8 bytes, not the 12 of an `Option`).
    themes_at: (u32, u32),
}

/// The offsets of a value the node did not write: a start past its end,
/// which [`compact`] never gives.
const ABSENT: (u32, u32) = (u32::MAX, 0);

/// One string of a node (its title, text, user impact, a link's id, a
/// figure's name), in 8 bytes rather than the 16 of a [`Str`] and the 8
/// more of where it is written: where it lies in the text the node's id
/// was read from (the node's file, which the id keeps alive), or, for a
/// string that is not a part of that text (one written with escapes, over
/// several lines, or given by a program), its place among the strings
/// the node keeps aside with where they are written. A string held with
/// where it is written ([`Node::hold_at`]) is a part of the text only
/// when it is written as one quoted line, so that where it is written is
/// that part and its two quotes. Read through its node ([`Node::title`],
/// [`Node::target`]…), never on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    start: u32,
    len: u32,
}

impl Held {
    /// No string: the node did not write it.
    const NONE: Held = Held {
        start: u32::MAX,
        len: 0,
    };
    /// `start` of a string kept aside; `len` is then its index there.
    const ASIDE: u32 = u32::MAX - 1;
}

impl Node {
    /// A node whose id `id` is written at `id_span`, in a file that starts
    /// at `base` in the text `id` is a part of.
    pub fn new(kind: Kind, id: Str, id_span: Span, base: u32) -> Self {
        let mut node = Node {
            kind,
            id,
            file: id_span.file,
            base,
            title: Held::NONE,
            text: Held::NONE,
            status: Status::Draft,
            origin: None,
            classification: None,
            classification_invalid: false,
            links: Few::new(),
            category: None,
            user_impact: Held::NONE,
            values: Few::new(),
            stage: None,
            rare: None,
            themes_at: ABSENT,
        };
        let at = compact(id_span);
        let quoted = node
            .id
            .offsets_of(&node.id)
            .and_then(|o| node.quoted(o, at));
        if quoted.is_none() {
            node.rare_mut().id_at = Some(at);
        }
        node
    }

    /// A node is active unless it is withdrawn. A modification has no
    /// status, so it is always active in that sense.
    pub fn is_active(&self) -> bool {
        self.status != Status::Withdrawn
    }

    pub fn file(&self) -> FileId {
        self.file
    }

    /// Where the node's id is written.
    pub fn id_span(&self) -> Span {
        let at = match self.rare.as_ref().and_then(|r| r.id_at) {
            Some(at) => at,
            None => self
                .id
                .offsets_of(&self.id)
                .map_or(ABSENT, |(start, len)| self.quotes_around(start, len)),
        };
        self.in_file(at)
    }

    pub fn owner(&self) -> Option<&Str> {
        self.origin.as_ref().and_then(|o| o.owner.as_ref())
    }

    pub fn source(&self) -> Option<&Str> {
        self.origin.as_ref().and_then(|o| o.source.as_ref())
    }

    pub fn url(&self) -> Option<&Str> {
        self.origin.as_ref().and_then(|o| o.url.as_ref())
    }

    /// The ReqIF IDENTIFIER the node was imported with (`reqif_id`).
    pub fn reqif_id(&self) -> Option<&Str> {
        self.origin.as_ref().and_then(|o| o.reqif_id.as_ref())
    }

    /// The node's origin, for writing one of its fields (boxed on first use).
    pub fn origin_mut(&mut self) -> &mut Origin {
        self.origin.get_or_insert_with(Box::default)
    }

    /// Where one of the node's links is written.
    pub fn link_span(&self, link: &Link) -> Span {
        self.in_file(self.written_at(link.target).unwrap_or(ABSENT))
    }

    /// Where one of the node's figures (`values`) is written.
    pub fn value_span(&self, value: &Value) -> Span {
        self.in_file(value.at)
    }

    /// The span of the `text` value, when the node wrote one (R301).
    pub fn text_span(&self) -> Option<Span> {
        self.written_at(self.text).map(|at| self.in_file(at))
    }

    /// The span of the `themes` value, when the node wrote `[]` (R104).
    pub fn themes_span(&self) -> Option<Span> {
        (self.themes_at != ABSENT).then(|| self.in_file(self.themes_at))
    }

    /// The `user_impact` the node states, and where.
    pub fn user_impact(&self) -> Option<Sp<&str>> {
        self.read(self.user_impact).map(|value| Sp {
            value,
            span: self.in_file(self.written_at(self.user_impact).unwrap_or(ABSENT)),
        })
    }

    /// Sets `user_impact` (a value written in the node's file).
    pub fn set_user_impact(&mut self, impact: Option<Sp<Str>>) {
        self.user_impact = match impact {
            Some(i) => self.hold_at(i.value, i.span),
            None => Held::NONE,
        };
    }

    /// The node's `title`, when it has one.
    pub fn title(&self) -> Option<&str> {
        self.read(self.title)
    }

    pub fn set_title(&mut self, title: Option<Str>) {
        self.title = match title {
            Some(t) => self.hold(t),
            None => Held::NONE,
        };
    }

    /// The node's `text` ("" when it wrote none).
    pub fn text(&self) -> &str {
        self.read(self.text).unwrap_or_default()
    }

    /// Sets `text`, written at `span` ("" when what is written there is
    /// not a string: [`Node::text_span`] still finds it).
    pub fn set_text(&mut self, text: Str, span: Span) {
        self.text = self.hold_at(text, span);
    }

    /// The id a link names.
    pub fn target(&self, link: &Link) -> &str {
        self.read(link.target).unwrap_or_default()
    }

    /// Adds a link naming `target`, written at `span` in the node's file.
    pub fn push_link(&mut self, field: LinkField, target: Str, span: Span) {
        let target = self.hold_at(target, span);
        self.links.push(Link { field, target });
    }

    /// The name of the parameter a figure gives.
    pub fn param(&self, value: &Value) -> &str {
        self.read(value.param).unwrap_or_default()
    }

    /// Sets the node's figures: each parameter's name, its number and
    /// where the number is written in the node's file.
    pub fn set_values(&mut self, values: Vec<(Str, Number, Span)>) {
        let values: Vec<Value> = values
            .into_iter()
            .map(|(param, value, span)| Value {
                param: self.hold(param),
                value,
                at: compact(span),
            })
            .collect();
        self.values = values.into();
    }

    /// Keeps one of the node's strings: as where it lies in the id's text
    /// when it is a part of it, otherwise aside.
    fn hold(&mut self, s: Str) -> Held {
        match self.id.offsets_of(&s) {
            Some((start, len)) if start < Held::ASIDE => Held { start, len },
            _ => self.aside(s, ABSENT),
        }
    }

    /// Keeps one of the node's strings and where it is written: as where
    /// it lies in the id's text when it is written there as one quoted
    /// line (where it is written then follows), otherwise aside with
    /// where it is written.
    fn hold_at(&mut self, s: Str, span: Span) -> Held {
        let at = compact(span);
        let quoted = self.id.offsets_of(&s).and_then(|o| self.quoted(o, at));
        match quoted {
            Some(held) => held,
            None => self.aside(s, at),
        }
    }

    /// The string at `(start, len)` of the id's text, when `at`, in the
    /// node's file, is exactly it and one quote on each side.
    fn quoted(&self, (start, len): (u32, u32), at: (u32, u32)) -> Option<Held> {
        (start < Held::ASIDE && self.quotes_around(start, len) == at).then_some(Held { start, len })
    }

    /// Where, in the node's file, the string at `(start, len)` of the id's
    /// text is written with one quote on each side.
    fn quotes_around(&self, start: u32, len: u32) -> (u32, u32) {
        let from = start.checked_sub(self.base).and_then(|s| s.checked_sub(1));
        let to = from.and_then(|f| f.checked_add(len)?.checked_add(2));
        match (from, to) {
            (Some(from), Some(to)) => (from, to),
            _ => ABSENT,
        }
    }

    fn aside(&mut self, text: Str, at: (u32, u32)) -> Held {
        let aside = &mut self.rare_mut().aside;
        let len = u32::try_from(aside.len()).unwrap_or(u32::MAX);
        aside.push(Aside { text, at });
        Held {
            start: Held::ASIDE,
            len,
        }
    }

    /// One of the node's strings, as [`Node::hold`] kept it.
    fn read(&self, held: Held) -> Option<&str> {
        match held.start {
            u32::MAX => None,
            Held::ASIDE => self.kept_aside(held).map(|a| a.text.as_str()),
            start => Some(self.id.sibling(start, held.len)),
        }
    }

    /// Where one of the node's strings is written, as [`Node::hold_at`]
    /// kept it; `None` for no string.
    fn written_at(&self, held: Held) -> Option<(u32, u32)> {
        match held.start {
            u32::MAX => None,
            Held::ASIDE => self.kept_aside(held).map(|a| a.at),
            start => Some(self.quotes_around(start, held.len)),
        }
    }

    fn kept_aside(&self, held: Held) -> Option<&Aside> {
        self.rare.as_ref()?.aside.get(held.len as usize)
    }

    /// Records where the `themes` value is (a span of the node's file).
    pub fn set_themes_span(&mut self, span: Span) {
        self.themes_at = compact(span);
    }

    fn in_file(&self, (start, end): (u32, u32)) -> Span {
        Span::new(self.file(), start as usize..end as usize)
    }

    /// The links written in one field (not deviations).
    pub fn links_in(&self, field: LinkField) -> impl Iterator<Item = &Link> {
        self.links.iter().filter(move |l| l.field == field)
    }

    pub fn link(&self, index: Option<usize>) -> Option<&Link> {
        index.and_then(|i| self.links.get(i))
    }

    /// The id the link at `index` names.
    pub fn link_target(&self, index: Option<usize>) -> Option<&str> {
        self.link(index).map(|l| self.target(l))
    }

    /// The ids written in one field (not deviations), in file order.
    pub fn targets_in(&self, field: LinkField) -> impl Iterator<Item = &str> {
        self.links_in(field).map(|l| self.target(l))
    }

    /// The node's classification level: its own, or `default` when it
    /// names none; `red` when what it names cannot be read.
    pub fn level(&self, default: Classification) -> Classification {
        if self.classification_invalid {
            Classification::Red
        } else {
            self.classification.unwrap_or(default)
        }
    }

    /// Whether the node has this variant (no `variants` means all of them).
    pub fn has_variant(&self, variant: &str) -> bool {
        self.variants()
            .is_none_or(|v| v.iter().any(|x| x == variant))
    }

    pub fn tags(&self) -> &[String] {
        self.rare.as_ref().map_or(&[], |r| &r.tags)
    }

    /// The variants the node names; `None` means "all the project's
    /// variants".
    pub fn variants(&self) -> Option<&[String]> {
        self.rare
            .as_ref()
            .and_then(|r| r.variants.as_ref().map(Few::as_slice))
    }

    pub fn limits(&self) -> &[Limit] {
        self.rare.as_ref().map_or(&[], |r| &r.limits)
    }

    pub fn deviations(&self) -> &[Deviation] {
        self.rare.as_ref().map_or(&[], |r| &r.deviations)
    }

    /// A modification's changes to SEC obligations (FORMAT §16).
    pub fn changes(&self) -> &[Change] {
        self.rare.as_ref().map_or(&[], |r| &r.changes)
    }

    pub fn waivers(&self) -> &[Waiver] {
        self.rare.as_ref().map_or(&[], |r| &r.waivers)
    }

    pub fn questions(&self) -> &[Question] {
        self.rare.as_ref().map_or(&[], |r| &r.questions)
    }

    /// The OPSG's decisions about the entry's items, in file order (FORMAT §15).
    pub fn decisions(&self) -> &[Decision] {
        self.rare.as_ref().map_or(&[], |r| &r.decisions)
    }

    /// The node's review stamp, when it has one.
    pub fn reviewed(&self) -> Option<&Reviewed> {
        self.rare.as_ref().and_then(|r| r.reviewed.as_deref())
    }

    /// The rarely written fields, to fill them (the box is made here: call
    /// it only with something to store).
    pub(crate) fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
}

/// What few nodes write, kept in one box outside the node (72 bytes a
/// node saved): see [`Node::tags`] and the accessors beside it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Rare {
    pub tags: Few<String>,
    pub variants: Option<Few<String>>,
    pub limits: Few<Limit>,
    pub deviations: Few<Deviation>,
    pub changes: Few<Change>,
    pub waivers: Few<Waiver>,
    pub questions: Few<Question>,
    pub decisions: Few<Decision>,
    pub reviewed: Option<Box<Reviewed>>,
    /// The node's strings that are not parts of its id's text (see
    /// [`Held`]).
    pub aside: Few<Aside>,
    /// Where the id is written, when it is not one quoted line of the
    /// file (see [`Node::id_span`]).
    pub id_at: Option<(u32, u32)>,
}

/// A string of a node that is not a part of its id's text, and where it
/// is written in the node's file ([`ABSENT`] when that is not kept).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Aside {
    text: Str,
    at: (u32, u32),
}

/// A span's offsets in 32 bits (files are capped far below 4 GiB by
/// `limits.max_file_bytes`; past it they would stop at the last offset).
fn compact(span: Span) -> (u32, u32) {
    let at = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
    (at(span.start), at(span.end))
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

#[cfg(test)]
mod tests {
    use super::Number::{Float, Int};

    #[test]
    fn numbers_compare_exactly() {
        assert!(Int(9_007_199_254_740_993) > Int(9_007_199_254_740_992));
        // As floats both are 2^53: an integer is never rounded.
        assert!(Int(9_007_199_254_740_993) > Float(9_007_199_254_740_992.0));
        assert!(Float(9_007_199_254_740_992.0) < Int(9_007_199_254_740_993));
        assert!(Int(5) == Float(5.0));
        assert!(Int(5) < Float(5.5) && Float(5.5) < Int(6));
        assert!(Int(-5) > Float(-5.5) && Int(-6) < Float(-5.5));
        assert!(Int(i64::MAX) < Float(9_223_372_036_854_775_808.0));
        assert!(Int(i64::MIN) == Float(-9_223_372_036_854_775_808.0));
        assert!(Int(i64::MIN) > Float(-1e19));
        assert!(Int(0) == Float(-0.0));
    }

    #[test]
    fn numbers_print_as_written() {
        assert_eq!(Int(i64::MAX).to_string(), "9223372036854775807");
        assert_eq!(Int(60).to_string(), "60");
        assert_eq!(Float(60.0).to_string(), "60");
        assert_eq!(Float(6.5).to_string(), "6.5");
    }
}

#[cfg(test)]
mod size {
    /// A node is kept small: 100,000 of them are held at once (560 bytes
    /// before the rarely used lists were made one pointer wide; 224 with
    /// `user_impact` held in the node as a span, not a boxed copy; 208 with
    /// the links a one-pointer list; 144 with the rarely written fields in
    /// one box).
    #[test]
    fn a_node_is_small() {
        assert!(std::mem::size_of::<super::Node>() <= 96);
        assert_eq!(std::mem::size_of::<super::Held>(), 8);
        assert_eq!(std::mem::size_of::<Option<crate::source::Str>>(), 16);
        assert!(std::mem::size_of::<super::Link>() <= 12);
        assert!(std::mem::size_of::<super::Rare>() <= 96);
        assert_eq!(std::mem::size_of::<super::Few<super::Value>>(), 8);
        assert!(std::mem::size_of::<super::Value>() <= 32);
        // An empty list allocates nothing; a full one is exactly as long as
        // the vector it was made from.
        let few = super::Few::from(Vec::<u32>::with_capacity(64));
        assert!(few.is_empty());
        let mut v = Vec::with_capacity(64);
        v.extend([1u32, 2, 3]);
        let few = super::Few::from(v);
        assert_eq!(few.as_slice(), &[1, 2, 3]);
        assert_eq!(few.0.capacity(), 3);
    }

    /// A node's strings read back as written, and where they are written,
    /// whether they are parts of the file (one quoted line) or kept aside
    /// (escapes, several lines, not a string), in a file that is not the
    /// first of the text it was read into.
    #[test]
    fn held_strings_read_back_with_where_they_are_written() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..40 {
            let filler = format!("[[theme]]\nid = \"F-{i}\"\ntitle = \"filler\"\ntext = \"x\"\n");
            std::fs::write(dir.path().join(format!("a{i:02}.toml")), filler).unwrap();
        }
        let text = concat!(
            "[[theme]]\nid = \"T-\\u0032\"\ntitle = \"t\"\ntext = \"\"\"\nmulti\nline\"\"\"\n\n",
            "[[business]]\nid = 'B-1'\ntitle = \"B \\\"q\\\"\"\ntext = \"plain text\"\n",
            "themes = [\"T-1\", \"T-\\u0032\", 'T-3']\n\n",
            "[[requirement]]\nid = \"R-1\"\ntitle = \"r\"\ntext = 5\ncategory = \"mvp\"\n",
            "user_impact = \"none\"\nsatisfies = [\"B-1\"]\nvalues = { \"p\\u0031\" = 3, q = 4 }\n",
        );
        std::fs::write(dir.path().join("z.toml"), text).unwrap();
        let loaded = crate::load::load(dir.path()).unwrap();
        let model = &loaded.model;
        let node = |id: &str| model.nodes.iter().find(|n| n.id == id).unwrap();
        let at = |span: super::Span| {
            let file = model.sources.file(span.file);
            assert_eq!(file.path, "z.toml");
            file.text.as_str()[span.range()].to_owned()
        };
        let (t, b, r) = (node("T-2"), node("B-1"), node("R-1"));
        assert!(
            b.base > 0,
            "z.toml shares its text with the files before it"
        );
        assert_eq!(at(t.id_span()), "\"T-\\u0032\"");
        assert_eq!(at(b.id_span()), "'B-1'");
        assert_eq!(at(r.id_span()), "\"R-1\"");
        assert_eq!(t.title(), Some("t"));
        assert_eq!(t.text(), "multi\nline");
        assert_eq!(at(t.text_span().unwrap()), "\"\"\"\nmulti\nline\"\"\"");
        assert_eq!(b.title(), Some("B \"q\""));
        assert_eq!(b.text(), "plain text");
        assert_eq!(at(b.text_span().unwrap()), "\"plain text\"");
        let links: Vec<(&str, String)> = b
            .links
            .iter()
            .map(|l| (b.target(l), at(b.link_span(l))))
            .collect();
        assert_eq!(
            links,
            [
                ("T-1", "\"T-1\"".to_owned()),
                ("T-2", "\"T-\\u0032\"".to_owned()),
                ("T-3", "'T-3'".to_owned())
            ]
        );
        assert_eq!(r.text(), "");
        assert_eq!(at(r.text_span().unwrap()), "5");
        let impact = r.user_impact().unwrap();
        assert_eq!(
            (impact.value, at(impact.span)),
            ("none", "\"none\"".to_owned())
        );
        assert_eq!(r.link_target(Some(0)), Some("B-1"));
        let params: Vec<(&str, String)> = r
            .values
            .iter()
            .map(|v| (r.param(v), at(r.value_span(v))))
            .collect();
        assert_eq!(params, [("p1", "3".to_owned()), ("q", "4".to_owned())]);
        assert!(node("F-3").text_span().is_some() && node("F-3").title() == Some("filler"));
    }

    /// The box of rare fields is made only for a node that writes one of
    /// them, and holds what it wrote.
    #[test]
    fn only_a_node_writing_a_rare_field_has_the_box() {
        use crate::load::{Entry, FileSet, load_files};
        let text = "[[theme]]\nid = \"T-1\"\ntitle = \"plain\"\ntags = []\n\n[[theme]]\nid = \"T-2\"\ntitle = \"tagged\"\ntags = [\"a\", \"b\"]\n\n[[business]]\nid = \"B-3\"\ntitle = \"no variants\"\nvariants = []\n";
        let loaded = load_files(FileSet {
            project: None,
            entries: vec![("t.toml".to_owned(), Entry::Bytes(text.as_bytes().to_vec()))],
        });
        let nodes = &loaded.model.nodes;
        assert_eq!(nodes.len(), 3);
        let by_id = |id: &str| nodes.iter().find(|n| n.id == id);
        let [plain, tagged, none] = ["T-1", "T-2", "B-3"].map(by_id);
        let plain = plain.map(|n| (n.rare.is_none(), n.tags().len(), n.variants().is_none()));
        assert_eq!(plain, Some((true, 0, true)));
        let tagged = tagged.map(|n| (n.rare.is_some(), n.tags().to_vec()));
        assert_eq!(tagged, Some((true, vec!["a".to_owned(), "b".to_owned()])));
        // `variants = []` is not "all variants": it is kept, empty.
        let none = none.map(|n| (n.rare.is_some(), n.variants().map(<[String]>::len)));
        assert_eq!(none, Some((true, Some(0))));
    }
}
