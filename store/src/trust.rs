//! The store's trust records: one row per contact, so that an encrypt or
//! decrypt reads and writes one contact's record, never the whole list.
//!
//! ```text
//! contact row (kind 10, name = contact) = seal(row key, a trust store holding that contact's record)
//! policy row  (kind 3, the empty name)  = seal(row key, a trust store with no records: the policy)
//! ```
//!
//! A contact row's own policy byte is not read: the device's policy applies.

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;

use super::Keys;
use super::objects::{self, Stored};
use crate::error::{Error, Result};
use sotto::{TrustPolicy, TrustStore};

/// One contact's trust record, in a row of its own.
pub(crate) struct ContactTrust(pub(crate) TrustStore);

impl Stored for ContactTrust {
    const KIND: u8 = 10;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        Ok(self.0.seal(key, rng)?)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Ok(ContactTrust(TrustStore::open(key, bytes)?))
    }
}

/// The policy for identity changes; [`TrustPolicy::Block`] until set.
pub(crate) fn policy(conn: &Connection, keys: &Keys) -> Result<TrustPolicy> {
    match objects::load_device::<TrustStore>(conn, keys) {
        Ok(t) => Ok(t.policy()),
        Err(Error::NoDeviceIdentity) => Ok(TrustPolicy::Block),
        Err(e) => Err(e),
    }
}

/// Sets the policy for identity changes.
pub(crate) fn set_policy<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    policy: TrustPolicy,
) -> Result<()> {
    objects::save_device(conn, keys, rng, &TrustStore::new(policy))
}

/// A trust store holding `contact`'s record (none if never seen), under the
/// device's policy.
pub(crate) fn load(conn: &Connection, keys: &Keys, contact: &[u8]) -> Result<TrustStore> {
    let policy = policy(conn, keys)?;
    let mut trust = match objects::load::<ContactTrust>(conn, keys, contact) {
        Ok(ContactTrust(t)) => t,
        Err(Error::NotFound) => TrustStore::new(policy),
        Err(e) => return Err(e),
    };
    trust.set_policy(policy);
    Ok(trust)
}

/// Writes `contact`'s row from `trust`, as [`load`] gave it (holding that
/// contact's record alone: the calls on it name only `contact`).
pub(crate) fn save<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    contact: &[u8],
    trust: &TrustStore,
) -> Result<()> {
    objects::save(conn, keys, rng, contact, &ContactTrust(trust.clone()))
}
