//! How wide the photo's sharpest edges are: the blur radius of a grey image, estimated by
//! blurring it again (the gradient-ratio method of Zhuo & Sim, "Defocus map estimation from a
//! single image", Pattern Recognition 44, 2011).
//!
//! An edge of contrast `A` blurred by a Gaussian of radius σ has the largest gradient
//! `A / (√(2π) σ)`. Blurred again by a known σ₀, it has `A / (√(2π) √(σ² + σ₀²))`, so the ratio
//! `R` of the two gradients at the edge gives σ = σ₀ / √(R² − 1), whatever the contrast. A
//! sharp edge loses much of its gradient to the second blur (R large, σ small); an edge that
//! was already blurred — a photo enlarged from fewer pixels, out of focus, moved — loses little.
//! Motion blurs only the edges across the motion, so the radius is estimated per gradient
//! direction and the largest is the photo's.

use super::regions::quantile;

/// The known second blur, pixels. Large enough that an edge already blurred by 3–4 px (a photo
/// enlarged 4×) still changes measurably (R ≈ 1.1), small enough for the features of a face of
/// 100 px to stay apart.
pub const REBLUR_SIGMA: f32 = 3.0;
/// An edge point's gradient must reach this share of the strong gradients' level (the 99th
/// percentile): the sharpest edges of the face (eyelids, brows, lips, the outline against the
/// backdrop), not skin texture or noise.
const STRONG_EDGE_SHARE: f32 = 0.25;
/// …and at least this many grey levels per pixel, so a flat, noisy region has no edges.
const MIN_EDGE_GRADIENT: f32 = 3.0;
/// A gradient direction is judged only with at least this many edge points.
const MIN_EDGES_PER_DIRECTION: usize = 24;
/// Within a direction, the blur is read at this quantile of the edge points' radii: an edge
/// cannot be sharper than the photo's blur, but the scene has soft edges of its own (a cheek's
/// shading, a wisp of hair), so the sharper edges tell the photo's blur.
const SHARP_QUANTILE: f64 = 0.3;
/// Radii are reported up to this many pixels (an edge that does not change when blurred again).
pub const MAX_BLUR_PX: f32 = 16.0;

/// The blur estimate of one image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeBlur {
    /// Blur radius (Gaussian σ, pixels) across the most blurred gradient direction.
    pub sigma: f32,
    /// The same across the sharpest direction (equal to `sigma` for even blur; smaller under
    /// motion blur).
    pub sigma_sharpest: f32,
}

/// A normalised 1-D Gaussian kernel of radius ⌈3σ⌉.
fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let r = (3.0 * sigma).ceil() as i32;
    let k: Vec<f32> = (-r..=r)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let s: f32 = k.iter().sum();
    k.into_iter().map(|v| v / s).collect()
}

/// Separable Gaussian blur of a `w` × `h` buffer, edges clamped. Each pass runs over whole
/// rows (a dot product per pixel across a padded row, then rows added with their weights), so
/// the compiler vectorises both.
fn blur(g: &[f32], w: usize, h: usize, sigma: f32) -> Vec<f32> {
    let k = gaussian_kernel(sigma);
    let r = k.len() / 2;
    let mut tmp = vec![0f32; w * h];
    let mut padded = vec![0f32; w + 2 * r];
    for (row, out) in g.chunks_exact(w).zip(tmp.chunks_exact_mut(w)) {
        let (first, last) = (row.first().copied(), row.last().copied());
        for (i, p) in padded.iter_mut().enumerate() {
            *p = if i < r {
                first.unwrap_or(0.0)
            } else if i >= r + w {
                last.unwrap_or(0.0)
            } else {
                row.get(i - r).copied().unwrap_or(0.0)
            };
        }
        for (x, o) in out.iter_mut().enumerate() {
            let win = padded.get(x..x + k.len()).unwrap_or(&[]);
            *o = win.iter().zip(&k).map(|(a, b)| a * b).sum();
        }
    }
    let mut out = vec![0f32; w * h];
    for (y, orow) in out.chunks_exact_mut(w).enumerate() {
        for (j, &kv) in k.iter().enumerate() {
            let yy = (y + j).saturating_sub(r).min(h - 1);
            let src = tmp.get(yy * w..(yy + 1) * w).unwrap_or(&[]);
            for (o, &v) in orow.iter_mut().zip(src) {
                *o += kv * v;
            }
        }
    }
    out
}

/// Central-difference gradient `(gx, gy)` at an inner pixel.
#[inline]
fn gradient(g: &[f32], w: usize, x: usize, y: usize) -> (f32, f32) {
    let v = |xx: usize, yy: usize| g.get(yy * w + xx).copied().unwrap_or(0.0);
    (
        (v(x + 1, y) - v(x - 1, y)) / 2.0,
        (v(x, y + 1) - v(x, y - 1)) / 2.0,
    )
}

/// The gradient's direction to the nearest 45° (0: across a vertical edge, 1: down-right,
/// 2: across a horizontal edge, 3: down-left), the way the angle would round, without atan2.
fn direction(gx: f32, gy: f32) -> u8 {
    // tan 22.5°
    const T: f32 = 0.414_213_57;
    let (ax, ay) = (gx.abs(), gy.abs());
    if ay <= T * ax {
        0
    } else if ax <= T * ay {
        2
    } else if (gx > 0.0) == (gy > 0.0) {
        1
    } else {
        3
    }
}

/// The blur radius of a grey `w` × `h` image (0..255), or `None` when it has too few strong
/// edges to tell (a flat or tiny image).
pub fn estimate(g: &[f32], w: usize, h: usize) -> Option<EdgeBlur> {
    if w < 8 || h < 8 || g.len() != w * h {
        return None;
    }
    let again = blur(g, w, h, REBLUR_SIGMA);
    // gradient magnitude of the photo at every inner pixel
    let mut mag = vec![0f32; w * h];
    let mut dirs = vec![0u8; w * h];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let (gx, gy) = gradient(g, w, x, y);
            let i = y * w + x;
            if let Some(m) = mag.get_mut(i) {
                *m = (gx * gx + gy * gy).sqrt();
            }
            if let Some(dd) = dirs.get_mut(i) {
                *dd = direction(gx, gy);
            }
        }
    }
    let p99 = quantile(mag.iter().copied().filter(|&m| m > 0.0).collect(), 0.99)?;
    let floor = (p99 * STRONG_EDGE_SHARE).max(MIN_EDGE_GRADIENT);
    // neighbour offsets along each direction's gradient
    let step: [(isize, isize); 4] = [(1, 0), (1, 1), (0, 1), (-1, 1)];
    let mut radii: [Vec<f32>; 4] = Default::default();
    for y in 2..h - 2 {
        for x in 2..w - 2 {
            let i = y * w + x;
            let (Some(&m), Some(&d)) = (mag.get(i), dirs.get(i)) else {
                continue;
            };
            if m < floor {
                continue;
            }
            // a ridge of the gradient across the edge (non-maximum suppression)
            let (dx, dy) = step.get(d as usize).copied().unwrap_or((1, 0));
            let nb = |s: isize| {
                let (xx, yy) = (
                    (x as isize + s * dx) as usize,
                    (y as isize + s * dy) as usize,
                );
                mag.get(yy * w + xx).copied().unwrap_or(0.0)
            };
            if m < nb(1) || m < nb(-1) {
                continue;
            }
            let (bx, by) = gradient(&again, w, x, y);
            let m2 = (bx * bx + by * by).sqrt();
            let r = m / m2.max(1e-6);
            let sigma = if r > 1.0 {
                (REBLUR_SIGMA / (r * r - 1.0).sqrt()).min(MAX_BLUR_PX)
            } else {
                MAX_BLUR_PX
            };
            if let Some(v) = radii.get_mut(d as usize) {
                v.push(sigma);
            }
        }
    }
    let per_dir: Vec<f32> = radii
        .into_iter()
        .filter(|v| v.len() >= MIN_EDGES_PER_DIRECTION)
        .filter_map(|v| quantile(v, SHARP_QUANTILE))
        .collect();
    let sigma = per_dir.iter().copied().reduce(f32::max)?;
    let sigma_sharpest = per_dir.iter().copied().reduce(f32::min)?;
    Some(EdgeBlur {
        sigma,
        sigma_sharpest,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A 160 × 160 test card: discs and bars of several contrasts, sharp to the pixel.
    fn card() -> Vec<f32> {
        let n = 160usize;
        let mut g = vec![0f32; n * n];
        for y in 0..n {
            for x in 0..n {
                let (fx, fy) = (x as f32, y as f32);
                let mut v = 60.0;
                if ((fx - 50.0).powi(2) + (fy - 50.0).powi(2)).sqrt() < 25.0 {
                    v = 200.0;
                }
                if ((fx - 110.0).powi(2) + (fy - 60.0).powi(2)).sqrt() < 18.0 {
                    v = 20.0;
                }
                if (100..140).contains(&y) && (30..130).contains(&x) && (x / 10) % 2 == 0 {
                    v = 150.0;
                }
                g[y * n + x] = v;
            }
        }
        g
    }

    #[test]
    fn a_known_blur_is_measured() {
        let n = 160;
        let sharp = estimate(&card(), n, n).unwrap();
        assert!(sharp.sigma < 1.0, "sharp card: {sharp:?}");
        for s in [1.5f32, 3.0] {
            let b = estimate(&blur(&card(), n, n, s), n, n).unwrap();
            // the measured radius includes the pixel grid's own (~0.5 px)
            assert!(
                (b.sigma - s).abs() < 0.35 * s,
                "blurred by {s}: measured {b:?}"
            );
        }
    }

    #[test]
    fn an_enlarged_image_is_blurred_by_its_enlargement() {
        // the card at a third of its size, enlarged 3× again (bilinear, as a web photo is)
        let n = 160u32;
        let img = image::GrayImage::from_fn(n, n, |x, y| {
            image::Luma([card()[(y * n + x) as usize] as u8])
        });
        let small = image::imageops::resize(&img, n / 3, n / 3, image::imageops::Triangle);
        let big = image::imageops::resize(&small, n, n, image::imageops::Triangle);
        let g: Vec<f32> = big.pixels().map(|p| f32::from(p.0[0])).collect();
        let sharp = estimate(&card(), n as usize, n as usize).unwrap();
        let enlarged = estimate(&g, n as usize, n as usize).unwrap();
        // the card's own edges measure up to 0.8 px (a disc's staircase on the pixel grid);
        // enlarged 3×, more than twice that
        assert!(
            enlarged.sigma > 2.0 * sharp.sigma && enlarged.sigma > 1.5,
            "sharp {sharp:?}, enlarged {enlarged:?}"
        );
    }

    #[test]
    fn motion_blur_shows_in_one_direction() {
        // the card smeared horizontally over 7 px
        let n = 160usize;
        let c = card();
        let mut g = vec![0f32; n * n];
        for y in 0..n {
            for x in 0..n {
                let s: f32 = (0..7).map(|k| c[y * n + (x + k).min(n - 1)]).sum();
                g[y * n + x] = s / 7.0;
            }
        }
        let b = estimate(&g, n, n).unwrap();
        assert!(b.sigma > 1.5, "{b:?}");
        assert!(b.sigma_sharpest < 1.0, "{b:?}");
    }

    #[test]
    fn directions_round_as_the_angle_does() {
        for deg in (0..360).step_by(5) {
            // away from the bins' borders (22.5° + k·45°)
            if (deg as f32 - 22.5)
                .rem_euclid(45.0)
                .min(45.0 - (deg as f32 - 22.5).rem_euclid(45.0))
                < 2.0
            {
                continue;
            }
            let a = (deg as f32).to_radians();
            let (gx, gy) = (a.cos(), a.sin());
            let want = ((a.rem_euclid(std::f32::consts::PI) / std::f32::consts::FRAC_PI_4).round()
                as u8)
                % 4;
            assert_eq!(direction(gx, gy), want, "{deg}°");
        }
    }

    #[test]
    fn the_row_blur_equals_a_direct_convolution() {
        let (w, h) = (23usize, 17usize);
        let g: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 101) as f32).collect();
        let b = blur(&g, w, h, 1.5);
        let k = gaussian_kernel(1.5);
        let r = (k.len() / 2) as isize;
        let at = |x: isize, y: isize| {
            g[y.clamp(0, h as isize - 1) as usize * w + x.clamp(0, w as isize - 1) as usize]
        };
        for y in 0..h as isize {
            for x in 0..w as isize {
                let mut s = 0.0;
                for (j, kj) in k.iter().enumerate() {
                    for (i, ki) in k.iter().enumerate() {
                        s += kj * ki * at(x + i as isize - r, y + j as isize - r);
                    }
                }
                let got = b[y as usize * w + x as usize];
                assert!((got - s).abs() < 1e-3, "({x}, {y}): {got} vs {s}");
            }
        }
    }

    #[test]
    fn a_flat_image_has_no_edges() {
        let g: Vec<f32> = (0..64 * 64).map(|i| 100.0 + (i % 3) as f32).collect();
        assert_eq!(estimate(&g, 64, 64), None);
    }
}
