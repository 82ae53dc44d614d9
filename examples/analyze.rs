//! Run the face models on photos and write an annotated overlay next to each (for reviewers
//! and for tuning): `cargo run --release --example analyze -- --spec ID --out-dir DIR PHOTO...`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use lexopt::ValueExt;

use idphoto::checks::Subject;
use idphoto::image_io::{decode_path, DecodeLimits};
use idphoto::{overlay, Checker};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut spec = "cn/id-card".to_string();
    let mut out_dir = PathBuf::from(".");
    let mut photos = Vec::new();
    let mut p = lexopt::Parser::from_env();
    while let Some(arg) = p.next()? {
        match arg {
            lexopt::Arg::Long("spec") => spec = p.value()?.string()?,
            lexopt::Arg::Long("out-dir") => out_dir = PathBuf::from(p.value()?),
            lexopt::Arg::Long("help") | lexopt::Arg::Short('h') => {
                println!("usage: analyze [--spec ID (default cn/id-card)] [--out-dir DIR (default .)] PHOTO...\n\nwrites DIR/NAME_overlay.png (face boxes, landmarks, parsing classes, output crop) per photo\nand prints the analysis time; exit status 0 done, 1 error");
                return Ok(());
            }
            lexopt::Arg::Value(v) => photos.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected().into()),
        }
    }
    let checker = Checker::builder().build()?;
    let spec = checker.specs().get(&spec)?.clone();
    std::fs::create_dir_all(&out_dir)?;
    for path in photos {
        let img = decode_path(&path, &DecodeLimits::default())?.image;
        let t = std::time::Instant::now();
        let a = checker.analyze(&img)?.ok_or("no models")?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let s = Subject::new(&img, Some(&a), &spec);
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dst = out_dir.join(format!("{name}_overlay.png"));
        overlay::draw(
            &img,
            &a,
            s.plan.as_ref(),
            overlay::OverlayOptions::default(),
        )
        .save(&dst)?;
        println!(
            "{}: {} faces, pose {:?}, {ms:.0} ms -> {}",
            path.display(),
            a.faces.len(),
            a.pose,
            dst.display()
        );
        for f in &a.faces {
            let b = f.bbox;
            println!(
                "   face score {:.3} box {:.0},{:.0} {:.0}×{:.0}",
                f.score, b.x, b.y, b.w, b.h
            );
        }
        if let Some(h) = &s.head {
            println!("   head: face_width {:.1} head_width {:.1} crown_up {:.1} ({:?}, cut {}) chin_down {:.1}", h.face_width, h.head_width, h.crown_up, h.crown_source, h.crown_cut, h.chin_down);
        }
    }
    Ok(())
}
