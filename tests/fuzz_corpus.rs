//! Replays the committed fuzz corpora (and the inputs of fixed crashes, in
//! `fuzz/regressions/`) through the same functions the fuzz targets run, so
//! that `cargo test` covers them without cargo-fuzz.
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

#[path = "../fuzz/src/targets.rs"]
mod targets;

#[path = "../fuzz/src/media.rs"]
mod media;

#[path = "../fuzz/src/calls.rs"]
mod calls;

#[path = "../fuzz/src/pqxdh.rs"]
mod pqxdh;
#[path = "../fuzz/src/sealed_sender.rs"]
mod sealed_sender;

use std::path::Path;

/// Runs `f` on every file of the target's corpus and regressions; returns
/// how many inputs it replayed.
fn replay(target: &str, f: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            f(&data);
            n += 1;
        }
    }
    println!("{target}: {n} inputs replayed");
    n
}

#[test]
fn fuzz_corpora_replay_clean() {
    let targets: [(&str, fn(&[u8])); 15] = [
        ("decoders", targets::decoders),
        ("envelope", targets::envelope),
        ("session_decrypt", targets::session_decrypt),
        ("group_decrypt", targets::group_decrypt),
        ("location_decrypt", targets::location_decrypt),
        ("state_import", targets::state_import),
        ("two_party", targets::two_party),
        ("group_party", targets::group_party),
        ("chunked", media::chunked),
        ("attachment", media::attachment),
        ("backup", media::backup),
        ("sframe", calls::sframe),
        ("call_signal", calls::call_signal),
        ("sealed_sender", sealed_sender::sealed_sender),
        ("pqxdh", pqxdh::pqxdh),
    ];
    let mut total = 0;
    for (name, f) in targets {
        let n = replay(name, f);
        assert!(n > 0, "no corpus for {name}");
        total += n;
    }
    println!("{total} inputs replayed in all");
}
