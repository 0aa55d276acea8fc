//! Questions (FORMAT §17): the `questions` field on every node kind, R116
//! open-question and R117 overdue-question, and the review pack's "Open
//! questions" section.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::{listing, places, rtm};
use rtm::Checked;

const BASE: &str = r#"[[theme]]
id = "TH-01"
title = "Keep smart meters connected as 2G/3G networks close"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."

[[business]]
id = "BR-001"
title = "Install 4G Communications Hubs in place of 2G/3G hubs"
text = "DCC provides a 4G Communications Hub and service that Suppliers install instead of 2G/3G hubs."
themes = ["TH-01"]

[[requirement]]
id = "RTM-0001"
title = "4G hub sends power outage alerts to the DNO"
text = "The 4G Communications Hub raises a power outage alert when mains power is lost."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "none"
"#;

const QUESTION: &str = r#"
[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
to = "DCC"
text = "Comply with the 60 s obligation as it stands, or assume DP096?"
due = 2020-10-26
"#;

fn tree(nodes: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nodes.toml"), nodes).unwrap();
    dir
}

fn check_on(dir: &Path, today: jiff::civil::Date) -> Checked {
    rtm::check_with(dir, &rtm::Options { today: Some(today) }).unwrap()
}

fn node<'a>(checked: &'a Checked, id: &str) -> &'a rtm::model::Node {
    checked.model.nodes.iter().find(|n| n.id == id).unwrap()
}

fn of(checked: &Checked, code: &str) -> Vec<String> {
    places(checked)
        .into_iter()
        .filter(|p| p.starts_with(&format!("{code} ")))
        .collect()
}

fn messages(checked: &Checked, code: &str) -> Vec<String> {
    checked
        .findings
        .iter()
        .filter(|f| f.code.rule().code == code)
        .map(|f| f.message.clone())
        .collect()
}

/// Every key, type and required field of a question is checked like any
/// other field: R002 at the offending key or value, or at the question's
/// table for a missing field.
#[test]
fn question_fields_are_checked_where_they_are_written() {
    let nodes = format!(
        r#"{BASE}
[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "Typo in a key?"
asker = "DCC"

[[requirement.questions]]
asked = 36
on = "2020-09-28"
text = "Wrong types?"
due = 2020-10-26T10:00:00

[[requirement.questions]]
to = "DCC"

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "   "

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "Answered, but when?"
answer = "Yes"

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "When, but what?"
answered = 2020-10-26

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "An empty answer?"
answer = ""
answered = 2020-10-26

[[theme]]
id = "TH-02"
title = "A theme whose questions are not tables"
questions = ["Why?"]
"#
    );
    let dir = tree(&nodes);
    let checked = check_on(dir.path(), jiff::civil::date(2020, 10, 1));
    let r002: Vec<String> = checked
        .findings
        .iter()
        .filter(|f| f.code.rule().code == "R002")
        .map(|f| {
            let (line, col) = checked.model.sources.line_col(f.span);
            format!("{line}:{col} {}", f.message)
        })
        .collect();
    let line = |needle: &str| nodes.lines().position(|l| l.contains(needle)).unwrap() + 1;
    // A missing field is reported at the question's `[[…]]` header.
    let want = vec![
        format!("{}:1 unknown field `asker` in a question", line("asker = ")),
        format!(
            "{}:9 `asked` must be a string, not an integer",
            line("asked = 36")
        ),
        format!(
            "{}:6 `on` must be a date such as 2021-03-31, not a string",
            line("on = \"2020-09-28\"")
        ),
        format!(
            "{}:7 `due` must be a date such as 2021-03-31, not a date-time",
            line("due = 2020-10-26T10")
        ),
        format!(
            "{}:1 a question is missing the required field `asked`",
            line("to = \"DCC\"") - 1
        ),
        format!(
            "{}:1 a question is missing the required field `on`",
            line("to = \"DCC\"") - 1
        ),
        format!(
            "{}:1 a question is missing the required field `text`",
            line("to = \"DCC\"") - 1
        ),
        format!("{}:8 `text` of a question is empty", line("text = \"   \"")),
        format!(
            "{}:1 a question with an `answer` is missing the required field `answered`",
            line("Answered, but when?") - 3
        ),
        format!(
            "{}:12 `answered` is set, but the question has no `answer`",
            line("When, but what?") + 1
        ),
        format!(
            "{}:10 `answer` of a question is empty",
            line("answer = \"\"")
        ),
        format!(
            "{}:14 `questions` must hold tables, not a string",
            line("questions = [\"Why?\"]")
        ),
    ];
    let mut got = r002.clone();
    got.sort();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(got, sorted, "{}", listing(&checked));
    // The question with an empty answer is still open: R116 (not yet due).
    let open = messages(&checked, "R116");
    assert!(
        open.iter().any(|m| m.ends_with(": An empty answer?")),
        "{open:?}"
    );
    // The answered one is not.
    assert!(
        !open.iter().any(|m| m.ends_with(": Answered, but when?")),
        "{open:?}"
    );
}

/// Questions are accepted on every node kind.
#[test]
fn every_kind_takes_questions() {
    let q = r#"questions = [{ asked = "OPSG_36x", on = 2020-09-28, text = "Why?" }]"#;
    let nodes = format!(
        r#"[[theme]]
id = "TH-01"
title = "A theme"
{q}

[[business]]
id = "BR-001"
title = "A business requirement"
themes = ["TH-01"]
{q}

[[requirement]]
id = "RTM-0001"
title = "An entry"
category = "sec-support"
satisfies = ["BR-001"]
sec = ["SEC-1"]
{q}

[[sec]]
id = "SEC-1"
title = "An obligation"
{q}

[[modification]]
id = "DP001"
title = "A modification"
stage = "proposed"
{q}
"#
    );
    let dir = tree(&nodes);
    let checked = check_on(dir.path(), jiff::civil::date(2020, 10, 1));
    assert!(of(&checked, "R002").is_empty(), "{}", listing(&checked));
    let mut ids: Vec<&str> = checked
        .findings
        .iter()
        .filter(|f| f.code.rule().code == "R116")
        .filter_map(|f| f.node.as_deref())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["BR-001", "DP001", "RTM-0001", "SEC-1", "TH-01"]);
}

/// Due today is a near miss: open (R116). From the next day: R117 only.
#[test]
fn a_question_is_overdue_from_the_day_after_it_is_due() {
    let dir = tree(&format!("{BASE}{QUESTION}"));
    let at = format!(
        "nodes.toml:{}:8",
        format!("{BASE}{QUESTION}")
            .lines()
            .position(|l| l.starts_with("text = \"Comply"))
            .unwrap()
            + 1
    );

    let on_the_day = check_on(dir.path(), jiff::civil::date(2020, 10, 26));
    assert_eq!(of(&on_the_day, "R116"), [format!("R116 {at}")]);
    assert!(of(&on_the_day, "R117").is_empty());
    assert_eq!(
        messages(&on_the_day, "R116"),
        [
            "open question from OPSG_36x (2020-09-28) to DCC, due 2020-10-26: Comply with the 60 s obligation as it stands, or assume DP096?"
        ]
    );

    let next_day = check_on(dir.path(), jiff::civil::date(2020, 10, 27));
    assert!(of(&next_day, "R116").is_empty(), "{}", listing(&next_day));
    assert_eq!(of(&next_day, "R117"), [format!("R117 {at}")]);
    let f = next_day
        .findings
        .iter()
        .find(|f| f.code.rule().code == "R117")
        .unwrap();
    assert_eq!(f.level, rtm::rules::Level::Warning);
    assert_eq!(f.node.as_deref(), Some("RTM-0001"));
    assert_eq!(
        f.message,
        "overdue question from OPSG_36x (2020-09-28) to DCC, due 2020-10-26: Comply with the 60 s obligation as it stands, or assume DP096?"
    );

    // Through the command line: --today, and --deny-warnings fails on R117.
    rtm()
        .args(["check", "--deny-warnings", "--today", "2020-10-26"])
        .arg(dir.path())
        .assert()
        .code(0);
    rtm()
        .args(["check", "--deny-warnings", "--today", "2020-10-27"])
        .arg(dir.path())
        .assert()
        .code(1);
}

/// An answered question fires nothing, whatever its due date.
#[test]
fn an_answered_question_fires_nothing() {
    let answered = QUESTION.replace(
        "due = 2020-10-26\n",
        "due = 2020-10-26\nanswer = \"Assume DP096.\"\nanswered = 2020-11-30\n",
    );
    let dir = tree(&format!("{BASE}{answered}"));
    let checked = check_on(dir.path(), jiff::civil::date(2021, 1, 1));
    assert!(of(&checked, "R116").is_empty(), "{}", listing(&checked));
    assert!(of(&checked, "R117").is_empty(), "{}", listing(&checked));
    assert!(of(&checked, "R002").is_empty(), "{}", listing(&checked));
    let q = &node(&checked, "RTM-0001").questions[0];
    assert_eq!(q.answer.as_deref(), Some("Assume DP096."));
    assert_eq!(q.answered.as_deref(), Some("2020-11-30"));
}

/// A waiver accepts R116 and R117 like any other finding; levels apply.
#[test]
fn waivers_and_levels_apply_to_question_findings() {
    let waiver = r#"
[[requirement.waivers]]
rule = "overdue-question"
reason = "The DCC answers at OPSG_38x"
by = "OPSG_37x"
"#;
    let dir = tree(&format!("{BASE}{QUESTION}{waiver}"));
    let checked = check_on(dir.path(), jiff::civil::date(2020, 11, 1));
    let f = checked
        .findings
        .iter()
        .find(|f| f.code.rule().code == "R117")
        .unwrap();
    assert_eq!(f.level, rtm::rules::Level::Note);
    assert_eq!(f.waived.as_ref().unwrap().by, "OPSG_37x");
    assert!(of(&checked, "R111").is_empty(), "{}", listing(&checked));

    std::fs::write(
        dir.path().join("rtm.toml"),
        "[rules]\nR117 = \"error\"\nopen-question = \"off\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("nodes.toml"), format!("{BASE}{QUESTION}")).unwrap();
    let checked = check_on(dir.path(), jiff::civil::date(2020, 11, 1));
    let f = checked
        .findings
        .iter()
        .find(|f| f.code.rule().code == "R117")
        .unwrap();
    assert_eq!(f.level, rtm::rules::Level::Error);
    let checked = check_on(dir.path(), jiff::civil::date(2020, 10, 1));
    assert!(of(&checked, "R116").is_empty(), "{}", listing(&checked));
}

/// No R116 or R117 on a withdrawn node (FORMAT §9).
#[test]
fn a_withdrawn_node_asks_nothing() {
    let nodes = format!("{BASE}{QUESTION}").replace(
        "category = \"mvp\"\n",
        "category = \"mvp\"\nstatus = \"withdrawn\"\n",
    );
    let dir = tree(&nodes);
    let checked = check_on(dir.path(), jiff::civil::date(2021, 1, 1));
    assert_eq!(node(&checked, "RTM-0001").questions.len(), 1);
    assert!(of(&checked, "R116").is_empty(), "{}", listing(&checked));
    assert!(of(&checked, "R117").is_empty(), "{}", listing(&checked));
}
