//! Reading a tree: walk the folder, read and parse every node file (in
//! parallel), validate `rtm.toml` and every node into the [`Model`].
//! A file that cannot be read or parsed is an R001 finding; the rest of the
//! tree is still read.

pub mod decode;
mod nodes;

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::finding::Finding;
use crate::model::{FileInfo, Model, Node};
use crate::rules::Code;
use crate::source::{FileId, SourceFile, Span};
use decode::Decoder;

/// The project file's name.
pub const PROJECT_FILE: &str = "rtm.toml";

/// Why a tree could not be read at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such folder")]
    NotFound(String),
    #[error("{0}: not a folder")]
    NotADirectory(String),
    #[error("{0}: cannot read the folder: {1}")]
    Unreadable(String, std::io::Error),
}

/// A tree as read: the model, the validated project file, and the findings
/// of reading it (R001, R002, R302, R304).
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub config: Config,
    pub findings: Vec<Finding>,
}

/// One path found by the walk.
#[derive(Debug)]
enum Entry {
    /// A node file to read.
    File(PathBuf),
    /// A symbolic link, not followed.
    Symlink,
    /// A folder or file the walk could not read.
    Unreadable(String),
}

/// Reads the tree at `root`.
pub fn load(root: &Path) -> Result<Loaded, LoadError> {
    let shown = root.display().to_string();
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => LoadError::NotFound(shown.clone()),
        _ => LoadError::Unreadable(shown.clone(), e),
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory(shown));
    }
    std::fs::read_dir(root).map_err(|e| LoadError::Unreadable(shown.clone(), e))?;

    let mut model = Model::default();
    let mut findings = Vec::new();

    // The project file first: node files are validated against it.
    let project = root.join(PROJECT_FILE);
    let mut config = Config::default();
    match std::fs::symlink_metadata(&project) {
        Ok(m) if m.file_type().is_symlink() => {
            let id = model
                .sources
                .add(SourceFile::new(PROJECT_FILE.into(), String::new()));
            findings.push(skipped(id, PROJECT_FILE));
        }
        Ok(m) if m.is_file() => {
            let limits = crate::config::Limits::default();
            let (source, parsed) = read_source(&project, PROJECT_FILE, limits.max_file_bytes);
            let id = model.sources.add(source);
            match parsed {
                Err((range, message)) => findings.push(parse_error(Span::new(id, range), message)),
                Ok(()) => {
                    let text = model.sources.get(id).map_or("", |s| s.text.as_str());
                    match parse(text, limits.max_depth) {
                        Ok(doc) => {
                            config = Config::from_table(id, doc.get_ref(), &mut findings);
                        }
                        Err((range, message)) => {
                            findings.push(parse_error(Span::new(id, range), message))
                        }
                    }
                }
            }
        }
        _ => {}
    }

    let entries = walk(root);
    let base = model.sources.len();
    let results: Vec<FileResult> = entries
        .par_iter()
        .enumerate()
        .map(|(i, (rel, entry))| read_node_file(base + i, rel, entry, &config))
        .collect();
    for r in results {
        let id = model.sources.add(r.source);
        debug_assert_eq!(id, r.info.file);
        model.nodes.extend(r.nodes);
        findings.extend(r.findings);
        if let Some(info) = r.node_file.then_some(r.info) {
            model.files.push(info);
        }
    }
    Ok(Loaded {
        model,
        config,
        findings,
    })
}

/// Every node file, symbolic link and unreadable entry below `root`, sorted
/// by relative path (byte order, `/` separators). Hidden entries are skipped.
fn walk(root: &Path) -> Vec<(String, Entry)> {
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for item in walker {
        match item {
            Ok(e) if e.depth() == 0 => {}
            Ok(e) => {
                let rel = relative(root, e.path());
                if e.file_type().is_symlink() {
                    out.push((rel, Entry::Symlink));
                } else if e.file_type().is_file()
                    && e.path().extension().is_some_and(|x| x == "toml")
                    && !(e.depth() == 1 && e.file_name() == PROJECT_FILE)
                {
                    out.push((rel, Entry::File(e.into_path())));
                }
            }
            Err(err) => {
                let rel = err
                    .path()
                    .map_or_else(|| ".".to_owned(), |p| relative(root, p));
                let why = err
                    .io_error()
                    .map_or_else(|| err.to_string(), ToString::to_string);
                out.push((rel, Entry::Unreadable(why)));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn skipped(file: FileId, rel: &str) -> Finding {
    Finding::new(
        Code::R304,
        Span::file_start(file),
        format!("{rel} is a symbolic link and was not followed"),
    )
    .help("rtm never follows symbolic links: move the file into the tree instead")
}

struct FileResult {
    source: SourceFile,
    nodes: Vec<Node>,
    findings: Vec<Finding>,
    info: FileInfo,
    /// False for symbolic links and unreadable folders.
    node_file: bool,
}

/// An R001 finding with its label and help.
fn parse_error(span: Span, message: String) -> Finding {
    let label = if message.contains("UTF-8") {
        "not UTF-8"
    } else if message.starts_with("invalid TOML") {
        "here"
    } else {
        "cannot be read"
    };
    Finding::new(Code::R001, span, message)
        .label(label)
        .help("fix the file: the rest of the tree was checked without it")
}

fn read_node_file(id: FileId, rel: &str, entry: &Entry, config: &Config) -> FileResult {
    let mut result = FileResult {
        source: SourceFile::new(rel.to_owned(), String::new()),
        nodes: Vec::new(),
        findings: Vec::new(),
        info: FileInfo {
            file: id,
            has_keys: false,
            broken: true,
        },
        node_file: false,
    };
    let path = match entry {
        Entry::Symlink => {
            result.findings.push(skipped(id, rel));
            return result;
        }
        Entry::Unreadable(why) => {
            result.findings.push(parse_error(
                Span::file_start(id),
                format!("cannot read {rel}: {why}"),
            ));
            return result;
        }
        Entry::File(path) => path,
    };
    result.node_file = true;
    let (source, read) = read_source(path, rel, config.limits.max_file_bytes);
    result.source = source;
    if let Err((range, message)) = read {
        result
            .findings
            .push(parse_error(Span::new(id, range), message));
        return result;
    }
    match parse(&result.source.text, config.limits.max_depth) {
        Err((range, message)) => {
            result
                .findings
                .push(parse_error(Span::new(id, range), message));
        }
        Ok(doc) => {
            result.info.broken = false;
            result.info.has_keys = !doc.get_ref().is_empty();
            let mut d = Decoder::new(id, &mut result.findings);
            nodes::decode_file(&mut d, doc.get_ref(), config, &mut result.nodes);
        }
    }
    result
}

type ReadError = (std::ops::Range<usize>, String);

/// Reads a file into a [`SourceFile`] (BOM removed). On failure the source
/// holds whatever could be shown, and the error says where and why.
fn read_source(path: &Path, rel: &str, max_bytes: u64) -> (SourceFile, Result<(), ReadError>) {
    let empty = |msg: String| {
        (
            SourceFile::new(rel.to_owned(), String::new()),
            Err((0..0, msg)),
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return empty(format!("cannot read {rel}: {e}")),
    };
    let too_big = |size: u64| {
        format!(
            "{rel} is {size} bytes, over the limit of {max_bytes} bytes (limits.max_file_bytes in rtm.toml)"
        )
    };
    if let Ok(meta) = file.metadata()
        && meta.len() > max_bytes
    {
        return empty(too_big(meta.len()));
    }
    let mut bytes = Vec::new();
    if let Err(e) = file
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        return empty(format!("cannot read {rel}: {e}"));
    }
    if bytes.len() as u64 > max_bytes {
        return empty(too_big(bytes.len() as u64));
    }
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .map(<[u8]>::to_vec)
        .unwrap_or(bytes);
    match String::from_utf8(bytes) {
        Ok(text) => (SourceFile::new(rel.to_owned(), text), Ok(())),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bad = e.as_bytes().get(at).copied().unwrap_or(0);
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            (
                SourceFile::new(rel.to_owned(), text),
                Err((
                    at..at + 1,
                    format!("{rel} is not valid UTF-8 (byte 0x{bad:02X})"),
                )),
            )
        }
    }
}

/// Parses TOML text, then checks how deep it nests.
fn parse(text: &str, max_depth: usize) -> Result<toml::Spanned<DeTable<'_>>, ReadError> {
    let doc = DeTable::parse(text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        (range, format!("invalid TOML: {}", one_line(e.message())))
    })?;
    if let Some(range) = too_deep(doc.get_ref(), max_depth) {
        return Err((
            range,
            format!(
                "arrays and tables nest deeper than {max_depth} levels (limits.max_depth in rtm.toml)"
            ),
        ));
    }
    Ok(doc)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The span of the first value nested deeper than `max`, if any. Walks
/// without recursion, so any depth is safe.
fn too_deep(doc: &DeTable<'_>, max: usize) -> Option<std::ops::Range<usize>> {
    let mut stack: Vec<(&toml::Spanned<DeValue<'_>>, usize)> =
        doc.values().map(|v| (v, 1)).collect();
    while let Some((v, depth)) = stack.pop() {
        if depth > max {
            return Some(v.span());
        }
        match v.get_ref() {
            DeValue::Array(a) => stack.extend(a.iter().map(|x| (x, depth + 1))),
            DeValue::Table(t) => stack.extend(t.values().map(|x| (x, depth + 1))),
            _ => {}
        }
    }
    None
}
