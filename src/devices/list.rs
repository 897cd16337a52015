//! The account's signed device list: which devices are current, at which
//! version, as of when.
//!
//! ```text
//! body = version 0x02 | type 0x0B | account (64) | list_version u64 | issued_at u64 (seconds)
//!        | count u8 (1..=MAX_DEVICES) | count × (index u32 | device (64)), indexes strictly increasing,
//!        the first entry index 0 with the account as its device
//! list = body | Ed25519(account, "sotto v1 device list" ‖ body) (64)
//! ```

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::crypto;
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::wire::{TYPE_DEVICE_LIST, WIRE_VERSION};

/// The label of the account's signature over its device list.
pub const LABEL_DEVICE_LIST: &[u8] = b"sotto v1 device list";
/// The most devices one account lists (the primary included).
pub const MAX_DEVICES: usize = 16;

/// A device list, signed by the account key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceList {
    /// The account key.
    pub account: IdentityKey,
    /// The list's version: every change publishes a higher one.
    pub version: u64,
    /// When it was issued, seconds since the epoch.
    pub issued_at: u64,
    /// The current devices: index and identity, by increasing index.
    pub devices: Vec<(u32, IdentityKey)>,
    signature: [u8; 64],
}

fn body(
    account: &IdentityKey,
    version: u64,
    issued_at: u64,
    devices: &[(u32, IdentityKey)],
) -> Result<Vec<u8>> {
    let count = u8::try_from(devices.len()).map_err(|_| Error::LimitExceeded)?;
    let mut b = Vec::with_capacity(devices.len().saturating_mul(68).saturating_add(83));
    b.push(WIRE_VERSION);
    b.push(TYPE_DEVICE_LIST);
    b.extend_from_slice(&account.to_bytes());
    b.extend_from_slice(&version.to_be_bytes());
    b.extend_from_slice(&issued_at.to_be_bytes());
    b.push(count);
    for (i, d) in devices {
        b.extend_from_slice(&i.to_be_bytes());
        b.extend_from_slice(&d.to_bytes());
    }
    Ok(b)
}

fn check_entries(account: &IdentityKey, devices: &[(u32, IdentityKey)]) -> Result<()> {
    if devices.is_empty() {
        return Err(Error::Malformed);
    }
    if devices.len() > MAX_DEVICES {
        return Err(Error::LimitExceeded);
    }
    match devices.first() {
        Some((0, d)) if d == account => {}
        _ => return Err(Error::Malformed),
    }
    for pair in devices.windows(2) {
        if let [(a, _), (b, db)] = pair
            && (a >= b || db == account)
        {
            return Err(Error::Malformed);
        }
    }
    for (n, (_, d)) in devices.iter().enumerate() {
        if devices
            .iter()
            .skip(n.saturating_add(1))
            .any(|(_, e)| e == d)
        {
            return Err(Error::Malformed);
        }
    }
    Ok(())
}

impl DeviceList {
    /// The account signs its current devices (the primary first, at index
    /// 0, then by increasing index; at most [`MAX_DEVICES`]).
    pub fn sign(
        account: &IdentityKeyPair,
        version: u64,
        issued_at: u64,
        devices: &[(u32, IdentityKey)],
    ) -> Result<Self> {
        check_entries(account.public_key(), devices)?;
        let b = body(account.public_key(), version, issued_at, devices)?;
        Ok(DeviceList {
            account: *account.public_key(),
            version,
            issued_at,
            devices: devices.to_vec(),
            signature: crypto::sign(account.signing(), LABEL_DEVICE_LIST, &b),
        })
    }

    /// Checks the account's signature ([`Error::InvalidSignature`]).
    pub fn verify(&self) -> Result<()> {
        let b = body(&self.account, self.version, self.issued_at, &self.devices)?;
        crypto::verify(
            self.account.signing_key(),
            LABEL_DEVICE_LIST,
            &b,
            &self.signature,
        )
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut b = body(&self.account, self.version, self.issued_at, &self.devices)?;
        b.extend_from_slice(&self.signature);
        Ok(b)
    }

    /// Decodes a list (strict; the signature is not checked:
    /// [`DeviceList::verify`]). More than [`MAX_DEVICES`] entries is
    /// [`Error::LimitExceeded`], before any is read.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8()? != WIRE_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        if r.u8()? != TYPE_DEVICE_LIST {
            return Err(Error::WrongType);
        }
        let account = IdentityKey::from_bytes(r.bytes(64)?)?;
        let version = r.u64()?;
        let issued_at = r.u64()?;
        let count = usize::from(r.u8()?);
        if count > MAX_DEVICES {
            return Err(Error::LimitExceeded);
        }
        let mut devices = Vec::with_capacity(count);
        for _ in 0..count {
            let index = r.u32()?;
            devices.push((index, IdentityKey::from_bytes(r.bytes(64)?)?));
        }
        let signature = r.array()?;
        r.finish()?;
        check_entries(&account, &devices)?;
        Ok(DeviceList {
            account,
            version,
            issued_at,
            devices,
            signature,
        })
    }
}

/// A list decoded for [`super::verify_devices`] under the account the
/// caller expects: each entry's Ed25519 key decoded once (the account's,
/// listed first, not again), and the length of the signed body.
pub(crate) struct KeyedList {
    pub(crate) list: DeviceList,
    pub(crate) keys: Vec<crypto::Ed25519Public>,
    pub(crate) body_len: usize,
}

/// Decodes `bytes` as [`DeviceList::from_bytes`] does, for `account`
/// (whose key is `account_key`): a list of another account is
/// [`Error::WrongType`] before any key is decoded.
pub(crate) fn decode_for(
    bytes: &[u8],
    account: &IdentityKey,
    account_key: &crypto::Ed25519Public,
) -> Result<KeyedList> {
    let mut r = Reader::new(bytes);
    if r.u8()? != WIRE_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if r.u8()? != TYPE_DEVICE_LIST {
        return Err(Error::WrongType);
    }
    let account_bytes = account.to_bytes();
    if r.bytes(64)? != account_bytes.as_slice() {
        return Err(Error::WrongType);
    }
    let version = r.u64()?;
    let issued_at = r.u64()?;
    let count = usize::from(r.u8()?);
    if count > MAX_DEVICES {
        return Err(Error::LimitExceeded);
    }
    let mut devices = Vec::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    for _ in 0..count {
        let index = r.u32()?;
        let raw = r.bytes(64)?;
        if raw == account_bytes.as_slice() {
            devices.push((index, *account));
            keys.push(*account_key);
        } else {
            let (identity, key) = IdentityKey::from_bytes_keyed(raw)?;
            devices.push((index, identity));
            keys.push(key);
        }
    }
    let signature = r.array()?;
    r.finish()?;
    check_entries(account, &devices)?;
    Ok(KeyedList {
        list: DeviceList {
            account: *account,
            version,
            issued_at,
            devices,
            signature,
        },
        keys,
        body_len: bytes.len().saturating_sub(64),
    })
}

impl KeyedList {
    /// Checks the account's signature over the body as it arrived.
    pub(crate) fn verify(&self, bytes: &[u8], account_key: &crypto::Ed25519Public) -> Result<()> {
        let body = bytes.get(..self.body_len).ok_or(Error::Malformed)?;
        crypto::verify_parts(
            account_key,
            &[LABEL_DEVICE_LIST, body],
            &self.list.signature,
        )
    }
}
