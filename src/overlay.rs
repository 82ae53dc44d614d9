//! Annotated images for reviewers: face box, landmarks, parsing regions and the output crop.

use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_filled_circle_mut, draw_hollow_rect_mut, draw_line_segment_mut};
use imageproc::rect::Rect;

use crate::analysis::{Analysis, FaceClass};
use crate::normalize::FramePlan;

/// Colour of each parsing class in the overlay tint.
pub fn class_color(k: FaceClass) -> [u8; 3] {
    use FaceClass as K;
    match k {
        K::Background => [0, 0, 0],
        K::Skin => [255, 200, 150],
        K::LeftBrow | K::RightBrow => [120, 60, 20],
        K::LeftEye | K::RightEye => [0, 120, 255],
        K::Eyeglasses => [160, 0, 255],
        K::LeftEar | K::RightEar => [0, 220, 0],
        K::Earring => [255, 0, 0],
        K::Nose => [255, 150, 0],
        K::Mouth | K::UpperLip | K::LowerLip => [255, 0, 120],
        K::Neck => [200, 160, 120],
        K::Necklace => [255, 0, 0],
        K::Cloth => [80, 80, 160],
        K::Hair => [90, 40, 0],
        K::Hat => [255, 255, 0],
    }
}

/// What to draw.
#[derive(Clone, Copy, Debug)]
pub struct OverlayOptions {
    /// Tint the parsing classes.
    pub parsing: bool,
    /// Opacity of the tint, 0..=1.
    pub tint: f32,
    /// Dots on the 468 mesh landmarks (they hide expression and brows: off for review).
    pub landmarks: bool,
}

impl Default for OverlayOptions {
    fn default() -> Self {
        OverlayOptions {
            parsing: true,
            tint: 0.45,
            landmarks: true,
        }
    }
}

/// Draws the analysis and the crop frame over a copy of `img`, the photo as decoded: when the
/// analysis turned it upright ([`Analysis::rotation`]), the copy is turned the same way.
#[allow(
    clippy::indexing_slicing,
    reason = "channel indices 0..3; corner indices modulo 4"
)]
pub fn draw(
    img: &RgbImage,
    a: &Analysis,
    plan: Option<&FramePlan>,
    opts: OverlayOptions,
) -> RgbImage {
    let mut out = a.rotation.apply(img).unwrap_or_else(|| img.clone());
    let (w, h) = out.dimensions();
    if let (true, Some(p)) = (opts.parsing, &a.parsing) {
        for y in 0..h {
            for x in 0..w {
                if let Some(k) = p.class_at(x as f32 + 0.5, y as f32 + 0.5) {
                    if k == FaceClass::Background {
                        continue;
                    }
                    let c = class_color(k);
                    let px = out.get_pixel_mut(x, y);
                    for i in 0..3 {
                        px[i] = (px[i] as f32 * (1.0 - opts.tint) + c[i] as f32 * opts.tint) as u8;
                    }
                }
            }
        }
    }
    let thick = ((w.max(h) / 400).max(1)) as i32;
    for (i, f) in a.faces.iter().enumerate() {
        let color = if Some(i) == a.main_face {
            Rgb([0, 255, 0])
        } else {
            Rgb([255, 0, 0])
        };
        for t in 0..thick {
            let r = Rect::at(f.bbox.x as i32 - t, f.bbox.y as i32 - t).of_size(
                (f.bbox.w as u32 + 2 * t as u32).max(1),
                (f.bbox.h as u32 + 2 * t as u32).max(1),
            );
            draw_hollow_rect_mut(&mut out, r, color);
        }
    }
    if let (true, Some(lm)) = (opts.landmarks, &a.landmarks) {
        for p in &lm.points {
            draw_filled_circle_mut(
                &mut out,
                (p[0] as i32, p[1] as i32),
                thick,
                Rgb([0, 255, 255]),
            );
        }
    }
    if let Some(plan) = plan {
        let (pw, ph) = (plan.width as f64, plan.height as f64);
        let corners = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
        for i in 0..4 {
            let (a0, b0) = plan.map.apply(corners[i].0, corners[i].1);
            let (a1, b1) = plan
                .map
                .apply(corners[(i + 1) % 4].0, corners[(i + 1) % 4].1);
            for t in 0..thick {
                let o = t as f32;
                draw_line_segment_mut(
                    &mut out,
                    (a0 as f32 + o, b0 as f32 + o),
                    (a1 as f32 + o, b1 as f32 + o),
                    Rgb([255, 255, 0]),
                );
            }
        }
    }
    out
}

/// One label of [`draw_report`]: its box in the overlay, its text (the check's Chinese and
/// English title) and whether the check needs a retake (red) or is fixed (orange).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Left edge, pixels.
    pub x: i32,
    /// Top edge, pixels.
    pub y: i32,
    /// Box width, pixels.
    pub width: u32,
    /// Box height, pixels.
    pub height: u32,
    /// `耳朵可见 Ears visible`.
    pub text: String,
    /// Whether the check needs a retake.
    pub retake: bool,
}

/// Where [`draw_report`] puts a label for each broken check on a `w` × `h` overlay: next to
/// the check's region, inside the image, no two boxes overlapping.
pub fn report_labels(report: &crate::report::Report, a: &Analysis, w: u32, h: u32) -> Vec<Label> {
    use ab_glyph::{FontRef, PxScale};
    let Ok(font) = FontRef::try_from_slice(FONT) else {
        return Vec::new();
    };
    let scale = PxScale::from((h as f32 / 40.0).clamp(12.0, 48.0));
    let mut placed: Vec<Rect> = Vec::new();
    let mut out = Vec::new();
    for c in report.checks.iter().filter(|c| c.is_broken()) {
        let anchor = regions_of(c.id, a).into_iter().find_map(|r| match r {
            Region::Box(x, y, _, _) => Some((x as i32, y as i32)),
            Region::Poly(p) => p.first().map(|q| (q[0] as i32, q[1] as i32)),
        });
        let Some((x, y)) = anchor else {
            continue;
        };
        let (zh, en) = c.id.title();
        let text = format!("{zh} {en}");
        let (tw, th) = imageproc::drawing::text_size(scale, &font, &text);
        let (bw, bh) = (tw + 6, th + 6);
        let rect = place_label((x, y - bh as i32 - 2), (bw, bh), (w, h), &placed);
        placed.push(rect);
        out.push(Label {
            x: rect.left(),
            y: rect.top(),
            width: rect.width(),
            height: rect.height(),
            text,
            retake: c.needs_retake(),
        });
    }
    out
}

/// A label's box near `want` (its top-left corner), inside the `w` × `h` image and clear of
/// every box already `placed`: tried at `want`, then stepped down and up by its height.
fn place_label(want: (i32, i32), size: (u32, u32), (w, h): (u32, u32), placed: &[Rect]) -> Rect {
    let (bw, bh) = (size.0.min(w).max(1), size.1.min(h).max(1));
    let clamp = |x: i32, y: i32| {
        Rect::at(x.clamp(0, (w - bw) as i32), y.clamp(0, (h - bh) as i32)).of_size(bw, bh)
    };
    let step = bh as i32 + 2;
    for k in 0..(2 * h as i32 / step + 2) {
        // 0, +1, -1, +2, -2, ... steps
        let off = if k % 2 == 0 { k / 2 } else { -(k / 2 + 1) };
        let r = clamp(want.0, want.1 + off * step);
        if !placed.iter().any(|p| p.intersect(r).is_some()) {
            return r;
        }
    }
    clamp(want.0, want.1)
}

/// The font used for labels, Chinese and Latin: Noto Sans CJK SC Bold cut down to the
/// characters of the check titles and reasons, the spec names and the review pages' and receipt slip's labels (96 KB; SIL OFL 1.1,
/// `assets/fonts/LICENSE-NotoSansCJK.txt`; regenerated by `assets/fonts/subset_noto_cjk.py`).
const FONT: &[u8] = include_bytes!("../assets/fonts/NotoSansCJKsc-Bold-subset.otf");

/// The font the overlays label with (OpenType bytes; it also holds the characters of every
/// spec's name), for front-ends that draw text the same way (the receipt slip).
pub fn label_font() -> &'static [u8] {
    FONT
}
/// Outline colour of a failed check's region that needs a new photo.
pub const FAIL_COLOR: Rgb<u8> = Rgb([230, 20, 20]);
/// Outline colour of a failed check the library fixes itself (re-framing, new background).
pub const AUTO_COLOR: Rgb<u8> = Rgb([255, 150, 0]);

/// A region of the source image, in source pixels.
enum Region {
    Box(f32, f32, f32, f32),
    Poly(Vec<[f32; 2]>),
}

fn bbox_of(points: &[[f32; 2]]) -> Region {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in points {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    Region::Box(x0, y0, x1 - x0, y1 - y0)
}

/// Where a failed check points at in the photo.
fn regions_of(id: crate::report::CheckId, a: &Analysis) -> Vec<Region> {
    use crate::analysis::mesh;
    use crate::report::CheckId as C;
    let (Some(face), Some(lm)) = (a.main(), a.landmarks.as_ref()) else {
        return a
            .faces
            .iter()
            .map(|f| Region::Box(f.bbox.x, f.bbox.y, f.bbox.w, f.bbox.h))
            .collect();
    };
    let fb = Region::Box(face.bbox.x, face.bbox.y, face.bbox.w, face.bbox.h);
    let head = crate::normalize::HeadGeometry::measure(a);
    // the zones a check looked at (`crate::zones`), or the face box without head geometry
    let zoned =
        |zones: &dyn Fn(&crate::normalize::HeadGeometry) -> Vec<crate::zones::Polygon>| match &head
        {
            Some(g) => zones(g).into_iter().map(Region::Poly).collect(),
            None => vec![Region::Box(
                face.bbox.x,
                face.bbox.y,
                face.bbox.w,
                face.bbox.h,
            )],
        };
    let poly = |idx: &[usize]| Region::Poly(idx.iter().map(|&i| lm.xy(i)).collect());
    let class_box = |k: FaceClass| {
        a.parsing
            .as_ref()
            .and_then(|p| p.bbox_of(k))
            .map(|b| Region::Box(b.x, b.y, b.w, b.h))
    };
    match id {
        C::FaceCount => a
            .faces
            .iter()
            .map(|f| Region::Box(f.bbox.x, f.bbox.y, f.bbox.w, f.bbox.h))
            .collect(),
        C::EyesOpen | C::EyesVisible => vec![
            poly(&mesh::RIGHT_EYE_CONTOUR),
            poly(&mesh::LEFT_EYE_CONTOUR),
        ],
        C::EyebrowsVisible => vec![poly(&mesh::RIGHT_BROW), poly(&mesh::LEFT_BROW)],
        C::MouthClosed => {
            let m = [
                lm.xy(mesh::MOUTH_CORNERS[0]),
                lm.xy(mesh::MOUTH_CORNERS[1]),
                lm.xy(mesh::OUTER_LIPS[0]),
                lm.xy(mesh::OUTER_LIPS[1]),
            ];
            vec![bbox_of(&m)]
        }
        C::EarsVisible => zoned(&|g| crate::zones::ears(g, lm).to_vec()),
        C::Headwear => class_box(FaceClass::Hat).into_iter().collect(),
        C::Earrings => zoned(&|g| crate::zones::earrings(g, lm).to_vec()),
        C::Necklace => zoned(&|g| vec![crate::zones::necklace(g)]),
        C::Glasses => class_box(FaceClass::Eyeglasses).into_iter().collect(),
        C::HairAccessory => class_box(FaceClass::Hair).into_iter().collect(),
        C::BackgroundUniform | C::BackgroundColor | C::BackgroundShadow => {
            vec![Region::Box(
                1.0,
                1.0,
                a.width as f32 - 3.0,
                a.height as f32 - 3.0,
            )]
        }
        _ => vec![fb],
    }
}

/// The highlights and lens reflections the glare check found, each outlined (the face box
/// when none can be measured).
fn glare_regions(img: &RgbImage, a: &Analysis) -> Vec<Region> {
    let found = crate::normalize::HeadGeometry::measure_with_image(a, img).and_then(|head| {
        let st = crate::checks::FaceStats::compute(img, a.parsing.as_ref()?, &head)?;
        crate::checks::specular::find(&st, &head)
    });
    let Some(h) = found else {
        return regions_of(crate::report::CheckId::Glare, a);
    };
    h.spots
        .iter()
        .map(|s| s.bbox)
        .chain(h.lens_bbox)
        .map(|[x, y, w, h]| Region::Box(x - 2.0, y - 2.0, w + 4.0, h + 4.0))
        .collect()
}

/// Draws the analysis (faces, mesh, output crop) and outlines, with a short label, the region
/// each failed check of `report` points at: the ears, brows, eyes, mouth, an accessory's
/// parsing region, the face, or the whole backdrop — red ([`FAIL_COLOR`]) when the person must
/// retake the photo, orange ([`AUTO_COLOR`]) when the library fixes it.
///
/// ```
/// use idphoto::Checker;
///
/// let checker = Checker::builder().build()?;
/// let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/photos/obama.jpg");
/// let outcome = checker.process_path(photo, "cn/id-card")?;
/// let image = idphoto::image::open(photo).map_err(|e| idphoto::Error::CorruptImage(e.to_string()))?.to_rgb8();
/// let analysis = outcome.analysis.as_ref().expect("a face was found");
/// let overlay = idphoto::overlay::draw_report(&image, &outcome.report, analysis, outcome.plan.as_ref());
/// assert_eq!(overlay.dimensions(), image.dimensions());
/// let png = idphoto::image_io::encode_png(&overlay, 72, false)?; // or overlay.save("overlay.png")
/// assert!(png.starts_with(b"\x89PNG"));
/// # Ok::<(), idphoto::Error>(())
/// ```
pub fn draw_report(
    img: &RgbImage,
    report: &crate::report::Report,
    a: &Analysis,
    plan: Option<&FramePlan>,
) -> RgbImage {
    draw_report_with(img, report, a, plan, false)
}

/// As [`draw_report`], with the 468 mesh landmarks drawn under the labels when `landmarks`
/// (the review page's landmarks toggle).
pub fn draw_report_with(
    img: &RgbImage,
    report: &crate::report::Report,
    a: &Analysis,
    plan: Option<&FramePlan>,
    landmarks: bool,
) -> RgbImage {
    use ab_glyph::{FontRef, PxScale};
    use imageproc::drawing::{draw_filled_rect_mut, draw_hollow_polygon_mut, draw_text_mut};
    use imageproc::point::Point;
    let mut out = draw(
        img,
        a,
        plan,
        OverlayOptions {
            parsing: false,
            tint: 0.0,
            landmarks,
        },
    );
    let (w, h) = out.dimensions();
    let thick = ((w.max(h) / 300).max(2)) as i32;
    let font = FontRef::try_from_slice(FONT).ok();
    let scale = PxScale::from((h as f32 / 40.0).clamp(12.0, 48.0));
    for c in report.checks.iter().filter(|c| c.is_broken()) {
        let color = if c.needs_retake() {
            FAIL_COLOR
        } else {
            AUTO_COLOR
        };
        let regions = if c.id == crate::report::CheckId::Glare {
            glare_regions(img, a)
        } else {
            regions_of(c.id, a)
        };
        for r in regions {
            match r {
                Region::Box(x, y, bw, bh) => {
                    for t in 0..thick {
                        let rect = Rect::at(x as i32 - t, y as i32 - t).of_size(
                            (bw as i32 + 2 * t).max(1) as u32,
                            (bh as i32 + 2 * t).max(1) as u32,
                        );
                        draw_hollow_rect_mut(&mut out, rect, color);
                    }
                }
                Region::Poly(p) => {
                    for t in 0..thick {
                        let o = t as f32 - thick as f32 / 2.0;
                        let pts: Vec<Point<f32>> =
                            p.iter().map(|q| Point::new(q[0] + o, q[1] + o)).collect();
                        draw_hollow_polygon_mut(&mut out, &pts, color);
                    }
                }
            }
        }
    }
    if let Some(font) = &font {
        for l in report_labels(report, a, w, h) {
            let rect = Rect::at(l.x, l.y).of_size(l.width, l.height);
            let bg = if l.retake { FAIL_COLOR } else { AUTO_COLOR };
            draw_filled_rect_mut(&mut out, rect, bg);
            draw_text_mut(
                &mut out,
                Rgb([255, 255, 255]),
                l.x + 3,
                l.y + 2,
                scale,
                font,
                &l.text,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ab_glyph::Font as _;

    #[test]
    fn the_label_font_has_every_title_and_reason_character() {
        let font = ab_glyph::FontRef::try_from_slice(FONT).expect("font parses");
        let mut text = String::new();
        for id in crate::report::CheckId::ALL {
            let (zh, en) = id.title();
            text.push_str(zh);
            text.push_str(en);
        }
        for code in crate::report::ReasonCode::ALL {
            text.push_str(code.zh());
        }
        for ch in text.chars().filter(|c| !c.is_whitespace()) {
            assert_ne!(
                font.glyph_id(ch).0,
                0,
                "no glyph for {ch:?}: rerun subset_noto_cjk.py"
            );
        }
    }

    #[test]
    fn labels_do_not_overlap_and_stay_inside() {
        let mut placed = Vec::new();
        for _ in 0..6 {
            let r = place_label((380, -5), (60, 20), (400, 300), &placed);
            assert!(r.left() >= 0 && r.right() < 400 && r.top() >= 0 && r.bottom() < 300);
            assert!(placed.iter().all(|p: &Rect| p.intersect(r).is_none()));
            placed.push(r);
        }
    }
}
