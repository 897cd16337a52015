//! Security codes: the numeric fingerprint users compare to verify that no
//! one sits between them, and its scannable (QR) form.
//!
//! The algorithm is Signal's published numeric fingerprint, version 0:
//!
//! ```text
//! h₁ = SHA-512(0x00 0x00 ‖ key ‖ id ‖ key)
//! hᵢ = SHA-512(hᵢ₋₁ ‖ key)                 for i = 2 … 5200
//! digits(h) = for c in 0..6: (h[5c..5c+5] as a big-endian u40) mod 100000, zero-padded to 5 digits
//! code = the two 30-digit halves of the parties, the smaller one first   (60 digits)
//! ```
//!
//! `key` is the party's encoded identity ([`IdentityKey::to_bytes`], 64 bytes),
//! or for a multi-device account the sorted identities of its devices,
//! hosted ones excluded ([`SecurityCode::for_devices`]), and `id` a stable user identifier chosen by the app (for example a phone
//! number or account id). Both parties compute the same 60 digits.
//!
//! The scannable form is `version (0x01) ‖ 0x04 ‖ h_local[..32] ‖ h_remote[..32]`;
//! the scanning side compares it, in constant time, with the halves swapped.

use sha2::{Digest, Sha512};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};
use crate::identity::IdentityKey;

/// Number of SHA-512 computations per party.
pub const FINGERPRINT_ITERATIONS: u32 = 5200;
/// Version of the scannable payload this release produces.
pub const SCANNABLE_VERSION: u8 = 0x01;
/// Type byte of the scannable payload.
pub const TYPE_SCANNABLE: u8 = 0x04;
/// Length of the scannable payload.
pub const SCANNABLE_LEN: usize = 66;

/// The iterated hash of one party: `key` and `id` as in the module docs.
/// `iterations` must be at least 1 and at most 1,000,000.
pub fn fingerprint_hash(key: &[u8], id: &[u8], iterations: u32) -> Result<[u8; 64]> {
    if iterations == 0 || iterations > 1_000_000 {
        return Err(Error::LimitExceeded);
    }
    let mut h = Sha512::new();
    h.update([0u8, 0u8]);
    h.update(key);
    h.update(id);
    h.update(key);
    let mut out: [u8; 64] = h.finalize().into();
    for _ in 1..iterations {
        let mut h = Sha512::new();
        h.update(out);
        h.update(key);
        out = h.finalize().into();
    }
    Ok(out)
}

/// The 30 displayable digits of a party's hash.
pub fn displayable(hash: &[u8; 64]) -> [u8; 30] {
    let mut out = [b'0'; 30];
    for (chunk, digits) in hash.chunks_exact(5).take(6).zip(out.chunks_exact_mut(5)) {
        let mut v: u64 = 0;
        for &b in chunk {
            v = (v << 8) | u64::from(b);
        }
        let mut v = v % 100_000;
        for d in digits.iter_mut().rev() {
            // v % 10 < 10, so the cast and the addition cannot overflow.
            *d = b'0'.wrapping_add((v % 10) as u8);
            v /= 10;
        }
    }
    out
}

/// What comparing a scanned payload with the local one found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanResult {
    /// Both sides hold the same two identities: the conversation is verified.
    Match,
    /// The payload is for other identities (or another conversation).
    Mismatch,
    /// The payload was produced by another version of the scheme.
    VersionMismatch,
}

/// The security code of a conversation, in both of its forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecurityCode {
    digits: [u8; 60],
    local: [u8; 64],
    remote: [u8; 64],
}

impl SecurityCode {
    /// Computes the code for `local` (this device's identity and user id) and
    /// `remote`. Costs 10,400 SHA-512 computations.
    pub fn new(
        local: &IdentityKey,
        local_id: &[u8],
        remote: &IdentityKey,
        remote_id: &[u8],
    ) -> Result<Self> {
        Self::from_encoded(&local.to_bytes(), local_id, &remote.to_bytes(), remote_id)
    }

    /// Computes the code of two multi-device accounts: each side's key is
    /// its [`crate::devices::VerifiedDevices::code_key`] (every device's
    /// identity but hosted ones, sorted), so the code changes when a device
    /// joins or leaves. For single-device accounts it equals [`Self::new`].
    pub fn for_devices(
        local: &crate::devices::VerifiedDevices,
        local_id: &[u8],
        remote: &crate::devices::VerifiedDevices,
        remote_id: &[u8],
    ) -> Result<Self> {
        Self::from_encoded(&local.code_key(), local_id, &remote.code_key(), remote_id)
    }

    /// Computes the code from already-encoded identity keys. [`Self::new`]
    /// calls this with our 64-byte encoding; fed Signal's 33-byte key
    /// encoding it reproduces Signal's published codes.
    pub fn from_encoded(
        local_key: &[u8],
        local_id: &[u8],
        remote_key: &[u8],
        remote_id: &[u8],
    ) -> Result<Self> {
        let local = fingerprint_hash(local_key, local_id, FINGERPRINT_ITERATIONS)?;
        let remote = fingerprint_hash(remote_key, remote_id, FINGERPRINT_ITERATIONS)?;
        let (a, b) = (displayable(&local), displayable(&remote));
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let mut digits = [0u8; 60];
        let (x, y) = digits.split_at_mut(30);
        x.copy_from_slice(&first);
        y.copy_from_slice(&second);
        Ok(SecurityCode {
            digits,
            local,
            remote,
        })
    }

    /// The 60 ASCII digits, to show in twelve groups of five.
    pub fn digits(&self) -> &[u8; 60] {
        &self.digits
    }

    /// The payload to show as a QR code.
    pub fn scannable(&self) -> [u8; SCANNABLE_LEN] {
        let mut out = [0u8; SCANNABLE_LEN];
        out[0] = SCANNABLE_VERSION;
        out[1] = TYPE_SCANNABLE;
        out[2..34].copy_from_slice(&self.local[..32]);
        out[34..66].copy_from_slice(&self.remote[..32]);
        out
    }

    /// Compares a payload scanned from the other device with this one, in
    /// constant time: the other device's "local" half must equal our
    /// "remote" half and vice versa.
    pub fn compare_scanned(&self, scanned: &[u8]) -> Result<ScanResult> {
        let version = *scanned.first().ok_or(Error::Malformed)?;
        if version != SCANNABLE_VERSION {
            return Ok(ScanResult::VersionMismatch);
        }
        let scanned: &[u8; SCANNABLE_LEN] = scanned.try_into().map_err(|_| Error::Malformed)?;
        if scanned[1] != TYPE_SCANNABLE {
            return Err(Error::WrongType);
        }
        let theirs_local = &scanned[2..34];
        let theirs_remote = &scanned[34..66];
        let same = theirs_local.ct_eq(&self.remote[..32]) & theirs_remote.ct_eq(&self.local[..32]);
        Ok(if bool::from(same) {
            ScanResult::Match
        } else {
            ScanResult::Mismatch
        })
    }
}
