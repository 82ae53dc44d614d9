//! `head_pose`.

use crate::analysis::Analysis;
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::HeadPoseCheck;

/// Yaw and pitch within the spec's limits; roll within its limit, or within what the output's
/// de-rotation corrects (then fixed automatically); a face whose landmarks fit no rigid pose of
/// the canonical face is reported as unmeasurable rather than as turned.
pub fn head_pose(a: &Analysis, cfg: &HeadPoseCheck) -> CheckResult {
    let Some(p) = a.pose else {
        return CheckResult::not_applicable(CheckId::HeadPose, ReasonCode::NeedsOneFace);
    };
    let residual = a.pose_residual_cm.unwrap_or(0.0);
    let value = Measure::map([
        ("yaw", p.yaw),
        ("pitch", p.pitch),
        ("roll", p.roll),
        ("fit_residual_cm", residual),
    ]);
    let limit = Measure::map([
        ("max_yaw_deg", cfg.max_yaw_deg),
        ("max_pitch_deg", cfg.max_pitch_deg),
        ("max_roll_deg", cfg.max_roll_deg),
        ("max_correctable_roll_deg", cfg.max_correctable_roll_deg),
        ("max_fit_residual_cm", cfg.max_fit_residual_cm),
    ]);
    let code = if residual > cfg.max_fit_residual_cm {
        Some(ReasonCode::PoseUnmeasurable)
    } else if p.yaw.abs() > cfg.max_yaw_deg {
        Some(ReasonCode::HeadTurned)
    } else if p.pitch.abs() > cfg.max_pitch_deg {
        Some(ReasonCode::HeadNodded)
    } else if p.roll.abs() > cfg.max_correctable_roll_deg.max(cfg.max_roll_deg) {
        Some(ReasonCode::HeadTilted)
    } else if p.roll.abs() > cfg.max_roll_deg {
        Some(ReasonCode::HeadTiltCorrected)
    } else {
        None
    };
    match code {
        Some(c) => CheckResult::fail(CheckId::HeadPose, value, limit, c),
        None => CheckResult::pass(CheckId::HeadPose, value, limit),
    }
}
