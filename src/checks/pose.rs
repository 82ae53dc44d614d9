//! `head_pose`.

use crate::analysis::Analysis;
use crate::report::{CheckId, CheckResult, Measure, Reason, ReasonCode};
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
