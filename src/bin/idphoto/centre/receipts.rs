//! Receipt routes: what a self-service machine or a counter fetches after scanning a slip's
//! barcode (a fetch token), and the slip itself (a fetch token, a reviewer's, or the order's).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::orders::{image_response, not_found, order_or_404, store_error, unauthorised};
use super::receipt_number::{self, NumberError};
use super::store::{Photo, Receipt};
use super::tokens::{bearer, sha256_hex};
use super::{clock, id_number, slip, Centre};
use crate::serve::api_error::ApiError;

fn forbidden(msg: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", msg)
}

/// The number's 18 digits, or 400 (a mistyped number is refused by its check digits).
fn number_of(raw: &str) -> Result<String, ApiError> {
    receipt_number::validate(raw).map_err(|e| {
        let msg = match e {
            NumberError::Format => "a receipt number is 18 digits",
            NumberError::Check => {
                "the receipt number's check digits do not match: a digit was probably mistyped"
            }
        };
        ApiError::bad_request("invalid_receipt_number", msg)
    })
}

/// The receipt and its photo, the photo's bytes verified against the hash recorded at issue.
async fn receipt_of(centre: &Centre, number: &str) -> Result<(Receipt, Photo), ApiError> {
    let (receipt, photo) = centre
        .store
        .receipt(number)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("no receipt has this number"))?;
    match &photo.bytes {
        Some(b) if sha256_hex(b) == receipt.photo_sha256 => Ok((receipt, photo)),
        _ => {
            tracing::error!("a receipt's photo does not match the hash recorded at issue");
            Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "integrity_error",
                "the stored photo does not match the receipt",
            ))
        }
    }
}

/// `GET /v1/receipts/{number}` (fetch token): the receipt's photo, byte for byte as issued.
pub async fn photo(
    State(centre): State<Arc<Centre>>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = bearer(&headers).ok_or_else(unauthorised)?;
    if centre.fetchers.who(token).is_none() {
        return Err(forbidden("this token is not a fetch token"));
    }
    let number = number_of(&raw)?;
    let (_, photo) = receipt_of(&centre, &number).await?;
    image_response(photo)
}

/// The slip's PNG for a caller holding a fetch token, a reviewer's token, or the order's.
async fn slip_png_of(
    centre: &Centre,
    raw: &str,
    headers: &HeaderMap,
) -> Result<(String, Vec<u8>), ApiError> {
    let token = bearer(headers).ok_or_else(unauthorised)?;
    let staff = centre.fetchers.who(token).is_some() || centre.reviewers.who(token).is_some();
    let number = number_of(raw)?;
    let (receipt, photo) = receipt_of(centre, &number).await?;
    let order = order_or_404(centre, &receipt.order_id).await?;
    if !staff && sha256_hex(token.as_bytes()) != order.token_sha256 {
        return Err(forbidden(
            "this token opens neither this receipt's order nor the centre's slips",
        ));
    }
    let spec = centre.app.specs.get(&order.spec).ok();
    let document_zh = spec.map_or_else(|| order.spec.clone(), |s| s.name.zh.clone());
    let document_en = spec.map(|s| s.name.en.clone()).unwrap_or_default();
    let region_code = spec.and_then(|s| s.region_code.clone());
    let masked = order.id_number.as_deref().map(id_number::mask);
    let date = clock::date(receipt.issued_ms);
    let bytes = photo.bytes.unwrap_or_default();
    let internal = |e: String| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e);
    // decoding the photo, drawing and encoding are CPU work: on the blocking pool
    let slip_number = number.clone();
    let png = tokio::task::spawn_blocking(move || {
        let img = image::load_from_memory(&bytes)
            .map_err(|e| internal(e.to_string()))?
            .to_rgb8();
        let data = slip::SlipData {
            number: &slip_number,
            document_zh: &document_zh,
            document_en: &document_en,
            region_code: region_code.as_deref(),
            id_masked: masked.as_deref(),
            date: &date,
            photo: &img,
        };
        let slip = slip::render(&data).map_err(internal)?;
        Ok::<_, ApiError>(idphoto::image_io::encode_png(&slip, 150, false)?)
    })
    .await
    .map_err(|e| internal(e.to_string()))??;
    Ok((number, png))
}

/// `GET /v1/receipts/{number}/slip.png`.
pub async fn slip_png(
    State(centre): State<Arc<Centre>>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (_, png) = slip_png_of(&centre, &raw, &headers).await?;
    let mut r = (StatusCode::OK, Body::from(png)).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}

/// `GET /v1/receipts/{number}/slip.html`: the slip on a page that prints at its size.
pub async fn slip_html(
    State(centre): State<Arc<Centre>>,
    Path(raw): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (number, png) = slip_png_of(&centre, &raw, &headers).await?;
    let mut r = (StatusCode::OK, slip::html(&number, &png)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}
