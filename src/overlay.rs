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
}

impl Default for OverlayOptions {
    fn default() -> Self {
        OverlayOptions {
            parsing: true,
            tint: 0.45,
        }
    }
}

/// Draws the analysis and the crop frame over a copy of `img`.
pub fn draw(
    img: &RgbImage,
    a: &Analysis,
    plan: Option<&FramePlan>,
    opts: OverlayOptions,
) -> RgbImage {
    let mut out = img.clone();
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
    if let Some(lm) = &a.landmarks {
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
