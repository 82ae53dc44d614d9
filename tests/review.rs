//! The review page in a real browser: Debian's headless Chromium, driven over WebDriver by
//! chromedriver. Builds a page over the fixture photos (one passes, most fail, two are
//! unreadable), asserts the number of cards, clicks the verdict filters and picks a reason, opens a
//! photo's check table, and saves screenshots to `target/review-screenshots/`.
//!
//! Ignored by plain `cargo test` (a fresh machine has no Chromium). `bash scripts/review-test.sh`
//! (called by `.ci/run`) installs Chromium when missing, builds the binary and runs it with
//! `--ignored`; it is the one command that reproduces the screenshots. `IDPHOTO_CHROMIUM` /
//! `IDPHOTO_CHROMEDRIVER` override `/usr/bin/chromium` / `/usr/bin/chromedriver`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// A chromedriver process, killed on drop.
struct Driver {
    child: Child,
    base: String,
    agent: ureq::Agent,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let chromium = std::env::var("IDPHOTO_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
        let driver =
            std::env::var("IDPHOTO_CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into());
        assert!(
            Path::new(&chromium).exists() && Path::new(&driver).exists(),
            "needs Debian's chromium and chromium-driver ({chromium}, {driver}): \
             apt-get install chromium chromium-driver"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut d = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            agent,
            session: String::new(),
        };
        let t0 = Instant::now();
        loop {
            let ready = d
                .agent
                .get(&format!("{}/status", d.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == json!(true));
            if ready {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--lang=zh-CN",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        }}});
        let v = d.call("POST", "/session", Some(caps));
        d.session = v["sessionId"].as_str().expect("session id").to_string();
        d
    }

    /// One WebDriver command; panics with the driver's message on an error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let resp = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.post(&url).send_json(body.unwrap_or(json!({}))),
        };
        let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let v: Value = resp.body_mut().read_json().unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn script(&self, js: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": js, "args": [] })),
        )
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(|x| x.as_str())
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    /// A real click (pointer events at the element's centre), not a scripted one.
    fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    /// Cards the browser actually lays out (hidden ones have no box).
    fn visible_cards(&self) -> usize {
        self.script(
            "return [...document.querySelectorAll('.card')].filter(c => c.getClientRects().length > 0).length;",
        )
        .as_u64()
        .unwrap() as usize
    }

    fn screenshot(&self, to: &Path) {
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(to, png).unwrap();
    }

    fn wait_ready(&self) {
        let t0 = Instant::now();
        while self.script("return document.body.dataset.ready || '';") != json!("1") {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "page did not finish its script"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
#[ignore = "needs Chromium: bash scripts/review-test.sh (run by .ci/run)"]
fn review_page_in_headless_chromium() {
    let tmp = std::env::temp_dir().join(format!("idphoto-review-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (inputs, specs, out) = (tmp.join("photos"), tmp.join("specs"), tmp.join("review"));
    std::fs::create_dir_all(&inputs).unwrap();
    for p in common::PHOTOS {
        std::fs::copy(common::fixture(&format!("photos/{p}")), inputs.join(p)).unwrap();
    }
    for p in ["hivision-test1.jpg", "hivision-test2.jpg"] {
        if let Some(src) = common::shared_photo(p) {
            std::fs::copy(src, inputs.join(p)).unwrap();
        }
    }
    std::fs::write(inputs.join("broken.jpg"), b"not a photo").unwrap();
    // a name a URL would misread (`#` ends a path, `%` starts an escape, `?` a query)
    std::fs::copy(
        common::fixture("photos/obama.jpg"),
        inputs.join("a#b%c?.jpg"),
    )
    .unwrap();
    let obama = std::fs::read(common::fixture("photos/obama.jpg")).unwrap();
    std::fs::write(inputs.join("truncated.jpg"), &obama[..obama.len() / 3]).unwrap();
    // the ID-card rules without the mouth rule, so the smiling Obama passes
    std::fs::create_dir_all(specs.join("cn")).unwrap();
    std::fs::create_dir_all(specs.join("test")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/cn/id-card.toml"),
        specs.join("cn/id-card.toml"),
    )
    .unwrap();
    std::fs::write(
        specs.join("test/smile-ok.toml"),
        "extends = \"cn/id-card\"\nname = { zh = \"测试\", en = \"test\" }\n[checks.mouth_closed]\nenabled = false\n",
    )
    .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .arg("review")
        .args(["--spec", "test/smile-ok", "--specs"])
        .arg(&specs)
        .arg("--out-dir")
        .arg(&out)
        .arg(&inputs)
        .status()
        .unwrap();
    assert!(status.success());

    // what the page should show, from the batch's own JSON lines
    let mut rows: Vec<Value> = std::fs::read_to_string(out.join("report.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    rows.sort_by(|a, b| a["input"].as_str().cmp(&b["input"].as_str())); // the page's order
    let verdict = |r: &Value| match r["report"]["verdict"].as_str() {
        Some(v) => v.to_string(),
        None => "error".to_string(),
    };
    let count = |v: &str| rows.iter().filter(|r| verdict(r) == v).count();
    let (n_pass, n_fail, n_error) = (count("pass"), count("fail"), count("error"));
    assert_eq!(rows.len(), std::fs::read_dir(&inputs).unwrap().count());
    assert!(
        n_pass >= 1 && n_fail >= 1 && n_error == 2,
        "{n_pass} {n_fail} {n_error}"
    );
    let fails_with = |code: &str| {
        rows.iter()
            .filter(|r| {
                r["report"]["checks"].as_array().is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["status"] == json!("fail") && c["reason"]["code"] == json!(code))
                })
            })
            .count()
    };
    // a reason that some but not all failing photos have
    let reason = [
        "ears_covered",
        "head_turned",
        "glare",
        "background_not_uniform_replaced",
        "background_not_uniform",
    ]
    .into_iter()
    .find(|c| (1..n_fail).contains(&fails_with(c)))
    .unwrap_or_else(|| {
        panic!(
            "no selective reason among the fixtures: {:?}",
            summary_reasons(&out)
        )
    });

    // no network: the page must not reference anything outside its folder
    let html = std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .replace("\"http://www.w3.org/2000/svg\"", ""); // a namespace name, never fetched
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/review-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let d = Driver::start(&tmp.join("chromium-profile"));
    d.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 1280, "height": 900})),
    );
    let url = format!("file://{}", out.join("index.html").display());
    d.goto(&url);
    d.wait_ready();
    assert_eq!(d.visible_cards(), rows.len());
    // the page carries its CJK font: Chinese reads on a machine without one
    d.wait_for(
        "the embedded CJK font",
        "return document.fonts.check('14px idphoto-cjk', '照片审核 眉毛被遮挡');",
    );
    // every thumbnail that the page references loaded (relative files, offline)
    let broken = d.script(
        "return [...document.querySelectorAll('img.thumb')].filter(i => i.complete && i.naturalWidth === 0).length;",
    );
    assert_eq!(broken, json!(0));
    let odd = d.script(
        "const c = [...document.querySelectorAll('.card')].find(c => c.title.endsWith('a#b%c?.jpg')); \
         const i = c && c.querySelector('img.thumb'); \
         return i ? new Promise(ok => { const f = () => (i.complete ? ok(i.naturalWidth) : setTimeout(f, 50)); f(); }) : -1;",
    );
    assert!(
        odd.as_u64().is_some_and(|w| w > 0),
        "a#b%c?.jpg's thumbnail: {odd}"
    );
    d.screenshot(&shots.join("grid.png"));

    d.click("#verdicts button[data-verdict='fail']");
    assert_eq!(d.visible_cards(), n_fail);
    d.click("#verdicts button[data-verdict='pass']");
    assert_eq!(d.visible_cards(), n_pass);
    // passes the output fixes: a subset of the passes, told apart from clean ones
    let n_fixed = rows
        .iter()
        .filter(|r| {
            verdict(r) == "pass"
                && r["report"]["checks"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["status"] == "fixed"))
        })
        .count();
    d.click("#verdicts button[data-verdict='fixed']");
    assert_eq!(d.visible_cards(), n_fixed);
    d.click("#verdicts button[data-verdict='error']");
    assert_eq!(d.visible_cards(), n_error);
    d.click("#verdicts button[data-verdict='all']");
    assert_eq!(d.visible_cards(), rows.len());

    // pick a reason in the drop-down: only the photos failing with it remain
    d.click("#reason");
    d.click(&format!("#reason option[value='{reason}']"));
    assert_eq!(d.visible_cards(), fails_with(reason));
    // the filter lives in the address: a reload keeps it
    let href = d.script("return location.href;");
    assert!(href.as_str().unwrap().contains(&format!("reason={reason}")));
    d.goto(href.as_str().unwrap());
    d.wait_ready();
    assert_eq!(d.visible_cards(), fails_with(reason));
    d.goto(&format!("{url}#verdict=pass"));
    d.wait_ready();
    assert_eq!(d.visible_cards(), n_pass);

    // sorted by the number of retake reasons: most first, and kept in the address
    d.goto(&url);
    d.wait_ready();
    d.click("#sort");
    d.click("#sort option[value='retakes']");
    let order = d.script(
        "return [...document.querySelectorAll('.card')].map(c => c.querySelectorAll('.chip.retake').length);",
    );
    let order: Vec<u64> = order
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] >= w[1]), "{order:?}");
    assert!(order[0] > 0);
    // chips read in words, retakes before the one quiet chip of what the output fixes
    let chips = d.script(
        "return [...document.querySelectorAll('.card')[0].querySelectorAll('.chip')].map(c => c.className + '|' + c.textContent);",
    );
    let chips: Vec<&str> = chips
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let first_fix = chips.iter().position(|c| c.starts_with("chip auto"));
    let last_retake = chips
        .iter()
        .rposition(|c| c.starts_with("chip retake"))
        .unwrap();
    assert!(first_fix.is_none_or(|f| f > last_retake), "{chips:?}");
    assert!(
        chips.iter().filter(|c| c.starts_with("chip auto")).count() <= 1,
        "{chips:?}"
    );
    for c in &chips {
        assert!(
            !c.contains('_') && c.chars().any(|ch| ch > '\u{2e80}'),
            "words, not codes: {c}"
        );
    }
    assert!(d
        .script("return location.href;")
        .as_str()
        .unwrap()
        .contains("sort=retakes"));
    d.click("#sort");
    d.click("#sort option[value='verdict']");
    let first = d.script("return document.querySelector('.card').dataset.verdict;");
    assert_eq!(first, json!("fail"));
    d.click("#sort");
    d.click("#sort option[value='name']");

    // a failing photo's detail: overlay, preview and the full bilingual check table
    d.goto(&format!("{url}#verdict=fail"));
    d.wait_ready();
    d.click(".card:not([hidden])");
    let detail = d.script(
        "const d = document.getElementById('detail'); return { open: d.open, \
         rows: d.querySelectorAll('#checks tbody tr').length, \
         failed: d.querySelectorAll('#checks tbody tr.fail').length, \
         imgs: [...d.querySelectorAll('figure img')].filter(i => i.complete && i.naturalWidth > 0).length, \
         text: d.innerText };",
    );
    assert_eq!(detail["open"], json!(true));
    let first_fail = rows.iter().find(|r| verdict(r) == "fail").unwrap();
    let checks = first_fail["report"]["checks"].as_array().unwrap();
    assert_eq!(detail["rows"].as_u64().unwrap() as usize, checks.len());
    let failed = checks
        .iter()
        .filter(|c| c["status"] == json!("fail"))
        .count();
    assert_eq!(detail["failed"].as_u64().unwrap() as usize, failed);
    assert_eq!(detail["imgs"], json!(2), "overlay and preview shown");
    let text = detail["text"].as_str().unwrap();
    let (zh, en) = first_fail["report"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == json!("fail"))
        .map(|c| {
            (
                c["reason"]["zh"].as_str().unwrap(),
                c["reason"]["en"].as_str().unwrap(),
            )
        })
        .unwrap();
    assert!(
        text.contains(zh) && text.contains(en),
        "{zh} / {en} not in the table: {text}"
    );
    d.screenshot(&shots.join("detail.png"));
    // the spec's guide lines over the preview: crown, eye-line and chin bands and the face
    // widths, in output pixels (cn/id-card: 358 × 441)
    let guides = d.script(
        "const s = document.querySelector('#d-body svg.guides'); \
         return s ? { box: s.getAttribute('viewBox'), rects: s.querySelectorAll('rect').length, \
         lines: s.querySelectorAll('line').length, shown: getComputedStyle(s).display !== 'none' } : null;",
    );
    assert_eq!(guides["box"], json!("0 0 358 441"), "{guides}");
    assert!(guides["rects"].as_u64().unwrap() >= 2 && guides["lines"].as_u64().unwrap() >= 8);
    assert_eq!(guides["shown"], json!(true));
    d.click("#t-guides");
    let hidden =
        d.script("return getComputedStyle(document.querySelector('#d-body svg.guides')).display;");
    assert_eq!(hidden, json!("none"), "the guides toggle hides them");
    d.click("#t-guides");
    // the landmarks toggle swaps the overlay for the one with the mesh points
    let before = d.script("return document.querySelector('#d-body img.overlay').src;");
    d.click("#t-landmarks");
    let after = d.script(
        "const i = document.querySelector('#d-body img.overlay'); \
         return new Promise(ok => { const f = () => (i.complete ? ok([i.src, i.naturalWidth]) : setTimeout(f, 50)); f(); });",
    );
    assert!(before.as_str().unwrap().contains("/overlay/"), "{before}");
    assert!(
        after[0].as_str().unwrap().contains("/landmarks/"),
        "{after}"
    );
    assert!(
        after[1].as_u64().unwrap() > 0,
        "the landmarks overlay loads: {after}"
    );
    d.screenshot(&shots.join("detail-guides-landmarks.png"));
    d.click("#t-landmarks");
    // the original at full size in the zoom layer
    d.click("#d-original");
    let zoomed = d.script(
        "const z = document.getElementById('zoom'), i = z.querySelector('img'); \
         return new Promise(ok => { const f = () => (i.complete ? ok([z.classList.contains('open'), i.naturalWidth]) : setTimeout(f, 50)); f(); });",
    );
    assert_eq!(zoomed[0], json!(true));
    assert_eq!(
        zoomed[1], first_fail["report"]["image"]["width"],
        "the original, full size"
    );
    d.click("#zoom img"); // 100 %
    d.screenshot(&shots.join("zoom.png"));
    d.click("#zoom-close");
    let open = d.script("return document.getElementById('zoom').classList.contains('open');");
    assert_eq!(open, json!(false));
    // the arrow button walks to the next visible photo
    d.click("#d-next");
    let name = d.script("return document.getElementById('d-name').textContent;");
    let second = rows.iter().filter(|r| verdict(r) == "fail").nth(1).unwrap();
    assert!(second["input"]
        .as_str()
        .unwrap()
        .ends_with(name.as_str().unwrap()));

    // decisions: reject this photo with a note, override one failing check; they survive a
    // reload (localStorage) and come out of the export with the tool's verdict beside them
    d.click("#d-decide button[data-v='reject']");
    d.script(
        "const n = document.getElementById('d-note'); n.value = '请重拍：露出耳朵'; \
         n.dispatchEvent(new Event('input')); return true;",
    );
    d.click("#checks tbody tr.fail input[type=checkbox]");
    d.goto(&format!("{url}#verdict=fail"));
    d.wait_ready();
    let rows_out = d.script("return window.idphotoReview.exportRows();");
    let exported = rows_out.as_array().unwrap();
    assert_eq!(exported.len(), 1, "{rows_out}");
    let e = &exported[0];
    assert_eq!(e["input"], second["input"]);
    assert_eq!(e["tool_verdict"], json!("fail"));
    assert_eq!(e["reviewer_verdict"], json!("reject"));
    assert_eq!(e["note"], json!("请重拍：露出耳朵"));
    assert_eq!(e["overridden_checks"].as_array().unwrap().len(), 1);
    let marked = d.script("return document.querySelectorAll('.card .mark.reject').length;");
    assert_eq!(marked, json!(1));
    // a second reviewer's export merges in: a newer decision wins, an older one does not
    let other = first_fail["input"].as_str().unwrap();
    let merged = d.script(&format!(
        "return window.idphotoReview.importJson(JSON.stringify({{decisions: [\
           {{input: {other:?}, reviewer_verdict: 'accept', overridden_checks: [], note: '', time: '2999-01-01T00:00:00Z'}}, \
           {{input: {second:?}, reviewer_verdict: 'accept', overridden_checks: [], note: '', time: '2000-01-01T00:00:00Z'}}]}}));",
        second = e["input"].as_str().unwrap()
    ));
    assert_eq!(merged, json!(1), "only the newer decision is taken");
    let after =
        d.script("return window.idphotoReview.exportRows().map(r => r.reviewer_verdict).sort();");
    assert_eq!(after, json!(["accept", "reject"]));

    // the retake slip of the rejected photo: Chinese first, every retake reason, the note
    let at = rows.iter().position(|r| r["input"] == e["input"]).unwrap();
    let slip = d.script(&format!("return window.idphotoReview.slip({at});"));
    let slip = slip.as_str().unwrap();
    assert!(slip.starts_with("照片不合格，请重新拍摄"), "{slip}");
    assert!(
        slip.contains("请重拍：露出耳朵"),
        "the reviewer's note: {slip}"
    );
    for c in second["report"]["checks"].as_array().unwrap() {
        if c["status"] == json!("fail") {
            let zh = c["reason"]["zh"].as_str().unwrap();
            assert!(slip.contains(zh), "{zh} missing from the slip: {slip}");
        }
    }

    // the export carried into a batch run: rows keep the tool's verdict and add the review
    let export = d.script("return JSON.stringify({decisions: window.idphotoReview.exportRows()});");
    let decisions = tmp.join("decisions.json");
    std::fs::write(&decisions, export.as_str().unwrap()).unwrap();
    drop(d);
    let rerun = tmp.join("rerun");
    let o = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["batch", "--spec", "test/smile-ok", "--specs"])
        .arg(&specs)
        .arg("--out-dir")
        .arg(&rerun)
        .arg("--decisions")
        .arg(&decisions)
        .arg(other)
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let row: Value = serde_json::from_str(
        std::fs::read_to_string(rerun.join("report.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(row["review"]["reviewer_verdict"], json!("accept"));
    assert_eq!(row["verdict"], json!("fail"), "the tool's verdict stays");
    let _ = std::fs::remove_dir_all(&tmp);
}

fn summary_reasons(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("summary.json")).unwrap_or_default()
}

/// A 10,000-row batch page (one real row repeated, every other one an unreadable photo): it
/// loads, shows every card, and filters. Prints how long the load and a filter took (the
/// numbers for the notes; no timing is asserted).
#[test]
#[ignore = "needs Chromium: bash scripts/review-test.sh (run by .ci/run)"]
fn ten_thousand_rows_load_and_filter() {
    let tmp = std::env::temp_dir().join(format!("idphoto-review10k-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let out = tmp.join("batch");
    let o = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["batch", "--spec", "cn/id-card", "--overlays", "--out-dir"])
        .arg(&out)
        .arg(common::fixture("photos/obama.jpg"))
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let jsonl = out.join("report.jsonl");
    let row: Value = serde_json::from_str(
        std::fs::read_to_string(&jsonl)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let mut lines = String::new();
    for i in 0..10_000 {
        let mut r = row.clone();
        let name = format!("/photos/p{i:05}.jpg");
        r["input"] = json!(name);
        r["key"] = json!(name);
        if i % 2 == 1 {
            r["verdict"] = json!("error");
            r["error"] = json!("corrupt or truncated image");
            r.as_object_mut().unwrap().remove("report");
        }
        lines.push_str(&serde_json::to_string(&r).unwrap());
        lines.push('\n');
    }
    std::fs::write(&jsonl, lines).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["review", "--out-dir"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let d = Driver::start(&tmp.join("chromium-profile"));
    d.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 1280, "height": 900})),
    );
    d.goto(&format!("file://{}", out.join("index.html").display()));
    d.wait_ready();
    let load_ms = d.script("return document.body.dataset.readyMs;");
    // every row counted, one page of cards made
    assert_eq!(
        d.script("return document.body.dataset.shown;"),
        json!("10000")
    );
    assert_eq!(
        d.script("return document.querySelectorAll('.card').length;"),
        json!(200)
    );
    let filter_ms = d.script(
        "const t = performance.now(); \
         document.querySelector(\"#verdicts button[data-verdict='fail']\").click(); \
         document.body.offsetHeight; return performance.now() - t;",
    );
    assert_eq!(
        d.script("return document.body.dataset.shown;"),
        json!("5000")
    );
    // the last page of the filtered photos holds the rest
    for _ in 0..24 {
        d.click("#page-next");
    }
    assert_eq!(
        d.script("return document.querySelectorAll('.card').length;"),
        json!(200)
    );
    assert!(d
        .script("return document.getElementById('page-of').textContent;")
        .as_str()
        .unwrap()
        .contains("25 / 25"));
    eprintln!("10,000-row page: loaded in {load_ms} ms, 'fail' filter in {filter_ms} ms");
    drop(d);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
#[ignore = "needs Chromium: bash scripts/review-test.sh (run by .ci/run)"]
fn evaluate_page_in_headless_chromium() {
    let tmp = std::env::temp_dir().join(format!("idphoto-evaluate-page-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    // labels a person might give the fixture photos: five checks, passes and fails
    let labels = json!({
        "obama.jpg": {"mouth_closed": "fail", "glare": "pass", "sharpness": "pass"},
        "grace_hopper.jpg": {"headwear": "fail", "glare": "pass", "sharpness": "pass"},
        "biden.jpg": {"mouth_closed": "pass", "glare": "pass", "sharpness": "pass"},
        "obama2.jpg": {"head_pose": "fail", "sharpness": "pass"},
        "astronaut.png": {"glare": "pass", "sharpness": "pass", "headwear": "pass"}
    });
    std::fs::write(tmp.join("labels.json"), labels.to_string()).unwrap();
    let page = tmp.join("page").join("evaluate.html");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(["evaluate", "--spec", "cn/id-card", "--labels"])
        .arg(tmp.join("labels.json"))
        .arg("--photos")
        .arg(common::fixture("photos"))
        .arg("--html")
        .arg(&page)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "offline: no web links"
    );

    let d = Driver::start(&tmp.join("profile"));
    d.goto(&format!("file://{}", page.display()));
    // a section per labelled check
    let sections = d.script("return [...document.querySelectorAll('section')].map(s => s.id);");
    let mut ids: Vec<String> = sections
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "glare",
            "head_pose",
            "headwear",
            "mouth_closed",
            "sharpness"
        ]
    );
    // sharpness: its judged value on a strip with a dot per labelled photo and the limit
    let dots = d.script(
        "const s=[...document.querySelectorAll('#sharpness .strip')].find(x=>x.querySelector('h3').textContent==='blur_px');\
         return s ? [s.querySelectorAll('circle').length, s.querySelectorAll('line').length] : null;",
    );
    assert_eq!(dots, json!([5, 1]), "the blur_px strip: dots, limit lines");
    // every dot links to its photo, relative to the page
    let hrefs = d
        .script("return [...document.querySelectorAll('svg a')].map(a => a.getAttribute('href'));");
    for h in hrefs.as_array().unwrap() {
        let h = h.as_str().unwrap();
        let name = h.rsplit('/').next().unwrap();
        assert!(
            common::fixture(&format!("photos/{name}")).exists(),
            "{h} does not name a fixture photo"
        );
        assert!(
            page.parent().unwrap().join(h).exists(),
            "{h} is not reachable from the page"
        );
    }
    // hovering a dot shows its overlay and what was measured
    let shown = d.script(
        "const a=document.querySelector('#mouth_closed svg a');\
         a.dispatchEvent(new MouseEvent('mouseenter'));\
         const p=document.getElementById('preview');\
         return [getComputedStyle(p).display, p.querySelector('img').src.slice(0,23), p.textContent];",
    );
    assert_eq!(shown[0], json!("block"));
    assert_eq!(shown[1], json!("data:image/jpeg;base64,"));
    assert!(shown[2].as_str().unwrap().contains("labelled"), "{shown}");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/review-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    d.screenshot(&shots.join("evaluate.png"));
    let _ = std::fs::remove_dir_all(&tmp);
}

impl Driver {
    /// A key pressed and released (a real keyboard event, as a reviewer's shortcut).
    fn press(&self, key: &str) {
        self.call(
            "POST",
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                    {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
                ]}]}),
            ),
        );
    }

    /// Types into an input.
    fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Waits until a script returns true.
    fn wait_for(&self, what: &str, js: &str) {
        let t0 = Instant::now();
        while self.script(js) != json!(true) {
            assert!(t0.elapsed() < Duration::from_secs(30), "waited for {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The receipt centre's reviewer page (`idphoto serve --db ...`, `/review`): sign in with the
/// token, claim with the button, accept with the `A` key, the slip shown; claim the next with
/// `N`, pick a reason chip, reject. Screenshots `centre-order.png` and `centre-slip.png`.
#[cfg(feature = "centre")]
#[test]
#[ignore = "needs Chromium: bash scripts/review-test.sh (run by .ci/run)"]
fn centre_review_page_in_headless_chromium() {
    let Some(photo) = common::shared_photo("hivision-test1.jpg") else {
        return;
    };
    let photo = std::fs::read(photo).unwrap();
    let tmp = std::env::temp_dir().join(format!("idphoto-centre-page-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let token = "page-reviewer-token-0123456789";
    std::fs::write(tmp.join("reviewers"), format!("carol {token}\n")).unwrap();
    std::fs::write(tmp.join("fetch"), "kiosk kiosk-token-0123456789\n").unwrap();
    let db = tmp.join("centre.sqlite");
    let server = common::server::Server::start(&[
        "--workers",
        "2",
        "--db",
        db.to_str().unwrap(),
        "--reviewers",
        tmp.join("reviewers").to_str().unwrap(),
        "--fetch-tokens",
        tmp.join("fetch").to_str().unwrap(),
    ]);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (ct, body) = common::server::multipart_body(
            &[
                ("spec", "cn/cet"),
                ("name", "王五"),
                ("id_number", "11010519491231002X"),
            ],
            Some(&photo),
        );
        let mut r = agent
            .post(&server.url("/v1/orders"))
            .header("content-type", &ct)
            .send(&body[..])
            .unwrap();
        assert_eq!(r.status(), 201);
        let v: Value = r.body_mut().read_json().unwrap();
        assert_eq!(v["state"], "awaiting_review");
        ids.push(v["id"].as_str().unwrap().to_owned());
    }

    let d = Driver::start(&tmp.join("profile"));
    d.call(
        "POST",
        "/window/rect",
        Some(json!({"width": 1400, "height": 1000})),
    );
    d.goto(&server.url("/review"));
    d.type_into("#token", token);
    d.click("#signin-form button");
    d.wait_for(
        "the desk",
        "return !document.getElementById('desk').classList.contains('hidden');",
    );
    // the page's own font draws Chinese on a machine without a CJK font
    d.wait_for(
        "the embedded font",
        "return document.fonts.check('16px idphoto-cjk', '照片回执审核');",
    );

    d.click("#next");
    d.wait_for(
        "the claimed order's photos and checks",
        "return ['img-output','img-original','img-overlay'].every(i => document.getElementById(i).naturalWidth > 0) \
         && document.querySelectorAll('#checks tbody tr').length > 5;",
    );
    let shown = d.script("return document.getElementById('o-idnumber').textContent;");
    assert_eq!(
        shown,
        json!("身份证号 1101**********002X"),
        "the ID number is masked"
    );
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/review-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    d.screenshot(&shots.join("centre-order.png"));

    d.press("a");
    d.wait_for(
        "the slip",
        "return !document.getElementById('slip').classList.contains('hidden') \
         && document.getElementById('slip-img').naturalWidth > 0;",
    );
    let number = d.script("return document.getElementById('slip-number').textContent;");
    let number = number.as_str().unwrap().to_owned();
    assert_eq!(number.len(), 18);
    d.screenshot(&shots.join("centre-slip.png"));

    d.press("n");
    d.wait_for(
        "the second order",
        "return !document.getElementById('order').classList.contains('hidden') \
         && document.getElementById('img-output').naturalWidth > 0;",
    );
    d.click(".chip[data-code='ears_covered']");
    d.click("#reject");
    d.wait_for(
        "the rejection",
        "return document.getElementById('message').textContent.includes('已退回');",
    );

    // what the page did is what the store holds
    let order = |id: &str| -> Value {
        let mut r = agent
            .get(&server.url(&format!("/v1/review/{id}")))
            .header("authorization", &format!("Bearer {token}"))
            .call()
            .unwrap();
        r.body_mut().read_json::<Value>().unwrap()["order"].clone()
    };
    let first = order(&ids[0]);
    assert_eq!(first["state"], "accepted");
    assert_eq!(first["receipt"]["number"], number.as_str());
    let second = order(&ids[1]);
    assert_eq!(second["state"], "rejected");
    assert_eq!(second["reasons"][0]["code"], "ears_covered");
    drop(d);
    drop(server);
    let _ = std::fs::remove_dir_all(&tmp);
}
