//! Persistence of a prekey store.
//!
//! ```text
//! 0x04 | 0x82 | next_signed_id u32 | next_one_time_id u32
//!      | current: spk_id u32 | created u64 | private (32) | public (32) | sig (64)
//!               | has_pq u8 | [pq seed (64) | pq sig (64)]          (absent before 0x04)
//!      | has_previous u8 | [previous spk (as above) | retired_at u64]
//!      | count u16 (≤ MAX_ONE_TIME_PREKEYS) | count × (id u32 | private (32) | public (32))
//!      | accepted u16 (≤ MAX_ACCEPTED_BASE_KEYS) | accepted × (spk_id u32 | base key[..16])
//!      | pq_policy u8 (0 prefer, 1 require) | next_pq_id u32          (absent before 0x04)
//!      | pq count u16 (≤ MAX_PQ_ONE_TIME_PREKEYS)
//!      | pq count × (id u32 | created u64 | seed (64) | sig (64))
//! ```
//!
//! Accepted entries naming a signed prekey no longer held are dropped on
//! reading (they can no longer match any message). A
//! last-resort post-quantum prekey shares its signed prekey's id and time.
//! A store of an earlier version loads with no post-quantum prekeys (none
//! is made without randomness): rotate its signed prekey to get one.

use alloc::boxed::Box;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::crypto::{DhKeyPair, KEM_SEED_LEN};
use crate::error::{Error, Result};
use crate::sealed::{self, TYPE_PREKEY_STORE};
use crate::secret::SecretBuf;

use super::bundle::PqPolicy;
use super::pq_prekey::{PqPrekey, PqPrekeyKind};
use super::prekey::{OneTimePrekey, SignedPrekey};
use super::prekey_store::{
    BASE_KEY_TAG_LEN, MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_PREKEYS, MAX_PQ_ONE_TIME_PREKEYS,
    PrekeyStore,
};

fn put_spk(out: &mut SecretBuf, spk: &SignedPrekey) {
    out.extend_from_slice(&spk.id.to_be_bytes());
    out.extend_from_slice(&spk.created_at.to_be_bytes());
    out.extend_from_slice(spk.pair.secret_bytes());
    out.extend_from_slice(spk.pair.public());
    out.extend_from_slice(&spk.signature);
    out.push(u8::from(spk.pq.is_some()));
    if let Some(pq) = &spk.pq {
        out.extend_from_slice(pq.seed.as_slice());
        out.extend_from_slice(&pq.signature);
    }
}

fn read_seed(r: &mut Reader<'_>) -> Result<Box<Zeroizing<[u8; KEM_SEED_LEN]>>> {
    let mut seed = Box::new(Zeroizing::new([0u8; KEM_SEED_LEN]));
    seed.copy_from_slice(r.bytes(KEM_SEED_LEN)?);
    Ok(seed)
}

fn read_spk(r: &mut Reader<'_>, v4: bool) -> Result<SignedPrekey> {
    let id = r.u32()?;
    let created_at = r.u64()?;
    let secret = Zeroizing::new(r.array::<32>()?);
    let public = r.array()?;
    let signature = r.array()?;
    let pq = if v4 && r.flag()? {
        Some(PqPrekey {
            kind: PqPrekeyKind::LastResort,
            id,
            created_at,
            seed: read_seed(r)?,
            signature: r.array()?,
        })
    } else {
        None
    };
    Ok(SignedPrekey {
        id,
        pair: DhKeyPair::from_parts(&secret, &public)?,
        created_at,
        signature,
        pq,
    })
}

/// The post-quantum section of a 0x04 state: policy, next id, one-time keys.
fn read_pq(r: &mut Reader<'_>) -> Result<(PqPolicy, u32, Vec<PqPrekey>)> {
    let policy = if r.flag()? {
        PqPolicy::Require
    } else {
        PqPolicy::Prefer
    };
    let next_id = r.u32()?;
    let count = usize::from(r.u16()?);
    if count > MAX_PQ_ONE_TIME_PREKEYS || next_id == 0 {
        return Err(Error::Malformed);
    }
    let mut keys: Vec<PqPrekey> = Vec::with_capacity(count);
    for _ in 0..count {
        let id = r.u32()?;
        // Ids are strictly increasing and below the next id to allocate.
        if id >= next_id || keys.last().is_some_and(|k| k.id >= id) {
            return Err(Error::Malformed);
        }
        keys.push(PqPrekey {
            kind: PqPrekeyKind::OneTime,
            id,
            created_at: r.u64()?,
            seed: read_seed(r)?,
            signature: r.array()?,
        });
    }
    Ok((policy, next_id, keys))
}

impl PrekeyStore {
    /// The plain state encoding (holds private keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(
            TYPE_PREKEY_STORE,
            self.one_time
                .len()
                .saturating_mul(68)
                .saturating_add(self.pq_one_time.len().saturating_mul(140))
                .saturating_add(600),
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
        out.push(u8::from(self.pq_policy == PqPolicy::Require));
        out.extend_from_slice(&self.next_pq_id.to_be_bytes());
        // Bounded by MAX_PQ_ONE_TIME_PREKEYS (< u16::MAX).
        let pq_count = u16::try_from(self.pq_one_time.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&pq_count.to_be_bytes());
        for k in &self.pq_one_time {
            out.extend_from_slice(&k.id.to_be_bytes());
            out.extend_from_slice(&k.created_at.to_be_bytes());
            out.extend_from_slice(k.seed.as_slice());
            out.extend_from_slice(&k.signature);
        }
        out.into_zeroizing()
    }

    /// Restores a store from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v4 = sealed::check(&mut r, TYPE_PREKEY_STORE)? >= sealed::STATE_VERSION_4;
        let next_signed_id = r.u32()?;
        let next_one_time_id = r.u32()?;
        let current = read_spk(&mut r, v4)?;
        let previous = if r.flag()? {
            let spk = read_spk(&mut r, v4)?;
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
            // An entry naming a signed prekey no longer held is dropped:
            // a message naming that prekey is refused anyway (stores that
            // retired their previous signed prekey kept such entries).
            if id == current.id || Some(id) == previous_id {
                accepted.push((id, tag));
            }
        }
        let (pq_policy, next_pq_id, pq_one_time) = if v4 {
            read_pq(&mut r)?
        } else {
            (PqPolicy::Prefer, 1, Vec::new())
        };
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
            pq_one_time,
            next_pq_id,
            pq_policy,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdentityKeyPair;
    use crate::test_rng::Rng;

    /// A version-0x03 store (no post-quantum fields) still opens, with no
    /// post-quantum prekey until its signed prekey rotates, and is written
    /// back as 0x04.
    #[test]
    fn version_3_stores_are_read() {
        let mut rng = Rng(3);
        let id = IdentityKeyPair::generate(&mut rng);
        let mut store = PrekeyStore::new(&mut rng, &id, 1);
        store.generate_one_time_prekeys(&mut rng, 2).unwrap();
        store.current.pq = None;
        let v4 = store.to_bytes();
        // The v3 layout: no has_pq byte after the signed prekey, no
        // trailing section (policy 1, next id 4, count 2).
        let has_pq = 2 + 4 + 4 + 4 + 8 + 32 + 32 + 64;
        assert_eq!(v4[has_pq], 0);
        let mut v3 = [&v4[..has_pq], &v4[has_pq + 1..v4.len() - 7]].concat();
        v3[0] = 0x03;
        let mut old = PrekeyStore::from_bytes(&v3).unwrap();
        assert!(old.pq_prekey().is_none());
        assert_eq!(old.one_time_prekey_count(), 2);
        assert_eq!(old.to_bytes()[..], v4[..]);
        old.rotate_signed_prekey(&mut rng, &id, 2).unwrap();
        let pq = old.pq_prekey().unwrap();
        assert!(pq.verify(id.public_key()).is_ok());
        // A v3 state with the v4 fields is refused (trailing bytes).
        let mut wrong = v4.to_vec();
        wrong[0] = 0x03;
        assert!(PrekeyStore::from_bytes(&wrong).is_err());
    }
}
