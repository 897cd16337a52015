//! Identity keys.
//!
//! An identity is **two** keys generated together: an Ed25519 key that signs
//! (prekeys, group messages, location updates) and an X25519 key that takes
//! part in X3DH. We chose two keys over one XEdDSA key because both halves
//! then use audited, standard implementations with strict verification, at the
//! cost of 32 more bytes per identity. The X25519 half is bound to the Ed25519
//! half by every signed prekey signature (it is inside the signed bytes), and
//! both halves enter the session associated data and the security code.
//!
//! `Encode(IK) = ed25519_public (32) ‖ x25519_public (32)` — 64 bytes.

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

    /// Decodes and validates an identity: the Ed25519 half must be a valid
    /// point encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: &[u8; IDENTITY_KEY_LEN] = bytes.try_into().map_err(|_| Error::Malformed)?;
        let (a, b) = bytes.split_at(32);
        let mut signing = [0u8; 32];
        let mut dh = [0u8; 32];
        signing.copy_from_slice(a);
        dh.copy_from_slice(b);
        crypto::check_ed25519_public(&signing)?;
        Ok(IdentityKey { signing, dh })
    }

    /// The Ed25519 verification key.
    pub fn signing_key(&self) -> &[u8; 32] {
        &self.signing
    }

    /// The X25519 key used in session setup.
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

/// A device's long-term identity: both private keys. Zeroized on drop; its
/// `Debug` shows only the public half.
pub struct IdentityKeyPair {
    /// Boxed, like every long-lived secret: moving the pair moves a pointer.
    signing: Box<SigningKey>,
    dh: DhKeyPair,
    public: IdentityKey,
}

impl IdentityKeyPair {
    /// Generates a new identity from the injected random number generator.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let signing = SigningKey::generate(rng);
        let dh = DhKeyPair::generate(rng);
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

    pub(super) fn from_secret_bytes(signing: &[u8; 32], dh: &[u8; 32]) -> Self {
        Self::from_parts(
            SigningKey::from_bytes(signing),
            DhKeyPair::from_secret_bytes(dh),
        )
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
