//! A view of a tree to one ReqIF document (INTERCHANGE §3, export).
//!
//! One SPEC-OBJECT-TYPE per kind; `ReqIF.ForeignID` (the id), `ReqIF.Name`
//! (the title) and `ReqIF.Text` (the Markdown text, one XHTML paragraph per
//! paragraph); enumerations for `status`, `category` and `stage`; every
//! other field as a string (a table or an array as inline TOML); a
//! SPEC-RELATION-TYPE per link field; one SPECIFICATION holding the theme →
//! business → entry hierarchy (each node once, under its first parent,
//! nested at most [`MAX_HIERARCHY_DEPTH`] deep).
//! IDENTIFIERs are stable: a node's `reqif_id`, else `rtm-` and its id.
//! Each element starts a line of its own, not indented: indenting made a
//! large document 15% larger, and no tool needs it.

use std::fmt::Write as _;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::interchange::tables::{FileTables, NodeTables, file_tables};
use crate::model::{Category, Kind, LinkField, Node, Stage, Status};
use crate::source::FileId;
use crate::spec::{self, Ty};
use crate::view::View;

use super::xhtml::RTM_CLASS;

/// The line of the header's COMMENT that states the level of a node that
/// names no classification (the project's default, FORMAT §10), so that an
/// import keeps it.
const DEFAULT_LINE: &str = "Default classification: ";

/// The line of the header's COMMENT that states the project's variants,
/// in order, as a TOML array, so that an import into a new tree keeps
/// them.
const VARIANTS_LINE: &str = "Variants: ";

/// The variants a header COMMENT states.
pub fn stated_variants(comment: &str) -> Option<Vec<String>> {
    comment
        .lines()
        .find_map(|l| l.trim().strip_prefix(VARIANTS_LINE))
        .and_then(crate::interchange::parse_variants)
}

/// The level a header COMMENT states for nodes that name none.
pub fn stated_default(comment: &str) -> Option<crate::model::Classification> {
    comment
        .lines()
        .find_map(|l| l.trim().strip_prefix(DEFAULT_LINE))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(crate::model::Classification::parse_level)
}

/// The time written as CREATION-TIME and LAST-CHANGE when no date is
/// given: fixed, so that the same tree exports the same bytes.
const FIXED_TIME: &str = "2000-01-01T00:00:00Z";

const LINKS: &[(LinkField, &str)] = &[
    (LinkField::Themes, "themes"),
    (LinkField::Satisfies, "satisfies"),
    (LinkField::Refines, "refines"),
    (LinkField::Sec, "sec"),
];

/// The IDENTIFIER a node with this id gets when it has no `reqif_id`:
/// `rtm-` and the id, every character an `xs:ID` may not hold written as
/// `_xHH_`.
pub fn identifier_for(id: &str) -> String {
    let mut out = String::with_capacity(id.len() + 4);
    out.push_str("rtm-");
    for c in id.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else {
            let _ = write!(out, "_x{:x}_", u32::from(c));
        }
    }
    out
}

/// Whether `s` is an `xs:ID` (an NCName; ASCII only, to be safe with
/// every tool).
fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

use crate::escape::{xml_data as esc, xml_data_into as esc_into};

#[derive(Default)]
struct Ids {
    used: FxHashSet<String>,
    /// For an identifier wanted again, the suffix to try next: each
    /// repeat starts where the last one stopped (counting from 2 every
    /// time made 20,000 repeats of one link take half a minute). The
    /// suffixes below it are all taken, and stay taken.
    next: FxHashMap<String, u64>,
}

impl Ids {
    fn unique(&mut self, want: String) -> String {
        if !self.used.contains(&want) {
            self.used.insert(want.clone());
            return want;
        }
        let mut k = self.next.get(&want).copied().unwrap_or(2);
        loop {
            let id = format!("{want}-{k}");
            if !self.used.contains(&id) {
                self.used.insert(id.clone());
                self.next.insert(want, k + 1);
                return id;
            }
            k += 1;
        }
    }

    /// [`Ids::unique`], appended to `out` (no copy when `want` is free).
    fn push_unique(&mut self, out: &mut Out, want: String) {
        if self.used.contains(&want) {
            let id = self.unique(want);
            out.push_str(&id);
        } else {
            out.push_str(&want);
            self.used.insert(want);
        }
    }
}

/// Options of an export.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The date written as CREATION-TIME and LAST-CHANGE (`YYYY-MM-DD`);
    /// a fixed one when `None`.
    pub date: Option<String>,
}

/// The fields written as attributes of a kind (beyond ForeignID, Name and
/// Text): every field but `id`, `title`, `text`, links and `reqif_id`.
fn attribute_fields(kind: Kind) -> impl Iterator<Item = &'static spec::Field> {
    spec::fields(kind).filter(|f| {
        !matches!(f.name, "id" | "title" | "text" | "reqif_id") && !matches!(f.ty, Ty::Ids(_))
    })
}

fn enum_names(field: &str) -> Option<&'static [&'static str]> {
    match field {
        "status" => Some(Status::NAMES),
        "category" => Some(Category::NAMES),
        "stage" => Some(Stage::NAMES),
        _ => None,
    }
}

/// Where the document goes: a buffer handed to the writer every MiB, so
/// that a large tree is never held whole in memory. The writer is a
/// thread of its own: the document is written while the next part of it
/// is made (or, when rtm works alone, this thread).
struct Out<'s> {
    buf: String,
    to: To<'s>,
}

/// Who writes what [`Out`] hands over.
enum To<'s> {
    /// The writer's thread, which gives back the buffers it wrote, to be
    /// filled again (fresh memory costs the kernel zeroing it).
    Writer {
        parts: std::sync::mpsc::SyncSender<Vec<String>>,
        spare: std::sync::mpsc::Receiver<String>,
    },
    /// This thread, into the sink; the first error.
    Here {
        sink: &'s mut (dyn std::io::Write + Send),
        result: std::io::Result<()>,
    },
}

/// Bytes of [`Out`]'s buffer before it is handed to the writer.
const OUT_BUFFER: usize = 1 << 20;

impl Out<'_> {
    fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        if self.buf.len() >= OUT_BUFFER {
            self.flush();
        }
    }

    /// Hands over what is buffered, then `parts`, in this order.
    fn push_parts(&mut self, parts: Vec<String>) {
        self.flush();
        match &mut self.to {
            // A send fails only when the writer is gone; its error is
            // reported when it is joined.
            To::Writer { parts: to, .. } => {
                let _ = to.send(parts);
            }
            To::Here { sink, result } => {
                for part in parts {
                    write_part(*sink, result, &part);
                }
            }
        }
    }

    /// A buffer to fill: one the writer gave back, or a new one.
    fn spare(&self, capacity: usize) -> String {
        let given_back = match &self.to {
            To::Writer { spare, .. } => spare.try_recv().ok(),
            To::Here { .. } => None,
        };
        reuse(given_back, capacity)
    }

    /// `n` buffers to fill (see [`Out::spare`]).
    fn spares(&self, n: usize, capacity: usize) -> Vec<String> {
        (0..n).map(|_| self.spare(capacity)).collect()
    }

    fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        match &mut self.to {
            To::Writer { parts, spare } => {
                let next = reuse(spare.try_recv().ok(), 2 * OUT_BUFFER);
                let full = std::mem::replace(&mut self.buf, next);
                let _ = parts.send(vec![full]);
            }
            To::Here { sink, result } => {
                write_part(*sink, result, &self.buf);
                self.buf.clear();
            }
        }
    }
}

/// `given` emptied and made room in, or a new buffer of `capacity`.
fn reuse(given: Option<String>, capacity: usize) -> String {
    match given {
        Some(mut s) => {
            s.clear();
            s.reserve(capacity);
            s
        }
        None => String::with_capacity(capacity),
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// Writes `part` into `sink` unless an earlier part failed; keeps the
/// first error.
fn write_part(
    sink: &mut (dyn std::io::Write + Send),
    result: &mut std::io::Result<()>,
    part: &str,
) {
    if result.is_ok()
        && let Err(e) = sink.write_all(part.as_bytes())
    {
        *result = Err(e);
    }
}

/// Writes every part it receives into `sink`, in order, until the sender
/// is dropped; keeps the first error.
fn writer(
    sink: &mut (dyn std::io::Write + Send),
    parts: std::sync::mpsc::Receiver<Vec<String>>,
    spare: std::sync::mpsc::SyncSender<String>,
) -> std::io::Result<()> {
    let mut result = Ok(());
    for batch in parts {
        for part in batch {
            write_part(sink, &mut result, &part);
            // Kept only while the maker has room for it; else dropped.
            let _ = spare.try_send(part);
        }
    }
    result
}

/// Exports what a view shows as one ReqIF document.
pub fn export(view: &View<'_>, options: &Options) -> String {
    export_with(view, options, None)
}

/// [`export`], taking each file's fields from `kept` when it holds them
/// ([`kept_fields`]) instead of parsing the file again.
pub fn export_with(view: &View<'_>, options: &Options, kept: Option<&KeptFields>) -> String {
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = export_to(view, options, kept, &mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`export`], written to `sink` as it is made (by a thread of its own,
/// while the rest is made).
pub fn export_to(
    view: &View<'_>,
    options: &Options,
    kept: Option<&KeptFields>,
    sink: &mut (dyn std::io::Write + Send),
) -> std::io::Result<()> {
    // The sink goes to the writer's thread, or stays here when that thread
    // is not made.
    let sink = std::sync::Mutex::new(Some(sink));
    let take = || sink.lock().ok().and_then(|mut s| s.take());
    std::thread::scope(|scope| {
        // One batch of parts waits while another is written: the writer
        // seldom waits, and memory holds little of the document. The
        // buffers given back are about a batch's worth.
        let (to_writer, parts) = std::sync::mpsc::sync_channel(1);
        let (give_back, spare) = std::sync::mpsc::sync_channel(40);
        let written = if crate::threads::alone() {
            None
        } else {
            std::thread::Builder::new()
                .spawn_scoped(scope, move || match take() {
                    Some(sink) => writer(sink, parts, give_back),
                    None => Ok(()),
                })
                .ok()
        };
        let buf = String::with_capacity(2 * OUT_BUFFER);
        let Some(written) = written else {
            let sink = take().ok_or_else(|| std::io::Error::other("the writer stopped"))?;
            let mut out = Out {
                buf,
                to: To::Here {
                    sink,
                    result: Ok(()),
                },
            };
            document(view, options, kept, &mut out);
            out.flush();
            return match out.to {
                To::Here { result, .. } => result,
                To::Writer { .. } => Ok(()),
            };
        };
        let mut out = Out {
            buf,
            to: To::Writer {
                parts: to_writer,
                spare,
            },
        };
        document(view, options, kept, &mut out);
        out.flush();
        drop(out);
        written
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writer stopped")))
    })
}

/// The whole document, into `out`.
fn document(view: &View<'_>, options: &Options, kept: Option<&KeptFields>, out: &mut Out) {
    let checked = &view.checked;
    let nodes = &checked.model.nodes;
    let time = options
        .date
        .as_deref()
        .map_or_else(|| FIXED_TIME.to_owned(), |d| format!("{d}T00:00:00Z"));
    let mut ids = Ids::default();
    // Fixed identifiers first, so that no object's can take one.
    for k in Kind::ALL {
        ids.used.insert(format!("rtm-type-{k}"));
        for f in attribute_fields(*k) {
            ids.used.insert(format!("rtm-{k}-{}", f.name));
        }
        for a in ["ReqIF.ForeignID", "ReqIF.Name", "ReqIF.Text"] {
            ids.used.insert(format!("rtm-{k}-{a}"));
        }
    }
    for (_, f) in LINKS {
        ids.used.insert(format!("rtm-relation-{f}"));
    }
    for f in ["status", "category", "stage"] {
        ids.used.insert(format!("rtm-enum-{f}"));
        for v in enum_names(f).unwrap_or(&[]) {
            ids.used.insert(format!("rtm-enum-{f}-{v}"));
        }
    }
    for s in [
        "rtm-header",
        "rtm-string",
        "rtm-xhtml",
        "rtm-specification",
        "rtm-specification-type",
    ] {
        ids.used.insert(s.to_owned());
    }
    let mut index: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, n) in nodes.iter().enumerate() {
        index.entry(n.id.as_str()).or_insert(i);
    }
    let dangling = Dangling::new(view, &index);
    for &(k, f) in &dangling.declared {
        ids.used
            .insert(format!("rtm-{k}-{DANGLING}{}", field_name(f)));
    }
    let idents: Vec<String> = nodes
        .iter()
        .map(|n| {
            let want = n
                .reqif_id()
                .map(crate::source::Str::as_str)
                .filter(|r| is_ncname(r))
                .map(str::to_owned)
                .unwrap_or_else(|| identifier_for(&n.id));
            ids.unique(want)
        })
        .collect();

    let x = out;
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<REQ-IF xmlns=\"http://www.omg.org/spec/ReqIF/20110401/reqif.xsd\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n");
    let title = checked
        .config
        .project
        .name
        .clone()
        .unwrap_or_else(|| "rtm requirement tree".into());
    // The document's own classification and what it withholds (FORMAT
    // §10), where a ReqIF tool shows a file's description.
    let mut comment = format!(
        "Classification: {}\nWithheld: {}\n{DEFAULT_LINE}{} (a node's level when it names none)",
        view.labels().label(view.document_level()),
        crate::interchange::export::withheld(view, false),
        view.default_level(),
    );
    let variants = &checked.config.project.variants;
    if !variants.is_empty() {
        let _ = write!(
            comment,
            "\n{VARIANTS_LINE}{}",
            crate::interchange::variants_text(variants)
        );
    }
    let _ = write!(
        x,
        "<THE-HEADER>\n<REQ-IF-HEADER IDENTIFIER=\"rtm-header\">\n<COMMENT>{}</COMMENT>\n<CREATION-TIME>{time}</CREATION-TIME>\n<REQ-IF-TOOL-ID>rtm</REQ-IF-TOOL-ID>\n<REQ-IF-VERSION>1.0</REQ-IF-VERSION>\n<SOURCE-TOOL-ID>rtm {}</SOURCE-TOOL-ID>\n<TITLE>{}</TITLE>\n</REQ-IF-HEADER>\n</THE-HEADER>\n",
        esc(&comment),
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    x.push_str("<CORE-CONTENT>\n<REQ-IF-CONTENT>\n<DATATYPES>\n");
    let _ = writeln!(
        x,
        "<DATATYPE-DEFINITION-STRING IDENTIFIER=\"rtm-string\" LAST-CHANGE=\"{time}\" LONG-NAME=\"String\" MAX-LENGTH=\"1000000000\"/>"
    );
    let _ = writeln!(
        x,
        "<DATATYPE-DEFINITION-XHTML IDENTIFIER=\"rtm-xhtml\" LAST-CHANGE=\"{time}\" LONG-NAME=\"XHTML\"/>"
    );
    for f in ["category", "stage", "status"] {
        let _ = writeln!(
            x,
            "<DATATYPE-DEFINITION-ENUMERATION IDENTIFIER=\"rtm-enum-{f}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{f}\">\n<SPECIFIED-VALUES>"
        );
        for (k, v) in enum_names(f).unwrap_or(&[]).iter().enumerate() {
            let _ = writeln!(
                x,
                "<ENUM-VALUE IDENTIFIER=\"rtm-enum-{f}-{v}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{v}\">\n<PROPERTIES>\n<EMBEDDED-VALUE KEY=\"{k}\" OTHER-CONTENT=\"{v}\"/>\n</PROPERTIES>\n</ENUM-VALUE>"
            );
        }
        x.push_str("</SPECIFIED-VALUES>\n</DATATYPE-DEFINITION-ENUMERATION>\n");
    }
    x.push_str("</DATATYPES>\n<SPEC-TYPES>\n");
    for &k in Kind::ALL {
        let _ = writeln!(
            x,
            "<SPEC-OBJECT-TYPE IDENTIFIER=\"rtm-type-{k}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{k}\">\n<SPEC-ATTRIBUTES>"
        );
        for (name, xhtml) in [
            ("ReqIF.ForeignID", false),
            ("ReqIF.Name", false),
            ("ReqIF.Text", true),
        ] {
            let (el, dt, dtid) = if xhtml {
                ("XHTML", "XHTML", "rtm-xhtml")
            } else {
                ("STRING", "STRING", "rtm-string")
            };
            let _ = writeln!(
                x,
                "<ATTRIBUTE-DEFINITION-{el} IDENTIFIER=\"rtm-{k}-{name}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{name}\">\n<TYPE><DATATYPE-DEFINITION-{dt}-REF>{dtid}</DATATYPE-DEFINITION-{dt}-REF></TYPE>\n</ATTRIBUTE-DEFINITION-{el}>"
            );
        }
        for f in attribute_fields(k) {
            let name = f.name;
            if enum_names(name).is_some() {
                let _ = writeln!(
                    x,
                    "<ATTRIBUTE-DEFINITION-ENUMERATION IDENTIFIER=\"rtm-{k}-{name}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{name}\" MULTI-VALUED=\"false\">\n<TYPE><DATATYPE-DEFINITION-ENUMERATION-REF>rtm-enum-{name}</DATATYPE-DEFINITION-ENUMERATION-REF></TYPE>\n</ATTRIBUTE-DEFINITION-ENUMERATION>"
                );
            } else {
                let _ = writeln!(
                    x,
                    "<ATTRIBUTE-DEFINITION-STRING IDENTIFIER=\"rtm-{k}-{name}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{name}\">\n<TYPE><DATATYPE-DEFINITION-STRING-REF>rtm-string</DATATYPE-DEFINITION-STRING-REF></TYPE>\n</ATTRIBUTE-DEFINITION-STRING>"
                );
            }
        }
        for &(dk, f) in &dangling.declared {
            if dk != k {
                continue;
            }
            let name = format!("{DANGLING}{}", field_name(f));
            let _ = writeln!(
                x,
                "<ATTRIBUTE-DEFINITION-STRING IDENTIFIER=\"rtm-{k}-{name}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{name}\">\n<TYPE><DATATYPE-DEFINITION-STRING-REF>rtm-string</DATATYPE-DEFINITION-STRING-REF></TYPE>\n</ATTRIBUTE-DEFINITION-STRING>"
            );
        }
        x.push_str("</SPEC-ATTRIBUTES>\n</SPEC-OBJECT-TYPE>\n");
    }
    for (_, f) in LINKS {
        let _ = writeln!(
            x,
            "<SPEC-RELATION-TYPE IDENTIFIER=\"rtm-relation-{f}\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{f}\"/>"
        );
    }
    let _ = writeln!(
        x,
        "<SPECIFICATION-TYPE IDENTIFIER=\"rtm-specification-type\" LAST-CHANGE=\"{time}\" LONG-NAME=\"rtm tree\"/>"
    );
    x.push_str("</SPEC-TYPES>\n");
    if !nodes.is_empty() {
        x.push_str("<SPEC-OBJECTS>\n");
        spec_objects(x, view, kept, &idents, &dangling, &time);
        x.push_str("</SPEC-OBJECTS>\n");
    }
    // Relations: every link to a node the view shows (a link written
    // twice is two relations, so that it comes back as written).
    let has_relations = nodes.iter().any(|n| {
        LINKS
            .iter()
            .any(|(field, _)| n.links_in(*field).any(|l| index.contains_key(n.target(l))))
    });
    if has_relations {
        x.push_str("<SPEC-RELATIONS>\n");
    }
    // Every identifier made so far is free of `--`: then every
    // relation's `source--field--target` and every hierarchy's `node--h`
    // splits at `--` into the parts it was made of, so that it can only
    // be taken by a relation of the same source and field (a link
    // written twice, or its `-2` that another link's target makes): they
    // are written in parallel, each node's relations made unique among
    // themselves as the set would make them, in the same order.
    let plain = !ids.used.iter().any(|s| s.contains("--"));
    if plain {
        relations_parallel(x, nodes, &index, &idents, &time);
    } else {
        for (i, n) in nodes.iter().enumerate() {
            let Some(s) = idents.get(i) else {
                continue;
            };
            for (field, fname) in LINKS {
                for l in n.links_in(*field) {
                    let Some(tg) = index.get(n.target(l)).and_then(|&t| idents.get(t)) else {
                        continue;
                    };
                    let mut rid = String::with_capacity(s.len() + tg.len() + fname.len() + 4);
                    rid.push_str(s);
                    rid.push_str("--");
                    rid.push_str(fname);
                    rid.push_str("--");
                    rid.push_str(tg);
                    x.push_str("<SPEC-RELATION IDENTIFIER=\"");
                    ids.push_unique(x, rid);
                    for part in relation_rest(s, fname, tg, &time) {
                        x.push_str(part);
                    }
                }
            }
        }
    }
    if has_relations {
        x.push_str("</SPEC-RELATIONS>\n");
    }
    let _ = writeln!(
        x,
        "<SPECIFICATIONS>\n<SPECIFICATION IDENTIFIER=\"rtm-specification\" LAST-CHANGE=\"{time}\" LONG-NAME=\"{}\">\n<TYPE><SPECIFICATION-TYPE-REF>rtm-specification-type</SPECIFICATION-TYPE-REF></TYPE>",
        esc(&title)
    );
    hierarchy(
        x,
        nodes,
        &index,
        &idents,
        (!plain).then_some(&mut ids),
        &time,
    );
    x.push_str(
        "</SPECIFICATION>\n</SPECIFICATIONS>\n</REQ-IF-CONTENT>\n</CORE-CONTENT>\n</REQ-IF>\n",
    );
}

/// Whether a node links twice to the same node in the same field.
fn has_repeated_links(n: &Node) -> bool {
    LINKS.iter().any(|(field, _)| {
        let mut seen = FxHashSet::default();
        n.targets_in(*field).any(|t| !seen.insert(t))
    })
}

/// The SPEC-RELATIONs of every link to a node the view shows, made in
/// parallel a batch of nodes at a time, written in node order; each
/// IDENTIFIER as made (see where it is called).
fn relations_parallel(
    x: &mut Out,
    nodes: &[Node],
    index: &FxHashMap<&str, usize>,
    idents: &[String],
    time: &str,
) {
    const CHUNK: usize = 256;
    for (b, batch) in nodes.chunks(BATCH).enumerate() {
        let bufs = x.spares(batch.len().div_ceil(CHUNK), CHUNK * 1024);
        let texts: Vec<String> = batch
            .par_chunks(CHUNK)
            .zip(bufs)
            .enumerate()
            .map(|(c, (ns, mut x))| {
                for (j, n) in ns.iter().enumerate() {
                    let Some(s) = idents.get(b * BATCH + c * CHUNK + j) else {
                        continue;
                    };
                    // Only the relations of a node that links twice to
                    // the same node can take one another's identifier.
                    let mut own = has_repeated_links(n).then(Ids::default);
                    for (field, fname) in LINKS {
                        for l in n.links_in(*field) {
                            let Some(tg) = index.get(n.target(l)).and_then(|&t| idents.get(t))
                            else {
                                continue;
                            };
                            match own.as_mut() {
                                None => relation(&mut x, s, fname, tg, time),
                                Some(own) => {
                                    let rid = format!("{s}--{fname}--{tg}");
                                    x.push_str("<SPEC-RELATION IDENTIFIER=\"");
                                    x.push_str(&own.unique(rid));
                                    for part in relation_rest(s, fname, tg, time) {
                                        x.push_str(part);
                                    }
                                }
                            }
                        }
                    }
                }
                x
            })
            .collect();
        x.push_parts(texts);
    }
}

/// One SPEC-RELATION from `s` to `tg` in link field `fname`, its
/// IDENTIFIER `s--fname--tg`.
fn relation(x: &mut String, s: &str, fname: &str, tg: &str, time: &str) {
    x.push_str("<SPEC-RELATION IDENTIFIER=\"");
    for part in [s, "--", fname, "--", tg] {
        x.push_str(part);
    }
    for part in relation_rest(s, fname, tg, time) {
        x.push_str(part);
    }
}

/// A SPEC-RELATION after its IDENTIFIER (its time, source, target and
/// type), in the pieces that are written one after the other.
fn relation_rest<'a>(s: &'a str, fname: &'a str, tg: &'a str, time: &'a str) -> [&'a str; 9] {
    [
        "\" LAST-CHANGE=\"",
        time,
        "\">\n<SOURCE><SPEC-OBJECT-REF>",
        s,
        "</SPEC-OBJECT-REF></SOURCE>\n<TARGET><SPEC-OBJECT-REF>",
        tg,
        "</SPEC-OBJECT-REF></TARGET>\n<TYPE><SPEC-RELATION-TYPE-REF>rtm-relation-",
        fname,
        "</SPEC-RELATION-TYPE-REF></TYPE>\n</SPEC-RELATION>\n",
    ]
}

/// Each node's parent in the hierarchy: a business under its first theme,
/// an entry under its first business requirement, else its first parent
/// entry; none for the rest. Cycles are broken (the node goes to the top).
fn parents(nodes: &[Node], index: &FxHashMap<&str, usize>) -> Vec<Option<usize>> {
    let first = |n: &Node, field: LinkField, kind: Kind, me: usize| {
        n.links_in(field)
            .filter_map(|l| index.get(n.target(l)).copied())
            .find(|&t| t != me && nodes.get(t).is_some_and(|x| x.kind == kind))
    };
    let mut parent: Vec<Option<usize>> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| match n.kind {
            Kind::Business => first(n, LinkField::Themes, Kind::Theme, i),
            Kind::Requirement => first(n, LinkField::Satisfies, Kind::Business, i)
                .or_else(|| first(n, LinkField::Refines, Kind::Requirement, i)),
            _ => None,
        })
        .collect();
    // 0 = not seen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; nodes.len()];
    for start in 0..nodes.len() {
        let mut path = Vec::new();
        let mut at = start;
        while let Some(0) = state.get(at).copied() {
            if let Some(s) = state.get_mut(at) {
                *s = 1;
            }
            path.push(at);
            match parent.get(at).copied().flatten() {
                Some(p) => {
                    if state.get(p) == Some(&1) {
                        if let Some(slot) = parent.get_mut(at) {
                            *slot = None;
                        }
                        break;
                    }
                    at = p;
                }
                None => break,
            }
        }
        for p in path {
            if let Some(s) = state.get_mut(p) {
                *s = 2;
            }
        }
    }
    parent
}

/// The deepest a SPEC-HIERARCHY nests: a node deeper than this (a long
/// `refines` chain) starts a top-level SPEC-HIERARCHY of its own, with its
/// children nested below it again. Six elements hold the first level
/// (REQ-IF down to the SPECIFICATION's CHILDREN), each level adds two
/// (SPEC-HIERARCHY and its CHILDREN) and the deepest holds two more
/// (OBJECT and SPEC-OBJECT-REF): 64 levels keep the document at most 135
/// elements deep, well within the 256 that xmllint (libxml2) and other XML
/// tools read by default, and the 1,024 of rtm's own import.
/// Nothing is lost: every link is also a SPEC-RELATION, and a top-level
/// SPEC-HIERARCHY makes no link on import, so none is added either.
pub const MAX_HIERARCHY_DEPTH: usize = 64;

fn hierarchy(
    x: &mut Out,
    nodes: &[Node],
    index: &FxHashMap<&str, usize>,
    idents: &[String],
    mut ids: Option<&mut Ids>,
    time: &str,
) {
    let parent = parents(nodes, index);
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut roots: Vec<usize> = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => {
                if let Some(c) = children.get_mut(*p) {
                    c.push(i);
                }
            }
            None => roots.push(i),
        }
    }
    roots.sort_by_key(|&i| (nodes.get(i).map(|n| n.kind), i));
    if roots.is_empty() {
        return;
    }
    x.push_str("<CHILDREN>\n");
    // (node, next child) on an explicit stack: no recursion, however deep.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    // Without `ids`, every identifier is known to be unique as made.
    let mut open = |x: &mut Out, i: usize| {
        let ident = idents.get(i).map_or("", String::as_str);
        let mut h = String::with_capacity(ident.len() + 3);
        h.push_str(ident);
        h.push_str("--h");
        x.push_str("<SPEC-HIERARCHY IDENTIFIER=\"");
        match ids.as_deref_mut() {
            Some(ids) => ids.push_unique(x, h),
            None => x.push_str(&h),
        }
        for part in [
            "\" LAST-CHANGE=\"",
            time,
            "\">\n<OBJECT><SPEC-OBJECT-REF>",
            ident,
            "</SPEC-OBJECT-REF></OBJECT>\n",
        ] {
            x.push_str(part);
        }
    };
    // The children of a node at the deepest level, each to start a
    // top-level SPEC-HIERARCHY after the one they were cut from.
    let mut cut: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    for &root in &roots {
        cut.push_back(root);
        while let Some(r) = cut.pop_front() {
            open(x, r);
            stack.push((r, 0));
            loop {
                let depth = stack.len();
                let Some((node, next)) = stack.last_mut() else {
                    break;
                };
                let node = *node;
                let kids = children.get(node).map_or(&[][..], Vec::as_slice);
                if depth >= MAX_HIERARCHY_DEPTH {
                    cut.extend(kids);
                    x.push_str("</SPEC-HIERARCHY>\n");
                    stack.pop();
                    continue;
                }
                if let Some(&c) = kids.get(*next) {
                    if *next == 0 {
                        x.push_str("<CHILDREN>\n");
                    }
                    *next += 1;
                    open(x, c);
                    stack.push((c, 0));
                } else {
                    if !kids.is_empty() {
                        x.push_str("</CHILDREN>\n");
                    }
                    x.push_str("</SPEC-HIERARCHY>\n");
                    stack.pop();
                }
            }
        }
    }
    x.push_str("</CHILDREN>\n");
}

/// The prefix of the attribute that holds, per link field, the ids a node
/// links to that the whole tree does not define (R004): there is no
/// SPEC-OBJECT to relate to, so they are written as a string (a TOML array
/// of the ids, as written), and import reads them back as links.
pub(super) const DANGLING: &str = "rtm.dangling.";

fn field_name(f: LinkField) -> &'static str {
    LINKS.iter().find(|(l, _)| *l == f).map_or("", |(_, n)| n)
}

/// The dangling links of the view's nodes. A link to a node the view
/// withholds is not one: only an id that no definition of the whole tree
/// holds is kept, so a withheld node leaves no trace, not even a count
/// (FORMAT §10).
struct Dangling<'a> {
    /// Every id the whole tree defines, shown or withheld.
    defined: FxHashSet<&'a str>,
    index: &'a FxHashMap<&'a str, usize>,
    /// (kind, field) pairs with at least one dangling link, in
    /// [`Kind::ALL`] and [`LINKS`] order: each gets an attribute
    /// definition.
    declared: Vec<(Kind, LinkField)>,
}

impl<'a> Dangling<'a> {
    fn new(view: &'a View<'_>, index: &'a FxHashMap<&'a str, usize>) -> Dangling<'a> {
        let defined: FxHashSet<&str> = view
            .full
            .model
            .nodes
            .iter()
            .map(|n| n.id.as_str())
            .collect();
        let mut d = Dangling {
            defined,
            index,
            declared: Vec::new(),
        };
        let mut seen: FxHashSet<(Kind, LinkField)> = FxHashSet::default();
        for n in &view.checked.model.nodes {
            for (f, _) in LINKS {
                if d.targets(n, *f).next().is_some() {
                    seen.insert((n.kind, *f));
                }
            }
        }
        for &k in Kind::ALL {
            for (f, _) in LINKS {
                if seen.contains(&(k, *f)) {
                    d.declared.push((k, *f));
                }
            }
        }
        d
    }

    /// The ids `n` names in `field` that the whole tree does not define,
    /// in order, repeats kept.
    fn targets<'n>(&'n self, n: &'n Node, field: LinkField) -> impl Iterator<Item = &'n str> {
        n.links_in(field)
            .map(|l| n.target(l))
            .filter(|t| !self.index.contains_key(t) && !self.defined.contains(t))
    }
}

/// Nodes per batch: a batch's files are read again and its objects
/// written in parallel, then appended in order, so that memory holds one
/// batch at a time.
const BATCH: usize = 8192;

/// Every SPEC-OBJECT of the view, in node order.
fn spec_objects(
    x: &mut Out,
    view: &View<'_>,
    kept: Option<&KeptFields>,
    idents: &[String],
    dangling: &Dangling<'_>,
    time: &str,
) {
    let nodes = &view.checked.model.nodes;
    // Which definition of its id, among those of its kind in its file,
    // each node is: counted over the whole tree, so that a withheld
    // definition of the same id is never taken for a shown one.
    let mut count: FxHashMap<(FileId, Kind, &str), usize> = FxHashMap::default();
    let mut nth_of: FxHashMap<crate::source::Span, usize> = FxHashMap::default();
    for n in &view.full.model.nodes {
        let c = count.entry((n.file(), n.kind, n.id.as_str())).or_insert(0);
        nth_of.insert(n.id_span(), *c);
        *c += 1;
    }
    let nth: Vec<usize> = nodes
        .iter()
        .map(|n| nth_of.get(&n.id_span()).copied().unwrap_or(0))
        .collect();
    drop(nth_of);
    // Runs of consecutive nodes from one file (as the loader reads them).
    let mut runs: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        match runs.last_mut() {
            Some(r) if nodes.get(r.start).is_some_and(|m| m.file() == n.file()) => r.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let mut at = 0;
    while at < runs.len() {
        let mut end = at;
        let mut size = 0;
        while let Some(r) = runs.get(end) {
            if size >= BATCH {
                break;
            }
            size += r.len();
            end += 1;
        }
        let batch = runs.get(at..end).unwrap_or(&[]);
        at = end;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            break;
        };
        let span = first.start..last.end;
        let mut tables: Vec<Option<Fields>> = batch
            .par_iter()
            .flat_map_iter(|r| tables_of(view, kept, r.clone(), &nth))
            .collect();
        const CHUNK: usize = 256;
        let batch_nodes = nodes.get(span.clone()).unwrap_or(&[]);
        let bufs = x.spares(batch_nodes.len().div_ceil(CHUNK), CHUNK * 2048);
        let texts: Vec<String> = batch_nodes
            .par_chunks(CHUNK)
            .zip(tables.par_chunks_mut(CHUNK))
            .zip(bufs)
            .enumerate()
            .map(|(c, ((ns, ts), mut s))| {
                for (j, (n, t)) in ns.iter().zip(ts.iter_mut()).enumerate() {
                    let i = span.start + c * CHUNK + j;
                    let ident = idents.get(i).map_or("", String::as_str);
                    spec_object(&mut s, n, ident, time, t.as_ref(), dangling);
                }
                s
            })
            .collect();
        x.push_parts(texts);
    }
}

/// An attribute's value as written: a string, or any other value as
/// inline TOML.
#[derive(Debug, Clone)]
pub enum Attr {
    Str(String),
    Toml(String),
}

/// The fields a node exports as attributes (every field but `id`,
/// `title`, `text`, links and `reqif_id`), as written in its file, in
/// [`attribute_fields`] order.
pub type Fields = Vec<(&'static str, Attr)>;

/// A node's attributes, from its table.
fn attributes(kind: Kind, mut table: toml::Table) -> Fields {
    attribute_fields(kind)
        .filter_map(|f| {
            let v = match table.remove(f.name)? {
                toml::Value::String(s) => Attr::Str(s),
                other => Attr::Toml(other.to_string()),
            };
            Some((f.name, v))
        })
        .collect()
}

/// Whether a field of a node of kind `kind` is exported as an attribute.
fn is_attribute(kind: Kind, field: &str) -> bool {
    attribute_fields(kind).any(|f| f.name == field)
}

/// What a ReqIF export keeps of every node from the loader's parse.
pub type KeptFields = NodeTables<Fields>;

/// The attributes of every node, made as the loader parses the files (for
/// a view that withholds nothing: no deviation is then left out).
pub fn kept_fields() -> KeptFields {
    NodeTables::new(is_attribute, attributes)
}

/// The attribute fields of the nodes `range` (all from one file), as
/// written in the file: from `kept` when it holds the file's (kept from
/// the loader's parse), else read again from the file.
fn tables_of(
    view: &View<'_>,
    kept: Option<&KeptFields>,
    range: std::ops::Range<usize>,
    nth: &[usize],
) -> Vec<Option<Fields>> {
    let model = &view.checked.model;
    let len = range.len();
    let Some(file) = model.nodes.get(range.start).map(|n| n.file()) else {
        return vec![None; len];
    };
    if let Some(mut kinds) = kept
        .filter(|_| view.withheld_nodes == 0)
        .and_then(|k| k.take(file))
    {
        return pick(&mut kinds, model, range, nth, |_, fields| fields);
    }
    match file_tables(&model.sources.file(file).text, is_attribute) {
        Some(mut kinds) => pick(&mut kinds, model, range, nth, |kind, mut table| {
            view.redact_table(&mut table);
            attributes(kind, table)
        }),
        None => vec![None; len],
    }
}

/// The attributes of the nodes `range` (all from one file) from the
/// file's tables, each node's found by kind and id (its `nth[i]`-th
/// definition in the file) and taken.
fn pick<T>(
    kinds: &mut FileTables<T>,
    model: &crate::model::Model,
    range: std::ops::Range<usize>,
    nth: &[usize],
    make: impl Fn(Kind, T) -> Fields,
) -> Vec<Option<Fields>> {
    let places: Vec<Option<usize>> = {
        // Each node's table, by kind and id, in file order.
        let mut at: FxHashMap<(Kind, &str), Vec<usize>> = FxHashMap::default();
        for (k, tables) in kinds.iter() {
            for (j, t) in tables.iter().enumerate() {
                if let Some((id, _)) = t {
                    at.entry((*k, id.as_str())).or_default().push(j);
                }
            }
        }
        range
            .clone()
            .map(|i| {
                let n = model.nodes.get(i)?;
                at.get(&(n.kind, n.id.as_str()))?.get(*nth.get(i)?).copied()
            })
            .collect()
    };
    range
        .zip(places)
        .map(|(i, place)| {
            let n = model.nodes.get(i)?;
            let (_, t) = kinds.get_mut(&n.kind)?.get_mut(place?)?.take()?;
            Some(make(n.kind, t))
        })
        .collect()
}

/// An `ATTRIBUTE-VALUE-STRING` of definition `rtm-{kind}-{name}`.
fn string_value(x: &mut String, kind: Kind, name: &str, value: &str) {
    x.push_str("<ATTRIBUTE-VALUE-STRING THE-VALUE=\"");
    esc_into(x, value, false);
    x.push_str("\">\n<DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>rtm-");
    x.push_str(kind.as_str());
    x.push('-');
    x.push_str(name);
    x.push_str("</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION>\n</ATTRIBUTE-VALUE-STRING>\n");
}

/// A Markdown text as XHTML rtm reads back verbatim: a `div` of class
/// `rtm-markdown`, one `p` per paragraph, `br` per line break.
fn xhtml(x: &mut String, text: &str) {
    x.push_str("<xhtml:div class=\"");
    x.push_str(RTM_CLASS);
    x.push_str("\">");
    for para in text.split("\n\n") {
        x.push_str("<xhtml:p>");
        for (k, line) in para.split('\n').enumerate() {
            if k > 0 {
                x.push_str("<xhtml:br/>");
            }
            esc_into(x, line, true);
        }
        x.push_str("</xhtml:p>");
    }
    x.push_str("</xhtml:div>");
}

fn spec_object(
    x: &mut String,
    n: &Node,
    ident: &str,
    time: &str,
    table: Option<&Fields>,
    dangling: &Dangling<'_>,
) {
    let k = n.kind;
    for part in [
        "<SPEC-OBJECT IDENTIFIER=\"",
        ident,
        "\" LAST-CHANGE=\"",
        time,
        "\">\n<VALUES>\n",
    ] {
        x.push_str(part);
    }
    string_value(x, k, "ReqIF.ForeignID", &n.id);
    if let Some(t) = n.title() {
        string_value(x, k, "ReqIF.Name", t);
    }
    if n.text_span().is_some() {
        x.push_str("<ATTRIBUTE-VALUE-XHTML>\n<DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>rtm-");
        x.push_str(k.as_str());
        x.push_str("-ReqIF.Text</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>\n<THE-VALUE>");
        xhtml(x, n.text());
        x.push_str("</THE-VALUE>\n</ATTRIBUTE-VALUE-XHTML>\n");
    }
    if let Some(table) = table {
        for f in attribute_fields(k) {
            let Some((_, v)) = table.iter().find(|(name, _)| *name == f.name) else {
                continue;
            };
            if let Some(names) = enum_names(f.name) {
                if let Attr::Str(s) = v
                    && names.contains(&s.as_str())
                {
                    for part in [
                        "<ATTRIBUTE-VALUE-ENUMERATION>\n<DEFINITION><ATTRIBUTE-DEFINITION-ENUMERATION-REF>rtm-",
                        k.as_str(),
                        "-",
                        f.name,
                        "</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>\n<VALUES><ENUM-VALUE-REF>rtm-enum-",
                        f.name,
                        "-",
                        s,
                        "</ENUM-VALUE-REF></VALUES>\n</ATTRIBUTE-VALUE-ENUMERATION>\n",
                    ] {
                        x.push_str(part);
                    }
                }
                continue;
            }
            match v {
                Attr::Str(s) | Attr::Toml(s) => string_value(x, k, f.name, s),
            }
        }
    }
    for (f, fname) in LINKS {
        let ids: Vec<&str> = dangling.targets(n, *f).collect();
        if ids.is_empty() {
            continue;
        }
        let array: toml_edit::Array = ids.into_iter().collect();
        let name = format!("{DANGLING}{fname}");
        string_value(x, k, &name, array.to_string().trim());
    }
    for part in [
        "</VALUES>\n<TYPE><SPEC-OBJECT-TYPE-REF>rtm-type-",
        k.as_str(),
        "</SPEC-OBJECT-TYPE-REF></TYPE>\n</SPEC-OBJECT>\n",
    ] {
        x.push_str(part);
    }
}

/// A `.reqifz`: the document zipped as `name` (deflate, a fixed time, so
/// the same document gives the same bytes).
pub fn zip(name: &str, document: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    w.start_file(name, options).map_err(std::io::Error::other)?;
    w.write_all(document.as_bytes())?;
    let cursor = w.finish().map_err(std::io::Error::other)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::Ids;

    /// A repeat takes the first free suffix from 2, as counting from 2
    /// each time would, however many repeats came before it.
    #[test]
    fn repeated_identifiers_take_the_first_free_suffix() {
        let mut ids = Ids::default();
        ids.used.insert("a-3".to_owned());
        let got: Vec<String> = (0..5).map(|_| ids.unique("a".to_owned())).collect();
        assert_eq!(got, ["a", "a-2", "a-4", "a-5", "a-6"]);
        // `a-7` wanted on its own, then `a` again: `a-8`.
        assert_eq!(ids.unique("a-7".to_owned()), "a-7");
        assert_eq!(ids.unique("a".to_owned()), "a-8");
        assert_eq!(ids.unique("a-2".to_owned()), "a-2-2");
        let mut many = Ids::default();
        for _ in 0..20_000 {
            many.unique("rel".to_owned());
        }
        assert_eq!(many.unique("rel".to_owned()), "rel-20001");
    }
}
