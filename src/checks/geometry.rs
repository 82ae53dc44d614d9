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
        if !s.spec.background.replaceable {
            return CheckResult::fail(CheckId::Framing, value, limit, ReasonCode::HeadCutOff);
        }
        // padding is backdrop only where backdrop would be: where the person reaches the
        // photo's edge, the output would show them cut by a hard edge of backdrop colour
        let cut = a
            .person
            .as_ref()
            .map(|m| person_at_padding(plan, m, a.width, a.height))
            .unwrap_or_default();
        if let Some((side, depth)) = cut.deepest().filter(|&(_, d)| d > MAX_BODY_CUT_PX) {
            let reason = Reason::from(ReasonCode::BodyCutOff).with_detail(format!(
                "the person reaches the photo's {side} edge; {depth:.0} output px of them are missing"
            ));
            return CheckResult::with_reasons(CheckId::Framing, value, limit, vec![reason]);
        }
        return CheckResult::fail(CheckId::Framing, value, limit, ReasonCode::MarginPadded);
    }
    CheckResult::pass(CheckId::Framing, value, limit)
}

/// Output pixels of padding next to the person, per side of the photo they lie beyond, as a
/// depth: the count over the output's width (top, bottom) or height (left, right).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BodyCut {
    /// Beyond the photo's top edge.
    pub top: f64,
    /// Beyond its right edge.
    pub right: f64,
    /// Beyond its bottom edge.
    pub bottom: f64,
    /// Beyond its left edge.
    pub left: f64,
}

impl BodyCut {
    /// The side with the deepest cut and its depth (`None` when nothing is cut).
    pub fn deepest(&self) -> Option<(&'static str, f64)> {
        [
            ("top", self.top),
            ("right", self.right),
            ("bottom", self.bottom),
            ("left", self.left),
        ]
        .into_iter()
        .filter(|&(_, d)| d > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Padding of up to this many output pixels beside the person is tolerated (the rounding of
/// the crop and the person mask's soft edge); more is a visible cut.
const MAX_BODY_CUT_PX: f64 = 1.5;

/// Where the output's padding borders the person: each output pixel beyond the photo is
/// matched to the photo's nearest edge pixel, and counts when the person mask holds that
/// pixel (the person continues past the edge, so the padding would cut them).
pub fn person_at_padding(
    plan: &crate::normalize::FramePlan,
    person: &crate::analysis::PersonMask,
    width: u32,
    height: u32,
) -> BodyCut {
    let (w, h) = (f64::from(width), f64::from(height));
    let mut cut = BodyCut::default();
    for v in 0..plan.height {
        for u in 0..plan.width {
            let (x, y) = plan.map.apply(f64::from(u) + 0.5, f64::from(v) + 0.5);
            if x >= 0.0 && y >= 0.0 && x < w && y < h {
                continue;
            }
            let (ex, ey) = (x.clamp(0.5, w - 0.5), y.clamp(0.5, h - 0.5));
            if person.prob_at(ex as f32, ey as f32) < crate::normalize::PERSON_THRESHOLD {
                continue;
            }
            // the side the pixel lies furthest beyond
            let beyond = [(0.0 - y), (x - w), (y - h), (0.0 - x)];
            let side = beyond
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map_or(2, |(i, _)| i);
            match side {
                0 => cut.top += 1.0 / f64::from(plan.width),
                1 => cut.right += 1.0 / f64::from(plan.height),
                2 => cut.bottom += 1.0 / f64::from(plan.width),
                _ => cut.left += 1.0 / f64::from(plan.height),
            }
        }
    }
    cut
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

/// Why no framing fits when the head with its hair is taller than the frame allows: at the
/// smallest face the spec admits, the hair reaches higher above the eye line than the eye
/// line may sit below the top edge (a tall bun or hairstyle). `None` when that is not why.
fn too_tall(s: &Subject<'_>) -> Option<String> {
    let head = s.head.as_ref()?;
    let g = &s.spec.geometry;
    let min_face = g.face_width_px.and_then(|r| r.min)?;
    let min_below = g.eye_line_from_bottom_px.and_then(|r| r.min)?;
    let k = min_face / head.face_width.max(1.0);
    let above = k * head.crown_up;
    let room = f64::from(s.spec.output.height_px) - min_below;
    (above > room).then(|| {
        format!(
            "the head with its hair is too tall for the frame: at the smallest face the spec \
             allows ({min_face} px) the hair reaches {above:.0} px above the eye line, and the \
             eye line may be at most {room:.0} px below the top edge (a tall bun or \
             hairstyle: wear the hair lower)"
        )
    })
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
        let detail = if let Some(why) = too_tall(s) {
            why
        } else if out_misses.is_empty() {
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
