//! Fuzz target over sealed sender (`sotto::sealed_sender`). Every input is
//! read three ways, and the promises checked on each:
//!
//! - as a server certificate and as a sender certificate: decoding never
//!   panics, and whatever decodes re-encodes to exactly the input (strict
//!   codec: one encoding per certificate); a sender certificate that
//!   verifies under the fixed trust root names the fixed service key;
//! - as a sealed envelope opened by a fixed recipient with the fixed trust
//!   root at a fixed time: opening never panics, and accepts only genuine
//!   envelopes. The fuzzer holds no private key, so the only envelopes it
//!   can offer that open are the genuine ones among the seeds (kept in the
//!   corpus for that reason) and their mutations: anything accepted must
//!   name the fixed sender's identity, both as the sealed identity and in
//!   its certificate, and that certificate must verify under the root.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use std::sync::OnceLock;

use sotto::sealed_sender::{SenderCertificate, ServerCertificate, open, seal};
use sotto::{Error, IdentityKeyPair};

use crate::targets::FixedRng;

/// The recipient's clock, ms since the epoch.
pub const NOW_MS: u64 = 1_800_000_000_000;
/// When the genuine sender certificate expires.
pub const EXPIRES_MS: u64 = NOW_MS + 86_400_000;
/// The genuine sender's user id and device.
pub const SENDER_ID: &[u8] = b"alice";
/// The genuine sender's device.
pub const SENDER_DEVICE: u32 = 2;

/// The fixed parties, generated once from a fixed seed.
pub struct Parties {
    /// The trust root the recipient pins.
    pub root: IdentityKeyPair,
    /// Another root, for a certificate chain the recipient does not trust.
    pub other_root: IdentityKeyPair,
    /// The service key the root signed.
    pub server: IdentityKeyPair,
    /// The genuine sender.
    pub alice: IdentityKeyPair,
    /// The fixed recipient.
    pub bob: IdentityKeyPair,
    /// Someone else, whom envelopes can be addressed to.
    pub carol: IdentityKeyPair,
}

/// The fixed parties.
pub fn parties() -> &'static Parties {
    static P: OnceLock<Parties> = OnceLock::new();
    P.get_or_init(|| {
        let mut rng = FixedRng::new(0x5ea1);
        Parties {
            root: IdentityKeyPair::generate(&mut rng),
            other_root: IdentityKeyPair::generate(&mut rng),
            server: IdentityKeyPair::generate(&mut rng),
            alice: IdentityKeyPair::generate(&mut rng),
            bob: IdentityKeyPair::generate(&mut rng),
            carol: IdentityKeyPair::generate(&mut rng),
        }
    })
}

/// The `sealed_sender` target.
pub fn sealed_sender(data: &[u8]) {
    let p = parties();
    let root = p.root.public_key();

    if let Ok(c) = ServerCertificate::from_bytes(data) {
        assert_eq!(c.to_bytes(), data, "a server certificate has one encoding");
        let _ = c.verify(root);
    }

    if let Ok(c) = SenderCertificate::from_bytes(data) {
        assert_eq!(
            c.to_bytes().unwrap(),
            data,
            "a sender certificate has one encoding"
        );
        assert_eq!(
            ServerCertificate::from_bytes(&c.server.to_bytes()).unwrap(),
            c.server
        );
        if c.verify(root, NOW_MS).is_ok() {
            assert_eq!(
                c.server.key,
                *p.server.public_key(),
                "verified under the root"
            );
        }
    }

    match open(&p.bob, root, data, NOW_MS) {
        Ok(got) => {
            let alice = p.alice.public_key();
            assert_eq!(got.identity, *alice, "accepted from another identity");
            assert_eq!(got.certificate.identity, *alice);
            assert_eq!(got.certificate.sender, SENDER_ID);
            assert_eq!(got.certificate.device, SENDER_DEVICE);
            got.certificate.verify(root, NOW_MS).unwrap();
            // Opening is a pure function of the envelope.
            let again = open(&p.bob, root, data, NOW_MS).unwrap();
            assert_eq!(*again.message, *got.message);
        }
        Err(
            Error::Malformed
            | Error::UnsupportedVersion
            | Error::WrongType
            | Error::LimitExceeded
            | Error::InvalidKey
            | Error::NonContributory
            | Error::AuthenticationFailed
            | Error::InvalidSignature
            | Error::Expired
            | Error::UntrustedIdentity,
        ) => {}
        Err(e) => panic!("unexpected error opening an envelope: {e:?}"),
    }
}

/// The seeds: `(name, bytes)`. Those named `seed-envelope-genuine-*` open;
/// the other envelopes are refused for the reason their names give.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let p = parties();
    let mut rng = FixedRng::new(0x5ea2);
    let server = ServerCertificate::issue(&p.root, 1, p.server.public_key());
    let cert = SenderCertificate::issue(
        &p.server,
        &server,
        SENDER_ID,
        p.alice.public_key(),
        SENDER_DEVICE,
        EXPIRES_MS,
    )
    .unwrap();
    let expired = SenderCertificate::issue(
        &p.server,
        &server,
        SENDER_ID,
        p.alice.public_key(),
        SENDER_DEVICE,
        NOW_MS,
    )
    .unwrap();
    let foreign_server = ServerCertificate::issue(&p.other_root, 1, p.server.public_key());
    let foreign = SenderCertificate::issue(
        &p.server,
        &foreign_server,
        SENDER_ID,
        p.alice.public_key(),
        SENDER_DEVICE,
        EXPIRES_MS,
    )
    .unwrap();
    let long_id = SenderCertificate::issue(
        &p.server,
        &server,
        &[b'x'; 255],
        p.carol.public_key(),
        u32::MAX,
        u64::MAX,
    )
    .unwrap();

    let mut out = vec![
        ("seed-server-certificate".to_string(), server.to_bytes()),
        (
            "seed-sender-certificate".to_string(),
            cert.to_bytes().unwrap(),
        ),
        (
            "seed-sender-certificate-long-id".to_string(),
            long_id.to_bytes().unwrap(),
        ),
    ];
    let bob = p.bob.public_key();
    for (name, message) in [
        ("empty", Vec::new()),
        ("short", b"a session message".to_vec()),
        ("1k", (0..1024).map(|i| i as u8).collect()),
    ] {
        let sealed = seal(&mut rng, &p.alice, &cert, bob, &message).unwrap();
        out.push((format!("seed-envelope-genuine-{name}"), sealed));
    }
    for (name, c, to) in [
        ("expired", &expired, bob),
        ("other-root", &foreign, bob),
        ("to-carol", &cert, p.carol.public_key()),
    ] {
        let sealed = seal(&mut rng, &p.alice, c, to, b"refused").unwrap();
        out.push((format!("seed-envelope-{name}"), sealed));
    }
    out
}
