//! Photo specifications: what a document demands of its photo.
//!
//! A [`PhotoSpec`] is loaded from one TOML file under `specs/` (see the README for the format).
//! Specs are identified by their path id (`cn/id-card`, `cn/guangdong/shenzhen/id-card`) and may
//! `extends` a parent so that a city file only states what differs. [`SpecRegistry`] loads a
//! folder (or the specs compiled into the crate), resolves inheritance and validates every value.
//!
//! Units are explicit in field names: `_px` are pixels of the *output* image, `_mm` millimetres
//! of the print, `_deg` degrees, `_kb` kilobytes (1 KB = 1000 bytes), `_fraction` a share in 0..=1.

mod checks;
mod registry;
mod validate;

pub use checks::*;
pub use registry::{nearest, SpecRegistry};

use serde::{Deserialize, Serialize};

/// An inclusive numeric range; either bound may be open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lower bound (inclusive), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Upper bound (inclusive), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Range {
    /// A closed range `min..=max`.
    pub const fn new(min: f64, max: f64) -> Self {
        Range {
            min: Some(min),
            max: Some(max),
        }
    }

    /// A range with only a lower bound.
    pub const fn at_least(min: f64) -> Self {
        Range {
            min: Some(min),
            max: None,
        }
    }

    /// A range with only an upper bound.
    pub const fn at_most(max: f64) -> Self {
        Range {
            min: None,
            max: Some(max),
        }
    }

    /// Whether `v` lies inside the range (bounds included). NaN is never inside.
    pub fn contains(&self, v: f64) -> bool {
        !v.is_nan() && self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }

    /// How far `v` lies outside the range: 0 inside, else the distance to the bound it passes
    /// (an open end is no bound).
    pub fn distance(&self, v: f64) -> f64 {
        let below = self.min.map_or(0.0, |m| (m - v).max(0.0));
        let above = self.max.map_or(0.0, |m| (v - m).max(0.0));
        below.max(above)
    }

    /// The value to aim at: the middle of a closed range, else the one bound given.
    pub fn target(&self) -> Option<f64> {
        match (self.min, self.max) {
            (Some(a), Some(b)) => Some((a + b) / 2.0),
            (Some(a), None) => Some(a),
            (None, Some(b)) => Some(b),
            (None, None) => None,
        }
    }
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.min, self.max) {
            (Some(a), Some(b)) => write!(f, "{a}..={b}"),
            (Some(a), None) => write!(f, ">= {a}"),
            (None, Some(b)) => write!(f, "<= {b}"),
            (None, None) => write!(f, "any"),
        }
    }
}

/// An sRGB colour, written `[r, g, b]` in TOML.
pub type Rgb = [u8; 3];

/// A name in Chinese and English.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Chinese name.
    pub zh: String,
    /// English name.
    pub en: String,
}

/// Everything one document demands of its photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoSpec {
    /// Path id (`cn/guangdong/id-card`), set from the file's location, never from its content.
    #[serde(skip_deserializing, default)]
    pub id: String,
    /// Parent spec id this one inherits from, as written in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Human-readable name.
    pub name: Names,
    /// Administrative division code (GB/T 2260) of the region whose photo-receipt service
    /// accepts photos for this spec, when it is a Chinese regional receipt spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// The output file: pixel size, print size, encoding.
    pub output: OutputSpec,
    /// The backdrop the document accepts.
    pub background: BackgroundSpec,
    /// Head geometry in output pixels.
    pub geometry: GeometrySpec,
    /// Which checks run and their thresholds.
    #[serde(default)]
    pub checks: ChecksSpec,
}

/// Colour depth of the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorDepth {
    /// 24-bit RGB.
    #[default]
    Rgb24,
    /// 8-bit grayscale.
    Gray8,
}

/// Output file format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// Baseline JPEG with a JFIF header carrying the DPI.
    #[default]
    Jpeg,
    /// PNG with a pHYs chunk carrying the DPI.
    Png,
}

impl OutputFormat {
    /// The usual file extension, without the dot: `jpg` or `png`.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Png => "png",
        }
    }

    /// The media type: `image/jpeg` or `image/png`.
    pub fn mime_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
        }
    }
}

/// The output image a document needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Output width in pixels.
    pub width_px: u32,
    /// Output height in pixels.
    pub height_px: u32,
    /// Print width in millimetres, when the document states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_width_mm: Option<f64>,
    /// Print height in millimetres, when the document states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_height_mm: Option<f64>,
    /// Resolution written into the file header, dots per inch.
    pub dpi: u32,
    /// Colour depth.
    #[serde(default)]
    pub color: ColorDepth,
    /// File format.
    #[serde(default)]
    pub format: OutputFormat,
    /// JPEG quality to use (or to start the size search from), 1..=100.
    #[serde(default = "default_jpeg_quality")]
    pub jpeg_quality: u8,
    /// Accepted file size in kilobytes (1 KB = 1000 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size_kb: Option<Range>,
}

/// Default JPEG quality when a spec states none: libjpeg's own default.
pub const DEFAULT_JPEG_QUALITY: u8 = 75;
fn default_jpeg_quality() -> u8 {
    DEFAULT_JPEG_QUALITY
}

/// The backdrop a document accepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackgroundSpec {
    /// Accepted colours; the first is the one used when the background is replaced.
    pub colors: Vec<Rgb>,
    /// Largest accepted CIEDE2000 difference between the measured mean background colour and
    /// the nearest accepted colour.
    pub max_delta_e: f64,
    /// Whether the library may replace the background with `colors[0]`.
    #[serde(default)]
    pub replaceable: bool,
}

/// Head geometry in output pixels. Every bound is optional; at least one size bound is required.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeometrySpec {
    /// Face width (cheek to cheek, ears excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_width_px: Option<Range>,
    /// Head width (including ears / hair at ear height).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_width_px: Option<Range>,
    /// Head height, chin to crown (top of the hair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_height_px: Option<Range>,
    /// Distance from the top edge of the image to the crown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crown_margin_px: Option<Range>,
    /// Height of the eye line (midpoint of the eye centres) above the bottom edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye_line_from_bottom_px: Option<Range>,
    /// Height of the chin above the bottom edge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chin_from_bottom_px: Option<Range>,
    /// Distance between the eye centres (a size bound; sources that state it as a share of the
    /// photo's width are converted in the spec file, with the width they mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye_distance_px: Option<Range>,
    /// Horizontal position of the eye midpoint, from the left edge (held together with
    /// `center_tolerance_px`, which centres the face).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eye_mid_from_left_px: Option<Range>,
    /// When tall hair (a bun, volume) makes the crown margin's minimum and the eye line
    /// impossible together, the eye line wins and the crown margin only has to stay ≥ 0 (the
    /// whole head inside the frame). GA 461 orders it so for the ID card.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub eye_line_over_crown_margin: bool,
    /// Largest accepted horizontal offset of the face centre from the image centre.
    #[serde(default = "default_center_tolerance")]
    pub center_tolerance_px: f64,
}

/// Default horizontal centring tolerance: ICAO 9303 part 3 asks for the face to be centred; the
/// BioLab ICAO test set accepts a ±5 % offset, about 18 px on a 358-px-wide image.
pub const DEFAULT_CENTER_TOLERANCE_PX: f64 = 18.0;
fn default_center_tolerance() -> f64 {
    DEFAULT_CENTER_TOLERANCE_PX
}

impl GeometrySpec {
    /// Whether any size bound (face width, head width, head height or eye distance) is given.
    pub fn has_size_bound(&self) -> bool {
        self.face_width_px.is_some()
            || self.head_width_px.is_some()
            || self.head_height_px.is_some()
            || self.eye_distance_px.is_some()
    }
}
