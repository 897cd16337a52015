//! Replays the committed corpus of the C ABI fuzz target (and the inputs of
//! fixed crashes) through the same function cargo-fuzz runs.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::type_complexity,
    missing_docs,
    dead_code,
    unreachable_pub
)]

#[path = "../../fuzz/src/targets.rs"]
mod targets;

#[path = "../../fuzz/src/ffi_target.rs"]
mod ffi_target;

use std::path::Path;

#[test]
fn ffi_fuzz_corpus_replays_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in [
        root.join("corpus/ffi_bytes"),
        root.join("regressions/ffi_bytes"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let data = std::fs::read(e.unwrap().path()).unwrap();
            ffi_target::ffi_bytes(&data);
            n += 1;
        }
    }
    println!("ffi_bytes: {n} inputs replayed");
    assert!(n > 0, "no corpus for ffi_bytes");
}
