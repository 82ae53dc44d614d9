//! `idphoto serve` over real HTTP on loopback: the installed binary started as a user starts
//! it, called with an HTTP client.
#![cfg(feature = "serve")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::server::{agent, Server};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

/// Status, headers we look at, and the body as text.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    content_type: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The error code of an error answer (and its shape checked).
    fn error_code(&self) -> String {
        let v = self.json();
        assert!(v["error"]["message"].is_string(), "{}", self.body);
        assert_eq!(self.content_type, "application/json");
        v["error"]["code"].as_str().unwrap().to_owned()
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
    let (retry_after, content_type) = (
        header("retry-after"),
        header("content-type").unwrap_or_default(),
    );
    Answer {
        status: r.status().as_u16(),
        retry_after,
        content_type,
        body: r.body_mut().read_to_string().unwrap(),
    }
}

/// A check request written by hand on a TCP stream: `headers` after the request line, then
/// `body` (a write the server refuses is not an error), then the answer read to its end.
fn raw(s: &Server, headers: &str, body: &[&[u8]]) -> Answer {
    use std::io::{Read, Write};
    let addr = s.base.trim_start_matches("http://");
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let head = format!(
        "POST /v1/check?spec=cn/id-card HTTP/1.1\r\nHost: {addr}\r\nContent-Type: image/jpeg\r\nConnection: close\r\n{headers}\r\n"
    );
    tcp.write_all(head.as_bytes()).unwrap();
    for part in body {
        if tcp.write_all(part).is_err() {
            break;
        }
    }
    let mut got = Vec::new();
    let _ = tcp.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    };
    Answer {
        status,
        retry_after: header("retry-after"),
        content_type: header("content-type").unwrap_or_default(),
        body: body.to_owned(),
    }
}

fn get(s: &Server, path: &str) -> Answer {
    answer(agent().get(&s.url(path)).call())
}

fn post(s: &Server, path: &str, body: &[u8]) -> Answer {
    answer(
        agent()
            .post(&s.url(path))
            .header("content-type", "application/octet-stream")
            .send(body),
    )
}

fn photo(name: &str) -> Vec<u8> {
    std::fs::read(common::fixture(&format!("photos/{name}"))).unwrap()
}

/// `idphoto check --json -` on a file: the report the server must give.
fn cli_report(path: &Path, spec: &str, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["check", "--spec", spec, "--json", "-"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A specs folder with `office/badge`: the ID card's rules with the smile allowed (obama.jpg
/// passes it).
fn badge_specs() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("idphoto-serve-specs-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("office")).unwrap();
    std::fs::write(
        dir.join("office/badge.toml"),
        "extends = \"cn/id-card\"\nname = { zh = \"工牌\", en = \"Office badge\" }\n[checks.mouth_closed]\nenabled = false\n",
    )
    .unwrap();
    dir
}

#[test]
fn every_route_answers_as_documented() {
    let specs = badge_specs();
    let s = Server::start(&["--workers", "2", "--specs", specs.to_str().unwrap()]);
    let h = get(&s, "/healthz");
    assert_eq!(
        (h.status, h.json()["status"].as_str()),
        (200, Some("alive"))
    );
    let r = get(&s, "/readyz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["ready"], true);

    let list = get(&s, "/v1/specs").json();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"cn/id-card") && ids.contains(&"office/badge"),
        "{ids:?}"
    );
    let one = get(&s, "/v1/specs/office/badge");
    assert_eq!(one.status, 200);
    let one = one.json();
    assert_eq!(one["spec"]["id"], "office/badge");
    assert_eq!(one["spec"]["checks"]["mouth_closed"]["enabled"], false);
    assert_eq!(one["chain"][1]["id"], "cn/id-card");

    // the OpenAPI document: every path it lists answers its method (no 404 or 405)
    let doc = get(&s, "/v1/openapi.json").json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "cn/id-card");
        for (method, op) in ops.as_object().unwrap() {
            // the receipt centre's routes need --db (tests/centre.rs covers them)
            if op["tags"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == "centre"))
            {
                continue;
            }
            let a = match method.as_str() {
                "get" => get(&s, &concrete),
                "post" => post(
                    &s,
                    &format!("{concrete}?spec=cn/id-card"),
                    &photo("obama.jpg"),
                ),
                other => panic!("undocumented method {other}"),
            };
            assert!(a.status == 200, "{method} {path}: {} {}", a.status, a.body);
        }
    }

    // a passing photo with output and overlay: the output is the spec's size
    let a = post(
        &s,
        "/v1/check?spec=office/badge&output=true&overlay=true",
        &photo("obama.jpg"),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let v = a.json();
    assert_eq!(v["report"]["verdict"], "pass");
    let want = cli_report(
        &common::fixture("photos/obama.jpg"),
        "office/badge",
        &["--specs", specs.to_str().unwrap(), "--out", "/dev/null"],
    );
    assert_eq!(v["report"], want, "the server's report is `check --json`'s");
    let out = &v["output"];
    assert_eq!(out["mime"], "image/jpeg");
    assert_eq!(
        (out["width"].as_u64(), out["height"].as_u64()),
        (Some(358), Some(441))
    );
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(out["bytes_base64"].as_str().unwrap())
        .unwrap();
    let img = image::load_from_memory(&jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (358, 441));
    let overlay = base64::engine::general_purpose::STANDARD
        .decode(v["overlay"]["bytes_base64"].as_str().unwrap())
        .unwrap();
    let ov = image::load_from_memory(&overlay).unwrap();
    assert_eq!(v["overlay"]["mime"], "image/png");
    assert_eq!(
        (ov.width(), ov.height()),
        (910, 1137),
        "the overlay is the photo's size"
    );

    // a failing photo: the report, no output (as `check` without --always-output)
    let a = post(
        &s,
        "/v1/check?spec=cn/id-card&output=true",
        &photo("obama.jpg"),
    );
    assert_eq!(a.json()["report"]["verdict"], "fail");
    assert!(a.json()["output"].is_null() && a.json()["overlay"].is_null());

    // multipart with a `photo` part gives the same report as the raw body
    let boundary = "idphoto-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(photo("obama.jpg"));
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let m = answer(
        agent()
            .post(&s.url("/v1/check?spec=cn/id-card"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..]),
    );
    assert_eq!(m.status, 200, "{}", m.body);
    assert_eq!(m.json()["report"], a.json()["report"]);

    // metrics: requests by route and status, latency, queue depth, checks in flight
    let m = get(&s, "/metrics");
    assert_eq!(m.status, 200);
    assert!(m.content_type.starts_with("text/plain"));
    for needle in [
        "idphoto_http_requests_total{method=\"POST\",route=\"/v1/check\",status=\"200\"}",
        "idphoto_http_request_duration_seconds_bucket{",
        "idphoto_queue_depth 0",
        "idphoto_checks_in_flight 0",
    ] {
        assert!(m.body.contains(needle), "{needle} missing from\n{}", m.body);
    }
    // the log: one line per request with id, route, status, the spec; no photo bytes or names
    let log = s.log_lines().join("\n");
    assert!(
        log.contains("route=/v1/check spec=\"office/badge\""),
        "{log}"
    );
    assert!(log.contains("status=200"), "{log}");
    assert!(
        !log.contains("obama") && !log.contains("p.jpg") && !log.contains("hello"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(specs);
}

#[test]
fn errors_have_their_status_and_code() {
    let s = Server::start(&["--workers", "1", "--max-bytes", "3000000"]);
    let jpeg = photo("obama.jpg");
    let cases: Vec<(String, Vec<u8>, u16, &str)> = vec![
        (
            "/v1/check?spec=cn/idcard".into(),
            jpeg.clone(),
            400,
            "unknown_spec",
        ),
        ("/v1/check".into(), jpeg.clone(), 400, "missing_spec"),
        (
            "/v1/check?spec=cn/id-card&output=maybe".into(),
            jpeg.clone(),
            400,
            "bad_parameter",
        ),
        (
            "/v1/check?spec=cn/id-card&colour=red".into(),
            jpeg.clone(),
            400,
            "bad_parameter",
        ),
        (
            "/v1/check?spec=cn/id-card".into(),
            Vec::new(),
            400,
            "empty_body",
        ),
        (
            "/v1/check?spec=cn/id-card".into(),
            b"just some text, not a photo".to_vec(),
            415,
            "unsupported_format",
        ),
        (
            "/v1/check?spec=cn/id-card".into(),
            std::fs::read(common::fixture("bad/truncated.jpg")).unwrap(),
            422,
            "corrupt_image",
        ),
        (
            "/v1/check?spec=cn/id-card".into(),
            std::fs::read(common::fixture("bad/huge_dims.png")).unwrap(),
            422,
            "image_too_large",
        ),
        ("/v1/nothing".into(), jpeg.clone(), 404, "not_found"),
    ];
    for (path, body, status, code) in cases {
        let a = post(&s, &path, &body);
        assert_eq!(
            (a.status, a.error_code().as_str()),
            (status, code),
            "{path}: {}",
            a.body
        );
    }
    let a = get(&s, "/v1/check?spec=cn/id-card");
    assert_eq!(
        (a.status, a.error_code().as_str()),
        (405, "method_not_allowed")
    );
    let a = get(&s, "/v1/specs/cn/id-crad");
    assert_eq!((a.status, a.error_code().as_str()), (400, "unknown_spec"));
    assert!(a.body.contains("did you mean `cn/id-card`"), "{}", a.body);

    // HEIC: 415 with what to do
    let mut heic = vec![0, 0, 0, 24];
    heic.extend(b"ftypheic");
    heic.extend([0u8; 64]);
    let a = post(&s, "/v1/check?spec=cn/id-card", &heic);
    assert_eq!(
        (a.status, a.error_code().as_str()),
        (415, "unsupported_format")
    );
    assert!(a.body.contains("JPEG"), "{}", a.body);

    // a body over --max-bytes is refused from its Content-Length, before it is sent
    let a = raw(&s, "Content-Length: 3000001\r\n", &[]);
    assert_eq!(
        (a.status, a.error_code().as_str()),
        (413, "body_too_large"),
        "{}",
        a.body
    );
    // one that declares no length is cut off once it passes the limit
    let chunk = format!("{:x}\r\n{}\r\n", 1_000_000, "x".repeat(1_000_000));
    let a = raw(
        &s,
        "Transfer-Encoding: chunked\r\n",
        &[
            chunk.as_bytes(),
            chunk.as_bytes(),
            chunk.as_bytes(),
            chunk.as_bytes(),
            b"0\r\n\r\n",
        ],
    );
    assert_eq!(
        (a.status, a.error_code().as_str()),
        (413, "body_too_large"),
        "{}",
        a.body
    );

    // the server is still fine
    let a = post(&s, "/v1/check?spec=cn/id-card", &jpeg);
    assert_eq!(a.status, 200);
}

#[test]
fn timeout_is_504() {
    let s = Server::start(&["--workers", "1", "--timeout", "0.001"]);
    let a = post(&s, "/v1/check?spec=cn/id-card", &photo("obama.jpg"));
    assert_eq!((a.status, a.error_code().as_str()), (504, "timeout"));
}

#[test]
fn concurrent_requests_give_check_reports() {
    let s = Server::start(&["--workers", "2", "--queue", "16"]);
    let names = common::PHOTOS;
    let want: Vec<Value> = names
        .iter()
        .map(|n| cli_report(&common::fixture(&format!("photos/{n}")), "cn/id-card", &[]))
        .collect();
    let bytes = common::photo_bytes();
    let got: Vec<(usize, Answer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (s, bytes) = (&s, &bytes);
                scope.spawn(move || {
                    let k = i % bytes.len();
                    (k, post(s, "/v1/check?spec=cn/id-card", &bytes[k]))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (k, a) in got {
        assert_eq!(a.status, 200, "{}: {}", names[k], a.body);
        assert_eq!(a.json()["report"], want[k], "{}", names[k]);
    }
}

#[test]
fn a_full_queue_gives_503_with_retry_after() {
    // one check at a time and no waiting room: of 6 requests at once, the first is taken and
    // the others refused at once
    let s = Server::start(&["--workers", "1", "--queue", "0"]);
    let jpeg = photo("grace_hopper.jpg");
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| scope.spawn(|| post(&s, "/v1/check?spec=cn/id-card&overlay=true", &jpeg)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let full: Vec<&Answer> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(ok >= 1, "one is checked");
    assert_eq!(ok + full.len(), 6, "only 200 and 503");
    assert!(!full.is_empty(), "the others are refused");
    for a in full {
        assert_eq!(a.error_code(), "queue_full");
        assert_eq!(a.retry_after.as_deref(), Some("1"));
    }
    let m = get(&s, "/metrics").body;
    assert!(m.contains("idphoto_queue_full_rejections_total"), "{m}");
}

#[test]
fn shutdown_finishes_the_check_in_flight() {
    let s = Server::start(&["--workers", "1"]);
    let jpeg = photo("grace_hopper.jpg");
    std::thread::scope(|scope| {
        let request = scope.spawn(|| {
            post(
                &s,
                "/v1/check?spec=cn/id-card&output=true&overlay=true",
                &jpeg,
            )
        });
        // wait until the check runs, then ask the server to stop
        let deadline = Instant::now() + Duration::from_secs(60);
        while !get(&s, "/metrics")
            .body
            .contains("idphoto_checks_in_flight 1")
        {
            assert!(Instant::now() < deadline, "the check never started");
            std::thread::sleep(Duration::from_millis(2));
        }
        s.signal("-TERM");
        let a = request.join().unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(a.json()["report"]["verdict"].is_string());
    });
    let mut s = s;
    let status = s.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    let log = s.log_lines().join("\n");
    assert!(log.contains("shutting down"), "{log}");
}
