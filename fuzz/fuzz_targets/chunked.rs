//! Fuzz target `chunked`: see `fuzz/src/media.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::media::chunked(data));
