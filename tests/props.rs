//! Property tests over random trees: every kind, links of every field
//! (some dangling or of the wrong kind, some in loops), categories,
//! statuses, classifications, variants, SEC limits and values, deviations,
//! waivers and rule levels in `rtm.toml`.
//!
//! - checking never panics, and the JSON output parses and has the shape
//!   of FORMAT §6, sorted by file, line, column and code, with every place
//!   inside its file;
//! - the findings, as a multiset of (code, node, message), do not depend
//!   on the order of the nodes inside a file, nor on which file gets which
//!   name;
//! - adding an unrelated valid chain (a fresh theme, business requirement
//!   and RTM entry, in a new file) never removes a finding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;

use proptest::prelude::*;
use rtm::Checked;
use rtm::load::{Entry, FileSet};
use serde_json::Value;

const KINDS: [&str; 5] = ["theme", "business", "requirement", "sec", "modification"];
const PREFIX: [&str; 5] = ["TH", "BR", "RTM", "SEC", "MOD"];
const STATUS: [&str; 4] = ["draft", "proposed", "agreed", "withdrawn"];
const CATEGORY: [&str; 3] = ["mvp", "sec-support", "optional"];
const CLASS: [&str; 4] = ["white", "green", "amber", "red"];
const STAGE: [&str; 8] = [
    "proposed",
    "refinement",
    "report",
    "decision",
    "approved",
    "implemented",
    "rejected",
    "withdrawn",
];
const IMPACT: [&str; 3] = ["none", "Users must re-register", ""];
/// Rules whose level `rtm.toml` may change, and the levels.
const CHANGEABLE: [&str; 12] = [
    "R101",
    "R102",
    "R103",
    "R105",
    "R106",
    "R107",
    "R201",
    "R207",
    "R208",
    "R210",
    "user-impact",
    "missing-text",
];
const LEVELS: [&str; 4] = ["error", "warning", "note", "off"];
/// Rules a waiver names (R002 is refused: it cannot be waived).
const WAIVED: [&str; 5] = ["R210", "R301", "R103", "missing-text", "R002"];

/// One link: the field (by its index in the kind's link fields) and the
/// target (an index among the nodes of the field's kind; 255: dangling;
/// 254: a node of another kind).
type LinkSpec = (u8, u8);

#[derive(Debug, Clone)]
struct NodeSpec {
    kind: usize,
    status: usize,
    category: usize,
    class: Option<usize>,
    text: bool,
    links: Vec<LinkSpec>,
    value: Option<u8>,
    /// (sec target, summary given, rationale given, modification target)
    deviations: Vec<(u8, bool, bool, Option<u8>)>,
    impact: Option<usize>,
    stage: usize,
    limit: Option<(Option<u8>, Option<u8>)>,
    variants: Option<u8>,
    /// (rule, expired)
    waiver: Option<(usize, bool)>,
}

#[derive(Debug, Clone)]
struct Spec {
    variants: bool,
    id_pattern: bool,
    class: Option<usize>,
    levels: Vec<(usize, usize)>,
    nodes: Vec<NodeSpec>,
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (
        (
            // Mostly RTM entries, where most rules look.
            prop_oneof![1 => Just(0usize), 2 => Just(1), 6 => Just(2), 1 => Just(3), 1 => Just(4)],
            0..4usize,
            0..3usize,
            prop::option::of(0..4usize),
            any::<bool>(),
        ),
        prop::collection::vec((0..3u8, any::<u8>()), 0..5),
        (
            prop::option::of(0..120u8),
            prop::collection::vec(
                (
                    any::<u8>(),
                    any::<bool>(),
                    any::<bool>(),
                    prop::option::of(any::<u8>()),
                ),
                0..2,
            ),
            prop::option::of(0..3usize),
            0..8usize,
        ),
        (
            prop::option::of((prop::option::of(0..50u8), prop::option::of(40..100u8))),
            prop::option::of(0..4u8),
            prop::option::of((0..WAIVED.len(), any::<bool>())),
        ),
    )
        .prop_map(
            |(
                (kind, status, category, class, text),
                links,
                (value, deviations, impact, stage),
                (limit, variants, waiver),
            )| NodeSpec {
                kind,
                status,
                category,
                class,
                text,
                links,
                value,
                deviations,
                impact,
                stage,
                limit,
                variants,
                waiver,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0..4usize),
        prop::collection::vec((0..CHANGEABLE.len(), 0..LEVELS.len()), 0..3),
        prop::collection::vec(node_spec(), 1..18),
    )
        .prop_map(|(variants, id_pattern, class, levels, nodes)| Spec {
            variants,
            id_pattern,
            class,
            levels,
            nodes,
        })
}

impl Spec {
    fn config(&self) -> String {
        let mut s = String::from("[project]\nname = \"Props\"\n");
        if self.variants {
            s.push_str("variants = [\"SB\", \"DB\"]\n");
        }
        if let Some(c) = self.class {
            s.push_str(&format!("classification = \"{}\"\n", CLASS[c]));
        }
        if self.id_pattern {
            s.push_str("[ids]\nrequirement = \"^RTM-[0-9]{4}$\"\n");
        }
        // Each rule once (by code or name, never both).
        let mut seen = Vec::new();
        let mut rules = String::new();
        for &(r, l) in &self.levels {
            if !seen.contains(&r) {
                seen.push(r);
                rules.push_str(&format!("{} = \"{}\"\n", CHANGEABLE[r], LEVELS[l]));
            }
        }
        if !rules.is_empty() {
            s.push_str("[rules]\n");
            s.push_str(&rules);
        }
        s
    }

    /// The id of every node: its kind's prefix and its index.
    fn ids(&self) -> Vec<String> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}-{i:04}", PREFIX[n.kind]))
            .collect()
    }

    /// The id a link names: a node of `kind` chosen by `t`, a dangling id,
    /// or a node of another kind.
    fn target(&self, ids: &[String], kind: usize, t: u8) -> String {
        let of_kind: Vec<&String> = self
            .nodes
            .iter()
            .zip(ids)
            .filter(|(n, _)| n.kind == kind)
            .map(|(_, id)| id)
            .collect();
        match t {
            255 => "GONE-404".to_owned(),
            254 => ids[0].clone(),
            _ if of_kind.is_empty() => "GONE-405".to_owned(),
            _ => of_kind[usize::from(t) % of_kind.len()].clone(),
        }
    }

    /// Every node as one self-contained TOML block (inline tables only).
    fn blocks(&self) -> Vec<String> {
        let ids = self.ids();
        self.nodes
            .iter()
            .zip(&ids)
            .map(|(n, id)| self.block(n, id, &ids))
            .collect()
    }

    fn block(&self, n: &NodeSpec, id: &str, ids: &[String]) -> String {
        let mut s = format!(
            "[[{}]]\nid = \"{id}\"\ntitle = \"Node {id}\"\n",
            KINDS[n.kind]
        );
        if n.text {
            s.push_str("text = \"Some *text*.\"\n");
        }
        if n.kind == 4 {
            s.push_str(&format!("stage = \"{}\"\n", STAGE[n.stage]));
        } else {
            s.push_str(&format!("status = \"{}\"\n", STATUS[n.status]));
        }
        if let Some(c) = n.class {
            s.push_str(&format!("classification = \"{}\"\n", CLASS[c]));
        }
        let list = |field: &str, kind: usize, picks: &[u8]| -> String {
            let targets: Vec<String> = picks
                .iter()
                .map(|&t| format!("\"{}\"", self.target(ids, kind, t)))
                .collect();
            format!("{field} = [{}]\n", targets.join(", "))
        };
        let picks = |field: u8| -> Vec<u8> {
            n.links
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, t)| *t)
                .collect()
        };
        let variants = |s: &mut String| {
            if self.variants
                && let Some(m) = n.variants
            {
                let vs: Vec<&str> = [(1, "\"SB\""), (2, "\"DB\"")]
                    .iter()
                    .filter(|(bit, _)| m & bit != 0)
                    .map(|(_, v)| *v)
                    .collect();
                s.push_str(&format!("variants = [{}]\n", vs.join(", ")));
            }
        };
        match n.kind {
            1 => {
                s.push_str(&list("themes", 0, &picks(0)));
                variants(&mut s);
            }
            2 => {
                s.push_str(&format!("category = \"{}\"\n", CATEGORY[n.category]));
                for (f, (name, kind)) in [("satisfies", 1), ("refines", 2), ("sec", 3)]
                    .into_iter()
                    .enumerate()
                {
                    let p = picks(f as u8);
                    if !p.is_empty() {
                        s.push_str(&list(name, kind, &p));
                    }
                }
                if let Some(v) = n.value {
                    s.push_str(&format!("values = {{ latency_s = {v} }}\n"));
                }
                if let Some(i) = n.impact {
                    s.push_str(&format!("user_impact = \"{}\"\n", IMPACT[i]));
                }
                variants(&mut s);
                if !n.deviations.is_empty() {
                    let devs: Vec<String> = n
                        .deviations
                        .iter()
                        .map(|(sec, summary, rationale, m)| {
                            let mut d = format!(
                                "{{ sec = \"{}\", summary = \"{}\", rationale = \"{}\"",
                                self.target(ids, 3, *sec),
                                if *summary { "Changes it" } else { " " },
                                if *rationale { "Because" } else { "" },
                            );
                            if let Some(m) = m {
                                d.push_str(&format!(
                                    ", modification = \"{}\"",
                                    self.target(ids, 4, *m)
                                ));
                            }
                            d.push_str(" }");
                            d
                        })
                        .collect();
                    s.push_str(&format!("deviations = [{}]\n", devs.join(", ")));
                }
            }
            3 => {
                s.push_str("source = \"SEC\"\n");
                if let Some((min, max)) = n.limit {
                    let mut bounds = Vec::new();
                    if let Some(m) = min {
                        bounds.push(format!("min = {m}"));
                    }
                    if let Some(m) = max {
                        bounds.push(format!("max = {m}"));
                    }
                    if bounds.is_empty() {
                        bounds.push("max = 60".to_owned());
                    }
                    s.push_str(&format!(
                        "limits = {{ latency_s = {{ {} }} }}\n",
                        bounds.join(", ")
                    ));
                }
            }
            _ => {}
        }
        if let Some((rule, expired)) = n.waiver {
            s.push_str(&format!(
                "waivers = [{{ rule = \"{}\", reason = \"Accepted\", by = \"OPSG\", until = {} }}]\n",
                WAIVED[rule],
                if expired { "2020-01-01" } else { "2030-01-01" }
            ));
        }
        s.push('\n');
        s
    }
}

fn check(config: &str, files: &[(String, String)]) -> Checked {
    let set = FileSet {
        project: Some(Entry::Bytes(config.as_bytes().to_vec())),
        entries: files
            .iter()
            .map(|(n, t)| (n.clone(), Entry::Bytes(t.as_bytes().to_vec())))
            .collect(),
    };
    let options = rtm::Options {
        today: Some(jiff::civil::date(2021, 1, 1)),
        ..Default::default()
    };
    rtm::check_files(set, &options)
}

/// Findings as a sorted multiset of (code, node, message).
fn what(checked: &Checked) -> Vec<(String, Option<String>, String)> {
    let mut v: Vec<_> = checked
        .findings
        .iter()
        .map(|f| {
            (
                f.code.rule().code.to_owned(),
                f.node.clone(),
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Splits node blocks into files: block `i` goes to file `assign[i] % k`.
fn files(blocks: &[String], assign: &[usize], names: &[String]) -> Vec<(String, String)> {
    let k = names.len();
    let mut texts = vec![String::new(); k];
    for (i, b) in blocks.iter().enumerate() {
        texts[assign.get(i).copied().unwrap_or(0) % k].push_str(b);
    }
    names.iter().cloned().zip(texts).collect()
}

/// The JSON output parses and has the shape of FORMAT §6; findings are
/// sorted by file, line, column and code; every place is inside its file.
fn assert_json(checked: &Checked) {
    let mut out = Vec::new();
    rtm::render::json::write(&mut out, "tree", checked).unwrap();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    let obj = doc.as_object().unwrap();
    for key in ["version", "root", "summary", "findings"] {
        assert!(obj.contains_key(key), "{key}");
    }
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["root"], "tree");
    let c = checked.counts();
    assert_eq!(doc["summary"]["errors"], c.errors);
    assert_eq!(doc["summary"]["warnings"], c.warnings);
    assert_eq!(doc["summary"]["notes"], c.notes);
    let nodes = doc["summary"]["nodes"].as_object().unwrap();
    let names: Vec<&str> = nodes.keys().map(String::as_str).collect();
    let mut expected = KINDS.to_vec();
    expected.sort_unstable();
    let mut names_sorted = names.clone();
    names_sorted.sort_unstable();
    assert_eq!(names_sorted, expected);
    let total: u64 = nodes.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, checked.model.nodes.len() as u64);

    let texts: HashMap<&str, &str> = checked
        .model
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.text.as_str()))
        .collect();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), checked.findings.len());
    let mut keys = Vec::new();
    for f in findings {
        let o = f.as_object().unwrap();
        let mut ks: Vec<&str> = o.keys().map(String::as_str).collect();
        ks.retain(|k| *k != "waived");
        ks.sort_unstable();
        assert_eq!(
            ks,
            [
                "code", "column", "file", "line", "message", "node", "related", "rule", "severity"
            ]
        );
        assert!(f["code"].is_string() && f["rule"].is_string() && f["message"].is_string());
        assert!(matches!(
            f["severity"].as_str(),
            Some("error" | "warning" | "note")
        ));
        assert!(f["node"].is_null() || f["node"].is_string());
        if let Some(w) = o.get("waived") {
            assert!(w["by"].is_string() && w["reason"].is_string());
            assert!(w["until"].is_null() || w["until"].is_string());
            assert_eq!(f["severity"], "note");
        }
        let (file, line, column) = place(f, &texts);
        keys.push((file, line, column, f["code"].as_str().unwrap().to_owned()));
        for r in f["related"].as_array().unwrap() {
            let mut rk: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
            rk.sort_unstable();
            assert_eq!(rk, ["column", "file", "line", "message", "node"]);
            place(r, &texts);
        }
    }
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "not sorted: {keys:?}"
    );
}

/// A JSON place, asserted to lie inside its file.
fn place(v: &Value, texts: &HashMap<&str, &str>) -> (String, u64, u64) {
    let file = v["file"].as_str().unwrap();
    let line = v["line"].as_u64().unwrap();
    let column = v["column"].as_u64().unwrap();
    let text = texts.get(file).copied().unwrap_or("");
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(line >= 1 && line as usize <= lines.len(), "{file}:{line}");
    let width = lines[line as usize - 1].chars().count() as u64;
    assert!(column >= 1 && column <= width + 1, "{file}:{line}:{column}");
    (file.to_owned(), line, column)
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(256)
}

proptest! {
    #![proptest_config(config())]

    /// Never panics; the JSON is well formed, sorted and points inside
    /// its files. The nodes are spread over up to four files, some in a
    /// sub-folder.
    #[test]
    fn json_is_well_formed(s in spec(), assign in prop::collection::vec(0..4usize, 18)) {
        let names: Vec<String> =
            ["a.toml", "b.toml", "sub/c.toml", "sub/d/e.toml"].map(String::from).to_vec();
        let checked = check(&s.config(), &files(&s.blocks(), &assign, &names));
        assert_json(&checked);
    }

    /// Permuting the nodes inside one file changes no (code, node, message).
    #[test]
    fn node_order_inside_a_file_does_not_matter(
        (s, order) in spec().prop_flat_map(|s| {
            let n = s.nodes.len();
            (Just(s), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let blocks = s.blocks();
        let shuffled: String = order.iter().map(|&i| blocks[i].as_str()).collect();
        let a = check(&s.config(), &[("all.toml".to_owned(), blocks.concat())]);
        let b = check(&s.config(), &[("all.toml".to_owned(), shuffled)]);
        prop_assert_eq!(what(&a), what(&b));
    }

    /// Swapping which file gets which name changes no (code, node, message).
    #[test]
    fn file_names_do_not_matter(
        s in spec(),
        assign in prop::collection::vec(0..3usize, 18),
        names in Just(vec!["a.toml", "m/b.toml", "z.toml"]).prop_shuffle(),
    ) {
        // Every file holds a node, so that no finding names a file (R302).
        let mut assign = assign;
        for (i, a) in assign.iter_mut().enumerate().take(3) {
            *a = i;
        }
        prop_assume!(s.nodes.len() >= 3);
        let first: Vec<String> = ["a.toml", "m/b.toml", "z.toml"].map(String::from).to_vec();
        let second: Vec<String> = names.into_iter().map(String::from).collect();
        let blocks = s.blocks();
        let a = check(&s.config(), &files(&blocks, &assign, &first));
        let b = check(&s.config(), &files(&blocks, &assign, &second));
        prop_assert_eq!(what(&a), what(&b));
    }

    /// Adding an unrelated valid chain, in a new file, removes no finding
    /// (compared with its place: the old files are unchanged).
    #[test]
    fn an_unrelated_chain_removes_no_finding(s in spec()) {
        let base = vec![("nodes.toml".to_owned(), s.blocks().concat())];
        let mut more = base.clone();
        more.push((
            "zz-extra.toml".to_owned(),
            "[[theme]]\nid = \"XTH-1\"\ntitle = \"t\"\ntext = \"t\"\n\
             [[business]]\nid = \"XBR-1\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"XTH-1\"]\n\
             [[requirement]]\nid = \"RTM-9999\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\n\
             satisfies = [\"XBR-1\"]\nuser_impact = \"none\"\n"
                .to_owned(),
        ));
        let full = |c: &Checked| -> Vec<String> {
            let src = &c.model.sources;
            let mut v: Vec<String> = c.findings.iter().map(|f| {
                let (line, col) = src.line_col(f.span);
                format!("{} {:?} {}:{line}:{col} {}", f.code.rule().code, f.node,
                        src.path(f.span.file), f.message)
            }).collect();
            v.sort();
            v
        };
        let before = full(&check(&s.config(), &base));
        let after = full(&check(&s.config(), &more));
        let mut missing = before.clone();
        for f in &after {
            if let Some(i) = missing.iter().position(|x| x == f) {
                missing.swap_remove(i);
            }
        }
        prop_assert!(missing.is_empty(), "removed: {:?}", missing);
    }
}

/// R209 names the same optional entry whatever the order of the nodes: the
/// nearest, then the smallest id (it once named the first in file order).
#[test]
fn r209_names_the_same_optional_entry_whatever_the_order() {
    let head = "[[theme]]\nid = \"TH-1\"\ntitle = \"t\"\ntext = \"t\"\n[[business]]\nid = \"BR-1\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-1\"]\n";
    let o1 = "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\nsatisfies = [\"BR-1\"]\n";
    let o2 = "[[requirement]]\nid = \"RTM-0002\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\nsatisfies = [\"BR-1\"]\n";
    let m = "[[requirement]]\nid = \"RTM-0003\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nrefines = [\"RTM-0001\", \"RTM-0002\"]\n";
    let a = check("", &[("a.toml".into(), format!("{head}{o1}{o2}{m}"))]);
    let b = check("", &[("a.toml".into(), format!("{head}{o2}{o1}{m}"))]);
    assert_eq!(what(&a), what(&b));
    let r209: Vec<_> = what(&a).into_iter().filter(|w| w.0 == "R209").collect();
    assert_eq!(
        r209,
        [(
            "R209".to_owned(),
            Some("RTM-0003".to_owned()),
            "mvp entry RTM-0003 refines optional entry RTM-0001".to_owned()
        )]
    );
}
