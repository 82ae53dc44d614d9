//! List, show and validate spec files.
//!
//! ```text
//! cargo run --release --example specs -- [--specs DIR] list|show ID|validate
//! ```
//! Without `--specs`, uses the crate's `specs/` folder. `validate` exits non-zero on any invalid
//! file, naming the file and the field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::SpecRegistry;

const USAGE: &str = "usage: specs [--specs DIR] list | show ID | validate";

fn main() -> ExitCode {
    let mut dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/specs"));
    let mut words: Vec<String> = Vec::new();
    let mut p = lexopt::Parser::from_env();
    loop {
        match p.next() {
            Ok(Some(lexopt::Arg::Long("specs"))) => match p.value() {
                Ok(v) => dir = PathBuf::from(v),
                Err(e) => return usage(&e.to_string()),
            },
            Ok(Some(lexopt::Arg::Value(v))) => words.push(v.to_string_lossy().into_owned()),
            Ok(Some(other)) => return usage(&format!("unexpected {other:?}")),
            Ok(None) => break,
            Err(e) => return usage(&e.to_string()),
        }
    }
    let (reg, errors) = match SpecRegistry::load_dir_lenient(&dir) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match words
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["list"] => {
            for s in reg.iter() {
                println!(
                    "{:<40} {}x{} px  {} / {}",
                    s.id, s.output.width_px, s.output.height_px, s.name.zh, s.name.en
                );
            }
            report_errors(&errors)
        }
        ["show", id] => match reg.get(id) {
            Ok(s) => {
                if let Some(f) = reg.file_of(id) {
                    println!("# {id} (from {})", f.display());
                }
                match toml::to_string_pretty(s) {
                    Ok(t) => println!("{t}"),
                    Err(e) => eprintln!("error: {e}"),
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                report_errors(&errors);
                ExitCode::from(2)
            }
        },
        ["validate"] => {
            println!("{} valid spec(s) in {}", reg.len(), dir.display());
            report_errors(&errors)
        }
        _ => usage("expected list, show ID or validate"),
    }
}

fn report_errors(errors: &[idphoto::Error]) -> ExitCode {
    for e in errors {
        eprintln!("invalid: {e}");
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("{} invalid spec file(s)", errors.len());
        ExitCode::from(1)
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}\n{USAGE}");
    ExitCode::from(2)
}
