//! Waivers (FORMAT §8): a finding accepted on the record, by someone, for a
//! while. [`apply`] runs once, after every rule, in [`crate::check_files`];
//! rules never look at waivers.
//!
//! - A finding of rule X whose `node` is N is waived when a node with id N
//!   carries a valid waiver for X (by code or name) whose `until` has not
//!   passed (`until` is inclusive). It becomes a note and records
//!   [`Waived`]. Several waivers may match one finding: the first in file
//!   order is recorded, and every one of them counts as used.
//! - A waiver whose `until` is before today waives nothing and is R110 at
//!   its `until` value (not R111 as well).
//! - A waiver that matches no finding on its node is R111 at its `rule`
//!   value. A rule turned `off` in `rtm.toml` has no findings to match.
//! - R001, R002, R003, R110 and R111 cannot be waived: such a waiver is
//!   R002 at its `rule` value and waives nothing.
//! - A waiver with a schema error (an R002 finding inside it: a missing
//!   `by` or `reason`, an unknown rule, an `until` that is not a date)
//!   waives nothing and gets no R110 or R111.
//! - R110 and R111 do not fire on a withdrawn node; its valid waivers still
//!   waive.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::finding::{Finding, Levels, Sink, Waived};
use crate::model::{Model, Node, Waiver};
use crate::registry::{Code, lookup};

/// Rules no waiver may accept.
pub const UNWAIVABLE: &[Code] = &[Code::R001, Code::R002, Code::R003, Code::R110, Code::R111];

/// Reads a date written `YYYY-MM-DD`, and nothing else.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let bad = || format!("`{s}` is not a date: write YYYY-MM-DD, such as 2021-03-31");
    if !shape {
        return Err(bad());
    }
    s.parse::<Date>().map_err(|_| bad())
}

/// Today's date on the system clock, in UTC.
pub fn today() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// How a waived finding says so: "waived by OPSG_37x until 2021-03-31:
/// User impact is assessed in the transition plan".
pub fn describe(w: &Waived) -> String {
    match &w.until {
        Some(until) => format!("waived by {} until {until}: {}", w.by, w.reason),
        None => format!("waived by {} (no end date): {}", w.by, w.reason),
    }
}

/// A waiver that can waive: its rule, reason and author, and its end date.
struct Valid<'a> {
    waiver: &'a Waiver,
    code: Code,
    until: Option<Date>,
    waived: Waived,
}

fn validate(w: &Waiver) -> Option<Valid<'_>> {
    if !w.valid {
        return None;
    }
    let (code, _) = lookup(&w.rule.as_ref()?.value)?;
    let until = match &w.until {
        Some(u) => Some(parse_date(&u.value).ok()?),
        None => None,
    };
    Some(Valid {
        waiver: w,
        code,
        until,
        waived: Waived {
            by: w.by.clone()?,
            reason: w.reason.clone()?,
            until: w.until.as_ref().map(|u| u.value.clone()),
        },
    })
}

/// The R002 of a waiver that names a rule that cannot be waived (R001,
/// R002, R003, R110, R111), at the rule's value; `None` for any other.
pub fn unwaivable(node: &crate::model::Node, w: &crate::model::Waiver) -> Option<Finding> {
    let rule = w.rule.as_ref()?;
    let (code, _) = lookup(&rule.value)?;
    if !UNWAIVABLE.contains(&code) {
        return None;
    }
    let r = code.rule();
    Some(
        Finding::new(
            Code::R002,
            rule.span,
            format!("{} {} cannot be waived", r.code, r.name),
        )
        .node(node.id.clone())
        .label("cannot be waived")
        .help("R001, R002, R003, R110 and R111 cannot be waived: fix the finding instead"),
    )
}

/// Applies every waiver of the tree to `findings`, and adds R110, R111
/// and the R002 findings of waivers that name an unwaivable rule (at
/// their configured levels).
pub fn apply(
    mut findings: Vec<Finding>,
    model: &Model,
    levels: &Levels,
    today: Date,
) -> Vec<Finding> {
    let mut sink = Sink::new(levels);
    // Findings by the node they are about.
    let mut by_node: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(n) = &f.node {
            by_node.entry(n.as_str()).or_default().push(i);
        }
    }
    let mut waive: Vec<(usize, Waived)> = Vec::new();
    for node in model.nodes.iter().filter(|n| !n.waivers().is_empty()) {
        for w in node.waivers() {
            if let Some(f) = unwaivable(node, w) {
                sink.push(f);
                continue;
            }
            let Some(valid) = validate(w) else {
                continue;
            };
            check_waiver(
                node, &valid, today, &findings, &by_node, &mut waive, &mut sink,
            );
        }
    }
    for (i, waived) in waive {
        if let Some(f) = findings.get_mut(i)
            && f.waived.is_none()
        {
            f.level = crate::registry::Level::Note;
            f.waived = Some(waived);
        }
    }
    findings.extend(sink.into_findings());
    findings
}

fn check_waiver(
    node: &Node,
    valid: &Valid<'_>,
    today: Date,
    findings: &[Finding],
    by_node: &HashMap<&str, Vec<usize>>,
    waive: &mut Vec<(usize, Waived)>,
    sink: &mut Sink<'_>,
) {
    let rule = valid.code.rule();
    if let (Some(until), Some(at)) = (valid.until, &valid.waiver.until)
        && until < today
    {
        if node.is_active() {
            sink.push(
                Finding::new(
                    Code::R110,
                    at.span,
                    format!(
                        "the waiver of {} {} on {} (by {}) ran until {} and has expired",
                        rule.code, rule.name, node.id, valid.waived.by, at.value
                    ),
                )
                .node(node.id.clone())
                .label("expired")
                .help(
                    "fix the finding and delete the waiver, or have it renewed with a new `until`",
                ),
            );
        }
        return;
    }
    let matched: Vec<usize> = by_node
        .get(node.id.as_str())
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| findings.get(i).is_some_and(|f| f.code == valid.code))
        .collect();
    if matched.is_empty() {
        if node.is_active()
            && let Some(r) = &valid.waiver.rule
        {
            sink.push(
                Finding::new(
                    Code::R111,
                    r.span,
                    format!(
                        "{} waives {} {}, but {} has no such finding",
                        node.id, rule.code, rule.name, node.id
                    ),
                )
                .node(node.id.clone())
                .label("matches no finding")
                .help("delete the waiver, or move it to the node and rule it was meant for"),
            );
        }
        return;
    }
    waive.extend(matched.into_iter().map(|i| (i, valid.waived.clone())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2021-03-31").is_ok());
        assert!(parse_date("2021-02-30").is_err());
        assert!(parse_date("2021-3-31").is_err());
        assert!(parse_date("2021-03-31T00:00").is_err());
        assert!(parse_date("yesterday").is_err());
    }
}
