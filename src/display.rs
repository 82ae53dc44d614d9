//! Reports as people read them: one line per check with values in their units next to the
//! spec's limit (`face width 171 px → 207 px (193–221 px)`), and a one-line verdict that tells a
//! retake from what the output fixes (`FAIL — retake: mouth_closed · fixed: head_size`).
//!
//! The terminal, the review page and the retake slip all use these, so a value reads the same
//! everywhere. Machine consumers read the JSON report instead: its keys are the spec's field
//! names and its numbers are not rounded for display.

use std::collections::BTreeMap;

use crate::report::{AppliedFix, CheckId, CheckResult, Measure, Report, Status, Verdict};

/// The one-line verdict: `PASS`, `PASS — fixed: head_size, background_color`, or
/// `FAIL — retake: mouth_closed · fixed: head_size`. A photo where no single face was found
/// says so instead of listing every check that could not run.
pub fn summary_line(r: &Report) -> String {
    let retake: Vec<&str> = r.retakes().map(|c| c.id.as_str()).collect();
    let fixed: Vec<&str> = r.fixed().map(|c| c.id.as_str()).collect();
    let unverified: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.blocks_pass() && !c.needs_retake())
        .map(|c| c.id.as_str())
        .collect();
    let mut parts = Vec::new();
    if !retake.is_empty() {
        parts.push(format!("retake: {}", retake.join(", ")));
    }
    if !unverified.is_empty() {
        parts.push(format!("not verified: {}", unverified.join(", ")));
    }
    if !fixed.is_empty() {
        parts.push(format!("fixed: {}", fixed.join(", ")));
    }
    let verdict = match r.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    if parts.is_empty() {
        verdict.to_string()
    } else {
        format!("{verdict} — {}", parts.join(" · "))
    }
}

/// The status as a short word for a column: `pass`, `FAIL`, `fixed`, `warn`, `n/a`.
pub fn status_word(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Fail => "FAIL",
        Status::Fixed => "fixed",
        Status::Warn => "warn",
        Status::NotApplicable => "n/a",
    }
}

/// A check's value next to its limit, in units: `yaw −21.5° (max 10°), pitch −0.7° (max
/// 20°)`. Values measured on the photo and on the planned output read `photo → output`.
/// Limits that pair with no value follow after `limit:`.
pub fn value_text(c: &CheckResult) -> String {
    let limits: BTreeMap<String, Measure> = match &c.limit {
        Some(Measure::Map(m)) => m.clone(),
        Some(other) => BTreeMap::from([(String::new(), other.clone())]),
        None => BTreeMap::new(),
    };
    let mut used: Vec<String> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    match &c.value {
        Some(Measure::Map(m)) if m.contains_key("uploaded") && m.contains_key("output") => {
            // geometry: photo → output per measure
            if let (Some(Measure::Map(up)), Some(Measure::Map(out))) =
                (m.get("uploaded"), m.get("output"))
            {
                for (k, v) in up {
                    let mut s = format!("{} {}", name_of(k), quantity(c.id, k, v));
                    if let Some(o) = out.get(k) {
                        s.push_str(&format!(" → {}", quantity(c.id, k, o)));
                    }
                    if let Some(l) = pair(&limits, k, &mut used) {
                        s.push_str(&format!(" ({})", limit_text(c.id, k, &l)));
                    }
                    parts.push(s);
                }
            }
        }
        Some(Measure::Map(m)) => leaves(c.id, m, &limits, &mut used, &mut parts),
        Some(v) => {
            let mut s = quantity(c.id, "", v);
            if let Some(l) = limits.get("") {
                used.push(String::new());
                s.push_str(&format!(" (limit {})", limit_text(c.id, "", l)));
            }
            parts.push(s);
        }
        None => {}
    }
    // a detector's threshold first: it says how the values above are read
    let rest: Vec<String> = limits
        .iter()
        .filter(|(k, _)| !used.contains(k) && is_detection_threshold(k))
        .chain(
            limits
                .iter()
                .filter(|(k, _)| !used.contains(k) && !is_detection_threshold(k)),
        )
        .map(|(k, v)| {
            if k.is_empty() {
                limit_text(c.id, k, v)
            } else if is_detection_threshold(k) {
                format!("present from {}", quantity(c.id, k, v))
            } else {
                format!("{} {}", name_of(k), limit_text(c.id, k, v))
            }
        })
        .collect();
    let mut out = parts.join(", ");
    if !rest.is_empty() {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str("limit: ");
        out.push_str(&rest.join(", "));
    }
    out
}

/// One line per check for a terminal: status, id, values and limits, and each reason on its
/// own line below (`retake` or `fixed` and the message in both languages).
pub fn check_lines(c: &CheckResult) -> Vec<String> {
    let mut lines = vec![format!(
        "  {:<5}  {:<18} {}",
        status_word(c.status),
        c.id.as_str(),
        value_text(c)
    )
    .trim_end()
    .to_string()];
    if c.status == Status::Pass {
        return lines;
    }
    for r in c.reasons() {
        let who = match r.fix {
            Some(crate::report::Fix::Auto) => "fixed: ",
            Some(crate::report::Fix::Retake) => "retake: ",
            None => "",
        };
        let detail = r
            .detail
            .as_ref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        lines.push(format!(
            "         {who}{} — {} / {}{detail}",
            r.code, r.zh, r.en
        ));
    }
    lines
}

/// The whole report for a terminal: the checks worth reading and the summary line last. A
/// photo with no single face prints one line for that instead of one per check.
pub fn report_lines(r: &Report) -> Vec<String> {
    let face = r.check(CheckId::FaceCount);
    if let Some(f) = face.filter(|f| f.needs_retake()) {
        let mut lines = check_lines(f);
        lines.push(summary_line(r));
        return lines;
    }
    let mut lines: Vec<String> = r.checks.iter().flat_map(check_lines).collect();
    lines.push(summary_line(r));
    lines
}

/// A fix the output received, in words: `re-framed at scale 1.21`, `turned 3.2° level`,
/// `background replaced with RGB(255, 255, 255)`, `padded top 10 px, right 112 px`.
pub fn fix_text(f: &AppliedFix) -> String {
    match f {
        AppliedFix::Reframed { scale } => format!("re-framed at scale {}", number(*scale, 3)),
        AppliedFix::Derotated { degrees } => format!("turned {}° level", number(*degrees, 1)),
        AppliedFix::BackgroundReplaced { color } => format!(
            "background replaced with RGB({}, {}, {})",
            color[0], color[1], color[2]
        ),
        AppliedFix::Padded { pixels } => {
            let sides: Vec<String> = ["top", "right", "bottom", "left"]
                .iter()
                .zip(pixels)
                .filter(|(_, &n)| n > 0)
                .map(|(side, n)| format!("{side} {n} px"))
                .collect();
            format!("padded {}", sides.join(", "))
        }
    }
}

fn leaves(
    id: CheckId,
    m: &BTreeMap<String, Measure>,
    limits: &BTreeMap<String, Measure>,
    used: &mut Vec<String>,
    parts: &mut Vec<String>,
) {
    // the measures first, the decisions they lead to (`present`, `allowed`) after them
    let (measures, decisions): (Vec<_>, Vec<_>) =
        m.iter().partition(|(_, v)| !matches!(v, Measure::Bool(_)));
    for (k, v) in measures.into_iter().chain(decisions) {
        match v {
            Measure::Map(inner) => {
                let mut sub = Vec::new();
                leaves(id, inner, limits, used, &mut sub);
                parts.push(format!("{}: {}", name_of(k), sub.join(", ")));
            }
            _ => {
                let mut s = format!("{} {}", name_of(k), quantity(id, k, v));
                if let Some(l) = pair(limits, k, used) {
                    s.push_str(&format!(" ({})", limit_text(id, k, &l)));
                }
                parts.push(s);
            }
        }
    }
}

/// The limit that belongs to value `key`: the same name (`face_width_px`), or the spec field
/// named after it (`max_yaw_deg` for `yaw`, `max_drop_l` for `drop_l`).
fn pair(limits: &BTreeMap<String, Measure>, key: &str, used: &mut Vec<String>) -> Option<Measure> {
    if key.is_empty() {
        return None;
    }
    let hit = limits.iter().find(|(k, _)| limit_names(k, key))?;
    used.push(hit.0.clone());
    let (k, v) = hit;
    let word = if is_detection_threshold(k) {
        Some("from")
    } else if k.starts_with("max_") {
        Some("max")
    } else if k.starts_with("min_") {
        Some("min")
    } else {
        None
    };
    Some(match (word, v) {
        (Some(w), Measure::Number(n)) => {
            Measure::Map(BTreeMap::from([(w.to_string(), Measure::Number(*n))]))
        }
        _ => v.clone(),
    })
}

/// Whether the limit named `limit` is value `key`'s: the same name (`face_width_px`), or the
/// spec field named after it, with or without its unit (`max_yaw_deg` for `yaw`,
/// `max_fit_residual_cm` for `fit_residual_cm`).
pub fn limit_names(limit: &str, key: &str) -> bool {
    let base = limit
        .strip_prefix("max_")
        .or_else(|| limit.strip_prefix("min_"))
        .unwrap_or(limit);
    limit == key || base == key || base.strip_prefix(key).is_some_and(is_unit_suffix)
}

/// Whether a limit is a detector's threshold (a hat, earrings, glasses count as there from
/// this value) rather than a minimum the photo must reach: it reads `present from 8 %`.
fn is_detection_threshold(key: &str) -> bool {
    matches!(key, "min_fraction" | "min_probability")
}

fn is_unit_suffix(s: &str) -> bool {
    matches!(s, "_deg" | "_px" | "_cm" | "_fraction" | "_l")
}

/// A limit as text: `193–221 px`, `max 10°`, `min 7 px`, `yes`.
fn limit_text(id: CheckId, key: &str, l: &Measure) -> String {
    match l {
        Measure::Map(m) => {
            let (lo, hi) = (m.get("min"), m.get("max"));
            match (lo, hi) {
                (Some(a), Some(b)) if m.len() == 2 => {
                    let (a, b) = (quantity(id, key, a), quantity(id, key, b));
                    // "193 px–221 px" reads worse than "193–221 px"
                    match (a.split_once(' '), b.split_once(' ')) {
                        (Some((an, au)), Some((_, bu))) if au == bu => {
                            format!("{an}–{b}")
                        }
                        _ => format!("{a}–{b}"),
                    }
                }
                (Some(a), None) if m.len() == 1 => format!("min {}", quantity(id, key, a)),
                (None, None) if m.len() == 1 && m.contains_key("from") => {
                    format!("present from {}", quantity(id, key, &m["from"]))
                }
                (None, Some(b)) if m.len() == 1 => format!("max {}", quantity(id, key, b)),
                _ => m
                    .iter()
                    .map(|(k, v)| format!("{} {}", name_of(k), limit_text(id, k, v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        }
        other => quantity(id, key, other),
    }
}

/// How a value of `key` reads: with its unit, as a percentage for shares, booleans as yes/no.
pub fn quantity(id: CheckId, key: &str, v: &Measure) -> String {
    let n = match v {
        Measure::Number(n) => *n,
        Measure::Bool(b) => return if *b { "yes" } else { "no" }.to_string(),
        Measure::Text(t) => return t.clone(),
        Measure::Map(_) => return limit_text(id, key, v),
    };
    let key = key.trim_start_matches("max_").trim_start_matches("min_");
    if key.ends_with("_px") || key == "padding_px" {
        format!("{} px", number(n, 1))
    } else if key.ends_with("_deg") || matches!(key, "yaw" | "pitch" | "roll" | "gaze") {
        format!("{}°", number(n, 1))
    } else if key.ends_with("_cm") {
        format!("{} cm", number(n, 2))
    } else if key.ends_with("_kb") {
        format!("{} KB", number(n, 1))
    } else if is_share(id, key) {
        format!("{} %", number(n * 100.0, 1))
    } else if key.ends_with("_l")
        || key.ends_with("_ab")
        || key.ends_with("chroma")
        || key.ends_with("variance")
        || key.ends_with("delta_e")
        || matches!(key, "l" | "a" | "b")
    {
        // CIELAB quantities and the like: a tenth is below what anyone sees
        number(n, 1)
    } else {
        number(n, 3)
    }
}

/// Whether `key` of check `id` is a share of something (shown as a percentage).
fn is_share(id: CheckId, key: &str) -> bool {
    if key.ends_with("_l") || key.ends_with("_chroma") || key == "openness" {
        return false;
    }
    key.contains("fraction")
        || key.ends_with("_share")
        || key.contains("covered")
        || key.contains("area")
        || key.contains("clipped")
        || key.contains("probability")
        || key.contains("glare")
        || matches!(
            id,
            CheckId::Glare
                | CheckId::Earrings
                | CheckId::Necklace
                | CheckId::EyesOpen
                | CheckId::EarsVisible
        ) && matches!(
            key,
            "left" | "right" | "skin" | "lenses" | "hair" | "ear" | "probability"
        )
}

/// `n` with at most `decimals` decimals and no trailing zeros; a minus sign, not a hyphen.
fn number(n: f64, decimals: usize) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let mut s = format!("{n:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if s == "-0" {
        s = "0".into();
    }
    s.replace('-', "−")
}

/// A measure's name as words: `face_width_px` → `face width`, `texture_l` → `texture L*`.
pub fn name_of(key: &str) -> String {
    let base = key
        .strip_suffix("_px")
        .or_else(|| key.strip_suffix("_deg"))
        .or_else(|| key.strip_suffix("_cm"))
        .or_else(|| key.strip_suffix("_kb"))
        .unwrap_or(key);
    let base = match (base.strip_suffix("_l"), base.strip_suffix("_ab")) {
        (Some(b), _) => format!("{b} L*"),
        (_, Some(b)) => format!("{b} a*b*"),
        _ if base == "l" => "L*".to_string(),
        _ if base == "a" || base == "b" => format!("{base}*"),
        _ => base.to_string(),
    };
    base.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ImageInfo, ReasonCode};

    fn geometry() -> CheckResult {
        CheckResult::fail(
            CheckId::HeadSize,
            Measure::nested([
                ("uploaded", Measure::map([("face_width_px", 170.835)])),
                ("output", Measure::map([("face_width_px", 207.0)])),
            ]),
            Measure::nested([(
                "face_width_px",
                Measure::map([("min", 193.0), ("max", 221.0)]),
            )]),
            ReasonCode::HeadTooSmall,
        )
    }

    #[test]
    fn geometry_reads_photo_to_output_with_its_range() {
        assert_eq!(
            value_text(&geometry()),
            "face width 170.8 px → 207 px (193–221 px)"
        );
    }

    #[test]
    fn spec_field_limits_pair_with_their_values() {
        let c = CheckResult::fail(
            CheckId::HeadPose,
            Measure::map([("yaw", -21.53), ("pitch", 3.0)]),
            Measure::map([("max_yaw_deg", 10.0), ("max_pitch_deg", 20.0)]),
            ReasonCode::HeadTurned,
        );
        assert_eq!(value_text(&c), "pitch 3° (max 20°), yaw −21.5° (max 10°)");
        let c = CheckResult::fail(
            CheckId::HeadPose,
            Measure::map([("gaze", 35.876)]),
            Measure::map([("max_gaze_deg", 15.0)]),
            ReasonCode::GazeAverted,
        );
        assert_eq!(value_text(&c), "gaze 35.9° (max 15°)");
        let c = CheckResult::fail(
            CheckId::EyebrowsVisible,
            Measure::map([("left_covered", 0.5704), ("right_covered", 0.0066)]),
            Measure::map([("max_covered_fraction", 0.2)]),
            ReasonCode::EyebrowsCovered,
        );
        assert_eq!(
            value_text(&c),
            "left covered 57 %, right covered 0.7 %; limit: max covered fraction 20 %"
        );
    }

    #[test]
    fn lightness_and_chroma_textures_read_in_cielab_units() {
        let c = CheckResult::fail(
            CheckId::BackgroundUniform,
            Measure::map([("texture_l", 4.1385), ("texture_ab", 3.9412)]),
            Measure::map([("max_texture_l", 6.0), ("max_texture_ab", 2.3)]),
            ReasonCode::BackgroundNotUniform,
        );
        assert_eq!(
            value_text(&c),
            "texture a*b* 3.9 (max 2.3), texture L* 4.1 (max 6)"
        );
    }

    #[test]
    fn detection_thresholds_read_as_such_and_decisions_come_last() {
        let headwear = CheckResult::pass(
            CheckId::Headwear,
            Measure::nested([
                ("fraction", Measure::num(0.0)),
                ("present", Measure::Bool(false)),
            ]),
            Measure::nested([
                ("allowed", Measure::Bool(false)),
                ("min_fraction", Measure::num(0.08)),
            ]),
        );
        assert_eq!(
            value_text(&headwear),
            "fraction 0 % (present from 8 %), present no; limit: allowed no"
        );
        let earrings = CheckResult::pass(
            CheckId::Earrings,
            Measure::nested([
                ("left", Measure::num(0.235)),
                ("present", Measure::Bool(true)),
                ("right", Measure::num(0.173)),
            ]),
            Measure::nested([
                ("allowed", Measure::Bool(false)),
                ("min_probability", Measure::num(0.2)),
            ]),
        );
        assert_eq!(
            value_text(&earrings),
            "left 23.5 %, right 17.3 %, present yes; limit: present from 20 %, allowed no"
        );
    }

    #[test]
    fn summary_separates_retakes_from_fixes() {
        let r = Report::new(
            "cn/id-card",
            ImageInfo {
                width: 10,
                height: 10,
                rotation_deg: 0,
                reduced_from: None,
            },
            vec![
                geometry(),
                CheckResult::fail(CheckId::MouthClosed, None, None, ReasonCode::MouthOpen),
                CheckResult::pass(CheckId::EyesOpen, None, None),
            ],
        );
        assert_eq!(
            summary_line(&r),
            "FAIL — retake: mouth_closed · fixed: head_size"
        );
        let lines = report_lines(&r);
        assert_eq!(
            lines.last().map(String::as_str),
            Some(summary_line(&r).as_str())
        );
        assert!(lines.iter().any(|l| l.contains("retake: mouth_open")));
        assert!(lines.iter().any(|l| l.contains("fixed: head_too_small")));
    }

    #[test]
    fn no_face_is_one_line_and_the_summary() {
        let r = Report::new(
            "cn/id-card",
            ImageInfo {
                width: 10,
                height: 10,
                rotation_deg: 0,
                reduced_from: None,
            },
            std::iter::once(CheckResult::fail(
                CheckId::FaceCount,
                Measure::num(0.0),
                Measure::num(1.0),
                ReasonCode::NoFace,
            ))
            .chain(
                CheckId::ALL
                    .iter()
                    .skip(3)
                    .map(|&id| CheckResult::not_applicable(id, ReasonCode::NeedsOneFace)),
            )
            .collect(),
        );
        let lines = report_lines(&r);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[1].contains("no_face"));
        assert_eq!(lines[2], "FAIL — retake: face_count");
    }
}
