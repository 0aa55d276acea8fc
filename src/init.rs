//! `rtm init`: a new tree that checks clean. It writes `rtm.toml`, one
//! theme, one business requirement and one RTM entry, each file with a
//! `#:schema` line for editors (taplo, Even Better TOML) pointing at the
//! JSON Schemas, which are written into the tree's hidden `.schemas/`
//! folder (hidden entries are not node files). It never touches a folder
//! that already holds a tree, and never replaces a file.

use std::path::{Path, PathBuf};

use crate::load::PROJECT_FILE;

/// The hidden folder of the tree that holds the JSON Schemas.
pub const SCHEMA_DIR: &str = ".schemas";

/// Why `rtm init` wrote nothing (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{0} already holds a requirement tree ({1}); nothing was written")]
    Exists(String, String),
    #[error("{0} already exists; nothing was written")]
    FileExists(String),
    #[error("{0}: not a folder")]
    NotADirectory(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0}; nothing was written")]
    Refused(String),
}

/// The project file: `[project]` set, every other section shown commented
/// out.
fn project_file(name: &str) -> String {
    let name = toml_edit::Value::from(name).to_string();
    format!(
        r#"#:schema {SCHEMA_DIR}/rtm.schema.json
# The project file of this requirement tree (docs/format.md §3). Every node
# file is any other *.toml below this folder; hidden entries are skipped.

[project]
name = {name}
# Default level for nodes that name none: white | green | amber | red.
classification = "white"
# Label of the SEC baseline the tree is held against, printed in reports.
# sec_baseline = "SEC as at September 2020"
# Product variants; a node without `variants` applies to all of them.
# variants = ["SB", "DB"]

# How documents name their classification level.
# [classification]
# scheme = "sec"        # sec: White to Red (default); tlp: TLP:CLEAR to TLP:RED

# A regular expression per kind, matched against the whole id.
# [ids]
# theme = "^TH-[0-9]{{2}}$"
# business = "^BR-[0-9]{{3}}$"
# requirement = "^RTM-[0-9]{{4}}$"
# sec = "^SEC-[A-Z0-9-]+$"
# modification = "^(DP|MP)[0-9]{{3}}$"

# Per-rule level, by code or name: error | warning | note | off
# (`rtm rules` lists every rule).
# [rules]
# R106 = "off"
# contingent-deviation = "error"
"#
    )
}

const THEME: &str = r#"#:schema .schemas/node.schema.json
# Business themes: what the programme sets out to achieve. Every theme is
# named by at least one business requirement (R101). Fields come in the
# order `rtm fmt` keeps (docs/format.md).

[[theme]]
id = "TH-01"                      # unique across the whole tree
title = "Replace the hubs whose networks close"   # one line
# The full statement, in Markdown.
text = '''
Replace this theme with your own.'''
status = "draft"                  # draft | proposed | agreed | withdrawn
# owner = "Programme board"       # who answers for it
"#;

const BUSINESS: &str = r#"#:schema .schemas/node.schema.json
# Business requirements: each serves one or more themes and is delivered by
# at least one RTM entry (R102).

[[business]]
id = "BR-001"
title = "Install a new hub in place of each old one"
text = '''
What the business needs, in Markdown.'''
status = "draft"
themes = ["TH-01"]                # the themes it serves (at least one)
# variants = ["SB"]               # the project's variants it applies to; default all
"#;

const REQUIREMENT: &str = r#"#:schema .schemas/node.schema.json
# Detailed RTM entries: each reaches a business requirement through
# `satisfies` (or a parent entry through `refines`). `rtm new requirement`
# adds the next one.

[[requirement]]
id = "RTM-0001"
title = "The new hub does everything the old one does"
text = '''
The detailed requirement, in Markdown. An entry that changes an SEC
obligation declares it in a `[[requirement.deviations]]` table.'''
status = "draft"
category = "mvp"                  # mvp | sec-support | optional
satisfies = ["BR-001"]            # the business requirements it delivers
# refines = ["RTM-0000"]          # parent RTM entries it decomposes
# sec = ["SEC-001"]               # SEC obligations it upholds as they stand
user_impact = "none"              # "none", or what Users must change
"#;

/// Every file `rtm init` writes, by path relative to the tree.
pub fn files(name: &str) -> Vec<(String, String)> {
    vec![
        (PROJECT_FILE.to_owned(), project_file(name)),
        ("theme.toml".to_owned(), THEME.to_owned()),
        ("business.toml".to_owned(), BUSINESS.to_owned()),
        ("requirement.toml".to_owned(), REQUIREMENT.to_owned()),
        (
            format!("{SCHEMA_DIR}/node.schema.json"),
            crate::schema::to_text(&crate::schema::node()),
        ),
        (
            format!("{SCHEMA_DIR}/rtm.schema.json"),
            crate::schema::to_text(&crate::schema::config()),
        ),
    ]
}

/// The first sign that `dir` holds a tree: its `rtm.toml`, or a `*.toml`
/// below it (hidden entries aside, as the loader reads it), by path.
fn holds_tree(dir: &Path) -> Option<String> {
    if std::fs::symlink_metadata(dir.join(PROJECT_FILE)).is_ok() {
        return Some(PROJECT_FILE.to_owned());
    }
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    walker.filter_map(Result::ok).find_map(|e| {
        let name = e.file_name().to_string_lossy();
        (e.depth() > 0 && name.ends_with(".toml") && !e.file_type().is_dir()).then(|| {
            e.path()
                .strip_prefix(dir)
                .unwrap_or(e.path())
                .to_string_lossy()
                .replace('\\', "/")
        })
    })
}

/// The default project name: the folder the tree is in when it is called
/// `requirements` (the project's), else the tree's own folder name.
pub fn default_name(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut parts = abs
        .components()
        .rev()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let own = parts.next();
    let named = match own.as_deref() {
        Some("requirements") => parts.next(),
        _ => own,
    };
    named.unwrap_or_else(|| "New project".to_owned())
}

/// Writes a new tree into `dir` (created when missing), each file
/// atomically, and returns the paths written. Refuses, writing nothing,
/// when `dir` holds a tree already or any file to write exists.
pub fn init(dir: &Path, name: &str) -> Result<Vec<PathBuf>, InitError> {
    let shown = dir.display().to_string();
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(InitError::NotADirectory(shown)),
        Ok(_) => {
            if let Some(found) = holds_tree(dir) {
                return Err(InitError::Exists(shown, found));
            }
        }
        Err(_) => {}
    }
    let files = files(name);
    for (rel, _) in &files {
        let path = dir.join(rel);
        if std::fs::symlink_metadata(&path).is_ok() {
            return Err(InitError::FileExists(path.display().to_string()));
        }
    }
    // A folder on the way that is a file (or a link) would fail the
    // writing half-way: refused first.
    crate::output::refuse_links(dir, files.iter().map(|(rel, _)| rel.as_str()))
        .map_err(InitError::Refused)?;
    let targets: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|(rel, text)| (dir.join(rel), text))
        .collect();
    for (path, _) in &targets {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| InitError::Io(parent.display().to_string(), e))?;
        }
    }
    // Every file staged (written beside its target and synced), then all
    // put in place: a failure while writing leaves none of them.
    let staged = crate::output::stage_all(&targets)
        .map_err(|(path, e)| InitError::Io(path.display().to_string(), e))?;
    crate::output::commit_all(staged, &[])
        .map_err(|(path, e)| InitError::Io(path.display().to_string(), e))?;
    Ok(targets.into_iter().map(|(path, _)| path).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_name_is_escaped() {
        let text = project_file("a \"quoted\"\nname");
        let doc: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(doc["project"]["name"].as_str(), Some("a \"quoted\"\nname"));
    }

    #[test]
    fn the_default_name_comes_from_the_folder() {
        assert_eq!(default_name(Path::new("/x/hub/requirements")), "hub");
        assert_eq!(default_name(Path::new("/x/hub/reqs")), "reqs");
    }
}
