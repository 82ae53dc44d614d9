//! Photos stored sideways or upside down without an EXIF orientation: every fixture photo
//! turned by 90°, 180° and 270° gets the verdicts of the upright photo, plus the rotation
//! reason (fixed in the output).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use idphoto::{CheckId, Checker, ReasonCode, Status};
use image::imageops;
use rayon::prelude::*;

#[test]
fn rotated_photos_get_the_upright_verdicts_and_the_rotation_reason() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos");
    let checker = Checker::builder().build().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    let failures: Vec<String> = names
        .par_iter()
        .flat_map(|name| {
            let img = image::open(dir.join(name)).unwrap().to_rgb8();
            let upright = checker.check(&img, "cn/id-card").unwrap();
            let o = upright.check(CheckId::Orientation).unwrap();
            let mut bad = Vec::new();
            if o.status != Status::Pass {
                bad.push(format!("{name} upright: orientation {:?}", o.status));
            }
            for (deg, turned) in [
                (90, imageops::rotate90(&img)),
                (180, imageops::rotate180(&img)),
                (270, imageops::rotate270(&img)),
            ] {
                let r = checker.check(&turned, "cn/id-card").unwrap();
                let o = r.check(CheckId::Orientation).unwrap();
                if (o.status, o.reason.as_ref().map(|r| r.code))
                    != (Status::Fixed, Some(ReasonCode::PhotoRotated))
                {
                    bad.push(format!("{name} {deg}°: orientation {:?}", o.status));
                }
                for c in &upright.checks {
                    if c.id == CheckId::Orientation {
                        continue;
                    }
                    let t = r.check(c.id).map(|t| t.status);
                    if t != Some(c.status) {
                        bad.push(format!(
                            "{name} {deg}°: {} {:?} upright, {t:?} turned",
                            c.id, c.status
                        ));
                    }
                }
            }
            bad
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
