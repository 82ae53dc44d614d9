//! The onnxruntime backend (cargo feature `onnxruntime`): the same models run by ONNX Runtime
//! through the `ort` crate, loaded at run time from a shared library the user installs (nothing
//! is downloaded or linked at build time).
//!
//! The library is found at [`ORT_DYLIB_ENV`] (`ORT_DYLIB_PATH`) when set, else by its plain name
//! (`libonnxruntime.so`, `libonnxruntime.dylib`, `onnxruntime.dll`) through the system's loader
//! path. `pip install onnxruntime==1.32.0` ships it on Linux as
//! `site-packages/onnxruntime/capi/libonnxruntime.so.1.32.0`.
//!
//! Each model runs on one thread (`intra_op_num_threads = 1`): photos run in parallel, one per
//! rayon thread, as with tract. ONNX Runtime's `Run` is thread-safe but the `ort` wrapper takes a
//! session mutably, so each model keeps a small pool of sessions, one more made (from the same
//! bytes) whenever every session is busy.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::Tensor;

use crate::error::{Error, Result};

/// The environment variable naming the ONNX Runtime shared library.
pub const ORT_DYLIB_ENV: &str = "ORT_DYLIB_PATH";

/// The shared library's file name on this platform, looked up through the loader path when
/// [`ORT_DYLIB_ENV`] is not set.
pub const DEFAULT_DYLIB: &str = if cfg!(target_os = "windows") {
    "onnxruntime.dll"
} else if cfg!(target_os = "macos") {
    "libonnxruntime.dylib"
} else {
    "libonnxruntime.so"
};

/// Where the library is loaded from: [`ORT_DYLIB_ENV`] when set and not empty, else
/// [`DEFAULT_DYLIB`].
pub fn dylib_path() -> PathBuf {
    match std::env::var_os(ORT_DYLIB_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(DEFAULT_DYLIB),
    }
}

/// The process's one environment, made on first use (the library can be loaded once).
static ENV: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

fn environment() -> Result<&'static Environment> {
    ENV.get_or_init(|| {
        let path = dylib_path();
        let builder = ort::init_from(&path).map_err(|e| {
            format!(
                "cannot load ONNX Runtime from `{}` ({e}); set {ORT_DYLIB_ENV} to the library \
                 (`pip install onnxruntime` ships it as onnxruntime/capi/libonnxruntime.so.*)",
                path.display()
            )
        })?;
        builder
            .with_name("idphoto")
            .with_telemetry(false)
            .build()
            .map_err(|e| format!("ONNX Runtime environment: {e}"))
    })
    .as_ref()
    .map_err(|message| Error::Model {
        model: "onnxruntime".into(),
        message: message.clone(),
    })
}

/// Whether the ONNX Runtime library can be loaded (loads it on first call).
pub fn available() -> bool {
    environment().is_ok()
}

/// One model in ONNX Runtime: its bytes and a pool of sessions.
pub(crate) struct OrtModel {
    name: &'static str,
    bytes: Arc<[u8]>,
    pool: Mutex<Vec<Session>>,
}

impl OrtModel {
    /// Loads `bytes` into a first session (so a bad model fails here, not at the first photo).
    pub(crate) fn load(name: &'static str, bytes: &[u8]) -> Result<Self> {
        let model = OrtModel {
            name,
            bytes: Arc::from(bytes),
            pool: Mutex::new(Vec::new()),
        };
        let first = model.session()?;
        model.give_back(first);
        Ok(model)
    }

    fn err(&self, stage: &str, e: impl std::fmt::Display) -> Error {
        Error::Model {
            model: self.name.to_string(),
            message: format!("onnxruntime {stage}: {e}"),
        }
    }

    /// A free session from the pool, or a new one.
    fn session(&self) -> Result<Session> {
        if let Some(s) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(s);
        }
        let env = environment()?;
        let opt = |e: ort::Error<_>| self.err("options", e);
        Session::builder(env)
            .map_err(|e| self.err("options", e))?
            .with_optimization_level(GraphOptimizationLevel::All)
            .map_err(opt)?
            .with_intra_threads(1)
            .map_err(opt)?
            .with_inter_threads(1)
            .map_err(opt)?
            .commit_from_memory(&self.bytes)
            .map_err(|e| self.err("load", e))
    }

    fn give_back(&self, s: Session) {
        if let Ok(mut p) = self.pool.lock() {
            p.push(s);
        }
    }

    /// Runs on `input` of `shape`, returning each output as `(shape, values)`.
    pub(crate) fn run(
        &self,
        shape: &[usize],
        input: Vec<f32>,
    ) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        let tensor =
            Tensor::from_array((shape.to_vec(), input)).map_err(|e| self.err("input", e))?;
        let mut session = self.session()?;
        let out = (|| {
            let outputs = session
                .run(ort::inputs![tensor])
                .map_err(|e| self.err("run", e))?;
            outputs
                .iter()
                .map(|(_, v)| {
                    let (shape, values) = v
                        .try_extract_tensor::<f32>()
                        .map_err(|e| self.err("output", e))?;
                    let shape = shape.iter().map(|&d| d.max(0) as usize).collect();
                    Ok((shape, values.to_vec()))
                })
                .collect::<Result<Vec<_>>>()
        })();
        self.give_back(session);
        out
    }
}
