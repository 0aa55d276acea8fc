//! `rtm check --format github`: one workflow command per finding, escaped as
//! GitHub reads them, then the human summary line; exit statuses unchanged.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use assert_cmd::Command;

/// The fixture with findings at every level (see its header comment).
const LEVELS: &str = "tests/data/levels";

/// rtm, run from the repository root so that tree paths are relative.
fn rtm() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtm"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

/// Standard output and exit status of `rtm check TREE --format github`.
fn run(cmd: &mut Command, tree: &str, extra: &[&str]) -> (String, Option<i32>) {
    let out = cmd
        .args(["check", tree, "--format", "github"])
        .args(extra)
        .output()
        .unwrap();
    // Only --deny-warnings failing on warnings alone writes a line, on
    // standard error, saying so.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.is_empty()
            || (extra.contains(&"--deny-warnings")
                && err.starts_with("rtm: failing: --deny-warnings and ")
                && err.lines().count() == 1),
        "{err}"
    );
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

#[test]
fn snapshot() {
    let (text, _) = run(&mut rtm(), LEVELS, &[]);
    insta::assert_snapshot!("github-levels", text);
}

#[test]
fn one_line_per_finding_then_the_summary() {
    let (text, _) = run(&mut rtm(), LEVELS, &[]);
    let checked = common::check(&Path::new(env!("CARGO_MANIFEST_DIR")).join(LEVELS));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), checked.findings.len() + 1);
    assert_eq!(
        lines.last().copied(),
        Some(rtm::render::human::summary(&checked).as_str())
    );
    for (line, f) in lines.iter().zip(&checked.findings) {
        let rule = f.code.rule();
        let title = format!(",title={} {}::", rule.code, rule.name);
        assert!(line.contains(&title), "{line}");
        assert!(
            line.contains("file=tests/data/levels/nodes.toml,line="),
            "{line}"
        );
    }
}

#[test]
fn levels_map_to_error_warning_and_notice() {
    let (text, _) = run(&mut rtm(), LEVELS, &[]);
    let command = |code: &str| {
        let title = format!("title={code} ");
        let line = text.lines().find(|l| l.contains(&title)).unwrap();
        line.split(' ').next().unwrap().to_owned()
    };
    assert_eq!(command("R004"), "::error");
    assert_eq!(command("R203"), "::error");
    assert_eq!(command("R207"), "::warning");
    assert_eq!(command("R211"), "::warning");
    assert_eq!(command("R201"), "::notice");
    assert_eq!(command("R301"), "::notice");
}

#[test]
fn places_are_exact() {
    let (text, _) = run(&mut rtm(), LEVELS, &[]);
    // `"BR-0é1"`: columns count characters; `endColumn` is just past the span.
    assert!(text.contains(
        "::error file=tests/data/levels/nodes.toml,line=33,col=24,endLine=33,endColumn=32,\
         title=R004 dangling-link::RTM-0001 satisfies BR-0é1, which does not exist\n"
    ));
    // Over several lines: GitHub takes no columns then.
    assert!(text.contains(
        "::warning file=tests/data/levels/nodes.toml,line=34,endLine=36,title=R211 user-impact::"
    ));
}

#[test]
fn message_data_escapes_percent_and_newlines_but_not_colons_or_commas() {
    let (text, _) = run(&mut rtm(), LEVELS, &[]);
    let line = text.lines().find(|l| l.contains("R211")).unwrap();
    assert!(
        line.ends_with(
            "::RTM-0001 needs Users to change: 100%25 of DNO systems must accept late alerts: \
             up to 180 s,%0Anot 60 s."
        ),
        "{line}"
    );
    assert!(!text.contains('\r'));
}

#[cfg(unix)]
#[test]
fn property_values_escape_commas_colons_and_percent() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a,b")).unwrap();
    std::fs::write(dir.path().join("a,b/x:y%.toml"), "# no node\n").unwrap();
    let (text, code) = run(rtm().current_dir(dir.path()), "./a,b", &[]);
    assert_eq!(
        text,
        "::warning file=a%2Cb/x%3Ay%25.toml,line=1,col=1,endLine=1,endColumn=1,\
         title=R302 empty-file::x:y%25.toml defines no node\n\
         rtm: 0 errors, 1 warning, 0 notes in 1 file (0 nodes)\n"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn the_tree_path_is_given_as_on_the_command_line() {
    let (text, _) = run(&mut rtm(), "./tests/data/levels/", &[]);
    assert!(text.starts_with("::notice file=tests/data/levels/nodes.toml,line=31,"));
    let (text, _) = run(
        rtm().current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(LEVELS)),
        ".",
        &[],
    );
    assert!(text.starts_with("::notice file=nodes.toml,line=31,"));
    let (text, _) = run(&mut rtm(), "requirements", &[]);
    assert!(
        text.lines()
            .all(|l| !l.starts_with("::") || l.contains(" file=requirements/")),
        "{text}"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    assert_eq!(
        run(&mut rtm(), "requirements", &[]),
        run(&mut rtm(), "requirements", &[])
    );
}

#[test]
fn exit_statuses_are_unchanged() {
    assert_eq!(run(&mut rtm(), LEVELS, &[]).1, Some(1));
    assert_eq!(run(&mut rtm(), "requirements", &[]).1, Some(0));
    assert_eq!(
        run(&mut rtm(), "requirements", &["--deny-warnings"]).1,
        Some(1)
    );
    assert_eq!(
        run(
            &mut rtm(),
            "tests/fixtures/rules/R203/quiet",
            &["--deny-warnings"]
        )
        .1,
        Some(0)
    );
    rtm()
        .args(["check", "no/such/folder", "--format", "github"])
        .assert()
        .code(2)
        .stdout("");
}
