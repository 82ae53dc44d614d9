//! Load test of `idphoto serve` against `idphoto batch` on the same photos and cores.
//!
//! ```text
//! cargo build --release && cargo run --release --example serve_load -- [--seconds 30] [--workers N] [--spec ID] [PHOTO_DIR...]
//! ```
//!
//! 1. `idphoto batch --threads N` over the photos (repeated to at least 24 files): `batch_rps`.
//! 2. `idphoto serve --workers N` on loopback, driven at capacity (N clients, each posting the
//!    photos in turn with `output=true`, as batch writes outputs) for `--seconds`:
//!    `serve_rps`, p50 and p99 latency, errors (any answer but 200), the server's resident
//!    memory at the end.
//! 3. The same server at 4× its capacity (4 × (workers + queue) clients) for 2,000 requests:
//!    only 200 and 503 with `Retry-After` answers, no 504 for an admitted check, resident memory
//!    after the first 500 and after all 2,000 requests.
//!
//! Prints two lines:
//! `RESULT serve_rps=X batch_rps=Y p50_ms=A p99_ms=B errors=E rss_mb=M` and
//! `RESULT overload requests=2000 ok=.. rejected_503=.. retry_after_missing=.. timeouts=.. other=.. rss_mb_500=.. rss_mb_2000=..`.
//! The photos default to `../shared/photos` when present, else `tests/fixtures/photos`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SPEC: &str = "cn/id-card";

fn idphoto() -> PathBuf {
    // target/release/examples/serve_load -> target/release/idphoto
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join("idphoto");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --release` first",
        bin.display()
    );
    bin
}

fn photos(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in dirs {
        let mut here: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "jpg" | "jpeg" | "png"))
            })
            .collect();
        here.sort();
        out.extend(here);
    }
    assert!(!out.is_empty(), "no photos in {dirs:?}");
    out
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `idphoto batch` photos per second over `files` with `threads`.
fn batch_rps(bin: &Path, files: &[PathBuf], threads: usize, spec: &str) -> f64 {
    let tmp = std::env::temp_dir().join(format!("idphoto-serve-load-{}", std::process::id()));
    let input = tmp.join("in");
    std::fs::create_dir_all(&input).unwrap();
    // at least 24 files, so start-up is a small part of the run
    let copies = 24usize.div_ceil(files.len());
    let mut n = 0;
    for c in 0..copies {
        for f in files {
            let name = format!("{c}-{}", f.file_name().unwrap().to_string_lossy());
            std::fs::copy(f, input.join(name)).unwrap();
            n += 1;
        }
    }
    // the models' load time is measured apart and left out (the server loads them once too)
    let t0 = Instant::now();
    let status = Command::new(bin)
        .args(["batch", "--spec", spec, "--threads", &threads.to_string()])
        .arg("--out-dir")
        .arg(tmp.join("out"))
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let took = t0.elapsed().as_secs_f64();
    assert!(status.code().is_some_and(|c| c <= 1), "batch: {status:?}");
    // one photo: start-up (models) plus one check; subtract the start-up
    let one_dir = tmp.join("one");
    std::fs::create_dir_all(&one_dir).unwrap();
    std::fs::copy(&files[0], one_dir.join(files[0].file_name().unwrap())).unwrap();
    let t1 = Instant::now();
    Command::new(bin)
        .args(["batch", "--spec", spec, "--threads", "1", "--out-dir"])
        .arg(tmp.join("out-one"))
        .arg(&one_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let startup_and_one = t1.elapsed().as_secs_f64();
    let per_photo = took / n as f64;
    let startup = (startup_and_one - per_photo * threads as f64).max(0.0);
    let _ = std::fs::remove_dir_all(&tmp);
    n as f64 / (took - startup).max(1e-3)
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(bin: &Path, workers: usize, queue: usize) -> Server {
    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args([
            "--workers",
            &workers.to_string(),
            "--queue",
            &queue.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut base = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            base = format!("http://{}", rest.split_whitespace().next().unwrap());
        }
        if line.contains("ready") {
            break;
        }
    }
    // drain the request log
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

/// One request: status, whether a Retry-After came with it, seconds.
fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> (u16, bool, f64) {
    let t0 = Instant::now();
    match agent.post(url).send(body) {
        Ok(mut r) => {
            let retry = r.headers().contains_key("retry-after");
            let status = r.status().as_u16();
            let _ = r.body_mut().read_to_vec();
            (status, retry, t0.elapsed().as_secs_f64())
        }
        Err(_) => (0, false, t0.elapsed().as_secs_f64()),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut seconds = 30.0f64;
    let mut workers = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let mut spec = SPEC.to_owned();
    let mut dirs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().unwrap().parse().unwrap(),
            "--workers" => workers = args.next().unwrap().parse().unwrap(),
            "--spec" => spec = args.next().unwrap(),
            other => dirs.push(PathBuf::from(other)),
        }
    }
    if dirs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = root.join("../shared/photos");
        dirs.push(if shared.is_dir() {
            shared
        } else {
            root.join("tests/fixtures/photos")
        });
    }
    let bin = idphoto();
    let files = photos(&dirs);
    let bodies: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    eprintln!(
        "{} photos, {workers} workers, spec {spec}; batch first",
        files.len()
    );
    let batch = batch_rps(&bin, &files, workers, &spec);
    eprintln!("batch: {batch:.2} photos/s");

    // at capacity: one client per worker, for `seconds`
    let server = start_server(&bin, workers, workers);
    let url = format!("{}/v1/check?spec={spec}&output=true", server.base);
    let latencies = Mutex::new(Vec::new());
    let errors = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    // a warm-up round per client, not counted
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| post(&agent(), &url, &bodies[0]));
        }
    });
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs_f64(seconds);
    std::thread::scope(|s| {
        for c in 0..workers {
            let (latencies, errors, done, url, bodies) =
                (&latencies, &errors, &done, &url, &bodies);
            s.spawn(move || {
                let agent = agent();
                let mut k = c;
                while Instant::now() < until {
                    let (status, _, secs) = post(&agent, url, &bodies[k % bodies.len()]);
                    k += 1;
                    if status == 200 {
                        latencies.lock().unwrap().push(secs);
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let elapsed = t0.elapsed().as_secs_f64();
    let mut lat = latencies.into_inner().unwrap();
    lat.sort_by(f64::total_cmp);
    let serve_rps = done.load(Ordering::Relaxed) as f64 / elapsed;
    let rss = rss_mb(server.child.id());
    println!(
        "RESULT serve_rps={serve_rps:.2} batch_rps={batch:.2} p50_ms={:.0} p99_ms={:.0} errors={} rss_mb={rss:.0}",
        percentile(&lat, 0.5) * 1e3,
        percentile(&lat, 0.99) * 1e3,
        errors.load(Ordering::Relaxed)
    );

    // 4x the capacity (workers running + queue waiting) for 2,000 requests
    let clients = 4 * (workers + workers);
    let total = 2000usize;
    let sent = AtomicUsize::new(0);
    let (ok, rejected, no_retry, timeouts, other) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let rss_500 = Mutex::new(0.0f64);
    let stop = AtomicBool::new(false);
    let pid = server.child.id();
    std::thread::scope(|s| {
        for c in 0..clients {
            let (sent, ok, rejected, no_retry, timeouts, other, rss_500, stop, url, bodies) = (
                &sent, &ok, &rejected, &no_retry, &timeouts, &other, &rss_500, &stop, &url, &bodies,
            );
            s.spawn(move || {
                let agent = agent();
                let mut k = c;
                while !stop.load(Ordering::Relaxed) {
                    let n = sent.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        stop.store(true, Ordering::Relaxed);
                        break;
                    }
                    if n == 500 {
                        *rss_500.lock().unwrap() = rss_mb(pid);
                    }
                    let (status, retry, _) = post(&agent, url, &bodies[k % bodies.len()]);
                    k += 1;
                    match status {
                        200 => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        503 => {
                            rejected.fetch_add(1, Ordering::Relaxed);
                            if !retry {
                                no_retry.fetch_add(1, Ordering::Relaxed);
                            }
                            // a client that backs off a little, not the full Retry-After: the
                            // load stays above capacity
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        504 => {
                            timeouts.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => {
                            other.fetch_add(1, Ordering::Relaxed);
                            eprintln!("unexpected answer: {status}");
                        }
                    }
                }
            });
        }
    });
    let rss_end = rss_mb(pid);
    println!(
        "RESULT overload clients={clients} requests={total} ok={} rejected_503={} retry_after_missing={} timeouts={} other={} rss_mb_500={:.0} rss_mb_2000={rss_end:.0}",
        ok.load(Ordering::Relaxed),
        rejected.load(Ordering::Relaxed),
        no_retry.load(Ordering::Relaxed),
        timeouts.load(Ordering::Relaxed),
        other.load(Ordering::Relaxed),
        rss_500.into_inner().unwrap(),
    );
}
