//! `rtm.toml` bytes, with a fixed healthy node file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtm::load::Entry;
use rtm_fuzz::{NODES, file_set, run};

fuzz_target!(|data: &[u8]| {
    let files = vec![(
        "nodes.toml".to_owned(),
        Entry::Bytes(NODES.as_bytes().to_vec()),
    )];
    run(file_set(Some(data), files));
});
