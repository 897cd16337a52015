//! Instruction counts of the group operations next to Megolm's and next to
//! one Ed25519 signature and strict verification. Wall-clock medians on a
//! shared machine drift by ±10% between benchmarks; instruction counts do
//! not, so they give the ratios a second, noise-free reading.
//!
//! Run: `scripts/instructions` (builds this target and runs it under
//! valgrind's callgrind, then prints instructions per operation). Run alone,
//! it just performs the operations.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{Group, IdentityKey, IdentityKeyPair};
use std::hint::black_box;
use vodozemac::megolm::{GroupSession, InboundGroupSession, MegolmMessage, SessionConfig};

/// Operations per measured function.
pub const N: usize = 200;

#[inline(never)]
fn ed25519_sign(key: &SigningKey, msg: &[u8]) {
    for _ in 0..N {
        black_box(key.sign(black_box(msg)));
    }
}

#[inline(never)]
fn ed25519_verify_strict(key: &VerifyingKey, msg: &[u8], sig: &Signature) {
    for _ in 0..N {
        key.verify_strict(black_box(msg), sig).unwrap();
    }
}

#[inline(never)]
fn sotto_group_encrypt(g: &mut Group, pt: &[u8]) -> Vec<Vec<u8>> {
    (0..N).map(|_| g.encrypt(black_box(pt)).unwrap()).collect()
}

#[inline(never)]
fn megolm_group_encrypt(g: &mut GroupSession, pt: &[u8]) -> Vec<MegolmMessage> {
    (0..N).map(|_| g.encrypt(black_box(pt))).collect()
}

#[inline(never)]
fn sotto_group_decrypt(g: &mut Group, from: &IdentityKey, msgs: &[Vec<u8>]) {
    for m in msgs {
        black_box(g.decrypt(from, m).unwrap());
    }
}

#[inline(never)]
fn megolm_group_decrypt(g: &mut InboundGroupSession, msgs: &[MegolmMessage]) {
    for m in msgs {
        black_box(g.decrypt(m).unwrap());
    }
}

fn main() {
    let mut r = UnwrapErr(SysRng);
    let alice = *IdentityKeyPair::generate(&mut r).public_key();
    let bob = *IdentityKeyPair::generate(&mut r).public_key();
    let mut a = Group::new(&mut r, b"instructions", &[bob]).unwrap();
    let mut b = Group::new(&mut r, b"instructions", &[alice]).unwrap();
    b.process_distribution(&alice, &a.distribution()).unwrap();
    let mut ma = GroupSession::new(SessionConfig::version_1());
    let mut mb = InboundGroupSession::new(&ma.session_key(), SessionConfig::version_1());
    let pt = [0x5au8; 64];

    let key = SigningKey::from_bytes(&[7u8; 32]);
    let sig = key.sign(&pt);
    ed25519_sign(&key, &pt);
    ed25519_verify_strict(&key.verifying_key(), &pt, &sig);
    let msgs = sotto_group_encrypt(&mut a, &pt);
    let mm = megolm_group_encrypt(&mut ma, &pt);
    sotto_group_decrypt(&mut b, &alice, &msgs);
    megolm_group_decrypt(&mut mb, &mm);
}
