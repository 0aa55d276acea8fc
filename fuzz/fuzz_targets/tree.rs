//! A small tree decoded from the input: parts separated by a NUL byte.
//! The first part is `rtm.toml` (none when it is empty); each other part
//! (at most 8) is one entry, whose first byte chooses its folder and
//! whether it is a node file, a symbolic link or an unreadable entry, and
//! whose other bytes are the file's content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtm::load::Entry;
use rtm_fuzz::{file_set, run, split};

const FOLDERS: [&str; 6] = ["", "sub/", "sub/deep/", "Z/", "é/", "sub/é/"];

fuzz_target!(|data: &[u8]| {
    let parts = split(data, 0, 9);
    let Some((project, rest)) = parts.split_first() else {
        return;
    };
    let mut files = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let (head, body) = part.split_first().map_or((0, &[][..]), |(h, b)| (*h, b));
        let folder = FOLDERS[usize::from(head) % FOLDERS.len()];
        let name = format!("{folder}f{i}.toml");
        let entry = match head >> 5 {
            6 => Entry::Symlink,
            7 => Entry::Unreadable(String::from_utf8_lossy(body).into_owned()),
            _ => Entry::Bytes(body.to_vec()),
        };
        files.push((name, entry));
    }
    let project = (!project.is_empty()).then_some(*project);
    run(file_set(project, files));
});
