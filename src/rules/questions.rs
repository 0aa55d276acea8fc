//! Questions (FORMAT §17): R116 open-question and R117 overdue-question.
//!
//! A question without an `answer` is open: R116, a note, so that the
//! register lists what the OPSG is still waiting for. When its `due` date is
//! before today (`--today`, or the system's date in UTC) it is overdue:
//! R117 instead, not both. A question due today is not yet overdue. Neither
//! rule fires on a withdrawn node (FORMAT §9). The finding points at the
//! question's `text` value (its table when it has none).
//!
//! These rules need today's date, which the other rules do not read, so
//! they run beside [`super::run`], in [`crate::check_files`], before the
//! waivers are applied: a waiver accepts them like any other finding.

use jiff::civil::Date;

use super::Code;
use crate::finding::{Finding, Sink};
use crate::model::{Model, Question};
use crate::waivers::parse_date;

/// The longest question text quoted in a finding's message, in characters.
const QUOTE: usize = 200;

/// Whether an open question's `due` date is before `today`. A `due` that
/// is not a date (an R002 already) is never overdue.
pub fn is_overdue(q: &Question, today: Date) -> bool {
    q.is_open()
        && q.due
            .as_deref()
            .and_then(|d| parse_date(d).ok())
            .is_some_and(|due| due < today)
}

/// Who asked, when, to whom and when due, as far as the question says:
/// "from OPSG_36x (2020-09-28) to DCC, due 2020-10-26".
pub fn provenance(q: &Question) -> String {
    let mut s = String::new();
    if let Some(asked) = &q.asked {
        s.push_str(&format!("from {asked}"));
    }
    if let Some(on) = &q.on {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("({on})"));
    }
    if let Some(to) = &q.to {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("to {to}"));
    }
    if let Some(due) = &q.due {
        if !s.is_empty() {
            s.push_str(", ");
        }
        s.push_str(&format!("due {due}"));
    }
    s
}

/// The question's text on one line, cut to [`QUOTE`] characters.
fn quote(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= QUOTE {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(QUOTE).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

pub fn check(model: &Model, today: Date, sink: &mut Sink<'_>) {
    for node in model
        .nodes
        .iter()
        .filter(|n| n.is_active() && !n.questions().is_empty())
    {
        for q in node.questions().iter().filter(|q| q.is_open()) {
            let overdue = is_overdue(q, today);
            let (code, word, label, help) = if overdue {
                (
                    Code::R117,
                    "overdue",
                    "overdue",
                    "chase the answer; record it with `answer` and `answered`, or agree a new `due` date",
                )
            } else {
                (
                    Code::R116,
                    "open",
                    "open",
                    "once answered, record it with `answer = \"…\"` and `answered = YYYY-MM-DD`",
                )
            };
            let from = provenance(q);
            let from = if from.is_empty() {
                String::new()
            } else {
                format!(" {from}")
            };
            sink.push(
                Finding::new(
                    code,
                    q.at(),
                    format!("{word} question{from}: {}", quote(q.text())),
                )
                .node(&node.id)
                .label(label)
                .help(help),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_quoted_on_one_line_and_cut() {
        assert_eq!(quote("  Comply\n with   it?  "), "Comply with it?");
        let long = "word ".repeat(100);
        let q = quote(&long);
        assert!(q.ends_with("word…"), "{q}");
        assert!(q.chars().count() <= QUOTE + 1);
    }
}
