//! Measures `rtm lsp`: the time from a `didChange` to the
//! `publishDiagnostics` it causes, and the server's memory over many edits.
//!
//! cargo build --release
//! cargo run --release --example gen_corpus -- --nodes 20000 --seed 1 --out /tmp/lsp-20k
//! cargo run --release --example lsp_bench -- --tree /tmp/lsp-20k --edits 1000
//!
//! It starts `target/release/rtm lsp --debounce-ms 0` (`--rtm PATH` for
//! another binary), opens the first node file holding a `satisfies` link,
//! and edits it `--edits` times, each edit alternately breaking that link
//! (an R004) and mending it, so that every edit changes the file's
//! diagnostics. With no debounce, the time measured is the server's: the
//! re-check and the diagnostics. Resident memory (VmRSS, Linux) is read
//! every 100 edits.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let mut tree = PathBuf::from("/tmp/lsp-20k");
    let mut edits = 1000usize;
    let mut rtm = PathBuf::from("target/release/rtm");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_default();
        match a.as_str() {
            "--tree" => tree = PathBuf::from(v),
            "--edits" => edits = v.parse()?,
            "--rtm" => rtm = PathBuf::from(v),
            _ => {
                eprintln!("usage: lsp_bench --tree DIR [--edits N] [--rtm PATH]");
                std::process::exit(2);
            }
        }
    }
    let tree = tree.canonicalize()?;
    let (file, text) = pick(&tree)?;
    let uri = format!("file://{}", file.display());
    let (broken, mended) = variants(&text).ok_or("no `satisfies = [\"…\"` in the file")?;

    let mut child = Command::new(&rtm)
        .args(["lsp", "--debounce-ms", "0"])
        .arg(&tree)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let pid = child.id();
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let rx = frames(child.stdout.take().ok_or("no stdout")?);
    let mut send = |v: Value| -> Result<(), Error> {
        let body = v.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len())?;
        stdin.flush()?;
        Ok(())
    };

    let start = Instant::now();
    let root = format!("file://{}", tree.display());
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": root, "capabilities": {}}}))?;
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}))?;
    // Answered after the first check and its diagnostics.
    send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "workspace/symbol", "params": {"query": "zzzz"}}),
    )?;
    wait(&rx, |m| m.get("id") == Some(&json!(2)))?;
    println!(
        "first check and diagnostics: {:.0} ms; RSS {} KB",
        start.elapsed().as_secs_f64() * 1e3,
        rss(pid)
    );
    send(json!({"jsonrpc": "2.0", "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}}))?;
    // Nothing changes on open: make sure it is handled before timing.
    send(
        json!({"jsonrpc": "2.0", "id": 3, "method": "workspace/symbol", "params": {"query": "zzzz"}}),
    )?;
    wait(&rx, |m| m.get("id") == Some(&json!(3)))?;

    let mut times = Vec::with_capacity(edits);
    let mut memory = vec![(0, rss(pid))];
    for i in 0..edits {
        let next = if i % 2 == 0 { &broken } else { &mended };
        let version = i + 2;
        let t = Instant::now();
        send(json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
            "params": {"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"text": next}]}}))?;
        wait(&rx, |m| {
            m.get("method") == Some(&json!("textDocument/publishDiagnostics"))
                && m.pointer("/params/uri") == Some(&json!(uri))
                && m.pointer("/params/version") == Some(&json!(version))
        })?;
        times.push(t.elapsed());
        if (i + 1) % 100 == 0 {
            memory.push((i + 1, rss(pid)));
        }
    }
    send(json!({"jsonrpc": "2.0", "id": 4, "method": "shutdown"}))?;
    wait(&rx, |m| m.get("id") == Some(&json!(4)))?;
    send(json!({"jsonrpc": "2.0", "method": "exit"}))?;
    let _ = child.wait();

    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().map_or(0.0, ms)
    };
    println!(
        "{} edits of {}: didChange -> publishDiagnostics min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        file.strip_prefix(&tree).unwrap_or(&file).display(),
        at(0.0),
        at(0.5),
        at(0.95),
        at(1.0)
    );
    let series: Vec<String> = memory.iter().map(|(n, kb)| format!("{n}:{kb}")).collect();
    println!("RSS (KB) after N edits: {}", series.join(" "));
    Ok(())
}

/// The first node file (in path order) holding a `satisfies` link.
fn pick(tree: &Path) -> Result<(PathBuf, String), Error> {
    let mut files = Vec::new();
    let mut dirs = vec![tree.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "toml") && !p.ends_with("rtm.toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        if text.contains("satisfies = [\"") {
            return Ok((f, text));
        }
    }
    Err("no node file with a `satisfies` link".into())
}

/// The file with its first `satisfies` link broken, and as it is.
fn variants(text: &str) -> Option<(String, String)> {
    let at = text.find("satisfies = [\"")? + "satisfies = [\"".len();
    let mut broken = text.to_owned();
    broken.insert_str(at, "NOPE-");
    Some((broken, text.to_owned()))
}

/// Messages from the server, one per frame.
fn frames(out: impl Read + Send + 'static) -> Receiver<Value> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(out);
        loop {
            let mut size = 0;
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
                    size = v.parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; size];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            let Ok(v) = serde_json::from_slice(&body) else {
                return;
            };
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    rx
}

fn wait(rx: &Receiver<Value>, pred: impl Fn(&Value) -> bool) -> Result<Value, Error> {
    loop {
        let m = rx.recv_timeout(Duration::from_secs(600))?;
        if pred(&m) {
            return Ok(m);
        }
    }
}

/// Resident memory of a process, in KB (Linux; 0 elsewhere).
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
