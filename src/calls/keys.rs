//! Call secrets and the media keys derived from them.
//!
//! ```text
//! 1:1 call:   secret = 32 random bytes, one per recipient device, sent in its end-to-end encrypted offer
//!             srtp(profile, direction) = HKDF-SHA256(salt = call id, ikm = secret,
//!                 info = "sotto v1 call srtp" ‖ profile u8 ‖ direction u8, Nk + Ns)
//!             → master key (first Nk bytes) ‖ master salt (Ns bytes)
//!             profile 1 AES_CM_128_HMAC_SHA1_80: Nk 16, Ns 14;  profile 2 AEAD_AES_256_GCM: Nk 32, Ns 12
//!             direction 1: the caller's media, 2: the callee's
//! group call: epoch secret = 32 random bytes per membership, sent pairwise by one participant
//!             base_key(epoch, sender) = HKDF-SHA256(salt = call id, ikm = epoch secret,
//!                 info = "sotto v1 call sframe" ‖ epoch u32 ‖ sender u32, 32)
//!             KID = epoch << 32 | sender (the SFrame key id carries both)
//! ```
//!
//! A secret is never exposed: [`CallSecret`] has no accessor; it leaves
//! the SDK only inside an end-to-end encrypted call message
//! ([`super::CallSignal`]) and as the keys derived from it.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto;
use crate::error::{Error, Result};
use crate::secret::Secret32;

/// Label of the SRTP key derivation.
pub const LABEL_CALL_SRTP: &[u8] = b"sotto v1 call srtp";
/// Label of the group-call SFrame base keys.
pub const LABEL_CALL_SFRAME: &[u8] = b"sotto v1 call sframe";
/// Bytes of a call id.
pub const CALL_ID_LEN: usize = 16;

/// A call's id: 16 random bytes the caller picks.
pub type CallId = [u8; CALL_ID_LEN];

/// An SRTP protection profile a WebRTC stack takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SrtpProfile {
    /// `SRTP_AES128_CM_HMAC_SHA1_80` (RFC 3711): a 16-byte master key and
    /// a 14-byte master salt.
    AesCm128HmacSha1_80,
    /// `SRTP_AEAD_AES_256_GCM` (RFC 7714): a 32-byte master key and a
    /// 12-byte master salt.
    AeadAes256Gcm,
}

impl SrtpProfile {
    fn code(self) -> u8 {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 1,
            SrtpProfile::AeadAes256Gcm => 2,
        }
    }

    /// Bytes of the master key.
    pub fn key_len(self) -> usize {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 16,
            SrtpProfile::AeadAes256Gcm => 32,
        }
    }

    /// Bytes of the master salt.
    pub fn salt_len(self) -> usize {
        match self {
            SrtpProfile::AesCm128HmacSha1_80 => 14,
            SrtpProfile::AeadAes256Gcm => 12,
        }
    }
}

/// Whose media a key protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The caller's media (the callee decrypts with it).
    Caller,
    /// The callee's media.
    Callee,
}

impl Direction {
    fn code(self) -> u8 {
        match self {
            Direction::Caller => 1,
            Direction::Callee => 2,
        }
    }
}

/// SRTP master key and salt for one direction, wiped on drop.
pub struct SrtpKeys {
    /// The master key.
    pub master_key: Zeroizing<alloc::vec::Vec<u8>>,
    /// The master salt.
    pub master_salt: Zeroizing<alloc::vec::Vec<u8>>,
}

impl fmt::Debug for SrtpKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpKeys")
            .field("key_len", &self.master_key.len())
            .finish_non_exhaustive()
    }
}

/// A call's (or a group call epoch's) 32-byte secret, wiped on drop and
/// never printed.
pub struct CallSecret(alloc::boxed::Box<Secret32>);

impl fmt::Debug for CallSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallSecret(…)")
    }
}

impl CallSecret {
    /// A fresh random secret.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        CallSecret(alloc::boxed::Box::new(Secret32::new(crypto::random_array(
            rng,
        ))))
    }

    /// The secret from its encoding (inside a decrypted call message).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let b: [u8; 32] = bytes.try_into().map_err(|_| Error::Malformed)?;
        Ok(CallSecret(alloc::boxed::Box::new(Secret32::new(b))))
    }

    /// Its encoding, to carry inside an end-to-end encrypted message only.
    pub(crate) fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(*self.0.expose())
    }

    /// A second copy (for a cloned message).
    pub(crate) fn duplicate(&self) -> Self {
        CallSecret(alloc::boxed::Box::new(Secret32::new(*self.0.expose())))
    }

    /// A 16-byte digest naming the secret within a call (to refuse one
    /// used again), from which nothing about the secret follows.
    pub(crate) fn digest(&self, call: &CallId) -> [u8; 16] {
        let full = crypto::sha256(&[b"sotto v1 call secret digest", call, self.0.expose()]);
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// Equality in constant time.
    pub(crate) fn ct_eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(self.0.expose().ct_eq(other.0.expose()))
    }

    /// The SRTP master key and salt of `direction` for `profile`.
    pub fn srtp(
        &self,
        call: &CallId,
        profile: SrtpProfile,
        direction: Direction,
    ) -> Result<SrtpKeys> {
        let len = profile.key_len().saturating_add(profile.salt_len());
        let mut okm = Zeroizing::new([0u8; 48]);
        let okm = okm.get_mut(..len).ok_or(Error::Internal)?;
        let mut info = [0u8; LABEL_CALL_SRTP.len() + 2];
        let (label, rest) = info.split_at_mut(LABEL_CALL_SRTP.len());
        label.copy_from_slice(LABEL_CALL_SRTP);
        rest.copy_from_slice(&[profile.code(), direction.code()]);
        crypto::hkdf(call, &[self.0.expose()], &info, okm)?;
        let (key, salt) = okm.split_at(profile.key_len());
        Ok(SrtpKeys {
            master_key: Zeroizing::new(key.to_vec()),
            master_salt: Zeroizing::new(salt.to_vec()),
        })
    }

    /// The SFrame base key of `sender` in `epoch` of a group call.
    pub(crate) fn sframe_base_key(
        &self,
        call: &CallId,
        epoch: u32,
        sender: u32,
    ) -> Result<Zeroizing<[u8; 32]>> {
        let mut info = [0u8; LABEL_CALL_SFRAME.len() + 8];
        let (label, rest) = info.split_at_mut(LABEL_CALL_SFRAME.len());
        label.copy_from_slice(LABEL_CALL_SFRAME);
        let (e, s) = rest.split_at_mut(4);
        e.copy_from_slice(&epoch.to_be_bytes());
        s.copy_from_slice(&sender.to_be_bytes());
        let mut out = Zeroizing::new([0u8; 32]);
        crypto::hkdf(call, &[self.0.expose()], &info, &mut out[..])?;
        Ok(out)
    }
}

/// The SFrame key id of `sender` in `epoch`.
pub fn group_kid(epoch: u32, sender: u32) -> u64 {
    (u64::from(epoch) << 32) | u64::from(sender)
}
