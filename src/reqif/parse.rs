//! Reading one `.reqif` document, as a stream of XML events (quick-xml),
//! into the parts the importer needs. No DTD is accepted and no entity is
//! expanded but XML's five and character references; nesting is bounded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustc_hash::FxHashSet;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::ReadError;
use super::xhtml::Markdown;

/// An attribute's value, as read.
#[derive(Debug, Clone)]
pub enum Val {
    /// A string, number, date or boolean, as written.
    Plain(String),
    /// XHTML, converted to Markdown.
    Xhtml(String),
    /// An enumeration: the IDENTIFIERs of its values.
    Enum(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct AttrValue {
    /// The IDENTIFIER of its ATTRIBUTE-DEFINITION.
    pub def: Arc<str>,
    pub val: Val,
}

#[derive(Debug, Clone)]
pub struct Object {
    pub identifier: Option<String>,
    pub line: usize,
    pub long_name: Option<String>,
    pub type_ref: Option<Arc<str>>,
    pub values: Vec<AttrValue>,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub identifier: Option<String>,
    pub line: usize,
    pub type_ref: Option<Arc<str>>,
    pub source: Option<String>,
    pub target: Option<String>,
    /// The attribute definition of each value the relation carries: a
    /// link has no attributes, so the values are not kept, only named.
    pub values: Vec<Arc<str>>,
}

/// One SPEC-HIERARCHY: the object it places, under its parent's.
#[derive(Debug, Clone)]
pub struct Hier {
    pub identifier: Option<String>,
    pub line: usize,
    pub parent: Option<usize>,
    pub object: Option<String>,
}

/// One document, as read.
#[derive(Debug, Default)]
pub struct Doc {
    /// Its name (the file, or the entry of a `.reqifz`).
    pub file: String,
    pub title: Option<String>,
    /// The header's COMMENT, if any.
    pub comment: Option<String>,
    /// ATTRIBUTE-DEFINITION IDENTIFIER → LONG-NAME (the IDENTIFIER when it
    /// has none).
    pub attr_defs: HashMap<String, String>,
    /// ENUM-VALUE IDENTIFIER → LONG-NAME (else its IDENTIFIER: real exports
    /// without LONG-NAMEs name values by IDENTIFIER, and their KEY and
    /// OTHER-CONTENT are often placeholders).
    pub enum_values: HashMap<String, String>,
    pub object_types: HashMap<String, String>,
    pub relation_types: HashMap<String, String>,
    pub specifications: Vec<String>,
    pub objects: Vec<Object>,
    pub relations: Vec<Relation>,
    pub hierarchy: Vec<Hier>,
}

struct ValueBuilder {
    def: Option<Arc<str>>,
    xhtml: bool,
    enumeration: bool,
    plain: Option<String>,
    markdown: Option<String>,
    enums: Vec<String>,
}

struct State<'a> {
    doc: Doc,
    text: &'a str,
    /// The line at byte `.1` is `.0` (lines are counted as the reader
    /// goes, not indexed: positions only grow).
    line_at: (usize, usize),
    /// Open elements: the names that matter as a parent, `""` for others.
    stack: Vec<&'static str>,
    /// Where in the text the name of each open element is (start, end):
    /// what an end tag read without its start tag is checked against.
    open: Vec<(usize, usize)>,
    /// Whether an end tag may close an element opened before the text
    /// this state reads (the rest of a document read from the end of a
    /// section): it is then checked here, not by the reader.
    outer_ends: bool,
    /// Whether the header's TITLE was read (what merging the rest of a
    /// document read apart needs to know).
    title_set: bool,
    /// Set when what this state reads is not wanted any more.
    stops: Vec<Arc<AtomicBool>>,
    /// References (definitions, types), one copy of each.
    names: FxHashSet<Arc<str>>,
    buf: String,
    object: Option<Object>,
    relation: Option<Relation>,
    value: Option<ValueBuilder>,
    hier: Vec<usize>,
    enum_value: Option<(String, Option<String>)>,
    /// Converting XHTML: the stack depth of its THE-VALUE.
    xhtml: Option<(usize, Markdown)>,
    /// Skipping a THE-ORIGINAL-VALUE: the stack depth it started at.
    skip: Option<usize>,
    max_depth: usize,
}

/// Parses one document.
pub fn parse(file: &str, bytes: &[u8], max_depth: usize) -> Result<Doc, ReadError> {
    parse_with(file, bytes, max_depth, CHUNK)
}

/// The size of the pieces a large SPEC-OBJECTS or SPEC-RELATIONS section
/// is cut into, to be read in parallel.
const CHUNK: usize = 4 << 20;

/// How far past each cut the next element of a section is looked for
/// (at least): a larger element ends the cutting, the rest of the section
/// being the last piece.
const MIN_WINDOW: usize = 64 << 10;

/// [`parse`], a plain SPEC-OBJECTS or SPEC-RELATIONS section of more than
/// `chunk` bytes read in pieces of about `chunk` bytes in parallel. The
/// result is the same as reading the document in one pass, which is done
/// instead whenever anything goes wrong or the section is not plain.
fn parse_with(file: &str, bytes: &[u8], max_depth: usize, chunk: usize) -> Result<Doc, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::Xml {
        file: file.to_owned(),
        line: line_at(bytes, e.valid_up_to()),
        message: "not UTF-8 text".into(),
    })?;
    if chunk > 0
        && let Ok((doc, _)) = run(file, text, max_depth, Some(chunk))
    {
        return Ok(doc);
    }
    run(file, text, max_depth, None).map(|(doc, _)| doc)
}

fn new_state<'a>(file: &str, text: &'a str, max_depth: usize) -> State<'a> {
    State {
        doc: Doc {
            file: file.to_owned(),
            ..Doc::default()
        },
        text,
        line_at: (1, 0),
        stack: Vec::new(),
        open: Vec::new(),
        outer_ends: false,
        title_set: false,
        stops: Vec::new(),
        names: FxHashSet::default(),
        buf: String::new(),
        object: None,
        relation: None,
        value: None,
        hier: Vec::new(),
        enum_value: None,
        xhtml: None,
        skip: None,
        max_depth,
    }
}

/// Reads the whole document; with `chunk`, large plain sections in
/// parallel (how many: the second value).
fn run(
    file: &str,
    text: &str,
    max_depth: usize,
    chunk: Option<usize>,
) -> Result<(Doc, usize), ReadError> {
    let mut st = new_state(file, text, max_depth);
    let (sections, saw_root) = st.drive(0, chunk)?;
    if !saw_root {
        return Err(st.error(0, "no XML element: not a ReqIF document".into()));
    }
    if !st.stack.is_empty() {
        return Err(st.error(text.len(), "the document ends inside an element".into()));
    }
    Ok((st.doc, sections))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Objects,
    Relations,
}

impl Section {
    /// The element the section holds, as its start tag begins.
    fn element(self) -> &'static [u8] {
        match self {
            Section::Objects => b"<SPEC-OBJECT",
            Section::Relations => b"<SPEC-RELATION",
        }
    }

    fn end_tag(self) -> &'static str {
        match self {
            Section::Objects => "</SPEC-OBJECTS>",
            Section::Relations => "</SPEC-RELATIONS>",
        }
    }
}

/// Where, from `from` on and before `to`, the next start tag of `element`
/// begins (the name followed by a space, `>` or `/`, so that
/// `<SPEC-OBJECT-REF` is not one).
fn next_start(text: &[u8], from: usize, to: usize, element: &[u8]) -> Option<usize> {
    let to = to.min(text.len());
    let mut at = from;
    loop {
        let rest = text.get(at..to)?;
        let i = memchr::memmem::find(rest, element)?;
        let end = at + i + element.len();
        if matches!(
            text.get(end),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
        ) {
            return Some(at + i);
        }
        at = end;
    }
}

/// Where a section whose start tag ends at `at` is cut into pieces of
/// about `chunk` bytes, each before a start tag of its `element`, and
/// where its end tag starts (the last value): `None` when it is not
/// larger than `chunk`, or has no end tag.
///
/// Only the `window` bytes after each cut are searched for the next
/// element, and the end tag only after the last cut:
/// the section is not scanned whole on one core first. An end tag (or an
/// element start) found in the wrong place is harmless: a piece holding an
/// end tag at the section's depth, or not made of whole elements, is not
/// read ([`piece`]), and the section is then read in one pass.
fn cuts(
    bytes: &[u8],
    at: usize,
    chunk: usize,
    window: usize,
    section: Section,
) -> Option<Vec<usize>> {
    let mut cuts = vec![at];
    let mut from = at;
    loop {
        let next = from.saturating_add(chunk);
        match next_start(bytes, next, next.saturating_add(window), section.element()) {
            Some(next) => {
                cuts.push(next);
                from = next;
            }
            None => break,
        }
    }
    let tail = bytes.get(from..)?;
    let end = from + memchr::memmem::find(tail, section.end_tag().as_bytes())?;
    if end - at <= chunk {
        return None;
    }
    cuts.push(end);
    Some(cuts)
}

/// What reading one piece of a section gave: its document and the line
/// breaks it holds.
struct Piece {
    doc: Doc,
    lines: usize,
}

/// Reads `from..to`, a piece of a section, as if the elements open
/// around it were `stack`: `None` unless it reads without an error as
/// whole elements holding only objects (relations).
fn piece(
    file: &str,
    text: &str,
    from: usize,
    to: usize,
    stack: &[&'static str],
    max_depth: usize,
    section: Section,
) -> Option<Piece> {
    let part = text.get(from..to)?;
    // Plain: no comment, CDATA, DOCTYPE or processing instruction, where
    // a cut could have been made inside one (the pieces are the whole
    // section, each starting with `<`: none of these spans two).
    if memchr::memmem::find(part.as_bytes(), b"<!").is_some()
        || memchr::memmem::find(part.as_bytes(), b"<?").is_some()
    {
        return None;
    }
    let mut st = new_state(file, text, max_depth);
    st.stack = stack.to_vec();
    // Lines are counted from the piece's start (line 1), then moved.
    st.line_at = (1, from);
    let mut reader = Reader::from_str(part);
    reader.config_mut().check_end_names = true;
    loop {
        let pos = usize::try_from(reader.buffer_position())
            .ok()?
            .saturating_add(from);
        let event = reader.read_event().ok()?;
        if let Event::End(_) = event
            && st.stack.len() <= stack.len()
        {
            return None;
        }
        if !st.step(event, pos).ok()? {
            break;
        }
    }
    let doc = &st.doc;
    let others_empty = doc.title.is_none()
        && doc.attr_defs.is_empty()
        && doc.enum_values.is_empty()
        && doc.object_types.is_empty()
        && doc.relation_types.is_empty()
        && doc.specifications.is_empty()
        && doc.hierarchy.is_empty();
    let only_ours = match section {
        Section::Objects => doc.relations.is_empty(),
        Section::Relations => doc.objects.is_empty(),
    };
    // The line breaks in the piece: counted on from its last element.
    let lines = st.line(to).saturating_sub(1);
    (st.stack.len() == stack.len() && st.is_idle() && others_empty && only_ours)
        .then_some(Piece { lines, doc: st.doc })
}

/// `more` added at the end of `list`: taken whole when `list` is empty
/// (no copy), appended otherwise.
fn adopt<T>(list: &mut Vec<T>, mut more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.append(&mut more);
    }
}

/// The vectors one after the other, in one vector sized once.
fn concat<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for mut p in parts {
        all.append(&mut p);
    }
    all
}

fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
}

/// The attributes an element's start tag is read for.
#[derive(Default)]
struct Found<'a> {
    identifier: Option<Cow<'a, str>>,
    long_name: Option<Cow<'a, str>>,
    the_value: Option<Cow<'a, str>>,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (AsRef::<str>::as_ref(&a.key.local_name()) == name).then(|| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
    })
}

/// The names that matter as the parent of an element.
fn parent_name(name: &str) -> &'static str {
    match name {
        "REQ-IF-HEADER" => "REQ-IF-HEADER",
        "SPEC-OBJECTS" => "SPEC-OBJECTS",
        "SPEC-RELATIONS" => "SPEC-RELATIONS",
        "SPECIFICATIONS" => "SPECIFICATIONS",
        "VALUES" => "VALUES",
        "SOURCE" => "SOURCE",
        "TARGET" => "TARGET",
        "OBJECT" => "OBJECT",
        _ => "",
    }
}

/// One shared copy of a reference that many elements repeat.
fn intern(names: &mut FxHashSet<Arc<str>>, s: &str) -> Arc<str> {
    if let Some(a) = names.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    names.insert(a.clone());
    a
}

/// The line breaks in `bytes`, counted in runs of 255 bytes into a byte
/// each (which the compiler turns into vector instructions).
fn count_lines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| {
            usize::from(
                run.iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))),
            )
        })
        .sum()
}

/// The rest of the text from `from` (where a section's end tag starts)
/// read as if the elements open there were `outer`'s (its stack and
/// names), as `outer` would read it on; stopped (an error) as soon as
/// `stop` or one of `outer`'s is set. Its lines are counted from `from`
/// (line 1); its errors name the line in the text, as `outer`'s do.
fn rest<'a>(
    outer: &State<'a>,
    from: usize,
    chunk: usize,
    stop: &Arc<AtomicBool>,
) -> Result<(State<'a>, usize), ReadError> {
    let mut st = new_state(&outer.doc.file, outer.text, outer.max_depth);
    st.stack = outer.stack.clone();
    st.open = outer.open.clone();
    st.outer_ends = true;
    st.stops = outer.stops.clone();
    st.stops.push(stop.clone());
    st.line_at = (1, from);
    let (sections, _) = st.drive(from, Some(chunk))?;
    Ok((st, sections))
}

impl<'a> State<'a> {
    /// Reads the text from byte `from` to its end; with `chunk`, large
    /// plain sections in parallel. How many sections were, and whether
    /// an element was seen.
    fn drive(&mut self, from: usize, chunk: Option<usize>) -> Result<(usize, bool), ReadError> {
        let text = self.text;
        let mut reader = Reader::from_str(text.get(from..).unwrap_or(""));
        reader.config_mut().check_end_names = true;
        // End tags of elements opened before `from` are checked in `step`.
        reader.config_mut().allow_unmatched_ends = self.outer_ends;
        // Bytes of the text before the reader's: positions in the text are
        // the reader's plus this.
        let mut skipped = from;
        let mut sections = 0;
        let mut saw_root = false;
        loop {
            let pos = usize::try_from(reader.buffer_position())
                .unwrap_or(usize::MAX)
                .saturating_add(skipped);
            if self.stops.iter().any(|s| s.load(Ordering::Relaxed)) {
                return Err(ReadError::Xml {
                    file: self.doc.file.clone(),
                    line: 0,
                    message: "stopped: read on from a section that was not plain".into(),
                });
            }
            let event = reader
                .read_event()
                .map_err(|e| self.error(pos, e.to_string()))?;
            if matches!(event, Event::Start(_) | Event::Empty(_)) {
                saw_root = true;
            }
            let section = match (&event, chunk) {
                // Only a name without a prefix: the tags searched for have none.
                (Event::Start(e), Some(_)) => match e.name().into_inner() {
                    "SPEC-OBJECTS" => Some(Section::Objects),
                    "SPEC-RELATIONS" => Some(Section::Relations),
                    _ => None,
                },
                _ => None,
            };
            if !self.step(event, pos)? {
                break;
            }
            if let (Some(section), Some(chunk)) = (section, chunk) {
                let at = usize::try_from(reader.buffer_position())
                    .unwrap_or(usize::MAX)
                    .saturating_add(skipped);
                if let Some((end, rest)) = self.section(section, at, chunk)? {
                    sections += 1;
                    if let Some(n) = rest {
                        // The rest of the text was read with the section.
                        sections += n;
                        break;
                    }
                    *reader.get_mut() = text.as_bytes().get(end..).unwrap_or(&[]);
                    skipped = skipped.saturating_add(end - at);
                }
            }
        }
        Ok((sections, saw_root))
    }

    /// What [`rest`] read, added to this state's document as if read here
    /// (`line` is the line of byte `from` where it started).
    fn absorb(&mut self, rest: State<'a>, line: usize) {
        let base = line.saturating_sub(1);
        let d = rest.doc;
        if rest.title_set {
            self.doc.title = d.title;
            self.title_set = true;
        }
        if d.comment.is_some() {
            self.doc.comment = d.comment;
        }
        self.doc.attr_defs.extend(d.attr_defs);
        self.doc.enum_values.extend(d.enum_values);
        self.doc.object_types.extend(d.object_types);
        self.doc.relation_types.extend(d.relation_types);
        self.doc.specifications.extend(d.specifications);
        let (mut objects, mut relations, mut hierarchy) = (d.objects, d.relations, d.hierarchy);
        objects.iter_mut().for_each(|o| o.line += base);
        relations.iter_mut().for_each(|r| r.line += base);
        let offset = self.doc.hierarchy.len();
        for h in &mut hierarchy {
            h.line += base;
            h.parent = h.parent.map(|p| p + offset);
        }
        adopt(&mut self.doc.objects, objects);
        adopt(&mut self.doc.relations, relations);
        adopt(&mut self.doc.hierarchy, hierarchy);
        self.stack = rest.stack;
        self.open = rest.open;
        self.line_at = (rest.line_at.0 + base, rest.line_at.1);
    }

    /// Handles one event; false at the end of the text.
    fn step(&mut self, event: Event<'_>, pos: usize) -> Result<bool, ReadError> {
        match event {
            Event::DocType(_) => {
                return Err(self.error(
                    pos,
                    "a DOCTYPE (DTD) is not accepted: ReqIF has none, and rtm expands no entities"
                        .into(),
                ));
            }
            Event::Start(e) => self.start(&e, pos)?,
            Event::Empty(e) => {
                self.start(&e, pos)?;
                self.end(AsRef::<str>::as_ref(&e.local_name()))?;
            }
            Event::End(e) => {
                if self.outer_ends {
                    let name: &str = e.name().into_inner();
                    let open = self
                        .open
                        .last()
                        .and_then(|&(from, to)| self.text.get(from..to));
                    if open != Some(name) {
                        // What the reader finds reading on from the start.
                        use quick_xml::errors::IllFormedError;
                        let e = match open {
                            Some(expected) => IllFormedError::MismatchedEndTag {
                                expected: expected.to_owned(),
                                found: name.to_owned(),
                            },
                            None => IllFormedError::UnmatchedEndTag(name.to_owned()),
                        };
                        return Err(self.error(pos, quick_xml::Error::IllFormed(e).to_string()));
                    }
                }
                self.end(AsRef::<str>::as_ref(&e.local_name()))?
            }
            Event::Text(t) => self.text(&t.xml10_content()),
            Event::CData(c) => {
                let s: &str = c.as_ref();
                let s = s.to_owned();
                self.text(&s);
            }
            Event::GeneralRef(r) => {
                let name: &str = r.as_ref();
                let c = match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => r
                        .resolve_char_ref()
                        .map_err(|e| self.error(pos, e.to_string()))?,
                };
                match c {
                    Some(c) => self.text(c.encode_utf8(&mut [0; 4])),
                    None => {
                        return Err(self.error(
                            pos,
                            format!(
                                "entity `&{name};` is not defined (rtm expands no entities but XML's own)"
                            ),
                        ));
                    }
                }
            }
            Event::Eof => return Ok(false),
            _ => {}
        }
        Ok(true)
    }

    /// Whether nothing is being read that an element's content could
    /// carry on: the state between two elements of a section.
    fn is_idle(&self) -> bool {
        self.object.is_none()
            && self.relation.is_none()
            && self.value.is_none()
            && self.hier.is_empty()
            && self.enum_value.is_none()
            && self.xhtml.is_none()
            && self.skip.is_none()
    }

    /// A section whose start tag ends at byte `at` read in parallel
    /// pieces, its objects or relations added to the document: where its
    /// end tag starts, for the reader to go on from there. `None` (and
    /// nothing changed) when the section is small or not plain (a
    /// comment, CDATA, a processing instruction, a name with a prefix),
    /// or when a piece is not exactly a run of whole elements that hold
    /// nothing but objects (relations): the reader then reads it itself.
    ///
    /// The rest of the text after the section is read at the same time
    /// ([`rest`]), from the state the section leaves when it is plain:
    /// when the pieces are whole, what it read is added too (the second
    /// value: how many sections it read in pieces), or what it found
    /// wrong is the error, as reading on would find it. When they are
    /// not, it is stopped and what it read dropped.
    fn section(
        &mut self,
        section: Section,
        at: usize,
        chunk: usize,
    ) -> Result<Option<(usize, Option<usize>)>, ReadError> {
        use rayon::prelude::*;
        if !self.is_idle() || self.stack.len() >= self.max_depth {
            return Ok(None);
        }
        let window = chunk.max(MIN_WINDOW);
        let Some(cuts) = cuts(self.text.as_bytes(), at, chunk, window, section) else {
            return Ok(None);
        };
        let end = cuts.last().copied().unwrap_or(at);
        let stack = self.stack.clone();
        let (file, text, max_depth) = (self.doc.file.as_str(), self.text, self.max_depth);
        let stop = Arc::new(AtomicBool::new(false));
        let this = &*self;
        let (pieces, rest) = rayon::join(
            || {
                let pieces: Option<Vec<Piece>> = cuts
                    .par_windows(2)
                    .map(|w| {
                        let (&[from, to], _) = w.split_first_chunk::<2>()?;
                        piece(file, text, from, to, &stack, max_depth, section)
                    })
                    .collect();
                if pieces.is_none() {
                    stop.store(true, Ordering::Relaxed);
                }
                pieces
            },
            || rest(this, end, chunk, &stop),
        );
        let Some(pieces) = pieces else {
            return Ok(None);
        };
        let mut line = self.line(at);
        // Each piece's lines moved in place, then its elements appended
        // to a vector sized once: no element is moved twice.
        let mut parts = Vec::with_capacity(pieces.len());
        for p in pieces {
            let base = line - 1;
            line += p.lines;
            let Doc {
                mut objects,
                mut relations,
                ..
            } = p.doc;
            objects.iter_mut().for_each(|o| o.line += base);
            relations.iter_mut().for_each(|r| r.line += base);
            parts.push((objects, relations));
        }
        let (objects, relations): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
        adopt(&mut self.doc.objects, concat(objects));
        adopt(&mut self.doc.relations, concat(relations));
        self.line_at = (line, end);
        let (rest, n) = rest?;
        self.absorb(rest, line);
        Ok(Some((end, Some(n))))
    }

    /// The line of byte `pos`, counted on from the last one asked for.
    fn line(&mut self, pos: usize) -> usize {
        let (line, at) = self.line_at;
        let pos = pos.min(self.text.len());
        let line = if pos >= at {
            line + count_lines(self.text.as_bytes().get(at..pos).unwrap_or(&[]))
        } else {
            1 + count_lines(self.text.as_bytes().get(..pos).unwrap_or(&[]))
        };
        self.line_at = (line, pos);
        line
    }

    fn error(&self, pos: usize, message: String) -> ReadError {
        let pos = pos.min(self.text.len());
        ReadError::Xml {
            file: self.doc.file.clone(),
            line: 1 + count_lines(self.text.as_bytes().get(..pos).unwrap_or(&[])),
            message,
        }
    }

    fn parent(&self) -> &'static str {
        self.stack.last().copied().unwrap_or("")
    }

    fn start(&mut self, e: &BytesStart<'_>, pos: usize) -> Result<(), ReadError> {
        if self.stack.len() >= self.max_depth {
            return Err(self.error(
                pos,
                format!("elements nested more than {} deep", self.max_depth),
            ));
        }
        // Attributes are checked (a bad one, or an undefined entity in one,
        // is an error), and the ones read below kept, in one pass.
        let mut found = Found::default();
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(pos, err.to_string()))?;
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| self.error(pos, err.to_string()))?;
            let slot = match a.key.local_name().into_inner() {
                "IDENTIFIER" => &mut found.identifier,
                "LONG-NAME" => &mut found.long_name,
                "THE-VALUE" => &mut found.the_value,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        let qname = e.name();
        let qname: &str = qname.as_ref();
        // Where the name is in the text (its address within it), for an
        // end tag read without this start tag to be checked against.
        let at = (qname.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        self.open.push((at, at.wrapping_add(qname.len())));
        let local = e.local_name();
        let name: &str = local.as_ref();
        if let Some((_, md)) = &mut self.xhtml {
            md.start(name, &|n| attr(e, n));
            self.stack.push("");
            return Ok(());
        }
        if self.skip.is_some() {
            self.stack.push("");
            return Ok(());
        }
        let Found {
            identifier,
            long_name,
            the_value,
        } = found;
        let identifier = identifier.map(Cow::into_owned);
        let long_name = long_name.map(Cow::into_owned);
        let parent = self.parent();
        let line = match name {
            "SPEC-OBJECT" | "SPEC-RELATION" | "SPEC-HIERARCHY" => self.line(pos),
            _ => 0,
        };
        match name {
            "THE-VALUE" if self.value.as_ref().is_some_and(|v| v.xhtml) => {
                self.xhtml = Some((self.stack.len(), Markdown::new()));
            }
            "THE-ORIGINAL-VALUE" => self.skip = Some(self.stack.len()),
            "ENUM-VALUE" => {
                if let Some(id) = identifier {
                    self.enum_value = Some((id, long_name));
                }
            }
            "TITLE" if parent == "REQ-IF-HEADER" => {}
            "SPEC-OBJECT-TYPE" | "SPEC-RELATION-TYPE" => {
                if let Some(id) = identifier {
                    let long = long_name.unwrap_or_else(|| id.clone());
                    let map = if name == "SPEC-OBJECT-TYPE" {
                        &mut self.doc.object_types
                    } else {
                        &mut self.doc.relation_types
                    };
                    map.insert(id, long);
                }
            }
            "SPEC-OBJECT" if parent == "SPEC-OBJECTS" => {
                self.object = Some(Object {
                    identifier,
                    line,
                    long_name,
                    type_ref: None,
                    values: Vec::new(),
                });
            }
            "SPEC-RELATION" if parent == "SPEC-RELATIONS" => {
                self.relation = Some(Relation {
                    identifier,
                    line,
                    type_ref: None,
                    source: None,
                    target: None,
                    values: Vec::new(),
                });
            }
            "SPECIFICATION" if parent == "SPECIFICATIONS" => {
                let long = long_name.or(identifier).unwrap_or_default();
                self.doc.specifications.push(long);
            }
            "SPEC-HIERARCHY" => {
                let index = self.doc.hierarchy.len();
                self.doc.hierarchy.push(Hier {
                    identifier,
                    line,
                    parent: self.hier.last().copied(),
                    object: None,
                });
                self.hier.push(index);
            }
            n if n.starts_with("ATTRIBUTE-DEFINITION-") && !n.ends_with("-REF") => {
                if let Some(id) = identifier {
                    let long = long_name.unwrap_or_else(|| id.clone());
                    self.doc.attr_defs.insert(id, long);
                }
            }
            n if n.starts_with("ATTRIBUTE-VALUE-")
                && parent == "VALUES"
                && (self.object.is_some() || self.relation.is_some())
                && self.value.is_none() =>
            {
                self.value = Some(ValueBuilder {
                    def: None,
                    xhtml: n == "ATTRIBUTE-VALUE-XHTML",
                    enumeration: n == "ATTRIBUTE-VALUE-ENUMERATION",
                    plain: the_value.map(Cow::into_owned),
                    markdown: None,
                    enums: Vec::new(),
                });
            }
            _ => {}
        }
        self.buf.clear();
        self.stack.push(parent_name(name));
        Ok(())
    }

    /// An element ends (its name, as the reader checked it against its
    /// start).
    fn end(&mut self, name: &str) -> Result<(), ReadError> {
        self.open.pop();
        if self.stack.pop().is_none() {
            return Ok(());
        }
        if let Some((depth, md)) = &mut self.xhtml {
            if self.stack.len() == *depth {
                if let Some((_, md)) = self.xhtml.take()
                    && let Some(v) = &mut self.value
                {
                    v.markdown = Some(md.finish());
                }
            } else {
                md.end(name);
            }
            return Ok(());
        }
        if let Some(depth) = self.skip {
            if self.stack.len() == depth {
                self.skip = None;
            }
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let text = buf.trim();
        let parent = self.parent();
        match name {
            "TITLE" if parent == "REQ-IF-HEADER" => {
                self.doc.title = Some(text.to_owned()).filter(|t| !t.is_empty());
                self.title_set = true;
            }
            "COMMENT" if parent == "REQ-IF-HEADER" => {
                self.doc.comment = Some(text.to_owned());
            }
            "ENUM-VALUE" => {
                if let Some((id, long)) = self.enum_value.take() {
                    let long = long.unwrap_or_else(|| id.clone());
                    self.doc.enum_values.insert(id, long);
                }
            }
            "SPEC-OBJECT-TYPE-REF" => {
                if let Some(o) = &mut self.object {
                    o.type_ref = Some(intern(&mut self.names, text));
                }
            }
            "SPEC-RELATION-TYPE-REF" => {
                if let Some(r) = &mut self.relation {
                    r.type_ref = Some(intern(&mut self.names, text));
                }
            }
            "SPEC-OBJECT-REF" => match parent {
                "SOURCE" | "TARGET" => {
                    if let Some(r) = &mut self.relation {
                        if parent == "SOURCE" {
                            r.source = Some(text.to_owned());
                        } else {
                            r.target = Some(text.to_owned());
                        }
                    }
                }
                "OBJECT" => {
                    if let Some(h) = self
                        .hier
                        .last()
                        .and_then(|&i| self.doc.hierarchy.get_mut(i))
                    {
                        h.object = Some(text.to_owned());
                    }
                }
                _ => {}
            },
            "ENUM-VALUE-REF" => {
                if let Some(v) = &mut self.value {
                    v.enums.push(text.to_owned());
                }
            }
            n if n.starts_with("ATTRIBUTE-DEFINITION-") && n.ends_with("-REF") => {
                if let Some(v) = &mut self.value {
                    v.def = Some(intern(&mut self.names, text));
                }
            }
            n if n.starts_with("ATTRIBUTE-VALUE-") && parent == "VALUES" => {
                if let Some(v) = self.value.take()
                    && let Some(def) = v.def
                {
                    if let Some(o) = &mut self.object {
                        let val = if v.enumeration {
                            Val::Enum(v.enums)
                        } else if v.xhtml {
                            Val::Xhtml(v.markdown.unwrap_or_default())
                        } else {
                            Val::Plain(v.plain.unwrap_or_default())
                        };
                        o.values.push(AttrValue { def, val });
                    } else if let Some(r) = &mut self.relation {
                        r.values.push(def);
                    }
                }
            }
            "SPEC-OBJECT" if parent == "SPEC-OBJECTS" => {
                if let Some(o) = self.object.take() {
                    self.doc.objects.push(o);
                }
            }
            "SPEC-RELATION" if parent == "SPEC-RELATIONS" => {
                if let Some(r) = self.relation.take() {
                    self.doc.relations.push(r);
                }
            }
            "SPEC-HIERARCHY" => {
                self.hier.pop();
            }
            _ => {}
        }
        // The buffer is kept for the next element's text.
        let mut buf = buf;
        buf.clear();
        self.buf = buf;
        Ok(())
    }

    fn text(&mut self, s: &str) {
        if let Some((_, md)) = &mut self.xhtml {
            md.text(s);
        } else if self.skip.is_none() {
            self.buf.push_str(s);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    /// A document of `n` objects (texts with entities, XHTML, an
    /// enumeration), a relation per object and a hierarchy; `extra` is
    /// put inside the third object's XHTML.
    fn doc(n: usize, extra: &str) -> String {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REQ-IF xmlns=\"http://www.omg.org/spec/ReqIF/20110401/reqif.xsd\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n<THE-HEADER><REQ-IF-HEADER IDENTIFIER=\"h\"><TITLE>T &amp; t</TITLE></REQ-IF-HEADER></THE-HEADER>\n<CORE-CONTENT><REQ-IF-CONTENT>\n<SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER=\"ty\" LONG-NAME=\"requirement\"/><SPEC-RELATION-TYPE IDENTIFIER=\"rt\" LONG-NAME=\"refines\"/></SPEC-TYPES>\n<SPEC-OBJECTS>\n",
        );
        for i in 0..n {
            let x = if i == 3 { extra } else { "" };
            s.push_str(&format!(
                "<SPEC-OBJECT IDENTIFIER=\"o{i}\" LONG-NAME=\"a &lt; b &#233; {i}\">\n<VALUES>\n<ATTRIBUTE-VALUE-STRING THE-VALUE=\"R-{i}\"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>d-id</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING>\n<ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>d-text</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>\n<THE-VALUE><xhtml:div><xhtml:p>text {i} &amp; more{x}</xhtml:p>\n<xhtml:p>two</xhtml:p></xhtml:div></THE-VALUE></ATTRIBUTE-VALUE-XHTML>\n<ATTRIBUTE-VALUE-ENUMERATION><DEFINITION><ATTRIBUTE-DEFINITION-ENUMERATION-REF>d-e</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION><VALUES><ENUM-VALUE-REF>e1</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION>\n</VALUES>\n<TYPE><SPEC-OBJECT-TYPE-REF>ty</SPEC-OBJECT-TYPE-REF></TYPE>\n</SPEC-OBJECT>\n"
            ));
        }
        s.push_str("</SPEC-OBJECTS>\n<SPEC-RELATIONS>\n");
        for i in 1..n {
            s.push_str(&format!(
                "<SPEC-RELATION IDENTIFIER=\"r{i}\">\n<SOURCE><SPEC-OBJECT-REF>o{i}</SPEC-OBJECT-REF></SOURCE>\n<TARGET><SPEC-OBJECT-REF>o{}</SPEC-OBJECT-REF></TARGET>\n<TYPE><SPEC-RELATION-TYPE-REF>rt</SPEC-RELATION-TYPE-REF></TYPE>\n</SPEC-RELATION>\n",
                i - 1
            ));
        }
        s.push_str(
            "</SPEC-RELATIONS>\n<SPECIFICATIONS><SPECIFICATION IDENTIFIER=\"s\"><CHILDREN>\n",
        );
        for i in 0..n {
            s.push_str(&format!(
                "<SPEC-HIERARCHY IDENTIFIER=\"h{i}\"><OBJECT><SPEC-OBJECT-REF>o{i}</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>\n"
            ));
        }
        s.push_str("</CHILDREN></SPECIFICATION></SPECIFICATIONS>\n</REQ-IF-CONTENT></CORE-CONTENT>\n</REQ-IF>\n");
        s
    }

    /// Reads `text` in one pass and in pieces of `chunk` bytes: the same
    /// document (or the same error) either way; how many sections were
    /// read in pieces.
    fn both(text: &str, chunk: usize) -> usize {
        let one = run("f.reqif", text, 64, None);
        let many = parse_with("f.reqif", text.as_bytes(), 64, chunk);
        match (one, many) {
            (Ok((a, _)), Ok(b)) => {
                assert_eq!(format!("{:?}", a.objects), format!("{:?}", b.objects));
                assert_eq!(format!("{:?}", a.relations), format!("{:?}", b.relations));
                assert_eq!(format!("{:?}", a.hierarchy), format!("{:?}", b.hierarchy));
                assert_eq!(a.title, b.title);
                assert_eq!(a.attr_defs, b.attr_defs);
                assert_eq!(a.enum_values, b.enum_values);
                assert_eq!(a.object_types, b.object_types);
                assert_eq!(a.relation_types, b.relation_types);
                assert_eq!(a.specifications, b.specifications);
                assert!(!a.objects.is_empty());
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!(
                "one pass: {:?}; in pieces: {:?}",
                a.map(|d| d.0.objects.len()),
                b.map(|d| d.objects.len())
            ),
        }
        run("f.reqif", text, 64, Some(chunk)).map_or(0, |(_, n)| n)
    }

    #[test]
    fn line_breaks_are_counted_in_runs() {
        let mut text = Vec::new();
        for i in 0..2000usize {
            text.extend(std::iter::repeat_n(b'\n', i % 300));
            text.extend(std::iter::repeat_n(b'x', i % 7));
        }
        for end in [0, 1, 254, 255, 256, 1000, text.len()] {
            let part = text.get(..end).unwrap();
            let want = part.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(count_lines(part), want, "{end}");
        }
    }

    #[test]
    fn sections_read_in_pieces_give_what_one_pass_gives() {
        let text = doc(40, "");
        for chunk in [100, 700, 3000, 1 << 20] {
            let sections = both(&text, chunk);
            assert_eq!(sections, if chunk < 1 << 20 { 2 } else { 0 }, "{chunk}");
        }
        // The lines of objects and relations are those of the document.
        let (d, n) = run("f.reqif", &text, 64, Some(200)).unwrap();
        assert_eq!(n, 2);
        let o = d.objects.get(7).unwrap();
        let want = 1 + text
            .get(..text.find("<SPEC-OBJECT IDENTIFIER=\"o7\"").unwrap())
            .unwrap()
            .matches('\n')
            .count();
        assert_eq!(o.line, want);
        let r = d.relations.get(5).unwrap();
        let want = 1 + text
            .get(..text.find("<SPEC-RELATION IDENTIFIER=\"r6\"").unwrap())
            .unwrap()
            .matches('\n')
            .count();
        assert_eq!(r.line, want);
    }

    #[test]
    fn an_element_larger_than_the_window_ends_the_cutting() {
        // Object 3 holds more than the window: no cut is looked for past
        // it, and the rest of the section is the last piece.
        let big = "y".repeat(MIN_WINDOW * 2);
        let text = doc(40, &big);
        assert_eq!(both(&text, 300), 2);
        let at = text.find("<SPEC-OBJECTS>\n").unwrap() + "<SPEC-OBJECTS>".len();
        let end = text.find("</SPEC-OBJECTS>").unwrap();
        let cut = cuts(text.as_bytes(), at, 300, 1000, Section::Objects).unwrap();
        let big_at = text.find(&big).unwrap();
        assert_eq!(cut.last(), Some(&end));
        assert!(cut.len() >= 3, "{cut:?}");
        assert!(cut.iter().rev().nth(1).is_some_and(|&c| c < big_at));
        // A small window still cuts the whole section when its elements
        // fit in it.
        let text = doc(40, "");
        let at = text.find("<SPEC-OBJECTS>\n").unwrap() + "<SPEC-OBJECTS>".len();
        let end = text.find("</SPEC-OBJECTS>").unwrap();
        let cut = cuts(text.as_bytes(), at, 300, 1000, Section::Objects).unwrap();
        assert_eq!(cut.last(), Some(&end));
        assert!(cut.len() > 20, "{cut:?}");
        assert!(cut.windows(2).all(|w| w.first() < w.get(1)));
    }

    #[test]
    fn an_end_tag_before_the_last_cut_is_found_and_the_section_read_in_one_pass() {
        // Two SPEC-OBJECTS sections back to back: cuts go past the first
        // one's end tag, and the piece holding it is refused.
        let text = doc(40, "").replacen(
            "<SPEC-OBJECT IDENTIFIER=\"o20\"",
            "</SPEC-OBJECTS>\n<SPEC-OBJECTS>\n<SPEC-OBJECT IDENTIFIER=\"o20\"",
            1,
        );
        let at = text.find("<SPEC-OBJECTS>\n").unwrap() + "<SPEC-OBJECTS>".len();
        let first_end = text.find("</SPEC-OBJECTS>").unwrap();
        let cut = cuts(text.as_bytes(), at, 300, 1000, Section::Objects).unwrap();
        assert!(cut.last().is_some_and(|&e| e > first_end), "{cut:?}");
        for chunk in [100, 300, 700, 3000] {
            both(&text, chunk);
        }
        let (d, _) = run("f.reqif", &text, 64, Some(300)).unwrap();
        assert_eq!(d.objects.len(), 40);
        // And an end tag with no element after it: the section is not cut.
        let text = doc(2, "");
        let at = text.find("<SPEC-OBJECTS>\n").unwrap() + "<SPEC-OBJECTS>".len();
        assert_eq!(
            cuts(text.as_bytes(), at, 1 << 20, 1000, Section::Objects),
            None
        );
        let none = text.replace("</SPEC-OBJECTS>", "");
        assert_eq!(cuts(none.as_bytes(), at, 300, 1000, Section::Objects), None);
    }

    #[test]
    fn a_section_that_is_not_plain_is_read_in_one_pass() {
        for extra in [
            "<!-- </SPEC-OBJECTS> -->",
            "<![CDATA[ <SPEC-OBJECT IDENTIFIER=\"x\"> ]]>",
            "<?pi <SPEC-OBJECT ?>",
        ] {
            assert_eq!(both(&doc(40, extra), 300), 1, "{extra}");
        }
    }

    #[test]
    fn a_cut_inside_an_element_is_found_and_the_section_read_in_one_pass() {
        // A SPEC-OBJECT start tag inside XHTML, and every piece size: a
        // cut there leaves pieces that are not whole elements.
        let extra = "<SPEC-OBJECT IDENTIFIER=\"inner\">x</SPEC-OBJECT>";
        let text = doc(12, extra);
        let at = text.find(extra).unwrap();
        let start = text.find("<SPEC-OBJECTS>").unwrap();
        let mut fell_back = false;
        for chunk in 50..400 {
            let n = both(&text, chunk);
            fell_back |= n == 1;
        }
        assert!(fell_back, "no cut fell at {at} (section at {start})");
    }

    #[test]
    fn the_rest_read_with_a_section_gives_what_one_pass_gives() {
        // A specification before the objects and one after (hierarchy
        // indices moved), the header's title read after them.
        let text = doc(40, "")
            .replace(
                "<SPEC-OBJECTS>\n",
                "<SPECIFICATIONS><SPECIFICATION IDENTIFIER=\"s0\"><CHILDREN>\n<SPEC-HIERARCHY IDENTIFIER=\"g0\"><OBJECT><SPEC-OBJECT-REF>o1</SPEC-OBJECT-REF></OBJECT><CHILDREN><SPEC-HIERARCHY IDENTIFIER=\"g1\"><OBJECT><SPEC-OBJECT-REF>o2</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN></SPEC-HIERARCHY>\n</CHILDREN></SPECIFICATION></SPECIFICATIONS>\n<SPEC-OBJECTS>\n",
            )
            .replace(
                "</CHILDREN></SPECIFICATION></SPECIFICATIONS>\n</REQ-IF-CONTENT>",
                "<SPEC-HIERARCHY IDENTIFIER=\"g2\"><OBJECT><SPEC-OBJECT-REF>o3</SPEC-OBJECT-REF></OBJECT><CHILDREN>\n<SPEC-HIERARCHY IDENTIFIER=\"g3\"><OBJECT><SPEC-OBJECT-REF>o4</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN></SPEC-HIERARCHY>\n</CHILDREN></SPECIFICATION></SPECIFICATIONS>\n</REQ-IF-CONTENT>",
            )
            .replace(
                "</CORE-CONTENT>\n",
                "</CORE-CONTENT>\n<THE-HEADER><REQ-IF-HEADER IDENTIFIER=\"h2\"><TITLE>Later</TITLE></REQ-IF-HEADER></THE-HEADER>\n",
            );
        for chunk in [100, 700, 3000] {
            assert_eq!(both(&text, chunk), 2, "{chunk}");
        }
        let (d, _) = run("f.reqif", &text, 64, Some(300)).unwrap();
        assert_eq!(d.title.as_deref(), Some("Later"));
        assert_eq!(d.specifications.len(), 2);
        let h = |id: &str| {
            d.hierarchy
                .iter()
                .position(|h| h.identifier.as_deref() == Some(id))
                .unwrap()
        };
        let g3 = d.hierarchy.get(h("g3")).unwrap();
        assert_eq!(g3.parent, Some(h("g2")));
        assert_eq!(d.hierarchy.get(h("g1")).unwrap().parent, Some(h("g0")));
        let want = 1 + text
            .get(..text.find("<SPEC-HIERARCHY IDENTIFIER=\"g3\"").unwrap())
            .unwrap()
            .matches('\n')
            .count();
        assert_eq!(g3.line, want);
    }

    #[test]
    fn errors_after_a_section_are_those_of_one_pass() {
        let text = doc(40, "");
        for (from, to) in [
            // An end tag that closes an element opened before the section.
            ("</REQ-IF-CONTENT>", "</REQ-IF-CONTENTS>"),
            ("</REQ-IF>\n", "</REQ-IF>\n</REQ-IF>\n"),
            ("</REQ-IF>\n", ""),
            (
                "<SPEC-HIERARCHY IDENTIFIER=\"h7\">",
                "<SPEC-HIERARCHY IDENTIFIER=\"h7\" X=\"&bogus;\">",
            ),
            (
                "<SPEC-OBJECT-REF>o9</SPEC-OBJECT-REF></OBJECT>",
                "<SPEC-OBJECT-REF>o9</OBJECT>",
            ),
            ("</SPEC-RELATIONS>", "</SPEC-RELATIONS><!DOCTYPE x>"),
        ] {
            assert_eq!(text.matches(from).count(), 1, "{from}");
            let bad = text.replace(from, to);
            let err = run("f.reqif", &bad, 64, None).unwrap_err().to_string();
            both(&bad, 300);
            let many = parse_with("f.reqif", bad.as_bytes(), 64, 300)
                .unwrap_err()
                .to_string();
            assert_eq!(many, err);
        }
        // Deeper than the limit after the section.
        let deep = "<X>".repeat(70) + &"</X>".repeat(70);
        both(
            &text.replace("</CORE-CONTENT>", &format!("{deep}</CORE-CONTENT>")),
            300,
        );
    }

    #[test]
    fn errors_inside_a_section_are_those_of_one_pass() {
        for extra in [
            "</xhtml:p>",
            "<xhtml:b>",
            "&bogus;",
            "&#0;",
            "<xhtml:a b=\"1\" b=\"2\"/>",
        ] {
            let text = doc(40, extra);
            assert!(run("f.reqif", &text, 64, None).is_err(), "{extra}");
            both(&text, 300);
        }
        // Nesting deeper than the limit inside a piece.
        let deep = "<xhtml:b>".repeat(70) + &"</xhtml:b>".repeat(70);
        both(&doc(40, &deep), 300);
    }
}
