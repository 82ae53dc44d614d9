//! Check every photo in files and folders in parallel, with one shared `Checker`.
//!
//! ```text
//! cargo run --release --example batch -- --spec ID [--specs DIR] [--models DIR] --out-dir DIR
//!     [--resume] [--threads N] INPUT...
//! ```
//! Writes `DIR/report.jsonl` (one line per photo, flushed as it goes), `DIR/report.csv` (one row
//! per photo: verdict, each check's status, the main measured values), `DIR/out/NAME.jpg` (the
//! compliant output of every photo that passes) and `DIR/summary.json` (counts per verdict and per
//! failing reason). Every input gives exactly one row, also when it cannot be read (the row
//! carries the error). `--resume` skips photos already in `report.jsonl`.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use idphoto::checker::OutputPolicy;
use idphoto::{CheckId, Checker, Report, Status};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const USAGE: &str = "usage: batch --spec ID [--specs DIR] [--models DIR] --out-dir DIR [--resume] [--threads N] INPUT...";
const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif", "jfif",
];

#[derive(Serialize, Deserialize)]
struct Row {
    input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<Report>,
}

struct Args {
    spec: String,
    specs: Option<PathBuf>,
    models: Option<PathBuf>,
    out_dir: PathBuf,
    resume: bool,
    threads: Option<usize>,
    inputs: Vec<PathBuf>,
}

fn parse() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let (mut spec, mut specs, mut models, mut out_dir, mut threads) =
        (None, None, None, None, None);
    let mut resume = false;
    let mut inputs = Vec::new();
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => spec = Some(p.value()?.string()?),
            Long("specs") => specs = Some(PathBuf::from(p.value()?)),
            Long("models") => models = Some(PathBuf::from(p.value()?)),
            Long("out-dir") => out_dir = Some(PathBuf::from(p.value()?)),
            Long("resume") => resume = true,
            Long("threads") => threads = Some(p.value()?.parse()?),
            Long("help") | Short('h') => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) => inputs.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    if inputs.is_empty() {
        return Err("no INPUT given".into());
    }
    Ok(Args {
        spec: spec.ok_or("missing --spec ID")?,
        specs,
        models,
        out_dir: out_dir.ok_or("missing --out-dir DIR")?,
        resume,
        threads,
        inputs,
    })
}

fn main() -> std::process::ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Files given, plus image files found (recursively, sorted) in folders given.
fn collect(inputs: &[PathBuf]) -> Vec<PathBuf> {
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
fn output_name(input: &Path) -> String {
    let s = input.to_string_lossy().replace(['/', '\\', ':'], "__");
    let s = s
        .trim_start_matches('.')
        .trim_start_matches('_')
        .to_string();
    let stem = Path::new(&s).with_extension("");
    format!("{}.jpg", stem.display())
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    std::fs::create_dir_all(args.out_dir.join("out"))?;
    let mut b = Checker::builder().output(OutputPolicy::IfPass);
    if let Some(d) = &args.specs {
        b = b.specs_dir(d);
    }
    if let Some(d) = &args.models {
        b = b.models_dir(d);
    }
    let checker = b.build()?;
    checker.specs().get(&args.spec)?;
    let jsonl = args.out_dir.join("report.jsonl");
    let done: HashSet<String> = if args.resume && jsonl.exists() {
        std::io::BufReader::new(std::fs::File::open(&jsonl)?)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str::<Row>(&l).ok().map(|r| r.input))
            .collect()
    } else {
        HashSet::new()
    };
    let all = collect(&args.inputs);
    let todo: Vec<PathBuf> = all
        .into_iter()
        .filter(|p| !done.contains(&p.to_string_lossy().into_owned()))
        .collect();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(args.resume)
        .write(true)
        .truncate(!args.resume)
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
        let input = path.to_string_lossy().into_owned();
        let row = match checker.process_path(path, &args.spec) {
            Ok(outcome) => {
                let mut output = None;
                if let Some(enc) = &outcome.output {
                    let name = output_name(path);
                    let dst = args.out_dir.join("out").join(&name);
                    match std::fs::write(&dst, &enc.bytes) {
                        Ok(()) => output = Some(format!("out/{name}")),
                        Err(e) => bar.println(format!("cannot write {}: {e}", dst.display())),
                    }
                }
                Row {
                    input,
                    output,
                    error: None,
                    report: Some(outcome.report),
                }
            }
            Err(e) => Row {
                input,
                output: None,
                error: Some(e.to_string()),
                report: None,
            },
        };
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
    let summary = write_csv_and_summary(&args.out_dir)?;
    println!(
        "{} photos checked in {secs:.1} s ({:.2} photos/s); {} rows in {}",
        todo.len(),
        todo.len() as f64 / secs.max(1e-9),
        summary.rows,
        jsonl.display()
    );
    println!("verdicts: {:?}", summary.verdicts);
    println!("failing reasons: {:?}", summary.reasons);
    Ok(())
}

#[derive(Serialize, Default)]
struct Summary {
    rows: usize,
    verdicts: BTreeMap<String, usize>,
    reasons: BTreeMap<String, usize>,
}

/// Rebuilds `report.csv` and `summary.json` from `report.jsonl`, streaming (flat memory).
fn write_csv_and_summary(dir: &Path) -> Result<Summary, Box<dyn std::error::Error>> {
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
        let mut cells = vec![quote(&row.input)];
        match &row.report {
            Some(r) => {
                let verdict = format!("{:?}", r.verdict).to_lowercase();
                *summary.verdicts.entry(verdict.clone()).or_default() += 1;
                cells.extend([
                    verdict,
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
                let reasons: Vec<String> = r
                    .checks
                    .iter()
                    .filter(|c| c.status == Status::Fail)
                    .filter_map(|c| c.reason.as_ref().map(|x| x.code.as_str().to_string()))
                    .collect();
                for code in &reasons {
                    *summary.reasons.entry(code.clone()).or_default() += 1;
                }
                cells.push(quote(&reasons.join(" ")));
            }
            None => {
                *summary.verdicts.entry("error".into()).or_default() += 1;
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
