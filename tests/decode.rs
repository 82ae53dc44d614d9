//! Decoding hostile and unusual uploads: typed errors, never a panic; every colour type
//! normalised; EXIF orientation applied.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Cursor;

use idphoto::image_io::{decode, DecodeLimits};
use idphoto::Error;
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, LumaA, Rgb, Rgba};

fn encode(img: &DynamicImage, fmt: ImageFormat) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, fmt).expect("encode");
    buf.into_inner()
}

fn sample_rgb(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 128])
    }))
}

#[test]
fn zero_bytes_is_empty() {
    assert!(matches!(
        decode(&[], &DecodeLimits::default()),
        Err(Error::EmptyImage)
    ));
}

#[test]
fn garbage_is_unsupported() {
    let r = decode(
        b"this is not an image at all, just text",
        &DecodeLimits::default(),
    );
    assert!(matches!(r, Err(Error::UnsupportedFormat { .. })), "{r:?}");
}

#[test]
fn truncated_files_are_errors_at_every_cut() {
    for fmt in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
        let bytes = encode(&sample_rgb(64, 48), fmt);
        for cut in [
            2,
            8,
            20,
            40,
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() - 10,
        ] {
            let r = decode(&bytes[..cut], &DecodeLimits::default());
            assert!(
                matches!(
                    r,
                    Err(Error::CorruptImage(_) | Error::UnsupportedFormat { .. })
                ),
                "{fmt:?} cut at {cut}: {:?}",
                r.map(|d| d.image.dimensions())
            );
        }
    }
}

#[test]
fn corrupt_body_is_an_error_not_a_panic() {
    let mut bytes = encode(&sample_rgb(64, 48), ImageFormat::Png);
    for b in bytes.iter_mut().skip(60).step_by(7) {
        *b ^= 0x5a;
    }
    assert!(decode(&bytes, &DecodeLimits::default()).is_err());
}

#[test]
fn one_pixel_is_too_small() {
    let bytes = encode(&sample_rgb(1, 1), ImageFormat::Png);
    let r = decode(&bytes, &DecodeLimits::default());
    assert!(
        matches!(
            r,
            Err(Error::TooSmall {
                width: 1,
                height: 1,
                ..
            })
        ),
        "{r:?}"
    );
}

/// A PNG whose header declares `w`×`h` pixels followed by a few bytes of data.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&ihdr);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc.to_be_bytes());
    // an IDAT holding the start of a zlib stream, as a real bomb would
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&[0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00]);
    v.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    v.extend_from_slice(&idat);
    v.extend_from_slice(&crc32(&idat).to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82]);
    v
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn a_30000_square_header_is_refused_before_allocation() {
    let r = decode(&png_header_only(30_000, 30_000), &DecodeLimits::default());
    assert!(
        matches!(
            r,
            Err(Error::TooLarge {
                width: 30000,
                height: 30000,
                ..
            })
        ),
        "{r:?}"
    );
    // the pixel cap applies even when each side is allowed
    let limits = DecodeLimits::default().max_side(40_000);
    let r = decode(&png_header_only(30_000, 30_000), &limits);
    assert!(matches!(r, Err(Error::TooLarge { .. })), "{r:?}");
    // and the limits are configurable downwards
    let small = DecodeLimits::default().max_pixels(1000);
    let r = decode(&encode(&sample_rgb(64, 48), ImageFormat::Png), &small);
    assert!(
        matches!(
            r,
            Err(Error::TooLarge {
                width: 64,
                height: 48,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn cmyk_jpeg_becomes_rgb() {
    let bytes = std::fs::read(common::fixture("bad/cmyk.jpg")).expect("fixture");
    let d = decode(&bytes, &DecodeLimits::default()).expect("cmyk decodes");
    assert_eq!(d.image.dimensions(), (128, 150));
    assert_eq!(d.format, ImageFormat::Jpeg);
    // The source is a colour photo: the decoded pixels keep colour (not all grey, not inverted
    // to near-black): mean brightness stays in a plausible range.
    let n = (128 * 150) as f64;
    let mean: f64 = d
        .image
        .pixels()
        .map(|p| (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0)
        .sum::<f64>()
        / n;
    let chroma: f64 = d
        .image
        .pixels()
        .map(|p| (p[0] as f64 - p[2] as f64).abs())
        .sum::<f64>()
        / n;
    assert!((40.0..200.0).contains(&mean), "mean {mean}");
    assert!(chroma > 5.0, "chroma {chroma}");
}

#[test]
fn sixteen_bit_grayscale_and_alpha_are_normalised() {
    let img16 = DynamicImage::ImageRgb16(ImageBuffer::from_fn(40, 40, |x, _| {
        Rgb([x as u16 * 1000, 65535, 0])
    }));
    let d = decode(&encode(&img16, ImageFormat::Png), &DecodeLimits::default()).expect("16-bit");
    assert_eq!(
        d.image.get_pixel(10, 0).0,
        [(10000u32 * 255 / 65535) as u8 + 1, 255, 0]
    );
    let rgba16 = DynamicImage::ImageRgba16(ImageBuffer::from_fn(40, 40, |_, _| {
        Rgba([0, 0, 65535, 65535])
    }));
    let d =
        decode(&encode(&rgba16, ImageFormat::Png), &DecodeLimits::default()).expect("16-bit alpha");
    assert_eq!(d.image.get_pixel(3, 3).0, [0, 0, 255]);
    let gray = DynamicImage::ImageLuma8(ImageBuffer::from_fn(40, 40, |x, _| Luma([x as u8 * 5])));
    let d = decode(&encode(&gray, ImageFormat::Png), &DecodeLimits::default()).expect("gray");
    assert_eq!(d.image.get_pixel(10, 5).0, [50, 50, 50]);
    let gray_alpha = DynamicImage::ImageLumaA8(ImageBuffer::from_fn(40, 40, |_, _| LumaA([0, 0])));
    let d = decode(
        &encode(&gray_alpha, ImageFormat::Png),
        &DecodeLimits::default(),
    )
    .expect("gray alpha");
    assert_eq!(
        d.image.get_pixel(0, 0).0,
        [255, 255, 255],
        "transparent becomes white"
    );
    let half = DynamicImage::ImageRgba8(ImageBuffer::from_fn(40, 40, |_, _| Rgba([0, 0, 0, 128])));
    let d = decode(&encode(&half, ImageFormat::Png), &DecodeLimits::default()).expect("rgba");
    assert_eq!(d.image.get_pixel(0, 0).0, [127, 127, 127]);
}

/// Inserts an EXIF APP1 segment with only an Orientation tag right after the JPEG SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\x00\x2a\x00\x00\x00\x08"); // big-endian, IFD at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // count
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied() {
    // 80 wide × 40 high, left half red, right half blue
    let img = DynamicImage::ImageRgb8(ImageBuffer::from_fn(80, 40, |x, _| {
        if x < 40 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    }));
    let jpeg = encode(&img, ImageFormat::Jpeg);
    let plain = decode(&jpeg, &DecodeLimits::default()).expect("plain");
    assert_eq!(plain.image.dimensions(), (80, 40));
    assert!(!plain.rotated);
    // 6 = rotate 90° clockwise to display: the left (red) half ends up on top
    let d = decode(&with_exif_orientation(&jpeg, 6), &DecodeLimits::default()).expect("rotated");
    assert!(d.rotated);
    assert_eq!(d.image.dimensions(), (40, 80));
    let top = d.image.get_pixel(20, 5).0;
    let bottom = d.image.get_pixel(20, 75).0;
    assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
    // 3 = rotate 180°: blue on the left
    let d = decode(&with_exif_orientation(&jpeg, 3), &DecodeLimits::default()).expect("180");
    assert_eq!(d.image.dimensions(), (80, 40));
    assert!(d.image.get_pixel(5, 20).0[2] > 200);
}

#[test]
fn format_is_sniffed_from_content_not_name() {
    let dir = std::env::temp_dir().join(format!("idphoto-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let p = dir.join("photo.jpg");
    std::fs::write(&p, encode(&sample_rgb(64, 48), ImageFormat::Png)).expect("write");
    let d = idphoto::image_io::decode_path(&p, &DecodeLimits::default()).expect("png named .jpg");
    assert_eq!(d.format, ImageFormat::Png);
    let missing = idphoto::image_io::decode_path(dir.join("nope.jpg"), &DecodeLimits::default());
    assert!(matches!(missing, Err(Error::Io { .. })));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_fixture_photo_decodes() {
    for name in common::PHOTOS {
        let d = idphoto::image_io::decode_path(
            common::fixture(&format!("photos/{name}")),
            &DecodeLimits::default(),
        )
        .expect(name);
        assert!(d.image.width() >= 256 && d.image.height() >= 256, "{name}");
    }
}

/// `srgb` re-expressed in `profile`'s colour space and saved as a JPEG carrying that profile
/// (`embed`) or none: what a camera set to Adobe RGB, or a phone shooting Display P3, uploads.
fn jpeg_in_profile(srgb: &image::RgbImage, profile: &moxcms::ColorProfile, embed: bool) -> Vec<u8> {
    use image::ImageEncoder as _;
    use moxcms::{ColorProfile, Layout, TransformOptions};
    let t = ColorProfile::new_srgb()
        .create_transform_8bit(
            Layout::Rgb,
            profile,
            Layout::Rgb,
            TransformOptions::default(),
        )
        .unwrap();
    let mut px = vec![0u8; srgb.as_raw().len()];
    t.transform(srgb.as_raw(), &mut px).unwrap();
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
    if embed {
        enc.set_icc_profile(profile.encode().unwrap()).unwrap();
    }
    enc.write_image(
        &px,
        srgb.width(),
        srgb.height(),
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    out
}

#[test]
fn icc_profiles_are_converted_to_srgb() {
    let path = common::fixture("photos/obama.jpg");
    let srgb = decode(&std::fs::read(path).unwrap(), &DecodeLimits::default())
        .unwrap()
        .image;
    for (name, profile) in [
        ("Adobe RGB", moxcms::ColorProfile::new_adobe_rgb()),
        ("Display P3", moxcms::ColorProfile::new_display_p3()),
    ] {
        let tagged = decode(
            &jpeg_in_profile(&srgb, &profile, true),
            &DecodeLimits::default(),
        )
        .unwrap();
        let untagged = decode(
            &jpeg_in_profile(&srgb, &profile, false),
            &DecodeLimits::default(),
        )
        .unwrap();
        assert!(tagged.converted_from_icc && !untagged.converted_from_icc);
        let (good, raw) = (
            common::mad(&tagged.image, &srgb),
            common::mad(&untagged.image, &srgb),
        );
        // JPEG at quality 95 and 8-bit round trips cost ~1-2 levels; read as sRGB, the wider
        // gamut's numbers are off by several levels (desaturated)
        assert!(
            good < 2.5,
            "{name}: {good:.2} levels from the sRGB original"
        );
        assert!(
            raw > 2.0 * good,
            "{name}: ignoring the profile gives {raw:.2} vs {good:.2}"
        );
    }
}

#[test]
fn an_srgb_profile_or_a_broken_one_leaves_pixels_alone() {
    let img = sample_rgb(64, 48).into_rgb8();
    let srgb = jpeg_in_profile(&img, &moxcms::ColorProfile::new_srgb(), true);
    let d = decode(&srgb, &DecodeLimits::default()).unwrap();
    assert!(!d.converted_from_icc);
    // a profile of garbage bytes: decoded as sRGB, no error
    use image::ImageEncoder as _;
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
    enc.set_icc_profile(b"not an icc profile at all".to_vec())
        .unwrap();
    enc.write_image(img.as_raw(), 64, 48, image::ExtendedColorType::Rgb8)
        .unwrap();
    let d = decode(&out, &DecodeLimits::default()).unwrap();
    assert!(!d.converted_from_icc);
}

#[test]
fn data_after_the_jpeg_end_marker_is_accepted() {
    let mut bytes = std::fs::read(common::fixture("photos/obama.jpg")).unwrap();
    let plain = decode(&bytes, &DecodeLimits::default()).unwrap().image;
    // a "motion photo": an MP4 appended after the JPEG, whose bytes hold FF DA and FF D8
    bytes.extend_from_slice(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00");
    bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x0C, 0x01, 0xFF, 0xD8, 0x12, 0x34]);
    bytes.extend((0..5000u32).map(|i| (i * 7919 % 251) as u8));
    let d = decode(&bytes, &DecodeLimits::default()).unwrap();
    assert_eq!(d.image, plain);
    // cut inside the scan, the same file is still refused
    let cut = &bytes[..idphoto::image_io::jpeg_end(&bytes).unwrap() / 2];
    assert!(matches!(
        decode(cut, &DecodeLimits::default()),
        Err(Error::CorruptImage(_))
    ));
}

#[test]
fn heic_is_named_with_a_hint() {
    let mut heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic".to_vec();
    heic.extend([0u8; 64]);
    match decode(&heic, &DecodeLimits::default()) {
        Err(e @ Error::UnsupportedFormat { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("HEIC") && msg.contains("JPEG"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_jpeg_over_the_pixel_limit_is_decoded_reduced() {
    let img = sample_rgb(2000, 1500);
    let jpeg = encode(&img, ImageFormat::Jpeg);
    let limits = DecodeLimits::default().max_pixels(1_000_000);
    let d = decode(&jpeg, &limits).expect("decoded reduced");
    assert_eq!(d.reduced_from, Some((2000, 1500)));
    // the least reduction that fits 1 MP (a short side of 2,400 px is out of reach)
    assert_eq!(d.image.dimensions(), (1000, 750));
    // the same picture: the gradient at the same relative place
    let p = d.image.get_pixel(500, 375);
    assert!(
        (i32::from(p[0]) - 127).abs() <= 6 && (i32::from(p[1]) - 127).abs() <= 6,
        "{p:?}"
    );
    // under the limit nothing changes
    let full = decode(&jpeg, &DecodeLimits::default()).unwrap();
    assert_eq!(full.reduced_from, None);
    assert_eq!(full.image.dimensions(), (2000, 1500));
}

#[test]
fn a_reduced_jpeg_keeps_a_short_side_of_2400_px_when_it_can() {
    // 5000 × 6000 = 30 MP under a 10 MP limit: 1/2 (2500 × 3000) fits and keeps 2,400 px;
    // 1/4 would not
    let img = sample_rgb(5000, 6000);
    let jpeg = encode(&img, ImageFormat::Jpeg);
    let d = decode(&jpeg, &DecodeLimits::default().max_pixels(10_000_000)).unwrap();
    assert_eq!(d.image.dimensions(), (2500, 3000));
}

#[test]
fn over_the_limit_a_progressive_jpeg_or_a_png_is_told_what_to_do() {
    let img = sample_rgb(2000, 1500);
    let limits = DecodeLimits::default().max_pixels(1_000_000);
    let mut progressive = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut progressive, 85);
    enc.set_progressive(true);
    enc.encode(
        img.to_rgb8().as_raw(),
        2000,
        1500,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    match decode(&progressive, &limits) {
        Err(e @ Error::TooLarge { .. }) => {
            assert!(e.to_string().contains("progressive JPEG"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    match decode(&encode(&img, ImageFormat::Png), &limits) {
        Err(e @ Error::TooLarge { .. }) => {
            assert!(e.to_string().contains("save the photo as JPEG"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
