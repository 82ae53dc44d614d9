//! The photo-receipt centre (`idphoto serve --db ...`) over real HTTP, on a real SQLite file and,
//! when `IDPHOTO_TEST_POSTGRES` names a server (`scripts/centre-test.sh` starts one), on a real
//! PostgreSQL database: every scenario runs against both (`<scenario>::sqlite`,
//! `<scenario>::postgres`).
//!
//! Photos: `obama.jpg` (a smile with teeth: a certain retake) from the fixtures, and
//! `hivision-test1.jpg` from `../shared/photos`, which passes `cn/cet` and so waits for a
//! reviewer; the scenarios print SKIPPED without it.
#![cfg(feature = "centre")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::server::{agent, Server};
use serde_json::{json, Value};

const ALICE: &str = "alice-token-0123456789";
const BOB: &str = "bob-token-9876543210ab";
const KIOSK: &str = "kiosk-token-00112233445566";
/// A valid GB 11643 number (the standard's own example).
const ID_NUMBER: &str = "11010519491231002X";
/// A spec `hivision-test1.jpg` passes.
const REVIEW_SPEC: &str = "cn/cet";

/// Where a scenario keeps its database.
#[derive(Clone)]
enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// `IDPHOTO_TEST_POSTGRES`: a URL of a role that may create databases.
    fn postgres() -> Option<Backend> {
        match std::env::var("IDPHOTO_TEST_POSTGRES") {
            Ok(url) if !url.is_empty() => Some(Backend::Postgres(url)),
            _ => {
                assert!(
                    std::env::var_os("IDPHOTO_REQUIRE_POSTGRES").is_none(),
                    "IDPHOTO_REQUIRE_POSTGRES is set but IDPHOTO_TEST_POSTGRES is not"
                );
                eprintln!(
                    "SKIPPED: IDPHOTO_TEST_POSTGRES is not set (scripts/centre-test.sh sets it)"
                );
                None
            }
        }
    }
}

/// A centre's files: its database and token files, in a folder of its own.
struct Site {
    dir: PathBuf,
    db: String,
}

impl Site {
    fn new(name: &str, backend: &Backend) -> Site {
        let dir =
            std::env::temp_dir().join(format!("idphoto-centre-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("reviewers"),
            format!("# reviewers\nalice {ALICE}\nbob {BOB}\n"),
        )
        .unwrap();
        std::fs::write(dir.join("fetch"), format!("kiosk-1 {KIOSK}\n")).unwrap();
        let db = match backend {
            Backend::Sqlite => dir.join("centre.sqlite").to_str().unwrap().to_owned(),
            Backend::Postgres(admin) => {
                // PostgreSQL cuts identifiers at 63 bytes: keep the name well under
                let short: String = name
                    .chars()
                    .rev()
                    .take(24)
                    .collect::<String>()
                    .chars()
                    .rev()
                    .collect();
                let name = format!("idphoto_{short}_{}", std::process::id());
                for sql in [
                    format!("DROP DATABASE IF EXISTS {name}"),
                    format!("CREATE DATABASE {name}"),
                ] {
                    let ok = std::process::Command::new("psql")
                        .env("PGOPTIONS", "--client-min-messages=warning")
                        .args([admin.as_str(), "-q", "-c", &sql])
                        .status()
                        .unwrap()
                        .success();
                    assert!(ok, "psql {sql}");
                }
                let (base, _) = admin.rsplit_once('/').unwrap();
                format!("{base}/{name}")
            }
        };
        Site { dir, db }
    }

    fn start(&self, extra: &[&str]) -> Server {
        let reviewers = self.dir.join("reviewers");
        let fetch = self.dir.join("fetch");
        let mut args = vec![
            "--workers",
            "2",
            "--db",
            self.db.as_str(),
            "--reviewers",
            reviewers.to_str().unwrap(),
            "--fetch-tokens",
            fetch.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        Server::start(&args)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An answer: status, the headers looked at, the body.
struct Answer {
    status: u16,
    content_type: String,
    etag: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap().to_owned()
    }
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (content_type, etag) = (header("content-type").unwrap_or_default(), header("etag"));
    Answer {
        status: r.status().as_u16(),
        content_type,
        etag,
        body: r
            .body_mut()
            .with_config()
            .limit(50_000_000)
            .read_to_vec()
            .unwrap(),
    }
}

fn get(s: &Server, path: &str, token: Option<&str>) -> Answer {
    let mut req = agent().get(&s.url(path));
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    answer(req.call())
}

fn post_json(s: &Server, path: &str, token: Option<&str>, body: &Value) -> Answer {
    let mut req = agent()
        .post(&s.url(path))
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    answer(req.send(body.to_string().as_bytes()))
}

/// A `multipart/form-data` POST: text parts, then the photo.
fn post_form(
    s: &Server,
    path: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Answer {
    let (content_type, body) = common::server::multipart_body(fields, photo);
    let mut req = agent()
        .post(&s.url(path))
        .header("content-type", &content_type);
    if let Some(t) = token {
        req = req.header("authorization", &format!("Bearer {t}"));
    }
    answer(req.send(&body[..]))
}

fn fixture_photo(name: &str) -> Vec<u8> {
    std::fs::read(common::fixture(&format!("photos/{name}"))).unwrap()
}

/// The photo that passes `cn/cet` (a reviewer sees it), if `../shared/photos` is there.
fn reviewable_photo() -> Option<Vec<u8>> {
    common::shared_photo("hivision-test1.jpg").map(|p| std::fs::read(p).unwrap())
}

/// Submits an order; returns (id, token, answer JSON).
fn submit(s: &Server, spec: &str, photo: &[u8], extra: &[(&str, &str)]) -> (String, String, Value) {
    let mut fields = vec![("spec", spec), ("name", "张三"), ("id_number", ID_NUMBER)];
    fields.extend_from_slice(extra);
    let a = post_form(s, "/v1/orders", None, &fields, Some(photo));
    assert_eq!(a.status, 201, "{}", String::from_utf8_lossy(&a.body));
    let v = a.json();
    (
        v["id"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
        v,
    )
}

fn claim(s: &Server, who: &str) -> Option<Value> {
    let a = post_json(s, "/v1/review/claim", Some(who), &json!(null));
    match a.status {
        204 => None,
        200 => Some(a.json()["order"].clone()),
        other => panic!("claim: {other} {}", String::from_utf8_lossy(&a.body)),
    }
}

fn decide(s: &Server, who: &str, id: &str, body: &Value) -> Answer {
    post_json(s, &format!("/v1/review/{id}/decision"), Some(who), body)
}

fn sha256_hex(bytes: &[u8]) -> String {
    // the server's ETag is the SHA-256 it recorded; recompute it independently
    let out = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(bytes)?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// The number a slip's Code 128 barcode holds, read by a barcode reader (rxing, a port of ZXing).
fn read_barcode(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    let mut hints = rxing::DecodeHints::default();
    let result = rxing::helpers::detect_in_luma_with_hints(
        img.into_raw(),
        w,
        h,
        Some(rxing::BarcodeFormat::CODE_128),
        &mut hints,
    )
    .expect("a Code 128 barcode on the slip");
    result.getText().to_owned()
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(&super::Backend::Sqlite, concat!(stringify!($name), "_s"));
            }
            #[test]
            fn postgres() {
                if let Some(b) = super::Backend::postgres() {
                    super::$name(&b, concat!(stringify!($name), "_p"));
                }
            }
        }
    )*};
}

on_both!(
    retake_resubmit_accept_fetch,
    reject_notifies_then_resubmit_accept,
    two_reviewers_claim_different_orders,
    kill_during_decisions_loses_nothing,
    retention_deletes_rejected_photos_keeps_receipts,
    bad_orders_are_refused,
    readyz_reports_the_database,
);

/// Submit → retake (never reaches a reviewer) → resubmit → review → accept → the receipt's
/// photo by number (identical to the stored output) and its slip (the barcode reads back the
/// number); tokens and mistyped numbers refused.
fn retake_resubmit_accept_fetch(backend: &Backend, name: &str) {
    let Some(good) = reviewable_photo() else {
        return;
    };
    let site = Site::new(name, backend);
    let s = site.start(&[]);

    let (id, token, created) = submit(&s, REVIEW_SPEC, &fixture_photo("obama.jpg"), &[]);
    assert_eq!(created["state"], "needs_retake");
    let reasons = created["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r["code"] == "teeth_visible"),
        "{created}"
    );
    assert!(reasons
        .iter()
        .all(|r| r["zh"].is_string() && r["en"].is_string()));
    // a retake never reaches a reviewer
    assert!(claim(&s, ALICE).is_none());

    // the order token opens the order; nothing else does
    assert_eq!(get(&s, &format!("/v1/orders/{id}"), None).status, 401);
    let wrong = get(&s, &format!("/v1/orders/{id}"), Some(ALICE));
    assert_eq!(
        (wrong.status, wrong.error_code().as_str()),
        (403, "forbidden")
    );
    assert_eq!(get(&s, "/v1/orders/o_nothing", Some(&token)).status, 404);
    let order = get(&s, &format!("/v1/orders/{id}"), Some(&token)).json();
    assert_eq!(order["state"], "needs_retake");
    assert!(order["receipt"].is_null());

    // an accepted resubmission waits for review
    let r = post_form(
        &s,
        &format!("/v1/orders/{id}/resubmit"),
        Some(&token),
        &[],
        Some(&good),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["state"], "awaiting_review");
    assert_eq!(r.json()["attempt"], 2);

    // reviewer and fetch tokens are not interchangeable
    assert_eq!(
        post_json(&s, "/v1/review/claim", None, &json!(null)).status,
        401
    );
    assert_eq!(
        post_json(&s, "/v1/review/claim", Some(KIOSK), &json!(null)).status,
        403
    );
    assert_eq!(
        post_json(&s, "/v1/review/claim", Some(&token), &json!(null)).status,
        403
    );

    let held = claim(&s, ALICE).expect("the order is in the queue");
    assert_eq!(held["id"], id.as_str());
    assert_eq!(held["id_number_masked"], "1101**********002X");
    assert!(held["report"]["checks"].is_array());
    for kind in ["original", "output", "overlay"] {
        let p = get(&s, held["photos"][kind].as_str().unwrap(), Some(ALICE));
        assert_eq!(p.status, 200, "{kind}");
        assert!(
            image::load_from_memory(&p.body).is_ok(),
            "{kind} is an image"
        );
    }
    // bob cannot take or decide alice's order
    assert!(claim(&s, BOB).is_none());
    let theirs = decide(&s, BOB, &id, &json!({"decision": "accept"}));
    assert_eq!(
        (theirs.status, theirs.error_code().as_str()),
        (409, "claimed_by_another")
    );

    let d = decide(&s, ALICE, &id, &json!({"decision": "accept"}));
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    assert_eq!(d.json()["state"], "accepted");
    let number = d.json()["receipt"]["number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 18);
    let again = decide(
        &s,
        ALICE,
        &id,
        &json!({"decision": "reject", "reasons": ["ears_covered"]}),
    );
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (409, "already_decided")
    );

    // the photo by number: the stored output, byte for byte
    let output = get(&s, &format!("/v1/orders/{id}/output"), Some(&token));
    assert_eq!(output.status, 200);
    assert_eq!(get(&s, &format!("/v1/receipts/{number}"), None).status, 401);
    assert_eq!(
        get(&s, &format!("/v1/receipts/{number}"), Some(ALICE)).status,
        403
    );
    let fetched = get(&s, &format!("/v1/receipts/{number}"), Some(KIOSK));
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.content_type, "image/jpeg");
    assert!(
        fetched.body == output.body,
        "the receipt's photo is the stored output"
    );
    assert_eq!(
        fetched.etag.as_deref(),
        Some(format!("\"{}\"", sha256_hex(&fetched.body)).as_str())
    );

    // a mistyped number is refused by its check digits; a valid unknown one is 404
    let mut typo = number.clone().into_bytes();
    typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
    let typo = String::from_utf8(typo).unwrap();
    let refused = get(&s, &format!("/v1/receipts/{typo}"), Some(KIOSK));
    assert_eq!(
        (refused.status, refused.error_code().as_str()),
        (400, "invalid_receipt_number")
    );
    assert_eq!(
        get(&s, "/v1/receipts/000000000000000098", Some(KIOSK)).status,
        404
    );

    // the slip: for the kiosk, the reviewer and the applicant; its barcode reads the number
    for who in [KIOSK, ALICE, token.as_str()] {
        let slip = get(&s, &format!("/v1/receipts/{number}/slip.png"), Some(who));
        assert_eq!(slip.status, 200);
        assert_eq!(slip.content_type, "image/png");
        assert_eq!(read_barcode(&slip.body), number);
    }
    let html = get(
        &s,
        &format!("/v1/receipts/{number}/slip.html"),
        Some(&token),
    );
    assert_eq!(html.status, 200);
    assert!(String::from_utf8_lossy(&html.body).contains("data:image/png;base64,"));

    let order = get(&s, &format!("/v1/orders/{id}"), Some(&token)).json();
    assert_eq!(order["state"], "accepted");
    assert_eq!(order["receipt"]["number"], number.as_str());
    let actions: Vec<&str> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submitted", "resubmitted", "accepted"]);

    // no name or ID number in the log
    let log = s.log_lines().join("\n");
    assert!(!log.contains("张三") && !log.contains(ID_NUMBER), "{log}");
}

/// A one-connection-at-a-time HTTP receiver: answers each POST with the next status of
/// `statuses` (then 200) and hands over the body.
fn webhook_receiver(statuses: Vec<u16>) -> (String, mpsc::Receiver<(u16, Value)>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = c.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if rest.len() >= len {
                        break Some(rest[..len].to_owned());
                    }
                }
            };
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                c,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            if let Some(b) = body {
                if tx
                    .send((status, serde_json::from_str(&b).unwrap_or(Value::Null)))
                    .is_err()
                {
                    break;
                }
            }
        }
    });
    (url, rx)
}

/// Review → reject (with reasons; the webhook is told, retried after a failure) → resubmit →
/// accept.
fn reject_notifies_then_resubmit_accept(backend: &Backend, name: &str) {
    let Some(good) = reviewable_photo() else {
        return;
    };
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let (url, hooks) = webhook_receiver(vec![503]);
    let (id, token, created) = submit(&s, REVIEW_SPEC, &good, &[("webhook", &url)]);
    assert_eq!(created["state"], "awaiting_review");
    claim(&s, BOB).unwrap();

    let unknown = decide(
        &s,
        BOB,
        &id,
        &json!({"decision": "reject", "reasons": ["ugly"]}),
    );
    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (400, "unknown_reason")
    );
    let bare = decide(
        &s,
        BOB,
        &id,
        &json!({"decision": "reject", "reasons": ["other"]}),
    );
    assert_eq!(
        (bare.status, bare.error_code().as_str()),
        (400, "missing_note")
    );
    let none = decide(&s, BOB, &id, &json!({"decision": "reject"}));
    assert_eq!(none.status, 400);
    let t0 = Instant::now();
    let d = decide(
        &s,
        BOB,
        &id,
        &json!({"decision": "reject", "reasons": ["ears_covered", "other"], "note": "耳环 earring"}),
    );
    assert_eq!(d.status, 200, "{}", String::from_utf8_lossy(&d.body));
    assert_eq!(d.json()["state"], "rejected");
    assert!(d.json()["receipt"].is_null());
    // the decision did not wait for the webhook
    assert!(t0.elapsed() < Duration::from_secs(2));

    // first delivery refused (503), the retry delivered
    let (first, body) = hooks
        .recv_timeout(Duration::from_secs(20))
        .expect("a webhook POST");
    assert_eq!(first, 503);
    assert_eq!(body["order"], id.as_str());
    assert_eq!(body["state"], "rejected");
    let (second, again) = hooks
        .recv_timeout(Duration::from_secs(20))
        .expect("a retry");
    assert_eq!(second, 200);
    assert_eq!(again["reasons"][0]["code"], "ears_covered");
    assert_eq!(again["reasons"][1]["code"], "other");

    let order = get(&s, &format!("/v1/orders/{id}"), Some(&token)).json();
    assert_eq!(order["state"], "rejected");
    assert_eq!(order["reasons"][0]["code"], "ears_covered");
    assert!(order["reasons"][0]["zh"].is_string());

    let r = post_form(
        &s,
        &format!("/v1/orders/{id}/resubmit"),
        Some(&token),
        &[],
        Some(&good),
    );
    assert_eq!(r.json()["state"], "awaiting_review");
    let held = claim(&s, ALICE).unwrap();
    assert_eq!(held["id"], id.as_str());
    assert_eq!(held["attempt"], 2);
    let d = decide(&s, ALICE, &id, &json!({"decision": "accept"}));
    assert_eq!(d.json()["state"], "accepted");
    // an accepted order takes no new photo
    let late = post_form(
        &s,
        &format!("/v1/orders/{id}/resubmit"),
        Some(&token),
        &[],
        Some(&good),
    );
    assert_eq!(
        (late.status, late.error_code().as_str()),
        (409, "cannot_resubmit")
    );
    let actions: Vec<String> = get(&s, &format!("/v1/orders/{id}"), Some(&token)).json()["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["submitted", "rejected", "resubmitted", "accepted"]
    );
}

/// Two reviewers claiming at the same moment never get the same order.
fn two_reviewers_claim_different_orders(backend: &Backend, name: &str) {
    let Some(good) = reviewable_photo() else {
        return;
    };
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let ids: Vec<String> = (0..4)
        .map(|_| submit(&s, REVIEW_SPEC, &good, &[]).0)
        .collect();
    for round in 0..2 {
        let barrier = std::sync::Barrier::new(2);
        let (a, b) = std::thread::scope(|scope| {
            let ta = scope.spawn(|| {
                barrier.wait();
                claim(&s, ALICE).unwrap()
            });
            let tb = scope.spawn(|| {
                barrier.wait();
                claim(&s, BOB).unwrap()
            });
            (ta.join().unwrap(), tb.join().unwrap())
        });
        assert_ne!(a["id"], b["id"], "round {round}");
        assert_eq!(a["claimed_by"], "alice");
        assert_eq!(b["claimed_by"], "bob");
        for (who, o) in [(ALICE, &a), (BOB, &b)] {
            let d = decide(
                &s,
                who,
                o["id"].as_str().unwrap(),
                &json!({"decision": "accept"}),
            );
            assert_eq!(d.status, 200);
        }
    }
    assert!(claim(&s, ALICE).is_none());
    // oldest first: the four orders were decided in the order they were submitted
    let _ = ids;
}

/// kill -9 while a reviewer is deciding, restart: every answered decision is there, every
/// accepted order has its receipt and photo, nothing is in two states; then the rest is decided.
fn kill_during_decisions_loses_nothing(backend: &Backend, name: &str) {
    let Some(good) = reviewable_photo() else {
        return;
    };
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let orders: Vec<(String, String)> = (0..8)
        .map(|_| {
            let (id, token, _) = submit(&s, REVIEW_SPEC, &good, &[]);
            (id, token)
        })
        .collect();
    let (tx, rx) = mpsc::channel::<(String, bool, Option<u16>, Option<String>)>();
    let base = s.base.clone();
    let reviewer = std::thread::spawn(move || {
        let agent = agent();
        for i in 0.. {
            let claimed = agent
                .post(&format!("{base}/v1/review/claim"))
                .header("authorization", &format!("Bearer {ALICE}"))
                .send(&b""[..]);
            let Ok(mut r) = claimed else { break };
            if r.status() != 200 {
                break;
            }
            let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
            let id = v["order"]["id"].as_str().unwrap().to_owned();
            let accept = i % 2 == 0;
            let body = if accept {
                json!({"decision": "accept"})
            } else {
                json!({"decision": "reject", "reasons": ["ears_covered"]})
            };
            let decided = agent
                .post(&format!("{base}/v1/review/{id}/decision"))
                .header("authorization", &format!("Bearer {ALICE}"))
                .header("content-type", "application/json")
                .send(body.to_string().as_bytes());
            let (status, number) = match decided {
                Ok(mut r) => {
                    let st = r.status().as_u16();
                    let v: Value =
                        serde_json::from_str(&r.body_mut().read_to_string().unwrap_or_default())
                            .unwrap_or(Value::Null);
                    (Some(st), v["receipt"]["number"].as_str().map(str::to_owned))
                }
                Err(_) => (None, None),
            };
            if tx.send((id, accept, status, number)).is_err() || status.is_none() {
                break;
            }
        }
    });
    // kill after the third answered decision: the fourth is under way
    let mut answered = Vec::new();
    for _ in 0..3 {
        answered.push(rx.recv_timeout(Duration::from_secs(60)).unwrap());
    }
    s.signal("-KILL");
    reviewer.join().unwrap();
    answered.extend(rx.try_iter());
    drop(s);

    let s = site.start(&[]);
    let token_of = |id: &str| orders.iter().find(|(i, _)| i == id).unwrap().1.clone();
    for (id, accept, status, number) in &answered {
        let o = get(&s, &format!("/v1/orders/{id}"), Some(&token_of(id))).json();
        if *status == Some(200) {
            assert_eq!(
                o["state"],
                if *accept { "accepted" } else { "rejected" },
                "{o}"
            );
            assert_eq!(o["receipt"]["number"].as_str(), number.as_deref(), "{o}");
        }
    }
    // finish the queue (alice's unexpired claim comes back to her first)
    while let Some(o) = claim(&s, ALICE) {
        let d = decide(
            &s,
            ALICE,
            o["id"].as_str().unwrap(),
            &json!({"decision": "accept"}),
        );
        assert_eq!(d.status, 200);
    }
    let mut receipts = 0;
    for (id, token) in &orders {
        let o = get(&s, &format!("/v1/orders/{id}"), Some(token)).json();
        let decisions = o["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "accepted" || e["action"] == "rejected")
            .count();
        assert_eq!(decisions, 1, "one decision per order: {o}");
        match o["state"].as_str().unwrap() {
            "accepted" => {
                receipts += 1;
                let n = o["receipt"]["number"]
                    .as_str()
                    .expect("an accepted order has a receipt");
                let photo = get(&s, &format!("/v1/receipts/{n}"), Some(KIOSK));
                assert_eq!(photo.status, 200);
                let out = get(&s, &format!("/v1/orders/{id}/output"), Some(token));
                assert!(photo.body == out.body);
            }
            "rejected" => assert!(o["receipt"].is_null()),
            other => panic!("order {id} is {other}"),
        }
    }
    assert!(receipts >= 4, "{receipts}");
}

/// `--retain-days 0`: a rejected order's photos are deleted at start, its history kept; a
/// receipt's photo stays.
fn retention_deletes_rejected_photos_keeps_receipts(backend: &Backend, name: &str) {
    let Some(good) = reviewable_photo() else {
        return;
    };
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let (kept, kept_token, _) = submit(&s, REVIEW_SPEC, &good, &[]);
    let (gone, gone_token, _) = submit(&s, REVIEW_SPEC, &good, &[]);
    let (retake, retake_token, _) = submit(&s, REVIEW_SPEC, &fixture_photo("obama.jpg"), &[]);
    claim(&s, ALICE).unwrap();
    let number = decide(&s, ALICE, &kept, &json!({"decision": "accept"})).json()["receipt"]
        ["number"]
        .as_str()
        .unwrap()
        .to_owned();
    claim(&s, ALICE).unwrap();
    decide(
        &s,
        ALICE,
        &gone,
        &json!({"decision": "reject", "reasons": ["glare"]}),
    );
    drop(s);

    let s = site.start(&["--retain-days", "0"]);
    // the sweep runs at start, on a task of its own
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let p = get(
            &s,
            &format!("/v1/review/{gone}/photos/original"),
            Some(ALICE),
        );
        if p.status == 410 {
            assert_eq!(p.error_code(), "photo_deleted");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the rejected order's photos were not deleted"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for (id, token) in [(&gone, &gone_token), (&retake, &retake_token)] {
        let o = get(&s, &format!("/v1/orders/{id}"), Some(token)).json();
        let last = o["history"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "photos_deleted", "{o}");
    }
    assert_eq!(
        get(&s, &format!("/v1/receipts/{number}"), Some(KIOSK)).status,
        200
    );
    assert_eq!(
        get(&s, &format!("/v1/orders/{kept}/output"), Some(&kept_token)).status,
        200
    );
}

/// Bad orders get the statuses `/v1/check` gives, and a wrong ID number its own code.
fn bad_orders_are_refused(backend: &Backend, name: &str) {
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let photo = fixture_photo("obama.jpg");
    let form =
        |fields: &[(&str, &str)], p: Option<&[u8]>| post_form(&s, "/v1/orders", None, fields, p);
    let cases: Vec<(Answer, u16, &str)> = vec![
        (
            form(
                &[
                    ("spec", "cn/id-card"),
                    ("name", "张三"),
                    ("id_number", "11010519491231002Y"),
                ],
                Some(&photo),
            ),
            400,
            "invalid_id_number",
        ),
        (
            form(
                &[
                    ("spec", "cn/id-card"),
                    ("name", "张三"),
                    ("id_number", "110105194912310021"),
                ],
                Some(&photo),
            ),
            400,
            "invalid_id_number",
        ),
        (
            form(&[("spec", "cn/idcard"), ("name", "张三")], Some(&photo)),
            400,
            "unknown_spec",
        ),
        (
            form(&[("spec", "cn/id-card")], Some(&photo)),
            400,
            "missing_name",
        ),
        (
            form(&[("spec", "cn/id-card"), ("name", "张三")], None),
            400,
            "missing_photo",
        ),
        (
            form(
                &[("spec", "cn/id-card"), ("name", "张三"), ("idnumber", "1")],
                Some(&photo),
            ),
            400,
            "bad_parameter",
        ),
        (
            form(
                &[
                    ("spec", "cn/id-card"),
                    ("name", "张三"),
                    ("webhook", "ftp://x"),
                ],
                Some(&photo),
            ),
            400,
            "invalid_webhook",
        ),
        (
            form(
                &[("spec", "cn/id-card"), ("name", "张三")],
                Some(b"not an image at all"),
            ),
            415,
            "unsupported_format",
        ),
        (
            form(
                &[("spec", "cn/id-card"), ("name", "张三")],
                Some(&photo[..photo.len() / 3]),
            ),
            422,
            "corrupt_image",
        ),
    ];
    for (i, (a, status, code)) in cases.iter().enumerate() {
        assert_eq!(
            (a.status, a.error_code().as_str()),
            (*status, *code),
            "case {i}"
        );
    }
    let plain = answer(
        agent()
            .post(&s.url("/v1/orders"))
            .header("content-type", "image/jpeg")
            .send(&photo[..]),
    );
    assert_eq!(plain.status, 415);
    // nothing was stored: the queue is empty
    assert!(claim(&s, ALICE).is_none());
    let _ = Path::new(&site.db);
}

/// `/readyz` says whether the database answers: ready with it, 503 (a load balancer takes the
/// instance out) once PostgreSQL drops it.
fn readyz_reports_the_database(backend: &Backend, name: &str) {
    let site = Site::new(name, backend);
    let s = site.start(&[]);
    let ready = get(&s, "/readyz", None);
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["database"], true);
    let Backend::Postgres(admin) = backend else {
        return;
    };
    let db = site.db.rsplit('/').next().unwrap().to_owned();
    let ok = std::process::Command::new("psql")
        .args([
            admin.as_str(),
            "-q",
            "-c",
            &format!("DROP DATABASE {db} WITH (FORCE)"),
        ])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = get(&s, "/readyz", None);
        if r.status == 503 {
            assert_eq!(r.json()["database"], false);
            break;
        }
        assert!(Instant::now() < deadline, "/readyz still {}", r.status);
        std::thread::sleep(Duration::from_millis(250));
    }
}
