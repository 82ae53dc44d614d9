//! `background_uniform`, `background_color`, `background_shadow`.

use super::Subject;
use crate::color::{delta_e2000, srgb_to_lab, Lab};
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::{BackgroundShadowCheck, BackgroundUniformCheck};

/// Below this share of visible backdrop (of the image) the backdrop cannot be judged.
pub const MIN_BACKGROUND_COVERAGE: f64 = 0.03;
/// The band next to the head where a cast shadow falls, in face widths from the person's edge.
const SHADOW_NEAR: f32 = 0.35;
/// The backdrop farther than this (face widths) from the person is the reference.
const SHADOW_FAR: f32 = 0.6;
/// Fewest samples in a region for a mean to count.
const MIN_SAMPLES: usize = 12;

fn replaced_or(s: &Subject<'_>, auto: ReasonCode, retake: ReasonCode) -> ReasonCode {
    if s.spec.background.replaceable {
        auto
    } else {
        retake
    }
}

fn mean_l<'a>(it: impl Iterator<Item = &'a Lab>) -> Option<(f64, usize)> {
    let (mut sum, mut n) = (0.0, 0usize);
    for l in it {
        sum += l.l as f64;
        n += 1;
    }
    (n >= MIN_SAMPLES).then(|| (sum / n as f64, n))
}

/// The backdrop samples, or why there are none to judge.
fn backdrop<'s>(s: &'s Subject<'_>) -> Result<&'s super::regions::BackgroundStats, ReasonCode> {
    match s.background_stats() {
        None => Err(ReasonCode::SegmentationUnavailable),
        Some(bg) if bg.coverage() < MIN_BACKGROUND_COVERAGE => {
            Err(ReasonCode::BackgroundNotVisible)
        }
        Some(bg) => Ok(bg),
    }
}

/// How plain the backdrop is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plainness {
    /// Standard deviation of L* over the backdrop.
    pub std_l: f64,
    /// Largest L* difference between its halves (left/right) or its top third and the rest.
    pub gradient_l: f64,
    /// Standard deviation of L* left after removing the best smooth (quadratic) light falloff
    /// across the image: what is texture, clutter or objects rather than studio light.
    pub texture_l: f64,
    /// How evenly that texture spreads over the backdrop, 0..=1 (see [`texture_spread`]).
    pub texture_spread: f64,
    /// RMS chroma difference (ΔE*ab in the a*b* plane, each sample's a*b* taken at the backdrop's
    /// mean lightness so that shading does not count) left after removing the best smooth
    /// (quadratic) trend of a* and of b*: a backdrop of more than one colour. Light changes a
    /// plain backdrop's lightness, not its paint.
    pub texture_ab: f64,
    /// How evenly the chroma texture spreads over the backdrop, 0..=1 (see [`texture_spread`]).
    pub texture_ab_spread: f64,
}

impl Plainness {
    /// Whether the backdrop has texture, clutter or objects: lightness or chroma varies beyond
    /// `cfg`'s limits around a smooth trend, and the variation spreads over the backdrop
    /// (a texture confined to a few stray strands or a watermark is not a textured backdrop).
    pub fn textured(&self, cfg: &BackgroundUniformCheck) -> bool {
        let spread = |v: f64| v >= cfg.min_texture_spread;
        (self.texture_l > cfg.max_texture_l && spread(self.texture_spread))
            || (self.texture_ab > cfg.max_texture_ab && spread(self.texture_ab_spread))
    }
}

/// A plain backdrop: no texture or objects (L* varies little around a smooth light falloff)
/// and no strong gradient across it.
pub fn uniform(s: &Subject<'_>, cfg: &BackgroundUniformCheck) -> CheckResult {
    if let Err(code) = backdrop(s) {
        return CheckResult::not_applicable(CheckId::BackgroundUniform, code);
    }
    let Some(p) = plainness(s) else {
        return CheckResult::not_applicable(
            CheckId::BackgroundUniform,
            ReasonCode::BackgroundNotVisible,
        );
    };
    CheckResult::judge(
        CheckId::BackgroundUniform,
        !p.textured(cfg) && p.gradient_l <= cfg.max_gradient_l,
        Measure::map([
            ("texture_l", p.texture_l),
            ("texture_spread", p.texture_spread),
            ("texture_ab", p.texture_ab),
            ("texture_ab_spread", p.texture_ab_spread),
            ("gradient_l", p.gradient_l),
            ("std_l", p.std_l),
        ]),
        Measure::map([
            ("max_texture_l", cfg.max_texture_l),
            ("max_texture_ab", cfg.max_texture_ab),
            ("min_texture_spread", cfg.min_texture_spread),
            ("max_gradient_l", cfg.max_gradient_l),
        ]),
        replaced_or(
            s,
            ReasonCode::BackgroundNotUniformReplaced,
            ReasonCode::BackgroundNotUniform,
        ),
    )
}

/// The backdrop's L* spread, gradient and lightness and chroma texture (see [`Plainness`]).
pub fn plainness(s: &Subject<'_>) -> Option<Plainness> {
    let bg = s.background_stats()?;
    if bg.coverage() < MIN_BACKGROUND_COVERAGE {
        return None;
    }
    let n = bg.pixels.len() as f64;
    let mean = bg.pixels.iter().map(|p| p.lab.l as f64).sum::<f64>() / n;
    let std = (bg
        .pixels
        .iter()
        .map(|p| (p.lab.l as f64 - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    let (w, h) = (s.image.width() as f32, s.image.height() as f32);
    let half = |f: &dyn Fn(&super::regions::BgPixel) -> bool| {
        mean_l(bg.pixels.iter().filter(|p| f(p)).map(|p| &p.lab))
    };
    let mut gradient: f64 = 0.0;
    if let (Some(l), Some(r)) = (half(&|p| p.x < w / 2.0), half(&|p| p.x >= w / 2.0)) {
        gradient = gradient.max((l.0 - r.0).abs());
    }
    if let (Some(t), Some(b)) = (half(&|p| p.y < h / 3.0), half(&|p| p.y >= h / 3.0)) {
        gradient = gradient.max((t.0 - b.0).abs());
    }
    // one channel's residuals around its quadratic trend over the image
    let residual_of = |channel: &dyn Fn(&Lab) -> f64| {
        let samples: Vec<([f64; 2], f64)> = bg
            .pixels
            .iter()
            .map(|p| {
                (
                    [(p.x / w) as f64 - 0.5, (p.y / h) as f64 - 0.5],
                    channel(&p.lab),
                )
            })
            .collect();
        quadratic_residual(&samples)
    };
    let residuals = residual_of(&|c| f64::from(c.l));
    // Shading (light × k) scales L* + 16, a* and b* alike by k^⅓ (CIELAB's cube root), so a
    // saturated backdrop's creases and falloff move its a*b* as much as a colour change would
    // (10 % less light on a red cloth: 3.6 ΔE*ab). Each sample's a*b* is taken at the
    // backdrop's mean lightness, (a*, b*)·(L̄ + 16)/(L* + 16): the same paint reads the same
    // under any light (exactly, above L* 8, where the cube root holds).
    let at_mean = |c: &Lab, v: f32| f64::from(v) * (mean + 16.0) / (f64::from(c.l) + 16.0);
    let chroma = residual_of(&|c| at_mean(c, c.a))
        .zip(residual_of(&|c| at_mean(c, c.b)))
        .map(|(a, b)| {
            a.iter()
                .zip(&b)
                .map(|(a, b)| a.hypot(*b))
                .collect::<Vec<f64>>()
        });
    Some(Plainness {
        std_l: std,
        gradient_l: gradient,
        texture_l: residuals.as_deref().map_or(std, rms),
        texture_spread: residuals.as_deref().map_or(1.0, texture_spread),
        // a degenerate fit (too few or collinear samples) judges by lightness alone
        texture_ab: chroma.as_deref().map_or(0.0, rms),
        texture_ab_spread: chroma.as_deref().map_or(1.0, texture_spread),
    })
}

/// Residuals of the least-squares fit `v ≈ c0 + c1·x + c2·y + c3·x² + c4·xy + c5·y²`
/// (`None` when the fit is degenerate: too few or collinear samples).
#[allow(
    clippy::indexing_slicing,
    reason = "fixed 6 × 6 normal equations, indices 0..6"
)]
fn quadratic_residual(samples: &[([f64; 2], f64)]) -> Option<Vec<f64>> {
    let feats = |[x, y]: [f64; 2]| [1.0, x, y, x * x, x * y, y * y];
    let (mut m, mut b) = ([[0f64; 6]; 6], [0f64; 6]);
    for &(p, v) in samples {
        let f = feats(p);
        for i in 0..6 {
            for j in 0..6 {
                m[i][j] += f[i] * f[j];
            }
            b[i] += f[i] * v;
        }
    }
    // Gauss-Jordan elimination with partial pivoting
    for c in 0..6 {
        let piv = (c..6).max_by(|&r, &q| m[r][c].abs().total_cmp(&m[q][c].abs()))?;
        m.swap(c, piv);
        b.swap(c, piv);
        if m[c][c].abs() < 1e-9 * samples.len().max(1) as f64 {
            return None;
        }
        for r in 0..6 {
            if r != c {
                let f = m[r][c] / m[c][c];
                let pivot_row = m[c];
                for (x, p) in m[r].iter_mut().zip(pivot_row) {
                    *x -= f * p;
                }
                b[r] -= f * b[c];
            }
        }
    }
    let coef: Vec<f64> = (0..6).map(|i| b[i] / m[i][i]).collect();
    Some(
        samples
            .iter()
            .map(|&(p, v)| {
                let fit: f64 = feats(p).iter().zip(&coef).map(|(f, c)| f * c).sum();
                v - fit
            })
            .collect(),
    )
}

/// Root mean square (0 for no values).
fn rms(v: &[f64]) -> f64 {
    (v.iter().map(|r| r * r).sum::<f64>() / v.len().max(1) as f64).sqrt()
}

/// Share of the samples a texture must not be confined to (see [`texture_spread`]).
const SPARSE_SHARE: f64 = 0.1;

/// How evenly the residuals spread over the backdrop: the RMS of all but the largest
/// [`SPARSE_SHARE`] of them over the RMS of all, 0..=1. Texture spread over the backdrop
/// (a mottled cloth, a room) keeps most of its RMS (Gaussian noise: 0.79); a few stray hair
/// strands or a watermark on an otherwise plain backdrop make the largest tenth carry almost
/// all of it (→ 0). 1 when there is no residual at all.
pub fn texture_spread(residuals: &[f64]) -> f64 {
    let all = rms(residuals);
    if all <= f64::EPSILON {
        return 1.0;
    }
    let mut abs: Vec<f64> = residuals.iter().map(|r| r.abs()).collect();
    let keep = ((abs.len() as f64 * (1.0 - SPARSE_SHARE)).round() as usize).clamp(1, abs.len());
    // the `keep` smallest first (in linear time; their order does not matter to the rms)
    abs.select_nth_unstable_by(keep - 1, f64::total_cmp);
    rms(abs.get(..keep).unwrap_or(&abs)) / all
}

/// Median backdrop colour.
pub fn background_lab(s: &Subject<'_>) -> Option<Lab> {
    let bg = s.background_stats()?;
    if bg.coverage() < MIN_BACKGROUND_COVERAGE {
        return None;
    }
    Some(Lab::median(bg.pixels.iter().map(|p| p.lab)))
}

/// The backdrop colour the spec asks for (CIEDE2000 to the nearest accepted colour).
pub fn color(s: &Subject<'_>) -> CheckResult {
    if let Err(code) = backdrop(s) {
        return CheckResult::not_applicable(CheckId::BackgroundColor, code);
    }
    let Some(m) = background_lab(s) else {
        return CheckResult::not_applicable(
            CheckId::BackgroundColor,
            ReasonCode::BackgroundNotVisible,
        );
    };
    let de = s
        .spec
        .background
        .colors
        .iter()
        .map(|&c| delta_e2000(m, srgb_to_lab(c)))
        .fold(f64::INFINITY, f64::min);
    CheckResult::judge(
        CheckId::BackgroundColor,
        de <= s.spec.background.max_delta_e,
        Measure::map([
            ("delta_e", de),
            ("l", m.l as f64),
            ("a", m.a as f64),
            ("b", m.b as f64),
        ]),
        Measure::map([("max_delta_e", s.spec.background.max_delta_e)]),
        replaced_or(
            s,
            ReasonCode::BackgroundColorReplaced,
            ReasonCode::BackgroundWrongColor,
        ),
    )
}

/// No shadow of the head on the backdrop: next to the person, on each side, the backdrop is
/// not darker than the same side farther out.
pub fn shadow(s: &Subject<'_>, cfg: &BackgroundShadowCheck) -> CheckResult {
    let bg = match backdrop(s) {
        Ok(bg) => bg,
        Err(code) => return CheckResult::not_applicable(CheckId::BackgroundShadow, code),
    };
    let Some(head) = s.head.as_ref() else {
        return CheckResult::not_applicable(CheckId::BackgroundShadow, ReasonCode::NeedsOneFace);
    };
    let fw = head.face_width as f32;
    let cu = head.face_center_u as f32;
    let mut drop: f64 = 0.0;
    for left in [true, false] {
        let side = |u: f32| (u < cu) == left;
        let near = mean_l(
            bg.pixels
                .iter()
                .filter(|p| side(p.u) && p.dist <= SHADOW_NEAR * fw)
                .map(|p| &p.lab),
        );
        let far = mean_l(
            bg.pixels
                .iter()
                .filter(|p| side(p.u) && p.dist > SHADOW_FAR * fw)
                .map(|p| &p.lab),
        );
        if let (Some(n), Some(f)) = (near, far) {
            drop = drop.max(f.0 - n.0);
        }
    }
    CheckResult::judge(
        CheckId::BackgroundShadow,
        drop <= cfg.max_drop_l,
        Measure::map([("drop_l", drop)]),
        Measure::map([("max_drop_l", cfg.max_drop_l)]),
        replaced_or(
            s,
            ReasonCode::BackgroundShadowReplaced,
            ReasonCode::BackgroundShadow,
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::{quadratic_residual, rms, texture_spread};

    #[test]
    fn a_smooth_falloff_leaves_no_residual_and_noise_does() {
        let grid: Vec<[f64; 2]> = (0..20)
            .flat_map(|i| (0..20).map(move |j| [i as f64 / 20.0 - 0.5, j as f64 / 20.0 - 0.5]))
            .collect();
        let smooth: Vec<_> = grid
            .iter()
            .map(|&[x, y]| ([x, y], 70.0 + 20.0 * x - 15.0 * y * y + 5.0 * x * y))
            .collect();
        assert!(rms(&quadratic_residual(&smooth).unwrap()) < 1e-6);
        let checker: Vec<_> = grid
            .iter()
            .enumerate()
            .map(|(k, &p)| (p, if (k + k / 20) % 2 == 0 { 60.0 } else { 80.0 }))
            .collect();
        assert!((rms(&quadratic_residual(&checker).unwrap()) - 10.0).abs() < 0.5);
        assert!(quadratic_residual(&smooth[..3]).is_none());
    }

    #[test]
    fn stray_strands_are_a_sparse_texture_and_a_pattern_is_not() {
        // a plain wall (noise ±0.5 L*) crossed by dark strands on 5 % of it: RMS well above
        // the 6-L* limit, but carried by the strands
        let strands: Vec<f64> = (0..400)
            .map(|k| {
                if k % 20 == 0 {
                    -35.0
                } else if k % 2 == 0 {
                    0.5
                } else {
                    -0.5
                }
            })
            .collect();
        assert!(rms(&strands) > 6.0);
        assert!(
            texture_spread(&strands) < 0.2,
            "{}",
            texture_spread(&strands)
        );
        // the same RMS spread over the whole backdrop (a checkered or mottled cloth)
        let pattern: Vec<f64> = (0..400)
            .map(|k| if k % 2 == 0 { 8.0 } else { -8.0 })
            .collect();
        assert!(texture_spread(&pattern) > 0.95);
        // no residual at all is even
        assert_eq!(texture_spread(&[0.0; 10]), 1.0);
    }
}
