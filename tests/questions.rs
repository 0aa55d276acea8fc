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
    rtm::check_with(
        dir,
        &rtm::Options {
            today: Some(today),
            ..Default::default()
        },
    )
    .unwrap()
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
    let q = &node(&checked, "RTM-0001").questions()[0];
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
    assert_eq!(node(&checked, "RTM-0001").questions().len(), 1);
    assert!(of(&checked, "R116").is_empty(), "{}", listing(&checked));
    assert!(of(&checked, "R117").is_empty(), "{}", listing(&checked));
}

/// A tree with questions on several nodes: two overdue (due on different
/// days), one open with a due date, one open without, one answered, one
/// on a withdrawn entry and one on an amber entry.
const PACK: &str = r#"[[theme]]
id = "TH-01"
title = "Keep smart meters connected as 2G/3G networks close"
text = "Communications Hubs on 2G/3G networks are replaced before those networks close."
questions = [
  { asked = "OPSG_37x", on = 2020-10-26, text = "Does the theme cover prepayment meters?" },
]

[[business]]
id = "BR-001"
title = "Install 4G Communications Hubs in place of 2G/3G hubs"
text = "DCC provides a 4G Communications Hub and service that Suppliers install instead of 2G/3G hubs."
themes = ["TH-01"]

[[requirement]]
id = "RTM-0002"
title = "4G hub reports its signal strength"
text = "The hub reports the received signal strength daily."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "none"

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
to = "DCC"
text = "Daily, or on request?"
due = 2020-10-26

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
to = "DCC"
text = "Who may order a reboot?"
answer = "The Supplier of the premises."
answered = 2020-10-26

[[requirement]]
id = "RTM-0001"
title = "4G hub sends power outage alerts to the DNO"
text = "The hub raises a power outage alert when mains power is lost."
category = "mvp"
satisfies = ["BR-001"]
user_impact = "none"

[[requirement.questions]]
asked = "OPSG_37x"
on = 2020-10-26
to = "DCC"
text = "Is the alert sent over SMS?"
due = 2020-12-14

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
to = "DCC"
text = "Comply with the 60 s obligation as it stands, or assume DP096?"
due = 2020-10-12

[[requirement]]
id = "RTM-0003"
title = "4G hub logs its firmware version"
text = "The hub logs each firmware version it runs."
category = "mvp"
status = "withdrawn"
satisfies = ["BR-001"]
user_impact = "none"
questions = [
  { asked = "OPSG_36x", on = 2020-09-28, text = "For how long is the log kept?", due = 2020-10-12 },
]

[[requirement]]
id = "RTM-0009"
title = "Quokka telemetry"
text = "Amber detail."
category = "optional"
classification = "amber"
satisfies = ["BR-001"]
questions = [
  { asked = "OPSG_36x", on = 2020-09-28, text = "Zebra crossing?", due = 2020-10-01 },
  { asked = "OPSG_36x", on = 2020-09-28, text = "Wombat burrow?", answer = "Yes.", answered = 2020-10-26 },
]
"#;

fn run(args: &[&str], dir: &Path) -> String {
    let out = rtm().args(args).arg(dir).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text between a heading and the next heading of the same or a
/// higher level.
fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading}:\n{md}"));
    let level = heading.chars().take_while(|&c| c == '#').count();
    let rest = &md[start + heading.len()..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = rest[i + 1..].chars().take_while(|&c| c == '#').count();
            hashes <= level
        })
        .map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

/// The rows of the first table in `text` (not its header or rule), split
/// into trimmed cells.
fn rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_review_pack_lists_open_questions_overdue_first() {
    let dir = tree(PACK);
    let md = run(&["review", "--today", "2020-11-01"], dir.path());
    // Right after the header and Decisions needed (FORMAT §17), before
    // section 1.
    let open_at = md.find("\n## Open questions\n").unwrap();
    let first = md.find("\n## ").unwrap();
    assert_eq!(first, md.find("\n## Decisions needed\n").unwrap(), "{md}");
    let second = first + 1 + md[first + 1..].find("\n## ").unwrap();
    assert_eq!(open_at, second, "{md}");
    assert!(open_at < md.find("\n## 1. Traceability assurance").unwrap());

    let open = section(&md, "## Open questions");
    let (open_only, answered) = open.split_once("### Answered questions").unwrap();
    assert!(
        open_only.contains("4 questions await an answer, 2 overdue."),
        "{open_only}"
    );
    let got = rows(open_only);
    let want = [
        [
            "RTM-0001",
            "4G hub sends power outage alerts to the DNO",
            "Comply with the 60 s obligation as it stands, or assume DP096?",
            "OPSG_36x",
            "2020-09-28",
            "DCC",
            "2020-10-12 **overdue**",
        ],
        [
            "RTM-0002",
            "4G hub reports its signal strength",
            "Daily, or on request?",
            "OPSG_36x",
            "2020-09-28",
            "DCC",
            "2020-10-26 **overdue**",
        ],
        [
            "RTM-0001",
            "4G hub sends power outage alerts to the DNO",
            "Is the alert sent over SMS?",
            "OPSG_37x",
            "2020-10-26",
            "DCC",
            "2020-12-14",
        ],
        [
            "TH-01",
            "Keep smart meters connected as 2G/3G networks close",
            "Does the theme cover prepayment meters?",
            "OPSG_37x",
            "2020-10-26",
            "—",
            "—",
        ],
    ];
    assert_eq!(got, want, "{open_only}");
    assert_eq!(
        rows(answered),
        [[
            "RTM-0002",
            "Who may order a reboot?",
            "OPSG_36x, 2020-09-28",
            "The Supplier of the premises.",
            "2020-10-26",
        ]],
        "{answered}"
    );
    // The withdrawn entry's question is moot; the amber entry leaves no trace.
    // The withdrawn RTM-0003 is listed as withdrawn, never with its question.
    assert!(!open_only.contains("RTM-0003"), "{open_only}");
    for absent in ["For how long", "Zebra", "Wombat", "RTM-0009", "Quokka"] {
        assert!(!md.contains(absent), "`{absent}` in the pack:\n{md}");
    }

    // --today moves the line: on 2020-10-12 nothing is overdue yet.
    let early = run(&["review", "--today", "2020-10-12"], dir.path());
    let open = section(&early, "## Open questions");
    assert!(
        open.contains("4 questions await an answer, 0 overdue."),
        "{open}"
    );
    assert!(!open.contains("**overdue**"), "{open}");
    assert_eq!(
        rows(open)[0][2],
        "Comply with the 60 s obligation as it stands, or assume DP096?"
    );
    assert_eq!(rows(open)[1][6], "2020-10-26");

    // At amber, the amber entry's questions are listed and counted.
    let amber = run(
        &[
            "review",
            "--today",
            "2020-11-01",
            "--classification",
            "amber",
        ],
        dir.path(),
    );
    let open = section(&amber, "## Open questions");
    assert!(
        open.contains("5 questions await an answer, 3 overdue."),
        "{open}"
    );
    assert!(open.contains("Zebra crossing?"));
    assert!(open.contains("Wombat burrow?"));
}

#[test]
fn a_pack_without_open_questions_says_none() {
    let dir = tree(BASE);
    let md = run(&["review"], dir.path());
    assert!(
        md.contains("\n## Open questions\n\nNone.\n\n## 1. Traceability assurance"),
        "{md}"
    );
    assert!(!md.contains("Answered questions"));
}

/// The traceability report shows each node's questions in its own block:
/// open ones marked (overdue too), answered ones with their answer.
#[test]
fn the_report_shows_questions_and_answers_in_the_node_text() {
    let dir = tree(PACK);
    let md = run(&["report", "--today", "2020-11-01"], dir.path());
    let texts = section(&md, "## Node text");
    let block = |id: &str| {
        let start = texts.find(&format!("<summary>{id} ")).unwrap();
        let end = start + texts[start..].find("</details>").unwrap();
        &texts[start..end]
    };
    let rtm2 = block("RTM-0002");
    assert!(
        rtm2.contains("<p>The hub reports the received signal strength daily.</p>\n<p><strong>Questions</strong></p>\n<ul>\n"),
        "{rtm2}"
    );
    assert!(
        rtm2.contains("<li><strong>Open</strong>, <strong>overdue</strong>: Daily, or on request? (asked by OPSG_36x on 2020-09-28 to DCC, due 2020-10-26)</li>\n"),
        "{rtm2}"
    );
    assert!(
        rtm2.contains("<li><strong>Answered</strong> on 2020-10-26: Who may order a reboot? (asked by OPSG_36x on 2020-09-28 to DCC). Answer: The Supplier of the premises.</li>\n"),
        "{rtm2}"
    );
    assert!(
        block("RTM-0001").contains("<li><strong>Open</strong>: Is the alert sent over SMS? (asked by OPSG_37x on 2020-10-26 to DCC, due 2020-12-14)</li>\n"),
    );
    // A withdrawn node's open question is moot, as R116 and R117 say: never
    // marked overdue, though its due date has passed.
    assert!(
        block("RTM-0003").contains("<li><strong>Open</strong>, moot (the node is withdrawn): For how long is the log kept? (asked by OPSG_36x on 2020-09-28, due 2020-10-12)</li>\n"),
        "{}",
        block("RTM-0003")
    );
    assert!(!md.contains("Zebra") && !md.contains("Wombat"), "{md}");
}

/// Question fields are escaped like every other text: no broken table, no
/// live HTML or link, in the pack and in the report's node text.
#[test]
fn hostile_questions_are_escaped() {
    let q = r#"
[[requirement.questions]]
asked = "<b>OPSG</b> | 36x"
on = 2020-09-28
to = "[DCC](javascript:alert(1))"
text = """Two | columns?
<script>alert(1)</script>
</details>"""
due = 2999-01-01

[[requirement.questions]]
asked = "OPSG_36x"
on = 2020-09-28
text = "Answered?"
answer = "<img src=x onerror=alert(1)> | yes"
answered = 2020-10-26
"#;
    let dir = tree(&format!("{BASE}{q}"));
    for doc in ["review", "report"] {
        let md = run(&[doc], dir.path());
        assert!(!md.contains("<script"), "{doc}:\n{md}");
        assert!(!md.contains("<img"), "{doc}:\n{md}");
        assert!(!md.contains("<b>"), "{doc}:\n{md}");
        if doc == "review" {
            assert!(!md.replace("\\](", "").contains("](javascript:"), "{doc}");
        }
        // In the report the node text is sanitised HTML: no live link.
        assert!(!md.contains("href=\"javascript"), "{doc}");
        // The node-text block is closed by its own </details> only.
        assert_eq!(
            md.matches("</details>").count(),
            md.matches("<details>").count(),
            "{doc}"
        );
        if doc == "review" {
            let open = section(&md, "## Open questions");
            for r in rows(open) {
                assert_eq!(r.len(), 7, "{r:?}");
            }
            let answered = section(&md, "### Answered questions");
            for r in rows(answered) {
                assert_eq!(r.len(), 5, "{r:?}");
            }
        }
    }
}

#[test]
fn documents_take_today_and_refuse_a_bad_one() {
    let dir = tree(BASE);
    for doc in ["report", "review"] {
        rtm()
            .args([doc, "--today", "2021-02-30"])
            .arg(dir.path())
            .assert()
            .code(2)
            .stdout("");
    }
}
