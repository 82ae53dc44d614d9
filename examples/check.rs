//! The library in a few lines: check one photo, print the verdict, keep the output image.
//!
//! ```text
//! cargo run --release --example check -- PHOTO [SPEC_ID]
//! ```
//! The command-line tool (`idphoto check --help`) does the same with every option; this shows
//! the API a service calls. One [`Checker`] loads the specs and models once and is shared by
//! every thread.

use std::process::ExitCode;

use idphoto::{display, Checker, Verdict};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(photo), spec) = (args.next(), args.next()) else {
        eprintln!("usage: check PHOTO [SPEC_ID]   (default spec: cn/id-card)");
        return ExitCode::from(2);
    };
    let spec = spec.unwrap_or_else(|| "cn/id-card".to_string());
    match run(&photo, &spec) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(photo: &str, spec: &str) -> Result<Verdict, idphoto::Error> {
    // specs and models, loaded once (about a second); share it behind an Arc across threads
    let checker = Checker::builder().build()?;
    // decode (EXIF orientation, colour profile), analyse, check, and render the output
    let outcome = checker.process_path(photo, spec)?;
    let report = &outcome.report;
    for line in display::report_lines(report) {
        println!("{line}");
    }
    // the output exists only when the verdict passes (OutputPolicy::IfPass, the default)
    if let (Some(encoded), Some(spec)) = (&outcome.output, checker.specs().get(spec).ok()) {
        let name = format!("output.{}", spec.output.format.extension());
        idphoto::files::write_atomic(std::path::Path::new(&name), &encoded.bytes)?;
        println!("wrote {name} ({} bytes)", encoded.bytes.len());
    }
    Ok(report.verdict)
}
