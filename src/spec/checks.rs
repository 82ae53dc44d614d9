//! Per-check settings of a spec: whether each check runs and its thresholds.
//!
//! Every field has a default (a named constant with its origin) so a spec only writes what its
//! document states. The TOML section of a check is named by its id: `[checks.ears_visible]`.

use serde::{Deserialize, Serialize};

use super::Range;
use crate::report::CheckId;

// ---- defaults no spec has to state; each names where it comes from ------------------------------

/// Detector score above which a face counts (BlazeFace's own MediaPipe default is 0.5).
pub const DEFAULT_MIN_FACE_SCORE: f64 = 0.5;
/// Largest upscale from source to output pixels before detail is invented. 1.5× keeps the
/// interpolated face within what OFIQ's sharpness measure still rates acceptable.
pub const DEFAULT_MAX_UPSCALE: f64 = 1.5;
/// ICAO 9303 part 3 / ISO/IEC 39794-5 frontal pose limits, degrees: a capture tolerance for
/// documents whose own rule states it (`icao/passport`, and the specs that extend it).
pub const ICAO_MAX_YAW_DEG: f64 = 5.0;
/// See [`ICAO_MAX_YAW_DEG`].
pub const ICAO_MAX_PITCH_DEG: f64 = 5.0;
/// See [`ICAO_MAX_YAW_DEG`]; also the default roll limit (the output levels a larger roll).
pub const ICAO_MAX_ROLL_DEG: f64 = 8.0;
/// Largest |yaw| for a document whose rule says only "frontal" or "face the camera" (most of
/// them: GA/T 461, the US, UK and Canadian passport pages): what a reviewer calls frontal.
/// Measured with `evaluate --spec cn/id-card --labels ../shared/eval/labels.json --photos
/// ../shared/eval/photos --reports R.jsonl` (head_pose values): heads labelled frontal read
/// |yaw| ≤ 7.7°, heads labelled turned |yaw| ≥ 18.8° (and one at 11.4°);
/// 10° lies between with room for the fit's error (3.05° mean on the ground-truth faces).
/// ICAO's ±5° is a capture rule a reviewer cannot see: under it 6 of the 33 frontal heads fail
/// on yaw alone.
pub const DEFAULT_MAX_YAW_DEG: f64 = 10.0;
/// Largest |pitch| for such a document (see [`DEFAULT_MAX_YAW_DEG`]). Measured as there: heads
/// labelled frontal read |pitch| ≤ 18.3° (portraits shot from above eye level read 10–18°
/// chin-down, median 6.6°), heads labelled raised or lowered |pitch| ≥ 28°. Under
/// ICAO's ±5° 21 of the 33 frontal heads fail.
pub const DEFAULT_MAX_PITCH_DEG: f64 = 20.0;
/// Largest head tilt (roll) the output corrects by rotating the photo so the eyes are level.
/// Beyond it the head leans visibly on the neck: levelling the eyes would leave the shoulders
/// sloping by as much, so a retake is asked for instead.
pub const DEFAULT_MAX_CORRECTABLE_ROLL_DEG: f64 = 15.0;
/// Largest turn (degrees) of the eyes away from the lens. On `../shared/eval` the eyes of
/// faces labelled facing the camera read at most 7°; eyes a person sees looking aside read
/// 25–37° (the iris a sixth to a fifth of the eye's width from its centre). 15° leaves room for
/// the iris landmarks' error either side.
pub const DEFAULT_MAX_GAZE_DEG: f64 = 15.0;
/// Largest weighted RMS distance (cm) between the landmarks and the best rigid pose of
/// MediaPipe's canonical face before the pose counts as unmeasurable. Landmarks of real faces
/// fit within 0.27–0.69 cm on `../shared/eval` (every photo, any pose or expression): 1 cm is
/// beyond any face the mesh model tracked.
pub const DEFAULT_MAX_POSE_FIT_RESIDUAL_CM: f64 = 1.0;
/// Lid aperture, as a share of the iris diameter, below which an eye counts as closed. The
/// rule is that the pupil shows: a pupil is 2–4 mm across in indoor light, 0.2–0.35 of the
/// ~11.7 mm iris, so lids closer together than 0.35 iris diameters cover it. Measured with
/// `evaluate` on `../shared/eval` (FaceMesh v2): eyes labelled open 0.445–1.07, closed or
/// winking 0.06–0.30.
pub const DEFAULT_MIN_EYE_OPEN_FRACTION: f64 = 0.35;
/// Lip gap / mouth width above which the mouth counts as open (ISO/IEC 29794-5 "mouth closed").
pub const DEFAULT_MAX_MOUTH_OPENNESS: f64 = 0.12;
/// Share of an eye region (its lid contour grown 1.3×) that may be covered before it counts
/// as hidden.
pub const DEFAULT_MAX_COVERED_FRACTION: f64 = 0.3;
/// Share of an eyebrow (the mesh's brow polygon itself) under hair before it counts as
/// covered. Measured with `evaluate --spec cn/id-card --labels ../shared/eval/labels.json
/// --photos ../shared/eval/photos --reports R.jsonl` (eyebrows_visible values): brows
/// labelled visible read ≤ 0.17 (side hair touching the brow's tail), the smallest fringe
/// labelled as covering part of a brow reads 0.22, full fringes 0.55–1.
pub const DEFAULT_MAX_BROW_COVERED_FRACTION: f64 = 0.2;
/// Share of an ear zone ([`crate::zones::ears`]) that is hair above which the ear may be
/// covered. Measured as for [`DEFAULT_MAX_BROW_COVERED_FRACTION`] (ears_visible values):
/// ears labelled covered have 0.51–1.0 of their zone under hair, ears labelled visible
/// ≤ 0.20 — except hair tucked behind a visible ear (0.67–0.77), which
/// [`DEFAULT_MIN_EAR_FRACTION`] keeps apart.
pub const DEFAULT_MAX_EAR_HAIR_FRACTION: f64 = 0.35;
/// Share of an ear zone labelled ear from which the ear shows whatever hair lies around it.
/// A whole adult ear is about 0.04 face widths² of the 0.165 fw² zone (0.24 of it); 0.1 is
/// about 40 % of an ear in view. Ears labelled covered read ≤ 0.078 on the covered side;
/// visible ears with hair tucked behind them read 0.11–0.15.
pub const DEFAULT_MIN_EAR_FRACTION: f64 = 0.1;
/// Yaw beyond which an ear may be hidden by the head itself, so the ear check is not applicable.
pub const DEFAULT_EAR_MAX_YAW_DEG: f64 = 20.0;
/// Accessory areas are measured as a share of the face width squared. Each floor sits above the
/// parsing model's noise on the fixture portraits without the accessory (e.g. 0.018 of "hat" on
/// the bare-headed astronaut) and well below a real one (0.6 for Grace Hopper's cap).
pub const DEFAULT_MIN_HEADWEAR_FRACTION: f64 = 0.08;
/// Area (share of face width²) of the largest compact colour outlier in the hair from which
/// it counts as an ornament: a small 2 × 0.8 cm clip on a 14-cm-wide face is 0.008. Measured
/// with `evaluate --spec cn/id-card --labels ../shared/eval/labels.json --photos
/// ../shared/eval/photos --reports R.jsonl` (hair_accessory's `area`): hair labelled without
/// ornaments reads ≤ 0.006 (windblown hair over a yellow wall; most read < 0.002), a pin
/// 0.009, a ribbon and a flower 0.035.
pub const DEFAULT_MIN_HAIR_ACCESSORY_FRACTION: f64 = 0.008;
/// Probability of the parsing model's earring class, at the most certain node of its 64 × 64
/// grid inside either earring zone ([`crate::zones::earrings`]) and off the face's skin, from
/// which an earring counts as present. Measured with `evaluate --spec cn/id-card --labels
/// ../shared/eval/labels.json --photos ../shared/eval/photos --reports R.jsonl` (earrings'
/// `right`/`left` values): photos labelled without earrings read ≤ 0.06 but one (0.319 on a
/// face below the resolution limit, a warning), photos with earrings 0.004–0.93, most above
/// 0.3; the misses are studs and drops a few pixels across that the model does not see. 0.2
/// sits above the bare ears' noise.
pub const DEFAULT_MIN_EARRING_PROBABILITY: f64 = 0.2;
/// Probability of the necklace class, at the most certain node inside the neck zone
/// ([`crate::zones::necklace`]), from which a necklace counts as present. Measured as for
/// [`DEFAULT_MIN_EARRING_PROBABILITY`]: photos labelled without a necklace read ≤ 0.27, with
/// one ≥ 0.75; 0.5 is the model's own decision point.
pub const DEFAULT_MIN_NECKLACE_PROBABILITY: f64 = 0.5;
/// See [`DEFAULT_MIN_HEADWEAR_FRACTION`]; frames and lenses cover 5–15 % of the face.
pub const DEFAULT_MIN_GLASSES_FRACTION: f64 = 0.02;
/// Largest L* spread of the backdrop around its best smooth (quadratic) light falloff: above
/// it the backdrop has texture, clutter or objects. Measured with `evaluate --spec cn/id-card
/// --labels ../shared/eval/labels.json --photos ../shared/eval/photos --reports R.jsonl`
/// (background_uniform's `texture_l`): backdrops labelled plain read 0.13–5.1 (two more, 7.5 and
/// 8.4, from stray hair strands and a watermark: see
/// [`DEFAULT_MIN_BACKGROUND_TEXTURE_SPREAD`]), labelled not plain 6.2–25.7 (three nearly plain,
/// with one small object or a soft pattern, 2.0–4.1). The plain L* spread it replaces could not
/// tell a lit studio backdrop (up to 9.7) from a room.
pub const DEFAULT_MAX_BACKGROUND_TEXTURE_L: f64 = 6.0;
/// Largest chroma spread of the backdrop (RMS distance in the a*b* plane from the best smooth
/// trend of a* and of b*, each sample's a*b* taken at the backdrop's mean lightness so that
/// shading does not count): above it the backdrop shows more than one colour (a painted
/// mottle, a room, objects) even where lightness varies little. Light changes a plain
/// backdrop's lightness, not its paint, so the limit is a colour difference an observer just
/// notices: ΔE*ab 2.3 (Sharma, *Digital Color Imaging Handbook*, 2003, after Mahy et al.
/// 1994), taken as an RMS over the backdrop. Measured with `evaluate --spec cn/id-card --labels
/// ../shared/eval/labels.json --photos ../shared/eval/photos --reports R.jsonl`
/// (background_uniform's `texture_ab`): backdrops labelled plain read 0.04–1.33 where the
/// chroma texture spreads evenly (two more, 0.93 and 4.6, confined to a few strands or a
/// watermark: spread 0.20 and 0.22); two labelled not plain that the lightness texture misses
/// (a painted blue-grey mottle, 4.1 L*; a room with curtains, 4.0 L*) read 4.0 and 4.9.
pub const DEFAULT_MAX_BACKGROUND_TEXTURE_AB: f64 = 2.3;
/// How evenly a backdrop's texture must spread to count (the RMS of all but its largest tenth
/// of residuals over the RMS of all): halfway between a texture confined to a tenth of the
/// backdrop (0) and Gaussian noise spread over all of it (0.79), by that reasoning rather than by
/// fitting. Measured as for [`DEFAULT_MAX_BACKGROUND_TEXTURE_L`]: the two plain backdrops above
/// 6 (stray strands across a cream wall; a black backdrop with a watermark) read 0.32 and 0.17,
/// the eighteen not-plain ones above 6 read 0.54–0.83.
pub const DEFAULT_MIN_BACKGROUND_TEXTURE_SPREAD: f64 = 0.4;
/// Largest L* difference between background regions (top/bottom, left/right): a gradient.
/// A plain backdrop lit from one side falls off smoothly; ICAO's own sample photos of
/// compliant portraits show 10.2–13.1 L* between halves (about two thirds of a stop at their
/// backdrops' lightness), so a limit below that rejects what the standard shows as right.
/// A backdrop in two tones or half in shade differs by more (yale-04-rightlight's reads 52;
/// a shadow cast by the head has its own check). On the dev set every backdrop labelled not
/// plain is also caught by its texture, so the gradient limit only decides smooth ones.
pub const DEFAULT_MAX_BACKGROUND_GRADIENT_L: f64 = 16.0;
/// Largest L* drop of the backdrop next to the head vs. far from it: a cast shadow.
pub const DEFAULT_MAX_BACKGROUND_SHADOW_L: f64 = 10.0;
/// Largest lighting ratio between the brighter and the darker half of the facial skin (their
/// median luminance Y, linear light). Portrait lighting calls 2:1 flat and 3:1 the ordinary
/// studio key-and-fill; from 4:1 (two stops) the dark side reads as shadow ("low key"). An L*
/// difference cannot tell the two apart: ordinary key light gives 15–25 L* on dark-to-mid skin.
/// Measured with `evaluate --spec cn/id-card --labels ../shared/eval/labels.json --photos
/// ../shared/eval/photos --reports R.jsonl` (face_shadow values): faces labelled evenly lit
/// read 1.0–2.8, faces labelled shadowed 9.5 and 20.6.
pub const DEFAULT_MAX_LIGHTING_RATIO: f64 = 4.0;
/// Largest share of the hairless facial skin (forehead, nose bridge, upper cheeks) on a hard
/// light edge, where the light halves or doubles within 3 % of the face width. A shadow cast
/// by a brim, a strand of hair or the nose under a hard side light ends in such an edge;
/// shading that turns with the face's curvature does not (a key light's falloff takes about a
/// fifth of the face width per stop). One straight shadow edge across the zone covers about
/// 4 % of it; a fifth is hard light raking across the face, every fold and crease casting its
/// own shadow. Measured as for [`DEFAULT_MAX_LIGHTING_RATIO`] (`hard_edge_share`): faces
/// labelled evenly lit read 0–0.14 (the highest a grey-scale face under a bare point light),
/// the hard side light under a cap 0.29 and the low-key face 0.42. A single shadow edge (a
/// brim's straight across the brow) stays under the limit and is left to the lighting ratio.
pub const DEFAULT_MAX_HARD_EDGE_SHARE: f64 = 0.2;
/// Largest share of the facial skin covered by specular highlights
/// ([`crate::checks::specular`]): 3 % of the skin is a hot spot about a sixth of the face's
/// width across — a shiny forehead or nose a viewer notices at once. The highlights every lit
/// face has (the tip of the nose, a catch on the cheekbone) stay under 1–2 %; on
/// `../shared/eval` the faces labelled without glare read 0–1.6 %.
pub const DEFAULT_MAX_GLARE_FRACTION: f64 = 0.03;
/// Largest share of the lens area (over the face, clear of the frame) holding reflected light
/// ([`crate::checks::specular::LENS_ABOVE_SKIN_BLUE`]): 1.5 % of a lens is a reflection of
/// about an eighth of its width across. On `../shared/eval` the lenses labelled with a
/// reflection read 0.017–0.053, the other glasses 0–0.005 but for the twin of three labelled
/// reflections (0.023, a reflection at its lens's rim).
pub const DEFAULT_MAX_LENS_GLARE_FRACTION: f64 = 0.015;
/// Largest blur radius (Gaussian σ of the face's sharpest edges, in pixels at the output's
/// scale). A photo that was sampled sharply has edges of σ 0.5–1 px (the pixel grid, the lens
/// and demosaicing); 1.3 px is such a photo enlarged about 2.5×, an edge's 10–90 % rise over
/// 3.3 px. On `../shared/eval` the faces labelled sharp read 0.12–1.28 px, those labelled
/// blurred 2.03–3.61 px.
pub const DEFAULT_MAX_BLUR_PX: f64 = 1.3;
/// Accepted mean L* of the facial skin.
pub const DEFAULT_FACE_L: Range = Range::new(35.0, 85.0);
/// Largest share of facial skin pixels clipped to black or white.
pub const DEFAULT_MAX_CLIPPED_FRACTION: f64 = 0.02;
/// Smallest mean chroma (C*ab) of facial skin: below this the photo is grayscale.
pub const DEFAULT_MIN_SKIN_CHROMA: f64 = 6.0;
/// The natural range of the facial skin's mean a* (ISO/IEC 29794-5's natural-colour measure as
/// BSI's reference implementation OFIQ computes it, `NaturalColour::CalculateScore`: mean a* and
/// b* of the cheeks, natural within a* 5–25 and b* 5–35; the distance outside that box is the
/// raw score). OFIQ averages two cheek rectangles; this crate averages the parsing's skin and
/// nose over the whole face.
pub const DEFAULT_NATURAL_SKIN_A: Range = Range::new(5.0, 25.0);
/// The natural range of the facial skin's mean b* (see [`DEFAULT_NATURAL_SKIN_A`]).
pub const DEFAULT_NATURAL_SKIN_B: Range = Range::new(5.0, 35.0);
/// How far (ΔE*ab in the a*b* plane) the skin's mean colour may lie outside the natural box
/// before it is a colour cast: a colour difference an observer just notices, ΔE*ab 2.3 (Sharma,
/// *Digital Color Imaging Handbook*, 2003), so a face that cannot be told from a natural one
/// passes. Measured with `evaluate --spec cn/id-card --labels ../shared/eval/labels.json
/// --photos ../shared/eval/photos --reports R.jsonl` (color's `cast_delta_e`): 76 of the 80
/// colour photos lie inside the box, one 0.4 outside (a slightly cool room light), three 3.1–17.7
/// outside (an orange cast, a magenta one, a desaturated low-key grade). The backdrop is no
/// evidence either way: a blue cloth or a pink wall is paint, not a cast.
pub const DEFAULT_MAX_CAST_DELTA_E: f64 = 2.3;

fn yes() -> bool {
    true
}

macro_rules! check_config {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            /// Whether the check runs. A disabled check is absent from the report.
            #[serde(default = "yes")]
            pub enabled: bool,
            $($(#[$fm])* pub $field: $ty,)*
        }
        impl Default for $name {
            fn default() -> Self {
                $name { enabled: true, $($field: $default,)* }
            }
        }
    };
}

check_config!(
    /// `orientation`: the photo is upright; a sideways or upside-down photo is turned upright.
    OrientationCheck {}
);
check_config!(
    /// `face_count`: exactly one face.
    FaceCountCheck {
        /// Detector score above which a face counts.
        min_score: f64 = DEFAULT_MIN_FACE_SCORE,
    }
);
check_config!(
    /// `resolution`: enough source pixels for the output.
    ResolutionCheck {
        /// Largest accepted upscale factor from source to output.
        max_upscale: f64 = DEFAULT_MAX_UPSCALE,
    }
);
check_config!(
    /// `framing`: crown, chin and margins exist in the source.
    FramingCheck {}
);
check_config!(
    /// `head_pose`: yaw, pitch and roll limits in degrees (absolute values).
    HeadPoseCheck {
        /// Largest |yaw| (turning left/right).
        max_yaw_deg: f64 = DEFAULT_MAX_YAW_DEG,
        /// Largest |pitch| (nodding up/down).
        max_pitch_deg: f64 = DEFAULT_MAX_PITCH_DEG,
        /// Largest |roll| (tilt) of the delivered photo; a larger roll is corrected in the
        /// output (the eyes levelled) up to `max_correctable_roll_deg`.
        max_roll_deg: f64 = ICAO_MAX_ROLL_DEG,
        /// Largest |roll| the output corrects; beyond it the photo needs a retake.
        max_correctable_roll_deg: f64 = DEFAULT_MAX_CORRECTABLE_ROLL_DEG,
        /// Largest turn of the eyes away from the lens, degrees (measured where both eyes
        /// are open enough for the irises to show).
        max_gaze_deg: f64 = DEFAULT_MAX_GAZE_DEG,
        /// Largest residual (cm) of the canonical-face fit before the pose is unmeasurable.
        max_fit_residual_cm: f64 = DEFAULT_MAX_POSE_FIT_RESIDUAL_CM,
    }
);
check_config!(
    /// `head_size`: uses the spec's `[geometry]`.
    HeadSizeCheck {}
);
check_config!(
    /// `head_position`: uses the spec's `[geometry]`.
    HeadPositionCheck {}
);
check_config!(
    /// `eyes_open`.
    EyesOpenCheck {
        /// Smallest lid aperture of each eye, as a share of its iris diameter.
        min_open_fraction: f64 = DEFAULT_MIN_EYE_OPEN_FRACTION,
    }
);
check_config!(
    /// `mouth_closed`.
    MouthClosedCheck {
        /// Largest lip gap / mouth width.
        max_openness: f64 = DEFAULT_MAX_MOUTH_OPENNESS,
        /// Whether visible teeth (a broad smile) fail the check.
        teeth_fail: bool = true,
    }
);
check_config!(
    /// `eyes_visible`: nothing (hair, frames) across the eyes.
    EyesVisibleCheck {
        /// Largest covered share of each eye region.
        max_covered_fraction: f64 = DEFAULT_MAX_COVERED_FRACTION,
    }
);
check_config!(
    /// `eyebrows_visible`: hair must not cover the eyebrows.
    EyebrowsVisibleCheck {
        /// Largest covered share of each eyebrow region.
        max_covered_fraction: f64 = DEFAULT_MAX_BROW_COVERED_FRACTION,
    }
);

/// How many ears must show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarsRequired {
    /// Both ears must be visible (Chinese ID-card rules).
    #[default]
    Both,
    /// At least one ear.
    Either,
    /// Ears are not required (measured and reported, never failing).
    None,
}

check_config!(
    /// `ears_visible`: hair must not cover the ears.
    EarsVisibleCheck {
        /// How many ears must show.
        required: EarsRequired = EarsRequired::Both,
        /// Share of an ear zone under hair above which the ear counts as covered…
        max_hair_fraction: f64 = DEFAULT_MAX_EAR_HAIR_FRACTION,
        /// …unless at least this share of the zone is ear.
        min_ear_fraction: f64 = DEFAULT_MIN_EAR_FRACTION,
        /// Beyond this |yaw| the check is not applicable.
        max_yaw_deg: f64 = DEFAULT_EAR_MAX_YAW_DEG,
    }
);

check_config!(
    /// `headwear`: hats, caps, scarves, hoods.
    HeadwearCheck {
        /// Whether headwear is allowed (then the check only reports what it sees).
        allowed: bool = false,
        /// Area (share of face width²) of the hat class that counts as headwear.
        min_fraction: f64 = DEFAULT_MIN_HEADWEAR_FRACTION,
    }
);
check_config!(
    /// `hair_accessory`: clips, headbands, ornaments (compact colour outliers in the hair).
    HairAccessoryCheck {
        /// Whether hair accessories are allowed.
        allowed: bool = false,
        /// Area (share of face width²) of off-colour blobs in the hair that counts as an accessory.
        min_fraction: f64 = DEFAULT_MIN_HAIR_ACCESSORY_FRACTION,
    }
);
check_config!(
    /// `earrings`.
    EarringsCheck {
        /// Whether earrings are allowed.
        allowed: bool = false,
        /// Earring-class probability in an earring zone that counts as an earring.
        min_probability: f64 = DEFAULT_MIN_EARRING_PROBABILITY,
    }
);
check_config!(
    /// `necklace`.
    NecklaceCheck {
        /// Whether necklaces are allowed.
        allowed: bool = false,
        /// Necklace-class probability in the neck zone that counts as a necklace.
        min_probability: f64 = DEFAULT_MIN_NECKLACE_PROBABILITY,
    }
);

/// What a document says about glasses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlassesRule {
    /// No glasses (US since 2016, UK; Chinese receipt services in practice).
    #[default]
    Forbidden,
    /// Clear glasses only: no tinted lenses and no glare on the lenses (ICAO 9303, GA/T 461's
    /// "habitual wearers", the driving licence for corrected vision). The sources also ask for
    /// frames clear of the eyes; the parsing model labels lenses and eyes behind them as one
    /// eyeglasses region, so that part is left to the reviewer (it is not measured).
    ClearOnly,
    /// Any glasses (the check measures and reports, never fails).
    Allowed,
}

check_config!(
    /// `glasses`: what the spec's [`GlassesRule`] allows.
    GlassesCheck {
        /// The rule (`forbidden`, `clear_only` or `allowed`).
        rule: Option<GlassesRule> = None,
        /// Older form of the rule: `true` = `clear_only`, `false` = `forbidden`. `rule` wins
        /// when both are given (a child spec's `rule` over a parent's `allowed`).
        allowed: Option<bool> = None,
        /// Area (share of face width²) of the eyeglasses class that counts as glasses.
        min_fraction: f64 = DEFAULT_MIN_GLASSES_FRACTION,
    }
);

impl GlassesRule {
    /// The snake_case name used in spec files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            GlassesRule::Forbidden => "forbidden",
            GlassesRule::ClearOnly => "clear_only",
            GlassesRule::Allowed => "allowed",
        }
    }
}

impl GlassesCheck {
    /// The rule in force: `rule`, else the older `allowed`, else forbidden.
    pub fn effective_rule(&self) -> GlassesRule {
        self.rule.unwrap_or(match self.allowed {
            Some(true) => GlassesRule::ClearOnly,
            _ => GlassesRule::Forbidden,
        })
    }
}
check_config!(
    /// `background_uniform`: a plain backdrop.
    BackgroundUniformCheck {
        /// Largest L* spread around a smooth light falloff (texture, clutter).
        max_texture_l: f64 = DEFAULT_MAX_BACKGROUND_TEXTURE_L,
        /// Largest chroma spread (ΔE*ab in the a*b* plane) around a smooth trend: a backdrop
        /// of more than one colour.
        max_texture_ab: f64 = DEFAULT_MAX_BACKGROUND_TEXTURE_AB,
        /// A texture above `max_texture_l` or `max_texture_ab` fails only when it spreads at
        /// least this evenly over the backdrop (0..=1): stray hair strands or a watermark do not.
        min_texture_spread: f64 = DEFAULT_MIN_BACKGROUND_TEXTURE_SPREAD,
        /// Largest L* difference between background regions.
        max_gradient_l: f64 = DEFAULT_MAX_BACKGROUND_GRADIENT_L,
    }
);
check_config!(
    /// `background_color`: uses the spec's `[background]`.
    BackgroundColorCheck {}
);
check_config!(
    /// `background_shadow`: the head's shadow on the backdrop.
    BackgroundShadowCheck {
        /// Largest L* drop next to the head.
        max_drop_l: f64 = DEFAULT_MAX_BACKGROUND_SHADOW_L,
    }
);
check_config!(
    /// `face_shadow`: uneven light across the face.
    FaceShadowCheck {
        /// Largest lighting ratio (linear luminance) between the face halves.
        max_lighting_ratio: f64 = DEFAULT_MAX_LIGHTING_RATIO,
        /// Largest share of the hairless facial skin on a hard light edge (a cast shadow's).
        max_hard_edge_share: f64 = DEFAULT_MAX_HARD_EDGE_SHARE,
    }
);
check_config!(
    /// `glare`: specular highlights on skin or lenses.
    GlareCheck {
        /// Largest share of the facial skin that is glare.
        max_fraction: f64 = DEFAULT_MAX_GLARE_FRACTION,
        /// Largest share of the lens area that is a reflection.
        max_lens_fraction: f64 = DEFAULT_MAX_LENS_GLARE_FRACTION,
    }
);
check_config!(
    /// `sharpness`.
    SharpnessCheck {
        /// Largest blur radius of the face's sharpest edges (Gaussian σ, pixels at the
        /// output's scale when the output reduces the photo).
        max_blur_px: f64 = DEFAULT_MAX_BLUR_PX,
    }
);
check_config!(
    /// `exposure`.
    ExposureCheck {
        /// Accepted mean L* of the face.
        face_l: Range = DEFAULT_FACE_L,
        /// Largest share of clipped face pixels.
        max_clipped_fraction: f64 = DEFAULT_MAX_CLIPPED_FRACTION,
    }
);
check_config!(
    /// `color`: not grayscale or sepia, no strong cast.
    ColorCheck {
        /// Smallest mean chroma of the face.
        min_skin_chroma: f64 = DEFAULT_MIN_SKIN_CHROMA,
        /// Natural range of the facial skin's mean a*.
        natural_a: Range = DEFAULT_NATURAL_SKIN_A,
        /// Natural range of the facial skin's mean b*.
        natural_b: Range = DEFAULT_NATURAL_SKIN_B,
        /// Largest distance (ΔE*ab) of the skin's mean a*b* outside the natural ranges.
        max_cast_delta_e: f64 = DEFAULT_MAX_CAST_DELTA_E,
    }
);

/// Settings of every check, one field per check id.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct ChecksSpec {
    pub orientation: OrientationCheck,
    pub face_count: FaceCountCheck,
    pub resolution: ResolutionCheck,
    pub framing: FramingCheck,
    pub head_pose: HeadPoseCheck,
    pub head_size: HeadSizeCheck,
    pub head_position: HeadPositionCheck,
    pub eyes_open: EyesOpenCheck,
    pub mouth_closed: MouthClosedCheck,
    pub eyes_visible: EyesVisibleCheck,
    pub eyebrows_visible: EyebrowsVisibleCheck,
    pub ears_visible: EarsVisibleCheck,
    pub headwear: HeadwearCheck,
    pub hair_accessory: HairAccessoryCheck,
    pub earrings: EarringsCheck,
    pub necklace: NecklaceCheck,
    pub glasses: GlassesCheck,
    pub background_uniform: BackgroundUniformCheck,
    pub background_color: BackgroundColorCheck,
    pub face_shadow: FaceShadowCheck,
    pub background_shadow: BackgroundShadowCheck,
    pub glare: GlareCheck,
    pub sharpness: SharpnessCheck,
    pub exposure: ExposureCheck,
    pub color: ColorCheck,
}

impl ChecksSpec {
    /// Whether the check with this id is enabled.
    pub fn is_enabled(&self, id: CheckId) -> bool {
        use CheckId as C;
        match id {
            C::Orientation => self.orientation.enabled,
            C::FaceCount => self.face_count.enabled,
            C::Resolution => self.resolution.enabled,
            C::Framing => self.framing.enabled,
            C::HeadPose => self.head_pose.enabled,
            C::HeadSize => self.head_size.enabled,
            C::HeadPosition => self.head_position.enabled,
            C::EyesOpen => self.eyes_open.enabled,
            C::MouthClosed => self.mouth_closed.enabled,
            C::EyesVisible => self.eyes_visible.enabled,
            C::EyebrowsVisible => self.eyebrows_visible.enabled,
            C::EarsVisible => self.ears_visible.enabled,
            C::Headwear => self.headwear.enabled,
            C::HairAccessory => self.hair_accessory.enabled,
            C::Earrings => self.earrings.enabled,
            C::Necklace => self.necklace.enabled,
            C::Glasses => self.glasses.enabled,
            C::BackgroundUniform => self.background_uniform.enabled,
            C::BackgroundColor => self.background_color.enabled,
            C::FaceShadow => self.face_shadow.enabled,
            C::BackgroundShadow => self.background_shadow.enabled,
            C::Glare => self.glare.enabled,
            C::Sharpness => self.sharpness.enabled,
            C::Exposure => self.exposure.enabled,
            C::Color => self.color.enabled,
            // not a check of the photo: the checker judges it when it encodes the output
            C::FileSize => false,
        }
    }

    /// The enabled check ids, in the vocabulary's order.
    pub fn enabled(&self) -> impl Iterator<Item = CheckId> + '_ {
        CheckId::ALL.into_iter().filter(|id| self.is_enabled(*id))
    }
}
