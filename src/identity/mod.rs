//! Identity keys.
//!
//! An identity is **one** Ed25519 key used both to sign (prekeys; group and
//! location distributions name it as their owner) and, in its X25519 form,
//! for X3DH, as XEdDSA and libsodium do:
//!
//! ```text
//! seed                 32 random bytes (the Ed25519 private key)
//! ed25519_public     = [s]B, s = clamp(SHA-512(seed)[0..32])          (RFC 8032)
//! x25519_private     = clamp(SHA-512(seed)[0..32])                    (crypto_sign_ed25519_sk_to_curve25519)
//! x25519_public      = u = (1 + y) / (1 − y) of ed25519_public        (crypto_sign_ed25519_pk_to_curve25519)
//! Encode(IK)         = ed25519_public (32) ‖ x25519_public (32)       64 bytes
//! ```
//!
//! Both halves are the same point, so they cannot be paired with another
//! identity's: [`IdentityKey::from_bytes`], which every decoder of an
//! identity uses (prekey messages, bundles, every stored object), refuses an
//! encoding whose X25519 half is not the Montgomery form of its Ed25519 half,
//! or whose Ed25519 half is not a point or is of small order. The X25519 half
//! is kept in the encoding, although it follows from the Ed25519 half, so
//! that the 64-byte identity and every format that carries it stay as they
//! were.
//!
//! Why one key rather than two generated side by side: two independent keys
//! left the X25519 half unbound wherever no signature covered it (a prekey
//! message could claim anyone's signing key with the sender's own X25519
//! key), and deriving one half from the other binds them everywhere at no
//! cost in size. The price is key reuse: the Ed25519 signing scalar is also
//! the X25519 private key. That is the reuse libsodium's conversion offers
//! and XEdDSA makes in the other direction (Signal signs with X25519 keys),
//! and the joint security of Ed25519 and an X25519-based KEM under one key
//! pair has been analysed (Thormarker, "On using the same key pair for
//! Ed25519 and an X25519 based KEM", 2021). Each half still goes
//! through one audited implementation with strict checks (`ed25519-dalek`'s
//! `verify_strict`, `x25519-dalek` with the contributory check).

mod state;

use alloc::boxed::Box;

use core::fmt;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;

use crate::crypto::{self, DhKeyPair};
use crate::error::{Error, Result};

/// Length of an encoded public identity.
pub const IDENTITY_KEY_LEN: usize = 64;

/// The public half of an identity, as peers and the server see it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityKey {
    signing: [u8; 32],
    dh: [u8; 32],
}

impl IdentityKey {
    /// `ed25519_public ‖ x25519_public`.
    pub fn to_bytes(&self) -> [u8; IDENTITY_KEY_LEN] {
        let mut out = [0u8; IDENTITY_KEY_LEN];
        let (a, b) = out.split_at_mut(32);
        a.copy_from_slice(&self.signing);
        b.copy_from_slice(&self.dh);
        out
    }

    /// Decodes and validates an identity: the Ed25519 half must be a point
    /// not of small order, and the X25519 half its Montgomery form (the two
    /// halves of one key); otherwise [`Error::InvalidKey`]. A wrong length is
    /// [`Error::Malformed`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; IDENTITY_KEY_LEN] = bytes.try_into().map_err(|_| Error::Malformed)?;
        let (a, b) = bytes.split_at(32);
        let mut signing = [0u8; 32];
        let mut dh = [0u8; 32];
        signing.copy_from_slice(a);
        dh.copy_from_slice(b);
        crypto::check_x25519_of_ed25519(&signing, &dh)?;
        Ok(IdentityKey { signing, dh })
    }

    /// [`Self::from_bytes`], with the decoded Ed25519 key for verifying
    /// signatures (decoded once, not again per signature).
    pub(crate) fn from_bytes_keyed(bytes: &[u8]) -> Result<(Self, crypto::Ed25519Public)> {
        let bytes: &[u8; IDENTITY_KEY_LEN] = bytes.try_into().map_err(|_| Error::Malformed)?;
        let (a, b) = bytes.split_at(32);
        let mut signing = [0u8; 32];
        let mut dh = [0u8; 32];
        signing.copy_from_slice(a);
        dh.copy_from_slice(b);
        let key = crypto::check_x25519_of_ed25519_keyed(&signing, &dh)?;
        Ok((IdentityKey { signing, dh }, key))
    }

    /// The Ed25519 verification key.
    pub fn signing_key(&self) -> &[u8; 32] {
        &self.signing
    }

    /// The X25519 key used in session setup (the Montgomery form of the
    /// Ed25519 key).
    pub fn dh_key(&self) -> &[u8; 32] {
        &self.dh
    }
}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityKey(")?;
        for b in self.signing.iter().take(8) {
            write!(f, "{b:02x}")?;
        }
        f.write_str("…)")
    }
}

/// A device's long-term identity: the Ed25519 private key and the X25519
/// key pair derived from it. Zeroized on drop; its `Debug` shows only the
/// public half.
pub struct IdentityKeyPair {
    /// Boxed, like every long-lived secret: moving the pair moves a pointer.
    signing: Box<SigningKey>,
    dh: DhKeyPair,
    public: IdentityKey,
}

impl IdentityKeyPair {
    /// Generates a new identity from the injected random number generator:
    /// a random Ed25519 seed, and the X25519 key derived from it.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let signing = SigningKey::generate(rng);
        let dh = DhKeyPair::from_ed25519(&signing);
        Self::from_parts(signing, dh)
    }

    fn from_parts(signing: SigningKey, dh: DhKeyPair) -> Self {
        let public = IdentityKey {
            signing: signing.verifying_key().to_bytes(),
            dh: *dh.public(),
        };
        IdentityKeyPair {
            signing: Box::new(signing),
            dh,
            public,
        }
    }

    /// Restores an identity from its seed and the X25519 private key stored
    /// with it, which must be the one the seed derives
    /// ([`Error::Malformed`] otherwise: an identity whose halves were
    /// generated apart).
    pub(super) fn from_secret_bytes(seed: &[u8; 32], dh: &[u8; 32]) -> Result<Self> {
        let signing = SigningKey::from_bytes(seed);
        let dh = DhKeyPair::from_ed25519_stored(&signing, dh)?;
        Ok(Self::from_parts(signing, dh))
    }

    /// The public identity to publish.
    pub fn public_key(&self) -> &IdentityKey {
        &self.public
    }

    pub(crate) fn signing(&self) -> &SigningKey {
        &self.signing
    }

    pub(crate) fn dh(&self) -> &DhKeyPair {
        &self.dh
    }

    pub(super) fn signing_secret_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }
}

impl fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}
