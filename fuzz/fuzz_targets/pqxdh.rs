//! Fuzz target `pqxdh`: see `fuzz/src/pqxdh.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sotto_fuzz::pqxdh::pqxdh(data));
