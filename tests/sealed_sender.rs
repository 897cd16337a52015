//! Sealed sender: the recipient learns and verifies the sender, the server
//! sees neither the sender's identity nor its user id, and every refusal:
//! a tampered envelope, another recipient, a forged, expired or
//! foreign-rooted certificate, and a certificate naming another identity
//! than the one that sealed (built by hand from `docs/PROTOCOL.md`, since
//! `seal` refuses to make it).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::TestRng;
use common::sealed::World;
use sotto::sealed_sender::{
    LABEL_SEALED_EPHEMERAL, LABEL_SEALED_STATIC, SenderCertificate, ServerCertificate, open, seal,
};
use sotto::{Error, IdentityKeyPair, crypto};

const NOW: u64 = 1_800_000_000_000;
const DAY: u64 = 86_400_000;

fn world(seed: u64) -> World {
    common::sealed::world(seed, b"+15550100", NOW + DAY)
}

#[test]
fn the_recipient_learns_the_sender_and_the_server_does_not() {
    let w = world(1);
    let mut rng = TestRng::new(2);
    let sealed = seal(
        &mut rng,
        &w.alice,
        &w.cert,
        w.bob.public_key(),
        b"a session message",
    )
    .unwrap();
    let got = open(&w.bob, w.root.public_key(), &sealed, NOW).unwrap();
    assert_eq!(got.identity, *w.alice.public_key());
    assert_eq!(got.certificate.sender, b"+15550100".to_vec());
    assert_eq!(got.certificate.device, 2);
    assert_eq!(&got.message[..], b"a session message");
    // What the server sees: neither Alice's identity nor her user id.
    let find = |needle: &[u8]| sealed.windows(needle.len()).any(|w| w == needle);
    assert!(!find(&w.alice.public_key().to_bytes()[..32]));
    assert!(!find(&w.alice.public_key().to_bytes()[32..]));
    assert!(!find(b"+15550100"));
    // Two seals of the same message look unrelated.
    let again = seal(
        &mut rng,
        &w.alice,
        &w.cert,
        w.bob.public_key(),
        b"a session message",
    )
    .unwrap();
    assert_ne!(sealed[2..34], again[2..34]);
    assert!(!format!("{got:?}").contains("a session"));
}

#[test]
fn every_tampered_byte_and_another_recipient_are_refused() {
    let w = world(3);
    let mut rng = TestRng::new(4);
    let sealed = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"hi").unwrap();
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 0x01;
        assert!(
            open(&w.bob, w.root.public_key(), &t, NOW).is_err(),
            "byte {i}"
        );
    }
    for cut in 0..sealed.len() {
        assert!(open(&w.bob, w.root.public_key(), &sealed[..cut], NOW).is_err());
    }
    let carol = IdentityKeyPair::generate(&mut rng);
    assert_eq!(
        open(&carol, w.root.public_key(), &sealed, NOW).unwrap_err(),
        Error::AuthenticationFailed
    );
}

#[test]
fn forged_expired_and_foreign_certificates_are_refused() {
    let w = world(5);
    let mut rng = TestRng::new(6);
    // Expired: valid until NOW + DAY.
    let sealed = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"hi").unwrap();
    assert_eq!(
        open(&w.bob, w.root.public_key(), &sealed, NOW + DAY).unwrap_err(),
        Error::Expired
    );
    // Another trust root.
    let other_root = IdentityKeyPair::generate(&mut rng);
    assert_eq!(
        open(&w.bob, other_root.public_key(), &sealed, NOW).unwrap_err(),
        Error::InvalidSignature
    );
    // A service key the root never signed.
    let rogue = IdentityKeyPair::generate(&mut rng);
    let rogue_server = ServerCertificate::issue(&rogue, 7, rogue.public_key());
    let forged = SenderCertificate::issue(
        &rogue,
        &rogue_server,
        b"+15550100",
        w.alice.public_key(),
        2,
        NOW + DAY,
    )
    .unwrap();
    let sealed = seal(&mut rng, &w.alice, &forged, w.bob.public_key(), b"hi").unwrap();
    assert_eq!(
        open(&w.bob, w.root.public_key(), &sealed, NOW).unwrap_err(),
        Error::InvalidSignature
    );
    // A certificate whose fields were changed after signing.
    let mut bytes = w.cert.to_bytes().unwrap();
    let at = 3; // the first byte of the user id
    bytes[at] ^= 1;
    let changed = SenderCertificate::from_bytes(&bytes).unwrap();
    let sealed = seal(&mut rng, &w.alice, &changed, w.bob.public_key(), b"hi").unwrap();
    assert_eq!(
        open(&w.bob, w.root.public_key(), &sealed, NOW).unwrap_err(),
        Error::InvalidSignature
    );
    // The service signing with a key its certificate does not name.
    assert_eq!(
        SenderCertificate::issue(&w.root, &w.server_cert, b"x", w.alice.public_key(), 1, NOW)
            .unwrap_err(),
        Error::WrongType
    );
    // Sealing with someone else's certificate.
    assert_eq!(
        seal(&mut rng, &w.bob, &w.cert, w.alice.public_key(), b"hi").unwrap_err(),
        Error::WrongType
    );
}

/// Mallory seals with her own identity but puts Alice's certificate
/// inside, building the envelope by hand from `docs/PROTOCOL.md` (the
/// library's `seal` refuses to).
#[test]
fn a_certificate_naming_another_identity_than_the_sealer_is_refused() {
    let w = world(7);
    let mut rng = TestRng::new(8);
    let mallory = IdentityKeyPair::generate(&mut rng);
    // Her X25519 private key: the last 32 bytes of her identity's state
    // (`docs/PROTOCOL.md` §7).
    let state = mallory.to_bytes();
    let m_secret: [u8; 32] = state[state.len() - 32..].try_into().unwrap();
    let hand_sealed = |cert: &SenderCertificate, message: &[u8]| -> Vec<u8> {
        let bob = w.bob.public_key();
        let mut e_secret = [0u8; 32];
        rand_core::Rng::fill_bytes(&mut TestRng::new(9), &mut e_secret);
        let e_pub = crypto::x25519_public(e_secret);
        let dh_e = crypto::x25519(e_secret, *bob.dh_key()).unwrap();
        let mut salt = e_pub.to_vec();
        salt.extend_from_slice(bob.dh_key());
        let mut okm = [0u8; 64];
        crypto::hkdf_sha256(&salt, &dh_e, LABEL_SEALED_EPHEMERAL, &mut okm).unwrap();
        let mut ad = e_pub.to_vec();
        ad.extend_from_slice(&bob.to_bytes());
        let static_ct = crypto::aes256gcmsiv_seal(
            okm[32..].try_into().unwrap(),
            &[0u8; 12],
            &ad,
            &mallory.public_key().to_bytes(),
        )
        .unwrap();
        let dh_s = crypto::x25519(m_secret, *bob.dh_key()).unwrap();
        let mut salt2 = okm[..32].to_vec();
        salt2.extend_from_slice(&static_ct);
        let mut k_s = [0u8; 32];
        crypto::hkdf_sha256(&salt2, &dh_s, LABEL_SEALED_STATIC, &mut k_s).unwrap();
        let cert = cert.to_bytes().unwrap();
        let mut inner = (cert.len() as u16).to_be_bytes().to_vec();
        inner.extend_from_slice(&cert);
        inner.extend_from_slice(message);
        let mut body_ad = e_pub.to_vec();
        body_ad.extend_from_slice(&static_ct);
        body_ad.extend_from_slice(&bob.to_bytes());
        let body = crypto::aes256gcmsiv_seal(&k_s, &[0u8; 12], &body_ad, &inner).unwrap();
        let mut sealed = vec![0x02, 0x10];
        sealed.extend_from_slice(&e_pub);
        sealed.extend_from_slice(&static_ct);
        sealed.extend_from_slice(&body);
        sealed
    };
    let forged = hand_sealed(&w.cert, b"I am Alice");
    assert_eq!(
        open(&w.bob, w.root.public_key(), &forged, NOW).unwrap_err(),
        Error::UntrustedIdentity
    );
    // The same construction with Mallory's own certificate opens: the
    // envelope is built right, so the refusal above is the identity check.
    let m_cert = SenderCertificate::issue(
        &w.server,
        &w.server_cert,
        b"mallory",
        mallory.public_key(),
        1,
        NOW + DAY,
    )
    .unwrap();
    let got = open(
        &w.bob,
        w.root.public_key(),
        &hand_sealed(&m_cert, b"hi"),
        NOW,
    )
    .unwrap();
    assert_eq!(got.identity, *mallory.public_key());
    assert_eq!(&got.message[..], b"hi");
}
