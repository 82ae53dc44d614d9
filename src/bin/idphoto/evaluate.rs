//! `idphoto evaluate`: compare the checks with labels a person gave (format:
//! [`idphoto::evaluate`]).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::checker::OutputPolicy;
use idphoto::evaluate::{self, Label, Labels};

use crate::cli::{self, Common, Failure};
use crate::evaluate_page;

const USAGE: &str = "usage: idphoto evaluate --spec ID --labels LABELS.json --photos DIR [OPTIONS]";

const HELP: &str = "idphoto evaluate — compare the checks with labels a person gave

usage: idphoto evaluate --spec ID --labels LABELS.json --photos DIR [OPTIONS]

LABELS.json maps a photo file name (relative to DIR) to {check id: \"pass\" | \"fail\"}; a check
not named is not judged (README, \"Measuring accuracy on your own labelled photos\"). Prints per
check the false rejects (labelled pass, reported fail or fixed) and misses (labelled fail,
reported anything else), every disagreement with its value and limit, the pose error against
--pose, how many clean photos (at least 8 labels, all pass) pass every labelled check, how
many of them get a PASS verdict and which checks make the others retakes.

options:
COMMON
  --labels FILE     the labels (required)
  --photos DIR      the folder the labels' names are relative to (required)
  --pose FILE       ground-truth head pose {photo: {yaw, pitch, roll}} in degrees
  --json FILE       write the summary {checks: {ID: {pass_labels, false_rejects, fail_labels,
                    misses, unlabelled, unlabelled_fails}}, pose_mae_deg, clean: {total,
                    passed, verdict_pass, stopped_by: [[CHECK, N], ...]}}
  --reports FILE    write every report, one JSON line per photo
  --html FILE       write one offline page: per labelled check, each measured value of the
                    labelled-pass and labelled-fail photos on a strip with the spec's limit
                    drawn across it, each dot linked to its photo, its overlay shown on hover
  -h, --help        this help

exit status: 0 done, 2 error (bad arguments, unreadable labels, unknown spec, models missing)";

struct Args {
    common: Common,
    labels: PathBuf,
    photos: PathBuf,
    pose: Option<PathBuf>,
    json: Option<PathBuf>,
    reports: Option<PathBuf>,
    html: Option<PathBuf>,
}

fn parse(args: Vec<OsString>) -> Result<Option<Args>, lexopt::Error> {
    use lexopt::prelude::*;
    let mut p = cli::parser(args);
    let mut common = Common::default();
    let (mut labels, mut photos, mut pose, mut json, mut reports, mut html) =
        (None, None, None, None, None, None);
    while let Some(arg) = p.next()? {
        match arg {
            Long(name) if Common::knows(name) => {
                let name = name.to_string();
                common.take(&name, &mut p)?;
            }
            Long("labels") => labels = Some(PathBuf::from(p.value()?)),
            Long("photos") => photos = Some(PathBuf::from(p.value()?)),
            Long("pose") => pose = Some(PathBuf::from(p.value()?)),
            Long("json") => json = Some(PathBuf::from(p.value()?)),
            Long("reports") => reports = Some(PathBuf::from(p.value()?)),
            Long("html") => html = Some(PathBuf::from(p.value()?)),
            Long("help") | Short('h') => return Ok(None),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Some(Args {
        common,
        labels: labels.ok_or("missing --labels FILE")?,
        photos: photos.ok_or("missing --photos DIR")?,
        pose,
        json,
        reports,
        html,
    }))
}

pub fn main(args: Vec<OsString>) -> ExitCode {
    let args = match parse(args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{}", HELP.replace("COMMON", cli::COMMON_HELP));
            return ExitCode::SUCCESS;
        }
        Err(e) => return cli::fail(&e, Some(USAGE)),
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => cli::fail(&e, None),
    }
}

fn run(args: &Args) -> Result<(), Failure> {
    let labels = Labels::read(&args.labels)?;
    let poses = match &args.pose {
        Some(p) => evaluate::read_poses(p)?,
        None => BTreeMap::new(),
    };
    for p in [&args.json, &args.reports, &args.html]
        .into_iter()
        .flatten()
    {
        idphoto::files::check_writable(p)?;
    }
    let (reg, spec) = args.common.spec_checked()?;
    let checker = args.common.checker(reg, OutputPolicy::Never)?;
    let (reports, thumbs) = if args.html.is_some() {
        // the page shows each photo's overlay: the reports and the overlays in one pass
        evaluate_page::check_with_overlays(&checker, &spec, &args.photos, &labels, &poses)
    } else {
        let r = evaluate::check_photos(&checker, &spec, &args.photos, &labels, &poses);
        (r, BTreeMap::new())
    };
    if let Some(path) = &args.reports {
        let mut f = Vec::new();
        for (n, r) in &reports {
            let line = match r {
                Ok(r) => serde_json::json!({"photo": n, "report": r}),
                Err(e) => serde_json::json!({"photo": n, "error": e}),
            };
            writeln!(f, "{line}")?;
        }
        idphoto::files::write_atomic(path, &f)?;
    }
    let ev = evaluate::evaluate(&labels, &poses, &reports);
    println!(
        "{} labelled photos, spec {}; false reject = labelled pass, reported fail or fixed; miss = labelled fail, reported anything else; fails where unlabelled = reported fail on photos with no label for the check (the photos to look at)\n",
        labels.photos.len(),
        spec
    );
    println!(
        "{:<18} {:>6} {:>14} {:>6} {:>14}   fails where unlabelled",
        "check", "pass", "false rejects", "fail", "misses"
    );
    for (id, a) in &ev.summary.checks {
        println!(
            "{:<18} {:>6} {:>6} ({:>4.0} %) {:>6} {:>6} ({:>4.0} %)   {:>4} of {}",
            id.as_str(),
            a.pass_labels,
            a.false_rejects,
            100.0 * a.false_reject_rate(),
            a.fail_labels,
            a.misses,
            100.0 * a.miss_rate(),
            a.unlabelled_fails,
            a.unlabelled
        );
    }
    println!("\ndisagreements:");
    for d in &ev.disagreements {
        let what = match d.label {
            Label::Pass => "false reject",
            Label::Fail => "miss",
        };
        println!(
            "  {:<34} {:<18} {:<12} {:<14} value {}  limit {}",
            d.photo,
            d.check.as_str(),
            what,
            d.status
                .map(|s| format!("{s:?}").to_lowercase())
                .unwrap_or_else(|| "no report".into()),
            d.value.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            d.limit.as_ref().map(|v| v.to_string()).unwrap_or_default(),
        );
    }
    for (p, e) in &ev.unevaluated {
        println!("  {p}: not evaluated: {e}");
    }
    if !ev.pose_errors.is_empty() {
        println!("\npose (degrees; truth vs measured, magnitudes compared):");
        for p in &ev.pose_errors {
            match (p.measured, p.mean_abs_error()) {
                (Some(m), Some(e)) => println!(
                    "  {:<34} truth yaw {:>6.1} pitch {:>6.1} roll {:>6.1}   measured yaw {:>6.1} pitch {:>6.1} roll {:>6.1}   error {e:.1}",
                    p.photo, p.truth.yaw, p.truth.pitch, p.truth.roll, m.yaw, m.pitch, m.roll
                ),
                _ => println!("  {:<34} no face measured", p.photo),
            }
        }
        match ev.summary.pose_mae_deg {
            Some(m) => println!("  pose MAE {m:.2}°"),
            None => println!("  pose MAE: nothing measured"),
        }
    }
    let clean = &ev.summary.clean;
    println!(
        "\nclean photos (≥ {} labels, all pass) passing every labelled check: {} of {}",
        evaluate::CLEAN_MIN_LABELS,
        clean.passed,
        clean.total
    );
    let stoppers: Vec<String> = clean
        .stopped_by
        .iter()
        .map(|(id, n)| format!("{} {n}", id.as_str()))
        .collect();
    println!(
        "clean photos accepted (a PASS verdict: every check, labelled or not, passes or is fixed): {} of {}{}",
        clean.verdict_pass,
        clean.total,
        if stoppers.is_empty() {
            String::new()
        } else {
            format!("; the others are retakes for {}", stoppers.join(", "))
        }
    );
    if let Some(path) = &args.json {
        idphoto::files::write_atomic(path, serde_json::to_string_pretty(&ev.summary)?.as_bytes())?;
        println!("summary written to {}", path.display());
    }
    if let Some(path) = &args.html {
        let href = evaluate_page::href_from(path, &args.photos);
        let page = evaluate_page::page(&spec, &labels, &reports, &href, &thumbs);
        idphoto::files::write_atomic(path, page.as_bytes())?;
        println!("page written to {}", path.display());
    }
    Ok(())
}
