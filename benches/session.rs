//! Session setup and Double Ratchet benchmarks, each next to the same
//! operation of vodozemac's Olm in the same run.
//!
//! Run: `cargo bench -p sotto-benches --bench session`. Criterion prints the medians; the
//! ratios are in the project's testing notes.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};
use std::hint::black_box;
use vodozemac::olm::{Account, OlmMessage, Session as OlmSession, SessionConfig, SessionPickle};

const NOW: u64 = 1_800_000_000;
type Rng = UnwrapErr<SysRng>;

fn rng() -> Rng {
    UnwrapErr(SysRng)
}

struct Sotto {
    alice: IdentityKeyPair,
    bob: IdentityKeyPair,
    store_bytes: Vec<u8>,
    bundle: PrekeyBundle,
}

fn sotto_parties(rng: &mut Rng) -> Sotto {
    let alice = IdentityKeyPair::generate(rng);
    let bob = IdentityKeyPair::generate(rng);
    let mut store = PrekeyStore::new(rng, &bob, NOW);
    let opk = store.generate_one_time_prekeys(rng, 1).unwrap()[0];
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opk),
        pq_prekey: None,
    };
    Sotto {
        alice,
        bob,
        store_bytes: store.to_bytes().to_vec(),
        bundle,
    }
}

/// Two sotto sessions that have each sent and received (steady state).
fn sotto_pair(rng: &mut Rng) -> (Session, Session) {
    let p = sotto_parties(rng);
    let mut store = PrekeyStore::from_bytes(&p.store_bytes).unwrap();
    let mut a = Session::initiate(rng, &p.alice, &p.bundle).unwrap();
    let m = a.encrypt(rng, b"hi").unwrap();
    let mut b = store.accept(&p.bob, &m, NOW).unwrap().session;
    let r = b.encrypt(rng, b"hi").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(rng, b"hi").unwrap();
    b.decrypt(&m).unwrap();
    (a, b)
}

/// Two vodozemac sessions in the same steady state.
fn olm_pair() -> (OlmSession, OlmSession) {
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let otk = *bob.one_time_keys().values().next().unwrap();
    let mut a = alice
        .create_outbound_session(SessionConfig::version_1(), bob.curve25519_key(), otk)
        .unwrap();
    let m = a.encrypt(b"hi").unwrap();
    let OlmMessage::PreKey(pk) = m else {
        panic!("expected a pre-key message")
    };
    let mut b = bob
        .create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), &pk)
        .unwrap()
        .session;
    let r = b.encrypt(b"hi").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(b"hi").unwrap();
    b.decrypt(&m).unwrap();
    (a, b)
}

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives");
    let mut r = rng();
    let id = IdentityKeyPair::generate(&mut r);
    let other = IdentityKeyPair::generate(&mut r);
    let peer = *other.public_key().dh_key();
    g.bench_function("x25519_dh", |b| {
        b.iter(|| sotto::crypto::x25519(black_box([7u8; 32]), black_box(peer)).unwrap())
    });
    g.bench_function("x25519_public_key", |b| {
        b.iter(|| sotto::crypto::x25519_public(black_box([7u8; 32])))
    });
    let store = PrekeyStore::new(&mut r, &id, NOW);
    let spk = store.signed_prekey();
    g.bench_function("ed25519_verify_signed_prekey", |b| {
        b.iter(|| black_box(spk).verify(id.public_key()).unwrap())
    });
    g.finish();
}

fn setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("setup");
    let mut r = rng();
    let p = sotto_parties(&mut r);
    g.bench_function("sotto/initiate", |b| {
        b.iter(|| Session::initiate(&mut r, &p.alice, black_box(&p.bundle)).unwrap())
    });
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let otk = *bob.one_time_keys().values().next().unwrap();
    let bob_key = bob.curve25519_key();
    g.bench_function("vodozemac/initiate", |b| {
        b.iter(|| {
            alice
                .create_outbound_session(SessionConfig::version_1(), black_box(bob_key), otk)
                .unwrap()
        })
    });
    // Responder: create the session from the first message and decrypt it
    // (the prekey store / account is restored from a snapshot each time so
    // that the one-time key is there to be consumed).
    let mut a = Session::initiate(&mut r, &p.alice, &p.bundle).unwrap();
    let first = a.encrypt(&mut r, &[0u8; 64]).unwrap();
    g.bench_function("sotto/respond", |b| {
        b.iter_batched(
            || PrekeyStore::from_bytes(&p.store_bytes).unwrap(),
            |mut store| store.accept(&p.bob, black_box(&first), NOW).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let mut oa = alice
        .create_outbound_session(SessionConfig::version_1(), bob_key, otk)
        .unwrap();
    let OlmMessage::PreKey(pk) = oa.encrypt([0u8; 64]).unwrap() else {
        panic!()
    };
    let bob_pickle = bob.pickle().encrypt(&[0u8; 32]);
    let alice_key = alice.curve25519_key();
    g.bench_function("vodozemac/respond", |b| {
        b.iter_batched(
            || {
                Account::from_pickle(
                    vodozemac::olm::AccountPickle::from_encrypted(&bob_pickle, &[0u8; 32]).unwrap(),
                )
            },
            |mut acct| {
                acct.create_inbound_session(SessionConfig::version_1(), alice_key, black_box(&pk))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn chain(c: &mut Criterion) {
    let mut r = rng();
    for size in [64usize, 1024] {
        let pt = vec![0x5au8; size];
        let mut g = c.benchmark_group(format!("chain_{size}B"));
        let (mut a, _) = sotto_pair(&mut r);
        g.bench_function("sotto/encrypt", |bn| {
            bn.iter(|| a.encrypt(&mut r, black_box(&pt)).unwrap())
        });
        let (mut oa, _) = olm_pair();
        g.bench_function("vodozemac/encrypt", |bn| {
            bn.iter(|| oa.encrypt(black_box(&pt)).unwrap())
        });
        // Fresh pairs: the encrypt runs above left the receivers far behind.
        let (mut a, mut b) = sotto_pair(&mut r);
        let (mut oa, mut ob) = olm_pair();
        let mut r2 = rng();
        g.bench_function("sotto/decrypt", |bn| {
            bn.iter_batched(
                || a.encrypt(&mut r2, &pt).unwrap(),
                |m| b.decrypt(black_box(&m)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("vodozemac/decrypt", |bn| {
            bn.iter_batched(
                || oa.encrypt(&pt).unwrap(),
                |m| ob.decrypt(black_box(&m)).unwrap(),
                BatchSize::SmallInput,
            )
        });
        g.finish();
    }
}

fn ratchet(c: &mut Criterion) {
    let mut g = c.benchmark_group("dh_ratchet");
    let mut r = rng();
    // One iteration: a→b then b→a, each the first message after a DH ratchet
    // step (encrypt with a new ratchet key, decrypt with one DH).
    let (mut a, mut b) = sotto_pair(&mut r);
    g.bench_function("sotto/round_trip_64B", |bn| {
        bn.iter(|| {
            let m = a.encrypt(&mut r, &[1u8; 64]).unwrap();
            b.decrypt(&m).unwrap();
            let m = b.encrypt(&mut r, &[2u8; 64]).unwrap();
            a.decrypt(&m).unwrap()
        })
    });
    let (mut oa, mut ob) = olm_pair();
    g.bench_function("vodozemac/round_trip_64B", |bn| {
        bn.iter(|| {
            let m = oa.encrypt([1u8; 64]).unwrap();
            ob.decrypt(&m).unwrap();
            let m = ob.encrypt([2u8; 64]).unwrap();
            oa.decrypt(&m).unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("skip_1000");
    let (mut a, b) = sotto_pair(&mut r);
    let b_bytes = b.to_bytes().to_vec();
    for _ in 0..1000 {
        a.encrypt(&mut r, b"lost").unwrap();
    }
    let last = a.encrypt(&mut r, &[0u8; 64]).unwrap();
    g.bench_function("sotto/decrypt", |bn| {
        bn.iter_batched(
            || Session::from_bytes(&b_bytes).unwrap(),
            |mut s| s.decrypt(black_box(&last)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let (mut oa, ob) = olm_pair();
    let ob_pickle = ob.pickle().encrypt(&[0u8; 32]);
    for _ in 0..1000 {
        oa.encrypt(b"lost").unwrap();
    }
    let olast = oa.encrypt([0u8; 64]).unwrap();
    g.bench_function("vodozemac/decrypt", |bn| {
        bn.iter_batched(
            || {
                OlmSession::from_pickle(
                    SessionPickle::from_encrypted(&ob_pickle, &[0u8; 32]).unwrap(),
                )
            },
            |mut s| s.decrypt(black_box(&olast)).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn persistence(c: &mut Criterion) {
    let mut g = c.benchmark_group("persistence");
    let mut r = rng();
    let key = [3u8; 32];
    let (a, _) = sotto_pair(&mut r);
    g.bench_function("sotto/serialize_plain", |bn| {
        bn.iter(|| black_box(&a).to_bytes())
    });
    let plain = a.to_bytes().to_vec();
    g.bench_function("sotto/restore_plain", |bn| {
        bn.iter(|| Session::from_bytes(black_box(&plain)).unwrap())
    });
    g.bench_function("sotto/serialize_encrypted", |bn| {
        bn.iter(|| black_box(&a).seal(&key, &mut r).unwrap())
    });
    let sealed = a.seal(&key, &mut r).unwrap();
    g.bench_function("sotto/restore_encrypted", |bn| {
        bn.iter(|| Session::open(&key, black_box(&sealed)).unwrap())
    });
    let (oa, _) = olm_pair();
    g.bench_function("vodozemac/serialize_encrypted", |bn| {
        bn.iter(|| black_box(&oa).pickle().encrypt(&key))
    });
    let op = oa.pickle().encrypt(&key);
    g.bench_function("vodozemac/restore_encrypted", |bn| {
        bn.iter(|| {
            OlmSession::from_pickle(SessionPickle::from_encrypted(black_box(&op), &key).unwrap())
        })
    });
    g.finish();
    println!(
        "sizes: sotto session plain {} B, sealed {} B; vodozemac pickle (encrypted, base64) {} B",
        plain.len(),
        sealed.len(),
        op.len()
    );
}

criterion_group!(benches, primitives, setup, chain, ratchet, persistence);
criterion_main!(benches);
