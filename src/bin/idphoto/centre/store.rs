//! The centre's store: one schema (`migrations/`) over SQLite or PostgreSQL through sqlx's
//! `Any` driver, so the same SQL and the same tests serve both.
//!
//! Every state change is one transaction that first updates the order's row under a condition
//! on its current state (compare-and-set): two reviewers, two server instances or a retry can
//! never move one order twice, and a process killed mid-change leaves the change undone.
//! SQLite runs on one connection (its writes are serialised anyway); PostgreSQL on a pool that
//! several instances share.

use std::borrow::Cow;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Row};

use super::clock::now_ms;
use super::tokens::{new_id, sha256_hex};

/// The schema's migrations, in order (applied at start; a newer schema than these is refused).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "centre",
    include_str!("../../../../migrations/0001_centre.sql"),
)];

/// A store failure (the database is unreachable, a constraint refused a write).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// No randomness from the operating system.
    #[error("no random numbers: {0}")]
    Random(#[from] getrandom::Error),
}

/// Order states.
pub mod state {
    /// The automatic check found reasons that need a new photo; no reviewer sees it.
    pub const NEEDS_RETAKE: &str = "needs_retake";
    /// Waiting for (or held by) a reviewer.
    pub const AWAITING_REVIEW: &str = "awaiting_review";
    /// A reviewer accepted it: it has a receipt.
    pub const ACCEPTED: &str = "accepted";
    /// A reviewer rejected it: the applicant may resubmit.
    pub const REJECTED: &str = "rejected";
}

/// One photo to store.
pub struct PhotoIn {
    /// `original`, `output` or `overlay`.
    pub kind: &'static str,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// The result of checking one submitted photo, ready to store.
pub struct Attempt {
    /// `needs_retake` or `awaiting_review`.
    pub state: &'static str,
    /// JSON array of `{code, zh, en}`.
    pub reasons: String,
    /// The report as `check --json` writes it.
    pub report: String,
    pub photos: Vec<PhotoIn>,
}

/// What an applicant gives with a new order.
pub struct NewOrder {
    pub spec: String,
    pub name: String,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub webhook: Option<String>,
}

/// An order as stored.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    pub token_sha256: String,
    pub spec: String,
    pub name: String,
    pub id_number: Option<String>,
    pub state: String,
    pub reasons: String,
    pub report: String,
    pub attempt: i64,
    pub claimed_by: Option<String>,
    pub claim_until: Option<i64>,
    pub queued_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub receipt: Option<String>,
}

/// One entry of an order's history.
#[derive(Debug, Clone)]
pub struct Event {
    pub at_ms: i64,
    pub action: String,
    pub state: String,
    pub detail: String,
}

/// A stored photo.
pub struct Photo {
    pub mime: String,
    pub sha256: String,
    /// `None` once the retention sweep deleted it.
    pub bytes: Option<Vec<u8>>,
}

/// An issued receipt.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub order_id: String,
    pub photo_sha256: String,
    pub issued_ms: i64,
}

/// A reviewer's decision.
pub struct Decision {
    pub accept: bool,
    /// JSON array of `{code, zh, en}` (the reviewer's reasons; empty on accept).
    pub reasons: String,
    /// The reviewer's note, if any.
    pub note: Option<String>,
}

/// Why a decision was not recorded.
#[derive(Debug)]
pub enum Refused {
    NotFound,
    /// Another reviewer holds the claim.
    HeldByAnother,
    /// The reviewer does not hold a live claim on it (never claimed, or the claim expired).
    NotClaimed,
    /// It is no longer awaiting review.
    NotAwaitingReview(String),
}

/// A pending webhook delivery.
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub body: String,
    pub attempts: i64,
    pub next_ms: i64,
}

const ORDER_COLUMNS: &str = "o.id, o.token_sha256, o.spec, o.name, o.id_number, o.state, o.reasons, o.report, o.attempt, o.claimed_by, o.claim_until, o.queued_ms, o.created_ms, o.updated_ms, r.number AS receipt";

fn order_of(row: &AnyRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        id: row.try_get("id")?,
        token_sha256: row.try_get("token_sha256")?,
        spec: row.try_get("spec")?,
        name: row.try_get("name")?,
        id_number: row.try_get("id_number")?,
        state: row.try_get("state")?,
        reasons: row.try_get("reasons")?,
        report: row.try_get("report")?,
        attempt: row.try_get("attempt")?,
        claimed_by: row.try_get("claimed_by")?,
        claim_until: row.try_get("claim_until")?,
        queued_ms: row.try_get("queued_ms")?,
        created_ms: row.try_get("created_ms")?,
        updated_ms: row.try_get("updated_ms")?,
        receipt: row.try_get("receipt")?,
    })
}

fn photo_of(row: &AnyRow) -> Result<Photo, sqlx::Error> {
    Ok(Photo {
        mime: row.try_get("mime")?,
        sha256: row.try_get("sha256")?,
        bytes: row.try_get("bytes")?,
    })
}

/// The database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: &'static str,
}

/// `--db` as a connection URL: a `postgres://` or `sqlite:` URL as given, anything else a
/// SQLite file path (created when missing).
pub fn url_of(db: &str) -> String {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") || db.starts_with("sqlite:")
    {
        db.to_owned()
    } else {
        format!("sqlite://{db}?mode=rwc")
    }
}

/// Appends an event row inside a transaction; its number follows the order's last.
async fn append_event(
    tx: &mut sqlx::AnyConnection,
    order_id: &str,
    at_ms: i64,
    actor: &str,
    action: &str,
    state: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO events (order_id, n, at_ms, actor, action, state, detail) \
         SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6 FROM events WHERE order_id = $1",
    )
    .bind(order_id)
    .bind(at_ms)
    .bind(actor)
    .bind(action)
    .bind(state)
    .bind(detail)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn insert_photos(
    tx: &mut sqlx::AnyConnection,
    order_id: &str,
    attempt: i64,
    photos: &[PhotoIn],
    now: i64,
) -> Result<(), StoreError> {
    for p in photos {
        sqlx::query(
            "INSERT INTO photos (id, order_id, attempt, kind, mime, sha256, bytes, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id("p_")?)
        .bind(order_id)
        .bind(attempt)
        .bind(p.kind)
        .bind(p.mime)
        .bind(sha256_hex(&p.bytes))
        .bind(p.bytes.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Connects and brings the schema up to date.
    pub async fn open(db: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let url = url_of(db);
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 8 })
            .acquire_timeout(std::time::Duration::from_secs(30))
            .connect(&url)
            .await?;
        let migrations: Vec<Migration> = MIGRATIONS
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    Cow::Borrowed(*d),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ..Migrator::DEFAULT
        };
        migrator.run(&pool).await?;
        Ok(Store {
            pool,
            backend: if sqlite { "SQLite" } else { "PostgreSQL" },
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// `SQLite` or `PostgreSQL`.
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Stores a new order with its first checked photo; returns its id.
    pub async fn create_order(
        &self,
        order: &NewOrder,
        token_sha256: &str,
        attempt: &Attempt,
    ) -> Result<String, StoreError> {
        let id = new_id("o_")?;
        let now = now_ms();
        let queued = (attempt.state == state::AWAITING_REVIEW).then_some(now);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO orders (id, token_sha256, spec, name, id_number, phone, webhook, state, reasons, report, attempt, queued_ms, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12, $12)",
        )
        .bind(&id)
        .bind(token_sha256)
        .bind(&order.spec)
        .bind(&order.name)
        .bind(order.id_number.clone())
        .bind(order.phone.clone())
        .bind(order.webhook.clone())
        .bind(attempt.state)
        .bind(&attempt.reasons)
        .bind(&attempt.report)
        .bind(queued)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_photos(&mut tx, &id, 1, &attempt.photos, now).await?;
        let detail = serde_json::json!({"attempt": 1, "reasons": raw_json(&attempt.reasons)});
        append_event(
            &mut tx,
            &id,
            now,
            "applicant",
            "submitted",
            attempt.state,
            &detail.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One order, with its receipt number if it has one.
    pub async fn order(&self, id: &str) -> Result<Option<Order>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM orders o LEFT JOIN receipts r ON r.order_id = o.id WHERE o.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(order_of).transpose()?)
    }

    /// An order's history, oldest first.
    pub async fn history(&self, id: &str) -> Result<Vec<Event>, StoreError> {
        let rows = sqlx::query(
            "SELECT at_ms, action, state, detail FROM events WHERE order_id = $1 ORDER BY n",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Event {
                    at_ms: r.try_get("at_ms")?,
                    action: r.try_get("action")?,
                    state: r.try_get("state")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// A new photo on an order that needs one (`needs_retake` or `rejected`), checked while the
    /// order stood at `seen_attempt`. `Ok(None)` when the order moved meanwhile or cannot take
    /// a new photo; else the new attempt number.
    pub async fn resubmit(
        &self,
        id: &str,
        seen_attempt: i64,
        attempt: &Attempt,
    ) -> Result<Option<i64>, StoreError> {
        let now = now_ms();
        let next = seen_attempt + 1;
        let queued = (attempt.state == state::AWAITING_REVIEW).then_some(now);
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE orders SET state = $1, reasons = $2, report = $3, attempt = $4, queued_ms = $5, \
             claimed_by = NULL, claim_until = NULL, updated_ms = $6 \
             WHERE id = $7 AND attempt = $8 AND state IN ('needs_retake', 'rejected')",
        )
        .bind(attempt.state)
        .bind(&attempt.reasons)
        .bind(&attempt.report)
        .bind(next)
        .bind(queued)
        .bind(now)
        .bind(id)
        .bind(seen_attempt)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        insert_photos(&mut tx, id, next, &attempt.photos, now).await?;
        let detail = serde_json::json!({"attempt": next, "reasons": raw_json(&attempt.reasons)});
        append_event(
            &mut tx,
            id,
            now,
            "applicant",
            "resubmitted",
            attempt.state,
            &detail.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(next))
    }

    /// Gives `reviewer` the oldest order awaiting review that nobody holds (or the one the
    /// reviewer already holds), held until `now + hold_ms`. `None`: the queue is empty.
    pub async fn claim(&self, reviewer: &str, hold_ms: i64) -> Result<Option<Order>, StoreError> {
        let now = now_ms();
        let until = now + hold_ms;
        // the reviewer's own live claim first: a reload of the page gets the same order
        let own = sqlx::query(
            "SELECT id FROM orders WHERE state = 'awaiting_review' AND claimed_by = $1 AND claim_until >= $2 \
             ORDER BY queued_ms, id LIMIT 1",
        )
        .bind(reviewer)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = own {
            let id: String = row.try_get("id")?;
            sqlx::query("UPDATE orders SET claim_until = $1 WHERE id = $2 AND claimed_by = $3")
                .bind(until)
                .bind(&id)
                .bind(reviewer)
                .execute(&self.pool)
                .await?;
            return self.order(&id).await;
        }
        loop {
            let candidates = sqlx::query(
                "SELECT id FROM orders WHERE state = 'awaiting_review' AND (claimed_by IS NULL OR claim_until < $1) \
                 ORDER BY queued_ms, id LIMIT 8",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            if candidates.is_empty() {
                return Ok(None);
            }
            for row in &candidates {
                let id: String = row.try_get("id")?;
                let mut tx = self.pool.begin().await?;
                // the condition is evaluated again under the row's lock: of two reviewers
                // racing for one order, one updates it and the other finds it taken
                let won = sqlx::query(
                    "UPDATE orders SET claimed_by = $1, claim_until = $2 \
                     WHERE id = $3 AND state = 'awaiting_review' AND (claimed_by IS NULL OR claim_until < $4)",
                )
                .bind(reviewer)
                .bind(until)
                .bind(&id)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if won {
                    let detail = serde_json::json!({"until": until}).to_string();
                    append_event(
                        &mut tx,
                        &id,
                        now,
                        &format!("reviewer:{reviewer}"),
                        "claimed",
                        state::AWAITING_REVIEW,
                        &detail,
                    )
                    .await?;
                    tx.commit().await?;
                    return self.order(&id).await;
                }
                tx.rollback().await?;
            }
        }
    }

    /// Records a reviewer's decision on an order the reviewer holds. On accept, issues the
    /// receipt `number` for the current output photo in the same transaction; on reject,
    /// queues the order's webhook notice in it.
    pub async fn decide(
        &self,
        id: &str,
        reviewer: &str,
        decision: &Decision,
        number: &str,
    ) -> Result<Result<Order, Refused>, StoreError> {
        let now = now_ms();
        let new_state = if decision.accept {
            state::ACCEPTED
        } else {
            state::REJECTED
        };
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE orders SET state = $1, reasons = $2, claimed_by = NULL, claim_until = NULL, updated_ms = $3 \
             WHERE id = $4 AND state = 'awaiting_review' AND claimed_by = $5 AND claim_until >= $3",
        )
        .bind(new_state)
        .bind(&decision.reasons)
        .bind(now)
        .bind(id)
        .bind(reviewer)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            let refused = match self.order(id).await? {
                None => Refused::NotFound,
                Some(o) if o.state != state::AWAITING_REVIEW => Refused::NotAwaitingReview(o.state),
                Some(o)
                    if o.claimed_by.as_deref().is_some_and(|c| c != reviewer)
                        && o.claim_until.is_some_and(|u| u >= now) =>
                {
                    Refused::HeldByAnother
                }
                Some(_) => Refused::NotClaimed,
            };
            return Ok(Err(refused));
        }
        let order_row = sqlx::query("SELECT attempt, webhook FROM orders WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let attempt: i64 = order_row.try_get("attempt")?;
        let webhook: Option<String> = order_row.try_get("webhook")?;
        let mut detail = serde_json::json!({
            "attempt": attempt,
            "reasons": raw_json(&decision.reasons),
            "note": decision.note,
        });
        if decision.accept {
            let photo = sqlx::query(
                "SELECT id, sha256 FROM photos WHERE order_id = $1 AND attempt = $2 AND kind = 'output' AND bytes IS NOT NULL",
            )
            .bind(id)
            .bind(attempt)
            .fetch_one(&mut *tx)
            .await?;
            let photo_id: String = photo.try_get("id")?;
            let sha: String = photo.try_get("sha256")?;
            sqlx::query(
                "INSERT INTO receipts (number, order_id, photo_id, photo_sha256, reviewer, issued_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(number)
            .bind(id)
            .bind(&photo_id)
            .bind(&sha)
            .bind(reviewer)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            detail["receipt"] = serde_json::Value::from(number);
        } else if let Some(url) = webhook {
            let body = serde_json::json!({
                "order": id,
                "state": new_state,
                "reasons": raw_json(&decision.reasons),
                "note": decision.note,
                "at": super::clock::rfc3339(now),
            });
            sqlx::query(
                "INSERT INTO webhooks (id, order_id, url, body, attempts, next_ms) VALUES ($1, $2, $3, $4, 0, $5)",
            )
            .bind(new_id("w_")?)
            .bind(id)
            .bind(url)
            .bind(body.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        append_event(
            &mut tx,
            id,
            now,
            &format!("reviewer:{reviewer}"),
            if decision.accept {
                "accepted"
            } else {
                "rejected"
            },
            new_state,
            &detail.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(self.order(id).await?.ok_or(Refused::NotFound))
    }

    /// A photo of an order's attempt.
    pub async fn photo(
        &self,
        order_id: &str,
        attempt: i64,
        kind: &str,
    ) -> Result<Option<Photo>, StoreError> {
        let row = sqlx::query(
            "SELECT mime, sha256, bytes FROM photos WHERE order_id = $1 AND attempt = $2 AND kind = $3",
        )
        .bind(order_id)
        .bind(attempt)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(photo_of).transpose()?)
    }

    /// A receipt and its photo.
    pub async fn receipt(&self, number: &str) -> Result<Option<(Receipt, Photo)>, StoreError> {
        let row = sqlx::query(
            "SELECT r.order_id, r.photo_sha256, r.issued_ms, p.mime, p.sha256, p.bytes \
             FROM receipts r JOIN photos p ON p.id = r.photo_id WHERE r.number = $1",
        )
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some((
            Receipt {
                order_id: r.try_get("order_id")?,
                photo_sha256: r.try_get("photo_sha256")?,
                issued_ms: r.try_get("issued_ms")?,
            },
            photo_of(&r)?,
        )))
    }

    /// Webhook notices due now, oldest first.
    pub async fn due_webhooks(&self, limit: i64) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, url, body, attempts, next_ms FROM webhooks WHERE delivered_ms IS NULL AND next_ms <= $1 \
             ORDER BY next_ms LIMIT $2",
        )
        .bind(now_ms())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Webhook {
                    id: r.try_get("id")?,
                    url: r.try_get("url")?,
                    body: r.try_get("body")?,
                    attempts: r.try_get("attempts")?,
                    next_ms: r.try_get("next_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Takes a due notice for delivery (pushes its next try to `lease_until`, so another
    /// instance does not send it at the same time). False: another instance took it.
    pub async fn lease_webhook(&self, w: &Webhook, lease_until: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "UPDATE webhooks SET next_ms = $1 WHERE id = $2 AND next_ms = $3 AND delivered_ms IS NULL",
        )
        .bind(lease_until)
        .bind(&w.id)
        .bind(w.next_ms)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Records a delivery attempt: delivered, or the next try's time and the error.
    pub async fn webhook_tried(
        &self,
        id: &str,
        attempts: i64,
        outcome: Result<(), (i64, String)>,
    ) -> Result<(), StoreError> {
        let q = match outcome {
            Ok(()) => sqlx::query(
                "UPDATE webhooks SET attempts = $1, delivered_ms = $2, last_error = NULL WHERE id = $3",
            )
            .bind(attempts)
            .bind(now_ms())
            .bind(id),
            Err((next_ms, error)) => sqlx::query(
                "UPDATE webhooks SET attempts = $1, next_ms = $2, last_error = $3 WHERE id = $4",
            )
            .bind(attempts)
            .bind(next_ms)
            .bind(error)
            .bind(id),
        };
        q.execute(&self.pool).await?;
        Ok(())
    }

    /// Deletes the photos of orders rejected or left needing a retake before `cutoff_ms`
    /// (receipts' photos never: an accepted order is never in those states). Returns how many
    /// orders lost their photos.
    pub async fn sweep(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let now = now_ms();
        let ids = sqlx::query(
            "SELECT DISTINCT o.id FROM orders o JOIN photos p ON p.order_id = o.id \
             WHERE o.state IN ('needs_retake', 'rejected') AND o.updated_ms < $1 AND p.bytes IS NOT NULL",
        )
        .bind(cutoff_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut swept = 0;
        for row in &ids {
            let id: String = row.try_get("id")?;
            let mut tx = self.pool.begin().await?;
            let state_row = sqlx::query(
                "SELECT state FROM orders WHERE id = $1 AND state IN ('needs_retake', 'rejected') AND updated_ms < $2",
            )
            .bind(&id)
            .bind(cutoff_ms)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(state_row) = state_row else {
                tx.rollback().await?;
                continue;
            };
            let st: String = state_row.try_get("state")?;
            let n = sqlx::query(
                "UPDATE photos SET bytes = NULL, deleted_ms = $1 WHERE order_id = $2 AND bytes IS NOT NULL \
                 AND id NOT IN (SELECT photo_id FROM receipts)",
            )
            .bind(now)
            .bind(&id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            append_event(
                &mut tx,
                &id,
                now,
                "system",
                "photos_deleted",
                &st,
                &serde_json::json!({"photos": n}).to_string(),
            )
            .await?;
            tx.commit().await?;
            swept += 1;
        }
        Ok(swept)
    }
}

/// A JSON text as a value (`null` if it does not parse, which the store's own writes never do).
pub fn raw_json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}
