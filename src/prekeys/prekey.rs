//! Signed prekeys and one-time prekeys.
//!
//! A signed prekey is an X25519 key signed by the identity's Ed25519 key:
//!
//! ```text
//! sig = Ed25519(IK_sig, "sotto v1 signed prekey" ‖ IK_dh ‖ id (u32 BE) ‖ created_at (u64 BE) ‖ SPK)
//! ```
//!
//! The identity's X25519 key is inside the signed bytes, which binds the two
//! halves of the identity together. One-time prekeys are unsigned X25519 keys
//! identified by a `u32` id; each is used by at most one session.

use rand_core::CryptoRng;

use crate::crypto::{self, DhKeyPair};
use crate::error::Result;
use crate::identity::{IdentityKey, IdentityKeyPair};

use super::pq_prekey::{PqPrekey, PqPrekeyKind};

/// Signature label of a signed prekey.
pub const LABEL_SIGNED_PREKEY: &[u8] = b"sotto v1 signed prekey";

/// The public half of a signed prekey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedPrekeyPublic {
    /// Identifier chosen by the owner's prekey store.
    pub id: u32,
    /// The X25519 public key.
    pub public: [u8; 32],
    /// Creation time, seconds since the Unix epoch (as the host supplied it).
    pub created_at: u64,
    /// Ed25519 signature by the owner's identity (see the module docs).
    pub signature: [u8; 64],
}

fn signed_bytes(identity_dh: &[u8; 32], id: u32, created_at: u64, public: &[u8; 32]) -> [u8; 76] {
    let mut m = [0u8; 76];
    let (a, rest) = m.split_at_mut(32);
    a.copy_from_slice(identity_dh);
    let (b, rest) = rest.split_at_mut(4);
    b.copy_from_slice(&id.to_be_bytes());
    let (c, d) = rest.split_at_mut(8);
    c.copy_from_slice(&created_at.to_be_bytes());
    d.copy_from_slice(public);
    m
}

impl SignedPrekeyPublic {
    /// Verifies the signature under `identity` with strict Ed25519 rules.
    pub fn verify(&self, identity: &IdentityKey) -> Result<()> {
        let m = signed_bytes(identity.dh_key(), self.id, self.created_at, &self.public);
        crypto::verify(
            identity.signing_key(),
            LABEL_SIGNED_PREKEY,
            &m,
            &self.signature,
        )
    }
}

/// A signed prekey with its private key, and the last-resort post-quantum
/// prekey made with it (same id and time; none in a store written before
/// post-quantum prekeys, until its next rotation).
pub(super) struct SignedPrekey {
    pub(super) id: u32,
    pub(super) pair: DhKeyPair,
    pub(super) created_at: u64,
    pub(super) signature: [u8; 64],
    pub(super) pq: Option<PqPrekey>,
}

impl SignedPrekey {
    pub(super) fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: u32,
        created_at: u64,
    ) -> Self {
        let pair = DhKeyPair::generate(rng);
        let m = signed_bytes(
            identity.public_key().dh_key(),
            id,
            created_at,
            pair.public(),
        );
        let signature = crypto::sign(identity.signing(), LABEL_SIGNED_PREKEY, &m);
        let pq = PqPrekey::generate(rng, identity, PqPrekeyKind::LastResort, id, created_at);
        SignedPrekey {
            id,
            pair,
            created_at,
            signature,
            pq: Some(pq),
        }
    }

    pub(super) fn public(&self) -> SignedPrekeyPublic {
        SignedPrekeyPublic {
            id: self.id,
            public: *self.pair.public(),
            created_at: self.created_at,
            signature: self.signature,
        }
    }
}

/// The public half of a one-time prekey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OneTimePrekeyPublic {
    /// Identifier chosen by the owner's prekey store.
    pub id: u32,
    /// The X25519 public key.
    pub public: [u8; 32],
}

/// A one-time prekey with its private key.
pub(super) struct OneTimePrekey {
    pub(super) id: u32,
    /// Its private key is boxed (see `DhKeyPair`): the store's vector moves
    /// its elements as it grows and shrinks.
    pub(super) pair: DhKeyPair,
}

impl OneTimePrekey {
    pub(super) fn public(&self) -> OneTimePrekeyPublic {
        OneTimePrekeyPublic {
            id: self.id,
            public: *self.pair.public(),
        }
    }
}
