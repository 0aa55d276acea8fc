//! The node files of an import, read back as `rtm check` reads them
//! before anything is put in place: what the loader refuses in them
//! (R001, R002), a waiver of a rule that cannot be waived (R002), an id
//! that is not valid (R007) or that another node holds (R003).
//!
//! Each file is read back on its own, with the project's settings: a
//! file built while the sheet is still being read is read back then
//! ([`Early`], in the time the rows' thread would wait for the sheet's
//! reader), and the others once the rows are all read, in parallel. Only
//! the ids are then looked at together, with those of the tree's files
//! that the import leaves alone (read once, before the rows).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::config::Config;
use crate::finding::Finding;
use crate::load::{Entry, FileSet, Loaded};
use crate::model::Kind;
use crate::registry::Code;
use crate::source::{SourceFile, Sources, Span, Str};

/// One file of a plan, read back.
pub(super) struct FileCheck {
    /// The text read back.
    text: Arc<String>,
    /// Whether the loader kept that text itself, whole: a text it cannot
    /// take as it is (a byte-order mark, a file over the size limit) is
    /// never written.
    as_built: bool,
    /// What the loader reported on it (R001, R002).
    loader: Vec<Finding>,
    /// The R002 of each waiver of a rule that cannot be waived.
    waivers: Vec<Finding>,
    /// Each node's id, kind, and where the id is written, in file order.
    ids: Vec<(Str, Kind, Span)>,
}

/// Reads back one file of a plan as the loader reads a tree's file.
///
/// The findings' spans name the file in a registry of its own, which is
/// dropped: a finding is placed by its node and by the field its span
/// lies in (found in the file's own text), never through its file id.
pub(super) fn check_file(rel: &str, text: &Arc<String>, config: &Config) -> FileCheck {
    let id = Sources::default().add(SourceFile::new(rel.to_owned(), String::new()));
    let entry = Entry::Text(Str::whole(Arc::clone(text)));
    let read = crate::load::read_node_file(id, rel, &entry, config);
    let waivers = read
        .nodes
        .iter()
        .flat_map(|n| {
            n.waivers()
                .iter()
                .filter_map(|w| crate::waivers::unwaivable(n, w))
        })
        .collect();
    FileCheck {
        text: Arc::clone(text),
        as_built: read.source.text.is_all_of(text),
        loader: read
            .findings
            .into_iter()
            .filter(|f| matches!(f.code, Code::R001 | Code::R002))
            .collect(),
        waivers,
        ids: read
            .nodes
            .iter()
            .map(|n| (n.id.clone(), n.kind, n.id_span()))
            .collect(),
    }
}

/// Files read back while the sheet is still being read, each as soon as
/// its text is built, with the project's settings as they are expected
/// to be: they stand only if the plan's project reads files alike.
#[derive(Default)]
pub(super) struct Early {
    config: Option<Config>,
    done: Vec<(String, FileCheck)>,
}

impl Early {
    /// Files to be read back with `config` (by default, none is read
    /// back early).
    pub(super) fn with(config: Config) -> Early {
        Early {
            config: Some(config),
            done: Vec::new(),
        }
    }

    /// Reads back a file now.
    pub(super) fn check(&mut self, rel: String, text: Arc<String>) {
        if let Some(config) = &self.config {
            let checked = check_file(&rel, &text, config);
            self.done.push((rel, checked));
        }
    }

    /// The files read back, if they were read as `config` reads them.
    fn read_as(self, config: &Config) -> Vec<(String, FileCheck)> {
        match self.config {
            Some(early) if crate::load::reads_alike(&early, config) => self.done,
            _ => Vec::new(),
        }
    }
}

/// The findings on the files of a plan as `rtm check` would report them
/// once written, each with the field of the written file it lies in
/// (when it lies in one).
///
/// `tree` is the tree the files go into, as read before the import (its
/// node files cleared when they are all replaced), or `None` for a new
/// tree, whose project file is the plan's. `early` holds files already
/// read back; one whose text is not the plan's (it was built again), or
/// read with settings that read files otherwise, is read back again.
pub(super) fn check_plan_fields(
    plan: &super::import::Plan,
    tree: Option<&Loaded>,
    early: Early,
) -> Vec<(Finding, Option<String>)> {
    use rayon::prelude::*;
    // A new tree: its project file, as written.
    let own;
    let base = match tree {
        Some(tree) => tree,
        None => {
            own = crate::load::load_files(FileSet {
                project: plan
                    .project
                    .as_ref()
                    .map(|p| Entry::Bytes(p.clone().into_bytes())),
                entries: Vec::new(),
            });
            &own
        }
    };
    let config = &base.config;
    let planned: HashSet<&str> = plan.files.iter().map(|(r, _)| r.as_str()).collect();
    let mut early: HashMap<String, FileCheck> = early.read_as(config).into_iter().collect();
    let checks: Vec<(&str, FileCheck)> = plan
        .files
        .par_iter()
        .map(|(rel, text)| {
            let checked = match early.get(rel.as_str()) {
                Some(c) if Arc::ptr_eq(&c.text, text) => None,
                _ => Some(check_file(rel, text, config)),
            };
            (rel.as_str(), checked)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .filter_map(|(rel, checked)| Some((rel, checked.or_else(|| early.remove(rel))?)))
        .collect();

    // What the loader reports, in the order it reports it: the project
    // file, then the files by path.
    let mut loader: Vec<((bool, &str), Finding, Option<String>)> = base
        .findings
        .iter()
        .filter(|f| matches!(f.code, Code::R001 | Code::R002))
        .map(|f| (base.model.sources.path(f.span.file), f))
        .filter(|(path, _)| !planned.contains(path))
        .map(|(path, f)| ((path != crate::load::PROJECT_FILE, path), f.clone(), None))
        .collect();
    for (rel, c) in &checks {
        for f in &c.loader {
            let field = field_at(&c.text, f.span.start);
            loader.push(((true, rel), f.clone(), field));
        }
    }
    loader.sort_by_key(|(at, _, _)| *at);
    let mut findings: Vec<(Finding, Option<String>)> =
        loader.into_iter().map(|(_, f, field)| (f, field)).collect();
    // Already refused (a file over `limits.max_file_bytes` is not read):
    // said once.
    let refused = !findings.is_empty();
    for (rel, _) in checks.iter().filter(|(_, c)| !c.as_built && !refused) {
        // Not read as it was built (never so for the texts an import
        // builds): nothing is written.
        let id = Sources::default().add(SourceFile::new((*rel).to_owned(), String::new()));
        findings.push((
            Finding::new(
                Code::R001,
                Span::file_start(id),
                format!("{rel} could not be read back as it was built"),
            ),
            None,
        ));
    }
    for (_, c) in &checks {
        for f in &c.waivers {
            findings.push((f.clone(), field_at(&c.text, f.span.start)));
        }
    }
    // Every id, the tree's files the import leaves alone and the plan's,
    // by path.
    let mut blocks: Vec<(&str, Vec<IdAt<'_>>)> = Vec::new();
    for n in &base.model.nodes {
        let path = base.model.sources.path(n.file());
        if planned.contains(path) {
            continue;
        }
        let at = IdAt {
            id: &n.id,
            kind: n.kind,
            span: n.id_span(),
            text: None,
        };
        match blocks.last_mut() {
            Some((p, ids)) if *p == path => ids.push(at),
            _ => blocks.push((path, vec![at])),
        }
    }
    for (rel, c) in &checks {
        let ids = c
            .ids
            .iter()
            .map(|(id, kind, span)| IdAt {
                id,
                kind: *kind,
                span: *span,
                text: Some(&c.text),
            })
            .collect();
        blocks.push((rel, ids));
    }
    blocks.sort_by_key(|(path, _)| *path);
    let ids: Vec<IdAt<'_>> = blocks.into_iter().flat_map(|(_, ids)| ids).collect();
    findings.extend(ids_written(&ids, config));
    findings
}

/// One node's id, as [`ids_written`] looks at it.
struct IdAt<'a> {
    id: &'a str,
    kind: Kind,
    /// Where the id is written.
    span: Span,
    /// The text of its file when the import writes the file; `None` for a
    /// file of the tree the import leaves alone.
    text: Option<&'a str>,
}

/// R003 and R007 for the nodes of the files an import writes, each with
/// its field. They are the rules' findings, not the loader's: the rows
/// were held to both as they were read, and this makes sure of it on the
/// texts as written. `ids` are in the order the loader reads them (by
/// path): a repeat is the one after the first.
fn ids_written(ids: &[IdAt<'_>], config: &Config) -> Vec<(Finding, Option<String>)> {
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    let with_field = |f: Finding, at: &IdAt<'_>| {
        let field = at.text.and_then(|text| field_at(text, at.span.start));
        (f, field)
    };
    // Each id read once (in a large tree, reading an id is a cache miss):
    // matched against its kind's pattern, and hashed. Each thread has
    // patterns of its own: a regex shared by several threads makes all
    // but one wait for its scratch space.
    let patterns = || -> Vec<Option<regex::Regex>> {
        Kind::ALL
            .iter()
            .map(|&k| config.id_pattern(k).map(|p| p.regex.clone()))
            .collect()
    };
    let mut keyed: Vec<(u64, usize, bool)> = ids
        .par_iter()
        .enumerate()
        .map_init(patterns, |patterns, (i, at)| {
            let invalid = patterns
                .get(at.kind as usize)
                .and_then(Option::as_ref)
                .is_some_and(|p| !p.is_match(at.id));
            (rustc_hash::FxBuildHasher.hash_one(at.id), i, invalid)
        })
        .collect();
    let mut findings: Vec<(Finding, Option<String>)> = keyed
        .iter()
        .filter_map(|&(_, i, invalid)| ids.get(i).filter(|at| invalid && at.text.is_some()))
        .map(|at| {
            let f = Finding::new(
                Code::R007,
                at.span,
                format!("`{}` is not a valid {} id", at.id, at.kind),
            )
            .node(at.id);
            with_field(f, at)
        })
        .collect();
    // Equal ids have equal hashes: sorted by hash, then by place, each
    // repeat follows its first definition.
    keyed.par_sort_unstable();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        // The first definition of each id the hash stands for.
        let mut firsts: Vec<&IdAt<'_>> = Vec::new();
        for at in group.iter().filter_map(|&(_, i, _)| ids.get(i)) {
            let Some(&first) = firsts.iter().find(|f| f.id == at.id) else {
                firsts.push(at);
                continue;
            };
            if at.text.is_some() || first.text.is_some() {
                let f = Finding::new(Code::R003, at.span, format!("{} is defined twice", at.id))
                    .node(at.id);
                findings.push(with_field(f, at));
            }
        }
    }
    findings
}

/// The top-level field of a node table that the byte `at` of a file's
/// `text` lies in: the key of the nearest line above it that starts a
/// field (`key = …`), within the node's table.
fn field_at(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    for line in before.lines().rev() {
        if line.starts_with('[') {
            return None;
        }
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        if !key.is_empty() && !key.starts_with([' ', '\t', '#']) {
            return Some(key.trim_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interchange::import::Plan;

    /// The findings on a plan's files going into a tree whose files are
    /// `present` (`existing`: a tree, not a new one), as an import checks
    /// them.
    fn check_plan(plan: &Plan, present: FileSet, existing: bool, replace: bool) -> Vec<Finding> {
        let tree = existing.then(|| {
            let mut set = present;
            if replace {
                set.entries.clear();
            }
            crate::load::load_files(set)
        });
        check_plan_fields(plan, tree.as_ref(), Early::default())
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn the_plan_keeps_its_texts_through_the_check() {
        let a = "[[theme]]\nid = \"TH-01\"\ntitle = \"First\"\n".to_owned();
        let b = "[[theme]]\nid = \"TH-02\"\ntitle = \"Café\"\n".to_owned();
        let plan = Plan {
            files: vec![
                ("a.toml".into(), Arc::new(a.clone())),
                ("b/b.toml".into(), Arc::new(b.clone())),
            ],
            ..Plan::default()
        };
        let findings = check_plan(&plan, FileSet::default(), false, false);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(*plan.files[0].1, a);
        assert_eq!(*plan.files[1].1, b);
        // The loader reads a shared text itself, not a copy.
        let mut set = FileSet::default();
        set.entries.push((
            "a.toml".into(),
            Entry::Text(crate::source::Str::whole(Arc::clone(&plan.files[0].1))),
        ));
        let loaded = crate::load::load_files(set);
        assert!(loaded.findings.is_empty(), "{:?}", loaded.findings);
        assert!(
            loaded
                .model
                .sources
                .iter()
                .any(|f| f.text.is_all_of(&plan.files[0].1))
        );
        assert_eq!(loaded.model.nodes.len(), 1);
        // A text the loader does not read back as it was (a byte-order
        // mark is dropped): refused, never written shortened.
        let plan = Plan {
            files: vec![("c.toml".into(), Arc::new("\u{feff}# c\n".into()))],
            ..Plan::default()
        };
        let findings = check_plan(&plan, FileSet::default(), false, false);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(
            findings[0].message,
            "c.toml could not be read back as it was built"
        );
    }

    /// The read-back holds the written ids to R007 and R003 (the rules'
    /// findings, which the loader does not make), for the files the
    /// import writes only.
    #[test]
    fn the_check_of_the_plan_refuses_invalid_and_repeated_ids() {
        let a = "[[theme]]\nid = \"-0\"\ntitle = \"Minus\"\n[[theme]]\nid = \"TH-1\"\ntitle = \"One\"\n";
        let b = "[[theme]]\nid = \"TH-1\"\ntitle = \"Again\"\n";
        let plan = Plan {
            files: vec![
                ("a.toml".into(), Arc::new(a.to_owned())),
                ("b.toml".into(), Arc::new(b.to_owned())),
            ],
            ..Plan::default()
        };
        let findings = check_plan(&plan, FileSet::default(), false, false);
        let got: Vec<(&str, Option<&str>)> = findings
            .iter()
            .map(|f| (f.code.rule().code, f.node.as_deref()))
            .collect();
        assert_eq!(got, [("R007", Some("-0")), ("R003", Some("TH-1"))]);
        // An id repeated only among files the import leaves alone is not
        // the import's to refuse; one it repeats from them is.
        let mut present = FileSet::default();
        for (rel, text) in [("x.toml", b), ("y.toml", b)] {
            present.entries.push((
                rel.into(),
                Entry::Text(crate::source::Str::whole(Arc::new(text.to_owned()))),
            ));
        }
        let plan = Plan {
            files: vec![(
                "c.toml".into(),
                Arc::new("[[theme]]\nid = \"TH-2\"\ntitle = \"Two\"\n".to_owned()),
            )],
            ..Plan::default()
        };
        assert!(check_plan(&plan, present.clone(), true, false).is_empty());
        let plan = Plan {
            files: vec![("c.toml".into(), Arc::new(b.to_owned()))],
            ..Plan::default()
        };
        let findings = check_plan(&plan, present, true, false);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings.iter().all(|f| f.code.rule().code == "R003"));
    }

    /// A file read back while the sheet was read stands for the plan's
    /// file only when it is the very text the plan writes, read with
    /// settings that read it as the plan's project does.
    #[test]
    fn a_file_read_back_early_stands_only_for_its_own_text() {
        let text = "[[requirement]]\nid = \"RTM-1\"\ntitle = \"One\"\ncategory = \"mvp\"\n\
                    satisfies = [\"BR-1\"]\nstatus = \"proposed\"\nvariants = [\"SB\"]\n";
        let plan = Plan {
            files: vec![("a.toml".into(), Arc::new(text.to_owned()))],
            ..Plan::default()
        };
        // The tree declares no variant: `SB` is an R002.
        let tree = crate::load::load_files(FileSet {
            project: Some(Entry::Bytes(b"[project]\nname = \"t\"\n".to_vec())),
            entries: Vec::new(),
        });
        let found = |early: Early| -> Vec<(&'static str, Option<String>)> {
            check_plan_fields(&plan, Some(&tree), early)
                .into_iter()
                .map(|(f, field)| (f.code.rule().code, field))
                .collect()
        };
        assert_eq!(
            found(Early::default()),
            [("R002", Some("variants".to_owned()))]
        );
        // A reading that found nothing wrong, for the plan's own text,
        // with the tree's settings: it stands.
        let clean = |text: &Arc<String>| FileCheck {
            text: Arc::clone(text),
            as_built: true,
            loader: Vec::new(),
            waivers: Vec::new(),
            ids: Vec::new(),
        };
        let early = |config: &Config, rel: &str, checked: FileCheck| Early {
            config: Some(config.clone()),
            done: vec![(rel.to_owned(), checked)],
        };
        let own = &plan.files[0].1;
        assert!(found(early(&tree.config, "a.toml", clean(own))).is_empty());
        // Not for an equal text built again, nor for another file...
        let again = Arc::new(text.to_owned());
        assert_eq!(found(early(&tree.config, "a.toml", clean(&again))).len(), 1);
        assert_eq!(found(early(&tree.config, "b.toml", clean(own))).len(), 1);
        // ...nor when read with settings that read it otherwise.
        let mut declared = tree.config.clone();
        declared.project.variants = vec!["SB".into()];
        assert_eq!(found(early(&declared, "a.toml", clean(own))).len(), 1);
        // Read early for real, it finds what the plan's check finds.
        let mut real = Early::with(tree.config.clone());
        real.check("a.toml".into(), Arc::clone(own));
        assert_eq!(found(real), [("R002", Some("variants".to_owned()))]);
    }
}
