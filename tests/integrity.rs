//! A batch killed at three moments and resumed, and two runs started at once on one out-dir,
//! end with exactly one parseable row per distinct input. `IDPHOTO_INTEGRITY_N` sets the number
//! of inputs (default 120 in CI; the run used 500).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `n` inputs: every tenth a real photo (full analysis and an output), the rest small images
/// without a face (fast rows), so kills land mid-run.
fn inputs(dir: &Path, n: usize) {
    let photo = std::fs::read(common::fixture("photos/obama.jpg")).unwrap();
    for i in 0..n {
        let sub = dir.join(format!("part{}", i % 3));
        std::fs::create_dir_all(&sub).unwrap();
        if i % 10 == 0 {
            std::fs::write(sub.join(format!("p{i:04}.jpg")), &photo).unwrap();
        } else {
            let img = image::RgbImage::from_fn(160, 160, |x, y| {
                image::Rgb([(x + i as u32) as u8, (y * 2) as u8, (i * 7) as u8])
            });
            img.save(sub.join(format!("p{i:04}.png"))).unwrap();
        }
    }
}

fn spawn(root: &Path, out: &str, resume: bool) -> Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idphoto"));
    c.arg("batch")
        .current_dir(root)
        .args(["--spec", "cn/id-card", "--threads", "2", "--out-dir", out])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if resume {
        c.arg("--resume");
    }
    c.arg("in").spawn().unwrap()
}

fn line_count(p: &Path) -> usize {
    std::fs::read(p)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

/// Every line parses, and the rows' inputs are exactly the files under `in/`, once each.
fn assert_one_row_per_input(root: &Path, out: &str, n: usize) {
    let text = std::fs::read_to_string(root.join(out).join("report.jsonl")).unwrap();
    let mut seen = BTreeSet::new();
    for l in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("unparseable row ({e}): {l}"));
        let input = v["input"].as_str().unwrap().to_string();
        assert!(seen.insert(input.clone()), "two rows for {input}");
        if v["verdict"] == "pass" {
            let o = v["output"].as_str().unwrap();
            assert!(root.join(out).join(o).is_file(), "{o}");
        }
    }
    assert_eq!(seen.len(), n, "one row per input");
}

#[test]
fn killed_three_times_and_resumed_then_two_runs_at_once() {
    let n: usize = std::env::var("IDPHOTO_INTEGRITY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let root = std::env::temp_dir().join(format!("idphoto-integrity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    inputs(&root.join("in"), n);
    let jsonl = root.join("res/report.jsonl");
    let mut killed = 0;
    for (k, resume) in [(1, false), (2, true), (3, true)] {
        let mut child = spawn(&root, "res", resume);
        let target = n * k / 4;
        let t0 = Instant::now();
        while line_count(&jsonl) < target && t0.elapsed() < Duration::from_secs(120) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL: no cleanup runs
            killed += 1;
        }
        child.wait().unwrap();
    }
    assert!(killed >= 2, "the runs finished before they could be killed");
    let done = spawn(&root, "res", true).wait_with_output().unwrap();
    assert!(
        matches!(done.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_one_row_per_input(&root, "res", n);

    // two runs at once into a fresh out-dir (both with --resume, as a careless operator would)
    let a = spawn(&root, "res2", true);
    let b = spawn(&root, "res2", true);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    let refused = [&a, &b]
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("in use by process"))
        .count();
    // one ran to the end; the other was refused at once (or, started after the first had
    // finished, found nothing left to do)
    assert!(codes.iter().all(|c| matches!(c, Some(0..=2))), "{codes:?}");
    assert!(refused <= 1);
    assert_one_row_per_input(&root, "res2", n);
    let _ = std::fs::remove_dir_all(&root);
}
