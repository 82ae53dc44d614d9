//! The hostile-input corpus in `tests/fixtures/bad/`: each file gives the typed error or the
//! report listed in its manifest, through the decoder and the whole `Checker`, within a time
//! bound; plus a 200 MB EXIF block built in memory.
//!
//! Limits stated and tested here: every corpus file is answered in under 10 s (a hang guard,
//! not a speed target: the real figures are in benches/RESULTS.md), and decoding never allocates
//! past `DecodeLimits::max_alloc` (512 MiB by default): oversized images are refused from the
//! header.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use idphoto::image_io::{decode, DecodeLimits};
use idphoto::Error;

const TIME_BOUND: Duration = Duration::from_secs(10);

#[derive(serde::Deserialize)]
struct Manifest {
    file: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    name: String,
    expect: String,
    #[serde(default)]
    size: Option<[u32; 2]>,
    why: String,
}

fn kind(e: &Error) -> &'static str {
    match e {
        Error::CorruptImage(_) => "corrupt",
        Error::UnsupportedFormat { .. } => "unsupported",
        Error::TooLarge { .. } => "too_large",
        Error::TooSmall { .. } => "too_small",
        Error::EmptyImage => "empty",
        _ => "other",
    }
}

#[test]
fn corpus_answers_as_listed_within_the_time_bound() {
    let m: Manifest =
        toml::from_str(&std::fs::read_to_string(common::fixture("bad/cases.toml")).unwrap())
            .unwrap();
    assert!(m.file.len() >= 13);
    let checker = common::checker();
    for e in &m.file {
        let bytes = std::fs::read(common::fixture(&format!("bad/{}", e.name))).unwrap();
        let t = Instant::now();
        let d = decode(&bytes, &DecodeLimits::default());
        match (&d, e.expect.as_str()) {
            (Ok(img), "ok") => {
                let want = e.size.expect("size");
                assert_eq!(
                    [img.image.width(), img.image.height()],
                    want,
                    "{}: {}",
                    e.name,
                    e.why
                );
            }
            (Err(err), want) => assert_eq!(kind(err), want, "{}: {err} ({})", e.name, e.why),
            (Ok(_), want) => panic!("{}: decoded, expected {want} ({})", e.name, e.why),
        }
        // the whole pipeline answers the same way: an error, or a report
        let r = checker.check_bytes(&bytes, "cn/id-card");
        assert_eq!(
            r.is_ok(),
            e.expect == "ok",
            "{}: {:?}",
            e.name,
            r.as_ref().err()
        );
        assert!(
            t.elapsed() < TIME_BOUND,
            "{} took {:?}",
            e.name,
            t.elapsed()
        );
    }
}

#[test]
fn a_200_mb_exif_block_is_skipped_not_a_crash() {
    // 3200 APP1 segments of 64 KiB (a JPEG segment's maximum) after SOI: 200 MiB of metadata
    let small = std::fs::read(common::fixture("bad/progressive.jpg")).unwrap();
    let mut seg = vec![0xFF, 0xE1, 0xFF, 0xFF];
    seg.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    seg.resize(2 + 0xFFFF, 0);
    let mut big = Vec::with_capacity(small.len() + 3200 * seg.len());
    big.extend_from_slice(&small[..2]);
    for _ in 0..3200 {
        big.extend_from_slice(&seg);
    }
    big.extend_from_slice(&small[2..]);
    assert!(big.len() > 200 * 1024 * 1024);
    let t = Instant::now();
    let r = decode(&big, &DecodeLimits::default());
    assert!(t.elapsed() < TIME_BOUND, "took {:?}", t.elapsed());
    match r {
        Ok(d) => assert_eq!(d.image.dimensions(), (96, 112)),
        Err(e) => assert!(
            matches!(e, Error::CorruptImage(_) | Error::TooLarge { .. }),
            "{e}"
        ),
    }
}

#[test]
fn files_over_the_size_cap_are_refused_before_reading_them_whole() {
    let dir = std::env::temp_dir().join(format!("idphoto-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("big.jpg");
    std::fs::write(&p, vec![0u8; 4096]).unwrap();
    let limits = DecodeLimits {
        max_file_bytes: 1024,
        ..DecodeLimits::default()
    };
    let r = idphoto::image_io::decode_path(&p, &limits);
    assert!(matches!(r, Err(Error::TooLarge { .. })), "{r:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The memory bound is enforced, not just declared: with `max_alloc` below what a 1-MP photo
/// needs, decoding refuses it (typed error) instead of allocating; with the default it decodes.
#[test]
fn the_decoder_allocation_cap_is_enforced() {
    let bytes = std::fs::read(common::fixture("photos/obama.jpg")).unwrap(); // 910×1137
    let tight = DecodeLimits {
        max_alloc: 1 << 20,
        ..DecodeLimits::default()
    };
    match decode(&bytes, &tight) {
        Err(Error::TooLarge { .. }) => {}
        other => panic!(
            "expected TooLarge under a 1 MiB cap, got {:?}",
            other.map(|d| d.image.dimensions())
        ),
    }
    assert!(decode(&bytes, &DecodeLimits::default()).is_ok());
}
