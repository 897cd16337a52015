//! Multi-device accounts: the account key (the primary device's identity)
//! signs a record for each device and a versioned list of the current ones;
//! each device countersigns its record. A sender turns a user's published
//! list and records into the verified set of devices with [`verify_devices`]
//! before it encrypts to any of them.
//!
//! ```text
//! verify(account, list, records, now, known_version):
//!   list.account = account                                  else WrongType
//!   list signed by account                                  else InvalidSignature
//!   known_version ≤ list.version                            else StaleDeviceList (a rolled-back list)
//!   now ≤ list.issued_at + DEVICE_LIST_TTL_SECS (35 days)   else StaleDeviceList
//!   every listed (index, device) has exactly one record with that account, index and device,
//!   signed by the account and countersigned by the device   else InvalidSignature / Malformed
//! ```
//!
//! Records of devices not on the list are ignored (a removed device's old
//! record proves nothing; only its layout is read). The hosted mark is in
//! the account-signed record. Each key is decoded once: a record's
//! identities are matched byte for byte against the list's, which are
//! decoded (and checked) with their Ed25519 keys, used for every signature.
//!
//! Once verified, sessions are pinned to each device's identity
//! ([`VerifiedDevice::initiate`], [`encrypt_to_devices`]: one message per
//! device); the security code covers [`VerifiedDevices::code_key`]; a new
//! device's history travels as a chunked blob under
//! [`LABEL_DEVICE_HISTORY`] whose key is in a
//! [`crate::Content::DeviceHistory`] message.

mod fanout;
mod linking;
mod list;
mod record;

pub use fanout::{DeviceChange, DeviceMessage, encrypt_to_devices};
pub use linking::{LABEL_DEVICE_LINK, LINK_QR_LEN, LinkingRequest, answer_link};

pub use list::{DeviceList, LABEL_DEVICE_LIST, MAX_DEVICES};
pub use record::{
    AccountSignedRecord, DEVICE_RECORD_LEN, DeviceKind, DeviceRecord,
    LABEL_DEVICE_COUNTERSIGNATURE, LABEL_DEVICE_RECORD,
};

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::identity::IdentityKey;

/// The chunked stream's context for a new device's history blob.
pub const LABEL_DEVICE_HISTORY: &[u8] = b"sotto v1 device history";

/// How long a device list is trusted after it was issued: 35 days, the most
/// WhatsApp allows. The primary re-signs it before then.
pub const DEVICE_LIST_TTL_SECS: u64 = 35 * 24 * 60 * 60;

/// One verified device of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedDevice {
    /// Its index in the account.
    pub index: u32,
    /// Its identity: encrypt to it.
    pub identity: IdentityKey,
    /// What it is.
    pub kind: DeviceKind,
    /// When it was added.
    pub added_at: u64,
}

/// An account's devices, every signature checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedDevices {
    /// The account key.
    pub account: IdentityKey,
    /// The list's version: keep it, and pass it to the next verification.
    pub version: u64,
    /// When the list was issued.
    pub issued_at: u64,
    /// The devices, by index (the primary first).
    pub devices: Vec<VerifiedDevice>,
}

impl VerifiedDevices {
    /// True if any device is run by a service provider: label the
    /// conversation.
    pub fn any_hosted(&self) -> bool {
        self.devices.iter().any(|d| d.kind == DeviceKind::Hosted)
    }
}

/// Verifies `account`'s published device list and records at `now`
/// (seconds), refusing a list older than `known_version` (the version last
/// verified for this account, if any). See the module's documentation for
/// every check; any failure refuses the whole list.
pub fn verify_devices(
    account: &IdentityKey,
    list: &[u8],
    records: &[&[u8]],
    now: u64,
    known_version: Option<u64>,
) -> Result<VerifiedDevices> {
    let account_key = crate::crypto::ed25519_public(account.signing_key())?;
    let keyed = list::decode_for(list, account, &account_key)?;
    keyed.verify(list, &account_key)?;
    let l = &keyed.list;
    if known_version.is_some_and(|k| l.version < k) {
        return Err(Error::StaleDeviceList);
    }
    if l.issued_at.saturating_add(DEVICE_LIST_TTL_SECS) < now {
        return Err(Error::StaleDeviceList);
    }
    if records.len() > MAX_DEVICES.saturating_mul(4) {
        return Err(Error::LimitExceeded);
    }
    let mut parsed = Vec::with_capacity(records.len());
    for r in records {
        parsed.push(record::RawRecord::parse(r)?);
    }
    let account_bytes = account.to_bytes();
    let mut devices = Vec::with_capacity(l.devices.len());
    for ((index, identity), key) in l.devices.iter().zip(&keyed.keys) {
        let identity_bytes = identity.to_bytes();
        let mut matching = parsed.iter().filter(|r| {
            r.account == account_bytes.as_slice()
                && r.index == *index
                && r.device == identity_bytes.as_slice()
        });
        let record = matching.next().ok_or(Error::Malformed)?;
        if matching.next().is_some() {
            return Err(Error::Malformed);
        }
        record.verify((account, &account_key), (identity, key))?;
        devices.push(VerifiedDevice {
            index: *index,
            identity: *identity,
            kind: record.kind,
            added_at: record.added_at,
        });
    }
    Ok(VerifiedDevices {
        account: *account,
        version: l.version,
        issued_at: l.issued_at,
        devices,
    })
}
