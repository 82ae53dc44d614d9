//! One file that runs anywhere: the `idphoto` binary built with the `embed-models` feature,
//! copied alone to an empty folder (no `models/`, no `IDPHOTO_MODELS`, a working directory
//! without the crate), checks a photo. And the same binary without the feature, copied the
//! same way, says where it looked for the models.
//!
//! Builds the binary with `cargo build --release --features embed-models --test embed` (only
//! this crate is compiled again: about a minute and a half on 2 cores), then builds the plain
//! binary again (cached) so the other tests keep the usual one. Test binaries run one after another, so nothing else runs
//! the binary while it is replaced.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the `idphoto` binary with `features` and copies it to `dest`.
fn build_to(features: &[&str], dest: &Path) {
    let mut c = Command::new(env!("CARGO"));
    // `--test embed` brings the dev-dependencies into the build, so the dependencies are
    // resolved with the features `cargo test` already compiled them with: only this crate is
    // compiled again (without it a fresh CI machine rebuilds tract and the rest)
    c.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--release",
        "--bin",
        "idphoto",
        "--test",
        "embed",
        "--quiet",
    ]);
    if !features.is_empty() {
        c.arg("--features").arg(features.join(","));
    }
    let o = c.output().unwrap();
    assert!(
        o.status.success(),
        "cargo build {features:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::copy(env!("CARGO_BIN_EXE_idphoto"), dest).unwrap();
}

#[test]
fn an_embed_models_binary_runs_alone_in_an_empty_folder() {
    let root = std::env::temp_dir().join(format!("idphoto-embed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("embedded")).unwrap();
    std::fs::create_dir_all(root.join("plain")).unwrap();
    let photo = root.join("photo.jpg");
    std::fs::copy(common::fixture("photos/obama.jpg"), &photo).unwrap();
    let embedded: PathBuf = root.join("embedded/idphoto");
    let plain: PathBuf = root.join("plain/idphoto");
    build_to(&["embed-models"], &embedded);
    // the usual binary back in place for the tests after this one
    build_to(&[], &plain);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&embedded) > size(&plain) + 25_000_000,
        "the models (~32 MB) are in the binary: {} vs {} bytes",
        size(&embedded),
        size(&plain)
    );

    let run = |bin: &Path| {
        Command::new(bin)
            .current_dir(&root)
            .env_remove("IDPHOTO_MODELS")
            .args(["check", "--spec", "cn/id-card", "--json", "-"])
            .arg(&photo)
            .output()
            .unwrap()
    };
    let o = run(&embedded);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a verdict (Obama smiles: fail), not an error: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["face"]["faces_found"], 1, "the models ran");
    let mouth = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "mouth_closed")
        .unwrap();
    assert_eq!(mouth["status"], "fail");

    // without the feature and without a models folder the error says where it looked; the
    // build-time folder is still on this machine, so hide it by pointing IDPHOTO_MODELS away
    let o = Command::new(&plain)
        .current_dir(&root)
        .env("IDPHOTO_MODELS", root.join("no-models-here"))
        .args(["check", "--spec", "cn/id-card"])
        .arg(&photo)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no-models-here"), "{err}");
    assert!(
        err.contains("embed-models"),
        "the error says what to do: {err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
