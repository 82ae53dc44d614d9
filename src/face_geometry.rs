//! Head pose from a 3-D fit: MediaPipe's canonical face mesh (468 vertices, centimetres) fitted
//! to the FaceMesh landmarks by a weighted similarity transform, as MediaPipe's face-geometry
//! pipeline does; the fitted rotation is the pose.
//!
//! The canonical mesh and the Procrustes weights are MediaPipe's own
//! (`models/face_geometry/`, Apache-2.0): 33 landmarks on the rigid parts of the face (eye
//! corners, nose, forehead, cheekbones, jaw) with weights chosen by MediaPipe. Nothing is
//! calibrated here: a frontal face reads 0° because the canonical face looks straight ahead.
//!
//! The fit is scaled-orthographic (weak perspective), like FaceMesh's own landmark space and
//! the 3DMM fits of public pose benchmarks; its residual says how far the landmarks are from
//! any rigid pose of a real face (an unusual expression, an occluded or badly tracked face).

use std::sync::OnceLock;

use crate::report::Pose;

const CANONICAL_OBJ: &str = include_str!("../models/face_geometry/canonical_face_model.obj");
const METADATA: &str =
    include_str!("../models/face_geometry/geometry_pipeline_metadata_landmarks.pbtxt");

/// Vertices of the canonical face.
pub const CANONICAL_VERTICES: usize = 468;

/// The canonical mesh and the Procrustes landmark weights.
#[derive(Debug)]
pub struct CanonicalFace {
    /// 468 vertices `[x, y, z]`, cm; x to the image's right (the person's left), y up, z
    /// towards the camera.
    pub vertices: Vec<[f64; 3]>,
    /// `(landmark id, weight)` of the Procrustes basis, weights summing to 1.
    pub basis: Vec<(usize, f64)>,
}

impl CanonicalFace {
    /// Parses the OBJ's `v` lines and the pbtxt's `procrustes_landmark_basis` entries.
    pub fn parse(obj: &str, pbtxt: &str) -> Option<CanonicalFace> {
        let vertices: Vec<[f64; 3]> = obj
            .lines()
            .filter_map(|l| l.strip_prefix("v "))
            .map(|rest| {
                let mut it = rest.split_whitespace().map(str::parse::<f64>);
                match (it.next(), it.next(), it.next()) {
                    (Some(Ok(x)), Some(Ok(y)), Some(Ok(z))) => Some([x, y, z]),
                    _ => None,
                }
            })
            .collect::<Option<_>>()?;
        if vertices.len() != CANONICAL_VERTICES {
            return None;
        }
        let mut basis = Vec::new();
        for line in pbtxt.lines() {
            let Some(rest) = line.trim().strip_prefix("procrustes_landmark_basis") else {
                continue;
            };
            let field = |name: &str| -> Option<&str> {
                let i = rest.find(name)? + name.len();
                rest.get(i..)?.split_whitespace().next()
            };
            let id: usize = field("landmark_id:")?.parse().ok()?;
            let w: f64 = field("weight:")?.parse().ok()?;
            if id >= CANONICAL_VERTICES || w.is_nan() || w <= 0.0 {
                return None;
            }
            basis.push((id, w));
        }
        let total: f64 = basis.iter().map(|b| b.1).sum();
        if basis.len() < 4 || total.is_nan() || total <= 0.0 {
            return None;
        }
        for b in &mut basis {
            b.1 /= total;
        }
        Some(CanonicalFace { vertices, basis })
    }

    /// The face shipped in `models/face_geometry/` (parsed once; `None` only if the compiled-in
    /// files were damaged, which a unit test rules out).
    pub fn get() -> Option<&'static CanonicalFace> {
        static FACE: OnceLock<Option<CanonicalFace>> = OnceLock::new();
        FACE.get_or_init(|| CanonicalFace::parse(CANONICAL_OBJ, METADATA))
            .as_ref()
    }
}

/// A similarity fit of the canonical face to landmarks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PoseFit {
    /// Yaw, pitch, roll of the fitted rotation (conventions of [`Pose`]).
    pub pose: Pose,
    /// Weighted RMS distance between the fitted canonical basis landmarks and the measured
    /// ones, in the canonical face's centimetres.
    pub residual_cm: f64,
    /// Source pixels per canonical centimetre.
    pub scale: f64,
    /// Rotation (row-major) taking canonical directions to the camera frame (x right, y up,
    /// z towards the camera).
    pub rotation: [[f64; 3]; 3],
}

/// Fits the canonical face to FaceMesh landmarks (`[x, y, z]` source pixels, y down, z away
/// from the camera). `None` with fewer than 468 points or a degenerate configuration.
pub fn fit(points: &[[f32; 3]]) -> Option<PoseFit> {
    let face = CanonicalFace::get()?;
    if points.len() < CANONICAL_VERTICES {
        return None;
    }
    // landmarks into the canonical frame's handedness: x right, y up, z towards the camera
    let target = |i: usize| -> Option<[f64; 3]> {
        let p = points.get(i)?;
        Some([p[0] as f64, -(p[1] as f64), -(p[2] as f64)])
    };
    let pairs: Vec<([f64; 3], [f64; 3], f64)> = face
        .basis
        .iter()
        .map(|&(i, w)| Some((*face.vertices.get(i)?, target(i)?, w)))
        .collect::<Option<_>>()?;
    let (rotation, scale, residual) = weighted_similarity(&pairs)?;
    Some(PoseFit {
        pose: pose_of(&rotation),
        residual_cm: residual,
        scale,
        rotation,
    })
}

/// Yaw, pitch and roll of a rotation: the face's forward axis (canonical +z) gives yaw (turn
/// towards the image's right is +) and pitch (chin up is +); roll is the in-image angle of the
/// face's left-right axis (clockwise is +).
#[allow(
    clippy::indexing_slicing,
    reason = "column indices 0..3 of a 3×3 array"
)]
pub fn pose_of(r: &[[f64; 3]; 3]) -> Pose {
    let col = |j: usize| [r[0][j], r[1][j], r[2][j]];
    let (x, f) = (col(0), col(2));
    Pose {
        yaw: f[0].atan2(f[2]).to_degrees(),
        pitch: f[1].atan2((f[0] * f[0] + f[2] * f[2]).sqrt()).to_degrees(),
        roll: (-x[1]).atan2(x[0]).to_degrees(),
    }
}

type Mat3 = [[f64; 3]; 3];

/// Weighted least-squares similarity `q ≈ s·R·p + t` over `(p, q, weight)` triples (Horn's
/// quaternion method). Returns `(R, s, residual / s)`.
#[allow(
    clippy::indexing_slicing,
    reason = "i, j, k range over 0..3 on 3-vectors and 3×3 arrays"
)]
fn weighted_similarity(pairs: &[([f64; 3], [f64; 3], f64)]) -> Option<(Mat3, f64, f64)> {
    let wsum: f64 = pairs.iter().map(|t| t.2).sum();
    if wsum.is_nan() || wsum <= 0.0 {
        return None;
    }
    let mut pc = [0.0; 3];
    let mut qc = [0.0; 3];
    for (p, q, w) in pairs {
        for k in 0..3 {
            pc[k] += w * p[k] / wsum;
            qc[k] += w * q[k] / wsum;
        }
    }
    let mut s = [[0.0f64; 3]; 3];
    let mut pp = 0.0;
    for (p, q, w) in pairs {
        let a = [p[0] - pc[0], p[1] - pc[1], p[2] - pc[2]];
        let b = [q[0] - qc[0], q[1] - qc[1], q[2] - qc[2]];
        for i in 0..3 {
            for j in 0..3 {
                s[i][j] += w * a[i] * b[j];
            }
            pp += w * a[i] * a[i];
        }
    }
    if pp.is_nan() || pp <= 0.0 {
        return None;
    }
    let [[sxx, sxy, sxz], [syx, syy, syz], [szx, szy, szz]] = s;
    let n = [
        [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
        [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
        [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
        [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
    ];
    let q = largest_eigenvector4(n)?;
    let r = quaternion_to_matrix(q);
    // scale: the least-squares factor along the rotated source
    let mut num = 0.0;
    for (p, qq, w) in pairs {
        let a = [p[0] - pc[0], p[1] - pc[1], p[2] - pc[2]];
        let b = [qq[0] - qc[0], qq[1] - qc[1], qq[2] - qc[2]];
        let ra = mul(&r, a);
        num += w * (ra[0] * b[0] + ra[1] * b[1] + ra[2] * b[2]);
    }
    let scale = num / pp;
    if !scale.is_finite() || scale <= 0.0 {
        return None;
    }
    let mut err = 0.0;
    for (p, qq, w) in pairs {
        let a = [p[0] - pc[0], p[1] - pc[1], p[2] - pc[2]];
        let b = [qq[0] - qc[0], qq[1] - qc[1], qq[2] - qc[2]];
        let ra = mul(&r, a);
        err += w * (0..3).map(|k| (scale * ra[k] - b[k]).powi(2)).sum::<f64>();
    }
    Some((r, scale, (err / wsum).sqrt() / scale))
}

fn mul(r: &Mat3, v: [f64; 3]) -> [f64; 3] {
    [
        r[0][0] * v[0] + r[0][1] * v[1] + r[0][2] * v[2],
        r[1][0] * v[0] + r[1][1] * v[1] + r[1][2] * v[2],
        r[2][0] * v[0] + r[2][1] * v[1] + r[2][2] * v[2],
    ]
}

/// Unit quaternion `(w, x, y, z)` → rotation matrix.
fn quaternion_to_matrix([w, x, y, z]: [f64; 4]) -> Mat3 {
    [
        [
            w * w + x * x - y * y - z * z,
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            w * w - x * x + y * y - z * z,
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            w * w - x * x - y * y + z * z,
        ],
    ]
}

/// The unit eigenvector of the largest eigenvalue of a symmetric 4×4 matrix (cyclic Jacobi).
#[allow(
    clippy::indexing_slicing,
    reason = "p, q, k and i range over 0..4 on 4×4 arrays"
)]
fn largest_eigenvector4(mut a: [[f64; 4]; 4]) -> Option<[f64; 4]> {
    let mut v = [[0.0f64; 4]; 4];
    for (i, row) in v.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for _ in 0..64 {
        let off: f64 = (0..4)
            .flat_map(|p| ((p + 1)..4).map(move |q| (p, q)))
            .map(|(p, q)| a[p][q] * a[p][q])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..4 {
            for q in (p + 1)..4 {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                for k in 0..4 {
                    a[p][k] = c * rp[k] - s * rq[k];
                    a[q][k] = s * rp[k] + c * rq[k];
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let best = (0..4).max_by(|&i, &j| a[i][i].total_cmp(&a[j][j]))?;
    let e = [v[0][best], v[1][best], v[2][best], v[3][best]];
    let n = e.iter().map(|x| x * x).sum::<f64>().sqrt();
    (n > 0.0 && n.is_finite()).then(|| [e[0] / n, e[1] / n, e[2] / n, e[3] / n])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Canonical face rotated by yaw, pitch, roll (intrinsic: roll about the forward axis,
    /// then pitch, then yaw), scaled, moved, and written as image landmarks.
    fn landmarks(yaw: f64, pitch: f64, roll: f64, scale: f64) -> Vec<[f32; 3]> {
        let (sy, cy) = yaw.to_radians().sin_cos();
        let (sp, cp) = pitch.to_radians().sin_cos();
        let (sr, cr) = (-roll).to_radians().sin_cos();
        CanonicalFace::get()
            .unwrap()
            .vertices
            .iter()
            .map(|&[x, y, z]| {
                let (x, y) = (x * cr - y * sr, x * sr + y * cr);
                let (y, z) = (y * cp + z * sp, -y * sp + z * cp);
                let (x, z) = (x * cy + z * sy, -x * sy + z * cy);
                [
                    (300.0 + scale * x) as f32,
                    (400.0 - scale * y) as f32,
                    (-scale * z) as f32,
                ]
            })
            .collect()
    }

    #[test]
    fn canonical_face_parses() {
        let f = CanonicalFace::get().unwrap();
        assert_eq!(f.vertices.len(), 468);
        assert_eq!(f.basis.len(), 33);
        assert!((f.basis.iter().map(|b| b.1).sum::<f64>() - 1.0).abs() < 1e-9);
        // the person's right eye's outer corner (33) is on the image's left
        assert!(f.vertices[33][0] < 0.0 && f.vertices[263][0] > 0.0);
        assert!(CanonicalFace::parse("v 1 2", "").is_none());
    }

    #[test]
    fn fit_recovers_rotations_and_scale() {
        for (yaw, pitch, roll) in [
            (0.0, 0.0, 0.0),
            (20.0, 0.0, 0.0),
            (-30.0, 0.0, 0.0),
            (0.0, 15.0, 0.0),
            (0.0, -25.0, 0.0),
            (0.0, 0.0, 10.0),
            (8.0, -6.0, 4.0),
        ] {
            let f = fit(&landmarks(yaw, pitch, roll, 12.0)).unwrap();
            assert!((f.pose.yaw - yaw).abs() < 0.5, "yaw {:?} vs {yaw}", f.pose);
            assert!(
                (f.pose.pitch - pitch).abs() < 0.5,
                "pitch {:?} vs {pitch}",
                f.pose
            );
            assert!(
                (f.pose.roll - roll).abs() < 0.5,
                "roll {:?} vs {roll}",
                f.pose
            );
            assert!((f.scale - 12.0).abs() < 1e-6);
            assert!(f.residual_cm < 1e-6);
        }
    }

    #[test]
    fn a_distorted_face_has_a_residual() {
        let mut pts = landmarks(0.0, 0.0, 0.0, 10.0);
        // the nose tip region (basis landmarks 4 and 129) pushed 2 cm sideways
        for i in [4usize, 129] {
            pts[i][0] += 20.0;
        }
        let f = fit(&pts).unwrap();
        assert!(f.residual_cm > 0.3, "{}", f.residual_cm);
        assert!(fit(&pts[..100]).is_none());
    }
}
