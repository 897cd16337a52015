//! Fuzz target over the PQXDH prekey message (`sotto::PrekeyStore::accept`
//! with post-quantum prekeys). Every input is tried two ways against a
//! fixed responder whose store holds a last-resort and a one-time ML-KEM
//! prekey:
//!
//! - as a whole message: inspecting and accepting it never panic, and a
//!   refused message leaves the store byte-identical;
//! - as a patch over a genuine PQXDH prekey message (the first byte picks
//!   the message, the next two the offset, the rest is written there), so
//!   that mutations reach the flags, the post-quantum prekey id and kind,
//!   the KEM ciphertext and the ratchet header of an otherwise valid
//!   message. Every byte of a prekey message is authenticated, so a patched
//!   message is accepted only if it equals the genuine one.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic
)]

use std::sync::OnceLock;

use sotto::{Error, IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};

use crate::targets::FixedRng;

/// The responder's clock, seconds since the epoch.
pub const NOW: u64 = 1_800_000_000;

/// The fixed responder and two genuine first messages to it.
pub struct Fixture {
    /// The responder's identity, encoded.
    pub bob_identity: Vec<u8>,
    /// The responder's prekey store, encoded.
    pub bob_store: Vec<u8>,
    /// Genuine PQXDH prekey messages: over the one-time post-quantum
    /// prekey (with a one-time prekey), and over the last-resort one.
    pub messages: [Vec<u8>; 2],
}

/// The fixture, generated once from a fixed seed.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = FixedRng::new(0x9071);
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let mut store = PrekeyStore::new(&mut rng, &bob, NOW);
        let opk = store.generate_one_time_prekeys(&mut rng, 1).unwrap()[0];
        let pq = store
            .generate_pq_one_time_prekeys(&mut rng, &bob, 1, NOW)
            .unwrap()[0];
        let last_resort = PrekeyBundle {
            identity: *bob.public_key(),
            signed_prekey: store.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: store.pq_prekey(),
        };
        let one_time = PrekeyBundle {
            one_time_prekey: Some(opk),
            pq_prekey: Some(pq),
            ..last_resort
        };
        let messages = [one_time, last_resort].map(|b| {
            let mut s = Session::initiate(&mut rng, &alice, &b).unwrap();
            s.encrypt(&mut rng, b"a first message").unwrap()
        });
        Fixture {
            bob_identity: bob.to_bytes().to_vec(),
            bob_store: store.to_bytes().to_vec(),
            messages,
        }
    })
}

/// Accepts `message` on a fresh copy of the fixed store: true if it was
/// accepted; a refusal must change nothing and be one of the documented
/// errors.
fn accept(message: &[u8]) -> bool {
    let f = fixture();
    let bob = IdentityKeyPair::from_bytes(&f.bob_identity).unwrap();
    let mut store = PrekeyStore::from_bytes(&f.bob_store).unwrap();
    match store.accept(&bob, message, NOW) {
        Ok(accepted) => {
            let flags = message.get(FLAGS_AT).copied().unwrap_or(0);
            assert_eq!(accepted.session.is_post_quantum(), flags & 2 != 0);
            true
        }
        Err(
            Error::Malformed
            | Error::UnsupportedVersion
            | Error::WrongType
            | Error::InvalidKey
            | Error::NonContributory
            | Error::AuthenticationFailed
            | Error::UnknownSignedPrekey
            | Error::UnknownOneTimePrekey
            | Error::TooFarAhead,
        ) => {
            assert_eq!(store.to_bytes().as_slice(), f.bob_store.as_slice());
            false
        }
        Err(e) => panic!("unexpected error accepting a prekey message: {e:?}"),
    }
}

/// Where a prekey message's flags byte is.
const FLAGS_AT: usize = 2 + 64 + 32 + 4;

/// The `pqxdh` target.
pub fn pqxdh(data: &[u8]) {
    let _ = sotto::inspect_prekey_message(data);
    let _ = sotto::message_kind(data);
    accept(data);
    if let Some((head, patch)) = data.split_first_chunk::<3>() {
        let f = fixture();
        let genuine = &f.messages[usize::from(head[0] & 1)];
        let at = usize::from(u16::from_be_bytes([head[1], head[2]])) % genuine.len();
        let mut m = genuine.clone();
        let end = (at + patch.len()).min(m.len());
        m[at..end].copy_from_slice(&patch[..end - at]);
        if accept(&m) {
            assert_eq!(&m, genuine, "a changed prekey message was accepted");
        }
    }
}

/// The seeds: `(name, bytes)`: the two genuine messages whole, and as
/// empty patches over each (which must be accepted).
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let f = fixture();
    vec![
        ("seed-one-time".to_string(), f.messages[0].clone()),
        ("seed-last-resort".to_string(), f.messages[1].clone()),
        ("seed-patch-one-time".to_string(), vec![0, 0, 0]),
        ("seed-patch-last-resort".to_string(), vec![1, 0, 0]),
        (
            "seed-patch-pq-kind".to_string(),
            [&[0u8, 0, FLAGS_AT as u8 + 1][..], &[1]].concat(),
        ),
    ]
}
