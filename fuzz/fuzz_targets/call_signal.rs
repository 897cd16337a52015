//! Fuzz target `call_signal`: see `fuzz/src/calls.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::calls::call_signal(data));
