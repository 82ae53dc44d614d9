//! Specular highlights on the face and reflections in the lenses, found as light the surface
//! reflects rather than light the skin scatters (the dichromatic reflection model, Shafer 1985).
//!
//! Skin scatters light back with its own colour: under one illuminant, a diffuse skin pixel's
//! linear RGB is its body colour times the shading, so the ratio of its weakest channel to its
//! strongest (blue to red for every skin tone) stays the same however bright it is lit. Oil
//! or sweat reflects the light itself at its surface, adding the same amount `w` to every
//! channel of a neutral (white-balanced) light: blue over red rises towards 1. With the face's
//! own diffuse ratio β (the median over its skin), a pixel's specular share is
//! `w / R = (B/R − β) / (1 − β)`. A highlight is also brighter than the diffuse skin around
//! it, since light was added: a bright but matte face has no specular share anywhere, and a
//! pale, grey or washed-out patch that is no brighter than its surroundings is not shine.
//!
//! A lens passes at most the light behind it in each channel (its transmittance is at most 1);
//! what is behind it is the eye region's skin. A lens pixel whose blue — the channel skin gives
//! least of — is well above the brightest skin's therefore holds reflected light: white from a
//! flash or a window, green or purple from an anti-reflection coating.

use super::regions::{components, quantile, FaceCell, FaceStats};
use crate::analysis::FaceClass as K;
use crate::color::{relative_luminance, srgb_to_linear};
use crate::normalize::HeadGeometry;

/// A skin cell is specular when at least this share of its red channel is reflected light.
/// Diffuse skin spreads about ±0.2 around 0 (cheeks redder than the forehead, a paler nose
/// ridge, stubble); the cores of the shine and flash spots in `../shared/eval` read 0.35–0.5,
/// a clipped spot 1.
pub const MIN_SPECULAR_SHARE: f32 = 0.3;
/// …and the light it reflects is at least this share of the diffuse skin's light around it
/// (linear luminance): the spot is then at least twice as bright as the skin around it, from
/// reflection alone, which a viewer sees as a hot spot. The lit side of a nose or a
/// cheekbone is brighter too, but with the skin's own colour: it reflects little. (An L*
/// difference would not do: on bright skin the same reflected light raises L* far less.) A
/// clipped cell is credited with the least light it can have reflected, what lifts the skin
/// around it to white: amid skin lit more than half white (L* above 76) clipping cannot be
/// told from the skin itself over-exposed, and is not counted.
pub const MIN_REFLECTED_OVER_DIFFUSE: f32 = 1.0;
/// …and the added light shows as added brightness: the cell's luminance exceeds the diffuse
/// skin's around it by at least this share of the light it reflects. Reflected white light
/// adds `w` to every channel and so to the luminance; the diffuse part under a highlight is
/// about the skin's around it (shading changes slowly), less what the shading varies within
/// the radius, which the quarter allows. A pale, grey or white patch that is colourless by
/// its pigment (foundation, eye shadow, a washed-out cheek) reads a high specular share but
/// is no brighter than the skin around it: it reflects nothing.
pub const MIN_EXCESS_OVER_REFLECTED: f32 = 0.75;
/// Share and reflected light are read as the mean over this share of the face width around a
/// cell (about 3 × 3 cells): a highlight is an area, a single pixel may be noise.
const SMOOTH_FW: f64 = 0.005;
/// The diffuse skin around a cell: skin within this share of the face width (a cheek's or the
/// forehead's own shading changes over about a fifth of the face).
const DIFFUSE_RADIUS_FW: f64 = 0.1;
/// The skin region is shrunk by this share of the face width before it is searched: the
/// parsing's outline may hold a pixel of a bright backdrop or of the eye's white.
const SKIN_ERODE_FW: f64 = 0.015;
/// A spot is at least this share of the face width across (as a square): smaller specks are
/// pores and noise.
const MIN_SPOT_FW: f64 = 0.01;
/// Above this blue-to-red ratio the skin has too little colour to tell reflected light from
/// pale skin (a grey-scale photo reads 1): only clipped white counts as specular then.
const MAX_COLOURED_RATIO: f32 = 0.85;
/// A lens cell is a reflection when its blue — the channel skin gives least of — exceeds the
/// brightest skin's blue (the 95th percentile) by this factor: a lens passes at most what is
/// behind it, so that light was reflected (white from a flash or a window, green or purple
/// from an anti-reflection coating). A gold or brown frame has little blue and is not
/// counted; nor is the backdrop seen through a lens beyond the cheek (the search stays
/// over the face).
pub const LENS_ABOVE_SKIN_BLUE: f32 = 1.5;
/// The lens is searched only within this share of the face width either side of the face's
/// centre line (over the face, not over the backdrop beside it)…
const LENS_HALF_WIDTH_FW: f64 = 0.45;
/// …and shrunk by this share of the face width, leaving out the frame.
const LENS_ERODE_FW: f64 = 0.02;

/// One highlight: a connected group of specular skin cells.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spot {
    /// Bounding box in source pixels: x, y, width, height.
    pub bbox: [f32; 4],
    /// Grid cells it covers.
    pub cells: usize,
}

/// What [`find`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Highlights {
    /// Skin cells searched.
    pub skin_cells: usize,
    /// The highlights, largest first.
    pub spots: Vec<Spot>,
    /// Eyeglasses cells.
    pub lens_cells: usize,
    /// Eyeglasses cells holding reflected light.
    pub lens_reflection_cells: usize,
    /// Bounding box of the lens reflections (source pixels), when there are any.
    pub lens_bbox: Option<[f32; 4]>,
}

impl Highlights {
    /// Share of the skin covered by highlights.
    pub fn skin_fraction(&self) -> f64 {
        let n: usize = self.spots.iter().map(|s| s.cells).sum();
        n as f64 / self.skin_cells.max(1) as f64
    }
    /// Share of the lenses that is a reflection (0 without glasses).
    pub fn lens_fraction(&self) -> f64 {
        if self.lens_cells == 0 {
            0.0
        } else {
            self.lens_reflection_cells as f64 / self.lens_cells as f64
        }
    }
}

/// Summed-area table of a `w` × `h` grid, `(w + 1) · (h + 1)` entries.
fn integral(v: &[f32], w: usize, h: usize) -> Vec<f64> {
    let m = w + 1;
    let mut t = vec![0f64; m * (h + 1)];
    for y in 0..h {
        let mut row = 0f64;
        for x in 0..w {
            row += f64::from(v.get(y * w + x).copied().unwrap_or(0.0));
            let above = t.get(y * m + x + 1).copied().unwrap_or(0.0);
            if let Some(e) = t.get_mut((y + 1) * m + x + 1) {
                *e = above + row;
            }
        }
    }
    t
}

/// Sum of a summed-area table of a grid `w` wide over cells `x0..x1`, `y0..y1`.
fn box_sum(t: &[f64], w: usize, x0: usize, y0: usize, x1: usize, y1: usize) -> f64 {
    let m = w + 1;
    let at = |x: usize, y: usize| t.get(y * m + x).copied().unwrap_or(0.0);
    at(x1, y1) - at(x0, y1) - at(x1, y0) + at(x0, y0)
}

/// Finds the highlights on the facial skin and the reflections in the lenses of the face
/// `head` measures.
pub fn find(st: &FaceStats, head: &HeadGeometry) -> Option<Highlights> {
    let face_width = head.face_width;
    let cell = f64::from(st.cell).max(1e-6);
    let cells_of = |fw_share: f64| (fw_share * face_width / cell).round().max(1.0) as usize;
    // the searched classes' bounding rectangle of the grid, with a margin for the filters
    let n = st.size;
    let (mut x0, mut y0, mut x1, mut y1) = (n, n, 0, 0);
    for i in st.indices_of(&[K::Skin, K::Nose, K::Eyeglasses]) {
        let (x, y) = (i % n, i / n);
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
    }
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    let pad = cells_of(DIFFUSE_RADIUS_FW);
    let (x0, y0) = (x0.saturating_sub(pad), y0.saturating_sub(pad));
    let (x1, y1) = ((x1 + pad).min(n), (y1 + pad).min(n));
    let (n, h) = (x1 - x0, y1 - y0);
    let local: Vec<Option<&FaceCell>> = (0..n * h)
        .map(|i| {
            let (x, y) = (x0 + i % n, y0 + i / n);
            st.grid.get(y * st.size + x).and_then(Option::as_ref)
        })
        .collect();
    let cell_at = |i: usize| local.get(i).copied().flatten();
    let is_skin = |c: &FaceCell| matches!(c.class, K::Skin | K::Nose);
    let mask_of = |f: &dyn Fn(&FaceCell) -> bool| -> Vec<f32> {
        local
            .iter()
            .map(|c| f32::from(u8::from(c.is_some_and(f))))
            .collect()
    };
    let lin = |c: &FaceCell| c.rgb.map(srgb_to_linear);
    // the skin's diffuse colour: the median blue-to-red ratio; its brightest blue
    let skin: Vec<[f32; 3]> = st.of_classes(&[K::Skin, K::Nose]).map(lin).collect();
    let skin_cells = skin.len();
    let beta = quantile(skin.iter().map(|[r, _, b]| b / r.max(1e-4)).collect(), 0.5)?;
    let coloured = beta <= MAX_COLOURED_RATIO;
    let bright_blue = quantile(skin.iter().map(|c| c[2]).collect(), 0.95)?;
    // the specular share, reflected light and luminance of each searched skin cell (the skin
    // shrunk by SKIN_ERODE_FW)
    let searched = eroded(&mask_of(&is_skin), n, h, cells_of(SKIN_ERODE_FW));
    let mut share = vec![0f32; n * h];
    let mut reflected = vec![0f32; n * h];
    let mut light = vec![0f32; n * h];
    let mut white = vec![0f32; n * h];
    for (i, _) in searched.iter().enumerate().filter(|(_, &m)| m > 0.0) {
        let Some(c) = cell_at(i) else { continue };
        let [r, _, b] = lin(c);
        let clipped = c.rgb.iter().all(|&v| v >= 250);
        let sh = if clipped {
            1.0
        } else if coloured {
            ((b / r.max(1e-4) - beta) / (1.0 - beta)).clamp(-1.0, 1.0)
        } else {
            0.0
        };
        if let Some(c) = white.get_mut(i) {
            *c = f32::from(u8::from(clipped));
        }
        if let (Some(s), Some(w), Some(l)) =
            (share.get_mut(i), reflected.get_mut(i), light.get_mut(i))
        {
            *s = sh;
            // the white light added to every channel: w = (B − βR) / (1 − β) = share · R
            *w = sh.max(0.0) * r;
            *l = relative_luminance(f64::from(c.lab.l)) as f32;
        }
    }
    let share = box_mean(&share, &searched, n, h, cells_of(SMOOTH_FW));
    let reflected = box_mean(&reflected, &searched, n, h, cells_of(SMOOTH_FW));
    let white = box_mean(&white, &searched, n, h, cells_of(SMOOTH_FW));
    // the diffuse skin's luminance around each cell: the mean over searched cells that are
    // not specular, within DIFFUSE_RADIUS_FW
    let diffuse: Vec<f32> = searched
        .iter()
        .zip(&share)
        .map(|(&m, &s)| {
            if m > 0.0 && s < MIN_SPECULAR_SHARE {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    // where no diffuse skin lies within the radius (inside a large bright patch), the face's
    // diffuse skin as a whole is the reference: a patch is not brighter than nothing
    let diffuse_cells = diffuse.iter().filter(|&&d| d > 0.0).count();
    let face_diffuse = if diffuse_cells == 0 {
        0.0
    } else {
        light.iter().zip(&diffuse).map(|(l, d)| l * d).sum::<f32>() / diffuse_cells as f32
    };
    let around: Vec<f32> = box_mean(&light, &diffuse, n, h, cells_of(DIFFUSE_RADIUS_FW))
        .into_iter()
        .map(|a| if a > 0.0 { a } else { face_diffuse })
        .collect();
    // each cell's own luminance, smoothed as share and reflected light are
    let lum = box_mean(&light, &searched, n, h, cells_of(SMOOTH_FW));
    // the light a cell adds: its reflected light, or where it is clipped white (its light
    // unknown beyond the sensor's top) the least that lifts the diffuse skin around it to
    // white. Both tests below read it: a clipped cell amid skin lit more than half white is
    // over-exposed skin, not a highlight standing out of it
    let added = |i: usize| {
        let at = |v: &[f32]| v.get(i).copied().unwrap_or(f32::NAN);
        if at(&white) >= 0.5 {
            (1.0 - at(&around)).max(0.0)
        } else {
            at(&reflected)
        }
    };
    let hot: Vec<bool> = (0..n * h)
        .map(|i| {
            let at = |v: &[f32]| v.get(i).copied().unwrap_or(f32::NAN);
            at(&searched) > 0.0 && at(&share) >= MIN_SPECULAR_SHARE && {
                let w = added(i);
                w >= MIN_REFLECTED_OVER_DIFFUSE * at(&around)
                    && at(&lum) - at(&around) >= MIN_EXCESS_OVER_REFLECTED * w
            }
        })
        .collect();
    let min_cells = ((MIN_SPOT_FW * face_width / cell).powi(2)).max(2.0) as usize;
    let mut spots: Vec<Spot> = components(&hot, n, h)
        .into_iter()
        .filter(|c| c.len() >= min_cells)
        .map(|cells| Spot {
            bbox: bbox_of(cells.iter().filter_map(|&i| cell_at(i)), st.cell),
            cells: cells.len(),
        })
        .collect();
    spots.sort_by_key(|s| std::cmp::Reverse(s.cells));
    // the lenses, over the face and clear of the frame
    let over_face = |c: &FaceCell| {
        c.class == K::Eyeglasses
            && (f64::from(c.u) - head.face_center_u).abs() <= LENS_HALF_WIDTH_FW * face_width
    };
    let lens = eroded(&mask_of(&over_face), n, h, cells_of(LENS_ERODE_FW));
    let lens_cells = lens.iter().filter(|&&m| m > 0.0).count();
    // reflected light in compact spots, as on the skin: scattered cells are the frame's edge
    // or the eye's white at the lens's rim
    let reflects: Vec<bool> = (0..n * h)
        .map(|i| {
            lens.get(i).is_some_and(|&m| m > 0.0)
                && cell_at(i)
                    .is_some_and(|c| lin(c)[2] > LENS_ABOVE_SKIN_BLUE * bright_blue.max(0.01))
        })
        .collect();
    let reflecting: Vec<&FaceCell> = components(&reflects, n, h)
        .into_iter()
        .filter(|c| c.len() >= min_cells)
        .flatten()
        .filter_map(cell_at)
        .collect();
    Some(Highlights {
        skin_cells,
        spots,
        lens_cells,
        lens_reflection_cells: reflecting.len(),
        lens_bbox: (!reflecting.is_empty()).then(|| bbox_of(reflecting.into_iter(), st.cell)),
    })
}

/// The bounding box (x, y, width, height) of some cells of `cell` source pixels.
fn bbox_of<'c>(cells: impl Iterator<Item = &'c FaceCell>, cell: f32) -> [f32; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for c in cells {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let h = cell / 2.0;
    [x0 - h, y0 - h, x1 - x0 + cell, y1 - y0 + cell]
}

/// A 0/1 mask of a `w` × `h` grid shrunk by `e` cells: a cell stays when every cell within
/// `e` of it is set.
fn eroded(mask: &[f32], w: usize, h: usize, e: usize) -> Vec<f32> {
    let t = integral(mask, w, h);
    let full = ((2 * e + 1) * (2 * e + 1)) as f64 - 0.5;
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let inside = x >= e
                && y >= e
                && x + e < w
                && y + e < h
                && box_sum(&t, w, x - e, y - e, x + e + 1, y + e + 1) >= full;
            f32::from(u8::from(inside))
        })
        .collect()
}

/// The mean of `v` over the cells within `r` of each cell where `wt` is 1, on a `w` × `h`
/// grid (0 where none is).
pub(super) fn box_mean(v: &[f32], wt: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let weighted: Vec<f32> = v.iter().zip(wt).map(|(a, b)| a * b).collect();
    let (t_w, t_v) = (integral(wt, w, h), integral(&weighted, w, h));
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let (x0, y0) = (x.saturating_sub(r), y.saturating_sub(r));
            let (x1, y1) = ((x + r + 1).min(w), (y + r + 1).min(h));
            let count = box_sum(&t_w, w, x0, y0, x1, y1);
            if count < 0.5 {
                0.0
            } else {
                (box_sum(&t_v, w, x0, y0, x1, y1) / count) as f32
            }
        })
        .collect()
}
