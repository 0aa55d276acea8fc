//! The incremental workspace: after every edit its findings are those of a
//! fresh check of the same files (a property test over generated trees and
//! random edits), and an edit of one file re-reads that file only.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use rtm::load::{Entry, FileSet};
use rtm::workspace::Workspace;

fn options() -> rtm::Options {
    rtm::Options {
        today: Some(rtm::waivers::parse_date("2026-06-01").unwrap()),
        ..rtm::Options::default()
    }
}

fn json(checked: &rtm::Checked) -> String {
    let mut out = Vec::new();
    rtm::render::json::write(&mut out, "tree", checked).unwrap();
    String::from_utf8(out).unwrap()
}

/// A fresh check of these files, all from memory.
fn fresh(files: &BTreeMap<String, String>) -> rtm::Checked {
    let mut set = FileSet::default();
    for (rel, text) in files {
        let entry = Entry::Bytes(text.clone().into_bytes());
        if rel == "rtm.toml" {
            set.project = Some(entry);
        } else {
            set.entries.push((rel.clone(), entry));
        }
    }
    rtm::check_files(set, &options())
}

fn write_all(dir: &Path, files: &BTreeMap<String, String>) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn codes(checked: &rtm::Checked) -> Vec<String> {
    checked
        .findings
        .iter()
        .map(|f| f.code.rule().code.to_owned())
        .collect()
}

/// One edit of a tree's files.
#[derive(Debug, Clone)]
enum Edit {
    /// Change a node's title.
    Title(Index, Index),
    /// Make a link name a node that does not exist.
    BreakLink(Index, Index),
    /// Append a node to a file (its id may repeat another's).
    AddNode(Index, u8, bool),
    /// Remove a node's table from a file.
    RemoveNode(Index, Index),
    /// Make a file invalid TOML.
    BreakToml(Index),
    /// Delete a file.
    Delete(Index),
    /// Add a new node file.
    AddFile(u8),
    /// Write a file's original text back.
    Restore(Index),
    /// Change `rtm.toml` (the variants), or break it.
    Project(bool),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), any::<Index>()).prop_map(|(f, n)| Edit::Title(f, n)),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(f, n)| Edit::BreakLink(f, n)),
        2 => (any::<Index>(), any::<u8>(), any::<bool>()).prop_map(|(f, k, d)| Edit::AddNode(f, k, d)),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(f, n)| Edit::RemoveNode(f, n)),
        1 => any::<Index>().prop_map(Edit::BreakToml),
        1 => any::<Index>().prop_map(Edit::Delete),
        1 => any::<u8>().prop_map(Edit::AddFile),
        2 => any::<Index>().prop_map(Edit::Restore),
        1 => any::<bool>().prop_map(Edit::Project),
    ]
}

/// The byte offsets where `needle` starts in `text`.
fn places(text: &str, needle: &str) -> Vec<usize> {
    text.match_indices(needle).map(|(i, _)| i).collect()
}

fn node(k: u8, dup: bool) -> String {
    let id = if dup {
        "RTM-1".to_owned()
    } else {
        format!("RTM-9{k:03}")
    };
    format!(
        "\n[[requirement]]\nid = \"{id}\"\ntitle = \"Added {k}\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-{}\"]\ntext = \"An added entry.\"\n",
        k % 7
    )
}

/// Applies an edit to the files and to the workspace.
fn apply(
    e: &Edit,
    files: &mut BTreeMap<String, String>,
    original: &BTreeMap<String, String>,
    ws: &mut Workspace,
) {
    let nodes: Vec<String> = files.keys().filter(|k| *k != "rtm.toml").cloned().collect();
    let pick = |i: &Index| -> Option<String> {
        (!nodes.is_empty()).then(|| nodes[i.index(nodes.len())].clone())
    };
    let mut put = |files: &mut BTreeMap<String, String>, rel: String, text: String| {
        files.insert(rel.clone(), text.clone());
        ws.update(&rel, text);
    };
    match e {
        Edit::Title(f, n) | Edit::BreakLink(f, n) | Edit::RemoveNode(f, n) => {
            let Some(rel) = pick(f) else { return };
            let mut text = files[&rel].clone();
            let needle = match e {
                Edit::Title(..) => "title = \"",
                Edit::BreakLink(..) => "[\"",
                _ => "[[",
            };
            let at = places(&text, needle);
            if at.is_empty() {
                return;
            }
            let i = at[n.index(at.len())];
            match e {
                Edit::Title(..) => text.insert_str(i + needle.len(), "Changed "),
                Edit::BreakLink(..) => text.insert_str(i + needle.len(), "NO-"),
                _ => {
                    let end = text[i + 2..].find("[[").map_or(text.len(), |j| i + 2 + j);
                    text.replace_range(i..end, "");
                }
            }
            put(files, rel, text);
        }
        Edit::AddNode(f, k, dup) => {
            let Some(rel) = pick(f) else { return };
            let text = format!("{}{}", files[&rel], node(*k, *dup));
            put(files, rel, text);
        }
        Edit::BreakToml(f) => {
            let Some(rel) = pick(f) else { return };
            let text = format!("{}\n= = broken [\n", files[&rel]);
            put(files, rel, text);
        }
        Edit::Delete(f) => {
            let Some(rel) = pick(f) else { return };
            files.remove(&rel);
            ws.remove(&rel);
        }
        Edit::AddFile(k) => {
            let rel = format!("added/file-{}.toml", k % 4);
            let text = node(*k, false);
            put(files, rel, text);
        }
        Edit::Restore(f) => {
            let all: Vec<&String> = original.keys().collect();
            let rel = all[f.index(all.len())].clone();
            put(files, rel.clone(), original[&rel].clone());
        }
        Edit::Project(broken) => {
            let text = if *broken {
                "[project\nname = \"Broken\"\n".to_owned()
            } else {
                "[project]\nname = \"Generated corpus\"\nvariants = [\"SB\"]\n".to_owned()
            };
            put(files, "rtm.toml".to_owned(), text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn workspace_findings_equal_a_fresh_check(
        size in 10usize..160,
        seed in any::<u64>(),
        edits in prop::collection::vec(edit(), 1..10),
    ) {
        let original: BTreeMap<String, String> =
            rtm::corpus::generate(size, seed).into_iter().collect();
        let dir = tempfile::tempdir().unwrap();
        write_all(dir.path(), &original);
        let mut ws = Workspace::open(dir.path(), &options()).unwrap();
        let mut files = original.clone();
        prop_assert_eq!(json(ws.checked()), json(&fresh(&files)));
        for (step, e) in edits.iter().enumerate() {
            apply(e, &mut files, &original, &mut ws);
            prop_assert_eq!(
                json(ws.checked()),
                json(&fresh(&files)),
                "after step {} ({:?})",
                step,
                e
            );
        }
    }
}

/// A broken link appears and goes again; an edit in memory is not read
/// from the disk (the file on disk is left as it was).
#[test]
fn a_broken_link_appears_and_goes() {
    let files: BTreeMap<String, String> = rtm::corpus::generate(200, 3).into_iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &files);
    let mut ws = Workspace::open(dir.path(), &options()).unwrap();
    let before = codes(ws.checked());
    assert!(!before.contains(&"R004".to_owned()), "{before:?}");
    let rel = "detailed/detailed-00001.toml";
    let good = files[rel].clone();
    let bad = good.replacen("satisfies = [\"BR-", "satisfies = [\"BX-", 1);
    ws.update(rel, bad);
    let after = codes(ws.checked());
    assert_eq!(
        after.iter().filter(|c| *c == "R004").count(),
        1,
        "{after:?}"
    );
    let f = ws
        .checked()
        .findings
        .iter()
        .find(|f| f.code.rule().code == "R004")
        .unwrap();
    assert_eq!(ws.checked().model.sources.path(f.span.file), rel);
    assert!(f.message.contains("BX-"), "{}", f.message);
    ws.update(rel, good);
    assert_eq!(codes(ws.checked()), before);
}

/// Removing the file that defines a node makes the links to it broken;
/// adding it back mends them.
#[test]
fn removing_and_adding_a_file() {
    let files: BTreeMap<String, String> = rtm::corpus::generate(200, 4).into_iter().collect();
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &files);
    let mut ws = Workspace::open(dir.path(), &options()).unwrap();
    let before = json(ws.checked());
    let rel = "business/business-00000.toml";
    ws.remove(rel);
    assert!(codes(ws.checked()).contains(&"R004".to_owned()));
    let mut less = files.clone();
    less.remove(rel);
    assert_eq!(json(ws.checked()), json(&fresh(&less)));
    ws.update(rel, files[rel].clone());
    assert_eq!(json(ws.checked()), before);
    // A path that is not a node file changes nothing.
    ws.update("notes.txt", "not toml".to_owned());
    ws.update(".hidden/x.toml", "= broken".to_owned());
    assert_eq!(json(ws.checked()), before);
}

/// Two definitions of one id in one file: moving the later above the
/// earlier changes which one is first, though every id, kind and link is
/// the same (the graph cannot be kept).
#[test]
fn moving_a_duplicate_above_its_first_definition() {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    files.insert("rtm.toml".into(), "[project]\nname = \"T\"\n".into());
    let theme = "[[theme]]\nid = \"X-1\"\ntitle = \"A theme\"\ntext = \"t\"\n\n";
    let business =
        "[[business]]\nid = \"X-1\"\ntitle = \"A need\"\nthemes = [\"X-1\"]\ntext = \"b\"\n\n";
    files.insert("a.toml".into(), format!("{theme}{business}"));
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &files);
    let mut ws = Workspace::open(dir.path(), &options()).unwrap();
    assert_eq!(json(ws.checked()), json(&fresh(&files)));
    let first = json(ws.checked());
    files.insert("a.toml".into(), format!("{business}{theme}"));
    ws.update("a.toml", files["a.toml"].clone());
    assert_eq!(json(ws.checked()), json(&fresh(&files)));
    assert_ne!(json(ws.checked()), first);
}
