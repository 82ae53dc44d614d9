//! What the subcommands share: spec and model options, errors, exit codes.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use idphoto::checker::OutputPolicy;
use idphoto::{Checker, SpecRegistry};

/// Exit status of a run that could not start or stopped (bad arguments, unknown spec, models
/// missing, unwritable output).
pub const EXIT_ERROR: u8 = 2;

/// The error type of a subcommand: printed as `error: ...`, exit status 2.
pub type Failure = Box<dyn std::error::Error>;

/// Options every checking subcommand takes.
#[derive(Default)]
pub struct Common {
    pub spec: Option<String>,
    pub specs: Option<PathBuf>,
    pub models: Option<PathBuf>,
    pub runtime: Option<idphoto::models::Runtime>,
}

/// The help text lines of [`Common`].
pub const COMMON_HELP: &str = "  --spec ID         the document spec (`idphoto specs list`)
  --specs DIR       also load the *.toml specs below DIR; they may `extends` a built-in spec,
                    and one with a built-in id replaces it
  --models DIR      load the models from DIR (default: $IDPHOTO_MODELS, compiled in, models/
                    next to the executable, the crate's models/)
  --runtime NAME    tract or onnxruntime (default: onnxruntime in a build with the cargo
                    feature `onnxruntime`, else tract; onnxruntime is loaded from
                    $ORT_DYLIB_PATH or libonnxruntime on the loader path)";

impl Common {
    /// Whether `name` is one of `--spec`, `--specs`, `--models`, `--runtime`.
    pub fn knows(name: &str) -> bool {
        matches!(name, "spec" | "specs" | "models" | "runtime")
    }

    /// Sets option `name` (one [`knows`](Self::knows)) to the parser's next value.
    pub fn take(&mut self, name: &str, p: &mut lexopt::Parser) -> Result<(), lexopt::Error> {
        let v = p.value()?;
        match name {
            "spec" => self.spec = Some(lexopt::ValueExt::string(v)?),
            "specs" => self.specs = Some(PathBuf::from(v)),
            "runtime" => {
                self.runtime = Some(match lexopt::ValueExt::string(v)?.as_str() {
                    "tract" => idphoto::models::Runtime::Tract,
                    "onnxruntime" | "ort" => idphoto::models::Runtime::OnnxRuntime,
                    other => {
                        return Err(lexopt::Error::Custom(
                            format!("unknown runtime `{other}` (tract or onnxruntime)").into(),
                        ))
                    }
                })
            }
            _ => self.models = Some(PathBuf::from(v)),
        }
        Ok(())
    }

    /// The built-in specs plus `--specs DIR`.
    pub fn registry(&self) -> idphoto::Result<SpecRegistry> {
        registry(self.specs.as_deref())
    }

    /// The registry and the `--spec` id checked against it, before any model loads.
    pub fn spec_checked(&self) -> Result<(SpecRegistry, String), Failure> {
        let reg = self.registry()?;
        let id = self.spec.clone().ok_or("missing --spec ID")?;
        reg.get(&id)?;
        Ok((reg, id))
    }

    /// A checker over `reg` with the models of `--models`.
    pub fn checker(&self, reg: SpecRegistry, policy: OutputPolicy) -> idphoto::Result<Checker> {
        let mut b = Checker::builder().specs(reg).output(policy);
        if let Some(r) = self.runtime {
            b = b.runtime(r);
        }
        if let Some(d) = &self.models {
            b = b.models_dir(d);
        }
        b.build()
    }
}

/// The built-in specs plus, when given, the folder's.
pub fn registry(dir: Option<&Path>) -> idphoto::Result<SpecRegistry> {
    match dir {
        Some(d) => SpecRegistry::builtin_and_dir(d),
        None => SpecRegistry::builtin(),
    }
}

/// A parser over a subcommand's arguments.
pub fn parser(args: Vec<OsString>) -> lexopt::Parser {
    lexopt::Parser::from_args(args)
}

/// Prints `error: ...` (and the usage line for argument errors) and returns exit status 2.
pub fn fail(e: &dyn std::fmt::Display, usage: Option<&str>) -> ExitCode {
    match usage {
        Some(u) => eprintln!("error: {e}\n{u}\n(--help lists every option)"),
        None => eprintln!("error: {e}"),
    }
    ExitCode::from(EXIT_ERROR)
}

/// Whether stdout is `-` in `path`.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}
