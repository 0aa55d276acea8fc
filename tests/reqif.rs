//! ReqIF in and out (INTERCHANGE §3): real exports from the tools in
//! `../shared/corpora/reqif/` (skipped with a message when absent), exports
//! checked against the OMG XSD with xmllint (skipped when it is missing),
//! round trips, random trees, hostile inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::rtm;
use proptest::prelude::*;
use rtm::reqif::{self, Limits, Mapping, Severity, Target};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/reqif");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the real ReqIF exports are not part of the repository)",
            dir.display()
        );
        None
    }
}

fn xsd() -> Option<PathBuf> {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/reqif-xsd/reqif.xsd");
    let has_xmllint = std::process::Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if xsd.is_file() && has_xmllint {
        Some(xsd)
    } else {
        eprintln!("skipped: xmllint or {} is missing", xsd.display());
        None
    }
}

/// Asserts that a `.reqif` validates against the OMG XSD.
fn validate(file: &Path) {
    let Some(xsd) = xsd() else { return };
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} does not validate:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (file, SPEC-OBJECTs, SPEC-RELATIONs), as the corpus README counts them.
const FILES: &[(&str, usize, usize)] = &[
    ("reqif-studio-anonymised.reqif", 137, 14),
    ("pror-traceability-template.reqif", 21, 9),
    ("enterprise-architect-sample.reqif", 3, 1),
    ("eclipse-rmf-sample.reqif", 6, 0),
    ("polarion-sample.reqif", 2, 0),
    ("strictdoc-example.reqifz", 2, 0),
];

fn import_lib(path: &Path) -> reqif::Imported {
    let docs = reqif::read_path(path, &Limits::default()).unwrap();
    reqif::import(
        &docs,
        &Mapping::default(),
        &Target::default(),
        &Limits::default(),
    )
    .unwrap()
}

fn codes(checked: &rtm::Checked) -> BTreeSet<&'static str> {
    checked
        .findings
        .iter()
        .map(|f| f.code.rule().code)
        .collect()
}

fn link_count(checked: &rtm::Checked) -> usize {
    checked.model.nodes.iter().map(|n| n.links.len()).sum()
}

/// The node files of a tree, by path, without their first line (which
/// names the file they were imported from).
fn node_files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in walkdir(dir) {
        let rel = e.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        if rel == "rtm.toml" {
            continue;
        }
        let text = std::fs::read_to_string(&e).unwrap();
        let body = text.split_once('\n').map_or("", |(_, b)| b).to_owned();
        out.push((rel, body));
    }
    out.sort();
    out
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn every_real_export_imports_checks_reexports_and_round_trips() {
    let Some(dir) = corpus() else { return };
    for &(name, objects, relations) in FILES {
        let file = dir.join(name);
        let imported = import_lib(&file);
        assert!(!imported.has_errors(), "{name}: {:?}", imported.diagnostics);
        assert_eq!(imported.objects, objects, "{name}: SPEC-OBJECTs read");
        assert_eq!(
            imported.counts.iter().sum::<usize>(),
            objects,
            "{name}: one node per SPEC-OBJECT"
        );
        assert_eq!(imported.relations, relations, "{name}: SPEC-RELATIONs read");
        // Every relation is a link, or a diagnostic says why it is not.
        let skipped = imported
            .diagnostics
            .iter()
            .filter(|d| {
                d.element
                    .as_deref()
                    .is_some_and(|e| e.starts_with("SPEC-RELATION "))
            })
            .map(|d| d.element.clone())
            .collect::<BTreeSet<_>>()
            .len();
        assert_eq!(
            imported.relation_links + skipped,
            relations,
            "{name}: relations"
        );

        // Through the command line, into a new tree.
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        rtm()
            .arg("import")
            .arg(&file)
            .arg("--into")
            .arg(&tree)
            .assert()
            .success();
        let checked = common::check(&tree);
        assert_eq!(checked.model.nodes.len(), objects, "{name}: nodes");
        assert_eq!(
            link_count(&checked),
            imported.hierarchy_links + imported.relation_links,
            "{name}: links = hierarchy parents + relations"
        );
        assert_eq!(link_count(&checked), imported.links, "{name}: links");
        let found = codes(&checked);
        for bad in ["R001", "R002", "R003", "R007"] {
            assert!(!found.contains(bad), "{name}: {bad} in {found:?}");
        }

        // Export validates; importing it again gives the same files.
        let out = tmp.path().join("again.reqif");
        rtm()
            .args(["export", "reqif"])
            .arg(&tree)
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
        validate(&out);
        let again = tmp.path().join("again");
        rtm()
            .arg("import")
            .arg(&out)
            .arg("--into")
            .arg(&again)
            .assert()
            .success();
        assert_eq!(
            node_files(&tree),
            node_files(&again),
            "{name}: import, export, import"
        );
    }
}

#[test]
fn a_relation_to_a_missing_object_is_named_with_its_line_and_the_rest_imported() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = rtm()
        .arg("import")
        .arg(dir.join("enterprise-architect-sample.reqif"))
        .arg("--into")
        .arg(tmp.path().join("t"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "enterprise-architect-sample.reqif:195: SPEC-RELATION ADB3C6E4-8014-4167-9D21-A8E13D98C6CA: its source FUNC-REQ-1 does not exist"
        ),
        "{stderr}"
    );
    assert_eq!(common::check(&tmp.path().join("t")).model.nodes.len(), 3);
}

/// A link has no attributes: the values a SPEC-RELATION carries (ProR's
/// suspect flags `S` and `T`, its own ForeignID) are named once each on
/// standard error with their count, not dropped in silence.
#[test]
fn the_attributes_of_relations_are_named_as_skipped() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = rtm()
        .arg("import")
        .arg(dir.join("pror-traceability-template.reqif"))
        .arg("--into")
        .arg(tmp.path().join("t"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for name in ["S", "T", "ReqIF.ForeignID"] {
        assert!(
            stderr.contains(&format!(
                "attribute \"{name}\" of SPEC-RELATIONs (9 values) is skipped: an rtm link has no attributes"
            )),
            "{name}: {stderr}"
        );
    }
}

/// What real exports do that the XSD does not allow, or that needs care:
/// no LONG-NAMEs, IDENTIFIERs that are not `xs:ID`s, enumerations, dates,
/// XHTML with an embedded object, two specifications, a relation to an
/// object that does not exist.
const LENIENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd" xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <CORE-CONTENT><REQ-IF-CONTENT>
    <DATATYPES>
      <DATATYPE-DEFINITION-ENUMERATION IDENTIFIER="st"><SPECIFIED-VALUES>
        <ENUM-VALUE IDENTIFIER="Agreed"/><ENUM-VALUE IDENTIFIER="v2" LONG-NAME="Draft"/>
      </SPECIFIED-VALUES></DATATYPE-DEFINITION-ENUMERATION>
    </DATATYPES>
    <SPEC-TYPES>
      <SPEC-OBJECT-TYPE IDENTIFIER="T"><SPEC-ATTRIBUTES>
        <ATTRIBUTE-DEFINITION-XHTML IDENTIFIER="ReqIF.Text"/>
        <ATTRIBUTE-DEFINITION-ENUMERATION IDENTIFIER="status"/>
        <ATTRIBUTE-DEFINITION-DATE IDENTIFIER="Created"/>
      </SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE>
    </SPEC-TYPES>
    <SPEC-OBJECTS>
      <SPEC-OBJECT IDENTIFIER="1 not an id">
        <TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE>
        <VALUES>
          <ATTRIBUTE-VALUE-XHTML><DEFINITION><ATTRIBUTE-DEFINITION-XHTML-REF>ReqIF.Text</ATTRIBUTE-DEFINITION-XHTML-REF></DEFINITION>
            <THE-VALUE><xhtml:div><xhtml:p>The hub <xhtml:b>shall</xhtml:b> alert &amp; log.</xhtml:p><xhtml:p>See <xhtml:object data="files/diagram.png" type="image/png"><xhtml:object data="files/diagram.svg"/>fallback</xhtml:object>.</xhtml:p></xhtml:div></THE-VALUE>
          </ATTRIBUTE-VALUE-XHTML>
          <ATTRIBUTE-VALUE-ENUMERATION><DEFINITION><ATTRIBUTE-DEFINITION-ENUMERATION-REF>status</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>
            <VALUES><ENUM-VALUE-REF>Agreed</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION>
          <ATTRIBUTE-VALUE-DATE THE-VALUE="2020-09-28T10:00:00+01:00"><DEFINITION><ATTRIBUTE-DEFINITION-DATE-REF>Created</ATTRIBUTE-DEFINITION-DATE-REF></DEFINITION></ATTRIBUTE-VALUE-DATE>
        </VALUES>
      </SPEC-OBJECT>
      <SPEC-OBJECT IDENTIFIER="child">
        <TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE>
        <VALUES><ATTRIBUTE-VALUE-ENUMERATION><DEFINITION><ATTRIBUTE-DEFINITION-ENUMERATION-REF>status</ATTRIBUTE-DEFINITION-ENUMERATION-REF></DEFINITION>
            <VALUES><ENUM-VALUE-REF>v2</ENUM-VALUE-REF></VALUES></ATTRIBUTE-VALUE-ENUMERATION></VALUES>
      </SPEC-OBJECT>
    </SPEC-OBJECTS>
    <SPEC-RELATIONS>
      <SPEC-RELATION IDENTIFIER="r1"><SOURCE><SPEC-OBJECT-REF>child</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>gone</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>
    </SPEC-RELATIONS>
    <SPECIFICATIONS>
      <SPECIFICATION IDENTIFIER="s1"><CHILDREN><SPEC-HIERARCHY IDENTIFIER="h1"><OBJECT><SPEC-OBJECT-REF>1 not an id</SPEC-OBJECT-REF></OBJECT>
        <CHILDREN><SPEC-HIERARCHY IDENTIFIER="h2"><OBJECT><SPEC-OBJECT-REF>child</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN>
      </SPEC-HIERARCHY></CHILDREN></SPECIFICATION>
      <SPECIFICATION IDENTIFIER="s2"><CHILDREN><SPEC-HIERARCHY IDENTIFIER="h3"><OBJECT><SPEC-OBJECT-REF>child</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY></CHILDREN></SPECIFICATION>
    </SPECIFICATIONS>
  </REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>
"#;

#[test]
fn lenient_where_real_exports_differ() {
    let (a, tmp) = import_text("lenient.reqif", LENIENT.as_bytes());
    let out = a.success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("lenient.reqif:35: SPEC-RELATION r1: its target gone does not exist"),
        "{stderr}"
    );
    assert!(
        stderr.contains("attribute \"Created\" (1 value) is not mapped"),
        "{stderr}"
    );
    let tree = tmp.path().join("t");
    let text = std::fs::read_to_string(tree.join("requirements.toml")).unwrap();
    let expected = r#"
[[requirement]]
id = "1-not-an-id"
title = "The hub **shall** alert & log."
text = """
The hub **shall** alert & log.

See [attachment: files/diagram.png]."""
status = "agreed"
category = "optional"
reqif_id = "1 not an id"

[[requirement]]
id = "child"
title = "child"
status = "draft"
category = "optional"
refines = ["1-not-an-id"]
reqif_id = "child"
"#;
    assert_eq!(text.split_once('\n').unwrap().1, expected);
    let checked = common::check(&tree);
    let found = codes(&checked);
    for bad in ["R001", "R002", "R003", "R007"] {
        assert!(!found.contains(bad), "{bad} in {found:?}");
    }
    // An id that starts with a digit is kept in a new tree, whose
    // project file allows it; into an existing tree it gets its kind's
    // prefix, which the tree's patterns allow.
    let project = std::fs::read_to_string(tree.join("rtm.toml")).unwrap();
    assert!(
        project.contains("requirement = \"^[A-Za-z0-9][A-Za-z0-9._-]*$\""),
        "{project}"
    );
    let file = tmp.path().join("again.reqif");
    std::fs::write(&file, LENIENT).unwrap();
    let existing = tmp.path().join("existing");
    std::fs::create_dir_all(&existing).unwrap();
    std::fs::write(existing.join("rtm.toml"), "[project]\nname = \"e\"\n").unwrap();
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&existing)
        .assert()
        .success();
    let text = std::fs::read_to_string(existing.join("requirements.toml")).unwrap();
    assert!(text.contains("id = \"REQ-1-not-an-id\""), "{text}");
    assert!(!codes(&common::check(&existing)).contains("R007"));
}

/// Ids that start with a digit, valid in their tree (`[ids]`), come back
/// the same through a ReqIF export and an import into a new tree, as
/// through a spreadsheet.
#[test]
fn ids_that_start_with_a_digit_survive_export_then_import() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("rtm.toml"),
        "[project]\nname = \"num\"\n\n[ids]\nrequirement = \"^[0-9]+$\"\n",
    )
    .unwrap();
    std::fs::write(
        tree.join("n.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"101\"\ntitle = \"r\"\ncategory = \"optional\"\nsatisfies = [\"BR-001\"]\n\n[[requirement]]\nid = \"102\"\ntitle = \"r2\"\ncategory = \"optional\"\nrefines = [\"101\"]\n",
    )
    .unwrap();
    let file = tmp.path().join("out.reqif");
    common::export("reqif", &tree, &file, &[]);
    // Into a copy of the tree's project file, and into a new tree.
    let back = tmp.path().join("back");
    import_into(&file, &tree, &back);
    assert_same_tree(&tree, &back);
    let new = tmp.path().join("new");
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&new)
        .assert()
        .success();
    assert_same_tree(&tree, &new);
    assert!(!codes(&common::check(&new)).contains("R007"));
}

/// A tree whose business requirement has `themes = []` (R104) comes back
/// the same, as it does through a spreadsheet.
#[test]
fn empty_themes_survive_export_then_import() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\"]\n\n\
         [[business]]\nid = \"BR-2\"\ntitle = \"No theme\"\nthemes = []\n\n\
         [[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-1\", \"BR-2\"]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_same_tree(&tree, &back);
    let found = codes(&rtm::check(&back).unwrap());
    assert!(found.contains("R104"), "{found:?}");
    assert!(!found.contains("R002"), "{found:?}");
}

/// `rtm diff BASE TREE` says no node changed.
fn assert_same_tree(base: &Path, tree: &Path) {
    let out = rtm().arg("diff").arg(base).arg(tree).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no node or deviation changed"), "{}", text);
}

#[test]
fn the_bundled_tree_exports_valid_reqif_and_comes_back_the_same() {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements");
    let tmp = tempfile::tempdir().unwrap();
    for ext in ["reqif", "reqifz"] {
        let out = tmp.path().join(format!("bundled.{ext}"));
        common::export("reqif", &bundled, &out, &[]);
        if ext == "reqif" {
            validate(&out);
            // The same tree exports the same bytes.
            let again = tmp.path().join("again.reqif");
            common::export("reqif", &bundled, &again, &[]);
            assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&again).unwrap());
        }
        let tree = tmp.path().join(format!("tree-{ext}"));
        std::fs::create_dir(&tree).unwrap();
        std::fs::copy(bundled.join("rtm.toml"), tree.join("rtm.toml")).unwrap();
        rtm()
            .arg("import")
            .arg(&out)
            .arg("--into")
            .arg(&tree)
            .assert()
            .success();
        assert_same_tree(&bundled, &tree);
        // No node needs a reqif_id: each has the IDENTIFIER its id gives.
        for (_, text) in node_files(&tree) {
            assert!(!text.contains("reqif_id"));
        }
    }
}

#[test]
fn an_imported_node_keeps_its_identifier_on_export() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("n.toml"),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"A\"\nreqif_id = \"_abc-123\"\n",
    )
    .unwrap();
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(
        xml.contains("<SPEC-OBJECT IDENTIFIER=\"_abc-123\""),
        "{xml}"
    );
    validate(&out);
}

#[test]
fn an_export_leaves_out_every_node_above_the_level() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"Open\"\n\n[[theme]]\nid = \"TH-SECRET\"\ntitle = \"Hidden words\"\nclassification = \"red\"\n\n[[sec]]\nid = \"SEC-SECRET\"\ntitle = \"Red rule\"\nclassification = \"red\"\n\n[[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\", \"TH-SECRET\"]\n\n[[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\ndeviations = [{ sec = \"SEC-SECRET\", summary = \"s\", rationale = \"r\" }]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &["--classification", "white"]);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.contains("TH-1"));
    assert!(xml.contains("RTM-1") && xml.contains("BR-1"));
    for secret in ["TH-SECRET", "Hidden words", "SEC-SECRET", "Red rule"] {
        assert!(!xml.contains(secret), "{secret} in the export");
    }
    validate(&out);
}

/// A tree folder `t` in `dir`: a project file and one node file, `n.toml`.
fn tree_with(dir: &Path, nodes: &str) -> PathBuf {
    let tree = dir.join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("rtm.toml"), "[project]\nname = \"x\"\n").unwrap();
    std::fs::write(tree.join("n.toml"), nodes).unwrap();
    tree
}

/// The links of node `id` in `field`, as `rtm check` reads the tree.
fn links_of(tree: &Path, id: &str, field: rtm::model::LinkField) -> Vec<String> {
    let checked = common::check(tree);
    let n = checked.model.nodes.iter().find(|n| n.id == id).unwrap();
    n.targets_in(field).map(str::to_string).collect()
}

/// Imports `file` into a new tree holding `rtm.toml` of `from`.
fn import_into(file: &Path, from: &Path, tree: &Path) {
    std::fs::create_dir(tree).unwrap();
    std::fs::copy(from.join("rtm.toml"), tree.join("rtm.toml")).unwrap();
    rtm()
        .arg("import")
        .arg(file)
        .arg("--into")
        .arg(tree)
        .assert()
        .success();
}

#[test]
fn dangling_links_survive_export_then_import() {
    use rtm::model::LinkField;
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[sec]]\nid = \"SEC-1\"\ntitle = \"S\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-GONE\", \"TH-1\"]\n\n\
         [[business]]\nid = \"BR-2\"\ntitle = \"Only a dangling theme\"\nthemes = [\"TH-NOWHERE\"]\n\n\
         [[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-GONE\", \"BR-1\", \"BR-GONE\"]\nrefines = [\"RTM-GONE\"]\n\
         sec = [\"SEC-1\", \"SEC, odd \\\"id\\\"\"]\n",
    );
    // The tree as written has the dangling links (R004).
    assert_eq!(
        links_of(&tree, "RTM-1", LinkField::Satisfies),
        ["BR-GONE", "BR-1", "BR-GONE"]
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    validate(&out);
    let xml = std::fs::read_to_string(&out).unwrap();
    for name in [
        "rtm.dangling.themes",
        "rtm.dangling.satisfies",
        "rtm.dangling.refines",
        "rtm.dangling.sec",
    ] {
        assert!(xml.contains(&format!("LONG-NAME=\"{name}\"")), "{name}");
    }
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_same_tree(&tree, &back);
    assert_eq!(
        links_of(&back, "RTM-1", LinkField::Satisfies),
        ["BR-1", "BR-GONE", "BR-GONE"]
    );
    assert_eq!(links_of(&back, "RTM-1", LinkField::Refines), ["RTM-GONE"]);
    assert_eq!(
        links_of(&back, "RTM-1", LinkField::Sec),
        ["SEC-1", "SEC, odd \"id\""]
    );
    assert_eq!(links_of(&back, "BR-2", LinkField::Themes), ["TH-NOWHERE"]);
    // And again: the re-export of the imported tree is the same document.
    let again = tmp.path().join("again.reqif");
    common::export("reqif", &back, &again, &[]);
    let back2 = tmp.path().join("back2");
    import_into(&again, &tree, &back2);
    assert_same_tree(&tree, &back2);
}

#[test]
fn force_makes_the_tree_s_node_files_exactly_the_import_s() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\"]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    // A file left from an earlier import: a node since deleted, and one
    // since moved into the import's file.
    let stale = back.join("old.toml");
    std::fs::write(
        &stale,
        "[[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\"]\n\n\
         [[business]]\nid = \"BR-OLD\"\ntitle = \"Deleted since\"\nthemes = [\"TH-1\"]\n",
    )
    .unwrap();
    let snapshot = |dir: &Path| {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&back);
    // Without --force nothing is overwritten or removed.
    rtm()
        .arg("import")
        .arg(&out)
        .arg("--into")
        .arg(&back)
        .assert()
        .failure();
    assert_eq!(snapshot(&back), before);
    // A dry run names the file it would remove, and changes nothing.
    let dry = rtm()
        .arg("import")
        .arg(&out)
        .arg("--into")
        .arg(&back)
        .args(["--force", "--dry-run"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&dry.get_output().stdout).into_owned();
    assert!(
        text.contains("would remove") && text.contains("old.toml"),
        "{text}"
    );
    assert_eq!(snapshot(&back), before);
    let done = rtm()
        .arg("import")
        .arg(&out)
        .arg("--into")
        .arg(&back)
        .arg("--force")
        .assert()
        .success();
    let text = String::from_utf8_lossy(&done.get_output().stdout).into_owned();
    assert!(
        text.contains("removed") && text.contains("old.toml"),
        "{text}"
    );
    assert!(!stale.exists());
    assert!(back.join("rtm.toml").exists());
    let checked = rtm::check(&back).unwrap();
    assert!(checked.model.nodes.iter().all(|n| n.id != "BR-OLD"));
    assert!(
        !checked
            .findings
            .iter()
            .any(|f| f.code == rtm::rules::Code::R003),
        "{:?}",
        checked.findings
    );
    assert_same_tree(&tree, &back);
}

#[test]
fn a_link_of_a_node_to_itself_survives_export_then_import() {
    use rtm::model::LinkField;
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\"]\n\n\
         [[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-1\"]\nrefines = [\"RTM-1\"]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    validate(&out);
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_same_tree(&tree, &back);
    assert_eq!(links_of(&back, "RTM-1", LinkField::Refines), ["RTM-1"]);
    // The loop is the tree's own, and the check reports it as for any tree.
    let checked = rtm::check(&back).unwrap();
    assert!(
        checked
            .findings
            .iter()
            .any(|f| f.code == rtm::rules::Code::R006)
    );
}

#[test]
fn links_written_twice_get_the_identifiers_one_after_the_other_would() {
    // A link repeated, and a target whose identifier is what the repeat
    // would be made unique as (`rtm-RTM-2-2`): each relation's
    // IDENTIFIER is the first free one in document order.
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\", \"TH-1\"]\n\n\
         [[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-1\"]\nrefines = [\"RTM-2\", \"RTM-2-2\", \"RTM-2\", \"RTM-2\"]\n\n\
         [[requirement]]\nid = \"RTM-2\"\ntitle = \"R2\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\n\n\
         [[requirement]]\nid = \"RTM-2-2\"\ntitle = \"R3\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &[]);
    validate(&out);
    let text = std::fs::read_to_string(&out).unwrap();
    let ids: Vec<&str> = text
        .split("IDENTIFIER=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter(|s| s.contains("--"))
        .collect();
    assert_eq!(
        ids,
        [
            "rtm-BR-1--themes--rtm-TH-1",
            "rtm-BR-1--themes--rtm-TH-1-2",
            "rtm-RTM-1--satisfies--rtm-BR-1",
            "rtm-RTM-1--refines--rtm-RTM-2",
            "rtm-RTM-1--refines--rtm-RTM-2-2",
            "rtm-RTM-1--refines--rtm-RTM-2-3",
            "rtm-RTM-1--refines--rtm-RTM-2-4",
            "rtm-RTM-2--satisfies--rtm-BR-1",
            "rtm-RTM-2-2--satisfies--rtm-BR-1",
            "rtm-TH-1--h",
            "rtm-BR-1--h",
            "rtm-RTM-1--h",
            "rtm-RTM-2--h",
            "rtm-RTM-2-2--h",
        ]
    );
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_same_tree(&tree, &back);
}

#[test]
fn a_withheld_node_leaves_no_trace_while_a_dangling_link_survives() {
    use rtm::model::LinkField;
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"Open\"\n\n\
         [[theme]]\nid = \"TH-SECRET\"\ntitle = \"Hidden\"\nclassification = \"red\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\", \"TH-SECRET\", \"TH-GONE\"]\n\n\
         [[requirement]]\nid = \"RTM-SECRET\"\ntitle = \"Hidden entry\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-1\"]\nclassification = \"amber\"\n\n\
         [[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\n\
         satisfies = [\"BR-1\"]\nrefines = [\"RTM-SECRET\"]\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &["--classification", "white"]);
    validate(&out);
    let xml = std::fs::read_to_string(&out).unwrap();
    for secret in ["TH-SECRET", "RTM-SECRET", "Hidden"] {
        assert!(!xml.contains(secret), "{secret} in the export");
    }
    // The withheld link leaves no attribute, not even an empty one.
    assert!(!xml.contains("rtm.dangling.refines"), "{xml}");
    assert!(xml.contains("TH-GONE"));
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_eq!(
        links_of(&back, "BR-1", LinkField::Themes),
        ["TH-1", "TH-GONE"]
    );
    assert!(links_of(&back, "RTM-1", LinkField::Refines).is_empty());
    for (_, text) in node_files(&back) {
        assert!(!text.contains("SECRET"), "{text}");
    }
    // At red, the same tree round-trips whole.
    let all = tmp.path().join("all.reqif");
    common::export("reqif", &tree, &all, &["--classification", "red"]);
    let back_all = tmp.path().join("back-all");
    import_into(&all, &tree, &back_all);
    assert_same_tree(&tree, &back_all);
}

#[test]
fn a_shown_definition_never_takes_the_fields_of_a_withheld_one_of_the_same_id() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\nowner = \"Secret Owner\"\nclassification = \"red\"\n\n\
         [[theme]]\nid = \"TH-1\"\ntitle = \"T\"\nowner = \"Open Owner\"\n",
    );
    let out = tmp.path().join("o.reqif");
    common::export("reqif", &tree, &out, &["--classification", "white"]);
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(xml.contains("Open Owner"), "{xml}");
    assert!(!xml.contains("Secret Owner"), "{xml}");
}

#[test]
fn a_generated_large_tree_exports_valid_reqif_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("big");
    rtm::corpus::write(&tree, 10_000, 7).unwrap();
    let out = tmp.path().join("big.reqif");
    common::export("reqif", &tree, &out, &[]);
    validate(&out);
    let back = tmp.path().join("back");
    std::fs::create_dir(&back).unwrap();
    std::fs::copy(tree.join("rtm.toml"), back.join("rtm.toml")).unwrap();
    rtm()
        .arg("import")
        .arg(&out)
        .arg("--into")
        .arg(&back)
        .assert()
        .success();
    assert_same_tree(&tree, &back);
}

#[test]
fn import_never_overwrites_without_force_and_dry_run_writes_nothing() {
    let Some(dir) = corpus() else { return };
    let file = dir.join("polarion-sample.reqif");
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("t");
    let out = rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("requirements.toml (2 nodes)"), "{stdout}");
    assert!(stdout.contains("rtm.toml (the project file)"), "{stdout}");
    assert!(!tree.exists());
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .assert()
        .success();
    let first = std::fs::read(tree.join("requirements.toml")).unwrap();
    std::fs::write(tree.join("requirements.toml"), "# mine\n").unwrap();
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exist"));
    assert_eq!(
        std::fs::read_to_string(tree.join("requirements.toml")).unwrap(),
        "# mine\n"
    );
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .arg("--force")
        .assert()
        .success();
    // The same input gives the same bytes.
    assert_eq!(
        std::fs::read(tree.join("requirements.toml")).unwrap(),
        first
    );
}

/// A business requirement with no theme is imported with `themes = []`
/// and a warning, as a spreadsheet import writes it; `rtm check` then
/// reports R104 for it, as for any tree.
#[test]
fn a_business_requirement_with_no_theme_is_written_with_empty_themes() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let map = tmp.path().join("map.toml");
    // Business requirements need a theme; these objects have none.
    std::fs::write(&map, "[types]\n\"Requirement Type\" = \"business\"\n").unwrap();
    let tree = tmp.path().join("t");
    rtm()
        .arg("import")
        .arg(dir.join("pror-traceability-template.reqif"))
        .arg("--into")
        .arg(&tree)
        .arg("--mapping")
        .arg(&map)
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "has no theme (no parent theme, no relation to one): written with `themes = []`",
        ));
    let check = rtm()
        .arg("check")
        .arg(&tree)
        .arg("--format")
        .arg("json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"R104"), "{codes:?}");
    assert!(
        !codes.contains(&"R001") && !codes.contains(&"R002"),
        "{codes:?}"
    );
}

#[test]
fn a_mapping_names_types_attributes_and_relations() {
    let Some(dir) = corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let map = tmp.path().join("map.toml");
    std::fs::write(
        &map,
        "[attributes]\n\"FUNC-REQ-TXT\" = \"text\"\n\"PERF-REQ-TXT\" = \"text\"\n\"FUNC-REQ-STATUS\" = \"status\"\n[defaults]\ncategory = \"mvp\"\n",
    )
    .unwrap();
    let tree = tmp.path().join("t");
    rtm()
        .arg("import")
        .arg(dir.join("enterprise-architect-sample.reqif"))
        .arg("--into")
        .arg(&tree)
        .arg("--mapping")
        .arg(&map)
        .assert()
        .success();
    let text = std::fs::read_to_string(tree.join("requirements.toml")).unwrap();
    assert!(
        text.contains("text = \"The system shall observe the earths surface.\""),
        "{text}"
    );
    assert!(text.contains("status = \"proposed\""), "{text}");
    assert!(text.contains("category = \"mvp\""), "{text}");
    // A bad mapping is refused before anything is read.
    std::fs::write(&map, "[types]\n\"X\" = \"epic\"\n").unwrap();
    rtm()
        .arg("import")
        .arg(dir.join("enterprise-architect-sample.reqif"))
        .arg("--into")
        .arg(tmp.path().join("u"))
        .arg("--mapping")
        .arg(&map)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a kind"));
}

/// Imports `xml` (as a `.reqif` file) and returns the command's result.
fn import_text(name: &str, bytes: &[u8]) -> (assert_cmd::assert::Assert, tempfile::TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let a = rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(tmp.path().join("t"))
        .assert();
    (a, tmp)
}

#[test]
fn hostile_a_billion_laughs_is_refused() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<REQ-IF><THE-HEADER>&lol3;</THE-HEADER></REQ-IF>"#;
    let (a, tmp) = import_text("lol.reqif", xml.as_bytes());
    a.code(2)
        .stderr(predicates::str::contains("DOCTYPE (DTD) is not accepted"));
    assert!(!tmp.path().join("t").exists());
    // Without a DTD, an entity is simply undefined.
    let (a, _tmp) = import_text("ent.reqif", b"<REQ-IF>&lol;</REQ-IF>");
    a.code(2)
        .stderr(predicates::str::contains("entity `&lol;` is not defined"));
}

#[test]
fn hostile_deep_nesting_is_refused() {
    let depth = 100_000;
    let mut xml = String::from("<REQ-IF>");
    xml.push_str(&"<a>".repeat(depth));
    xml.push_str(&"</a>".repeat(depth));
    xml.push_str("</REQ-IF>");
    let (a, _tmp) = import_text("deep.reqif", xml.as_bytes());
    a.code(2)
        .stderr(predicates::str::contains("nested more than 1024 deep"));
}

#[test]
fn hostile_a_file_over_the_limit_is_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("huge.reqif");
    // 1 GiB, sparse: nothing of it is read.
    std::fs::File::create(&file)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(tmp.path().join("t"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "more than the limit of 536870912 bytes",
        ));
    assert!(!tmp.path().join("t").exists());
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn hostile_a_zip_bomb_is_refused_with_bounded_memory() {
    let zeros = vec![b' '; 8 << 20];
    let bomb = zip_of(&[("a.reqif", &zeros)]);
    assert!(bomb.len() < 100_000);
    let limits = Limits {
        max_bytes: 1 << 20,
        ..Limits::default()
    };
    let err = reqif::unzip("bomb.reqifz", bomb, &limits).unwrap_err();
    assert!(err.to_string().contains("zip bomb"), "{err}");
    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..20).map(|i| (format!("{i}.txt"), vec![])).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = reqif::unzip("many.reqifz", zip_of(&refs), &limits).unwrap_err();
    assert!(err.to_string().contains("20 entries"), "{err}");
}

#[test]
fn hostile_a_zip_entry_outside_the_archive_is_refused_and_nothing_written() {
    let doc = b"<REQ-IF></REQ-IF>";
    let z = zip_of(&[("ok.reqif", doc), ("../../evil.reqif", doc)]);
    let (a, tmp) = import_text("evil.reqifz", &z);
    a.code(2).stderr(predicates::str::contains(
        "names a path outside the archive",
    ));
    assert!(!tmp.path().join("t").exists());
    assert!(!tmp.path().join("evil.reqif").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

// Random trees survive export then import.
fn words() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "alert",
        "power",
        "outage",
        "<hub>",
        "R&D",
        "\"quoted\"",
        "naïve",
        "a  b",
        "x*y",
        "50%",
    ])
    .prop_map(str::to_owned)
}

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(words(), 1..5).prop_map(|w| w.join(" "))
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(sentence(), 0..4).prop_map(|l| l.join("\n"))
}

#[derive(Debug, Clone)]
struct Req {
    title: String,
    text: String,
    category: usize,
    business: usize,
    refines: Option<usize>,
    status: usize,
    /// A link to an id the tree does not define (R004).
    dangling: Option<usize>,
}

fn tree_strategy() -> impl Strategy<Value = (Vec<String>, Vec<(String, usize)>, Vec<Req>)> {
    (
        prop::collection::vec(sentence(), 1..3),
        prop::collection::vec((sentence(), 0usize..3), 1..4),
        prop::collection::vec(
            (
                sentence(),
                text(),
                0usize..3,
                0usize..4,
                prop::option::of(0usize..6),
                0usize..4,
                prop::option::of(0usize..3),
            )
                .prop_map(
                    |(title, text, category, business, refines, status, dangling)| Req {
                        title,
                        text,
                        category,
                        business,
                        refines,
                        status,
                        dangling,
                    },
                ),
            0..6,
        ),
    )
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn write_tree(dir: &Path, themes: &[String], business: &[(String, usize)], reqs: &[Req]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut t = String::new();
    for (i, title) in themes.iter().enumerate() {
        t.push_str(&format!(
            "[[theme]]\nid = \"TH-{i}\"\ntitle = {}\n\n",
            toml_str(title)
        ));
    }
    for (i, (title, th)) in business.iter().enumerate() {
        t.push_str(&format!(
            "[[business]]\nid = \"BR-{i}\"\ntitle = {}\nthemes = [\"TH-{}\"]\n\n",
            toml_str(title),
            th % themes.len()
        ));
    }
    for (i, r) in reqs.iter().enumerate() {
        t.push_str(&format!(
            "[[requirement]]\nid = \"RTM-{i}\"\ntitle = {}\ncategory = \"{}\"\nstatus = \"{}\"\nsatisfies = [\"BR-{}\"{}]\n",
            toml_str(&r.title),
            ["mvp", "sec-support", "optional"][r.category],
            ["draft", "proposed", "agreed", "withdrawn"][r.status],
            r.business % business.len(),
            r.dangling
                .map_or(String::new(), |d| format!(", \"BR-GONE-{d}\"")),
        ));
        if let Some(p) = r.refines.filter(|p| *p < i) {
            t.push_str(&format!("refines = [\"RTM-{p}\"]\n"));
        }
        if !r.text.is_empty() {
            t.push_str(&format!("text = {}\n", toml_str(&r.text)));
        }
        t.push('\n');
    }
    std::fs::write(dir.join("nodes.toml"), t).unwrap();
    std::fs::write(dir.join("rtm.toml"), "[project]\nname = \"random\"\n").unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_survive_export_then_import((themes, business, reqs) in tree_strategy()) {
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("a");
        write_tree(&tree, &themes, &business, &reqs);
        let checked = common::check(&tree);
        let view = rtm::view::View::new(&checked, None).unwrap();
        let xml = reqif::export(&view, &reqif::ExportOptions::default());
        let imported = reqif::import(
            &[("random.reqif".into(), xml.into_bytes())],
            &Mapping::default(),
            &Target::default(),
            &Limits::default(),
        )
        .unwrap();
        prop_assert!(!imported.has_errors(), "{:?}", imported.diagnostics);
        prop_assert!(imported.diagnostics.iter().all(|d| d.severity != Severity::Error));
        let back = tmp.path().join("b");
        std::fs::create_dir(&back).unwrap();
        std::fs::copy(tree.join("rtm.toml"), back.join("rtm.toml")).unwrap();
        for (rel, text) in &imported.files {
            let p = back.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let again = common::check(&back);
        prop_assert_eq!(again.model.nodes.len(), checked.model.nodes.len());
        for n in &checked.model.nodes {
            let m = again.model.nodes.iter().find(|m| m.id == n.id).unwrap();
            let changes = rtm::diff::field_changes(n, m);
            prop_assert!(changes.is_empty(), "{}: {:?}", n.id, changes);
        }
    }
}

#[test]
fn into_an_existing_tree_ids_must_match_its_patterns_and_be_new() {
    let Some(dir) = corpus() else { return };
    let file = dir.join("polarion-sample.reqif");
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("rtm.toml"),
        "[ids]\nrequirement = \"^RTM-[0-9]{4}$\"\n",
    )
    .unwrap();
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "polarion-sample.reqif:129: SPEC-OBJECT rmf-1d312f18-fa7c-4de3-b8f3-ab105179fddf: id LOREM-818 does not match the tree's requirement pattern",
        ))
        .stderr(predicates::str::contains("nothing written"));
    assert_eq!(std::fs::read_dir(&tree).unwrap().count(), 1);
    // An id the tree already holds, in another file.
    std::fs::write(tree.join("rtm.toml"), "").unwrap();
    std::fs::write(
        tree.join("mine.toml"),
        "[[requirement]]\nid = \"LOREM-818\"\ntitle = \"Mine\"\ncategory = \"mvp\"\n",
    )
    .unwrap();
    rtm()
        .arg("import")
        .arg(&file)
        .arg("--into")
        .arg(&tree)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "id LOREM-818 is already defined in the tree",
        ));
    assert!(!tree.join("requirements.toml").exists());
}

#[test]
fn reqif_id_is_read_and_is_not_part_of_the_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("t");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(
        tree.join("n.toml"),
        "[[theme]]\nid = \"TH-1\"\ntitle = \"A\"\nreqif_id = \"_x1\"\n\n[[theme]]\nid = \"TH-2\"\ntitle = \"A\"\n",
    )
    .unwrap();
    let checked = common::check(&tree);
    assert!(!codes(&checked).contains("R002"), "{:?}", codes(&checked));
    let a = &checked.model.nodes[0];
    let mut b = checked.model.nodes[1].clone();
    assert_eq!(a.reqif_id().map(|s| s.as_str()), Some("_x1"));
    b.id = a.id.clone();
    assert_eq!(rtm::stamp::fingerprint(a), rtm::stamp::fingerprint(&b));
    assert!(rtm::diff::field_changes(a, &b).is_empty());
}

#[test]
fn a_mapped_relation_the_kinds_cannot_hold_is_skipped_with_a_warning() {
    let Some(dir) = corpus() else { return };
    let docs = reqif::read_path(
        &dir.join("pror-traceability-template.reqif"),
        &Limits::default(),
    )
    .unwrap();
    let mapping = Mapping::parse("[relations]\n\"realizes\" = \"sec\"\n").unwrap();
    let imported = reqif::import(&docs, &mapping, &Target::default(), &Limits::default()).unwrap();
    assert_eq!(imported.relation_links, 0);
    let warnings = imported
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("a relation \"realizes\" from a requirement to a requirement has no rtm link field (`sec` names a sec)"))
        .count();
    assert_eq!(warnings, 9);
    let mapping = Mapping::parse("[relations]\n\"realizes\" = \"refines\"\n").unwrap();
    let imported = reqif::import(&docs, &mapping, &Target::default(), &Limits::default()).unwrap();
    assert_eq!(imported.relation_links, 9);
}

/// The IDENTIFIERs of the elements `element` of an export, in order.
fn identifiers_of(xml: &str, element: &str) -> Vec<String> {
    let open = format!("<{element} IDENTIFIER=\"");
    xml.match_indices(&open)
        .map(|(at, _)| {
            let rest = &xml[at + open.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn relation_and_hierarchy_identifiers_are_unique_however_they_are_made() {
    let tmp = tempfile::tempdir().unwrap();
    let head = "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-1\"\ntitle = \"B\"\nthemes = [\"TH-1\"]\n\n";
    let cases: [(&str, &str, &[&str], &[&str]); 3] = [
        // Every identifier as made (written in parallel).
        (
            "plain",
            "[[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\n",
            &[
                "rtm-BR-1--themes--rtm-TH-1",
                "rtm-RTM-1--satisfies--rtm-BR-1",
            ],
            &["rtm-TH-1--h", "rtm-BR-1--h", "rtm-RTM-1--h"],
        ),
        // A link written twice: two relations, the second numbered.
        (
            "twice",
            "[[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\", \"BR-1\"]\n",
            &[
                "rtm-BR-1--themes--rtm-TH-1",
                "rtm-RTM-1--satisfies--rtm-BR-1",
                "rtm-RTM-1--satisfies--rtm-BR-1-2",
            ],
            &["rtm-TH-1--h", "rtm-BR-1--h", "rtm-RTM-1--h"],
        ),
        // A node's own identifier takes what a relation and a hierarchy
        // would be: they are numbered.
        (
            "taken",
            "[[requirement]]\nid = \"RTM-1\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\n\n\
             [[requirement]]\nid = \"RTM-2\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\nreqif_id = \"rtm-RTM-1--satisfies--rtm-BR-1\"\n\n\
             [[requirement]]\nid = \"RTM-3\"\ntitle = \"R\"\ncategory = \"mvp\"\nsatisfies = [\"BR-1\"]\nreqif_id = \"rtm-BR-1--h\"\n",
            &[
                "rtm-BR-1--themes--rtm-TH-1",
                "rtm-RTM-1--satisfies--rtm-BR-1-2",
                "rtm-RTM-1--satisfies--rtm-BR-1--satisfies--rtm-BR-1",
                "rtm-BR-1--h--satisfies--rtm-BR-1",
            ],
            &[
                "rtm-TH-1--h",
                "rtm-BR-1--h-2",
                "rtm-RTM-1--h",
                "rtm-RTM-1--satisfies--rtm-BR-1--h",
                "rtm-BR-1--h--h",
            ],
        ),
    ];
    for (name, reqs, relations, hierarchy) in cases {
        let tree = tmp.path().join(name);
        std::fs::create_dir(&tree).unwrap();
        std::fs::write(tree.join("rtm.toml"), "[project]\nname = \"x\"\n").unwrap();
        std::fs::write(tree.join("n.toml"), format!("{head}{reqs}")).unwrap();
        let out = tmp.path().join(format!("{name}.reqif"));
        common::export("reqif", &tree, &out, &[]);
        let xml = std::fs::read_to_string(&out).unwrap();
        assert_eq!(identifiers_of(&xml, "SPEC-RELATION"), relations, "{name}");
        assert_eq!(identifiers_of(&xml, "SPEC-HIERARCHY"), hierarchy, "{name}");
        // xs:IDs are unique in a valid document.
        validate(&out);
        let back = tmp.path().join(format!("{name}-back"));
        import_into(&out, &tree, &back);
        assert_same_tree(&tree, &back);
    }
}

/// The export reads the tree without running the rules, yet still fails
/// closed on a classification it cannot read, and writes nothing.
#[test]
fn export_without_the_rules_still_refuses_an_unreadable_classification() {
    for config in [
        "[project]\nclassification = \"Amber\"\n",
        "[projcet]\nclassification = \"amber\"\n",
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rtm.toml"), config).unwrap();
        std::fs::write(
            dir.path().join("t.toml"),
            "[[theme]]\nid = \"TH-1\"\ntitle = \"T\"\n",
        )
        .unwrap();
        let out = dir.path().join("out.reqif");
        let o = rtm()
            .args(["export", "reqif"])
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{config:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("no document was written"), "{err}");
        assert!(!out.exists());
    }
}

/// A sink that takes `room` bytes, then fails.
struct Full {
    room: usize,
}

impl std::io::Write for Full {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The document is written by a thread of its own while the rest is made:
/// a write that fails part-way is still reported (and the export ends),
/// and the bytes written before it are the document's.
#[test]
fn a_failing_write_is_reported_by_the_export() {
    let tmp = tempfile::tempdir().unwrap();
    rtm::corpus::write(tmp.path(), 3_000, 1).unwrap();
    let checked = rtm::load_linked(tmp.path()).unwrap();
    let view = rtm::view::View::new(&checked, None).unwrap();
    let options = reqif::ExportOptions::default();
    let whole = reqif::export(&view, &options);
    assert!(whole.len() > 4 << 20, "{}", whole.len());
    for room in [0, 1000, 3 << 20] {
        let err = reqif::export_to(&view, &options, None, &mut Full { room }).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }
    let mut all = Vec::new();
    reqif::export_to(&view, &options, None, &mut all).unwrap();
    assert_eq!(String::from_utf8(all).unwrap(), whole);
}

/// Five objects whose `ReqIF.ForeignID`s collide or are not ids, linked by
/// the hierarchy and by a relation.
fn colliding_ids() -> String {
    let object = |identifier: &str, foreign: &str| {
        format!(
            r#"<SPEC-OBJECT IDENTIFIER="{identifier}"><TYPE><SPEC-OBJECT-TYPE-REF>T</SPEC-OBJECT-TYPE-REF></TYPE>
<VALUES><ATTRIBUTE-VALUE-STRING THE-VALUE="{foreign}"><DEFINITION><ATTRIBUTE-DEFINITION-STRING-REF>fid</ATTRIBUTE-DEFINITION-STRING-REF></DEFINITION></ATTRIBUTE-VALUE-STRING></VALUES></SPEC-OBJECT>
"#
        )
    };
    let objects: String = [
        ("o1", "A"),
        ("o2", "A"),
        ("o3", "A"),
        ("o4", "A-2"),
        ("o5", "x y"),
    ]
    .iter()
    .map(|(i, f)| object(i, f))
    .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<REQ-IF xmlns="http://www.omg.org/spec/ReqIF/20110401/reqif.xsd">
<CORE-CONTENT><REQ-IF-CONTENT>
<SPEC-TYPES><SPEC-OBJECT-TYPE IDENTIFIER="T" LONG-NAME="requirement"><SPEC-ATTRIBUTES>
<ATTRIBUTE-DEFINITION-STRING IDENTIFIER="fid" LONG-NAME="ReqIF.ForeignID"/>
</SPEC-ATTRIBUTES></SPEC-OBJECT-TYPE></SPEC-TYPES>
<SPEC-OBJECTS>
{objects}</SPEC-OBJECTS>
<SPEC-RELATIONS>
<SPEC-RELATION IDENTIFIER="r1"><SOURCE><SPEC-OBJECT-REF>o5</SPEC-OBJECT-REF></SOURCE><TARGET><SPEC-OBJECT-REF>o4</SPEC-OBJECT-REF></TARGET></SPEC-RELATION>
</SPEC-RELATIONS>
<SPECIFICATIONS><SPECIFICATION IDENTIFIER="s"><CHILDREN>
<SPEC-HIERARCHY IDENTIFIER="h1"><OBJECT><SPEC-OBJECT-REF>o1</SPEC-OBJECT-REF></OBJECT><CHILDREN>
<SPEC-HIERARCHY IDENTIFIER="h2"><OBJECT><SPEC-OBJECT-REF>o2</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>
<SPEC-HIERARCHY IDENTIFIER="h3"><OBJECT><SPEC-OBJECT-REF>o3</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>
<SPEC-HIERARCHY IDENTIFIER="h5"><OBJECT><SPEC-OBJECT-REF>o5</SPEC-OBJECT-REF></OBJECT></SPEC-HIERARCHY>
</CHILDREN></SPEC-HIERARCHY>
</CHILDREN></SPECIFICATION></SPECIFICATIONS>
</REQ-IF-CONTENT></CORE-CONTENT>
</REQ-IF>
"#
    )
}

#[test]
fn colliding_ids_are_numbered_in_document_order_and_links_name_the_final_ids() {
    let (a, tmp) = import_text("ids.reqif", colliding_ids().as_bytes());
    let out = a.success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("id "))
        .map(|l| l.split_once(": SPEC-OBJECT ").unwrap().1)
        .collect();
    assert_eq!(
        warnings,
        [
            "o2: id A is taken by an earlier object; this one is A-2",
            "o3: id A is taken by an earlier object; this one is A-3",
            "o4: id A-2 is taken by an earlier object; this one is A-2-2",
            "o5: id \"x y\" is not a valid id; written as x-y",
        ],
        "{stderr}"
    );
    let text = std::fs::read_to_string(tmp.path().join("t/requirements.toml")).unwrap();
    let nodes: Vec<(String, Vec<String>)> = text
        .split("[[requirement]]")
        .skip(1)
        .map(|n| {
            let id = n.lines().find_map(|l| l.strip_prefix("id = ")).unwrap();
            let refines = n.lines().find_map(|l| l.strip_prefix("refines = "));
            (
                id.to_owned(),
                refines.into_iter().map(str::to_owned).collect(),
            )
        })
        .collect();
    let want = |id: &str, refines: &[&str]| {
        (
            format!("\"{id}\""),
            refines.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        nodes,
        [
            want("A", &[]),
            want("A-2", &["[\"A\"]"]),
            want("A-3", &["[\"A\"]"]),
            want("A-2-2", &[]),
            want("x-y", &["[\"A-2-2\", \"A\"]"]),
        ],
        "{text}"
    );
}

/// An attribute whose value the loader would refuse for its field (R002)
/// stops the import with the object's place; it is never written. A
/// `values` table of small integers, taken as it is without a parse, is
/// taken so only for `values`.
#[test]
fn a_value_the_loader_refuses_is_the_object_s_error_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tree_with(
        tmp.path(),
        "[[sec]]\nid = \"S1\"\ntitle = \"s\"\nlimits = { t = { max = 6 } }\n\n\
         [[requirement]]\nid = \"R1\"\ntitle = \"r\"\ncategory = \"optional\"\nsec = [\"S1\"]\nvalues = { t = 5.5 }\n",
    );
    let out = tmp.path().join("a.reqif");
    common::export("reqif", &tree, &out, &[]);
    let xml = std::fs::read_to_string(&out).unwrap();
    for (from, to, says) in [
        (
            "{ t = { max = 6 } }",
            "60",
            "attribute \"limits\" cannot be read as `limits`: `limits` must be a table, not an integer",
        ),
        (
            "{ t = { max = 6 } }",
            "{ t = 6 }",
            "`limits.t` must be a table",
        ),
        (
            "{ t = 5.5 }",
            "{ t = &quot;fast&quot; }",
            "`values.t` must be a number",
        ),
    ] {
        assert!(xml.contains(from), "{from} not in the export");
        let bad = tmp.path().join("bad.reqif");
        std::fs::write(&bad, xml.replacen(from, to, 1)).unwrap();
        let into = tmp.path().join("into");
        let assert = rtm()
            .arg("import")
            .arg(&bad)
            .arg("--into")
            .arg(&into)
            .assert()
            .code(1);
        let err = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(err.contains(says), "{to}: {err}");
        assert!(err.contains("nothing written"), "{err}");
        assert!(!into.exists(), "{to}: nothing written");
    }
}

/// Whether any node of `tree` names the same node twice in one link field.
fn repeated_links(tree: &Path) -> Vec<String> {
    use rtm::model::LinkField;
    let checked = common::check(tree);
    let mut out = Vec::new();
    for n in &checked.model.nodes {
        for field in [
            LinkField::Themes,
            LinkField::Satisfies,
            LinkField::Refines,
            LinkField::Sec,
        ] {
            let targets: Vec<&str> = n.targets_in(field).collect();
            for (k, t) in targets.iter().enumerate() {
                if targets[..k].contains(t) {
                    out.push(format!("{} {} {t}", n.id, field.name()));
                }
            }
        }
    }
    out
}

#[test]
fn a_reqifz_holding_the_same_export_twice_imports_as_the_export_alone() {
    // The same export twice in one `.reqifz`, as a tool that zips a module
    // with the document it was made from writes it: every SPEC-OBJECT and
    // SPEC-RELATION of the second is one read before. Then the same again
    // with the relations given other IDENTIFIERs (a second export from a
    // tool that numbers its relations anew): each one repeats a link the
    // first file made. Either way the tree is the export's alone.
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements");
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one.reqif");
    common::export("reqif", &bundled, &one, &[]);
    let xml = std::fs::read_to_string(&one).unwrap();
    let relations = xml.matches("<SPEC-RELATION IDENTIFIER=").count();
    let objects = xml.matches("<SPEC-OBJECT IDENTIFIER=").count();
    assert!(relations > 100, "{relations}");
    let single = tmp.path().join("single");
    std::fs::create_dir(&single).unwrap();
    std::fs::copy(bundled.join("rtm.toml"), single.join("rtm.toml")).unwrap();
    let alone = rtm()
        .arg("import")
        .arg(&one)
        .arg("--into")
        .arg(&single)
        .output()
        .unwrap();
    assert!(alone.status.success());
    assert!(repeated_links(&single).is_empty());
    // "N nodes (…), M links", as the export alone gives them.
    let made = String::from_utf8_lossy(&alone.stdout)
        .lines()
        .find_map(|l| l.split_once(", from ").map(|(made, _)| made.to_owned()))
        .unwrap();
    let renumbered = ["themes", "satisfies", "refines", "sec"]
        .iter()
        .fold(xml.clone(), |x, f| {
            x.replace(&format!("--{f}--"), &format!("--{f}-again--"))
        });
    assert_ne!(renumbered, xml);
    for (name, second, (read_before, repeating)) in [
        ("same", &xml, (relations, 0)),
        ("renumbered", &renumbered, (0, relations)),
    ] {
        let zipped = tmp.path().join(format!("{name}.reqifz"));
        std::fs::write(
            &zipped,
            zip_of(&[("a.reqif", xml.as_bytes()), ("b.reqif", second.as_bytes())]),
        )
        .unwrap();
        let tree = tmp.path().join(name);
        std::fs::create_dir(&tree).unwrap();
        std::fs::copy(bundled.join("rtm.toml"), tree.join("rtm.toml")).unwrap();
        let out = rtm()
            .arg("import")
            .arg(&zipped)
            .arg("--into")
            .arg(&tree)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stderr}");
        let (alone, both) = (node_files(&single), node_files(&tree));
        if alone != both {
            // The first line that differs, not every file.
            let first = alone.iter().zip(&both).find(|(a, b)| a != b).map(|(a, b)| {
                let line = a.1.lines().zip(b.1.lines()).find(|(x, y)| x != y);
                (&a.0, line)
            });
            panic!("{name}: not the export's tree alone: {first:?}");
        }
        assert_same_tree(&bundled, &tree);
        assert_eq!(repeated_links(&tree), Vec::<String>::new(), "{name}");
        // Each skipped element named once, at its file, line and IDENTIFIER.
        let warned = |element: &str, says: &str| {
            stderr
                .lines()
                .filter(|l| {
                    l.starts_with(&format!("warning: {name}.reqifz/b.reqif:"))
                        && l.contains(&format!(": {element} rtm-"))
                        && l.contains(says)
                })
                .count()
        };
        assert_eq!(
            warned("SPEC-OBJECT", "the same IDENTIFIER was read before"),
            objects,
            "{name}: {stderr}"
        );
        assert_eq!(
            warned("SPEC-RELATION", "the same IDENTIFIER was read before"),
            read_before,
            "{name}: {stderr}"
        );
        assert_eq!(
            warned("SPEC-RELATION", "repeats the link"),
            repeating,
            "{name}: {stderr}"
        );
        // The summary counts what was read, and what of it was skipped.
        let summary = format!(
            "{made}, from {} SPEC-OBJECTs and {} SPEC-RELATIONs",
            2 * objects,
            2 * relations
        );
        assert!(stdout.contains(&summary), "{name}: {stdout}");
        let skipped = if read_before > 0 {
            format!("skipped: {objects} SPEC-OBJECTs and {relations} SPEC-RELATIONs read before")
        } else {
            format!(
                "skipped: {objects} SPEC-OBJECTs read before, {relations} SPEC-RELATIONs repeating a link"
            )
        };
        assert!(stdout.contains(&skipped), "{name}: {stdout}");
    }
}

#[test]
fn a_deep_refines_chain_exports_valid_reqif_that_imports_back_the_same() {
    // One SPEC-HIERARCHY per level would nest 1,200 elements deep: more
    // than xmllint (256) and rtm's own import (1,024) read. The hierarchy
    // stops nesting at a fixed depth, and every link still comes back
    // once, from its relation.
    let tmp = tempfile::tempdir().unwrap();
    let n = 600;
    let mut nodes = String::from(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"T\"\n\n\
         [[business]]\nid = \"BR-001\"\ntitle = \"B\"\nthemes = [\"TH-01\"]\n",
    );
    for i in 1..=n {
        let link = if i == 1 {
            "satisfies = [\"BR-001\"]".to_owned()
        } else {
            format!("refines = [\"RTM-{:04}\"]", i - 1)
        };
        nodes.push_str(&format!(
            "\n[[requirement]]\nid = \"RTM-{i:04}\"\ntitle = \"E{i}\"\ncategory = \"mvp\"\n\
             user_impact = \"none\"\n{link}\n"
        ));
    }
    // A second branch deep down, and an entry that refines two of the
    // chain: no link may be added from where the hierarchy places them.
    nodes.push_str(
        "\n[[requirement]]\nid = \"RTM-9001\"\ntitle = \"Side\"\ncategory = \"mvp\"\n\
         user_impact = \"none\"\nrefines = [\"RTM-0300\", \"RTM-0100\"]\n\n\
         [[requirement]]\nid = \"RTM-9002\"\ntitle = \"Side 2\"\ncategory = \"mvp\"\n\
         user_impact = \"none\"\nrefines = [\"RTM-9001\"]\n",
    );
    let tree = tree_with(tmp.path(), &nodes);
    let out = tmp.path().join("deep.reqif");
    common::export("reqif", &tree, &out, &[]);
    validate(&out);
    let xml = std::fs::read_to_string(&out).unwrap();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for piece in xml.split('<').skip(1) {
        if piece.starts_with("SPEC-HIERARCHY ") {
            depth += 1;
            deepest = deepest.max(depth);
        } else if piece.starts_with("/SPEC-HIERARCHY>") {
            depth -= 1;
        }
    }
    assert_eq!(deepest, 64, "SPEC-HIERARCHY nests at most 64 deep (README)");
    // Each node placed once.
    assert_eq!(
        identifiers_of(&xml, "SPEC-HIERARCHY").len(),
        n + 4,
        "every node once in the hierarchy"
    );
    let back = tmp.path().join("back");
    import_into(&out, &tree, &back);
    assert_same_tree(&tree, &back);
    use rtm::model::LinkField;
    assert_eq!(
        links_of(&back, "RTM-0600", LinkField::Refines),
        ["RTM-0599"]
    );
    assert_eq!(
        links_of(&back, "RTM-9001", LinkField::Refines),
        ["RTM-0300", "RTM-0100"]
    );
    assert!(links_of(&back, "RTM-0200", LinkField::Satisfies).is_empty());
}

/// Into a tree that declares its variants, a ReqIF object naming another
/// is refused, as a spreadsheet cell is (it would be R002 once written,
/// INTERCHANGE §1); into a new tree the variants named are declared.
#[test]
fn variants_the_tree_does_not_declare_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("rtm.toml"),
        "[project]\nname = \"p\"\nvariants = [\"XX\"]\n",
    )
    .unwrap();
    std::fs::write(
        src.join("nodes.toml"),
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\nthemes = [\"TH-01\"]\nvariants = [\"XX\"]\n",
    )
    .unwrap();
    let file = dir.path().join("x.reqif");
    common::export("reqif", &src, &file, &[]);
    let dst = dir.path().join("dst");
    std::fs::create_dir(&dst).unwrap();
    let project = "[project]\nname = \"q\"\nvariants = [\"SB\", \"DB\"]\n";
    std::fs::write(dst.join("rtm.toml"), project).unwrap();
    let (code, out, err) = common::import(&file, &dst, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("\"XX\" is not one of the tree's variants (SB, DB)"),
        "{err}"
    );
    let names: Vec<_> = std::fs::read_dir(&dst).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing but rtm.toml");
    // A new tree declares what its nodes name.
    let fresh = dir.path().join("fresh");
    let (code, out, err) = common::import(&file, &fresh, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let check = common::rtm().arg("check").arg(&fresh).output().unwrap();
    assert!(!String::from_utf8_lossy(&check.stdout).contains("R002"));
}
