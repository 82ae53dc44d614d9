//! The face models, run on CPU by tract (or, with the cargo feature `onnxruntime`, by ONNX
//! Runtime: see [`Runtime`]): loaded once, shared across threads.
//!
//! | file in `models/` | model | gives |
//! |---|---|---|
//! | `face_detection_short_range.onnx` | MediaPipe BlazeFace | face boxes, 6 keypoints |
//! | `face_landmarks_detector.onnx` | MediaPipe FaceMesh v2 | 478 3-D landmarks (mesh + irises) → pose, eyes, mouth |
//! | `face_parsing_bisenet_512_fp16w.onnx` | BiSeNet (CelebAMask-HQ) | 19-class parsing map |
//! | `selfie_segmentation.onnx` | MediaPipe selfie segmentation | soft person mask |
//! | `hair_segmentation_256.onnx` | MediaPipe hair segmentation (Apache-2.0) | hair probability around the head |
//!
//! With the `onnxruntime` feature, the parsing model is `face_parsing_bisenet_512_int8.onnx`
//! ([`PARSING_INT8_FILE`]): the same BiSeNet quantised to int8, cut before its final Resize.
//!
//! The parsing weights come from a non-commercial dataset: [`ModelsBuilder::parsing_bytes`] /
//! [`ModelsBuilder::parsing_path`] replace them, [`ModelsBuilder::without_parsing`] drops them
//! (checks that need the map then report `not_applicable`).

mod detector;
mod hair;
mod landmarks;
mod onnx;
#[cfg(feature = "onnxruntime")]
mod onnxruntime;
mod parsing;
pub(crate) mod sample;
mod segmentation;
mod vector_state;

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::analysis::Analysis;
use crate::error::{Error, Result};
use crate::image_io::Rotation;

pub use detector::DETECTION_FLOOR;
pub use onnx::Runtime;
#[cfg(feature = "onnxruntime")]
pub use onnxruntime::{
    available as onnxruntime_available, dylib_path as onnxruntime_dylib, DEFAULT_DYLIB,
    ORT_DYLIB_ENV,
};
pub use sample::Affine;

/// File names expected in a models folder.
pub const DETECTOR_FILE: &str = "face_detection_short_range.onnx";
/// See [`DETECTOR_FILE`].
pub const LANDMARKS_FILE: &str = "face_landmarks_detector.onnx";
/// See [`DETECTOR_FILE`].
pub const PARSING_FILE: &str = "face_parsing_bisenet_512_fp16w.onnx";
/// The int8 parsing model ONNX Runtime runs by default (`models/scripts/bisenet_int8.py`);
/// tract runs [`PARSING_FILE`] (int8 does not pay in tract).
pub const PARSING_INT8_FILE: &str = "face_parsing_bisenet_512_int8.onnx";
/// See [`DETECTOR_FILE`].
pub const SEGMENTATION_FILE: &str = "selfie_segmentation.onnx";
/// See [`DETECTOR_FILE`].
pub const HAIR_FILE: &str = "hair_segmentation_256.onnx";

/// Environment variable naming the models folder, read by [`default_dir`].
pub const MODELS_DIR_ENV: &str = "IDPHOTO_MODELS";
/// Face-presence score of the mesh model that confirms a detection as a face (the mesh model's
/// own threshold in MediaPipe's face-landmark graph is 0.5).
const MIN_MESH_PRESENCE: f32 = 0.5;
/// Most detections confirmed per photo (each costs one mesh run, ~5 ms).
const MAX_FACE_CANDIDATES: usize = 8;
/// A detection needs this score to be chosen as the main face over a larger, weaker one.
const MAIN_FACE_MIN_SCORE: f32 = 0.5;

/// The models folder at build time (`CARGO_MANIFEST_DIR/models`): right for `cargo run` and
/// tests, wrong for a binary copied elsewhere; [`search_dirs`] lists it last.
pub const BUILD_TIME_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models");

/// Whether the models are compiled into the binary (cargo feature `embed-models`).
pub const EMBEDDED: bool = cfg!(feature = "embed-models");

/// Where the models are looked for, in order, when no folder is given:
/// 1. `$IDPHOTO_MODELS`, when set (then only there);
/// 2. the models compiled in, with the cargo feature `embed-models` (no folder at all);
/// 3. `models/` next to the running executable, then the executable's own folder;
/// 4. [`BUILD_TIME_DIR`].
///
/// This lists the folders of steps 1, 3 and 4 (step 1 alone when the variable is set).
pub fn search_dirs() -> Vec<PathBuf> {
    if let Some(d) = std::env::var_os(MODELS_DIR_ENV) {
        return vec![PathBuf::from(d)];
    }
    let mut out = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(exe_dir.join("models"));
        out.push(exe_dir);
    }
    out.push(PathBuf::from(BUILD_TIME_DIR));
    out
}

/// The first folder of [`search_dirs`] that holds the detector model, if any.
pub fn find_dir() -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .find(|d| d.join(DETECTOR_FILE).is_file())
}

/// The models folder the default builder reads: [`find_dir`], or else the first folder
/// searched (where the error will point).
pub fn default_dir() -> PathBuf {
    find_dir().unwrap_or_else(|| {
        search_dirs()
            .into_iter()
            .next()
            .unwrap_or_else(|| PathBuf::from(BUILD_TIME_DIR))
    })
}

#[cfg(feature = "embed-models")]
mod embedded {
    pub const DETECTOR: &[u8] = include_bytes!("../../models/face_detection_short_range.onnx");
    pub const LANDMARKS: &[u8] = include_bytes!("../../models/face_landmarks_detector.onnx");
    pub const PARSING: &[u8] = include_bytes!("../../models/face_parsing_bisenet_512_fp16w.onnx");
    pub const SEGMENTATION: &[u8] = include_bytes!("../../models/selfie_segmentation.onnx");
    pub const HAIR: &[u8] = include_bytes!("../../models/hair_segmentation_256.onnx");
    #[cfg(feature = "onnxruntime")]
    pub const PARSING_INT8: &[u8] =
        include_bytes!("../../models/face_parsing_bisenet_512_int8.onnx");
}

/// The compiled-in bytes of a model file, with the `embed-models` feature.
#[cfg(feature = "embed-models")]
fn embedded_bytes(file: &str) -> Option<&'static [u8]> {
    match file {
        DETECTOR_FILE => Some(embedded::DETECTOR),
        LANDMARKS_FILE => Some(embedded::LANDMARKS),
        PARSING_FILE => Some(embedded::PARSING),
        SEGMENTATION_FILE => Some(embedded::SEGMENTATION),
        HAIR_FILE => Some(embedded::HAIR),
        #[cfg(feature = "onnxruntime")]
        PARSING_INT8_FILE => Some(embedded::PARSING_INT8),
        _ => None,
    }
}

/// Without the `embed-models` feature nothing is compiled in.
#[cfg(not(feature = "embed-models"))]
fn embedded_bytes(_file: &str) -> Option<&'static [u8]> {
    None
}

enum Source {
    Default,
    Path(PathBuf),
    Bytes(Vec<u8>),
    Disabled,
}

/// Chooses where each model comes from: a folder, a file, or bytes the caller holds (from
/// `include_bytes!`, an object store, a container layer). A model left at its default comes
/// from the folder given with [`dir`](Self::dir), else from the places [`search_dirs`] lists.
pub struct ModelsBuilder {
    dir: Option<PathBuf>,
    runtime: Runtime,
    detector: Source,
    landmarks: Source,
    parsing: Source,
    segmentation: Source,
    hair: Source,
}

impl ModelsBuilder {
    /// Runs the models in `runtime` (default: [`Runtime::build_default`]). With
    /// [`Runtime::OnnxRuntime`] the default parsing model is [`PARSING_INT8_FILE`].
    pub fn runtime(mut self, runtime: Runtime) -> Self {
        self.runtime = runtime;
        self
    }

    /// Loads the models not given otherwise from `dir` (no search).
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The face detector (MediaPipe BlazeFace short range, [`DETECTOR_FILE`]) as ONNX bytes.
    pub fn detector_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.detector = Source::Bytes(bytes);
        self
    }

    /// The face mesh (MediaPipe FaceMesh v2, [`LANDMARKS_FILE`]) as ONNX bytes.
    pub fn landmarks_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.landmarks = Source::Bytes(bytes);
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

    /// The person segmentation model ([`SEGMENTATION_FILE`]) as ONNX bytes.
    pub fn segmentation_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.segmentation = Source::Bytes(bytes);
        self
    }

    /// The hair segmentation model ([`HAIR_FILE`]) as ONNX bytes.
    pub fn hair_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.hair = Source::Bytes(bytes);
        self
    }

    /// Runs without the hair segmentation (the checks that use it as a second opinion then
    /// rely on the parsing map alone).
    pub fn without_hair(mut self) -> Self {
        self.hair = Source::Disabled;
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
    /// [`Error::ModelsNotFound`] naming every folder searched when a model left at its default
    /// is in none of them; [`Error::Io`] when a file given cannot be read; [`Error::Model`]
    /// when the runtime cannot load a model (for [`Runtime::OnnxRuntime`]: also when its
    /// library cannot be loaded, or the build lacks the `onnxruntime` feature).
    pub fn build(self) -> Result<Models> {
        let runtime = self.runtime;
        let parsing_file = match runtime {
            Runtime::OnnxRuntime => PARSING_INT8_FILE,
            Runtime::Tract => PARSING_FILE,
        };
        // the folder for models left at their default: given, searched, or none (embedded)
        let needs_dir = [
            &self.detector,
            &self.landmarks,
            &self.parsing,
            &self.segmentation,
            &self.hair,
        ]
        .iter()
        .any(|s| matches!(s, Source::Default));
        let dir: Option<PathBuf> = match (&self.dir, needs_dir) {
            (Some(d), _) => Some(d.clone()),
            (None, false) => None,
            (None, true) if EMBEDDED && std::env::var_os(MODELS_DIR_ENV).is_none() => None,
            (None, true) => Some(find_dir().ok_or_else(|| Error::ModelsNotFound {
                searched: search_dirs(),
            })?),
        };
        let read = |src: Source, file: &str| -> Result<Option<Vec<u8>>> {
            let path = match src {
                Source::Disabled => return Ok(None),
                Source::Bytes(b) => return Ok(Some(b)),
                Source::Path(p) => p,
                Source::Default => match &dir {
                    Some(d) => d.join(file),
                    None => {
                        return embedded_bytes(file)
                            .map(|b| Some(b.to_vec()))
                            .ok_or_else(|| Error::ModelsNotFound {
                                searched: search_dirs(),
                            })
                    }
                },
            };
            match std::fs::read(&path) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.dir.is_some() => {
                    Err(Error::ModelsNotFound {
                        searched: vec![path],
                    })
                }
                Err(e) => Err(Error::io(path, e)),
            }
        };
        let det = read(self.detector, DETECTOR_FILE)?;
        let mesh = read(self.landmarks, LANDMARKS_FILE)?;
        let (Some(det), Some(mesh)) = (det, mesh) else {
            return Err(Error::Model {
                model: "face_detection".into(),
                message: "the detector and the face mesh cannot be disabled".into(),
            });
        };
        let (parse, seg, hair) = (
            read(self.parsing, parsing_file)?,
            read(self.segmentation, SEGMENTATION_FILE)?,
            read(self.hair, HAIR_FILE)?,
        );
        // parsing (the largest) on one side, the three small ones on the other: on 2 cores the
        // load takes about as long as the parsing model alone
        let (parser, rest) = rayon::join(
            || {
                parse
                    .map(|b| parsing::FaceParser::new(&b, runtime))
                    .transpose()
            },
            || -> Result<_> {
                Ok((
                    detector::FaceDetector::new(&det, runtime)?,
                    landmarks::FaceMesh::new(&mesh, runtime)?,
                    seg.map(|b| segmentation::PersonSegmenter::new(&b, runtime))
                        .transpose()?,
                    hair.map(|b| hair::HairSegmenter::new(&b, runtime))
                        .transpose()?,
                ))
            },
        );
        let (detector, mesh, segmenter, hair) = rest?;
        Ok(Models {
            runtime,
            detector,
            mesh,
            parser: parser?,
            segmenter,
            hair,
        })
    }
}

/// Every model, loaded and optimized. `Send + Sync`: share one behind an `Arc`.
pub struct Models {
    runtime: Runtime,
    detector: detector::FaceDetector,
    mesh: landmarks::FaceMesh,
    parser: Option<parsing::FaceParser>,
    segmenter: Option<segmentation::PersonSegmenter>,
    hair: Option<hair::HairSegmenter>,
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field("runtime", &self.runtime)
            .field("parsing", &self.parser.is_some())
            .field("segmentation", &self.segmenter.is_some())
            .field("hair", &self.hair.is_some())
            .finish()
    }
}

impl Models {
    /// A builder with every model enabled, each from the places [`search_dirs`] lists (or
    /// compiled in, with the `embed-models` feature).
    pub fn builder() -> ModelsBuilder {
        ModelsBuilder {
            dir: None,
            runtime: Runtime::build_default(),
            detector: Source::Default,
            landmarks: Source::Default,
            parsing: Source::Default,
            segmentation: Source::Default,
            hair: Source::Default,
        }
    }

    /// Loads every model from `dir`.
    ///
    /// # Errors
    /// As [`ModelsBuilder::build`].
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Models> {
        Models::builder().dir(dir.as_ref()).build()
    }

    /// The runtime that runs the models.
    pub fn runtime(&self) -> Runtime {
        self.runtime
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
        let a = self
            .faces(pyr)
            .and_then(|found| self.finish(pyr, found, Rotation::None));
        let (t, n) = onnx::take_inference_time();
        Ok((a?, t, n))
    }

    /// Analyses a photo that may be stored sideways or upside down without an EXIF tag: when the
    /// face found is turned by more than 45° in the image, or no face is found upright but one
    /// is in a quarter-turned view, the photo is turned upright and analysed again. Returns the
    /// analysis (its coordinates refer to the upright photo; [`Analysis::rotation`] says how it
    /// was turned), the upright photo when it differs from `img`, the inference time and the
    /// number of model runs.
    ///
    /// # Errors
    /// [`Error::Model`] if an inference fails.
    pub fn analyze_upright(
        &self,
        img: &RgbImage,
    ) -> Result<(Analysis, Option<RgbImage>, std::time::Duration, u32)> {
        let (a, upright, t, n, _) = self.analyze_upright_levels(img)?;
        Ok((a, upright, t, n))
    }

    /// As [`analyze_upright`](Self::analyze_upright), also handing back the anti-aliasing
    /// pyramid's levels of the photo analysed (the upright one when it was turned), so the
    /// checks and the render need not build them again.
    pub(crate) fn analyze_upright_levels(
        &self,
        img: &RgbImage,
    ) -> Result<(
        Analysis,
        Option<RgbImage>,
        std::time::Duration,
        u32,
        sample::PyramidLevels,
    )> {
        let _ = onnx::take_inference_time();
        let a = self.analyze_upright_inner(img);
        let (t, n) = onnx::take_inference_time();
        let (a, upright, levels) = a?;
        Ok((a, upright, t, n, levels))
    }

    fn analyze_upright_inner(
        &self,
        img: &RgbImage,
    ) -> Result<(Analysis, Option<RgbImage>, sample::PyramidLevels)> {
        let pyr = sample::Pyramid::new(img);
        let found = self.faces(&pyr)?;
        let turn = match pick_main(&found.faces) {
            Some(i) => match found.meshes.get(i).map(quarter_turns_to_upright) {
                Some(Rotation::None) => self.upside_down(&pyr, found.full_view_score)?,
                t => t.unwrap_or_default(),
            },
            // no face upright: look for one in the turned views
            None => self.turned_view_with_face(img)?,
        };
        let Some(upright) = turn.apply(img) else {
            let a = self.finish(&pyr, found, Rotation::None)?;
            return Ok((a, None, pyr.into_levels()));
        };
        drop(pyr);
        let pyr = sample::Pyramid::new(&upright);
        let found = self.faces(&pyr)?;
        let a = self.finish(&pyr, found, turn)?;
        let levels = pyr.into_levels();
        Ok((a, Some(upright), levels))
    }

    /// [`Rotation::Cw180`] when the photo is upside down. The detector and the mesh model both
    /// take an upside-down face for a level one, but the detector is much surer of the face
    /// once the photo is turned: upright photos score higher as they are than turned (by 0.07
    /// to 0.5 on the fixture and evaluation photos), an upside-down one the other way round.
    fn upside_down(&self, pyr: &sample::Pyramid<'_>, as_is: f32) -> Result<Rotation> {
        let flipped = self.detector.turned_view_score(pyr)?;
        Ok(
            if flipped >= MAIN_FACE_MIN_SCORE && flipped > as_is + UPSIDE_DOWN_MIN_GAIN {
                Rotation::Cw180
            } else {
                Rotation::None
            },
        )
    }

    /// The quarter turn whose view shows a confirmed, level face (the best-scoring one), or
    /// [`Rotation::None`] when no turned view does.
    fn turned_view_with_face(&self, img: &RgbImage) -> Result<Rotation> {
        let mut best: Option<(f32, Rotation)> = None;
        for turn in [Rotation::Cw90, Rotation::Cw180, Rotation::Cw270] {
            let Some(view) = turn.apply(img) else {
                continue;
            };
            let found = self.faces(&sample::Pyramid::new(&view))?;
            if let Some(i) = pick_main(&found.faces) {
                let level = found
                    .meshes
                    .get(i)
                    .is_some_and(|m| quarter_turns_to_upright(m) == Rotation::None);
                let score = found.faces.get(i).map_or(0.0, |f| f.score);
                if level && best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, turn));
                }
            }
        }
        Ok(best.map_or(Rotation::None, |(_, t)| t))
    }

    /// Every detection confirmed as a face by the mesh model, with its mesh.
    fn faces(&self, pyr: &sample::Pyramid<'_>) -> Result<Found> {
        let (w, h) = pyr.base().dimensions();
        // Every candidate is confirmed by the mesh model's face-presence score: BlazeFace alone
        // fires on microphones and patterns at 0.6.
        let (candidates, full_view_score) = self.detector.detect(pyr, w, h)?;
        let mut found = Found {
            full_view_score,
            ..Found::default()
        };
        for face in candidates.into_iter().take(MAX_FACE_CANDIDATES) {
            let lm = self.mesh.run(pyr, &landmarks::FaceMesh::crop_for(&face))?;
            if lm.presence >= MIN_MESH_PRESENCE {
                found.faces.push(face);
                found.meshes.push(lm);
            }
        }
        Ok(found)
    }

    /// The analysis from the confirmed faces: the main face's pose, parsing, the person mask.
    fn finish(
        &self,
        pyr: &sample::Pyramid<'_>,
        found: Found,
        rotation: Rotation,
    ) -> Result<Analysis> {
        let (w, h) = pyr.base().dimensions();
        let main_face = pick_main(&found.faces);
        let landmarks = main_face.and_then(|i| found.meshes.into_iter().nth(i));
        let mut analysis = Analysis {
            width: w,
            height: h,
            faces: found.faces,
            main_face,
            rotation,
            ..Analysis::default()
        };
        if let (Some(face), Some(lm)) = (analysis.main().cloned(), landmarks) {
            if let Some(fit) = lm.pose_fit() {
                analysis.pose = Some(fit.pose);
                analysis.pose_residual_cm = Some(fit.residual_cm);
            }
            analysis.landmarks = Some(lm);
            if let Some(p) = &self.parser {
                analysis.parsing = Some(p.run(pyr, &face.bbox)?);
            }
            if let (Some(hs), Some(lm)) = (&self.hair, &analysis.landmarks) {
                analysis.hair = Some(hs.run(pyr, &lm.bbox())?);
            }
        }
        if let Some(s) = &self.segmenter {
            analysis.person = Some(s.run(pyr, w, h)?);
        }
        // a "hat" the person's outline does not hold is backdrop
        if let (Some(p), Some(m)) = (analysis.parsing.as_mut(), analysis.person.as_ref()) {
            p.clear_hat_off_person(m);
        }
        Ok(analysis)
    }

    // ---- single-model entry points, for benches and parity tests -------------------------------

    /// The 512×512 crop the parsing model sees for the main face of `img` (none without a
    /// face): the calibration data of the int8 parsing model (`models/scripts/bisenet_int8.py`).
    ///
    /// # Errors
    /// [`Error::Model`] if the detector or the mesh fails.
    #[doc(hidden)]
    pub fn parsing_crop(&self, img: &RgbImage) -> Result<Option<RgbImage>> {
        let pyr = sample::Pyramid::new(img);
        let found = self.faces(&pyr)?;
        Ok(pick_main(&found.faces)
            .and_then(|i| found.faces.get(i))
            .map(|f| parsing::crop_image(&pyr, &f.bbox)))
    }

    /// Runs the detector alone on a `[1,128,128,3]` input (NHWC, already normalised).
    #[doc(hidden)]
    pub fn raw_detector(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.detector.raw(input)
    }

    /// Runs the mesh model alone on a `[1,256,256,3]` input.
    #[doc(hidden)]
    pub fn raw_landmarks(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.mesh.raw(input)
    }

    /// Runs the parsing model alone on a `[1,3,512,512]` input (cut before its final Resize:
    /// the output is the `[1,19,64,64]` logits).
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

    /// Runs the hair model alone on a `[1,256,256,4]` input.
    #[doc(hidden)]
    pub fn raw_hair(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        self.hair
            .as_ref()
            .ok_or_else(|| Error::Model {
                model: "hair_segmentation".into(),
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

/// Confirmed faces and their meshes, index for index.
#[derive(Default)]
struct Found {
    faces: Vec<crate::analysis::FaceDetection>,
    meshes: Vec<crate::analysis::FaceLandmarks>,
    /// The detector's best score on the letterboxed full view alone.
    full_view_score: f32,
}

/// How much surer the detector must be of the face in the photo turned 180° than as it is to
/// call the photo upside down (see `Models::upside_down`).
const UPSIDE_DOWN_MIN_GAIN: f32 = 0.1;

/// A face turned by more than this in the image (degrees) means the photo itself is turned.
const TURNED_PHOTO_MIN_DEG: f64 = 45.0;

/// The quarter turn that makes the face's eye line level: none while it is within ±45°.
fn quarter_turns_to_upright(lm: &crate::analysis::FaceLandmarks) -> Rotation {
    let (r, l) = (lm.right_eye(), lm.left_eye());
    // the person's right eye is on the image's left when upright: 0° along +x
    let theta = ((l[1] - r[1]) as f64)
        .atan2((l[0] - r[0]) as f64)
        .to_degrees();
    if theta.abs() <= TURNED_PHOTO_MIN_DEG {
        return Rotation::None;
    }
    // a face turned θ clockwise is made level by turning the photo θ counter-clockwise
    Rotation::from_quarter_turns((-theta / 90.0).round() as i64)
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

/// The 512×512 class map from the parsing model's `grid × grid` logits (19 planes): the
/// model's own align-corners upsampling fused with the argmax; for parity tests and benches.
#[doc(hidden)]
pub fn parsing_labels(logits: &[f32], grid: usize) -> Vec<u8> {
    parsing::upsample_argmax(logits, 19, grid, parsing::INPUT)
}

/// The model name and fixed input shape of a model file.
fn model_of(file: &str) -> (&'static str, &'static [usize]) {
    match file {
        DETECTOR_FILE => ("face_detection", &[1, 128, 128, 3]),
        LANDMARKS_FILE => ("face_landmarks", &[1, 256, 256, 3]),
        SEGMENTATION_FILE => ("person_segmentation", &[1, 256, 256, 3]),
        HAIR_FILE => ("hair_segmentation", &[1, 256, 256, 4]),
        _ => ("face_parsing", &[1, 3, 512, 512]),
    }
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
        let (name, shape) = model_of(file);
        onnx::OnnxModel::load_with(name, bytes, shape, symbolic_batch).map(BenchModel)
    }

    /// Loads `file`'s bytes, unchanged, with the library's fixed input shape in `runtime`
    /// (the reference measurement of a whole model in onnxruntime).
    ///
    /// # Errors
    /// [`Error::Model`] if the runtime cannot load it.
    pub fn load_in(file: &str, bytes: &[u8], runtime: Runtime) -> Result<BenchModel> {
        let (name, shape) = model_of(file);
        onnx::OnnxModel::load(name, bytes, shape, runtime).map(BenchModel)
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
        DETECTOR_FILE => detector::FaceDetector::new(bytes, Runtime::Tract).map(|_| ()),
        LANDMARKS_FILE => landmarks::FaceMesh::new(bytes, Runtime::Tract).map(|_| ()),
        SEGMENTATION_FILE => segmentation::PersonSegmenter::new(bytes, Runtime::Tract).map(|_| ()),
        HAIR_FILE => hair::HairSegmenter::new(bytes, Runtime::Tract).map(|_| ()),
        _ => parsing::FaceParser::new(bytes, Runtime::Tract).map(|_| ()),
    }
}
