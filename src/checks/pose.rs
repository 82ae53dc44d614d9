//! `head_pose`.

use super::expression::eye_openness;
use crate::analysis::{mesh, Analysis, FaceLandmarks};
use crate::report::{CheckId, CheckResult, Measure, Reason, ReasonCode};
use crate::spec::HeadPoseCheck;

/// How far the iris centre moves across the eye, in eye widths (corner to corner), per unit of
/// the sine of the eye's turn: the iris centre lies about 10–11 mm in front of the eyeball's
/// centre of rotation, and the eye is about 30 mm wide between its corners.
const IRIS_SHIFT_PER_SINE: f64 = 0.35;
/// How far the iris appears displaced, in eye widths per unit of the tangent of the head's
/// yaw, in a head turned sideways whose eyes still look into the lens: the eye corners lie about
/// 5 mm in front of the eyeballs' centres, so turning the head moves them across the iris.
const IRIS_SHIFT_PER_YAW_TANGENT: f64 = 0.17;
/// Below this lid aperture (share of the iris diameter) too little of the iris shows for its
/// centre to say where the eye looks: the `eyes_open` check's default limit.
const GAZE_MIN_OPENNESS: f64 = crate::spec::DEFAULT_MIN_EYE_OPEN_FRACTION;

/// Where the irises sit between the eye corners: the mean over both eyes of the iris centre's
/// position along the corner-to-corner line, from the corners' midpoint, in eye widths;
/// positive toward the image's right. Both eyes turn together, so the mean cancels each eye's
/// own offset toward the nose (about ±0.07).
pub fn iris_shift(lm: &FaceLandmarks) -> f64 {
    let shift = |eye: [usize; 4], iris: [usize; 5]| {
        let (a, b, c) = (lm.xy(eye[0]), lm.xy(eye[1]), lm.xy(iris[0]));
        let (l, r) = if a[0] <= b[0] { (a, b) } else { (b, a) };
        let d = [f64::from(r[0] - l[0]), f64::from(r[1] - l[1])];
        let w2 = (d[0] * d[0] + d[1] * d[1]).max(1e-9);
        (f64::from(c[0] - l[0]) * d[0] + f64::from(c[1] - l[1]) * d[1]) / w2 - 0.5
    };
    (shift(mesh::RIGHT_EYE, mesh::RIGHT_IRIS) + shift(mesh::LEFT_EYE, mesh::LEFT_IRIS)) / 2.0
}

/// How far (degrees) the eyes look away from the lens, from [`iris_shift`]: the eyes' turn in
/// the head, less what a head turned by `yaw_deg` shows with its eyes still on the lens (the
/// head's own turn is `head_pose`'s yaw). `None` when an eye is too closed for its iris to
/// show ([`GAZE_MIN_OPENNESS`]).
pub fn gaze_deg(lm: &FaceLandmarks, yaw_deg: f64) -> Option<f64> {
    let (r, l) = eye_openness(lm);
    if r.min(l) < GAZE_MIN_OPENNESS {
        return None;
    }
    let on_lens = IRIS_SHIFT_PER_YAW_TANGENT * yaw_deg.to_radians().tan().abs();
    let turn = (iris_shift(lm).abs() - on_lens).max(0.0) / IRIS_SHIFT_PER_SINE;
    Some(turn.min(1.0).asin().to_degrees())
}

/// Yaw and pitch within the spec's limits and the eyes looking into the lens ([`gaze_deg`]);
/// roll within its limit, or within what the output's de-rotation corrects (then fixed
/// automatically); a face whose landmarks fit no rigid pose of the canonical face is reported
/// as unmeasurable rather than as turned.
pub fn head_pose(a: &Analysis, cfg: &HeadPoseCheck) -> CheckResult {
    let Some(p) = a.pose else {
        return CheckResult::not_applicable(CheckId::HeadPose, ReasonCode::NeedsOneFace);
    };
    let residual = a.pose_residual_cm.unwrap_or(0.0);
    let gaze = a.landmarks.as_ref().and_then(|lm| gaze_deg(lm, p.yaw));
    let value = Measure::map(
        [
            ("yaw", p.yaw),
            ("pitch", p.pitch),
            ("roll", p.roll),
            ("fit_residual_cm", residual),
        ]
        .into_iter()
        .chain(gaze.map(|g| ("gaze", g))),
    );
    let limit = Measure::map([
        ("max_yaw_deg", cfg.max_yaw_deg),
        ("max_pitch_deg", cfg.max_pitch_deg),
        ("max_roll_deg", cfg.max_roll_deg),
        ("max_correctable_roll_deg", cfg.max_correctable_roll_deg),
        ("max_fit_residual_cm", cfg.max_fit_residual_cm),
        ("max_gaze_deg", cfg.max_gaze_deg),
    ]);
    if residual > cfg.max_fit_residual_cm {
        // the angles of a poor fit mean nothing: that is the one reason
        return CheckResult::fail(
            CheckId::HeadPose,
            value,
            limit,
            ReasonCode::PoseUnmeasurable,
        );
    }
    let mut reasons: Vec<Reason> = Vec::new();
    let over = |v: f64, max: f64, axis: &str| format!("{axis} {:.1}° > {max}°", v.abs());
    if p.yaw.abs() > cfg.max_yaw_deg {
        reasons.push(Reason::from(ReasonCode::HeadTurned).with_detail(over(
            p.yaw,
            cfg.max_yaw_deg,
            "yaw",
        )));
    }
    if p.pitch.abs() > cfg.max_pitch_deg {
        reasons.push(Reason::from(ReasonCode::HeadNodded).with_detail(over(
            p.pitch,
            cfg.max_pitch_deg,
            "pitch",
        )));
    }
    if let Some(g) = gaze.filter(|&g| g > cfg.max_gaze_deg) {
        reasons.push(Reason::from(ReasonCode::GazeAverted).with_detail(over(
            g,
            cfg.max_gaze_deg,
            "gaze",
        )));
    }
    let correctable = cfg.max_correctable_roll_deg.max(cfg.max_roll_deg);
    if p.roll.abs() > correctable {
        reasons.push(Reason::from(ReasonCode::HeadTilted).with_detail(over(
            p.roll,
            correctable,
            "roll",
        )));
    } else if p.roll.abs() > cfg.max_roll_deg {
        reasons.push(
            Reason::from(ReasonCode::HeadTiltCorrected).with_detail(over(
                p.roll,
                cfg.max_roll_deg,
                "roll",
            )),
        );
    }
    CheckResult::with_reasons(CheckId::HeadPose, value, limit, reasons)
}
