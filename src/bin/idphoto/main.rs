//! `idphoto`: check portrait photos against identity-document photo specs from the command line.
//!
//! ```text
//! idphoto check --spec cn/id-card --out id-card.jpg PHOTO
//! idphoto batch --spec cn/id-card --out-dir DIR INPUT...
//! idphoto review --out-dir DIR [--spec ID INPUT...]
//! idphoto specs list | show ID [--json] | validate
//! idphoto evaluate --spec ID --labels LABELS.json --photos DIR
//! idphoto serve [--addr 127.0.0.1:8080] [--workers N] [--queue N]
//! idphoto serve --db centre.sqlite|postgres://... --reviewers FILE --fetch-tokens FILE
//! ```
//! Every subcommand answers `--help` with its options, defaults and exit codes.

mod batch;
#[cfg(feature = "centre")]
mod centre;
mod check;
mod cli;
mod evaluate;
mod evaluate_page;
mod review;
#[cfg(feature = "serve")]
mod serve;
mod specs;

use std::process::ExitCode;

const HELP: &str = "idphoto — check portrait photos against identity-document photo specs

usage: idphoto <COMMAND> [OPTIONS]

commands:
  check     check one photo; write the compliant output, the JSON report, an overlay
  batch     check files and folders in parallel into an out-dir (report.jsonl, csv, out/)
  review    an offline HTML review page over a batch (or over photos it checks first)
  specs     list, show or validate the document specs (built-in plus --specs DIR)
  evaluate  compare the checks with labels a person gave
  serve     the checker as an HTTP service (JSON API; built with the cargo feature `serve`);
            with --db, the photo-receipt centre: orders, review, receipts (feature `centre`)

`idphoto <COMMAND> --help` lists a command's options, defaults and exit codes.

models: looked for in $IDPHOTO_MODELS, then compiled in (feature embed-models), then models/
next to the executable, then the crate's models/ at build time; --models DIR overrides.";

fn main() -> ExitCode {
    quiet_broken_pipe();
    let mut args = std::env::args_os().skip(1);
    let Some(cmd) = args.next() else {
        eprintln!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<std::ffi::OsString> = args.collect();
    match cmd.to_string_lossy().as_ref() {
        "check" => check::main(rest),
        "batch" => batch::main(rest),
        "review" => review::main(rest),
        "specs" => specs::main(rest),
        "evaluate" => evaluate::main(rest),
        #[cfg(feature = "serve")]
        "serve" => serve::main(rest),
        "-h" | "--help" | "help" => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        "-V" | "--version" => {
            println!("idphoto {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        other => {
            let known = ["check", "batch", "review", "specs", "evaluate", "serve"];
            match idphoto::spec::nearest(other, known.into_iter()) {
                Some(k) => eprintln!("error: unknown command `{other}`; did you mean `{k}`?"),
                None => eprintln!("error: unknown command `{other}`\n\n{HELP}"),
            }
            ExitCode::from(2)
        }
    }
}

/// `idphoto specs list | head` closes stdout early: `println!` then panics with "Broken
/// pipe". That is not an error of ours: exit quietly with the status a shell expects (128 +
/// SIGPIPE) instead of printing a backtrace.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}
