//! Sealed-sender benchmarks: sealing and opening a 1 KiB message
//! (`sotto::sealed_sender::seal` / `open`), each next to the primitives it
//! cannot avoid, measured in the same run.
//!
//! * Seal floor: the two X25519 agreements (ephemeral and static, both with
//!   the recipient's key), the two HKDF-SHA256 derivations (64 and 32
//!   bytes) and the two AES-256-GCM-SIV seals (the sender's 64-byte
//!   identity, then certificate and message) of the same lengths, through
//!   the public `sotto::crypto` functions. A second floor adds the
//!   ephemeral key's public half (a fixed-base X25519 multiplication), which
//!   sealing also has to compute.
//! * Open floor: the two agreements (the recipient's key with the ephemeral
//!   and with the sender's key), the two HKDFs, the two AES-256-GCM-SIV
//!   opens, the two strict Ed25519 verifications of the certificates (the
//!   trust root's signature on the server certificate and the service's on
//!   the sender certificate, over the same bytes, each decoding its key as
//!   `ed25519_verify_strict` does) and the decoding of one identity (the
//!   sealed sender's, `IdentityKey::from_bytes`).
//!
//! Every floor's inputs are real: the signatures are the certificates' own
//! and verify, and the floor's AEAD opens succeed on messages it sealed
//! with the same lengths. The sizes printed are the certificates' and the
//! envelope's overhead over the message.
//!
//! Run: `cargo bench -p sotto-benches --bench sealed` (under a minute).
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

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group};
use rand_core::Rng as _;
use sotto::crypto::{
    aes256gcmsiv_open, aes256gcmsiv_seal, ed25519_verify_strict, hkdf_sha256, x25519, x25519_public,
};
use sotto::sealed_sender::{
    LABEL_SEALED_EPHEMERAL, LABEL_SEALED_STATIC, LABEL_SENDER_CERTIFICATE,
    LABEL_SERVER_CERTIFICATE, SenderCertificate, ServerCertificate, open, seal,
};
use sotto::{IdentityKey, IdentityKeyPair};

mod common;

use common::{ROUNDS, med, median, paired, ratio, time};

use common::Rng;

/// The message sealed (a session message of 1 KiB).
const MESSAGE_LEN: usize = 1024;
/// The recipient's clock, and the certificate's expiry a day later.
const NOW_MS: u64 = 1_800_000_000_000;
const EXPIRES_MS: u64 = NOW_MS + 86_400_000;
const NONCE: [u8; 12] = [0; 12];

fn rng() -> Rng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Everything the benchmark times, set up once.
struct Fixture {
    root: IdentityKey,
    alice: IdentityKeyPair,
    bob: IdentityKeyPair,
    server_cert: Vec<u8>,
    cert: SenderCertificate,
    cert_bytes: Vec<u8>,
    message: Vec<u8>,
    sealed: Vec<u8>,
    /// Stand-ins for the private X25519 keys of the floor (any scalar costs
    /// the same), with Bob's public key and a sender public key.
    a_secret: [u8; 32],
    b_secret: [u8; 32],
    a_public: [u8; 32],
    b_public: [u8; 32],
    e_public: [u8; 32],
    /// The floor's own ciphertexts, under the keys it derives, to open.
    floor_static: Vec<u8>,
    floor_body: Vec<u8>,
}

fn setup(r: &mut Rng) -> Fixture {
    let root = IdentityKeyPair::generate(r);
    let server = IdentityKeyPair::generate(r);
    let alice = IdentityKeyPair::generate(r);
    let bob = IdentityKeyPair::generate(r);
    let server_cert = ServerCertificate::issue(&root, 1, server.public_key());
    let cert = SenderCertificate::issue(
        &server,
        &server_cert,
        b"alice",
        alice.public_key(),
        1,
        EXPIRES_MS,
    )
    .unwrap();
    let message: Vec<u8> = (0..MESSAGE_LEN).map(|i| (i * 7) as u8).collect();
    let sealed = seal(r, &alice, &cert, bob.public_key(), &message).unwrap();
    let opened = open(&bob, root.public_key(), &sealed, NOW_MS).unwrap();
    assert_eq!(*opened.message, message);
    let mut a_secret = [0u8; 32];
    let mut b_secret = [0u8; 32];
    let mut e_secret = [0u8; 32];
    r.fill_bytes(&mut a_secret);
    r.fill_bytes(&mut b_secret);
    r.fill_bytes(&mut e_secret);
    let cert_bytes = cert.to_bytes().unwrap();
    let mut f = Fixture {
        root: *root.public_key(),
        alice,
        bob,
        server_cert: server_cert.to_bytes(),
        cert,
        cert_bytes,
        message,
        sealed,
        a_secret,
        b_secret,
        a_public: x25519_public(a_secret),
        b_public: x25519_public(b_secret),
        e_public: x25519_public(e_secret),
        floor_static: Vec::new(),
        floor_body: Vec::new(),
    };
    let (s, b) = f.seal_floor(f.b_public, e_secret);
    assert_eq!(s.len(), 80);
    assert_eq!(b.len(), f.sealed.len() - 2 - 32 - 80);
    f.floor_static = s;
    f.floor_body = b;
    assert_eq!(f.open_floor(), MESSAGE_LEN + 2 + f.cert_bytes.len());
    f
}

impl Fixture {
    fn seal(&self, r: &mut Rng) -> Vec<u8> {
        seal(
            r,
            &self.alice,
            &self.cert,
            self.bob.public_key(),
            black_box(&self.message),
        )
        .unwrap()
    }

    fn open(&self) -> usize {
        open(&self.bob, &self.root, black_box(&self.sealed), NOW_MS)
            .unwrap()
            .message
            .len()
    }

    /// What sealing must compute, given the ephemeral secret: 2 agreements,
    /// 2 HKDFs, 2 AES-256-GCM-SIV seals of the same lengths (the inner
    /// plaintext assembled as `seal` does).
    fn seal_floor(&self, bob_dh: [u8; 32], e_secret: [u8; 32]) -> (Vec<u8>, Vec<u8>) {
        let bob = self.bob.public_key().to_bytes();
        let e_dh = x25519(e_secret, bob_dh).unwrap();
        let mut okm = [0u8; 64];
        hkdf_sha256(
            &[&self.e_public[..], &bob_dh].concat(),
            &e_dh,
            LABEL_SEALED_EPHEMERAL,
            &mut okm,
        )
        .unwrap();
        let k_e: [u8; 32] = okm[32..].try_into().unwrap();
        let static_ct = aes256gcmsiv_seal(
            &k_e,
            &NONCE,
            &[&self.e_public[..], &bob].concat(),
            &self.alice.public_key().to_bytes(),
        )
        .unwrap();
        let s_dh = x25519(self.a_secret, bob_dh).unwrap();
        let mut k_s = [0u8; 32];
        let salt = [&okm[..32], &static_ct].concat();
        hkdf_sha256(&salt, &s_dh, LABEL_SEALED_STATIC, &mut k_s).unwrap();
        let mut inner = Vec::with_capacity(2 + self.cert_bytes.len() + self.message.len());
        inner.extend_from_slice(&(self.cert_bytes.len() as u16).to_be_bytes());
        inner.extend_from_slice(&self.cert_bytes);
        inner.extend_from_slice(black_box(&self.message));
        let ad = [&self.e_public[..], &static_ct, &bob].concat();
        let body = aes256gcmsiv_seal(&k_s, &NONCE, &ad, &inner).unwrap();
        (static_ct, body)
    }

    /// The seal floor with a fresh ephemeral secret (not its public key).
    fn seal_floor_fresh(&self, r: &mut Rng) -> usize {
        let mut e = [0u8; 32];
        r.fill_bytes(&mut e);
        let (s, b) = self.seal_floor(*self.bob.public_key().dh_key(), e);
        s.len() + b.len()
    }

    /// The same, and the ephemeral public key computed too.
    fn seal_floor_keygen(&self, r: &mut Rng) -> usize {
        let mut e = [0u8; 32];
        r.fill_bytes(&mut e);
        black_box(x25519_public(e));
        let (s, b) = self.seal_floor(*self.bob.public_key().dh_key(), e);
        s.len() + b.len()
    }

    /// What opening must compute: 2 agreements, 2 HKDFs, 2 AES-256-GCM-SIV
    /// opens, 2 strict verifications (each decoding its key), one identity
    /// decoded.
    fn open_floor(&self) -> usize {
        let bob = self.bob.public_key().to_bytes();
        let bob_dh = self.b_public;
        let e_dh = x25519(self.b_secret, self.e_public).unwrap();
        let mut okm = [0u8; 64];
        hkdf_sha256(
            &[&self.e_public[..], &bob_dh].concat(),
            &e_dh,
            LABEL_SEALED_EPHEMERAL,
            &mut okm,
        )
        .unwrap();
        let k_e: [u8; 32] = okm[32..].try_into().unwrap();
        let static_ct = black_box(&self.floor_static);
        let sender = aes256gcmsiv_open(
            &k_e,
            &NONCE,
            &[&self.e_public[..], &bob].concat(),
            static_ct,
        )
        .unwrap();
        black_box(IdentityKey::from_bytes(&sender).unwrap());
        let s_dh = x25519(self.b_secret, self.a_public).unwrap();
        let mut k_s = [0u8; 32];
        let salt = [&okm[..32], static_ct].concat();
        hkdf_sha256(&salt, &s_dh, LABEL_SEALED_STATIC, &mut k_s).unwrap();
        let ad = [&self.e_public[..], static_ct, &bob].concat();
        let inner = aes256gcmsiv_open(&k_s, &NONCE, &ad, black_box(&self.floor_body)).unwrap();
        // The two signatures, over the bytes they sign.
        let server = &self.server_cert;
        let (server_body, server_sig) = server.split_at(server.len() - 64);
        ed25519_verify_strict(
            self.root.signing_key(),
            &[LABEL_SERVER_CERTIFICATE, server_body].concat(),
            server_sig,
        )
        .unwrap();
        let cert = &self.cert_bytes;
        let (cert_body, cert_sig) = cert.split_at(cert.len() - 64);
        ed25519_verify_strict(
            self.cert.server.key.signing_key(),
            &[LABEL_SENDER_CERTIFICATE, cert_body].concat(),
            cert_sig,
        )
        .unwrap();
        inner.len()
    }
}

fn settings(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

const GROUP: &str = "sealed_sender_1KiB";

fn sealed(c: &mut Criterion) {
    let mut r = rng();
    let f = setup(&mut r);
    let mut g = c.benchmark_group(GROUP);
    settings(&mut g);
    g.bench_function("seal", |b| b.iter(|| f.seal(&mut r)));
    g.bench_function("seal_floor", |b| b.iter(|| f.seal_floor_fresh(&mut r)));
    g.bench_function("seal_floor_with_keygen", |b| {
        b.iter(|| f.seal_floor_keygen(&mut r))
    });
    g.bench_function("open", |b| b.iter(|| f.open()));
    g.bench_function("open_floor", |b| b.iter(|| f.open_floor()));
    g.finish();
}

/// The two lines: each operation, its floor(s) and the ratios.
fn lines(label: &str, t: [f64; 5], seal_ratios: (f64, f64), open_ratio: f64) {
    let [seal, floor, floor_keygen, open, open_floor] = t;
    println!(
        "{label} seal: {}; floor (2 X25519, 2 HKDF, 2 AES-256-GCM-SIV) {}, seal {:.3}x of it (goal ≤ 1.3x); with the ephemeral public key {}, {:.3}x",
        time(seal),
        time(floor),
        seal_ratios.0,
        time(floor_keygen),
        seal_ratios.1,
    );
    println!(
        "{label} open: {}; floor (2 X25519, 2 strict Ed25519, 1 identity decoded, 2 HKDF, 2 AES-256-GCM-SIV) {}, open {open_ratio:.3}x of it (goal ≤ 1.3x)",
        time(open),
        time(open_floor),
    );
}

fn sizes() {
    let mut r = rng();
    let f = setup(&mut r);
    println!(
        "\nsizes: server certificate {} B; sender certificate {} B (a 5-byte user id: 279 B + the id); envelope of a {MESSAGE_LEN} B message {} B, overhead {} B (2 prefix, 32 ephemeral key, 80 sealed identity, 2 + {} certificate, 16 tag)",
        f.server_cert.len(),
        f.cert_bytes.len(),
        f.sealed.len(),
        f.sealed.len() - MESSAGE_LEN,
        f.cert_bytes.len(),
    );
}

/// The medians of this run side by side, with their ratios.
fn summary(since: SystemTime) {
    println!("\nmedians of this run (criterion's estimates.json)");
    let m = |bench: &str| median(GROUP, bench, since);
    if let (Some(s), Some(sf), Some(sk), Some(o), Some(of)) = (
        m("seal"),
        m("seal_floor"),
        m("seal_floor_with_keygen"),
        m("open"),
        m("open_floor"),
    ) {
        lines("1 KiB", [s, sf, sk, o, of], (s / sf, s / sk), o / of);
    }
}

/// The same comparisons paired round by round.
fn paired_ratios() {
    println!("\npaired: {ROUNDS} rounds, each timing every contender once in rotating order");
    let mut r = rng();
    let f = setup(&mut r);
    let cell = std::cell::RefCell::new(&mut r);
    let rows = paired(
        40,
        &mut [
            &mut || {
                black_box(f.seal(&mut cell.borrow_mut()));
            },
            &mut || {
                black_box(f.seal_floor_fresh(&mut cell.borrow_mut()));
            },
            &mut || {
                black_box(f.seal_floor_keygen(&mut cell.borrow_mut()));
            },
            &mut || {
                black_box(f.open());
            },
            &mut || {
                black_box(f.open_floor());
            },
        ],
    );
    lines(
        "1 KiB",
        [
            med(&rows, 0),
            med(&rows, 1),
            med(&rows, 2),
            med(&rows, 3),
            med(&rows, 4),
        ],
        (ratio(&rows, 0, 1), ratio(&rows, 0, 2)),
        ratio(&rows, 3, 4),
    );
}

criterion_group!(benches, sealed);

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
