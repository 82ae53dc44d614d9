//! Background replacement for the output image: the person's matte in output pixels (from the
//! parsing map and the person mask) and the composite over the spec's backdrop colour, with the
//! edge colours decontaminated so no halo or fringe of the old backdrop remains.
//!
//! Three estimates per edge pixel, each the mean of the *nearest* pixels of its kind (filled in
//! scale by scale ("push-pull"), so a two-toned backdrop gives each edge pixel the tone beside
//! it): the old backdrop (clear pixels), the person (solid pixels well inside the edge), and the
//! hair (solid hair pixels well inside the edge). Near the backdrop the matte is pulled down by
//! how close each colour lies to the backdrop along the backdrop → person colour line; partial
//! pixels are unmixed from the old backdrop and take the person's colour in proportion to their
//! transparency; along the hair's edge the chroma is the hair's own (a gold curtain's cast, a blue
//! one's JPEG chroma ringing, a dark wall's tint on white hair), the lightness the pixel's own.

use image::RgbImage;

use crate::analysis::{Analysis, FaceClass};
use crate::normalize::FramePlan;

/// Width (share of the output's long side) of the band inside the matte edge where the matte
/// is refined by colour: wisps of hair and the backdrop between them.
pub const MATTE_BAND: f64 = 0.012;
/// Smallest RGB distance between the local backdrop and person colours for the colour refinement
/// to apply (below it the two cannot be told apart by colour).
pub const MATTE_MIN_CONTRAST: f64 = 40.0;
/// Width (share of the output's long side) of the band along the hair's edge whose chroma is
/// taken from the hair inside it, fading from full at [`MATTE_BAND`] to none at this depth; the
/// person and hair colours are estimated from solid pixels deeper than this. The parsing map's
/// hair reaches up to 8 px of a 441-px output (1.8 %) past the visible hair of `biden.jpg`
/// (white hair on a gold curtain: that band is gold-tinted), and JPEG's 2× subsampled chroma
/// rings over a 16-px block of the source; 3 % covers both with room. Only chroma changes
/// there, so the strands' lightness texture stays.
pub const DECONTAMINATE_BAND: f64 = 0.03;
/// Alpha under which a pixel is clear backdrop (the old backdrop's colour is sampled there).
const CLEAR_ALPHA: f32 = 0.02;
/// Alpha from which a pixel is solid person.
const SOLID_ALPHA: f32 = 0.999;
/// Alpha under which a pixel is the new backdrop outright (too little person to unmix).
const MIN_ALPHA: f64 = 0.05;

/// A person matte in output pixels.
#[derive(Clone, Debug, PartialEq)]
pub struct Matte {
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Person alpha per pixel, row by row (1 person, 0 backdrop).
    pub alpha: Vec<f32>,
    /// Whether the parsing map calls the pixel hair (the edge whose chroma is decontaminated).
    pub hair: Vec<bool>,
}

/// A soft person matte for each output pixel of `plan`, from the analysis' masks: the parsing
/// map where it covers (sharp hair and face edges), the person mask elsewhere, and backdrop
/// wherever the output shows padding beyond the analysed photo (`a.width` × `a.height`).
#[allow(
    clippy::indexing_slicing,
    reason = "alpha and hair have w·h entries, x < w, y < h"
)]
pub fn person_matte(a: &Analysis, plan: &FramePlan) -> Matte {
    let (w, h) = (plan.width as usize, plan.height as usize);
    let mut alpha = vec![1.0f32; w * h];
    let mut hair = vec![false; w * h];
    let mut padding = vec![false; w * h];
    let (pw, ph) = (a.width as f32, a.height as f32);
    // the face inside its landmark outline is the person whatever the parsing calls it: a
    // pale cheek or jaw against a pale backdrop must never become backdrop
    let oval = a
        .landmarks
        .as_ref()
        .map_or(Vec::new(), crate::zones::face_oval);
    let oval_box = oval.iter().fold(
        [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
        |[x0, y0, x1, y1], p| [x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1])],
    );
    let in_face = |sx: f32, sy: f32| {
        oval.len() >= 3
            && sx >= oval_box[0]
            && sx <= oval_box[2]
            && sy >= oval_box[1]
            && sy <= oval_box[3]
            && crate::checks::point_in_polygon([sx, sy], &oval)
    };
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = plan.map.apply(x as f64 + 0.5, y as f64 + 0.5);
            let (sx, sy) = (sx as f32, sy as f32);
            // Padding beyond the photo's edge is backdrop, whatever the parsing model called
            // the fill it saw there; until the edge is feathered it takes the matte of the
            // photo's nearest edge pixel, so a person the photo cuts off stays cut sharply.
            padding[y * w + x] = !(sx >= 0.0 && sy >= 0.0 && sx < pw && sy < ph);
            let (sx, sy) = (
                sx.clamp(0.0, (pw - 0.5).max(0.0)),
                sy.clamp(0.0, (ph - 0.5).max(0.0)),
            );
            let class = a.parsing.as_ref().and_then(|p| p.class_at(sx, sy));
            // the parsing map where it covers, the person mask elsewhere
            alpha[y * w + x] = match class {
                Some(FaceClass::Background) if in_face(sx, sy) => 1.0,
                Some(FaceClass::Background) => 0.0,
                Some(_) => 1.0,
                None => a.person.as_ref().map_or(1.0, |m| m.prob_at(sx, sy)),
            };
            hair[y * w + x] = class == Some(FaceClass::Hair) && !padding[y * w + x];
        }
    }
    feather(&mut alpha, w, h, 2);
    for (v, _) in alpha.iter_mut().zip(&padding).filter(|(_, &p)| p) {
        *v = 0.0;
    }
    Matte {
        width: plan.width,
        height: plan.height,
        alpha,
        hair,
    }
}

/// Box-blurs the alpha by `r` pixels (a soft, antialiased matte edge).
#[allow(
    clippy::indexing_slicing,
    reason = "x0..=x1 within 0..w, y0..=y1 within 0..h, buffers of w·h (checked on entry)"
)]
fn feather(alpha: &mut [f32], w: usize, h: usize, r: usize) {
    if w == 0 || h == 0 || alpha.len() < w * h {
        return;
    }
    let mut tmp = alpha.to_vec();
    for y in 0..h {
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r).min(w - 1));
            let s: f32 = alpha[y * w + x0..=y * w + x1].iter().sum();
            tmp[y * w + x] = s / (x1 - x0 + 1) as f32;
        }
    }
    for y in 0..h {
        for x in 0..w {
            let (y0, y1) = (y.saturating_sub(r), (y + r).min(h - 1));
            let s: f32 = (y0..=y1).map(|yy| tmp[yy * w + x]).sum();
            alpha[y * w + x] = s / (y1 - y0 + 1) as f32;
        }
    }
}

/// Composites `img` over `bg` with `alpha`, decontaminating edge colours (see the module
/// documentation), refining the matte by colour everywhere; no pixel is known to be hair.
pub fn replace_background(img: &mut RgbImage, alpha: &[f32], bg: [u8; 3]) {
    let h = img.height() as usize;
    replace_background_refined_above(img, alpha, bg, h);
}

/// As [`replace_background`], with the colour refinement of the matte edge (wisps of hair and
/// the backdrop between them) only in the rows above `refine_above`: the caller passes the
/// chin line, so shoulders and clothes keep the segmentation's own edge. Below the head a suit
/// may be the backdrop's colour (a dark suit by a dark flag), and refining there by colour cuts
/// notches out of it.
pub fn replace_background_refined_above(
    img: &mut RgbImage,
    alpha: &[f32],
    bg: [u8; 3],
    refine_above: usize,
) {
    composite(img, alpha, None, bg, refine_above);
}

/// As [`replace_background_refined_above`] with the matte's hair: along the hair's edge (to
/// [`DECONTAMINATE_BAND`] deep, above `refine_above`) the chroma is the hair's own.
pub fn replace_background_with_matte(
    img: &mut RgbImage,
    matte: &Matte,
    bg: [u8; 3],
    refine_above: usize,
) {
    composite(img, &matte.alpha, Some(&matte.hair), bg, refine_above);
}

#[allow(
    clippy::indexing_slicing,
    reason = "channel indices 0..3; every per-pixel buffer has w·h entries (alpha and hair checked on entry)"
)]
fn composite(
    img: &mut RgbImage,
    alpha: &[f32],
    hair: Option<&[bool]>,
    bg: [u8; 3],
    refine_above: usize,
) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if alpha.len() < w * h || hair.is_some_and(|m| m.len() < w * h) || w == 0 || h == 0 {
        return;
    }
    let long = w.max(h) as f64;
    let band = (long * MATTE_BAND).round().max(1.0);
    let deep = (long * DECONTAMINATE_BAND).round().max(band + 1.0);
    let clear: Vec<bool> = alpha[..w * h].iter().map(|&a| a < CLEAR_ALPHA).collect();
    let dist = distance_to(&clear, w, h);
    let inside: Vec<bool> = (0..w * h)
        .map(|i| alpha[i] >= SOLID_ALPHA && dist[i] > deep)
        .collect();
    let bg_f = bg.map(f32::from);
    let old = NearestFill::new(img, &clear);
    // the person deep inside the edge; a sliver of a person has no inside: its solid pixels
    let person = NearestFill::new(img, &inside).or_else(|| {
        let solid: Vec<bool> = alpha[..w * h].iter().map(|&a| a >= SOLID_ALPHA).collect();
        NearestFill::new(img, &solid)
    });
    let hair_colour = hair.and_then(|m| {
        let hair_inside: Vec<bool> = (0..w * h).map(|i| inside[i] && m[i]).collect();
        NearestFill::new(img, &hair_inside)
    });
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let a0 = f64::from(alpha[i].clamp(0.0, 1.0));
            let p = img.get_pixel_mut(x as u32, y as u32);
            if a0 <= MIN_ALPHA {
                *p = image::Rgb(bg);
                continue;
            }
            let is_hair = hair.is_some_and(|m| m[i]);
            let fg_fill = match (&hair_colour, &person) {
                (Some(hc), _) if is_hair => Some(hc),
                (_, Some(pc)) => Some(pc),
                _ => None,
            };
            // near the backdrop, solid pixels may still be backdrop seen between hairs: the
            // matte is pulled down there (below)
            let refine = dist[i] <= band && y < refine_above && fg_fill.is_some();
            // along the hair's edge the chroma is the hair's own, full within the refined band,
            // none at DECONTAMINATE_BAND
            let tint = match (is_hair && y < refine_above, fg_fill) {
                (true, Some(_)) => ((deep - dist[i]) / (deep - band)).clamp(0.0, 1.0),
                _ => 0.0,
            };
            if !refine && a0 >= f64::from(SOLID_ALPHA) && tint == 0.0 {
                continue; // inside the person: untouched
            }
            let fg_est = fg_fill.map(|f| f.at(x, y));
            let o = old.as_ref().map_or(bg_f, |f| f.at(x, y)).map(f64::from);
            let mut a = a0;
            // pull the matte down by how close each colour lies to the local backdrop along
            // the backdrop → person colour line
            // (clear pixels never get here: their alpha is under MIN_ALPHA)
            if let (true, Some(f)) = (refine, fg_est) {
                let d: [f64; 3] = std::array::from_fn(|c| f64::from(f[c]) - o[c]);
                let dd: f64 = d.iter().map(|v| v * v).sum();
                if dd > MATTE_MIN_CONTRAST * MATTE_MIN_CONTRAST {
                    let t: f64 = (0..3).map(|c| (f64::from(p[c]) - o[c]) * d[c]).sum::<f64>() / dd;
                    a = a.min(t.clamp(0.0, 1.0));
                }
            }
            if a >= f64::from(SOLID_ALPHA) && tint == 0.0 {
                continue; // inside the person: untouched
            }
            let observed: [f64; 3] = std::array::from_fn(|c| f64::from(p[c]));
            let mut fg = observed;
            if a < f64::from(SOLID_ALPHA) {
                for c in 0..3 {
                    // observed = a·fg + (1 − a)·old  ⇒  fg = (observed − (1 − a)·old) / a
                    let unmixed = if a > MIN_ALPHA {
                        ((observed[c] - (1.0 - a) * o[c]) / a).clamp(0.0, 255.0)
                    } else {
                        observed[c] // too little person left to unmix
                    };
                    // what is left of a mostly transparent pixel is least sure: it leans on
                    // the person's colour nearby in proportion to its transparency
                    fg[c] = match fg_est {
                        Some(f) => a * unmixed + (1.0 - a) * f64::from(f[c]),
                        None => unmixed,
                    };
                }
            }
            if let (true, Some(f)) = (tint > 0.0, fg_est) {
                fg = with_chroma_of(fg, f.map(f64::from), tint);
            }
            for c in 0..3 {
                p[c] = (a * fg[c] + (1.0 - a) * f64::from(bg[c]))
                    .round()
                    .clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// `rgb` with its chroma (Cb, Cr of BT.601 YCbCr) moved `k` of the way to `target`'s, its luma kept.
fn with_chroma_of(rgb: [f64; 3], target: [f64; 3], k: f64) -> [f64; 3] {
    let luma = |c: [f64; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
    let (y, ty) = (luma(rgb), luma(target));
    let cb = (rgb[2] - y) * (1.0 - k) + (target[2] - ty) * k;
    let cr = (rgb[0] - y) * (1.0 - k) + (target[0] - ty) * k;
    let (r, b) = (cr + y, cb + y);
    let g = (y - 0.299 * r - 0.114 * b) / 0.587;
    [r, g, b].map(|v| v.clamp(0.0, 255.0))
}

/// Euclidean distance of each pixel to the nearest selected one (0 on it; larger than any
/// image dimension when nothing is selected).
fn distance_to(mask: &[bool], w: usize, h: usize) -> Vec<f64> {
    let seeds = image::GrayImage::from_fn(w as u32, h as u32, |x, y| {
        let on = mask
            .get(y as usize * w + x as usize)
            .copied()
            .unwrap_or(false);
        image::Luma([u8::from(on)])
    });
    imageproc::distance_transform::euclidean_squared_distance_transform(&seeds)
        .into_raw()
        .into_iter()
        .map(f64::sqrt)
        .collect()
}

/// Every pixel's estimate of the colour of the selected pixels nearest it: the mean of the
/// selected pixels in its own 2^k-pixel block at the finest scale k where the block has any
/// ("push-pull" fill: colour sums and counts halved scale by scale; a pixel reads its value off
/// the finest block above it that holds a selected pixel, on demand, since the composite needs
/// it only along the edge).
struct NearestFill {
    /// The selected pixels themselves (scale 0).
    base: Vec<Option<[f32; 3]>>,
    width: usize,
    /// Scales 1, 2, …: per block, the selected pixels' colour sums and their count.
    levels: Vec<(usize, Vec<[f32; 4]>)>,
}

impl NearestFill {
    /// `None` when no pixel is selected.
    #[allow(
        clippy::indexing_slicing,
        reason = "level buffers of lw·lh entries indexed with x < lw, y < lh; parents at x/2 < ⌈lw/2⌉"
    )]
    fn new(img: &RgbImage, mask: &[bool]) -> Option<NearestFill> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        if mask.len() < w * h || !mask[..w * h].iter().any(|&m| m) {
            return None;
        }
        let base: Vec<Option<[f32; 3]>> = img
            .pixels()
            .zip(mask)
            .map(|(p, &on)| on.then(|| [f32::from(p[0]), f32::from(p[1]), f32::from(p[2])]))
            .collect();
        let mut levels: Vec<(usize, Vec<[f32; 4]>)> = Vec::new();
        let (mut lw, mut lh) = (w, h);
        while lw > 1 || lh > 1 {
            let (pw, ph) = (lw.div_ceil(2), lh.div_ceil(2));
            let mut parent = vec![[0f32; 4]; pw * ph];
            for y in 0..lh {
                let (row, prow) = (y * lw, (y / 2) * pw);
                for x in 0..lw {
                    let c = match levels.last() {
                        Some((_, cells)) => cells[row + x],
                        None => base[row + x].map_or([0.0; 4], |v| [v[0], v[1], v[2], 1.0]),
                    };
                    let p = &mut parent[prow + x / 2];
                    for k in 0..4 {
                        p[k] += c[k];
                    }
                }
            }
            levels.push((pw, parent));
            (lw, lh) = (pw, ph);
        }
        Some(NearestFill {
            base,
            width: w,
            levels,
        })
    }

    /// The estimate at pixel `(x, y)`.
    fn at(&self, x: usize, y: usize) -> [f32; 3] {
        if let Some(Some(v)) = self.base.get(y * self.width + x) {
            return *v;
        }
        for (k, (lw, cells)) in self.levels.iter().enumerate() {
            let s = k + 1;
            if let Some(c) = cells.get((y >> s) * lw + (x >> s)) {
                let n = c[3];
                if n > 0.0 {
                    return [c[0] / n, c[1] / n, c[2] / n];
                }
            }
        }
        [0.0; 3] // not reached: the coarsest block holds every selected pixel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 100 × 100 output of a 100 × 100 photo at scale 1, shifted `dx` source pixels.
    fn shifted_plan(dx: f64, padding: [u32; 4]) -> crate::normalize::FramePlan {
        crate::normalize::FramePlan {
            scale: 1.0,
            rotation_deg: 0.0,
            map: crate::models::sample::Affine {
                a: 1.0,
                b: 0.0,
                c: dx,
                d: 0.0,
                e: 1.0,
                f: 0.0,
            },
            width: 100,
            height: 100,
            geometry: crate::normalize::OutputGeometry::default(),
            padding,
            reachable: true,
            reframed: true,
            crown_margin_relaxed: false,
        }
    }

    #[test]
    fn padding_beyond_the_photo_is_backdrop() {
        use crate::analysis::ParsingMap;
        // a 100 × 100 photo of skin whose parsing region reaches 48 px past every edge, in
        // 4-px cells; the fill past the edge parsed as backdrop
        let inside = |i: usize| (12..37).contains(&i);
        let labels: Vec<u8> = (0..50 * 50)
            .map(|i| {
                let skin = inside(i % 50) && inside(i / 50);
                (if skin {
                    FaceClass::Skin
                } else {
                    FaceClass::Background
                }) as u8
            })
            .collect();
        let a = Analysis {
            width: 100,
            height: 100,
            parsing: Some(ParsingMap::from_labels(-48.0, -48.0, 200.0, 50, labels)),
            ..Analysis::default()
        };
        // the output shows source x −40..60: its 40 leftmost columns are padding
        let plan = shifted_plan(-40.0, [0, 0, 0, 40]);
        let m = person_matte(&a, &plan);
        for y in 0..100 {
            // padding is backdrop; the photo keeps its edge sharp (skin to its first column)
            for x in 0..100 {
                let want = if x < 40 { 0.0 } else { 1.0 };
                assert_eq!(m.alpha[y * 100 + x], want, "({x}, {y})");
            }
        }
    }

    #[test]
    fn the_face_inside_its_landmark_outline_is_never_backdrop() {
        use crate::analysis::{mesh, FaceLandmarks, ParsingMap};
        // a 100 × 100 photo parsed as backdrop everywhere (a pale face on a pale backdrop
        // that the parsing missed), with a face outline: a circle of radius 20 round (50, 50)
        let a_of = |landmarks: Option<FaceLandmarks>| Analysis {
            width: 100,
            height: 100,
            parsing: Some(ParsingMap::from_labels(
                0.0,
                0.0,
                100.0,
                25,
                vec![FaceClass::Background as u8; 25 * 25],
            )),
            landmarks,
            ..Analysis::default()
        };
        let mut points = vec![[0f32; 3]; 478];
        for (k, &i) in mesh::FACE_OVAL.iter().enumerate() {
            let t = std::f32::consts::TAU * k as f32 / mesh::FACE_OVAL.len() as f32;
            points[i] = [50.0 + 20.0 * t.sin(), 50.0 - 20.0 * t.cos(), 0.0];
        }
        let plan = shifted_plan(0.0, [0; 4]);
        let with = person_matte(
            &a_of(Some(FaceLandmarks {
                points,
                presence: 1.0,
            })),
            &plan,
        );
        let without = person_matte(&a_of(None), &plan);
        // the face's centre and a point inside its outline near the jaw are person; the
        // backdrop outside stays backdrop
        for (x, y) in [(50, 50), (50, 66), (36, 50)] {
            assert_eq!(with.alpha[y * 100 + x], 1.0, "({x}, {y})");
            assert_eq!(without.alpha[y * 100 + x], 0.0, "({x}, {y})");
        }
        assert_eq!(with.alpha[10 * 100 + 10], 0.0);
    }

    #[test]
    fn the_fill_takes_the_nearest_selected_pixels() {
        // a blue left half and a gold right half selected only in their outer columns
        let img = RgbImage::from_fn(64, 8, |x, _| {
            if x < 32 {
                image::Rgb([20, 40, 200])
            } else {
                image::Rgb([200, 160, 60])
            }
        });
        let mask: Vec<bool> = (0..64 * 8).map(|i| i % 64 < 4 || i % 64 >= 60).collect();
        let f = NearestFill::new(&img, &mask).unwrap();
        assert_eq!(f.at(8, 0), [20.0, 40.0, 200.0]);
        assert_eq!(f.at(56, 5), [200.0, 160.0, 60.0]);
        assert_eq!(f.at(2, 3), [20.0, 40.0, 200.0]);
        assert!(NearestFill::new(&img, &[false; 64 * 8]).is_none());
    }

    #[test]
    fn chroma_moves_and_luma_stays() {
        let blue_white = [200.0, 215.0, 240.0];
        let pink_white = [230.0, 215.0, 205.0];
        let out = with_chroma_of(blue_white, pink_white, 1.0);
        let luma = |c: [f64; 3]| 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
        assert!((luma(out) - luma(blue_white)).abs() < 1e-9);
        assert!(out[0] > out[2], "{out:?}");
        assert_eq!(with_chroma_of(blue_white, pink_white, 0.0), blue_white);
    }
}
