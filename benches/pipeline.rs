//! The pipeline's stages and the whole of it: `cargo bench --bench pipeline`.
//!
//! - `pipeline_1mp`: decode, analysis (models + their pre/post-processing), the 24 checks,
//!   render + background + JPEG size search, the whole `process_bytes` call, and
//!   `all_but_inference` (the whole call minus the time inside tract, per call);
//! - `pipeline_megapixels`: the whole call on the same portrait at 0.5, 1, 4 and 12 MP;
//! - `batch_throughput`: 12 photos over 1 and 2 rayon threads (photos/s);
//! - `resize`: fast_image_resize against `image::imageops::resize`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fast_image_resize as fr;
use idphoto::checks::{run_all, Subject};
use idphoto::image_io::{decode, encode, encode_jpeg, DecodeLimits};
use idphoto::{matte, normalize, Checker, OutputPolicy};
use image::imageops::FilterType;
use image::RgbImage;
use rayon::prelude::*;

#[path = "../tests/common/mod.rs"]
mod common;

/// A fixture photo's bytes (`tests/fixtures/photos/NAME`).
fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(common::fixture(&format!("photos/{name}"))).unwrap()
}

fn checker() -> Checker {
    Checker::builder()
        .output(OutputPolicy::Always)
        .build()
        .unwrap()
}

/// The portrait scaled to about `mp` megapixels and encoded as a q90 JPEG.
fn scaled_jpeg(img: &RgbImage, mp: f64) -> Vec<u8> {
    let s = (mp * 1e6 / (img.width() as f64 * img.height() as f64)).sqrt();
    let (w, h) = (
        (img.width() as f64 * s).round() as u32,
        (img.height() as f64 * s).round() as u32,
    );
    let scaled = normalize::resize_exact(img, w, h);
    encode_jpeg(&scaled, 90, 72, false).unwrap()
}

fn stages(c: &mut Criterion) {
    let bytes = fixture("obama.jpg");
    let checker = checker();
    let limits = DecodeLimits::default();
    let img = decode(&bytes, &limits).unwrap().image;
    let spec = checker.specs().get("cn/id-card").unwrap().clone();
    let analysis = checker.analyze(&img).unwrap().unwrap();
    let mut g = c.benchmark_group("pipeline_1mp");
    g.sample_size(10);
    g.bench_function("decode_jpeg", |b| {
        b.iter(|| decode(black_box(&bytes), &limits).unwrap())
    });
    g.bench_function("analyze", |b| {
        b.iter(|| checker.analyze(black_box(&img)).unwrap())
    });
    g.bench_function("checks", |b| {
        b.iter(|| {
            let s = Subject::new(&img, Some(&analysis), &spec);
            run_all(black_box(&s))
        })
    });
    let s = Subject::new(&img, Some(&analysis), &spec);
    let plan = s.plan.clone().unwrap();
    g.bench_function("render_and_encode", |b| {
        b.iter(|| {
            let mut out = normalize::render(&img, &plan, [255, 255, 255]);
            let matte = matte::person_matte(&analysis, &plan);
            matte::replace_background_with_matte(
                &mut out,
                &matte,
                [255, 255, 255],
                plan.height as usize,
            );
            encode(black_box(&out), &spec.output).unwrap()
        })
    });
    g.bench_function("process_whole", |b| {
        b.iter(|| {
            checker
                .process_bytes(black_box(&bytes), "cn/id-card")
                .unwrap()
        })
    });
    // the whole call minus the time spent inside tract: decode, model pre/post-processing,
    // checks, render, encode — the part the library itself is responsible for
    g.bench_function("all_but_inference", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let o = checker
                    .process_bytes(black_box(&bytes), "cn/id-card")
                    .unwrap();
                total += o.timings.non_inference();
            }
            total
        })
    });
    g.finish();
}

fn megapixels(c: &mut Criterion) {
    let checker = checker();
    let img = decode(&fixture("obama.jpg"), &DecodeLimits::default())
        .unwrap()
        .image;
    let mut g = c.benchmark_group("pipeline_megapixels");
    g.sample_size(10);
    for mp in [0.5, 1.0, 4.0, 12.0] {
        let jpeg = scaled_jpeg(&img, mp);
        g.bench_with_input(BenchmarkId::new("process_bytes", mp), &jpeg, |b, j| {
            b.iter(|| checker.process_bytes(black_box(j), "cn/id-card").unwrap())
        });
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let checker = checker();
    // every fixture twice: 12 photos of unequal cost, as in a real folder
    let mut photos = common::photo_bytes();
    photos.extend(common::photo_bytes());
    let mut g = c.benchmark_group("batch_throughput");
    g.sample_size(10);
    g.throughput(Throughput::Elements(photos.len() as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_with_input(BenchmarkId::new("threads", threads), &threads, |b, _| {
            b.iter(|| {
                pool.install(|| {
                    photos
                        .par_iter()
                        .map(|p| {
                            checker
                                .process_bytes(p, "cn/id-card")
                                .unwrap()
                                .report
                                .checks
                                .len()
                        })
                        .sum::<usize>()
                })
            })
        });
    }
    g.finish();
}

fn resize(c: &mut Criterion) {
    let img = decode(&fixture("obama.jpg"), &DecodeLimits::default())
        .unwrap()
        .image;
    let big = decode(&scaled_jpeg(&img, 12.0), &DecodeLimits::default())
        .unwrap()
        .image;
    let mut g = c.benchmark_group("resize");
    g.sample_size(20);
    let cases = [
        ("12mp_to_1mp", &big, img.width(), img.height()),
        ("1mp_to_358x441", &img, 358, 441),
    ];
    for (name, src, w, h) in cases {
        for (fname, fir_f, img_f) in [
            ("lanczos3", fr::FilterType::Lanczos3, FilterType::Lanczos3),
            ("bilinear", fr::FilterType::Bilinear, FilterType::Triangle),
        ] {
            let opts = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fir_f));
            let mut resizer = fr::Resizer::new();
            g.bench_function(format!("{name}/{fname}/fast_image_resize"), |b| {
                b.iter(|| {
                    let mut dst = RgbImage::new(w, h);
                    resizer.resize(black_box(src), &mut dst, &opts).unwrap();
                    dst
                })
            });
            g.bench_function(format!("{name}/{fname}/image_imageops"), |b| {
                b.iter(|| image::imageops::resize(black_box(src), w, h, img_f))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, stages, megapixels, batch, resize);
criterion_main!(benches);
