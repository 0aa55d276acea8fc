//! Reading a tree: list its files, read and parse every node file (in
//! parallel), validate `rtm.toml` and every node into the [`Model`].
//! A file that cannot be read or parsed is an R001 finding; the rest of the
//! tree is still read. A tree comes from a folder on disk or from memory
//! (a git revision, for `rtm diff`) through the same [`FileSet`].

/// The decoding helpers, at their former path.
pub use crate::decode;
mod batch;
mod nodes;
pub use nodes::field_errors;

use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use toml::de::{DeTable, DeValue};

use crate::config::Config;
use crate::finding::Finding;
use crate::model::{FileInfo, Model, Node};
use crate::registry::Code;
use crate::source::{FileId, SourceFile, Span, Str};
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
    #[error("{0} holds no requirement files (*.toml); an empty tree needs an rtm.toml")]
    NoNodeFiles(String),
}

/// A tree as read: the model, the validated project file, and the findings
/// of reading it (R001, R002, R304).
#[derive(Debug)]
pub struct Loaded {
    pub model: Model,
    pub config: Config,
    pub findings: Vec<Finding>,
}

impl Loaded {
    /// The first node file that could not be read (R001), and why: its
    /// nodes are unknown, so a command that writes from what the tree
    /// holds (a new id, a decision's fingerprint) must not go on.
    pub fn unreadable(&self) -> Option<(&str, &str)> {
        self.findings
            .iter()
            .filter(|f| f.code == crate::registry::Code::R001)
            .map(|f| (self.model.sources.path(f.span.file), f.message.as_str()))
            .min()
    }
}

/// One path of a tree.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A file on disk, read when the tree is loaded.
    File(PathBuf),
    /// A file's content, already in memory (e.g. read from git).
    Bytes(Vec<u8>),
    /// A file's text, already in memory and shared: the loaded source
    /// holds this text (not a copy; without its byte-order mark, if any).
    Text(Str),
    /// A symbolic link, not followed.
    Symlink,
    /// Neither a file, a folder nor a link (a FIFO, a socket, a device),
    /// never opened: what it is, in words ("a FIFO (named pipe)").
    Special(String),
    /// A file larger than `limits.max_file_bytes`, not read: its size.
    TooLarge(u64),
    /// A folder or file that could not be read, and why.
    Unreadable(String),
}

/// The paths of a tree, wherever they come from: `rtm.toml` and every node
/// file, by path relative to the tree (`/` separators).
#[derive(Debug, Clone, Default)]
pub struct FileSet {
    /// The project file at the tree's root, if there is one.
    pub project: Option<Entry>,
    /// Node files, symbolic links and unreadable entries.
    pub entries: Vec<(String, Entry)>,
}

impl FileSet {
    /// The node files, links and special files named `*.toml` (not a
    /// folder that could not be read) that `kept` does not keep, sorted:
    /// what an import with `--force` removes.
    pub fn node_files_except(&self, kept: impl Fn(&str) -> bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, e)| matches!(e, Entry::File(_) | Entry::Symlink | Entry::Special(_)))
            .map(|(rel, _)| rel)
            // A link to a folder is listed too; only `*.toml` names are
            // node files.
            .filter(|rel| Self::is_node_path(rel))
            .filter(|rel| !kept(rel))
            .cloned()
            .collect();
        out.sort();
        out
    }

    /// Whether a relative path is a node file of a tree: a `*.toml` that
    /// is not the root's `rtm.toml` and has no hidden component.
    pub fn is_node_path(rel: &str) -> bool {
        rel.ends_with(".toml") && rel != PROJECT_FILE && !rel.split('/').any(|c| c.starts_with('.'))
    }

    /// Lists a folder (the files are read later, by the loader).
    pub fn from_dir(root: &Path) -> Result<FileSet, LoadError> {
        let shown = root.display().to_string();
        let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound(shown.clone()),
            _ => LoadError::Unreadable(shown.clone(), e),
        })?;
        if !meta.is_dir() {
            return Err(LoadError::NotADirectory(shown));
        }
        let mut listing =
            std::fs::read_dir(root).map_err(|e| LoadError::Unreadable(shown.clone(), e))?;
        let path = root.join(PROJECT_FILE);
        let project = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => Some(Entry::Symlink),
            Ok(m) if m.is_file() => Some(Entry::File(path)),
            // A folder named `rtm.toml` is no project file either: the
            // project's classification is unknown, and documents refuse.
            Ok(m) if m.is_dir() => Some(Entry::Special("a folder".to_owned())),
            Ok(m) => Some(Entry::Special(special(m.file_type()))),
            Err(_) => None,
        };
        let entries = walk(root);
        // A folder with other things in it but no node file and no project
        // file is most likely a wrong path (`rtm check src`), not an empty
        // tree: an empty folder (hidden entries aside, as `.gitkeep`) is a
        // clean tree, and so is one with an `rtm.toml` only.
        if project.is_none()
            && entries.is_empty()
            && listing.any(|e| e.is_ok_and(|e| !e.file_name().to_string_lossy().starts_with('.')))
        {
            return Err(LoadError::NoNodeFiles(shown));
        }
        Ok(FileSet { project, entries })
    }
}

/// Reads the tree at `root`.
pub fn load(root: &Path) -> Result<Loaded, LoadError> {
    Ok(load_files(FileSet::from_dir(root)?))
}

/// Loads a tree from its file set: the project file first (node files are
/// validated against it), then every node file, in parallel, in path order.
pub fn load_files(set: FileSet) -> Loaded {
    load_files_with(set, None)
}

/// Called with every node file that parses, as it is loaded (in parallel,
/// in no set order): for a command that needs more of a file than the
/// model keeps, without parsing it a second time.
pub type FileHook<'h> = &'h (dyn Fn(FileId, &DeTable<'_>) + Sync);

/// [`load_files`], calling `hook` with every node file's document.
pub fn load_files_with(mut set: FileSet, hook: Option<FileHook<'_>>) -> Loaded {
    set.entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut model = Model::default();
    let mut findings = Vec::new();
    let mut config = Config::default();
    match &set.project {
        None => {}
        Some(Entry::Symlink) => {
            let id = model
                .sources
                .add(SourceFile::new(PROJECT_FILE.into(), String::new()));
            findings.push(skipped(id, PROJECT_FILE));
            config.unreadable = Some(format!(
                "{PROJECT_FILE} is a symbolic link and was not read, so the project's classification is unknown"
            ));
        }
        Some(Entry::Special(what)) => {
            let id = model
                .sources
                .add(SourceFile::new(PROJECT_FILE.into(), String::new()));
            findings.push(not_a_file(id, PROJECT_FILE, what));
            config.unreadable = Some(format!(
                "{PROJECT_FILE} is {what} and was not read{}, so the project's classification is unknown",
                as_project(what)
            ));
        }
        Some(entry) => {
            let limits = crate::config::Limits::default();
            let (source, read) = read_entry(entry.clone(), PROJECT_FILE, limits.max_file_bytes);
            let id = model.sources.add(source);
            let text = model.sources.file(id).text.as_str();
            match read.and_then(|()| parse(text, limits.max_depth)) {
                Ok(doc) => config = Config::from_table(id, doc.get_ref(), &mut findings),
                Err((range, message)) => {
                    config.unreadable = Some(format!(
                        "{PROJECT_FILE} cannot be read ({message}), so the project's classification is unknown"
                    ));
                    findings.push(parse_error(Span::new(id, range), message));
                }
            }
        }
    }

    // Every file gets its id first (its path, no text yet), then the
    // files are read in parallel and put in place.
    let ids: Vec<FileId> = set
        .entries
        .iter()
        .map(|(rel, _)| {
            model
                .sources
                .add(SourceFile::new(rel.clone(), String::new()))
        })
        .collect();
    // A batch of files at a time, each batch in parallel, its nodes moved
    // into the model's vector before the next batch is read: the nodes are
    // never all held twice (once per file, once merged), only a batch's.
    model.files.reserve_exact(ids.len());
    // The entries are taken, not borrowed: a file's bytes already in
    // memory become its text without a copy.
    let mut entries = std::mem::take(&mut set.entries).into_iter().zip(ids);
    loop {
        let batch: Vec<_> = entries.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            break;
        }
        // One group of files a thread: a group's files are read into one
        // buffer (`batch::read_together`) and decoded in order by one
        // task, so that the buffer's reference count, which every string
        // of the group's nodes increments, is not contended by two cores.
        let group = batch.len().div_ceil(rayon::current_num_threads().max(1));
        let config = &config;
        let results: Vec<FileResult> = batch
            .into_par_iter()
            .chunks(group)
            .flat_map_iter(|mut files| {
                batch::read_together(
                    files.iter_mut().map(|((_, entry), _)| entry),
                    config.limits.max_file_bytes,
                );
                files
                    .into_iter()
                    .map(move |((rel, entry), id)| read_node_entry(id, &rel, entry, config, hook))
            })
            .collect();
        model
            .nodes
            .reserve(results.iter().map(|r| r.nodes.len()).sum());
        for r in results {
            model.sources.set(r.info.file, r.source);
            model.nodes.extend(r.nodes);
            findings.extend(r.findings);
            if r.node_file {
                model.files.push(r.info);
            }
        }
    }
    Loaded {
        model,
        config,
        findings,
    }
}

/// How many files [`load_files`] reads in parallel before moving their
/// nodes into the model: enough to keep every thread busy, few enough that
/// their nodes are a small part of the tree's.
const BATCH: usize = 128;

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
                let ty = e.file_type();
                let toml = e.path().extension().is_some_and(|x| x == "toml");
                if e.depth() == 1 && e.file_name() == PROJECT_FILE {
                    // The project file: `FileSet::from_dir` reads it.
                } else if ty.is_symlink() {
                    out.push((rel, Entry::Symlink));
                } else if toml && !ty.is_dir() && !utf8_path(root, e.path()) {
                    // Its name cannot be shown or written back as it is.
                    out.push((
                        rel,
                        Entry::Unreadable("its name is not valid UTF-8".to_owned()),
                    ));
                } else if toml && ty.is_file() {
                    out.push((rel, Entry::File(e.into_path())));
                } else if toml && !ty.is_dir() {
                    // Never opened: opening a FIFO would wait for a writer.
                    out.push((rel, Entry::Special(special(ty))));
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

    out
}

/// A path relative to `root`, with `/` separators. A name that is not
/// valid UTF-8 is shown with its bad bytes escaped (`\xFF`), so that it
/// reads unambiguously.
fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| escaped(c.as_os_str()))
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the part of `path` below `root` is valid UTF-8.
fn utf8_path(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).unwrap_or(path).to_str().is_some()
}

/// A file name as text: itself when it is UTF-8, else with every byte
/// that is not part of a UTF-8 character written `\xNN`.
fn escaped(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_owned();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        crate::escape::bytes(name.as_bytes())
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// What a path that is neither a file, a folder nor a link is, in words.
fn special(ty: std::fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ty.is_fifo() {
            return "a FIFO (named pipe)".to_owned();
        }
        if ty.is_socket() {
            return "a socket".to_owned();
        }
        if ty.is_char_device() {
            return "a character device".to_owned();
        }
        if ty.is_block_device() {
            return "a block device".to_owned();
        }
    }
    let _ = ty;
    "not a plain file".to_owned()
}

/// How a folder named `rtm.toml` was not read: as the project file (the
/// node files in it are, as below any folder).
fn as_project(what: &str) -> &'static str {
    if what == "a folder" {
        " as the project file (the node files in it are read)"
    } else {
        ""
    }
}

/// R304 for a path that is not a plain file.
fn not_a_file(file: FileId, rel: &str, what: &str) -> Finding {
    let how = if rel == PROJECT_FILE {
        as_project(what)
    } else {
        ""
    };
    Finding::new(
        Code::R304,
        Span::file_start(file),
        format!("{rel} is {what} and was not read{how}"),
    )
    .label(what.to_owned())
    .help(if rel == PROJECT_FILE && what == "a folder" {
        "the project file must be a plain file: rename the folder, then write rtm.toml (or none, for the default settings)"
    } else if rel == PROJECT_FILE {
        "the project file must be a plain file: replace it with one, or remove it for the default settings"
    } else {
        "a node file must be a plain file: replace it with one, or rename it so that it does not end in .toml"
    })
}

fn skipped(file: FileId, rel: &str) -> Finding {
    Finding::new(
        Code::R304,
        Span::file_start(file),
        format!("{rel} is a symbolic link and was not followed"),
    )
    .label("symbolic link")
    .help("rtm never follows symbolic links: move the file into the tree instead")
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

/// One node file, read and decoded on its own: what the loader merges
/// into the model, and what [`crate::workspace`] replaces after an edit.
pub(crate) struct FileResult {
    pub(crate) source: SourceFile,
    pub(crate) nodes: Vec<Node>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) info: FileInfo,
    /// False for symbolic links and unreadable folders.
    pub(crate) node_file: bool,
}

pub(crate) fn read_node_file(id: FileId, rel: &str, entry: &Entry, config: &Config) -> FileResult {
    read_node_entry(id, rel, entry.clone(), config, None)
}

/// Whether a node file is read the same with either project settings:
/// [`read_node_file`] reads a file with the project's variants and
/// limits only (any other setting is for the rules).
pub(crate) fn reads_alike(a: &Config, b: &Config) -> bool {
    a.project.variants == b.project.variants
        && a.limits.max_file_bytes == b.limits.max_file_bytes
        && a.limits.max_depth == b.limits.max_depth
}

/// [`read_node_file`], taking the entry: a file's bytes already in memory
/// become its text without a copy.
fn read_node_entry(
    id: FileId,
    rel: &str,
    entry: Entry,
    config: &Config,
    hook: Option<FileHook<'_>>,
) -> FileResult {
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
    match &entry {
        Entry::Symlink => {
            result.findings.push(skipped(id, rel));
            return result;
        }
        Entry::Special(what) => {
            result.findings.push(not_a_file(id, rel, what));
            return result;
        }
        Entry::Unreadable(why) => {
            result.findings.push(parse_error(
                Span::file_start(id),
                format!("cannot read {rel}: {why}"),
            ));
            return result;
        }
        Entry::File(_) | Entry::Bytes(_) | Entry::Text(_) | Entry::TooLarge(_) => {}
    }
    result.node_file = true;
    let (source, read) = read_entry(entry, rel, config.limits.max_file_bytes);
    result.source = source;
    let text = result.source.text.clone();
    match read.and_then(|()| parse(&text, config.limits.max_depth)) {
        Err((range, message)) => {
            result
                .findings
                .push(parse_error(Span::new(id, range), message));
        }
        Ok(doc) => {
            result.info.broken = false;
            result.info.has_keys = !doc.get_ref().is_empty();
            let mut d = Decoder::with_text(id, text.clone(), &mut result.findings);
            nodes::decode_file(&mut d, doc.get_ref(), config, &mut result.nodes);
            if let Some(hook) = hook {
                hook(id, doc.get_ref());
            }
        }
    }
    result
}

type ReadError = (std::ops::Range<usize>, String);

/// Reads an entry into a [`SourceFile`] (BOM removed). On failure the
/// source holds whatever can be shown, and the error says where and why.
fn read_entry(entry: Entry, rel: &str, max_bytes: u64) -> (SourceFile, Result<(), ReadError>) {
    let empty = |msg: String| {
        (
            SourceFile::new(rel.to_owned(), String::new()),
            Err((0..0, msg)),
        )
    };
    let too_big = |size: u64| {
        format!(
            "{rel} is {size} bytes, over the limit of {max_bytes} bytes (limits.max_file_bytes in rtm.toml)"
        )
    };
    let bytes = match entry {
        Entry::File(path) => match read_file(&path, max_bytes) {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(size)) => return empty(too_big(size)),
            Err(e) => return empty(format!("cannot read {rel}: {e}")),
        },
        Entry::Bytes(bytes) if bytes.len() as u64 > max_bytes => {
            return empty(too_big(bytes.len() as u64));
        }
        Entry::Bytes(bytes) => bytes,
        Entry::Text(text) if text.len() as u64 > max_bytes => {
            return empty(too_big(text.len() as u64));
        }
        Entry::Text(text) => {
            let text = match text.strip_prefix('\u{feff}') {
                Some(rest) => Str::within(&text, rest),
                None => text,
            };
            return (SourceFile::shared(rel.to_owned(), text), Ok(()));
        }
        Entry::TooLarge(size) => return empty(too_big(size)),
        Entry::Symlink => return empty(format!("{rel} is a symbolic link")),
        Entry::Special(what) => return empty(format!("{rel} is {what}")),
        Entry::Unreadable(why) => return empty(format!("cannot read {rel}: {why}")),
    };
    decode_utf8(rel, bytes)
}

/// Reads at most `max_bytes` of a file: `Ok(Err(size))` when it is larger.
fn read_file(path: &Path, max_bytes: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.len() > max_bytes {
        return Ok(Err(meta.len()));
    }
    // Sized from the metadata so that reading does not over-allocate; the
    // `take` still guards a file that grows while it is read.
    let expected = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    let mut bytes = Vec::with_capacity(expected);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

/// Decodes a file's bytes as UTF-8, without a byte-order mark.
fn decode_utf8(rel: &str, bytes: Vec<u8>) -> (SourceFile, Result<(), ReadError>) {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
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

/// How deep the TOML parser nests arrays and inline tables, and how many
/// parts a key may have (its own limit, not configurable).
const PARSER_DEPTH: usize = 80;

/// Parses TOML text (its byte-order mark already removed), then checks how
/// deep it nests.
fn parse(text: &str, max_depth: usize) -> Result<toml::Spanned<DeTable<'_>>, ReadError> {
    // The TOML parser skips a byte-order mark at the start of what it is
    // given, so a second one would pass unseen: one mark starts a file
    // (FORMAT §9), a second is content TOML does not allow there. It is
    // at line 1, column 1, since the first mark is not counted.
    if text.starts_with('\u{feff}') {
        return Err((
            0..'\u{feff}'.len_utf8(),
            "invalid TOML: a second byte-order mark (U+FEFF); a file may start with one only"
                .to_owned(),
        ));
    }
    let doc = DeTable::parse(text).map_err(|e| {
        let range = e.span().unwrap_or(0..0);
        let message = one_line(e.message());
        // The parser stops by itself past 80 levels of arrays and inline
        // tables, or 80 parts of a key, whatever `max_depth` says.
        if message.contains("recurs") {
            return (range, format!("arrays and tables nest deeper than {PARSER_DEPTH} levels, the most the TOML parser reads"));
        }
        (range, format!("invalid TOML: {message}"))
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
