//! Instruction counts of 1:1 operations next to Olm's (vodozemac), and of the
//! group operations next to Megolm's and next to one Ed25519 signature and
//! strict verification. Wall-clock medians on a
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
mod common;

use common::{Rng, steady_pair};
use sotto::{Group, IdentityKey, IdentityKeyPair, Session};
use std::hint::black_box;
use vodozemac::megolm::{GroupSession, InboundGroupSession, MegolmMessage, SessionConfig};
use vodozemac::olm::{self, Account, OlmMessage};

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
fn sotto_session_encrypt(s: &mut Session, r: &mut Rng, pt: &[u8]) -> Vec<Vec<u8>> {
    (0..N)
        .map(|_| s.encrypt(r, black_box(pt)).unwrap())
        .collect()
}

/// A 64 B text in an envelope, then encrypted: the content API's cost.
#[inline(never)]
fn sotto_envelope_encrypt(s: &mut Session, r: &mut Rng, text: &str) -> Vec<Vec<u8>> {
    let timer = sotto::DisappearingTimer::new(86_400, 1).unwrap();
    (0..N)
        .map(|_| {
            let e = sotto::Envelope::new(sotto::Content::text(black_box(text)), 2, timer);
            s.encrypt(r, &e.encode().unwrap()).unwrap()
        })
        .collect()
}

#[inline(never)]
fn sotto_envelope_decrypt(s: &mut Session, msgs: &[Vec<u8>]) {
    for m in msgs {
        black_box(sotto::Envelope::decode(&s.decrypt(m).unwrap()).unwrap());
    }
}

#[inline(never)]
fn sotto_session_decrypt(s: &mut Session, msgs: &[Vec<u8>]) {
    for m in msgs {
        black_box(s.decrypt(m).unwrap());
    }
}

#[inline(never)]
fn olm_session_encrypt(s: &mut olm::Session, pt: &[u8]) -> Vec<OlmMessage> {
    (0..N).map(|_| s.encrypt(black_box(pt)).unwrap()).collect()
}

#[inline(never)]
fn olm_session_decrypt(s: &mut olm::Session, msgs: &[OlmMessage]) {
    for m in msgs {
        black_box(s.decrypt(m).unwrap());
    }
}

fn olm_pair() -> (olm::Session, olm::Session) {
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let otk = *bob.one_time_keys().values().next().unwrap();
    let mut a = alice
        .create_outbound_session(olm::SessionConfig::version_1(), bob.curve25519_key(), otk)
        .unwrap();
    let OlmMessage::PreKey(pk) = a.encrypt(b"hi").unwrap() else {
        unreachable!("the first message is a pre-key message")
    };
    let mut b = bob
        .create_inbound_session(olm::SessionConfig::version_1(), alice.curve25519_key(), &pk)
        .unwrap()
        .session;
    let reply = b.encrypt(b"hi").unwrap();
    a.decrypt(&reply).unwrap();
    (a, b)
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
    let alice_pair = IdentityKeyPair::generate(&mut r);
    let bob_pair = IdentityKeyPair::generate(&mut r);
    let (alice, bob) = (*alice_pair.public_key(), *bob_pair.public_key());
    let mut a = Group::new(&mut r, &alice_pair, b"instructions", &[bob]).unwrap();
    let mut b = Group::new(&mut r, &bob_pair, b"instructions", &[alice]).unwrap();
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

    let (mut sa, mut sb) = steady_pair(&mut r);
    let msgs = sotto_session_encrypt(&mut sa, &mut r, &pt);
    sotto_session_decrypt(&mut sb, &msgs);
    let (mut ea, mut eb) = steady_pair(&mut r);
    let msgs = sotto_envelope_encrypt(&mut ea, &mut r, &"x".repeat(64));
    sotto_envelope_decrypt(&mut eb, &msgs);
    let (mut oa, mut ob) = olm_pair();
    let msgs = olm_session_encrypt(&mut oa, &pt);
    olm_session_decrypt(&mut ob, &msgs);
}
