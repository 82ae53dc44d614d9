//! Compliance checks.
