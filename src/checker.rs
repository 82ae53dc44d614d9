//! The public entry point.
