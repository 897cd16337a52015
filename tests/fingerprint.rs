//! Security codes: Signal's published vector through our function, symmetry,
//! sensitivity to either identity, and the scannable payload.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::fingerprint::SCANNABLE_VERSION;
use sotto::{Error, IdentityKeyPair, ScanResult, SecurityCode};

#[test]
fn signal_published_vector() {
    // libsignal's fingerprint test: 33-byte DJB-encoded keys, E.164 ids, 5200 iterations.
    let a_key =
        hex::decode("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868").unwrap();
    let b_key =
        hex::decode("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b").unwrap();
    let code = *SecurityCode::from_encoded(&a_key, b"+14152222222", &b_key, b"+14153333333")
        .unwrap()
        .digits();
    assert_eq!(
        &code[..],
        b"300354477692869396892869876765458257569162576843440918079131"
    );
    // And from the other side.
    let code2 = *SecurityCode::from_encoded(&b_key, b"+14153333333", &a_key, b"+14152222222")
        .unwrap()
        .digits();
    assert_eq!(code, code2);
}

#[test]
fn codes_are_symmetric_and_change_with_either_identity() {
    let mut rng = TestRng::new(31);
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mallory = IdentityKeyPair::generate(&mut rng);
    let (a, b, m) = (alice.public_key(), bob.public_key(), mallory.public_key());
    let at_alice = SecurityCode::new(a, b"alice", b, b"bob").unwrap();
    let at_bob = SecurityCode::new(b, b"bob", a, b"alice").unwrap();
    assert_eq!(at_alice.digits(), at_bob.digits());
    assert!(at_alice.digits().iter().all(u8::is_ascii_digit));
    // A man in the middle gives each side a different code.
    let alice_sees = SecurityCode::new(a, b"alice", m, b"bob").unwrap();
    let bob_sees = SecurityCode::new(b, b"bob", m, b"alice").unwrap();
    assert_ne!(alice_sees.digits(), at_alice.digits());
    assert_ne!(bob_sees.digits(), at_bob.digits());
    assert_ne!(
        SecurityCode::new(a, b"alice", b, b"bobby")
            .unwrap()
            .digits(),
        at_alice.digits()
    );

    // Scanning.
    assert_eq!(
        at_alice.compare_scanned(&at_bob.scannable()).unwrap(),
        ScanResult::Match
    );
    assert_eq!(
        at_bob.compare_scanned(&at_alice.scannable()).unwrap(),
        ScanResult::Match
    );
    assert_eq!(
        at_alice.compare_scanned(&bob_sees.scannable()).unwrap(),
        ScanResult::Mismatch
    );
    // A device scanning its own code is not a match.
    assert_eq!(
        at_alice.compare_scanned(&at_alice.scannable()).unwrap(),
        ScanResult::Mismatch
    );
    let mut other_version = at_bob.scannable();
    other_version[0] = SCANNABLE_VERSION + 1;
    assert_eq!(
        at_alice.compare_scanned(&other_version).unwrap(),
        ScanResult::VersionMismatch
    );
    assert_eq!(
        at_alice.compare_scanned(&at_bob.scannable()[..65]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(at_alice.compare_scanned(&[]).err(), Some(Error::Malformed));
    let mut wrong_type = at_bob.scannable();
    wrong_type[1] = 0x05;
    assert_eq!(
        at_alice.compare_scanned(&wrong_type).err(),
        Some(Error::WrongType)
    );
}
