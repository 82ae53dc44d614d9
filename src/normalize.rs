//! The compliant output image: head measurements, the crop plan that puts the head where the spec
//! wants it, and the render (one-pass rotate + crop + resize, optional background replacement).

use image::{Rgb, RgbImage};

use crate::analysis::{mesh, Analysis, FaceClass};
use crate::models::sample::{round_u8, Affine, Pyramid};
use crate::spec::{PhotoSpec, Range};

/// Without a parsing map or person mask the crown is estimated from the face: in the classical
/// head canon the eyes sit halfway between crown and chin, so crown-to-eye ≈ eye-to-chin; hair
/// adds about 10 % (the mean over the fixture portraits where parsing finds the crown).
pub const CROWN_OVER_CHIN_ESTIMATE: f64 = 1.1;
/// Head width (ears or hair included) over face width (cheek to cheek) when parsing cannot
/// measure it; anthropometric head breadth vs. bizygomatic breadth is about 1.15–1.2.
pub const HEAD_OVER_FACE_WIDTH_ESTIMATE: f64 = 1.18;
/// When a spec sets no vertical position, the crown is placed this share of the height below
/// the top edge (the ICAO 9303 example portraits leave about a tenth above the hair).
pub const DEFAULT_CROWN_MARGIN_FRACTION: f64 = 0.1;
/// Half-width of the central band (share of the face width) searched for the crown.
const CROP_BAND_HALF: f64 = 0.3;
/// Colour difference (CIEDE2000) under which a head cell at the top of the head cannot be told
/// from the backdrop around it: the just-noticeable difference, ΔE ≈ 2.3 (G. Sharma, *Digital
/// Color Imaging Handbook*, 2003). The parsing model extends light hair into a light backdrop
/// (white hair on white: 7 px above the last hair pixel on a re-checked output whose backdrop
/// is pure fill); nobody can see a crown there, so it is not measured there.
pub const CROWN_MIN_DELTA_E: f64 = 2.3;
/// Room kept above the crown (share of the output height) where a spec sets no crown margin, its
/// ranges allow it and the photo has the rows for it (no padding that the plan without it
/// would not need). A crown on the top edge reads as cut: the `framing` check calls the
/// crown cut when the head reaches within two parsing cells (≈ 0.4 % of the height) of the
/// edge, and the crown of a re-framed, re-backgrounded output measures up to ≈ 3 px (0.6 % of
/// 531 px) higher than planned (`every_reachable_output_rechecks_compliant_geometry` in
/// `tests/output.rs`); 1 % keeps a re-checked output clear of both.
pub const MIN_CROWN_ROOM: f64 = 0.01;
/// Scales tried across the allowed interval when searching for one that fits vertically.
const SCALE_STEPS: usize = 40;
/// Person-mask probability above which a pixel belongs to the person.
pub const PERSON_THRESHOLD: f32 = 0.5;

/// Where the crown measurement came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrownSource {
    /// Top of the hair/hat/skin in the parsing map.
    Parsing,
    /// Top of the person mask.
    PersonMask,
    /// Estimated from the eye-to-chin distance.
    Estimated,
}

/// Head measurements in source pixels, in the frame rotated so the eyes are level: `u` runs
/// along the eye line (image right), `v` down, origin at the midpoint of the eyes.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGeometry {
    /// Midpoint of the eye centres, source coordinates.
    pub eye_mid: [f64; 2],
    /// Angle of the eye line in the source (radians, y down): the roll to undo.
    pub angle: f64,
    /// Distance between the eye centres.
    pub eye_distance: f64,
    /// Cheek-to-cheek width.
    pub face_width: f64,
    /// Width including ears / hair at ear height.
    pub head_width: f64,
    /// `u` of the face centre (midpoint of the cheeks).
    pub face_center_u: f64,
    /// Crown above the eye line (positive).
    pub crown_up: f64,
    /// Chin below the eye line (positive).
    pub chin_down: f64,
    /// How the crown was found.
    pub crown_source: CrownSource,
    /// Whether the head region touches the edge of the image or of the parsing region at the
    /// crown (the real crown is then unknown: the head is cut off).
    pub crown_cut: bool,
}

/// [`HeadGeometry::to_local`]'s frame: origin and unit axes in source coordinates.
pub(crate) struct LocalFrame {
    origin: [f64; 2],
    ex: [f64; 2],
    ey: [f64; 2],
}

impl LocalFrame {
    /// Source point → (u, v).
    pub(crate) fn to_local(&self, p: [f64; 2]) -> [f64; 2] {
        let (ex, ey) = (self.ex, self.ey);
        let d = [p[0] - self.origin[0], p[1] - self.origin[1]];
        [d[0] * ex[0] + d[1] * ex[1], d[0] * ey[0] + d[1] * ey[1]]
    }
}

impl HeadGeometry {
    /// Chin-to-crown height.
    pub fn head_height(&self) -> f64 {
        self.crown_up + self.chin_down
    }

    fn axes(&self) -> ([f64; 2], [f64; 2]) {
        let (s, c) = self.angle.sin_cos();
        ([c, s], [-s, c])
    }

    /// Source point → (u, v).
    pub fn to_local(&self, p: [f64; 2]) -> [f64; 2] {
        self.local_frame().to_local(p)
    }

    /// The (u, v) frame with its axes worked out once, for many points.
    pub(crate) fn local_frame(&self) -> LocalFrame {
        let (ex, ey) = self.axes();
        LocalFrame {
            origin: self.eye_mid,
            ex,
            ey,
        }
    }

    /// (u, v) → source point.
    pub fn to_source(&self, l: [f64; 2]) -> [f64; 2] {
        let (ex, ey) = self.axes();
        [
            self.eye_mid[0] + l[0] * ex[0] + l[1] * ey[0],
            self.eye_mid[1] + l[0] * ex[1] + l[1] * ey[1],
        ]
    }

    /// Measures the main face of `a`. `None` without landmarks.
    pub fn measure(a: &Analysis) -> Option<HeadGeometry> {
        Self::measure_in(a, None)
    }

    /// As [`HeadGeometry::measure`], with the photo `a` was made from: the crown is then the
    /// topmost head cell that can be told from the backdrop ([`CROWN_MIN_DELTA_E`]).
    pub fn measure_with_image(a: &Analysis, image: &RgbImage) -> Option<HeadGeometry> {
        Self::measure_in(a, Some(image))
    }

    fn measure_in(a: &Analysis, image: Option<&RgbImage>) -> Option<HeadGeometry> {
        let lm = a.landmarks.as_ref()?;
        let f = |p: [f32; 2]| [p[0] as f64, p[1] as f64];
        let (re, le) = (f(lm.right_eye()), f(lm.left_eye()));
        let eye_mid = [(re[0] + le[0]) / 2.0, (re[1] + le[1]) / 2.0];
        let angle = (le[1] - re[1]).atan2(le[0] - re[0]);
        let eye_distance = ((le[0] - re[0]).powi(2) + (le[1] - re[1]).powi(2)).sqrt();
        let mut g = HeadGeometry {
            eye_mid,
            angle,
            eye_distance,
            face_width: 0.0,
            head_width: 0.0,
            face_center_u: 0.0,
            crown_up: 0.0,
            chin_down: 0.0,
            crown_source: CrownSource::Estimated,
            crown_cut: false,
        };
        let [cr, cl] = mesh::CHEEKS;
        let (ur, ul) = (g.to_local(f(lm.xy(cr)))[0], g.to_local(f(lm.xy(cl)))[0]);
        g.face_width = (ul - ur).abs();
        g.face_center_u = (ul + ur) / 2.0;
        g.chin_down = g.to_local(f(lm.xy(mesh::CHIN)))[1].max(1.0);
        g.crown_up = g.chin_down * CROWN_OVER_CHIN_ESTIMATE;
        g.head_width = g.face_width * HEAD_OVER_FACE_WIDTH_ESTIMATE;
        if let Some(p) = &a.parsing {
            g.measure_parsing(p, a.width as f64, a.height as f64, image);
            // the head reaches the top of the parsed region, not of the photo (a tall bun, a
            // crop that starts below the top edge): the person mask, which covers the whole
            // photo, says where the head ends above it
            let region_inside = p.y as f64 >= 2.0 * p.cell() as f64;
            if let (true, true, Some(m)) = (g.crown_cut, region_inside, &a.person) {
                g.extend_crown(m);
            }
        } else if let Some(m) = &a.person {
            g.measure_person(m);
        }
        Some(g)
    }

    fn measure_parsing(
        &mut self,
        p: &crate::analysis::ParsingMap,
        img_w: f64,
        img_h: f64,
        image: Option<&RgbImage>,
    ) {
        use FaceClass as K;
        let head = |k: FaceClass| {
            !matches!(
                k,
                K::Background | K::Neck | K::Necklace | K::Cloth | K::Earring
            )
        };
        let band = self.face_width * CROP_BAND_HALF;
        let mut top: Option<(f64, usize, f64)> = None;
        // head cells of the central band, (v, row, x, y), when the crown is refined by colour
        let mut band_cells: Vec<(f64, usize, f32, f32)> = Vec::new();
        let mut backdrop: Vec<crate::color::Lab> = Vec::new();
        let (mut wmin, mut wmax) = (f64::MAX, f64::MIN);
        let frame = self.local_frame();
        for v in 0..p.size {
            for u in 0..p.size {
                let Some(k) = p
                    .labels
                    .get(v * p.size + u)
                    .and_then(|&l| FaceClass::from_label(l))
                else {
                    continue;
                };
                let c = p.cell_center(u, v);
                let (x, y) = (c[0] as f64, c[1] as f64);
                // cells past the image edge saw padding, not the photo
                if x < 0.0 || y < 0.0 || x >= img_w || y >= img_h {
                    continue;
                }
                if !head(k) {
                    // the backdrop above the eyes (every 4th cell each way is plenty)
                    if let (Some(img), K::Background, 0, 0) = (image, k, u % 4, v % 4) {
                        if frame.to_local([x, y])[1] < 0.0 {
                            backdrop.push(cell_lab(img, c, p.cell()));
                        }
                    }
                    continue;
                }
                let l = frame.to_local([x, y]);
                let in_band = (l[0] - self.face_center_u).abs() <= band;
                if in_band && top.is_none_or(|(t, _, _)| l[1] < t) {
                    top = Some((l[1], v, y));
                }
                if in_band && image.is_some() && l[1] < 0.0 {
                    band_cells.push((l[1], v, c[0], c[1]));
                }
                // head width: skin, ears and hair between the eye line and half-way to the chin;
                // "hat" there too: at ear height it is the flank of a full head of hair that the
                // parsing model calls hat (astronaut.png: the float and int8 models split that
                // flank between hair and hat differently, 16 px of head width apart on one
                // photo) or a hat whose own check fails; either way it is the head's outline
                if matches!(k, K::Skin | K::LeftEar | K::RightEar | K::Hair | K::Hat)
                    && l[1] >= 0.0
                    && l[1] <= self.chin_down * 0.5
                    && (l[0] - self.face_center_u).abs() < self.face_width
                {
                    wmin = wmin.min(l[0]);
                    wmax = wmax.max(l[0]);
                }
            }
        }
        if let (Some(img), false) = (image, backdrop.is_empty()) {
            // the topmost head cell of the band that differs visibly from the backdrop
            let bg = crate::color::Lab::median(backdrop.into_iter());
            band_cells.sort_by(|a, b| a.0.total_cmp(&b.0));
            let seen = band_cells.into_iter().find(|&(_, _, x, y)| {
                crate::color::delta_e2000(cell_lab(img, [x, y], p.cell()), bg) > CROWN_MIN_DELTA_E
            });
            if let Some((t, row, _, y)) = seen {
                top = Some((t, row, y as f64));
            }
        }
        if let Some((t, row, y)) = top {
            self.crown_up = (-t).max(1.0);
            self.crown_source = CrownSource::Parsing;
            // the head reaches the top of the parsed region or of the photo: its top is unknown
            self.crown_cut = row <= 1 || y < 2.0 * p.cell() as f64;
        }
        if wmax > wmin {
            self.head_width = (wmax - wmin).max(self.face_width);
        }
    }

    /// Walks up the face's centre line from `from` (above the eye line) while the person mask
    /// holds: where it ends, and whether the photo's top edge came first.
    fn walk_person_mask(&self, m: &crate::analysis::PersonMask, from: f64) -> (f64, bool) {
        let step = (m.src_height as f64 / m.height as f64).max(1.0);
        let mut t = from;
        let max = self.chin_down * 4.0;
        while t < max {
            let p = self.to_source([self.face_center_u, -t]);
            if p[1] < 0.0 {
                return (t, true);
            }
            if m.prob_at(p[0] as f32, p[1] as f32) < PERSON_THRESHOLD {
                break;
            }
            t += step;
        }
        (t, false)
    }

    /// Walks on up from the parsing crown while the person mask holds: the crown where it
    /// ends, or a cut crown where the photo's top edge comes first.
    fn extend_crown(&mut self, m: &crate::analysis::PersonMask) {
        let (t, off_photo) = self.walk_person_mask(m, self.crown_up);
        if !off_photo {
            self.crown_up = t;
            self.crown_cut = false;
        }
    }

    fn measure_person(&mut self, m: &crate::analysis::PersonMask) {
        // walk up from the eyes along the face's centre line until the person mask ends
        let (t, off_photo) = self.walk_person_mask(m, 0.0);
        if off_photo {
            self.crown_cut = true;
        }
        if t > self.chin_down * 0.5 {
            self.crown_up = t;
            self.crown_source = CrownSource::PersonMask;
        }
    }
}

/// Mean colour of the source pixels under a parsing cell centred at `c` of side `cell`, over at
/// least the 3 × 3 pixels around its centre: a patch, not one pixel, so the faint single pixels
/// that JPEG ringing leaves up to one 8 × 8 block above a strong edge (ΔE up to ≈ 4.7 above the
/// hair of a re-checked, low-quality driving-licence output, median < 1) are not taken for a
/// crown.
fn cell_lab(img: &RgbImage, c: [f32; 2], cell: f32) -> crate::color::Lab {
    let (w, h) = img.dimensions();
    let r = (cell / 2.0).max(1.5);
    let span = |lo: f32, hi: f32, n: u32| {
        let a = (lo.floor().max(0.0) as u32).min(n.saturating_sub(1));
        let b = (hi.ceil().max(0.0) as u32).clamp(a + 1, n.max(a + 1));
        a..b
    };
    let (mut sum, mut n) = ([0u32; 3], 0u32);
    for y in span(c[1] - r, c[1] + r, h) {
        for x in span(c[0] - r, c[0] + r, w) {
            if let Some(p) = img.get_pixel_checked(x, y) {
                for (s, v) in sum.iter_mut().zip(p.0) {
                    *s += v as u32;
                }
                n += 1;
            }
        }
    }
    let n = n.max(1);
    crate::color::srgb_to_lab(sum.map(|s| (s / n) as u8))
}

/// Head geometry in output pixels.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutputGeometry {
    /// Cheek-to-cheek width.
    pub face_width: f64,
    /// Head width.
    pub head_width: f64,
    /// Chin-to-crown height.
    pub head_height: f64,
    /// Top edge to crown.
    pub crown_margin: f64,
    /// Eye line above the bottom edge.
    pub eye_line_from_bottom: f64,
    /// Chin above the bottom edge.
    pub chin_from_bottom: f64,
    /// Horizontal offset of the face centre from the image centre (signed).
    pub center_offset: f64,
    /// Distance between the eye centres.
    #[serde(default)]
    pub eye_distance: f64,
    /// Eye midpoint from the left edge.
    #[serde(default)]
    pub eye_mid_from_left: f64,
}

/// How the output is cut from the source.
#[derive(Clone, Debug, PartialEq)]
pub struct FramePlan {
    /// Output pixels per source pixel.
    pub scale: f64,
    /// Rotation undone, degrees (the source's eye-line angle).
    pub rotation_deg: f64,
    /// Output → source mapping.
    pub map: Affine,
    /// Output width.
    pub width: u32,
    /// Output height.
    pub height: u32,
    /// Geometry the output will have.
    pub geometry: OutputGeometry,
    /// Output rows/columns that fall outside the source: `[top, right, bottom, left]`.
    pub padding: [u32; 4],
    /// Whether every size and position range of the spec can be met at once.
    pub reachable: bool,
    /// Whether the photo is re-framed (false: its framing already complies and it is only
    /// resized to the output size).
    pub reframed: bool,
    /// Whether the crown margin's minimum gave way to the eye line (tall hair, a spec with
    /// [`crate::spec::GeometrySpec::eye_line_over_crown_margin`]): the crown margin then only
    /// has to be ≥ 0.
    pub crown_margin_relaxed: bool,
}

impl FramePlan {
    /// The crown-margin range this plan is held to (see [`FramePlan::crown_margin_relaxed`]).
    pub fn crown_margin_range(&self, spec: &PhotoSpec) -> Option<Range> {
        let r = spec.geometry.crown_margin_px?;
        Some(if self.crown_margin_relaxed {
            Range {
                min: Some(0.0),
                ..r
            }
        } else {
            r
        })
    }
}

impl FramePlan {
    /// Whether any output pixel falls outside the source.
    pub fn needs_padding(&self) -> bool {
        self.padding.iter().any(|&p| p > 0)
    }
}

/// Interval arithmetic helper.
#[derive(Clone, Copy, Debug)]
struct Iv(f64, f64);
impl Iv {
    fn all() -> Iv {
        Iv(f64::NEG_INFINITY, f64::INFINITY)
    }
    fn and(self, o: Iv) -> Iv {
        Iv(self.0.max(o.0), self.1.min(o.1))
    }
    fn ok(self) -> bool {
        self.0 <= self.1
    }
    fn mid(self) -> f64 {
        match (self.0.is_finite(), self.1.is_finite()) {
            (true, true) => (self.0 + self.1) / 2.0,
            (true, false) => self.0,
            (false, true) => self.1,
            (false, false) => 0.0,
        }
    }
    /// The interval of the unknown `t` for which `m·t + off` lies in the range `r` (`m ≠ 0`).
    fn from_range(r: &Range, m: f64, off: f64) -> Iv {
        let vmin = r.min.unwrap_or(f64::NEG_INFINITY);
        let vmax = r.max.unwrap_or(f64::INFINITY);
        let (a, b) = ((vmin - off) / m, (vmax - off) / m);
        if m >= 0.0 {
            Iv(a, b)
        } else {
            Iv(b, a)
        }
    }
}

/// The geometry the photo would have if it were only resized (centre-cropped to the spec's
/// aspect) to the output size: what a person who uploads a ready-made photo delivers.
pub fn uploaded_geometry(
    g: &HeadGeometry,
    spec: &PhotoSpec,
    src_w: u32,
    src_h: u32,
) -> (OutputGeometry, Affine) {
    let (sw, sh) = (src_w as f64, src_h as f64);
    let (w, h) = (spec.output.width_px as f64, spec.output.height_px as f64);
    let k = (w / sw).max(h / sh);
    let (ox, oy) = ((sw * k - w) / 2.0, (sh * k - h) / 2.0);
    let eye_y = g.eye_mid[1] * k - oy;
    let cx = (g.eye_mid[0] + g.face_center_u) * k - ox;
    let geometry = OutputGeometry {
        face_width: g.face_width * k,
        head_width: g.head_width * k,
        head_height: g.head_height() * k,
        crown_margin: eye_y - g.crown_up * k,
        eye_line_from_bottom: h - eye_y,
        chin_from_bottom: h - eye_y - g.chin_down * k,
        center_offset: cx - w / 2.0,
        eye_distance: g.eye_distance * k,
        eye_mid_from_left: g.eye_mid[0] * k - ox,
    };
    (geometry, Affine::scale_offset(1.0 / k, ox / k, oy / k))
}

/// Whether the head is inside the frame and every geometry range of the spec holds for `o`.
pub fn geometry_ok(o: &OutputGeometry, spec: &PhotoSpec) -> bool {
    let g = &spec.geometry;
    let within = |r: &Option<Range>, v: f64| r.is_none_or(|r| r.contains(v));
    // the whole head (crown to chin) inside the frame, whatever the spec states
    o.crown_margin >= 0.0
        && o.chin_from_bottom >= 0.0
        && within(&g.face_width_px, o.face_width)
        && within(&g.head_width_px, o.head_width)
        && within(&g.head_height_px, o.head_height)
        && within(&g.crown_margin_px, o.crown_margin)
        && within(&g.eye_line_from_bottom_px, o.eye_line_from_bottom)
        && within(&g.chin_from_bottom_px, o.chin_from_bottom)
        && within(&g.eye_distance_px, o.eye_distance)
        && within(&g.eye_mid_from_left_px, o.eye_mid_from_left)
        && o.center_offset.abs() <= g.center_tolerance_px
}

/// Largest eye-line tilt (degrees) left alone in a photo whose framing already complies.
pub const KEEP_FRAMING_MAX_ROLL_DEG: f64 = 1.0;

/// Plans the output for `spec` from the measured head `g` in a `src_w` × `src_h` source. A photo
/// whose framing already complies (geometry in range, eyes level) is only resized; any other is
/// re-framed: scaled, rotated and cropped so the head lands in the middle of the spec's ranges.
pub fn plan(g: &HeadGeometry, spec: &PhotoSpec, src_w: u32, src_h: u32) -> FramePlan {
    let (up, map) = uploaded_geometry(g, spec, src_w, src_h);
    if geometry_ok(&up, spec) && g.angle.to_degrees().abs() <= KEEP_FRAMING_MAX_ROLL_DEG {
        return FramePlan {
            scale: 1.0 / map.a,
            rotation_deg: 0.0,
            map,
            width: spec.output.width_px,
            height: spec.output.height_px,
            geometry: up,
            padding: padding_of(
                &map,
                spec.output.width_px,
                spec.output.height_px,
                src_w,
                src_h,
            ),
            reachable: true,
            reframed: false,
            crown_margin_relaxed: false,
        };
    }
    reframe(g, spec, src_w, src_h)
}

/// The re-framing plan (see [`plan`]).
pub fn reframe(g: &HeadGeometry, spec: &PhotoSpec, src_w: u32, src_h: u32) -> FramePlan {
    // the room above the crown is kept only where the photo has it: where keeping it would fill
    // rows past the photo's edge that the plan without it does not need, the photo's own pixels
    // win
    let roomy = reframe_with(g, spec, src_w, src_h, true);
    if roomy.needs_padding() {
        let tight = reframe_with(g, spec, src_w, src_h, false);
        if !tight.needs_padding() {
            return tight;
        }
    }
    roomy
}

fn reframe_with(
    g: &HeadGeometry,
    spec: &PhotoSpec,
    src_w: u32,
    src_h: u32,
    keep_room: bool,
) -> FramePlan {
    let geo = &spec.geometry;
    let (w, h) = (spec.output.width_px as f64, spec.output.height_px as f64);
    let hh = g.head_height();
    // scale: every size bound gives an interval of k
    let mut kiv = Iv::all();
    let mut first_target = None;
    for (r, m) in [
        (&geo.face_width_px, g.face_width),
        (&geo.head_height_px, hh),
        (&geo.head_width_px, g.head_width),
        (&geo.eye_distance_px, g.eye_distance),
    ] {
        if let (Some(r), true) = (r, m > 0.0) {
            kiv = kiv.and(Iv::from_range(r, m, 0.0));
            if first_target.is_none() {
                first_target = r.target().map(|t| t / m);
            }
        }
    }
    let bounded = kiv.0.is_finite() || kiv.1.is_finite();
    let mut reachable = kiv.ok() && bounded;
    // vertical: the interval of E, the output y of the eye line, for a scale k
    let vertical_in = |k: f64, relaxed: bool, room: f64| -> (Iv, bool) {
        let (cu, cd) = (k * g.crown_up, k * g.chin_down);
        let mut eiv = Iv(cu + room, h - cd); // the whole head inside the frame
        let mut constrained = false;
        if let Some(r) = &geo.crown_margin_px {
            let r = if relaxed {
                Range {
                    min: Some(0.0),
                    ..*r
                }
            } else {
                *r
            };
            eiv = eiv.and(Iv::from_range(&r, 1.0, -cu));
            constrained = true;
        }
        if let Some(r) = &geo.eye_line_from_bottom_px {
            eiv = eiv.and(Iv::from_range(r, -1.0, h));
            constrained = true;
        }
        if let Some(r) = &geo.chin_from_bottom_px {
            eiv = eiv.and(Iv::from_range(r, -1.0, h - cd));
            constrained = true;
        }
        (eiv, constrained)
    };
    let scale_bounds = || {
        (
            if kiv.0.is_finite() {
                kiv.0
            } else {
                kiv.1 * 0.5
            },
            if kiv.1.is_finite() {
                kiv.1
            } else {
                kiv.0 * 2.0
            },
        )
    };
    // Where the spec sets no crown margin: room above the crown (MIN_CROWN_ROOM) when some
    // allowed scale leaves it, else the head just inside the frame.
    let room = {
        let (lo, hi) = scale_bounds();
        let room = MIN_CROWN_ROOM * h;
        let fits = keep_room
            && reachable
            && geo.crown_margin_px.is_none()
            && (0..=SCALE_STEPS)
                .map(|i| lo + (hi - lo) * i as f64 / SCALE_STEPS as f64)
                .any(|k| vertical_in(k, false, room).0.ok());
        if fits {
            room
        } else {
            0.0
        }
    };
    let vertical_with = |k: f64, relaxed: bool| vertical_in(k, relaxed, room);
    // the eye line wins over the crown margin only when no scale satisfies both
    let crown_margin_relaxed = reachable && geo.eye_line_over_crown_margin && {
        let (lo, hi) = scale_bounds();
        (0..=SCALE_STEPS)
            .map(|i| lo + (hi - lo) * i as f64 / SCALE_STEPS as f64)
            .all(|k| !vertical_with(k, false).0.ok())
    };
    let vertical = |k: f64| vertical_with(k, crown_margin_relaxed);
    // Slack of a scale, in output pixels: how far the nearest bound is from the planned value,
    // over every size range and the eye line's vertical interval (half its width, as the eye
    // line goes to its middle). The output is measured again by whoever receives it, and the
    // crown, hair and face edges move by a few pixels between the source and the re-framed,
    // re-backgrounded output: the plan keeps the head as far from every edge of the spec as the
    // ranges allow, not only in the middle of the scale interval.
    let sizes = [
        (&geo.face_width_px, g.face_width),
        (&geo.head_height_px, hh),
        (&geo.head_width_px, g.head_width),
        (&geo.eye_distance_px, g.eye_distance),
    ];
    let slack = |k: f64| -> f64 {
        let (eiv, _) = vertical(k);
        if !eiv.ok() {
            return f64::NEG_INFINITY;
        }
        let mut s = (eiv.1 - eiv.0) / 2.0;
        for (r, m) in sizes {
            if let (Some(r), true) = (r, m > 0.0) {
                let v = k * m;
                if let Some(a) = r.min {
                    s = s.min(v - a);
                }
                if let Some(b) = r.max {
                    s = s.min(b - v);
                }
            }
        }
        s
    };
    // The scale with the most slack (ties: the one nearest the middle of the scale interval);
    // a tall head of hair may need a face at the low end of its range.
    let k = if reachable {
        let (lo, hi) = scale_bounds();
        let mid = kiv.mid();
        let best = (0..=SCALE_STEPS)
            .map(|i| lo + (hi - lo) * i as f64 / SCALE_STEPS as f64)
            .chain(std::iter::once(mid))
            .filter(|&k| vertical(k).0.ok())
            .map(|k| (slack(k), -(k - mid).abs(), k))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        match best {
            Some((_, _, k)) => k,
            None => {
                reachable = false;
                mid
            }
        }
    } else {
        first_target.unwrap_or(h * 0.6 / hh.max(1.0))
    };
    let (cu, cd) = (k * g.crown_up, k * g.chin_down);
    let (eiv, constrained) = vertical(k);
    let e = if !eiv.ok() {
        reachable = false;
        (DEFAULT_CROWN_MARGIN_FRACTION * h + cu).min(h - cd)
    } else if constrained {
        eiv.mid()
    } else {
        (DEFAULT_CROWN_MARGIN_FRACTION * h + cu).clamp(eiv.0, eiv.1)
    };
    // the face centred, or as near the centre as the eye midpoint's range and the centring
    // tolerance allow
    let centred = w / 2.0 - k * g.face_center_u;
    let tol = geo.center_tolerance_px;
    let mut xiv = Iv(centred - tol, centred + tol);
    if let Some(r) = &geo.eye_mid_from_left_px {
        xiv = xiv.and(Iv::from_range(r, 1.0, 0.0));
    }
    let ex = if xiv.ok() {
        centred.clamp(xiv.0, xiv.1)
    } else {
        reachable = false;
        centred
    };
    let (s, c) = g.angle.sin_cos();
    // output (x, y) → local (u, v) = ((x − ex)/k, (y − e)/k) → source
    let a = c / k;
    let b = -s / k;
    let d = s / k;
    let ee = c / k;
    let map = Affine {
        a,
        b,
        c: g.eye_mid[0] - (a * ex + b * e),
        d,
        e: ee,
        f: g.eye_mid[1] - (d * ex + ee * e),
    };
    let geometry = OutputGeometry {
        face_width: k * g.face_width,
        head_width: k * g.head_width,
        head_height: k * hh,
        crown_margin: e - cu,
        eye_line_from_bottom: h - e,
        chin_from_bottom: h - e - cd,
        center_offset: ex + k * g.face_center_u - w / 2.0,
        eye_distance: k * g.eye_distance,
        eye_mid_from_left: ex,
    };
    let padding = padding_of(
        &map,
        spec.output.width_px,
        spec.output.height_px,
        src_w,
        src_h,
    );
    FramePlan {
        scale: k,
        rotation_deg: g.angle.to_degrees(),
        map,
        width: spec.output.width_px,
        height: spec.output.height_px,
        geometry,
        padding,
        reachable,
        reframed: true,
        // a plan that reaches no compliant framing is held to the spec's own range
        crown_margin_relaxed: crown_margin_relaxed && reachable,
    }
}

/// Rows/columns of the output, from each side, that fall outside the source. For sample
/// columns (rows) that reach the source at all, the run of outside pixels from each end; a
/// column entirely outside belongs to the left/right padding and is skipped for top/bottom.
fn padding_of(map: &Affine, w: u32, h: u32, sw: u32, sh: u32) -> [u32; 4] {
    let inside = |x: f64, y: f64| {
        let (sx, sy) = map.apply(x, y);
        sx >= 0.0 && sy >= 0.0 && sx <= sw as f64 && sy <= sh as f64
    };
    const SAMPLES: u32 = 32;
    let mut pad = [0u32; 4];
    // (first inside, last inside) along a line of n pixels
    let run = |n: u32, at: &dyn Fn(f64) -> bool| -> Option<(u32, u32)> {
        let first = (0..n).find(|&i| at(i as f64 + 0.5))?;
        let last = (0..n).rev().find(|&i| at(i as f64 + 0.5))?;
        Some((first, n - 1 - last))
    };
    for i in 0..=SAMPLES {
        let x = (w as f64 - 1.0) * i as f64 / SAMPLES as f64 + 0.5;
        if let Some((top, bottom)) = run(h, &|y| inside(x, y)) {
            pad[0] = pad[0].max(top);
            pad[2] = pad[2].max(bottom);
        }
        let y = (h as f64 - 1.0) * i as f64 / SAMPLES as f64 + 0.5;
        if let Some((left, right)) = run(w, &|x| inside(x, y)) {
            pad[3] = pad[3].max(left);
            pad[1] = pad[1].max(right);
        }
    }
    if pad == [0; 4] && !inside(w as f64 / 2.0, h as f64 / 2.0) {
        return [h, w, h, w];
    }
    pad
}

/// Renders the planned output: one bilinear pass from an anti-aliasing pyramid (rotation, crop
/// and resize at once); pixels outside the source take `fill`.
pub fn render(src: &RgbImage, plan: &FramePlan, fill: [u8; 3]) -> RgbImage {
    render_from(&Pyramid::new(src), plan, fill)
}

/// [`render`] from an already built pyramid of the source.
#[allow(
    clippy::indexing_slicing,
    reason = "the sample buffer has 3 values per output pixel"
)]
pub(crate) fn render_from(pyr: &Pyramid<'_>, plan: &FramePlan, fill: [u8; 3]) -> RgbImage {
    let (w, h) = (plan.width as usize, plan.height as usize);
    let buf = pyr.sample(&plan.map, w, h, f32::NAN);
    let mut out = RgbImage::new(plan.width, plan.height);
    for (i, p) in out.pixels_mut().enumerate() {
        let s = &buf[i * 3..i * 3 + 3];
        *p = if s.iter().any(|v| v.is_nan()) {
            Rgb(fill)
        } else {
            Rgb([round_u8(s[0]), round_u8(s[1]), round_u8(s[2])])
        };
    }
    out
}

/// A photo-lab print sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    /// 6-inch print (4×6 in), portrait.
    SixInch,
    /// 5-inch print (3.5×5 in), portrait.
    FiveInch,
}

/// Print resolution of a sheet, dots per inch (photo labs print at 300 dpi).
pub const SHEET_DPI: u32 = 300;
/// Gap between copies on a sheet, millimetres (room to cut between them).
pub const SHEET_GAP_MM: f64 = 2.0;
/// Length of the cut marks at each photo corner, millimetres.
pub const CUT_MARK_MM: f64 = 1.5;

impl Sheet {
    /// Sheet size in pixels at [`SHEET_DPI`]: 4×6 in is 1205×1795 px as labs state it
    /// (a few pixels of bleed trimmed from 1200×1800).
    pub fn pixels(self) -> (u32, u32) {
        match self {
            Sheet::SixInch => (1205, 1795),
            Sheet::FiveInch => (1051, 1500),
        }
    }
}

/// Tiles as many copies of `photo` as fit on `sheet`, each at its print size (`print_mm`, or
/// its pixel size at `dpi` when the spec states no print size), on white, with grey cut marks
/// at the corners. Returns the sheet and the number of copies.
pub fn print_sheet(
    photo: &RgbImage,
    print_mm: Option<(f64, f64)>,
    dpi: u32,
    sheet: Sheet,
) -> (RgbImage, usize) {
    let (sw, sh) = sheet.pixels();
    let mm = |v: f64| v / 25.4 * SHEET_DPI as f64;
    let (pw, ph) = match print_mm {
        Some((w, h)) => (mm(w).round() as u32, mm(h).round() as u32),
        None => (
            (photo.width() as f64 * SHEET_DPI as f64 / dpi.max(1) as f64).round() as u32,
            (photo.height() as f64 * SHEET_DPI as f64 / dpi.max(1) as f64).round() as u32,
        ),
    };
    let mut out = RgbImage::from_pixel(sw, sh, Rgb([255, 255, 255]));
    if pw == 0 || ph == 0 || pw > sw || ph > sh {
        return (out, 0);
    }
    let gap = mm(SHEET_GAP_MM).round() as u32;
    let cols = (sw + gap) / (pw + gap);
    let rows = (sh + gap) / (ph + gap);
    let (x0, y0) = (
        (sw - (cols * (pw + gap) - gap)) / 2,
        (sh - (rows * (ph + gap) - gap)) / 2,
    );
    let scaled = resize_exact(photo, pw, ph);
    let mark = mm(CUT_MARK_MM).round() as i64;
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (x0 + c * (pw + gap), y0 + r * (ph + gap));
            image::imageops::replace(&mut out, &scaled, x as i64, y as i64);
            // cut marks just outside each corner
            for (cx, cy, dx, dy) in [
                (x as i64, y as i64, -1, -1),
                ((x + pw) as i64 - 1, y as i64, 1, -1),
                (x as i64, (y + ph) as i64 - 1, -1, 1),
                ((x + pw) as i64 - 1, (y + ph) as i64 - 1, 1, 1),
            ] {
                for k in 1..=mark {
                    for (px, py) in [(cx + dx * k, cy), (cx, cy + dy * k)] {
                        if px >= 0 && py >= 0 && (px as u32) < sw && (py as u32) < sh {
                            out.put_pixel(px as u32, py as u32, Rgb([128, 128, 128]));
                        }
                    }
                }
            }
        }
    }
    (out, (rows * cols) as usize)
}

/// High-quality resize (fast_image_resize, Lanczos3).
pub fn resize_exact(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    use fast_image_resize as fr;
    let mut dst = RgbImage::new(w, h);
    let opts =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3));
    if fr::Resizer::new().resize(img, &mut dst, &opts).is_err() {
        return image::imageops::resize(img, w, h, image::imageops::FilterType::Lanczos3);
    }
    dst
}
