//! The prekey bundle a server hands to an initiator.
//!
//! ```text
//! 0x02 | 0x03 | identity (64) | spk_id u32 | spk_created u64 | spk (32) | spk_sig (64)
//!      | has_opk u8 (0|1) | [opk_id u32 | opk (32)]
//! ```

use alloc::vec::Vec;

use crate::codec::{Reader, put_flag};
use crate::error::Result;
use crate::identity::IdentityKey;
use crate::wire::{TYPE_PREKEY_BUNDLE, WIRE_VERSION, check_prefix};

use super::prekey::{OneTimePrekeyPublic, SignedPrekeyPublic};

/// Everything an initiator needs to start a session with a device that is
/// offline: its identity, its current signed prekey and, while the server
/// has any left, one one-time prekey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// The responder's identity.
    pub identity: IdentityKey,
    /// The responder's current signed prekey.
    pub signed_prekey: SignedPrekeyPublic,
    /// One of the responder's one-time prekeys, if the server had one left.
    pub one_time_prekey: Option<OneTimePrekeyPublic>,
}

impl PrekeyBundle {
    /// Checks the signed prekey's signature under the bundle's identity.
    pub fn verify(&self) -> Result<()> {
        self.signed_prekey.verify(&self.identity)
    }

    /// The wire encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(216);
        out.push(WIRE_VERSION);
        out.push(TYPE_PREKEY_BUNDLE);
        out.extend_from_slice(&self.identity.to_bytes());
        out.extend_from_slice(&self.signed_prekey.id.to_be_bytes());
        out.extend_from_slice(&self.signed_prekey.created_at.to_be_bytes());
        out.extend_from_slice(&self.signed_prekey.public);
        out.extend_from_slice(&self.signed_prekey.signature);
        put_flag(&mut out, self.one_time_prekey.is_some());
        if let Some(opk) = &self.one_time_prekey {
            out.extend_from_slice(&opk.id.to_be_bytes());
            out.extend_from_slice(&opk.public);
        }
        out
    }

    /// Decodes a bundle (strictly; the signature is checked by [`Self::verify`]
    /// and again when a session is initiated).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_PREKEY_BUNDLE)?;
        let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
        let id = r.u32()?;
        let created_at = r.u64()?;
        let public = r.array()?;
        let signature = r.array()?;
        let one_time_prekey = if r.flag()? {
            Some(OneTimePrekeyPublic {
                id: r.u32()?,
                public: r.array()?,
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
        })
    }
}
