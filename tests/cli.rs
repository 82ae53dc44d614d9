//! The `idphoto` command line as a new user meets it: help on every subcommand, a mistyped
//! spec caught before any model loads, the one-line verdict, JSON on stdout, user specs that
//! extend a built-in one, and `specs show` naming where each value came from.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A temporary folder, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let root = std::env::temp_dir().join(format!("idphoto-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        Scratch(root)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn idphoto(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idphoto"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn obama() -> String {
    common::fixture("photos/obama.jpg").display().to_string()
}

#[test]
fn every_subcommand_has_help_with_options_and_exit_codes() {
    let top = idphoto(&["--help"]);
    assert!(top.status.success());
    for cmd in ["check", "batch", "review", "specs", "evaluate", "serve"] {
        assert!(text(&top.stdout).contains(cmd), "top help lists {cmd}");
        let o = idphoto(&[cmd, "--help"]);
        let out = text(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{cmd} --help: {}",
            text(&o.stderr)
        );
        assert!(
            out.contains("options:"),
            "{cmd} --help lists options:\n{out}"
        );
        assert!(
            out.contains("exit status"),
            "{cmd} --help gives exit codes:\n{out}"
        );
        assert!(out.contains("--help"), "{cmd}");
    }
    // a mistyped subcommand gets a suggestion and status 2
    let o = idphoto(&["chek"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("did you mean `check`"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_mistyped_spec_is_caught_before_the_models_load() {
    // the models folder does not exist: reaching it would be a different error
    let o = idphoto(&[
        "check",
        "--spec",
        "cn/idcard",
        "--models",
        "/nonexistent-models",
        &obama(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `cn/id-card`?"), "{err}");
    assert!(!err.contains("nonexistent-models"), "{err}");
    let o = idphoto(&[
        "batch",
        "--spec",
        "cn/idcard",
        "--out-dir",
        "/tmp/x",
        &obama(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("did you mean `cn/id-card`?"));
}

#[test]
fn check_ends_with_one_verdict_line_and_json_goes_to_stdout_alone() {
    let o = idphoto(&["check", "--spec", "cn/id-card", &obama()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "Obama smiles with teeth: a retake"
    );
    let out = text(&o.stdout);
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("FAIL — retake: mouth_closed · fixed: "),
        "{last}"
    );
    assert!(
        last.contains("head_size") && last.contains("background_color"),
        "{last}"
    );
    // values read in their units, next to the spec's limit
    assert!(out.contains("face width "), "{out}");
    assert!(out.contains(" px (193–221 px)"), "{out}");
    // both mouth reasons, each with who fixes it
    assert!(out.contains("retake: mouth_open"), "{out}");
    assert!(out.contains("retake: teeth_visible"), "{out}");
    assert!(out.contains("fixed: head_too_small"), "{out}");

    let q = idphoto(&["check", "--spec", "cn/id-card", "-q", &obama()]);
    assert_eq!(text(&q.stdout).lines().collect::<Vec<_>>(), vec![last]);

    let j = idphoto(&["check", "--spec", "cn/id-card", "--json", "-", &obama()]);
    assert_eq!(j.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).expect("stdout is JSON alone");
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["spec"], "cn/id-card");
    let mouth = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "mouth_closed")
        .unwrap();
    assert_eq!(mouth["status"], "fail");
    assert_eq!(mouth["reason"]["code"], "mouth_open");
    assert_eq!(mouth["other_reasons"][0]["code"], "teeth_visible");
    // the limit's names are the spec's field names
    assert!(mouth["limit"]["max_openness"].is_number(), "{mouth}");
    assert!(mouth["limit"]["teeth_fail"].is_boolean(), "{mouth}");
    let head = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "head_size")
        .unwrap();
    assert_eq!(head["status"], "fixed");
    assert!(text(&j.stderr).contains("FAIL — retake: mouth_closed"));
}

#[test]
fn a_photo_without_a_face_prints_one_check_line() {
    let tmp = Scratch::new("cli-noface");
    let p = tmp.path("grey.png");
    image::RgbImage::from_pixel(400, 500, image::Rgb([128, 128, 128]))
        .save(&p)
        .unwrap();
    let o = idphoto(&["check", "--spec", "cn/id-card", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    // header, the face_count line, its reason, the verdict
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].contains("face_count"), "{out}");
    assert!(!out.contains("needs_one_face"), "{out}");
    assert_eq!(lines[3], "FAIL — retake: face_count");
}

/// A folder with one user spec that extends the built-in ID card and allows the smile.
fn user_specs(tmp: &Scratch) -> PathBuf {
    let dir = tmp.path("specs");
    std::fs::create_dir_all(dir.join("office")).unwrap();
    std::fs::write(
        dir.join("office/badge.toml"),
        "# Our office badge: the ID card's rules, a smile allowed.\nextends = \"cn/id-card\"\nname = { zh = \"工牌\", en = \"Office badge\" }\n[checks.mouth_closed]\nenabled = false\n",
    )
    .unwrap();
    dir
}

#[test]
fn user_specs_extend_the_built_in_ones_from_the_cli_and_the_api() {
    let tmp = Scratch::new("cli-userspec");
    let dir = user_specs(&tmp);
    let d = dir.to_str().unwrap();
    let o = idphoto(&[
        "check",
        "--specs",
        d,
        "--spec",
        "office/badge",
        "-q",
        &obama(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(text(&o.stdout).starts_with("PASS"), "{}", text(&o.stdout));

    let reg = idphoto::SpecRegistry::builtin_and_dir(&dir).unwrap();
    let badge = reg.get("office/badge").unwrap();
    let card = reg.get("cn/id-card").unwrap();
    assert_eq!(badge.output, card.output, "inherits the ID card's output");
    assert!(!badge.checks.mouth_closed.enabled);
    assert_eq!(reg.chain("office/badge")[1].0, "cn/id-card");
    let origins = reg.origins("office/badge").unwrap();
    assert_eq!(
        origins["checks.mouth_closed.enabled"],
        dir.join("office/badge.toml")
    );
    assert_eq!(
        origins["output.width_px"],
        std::path::Path::new("specs/cn/id-card.toml")
    );
    // the same through the checker's builder
    let checker = idphoto::Checker::builder()
        .specs_dir(&dir)
        .without_models()
        .build()
        .unwrap();
    assert!(checker.specs().get("office/badge").is_ok());
    assert!(checker.specs().get("cn/id-card").is_ok());

    // a broken file is an error naming the file and the field
    std::fs::write(
        dir.join("office/broken.toml"),
        "extends = \"cn/id-card\"\n[output]\ndpi = \"high\"\n",
    )
    .unwrap();
    let e = idphoto::SpecRegistry::builtin_and_dir(&dir)
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken.toml") && e.contains("output.dpi"), "{e}");
    let o = idphoto(&["specs", "--specs", d, "validate"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("output.dpi"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn specs_show_names_sources_and_where_each_value_came_from() {
    let tmp = Scratch::new("cli-show");
    let dir = user_specs(&tmp);
    let o = idphoto(&[
        "specs",
        "--specs",
        dir.to_str().unwrap(),
        "show",
        "office/badge",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("extends chain: office/badge"), "{out}");
    assert!(
        out.contains("Our office badge"),
        "the file's own notes: {out}"
    );
    assert!(
        out.contains("GA/T 461"),
        "the parent's cited sources: {out}"
    );
    let line = |k: &str| {
        out.lines()
            .find(|l| l.starts_with(k))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("width_px = 358").ends_with("# specs/cn/id-card.toml"),
        "{out}"
    );
    assert!(line("enabled = false").contains("badge.toml"), "{out}");
    // the output is TOML a user can start their own file from
    let body: String = out
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(body.parse::<toml::Table>().is_ok(), "{body}");

    let j = idphoto(&["specs", "show", "cn/id-card", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["spec"]["output"]["width_px"], 358);
    assert_eq!(v["origins"]["output.width_px"], "specs/cn/id-card.toml");
    assert!(v["sources"]["cn/id-card"]
        .as_str()
        .unwrap()
        .contains("GA/T 461"));
}

#[test]
fn specs_list_groups_by_country_and_document_and_filters_by_region() {
    let o = idphoto(&["specs", "list"]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(out.lines().any(|l| l == "cn"), "{out}");
    assert!(out.lines().any(|l| l == "  id-card"), "{out}");
    assert!(
        out.contains("cn/guangdong/shenzhen/id-card") && out.contains("[440300]"),
        "{out}"
    );
    let o = idphoto(&["specs", "list", "--region", "440300", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "cn/guangdong/shenzhen/id-card",
            "cn/guangdong/shenzhen/social-security"
        ]
    );
    assert_eq!(
        idphoto(&["specs", "list", "--region", "999999"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn check_given_a_folder_says_so_and_suggests_batch() {
    let dir = common::fixture("photos").display().to_string();
    let o = idphoto(&["check", "--spec", "cn/id-card", &dir]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("is a folder") && err.contains("idphoto batch"),
        "{err}"
    );
    // a spec id without its country gets the suggestion, not the list of every id
    let o = idphoto(&["check", "--spec", "id-card", &obama()]);
    let err = text(&o.stderr);
    assert!(err.contains("did you mean `cn/id-card`"), "{err}");
}
