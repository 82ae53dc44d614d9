//! `sharpness`, `exposure`, `color`.

use super::Subject;
use crate::analysis::FaceClass as K;
use crate::models::sample::Affine;
use crate::report::{CheckId, CheckResult, Measure, Reason, ReasonCode};
use crate::spec::{ColorCheck, ExposureCheck, SharpnessCheck};

/// Sharpness is measured on a square of this many face widths around the face (features and
/// outline; both blur together) …
const SHARPNESS_REGION: f64 = 1.2;
/// … resampled to this many pixels, so the value does not depend on the photo's resolution.
const SHARPNESS_SIDE: usize = 128;
/// L* at or below which a skin pixel is clipped black.
const CLIP_DARK_L: f32 = 2.0;
/// L* at or above which a skin pixel is clipped white.
const CLIP_BRIGHT_L: f32 = 98.0;

/// Variance of the Laplacian of the face, resampled to a fixed size.
#[allow(
    clippy::indexing_slicing,
    reason = "chunks_exact(3) items have 3 values; the Laplacian reads i±1, i±n for 1 ≤ x, y < n − 1 of an n×n buffer"
)]
pub fn sharpness_value(s: &Subject<'_>) -> Option<f64> {
    let head = s.head.as_ref()?;
    let c = head.to_source([head.face_center_u, head.chin_down * 0.4]);
    let map = Affine::square_crop(
        c[0],
        c[1],
        head.face_width * SHARPNESS_REGION,
        head.angle,
        SHARPNESS_SIDE,
    );
    let rgb = s
        .pyramid()
        .sample(&map, SHARPNESS_SIDE, SHARPNESS_SIDE, 0.0);
    let n = SHARPNESS_SIDE;
    let g: Vec<f64> = rgb
        .chunks_exact(3)
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect();
    let mut vals = Vec::with_capacity(n * n);
    for y in 1..n - 1 {
        for x in 1..n - 1 {
            let i = y * n + x;
            vals.push(g[i - 1] + g[i + 1] + g[i - n] + g[i + n] - 4.0 * g[i]);
        }
    }
    let m = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
    Some(vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / vals.len().max(1) as f64)
}

/// In focus.
pub fn sharpness(s: &Subject<'_>, cfg: &SharpnessCheck) -> CheckResult {
    let Some(v) = sharpness_value(s) else {
        return CheckResult::not_applicable(CheckId::Sharpness, ReasonCode::NeedsOneFace);
    };
    CheckResult::judge(
        CheckId::Sharpness,
        v >= cfg.min_sharpness,
        Measure::map([("laplacian_variance", v)]),
        Measure::map([("min_sharpness", cfg.min_sharpness)]),
        ReasonCode::Blurry,
    )
}

/// Mean L* of the facial skin and the share clipped (dark, bright).
pub fn skin_exposure(s: &Subject<'_>) -> Option<(f64, f64, f64)> {
    let st = s.face_stats()?;
    let (mut n, mut sum, mut dark, mut bright) = (0usize, 0f64, 0usize, 0usize);
    for c in st.of_classes(&[K::Skin, K::Nose]) {
        n += 1;
        sum += c.lab.l as f64;
        dark += (c.lab.l <= CLIP_DARK_L) as usize;
        bright += (c.lab.l >= CLIP_BRIGHT_L) as usize;
    }
    (n > 0).then(|| {
        (
            sum / n as f64,
            dark as f64 / n as f64,
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
