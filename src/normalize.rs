//! Output normalisation.
