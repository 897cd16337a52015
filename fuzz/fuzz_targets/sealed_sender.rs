//! Fuzz target `sealed_sender`: see `fuzz/src/sealed_sender.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::sealed_sender::sealed_sender(data));
