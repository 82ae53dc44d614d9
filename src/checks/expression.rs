//! `eyes_open`, `mouth_closed`.

use super::regions::point_in_polygon;
use super::Subject;
use crate::analysis::{mesh, Analysis, FaceLandmarks};
use crate::color::srgb_to_lab;
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{EyesOpenCheck, MouthClosedCheck};

/// Inner lip contour of the mesh (upper lip's lower edge, then lower lip's upper edge).
const INNER_LIPS: [usize; 20] = [
    78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
];
/// Teeth are bright and nearly colourless: L* above this…
const TEETH_MIN_L: f32 = 55.0;
/// …and chroma below this (lips and tongue are far more saturated).
const TEETH_MAX_CHROMA: f32 = 22.0;
/// Teeth area, as a share of mouth width², above which teeth count as shown (a broad smile
/// shows 5–15 %; a glint between closed lips under 1 %).
pub const TEETH_MIN_AREA: f64 = 0.02;

fn dist(a: [f32; 2], b: [f32; 2]) -> f64 {
    (((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)) as f64).sqrt()
}

/// Lid aperture of each eye as a share of its iris diameter: the gap between the upper and
/// lower lid midpoints over the iris's horizontal diameter, `(right, left)` = the person's right
/// (image left) and left eye. The iris is the one size in the eye that does not change with the
/// eye's shape or the face's scale (about 11.7 mm in adults); an eye open normally shows 0.7–1.0
/// of it.
pub fn eye_openness(lm: &FaceLandmarks) -> (f64, f64) {
    let open = |lids: [usize; 4], iris: [usize; 5]| {
        let d = dist(lm.xy(iris[1]), lm.xy(iris[3])).max(1e-6);
        dist(lm.xy(lids[2]), lm.xy(lids[3])) / d
    };
    (
        open(mesh::RIGHT_EYE, mesh::RIGHT_IRIS),
        open(mesh::LEFT_EYE, mesh::LEFT_IRIS),
    )
}

/// Both eyes open: each eye on its own (a wink fails), its aperture at least the spec's share
/// of the iris diameter.
pub fn eyes_open(a: &Analysis, cfg: &EyesOpenCheck) -> CheckResult {
    let Some(lm) = &a.landmarks else {
        return CheckResult::not_applicable(CheckId::EyesOpen, ReasonCode::NeedsOneFace);
    };
    let (r, l) = eye_openness(lm);
    CheckResult::judge(
        CheckId::EyesOpen,
        r.min(l) >= cfg.min_open_fraction,
        Measure::map([("right", r), ("left", l)]),
        Measure::map([("min_open_fraction", cfg.min_open_fraction)]),
        ReasonCode::EyesClosed,
    )
}

/// Lip gap over mouth width, and teeth area over mouth width².
pub fn mouth_measures(s: &Subject<'_>, lm: &FaceLandmarks) -> (f64, f64) {
    let [c0, c1] = mesh::MOUTH_CORNERS;
    let width = dist(lm.xy(c0), lm.xy(c1)).max(1e-6);
    let [u, d] = mesh::INNER_LIPS;
    let gap = dist(lm.xy(u), lm.xy(d)) / width;
    let poly: Vec<[f32; 2]> = INNER_LIPS.iter().map(|&i| lm.xy(i)).collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in &poly {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let (iw, ih) = (s.image.width() as f32, s.image.height() as f32);
    let mut teeth = 0usize;
    let mut y = y0.max(0.0).floor();
    while y <= y1.min(ih - 1.0) {
        let mut x = x0.max(0.0).floor();
        while x <= x1.min(iw - 1.0) {
            if point_in_polygon([x + 0.5, y + 0.5], &poly) {
                let lab = srgb_to_lab(s.image.get_pixel(x as u32, y as u32).0);
                if lab.l > TEETH_MIN_L && lab.chroma() < TEETH_MAX_CHROMA {
                    teeth += 1;
                }
            }
            x += 1.0;
        }
        y += 1.0;
    }
    (gap, teeth as f64 / (width * width))
}

/// Mouth closed; a smile showing teeth fails when the spec says so.
pub fn mouth_closed(s: &Subject<'_>, cfg: &MouthClosedCheck) -> CheckResult {
    let Some(lm) = s.analysis.and_then(|a| a.landmarks.as_ref()) else {
        return CheckResult::not_applicable(CheckId::MouthClosed, ReasonCode::NeedsOneFace);
    };
    let (gap, teeth) = mouth_measures(s, lm);
    let value = Measure::map([("openness", gap), ("teeth_area", teeth)]);
    let limit = Measure::nested([
        ("max_openness", Measure::num(cfg.max_openness)),
        ("teeth_fail", Measure::Bool(cfg.teeth_fail)),
        // not a spec field: the share of the mouth width squared that counts as teeth showing
        ("max_teeth_area", Measure::num(TEETH_MIN_AREA)),
    ]);
    let mut reasons = Vec::new();
    if gap > cfg.max_openness {
        reasons.push(ReasonCode::MouthOpen.into());
    }
    if cfg.teeth_fail && teeth > TEETH_MIN_AREA {
        reasons.push(ReasonCode::TeethVisible.into());
    }
    CheckResult::with_reasons(CheckId::MouthClosed, value, limit, reasons)
}
