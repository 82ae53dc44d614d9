//! The report: a verdict and one [`CheckResult`] per enabled check, serialisable to JSON.
//!
//! JSON is snake_case throughout:
//! `{"spec": "cn/id-card", "verdict": "fail", "checks": [{"id": "ears_visible", "status": "fail",
//! "value": ..., "limit": ..., "reason": {"code": "ears_covered", "zh": ..., "en": ..., "fix": "retake"}}]}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::spec::{Range, Rgb};

/// The fixed vocabulary of checks. The order is the order of checks in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    /// The photo is upright (not stored sideways or upside down).
    Orientation,
    /// Exactly one face in the photo.
    FaceCount,
    /// Enough source pixels across the face for the output size.
    Resolution,
    /// Crown, chin and margins exist in the source (a cut-off head cannot be fixed).
    Framing,
    /// Yaw, pitch and roll within limits.
    HeadPose,
    /// Face/head size in the output within the spec's range.
    HeadSize,
    /// Crown margin, eye line and centring in the output.
    HeadPosition,
    /// Both eyes open.
    EyesOpen,
    /// Mouth closed, no broad smile.
    MouthClosed,
    /// Nothing across the eyes.
    EyesVisible,
    /// Hair does not cover the eyebrows.
    EyebrowsVisible,
    /// Hair does not cover the ears.
    EarsVisible,
    /// No hat, cap, scarf or hood.
    Headwear,
    /// No hair clips, headbands or ornaments.
    HairAccessory,
    /// No earrings.
    Earrings,
    /// No necklace.
    Necklace,
    /// Glasses as the spec allows.
    Glasses,
    /// A plain backdrop.
    BackgroundUniform,
    /// The backdrop colour the spec asks for.
    BackgroundColor,
    /// No uneven light on the face.
    FaceShadow,
    /// No shadow of the head on the backdrop.
    BackgroundShadow,
    /// No specular highlights on skin or lenses.
    Glare,
    /// In focus.
    Sharpness,
    /// Neither under- nor over-exposed.
    Exposure,
    /// Colour photo with natural skin tone and no cast.
    Color,
    /// The encoded output lies in the spec's file-size range (judged when the output is
    /// encoded; a range the encoder cannot reach fails).
    FileSize,
}

impl CheckId {
    /// Every check id, in report order.
    pub const ALL: [CheckId; 26] = [
        CheckId::Orientation,
        CheckId::FaceCount,
        CheckId::Resolution,
        CheckId::Framing,
        CheckId::HeadPose,
        CheckId::HeadSize,
        CheckId::HeadPosition,
        CheckId::EyesOpen,
        CheckId::MouthClosed,
        CheckId::EyesVisible,
        CheckId::EyebrowsVisible,
        CheckId::EarsVisible,
        CheckId::Headwear,
        CheckId::HairAccessory,
        CheckId::Earrings,
        CheckId::Necklace,
        CheckId::Glasses,
        CheckId::BackgroundUniform,
        CheckId::BackgroundColor,
        CheckId::FaceShadow,
        CheckId::BackgroundShadow,
        CheckId::Glare,
        CheckId::Sharpness,
        CheckId::Exposure,
        CheckId::Color,
        CheckId::FileSize,
    ];

    /// The snake_case id used in JSON and spec files.
    pub fn as_str(self) -> &'static str {
        use CheckId as C;
        match self {
            C::Orientation => "orientation",
            C::FaceCount => "face_count",
            C::Resolution => "resolution",
            C::Framing => "framing",
            C::HeadPose => "head_pose",
            C::HeadSize => "head_size",
            C::HeadPosition => "head_position",
            C::EyesOpen => "eyes_open",
            C::MouthClosed => "mouth_closed",
            C::EyesVisible => "eyes_visible",
            C::EyebrowsVisible => "eyebrows_visible",
            C::EarsVisible => "ears_visible",
            C::Headwear => "headwear",
            C::HairAccessory => "hair_accessory",
            C::Earrings => "earrings",
            C::Necklace => "necklace",
            C::Glasses => "glasses",
            C::BackgroundUniform => "background_uniform",
            C::BackgroundColor => "background_color",
            C::FaceShadow => "face_shadow",
            C::BackgroundShadow => "background_shadow",
            C::Glare => "glare",
            C::Sharpness => "sharpness",
            C::Exposure => "exposure",
            C::Color => "color",
            C::FileSize => "file_size",
        }
    }

    /// A short title in Chinese and English, for tables and review pages.
    pub fn title(self) -> (&'static str, &'static str) {
        use CheckId as C;
        match self {
            C::Orientation => ("照片方向", "Orientation"),
            C::FaceCount => ("人脸数量", "Face count"),
            C::Resolution => ("分辨率", "Resolution"),
            C::Framing => ("头部完整", "Framing"),
            C::HeadPose => ("头部姿态", "Head pose"),
            C::HeadSize => ("头部大小", "Head size"),
            C::HeadPosition => ("头部位置", "Head position"),
            C::EyesOpen => ("双眼睁开", "Eyes open"),
            C::MouthClosed => ("嘴巴闭合", "Mouth closed"),
            C::EyesVisible => ("眼睛可见", "Eyes visible"),
            C::EyebrowsVisible => ("眉毛可见", "Eyebrows visible"),
            C::EarsVisible => ("耳朵可见", "Ears visible"),
            C::Headwear => ("帽子头饰", "Headwear"),
            C::HairAccessory => ("发饰", "Hair accessory"),
            C::Earrings => ("耳饰", "Earrings"),
            C::Necklace => ("项链", "Necklace"),
            C::Glasses => ("眼镜", "Glasses"),
            C::BackgroundUniform => ("背景均匀", "Plain background"),
            C::BackgroundColor => ("背景颜色", "Background colour"),
            C::FaceShadow => ("面部阴影", "Face shadow"),
            C::BackgroundShadow => ("背景阴影", "Background shadow"),
            C::Glare => ("反光", "Glare"),
            C::Sharpness => ("清晰度", "Sharpness"),
            C::Exposure => ("曝光", "Exposure"),
            C::Color => ("色彩", "Colour"),
            C::FileSize => ("文件大小", "File size"),
        }
    }

    /// Parses a snake_case id.
    pub fn parse(s: &str) -> Option<CheckId> {
        CheckId::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The photo meets the rule.
    Pass,
    /// The photo breaks the rule and needs a new photo.
    Fail,
    /// The photo breaks the rule and the library fixes it in the output (re-framing, background
    /// replacement, de-rotation): no retake is needed.
    Fixed,
    /// Borderline or advisory: does not fail the photo.
    Warn,
    /// The check could not be evaluated on this photo; the reason says why.
    NotApplicable,
}

/// Overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A compliant photo can be delivered: every check ran, and every failing check is one the
    /// library fixes itself.
    Pass,
    /// At least one failing check needs a new photo.
    Fail,
}

/// Who can fix a failing check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// The library fixes it in the output image (re-framing, background replacement, de-rotation).
    Auto,
    /// The person must take a new photo.
    Retake,
}

/// A measured value or a limit: a number, a flag, a word, or named parts of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Measure {
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A word.
    Text(String),
    /// Named parts (`{"yaw": 3.2, "pitch": -1.0}` or `{"min": 193, "max": 221}`).
    Map(BTreeMap<String, Measure>),
}

impl Measure {
    /// Named numbers.
    pub fn map<'a>(parts: impl IntoIterator<Item = (&'a str, f64)>) -> Measure {
        Measure::Map(
            parts
                .into_iter()
                .map(|(k, v)| (k.to_string(), Measure::Number(round4(v))))
                .collect(),
        )
    }

    /// Named measures.
    pub fn nested<'a>(parts: impl IntoIterator<Item = (&'a str, Measure)>) -> Measure {
        Measure::Map(parts.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    /// A number, rounded to 4 decimals for stable, readable JSON.
    pub fn num(v: f64) -> Measure {
        Measure::Number(round4(v))
    }

    /// A colour as `[r, g, b]` named parts.
    pub fn rgb(c: Rgb) -> Measure {
        Measure::map([("r", c[0] as f64), ("g", c[1] as f64), ("b", c[2] as f64)])
    }
}

impl From<Range> for Measure {
    fn from(r: Range) -> Measure {
        let mut m = BTreeMap::new();
        if let Some(v) = r.min {
            m.insert("min".to_string(), Measure::num(v));
        }
        if let Some(v) = r.max {
            m.insert("max".to_string(), Measure::num(v));
        }
        Measure::Map(m)
    }
}

impl From<f64> for Measure {
    fn from(v: f64) -> Measure {
        Measure::num(v)
    }
}

impl From<bool> for Measure {
    fn from(v: bool) -> Measure {
        Measure::Bool(v)
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Measure::Bool(b) => write!(f, "{b}"),
            Measure::Number(n) => write!(f, "{n}"),
            Measure::Text(t) => f.write_str(t),
            Measure::Map(m) => {
                let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                f.write_str(&parts.join(" "))
            }
        }
    }
}

fn round4(v: f64) -> f64 {
    if v.is_finite() {
        (v * 10_000.0).round() / 10_000.0
    } else {
        v
    }
}

macro_rules! reason_codes {
    ($($(#[$m:meta])* $variant:ident => $code:literal, $fix:expr, $zh:literal, $en:literal;)*) => {
        /// Stable reason codes. Each has a Chinese and an English message and says who fixes it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ReasonCode {
            $($(#[$m])* $variant,)*
        }

        impl ReasonCode {
            /// Every reason code.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant,)*];

            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str {
                match self { $(ReasonCode::$variant => $code,)* }
            }

            /// Message in Chinese.
            pub fn zh(self) -> &'static str {
                match self { $(ReasonCode::$variant => $zh,)* }
            }

            /// Message in English.
            pub fn en(self) -> &'static str {
                match self { $(ReasonCode::$variant => $en,)* }
            }

            /// Who fixes it by default (`None` for reasons that explain a not-applicable check).
            pub fn default_fix(self) -> Option<Fix> {
                match self { $(ReasonCode::$variant => $fix,)* }
            }
        }
    };
}

const AUTO: Option<Fix> = Some(Fix::Auto);
const RETAKE: Option<Fix> = Some(Fix::Retake);
const NA: Option<Fix> = None;

reason_codes! {
    /// Face analysis models are not loaded, so the check cannot run.
    AnalysisUnavailable => "analysis_unavailable", NA, "未加载人脸分析模型，无法检测此项", "face analysis models are not loaded; this check cannot run";
    /// The person-segmentation mask needed by the check is missing.
    SegmentationUnavailable => "segmentation_unavailable", NA, "未加载人像分割模型，无法检测此项", "the person segmentation model is not loaded; this check cannot run";
    /// Too little background is visible to judge it.
    BackgroundNotVisible => "background_not_visible", NA, "可见背景过少，无法判断背景", "too little background is visible to judge it";
    /// The face parsing mask needed by the check is missing.
    ParsingUnavailable => "parsing_unavailable", NA, "未加载人脸解析模型，无法检测此项", "the face parsing model is not loaded; this check cannot run";
    /// The face parsing found no facial skin to measure (a face too blurred, dark or covered).
    SkinNotFound => "skin_not_found", NA, "可见面部过少，无法检测此项", "too little facial skin is visible to measure; this check cannot run";
    /// The photo was stored sideways or upside down; it is checked and delivered upright.
    PhotoRotated => "photo_rotated", AUTO, "照片方向不正（侧置或倒置），已自动转正", "the photo is sideways or upside down; it is turned upright";
    /// No face was found.
    NoFace => "no_face", RETAKE, "未检测到人脸", "no face was found";
    /// More than one face was found.
    MultipleFaces => "multiple_faces", RETAKE, "照片中有多张人脸", "more than one face is in the photo";
    /// The check needs exactly one face.
    NeedsOneFace => "needs_one_face", NA, "需要照片中恰好有一张人脸才能检测此项", "this check needs exactly one face in the photo";
    /// Too few pixels across the face.
    LowResolution => "low_resolution", RETAKE, "人脸分辨率过低，请使用更高像素的照片", "the face has too few pixels; use a higher-resolution photo";
    /// Part of the head or the required margin is outside the photo.
    HeadCutOff => "head_cut_off", RETAKE, "头部或所需边距超出照片范围，请离镜头远一些重拍", "part of the head or the required margin is outside the photo; step back and retake";
    /// The output needs more of the person than the photo shows (the body or hair is cut by
    /// the photo's bottom or side edge): padding there would cut them with a hard edge.
    BodyCutOff => "body_cut_off", RETAKE, "人像在照片下方或左右中断，无法用背景色补足，请离镜头远一些重拍", "the person is cut off by the photo's bottom or side edge where the document shows more of them; this cannot be padded with background; step back and retake";
    /// The margin is missing but is filled with the spec's background colour.
    MarginPadded => "margin_padded", AUTO, "照片边距不足，已用背景色补足", "the photo lacks margin; it is padded with the background colour";
    /// Head turned left or right.
    HeadTurned => "head_turned", RETAKE, "头部左右转动，请正对镜头", "the head is turned sideways; face the camera";
    /// The eyes look away from the lens (the irises turned toward the eye corners).
    GazeAverted => "gaze_averted", RETAKE, "眼睛未注视镜头，请双眼平视镜头", "the eyes look away from the camera; look straight into the lens";
    /// Head tilted up or down.
    HeadNodded => "head_nodded", RETAKE, "头部上仰或下低，请平视镜头", "the head is tilted up or down; look straight ahead";
    /// The landmarks fit no rigid pose of a face: the pose cannot be measured.
    PoseUnmeasurable => "pose_unmeasurable", RETAKE, "无法可靠测量头部姿态，请正对镜头、保持自然表情重拍", "the head pose cannot be measured reliably; face the camera with a neutral expression and retake";
    /// Head rolled sideways (tilted), beyond what de-rotation may correct.
    HeadTilted => "head_tilted", RETAKE, "头部歪斜，双眼不在同一水平线", "the head is tilted; the eyes are not level";
    /// Head rolled sideways within what de-rotation corrects.
    HeadTiltCorrected => "head_tilt_corrected", AUTO, "头部轻微歪斜，输出时已校正", "the head is slightly tilted; the output is de-rotated";
    /// Head too small in the frame; the output is re-framed.
    HeadTooSmall => "head_too_small", AUTO, "头部在画面中过小，输出时已重新裁剪", "the head is too small in the frame; the output is re-framed";
    /// Head too large in the frame; the output is re-framed.
    HeadTooLarge => "head_too_large", AUTO, "头部在画面中过大，输出时已重新裁剪", "the head is too large in the frame; the output is re-framed";
    /// Head not centred or at the wrong height; the output is re-framed.
    HeadMisplaced => "head_misplaced", AUTO, "头部位置不符合要求，输出时已重新裁剪", "the head is off-centre or at the wrong height; the output is re-framed";
    /// Head geometry cannot be brought within the spec's ranges.
    GeometryUnreachable => "geometry_unreachable", RETAKE, "无法通过裁剪使头部尺寸和位置符合要求", "cropping cannot bring head size and position within the spec";
    /// One or both eyes closed.
    EyesClosed => "eyes_closed", RETAKE, "请睁开双眼", "the eyes must be open";
    /// Mouth open.
    MouthOpen => "mouth_open", RETAKE, "请闭合嘴巴，保持自然表情", "the mouth must be closed, with a neutral expression";
    /// Teeth visible (a broad smile).
    TeethVisible => "teeth_visible", RETAKE, "露齿微笑不符合要求，请保持自然表情", "a smile showing teeth is not allowed; keep a neutral expression";
    /// Hair or frames across the eyes.
    EyesCovered => "eyes_covered", RETAKE, "眼睛被头发或镜框遮挡", "the eyes are covered by hair or frames";
    /// Hair over the eyebrows.
    EyebrowsCovered => "eyebrows_covered", RETAKE, "头发遮挡眉毛，请露出双眉", "hair covers the eyebrows; both eyebrows must show";
    /// Hair over the ears.
    EarsCovered => "ears_covered", RETAKE, "头发遮挡耳朵，请露出双耳", "hair covers the ears; the ears must show";
    /// Ears are out of view because of the head pose; the ear check cannot be judged.
    EarsOutOfView => "ears_out_of_view", NA, "头部转动过大，无法判断耳朵是否露出", "the head is turned too far to judge whether the ears show";
    /// An ear the rule requires lies (mostly) outside the photo: the frame, not hair, hides it.
    EarOutsidePhoto => "ear_outside_photo", RETAKE, "耳朵超出照片范围，请离镜头远一些并居中重拍", "an ear lies outside the photo; step back, centre yourself and retake";
    /// A hat, cap, scarf or hood.
    HeadwearPresent => "headwear_present", RETAKE, "请摘下帽子或头巾", "remove hats, caps, scarves or hoods";
    /// A hair clip, headband or ornament.
    HairAccessoryPresent => "hair_accessory_present", RETAKE, "请摘下发夹、发箍等头饰", "remove hair clips, headbands and hair ornaments";
    /// Earrings.
    EarringsPresent => "earrings_present", RETAKE, "请摘下耳环、耳钉", "remove earrings";
    /// A necklace.
    NecklacePresent => "necklace_present", RETAKE, "请摘下项链", "remove necklaces";
    /// Glasses where the spec forbids them.
    GlassesPresent => "glasses_present", RETAKE, "请摘下眼镜", "remove glasses";
    /// Tinted lenses or frames over the eyes.
    GlassesObscureEyes => "glasses_obscure_eyes", RETAKE, "镜片有色或镜框遮挡眼睛", "tinted lenses or frames cover the eyes";
    /// Light reflected on the lenses of glasses a spec allows only when clear.
    GlassesGlare => "glasses_glare", RETAKE, "眼镜镜片反光，请调整角度或灯光后重拍", "the lenses reflect light; tilt the glasses or move the light and retake";
    /// Background not plain; the background is replaced.
    BackgroundNotUniformReplaced => "background_not_uniform_replaced", AUTO, "背景不是纯色，输出时已替换背景", "the background is not plain; it is replaced in the output";
    /// Background not plain.
    BackgroundNotUniform => "background_not_uniform", RETAKE, "背景不是纯色，请在纯色背景前重拍", "the background is not plain; retake in front of a plain backdrop";
    /// Background colour wrong; the background is replaced.
    BackgroundColorReplaced => "background_color_replaced", AUTO, "背景颜色不符合要求，输出时已替换背景", "the background colour is wrong; it is replaced in the output";
    /// Background colour wrong.
    BackgroundWrongColor => "background_wrong_color", RETAKE, "背景颜色不符合要求", "the background colour does not match the document's";
    /// A shadow of the head on the backdrop.
    BackgroundShadow => "background_shadow", RETAKE, "背景上有头部阴影", "the head casts a shadow on the backdrop";
    /// A shadow on the backdrop removed by background replacement.
    BackgroundShadowReplaced => "background_shadow_replaced", AUTO, "背景上有阴影，输出时已替换背景", "a shadow on the backdrop is removed by background replacement";
    /// Uneven light on the face.
    FaceShadow => "face_shadow", RETAKE, "面部光线不均匀或有阴影", "the face is unevenly lit or shadowed";
    /// Specular highlights on the face or lenses.
    Glare => "glare", RETAKE, "面部或镜片有反光", "there is glare on the face or the lenses";
    /// Out of focus or motion blur.
    Blurry => "blurry", RETAKE, "照片模糊不清", "the photo is blurred";
    /// Too dark.
    Underexposed => "underexposed", RETAKE, "照片过暗", "the photo is too dark";
    /// Too bright.
    Overexposed => "overexposed", RETAKE, "照片过亮", "the photo is too bright";
    /// Highlights or shadows on the face clipped.
    ClippedExposure => "clipped_exposure", RETAKE, "面部高光或暗部细节丢失", "highlights or shadows on the face are clipped";
    /// A grayscale or sepia photo.
    NotColor => "not_color", RETAKE, "请使用彩色照片", "the photo must be in colour";
    /// No JPEG quality brings the output into the spec's file-size range.
    FileSizeUnreachable => "file_size_unreachable", RETAKE, "无法将输出照片压缩到规定的文件大小范围内，请检查规格的文件大小要求或更换照片", "no JPEG quality brings the output into the spec's file-size range; check the spec's size range or use another photo";
    /// The file size is measured on the encoded output, which was not produced.
    FileSizeNotMeasured => "file_size_not_measured", NA, "未生成输出照片，无法检测文件大小", "no output was encoded, so its file size is not measured";
    /// A strong colour cast.
    ColorCast => "color_cast", RETAKE, "照片偏色", "the photo has a colour cast";
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a check did not pass, in both languages, and who can fix it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// Chinese message.
    pub zh: String,
    /// English message.
    pub en: String,
    /// Who fixes it; `null` for a not-applicable check.
    pub fix: Option<Fix>,
    /// What exactly was wrong, with numbers (`crown_margin_px 3.0 < min 7.0`), when the code
    /// alone does not say it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Reason {
    /// This reason with a detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Reason {
        self.detail = Some(detail.into());
        self
    }
}

impl From<ReasonCode> for Reason {
    fn from(code: ReasonCode) -> Reason {
        Reason {
            code,
            zh: code.zh().to_string(),
            en: code.en().to_string(),
            fix: code.default_fix(),
            detail: None,
        }
    }
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Which check.
    pub id: CheckId,
    /// The outcome.
    pub status: Status,
    /// What was measured, if anything.
    pub value: Option<Measure>,
    /// The spec's limit it was compared against.
    pub limit: Option<Measure>,
    /// Why it did not pass (`null` on a pass): the first of the violated limits, a retake
    /// reason before an automatic fix.
    pub reason: Option<Reason>,
    /// Every further limit the photo violates for this check (yaw *and* pitch, too dark *and*
    /// clipped), in the same order; empty on a pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_reasons: Vec<Reason>,
}

impl CheckResult {
    /// A pass with the measured value and limit.
    pub fn pass(
        id: CheckId,
        value: impl Into<Option<Measure>>,
        limit: impl Into<Option<Measure>>,
    ) -> Self {
        CheckResult {
            id,
            status: Status::Pass,
            value: value.into(),
            limit: limit.into(),
            reason: None,
            other_reasons: Vec::new(),
        }
    }

    /// A broken rule with the measured value, limit and reason: [`Status::Fixed`] when the
    /// reason is one the library fixes in the output, else [`Status::Fail`].
    pub fn fail(
        id: CheckId,
        value: impl Into<Option<Measure>>,
        limit: impl Into<Option<Measure>>,
        code: ReasonCode,
    ) -> Self {
        CheckResult {
            id,
            status: if code.default_fix() == Some(Fix::Auto) {
                Status::Fixed
            } else {
                Status::Fail
            },
            value: value.into(),
            limit: limit.into(),
            reason: Some(code.into()),
            other_reasons: Vec::new(),
        }
    }

    /// A result with every violated limit: a pass when `reasons` is empty, else
    /// [`Status::Fail`] when any reason needs a retake and [`Status::Fixed`] when the library
    /// fixes all of them. Retake reasons come first; the first becomes
    /// [`reason`](Self::reason).
    pub fn with_reasons(
        id: CheckId,
        value: impl Into<Option<Measure>>,
        limit: impl Into<Option<Measure>>,
        reasons: impl IntoIterator<Item = Reason>,
    ) -> Self {
        let mut reasons: Vec<Reason> = reasons.into_iter().collect();
        // stable: retakes first, each group in the order the check found them
        reasons.sort_by_key(|r| r.fix != Some(Fix::Retake));
        let mut rest = reasons.into_iter();
        let Some(first) = rest.next() else {
            return Self::pass(id, value, limit);
        };
        CheckResult {
            id,
            status: if first.fix == Some(Fix::Retake) {
                Status::Fail
            } else if first.fix == Some(Fix::Auto) {
                Status::Fixed
            } else {
                Status::Fail
            },
            value: value.into(),
            limit: limit.into(),
            reason: Some(first),
            other_reasons: rest.collect(),
        }
    }

    /// Every reason: [`reason`](Self::reason) and then
    /// [`other_reasons`](Self::other_reasons).
    pub fn reasons(&self) -> impl Iterator<Item = &Reason> {
        self.reason.iter().chain(self.other_reasons.iter())
    }

    /// Pass when `ok`, else fail with `code`.
    pub fn judge(
        id: CheckId,
        ok: bool,
        value: impl Into<Option<Measure>>,
        limit: impl Into<Option<Measure>>,
        code: ReasonCode,
    ) -> Self {
        if ok {
            Self::pass(id, value, limit)
        } else {
            Self::fail(id, value, limit, code)
        }
    }

    /// A warning (does not fail the photo).
    pub fn warn(
        id: CheckId,
        value: impl Into<Option<Measure>>,
        limit: impl Into<Option<Measure>>,
        code: ReasonCode,
    ) -> Self {
        CheckResult {
            id,
            status: Status::Warn,
            value: value.into(),
            limit: limit.into(),
            reason: Some(code.into()),
            other_reasons: Vec::new(),
        }
    }

    /// The check could not run; `code` says why.
    pub fn not_applicable(id: CheckId, code: ReasonCode) -> Self {
        CheckResult {
            id,
            status: Status::NotApplicable,
            value: None,
            limit: None,
            reason: Some(code.into()),
            other_reasons: Vec::new(),
        }
    }

    /// Whether this result makes the photo fail (a failure nobody but the person can fix).
    pub fn needs_retake(&self) -> bool {
        self.status == Status::Fail
    }

    /// Whether the photo breaks this rule, whether the library fixes it or not.
    pub fn is_broken(&self) -> bool {
        matches!(self.status, Status::Fail | Status::Fixed)
    }

    /// Whether this result keeps the verdict from passing: a failure that needs a retake, or a
    /// check that could not run because a model is missing or found nothing to measure (a rule
    /// nobody verified never passes).
    pub fn blocks_pass(&self) -> bool {
        self.needs_retake()
            || (self.status == Status::NotApplicable
                && matches!(
                    self.reason.as_ref().map(|r| r.code),
                    Some(
                        ReasonCode::AnalysisUnavailable
                            | ReasonCode::ParsingUnavailable
                            | ReasonCode::SegmentationUnavailable
                            | ReasonCode::SkinNotFound
                    )
                ))
    }
}

/// Source image facts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// Width of the photo checked (after EXIF orientation and `rotation_deg`), pixels.
    pub width: u32,
    /// Height of the photo checked, pixels.
    pub height: u32,
    /// Clockwise turn (0, 90, 180, 270) applied to the photo as given to make it upright; every
    /// coordinate in the report refers to the turned photo.
    #[serde(default)]
    pub rotation_deg: u32,
    /// The size the file declares, when it was over the decoder's pixel limits and was decoded
    /// reduced (a JPEG at 1/2, 1/4 or 1/8 of its size); `width` and `height` are then the
    /// reduced size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduced_from: Option<[u32; 2]>,
}

/// Head pose in degrees: yaw (+ = turned to the image's right), pitch (+ = chin up), roll
/// (+ = clockwise in the image).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Left/right turn.
    pub yaw: f64,
    /// Up/down nod.
    pub pitch: f64,
    /// In-plane tilt.
    pub roll: f64,
}

/// The main face as the report states it, in source-image pixels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceSummary {
    /// Detector score, 0..=1.
    pub score: f64,
    /// Face box `[x, y, width, height]`.
    pub bbox: [f64; 4],
    /// Eye centres `[[x, y] (the person's right eye, left in the image), [x, y]]`.
    pub eyes: [[f64; 2]; 2],
    /// Head pose.
    pub pose: Pose,
    /// Faces found in the photo above the detector threshold.
    pub faces_found: usize,
}

/// A fix the library applied to produce the output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppliedFix {
    /// Cropped and scaled to the spec's head geometry.
    Reframed {
        /// Scale from source to output pixels.
        scale: f64,
    },
    /// Rotated so the eyes are level.
    Derotated {
        /// Degrees rotated.
        degrees: f64,
    },
    /// Background replaced with the spec's colour.
    BackgroundReplaced {
        /// The new colour.
        color: Rgb,
    },
    /// Missing margin filled with the background colour.
    Padded {
        /// Padded pixels on each side of the output `[top, right, bottom, left]`.
        pixels: [u32; 4],
    },
}

/// The output image as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputInfo {
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// `jpeg` or `png`.
    pub format: String,
    /// Encoded size in bytes.
    pub bytes: usize,
    /// JPEG quality used, if JPEG.
    pub jpeg_quality: Option<u8>,
    /// DPI written into the header.
    pub dpi: u32,
    /// Whether the encoded size lies in the spec's file-size range (true when none is given).
    pub size_in_range: bool,
    /// Every fix applied.
    pub fixes: Vec<AppliedFix>,
}

/// The full answer for one photo against one spec.
///
/// Each check has its value, the spec's limit and, when it fails or was fixed, a reason with
/// a code and Chinese and English text. `fail` needs a new photo; `fixed` was corrected in the
/// output.
///
/// ```
/// use idphoto::{Checker, Status};
///
/// let checker = Checker::builder().build()?;
/// let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos/obama.jpg");
/// let report = checker.check_path(photo, "cn/id-card")?;
/// for c in report.checks.iter().filter(|c| c.status == Status::Fail) {
///     let reason = c.reason.as_ref().expect("a failing check says why");
///     println!("{}: {} / {}", reason.code.as_str(), reason.zh, reason.en);
/// }
/// let json = report.to_json();                 // what `idphoto check --json` writes
/// assert!(json.contains("\"verdict\": \"fail\""));
/// # Ok::<(), idphoto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Spec id.
    pub spec: String,
    /// Overall verdict.
    pub verdict: Verdict,
    /// The source image.
    pub image: ImageInfo,
    /// One result per enabled check, in vocabulary order.
    pub checks: Vec<CheckResult>,
    /// The main face, when one was found.
    pub face: Option<FaceSummary>,
    /// The output image, when one was produced.
    pub output: Option<OutputInfo>,
}

impl Report {
    /// Adds (or replaces) one check's result and recomputes the verdict.
    pub fn set_check(&mut self, result: CheckResult) {
        self.checks.retain(|c| c.id != result.id);
        self.checks.push(result);
        self.checks.sort_by_key(|c| c.id);
        self.verdict = verdict_of(&self.checks);
    }

    /// Builds a report, deriving the verdict from the checks.
    pub fn new(spec: impl Into<String>, image: ImageInfo, mut checks: Vec<CheckResult>) -> Report {
        checks.sort_by_key(|c| c.id);
        let verdict = verdict_of(&checks);
        Report {
            spec: spec.into(),
            verdict,
            image,
            checks,
            face: None,
            output: None,
        }
    }

    /// The result of one check, if it ran.
    pub fn check(&self, id: CheckId) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Checks whose rule the photo breaks: those needing a retake and those fixed in the output.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.is_broken())
    }

    /// Checks that need a new photo.
    pub fn retakes(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.needs_retake())
    }

    /// Checks the library fixes in the output.
    pub fn fixed(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.status == Status::Fixed)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// Recomputes the verdict after checks were changed.
    pub fn refresh_verdict(&mut self) {
        self.verdict = verdict_of(&self.checks);
    }
}

fn verdict_of(checks: &[CheckResult]) -> Verdict {
    if checks.iter().any(CheckResult::blocks_pass) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}
