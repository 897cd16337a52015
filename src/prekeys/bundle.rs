//! The prekey bundle a server hands to an initiator.
//!
//! ```text
//! 0x02 | 0x03 | identity (64) | spk_id u32 | spk_created u64 | spk (32) | spk_sig (64)
//!      | flags u8 (bit 0: one-time prekey, bit 1: post-quantum prekey)
//!      | [opk_id u32 | opk (32)]
//!      | [pq kind u8 (1 last resort, 2 one-time) | pq_id u32 | pq_created u64
//!         | pq (1568, ML-KEM-1024) | pq_sig (64)]
//! ```
//!
//! The flags byte was `has_opk` (0 or 1) before post-quantum prekeys, so
//! bundles without one encode exactly as before.

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::crypto::KEM_PUBLIC_LEN;
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::wire::{TYPE_PREKEY_BUNDLE, WIRE_VERSION, check_prefix};

use super::pq_prekey::{PqPrekeyKind, PqPrekeyPublic};
use super::prekey::{OneTimePrekeyPublic, SignedPrekeyPublic};

/// Flag bit: a one-time prekey follows.
pub(crate) const FLAG_ONE_TIME: u8 = 0x01;
/// Flag bit: a post-quantum prekey follows.
pub(crate) const FLAG_PQ: u8 = 0x02;

/// Largest encoded bundle (with both optional prekeys).
pub const MAX_BUNDLE_LEN: usize =
    2 + 64 + 4 + 8 + 32 + 64 + 1 + 36 + 1 + 4 + 8 + KEM_PUBLIC_LEN + 64;

/// Whether a session may be set up without a post-quantum KEM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PqPolicy {
    /// Use PQXDH whenever the bundle offers a post-quantum prekey, X3DH
    /// otherwise (a peer that has not published one yet).
    #[default]
    Prefer,
    /// Refuse a bundle, or a prekey message, without a post-quantum prekey
    /// ([`Error::PostQuantumRequired`]): no downgrade to X3DH.
    Require,
}

/// Everything an initiator needs to start a session with a device that is
/// offline: its identity, its current signed prekey, while the server has
/// any left one one-time prekey, and a post-quantum prekey (one-time while
/// any are left, else the last-resort one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// The responder's identity.
    pub identity: IdentityKey,
    /// The responder's current signed prekey.
    pub signed_prekey: SignedPrekeyPublic,
    /// One of the responder's one-time prekeys, if the server had one left.
    pub one_time_prekey: Option<OneTimePrekeyPublic>,
    /// A post-quantum prekey: with one, [`crate::Session::initiate`] runs
    /// PQXDH; without, X3DH (refused under [`PqPolicy::Require`]).
    pub pq_prekey: Option<PqPrekeyPublic>,
}

impl PrekeyBundle {
    /// Checks the signed prekey's signature, and the post-quantum prekey's
    /// if there is one, under the bundle's identity.
    pub fn verify(&self) -> Result<()> {
        self.signed_prekey.verify(&self.identity)?;
        match &self.pq_prekey {
            Some(pq) => pq.verify(&self.identity),
            None => Ok(()),
        }
    }

    /// [`Error::PostQuantumRequired`] if `policy` requires a post-quantum
    /// prekey and the bundle has none.
    pub fn check_policy(&self, policy: PqPolicy) -> Result<()> {
        if policy == PqPolicy::Require && self.pq_prekey.is_none() {
            return Err(Error::PostQuantumRequired);
        }
        Ok(())
    }

    /// The wire encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAX_BUNDLE_LEN);
        out.push(WIRE_VERSION);
        out.push(TYPE_PREKEY_BUNDLE);
        out.extend_from_slice(&self.identity.to_bytes());
        out.extend_from_slice(&self.signed_prekey.id.to_be_bytes());
        out.extend_from_slice(&self.signed_prekey.created_at.to_be_bytes());
        out.extend_from_slice(&self.signed_prekey.public);
        out.extend_from_slice(&self.signed_prekey.signature);
        let mut flags = 0;
        if self.one_time_prekey.is_some() {
            flags |= FLAG_ONE_TIME;
        }
        if self.pq_prekey.is_some() {
            flags |= FLAG_PQ;
        }
        out.push(flags);
        if let Some(opk) = &self.one_time_prekey {
            out.extend_from_slice(&opk.id.to_be_bytes());
            out.extend_from_slice(&opk.public);
        }
        if let Some(pq) = &self.pq_prekey {
            out.push(pq.kind.to_byte());
            out.extend_from_slice(&pq.id.to_be_bytes());
            out.extend_from_slice(&pq.created_at.to_be_bytes());
            out.extend_from_slice(&pq.public);
            out.extend_from_slice(&pq.signature);
        }
        out
    }

    /// Decodes a bundle (strictly; the signatures are checked by
    /// [`Self::verify`] and again when a session is initiated).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_PREKEY_BUNDLE)?;
        let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
        let id = r.u32()?;
        let created_at = r.u64()?;
        let public = r.array()?;
        let signature = r.array()?;
        let flags = r.flags(FLAG_ONE_TIME | FLAG_PQ)?;
        let one_time_prekey = if flags & FLAG_ONE_TIME != 0 {
            Some(OneTimePrekeyPublic {
                id: r.u32()?,
                public: r.array()?,
            })
        } else {
            None
        };
        let pq_prekey = if flags & FLAG_PQ != 0 {
            Some(PqPrekeyPublic {
                kind: PqPrekeyKind::from_byte(r.u8()?)?,
                id: r.u32()?,
                created_at: r.u64()?,
                public: r.array()?,
                signature: r.array()?,
            })
        } else {
            None
        };
        r.finish()?;
        Ok(PrekeyBundle {
            identity,
            signed_prekey: SignedPrekeyPublic {
                id,
                public,
                created_at,
                signature,
            },
            one_time_prekey,
            pq_prekey,
        })
    }
}
