//! How often the checks agree with a person: reports compared with labels a reviewer gave.
//!
//! A detection centre can calibrate its thresholds on its own reviewed photos with this. The
//! label file is JSON, one entry per photo file name, each naming only the checks whose answer
//! is clear to the reviewer (a missing check means "not judged", not "pass"):
//!
//! ```json
//! { "photo1.jpg": { "head_pose": "pass", "earrings": "fail" },
//!   "photo2.jpg": { "eyes_open": "fail" } }
//! ```
//!
//! An optional pose file gives ground-truth head pose in degrees per photo
//! (`{"photo1.jpg": {"yaw": 3.1, "pitch": -4.0, "roll": 1.2}}`); datasets differ in sign
//! conventions, so only magnitudes are compared.
//!
//! For each check: a **false reject** is a photo labelled `pass` that the check reports as
//! broken; a **miss** is a photo labelled `fail` that the check does not report as broken
//! (a pass, a warning, not applicable, or no report at all). "Broken" is a failure, whether it
//! needs a retake or the library fixes it in the output: the check saw what the label says.
//! A **clean** photo has at least [`CLEAN_MIN_LABELS`] labels, all `pass`; it passes when none
//! of its labelled checks is reported broken.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::{CheckId, Measure, Pose, ReasonCode, Report, Status};

/// Fewest labels a photo with only `pass` labels needs to count as clean.
pub const CLEAN_MIN_LABELS: usize = 8;

/// A reviewer's answer for one check on one photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    /// The photo meets the rule.
    Pass,
    /// The photo breaks the rule.
    Fail,
}

/// Labels per photo file name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labels {
    /// Photo file name (relative to the photo folder) → check → label.
    pub photos: BTreeMap<String, BTreeMap<CheckId, Label>>,
}

impl Labels {
    /// Parses a label file's text; `file` names it in errors.
    ///
    /// # Errors
    /// [`Error::Labels`] for malformed JSON, an unknown check id or a label other than
    /// `"pass"`/`"fail"`.
    pub fn from_json(text: &str, file: &Path) -> Result<Labels> {
        let raw: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_str(text).map_err(|e| Error::labels(file, e.to_string()))?;
        let mut photos = BTreeMap::new();
        for (photo, checks) in raw {
            let mut m = BTreeMap::new();
            for (id, label) in checks {
                let check = CheckId::parse(&id).ok_or_else(|| {
                    Error::labels(file, format!("{photo}: unknown check id `{id}`"))
                })?;
                let label = match label.as_str() {
                    "pass" => Label::Pass,
                    "fail" => Label::Fail,
                    other => {
                        return Err(Error::labels(
                            file,
                            format!(
                                "{photo}: {id}: label `{other}` is neither \"pass\" nor \"fail\""
                            ),
                        ))
                    }
                };
                m.insert(check, label);
            }
            photos.insert(photo, m);
        }
        Ok(Labels { photos })
    }

    /// Reads a label file.
    ///
    /// # Errors
    /// [`Error::Io`] when it cannot be read, else as [`from_json`](Self::from_json).
    pub fn read(path: impl AsRef<Path>) -> Result<Labels> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Labels::from_json(&text, path)
    }

    /// Whether a photo counts as clean (see the module docs).
    pub fn is_clean(&self, photo: &str) -> bool {
        self.photos
            .get(photo)
            .is_some_and(|m| m.len() >= CLEAN_MIN_LABELS && m.values().all(|l| *l == Label::Pass))
    }
}

/// Reads a ground-truth pose file (`{"photo.jpg": {"yaw": .., "pitch": .., "roll": ..}}`).
///
/// # Errors
/// [`Error::Io`] when it cannot be read, [`Error::Labels`] when it is malformed.
pub fn read_poses(path: impl AsRef<Path>) -> Result<BTreeMap<String, Pose>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::labels(path, e.to_string()))
}

/// Agreement of one check with the labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckAgreement {
    /// Photos labelled `pass` for this check.
    pub pass_labels: usize,
    /// Of those, reported broken.
    pub false_rejects: usize,
    /// Photos labelled `fail` for this check.
    pub fail_labels: usize,
    /// Of those, not reported broken.
    pub misses: usize,
    /// Photos with a report but no label for this check (a person judged only the clear
    /// cases)…
    #[serde(default)]
    pub unlabelled: usize,
    /// …and of those, the ones the check fails: the photos to look at for false rejects the
    /// labels cannot show.
    #[serde(default)]
    pub unlabelled_fails: usize,
}

impl CheckAgreement {
    /// False rejects as a share of pass labels (0 without any).
    pub fn false_reject_rate(&self) -> f64 {
        self.false_rejects as f64 / self.pass_labels.max(1) as f64
    }

    /// Misses as a share of fail labels (0 without any).
    pub fn miss_rate(&self) -> f64 {
        self.misses as f64 / self.fail_labels.max(1) as f64
    }
}

/// Clean photos, how many of them pass every labelled check, and how many a person would
/// receive as accepted: a PASS verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanSummary {
    /// Clean photos (at least [`CLEAN_MIN_LABELS`] labels, all `pass`).
    pub total: usize,
    /// Of those, no labelled check reported broken.
    pub passed: usize,
    /// Of those, the verdict is PASS (every check, labelled or not, passes or is fixed).
    #[serde(default)]
    pub verdict_pass: usize,
    /// For the clean photos without a PASS verdict: per check, how many it stops (fails, so
    /// the photo is a retake), most first.
    #[serde(default)]
    pub stopped_by: Vec<(CheckId, usize)>,
}

/// One photo where a check and the label disagree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// Photo file name.
    pub photo: String,
    /// The check.
    pub check: CheckId,
    /// What the reviewer said.
    pub label: Label,
    /// What the check said (`None`: no report, the photo could not be evaluated, or the
    /// check is not enabled in the spec).
    pub status: Option<Status>,
    /// The reason the check gave, if any.
    pub reason: Option<ReasonCode>,
    /// The measured value.
    pub value: Option<Measure>,
    /// The limit it was compared with.
    pub limit: Option<Measure>,
}

/// Pose error on one photo with ground truth, degrees (magnitudes compared).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoseError {
    /// Photo file name.
    pub photo: String,
    /// Ground truth.
    pub truth: Pose,
    /// Measured (`None` when no face was measured).
    pub measured: Option<Pose>,
}

impl PoseError {
    /// Mean of `||measured| − |truth||` over yaw, pitch and roll.
    pub fn mean_abs_error(&self) -> Option<f64> {
        let m = self.measured?;
        let t = self.truth;
        let e = |a: f64, b: f64| (a.abs() - b.abs()).abs();
        Some((e(m.yaw, t.yaw) + e(m.pitch, t.pitch) + e(m.roll, t.roll)) / 3.0)
    }
}

/// The summary written by `evaluate --json`: exactly these three keys.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Per check id.
    pub checks: BTreeMap<CheckId, CheckAgreement>,
    /// Mean absolute pose error over the photos with ground truth (`None` without any).
    pub pose_mae_deg: Option<f64>,
    /// Clean photos.
    pub clean: CleanSummary,
}

/// The full comparison of reports with labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Counts per check, pose error, clean photos.
    pub summary: Summary,
    /// Every photo/check pair where the check and the label disagree.
    pub disagreements: Vec<Disagreement>,
    /// Per photo with ground-truth pose.
    pub pose_errors: Vec<PoseError>,
    /// Labelled photos without a report (with the error, or "missing").
    pub unevaluated: Vec<(String, String)>,
}

/// Whether a status says the rule is broken (a retake or a fix in the output).
fn broken(s: Option<Status>) -> bool {
    matches!(s, Some(Status::Fail | Status::Fixed))
}

/// Whether a reported status disagrees with a person's label: a false reject (labelled pass,
/// reported `fail` or `fixed`) or a miss (labelled fail, reported anything else).
pub fn disagrees(label: Label, status: Option<Status>) -> bool {
    match label {
        Label::Pass => broken(status),
        Label::Fail => !broken(status),
    }
}

/// Every photo named in `labels` or `poses`, once each, sorted.
pub fn photo_names<'a>(labels: &'a Labels, poses: &'a BTreeMap<String, Pose>) -> Vec<&'a String> {
    let mut names: Vec<&String> = labels.photos.keys().chain(poses.keys()).collect();
    names.sort();
    names.dedup();
    names
}

/// Reports (or the error that stopped each) for every photo named in `labels` or `poses`,
/// read from the folder `photos` and checked against `spec`, in parallel.
pub fn check_photos(
    checker: &crate::Checker,
    spec: &str,
    photos: &Path,
    labels: &Labels,
    poses: &BTreeMap<String, Pose>,
) -> BTreeMap<String, std::result::Result<Report, String>> {
    use rayon::prelude::*;
    photo_names(labels, poses)
        .par_iter()
        .map(|n| {
            let r = checker
                .check_path(photos.join(n), spec)
                .map_err(|e| e.to_string());
            ((*n).clone(), r)
        })
        .collect()
}

/// Compares `reports` (photo name → report, or the error that stopped it) with the labels and
/// the optional ground-truth poses.
pub fn evaluate(
    labels: &Labels,
    poses: &BTreeMap<String, Pose>,
    reports: &BTreeMap<String, std::result::Result<Report, String>>,
) -> Evaluation {
    let mut ev = Evaluation::default();
    let mut stopped: BTreeMap<CheckId, usize> = BTreeMap::new();
    for (photo, checks) in &labels.photos {
        let report = match reports.get(photo) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => {
                ev.unevaluated.push((photo.clone(), e.clone()));
                None
            }
            None => {
                ev.unevaluated.push((photo.clone(), "no report".into()));
                None
            }
        };
        let mut clean_ok = true;
        for (&id, &label) in checks {
            let result = report.and_then(|r| r.check(id));
            let status = result.map(|c| c.status);
            let a = ev.summary.checks.entry(id).or_default();
            let disagree = match label {
                Label::Pass => {
                    a.pass_labels += 1;
                    let bad = broken(status);
                    a.false_rejects += bad as usize;
                    clean_ok &= !bad && report.is_some();
                    bad
                }
                Label::Fail => {
                    a.fail_labels += 1;
                    let miss = !broken(status);
                    a.misses += miss as usize;
                    miss
                }
            };
            if disagree {
                ev.disagreements.push(Disagreement {
                    photo: photo.clone(),
                    check: id,
                    label,
                    status,
                    reason: result.and_then(|c| c.reason.as_ref().map(|r| r.code)),
                    value: result.and_then(|c| c.value.clone()),
                    limit: result.and_then(|c| c.limit.clone()),
                });
            }
        }
        if labels.is_clean(photo) {
            ev.summary.clean.total += 1;
            ev.summary.clean.passed += clean_ok as usize;
            match report {
                Some(r) if r.verdict == crate::report::Verdict::Pass => {
                    ev.summary.clean.verdict_pass += 1;
                }
                Some(r) => {
                    for c in r.checks.iter().filter(|c| c.status == Status::Fail) {
                        *stopped.entry(c.id).or_default() += 1;
                    }
                }
                None => {}
            }
        }
    }
    // the labelled checks on the photos that were not labelled for them
    let labelled: Vec<CheckId> = ev.summary.checks.keys().copied().collect();
    for (photo, checks) in &labels.photos {
        let Some(Ok(report)) = reports.get(photo) else {
            continue;
        };
        for &id in labelled.iter().filter(|id| !checks.contains_key(id)) {
            let a = ev.summary.checks.entry(id).or_default();
            a.unlabelled += 1;
            a.unlabelled_fails +=
                usize::from(report.check(id).map(|c| c.status) == Some(Status::Fail));
        }
    }
    let mut stopped: Vec<(CheckId, usize)> = stopped.into_iter().collect();
    stopped.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ev.summary.clean.stopped_by = stopped;
    for (photo, truth) in poses {
        let measured = match reports.get(photo) {
            Some(Ok(r)) => r.face.as_ref().map(|f| f.pose),
            _ => None,
        };
        ev.pose_errors.push(PoseError {
            photo: photo.clone(),
            truth: *truth,
            measured,
        });
    }
    let errs: Vec<f64> = ev
        .pose_errors
        .iter()
        .filter_map(PoseError::mean_abs_error)
        .collect();
    // a photo with ground truth but no measured face counts against the estimate: it is
    // reported as unmeasured and left out of the mean, which needs at least one measurement
    ev.summary.pose_mae_deg =
        (!errs.is_empty()).then(|| errs.iter().sum::<f64>() / errs.len() as f64);
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, FaceSummary, ImageInfo};

    fn report(results: Vec<CheckResult>, pose: Option<Pose>) -> Report {
        let mut r = Report::new(
            "t",
            ImageInfo {
                width: 10,
                height: 10,
                rotation_deg: 0,
                reduced_from: None,
            },
            results,
        );
        r.face = pose.map(|pose| FaceSummary {
            score: 1.0,
            bbox: [0.0; 4],
            eyes: [[0.0; 2]; 2],
            pose,
            faces_found: 1,
        });
        r
    }

    #[test]
    fn counts_false_rejects_misses_and_clean_photos() {
        let text = r#"{
            "a.jpg": {"eyes_open": "pass", "earrings": "fail"},
            "b.jpg": {"eyes_open": "fail", "earrings": "pass"},
            "c.jpg": {"eyes_open": "fail"},
            "d.jpg": {"face_count": "pass", "eyes_open": "pass", "earrings": "pass",
                      "necklace": "pass", "glasses": "pass", "headwear": "pass",
                      "glare": "pass", "sharpness": "pass"}
        }"#;
        let labels = Labels::from_json(text, Path::new("l.json")).unwrap();
        assert!(labels.is_clean("d.jpg") && !labels.is_clean("a.jpg"));
        let fail = |id| CheckResult::fail(id, None, None, ReasonCode::EyesClosed);
        let pass = |id| CheckResult::pass(id, None, None);
        let mut reports = BTreeMap::new();
        // a: eyes falsely rejected, earring caught; glare fails, unlabelled here
        reports.insert(
            "a.jpg".to_string(),
            Ok(report(
                vec![
                    fail(CheckId::EyesOpen),
                    fail(CheckId::Earrings),
                    fail(CheckId::Glare),
                ],
                None,
            )),
        );
        // b: closed eyes missed (pass), earrings agree
        reports.insert(
            "b.jpg".to_string(),
            Ok(report(
                vec![pass(CheckId::EyesOpen), pass(CheckId::Earrings)],
                None,
            )),
        );
        // c: could not be evaluated: its fail label is a miss
        reports.insert("c.jpg".to_string(), Err("corrupt".to_string()));
        // d: clean, and one labelled check fails
        reports.insert(
            "d.jpg".to_string(),
            Ok(report(
                vec![pass(CheckId::EyesOpen), fail(CheckId::Glare)],
                None,
            )),
        );
        let ev = evaluate(&labels, &BTreeMap::new(), &reports);
        let eyes = ev.summary.checks[&CheckId::EyesOpen];
        assert_eq!(
            eyes,
            CheckAgreement {
                pass_labels: 2,
                false_rejects: 1,
                fail_labels: 2,
                misses: 2,
                unlabelled: 0,
                unlabelled_fails: 0,
            }
        );
        let ear = ev.summary.checks[&CheckId::Earrings];
        assert_eq!((ear.false_rejects, ear.misses), (0, 0));
        // c has no report: neither labelled nor unlabelled counts take it
        assert_eq!((ear.unlabelled, ear.unlabelled_fails), (0, 0));
        let glare = ev.summary.checks[&CheckId::Glare];
        assert_eq!(glare.false_rejects, 1);
        // a and b have reports and no glare label; a's glare fails
        assert_eq!((glare.unlabelled, glare.unlabelled_fails), (2, 1));
        assert_eq!(
            ev.summary.clean,
            CleanSummary {
                total: 1,
                passed: 0,
                verdict_pass: 0,
                stopped_by: vec![(CheckId::Glare, 1)],
            }
        );
        assert_eq!(ev.disagreements.len(), 4);
        assert_eq!(
            ev.unevaluated,
            vec![("c.jpg".to_string(), "corrupt".to_string())]
        );
        assert_eq!(ev.summary.pose_mae_deg, None);
        let json = serde_json::to_value(&ev.summary).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["checks", "clean", "pose_mae_deg"]);
        assert_eq!(json["checks"]["eyes_open"]["misses"], 2);
        assert_eq!(json["checks"]["glare"]["unlabelled_fails"], 1);
        // a summary written before these counts existed still reads
        let old: CheckAgreement = serde_json::from_str(
            r#"{"pass_labels": 1, "false_rejects": 0, "fail_labels": 0, "misses": 0}"#,
        )
        .unwrap();
        assert_eq!(old.unlabelled, 0);
    }

    #[test]
    fn pose_error_compares_magnitudes() {
        let truth = Pose {
            yaw: -10.0,
            pitch: 4.0,
            roll: 2.0,
        };
        let mut poses = BTreeMap::new();
        poses.insert("p.jpg".to_string(), truth);
        poses.insert("missing.jpg".to_string(), truth);
        let mut reports = BTreeMap::new();
        let m = Pose {
            yaw: 12.0,
            pitch: -4.0,
            roll: 5.0,
        };
        reports.insert("p.jpg".to_string(), Ok(report(vec![], Some(m))));
        let ev = evaluate(&Labels::default(), &poses, &reports);
        // |12−10| + |4−4| + |5−2| = 5 over three angles
        assert!((ev.summary.pose_mae_deg.unwrap() - 5.0 / 3.0).abs() < 1e-9);
        assert_eq!(ev.pose_errors.len(), 2);
    }

    #[test]
    fn bad_label_files_name_the_problem() {
        let e = Labels::from_json(r#"{"a.jpg": {"eyes": "pass"}}"#, Path::new("l.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("l.json") && e.contains("unknown check id `eyes`"),
            "{e}"
        );
        let e = Labels::from_json(r#"{"a.jpg": {"eyes_open": "maybe"}}"#, Path::new("l.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("maybe"), "{e}");
        assert!(Labels::from_json("[1]", Path::new("l.json")).is_err());
    }
}
