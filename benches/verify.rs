//! Security-code generation: 2 × 5200 SHA-512 computations.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, SecurityCode};
use std::hint::black_box;

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

criterion_group!(benches, security_code);
criterion_main!(benches);
