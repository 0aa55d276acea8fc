//! rtm on one thread (`RAYON_NUM_THREADS=1`, and a system that refuses it
//! every thread): every command that otherwise works on several threads
//! gives the same bytes, and none waits forever or panics.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{copy_dir, git, rtm};

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

/// Runs rtm with `args` in `cwd`, on one thread or as usual; its exit
/// code and standard output. Fails (instead of hanging) after a while.
fn run(cwd: &Path, alone: bool, args: &[&str]) -> (i32, Vec<u8>) {
    let mut cmd = rtm();
    cmd.current_dir(cwd)
        .args(args)
        .timeout(Duration::from_secs(120));
    if alone {
        cmd.env("RAYON_NUM_THREADS", "1");
    } else {
        cmd.env_remove("RAYON_NUM_THREADS");
    }
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "{args:?} (alone: {alone}) did not end: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, out.stdout)
}

/// Every file under `dir`, by its path inside it.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn one_thread_writes_the_same_documents_and_imports() {
    let tree = bundled();
    let tree = tree.to_str().unwrap();
    let mut outputs = Vec::new();
    for alone in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (code, check) = run(d, alone, &["check", tree, "--format", "json"]);
        assert_eq!(code, 0, "alone: {alone}");
        for args in [
            vec!["export", "xlsx", tree, "-o", "out.xlsx"],
            vec!["export", "csv", tree, "-o", "out.csv"],
            vec!["export", "reqif", tree, "-o", "out.reqif"],
            vec!["export", "reqif", tree, "-o", "out.reqifz"],
            vec!["report", tree, "--format", "html", "-o", "report.html"],
        ] {
            assert_eq!(run(d, alone, &args).0, 0, "{args:?} alone: {alone}");
        }
        for (file, into) in [("out.xlsx", "from-xlsx"), ("out.reqif", "from-reqif")] {
            std::fs::create_dir(d.join(into)).unwrap();
            let (code, _) = run(d, alone, &["import", file, "--into", into]);
            assert_eq!(code, 0, "import {file} alone: {alone}");
        }
        let written = files(d);
        assert!(written.len() > 20, "{:?}", written.keys());
        outputs.push((check, written));
    }
    let (usual, alone) = (&outputs[0], &outputs[1]);
    assert!(usual.0 == alone.0, "the check's JSON differs on one thread");
    let names = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&usual.1), names(&alone.1));
    for (name, bytes) in &usual.1 {
        assert!(
            alone.1.get(name) == Some(bytes),
            "{name} differs on one thread"
        );
    }
}

#[test]
fn one_thread_reads_a_git_revision() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    git(r, &["init", "-q"]);
    copy_dir(&bundled(), &r.join("requirements"));
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "base"]);
    // A new error since the revision: a link to an id nobody defines.
    let file = r.join("requirements/new.toml");
    std::fs::write(
        &file,
        "[[requirement]]\nid = \"RTM-9001\"\ntitle = \"New\"\ntext = \"New.\"\n\
         category = \"optional\"\nsatisfies = [\"BR-404\"]\n",
    )
    .unwrap();
    let args = [
        "check",
        "requirements",
        "--since",
        "HEAD",
        "--format",
        "json",
    ];
    let (usual_code, usual) = run(r, false, &args);
    let (alone_code, alone) = run(r, true, &args);
    assert_eq!(usual_code, 1);
    assert_eq!(alone_code, usual_code);
    let text = String::from_utf8(alone.clone()).unwrap();
    assert!(text.contains("RTM-9001"), "{text}");
    assert!(alone == usual, "--since differs on one thread");
}

/// A command that runs rtm with a limit of one process for its user
/// (`prlimit --nproc=1`), so that the system refuses it every thread.
/// root is not held to that limit: as root, rtm runs as `nobody`, from a
/// copy in `cwd` (the build's folder may be closed to others).
fn refused_threads(cwd: &Path) -> std::process::Command {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata(cwd).unwrap().uid() == 0;
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "prlimit",
        ]);
        c
    } else {
        std::process::Command::new("prlimit")
    };
    let rtm = cwd.join("rtm-binary");
    if !rtm.exists() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::copy(env!("CARGO_BIN_EXE_rtm"), &rtm).unwrap();
        std::fs::set_permissions(&rtm, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    cmd.args(["--nproc=1", "--"])
        .arg(&rtm)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("RAYON_NUM_THREADS");
    cmd
}

/// Makes a folder and everything below it readable by anyone, whatever
/// the umask.
fn open_to_all(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            open_to_all(&p);
        } else {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

#[test]
fn a_system_that_refuses_every_thread_gets_the_same_bytes() {
    use std::os::unix::fs::PermissionsExt;
    // A folder anyone may read and write (rtm may run as `nobody`).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o777)).unwrap();
    copy_dir(&bundled(), &d.join("tree"));
    open_to_all(&d.join("tree"));
    for sub in ["usual", "refused"] {
        std::fs::create_dir(d.join(sub)).unwrap();
        std::fs::set_permissions(d.join(sub), std::fs::Permissions::from_mode(0o777)).unwrap();
        std::fs::create_dir(d.join(sub).join("imported")).unwrap();
        std::fs::set_permissions(
            d.join(sub).join("imported"),
            std::fs::Permissions::from_mode(0o777),
        )
        .unwrap();
    }
    // The limit holds: the language server, which cannot work without
    // its reader thread, says so.
    let lsp = refused_threads(d)
        .arg("lsp")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&lsp.stderr);
    assert_eq!(lsp.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot start the thread that reads the client"),
        "{err}"
    );
    let commands: [&[&str]; 4] = [
        &["check", "tree", "--format", "json"],
        &["export", "xlsx", "tree", "-o", "OUT/x.xlsx"],
        &["export", "reqif", "tree", "-o", "OUT/x.reqif"],
        &["import", "OUT/x.xlsx", "--into", "OUT/imported"],
    ];
    for args in commands {
        let args_in =
            |sub: &str| -> Vec<String> { args.iter().map(|a| a.replace("OUT", sub)).collect() };
        let usual = rtm()
            .current_dir(d)
            .env_remove("RAYON_NUM_THREADS")
            .args(args_in("usual"))
            .output()
            .unwrap();
        let refused = refused_threads(d)
            .args(args_in("refused"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(
            refused.status.code(),
            usual.status.code(),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        if args[0] == "check" {
            assert!(refused.stdout == usual.stdout, "{args:?}: the JSON differs");
        }
    }
    let usual = files(&d.join("usual"));
    let refused = files(&d.join("refused"));
    assert!(usual.len() > 10, "{:?}", usual.keys());
    assert_eq!(
        usual.keys().collect::<Vec<_>>(),
        refused.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &usual {
        assert!(refused.get(name) == Some(bytes), "{name} differs");
    }
}
