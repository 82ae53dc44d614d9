//! Loading spec files, resolving `extends`, and looking specs up by id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::validate::validate;
use super::PhotoSpec;
use crate::error::{Error, Result};

/// Largest spec file accepted, in bytes. Real specs are a few KB; a 10 MB "spec" is an attack or
/// a mistake and is refused before it is parsed.
pub const MAX_SPEC_FILE_BYTES: u64 = 256 * 1024;
/// Deepest `extends` chain accepted (country → province → city → district needs 4).
pub const MAX_EXTENDS_DEPTH: usize = 16;
/// Most spec files one registry loads from a folder.
pub const MAX_SPEC_FILES: usize = 10_000;

/// The specs compiled into the crate from its `specs/` folder: `(id, file name, TOML text)`.
const BUILTIN: &[(&str, &str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_specs.rs"));

/// A set of resolved, validated specs, looked up by path id.
///
/// ```
/// use idphoto::SpecRegistry;
///
/// let specs = SpecRegistry::builtin()?;
/// let id_card = specs.get("cn/id-card")?;
/// assert_eq!((id_card.output.width_px, id_card.output.height_px), (358, 441));
/// // a mistyped id gets a suggestion
/// assert_eq!(specs.suggest("CN/ID-CARD"), Some("cn/id-card"));
/// assert!(specs.ids().any(|id| id == "icao/passport"));
/// # Ok::<(), idphoto::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SpecRegistry {
    specs: BTreeMap<String, PhotoSpec>,
    files: BTreeMap<String, PathBuf>,
    /// Each file's own table, as written (for [`SpecRegistry::origins`]).
    raw: BTreeMap<String, (PathBuf, toml::Table)>,
    /// Each file's leading comment block (its sources), without the `#`s.
    notes: BTreeMap<String, String>,
}

struct RawSpec {
    file: PathBuf,
    table: toml::Table,
}

impl SpecRegistry {
    /// The specs shipped in the crate's `specs/` folder, compiled in.
    ///
    /// # Errors
    /// Only if a shipped spec is invalid, which the crate's tests rule out.
    pub fn builtin() -> Result<Self> {
        Self::from_sources(builtin_sources())
    }

    /// The built-in specs plus every `*.toml` below `dir`, resolved together: a file in `dir`
    /// can `extends = "cn/id-card"`, and one with a built-in id (`dir/cn/id-card.toml`)
    /// replaces that built-in. Stops at the first invalid file.
    ///
    /// # Errors
    /// As [`load_dir`](Self::load_dir).
    pub fn builtin_and_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let (reg, mut errors) = Self::builtin_and_dir_lenient(dir)?;
        match errors.is_empty() {
            true => Ok(reg),
            false => Err(errors.swap_remove(0)),
        }
    }

    /// Like [`builtin_and_dir`](Self::builtin_and_dir) but keeps every valid spec and returns
    /// the errors of the invalid ones.
    ///
    /// # Errors
    /// [`Error::Io`] when the folder itself cannot be listed.
    pub fn builtin_and_dir_lenient(dir: impl AsRef<Path>) -> Result<(Self, Vec<Error>)> {
        let (mine, mut errors) = dir_sources(dir.as_ref())?;
        let mut sources: Vec<_> = builtin_sources()
            .filter(|(id, _, _)| !mine.iter().any(|(m, _, _)| m == id))
            .collect();
        sources.extend(mine);
        let (reg, mut more) = Self::resolve_all(sources);
        errors.append(&mut more);
        Ok((reg, errors))
    }

    /// Loads every `*.toml` below `dir`; the id of `dir/cn/guangdong/id-card.toml` is
    /// `cn/guangdong/id-card`. Stops at the first invalid file.
    ///
    /// # Errors
    /// [`Error::Io`] when the folder cannot be read, [`Error::Spec`] naming the file and field
    /// of the first invalid spec.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let (reg, mut errors) = Self::load_dir_lenient(dir)?;
        match errors.is_empty() {
            true => Ok(reg),
            false => Err(errors.swap_remove(0)),
        }
    }

    /// Like [`load_dir`](Self::load_dir) but keeps every valid spec and returns the errors of
    /// all invalid ones (for `specs validate`).
    ///
    /// # Errors
    /// [`Error::Io`] when the folder itself cannot be listed.
    pub fn load_dir_lenient(dir: impl AsRef<Path>) -> Result<(Self, Vec<Error>)> {
        let (sources, mut errors) = dir_sources(dir.as_ref())?;
        let (reg, mut more) = Self::resolve_all(sources);
        errors.append(&mut more);
        Ok((reg, errors))
    }

    /// Builds a registry from in-memory sources `(id, file name for messages, TOML bytes)`.
    ///
    /// # Errors
    /// [`Error::Spec`] for the first invalid source.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, PathBuf, Vec<u8>)>,
    ) -> Result<Self> {
        let (reg, mut errors) = Self::resolve_all(sources.into_iter().collect());
        match errors.is_empty() {
            true => Ok(reg),
            false => Err(errors.swap_remove(0)),
        }
    }

    fn resolve_all(sources: Vec<(String, PathBuf, Vec<u8>)>) -> (Self, Vec<Error>) {
        let mut errors = Vec::new();
        let mut raw = BTreeMap::new();
        let mut notes = BTreeMap::new();
        for (id, file, bytes) in sources {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                notes.insert(id.clone(), leading_comments(text));
            }
            match parse_raw(&file, &bytes) {
                Ok(table) => {
                    if let Some(prev) = raw.insert(
                        id.clone(),
                        RawSpec {
                            file: file.clone(),
                            table,
                        },
                    ) {
                        errors.push(Error::spec(
                            &file,
                            "",
                            format!("duplicate spec id `{id}` (also in {})", prev.file.display()),
                        ));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        let mut reg = SpecRegistry::default();
        let mut resolved: BTreeMap<String, std::result::Result<(toml::Table, usize), ()>> =
            BTreeMap::new();
        for id in raw.keys() {
            let mut stack = Vec::new();
            match resolve(id, &raw, &mut resolved, &mut stack) {
                Ok((table, _)) => {
                    let file = raw.get(id).map(|r| r.file.clone()).unwrap_or_default();
                    match finish(id, &file, table) {
                        Ok(spec) => {
                            reg.specs.insert(id.clone(), spec);
                            reg.files.insert(id.clone(), file);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                Err(Some(e)) => errors.push(e),
                Err(None) => {} // a parent failed: its own error is reported once, under its file
            }
        }
        for (id, r) in raw {
            if reg.specs.contains_key(&id) {
                if let Some(n) = notes.remove(&id) {
                    reg.notes.insert(id.clone(), n);
                }
                reg.raw.insert(id, (r.file, r.table));
            }
        }
        (reg, errors)
    }

    /// The `extends` chain of a spec, from the spec itself to its root: `(id, file)` pairs.
    pub fn chain(&self, id: &str) -> Vec<(String, PathBuf)> {
        let mut out: Vec<(String, PathBuf)> = Vec::new();
        let mut cur = Some(id.to_string());
        while let Some(c) = cur.take() {
            let Some((file, table)) = self.raw.get(&c) else {
                break;
            };
            if out.iter().any(|(seen, _)| *seen == c) {
                break;
            }
            out.push((c.clone(), file.clone()));
            cur = table
                .get("extends")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
        out
    }

    /// Where each value of a spec was set: dotted field (`geometry.face_width_px.min`) → the
    /// file in its `extends` chain that set it last. Fields no file sets take the crate's
    /// defaults and are absent here. `None` for an unknown id or a spec added by
    /// [`insert`](Self::insert).
    pub fn origins(&self, id: &str) -> Option<BTreeMap<String, PathBuf>> {
        let chain = self.chain(id);
        if chain.is_empty() {
            return None;
        }
        let mut out = BTreeMap::new();
        for (cid, file) in chain.iter().rev() {
            if let Some((_, table)) = self.raw.get(cid) {
                leaf_keys(table, "", &mut |k| {
                    out.insert(k, file.clone());
                });
            }
        }
        Some(out)
    }

    /// The leading comment block of the spec's own file (where its numbers come from), without
    /// the `#` marks; empty when the file has none.
    pub fn notes(&self, id: &str) -> Option<&str> {
        self.notes.get(id).map(String::as_str)
    }

    /// The specs of one region (`region_code`, GB/T 2260 for China: `440300` is Shenzhen),
    /// sorted by id: which receipts a detection centre of that region issues.
    pub fn with_region_code<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a PhotoSpec> {
        self.specs
            .values()
            .filter(move |s| s.region_code.as_deref() == Some(code))
    }

    /// The registered id `id` most likely means, for "did you mean" messages: the same id in
    /// another case (`CN/ID-CARD`), then the one id that ends with it (`id-card` →
    /// `cn/id-card`; several national ids ending so are the country's own, `cn/…` first when
    /// the end is the national one), then the nearest by edit distance (at most a third of its
    /// length away), case aside.
    pub fn suggest(&self, id: &str) -> Option<&str> {
        let lower = id.trim().trim_matches('/').to_lowercase();
        if let Some(same) = self.ids().find(|k| k.to_lowercase() == lower) {
            return Some(same);
        }
        if !lower.is_empty() {
            let tail = format!("/{lower}");
            let ending: Vec<&str> = self.ids().filter(|k| k.ends_with(&tail)).collect();
            // the shortest id ending so: `cn/id-card` before `cn/guangdong/shenzhen/id-card`;
            // among several of one length (`cn/passport`, `us/passport`) none is more likely
            let shortest = ending.iter().map(|k| k.len()).min();
            let best: Vec<&str> = ending
                .iter()
                .copied()
                .filter(|k| Some(k.len()) == shortest)
                .collect();
            if let [one] = best.as_slice() {
                return Some(one);
            }
        }
        nearest(&lower, self.ids())
    }

    /// The spec with this id.
    ///
    /// # Errors
    /// [`Error::UnknownSpec`] listing the known ids.
    pub fn get(&self, id: &str) -> Result<&PhotoSpec> {
        self.specs.get(id).ok_or_else(|| Error::UnknownSpec {
            id: id.to_string(),
            suggestion: self.suggest(id).map(str::to_string),
            known: self.specs.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// All ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.specs.keys().map(String::as_str)
    }

    /// All specs, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &PhotoSpec> {
        self.specs.values()
    }

    /// The file a spec was loaded from.
    pub fn file_of(&self, id: &str) -> Option<&Path> {
        self.files.get(id).map(PathBuf::as_path)
    }

    /// Number of specs.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// Whether the registry holds no spec.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Adds (or replaces) a spec after validating it; its `extends` is not resolved (the spec
    /// must be complete).
    ///
    /// # Errors
    /// [`Error::Spec`] if the spec is invalid.
    pub fn insert(&mut self, spec: PhotoSpec) -> Result<()> {
        let file = PathBuf::from(format!("<{}>", spec.id));
        if let Some((field, message)) = validate(&spec).into_iter().next() {
            return Err(Error::spec(file, field, message));
        }
        self.files.insert(spec.id.clone(), file);
        self.specs.insert(spec.id.clone(), spec);
        Ok(())
    }
}

/// Resolves `id` to its merged table. Each failure is reported once: the first caller gets
/// `Err(Some(error))` naming the file at fault, later callers (through the cache) `Err(None)`.
fn resolve(
    id: &str,
    raw: &BTreeMap<String, RawSpec>,
    resolved: &mut BTreeMap<String, std::result::Result<(toml::Table, usize), ()>>,
    stack: &mut Vec<String>,
) -> std::result::Result<(toml::Table, usize), Option<Error>> {
    if let Some(r) = resolved.get(id) {
        return r.clone().map_err(|()| None);
    }
    let Some(spec) = raw.get(id) else {
        return Err(None);
    };
    let result = resolve_uncached(id, spec, raw, resolved, stack);
    resolved.insert(
        id.to_string(),
        result.as_ref().map(Clone::clone).map_err(|_| ()),
    );
    result
}

fn resolve_uncached(
    id: &str,
    spec: &RawSpec,
    raw: &BTreeMap<String, RawSpec>,
    resolved: &mut BTreeMap<String, std::result::Result<(toml::Table, usize), ()>>,
    stack: &mut Vec<String>,
) -> std::result::Result<(toml::Table, usize), Option<Error>> {
    let parent = match spec.table.get("extends") {
        None => return Ok((spec.table.clone(), 1)),
        Some(toml::Value::String(p)) => p.clone(),
        Some(other) => {
            return Err(Some(Error::spec(
                &spec.file,
                "extends",
                format!("expected a spec id string, found {}", other.type_str()),
            )))
        }
    };
    if parent == id || stack.iter().any(|s| s == &parent) {
        let mut cycle = stack.clone();
        cycle.push(id.to_string());
        cycle.push(parent);
        return Err(Some(Error::spec(
            &spec.file,
            "extends",
            format!("inheritance cycle: {}", cycle.join(" -> ")),
        )));
    }
    if stack.len() + 1 >= MAX_EXTENDS_DEPTH {
        return Err(Some(deep(&spec.file)));
    }
    let Some(parent_raw) = raw.get(&parent) else {
        return Err(Some(Error::spec(
            &spec.file,
            "extends",
            format!("unknown parent spec `{parent}`"),
        )));
    };
    stack.push(id.to_string());
    let base = resolve(&parent, raw, resolved, stack);
    stack.pop();
    let (mut base, depth) = base?;
    if depth + 1 > MAX_EXTENDS_DEPTH {
        return Err(Some(deep(&spec.file)));
    }
    // The parent must itself be a valid spec before a child may build on it; its own error is
    // reported under its own id.
    if finish(&parent, &parent_raw.file, base.clone()).is_err() {
        return Err(None);
    }
    merge(&mut base, &spec.table);
    Ok((base, depth + 1))
}

fn deep(file: &Path) -> Error {
    Error::spec(
        file,
        "extends",
        format!("`extends` chain deeper than {MAX_EXTENDS_DEPTH} levels"),
    )
}

/// Deserialises and validates a resolved table.
fn finish(id: &str, file: &Path, table: toml::Table) -> Result<PhotoSpec> {
    let mut spec: PhotoSpec =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let field = e.path().to_string();
            let field = if field == "." { String::new() } else { field };
            Error::spec(file, field, e.into_inner().message().to_string())
        })?;
    spec.id = id.to_string();
    if let Some((field, message)) = validate(&spec).into_iter().next() {
        return Err(Error::spec(file, field, message));
    }
    Ok(spec)
}

/// Child values replace parent values; tables merge key by key.
fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

fn parse_raw(file: &Path, bytes: &[u8]) -> Result<toml::Table> {
    if bytes.len() as u64 > MAX_SPEC_FILE_BYTES {
        return Err(Error::spec(
            file,
            "",
            format!(
                "file is {} bytes, larger than the {MAX_SPEC_FILE_BYTES}-byte limit for a spec",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::spec(
            file,
            "",
            format!("not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })?;
    text.parse::<toml::Table>()
        .map_err(|e| Error::spec(file, "", format!("TOML syntax: {}", e.to_string().trim())))
}

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::new();
    f.take(MAX_SPEC_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ty.is_dir() {
            collect_toml(&path, out)?;
        } else if ty.is_file() && path.extension().is_some_and(|e| e == "toml") {
            if out.len() >= MAX_SPEC_FILES {
                return Err(Error::spec(
                    dir,
                    "",
                    format!("more than {MAX_SPEC_FILES} spec files"),
                ));
            }
            out.push(path);
        }
    }
    Ok(())
}

/// `dir/cn/guangdong/id-card.toml` → `cn/guangdong/id-card`.
fn spec_id(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?.with_extension("");
    let parts: Vec<&str> = rel
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    let ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    parts.iter().all(ok).then(|| parts.join("/"))
}

/// The compiled-in specs as sources.
fn builtin_sources() -> impl Iterator<Item = (String, PathBuf, Vec<u8>)> {
    BUILTIN.iter().map(|(id, file, text)| {
        (
            id.to_string(),
            PathBuf::from(file),
            text.as_bytes().to_vec(),
        )
    })
}

type Sources = Vec<(String, PathBuf, Vec<u8>)>;

/// Every `*.toml` below `dir` as sources, and the errors of files that cannot be sources.
fn dir_sources(dir: &Path) -> Result<(Sources, Vec<Error>)> {
    let mut files = Vec::new();
    collect_toml(dir, &mut files)?;
    files.sort();
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    for path in files {
        let Some(id) = spec_id(dir, &path) else {
            errors.push(Error::spec(
                &path,
                "",
                "file name is not a valid spec id (use a-z, 0-9, '-', '_')",
            ));
            continue;
        };
        match read_capped(&path) {
            Ok(bytes) => sources.push((id, path, bytes)),
            Err(e) => errors.push(e),
        }
    }
    Ok((sources, errors))
}

/// Calls `f` with the dotted path of every non-table value (`extends` excluded).
fn leaf_keys(t: &toml::Table, prefix: &str, f: &mut impl FnMut(String)) {
    for (k, v) in t {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => leaf_keys(inner, &key, f),
            _ if key == "extends" => {}
            _ => f(key),
        }
    }
}

/// The candidate nearest to `word` by edit distance, if within a third of its length (at least
/// one edit): for "did you mean" messages.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cur = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let best = (prev + usize::from(ca != *cb)).min(cur + 1).min(left + 1);
            if let Some(x) = row.get_mut(j + 1) {
                *x = best;
            }
            prev = cur;
        }
    }
    row.last().copied().unwrap_or(0)
}

/// The comment lines at the top of a TOML file, `#` and one space removed.
fn leading_comments(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(c) = t.strip_prefix('#') {
            out.push(c.strip_prefix(' ').unwrap_or(c).trim_end());
        } else if !t.is_empty() {
            break;
        }
    }
    out.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_and_nearest() {
        assert_eq!(edit_distance("cn/idcard", "cn/id-card"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let ids = ["cn/id-card", "cn/exit-entry", "us/passport"];
        assert_eq!(nearest("cn/idcard", ids.into_iter()), Some("cn/id-card"));
        assert_eq!(nearest("us/pasport", ids.into_iter()), Some("us/passport"));
        assert_eq!(nearest("jp/visa", ids.into_iter()), None);
    }
}
