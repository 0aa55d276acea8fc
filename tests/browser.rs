//! The HTML documents opened in a real browser: headless Chromium renders
//! them (`--dump-dom`), draws them (`--screenshot`) and prints them
//! (`--print-to-pdf`). The drawings must be in the rendered page, every
//! link must lead to an anchor of it, nothing may be logged to the
//! console (a blocked load or a script error would be), a payload in a
//! node's text must run nothing, and the page must print.
//!
//! These tests need Chromium (Debian package `chromium`; `.ci/run`
//! installs it). Without it they fail and say so. `RTM_CHROMIUM` names
//! another binary.

// Test code: a failed unwrap or assertion is the test failing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use common::{fixture, rtm};

/// One browser at a time: the machines that run the tests are small.
static BROWSER: Mutex<()> = Mutex::new(());

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("RTM_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "the browser tests need headless Chromium, which is not installed: \
         `apt-get install chromium` (.ci/run installs it), or set RTM_CHROMIUM \
         to a Chromium binary"
    );
}

/// What Chromium printed when it opened a page.
struct Run {
    stdout: String,
    stderr: String,
}

/// Opens `page` in a fresh headless Chromium (its own profile, no
/// network services) with `args` (`--dump-dom`, `--screenshot=…`…).
fn browse(page: &Path, args: &[String]) -> Run {
    let _one = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let profile = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url(page))
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.success(),
        "chromium failed on {}:\n{}",
        page.display(),
        run.stderr
    );
    run
}

fn url(page: &Path) -> String {
    format!("file://{}", page.canonicalize().unwrap().display())
}

/// The page as the browser rendered it, after checking that nothing was
/// logged to the console: no script error, no load blocked by the
/// Content-Security-Policy.
fn dom(page: &Path) -> String {
    let run = browse(page, &["--dump-dom".to_owned()]);
    let console: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .collect();
    assert!(
        console.is_empty(),
        "{}: the console says:\n{}",
        page.display(),
        console.join("\n")
    );
    assert!(run.stdout.contains("</html>"), "{}", run.stdout);
    run.stdout
}

/// Writes a document of `tree` as HTML into `dir`.
fn document(doc: &str, tree: &Path, dir: &Path) -> PathBuf {
    let page = dir.join(format!("{doc}.html"));
    let out = rtm()
        .args([doc, "--format", "html", "--today", "2026-01-01", "-o"])
        .arg(&page)
        .arg(tree)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    page
}

/// Checks that every `href="#…"` of a rendered page leads to an element
/// of it, and returns the page's ids.
fn links_resolve(dom: &str, what: &str) -> HashSet<String> {
    let grab = |key: &str| -> Vec<String> {
        dom.split(key)
            .skip(1)
            .map(|p| p.split('"').next().unwrap().to_owned())
            .collect()
    };
    let ids: HashSet<String> = grab(" id=\"").into_iter().collect();
    let links = grab("href=\"#");
    assert!(!links.is_empty(), "{what}: no link");
    for l in &links {
        assert!(ids.contains(l), "{what}: #{l} leads nowhere");
    }
    ids
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("requirements")
}

#[test]
fn the_bundled_documents_render_with_their_drawings_and_working_links() {
    let dir = tempfile::tempdir().unwrap();
    for doc in ["report", "review"] {
        let page = document(doc, &bundled(), dir.path());
        let dom = dom(&page);
        let drawings = dom.matches("class=\"rtm-diagram\"").count();
        if doc == "report" {
            // The overview, one per theme (11) and the deviation map.
            assert_eq!(drawings, 13, "{doc}");
            assert!(!dom.contains("flowchart"), "no Mermaid source left");
        } else {
            assert_eq!(drawings, 1, "{doc}: the deviation map");
        }
        let ids = links_resolve(&dom, doc);
        // Boxes of the drawings are links to the nodes' sections.
        let boxes = dom
            .split("<a href=\"#node-")
            .skip(1)
            .filter(|p| {
                p.split_once('"')
                    .is_some_and(|(_, r)| r.starts_with("><svg x="))
            })
            .count();
        // The review's deviation map of the bundled tree: one entry and the
        // obligation it departs from, at least.
        assert!(boxes >= 2, "{doc}: {boxes} boxes");
        assert!(ids.contains("node-RTM-0101"), "{doc}");
        assert!(dom.contains("<nav class=\"rtm-contents\""), "{doc}");
        // The label at the top and the bottom of the page.
        assert!(
            dom.matches("<p class=\"classification\">White").count() == 2,
            "{doc}"
        );
    }
}

#[test]
fn a_payload_in_a_node_text_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for doc in ["report", "review"] {
        let page = document(doc, &fixture("payload"), dir.path());
        let dom = dom(&page);
        // Each payload would set the title if it ran.
        let title = dom
            .split("<title>")
            .nth(1)
            .and_then(|t| t.split("</title>").next())
            .unwrap();
        assert!(
            title.ends_with("Payload &lt;script&gt;document.title='pwned-name'&lt;/script&gt;"),
            "{doc}: {title}"
        );
        assert!(!dom.contains("<script"), "{doc}");
        assert!(!dom.contains("<iframe"), "{doc}");
        assert!(!dom.to_lowercase().contains(" onerror="), "{doc}");
        assert!(!dom.to_lowercase().contains(" ontoggle="), "{doc}");
        assert!(!dom.contains("href=\"javascript:"), "{doc}");
        links_resolve(&dom, doc);
        assert_eq!(dom.matches("id=\"node-BR-001\"").count(), 1, "{doc}");
    }
}

#[test]
fn a_page_prints_to_pdf_with_its_folded_sections_open_and_draws_to_png() {
    // A tree whose one node has a text long enough to fold: printed
    // unfolded it takes several pages, folded it would fit on one.
    let tree = tempfile::tempdir().unwrap();
    std::fs::write(
        tree.path().join("rtm.toml"),
        "[project]\nname = \"Print\"\n",
    )
    .unwrap();
    let long: String = (0..160)
        .map(|i| format!("Paragraph {i} of a long text.\n\n"))
        .collect();
    std::fs::write(
        tree.path().join("nodes.toml"),
        format!("[[theme]]\nid = \"TH-1\"\ntitle = \"A theme\"\ntext = \"\"\"\n{long}\"\"\"\n"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = document("report", tree.path(), dir.path());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<summary>Text of TH-1</summary>"),
        "the text folds"
    );
    let pdf = dir.path().join("report.pdf");
    browse(
        &page,
        &[
            "--no-pdf-header-footer".to_owned(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page\n").count()
        + text.matches("/Type /Page>").count()
        + text.matches("/Type /Page/").count();
    assert!(pages >= 3, "the folded text is printed: {pages} pages");
    eprintln!("printed: {pages} pages");

    let png = dir.path().join("report.png");
    browse(
        &page,
        &[
            "--window-size=1200,900".to_owned(),
            format!("--screenshot={}", png.display()),
        ],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}

#[test]
fn the_report_of_a_generated_10k_tree_opens_in_the_browser() {
    let tree = tempfile::tempdir().unwrap();
    rtm::corpus::write(tree.path(), 10_000, 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = document("report", tree.path(), dir.path());
    let dom = dom(&page);
    // Rendered whole: the last node's section and the closing label.
    assert!(
        dom.contains("<div class=\"rtm-node\" id=\"node-"),
        "node sections"
    );
    assert_eq!(dom.matches("<p class=\"classification\">").count(), 2);
    // The overview is drawn; the themes' drawings, too many boxes for one
    // page, are left out and the page says so.
    assert!(dom.contains("id=\"rtm-overview\""));
    assert!(dom.contains("are left out of this page"));
    links_resolve(&dom, "10k report");
}
