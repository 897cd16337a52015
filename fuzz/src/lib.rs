//! The fuzz targets' bodies, as plain functions: cargo-fuzz runs them from
//! `fuzz_targets/`, and the project's tests replay the committed corpora
//! through the same functions (`tests/fuzz_corpus.rs`,
//! `ffi/tests/fuzz_corpus.rs`).

pub mod ffi_target;
pub mod targets;
