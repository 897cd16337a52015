//! A restored or cloned state (an OS backup, a copied store file, a copied
//! sealed blob) re-derives the key and nonce of a position it has already
//! used. These tests make two copies of a sender encrypt at the same position
//! through the public API (1:1, group, live location) and check what the two
//! messages reveal: with AES-256-GCM, `c1 ⊕ c2 = p1 ⊕ p2` (and the GHASH key);
//! with AES-256-GCM-SIV, only whether the two plaintexts are equal
//! (`docs/PROTOCOL.md`, "State rollback and clones").
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, TestRng, device, establish, group};
use sotto::{
    Error, Group, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision, Session,
};

const TAG_LEN: usize = 16;
const SIGNATURE_LEN: usize = 64;

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

/// `pad(m)` of `docs/PROTOCOL.md` §6.3: `m ‖ 0x80 ‖ 0x00…` to 32-byte blocks.
fn pad(m: &[u8]) -> Vec<u8> {
    let mut p = m.to_vec();
    p.push(0x80);
    p.resize(p.len().div_ceil(32) * 32, 0);
    p
}

/// Two messages at one position, from two copies of one sender, with their
/// (equal-length) plaintexts as the AEAD saw them and the length of what
/// follows the ciphertext (tag, and a signature for group and location):
/// no 16-byte block of `c1 ⊕ c2` equals the same block of `p1 ⊕ p2`, and
/// the tags differ.
fn assert_unrelated(m1: &[u8], m2: &[u8], p1: &[u8], p2: &[u8], trailer: usize) {
    assert_eq!(m1.len(), m2.len());
    assert_eq!(p1.len(), p2.len());
    assert_ne!(p1, p2);
    let ct_end = m1.len() - trailer;
    let ct_start = ct_end - p1.len();
    assert_eq!(
        m1[..ct_start],
        m2[..ct_start],
        "the two copies must encrypt at the same position"
    );
    let c_xor = xor(&m1[ct_start..ct_end], &m2[ct_start..ct_end]);
    let p_xor = xor(p1, p2);
    for (i, (c, p)) in c_xor.chunks(16).zip(p_xor.chunks(16)).enumerate() {
        assert_ne!(
            c, p,
            "block {i}: the ciphertexts XOR to the plaintexts' XOR (a reused keystream)"
        );
    }
    assert_ne!(
        m1[ct_end..ct_end + TAG_LEN],
        m2[ct_end..ct_end + TAG_LEN],
        "tags"
    );
}

/// Alice → Bob, one round trip: Alice holds a sending chain, so her next
/// encrypt takes no randomness and a copy of her state encrypts at exactly
/// the same position.
fn session_pair(rng: &mut TestRng) -> (Session, Session) {
    let alice = device(rng, 1);
    let mut bob = device(rng, 1);
    let e = establish(rng, &alice.identity, &mut bob, true, b"hello");
    let (mut a, mut b) = (e.alice, e.bob);
    let r = b.encrypt(rng, b"reply").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(rng, b"again").unwrap();
    b.decrypt(&m).unwrap();
    (a, b)
}

#[test]
fn a_cloned_session_reveals_no_plaintext_xor() {
    let mut rng = TestRng::new(0x0b_0001);
    let (mut a, mut b) = session_pair(&mut rng);
    let backup = a.to_bytes();
    let mut restored = Session::from_bytes(&backup).unwrap();
    let p1 = [0x41u8; 64];
    let mut p2 = [0x41u8; 64];
    p2[0] = 0x42;
    p2[63] = 0x00;
    let m1 = a.encrypt(&mut rng, &p1).unwrap();
    let m2 = restored.encrypt(&mut rng, &p2).unwrap();
    assert_unrelated(&m1, &m2, &pad(&p1), &pad(&p2), TAG_LEN);

    // Equal plaintexts from two copies are equal messages: that equality is
    // all a rolled-back sender reveals.
    let mut again = Session::from_bytes(&backup).unwrap();
    assert_eq!(again.encrypt(&mut rng, &p1).unwrap(), m1);

    // The receiver takes the first message at a position and refuses the
    // second as a duplicate, changing nothing.
    assert_eq!(b.decrypt(&m1).unwrap(), p1);
    let before = b.to_bytes();
    assert_eq!(b.decrypt(&m2), Err(Error::Duplicate));
    assert_eq!(b.to_bytes(), before);
}

/// The same through a sealed blob, the form a store or backup holds.
#[test]
fn a_restored_sealed_session_reveals_no_plaintext_xor() {
    let mut rng = TestRng::new(0x0b_0002);
    let (mut a, _b) = session_pair(&mut rng);
    let key = [0x33u8; 32];
    let blob = a.seal(&key, &mut rng).unwrap();
    let p1 = b"meet at the north gate at nine";
    let p2 = b"meet at the south gate at ten!";
    let m1 = a.encrypt(&mut rng, p1).unwrap();
    let mut restored = Session::open(&key, &blob).unwrap();
    let m2 = restored.encrypt(&mut rng, p2).unwrap();
    assert_unrelated(&m1, &m2, &pad(p1), &pad(p2), TAG_LEN);
}

/// A rolled-back receiver still accepts, once more, a message it had
/// decrypted after the rollback point: nothing in its state remembers it.
/// Only a record of processed messages kept outside the state (the store's
/// digests per conversation) refuses it.
#[test]
fn a_rolled_back_receiver_decrypts_a_message_again() {
    let mut rng = TestRng::new(0x0b_0003);
    let (mut a, mut b) = session_pair(&mut rng);
    let backup = b.to_bytes();
    let m = a.encrypt(&mut rng, b"once").unwrap();
    assert_eq!(b.decrypt(&m).unwrap(), b"once");
    assert_eq!(b.decrypt(&m), Err(Error::Duplicate));
    let mut rolled_back = Session::from_bytes(&backup).unwrap();
    assert_eq!(rolled_back.decrypt(&m).unwrap(), b"once");
}

#[test]
fn a_cloned_group_reveals_no_plaintext_xor() {
    let mut rng = TestRng::new(0x0b_0004);
    let mut parties = group(&mut rng, 2);
    let backup = parties[0].group.to_bytes();
    let mut restored = Group::from_bytes(&backup).unwrap();
    let p1 = b"the group's first secret, 40 bytes long!";
    let p2 = b"THE GROUP'S FIRST SECRET, 40 BYTES LONG?";
    let m1 = parties[0].group.encrypt(p1).unwrap();
    let m2 = restored.encrypt(p2).unwrap();
    assert_unrelated(&m1, &m2, &pad(p1), &pad(p2), TAG_LEN + SIGNATURE_LEN);

    let mut again = Group::from_bytes(&backup).unwrap();
    assert_eq!(again.encrypt(p1).unwrap(), m1);

    let from = parties[0].identity;
    assert_eq!(parties[1].group.decrypt(&from, &m1).unwrap(), p1);
    assert_eq!(parties[1].group.decrypt(&from, &m2), Err(Error::Duplicate));
}

fn fix(seq: u32, latitude_e7: i32) -> Location {
    Location {
        latitude_e7,
        longitude_e7: -1_246_361,
        accuracy_cm: 450,
        altitude_cm: None,
        heading_centideg: None,
        speed_cm_s: None,
        timestamp_ms: NOW * 1000 + u64::from(seq) * 5000,
        sequence: seq,
        precision: Precision::Exact,
    }
}

#[test]
fn a_cloned_location_share_reveals_no_plaintext_xor() {
    let mut rng = TestRng::new(0x0b_0005);
    let alice_id = IdentityKeyPair::generate(&mut rng);
    let alice = *alice_id.public_key();
    let bob = *IdentityKeyPair::generate(&mut rng).public_key();
    let mut share = LocationShare::new(
        &mut rng,
        &alice_id,
        b"chat",
        &[bob],
        NOW + 3600,
        Precision::Exact,
    )
    .unwrap();
    let mut viewer = LocationViewer::new(b"chat", &alice, &share.distribution()).unwrap();
    let backup = share.to_bytes();
    let mut restored = LocationShare::from_bytes(&backup).unwrap();
    let (f1, f2) = (fix(1, 515_007_286), fix(1, 489_000_000));
    let (p1, p2) = (f1.encode().unwrap(), f2.encode().unwrap());
    let u1 = share.encrypt(&f1, NOW).unwrap();
    let u2 = restored.encrypt(&f2, NOW).unwrap();
    assert_unrelated(&u1, &u2, &p1, &p2, TAG_LEN + SIGNATURE_LEN);

    let mut again = LocationShare::from_bytes(&backup).unwrap();
    assert_eq!(again.encrypt(&f1, NOW).unwrap(), u1);

    assert_eq!(viewer.decrypt(&u1, NOW).unwrap(), f1);
    assert_eq!(viewer.decrypt(&u2, NOW), Err(Error::Stale));
}
