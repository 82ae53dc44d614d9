//! Runs one model N times on its parity input, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_model parsing 1`
//! (models: detection, landmarks, segmentation, parsing), or the whole pipeline
//! (`profile_model pipeline N [PHOTO] [SPEC]`, printing each call's stage timings).

use idphoto::models::Models;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "parsing".into());
    if which == "--help" || which == "-h" {
        println!("usage: profile_model [detection|landmarks|segmentation|parsing|pipeline|checks|output] [N (default 5)] [PHOTO] [SPEC]\n       profile_model crops OUT_DIR PHOTO...   (the parsing model's input crop of each photo, as PNG)\n\nruns one model or stage N times for a profiler and prints the time per run;\nAFTER_PARSING=1 runs the parsing model before each `checks`/`output` round (as in the pipeline);\nEACH=1 prints the parts: for `checks` the subject, the shared statistics and each check;\nfor `output` render, matte, background and encode");
        return Ok(());
    }
    if which == "crops" {
        // the parsing model's input crop of each photo, as PNG: calibration data for
        // models/scripts/bisenet_int8.py
        let out = std::path::PathBuf::from(args.next().ok_or("crops OUT_DIR PHOTO...")?);
        std::fs::create_dir_all(&out)?;
        let m = Models::builder().build()?;
        for photo in args {
            let img = idphoto::image_io::decode_path(&photo, &Default::default())?.image;
            let name = std::path::Path::new(&photo)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            match m.parsing_crop(&img)? {
                Some(crop) => crop.save(out.join(format!("{name}.png")))?,
                None => eprintln!("{photo}: no face"),
            }
        }
        return Ok(());
    }
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parity/");
    if which == "checks" || which == "output" {
        // the checks (or render + background + encode) alone, N times on one analysed photo
        let photo = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/photos/obama.jpg"
        );
        let checker = idphoto::Checker::builder().build()?;
        let img = idphoto::image_io::decode_path(photo, checker.limits())?.image;
        let spec = checker.specs().get("cn/id-card")?.clone();
        let a = checker.analyze(&img)?.ok_or("no analysis")?;
        let after_parsing = std::env::var_os("AFTER_PARSING").is_some();
        let m = idphoto::models::Models::builder().build()?;
        let x = idphoto::models::parsing_input(&image::RgbImage::new(512, 512));
        let mut total = std::time::Duration::ZERO;
        for _ in 0..n {
            if after_parsing {
                std::hint::black_box(m.raw_parsing(x.clone())?);
            }
            if std::env::var_os("EACH").is_some() && which == "checks" {
                // where the checks stage goes: the subject (head + plan), the shared statistics,
                // then each check on its own
                let t = std::time::Instant::now();
                let s = idphoto::checks::Subject::new(&img, Some(&a), &spec);
                let mut parts = vec![("subject".to_string(), t.elapsed())];
                let t = std::time::Instant::now();
                std::hint::black_box(s.face_stats());
                parts.push(("face_stats".into(), t.elapsed()));
                let t = std::time::Instant::now();
                std::hint::black_box(s.background_stats());
                parts.push(("background_stats".into(), t.elapsed()));
                for id in spec.checks.enabled() {
                    let t = std::time::Instant::now();
                    std::hint::black_box(idphoto::checks::run_one(&s, id));
                    parts.push((id.to_string(), t.elapsed()));
                }
                let line: Vec<String> = parts
                    .iter()
                    .filter(|(_, d)| d.as_secs_f64() >= 2e-4)
                    .map(|(k, d)| format!("{k} {:.1}", d.as_secs_f64() * 1e3))
                    .collect();
                println!("{}", line.join(", "));
                continue;
            }
            if std::env::var_os("EACH").is_some() && which == "output" {
                // where the output stage goes: render, matte, background, encode
                let s = idphoto::checks::Subject::new(&img, Some(&a), &spec);
                let plan = s.plan.as_ref().ok_or("no plan")?;
                let pyr = std::time::Instant::now();
                let mut out = idphoto::normalize::render(&img, plan, [255, 255, 255]);
                let t_render = pyr.elapsed();
                let t = std::time::Instant::now();
                let matte = idphoto::matte::person_matte(&a, plan);
                let t_matte = t.elapsed();
                let t = std::time::Instant::now();
                idphoto::matte::replace_background_with_matte(
                    &mut out,
                    &matte,
                    [255, 255, 255],
                    plan.height as usize,
                );
                let t_bg = t.elapsed();
                let t = std::time::Instant::now();
                let enc = idphoto::image_io::encode(&out, &spec.output)?;
                let t_enc = t.elapsed();
                let t = std::time::Instant::now();
                std::hint::black_box(idphoto::image_io::encode_jpeg(&out, 70, 350, false)?);
                let t_one = t.elapsed();
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
                println!(
                    "render (with the pyramid) {:.1}, person_matte {:.1}, replace_background {:.1}, encode {:.1} (quality {:?}; one encode {:.1})",
                    ms(t_render),
                    ms(t_matte),
                    ms(t_bg),
                    ms(t_enc),
                    enc.jpeg_quality,
                    ms(t_one)
                );
                continue;
            }
            let t = std::time::Instant::now();
            let s = idphoto::checks::Subject::new(&img, Some(&a), &spec);
            if which == "checks" {
                std::hint::black_box(idphoto::checks::run_all(&s));
            } else if let Some(plan) = &s.plan {
                let mut out = idphoto::normalize::render(&img, plan, [255, 255, 255]);
                let matte = idphoto::matte::person_matte(&a, plan);
                idphoto::matte::replace_background_with_matte(
                    &mut out,
                    &matte,
                    [255, 255, 255],
                    plan.height as usize,
                );
                std::hint::black_box(idphoto::image_io::encode(&out, &spec.output)?);
            }
            total += t.elapsed();
        }
        println!(
            "{which}: {:.1} ms each",
            total.as_secs_f64() * 1e3 / n as f64
        );
        return Ok(());
    }
    if which == "pipeline" {
        let photo = args.next().unwrap_or_else(|| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/photos/obama.jpg"
            )
            .into()
        });
        let spec = args.next().unwrap_or_else(|| "cn/id-card".into());
        let checker = idphoto::Checker::builder()
            .output(idphoto::OutputPolicy::Always)
            .build()?;
        let bytes = std::fs::read(&photo)?;
        for _ in 0..n {
            println!("{}", checker.process_bytes(&bytes, &spec)?.timings);
        }
        return Ok(());
    }
    let m = Models::builder().build()?;
    let (name, nchw) = match which.as_str() {
        "detection" => ("face_detection", false),
        "landmarks" => ("face_landmarks", false),
        "segmentation" => ("person_segmentation", false),
        _ => ("face_parsing", true),
    };
    let img = image::open(format!("{dir}{name}.input.png"))?.to_rgb8();
    let x = if nchw {
        idphoto::models::parsing_input(&img)
    } else {
        let (s, o) = if name == "face_detection" {
            (1.0 / 127.5, -1.0)
        } else {
            (1.0 / 255.0, 0.0)
        };
        idphoto::models::nhwc_input(&img, s, o)
    };
    for _ in 0..n {
        let t = std::time::Instant::now();
        let out = match name {
            "face_detection" => m.raw_detector(x.clone())?,
            "face_landmarks" => m.raw_landmarks(x.clone())?,
            "person_segmentation" => m.raw_segmentation(x.clone())?,
            _ => m.raw_parsing(x.clone())?,
        };
        println!(
            "{name}: {:.1} ms ({} outputs)",
            t.elapsed().as_secs_f64() * 1000.0,
            out.len()
        );
    }
    Ok(())
}
