//! BiSeNet face parsing (19 CelebAMask-HQ classes) on a square crop around the face.
//!
//! The model ends in a bilinear (align-corners) Resize from 64×64 to 512×512 logits. It is cut
//! off at load ([`cut_final_resize`]): the 19 × 64 × 64 logits are kept in the
//! [`ParsingMap`] (checks read class probabilities from them) and the 512×512 class map is made
//! by [`upsample_argmax`], the same interpolation fused with the argmax, without ever holding
//! 19 × 512 × 512 values. A replacement model without such a final Resize is run whole.

use super::onnx::{cut_final_resize, OnnxModel, Runtime, DISABLE_DIRECT_SPATIAL};
use super::sample::{to_chw_normalized, Affine, Pyramid};
use crate::analysis::{BBox, ParsingMap};
use crate::error::{Error, Result};

pub(crate) const INPUT: usize = 512;
const CLASSES: usize = 19;
/// Logit grids finer than this are averaged down to it for the probability queries (a model
/// without a final Resize gives 512×512; 64×64 is what BiSeNet computes).
const MAX_GRID: usize = 64;
/// The crop is 2.4× the face box: enough to see the hair, ears and a necklace…
pub(crate) const CROP_SCALE: f32 = 2.4;
/// …centred this share of the box height above the box centre, since hair and hats reach
/// farther above the face than the neck below it matters.
pub(crate) const CROP_SHIFT_UP: f32 = 0.15;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

pub(crate) struct FaceParser {
    model: OnnxModel,
}

impl FaceParser {
    pub(crate) fn raw(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.model.run(input)
    }

    pub(crate) fn new(bytes: &[u8], runtime: Runtime) -> Result<Self> {
        if runtime == Runtime::OnnxRuntime {
            let model = OnnxModel::load_ort(
                "face_parsing",
                bytes,
                &[1, 3, INPUT, INPUT],
                Some(cut_final_resize),
            )?;
            return Ok(FaceParser { model });
        }
        let model = OnnxModel::load_edited(
            "face_parsing",
            bytes,
            &[1, 3, INPUT, INPUT],
            false,
            &[DISABLE_DIRECT_SPATIAL],
            |p| {
                cut_final_resize(p);
            },
        )?;
        Ok(FaceParser { model })
    }

    /// Parses the square region `CROP_SCALE` × the face box around its centre.
    pub(crate) fn run(&self, pyr: &Pyramid<'_>, face: &BBox) -> Result<ParsingMap> {
        let (x0, y0, side, map) = crop_for(face);
        let (labels, grid, logits) = self.run_crop(pyr, &map)?;
        Ok(ParsingMap {
            x: x0,
            y: y0,
            side,
            size: INPUT,
            labels,
            grid,
            logits,
        })
    }

    /// Runs on the crop `map`: the label per cell of the 512×512 grid, the logit grid's side
    /// and its logits (one plane per class).
    pub(crate) fn run_crop(
        &self,
        pyr: &Pyramid<'_>,
        map: &Affine,
    ) -> Result<(Vec<u8>, usize, Vec<f32>)> {
        let hwc = pyr.sample(map, INPUT, INPUT, 0.0);
        let input = normalize(&hwc, INPUT, INPUT);
        let mut out = self.model.run(input)?;
        let bad = |message: String| Error::Model {
            model: self.model.name().to_string(),
            message,
        };
        if out.is_empty() {
            return Err(bad("no output".into()));
        }
        let (shape, logits) = out.swap_remove(0);
        let (h, w) = match shape.as_slice() {
            [1, c, h, w] | [c, h, w] if *c == CLASSES && h == w && *h >= 2 && *h <= INPUT => {
                (*h, *w)
            }
            _ => return Err(bad(format!("unexpected output shape {shape:?}"))),
        };
        if logits.len() < CLASSES * h * w {
            return Err(bad(format!(
                "output holds {} values for shape {shape:?}",
                logits.len()
            )));
        }
        let labels = if h == INPUT {
            argmax_chw(&logits, CLASSES, INPUT * INPUT)
        } else {
            upsample_argmax(&logits, CLASSES, h, INPUT)
        };
        let (grid, logits) = coarsen(logits, CLASSES, h, MAX_GRID);
        Ok((labels, grid, logits))
    }
}

/// The parsing crop of a face box: its top-left corner, side (photo pixels) and the map from
/// the 512×512 input grid to the photo.
pub(crate) fn crop_for(face: &BBox) -> (f32, f32, f32, Affine) {
    let [cx, cy] = face.center();
    let cy = cy - CROP_SHIFT_UP * face.h;
    let side = face.w.max(face.h) * CROP_SCALE;
    let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
    let map = Affine::scale_offset((side / INPUT as f32) as f64, x0 as f64, y0 as f64);
    (x0, y0, side, map)
}

/// The 512×512 crop the parsing model sees for `face`, as an image (for calibration data).
pub(crate) fn crop_image(pyr: &Pyramid<'_>, face: &BBox) -> image::RgbImage {
    let (_, _, _, map) = crop_for(face);
    let hwc = pyr.sample(&map, INPUT, INPUT, 0.0);
    let raw: Vec<u8> = hwc.iter().map(|&v| super::sample::round_u8(v)).collect();
    image::RgbImage::from_raw(INPUT as u32, INPUT as u32, raw)
        .unwrap_or_else(|| image::RgbImage::new(INPUT as u32, INPUT as u32))
}

/// HWC 0..=255 → the model's NCHW input.
pub(crate) fn normalize(hwc: &[f32], w: usize, h: usize) -> Vec<f32> {
    to_chw_normalized(hwc, w, h, MEAN, STD)
}

/// Argmax over the channel axis of a CHW tensor (planes of `n` values; a short tensor gives
/// label 0 where planes are missing).
pub(crate) fn argmax_chw(logits: &[f32], classes: usize, n: usize) -> Vec<u8> {
    let mut planes = logits.chunks_exact(n.max(1)).take(classes);
    let mut best = planes
        .next()
        .map_or_else(|| vec![f32::MIN; n], <[f32]>::to_vec);
    let mut labels = vec![0u8; n];
    for (k, plane) in planes.enumerate() {
        for ((b, l), &v) in best.iter_mut().zip(labels.iter_mut()).zip(plane) {
            if v > *b {
                *b = v;
                *l = (k + 1) as u8;
            }
        }
    }
    labels
}

/// Source position, lower index and weight of the upper neighbour for each of `out` samples
/// over `n` values, align-corners (ONNX Resize `linear`, `align_corners`).
fn taps(n: usize, out: usize) -> Vec<(usize, usize, f32)> {
    let k = if out > 1 {
        (n - 1) as f64 / (out - 1) as f64
    } else {
        0.0
    };
    (0..out)
        .map(|o| {
            let s = o as f64 * k;
            let i0 = (s.floor() as usize).min(n - 1);
            let i1 = (i0 + 1).min(n - 1);
            (i0, i1, (s - i0 as f64) as f32)
        })
        .collect()
}

/// A lead of one class over every other at both ends of an interpolation interval, as a share
/// of the largest logit magnitude there, that float rounding cannot undo between them: each
/// interpolated logit is exact to a few ulps of that magnitude, a difference of two to under
/// 10⁻⁶ of it, a hundred times less. Relative, so it holds for any parsing model's logit scale.
const SURE_LEAD: f32 = 1e-4;

/// The label of each cell of an `out × out` grid: the argmax over `classes` of the logits
/// (`classes` planes of `n × n`, CHW) upsampled bilinearly with aligned corners — exactly the
/// model's own final Resize followed by an argmax, fused so the upsampled logits are never
/// stored. Rows are interpolated first, then columns, for each output cell.
#[allow(
    clippy::indexing_slicing,
    reason = "taps are < n; row buffer has n·classes values; logits hold classes·n² (checked by the caller)"
)]
pub(crate) fn upsample_argmax(logits: &[f32], classes: usize, n: usize, out: usize) -> Vec<u8> {
    let mut labels = vec![0u8; out * out];
    if n == 0 || classes == 0 || logits.len() < classes * n * n {
        return labels;
    }
    let t = taps(n, out);
    // one source row blended for every class, column-major by class: row[x·classes + c]
    let mut row = vec![0f32; n * classes];
    let mut winner = vec![(0u8, 0f32, 0f32); n];
    for (oy, &(y0, y1, fy)) in t.iter().enumerate() {
        for c in 0..classes {
            let plane = &logits[c * n * n..(c + 1) * n * n];
            let (r0, r1) = (&plane[y0 * n..(y0 + 1) * n], &plane[y1 * n..(y1 + 1) * n]);
            for x in 0..n {
                row[x * classes + c] = r0[x] + (r1[x] - r0[x]) * fy;
            }
        }
        // each source column's winning class, its lead over the runner-up and the largest
        // logit magnitude
        for (x, w) in winner.iter_mut().enumerate() {
            let v = &row[x * classes..(x + 1) * classes];
            let (mut best, mut second, mut arg, mut scale) = (f32::MIN, f32::MIN, 0u8, 0f32);
            for (c, &l) in v.iter().enumerate() {
                scale = scale.max(l.abs());
                if l > best {
                    (second, best, arg) = (best, l, c as u8);
                } else if l > second {
                    second = l;
                }
            }
            *w = (arg, best - second, scale);
        }
        let line = &mut labels[oy * out..(oy + 1) * out];
        for (ox, &(x0, x1, fx)) in t.iter().enumerate() {
            // a class ahead at both ends of the interval by more than rounding can undo is
            // ahead everywhere between them (each logit is linear in fx): the loop below
            // would find it too
            let (w0, w1) = (winner[x0], winner[x1]);
            let sure = SURE_LEAD * w0.2.max(w1.2);
            if w0.0 == w1.0 && w0.1 > sure && w1.1 > sure {
                line[ox] = w0.0;
                continue;
            }
            let (a, b) = (
                &row[x0 * classes..(x0 + 1) * classes],
                &row[x1 * classes..(x1 + 1) * classes],
            );
            let mut best = f32::MIN;
            let mut arg = 0u8;
            for c in 0..classes {
                let v = a[c] + (b[c] - a[c]) * fx;
                if v > best {
                    best = v;
                    arg = c as u8;
                }
            }
            line[ox] = arg;
        }
    }
    labels
}

/// Averages `n × n` logit planes down to at most `max` per side (by whole blocks); returns the
/// new side and planes. Grids already small enough are returned as they are.
#[allow(
    clippy::indexing_slicing,
    reason = "block indices stay below n; outputs have classes·m² values"
)]
fn coarsen(logits: Vec<f32>, classes: usize, n: usize, max: usize) -> (usize, Vec<f32>) {
    if n <= max {
        let mut logits = logits;
        logits.truncate(classes * n * n);
        return (n, logits);
    }
    let f = n.div_ceil(max);
    let m = n / f;
    let mut out = vec![0f32; classes * m * m];
    for c in 0..classes {
        for j in 0..m {
            for i in 0..m {
                let mut s = 0.0;
                for y in j * f..(j + 1) * f {
                    for x in i * f..(i + 1) * f {
                        s += logits[c * n * n + y * n + x];
                    }
                }
                out[c * m * m + j * m + i] = s / (f * f) as f32;
            }
        }
    }
    (m, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain two-pass interpolation (all classes upsampled, then argmax) that the fused
    /// version must equal.
    fn reference(logits: &[f32], classes: usize, n: usize, out: usize) -> Vec<u8> {
        let t = taps(n, out);
        let mut up = vec![0f32; classes * out * out];
        for c in 0..classes {
            for (oy, &(y0, y1, fy)) in t.iter().enumerate() {
                for (ox, &(x0, x1, fx)) in t.iter().enumerate() {
                    let at = |y: usize, x: usize| logits[c * n * n + y * n + x];
                    let r0 = at(y0, x0) + (at(y1, x0) - at(y0, x0)) * fy;
                    let r1 = at(y0, x1) + (at(y1, x1) - at(y0, x1)) * fy;
                    up[c * out * out + oy * out + ox] = r0 + (r1 - r0) * fx;
                }
            }
        }
        argmax_chw(&up, classes, out * out)
    }

    #[test]
    fn fused_upsample_argmax_equals_the_two_pass_version() {
        let (classes, n, out) = (5, 8, 57);
        // deterministic pseudo-random logits
        let mut x = 12345u32;
        let logits: Vec<f32> = (0..classes * n * n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 8) as f32 / (1u32 << 24) as f32 * 10.0
            })
            .collect();
        assert_eq!(
            upsample_argmax(&logits, classes, n, out),
            reference(&logits, classes, n, out)
        );
        // align-corners: the corners keep the corner nodes' argmax
        let labels = upsample_argmax(&logits, classes, n, out);
        let node = |y: usize, x: usize| {
            (0..classes)
                .max_by(|&a, &b| {
                    logits[a * n * n + y * n + x].total_cmp(&logits[b * n * n + y * n + x])
                })
                .unwrap() as u8
        };
        assert_eq!(labels[0], node(0, 0));
        assert_eq!(labels[out * out - 1], node(n - 1, n - 1));
        // short input: all background, no panic
        assert_eq!(
            upsample_argmax(&logits[..10], classes, n, out),
            vec![0; out * out]
        );
    }

    #[test]
    fn the_shortcut_through_one_class_regions_changes_no_label() {
        // smooth logits with large regions of one class (as a face map has), where most
        // output cells take the shortcut, and borders between them where they do not
        let (classes, n, out) = (6, 16, 128);
        let centres = [
            (2.0, 3.0),
            (12.0, 4.0),
            (8.0, 8.0),
            (3.0, 13.0),
            (13.0, 12.0),
            (8.0, 1.0),
        ];
        let mut logits = vec![0f32; classes * n * n];
        for (c, &(cx, cy)) in centres.iter().enumerate() {
            for y in 0..n {
                for x in 0..n {
                    let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                    logits[c * n * n + y * n + x] = 20.0 - 3.0 * d;
                }
            }
        }
        let labels = upsample_argmax(&logits, classes, n, out);
        assert_eq!(labels, reference(&logits, classes, n, out));
        for c in 0..classes as u8 {
            assert!(
                labels.iter().filter(|&&l| l == c).count() > 100,
                "class {c}"
            );
        }
    }

    #[test]
    fn coarsen_averages_blocks() {
        let logits: Vec<f32> = (0..2 * 4 * 4).map(|v| v as f32).collect();
        let (m, c) = coarsen(logits, 2, 4, 2);
        assert_eq!(m, 2);
        // class 0, block (0,0): values 0,1,4,5
        assert_eq!(c[0], 2.5);
        // class 1 starts at 16: block (1,1) of class 1: 26,27,30,31
        assert_eq!(c[7], 28.5);
    }
}
