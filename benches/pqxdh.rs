//! PQXDH benchmarks: session setup on each side, next to the primitives it
//! cannot avoid and to X3DH (the same bundle without its post-quantum
//! prekey), measured in the same run.
//!
//! * Initiator (`Session::initiate` from a bundle with a one-time prekey and
//!   a one-time ML-KEM-1024 prekey). Floor: two strict Ed25519
//!   verifications over the bytes the bundle's two signatures sign (each
//!   decoding its key), one ML-KEM-1024 encapsulation (with the FIPS 203
//!   check of the encapsulation key), five X25519 agreements (DH1 to DH4
//!   and the first ratchet step) and two key generations (the base key and
//!   the first ratchet key). The X3DH floor drops the ML-KEM encapsulation
//!   and one verification.
//! * Responder (`PrekeyStore::accept` of the first message, on a fresh copy
//!   of the store each time, so the one-time prekeys are there). Floor: four
//!   X25519 agreements, one ML-KEM-1024 decapsulation from the stored
//!   64-byte seed (FIPS 203 key generation from the seed, then
//!   decapsulation), and one AES-256-GCM-SIV open of the first message's
//!   ciphertext under associated data of the same length. The X3DH floor
//!   drops the ML-KEM part.
//!
//! Sizes printed: the bundle and the first (prekey) message of an 11-byte
//! plaintext, both ways. For reference, libsignal 0.101 measured PQXDH setup
//! at 723 µs (initiator) and 485 µs (responder) on this kind of machine;
//! it is not in this run.
//!
//! Run: `cargo bench -p sotto-benches --bench pqxdh` (about a minute).
//! Criterion prints its estimates; at the end the bench prints the medians
//! of the same run from criterion's `estimates.json` with their ratios, then
//! the same comparisons paired: 21 rounds that each time every contender
//! once in rotating order, the ratio taken per round. `-- paired` runs only
//! the paired comparison.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)]

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, criterion_group};
use rand_core::Rng as _;
use sotto::crypto::{
    KEM_KEY_TYPE, aes256gcmsiv_open, aes256gcmsiv_seal, ed25519_verify_strict,
    mlkem1024_decapsulate, mlkem1024_encapsulate_with, mlkem1024_public_from_seed, x25519,
    x25519_public,
};
use sotto::{
    IdentityKeyPair, LABEL_PQ_PREKEY, LABEL_SIGNED_PREKEY, PqPrekeyKind, PrekeyBundle, PrekeyStore,
    Session,
};

mod common;

use common::{NOW, ROUNDS, Rng, med, median, paired, ratio, time};

/// The first message's plaintext (padded to 32 bytes on the wire).
const FIRST: &[u8] = b"hello, Bob!";

fn rng() -> Rng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Everything the benchmark times, set up once.
struct Fixture {
    alice: IdentityKeyPair,
    bob: IdentityKeyPair,
    /// Bob's prekey store (plain state), copied fresh for every accept.
    store: Vec<u8>,
    pq_bundle: PrekeyBundle,
    x3dh_bundle: PrekeyBundle,
    pq_first: Vec<u8>,
    x3dh_first: Vec<u8>,
    /// The bytes the bundle's two signatures sign (label included).
    spk_signed: Vec<u8>,
    pq_signed: Vec<u8>,
    /// Stand-ins for the X25519 private keys of the floor (any scalar costs
    /// the same) and a public key to agree with.
    secrets: [[u8; 32]; 5],
    peer: [u8; 32],
    /// A seed, its encapsulation key and a ciphertext to it, for the KEM
    /// floor.
    kem_seed: [u8; 64],
    kem_public: Vec<u8>,
    kem_ciphertext: Vec<u8>,
    /// An AEAD ciphertext and associated data of the first message's
    /// lengths, for the floor's open.
    aead_key: [u8; 32],
    aead_ad_pq: Vec<u8>,
    aead_ad_x3dh: Vec<u8>,
    aead_ct_pq: Vec<u8>,
    aead_ct_x3dh: Vec<u8>,
}

/// Header bytes of a prekey message: everything before `ciphertext ‖ tag`
/// (one varint byte each for PN and N, as in a first message).
fn header_len(message: &[u8]) -> usize {
    message.len() - 32 - 16
}

fn setup(r: &mut Rng) -> Fixture {
    let alice = IdentityKeyPair::generate(r);
    let bob = IdentityKeyPair::generate(r);
    let mut store = PrekeyStore::new(r, &bob, NOW);
    let opk = store.generate_one_time_prekeys(r, 1).unwrap()[0];
    let pq = store.generate_pq_one_time_prekeys(r, &bob, 1, NOW).unwrap()[0];
    let pq_bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opk),
        pq_prekey: Some(pq),
    };
    let x3dh_bundle = PrekeyBundle {
        pq_prekey: None,
        ..pq_bundle
    };
    let first = |b: &PrekeyBundle, r: &mut Rng| {
        let mut s = Session::initiate(r, &alice, b).unwrap();
        s.encrypt(r, FIRST).unwrap()
    };
    let pq_first = first(&pq_bundle, r);
    let x3dh_first = first(&x3dh_bundle, r);
    let store = store.to_bytes().to_vec();

    let ik_dh = bob.public_key().dh_key();
    let spk = pq_bundle.signed_prekey;
    let spk_signed = [
        LABEL_SIGNED_PREKEY,
        ik_dh,
        &spk.id.to_be_bytes(),
        &spk.created_at.to_be_bytes(),
        &spk.public,
    ]
    .concat();
    let pq_signed = [
        LABEL_PQ_PREKEY,
        ik_dh,
        &[2u8],
        &pq.id.to_be_bytes(),
        &pq.created_at.to_be_bytes(),
        &[KEM_KEY_TYPE],
        &pq.public,
    ]
    .concat();
    assert_eq!(pq.kind, PqPrekeyKind::OneTime);
    let signing = bob.public_key().signing_key();
    ed25519_verify_strict(signing, &spk_signed, &spk.signature).unwrap();
    ed25519_verify_strict(signing, &pq_signed, &pq.signature).unwrap();

    let mut secrets = [[0u8; 32]; 5];
    for s in &mut secrets {
        r.fill_bytes(s);
    }
    let mut peer_secret = [0u8; 32];
    r.fill_bytes(&mut peer_secret);
    let mut kem_seed = [0u8; 64];
    r.fill_bytes(&mut kem_seed);
    let kem_public = mlkem1024_public_from_seed(&kem_seed).unwrap();
    let mut m = [0u8; 32];
    r.fill_bytes(&mut m);
    let (kem_ciphertext, ss) = mlkem1024_encapsulate_with(&kem_public, &m).unwrap();
    assert_eq!(
        mlkem1024_decapsulate(&kem_seed, &kem_ciphertext).unwrap(),
        ss
    );

    let mut aead_key = [0u8; 32];
    r.fill_bytes(&mut aead_key);
    let ad = |message: &[u8]| vec![7u8; 32 + header_len(message)];
    let aead_ad_pq = ad(&pq_first);
    let aead_ad_x3dh = ad(&x3dh_first);
    let padded = [0u8; 32];
    let aead_ct_pq = aes256gcmsiv_seal(&aead_key, &[0; 12], &aead_ad_pq, &padded).unwrap();
    let aead_ct_x3dh = aes256gcmsiv_seal(&aead_key, &[0; 12], &aead_ad_x3dh, &padded).unwrap();
    Fixture {
        alice,
        bob,
        store,
        pq_bundle,
        x3dh_bundle,
        pq_first,
        x3dh_first,
        spk_signed,
        pq_signed,
        secrets,
        peer: x25519_public(peer_secret),
        kem_seed,
        kem_public,
        kem_ciphertext,
        aead_key,
        aead_ad_pq,
        aead_ad_x3dh,
        aead_ct_pq,
        aead_ct_x3dh,
    }
}

impl Fixture {
    fn initiate(&self, r: &mut Rng, pq: bool) -> bool {
        let b = if pq {
            &self.pq_bundle
        } else {
            &self.x3dh_bundle
        };
        Session::initiate(r, &self.alice, black_box(b))
            .unwrap()
            .is_post_quantum()
    }

    fn fresh_store(&self) -> PrekeyStore {
        PrekeyStore::from_bytes(&self.store).unwrap()
    }

    fn accept(&self, store: &mut PrekeyStore, pq: bool) -> usize {
        let m = if pq { &self.pq_first } else { &self.x3dh_first };
        store
            .accept(&self.bob, black_box(m), NOW)
            .unwrap()
            .plaintext
            .len()
    }

    /// What initiating must compute: the verifications, the encapsulation
    /// (PQXDH only), five agreements and two key generations.
    fn initiate_floor(&self, r: &mut Rng, pq: bool) -> usize {
        let bob = self.bob.public_key();
        let spk = &self.pq_bundle.signed_prekey;
        ed25519_verify_strict(bob.signing_key(), &self.spk_signed, &spk.signature).unwrap();
        let mut n = 0;
        if pq {
            let p = self.pq_bundle.pq_prekey.as_ref().unwrap();
            ed25519_verify_strict(bob.signing_key(), &self.pq_signed, &p.signature).unwrap();
            let mut m = [0u8; 32];
            r.fill_bytes(&mut m);
            n += mlkem1024_encapsulate_with(&p.public, &m).unwrap().0.len();
        }
        for s in &self.secrets {
            n += x25519(*s, black_box(self.peer)).unwrap()[0] as usize;
        }
        for s in &self.secrets[..2] {
            n += x25519_public(black_box(*s))[0] as usize;
        }
        n
    }

    /// What accepting must compute: four agreements, the decapsulation from
    /// the stored seed (PQXDH only) and the first message's AEAD open.
    fn accept_floor(&self, pq: bool) -> usize {
        let mut n = 0;
        for s in &self.secrets[..4] {
            n += x25519(*s, black_box(self.peer)).unwrap()[0] as usize;
        }
        if pq {
            n += mlkem1024_decapsulate(&self.kem_seed, black_box(&self.kem_ciphertext)).unwrap()[0]
                as usize;
        }
        let (ad, ct) = if pq {
            (&self.aead_ad_pq, &self.aead_ct_pq)
        } else {
            (&self.aead_ad_x3dh, &self.aead_ct_x3dh)
        };
        n + aes256gcmsiv_open(&self.aead_key, &[0; 12], ad, black_box(ct))
            .unwrap()
            .len()
    }
}

fn settings(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

const GROUP: &str = "session_setup";

fn setup_benches(c: &mut Criterion) {
    let mut r = rng();
    let f = setup(&mut r);
    let r = RefCell::new(r);
    let mut g = c.benchmark_group(GROUP);
    settings(&mut g);
    for (name, pq) in [("pqxdh", true), ("x3dh", false)] {
        g.bench_function(format!("{name}/initiate"), |b| {
            b.iter(|| f.initiate(&mut r.borrow_mut(), pq))
        });
        g.bench_function(format!("{name}/initiate_floor"), |b| {
            b.iter(|| f.initiate_floor(&mut r.borrow_mut(), pq))
        });
        g.bench_function(format!("{name}/accept"), |b| {
            b.iter_batched(
                || f.fresh_store(),
                // The store is returned, so that criterion drops it
                // outside the timing.
                |mut s| {
                    black_box(f.accept(&mut s, pq));
                    s
                },
                BatchSize::SmallInput,
            )
        });
        g.bench_function(format!("{name}/accept_floor"), |b| {
            b.iter(|| f.accept_floor(pq))
        });
    }
    g.finish();
}

/// One side's line: the operation, its floor, X3DH's and the ratios.
fn line(side: &str, t: [f64; 4], ratios: [f64; 3]) {
    let [pq, pq_floor, x3dh, x3dh_floor] = t;
    println!(
        "{side}: PQXDH {}, floor {}, {:.3}x of it (goal ≤ 1.3x); X3DH {}, floor {}, {:.3}x; PQXDH {:.3}x X3DH",
        time(pq),
        time(pq_floor),
        ratios[0],
        time(x3dh),
        time(x3dh_floor),
        ratios[1],
        ratios[2],
    );
}

fn sizes() {
    let mut r = rng();
    let f = setup(&mut r);
    println!(
        "\nsizes: bundle {} B with a one-time prekey and an ML-KEM-1024 prekey ({} B without the latter); first message of {} B plaintext {} B under PQXDH, {} B under X3DH (+{} B: kind, id, 1568 B ciphertext); KEM public key {} B",
        f.pq_bundle.to_bytes().len(),
        f.x3dh_bundle.to_bytes().len(),
        FIRST.len(),
        f.pq_first.len(),
        f.x3dh_first.len(),
        f.pq_first.len() - f.x3dh_first.len(),
        f.kem_public.len(),
    );
}

/// The medians of this run side by side, with their ratios.
fn summary(since: SystemTime) {
    println!("\nmedians of this run (criterion's estimates.json)");
    let m = |bench: &str| median(GROUP, bench, since);
    for (side, op) in [("initiator", "initiate"), ("responder", "accept")] {
        let (Some(p), Some(pf), Some(x), Some(xf)) = (
            m(&format!("pqxdh/{op}")),
            m(&format!("pqxdh/{op}_floor")),
            m(&format!("x3dh/{op}")),
            m(&format!("x3dh/{op}_floor")),
        ) else {
            continue;
        };
        line(side, [p, pf, x, xf], [p / pf, x / xf, p / x]);
    }
}

/// The same comparisons paired round by round. Each accept takes a fresh
/// copy of the store, made before the round's clock starts.
fn paired_ratios() {
    const BATCH: usize = 10;
    println!("\npaired: {ROUNDS} rounds, each timing every contender once in rotating order");
    let mut r = rng();
    let f = setup(&mut r);
    let cell = RefCell::new(&mut r);
    let rows = paired(
        BATCH,
        &mut [
            &mut || {
                black_box(f.initiate(&mut cell.borrow_mut(), true));
            },
            &mut || {
                black_box(f.initiate_floor(&mut cell.borrow_mut(), true));
            },
            &mut || {
                black_box(f.initiate(&mut cell.borrow_mut(), false));
            },
            &mut || {
                black_box(f.initiate_floor(&mut cell.borrow_mut(), false));
            },
        ],
    );
    line(
        "initiator",
        [med(&rows, 0), med(&rows, 1), med(&rows, 2), med(&rows, 3)],
        [ratio(&rows, 0, 1), ratio(&rows, 2, 3), ratio(&rows, 0, 2)],
    );
    // Fresh stores for every accept of every round, made up front.
    let pool = |n: usize| RefCell::new((0..n).map(|_| f.fresh_store()).collect::<Vec<_>>());
    let (pq_pool, x3dh_pool) = (pool(ROUNDS * BATCH), pool(ROUNDS * BATCH));
    // Used stores are dropped after the rounds, not inside the timing.
    let used = RefCell::new(Vec::with_capacity(2 * ROUNDS * BATCH));
    let rows = paired(
        BATCH,
        &mut [
            &mut || {
                let mut s = pq_pool.borrow_mut().pop().unwrap();
                black_box(f.accept(&mut s, true));
                used.borrow_mut().push(s);
            },
            &mut || {
                black_box(f.accept_floor(true));
            },
            &mut || {
                let mut s = x3dh_pool.borrow_mut().pop().unwrap();
                black_box(f.accept(&mut s, false));
                used.borrow_mut().push(s);
            },
            &mut || {
                black_box(f.accept_floor(false));
            },
        ],
    );
    line(
        "responder",
        [med(&rows, 0), med(&rows, 1), med(&rows, 2), med(&rows, 3)],
        [ratio(&rows, 0, 1), ratio(&rows, 2, 3), ratio(&rows, 0, 2)],
    );
}

criterion_group!(benches, setup_benches);

fn main() {
    let since = SystemTime::now();
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary(since);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list") {
        sizes();
        if filters.is_empty() || filters.iter().any(|f| *f == "paired") {
            paired_ratios();
        }
    }
}
