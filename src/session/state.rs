//! Persistence of a session.
//!
//! ```text
//! 0x04 | 0x83 | ad (32) | remote identity (64) | root key (32)
//!      | DHs private (32) | DHs public (32)
//!      | has_dhr u8 | [DHr (32)]
//!      | has_sending u8 | [CKs (32) | Ns u32]
//!      | PN u32
//!      | has_receiving u8 | [ratchet key (32) | CKr (32) | Nr u32]
//!      | has_pending u8 | [identity (64) | base key (32) | spk_id u32
//!                           | flags u8 | [opk_id u32] | [pq kind u8 | pq_id u32 | kem ct (1568)]]
//!                           (the prekey message's encoding; flags was has_opk before 0x04)
//!      | has_their_base u8 | [base key (32)]
//!      | old count u8 (≤ MAX_OLD_CHAINS)
//!      | count × (ratchet key (32) | CK (32) | next u32 | end u32 | closed_at u64 (absent in 0x02))
//!      | skipped count u16 (≤ MAX_SKIPPED_KEYS)
//!      | count × (ratchet key (32) | n u32 | stored_at u64 (absent in version 0x02) | seed (32))
//!      | retired_at u64 (absent in version 0x02): when a session record archived it
//!      | post_quantum u8 (absent before 0x04): set up with PQXDH
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::chain::Chain;
use crate::codec::Reader;
use crate::crypto::{DhKeyPair, KEM_CIPHERTEXT_LEN};
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::sealed::{self, TYPE_SESSION};
use crate::secret::Secret32;

use super::Session;
use super::ratchet::{MAX_OLD_CHAINS, MAX_SKIPPED_KEYS};
use super::receiving::ReceiverChain;
use super::skipped::{SkippedKey, SkippedKeys};
use super::wire::{Preamble, put_prekey_ids, read_prekey_ids};

fn secret(r: &mut Reader<'_>) -> Result<Secret32> {
    let mut a = r.array::<32>()?;
    let s = Secret32::new(a);
    zeroize::Zeroize::zeroize(&mut a);
    Ok(s)
}

impl Session {
    /// The plain state encoding (holds keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.encode(sealed::STATE_VERSION)
    }

    /// The encoding of `version` (0x02 only in tests: what older releases wrote).
    fn encode(&self, version: u8) -> Zeroizing<Vec<u8>> {
        let v3 = version != sealed::STATE_VERSION_2;
        let mut out = sealed::begin(
            TYPE_SESSION,
            self.skipped.len().saturating_mul(76).saturating_add(400),
        );
        out.extend_from_slice(&self.ad);
        out.extend_from_slice(&self.remote_identity.to_bytes());
        out.extend_from_slice(self.root.expose());
        out.extend_from_slice(self.dhs.secret_bytes());
        out.extend_from_slice(self.dhs.public());
        out.push(u8::from(self.dhr.is_some()));
        if let Some(dhr) = &self.dhr {
            out.extend_from_slice(dhr);
        }
        out.push(u8::from(self.sending.is_some()));
        if let Some(c) = &self.sending {
            out.extend_from_slice(c.key().expose());
            out.extend_from_slice(&c.next().to_be_bytes());
        }
        out.extend_from_slice(&self.prev_sending_len.to_be_bytes());
        out.push(u8::from(self.receiving.is_some()));
        if let Some(c) = &self.receiving {
            out.extend_from_slice(&c.ratchet_key);
            out.extend_from_slice(c.chain.key().expose());
            out.extend_from_slice(&c.next().to_be_bytes());
        }
        out.push(u8::from(self.pending.is_some()));
        if let Some(p) = &self.pending {
            out.extend_from_slice(&p.identity.to_bytes());
            out.extend_from_slice(&p.base_key);
            out.extend_from_slice(&p.spk_id.to_be_bytes());
            // Public bytes (ids and the KEM ciphertext), as the message has them.
            let mut ids = Vec::with_capacity(1 + 4 + 1 + 4 + KEM_CIPHERTEXT_LEN);
            put_prekey_ids(&mut ids, p.opk_id, p.pq.as_ref());
            out.extend_from_slice(&ids);
        }
        out.push(u8::from(self.their_base_key.is_some()));
        if let Some(b) = &self.their_base_key {
            out.extend_from_slice(b);
        }
        // Both counts are bounded by their constants (4 and 2000).
        out.push(u8::try_from(self.old_chains.len()).unwrap_or(u8::MAX));
        for c in &self.old_chains {
            out.extend_from_slice(&c.ratchet_key);
            out.extend_from_slice(c.chain.key().expose());
            out.extend_from_slice(&c.next().to_be_bytes());
            out.extend_from_slice(&c.end.unwrap_or(0).to_be_bytes());
            if v3 {
                out.extend_from_slice(&c.closed_at.to_be_bytes());
            }
        }
        let count = u16::try_from(self.skipped.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for k in self.skipped.iter() {
            out.extend_from_slice(&k.ratchet_key);
            out.extend_from_slice(&k.n.to_be_bytes());
            if v3 {
                out.extend_from_slice(&k.stored_at.to_be_bytes());
            }
            out.extend_from_slice(k.seed.expose());
        }
        if v3 {
            out.extend_from_slice(&self.retired_at.to_be_bytes());
        }
        if version >= sealed::STATE_VERSION_4 {
            out.push(u8::from(self.post_quantum));
        }
        let mut out = out.into_zeroizing();
        if let Some(v) = out.first_mut() {
            *v = version;
        }
        out
    }

    /// Restores a session from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let version = sealed::check(&mut r, TYPE_SESSION)?;
        let ad = r.array()?;
        let remote_identity = IdentityKey::from_bytes(r.bytes(64)?)?;
        let root = secret(&mut r)?;
        let dhs_secret = secret(&mut r)?;
        let dhs = DhKeyPair::from_stored(dhs_secret.expose(), &r.array()?);
        let dhr = if r.flag()? { Some(r.array()?) } else { None };
        let sending = if r.flag()? {
            Some(Chain::new(secret(&mut r)?, r.u32()?))
        } else {
            None
        };
        let prev_sending_len = r.u32()?;
        let receiving = if r.flag()? {
            Some(ReceiverChain {
                ratchet_key: r.array()?,
                chain: Chain::new(secret(&mut r)?, r.u32()?),
                end: None,
                closed_at: 0,
            })
        } else {
            None
        };
        let pending = if r.flag()? {
            let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
            let base_key = r.array()?;
            let spk_id = r.u32()?;
            let (opk_id, pq) = read_prekey_ids(&mut r)?;
            Some(Box::new(Preamble {
                identity,
                base_key,
                spk_id,
                opk_id,
                pq,
            }))
        } else {
            None
        };
        let their_base_key = if r.flag()? { Some(r.array()?) } else { None };
        let old_count = usize::from(r.u8()?);
        if old_count > MAX_OLD_CHAINS {
            return Err(Error::Malformed);
        }
        let mut old_chains = Vec::with_capacity(old_count);
        for _ in 0..old_count {
            let chain = ReceiverChain {
                ratchet_key: r.array()?,
                chain: Chain::new(secret(&mut r)?, r.u32()?),
                end: Some(r.u32()?),
                closed_at: if version == sealed::STATE_VERSION_2 {
                    0
                } else {
                    r.u64()?
                },
            };
            if chain.is_exhausted() {
                return Err(Error::Malformed);
            }
            old_chains.push(chain);
        }
        let skipped_count = usize::from(r.u16()?);
        if skipped_count > MAX_SKIPPED_KEYS {
            return Err(Error::Malformed);
        }
        let mut skipped = SkippedKeys::default();
        for _ in 0..skipped_count {
            skipped.push(SkippedKey {
                ratchet_key: r.array()?,
                n: r.u32()?,
                stored_at: if version == sealed::STATE_VERSION_2 {
                    0
                } else {
                    r.u64()?
                },
                seed: Box::new(secret(&mut r)?),
            });
        }
        let retired_at = if version == sealed::STATE_VERSION_2 {
            0
        } else {
            r.u64()?
        };
        let post_quantum = version >= sealed::STATE_VERSION_4 && r.flag()?;
        r.finish()?;
        // A session still sending its setup says how it was set up.
        if pending
            .as_ref()
            .is_some_and(|p| p.pq.is_some() != post_quantum)
        {
            return Err(Error::Malformed);
        }
        // A session can send only if it has a chain or can make one.
        if sending.is_none() && dhr.is_none() {
            return Err(Error::Malformed);
        }
        Ok(Session {
            ad,
            remote_identity,
            root: Box::new(root),
            dhs,
            dhr,
            sending,
            prev_sending_len,
            receiving,
            old_chains,
            skipped,
            pending,
            their_base_key,
            post_quantum,
            retired_at,
        })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_SESSION, &self.to_bytes())
    }

    /// Restores a session from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_SESSION, bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IdentityKeyPair, PrekeyBundle, PrekeyStore};

    use crate::test_rng::Rng;

    /// A version-0x02 state (no times on kept keys) still opens, with its
    /// keys unstamped, and so does a 0x03 one (no post-quantum flag); both
    /// are written back as 0x04.
    #[test]
    fn version_2_states_are_read() {
        let mut rng = Rng(7);
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let mut prekeys = PrekeyStore::new(&mut rng, &bob, 1);
        let bundle = PrekeyBundle {
            identity: *bob.public_key(),
            signed_prekey: prekeys.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: None,
        };
        let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
        let first = a.encrypt(&mut rng, b"0").unwrap();
        let mut b = prekeys.accept(&bob, &first, 1).unwrap().session;
        let reply = b.encrypt(&mut rng, b"r").unwrap();
        a.decrypt(&reply).unwrap();
        let mut last = alloc::vec::Vec::new();
        for _ in 0..5 {
            last = a.encrypt(&mut rng, b"m").unwrap();
        }
        b.decrypt(&last).unwrap();
        assert_eq!(b.skipped_key_count(), 4);
        b.stamp_skipped_keys(100);
        let v2 = b.encode(sealed::STATE_VERSION_2);
        let v3 = b.encode(0x03);
        let v4 = b.to_bytes();
        assert_eq!(v3.len() - v2.len(), 4 * 8 + 8);
        assert_eq!(v4.len() - v3.len(), 1);
        assert!(!Session::from_bytes(&v3).unwrap().is_post_quantum());
        assert_eq!(Session::from_bytes(&v3).unwrap().to_bytes()[..], v4[..]);
        let mut old = Session::from_bytes(&v2).unwrap();
        assert_eq!(old.skipped_key_count(), 4);
        // Unstamped keys are never forgotten by age until stamped.
        assert_eq!(old.forget_kept_keys(u64::MAX), 0);
        old.stamp_skipped_keys(200);
        assert_eq!(old.forget_kept_keys(199), 0);
        assert_eq!(old.forget_kept_keys(200), 4);
        assert_eq!(old.to_bytes()[0], sealed::STATE_VERSION);
        // The stamped state keeps its times.
        let mut new = Session::from_bytes(&v4).unwrap();
        assert_eq!(new.forget_kept_keys(99), 0);
        assert_eq!(new.forget_kept_keys(100), 4);
    }
}
