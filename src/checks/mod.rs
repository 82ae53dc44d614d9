//! Compliance checks: one small unit per rule, each reading the [`Analysis`], the image and the
//! spec (never a model), each giving a measured value, the spec's limit and a reason.
//!
//! | file | checks |
//! |---|---|
//! | `geometry.rs` | `orientation`, `face_count`, `resolution`, `framing`, `head_size`, `head_position` |
//! | `pose.rs` | `head_pose` |
//! | `expression.rs` | `eyes_open`, `mouth_closed` |
//! | `occlusion.rs` | `eyes_visible`, `eyebrows_visible`, `ears_visible` |
//! | `accessories.rs` | `headwear`, `hair_accessory`, `earrings`, `necklace`, `glasses` |
//! | `background.rs` | `background_uniform`, `background_color`, `background_shadow` |
//! | `lighting.rs` | `face_shadow`, `glare` |
//! | `quality.rs` | `sharpness`, `exposure`, `color` |

mod accessories;
mod background;
mod edge_blur;
mod expression;
mod geometry;
mod lighting;
mod occlusion;
mod pose;
mod quality;
mod regions;
pub mod specular;

use std::sync::OnceLock;

use image::RgbImage;

use crate::analysis::Analysis;
use crate::models::sample::Pyramid;
use crate::normalize::{self, FramePlan, HeadGeometry};
use crate::report::{CheckId, CheckResult, ReasonCode};
use crate::spec::PhotoSpec;

pub use regions::{
    class_nodes, grow, max_in_zone, point_in_polygon, BackgroundStats, FaceCell, FaceStats,
    ProbNode,
};

/// Everything a check may read about one photo.
pub struct Subject<'a> {
    /// The source image (upright, 8-bit RGB).
    pub image: &'a RgbImage,
    /// What the models found; `None` when no models are loaded.
    pub analysis: Option<&'a Analysis>,
    /// The spec checked against.
    pub spec: &'a PhotoSpec,
    /// Head measurements of the main face.
    pub head: Option<HeadGeometry>,
    /// The output crop plan for the spec.
    pub plan: Option<FramePlan>,
    pyramid: OnceLock<Pyramid<'a>>,
    face: OnceLock<Option<FaceStats>>,
    highlights: OnceLock<Option<specular::Highlights>>,
    background: OnceLock<Option<BackgroundStats>>,
}

impl<'a> Subject<'a> {
    /// Measures the head and plans the output crop.
    pub fn new(image: &'a RgbImage, analysis: Option<&'a Analysis>, spec: &'a PhotoSpec) -> Self {
        let head = analysis.and_then(|a| HeadGeometry::measure_with_image(a, image));
        let plan = head
            .as_ref()
            .map(|g| normalize::plan(g, spec, image.width(), image.height()));
        Subject {
            image,
            analysis,
            spec,
            head,
            plan,
            pyramid: OnceLock::new(),
            face: OnceLock::new(),
            highlights: OnceLock::new(),
            background: OnceLock::new(),
        }
    }

    /// Takes the anti-aliasing pyramid's levels the analysis built from this image instead of
    /// building them again (they are the same pixels).
    pub(crate) fn with_pyramid_levels(self, levels: crate::models::sample::PyramidLevels) -> Self {
        let _ = self.pyramid.set(Pyramid::with_levels(self.image, levels));
        self
    }

    /// The anti-aliasing pyramid of the image, built once for every check and the render.
    pub(crate) fn pyramid(&self) -> &Pyramid<'a> {
        self.pyramid.get_or_init(|| Pyramid::new(self.image))
    }

    /// Per-cell colour and class over the parsing region (computed once).
    pub fn face_stats(&self) -> Option<&FaceStats> {
        self.face
            .get_or_init(|| {
                let a = self.analysis?;
                FaceStats::compute(self.image, a.parsing.as_ref()?, self.head.as_ref()?)
            })
            .as_ref()
    }

    /// Specular highlights on the skin and reflections in the lenses (computed once).
    pub fn highlights(&self) -> Option<&specular::Highlights> {
        self.highlights
            .get_or_init(|| specular::find(self.face_stats()?, self.head.as_ref()?))
            .as_ref()
    }

    /// Background pixels and their distance to the person (computed once).
    pub fn background_stats(&self) -> Option<&BackgroundStats> {
        self.background
            .get_or_init(|| {
                let a = self.analysis?;
                BackgroundStats::compute(self.pyramid(), a, self.head.as_ref()?)
            })
            .as_ref()
    }
}

/// What a check needs before it can run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Analysis,
    Face,
    Parsing,
    Person,
}

fn needs(id: CheckId) -> Needs {
    use CheckId as C;
    match id {
        C::Orientation | C::FaceCount | C::FileSize => Needs::Analysis,
        C::Resolution
        | C::Framing
        | C::HeadPose
        | C::HeadSize
        | C::HeadPosition
        | C::EyesOpen
        | C::MouthClosed => Needs::Face,
        C::Sharpness => Needs::Face,
        C::EyesVisible
        | C::EyebrowsVisible
        | C::EarsVisible
        | C::Headwear
        | C::HairAccessory
        | C::Earrings
        | C::Necklace
        | C::Glasses
        | C::FaceShadow
        | C::Glare
        | C::Exposure
        | C::Color => Needs::Parsing,
        C::BackgroundUniform | C::BackgroundColor | C::BackgroundShadow => Needs::Person,
    }
}

/// Runs every enabled check of the spec. Checks that cannot run say why (`not_applicable`).
pub fn run_all(s: &Subject<'_>) -> Vec<CheckResult> {
    s.spec.checks.enabled().map(|id| run_one(s, id)).collect()
}

/// Runs one check, or says why it cannot run.
pub fn run_one(s: &Subject<'_>, id: CheckId) -> CheckResult {
    let Some(a) = s.analysis else {
        return CheckResult::not_applicable(id, ReasonCode::AnalysisUnavailable);
    };
    let need = needs(id);
    if need != Needs::Analysis && (a.main().is_none() || a.landmarks.is_none() || s.head.is_none())
    {
        return CheckResult::not_applicable(id, ReasonCode::NeedsOneFace);
    }
    if need == Needs::Parsing && a.parsing.is_none() {
        return CheckResult::not_applicable(id, ReasonCode::ParsingUnavailable);
    }
    if need == Needs::Person && a.person.is_none() {
        return CheckResult::not_applicable(id, ReasonCode::SegmentationUnavailable);
    }
    let c = &s.spec.checks;
    use CheckId as C;
    match id {
        C::Orientation => geometry::orientation(a),
        C::FaceCount => geometry::face_count(a, &c.face_count),
        C::Resolution => geometry::resolution(s, &c.resolution),
        C::Framing => geometry::framing(s),
        C::HeadSize => geometry::head_size(s),
        C::HeadPosition => geometry::head_position(s),
        C::HeadPose => pose::head_pose(a, &c.head_pose),
        C::EyesOpen => expression::eyes_open(a, &c.eyes_open),
        C::MouthClosed => expression::mouth_closed(s, &c.mouth_closed),
        C::EyesVisible => occlusion::eyes_visible(s, &c.eyes_visible),
        C::EyebrowsVisible => occlusion::eyebrows_visible(s, &c.eyebrows_visible),
        C::EarsVisible => occlusion::ears_visible(s, &c.ears_visible),
        C::Headwear => accessories::headwear(s, &c.headwear),
        C::HairAccessory => accessories::hair_accessory(s, &c.hair_accessory),
        C::Earrings => accessories::earrings(s, &c.earrings),
        C::Necklace => accessories::necklace(s, &c.necklace),
        C::Glasses => accessories::glasses(s, &c.glasses),
        C::BackgroundUniform => background::uniform(s, &c.background_uniform),
        C::BackgroundColor => background::color(s),
        C::BackgroundShadow => background::shadow(s, &c.background_shadow),
        C::FaceShadow => lighting::face_shadow(s, &c.face_shadow),
        C::Glare => lighting::glare(s, &c.glare),
        C::Sharpness => quality::sharpness(s, &c.sharpness),
        C::Exposure => quality::exposure(s, &c.exposure),
        C::Color => quality::color(s, &c.color),
        // judged on the encoded output by the checker, never from the analysis
        C::FileSize => CheckResult::not_applicable(id, ReasonCode::FileSizeNotMeasured),
    }
}
