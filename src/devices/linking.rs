//! Linking a new companion: the companion shows a QR code with its identity
//! and a one-time linking secret; the primary answers with the
//! account-signed record authenticated under that secret; the companion
//! checks both and countersigns.
//!
//! ```text
//! qr      = version 0x02 | type 0x0C | companion identity (64) | linking secret (32, random)
//! payload = version 0x02 | type 0x0D | account-signed record (body ‖ account_sig)
//!           | HMAC-SHA256(secret, "sotto v1 device link" ‖ account-signed record) (32)
//! ```
//!
//! The secret never goes to the server: only the QR code's camera path
//! carries it. A payload under another secret, for another device, with a
//! bad account signature, or for the primary kind is refused with the
//! request unchanged; once a payload was accepted the request answers every
//! later one with [`Error::Duplicate`].

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::record::{AccountSignedRecord, DeviceKind, DeviceRecord};
use crate::codec::Reader;
use crate::crypto::{self, random_array};
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::wire::{TYPE_DEVICE_LINK, TYPE_DEVICE_LINK_QR, WIRE_VERSION};

/// The label of the linking payload's HMAC.
pub const LABEL_DEVICE_LINK: &[u8] = b"sotto v1 device link";
/// Bytes of a linking QR payload.
pub const LINK_QR_LEN: usize = 2 + 64 + 32;

/// The companion's side of a link in progress: its identity and the
/// one-time secret (wiped on drop, never printed).
pub struct LinkingRequest {
    identity: IdentityKey,
    secret: Zeroizing<[u8; 32]>,
    used: bool,
}

impl fmt::Debug for LinkingRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkingRequest")
            .field("used", &self.used)
            .finish_non_exhaustive()
    }
}

fn mac(secret: &[u8; 32], record: &[u8]) -> [u8; 32] {
    crypto::hmac_sha256_parts(secret, &[LABEL_DEVICE_LINK, record])
}

impl LinkingRequest {
    /// Starts linking `companion`: returns the request to keep and the
    /// bytes to show as a QR code.
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        companion: &IdentityKeyPair,
    ) -> (Self, Zeroizing<Vec<u8>>) {
        let secret = Zeroizing::new(random_array::<32, R>(rng));
        let mut qr = Zeroizing::new(Vec::with_capacity(LINK_QR_LEN));
        qr.push(WIRE_VERSION);
        qr.push(TYPE_DEVICE_LINK_QR);
        qr.extend_from_slice(&companion.public_key().to_bytes());
        qr.extend_from_slice(&secret[..]);
        (
            LinkingRequest {
                identity: *companion.public_key(),
                secret,
                used: false,
            },
            qr,
        )
    }

    /// Checks the primary's answer and countersigns the record: the device
    /// record to publish. `account`, if the companion already knows which
    /// account it joins, must be the one that signed. Errors (the request
    /// unchanged): a wrong secret `AuthenticationFailed`, another device or
    /// account `WrongType`, a bad signature `InvalidSignature`, the primary
    /// kind `Malformed`; after success, `Duplicate`.
    pub fn accept(
        &mut self,
        companion: &IdentityKeyPair,
        payload: &[u8],
        account: Option<&IdentityKey>,
    ) -> Result<DeviceRecord> {
        if self.used {
            return Err(Error::Duplicate);
        }
        if *companion.public_key() != self.identity {
            return Err(Error::WrongType);
        }
        let mut r = Reader::new(payload);
        if r.u8()? != WIRE_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        if r.u8()? != TYPE_DEVICE_LINK {
            return Err(Error::WrongType);
        }
        let body_len = payload.len().checked_sub(2 + 32).ok_or(Error::Malformed)?;
        let record_bytes = r.bytes(body_len)?;
        let tag: [u8; 32] = r.array()?;
        r.finish()?;
        if !bool::from(mac(&self.secret, record_bytes).ct_eq(&tag)) {
            return Err(Error::AuthenticationFailed);
        }
        let signed = AccountSignedRecord::from_bytes(record_bytes)?;
        if *signed.device() != self.identity || account.is_some_and(|a| a != signed.account()) {
            return Err(Error::WrongType);
        }
        if signed.kind() == DeviceKind::Primary {
            return Err(Error::Malformed);
        }
        let record = signed.countersign(companion)?;
        self.used = true;
        Ok(record)
    }
}

/// The primary's side: reads the companion's QR code and answers with the
/// account-signed record for it at `index` (above 0), of `kind` (companion
/// or hosted), added at `now`, authenticated under the QR's secret.
pub fn answer_link(
    account: &IdentityKeyPair,
    qr: &[u8],
    index: u32,
    now: u64,
    kind: DeviceKind,
) -> Result<Vec<u8>> {
    let mut r = Reader::new(qr);
    if r.u8()? != WIRE_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if r.u8()? != TYPE_DEVICE_LINK_QR {
        return Err(Error::WrongType);
    }
    let device = IdentityKey::from_bytes(r.bytes(64)?)?;
    let secret = Zeroizing::new(r.array::<32>()?);
    r.finish()?;
    if kind == DeviceKind::Primary {
        return Err(Error::Malformed);
    }
    let record = AccountSignedRecord::sign(account, &device, index, now, kind)?.to_bytes();
    let mut out = Vec::with_capacity(record.len().saturating_add(34));
    out.push(WIRE_VERSION);
    out.push(TYPE_DEVICE_LINK);
    out.extend_from_slice(&record);
    out.extend_from_slice(&mac(&secret, &record));
    Ok(out)
}
