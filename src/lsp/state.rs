//! What the server holds: the tree's folder, the checked tree, the texts
//! of the open documents, and the diagnostics last published.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use lsp_types::{Diagnostic, Url};

use super::position::{Encoding, LineIndex};
use super::tree::Tree;
use crate::load::{FileSet, PROJECT_FILE};
use crate::source::{FileId, SourceFile};

/// An open document.
#[derive(Debug)]
pub struct Doc {
    pub text: String,
    pub version: i32,
}

/// The server's state.
#[derive(Debug, Default)]
pub struct State {
    /// The tree's folder, as the client named it (absolute).
    pub root: Option<PathBuf>,
    /// The same folder with links resolved, to recognise files in it.
    canonical: Option<PathBuf>,
    pub tree: Option<Tree>,
    pub encoding: Encoding,
    /// Open documents, by URI.
    pub docs: HashMap<Url, Doc>,
    /// Files whose text changed since the tree was last updated.
    pub pending: BTreeSet<String>,
    /// The diagnostics last sent for each URI (absent: none sent).
    pub published: HashMap<Url, Vec<Diagnostic>>,
}

impl State {
    pub fn new(root: Option<PathBuf>, tree: Option<Tree>, encoding: Encoding) -> Self {
        let canonical = root.as_ref().and_then(|r| r.canonicalize().ok());
        State {
            root,
            canonical,
            tree,
            encoding,
            ..State::default()
        }
    }

    /// The path of a URI relative to the tree, when it names a node file
    /// or the project file of the tree.
    pub fn rel(&self, uri: &Url) -> Option<String> {
        let path = uri.to_file_path().ok()?;
        let root = self.root.as_ref()?;
        let rel = relative(root, &path).or_else(|| {
            let canonical = self.canonical.as_ref()?;
            // The file may be gone: resolve its folder instead.
            let parent = path.parent()?.canonicalize().ok()?;
            let full = parent.join(path.file_name()?);
            relative(canonical, &full)
        })?;
        (rel == PROJECT_FILE || FileSet::is_node_path(&rel)).then_some(rel)
    }

    /// The URI of a path relative to the tree.
    pub fn uri(&self, rel: &str) -> Option<Url> {
        let root = self.root.as_ref()?;
        let path = rel.split('/').fold(root.clone(), |p, c| p.join(c));
        Url::from_file_path(path).ok()
    }

    /// Sends every changed text to the tree (the debounce is over, or a
    /// request needs the tree as the editor has it). True when anything
    /// changed.
    pub fn flush(&mut self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        let pending = std::mem::take(&mut self.pending);
        let mut texts = Vec::new();
        for rel in pending {
            let text = self
                .uri(&rel)
                .and_then(|u| self.docs.get(&u))
                .map(|d| d.text.clone());
            texts.push((rel, text));
        }
        if let Some(tree) = self.tree.as_mut() {
            for (rel, text) in texts {
                match text {
                    Some(t) => tree.update(&rel, t),
                    None => reread(tree, self.root.as_deref(), &rel),
                }
            }
        }
        true
    }

    /// The file of the checked tree that `uri` names, with its source.
    pub fn file(&self, uri: &Url) -> Option<(FileId, &SourceFile)> {
        let rel = self.rel(uri)?;
        let checked = self.tree.as_ref()?.checked();
        checked.model.sources.ids().find(|(_, s)| s.path == rel)
    }
}

/// Reads a file from disk into the tree again, or removes it when it is
/// gone (a document closed, a file changed outside the editor).
pub fn reread(tree: &mut Tree, root: Option<&Path>, rel: &str) {
    let Some(root) = root else { return };
    let path = rel.split('/').fold(root.to_path_buf(), |p, c| p.join(c));
    match std::fs::read(&path) {
        Ok(bytes) => tree.update(rel, String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => tree.remove(rel),
    }
}

/// `path` relative to `root`, with `/` separators, when it lies below it.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let parts = parts?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A line index of a source file, for converting its spans.
pub fn index(source: &SourceFile) -> LineIndex {
    LineIndex::new(&source.text)
}
