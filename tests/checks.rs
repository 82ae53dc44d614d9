//! Unit tests of every check on a synthetic `Analysis` (a drawn face, its mesh, parsing map and
//! person mask, no model involved): each check is taken just inside and just outside its limit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use idphoto::analysis::{
    mesh, Analysis, BBox, FaceClass as K, FaceDetection, FaceLandmarks, HairMask, ParsingMap,
    PersonMask, Pose,
};
use idphoto::checks::{run_one, Subject};
use idphoto::spec::GlassesRule;
use idphoto::{CheckId, PhotoSpec, ReasonCode, SpecRegistry, Status};
use image::{Rgb, RgbImage};

const W: u32 = 400;
const H: u32 = 500;
/// Face centre and width of the drawn face.
const CX: f32 = 200.0;
const CY: f32 = 230.0;
const FW: f32 = 160.0;
const EYE_Y: f32 = 205.0;
const SKIN: [u8; 3] = [200, 150, 120];
const HAIR: [u8; 3] = [40, 30, 25];
const BG: [u8; 3] = [255, 255, 255];

#[derive(Clone)]
struct Synth {
    img: RgbImage,
    a: Analysis,
    spec: PhotoSpec,
}

fn spec(id: &str) -> PhotoSpec {
    SpecRegistry::builtin().unwrap().get(id).unwrap().clone()
}

/// The class drawn at a source point.
fn class_at(x: f32, y: f32) -> K {
    let (dx, dy) = ((x - CX) / (FW / 2.0), (y - CY) / (FW * 0.65));
    let in_face = dx * dx + dy * dy <= 1.0;
    let (hx, hy) = ((x - CX) / (FW * 0.62), (y - (CY - 20.0)) / (FW * 0.8));
    let in_head = hx * hx + hy * hy <= 1.0;
    let ear = (y > EYE_Y - 5.0 && y < EYE_Y + 45.0)
        && ((x - (CX - FW / 2.0 - 8.0)).abs() < 8.0 || (x - (CX + FW / 2.0 + 8.0)).abs() < 8.0);
    if ear {
        K::LeftEar
    } else if in_face && y > CY - 0.45 * FW {
        K::Skin
    } else if in_head {
        K::Hair
    } else if y > CY + 0.6 * FW && (x - CX).abs() < 0.25 * FW {
        K::Neck
    } else if y > CY + 0.75 * FW {
        K::Cloth
    } else {
        K::Background
    }
}

fn color_of(k: K) -> [u8; 3] {
    match k {
        K::Skin | K::Neck | K::LeftEar => SKIN,
        K::Hair => HAIR,
        K::Cloth => [30, 30, 60],
        _ => BG,
    }
}

/// An eye (or brow) as a 16-point ellipse: outer corner first, inner corner at 8, lids at 4/12.
fn ellipse(cx: f32, cy: f32, w: f32, h: f32, mirror: bool) -> Vec<[f32; 3]> {
    (0..16)
        .map(|i| {
            let t = std::f32::consts::PI * 2.0 * i as f32 / 16.0;
            let sx = if mirror { 1.0 } else { -1.0 };
            [cx + sx * (w / 2.0) * t.cos(), cy + (h / 2.0) * t.sin(), 0.0]
        })
        .collect()
}

/// The hair model's opinion over the whole image, 2 px cells: hair where `hair(x, y)`.
fn hair_mask(hair: impl Fn(f32, f32) -> bool) -> HairMask {
    let size = 250;
    let cell = W.max(H) as f32 / size as f32;
    HairMask {
        x: 0.0,
        y: 0.0,
        side: W.max(H) as f32,
        size,
        data: (0..size * size)
            .map(|i| {
                let (x, y) = (
                    ((i % size) as f32 + 0.5) * cell,
                    ((i / size) as f32 + 0.5) * cell,
                );
                if hair(x, y) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect(),
    }
}

fn base(spec_id: &str) -> Synth {
    let mut img = RgbImage::new(W, H);
    // texture so sharpness is realistic: a fine ±12 checker on every pixel
    for (x, y, p) in img.enumerate_pixels_mut() {
        let c = color_of(class_at(x as f32 + 0.5, y as f32 + 0.5));
        let t: i16 = if (x + y) % 2 == 0 { 12 } else { -12 };
        let skin = class_at(x as f32 + 0.5, y as f32 + 0.5) == K::Skin;
        *p = Rgb(c.map(|v| {
            if skin {
                (v as i16 + t).clamp(0, 255) as u8
            } else {
                v
            }
        }));
    }
    let mut pts = vec![[CX, CY, 0.0]; idphoto::analysis::LANDMARK_COUNT];
    let (re, le) = ([CX - 36.0, EYE_Y], [CX + 36.0, EYE_Y]);
    for (k, &i) in mesh::RIGHT_EYE_CONTOUR.iter().enumerate() {
        pts[i] = ellipse(re[0], re[1], 30.0, 9.0, false)[k];
    }
    for (k, &i) in mesh::LEFT_EYE_CONTOUR.iter().enumerate() {
        pts[i] = ellipse(le[0], le[1], 30.0, 9.0, true)[k];
    }
    for (eye, idx) in [(re, mesh::RIGHT_EYE), (le, mesh::LEFT_EYE)] {
        let sx = if eye[0] < CX { -1.0 } else { 1.0 };
        pts[idx[0]] = [eye[0] + sx * 15.0, eye[1], 0.0];
        pts[idx[1]] = [eye[0] - sx * 15.0, eye[1], 0.0];
        pts[idx[2]] = [eye[0], eye[1] - 4.5, 0.0];
        pts[idx[3]] = [eye[0], eye[1] + 4.5, 0.0];
    }
    for (k, (&r, &l)) in mesh::RIGHT_BROW.iter().zip(&mesh::LEFT_BROW).enumerate() {
        let (u, v) = if k < 5 {
            (k as f32, -3.0)
        } else {
            ((9 - k) as f32, 3.0)
        };
        pts[r] = [CX - 56.0 + u * 10.0, EYE_Y - 20.0 + v, 0.0];
        pts[l] = [CX + 56.0 - u * 10.0, EYE_Y - 20.0 + v, 0.0];
    }
    // irises 12 px across, centred in the eyes: centre, then image right, top, left, bottom
    for (eye, iris) in [(re, mesh::RIGHT_IRIS), (le, mesh::LEFT_IRIS)] {
        for (k, (dx, dy)) in [(0.0, 0.0), (6.0, 0.0), (0.0, -6.0), (-6.0, 0.0), (0.0, 6.0)]
            .into_iter()
            .enumerate()
        {
            pts[iris[k]] = [eye[0] + dx, eye[1] + dy, 0.0];
        }
    }
    // the face oval on the drawn face's ellipse (the cheek, chin and forehead points below
    // then sit on the face's own measurements)
    for (k, &i) in mesh::FACE_OVAL.iter().enumerate() {
        let t = std::f32::consts::PI * 2.0 * k as f32 / mesh::FACE_OVAL.len() as f32;
        pts[i] = [CX + FW / 2.0 * t.sin(), CY - 0.65 * FW * t.cos(), 0.0];
    }
    pts[mesh::CHEEKS[0]] = [CX - FW / 2.0, EYE_Y + 10.0, 0.0];
    pts[mesh::CHEEKS[1]] = [CX + FW / 2.0, EYE_Y + 10.0, 0.0];
    pts[mesh::CHIN] = [CX, CY + 0.65 * FW, 0.0];
    pts[mesh::FOREHEAD] = [CX, CY - 0.45 * FW, 0.0];
    pts[mesh::NOSE_TIP] = [CX, EYE_Y + 40.0, 0.0];
    pts[mesh::MOUTH_CORNERS[0]] = [CX - 28.0, EYE_Y + 70.0, 0.0];
    pts[mesh::MOUTH_CORNERS[1]] = [CX + 28.0, EYE_Y + 70.0, 0.0];
    pts[mesh::INNER_LIPS[0]] = [CX, EYE_Y + 69.0, 0.0];
    pts[mesh::INNER_LIPS[1]] = [CX, EYE_Y + 71.0, 0.0];
    let size = 256;
    let (px, py, side) = (CX - 200.0, CY - 230.0, 420.0);
    let parsing = common::label_map((px, py, side, size), class_at);
    let n = 100;
    let person = (0..n * n)
        .map(|i| {
            let (x, y) = (
                ((i % n) as f32 + 0.5) * W as f32 / n as f32,
                ((i / n) as f32 + 0.5) * H as f32 / n as f32,
            );
            if class_at(x, y) == K::Background {
                0.0
            } else {
                1.0
            }
        })
        .collect();
    let a = Analysis {
        width: W,
        height: H,
        faces: vec![FaceDetection {
            score: 0.95,
            bbox: BBox {
                x: CX - FW / 2.0,
                y: CY - 0.5 * FW,
                w: FW,
                h: FW,
            },
            keypoints: [
                re,
                le,
                [CX, EYE_Y + 40.0],
                [CX, EYE_Y + 70.0],
                [CX - FW / 2.0 - 8.0, EYE_Y + 20.0],
                [CX + FW / 2.0 + 8.0, EYE_Y + 20.0],
            ],
        }],
        main_face: Some(0),
        landmarks: Some(FaceLandmarks {
            points: pts,
            presence: 1.0,
        }),
        pose: Some(Pose::default()),
        pose_residual_cm: Some(0.4),
        rotation: Default::default(),
        parsing: Some(parsing),
        person: Some(PersonMask {
            width: n,
            height: n,
            src_width: W,
            src_height: H,
            data: person,
        }),
        hair: Some(hair_mask(|x, y| class_at(x, y) == K::Hair)),
    };
    Synth {
        img,
        a,
        spec: spec(spec_id),
    }
}

impl Synth {
    fn run(&self, id: CheckId) -> (Status, Option<ReasonCode>) {
        let s = Subject::new(&self.img, Some(&self.a), &self.spec);
        let r = run_one(&s, id);
        (r.status, r.reason.map(|r| r.code))
    }

    /// Relabels parsing cells for which `f(x, y)` says so, and paints the image to match.
    fn relabel(&mut self, k: K, color: Option<[u8; 3]>, f: impl Fn(f32, f32) -> bool) {
        let p = self.a.parsing.as_mut().unwrap();
        let mut labels = p.labels.clone();
        for v in 0..p.size {
            for u in 0..p.size {
                let c = p.cell_center(u, v);
                if f(c[0], c[1]) {
                    labels[v * p.size + u] = k as u8;
                }
            }
        }
        // the logits follow the labels
        *p = ParsingMap::from_labels(p.x, p.y, p.side, p.size, labels);
        if let Some(color) = color {
            for (x, y, px) in self.img.enumerate_pixels_mut() {
                if f(x as f32 + 0.5, y as f32 + 0.5) {
                    *px = Rgb(color);
                }
            }
        }
    }

    /// Sets the parsing probability of class `k` to `q` at the logit-grid node nearest the
    /// source point `(x, y)` (the synthetic map's logits: 10 for the label, 0 elsewhere).
    fn set_probability(&mut self, k: K, x: f32, y: f32, q: f32) {
        let p = self.a.parsing.as_mut().unwrap();
        let cell = p.cell();
        let (i, j) = (
            ((x - p.x) / cell - 0.5).round() as usize,
            ((y - p.y) / cell - 0.5).round() as usize,
        );
        let n = p.grid * p.grid;
        let node = j * p.grid + i;
        // the other 18 classes' exponentials at this node, then the logit that gives q
        let others: f32 = (0..19)
            .filter(|&c| c != k as usize)
            .map(|c| p.logits[c * n + node].exp())
            .sum();
        p.logits[k as usize * n + node] = (q * others / (1.0 - q)).ln();
        let got = p.probabilities(k)[node];
        assert!((got - q).abs() < 1e-3, "{got} vs {q}");
    }

    fn paint(&mut self, f: impl Fn(u32, u32, [u8; 3]) -> Option<[u8; 3]>) {
        for (x, y, px) in self.img.enumerate_pixels_mut() {
            if let Some(c) = f(x, y, px.0) {
                *px = Rgb(c);
            }
        }
    }

    fn is_skin(x: u32, y: u32) -> bool {
        class_at(x as f32 + 0.5, y as f32 + 0.5) == K::Skin
    }
}

fn pass(r: (Status, Option<ReasonCode>)) {
    assert_eq!(r.0, Status::Pass, "{r:?}");
}

/// The check broke its rule with `code`: `fixed` when the library fixes that reason in the
/// output, else `fail` (a retake).
fn fail(r: (Status, Option<ReasonCode>), code: ReasonCode) {
    let status = if code.default_fix() == Some(idphoto::Fix::Auto) {
        Status::Fixed
    } else {
        Status::Fail
    };
    assert_eq!(r, (status, Some(code)));
}

#[test]
fn the_synthetic_face_passes_the_face_checks() {
    let s = base("cn/id-card");
    for id in [
        CheckId::FaceCount,
        CheckId::HeadPose,
        CheckId::EyesOpen,
        CheckId::MouthClosed,
        CheckId::EyesVisible,
        CheckId::EyebrowsVisible,
        CheckId::EarsVisible,
        CheckId::Headwear,
        CheckId::HairAccessory,
        CheckId::Earrings,
        CheckId::Necklace,
        CheckId::Glasses,
        CheckId::BackgroundUniform,
        CheckId::BackgroundColor,
        CheckId::BackgroundShadow,
        CheckId::FaceShadow,
        CheckId::Glare,
        CheckId::Sharpness,
        CheckId::Exposure,
        CheckId::Color,
        CheckId::Framing,
    ] {
        let r = s.run(id);
        assert_eq!(r.0, Status::Pass, "{id}: {r:?}");
    }
}

#[test]
fn face_count_at_the_score_limit() {
    let mut s = base("cn/id-card");
    let mut second = s.a.faces[0].clone();
    second.bbox.x += 200.0;
    second.score = 0.49;
    s.a.faces.push(second.clone());
    pass(s.run(CheckId::FaceCount));
    s.a.faces[1].score = 0.51;
    fail(s.run(CheckId::FaceCount), ReasonCode::MultipleFaces);
    s.a.faces.clear();
    s.a.main_face = None;
    fail(s.run(CheckId::FaceCount), ReasonCode::NoFace);
    assert_eq!(s.run(CheckId::EyesOpen).1, Some(ReasonCode::NeedsOneFace));
}

#[test]
fn head_pose_at_each_limit() {
    // cn/id-card: yaw 10, pitch 20, roll 5 (corrected up to 15), fit residual 1 cm
    let mut s = base("cn/id-card");
    let pose = |yaw, pitch, roll| Pose { yaw, pitch, roll };
    for (p, code) in [
        (pose(10.2, 0.0, 0.0), ReasonCode::HeadTurned),
        (pose(-10.2, 0.0, 0.0), ReasonCode::HeadTurned),
        (pose(0.0, -20.2, 0.0), ReasonCode::HeadNodded),
        (pose(0.0, 20.2, 0.0), ReasonCode::HeadNodded),
        (pose(0.0, 0.0, 15.2), ReasonCode::HeadTilted),
    ] {
        s.a.pose = Some(p);
        fail(s.run(CheckId::HeadPose), code);
    }
    // a tilt between the delivered photo's limit and the correctable one is levelled
    s.a.pose = Some(pose(0.0, 0.0, -5.2));
    let s_fixed = s.run(CheckId::HeadPose);
    assert_eq!(
        s_fixed,
        (Status::Fixed, Some(ReasonCode::HeadTiltCorrected)),
        "{s_fixed:?}"
    );
    s.a.pose = Some(pose(0.0, 0.0, 14.8));
    assert_eq!(s.run(CheckId::HeadPose).0, Status::Fixed);
    s.a.pose = Some(pose(9.8, -19.8, 4.8));
    pass(s.run(CheckId::HeadPose));
    // landmarks that fit no rigid face: unmeasurable, not "turned"
    s.a.pose_residual_cm = Some(1.1);
    fail(s.run(CheckId::HeadPose), ReasonCode::PoseUnmeasurable);
}

#[test]
fn eyes_looking_aside_fail_head_pose() {
    // eyes 30 px between the corners; the iris centre moves 0.35 eye widths per unit of the
    // sine of the eyes' turn, so 15° is 2.72 px
    let look = |s: &mut Synth, dx: f32| {
        let lm = s.a.landmarks.as_mut().unwrap();
        for (eye, iris) in [(CX - 36.0, mesh::RIGHT_IRIS), (CX + 36.0, mesh::LEFT_IRIS)] {
            for (k, off) in [0.0, 6.0, 0.0, -6.0, 0.0].into_iter().enumerate() {
                lm.points[iris[k]][0] = eye + off + dx;
            }
        }
    };
    let mut s = base("cn/id-card"); // max gaze 15°
    for dx in [2.4, -2.4] {
        look(&mut s, dx); // 13.2°
        pass(s.run(CheckId::HeadPose));
    }
    for dx in [3.2, -3.2] {
        look(&mut s, dx); // 17.7°
        fail(s.run(CheckId::HeadPose), ReasonCode::GazeAverted);
    }
    // a head turned 9.8° that keeps its eyes on the lens shows its irises 0.03 eye widths
    // off centre: that much is the head's turn, not the eyes'
    s.a.pose = Some(Pose {
        yaw: 9.8,
        pitch: 0.0,
        roll: 0.0,
    });
    pass(s.run(CheckId::HeadPose));
    // eyes too closed for the irises to show say nothing about where they look
    s.a.pose = Some(Pose::default());
    look(&mut s, 8.0);
    fail(s.run(CheckId::HeadPose), ReasonCode::GazeAverted);
    let lm = s.a.landmarks.as_mut().unwrap();
    for idx in [mesh::RIGHT_EYE, mesh::LEFT_EYE] {
        lm.points[idx[2]][1] = EYE_Y - 1.0;
        lm.points[idx[3]][1] = EYE_Y + 1.0;
    }
    pass(s.run(CheckId::HeadPose));
}

#[test]
fn eyes_open_at_the_limit() {
    // min open fraction 0.35 of the 12-px iris: a lid gap of 4.2 px, each eye on its own
    let mut s = base("cn/id-card");
    let set = |s: &mut Synth, right: f32, left: f32| {
        let lm = s.a.landmarks.as_mut().unwrap();
        for (idx, gap) in [(mesh::RIGHT_EYE, right), (mesh::LEFT_EYE, left)] {
            lm.points[idx[2]][1] = EYE_Y - gap / 2.0;
            lm.points[idx[3]][1] = EYE_Y + gap / 2.0;
        }
    };
    set(&mut s, 4.4, 4.4);
    pass(s.run(CheckId::EyesOpen));
    set(&mut s, 4.0, 4.0);
    fail(s.run(CheckId::EyesOpen), ReasonCode::EyesClosed);
    // a wink: one eye open, one closed
    set(&mut s, 9.0, 1.0);
    fail(s.run(CheckId::EyesOpen), ReasonCode::EyesClosed);
    set(&mut s, 1.0, 9.0);
    fail(s.run(CheckId::EyesOpen), ReasonCode::EyesClosed);
}

#[test]
fn mouth_closed_at_the_limit_and_teeth() {
    let mut s = base("cn/id-card"); // max openness 0.12 of a 56-px mouth = 6.7 px
    let set = |s: &mut Synth, gap: f32| {
        let lm = s.a.landmarks.as_mut().unwrap();
        lm.points[mesh::INNER_LIPS[0]][1] = EYE_Y + 70.0 - gap / 2.0;
        lm.points[mesh::INNER_LIPS[1]][1] = EYE_Y + 70.0 + gap / 2.0;
    };
    set(&mut s, 6.4);
    pass(s.run(CheckId::MouthClosed));
    set(&mut s, 7.0);
    fail(s.run(CheckId::MouthClosed), ReasonCode::MouthOpen);
    // a closed-lip gap of 5 px filled with teeth-white pixels: 5×~40 px of 56² ≈ 0.06 > 0.02
    set(&mut s, 5.0);
    let lips: [usize; 20] = [
        78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95,
    ];
    {
        let lm = s.a.landmarks.as_mut().unwrap();
        for (k, &i) in lips.iter().enumerate() {
            let t = std::f32::consts::PI * 2.0 * k as f32 / 20.0;
            lm.points[i] = [CX - 22.0 * t.cos(), EYE_Y + 70.0 - 2.5 * t.sin(), 0.0];
        }
    }
    pass(s.run(CheckId::MouthClosed));
    s.paint(|x, y, _| {
        ((x as f32 - CX).abs() < 20.0 && (y as f32 - (EYE_Y + 70.0)).abs() < 2.0)
            .then_some([240, 240, 235])
    });
    fail(s.run(CheckId::MouthClosed), ReasonCode::TeethVisible);
}

#[test]
fn eyebrows_and_eyes_covered_by_hair() {
    let mut s = base("cn/id-card"); // max covered 0.2 (brows), 0.3 (eyes)
                                    // hair over the upper part of the brow region: a band above y0
    let brow_top = EYE_Y - 20.0 - 3.0;
    s.relabel(K::Hair, None, |_, y| {
        y < brow_top - 2.0 && y > CY - 0.45 * FW
    });
    pass(s.run(CheckId::EyebrowsVisible));
    s.relabel(K::Hair, None, |_, y| y < EYE_Y - 19.0 && y > CY - 0.45 * FW);
    fail(s.run(CheckId::EyebrowsVisible), ReasonCode::EyebrowsCovered);
    pass(s.run(CheckId::EyesVisible));
    s.relabel(K::Hair, None, |x, y| {
        x < CX && y < EYE_Y + 3.0 && y > CY - 0.45 * FW
    });
    fail(s.run(CheckId::EyesVisible), ReasonCode::EyesCovered);
}

#[test]
fn hair_around_a_brow_is_not_over_it() {
    // hair framing the image-left brow (its polygon is 40 × 6 px at (CX − 36, EYE_Y − 20)):
    // a ring up to 1.4× its size, nothing on the brow itself
    let mut s = base("cn/id-card");
    let (bx, by) = (CX - 36.0, EYE_Y - 20.0);
    s.relabel(K::Hair, None, |x, y| {
        let (dx, dy) = ((x - bx).abs(), (y - by).abs());
        dx < 28.0 && dy < 4.2 && !(dx < 20.5 && dy < 3.5)
    });
    pass(s.run(CheckId::EyebrowsVisible));
    // a fringe over the brow's outer quarter is over it
    s.relabel(K::Hair, None, |x, y| {
        x < bx - 8.0 && (y - by).abs() < 4.0 && x > bx - 28.0
    });
    fail(s.run(CheckId::EyebrowsVisible), ReasonCode::EyebrowsCovered);
}

#[test]
fn ears_visible_and_covered() {
    // the image-left ear zone the landmarks predict: cheek point (CX − 80, EYE_Y + 10), zone
    // 0.05 fw inside to 0.25 fw outside, 0.1 fw above to 0.45 fw below the eye line
    let zone = |x: f32, y: f32| {
        x > CX - FW / 2.0 - 0.25 * FW
            && x < CX - FW / 2.0 + 0.05 * FW
            && y > EYE_Y - 0.1 * FW
            && y < EYE_Y + 0.45 * FW
    };
    let ear = |x: f32, y: f32| zone(x, y) && class_at(x, y) == K::LeftEar;
    let mut s = base("cn/id-card");
    // a small ear (a third of the drawn one) with no hair over it still shows: the area of
    // the ear alone does not decide
    s.relabel(K::Background, None, |x, y| ear(x, y) && y > EYE_Y + 12.0);
    pass(s.run(CheckId::EarsVisible));
    let mut s = base("cn/id-card");
    // hair tucked behind a visible ear: the zone is mostly hair, the ear shows (≈ 0.19)
    s.relabel(K::Hair, None, |x, y| zone(x, y) && !ear(x, y));
    pass(s.run(CheckId::EarsVisible));
    // hair over the upper 70 % of the ear leaves ≈ 0.06 of the zone ear: covered
    s.relabel(K::Hair, None, |x, y| ear(x, y) && y < EYE_Y + 30.0);
    fail(s.run(CheckId::EarsVisible), ReasonCode::EarsCovered);
    // one ear is enough for "either"
    s.spec.checks.ears_visible.required = idphoto::spec::EarsRequired::Either;
    pass(s.run(CheckId::EarsVisible));
    // a head turned beyond the ear check's yaw: not applicable
    s.a.pose = Some(Pose {
        yaw: 25.0,
        pitch: 0.0,
        roll: 0.0,
    });
    assert_eq!(
        s.run(CheckId::EarsVisible),
        (Status::NotApplicable, Some(ReasonCode::EarsOutOfView))
    );
}

#[test]
fn headwear_at_its_area_limit() {
    // areas are shares of face width² (160² = 25600 px²)
    for (factor, expect_fail) in [(0.85f32, false), (1.2, true)] {
        let mut s = base("cn/id-card");
        let side = (0.08 * factor * FW * FW).sqrt();
        let (x0, y0) = (CX - side / 2.0, 70.0);
        s.relabel(K::Hat, None, |x, y| {
            x >= x0 && x < x0 + side && y >= y0 && y < y0 + side
        });
        let r = s.run(CheckId::Headwear);
        if expect_fail {
            fail(r, ReasonCode::HeadwearPresent);
        } else {
            pass(r);
        }
    }
}

#[test]
fn earrings_by_probability_around_and_below_the_ears() {
    // a drop earring at jaw level below the image-right ear, where no ear is labelled
    let (x, y) = (CX + FW / 2.0 + 5.0, EYE_Y + 90.0);
    let mut s = base("cn/id-card"); // min_probability 0.2
    s.set_probability(K::Earring, x, y, 0.18);
    pass(s.run(CheckId::Earrings));
    s.set_probability(K::Earring, x, y, 0.22);
    fail(s.run(CheckId::Earrings), ReasonCode::EarringsPresent);
    // the same certainty on the cheek (inside the face oval) is not an earring
    let mut s = base("cn/id-card");
    s.set_probability(K::Earring, CX + 30.0, EYE_Y + 40.0, 0.9);
    pass(s.run(CheckId::Earrings));
    // nor far from the ears, above the head
    s.set_probability(K::Earring, CX, 60.0, 0.9);
    pass(s.run(CheckId::Earrings));
    // nor at the jaw's edge inside the face's outline (the oval is 80 × 104 px around
    // (CX, CY); this point lies at 0.95 of it), on skin…
    let jaw = (CX + 69.0, CY + 40.0);
    let mut s = base("cn/id-card");
    s.set_probability(K::Earring, jaw.0, jaw.1, 0.3);
    pass(s.run(CheckId::Earrings));
    // …or under a strand of hair: the outline is the face's, whatever lies on it
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some(HAIR), |x, y| {
        (x - jaw.0).abs() < 8.0 && (y - jaw.1).abs() < 8.0
    });
    s.set_probability(K::Earring, jaw.0, jaw.1, 0.3);
    pass(s.run(CheckId::Earrings));
    // nor on what the parsing model calls skin beside the outline; the same spot as hair counts
    for (k, expect_fail) in [(K::Skin, false), (K::Hair, true)] {
        let mut s = base("cn/id-card");
        s.relabel(k, None, |u, v| (u - x).abs() < 8.0 && (v - y).abs() < 8.0);
        s.set_probability(K::Earring, x, y, 0.3);
        let r = s.run(CheckId::Earrings);
        if expect_fail {
            fail(r, ReasonCode::EarringsPresent);
        } else {
            pass(r);
        }
    }
    // allowed earrings never fail
    let mut s = base("icao/passport");
    s.set_probability(K::Earring, x, y, 0.9);
    pass(s.run(CheckId::Earrings));
    // on a face with fewer pixels than the spec's resolution check accepts, the parsing
    // model's small classes are not trusted: a warning, never a retake for earrings
    let mut s = base("cn/id-card");
    s.set_probability(K::Earring, x, y, 0.9);
    fail(s.run(CheckId::Earrings), ReasonCode::EarringsPresent);
    s.spec.checks.resolution.max_upscale = 0.01;
    assert_eq!(s.run(CheckId::Resolution).0, Status::Fail);
    assert_eq!(
        s.run(CheckId::Earrings),
        (Status::Warn, Some(ReasonCode::EarringsPresent))
    );
}

#[test]
fn necklace_by_probability_on_the_neck() {
    // chin at CY + 0.65 fw; the neck zone starts 0.05 fw below it
    let (x, y) = (CX + 30.0, CY + 0.65 * FW + 40.0);
    let mut s = base("cn/id-card"); // min_probability 0.5
    s.set_probability(K::Necklace, x, y, 0.45);
    pass(s.run(CheckId::Necklace));
    s.set_probability(K::Necklace, x, y, 0.55);
    fail(s.run(CheckId::Necklace), ReasonCode::NecklacePresent);
    // on the forehead it is not a necklace
    let mut s = base("cn/id-card");
    s.set_probability(K::Necklace, CX, EYE_Y - 40.0, 0.9);
    pass(s.run(CheckId::Necklace));
}

#[test]
fn hair_accessory_is_a_compact_colour_outlier_in_the_hair() {
    // min 0.008 fw² = 205 px²
    let blob = |side: f32, cx: f32| {
        move |x: f32, y: f32| (x - cx).abs() < side / 2.0 && (y - 100.0).abs() < side / 2.0
    };
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([230, 40, 150]), blob(13.0, CX + 30.0)); // 169 px²
    pass(s.run(CheckId::HairAccessory));
    s.relabel(K::Hair, Some([230, 40, 150]), blob(16.0, CX + 30.0)); // 256 px²
    fail(
        s.run(CheckId::HairAccessory),
        ReasonCode::HairAccessoryPresent,
    );
    // a highlight or grey strand (the hair's hue, lighter) is no ornament, however large
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([150, 140, 135]), blob(30.0, CX + 30.0));
    pass(s.run(CheckId::HairAccessory));
    // the same pink scattered as two small clips apart is two small things, not one
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([230, 40, 150]), blob(12.0, CX - 30.0));
    s.relabel(K::Hair, Some([230, 40, 150]), blob(12.0, CX + 30.0));
    pass(s.run(CheckId::HairAccessory));
}

/// Where a flower sits in the hair, image right of the head's centre line: 16 × 16 px (256 px²).
fn flower(x: f32, y: f32) -> bool {
    (x - (CX + 30.0)).abs() < 8.0 && (y - 100.0).abs() < 8.0
}

#[test]
fn a_flower_the_parser_calls_hat_is_an_ornament_and_a_hat_is_not() {
    // a violet flower in the hair that the parsing model labels hat: 256 px² is 0.01 fw²,
    // under the headwear check's 0.08, above hair_accessory's 0.008
    let mut s = base("cn/id-card");
    s.relabel(K::Hat, Some([120, 90, 210]), flower);
    pass(s.run(CheckId::Headwear));
    fail(
        s.run(CheckId::HairAccessory),
        ReasonCode::HairAccessoryPresent,
    );
    // a hat of that colour over the whole crown is headwear, not an ornament as well
    let crown = |x: f32, y: f32| (x - CX).abs() < 60.0 && y < EYE_Y - 40.0;
    let mut s = base("cn/id-card");
    s.relabel(K::Hat, Some([120, 90, 210]), crown);
    fail(s.run(CheckId::Headwear), ReasonCode::HeadwearPresent);
    pass(s.run(CheckId::HairAccessory));
}

#[test]
fn a_pale_ornament_counts_where_the_hair_model_sees_no_hair() {
    // a pale lilac flower (C*ab about 18: too faint for the colour rule alone) in what the
    // parsing model calls hair; min 0.008 fw² = 205 px²
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([170, 180, 215]), flower);
    // the hair model calls it hair too: a pale strand, not an ornament
    pass(s.run(CheckId::HairAccessory));
    // the hair model sees no hair there: neither model's hair, not skin, not backdrop
    s.a.hair = Some(hair_mask(|x, y| class_at(x, y) == K::Hair && !flower(x, y)));
    fail(
        s.run(CheckId::HairAccessory),
        ReasonCode::HairAccessoryPresent,
    );
    // without the hair model only the colour rule speaks
    s.a.hair = None;
    pass(s.run(CheckId::HairAccessory));
    // a patch of hair in shade or light (the hair's hue, another lightness) where the hair
    // model misses it is still hair
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([110, 85, 70]), flower);
    s.a.hair = Some(hair_mask(|x, y| class_at(x, y) == K::Hair && !flower(x, y)));
    pass(s.run(CheckId::HairAccessory));
}

#[test]
fn white_hair_in_two_lights_is_no_ornament() {
    // grey hair lit warm (C*ab 8.3, b* +8) with a patch lit bluish (C*ab 8.4, b* −8): a hue
    // distance of 16.7, but neither has a hue of its own; the hair model misses white hair
    let is_hair = |x: f32, y: f32| class_at(x, y) == K::Hair;
    let mut s = base("cn/id-card");
    s.relabel(K::Hair, Some([172, 164, 150]), is_hair);
    s.relabel(K::Hair, Some([178, 185, 200]), flower);
    s.a.hair = Some(hair_mask(|x, y| is_hair(x, y) && !flower(x, y)));
    pass(s.run(CheckId::HairAccessory));
    // a pale lilac flower (C*ab 19) in the same hair has a colour of its own
    s.relabel(K::Hair, Some([170, 180, 215]), flower);
    fail(
        s.run(CheckId::HairAccessory),
        ReasonCode::HairAccessoryPresent,
    );
}

#[test]
fn glasses_forbidden_clear_only_and_allowed() {
    let lens = |x: f32, y: f32| {
        ((x - (CX - 36.0)).abs() < 24.0 || (x - (CX + 36.0)).abs() < 24.0)
            && (y - EYE_Y).abs() < 16.0
    };
    let mut s = base("cn/id-card");
    s.relabel(K::Eyeglasses, None, lens);
    fail(s.run(CheckId::Glasses), ReasonCode::GlassesPresent);
    // the older `allowed = true` reads as clear_only (where no `rule` is given)
    s.spec.checks.glasses.rule = None;
    s.spec.checks.glasses.allowed = Some(true);
    pass(s.run(CheckId::Glasses));
    s.spec.checks.glasses.allowed = None;
    s.spec.checks.glasses.rule = Some(GlassesRule::ClearOnly);
    pass(s.run(CheckId::Glasses));
    // a reflection on a lens: a patch far lighter than the skin
    let clean = s.clone();
    s.paint(|x, y, _| {
        ((x as f32 - (CX - 50.0)).abs() < 6.0 && (y as f32 - (EYE_Y - 8.0)).abs() < 6.0)
            .then_some([250, 250, 250])
    });
    fail(s.run(CheckId::Glasses), ReasonCode::GlassesGlare);
    s.spec.checks.glasses.rule = Some(GlassesRule::Allowed);
    pass(s.run(CheckId::Glasses));
    // dark lenses: L* far below the skin
    let mut s = clean;
    s.relabel(K::Eyeglasses, Some([25, 25, 30]), lens);
    fail(s.run(CheckId::Glasses), ReasonCode::GlassesObscureEyes);
    s.spec.checks.glasses.rule = Some(GlassesRule::Allowed);
    pass(s.run(CheckId::Glasses));
    s.spec.checks.glasses.rule = Some(GlassesRule::Forbidden);
    fail(s.run(CheckId::Glasses), ReasonCode::GlassesPresent);
}

#[test]
fn eyes_visible_fails_behind_tinted_lenses_only() {
    let lens = |x: f32, y: f32| {
        ((x - (CX - 36.0)).abs() < 24.0 || (x - (CX + 36.0)).abs() < 24.0)
            && (y - EYE_Y).abs() < 16.0
    };
    let eyes = |x: u32, y: u32| {
        let (x, y) = (x as f32, y as f32);
        ((x - (CX - 36.0)).abs() < 14.0 || (x - (CX + 36.0)).abs() < 14.0)
            && (y - EYE_Y).abs() < 6.0
    };
    // clear glasses: the eyes show through
    let mut s = base("cn/id-card");
    s.relabel(K::Eyeglasses, None, lens);
    pass(s.run(CheckId::EyesVisible));
    // closed eyes without glasses: dark lashes, but no lens over them
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| eyes(x, y).then_some([30, 25, 25]));
    pass(s.run(CheckId::EyesVisible));
    // thick dark frames (a dark lens region) over eyes as light as the skin
    let mut s = base("cn/id-card");
    s.relabel(K::Eyeglasses, Some([25, 25, 30]), lens);
    s.paint(|x, y, px| eyes(x, y).then_some(px.map(|_| 235)));
    pass(s.run(CheckId::EyesVisible));
    // sunglasses: tinted lenses and the eyes dark behind them
    let mut s = base("cn/id-card");
    s.relabel(K::Eyeglasses, Some([25, 25, 30]), lens);
    fail(s.run(CheckId::EyesVisible), ReasonCode::GlassesObscureEyes);
}

#[test]
fn background_checks_at_their_limits() {
    let mut s = base("cn/id-card");
    let bg = |x: u32, y: u32| class_at(x as f32 + 0.5, y as f32 + 0.5) == K::Background;
    // colour: CIEDE2000 limit 10 from white
    s.paint(|x, y, _| bg(x, y).then_some([215, 215, 215])); // ΔE2000 ≈ 8.6
    pass(s.run(CheckId::BackgroundColor));
    s.paint(|x, y, _| bg(x, y).then_some([200, 200, 200])); // ΔE2000 ≈ 11.6
    fail(
        s.run(CheckId::BackgroundColor),
        ReasonCode::BackgroundColorReplaced,
    );
    s.spec.background.replaceable = false;
    fail(
        s.run(CheckId::BackgroundColor),
        ReasonCode::BackgroundWrongColor,
    );
    // a studio backdrop lit from the middle: 255 at the centre falling smoothly to ≈ 185 in
    // the corners (L* 100 → 75, a spread an L* standard-deviation limit called "not plain") is plain
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| {
        let (dx, dy) = (x as f32 / W as f32 - 0.5, y as f32 / H as f32 - 0.5);
        bg(x, y).then_some([(255.0 - 140.0 * (dx * dx + dy * dy)) as u8; 3])
    });
    pass(s.run(CheckId::BackgroundUniform));
    // texture without any gradient: 24-px tiles alternating by 17 L* (a patterned wall)
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| {
        let light = ((x / 24) + (y / 24)) % 2 == 0;
        bg(x, y).then_some(if light { [250; 3] } else { [200; 3] })
    });
    fail(
        s.run(CheckId::BackgroundUniform),
        ReasonCode::BackgroundNotUniformReplaced,
    );
    // a mottle of two colours at one lightness (pink and blue-white tiles, L* 91.5 and 91.6,
    // 8.7 ΔE*ab apart): no lightness texture, a chroma texture over the whole backdrop
    let (pink, blue) = ([240, 228, 226], [224, 232, 240]);
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| {
        let light = ((x / 24) + (y / 24)) % 2 == 0;
        bg(x, y).then_some(if light { pink } else { blue })
    });
    let texture = |s: &Synth, name: &str| {
        let sub = Subject::new(&s.img, Some(&s.a), &s.spec);
        match run_one(&sub, CheckId::BackgroundUniform).value {
            Some(idphoto::Measure::Map(m)) => match m.get(name) {
                Some(idphoto::Measure::Number(v)) => *v,
                other => panic!("{name}: {other:?}"),
            },
            other => panic!("{other:?}"),
        }
    };
    assert!(texture(&s, "texture_l") < 1.0);
    assert!(texture(&s, "texture_ab") > 3.0);
    fail(
        s.run(CheckId::BackgroundUniform),
        ReasonCode::BackgroundNotUniformReplaced,
    );
    // the same two colours as a smooth blend from left to right (a tinted light across a
    // plain backdrop): the trend is removed, the backdrop is plain
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| {
        let t = x as f32 / W as f32;
        let mix: [u8; 3] = std::array::from_fn(|c| {
            (f32::from(pink[c]) * (1.0 - t) + f32::from(blue[c]) * t) as u8
        });
        bg(x, y).then_some(mix)
    });
    assert!(texture(&s, "texture_ab") < 1.0);
    pass(s.run(CheckId::BackgroundUniform));
    // a red cloth with creases: tiles of the same paint under a fifth less light (linear RGB
    // × 0.8: 255, 0, 0 → 231, 0, 0), 5 L* and 7.5 ΔE*ab apart, one paint: plain
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| {
        let lit = ((x / 24) + (y / 24)) % 2 == 0;
        bg(x, y).then_some(if lit { [255, 0, 0] } else { [231, 0, 0] })
    });
    assert!(
        texture(&s, "texture_ab") < 0.5,
        "{}",
        texture(&s, "texture_ab")
    );
    pass(s.run(CheckId::BackgroundUniform));
    // uniformity: a left/right step in L*
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| (bg(x, y) && x < W / 2).then_some([236, 236, 236]));
    pass(s.run(CheckId::BackgroundUniform));
    s.paint(|x, y, _| (bg(x, y) && x < W / 2).then_some([200, 200, 200]));
    fail(
        s.run(CheckId::BackgroundUniform),
        ReasonCode::BackgroundNotUniformReplaced,
    );
    // shadow: a dark band next to the head on one side, limit 10 L*
    let mut s = base("cn/id-card");
    // backdrop within 50 px (to the left) of the person, on the image-right side: a cast shadow
    let near = |x: u32, y: u32| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        bg(x, y) && fx > CX && (1..=10).any(|k| class_at(fx - 5.0 * k as f32, fy) != K::Background)
    };
    // (the measured drop is the band's mean, so it is lower than the painted one)
    s.paint(|x, y, _| near(x, y).then_some([235, 235, 235])); // painted 7.6 L* darker
    pass(s.run(CheckId::BackgroundShadow));
    s.paint(|x, y, _| near(x, y).then_some([185, 185, 185])); // painted 24.5 L* darker
    fail(
        s.run(CheckId::BackgroundShadow),
        ReasonCode::BackgroundShadowReplaced,
    );
}

#[test]
fn face_shadow_at_the_limit() {
    // limit: lighting ratio 4:1 between the halves. Darkening the image-left half's sRGB
    // values by k gives a ratio of about k^-2.2: 0.7 → 2.2:1 (a studio key light, 19 L*
    // darker, which an L* limit of 14 rejected), 0.6 → 3.1:1, 0.45 → 5.8:1
    for (k, expect_fail) in [(0.7f32, false), (0.6, false), (0.45, true)] {
        let mut s = base("cn/id-card");
        s.paint(|x, y, p| {
            (Synth::is_skin(x, y) && (x as f32) < CX).then(|| p.map(|v| (v as f32 * k) as u8))
        });
        let r = s.run(CheckId::FaceShadow);
        if expect_fail {
            fail(r, ReasonCode::FaceShadow);
        } else {
            pass(r);
        }
    }
}

#[test]
fn glare_at_the_limit() {
    // limit 3 % of the skin: white specular pixels in the skin
    let skin_cells = {
        let s = base("cn/id-card");
        let p = s.a.parsing.as_ref().unwrap();
        p.count(K::Skin) as f32 * p.cell() * p.cell()
    };
    for (share, expect_fail) in [(0.02f32, false), (0.045, true)] {
        let mut s = base("cn/id-card");
        let side = (share * skin_cells).sqrt();
        s.paint(|x, y, _| {
            ((x as f32 - CX).abs() < side / 2.0 && (y as f32 - (EYE_Y - 35.0)).abs() < side / 2.0)
                .then_some([255, 255, 255])
        });
        let r = s.run(CheckId::Glare);
        if expect_fail {
            fail(r, ReasonCode::Glare);
        } else {
            pass(r);
        }
    }
}

#[test]
fn a_bright_matte_face_is_not_glare_and_a_shiny_spot_is() {
    // pale skin at L* ≈ 91 with little chroma: every pixel of it was glare by brightness and
    // chroma alone; it is the skin's own colour at every pixel, so none of it is reflected
    let pale = [246u8, 228, 214];
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some(pale));
    pass(s.run(CheckId::Glare));
    // the same face with shine on the forehead: white light added (30 % of the red channel
    // and more), a sixth of the face width across, nothing clipped
    let spot = |x: u32, y: u32| {
        ((x as f32 - CX).powi(2) + (y as f32 - (EYE_Y - 35.0)).powi(2)).sqrt() < 0.11 * FW
    };
    // clipped white on that pale skin (lit more than half white) cannot be told from the
    // skin over-exposed: no highlight stands out of it
    let mut blown = s.clone();
    blown.paint(|x, y, _| (Synth::is_skin(x, y) && spot(x, y)).then_some([255, 255, 255]));
    pass(blown.run(CheckId::Glare));
    let mut shiny = s.clone();
    let dark = [150u8, 100, 75];
    shiny.paint(|x, y, _| Synth::is_skin(x, y).then_some(dark));
    pass(shiny.run(CheckId::Glare));
    // on dark skin, shine is light added to each channel: brighter and paler
    shiny.paint(|x, y, _| (Synth::is_skin(x, y) && spot(x, y)).then_some([225, 195, 180]));
    fail(shiny.run(CheckId::Glare), ReasonCode::Glare);
    // as bright, with the skin's own colour: brighter diffuse skin, not shine
    let mut lit = s.clone();
    lit.paint(|x, y, _| Synth::is_skin(x, y).then_some(dark));
    lit.paint(|x, y, _| (Synth::is_skin(x, y) && spot(x, y)).then_some([225, 150, 112]));
    pass(lit.run(CheckId::Glare));
    // a colourless patch a little lighter than the skin (grey eye shadow, white foundation):
    // its specular share reads 1 and its "reflected" light is above the skin's, but it adds
    // only a quarter of that to the brightness: pigment, not light, so not shine
    let mut painted = s.clone();
    painted.paint(|x, y, _| Synth::is_skin(x, y).then_some(dark));
    painted.paint(|x, y, _| (Synth::is_skin(x, y) && spot(x, y)).then_some([125, 125, 125]));
    pass(painted.run(CheckId::Glare));
}

#[test]
fn lens_glare_relative_to_the_face() {
    // clear lenses over both eyes (2 × 48 × 32 px; searched clear of the frame), a reflection
    // on the image-left lens; limit 1.5 % of the searched lens area
    let lens = |x: f32, y: f32| {
        ((x - (CX - 36.0)).abs() < 24.0 || (x - (CX + 36.0)).abs() < 24.0)
            && (y - EYE_Y).abs() < 16.0
    };
    for (share, color, expect_fail) in [
        (0.006f32, [240u8, 240, 240], false),
        (0.03, [240, 240, 240], true),
        // a green reflection of an anti-reflection coating
        (0.03, [120, 200, 190], true),
        // as large, lighter than the skin but with the skin's own colour (its blue no
        // higher): what the lens shows through it, not a reflection
        (0.03, [230, 175, 130], false),
    ] {
        let mut s = base("cn/id-card");
        s.spec.checks.glasses.rule = Some(GlassesRule::Allowed);
        s.relabel(K::Eyeglasses, None, lens);
        let side = (share * 3072.0).sqrt();
        s.paint(|x, y, _| {
            ((x as f32 - (CX - 40.0)).abs() < side / 2.0
                && (y as f32 - (EYE_Y - 4.0)).abs() < side / 2.0)
                .then_some(color)
        });
        let r = s.run(CheckId::Glare);
        if expect_fail {
            fail(r, ReasonCode::Glare);
        } else {
            pass(r);
        }
    }
}

/// `rgb` lit by `k` times the light (linear), back in sRGB.
fn lit(rgb: [u8; 3], k: f32) -> [u8; 3] {
    rgb.map(|c| {
        let v = f32::from(c) / 255.0;
        let lin = if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        } * k;
        let s = if lin <= 0.003_130_8 {
            lin * 12.92
        } else {
            1.055 * lin.powf(1.0 / 2.4) - 0.055
        };
        (s * 255.0).round().clamp(0.0, 255.0) as u8
    })
}

#[test]
fn hard_light_edges_are_shadow_and_a_smooth_falloff_is_not() {
    // the face crossed by hard shadows 12 px apart (light halved and more, 1.5 stops, within
    // a pixel): each half of the face as bright as the other, so the ratio alone passes it
    let mut striped = base("cn/id-card");
    striped.paint(|x, y, c| (Synth::is_skin(x, y) && (x / 12) % 2 == 0).then(|| lit(c, 0.35)));
    let r = striped.run(CheckId::FaceShadow);
    fail(r, ReasonCode::FaceShadow);
    // as much darkening as a smooth falloff across the face: shading, not a cast shadow
    let mut falloff = base("cn/id-card");
    falloff.paint(|x, y, c| {
        let t = ((x as f32 - (CX - FW / 2.0)) / FW).clamp(0.0, 1.0);
        Synth::is_skin(x, y).then(|| lit(c, 1.0 - 0.65 * t))
    });
    pass(falloff.run(CheckId::FaceShadow));
}

#[test]
fn a_black_beard_is_not_clipped_skin() {
    // a black beard and moustache over the lower face (the parser calls it skin): black in a
    // well-exposed photo, so not clipping
    let mut s = base("cn/id-card");
    let beard = |x: u32, y: u32| Synth::is_skin(x, y) && y as f32 > EYE_Y + 65.0;
    s.paint(|x, y, _| beard(x, y).then_some([0, 0, 0]));
    pass(s.run(CheckId::Exposure));
    // the same black on the forehead and an upper cheek is skin the light did not reach
    let mut shadowed = s.clone();
    shadowed.paint(|x, y, _| {
        (Synth::is_skin(x, y)
            && (x as f32) < CX
            && (y as f32) < EYE_Y + 30.0
            && (y as f32 - EYE_Y).abs() >= 15.0)
            .then_some([0, 0, 0])
    });
    fail(shadowed.run(CheckId::Exposure), ReasonCode::ClippedExposure);
}

#[test]
fn exposure_color_and_sharpness() {
    // exposure: face L* range 35..85
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([95, 70, 55])); // L* ≈ 33
    fail(s.run(CheckId::Exposure), ReasonCode::Underexposed);
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([105, 78, 62])); // L* ≈ 37
    pass(s.run(CheckId::Exposure));
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([250, 235, 225])); // L* ≈ 94
    fail(s.run(CheckId::Exposure), ReasonCode::Overexposed);
    // color: grey skin has no chroma (limit 6)
    let mut s = base("cn/id-card");
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([160, 160, 160]));
    fail(s.run(CheckId::Color), ReasonCode::NotColor);
    // a*, b* ≈ 3.8, 7.2: 1.2 outside the natural box (a* 5–25, b* 5–35), within the 2.3 allowed
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([170, 155, 145])); // chroma ≈ 7.5
    pass(s.run(CheckId::Color));
    // a*, b* ≈ 1.7, 8.2: 3.3 outside, a cool cast
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([174, 163, 150]));
    fail(s.run(CheckId::Color), ReasonCode::ColorCast);
    // a blue cast (b* ≈ −12.9) and a green one (a* ≈ −14.4)
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([160, 160, 185]));
    fail(s.run(CheckId::Color), ReasonCode::ColorCast);
    s.paint(|x, y, _| Synth::is_skin(x, y).then_some([150, 170, 130]));
    fail(s.run(CheckId::Color), ReasonCode::ColorCast);
    // natural skin before a blue cloth on a spec that wants white: the cloth is paint, no cast
    let mut s = base("cn/id-card");
    let bg = |x: u32, y: u32| class_at(x as f32 + 0.5, y as f32 + 0.5) == K::Background;
    s.paint(|x, y, _| bg(x, y).then_some([67, 142, 219]));
    pass(s.run(CheckId::Color));
    // sharpness: the face drawn to the pixel is sharp; the same face blurred is not, nor is
    // it reduced to a third and enlarged back (a web photo)
    let mut s = base("cn/id-card");
    pass(s.run(CheckId::Sharpness));
    let sharp = s.img.clone();
    s.img = image::imageops::blur(&sharp, 3.0);
    fail(s.run(CheckId::Sharpness), ReasonCode::Blurry);
    let (w, h) = sharp.dimensions();
    let small = image::imageops::resize(&sharp, w / 3, h / 3, image::imageops::Triangle);
    s.img = image::imageops::resize(&small, w, h, image::imageops::CatmullRom);
    fail(s.run(CheckId::Sharpness), ReasonCode::Blurry);
}

#[test]
fn geometry_checks_on_a_photo_already_in_spec() {
    // Make the synthetic photo a 358×441 ID photo: the face is 160 px wide in 400 px; scaled by
    // 358/400 → 143 px, below the 193-px minimum: head_size fails as uploaded but is fixable.
    let s = base("cn/id-card");
    let (st, code) = s.run(CheckId::HeadSize);
    assert_eq!((st, code), (Status::Fixed, Some(ReasonCode::HeadTooSmall)));
    let (st, _) = s.run(CheckId::Resolution);
    assert_eq!(st, Status::Pass, "207/160 = 1.29× upscale is within 1.5×");
    // the resolution limit: 1.25× allowed
    let mut s = base("cn/id-card");
    s.spec.checks.resolution.max_upscale = 1.25;
    fail(s.run(CheckId::Resolution), ReasonCode::LowResolution);
    // a face whose chin leaves the frame is cut off
    let mut s = base("cn/id-card");
    s.a.landmarks.as_mut().unwrap().points[mesh::CHIN][1] = H as f32 + 10.0;
    fail(s.run(CheckId::Framing), ReasonCode::HeadCutOff);
}

#[test]
fn missing_models_make_checks_not_applicable_with_a_reason() {
    let mut s = base("cn/id-card");
    s.a.parsing = None;
    assert_eq!(
        s.run(CheckId::EarsVisible),
        (Status::NotApplicable, Some(ReasonCode::ParsingUnavailable))
    );
    s.a.person = None;
    assert_eq!(
        s.run(CheckId::BackgroundColor),
        (
            Status::NotApplicable,
            Some(ReasonCode::SegmentationUnavailable)
        )
    );
    let sub = Subject::new(&s.img, None, &s.spec);
    assert_eq!(
        run_one(&sub, CheckId::FaceCount).reason.unwrap().code,
        ReasonCode::AnalysisUnavailable
    );
}
