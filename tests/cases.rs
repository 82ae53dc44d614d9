//! Accuracy over the fixture cases in `tests/fixtures/cases.toml`: real photos and edited
//! variants that isolate one fault each. Prints a per-check table (expected vs got); run with
//! `cargo test --release --test cases -- --nocapture` to see it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use idphoto::analysis::{mesh, Analysis};
use idphoto::checker::OutputPolicy;
use idphoto::{CheckId, Checker, Report, Status, Verdict};
use image::{Rgb, RgbImage};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    photo: String,
    #[serde(default)]
    edit: Option<String>,
    spec: String,
    #[serde(default)]
    fail: Vec<String>,
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    pass: Vec<String>,
    #[serde(default)]
    verdict: Option<String>,
    why: String,
}

fn load_photo(name: &str) -> Option<RgbImage> {
    let path = match name.strip_prefix("shared:") {
        Some(n) => common::shared_photo(n)?,
        None => common::fixture(&format!("photos/{name}")),
    };
    Some(
        idphoto::image_io::decode_path(&path, &Default::default())
            .expect(name)
            .image,
    )
}

fn analysis(img: &RgbImage) -> Analysis {
    common::checker().analyze(img).unwrap().unwrap()
}

/// Linear light (0..1 and above) as 8-bit sRGB, kept under 250 so nothing clips white.
fn to_srgb(lin: f32) -> u8 {
    let s = if lin <= 0.003_130_8 {
        lin * 12.92
    } else {
        1.055 * lin.powf(1.0 / 2.4) - 0.055
    };
    (s * 255.0).round().clamp(0.0, 250.0) as u8
}

/// Applies one edit. Edits that need to know where the face is ask the models first.
fn edit(name: &str, img: RgbImage) -> RgbImage {
    match name {
        "white_background" => {
            let c = Checker::builder()
                .output(OutputPolicy::Always)
                .build()
                .unwrap();
            c.process(&img, "cn/id-card")
                .unwrap()
                .output_image
                .expect("output")
        }
        "shadow_half" => {
            let a = analysis(&img);
            let lm = a.landmarks.as_ref().unwrap();
            let nose = lm.xy(mesh::NOSE_TIP);
            let mut out = img;
            // a hard-edged shadow: everything left of the nose line at 45 % of its light
            // (a 5.8:1 lighting ratio); a soft ramp of the same depth is ordinary key light
            for (x, _, p) in out.enumerate_pixels_mut() {
                let k = if (x as f32) < nose[0] { 0.45 } else { 1.0 };
                for c in 0..3 {
                    p[c] = (p[c] as f32 * k) as u8;
                }
            }
            out
        }
        "glare_spot" => {
            let a = analysis(&img);
            let lm = a.landmarks.as_ref().unwrap();
            let (fh, nose) = (lm.xy(mesh::FOREHEAD), lm.xy(mesh::NOSE_TIP));
            let c = [fh[0], fh[1] + 0.35 * (nose[1] - fh[1])];
            // 0.6 of the eye distance across: about 4 % of the skin, clear of the 3 % limit
            // (a clipped cell counts only where the skin around it is lit less than half white,
            // which leaves out the disc's rim on the forehead's brightest skin)
            let r = 0.3 * (lm.left_eye()[0] - lm.right_eye()[0]);
            let mut out = img;
            for (x, y, p) in out.enumerate_pixels_mut() {
                let d = ((x as f32 - c[0]).powi(2) + (y as f32 - c[1]).powi(2)).sqrt();
                if d < r {
                    *p = Rgb([255, 255, 255]);
                }
            }
            out
        }
        "bright_matte" => {
            // the whole photo lit 1.6 times as brightly (linear light): a bright face without
            // shine (what would clip stops under 250)
            let mut out = img;
            for p in out.pixels_mut() {
                *p = Rgb(p
                    .0
                    .map(|v| to_srgb(idphoto::color::srgb_to_linear(v) * 1.6)));
            }
            out
        }
        "enlarged_3x" => {
            // a web photo: reduced to a quarter, then enlarged 3× (to a size the output takes
            // at about 1:1, so the output shows the enlargement)
            let (w, h) = img.dimensions();
            let small =
                image::imageops::resize(&img, w / 4, h / 4, image::imageops::FilterType::Triangle);
            let (sw, sh) = small.dimensions();
            image::imageops::resize(
                &small,
                sw * 3,
                sh * 3,
                image::imageops::FilterType::CatmullRom,
            )
        }
        "rotate_12" | "rotate_25" => imageproc::geometric_transformations::rotate_about_center(
            &img,
            if name == "rotate_12" { 12f32 } else { 25f32 }.to_radians(),
            imageproc::geometric_transformations::Interpolation::Bilinear,
            imageproc::geometric_transformations::Border::Constant(Rgb([128, 128, 128])),
        ),
        "grayscale" => image::DynamicImage::ImageRgb8(img).grayscale().to_rgb8(),
        "blur" => image::imageops::blur(&img, 6.0),
        "dark" => {
            let mut out = img;
            for p in out.pixels_mut() {
                for c in 0..3 {
                    p[c] = (p[c] as f32 * 0.3) as u8;
                }
            }
            out
        }
        "two_faces" => {
            let b = load_photo("grace_hopper.jpg").unwrap();
            let mut out = RgbImage::from_pixel(
                img.width() + b.width(),
                img.height().max(b.height()),
                Rgb([255, 255, 255]),
            );
            image::imageops::replace(&mut out, &img, 0, 0);
            image::imageops::replace(&mut out, &b, img.width() as i64, 0);
            out
        }
        "no_face" => RgbImage::from_fn(img.width(), img.height(), |x, y| {
            Rgb([(x / 4 % 256) as u8, (y / 4 % 256) as u8, 120])
        }),
        "tinted_glasses" => {
            let a = analysis(&img);
            let p = a.parsing.as_ref().unwrap();
            let mut out = img;
            for (x, y, px) in out.enumerate_pixels_mut() {
                if p.class_at(x as f32 + 0.5, y as f32 + 0.5)
                    == Some(idphoto::analysis::FaceClass::Eyeglasses)
                {
                    for c in 0..3 {
                        px[c] = (px[c] as f32 * 0.15) as u8;
                    }
                }
            }
            out
        }
        other => panic!("unknown edit {other}"),
    }
}

fn status_of(r: &Report, id: &str) -> Option<Status> {
    r.checks
        .iter()
        .find(|c| c.id.as_str() == id)
        .map(|c| c.status)
}

#[test]
fn fixture_cases() {
    let text = std::fs::read_to_string(common::fixture("cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    let checker = common::checker();
    let mut table = Vec::new();
    let mut problems = Vec::new();
    let (mut expected_total, mut expected_ok) = (0, 0);
    for case in &cases.case {
        let Some(img) = load_photo(&case.photo) else {
            table.push(format!(
                "SKIPPED {} ({}): photo not available",
                case.photo, case.why
            ));
            continue;
        };
        let img = match &case.edit {
            Some(e) => {
                let img = edit(e, img);
                // IDPHOTO_SAVE_EDITS=DIR keeps each edited photo, to look at or check by hand
                if let Some(dir) = std::env::var_os("IDPHOTO_SAVE_EDITS") {
                    let stem = case.photo.trim_end_matches(".jpg").trim_end_matches(".png");
                    let path = std::path::Path::new(&dir).join(format!("{stem}+{e}.png"));
                    img.save(&path).unwrap();
                }
                img
            }
            None => img,
        };
        let label = format!(
            "{}{} [{}]",
            case.photo,
            case.edit
                .as_ref()
                .map(|e| format!(" +{e}"))
                .unwrap_or_default(),
            case.spec
        );
        let r = checker.check(&img, &case.spec).unwrap();
        let failing: Vec<String> = r
            .checks
            .iter()
            .filter(|c| c.is_broken())
            .map(|c| {
                format!(
                    "{}{}",
                    c.id.as_str(),
                    if c.needs_retake() { "" } else { " (fixed)" }
                )
            })
            .collect();
        table.push(format!("{label}: verdict {:?} — {}", r.verdict, case.why));
        for (want, ids) in [
            (Status::Fail, &case.fail),
            (Status::Fixed, &case.fixed),
            (Status::Pass, &case.pass),
        ] {
            for id in ids {
                assert!(
                    CheckId::parse(id).is_some(),
                    "unknown check id {id} in cases.toml"
                );
                let got = status_of(&r, id);
                let ok = got == Some(want);
                expected_total += 1;
                expected_ok += ok as usize;
                table.push(format!(
                    "    {:<20} expected {:<5} got {:<15} {}",
                    id,
                    format!("{want:?}").to_lowercase(),
                    format!("{got:?}").to_lowercase(),
                    if ok { "ok" } else { "MISMATCH" }
                ));
                if !ok {
                    let value = r
                        .checks
                        .iter()
                        .find(|c| c.id.as_str() == id.as_str())
                        .and_then(|c| serde_json::to_string(&c.value).ok())
                        .unwrap_or_default();
                    problems.push(format!(
                        "{label}: {id} expected {want:?}, got {got:?} (value {value})"
                    ));
                }
            }
        }
        table.push(format!("    (all failing: {})", failing.join(", ")));
        if let Some(v) = &case.verdict {
            let want = if v == "pass" {
                Verdict::Pass
            } else {
                Verdict::Fail
            };
            if r.verdict != want {
                problems.push(format!(
                    "{label}: verdict {:?}, expected {want:?}",
                    r.verdict
                ));
            }
        }
    }
    eprintln!(
        "\n{}\n\n{expected_ok} of {expected_total} expectations met",
        table.join("\n")
    );
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
