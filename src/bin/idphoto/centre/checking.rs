//! An uploaded photo checked on the server's workers (the same bounds as `/v1/check`: a place
//! is taken with `crate::serve::routes::take_place` before the upload is read), and
//! what of it is stored: the original without its metadata, the adjusted output, the overlay.

use std::sync::Arc;

use axum::http::StatusCode;
use idphoto::report::Status;
use tokio::sync::OwnedSemaphorePermit;

use super::store::{state, Attempt, PhotoIn};
use crate::serve::api_error::ApiError;
use crate::serve::routes::on_worker;
use crate::serve::state::AppState;

/// JPEG quality of the stored original (re-encoded so that no EXIF, GPS or maker data is
/// kept) and of the overlay.
const ORIGINAL_QUALITY: u8 = 92;
const OVERLAY_QUALITY: u8 = 85;

/// Checks `bytes` against `spec` on a worker (see [`on_worker`]) and returns what to store.
pub async fn check(
    app: &Arc<AppState>,
    admitted: OwnedSemaphorePermit,
    bytes: Vec<u8>,
    spec: String,
) -> Result<Attempt, ApiError> {
    on_worker(app, admitted, move |app| check_now(app, &bytes, &spec)).await
}

/// The reasons that need a new photo, as `{check, code, zh, en, detail}`: the failing checks'
/// or, when none fails, those that kept the photo from being judged (no output without a face).
fn retake_reasons(report: &idphoto::Report) -> serde_json::Value {
    let any_fail = report.checks.iter().any(|c| c.status == Status::Fail);
    let reasons: Vec<serde_json::Value> = report
        .checks
        .iter()
        .filter(|c| {
            if any_fail {
                c.status == Status::Fail
            } else {
                c.blocks_pass()
            }
        })
        .flat_map(|c| {
            c.reasons()
                .filter(|r| r.fix != Some(idphoto::report::Fix::Auto))
                .map(move |r| {
                    serde_json::json!({
                        "check": c.id.as_str(),
                        "code": r.code.as_str(),
                        "zh": r.zh,
                        "en": r.en,
                        "detail": r.detail,
                    })
                })
        })
        .collect();
    serde_json::Value::Array(reasons)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

fn check_now(app: &AppState, bytes: &[u8], spec: &str) -> Result<Attempt, ApiError> {
    let checkers = app
        .checkers()
        .ok_or_else(|| ApiError::unavailable("not_ready", "the models are still loading", 1))?;
    let checker = &checkers.always_output;
    let decoded = idphoto::image_io::decode(bytes, checker.limits())?;
    let outcome = checker.process_decoded(&decoded, spec)?;
    let report = serde_json::to_string(&outcome.report).map_err(internal)?;
    let mut photos = vec![PhotoIn {
        kind: "original",
        mime: "image/jpeg",
        bytes: idphoto::image_io::encode_jpeg(&decoded.image, ORIGINAL_QUALITY, 72, false)?,
    }];
    if let Some(a) = &outcome.analysis {
        let img = idphoto::overlay::draw_report(
            &decoded.image,
            &outcome.report,
            a,
            outcome.plan.as_ref(),
        );
        photos.push(PhotoIn {
            kind: "overlay",
            mime: "image/jpeg",
            bytes: idphoto::image_io::encode_jpeg(&img, OVERLAY_QUALITY, 72, false)?,
        });
    }
    let certain_retake = outcome
        .report
        .checks
        .iter()
        .any(|c| c.status == Status::Fail);
    let reasons = retake_reasons(&outcome.report);
    let state = match outcome.output {
        Some(enc) if !certain_retake => {
            photos.push(PhotoIn {
                kind: "output",
                mime: enc.format.mime_type(),
                bytes: enc.bytes,
            });
            state::AWAITING_REVIEW
        }
        _ => state::NEEDS_RETAKE,
    };
    Ok(Attempt {
        state,
        reasons: if state == state::AWAITING_REVIEW {
            "[]".to_owned()
        } else {
            reasons.to_string()
        },
        report,
        photos,
    })
}
