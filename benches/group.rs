//! Group benchmarks: sotto's Sender Keys next to vodozemac's Megolm
//! (`GroupSession` / `InboundGroupSession`, version 1) in the same run, and
//! the Ed25519 signature and verification the goals are measured against.
//!
//! Run: `cargo bench -p sotto-benches --bench group`. Criterion prints the medians; the ratios
//! are in the project's testing notes.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{Group, IdentityKey, IdentityKeyPair};
use std::hint::black_box;
use std::time::Instant;
use vodozemac::megolm::{
    GroupSession, InboundGroupSession, MegolmMessage, SessionConfig, SessionKey,
};

type Rng = UnwrapErr<SysRng>;
const GROUP_ID: &[u8] = b"bench group 0001";

fn rng() -> Rng {
    UnwrapErr(SysRng)
}

/// Alice's group and Bob's view of it, with Alice's key distributed.
fn sotto_pair(rng: &mut Rng) -> (Group, Group, IdentityKey) {
    let alice_pair = IdentityKeyPair::generate(rng);
    let bob_pair = IdentityKeyPair::generate(rng);
    let (alice, bob) = (*alice_pair.public_key(), *bob_pair.public_key());
    let a = Group::new(rng, &alice_pair, GROUP_ID, &[bob]).unwrap();
    let mut b = Group::new(rng, &bob_pair, GROUP_ID, &[alice]).unwrap();
    b.process_distribution(&alice, &a.distribution()).unwrap();
    (a, b, alice)
}

fn megolm_pair() -> (GroupSession, InboundGroupSession) {
    let a = GroupSession::new(SessionConfig::version_1());
    let b = InboundGroupSession::new(&a.session_key(), SessionConfig::version_1());
    (a, b)
}

fn signature(c: &mut Criterion) {
    let mut g = c.benchmark_group("ed25519");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    let msg = [0xabu8; 64];
    let sig = key.sign(&msg);
    g.bench_function("sign_64", |b| b.iter(|| key.sign(black_box(&msg))));
    g.bench_function("verify_strict_64", |b| {
        b.iter(|| public.verify_strict(black_box(&msg), &sig).unwrap())
    });
    g.finish();
}

fn encrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("group_encrypt");
    let mut r = rng();
    for len in [64usize, 1024] {
        let pt = vec![0x5au8; len];
        let (mut a, _, _) = sotto_pair(&mut r);
        g.bench_function(format!("sotto/{len}"), |b| {
            b.iter(|| a.encrypt(black_box(&pt)).unwrap())
        });
        let (mut m, _) = megolm_pair();
        g.bench_function(format!("megolm/{len}"), |b| {
            b.iter(|| m.encrypt(black_box(&pt)))
        });
    }
    g.finish();
}

/// Decryption of in-order messages as a receiver meets them in a burst: the
/// messages are made first (not timed), then decrypted one after another.
fn decrypt(c: &mut Criterion) {
    let mut g = c.benchmark_group("group_decrypt");
    let mut r = rng();
    for len in [64usize, 1024] {
        let pt = vec![0x5au8; len];
        let (mut a, mut b, alice) = sotto_pair(&mut r);
        g.bench_function(format!("sotto/{len}"), |bench| {
            bench.iter_custom(|iters| {
                let msgs: Vec<Vec<u8>> = (0..iters).map(|_| a.encrypt(&pt).unwrap()).collect();
                let start = Instant::now();
                for m in &msgs {
                    black_box(b.decrypt(&alice, m).unwrap());
                }
                start.elapsed()
            })
        });
        let (mut ma, mut mb) = megolm_pair();
        g.bench_function(format!("megolm/{len}"), |bench| {
            bench.iter_custom(|iters| {
                let msgs: Vec<MegolmMessage> = (0..iters).map(|_| ma.encrypt(&pt)).collect();
                let start = Instant::now();
                for m in &msgs {
                    black_box(mb.decrypt(m).unwrap());
                }
                start.elapsed()
            })
        });
    }
    g.finish();
}

fn skip(c: &mut Criterion) {
    let mut g = c.benchmark_group("group_decrypt_after_skip_1000");
    let mut r = rng();
    let (mut a, b, alice) = sotto_pair(&mut r);
    let fresh = b.to_bytes();
    let mut last = Vec::new();
    for _ in 0..=1000 {
        last = a.encrypt(b"skip").unwrap();
    }
    g.bench_function("sotto", |bench| {
        bench.iter_batched(
            || Group::from_bytes(&fresh).unwrap(),
            |mut b| {
                b.decrypt(&alice, &last).unwrap();
                b
            },
            BatchSize::SmallInput,
        )
    });
    let mut ma = GroupSession::new(SessionConfig::version_1());
    let start = ma.session_key();
    let mut last: Option<MegolmMessage> = None;
    for _ in 0..=1000 {
        last = Some(ma.encrypt(b"skip"));
    }
    let last = last.unwrap();
    g.bench_function("megolm", |bench| {
        bench.iter_batched(
            || InboundGroupSession::new(&start, SessionConfig::version_1()),
            |mut b| {
                b.decrypt(&last).unwrap();
                b
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn distribution(c: &mut Criterion) {
    let mut g = c.benchmark_group("group_distribution");
    let mut r = rng();
    let (mut a, _, alice) = sotto_pair(&mut r);
    g.bench_function("sotto/create_rotate", |b| b.iter(|| a.rotate(&mut r)));
    let d = a.distribution();
    let mut r2 = rng();
    let bob = IdentityKeyPair::generate(&mut r2);
    g.bench_function("sotto/process", |bench| {
        bench.iter_batched(
            || Group::new(&mut r2, &bob, GROUP_ID, &[alice]).unwrap(),
            |mut b| {
                b.process_distribution(&alice, black_box(&d)).unwrap();
                b
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("megolm/create_new_session_key", |b| {
        b.iter(|| GroupSession::new(SessionConfig::version_1()).session_key())
    });
    // Megolm's session key is signed: decoding it verifies the signature.
    let key = GroupSession::new(SessionConfig::version_1())
        .session_key()
        .to_bytes();
    g.bench_function("megolm/process", |b| {
        b.iter(|| {
            let key = SessionKey::from_bytes(black_box(&key)).unwrap();
            InboundGroupSession::new(&key, SessionConfig::version_1())
        })
    });
    g.finish();
}

/// The worst case a single group message can cost a receiver: a jump of
/// exactly `MAX_GROUP_JUMP` steps, keeping the newest 2000 keys.
fn jump_limit(c: &mut Criterion) {
    let mut g = c.benchmark_group("group_decrypt_at_jump_limit");
    g.sample_size(10);
    let mut r = rng();
    let (mut a, b, alice) = sotto_pair(&mut r);
    let fresh = b.to_bytes();
    let mut last = Vec::new();
    for _ in 0..=sotto::MAX_GROUP_JUMP {
        last = a.encrypt(b"far").unwrap();
    }
    g.bench_function("sotto", |bench| {
        bench.iter_batched(
            || Group::from_bytes(&fresh).unwrap(),
            |mut b| {
                b.decrypt(&alice, &last).unwrap();
                b
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    signature,
    encrypt,
    decrypt,
    skip,
    distribution,
    jump_limit
);
criterion_main!(benches);
