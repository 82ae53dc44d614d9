//! Pre-processing shared by every model: an image pyramid and affine sampling into model inputs.

use fast_image_resize as fr;
use image::RgbImage;

/// An affine map from output (model input) coordinates to source coordinates:
/// `x_src = a·u + b·v + c`, `y_src = d·u + e·v + f`, continuous coordinates (pixel `i` covers
/// `[i, i+1)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// Row 1.
    pub a: f64,
    /// Row 1.
    pub b: f64,
    /// Row 1.
    pub c: f64,
    /// Row 2.
    pub d: f64,
    /// Row 2.
    pub e: f64,
    /// Row 2.
    pub f: f64,
}

impl Affine {
    /// A square crop of `side` source pixels centred on `(cx, cy)`, sampled at `out` × `out`
    /// pixels, whose +u axis runs along the source direction `angle` (radians, image
    /// coordinates with y down, as `atan2(dy, dx)`): pass the eye-line angle to get level eyes.
    pub fn square_crop(cx: f64, cy: f64, side: f64, angle: f64, out: usize) -> Affine {
        let s = side / out as f64;
        let (sin, cos) = angle.sin_cos();
        let h = out as f64 / 2.0;
        // src = centre + s·(u·(cos, sin) + v·(−sin, cos)) with (u, v) relative to the crop centre.
        let (a, b, d, e) = (s * cos, -s * sin, s * sin, s * cos);
        Affine {
            a,
            b,
            c: cx - a * h - b * h,
            d,
            e,
            f: cy - d * h - e * h,
        }
    }

    /// Uniform scale and offset: `src = scale·p + (ox, oy)`.
    pub fn scale_offset(scale: f64, ox: f64, oy: f64) -> Affine {
        Affine {
            a: scale,
            b: 0.0,
            c: ox,
            d: 0.0,
            e: scale,
            f: oy,
        }
    }

    /// Maps a point from output to source coordinates.
    pub fn apply(&self, u: f64, v: f64) -> (f64, f64) {
        (
            self.a * u + self.b * v + self.c,
            self.d * u + self.e * v + self.f,
        )
    }

    /// The inverse map (source → output); `None` when the map is singular.
    pub fn inverse(&self) -> Option<Affine> {
        let det = self.a * self.e - self.b * self.d;
        if det.abs() < 1e-12 || !det.is_finite() {
            return None;
        }
        let (a, b, d, e) = (self.e / det, -self.b / det, -self.d / det, self.a / det);
        Some(Affine {
            a,
            b,
            c: -(a * self.c + b * self.f),
            d,
            e,
            f: -(d * self.c + e * self.f),
        })
    }

    /// Source pixels per output pixel.
    pub fn scale(&self) -> f64 {
        (self.a * self.e - self.b * self.d).abs().sqrt()
    }
}

/// Halving pyramid of an image so that sampling never shrinks by more than 2× (no aliasing).
pub(crate) struct Pyramid<'a> {
    base: &'a RgbImage,
    levels: Vec<RgbImage>,
}

/// A [`Pyramid`]'s levels without the image they were built from (see
/// [`Pyramid::into_levels`]).
pub(crate) struct PyramidLevels {
    width: u32,
    height: u32,
    levels: Vec<RgbImage>,
}

/// The smallest pyramid level kept, pixels on the short side.
const PYRAMID_MIN_SIDE: u32 = 48;

impl<'a> Pyramid<'a> {
    pub(crate) fn new(base: &'a RgbImage) -> Self {
        let mut levels: Vec<RgbImage> = Vec::new();
        let mut resizer = fr::Resizer::new();
        let opts = fr::ResizeOptions::new()
            .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
        loop {
            let prev = levels.last().unwrap_or(base);
            let (w, h) = (prev.width() / 2, prev.height() / 2);
            if w.min(h) < PYRAMID_MIN_SIDE {
                break;
            }
            let mut dst = RgbImage::new(w, h);
            if resizer.resize(prev, &mut dst, &opts).is_err() {
                break;
            }
            levels.push(dst);
        }
        Pyramid { base, levels }
    }

    /// The full-resolution image.
    pub(crate) fn base(&self) -> &'a RgbImage {
        self.base
    }

    /// The levels below the base, to hand the pyramid on to a later stage that borrows the
    /// same image ([`Pyramid::with_levels`]) instead of building it again.
    pub(crate) fn into_levels(self) -> PyramidLevels {
        PyramidLevels {
            width: self.base.width(),
            height: self.base.height(),
            levels: self.levels,
        }
    }

    /// The pyramid of `base` from levels built earlier from it; built afresh when the levels
    /// belong to an image of another size (they cannot belong to this one).
    pub(crate) fn with_levels(base: &'a RgbImage, levels: PyramidLevels) -> Self {
        if (levels.width, levels.height) == base.dimensions() {
            Pyramid {
                base,
                levels: levels.levels,
            }
        } else {
            Pyramid::new(base)
        }
    }

    /// Samples `out_w` × `out_h` RGB pixels (0..=255 as f32, row-major HWC) through `map`,
    /// bilinear, `fill` outside the image.
    #[allow(
        clippy::indexing_slicing,
        reason = "level ≥ 1 here and at most levels.len()"
    )]
    pub(crate) fn sample(&self, map: &Affine, out_w: usize, out_h: usize, fill: f32) -> Vec<f32> {
        let scale = map.scale();
        let mut level = 0usize;
        let mut f = 1.0;
        while level < self.levels.len() && scale / (f * 2.0) >= 1.0 {
            level += 1;
            f *= 2.0;
        }
        let img = if level == 0 {
            self.base
        } else {
            &self.levels[level - 1]
        };
        sample_bilinear(img, map, 1.0 / f, out_w, out_h, fill)
    }
}

/// Samples through `map`, then multiplies source coordinates by `k` (to address a pyramid level).
#[allow(
    clippy::indexing_slicing,
    reason = "chunks_exact(3) output pixels; source reads go through get() or are bounds-checked above"
)]
fn sample_bilinear(
    img: &RgbImage,
    map: &Affine,
    k: f64,
    out_w: usize,
    out_h: usize,
    fill: f32,
) -> Vec<f32> {
    let src = Source {
        raw: img.as_raw(),
        w: img.width() as i64,
        h: img.height() as i64,
        stride: img.width() as usize * 3,
        fill,
    };
    let mut out = vec![fill; out_w * out_h * 3];
    if out_w == 0 {
        return out;
    }
    if map.b == 0.0 && map.d == 0.0 {
        // an axis-aligned map (the parsing, detector and segmentation crops): x depends on the
        // column only and y on the row only — `a·u + b·v + c` with b = 0 is `a·u + c` whatever v
        // is, bit for bit — so each is worked out once, not once a pixel
        // (`None` for a column or row wholly outside the image: its pixels keep `fill`)
        let inside = |t: f64, n: i64| (t > -1.0 && t < n as f64).then(|| tap(t));
        let xs: Vec<Option<(i64, f32)>> = (0..out_w)
            .map(|u| inside(map.apply(u as f64 + 0.5, 0.5).0 * k - 0.5, src.w))
            .collect();
        for (v, row) in out.chunks_exact_mut(out_w * 3).enumerate() {
            let Some((y0, fy)) = inside(map.apply(0.5, v as f64 + 0.5).1 * k - 0.5, src.h) else {
                continue;
            };
            for (o, &x) in row.chunks_exact_mut(3).zip(&xs) {
                if let Some((x0, fx)) = x {
                    src.bilinear(o, x0, y0, fx, fy);
                }
            }
        }
        return out;
    }
    for (v, row) in out.chunks_exact_mut(out_w * 3).enumerate() {
        for (u, o) in row.chunks_exact_mut(3).enumerate() {
            let (x, y) = map.apply(u as f64 + 0.5, v as f64 + 0.5);
            let (x, y) = (x * k - 0.5, y * k - 0.5);
            if !(x > -1.0 && y > -1.0 && x < src.w as f64 && y < src.h as f64) {
                continue;
            }
            let ((x0, fx), (y0, fy)) = (tap(x), tap(y));
            src.bilinear(o, x0, y0, fx, fy);
        }
    }
    out
}

/// A source coordinate's pixel below and the weight of the pixel above.
#[inline]
fn tap(x: f64) -> (i64, f32) {
    let x0 = floor_i64(x);
    (x0, (x - x0 as f64) as f32)
}

/// The pixels [`sample_bilinear`] reads.
struct Source<'a> {
    raw: &'a [u8],
    w: i64,
    h: i64,
    stride: usize,
    fill: f32,
}

impl Source<'_> {
    /// Bilinear RGB at the pixels `(x0, y0)`…`(x0 + 1, y0 + 1)` with weights `fx`, `fy` for the
    /// second of each pair into `o`; neighbours outside the image take `fill`.
    #[inline]
    #[allow(
        clippy::indexing_slicing,
        reason = "o has 3 entries; p and q are 6-byte slices; source reads go through get()"
    )]
    fn bilinear(&self, o: &mut [f32], x0: i64, y0: i64, fx: f32, fy: f32) {
        let (w, h) = (self.w, self.h);
        let wts = [
            (1.0 - fx) * (1.0 - fy),
            fx * (1.0 - fy),
            (1.0 - fx) * fy,
            fx * fy,
        ];
        if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
            // all four neighbours inside: two 2-pixel runs, no per-pixel bounds logic
            let i = (y0 * w + x0) as usize * 3;
            let s = self.stride;
            if let (Some(p), Some(q)) = (self.raw.get(i..i + 6), self.raw.get(i + s..i + s + 6)) {
                for c in 0..3 {
                    o[c] = wts[0] * p[c] as f32
                        + wts[1] * p[3 + c] as f32
                        + wts[2] * q[c] as f32
                        + wts[3] * q[3 + c] as f32;
                }
            }
            return;
        }
        // at the border: neighbours outside the image take `fill`
        let mut acc = [0f32; 3];
        for (n, (dx, dy)) in [(0, 0), (1, 0), (0, 1), (1, 1)].into_iter().enumerate() {
            let (xx, yy) = (x0 + dx, y0 + dy);
            let wgt = wts[n];
            if wgt == 0.0 {
                continue;
            }
            let i = ((yy * w + xx) * 3) as usize;
            let px = match (xx >= 0 && yy >= 0 && xx < w && yy < h)
                .then(|| self.raw.get(i..i + 3))
                .flatten()
            {
                Some(p) => [p[0] as f32, p[1] as f32, p[2] as f32],
                None => [self.fill; 3],
            };
            for c in 0..3 {
                acc[c] += wgt * px[c];
            }
        }
        o.copy_from_slice(&acc);
    }
}

/// `x.floor() as i64` without a libm call (baseline x86-64 has no rounding instruction), for
/// the bounded coordinates of the samplers.
#[inline]
pub(crate) fn floor_i64(x: f64) -> i64 {
    let t = x as i64; // truncates toward zero
    if (t as f64) > x {
        t - 1
    } else {
        t
    }
}

/// `v.round().clamp(0.0, 255.0) as u8` without a libm call (baseline x86-64 has no rounding
/// instruction, and the render rounds three values a pixel): the same value for every `f32`,
/// NaN included (0).
#[inline]
pub(crate) fn round_u8(v: f32) -> u8 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= 255.0 {
        255
    } else {
        // truncates: 0 ≤ t ≤ 254; v − t is then exact (both below 256, v ≥ t), and rounding
        // is half away from zero
        let t = v as u8;
        t + u8::from(v - f32::from(t) >= 0.5)
    }
}

/// HWC 0..=255 → HWC `x·scale + offset` (in place).
pub(crate) fn normalize_hwc(buf: &mut [f32], scale: f32, offset: f32) {
    for x in buf.iter_mut() {
        *x = *x * scale + offset;
    }
}

/// HWC 0..=255 → CHW `(x/255 − mean[c]) / std[c]`.
#[allow(
    clippy::indexing_slicing,
    reason = "i < n ≤ buf.len() / 3 and out has 3·n values"
)]
pub(crate) fn to_chw_normalized(
    buf: &[f32],
    w: usize,
    h: usize,
    mean: [f32; 3],
    std: [f32; 3],
) -> Vec<f32> {
    let n = (w * h).min(buf.len() / 3);
    let mut out = vec![0f32; w * h * 3];
    for i in 0..n {
        for c in 0..3 {
            out[c * n + i] = (buf[i * 3 + c] / 255.0 - mean[c]) / std[c];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_axis_aligned_map_samples_as_the_general_path() {
        // the column/row shortcut against the per-pixel path: a map whose off-diagonal terms are
        // 1e-300 takes the per-pixel path and gives the same coordinates bit for bit
        let img = RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([
                (x * 7 % 256) as u8,
                (y * 11 % 256) as u8,
                ((x * y) % 256) as u8,
            ])
        });
        for (scale, ox, oy) in [(0.37, -3.2, -1.7), (1.9, 4.4, -6.0), (1.0, 0.0, 0.0)] {
            let aligned = Affine::scale_offset(scale, ox, oy);
            let general = Affine {
                b: 1e-300,
                d: 1e-300,
                ..aligned
            };
            for fill in [0.0, f32::NAN] {
                let a = sample_bilinear(&img, &aligned, 1.0, 41, 29, fill);
                let g = sample_bilinear(&img, &general, 1.0, 41, 29, fill);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&g), "{scale} {ox} {oy}");
            }
        }
    }

    #[test]
    fn round_u8_is_round_then_clamp() {
        let reference = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        let mut values = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            0.0,
            f32::MAX,
        ];
        // every 1/1024 from −2 to 300, and the neighbours of every half
        values.extend((-2048..300 * 1024).map(|i| i as f32 / 1024.0));
        for k in 0..=256 {
            let half = k as f32 + 0.5;
            values.extend([half.next_down(), half, half.next_up()]);
        }
        for v in values {
            assert_eq!(round_u8(v), reference(v), "{v}");
        }
    }

    #[test]
    fn square_crop_maps_corners_and_centre() {
        let m = Affine::square_crop(100.0, 50.0, 40.0, 0.0, 20);
        assert_eq!(m.apply(10.0, 10.0), (100.0, 50.0));
        assert_eq!(m.apply(0.0, 0.0), (80.0, 30.0));
        assert!((m.scale() - 2.0).abs() < 1e-12);
        // At 90° the output's +u axis runs along the source's +y axis (down).
        let r = Affine::square_crop(0.0, 0.0, 10.0, std::f64::consts::FRAC_PI_2, 10);
        let (x, y) = r.apply(10.0, 5.0);
        assert!((x - 0.0).abs() < 1e-9 && (y - 5.0).abs() < 1e-9, "{x} {y}");
    }

    #[test]
    fn floor_matches_std() {
        for x in [
            -1.5,
            -1.0,
            -0.5,
            -0.0,
            0.0,
            0.25,
            0.999_999,
            1.0,
            7.5,
            1e9 + 0.5,
            -1e9 - 0.5,
        ] {
            assert_eq!(floor_i64(x), x.floor() as i64, "{x}");
        }
    }

    #[test]
    fn inverse_round_trips() {
        let m = Affine::square_crop(100.0, 50.0, 40.0, 0.3, 20);
        let inv = m.inverse().expect("invertible");
        let (x, y) = m.apply(3.0, 7.0);
        let (u, v) = inv.apply(x, y);
        assert!((u - 3.0).abs() < 1e-9 && (v - 7.0).abs() < 1e-9);
    }

    #[test]
    fn sampling_identity_reproduces_pixels_and_fills_outside() {
        let mut img = RgbImage::new(4, 4);
        img.put_pixel(1, 2, image::Rgb([10, 20, 30]));
        let pyr = Pyramid::new(&img);
        let out = pyr.sample(&Affine::scale_offset(1.0, 0.0, 0.0), 4, 4, 0.0);
        let i = (2 * 4 + 1) * 3;
        assert_eq!(&out[i..i + 3], &[10.0, 20.0, 30.0]);
        let out = pyr.sample(&Affine::scale_offset(1.0, 100.0, 100.0), 2, 2, 7.0);
        assert!(out.iter().all(|&v| v == 7.0));
    }

    #[test]
    fn pyramid_level_is_chosen_for_large_downscale() {
        // A fine checkerboard averages to mid-grey when shrunk 8×; plain bilinear would alias.
        let img = RgbImage::from_fn(512, 512, |x, y| {
            if (x + y) % 2 == 0 {
                image::Rgb([255, 255, 255])
            } else {
                image::Rgb([0, 0, 0])
            }
        });
        let pyr = Pyramid::new(&img);
        let out = pyr.sample(&Affine::scale_offset(8.0, 0.0, 0.0), 64, 64, 0.0);
        let mean = out.iter().sum::<f32>() / out.len() as f32;
        assert!((mean - 127.5).abs() < 10.0, "mean {mean}");
        let spread = out.iter().fold(0f32, |m, &v| m.max((v - 127.5).abs()));
        assert!(spread < 40.0, "aliasing: spread {spread}");
    }
}
