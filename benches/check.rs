//! Benchmarks at 1k, 10k and 100k nodes (a tree from `rtm::corpus`):
//! the floor (read every file and parse it into a `toml::Table` on one
//! thread), then each stage of a check, the renderers and the documents,
//! and **recheck**: a loaded [`rtm::workspace::Workspace`] checked again
//! after a one-file edit.
//!
//!     cargo bench --bench check
//!     RTM_BENCH_SIZES=1000,10000 cargo bench --bench check   # fewer sizes

// A benchmark that cannot set up its tree should stop at once, loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// The same allocator as the `rtm` binary, for the floor and for rtm alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn sizes() -> Vec<usize> {
    std::env::var("RTM_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// The floor: read and parse every file into a `toml::Table`, one thread.
fn floor(files: &[PathBuf]) -> usize {
    let mut keys = 0;
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        keys += table.len();
    }
    keys
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        let dir = tempfile::tempdir().unwrap();
        rtm::corpus::write(dir.path(), n, 1).unwrap();
        let files = toml_files(dir.path());
        let mut g = c.benchmark_group(format!("{n}"));
        if n >= 100_000 {
            g.sample_size(10);
        } else if n >= 10_000 {
            g.sample_size(20);
        }
        g.bench_function(BenchmarkId::new("floor", n), |b| {
            b.iter(|| black_box(floor(&files)))
        });
        g.bench_function(BenchmarkId::new("check", n), |b| {
            b.iter(|| black_box(rtm::check(dir.path()).unwrap()))
        });
        g.bench_function(BenchmarkId::new("load", n), |b| {
            b.iter(|| black_box(rtm::load::load(dir.path()).unwrap()))
        });
        let loaded = rtm::load::load(dir.path()).unwrap();
        g.bench_function(BenchmarkId::new("graph", n), |b| {
            b.iter(|| black_box(rtm::graph::Graph::build(&loaded.model)))
        });
        let graph = rtm::graph::Graph::build(&loaded.model);
        let scenario = rtm::scenario::Scenario::build(
            &loaded.model,
            &graph,
            &rtm::scenario::Assume::default(),
        );
        g.bench_function(BenchmarkId::new("rules", n), |b| {
            b.iter(|| {
                let mut sink = rtm::finding::Sink::new(&loaded.config.levels);
                let ctx = rtm::rules::Ctx {
                    model: &loaded.model,
                    graph: &graph,
                    config: &loaded.config,
                    scenario: &scenario,
                };
                rtm::rules::run(&ctx, &mut sink);
                black_box(sink.into_findings())
            })
        });
        // A one-file edit in a loaded tree: a title changed in one node
        // file, then changed back, each followed by the whole re-check.
        let mut ws = rtm::workspace::Workspace::open(dir.path(), &rtm::Options::default()).unwrap();
        let rel = "detailed/detailed-00001.toml";
        let texts = {
            let text = std::fs::read_to_string(dir.path().join(rel)).unwrap();
            let edited = text.replacen("title = \"", "title = \"Edited ", 1);
            [text, edited]
        };
        let mut turn = 0;
        g.bench_function(BenchmarkId::new("recheck", n), |b| {
            b.iter(|| {
                turn ^= 1;
                ws.update(rel, texts[turn].clone());
                black_box(ws.checked().findings.len())
            })
        });
        drop(ws);
        let checked = rtm::check(dir.path()).unwrap();
        g.bench_function(BenchmarkId::new("json", n), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                rtm::render::json::write(&mut out, "tree", &checked).unwrap();
                black_box(out)
            })
        });
        let view = rtm::view::View::new(&checked, None).unwrap();
        let opts = rtm::report::DocOptions::default();
        g.bench_function(BenchmarkId::new("report", n), |b| {
            b.iter(|| black_box(rtm::report::traceability::write(&view, &opts)))
        });
        g.bench_function(BenchmarkId::new("review", n), |b| {
            b.iter(|| black_box(rtm::report::review::write(&view, &opts)))
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
