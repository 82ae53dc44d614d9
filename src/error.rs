//! The crate's error type.
//!
//! An [`Error`] means a photo (or a spec) could not be evaluated at all. A photo that breaks a
//! rule is *not* an error: it is a failing [`CheckResult`](crate::report::CheckResult) in the
//! [`Report`](crate::report::Report).

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop idphoto from evaluating a photo or loading a spec.
///
/// A photo that breaks a rule is not an error: it is a failing check in the report.
///
/// ```
/// use idphoto::{Checker, Error};
///
/// // no models needed to see these errors
/// let checker = Checker::builder().without_models().build()?;
/// match checker.check_bytes(b"not a photo", "cn/id-card") {
///     Err(Error::UnsupportedFormat { .. }) => {}
///     other => panic!("{other:?}"),
/// }
/// match checker.specs().get("cn/idcard") {
///     Err(Error::UnknownSpec { suggestion, .. }) => {
///         assert_eq!(suggestion.as_deref(), Some("cn/id-card"))
///     }
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), idphoto::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The input was empty (zero bytes).
    #[error("image data is empty")]
    EmptyImage,

    /// The bytes are not in a format idphoto can decode (sniffed from content, not extension).
    #[error("unsupported or unrecognised image format{}", .detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    UnsupportedFormat {
        /// What the decoder said, if anything.
        detail: Option<String>,
    },

    /// The image declares more pixels or needs more memory than the configured limits allow
    /// (a decompression bomb is caught here before any pixel buffer is allocated).
    #[error("image {width}x{height} exceeds the limit of {limit}")]
    TooLarge {
        /// Declared width (0 when the decoder did not say).
        width: u32,
        /// Declared height (0 when the decoder did not say).
        height: u32,
        /// The limit that was hit, in words.
        limit: String,
    },

    /// The image is smaller than the minimum useful size.
    #[error("image {width}x{height} is too small (minimum {min_side} px on each side)")]
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The minimum side length.
        min_side: u32,
    },

    /// The image data is truncated or corrupt.
    #[error("corrupt or truncated image: {0}")]
    CorruptImage(String),

    /// Encoding the output image failed.
    #[error("encoding the output image failed: {0}")]
    Encode(String),

    /// A spec file could not be read, parsed or validated.
    #[error("spec {file}: {field}: {message}", file = .file.display(), field = if .field.is_empty() { "<file>" } else { .field.as_str() })]
    Spec {
        /// The file that is at fault.
        file: PathBuf,
        /// Dotted path of the field at fault (`geometry.face_width_px.min`), empty for the whole file.
        field: String,
        /// What is wrong.
        message: String,
    },

    /// No spec with that id is registered.
    #[error("unknown spec id `{id}`{}", match .suggestion { Some(s) => format!("; did you mean `{s}`?"), None => format!(" (known: {known})") })]
    UnknownSpec {
        /// The id asked for.
        id: String,
        /// The nearest known id, when one is close.
        suggestion: Option<String>,
        /// Comma-separated list of registered ids.
        known: String,
    },

    /// A label or ground-truth file for [`crate::evaluate`] is malformed.
    #[error("labels {file}: {message}", file = .file.display())]
    Labels {
        /// The file at fault.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },

    /// Another process holds the batch out-dir's lock.
    #[error("out-dir {dir} is in use by {}", .pid.map(|p| format!("process {p}")).unwrap_or_else(|| "another process".into()))]
    OutDirInUse {
        /// The out-dir.
        dir: PathBuf,
        /// The process holding it, when it wrote its id.
        pid: Option<u32>,
    },

    /// A batch run refuses to start in this out-dir (a previous run's files, another spec).
    #[error("out-dir {dir}: {message}", dir = .dir.display())]
    BatchRefused {
        /// The out-dir.
        dir: PathBuf,
        /// Why, and what to do.
        message: String,
    },

    /// The model files were found in none of the places searched.
    #[error("model files not found; looked in: {}. Give the folder with --models DIR (the `idphoto` tool) or IDPHOTO_MODELS=DIR, or put the repository's models/ folder next to the executable, or install a build that carries them (cargo feature `embed-models`); in code: Checker::builder().models_dir(DIR)", .searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    ModelsNotFound {
        /// Every folder (or file) looked in, in order.
        searched: Vec<PathBuf>,
    },
    /// A model file could not be loaded or run.
    #[error("model {model}: {message}")]
    Model {
        /// Model name (e.g. `face_parsing`).
        model: String,
        /// What went wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn spec(
        file: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Spec {
            file: file.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn labels(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Labels {
            file: file.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
