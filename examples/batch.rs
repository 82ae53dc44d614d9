//! Check every photo in files and folders in parallel, with one shared `Checker`.
//!
//! ```text
//! cargo run --release --example batch -- --spec ID [--specs DIR] [--models DIR] --out-dir DIR
//!     [--resume] [--threads N] [--overlays] INPUT...
//! ```
//! Writes `DIR/report.jsonl` (one line per photo, flushed as it goes), `DIR/report.csv` (one row
//! per photo: verdict, each check's status, the main measured values), `DIR/out/NAME.jpg` (the
//! compliant output of every photo that passes) and `DIR/summary.json` (counts per verdict and per
//! failing reason). Every input gives exactly one row, also when it cannot be read (the row
//! carries the error). `--resume` skips photos already in `report.jsonl`. `--overlays` also
//! writes `DIR/overlay/NAME.jpg` (failed checks outlined) and `DIR/thumb/NAME.jpg` for every
//! photo, which the `review` example turns into an HTML page without re-running the models.

#[path = "shared/batch_core.rs"]
mod batch_core;

use batch_core::Options;

const USAGE: &str = "usage: batch --spec ID [--specs DIR] [--models DIR] --out-dir DIR [--resume] [--threads N] [--overlays] INPUT...";

fn parse() -> Result<Options, lexopt::Error> {
    let mut overlays = false;
    let (spec, mut opts) = batch_core::parse_args(USAGE, |name| {
        overlays |= name == "overlays";
        name == "overlays"
    })?;
    if opts.inputs.is_empty() {
        return Err("no INPUT given".into());
    }
    opts.spec = spec.ok_or("missing --spec ID")?;
    opts.overlays = overlays;
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
        Ok((n, secs, summary)) => {
            println!(
                "{n} photos checked in {secs:.1} s ({:.2} photos/s); {} rows in {}",
                n as f64 / secs.max(1e-9),
                summary.rows,
                opts.out_dir.join("report.jsonl").display()
            );
            println!("verdicts: {:?}", summary.verdicts);
            println!("failing reasons: {:?}", summary.reasons);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
