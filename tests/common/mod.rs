//! Shared helpers for the integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use idphoto::Checker;

/// `tests/fixtures/...`
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The public-domain portraits committed in `tests/fixtures/photos`.
pub const PHOTOS: [&str; 6] = [
    "astronaut.png",
    "grace_hopper.jpg",
    "obama.jpg",
    "obama2.jpg",
    "biden.jpg",
    "obama_partial_face.jpg",
];

/// The bytes of every photo in [`PHOTOS`], in that order.
pub fn photo_bytes() -> Vec<Vec<u8>> {
    PHOTOS
        .iter()
        .map(|p| std::fs::read(fixture(&format!("photos/{p}"))).unwrap())
        .collect()
}

/// `../shared/photos` next to the repository (not committed: see its README). `None`, with a
/// message on stderr, when absent; `.ci/run` fails if it is absent, so CI never skips.
pub fn shared_photo(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/photos")
        .join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is missing (../shared/photos is not next to the repository)",
            p.display()
        );
        None
    }
}

/// One checker with the builtin specs and the real models, shared by every test in a binary.
pub fn checker() -> &'static Checker {
    static C: OnceLock<Checker> = OnceLock::new();
    C.get_or_init(|| match Checker::builder().build() {
        Ok(c) => c,
        Err(e) => panic!("checker: {e}"),
    })
}

/// Decodes a fixture photo.
pub fn photo(name: &str) -> image::RgbImage {
    match idphoto::image_io::decode_path(fixture(&format!("photos/{name}")), &Default::default()) {
        Ok(d) => d.image,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// Mean absolute difference per channel between two images of the same size.
pub fn mad(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}
