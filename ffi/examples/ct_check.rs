//! The constant-time harness: run under valgrind memcheck by
//! `ffi/tests/constant_time.rs` on a release build.
//!
//! Every secret (keys, chain keys, plaintexts, the key fields of imported
//! state) is marked undefined with [`sotto_ffi::ct_check::secret`];
//! memcheck then reports any branch or memory address computed from it.
//! What is public by design is declassified before the harness looks at it,
//! and the few verdicts the library itself must branch on (a tag accepted or
//! not, padding valid or not, a derived public key matching or not) are
//! listed, each with its reason, in `ffi/ct/declassify.supp`.
//!
//! `--control` runs a deliberately variable-time comparison instead, so the
//! test can show that memcheck does catch one.
// A test harness: a failed check panics.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use rand_core::{Rng, UnwrapErr};
use sotto::padding::{PAD_BLOCK, unpad_ct};
use sotto::{
    Group, IdentityKeyPair, PrekeyBundle, PrekeyStore, ScanResult, SecurityCode, Session, crypto,
};
use sotto_ffi::ct_check::{public, secret};

#[path = "../tests/support/secrets.rs"]
mod secrets;

const NOW: u64 = 1_800_000_000;

type Rng0 = UnwrapErr<getrandom::SysRng>;

fn main() {
    if std::env::args().any(|a| a == "--control") {
        control();
        return;
    }
    let mut rng = UnwrapErr(getrandom::SysRng);
    let mut n = 0;
    n += aead(&mut rng);
    n += kdf(&mut rng);
    n += padding();
    n += key_decoding(&mut rng);
    n += one_to_one(&mut rng);
    n += group(&mut rng);
    n += security_code(&mut rng);
    println!("constant-time harness: {n} operations on secret data");
}

/// A comparison that exits at the first differing byte: memcheck must
/// report it.
fn control() {
    let a = std::hint::black_box([7u8; 32]);
    let b = std::hint::black_box([7u8; 32]);
    secret(&a);
    let mut same = true;
    for (x, y) in a.iter().zip(b.iter()) {
        if std::hint::black_box(*x) != *y {
            same = false;
            break;
        }
    }
    public(&same);
    println!("control: early-exit comparison ran ({same})");
}

fn random32(rng: &mut Rng0) -> [u8; 32] {
    let mut k = [0u8; 32];
    rng.fill_bytes(&mut k);
    k
}

/// Marks the secret fields of an exported state secret.
fn mark_state(bytes: &[u8]) {
    for r in secrets::secret_ranges(bytes) {
        secret(&bytes[r]);
    }
}

type Seal = fn(&[u8; 32], &[u8; 12], &[u8], &[u8]) -> sotto::Result<Vec<u8>>;
type Open = fn(&[u8; 32], &[u8; 12], &[u8], &[u8]) -> sotto::Result<Vec<u8>>;

/// AES-256-GCM-SIV (messages and state) seal and open, success and failure,
/// under a secret key and plaintext: key schedules, POLYVAL, and the tag
/// comparison.
fn aead(rng: &mut Rng0) -> usize {
    let mut ops = 0;
    let algorithms: [(Seal, Open); 1] = [(crypto::aes256gcmsiv_seal, crypto::aes256gcmsiv_open)];
    for (seal, open) in algorithms {
        for len in [0usize, 1, 31, 64, 1000] {
            let key = random32(rng);
            let nonce = [9u8; 12];
            let plaintext = vec![0xA5u8; len];
            secret(&key);
            secret(&plaintext[..]);
            let sealed = seal(&key, &nonce, b"ad", &plaintext).unwrap();
            public(&sealed[..]); // ciphertext and tag go on the wire
            let opened = open(&key, &nonce, b"ad", &sealed);
            let ok = opened.is_ok();
            public(&ok);
            assert!(ok);
            let opened = opened.unwrap();
            public(&opened);
            public(&opened[..]);
            public(&plaintext[..]);
            assert_eq!(opened, plaintext);
            // Failure: every tag byte in turn.
            for i in sealed.len() - 16..sealed.len() {
                let mut bad = sealed.clone();
                bad[i] ^= 1;
                let r = open(&key, &nonce, b"ad", &bad);
                let failed = r.is_err();
                public(&failed);
                assert!(failed);
                ops += 1;
            }
            ops += 2;
        }
    }
    ops
}

/// The chain step and message-key derivation: HMAC-SHA-256 and HKDF.
fn kdf(rng: &mut Rng0) -> usize {
    let ck = random32(rng);
    secret(&ck);
    let seed = crypto::hmac_sha256(&ck, &[0x01]);
    let next = crypto::hmac_sha256(&ck, &[0x02]);
    let mut okm = [0u8; 44];
    crypto::hkdf_sha256(&[0u8; 32], &seed, sotto::LABEL_MESSAGE_KEYS, &mut okm).unwrap();
    let mut okm2 = [0u8; 44];
    crypto::hkdf_sha256(&[0u8; 32], &next, sotto::LABEL_MESSAGE_KEYS, &mut okm2).unwrap();
    public(&okm);
    public(&okm2);
    assert_ne!(okm, okm2);
    4
}

/// Padding removal over secret plaintexts, valid and invalid.
fn padding() -> usize {
    let mut ops = 0;
    for len in 0..3 * PAD_BLOCK {
        let mut padded = vec![0x41u8; len];
        padded.push(0x80);
        padded.resize(padded.len().div_ceil(PAD_BLOCK) * PAD_BLOCK, 0);
        let mut trailing = padded.clone();
        *trailing.last_mut().unwrap() ^= 1;
        let mut wrong_marker = padded.clone();
        wrong_marker[len] = 0x81;
        let cases = [(padded, true), (trailing, false), (wrong_marker, false)];
        for (buf, want) in cases {
            secret(&buf[..]);
            let (ok, message_len) = unpad_ct(&buf);
            let ok = bool::from(ok);
            public(&ok);
            public(&message_len);
            assert_eq!(ok, want, "length {len}");
            ops += 1;
        }
    }
    ops
}

/// Decoding private keys: an identity (Ed25519 seed, X25519 private key)
/// and a prekey store (private keys, public keys checked against them).
fn key_decoding(rng: &mut Rng0) -> usize {
    let id = IdentityKeyPair::generate(rng);
    let mut store = PrekeyStore::new(rng, &id, NOW);
    store.generate_one_time_prekeys(rng, 3).unwrap();

    let id_bytes = id.to_bytes();
    mark_state(&id_bytes);
    let restored = IdentityKeyPair::from_bytes(&id_bytes).unwrap();
    let public_key = restored.public_key().to_bytes();
    public(&public_key[..]);
    assert_eq!(public_key, id.public_key().to_bytes());

    let store_bytes = store.to_bytes();
    mark_state(&store_bytes);
    let restored = PrekeyStore::from_bytes(&store_bytes);
    let ok = restored.is_ok();
    public(&ok);
    assert!(ok);
    2
}

/// The whole 1:1 receive and send path from a session whose keys are all
/// secret: chain steps, a skipped key, a failed decrypt, and a DH ratchet
/// step (X25519 with the secret ratchet key, the root KDF).
fn one_to_one(rng: &mut Rng0) -> usize {
    let alice = IdentityKeyPair::generate(rng);
    let bob = IdentityKeyPair::generate(rng);
    let mut store = PrekeyStore::new(rng, &bob, NOW);
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    let mut a = Session::initiate(rng, &alice, &bundle).unwrap();
    let first = a.encrypt(rng, b"first").unwrap();
    let mut b = store.accept(&bob, &first, NOW).unwrap().session;
    let reply = b.encrypt(rng, b"reply").unwrap();
    a.decrypt(&reply).unwrap();
    let m2 = a.encrypt(rng, b"second").unwrap();
    let m3 = a.encrypt(rng, b"third").unwrap();

    let state = b.to_bytes();
    mark_state(&state);
    let mut b = Session::from_bytes(&state).unwrap();
    let mut ops = 0;
    // m3 first: m2's key is stored as skipped; then m2 from the store.
    for (m, want) in [(&m3, &b"third"[..]), (&m2, &b"second"[..])] {
        let pt = b.decrypt(m).unwrap();
        public(&pt);
        public(&pt);
        public(&pt[..]);
        assert_eq!(pt, want);
        ops += 1;
    }
    // A tampered message fails in constant time and changes nothing.
    let mut bad = a.encrypt(rng, b"tampered").unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let failed = b.decrypt(&bad).is_err();
    public(&failed);
    assert!(failed);
    // Bob replies from the secret state; Alice answers on a new ratchet key,
    // so Bob's next decrypt is a DH ratchet step with his secret key.
    let r2 = b.encrypt(rng, b"from secret state").unwrap();
    public(&r2[..]);
    assert_eq!(a.decrypt(&r2).unwrap(), b"from secret state");
    let m4 = a.encrypt(rng, b"after a DH ratchet step").unwrap();
    let pt = b.decrypt(&m4).unwrap();
    public(&pt);
    public(&pt[..]);
    assert_eq!(pt, b"after a DH ratchet step");
    ops + 3
}

/// Group send and receive from a state whose chain keys and signing key are
/// secret: chain steps, Ed25519 signing, AEAD, padding.
fn group(rng: &mut Rng0) -> usize {
    let alice = IdentityKeyPair::generate(rng);
    let bob = IdentityKeyPair::generate(rng);
    let (ai, bi) = (*alice.public_key(), *bob.public_key());
    let mut ga = Group::new(rng, &alice, b"ct group", &[bi]).unwrap();
    let mut gb = Group::new(rng, &bob, b"ct group", &[ai]).unwrap();
    gb.process_distribution(&ai, &ga.distribution()).unwrap();
    ga.process_distribution(&bi, &gb.distribution()).unwrap();
    let m0 = ga.encrypt(b"zero").unwrap();
    let m1 = ga.encrypt(b"one").unwrap();

    let state = gb.to_bytes();
    mark_state(&state);
    let mut gb = Group::from_bytes(&state).unwrap();
    for (m, want) in [(&m1, &b"one"[..]), (&m0, &b"zero"[..])] {
        let pt = gb.decrypt(&ai, m).unwrap();
        public(&pt);
        public(&pt);
        public(&pt[..]);
        assert_eq!(pt, want);
    }
    let sent = gb.encrypt(b"from secret state").unwrap();
    public(&sent[..]);
    assert_eq!(ga.decrypt(&bi, &sent).unwrap(), b"from secret state");
    3
}

/// Comparing a scanned security-code payload, equal and different.
fn security_code(rng: &mut Rng0) -> usize {
    let a = IdentityKeyPair::generate(rng);
    let b = IdentityKeyPair::generate(rng);
    let ours = SecurityCode::new(a.public_key(), b"alice", b.public_key(), b"bob").unwrap();
    let theirs = SecurityCode::new(b.public_key(), b"bob", a.public_key(), b"alice").unwrap();
    let mut ops = 0;
    for flip in [None, Some(2), Some(40), Some(65)] {
        let mut scanned = theirs.scannable();
        if let Some(i) = flip {
            scanned[i] ^= 1;
        }
        secret(&scanned[2..]);
        let verdict = ours.compare_scanned(&scanned).unwrap();
        public(&verdict);
        let want = if flip.is_none() {
            ScanResult::Match
        } else {
            ScanResult::Mismatch
        };
        assert_eq!(verdict, want);
        ops += 1;
    }
    ops
}
