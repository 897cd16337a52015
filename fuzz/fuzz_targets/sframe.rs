//! Fuzz target `sframe`: see `fuzz/src/calls.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::calls::sframe(data));
