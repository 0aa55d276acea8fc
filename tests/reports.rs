//! `rtm report` and `rtm review`: structure (parsed with pulldown-cmark),
//! counts against the tree, hostile text, classification, and the bundled
//! tree's answers to the OPSG's questions.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::rtm;

use common::fixture;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

fn run(args: &[&str]) -> String {
    let out = rtm().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tree(rel: &str) -> String {
    fixture(rel).to_str().unwrap().to_owned()
}

fn bundled() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/requirements").to_owned()
}

/// A table as parsed: its header cells and its rows' cells (plain text).
#[derive(Debug)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Headings (level, text) and tables, in order.
fn parse(md: &str) -> (Vec<(usize, String)>, Vec<Table>) {
    let mut headings = Vec::new();
    let mut tables = Vec::new();
    let mut heading: Option<(usize, String)> = None;
    let mut table: Option<Table> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<String> = None;
    let opts = pulldown_cmark::Options::ENABLE_TABLES;
    for ev in Parser::new_ext(md, opts) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as usize, String::new()))
            }
            Event::End(TagEnd::Heading(_)) => headings.extend(heading.take()),
            Event::Start(Tag::Table(_)) => {
                table = Some(Table {
                    header: vec![],
                    rows: vec![],
                })
            }
            Event::End(TagEnd::Table) => tables.extend(table.take()),
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.header = std::mem::take(&mut row);
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push(std::mem::take(&mut row));
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => row.extend(cell.take()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cell.as_mut() {
                    c.push_str(&t);
                } else if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::Html(_) | Event::InlineHtml(_) if cell.is_some() => {
                panic!("raw HTML inside a table cell")
            }
            _ => {}
        }
    }
    (headings, tables)
}

fn table_with<'a>(tables: &'a [Table], first: &str) -> &'a Table {
    tables
        .iter()
        .find(|t| t.header.first().is_some_and(|h| h == first))
        .unwrap_or_else(|| panic!("no table starting with column {first}"))
}

#[test]
fn report_structure_and_counts_match_the_tree() {
    let md = run(&["report", &bundled()]);
    let (headings, tables) = parse(&md);
    let h: Vec<&str> = headings.iter().map(|(_, t)| t.as_str()).collect();
    for want in [
        "Coverage",
        "Diagram",
        "Traceability matrix",
        "Errors and warnings",
        "Node text",
    ] {
        assert!(h.contains(&want), "missing heading {want}: {h:?}");
    }
    // Every table is whole: each row has the header's number of cells.
    for t in &tables {
        for r in &t.rows {
            assert_eq!(r.len(), t.header.len(), "{t:?}");
        }
    }
    let checked = common::check(std::path::Path::new(&bundled()));
    let model = &checked.model;
    let count = |k: rtm::model::Kind| {
        model
            .nodes
            .iter()
            .filter(|n| n.kind == k && n.is_active())
            .count()
    };
    // One level-3 heading per theme, one level-4 heading per (theme, business) pair.
    let themes = headings
        .iter()
        .filter(|(l, t)| *l == 3 && t.starts_with("TH-"))
        .count();
    assert_eq!(
        themes,
        model
            .nodes
            .iter()
            .filter(|n| n.kind == rtm::model::Kind::Theme)
            .count()
    );
    // The coverage table counts the tree.
    let cov = table_with(&tables, "Measure");
    let row = |name: &str| -> String {
        cov.rows
            .iter()
            .find(|r| r[0] == name)
            .map(|r| r[1].clone())
            .unwrap()
    };
    let brs = count(rtm::model::Kind::Business);
    assert_eq!(
        row("Business requirements traced to active RTM entries"),
        format!("{brs} of {brs} (100%)")
    );
    let entries = count(rtm::model::Kind::Requirement);
    assert_eq!(
        row("RTM entries traced to a business requirement"),
        format!("{entries} of {entries} (100%)")
    );
    assert!(row("… for variant DB").ends_with("(100%)"));
    // Every active entry appears in the matrix at least once.
    let matrix_ids: std::collections::HashSet<String> = tables
        .iter()
        .filter(|t| t.header.first().is_some_and(|h| h == "RTM entry"))
        .flat_map(|t| {
            t.rows
                .iter()
                .map(|r| r[0].trim_start_matches(['\u{2003}', '↳', ' ']).to_owned())
        })
        .collect();
    for n in model
        .nodes
        .iter()
        .filter(|n| n.kind == rtm::model::Kind::Requirement)
    {
        assert!(
            matrix_ids.contains(n.id.as_str()),
            "{} missing from the matrix",
            n.id
        );
    }
    // The Mermaid diagram is there for GitHub and GitLab to render.
    assert!(md.contains("```mermaid\nflowchart LR\n"));
    // Node text sits in <details>, never in a table.
    assert!(md.contains("<details>\n<summary>"));
}

#[test]
fn review_structure_and_counts_match_the_tree() {
    let md = run(&["review", &bundled()]);
    let (headings, tables) = parse(&md);
    let h: Vec<&str> = headings.iter().map(|(_, t)| t.as_str()).collect();
    for want in [
        "1. Traceability assurance",
        "2. Deviations from the SEC",
        "Undeclared deviations",
        "Declared deviations",
        "3. Categories",
        "(a) MVP entries that differ from SEC requirements",
        "(b) SEC-support entries",
        "(c) Optional entries: OPSG input sought",
        "4. User impact",
        "5. SEC obligations not addressed",
        "6. Modifications relied on",
        "7. Variants side by side",
    ] {
        assert!(h.contains(&want), "missing heading {want}: {h:?}");
    }
    for t in &tables {
        for r in &t.rows {
            assert_eq!(r.len(), t.header.len(), "{t:?}");
        }
    }
    let checked = common::check(std::path::Path::new(&bundled()));
    let nodes = &checked.model.nodes;
    use rtm::model::{Category, Kind};
    let active = |c: Category| {
        nodes
            .iter()
            .filter(|n| n.kind == Kind::Requirement && n.is_active() && n.category == Some(c))
            .count()
    };
    // (b): one row per active sec-support entry; (c): one per optional one.
    let sec_support = tables
        .iter()
        .find(|t| t.header.iter().any(|h| h == "SEC obligations upheld"))
        .unwrap();
    assert_eq!(sec_support.rows.len(), active(Category::SecSupport));
    let optional = tables
        .iter()
        .find(|t| t.header.iter().any(|h| h == "Satisfies"))
        .unwrap();
    assert_eq!(optional.rows.len(), active(Category::Optional));
    // Every declared deviation has a row with its stage.
    let declared: usize = nodes
        .iter()
        .filter(|n| n.is_active())
        .map(|n| n.deviations().len())
        .sum();
    let rows: usize = tables
        .iter()
        .filter(|t| t.header.iter().any(|h| h == "Summary"))
        .map(|t| t.rows.len())
        .sum();
    assert_eq!(rows, declared);
    // Variants side by side: one row per active business requirement, SB and DB columns.
    let side = tables
        .iter()
        .find(|t| {
            t.header
                .first()
                .is_some_and(|h| h == "Business requirement")
        })
        .unwrap();
    assert_eq!(side.header, ["Business requirement", "Title", "SB", "DB"]);
    assert_eq!(
        side.rows.len(),
        nodes
            .iter()
            .filter(|n| n.kind == Kind::Business && n.is_active())
            .count()
    );
}

/// The bundled tree's pack tells the brief as it stands: the 60-second
/// power outage obligation is not yet addressed (whether the MVP assumes
/// DP096 is an open question to the DCC), the user-impact question is not
/// confirmed, no deviation relies on a modification, and SB and DB.
#[test]
fn bundled_review_answers_the_brief() {
    let md = run(&["review", &bundled()]);
    let (_, tables) = parse(&md);
    // No declared deviation concerns the power outage obligation.
    assert!(!md.contains("#### SEC-POA-60 "));
    assert!(!md.contains("poa_latency_s ="), "a latency figure is back");
    // It is listed as not addressed.
    let unaddressed = table_with(&tables, "Obligation");
    assert!(
        unaddressed.rows.iter().any(|r| r[0] == "SEC-POA-60"),
        "{unaddressed:?}"
    );
    // User impact: not confirmed, with the open entry named.
    assert!(md.contains(
        "Will Users need to change their processes or systems when the MVP goes live?\n\n**Not confirmed.**"
    ));
    let unstated = tables
        .iter()
        .find(|t| t.header == ["Entry", "Title", "Status", "Owner"])
        .unwrap();
    assert!(unstated.rows.iter().any(|r| r[0] == "RTM-0303"));
    // Traceability headline.
    assert!(md.contains("## 1. Traceability assurance\n\n**Yes.** All "));
    // SEC White, in words: no TLP label for the default scheme.
    assert!(!md.contains("TLP"));
    assert!(md.contains("| Classification | **White**: may be shared with SEC Parties and SMIP stakeholders; not to be published |"));
    // Every entry of the user-impact section shows its status.
    let impact = md
        .split("## 4. User impact")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .unwrap();
    let (_, impact_tables) = parse(impact);
    assert!(!impact_tables.is_empty());
    for t in &impact_tables {
        let col = t.header.iter().position(|h| h == "Status").unwrap();
        for r in &t.rows {
            let status = r[col].trim_matches('*');
            assert!(["draft", "proposed", "agreed"].contains(&status), "{r:?}");
        }
    }
    // The header's entry count and the coverage table agree.
    let nodes_row = md.lines().find(|l| l.starts_with("| Nodes |")).unwrap();
    let total: usize = nodes_row
        .split("RTM entries")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap();
    let withdrawn = nodes_row.contains("RTM entries (1 withdrawn)") as usize;
    assert!(md.contains(&format!(
        "| RTM entries traced to a business requirement | {0} of {0} (100%) |",
        total - withdrawn
    )));
    // The modifications are listed, relied on by no deviation.
    assert!(md.contains("No deviation relies on a modification."));
    assert!(md.contains("Not relied on by any active entry: DP096, MP117, MP122."));
}

/// The verb agrees with the count: one entry differs, none or two differ.
#[test]
fn the_mvp_count_reads_as_english() {
    let one = run(&["review", &tree("payload")]);
    assert!(
        one.contains("\n1 of 1 MVP entry differs from current SEC requirements.\n"),
        "{one}"
    );
    let none = run(&["review", &tree("classified")]);
    assert!(
        none.contains("\n0 of 1 MVP entry differ from current SEC requirements.\n"),
        "{none}"
    );
}

#[test]
fn hostile_text_keeps_tables_whole_and_html_dead() {
    for doc in ["report", "review"] {
        let md = run(&[doc, &tree("hostile")]);
        let (_, tables) = parse(&md);
        assert!(!tables.is_empty());
        for t in &tables {
            for r in &t.rows {
                assert_eq!(r.len(), t.header.len(), "{doc}: broken table {t:?}");
            }
        }
        // No live HTML in the Markdown outside the node-text blocks.
        let outside: String = md.split("## Node text").next().unwrap().to_owned();
        assert!(!outside.contains("<script"), "{doc}");
        assert!(!outside.contains("<img"), "{doc}");
        // An escaped `\](` is text; an unescaped one would be a live link.
        assert!(
            !outside.replace("\\](", "").contains("](javascript:"),
            "{doc}"
        );

        let html = run(&[doc, "--format", "html", &tree("hostile")]);
        assert!(html.starts_with("<!DOCTYPE html>"));
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{doc}: script in HTML");
        assert!(!lower.contains("<img"), "{doc}: img in HTML");
        // No tag carries an event handler or a javascript: URL.
        for tag in lower
            .split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or(""))
        {
            assert!(!tag.contains("javascript:"), "{doc}: {tag}");
            let attrs = tag.split_whitespace().skip(1);
            for a in attrs {
                assert!(!a.starts_with("on"), "{doc}: event handler in <{tag}>");
            }
        }
        // Self-contained: no external assets.
        assert!(!lower.contains("<link"), "{doc}");
        assert!(!lower.contains("src=\"http"), "{doc}");
        assert!(lower.contains("<style>"));
    }
}

#[test]
fn amber_and_red_nodes_leave_no_trace_in_white_documents() {
    for doc in ["report", "review"] {
        for fmt in ["markdown", "html"] {
            let text = run(&[
                doc,
                "--format",
                fmt,
                "--classification",
                "white",
                &tree("classified"),
            ]);
            for secret in [
                "RTM-0002",
                "Quokka",
                "quokka",
                "TH-SECRET",
                "Zebra",
                "zebra",
            ] {
                assert!(!text.contains(secret), "{doc} {fmt}: `{secret}` leaked");
            }
            // The SEC's scheme by default: the level and its handling rule
            // in words, never a bare TLP label.
            assert!(text.contains("White"));
            assert!(text.contains("not to be published"), "{doc} {fmt}");
            assert!(!text.contains("TLP"), "{doc} {fmt}");
            // 2 nodes and 5 findings naming them (R209, R207, R201, R113 twice).
            assert!(
                text.contains("7 withheld items above White (2 nodes and 5 findings about them)"),
                "{doc} {fmt}"
            );
        }
    }
    // The default is the project's level (white).
    let md = run(&["review", &tree("classified")]);
    assert!(!md.contains("RTM-0002"));
    // At amber the entry is shown, and the document says amber.
    let amber = run(&["review", "--classification", "amber", &tree("classified")]);
    assert!(amber.contains("RTM-0002"));
    assert!(amber.contains("**Amber**: "));
    assert!(!amber.contains("TH-SECRET"));
    // The document is that of the tree without the withheld nodes: the only
    // trace is the number withheld, in the header.
    let report = run(&["report", &tree("classified")]);
    assert!(report.contains("| Withheld | 7 withheld items above White (2 nodes"));
    assert_eq!(report.matches("withheld item").count(), 1, "{report}");
}

#[test]
fn documents_are_deterministic_and_dated_only_on_request() {
    let a = run(&["review", &bundled()]);
    let b = run(&["review", &bundled()]);
    assert_eq!(a, b);
    assert!(!a.contains("| Date |"));
    let dated = run(&["review", "--date", "2020-10-26", &bundled()]);
    assert!(dated.contains("| Date | 2020-10-26 |"));
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("review.html");
    rtm()
        .args(["review", "--format", "html", "-o"])
        .arg(&out)
        .arg(bundled())
        .assert()
        .code(0)
        .stdout("");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.ends_with("</html>\n"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn graph_draws_each_edge_type_and_respects_classification() {
    let dot = run(&["graph", &bundled()]);
    assert!(dot.starts_with("// rtm traceability graph"));
    for label in ["satisfies", "refines", "upholds", "deviates", "theme"] {
        assert!(
            dot.contains(&format!("label=\"{label}\"")),
            "no {label} edge"
        );
    }
    // No deviation of the bundled tree relies on a modification; the
    // classified fixture, read in full, has every edge type.
    let full = run(&["graph", "--classification", "red", &tree("classified")]);
    for label in [
        "satisfies",
        "refines",
        "upholds",
        "deviates",
        "relies on",
        "theme",
    ] {
        assert!(
            full.contains(&format!("label=\"{label}\"")),
            "no {label} edge"
        );
    }
    let mermaid = run(&[
        "graph",
        "--format",
        "mermaid",
        "--root",
        "RTM-0303",
        &bundled(),
    ]);
    assert!(mermaid.contains("flowchart BT"));
    assert!(mermaid.contains("RTM-0301"));
    assert!(!mermaid.contains("RTM-0901"), "--root drew unrelated nodes");
    let mermaid = run(&[
        "graph",
        "--format",
        "mermaid",
        "--classification",
        "red",
        "--root",
        "RTM-0002",
        &tree("classified"),
    ]);
    assert!(mermaid.contains("==>|deviates|"));
    assert!(mermaid.contains("DP096"));
    let white = run(&["graph", &tree("classified")]);
    assert!(!white.contains("RTM-0002") && !white.contains("Quokka"));
    assert!(white.contains("2 withheld items"));
    rtm()
        .args(["graph", "--root", "NOPE"])
        .arg(bundled())
        .assert()
        .code(2)
        .stdout("");
}

/// A long `refines` chain: the report stays linear in its length (deep rows
/// say their level instead of being indented further).
#[test]
fn a_deep_refines_chain_keeps_the_report_linear() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-001\"\ntitle = \"b\"\ntext = \"b\"\nthemes = [\"TH-01\"]\n\n[[requirement]]\nid = \"R0\"\ntitle = \"e\"\ntext = \"e\"\ncategory = \"optional\"\nsatisfies = [\"BR-001\"]\n",
    );
    let n = 2000;
    for i in 1..n {
        text.push_str(&format!(
            "\n[[requirement]]\nid = \"R{i}\"\ntitle = \"e\"\ntext = \"e\"\ncategory = \"optional\"\nrefines = [\"R{}\"]\n",
            i - 1
        ));
    }
    std::fs::write(dir.path().join("nodes.toml"), text).unwrap();
    let md = run(&["report", dir.path().to_str().unwrap()]);
    assert!(md.contains(&format!("↳ (level {}) R{}", n - 1, n - 1)));
    // Linear: a few hundred bytes a node, not a number of bytes growing with the depth.
    assert!(md.len() < n * 400, "{} bytes", md.len());
}
