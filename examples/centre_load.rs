//! Load run of the photo-receipt centre: orders submitted, reviewed and fetched through the API.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example centre_load -- [--orders 1000] [--clients 4] [--workers N] [--db DB]
//! bash scripts/postgres.sh sh -c 'cargo run --release --example centre_load -- --db "$IDPHOTO_TEST_POSTGRES"'
//! ```
//!
//! Starts `idphoto serve --db DB` (default: a new SQLite file in a temporary folder) and
//! 1. submits `--orders` orders from `--clients` concurrent clients: four in five with a photo
//!    that waits for review (`hivision-test1.jpg` on `cn/cet`), one in five with one the check
//!    sends back (`obama.jpg`, a smile with teeth);
//! 2. two reviewers claim and decide until the queue is empty (nine in ten accepted);
//! 3. a kiosk fetches every receipt's photo by its number and checks it against its ETag.
//!
//! Prints `RESULT centre db=... orders=N submit_s=.. submit_per_s=.. submit_p99_ms=..
//! needs_retake=.. awaiting_review=.. review_s=.. decisions_per_s=.. decide_p99_ms=..
//! accepted=.. rejected=.. fetched=.. fetch_per_s=.. errors=E`; `errors` counts every answer
//! that was not the expected one, and must be 0.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const REVIEWERS: [(&str, &str); 2] = [
    ("r1", "load-reviewer-one-0123456789"),
    ("r2", "load-reviewer-two-0123456789"),
];
const KIOSK: &str = "load-kiosk-token-0123456789";

fn idphoto() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(Path::parent).unwrap().join("idphoto");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build --release` first",
        bin.display()
    );
    bin
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(db: &str, dir: &Path, workers: usize) -> Server {
    let reviewers: String = REVIEWERS
        .iter()
        .map(|(id, t)| format!("{id} {t}\n"))
        .collect();
    std::fs::write(dir.join("reviewers"), reviewers).unwrap();
    std::fs::write(dir.join("fetch"), format!("kiosk {KIOSK}\n")).unwrap();
    let mut child = Command::new(idphoto())
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            &workers.to_string(),
        ])
        .args(["--queue", "64", "--db", db])
        .arg("--reviewers")
        .arg(dir.join("reviewers"))
        .arg("--fetch-tokens")
        .arg(dir.join("fetch"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut base = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            base = rest.split_whitespace().next().unwrap().to_owned();
        }
        assert!(!line.starts_with("error"), "{line}");
        if line.contains(": ready") {
            break;
        }
    }
    // keep reading the request log so the server never blocks on a full pipe
    std::thread::spawn(move || for _ in lines {});
    Server(child, base)
}

fn multipart(fields: &[(&str, &str)], photo: &[u8]) -> (String, Vec<u8>) {
    let b = "----idphoto-load-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        write!(
            body,
            "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    write!(
        body,
        "--{b}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n\r\n"
    )
    .unwrap();
    body.extend_from_slice(photo);
    write!(body, "\r\n--{b}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={b}"), body)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

fn p99(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * 0.99).ceil() as usize).clamp(1, v.len()) - 1]
}

fn main() {
    let mut orders = 1000usize;
    let mut clients = 4usize;
    let mut workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut db: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut v = || args.next().expect("a value");
        match a.as_str() {
            "--orders" => orders = v().parse().unwrap(),
            "--clients" => clients = v().parse().unwrap(),
            "--workers" => workers = v().parse().unwrap(),
            "--db" => db = Some(v()),
            other => panic!("unknown argument {other}"),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let good = std::fs::read(root.join("../shared/photos/hivision-test1.jpg"))
        .expect("../shared/photos/hivision-test1.jpg (the photo that waits for review)");
    let retake = std::fs::read(root.join("tests/fixtures/photos/obama.jpg")).unwrap();
    let dir = std::env::temp_dir().join(format!("idphoto-centre-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = db.unwrap_or_else(|| dir.join("centre.sqlite").to_str().unwrap().to_owned());
    let kind = if db.starts_with("postgres") {
        "postgresql"
    } else {
        "sqlite"
    };
    let server = start(&db, &dir, workers);
    let base = format!("http://{}", server.1);
    let errors = AtomicUsize::new(0);

    // 1. submissions
    let next = AtomicUsize::new(0);
    let submit_ms = Mutex::new(Vec::new());
    let states = Mutex::new((0usize, 0usize));
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            s.spawn(|| {
                let agent = agent();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= orders {
                        break;
                    }
                    let photo = if i % 5 == 4 { &retake } else { &good };
                    let (ct, body) = multipart(
                        &[
                            ("spec", "cn/cet"),
                            ("name", "测试"),
                            ("id_number", "11010519491231002X"),
                        ],
                        photo,
                    );
                    let t = Instant::now();
                    let r = agent
                        .post(&format!("{base}/v1/orders"))
                        .header("content-type", &ct)
                        .send(&body[..]);
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    match r {
                        Ok(mut r) if r.status() == 201 => {
                            let v: serde_json::Value = r.body_mut().read_json().unwrap();
                            let mut st = states.lock().unwrap();
                            match v["state"].as_str() {
                                Some("needs_retake") if i % 5 == 4 => st.0 += 1,
                                Some("awaiting_review") if i % 5 != 4 => st.1 += 1,
                                _ => {
                                    errors.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            submit_ms.lock().unwrap().push(ms);
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    let submit_s = t0.elapsed().as_secs_f64();

    // 2. review
    let decide_ms = Mutex::new(Vec::new());
    let decided = Mutex::new((0usize, 0usize, Vec::<String>::new()));
    let t1 = Instant::now();
    std::thread::scope(|s| {
        for (_, token) in REVIEWERS {
            let (base, errors, decide_ms, decided) = (&base, &errors, &decide_ms, &decided);
            s.spawn(move || {
                let agent = agent();
                let auth = format!("Bearer {token}");
                for i in 0.. {
                    let t = Instant::now();
                    let mut r = agent
                        .post(&format!("{base}/v1/review/claim"))
                        .header("authorization", &auth)
                        .send(&b""[..])
                        .unwrap();
                    if r.status() == 204 {
                        break;
                    }
                    let v: serde_json::Value = r.body_mut().read_json().unwrap();
                    let id = v["order"]["id"].as_str().unwrap().to_owned();
                    let accept = i % 10 != 9;
                    let body = if accept {
                        serde_json::json!({"decision": "accept"})
                    } else {
                        serde_json::json!({"decision": "reject", "reasons": ["ears_covered"]})
                    };
                    let mut r = agent
                        .post(&format!("{base}/v1/review/{id}/decision"))
                        .header("authorization", &auth)
                        .header("content-type", "application/json")
                        .send(body.to_string().as_bytes())
                        .unwrap();
                    decide_ms
                        .lock()
                        .unwrap()
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                    if r.status() != 200 {
                        errors.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let v: serde_json::Value = r.body_mut().read_json().unwrap();
                    let mut d = decided.lock().unwrap();
                    if accept {
                        d.0 += 1;
                        d.2.push(v["receipt"]["number"].as_str().unwrap().to_owned());
                    } else {
                        d.1 += 1;
                    }
                }
            });
        }
    });
    let review_s = t1.elapsed().as_secs_f64();

    // 3. fetch by receipt number
    let numbers = decided.lock().unwrap().2.clone();
    let t2 = Instant::now();
    let agent = agent();
    let mut fetched = 0;
    for n in &numbers {
        let mut r = agent
            .get(&format!("{base}/v1/receipts/{n}"))
            .header("authorization", &format!("Bearer {KIOSK}"))
            .call()
            .unwrap();
        let ok = r.status() == 200
            && r.headers().get("etag").is_some()
            && !r.body_mut().read_to_vec().unwrap().is_empty();
        if ok {
            fetched += 1;
        } else {
            errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    let fetch_s = t2.elapsed().as_secs_f64();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let (retakes, awaiting) = *states.lock().unwrap();
    let (accepted, rejected, _) = &*decided.lock().unwrap();
    let decisions = accepted + rejected;
    if decisions != awaiting {
        errors.fetch_add(awaiting.abs_diff(decisions), Ordering::Relaxed);
    }
    println!(
        "RESULT centre db={kind} orders={orders} clients={clients} workers={workers} submit_s={submit_s:.1} submit_per_s={:.2} submit_p99_ms={:.0} needs_retake={retakes} awaiting_review={awaiting} review_s={review_s:.2} decisions_per_s={:.0} decide_p99_ms={:.1} accepted={accepted} rejected={rejected} fetched={fetched} fetch_per_s={:.0} errors={}",
        orders as f64 / submit_s,
        p99(&mut submit_ms.lock().unwrap()),
        decisions as f64 / review_s.max(1e-9),
        p99(&mut decide_ms.lock().unwrap()),
        fetched as f64 / fetch_s.max(1e-9),
        errors.load(Ordering::Relaxed),
    );
}
