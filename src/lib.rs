//! # sotto
//!
//! End-to-end encryption for messengers: X3DH session setup, the Double
//! Ratchet with AES-256-GCM-SIV, Sender Keys for groups ([`Group`]), encrypted
//! location with the live-location ratchet ([`location`]), security codes
//! and identity trust.
//!
//! The crate is `#![no_std]` with `alloc`, contains no `unsafe` code, does no
//! I/O and reads no clock: randomness comes from an injected
//! [`rand_core::CryptoRng`] and time is passed in as seconds since the Unix
//! epoch. Every secret is wiped when dropped and never printed by `Debug`.
//!
//! ```
//! # fn rng() -> impl rand_core::CryptoRng { rand_core::UnwrapErr(getrandom::SysRng) }
//! use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};
//! let mut rng = rng();
//! let now = 1_700_000_000;
//!
//! // Bob publishes a bundle through the server.
//! let bob = IdentityKeyPair::generate(&mut rng);
//! let mut bob_store = PrekeyStore::new(&mut rng, &bob, now);
//! let opks = bob_store.generate_one_time_prekeys(&mut rng, 10)?;
//! let bundle = PrekeyBundle {
//!     identity: *bob.public_key(),
//!     signed_prekey: bob_store.signed_prekey(),
//!     one_time_prekey: opks.first().copied(),
//!     pq_prekey: bob_store.pq_prekey(), // PQXDH: ML-KEM-1024 as well as X25519
//! };
//!
//! // Alice starts a session and sends.
//! let alice = IdentityKeyPair::generate(&mut rng);
//! let mut to_bob = Session::initiate(&mut rng, &alice, &bundle)?;
//! let wire = to_bob.encrypt(&mut rng, b"hello Bob")?;
//!
//! // Bob accepts it, and replies.
//! let accepted = bob_store.accept(&bob, &wire, now)?;
//! assert_eq!(accepted.plaintext, b"hello Bob");
//! let mut to_alice = accepted.session;
//! let reply = to_alice.encrypt(&mut rng, b"hi Alice")?;
//! assert_eq!(to_bob.decrypt(&reply)?, b"hi Alice");
//! # Ok::<(), sotto::Error>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod attachment;
pub mod backup;
pub mod calls;
mod chain;
pub mod chunked;
mod codec;
pub mod crypto;
pub mod devices;
pub mod envelope;
mod error;
pub mod fingerprint;
mod group;
mod identity;
pub mod location;
pub mod padding;
mod prekeys;
mod sealed;
pub mod sealed_sender;
mod secret;
mod session;
#[cfg(test)]
mod test_rng;
mod trust;
mod wire;

pub use envelope::{Content, DisappearingTimer, Envelope};
pub use error::{Error, Result};
pub use fingerprint::{ScanResult, SecurityCode};
pub use group::{
    Group, GroupMessageInfo, LABEL_GROUP_DISTRIBUTION, LABEL_GROUP_MESSAGE_KEYS,
    LABEL_GROUP_SIGNATURE, MAX_GROUP_ID_LEN, MAX_GROUP_JUMP, MAX_GROUP_MEMBERS,
    MAX_GROUP_SKIPPED_KEYS, MAX_SENDER_KEY_STATES, inspect_group_message,
};
pub use identity::{IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair};
pub use location::{Location, LocationShare, LocationViewer, Precision};
pub use prekeys::{
    LABEL_PQ_PREKEY, LABEL_SIGNED_PREKEY, MAX_ACCEPTED_BASE_KEYS, MAX_BUNDLE_LEN,
    MAX_ONE_TIME_PREKEYS, MAX_PQ_ONE_TIME_PREKEYS, OneTimePrekeyPublic, PqPolicy, PqPrekeyKind,
    PqPrekeyPublic, PrekeyBundle, PrekeyStore, SIGNED_PREKEY_GRACE_SECS, SignedPrekeyPublic,
};
pub use sealed::{LABEL_STATE, STATE_VERSION};
pub use session::{
    Accepted, LABEL_MESSAGE_KEYS, LABEL_PQXDH, LABEL_PQXDH_SESSION_AD, LABEL_RATCHET,
    LABEL_SESSION_AD, LABEL_X3DH, MAX_ARCHIVED_SESSIONS, MAX_OLD_CHAINS, MAX_SKIP,
    MAX_SKIPPED_KEYS, MessageKind, PrekeyMessageInfo, Received, Session, SessionRecord,
    inspect_prekey_message, message_kind,
};
pub use trust::{
    IdentityStatus, MAX_CONTACT_ID_LEN, MAX_TRUST_RECORDS, PendingChange, TrustPolicy, TrustRecord,
    TrustStore,
};
pub use wire::{
    TYPE_DEVICE_LINK, TYPE_DEVICE_LINK_QR, TYPE_DEVICE_LIST, TYPE_DEVICE_RECORD, TYPE_ENVELOPE,
    TYPE_GROUP_MESSAGE, TYPE_LOCATION_DISTRIBUTION, TYPE_LOCATION_PAYLOAD, TYPE_LOCATION_UPDATE,
    TYPE_MESSAGE, TYPE_PREKEY_BUNDLE, TYPE_PREKEY_MESSAGE, TYPE_SEALED_SENDER,
    TYPE_SENDER_CERTIFICATE, TYPE_SENDER_KEY_DISTRIBUTION, TYPE_SERVER_CERTIFICATE, WIRE_VERSION,
};
pub use zeroize::Zeroizing;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
