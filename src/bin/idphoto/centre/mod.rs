//! The photo-receipt centre (照片回执): `idphoto serve --db ...` adds orders, human review,
//! receipts and slips to the server's routes (cargo feature `centre`).
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the centre's settings, its routes and the background tasks it starts |
//! | `store.rs` | the database (SQLite or PostgreSQL through sqlx), every query and transaction |
//! | `orders.rs` | the applicant's routes: submit, read, resubmit, the adjusted photo |
//! | `review.rs` | the reviewer's routes: claim, the photos, decide, the reason list, the page |
//! | `receipts.rs` | receipt routes: the stored photo by number, the slip |
//! | `checking.rs` | an uploaded photo checked on the server's workers, ready to store |
//! | `slip.rs` | the slip as PNG and printable HTML, with its Code 128 barcode |
//! | `receipt_number.rs` | receipt numbers: random, with MOD 97-10 check digits |
//! | `id_number.rs` | GB 11643 ID numbers: check digit, mask |
//! | `tokens.rs` | token files, order tokens, hashing, bearer headers |
//! | `webhooks.rs` | delivering rejection notices, retried with back-off |
//! | `retention.rs` | deleting the photos of rejected and abandoned orders after `--retain-days` |
//! | `clock.rs` | milliseconds since the epoch, and as dates |
//! | `review_page.html` | the reviewer page served at `/review` |

mod checking;
mod clock;
mod id_number;
mod orders;
mod receipt_number;
mod receipts;
mod retention;
mod review;
mod slip;
mod store;
mod tokens;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;

use crate::serve::state::AppState;
pub use store::Store;
use tokens::Holders;

/// The centre's routes, as the OpenAPI document writes them.
pub const ROUTES: &[(&str, &str)] = &[
    ("POST", "/v1/orders"),
    ("GET", "/v1/orders/{id}"),
    ("POST", "/v1/orders/{id}/resubmit"),
    ("GET", "/v1/orders/{id}/output"),
    ("POST", "/v1/review/claim"),
    ("GET", "/v1/review/reasons"),
    ("GET", "/v1/review/{id}"),
    ("GET", "/v1/review/{id}/photos/{kind}"),
    ("POST", "/v1/review/{id}/decision"),
    ("GET", "/v1/receipts/{number}"),
    ("GET", "/v1/receipts/{number}/slip.png"),
    ("GET", "/v1/receipts/{number}/slip.html"),
    ("GET", "/review"),
];

/// `--db` and what goes with it.
#[derive(Clone, Debug)]
pub struct CentreSettings {
    /// A SQLite file, a `sqlite:` URL or a `postgres://` URL.
    pub db: String,
    /// `ID TOKEN` lines: who may review.
    pub reviewers: PathBuf,
    /// `ID TOKEN` lines: the machines and counters that fetch photos by receipt number.
    pub fetch_tokens: PathBuf,
    /// Days after which the photos of rejected and abandoned orders are deleted.
    pub retain_days: f64,
    /// How long a reviewer's claim holds an order.
    pub claim: Duration,
}

/// What the centre's handlers share.
pub struct Centre {
    pub app: Arc<AppState>,
    pub store: Store,
    pub reviewers: Holders,
    pub fetchers: Holders,
    pub settings: CentreSettings,
}

/// Opens the store (migrating it) and reads the token files.
pub async fn open(app: Arc<AppState>, settings: CentreSettings) -> Result<Arc<Centre>, String> {
    let reviewers = Holders::load(&settings.reviewers)?;
    let fetchers = Holders::load(&settings.fetch_tokens)?;
    if reviewers.len() == 0 {
        return Err(format!(
            "{}: no reviewers (lines `ID TOKEN`)",
            settings.reviewers.display()
        ));
    }
    let store = Store::open(&settings.db)
        .await
        .map_err(|e| format!("--db: {e}"))?;
    Ok(Arc::new(Centre {
        app,
        store,
        reviewers,
        fetchers,
        settings,
    }))
}

/// How often the database is probed for `/readyz`, and how long a probe may take.
const PROBE_EVERY: Duration = Duration::from_secs(5);
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Probes the database until the runtime stops; `/readyz` answers 503 while it does not answer,
/// so a load balancer takes the instance out of rotation.
async fn probe_forever(store: Store, ok: Arc<std::sync::atomic::AtomicBool>) {
    loop {
        let up = tokio::time::timeout(PROBE_TIMEOUT, store.ping())
            .await
            .unwrap_or(false);
        if ok.swap(up, std::sync::atomic::Ordering::Relaxed) != up {
            if up {
                tracing::info!("database: answering again");
            } else {
                tracing::warn!("database: not answering; /readyz says 503");
            }
        }
        tokio::time::sleep(PROBE_EVERY).await;
    }
}

/// Starts the webhook deliveries, the retention sweep and the database probe (they stop with
/// the runtime).
pub fn start_background(centre: &Arc<Centre>) {
    let ok = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let _ = centre.app.store_ok.set(Arc::clone(&ok));
    tokio::spawn(probe_forever(centre.store.clone(), ok));
    tokio::spawn(webhooks::deliver_forever(centre.store.clone()));
    tokio::spawn(retention::sweep_forever(
        centre.store.clone(),
        centre.settings.retain_days,
    ));
}

/// The centre's routes, to merge into the server's router.
pub fn router(centre: Arc<Centre>) -> Router {
    Router::new()
        .route("/v1/orders", post(orders::create))
        .route("/v1/orders/{id}", get(orders::read))
        .route("/v1/orders/{id}/resubmit", post(orders::resubmit))
        .route("/v1/orders/{id}/output", get(orders::output))
        .route("/v1/review/claim", post(review::claim))
        .route("/v1/review/reasons", get(review::reasons))
        .route("/v1/review/{id}", get(review::show))
        .route("/v1/review/{id}/photos/{kind}", get(review::photo))
        .route("/v1/review/{id}/decision", post(review::decide))
        .route("/v1/receipts/{number}", get(receipts::photo))
        .route("/v1/receipts/{number}/slip.png", get(receipts::slip_png))
        .route("/v1/receipts/{number}/slip.html", get(receipts::slip_html))
        .route("/review", get(review::page))
        .with_state(centre)
}
