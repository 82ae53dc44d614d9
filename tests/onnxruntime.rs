//! The `onnxruntime` feature (issue 15): the models run by ONNX Runtime (its library found
//! through `ORT_DYLIB_PATH`, see the README) give the reference outputs, and the int8 parsing
//! model the same verdict and check statuses as tract on every fixture photo.
//! `cargo test --release --features onnxruntime --test onnxruntime`
#![cfg(feature = "onnxruntime")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use idphoto::checker::OutputPolicy;
use idphoto::models::{nhwc_input, parsing_input, Models, Runtime};
use idphoto::Checker;

fn load(rt: Runtime) -> Models {
    Models::builder()
        .runtime(rt)
        .build()
        .unwrap_or_else(|e| panic!("{rt:?}: {e}"))
}

use common::{parity_diff as max_diff, parity_input as input_png, parity_output as read_f32};

#[test]
fn the_runtime_is_onnxruntime_by_default_and_loads() {
    assert_eq!(Runtime::build_default(), Runtime::OnnxRuntime);
    assert!(
        idphoto::models::onnxruntime_available(),
        "set ORT_DYLIB_PATH (tried {})",
        idphoto::models::onnxruntime_dylib().display()
    );
    let m = load(Runtime::OnnxRuntime);
    assert_eq!(m.runtime(), Runtime::OnnxRuntime);
    assert!(m.has_parsing() && m.has_segmentation());
}

#[test]
fn float_models_match_the_references() {
    let m = load(Runtime::OnnxRuntime);
    let det = m
        .raw_detector(nhwc_input(&input_png("face_detection"), 1.0 / 127.5, -1.0))
        .unwrap();
    let (d, r) = max_diff(&det[0].1, &read_f32("face_detection.out0.bin"));
    assert!(d <= 1e-4 * r.max(1.0), "detector {d} of {r}");
    let mesh = m
        .raw_landmarks(nhwc_input(&input_png("face_landmarks"), 1.0 / 255.0, 0.0))
        .unwrap();
    let (d, r) = max_diff(&mesh[0].1, &read_f32("face_landmarks.out0.bin"));
    assert!(d <= 1e-4 * r.max(1.0), "landmarks {d} of {r}");
}

#[test]
fn int8_parsing_keeps_the_class_map() {
    let m = load(Runtime::OnnxRuntime);
    let out = m
        .raw_parsing(parsing_input(&input_png("face_parsing")))
        .unwrap();
    assert_eq!(out[0].0, vec![1, 19, 64, 64], "cut before the final Resize");
    let ours = idphoto::models::parsing_labels(&out[0].1, 64);
    let want = image::open(common::fixture("parity/face_parsing.labels.png"))
        .unwrap()
        .to_luma8();
    let agree = ours
        .iter()
        .zip(want.as_raw())
        .filter(|(a, b)| a == b)
        .count();
    let share = agree as f64 / ours.len() as f64;
    eprintln!(
        "int8 parsing: {agree} of {} labels as the float model",
        ours.len()
    );
    // measured 0.996 on the parity crop; every layer int8 (earrings lost) gave 0.983
    assert!(share > 0.99, "class-map agreement {share}");
}

#[test]
fn same_verdicts_as_tract_on_every_fixture_photo() {
    let checker = |rt: Runtime| {
        Checker::builder()
            .models(Arc::new(load(rt)))
            .output(OutputPolicy::Always)
            .build()
            .unwrap()
    };
    let (tract, ort) = (checker(Runtime::Tract), checker(Runtime::OnnxRuntime));
    let mut photos: Vec<(String, Vec<u8>)> = common::PHOTOS
        .iter()
        .zip(common::photo_bytes())
        .map(|(n, b)| (n.to_string(), b))
        .collect();
    for p in [
        "hivision-test1.jpg",
        "hivision-test2.jpg",
        "hivision-test3.jpg",
        "hivision-test4.jpg",
    ] {
        if let Some(path) = common::shared_photo(p) {
            photos.push((p.to_string(), std::fs::read(path).unwrap()));
        }
    }
    // Same verdict on every photo and spec. The int8 parsing model moves values by a few
    // hundredths, and ONNX Runtime's int8 kernels differ by CPU (VNNI or not), so a value at
    // its limit may land on the other side: on the AVX2 host of stops 22–26 every status
    // agreed; on the AVX-512 VNNI host of stop 27 two of 520 (hivision-test3.jpg's eyebrow
    // cover for both specs: 0.179 with tract, 0.203 with int8, limit 0.20). At most one status
    // in a hundred may differ, each printed with both values.
    let (mut compared, mut differing) = (0usize, Vec::new());
    for spec in ["cn/id-card", "icao/passport"] {
        for (name, bytes) in &photos {
            let a = tract.process_bytes(bytes, spec).unwrap().report;
            let b = ort.process_bytes(bytes, spec).unwrap().report;
            assert_eq!(a.verdict, b.verdict, "{name} {spec}");
            let ids = |r: &idphoto::Report| r.checks.iter().map(|c| c.id).collect::<Vec<_>>();
            assert_eq!(ids(&a), ids(&b), "{name} {spec}");
            for (x, y) in a.checks.iter().zip(&b.checks) {
                compared += 1;
                if x.status != y.status {
                    differing.push(format!(
                        "{name} {spec} {}: tract {:?} {:?}, onnxruntime {:?} {:?}",
                        x.id, x.status, x.value, y.status, y.value
                    ));
                }
            }
        }
    }
    for d in &differing {
        eprintln!("status differs: {d}");
    }
    assert!(compared >= 500, "{compared} statuses compared");
    assert!(
        differing.len() * 100 <= compared,
        "{} of {compared} statuses differ",
        differing.len()
    );
}
