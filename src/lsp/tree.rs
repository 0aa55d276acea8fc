//! The checked tree behind the server, and the one place that re-checks it.
//!
//! [`Tree`] has the interface of the incremental core
//! (`rtm::workspace::Workspace`: `open`, `update`, `remove`, `checked`).
//! Until that core lands, this stand-in keeps the texts the editor holds
//! and checks the whole tree again through a [`FileSet`] whose edited files
//! are [`Entry::Bytes`]; the check runs lazily, on the first `checked()`
//! after a change, so that several updates cost one check. Swapping in the
//! real core means replacing this file with
//! `pub use crate::workspace::Workspace as Tree;`.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::load::{Entry, FileSet, LoadError, PROJECT_FILE};
use crate::{Checked, Options};

/// A tree, its texts and its latest check.
#[derive(Debug)]
pub struct Tree {
    options: Options,
    /// The tree as listed on disk when it was opened.
    listed: FileSet,
    /// Texts that replace (or add) files, by relative path.
    texts: BTreeMap<String, String>,
    /// Files listed on disk that are gone.
    removed: BTreeSet<String>,
    checked: OnceCell<Checked>,
}

impl Tree {
    /// Lists the tree at `root` (its files are read by the first check).
    pub fn open(root: &Path, options: &Options) -> Result<Tree, LoadError> {
        Ok(Tree {
            options: options.clone(),
            listed: FileSet::from_dir(root)?,
            texts: BTreeMap::new(),
            removed: BTreeSet::new(),
            checked: OnceCell::new(),
        })
    }

    /// A file's text changed, or a file was added (`rtm.toml` too).
    pub fn update(&mut self, rel_path: &str, text: String) {
        self.removed.remove(rel_path);
        self.texts.insert(rel_path.to_owned(), text);
        self.checked = OnceCell::new();
    }

    /// A file is gone.
    pub fn remove(&mut self, rel_path: &str) {
        self.texts.remove(rel_path);
        self.removed.insert(rel_path.to_owned());
        self.checked = OnceCell::new();
    }

    /// The tree as it now stands, checked.
    pub fn checked(&self) -> &Checked {
        self.checked
            .get_or_init(|| crate::check_files(self.file_set(), &self.options))
    }

    /// The files to check: the listing, with the texts and removals applied.
    fn file_set(&self) -> FileSet {
        let bytes = |rel: &str| {
            self.texts
                .get(rel)
                .map(|t| Entry::Bytes(t.clone().into_bytes()))
        };
        let project = if self.removed.contains(PROJECT_FILE) {
            None
        } else {
            bytes(PROJECT_FILE).or_else(|| self.listed.project.clone())
        };
        let mut entries: Vec<(String, Entry)> = self
            .listed
            .entries
            .iter()
            .filter(|(rel, _)| !self.removed.contains(rel))
            .map(|(rel, e)| (rel.clone(), bytes(rel).unwrap_or_else(|| e.clone())))
            .collect();
        for (rel, text) in &self.texts {
            if rel != PROJECT_FILE && !self.listed.entries.iter().any(|(r, _)| r == rel) {
                entries.push((rel.clone(), Entry::Bytes(text.clone().into_bytes())));
            }
        }
        FileSet { project, entries }
    }
}
