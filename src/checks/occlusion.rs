//! `eyes_visible`, `eyebrows_visible`, `ears_visible`.

use super::regions::{grow, FaceStats};
use super::Subject;
use crate::analysis::{mesh, FaceClass as K};
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{EarsRequired, EarsVisibleCheck, EyebrowsVisibleCheck, EyesVisibleCheck};

/// What covers a feature: hair, or a hat / scarf.
const COVER: [K; 2] = [K::Hair, K::Hat];
/// Eye regions are grown by this factor about their centre (lashes and lids included).
const EYE_GROW: f32 = 1.3;
/// Eyebrow regions are grown by this factor (a fringe just over the brow counts).
const BROW_GROW: f32 = 1.4;

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
        Measure::map([("max_covered", max)]),
        code,
    )
}

/// Nothing across the eyes.
pub fn eyes_visible(s: &Subject<'_>, cfg: &EyesVisibleCheck) -> CheckResult {
    judge_pair(
        s,
        CheckId::EyesVisible,
        &mesh::RIGHT_EYE_CONTOUR,
        &mesh::LEFT_EYE_CONTOUR,
        EYE_GROW,
        cfg.max_covered_fraction,
        ReasonCode::EyesCovered,
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

/// Visible ear area in a frontal photo, as a share of face width² (measured on the fixture
/// portraits with clearly visible ears: obama 0.048, grace_hopper 0.050).
pub const EXPECTED_EAR_AREA: f64 = 0.04;

/// Visible share of each ear: the ear-class area on that side of the face (from the brows to
/// the mouth, beside the cheeks) over [`EXPECTED_EAR_AREA`], capped at 1. Hair over an ear
/// takes its cells away. `(right, left)` = image left, image right.
pub fn ear_visibility(s: &Subject<'_>) -> Option<(f64, f64)> {
    let st = s.face_stats()?;
    let head = s.head.as_ref()?;
    let fw = head.face_width as f32;
    let cu = head.face_center_u as f32;
    let (mut r, mut l) = (0usize, 0usize);
    for c in st.cells() {
        if matches!(c.class, K::LeftEar | K::RightEar) && c.v > -0.5 * fw && c.v < 0.7 * fw {
            if c.u < cu {
                r += 1;
            } else {
                l += 1;
            }
        }
    }
    let area = |n: usize| {
        (n as f64 * (st.cell as f64).powi(2) / (head.face_width.powi(2) * EXPECTED_EAR_AREA))
            .min(1.0)
    };
    Some((area(r), area(l)))
}

/// Hair off the ears, where the pose lets the ears show at all.
pub fn ears_visible(s: &Subject<'_>, cfg: &EarsVisibleCheck) -> CheckResult {
    let Some(pose) = s.analysis.and_then(|a| a.pose) else {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::NeedsOneFace);
    };
    if pose.yaw.abs() > cfg.max_yaw_deg {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::EarsOutOfView);
    }
    let Some((r, l)) = ear_visibility(s) else {
        return CheckResult::not_applicable(CheckId::EarsVisible, ReasonCode::NeedsOneFace);
    };
    let min = cfg.min_visible_fraction;
    let ok = match cfg.required {
        EarsRequired::Both => r >= min && l >= min,
        EarsRequired::Either => r >= min || l >= min,
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
        Measure::map([("right_visible", r), ("left_visible", l)]),
        Measure::nested([
            ("min_visible", Measure::num(min)),
            ("required", Measure::Text(required.into())),
        ]),
        ReasonCode::EarsCovered,
    )
}
