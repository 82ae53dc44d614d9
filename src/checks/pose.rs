//! `head_pose`.

use crate::analysis::Analysis;
use crate::report::{CheckId, CheckResult, Measure, ReasonCode};
use crate::spec::HeadPoseCheck;

/// Yaw, pitch and roll within the spec's limits (absolute degrees).
pub fn head_pose(a: &Analysis, cfg: &HeadPoseCheck) -> CheckResult {
    let Some(p) = a.pose else {
        return CheckResult::not_applicable(CheckId::HeadPose, ReasonCode::NeedsOneFace);
    };
    let value = Measure::map([("yaw", p.yaw), ("pitch", p.pitch), ("roll", p.roll)]);
    let limit = Measure::map([
        ("yaw", cfg.max_yaw_deg),
        ("pitch", cfg.max_pitch_deg),
        ("roll", cfg.max_roll_deg),
    ]);
    let code = if p.yaw.abs() > cfg.max_yaw_deg {
        Some(ReasonCode::HeadTurned)
    } else if p.pitch.abs() > cfg.max_pitch_deg {
        Some(ReasonCode::HeadNodded)
    } else if p.roll.abs() > cfg.max_roll_deg {
        Some(ReasonCode::HeadTilted)
    } else {
        None
    };
    match code {
        Some(c) => CheckResult::fail(CheckId::HeadPose, value, limit, c),
        None => CheckResult::pass(CheckId::HeadPose, value, limit),
    }
}
