//! Persistence of a trust store.
//!
//! ```text
//! 0x04 | 0x85 | policy u8 (0 block, 1 warn) | count u32 (≤ MAX_TRUST_RECORDS)
//!      | per record, contact ids strictly increasing:
//!        contact_len u8 (1..=255) | contact | identity (64) | first_seen u64 | verified u8
//!        | has_pending u8 | [identity (64) | seen_at u64]
//! ```

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::sealed::{self, TYPE_TRUST};

use super::{
    MAX_TRUST_RECORDS, PendingChange, TrustPolicy, TrustRecord, TrustStore, check_contact,
};

impl TrustStore {
    /// The plain state encoding (holds no secret, but reveals the contact
    /// list: store it encrypted).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(
            TYPE_TRUST,
            self.records.len().saturating_mul(160).saturating_add(7),
        );
        out.push(match self.policy {
            TrustPolicy::Block => 0,
            TrustPolicy::Warn => 1,
        });
        // Bounded by MAX_TRUST_RECORDS.
        let count = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for (contact, r) in &self.records {
            // Contact ids are checked on insertion (1..=255 bytes).
            out.push(u8::try_from(contact.len()).unwrap_or(0));
            out.extend_from_slice(contact);
            out.extend_from_slice(&r.identity.to_bytes());
            out.extend_from_slice(&r.first_seen.to_be_bytes());
            out.push(u8::from(r.verified));
            out.push(u8::from(r.pending.is_some()));
            if let Some(p) = &r.pending {
                out.extend_from_slice(&p.identity.to_bytes());
                out.extend_from_slice(&p.seen_at.to_be_bytes());
            }
        }
        out.into_zeroizing()
    }

    /// Restores a trust store from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_TRUST)?;
        let policy = match r.u8()? {
            0 => TrustPolicy::Block,
            1 => TrustPolicy::Warn,
            _ => return Err(Error::Malformed),
        };
        let count = usize::try_from(r.u32()?).map_err(|_| Error::Malformed)?;
        if count > MAX_TRUST_RECORDS {
            return Err(Error::Malformed);
        }
        let mut records = BTreeMap::new();
        let mut last: Option<&[u8]> = None;
        for _ in 0..count {
            let len = usize::from(r.u8()?);
            let contact = r.bytes(len)?;
            check_contact(contact).map_err(|_| Error::Malformed)?;
            if last.is_some_and(|l| l >= contact) {
                return Err(Error::Malformed);
            }
            last = Some(contact);
            let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
            let first_seen = r.u64()?;
            let verified = r.flag()?;
            let pending = if r.flag()? {
                let p = PendingChange {
                    identity: IdentityKey::from_bytes(r.bytes(64)?)?,
                    seen_at: r.u64()?,
                };
                if p.identity == identity {
                    return Err(Error::Malformed);
                }
                Some(p)
            } else {
                None
            };
            records.insert(
                Vec::from(contact),
                TrustRecord {
                    identity,
                    first_seen,
                    verified,
                    pending,
                },
            );
        }
        r.finish()?;
        Ok(TrustStore { policy, records })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_TRUST, &self.to_bytes())
    }

    /// Restores a trust store from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_TRUST, bytes)?)
    }
}
