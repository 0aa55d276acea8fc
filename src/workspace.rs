//! A loaded tree kept between checks: a set of file units (one per node
//! file, plus the project file), re-checked after each edit.
//!
//! [`Workspace::update`] reads one node file again from the text it is
//! given (an editor's buffer may differ from the disk), replaces that
//! file's nodes, source and findings of reading in place, then builds the
//! graph and runs the rules again. Every other file is reused as it was
//! parsed and decoded: nothing else is read or parsed. A change of
//! `rtm.toml` (every node file is validated against it), a file added or
//! a file removed loads the whole tree again from the texts the workspace
//! holds, since the files' ids follow their paths.
//!
//! The result is always what a fresh check of the same files gives
//! ([`crate::check_files`]): the same findings, in the same order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::finding::Finding;
use crate::graph::Graph;
use crate::load::{self, Entry, FileSet, LoadError, PROJECT_FILE};
use crate::model::{Model, Node};
use crate::source::FileId;
use crate::{Checked, Options, check_linked, check_model};

/// A tree loaded once and checked again after every edit.
#[derive(Debug)]
pub struct Workspace {
    root: PathBuf,
    options: Options,
    /// The project file as the workspace knows it: from disk, or the text
    /// last given to [`Workspace::update`].
    project: Option<Entry>,
    /// Every node file (and link or unreadable entry) by relative path;
    /// a file given to [`Workspace::update`] holds that text.
    entries: BTreeMap<String, Entry>,
    /// The id each path was loaded under.
    ids: FxHashMap<String, FileId>,
    /// The findings of reading each file, by id, in the order the loader
    /// made them.
    read: Vec<Vec<Finding>>,
    checked: Checked,
}

impl Workspace {
    /// Loads and checks the tree at `root`, as [`crate::check_with`] does.
    pub fn open(root: &Path, options: &Options) -> Result<Workspace, LoadError> {
        let set = FileSet::from_dir(root)?;
        Ok(Workspace::from_files(root, set, options))
    }

    /// Loads and checks a tree from a file set; `root` is only where it
    /// came from.
    pub fn from_files(root: &Path, set: FileSet, options: &Options) -> Workspace {
        let mut ws = Workspace {
            root: root.to_path_buf(),
            options: options.clone(),
            project: set.project,
            entries: set.entries.into_iter().collect(),
            ids: FxHashMap::default(),
            read: Vec::new(),
            checked: check_model(
                Model::default(),
                crate::config::Config::default(),
                Vec::new(),
                options.today.unwrap_or_else(crate::waivers::today),
                &options.assume,
            ),
        };
        ws.reload();
        ws
    }

    /// The folder the tree was opened from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The current result: what a fresh check of the same files gives.
    pub fn checked(&self) -> &Checked {
        &self.checked
    }

    /// Whether a relative path is a file of the tree (the project file or
    /// a node file): what [`Workspace::update`] and [`Workspace::remove`]
    /// take; any other path leaves the workspace as it is.
    pub fn is_tree_path(rel_path: &str) -> bool {
        let rel = normalise(rel_path);
        rel == PROJECT_FILE || FileSet::is_node_path(rel)
    }

    /// A file added or changed, with its text (which may differ from the
    /// disk): that file is read again and the tree checked again. A path
    /// that is not a file of the tree (see [`Workspace::is_tree_path`])
    /// changes nothing.
    pub fn update(&mut self, rel_path: &str, text: String) {
        let rel = normalise(rel_path);
        let entry = Entry::Bytes(text.into_bytes());
        if rel == PROJECT_FILE {
            self.project = Some(entry);
            self.reload();
            return;
        }
        if !FileSet::is_node_path(rel) {
            return;
        }
        let old = self.entries.insert(rel.to_owned(), entry);
        let was_node_file = matches!(
            old,
            Some(Entry::File(_) | Entry::Bytes(_) | Entry::Text(_) | Entry::TooLarge(_))
        );
        match self.ids.get(rel) {
            Some(&id) if was_node_file => self.replace(id, rel),
            _ => self.reload(),
        }
    }

    /// A file deleted. A path the workspace does not hold changes nothing.
    pub fn remove(&mut self, rel_path: &str) {
        let rel = normalise(rel_path);
        if rel == PROJECT_FILE {
            if self.project.take().is_some() {
                self.reload();
            }
        } else if self.entries.remove(rel).is_some() {
            self.reload();
        }
    }

    /// Reads the file set again from the disk, dropping every text given
    /// to [`Workspace::update`]; the folder must still be readable.
    pub fn reopen(&mut self) -> Result<(), LoadError> {
        let set = FileSet::from_dir(&self.root)?;
        self.project = set.project;
        self.entries = set.entries.into_iter().collect();
        self.reload();
        Ok(())
    }

    /// Loads every file again from the entries held, and checks the tree.
    fn reload(&mut self) {
        let set = FileSet {
            project: self.project.clone(),
            entries: self
                .entries
                .iter()
                .map(|(rel, e)| (rel.clone(), e.clone()))
                .collect(),
        };
        let loaded = load::load_files(set);
        let sources = &loaded.model.sources;
        self.ids = sources.ids().map(|(id, f)| (f.path.clone(), id)).collect();
        // Every finding of reading a file points into that file, and the
        // loader makes them file by file, in id order.
        let mut read: Vec<Vec<Finding>> = vec![Vec::new(); sources.len()];
        let mut stray = Vec::new();
        for f in loaded.findings {
            match read.get_mut(f.span.file.index()) {
                Some(v) => v.push(f),
                None => stray.push(f),
            }
        }
        read.push(stray);
        self.read = read;
        self.run(loaded.model, loaded.config);
    }

    /// Reads one node file again and puts its unit in place of the old one.
    fn replace(&mut self, id: FileId, rel: &str) {
        let Some(entry) = self.entries.get(rel) else {
            return;
        };
        let model = &mut self.checked.model;
        let unit = load::read_node_file(id, rel, entry, &self.checked.config);
        // A file's nodes are together, and the files in id order.
        let start = model.nodes.partition_point(|n| n.file() < id);
        let end = model.nodes.partition_point(|n| n.file() <= id);
        // An edit that keeps every id, kind and link (a title, a text, a
        // status) leaves the graph as it was.
        let linked = model
            .nodes
            .get(start..end)
            .is_some_and(|old| same_links(old, &unit.nodes));
        model.nodes.splice(start..end, unit.nodes);
        model.sources.set(id, unit.source);
        match model.files.binary_search_by_key(&id, |f| f.file) {
            Ok(i) if unit.node_file => {
                if let Some(slot) = model.files.get_mut(i) {
                    *slot = unit.info;
                }
            }
            Ok(i) => {
                model.files.remove(i);
            }
            Err(i) if unit.node_file => model.files.insert(i, unit.info),
            Err(_) => {}
        }
        if let Some(slot) = self.read.get_mut(id.index()) {
            *slot = unit.findings;
        }
        let model = std::mem::take(&mut self.checked.model);
        let config = std::mem::take(&mut self.checked.config);
        let graph = if linked {
            std::mem::replace(&mut self.checked.graph, Graph::build(&Model::default()))
        } else {
            Graph::build(&model)
        };
        self.run_linked(model, graph, config);
    }

    /// Builds the graph and runs every rule over the model.
    fn run(&mut self, model: Model, config: crate::config::Config) {
        let graph = Graph::build(&model);
        self.run_linked(model, graph, config);
    }

    /// Runs every rule over the model and its graph.
    fn run_linked(&mut self, model: Model, graph: Graph, config: crate::config::Config) {
        let today = self.options.today.unwrap_or_else(crate::waivers::today);
        let read = self.read.concat();
        self.checked = check_linked(model, graph, config, read, today, &self.options.assume);
    }
}

/// Whether two versions of one file's nodes give the same graph: the same
/// ids, kinds and links (field and target) in the same order, and the ids
/// in the same order in the file (which decides the first of two equal
/// ids).
fn same_links(old: &[Node], new: &[Node]) -> bool {
    let same = old.len() == new.len()
        && old.iter().zip(new).all(|(a, b)| {
            a.kind == b.kind
                && a.id == b.id
                && a.links.len() == b.links.len()
                && a.links
                    .iter()
                    .zip(&b.links)
                    .all(|(x, y)| x.field == y.field && a.target(x) == b.target(y))
        });
    same && place_order(old) == place_order(new)
}

/// The nodes' indices in the order of their ids' places in the file.
fn place_order(nodes: &[Node]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by_key(|&i| nodes.get(i).map(|n| n.id_span().start));
    order
}

/// A relative path as the loader writes it: without a leading `./`.
fn normalise(rel: &str) -> &str {
    rel.strip_prefix("./").unwrap_or(rel)
}
