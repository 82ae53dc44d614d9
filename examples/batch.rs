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

use std::path::PathBuf;

use batch_core::Options;

const USAGE: &str = "usage: batch --spec ID [--specs DIR] [--models DIR] --out-dir DIR [--resume] [--threads N] [--overlays] INPUT...";

fn parse() -> Result<Options, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let (mut spec, mut specs, mut models, mut out_dir, mut threads) =
        (None, None, None, None, None);
    let (mut resume, mut overlays) = (false, false);
    let mut inputs = Vec::new();
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => spec = Some(p.value()?.string()?),
            Long("specs") => specs = Some(PathBuf::from(p.value()?)),
            Long("models") => models = Some(PathBuf::from(p.value()?)),
            Long("out-dir") => out_dir = Some(PathBuf::from(p.value()?)),
            Long("resume") => resume = true,
            Long("overlays") => overlays = true,
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
    Ok(Options {
        spec: spec.ok_or("missing --spec ID")?,
        specs,
        models,
        out_dir: out_dir.ok_or("missing --out-dir DIR")?,
        resume,
        threads,
        overlays,
        previews: false,
        inputs,
    })
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
