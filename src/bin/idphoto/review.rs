//! `idphoto review`: a static HTML review page over a batch — thumbnails in a grid, filters by
//! verdict and by failing reason, and per photo the annotated overlay, the output image and the
//! check table in Chinese and English. No server, no CDN: `DIR/index.html` works from disk.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine as _;
use idphoto::batch::{BatchOptions, Input, Row};
use idphoto::checker::OutputPolicy;
use idphoto::{display, CheckId, Checker};
use rayon::prelude::*;
use serde::Serialize;

use crate::batch::Options;
use crate::cli::{self, Failure};

const USAGE: &str = "usage: idphoto review --out-dir DIR [--spec ID [OPTIONS] INPUT...]";

const HELP: &str = "idphoto review — an HTML review page over a batch

usage: idphoto review --out-dir DIR                       (over a finished batch folder)
       idphoto review --out-dir DIR --spec ID INPUT...    (check the photos first)

Writes DIR/index.html: a thumbnail grid with filters by verdict and failing reason (kept in
the address: index.html#verdict=fail&reason=ears_covered) and per photo the overlay, the output
(or a preview when it fails) and the check table in Chinese and English. It works offline from
disk. Over a batch run without --overlays, the photos are analysed again for their overlays.

options:
COMMON
  --out-dir DIR     the batch folder (required)
  --threads N       photos checked at once (default: one per core)
  --resume          continue an interrupted run in DIR
  --overwrite       delete the previous run's files in DIR first
  --single-file     embed every image in index.html (one file to mail around; large)
  --decisions FILE  with INPUT: carry a reviewer's earlier decisions into the rows and the page

Decisions: per photo accept / reject, override single checks, a note; kept in the browser
(localStorage, per batch) and exported from the page as decisions.csv / decisions.json
(columns: input, spec, tool_verdict, reviewer_verdict, overridden_checks, note, time); an
export can be imported back on the page, so two reviewers can merge their work.
  -h, --help        this help

exit status: 0 the page was written, 2 error (bad arguments, no report.jsonl in DIR, unknown
spec, out-dir in use)";

struct Args {
    batch: Options,
    single_file: bool,
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    let mut single_file = false;
    let parsed = crate::batch::parse_args(args, |name| {
        single_file |= name == "single-file";
        name == "single-file"
    });
    let mut batch = match parsed {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{}", HELP.replace("COMMON", cli::COMMON_HELP));
            return ExitCode::SUCCESS;
        }
        Err(e) => return cli::fail(&e, Some(USAGE)),
    };
    if !batch.batch.inputs.is_empty() && batch.common.spec.is_none() {
        return cli::fail(&"checking INPUT needs --spec ID", Some(USAGE));
    }
    batch.batch.overlays = true;
    batch.batch.previews = true;
    match run(&Args { batch, single_file }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail(&e, None),
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let dir = &args.batch.batch.out_dir;
    if !args.batch.batch.inputs.is_empty() {
        let run = crate::batch::run(&args.batch)?;
        println!(
            "{} photos checked in {:.1} s; verdicts: {}",
            run.checked,
            run.secs,
            crate::batch::counts(run.summary.verdicts.iter())
        );
    } else if !dir.join("report.jsonl").exists() {
        return Err(format!(
            "{} has no report.jsonl: give INPUT photos (and --spec) or a batch folder",
            dir.display()
        )
        .into());
    }
    let rows = complete_rows(args)?;
    // the specs' names for the retake slip (a spec the registry lacks keeps its id)
    let reg = args.batch.common.registry().ok();
    let cards: Vec<Card> = rows
        .iter()
        .map(|r| {
            let mut c = card(r, dir, args.single_file);
            if let Some(s) = reg.as_ref().and_then(|g| g.get(&c.spec).ok()) {
                c.spec_name = format!("{} / {}", s.name.zh, s.name.en);
            }
            c
        })
        .collect();
    // the browser keeps decisions per batch: the folder and the spec name it
    let spec = cards
        .iter()
        .find(|c| !c.spec.is_empty())
        .map(|c| c.spec.clone())
        .unwrap_or_default();
    let folder = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
    let batch = format!("{}|{spec}", folder.display());
    // the guide lines of every spec on the page
    let guides: BTreeMap<String, Guides> = cards
        .iter()
        .filter_map(|c| {
            let s = reg.as_ref()?.get(&c.spec).ok()?;
            Some((c.spec.clone(), guides(s)))
        })
        .collect();
    let html = page(&cards, &batch, &spec, &guides)?;
    let index = dir.join("index.html");
    idphoto::files::write_atomic(&index, html.as_bytes())?;
    println!("{} photos on {}", cards.len(), index.display());
    Ok(())
}

/// The rows of `report.jsonl` (the last one per input wins), sorted by input path, with thumbnails and overlays made
/// for rows that lack them (a batch run without `--overlays`): those photos are analysed again.
fn complete_rows(args: &Args) -> Result<Vec<Row>, Failure> {
    let dir = &args.batch.batch.out_dir;
    let reader = std::io::BufReader::new(std::fs::File::open(dir.join("report.jsonl"))?);
    let mut by_input: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: Vec<Row> = Vec::new();
    for line in reader.lines() {
        let Ok(row) = serde_json::from_str::<Row>(&line?) else {
            continue;
        };
        match by_input.get(&row.identity()) {
            Some(&i) => rows[i] = row,
            None => {
                by_input.insert(row.identity(), rows.len());
                rows.push(row);
            }
        }
    }
    rows.sort_by(|a, b| a.input.cmp(&b.input));
    let missing = rows
        .iter()
        .filter(|r| r.report.is_some() && (r.thumb.is_none() || r.overlay.is_none()))
        .count();
    // (rows of an older batch have no landmarks overlay: the page then offers no toggle)
    if missing > 0 {
        println!("{missing} photos have no overlay: analysing them again");
        let reg = args.batch.common.registry()?;
        let checker = args.batch.common.checker(reg, OutputPolicy::Always)?;
        rows.par_iter_mut()
            .filter(|r| r.report.is_some() && (r.thumb.is_none() || r.overlay.is_none()))
            .for_each(|r| redo(&checker, r, args));
    }
    Ok(rows)
}

/// Re-analyses one photo for its overlay, keeping the batch's report.
fn redo(checker: &Checker, row: &mut Row, args: &Args) {
    let Some(spec) = row.report.as_ref().map(|r| r.spec.clone()) else {
        return;
    };
    let opts = BatchOptions {
        spec,
        out_dir: args.batch.batch.out_dir.clone(),
        overlays: true,
        previews: row.output.is_none(),
        ..BatchOptions::default()
    };
    let path = PathBuf::from(&row.input);
    let input = Input {
        relative: path.file_name().map(PathBuf::from).unwrap_or_default(),
        key: PathBuf::from(row.identity()),
        path,
        problem: None,
    };
    let name = row.name.clone().unwrap_or_else(|| {
        let ext = checker
            .specs()
            .get(&opts.spec)
            .map_or("jpg", |s| idphoto::batch::output_extension(s.output.format));
        idphoto::batch::output_name(&input, ext, true)
    });
    let fresh = idphoto::batch::check_one(checker, &opts, &input, &name);
    row.thumb = row.thumb.take().or(fresh.thumb);
    row.overlay = row.overlay.take().or(fresh.overlay);
    row.overlay_landmarks = row.overlay_landmarks.take().or(fresh.overlay_landmarks);
    if row.output.is_none() {
        row.preview = row.preview.take().or(fresh.preview);
    }
}

/// What the page shows of one photo.
#[derive(Serialize)]
struct Card {
    name: String,
    input: String,
    verdict: &'static str,
    /// Whether a failure needs a new photo (not only automatic fixes).
    retake: bool,
    /// Whether the output fixes something.
    fixed: bool,
    /// The one-line verdict (`FAIL — retake: ... · fixed: ...`).
    summary: String,
    /// A reviewer's decision carried in the row (`--decisions`).
    review: Option<idphoto::batch::Decision>,
    error: Option<String>,
    spec: String,
    /// The spec's name, Chinese / English.
    spec_name: String,
    size: String,
    thumb: Option<String>,
    overlay: Option<String>,
    /// The overlay with the mesh landmarks (the page's landmarks toggle).
    landmarks: Option<String>,
    /// The photo itself, full size (a `file:` URL: the page opens it from disk).
    original: Option<String>,
    output: Option<String>,
    preview: Option<String>,
    /// Number of checks that need a new photo (the page sorts by it; one chip each).
    retakes: usize,
    reasons: Vec<ReasonOnCard>,
    checks: Vec<CheckRow>,
}

#[derive(Serialize)]
struct ReasonOnCard {
    code: String,
    zh: String,
    en: String,
    /// The check's title (`耳朵可见` / `Ears visible`): what the chip says.
    tzh: &'static str,
    ten: &'static str,
    retake: bool,
}

#[derive(Serialize)]
struct CheckRow {
    id: &'static str,
    zh: &'static str,
    en: &'static str,
    status: &'static str,
    value: String,
    limit: String,
    code: String,
    rzh: String,
    ren: String,
    fix: &'static str,
}

fn status_str(s: idphoto::Status) -> &'static str {
    use idphoto::Status;
    match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Fixed => "fixed",
        Status::Warn => "warn",
        Status::NotApplicable => "n/a",
    }
}

/// An image for the page: its path relative to `dir`, or a data URI in single-file mode.
fn src(dir: &Path, rel: &Option<String>, embed: bool) -> Option<String> {
    let rel = rel.as_ref()?;
    if !embed {
        return dir.join(rel).exists().then(|| url_path(rel));
    }
    let bytes = std::fs::read(dir.join(rel)).ok()?;
    Some(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// A relative file path as a URL path: every byte outside `A–Z a–z 0–9 - . _ ~ /`
/// percent-encoded, so `#`, `?`, `%` and spaces in file names do not end or bend the link.
pub(crate) fn url_path(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len());
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The input photo as a `file:` URL (absolute, percent-encoded), when it still exists.
pub(crate) fn original_url(input: &str) -> Option<String> {
    let abs = std::fs::canonicalize(input).ok()?;
    let path = abs.to_string_lossy().replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    Some(format!("file://{}", url_path(&path)))
}

/// Where the spec's geometry puts the output's guide lines, in output pixels: the page draws
/// them over the output and the preview.
#[derive(Serialize)]
struct Guides {
    width: u32,
    height: u32,
    /// Crown (top of the hair) band, from the top edge.
    crown: Option<[f64; 2]>,
    /// Eye-line band, from the top edge.
    eyes: Option<[f64; 2]>,
    /// Chin band, from the top edge.
    chin: Option<[f64; 2]>,
    /// Face width, smallest and largest, centred.
    face_width: Option<[f64; 2]>,
}

/// The guides of `spec`.
fn guides(spec: &idphoto::PhotoSpec) -> Guides {
    let g = &spec.geometry;
    let h = f64::from(spec.output.height_px);
    let band = |r: &Option<idphoto::spec::Range>, from_bottom: bool| -> Option<[f64; 2]> {
        let r = r.as_ref()?;
        // a bound given on one side only is drawn as one line
        let (lo, hi) = (r.min.or(r.max)?, r.max.or(r.min)?);
        Some(if from_bottom {
            [h - hi, h - lo]
        } else {
            [lo, hi]
        })
    };
    Guides {
        width: spec.output.width_px,
        height: spec.output.height_px,
        crown: band(&g.crown_margin_px, false),
        eyes: band(&g.eye_line_from_bottom_px, true),
        chin: band(&g.chin_from_bottom_px, true),
        face_width: g
            .face_width_px
            .as_ref()
            .and_then(|r| Some([r.min?, r.max?])),
    }
}

fn card(row: &Row, dir: &Path, embed: bool) -> Card {
    let name = Path::new(&row.input)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| row.input.clone());
    let mut c = Card {
        name,
        input: row.input.clone(),
        verdict: row.verdict().as_str(),
        retake: false,
        fixed: false,
        summary: String::new(),
        review: row.review.clone(),
        error: row.error.clone(),
        spec: String::new(),
        spec_name: String::new(),
        size: String::new(),
        thumb: src(dir, &row.thumb, embed),
        overlay: src(dir, &row.overlay, embed),
        landmarks: src(dir, &row.overlay_landmarks, embed),
        original: original_url(&row.input),
        output: src(dir, &row.output, embed),
        preview: src(dir, &row.preview, embed),
        retakes: 0,
        reasons: Vec::new(),
        checks: Vec::new(),
    };
    let Some(r) = &row.report else {
        return c;
    };
    c.spec = r.spec.clone();
    c.summary = display::summary_line(r);
    c.fixed = r.fixed().next().is_some();
    c.size = format!("{}×{}", r.image.width, r.image.height);
    for chk in &r.checks {
        let (zh, en) = chk.id.title();
        let reason = chk.reason.as_ref();
        if chk.is_broken() {
            for x in chk.reasons() {
                // one chip per reason code (a check may break two limits with one code)
                if c.reasons.iter().any(|r| r.code == x.code.as_str()) {
                    continue;
                }
                c.reasons.push(ReasonOnCard {
                    code: x.code.as_str().to_string(),
                    zh: x.zh.clone(),
                    en: x.en.clone(),
                    tzh: zh,
                    ten: en,
                    retake: chk.needs_retake(),
                });
            }
            // the page sorts by checks that need a new photo, as its chips show them
            c.retakes += usize::from(chk.needs_retake());
            c.retake |= chk.needs_retake();
        }
        c.checks.push(CheckRow {
            id: chk.id.as_str(),
            zh,
            en,
            status: status_str(chk.status),
            value: display::value_text(chk),
            limit: chk
                .reasons()
                .filter_map(|x| x.detail.clone())
                .collect::<Vec<_>>()
                .join("; "),
            code: reason
                .map(|x| x.code.as_str().to_string())
                .unwrap_or_default(),
            rzh: chk
                .reasons()
                .map(|x| x.zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            ren: chk
                .reasons()
                .map(|x| x.en.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            fix: match reason.and_then(|x| x.fix) {
                Some(idphoto::Fix::Auto) => "auto",
                Some(idphoto::Fix::Retake) => "retake",
                None => "",
            },
        });
    }
    debug_assert!(c.checks.len() <= CheckId::ALL.len());
    c
}

/// The page: one HTML file with its style, script and data inline.
fn page(
    cards: &[Card],
    batch: &str,
    spec: &str,
    guides: &BTreeMap<String, Guides>,
) -> Result<String, serde_json::Error> {
    // `<` escaped so no string in the data can close the script element
    // and `*` escaped so no string can hold a `/*META*/` or `/*DATA*/` placeholder
    let esc = |s: String| {
        s.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('*', "\\u002a")
    };
    let data = esc(serde_json::to_string(cards)?);
    let meta = esc(serde_json::to_string(
        &serde_json::json!({ "batch": batch, "spec": spec, "guides": guides }),
    )?);
    // the font first: its base64 holds no placeholder, and the data is put in after it
    let font = base64::engine::general_purpose::STANDARD.encode(idphoto::overlay::label_font());
    Ok(TEMPLATE
        .replace("/*FONT*/", &font)
        .replace("/*DATA*/", &data)
        .replace("/*META*/", &meta))
}

const TEMPLATE: &str = include_str!("review.html");
