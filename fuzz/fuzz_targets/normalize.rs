//! Random face geometry in random image sizes → measure the head, plan the crop for a builtin
//! spec, render it: the plan must always have the spec's size and rendering must not panic.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use idphoto::analysis::{mesh, Analysis, BBox, FaceDetection, FaceLandmarks};
use idphoto::normalize::{plan, render, HeadGeometry};
use idphoto::SpecRegistry;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    w: u16,
    h: u16,
    cx: f32,
    cy: f32,
    fw: f32,
    roll: f32,
    chin: f32,
    spec: u8,
}

fn specs() -> &'static SpecRegistry {
    static R: OnceLock<SpecRegistry> = OnceLock::new();
    R.get_or_init(|| match SpecRegistry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    })
}

fuzz_target!(|i: Input| {
    let (w, h) = ((i.w % 3000).max(1) as u32, (i.h % 3000).max(1) as u32);
    let ids: Vec<&str> = specs().ids().collect();
    let Some(spec) = ids
        .get(i.spec as usize % ids.len())
        .and_then(|id| specs().get(id).ok())
    else {
        return;
    };
    let (s, c) = i.roll.sin_cos();
    let at = |u: f32, v: f32| [i.cx + u * c - v * s, i.cy + u * s + v * c, 0.0];
    let mut pts = vec![at(0.0, 0.0); idphoto::analysis::LANDMARK_COUNT];
    for &k in &mesh::RIGHT_EYE_CONTOUR {
        pts[k] = at(-0.22 * i.fw, -0.1 * i.fw);
    }
    for &k in &mesh::LEFT_EYE_CONTOUR {
        pts[k] = at(0.22 * i.fw, -0.1 * i.fw);
    }
    pts[mesh::CHEEKS[0]] = at(-0.5 * i.fw, 0.0);
    pts[mesh::CHEEKS[1]] = at(0.5 * i.fw, 0.0);
    pts[mesh::CHIN] = at(0.0, i.chin * i.fw);
    let a = Analysis {
        width: w,
        height: h,
        faces: vec![FaceDetection {
            score: 0.9,
            bbox: BBox {
                x: i.cx,
                y: i.cy,
                w: i.fw,
                h: i.fw,
            },
            keypoints: [[0.0; 2]; 6],
        }],
        main_face: Some(0),
        landmarks: Some(FaceLandmarks {
            points: pts,
            presence: 1.0,
        }),
        ..Analysis::default()
    };
    let Some(g) = HeadGeometry::measure(&a) else {
        return;
    };
    let p = plan(&g, spec, w, h);
    assert_eq!(
        (p.width, p.height),
        (spec.output.width_px, spec.output.height_px)
    );
    let img = image::RgbImage::from_pixel(w.min(64), h.min(64), image::Rgb([9, 9, 9]));
    let out = render(&img, &p, [255, 255, 255]);
    assert_eq!(out.dimensions(), (p.width, p.height));
});
