//! The sealed-state envelope shared by every stateful object: the version
//! and type bytes of the plain forms, and their encryption under the host's
//! key.
//!
//! Plain form: `version (0x04) | object type | fields`, strict like the wire
//! formats. It holds private keys: it is returned in a buffer that wipes
//! itself when dropped, and should only be written to storage encrypted.
//!
//! Encrypted form (what apps should store):
//!
//! ```text
//! 0x04 | sealed type | nonce (12, random) | AES-256-GCM-SIV(host key, nonce, plain form, AD) ‖ tag (16)
//! AD = "sotto v1 state" ‖ version ‖ sealed type
//! ```
//!
//! Version 0x03 added the time each skipped message key was kept (so that
//! keys of disappearing messages can be deleted at expiry). Version 0x04
//! added post-quantum prekeys to the prekey store and whether a session was
//! set up with PQXDH. States of versions 0x02 and 0x03 are still read
//! (skipped keys with no time; no post-quantum fields); they are written
//! back as 0x04.
//!
//! The host supplies the 32-byte key (for example from the platform
//! keychain). Random 96-bit nonces are safe for far more than 2^32 saves
//! under one key.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::crypto::{self, NONCE_LEN, StateKey};
use crate::error::{Error, Result};
use crate::secret::SecretBuf;

/// Version byte of every state encoding defined by this release.
pub const STATE_VERSION: u8 = 0x04;
/// Version 0x04 is this one: post-quantum prekeys and sessions.
pub(crate) const STATE_VERSION_4: u8 = 0x04;
/// The earliest version still read (skipped keys without a time).
pub(crate) const STATE_VERSION_2: u8 = 0x02;
/// Associated-data prefix of encrypted state.
pub const LABEL_STATE: &[u8] = b"sotto v1 state";

/// Object type bytes of the plain forms.
pub(crate) const TYPE_IDENTITY: u8 = 0x81;
pub(crate) const TYPE_PREKEY_STORE: u8 = 0x82;
pub(crate) const TYPE_SESSION: u8 = 0x83;
pub(crate) const TYPE_GROUP: u8 = 0x84;
pub(crate) const TYPE_TRUST: u8 = 0x85;
pub(crate) const TYPE_LOCATION_SHARE: u8 = 0x86;
pub(crate) const TYPE_LOCATION_VIEWER: u8 = 0x87;
pub(crate) const TYPE_SESSION_RECORD: u8 = 0x88;
pub(crate) const TYPE_GROUP_MEMBER: u8 = 0x89;
/// The encrypted form of an object uses its plain type with this bit set.
const SEALED_BIT: u8 = 0x40;

/// Starts a plain encoding.
pub(crate) fn begin(object_type: u8, capacity: usize) -> SecretBuf {
    let mut out = SecretBuf::with_capacity(capacity);
    out.push(STATE_VERSION);
    out.push(object_type);
    out
}

/// Checks the version and type of a plain encoding and returns the version.
pub(crate) fn check(r: &mut Reader<'_>, object_type: u8) -> Result<u8> {
    let version = r.u8()?;
    if !(STATE_VERSION_2..=STATE_VERSION).contains(&version) {
        return Err(Error::UnsupportedVersion);
    }
    if r.u8()? != object_type {
        return Err(Error::WrongType);
    }
    Ok(version)
}

/// Encrypts a plain encoding under the host's key.
pub(crate) fn seal<R: CryptoRng + ?Sized>(
    key: &[u8; 32],
    rng: &mut R,
    object_type: u8,
    plain: &[u8],
) -> Result<Vec<u8>> {
    let sealed_type = object_type | SEALED_BIT;
    let nonce: [u8; NONCE_LEN] = crypto::random_array(rng);
    let mut out = Vec::with_capacity(plain.len().saturating_add(2 + NONCE_LEN + crypto::TAG_LEN));
    out.push(STATE_VERSION);
    out.push(sealed_type);
    out.extend_from_slice(&nonce);
    let start = out.len();
    out.extend_from_slice(plain);
    StateKey::with_nonce(key, nonce).seal_in_place(
        &ad(STATE_VERSION, sealed_type),
        &mut out,
        start,
    )?;
    Ok(out)
}

/// Decrypts an encrypted state object of the given type.
pub(crate) fn open(key: &[u8; 32], object_type: u8, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let sealed_type = object_type | SEALED_BIT;
    let mut r = Reader::new(bytes);
    let version = check(&mut r, sealed_type)?;
    let nonce = r.array::<NONCE_LEN>()?;
    let sealed = r.rest();
    if sealed.len() < crypto::TAG_LEN {
        return Err(Error::Malformed);
    }
    let plain = StateKey::with_nonce(key, nonce).open(&ad(version, sealed_type), sealed)?;
    Ok(Zeroizing::new(plain))
}

fn ad(version: u8, sealed_type: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    let (l, t) = a.split_at_mut(14);
    l.copy_from_slice(LABEL_STATE);
    t.copy_from_slice(&[version, sealed_type]);
    a
}
