//! Documents for people: the traceability report (`rtm report`) and the
//! OPSG assurance review pack (`rtm review`), in Markdown, or in HTML
//! rendered from that Markdown. Both read a [`View`], so a node above the
//! document's classification never reaches them.

pub mod html;
pub mod md;
pub mod review;
pub mod traceability;

use std::fmt::Write as _;

use crate::coverage::{VariantCoverage, reaching, variant_coverage};
use crate::model::{Kind, Node};
use crate::view::{View, withheld_phrase};
use md::{Table, cell, esc};

/// Options shared by both documents.
#[derive(Debug, Clone, Default)]
pub struct DocOptions {
    /// A date to print in the header (`--date`); none by default, so the
    /// same tree gives the same document.
    pub date: Option<String>,
}

/// Coverage facts computed once over the tree the document shows (the
/// whole tree less every withheld node), so that no figure reveals a
/// withheld node.
pub struct Facts {
    /// Per node: an active RTM entry reaching an active business requirement.
    pub reaches: Vec<bool>,
    pub variants: VariantCoverage,
}

impl Facts {
    pub fn new(view: &View<'_>) -> Facts {
        let c = &view.checked;
        Facts {
            reaches: reaching(&c.model, &c.graph),
            variants: variant_coverage(&c.model, &c.graph, &c.config.project.variants),
        }
    }

    pub fn entry_reaches(&self, i: usize) -> bool {
        self.reaches.get(i).copied().unwrap_or(false)
    }

    pub fn business_reached(&self, i: usize) -> bool {
        self.variants.reached(i)
    }

    /// Whether an active business requirement is covered for variant `k`.
    pub fn covers(&self, i: usize, k: usize) -> bool {
        self.variants.covers(i, k)
    }
}

pub use crate::graph::{sources_of, targets_of};

/// Ids a view may show, joined, with "N withheld items" when some are not.
pub fn id_list<'i>(view: &View<'_>, ids: impl Iterator<Item = &'i str>) -> String {
    let (shown, hidden) = view.split_ids(ids);
    let mut parts: Vec<String> = shown.iter().map(|s| esc(s)).collect();
    if hidden > 0 {
        parts.push(withheld_phrase(hidden));
    }
    if parts.is_empty() {
        "—".to_owned()
    } else {
        parts.join(", ")
    }
}

/// Variants of a node, "all" when it names none.
pub fn variants_cell(node: &Node) -> String {
    match node.variants() {
        None => "all".to_owned(),
        Some([]) => "none".to_owned(),
        Some(v) => cell(&v.join(", ")),
    }
}

/// Counts of visible nodes per kind, as a phrase, saying how many of each
/// are withdrawn (and so counted in no figure).
pub fn node_counts(view: &View<'_>) -> String {
    let mut counts = [0usize; 5];
    let mut withdrawn = [0usize; 5];
    for (_, n) in view.nodes() {
        if let Some(c) = counts.get_mut(n.kind as usize) {
            *c += 1;
        }
        if !n.is_active()
            && let Some(c) = withdrawn.get_mut(n.kind as usize)
        {
            *c += 1;
        }
    }
    let names = [
        ("theme", "themes"),
        ("business requirement", "business requirements"),
        ("RTM entry", "RTM entries"),
        ("SEC obligation", "SEC obligations"),
        ("modification", "modifications"),
    ];
    Kind::ALL
        .iter()
        .zip(names)
        .map(|(k, (one, many))| {
            let i = *k as usize;
            let n = md::count(counts.get(i).copied().unwrap_or(0), one, many);
            match withdrawn.get(i).copied().unwrap_or(0) {
                0 => n,
                w => format!("{n} ({w} withdrawn)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header every document starts with.
pub fn header(out: &mut String, title: &str, view: &View<'_>, opts: &DocOptions) {
    let c = &view.checked;
    let project = c
        .config
        .project
        .name
        .as_deref()
        .unwrap_or("Requirement tree");
    let _ = writeln!(out, "# {title}: {}\n", esc(project));
    let mut t = Table::new(&["", ""]);
    let labels = view.labels();
    let level = view.document_level();
    t.row(vec![
        "Classification".into(),
        format!(
            "**{}**: {}",
            esc(labels.name(level)),
            esc(labels.handling(level))
        ),
    ]);
    t.row(vec![
        "SEC baseline".into(),
        cell(
            c.config
                .project
                .sec_baseline
                .as_deref()
                .unwrap_or("not stated"),
        ),
    ]);
    if let Some(date) = &opts.date {
        t.row(vec!["Date".into(), cell(date)]);
    }
    if !c.scenario.assume.is_empty() {
        t.row(vec!["Scenario".into(), scenario(view)]);
    }
    t.row(vec!["Nodes".into(), node_counts(view)]);
    if !c.config.project.variants.is_empty() {
        t.row(vec![
            "Variants".into(),
            cell(&c.config.project.variants.join(", ")),
        ]);
    }
    let withheld = if view.withheld_nodes == 0 && view.withheld_findings == 0 {
        "none".to_owned()
    } else {
        format!(
            "{} above {} ({} and {} about them)",
            withheld_phrase(view.withheld_nodes + view.withheld_findings),
            esc(labels.name(view.level)),
            md::count(view.withheld_nodes, "node", "nodes"),
            md::count(view.withheld_findings, "finding", "findings"),
        )
    };
    t.row(vec!["Withheld".into(), withheld]);
    t.write(out);
}

/// The scenario a document is computed under (FORMAT §16): "Assuming
/// DP096 in force". Only the modifications the document shows are named.
fn scenario(view: &View<'_>) -> String {
    use crate::scenario::InForce;
    let c = &view.checked;
    // What is assumed, and what was named but is in force anyway (its
    // stage is `implemented`): said so, never "no modification".
    let mut ids: Vec<(&str, bool)> = c
        .scenario
        .in_force_all()
        .filter_map(|(i, why)| {
            let n = c.model.nodes.get(i)?;
            match why {
                InForce::Assumed => Some((n.id.as_str(), false)),
                InForce::Implemented => c
                    .scenario
                    .assume
                    .ids
                    .iter()
                    .any(|a| *a == n.id.as_str())
                    .then_some((n.id.as_str(), true)),
            }
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let hidden = c
        .scenario
        .assume
        .ids
        .iter()
        .filter(|id| view.hides_id(id))
        .count();
    let mut names: Vec<String> = ids
        .iter()
        .map(|&(id, implemented)| {
            if implemented {
                format!("{} (implemented)", esc(id))
            } else {
                esc(id)
            }
        })
        .collect();
    if hidden > 0 {
        names.push(withheld_phrase(hidden));
    }
    let list = match names.as_slice() {
        [] => "no modification".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    let mut text = format!("Assuming {list} in force");
    if c.scenario.assume.pending {
        text.push_str(" (every pending modification: not rejected or withdrawn)");
    }
    text
}

/// A `<details>` block per node holding its `text`, and its questions
/// with their answers (FORMAT §17; a node of any kind that has questions
/// gets a block). Each node's Markdown is rendered and sanitised on its own
/// ([`html::fragment`]), so that no node's text (an unclosed code fence, a
/// `<script>`, a `<plaintext>`) can change how another node, or the rest
/// of the document, reads.
pub fn node_texts(out: &mut String, view: &View<'_>, kinds: &[Kind]) {
    let mut any = false;
    for (_, n) in view.nodes() {
        let has_text = kinds.contains(&n.kind) && !n.text().trim().is_empty();
        if !has_text && n.questions().is_empty() {
            continue;
        }
        if !any {
            out.push_str("## Node text\n\n");
            any = true;
        }
        let title = n.title().unwrap_or("");
        let mut body = if has_text {
            html::fragment(n.text())
        } else {
            String::new()
        };
        let mut questions = String::new();
        node_questions(&mut questions, n, view.checked.today);
        if !questions.is_empty() {
            if !body.is_empty() {
                body.push('\n');
            }
            body.push_str(&html::fragment(&questions));
        }
        let _ = writeln!(
            out,
            "<details>\n<summary>{} {}</summary>\n{}\n</details>\n",
            html_escape(&n.id),
            html_escape(title),
            body
        );
    }
}

/// A node's questions as a list: open ones marked (and overdue ones), the
/// answered ones with their answer and its date. A withdrawn node's open
/// question is moot (R116 and R117 do not fire on it, FORMAT §9): it is
/// marked so, never overdue.
pub(crate) fn node_questions(out: &mut String, n: &Node, today: jiff::civil::Date) {
    use crate::rules::questions::is_overdue;
    if n.questions().is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push_str("\n\n");
    }
    out.push_str("**Questions**\n\n");
    for q in n.questions() {
        let who: Vec<String> = [("asked by", &q.asked), ("on", &q.on), ("to", &q.to)]
            .into_iter()
            .filter_map(|(word, v)| v.as_ref().map(|v| format!("{word} {v}")))
            .collect();
        let mut from = who.join(" ");
        if let Some(due) = &q.due {
            if !from.is_empty() {
                from.push_str(", ");
            }
            from.push_str(&format!("due {due}"));
        }
        let from = if from.is_empty() {
            String::new()
        } else {
            format!(" ({})", esc(&from))
        };
        let text = esc(q.text().trim());
        match &q.answer {
            None => {
                let state = if !n.is_active() {
                    "**Open**, moot (the node is withdrawn)"
                } else if is_overdue(q, today) {
                    "**Open**, **overdue**"
                } else {
                    "**Open**"
                };
                let _ = writeln!(out, "- {state}: {text}{from}");
            }
            Some(answer) => {
                let on = q
                    .answered
                    .as_deref()
                    .map_or(String::new(), |d| format!(" on {}", esc(d)));
                let _ = writeln!(
                    out,
                    "- **Answered**{on}: {text}{from}. Answer: {}",
                    esc(answer.trim())
                );
            }
        }
    }
}

/// Escapes text for an HTML context inside the Markdown (`<summary>`).
pub use crate::escape::html as html_escape;

/// A finding's place, `file:line`.
pub fn place(view: &View<'_>, f: &crate::finding::Finding) -> String {
    let s = &view.checked.model.sources;
    let (line, _) = s.line_col(f.span);
    format!("{}:{line}", s.path(f.span.file))
}
