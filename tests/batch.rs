//! `idphoto batch` end to end: one row per distinct input (unreadable ones included), every
//! verdict counted, outputs that belong to their rows, failed writes as error rows, torn lines,
//! locks, resume bookkeeping, and the review page over a batch folder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::Command;

/// The `idphoto` binary running subcommand `sub` (cargo builds the binary for the tests).
fn idphoto(sub: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idphoto"));
    c.arg(sub);
    c
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

/// `%XX` sequences back to bytes (the page's links are percent-encoded paths).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
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
    // specs/ holds test/smile-ok: the ID card without the mouth rule, so Obama passes
    let tmp = Scratch::new("batch");
    let (inputs, specs, out) = (tmp.path("in"), tmp.path("specs"), tmp.path("out"));
    std::fs::create_dir_all(inputs.join("nested")).unwrap();
    for p in ["obama.jpg", "grace_hopper.jpg", "obama_partial_face.jpg"] {
        std::fs::copy(
            common::fixture(&format!("photos/{p}")),
            inputs.join("nested").join(p),
        )
        .unwrap();
    }
    // a name a URL would misread: the review page must percent-encode its image links
    std::fs::copy(
        common::fixture("photos/grace_hopper.jpg"),
        inputs.join("we#ird 100%?.jpg"),
    )
    .unwrap();
    std::fs::write(inputs.join("broken.jpg"), b"not a photo").unwrap();
    let obama = std::fs::read(common::fixture("photos/obama.jpg")).unwrap();
    std::fs::write(inputs.join("truncated.jpg"), &obama[..obama.len() / 3]).unwrap();
    std::fs::write(inputs.join("notes.txt"), b"ignored: not an image extension").unwrap();
    let missing = tmp.path("missing.jpg");
    let run = |resume: bool| {
        let mut c = idphoto("batch");
        c.args(["--spec", "test/smile-ok", "--specs"])
            .arg(&specs)
            .arg("--out-dir")
            .arg(&out);
        if resume {
            c.arg("--resume");
        }
        let o = c.arg(&inputs).arg(&missing).output().unwrap();
        // three inputs cannot be read: exit 1, each named on stderr though it is no terminal
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        if !resume {
            for name in ["broken.jpg", "truncated.jpg", "missing.jpg"] {
                assert!(stderr.contains(name), "{name} not on stderr: {stderr}");
            }
        }
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    run(false);
    let r = rows(&out);
    assert_eq!(
        r.len(),
        7,
        "4 photos + 2 broken + 1 missing, the .txt skipped"
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
    assert_eq!(csv.lines().count(), 8, "header + one row per input");
    assert!(csv.lines().next().unwrap().contains("ears_visible"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["rows"], 7);
    // resume: nothing is checked again, no row is duplicated
    let stdout = run(true);
    assert!(stdout.starts_with("0 photos checked"), "{stdout}");
    assert_eq!(rows(&out).len(), 7);

    // the review page over this batch folder: the batch ran without --overlays, so the
    // readable photos are analysed again for their overlays and thumbnails
    let review = |extra: &[&str]| {
        let o = idphoto("review")
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
    assert_eq!(cards.len(), 7, "one card per row");
    for c in &cards {
        let readable = c["error"].is_null();
        for key in ["thumb", "overlay"] {
            assert_eq!(c[key].is_string(), readable, "{key} of {}", c["input"]);
            if let Some(url) = c[key].as_str() {
                assert!(!url.contains(['#', '?', ' ']), "{url}: not percent-encoded");
                let rel = percent_decode(url);
                assert!(image::open(out.join(&rel)).is_ok(), "{rel}");
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
}

/// A scratch folder with a `specs/` copy where Obama's smile passes (`test/smile-ok`), and a
/// second spec (`test/other`) for resume refusals.
struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let root = std::env::temp_dir().join(format!("idphoto-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let specs = root.join("specs");
        std::fs::create_dir_all(specs.join("cn")).unwrap();
        std::fs::create_dir_all(specs.join("test")).unwrap();
        let id_card = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs/cn/id-card.toml");
        std::fs::copy(id_card, specs.join("cn/id-card.toml")).unwrap();
        std::fs::write(
            specs.join("test/smile-ok.toml"),
            "extends = \"cn/id-card\"\nname = { zh = \"测试\", en = \"test\" }\n[checks.mouth_closed]\nenabled = false\n",
        )
        .unwrap();
        std::fs::write(
            specs.join("test/other.toml"),
            "extends = \"cn/id-card\"\nname = { zh = \"测试2\", en = \"test 2\" }\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("in")).unwrap();
        Scratch { root }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn put(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Runs `batch --spec SPEC --specs ... ARGS`; returns (exit code, stdout, stderr).
    fn batch(&self, spec: &str, args: &[&std::ffi::OsStr]) -> (i32, String, String) {
        let o = idphoto("batch")
            .current_dir(&self.root)
            .args(["--spec", spec, "--specs"])
            .arg(self.path("specs"))
            .args(args)
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn obama() -> Vec<u8> {
    std::fs::read(common::fixture("photos/obama.jpg")).unwrap()
}

/// Obama a little brighter, as PNG: a different photo that passes as well.
fn obama_brighter_png() -> Vec<u8> {
    let img = image::load_from_memory(&obama()).unwrap().brighten(6);
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn output_names_never_collide_and_each_row_owns_its_file() {
    let s = Scratch::new("names");
    s.put("in/a.jpg", &obama());
    s.put("in/a.png", &obama_brighter_png());
    s.put("in/sub/b.jpg", &obama());
    s.put("in/sub__b.jpg", &obama_brighter_png()[..]);
    let (code, _, err) = s.batch("test/smile-ok", &[os("--out-dir"), os("res"), os("in")]);
    assert_eq!(code, 0, "{err}");
    let r = rows(&s.path("res"));
    assert_eq!(r.len(), 4);
    let outputs: Vec<&str> = r
        .iter()
        .map(|x| x["output"].as_str().unwrap_or_else(|| panic!("{x}")))
        .collect();
    let distinct: std::collections::HashSet<_> = outputs.iter().collect();
    assert_eq!(distinct.len(), 4, "{outputs:?}");
    for x in &r {
        let input = x["input"].as_str().unwrap();
        let out = x["output"].as_str().unwrap();
        assert_eq!(x["verdict"], "pass");
        // the name keeps the input's path and extension
        let rel = input.trim_start_matches("in/");
        assert!(out.starts_with(&format!("out/{rel}")), "{input} -> {out}");
        assert!(s.path("res").join(out).is_file(), "{out}");
    }
    // a.jpg and a.png are different photos: their outputs differ
    let read = |i: &str| {
        let row = r.iter().find(|x| x["input"] == i).unwrap();
        std::fs::read(s.path("res").join(row["output"].as_str().unwrap())).unwrap()
    };
    assert_ne!(read("in/a.jpg"), read("in/a.png"));
    let files = std::fs::read_dir(s.path("res/out"))
        .unwrap()
        .chain(std::fs::read_dir(s.path("res/out/sub")).unwrap())
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count();
    assert_eq!(files, 4, "one file per passing row, no temporary leftovers");
}

#[test]
fn a_failed_write_is_that_rows_error_and_the_exit_code_says_so() {
    let s = Scratch::new("writefail");
    s.put("in/a.jpg", &obama());
    s.put("in/b.jpg", &obama());
    // out/a.jpg cannot be written: a non-empty folder stands where the file must go
    s.put("res/out/a.jpg/keep", b"x");
    let (code, _, err) = s.batch(
        "test/smile-ok",
        &[os("--out-dir"), os("res"), os("--resume"), os("in")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("out/a.jpg"), "stderr names the path: {err}");
    let r = rows(&s.path("res"));
    assert_eq!(r.len(), 2);
    let a = r.iter().find(|x| x["input"] == "in/a.jpg").unwrap();
    assert_eq!(a["verdict"], "error");
    assert!(a["output"].is_null());
    assert!(a["error"].as_str().unwrap().contains("out/a.jpg"), "{a}");
    let b = r.iter().find(|x| x["input"] == "in/b.jpg").unwrap();
    assert_eq!(b["verdict"], "pass");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("res/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["verdicts"]["error"], 1);
    assert_eq!(summary["spec"], "test/smile-ok");
}

#[cfg(unix)]
#[test]
fn a_full_disk_gives_error_rows_not_silent_passes() {
    // the file-size limit (RLIMIT_FSIZE) makes every write past 16 KiB fail with EFBIG, as a
    // full disk fails it: each output JPEG (> 16 KiB) cannot be written; the rows can
    let s = Scratch::new("fulldisk");
    s.put("in/a.jpg", &obama());
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec '{}' batch --spec test/other --specs specs --out-dir res in",
        env!("CARGO_BIN_EXE_idphoto")
    );
    let mut spec = std::fs::read_to_string(s.path("specs/test/other.toml")).unwrap();
    // test/other: the smile allowed and a file-size range a full-size JPEG lands in
    spec.push_str("[checks.mouth_closed]\nenabled = false\n[output]\nfile_size_kb = { min = 17.0, max = 60.0 }\n");
    s.put("specs/test/other.toml", spec.as_bytes());
    let o = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(&s.root)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let r = rows(&s.path("res"));
    assert_eq!(r.len(), 1, "{err}");
    assert_eq!(r[0]["verdict"], "error", "{}", r[0]);
    assert!(r[0]["output"].is_null());
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("out/a.jpg"), "{err}");
    assert!(!s.path("res/out/a.jpg").exists());
}

#[test]
fn resume_cuts_a_torn_last_line() {
    let s = Scratch::new("torn");
    s.put("in/broken1.jpg", b"not a photo");
    let (code, _, err) = s.batch("test/smile-ok", &[os("--out-dir"), os("res"), os("in")]);
    assert_eq!(code, 1, "{err}");
    // a crash (or a full disk) left half a line behind
    let jsonl = s.path("res/report.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&jsonl)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"input\":\"in/broken2.jpg\",\"ke").unwrap();
    drop(f);
    s.put("in/broken2.jpg", b"not a photo either");
    let (code, _, err) = s.batch(
        "test/smile-ok",
        &[os("--out-dir"), os("res"), os("--resume"), os("in")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("torn"), "{err}");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let parsed: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let inputs: Vec<&str> = parsed
        .iter()
        .map(|r| r["input"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["in/broken1.jpg", "in/broken2.jpg"]);
}

#[test]
fn a_second_run_into_a_locked_out_dir_is_refused() {
    let s = Scratch::new("lock");
    s.put("in/broken.jpg", b"not a photo");
    let lock = idphoto::batch::OutDirLock::acquire(&s.path("res")).unwrap();
    let (code, _, err) = s.batch("test/smile-ok", &[os("--out-dir"), os("res"), os("in")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("in use by process {}", std::process::id())),
        "{err}"
    );
    assert!(!s.path("res/report.jsonl").exists());
    drop(lock);
    let (code, _, err) = s.batch("test/smile-ok", &[os("--out-dir"), os("res"), os("in")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(rows(&s.path("res")).len(), 1);
}

#[test]
fn rows_are_keyed_by_file_not_by_spelling() {
    let s = Scratch::new("keys");
    s.put("in/a.jpg", &obama());
    s.put("in/sub/bad.jpg", b"not a photo");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", s.path("in/sub/loop")).unwrap();
        std::os::unix::fs::symlink("../a.jpg", s.path("in/sub/alias.jpg")).unwrap();
        std::os::unix::fs::symlink(s.path("in"), s.path("in/sub/loop2")).unwrap();
        let fifo = s.path("in/pipe.jpg");
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
    }
    let abs = s.path("in/a.jpg");
    // the out-dir inside the input folder; the same file named three ways
    let args = [
        os("--out-dir"),
        os("in/res"),
        os("in"),
        os("./in/a.jpg"),
        abs.as_os_str(),
    ];
    let (code, _, err) = s.batch("test/smile-ok", &args);
    assert_eq!(code, 1, "{err}");
    let r = rows(&s.path("in/res"));
    let inputs: Vec<&str> = r.iter().map(|x| x["input"].as_str().unwrap()).collect();
    let want = if cfg!(unix) { 3 } else { 2 }; // a.jpg, sub/bad.jpg, pipe.jpg
    assert_eq!(r.len(), want, "{inputs:?}");
    #[cfg(unix)]
    {
        let pipe = r.iter().find(|x| x["input"] == "in/pipe.jpg").unwrap();
        assert_eq!(pipe["verdict"], "error");
        assert!(pipe["error"].as_str().unwrap().contains("FIFO"));
    }
    // again, spelled differently, with the out-dir now full of outputs: nothing to do
    let again = [
        os("--out-dir"),
        os("in/res"),
        os("--resume"),
        os("./in/"),
        abs.as_os_str(),
    ];
    let (_, out, err) = s.batch("test/smile-ok", &again);
    assert!(out.starts_with("0 photos checked"), "{out}{err}");
    assert_eq!(rows(&s.path("in/res")).len(), want);
    // resuming with another spec is refused and changes nothing
    let (code, _, err) = s.batch("test/other", &again);
    assert_eq!(code, 2);
    assert!(
        err.contains("test/smile-ok") && err.contains("test/other"),
        "{err}"
    );
    assert_eq!(rows(&s.path("in/res")).len(), want);
    // a fresh run into the used out-dir is refused; --overwrite clears what the run owns
    let fresh = [os("--out-dir"), os("in/res"), os("in/sub/bad.jpg")];
    let (code, _, err) = s.batch("test/other", &fresh);
    assert_eq!(code, 2);
    assert!(err.contains("--overwrite"), "{err}");
    let mine = s.put("in/res/notes.txt", b"the user's own file");
    let mut over = fresh.to_vec();
    over.push(os("--overwrite"));
    let (_, _, err) = s.batch("test/other", &over);
    assert!(!s.path("in/res/out/a.jpg").exists(), "{err}");
    assert!(mine.exists(), "files the run does not own are kept");
    assert_eq!(rows(&s.path("in/res")).len(), 1, "only in/sub/bad.jpg");
}

#[test]
fn a_bad_out_dir_is_named() {
    let s = Scratch::new("badout");
    s.put("in/a.jpg", b"x");
    s.put("file", b"not a folder");
    let (code, _, err) = s.batch(
        "test/smile-ok",
        &[os("--out-dir"), os("file/res"), os("in")],
    );
    assert_eq!(code, 2);
    assert!(err.contains("file/res"), "{err}");
}

#[test]
fn check_names_a_bad_output_path_before_any_work() {
    for flag in ["--json", "--out", "--sheet", "--overlay"] {
        // the models folder does not exist either: the output path must be found first
        let o = idphoto("check")
            .args([
                "--spec",
                "cn/id-card",
                "--models",
                "/nonexistent-models",
                flag,
            ])
            .arg("/nonexistent-dir/r.out")
            .arg(common::fixture("photos/obama.jpg"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag}: {err}");
        assert!(err.contains("/nonexistent-dir/r.out"), "{flag}: {err}");
        assert!(!err.contains("nonexistent-models"), "{flag}: {err}");
    }
}

#[test]
fn files_not_checked_are_named_and_an_empty_run_is_not_a_success() {
    let s = Scratch::new("passed-over");
    let heic = s.path("in/IMG_0001.HEIC");
    std::fs::write(&heic, b"\x00\x00\x00\x18ftypheic").unwrap();
    std::fs::write(s.path("in/IMG_0002.heic"), b"\x00\x00\x00\x18ftypheic").unwrap();
    // a folder of HEIC files only: nothing checked, exit 1, each file named with the hint
    let o = idphoto("batch")
        .args(["--spec", "cn/id-card", "--out-dir"])
        .arg(s.path("out-heic"))
        .arg(s.path("in"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("IMG_0001.HEIC") && err.contains("IMG_0002.heic"),
        "{err}"
    );
    assert!(err.contains("export or convert them as JPEG"), "{err}");
    assert!(err.contains("nothing was checked"), "{err}");
    // an empty folder: the same
    std::fs::create_dir_all(s.path("empty")).unwrap();
    let o = idphoto("batch")
        .args(["--spec", "cn/id-card", "--out-dir"])
        .arg(s.path("out-empty"))
        .arg(s.path("empty"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // a mixed folder: the photo is checked, the HEIC and the text file are named
    std::fs::copy(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/photos/obama.jpg"),
        s.path("in/obama.jpg"),
    )
    .unwrap();
    std::fs::write(s.path("in/notes.txt"), b"hello").unwrap();
    let o = idphoto("batch")
        .args(["--spec", "cn/id-card", "--out-dir"])
        .arg(s.path("out-mixed"))
        .arg(s.path("in"))
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(out.contains("1 photos checked"), "{out}");
    assert!(out.contains("not checked: 3 files"), "{out}");
    // the summary: retakes first, in words, then the automatic fixes apart
    let retakes = out.find("retakes (a new photo is needed):").expect(&out);
    let fixes = out.find("fixed in the outputs:").expect(&out);
    assert!(retakes < fixes, "{out}");
    assert!(
        out.contains("(mouth_open)") || out.contains("(teeth_visible)"),
        "{out}"
    );
    assert!(err.contains("notes.txt: not named like a photo"), "{err}");
    assert!(
        err.contains("IMG_0001.HEIC: HEIC photos are not supported"),
        "{err}"
    );
}

/// `batch --overlays` writes everything the review page shows, a failing photo's re-framed
/// output among it: `review` over the folder then analyses nothing again and every readable
/// photo has its overlay, thumbnail and output or preview.
#[test]
fn a_batch_with_overlays_gives_the_review_page_every_preview() {
    let s = Scratch::new("overlay-previews");
    s.put("in/obama.jpg", &obama());
    s.put(
        "in/grace_hopper.jpg",
        &std::fs::read(common::fixture("photos/grace_hopper.jpg")).unwrap(),
    );
    let out = s.path("out");
    let o = idphoto("batch")
        .args(["--spec", "cn/id-card", "--overlays", "--out-dir"])
        .arg(&out)
        .arg(s.path("in"))
        .output()
        .unwrap();
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let rows = rows(&out);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(
            r["verdict"], "fail",
            "both photos need a retake for cn/id-card"
        );
        let preview = r["preview"]
            .as_str()
            .unwrap_or_else(|| panic!("no preview: {r}"));
        assert!(out.join(preview).is_file(), "{preview}");
    }
    let o = idphoto("review")
        .arg("--out-dir")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(!said.contains("analysing them again"), "{said}");
    for c in page_cards(&out) {
        for key in ["thumb", "overlay", "preview"] {
            assert!(c[key].is_string(), "{key} of {}", c["input"]);
        }
    }
}
