//! `rtm lsp`, driven as an editor drives it: messages framed with
//! `Content-Length` on the server's standard input and output, on a copy
//! of the bundled tree.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long to wait for an answer before the test fails.
const WAIT: Duration = Duration::from_secs(30);
/// The date the tests check against (waivers, questions).
const TODAY: &str = "2020-10-20";

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    /// Messages received while waiting for something else.
    backlog: VecDeque<Value>,
    next_id: i64,
    /// The project folder (holding `requirements/`); kept alive.
    dir: tempfile::TempDir,
    /// The answer to `initialize`.
    init: Value,
}

/// Reads framed messages from the server.
fn read_frames(out: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(out);
        loop {
            let mut size = None;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    size = Some(v.parse::<usize>().unwrap());
                }
            }
            let mut body = vec![0; size.unwrap()];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        }
    });
    rx
}

impl Client {
    /// Starts `rtm lsp` with `args` on a copy of the bundled tree and
    /// initializes it, with the project folder as the workspace folder.
    fn start(args: &[&str]) -> Client {
        Client::start_with(args, json!({}))
    }

    /// [`Client::start`], with these client capabilities.
    fn start_with(args: &[&str], capabilities: Value) -> Client {
        let dir = tempfile::tempdir().unwrap();
        common::copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements"),
            &dir.path().join("requirements"),
        );
        // `{tree}` in `args` stands for the copy's path.
        let tree = dir.path().join("requirements");
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "{tree}" {
                    tree.to_str().unwrap()
                } else {
                    a
                }
            })
            .collect();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rtm"))
            .arg("lsp")
            .args(["--today", TODAY])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let rx = read_frames(child.stdout.take().unwrap());
        let mut c = Client {
            child,
            stdin,
            rx,
            backlog: VecDeque::new(),
            next_id: 0,
            dir,
            init: Value::Null,
        };
        let root = url(c.dir.path());
        let init = c.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root,
                "workspaceFolders": [{ "uri": root, "name": "project" }],
                "capabilities": capabilities,
            }),
        );
        assert_eq!(
            init["result"]["serverInfo"]["name"], "rtm",
            "initialize: {init}"
        );
        c.init = init;
        c.notify("initialized", json!({}));
        c
    }

    fn tree(&self) -> PathBuf {
        self.dir.path().join("requirements")
    }

    /// The URI of a file of the tree.
    fn uri(&self, rel: &str) -> String {
        url(&self.tree().join(rel))
    }

    fn text(&self, rel: &str) -> String {
        std::fs::read_to_string(self.tree().join(rel)).unwrap()
    }

    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        self.raw(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    }

    fn raw(&mut self, bytes: &str) {
        self.stdin.write_all(bytes.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response (the whole message).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The next message that `pred` accepts (messages before it are kept
    /// for later waits).
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_for(WAIT, pred)
            .unwrap_or_else(|| panic!("timed out; received: {:#?}", self.backlog))
    }

    fn wait_for(&mut self, limit: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let end = Instant::now() + limit;
        loop {
            match self
                .rx
                .recv_timeout(end.saturating_duration_since(Instant::now()))
            {
                Ok(m) if pred(&m) => return Some(m),
                Ok(m) => self.backlog.push_back(m),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => panic!("the server stopped"),
            }
        }
    }

    /// The next diagnostics published for a file of the tree.
    fn diagnostics(&mut self, rel: &str) -> Vec<Value> {
        let uri = self.uri(rel);
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// The next diagnostics published for a file, until `pred` holds.
    fn diagnostics_until(&mut self, rel: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let d = self.diagnostics(rel);
            if pred(&d) {
                return d;
            }
        }
    }

    fn open(&mut self, rel: &str) {
        let text = self.text(rel);
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "toml", "version": 1, "text": text } }),
        );
    }

    /// Replaces the whole text of an open document.
    fn change(&mut self, rel: &str, version: i32, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    /// A request at a position of a file of the tree.
    fn at(
        &mut self,
        method: &str,
        rel: &str,
        line: usize,
        character: usize,
        extra: Value,
    ) -> Value {
        let mut params = json!({
            "textDocument": { "uri": self.uri(rel) },
            "position": { "line": line, "character": character },
        });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params)
    }

    /// `shutdown` then `exit`: the server must exit with status 0.
    fn finish(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = wait_exit(&mut self.child);
        assert_eq!(status, Some(0));
    }
}

fn wait_exit(child: &mut Child) -> Option<i32> {
    let end = Instant::now() + WAIT;
    while Instant::now() < end {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the server did not exit");
}

fn url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The 0-based line of the first line of `text` holding `needle`, and the
/// column (in characters; the bundled tree is ASCII where it matters)
/// where it starts.
fn find(text: &str, needle: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(c) = line.find(needle) {
            return (i, c);
        }
    }
    panic!("{needle} not found");
}

/// `text` with an unknown field `name` added before its first `title`.
fn typo(text: &str, name: &str) -> String {
    text.replacen("title = ", &format!("{name} = \"x\"\ntitle = "), 1)
}

/// A range: start line and character, end line and character.
type Range = (u64, u64, u64, u64);

fn range(d: &Value) -> Range {
    let r = &d["range"];
    (
        r["start"]["line"].as_u64().unwrap(),
        r["start"]["character"].as_u64().unwrap(),
        r["end"]["line"].as_u64().unwrap(),
        r["end"]["character"].as_u64().unwrap(),
    )
}

fn codes(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// An edit: the file relative to the tree, its range, the new text.
type Edit = (String, Range, String);

/// Every edit of a workspace edit, as (file name relative to the tree,
/// range, new text), sorted.
fn edits(client: &Client, edit: &Value) -> Vec<Edit> {
    let base = format!("{}/", url(&client.tree()));
    let mut out = Vec::new();
    for (uri, list) in edit["changes"].as_object().unwrap() {
        for e in list.as_array().unwrap() {
            out.push((
                uri.strip_prefix(&base).unwrap().to_owned(),
                range(e),
                e["newText"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn diagnostics_are_the_findings_of_rtm_check() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    // What `rtm check` finds on the same tree.
    let out = common::rtm()
        .args(["check", "--format", "json", "--today", TODAY])
        .arg(c.tree())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut want = BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        want.insert((
            f["file"].as_str().unwrap().to_owned(),
            f["code"].as_str().unwrap().to_owned(),
            f["line"].as_u64().unwrap() - 1,
            f["message"].as_str().unwrap().to_owned(),
        ));
    }
    let files: BTreeSet<String> = want.iter().map(|w| w.0.clone()).collect();
    let mut got = BTreeSet::new();
    for file in &files {
        for d in c.diagnostics(file) {
            let message = d["message"].as_str().unwrap();
            // The message, then the help on the lines below.
            let first = message.lines().next().unwrap().to_owned();
            assert_eq!(d["source"], "rtm");
            got.insert((
                file.clone(),
                d["code"].as_str().unwrap().to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                first,
            ));
        }
    }
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);

    // The tree named with `--tree`, as every command takes it: the same.
    let mut named = Client::start(&["--debounce-ms", "0", "--tree", "{tree}"]);
    for file in &files {
        let diags = named.diagnostics(file);
        let mut by_tree: Vec<(String, u64)> = diags
            .iter()
            .map(|d| {
                let code = d["code"].as_str().unwrap().to_owned();
                (code, d["range"]["start"]["line"].as_u64().unwrap())
            })
            .collect();
        by_tree.sort();
        let mut expected: Vec<(String, u64)> = want
            .iter()
            .filter(|w| &w.0 == file)
            .map(|w| (w.1.clone(), w.2))
            .collect();
        expected.sort();
        assert_eq!(by_tree, expected, "{file}");
    }
    named.finish();

    // R210 on RTM-0303's id, a warning, with rtm check's help.
    let text = c.text("detailed/outage-alerts.toml");
    let (line, col) = find(&text, "\"RTM-0303\"");
    c.open("detailed/outage-alerts.toml");
    let edited = text.replace(
        "sec = [\"SEC-DUIS\"]",
        "sec = [\"SEC-DUIS\"]\nsatisifes = []",
    );
    c.change("detailed/outage-alerts.toml", 2, &edited);
    let diags = c.diagnostics_until("detailed/outage-alerts.toml", |d| {
        codes(d).contains(&"R002".to_owned())
    });
    let r210 = diags.iter().find(|d| d["code"] == "R210").unwrap();
    // One line down: a line was added above it.
    let line = line as u64 + 1;
    assert_eq!(range(r210), (line, col as u64, line, col as u64 + 10));
    assert_eq!(r210["severity"], 2);
    assert!(
        r210["message"].as_str().unwrap().starts_with(
            "RTM-0303 is mvp but does not state its user impact\nhelp: add `user_impact"
        ),
        "{r210}"
    );
    let r002 = diags.iter().find(|d| d["code"] == "R002").unwrap();
    assert_eq!(r002["severity"], 1);
    assert!(
        r002["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown field `satisifes`"),
        "{r002}"
    );

    // Fixed: the R002 is gone, the rest stays.
    c.change("detailed/outage-alerts.toml", 3, &text);
    let diags = c.diagnostics("detailed/outage-alerts.toml");
    assert!(!codes(&diags).contains(&"R002".to_owned()), "{diags:?}");
    assert!(codes(&diags).contains(&"R210".to_owned()), "{diags:?}");
    c.finish();
}

#[test]
fn stale_diagnostics_are_cleared() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    // sec/operations.toml has no finding: nothing is published for it
    // until it has one.
    let rel = "sec/operations.toml";
    c.open(rel);
    let text = c.text(rel);
    c.change(rel, 2, &typo(&text, "ownr"));
    let diags = c.diagnostics(rel);
    assert_eq!(codes(&diags), ["R002"], "{diags:?}");
    let (line, col) = find(&text, "title = ");
    assert_eq!(
        range(&diags[0]),
        (line as u64, col as u64, line as u64, col as u64 + 4)
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown field `ownr` in sec SEC-CH-ORDER\nhelp: did you mean `owner`?"),
        "{diags:?}"
    );
    c.change(rel, 3, &text);
    let uri = c.uri(rel);
    let m =
        c.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri);
    assert_eq!(m["params"]["diagnostics"], json!([]));
    assert_eq!(m["params"]["version"], 3);
    c.finish();
}

#[test]
fn related_places_are_related_information() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    c.open(rel);
    let text = c.text(rel);
    let edited = text.replacen(
        "user_impact = \"none\"",
        "user_impact = \"none\"\nvalues = { poa_latency_s = 180 }",
        1,
    );
    c.change(rel, 2, &edited);
    let diags = c.diagnostics_until(rel, |d| codes(d).contains(&"R203".to_owned()));
    let r203 = diags.iter().find(|d| d["code"] == "R203").unwrap();
    assert!(
        r203["message"].as_str().unwrap().starts_with(
            "RTM-0301 sets poa_latency_s = 180 but SEC-POA-60 allows at most 60, and no deviation is declared"
        ),
        "{r203}"
    );
    let related = r203["relatedInformation"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(
        related[0]["location"]["uri"],
        c.uri("sec/alerts-and-devices.toml")
    );
    let sec = c.text("sec/alerts-and-devices.toml");
    let (line, _) = find(&sec, "limits = { poa_latency_s");
    assert_eq!(range(&related[0]["location"]).0, line as u64);
    assert_eq!(related[0]["message"], "SEC-POA-60: limit defined here");
    c.finish();
}

#[test]
fn diagnostics_wait_until_the_edits_pause() {
    let mut c = Client::start(&["--debounce-ms", "500"]);
    let rel = "sec/operations.toml";
    c.open(rel);
    let text = c.text(rel);
    let start = Instant::now();
    c.change(rel, 2, &typo(&text, "ownr"));
    c.change(rel, 3, &typo(&text, "onwer"));
    c.change(rel, 4, &typo(&text, "ownerr"));
    let uri = c.uri(rel);
    let is_publish =
        |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
    // Completion, asked at every keystroke, does not cut the pause short.
    let r = c.at("textDocument/completion", rel, 0, 0, json!({}));
    assert!(r.get("error").is_none(), "{r}");
    if start.elapsed() < Duration::from_millis(400) {
        assert!(!c.backlog.iter().any(is_publish), "{:?}", c.backlog);
    }
    let m = c.wait(is_publish);
    assert!(
        start.elapsed() >= Duration::from_millis(500),
        "{:?}",
        start.elapsed()
    );
    // One check, of the last text.
    assert_eq!(m["params"]["version"], 4);
    let message = m["params"]["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("unknown field `ownerr`"), "{message}");
    assert_eq!(m["params"]["diagnostics"].as_array().unwrap().len(), 1);
    assert!(c.wait_for(Duration::from_millis(800), is_publish).is_none());

    // Any other request is answered from the text as it is: the check runs
    // at once, and its diagnostics come before the answer.
    c.change(rel, 5, &text);
    let r = c.at("textDocument/hover", rel, 0, 0, json!({}));
    assert!(r.get("error").is_none(), "{r}");
    let m = c.backlog.iter().find(|m| is_publish(m)).cloned();
    let m = m.expect("diagnostics before the answer");
    assert_eq!(m["params"]["version"], 5);
    assert_eq!(m["params"]["diagnostics"], json!([]));
    c.finish();
}

#[test]
fn definition_references_and_hover() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let alerts = c.text("detailed/outage-alerts.toml");
    let service = c.text("business/service.toml");
    c.open("detailed/outage-alerts.toml");

    // Definition of BR-006 from RTM-0301's `satisfies`.
    let (line, col) = find(&alerts, "\"BR-006\"");
    let r = c.at(
        "textDocument/definition",
        "detailed/outage-alerts.toml",
        line,
        col + 3,
        json!({}),
    );
    let locs = r["result"].as_array().unwrap();
    assert_eq!(locs.len(), 1, "{r}");
    assert_eq!(locs[0]["uri"], c.uri("business/service.toml"));
    let (def_line, def_col) = find(&service, "id = \"BR-006\"");
    assert_eq!(
        range(&locs[0]),
        (
            def_line as u64,
            def_col as u64 + 6,
            def_line as u64,
            def_col as u64 + 12
        )
    );

    // References to BR-006, from its definition: every link to it.
    let r = c.at(
        "textDocument/references",
        "business/service.toml",
        def_line,
        def_col + 7,
        json!({ "context": { "includeDeclaration": false } }),
    );
    let mut got: Vec<(String, u64)> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["uri"].as_str().unwrap().to_owned(), range(l).0))
        .collect();
    got.sort();
    let mut want = Vec::new();
    for e in walkdir(&c.tree()) {
        let rel = e
            .strip_prefix(c.tree())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (i, l) in std::fs::read_to_string(&e).unwrap().lines().enumerate() {
            if l.contains("\"BR-006\"") && !l.starts_with("id = ") {
                want.push((c.uri(&rel), i as u64));
            }
        }
    }
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);

    // Hover on an obligation: its kind, title and limits.
    let sec = c.text("sec/alerts-and-devices.toml");
    let (line, col) = find(&sec, "\"SEC-POA-60\"");
    let r = c.at(
        "textDocument/hover",
        "sec/alerts-and-devices.toml",
        line,
        col + 1,
        json!({}),
    );
    let value = r["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**SEC-POA-60** (SEC obligation) — Power outage alerts"),
        "{value}"
    );
    assert!(value.contains("`poa_latency_s`: at most 60"), "{value}");
    assert!(value.contains("classification: "), "{value}");
    assert!(value.contains("status: "), "{value}");

    // Hover on an RTM entry named in a link: its category and status.
    let (line, col) = find(&alerts, "refines = [\"RTM-0301\"]");
    let r = c.at(
        "textDocument/hover",
        "detailed/outage-alerts.toml",
        line,
        col + 13,
        json!({}),
    );
    let value = r["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with("**RTM-0301** (RTM entry)"), "{value}");
    assert!(value.contains("category: mvp"), "{value}");
    assert!(value.contains("status: agreed"), "{value}");

    // Nothing under the cursor: no answer.
    let r = c.at(
        "textDocument/hover",
        "detailed/outage-alerts.toml",
        0,
        0,
        json!({}),
    );
    assert_eq!(r["result"], Value::Null);
    c.finish();
}

/// Every `*.toml` below a folder but `rtm.toml`.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else if p.extension().is_some_and(|x| x == "toml") && !p.ends_with("rtm.toml") {
            out.push(p);
        }
    }
    out
}

fn labels(r: &Value) -> Vec<String> {
    let items = match &r["result"] {
        Value::Array(a) => a.clone(),
        other => other["items"].as_array().unwrap().clone(),
    };
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_owned())
        .collect()
}

/// Every id of a kind in the bundled tree, sorted.
fn ids_of(c: &Client, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in walkdir(&c.tree()) {
        let text = std::fs::read_to_string(p).unwrap();
        let mut current = "";
        for l in text.lines() {
            if l.starts_with("[[") && !l.contains('.') {
                current = l.trim_matches(['[', ']']);
            }
            if let Some(id) = l.strip_prefix("id = \"")
                && current == kind
            {
                out.push(id.trim_end_matches('"').to_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn completion_offers_what_the_field_accepts() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    c.open(rel);
    let text = c.text(rel);
    let (line, _) = find(&text, "satisfies = [\"BR-006\"]");
    // The file is being typed and does not parse.
    let edited = text.replacen("satisfies = [\"BR-006\"]", "satisfies = [\"BR-006\", \"", 1);
    c.change(rel, 2, &edited);
    let col = "satisfies = [\"BR-006\", \"".len();
    let r = c.at("textDocument/completion", rel, line, col, json!({}));
    let business = ids_of(&c, "business");
    assert!(business.len() > 10);
    assert_eq!(labels(&r), business);
    let item = &r["result"][0];
    assert!(
        item["detail"].as_str().is_some_and(|t| !t.is_empty()),
        "{item}"
    );
    assert_eq!(item["insertText"], item["label"]);

    // `sec` offers obligations, and quotes them outside a string.
    let edited = text.replacen("sec = [\"SEC-DUIS\"]", "sec = [", 1);
    c.change(rel, 3, &edited);
    let (line, _) = find(&text, "sec = [\"SEC-DUIS\"]");
    let r = c.at(
        "textDocument/completion",
        rel,
        line,
        "sec = [".len(),
        json!({}),
    );
    assert_eq!(labels(&r), ids_of(&c, "sec"));
    assert_eq!(
        r["result"][0]["insertText"],
        format!("\"{}\"", r["result"][0]["label"].as_str().unwrap())
    );

    // `refines` offers RTM entries; a deviation's `modification`, modifications.
    let edited = format!("{text}\n[[requirement]]\nrefines = [\"");
    c.change(rel, 4, &edited);
    let last = edited.lines().count() - 1;
    let r = c.at(
        "textDocument/completion",
        rel,
        last,
        "refines = [\"".len(),
        json!({}),
    );
    // The file being typed does not parse: its own entries are offered
    // all the same.
    assert_eq!(labels(&r), ids_of(&c, "requirement"));
    let edited = format!("{text}\n[[requirement.deviations]]\nmodification = \"");
    c.change(rel, 5, &edited);
    let r = c.at(
        "textDocument/completion",
        rel,
        last,
        "modification = \"".len(),
        json!({}),
    );
    assert_eq!(labels(&r), ids_of(&c, "modification"));

    // Enum values.
    for (field, values) in [
        ("category", vec!["mvp", "sec-support", "optional"]),
        ("status", vec!["draft", "proposed", "agreed", "withdrawn"]),
        (
            "stage",
            vec![
                "proposed",
                "refinement",
                "report",
                "decision",
                "approved",
                "implemented",
                "rejected",
                "withdrawn",
            ],
        ),
    ] {
        let edited = format!("{text}\n[[requirement]]\n{field} = \"");
        c.change(rel, 6, &edited);
        let r = c.at(
            "textDocument/completion",
            rel,
            last,
            field.len() + 4,
            json!({}),
        );
        assert_eq!(labels(&r), values, "{field}");
    }

    // Not in a value: nothing.
    let r = c.at("textDocument/completion", rel, 0, 0, json!({}));
    assert_eq!(labels(&r), Vec::<String>::new());
    c.finish();
}

#[test]
fn rename_edits_every_place_that_names_the_id() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let sec = c.text("sec/alerts-and-devices.toml");
    let (line, col) = find(&sec, "\"SEC-DUIS\"");
    let r = c.at(
        "textDocument/prepareRename",
        "sec/alerts-and-devices.toml",
        line,
        col + 2,
        json!({}),
    );
    assert_eq!(r["result"]["placeholder"], "SEC-DUIS");
    assert_eq!(
        range(&r["result"]),
        (line as u64, col as u64 + 1, line as u64, col as u64 + 9)
    );

    let r = c.at(
        "textDocument/rename",
        "sec/alerts-and-devices.toml",
        line,
        col + 2,
        json!({ "newName": "SEC-DUIS-2" }),
    );
    let got = edits(&c, &r["result"]);
    // Every "SEC-DUIS" written in the tree, each replaced where it stands.
    let mut want = Vec::new();
    for p in walkdir(&c.tree()) {
        let rel = p
            .strip_prefix(c.tree())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (i, l) in std::fs::read_to_string(&p).unwrap().lines().enumerate() {
            for (at, _) in l.match_indices("\"SEC-DUIS\"") {
                let (i, at) = (i as u64, at as u64 + 1);
                want.push((rel.clone(), (i, at, i, at + 8), "SEC-DUIS-2".to_owned()));
            }
        }
    }
    want.sort();
    assert!(want.len() > 4, "{want:?}");
    assert_eq!(got, want);
    // The server wrote nothing.
    assert_eq!(c.text("sec/alerts-and-devices.toml"), sec);

    // A name that is not an id, or that is taken, is refused.
    let r = c.at(
        "textDocument/rename",
        "sec/alerts-and-devices.toml",
        line,
        col + 2,
        json!({ "newName": "9 bad" }),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.at(
        "textDocument/rename",
        "sec/alerts-and-devices.toml",
        line,
        col + 2,
        json!({ "newName": "SEC-POA-60" }),
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already the id"),
        "{r}"
    );
    c.finish();
}

#[test]
fn document_and_workspace_symbols() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    let text = c.text(rel);
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": c.uri(rel) } }),
    );
    let syms = r["result"].as_array().unwrap();
    let names: Vec<&str> = syms.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let want: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .map(|s| s.trim_end_matches('"').to_owned())
        .collect();
    assert_eq!(names, want);
    let (line, _) = find(&text, "id = \"RTM-0301\"");
    assert_eq!(syms[0]["selectionRange"]["start"]["line"], line as u64);
    assert_eq!(syms[0]["range"]["start"]["line"], line as u64 - 1);
    assert_eq!(
        syms[0]["detail"],
        "4G hub raises a power outage alert on loss of supply"
    );

    // By id.
    let r = c.request("workspace/symbol", json!({ "query": "sec-poa" }));
    let names: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["SEC-POA-60"]);
    let loc = &r["result"][0]["location"];
    assert_eq!(loc["uri"], c.uri("sec/alerts-and-devices.toml"));
    // By title.
    let r = c.request("workspace/symbol", json!({ "query": "power outage alert" }));
    let names: Vec<&str> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"RTM-0301"), "{names:?}");
    c.finish();
}

/// The code actions for a line of a file.
fn actions(c: &mut Client, rel: &str, line: usize) -> Vec<Value> {
    let r = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": c.uri(rel) },
            "range": { "start": { "line": line, "character": 0 }, "end": { "line": line, "character": 200 } },
            "context": { "diagnostics": [] },
        }),
    );
    r["result"].as_array().unwrap().clone()
}

/// Applies one edit (an ASCII text: characters are bytes).
fn apply(text: &str, at: (u64, u64, u64, u64), new: &str) -> String {
    let offset = |line: u64, ch: u64| {
        text.split_inclusive('\n')
            .take(line as usize)
            .map(str::len)
            .sum::<usize>()
            + ch as usize
    };
    let (start, end) = (offset(at.0, at.1), offset(at.2, at.3));
    format!("{}{new}{}", &text[..start], &text[end..])
}

#[test]
fn code_actions_fix_what_the_findings_say() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    c.open(rel);
    let text = c.text(rel);

    // R004: "did you mean".
    let edited = text
        .replacen("satisfies = [\"BR-006\"]", "satisfies = [\"BR-0006\"]", 1)
        .replacen("category = \"mvp\"", "catgory = \"mvp\"", 1);
    c.change(rel, 2, &edited);
    c.diagnostics_until(rel, |d| codes(d).contains(&"R004".to_owned()));
    let (line, col) = find(&edited, "\"BR-0006\"");
    let acts = actions(&mut c, rel, line);
    let fix = acts.iter().find(|a| a["kind"] == "quickfix").unwrap();
    assert_eq!(fix["title"], "Replace with `BR-006`");
    assert_eq!(fix["diagnostics"][0]["code"], "R004");
    let (l, col) = (line as u64, col as u64);
    assert_eq!(
        edits(&c, &fix["edit"]),
        [(
            rel.to_owned(),
            (l, col + 1, l, col + 8),
            "BR-006".to_owned()
        )]
    );

    // R002: an unknown field, "did you mean".
    let (line, col) = find(&edited, "catgory");
    let acts = actions(&mut c, rel, line);
    let fix = acts
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "R002")
        .unwrap();
    let l = line as u64;
    assert_eq!(
        edits(&c, &fix["edit"]),
        [(
            rel.to_owned(),
            (l, col as u64, l, col as u64 + 7),
            "category".to_owned()
        )]
    );

    // R210: add `user_impact = ""` after the id.
    c.change(rel, 3, &text);
    c.diagnostics_until(rel, |d| !codes(d).contains(&"R004".to_owned()));
    let (line, _) = find(&text, "id = \"RTM-0303\"");
    let acts = actions(&mut c, rel, line);
    let fix = acts
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "R210")
        .unwrap();
    let l = line as u64 + 1;
    assert_eq!(
        edits(&c, &fix["edit"]),
        [(
            rel.to_owned(),
            (l, 0, l, 0),
            "user_impact = \"\"\n".to_owned()
        )]
    );

    // R203: a deviation skeleton at the end of the node's table.
    let edited = text.replacen(
        "user_impact = \"none\"",
        "user_impact = \"none\"\nvalues = { poa_latency_s = 180 }",
        1,
    );
    c.change(rel, 4, &edited);
    c.diagnostics_until(rel, |d| codes(d).contains(&"R203".to_owned()));
    let (line, _) = find(&edited, "values = { poa_latency_s");
    let acts = actions(&mut c, rel, line);
    let fix = acts
        .iter()
        .find(|a| a["diagnostics"][0]["code"] == "R203")
        .unwrap();
    let e = edits(&c, &fix["edit"]);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].2,
        "\n\n[[requirement.deviations]]\nsec = \"SEC-POA-60\"\nsummary = \"\"\nrationale = \"\"\n# modification = \"\""
    );
    // After RTM-0301's text, before RTM-0302's header.
    let (next, _) = find(&edited, "id = \"RTM-0302\"");
    assert_eq!(e[0].1.0, next as u64 - 3);
    // Applied, the file declares the deviation: no R203 any more.
    let applied = apply(&edited, e[0].1, &e[0].2);
    c.change(rel, 5, &applied);
    let diags = c.diagnostics_until(rel, |d| !codes(d).contains(&"R203".to_owned()));
    assert!(!codes(&diags).contains(&"R203".to_owned()));

    // `rtm fmt`: the whole file laid out, as a source action.
    let shuffled = text.replacen(
        "title = \"4G hub raises a power outage alert on loss of supply\"\ncategory = \"mvp\"",
        "category = \"mvp\"\ntitle = \"4G hub raises a power outage alert on loss of supply\"",
        1,
    );
    assert_ne!(shuffled, text);
    c.change(rel, 6, &shuffled);
    let acts = actions(&mut c, rel, 0);
    let fmt = acts
        .iter()
        .find(|a| a["kind"] == "source.format.rtm")
        .unwrap();
    let e = edits(&c, &fmt["edit"]);
    assert_eq!(e.len(), 1);
    let laid_out = rtm::fmt::format_text(&shuffled).unwrap();
    assert_eq!(e[0].2, laid_out);
    assert!(
        laid_out
            .contains("title = \"4G hub raises a power outage alert on loss of supply\"\ntext = ")
    );
    // Also as document formatting.
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": c.uri(rel) }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(r["result"][0]["newText"], laid_out);
    // Nothing written.
    assert_eq!(c.text(rel), text);
    c.finish();
}

#[test]
fn malformed_messages_and_unknown_methods_get_error_replies() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    // Not JSON.
    c.raw("Content-Length: 9\r\n\r\n{not json");
    let r = c.wait(|m| m["error"]["code"] == -32700);
    assert_eq!(r["id"], Value::Null);
    // Not a header.
    c.raw("hello there\r\n\r\n");
    c.wait(|m| m["error"]["code"] == -32700);
    // An unknown method.
    let r = c.request("textDocument/frobnicate", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Bad parameters.
    let r = c.request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // A notification with bad parameters: a log message.
    c.notify("textDocument/didOpen", json!({ "nonsense": true }));
    let m = c.wait(|m| m["method"] == "window/logMessage");
    assert!(
        m["params"]["message"]
            .as_str()
            .unwrap()
            .contains("bad parameters"),
        "{m}"
    );
    // Positions past the end of a file.
    let r = c.at(
        "textDocument/hover",
        "sec/operations.toml",
        100_000,
        100_000,
        json!({}),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    // Still serving.
    let r = c.request("workspace/symbol", json!({ "query": "SEC-POA" }));
    assert_eq!(r["result"][0]["name"], "SEC-POA-60");
    c.finish();
}

#[test]
fn a_file_outside_the_tree_is_logged_and_not_served() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let outside = c.dir.path().join("notes.toml");
    std::fs::write(&outside, "[[requirement]]\nid = \"X\"\n").unwrap();
    let uri = url(&outside);
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "toml", "version": 1, "text": "[[requirement]]\nid = \"X\"\n" } }),
    );
    let m = c.wait(|m| m["method"] == "window/logMessage");
    let message = m["params"]["message"].as_str().unwrap();
    assert!(
        message.contains("is not a node file of the tree"),
        "{message}"
    );
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 7 } }),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(r["result"], json!([]), "{r}");
    // Not a file URI at all.
    let r = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": "untitled:Untitled-1" }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    c.finish();
}

#[test]
fn a_file_deleted_while_open() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "sec/operations.toml";
    c.open(rel);
    let text = c.text(rel);
    c.change(rel, 2, &typo(&text, "ownr"));
    assert_eq!(codes(&c.diagnostics(rel)), ["R002"]);
    std::fs::remove_file(c.tree().join(rel)).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": c.uri(rel), "type": 3 }] }),
    );
    let m = c.wait(|m| m["method"] == "window/logMessage");
    assert!(
        m["params"]["message"]
            .as_str()
            .unwrap()
            .contains("deleted while open"),
        "{m}"
    );
    // Still served as the editor holds it.
    let (line, col) = find(&text, "\"SEC-CH-ORDER\"");
    let r = c.at("textDocument/hover", rel, line, col + 1, json!({}));
    assert!(
        r["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**SEC-CH-ORDER**"),
        "{r}"
    );
    // Closed: the file is gone from the tree, its diagnostics cleared, and
    // the links to its obligations dangle.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": c.uri(rel) } }),
    );
    assert_eq!(c.diagnostics(rel), Vec::<Value>::new());
    let m = c.wait(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| {
                    d["code"] == "R004"
                        && d["message"]
                            .as_str()
                            .unwrap()
                            .contains("SEC-CH-ORDER, which does not exist")
                })
    });
    assert!(m["params"]["uri"].as_str().unwrap().contains("/detailed/"));
    // A request on the deleted file: an empty answer, no crash.
    let r = c.at("textDocument/hover", rel, line, col + 1, json!({}));
    assert_eq!(r["result"], Value::Null, "{r}");
    c.finish();
}

#[test]
fn exit_without_shutdown_is_status_1_and_requests_after_shutdown_fail() {
    let mut c = Client::start(&[]);
    let r = c.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    let r = c.request("workspace/symbol", json!({ "query": "" }));
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.notify("exit", Value::Null);
    assert_eq!(wait_exit(&mut c.child), Some(0));

    let mut c = Client::start(&[]);
    c.notify("exit", Value::Null);
    assert_eq!(wait_exit(&mut c.child), Some(1));
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rtm"))
        .args(["lsp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let rx = read_frames(child.stdout.take().unwrap());
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {} })
        .to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
    let r = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(r["error"]["code"], -32002, "{r}");
    drop(stdin);
    // The input ended without `exit`.
    assert_eq!(wait_exit(&mut child), Some(1));
}

#[test]
fn positions_count_utf16_units_unless_utf8_is_offered() {
    let line = "deviations = [{ summary = \"é😀\", sec = \"SEC-NOPE\", rationale = \"r\" }]";
    let bytes = line.find("\"SEC-NOPE\"").unwrap() as u64;
    // `é` is 2 bytes and 1 UTF-16 unit, `😀` 4 bytes and 2 units.
    for (offer, encoding, column) in [
        (json!({}), "utf-16", bytes - 3),
        (
            json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } }),
            "utf-8",
            bytes,
        ),
    ] {
        let mut c = Client::start_with(&["--debounce-ms", "0"], offer);
        assert_eq!(
            c.init["result"]["capabilities"]["positionEncoding"],
            encoding
        );
        let rel = "detailed/outage-alerts.toml";
        c.open(rel);
        let text = c.text(rel);
        let edited = text.replacen(
            "user_impact = \"none\"",
            &format!("user_impact = \"none\"\n{line}"),
            1,
        );
        c.change(rel, 2, &edited);
        let diags = c.diagnostics_until(rel, |d| {
            d.iter().any(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains("SEC-NOPE, which does not exist")
            })
        });
        let d = diags
            .iter()
            .find(|d| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .contains("SEC-NOPE, which does not exist")
            })
            .unwrap();
        let (l, _) = find(&edited, "deviations = [{");
        let l = l as u64;
        assert_eq!(range(d), (l, column, l, column + 10), "{encoding}");
        // And back: hover at that position finds the id.
        let r = c.at(
            "textDocument/hover",
            rel,
            l as usize,
            column as usize + 2,
            json!({}),
        );
        assert_eq!(
            r["result"]["contents"]["value"], "**SEC-NOPE**: no node has this id",
            "{encoding}"
        );
        c.finish();
    }
}

/// An editor counts a lone `\r` (pasted from an old Mac file) as a line
/// break and places its next edits by that count: the server must count
/// the same lines, or every later edit lands in the wrong place and the
/// server's copy of the file drifts from the editor's.
#[test]
fn a_lone_carriage_return_is_a_line_break_as_the_client_counts_them() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    c.open(rel);
    let text = c.text(rel);
    c.change(rel, 2, &format!("# pasted\r{text}"));
    // The client turns the lone `\r` (the end of its line 0) into `\n`.
    let uri = c.uri(rel);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{
                "range": { "start": { "line": 0, "character": 8 }, "end": { "line": 1, "character": 0 } },
                "text": "\n",
            }],
        }),
    );
    // The editor's text is now the file with one comment line above it.
    let edited = format!("# pasted\n{text}");
    let (line, col) = find(&edited, "refines = [\"RTM-0301\"]");
    let r = c.at("textDocument/hover", rel, line, col + 13, json!({}));
    let value = r["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.starts_with("**RTM-0301** (RTM entry)"), "{r}");
    // And the file still checks as it did: no parse error.
    let diags = c.diagnostics_until(rel, |d| !codes(d).contains(&"R001".to_owned()));
    assert!(!codes(&diags).contains(&"R001".to_owned()));
    c.finish();
}

#[test]
fn ids_in_decisions_and_review_stamps_navigate() {
    let mut c = Client::start(&["--debounce-ms", "0"]);
    let rel = "detailed/outage-alerts.toml";
    c.open(rel);
    let text = c.text(rel);
    assert!(text.ends_with("settles on.'''\n"));
    let edited = format!(
        "{text}reviewed = {{ by = \"OPSG_37x\", on = 2020-10-26, fingerprint = \"f\", links = {{ \"SEC-PM-REPORT\" = \"abc\" }} }}\n\n\
         [[requirement.decisions]]\nabout = \"deviation:SEC-POA-60\"\noutcome = \"noted\"\nby = \"OPSG_37x\"\non = 2020-10-26\n"
    );
    c.change(rel, 2, &edited);
    // From the decision's `about` to the obligation.
    let (line, col) = find(&edited, "deviation:SEC-POA-60");
    let r = c.at("textDocument/definition", rel, line, col + 12, json!({}));
    assert_eq!(
        r["result"][0]["uri"],
        c.uri("sec/alerts-and-devices.toml"),
        "{r}"
    );
    let sec = c.text("sec/alerts-and-devices.toml");
    assert_eq!(
        range(&r["result"][0]).0,
        find(&sec, "\"SEC-POA-60\"").0 as u64
    );
    // From the review stamp's link to the obligation, and back.
    let (line, col) = find(&edited, "\"SEC-PM-REPORT\" = ");
    let r = c.at("textDocument/definition", rel, line, col + 2, json!({}));
    assert_eq!(r["result"][0]["uri"], c.uri("sec/operations.toml"), "{r}");
    let r = c.at(
        "textDocument/references",
        rel,
        line,
        col + 2,
        json!({ "context": { "includeDeclaration": true } }),
    );
    let places: Vec<(String, Range)> = r["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["uri"].as_str().unwrap().to_owned(), range(l)))
        .collect();
    let (l, col) = (line as u64, col as u64);
    assert!(
        places.contains(&(c.uri(rel), (l, col + 1, l, col + 14))),
        "{places:?}"
    );
    assert!(
        places.iter().any(|p| p.0 == c.uri("sec/operations.toml")),
        "{places:?}"
    );
    c.finish();
}
