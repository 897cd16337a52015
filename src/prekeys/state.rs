//! Persistence of a prekey store.
//!
//! ```text
//! 0x01 | 0x82 | next_signed_id u32 | next_one_time_id u32
//!      | current: spk_id u32 | created u64 | private (32) | public (32) | sig (64)
//!      | has_previous u8 | [previous spk (as above) | retired_at u64]
//!      | count u16 (≤ MAX_ONE_TIME_PREKEYS) | count × (id u32 | private (32) | public (32))
//!      | accepted u16 (≤ MAX_ACCEPTED_BASE_KEYS) | accepted × (spk_id u32 | base key[..16])
//! ```
//!
//! Every accepted entry names the current or the previous signed prekey.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::crypto::DhKeyPair;
use crate::error::{Error, Result};
use crate::sealed::{self, TYPE_PREKEY_STORE};
use crate::secret::SecretBuf;

use super::prekey::{OneTimePrekey, SignedPrekey};
use super::prekey_store::{
    BASE_KEY_TAG_LEN, MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_PREKEYS, PrekeyStore,
};

fn put_spk(out: &mut SecretBuf, spk: &SignedPrekey) {
    out.extend_from_slice(&spk.id.to_be_bytes());
    out.extend_from_slice(&spk.created_at.to_be_bytes());
    out.extend_from_slice(spk.pair.secret_bytes());
    out.extend_from_slice(spk.pair.public());
    out.extend_from_slice(&spk.signature);
}

fn read_spk(r: &mut Reader<'_>) -> Result<SignedPrekey> {
    let id = r.u32()?;
    let created_at = r.u64()?;
    let secret = Zeroizing::new(r.array::<32>()?);
    let public = r.array()?;
    Ok(SignedPrekey {
        id,
        pair: DhKeyPair::from_parts(&secret, &public)?,
        created_at,
        signature: r.array()?,
    })
}

impl PrekeyStore {
    /// The plain state encoding (holds private keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(
            TYPE_PREKEY_STORE,
            self.one_time.len().saturating_mul(68).saturating_add(300),
        );
        out.extend_from_slice(&self.next_signed_id.to_be_bytes());
        out.extend_from_slice(&self.next_one_time_id.to_be_bytes());
        put_spk(&mut out, &self.current);
        out.push(u8::from(self.previous.is_some()));
        if let Some((spk, retired)) = &self.previous {
            put_spk(&mut out, spk);
            out.extend_from_slice(&retired.to_be_bytes());
        }
        // The count is bounded by MAX_ONE_TIME_PREKEYS (< u16::MAX).
        let count = u16::try_from(self.one_time.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for k in &self.one_time {
            out.extend_from_slice(&k.id.to_be_bytes());
            out.extend_from_slice(k.pair.secret_bytes());
            out.extend_from_slice(k.pair.public());
        }
        // Bounded by MAX_ACCEPTED_BASE_KEYS (< u16::MAX).
        let accepted = u16::try_from(self.accepted.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&accepted.to_be_bytes());
        for (id, tag) in &self.accepted {
            out.extend_from_slice(&id.to_be_bytes());
            out.extend_from_slice(tag);
        }
        out.into_zeroizing()
    }

    /// Restores a store from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_PREKEY_STORE)?;
        let next_signed_id = r.u32()?;
        let next_one_time_id = r.u32()?;
        let current = read_spk(&mut r)?;
        let previous = if r.flag()? {
            let spk = read_spk(&mut r)?;
            Some((spk, r.u64()?))
        } else {
            None
        };
        let count = usize::from(r.u16()?);
        if count > MAX_ONE_TIME_PREKEYS {
            return Err(Error::Malformed);
        }
        let mut one_time: Vec<OneTimePrekey> = Vec::with_capacity(count);
        for _ in 0..count {
            let id = r.u32()?;
            let secret = Zeroizing::new(r.array::<32>()?);
            let public = r.array()?;
            // Ids are strictly increasing and below the next id to allocate.
            if id >= next_one_time_id || one_time.last().is_some_and(|k| k.id >= id) {
                return Err(Error::Malformed);
            }
            one_time.push(OneTimePrekey {
                id,
                pair: DhKeyPair::from_parts(&secret, &public)?,
            });
        }
        let accepted_count = usize::from(r.u16()?);
        if accepted_count > MAX_ACCEPTED_BASE_KEYS {
            return Err(Error::Malformed);
        }
        let previous_id = previous.as_ref().map(|(p, _)| p.id);
        let mut accepted = Vec::with_capacity(accepted_count);
        for _ in 0..accepted_count {
            let id = r.u32()?;
            let tag: [u8; BASE_KEY_TAG_LEN] = r.array()?;
            if id != current.id && Some(id) != previous_id {
                return Err(Error::Malformed);
            }
            accepted.push((id, tag));
        }
        r.finish()?;
        if current.id >= next_signed_id {
            return Err(Error::Malformed);
        }
        Ok(PrekeyStore {
            current,
            previous,
            one_time,
            next_signed_id,
            next_one_time_id,
            accepted,
        })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_PREKEY_STORE, &self.to_bytes())
    }

    /// Restores a store from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_PREKEY_STORE, bytes)?)
    }
}
