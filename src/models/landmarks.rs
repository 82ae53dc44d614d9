//! MediaPipe FaceMesh v2 (the Face Landmarker's landmark model): 478 3-D landmarks — the
//! 468-point face mesh plus 5 points on each iris — from a roll-aligned crop around the detected
//! face.

use super::onnx::{OnnxModel, Runtime};
use super::sample::{normalize_hwc, Affine, Pyramid};
use crate::analysis::{FaceDetection, FaceLandmarks, LANDMARK_COUNT};
use crate::error::{Error, Result};

pub(crate) const INPUT: usize = 256;
/// MediaPipe's face landmarker crops 1.5× the detection box for the landmark model
/// (`face_landmarker_graph.cc`, RectTransformationCalculator scale).
const CROP_SCALE: f64 = 1.5;

pub(crate) struct FaceMesh {
    model: OnnxModel,
}

impl FaceMesh {
    pub(crate) fn raw(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.model.run(input)
    }

    pub(crate) fn new(bytes: &[u8], runtime: Runtime) -> Result<Self> {
        Ok(FaceMesh {
            model: OnnxModel::load("face_landmarks", bytes, &[1, INPUT, INPUT, 3], runtime)?,
        })
    }

    /// The crop used for a detection: centre, side, eye-line angle.
    pub(crate) fn crop_for(face: &FaceDetection) -> Affine {
        let [cx, cy] = face.bbox.center();
        let side = face.bbox.w.max(face.bbox.h) as f64 * CROP_SCALE;
        let [r, l] = [face.keypoints[0], face.keypoints[1]];
        let angle = ((l[1] - r[1]) as f64).atan2((l[0] - r[0]) as f64);
        Affine::square_crop(cx as f64, cy as f64, side, angle, INPUT)
    }

    /// Runs the mesh on the crop `map` (see [`crop_for`](Self::crop_for)).
    #[allow(
        clippy::indexing_slicing,
        reason = "chunks_exact(3) items have 3 values"
    )]
    pub(crate) fn run(&self, pyr: &Pyramid<'_>, map: &Affine) -> Result<FaceLandmarks> {
        let mut input = pyr.sample(map, INPUT, INPUT, 0.0);
        normalize_hwc(&mut input, 1.0 / 255.0, 0.0);
        let out = self.model.run(input)?;
        let (Some((_, pts)), Some((_, flag))) = (out.first(), out.get(1)) else {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: "expected 2 outputs".into(),
            });
        };
        if pts.len() < LANDMARK_COUNT * 3 {
            return Err(Error::Model {
                model: self.model.name().to_string(),
                message: format!("expected {} values, got {}", LANDMARK_COUNT * 3, pts.len()),
            });
        }
        let s = map.scale() as f32;
        let points = pts
            .chunks_exact(3)
            .take(LANDMARK_COUNT)
            .map(|p| {
                let (x, y) = map.apply(p[0] as f64, p[1] as f64);
                [x as f32, y as f32, p[2] * s]
            })
            .collect();
        let logit = flag.first().copied().unwrap_or(-100.0);
        Ok(FaceLandmarks {
            points,
            presence: 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp()),
        })
    }
}
