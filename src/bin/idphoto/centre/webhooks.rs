//! Rejection notices: the decision's transaction writes one into the store (the outbox); this
//! task delivers it as `POST <webhook>` with a JSON body and retries with back-off, never
//! holding up a decision. Delivered at least once: a receiver may see a notice twice after a
//! restart, and the body's `order` and `at` tell the copies apart.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Request, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::clock::now_ms;
use super::store::Store;

/// How often the outbox is read.
const POLL: Duration = Duration::from_secs(1);
/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A notice being sent is hidden from other instances for this long.
const LEASE_MS: i64 = 60_000;
/// First retry after 2 s, doubling, at most an hour apart; after this many tries the notice
/// is given up (it stays in the store with its last error).
const MAX_ATTEMPTS: i64 = 16;
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// Whether a webhook URL can be delivered to: `http://host[:port]/path`.
pub fn validate_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .parse()
        .map_err(|_| format!("`webhook` is not a URL: {url}"))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http"), Some(_)) if url.len() <= 2048 => Ok(()),
        (Some("https"), _) => Err(
            "`webhook`: https is not delivered by this build; give an http:// URL (a TLS proxy in front of the receiver)".into(),
        ),
        _ => Err(format!("`webhook` must be an http:// URL: {url}")),
    }
}

/// The wait before try `attempts + 1`.
fn backoff_ms(attempts: i64) -> i64 {
    (2_000i64 << attempts.clamp(0, 20)).min(MAX_BACKOFF_MS)
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

async fn send(client: &HttpClient, url: &str, body: &str) -> Result<(), String> {
    let req = Request::post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("idphoto/", env!("CARGO_PKG_VERSION")),
        )
        .body(Full::new(Bytes::from(body.to_owned())))
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(TIMEOUT, client.request(req)).await {
        Err(_) => Err(format!("no answer in {} s", TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(r)) if r.status().is_success() => Ok(()),
        Ok(Ok(r)) => Err(format!("answered {}", r.status())),
    }
}

/// Delivers due notices until the runtime stops.
pub async fn deliver_forever(store: Store) {
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    loop {
        tokio::time::sleep(POLL).await;
        let due = match store.due_webhooks(32).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!("webhooks: {e}");
                continue;
            }
        };
        for w in due {
            match store.lease_webhook(&w, now_ms() + LEASE_MS).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    tracing::warn!("webhooks: {e}");
                    continue;
                }
            }
            let (store, client) = (store.clone(), client.clone());
            tokio::spawn(async move {
                let attempts = w.attempts + 1;
                let outcome = match send(&client, &w.url, &w.body).await {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        let next = if attempts >= MAX_ATTEMPTS {
                            i64::MAX
                        } else {
                            now_ms() + backoff_ms(w.attempts)
                        };
                        // the receiver's address is the applicant's service, not personal data
                        tracing::warn!(attempts, "webhook not delivered: {e}");
                        Err((next, e))
                    }
                };
                if let Err(e) = store.webhook_tried(&w.id, attempts, outcome).await {
                    tracing::warn!("webhooks: {e}");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_backoff() {
        assert!(validate_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(validate_url("https://example.org/hook").is_err());
        assert!(validate_url("ftp://x/y").is_err());
        assert!(validate_url("not a url").is_err());
        assert_eq!(backoff_ms(0), 2_000);
        assert_eq!(backoff_ms(3), 16_000);
        assert_eq!(backoff_ms(15), MAX_BACKOFF_MS);
    }
}
