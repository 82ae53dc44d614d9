//! The public entry point: specs and models loaded once, then any number of photos checked,
//! from any number of threads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::RgbImage;
use rayon::prelude::*;

use crate::analysis::Analysis;
use crate::checks::{self, Subject};
use crate::error::Result;
use crate::image_io::{self, DecodeLimits, Encoded};
use crate::matte;
use crate::models::Models;
use crate::normalize::{self, FramePlan};
use crate::report::{
    AppliedFix, CheckId, CheckResult, FaceSummary, ImageInfo, Measure, OutputInfo, ReasonCode,
    Report, Verdict,
};
use crate::spec::{OutputFormat, SpecRegistry};

/// When to produce the output image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OutputPolicy {
    /// Only when the verdict passes (the output is then compliant).
    #[default]
    IfPass,
    /// Whenever a face was found (reviewers may want to see a failing photo's crop).
    Always,
    /// Never (checking only).
    Never,
}

enum SpecSource {
    Builtin,
    Dir(PathBuf),
    Registry(SpecRegistry),
}

enum ModelSource {
    Default,
    Dir(PathBuf),
    Shared(Arc<Models>),
    None,
}

/// Builds a [`Checker`].
pub struct CheckerBuilder {
    specs: SpecSource,
    models: ModelSource,
    limits: DecodeLimits,
    output: OutputPolicy,
    runtime: crate::models::Runtime,
}

impl CheckerBuilder {
    /// Runs the models it loads in `runtime` (default: [`crate::models::Runtime::build_default`]);
    /// models given with [`models`](Self::models) keep their own.
    pub fn runtime(mut self, runtime: crate::models::Runtime) -> Self {
        self.runtime = runtime;
        self
    }

    /// Adds the specs of a folder to the ones compiled into the crate
    /// ([`SpecRegistry::builtin_and_dir`]): they may `extends` a built-in spec, and one with a
    /// built-in id replaces it. For a folder alone, pass
    /// [`SpecRegistry::load_dir`] to [`specs`](Self::specs).
    pub fn specs_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.specs = SpecSource::Dir(dir.into());
        self
    }

    /// Uses an already loaded registry.
    pub fn specs(mut self, registry: SpecRegistry) -> Self {
        self.specs = SpecSource::Registry(registry);
        self
    }

    /// Loads models from a folder instead of the places [`crate::models::search_dirs`] lists.
    pub fn models_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.models = ModelSource::Dir(dir.into());
        self
    }

    /// Shares already loaded models (e.g. with a custom parsing model).
    pub fn models(mut self, models: Arc<Models>) -> Self {
        self.models = ModelSource::Shared(models);
        self
    }

    /// Runs without models: every check that needs a face reports `not_applicable`.
    pub fn without_models(mut self) -> Self {
        self.models = ModelSource::None;
        self
    }

    /// Decoding limits for untrusted uploads.
    pub fn limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// When to produce the output image.
    pub fn output(mut self, policy: OutputPolicy) -> Self {
        self.output = policy;
        self
    }

    /// Loads specs and models.
    ///
    /// # Errors
    /// [`crate::Error::Spec`] for an invalid spec, [`crate::Error::Io`] /
    /// [`crate::Error::Model`] when a model cannot be loaded.
    pub fn build(self) -> Result<Checker> {
        let specs = match self.specs {
            SpecSource::Builtin => SpecRegistry::builtin()?,
            SpecSource::Dir(d) => SpecRegistry::builtin_and_dir(d)?,
            SpecSource::Registry(r) => r,
        };
        let models = match self.models {
            ModelSource::Default => {
                Some(Arc::new(Models::builder().runtime(self.runtime).build()?))
            }
            ModelSource::Dir(d) => Some(Arc::new(
                Models::builder().runtime(self.runtime).dir(d).build()?,
            )),
            ModelSource::Shared(m) => Some(m),
            ModelSource::None => None,
        };
        Ok(Checker {
            specs,
            models,
            limits: self.limits,
            output: self.output,
        })
    }
}

/// The result of processing one photo: the report and, when produced, the output file.
///
/// ```
/// use idphoto::checker::OutputPolicy;
/// use idphoto::Checker;
///
/// // `Always`: the re-framed output even for a photo that fails (for a reviewer to look at)
/// let checker = Checker::builder().output(OutputPolicy::Always).build()?;
/// let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos/obama.jpg");
/// let outcome = checker.process_path(photo, "cn/id-card")?;
/// let out = outcome.output.expect("an output with OutputPolicy::Always");
/// let info = outcome.report.output.as_ref().expect("the report describes it");
/// assert_eq!((info.width, info.height), (358, 441));        // the ID card's size
/// assert_eq!(&out.bytes[..2], &[0xFF, 0xD8]);               // a JPEG
/// println!("{}", outcome.timings);                          // where the time went
/// # Ok::<(), idphoto::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The report (its `output` section describes `output`).
    pub report: Report,
    /// The encoded output image.
    pub output: Option<Encoded>,
    /// The output pixels before encoding.
    pub output_image: Option<RgbImage>,
    /// What the models found (for overlays and review tools).
    pub analysis: Option<Analysis>,
    /// The crop plan, in source coordinates (for overlays).
    pub plan: Option<FramePlan>,
    /// Where the time went (not part of the report, which stays deterministic).
    pub timings: Timings,
}

/// Wall time of each stage of one [`Checker`] call, on the calling thread.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timings {
    /// Reading and decoding the file (zero when an image was passed in).
    pub decode: Duration,
    /// The whole analysis: model inference plus pre- and post-processing.
    pub analyze: Duration,
    /// Of `analyze`, the time inside the models (tract).
    pub inference: Duration,
    /// Number of model runs (detector views and tiles, meshes, parsing, segmentation).
    pub model_runs: u32,
    /// All checks (pixel statistics, geometry planning).
    pub checks: Duration,
    /// Rendering the output, replacing the background, encoding with the file-size search.
    pub output: Duration,
}

impl Timings {
    /// Everything but model inference: decode, pre/post-processing, checks, output.
    pub fn non_inference(&self) -> Duration {
        (self.decode + self.analyze + self.checks + self.output).saturating_sub(self.inference)
    }
}

impl std::fmt::Display for Timings {
    /// One line, milliseconds: `decode 4.6 ms, analyze 612.2 ms (inference 586.6 ms in 13 model
    /// runs), checks 34.3 ms, output 18.9 ms; all but inference 83.3 ms`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "decode {:.1} ms, analyze {:.1} ms (inference {:.1} ms in {} model runs), checks {:.1} ms, output {:.1} ms; all but inference {:.1} ms",
            ms(self.decode),
            ms(self.analyze),
            ms(self.inference),
            self.model_runs,
            ms(self.checks),
            ms(self.output),
            ms(self.non_inference())
        )
    }
}

/// Checks photos against specs. Build once, share everywhere: `Send + Sync`.
///
/// Building loads the models (about a second); each check then takes 0.3–0.5 s of one core.
///
/// ```
/// use idphoto::{Checker, Status, Verdict};
///
/// let checker = Checker::builder().build()?;
/// let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos/obama.jpg");
/// let report = checker.check_path(photo, "cn/id-card")?;
/// // he smiles with his teeth showing: a retake
/// assert_eq!(report.verdict, Verdict::Fail);
/// let mouth = report.checks.iter().find(|c| c.id.as_str() == "mouth_closed").unwrap();
/// assert_eq!(mouth.status, Status::Fail);
/// # Ok::<(), idphoto::Error>(())
/// ```
pub struct Checker {
    specs: SpecRegistry,
    models: Option<Arc<Models>>,
    limits: DecodeLimits,
    output: OutputPolicy,
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker")
            .field("specs", &self.specs.len())
            .field("models", &self.models)
            .finish()
    }
}

impl Checker {
    /// Builtin specs, models as [`crate::models::search_dirs`] says, default limits.
    pub fn builder() -> CheckerBuilder {
        CheckerBuilder {
            specs: SpecSource::Builtin,
            models: ModelSource::Default,
            limits: DecodeLimits::default(),
            output: OutputPolicy::IfPass,
            runtime: crate::models::Runtime::build_default(),
        }
    }

    /// The specs.
    pub fn specs(&self) -> &SpecRegistry {
        &self.specs
    }

    /// The models, if loaded.
    pub fn models(&self) -> Option<&Models> {
        self.models.as_deref()
    }

    /// The decoding limits.
    pub fn limits(&self) -> &DecodeLimits {
        &self.limits
    }

    /// Checks a decoded image (no output produced).
    ///
    /// # Errors
    /// [`crate::Error::UnknownSpec`], or [`crate::Error::Model`] if inference fails.
    pub fn check(&self, image: &RgbImage, spec_id: &str) -> Result<Report> {
        Ok(self.run(image, spec_id, OutputPolicy::Never)?.report)
    }

    /// Decodes and checks image bytes (no output produced).
    ///
    /// # Errors
    /// Decoding errors (see [`image_io::decode`]) and those of [`check`](Self::check).
    pub fn check_bytes(&self, bytes: &[u8], spec_id: &str) -> Result<Report> {
        let img = image_io::decode(bytes, &self.limits)?;
        self.check_decoded(&img, spec_id)
    }

    /// Checks a decoded upload (no output produced); the report notes a reduced decode.
    ///
    /// # Errors
    /// As [`check`](Self::check).
    pub fn check_decoded(&self, decoded: &image_io::Decoded, spec_id: &str) -> Result<Report> {
        let mut report = self.check(&decoded.image, spec_id)?;
        report.image.reduced_from = decoded.reduced_from.map(|(w, h)| [w, h]);
        Ok(report)
    }

    /// Reads, decodes and checks a file (no output produced).
    ///
    /// # Errors
    /// As [`check_bytes`](Self::check_bytes), plus [`crate::Error::Io`].
    pub fn check_path(&self, path: impl AsRef<Path>, spec_id: &str) -> Result<Report> {
        let img = image_io::decode_path(path, &self.limits)?;
        self.check_decoded(&img, spec_id)
    }

    /// Checks and, per the output policy, produces the compliant output image.
    ///
    /// # Errors
    /// As [`check`](Self::check), plus [`crate::Error::Encode`].
    pub fn process(&self, image: &RgbImage, spec_id: &str) -> Result<Outcome> {
        self.run(image, spec_id, self.output)
    }

    /// Processes a decoded upload; the report notes a reduced decode
    /// ([`image_io::Decoded::reduced_from`]).
    ///
    /// # Errors
    /// As [`process`](Self::process).
    pub fn process_decoded(&self, decoded: &image_io::Decoded, spec_id: &str) -> Result<Outcome> {
        let mut o = self.process(&decoded.image, spec_id)?;
        o.report.image.reduced_from = decoded.reduced_from.map(|(w, h)| [w, h]);
        Ok(o)
    }

    /// Decodes and processes image bytes.
    ///
    /// # Errors
    /// As [`process`](Self::process) and [`image_io::decode`].
    pub fn process_bytes(&self, bytes: &[u8], spec_id: &str) -> Result<Outcome> {
        let t0 = Instant::now();
        let img = image_io::decode(bytes, &self.limits)?;
        let decode = t0.elapsed();
        let mut o = self.process_decoded(&img, spec_id)?;
        o.timings.decode = decode;
        Ok(o)
    }

    /// Reads, decodes and processes a file.
    ///
    /// # Errors
    /// As [`process_bytes`](Self::process_bytes), plus [`crate::Error::Io`].
    pub fn process_path(&self, path: impl AsRef<Path>, spec_id: &str) -> Result<Outcome> {
        let t0 = Instant::now();
        let img = image_io::decode_path(path, &self.limits)?;
        let decode = t0.elapsed();
        let mut o = self.process_decoded(&img, spec_id)?;
        o.timings.decode = decode;
        Ok(o)
    }

    /// Checks many files in parallel (rayon), one result per input, in input order.
    pub fn check_paths<P: AsRef<Path> + Sync>(
        &self,
        paths: &[P],
        spec_id: &str,
    ) -> Vec<Result<Report>> {
        paths
            .par_iter()
            .map(|p| self.check_path(p, spec_id))
            .collect()
    }

    /// Processes many files in parallel (rayon): one outcome per input, in input order, each
    /// with its output image when the policy produced one.
    pub fn process_paths<P: AsRef<Path> + Sync>(
        &self,
        paths: &[P],
        spec_id: &str,
    ) -> Vec<Result<Outcome>> {
        paths
            .par_iter()
            .map(|p| self.process_path(p, spec_id))
            .collect()
    }

    /// Runs the models alone.
    ///
    /// # Errors
    /// [`crate::Error::Model`] if inference fails.
    pub fn analyze(&self, image: &RgbImage) -> Result<Option<Analysis>> {
        self.models.as_ref().map(|m| m.analyze(image)).transpose()
    }

    fn run(&self, image: &RgbImage, spec_id: &str, policy: OutputPolicy) -> Result<Outcome> {
        let spec = self.specs.get(spec_id)?;
        let mut timings = Timings::default();
        let t0 = Instant::now();
        let (analysis, upright, levels) = match &self.models {
            Some(m) => {
                let (a, upright, inference, runs, levels) = m.analyze_upright_levels(image)?;
                timings.inference = inference;
                timings.model_runs = runs;
                (Some(a), upright, Some(levels))
            }
            None => (None, None, None),
        };
        // a photo stored sideways is checked and rendered upright
        let image = upright.as_ref().unwrap_or(image);
        timings.analyze = t0.elapsed();
        let t0 = Instant::now();
        let mut subject = Subject::new(image, analysis.as_ref(), spec);
        if let Some(levels) = levels {
            subject = subject.with_pyramid_levels(levels);
        }
        let results = checks::run_all(&subject);
        let info = ImageInfo {
            width: image.width(),
            height: image.height(),
            rotation_deg: analysis.as_ref().map_or(0, |a| a.rotation.degrees()),
            reduced_from: None,
        };
        let mut report = Report::new(&spec.id, info, results);
        if let (Some(a), Some(face)) = (analysis.as_ref(), analysis.as_ref().and_then(|a| a.main()))
        {
            let lm = a.landmarks.as_ref();
            let eye = |p: Option<[f32; 2]>| p.map_or([0.0; 2], |p| [p[0] as f64, p[1] as f64]);
            report.face = Some(FaceSummary {
                score: face.score as f64,
                bbox: [
                    face.bbox.x as f64,
                    face.bbox.y as f64,
                    face.bbox.w as f64,
                    face.bbox.h as f64,
                ],
                eyes: [
                    eye(lm.map(|l| l.right_eye())),
                    eye(lm.map(|l| l.left_eye())),
                ],
                pose: a.pose.unwrap_or_default(),
                faces_found: a.faces_above(spec.checks.face_count.min_score as f32),
            });
        }
        timings.checks = t0.elapsed();
        let t0 = Instant::now();
        let produce = match policy {
            OutputPolicy::Never => false,
            OutputPolicy::IfPass => report.verdict == Verdict::Pass,
            OutputPolicy::Always => true,
        };
        let mut outcome = Outcome {
            report,
            output: None,
            output_image: None,
            analysis: None,
            plan: subject.plan.clone(),
            timings,
        };
        if let (true, Some(plan), Some(a)) = (produce, subject.plan.as_ref(), analysis.as_ref()) {
            let (pixels, fixes) = render_output(&subject, a, plan, spec, &outcome.report);
            let encoded = image_io::encode(&pixels, &spec.output)?;
            outcome.report.output = Some(OutputInfo {
                width: pixels.width(),
                height: pixels.height(),
                format: match encoded.format {
                    OutputFormat::Jpeg => "jpeg".into(),
                    OutputFormat::Png => "png".into(),
                },
                bytes: encoded.bytes.len(),
                jpeg_quality: encoded.jpeg_quality,
                dpi: spec.output.dpi,
                size_in_range: encoded.size_in_range,
                fixes,
            });
            if let Some(range) = spec.output.file_size_kb {
                let kb = round3(encoded.bytes.len() as f64 / 1000.0);
                let value = Measure::map([("file_size_kb", kb)]);
                let limit = Measure::nested([("file_size_kb", Measure::from(range))]);
                outcome.report.set_check(if encoded.size_in_range {
                    CheckResult::pass(CheckId::FileSize, value, limit)
                } else {
                    CheckResult::fail(
                        CheckId::FileSize,
                        value,
                        limit,
                        ReasonCode::FileSizeUnreachable,
                    )
                });
            }
            // a file outside the size range is never delivered as the compliant output
            if policy == OutputPolicy::Always || outcome.report.verdict == Verdict::Pass {
                outcome.output = Some(encoded);
                outcome.output_image = Some(pixels);
            }
        }
        outcome.timings.output = t0.elapsed();
        outcome.analysis = analysis;
        Ok(outcome)
    }
}

/// A backdrop this far (CIEDE2000) from the spec's colour is visibly another colour (a
/// just-noticeable difference): a replaceable backdrop is then delivered in the spec's colour
/// even when it is within the spec's tolerance.
const BACKDROP_JUST_NOTICEABLE: f64 = 2.3;

/// Smallest roll worth reporting as a de-rotation, degrees.
const DEROTATION_REPORT_DEG: f64 = 0.5;

fn render_output(
    subject: &Subject<'_>,
    a: &Analysis,
    plan: &FramePlan,
    spec: &crate::spec::PhotoSpec,
    report: &Report,
) -> (RgbImage, Vec<AppliedFix>) {
    let bg = spec
        .background
        .colors
        .first()
        .copied()
        .unwrap_or([255, 255, 255]);
    let failed = |id: CheckId| report.check(id).is_some_and(CheckResult::is_broken);
    // a backdrop within the spec's tolerance but visibly off its colour (a grey wall for a
    // white backdrop) is delivered in the spec's colour, and with it whatever else of the
    // source is not the person (a print's border, a scanner's edge)
    let off_colour = report
        .check(CheckId::BackgroundColor)
        .and_then(|c| match &c.value {
            Some(crate::Measure::Map(m)) => m.get("delta_e"),
            _ => None,
        })
        .is_some_and(|d| matches!(d, crate::Measure::Number(v) if *v > BACKDROP_JUST_NOTICEABLE));
    let replace = spec.background.replaceable
        && (plan.needs_padding()
            || off_colour
            || failed(CheckId::BackgroundColor)
            || failed(CheckId::BackgroundUniform)
            || failed(CheckId::BackgroundShadow));
    let mut out = normalize::render_from(subject.pyramid(), plan, bg);
    let mut fixes = vec![AppliedFix::Reframed {
        scale: round3(plan.scale),
    }];
    if plan.rotation_deg.abs() >= DEROTATION_REPORT_DEG {
        fixes.push(AppliedFix::Derotated {
            degrees: round3(-plan.rotation_deg),
        });
    }
    if plan.needs_padding() {
        fixes.push(AppliedFix::Padded {
            pixels: plan.padding,
        });
    }
    if replace && (a.person.is_some() || a.parsing.is_some()) {
        let matte = matte::person_matte(a, plan);
        // hair wisps are refined down to the chin line; clothes keep the mask's edge
        let chin_y = f64::from(plan.height) - plan.geometry.chin_from_bottom;
        let chin_row = chin_y.clamp(0.0, f64::from(plan.height)) as usize;
        matte::replace_background_with_matte(&mut out, &matte, bg, chin_row);
        fixes.push(AppliedFix::BackgroundReplaced { color: bg });
    }
    (out, fixes)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checker_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Checker>();
        assert_send_sync::<Models>();
    }
}
