//! `idphoto batch`: files and folders in parallel into an out-dir ([`idphoto::batch::run`]),
//! with a progress bar and every error row on stderr. `review` shares the options and the run.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::batch::{BatchOptions, BatchRun, Row, RowVerdict};
use idphoto::checker::OutputPolicy;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{self, Common, Failure};

const USAGE: &str = "usage: idphoto batch --spec ID --out-dir DIR [OPTIONS] INPUT...";

const HELP: &str = "idphoto batch — check files and folders in parallel

usage: idphoto batch --spec ID --out-dir DIR [OPTIONS] INPUT...

INPUT is a photo or a folder (searched recursively for .jpg .jpeg .png .webp .tif .tiff .bmp
.gif). Writes DIR/report.jsonl (one JSON line per distinct input, appended once its images are
on disk), DIR/report.csv, DIR/summary.json and DIR/out/NAME (the output of every photo that
passes; NAME keeps the input's path under the folder given and its extension).

options:
COMMON
  --out-dir DIR     where the results go (required); refused when it holds another run's
                    results unless --resume or --overwrite
  --resume          continue an interrupted run in DIR (same spec only); inputs with a row
                    are skipped
  --overwrite       delete the previous run's files in DIR (and only those) first
  --threads N       photos checked at once (default: one per core)
  --overlays        also write DIR/overlay/, DIR/thumb/ and DIR/preview/ (the re-framed
                    output of a photo that fails) for `idphoto review`
  --decisions FILE  a reviewer's decisions exported from the review page (decisions.json):
                    each row of an input with a decision carries it in `review`, beside the
                    tool's verdict (never replacing it); report.csv gets reviewer_verdict and
                    reviewer_note columns
  -h, --help        this help

Files in the folders given that are not checked (HEIC, files not named like photos) are named
on stderr with why; hidden files are left out.

exit status: 0 every input has a pass or fail row, 1 some rows are errors (unreadable photo,
failed write; each is printed to stderr) or nothing was checked (no photo found), 2 the run could not start or stopped (bad arguments,
unknown spec, out-dir in use by another run or holding another spec's results)";

/// What to run.
pub struct Options {
    pub batch: BatchOptions,
    pub common: Common,
    pub threads: Option<usize>,
}

/// Parses the options `batch` and `review` share; `flag` takes a subcommand's own switches
/// (true when it knew the name). `Ok(None)` means `--help` was asked for.
pub fn parse_args(
    args: Vec<OsString>,
    mut flag: impl FnMut(&str) -> bool,
) -> Result<Option<Options>, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = cli::parser(args);
    let mut out_dir = None;
    let mut o = Options {
        batch: BatchOptions::default(),
        common: Common::default(),
        threads: None,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long(name) if Common::knows(name) => {
                let name = name.to_string();
                o.common.take(&name, &mut p)?;
            }
            Long("out-dir") => out_dir = Some(PathBuf::from(p.value()?)),
            Long("threads") => o.threads = Some(p.value()?.parse()?),
            Long("resume") => o.batch.resume = true,
            Long("decisions") => {
                let path = PathBuf::from(p.value()?);
                o.batch.decisions = idphoto::batch::read_decisions(&path)
                    .map_err(|e| lexopt::Error::Custom(Box::new(e)))?;
            }
            Long("overwrite") => o.batch.overwrite = true,
            Long("help") | Short('h') => return Ok(None),
            Long(name) if flag(name) => {}
            Value(v) => o.batch.inputs.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    o.batch.out_dir = out_dir.ok_or("missing --out-dir DIR")?;
    if o.batch.resume && o.batch.overwrite {
        return Err("--resume and --overwrite exclude each other".into());
    }
    if o.threads == Some(0) {
        return Err("--threads must be at least 1".into());
    }
    Ok(Some(o))
}

/// Retake reasons with their counts.
type Retakes = Vec<(idphoto::ReasonCode, usize)>;
/// Automatic fixes (by code) with their counts.
type Fixes = Vec<(String, usize)>;

/// The summary's reason counts split into retakes and automatic fixes (by each code's default
/// fix), each most frequent first; a code this build does not know (a row of another version)
/// is listed with the fixes, by its code.
fn split_reasons(reasons: &std::collections::BTreeMap<String, usize>) -> (Retakes, Fixes) {
    let mut retakes = Vec::new();
    let mut fixes = Vec::new();
    for (code, &n) in reasons {
        let known = idphoto::ReasonCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == code);
        match known {
            Some(c) if c.default_fix() == Some(idphoto::Fix::Auto) => fixes.push((code.clone(), n)),
            Some(c) => retakes.push((c, n)),
            None => fixes.push((code.clone(), n)),
        }
    }
    retakes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.as_str().cmp(b.0.as_str())));
    fixes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (retakes, fixes)
}

/// Files passed over that are named one by one; the rest are counted.
const PASSED_OVER_SHOWN: usize = 20;

pub fn main(args: Vec<OsString>) -> ExitCode {
    let mut overlays = false;
    let parsed = parse_args(args, |name| {
        overlays |= name == "overlays";
        name == "overlays"
    });
    let mut opts = match parsed {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{}", HELP.replace("COMMON", cli::COMMON_HELP));
            return ExitCode::SUCCESS;
        }
        Err(e) => return cli::fail(&e, Some(USAGE)),
    };
    if opts.batch.inputs.is_empty() {
        return cli::fail(&"no INPUT given", Some(USAGE));
    }
    opts.batch.overlays = overlays;
    // a batch for the review page: the re-framed output of a failing photo too, so the page
    // previews every photo without analysing it again
    opts.batch.previews |= overlays;
    // every file found in a folder that gets no row is named, with why
    let passed = idphoto::batch::passed_over(&opts.batch.inputs, Some(&opts.batch.out_dir));
    for (path, why) in passed.iter().take(PASSED_OVER_SHOWN) {
        eprintln!("not checked: {}: {why}", path.display());
    }
    if passed.len() > PASSED_OVER_SHOWN {
        eprintln!(
            "not checked: {} more files not named like photos or in formats idphoto cannot read",
            passed.len() - PASSED_OVER_SHOWN
        );
    }
    match run(&opts) {
        Ok(run) if run.summary.rows == 0 => {
            eprintln!(
                "error: nothing was checked: no photo (.{}) in {}{}",
                idphoto::batch::IMAGE_EXTENSIONS.join(" ."),
                opts.batch
                    .inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if passed.is_empty() {
                    String::new()
                } else {
                    format!("; {} files not checked (above)", passed.len())
                }
            );
            ExitCode::from(1)
        }
        Ok(run) => {
            let s = &run.summary;
            println!(
                "{} photos checked in {:.1} s ({:.2} photos/s), {} already done; {} rows in {}",
                run.checked,
                run.secs,
                run.checked as f64 / run.secs.max(1e-9),
                run.skipped,
                s.rows,
                opts.batch.out_dir.join("report.jsonl").display()
            );
            println!("verdicts: {}", counts(s.verdicts.iter()));
            if !passed.is_empty() {
                println!(
                    "not checked: {} files in the folders given (named on stderr)",
                    passed.len()
                );
            }
            // retakes first, in words; the automatic fixes apart and after
            let (retakes, fixes) = split_reasons(&s.reasons);
            if !retakes.is_empty() {
                println!("retakes (a new photo is needed):");
                for (code, n) in &retakes {
                    let (zh, en) = (code.zh(), code.en());
                    println!("  {n:>5}  {en} / {zh} ({})", code.as_str());
                }
            }
            if !fixes.is_empty() {
                println!(
                    "fixed in the outputs: {}",
                    counts(fixes.iter().map(|(c, n)| (c, n)))
                );
            }
            exit_code(&run)
        }
        Err(e) => cli::fail(&e, None),
    }
}

/// Runs the batch with a progress bar (on a terminal) and every error row on stderr (always).
/// The spec is looked up before any model loads.
pub fn run(opts: &Options) -> Result<BatchRun, Failure> {
    let (reg, spec) = opts.common.spec_checked()?;
    let mut batch = opts.batch.clone();
    batch.spec = spec;
    if let Some(n) = opts.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let policy = if batch.previews {
        OutputPolicy::Always
    } else {
        OutputPolicy::IfPass
    };
    let checker = opts.common.checker(reg, policy)?;
    let bar = ProgressBar::hidden();
    bar.set_style(ProgressStyle::with_template(
        "{spinner} {pos} photos checked  {per_sec}  {elapsed}",
    )?);
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    let on_row = |row: &Row| {
        bar.inc(1);
        if row.verdict() == RowVerdict::Error {
            let msg = format!(
                "error: {}: {}",
                row.input,
                row.error.as_deref().unwrap_or("")
            );
            bar.suspend(|| eprintln!("{msg}"));
        }
    };
    let run = idphoto::batch::run(&checker, &batch, &on_row);
    bar.finish_and_clear();
    let run = run?;
    if run.torn_bytes > 0 {
        eprintln!(
            "resume: cut a torn last line ({} bytes) from report.jsonl",
            run.torn_bytes
        );
    }
    Ok(run)
}

/// Counts as people read them: `fail 7, pass 1`.
pub fn counts<'a>(items: impl Iterator<Item = (&'a String, &'a usize)>) -> String {
    items
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 0 when every row is a pass or a fail, 1 when any row is an error.
pub fn exit_code(run: &BatchRun) -> ExitCode {
    if run.summary.errors() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
