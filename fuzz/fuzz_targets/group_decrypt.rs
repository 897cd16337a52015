//! Fuzz target `group_decrypt`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::targets::group_decrypt(data));
