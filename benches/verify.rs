//! Security-code generation (2 × 5200 SHA-512 computations), and what an
//! identity costs to decode, restore and generate.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{IdentityKey, IdentityKeyPair, SecurityCode};
use std::hint::black_box;

/// `IdentityKey::from_bytes` runs on every prekey message, bundle and
/// stored identity: a point decompression, the small-order check and the
/// Montgomery form of the Ed25519 half (one field inversion) compared with
/// the X25519 half.
fn identity(c: &mut Criterion) {
    let mut rng = UnwrapErr(SysRng);
    let id = IdentityKeyPair::generate(&mut rng);
    let public = id.public_key().to_bytes();
    let state = id.to_bytes();
    c.bench_function("identity/decode", |bn| {
        bn.iter(|| IdentityKey::from_bytes(black_box(&public)).unwrap())
    });
    c.bench_function("identity/restore", |bn| {
        bn.iter(|| IdentityKeyPair::from_bytes(black_box(&state)).unwrap())
    });
    c.bench_function("identity/generate", |bn| {
        bn.iter(|| IdentityKeyPair::generate(&mut rng))
    });
}

fn security_code(c: &mut Criterion) {
    let mut rng = UnwrapErr(SysRng);
    let a = IdentityKeyPair::generate(&mut rng);
    let b = IdentityKeyPair::generate(&mut rng);
    c.bench_function("security_code/new", |bn| {
        bn.iter(|| {
            SecurityCode::new(black_box(a.public_key()), b"alice", b.public_key(), b"bob").unwrap()
        })
    });
    let code = SecurityCode::new(a.public_key(), b"alice", b.public_key(), b"bob").unwrap();
    let other = SecurityCode::new(b.public_key(), b"bob", a.public_key(), b"alice")
        .unwrap()
        .scannable();
    c.bench_function("security_code/compare_scanned", |bn| {
        bn.iter(|| code.compare_scanned(black_box(&other)).unwrap())
    });
}

criterion_group!(benches, security_code, identity);
criterion_main!(benches);
