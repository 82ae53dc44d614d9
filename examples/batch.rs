//! Check every photo in files and folders in parallel, with one shared `Checker`.
//!
//! ```text
//! cargo run --release --example batch -- --spec ID [--specs DIR] [--models DIR] --out-dir DIR
//!     [--resume | --overwrite] [--threads N] [--overlays] INPUT...
//! ```
//! Writes `DIR/report.jsonl` (one line per distinct input, appended once its images are on
//! disk), `DIR/report.csv`, `DIR/summary.json` (spec, spec hash, counts per verdict and per
//! failing reason) and `DIR/out/NAME` (the compliant output of every photo that passes; NAME
//! keeps the input's path under the folder given and its extension). Every input gives exactly
//! one row, also when it cannot be read or its output cannot be written (`verdict: error`, also
//! printed to stderr). `--resume` continues an interrupted run; a fresh run into a folder that
//! holds a previous run's files is refused unless `--overwrite` (which deletes just those).
//! `--overlays` also writes `DIR/overlay/` and `DIR/thumb/` images, which the `review` example
//! turns into an HTML page without re-running the models.
//!
//! Exit codes: 0 every input has a pass or fail row; 1 some rows are errors (unreadable photo,
//! failed write); 2 the run could not start or stopped (bad arguments, unknown spec, out-dir in
//! use by another run or holding another spec's results, `report.jsonl` not writable).

#[path = "shared/batch_core.rs"]
mod batch_core;

use batch_core::Options;

const USAGE: &str = "usage: batch --spec ID [--specs DIR] [--models DIR] --out-dir DIR [--resume | --overwrite] [--threads N] [--overlays] INPUT...

exit codes: 0 all rows pass/fail, 1 some rows are errors, 2 the run could not start or stopped";

fn parse() -> Result<Options, lexopt::Error> {
    let mut overlays = false;
    let (spec, mut opts) = batch_core::parse_args(USAGE, |name| {
        overlays |= name == "overlays";
        name == "overlays"
    })?;
    if opts.batch.inputs.is_empty() {
        return Err("no INPUT given".into());
    }
    opts.batch.spec = spec.ok_or("missing --spec ID")?;
    opts.batch.overlays = overlays;
    Ok(opts)
}

fn main() -> std::process::ExitCode {
    let opts = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match batch_core::run(&opts) {
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
            println!("verdicts: {:?}", s.verdicts);
            println!("failing reasons: {:?}", s.reasons);
            batch_core::exit_code(&run)
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
