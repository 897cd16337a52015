//! Attacks on sealed sender by the server routing envelopes, a malicious
//! sender and a careless caller: envelopes built by hand (from
//! `docs/PROTOCOL.md` §20.2) with inner plaintexts `seal` would never make,
//! certificates changed after signing, spliced across service keys and
//! mutated byte by byte, low-order ephemeral keys, oversized messages, and
//! the bytes a server could use to link two envelopes of one sender.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;

use common::TestRng;
use common::sealed::World;
use sotto::sealed_sender::{
    LABEL_SEALED_EPHEMERAL, LABEL_SEALED_STATIC, MAX_SEALED_MESSAGE_LEN, SenderCertificate,
    ServerCertificate, open, seal,
};
use sotto::{Error, IdentityKeyPair, crypto};

const NOW: u64 = 1_800_000_000_000;
const DAY: u64 = 86_400_000;

fn world(seed: u64) -> World {
    common::sealed::world(seed, b"alice@example", NOW + DAY)
}

/// An envelope from `sender` to `w.bob` whose decrypted body is exactly
/// `inner` (certificate length, certificate and message as the sender
/// chooses), with ephemeral secret `e_secret`.
fn hand_sealed(w: &World, sender: &IdentityKeyPair, e_secret: [u8; 32], inner: &[u8]) -> Vec<u8> {
    let state = sender.to_bytes();
    let s_secret: [u8; 32] = state[state.len() - 32..].try_into().unwrap();
    let bob = w.bob.public_key();
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
        &sender.public_key().to_bytes(),
    )
    .unwrap();
    let dh_s = crypto::x25519(s_secret, *bob.dh_key()).unwrap();
    let mut salt2 = okm[..32].to_vec();
    salt2.extend_from_slice(&static_ct);
    let mut k_s = [0u8; 32];
    crypto::hkdf_sha256(&salt2, &dh_s, LABEL_SEALED_STATIC, &mut k_s).unwrap();
    let mut body_ad = e_pub.to_vec();
    body_ad.extend_from_slice(&static_ct);
    body_ad.extend_from_slice(&bob.to_bytes());
    let body = crypto::aes256gcmsiv_seal(&k_s, &[0u8; 12], &body_ad, inner).unwrap();
    let mut sealed = vec![0x02, 0x10];
    sealed.extend_from_slice(&e_pub);
    sealed.extend_from_slice(&static_ct);
    sealed.extend_from_slice(&body);
    sealed
}

fn inner_of(cert: &[u8], message: &[u8]) -> Vec<u8> {
    let mut inner = (cert.len() as u16).to_be_bytes().to_vec();
    inner.extend_from_slice(cert);
    inner.extend_from_slice(message);
    inner
}

/// The server sees two envelopes from Alice to Bob with equal-length
/// messages: apart from the two prefix bytes, no 8-byte run is shared, and
/// neither her identity (either half), her user id, her certificate's
/// signature nor the service key appear.
#[test]
fn two_envelopes_of_one_sender_share_no_bytes() {
    let w = world(11);
    let mut rng = TestRng::new(12);
    let a = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"same msg").unwrap();
    let b = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"same msg").unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(a[..2], b[..2]);
    for wa in a[2..].windows(8) {
        assert!(
            !b[2..].windows(8).any(|wb| wb == wa),
            "shared run {wa:02x?}"
        );
    }
    let cert = w.cert.to_bytes().unwrap();
    let id = w.alice.public_key().to_bytes();
    let needles: [&[u8]; 5] = [
        &id[..32],
        &id[32..],
        b"alice@example",
        &cert[cert.len() - 64..],
        &w.server.public_key().to_bytes()[..32],
    ];
    for env in [&a, &b] {
        for n in needles {
            assert!(!env.windows(n.len()).any(|x| x == n));
        }
    }
    // Both open, to Alice.
    for env in [&a, &b] {
        let got = open(&w.bob, w.root.public_key(), env, NOW).unwrap();
        assert_eq!(got.identity, *w.alice.public_key());
        assert_eq!(got.certificate.sender, b"alice@example");
        assert_eq!(&got.message[..], b"same msg");
    }
}

/// Every field of a signed certificate changed after signing, and a
/// certificate moved under another (root-signed) service key, fails
/// verification, through `verify` and through an envelope.
#[test]
fn certificates_changed_or_spliced_after_signing_are_refused() {
    let w = world(13);
    let mut rng = TestRng::new(14);
    let root = w.root.public_key();
    w.cert.verify(root, NOW).unwrap();
    let mallory = IdentityKeyPair::generate(&mut rng);
    let mut changes: Vec<SenderCertificate> = Vec::new();
    let mut c = w.cert.clone();
    c.sender = b"bob@example".to_vec();
    changes.push(c);
    let mut c = w.cert.clone();
    c.device += 1;
    changes.push(c);
    let mut c = w.cert.clone();
    c.expires_ms += DAY;
    changes.push(c);
    let mut c = w.cert.clone();
    c.identity = *mallory.public_key();
    changes.push(c);
    // Another service key, also signed by the root: its certificate spliced
    // into one the first key signed, and the other way round.
    let server2 = IdentityKeyPair::generate(&mut rng);
    let server2_cert = ServerCertificate::issue(&w.root, 8, server2.public_key());
    server2_cert.verify(root).unwrap();
    let mut c = w.cert.clone();
    c.server = server2_cert.clone();
    changes.push(c);
    let mut c = w.cert.clone();
    c.server.key_id = 8;
    changes.push(c);
    for (i, c) in changes.iter().enumerate() {
        assert_eq!(
            c.verify(root, NOW).unwrap_err(),
            Error::InvalidSignature,
            "{i}"
        );
        let again = SenderCertificate::from_bytes(&c.to_bytes().unwrap()).unwrap();
        assert_eq!(
            again.verify(root, NOW).unwrap_err(),
            Error::InvalidSignature
        );
    }
    // Through envelopes (the identity change needs Mallory to seal).
    for (i, c) in changes.iter().enumerate() {
        let sealer = if c.identity == *mallory.public_key() {
            &mallory
        } else {
            &w.alice
        };
        let env = seal(&mut rng, sealer, c, w.bob.public_key(), b"x").unwrap();
        assert_eq!(
            open(&w.bob, root, &env, NOW).unwrap_err(),
            Error::InvalidSignature,
            "{i}"
        );
    }
    // The expiry bound: valid one ms before, expired at it.
    let env = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"x").unwrap();
    assert!(open(&w.bob, root, &env, NOW + DAY - 1).is_ok());
    assert_eq!(
        open(&w.bob, root, &env, NOW + DAY).unwrap_err(),
        Error::Expired
    );
    assert_eq!(
        open(&w.bob, root, &env, u64::MAX).unwrap_err(),
        Error::Expired
    );
    // The service key used as root, and the sender's own identity as root.
    assert_eq!(
        open(&w.bob, w.server.public_key(), &env, NOW).unwrap_err(),
        Error::InvalidSignature
    );
    assert_eq!(
        open(&w.bob, w.alice.public_key(), &env, NOW).unwrap_err(),
        Error::InvalidSignature
    );
}

/// Decoding is strict: any single-byte change, truncation or extension of
/// a sender or server certificate either fails or re-encodes to exactly
/// the changed bytes.
#[test]
fn certificate_decoding_is_strict() {
    let w = world(15);
    let check = |bytes: &[u8], decode: &dyn Fn(&[u8]) -> Option<Vec<u8>>| {
        assert_eq!(decode(bytes).as_deref(), Some(bytes));
        for i in 0..bytes.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut m = bytes.to_vec();
                m[i] ^= x;
                if let Some(again) = decode(&m) {
                    assert_eq!(again, m, "byte {i} ^ {x:#x} re-encodes differently");
                }
            }
        }
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut {cut}");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(decode(&longer).is_none());
    };
    check(&w.cert.to_bytes().unwrap(), &|b| {
        SenderCertificate::from_bytes(b)
            .ok()
            .map(|c| c.to_bytes().unwrap())
    });
    check(&w.server_cert.to_bytes(), &|b| {
        ServerCertificate::from_bytes(b).ok().map(|c| c.to_bytes())
    });
    // A zero-length user id, and one whose length runs past the end.
    let mut zero = w.cert.to_bytes().unwrap();
    zero[2] = 0;
    assert!(SenderCertificate::from_bytes(&zero).is_err());
    let mut long = w.cert.to_bytes().unwrap();
    long[2] = 255;
    assert!(SenderCertificate::from_bytes(&long).is_err());
    // Issuing refuses ids of 0 or more than 255 bytes.
    let key = w.alice.public_key();
    assert!(SenderCertificate::issue(&w.server, &w.server_cert, b"", key, 0, NOW).is_err());
    assert!(
        SenderCertificate::issue(&w.server, &w.server_cert, &[b'a'; 256], key, 0, NOW).is_err()
    );
    let max =
        SenderCertificate::issue(&w.server, &w.server_cert, &[b'a'; 255], key, 0, NOW + 1).unwrap();
    let bytes = max.to_bytes().unwrap();
    assert_eq!(SenderCertificate::from_bytes(&bytes).unwrap(), max);
}

/// A malicious sender controls the whole inner plaintext: lengths that
/// run past the end, a zero or garbage certificate, trailing bytes in the
/// certificate. Each is refused without a panic, and the construction
/// itself is right (the genuine inner opens).
#[test]
fn hand_built_inner_plaintexts_are_refused_without_panic() {
    let w = world(17);
    let cert = w.cert.to_bytes().unwrap();
    let mut cases: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0, 0],
        vec![0xff, 0xff],
        inner_of(&[], b"msg"),
        inner_of(&cert[..cert.len() - 1], b""),
    ];
    let mut past = inner_of(&cert, b"");
    past[1] = past[1].wrapping_add(1);
    cases.push(past);
    let mut trailing = cert.clone();
    trailing.push(0);
    cases.push(inner_of(&trailing, b"m"));
    for (i, inner) in cases.iter().enumerate() {
        let env = hand_sealed(&w, &w.alice, [i as u8 + 1; 32], inner);
        assert!(open(&w.bob, w.root.public_key(), &env, NOW).is_err(), "{i}");
    }
    let env = hand_sealed(&w, &w.alice, [99; 32], &inner_of(&cert, b"ok"));
    let got = open(&w.bob, w.root.public_key(), &env, NOW).unwrap();
    assert_eq!(&got.message[..], b"ok");
}

/// The server substitutes low-order or all-zero ephemeral keys (and
/// arbitrary short envelopes): refused, no panic.
#[test]
fn low_order_ephemeral_keys_and_junk_are_refused() {
    let w = world(19);
    let mut rng = TestRng::new(20);
    let env = seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), b"x").unwrap();
    let low_order: [[u8; 32]; 3] = [
        [0; 32],
        {
            let mut p = [0u8; 32];
            p[0] = 1;
            p
        },
        [0xff; 32],
    ];
    for p in low_order {
        let mut t = env.clone();
        t[2..34].copy_from_slice(&p);
        assert!(open(&w.bob, w.root.public_key(), &t, NOW).is_err());
    }
    for n in 0..200usize {
        let mut junk = vec![0x02, 0x10];
        junk.extend((0..n).map(|i| (i * 7 + n) as u8));
        assert!(open(&w.bob, w.root.public_key(), &junk, NOW).is_err());
    }
}

/// `docs/PROTOCOL.md` bounds sealed messages by `MAX_SEALED_MESSAGE_LEN`:
/// `seal` refuses one byte more, and so must `open` for an envelope a
/// malicious sender built by hand around a longer message.
#[test]
fn open_refuses_messages_longer_than_the_bound() {
    let w = world(21);
    let mut rng = TestRng::new(22);
    let big = vec![0x5a; MAX_SEALED_MESSAGE_LEN + 1];
    assert_eq!(
        seal(&mut rng, &w.alice, &w.cert, w.bob.public_key(), &big).unwrap_err(),
        Error::LimitExceeded
    );
    let at_max = seal(
        &mut rng,
        &w.alice,
        &w.cert,
        w.bob.public_key(),
        &big[..MAX_SEALED_MESSAGE_LEN],
    )
    .unwrap();
    assert_eq!(
        open(&w.bob, w.root.public_key(), &at_max, NOW)
            .unwrap()
            .message
            .len(),
        MAX_SEALED_MESSAGE_LEN
    );
    let cert = w.cert.to_bytes().unwrap();
    let env = hand_sealed(&w, &w.alice, [7; 32], &inner_of(&cert, &big));
    assert_eq!(
        open(&w.bob, w.root.public_key(), &env, NOW).unwrap_err(),
        Error::LimitExceeded
    );
    // A huge envelope is refused before any work.
    let huge = vec![0u8; 64 * 1024 * 1024];
    assert_eq!(
        open(&w.bob, w.root.public_key(), &huge, NOW).unwrap_err(),
        Error::LimitExceeded
    );
}
