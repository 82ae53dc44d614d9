//! Where on the photo each check looks: regions placed by the landmarks in the eye-line frame
//! of [`HeadGeometry`] (`u` along the eye line, `v` down, in source pixels, both scaled by the
//! face width). The checks read these zones and the overlay draws the same zones, so a
//! reviewer sees exactly the area a verdict came from.
//!
//! Every size below is a share of the face width (cheek to cheek, mesh points 234–454).

use crate::analysis::{mesh, FaceLandmarks};
use crate::normalize::HeadGeometry;

/// A polygon in source pixels.
pub type Polygon = Vec<[f32; 2]>;

/// Half-width of an earring zone around the cheek edge at ear level: an ear is about 0.3 face
/// widths wide and sits just outside the cheek point, lobes and hoops hang below it.
pub const EARRING_HALF_WIDTH: f64 = 0.3;
/// The earring zone starts this far above the cheek point (upper ear: cuffs, helix studs)…
pub const EARRING_ABOVE: f64 = 0.15;
/// …and ends this far below it: a long drop earring hanging at jaw and neck level.
pub const EARRING_BELOW: f64 = 1.0;
/// The necklace zone starts this far below the chin (the chin's own shadow excluded)…
pub const NECKLACE_BELOW_CHIN: f64 = 0.05;
/// …and reaches this far below it: neck and collar line down to the upper chest.
pub const NECKLACE_DEPTH: f64 = 1.6;
/// Half-width of the necklace zone: the neck and both collarbones.
pub const NECKLACE_HALF_WIDTH: f64 = 1.0;

/// An axis-aligned box in the eye-line frame, as a source polygon.
fn local_box(g: &HeadGeometry, u0: f64, u1: f64, v0: f64, v1: f64) -> Polygon {
    [[u0, v0], [u1, v0], [u1, v1], [u0, v1]]
        .iter()
        .map(|&l| {
            let p = g.to_source(l);
            [p[0] as f32, p[1] as f32]
        })
        .collect()
}

/// The two zones where earrings are looked for, `[right, left]` (the person's right is image
/// left): around and below each ear position the landmarks predict, whether the ear shows or
/// not.
pub fn earrings(g: &HeadGeometry, lm: &FaceLandmarks) -> [Polygon; 2] {
    let fw = g.face_width;
    mesh::CHEEKS.map(|i| {
        let p = lm.xy(i);
        let a = g.to_local([p[0] as f64, p[1] as f64]);
        local_box(
            g,
            a[0] - EARRING_HALF_WIDTH * fw,
            a[0] + EARRING_HALF_WIDTH * fw,
            a[1] - EARRING_ABOVE * fw,
            a[1] + EARRING_BELOW * fw,
        )
    })
}

/// The face's outline from the landmarks ([`mesh::FACE_OVAL`]), clockwise from the forehead.
pub fn face_oval(lm: &FaceLandmarks) -> Polygon {
    mesh::FACE_OVAL.iter().map(|&i| lm.xy(i)).collect()
}

/// The zone where a necklace is looked for: neck and collar line below the chin.
pub fn necklace(g: &HeadGeometry) -> Polygon {
    let fw = g.face_width;
    let c = g.face_center_u;
    local_box(
        g,
        c - NECKLACE_HALF_WIDTH * fw,
        c + NECKLACE_HALF_WIDTH * fw,
        g.chin_down + NECKLACE_BELOW_CHIN * fw,
        g.chin_down + (NECKLACE_BELOW_CHIN + NECKLACE_DEPTH) * fw,
    )
}

/// An ear's height spans from this far above the eye line (the top of the helix sits about
/// at brow level)…
pub const EAR_ABOVE_EYES: f64 = 0.1;
/// …to this far below it (the lobe, at about the base of the nose).
pub const EAR_BELOW_EYES: f64 = 0.45;
/// The ear zone reaches this far inside the cheek point (the tragus and the ear's front
/// edge)…
pub const EAR_INSIDE: f64 = 0.05;
/// …and this far outside it (an adult ear sticks out 0.15–0.25 face widths in a frontal view).
pub const EAR_OUTSIDE: f64 = 0.25;

/// Where the landmarks say each ear is, `[right, left]` (image left, image right): beside the
/// cheek point from about brow to nose-base height.
pub fn ears(g: &HeadGeometry, lm: &FaceLandmarks) -> [Polygon; 2] {
    let fw = g.face_width;
    let c = g.face_center_u;
    mesh::CHEEKS.map(|i| {
        let p = lm.xy(i);
        let a = g.to_local([p[0] as f64, p[1] as f64]);
        let out = if a[0] < c { -1.0 } else { 1.0 };
        let (u0, u1) = (a[0] - out * EAR_INSIDE * fw, a[0] + out * EAR_OUTSIDE * fw);
        local_box(
            g,
            u0.min(u1),
            u0.max(u1),
            -EAR_ABOVE_EYES * fw,
            EAR_BELOW_EYES * fw,
        )
    })
}
