//! Writes a synthetic, valid requirement tree for benchmarks and scale tests.
//!
//! cargo run --release --example gen_corpus -- --nodes 20000 --seed 1 --out /tmp/rtm-20k
//!
//! See `rtm::corpus` for what the tree holds. The same seed gives the same
//! tree.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
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
    let files = rtm::corpus::write(&out, nodes, seed)?;
    eprintln!("wrote {files} files ({nodes} nodes) to {}", out.display());
    Ok(())
}
