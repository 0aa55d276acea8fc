//! Reading one `.reqif` document, as a stream of XML events (quick-xml),
//! into the parts the importer needs. No DTD is accepted and no entity is
//! expanded but XML's five and character references; nesting is bounded.

use std::collections::HashMap;
use std::sync::Arc;

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
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    // Bytes of the text the reader was moved past (sections read in
    // parallel): positions in the text are the reader's plus this.
    let mut skipped = 0usize;
    let mut sections = 0;
    let mut saw_root = false;
    loop {
        let pos = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .saturating_add(skipped);
        let event = reader
            .read_event()
            .map_err(|e| st.error(pos, e.to_string()))?;
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
        if !st.step(event, pos)? {
            break;
        }
        if let (Some(section), Some(chunk)) = (section, chunk) {
            let at = usize::try_from(reader.buffer_position())
                .unwrap_or(usize::MAX)
                .saturating_add(skipped);
            if let Some(end) = st.section(section, at, chunk) {
                let rest = text.as_bytes().get(end..).unwrap_or(&[]);
                *reader.get_mut() = rest;
                skipped = skipped.saturating_add(end - at);
                sections += 1;
            }
        }
    }
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

/// Where, from `from` on, the next start tag of `element` begins (the
/// name followed by a space, `>` or `/`, so that `<SPEC-OBJECT-REF` is
/// not one).
fn next_start(text: &[u8], from: usize, element: &[u8]) -> Option<usize> {
    let mut at = from;
    loop {
        let rest = text.get(at..)?;
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

fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        + 1
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

impl State<'_> {
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
            Event::End(e) => self.end(AsRef::<str>::as_ref(&e.local_name()))?,
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
    fn section(&mut self, section: Section, at: usize, chunk: usize) -> Option<usize> {
        use rayon::prelude::*;
        if !self.is_idle() || self.stack.len() >= self.max_depth {
            return None;
        }
        let bytes = self.text.as_bytes();
        let end = at + memchr::memmem::find(bytes.get(at..)?, section.end_tag().as_bytes())?;
        let body = bytes.get(at..end)?;
        if body.len() <= chunk
            || memchr::memmem::find(body, b"<!").is_some()
            || memchr::memmem::find(body, b"<?").is_some()
        {
            return None;
        }
        // Cut before an element's start tag about every `chunk` bytes.
        let mut cuts = vec![at];
        let mut from = at;
        while let Some(next) =
            next_start(bytes, from.saturating_add(chunk), section.element()).filter(|&n| n < end)
        {
            cuts.push(next);
            from = next;
        }
        cuts.push(end);
        let stack = self.stack.clone();
        let (file, text, max_depth) = (self.doc.file.as_str(), self.text, self.max_depth);
        let pieces: Vec<Option<Piece>> = cuts
            .par_windows(2)
            .map(|w| {
                let (&[from, to], _) = w.split_first_chunk::<2>()?;
                piece(file, text, from, to, &stack, max_depth, section)
            })
            .collect();
        let pieces: Vec<Piece> = pieces.into_iter().collect::<Option<_>>()?;
        let mut line = self.line(at);
        for p in pieces {
            let base = line - 1;
            if section == Section::Objects {
                self.doc
                    .objects
                    .extend(p.doc.objects.into_iter().map(|mut o| {
                        o.line += base;
                        o
                    }));
            } else {
                self.doc
                    .relations
                    .extend(p.doc.relations.into_iter().map(|mut r| {
                        r.line += base;
                        r
                    }));
            }
            line += p.lines;
        }
        self.line_at = (line, end);
        Some(end)
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
        // is an error) only where they are read.
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(pos, err.to_string()))?;
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| self.error(pos, err.to_string()))?;
        }
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
                if let Some(id) = attr(e, "IDENTIFIER") {
                    self.enum_value = Some((id, attr(e, "LONG-NAME")));
                }
            }
            "TITLE" if parent == "REQ-IF-HEADER" => {}
            "SPEC-OBJECT-TYPE" | "SPEC-RELATION-TYPE" => {
                if let Some(id) = attr(e, "IDENTIFIER") {
                    let long = attr(e, "LONG-NAME").unwrap_or_else(|| id.clone());
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
                    identifier: attr(e, "IDENTIFIER"),
                    line,
                    long_name: attr(e, "LONG-NAME"),
                    type_ref: None,
                    values: Vec::new(),
                });
            }
            "SPEC-RELATION" if parent == "SPEC-RELATIONS" => {
                self.relation = Some(Relation {
                    identifier: attr(e, "IDENTIFIER"),
                    line,
                    type_ref: None,
                    source: None,
                    target: None,
                });
            }
            "SPECIFICATION" if parent == "SPECIFICATIONS" => {
                let long = attr(e, "LONG-NAME")
                    .or_else(|| attr(e, "IDENTIFIER"))
                    .unwrap_or_default();
                self.doc.specifications.push(long);
            }
            "SPEC-HIERARCHY" => {
                let index = self.doc.hierarchy.len();
                self.doc.hierarchy.push(Hier {
                    identifier: attr(e, "IDENTIFIER"),
                    line,
                    parent: self.hier.last().copied(),
                    object: None,
                });
                self.hier.push(index);
            }
            n if n.starts_with("ATTRIBUTE-DEFINITION-") && !n.ends_with("-REF") => {
                if let Some(id) = attr(e, "IDENTIFIER") {
                    let long = attr(e, "LONG-NAME").unwrap_or_else(|| id.clone());
                    self.doc.attr_defs.insert(id, long);
                }
            }
            n if n.starts_with("ATTRIBUTE-VALUE-")
                && parent == "VALUES"
                && self.object.is_some()
                && self.value.is_none() =>
            {
                self.value = Some(ValueBuilder {
                    def: None,
                    xhtml: n == "ATTRIBUTE-VALUE-XHTML",
                    enumeration: n == "ATTRIBUTE-VALUE-ENUMERATION",
                    plain: attr(e, "THE-VALUE"),
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
                if let (Some(v), Some(o)) = (self.value.take(), &mut self.object)
                    && let Some(def) = v.def
                {
                    let val = if v.enumeration {
                        Val::Enum(v.enums)
                    } else if v.xhtml {
                        Val::Xhtml(v.markdown.unwrap_or_default())
                    } else {
                        Val::Plain(v.plain.unwrap_or_default())
                    };
                    o.values.push(AttrValue { def, val });
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
