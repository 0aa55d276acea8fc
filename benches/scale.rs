//! Shapes that once made rtm quadratic, and the large hostile trees the
//! tests check for correctness only (timings belong here, not in tests):
//!
//! - `links`: one entry with 10,000 links, half of them dangling;
//! - `chain`: 50,000 entries in one `refines` chain, checked and reported;
//! - `stamp`: `rtm stamp` of every entry of one file (each stamp used to
//!   parse and write the whole file again);
//! - `suspect`: R109 on an entry stamped with 5,000 links (each link used
//!   to be looked up in the entry's links one by one);
//! - `diagram`: the traceability report of 3,000 themes and business
//!   requirements (each line of the diagram used to scan every theme).
//!
//! Run with:
//!
//! ```text
//! cargo bench --bench scale
//! RTM_BENCH_SCALE=0.1 cargo bench --bench scale   # smaller trees
//! ```

// A benchmark that cannot set up its tree should stop at once, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The size of every tree, scaled by `RTM_BENCH_SCALE` (default 1).
fn size(n: usize) -> usize {
    let scale: f64 = std::env::var("RTM_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * scale) as usize).max(2)
}

const HEAD: &str = "[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-01\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-01\"]\n\n";

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rtm.toml"), "[project]\nname = \"P\"\n").unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn links(n: usize) -> String {
    let mut text = String::from("[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n");
    for i in 0..n / 2 {
        let _ = write!(
            text,
            "[[business]]\nid = \"BR-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-01\"]\n"
        );
    }
    let links: Vec<String> = (0..n).map(|i| format!("\"BR-{i:05}\"")).collect();
    let _ = write!(
        text,
        "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\nsatisfies = [{}]\n",
        links.join(", ")
    );
    text
}

fn chain(n: usize) -> String {
    let mut text = String::from(HEAD);
    for i in 0..n {
        let link = if i == 0 {
            "satisfies = [\"BR-01\"]".to_owned()
        } else if i % 1000 == 0 {
            "refines = [\"RTM-MISSING\"]".to_owned()
        } else {
            format!("refines = [\"RTM-{:05}\"]", i - 1)
        };
        let _ = write!(
            text,
            "[[requirement]]\nid = \"RTM-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"optional\"\n{link}\n"
        );
    }
    text
}

/// `n` entries in one file, each satisfying BR-01.
fn entries(n: usize) -> String {
    let mut text = String::from(HEAD);
    for i in 0..n {
        let _ = write!(
            text,
            "[[requirement]]\nid = \"RTM-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [\"BR-01\"]\n\n"
        );
    }
    text
}

/// `n` themes, each named by one business requirement.
fn themes(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let _ = write!(
            text,
            "[[theme]]\nid = \"TH-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\n\n[[business]]\nid = \"BR-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-{i:05}\"]\n\n"
        );
    }
    text
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("scale");
    g.sample_size(10);

    let dir = tree(&[("links.toml", &links(size(10_000)))]);
    g.bench_function("links", |b| {
        b.iter(|| black_box(rtm::check(dir.path()).unwrap()))
    });

    let dir = tree(&[("chain.toml", &chain(size(50_000)))]);
    let opts = rtm::report::DocOptions::default();
    g.bench_function("chain", |b| {
        b.iter(|| {
            let checked = rtm::check(dir.path()).unwrap();
            let view = rtm::view::View::new(&checked, None).unwrap();
            black_box(rtm::report::traceability::write(&view, &opts))
        })
    });

    let n = size(5_000);
    let dir = tree(&[("entries.toml", &entries(n))]);
    let ids: Vec<String> = (0..n).map(|i| format!("RTM-{i:05}")).collect();
    g.bench_function("stamp", |b| {
        b.iter(|| black_box(rtm::stamp::plan(dir.path(), &ids, "OPSG", "2024-05-01").unwrap()))
    });

    // One entry linking to 5,000 business requirements, stamped, then every
    // business requirement edited: 5,000 R109 findings.
    let n = size(5_000);
    let mut text = String::from("[[theme]]\nid = \"TH-01\"\ntitle = \"t\"\ntext = \"t\"\n\n");
    for i in 0..n {
        let _ = write!(
            text,
            "[[business]]\nid = \"BR-{i:05}\"\ntitle = \"t\"\ntext = \"t\"\nthemes = [\"TH-01\"]\n\n"
        );
    }
    let links: Vec<String> = (0..n).map(|i| format!("\"BR-{i:05}\"")).collect();
    let _ = write!(
        text,
        "[[requirement]]\nid = \"RTM-0001\"\ntitle = \"t\"\ntext = \"t\"\ncategory = \"mvp\"\nuser_impact = \"none\"\nsatisfies = [{}]\n",
        links.join(", ")
    );
    let dir = tree(&[("suspect.toml", &text)]);
    let edits =
        rtm::stamp::plan(dir.path(), &["RTM-0001".to_owned()], "OPSG", "2024-05-01").unwrap();
    for e in &edits {
        let text = String::from_utf8(e.bytes.clone()).unwrap();
        std::fs::write(
            &e.path,
            text.replace("text = \"t\"\nthemes", "text = \"u\"\nthemes"),
        )
        .unwrap();
    }
    g.bench_function("suspect", |b| {
        b.iter(|| black_box(rtm::check(dir.path()).unwrap()))
    });

    let dir = tree(&[("themes.toml", &themes(size(3_000)))]);
    let checked = rtm::check(dir.path()).unwrap();
    let view = rtm::view::View::new(&checked, None).unwrap();
    g.bench_function("diagram", |b| {
        b.iter(|| black_box(rtm::report::traceability::write(&view, &opts)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
