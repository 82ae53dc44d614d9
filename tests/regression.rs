//! Every input under `tests/fixtures/regression/` (crashes once found by the fuzz targets, and
//! tricky seeds) gives a typed error or a report, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use idphoto::{Checker, SpecRegistry};

fn files(sub: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(common::fixture(&format!("regression/{sub}")))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn decode_regressions() {
    let checker = Checker::builder().without_models().build().unwrap();
    let all = files("decode");
    for p in &all {
        let bytes = std::fs::read(p).unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            checker.check_bytes(&bytes, "cn/id-card").map(|_| ())
        }));
        assert!(r.is_ok(), "{} panicked", p.display());
    }
    eprintln!("{} decode regression inputs", all.len());
}

#[test]
fn spec_regressions() {
    let all = files("spec");
    for p in &all {
        let data = std::fs::read(p).unwrap();
        let (a, b) = match data.windows(5).position(|w| w == b"\n---\n") {
            Some(i) => (data[..i].to_vec(), data[i + 5..].to_vec()),
            None => (data.clone(), b"extends = \"base\"\n".to_vec()),
        };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            SpecRegistry::from_sources([
                ("base".to_string(), PathBuf::from("base.toml"), a),
                ("child".to_string(), PathBuf::from("child.toml"), b),
            ])
            .map(|_| ())
        }));
        assert!(r.is_ok(), "{} panicked", p.display());
    }
    eprintln!("{} spec regression inputs", all.len());
}
