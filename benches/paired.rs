//! Paired wall-clock comparison of the group operations with Megolm's: each
//! round times a batch of sotto operations and a batch of the same Megolm
//! operations back to back (alternating which goes first), so both see the
//! same machine load, and the ratio is taken per round. The median ratio over
//! the rounds is robust to the drift that separates criterion's benchmarks on
//! a shared machine.
//!
//! Run: `cargo bench -p sotto-benches --bench paired`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss
)]

use ed25519_dalek::{Signer, SigningKey};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{Group, IdentityKeyPair};
use std::hint::black_box;
use std::time::Instant;
use vodozemac::megolm::{GroupSession, InboundGroupSession, SessionConfig};

const ROUNDS: usize = 101;
const BATCH: usize = 100;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Times `BATCH` calls of each closure per round; returns the medians (µs
/// per operation) and the median per-round ratio b / a.
fn paired(mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64, f64) {
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let time = |f: &mut dyn FnMut()| {
            let t = Instant::now();
            for _ in 0..BATCH {
                f();
            }
            t.elapsed().as_secs_f64() * 1e6 / BATCH as f64
        };
        let (x, y) = if round % 2 == 0 {
            let x = time(&mut a);
            (x, time(&mut b))
        } else {
            let y = time(&mut b);
            (time(&mut a), y)
        };
        ta.push(x);
        tb.push(y);
        ratio.push(y / x);
    }
    (median(&mut ta), median(&mut tb), median(&mut ratio))
}

fn report(name: &str, (a, b, r): (f64, f64, f64), other: &str) {
    println!(
        "{name:<24} sotto {a:>8.2} µs   {other} {b:>8.2} µs   {other} ÷ sotto (median of rounds) {r:.2}×"
    );
}

fn main() {
    let mut r = UnwrapErr(SysRng);
    let alice_pair = IdentityKeyPair::generate(&mut r);
    let bob_pair = IdentityKeyPair::generate(&mut r);
    let (alice, bob) = (*alice_pair.public_key(), *bob_pair.public_key());
    println!("{ROUNDS} rounds of {BATCH} operations each, alternating order\n");

    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key();
    for len in [64usize, 1024] {
        let pt = vec![0x5au8; len];
        let mut a = Group::new(&mut r, &alice_pair, b"paired", &[bob]).unwrap();
        let mut ma = GroupSession::new(SessionConfig::version_1());
        report(
            &format!("encrypt {len} B"),
            paired(
                || {
                    black_box(a.encrypt(&pt).unwrap());
                },
                || {
                    black_box(ma.encrypt(&pt));
                },
            ),
            "megolm",
        );
        let sig = key.sign(&pt);
        let mut a = Group::new(&mut r, &alice_pair, b"paired", &[bob]).unwrap();
        report(
            &format!("encrypt {len} B vs sign"),
            paired(
                || {
                    black_box(a.encrypt(&pt).unwrap());
                },
                || {
                    black_box(key.sign(&pt));
                },
            ),
            "ed25519",
        );

        // Decrypt: messages made beforehand, consumed in order.
        let total = ROUNDS * BATCH;
        let mut a = Group::new(&mut r, &alice_pair, b"paired", &[bob]).unwrap();
        let mut b = Group::new(&mut r, &bob_pair, b"paired", &[alice]).unwrap();
        b.process_distribution(&alice, &a.distribution()).unwrap();
        let msgs: Vec<Vec<u8>> = (0..total).map(|_| a.encrypt(&pt).unwrap()).collect();
        let mut ma = GroupSession::new(SessionConfig::version_1());
        let mut mb = InboundGroupSession::new(&ma.session_key(), SessionConfig::version_1());
        let mmsgs: Vec<_> = (0..total).map(|_| ma.encrypt(&pt)).collect();
        let (mut i, mut j) = (0, 0);
        report(
            &format!("decrypt {len} B"),
            paired(
                || {
                    black_box(b.decrypt(&alice, &msgs[i]).unwrap());
                    i += 1;
                },
                || {
                    black_box(mb.decrypt(&mmsgs[j]).unwrap());
                    j += 1;
                },
            ),
            "megolm",
        );
        let mut b = Group::new(&mut r, &bob_pair, b"paired", &[alice]).unwrap();
        b.process_distribution(&alice, &a.distribution()).unwrap();
        let msgs: Vec<Vec<u8>> = (0..total).map(|_| a.encrypt(&pt).unwrap()).collect();
        let mut i = 0;
        report(
            &format!("decrypt {len} B vs verify"),
            paired(
                || {
                    black_box(b.decrypt(&alice, &msgs[i]).unwrap());
                    i += 1;
                },
                || {
                    public.verify_strict(black_box(&pt), &sig).unwrap();
                },
            ),
            "ed25519",
        );
    }
}
