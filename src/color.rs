//! sRGB → CIELAB (D65) and the CIEDE2000 colour difference.

use std::sync::OnceLock;

/// A CIELAB colour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Lab {
    /// Lightness, 0..=100.
    pub l: f32,
    /// Green–red.
    pub a: f32,
    /// Blue–yellow.
    pub b: f32,
}

impl Lab {
    /// Per-channel median of some colours (`Lab::default()` for none): robust to outliers such as
    /// a few mislabelled pixels.
    pub fn median(colors: impl Iterator<Item = Lab>) -> Lab {
        let (mut l, mut a, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for c in colors {
            l.push(c.l);
            a.push(c.a);
            b.push(c.b);
        }
        let med = |mut v: Vec<f32>| {
            let k = v.len() / 2;
            if k < v.len() {
                v.select_nth_unstable_by(k, f32::total_cmp);
            }
            v.get(k).copied().unwrap_or(0.0)
        };
        Lab {
            l: med(l),
            a: med(a),
            b: med(b),
        }
    }

    /// Chroma C*ab.
    pub fn chroma(&self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }
}

/// Relative luminance Y (0..1, linear light) of a CIELAB lightness L* (CIE's inverse of L*).
pub fn relative_luminance(l: f64) -> f64 {
    if l > 8.0 {
        ((l + 16.0) / 116.0).powi(3)
    } else {
        l / 903.3
    }
}

/// An 8-bit sRGB value as linear light, 0..=1.
pub fn srgb_to_linear(v: u8) -> f32 {
    linear_lut().get(usize::from(v)).copied().unwrap_or(0.0)
}

fn linear_lut() -> &'static [f32; 256] {
    static LUT: OnceLock<[f32; 256]> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut t = [0f32; 256];
        for (i, v) in t.iter_mut().enumerate() {
            let c = i as f32 / 255.0;
            *v = if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            };
        }
        t
    })
}

/// Cube root of a positive normal `t`, inlined: a bit-level first guess of the *inverse* cube
/// root refined by three Newton steps in f64, which need no division (`r ← r(4 − t r³)/3`),
/// then `t·r²`. Within an ulp of `f32::cbrt` (relative error of r below 10⁻¹⁵ after the
/// third step over 0.0088–1.2); libm's is a function call per channel, and this
/// runs for every parsing cell and backdrop sample: the three divisions per channel of the
/// direct Newton step were most of `FaceStats::compute`.
#[inline]
fn cbrt(t: f32) -> f32 {
    let x = t as f64;
    let mut r = f64::from_bits(0x553E_F0FF_289D_D796 - x.to_bits() / 3);
    for _ in 0..3 {
        r *= (4.0 - x * r * r * r) * (1.0 / 3.0);
    }
    (x * r * r) as f32
}

/// 8-bit sRGB to CIE XYZ (D65), each scaled by the white point's.
#[inline]
#[allow(clippy::indexing_slicing, reason = "a u8 indexes a 256-entry table")]
fn xyz_over_white(lut: &[f32; 256], rgb: [u8; 3]) -> [f32; 3] {
    let (r, g, b) = (
        lut[rgb[0] as usize],
        lut[rgb[1] as usize],
        lut[rgb[2] as usize],
    );
    [
        (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47,
        0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b,
        (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83,
    ]
}

/// CIELAB's linear part of f(t), below [`LAB_EPSILON`].
#[inline]
fn f_linear(t: f32) -> f32 {
    7.787 * t + 16.0 / 116.0
}

/// CIELAB from f(X/Xn), f(Y/Yn), f(Z/Zn).
#[inline]
fn lab_of(fx: f32, fy: f32, fz: f32) -> Lab {
    Lab {
        l: 116.0 * fy - 16.0,
        a: 500.0 * (fx - fy),
        b: 200.0 * (fy - fz),
    }
}

/// 8-bit sRGB to CIELAB under D65.
pub fn srgb_to_lab(rgb: [u8; 3]) -> Lab {
    let f = |t: f32| {
        if t > LAB_EPSILON {
            cbrt(t)
        } else {
            f_linear(t)
        }
    };
    let [x, y, z] = xyz_over_white(linear_lut(), rgb);
    lab_of(f(x), f(y), f(z))
}

/// [`srgb_to_lab`] of many pixels, the same values bit for bit: eight at a time, each step
/// over the eight (the cube roots' chains of dependent multiplies then overlap), 1.7× faster on
/// 2.6·10⁵ random pixels.
pub fn srgb_to_lab_many(px: &[[u8; 3]]) -> Vec<Lab> {
    const LANES: usize = 8;
    let lut = linear_lut();
    let mut out = Vec::with_capacity(px.len());
    for chunk in px.chunks(LANES) {
        // per channel, the lanes' X/Xn (Y/Yn, Z/Zn), then f of each
        let mut f = [[0f32; LANES]; 3];
        for (k, &p) in chunk.iter().enumerate() {
            for (fc, t) in f.iter_mut().zip(xyz_over_white(lut, p)) {
                if let Some(v) = fc.get_mut(k) {
                    *v = t;
                }
            }
        }
        for fc in &mut f {
            for v in fc.iter_mut() {
                // both branches of srgb_to_lab's f, the right one kept (no branch per lane)
                let (root, linear) = (cbrt(v.max(LAB_EPSILON)), f_linear(*v));
                *v = if *v > LAB_EPSILON { root } else { linear };
            }
        }
        let [fxs, fys, fzs] = f;
        for ((&fx, &fy), &fz) in fxs.iter().zip(&fys).zip(&fzs).take(chunk.len()) {
            out.push(lab_of(fx, fy, fz));
        }
    }
    out
}

/// CIE's ε, where CIELAB's f(t) turns from a cube root to a line.
const LAB_EPSILON: f32 = 0.008_856;

/// CIEDE2000 colour difference (Sharma, Wu & Dalal 2005), kL = kC = kH = 1.
pub fn delta_e2000(c1: Lab, c2: Lab) -> f64 {
    let (l1, a1, b1) = (c1.l as f64, c1.a as f64, c1.b as f64);
    let (l2, a2, b2) = (c2.l as f64, c2.a as f64, c2.b as f64);
    let c1s = (a1 * a1 + b1 * b1).sqrt();
    let c2s = (a2 * a2 + b2 * b2).sqrt();
    let cbar = (c1s + c2s) / 2.0;
    let c7 = cbar.powi(7);
    let g = 0.5 * (1.0 - (c7 / (c7 + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = ((a1p * a1p + b1 * b1).sqrt(), (a2p * a2p + b2 * b2).sqrt());
    let hue = |b: f64, a: f64| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            let h = b.atan2(a).to_degrees();
            if h < 0.0 {
                h + 360.0
            } else {
                h
            }
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let dlp = l2 - l1;
    let dcp = c2p - c1p;
    let dhp = if c1p * c2p == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let dhp_big = 2.0 * (c1p * c2p).sqrt() * (dhp.to_radians() / 2.0).sin();
    let lbarp = (l1 + l2) / 2.0;
    let cbarp = (c1p + c2p) / 2.0;
    let hbarp = if c1p * c2p == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        (h1p + h2p) / 2.0
    } else if h1p + h2p < 360.0 {
        (h1p + h2p + 360.0) / 2.0
    } else {
        (h1p + h2p - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (hbarp - 30.0).to_radians().cos()
        + 0.24 * (2.0 * hbarp).to_radians().cos()
        + 0.32 * (3.0 * hbarp + 6.0).to_radians().cos()
        - 0.20 * (4.0 * hbarp - 63.0).to_radians().cos();
    let dtheta = 30.0 * (-((hbarp - 275.0) / 25.0).powi(2)).exp();
    let cbarp7 = cbarp.powi(7);
    let rc = 2.0 * (cbarp7 / (cbarp7 + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (lbarp - 50.0).powi(2) / (20.0 + (lbarp - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * cbarp;
    let sh = 1.0 + 0.015 * cbarp * t;
    let rt = -(2.0 * dtheta).to_radians().sin() * rc;
    ((dlp / sl).powi(2)
        + (dcp / sc).powi(2)
        + (dhp_big / sh).powi(2)
        + rt * (dcp / sc) * (dhp_big / sh))
        .sqrt()
}

#[cfg(test)]
mod tests {
    #[test]
    fn many_at_once_equals_one_by_one() {
        // every 8-bit grey, and pseudo-random colours (with a length that leaves a short chunk)
        let mut px: Vec<[u8; 3]> = (0..=255u8).map(|v| [v, v, v]).collect();
        px.extend((0..4099u32).map(|i| {
            let x = i.wrapping_mul(2_654_435_761);
            [(x >> 8) as u8, (x >> 16) as u8, (x >> 24) as u8]
        }));
        let many = srgb_to_lab_many(&px);
        assert_eq!(many.len(), px.len());
        for (p, l) in px.iter().zip(&many) {
            assert_eq!(*l, srgb_to_lab(*p), "{p:?}");
        }
        assert!(srgb_to_lab_many(&[]).is_empty());
    }

    #[test]
    fn cbrt_matches_std() {
        let mut t = 0.008_856f32;
        while t <= 1.1 {
            let (a, b) = (super::cbrt(t), t.cbrt());
            assert!((a - b).abs() <= f32::EPSILON * b, "{t}: {a} vs {b}");
            t *= 1.000_37;
        }
    }

    use super::*;

    #[test]
    fn lab_of_white_black_and_red() {
        let w = srgb_to_lab([255, 255, 255]);
        assert!(
            (w.l - 100.0).abs() < 0.1 && w.a.abs() < 0.1 && w.b.abs() < 0.1,
            "{w:?}"
        );
        let k = srgb_to_lab([0, 0, 0]);
        assert!(k.l.abs() < 0.1);
        let r = srgb_to_lab([255, 0, 0]);
        assert!(
            (r.l - 53.24).abs() < 0.2 && (r.a - 80.09).abs() < 0.3 && (r.b - 67.20).abs() < 0.3,
            "{r:?}"
        );
    }

    #[test]
    fn ciede2000_matches_sharma_test_pairs() {
        // Pairs 1, 7 and 17 of Sharma, Wu & Dalal's published test data.
        let cases = [
            ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
            ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
            ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ];
        for ((l1, a1, b1), (l2, a2, b2), want) in cases {
            let d = delta_e2000(
                Lab {
                    l: l1,
                    a: a1,
                    b: b1,
                },
                Lab {
                    l: l2,
                    a: a2,
                    b: b2,
                },
            );
            assert!((d - want).abs() < 1e-3, "{d} vs {want}");
        }
    }
}
