//! Spec TOML text → registry load: the input is split at the first `\n---\n` into a parent
//! (`base`) and a child file, so inheritance, merging and validation are all exercised.
#![no_main]

use std::path::PathBuf;

use idphoto::SpecRegistry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (a, b) = match data.windows(5).position(|w| w == b"\n---\n") {
        Some(i) => (&data[..i], &data[i + 5..]),
        None => (data, &b"extends = \"base\"\n"[..]),
    };
    let _ = SpecRegistry::from_sources([
        ("base".to_string(), PathBuf::from("base.toml"), a.to_vec()),
        ("child".to_string(), PathBuf::from("child.toml"), b.to_vec()),
    ]);
});
