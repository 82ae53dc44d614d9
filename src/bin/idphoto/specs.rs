//! `idphoto specs`: list, show and validate the document specs.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use idphoto::SpecRegistry;

use crate::cli::{self, Failure};

const USAGE: &str =
    "usage: idphoto specs [--specs DIR] list [--region CODE] [--json] | show ID [--json] | validate";

const HELP: &str = "idphoto specs — the document specs

usage: idphoto specs [--specs DIR] list [--region CODE] [--json]
       idphoto specs [--specs DIR] show ID [--json]
       idphoto specs [--specs DIR] validate

  list        every spec id with its output size and name, grouped by country and document;
              --region CODE: only the specs of that region code (GB/T 2260, e.g. 440300)
  show ID     the resolved spec as TOML: the sources its files cite, the `extends` chain, and
              after each value the file that set it (`default` when no file does)
  validate    load the built-in specs and DIR's, report every invalid file with its field

options:
  --specs DIR   also load the *.toml specs below DIR (ids from their paths: DIR/cn/x.toml is
                cn/x); they may `extends` a built-in spec, and one with a built-in id replaces it
  --json        machine-readable output (list, show)
  -h, --help    this help

exit status: 0 done, 1 `validate` found invalid files, 2 error (bad arguments, unknown id,
DIR unreadable)";

pub fn main(args: Vec<OsString>) -> ExitCode {
    use lexopt::prelude::*;
    let mut p = cli::parser(args);
    let (mut dir, mut json, mut region) = (None::<PathBuf>, false, None::<String>);
    let mut words: Vec<String> = Vec::new();
    loop {
        match p.next() {
            Ok(Some(Long("specs"))) => match p.value() {
                Ok(v) => dir = Some(PathBuf::from(v)),
                Err(e) => return cli::fail(&e, Some(USAGE)),
            },
            Ok(Some(Long("json"))) => json = true,
            Ok(Some(Long("region"))) => match p.value() {
                Ok(v) => region = Some(v.to_string_lossy().into_owned()),
                Err(e) => return cli::fail(&e, Some(USAGE)),
            },
            Ok(Some(Long("help") | Short('h'))) => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            Ok(Some(Value(v))) => words.push(v.to_string_lossy().into_owned()),
            Ok(Some(other)) => return cli::fail(&other.unexpected(), Some(USAGE)),
            Ok(None) => break,
            Err(e) => return cli::fail(&e, Some(USAGE)),
        }
    }
    let loaded = match &dir {
        Some(d) => SpecRegistry::builtin_and_dir_lenient(d),
        None => SpecRegistry::builtin().map(|r| (r, Vec::new())),
    };
    let (reg, errors) = match loaded {
        Ok(x) => x,
        Err(e) => return cli::fail(&e, None),
    };
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["list"] => list(&reg, json, region.as_deref()).map(|()| report_errors(&errors)),
        ["show", id] => show(&reg, id, json).map(|()| ExitCode::SUCCESS),
        ["validate"] => {
            println!(
                "{} valid spec(s): the built-in ones{}",
                reg.len(),
                dir.as_ref()
                    .map(|d| format!(" and {}", d.display()))
                    .unwrap_or_default()
            );
            Ok(report_errors(&errors))
        }
        _ => return cli::fail(&"expected list, show ID or validate", Some(USAGE)),
    };
    result.unwrap_or_else(|e| {
        for e in &errors {
            eprintln!("invalid: {e}");
        }
        cli::fail(&e, None)
    })
}

fn list(reg: &SpecRegistry, json: bool, region: Option<&str>) -> Result<(), Failure> {
    let specs: Vec<&idphoto::PhotoSpec> = match region {
        Some(code) => reg.with_region_code(code).collect(),
        None => reg.iter().collect(),
    };
    if specs.is_empty() {
        return Err(format!("no spec has region code {}", region.unwrap_or("")).into());
    }
    if json {
        let rows = list_json(reg, &specs);
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    // country → document (the id's last part) → specs
    let mut groups: BTreeMap<&str, BTreeMap<&str, Vec<&idphoto::PhotoSpec>>> = BTreeMap::new();
    for s in specs {
        let country = s.id.split('/').next().unwrap_or("");
        let document = s.id.rsplit('/').next().unwrap_or("");
        groups
            .entry(country)
            .or_default()
            .entry(document)
            .or_default()
            .push(s);
    }
    for (country, documents) in groups {
        println!("{country}");
        for (document, specs) in documents {
            println!("  {document}");
            for s in specs {
                let region = s
                    .region_code
                    .as_deref()
                    .map(|c| format!("  [{c}]"))
                    .unwrap_or_default();
                println!(
                    "    {:<38} {:>4}×{:<4} px  {} / {}{region}",
                    s.id, s.output.width_px, s.output.height_px, s.name.zh, s.name.en
                );
            }
        }
    }
    Ok(())
}

/// One row per spec, as `specs list --json` prints them (and `GET /v1/specs` serves them).
pub fn list_json(reg: &SpecRegistry, specs: &[&idphoto::PhotoSpec]) -> serde_json::Value {
    specs
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id,
                "name": s.name,
                "extends": s.extends,
                "region_code": s.region_code,
                "width_px": s.output.width_px,
                "height_px": s.output.height_px,
                "format": s.output.format.extension(),
                "file": reg.file_of(&s.id),
            })
        })
        .collect()
}

/// The resolved spec with where each value came from, as `specs show ID --json` prints it (and
/// `GET /v1/specs/{id}` serves it).
///
/// # Errors
/// [`idphoto::Error::UnknownSpec`].
pub fn show_json(reg: &SpecRegistry, id: &str) -> idphoto::Result<serde_json::Value> {
    let spec = reg.get(id)?;
    let chain = reg.chain(id);
    let origins = reg.origins(id).unwrap_or_default();
    Ok(serde_json::json!({
        "spec": spec,
        "chain": chain.iter().map(|(i, f)| serde_json::json!({"id": i, "file": f})).collect::<Vec<_>>(),
        "origins": origins,
        "sources": chain.iter().map(|(i, _)| (i.clone(), reg.notes(i).unwrap_or(""))).collect::<BTreeMap<_, _>>(),
    }))
}

fn show(reg: &SpecRegistry, id: &str, json: bool) -> Result<(), Failure> {
    let spec = reg.get(id)?;
    let chain = reg.chain(id);
    let origins = reg.origins(id).unwrap_or_default();
    if json {
        let v = show_json(reg, id)?;
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("# {id} — {} / {}", spec.name.zh, spec.name.en);
    let links: Vec<String> = chain
        .iter()
        .map(|(i, f)| format!("{i} ({})", f.display()))
        .collect();
    println!("# extends chain: {}", links.join(" → "));
    for (i, f) in chain.iter().rev() {
        if let Some(n) = reg.notes(i).filter(|n| !n.is_empty()) {
            println!("#\n# ── {} ──", f.display());
            for line in n.lines() {
                println!("{}", format!("# {line}").trim_end());
            }
        }
    }
    println!();
    // arrays stay on one line, so each value line can carry its origin
    let text = toml::to_string(spec)?;
    let mut table = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') && !t.starts_with("[[") {
            table = t.trim_matches(|c| c == '[' || c == ']').to_string();
            println!("{line}");
            continue;
        }
        let Some((key, _)) = t.split_once(" = ") else {
            println!("{line}");
            continue;
        };
        let key = key.trim().trim_matches('"');
        let dotted = if table.is_empty() {
            key.to_string()
        } else {
            format!("{table}.{key}")
        };
        let prefix = format!("{dotted}.");
        let from = origins.get(&dotted).or_else(|| {
            origins
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(_, f)| f)
                .next_back()
        });
        match from {
            Some(f) => println!("{line}  # {}", f.display()),
            None if key == "id" || key == "extends" => println!("{line}"),
            None => println!("{line}  # default"),
        }
    }
    Ok(())
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
