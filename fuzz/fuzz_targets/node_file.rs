//! One node file's bytes, beside a fixed `rtm.toml` and a fixed healthy
//! node file, through load, check and every renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtm::load::Entry;
use rtm_fuzz::{CONFIG, NODES, file_set, run};

fuzz_target!(|data: &[u8]| {
    let files = vec![
        (
            "base.toml".to_owned(),
            Entry::Bytes(NODES.as_bytes().to_vec()),
        ),
        ("fuzz.toml".to_owned(), Entry::Bytes(data.to_vec())),
    ];
    run(file_set(Some(CONFIG.as_bytes()), files));
});
