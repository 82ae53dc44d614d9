//! `sharpness`, `exposure`, `color`.

use super::{edge_blur, Subject};
use crate::analysis::FaceClass as K;
use crate::models::sample::Affine;
use crate::report::{CheckId, CheckResult, Measure, Reason, ReasonCode};
use crate::spec::{ColorCheck, ExposureCheck, SharpnessCheck};

/// Sharpness is measured on a square of this many face widths around the face (features and
/// outline; both blur together) …
const SHARPNESS_REGION: f64 = 1.2;
/// … at the photo's own pixels, or reduced to this many pixels a side when the square is
/// larger (a face of 270 px or more: a reduced square still has more detail than any spec's
/// output shows, and the estimate's cost stays bounded).
const SHARPNESS_MAX_SIDE: usize = 320;
/// L* at or below which a skin pixel is clipped black.
const CLIP_DARK_L: f32 = 2.0;
/// L* at or above which a skin pixel is clipped white.
const CLIP_BRIGHT_L: f32 = 98.0;

/// The face's blur: the radius of its sharpest edges in source pixels
/// ([`edge_blur::estimate`]), and the same at the output's scale — what blur the delivered
/// photo shows, not counting an enlargement to the output, which `resolution` judges.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceBlur {
    /// Blur radius (σ) in source pixels, across the most blurred direction.
    pub source_px: f64,
    /// The same across the sharpest direction (smaller under motion blur).
    pub sharpest_px: f64,
    /// `source_px` at the output's scale when the output reduces the photo (else as is).
    pub output_px: f64,
}

/// The face's blur (see [`FaceBlur`]).
pub fn face_blur(s: &Subject<'_>) -> Option<FaceBlur> {
    let head = s.head.as_ref()?;
    let plan = s.plan.as_ref()?;
    let c = head.to_source([head.face_center_u, head.chin_down * 0.4]);
    let side = head.face_width * SHARPNESS_REGION;
    // the photo's own pixels, axis-aligned on whole pixels, unresampled; a larger square is
    // reduced to SHARPNESS_MAX_SIDE
    let (n, scale) = if side <= SHARPNESS_MAX_SIDE as f64 {
        ((side.round() as usize).max(8), 1.0)
    } else {
        (SHARPNESS_MAX_SIDE, side / SHARPNESS_MAX_SIDE as f64)
    };
    let (x0, y0) = (c[0] - side / 2.0, c[1] - side / 2.0);
    let (x0, y0) = if scale == 1.0 {
        (x0.round(), y0.round())
    } else {
        (x0, y0)
    };
    let map = Affine::scale_offset(scale, x0, y0);
    let rgb = s.pyramid().sample(&map, n, n, f32::NAN);
    let g: Vec<f32> = rgb
        .as_chunks::<3>()
        .0
        .iter()
        .map(|[r, g, b]| 0.299 * r + 0.587 * g + 0.114 * b)
        .collect();
    // beyond the photo's edge: the nearest inside value would make a false sharp step, so
    // the square is cut to the rows and columns wholly inside the photo
    let (w, h, g) = inside_part(&g, n)?;
    let b = edge_blur::estimate(&g, w, h)?;
    let px = f64::from(b.sigma) * scale;
    Some(FaceBlur {
        source_px: px,
        sharpest_px: f64::from(b.sigma_sharpest) * scale,
        output_px: px * plan.scale.min(1.0),
    })
}

/// The largest block of whole rows and columns of an `n` × `n` buffer with no NaN (the part
/// of a square crop inside the photo): its width, height and values.
fn inside_part(g: &[f32], n: usize) -> Option<(usize, usize, Vec<f32>)> {
    let row_ok = |y: usize| {
        g.get(y * n..(y + 1) * n)
            .is_some_and(|r| r.iter().any(|v| !v.is_nan()))
    };
    let col_ok = |x: usize| (0..n).any(|y| g.get(y * n + x).is_some_and(|v| !v.is_nan()));
    let ys: Vec<usize> = (0..n).filter(|&y| row_ok(y)).collect();
    let xs: Vec<usize> = (0..n).filter(|&x| col_ok(x)).collect();
    let (&ya, &yb) = (ys.first()?, ys.last()?);
    let (&xa, &xb) = (xs.first()?, xs.last()?);
    let (w, h) = (xb - xa + 1, yb - ya + 1);
    let mut out = Vec::with_capacity(w * h);
    for y in ya..=yb {
        for x in xa..=xb {
            let v = g.get(y * n + x).copied().unwrap_or(f32::NAN);
            if v.is_nan() {
                return None;
            }
            out.push(v);
        }
    }
    Some((w, h, out))
}

/// In focus: the face's edges in the delivered photo are no wider than the spec allows.
pub fn sharpness(s: &Subject<'_>, cfg: &SharpnessCheck) -> CheckResult {
    let Some(b) = face_blur(s) else {
        return CheckResult::not_applicable(CheckId::Sharpness, ReasonCode::NeedsOneFace);
    };
    CheckResult::judge(
        CheckId::Sharpness,
        b.output_px <= cfg.max_blur_px,
        Measure::map([
            ("blur_px", b.output_px),
            ("source_blur_px", b.source_px),
            ("sharpest_source_blur_px", b.sharpest_px),
        ]),
        Measure::map([("max_blur_px", cfg.max_blur_px)]),
        ReasonCode::Blurry,
    )
}

/// Mean L* of the facial skin and the share clipped (dark, bright). Clipped black is
/// counted on the skin where nothing but skin can be black from a lack of light (see
/// [`FaceCell::in_hairless_skin`](super::regions::FaceCell::in_hairless_skin)); clipped white on all of it.
pub fn skin_exposure(s: &Subject<'_>) -> Option<(f64, f64, f64)> {
    let st = s.face_stats()?;
    let head = s.head.as_ref()?;
    let (mut n, mut sum, mut bright) = (0usize, 0f64, 0usize);
    let (mut hairless, mut dark) = (0usize, 0usize);
    for c in st.of_classes(&[K::Skin, K::Nose]) {
        n += 1;
        sum += c.lab.l as f64;
        bright += (c.lab.l >= CLIP_BRIGHT_L) as usize;
        if c.in_hairless_skin(head) {
            hairless += 1;
            dark += (c.lab.l <= CLIP_DARK_L) as usize;
        }
    }
    (n > 0).then(|| {
        (
            sum / n as f64,
            dark as f64 / hairless.max(1) as f64,
            bright as f64 / n as f64,
        )
    })
}

/// Neither under- nor over-exposed, no clipping on the face.
pub fn exposure(s: &Subject<'_>, cfg: &ExposureCheck) -> CheckResult {
    let Some((l, dark, bright)) = skin_exposure(s) else {
        return CheckResult::not_applicable(CheckId::Exposure, ReasonCode::SkinNotFound);
    };
    let value = Measure::map([
        ("face_l", l),
        ("clipped_dark", dark),
        ("clipped_bright", bright),
    ]);
    let limit = Measure::nested([
        ("face_l", Measure::from(cfg.face_l)),
        (
            "max_clipped_fraction",
            Measure::num(cfg.max_clipped_fraction),
        ),
    ]);
    let mut reasons: Vec<Reason> = Vec::new();
    if let Some(m) = cfg.face_l.min.filter(|&m| l < m) {
        reasons.push(
            Reason::from(ReasonCode::Underexposed).with_detail(format!("face L* {l:.1} < {m}")),
        );
    }
    if let Some(m) = cfg.face_l.max.filter(|&m| l > m) {
        reasons.push(
            Reason::from(ReasonCode::Overexposed).with_detail(format!("face L* {l:.1} > {m}")),
        );
    }
    if dark.max(bright) > cfg.max_clipped_fraction {
        let (what, v) = if dark >= bright {
            ("black", dark)
        } else {
            ("white", bright)
        };
        reasons.push(
            Reason::from(ReasonCode::ClippedExposure).with_detail(format!(
                "{:.1} % of the face clipped to {what} > {:.1} %",
                v * 100.0,
                cfg.max_clipped_fraction * 100.0
            )),
        );
    }
    CheckResult::with_reasons(CheckId::Exposure, value, limit, reasons)
}

/// Colour photo with natural skin colour: not grayscale or sepia (skin chroma), no colour cast
/// (the skin's mean a*b* inside the natural box of ISO/IEC 29794-5, within a just-noticeable
/// difference). The cast is read off the skin, not the backdrop: a tinted backdrop may be paint.
pub fn color(s: &Subject<'_>, cfg: &ColorCheck) -> CheckResult {
    let Some(st) = s.face_stats() else {
        return CheckResult::not_applicable(CheckId::Color, ReasonCode::SkinNotFound);
    };
    let (mut n, mut chroma, mut a, mut b) = (0usize, 0f64, 0f64, 0f64);
    for c in st.of_classes(&[K::Skin, K::Nose]) {
        n += 1;
        chroma += f64::from(c.lab.chroma());
        a += f64::from(c.lab.a);
        b += f64::from(c.lab.b);
    }
    if n == 0 {
        return CheckResult::not_applicable(CheckId::Color, ReasonCode::SkinNotFound);
    }
    let k = n as f64;
    let (chroma, a, b) = (chroma / k, a / k, b / k);
    let cast = cfg.natural_a.distance(a).hypot(cfg.natural_b.distance(b));
    let value = Measure::map([
        ("skin_chroma", chroma),
        ("a", a),
        ("b", b),
        ("cast_delta_e", cast),
    ]);
    let limit = Measure::nested([
        ("min_skin_chroma", Measure::num(cfg.min_skin_chroma)),
        ("natural_a", Measure::from(cfg.natural_a)),
        ("natural_b", Measure::from(cfg.natural_b)),
        ("max_cast_delta_e", Measure::num(cfg.max_cast_delta_e)),
    ]);
    let mut reasons: Vec<Reason> = Vec::new();
    if chroma < cfg.min_skin_chroma {
        reasons.push(ReasonCode::NotColor.into());
    } else if cast > cfg.max_cast_delta_e {
        // (a grayscale face lies outside the box too: that is its own reason)
        reasons.push(Reason::from(ReasonCode::ColorCast).with_detail(format!(
            "skin a* {a:.1}, b* {b:.1}: {cast:.1} outside the natural range"
        )));
    }
    CheckResult::with_reasons(CheckId::Color, value, limit, reasons)
}
