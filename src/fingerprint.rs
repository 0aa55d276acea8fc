//! Fingerprints (FORMAT §13): of a node's meaningful content, for review
//! stamps (FORMAT §7), and of what a decision covers (FORMAT §15). Facts
//! about the tree, read by the rules (R108, R109, the decisions) and
//! written by `rtm stamp` and `rtm decide`.
//!
//! # The fingerprint
//!
//! A fingerprint is `v1:` followed by the 64 lower-case hex digits of the
//! SHA-256 of the node's *canonical form*. The canonical form is UTF-8 text,
//! one line per item, each line `NAME JSON` ended by a line feed, where
//! `JSON` is compact JSON (no white space outside strings; strings escape
//! only `"`, `\` and U+0000–U+001F, as `\b \f \n \r \t` or `\u00xx`). The
//! lines come in this order, a line being left out when its field is not
//! written (or, for a link field, holds no id). FORMAT §13 is the reference:
//!
//! | line | value |
//! |---|---|
//! | `kind` | the kind: `"requirement"` |
//! | `id` | the id, exactly as written |
//! | `title` | text (below) |
//! | `text` | text; always present (`""` when not written) |
//! | `status` | always present (`"draft"` when not written); not for a modification |
//! | `stage` | a modification's stage |
//! | `classification` | as written, `clear` read as `"white"`; left out when not written |
//! | `category` | `"mvp"`, `"sec-support"`, `"optional"` |
//! | `variants` | array of strings, sorted, without repeats |
//! | `themes`, `satisfies`, `refines`, `sec` | array of ids, sorted, without repeats |
//! | `deviation` | one line per deviation: `[sec, summary, rationale, modification]`, text for the two middle ones, `null` for what is missing; lines sorted (byte order), so in effect by `sec` |
//! | `user_impact` | text; `"none"` when it means no impact (FORMAT §9) |
//! | `value` | one line per figure: `[parameter, number]`, sorted |
//! | `limit` | one line per limit: `[parameter, min, max, equals]`, `null` for a missing bound, sorted |
//! | `source` | text (an SEC obligation's source) |
//! | `change` | one line per change of a modification (FORMAT §16): `[sec, withdraws, [limit…]]`, `sec` an id or `null`, `withdraws` `true` or `false`, each limit `[parameter, min, max, equals]` as for `limit`, sorted; lines sorted |
//!
//! *Text* is the string with every CR LF turned into LF and white space at
//! both ends removed. A *number* written as a TOML integer is its exact
//! decimal digits (a 64-bit integer, never rounded through a float); one
//! written as a TOML float is the shortest decimal that reads back as the
//! same 64-bit float, without exponent and without a fraction when it is
//! whole (`6` and `6.0` are both `6`; `-0` is `0`). Every integer up to 2^53
//! reads the same either way, so fingerprints made when integers were read
//! as floats stay valid; only larger integers (which a float rounds) changed.
//! Sorting is by byte order of the UTF-8 text.
//!
//! Left out on purpose: comments, white space and field order (they are not
//! in the parsed model), `owner`, `tags`, `url`, `waivers`, `questions`
//! (FORMAT §17: asking or answering does not make a review stale),
//! `reqif_id` (where it came from, not what it says) and `reviewed`;
//! `decisions` (FORMAT §15: they have fingerprints of their own, and
//! recording one does not make a review stale).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::graph::Graph;
use crate::model::{About, Deviation, Kind, Limit, LinkField, Model, Node, Number};

/// The prefix of every fingerprint this version of rtm writes.
pub const PREFIX: &str = "v1:";

/// Text as the fingerprint sees it: CR LF as LF, trimmed.
fn text(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_owned()
}

/// A number as the fingerprint writes it: an integer exactly; a float as
/// the shortest decimal that reads back as it (the same text as an integer
/// for every integer up to 2^53, as before integers were kept exact).
fn number(v: Number) -> String {
    match v {
        Number::Int(i) => i.to_string(),
        Number::Float(0.0) => "0".to_owned(),
        Number::Float(f) => format!("{f}"),
    }
}

/// A JSON string literal, escaping only `"`, `\\` and U+0000–U+001F. Written
/// here rather than borrowed from a JSON library so that the fingerprint
/// cannot change with a library's choices.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_owned(), json_str)
}

fn json_num(v: Option<Number>) -> String {
    v.map_or_else(|| "null".to_owned(), number)
}

fn json_array(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| json_str(s)).collect();
    format!("[{}]", quoted.join(","))
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

/// A deviation as a canonical line's value: `[sec, summary, rationale,
/// modification]`.
fn deviation_line(node: &Node, d: &Deviation) -> String {
    let target = |i: Option<usize>| node.link_target(i);
    format!(
        "[{},{},{},{}]",
        json_opt(target(d.sec)),
        json_opt(d.summary.as_ref().map(|s| text(&s.value)).as_deref()),
        json_opt(d.rationale.as_ref().map(|s| text(&s.value)).as_deref()),
        json_opt(target(d.modification)),
    )
}

/// A limit as a canonical line's value: `[parameter, min, max, equals]`.
fn limit_line(l: &Limit) -> String {
    format!(
        "[{},{},{},{}]",
        json_str(&l.param),
        json_num(l.min),
        json_num(l.max),
        json_num(l.equals)
    )
}

/// A user impact as text, `"none"` when it means no impact (FORMAT §9).
fn impact_text(s: &str) -> String {
    let t = text(s);
    if t.eq_ignore_ascii_case("none") {
        "none".to_owned()
    } else {
        t
    }
}

/// The canonical form of a node (see the module documentation).
pub fn canonical(node: &Node) -> String {
    let mut out = String::new();
    let mut line = |name: &str, json: String| {
        out.push_str(name);
        out.push(' ');
        out.push_str(&json);
        out.push('\n');
    };
    line("kind", json_str(node.kind.as_str()));
    line("id", json_str(&node.id));
    if let Some(title) = node.title() {
        line("title", json_str(&text(title)));
    }
    line("text", json_str(&text(node.text())));
    if node.kind == Kind::Modification {
        if let Some(stage) = node.stage {
            line("stage", json_str(stage.as_str()));
        }
    } else {
        line("status", json_str(node.status.as_str()));
    }
    if let Some(c) = node.classification {
        line("classification", json_str(c.as_str()));
    }
    if let Some(c) = node.category {
        line("category", json_str(c.as_str()));
    }
    if let Some(v) = node.variants() {
        line("variants", json_array(&sorted(v.to_vec())));
    }
    for field in [
        LinkField::Themes,
        LinkField::Satisfies,
        LinkField::Refines,
        LinkField::Sec,
    ] {
        let ids = sorted(node.targets_in(field).map(str::to_string).collect());
        if !ids.is_empty() {
            line(field.name(), json_array(&ids));
        }
    }
    let mut deviations: Vec<String> = node
        .deviations()
        .iter()
        .map(|d| deviation_line(node, d))
        .collect();
    deviations.sort();
    for d in deviations {
        line("deviation", d);
    }
    if let Some(impact) = node.user_impact() {
        line("user_impact", json_str(&impact_text(impact.value)));
    }
    let mut values: Vec<String> = node
        .values
        .iter()
        .map(|v| format!("[{},{}]", json_str(node.param(v)), number(v.value)))
        .collect();
    values.sort();
    for v in values {
        line("value", v);
    }
    let mut limits: Vec<String> = node.limits().iter().map(limit_line).collect();
    limits.sort();
    for l in limits {
        line("limit", l);
    }
    if let Some(source) = node.source() {
        line("source", json_str(&text(source)));
    }
    let target = |i: Option<usize>| node.link_target(i);
    let mut changes: Vec<String> = node
        .changes()
        .iter()
        .map(|c| {
            let mut limits: Vec<String> = c.limits.iter().map(limit_line).collect();
            limits.sort();
            format!(
                "[{},{},[{}]]",
                json_opt(target(c.sec)),
                c.withdraws,
                limits.join(",")
            )
        })
        .collect();
    changes.sort();
    for c in changes {
        line("change", c);
    }
    out
}

/// The fingerprint of a node: `v1:` and the SHA-256 of its canonical form.
pub fn fingerprint(node: &Node) -> String {
    digest(&canonical(node))
}

/// The canonical form of what a decision about `about` on `entry` covers
/// (FORMAT §15), in the lines and spellings of [`canonical`]:
///
/// - `deviation:<SEC id>`: `about`, the entry's `category`, its `deviation`
///   lines from that obligation, its `value` lines for every quantity the
///   obligation limits, and the obligation's `limit` lines (none when no SEC
///   obligation has that id);
/// - `category`: `about`, `category`, `title`, `text`;
/// - `user-impact`: `about`, `user_impact`.
///
/// Nothing else: not the modification's stage, not the entry's id.
pub fn decision_canonical(model: &Model, graph: &Graph, entry: &Node, about: &About) -> String {
    let mut out = String::new();
    let mut line = |name: &str, json: String| {
        out.push_str(name);
        out.push(' ');
        out.push_str(&json);
        out.push('\n');
    };
    line("about", json_str(&about.to_string()));
    match about {
        About::Deviation(sec_id) => {
            if let Some(c) = entry.category {
                line("category", json_str(c.as_str()));
            }
            let target = |i: Option<usize>| entry.link_target(i);
            let mut deviations: Vec<String> = entry
                .deviations()
                .iter()
                .filter(|d| target(d.sec) == Some(sec_id.as_str()))
                .map(|d| deviation_line(entry, d))
                .collect();
            deviations.sort();
            for d in deviations {
                line("deviation", d);
            }
            let sec = graph
                .find(model, sec_id)
                .and_then(|i| model.nodes.get(i))
                .filter(|n| n.kind == Kind::Sec);
            let limits = sec.map_or(&[][..], |s| s.limits());
            let mut values: Vec<String> = entry
                .values
                .iter()
                .filter(|v| limits.iter().any(|l| l.param == entry.param(v)))
                .map(|v| format!("[{},{}]", json_str(entry.param(v)), number(v.value)))
                .collect();
            values.sort();
            for v in values {
                line("value", v);
            }
            let mut limits: Vec<String> = limits.iter().map(limit_line).collect();
            limits.sort();
            for l in limits {
                line("limit", l);
            }
        }
        About::Category => {
            if let Some(c) = entry.category {
                line("category", json_str(c.as_str()));
            }
            if let Some(title) = entry.title() {
                line("title", json_str(&text(title)));
            }
            line("text", json_str(&text(entry.text())));
        }
        About::UserImpact => {
            if let Some(impact) = entry.user_impact() {
                line("user_impact", json_str(&impact_text(impact.value)));
            }
        }
    }
    out
}

/// The fingerprint of what a decision about `about` on `entry` covers:
/// `v1:` and the SHA-256 of [`decision_canonical`].
pub fn decision_fingerprint(model: &Model, graph: &Graph, entry: &Node, about: &About) -> String {
    digest(&decision_canonical(model, graph, entry, about))
}

/// `v1:` and the lower-case hex SHA-256 of `canonical`.
fn digest(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for b in digest.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The fingerprint of every distinct node `node` links to that exists, by
/// id (sorted). A link to a missing id is left out (R004 reports it).
pub fn link_fingerprints(model: &Model, graph: &Graph, node: &Node) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    for link in &node.links {
        if out.contains_key(node.target(link)) {
            continue;
        }
        if let Some(target) = graph
            .find(model, node.target(link))
            .and_then(|i| model.nodes.get(i))
        {
            out.insert(node.target(link).to_string(), fingerprint(target));
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_canonical() {
        use Number::{Float, Int};
        assert_eq!(number(Float(6.0)), "6");
        assert_eq!(number(Int(6)), "6");
        assert_eq!(number(Float(6.5)), "6.5");
        assert_eq!(number(Float(-0.0)), "0");
        assert_eq!(number(Int(0)), "0");
        assert_eq!(number(Float(0.1)), "0.1");
        assert_eq!(number(Float(1e20)), "100000000000000000000");
        // Up to 2^53 an integer reads the same as the float it used to be.
        for i in [1, -60, 9_007_199_254_740_992, -9_007_199_254_740_992] {
            assert_eq!(number(Int(i)), number(Float(i as f64)));
        }
        assert_eq!(number(Int(9_007_199_254_740_993)), "9007199254740993");
        assert_eq!(number(Int(i64::MAX)), "9223372036854775807");
    }

    #[test]
    fn strings_are_escaped_like_json() {
        for s in [
            "plain",
            "q\"b\\",
            "\u{1}\u{8}\u{c}\n\r\t\u{1f}",
            "é 🙂 \u{7f}",
        ] {
            assert_eq!(json_str(s), serde_json::Value::String(s.into()).to_string());
        }
        assert_eq!(json_str("\u{1f}"), "\"\\u001f\"");
    }
}
