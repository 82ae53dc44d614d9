//! Property tests for the output plan: for random faces in random images, the output is exactly
//! the spec's size, and whenever the plan is reachable and needs no padding, the head geometry
//! measured through the plan's own mapping lies inside every range of the spec.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::label_map;
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

/// The synthetic face of these tests: an ellipse 200 × 260 px around (500, 510).
fn in_face(x: f32, y: f32) -> bool {
    let (dx, dy) = ((x - 500.0) / 100.0, (y - 510.0) / 130.0);
    dx * dx + dy * dy <= 1.0
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

/// A spec without a crown margin (ICAO: head height and eye line only) whose ranges leave the
/// crown of a tall head a few pixels from the top edge: the plan keeps
/// `MIN_CROWN_ROOM` of the height above it, where the ranges allow, so a re-checked output does
/// not read as a cut crown.
#[test]
fn without_a_crown_margin_the_plan_keeps_room_above_the_crown() {
    // head 190 px (crown 130 above the eyes, chin 60 below): a 372–425 px head needs a scale of
    // 1.96–2.24, and the eye line (≤ 265 px from the top) leaves the crown 0–10 px of room
    let g = head_with_crown(130.0);
    let spec = specs().get("icao/passport").unwrap();
    assert!(spec.geometry.crown_margin_px.is_none());
    let p = plan(&g, spec, 1000, 1200);
    assert!(p.reachable, "{p:?}");
    let room = idphoto::normalize::MIN_CROWN_ROOM * spec.output.height_px as f64;
    let o = &p.geometry;
    assert!(o.crown_margin >= room, "{o:?}");
    assert!((372.0..=425.0).contains(&o.head_height), "{o:?}");
    assert!((266.0..=372.0).contains(&o.eye_line_from_bottom), "{o:?}");
    // a head too tall for that room still fits, just inside the frame
    let g = head_with_crown(140.0);
    let p = plan(&g, spec, 1000, 1200);
    assert!(p.reachable && p.geometry.crown_margin >= 0.0, "{p:?}");
}

/// Hair that reaches the top of the parsed region while the photo goes on above it (a tall bun;
/// the region is a square around the face): the person mask, which covers the whole photo,
/// finds the crown above the region; only a head that runs off the photo is cut.
#[test]
fn the_crown_above_the_parsed_region_comes_from_the_person_mask() {
    use idphoto::analysis::{FaceClass as K, PersonMask};
    let mut a = analysis(1000, 1000, 500.0, 500.0, 200.0, 0.0);
    // the parsed region starts 300 px below the top edge; hair fills its top rows
    a.parsing = Some(label_map((250.0, 300.0, 500.0, 50), |x, y| {
        if in_face(x, y) {
            K::Skin
        } else if (x - 500.0).abs() < 150.0 && y < 560.0 {
            K::Hair
        } else {
            K::Background
        }
    }));
    let person = |top: f32| PersonMask {
        width: 100,
        height: 100,
        src_width: 1000,
        src_height: 1000,
        data: (0..100 * 100)
            .map(|i| {
                let (x, y) = ((i % 100) as f32 * 10.0 + 5.0, (i / 100) as f32 * 10.0 + 5.0);
                f32::from((x - 500.0).abs() < 160.0 && y >= top)
            })
            .collect(),
    };
    let eye_y = 480.0; // the synthetic mesh's eyes sit 0.1 face widths above the centre
    a.person = Some(person(200.0));
    let g = HeadGeometry::measure(&a).unwrap();
    assert!(!g.crown_cut, "{g:?}");
    assert!((g.crown_up - (eye_y - 200.0)).abs() <= 15.0, "{g:?}");
    // without the person mask the crown is the region's top row, and unknown (cut)
    a.person = None;
    let g = HeadGeometry::measure(&a).unwrap();
    assert!(
        g.crown_cut && (g.crown_up - (eye_y - 305.0)).abs() <= 10.0,
        "{g:?}"
    );
    // a head that runs off the top of the photo stays cut
    a.person = Some(person(0.0));
    assert!(HeadGeometry::measure(&a).unwrap().crown_cut);
}

/// Light hair on a light backdrop: the parsing map calls a band of the white backdrop above the
/// hair "hair" too. With the photo, the crown is the topmost head cell that differs visibly
/// from the backdrop (`CROWN_MIN_DELTA_E`), not the model's overreach; without it, the model's.
#[test]
fn the_crown_is_where_the_head_can_be_told_from_the_backdrop() {
    use idphoto::analysis::FaceClass as K;
    let mut a = analysis(1000, 1000, 500.0, 500.0, 200.0, 0.0);
    // the model's hair reaches y = 300; the visible (grey) hair starts at y = 330
    let hair = |x: f32, y: f32| (x - 500.0).abs() < 150.0 && (300.0..560.0).contains(&y);
    a.parsing = Some(label_map((250.0, 150.0, 500.0, 100), |x, y| {
        if in_face(x, y) {
            K::Skin
        } else if hair(x, y) {
            K::Hair
        } else {
            K::Background
        }
    }));
    let img = image::RgbImage::from_fn(1000, 1000, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        if in_face(x, y) {
            image::Rgb([220, 180, 160])
        } else if hair(x, y) && y >= 330.0 {
            image::Rgb([215, 215, 210]) // white-grey hair, ΔE ≈ 10 from the backdrop
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let eye_y = 480.0;
    let model = HeadGeometry::measure(&a).unwrap();
    assert!((model.crown_up - (eye_y - 302.5)).abs() <= 5.0, "{model:?}");
    let seen = HeadGeometry::measure_with_image(&a, &img).unwrap();
    assert!((seen.crown_up - (eye_y - 332.5)).abs() <= 5.0, "{seen:?}");
    // dark hair the model calls hair where it is: the same crown either way
    let dark = image::RgbImage::from_fn(1000, 1000, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        if hair(x, y) {
            image::Rgb([40, 30, 25])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let g = HeadGeometry::measure_with_image(&a, &dark).unwrap();
    assert!((g.crown_up - model.crown_up).abs() < 1e-9, "{g:?}");
}

/// The eye midpoint's horizontal range (social security: 162–196 px from the left) and the eye
/// distance (exit-entry: 82–118 px) are planned like every other range: an eye midpoint off the
/// face centre (a face turned a little) is brought into its range within the centring
/// tolerance, and the scale keeps the eye distance in range.
#[test]
fn eye_midpoint_and_eye_distance_ranges_are_planned() {
    let spec = specs().get("cn/social-security").unwrap();
    let r = spec.geometry.eye_mid_from_left_px.unwrap();
    assert_eq!((r.min, r.max), (Some(162.0), Some(196.0)));
    // the face centre 12 % of the face width right of the eye midpoint: centring the face would
    // put the eyes 25 px left of the image centre (179 − 25 = 154 < 162)
    let mut g = head_with_crown(70.0);
    g.face_center_u = 12.0;
    let p = plan(&g, spec, 1000, 1200);
    assert!(p.reachable, "{p:?}");
    let o = &p.geometry;
    assert!(r.contains(o.eye_mid_from_left), "{o:?}");
    assert!(
        o.center_offset.abs() <= spec.geometry.center_tolerance_px,
        "{o:?}"
    );
    // beyond what the centring tolerance can absorb: no framing meets both
    g.face_center_u = 25.0;
    assert!(!plan(&g, spec, 1000, 1200).reachable);

    let spec = specs().get("cn/exit-entry").unwrap();
    let d = spec.geometry.eye_distance_px.unwrap();
    assert_eq!((d.min, d.max), (Some(82.0), Some(118.0)));
    let mut only_eyes = spec.clone();
    only_eyes.geometry.head_width_px = None;
    only_eyes.geometry.head_height_px = None;
    let g = head_with_crown(70.0);
    let p = plan(&g, &only_eyes, 1000, 1200);
    assert!(p.reachable && d.contains(p.geometry.eye_distance), "{p:?}");
    // the eye distance measured on the uploaded photo is reported too
    let (up, _) = idphoto::normalize::uploaded_geometry(&g, &only_eyes, 1000, 1200);
    assert!((up.eye_distance - 45.0 * (390.0f64 / 1000.0).max(567.0 / 1200.0)).abs() < 1e-6);
}

/// The head's width at ear height is its outline whatever the parsing model calls the flank:
/// BiSeNet calls the side of a full head of hair "hat" on some photos (astronaut.png), and the
/// float and int8 models split that flank between hair and hat differently. A flank labelled
/// hat measures as wide as the same flank labelled hair.
#[test]
fn the_head_width_counts_a_flank_the_model_calls_hat() {
    use idphoto::analysis::FaceClass as K;
    let mut a = analysis(1000, 1000, 500.0, 500.0, 200.0, 0.0);
    // hair 150 px each side of the centre; its right flank (x > 600) at ear height is `flank`
    let map = |flank: K| {
        label_map((250.0, 150.0, 500.0, 100), |x, y| {
            if in_face(x, y) {
                K::Skin
            } else if (x - 500.0).abs() < 150.0 && (300.0..560.0).contains(&y) {
                if x > 600.0 && y > 470.0 {
                    flank
                } else {
                    K::Hair
                }
            } else {
                K::Background
            }
        })
    };
    a.parsing = Some(map(K::Hair));
    let hair = HeadGeometry::measure(&a).unwrap();
    a.parsing = Some(map(K::Hat));
    let hat = HeadGeometry::measure(&a).unwrap();
    assert!((hair.head_width - 300.0).abs() <= 10.0, "{hair:?}");
    assert!(
        (hat.head_width - hair.head_width).abs() < 1e-9,
        "{hat:?} vs {hair:?}"
    );
}
