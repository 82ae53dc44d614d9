//! BiSeNet face parsing (19 CelebAMask-HQ classes) on a square crop around the face.

use super::onnx::OnnxModel;
use super::sample::{to_chw_normalized, Affine, Pyramid};
use crate::analysis::{BBox, ParsingMap};
use crate::error::{Error, Result};

pub(crate) const INPUT: usize = 512;
const CLASSES: usize = 19;
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

    pub(crate) fn new(bytes: &[u8]) -> Result<Self> {
        Ok(FaceParser {
            model: OnnxModel::load("face_parsing", bytes, &[1, 3, INPUT, INPUT])?,
        })
    }

    /// Parses the square region `CROP_SCALE` × the face box around its centre.
    pub(crate) fn run(&self, pyr: &Pyramid<'_>, face: &BBox) -> Result<ParsingMap> {
        let [cx, cy] = face.center();
        let cy = cy - CROP_SHIFT_UP * face.h;
        let side = face.w.max(face.h) * CROP_SCALE;
        let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
        let map = Affine::scale_offset((side / INPUT as f32) as f64, x0 as f64, y0 as f64);
        let labels = self.run_crop(pyr, &map)?;
        Ok(ParsingMap {
            x: x0,
            y: y0,
            side,
            size: INPUT,
            labels,
        })
    }

    /// Runs on the crop `map`, returning the argmax label per cell.
    pub(crate) fn run_crop(&self, pyr: &Pyramid<'_>, map: &Affine) -> Result<Vec<u8>> {
        let hwc = pyr.sample(map, INPUT, INPUT, 0.0);
        let input = normalize(&hwc, INPUT, INPUT);
        let out = self.model.run(input)?;
        let Some((shape, logits)) = out.first() else {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: "no output".into(),
            });
        };
        let n = INPUT * INPUT;
        if logits.len() < CLASSES * n {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: format!("unexpected output shape {shape:?}"),
            });
        }
        Ok(argmax_chw(logits, CLASSES, n))
    }
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
