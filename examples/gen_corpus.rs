//! Writes a synthetic, valid requirement tree for benchmarks and scale tests.
//!
//! cargo run --release --example gen_corpus -- --nodes 20000 --seed 1 --out /tmp/rtm-20k
//!
//! About 1% themes, 10% business requirements, 85% RTM entries and 4% SEC
//! obligations, 50 nodes per file in `themes/`, `business/`, `detailed/`
//! and `sec/`. Each entry satisfies one or two business requirements, about
//! 20% also refine an earlier entry (so no loops), and about 0.5% are
//! planted orphans and 0.5% of business requirements are left childless,
//! so the rules have real work. The same seed gives the same tree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// SplitMix64: a small, well-known deterministic mixer; enough to spread
/// links and words for a seed without pulling in a random-number crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "hub",
    "alert",
    "outage",
    "firmware",
    "network",
    "supplier",
    "meter",
    "service",
    "report",
    "latency",
    "return",
    "counter",
    "device",
    "message",
    "coverage",
    "migration",
    "band",
    "signal",
    "install",
    "measure",
    "channel",
    "incident",
    "reboot",
    "schedule",
    "capacity",
    "security",
];

fn words(mix: &mut Mix, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[mix.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn args() -> (usize, u64, PathBuf) {
    let mut nodes = 1000;
    let mut seed = 1;
    let mut out = PathBuf::from("corpus");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_default();
        match a.as_str() {
            "--nodes" => nodes = v.parse().unwrap_or(nodes),
            "--seed" => seed = v.parse().unwrap_or(seed),
            "--out" => out = PathBuf::from(v),
            _ => {
                eprintln!("usage: gen_corpus --nodes N --seed S --out DIR");
                std::process::exit(2);
            }
        }
    }
    (nodes, seed, out)
}

fn write_files(dir: &Path, kind: &str, nodes: &[String]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, chunk) in nodes.chunks(50).enumerate() {
        let mut s = String::new();
        for n in chunk {
            s.push_str(n);
        }
        std::fs::write(dir.join(format!("{kind}-{i:05}.toml")), s)?;
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    let (total, seed, out) = args();
    let mut mix = Mix(seed);
    let themes = (total / 100).max(1);
    let business = (total / 10).max(1);
    let secs = (total * 4 / 100).max(1);
    let entries = total.saturating_sub(themes + business + secs).max(1);
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("rtm.toml"),
        "[project]\nname = \"Generated corpus\"\nvariants = [\"SB\", \"DB\"]\n\n[ids]\nrequirement = \"^RTM-[0-9]+$\"\n",
    )?;

    let mut t = Vec::new();
    for i in 0..themes {
        t.push(format!(
            "[[theme]]\nid = \"TH-{i}\"\ntitle = \"Theme {i}: {}\"\ntext = \"{}\"\n\n",
            words(&mut mix, 4),
            words(&mut mix, 40)
        ));
    }
    let childless = business / 200;
    let mut b = Vec::new();
    for i in 0..business {
        b.push(format!(
            "[[business]]\nid = \"BR-{i}\"\ntitle = \"Business requirement {i}: {}\"\nthemes = [\"TH-{}\"]\ntext = \"{}\"\n\n",
            words(&mut mix, 4),
            i % themes,
            words(&mut mix, 40)
        ));
    }
    let mut s = Vec::new();
    for i in 0..secs {
        s.push(format!(
            "[[sec]]\nid = \"SEC-{i}\"\ntitle = \"SEC obligation {i}\"\nsource = \"SEC Section {}\"\nlimits = {{ param_{i} = {{ max = 100 }} }}\n\n",
            i % 20
        ));
    }
    let orphans = entries / 200;
    let mut r = Vec::new();
    for i in 0..entries {
        let mut n = String::new();
        let _ = write!(
            n,
            "[[requirement]]\nid = \"RTM-{i}\"\ntitle = \"Entry {i}: {}\"\ncategory = \"{}\"\nuser_impact = \"none\"\n",
            words(&mut mix, 5),
            if i % 10 == 9 { "sec-support" } else { "mvp" }
        );
        let orphan = i < orphans;
        if !orphan {
            // Business requirements 0..childless get no entry.
            let span = business.saturating_sub(childless).max(1);
            let first = childless + mix.below(span);
            if mix.below(2) == 0 {
                let second = childless + mix.below(span);
                let _ = writeln!(n, "satisfies = [\"BR-{first}\", \"BR-{second}\"]");
            } else {
                let _ = writeln!(n, "satisfies = [\"BR-{first}\"]");
            }
            if i > orphans && mix.below(5) == 0 {
                let parent = orphans + mix.below(i - orphans);
                let _ = writeln!(n, "refines = [\"RTM-{parent}\"]");
            }
        }
        let _ = writeln!(n, "sec = [\"SEC-{}\"]", i % secs);
        let _ = writeln!(n, "values = {{ param_{} = {} }}", i % secs, mix.below(100));
        let _ = write!(n, "text = \"{}\"\n\n", words(&mut mix, 40));
        r.push(n);
    }
    write_files(&out.join("themes"), "themes", &t)?;
    write_files(&out.join("business"), "business", &b)?;
    write_files(&out.join("sec"), "sec", &s)?;
    write_files(&out.join("detailed"), "detailed", &r)?;
    eprintln!(
        "wrote {} nodes to {}: {themes} themes, {business} business, {entries} entries, {secs} SEC",
        themes + business + entries + secs,
        out.display()
    );
    Ok(())
}
