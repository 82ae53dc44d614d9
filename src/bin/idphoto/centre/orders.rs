//! The applicant's routes: submit an order, read it, resubmit a photo, fetch the adjusted photo.
//!
//! An order is created without a token and answered with one; every later call on it needs
//! `Authorization: Bearer <order token>` (401 without one, 403 with another order's).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::store::{raw_json, state, NewOrder, Order};
use super::tokens::{bearer, new_secret, sha256_hex};
use super::{checking, clock, id_number, Centre};
use crate::serve::api_error::ApiError;
use crate::serve::routes::{drain, is_multipart, json, multipart_error, take_place};

/// Longest text field accepted (bytes).
const MAX_FIELD: usize = 2048;
/// Longest name (characters).
const MAX_NAME: usize = 64;

/// A `multipart/form-data` upload: the `photo` part's bytes and the text fields.
pub struct Form {
    pub photo: Option<Vec<u8>>,
    pub fields: HashMap<String, String>,
}

/// Reads a multipart upload, refusing unknown parts (a typo such as `id-number` would else be
/// dropped without a word).
pub async fn read_form(req: Request, known: &[&str]) -> Result<Form, ApiError> {
    if !is_multipart(req.headers()) {
        drain(req.into_body()).await;
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "multipart_required",
            "send the order as multipart/form-data (parts: photo, spec, name, id_number, webhook, phone)",
        ));
    }
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::bad_request("bad_multipart", e.body_text()))?;
    let mut out = Form {
        photo: None,
        fields: HashMap::new(),
    };
    // the first mistake is answered once the whole body is read: a client that sends its
    // body before it reads the answer then gets the error, not a broken connection
    let mut refused: Option<ApiError> = None;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_owned();
        if refused.is_some() {
            field.bytes().await.map_err(multipart_error)?;
        } else if let Err(e) = take_field(&mut out, field, &name, known).await {
            refused = Some(e);
        }
    }
    match refused {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// One part of the upload into `out`.
async fn take_field(
    out: &mut Form,
    field: axum::extract::multipart::Field<'_>,
    name: &str,
    known: &[&str],
) -> Result<(), ApiError> {
    if name == "photo" {
        out.photo = Some(field.bytes().await.map_err(multipart_error)?.to_vec());
    } else if known.contains(&name) {
        let bytes = field.bytes().await.map_err(multipart_error)?;
        if bytes.len() > MAX_FIELD {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("`{name}` is longer than {MAX_FIELD} bytes"),
            ));
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            ApiError::bad_request("bad_parameter", format!("`{name}` is not UTF-8 text"))
        })?;
        out.fields.insert(name.to_owned(), text.trim().to_owned());
    } else {
        field.bytes().await.map_err(multipart_error)?;
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("unknown part `{name}` (photo, {})", known.join(", ")),
        ));
    }
    Ok(())
}

/// The photo part, or 400.
fn photo_of(form: &mut Form) -> Result<Vec<u8>, ApiError> {
    match form.photo.take() {
        Some(p) if !p.is_empty() => Ok(p),
        Some(_) => Err(ApiError::bad_request(
            "empty_body",
            "the `photo` part is empty",
        )),
        None => Err(ApiError::bad_request(
            "missing_photo",
            "the multipart body has no `photo` part",
        )),
    }
}

/// Validates the applicant's fields against the spec.
fn new_order(centre: &Centre, form: &Form) -> Result<NewOrder, ApiError> {
    let f = |k: &str| form.fields.get(k).filter(|v| !v.is_empty()).cloned();
    let spec_id = f("spec").ok_or_else(|| {
        ApiError::bad_request(
            "missing_spec",
            "the order needs a `spec` part (GET /v1/specs lists them)",
        )
    })?;
    let spec = centre.app.specs.get(&spec_id)?;
    let name = f("name").ok_or_else(|| {
        ApiError::bad_request("missing_name", "the order needs the applicant's `name`")
    })?;
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("`name` must be at most {MAX_NAME} characters of text"),
        ));
    }
    // a Chinese document's ID number is a GB 11643 number, whose check character catches a
    // mistyped digit; other documents' numbers are kept as given
    let id_number = match f("id_number") {
        Some(raw) if spec.id.starts_with("cn/") => Some(
            id_number::validate(&raw)
                .map_err(|e| ApiError::bad_request("invalid_id_number", e.to_string()))?,
        ),
        Some(raw) => {
            if raw.len() > 32 || !raw.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ApiError::bad_request(
                    "invalid_id_number",
                    "an ID number is at most 32 letters and digits",
                ));
            }
            Some(raw)
        }
        None => None,
    };
    let phone = f("phone");
    if let Some(p) = &phone {
        if p.len() > 20 || !p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
            return Err(ApiError::bad_request(
                "bad_parameter",
                "`phone` is at most 20 digits, spaces and + - ( )",
            ));
        }
    }
    let webhook = f("webhook");
    if let Some(w) = &webhook {
        super::webhooks::validate_url(w)
            .map_err(|m| ApiError::bad_request("invalid_webhook", m))?;
    }
    Ok(NewOrder {
        spec: spec.id.clone(),
        name,
        id_number,
        phone,
        webhook,
    })
}

/// The order this token opens: 401 without a token, 404 for no such order, 403 for another
/// order's token.
pub async fn authorised(centre: &Centre, id: &str, headers: &HeaderMap) -> Result<Order, ApiError> {
    let token = bearer(headers).ok_or_else(unauthorised)?;
    let order = order_or_404(centre, id).await?;
    if sha256_hex(token.as_bytes()) != order.token_sha256 {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this token does not open this order",
        ));
    }
    Ok(order)
}

pub fn unauthorised() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "send `Authorization: Bearer <token>`",
    )
}

pub fn not_found(what: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
}

/// The order, or 404.
pub async fn order_or_404(centre: &Centre, id: &str) -> Result<Order, ApiError> {
    centre
        .store
        .order(id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("no such order"))
}

pub fn store_error(e: super::store::StoreError) -> ApiError {
    tracing::error!("store: {e}");
    ApiError::unavailable(
        "store_unavailable",
        "the database did not answer; try again",
        2,
    )
}

/// `POST /v1/orders`.
pub async fn create(State(centre): State<Arc<Centre>>, req: Request) -> Result<Response, ApiError> {
    let admitted = match take_place(&centre.app) {
        Ok(a) => a,
        Err(e) => {
            drain(req.into_body()).await;
            return Err(e);
        }
    };
    let mut form = read_form(req, &["spec", "name", "id_number", "phone", "webhook"]).await?;
    let order = new_order(&centre, &form)?;
    let photo = photo_of(&mut form)?;
    let attempt = checking::check(&centre.app, admitted, photo, order.spec.clone()).await?;
    let token = new_secret()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let id = centre
        .store
        .create_order(&order, &sha256_hex(token.as_bytes()), &attempt)
        .await
        .map_err(store_error)?;
    Ok(json(
        StatusCode::CREATED,
        serde_json::json!({
            "id": id,
            "token": token,
            "state": attempt.state,
            "reasons": raw_json(&attempt.reasons),
        })
        .to_string(),
    ))
}

/// An order as its applicant reads it.
async fn order_json(centre: &Centre, order: &Order) -> Result<serde_json::Value, ApiError> {
    let history = centre.store.history(&order.id).await.map_err(store_error)?;
    let history: Vec<serde_json::Value> = history
        .iter()
        .filter(|e| e.action != "claimed")
        .map(|e| {
            let detail = raw_json(&e.detail);
            serde_json::json!({
                "at": clock::rfc3339(e.at_ms),
                "action": e.action,
                "state": e.state,
                "attempt": detail.get("attempt"),
                "reasons": detail.get("reasons"),
                "note": detail.get("note"),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": order.id,
        "state": order.state,
        "spec": order.spec,
        "attempt": order.attempt,
        "reasons": raw_json(&order.reasons),
        "receipt": order.receipt.as_ref().map(|n| serde_json::json!({"number": n})),
        "created": clock::rfc3339(order.created_ms),
        "updated": clock::rfc3339(order.updated_ms),
        "history": history,
    }))
}

/// `GET /v1/orders/{id}`.
pub async fn read(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let order = authorised(&centre, &id, &headers).await?;
    Ok(json(
        StatusCode::OK,
        order_json(&centre, &order).await?.to_string(),
    ))
}

/// `POST /v1/orders/{id}/resubmit`: a new photo on an order that needs one.
pub async fn resubmit(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let order = match authorised(&centre, &id, req.headers()).await {
        Ok(o) => o,
        Err(e) => {
            drain(req.into_body()).await;
            return Err(e);
        }
    };
    if order.state != state::NEEDS_RETAKE && order.state != state::REJECTED {
        drain(req.into_body()).await;
        return Err(cannot_resubmit(&order.state));
    }
    let admitted = match take_place(&centre.app) {
        Ok(a) => a,
        Err(e) => {
            drain(req.into_body()).await;
            return Err(e);
        }
    };
    let mut form = read_form(req, &[]).await?;
    let photo = photo_of(&mut form)?;
    let attempt = checking::check(&centre.app, admitted, photo, order.spec.clone()).await?;
    let moved = centre
        .store
        .resubmit(&id, order.attempt, &attempt)
        .await
        .map_err(store_error)?;
    if moved.is_none() {
        let now = centre.store.order(&id).await.map_err(store_error)?;
        return Err(cannot_resubmit(
            now.as_ref().map_or("unknown", |o| o.state.as_str()),
        ));
    }
    let order = order_or_404(&centre, &id).await?;
    Ok(json(
        StatusCode::OK,
        order_json(&centre, &order).await?.to_string(),
    ))
}

fn cannot_resubmit(state: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "cannot_resubmit",
        format!("the order is {state}: only an order that needs a retake or was rejected takes a new photo"),
    )
}

/// `GET /v1/orders/{id}/output`: the adjusted photo of the order's latest attempt.
pub async fn output(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let order = authorised(&centre, &id, &headers).await?;
    let photo = centre
        .store
        .photo(&order.id, order.attempt, "output")
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            not_found("this attempt has no adjusted photo (the check found reasons to retake)")
        })?;
    image_response(photo)
}

/// A stored photo as the answer (410 once the retention sweep deleted it).
pub fn image_response(photo: super::store::Photo) -> Result<Response, ApiError> {
    let Some(bytes) = photo.bytes else {
        return Err(ApiError::new(
            StatusCode::GONE,
            "photo_deleted",
            "the photo was deleted after the retention period",
        ));
    };
    let mut r = (StatusCode::OK, Body::from(bytes)).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&photo.mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", photo.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(r)
}
