//! The models in `models/` run in tract on CPU: parity with onnxruntime reference outputs
//! (made by `models/scripts/parity_gen.py`), and sane analyses of every fixture photo. Tract
//! in every build (with the `onnxruntime` feature too; `tests/onnxruntime.rs` tests that one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use idphoto::analysis::{mesh, FaceClass};
use idphoto::models::{nhwc_input as nhwc, parsing_input, Models, Runtime};
use image::RgbImage;

fn models() -> &'static Models {
    static M: std::sync::OnceLock<Models> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        Models::builder()
            .runtime(Runtime::Tract)
            .build()
            .expect("models")
    })
}

use common::{parity_diff as compare, parity_input as input_png, parity_output as read_f32};

/// Tract must match onnxruntime to 1e-4 of the output's range (the shared conversion notes
/// measured at most 2e-4 absolute on logits of magnitude 350).
const REL_TOL: f32 = 1e-4;

fn assert_close(model: &str, got: &[f32], want: &[f32]) {
    let (d, m) = compare(got, want);
    eprintln!("PARITY {model}: max|diff| {d:.3e}, max|ref| {m:.3e}");
    assert!(
        d <= REL_TOL * m.max(1.0),
        "{model}: max|diff| {d} vs max|ref| {m}"
    );
}

#[test]
fn parity_face_detection() {
    let out = models()
        .raw_detector(nhwc(&input_png("face_detection"), 1.0 / 127.5, -1.0))
        .expect("run");
    assert_eq!(out[0].0, vec![1, 896, 16]);
    assert_close(
        "face_detection/regressors",
        &out[0].1,
        &read_f32("face_detection.out0.bin"),
    );
    assert_close(
        "face_detection/classificators",
        &out[1].1,
        &read_f32("face_detection.out1.bin"),
    );
}

#[test]
fn parity_face_landmarks() {
    let out = models()
        .raw_landmarks(nhwc(&input_png("face_landmarks"), 1.0 / 255.0, 0.0))
        .expect("run");
    assert_close(
        "face_landmarks/mesh",
        &out[0].1,
        &read_f32("face_landmarks.out0.bin"),
    );
    assert_close(
        "face_landmarks/presence",
        &out[1].1,
        &read_f32("face_landmarks.out1.bin"),
    );
}

#[test]
fn parity_person_segmentation() {
    let out = models()
        .raw_segmentation(nhwc(&input_png("person_segmentation"), 1.0 / 255.0, 0.0))
        .expect("run");
    let full = &out[0].1;
    let sub: Vec<f32> = (0..128)
        .flat_map(|y| (0..128).map(move |x| (y, x)))
        .map(|(y, x)| full[(y * 2) * 256 + x * 2])
        .collect();
    assert_close(
        "person_segmentation",
        &sub,
        &read_f32("person_segmentation.out0.bin"),
    );
}

#[test]
fn parity_hair_segmentation() {
    // RGB 0..1 and the previous-mask channel (0 for a still photo); the logits of both classes
    // on every second row and column
    let rgb = nhwc(&input_png("hair_segmentation"), 1.0 / 255.0, 0.0);
    let input: Vec<f32> = rgb
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 0.0])
        .collect();
    let out = models().raw_hair(input).expect("run");
    assert_eq!(out[0].0, vec![1, 256, 256, 2]);
    let full = &out[0].1;
    let sub: Vec<f32> = (0..128)
        .flat_map(|y| (0..128).flat_map(move |x| [(y, x, 0), (y, x, 1)]))
        .map(|(y, x, c)| full[((y * 2) * 256 + x * 2) * 2 + c])
        .collect();
    assert_close(
        "hair_segmentation",
        &sub,
        &read_f32("hair_segmentation.out0.bin"),
    );
}

#[test]
fn parity_face_parsing() {
    // the model as the library runs it: cut before its final Resize, 19 × 64 × 64 logits
    let x = parsing_input(&input_png("face_parsing"));
    let out = models().raw_parsing(x).expect("run");
    assert_eq!(out[0].0, vec![1, 19, 64, 64]);
    let logits = &out[0].1;
    assert_close("face_parsing", logits, &read_f32("face_parsing.out0.bin"));
    // the fused upsample + argmax gives onnxruntime's class map of the whole model (its
    // 512×512 logits' argmax) almost everywhere: only near-ties may flip
    let labels = image::open(common::fixture("parity/face_parsing.labels.png"))
        .expect("labels")
        .to_luma8();
    let ours = idphoto::models::parsing_labels(logits, 64);
    let agree = ours
        .iter()
        .zip(labels.as_raw())
        .filter(|(a, b)| a == b)
        .count();
    let share = agree as f64 / ours.len() as f64;
    eprintln!(
        "PARITY face_parsing labels: {agree} of {} equal",
        ours.len()
    );
    assert!(share > 0.9999, "argmax agreement {share}");
}

#[test]
fn every_fixture_photo_is_analysed_sanely() {
    for name in common::PHOTOS {
        let img = common::photo(name);
        let a = models().analyze(&img).expect(name);
        assert_eq!(a.faces.len(), 1, "{name}: faces {:?}", a.faces);
        let face = a.main().expect("main face");
        assert!(face.score > 0.7, "{name}: score {}", face.score);
        let lm = a.landmarks.as_ref().expect("landmarks");
        assert!(lm.presence > 0.9, "{name}");
        // eyes above the nose above the mouth above the chin
        let (re, le) = (lm.right_eye(), lm.left_eye());
        let nose = lm.xy(mesh::NOSE_TIP);
        let mouth = lm.mean_xy(&mesh::INNER_LIPS);
        let chin = lm.xy(mesh::CHIN);
        assert!(
            re[1].max(le[1]) < nose[1] && nose[1] < mouth[1] && mouth[1] < chin[1],
            "{name}"
        );
        assert!(
            re[0] < le[0],
            "{name}: the person's right eye is on the image's left"
        );
        // landmarks inside the (slightly grown) face box
        let b = face.bbox;
        let grown = idphoto::analysis::BBox {
            x: b.x - 0.25 * b.w,
            y: b.y - 0.35 * b.h,
            w: 1.5 * b.w,
            h: 1.6 * b.h,
        };
        let inside = lm
            .points
            .iter()
            .filter(|p| grown.contains([p[0], p[1]]))
            .count();
        assert!(
            inside as f32 >= 0.98 * lm.points.len() as f32,
            "{name}: {inside} of {} in the box",
            lm.points.len()
        );
        // parsing: hair (or a hat) above the forehead, skin on both cheeks
        let p = a.parsing.as_ref().expect("parsing");
        let fh = lm.xy(mesh::FOREHEAD);
        let eye_dist = le[0] - re[0];
        let above = p.class_at(fh[0], fh[1] - 0.35 * eye_dist);
        assert!(
            matches!(
                above,
                Some(FaceClass::Hair | FaceClass::Hat | FaceClass::Skin)
            ),
            "{name}: above forehead {above:?}"
        );
        let hair_or_hat_top = (1..40).any(|k| {
            matches!(
                p.class_at(fh[0], fh[1] - k as f32 * 0.05 * eye_dist),
                Some(FaceClass::Hair | FaceClass::Hat)
            )
        });
        assert!(hair_or_hat_top, "{name}: no hair or hat above the forehead");
        for cheek in [lm.xy(mesh::CHEEKS[0]), lm.xy(mesh::CHEEKS[1])] {
            let towards_nose = [
                cheek[0] + 0.25 * (nose[0] - cheek[0]),
                cheek[1] + 0.25 * (nose[1] - cheek[1]),
            ];
            let k = p.class_at(towards_nose[0], towards_nose[1]);
            if name != "obama_partial_face.jpg" || towards_nose[0] > 0.0 {
                assert_eq!(
                    k,
                    Some(FaceClass::Skin),
                    "{name}: cheek at {towards_nose:?}"
                );
            }
        }
        // person mask covers the face and not the top corners
        let m = a.person.as_ref().expect("person");
        assert!(
            m.prob_at(nose[0], nose[1]) > 0.8,
            "{name}: nose not in the person mask"
        );
        let w = img.width() as f32;
        // (the partial face is cut by the left edge, so only its right corner is backdrop)
        let corners: &[[f32; 2]] = if name == "obama_partial_face.jpg" {
            &[[w - 3.0, 2.0]]
        } else {
            &[[2.0, 2.0], [w - 3.0, 2.0]]
        };
        for c in corners {
            assert!(
                m.prob_at(c[0], c[1]) < 0.2,
                "{name}: corner {c:?} in the person mask"
            );
        }
        let pose = a.pose.expect("pose");
        assert!(
            pose.yaw.abs() < 25.0 && pose.pitch.abs() < 20.0 && pose.roll.abs() < 20.0,
            "{name}: {pose:?}"
        );
    }
}

/// The parsing model calls part of the flag behind Grace Hopper's cap "hat"; the pipeline reads
/// a hat only where the person mask holds (see `ParsingMap::clear_hat_off_person`).
#[test]
fn a_hat_is_read_only_on_the_person() {
    let img = common::photo("grace_hopper.jpg");
    let a = models().analyze(&img).unwrap();
    let (p, m) = (a.parsing.as_ref().unwrap(), a.person.as_ref().unwrap());
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (mut on, mut off) = (0usize, 0usize);
    for v in 0..p.size {
        for u in 0..p.size {
            let [x, y] = p.cell_center(u, v);
            if x < 0.0 || y < 0.0 || x >= w || y >= h {
                continue;
            }
            if p.class_at(x, y) == Some(FaceClass::Hat) {
                if m.prob_at(x, y) < idphoto::analysis::BACKDROP_MAX_PERSON {
                    off += 1;
                } else {
                    on += 1;
                }
            }
        }
    }
    assert_eq!(off, 0, "hat cells off the person ({on} on it)");
    // the cap itself stays a hat
    assert!(on > 5_000, "{on} hat cells on the person");
}

#[test]
fn turned_head_reads_as_yaw() {
    let a = models()
        .analyze(&common::photo("obama2.jpg"))
        .expect("obama2");
    let yaw = a.pose.expect("pose").yaw;
    assert!(yaw.abs() > 8.0, "obama2 is turned, yaw {yaw}");
    let a = models()
        .analyze(&common::photo("obama.jpg"))
        .expect("obama");
    let p = a.pose.expect("pose");
    assert!(
        p.yaw.abs() < 5.0 && p.roll.abs() < 5.0,
        "the official portrait is frontal: {p:?}"
    );
}

fn paste(canvas: &mut RgbImage, img: &RgbImage, x0: u32, y0: u32) {
    for (x, y, p) in img.enumerate_pixels() {
        if x0 + x < canvas.width() && y0 + y < canvas.height() {
            canvas.put_pixel(x0 + x, y0 + y, *p);
        }
    }
}

#[test]
fn a_small_face_in_a_large_photo_is_found() {
    // Obama's portrait at 364×455 (a face about 90 px wide, 3 % of the long side) in a 12-MP
    // frame: far too small for the detector's 128-px full view.
    let face = image::imageops::resize(
        &common::photo("obama.jpg"),
        364,
        455,
        image::imageops::FilterType::Triangle,
    );
    let mut canvas = RgbImage::from_pixel(4000, 3000, image::Rgb([200, 205, 210]));
    paste(&mut canvas, &face, 2900, 2100);
    let a = models().analyze(&canvas).expect("analyze");
    assert_eq!(a.faces.len(), 1, "{:?}", a.faces);
    let c = a.main().expect("main").bbox.center();
    assert!(
        (2900.0..3264.0).contains(&c[0]) && (2100.0..2555.0).contains(&c[1]),
        "{c:?}"
    );
}

/// grace_hopper.jpg (a face a third of its long side) with obama.jpg reduced to `share` of
/// the long side pasted in the corner away from her face: a subject's large face and a second
/// person's smaller one.
fn large_face_and_another(share: f32) -> RgbImage {
    let main = common::photo("grace_hopper.jpg");
    let other = common::photo("obama.jpg");
    let long = main.width().max(main.height()) as f32;
    let side = (share * long) as u32;
    let h = side * other.height() / other.width().max(1);
    let small = image::imageops::resize(&other, side, h, image::imageops::FilterType::Triangle);
    let mut canvas = main.clone();
    paste(
        &mut canvas,
        &small,
        main.width() - side - 4,
        main.height() - h - 4,
    );
    canvas
}

#[test]
fn a_second_person_beside_a_large_face_is_counted() {
    // his face about 0.09 of the long side at a portrait of 0.35 (too small for the full
    // view; found by the level-1 tiles away from her face, which a speed path once skipped
    // for a large face) and 0.07 at 0.28
    for share in [0.35f32, 0.28] {
        let a = models()
            .analyze(&large_face_and_another(share))
            .expect("analyze");
        let confident = a.faces_above(0.5);
        assert_eq!(
            confident, 2,
            "portrait at {share} of the side: {:?}",
            a.faces
        );
    }
}

#[test]
fn every_tile_runs_whatever_the_main_face_size() {
    // grace_hopper.jpg: 512 × 600, a face 0.33 of the long side; the full view, 9 tiles of
    // 300 px (3 × 3 at a 150-px stride), then mesh, turned view, parsing, segmentation and the
    // hair model: no tile is skipped for a large face
    let o = common::checker()
        .process(&common::photo("grace_hopper.jpg"), "cn/id-card")
        .expect("process");
    assert_eq!(o.timings.model_runs, 1 + 9 + 5);
}

#[test]
fn two_faces_are_both_reported() {
    let a = common::photo("obama.jpg");
    let b = common::photo("grace_hopper.jpg");
    let mut canvas = RgbImage::from_pixel(
        a.width() + b.width(),
        a.height(),
        image::Rgb([255, 255, 255]),
    );
    paste(&mut canvas, &a, 0, 0);
    paste(&mut canvas, &b, a.width(), 100);
    let r = models().analyze(&canvas).expect("analyze");
    assert_eq!(r.faces.len(), 2, "{:?}", r.faces);
}

#[test]
fn a_photo_without_a_face_has_no_face() {
    let img = RgbImage::from_fn(400, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let a = models().analyze(&img).expect("analyze");
    assert!(a.faces.is_empty() && a.landmarks.is_none() && a.parsing.is_none());
    assert!(a.person.is_some());
}

#[test]
fn parsing_model_is_replaceable_and_optional() {
    let dir = idphoto::models::default_dir();
    let bytes = std::fs::read(dir.join(idphoto::models::PARSING_FILE)).expect("parsing file");
    let custom = Models::builder()
        .parsing_bytes(bytes)
        .without_segmentation()
        .build()
        .expect("custom");
    assert!(custom.has_parsing() && !custom.has_segmentation());
    let none = Models::builder()
        .without_parsing()
        .build()
        .expect("without parsing");
    let a = none.analyze(&common::photo("obama.jpg")).expect("analyze");
    assert!(a.parsing.is_none() && a.landmarks.is_some());
    let broken = Models::builder()
        .parsing_bytes(b"not onnx".to_vec())
        .build();
    assert!(matches!(broken, Err(idphoto::Error::Model { .. })));
    let missing = Models::load_dir("/nonexistent/models");
    match missing {
        Err(e @ idphoto::Error::ModelsNotFound { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("/nonexistent/models"), "{msg}");
            assert!(
                msg.contains("IDPHOTO_MODELS"),
                "the error says what to do: {msg}"
            );
        }
        other => panic!("expected ModelsNotFound, got {other:?}"),
    }
}

#[test]
fn every_model_can_be_given_as_bytes() {
    use idphoto::models::{
        DETECTOR_FILE, HAIR_FILE, LANDMARKS_FILE, PARSING_FILE, SEGMENTATION_FILE,
    };
    let dir = idphoto::models::default_dir();
    let read = |f: &str| std::fs::read(dir.join(f)).expect("model file");
    // every model from memory: no folder is read (the one named here does not exist)
    let m = Models::builder()
        .dir("/nonexistent/models")
        .detector_bytes(read(DETECTOR_FILE))
        .landmarks_bytes(read(LANDMARKS_FILE))
        .parsing_bytes(read(PARSING_FILE))
        .segmentation_bytes(read(SEGMENTATION_FILE))
        .hair_bytes(read(HAIR_FILE))
        .build()
        .expect("models from bytes");
    assert!(m.has_parsing() && m.has_segmentation());
    let a = m.analyze(&common::photo("obama.jpg")).expect("analyze");
    assert_eq!(a.faces.len(), 1);
    assert!(a.landmarks.is_some() && a.parsing.is_some() && a.person.is_some());
    assert!(a.hair.is_some());
}

#[test]
fn an_ear_cut_off_by_the_frame_is_not_called_covered() {
    let checker = common::checker();
    let img = common::photo("obama.jpg");
    let a = checker.analyze(&img).unwrap().unwrap();
    let spec = checker.specs().get("cn/id-card").unwrap();
    let s = idphoto::checks::Subject::new(&img, Some(&a), spec);
    let head = s.head.as_ref().unwrap();
    let [right, _] = idphoto::zones::ears(head, a.landmarks.as_ref().unwrap());
    let (x0, x1) = right.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p[0]), hi.max(p[0]))
    });
    // the uncut photo: both ears show
    let full = checker.check(&img, "cn/id-card").unwrap();
    assert_eq!(
        full.check(idphoto::CheckId::EarsVisible).unwrap().status,
        idphoto::Status::Pass
    );
    // cut the photo's left edge through the image-left ear zone: 70 % of it is gone
    let cut = (x0 + 0.7 * (x1 - x0)).round() as u32;
    let cropped =
        image::imageops::crop_imm(&img, cut, 0, img.width() - cut, img.height()).to_image();
    let r = checker.check(&cropped, "cn/id-card").unwrap();
    let ears = r.check(idphoto::CheckId::EarsVisible).unwrap();
    assert_eq!(ears.status, idphoto::Status::Fail, "{ears:?}");
    assert_eq!(
        ears.reason.as_ref().map(|r| r.code),
        Some(idphoto::ReasonCode::EarOutsidePhoto),
        "the frame hides the ear, not hair: {ears:?}"
    );
}

#[test]
fn overlay_labels_of_a_photo_failing_several_checks_never_overlap() {
    // Biden against the ID card breaks five rules (pose, size, position, two backdrop rules)
    let checker = common::checker();
    let img = common::photo("biden.jpg");
    let out = checker.process(&img, "cn/id-card").unwrap();
    let a = out.analysis.as_ref().unwrap();
    let (w, h) = img.dimensions();
    let labels = idphoto::overlay::report_labels(&out.report, a, w, h);
    let broken = out.report.failures().count();
    assert!(broken >= 4, "{broken} broken checks");
    assert_eq!(labels.len(), broken, "one label per broken check");
    for (i, l) in labels.iter().enumerate() {
        assert!(l.x >= 0 && l.y >= 0, "{l:?}");
        assert!(
            l.x as u32 + l.width <= w && l.y as u32 + l.height <= h,
            "{l:?} inside {w}x{h}"
        );
        for m in &labels[i + 1..] {
            let apart = l.x + l.width as i32 <= m.x
                || m.x + m.width as i32 <= l.x
                || l.y + l.height as i32 <= m.y
                || m.y + m.height as i32 <= l.y;
            assert!(apart, "{l:?} overlaps {m:?}");
        }
        // Chinese first, then English; red for a retake
        assert!(!l.text.is_ascii(), "{}", l.text);
    }
    assert!(labels.iter().any(|l| l.retake) && labels.iter().any(|l| !l.retake));
}
