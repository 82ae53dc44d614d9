//! `idphoto check`: one photo against one spec.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::checker::OutputPolicy;
use idphoto::display;
use idphoto::files::{check_writable, write_atomic};
use idphoto::Verdict;

use crate::cli::{self, Common, Failure};

const USAGE: &str = "usage: idphoto check --spec ID [OPTIONS] PHOTO";

const HELP: &str = "idphoto check — check one photo against a document spec

usage: idphoto check --spec ID [OPTIONS] PHOTO

Prints one line per check (value, the spec's limit, the reason for a failure) and a last
line with the verdict: `FAIL — retake: mouth_closed · fixed: head_size, background_color`.
`retake` needs a new photo; `fixed` is corrected in the output image.

reading a line: `face width 90.8 px → 207 px (193–221 px)` is the photo's value, then the
output's, then the spec's range. px: pixels of the photo (→ those of the output image, whose
size the spec sets). %: a share of the region the check looks at (the face's skin, an ear, the
neck, the hair). L*, a*b*: CIELAB lightness (0 black – 100 white) and colour; a difference
of 2.3 is just noticeable. Degrees: head turn (yaw), nod (pitch), tilt (roll). `present from
8 %` is a detection threshold: the thing counts as there from that value (a hat, earrings), and
the spec then says whether it is allowed. `limit:` lists the spec's other values that apply.

options:
COMMON
  --out FILE        write the compliant output image (only when the verdict passes, unless
                    --always-output)
  --always-output   write the output image even when the photo fails (for review)
  --json FILE       write the JSON report; `--json -` writes it to stdout and the readable
                    lines to stderr
  --overlay FILE    write an annotated copy of the photo (PNG): face box, output crop, each
                    failing check's region (red: retake, orange: fixed)
  --sheet FILE      write a 6-inch print sheet of the output with cut marks (JPEG)
  --timings         print where the time went
  -q, --quiet       print only the verdict line
  -h, --help        this help

exit status: 0 the photo passes, 1 it fails, 2 error (bad arguments, unknown spec, unreadable
photo, models missing, output not writable)";

struct Args {
    common: Common,
    out: Option<PathBuf>,
    json: Option<PathBuf>,
    sheet: Option<PathBuf>,
    overlay: Option<PathBuf>,
    always_output: bool,
    timings: bool,
    quiet: bool,
    photo: PathBuf,
}

enum Parsed {
    Run(Box<Args>),
    Help,
}

fn parse(args: Vec<OsString>) -> Result<Parsed, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = cli::parser(args);
    let mut common = Common::default();
    let (mut out, mut json, mut sheet, mut overlay, mut photo) = (None, None, None, None, None);
    let (mut always_output, mut timings, mut quiet) = (false, false, false);
    while let Some(arg) = p.next()? {
        match arg {
            Long(name) if Common::knows(name) => {
                let name = name.to_string();
                common.take(&name, &mut p)?;
            }
            Long("out") => out = Some(PathBuf::from(p.value()?)),
            Long("json") => json = Some(PathBuf::from(p.value()?)),
            Long("sheet") => sheet = Some(PathBuf::from(p.value()?)),
            Long("overlay") => overlay = Some(PathBuf::from(p.value()?)),
            Long("always-output") => always_output = true,
            Long("timings") => timings = true,
            Long("quiet") | Short('q') => quiet = true,
            Long("help") | Short('h') => return Ok(Parsed::Help),
            Value(v) if photo.is_none() => photo = Some(PathBuf::from(v)),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Parsed::Run(Box::new(Args {
        common,
        out,
        json,
        sheet,
        overlay,
        always_output,
        timings,
        quiet,
        photo: photo.ok_or("missing PHOTO")?,
    })))
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    let args = match parse(args) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Help) => {
            println!("{}", HELP.replace("COMMON", cli::COMMON_HELP));
            return ExitCode::SUCCESS;
        }
        Err(e) => return cli::fail(&e, Some(USAGE)),
    };
    match run(&args) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => cli::fail(&e, None),
    }
}

fn run(args: &Args) -> Result<Verdict, Failure> {
    // with `--json -` stdout carries the JSON report alone; the readable lines go to stderr
    let json_to_stdout = args.json.as_deref().is_some_and(cli::is_stdout);
    let say = |line: &str| {
        if json_to_stdout {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    // the spec and every output path are checked before the models load
    let (reg, spec_id) = args.common.spec_checked()?;
    for p in [&args.out, &args.sheet, &args.overlay, &args.json]
        .into_iter()
        .flatten()
        .filter(|p| !cli::is_stdout(p))
    {
        check_writable(p)?;
    }
    if args.photo.is_dir() {
        return Err(format!(
            "{} is a folder; `check` takes one photo. For every photo in it: idphoto batch --spec {spec_id} --out-dir DIR {}",
            args.photo.display(),
            args.photo.display()
        )
        .into());
    }
    if !args.photo.is_file() {
        return Err(format!("{}: no such file", args.photo.display()).into());
    }
    let policy = match (
        args.out.is_some() || args.sheet.is_some(),
        args.always_output,
    ) {
        (false, _) => OutputPolicy::Never,
        (true, true) => OutputPolicy::Always,
        (true, false) => OutputPolicy::IfPass,
    };
    let checker = args.common.checker(reg, policy)?;
    let outcome = checker.process_path(&args.photo, &spec_id)?;
    let r = &outcome.report;
    if args.quiet {
        say(&display::summary_line(r));
    } else {
        let mut rot = if r.image.rotation_deg != 0 {
            format!(" (turned {}°)", r.image.rotation_deg)
        } else {
            String::new()
        };
        if let Some([w, h]) = r.image.reduced_from {
            rot.push_str(&format!(
                " (decoded reduced from {w}×{h}: over the {} MP limit)",
                checker.limits().max_pixels / 1_000_000
            ));
        }
        say(&format!(
            "{}  {}  {}×{}{rot}",
            args.photo.display(),
            r.spec,
            r.image.width,
            r.image.height
        ));
        for line in display::report_lines(r) {
            say(&line);
        }
    }
    match &args.json {
        Some(j) if cli::is_stdout(j) => println!("{}", r.to_json()),
        Some(j) => {
            write_atomic(j, r.to_json().as_bytes())?;
            if !args.quiet {
                say(&format!("report written to {}", j.display()));
            }
        }
        None => {}
    }
    if let Some(o) = &args.out {
        match (&outcome.output, &r.output) {
            (Some(enc), Some(info)) => {
                write_atomic(o, &enc.bytes)?;
                if !args.quiet {
                    let fixes: Vec<String> = info.fixes.iter().map(display::fix_text).collect();
                    say(&format!(
                        "output written to {}: {}×{} {}, {:.1} KB{}, {} dpi{}{}",
                        o.display(),
                        info.width,
                        info.height,
                        info.format.to_uppercase(),
                        info.bytes as f64 / 1000.0,
                        info.jpeg_quality
                            .map(|q| format!(" at quality {q}"))
                            .unwrap_or_default(),
                        info.dpi,
                        if info.size_in_range {
                            ""
                        } else {
                            " (file size outside the spec's range)"
                        },
                        if fixes.is_empty() {
                            String::new()
                        } else {
                            format!("; {}", fixes.join(", "))
                        }
                    ));
                }
            }
            _ => say(
                "no output written: the photo needs a retake (--always-output writes the crop anyway)",
            ),
        }
    }
    if let (Some(path), Some(img)) = (&args.sheet, &outcome.output_image) {
        let spec = checker.specs().get(&spec_id)?;
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
        if !args.quiet {
            say(&format!(
                "print sheet written to {}: {n} copies on 4×6 in",
                path.display()
            ));
        }
    }
    if args.timings {
        say(&format!("time: {}", outcome.timings));
    }
    if let Some(path) = &args.overlay {
        let img = idphoto::image_io::decode_path(&args.photo, checker.limits())?.image;
        match &outcome.analysis {
            Some(a) => {
                let png = idphoto::overlay::draw_report(&img, r, a, outcome.plan.as_ref());
                let mut bytes = Vec::new();
                png.write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    idphoto::image::ImageFormat::Png,
                )?;
                write_atomic(path, &bytes)?;
                if !args.quiet {
                    say(&format!("overlay written to {}", path.display()));
                }
            }
            None => say("no overlay: the photo was not analysed"),
        }
    }
    Ok(r.verdict)
}
