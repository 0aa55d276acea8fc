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
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::Xml {
        file: file.to_owned(),
        line: line_at(bytes, e.valid_up_to()),
        message: "not UTF-8 text".into(),
    })?;
    let mut st = State {
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
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut saw_root = false;
    loop {
        let pos = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| st.error(pos, e.to_string()))?;
        match event {
            Event::DocType(_) => {
                return Err(st.error(
                    pos,
                    "a DOCTYPE (DTD) is not accepted: ReqIF has none, and rtm expands no entities"
                        .into(),
                ));
            }
            Event::Start(e) => {
                saw_root = true;
                st.start(&e, pos)?;
            }
            Event::Empty(e) => {
                saw_root = true;
                st.start(&e, pos)?;
                st.end(AsRef::<str>::as_ref(&e.local_name()))?;
            }
            Event::End(e) => st.end(AsRef::<str>::as_ref(&e.local_name()))?,
            Event::Text(t) => st.text(&t.xml10_content()),
            Event::CData(c) => {
                let s: &str = c.as_ref();
                let s = s.to_owned();
                st.text(&s);
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
                        .map_err(|e| st.error(pos, e.to_string()))?,
                };
                match c {
                    Some(c) => st.text(c.encode_utf8(&mut [0; 4])),
                    None => {
                        return Err(st.error(
                            pos,
                            format!(
                                "entity `&{name};` is not defined (rtm expands no entities but XML's own)"
                            ),
                        ));
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err(st.error(0, "no XML element: not a ReqIF document".into()));
    }
    if !st.stack.is_empty() {
        return Err(st.error(text.len(), "the document ends inside an element".into()));
    }
    Ok(st.doc)
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

fn count_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

impl State<'_> {
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
