//! MediaPipe selfie segmentation: a soft person mask over the whole image.

use super::onnx::{OnnxModel, Runtime};
use super::sample::{normalize_hwc, Affine, Pyramid};
use crate::analysis::PersonMask;
use crate::error::{Error, Result};

pub(crate) const INPUT: usize = 256;

pub(crate) struct PersonSegmenter {
    model: OnnxModel,
}

impl PersonSegmenter {
    pub(crate) fn raw(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.model.run(input)
    }

    pub(crate) fn new(bytes: &[u8], runtime: Runtime) -> Result<Self> {
        Ok(PersonSegmenter {
            model: OnnxModel::load("person_segmentation", bytes, &[1, INPUT, INPUT, 3], runtime)?,
        })
    }

    /// The whole image stretched to 256×256 (as MediaPipe feeds it).
    pub(crate) fn run(&self, pyr: &Pyramid<'_>, width: u32, height: u32) -> Result<PersonMask> {
        let map = Affine {
            a: width as f64 / INPUT as f64,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: height as f64 / INPUT as f64,
            f: 0.0,
        };
        let mut input = pyr.sample(&map, INPUT, INPUT, 0.0);
        normalize_hwc(&mut input, 1.0 / 255.0, 0.0);
        let out = self.model.run(input)?;
        let Some((_, data)) = out.into_iter().next() else {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: "no output".into(),
            });
        };
        if data.len() != INPUT * INPUT {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: format!("expected {} values, got {}", INPUT * INPUT, data.len()),
            });
        }
        Ok(PersonMask {
            width: INPUT,
            height: INPUT,
            src_width: width,
            src_height: height,
            data,
        })
    }
}
