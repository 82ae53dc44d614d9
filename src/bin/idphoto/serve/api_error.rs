//! Error responses: `{"error": {"code", "message"}}` with the status a client can act on.
//!
//! | status | codes |
//! |---|---|
//! | 400 | `unknown_spec` (with the did-you-mean), `missing_spec`, `bad_parameter`, `empty_body`, `missing_photo`, `bad_multipart` |
//! | 404, 405 | `not_found`, `method_not_allowed` |
//! | 413 | `body_too_large` |
//! | 415 | `unsupported_format` (HEIC/AVIF with what to do) |
//! | 422 | `corrupt_image`, `image_too_large`, `image_too_small` |
//! | 503 | `queue_full`, `not_ready` (with `Retry-After`) |
//! | 504 | `timeout` |
//! | 500 | `model_error`, `encode_error`, `internal`: the server's fault, never the input's |

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (503).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 503 with `Retry-After`.
    pub fn unavailable(code: &'static str, message: impl Into<String>, retry_after: u32) -> Self {
        ApiError {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
        }
    }

    /// The JSON body.
    pub fn body(&self) -> String {
        serde_json::json!({"error": {"code": self.code, "message": self.message}}).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Body::from(self.body())).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

impl From<idphoto::Error> for ApiError {
    fn from(e: idphoto::Error) -> Self {
        use idphoto::Error as E;
        let (status, code) = match &e {
            E::UnknownSpec { .. } => (StatusCode::BAD_REQUEST, "unknown_spec"),
            E::EmptyImage => (StatusCode::BAD_REQUEST, "empty_body"),
            E::UnsupportedFormat { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_format")
            }
            E::CorruptImage(_) => (StatusCode::UNPROCESSABLE_ENTITY, "corrupt_image"),
            E::TooLarge { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "image_too_large"),
            E::TooSmall { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "image_too_small"),
            E::Model { .. } | E::ModelsNotFound { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "model_error")
            }
            E::Encode(_) => (StatusCode::INTERNAL_SERVER_ERROR, "encode_error"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

/// The code of a status answered by a layer or the router rather than a handler (their
/// plain-text bodies are replaced by [`ApiError`]'s JSON).
pub fn code_of_status(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            "not_found",
            "no such route (GET /v1/openapi.json lists them)",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not take that method (GET /v1/openapi.json lists them)",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is larger than the server's --max-bytes",
        ),
        StatusCode::GATEWAY_TIMEOUT => (
            "timeout",
            "the check was not answered within the server's --timeout",
        ),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported media type"),
        StatusCode::BAD_REQUEST => ("bad_request", "bad request"),
        StatusCode::UNPROCESSABLE_ENTITY => ("unprocessable", "the request cannot be processed"),
        _ if status.is_server_error() => ("internal", "internal error"),
        _ => ("error", "request failed"),
    }
}

/// Middleware: an error response without a JSON body (from the router, the body limit or the
/// timeout) gets the [`ApiError`] JSON body for its status.
pub async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let r = next.run(req).await;
    let status = r.status();
    let is_json = r
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return r;
    }
    let (code, message) = code_of_status(status);
    let (parts, _) = r.into_parts();
    let mut out = ApiError::new(status, code, message).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
