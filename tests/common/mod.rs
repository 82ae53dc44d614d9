//! Shared helpers for the integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

#[cfg(feature = "serve")]
pub mod server;

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

/// A reference output of `models/scripts/parity_gen.py`: `tests/fixtures/parity/NAME`,
/// little-endian f32.
pub fn parity_output(name: &str) -> Vec<f32> {
    std::fs::read(fixture(&format!("parity/{name}")))
        .expect(name)
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// The 8-bit input image of a parity case (`tests/fixtures/parity/NAME.input.png`).
pub fn parity_input(name: &str) -> image::RgbImage {
    image::open(fixture(&format!("parity/{name}.input.png")))
        .expect(name)
        .to_rgb8()
}

/// Largest absolute difference between `got` and `want`, and the largest reference magnitude.
pub fn parity_diff(got: &[f32], want: &[f32]) -> (f32, f32) {
    assert_eq!(got.len(), want.len());
    let d = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    (d, want.iter().map(|v| v.abs()).fold(0f32, f32::max))
}

/// A synthetic parsing map of the `side`-px square at (`rx`, `ry`), `n` cells a side, each
/// cell's class read at its centre.
pub fn label_map(
    (rx, ry, side, n): (f32, f32, f32, usize),
    class_at: impl Fn(f32, f32) -> idphoto::analysis::FaceClass,
) -> idphoto::analysis::ParsingMap {
    let cell = side / n as f32;
    let labels = (0..n * n)
        .map(|i| {
            class_at(
                rx + ((i % n) as f32 + 0.5) * cell,
                ry + ((i / n) as f32 + 0.5) * cell,
            ) as u8
        })
        .collect();
    idphoto::analysis::ParsingMap::from_labels(rx, ry, side, n, labels)
}
