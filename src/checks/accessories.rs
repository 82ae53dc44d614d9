//! `headwear`, `hair_accessory`, `earrings`, `necklace`, `glasses`.

use super::lighting::median;
use super::regions::{class_nodes, components, grow, max_in_zone, point_in_polygon};
use super::Subject;
use crate::analysis::{mesh, FaceClass as K};
use crate::color::{delta_e2000, Lab};
use crate::report::{CheckId, CheckResult, Measure, ReasonCode, Status};
use crate::spec::{
    EarringsCheck, GlassesCheck, GlassesRule, HairAccessoryCheck, HeadwearCheck, NecklaceCheck,
};
use crate::zones;

/// A cell of the head region this colourful (C*ab)…
const ACCESSORY_MIN_CHROMA: f32 = 25.0;
/// …this far in colour (a*b* distance, lightness left out) from the hair's median colour…
const ACCESSORY_MIN_HUE_DISTANCE: f32 = 25.0;
/// …and this far (ΔE2000) from the backdrop's median colour is an ornament. Leaving lightness
/// out keeps highlights, grey strands and shadowed hair (same hue, other lightness) out; the
/// backdrop distance keeps the backdrop seen through thin or windblown hair out; dyed hair is
/// the hair's own median colour.
const ACCESSORY_MIN_BACKDROP_DELTA_E: f64 = 15.0;
/// Where the hair model gives its opinion, a head-region cell it calls hair with at most this
/// probability…
const ORNAMENT_MAX_HAIR_PROB: f32 = 0.2;
/// …whose colour (a*b*, lightness left out) is this far from both the hair's and the facial
/// skin's median colour is not hair even when it is not colourful enough for the rule above
/// (a pale blue or lilac flower). The second model is what lets the colour test be milder;
/// light and shade still cannot pass it: they change the lightness of hair and skin, not their
/// hue, and the hair model misses blond and shaded hair, and a shaded forehead under a fringe
/// is hair to the parsing model.
const ORNAMENT_MIN_HUE_DISTANCE: f32 = 15.0;
/// Below this L* a cell's hue is too faint to tell (black hair in shadow reads as any hue).
const ORNAMENT_MIN_L: f32 = 20.0;
/// Below this chroma (C*ab) a colour has no hue of its own: a white or grey surface takes the
/// colour of the light on it (a cast of a few hundred kelvin, or daylight from a window beside
/// a warm lamp, tints white by up to about 10 in b*). Where both a cell and the hair's median
/// are that neutral, their "hue distance" is the light's, not the objects': white hair lit
/// bluish from above and warm from the front reads as two hues of one grey
/// (`tests/fixtures/photos/biden.jpg`: the crown at C*ab 7–12, the hair's median at 8; the
/// hair model, which misses white hair as it misses blond, calls the crown no hair).
const ORNAMENT_MIN_CHROMA: f32 = 10.0;
/// The head region searched reaches this far below the eye line (share of the face width):
/// clips sit at the temples and beside the ears, bands and crowns on top.
const ACCESSORY_MAX_V: f32 = 0.3;
/// Lens area (eyes excluded) darker than the facial skin by this much L* is a tinted lens.
pub(crate) const TINTED_MIN_DROP_L: f64 = 25.0;

/// Area of the cells of `ks`, as a share of face width²; `above_eyes` keeps only cells above
/// the eye line (a hat sits on the head; a collar labelled "hat" does not count).
fn area_share(s: &Subject<'_>, ks: &[K], above_eyes: bool) -> Option<f64> {
    let st = s.face_stats()?;
    let fw = s.head.as_ref()?.face_width;
    let n = st
        .of_classes(ks)
        .filter(|c| !above_eyes || c.v < 0.0)
        .count() as f64;
    Some(n * (st.cell as f64).powi(2) / (fw * fw).max(1.0))
}

/// Judges an accessory: present when `strength` reaches `min` (named `min_name` in the
/// limit); a failure unless the spec allows it. `measured` are the values reported beside
/// `present`.
fn judge_presence(
    id: CheckId,
    measured: &[(&str, f64)],
    strength: f64,
    (min_name, min): (&str, f64),
    allowed: bool,
    code: ReasonCode,
) -> CheckResult {
    let present = strength >= min;
    let value = Measure::nested(
        measured
            .iter()
            .map(|&(k, v)| (k, Measure::num(v)))
            .chain([("present", Measure::Bool(present))]),
    );
    let limit = Measure::nested([
        (min_name, Measure::num(min)),
        ("allowed", Measure::Bool(allowed)),
    ]);
    CheckResult::judge(id, allowed || !present, value, limit, code)
}

/// No hat, cap, scarf or hood.
pub fn headwear(s: &Subject<'_>, cfg: &HeadwearCheck) -> CheckResult {
    let Some(area) = area_share(s, &[K::Hat], true) else {
        return CheckResult::not_applicable(CheckId::Headwear, ReasonCode::ParsingUnavailable);
    };
    judge_presence(
        CheckId::Headwear,
        &[("fraction", area)],
        area,
        ("min_fraction", cfg.min_fraction),
        cfg.allowed,
        ReasonCode::HeadwearPresent,
    )
}

/// No earrings: the parsing model's earring probability around and below both ears, off the
/// face's own skin.
///
/// An earring hangs from the ear lobe, beside or below the jaw line: it is never on the
/// cheek. The parsing model's earring probability also rises over the lower cheek of faces
/// framed by long hair (CelebAMask-HQ's earring wearers), a broad patch of 0.2–0.3 with no
/// jewellery in it (`../shared/eval`: 11 photos with no earring to be seen read ≥ 0.2 only
/// there, and so do 3 with earrings a few pixels across, whose jewellery itself reads under
/// 0.15). So a node inside the face's outline (the mesh's face oval) or on what the parsing
/// model itself calls skin does not count; the ear, the hair, the neck and the backdrop
/// beside them do.
pub fn earrings(s: &Subject<'_>, cfg: &EarringsCheck) -> CheckResult {
    let (Some(a), Some(g)) = (s.analysis, s.head.as_ref()) else {
        return CheckResult::not_applicable(CheckId::Earrings, ReasonCode::NeedsOneFace);
    };
    let (Some(p), Some(lm)) = (a.parsing.as_ref(), a.landmarks.as_ref()) else {
        return CheckResult::not_applicable(CheckId::Earrings, ReasonCode::ParsingUnavailable);
    };
    let mut nodes = class_nodes(p, K::Earring, a.width, a.height);
    nodes.retain(|n| p.class_at(n.x, n.y) != Some(K::Skin));
    let face = zones::face_oval(lm);
    let [zr, zl] = zones::earrings(g, lm);
    let (r, l) = (
        max_in_zone(&nodes, &zr, &[&face]),
        max_in_zone(&nodes, &zl, &[&face]),
    );
    uncertain_below_resolution(
        s,
        judge_presence(
            CheckId::Earrings,
            &[("right", r), ("left", l)],
            r.max(l),
            ("min_probability", cfg.min_probability),
            cfg.allowed,
            ReasonCode::EarringsPresent,
        ),
    )
}

/// A small-object finding (earrings, a necklace) on a face with fewer pixels than the spec's
/// `resolution` check accepts becomes a warning: there the parsing model sees an upsampled,
/// blurred crop and its small classes fire on bare ear lobes (`../shared/eval`: the two
/// earring readings ≥ 0.2 on men without earrings, 0.26 and 0.32, are both on such faces,
/// upscale 1.67 and 1.82 against 1.5; no photo labelled with earrings is). The photo fails
/// `resolution` anyway; telling its owner to remove earrings they may not wear would mislead.
fn uncertain_below_resolution(s: &Subject<'_>, r: CheckResult) -> CheckResult {
    let cfg = &s.spec.checks.resolution;
    let upscale = s.plan.as_ref().map_or(1.0, |p| p.scale);
    if r.status != Status::Fail || super::geometry::upscale_within(upscale, cfg) {
        return r;
    }
    let max = cfg.max_upscale;
    let code = r
        .reason
        .as_ref()
        .map_or(ReasonCode::LowResolution, |x| x.code);
    let mut w = CheckResult::warn(r.id, r.value, r.limit, code);
    if let Some(reason) = w.reason.take() {
        w.reason = Some(reason.with_detail(format!(
            "uncertain: the face is upscaled {upscale:.2}× (max {max}), too few pixels to tell"
        )));
    }
    w
}

/// No necklace: the parsing model's necklace probability on the neck and collar line.
pub fn necklace(s: &Subject<'_>, cfg: &NecklaceCheck) -> CheckResult {
    let (Some(a), Some(g)) = (s.analysis, s.head.as_ref()) else {
        return CheckResult::not_applicable(CheckId::Necklace, ReasonCode::NeedsOneFace);
    };
    let Some(p) = a.parsing.as_ref() else {
        return CheckResult::not_applicable(CheckId::Necklace, ReasonCode::ParsingUnavailable);
    };
    let nodes = class_nodes(p, K::Necklace, a.width, a.height);
    let prob = max_in_zone(&nodes, &zones::necklace(g), &[]);
    uncertain_below_resolution(
        s,
        judge_presence(
            CheckId::Necklace,
            &[("probability", prob)],
            prob,
            ("min_probability", cfg.min_probability),
            cfg.allowed,
            ReasonCode::NecklacePresent,
        ),
    )
}

/// The largest compact ornament in the hair, as a share of face width²: the largest
/// 8-connected group of head-region cells (hair, or backdrop-labelled cells the person mask
/// holds, or clothing above the eyes: a band or bun ornament the parsing model does not call
/// hair; or "hat" above the eyes where there is too little of it to be a hat) whose colour is
/// an outlier against both the hair and the backdrop ([`ACCESSORY_MIN_CHROMA`],
/// [`ACCESSORY_MIN_HUE_DISTANCE`], [`ACCESSORY_MIN_BACKDROP_DELTA_E`]). Scattered outlier
/// cells (strands, noise) form small groups; an ornament forms one.
#[allow(
    clippy::indexing_slicing,
    reason = "indices range over the grid's size² cells"
)]
pub fn hair_ornament_area(s: &Subject<'_>) -> Option<f64> {
    let st = s.face_stats()?;
    let a = s.analysis?;
    let fw = s.head.as_ref()?.face_width as f32;
    if st.of_class(K::Hair).next().is_none() {
        return Some(0.0);
    }
    let hair = Lab::median(st.of_class(K::Hair).map(|c| c.lab));
    let backdrop = s
        .background_stats()
        .filter(|b| !b.pixels.is_empty())
        .map(|b| Lab::median(b.pixels.iter().map(|p| p.lab)));
    let skin = st
        .of_class(K::Skin)
        .next()
        .map(|_| Lab::median(st.of_class(K::Skin).map(|c| c.lab)));
    let hair_model = a.hair.as_ref();
    let hair_has_hue = hair.chroma() >= ORNAMENT_MIN_CHROMA;
    // "hat" cells too few to make a hat (the `headwear` check's own bar) are something worn in
    // the hair that the parsing model has only the hat class for: a flower, a bow
    let hat_too_small =
        area_share(s, &[K::Hat], true).is_some_and(|h| h < s.spec.checks.headwear.min_fraction);
    let kinds: &[K] = if hat_too_small {
        &[K::Hair, K::Background, K::Cloth, K::Hat]
    } else {
        &[K::Hair, K::Background, K::Cloth]
    };
    let n = st.size;
    let mut outlier = vec![false; n * n];
    // only hair, backdrop, clothes and (see above) hat cells can be part of an ornament
    // (`in_head` below)
    for i in st.indices_of(kinds) {
        let Some(c) = &st.grid[i] else { continue };
        // the cheap colour tests first: most cells are not outliers
        if c.v > ACCESSORY_MAX_V * fw {
            continue;
        }
        let hue_distance = ((c.lab.a - hair.a).powi(2) + (c.lab.b - hair.b).powi(2)).sqrt();
        let colourful =
            c.lab.chroma() > ACCESSORY_MIN_CHROMA && hue_distance > ACCESSORY_MIN_HUE_DISTANCE;
        let not_hair = || {
            c.lab.l > ORNAMENT_MIN_L
                && (hair_has_hue || c.lab.chroma() >= ORNAMENT_MIN_CHROMA)
                && hue_distance > ORNAMENT_MIN_HUE_DISTANCE
                && hair_model.is_some_and(|m| m.prob_at(c.x, c.y) <= ORNAMENT_MAX_HAIR_PROB)
                && skin.is_none_or(|k| {
                    ((c.lab.a - k.a).powi(2) + (c.lab.b - k.b).powi(2)).sqrt()
                        > ORNAMENT_MIN_HUE_DISTANCE
                })
        };
        if !(colourful || not_hair()) {
            continue;
        }
        let in_head = match c.class {
            K::Hair => true,
            K::Background => a
                .person
                .as_ref()
                .is_some_and(|m| m.prob_at(c.x, c.y) >= crate::normalize::PERSON_THRESHOLD),
            K::Cloth | K::Hat => c.v < 0.0,
            _ => false,
        };
        outlier[i] = in_head
            && backdrop.is_none_or(|b| delta_e2000(c.lab, b) > ACCESSORY_MIN_BACKDROP_DELTA_E);
    }
    let comps = components(&outlier, n, n);
    let best = comps.iter().map(Vec::len).max().unwrap_or(0);
    Some(best as f64 * (st.cell as f64 / fw as f64).powi(2))
}

/// No clips, headbands or ornaments in the hair.
pub fn hair_accessory(s: &Subject<'_>, cfg: &HairAccessoryCheck) -> CheckResult {
    let Some(area) = hair_ornament_area(s) else {
        return CheckResult::not_applicable(CheckId::HairAccessory, ReasonCode::ParsingUnavailable);
    };
    judge_presence(
        CheckId::HairAccessory,
        &[("fraction", area)],
        area,
        ("min_fraction", cfg.min_fraction),
        cfg.allowed,
        ReasonCode::HairAccessoryPresent,
    )
}

/// The eyeglasses' share of the face and how much darker than the face's skin their lenses
/// are (L*, the eyes themselves left out): about 0 behind clear lenses, 25 and more behind
/// tinted ones. `None` without parsing or landmarks.
pub(crate) fn lens_tint(s: &Subject<'_>) -> Option<(f64, f64)> {
    let share = area_share(s, &[K::Eyeglasses], false)?;
    let st = s.face_stats()?;
    let lm = s.analysis.and_then(|a| a.landmarks.as_ref())?;
    // Lens area around the eyes (the eyes themselves excluded): about as light as the skin
    // behind clear lenses, much darker behind tinted ones.
    let skin_l = st.mean_l(K::Skin).unwrap_or(0.0);
    let eye_outlines = [&mesh::RIGHT_EYE_CONTOUR[..], &mesh::LEFT_EYE_CONTOUR[..]]
        .map(|idx| idx.iter().map(|&i| lm.xy(i)).collect::<Vec<_>>());
    let eyes: Vec<Vec<[f32; 2]>> = eye_outlines.iter().map(|p| grow(p, 1.5)).collect();
    let lens: Vec<f64> = st
        .of_class(K::Eyeglasses)
        .filter(|c| !eyes.iter().any(|p| point_in_polygon([c.x, c.y], p)))
        .map(|c| c.lab.l as f64)
        .collect();
    // the median, not the mean: the class holds the frames too, a dark ring around the lens
    // that a thick black frame makes a third of the region; the lens interior is the majority
    let eye_l = median(lens).unwrap_or(skin_l);
    Some((share, skin_l - eye_l))
}

/// Whether glasses of `share` with lenses `drop` L* darker than the skin are tinted: present
/// (at the spec's glasses fraction) and darker than [`TINTED_MIN_DROP_L`].
pub(crate) fn tinted(share: f64, drop: f64, min_fraction: f64) -> bool {
    share >= min_fraction && drop > TINTED_MIN_DROP_L
}

/// Glasses as the spec allows; tinted lenses or frames over the eyes always fail.
pub fn glasses(s: &Subject<'_>, cfg: &GlassesCheck) -> CheckResult {
    let Some((share, drop)) = lens_tint(s) else {
        return CheckResult::not_applicable(CheckId::Glasses, ReasonCode::ParsingUnavailable);
    };
    let rule = cfg.effective_rule();
    let present = share >= cfg.min_fraction;
    let lens_glare = s.highlights().map_or(0.0, |h| h.lens_fraction());
    let max_glare = s.spec.checks.glare.max_lens_fraction;
    let value = Measure::nested([
        ("fraction", Measure::num(share)),
        ("present", Measure::Bool(present)),
        ("lens_darkening_l", Measure::num(drop)),
        ("lens_fraction", Measure::num(lens_glare)),
    ]);
    let limit = Measure::nested([
        ("min_fraction", Measure::num(cfg.min_fraction)),
        ("rule", Measure::Text(rule.as_str().into())),
        ("max_lens_darkening_l", Measure::num(TINTED_MIN_DROP_L)),
        ("max_lens_fraction", Measure::num(max_glare)),
    ]);
    let mut reasons: Vec<ReasonCode> = Vec::new();
    match rule {
        _ if !present => {}
        GlassesRule::Allowed => {}
        GlassesRule::Forbidden => reasons.push(ReasonCode::GlassesPresent),
        GlassesRule::ClearOnly => {
            if tinted(share, drop, cfg.min_fraction) {
                reasons.push(ReasonCode::GlassesObscureEyes);
            }
            if lens_glare > max_glare {
                reasons.push(ReasonCode::GlassesGlare);
            }
        }
    }
    CheckResult::with_reasons(
        CheckId::Glasses,
        value,
        limit,
        reasons.into_iter().map(Into::into),
    )
}
