//! Pixel statistics shared by several checks: the parsing cells with their colour, and the
//! background pixels with their distance to the person.

use image::RgbImage;

use crate::analysis::{Analysis, FaceClass, ParsingMap, BACKDROP_MAX_PERSON};
use crate::color::{srgb_to_lab_many, Lab};
use crate::models::sample::{Affine, Pyramid};
use crate::normalize::{HeadGeometry, PERSON_THRESHOLD};

/// A class as one bit of a `u32` (19 classes).
fn class_bit(k: FaceClass) -> u32 {
    1u32 << (k as u32)
}

/// The hairless skin ([`FaceCell::in_hairless_skin`], read by `exposure` and `face_shadow`):
/// outside this band around the eye line and above this line (the nostrils sit at about
/// 0.35–0.45 of it), both in shares of the eye-to-chin distance below the eye line, and within
/// this share of the face width either side of the face's centre.
const EYE_BAND: f64 = 0.1;
const NOSTRILS: f64 = 0.3;
const HAIRLESS_HALF_WIDTH: f64 = 0.4;

/// One parsing cell inside the image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FaceCell {
    /// Source x of the cell centre.
    pub x: f32,
    /// Source y of the cell centre.
    pub y: f32,
    /// Along the eye line from the eye midpoint (source px).
    pub u: f32,
    /// Down from the eye line (source px).
    pub v: f32,
    /// Parsing class.
    pub class: FaceClass,
    /// Colour of the source pixel under the cell centre.
    pub lab: Lab,
    /// The same pixel in sRGB.
    pub rgb: [u8; 3],
}

impl FaceCell {
    /// Whether a skin cell lies where a well-exposed face has no black of its own: the forehead,
    /// the nose's bridge and the upper cheeks, between the eye band and the nostrils, clear of
    /// the face's outline. Below the nostrils the parsing's "skin" holds beard and moustache,
    /// in the eye band lashes and the eyes' corners, at the outline sideburns and hair; those
    /// are black in a photo exposed well. Light too weak for the skin blacks the forehead and
    /// the cheeks first, so clipping from under-exposure is still seen there.
    pub fn in_hairless_skin(&self, head: &crate::normalize::HeadGeometry) -> bool {
        let v = f64::from(self.v) / head.chin_down.max(1.0);
        let u = (f64::from(self.u) - head.face_center_u) / head.face_width.max(1.0);
        !(-EYE_BAND..=EYE_BAND).contains(&v) && v <= NOSTRILS && u.abs() <= HAIRLESS_HALF_WIDTH
    }
}

/// Every parsing cell that lies inside the image, with its colour.
#[derive(Clone, Debug)]
pub struct FaceStats {
    /// Cells per side of the grid.
    pub size: usize,
    /// Row-major grid; `None` outside the image.
    pub grid: Vec<Option<FaceCell>>,
    /// Source pixels per cell.
    pub cell: f32,
    origin: [f32; 2],
    /// Each grid cell's class as a bit (`1 << class`), 0 outside the image: a class filter
    /// reads these 4 bytes a cell instead of the cells themselves (16 passes over the grid per
    /// photo read 8 MB each otherwise).
    class_bits: Vec<u32>,
}

/// Counts of cells per class.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClassCounts(pub [usize; 19]);

impl ClassCounts {
    /// Cells of these classes.
    #[allow(
        clippy::indexing_slicing,
        reason = "a FaceClass discriminant (0..19) indexes a 19-entry array"
    )]
    pub fn of(&self, ks: &[FaceClass]) -> usize {
        ks.iter().map(|&k| self.0[k as usize]).sum()
    }
    /// All cells.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
    /// Share of these classes among all cells (0 when empty).
    pub fn share(&self, ks: &[FaceClass]) -> f64 {
        let t = self.total();
        if t == 0 {
            0.0
        } else {
            self.of(ks) as f64 / t as f64
        }
    }
}

impl FaceStats {
    /// Reads the colour under every parsing cell.
    #[allow(
        clippy::indexing_slicing,
        reason = "grid has size² cells and u, v < size"
    )]
    pub fn compute(img: &RgbImage, p: &ParsingMap, head: &HeadGeometry) -> Option<FaceStats> {
        let (w, h) = (img.width() as f32, img.height() as f32);
        let frame = head.local_frame();
        let mut grid = vec![None; p.size * p.size];
        let mut class_bits = vec![0u32; p.size * p.size];
        // a row's cells inside the image and their pixels first, then their colours all at
        // once (eight at a time); row by row, so the buffers stay small and warm
        let mut inside = Vec::with_capacity(p.size);
        let mut rgb = Vec::with_capacity(p.size);
        for v in 0..p.size {
            inside.clear();
            rgb.clear();
            for u in 0..p.size {
                let [x, y] = p.cell_center(u, v);
                if !(x >= 0.0 && y >= 0.0 && x < w && y < h) {
                    continue;
                }
                let class = p
                    .labels
                    .get(v * p.size + u)
                    .and_then(|&l| FaceClass::from_label(l))?;
                inside.push((v * p.size + u, x, y, class));
                rgb.push(img.get_pixel(x as u32, y as u32).0);
            }
            let labs = srgb_to_lab_many(&rgb);
            for ((&(i, x, y, class), &px), &lab) in inside.iter().zip(&rgb).zip(&labs) {
                if let Some(b) = class_bits.get_mut(i) {
                    *b = class_bit(class);
                }
                let l = frame.to_local([x as f64, y as f64]);
                if let Some(cell) = grid.get_mut(i) {
                    *cell = Some(FaceCell {
                        x,
                        y,
                        u: l[0] as f32,
                        v: l[1] as f32,
                        class,
                        lab,
                        rgb: px,
                    });
                }
            }
        }
        Some(FaceStats {
            size: p.size,
            grid,
            cell: p.cell(),
            origin: [p.x, p.y],
            class_bits,
        })
    }

    /// Every cell inside the image.
    pub fn cells(&self) -> impl Iterator<Item = &FaceCell> {
        self.grid.iter().flatten()
    }

    /// Cells of one class, in grid order.
    pub fn of_class(&self, k: FaceClass) -> impl Iterator<Item = &FaceCell> {
        self.of_classes(&[k])
    }

    /// Cells of any of these classes, in grid order (the order of [`cells`](Self::cells)).
    pub fn of_classes<'s>(&'s self, ks: &[FaceClass]) -> impl Iterator<Item = &'s FaceCell> + 's {
        self.indices_of(ks)
            .filter_map(move |i| self.grid.get(i).and_then(Option::as_ref))
    }

    /// Grid indices of the cells of any of these classes, ascending.
    pub fn indices_of<'s>(&'s self, ks: &[FaceClass]) -> impl Iterator<Item = usize> + 's {
        let mask = ks.iter().fold(0u32, |m, &k| m | class_bit(k));
        self.class_bits
            .iter()
            .enumerate()
            .filter(move |&(_, &b)| b & mask != 0)
            .map(|(i, _)| i)
    }

    /// Mean L* of the cells of one class (`None` when there are none).
    pub fn mean_l(&self, k: FaceClass) -> Option<f64> {
        let (sum, n) = self
            .of_class(k)
            .fold((0.0f64, 0usize), |(s, n), c| (s + c.lab.l as f64, n + 1));
        (n > 0).then(|| sum / n as f64)
    }

    /// Cells whose centre lies inside the polygon (source coordinates).
    pub fn in_polygon<'s>(
        &'s self,
        poly: &'s [[f32; 2]],
    ) -> impl Iterator<Item = &'s FaceCell> + 's {
        let [x0, y0, x1, y1] = bounds(poly);
        let idx =
            |v: f32, o: f32| ((v - o) / self.cell).floor().clamp(0.0, self.size as f32) as usize;
        let (u0, u1) = (
            idx(x0, self.origin[0]),
            (idx(x1, self.origin[0]) + 1).min(self.size),
        );
        let (v0, v1) = (
            idx(y0, self.origin[1]),
            (idx(y1, self.origin[1]) + 1).min(self.size),
        );
        (v0..v1)
            .flat_map(move |v| (u0..u1).map(move |u| (u, v)))
            .filter_map(move |(u, v)| {
                let c = self.grid.get(v * self.size + u)?.as_ref()?;
                point_in_polygon([c.x, c.y], poly).then_some(c)
            })
    }

    /// Class counts over cells.
    #[allow(
        clippy::indexing_slicing,
        reason = "a FaceClass discriminant (0..19) indexes a 19-entry array"
    )]
    pub fn count<'c>(cells: impl Iterator<Item = &'c FaceCell>) -> ClassCounts {
        let mut n = ClassCounts::default();
        for c in cells {
            n.0[c.class as usize] += 1;
        }
        n
    }
}

/// One node of the parsing model's logit grid with the probability of one class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbNode {
    /// Source x.
    pub x: f32,
    /// Source y.
    pub y: f32,
    /// Probability (softmax over the classes) of the class asked for.
    pub p: f32,
}

/// The probability of class `k` at every logit-grid node that lies inside the image. Small
/// objects (a stud earring, a thin chain) rarely win the argmax at 512 px yet raise their
/// class's probability on the 64 × 64 grid the model decides on.
pub fn class_nodes(p: &ParsingMap, k: FaceClass, width: u32, height: u32) -> Vec<ProbNode> {
    let probs = p.probabilities(k);
    let (w, h) = (width as f32, height as f32);
    let mut out = Vec::with_capacity(probs.len());
    for j in 0..p.grid {
        for i in 0..p.grid {
            let [x, y] = p.node_center(i, j);
            if x >= 0.0 && y >= 0.0 && x < w && y < h {
                let pr = probs.get(j * p.grid + i).copied().unwrap_or(0.0);
                out.push(ProbNode { x, y, p: pr });
            }
        }
    }
    out
}

/// Largest probability among the nodes inside `zone` and outside every polygon of `exclude`
/// (0 when none).
pub fn max_in_zone(nodes: &[ProbNode], zone: &[[f32; 2]], exclude: &[&[[f32; 2]]]) -> f64 {
    nodes
        .iter()
        .filter(|n| {
            point_in_polygon([n.x, n.y], zone)
                && !exclude.iter().any(|e| point_in_polygon([n.x, n.y], e))
        })
        .map(|n| n.p as f64)
        .fold(0.0, f64::max)
}

/// Even-odd point-in-polygon test.
#[allow(clippy::indexing_slicing, reason = "i and j range over 0..poly.len()")]
pub fn point_in_polygon(p: [f32; 2], poly: &[[f32; 2]]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let (a, b) = (poly[i], poly[(i + n - 1) % n]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            inside = !inside;
        }
    }
    inside
}

/// Scales a polygon about its centroid.
pub fn grow(poly: &[[f32; 2]], k: f32) -> Vec<[f32; 2]> {
    let n = poly.len().max(1) as f32;
    let c = poly
        .iter()
        .fold([0.0, 0.0], |a, p| [a[0] + p[0] / n, a[1] + p[1] / n]);
    poly.iter()
        .map(|p| [c[0] + (p[0] - c[0]) * k, c[1] + (p[1] - c[1]) * k])
        .collect()
}

/// Long side of the grid the background is sampled on.
const BG_GRID: usize = 160;

/// One backdrop sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BgPixel {
    /// Source x.
    pub x: f32,
    /// Source y.
    pub y: f32,
    /// Along the eye line from the eye midpoint.
    pub u: f32,
    /// Colour.
    pub lab: Lab,
    /// Distance to the nearest person pixel, source pixels.
    pub dist: f32,
}

/// Backdrop samples over the whole image.
#[derive(Clone, Debug)]
pub struct BackgroundStats {
    /// Backdrop samples.
    pub pixels: Vec<BgPixel>,
    /// All samples taken (backdrop or not).
    pub total: usize,
    /// Source pixels per sample.
    pub step: f32,
}

impl BackgroundStats {
    /// Samples the image on a coarse anti-aliased grid and keeps what is clearly backdrop.
    #[allow(
        clippy::indexing_slicing,
        reason = "pixel and grid indices range over the buffers' own dimensions"
    )]
    pub(crate) fn compute(
        pyr: &Pyramid<'_>,
        a: &Analysis,
        head: &HeadGeometry,
    ) -> Option<BackgroundStats> {
        let img = pyr.base();
        let mask = a.person.as_ref()?;
        let (w, h) = (img.width() as f32, img.height() as f32);
        let step = w.max(h) / BG_GRID as f32;
        let (gw, gh) = (
            ((w / step).floor() as usize).max(1),
            ((h / step).floor() as usize).max(1),
        );
        let buf = pyr.sample(&Affine::scale_offset(step as f64, 0.0, 0.0), gw, gh, 0.0);
        let mut is_person = vec![false; gw * gh];
        let mut cand = Vec::with_capacity(gw * gh);
        for gy in 0..gh {
            for gx in 0..gw {
                let (x, y) = ((gx as f32 + 0.5) * step, (gy as f32 + 0.5) * step);
                let prob = mask.prob_at(x, y);
                let parse = a.parsing.as_ref().and_then(|p| p.class_at(x, y));
                let person =
                    prob >= PERSON_THRESHOLD || parse.is_some_and(|k| k != FaceClass::Background);
                is_person[gy * gw + gx] = person;
                let clear =
                    prob < BACKDROP_MAX_PERSON && parse.is_none_or(|k| k == FaceClass::Background);
                cand.push(clear);
            }
        }
        let dist = chamfer(&is_person, gw, gh);
        let frame = head.local_frame();
        let mut kept = Vec::new();
        let mut rgb = Vec::new();
        for gy in 0..gh {
            for gx in 0..gw {
                let i = gy * gw + gx;
                // one sample of margin from the person: the matte edge mixes both colours
                if !cand[i] || dist[i] < 1.5 {
                    continue;
                }
                kept.push((gx, gy, i));
                rgb.push([buf[i * 3] as u8, buf[i * 3 + 1] as u8, buf[i * 3 + 2] as u8]);
            }
        }
        let pixels = kept
            .into_iter()
            .zip(srgb_to_lab_many(&rgb))
            .map(|((gx, gy, i), lab)| {
                let (x, y) = ((gx as f32 + 0.5) * step, (gy as f32 + 0.5) * step);
                BgPixel {
                    x,
                    y,
                    u: frame.to_local([x as f64, y as f64])[0] as f32,
                    lab,
                    dist: dist[i] * step,
                }
            })
            .collect();
        Some(BackgroundStats {
            pixels,
            total: gw * gh,
            step,
        })
    }

    /// Share of the image that is clear backdrop.
    pub fn coverage(&self) -> f64 {
        self.pixels.len() as f64 / self.total.max(1) as f64
    }
}

/// Distance (in grid cells, 3-4 chamfer / 3) from each cell to the nearest `true` cell.
#[allow(
    clippy::indexing_slicing,
    reason = "the distance map has w·h entries and the passes stay inside 0..w, 0..h"
)]
fn chamfer(seed: &[bool], w: usize, h: usize) -> Vec<f32> {
    let inf = f32::MAX / 4.0;
    let mut d: Vec<f32> = seed.iter().map(|&s| if s { 0.0 } else { inf }).collect();
    let at = |d: &Vec<f32>, x: isize, y: isize| -> f32 {
        if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
            inf
        } else {
            d[y as usize * w + x as usize]
        }
    };
    for y in 0..h as isize {
        for x in 0..w as isize {
            let i = y as usize * w + x as usize;
            let m = d[i]
                .min(at(&d, x - 1, y) + 1.0)
                .min(at(&d, x, y - 1) + 1.0)
                .min(at(&d, x - 1, y - 1) + 1.414)
                .min(at(&d, x + 1, y - 1) + 1.414);
            d[i] = m;
        }
    }
    for y in (0..h as isize).rev() {
        for x in (0..w as isize).rev() {
            let i = y as usize * w + x as usize;
            let m = d[i]
                .min(at(&d, x + 1, y) + 1.0)
                .min(at(&d, x, y + 1) + 1.0)
                .min(at(&d, x + 1, y + 1) + 1.414)
                .min(at(&d, x - 1, y + 1) + 1.414);
            d[i] = m;
        }
    }
    d
}

/// The bounding box `[x0, y0, x1, y1]` of a polygon (`[MAX, MAX, MIN, MIN]` when empty).
pub(crate) fn bounds(poly: &[[f32; 2]]) -> [f32; 4] {
    poly.iter().fold(
        [f32::MAX, f32::MAX, f32::MIN, f32::MIN],
        |[x0, y0, x1, y1], p| [x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1])],
    )
}

/// The `q` quantile of some values: the element a sort would put at `⌊len · q⌋` (`None` when
/// empty), found in linear time.
pub(crate) fn quantile(mut v: Vec<f32>, q: f64) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    let k = ((v.len() as f64 * q) as usize).min(v.len() - 1);
    let (_, x, _) = v.select_nth_unstable_by(k, f32::total_cmp);
    Some(*x)
}

/// 8-connected components of the `true` cells of a `w` × `h` grid, as lists of indices.
pub(crate) fn components(mask: &[bool], w: usize, h: usize) -> Vec<Vec<usize>> {
    let mut seen = vec![false; mask.len()];
    let (mut out, mut stack) = (Vec::new(), Vec::new());
    let set = |v: &[bool], j: usize| v.get(j).copied().unwrap_or(false);
    for start in 0..mask.len() {
        if !set(mask, start) || set(&seen, start) {
            continue;
        }
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        stack.push(start);
        let mut comp = Vec::new();
        while let Some(i) = stack.pop() {
            comp.push(i);
            let (x, y) = (i % w, i / w);
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = yy * w + xx;
                    if set(mask, j) && !set(&seen, j) {
                        if let Some(s) = seen.get_mut(j) {
                            *s = true;
                        }
                        stack.push(j);
                    }
                }
            }
        }
        out.push(comp);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_filters_read_the_same_cells_as_a_scan() {
        // a 16×16 map over a 12×12 image (cells past the edge are outside), labels cycling
        // through every class
        let size = 16;
        let labels: Vec<u8> = (0..size * size).map(|i| ((i * 7) % 19) as u8).collect();
        let p = ParsingMap::from_labels(0.0, 0.0, 16.0, size, labels);
        let img = RgbImage::from_fn(12, 12, |x, y| {
            image::Rgb([(x * 20) as u8, (y * 20) as u8, 90])
        });
        let head = HeadGeometry {
            eye_mid: [6.0, 5.0],
            angle: 0.1,
            eye_distance: 4.0,
            face_width: 8.0,
            head_width: 10.0,
            face_center_u: 0.0,
            crown_up: 5.0,
            chin_down: 6.0,
            crown_source: crate::normalize::CrownSource::Parsing,
            crown_cut: false,
        };
        let st = FaceStats::compute(&img, &p, &head).expect("labels are classes");
        assert_eq!(st.cells().count(), 144);
        for ks in [
            &[FaceClass::Skin][..],
            &[FaceClass::Skin, FaceClass::Nose],
            &[FaceClass::Hair, FaceClass::Background, FaceClass::Cloth],
            &[],
        ] {
            let scanned: Vec<&FaceCell> = st.cells().filter(|c| ks.contains(&c.class)).collect();
            let filtered: Vec<&FaceCell> = st.of_classes(ks).collect();
            assert_eq!(filtered, scanned, "{ks:?}");
        }
        assert!(st.of_class(FaceClass::Skin).count() > 0);
    }

    #[test]
    fn polygon_and_chamfer() {
        let sq = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!(point_in_polygon([5.0, 5.0], &sq));
        assert!(!point_in_polygon([11.0, 5.0], &sq));
        let g = grow(&sq, 2.0);
        assert!(point_in_polygon([12.0, 5.0], &g));
        let mut seed = vec![false; 25];
        seed[12] = true;
        let d = chamfer(&seed, 5, 5);
        assert_eq!(d[12], 0.0);
        assert_eq!(d[13], 1.0);
        assert!((d[0] - 2.828).abs() < 0.01);
    }
}
