//! `eyes_visible`, `eyebrows_visible`, `ears_visible`.

use super::accessories::{lens_tint, tinted, TINTED_MIN_DROP_L};
use super::regions::{grow, point_in_polygon, FaceStats};
use super::Subject;
use crate::analysis::{mesh, FaceClass as K};
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{EarsRequired, EarsVisibleCheck, EyebrowsVisibleCheck, EyesVisibleCheck};

/// What covers a feature: hair, or a hat / scarf.
const COVER: [K; 2] = [K::Hair, K::Hat];
/// Eye regions are grown by this factor about their centre (lashes and lids included).
const EYE_GROW: f32 = 1.3;
/// Eyebrow regions are the mesh's brow polygon itself: hair beside a brow (side-swept hair at
/// its tail) is not over it, and a fringe over it covers the polygon.
const BROW_GROW: f32 = 1.0;

fn covered_share(s: &Subject<'_>, idx: &[usize], k: f32) -> Option<f64> {
    let st = s.face_stats()?;
    let lm = s.analysis?.landmarks.as_ref()?;
    let poly: Vec<[f32; 2]> = idx.iter().map(|&i| lm.xy(i)).collect();
    let poly = grow(&poly, k);
    let n = FaceStats::count(st.in_polygon(&poly));
    (n.total() > 0).then(|| n.share(&COVER))
}

fn judge_pair(
    s: &Subject<'_>,
    id: CheckId,
    right: &[usize],
    left: &[usize],
    k: f32,
    max: f64,
    code: ReasonCode,
) -> CheckResult {
    let (Some(r), Some(l)) = (covered_share(s, right, k), covered_share(s, left, k)) else {
        return CheckResult::not_applicable(id, ReasonCode::NeedsOneFace);
    };
    CheckResult::judge(
        id,
        r.max(l) <= max,
        Measure::map([("right_covered", r), ("left_covered", l)]),
        Measure::map([("max_covered_fraction", max)]),
        code,
    )
}

/// How much darker than the facial skin the brightest part of an eye is (L*, the 90th
/// percentile of the source pixels inside the eye's contour): a visible open or closed eye
/// shows sclera, a catchlight or lid skin about as light as the face, a tinted lens over it
/// does not. `skin_l` is the facial skin's mean L*; `None` without landmarks.
pub(crate) fn eye_darkening(s: &Subject<'_>, idx: &[usize], skin_l: f64) -> Option<f64> {
    let lm = s.analysis?.landmarks.as_ref()?;
    let poly: Vec<[f32; 2]> = idx.iter().map(|&i| lm.xy(i)).collect();
    let [x0, y0, x1, y1] = super::regions::bounds(&poly);
    let (w, h) = s.image.dimensions();
    let mut ls = Vec::new();
    for y in (y0.max(0.0) as u32)..(y1.max(0.0).ceil() as u32).min(h) {
        for x in (x0.max(0.0) as u32)..(x1.max(0.0).ceil() as u32).min(w) {
            if point_in_polygon([x as f32 + 0.5, y as f32 + 0.5], &poly) {
                ls.push(crate::color::srgb_to_lab(s.image.get_pixel(x, y).0).l as f64);
            }
        }
    }
    if ls.is_empty() {
        return None;
    }
    let k = ls.len() * 9 / 10;
    ls.select_nth_unstable_by(k, f64::total_cmp);
    let p90 = ls.get(k).copied()?;
    Some(skin_l - p90)
}

/// Nothing across the eyes: no hair over them, no tinted lenses in front of them.
pub fn eyes_visible(s: &Subject<'_>, cfg: &EyesVisibleCheck) -> CheckResult {
    let (Some(r), Some(l)) = (
        covered_share(s, &mesh::RIGHT_EYE_CONTOUR, EYE_GROW),
        covered_share(s, &mesh::LEFT_EYE_CONTOUR, EYE_GROW),
    ) else {
        return CheckResult::not_applicable(CheckId::EyesVisible, ReasonCode::NeedsOneFace);
    };
    let max = cfg.max_covered_fraction;
    let mut reasons = Vec::new();
    if r.max(l) > max {
        reasons.push(ReasonCode::EyesCovered.into());
    }
    let mut value = vec![
        ("right_covered", Measure::num(r)),
        ("left_covered", Measure::num(l)),
    ];
    let mut limit = vec![("max_covered_fraction", Measure::num(max))];
    // Tinted lenses hide the eyes: the lenses are tinted and the brightest part of each eye
    // seen through them is as much darker than the skin as a tinted lens is
    // (`accessories::TINTED_MIN_DROP_L`, the glasses check's own measure). Requiring both
    // keeps closed eyes (dark lashes, no lens) and thick dark frames (a dark "lens" region,
    // sclera bright behind it) out.
    let glasses = &s.spec.checks.glasses;
    if let Some((share, drop)) = lens_tint(s).filter(|&(share, _)| share >= glasses.min_fraction) {
        let skin_l = s.face_stats().and_then(|st| st.mean_l(K::Skin));
        let eyes = skin_l.and_then(|l| {
            eye_darkening(s, &mesh::RIGHT_EYE_CONTOUR, l)
                .zip(eye_darkening(s, &mesh::LEFT_EYE_CONTOUR, l))
                .map(|(a, b)| a.min(b))
        });
        if let Some(eye) = eyes {
            value.push(("lens_darkening_l", Measure::num(drop)));
            value.push(("eye_darkening_l", Measure::num(eye)));
            limit.push(("max_eye_darkening_l", Measure::num(TINTED_MIN_DROP_L)));
            if tinted(share, drop, glasses.min_fraction) && eye > TINTED_MIN_DROP_L {
                reasons.push(ReasonCode::GlassesObscureEyes.into());
            }
        }
    }
    CheckResult::with_reasons(
        CheckId::EyesVisible,
        Measure::nested(value),
        Measure::nested(limit),
        reasons,
    )
}

/// Hair off the eyebrows.
pub fn eyebrows_visible(s: &Subject<'_>, cfg: &EyebrowsVisibleCheck) -> CheckResult {
    judge_pair(
        s,
        CheckId::EyebrowsVisible,
        &mesh::RIGHT_BROW,
        &mesh::LEFT_BROW,
        BROW_GROW,
        cfg.max_covered_fraction,
        ReasonCode::EyebrowsCovered,
    )
}

/// What lies in one ear zone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarZone {
    /// Share of the zone that is hair (or a hat).
    pub hair: f64,
    /// Share of the zone that is ear (or an earring on it).
    pub ear: f64,
    /// Share of the zone's bounding box that lies inside the photo.
    pub inside: f32,
}

impl EarZone {
    /// Whether hair covers the ear: hair fills the zone and too little ear shows through.
    pub fn covered(&self, cfg: &EarsVisibleCheck) -> bool {
        self.hair > cfg.max_hair_fraction && self.ear < cfg.min_ear_fraction
    }

    /// Whether the photo's edge cuts the zone off: the frame, not hair, hides the ear.
    pub fn outside_photo(&self) -> bool {
        self.inside < MIN_EAR_ZONE_INSIDE
    }
}

/// Hair and ear in each ear zone the landmarks predict ([`crate::zones::ears`]), `(right,
/// left)` (image left, image right). Hair beside the zone does not count, and a small or
/// foreshortened ear with hair tucked behind it still shows.
pub fn ear_zones(s: &Subject<'_>) -> Option<(EarZone, EarZone)> {
    let st = s.face_stats()?;
    let head = s.head.as_ref()?;
    let lm = s.analysis?.landmarks.as_ref()?;
    let [zr, zl] = crate::zones::ears(head, lm);
    let (w, h) = (s.image.width() as f32, s.image.height() as f32);
    let one = |z: &[[f32; 2]]| {
        let n = FaceStats::count(st.in_polygon(z));
        let t = n.total().max(1) as f64;
        EarZone {
            hair: n.of(&COVER) as f64 / t,
            ear: n.of(&[K::LeftEar, K::RightEar, K::Earring]) as f64 / t,
            inside: inside_share(z, w, h),
        }
    };
    Some((one(&zr), one(&zl)))
}

/// Hair off the ears, where the pose lets the ears show at all.
pub fn ears_visible(s: &Subject<'_>, cfg: &EarsVisibleCheck) -> CheckResult {
    let Some(pose) = s.analysis.and_then(|a| a.pose) else {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::NeedsOneFace);
    };
    if pose.yaw.abs() > cfg.max_yaw_deg {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::EarsOutOfView);
    }
    let Some((r, l)) = ear_zones(s) else {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::NeedsOneFace);
    };
    // an ear zone the photo's edge cuts off is hidden by the frame, not by hair
    let (ro, lo) = (r.outside_photo(), l.outside_photo());
    let (rv, lv) = (!r.covered(cfg) && !ro, !l.covered(cfg) && !lo);
    let ok = match cfg.required {
        EarsRequired::Both => rv && lv,
        EarsRequired::Either => rv || lv,
        EarsRequired::None => true,
    };
    let required = match cfg.required {
        EarsRequired::Both => "both",
        EarsRequired::Either => "either",
        EarsRequired::None => "none",
    };
    CheckResult::judge(
        CheckId::EarsVisible,
        ok,
        Measure::nested([
            (
                "right",
                Measure::nested([
                    ("hair_fraction", Measure::num(r.hair)),
                    ("ear_fraction", Measure::num(r.ear)),
                    ("visible", Measure::Bool(rv)),
                ]),
            ),
            (
                "left",
                Measure::nested([
                    ("hair_fraction", Measure::num(l.hair)),
                    ("ear_fraction", Measure::num(l.ear)),
                    ("visible", Measure::Bool(lv)),
                ]),
            ),
        ]),
        Measure::nested([
            ("max_hair_fraction", Measure::num(cfg.max_hair_fraction)),
            ("min_ear_fraction", Measure::num(cfg.min_ear_fraction)),
            ("required", Measure::Text(required.into())),
        ]),
        if ro || lo {
            ReasonCode::EarOutsidePhoto
        } else {
            ReasonCode::EarsCovered
        },
    )
}

/// An ear zone counts as outside the photo when less than this share of its bounding box lies
/// in the image (half: the ear then cannot be judged, let alone shown in the output).
const MIN_EAR_ZONE_INSIDE: f32 = 0.5;

/// Share of the polygon's bounding box inside a `w` × `h` image.
fn inside_share(poly: &[[f32; 2]], w: f32, h: f32) -> f32 {
    let [x0, y0, x1, y1] = super::regions::bounds(poly);
    let area = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
    if area <= 0.0 {
        return 1.0;
    }
    let iw = (x1.min(w) - x0.max(0.0)).max(0.0);
    let ih = (y1.min(h) - y0.max(0.0)).max(0.0);
    iw * ih / area
}
