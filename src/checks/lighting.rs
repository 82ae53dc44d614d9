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
/// the facial skin stays below the spec's limit (a soft key light, 2:1–3:1, passes; a hard
/// shadow over one side does not), and no hard light rakes across it ([`hard_edge_share`]:
/// a shadow cast by a fold, a crease, a brim or the nose ends in an edge).
pub fn face_shadow(s: &Subject<'_>, cfg: &FaceShadowCheck) -> CheckResult {
    let Some((r, l)) = skin_halves(s) else {
        return CheckResult::not_applicable(CheckId::FaceShadow, ReasonCode::SkinNotFound);
    };
    let (yr, yl) = (relative_luminance(r), relative_luminance(l));
    let ratio = yr.max(yl) / yr.min(yl).max(1e-4);
    let edges = hard_edge_share(s).unwrap_or(0.0);
    CheckResult::judge(
        CheckId::FaceShadow,
        ratio <= cfg.max_lighting_ratio && edges <= cfg.max_hard_edge_share,
        Measure::map([
            ("right_l", r),
            ("left_l", l),
            ("difference_l", (r - l).abs()),
            ("lighting_ratio", ratio),
            ("hard_edge_share", edges),
        ]),
        Measure::map([
            ("max_lighting_ratio", cfg.max_lighting_ratio),
            ("max_hard_edge_share", cfg.max_hard_edge_share),
        ]),
        ReasonCode::FaceShadow,
    )
}

/// Across this share of the face width…
const EDGE_ACROSS_FW: f64 = 0.03;
/// …light that changes by this many stops (a factor of 2) is a hard edge.
const EDGE_STOPS: f32 = 1.0;
/// Luminance is smoothed over this share of the face width first (pores, noise)…
const EDGE_SMOOTH_FW: f64 = 0.01;
/// …and read no darker than this (linear luminance): below it a ratio is the sensor's noise.
const EDGE_MIN_LUMINANCE: f32 = 0.004;

/// The share of the hairless facial skin ([`FaceCell::in_hairless_skin`]: forehead, nose
/// bridge, upper cheeks; skin only, not the nose, whose own ridge turns the light sharply)
/// that lies on a hard light edge: its smoothed luminance and that of the skin
/// [`EDGE_ACROSS_FW`] to its right or below differ by [`EDGE_STOPS`] or more. A ratio, so
/// the skin's tone and the exposure do not count. `None` without skin there.
///
/// [`FaceCell::in_hairless_skin`]: super::regions::FaceCell::in_hairless_skin
#[allow(
    clippy::indexing_slicing,
    reason = "i, i + d and i + d·w are inside the w × h box (checked against w and h)"
)]
pub fn hard_edge_share(s: &Subject<'_>) -> Option<f64> {
    let st = s.face_stats()?;
    let head = s.head.as_ref()?;
    let n = st.size;
    let cell = f64::from(st.cell).max(1e-6);
    let cells_of = |fw: f64| (fw * head.face_width / cell).round().max(1.0) as usize;
    // the zone's cells and their bounding box on the grid
    let mut zone = Vec::new();
    let (mut x0, mut y0, mut x1, mut y1) = (n, n, 0, 0);
    for i in st.indices_of(&[K::Skin]) {
        let Some(c) = st.grid.get(i).and_then(Option::as_ref) else {
            continue;
        };
        if c.in_hairless_skin(head) {
            let (x, y) = (i % n, i / n);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            zone.push((x, y, relative_luminance(f64::from(c.lab.l)) as f32));
        }
    }
    if zone.is_empty() {
        return None;
    }
    let (w, h) = (x1 - x0, y1 - y0);
    let mut lum = vec![0f32; w * h];
    let mut mask = vec![0f32; w * h];
    for &(x, y, l) in &zone {
        let i = (y - y0) * w + (x - x0);
        lum[i] = l;
        mask[i] = 1.0;
    }
    let smooth = super::specular::box_mean(&lum, &mask, w, h, cells_of(EDGE_SMOOTH_FW));
    let stops: Vec<f32> = smooth
        .iter()
        .map(|v| v.max(EDGE_MIN_LUMINANCE).log2())
        .collect();
    let d = cells_of(EDGE_ACROSS_FW);
    let mut on_edge = 0usize;
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if mask[i] == 0.0 {
                continue;
            }
            let across = |j: usize| mask[j] > 0.0 && (stops[j] - stops[i]).abs() >= EDGE_STOPS;
            if (x + d < w && across(i + d)) || (y + d < h && across(i + d * w)) {
                on_edge += 1;
            }
        }
    }
    Some(on_edge as f64 / zone.len() as f64)
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
