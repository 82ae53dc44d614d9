//! Property tests for the output plan: for random faces in random images, the output is exactly
//! the spec's size, and whenever the plan is reachable and needs no padding, the head geometry
//! measured through the plan's own mapping lies inside every range of the spec.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use idphoto::analysis::{mesh, Analysis, BBox, FaceDetection, FaceLandmarks};
use idphoto::normalize::{plan, HeadGeometry};
use idphoto::SpecRegistry;
use proptest::prelude::*;

/// A synthetic mesh: eyes, cheeks, chin and forehead of a face centred at (cx, cy) with face
/// width `fw`, rolled by `roll` degrees.
fn analysis(w: u32, h: u32, cx: f32, cy: f32, fw: f32, roll: f32) -> Analysis {
    let (s, c) = roll.to_radians().sin_cos();
    let at = |u: f32, v: f32| [cx + u * c - v * s, cy + u * s + v * c, 0.0];
    let mut pts = vec![at(0.0, 0.0); idphoto::analysis::LANDMARK_COUNT];
    for &i in &mesh::RIGHT_EYE_CONTOUR {
        pts[i] = at(-0.22 * fw, -0.1 * fw);
    }
    for &i in &mesh::LEFT_EYE_CONTOUR {
        pts[i] = at(0.22 * fw, -0.1 * fw);
    }
    pts[mesh::CHEEKS[0]] = at(-0.5 * fw, 0.0);
    pts[mesh::CHEEKS[1]] = at(0.5 * fw, 0.0);
    pts[mesh::CHIN] = at(0.0, 0.65 * fw);
    pts[mesh::FOREHEAD] = at(0.0, -0.55 * fw);
    let bbox = BBox {
        x: cx - fw / 2.0,
        y: cy - 0.6 * fw,
        w: fw,
        h: 1.2 * fw,
    };
    Analysis {
        width: w,
        height: h,
        faces: vec![FaceDetection {
            score: 0.9,
            bbox,
            keypoints: [[0.0; 2]; 6],
        }],
        main_face: Some(0),
        landmarks: Some(FaceLandmarks {
            points: pts,
            presence: 1.0,
        }),
        ..Analysis::default()
    }
}

fn specs() -> &'static SpecRegistry {
    static R: std::sync::OnceLock<SpecRegistry> = std::sync::OnceLock::new();
    R.get_or_init(|| SpecRegistry::builtin().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn plan_meets_the_spec_whenever_it_can(
        w in 200u32..4000, h in 200u32..4000,
        fx in 0.05f32..0.95, fy in 0.05f32..0.95, fws in 0.05f32..0.6, roll in -10f32..10.0,
        which in 0usize..1000,
    ) {
        // every shipped spec
        let ids: Vec<&str> = specs().ids().collect();
        let id = ids[which % ids.len()];
        let spec = specs().get(id).unwrap();
        let fw = fws * w.min(h) as f32;
        let a = analysis(w, h, fx * w as f32, fy * h as f32, fw, roll);
        let g = HeadGeometry::measure(&a).unwrap();
        let p = plan(&g, spec, w, h);
        prop_assert_eq!((p.width, p.height), (spec.output.width_px, spec.output.height_px));
        if p.reachable && !p.needs_padding() {
            // measure through the inverse map: where do the eyes, cheeks, chin land?
            let inv = p.map.inverse().unwrap();
            let lm = a.landmarks.as_ref().unwrap();
            let o = |q: [f32; 2]| inv.apply(q[0] as f64, q[1] as f64);
            let (re, le) = (o(lm.right_eye()), o(lm.left_eye()));
            let eye_y = (re.1 + le.1) / 2.0;
            // re-framed: the eyes are levelled; kept as uploaded: within the tilt left alone
            let slack = if p.reframed { 0.5 } else { (le.0 - re.0).abs() * idphoto::normalize::KEEP_FRAMING_MAX_ROLL_DEG.to_radians().tan() + 0.5 };
            prop_assert!((re.1 - le.1).abs() < slack, "eyes level: {} vs {}", re.1, le.1);
            let (c0, c1) = (o(lm.xy(mesh::CHEEKS[0])), o(lm.xy(mesh::CHEEKS[1])));
            let face_w = ((c1.0 - c0.0).powi(2) + (c1.1 - c0.1).powi(2)).sqrt();
            let hgt = spec.output.height_px as f64;
            let tol = 0.75;
            if let Some(r) = spec.geometry.face_width_px {
                prop_assert!(r.min.is_none_or(|m| face_w >= m - tol) && r.max.is_none_or(|m| face_w <= m + tol), "{id}: face width {face_w}");
            }
            if let Some(r) = spec.geometry.eye_line_from_bottom_px {
                let v = hgt - eye_y;
                prop_assert!(r.min.is_none_or(|m| v >= m - tol) && r.max.is_none_or(|m| v <= m + tol), "{id}: eye line {v}");
            }
            let centre = (c0.0 + c1.0) / 2.0 - spec.output.width_px as f64 / 2.0;
            prop_assert!(centre.abs() <= spec.geometry.center_tolerance_px + tol, "{id}: centre offset {centre}");
            let chin = o(lm.xy(mesh::CHIN));
            prop_assert!(chin.1 <= hgt + tol, "{id}: chin inside, {}", chin.1);
        }
    }
}

/// A level face 100 px wide with its eyes at (500, 400) in a 1000×1200 photo, the crown
/// `crown_up` px above the eyes (measured by parsing).
fn head_with_crown(crown_up: f64) -> HeadGeometry {
    HeadGeometry {
        eye_mid: [500.0, 400.0],
        angle: 0.0,
        eye_distance: 45.0,
        face_width: 100.0,
        head_width: 120.0,
        face_center_u: 0.0,
        crown_up,
        chin_down: 60.0,
        crown_source: idphoto::normalize::CrownSource::Parsing,
        crown_cut: false,
    }
}

/// Hair so tall that the ID card's crown margin (7–21 px) and eye line (≥ 207 px) conflict at
/// every allowed face width: the eye line wins and the crown margin only has to stay ≥ 0, as
/// GA/T 461 orders; a spec without that rule reports the framing unreachable.
#[test]
fn eye_line_wins_over_crown_margin_for_tall_hair() {
    // at face width 193–221 px the crown sits 232–265 px above the eyes: with the eyes at most
    // 234 px from the top, a 7-px crown margin is impossible, 0 px is not
    let g = head_with_crown(120.0);
    let spec = specs().get("cn/id-card").unwrap();
    assert!(spec.geometry.eye_line_over_crown_margin);
    let p = plan(&g, spec, 1000, 1200);
    assert!(p.reachable && p.crown_margin_relaxed, "{p:?}");
    let o = &p.geometry;
    assert!(o.crown_margin >= 0.0 && o.crown_margin < 7.0, "{o:?}");
    assert!(o.eye_line_from_bottom >= 207.0 - 1e-6, "{o:?}");
    assert!((193.0..=221.0).contains(&o.face_width), "{o:?}");
    assert_eq!(p.crown_margin_range(spec).and_then(|r| r.min), Some(0.0));

    let mut strict = spec.clone();
    strict.geometry.eye_line_over_crown_margin = false;
    let p = plan(&g, &strict, 1000, 1200);
    assert!(!p.reachable && !p.crown_margin_relaxed, "{p:?}");
}

/// Hair tall enough that a face in the middle of its width range leaves the crown margin at its
/// 7-px minimum: the plan trades some face width for crown margin, so the re-measured head of
/// the output (a few pixels off the source's) stays inside both ranges.
#[test]
fn the_plan_keeps_the_head_away_from_every_bound() {
    // at the middle face width (207 px) the crown is 215 px above the eyes, and the eyes at
    // most 234 px from the top: 12 px of room for the eye line within the crown margin
    let g = head_with_crown(104.0);
    let spec = specs().get("cn/id-card").unwrap();
    let p = plan(&g, spec, 1000, 1200);
    assert!(p.reachable && !p.crown_margin_relaxed, "{p:?}");
    let o = &p.geometry;
    let slack = [
        o.crown_margin - 7.0,
        21.0 - o.crown_margin,
        o.eye_line_from_bottom - 207.0,
        o.face_width - 193.0,
        221.0 - o.face_width,
    ];
    // the best this geometry allows is 7 px from every bound (a face width of 200–205 px); the
    // middle face width (207 px) leaves the crown margin and the eye line 5.85 px each
    let least = slack.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(least >= 6.5, "{slack:?} {o:?}");
}
