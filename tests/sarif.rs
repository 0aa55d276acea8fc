//! `rtm check --format sarif`: valid SARIF 2.1.0 (checked against the OASIS
//! schema in tests/data), the registry as the driver's rules, one result per
//! finding at the right place, stable bytes and unchanged exit statuses.

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
use rtm::rules::{Code, Level, RULES};
use serde_json::Value;

/// The fixture with findings at every level (see its header comment).
const LEVELS: &str = "tests/data/levels";

/// rtm, run from the repository root so that tree paths are relative.
fn rtm() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rtm"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    cmd
}

/// The SARIF bytes and exit status of `rtm check TREE --format sarif`.
fn run(cmd: &mut Command, tree: &str, extra: &[&str]) -> (Vec<u8>, Option<i32>) {
    let out = cmd
        .args(["check", tree, "--format", "sarif"])
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
    (out.stdout, out.status.code())
}

fn sarif(tree: &str) -> Value {
    let (bytes, _) = run(&mut rtm(), tree, &[]);
    serde_json::from_slice(&bytes).unwrap()
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

/// Where `log` breaks the SARIF 2.1.0 schema (draft-04, formats checked).
fn schema_errors(log: &Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn validate(log: &Value) {
    let errors = schema_errors(log);
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

#[test]
fn output_is_valid_sarif_with_every_level() {
    let log = sarif(LEVELS);
    validate(&log);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let mut levels: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    levels.sort_unstable();
    levels.dedup();
    assert_eq!(levels, ["error", "note", "warning"]);
}

#[test]
fn the_schema_check_catches_bad_sarif() {
    let log = sarif(LEVELS);
    for (pointer, bad) in [
        ("/runs/0/results/0/level", Value::from("fatal")),
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            Value::from(0),
        ),
        (
            "/runs/0/tool/driver/rules/0/defaultConfiguration/level",
            Value::from("off"),
        ),
        ("/runs/0/columnKind", Value::from("bytes")),
    ] {
        let mut broken = log.clone();
        *broken.pointer_mut(pointer).unwrap() = bad;
        assert!(
            !schema_errors(&broken).is_empty(),
            "{pointer} was not caught"
        );
    }
}

#[test]
fn other_trees_are_valid_sarif_too() {
    for tree in [
        "requirements",
        "tests/fixtures/rules/R004/fires",
        "tests/fixtures/rules/R207/fires",
        "tests/fixtures/rules/R203/quiet",
    ] {
        validate(&sarif(tree));
    }
}

#[test]
fn driver_lists_every_rule_in_registry_order() {
    let log = sarif(LEVELS);
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "rtm");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (d, rule) in rules.iter().zip(RULES) {
        assert_eq!(d["id"], rule.code);
        assert_eq!(d["name"], rule.name);
        assert_eq!(d["shortDescription"]["text"], rule.summary);
        assert_eq!(d["help"]["text"], rule.doc);
        assert_eq!(d["help"]["markdown"], rule.doc);
        let level = match rule.default {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::Off => panic!("{} is off by default", rule.code),
        };
        assert_eq!(d["defaultConfiguration"]["level"], level);
        // The first paragraph of "What it checks", on one line.
        let full = d["fullDescription"]["text"].as_str().unwrap();
        assert!(!full.is_empty() && !full.contains('\n'), "{}", rule.code);
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let section = rule.doc.split("## What it checks").nth(1).unwrap();
        assert!(words(section).starts_with(full), "{}", rule.code);
    }
}

#[test]
fn one_result_per_finding_in_order() {
    for tree in [LEVELS, "requirements"] {
        let checked = common::check(&Path::new(env!("CARGO_MANIFEST_DIR")).join(tree));
        let log = sarif(tree);
        let results = results(&log);
        assert_eq!(results.len(), checked.findings.len(), "{tree}");
        for (r, f) in results.iter().zip(&checked.findings) {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(RULES[index].code, r["ruleId"]);
            assert_eq!(r["ruleId"], f.code.rule().code);
            assert_eq!(r["level"], f.level.as_str());
            assert_eq!(r["message"]["text"], f.message.as_str());
            assert_eq!(
                r["relatedLocations"].as_array().map_or(0, Vec::len),
                f.related.len()
            );
            // Help goes to the result's properties, only when there is some.
            match &f.help {
                Some(help) => assert_eq!(r["properties"]["help"], help.as_str()),
                None => assert!(r.get("properties").is_none()),
            }
            let node = &r["locations"][0]["logicalLocations"][0]["name"];
            match &f.node {
                Some(id) => assert_eq!(node, id.as_str()),
                None => assert!(node.is_null()),
            }
        }
    }
}

fn result<'a>(log: &'a Value, code: &str) -> &'a Value {
    results(log)
        .iter()
        .find(|r| r["ruleId"] == code)
        .unwrap_or_else(|| panic!("no {code} result"))
}

fn region(location: &Value) -> [u64; 4] {
    let r = &location["physicalLocation"]["region"];
    ["startLine", "startColumn", "endLine", "endColumn"].map(|k| r[k].as_u64().unwrap())
}

#[test]
fn places_are_repository_paths_and_character_columns() {
    let log = sarif(LEVELS);
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    // `satisfies = ["BR-001", "BR-0é1"]`: `"BR-0é1"` is 9 bytes, 8 characters.
    let r004 = &result(&log, "R004")["locations"][0];
    assert_eq!(
        r004["physicalLocation"]["artifactLocation"],
        serde_json::json!({ "uri": "tests/data/levels/nodes.toml", "uriBaseId": "%SRCROOT%" })
    );
    assert_eq!(region(r004), [33, 24, 33, 32]);
    assert_eq!(r004["logicalLocations"][0]["name"], "RTM-0001");
    // A multi-line string: the region ends after the closing `"""`.
    assert_eq!(
        region(&result(&log, "R211")["locations"][0]),
        [34, 15, 36, 13]
    );
}

#[test]
fn related_places_are_related_locations() {
    let log = sarif(LEVELS);
    let r203 = result(&log, "R203");
    assert_eq!(region(&r203["locations"][0]), [52, 28, 52, 30]);
    let related = r203["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], 0);
    assert_eq!(related[0]["message"]["text"], "limit defined here");
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/data/levels/nodes.toml"
    );
    assert_eq!(region(&related[0])[..2], [21, 28]);
    assert_eq!(related[0]["logicalLocations"][0]["name"], "SEC-POA-60");
    assert!(result(&log, "R004").get("relatedLocations").is_none());
}

#[test]
fn uri_is_the_tree_as_given_joined_with_the_file() {
    let uri = |log: &Value| {
        result(log, "R004")["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        uri(&sarif("./tests/data/levels/")),
        "tests/data/levels/nodes.toml"
    );
    let (bytes, _) = run(
        rtm().current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(LEVELS)),
        ".",
        &[],
    );
    assert_eq!(uri(&serde_json::from_slice(&bytes).unwrap()), "nodes.toml");
    // The bundled tree: `requirements/<folder>/…` (its first finding is an
    // open question on a business requirement).
    let log = sarif("requirements");
    let first = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = first["uri"].as_str().unwrap();
    assert!(uri.starts_with("requirements/"), "{uri}");
    assert!(
        results(&log).iter().any(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("requirements/detailed/"))
        }),
        "no finding under requirements/detailed/"
    );
}

#[test]
fn an_absolute_tree_gives_file_uris() {
    let dir = common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join(LEVELS));
    let tree = dir.path().to_str().unwrap();
    let (bytes, _) = run(&mut rtm(), tree, &[]);
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    validate(&log);
    let location = &result(&log, "R004")["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(location.get("uriBaseId").is_none());
    let uri = location["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/nodes.toml"),
        "{uri}"
    );
}

#[cfg(unix)]
#[test]
fn odd_file_names_are_percent_encoded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a,b c")).unwrap();
    std::fs::write(dir.path().join("a,b c/x:y%é.toml"), "# no node\n").unwrap();
    let (bytes, _) = run(rtm().current_dir(dir.path()), "a,b c", &[]);
    let log: Value = serde_json::from_slice(&bytes).unwrap();
    validate(&log);
    let location = &result(&log, "R302")["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "a,b%20c/x%3Ay%25%C3%A9.toml");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
}

#[test]
fn output_is_byte_identical_across_runs() {
    let (a, _) = run(&mut rtm(), LEVELS, &[]);
    let (b, _) = run(&mut rtm(), LEVELS, &[]);
    assert_eq!(a, b);
    let (a, _) = run(&mut rtm(), "requirements", &[]);
    let (b, _) = run(&mut rtm(), "requirements", &[]);
    assert_eq!(a, b);
}

#[test]
fn exit_statuses_are_unchanged() {
    assert_eq!(run(&mut rtm(), LEVELS, &[]).1, Some(1));
    assert_eq!(
        run(&mut rtm(), "tests/fixtures/rules/R207/fires", &[]).1,
        Some(0)
    );
    assert_eq!(
        run(
            &mut rtm(),
            "tests/fixtures/rules/R207/fires",
            &["--deny-warnings"]
        )
        .1,
        Some(1)
    );
    rtm()
        .args(["check", "no/such/folder", "--format", "sarif"])
        .assert()
        .code(2)
        .stdout("");
}

/// The SARIF text with the driver's rules (one page per rule, checked
/// above) cut out, and the crate version and the `ruleIndex` values (checked
/// above too) replaced, so that the snapshot shows the results and stays put
/// across releases and as rules are added to the registry.
fn snapshot_text(bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let open = "          \"rules\": [\n";
    let close = "\n          ]\n";
    let start = text.find(open).unwrap() + open.len();
    let end = start + text[start..].find(close).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let text = format!(
        "{}            \"… one reportingDescriptor per rule of RULES …\"{}",
        &text[..start],
        &text[end..]
    )
    .replace(
        &format!("\"version\": \"{version}\""),
        "\"version\": \"[version]\"",
    )
    .replace(
        &format!("\"semanticVersion\": \"{version}\""),
        "\"semanticVersion\": \"[version]\"",
    );
    let mut out = String::new();
    for line in text.lines() {
        match line.split_once("\"ruleIndex\": ") {
            Some((indent, _)) => out.push_str(&format!("{indent}\"ruleIndex\": \"[index]\",")),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[test]
fn snapshot() {
    let (bytes, _) = run(&mut rtm(), LEVELS, &[]);
    insta::assert_snapshot!("sarif-levels", snapshot_text(&bytes));
    // One rule descriptor in full, as written.
    let text = String::from_utf8(bytes).unwrap();
    let id = text.find("\"id\": \"R004\"").unwrap();
    let start = text[..id].rfind("\n            {\n").unwrap() + 1;
    let end = id + text[id..].find("\n            }").unwrap() + "\n            }".len();
    // The page itself is compared with `RULES` above: keep edits to it out
    // of this snapshot.
    let doc = serde_json::to_string(Code::R004.rule().doc).unwrap();
    let descriptor = text[start..end].replace(&doc, "\"[docs/rules/R004.md]\"");
    insta::assert_snapshot!("sarif-rule-R004", descriptor);
}
