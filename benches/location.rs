//! Live-location benchmarks: an update's encrypt and decrypt next to one
//! Ed25519 signature and verification, and catching up after gaps next to
//! vodozemac's Megolm ratchet advancing the same gaps, in the same run.
//!
//! Run: `cargo bench -p sotto-benches --bench location`. Criterion prints the medians; the
//! ratios are in the project's testing notes.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, Location, LocationShare, LocationViewer, Precision};
use vodozemac::megolm::{GroupSession, InboundGroupSession, MegolmMessage, SessionConfig};

const CTX: &[u8] = b"bench chat";
const NOW: u64 = 1_800_000_000;
const END: u64 = u64::MAX;

fn fix() -> Location {
    Location {
        latitude_e7: 515_007_286,
        longitude_e7: -1_246_361,
        accuracy_cm: 450,
        altitude_cm: Some(3_500),
        heading_centideg: Some(27_000),
        speed_cm_s: Some(140),
        timestamp_ms: NOW * 1000,
        sequence: 1,
        precision: Precision::Exact,
    }
}

fn share_and_viewer() -> (LocationShare, LocationViewer) {
    let mut r = UnwrapErr(SysRng);
    let alice_pair = IdentityKeyPair::generate(&mut r);
    let alice = *alice_pair.public_key();
    let bob = *IdentityKeyPair::generate(&mut r).public_key();
    let share =
        LocationShare::new(&mut r, &alice_pair, CTX, &[bob], END, Precision::Exact).unwrap();
    let viewer = LocationViewer::new(CTX, &alice, &share.distribution()).unwrap();
    (share, viewer)
}

fn update(c: &mut Criterion) {
    let mut g = c.benchmark_group("location_update");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    // An update's signed bytes are about 150 bytes long.
    let msg = [0xabu8; 150];
    let sig = key.sign(&msg);
    g.bench_function("ed25519_sign_150", |b| b.iter(|| key.sign(black_box(&msg))));
    g.bench_function("ed25519_verify_strict_150", |b| {
        b.iter(|| public.verify_strict(black_box(&msg), &sig).unwrap())
    });
    let (mut share, _) = share_and_viewer();
    g.bench_function("sotto/encrypt", |b| {
        b.iter(|| share.encrypt(black_box(&fix()), NOW).unwrap())
    });
    let (mut share, mut viewer) = share_and_viewer();
    g.bench_function("sotto/decrypt_next", |b| {
        b.iter_custom(|iters| {
            let updates: Vec<Vec<u8>> = (0..iters)
                .map(|_| share.encrypt(&fix(), NOW).unwrap())
                .collect();
            let t = Instant::now();
            for u in &updates {
                black_box(viewer.decrypt(u, NOW).unwrap());
            }
            t.elapsed()
        })
    });
    g.finish();
}

/// Catching up: the viewer (or Megolm's inbound session) moves from index 0
/// to the gap, the work a receiver does before decrypting an update there.
fn catch_up(c: &mut Criterion) {
    let mut g = c.benchmark_group("location_catch_up");
    let (_, viewer) = share_and_viewer();
    let fresh = viewer.to_bytes();
    let megolm = GroupSession::new(SessionConfig::version_1());
    let key = megolm.session_key();
    for (name, gap) in [
        ("1", 1u32),
        ("1000", 1000),
        ("1000000", 1_000_000),
        ("worst", u32::MAX - 1),
    ] {
        g.bench_function(format!("sotto/{name}"), |b| {
            b.iter_batched(
                || LocationViewer::from_bytes(&fresh).unwrap(),
                |mut v| {
                    v.skip_to(black_box(gap)).unwrap();
                    v
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(format!("megolm/{name}"), |b| {
            b.iter_batched(
                || InboundGroupSession::new(&key, SessionConfig::version_1()),
                |mut s| {
                    s.advance_to(black_box(gap));
                    s
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// A whole decrypt after 1000 missed updates, both libraries.
fn decrypt_after_gap(c: &mut Criterion) {
    let mut g = c.benchmark_group("location_decrypt_after_1000");
    let (mut share, viewer) = share_and_viewer();
    let fresh = viewer.to_bytes();
    let mut last = Vec::new();
    for _ in 0..=1000 {
        last = share.encrypt(&fix(), NOW).unwrap();
    }
    g.bench_function("sotto", |b| {
        b.iter_batched(
            || LocationViewer::from_bytes(&fresh).unwrap(),
            |mut v| {
                v.decrypt(&last, NOW).unwrap();
                v
            },
            BatchSize::SmallInput,
        )
    });
    let mut megolm = GroupSession::new(SessionConfig::version_1());
    let key = megolm.session_key();
    let payload = fix().encode().unwrap();
    let mut last: Option<MegolmMessage> = None;
    for _ in 0..=1000 {
        last = Some(megolm.encrypt(payload));
    }
    let last = last.unwrap();
    g.bench_function("megolm", |b| {
        b.iter_batched(
            || InboundGroupSession::new(&key, SessionConfig::version_1()),
            |mut s| {
                s.decrypt(&last).unwrap();
                s
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, update, catch_up, decrypt_after_gap);
criterion_main!(benches);
