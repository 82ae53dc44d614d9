//! `face_shadow`, `glare`.

use super::Subject;
use crate::analysis::FaceClass as K;
use crate::color::relative_luminance;
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{FaceShadowCheck, GlareCheck};

/// The median (the upper middle of an even count); `None` when `v` is empty.
#[allow(
    clippy::indexing_slicing,
    reason = "v is non-empty when indexed at len / 2"
)]
pub(super) fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    // the element a full sort would put there, found in linear time
    let k = v.len() / 2;
    v.select_nth_unstable_by(k, f64::total_cmp);
    Some(v[k])
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
        st.of_classes(&[K::Skin, K::Nose])
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

/// Even light across the face: the lighting ratio between the brighter and the darker half of
/// the facial skin stays below the spec's limit. A soft key light (2:1–3:1) passes; a hard
/// shadow over one side does not.
pub fn face_shadow(s: &Subject<'_>, cfg: &FaceShadowCheck) -> CheckResult {
    let Some((r, l)) = skin_halves(s) else {
        return CheckResult::not_applicable(CheckId::FaceShadow, ReasonCode::SkinNotFound);
    };
    let (yr, yl) = (relative_luminance(r), relative_luminance(l));
    let ratio = yr.max(yl) / yr.min(yl).max(1e-4);
    CheckResult::judge(
        CheckId::FaceShadow,
        ratio <= cfg.max_lighting_ratio,
        Measure::map([
            ("right_l", r),
            ("left_l", l),
            ("difference_l", (r - l).abs()),
            ("lighting_ratio", ratio),
        ]),
        Measure::map([("max_lighting_ratio", cfg.max_lighting_ratio)]),
        ReasonCode::FaceShadow,
    )
}

/// No specular highlights on the skin or reflections in the lenses
/// ([`super::specular`]: reflected light, not bright skin).
pub fn glare(s: &Subject<'_>, cfg: &GlareCheck) -> CheckResult {
    let Some(h) = s.highlights() else {
        return CheckResult::not_applicable(CheckId::Glare, ReasonCode::SkinNotFound);
    };
    let (skin, lens) = (h.skin_fraction(), h.lens_fraction());
    let largest = h
        .spots
        .first()
        .map_or(0.0, |sp| sp.cells as f64 / h.skin_cells.max(1) as f64);
    CheckResult::judge(
        CheckId::Glare,
        skin <= cfg.max_fraction && lens <= cfg.max_lens_fraction,
        Measure::map([
            ("fraction", skin),
            ("spots", h.spots.len() as f64),
            ("largest_spot", largest),
            ("lens_fraction", lens),
        ]),
        Measure::map([
            ("max_fraction", cfg.max_fraction),
            ("max_lens_fraction", cfg.max_lens_fraction),
        ]),
        ReasonCode::Glare,
    )
}
