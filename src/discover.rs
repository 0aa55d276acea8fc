//! Finding the tree when none is named, as cargo finds `Cargo.toml` and git
//! finds `.git`: in the current folder, then in each parent in turn, the
//! first folder that holds `rtm.toml`, or `requirements/rtm.toml`; a
//! project without `rtm.toml` still works from its root with
//! `requirements/`.

use std::path::{Component, Path, PathBuf};

use crate::load::PROJECT_FILE;

/// The folder rtm reads when no tree is named and none is found.
pub const DEFAULT_TREE: &str = "requirements";

/// No tree was found; the message says where rtm looked.
#[derive(Debug, thiserror::Error)]
#[error(
    "no requirement tree found: looked for {PROJECT_FILE} and {DEFAULT_TREE}/{PROJECT_FILE} in {} and each folder above it, and for a {DEFAULT_TREE}/ folder in {}; name the tree's folder (for example `rtm check path/to/requirements`), or start one with `rtm init`",
    .start.display(),
    .start.display()
)]
pub struct NotFound {
    pub start: PathBuf,
}

/// The tree to read from `start` (the current folder), as a path relative
/// to `start` when it lies below it (`requirements`, `.`), or made of `..`
/// steps when it lies above it (`../..`), so that what rtm prints does not
/// depend on where the project lies on disk.
pub fn find_tree(start: &Path) -> Result<PathBuf, NotFound> {
    let is_file = |p: &Path| p.join(PROJECT_FILE).is_file();
    let mut up = 0usize;
    let mut dir = Some(start);
    while let Some(d) = dir {
        let back = || {
            if up == 0 {
                PathBuf::from(".")
            } else {
                std::iter::repeat_n(Component::ParentDir, up).collect()
            }
        };
        if is_file(d) {
            return Ok(back());
        }
        if is_file(&d.join(DEFAULT_TREE)) {
            return Ok(tidy(back().join(DEFAULT_TREE)));
        }
        if up == 0 && d.join(DEFAULT_TREE).is_dir() {
            return Ok(PathBuf::from(DEFAULT_TREE));
        }
        dir = d.parent();
        up += 1;
    }
    Err(NotFound {
        start: start.to_path_buf(),
    })
}

/// `./requirements` as `requirements`.
fn tidy(p: PathBuf) -> PathBuf {
    p.strip_prefix(".").map(Path::to_path_buf).unwrap_or(p)
}

/// The tree named on the command line, or the one found from the current
/// folder.
pub fn tree_or_found(named: Option<&Path>) -> Result<PathBuf, NotFound> {
    match named {
        Some(p) => Ok(p.to_path_buf()),
        None => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            find_tree(&cwd)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_tree_upwards() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let tree = root.join("requirements");
        std::fs::create_dir_all(tree.join("detailed/deep")).unwrap();
        std::fs::write(tree.join("rtm.toml"), "").unwrap();
        assert_eq!(find_tree(root).unwrap(), Path::new("requirements"));
        assert_eq!(find_tree(&tree).unwrap(), Path::new("."));
        assert_eq!(
            find_tree(&tree.join("detailed/deep")).unwrap(),
            Path::new("../..")
        );
        // A project root above, with requirements/rtm.toml, seen from src/.
        std::fs::create_dir(root.join("src")).unwrap();
        assert_eq!(
            find_tree(&root.join("src")).unwrap(),
            Path::new("../requirements")
        );
    }

    #[test]
    fn requirements_without_a_project_file_works_from_its_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("requirements")).unwrap();
        assert_eq!(find_tree(dir.path()).unwrap(), Path::new("requirements"));
    }

    #[test]
    fn says_where_it_looked() {
        let dir = tempfile::tempdir().unwrap();
        let start = dir.path().join("a");
        std::fs::create_dir(&start).unwrap();
        // Nothing here; a parent of the temporary folder may hold a tree on
        // some machines, so only the message is checked.
        let e = NotFound {
            start: start.clone(),
        };
        let msg = e.to_string();
        assert!(msg.contains(&start.display().to_string()), "{msg}");
        assert!(msg.contains("each folder above it"), "{msg}");
    }
}
