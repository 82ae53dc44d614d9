//! The reviewer's routes: claim the oldest order, see its photos and check table, decide; and
//! the reviewer page at `/review`. Every route but the page needs a reviewer's token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use idphoto::report::ReasonCode;

use super::orders::{image_response, not_found, order_or_404, store_error, unauthorised};
use super::store::{raw_json, Decision, Order, Refused};
use super::tokens::bearer;
use super::{clock, id_number, receipt_number, Centre};
use crate::serve::api_error::ApiError;
use crate::serve::routes::json;

/// The reviewer page.
const PAGE: &str = include_str!("review_page.html");

/// How many times a decision is retried when its fresh receipt number is already taken.
const NUMBER_TRIES: usize = 4;

/// The reviewer holding this request's token: 401 without one, 403 with an unknown one.
fn reviewer<'a>(centre: &'a Centre, headers: &HeaderMap) -> Result<&'a str, ApiError> {
    let token = bearer(headers).ok_or_else(unauthorised)?;
    centre.reviewers.who(token).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this token is not a reviewer's",
        )
    })
}

/// An order as a reviewer sees it: the masked ID number, the check table, links to the photos.
fn review_json(centre: &Centre, o: &Order) -> serde_json::Value {
    let spec = centre.app.specs.get(&o.spec).ok();
    let photo = |kind: &str| format!("/v1/review/{}/photos/{kind}", o.id);
    serde_json::json!({
        "id": o.id,
        "spec": o.spec,
        "document": spec.map(|s| serde_json::json!({"zh": s.name.zh, "en": s.name.en})),
        "name": o.name,
        "id_number_masked": o.id_number.as_deref().map(id_number::mask),
        "attempt": o.attempt,
        "state": o.state,
        "queued": o.queued_ms.map(clock::rfc3339),
        "claimed_by": o.claimed_by,
        "claim_until": o.claim_until.map(clock::rfc3339),
        "report": raw_json(&o.report),
        "reasons": raw_json(&o.reasons),
        "receipt": o.receipt.as_ref().map(|n| serde_json::json!({"number": n})),
        "photos": {
            "original": photo("original"),
            "output": photo("output"),
            "overlay": photo("overlay"),
        },
    })
}

/// `POST /v1/review/claim`: the oldest order awaiting review that nobody holds (or the one
/// this reviewer already holds); 204 when there is none.
pub async fn claim(
    State(centre): State<Arc<Centre>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = reviewer(&centre, &headers)?;
    let hold = i64::try_from(centre.settings.claim.as_millis()).unwrap_or(i64::MAX / 2);
    match centre.store.claim(who, hold).await.map_err(store_error)? {
        Some(o) => Ok(json(
            StatusCode::OK,
            serde_json::json!({"order": review_json(&centre, &o)}).to_string(),
        )),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `GET /v1/review/{id}`.
pub async fn show(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reviewer(&centre, &headers)?;
    let o = order_or_404(&centre, &id).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({"order": review_json(&centre, &o)}).to_string(),
    ))
}

/// `GET /v1/review/{id}/photos/{kind}`: `original`, `output` or `overlay` of the latest attempt.
pub async fn photo(
    State(centre): State<Arc<Centre>>,
    Path((id, kind)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reviewer(&centre, &headers)?;
    if !matches!(kind.as_str(), "original" | "output" | "overlay") {
        return Err(not_found("photos are original, output or overlay"));
    }
    let o = order_or_404(&centre, &id).await?;
    let p = centre
        .store
        .photo(&id, o.attempt, &kind)
        .await
        .map_err(store_error)?
        .ok_or_else(|| not_found("this attempt has no such photo"))?;
    image_response(p)
}

/// The code `other`: a reason of the reviewer's own, in the note.
const OTHER: &str = "other";

/// `GET /v1/review/reasons`: the reason codes a reviewer may give, retakes first.
pub async fn reasons(
    State(centre): State<Arc<Centre>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reviewer(&centre, &headers)?;
    let mut list: Vec<serde_json::Value> = ReasonCode::ALL
        .iter()
        .filter(|c| c.default_fix() == Some(idphoto::report::Fix::Retake))
        .map(|c| serde_json::json!({"code": c.as_str(), "zh": c.zh(), "en": c.en()}))
        .collect();
    list.push(
        serde_json::json!({"code": OTHER, "zh": "其他（见备注）", "en": "other (see the note)"}),
    );
    Ok(json(
        StatusCode::OK,
        serde_json::Value::Array(list).to_string(),
    ))
}

/// The reviewer's reasons as `{code, zh, en}`; 400 for an unknown code or `other` without a note.
fn reasons_of(codes: &[String], note: Option<&str>) -> Result<serde_json::Value, ApiError> {
    let mut out = Vec::new();
    for code in codes {
        if code == OTHER {
            let Some(note) = note.filter(|n| !n.trim().is_empty()) else {
                return Err(ApiError::bad_request(
                    "missing_note",
                    "the reason `other` needs a note saying what is wrong",
                ));
            };
            out.push(serde_json::json!({"code": OTHER, "zh": format!("其他：{note}"), "en": format!("other: {note}")}));
            continue;
        }
        let Some(c) = ReasonCode::ALL.iter().find(|c| c.as_str() == code) else {
            return Err(ApiError::bad_request(
                "unknown_reason",
                format!("`{code}` is not a reason code (GET /v1/review/reasons lists them)"),
            ));
        };
        out.push(serde_json::json!({"code": c.as_str(), "zh": c.zh(), "en": c.en()}));
    }
    Ok(serde_json::Value::Array(out))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionIn {
    decision: String,
    #[serde(default)]
    reasons: Vec<String>,
    #[serde(default)]
    note: Option<String>,
}

/// Longest note (characters).
const MAX_NOTE: usize = 500;

/// `POST /v1/review/{id}/decision`: accept (issues the receipt) or reject (with reasons) an
/// order this reviewer holds; 409 when another reviewer holds it or it was already decided.
pub async fn decide(
    State(centre): State<Arc<Centre>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let who = reviewer(&centre, &headers)?;
    let input: DecisionIn = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "bad_body",
            format!("expected {{\"decision\": \"accept\"|\"reject\", \"reasons\": [codes], \"note\": \"...\"}}: {e}"),
        )
    })?;
    let accept = match input.decision.as_str() {
        "accept" => true,
        "reject" => false,
        other => {
            return Err(ApiError::bad_request(
                "bad_parameter",
                format!("decision: `{other}` is not accept or reject"),
            ))
        }
    };
    if input
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(ApiError::bad_request(
            "bad_parameter",
            format!("the note is longer than {MAX_NOTE} characters"),
        ));
    }
    if !accept && input.reasons.is_empty() {
        return Err(ApiError::bad_request(
            "missing_reasons",
            "a rejection needs at least one reason code",
        ));
    }
    let reasons = if accept {
        serde_json::json!([])
    } else {
        reasons_of(&input.reasons, input.note.as_deref())?
    };
    let decision = Decision {
        accept,
        reasons: reasons.to_string(),
        note: input.note.clone().filter(|n| !n.trim().is_empty()),
    };
    let mut tries = 0;
    let outcome = loop {
        tries += 1;
        let number = receipt_number::generate().map_err(|e| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
        })?;
        match centre.store.decide(&id, who, &decision, &number).await {
            Ok(o) => break o,
            // a receipt number drawn twice (one in 10^16): draw again
            Err(super::store::StoreError::Db(sqlx::Error::Database(e)))
                if e.is_unique_violation() && tries < NUMBER_TRIES => {}
            Err(e) => return Err(store_error(e)),
        }
    };
    let order = outcome.map_err(|r| match r {
        Refused::NotFound => not_found("no such order"),
        Refused::HeldByAnother => ApiError::new(
            StatusCode::CONFLICT,
            "claimed_by_another",
            "another reviewer holds this order",
        ),
        Refused::NotClaimed => ApiError::new(
            StatusCode::CONFLICT,
            "not_claimed",
            "claim the order first (POST /v1/review/claim); a claim expires",
        ),
        Refused::NotAwaitingReview(s) => ApiError::new(
            StatusCode::CONFLICT,
            "already_decided",
            format!("the order is {s}"),
        ),
    })?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({
            "id": order.id,
            "state": order.state,
            "receipt": order.receipt.as_ref().map(|n| serde_json::json!({"number": n})),
        })
        .to_string(),
    ))
}

/// The page with the label font embedded (Chinese reads on a machine without a CJK font).
fn page_html() -> &'static str {
    use base64::Engine as _;
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HTML.get_or_init(|| {
        let font = base64::engine::general_purpose::STANDARD.encode(idphoto::overlay::label_font());
        PAGE.replace("{{FONT_BASE64}}", &font)
    })
}

/// `GET /review`: the reviewer page (it asks for the reviewer's token and keeps it for the tab).
pub async fn page() -> Response {
    let mut r = (StatusCode::OK, page_html()).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; font-src data:",
        ),
    );
    r
}
