//! A synthetic, valid requirement tree for benchmarks and scale tests
//! (`cargo run --release --example gen_corpus -- --nodes N --seed S --out DIR`).
//!
//! About 1% themes, 10% business requirements, 85% RTM entries and 4% SEC
//! obligations, 50 nodes per file in `themes/`, `business/`, `detailed/`
//! and `sec/`. Each entry satisfies one or two business requirements, about
//! 20% also refine an earlier entry (so no loops), and about 0.5% are
//! planted orphans and 0.5% of business requirements are left childless,
//! so the rules have real work. The same seed gives the same tree.

use std::fmt::Write as _;
use std::path::Path;

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
        .map(|_| WORDS.get(mix.below(WORDS.len())).copied().unwrap_or("hub"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The files of a generated tree of about `total` nodes: (relative path,
/// content), `rtm.toml` first. The same seed gives the same files.
pub fn generate(total: usize, seed: u64) -> Vec<(String, String)> {
    let mut mix = Mix(seed);
    let themes = (total / 100).max(1);
    let business = (total / 10).max(1);
    let secs = (total * 4 / 100).max(1);
    let entries = total.saturating_sub(themes + business + secs).max(1);
    let mut files = vec![(
        "rtm.toml".to_owned(),
        "[project]\nname = \"Generated corpus\"\nvariants = [\"SB\", \"DB\"]\n\n[ids]\nrequirement = \"^RTM-[0-9]+$\"\n".to_owned(),
    )];

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
    chunks(&mut files, "themes", &t);
    chunks(&mut files, "business", &b);
    chunks(&mut files, "sec", &s);
    chunks(&mut files, "detailed", &r);
    files
}

/// Groups nodes 50 to a file.
fn chunks(files: &mut Vec<(String, String)>, kind: &str, nodes: &[String]) {
    for (i, chunk) in nodes.chunks(50).enumerate() {
        files.push((format!("{kind}/{kind}-{i:05}.toml"), chunk.concat()));
    }
}

/// Writes a generated tree into `dir`.
pub fn write(dir: &Path, total: usize, seed: u64) -> std::io::Result<usize> {
    let files = generate(total, seed);
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(files.len())
}
