//! # idphoto
//!
//! Decides whether a portrait photo is acceptable for an identity document — a Chinese ID-card
//! photo receipt (照片回执), a social-security card, a driving licence, an ICAO passport, a visa —
//! and, when it can be, turns it into the exact image the document needs.
//!
//! The pipeline, one way: bytes → [`image_io`] (decode with limits, EXIF orientation) →
//! [`analysis`] (face detection, landmarks, pose, face parsing, person mask; models run on CPU with
//! tract) → [`checks`] (each rule of the [`spec`] measured) → [`report`] (verdict, value, limit and
//! a bilingual reason per check) and [`normalize`] (the compliant output image).
//!
//! ```no_run
//! use idphoto::{Checker, Verdict};
//!
//! let checker = Checker::builder().build()?;                    // specs + models, loaded once
//! let bytes = std::fs::read("photo.jpg")?;
//! let outcome = checker.process_bytes(&bytes, "cn/id-card")?;   // check + normalized output
//! println!("{}", outcome.report.to_json());
//! if outcome.report.verdict == Verdict::Pass {
//!     if let Some(out) = outcome.output {
//!         std::fs::write("id-card.jpg", &out.bytes)?;
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// Indexing that could panic is reviewed: every site allows it with the reason it stays in bounds.
#![warn(clippy::indexing_slicing)]

pub mod analysis;
pub mod batch;
pub mod checker;
pub mod checks;
pub mod color;
pub mod display;
mod error;
pub mod evaluate;
pub mod face_geometry;
pub mod files;
pub mod image_io;
pub mod matte;
pub mod models;
pub mod normalize;
pub mod overlay;
pub mod report;
pub mod spec;
pub mod zones;

/// The `image` crate this one is built on: [`image::RgbImage`] and [`image::RgbaImage`] appear
/// in the API, so a caller needs no version-matched dependency of its own.
pub use image;

#[doc(inline)]
pub use analysis::Analysis;
#[doc(inline)]
pub use checker::{Checker, CheckerBuilder, Outcome, OutputPolicy, Timings};
#[doc(inline)]
pub use error::{Error, Result};
#[doc(inline)]
pub use image_io::{DecodeLimits, Encoded};
#[doc(inline)]
pub use report::{CheckId, CheckResult, Fix, Measure, Reason, ReasonCode, Report, Status, Verdict};
#[doc(inline)]
pub use spec::{OutputFormat, PhotoSpec, SpecRegistry};
