//! `--retain-days`: the photos (original, output, overlay) of orders rejected, or left needing
//! a retake, longer ago than that are deleted; the order, its history and every receipt's
//! photo stay.

use std::time::Duration;

use super::clock::now_ms;
use super::store::Store;

/// How often the sweep runs (and once at start).
const EVERY: Duration = Duration::from_secs(3600);

/// Sweeps at start, then every hour, until the runtime stops.
pub async fn sweep_forever(store: Store, retain_days: f64) {
    let keep_ms = (retain_days * 86_400_000.0) as i64;
    loop {
        match store.sweep(now_ms() - keep_ms).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "retention: photos deleted"),
            Err(e) => tracing::warn!("retention: {e}"),
        }
        tokio::time::sleep(EVERY).await;
    }
}
