//! Fuzz target `ffi_bytes`: see `fuzz/src/ffi_target.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::ffi_target::ffi_bytes(data));
