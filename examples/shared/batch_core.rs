//! The command-line side of a batch run, shared by the `batch` and `review` examples: options,
//! the checker, a progress bar, and error rows on stderr. The run itself is
//! [`idphoto::batch::run`].
#![allow(dead_code)] // each example uses a different part

use std::path::{Path, PathBuf};

use idphoto::batch::{BatchOptions, BatchRun, Row, RowVerdict};
use idphoto::checker::OutputPolicy;
use idphoto::Checker;
use indicatif::{ProgressBar, ProgressStyle};

/// What to run.
pub struct Options {
    pub batch: BatchOptions,
    pub specs: Option<PathBuf>,
    pub models: Option<PathBuf>,
    pub threads: Option<usize>,
}

/// Parses the options `batch` and `review` share (`--spec --specs --models --out-dir --threads
/// --resume --overwrite`, `--help`, INPUT...); `flag` takes an example's own switches (true when
/// it knew the name). Returns the `--spec` given, if any, and the options with an empty `spec`.
pub fn parse_args(
    usage: &str,
    mut flag: impl FnMut(&str) -> bool,
) -> Result<(Option<String>, Options), lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let (mut spec, mut out_dir) = (None, None);
    let mut o = Options {
        batch: BatchOptions::default(),
        specs: None,
        models: None,
        threads: None,
    };
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => spec = Some(p.value()?.string()?),
            Long("specs") => o.specs = Some(PathBuf::from(p.value()?)),
            Long("models") => o.models = Some(PathBuf::from(p.value()?)),
            Long("out-dir") => out_dir = Some(PathBuf::from(p.value()?)),
            Long("threads") => o.threads = Some(p.value()?.parse()?),
            Long("resume") => o.batch.resume = true,
            Long("overwrite") => o.batch.overwrite = true,
            Long("help") | Short('h') => {
                println!("{usage}");
                std::process::exit(0);
            }
            Long(name) if flag(name) => {}
            Value(v) => o.batch.inputs.push(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    o.batch.out_dir = out_dir.ok_or("missing --out-dir DIR")?;
    if o.batch.resume && o.batch.overwrite {
        return Err("--resume and --overwrite exclude each other".into());
    }
    Ok((spec, o))
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

/// Runs the batch with a progress bar (on a terminal) and every error row on stderr (always).
pub fn run(opts: &Options) -> Result<BatchRun, Box<dyn std::error::Error>> {
    if let Some(n) = opts.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let policy = if opts.batch.previews {
        OutputPolicy::Always
    } else {
        OutputPolicy::IfPass
    };
    let checker = checker(opts.specs.as_deref(), opts.models.as_deref(), policy)?;
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
    let run = idphoto::batch::run(&checker, &opts.batch, &on_row);
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

/// The process exit code of a finished run: 0 when every row is a pass or a fail, 1 when any
/// row is an error.
pub fn exit_code(run: &BatchRun) -> std::process::ExitCode {
    if run.summary.errors() > 0 {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}
