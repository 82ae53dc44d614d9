//! Check one photo against a spec and optionally write the compliant output image.
//!
//! ```text
//! cargo run --release --example check -- --spec ID [--specs DIR] [--models DIR]
//!     [--out OUT.jpg] [--json REPORT.json] [--sheet SHEET.jpg] [--overlay OVERLAY.png] [--timings]
//!     [--always-output] PHOTO
//! ```
//! Prints the verdict and one line per check. `--sheet` also writes a 6-inch print sheet of the
//! output (as many copies as fit, with cut marks); `--overlay` an annotated copy of the photo.
//! Exit status: 0 pass, 1 fail, 2 error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::checker::OutputPolicy;
use idphoto::files::write_atomic;
use idphoto::{Checker, Status, Verdict};

struct Args {
    spec: String,
    specs: Option<PathBuf>,
    models: Option<PathBuf>,
    out: Option<PathBuf>,
    json: Option<PathBuf>,
    sheet: Option<PathBuf>,
    overlay: Option<PathBuf>,
    always_output: bool,
    timings: bool,
    photo: PathBuf,
}

const USAGE: &str = "usage: check --spec ID [--specs DIR] [--models DIR] [--out OUT.jpg] [--json REPORT.json] [--sheet SHEET.jpg] [--overlay OVERLAY.png] [--always-output] [--timings] PHOTO";

fn parse() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_env();
    let (mut spec, mut specs, mut models, mut out, mut json, mut photo) =
        (None, None, None, None, None, None);
    let (mut always_output, mut timings) = (false, false);
    let (mut sheet, mut overlay) = (None, None);
    while let Some(arg) = p.next()? {
        match arg {
            Long("spec") => spec = Some(p.value()?.string()?),
            Long("specs") => specs = Some(PathBuf::from(p.value()?)),
            Long("models") => models = Some(PathBuf::from(p.value()?)),
            Long("out") => out = Some(PathBuf::from(p.value()?)),
            Long("json") => json = Some(PathBuf::from(p.value()?)),
            Long("sheet") => sheet = Some(PathBuf::from(p.value()?)),
            Long("overlay") => overlay = Some(PathBuf::from(p.value()?)),
            Long("always-output") => always_output = true,
            Long("timings") => timings = true,
            Long("help") | Short('h') => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) if photo.is_none() => photo = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Args {
        spec: spec.ok_or("missing --spec ID")?,
        specs,
        models,
        out,
        json,
        sheet,
        overlay,
        always_output,
        timings,
        photo: photo.ok_or("missing PHOTO")?,
    })
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<Verdict, Box<dyn std::error::Error>> {
    // with `--json -` stdout carries the JSON report alone; the readable lines go to stderr
    let json_to_stdout = args.json.as_ref().is_some_and(|j| j.as_os_str() == "-");
    macro_rules! say {
        ($($t:tt)*) => {
            if json_to_stdout {
                eprintln!($($t)*)
            } else {
                println!($($t)*)
            }
        };
    }
    // a bad output path is found before the models load and the photo is analysed
    for p in [&args.out, &args.sheet, &args.overlay, &args.json]
        .into_iter()
        .flatten()
        .filter(|p| p.as_os_str() != "-")
    {
        idphoto::files::check_writable(p)?;
    }
    let mut b = Checker::builder();
    if let Some(d) = &args.specs {
        b = b.specs_dir(d);
    }
    if let Some(d) = &args.models {
        b = b.models_dir(d);
    }
    let policy = match (
        args.out.is_some() || args.sheet.is_some(),
        args.always_output,
    ) {
        (false, _) => OutputPolicy::Never,
        (true, true) => OutputPolicy::Always,
        (true, false) => OutputPolicy::IfPass,
    };
    let checker = b.output(policy).build()?;
    let outcome = checker.process_path(&args.photo, &args.spec)?;
    let r = &outcome.report;
    let verdict = match r.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
    };
    say!(
        "{}  {}  {}x{}  {verdict}",
        args.photo.display(),
        r.spec,
        r.image.width,
        r.image.height
    );
    for c in &r.checks {
        let mark = match c.status {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Fixed => "fix ",
            Status::Warn => "warn",
            Status::NotApplicable => "n/a ",
        };
        let value = c.value.as_ref().map(|v| v.to_string()).unwrap_or_default();
        let limit = c
            .limit
            .as_ref()
            .map(|v| format!("  [limit {v}]"))
            .unwrap_or_default();
        let reason = c
            .reason
            .as_ref()
            .map(|r| {
                let fix = match r.fix {
                    Some(idphoto::Fix::Auto) => " (fixed automatically)",
                    Some(idphoto::Fix::Retake) => " (retake)",
                    None => "",
                };
                format!("\n        {}: {} / {}{fix}", r.code, r.zh, r.en)
            })
            .unwrap_or_default();
        say!("  {mark}  {:<18} {value}{limit}{reason}", c.id.as_str());
    }
    match &args.json {
        Some(j) if j.as_os_str() == "-" => println!("{}", r.to_json()),
        Some(j) => {
            write_atomic(j, r.to_json().as_bytes())?;
            say!("report written to {}", j.display());
        }
        None => {}
    }
    if let Some(o) = &args.out {
        match (&outcome.output, &r.output) {
            (Some(enc), Some(info)) => {
                write_atomic(o, &enc.bytes)?;
                let fixes: Vec<String> = info.fixes.iter().map(|f| format!("{f:?}")).collect();
                say!(
                    "output written to {}: {}x{} {} {} bytes{} {} dpi{}; fixes: {}",
                    o.display(),
                    info.width,
                    info.height,
                    info.format,
                    info.bytes,
                    info.jpeg_quality
                        .map(|q| format!(" q{q}"))
                        .unwrap_or_default(),
                    info.dpi,
                    if info.size_in_range {
                        ""
                    } else {
                        " (file size outside the spec's range)"
                    },
                    fixes.join(", ")
                );
            }
            _ => say!(
                "no output written: the photo fails (use --always-output to write the crop anyway)"
            ),
        }
    }
    if let (Some(path), Some(img)) = (&args.sheet, &outcome.output_image) {
        let spec = checker.specs().get(&args.spec)?;
        let mm = spec.output.print_width_mm.zip(spec.output.print_height_mm);
        let (sheet, n) = idphoto::normalize::print_sheet(
            img,
            mm,
            spec.output.dpi,
            idphoto::normalize::Sheet::SixInch,
        );
        let bytes =
            idphoto::image_io::encode_jpeg(&sheet, 95, idphoto::normalize::SHEET_DPI, false)?;
        write_atomic(path, &bytes)?;
        say!(
            "print sheet written to {}: {n} copies on 4×6 in",
            path.display()
        );
    }
    if args.timings {
        say!("time: {}", outcome.timings);
    }
    if let Some(path) = &args.overlay {
        let img = idphoto::image_io::decode_path(&args.photo, checker.limits())?.image;
        match &outcome.analysis {
            Some(a) => {
                idphoto::overlay::draw_report(&img, r, a, outcome.plan.as_ref())
                    .save(path)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                say!("overlay written to {}", path.display());
            }
            None => say!("no overlay: no analysis"),
        }
    }
    Ok(r.verdict)
}
