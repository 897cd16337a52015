//! Fuzz target `session_decrypt`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::targets::session_decrypt(data));
