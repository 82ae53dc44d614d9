//! What the models say about one photo. Every coordinate is in source-image pixels (after EXIF
//! orientation). Checks read only this, so a check's unit test can build one by hand.

use serde::{Deserialize, Serialize};

pub use crate::face_geometry::PoseFit;
pub use crate::report::Pose;

/// An axis-aligned box.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl BBox {
    /// Area.
    pub fn area(&self) -> f32 {
        self.w.max(0.0) * self.h.max(0.0)
    }

    /// Centre.
    pub fn center(&self) -> [f32; 2] {
        [self.x + self.w / 2.0, self.y + self.h / 2.0]
    }

    /// Intersection over union.
    pub fn iou(&self, o: &BBox) -> f32 {
        let x0 = self.x.max(o.x);
        let y0 = self.y.max(o.y);
        let x1 = (self.x + self.w).min(o.x + o.w);
        let y1 = (self.y + self.h).min(o.y + o.h);
        let inter = (x1 - x0).max(0.0) * (y1 - y0).max(0.0);
        let union = self.area() + o.area() - inter;
        if union > 0.0 {
            inter / union
        } else {
            0.0
        }
    }

    /// Whether the point lies inside.
    pub fn contains(&self, p: [f32; 2]) -> bool {
        p[0] >= self.x && p[0] <= self.x + self.w && p[1] >= self.y && p[1] <= self.y + self.h
    }
}

/// One detected face.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceDetection {
    /// Detector confidence, 0..=1.
    pub score: f32,
    /// Face box.
    pub bbox: BBox,
    /// BlazeFace keypoints: the person's right eye, left eye, nose tip, mouth centre, right ear
    /// tragion, left ear tragion. The person's right eye is on the image's left.
    pub keypoints: [[f32; 2]; 6],
}

/// Landmarks per face: the 468-point MediaPipe face mesh and 5 points on each iris.
pub const LANDMARK_COUNT: usize = 478;

/// Indices into the 478 MediaPipe face landmarks (FaceMesh v2: the 468-point mesh, then
/// 468–472 on the person's right iris and 473–477 on the left).
pub mod mesh {
    /// Top of the forehead (hairline on the midline).
    pub const FOREHEAD: usize = 10;
    /// Chin (lowest midline point).
    pub const CHIN: usize = 152;
    /// Nose tip.
    pub const NOSE_TIP: usize = 1;
    /// Right-eye (image left) outer and inner corners, upper and lower lid midpoints.
    pub const RIGHT_EYE: [usize; 4] = [33, 133, 159, 145];
    /// Left-eye (image right) outer and inner corners, upper and lower lid midpoints.
    pub const LEFT_EYE: [usize; 4] = [263, 362, 386, 374];
    /// Right-eye contour (16 points).
    pub const RIGHT_EYE_CONTOUR: [usize; 16] = [
        33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
    ];
    /// Left-eye contour, point for point the mirror of [`RIGHT_EYE_CONTOUR`].
    pub const LEFT_EYE_CONTOUR: [usize; 16] = [
        263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466,
    ];
    /// Right eyebrow (image left): upper edge then lower edge.
    pub const RIGHT_BROW: [usize; 10] = [70, 63, 105, 66, 107, 55, 65, 52, 53, 46];
    /// Left eyebrow, point for point the mirror of [`RIGHT_BROW`].
    pub const LEFT_BROW: [usize; 10] = [300, 293, 334, 296, 336, 285, 295, 282, 283, 276];
    /// Mouth corners (right, left).
    pub const MOUTH_CORNERS: [usize; 2] = [61, 291];
    /// Inner lip midpoints (upper, lower).
    pub const INNER_LIPS: [usize; 2] = [13, 14];
    /// Outer lip midpoints (upper, lower).
    pub const OUTER_LIPS: [usize; 2] = [0, 17];
    /// Face oval, clockwise from the forehead.
    pub const FACE_OVAL: [usize; 36] = [
        10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
        152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
    ];
    /// The person's right iris (image left): centre, then four points on its rim (right, top,
    /// left, bottom in the image).
    pub const RIGHT_IRIS: [usize; 5] = [468, 469, 470, 471, 472];
    /// The person's left iris (image right), as [`RIGHT_IRIS`].
    pub const LEFT_IRIS: [usize; 5] = [473, 474, 475, 476, 477];
    /// Cheek edges at eye height (right = image left, left = image right).
    pub const CHEEKS: [usize; 2] = [234, 454];
    /// Mirror pairs (person's right, person's left) across the face's midline.
    pub const MIRROR_PAIRS: [(usize, usize); 17] = [
        (109, 338),
        (67, 297),
        (103, 332),
        (54, 284),
        (21, 251),
        (162, 389),
        (127, 356),
        (234, 454),
        (93, 323),
        (132, 361),
        (58, 288),
        (172, 397),
        (136, 365),
        (150, 379),
        (149, 378),
        (176, 400),
        (148, 377),
    ];
}

/// The 478 landmarks of the main face (see [`mesh`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaceLandmarks {
    /// `[x, y, z]` per point; z is depth in the same scale as x (negative = nearer the camera).
    pub points: Vec<[f32; 3]>,
    /// Face-presence confidence of the mesh model, 0..=1.
    pub presence: f32,
}

impl FaceLandmarks {
    /// Point `i` as `[x, y]` (zeros if out of range).
    pub fn xy(&self, i: usize) -> [f32; 2] {
        self.points.get(i).map_or([0.0; 2], |p| [p[0], p[1]])
    }

    /// Mean of several points.
    pub fn mean_xy(&self, idx: &[usize]) -> [f32; 2] {
        let n = idx.len().max(1) as f32;
        let s = idx.iter().fold([0.0f32; 2], |a, &i| {
            let p = self.xy(i);
            [a[0] + p[0], a[1] + p[1]]
        });
        [s[0] / n, s[1] / n]
    }

    /// Centre of the person's right eye (image left).
    pub fn right_eye(&self) -> [f32; 2] {
        self.mean_xy(&mesh::RIGHT_EYE_CONTOUR)
    }

    /// Centre of the person's left eye (image right).
    pub fn left_eye(&self) -> [f32; 2] {
        self.mean_xy(&mesh::LEFT_EYE_CONTOUR)
    }

    /// Bounding box of all points.
    pub fn bbox(&self) -> BBox {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in &self.points {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        BBox {
            x: x0,
            y: y0,
            w: (x1 - x0).max(0.0),
            h: (y1 - y0).max(0.0),
        }
    }

    /// Head pose from the canonical face fitted to the mesh (see [`crate::face_geometry`]).
    pub fn pose_fit(&self) -> Option<PoseFit> {
        crate::face_geometry::fit(&self.points)
    }
}

/// The 19 classes of the BiSeNet face-parsing model (CelebAMask-HQ labels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
#[allow(missing_docs)]
pub enum FaceClass {
    Background = 0,
    Skin = 1,
    /// The person's left eyebrow (image right).
    LeftBrow = 2,
    /// The person's right eyebrow (image left).
    RightBrow = 3,
    LeftEye = 4,
    RightEye = 5,
    Eyeglasses = 6,
    LeftEar = 7,
    RightEar = 8,
    Earring = 9,
    Nose = 10,
    Mouth = 11,
    UpperLip = 12,
    LowerLip = 13,
    Neck = 14,
    Necklace = 15,
    Cloth = 16,
    Hair = 17,
    Hat = 18,
}

impl FaceClass {
    /// Every class, by label value.
    pub const ALL: [FaceClass; 19] = [
        FaceClass::Background,
        FaceClass::Skin,
        FaceClass::LeftBrow,
        FaceClass::RightBrow,
        FaceClass::LeftEye,
        FaceClass::RightEye,
        FaceClass::Eyeglasses,
        FaceClass::LeftEar,
        FaceClass::RightEar,
        FaceClass::Earring,
        FaceClass::Nose,
        FaceClass::Mouth,
        FaceClass::UpperLip,
        FaceClass::LowerLip,
        FaceClass::Neck,
        FaceClass::Necklace,
        FaceClass::Cloth,
        FaceClass::Hair,
        FaceClass::Hat,
    ];

    /// The class with this label value.
    pub fn from_label(v: u8) -> Option<FaceClass> {
        FaceClass::ALL.get(v as usize).copied()
    }
}

/// The face-parsing result: a square region of the source around the face, with the class of
/// each of its `size` × `size` cells and every class's logit on a coarser grid (what the model
/// computes before its final upsampling), so checks can read how sure the model is of a small
/// class (an earring, a necklace) where it is not the most likely one.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsingMap {
    /// Source x of the region's left edge (may be negative: the region may extend past the image).
    pub x: f32,
    /// Source y of the region's top edge.
    pub y: f32,
    /// Side of the region in source pixels.
    pub side: f32,
    /// Labels per side.
    pub size: usize,
    /// Row-major labels (`FaceClass as u8`): the most likely class of each cell, except where
    /// the pipeline reconciled it with the person mask ([`ParsingMap::clear_hat_off_person`]).
    pub labels: Vec<u8>,
    /// Nodes per side of the logit grid. The grid spans the label grid corner to corner: node
    /// `(0, 0)` sits on the centre of label cell `(0, 0)` and node `(grid − 1, grid − 1)` on
    /// that of cell `(size − 1, size − 1)` (the model's align-corners upsampling).
    pub grid: usize,
    /// Logits, one row-major `grid × grid` plane per class in [`FaceClass::ALL`] order.
    pub logits: Vec<f32>,
}

impl ParsingMap {
    /// A map from labels alone (synthetic analyses, tests): the logits sit on the label grid,
    /// 10 for the labelled class and 0 for the others (probability ≈ 1 for the label).
    pub fn from_labels(x: f32, y: f32, side: f32, size: usize, labels: Vec<u8>) -> ParsingMap {
        let n = size * size;
        let mut logits = vec![0.0f32; FaceClass::ALL.len() * n];
        for (i, &l) in labels.iter().enumerate().take(n) {
            if let Some(v) = logits.get_mut(l as usize * n + i) {
                *v = 10.0;
            }
        }
        ParsingMap {
            x,
            y,
            side,
            size,
            labels,
            grid: size,
            logits,
        }
    }

    /// Relabels as backdrop every cell labelled [`FaceClass::Hat`] where `person` reads below
    /// [`BACKDROP_MAX_PERSON`] (and outside the image, which the mask reads as 0), returning how
    /// many. A hat is worn: it is part of the person's outline, which the person mask draws.
    /// The parsing model, shown only a square around the face, also calls some backdrops
    /// "hat" — a dark, textured wall beside a side-lit head, a flag behind a cap, a blue
    /// cloth above a head — and those cells, read as a hat, fail `headwear`, raise the crown
    /// and stay in the output when the background is replaced. Measured on the 10 photos of
    /// `../shared/eval` and the demo photos with any hat (share of their hat pixels, in the
    /// output frame, where the mask reads under [`BACKDROP_MAX_PERSON`]): the hats worn — a
    /// beanie, two caps, sunglasses pushed up, a flower crown, Grace Hopper's cap — 0–0.10
    /// (0.06: flowers past the mask's edge, 0.10: the flag); the backdrops called hat
    /// 0.54–0.98 (a wall of yale-04-rightlight 0.98, bgan-vsyyz306's blue cloth 0.93,
    /// deca-exp0-glasses 0.78, dh-karo-closed 0.54). With it, `headwear` no longer fails
    /// yale-04-rightlight (labelled bare-headed; hat share 0.25 → 0.004) and nothing else
    /// labelled changes (`idphoto evaluate --spec cn/id-card --labels ../shared/eval/labels.json
    /// --photos ../shared/eval/photos`).
    pub fn clear_hat_off_person(&mut self, person: &PersonMask) -> usize {
        let (hat, bg) = (FaceClass::Hat as u8, FaceClass::Background as u8);
        let mut cleared = 0;
        for v in 0..self.size {
            for u in 0..self.size {
                let [x, y] = self.cell_center(u, v);
                if let Some(l) = self.labels.get_mut(v * self.size + u) {
                    if *l == hat && person.prob_at(x, y) < BACKDROP_MAX_PERSON {
                        *l = bg;
                        cleared += 1;
                    }
                }
            }
        }
        cleared
    }

    /// Source pixels per label cell.
    pub fn cell(&self) -> f32 {
        self.side / self.size as f32
    }

    /// The class at a source point (`None` outside the region).
    pub fn class_at(&self, x: f32, y: f32) -> Option<FaceClass> {
        let c = self.cell();
        let (u, v) = ((x - self.x) / c, (y - self.y) / c);
        if !(u >= 0.0 && v >= 0.0) {
            return None;
        }
        let (u, v) = (u as usize, v as usize);
        if u >= self.size || v >= self.size {
            return None;
        }
        self.labels
            .get(v * self.size + u)
            .and_then(|&l| FaceClass::from_label(l))
    }

    /// Source coordinates of the centre of cell `(u, v)`.
    pub fn cell_center(&self, u: usize, v: usize) -> [f32; 2] {
        let c = self.cell();
        [self.x + (u as f32 + 0.5) * c, self.y + (v as f32 + 0.5) * c]
    }

    /// Source coordinates of logit-grid node `(i, j)` (column, row).
    pub fn node_center(&self, i: usize, j: usize) -> [f32; 2] {
        let k = if self.grid > 1 {
            (self.size - 1) as f32 / (self.grid - 1) as f32
        } else {
            0.0
        };
        let c = self.cell();
        [
            self.x + (i as f32 * k + 0.5) * c,
            self.y + (j as f32 * k + 0.5) * c,
        ]
    }

    /// Source pixels between neighbouring logit-grid nodes.
    pub fn node_spacing(&self) -> f32 {
        if self.grid > 1 {
            self.cell() * (self.size - 1) as f32 / (self.grid - 1) as f32
        } else {
            self.side
        }
    }

    /// The probability (softmax over the classes) of class `k` at every logit-grid node,
    /// row-major `grid × grid`.
    pub fn probabilities(&self, k: FaceClass) -> Vec<f32> {
        let n = self.grid * self.grid;
        let planes: Vec<&[f32]> = self.logits.chunks_exact(n.max(1)).collect();
        let Some(target) = planes.get(k as usize) else {
            return vec![0.0; n];
        };
        (0..n)
            .map(|i| {
                let max = planes
                    .iter()
                    .map(|p| p.get(i).copied().unwrap_or(f32::MIN))
                    .fold(f32::MIN, f32::max);
                let sum: f32 = planes
                    .iter()
                    .map(|p| (p.get(i).copied().unwrap_or(f32::MIN) - max).exp())
                    .sum();
                target
                    .get(i)
                    .map_or(0.0, |&t| (t - max).exp() / sum.max(1e-30))
            })
            .collect()
    }

    /// Number of cells of class `k`.
    pub fn count(&self, k: FaceClass) -> usize {
        self.labels.iter().filter(|&&l| l == k as u8).count()
    }

    /// Share of the region labelled `k`.
    pub fn fraction(&self, k: FaceClass) -> f32 {
        self.count(k) as f32 / self.labels.len().max(1) as f32
    }

    /// Bounding box (source pixels) of the cells labelled `k`, if any.
    pub fn bbox_of(&self, k: FaceClass) -> Option<BBox> {
        let (mut u0, mut v0, mut u1, mut v1) = (usize::MAX, usize::MAX, 0, 0);
        for (i, &l) in self.labels.iter().enumerate() {
            if l == k as u8 {
                let (u, v) = (i % self.size, i / self.size);
                u0 = u0.min(u);
                v0 = v0.min(v);
                u1 = u1.max(u);
                v1 = v1.max(v);
            }
        }
        (u0 != usize::MAX).then(|| {
            let c = self.cell();
            BBox {
                x: self.x + u0 as f32 * c,
                y: self.y + v0 as f32 * c,
                w: (u1 - u0 + 1) as f32 * c,
                h: (v1 - v0 + 1) as f32 * c,
            }
        })
    }
}

/// Person-mask probability below which a point is backdrop, whatever the parsing says of it
/// (the mask's soft edge stays above it: a pixel there may be either).
pub const BACKDROP_MAX_PERSON: f32 = 0.2;

/// Hair probability over a square crop around the head, `size` × `size` cells.
#[derive(Clone, Debug, PartialEq)]
pub struct HairMask {
    /// Left of the square crop, source pixels.
    pub x: f32,
    /// Top of the crop.
    pub y: f32,
    /// Side of the crop, source pixels.
    pub side: f32,
    /// Cells across and down.
    pub size: usize,
    /// Row-major hair probability, 0..=1.
    pub data: Vec<f32>,
}

impl HairMask {
    /// Hair probability at a source point (nearest cell; 0 outside the crop).
    pub fn prob_at(&self, x: f32, y: f32) -> f32 {
        if self.size == 0 || self.side <= 0.0 {
            return 0.0;
        }
        let u = (x - self.x) / self.side * self.size as f32;
        let v = (y - self.y) / self.side * self.size as f32;
        if !(u >= 0.0 && v >= 0.0 && u < self.size as f32 && v < self.size as f32) {
            return 0.0;
        }
        self.data
            .get(v as usize * self.size + u as usize)
            .copied()
            .unwrap_or(0.0)
    }
}

/// A soft person mask over the whole image, `width` × `height` cells stretched over the source.
#[derive(Clone, Debug, PartialEq)]
pub struct PersonMask {
    /// Cells across.
    pub width: usize,
    /// Cells down.
    pub height: usize,
    /// Source image width the mask covers.
    pub src_width: u32,
    /// Source image height the mask covers.
    pub src_height: u32,
    /// Row-major person probability, 0..=1.
    pub data: Vec<f32>,
}

impl PersonMask {
    /// Person probability at a source point, bilinear (0 outside the image).
    pub fn prob_at(&self, x: f32, y: f32) -> f32 {
        if self.width == 0 || self.height == 0 {
            return 0.0;
        }
        let u = x / self.src_width as f32 * self.width as f32 - 0.5;
        let v = y / self.src_height as f32 * self.height as f32 - 0.5;
        if !(u > -1.0 && v > -1.0 && u < self.width as f32 && v < self.height as f32) {
            return 0.0;
        }
        // floor of a value above −1 without a libm call (baseline x86-64 has no rounding
        // instruction): truncate the value shifted to be positive
        let floor = |t: f32| (t + 1.0) as usize as f32 - 1.0;
        let (u0, v0) = (floor(u), floor(v));
        let (fu, fv) = (u - u0, v - v0);
        let at = |uu: f32, vv: f32| {
            let (uu, vv) = (
                uu.clamp(0.0, (self.width - 1) as f32) as usize,
                vv.clamp(0.0, (self.height - 1) as f32) as usize,
            );
            self.data.get(vv * self.width + uu).copied().unwrap_or(0.0)
        };
        at(u0, v0) * (1.0 - fu) * (1.0 - fv)
            + at(u0 + 1.0, v0) * fu * (1.0 - fv)
            + at(u0, v0 + 1.0) * (1.0 - fu) * fv
            + at(u0 + 1.0, v0 + 1.0) * fu * fv
    }

    /// Share of the image covered by the person (probability > 0.5).
    pub fn coverage(&self) -> f32 {
        self.data.iter().filter(|&&p| p > 0.5).count() as f32 / self.data.len().max(1) as f32
    }
}

/// Everything the models say about one photo.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// Width of the photo analysed (after EXIF orientation and [`rotation`](Self::rotation)).
    pub width: u32,
    /// Source height.
    pub height: u32,
    /// The quarter turn that made the photo upright before it was analysed (a photo stored
    /// sideways or upside down without an EXIF tag); every coordinate here refers to the turned
    /// photo.
    pub rotation: crate::image_io::Rotation,
    /// Every face found, best score first.
    pub faces: Vec<FaceDetection>,
    /// Index into `faces` of the face analysed further (the largest confident one).
    pub main_face: Option<usize>,
    /// Mesh of the main face.
    pub landmarks: Option<FaceLandmarks>,
    /// Pose of the main face.
    pub pose: Option<Pose>,
    /// How far the mesh is from a rigid pose of the canonical face: the fit's weighted RMS
    /// residual in the canonical face's centimetres (see [`crate::face_geometry`]).
    pub pose_residual_cm: Option<f64>,
    /// Face parsing around the main face (absent when the parsing model is not loaded), its
    /// hat cells reconciled with the person mask ([`ParsingMap::clear_hat_off_person`]).
    pub parsing: Option<ParsingMap>,
    /// Person mask (absent when the segmentation model is not loaded).
    pub person: Option<PersonMask>,
    /// Hair probability around the main face from the hair segmentation model (absent
    /// without a face or without that model): a second opinion beside the parsing map's hair.
    pub hair: Option<HairMask>,
}

impl Analysis {
    /// The main face's detection.
    pub fn main(&self) -> Option<&FaceDetection> {
        self.main_face.and_then(|i| self.faces.get(i))
    }

    /// Faces with at least this score.
    pub fn faces_above(&self, min_score: f32) -> usize {
        self.faces.iter().filter(|f| f.score >= min_score).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hat_off_the_person_is_backdrop() {
        // a 40 × 40 photo, parsed on a 4 × 4 grid of 10-px cells: hat across the top row,
        // hair on the second; the person mask holds the right half only
        let mut labels = vec![FaceClass::Skin as u8; 16];
        labels[..4].fill(FaceClass::Hat as u8);
        labels[4..8].fill(FaceClass::Hair as u8);
        let mut p = ParsingMap::from_labels(0.0, 0.0, 40.0, 4, labels);
        let person = PersonMask {
            width: 4,
            height: 4,
            src_width: 40,
            src_height: 40,
            data: (0..16)
                .map(|i| if i % 4 >= 2 { 1.0 } else { 0.0 })
                .collect(),
        };
        assert_eq!(p.clear_hat_off_person(&person), 2);
        let class = |u: f32, v: f32| p.class_at(u * 10.0 + 5.0, v * 10.0 + 5.0);
        for u in 0..2 {
            // the hat on the backdrop side is backdrop; the hair beside it stays hair
            assert_eq!(class(u as f32, 0.0), Some(FaceClass::Background));
            assert_eq!(class(u as f32, 1.0), Some(FaceClass::Hair));
        }
        for u in 2..4 {
            assert_eq!(class(u as f32, 0.0), Some(FaceClass::Hat));
        }
    }

    #[test]
    fn iou_and_parsing_lookup() {
        let a = BBox {
            x: 0.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        let b = BBox {
            x: 5.0,
            y: 0.0,
            w: 10.0,
            h: 10.0,
        };
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-6);
        let mut labels = vec![0u8; 16];
        labels[5] = FaceClass::Hair as u8; // cell (1, 1)
        let m = ParsingMap::from_labels(100.0, 200.0, 8.0, 4, labels);
        assert!(m.probabilities(FaceClass::Hair)[5] > 0.99);
        assert!(m.probabilities(FaceClass::Skin)[5] < 0.01);
        assert_eq!(m.node_center(1, 1), [103.0, 203.0]);
        assert_eq!(m.class_at(103.0, 203.0), Some(FaceClass::Hair));
        assert_eq!(m.class_at(99.0, 203.0), None);
        assert_eq!(
            m.bbox_of(FaceClass::Hair),
            Some(BBox {
                x: 102.0,
                y: 202.0,
                w: 2.0,
                h: 2.0
            })
        );
    }
}
