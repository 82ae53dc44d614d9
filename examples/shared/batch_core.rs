//! The batch run shared by the `batch` and `review` examples: every photo checked in parallel
//! with one `Checker`, one JSON line per photo flushed as it goes, outputs (and, for review,
//! overlays, thumbnails and previews) written next to it, then `report.csv` and `summary.json`
//! rebuilt from the JSON lines, streaming.
#![allow(dead_code)] // each example uses a different part

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use idphoto::checker::OutputPolicy;
use idphoto::{CheckId, Checker, Report, Verdict};
use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// File extensions picked up when a folder is given.
pub const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif", "jfif",
];
/// Long side of a review thumbnail, px.
pub const THUMB_PX: u32 = 320;
/// Long side of a review overlay, px (keeps a 12-MP photo's overlay small).
pub const OVERLAY_PX: u32 = 1200;

/// One line of `report.jsonl`. Paths of written images are relative to the batch folder.
#[derive(Serialize, Deserialize, Clone)]
pub struct Row {
    /// The input path as given or found.
    pub input: String,
    /// `out/NAME.jpg`: the compliant output (photos that pass).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub output: Option<String>,
    /// `preview/NAME.jpg`: what the output would look like (photos that fail; review runs only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preview: Option<String>,
    /// `overlay/NAME.jpg`: the annotated photo (`--overlays` / review runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overlay: Option<String>,
    /// `thumb/NAME.jpg`: a small copy of the photo (`--overlays` / review runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub thumb: Option<String>,
    /// Why the photo could not be checked.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The report.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub report: Option<Report>,
}

/// What to run.
pub struct Options {
    pub spec: String,
    pub specs: Option<PathBuf>,
    pub models: Option<PathBuf>,
    pub out_dir: PathBuf,
    pub resume: bool,
    pub threads: Option<usize>,
    /// Also write `overlay/` and `thumb/` images for every photo.
    pub overlays: bool,
    /// Also write `preview/` outputs of photos that fail.
    pub previews: bool,
    pub inputs: Vec<PathBuf>,
}

/// Parses the options `batch` and `review` share (`--spec --specs --models --out-dir --threads
/// --resume`, `--help`, INPUT...); `flag` takes an example's own switches (true when it knew
/// the name). Returns the `--spec` given, if any, and the options with an empty `spec`.
pub fn parse_args(
    usage: &str,
    mut flag: impl FnMut(&str) -> bool,
) -> Result<(Option<String>, Options), lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let (mut spec, mut out_dir) = (None, None);
    let mut o = Options {
        spec: String::new(),
        specs: None,
        models: None,
        out_dir: PathBuf::new(),
        resume: false,
        threads: None,
        overlays: false,
        previews: false,
        inputs: Vec::new(),
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => spec = Some(p.value()?.string()?),
            Long("specs") => o.specs = Some(PathBuf::from(p.value()?)),
            Long("models") => o.models = Some(PathBuf::from(p.value()?)),
            Long("out-dir") => out_dir = Some(PathBuf::from(p.value()?)),
            Long("threads") => o.threads = Some(p.value()?.parse()?),
            Long("resume") => o.resume = true,
            Long("help") | Short('h') => {
                println!("{usage}");
                std::process::exit(0);
            }
            Long(name) if flag(name) => {}
            Value(v) => o.inputs.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    o.out_dir = out_dir.ok_or("missing --out-dir DIR")?;
    Ok((spec, o))
}

/// Counts over `report.jsonl`.
#[derive(Serialize, Default, Debug)]
pub struct Summary {
    pub rows: usize,
    pub verdicts: BTreeMap<String, usize>,
    pub reasons: BTreeMap<String, usize>,
}

/// Builds the checker the options ask for.
pub fn checker(
    specs: Option<&Path>,
    models: Option<&Path>,
    policy: OutputPolicy,
) -> idphoto::Result<Checker> {
    let mut b = Checker::builder().output(policy);
    if let Some(d) = specs {
        b = b.specs_dir(d);
    }
    if let Some(d) = models {
        b = b.models_dir(d);
    }
    b.build()
}

/// Files given, plus image files found (recursively, sorted) in folders given.
pub fn collect(inputs: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for i in inputs {
        if i.is_dir() {
            walk(i, &mut out);
        } else {
            out.push(i.clone()); // a missing or unreadable file still gets its row
        }
    }
    out
}

/// `a/b/photo.jpg` → `a__b__photo.jpg` (unique per input path).
pub fn output_name(input: &Path) -> String {
    let s = input.to_string_lossy().replace(['/', '\\', ':'], "__");
    let s = s
        .trim_start_matches('.')
        .trim_start_matches('_')
        .to_string();
    let stem = Path::new(&s).with_extension("");
    format!("{}.jpg", stem.display())
}

/// `img` scaled so that its long side is at most `max` px.
pub fn fit(img: &RgbImage, max: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= max {
        return img.clone();
    }
    let s = max as f64 / long as f64;
    let (tw, th) = (
        ((w as f64 * s).round() as u32).max(1),
        ((h as f64 * s).round() as u32).max(1),
    );
    idphoto::normalize::resize_exact(img, tw, th)
}

/// Writes `img` as a review JPEG under `dir/sub/name`; returns `sub/name`.
fn write_jpeg(dir: &Path, sub: &str, name: &str, img: &RgbImage) -> Result<String, String> {
    let bytes = idphoto::image_io::encode_jpeg(img, 85, 96, false).map_err(|e| e.to_string())?;
    let dst = dir.join(sub).join(name);
    std::fs::write(&dst, bytes).map_err(|e| format!("cannot write {}: {e}", dst.display()))?;
    Ok(format!("{sub}/{name}"))
}

/// Checks one photo and writes its images; never fails (an error becomes the row's error).
pub fn check_one(
    checker: &Checker,
    spec: &str,
    path: &Path,
    opts: &Options,
    bar: &ProgressBar,
) -> Row {
    let input = path.to_string_lossy().into_owned();
    let mut row = Row {
        input,
        output: None,
        preview: None,
        overlay: None,
        thumb: None,
        error: None,
        report: None,
    };
    let decoded = match idphoto::image_io::decode_path(path, checker.limits()) {
        Ok(d) => d,
        Err(e) => {
            row.error = Some(e.to_string());
            return row;
        }
    };
    let outcome = match checker.process(&decoded.image, spec) {
        Ok(o) => o,
        Err(e) => {
            row.error = Some(e.to_string());
            return row;
        }
    };
    let name = output_name(path);
    let note = |r: Result<String, String>| match r {
        Ok(p) => Some(p),
        Err(e) => {
            bar.println(e);
            None
        }
    };
    if let Some(enc) = &outcome.output {
        let pass = outcome.report.verdict == Verdict::Pass;
        if pass || opts.previews {
            let sub = if pass { "out" } else { "preview" };
            let dst = opts.out_dir.join(sub).join(&name);
            let written = std::fs::write(&dst, &enc.bytes)
                .map(|()| format!("{sub}/{name}"))
                .map_err(|e| format!("cannot write {}: {e}", dst.display()));
            if pass {
                row.output = note(written);
            } else {
                row.preview = note(written);
            }
        }
    }
    if opts.overlays {
        row.thumb = note(write_jpeg(
            &opts.out_dir,
            "thumb",
            &name,
            &fit(&decoded.image, THUMB_PX),
        ));
        if let Some(a) = &outcome.analysis {
            let drawn = idphoto::overlay::draw_report(
                &decoded.image,
                &outcome.report,
                a,
                outcome.plan.as_ref(),
            );
            row.overlay = note(write_jpeg(
                &opts.out_dir,
                "overlay",
                &name,
                &fit(&drawn, OVERLAY_PX),
            ));
        }
    }
    row.report = Some(outcome.report);
    row
}

/// Inputs already in `report.jsonl`.
pub fn done_inputs(jsonl: &Path) -> std::io::Result<HashSet<String>> {
    Ok(std::io::BufReader::new(std::fs::File::open(jsonl)?)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<Row>(&l).ok().map(|r| r.input))
        .collect())
}

/// Runs the batch; returns the number of photos checked in this run, the seconds it took and
/// the summary over the whole `report.jsonl`.
pub fn run(opts: &Options) -> Result<(usize, f64, Summary), Box<dyn std::error::Error>> {
    if let Some(n) = opts.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let mut subs = vec!["out"];
    if opts.overlays {
        subs.extend(["overlay", "thumb"]);
    }
    if opts.previews {
        subs.push("preview");
    }
    for s in subs {
        std::fs::create_dir_all(opts.out_dir.join(s))?;
    }
    let policy = if opts.previews {
        OutputPolicy::Always
    } else {
        OutputPolicy::IfPass
    };
    let checker = checker(opts.specs.as_deref(), opts.models.as_deref(), policy)?;
    checker.specs().get(&opts.spec)?;
    let jsonl = opts.out_dir.join("report.jsonl");
    let done = if opts.resume && jsonl.exists() {
        done_inputs(&jsonl)?
    } else {
        HashSet::new()
    };
    let todo: Vec<PathBuf> = collect(&opts.inputs)
        .into_iter()
        .filter(|p| !done.contains(&p.to_string_lossy().into_owned()))
        .collect();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(opts.resume)
        .write(true)
        .truncate(!opts.resume)
        .open(&jsonl)?;
    let writer = Mutex::new(BufWriter::new(file));
    let bar = ProgressBar::new(todo.len() as u64);
    bar.set_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} photos  {per_sec}  eta {eta}  {msg}",
    )?);
    if !done.is_empty() {
        bar.println(format!(
            "resuming: {} photos already in {}",
            done.len(),
            jsonl.display()
        ));
    }
    let started = std::time::Instant::now();
    todo.par_iter().try_for_each(|path| -> Result<(), String> {
        let row = check_one(&checker, &opts.spec, path, opts, &bar);
        let line = serde_json::to_string(&row).map_err(|e| e.to_string())?;
        {
            let mut w = writer.lock().map_err(|e| e.to_string())?;
            writeln!(w, "{line}")
                .and_then(|()| w.flush())
                .map_err(|e| e.to_string())?;
        }
        bar.inc(1);
        Ok(())
    })?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    drop(writer);
    let summary = write_csv_and_summary(&opts.out_dir)?;
    Ok((todo.len(), secs, summary))
}

/// The verdict column: `pass`, `fail` or `error`.
pub fn verdict_of(row: &Row) -> &'static str {
    match &row.report {
        Some(r) if r.verdict == Verdict::Pass => "pass",
        Some(_) => "fail",
        None => "error",
    }
}

/// Reason codes of the failed checks.
pub fn failing_reasons(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.is_broken())
        .filter_map(|c| c.reason.as_ref().map(|x| x.code.as_str().to_string()))
        .collect()
}

/// Rebuilds `report.csv` and `summary.json` from `report.jsonl`, streaming (flat memory).
pub fn write_csv_and_summary(dir: &Path) -> Result<Summary, Box<dyn std::error::Error>> {
    let reader = std::io::BufReader::new(std::fs::File::open(dir.join("report.jsonl"))?);
    let mut csv = BufWriter::new(std::fs::File::create(dir.join("report.csv"))?);
    let mut header = vec![
        "input".to_string(),
        "verdict".into(),
        "error".into(),
        "output".into(),
    ];
    header.extend(CheckId::ALL.iter().map(|c| c.as_str().to_string()));
    header.extend(
        [
            "yaw",
            "pitch",
            "roll",
            "face_width_px",
            "upscale",
            "background_delta_e",
            "failing_reasons",
        ]
        .map(String::from),
    );
    writeln!(csv, "{}", header.join(","))?;
    let mut summary = Summary::default();
    for line in reader.lines() {
        let line = line?;
        let Ok(row) = serde_json::from_str::<Row>(&line) else {
            continue;
        };
        summary.rows += 1;
        let verdict = verdict_of(&row);
        *summary.verdicts.entry(verdict.to_string()).or_default() += 1;
        let mut cells = vec![quote(&row.input)];
        match &row.report {
            Some(r) => {
                cells.extend([
                    verdict.to_string(),
                    String::new(),
                    row.output.clone().unwrap_or_default(),
                ]);
                for id in CheckId::ALL {
                    cells.push(
                        r.check(id)
                            .map(|c| format!("{:?}", c.status).to_lowercase())
                            .unwrap_or_default(),
                    );
                }
                let num = |id: CheckId, key: &str| {
                    r.check(id)
                        .and_then(|c| c.value.as_ref())
                        .and_then(|v| find_number(v, key))
                        .map(|v| format!("{v}"))
                        .unwrap_or_default()
                };
                cells.push(num(CheckId::HeadPose, "yaw"));
                cells.push(num(CheckId::HeadPose, "pitch"));
                cells.push(num(CheckId::HeadPose, "roll"));
                cells.push(num(CheckId::HeadSize, "face_width_px"));
                cells.push(num(CheckId::Resolution, "upscale"));
                cells.push(num(CheckId::BackgroundColor, "delta_e"));
                let reasons = failing_reasons(r);
                for code in &reasons {
                    *summary.reasons.entry(code.clone()).or_default() += 1;
                }
                cells.push(quote(&reasons.join(" ")));
            }
            None => {
                cells.extend([
                    "error".to_string(),
                    quote(row.error.as_deref().unwrap_or("")),
                    String::new(),
                ]);
                cells.extend(std::iter::repeat_n(String::new(), CheckId::ALL.len() + 7));
            }
        }
        writeln!(csv, "{}", cells.join(","))?;
    }
    csv.flush()?;
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    Ok(summary)
}

/// The first number under `key` in a measure (looks into "output" first for geometry).
fn find_number(m: &idphoto::Measure, key: &str) -> Option<f64> {
    match m {
        idphoto::Measure::Map(map) => {
            if let Some(idphoto::Measure::Number(n)) = map.get(key) {
                return Some(*n);
            }
            ["output", "uploaded"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| find_number(v, key)))
        }
        _ => None,
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
