//! The router, its route table and the handlers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{
    DefaultBodyLimit, FromRequest, MatchedPath, Multipart, Path, Query, Request, State,
};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use tokio::sync::OwnedSemaphorePermit;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::api_error::{json_errors, ApiError};
use super::state::AppState;

/// Every route: method and path as the OpenAPI document writes them (`{id}` may hold
/// slashes: `cn/id-card`). A test keeps `openapi.json` in step with this table.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/check"),
    ("GET", "/v1/specs"),
    ("GET", "/v1/specs/{id}"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
];

/// Every route this build can serve: the checker's, and the receipt centre's (with `--db`).
pub fn all_routes() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    #[cfg(feature = "centre")]
    let centre = crate::centre::ROUTES.iter();
    #[cfg(not(feature = "centre"))]
    let centre = [].iter();
    ROUTES.iter().chain(centre)
}

/// The OpenAPI 3 document.
pub const OPENAPI: &str = include_str!("openapi.json");

/// The header carrying a request's id (set when the client sends none, echoed back).
const REQUEST_ID: &str = "x-request-id";

/// The service: routes, then per request an id, a log line, metrics, JSON errors, the
/// timeout and the body limit.
///
/// `extra` (the receipt centre's routes, with `--db`) gets the same layers.
pub fn router(state: Arc<AppState>, extra: Option<Router>) -> Router {
    let s = &state.settings;
    let request_id = header::HeaderName::from_static(REQUEST_ID);
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let route = req
                        .extensions()
                        .get::<MatchedPath>()
                        .map_or("unmatched", MatchedPath::as_str);
                    // the route pattern, never the path or query (which could carry anything)
                    tracing::info_span!("request", id = %id, method = %req.method(), route = %route, spec = tracing::field::Empty)
                })
                .on_request(())
                .on_response(
                    |r: &Response, latency: std::time::Duration, _span: &tracing::Span| {
                        tracing::info!(status = r.status().as_u16(), ms = latency.as_millis() as u64, "answered");
                    },
                )
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            track,
        ))
        .layer(axum::middleware::from_fn(json_errors))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            s.timeout,
        ))
        .layer(RequestBodyLimitLayer::new(s.max_bytes));
    let mut app = Router::new()
        .route("/v1/check", post(check))
        .route("/v1/specs", get(specs))
        .route("/v1/specs/{*id}", get(spec))
        .route("/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    app.fallback(not_found)
        .layer(layers)
        .layer(DefaultBodyLimit::disable())
}

/// Middleware: counts each answer by route and status and times it.
async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let t0 = Instant::now();
    let method = req.method().as_str().to_owned();
    // the pattern as the OpenAPI document writes it: `/v1/specs/{id}`, not `{*id}`
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().replace("{*", "{"));
    let r = next.run(req).await;
    state.metrics.observe(
        &method,
        &route,
        r.status().as_u16(),
        t0.elapsed().as_secs_f64(),
    );
    r
}

async fn not_found(req: Request) -> ApiError {
    drain(req.into_body()).await;
    let routes: Vec<String> = all_routes().map(|(m, p)| format!("{m} {p}")).collect();
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such route; the routes: {}", routes.join(", ")),
    )
}

pub(crate) fn json(status: StatusCode, body: String) -> Response {
    let mut r = (status, Body::from(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"alive"}"#.into())
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let models = state.checkers().is_some();
    let room = state.has_room();
    // with --db: the receipt centre's database answered its last probe
    let store = state
        .store_ok
        .get()
        .map(|ok| ok.load(std::sync::atomic::Ordering::Relaxed));
    let ready = models && room && store != Some(false);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = serde_json::json!({
        "ready": ready,
        "models_loaded": models,
        "queue_full": !room,
    });
    if let Some(ok) = store {
        body["database"] = serde_json::Value::Bool(ok);
    }
    let mut r = json(status, body.to_string());
    if status != StatusCode::OK {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut r = (StatusCode::OK, state.metrics.render()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

async fn openapi() -> Response {
    json(StatusCode::OK, OPENAPI.into())
}

async fn specs(State(state): State<Arc<AppState>>) -> Response {
    let all: Vec<&idphoto::PhotoSpec> = state.specs.iter().collect();
    json(
        StatusCode::OK,
        crate::specs::list_json(&state.specs, &all).to_string(),
    )
}

async fn spec(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = crate::specs::show_json(&state.specs, &id)?;
    Ok(json(StatusCode::OK, v.to_string()))
}

/// `POST /v1/check` query parameters.
struct CheckParams {
    spec: String,
    output: bool,
    overlay: bool,
}

fn flag(q: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    match q.get(name).map(String::as_str) {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("" | "true" | "1" | "yes") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            "bad_parameter",
            format!("{name}: `{other}` is not true or false"),
        )),
    }
}

fn check_params(req: &Request) -> Result<CheckParams, ApiError> {
    let Query(q) = Query::<HashMap<String, String>>::try_from_uri(req.uri())
        .map_err(|e| ApiError::bad_request("bad_parameter", e.body_text()))?;
    if let Some(unknown) = q
        .keys()
        .find(|k| !matches!(k.as_str(), "spec" | "output" | "overlay"))
    {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("unknown parameter `{unknown}` (spec, output, overlay)"),
        ));
    }
    let spec = q
        .get("spec")
        .filter(|s| !s.is_empty())
        .cloned()
        .ok_or_else(|| {
            ApiError::bad_request(
                "missing_spec",
                "the query needs ?spec=ID (GET /v1/specs lists them)",
            )
        })?;
    Ok(CheckParams {
        output: flag(&q, "output")?,
        overlay: flag(&q, "overlay")?,
        spec,
    })
}

/// Whether a request's body is `multipart/form-data`.
pub(crate) fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The photo's bytes: the body itself, or the `photo` part of a `multipart/form-data` body.
async fn photo_bytes(req: Request) -> Result<Bytes, ApiError> {
    if !is_multipart(req.headers()) {
        return Bytes::from_request(req, &()).await.map_err(|e| {
            let status = e.status();
            let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
                "body_too_large"
            } else {
                "bad_body"
            };
            ApiError::new(status, code, e.body_text())
        });
    }
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::bad_request("bad_multipart", e.body_text()))?;
    loop {
        let field = form.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else {
            return Err(ApiError::bad_request(
                "missing_photo",
                "the multipart body has no `photo` part",
            ));
        };
        if field.name() == Some("photo") {
            return field.bytes().await.map_err(multipart_error);
        }
    }
}

pub(crate) fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, "body_too_large", e.body_text())
    } else {
        ApiError::bad_request("bad_multipart", e.body_text())
    }
}

/// Decrements the queue-depth gauge when a waiting check leaves the queue (started, or
/// dropped by the timeout).
struct Waiting<'a>(&'a prometheus_client::metrics::gauge::Gauge);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Reads what is left of a refused request's body and drops it (never more than
/// `--max-bytes`, never held): a client that sends its whole body before it reads the answer
/// then gets the error instead of a broken connection.
pub(crate) async fn drain(body: Body) {
    use http_body_util::BodyExt as _;
    let mut body = body;
    while let Some(Ok(_)) = body.frame().await {}
}

/// What is decided before the body is read: the parameters, the spec, readiness and a place
/// among the checks running and waiting.
fn admit(state: &AppState, req: &Request) -> Result<(CheckParams, OwnedSemaphorePermit), ApiError> {
    let params = check_params(req)?;
    tracing::Span::current().record("spec", params.spec.as_str());
    state.specs.get(&params.spec)?;
    Ok((params, take_place(state)?))
}

/// Readiness (the models loaded) and a place among the checks running and waiting, taken
/// before a request's body is read: memory stays bounded by workers + queue bodies whatever
/// the load. 503 with `Retry-After` otherwise.
pub(crate) fn take_place(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    if state.checkers().is_none() {
        return Err(ApiError::unavailable(
            "not_ready",
            "the models are still loading",
            1,
        ));
    }
    state.admit().ok_or_else(|| {
        state.metrics.rejected.inc();
        ApiError::unavailable(
            "queue_full",
            format!(
                "{} checks are running or waiting; try again shortly",
                state.settings.workers + state.settings.queue
            ),
            1,
        )
    })
}

/// Waits for a free worker (counted in the queue-depth gauge meanwhile), then runs `job` on
/// the blocking pool, never on the async threads. `admitted` and the worker are held until
/// the job ends, even when the request timed out meanwhile.
pub(crate) async fn on_worker<T: Send + 'static>(
    state: &Arc<AppState>,
    admitted: OwnedSemaphorePermit,
    job: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    state.metrics.queue_depth.inc();
    let waiting = Waiting(&state.metrics.queue_depth);
    let Some(worker) = state.worker().await else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            "the server is stopping",
        ));
    };
    drop(waiting);
    let job_state = Arc::clone(state);
    let task = tokio::task::spawn_blocking(move || {
        let _permits = (admitted, worker);
        job_state.metrics.in_flight.inc();
        let answer = job(&job_state);
        job_state.metrics.in_flight.dec();
        answer
    });
    task.await.map_err(|e| {
        tracing::error!("a check stopped: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the check stopped unexpectedly",
        )
    })?
}

async fn check(State(state): State<Arc<AppState>>, req: Request) -> Result<Response, ApiError> {
    let (params, admitted) = match admit(&state, &req) {
        Ok(a) => a,
        Err(e) => {
            drain(req.into_body()).await;
            return Err(e);
        }
    };
    let bytes = photo_bytes(req).await?;
    let body = on_worker(&state, admitted, move |s| run_check(s, &bytes, &params)).await?;
    Ok(json(StatusCode::OK, body))
}

fn image_json(mime: &str, width: u32, height: u32, bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "mime": mime,
        "width": width,
        "height": height,
        "bytes_base64": base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// Decodes and checks on the calling (blocking) thread: the JSON answer.
fn run_check(state: &AppState, bytes: &[u8], params: &CheckParams) -> Result<String, ApiError> {
    let Some(checkers) = state.checkers() else {
        return Err(ApiError::unavailable(
            "not_ready",
            "the models are still loading",
            1,
        ));
    };
    let checker = if params.output {
        &checkers.with_output
    } else {
        &checkers.report_only
    };
    let decoded = idphoto::image_io::decode(bytes, checker.limits())?;
    let outcome = checker.process_decoded(&decoded, &params.spec)?;
    let report = serde_json::to_value(&outcome.report)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    let output = match (&outcome.output, &outcome.output_image) {
        (Some(enc), Some(img)) if params.output => image_json(
            enc.format.mime_type(),
            img.width(),
            img.height(),
            &enc.bytes,
        ),
        _ => serde_json::Value::Null,
    };
    let overlay = match &outcome.analysis {
        Some(a) if params.overlay => {
            let img = idphoto::overlay::draw_report(
                &decoded.image,
                &outcome.report,
                a,
                outcome.plan.as_ref(),
            );
            let png = idphoto::image_io::encode_png(&img, 72, false)?;
            image_json("image/png", img.width(), img.height(), &png)
        }
        _ => serde_json::Value::Null,
    };
    Ok(serde_json::json!({"report": report, "output": output, "overlay": overlay}).to_string())
}

#[cfg(test)]
mod tests {
    use super::OPENAPI;

    /// The OpenAPI document lists exactly the routes the router serves, with their methods.
    #[test]
    fn openapi_lists_every_route() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("valid JSON");
        let paths = doc["paths"].as_object().expect("paths");
        let mut documented: Vec<(String, String)> = paths
            .iter()
            .flat_map(|(p, ops)| {
                ops.as_object()
                    .expect("operations")
                    .keys()
                    .map(move |m| (m.to_uppercase(), p.clone()))
            })
            .collect();
        let mut served: Vec<(String, String)> = super::all_routes()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        documented.sort();
        served.sort();
        // a build without the receipt centre serves a part of the document
        if cfg!(feature = "centre") {
            assert_eq!(documented, served);
        } else {
            assert!(served.iter().all(|r| documented.contains(r)));
        }
    }
}
