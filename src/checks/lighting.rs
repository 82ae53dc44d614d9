//! `face_shadow`, `glare`.

use super::Subject;
use crate::analysis::FaceClass as K;
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{FaceShadowCheck, GlareCheck};

/// A specular highlight: L* above this…
pub const GLARE_MIN_L: f32 = 90.0;
/// …with chroma below this (white light reflected, not lit skin).
pub const GLARE_MAX_CHROMA: f32 = 12.0;
/// Lens glare is judged on eyeglasses cells brighter than this.
const LENS_GLARE_MIN_L: f32 = 92.0;

#[allow(
    clippy::indexing_slicing,
    reason = "v is non-empty when indexed at len / 2"
)]
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Median L* of the facial skin left and right of the face's centre line (from the brows to
/// just above the chin). `(right, left)` = image left, image right.
pub fn skin_halves(s: &Subject<'_>) -> Option<(f64, f64)> {
    let st = s.face_stats()?;
    let head = s.head.as_ref()?;
    let (cu, fw, chin) = (
        head.face_center_u as f32,
        head.face_width as f32,
        head.chin_down as f32,
    );
    let skin = || {
        st.cells()
            .filter(|c| matches!(c.class, K::Skin | K::Nose))
            .filter(move |c| c.v > -0.25 * fw && c.v < 0.85 * chin && (c.u - cu).abs() > 0.05 * fw)
    };
    let r = median(
        skin()
            .filter(|c| c.u < cu)
            .map(|c| c.lab.l as f64)
            .collect(),
    )?;
    let l = median(
        skin()
            .filter(|c| c.u >= cu)
            .map(|c| c.lab.l as f64)
            .collect(),
    )?;
    Some((r, l))
}

/// Even light across the face: the two halves of the facial skin differ little in L*.
pub fn face_shadow(s: &Subject<'_>, cfg: &FaceShadowCheck) -> CheckResult {
    let Some((r, l)) = skin_halves(s) else {
        return CheckResult::not_applicable(CheckId::FaceShadow, ReasonCode::ParsingUnavailable);
    };
    let d = (r - l).abs();
    CheckResult::judge(
        CheckId::FaceShadow,
        d <= cfg.max_difference_l,
        Measure::map([("right_l", r), ("left_l", l), ("difference_l", d)]),
        Measure::map([("difference_l", cfg.max_difference_l)]),
        ReasonCode::FaceShadow,
    )
}

/// Share of skin that is specular highlight, and share of lens area that is.
pub fn glare_fractions(s: &Subject<'_>) -> Option<(f64, f64)> {
    let st = s.face_stats()?;
    let (mut skin, mut hot) = (0usize, 0usize);
    let (mut lens, mut lens_hot) = (0usize, 0usize);
    for c in st.cells() {
        match c.class {
            K::Skin | K::Nose => {
                skin += 1;
                if c.lab.l > GLARE_MIN_L && c.lab.chroma() < GLARE_MAX_CHROMA {
                    hot += 1;
                }
            }
            K::Eyeglasses => {
                lens += 1;
                if c.lab.l > LENS_GLARE_MIN_L && c.lab.chroma() < GLARE_MAX_CHROMA {
                    lens_hot += 1;
                }
            }
            _ => {}
        }
    }
    let f = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    (skin > 0).then(|| (f(hot, skin), f(lens_hot, lens)))
}

/// No specular highlights on the skin or the lenses.
pub fn glare(s: &Subject<'_>, cfg: &GlareCheck) -> CheckResult {
    let Some((skin, lens)) = glare_fractions(s) else {
        return CheckResult::not_applicable(CheckId::Glare, ReasonCode::ParsingUnavailable);
    };
    CheckResult::judge(
        CheckId::Glare,
        skin <= cfg.max_fraction && lens <= cfg.max_fraction * 5.0,
        Measure::map([("skin", skin), ("lenses", lens)]),
        Measure::map([
            ("skin", cfg.max_fraction),
            ("lenses", cfg.max_fraction * 5.0),
        ]),
        ReasonCode::Glare,
    )
}
