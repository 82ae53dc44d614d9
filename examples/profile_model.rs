//! Runs one model N times on its parity input, for profilers:
//! `valgrind --tool=callgrind target/release/examples/profile_model parsing 1`
//! (models: detection, landmarks, segmentation, parsing).

use idphoto::models::Models;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "parsing".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parity/");
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
