//! Range and consistency checks on a deserialised spec. Returns `(dotted field, message)` pairs.

use super::{PhotoSpec, Range};

/// Largest output side accepted, in pixels.
pub const MAX_OUTPUT_SIDE_PX: u32 = 10_000;
/// How far the pixel size may stray from print size × DPI before the spec is inconsistent.
/// 3 % covers the rounding in published specs (GA/T 461: 26 mm at 350 dpi = 358.3 px → 358).
const PRINT_SIZE_TOLERANCE: f64 = 0.03;

struct V {
    errors: Vec<(String, String)>,
}

impl V {
    fn err(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((field.to_string(), message.into()));
    }

    fn finite(&mut self, field: &str, v: f64) -> bool {
        if !v.is_finite() {
            self.err(field, format!("must be a finite number, got {v}"));
            return false;
        }
        true
    }

    fn between(&mut self, field: &str, v: f64, lo: f64, hi: f64) {
        if self.finite(field, v) && !(lo..=hi).contains(&v) {
            self.err(field, format!("{v} is out of range {lo}..={hi}"));
        }
    }

    fn fraction(&mut self, field: &str, v: f64) {
        self.between(field, v, 0.0, 1.0);
    }

    fn degrees(&mut self, field: &str, v: f64) {
        self.between(field, v, 0.0, 90.0);
    }

    fn positive(&mut self, field: &str, v: f64) {
        if self.finite(field, v) && v <= 0.0 {
            self.err(field, format!("must be > 0, got {v}"));
        }
    }

    /// A range: bounds finite, within `lo..=hi`, min ≤ max, at least one bound.
    fn range(&mut self, field: &str, r: &Range, lo: f64, hi: f64) {
        if r.min.is_none() && r.max.is_none() {
            self.err(field, "range needs `min`, `max` or both");
        }
        if let Some(m) = r.min {
            self.between(&format!("{field}.min"), m, lo, hi);
        }
        if let Some(m) = r.max {
            self.between(&format!("{field}.max"), m, lo, hi);
        }
        if let (Some(a), Some(b)) = (r.min, r.max) {
            if a > b {
                self.err(
                    &format!("{field}.min"),
                    format!("min {a} is greater than max {b}"),
                );
            }
        }
    }

    fn opt_range(&mut self, field: &str, r: &Option<Range>, lo: f64, hi: f64) {
        if let Some(r) = r {
            self.range(field, r, lo, hi);
        }
    }
}

/// Every problem found in `spec`, first one first.
pub(crate) fn validate(spec: &PhotoSpec) -> Vec<(String, String)> {
    let mut v = V { errors: Vec::new() };
    let o = &spec.output;
    let side = MAX_OUTPUT_SIDE_PX as f64;
    for (f, px) in [
        ("output.width_px", o.width_px),
        ("output.height_px", o.height_px),
    ] {
        if px == 0 || px > MAX_OUTPUT_SIDE_PX {
            v.err(f, format!("{px} is out of range 1..={MAX_OUTPUT_SIDE_PX}"));
        }
    }
    if !(72..=2400).contains(&o.dpi) {
        v.err("output.dpi", format!("{} is out of range 72..=2400", o.dpi));
    }
    if !(1..=100).contains(&o.jpeg_quality) {
        v.err(
            "output.jpeg_quality",
            format!("{} is out of range 1..=100", o.jpeg_quality),
        );
    }
    v.opt_range("output.file_size_kb", &o.file_size_kb, 1.0, 100_000.0);
    for (f, mm, px) in [
        ("output.print_width_mm", o.print_width_mm, o.width_px),
        ("output.print_height_mm", o.print_height_mm, o.height_px),
    ] {
        if let Some(mm) = mm {
            v.between(f, mm, 1.0, 1000.0);
            let expect = mm / 25.4 * o.dpi as f64;
            if mm.is_finite() && ((px as f64 - expect).abs() > expect * PRINT_SIZE_TOLERANCE) {
                v.err(
                    f,
                    format!(
                        "{mm} mm at {} dpi is {expect:.0} px, but the pixel size is {px}",
                        o.dpi
                    ),
                );
            }
        }
    }

    let b = &spec.background;
    if b.colors.is_empty() {
        v.err("background.colors", "at least one colour is required");
    }
    v.between("background.max_delta_e", b.max_delta_e, 0.0, 100.0);

    let g = &spec.geometry;
    let (w, h) = (o.width_px as f64, o.height_px as f64);
    v.opt_range("geometry.face_width_px", &g.face_width_px, 1.0, w.min(side));
    v.opt_range("geometry.head_width_px", &g.head_width_px, 1.0, w.min(side));
    v.opt_range(
        "geometry.head_height_px",
        &g.head_height_px,
        1.0,
        h.min(side),
    );
    v.opt_range(
        "geometry.crown_margin_px",
        &g.crown_margin_px,
        0.0,
        h.min(side),
    );
    v.opt_range(
        "geometry.eye_line_from_bottom_px",
        &g.eye_line_from_bottom_px,
        0.0,
        h.min(side),
    );
    v.opt_range(
        "geometry.chin_from_bottom_px",
        &g.chin_from_bottom_px,
        0.0,
        h.min(side),
    );
    v.opt_range(
        "geometry.eye_distance_px",
        &g.eye_distance_px,
        1.0,
        w.min(side),
    );
    v.opt_range(
        "geometry.eye_mid_from_left_px",
        &g.eye_mid_from_left_px,
        0.0,
        w.min(side),
    );
    v.between(
        "geometry.center_tolerance_px",
        g.center_tolerance_px,
        0.0,
        w.min(side),
    );
    if !g.has_size_bound() {
        v.err(
            "geometry",
            "needs at least one size bound: face_width_px, head_width_px, head_height_px or eye_distance_px",
        );
    }

    let c = &spec.checks;
    v.between(
        "checks.face_count.min_score",
        c.face_count.min_score,
        0.0,
        1.0,
    );
    v.between(
        "checks.resolution.max_upscale",
        c.resolution.max_upscale,
        0.1,
        10.0,
    );
    v.degrees("checks.head_pose.max_yaw_deg", c.head_pose.max_yaw_deg);
    v.degrees("checks.head_pose.max_pitch_deg", c.head_pose.max_pitch_deg);
    v.degrees("checks.head_pose.max_roll_deg", c.head_pose.max_roll_deg);
    v.degrees("checks.head_pose.max_gaze_deg", c.head_pose.max_gaze_deg);
    v.degrees(
        "checks.head_pose.max_correctable_roll_deg",
        c.head_pose.max_correctable_roll_deg,
    );
    v.positive(
        "checks.head_pose.max_fit_residual_cm",
        c.head_pose.max_fit_residual_cm,
    );
    v.fraction(
        "checks.eyes_open.min_open_fraction",
        c.eyes_open.min_open_fraction,
    );
    v.fraction(
        "checks.mouth_closed.max_openness",
        c.mouth_closed.max_openness,
    );
    v.fraction(
        "checks.eyes_visible.max_covered_fraction",
        c.eyes_visible.max_covered_fraction,
    );
    v.fraction(
        "checks.eyebrows_visible.max_covered_fraction",
        c.eyebrows_visible.max_covered_fraction,
    );
    v.fraction(
        "checks.ears_visible.max_hair_fraction",
        c.ears_visible.max_hair_fraction,
    );
    v.fraction(
        "checks.ears_visible.min_ear_fraction",
        c.ears_visible.min_ear_fraction,
    );
    v.degrees(
        "checks.ears_visible.max_yaw_deg",
        c.ears_visible.max_yaw_deg,
    );
    for (name, f) in [
        ("headwear", c.headwear.min_fraction),
        ("hair_accessory", c.hair_accessory.min_fraction),
    ] {
        v.fraction(&format!("checks.{name}.min_fraction"), f);
    }
    for (name, f) in [
        ("earrings", c.earrings.min_probability),
        ("necklace", c.necklace.min_probability),
    ] {
        v.fraction(&format!("checks.{name}.min_probability"), f);
    }
    v.fraction("checks.glasses.min_fraction", c.glasses.min_fraction);
    v.between(
        "checks.background_uniform.max_texture_l",
        c.background_uniform.max_texture_l,
        0.0,
        100.0,
    );
    v.between(
        "checks.background_uniform.max_texture_ab",
        c.background_uniform.max_texture_ab,
        0.0,
        100.0,
    );
    v.fraction(
        "checks.background_uniform.min_texture_spread",
        c.background_uniform.min_texture_spread,
    );
    v.between(
        "checks.background_uniform.max_gradient_l",
        c.background_uniform.max_gradient_l,
        0.0,
        100.0,
    );
    v.between(
        "checks.background_shadow.max_drop_l",
        c.background_shadow.max_drop_l,
        0.0,
        100.0,
    );
    v.between(
        "checks.face_shadow.max_lighting_ratio",
        c.face_shadow.max_lighting_ratio,
        1.0,
        1000.0,
    );
    v.fraction(
        "checks.face_shadow.max_hard_edge_share",
        c.face_shadow.max_hard_edge_share,
    );
    v.fraction("checks.glare.max_fraction", c.glare.max_fraction);
    v.fraction("checks.glare.max_lens_fraction", c.glare.max_lens_fraction);
    v.positive("checks.sharpness.max_blur_px", c.sharpness.max_blur_px);
    v.range("checks.exposure.face_l", &c.exposure.face_l, 0.0, 100.0);
    v.fraction(
        "checks.exposure.max_clipped_fraction",
        c.exposure.max_clipped_fraction,
    );
    v.between(
        "checks.color.min_skin_chroma",
        c.color.min_skin_chroma,
        0.0,
        150.0,
    );
    v.range("checks.color.natural_a", &c.color.natural_a, -128.0, 128.0);
    v.range("checks.color.natural_b", &c.color.natural_b, -128.0, 128.0);
    v.between(
        "checks.color.max_cast_delta_e",
        c.color.max_cast_delta_e,
        0.0,
        150.0,
    );
    v.errors
}
