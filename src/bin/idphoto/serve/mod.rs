//! `idphoto serve`: the checker as an HTTP service (cargo feature `serve`).
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | options, start-up (bind, load the models, ready), graceful shutdown |
//! | `state.rs` | what the handlers share: checkers, the worker and queue bounds, metrics |
//! | `routes.rs` | the router, the route table and the handlers |
//! | `api_error.rs` | `{"error": {"code", "message"}}` responses and the library errors' statuses |
//! | `metrics.rs` | Prometheus counters, histogram and gauges |
//! | `openapi.json` | the API as an OpenAPI 3 document, served at `/v1/openapi.json` |

pub(crate) mod api_error;
mod metrics;
pub(crate) mod routes;
pub(crate) mod state;

use std::ffi::OsString;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{self, Common, Failure};

const USAGE: &str = "usage: idphoto serve [--addr HOST:PORT] [--workers N] [--queue N] [OPTIONS]";

const HELP: &str = "idphoto serve — the checker as an HTTP service (JSON over HTTP/1.1)

usage: idphoto serve [--addr HOST:PORT] [--workers N] [--queue N] [OPTIONS]

Binds at once and answers /healthz; loads the models, then reports ready on /readyz and
starts taking checks. Logs one line per request to stderr (request id, route, status,
duration, spec: never photo bytes or what a report says). SIGTERM or Ctrl-C stops taking
connections, finishes the checks in flight, then exits 0.

routes (the README has curl lines; GET /v1/openapi.json describes them):
  POST /v1/check?spec=ID[&output=true][&overlay=true]   body: the photo, or multipart `photo`
  GET  /v1/specs, /v1/specs/{id}, /v1/openapi.json, /healthz, /readyz, /metrics
  with --db: /v1/orders, /v1/review/..., /v1/receipts/{number}, /review

options:
  --addr HOST:PORT  where to listen (default 127.0.0.1:8080; port 0 picks a free one, printed
                    on the `listening on` line)
  --workers N       checks that run at once, each on a thread of its own (default: the
                    number of cores)
  --queue N         checks that may wait for a worker; one more gets 503 with Retry-After
                    (default: 2 × workers)
  --max-bytes N     largest request body, bytes; a larger one gets 413 before it is read
                    (default 20000000)
  --timeout SECS    a check not answered in this time (waiting included) gets 504 (default 30)
  --specs DIR       also load the *.toml specs below DIR (see `idphoto check --help`)
  --models DIR      load the models from DIR
  --runtime NAME    tract or onnxruntime
  -h, --help        this help

the photo-receipt centre (cargo feature `centre`; the README's \"Photo-receipt centre\"):
  --db DB              a SQLite file (created when missing) or a postgres://USER@HOST/DB URL:
                       turns on orders, review, receipts and the reviewer page at /review
  --reviewers FILE     lines `ID TOKEN`: who may review (required with --db)
  --fetch-tokens FILE  lines `ID TOKEN`: the machines and counters that fetch photos by
                       receipt number (required with --db)
  --retain-days N      delete the photos of rejected and abandoned orders after N days
                       (default 30; receipts' photos are kept)
  --claim-minutes N    how long a reviewer's claim holds an order (default 10)

memory: at most workers + queue photos are held at once, each at most --max-bytes and
decoded under the checker's pixel limits.

exit status: 0 after a shutdown by signal, 2 error (bad arguments, address in use, models
missing)";

/// The server's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    pub addr: SocketAddr,
    pub workers: usize,
    pub queue: usize,
    pub max_bytes: usize,
    pub timeout: Duration,
}

struct Args {
    common: Common,
    settings: Settings,
    #[cfg(feature = "centre")]
    centre: Option<crate::centre::CentreSettings>,
}

enum Parsed {
    Run(Box<Args>),
    Help,
}

fn number<T: std::str::FromStr>(p: &mut lexopt::Parser, what: &str) -> Result<T, lexopt::Error> {
    let v = lexopt::ValueExt::string(p.value()?)?;
    v.parse()
        .map_err(|_| lexopt::Error::Custom(format!("{what}: `{v}` is not a number").into()))
}

fn parse(args: Vec<OsString>) -> Result<Parsed, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = cli::parser(args);
    let mut common = Common::default();
    let mut addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (mut workers, mut queue) = (None, None);
    let mut max_bytes = 20_000_000usize;
    let mut timeout = 30.0f64;
    #[cfg(feature = "centre")]
    let mut centre = CentreArgs::default();
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => {
                return Err(lexopt::Error::Custom(
                    "serve takes the spec per request (`?spec=ID`), not --spec".into(),
                ))
            }
            Long(name) if Common::knows(name) => {
                let name = name.to_string();
                common.take(&name, &mut p)?;
            }
            Long("addr") => {
                let v = p.value()?.string()?;
                addr = v.parse().map_err(|_| {
                    lexopt::Error::Custom(
                        format!("--addr: `{v}` is not HOST:PORT (e.g. 127.0.0.1:8080)").into(),
                    )
                })?;
            }
            Long("workers") => workers = Some(number::<usize>(&mut p, "--workers")?),
            Long("queue") => queue = Some(number::<usize>(&mut p, "--queue")?),
            Long("max-bytes") => max_bytes = number(&mut p, "--max-bytes")?,
            Long("timeout") => timeout = number(&mut p, "--timeout")?,
            #[cfg(feature = "centre")]
            Long(name) if CentreArgs::knows(name) => {
                let name = name.to_string();
                centre.take(&name, &mut p)?;
            }
            Long("help") | Short('h') => return Ok(Parsed::Help),
            _ => return Err(arg.unexpected()),
        }
    }
    let workers = workers.unwrap_or(cores);
    if workers == 0 {
        return Err(lexopt::Error::Custom("--workers must be at least 1".into()));
    }
    if max_bytes == 0 {
        return Err(lexopt::Error::Custom(
            "--max-bytes must be at least 1".into(),
        ));
    }
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(lexopt::Error::Custom(
            "--timeout must be a positive number of seconds".into(),
        ));
    }
    Ok(Parsed::Run(Box::new(Args {
        #[cfg(feature = "centre")]
        centre: centre.settings()?,
        common,
        settings: Settings {
            addr,
            workers,
            queue: queue.unwrap_or(2 * workers),
            max_bytes,
            timeout: Duration::from_secs_f64(timeout),
        },
    })))
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    let args = match parse(args) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            println!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => return cli::fail(&e, Some(USAGE)),
    };
    match run(*args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail(&e, None),
    }
}

/// The centre's options as given; checked together once all are read.
#[cfg(feature = "centre")]
#[derive(Default)]
struct CentreArgs {
    db: Option<String>,
    reviewers: Option<std::path::PathBuf>,
    fetch_tokens: Option<std::path::PathBuf>,
    retain_days: Option<f64>,
    claim_minutes: Option<f64>,
}

#[cfg(feature = "centre")]
impl CentreArgs {
    fn knows(name: &str) -> bool {
        matches!(
            name,
            "db" | "reviewers" | "fetch-tokens" | "retain-days" | "claim-minutes"
        )
    }

    fn take(&mut self, name: &str, p: &mut lexopt::Parser) -> Result<(), lexopt::Error> {
        use lexopt::ValueExt as _;
        match name {
            "db" => self.db = Some(p.value()?.string()?),
            "reviewers" => self.reviewers = Some(p.value()?.into()),
            "fetch-tokens" => self.fetch_tokens = Some(p.value()?.into()),
            "retain-days" => self.retain_days = Some(number(p, "--retain-days")?),
            _ => self.claim_minutes = Some(number(p, "--claim-minutes")?),
        }
        Ok(())
    }

    fn settings(self) -> Result<Option<crate::centre::CentreSettings>, lexopt::Error> {
        let err = |m: &str| lexopt::Error::Custom(m.to_owned().into());
        let Some(db) = self.db else {
            if self.reviewers.is_some()
                || self.fetch_tokens.is_some()
                || self.retain_days.is_some()
                || self.claim_minutes.is_some()
            {
                return Err(err(
                    "--reviewers, --fetch-tokens, --retain-days and --claim-minutes go with --db",
                ));
            }
            return Ok(None);
        };
        let reviewers = self
            .reviewers
            .ok_or_else(|| err("--db needs --reviewers FILE (lines `ID TOKEN`)"))?;
        let fetch_tokens = self
            .fetch_tokens
            .ok_or_else(|| err("--db needs --fetch-tokens FILE (lines `ID TOKEN`)"))?;
        let retain_days = self.retain_days.unwrap_or(30.0);
        if !(retain_days.is_finite() && retain_days >= 0.0) {
            return Err(err("--retain-days must be 0 or more"));
        }
        let claim_minutes = self.claim_minutes.unwrap_or(10.0);
        if !(claim_minutes.is_finite() && claim_minutes > 0.0 && claim_minutes <= 24.0 * 60.0) {
            return Err(err("--claim-minutes must be more than 0 and at most a day"));
        }
        Ok(Some(crate::centre::CentreSettings {
            db,
            reviewers,
            fetch_tokens,
            retain_days,
            claim: Duration::from_secs_f64(claim_minutes * 60.0),
        }))
    }
}

fn run(args: Args) -> Result<(), Failure> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(false)
        .init();
    let registry = args.common.registry()?;
    let s = &args.settings;
    // The async threads only move bytes; the checks run on the blocking pool, which the
    // worker bound keeps at `workers` threads (one more loads the models at start).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(s.workers + 1)
        .thread_name("idphoto-serve")
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.settings.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.settings.addr))?;
        let local = listener.local_addr()?;
        let state = Arc::new(state::AppState::new(registry, args.settings.clone()));
        eprintln!(
            "idphoto serve: listening on http://{local} (workers {}, queue {}, max body {} bytes, timeout {} s); loading models",
            args.settings.workers,
            args.settings.queue,
            args.settings.max_bytes,
            args.settings.timeout.as_secs_f64()
        );
        let loading = {
            let state = Arc::clone(&state);
            let common = args.common;
            tokio::task::spawn_blocking(move || state.load_models(&common))
        };
        #[cfg(feature = "centre")]
        let extra = match args.centre {
            Some(c) => {
                let centre = crate::centre::open(Arc::clone(&state), c).await?;
                crate::centre::start_background(&centre);
                eprintln!(
                    "idphoto serve: receipt centre on {} (review page at http://{local}/review)",
                    centre.store.backend()
                );
                Some(crate::centre::router(centre))
            }
            None => None,
        };
        #[cfg(not(feature = "centre"))]
        let extra = None;
        let app = routes::router(Arc::clone(&state), extra);
        let server = axum::serve(listener, app).with_graceful_shutdown(shutdown_signal());
        let serving = tokio::spawn(async move { server.await });
        match loading.await {
            Ok(Ok(took)) => eprintln!(
                "idphoto serve: ready (models loaded in {:.1} s)",
                took.as_secs_f64()
            ),
            Ok(Err(e)) => return Err(Failure::from(e)),
            Err(e) => return Err(format!("loading the models stopped: {e}").into()),
        }
        serving
            .await
            .map_err(|e| format!("the server stopped: {e}"))??;
        eprintln!("idphoto serve: stopped");
        Ok(())
    })
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT): axum then stops accepting and lets the requests in
/// flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    eprintln!("idphoto serve: shutting down; finishing the checks in flight");
}
