//! `orientation`, `face_count`, `resolution`, `framing`, `head_size`, `head_position`.

use super::Subject;
use crate::analysis::Analysis;
use crate::normalize::OutputGeometry;
use crate::report::{CheckId, CheckResult, Measure, Reason, ReasonCode};
use crate::spec::{FaceCountCheck, Range, ResolutionCheck};

/// Share of mesh points that may fall outside the image before the face counts as cut off
/// (the outermost oval points of a face touching the edge).
const MAX_MESH_OUTSIDE: f64 = 0.02;

/// The photo is upright; one stored sideways or upside down (found by the models) was turned
/// upright before every other check and is delivered upright.
pub fn orientation(a: &Analysis) -> CheckResult {
    let value = Measure::map([("rotated_deg", a.rotation.degrees() as f64)]);
    let limit = Measure::map([("rotated_deg", 0.0)]);
    CheckResult::judge(
        CheckId::Orientation,
        a.rotation == crate::image_io::Rotation::None,
        value,
        limit,
        ReasonCode::PhotoRotated,
    )
}

/// Exactly one face above the spec's score.
pub fn face_count(a: &Analysis, cfg: &FaceCountCheck) -> CheckResult {
    let n = a.faces_above(cfg.min_score as f32);
    let value = Measure::num(n as f64);
    let limit = Measure::num(1.0);
    match n {
        1 => CheckResult::pass(CheckId::FaceCount, value, limit),
        0 => CheckResult::fail(CheckId::FaceCount, value, limit, ReasonCode::NoFace),
        _ => CheckResult::fail(CheckId::FaceCount, value, limit, ReasonCode::MultipleFaces),
    }
}

/// Whether an output made at `scale` (output pixels per source pixel) stays within the
/// `resolution` check's limit: the rule that check judges, and other checks consult.
pub(crate) fn upscale_within(scale: f64, cfg: &ResolutionCheck) -> bool {
    scale <= cfg.max_upscale
}

/// The upscale from source to output stays within the spec's limit.
pub fn resolution(s: &Subject<'_>, cfg: &ResolutionCheck) -> CheckResult {
    let (Some(plan), Some(head)) = (&s.plan, &s.head) else {
        return CheckResult::not_applicable(CheckId::Resolution, ReasonCode::NeedsOneFace);
    };
    let value = Measure::map([
        ("upscale", plan.scale),
        ("eye_distance_px", head.eye_distance),
    ]);
    let limit = Measure::map([("max_upscale", cfg.max_upscale)]);
    CheckResult::judge(
        CheckId::Resolution,
        upscale_within(plan.scale, cfg),
        value,
        limit,
        ReasonCode::LowResolution,
    )
}

/// The head and the spec's margins exist in the source.
pub fn framing(s: &Subject<'_>) -> CheckResult {
    let (Some(plan), Some(head), Some(a)) = (&s.plan, &s.head, s.analysis) else {
        return CheckResult::not_applicable(CheckId::Framing, ReasonCode::NeedsOneFace);
    };
    let (w, h) = (a.width as f32, a.height as f32);
    let outside = a.landmarks.as_ref().map_or(0.0, |lm| {
        let n = lm
            .points
            .iter()
            .filter(|p| p[0] < 0.0 || p[1] < 0.0 || p[0] >= w || p[1] >= h)
            .count();
        n as f64 / lm.points.len().max(1) as f64
    });
    let chin = head.to_source([head.face_center_u, head.chin_down]);
    let chin_out = chin[1] >= h as f64 || chin[0] < 0.0 || chin[0] >= w as f64;
    let [pt, pr, pb, pl] = plan.padding;
    let value = Measure::nested([
        ("crown_cut", Measure::Bool(head.crown_cut)),
        ("chin_outside", Measure::Bool(chin_out)),
        ("face_outside_fraction", Measure::num(outside)),
        (
            "padding_px",
            Measure::map([
                ("top", pt as f64),
                ("right", pr as f64),
                ("bottom", pb as f64),
                ("left", pl as f64),
            ]),
        ),
    ]);
    let limit = Measure::map([
        ("face_outside_fraction", MAX_MESH_OUTSIDE),
        ("padding_px", 0.0),
    ]);
    if head.crown_cut || chin_out || outside > MAX_MESH_OUTSIDE {
        return CheckResult::fail(CheckId::Framing, value, limit, ReasonCode::HeadCutOff);
    }
    if plan.needs_padding() {
        let code = if s.spec.background.replaceable {
            ReasonCode::MarginPadded
        } else {
            ReasonCode::HeadCutOff
        };
        return CheckResult::fail(CheckId::Framing, value, limit, code);
    }
    CheckResult::pass(CheckId::Framing, value, limit)
}

/// The geometry of the photo as uploaded (see [`crate::normalize::uploaded_geometry`]).
pub fn as_uploaded(s: &Subject<'_>) -> Option<OutputGeometry> {
    let head = s.head.as_ref()?;
    Some(crate::normalize::uploaded_geometry(head, s.spec, s.image.width(), s.image.height()).0)
}

type Measured = (&'static str, Option<Range>, fn(&OutputGeometry) -> f64);

fn size_measures(s: &Subject<'_>) -> Vec<Measured> {
    let g = &s.spec.geometry;
    vec![
        ("face_width_px", g.face_width_px, |o| o.face_width),
        ("head_width_px", g.head_width_px, |o| o.head_width),
        ("head_height_px", g.head_height_px, |o| o.head_height),
        ("eye_distance_px", g.eye_distance_px, |o| o.eye_distance),
    ]
}

fn position_measures(s: &Subject<'_>) -> Vec<Measured> {
    let g = &s.spec.geometry;
    let crown = match &s.plan {
        Some(p) => p.crown_margin_range(s.spec),
        None => g.crown_margin_px,
    };
    vec![
        ("crown_margin_px", crown, |o| o.crown_margin),
        ("eye_line_from_bottom_px", g.eye_line_from_bottom_px, |o| {
            o.eye_line_from_bottom
        }),
        ("chin_from_bottom_px", g.chin_from_bottom_px, |o| {
            o.chin_from_bottom
        }),
        (
            "center_offset_px",
            Some(Range::new(-g.center_tolerance_px, g.center_tolerance_px)),
            |o| o.center_offset,
        ),
        ("eye_mid_from_left_px", g.eye_mid_from_left_px, |o| {
            o.eye_mid_from_left
        }),
    ]
}

/// Judges a group of geometry measures: pass when the photo as uploaded already fits; an
/// automatic fix when the re-framed output fits; a retake when no framing can.
fn judge_geometry(
    s: &Subject<'_>,
    id: CheckId,
    measures: Vec<Measured>,
    too_small: ReasonCode,
    too_large: ReasonCode,
) -> CheckResult {
    let (Some(plan), Some(up)) = (&s.plan, as_uploaded(s)) else {
        return CheckResult::not_applicable(id, ReasonCode::NeedsOneFace);
    };
    let given: Vec<_> = measures
        .into_iter()
        .filter_map(|(n, r, f)| r.map(|r| (n, r, f)))
        .collect();
    let value = Measure::nested([
        (
            "uploaded",
            Measure::map(given.iter().map(|(n, _, f)| (*n, f(&up)))),
        ),
        (
            "output",
            Measure::map(given.iter().map(|(n, _, f)| (*n, f(&plan.geometry)))),
        ),
    ]);
    let limit = Measure::nested(given.iter().map(|(n, r, _)| (*n, Measure::from(*r))));
    let misses = |g: &OutputGeometry| -> Vec<(String, bool)> {
        given
            .iter()
            .filter_map(|(n, r, f)| {
                let v = f(g);
                if let Some(m) = r.min.filter(|&m| v < m) {
                    Some((format!("{n} {v:.1} < min {m} by {:.1}", m - v), true))
                } else {
                    r.max
                        .filter(|&m| v > m)
                        .map(|m| (format!("{n} {v:.1} > max {m} by {:.1}", v - m), false))
                }
            })
            .collect()
    };
    let out_misses = misses(&plan.geometry);
    if !(plan.reachable && out_misses.is_empty()) {
        let detail = if out_misses.is_empty() {
            "no crop and scale meets every size and position range at once".to_string()
        } else {
            format!(
                "best crop: {}",
                out_misses
                    .iter()
                    .map(|(t, _)| t.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        return CheckResult::with_reasons(
            id,
            value,
            limit,
            [Reason::from(ReasonCode::GeometryUnreachable).with_detail(detail)],
        );
    }
    let reasons = misses(&up)
        .into_iter()
        .map(|(t, below)| Reason::from(if below { too_small } else { too_large }).with_detail(t));
    CheckResult::with_reasons(id, value, limit, reasons)
}

/// Face / head size against the spec.
pub fn head_size(s: &Subject<'_>) -> CheckResult {
    judge_geometry(
        s,
        CheckId::HeadSize,
        size_measures(s),
        ReasonCode::HeadTooSmall,
        ReasonCode::HeadTooLarge,
    )
}

/// Crown margin, eye line, chin and centring against the spec.
pub fn head_position(s: &Subject<'_>) -> CheckResult {
    judge_geometry(
        s,
        CheckId::HeadPosition,
        position_measures(s),
        ReasonCode::HeadMisplaced,
        ReasonCode::HeadMisplaced,
    )
}
