//! The private wrapper over tract: load once, fix the input shape, optimize, share.

use std::sync::Arc;

use tract_onnx::prelude::*;

use crate::error::{Error, Result};

/// A loaded, optimized ONNX model with a fixed input shape. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub(crate) struct OnnxModel {
    name: &'static str,
    plan: Arc<TypedRunnableModel>,
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
    /// Parses ONNX bytes, fixes the input to `input_shape` (f32), optimizes and plans it.
    pub(crate) fn load(name: &'static str, bytes: &[u8], input_shape: &[usize]) -> Result<Self> {
        let err = |stage: &str, e: TractError| Error::Model {
            model: name.to_string(),
            message: format!("{stage}: {e:#}"),
        };
        let mut reader = bytes;
        let model = tract_onnx::onnx()
            .with_ignore_output_shapes(true)
            .model_for_read(&mut reader)
            .map_err(|e| err("parse", e))?
            .with_input_fact(0, f32::fact(input_shape).into())
            .map_err(|e| err("input shape", e))?;
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
        Ok(OnnxModel {
            name,
            plan,
            input_shape: input_shape.to_vec(),
        })
    }

    /// Runs the model on `input` (row-major, `input_shape`), returning each output as
    /// `(shape, values)`.
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
        let tensor = tract_ndarray::ArrayD::from_shape_vec(self.input_shape.clone(), input)
            .map_err(|e| err(e.into()))?
            .into_tensor();
        let outputs = self.plan.run(tvec!(tensor.into())).map_err(err)?;
        outputs
            .iter()
            .map(|o| {
                let view = o.to_plain_array_view::<f32>().map_err(err)?;
                Ok((view.shape().to_vec(), view.iter().copied().collect()))
            })
            .collect()
    }

    /// The model's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}
