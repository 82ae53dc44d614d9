//! Stages of the pipeline on a real photo: decode, analysis, checks, normalize + encode, and
//! the whole `process` call: `cargo bench --bench pipeline`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use idphoto::checks::{run_all, Subject};
use idphoto::image_io::{decode, encode, DecodeLimits};
use idphoto::{normalize, Checker};

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/photos/obama.jpg"
    );
    let bytes = std::fs::read(path).unwrap_or_default();
    let checker = match Checker::builder().build() {
        Ok(c) => c,
        Err(e) => panic!("checker: {e}"),
    };
    let limits = DecodeLimits::default();
    let img = match decode(&bytes, &limits) {
        Ok(d) => d.image,
        Err(e) => panic!("decode: {e}"),
    };
    let spec = match checker.specs().get("cn/id-card") {
        Ok(s) => s.clone(),
        Err(e) => panic!("{e}"),
    };
    let analysis = match checker.analyze(&img) {
        Ok(Some(a)) => a,
        other => panic!("analysis: {other:?}"),
    };
    let mut g = c.benchmark_group("pipeline_1mp");
    g.sample_size(10);
    g.bench_function("decode_jpeg", |b| {
        b.iter(|| decode(black_box(&bytes), &limits))
    });
    g.bench_function("analyze", |b| b.iter(|| checker.analyze(black_box(&img))));
    g.bench_function("checks", |b| {
        b.iter(|| {
            let s = Subject::new(&img, Some(&analysis), &spec);
            run_all(black_box(&s))
        })
    });
    let s = Subject::new(&img, Some(&analysis), &spec);
    if let Some(plan) = s.plan.clone() {
        g.bench_function("render_and_encode", |b| {
            b.iter(|| {
                let mut out = normalize::render(&img, &plan, [255, 255, 255]);
                let alpha = normalize::person_alpha(&analysis, &plan);
                normalize::replace_background(&mut out, &alpha, [255, 255, 255]);
                encode(black_box(&out), &spec.output)
            })
        });
    }
    g.bench_function("process_whole", |b| {
        b.iter(|| checker.process(black_box(&img), "cn/id-card"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
