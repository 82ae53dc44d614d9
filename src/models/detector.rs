//! MediaPipe BlazeFace (short range): face boxes and six keypoints, with a tiled second pass so
//! small faces in large photos are found too.

use super::onnx::{OnnxModel, Runtime};
use super::sample::{normalize_hwc, Affine, Pyramid};
use crate::analysis::{BBox, FaceDetection};
use crate::error::Result;

/// Model input side.
pub(crate) const INPUT: usize = 128;
/// Lowest score a detection is kept with (the `face_count` check applies the spec's own
/// threshold on top). Below 0.3 BlazeFace fires on textures.
pub const DETECTION_FLOOR: f32 = 0.3;
/// Tile detections need a higher score: a tile sees less context and a face cut by the tile
/// edge scores low anyway.
const TILE_FLOOR: f32 = 0.5;
/// MediaPipe's own NMS overlap for BlazeFace.
const NMS_IOU: f32 = 0.3;
/// Tiles smaller than this many source pixels are not run (the full view covers them).
const TILE_MIN_SIDE: f64 = 256.0;
/// Deepest tile level: tiles of 1/8 of the long side find faces down to about 2 % of it
/// (BlazeFace short-range needs a face of about 16 of its 128 input pixels).
const MAX_TILE_LEVEL: u32 = 3;

/// The 896 anchor centres, in 0..1 input units: 16×16 cells ×2 at stride 8, 8×8 ×6 at stride 16.
fn anchors() -> Vec<(f32, f32)> {
    let mut a = Vec::with_capacity(896);
    for (stride, n) in [(8usize, 2usize), (16, 6)] {
        let g = INPUT / stride;
        for y in 0..g {
            for x in 0..g {
                for _ in 0..n {
                    a.push(((x as f32 + 0.5) / g as f32, (y as f32 + 0.5) / g as f32));
                }
            }
        }
    }
    a
}

pub(crate) struct FaceDetector {
    model: OnnxModel,
    anchors: Vec<(f32, f32)>,
}

impl FaceDetector {
    pub(crate) fn raw(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.model.run(input)
    }

    pub(crate) fn new(bytes: &[u8], runtime: Runtime) -> Result<Self> {
        Ok(FaceDetector {
            model: OnnxModel::load("face_detection", bytes, &[1, INPUT, INPUT, 3], runtime)?,
            anchors: anchors(),
        })
    }

    /// All faces in the image (source pixels), best first, merged across the full view and
    /// tiles; and the best score of the letterboxed full view alone.
    pub(crate) fn detect(
        &self,
        pyr: &Pyramid<'_>,
        width: u32,
        height: u32,
    ) -> Result<(Vec<FaceDetection>, f32)> {
        let (w, h) = (width as f64, height as f64);
        let long = w.max(h);
        let full = full_view(w, h);
        let mut found = self.run_view(pyr, &full, DETECTION_FLOOR, None)?;
        let full_view_best = found.iter().map(|f| f.score).fold(0.0, f32::max);
        // Tiles at halving sizes with half-tile strides. Level 1 runs every tile whatever the
        // main face's size: its tiles find faces down to 1/16 of the long side anywhere (a
        // second person beside or behind the subject), so none can be skipped without losing
        // the faces only it would find. Deeper levels (faces down to 1/64) run while no
        // confident face has been found: the search for a small subject in a large photo.
        // Run always they cost 42 more runs on a 910 × 1137 portrait (+170 ms, a third of the
        // photo's time), for faces under 1/16 of the long side beside a confident one.
        for level in 1..=MAX_TILE_LEVEL {
            let t = long / (1u32 << level) as f64;
            if t < TILE_MIN_SIDE || (level > 1 && found.iter().any(|f| f.score >= TILE_FLOOR)) {
                break;
            }
            let stride = t / 2.0;
            let starts = |dim: f64| -> Vec<f64> {
                if dim <= t {
                    return vec![(dim - t) / 2.0];
                }
                let n = ((dim - t) / stride).ceil() as usize + 1;
                (0..n).map(|i| (i as f64 * stride).min(dim - t)).collect()
            };
            for ty in starts(h) {
                for tx in starts(w) {
                    let map = Affine::scale_offset(t / INPUT as f64, tx, ty);
                    let tile = (tx, ty, t, w, h);
                    found.extend(self.run_view(pyr, &map, TILE_FLOOR, Some(tile))?);
                }
            }
        }
        Ok((drop_parts_of_faces(weighted_nms(found)), full_view_best))
    }

    /// The best score of the letterboxed full view of the photo turned by 180° (0 when nothing
    /// reaches [`DETECTION_FLOOR`]): one model run, to compare with the full view's own best
    /// score from [`Self::detect`]. The letterbox is centred, so the turned photo's view is
    /// this photo's view with its pixels in reverse order: no turned copy of the photo or of
    /// its pyramid is made.
    pub(crate) fn turned_view_score(&self, pyr: &Pyramid<'_>) -> Result<f32> {
        let (w, h) = pyr.base().dimensions();
        let full = full_view(f64::from(w), f64::from(h));
        let mut input = pyr.sample(&full, INPUT, INPUT, 0.0);
        reverse_pixels(&mut input);
        Ok(self
            .decode_view(input, &full, DETECTION_FLOOR, None)?
            .iter()
            .map(|f| f.score)
            .fold(0.0, f32::max))
    }

    /// Runs one 128×128 view. `tile` = (x, y, side, image w, image h) drops detections cut by a
    /// tile edge that is not an image edge.
    fn run_view(
        &self,
        pyr: &Pyramid<'_>,
        map: &Affine,
        floor: f32,
        tile: Option<(f64, f64, f64, f64, f64)>,
    ) -> Result<Vec<FaceDetection>> {
        self.decode_view(pyr.sample(map, INPUT, INPUT, 0.0), map, floor, tile)
    }

    /// Runs the model on one sampled 128×128 view (RGB 0..=255, HWC) taken through `map`.
    #[allow(
        clippy::indexing_slicing,
        reason = "r is a 16-value slice taken with get(); indices are below 16"
    )]
    fn decode_view(
        &self,
        mut input: Vec<f32>,
        map: &Affine,
        floor: f32,
        tile: Option<(f64, f64, f64, f64, f64)>,
    ) -> Result<Vec<FaceDetection>> {
        normalize_hwc(&mut input, 1.0 / 127.5, -1.0);
        let out = self.model.run(input)?;
        let (Some((_, reg)), Some((_, cls))) = (out.first(), out.get(1)) else {
            return Err(crate::Error::Model {
                model: self.model.name().to_string(),
                message: "expected 2 outputs".into(),
            });
        };
        let mut faces = Vec::new();
        for (i, &(ax, ay)) in self.anchors.iter().enumerate() {
            let (Some(&logit), Some(r)) = (cls.get(i), reg.get(i * 16..i * 16 + 16)) else {
                break;
            };
            let score = 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp());
            if score < floor {
                continue;
            }
            let n = INPUT as f32;
            let to_src = |u: f32, v: f32| {
                let (x, y) = map.apply((u * n) as f64, (v * n) as f64);
                [x as f32, y as f32]
            };
            let (cx, cy) = (r[0] / n + ax, r[1] / n + ay);
            let (bw, bh) = (r[2] / n, r[3] / n);
            let p0 = to_src(cx - bw / 2.0, cy - bh / 2.0);
            let p1 = to_src(cx + bw / 2.0, cy + bh / 2.0);
            let mut kps = [[0f32; 2]; 6];
            for (k, kp) in kps.iter_mut().enumerate() {
                *kp = to_src(r[4 + 2 * k] / n + ax, r[5 + 2 * k] / n + ay);
            }
            let bbox = BBox {
                x: p0[0],
                y: p0[1],
                w: p1[0] - p0[0],
                h: p1[1] - p0[1],
            };
            if !(bbox.w > 1.0 && bbox.h > 1.0) {
                continue;
            }
            if let Some((tx, ty, ts, iw, ih)) = tile {
                let margin = 0.02 * ts as f32;
                let cut = |lo: f32, hi: f32, t0: f64, dim: f64| {
                    (lo < t0 as f32 + margin && t0 > 0.0)
                        || (hi > (t0 + ts) as f32 - margin && t0 + ts < dim)
                };
                if cut(bbox.x, bbox.x + bbox.w, tx, iw) || cut(bbox.y, bbox.y + bbox.h, ty, ih) {
                    continue;
                }
            }
            faces.push(FaceDetection {
                score,
                bbox,
                keypoints: kps,
            });
        }
        Ok(faces)
    }
}

/// The full view of a `w × h` photo: letterboxed (centred) into the square input, as MediaPipe
/// does.
fn full_view(w: f64, h: f64) -> Affine {
    let long = w.max(h);
    Affine::scale_offset(long / INPUT as f64, -(long - w) / 2.0, -(long - h) / 2.0)
}

/// An HWC RGB image turned by 180°: its pixels in reverse order, each pixel's channels kept.
fn reverse_pixels(hwc: &mut [f32]) {
    hwc.as_chunks_mut::<3>().0.reverse();
}

/// A detection lying at least this share inside a larger face's box is part of that face.
const PART_OF_FACE_SHARE: f32 = 0.5;

/// Drops detections that lie mostly inside a larger confident face's box: a tile that
/// sees an eye and an ear, or half a face, can score like a face, but one person's head cannot
/// lie inside another's, so such a box is a part of the larger face, not a second person.
/// Faces side by side, cheek to cheek or one behind the other overlap far less.
#[allow(
    clippy::indexing_slicing,
    reason = "order and keep index dets, all of one length"
)]
pub(crate) fn drop_parts_of_faces(dets: Vec<FaceDetection>) -> Vec<FaceDetection> {
    let mut kept: Vec<FaceDetection> = Vec::with_capacity(dets.len());
    let inside = |small: &BBox, big: &BBox| {
        let iw = (small.x + small.w).min(big.x + big.w) - small.x.max(big.x);
        let ih = (small.y + small.h).min(big.y + big.h) - small.y.max(big.y);
        iw.max(0.0) * ih.max(0.0) >= PART_OF_FACE_SHARE * small.area()
    };
    // largest first, so a part is met after the face that holds it
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&dets[a], &dets[b]);
        b.bbox.area().total_cmp(&a.bbox.area())
    });
    let mut keep = vec![false; dets.len()];
    for &i in &order {
        let d = &dets[i];
        if !kept.iter().any(|k| inside(&d.bbox, &k.bbox)) {
            keep[i] = true;
            // only a confident face holds parts: a low-scoring box (a texture, or the merge of
            // two heads) must not swallow a face inside it
            if d.score >= TILE_FLOOR {
                kept.push(d.clone());
            }
        }
    }
    dets.into_iter()
        .zip(keep)
        .filter_map(|(d, k)| k.then_some(d))
        .collect()
}

/// MediaPipe's weighted NMS: overlapping detections are averaged (weighted by score) into one.
#[allow(
    clippy::indexing_slicing,
    reason = "i and j range over 0..dets.len(), used has dets.len() entries, k over the 6 keypoints"
)]
pub(crate) fn weighted_nms(mut dets: Vec<FaceDetection>) -> Vec<FaceDetection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out: Vec<FaceDetection> = Vec::new();
    let mut used = vec![false; dets.len()];
    for i in 0..dets.len() {
        if used[i] {
            continue;
        }
        let best = dets[i].clone();
        let mut wsum = 0f32;
        let mut acc = FaceDetection {
            score: best.score,
            bbox: BBox::default(),
            keypoints: [[0.0; 2]; 6],
        };
        for j in i..dets.len() {
            if used[j] || best.bbox.iou(&dets[j].bbox) <= NMS_IOU {
                continue;
            }
            used[j] = true;
            let d = &dets[j];
            let w = d.score;
            wsum += w;
            acc.bbox.x += w * d.bbox.x;
            acc.bbox.y += w * d.bbox.y;
            acc.bbox.w += w * d.bbox.w;
            acc.bbox.h += w * d.bbox.h;
            for k in 0..6 {
                acc.keypoints[k][0] += w * d.keypoints[k][0];
                acc.keypoints[k][1] += w * d.keypoints[k][1];
            }
        }
        if wsum > 0.0 {
            acc.bbox.x /= wsum;
            acc.bbox.y /= wsum;
            acc.bbox.w /= wsum;
            acc.bbox.h /= wsum;
            for kp in acc.keypoints.iter_mut() {
                kp[0] /= wsum;
                kp[1] /= wsum;
            }
            out.push(acc);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(score: f32, x: f32) -> FaceDetection {
        FaceDetection {
            score,
            bbox: BBox {
                x,
                y: 0.0,
                w: 10.0,
                h: 10.0,
            },
            keypoints: [[x, 0.0]; 6],
        }
    }

    #[test]
    fn the_turned_view_is_the_view_of_the_turned_photo() {
        // a photo smaller than the view (sampled at full resolution) and one larger (sampled
        // from a pyramid level, here with sides divisible by 4: its levels pair the same
        // pixels either way round; other sizes shift a level by up to a source pixel)
        for (w, h) in [(90u32, 60u32), (704, 412)] {
            // a face-sized blob and smooth shading, so that the turn is not a mirror image
            let img = image::RgbImage::from_fn(w, h, |x, y| {
                let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
                let blob = (-((u - 0.3).powi(2) + (v - 0.35).powi(2)) * 40.0).exp();
                let wave = (x as f32 / 9.0).sin() * (y as f32 / 13.0).cos();
                image::Rgb([
                    (200.0 * blob + 30.0 * u) as u8,
                    (127.0 + 100.0 * wave) as u8,
                    (255.0 * v) as u8,
                ])
            });
            let turned = image::imageops::rotate180(&img);
            let full = full_view(f64::from(w), f64::from(h));
            let mut view = Pyramid::new(&img).sample(&full, INPUT, INPUT, 0.0);
            reverse_pixels(&mut view);
            let want = Pyramid::new(&turned).sample(&full, INPUT, INPUT, 0.0);
            let mean_abs = view
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .sum::<f32>()
                / view.len() as f32;
            assert!(mean_abs < 1e-3, "{w}×{h}: mean difference {mean_abs}");
        }
    }

    #[test]
    fn a_box_inside_a_larger_face_is_part_of_it() {
        let b = |score: f32, x: f32, y: f32, s: f32| FaceDetection {
            score,
            bbox: BBox { x, y, w: s, h: s },
            keypoints: [[x, y]; 6],
        };
        // the face, an eye-and-ear box inside it that scored higher, a face beside it that
        // overlaps it by a quarter of its own box, a face far away, and a low-scoring large
        // box over that face, which does not swallow it
        let out = drop_parts_of_faces(vec![
            b(0.95, 150.0, 120.0, 60.0),
            b(0.9, 100.0, 100.0, 200.0),
            b(0.8, 250.0, 100.0, 200.0),
            b(0.7, 900.0, 100.0, 80.0),
            b(0.35, 850.0, 50.0, 300.0),
        ]);
        let xs: Vec<f32> = out.iter().map(|d| d.bbox.x).collect();
        assert_eq!(xs, vec![100.0, 250.0, 900.0, 850.0]);
    }

    #[test]
    fn anchors_cover_the_grid() {
        let a = anchors();
        assert_eq!(a.len(), 896);
        assert_eq!(a[0], (0.5 / 16.0, 0.5 / 16.0));
        assert_eq!(a[895], (7.5 / 8.0, 7.5 / 8.0));
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_separate_faces() {
        let out = weighted_nms(vec![det(0.9, 0.0), det(0.6, 100.0), det(0.8, 1.0)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].score, 0.9);
        // weighted mean of x = 0 (0.9) and x = 1 (0.8)
        assert!((out[0].bbox.x - 0.8 / 1.7).abs() < 1e-5);
        assert_eq!(out[1].bbox.x, 100.0);
    }
}
