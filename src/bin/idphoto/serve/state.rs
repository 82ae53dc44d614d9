//! What the handlers share: the checkers (once the models have loaded), the bounds on checks
//! running and waiting, and the metrics.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use idphoto::checker::OutputPolicy;
use idphoto::models::Models;
use idphoto::{Checker, SpecRegistry};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::metrics::Metrics;
use super::Settings;
use crate::cli::Common;

/// One checker per output policy, over the same loaded models.
pub struct Checkers {
    /// Report only (`output=false`).
    pub report_only: Checker,
    /// Report plus the compliant output when the verdict passes (`output=true`).
    pub with_output: Checker,
    /// Report plus the adjusted output whenever a face was found (the receipt centre's orders,
    /// which a reviewer judges).
    pub always_output: Checker,
}

/// Shared by every request.
pub struct AppState {
    pub settings: Settings,
    pub specs: SpecRegistry,
    checkers: OnceLock<Checkers>,
    /// `workers + queue` permits: a request holds one from admission until its check ends.
    admission: Arc<Semaphore>,
    /// `workers` permits: a check holds one while it runs.
    workers: Arc<Semaphore>,
    pub metrics: Metrics,
    /// With `--db`: whether the receipt centre's database answered its last probe (`/readyz`).
    pub store_ok: OnceLock<Arc<std::sync::atomic::AtomicBool>>,
}

impl AppState {
    pub fn new(specs: SpecRegistry, settings: Settings) -> Self {
        AppState {
            admission: Arc::new(Semaphore::new(settings.workers + settings.queue)),
            workers: Arc::new(Semaphore::new(settings.workers)),
            specs,
            checkers: OnceLock::new(),
            metrics: Metrics::new(),
            store_ok: OnceLock::new(),
            settings,
        }
    }

    /// Loads the models (blocking: seconds) and builds the checkers; the server is ready after.
    pub fn load_models(&self, common: &Common) -> idphoto::Result<Duration> {
        let t0 = Instant::now();
        let mut b = Models::builder();
        if let Some(r) = common.runtime {
            b = b.runtime(r);
        }
        if let Some(d) = &common.models {
            b = b.dir(d);
        }
        let models = Arc::new(b.build()?);
        let checker = |policy| {
            Checker::builder()
                .specs(self.specs.clone())
                .models(Arc::clone(&models))
                .output(policy)
                .build()
        };
        let checkers = Checkers {
            report_only: checker(OutputPolicy::Never)?,
            with_output: checker(OutputPolicy::IfPass)?,
            always_output: checker(OutputPolicy::Always)?,
        };
        // set once, at start; a second call would keep the first
        let _ = self.checkers.set(checkers);
        Ok(t0.elapsed())
    }

    /// The checkers, once the models have loaded.
    pub fn checkers(&self) -> Option<&Checkers> {
        self.checkers.get()
    }

    /// A place among the checks running or waiting, if one is free (else the queue is full).
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.admission).try_acquire_owned().ok()
    }

    /// Whether a request would be admitted now.
    pub fn has_room(&self) -> bool {
        self.admission.available_permits() > 0
    }

    /// Waits for a free worker.
    pub async fn worker(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.workers).acquire_owned().await.ok()
    }
}
