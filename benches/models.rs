//! Per-model load time and inference on one thread, all five models loaded together, and tract
//! with the input shape fixed at load (what the library does) against a symbolic batch
//! dimension resolved at run time: `cargo bench --bench models`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use idphoto::models::{self, nhwc_input as nhwc, parsing_input as nchw, BenchModel, Models};

fn input(name: &str) -> image::RgbImage {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parity/").to_string()
        + name
        + ".input.png";
    match image::open(&p) {
        Ok(i) => i.to_rgb8(),
        Err(e) => panic!("{p}: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let dir = models::default_dir();
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    for file in [
        models::DETECTOR_FILE,
        models::LANDMARKS_FILE,
        models::SEGMENTATION_FILE,
        models::HAIR_FILE,
        models::PARSING_FILE,
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        g.bench_function(file, |b| {
            b.iter(|| models::load_timing(file, black_box(&bytes)).unwrap())
        });
    }
    g.finish();

    let m = match Models::load_dir(&dir) {
        Ok(m) => m,
        Err(e) => panic!("models: {e}"),
    };
    let det = nhwc(&input("face_detection"), 1.0 / 127.5, -1.0);
    let mesh = nhwc(&input("face_landmarks"), 1.0 / 255.0, 0.0);
    let seg = nhwc(&input("person_segmentation"), 1.0 / 255.0, 0.0);
    let parse = nchw(&input("face_parsing"));
    let mut g = c.benchmark_group("inference");
    g.sample_size(10);
    g.bench_function("face_detection_128", |b| {
        b.iter(|| m.raw_detector(black_box(det.clone())).unwrap())
    });
    g.bench_function("face_landmarks_256", |b| {
        b.iter(|| m.raw_landmarks(black_box(mesh.clone())).unwrap())
    });
    g.bench_function("person_segmentation_256", |b| {
        b.iter(|| m.raw_segmentation(black_box(seg.clone())).unwrap())
    });
    g.bench_function("face_parsing_512", |b| {
        b.iter(|| m.raw_parsing(black_box(parse.clone())).unwrap())
    });
    // the segmentation's input with a zero fourth channel (the previous-mask channel)
    let hair: Vec<f32> = seg
        .chunks_exact(3)
        .flat_map(|p| [p[0], p[1], p[2], 0.0])
        .collect();
    g.bench_function("hair_segmentation_256", |b| {
        b.iter(|| m.raw_hair(black_box(hair.clone())).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("load_all");
    g.sample_size(10);
    g.bench_function("models_load_dir", |b| {
        b.iter(|| Models::load_dir(black_box(&dir)).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("tract_shapes");
    g.sample_size(10);
    for (file, x) in [
        (models::DETECTOR_FILE, &det),
        (models::LANDMARKS_FILE, &mesh),
        (models::SEGMENTATION_FILE, &seg),
        (models::PARSING_FILE, &parse),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        for (variant, symbolic) in [("fixed", false), ("symbolic_batch", true)] {
            let model = match BenchModel::load(file, &bytes, symbolic) {
                Ok(m) => m,
                Err(e) if symbolic => {
                    // FaceMesh reshapes to a literal batch of 1: tract cannot plan it for N
                    println!("tract_shapes/{file}/{variant}: cannot load: {e}");
                    continue;
                }
                Err(e) => panic!("{file} {variant}: {e}"),
            };
            // a variant that loads but cannot run is reported, not timed (an early error
            // would look fast)
            if let Err(e) = model.run(x.clone()) {
                println!("tract_shapes/{file}/{variant}: cannot run: {e}");
                continue;
            }
            g.bench_function(format!("{file}/{variant}"), |b| {
                b.iter(|| model.run(black_box(x.clone())).unwrap())
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
