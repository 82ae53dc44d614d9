//! The face models, run on CPU by tract: loaded once, shared across threads.
//!
//! | file in `models/` | model | gives |
//! |---|---|---|
//! | `face_detection_short_range.onnx` | MediaPipe BlazeFace | face boxes, 6 keypoints |
//! | `face_landmark.onnx` | MediaPipe FaceMesh | 468 3-D landmarks → pose |
//! | `face_parsing_bisenet_512_fp16w.onnx` | BiSeNet (CelebAMask-HQ) | 19-class parsing map |
//! | `selfie_segmentation.onnx` | MediaPipe selfie segmentation | soft person mask |
//!
//! The parsing weights come from a non-commercial dataset: [`ModelsBuilder::parsing_bytes`] /
//! [`ModelsBuilder::parsing_path`] replace them, [`ModelsBuilder::without_parsing`] drops them
//! (checks that need the map then report `not_applicable`).

mod detector;
mod landmarks;
mod onnx;
mod parsing;
pub(crate) mod sample;
mod segmentation;

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::analysis::Analysis;
use crate::error::{Error, Result};

pub use detector::DETECTION_FLOOR;
pub use sample::Affine;

/// File names expected in a models folder.
pub const DETECTOR_FILE: &str = "face_detection_short_range.onnx";
/// See [`DETECTOR_FILE`].
pub const LANDMARKS_FILE: &str = "face_landmark.onnx";
/// See [`DETECTOR_FILE`].
pub const PARSING_FILE: &str = "face_parsing_bisenet_512_fp16w.onnx";
/// See [`DETECTOR_FILE`].
pub const SEGMENTATION_FILE: &str = "selfie_segmentation.onnx";

/// Environment variable naming the models folder, read by [`default_dir`].
pub const MODELS_DIR_ENV: &str = "IDPHOTO_MODELS";
/// Face-presence score of the mesh model that confirms a detection as a face (the mesh model's
/// own threshold in MediaPipe's face-landmark graph is 0.5).
const MIN_MESH_PRESENCE: f32 = 0.5;
/// Most detections confirmed per photo (each costs one mesh run, ~5 ms).
const MAX_FACE_CANDIDATES: usize = 8;
/// A detection needs this score to be chosen as the main face over a larger, weaker one.
const MAIN_FACE_MIN_SCORE: f32 = 0.5;

/// The models folder: `$IDPHOTO_MODELS` if set, else the crate's own `models/`.
pub fn default_dir() -> PathBuf {
    std::env::var_os(MODELS_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/models")))
}

enum Source {
    Default,
    Path(PathBuf),
    Bytes(Vec<u8>),
    Disabled,
}

/// Chooses where each model comes from.
pub struct ModelsBuilder {
    dir: PathBuf,
    parsing: Source,
    segmentation: Source,
}

impl ModelsBuilder {
    /// Loads models from `dir` instead of [`default_dir`].
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// Uses another face-parsing model file (same 19 classes, input `[1,3,512,512]`).
    pub fn parsing_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.parsing = Source::Path(path.into());
        self
    }

    /// Uses a face-parsing model given as ONNX bytes.
    pub fn parsing_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.parsing = Source::Bytes(bytes);
        self
    }

    /// Runs without face parsing.
    pub fn without_parsing(mut self) -> Self {
        self.parsing = Source::Disabled;
        self
    }

    /// Runs without the person mask.
    pub fn without_segmentation(mut self) -> Self {
        self.segmentation = Source::Disabled;
        self
    }

    /// Loads and optimizes every model.
    ///
    /// # Errors
    /// [`Error::Io`] when a file is missing, [`Error::Model`] when tract cannot load it.
    pub fn build(self) -> Result<Models> {
        let read = |src: &Source, default: &str| -> Result<Option<Vec<u8>>> {
            let path = match src {
                Source::Disabled => return Ok(None),
                Source::Bytes(b) => return Ok(Some(b.clone())),
                Source::Path(p) => p.clone(),
                Source::Default => self.dir.join(default),
            };
            std::fs::read(&path)
                .map(Some)
                .map_err(|e| Error::io(path, e))
        };
        let req = |name: &str| -> Result<Vec<u8>> {
            let p = self.dir.join(name);
            std::fs::read(&p).map_err(|e| Error::io(p, e))
        };
        let (det, mesh) = (req(DETECTOR_FILE)?, req(LANDMARKS_FILE)?);
        let (parse, seg) = (
            read(&self.parsing, PARSING_FILE)?,
            read(&self.segmentation, SEGMENTATION_FILE)?,
        );
        // parsing (the largest) on one side, the three small ones on the other: on 2 cores the
        // load takes about as long as the parsing model alone
        let (parser, rest) = rayon::join(
            || parse.map(|b| parsing::FaceParser::new(&b)).transpose(),
            || -> Result<_> {
                Ok((
                    detector::FaceDetector::new(&det)?,
                    landmarks::FaceMesh::new(&mesh)?,
                    seg.map(|b| segmentation::PersonSegmenter::new(&b))
                        .transpose()?,
                ))
            },
        );
        let (detector, mesh, segmenter) = rest?;
        Ok(Models {
            detector,
            mesh,
            parser: parser?,
            segmenter,
        })
    }
}

/// Every model, loaded and optimized. `Send + Sync`: share one behind an `Arc`.
pub struct Models {
    detector: detector::FaceDetector,
    mesh: landmarks::FaceMesh,
    parser: Option<parsing::FaceParser>,
    segmenter: Option<segmentation::PersonSegmenter>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field("parsing", &self.parser.is_some())
            .field("segmentation", &self.segmenter.is_some())
            .finish()
    }
}

impl Models {
    /// A builder starting from [`default_dir`] with every model enabled.
    pub fn builder() -> ModelsBuilder {
        ModelsBuilder {
            dir: default_dir(),
            parsing: Source::Default,
            segmentation: Source::Default,
        }
    }

    /// Loads every model from `dir`.
    ///
    /// # Errors
    /// As [`ModelsBuilder::build`].
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Models> {
        Models::builder().dir(dir.as_ref()).build()
    }

    /// Whether the face-parsing model is loaded.
    pub fn has_parsing(&self) -> bool {
        self.parser.is_some()
    }

    /// Whether the person-segmentation model is loaded.
    pub fn has_segmentation(&self) -> bool {
        self.segmenter.is_some()
    }

    /// Runs every model on `img`.
    ///
    /// # Errors
    /// [`Error::Model`] if inference fails.
    pub fn analyze(&self, img: &RgbImage) -> Result<Analysis> {
        Ok(self.analyze_timed(img)?.0)
    }

    /// As [`analyze`](Self::analyze), also returning the time spent inside the models (tract's
    /// `run`) and the number of model runs; the rest of the analysis time is pre- and
    /// post-processing (sampling crops, decoding outputs).
    ///
    /// # Errors
    /// [`Error::Model`] if an inference fails.
    pub fn analyze_timed(&self, img: &RgbImage) -> Result<(Analysis, std::time::Duration, u32)> {
        self.analyze_pyramid(&sample::Pyramid::new(img))
    }

    /// As [`analyze_timed`](Self::analyze_timed) on an already built pyramid.
    fn analyze_pyramid(
        &self,
        pyr: &sample::Pyramid<'_>,
    ) -> Result<(Analysis, std::time::Duration, u32)> {
        let _ = onnx::take_inference_time();
        let a = self.analyze_inner(pyr);
        let (t, n) = onnx::take_inference_time();
        Ok((a?, t, n))
    }

    fn analyze_inner(&self, pyr: &sample::Pyramid<'_>) -> Result<Analysis> {
        let (w, h) = pyr.base().dimensions();
        // Every candidate is confirmed by the mesh model's face-presence score: BlazeFace alone
        // fires on microphones and patterns at 0.6.
        let mut faces = Vec::new();
        let mut meshes = Vec::new();
        for face in self
            .detector
            .detect(pyr, w, h)?
            .into_iter()
            .take(MAX_FACE_CANDIDATES)
        {
            let lm = self.mesh.run(pyr, &landmarks::FaceMesh::crop_for(&face))?;
            if lm.presence >= MIN_MESH_PRESENCE {
                faces.push(face);
                meshes.push(lm);
            }
        }
        let main_face = pick_main(&faces);
        let landmarks = main_face.and_then(|i| meshes.into_iter().nth(i));
        let mut analysis = Analysis {
            width: w,
            height: h,
            faces,
            main_face,
            ..Analysis::default()
        };
        if let (Some(face), Some(lm)) = (analysis.main().cloned(), landmarks) {
            analysis.pose = Some(lm.pose());
            analysis.landmarks = Some(lm);
            if let Some(p) = &self.parser {
                analysis.parsing = Some(p.run(pyr, &face.bbox)?);
            }
        }
        if let Some(s) = &self.segmenter {
            analysis.person = Some(s.run(pyr, w, h)?);
        }
        Ok(analysis)
    }

    // ---- single-model entry points, for benches and parity tests -------------------------------

    /// Runs the detector alone on a `[1,128,128,3]` input (NHWC, already normalised).
    #[doc(hidden)]
    pub fn raw_detector(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.detector.raw(input)
    }

    /// Runs the mesh model alone on a `[1,192,192,3]` input.
    #[doc(hidden)]
    pub fn raw_landmarks(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.mesh.raw(input)
    }

    /// Runs the parsing model alone on a `[1,3,512,512]` input.
    #[doc(hidden)]
    pub fn raw_parsing(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.parser
            .as_ref()
            .ok_or_else(|| Error::Model {
                model: "face_parsing".into(),
                message: "not loaded".into(),
            })?
            .raw(input)
    }

    /// Runs the segmentation model alone on a `[1,256,256,3]` input.
    #[doc(hidden)]
    pub fn raw_segmentation(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.segmenter
            .as_ref()
            .ok_or_else(|| Error::Model {
                model: "person_segmentation".into(),
                message: "not loaded".into(),
            })?
            .raw(input)
    }
}

/// The largest face among the confident ones, else the most confident.
fn pick_main(faces: &[crate::analysis::FaceDetection]) -> Option<usize> {
    let confident = faces
        .iter()
        .enumerate()
        .filter(|(_, f)| f.score >= MAIN_FACE_MIN_SCORE)
        .max_by(|a, b| a.1.bbox.area().total_cmp(&b.1.bbox.area()))
        .map(|(i, _)| i);
    confident.or(if faces.is_empty() { None } else { Some(0) })
}

/// A model input from an image of exactly the input size: NHWC `x·scale + offset` (the
/// detector, mesh and segmentation inputs); for parity tests, benches and profilers.
#[doc(hidden)]
pub fn nhwc_input(img: &RgbImage, scale: f32, offset: f32) -> Vec<f32> {
    img.as_raw()
        .iter()
        .map(|&v| v as f32 * scale + offset)
        .collect()
}

/// The parsing model's input from a 512×512 image: NCHW, ImageNet mean/std (see
/// [`nhwc_input`]).
#[doc(hidden)]
pub fn parsing_input(img: &RgbImage) -> Vec<f32> {
    let hwc: Vec<f32> = img.as_raw().iter().map(|&v| v as f32).collect();
    parsing::normalize(&hwc, img.width() as usize, img.height() as usize)
}

/// One model loaded for the tract fixed-shape comparison bench.
#[doc(hidden)]
pub struct BenchModel(onnx::OnnxModel);

impl BenchModel {
    /// Loads `file`'s bytes with the library's fixed input shape or a symbolic batch dimension.
    ///
    /// # Errors
    /// [`Error::Model`] if tract cannot load it.
    pub fn load(file: &str, bytes: &[u8], symbolic_batch: bool) -> Result<BenchModel> {
        let (name, shape): (&'static str, &[usize]) = match file {
            DETECTOR_FILE => ("face_detection", &[1, 128, 128, 3]),
            LANDMARKS_FILE => ("face_landmarks", &[1, 192, 192, 3]),
            SEGMENTATION_FILE => ("person_segmentation", &[1, 256, 256, 3]),
            _ => ("face_parsing", &[1, 3, 512, 512]),
        };
        onnx::OnnxModel::load_with(name, bytes, shape, symbolic_batch).map(BenchModel)
    }

    /// Runs it on one input.
    ///
    /// # Errors
    /// [`Error::Model`] if inference fails.
    pub fn run(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.0.run(input)
    }
}

/// Loads one model file from bytes and reports parse+optimize time; for benches.
#[doc(hidden)]
pub fn load_timing(name: &str, bytes: &[u8]) -> Result<()> {
    match name {
        DETECTOR_FILE => detector::FaceDetector::new(bytes).map(|_| ()),
        LANDMARKS_FILE => landmarks::FaceMesh::new(bytes).map(|_| ()),
        SEGMENTATION_FILE => segmentation::PersonSegmenter::new(bytes).map(|_| ()),
        _ => parsing::FaceParser::new(bytes).map(|_| ()),
    }
}
