//! Batch runs over files and folders: every distinct input gets exactly one row in
//! `report.jsonl`, and every image written belongs to its row.
//!
//! The out-dir holds what a run owns: `report.jsonl` (one JSON [`Row`] per line, appended as
//! photos finish), `report.csv` and `summary.json` (rebuilt from the rows at the end), and the
//! folders `out/` (compliant outputs), `preview/`, `overlay/`, `landmarks/` and `thumb/`. A run holds an
//! advisory lock on the out-dir (`.idphoto.lock`), so a second run into it is refused.
//!
//! - Inputs are keyed by their canonical path: a file named twice, through `./`, an absolute
//!   path or a symlink, gets one row. Folders are walked recursively (sorted), skipping symlink
//!   loops and the out-dir itself; a non-regular file (FIFO, socket, device) with an image
//!   extension is an error row and is never opened.
//! - Output names keep the input's path relative to the folder it was found in and its
//!   extension (`sub/a.png` → `out/sub/a.png.jpg`, `sub/a.jpg` → `out/sub/a.jpg`); where two
//!   inputs would share a name (case-insensitively), both get a short hash of their canonical
//!   path (`a~1f0c3b2a.jpg`). Each row records the paths it wrote.
//! - Images are written to a temporary file in the same folder and renamed into place; a row is
//!   appended only after its images are on disk. A failed write is that row's error.
//! - `resume` cuts `report.jsonl` back to its last complete line, skips inputs that have a row,
//!   and refuses when the rows were made with another spec (id or content). A fresh run into an
//!   out-dir that already holds a run's files is refused unless `overwrite` is set, which
//!   deletes exactly those files and folders (nothing else in the out-dir).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::files::write_atomic;
use crate::spec::OutputFormat;
use crate::{CheckId, Checker, Error, Report, Result, Verdict};

/// File extensions picked up when a folder is given.
pub const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp", "gif", "jfif",
];
/// Long side of a review thumbnail, px.
pub const THUMB_PX: u32 = 320;
/// Long side of a review overlay, px (keeps a 12-MP photo's overlay small).
pub const OVERLAY_PX: u32 = 1200;

/// The rows file inside the out-dir.
pub const REPORT_JSONL: &str = "report.jsonl";
/// The lock file inside the out-dir.
pub const LOCK_FILE: &str = ".idphoto.lock";
/// Files a batch run owns in its out-dir.
pub const OWNED_FILES: [&str; 4] = [REPORT_JSONL, "report.csv", "summary.json", "index.html"];
/// Folders a batch run owns in its out-dir.
pub const OWNED_DIRS: [&str; 5] = ["out", "preview", "overlay", "landmarks", "thumb"];

/// Longest output file name, bytes (file systems allow 255; the hash and extensions need room).
const MAX_NAME_BYTES: usize = 200;

/// What a batch run does.
#[derive(Clone, Debug, Default)]
pub struct BatchOptions {
    /// Spec id every photo is checked against.
    pub spec: String,
    /// Where rows and images go.
    pub out_dir: PathBuf,
    /// Skip inputs that already have a row in `report.jsonl`.
    pub resume: bool,
    /// Delete a previous run's files in the out-dir instead of refusing to start.
    pub overwrite: bool,
    /// Also write `overlay/`, `landmarks/` (the overlay with the face mesh's points) and
    /// `thumb/` images for every readable photo.
    pub overlays: bool,
    /// Also write `preview/` outputs of photos that fail (needs [`crate::OutputPolicy::Always`]).
    pub previews: bool,
    /// Files and folders to check.
    pub inputs: Vec<PathBuf>,
    /// A reviewer's decisions (from the review page's export, [`read_decisions`]), keyed by
    /// input path: each written row carries its input's decision in `review`, beside the
    /// tool's verdict.
    pub decisions: BTreeMap<String, Decision>,
}

/// A reviewer's decision on one photo, as the review page exports it (`decisions.json`,
/// `decisions.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The input path, as in the row.
    pub input: String,
    /// The spec the photo was checked against.
    #[serde(default)]
    pub spec: String,
    /// The tool's verdict the reviewer saw: `pass`, `fail` or `error`.
    #[serde(default)]
    pub tool_verdict: String,
    /// The reviewer's verdict: `accept` or `reject` (empty: undecided).
    #[serde(default)]
    pub reviewer_verdict: String,
    /// Checks whose result the reviewer overrode (a failure judged wrong).
    #[serde(default)]
    pub overridden_checks: Vec<String>,
    /// The reviewer's note.
    #[serde(default)]
    pub note: String,
    /// When the decision was made (ISO 8601, the reviewer's clock).
    #[serde(default)]
    pub time: String,
}

/// Reads a decisions file exported by the review page: `{"decisions": [...]}` or a bare array
/// of [`Decision`]s. When an input appears twice the later `time` wins.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Labels`] when it is not such JSON.
pub fn read_decisions(path: &Path) -> Result<BTreeMap<String, Decision>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Export {
        Wrapped { decisions: Vec<Decision> },
        Bare(Vec<Decision>),
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let list = match serde_json::from_slice::<Export>(&bytes) {
        Ok(Export::Wrapped { decisions }) | Ok(Export::Bare(decisions)) => decisions,
        Err(e) => {
            return Err(Error::Labels {
                file: path.to_path_buf(),
                message: format!("not a decisions export ({{\"decisions\": [...]}}): {e}"),
            })
        }
    };
    let mut out: BTreeMap<String, Decision> = BTreeMap::new();
    for d in list {
        match out.get(&d.input) {
            Some(old) if old.time >= d.time => {}
            _ => {
                out.insert(d.input.clone(), d);
            }
        }
    }
    Ok(out)
}

/// A row's verdict: the photo passed (its output is on disk), failed, or could not be checked or
/// delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowVerdict {
    /// Every check passed or was fixed, and the output was written.
    Pass,
    /// At least one check failed.
    Fail,
    /// The photo could not be read or checked, or an image could not be written.
    Error,
}

impl RowVerdict {
    /// `pass`, `fail` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            RowVerdict::Pass => "pass",
            RowVerdict::Fail => "fail",
            RowVerdict::Error => "error",
        }
    }
}

/// One line of `report.jsonl`. Paths of written images are relative to the out-dir.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Row {
    /// The input path as given or found.
    pub input: String,
    /// The canonical path: the row's identity (one row per key).
    #[serde(default)]
    pub key: String,
    /// The row's verdict (missing in rows of older versions: see [`Row::verdict`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verdict: Option<RowVerdict>,
    /// Spec id the photo was checked against.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub spec: Option<String>,
    /// Content hash of that spec (see [`spec_hash`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub spec_hash: Option<String>,
    /// The name given to this input's images inside `out/`, `preview/`, ...
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    /// `out/NAME`: the compliant output (photos that pass).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub output: Option<String>,
    /// `preview/NAME`: what the output would look like (photos that fail; review runs).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub preview: Option<String>,
    /// `overlay/NAME.jpg`: the annotated photo.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overlay: Option<String>,
    /// `landmarks/NAME.jpg`: the overlay with the 468 mesh landmarks drawn too.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overlay_landmarks: Option<String>,
    /// `thumb/NAME.jpg`: a small copy of the photo.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub thumb: Option<String>,
    /// Why the photo could not be checked, or an image not written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The report, when the photo could be checked.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub report: Option<Report>,
    /// A reviewer's decision on this photo (`--decisions`), beside the tool's verdict.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub review: Option<Decision>,
}

impl Row {
    fn new(input: &Input) -> Row {
        Row {
            input: input.path.to_string_lossy().into_owned(),
            key: input.key.to_string_lossy().into_owned(),
            verdict: None,
            spec: None,
            spec_hash: None,
            name: None,
            output: None,
            preview: None,
            overlay: None,
            overlay_landmarks: None,
            thumb: None,
            error: None,
            report: None,
            review: None,
        }
    }

    /// The row's verdict; rows written before the field existed derive it from the report.
    pub fn verdict(&self) -> RowVerdict {
        self.verdict.unwrap_or(match &self.report {
            _ if self.error.is_some() => RowVerdict::Error,
            Some(r) if r.verdict == Verdict::Pass => RowVerdict::Pass,
            Some(_) => RowVerdict::Fail,
            None => RowVerdict::Error,
        })
    }

    /// The key rows are matched by: the canonical path (older rows: the input made absolute).
    pub fn identity(&self) -> String {
        if self.key.is_empty() {
            key_of(Path::new(&self.input))
                .to_string_lossy()
                .into_owned()
        } else {
            self.key.clone()
        }
    }
}

/// One input found by [`discover`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// The path as given, or as found under a given folder.
    pub path: PathBuf,
    /// Canonical path (symlinks resolved); the absolute path for an input that does not exist.
    pub key: PathBuf,
    /// The path relative to the folder it was found in (the file name for a file given).
    pub relative: PathBuf,
    /// Why the input cannot be opened (not a regular file, unreadable metadata).
    pub problem: Option<String>,
}

/// The canonical path, or the absolute path (without `.`/`..`) when it cannot be resolved.
pub fn key_of(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn not_regular(meta: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let kind = if t.is_fifo() {
            "a FIFO"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else {
            "not a regular file"
        };
        format!("not a regular file ({kind}); it is not opened")
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "not a regular file; it is not opened".to_string()
    }
}

/// Files given, plus image files found (recursively, sorted by name) in folders given; one entry
/// per canonical path, in the order first met. Symlink loops are walked once; `exclude` (the
/// out-dir) and everything under it is skipped. Files given by name are kept whatever their
/// extension, also when missing (their row carries the error).
pub fn discover(inputs: &[PathBuf], exclude: Option<&Path>) -> Vec<Input> {
    let exclude = exclude.map(key_of);
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    for given in inputs {
        match std::fs::metadata(given) {
            Ok(m) if m.is_dir() => walk(
                given,
                Path::new(""),
                exclude.as_deref(),
                &mut visited,
                &mut out,
            ),
            Ok(m) => out.push(Input {
                path: given.clone(),
                key: key_of(given),
                relative: given.file_name().map(PathBuf::from).unwrap_or_default(),
                problem: (!m.is_file()).then(|| not_regular(&m)),
            }),
            // a missing or unreadable file still gets its row: decoding names the error
            Err(_) => out.push(Input {
                path: given.clone(),
                key: key_of(given),
                relative: given.file_name().map(PathBuf::from).unwrap_or_default(),
                problem: None,
            }),
        }
    }
    let mut seen = HashSet::new();
    out.retain(|i| seen.insert(i.key.clone()));
    out
}

/// File extensions of photo formats idphoto cannot decode, named so their files are reported
/// with what to do rather than passed over in silence.
const UNSUPPORTED_PHOTO_EXTENSIONS: [&str; 4] = ["heic", "heif", "avif", "hif"];

/// The files in the folders given that a batch does not check, each with why: formats idphoto
/// cannot decode (HEIC with what to do) and files not named like photos. Hidden files (`.name`)
/// and the out-dir are left out. Files given by name are never here: they always get a row.
pub fn passed_over(inputs: &[PathBuf], exclude: Option<&Path>) -> Vec<(PathBuf, String)> {
    let exclude = exclude.map(key_of);
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    for given in inputs.iter().filter(|p| p.is_dir()) {
        walk_passed_over(given, exclude.as_deref(), &mut visited, &mut out);
    }
    out
}

fn walk_passed_over(
    dir: &Path,
    exclude: Option<&Path>,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<(PathBuf, String)>,
) {
    let canon = key_of(dir);
    if exclude.is_some_and(|x| canon.starts_with(x)) || !visited.insert(canon) {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.file_name()).collect();
    entries.sort();
    for name in entries {
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk_passed_over(&path, exclude, visited, out),
            Ok(_) if has_image_extension(&path) => {}
            Ok(_) => {
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                let why = if UNSUPPORTED_PHOTO_EXTENSIONS.contains(&ext.as_str()) {
                    format!(
                        "{} photos are not supported; export or convert them as JPEG (on an iPhone: Settings > Camera > Formats > Most Compatible)",
                        ext.to_ascii_uppercase()
                    )
                } else {
                    format!("not named like a photo (.{})", IMAGE_EXTENSIONS.join(" ."))
                };
                out.push((path, why));
            }
            Err(_) => {}
        }
    }
}

fn walk(
    dir: &Path,
    rel: &Path,
    exclude: Option<&Path>,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<Input>,
) {
    let canon = key_of(dir);
    if exclude.is_some_and(|x| canon.starts_with(x)) || !visited.insert(canon) {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.file_name()).collect();
    entries.sort();
    for name in entries {
        let path = dir.join(&name);
        let relative = rel.join(&name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, &relative, exclude, visited, out),
            Ok(m) if has_image_extension(&path) => out.push(Input {
                key: key_of(&path),
                problem: (!m.is_file()).then(|| not_regular(&m)),
                path,
                relative,
            }),
            Ok(_) => {}
            // a dangling symlink named like a photo: report it rather than drop it
            Err(e) if has_image_extension(&path) => out.push(Input {
                key: key_of(&path),
                problem: Some(format!("cannot read {}: {e}", path.display())),
                path,
                relative,
            }),
            Err(_) => {}
        }
    }
}

/// 64-bit FNV-1a: a stable, dependency-free hash for names and spec contents (not security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A content hash of a spec as resolved (inheritance applied): two runs with equal hashes
/// checked photos against the same rules.
pub fn spec_hash(spec: &crate::PhotoSpec) -> String {
    let json = serde_json::to_string(spec).unwrap_or_default();
    format!("{:016x}", fnv1a(json.as_bytes()))
}

/// The file extension of a spec's output.
pub fn output_extension(format: OutputFormat) -> &'static str {
    format.extension()
}

fn same_extension(a: &str, b: &str) -> bool {
    let norm = |e: &str| {
        let e = e.to_ascii_lowercase();
        if e == "jpeg" {
            "jpg".to_string()
        } else {
            e
        }
    };
    norm(a) == norm(b)
}

fn clean_component(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The name of an input's images: its relative path with the file name kept, `~HASH` before the
/// extension when `hash` is given (or the name is too long), and `.ext` appended when the
/// input's extension is not the output's.
pub fn output_name(input: &Input, ext: &str, hash: bool) -> String {
    let mut parts: Vec<String> = input
        .relative
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(clean_component(&s.to_string_lossy())),
            _ => None,
        })
        .filter(|s| !s.is_empty() && s != "." && s != "..")
        .collect();
    let file = parts.pop().unwrap_or_else(|| "photo".to_string());
    let (stem, in_ext) = match file.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s.to_string(), Some(e.to_string())),
        _ => (file.clone(), None),
    };
    let long = stem.len() > MAX_NAME_BYTES;
    let mut name = truncate_bytes(&stem, MAX_NAME_BYTES).to_string();
    if hash || long {
        let h = fnv1a(input.key.to_string_lossy().as_bytes());
        name.push_str(&format!("~{:08x}", h as u32));
    }
    if let Some(e) = &in_ext {
        name.push('.');
        name.push_str(truncate_bytes(e, 16));
    }
    if !in_ext.as_deref().is_some_and(|e| same_extension(e, ext)) {
        name.push('.');
        name.push_str(ext);
    }
    for p in parts.iter_mut() {
        if p.len() > MAX_NAME_BYTES {
            *p = truncate_bytes(p, MAX_NAME_BYTES).to_string();
        }
    }
    parts.push(name);
    parts.join("/")
}

/// Names for `inputs` that collide neither with each other nor with `taken` (name → key of the
/// input that owns it, from earlier rows), case-insensitively.
pub fn assign_names(inputs: &[Input], ext: &str, taken: &HashMap<String, String>) -> Vec<String> {
    let plain: Vec<String> = inputs.iter().map(|i| output_name(i, ext, false)).collect();
    let mut count: HashMap<String, usize> = HashMap::new();
    for n in &plain {
        *count.entry(n.to_lowercase()).or_default() += 1;
    }
    inputs
        .iter()
        .zip(plain)
        .map(|(i, n)| {
            let low = n.to_lowercase();
            let key = i.key.to_string_lossy();
            let clash = count.get(&low).copied().unwrap_or(0) > 1
                || taken.get(&low).is_some_and(|k| *k != key);
            if clash {
                output_name(i, ext, true)
            } else {
                n
            }
        })
        .collect()
}

/// An exclusive advisory lock on an out-dir, held until dropped.
#[derive(Debug)]
pub struct OutDirLock {
    _file: File,
}

impl OutDirLock {
    /// Takes the lock on `dir` (created if missing), writing this process's id into it.
    ///
    /// # Errors
    /// [`Error::OutDirInUse`] when another process holds it, [`Error::Io`] otherwise.
    pub fn acquire(dir: &Path) -> Result<OutDirLock> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut s = String::new();
                let _ = file.read_to_string(&mut s);
                return Err(Error::OutDirInUse {
                    dir: dir.to_path_buf(),
                    pid: s.trim().parse().ok(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        file.set_len(0).map_err(|e| Error::io(&path, e))?;
        write!(file, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
        file.flush().map_err(|e| Error::io(&path, e))?;
        Ok(OutDirLock { _file: file })
    }
}

/// Cuts `path` back to its last complete line (after a crash that left half a line); returns the
/// number of bytes removed.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn truncate_to_last_line(path: &Path) -> Result<u64> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) as u64;
    let cut = bytes.len() as u64 - keep;
    if cut > 0 {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        f.set_len(keep).map_err(|e| Error::io(path, e))?;
        f.sync_all().map_err(|e| Error::io(path, e))?;
    }
    Ok(cut)
}

/// The parseable rows of a `report.jsonl`, in file order.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut rows = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if let Ok(r) = serde_json::from_str::<Row>(&line) {
            rows.push(r);
        }
    }
    Ok(rows)
}

/// Counts over `report.jsonl`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Spec id of the run.
    pub spec: String,
    /// Content hash of the spec.
    pub spec_hash: String,
    /// Rows (one per distinct input).
    pub rows: usize,
    /// Rows per verdict (`pass`, `fail`, `error`).
    pub verdicts: BTreeMap<String, usize>,
    /// Failing checks per reason code.
    pub reasons: BTreeMap<String, usize>,
}

impl Summary {
    /// Rows whose verdict is `error`.
    pub fn errors(&self) -> usize {
        self.verdicts.get("error").copied().unwrap_or(0)
    }
}

/// What [`run`] did.
#[derive(Clone, Debug)]
pub struct BatchRun {
    /// Inputs checked in this run.
    pub checked: usize,
    /// Inputs skipped because `report.jsonl` already had their row (`resume`).
    pub skipped: usize,
    /// Bytes of a torn last line cut from `report.jsonl` (`resume`).
    pub torn_bytes: u64,
    /// Seconds the checking took.
    pub secs: f64,
    /// Counts over the whole `report.jsonl`.
    pub summary: Summary,
}

/// Prepares the out-dir: refuses or clears a previous run's files, or (resume) cuts a torn last
/// line and reads the rows. Returns the existing rows and the bytes cut.
fn prepare(opts: &BatchOptions, spec_id: &str, hash: &str) -> Result<(Vec<Row>, u64)> {
    let dir = &opts.out_dir;
    let jsonl = dir.join(REPORT_JSONL);
    if opts.resume {
        // resuming never deletes; with no rows yet it is a first run
        if !jsonl.exists() {
            sweep_temp_files(dir);
            return Ok((Vec::new(), 0));
        }
        let torn = truncate_to_last_line(&jsonl)?;
        let rows = read_rows(&jsonl)?;
        if let Some(other) = rows.iter().find(|r| {
            r.spec.as_deref().is_some_and(|s| s != spec_id)
                || r.spec_hash.as_deref().is_some_and(|h| h != hash)
        }) {
            return Err(Error::BatchRefused {
                dir: dir.clone(),
                message: format!(
                    "its rows were checked against spec `{}` ({}), this run asks for `{spec_id}` ({hash}); resume with the same spec, or use another out-dir or --overwrite",
                    other.spec.as_deref().unwrap_or("?"),
                    other.spec_hash.as_deref().unwrap_or("?")
                ),
            });
        }
        sweep_temp_files(dir);
        return Ok((rows, torn));
    }
    let owned: Vec<PathBuf> = OWNED_FILES
        .iter()
        .chain(OWNED_DIRS.iter())
        .map(|n| dir.join(n))
        .filter(|p| p.exists())
        .collect();
    if !owned.is_empty() && !opts.overwrite {
        return Err(Error::BatchRefused {
            dir: dir.clone(),
            message: "it holds a previous run's results; pass --resume to continue that run or --overwrite to delete them (report.*, summary.json, index.html, out/, preview/, overlay/, landmarks/, thumb/)".into(),
        });
    }
    for p in owned {
        let res = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        res.map_err(|e| Error::io(&p, e))?;
    }
    Ok((Vec::new(), 0))
}

/// Removes temporary files a killed run left in the owned folders.
fn sweep_temp_files(dir: &Path) {
    fn sweep(d: &Path) {
        let Ok(rd) = std::fs::read_dir(d) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                sweep(&p);
            } else if crate::files::is_temp_file_name(&name) {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    for s in OWNED_DIRS {
        sweep(&dir.join(s));
    }
}

/// Runs a batch: discovers the inputs, checks each (in parallel on rayon's pool) and appends its
/// row once its images are written; `on_row` sees every row as it is appended (progress, error
/// messages). Then rebuilds `report.csv` and `summary.json`.
///
/// # Errors
/// [`Error::UnknownSpec`], [`Error::OutDirInUse`], [`Error::BatchRefused`], or [`Error::Io`]
/// when the out-dir or `report.jsonl` cannot be written (rows already appended stay valid).
pub fn run(
    checker: &Checker,
    opts: &BatchOptions,
    on_row: &(dyn Fn(&Row) + Sync),
) -> Result<BatchRun> {
    let spec = checker.specs().get(&opts.spec)?;
    let hash = spec_hash(spec);
    let _lock = OutDirLock::acquire(&opts.out_dir)?;
    let (existing, torn_bytes) = prepare(opts, &spec.id, &hash)?;
    let done: HashSet<String> = existing.iter().map(Row::identity).collect();
    let taken: HashMap<String, String> = existing
        .iter()
        .filter_map(|r| r.name.as_ref().map(|n| (n.to_lowercase(), r.identity())))
        .collect();
    let all = discover(&opts.inputs, Some(&opts.out_dir));
    let (skipped, todo): (Vec<Input>, Vec<Input>) = all
        .into_iter()
        .partition(|i| done.contains(&*i.key.to_string_lossy()));
    let names = assign_names(&todo, output_extension(spec.output.format), &taken);
    let jsonl = opts.out_dir.join(REPORT_JSONL);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&jsonl)
        .map_err(|e| Error::io(&jsonl, e))?;
    let writer = Mutex::new(file);
    let started = std::time::Instant::now();
    todo.par_iter()
        .zip(names.par_iter())
        .try_for_each(|(input, name)| -> Result<()> {
            let mut row = check_one(checker, opts, input, name);
            row.spec = Some(spec.id.clone());
            row.spec_hash = Some(hash.clone());
            row.review = opts
                .decisions
                .get(&row.input)
                .or_else(|| opts.decisions.get(&row.key))
                .cloned();
            let mut line = serde_json::to_string(&row)
                .map_err(|e| Error::io(&jsonl, std::io::Error::other(e)))?;
            line.push('\n');
            {
                let mut w = writer.lock().unwrap_or_else(|p| p.into_inner());
                w.write_all(line.as_bytes())
                    .and_then(|()| w.flush())
                    .map_err(|e| Error::io(&jsonl, e))?;
            }
            on_row(&row);
            Ok(())
        })?;
    let secs = started.elapsed().as_secs_f64();
    let file = writer.into_inner().unwrap_or_else(|p| p.into_inner());
    file.sync_all().map_err(|e| Error::io(&jsonl, e))?;
    let summary = write_csv_and_summary(&opts.out_dir, &spec.id, &hash)?;
    Ok(BatchRun {
        checked: todo.len(),
        skipped: skipped.len(),
        torn_bytes,
        secs,
        summary,
    })
}

/// `img` scaled so that its long side is at most `max` px.
pub fn fit(img: &RgbImage, max: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= max {
        return img.clone();
    }
    let s = max as f64 / long as f64;
    let (tw, th) = (
        ((w as f64 * s).round() as u32).max(1),
        ((h as f64 * s).round() as u32).max(1),
    );
    crate::normalize::resize_exact(img, tw, th)
}

/// `name` with a `.jpg` extension (review images are always JPEG).
fn jpeg_name(name: &str) -> String {
    if name.to_ascii_lowercase().ends_with(".jpg") {
        name.to_string()
    } else {
        format!("{name}.jpg")
    }
}

/// Writes `bytes` under `dir/sub/name`; returns `sub/name`.
fn write_under(dir: &Path, sub: &str, name: &str, bytes: &[u8]) -> Result<String> {
    write_atomic(&dir.join(sub).join(name), bytes)?;
    Ok(format!("{sub}/{name}"))
}

fn review_jpeg(dir: &Path, sub: &str, name: &str, img: &RgbImage) -> Result<String> {
    let bytes = crate::image_io::encode_jpeg(img, 85, 96, false)?;
    write_under(dir, sub, &jpeg_name(name), &bytes)
}

/// Checks one input and writes its images under `opts.out_dir` as `name`; never fails: an
/// unreadable photo or a failed write becomes the row's error (`verdict: error`).
pub fn check_one(checker: &Checker, opts: &BatchOptions, input: &Input, name: &str) -> Row {
    let mut row = Row::new(input);
    row.name = Some(name.to_string());
    let fail = |mut row: Row, e: String| {
        row.error = Some(e);
        row.verdict = Some(RowVerdict::Error);
        row
    };
    if let Some(p) = &input.problem {
        return fail(row, p.clone());
    }
    let decoded = match crate::image_io::decode_path(&input.path, checker.limits()) {
        Ok(d) => d,
        Err(e) => return fail(row, e.to_string()),
    };
    let outcome = match checker.process_decoded(&decoded, &opts.spec) {
        Ok(o) => o,
        Err(e) => return fail(row, e.to_string()),
    };
    let pass = outcome.report.verdict == Verdict::Pass;
    let mut errors = Vec::new();
    let mut keep = |r: Result<String>| match r {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    match &outcome.output {
        Some(enc) if pass => row.output = keep(write_under(&opts.out_dir, "out", name, &enc.bytes)),
        Some(enc) if opts.previews => {
            row.preview = keep(write_under(&opts.out_dir, "preview", name, &enc.bytes));
        }
        None if pass => {
            row.output = keep(Err(Error::Encode(
                "the photo passed but no output image was produced".into(),
            )));
        }
        _ => {}
    }
    if opts.overlays {
        row.thumb = keep(review_jpeg(
            &opts.out_dir,
            "thumb",
            name,
            &fit(&decoded.image, THUMB_PX),
        ));
        if let Some(a) = &outcome.analysis {
            for (landmarks, sub) in [(false, "overlay"), (true, "landmarks")] {
                let drawn = crate::overlay::draw_report_with(
                    &decoded.image,
                    &outcome.report,
                    a,
                    outcome.plan.as_ref(),
                    landmarks,
                );
                let written = keep(review_jpeg(
                    &opts.out_dir,
                    sub,
                    name,
                    &fit(&drawn, OVERLAY_PX),
                ));
                if landmarks {
                    row.overlay_landmarks = written;
                } else {
                    row.overlay = written;
                }
            }
        }
    }
    row.report = Some(outcome.report);
    if errors.is_empty() {
        row.verdict = Some(if pass {
            RowVerdict::Pass
        } else {
            RowVerdict::Fail
        });
        row
    } else {
        fail(row, errors.join("; "))
    }
}

/// Reason codes of the failed checks.
pub fn failing_reasons(r: &Report) -> Vec<String> {
    r.checks
        .iter()
        .filter(|c| c.is_broken())
        .filter_map(|c| c.reason.as_ref().map(|x| x.code.as_str().to_string()))
        .collect()
}

/// Rebuilds `report.csv` and `summary.json` from `report.jsonl`, streaming (flat memory); both
/// written atomically.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_csv_and_summary(dir: &Path, spec: &str, spec_hash: &str) -> Result<Summary> {
    let jsonl = dir.join(REPORT_JSONL);
    let reader = std::io::BufReader::new(File::open(&jsonl).map_err(|e| Error::io(&jsonl, e))?);
    let csv_path = dir.join("report.csv");
    let mut csv = BufWriter::new(Vec::new());
    let mut header = vec![
        "input".to_string(),
        "verdict".into(),
        "error".into(),
        "output".into(),
    ];
    header.extend(CheckId::ALL.iter().map(|c| c.as_str().to_string()));
    header.extend(
        [
            "yaw",
            "pitch",
            "roll",
            "face_width_px",
            "upscale",
            "background_delta_e",
            "failing_reasons",
            "reviewer_verdict",
            "reviewer_note",
        ]
        .map(String::from),
    );
    let io = |e: std::io::Error| Error::io(&csv_path, e);
    writeln!(csv, "{}", header.join(",")).map_err(io)?;
    let mut summary = Summary {
        spec: spec.to_string(),
        spec_hash: spec_hash.to_string(),
        ..Summary::default()
    };
    for line in reader.lines() {
        let line = line.map_err(|e| Error::io(&jsonl, e))?;
        let Ok(row) = serde_json::from_str::<Row>(&line) else {
            continue;
        };
        summary.rows += 1;
        let verdict = row.verdict().as_str();
        *summary.verdicts.entry(verdict.to_string()).or_default() += 1;
        let mut cells = vec![
            quote(&row.input),
            verdict.to_string(),
            quote(row.error.as_deref().unwrap_or("")),
            quote(row.output.as_deref().unwrap_or("")),
        ];
        match &row.report {
            Some(r) => {
                for id in CheckId::ALL {
                    cells.push(
                        r.check(id)
                            .map(|c| format!("{:?}", c.status).to_lowercase())
                            .unwrap_or_default(),
                    );
                }
                let num = |id: CheckId, key: &str| {
                    r.check(id)
                        .and_then(|c| c.value.as_ref())
                        .and_then(|v| find_number(v, key))
                        .map(|v| format!("{v}"))
                        .unwrap_or_default()
                };
                cells.push(num(CheckId::HeadPose, "yaw"));
                cells.push(num(CheckId::HeadPose, "pitch"));
                cells.push(num(CheckId::HeadPose, "roll"));
                cells.push(num(CheckId::HeadSize, "face_width_px"));
                cells.push(num(CheckId::Resolution, "upscale"));
                cells.push(num(CheckId::BackgroundColor, "delta_e"));
                let reasons = failing_reasons(r);
                for code in &reasons {
                    *summary.reasons.entry(code.clone()).or_default() += 1;
                }
                cells.push(quote(&reasons.join(" ")));
            }
            None => cells.extend(std::iter::repeat_n(String::new(), CheckId::ALL.len() + 7)),
        }
        let review = row.review.as_ref();
        cells.push(quote(review.map_or("", |d| d.reviewer_verdict.as_str())));
        cells.push(quote(review.map_or("", |d| d.note.as_str())));
        writeln!(csv, "{}", cells.join(",")).map_err(io)?;
    }
    let bytes = csv.into_inner().map_err(|e| io(e.into_error()))?;
    write_atomic(&csv_path, &bytes)?;
    let json = serde_json::to_string_pretty(&summary).unwrap_or_default();
    write_atomic(&dir.join("summary.json"), json.as_bytes())?;
    Ok(summary)
}

/// The first number under `key` in a measure (looks into "output" first for geometry).
fn find_number(m: &crate::Measure, key: &str) -> Option<f64> {
    match m {
        crate::Measure::Map(map) => {
            if let Some(crate::Measure::Number(n)) = map.get(key) {
                return Some(*n);
            }
            ["output", "uploaded"]
                .iter()
                .find_map(|k| map.get(*k).and_then(|v| find_number(v, key)))
        }
        _ => None,
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(rel: &str, key: &str) -> Input {
        Input {
            path: PathBuf::from(rel),
            key: PathBuf::from(key),
            relative: PathBuf::from(rel),
            problem: None,
        }
    }

    #[test]
    fn names_keep_path_and_extension_and_never_collide() {
        let inputs = [
            input("a.jpg", "/x/a.jpg"),
            input("a.png", "/x/a.png"),
            input("sub/b.jpg", "/x/sub/b.jpg"),
            input("sub__b.jpg", "/x/sub__b.jpg"),
            input("c.JPG", "/x/c.JPG"),
            input("c.jpg", "/y/c.jpg"),
            input(".hidden.jpg", "/x/.hidden.jpg"),
        ];
        let names = assign_names(&inputs, "jpg", &HashMap::new());
        assert_eq!(names[0], "a.jpg");
        assert_eq!(names[1], "a.png.jpg");
        assert_eq!(names[2], "sub/b.jpg");
        assert_eq!(names[3], "sub__b.jpg");
        assert_eq!(names[6], ".hidden.jpg");
        // c.JPG and c.jpg differ only by case: both get their own hash
        assert!(
            names[4].starts_with("c~") && names[5].starts_with("c~"),
            "{names:?}"
        );
        let lower: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), names.len(), "{names:?}");
        // stable: the same inputs give the same names
        assert_eq!(names, assign_names(&inputs, "jpg", &HashMap::new()));
        // a name an earlier row owns is not handed to another input
        let taken = HashMap::from([("a.jpg".to_string(), "/elsewhere/a.jpg".to_string())]);
        let again = assign_names(&inputs[..1], "jpg", &taken);
        assert!(again[0].starts_with("a~"), "{again:?}");
        let own = HashMap::from([("a.jpg".to_string(), "/x/a.jpg".to_string())]);
        assert_eq!(assign_names(&inputs[..1], "jpg", &own)[0], "a.jpg");
    }

    #[test]
    fn long_names_fit_a_file_system() {
        let long = format!("{}.jpg", "名".repeat(120)); // 360 bytes
        let n = output_name(&input(&long, "/x/long"), "png", false);
        assert!(n.len() <= 255, "{} bytes", n.len());
        assert!(n.contains('~') && n.ends_with(".jpg.png"), "{n}");
    }

    #[test]
    fn torn_line_is_cut() {
        let dir = std::env::temp_dir().join(format!("idphoto-torn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let p = dir.join("r.jsonl");
        std::fs::write(&p, b"{\"a\":1}\n{\"b\":").unwrap_or_default();
        assert_eq!(truncate_to_last_line(&p).ok(), Some(5));
        assert_eq!(std::fs::read(&p).ok().as_deref(), Some(&b"{\"a\":1}\n"[..]));
        assert_eq!(truncate_to_last_line(&p).ok(), Some(0));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
