//! MediaPipe hair segmentation (Apache-2.0): a hair probability over a square crop around the
//! head. A second opinion beside the parsing model, trained on other data with another
//! architecture, and licence-clean.

use super::onnx::{OnnxModel, Runtime};
use super::sample::{Affine, Pyramid};
use crate::analysis::{BBox, HairMask};
use crate::error::{Error, Result};

/// Input side of `hair_segmentation_256.onnx`.
pub(crate) const INPUT: usize = 256;
/// The crop's side as a multiple of the landmark box's larger side, and how far its centre
/// sits above the box's centre (share of the box height): the head with its hair, any
/// headband or bun, as MediaPipe's own hair graph frames it.
const CROP_SCALE: f32 = 2.4;
const CROP_SHIFT_UP: f32 = 0.15;

pub(crate) struct HairSegmenter {
    model: OnnxModel,
}

impl HairSegmenter {
    pub(crate) fn new(bytes: &[u8], runtime: Runtime) -> Result<Self> {
        Ok(HairSegmenter {
            model: OnnxModel::load("hair_segmentation", bytes, &[1, INPUT, INPUT, 4], runtime)?,
        })
    }

    pub(crate) fn raw(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.model.run(input)
    }

    /// Hair probability over the square crop around the landmark box `face`.
    pub(crate) fn run(&self, pyr: &Pyramid<'_>, face: &BBox) -> Result<HairMask> {
        let side = CROP_SCALE * face.w.max(face.h);
        let cx = face.x + face.w / 2.0;
        let cy = face.y + face.h / 2.0 - CROP_SHIFT_UP * face.h;
        let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
        let map =
            Affine::scale_offset(f64::from(side) / INPUT as f64, f64::from(x0), f64::from(y0));
        let rgb = pyr.sample(&map, INPUT, INPUT, 0.0);
        // RGB in 0..1 plus the previous-frame mask channel (0 for a still photo)
        let mut input = Vec::with_capacity(INPUT * INPUT * 4);
        for px in rgb.chunks_exact(3) {
            input.extend(px.iter().map(|v| v / 255.0));
            input.push(0.0);
        }
        let out = self.model.run(input)?;
        let bad = |message: String| Error::Model {
            model: self.model.name().to_string(),
            message,
        };
        let Some((_, logits)) = out.into_iter().next() else {
            return Err(bad("no output".into()));
        };
        if logits.len() != INPUT * INPUT * 2 {
            return Err(bad(format!(
                "expected {} values, got {}",
                INPUT * INPUT * 2,
                logits.len()
            )));
        }
        // softmax over the two channels = the logistic of their difference
        let data = logits
            .chunks_exact(2)
            .map(|c| match c {
                [bg, hair] => 1.0 / (1.0 + (bg - hair).exp()),
                _ => 0.0,
            })
            .collect();
        Ok(HairMask {
            x: x0,
            y: y0,
            side,
            size: INPUT,
            data,
        })
    }
}
