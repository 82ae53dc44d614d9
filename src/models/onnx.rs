//! The one model-runtime seam: load once, fix the input shape, optimize, share. tract runs every
//! model by default; with the cargo feature `onnxruntime`, ONNX Runtime can (see
//! [`Runtime`]). Nothing outside `src/models/` knows which runtime ran.

use std::cell::Cell;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tract_onnx::prelude::*;

use crate::error::{Error, Result};

thread_local! {
    /// Inference time and runs on this thread since the last [`take_inference_time`].
    static INFERENCE: Cell<(Duration, u32)> = const { Cell::new((Duration::ZERO, 0)) };
}

/// Returns and resets this thread's accumulated inference time and number of model runs.
pub(crate) fn take_inference_time() -> (Duration, u32) {
    INFERENCE.with(|c| c.replace((Duration::ZERO, 0)))
}

/// Which runtime runs the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Runtime {
    /// tract, pure Rust (always built).
    #[default]
    Tract,
    /// ONNX Runtime, loaded at run time from its shared library (cargo feature
    /// `onnxruntime`; the library is found at `$ORT_DYLIB_PATH`, else by its plain name on the
    /// loader path). Without the feature, loading
    /// models with it is an [`Error::Model`].
    OnnxRuntime,
}

impl Runtime {
    /// The default of this build: [`Runtime::OnnxRuntime`] with the cargo feature
    /// `onnxruntime`, else [`Runtime::Tract`].
    pub fn build_default() -> Runtime {
        if cfg!(feature = "onnxruntime") {
            Runtime::OnnxRuntime
        } else {
            Runtime::Tract
        }
    }

    /// `tract` or `onnxruntime`.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tract => "tract",
            Runtime::OnnxRuntime => "onnxruntime",
        }
    }
}

#[derive(Clone)]
enum Backend {
    Tract(Arc<TypedRunnableModel>),
    #[cfg(feature = "onnxruntime")]
    Ort(Arc<super::onnxruntime::OrtModel>),
}

/// Adds one model run of `dt` to this thread's inference time.
fn count_inference(dt: Duration) {
    INFERENCE.with(|c| {
        let (d, n) = c.get();
        c.set((d + dt, n + 1));
    });
}

/// A loaded, optimized ONNX model with a fixed input shape. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub(crate) struct OnnxModel {
    name: &'static str,
    backend: Backend,
    input_shape: Vec<usize>,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("name", &self.name)
            .field("input_shape", &self.input_shape)
            .finish()
    }
}

impl OnnxModel {
    /// Parses ONNX bytes, fixes the input to `input_shape` (f32), optimizes and plans it, in
    /// `runtime`.
    pub(crate) fn load(
        name: &'static str,
        bytes: &[u8],
        input_shape: &[usize],
        runtime: Runtime,
    ) -> Result<Self> {
        match runtime {
            Runtime::Tract => Self::load_with(name, bytes, input_shape, false),
            Runtime::OnnxRuntime => Self::load_ort(name, bytes, input_shape, None),
        }
    }

    /// Loads `bytes` into ONNX Runtime. With `edit`, the graph is parsed and edited first (when
    /// it returns true, the edited graph is what runs); without, the bytes go in unparsed.
    #[cfg(feature = "onnxruntime")]
    pub(crate) fn load_ort(
        name: &'static str,
        bytes: &[u8],
        input_shape: &[usize],
        edit: Option<fn(&mut tract_onnx::pb::ModelProto) -> bool>,
    ) -> Result<Self> {
        use prost::Message;
        let edited = match edit {
            None => None,
            Some(edit) => {
                let mut reader = bytes;
                let mut proto = tract_onnx::onnx()
                    .proto_model_for_read(&mut reader)
                    .map_err(|e| Error::Model {
                        model: name.to_string(),
                        message: format!("parse: {e:#}"),
                    })?;
                edit(&mut proto).then(|| proto.encode_to_vec())
            }
        };
        let model = super::onnxruntime::OrtModel::load(name, edited.as_deref().unwrap_or(bytes))?;
        Ok(OnnxModel {
            name,
            backend: Backend::Ort(Arc::new(model)),
            input_shape: input_shape.to_vec(),
        })
    }

    /// Without the `onnxruntime` feature: an error saying so.
    #[cfg(not(feature = "onnxruntime"))]
    pub(crate) fn load_ort(
        name: &'static str,
        _bytes: &[u8],
        _input_shape: &[usize],
        _edit: Option<fn(&mut tract_onnx::pb::ModelProto) -> bool>,
    ) -> Result<Self> {
        Err(Error::Model {
            model: name.to_string(),
            message: "this build has no onnxruntime runtime (cargo feature `onnxruntime`)".into(),
        })
    }

    /// As [`load`](Self::load), but with the batch dimension left symbolic until run time
    /// (what a model exported with a dynamic batch gives); for the fixed-shape bench.
    pub(crate) fn load_with(
        name: &'static str,
        bytes: &[u8],
        input_shape: &[usize],
        symbolic_batch: bool,
    ) -> Result<Self> {
        Self::load_edited(name, bytes, input_shape, symbolic_batch, &[], |_| {})
    }

    /// As [`load_with`](Self::load_with), letting `edit` change the ONNX graph before tract
    /// reads it (see [`cut_final_resize`]), and with tract `knobs` (name, value) in force while
    /// this model alone is optimised and planned (see [`DISABLE_DIRECT_SPATIAL`]).
    pub(crate) fn load_edited(
        name: &'static str,
        bytes: &[u8],
        input_shape: &[usize],
        symbolic_batch: bool,
        knobs: &[(&str, &str)],
        edit: impl FnOnce(&mut tract_onnx::pb::ModelProto),
    ) -> Result<Self> {
        let err = |stage: &str, e: TractError| Error::Model {
            model: name.to_string(),
            message: format!("{stage}: {e:#}"),
        };
        let mut reader = bytes;
        let onnx = tract_onnx::onnx().with_ignore_output_shapes(true);
        let mut proto = onnx
            .proto_model_for_read(&mut reader)
            .map_err(|e| err("parse", e))?;
        widen_f16_initializers(&mut proto);
        edit(&mut proto);
        let model = onnx
            .model_for_proto_model(&proto)
            .map_err(|e| err("parse", e))?;
        let fact: InferenceFact = if symbolic_batch {
            let n = model.symbols.sym("N");
            let dims: TVec<TDim> = std::iter::once(n.to_dim())
                .chain(input_shape.iter().skip(1).map(|&d| d.to_dim()))
                .collect();
            f32::fact(dims).into()
        } else {
            f32::fact(input_shape).into()
        };
        let model = model
            .with_input_fact(0, fact)
            .map_err(|e| err("input shape", e))?;
        let scope = tract_onnx::tract_core::knobs::KnobScope::new(knobs.iter().copied())
            .map_err(|e| err("knobs", e))?;
        let plan = scope.enter(|| {
            let optimized = model.into_optimized().map_err(|e| err("optimize", e))?;
            #[cfg(feature = "multithread-mm")]
            let plan = optimized
                .into_runnable_with_options(&tract_onnx::tract_core::runtime::RunOptions {
                    executor: Some(tract_linalg::multithread::Executor::RayonGlobal),
                    ..Default::default()
                })
                .map_err(|e| err("plan", e))?;
            #[cfg(not(feature = "multithread-mm"))]
            let plan = optimized.into_runnable().map_err(|e| err("plan", e))?;
            Ok::<_, Error>(plan)
        })?;
        Ok(OnnxModel {
            name,
            backend: Backend::Tract(plan),
            input_shape: input_shape.to_vec(),
        })
    }

    /// Runs the model on `input` (row-major, `input_shape`), returning each output as
    /// `(shape, values)`.
    #[allow(
        clippy::infallible_destructuring_match,
        reason = "the match has a second arm with the `onnxruntime` feature"
    )]
    pub(crate) fn run(&self, input: Vec<f32>) -> Result<Vec<(Vec<usize>, Vec<f32>)>> {
        let err = |e: TractError| Error::Model {
            model: self.name.to_string(),
            message: format!("{e:#}"),
        };
        let expected: usize = self.input_shape.iter().product();
        if input.len() != expected {
            return Err(Error::Model {
                model: self.name.to_string(),
                message: format!("input has {} values, expected {expected}", input.len()),
            });
        }
        let plan = match &self.backend {
            Backend::Tract(plan) => plan,
            #[cfg(feature = "onnxruntime")]
            Backend::Ort(model) => {
                let t0 = Instant::now();
                let out = model.run(&self.input_shape, input);
                super::vector_state::clear_upper_state();
                count_inference(t0.elapsed());
                return out;
            }
        };
        let tensor = tract_ndarray::ArrayD::from_shape_vec(self.input_shape.clone(), input)
            .map_err(|e| err(e.into()))?
            .into_tensor();
        let t0 = Instant::now();
        let outputs = plan.run(tvec!(tensor.into()));
        // tract's kernels leave the vector registers' upper halves in use: everything after
        // inference would run up to 3x slower (see `vector_state`)
        super::vector_state::clear_upper_state();
        count_inference(t0.elapsed());
        let outputs = outputs.map_err(err)?;
        outputs
            .iter()
            .map(|o| {
                let view = o.to_plain_array_view::<f32>().map_err(err)?;
                let values = match view.as_slice() {
                    Some(s) => s.to_vec(), // contiguous: one memcpy
                    None => view.iter().copied().collect(),
                };
                Ok((view.shape().to_vec(), values))
            })
            .collect()
    }

    /// The model's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}

/// When the graph's only output is made by a final `Resize`, makes the Resize's input the
/// output instead and drops the Resize: the caller upsamples what it needs itself (for the
/// parsing model: the 19 class logits at 64×64 instead of 512×512, 64 times less to compute,
/// copy and keep). Returns whether the graph was cut; a graph of another shape is left alone.
/// The tract knob that keeps a model's convolutions on im2col + matrix products. tract picks
/// its direct spatial convolution for BiSeNet's 64-channel 3×3 layers at 512 × 512, where it
/// runs at ~46 GFLOP/s against im2col's ~110 on this CPU: with it off the parsing model takes
/// 231 instead of 306 ms, with identical output (issue 15's measurement; re-measure with
/// `cargo run --release --example profile_model -- parsing 20`, see `benches/RESULTS.md`).
pub(crate) const DISABLE_DIRECT_SPATIAL: (&str, &str) = ("TRACT_DISABLE_DIRECT_SPATIAL", "true");

pub(crate) fn cut_final_resize(proto: &mut tract_onnx::pb::ModelProto) -> bool {
    let Some(graph) = proto.graph.as_mut() else {
        return false;
    };
    let [output] = graph.output.as_mut_slice() else {
        return false;
    };
    let Some(pos) = graph
        .node
        .iter()
        .position(|n| n.op_type == "Resize" && n.output.first() == Some(&output.name))
    else {
        return false;
    };
    let Some(input) = graph.node.get(pos).and_then(|n| n.input.first()).cloned() else {
        return false;
    };
    graph.node.remove(pos);
    output.name = input;
    // the declared shape was the resized one
    output.r#type = None;
    true
}

/// ONNX `TensorProto.DataType` codes.
const ONNX_FLOAT: i32 = 1;
const ONNX_FLOAT16: i32 = 10;

/// Widens float16 weights (stored so to halve the file) to float32 before tract sees them: the
/// graph's `Cast(to=float)` after each becomes an identity. Folding those casts inside tract
/// costs ~7× more load time than this loop.
#[allow(
    clippy::indexing_slicing,
    reason = "chunks_exact(2) items have 2 bytes"
)]
fn widen_f16_initializers(proto: &mut tract_onnx::pb::ModelProto) {
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for t in graph
        .initializer
        .iter_mut()
        .filter(|t| t.data_type == ONNX_FLOAT16)
    {
        let widened: Vec<u8> = if !t.raw_data.is_empty() {
            t.raw_data
                .chunks_exact(2)
                .flat_map(|b| {
                    f16::from_bits(u16::from_le_bytes([b[0], b[1]]))
                        .to_f32()
                        .to_le_bytes()
                })
                .collect()
        } else {
            // without raw_data, float16 values are the low 16 bits of int32_data
            t.int32_data
                .iter()
                .flat_map(|&v| f16::from_bits(v as u16).to_f32().to_le_bytes())
                .collect()
        };
        t.raw_data = widened;
        t.int32_data.clear();
        t.data_type = ONNX_FLOAT;
    }
}
