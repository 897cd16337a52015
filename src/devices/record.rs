//! A device record: the account key's statement that a device identity
//! belongs to the account, with its index, when it was added and its kind,
//! countersigned by the device.
//!
//! ```text
//! body      = version 0x02 | type 0x0A | account (64) | device (64) | index u32 | added_at u64 (seconds)
//!             | kind u8 (1 primary, 2 companion, 3 hosted by a service provider)
//! record    = body | account_sig (64) | device_sig (64)
//! account_sig = Ed25519(account, "sotto v1 device record" ‖ body)
//! device_sig  = Ed25519(device,  "sotto v1 device countersignature" ‖ body ‖ account_sig)
//! ```
//!
//! The primary's record names the account key itself as its device, at
//! index 0; every other device has an index above 0. The kind is inside what
//! the account signs: no server can add or remove the hosted mark.

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::crypto;
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::wire::{TYPE_DEVICE_RECORD, WIRE_VERSION};

/// The label of the account's signature over a device record.
pub const LABEL_DEVICE_RECORD: &[u8] = b"sotto v1 device record";
/// The label of the device's countersignature.
pub const LABEL_DEVICE_COUNTERSIGNATURE: &[u8] = b"sotto v1 device countersignature";

const BODY_LEN: usize = 2 + 64 + 64 + 4 + 8 + 1;
/// Bytes of an encoded, signed device record.
pub const DEVICE_RECORD_LEN: usize = BODY_LEN + 64 + 64;

/// What a device is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceKind {
    /// The account's primary device (the phone), holding the account key.
    Primary,
    /// A linked companion (a laptop, a tablet).
    Companion,
    /// A device run by a service provider for a business (a hosted
    /// endpoint): apps label conversations that reach one.
    Hosted,
}

impl DeviceKind {
    /// Its code in records: 1 primary, 2 companion, 3 hosted.
    pub fn code(self) -> u8 {
        match self {
            DeviceKind::Primary => 1,
            DeviceKind::Companion => 2,
            DeviceKind::Hosted => 3,
        }
    }

    /// The kind of a code ([`Error::Malformed`] for any other).
    pub fn from_code(c: u8) -> Result<Self> {
        match c {
            1 => Ok(DeviceKind::Primary),
            2 => Ok(DeviceKind::Companion),
            3 => Ok(DeviceKind::Hosted),
            _ => Err(Error::Malformed),
        }
    }
}

/// A device record, signed by the account and countersigned by the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// The account key (the primary device's identity).
    pub account: IdentityKey,
    /// The device's identity.
    pub device: IdentityKey,
    /// The device's index in the account (0 for the primary).
    pub index: u32,
    /// When it was added, seconds since the epoch.
    pub added_at: u64,
    /// What it is.
    pub kind: DeviceKind,
    account_sig: [u8; 64],
    device_sig: [u8; 64],
}

fn body(
    account: &IdentityKey,
    device: &IdentityKey,
    index: u32,
    added_at: u64,
    kind: DeviceKind,
) -> Vec<u8> {
    let mut b = Vec::with_capacity(DEVICE_RECORD_LEN);
    b.push(WIRE_VERSION);
    b.push(TYPE_DEVICE_RECORD);
    b.extend_from_slice(&account.to_bytes());
    b.extend_from_slice(&device.to_bytes());
    b.extend_from_slice(&index.to_be_bytes());
    b.extend_from_slice(&added_at.to_be_bytes());
    b.push(kind.code());
    b
}

fn check_shape(
    account: &IdentityKey,
    device: &IdentityKey,
    index: u32,
    kind: DeviceKind,
) -> Result<()> {
    let primary = kind == DeviceKind::Primary;
    if primary != (index == 0) || primary != (account == device) {
        return Err(Error::Malformed);
    }
    Ok(())
}

/// A record the account has signed, waiting for the device's countersignature
/// (what the primary sends a companion when linking it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountSignedRecord {
    account: IdentityKey,
    device: IdentityKey,
    index: u32,
    added_at: u64,
    kind: DeviceKind,
    account_sig: [u8; 64],
}

impl AccountSignedRecord {
    /// The account (the primary, holding `account`) signs that `device`
    /// belongs to it at `index`. The primary is index 0 and its own device;
    /// every other kind has an index above 0 ([`Error::Malformed`] otherwise).
    pub fn sign(
        account: &IdentityKeyPair,
        device: &IdentityKey,
        index: u32,
        added_at: u64,
        kind: DeviceKind,
    ) -> Result<Self> {
        check_shape(account.public_key(), device, index, kind)?;
        let b = body(account.public_key(), device, index, added_at, kind);
        Ok(AccountSignedRecord {
            account: *account.public_key(),
            device: *device,
            index,
            added_at,
            kind,
            account_sig: crypto::sign(account.signing(), LABEL_DEVICE_RECORD, &b),
        })
    }

    /// The device named in it.
    pub fn device(&self) -> &IdentityKey {
        &self.device
    }

    /// The account that signed it.
    pub fn account(&self) -> &IdentityKey {
        &self.account
    }

    /// The device's kind.
    pub fn kind(&self) -> DeviceKind {
        self.kind
    }

    /// Checks the account's signature: [`Error::InvalidSignature`].
    pub fn verify(&self) -> Result<()> {
        let b = body(
            &self.account,
            &self.device,
            self.index,
            self.added_at,
            self.kind,
        );
        crypto::verify(
            self.account.signing_key(),
            LABEL_DEVICE_RECORD,
            &b,
            &self.account_sig,
        )
    }

    /// The device countersigns, after checking the account's signature and
    /// that the record names it ([`Error::WrongType`] for another device).
    pub fn countersign(&self, device: &IdentityKeyPair) -> Result<DeviceRecord> {
        if *device.public_key() != self.device {
            return Err(Error::WrongType);
        }
        self.verify()?;
        let b = body(
            &self.account,
            &self.device,
            self.index,
            self.added_at,
            self.kind,
        );
        let device_sig = crypto::sign_parts(
            device.signing(),
            &[LABEL_DEVICE_COUNTERSIGNATURE, &b, &self.account_sig],
        );
        Ok(DeviceRecord {
            account: self.account,
            device: self.device,
            index: self.index,
            added_at: self.added_at,
            kind: self.kind,
            account_sig: self.account_sig,
            device_sig,
        })
    }

    /// The encoding: the body and the account's signature.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = body(
            &self.account,
            &self.device,
            self.index,
            self.added_at,
            self.kind,
        );
        b.extend_from_slice(&self.account_sig);
        b
    }

    /// Decodes an account-signed record (strict; signatures not checked:
    /// [`AccountSignedRecord::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let (account, device, index, added_at, kind) = read_body(&mut r)?;
        let account_sig = r.array()?;
        r.finish()?;
        Ok(AccountSignedRecord {
            account,
            device,
            index,
            added_at,
            kind,
            account_sig,
        })
    }
}

type Body = (IdentityKey, IdentityKey, u32, u64, DeviceKind);

fn read_body(r: &mut Reader<'_>) -> Result<Body> {
    let version = r.u8()?;
    if version != WIRE_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    if r.u8()? != TYPE_DEVICE_RECORD {
        return Err(Error::WrongType);
    }
    let account = IdentityKey::from_bytes(r.bytes(64)?)?;
    let device = IdentityKey::from_bytes(r.bytes(64)?)?;
    let index = r.u32()?;
    let added_at = r.u64()?;
    let kind = DeviceKind::from_code(r.u8()?)?;
    check_shape(&account, &device, index, kind)?;
    Ok((account, device, index, added_at, kind))
}

impl DeviceRecord {
    /// The account-signed part.
    fn signed(&self) -> AccountSignedRecord {
        AccountSignedRecord {
            account: self.account,
            device: self.device,
            index: self.index,
            added_at: self.added_at,
            kind: self.kind,
            account_sig: self.account_sig,
        }
    }

    /// Checks both signatures: the account's over the record, the device's
    /// over the record and the account's signature
    /// ([`Error::InvalidSignature`]).
    pub fn verify(&self) -> Result<()> {
        let signed = self.signed();
        signed.verify()?;
        let b = body(
            &self.account,
            &self.device,
            self.index,
            self.added_at,
            self.kind,
        );
        let key = crypto::ed25519_public(self.device.signing_key())?;
        crypto::verify_parts(
            &key,
            &[LABEL_DEVICE_COUNTERSIGNATURE, &b, &self.account_sig],
            &self.device_sig,
        )
    }

    /// The encoding ([`DEVICE_RECORD_LEN`] bytes).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.signed().to_bytes();
        b.extend_from_slice(&self.device_sig);
        b
    }

    /// Decodes a record (strict; signatures not checked:
    /// [`DeviceRecord::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (signed, device_sig) = bytes
            .split_at_checked(bytes.len().checked_sub(64).ok_or(Error::Malformed)?)
            .ok_or(Error::Malformed)?;
        let s = AccountSignedRecord::from_bytes(signed)?;
        Ok(DeviceRecord {
            account: s.account,
            device: s.device,
            index: s.index,
            added_at: s.added_at,
            kind: s.kind,
            account_sig: s.account_sig,
            device_sig: device_sig.try_into().map_err(|_| Error::Malformed)?,
        })
    }
}

/// A record's fields as they arrived, its identities not yet decoded:
/// [`super::verify_devices`] matches them byte for byte against the
/// list's, which are decoded once.
pub(crate) struct RawRecord<'a> {
    pub(crate) account: &'a [u8],
    pub(crate) device: &'a [u8],
    pub(crate) index: u32,
    pub(crate) added_at: u64,
    pub(crate) kind: DeviceKind,
    body: &'a [u8],
    account_sig: [u8; 64],
    device_sig: [u8; 64],
}

impl<'a> RawRecord<'a> {
    /// Reads the layout of a record (the same checks as
    /// [`DeviceRecord::from_bytes`] but the identities' decoding).
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8()? != WIRE_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        if r.u8()? != TYPE_DEVICE_RECORD {
            return Err(Error::WrongType);
        }
        let account = r.bytes(64)?;
        let device = r.bytes(64)?;
        let index = r.u32()?;
        let added_at = r.u64()?;
        let kind = DeviceKind::from_code(r.u8()?)?;
        let account_sig = r.array()?;
        let device_sig = r.array()?;
        r.finish()?;
        Ok(RawRecord {
            account,
            device,
            index,
            added_at,
            kind,
            body: bytes.get(..BODY_LEN).ok_or(Error::Malformed)?,
            account_sig,
            device_sig,
        })
    }

    /// Checks the record's shape for the decoded identities it matched,
    /// then both signatures under the keys decoded with them.
    pub(crate) fn verify(
        &self,
        account: (&IdentityKey, &crypto::Ed25519Public),
        device: (&IdentityKey, &crypto::Ed25519Public),
    ) -> Result<()> {
        check_shape(account.0, device.0, self.index, self.kind)?;
        crypto::verify_parts(
            account.1,
            &[LABEL_DEVICE_RECORD, self.body],
            &self.account_sig,
        )?;
        crypto::verify_parts(
            device.1,
            &[LABEL_DEVICE_COUNTERSIGNATURE, self.body, &self.account_sig],
            &self.device_sig,
        )
    }
}
