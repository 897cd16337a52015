//! Post-quantum prekeys: ML-KEM-1024 keys signed by the identity, for PQXDH.
//!
//! ```text
//! sig = Ed25519(IK_sig, "sotto v1 pq prekey" ‖ IK_dh ‖ kind u8 ‖ id u32 BE ‖ created_at u64 BE
//!                       ‖ EncodeKEM(PQPK))
//! EncodeKEM(PQPK) = 0x08 ‖ encapsulation key (1568)
//! kind = 1 last resort (reused until rotated, with the signed prekey) | 2 one-time
//! ```
//!
//! The label and the type byte keep these signatures apart from every other
//! one the identity makes (the formal analysis of PQXDH asks for disjoint EC
//! and KEM encodings), and the kind is signed, so a server cannot present a
//! one-time key as a last-resort one. The private half is kept as its
//! 64-byte FIPS 203 seed and expanded when needed.

use alloc::boxed::Box;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, KEM_KEY_TYPE, KEM_PUBLIC_LEN, KEM_SEED_LEN, KemKeyPair};
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};

/// Signature label of a post-quantum prekey.
pub const LABEL_PQ_PREKEY: &[u8] = b"sotto v1 pq prekey";

/// Which of the two kinds of post-quantum prekey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PqPrekeyKind {
    /// The last-resort key, rotated with the signed prekey (and sharing its
    /// id): used when the server has no one-time key left.
    LastResort,
    /// A one-time key, deleted once a session used it.
    OneTime,
}

impl PqPrekeyKind {
    /// The wire byte.
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            PqPrekeyKind::LastResort => 1,
            PqPrekeyKind::OneTime => 2,
        }
    }

    /// The kind of a wire byte ([`Error::Malformed`] for another).
    pub(crate) fn from_byte(b: u8) -> Result<Self> {
        match b {
            1 => Ok(PqPrekeyKind::LastResort),
            2 => Ok(PqPrekeyKind::OneTime),
            _ => Err(Error::Malformed),
        }
    }
}

/// The public half of a post-quantum prekey, as a bundle carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PqPrekeyPublic {
    /// Last resort or one-time.
    pub kind: PqPrekeyKind,
    /// Identifier chosen by the owner's prekey store (a last-resort key's is
    /// its signed prekey's).
    pub id: u32,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
    /// The ML-KEM-1024 encapsulation key.
    pub public: [u8; KEM_PUBLIC_LEN],
    /// Ed25519 signature by the owner's identity (see the module docs).
    pub signature: [u8; 64],
}

fn header(identity_dh: &[u8; 32], kind: PqPrekeyKind, id: u32, created_at: u64) -> [u8; 46] {
    let mut m = [0u8; 46];
    let (a, rest) = m.split_at_mut(32);
    a.copy_from_slice(identity_dh);
    let (b, rest) = rest.split_at_mut(1);
    b.copy_from_slice(&[kind.to_byte()]);
    let (c, rest) = rest.split_at_mut(4);
    c.copy_from_slice(&id.to_be_bytes());
    let (d, e) = rest.split_at_mut(8);
    d.copy_from_slice(&created_at.to_be_bytes());
    e.copy_from_slice(&[KEM_KEY_TYPE]);
    m
}

impl PqPrekeyPublic {
    /// Verifies the signature under `identity` with strict Ed25519 rules.
    pub fn verify(&self, identity: &IdentityKey) -> Result<()> {
        let key = crypto::ed25519_public(identity.signing_key())?;
        let h = header(identity.dh_key(), self.kind, self.id, self.created_at);
        crypto::verify_parts(&key, &[LABEL_PQ_PREKEY, &h, &self.public], &self.signature)
    }
}

/// A post-quantum prekey with its private seed (boxed, wiped on drop).
pub(crate) struct PqPrekey {
    pub(crate) kind: PqPrekeyKind,
    pub(crate) id: u32,
    pub(crate) created_at: u64,
    pub(crate) seed: Box<Zeroizing<[u8; KEM_SEED_LEN]>>,
    pub(crate) signature: [u8; 64],
}

impl PqPrekey {
    /// A fresh key signed by `identity`.
    pub(crate) fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        kind: PqPrekeyKind,
        id: u32,
        created_at: u64,
    ) -> Self {
        let mut seed = Box::new(Zeroizing::new([0u8; KEM_SEED_LEN]));
        rng.fill_bytes(seed.as_mut_slice());
        let public = KemKeyPair::from_seed(&seed).public();
        let h = header(identity.public_key().dh_key(), kind, id, created_at);
        let signature = crypto::sign_parts(identity.signing(), &[LABEL_PQ_PREKEY, &h, &public]);
        PqPrekey {
            kind,
            id,
            created_at,
            seed,
            signature,
        }
    }

    /// The key pair (an ML-KEM key generation from the seed).
    pub(crate) fn key_pair(&self) -> KemKeyPair {
        KemKeyPair::from_seed(&self.seed)
    }

    /// The public half (expands the seed).
    pub(crate) fn public(&self) -> PqPrekeyPublic {
        PqPrekeyPublic {
            kind: self.kind,
            id: self.id,
            created_at: self.created_at,
            public: self.key_pair().public(),
            signature: self.signature,
        }
    }
}
