//! The batch example end to end: one row per input (unreadable ones included), every verdict
//! counted, outputs for passing photos, and `--resume` adds no duplicate rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/NAME`, built by `cargo test` before the tests run.
fn example_bin(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let p = dir.join("examples").join(if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    });
    p.exists().then_some(p)
}

/// The cards embedded in `dir/index.html` (the page's JSON data block).
fn page_cards(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let data = html
        .split("<script type=\"application/json\" id=\"data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    serde_json::from_str(data).unwrap()
}

fn rows(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("report.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn batch_over_fixtures_and_broken_files() {
    let Some(bin) = example_bin("batch") else {
        panic!("the batch example is not built next to the tests (cargo test builds examples)");
    };
    let tmp = std::env::temp_dir().join(format!("idphoto-batch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (inputs, specs, out) = (tmp.join("in"), tmp.join("specs"), tmp.join("out"));
    std::fs::create_dir_all(inputs.join("nested")).unwrap();
    for p in ["obama.jpg", "grace_hopper.jpg", "obama_partial_face.jpg"] {
        std::fs::copy(
            common::fixture(&format!("photos/{p}")),
            inputs.join("nested").join(p),
        )
        .unwrap();
    }
    std::fs::write(inputs.join("broken.jpg"), b"not a photo").unwrap();
    let obama = std::fs::read(common::fixture("photos/obama.jpg")).unwrap();
    std::fs::write(inputs.join("truncated.jpg"), &obama[..obama.len() / 3]).unwrap();
    std::fs::write(inputs.join("notes.txt"), b"ignored: not an image extension").unwrap();
    // a spec where Obama's smile is allowed, so one photo passes
    std::fs::create_dir_all(specs.join("test")).unwrap();
    std::fs::create_dir_all(specs.join("cn")).unwrap();
    let id_card = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/cn/id-card.toml");
    std::fs::copy(id_card, specs.join("cn/id-card.toml")).unwrap();
    std::fs::write(
        specs.join("test/smile-ok.toml"),
        "# test spec: the ID card without the mouth rule\nextends = \"cn/id-card\"\nname = { zh = \"测试\", en = \"test\" }\n[checks.mouth_closed]\nenabled = false\n",
    )
    .unwrap();
    let missing = tmp.join("missing.jpg");
    let run = |resume: bool| {
        let mut c = Command::new(&bin);
        c.args(["--spec", "test/smile-ok", "--specs"])
            .arg(&specs)
            .arg("--out-dir")
            .arg(&out);
        if resume {
            c.arg("--resume");
        }
        let o = c.arg(&inputs).arg(&missing).output().unwrap();
        assert!(
            o.status.success(),
            "batch failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    run(false);
    let r = rows(&out);
    assert_eq!(
        r.len(),
        6,
        "3 photos + 2 broken + 1 missing, the .txt skipped"
    );
    let count = |v: &str| {
        r.iter()
            .filter(|x| match &x["report"] {
                serde_json::Value::Null => v == "error",
                rep => rep["verdict"] == v,
            })
            .count()
    };
    assert_eq!(count("pass"), 1, "obama passes the test spec");
    assert!(count("fail") >= 1 && count("error") == 3, "{r:?}");
    let passing = r.iter().find(|x| x["report"]["verdict"] == "pass").unwrap();
    let produced = out.join(passing["output"].as_str().unwrap());
    let img = image::open(&produced).unwrap();
    assert_eq!((img.width(), img.height()), (358, 441));
    let csv = std::fs::read_to_string(out.join("report.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "header + one row per input");
    assert!(csv.lines().next().unwrap().contains("ears_visible"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["rows"], 6);
    // resume: nothing is checked again, no row is duplicated
    let stdout = run(true);
    assert!(stdout.starts_with("0 photos checked"), "{stdout}");
    assert_eq!(rows(&out).len(), 6);

    // the review page over this batch folder: the batch ran without --overlays, so the
    // readable photos are analysed again for their overlays and thumbnails
    let review = |extra: &[&str]| {
        let bin = example_bin("review").expect("the review example is built");
        let o = Command::new(bin)
            .args(extra)
            .arg("--specs")
            .arg(&specs)
            .arg("--out-dir")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    review(&[]);
    let cards = page_cards(&out);
    assert_eq!(cards.len(), 6, "one card per row");
    for c in &cards {
        let readable = c["error"].is_null();
        for key in ["thumb", "overlay"] {
            assert_eq!(c[key].is_string(), readable, "{key} of {}", c["input"]);
            if let Some(rel) = c[key].as_str() {
                assert!(image::open(out.join(rel)).is_ok(), "{rel}");
            }
        }
        let pass = c["verdict"] == "pass";
        assert_eq!(c["output"].is_string(), pass);
        assert_eq!(c["preview"].is_string(), readable && !pass);
        assert_eq!(
            c["checks"].as_array().map_or(0, |a| a.len()) > 0,
            readable,
            "check table of {}",
            c["input"]
        );
    }
    // --single-file: every image inlined, nothing referenced next to the page
    review(&["--single-file"]);
    let cards = page_cards(&out);
    let mut images = 0;
    for c in &cards {
        for key in ["thumb", "overlay", "output", "preview"] {
            if let Some(src) = c[key].as_str() {
                assert!(
                    src.starts_with("data:image/jpeg;base64,"),
                    "{key}: {src:.40}"
                );
                images += 1;
            }
        }
    }
    assert!(
        images >= 3 * 3,
        "thumb, overlay and output/preview of 3 readable photos"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
