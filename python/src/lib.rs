//! `idphoto._idphoto`: the native half of the Python package `idphoto`.
//!
//! The Python half (`python/idphoto/__init__.py`) chooses the runtime, turns NumPy arrays into
//! bytes and JSON reports into dicts; this half holds one [`idphoto::Checker`] per output policy
//! over shared models and runs every check with the GIL released.

use std::path::PathBuf;
use std::sync::Arc;

use idphoto::checker::OutputPolicy;
use idphoto::image::RgbImage;
use idphoto::models::{Models, Runtime};
use idphoto::{Checker, SpecRegistry};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(
    _idphoto,
    IdphotoError,
    PyException,
    "Base of every idphoto error."
);
create_exception!(
    _idphoto,
    UnknownSpecError,
    IdphotoError,
    "No spec has that id; `suggestion` holds the nearest one (or None)."
);
create_exception!(
    _idphoto,
    UnsupportedFormatError,
    IdphotoError,
    "The bytes are not an image idphoto can decode (HEIC/AVIF: the message says what to do)."
);
create_exception!(
    _idphoto,
    CorruptImageError,
    IdphotoError,
    "The image data is truncated or corrupt."
);
create_exception!(
    _idphoto,
    TooLargeError,
    IdphotoError,
    "The image is over the pixel or memory limits (a decompression bomb is caught here)."
);
create_exception!(
    _idphoto,
    TooSmallError,
    IdphotoError,
    "The image is smaller than the minimum useful size."
);
create_exception!(
    _idphoto,
    EmptyImageError,
    IdphotoError,
    "The input is empty."
);
create_exception!(
    _idphoto,
    ModelsNotFoundError,
    IdphotoError,
    "The model files were found nowhere searched."
);
create_exception!(_idphoto, ModelError, IdphotoError, "A model could not be loaded or run (for ONNX Runtime: also when its library cannot be loaded).");
create_exception!(
    _idphoto,
    SpecError,
    IdphotoError,
    "A spec file could not be read, parsed or validated."
);

/// The library's error as the Python exception of its kind.
fn to_py(e: idphoto::Error) -> PyErr {
    use idphoto::Error as E;
    let msg = e.to_string();
    match e {
        E::UnknownSpec { suggestion, .. } => Python::attach(|py| {
            let err = UnknownSpecError::new_err(msg);
            let _ = err.value(py).setattr("suggestion", suggestion);
            err
        }),
        E::UnsupportedFormat { .. } => UnsupportedFormatError::new_err(msg),
        E::CorruptImage(_) => CorruptImageError::new_err(msg),
        E::TooLarge { .. } => TooLargeError::new_err(msg),
        E::TooSmall { .. } => TooSmallError::new_err(msg),
        E::EmptyImage => EmptyImageError::new_err(msg),
        E::ModelsNotFound { .. } => ModelsNotFoundError::new_err(msg),
        E::Model { .. } => ModelError::new_err(msg),
        E::Spec { .. } => SpecError::new_err(msg),
        E::Io { source, .. } => pyo3::exceptions::PyOSError::new_err(format!("{msg} ({source})")),
        _ => IdphotoError::new_err(msg),
    }
}

fn registry(specs_dir: Option<&PathBuf>) -> PyResult<SpecRegistry> {
    match specs_dir {
        Some(d) => SpecRegistry::builtin_and_dir(d),
        None => SpecRegistry::builtin(),
    }
    .map_err(to_py)
}

/// A photo as the native side takes it.
enum Photo<'a> {
    Path(PathBuf),
    Bytes(&'a [u8]),
    Rgb {
        data: &'a [u8],
        width: u32,
        height: u32,
    },
}

impl Photo<'_> {
    /// The pixels, and the size the file declares when it was decoded reduced.
    fn image(&self, checker: &Checker) -> idphoto::Result<(RgbImage, Option<[u32; 2]>)> {
        let reduced =
            |d: idphoto::image_io::Decoded| (d.image, d.reduced_from.map(|(w, h)| [w, h]));
        match self {
            Photo::Path(p) => Ok(reduced(idphoto::image_io::decode_path(
                p,
                checker.limits(),
            )?)),
            Photo::Bytes(b) => Ok(reduced(idphoto::image_io::decode(b, checker.limits())?)),
            Photo::Rgb {
                data,
                width,
                height,
            } => {
                let limits = checker.limits();
                let pixels = u64::from(*width) * u64::from(*height);
                if pixels > limits.max_pixels {
                    return Err(idphoto::Error::TooLarge {
                        width: *width,
                        height: *height,
                        limit: format!("{} px", limits.max_pixels),
                    });
                }
                if (*width).min(*height) < limits.min_side {
                    return Err(idphoto::Error::TooSmall {
                        width: *width,
                        height: *height,
                        min_side: limits.min_side,
                    });
                }
                RgbImage::from_raw(*width, *height, data.to_vec())
                    .map(|img| (img, None))
                    .ok_or_else(|| {
                        idphoto::Error::CorruptImage(format!(
                            "{} bytes are not a {width}×{height} RGB image",
                            data.len()
                        ))
                    })
            }
        }
    }
}

/// The checkers over one set of loaded models: `Send + Sync`, shared by every thread.
#[pyclass(frozen, module = "idphoto._idphoto")]
struct NativeChecker {
    if_pass: Checker,
    always: Checker,
    runtime: &'static str,
}

impl NativeChecker {
    fn run(
        &self,
        py: Python<'_>,
        photo: Photo<'_>,
        spec: &str,
        always_output: bool,
    ) -> PyResult<(String, Option<Vec<u8>>)> {
        let checker = if always_output {
            &self.always
        } else {
            &self.if_pass
        };
        py.detach(|| {
            let (img, reduced_from) = photo.image(checker)?;
            let mut outcome = checker.process(&img, spec)?;
            outcome.report.image.reduced_from = reduced_from;
            Ok::<_, idphoto::Error>((outcome.report.to_json(), outcome.output.map(|o| o.bytes)))
        })
        .map_err(to_py)
    }

    fn report(&self, py: Python<'_>, photo: Photo<'_>, spec: &str) -> PyResult<String> {
        let checker = &self.if_pass;
        py.detach(|| {
            let (img, reduced_from) = photo.image(checker)?;
            let mut report = checker.check(&img, spec)?;
            report.image.reduced_from = reduced_from;
            Ok::<_, idphoto::Error>(report.to_json())
        })
        .map_err(to_py)
    }
}

fn bytes_out(py: Python<'_>, out: (String, Option<Vec<u8>>)) -> (String, Option<Py<PyBytes>>) {
    (out.0, out.1.map(|b| PyBytes::new(py, &b).unbind()))
}

#[pymethods]
impl NativeChecker {
    #[new]
    #[pyo3(signature = (runtime, models=None, specs_dir=None))]
    fn new(
        py: Python<'_>,
        runtime: &str,
        models: Option<PathBuf>,
        specs_dir: Option<PathBuf>,
    ) -> PyResult<Self> {
        let (rt, name) = match runtime {
            "tract" => (Runtime::Tract, "tract"),
            "onnxruntime" => (Runtime::OnnxRuntime, "onnxruntime"),
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown runtime `{other}` (auto, tract or onnxruntime)"
                )))
            }
        };
        let specs = registry(specs_dir.as_ref())?;
        py.detach(|| {
            let mut b = Models::builder().runtime(rt);
            if let Some(d) = &models {
                b = b.dir(d);
            }
            let models = Arc::new(b.build()?);
            let checker = |policy| {
                Checker::builder()
                    .specs(specs.clone())
                    .models(Arc::clone(&models))
                    .output(policy)
                    .build()
            };
            Ok::<_, idphoto::Error>(NativeChecker {
                if_pass: checker(OutputPolicy::IfPass)?,
                always: checker(OutputPolicy::Always)?,
                runtime: name,
            })
        })
        .map_err(to_py)
    }

    /// `tract` or `onnxruntime`.
    #[getter]
    fn runtime(&self) -> &'static str {
        self.runtime
    }

    fn check_path(&self, py: Python<'_>, path: PathBuf, spec: &str) -> PyResult<String> {
        self.report(py, Photo::Path(path), spec)
    }

    fn check_bytes(&self, py: Python<'_>, data: &[u8], spec: &str) -> PyResult<String> {
        self.report(py, Photo::Bytes(data), spec)
    }

    fn check_rgb(
        &self,
        py: Python<'_>,
        data: &[u8],
        width: u32,
        height: u32,
        spec: &str,
    ) -> PyResult<String> {
        self.report(
            py,
            Photo::Rgb {
                data,
                width,
                height,
            },
            spec,
        )
    }

    fn process_path(
        &self,
        py: Python<'_>,
        path: PathBuf,
        spec: &str,
        always_output: bool,
    ) -> PyResult<(String, Option<Py<PyBytes>>)> {
        let out = self.run(py, Photo::Path(path), spec, always_output)?;
        Ok(bytes_out(py, out))
    }

    fn process_bytes(
        &self,
        py: Python<'_>,
        data: &[u8],
        spec: &str,
        always_output: bool,
    ) -> PyResult<(String, Option<Py<PyBytes>>)> {
        let out = self.run(py, Photo::Bytes(data), spec, always_output)?;
        Ok(bytes_out(py, out))
    }

    fn process_rgb(
        &self,
        py: Python<'_>,
        data: &[u8],
        width: u32,
        height: u32,
        spec: &str,
        always_output: bool,
    ) -> PyResult<(String, Option<Py<PyBytes>>)> {
        let out = self.run(
            py,
            Photo::Rgb {
                data,
                width,
                height,
            },
            spec,
            always_output,
        )?;
        Ok(bytes_out(py, out))
    }
}

/// Every spec as JSON rows (`idphoto specs list --json`).
#[pyfunction]
#[pyo3(signature = (specs_dir=None))]
fn specs_json(specs_dir: Option<PathBuf>) -> PyResult<String> {
    let reg = registry(specs_dir.as_ref())?;
    let rows: Vec<serde_json::Value> = reg
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
        .collect();
    serde_json::to_string(&rows).map_err(|e| IdphotoError::new_err(e.to_string()))
}

/// The crate version the module was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _idphoto(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<NativeChecker>()?;
    m.add_function(wrap_pyfunction!(specs_json, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add("IdphotoError", py.get_type::<IdphotoError>())?;
    m.add("UnknownSpecError", py.get_type::<UnknownSpecError>())?;
    m.add(
        "UnsupportedFormatError",
        py.get_type::<UnsupportedFormatError>(),
    )?;
    m.add("CorruptImageError", py.get_type::<CorruptImageError>())?;
    m.add("TooLargeError", py.get_type::<TooLargeError>())?;
    m.add("TooSmallError", py.get_type::<TooSmallError>())?;
    m.add("EmptyImageError", py.get_type::<EmptyImageError>())?;
    m.add("ModelsNotFoundError", py.get_type::<ModelsNotFoundError>())?;
    m.add("ModelError", py.get_type::<ModelError>())?;
    m.add("SpecError", py.get_type::<SpecError>())?;
    Ok(())
}
