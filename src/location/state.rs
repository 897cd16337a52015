//! Persistence of live-location shares and viewers.
//!
//! ```text
//! share  (0x86): ctx_len u8 (1..=64) | ctx | owner identity (64) | share_id u32 | expires_at u64 | precision u8
//!                | next u32 | D × key (32) | signing seed (32)
//!                | viewer count u16 (≤ MAX_VIEWERS) | count × identity (64)
//! viewer (0x87): ctx_len u8 (1..=64) | ctx | sender identity (64) | share_id u32 | expires_at u64
//!                | next u32 | D × key (32) | signing public (32)
//!                | has_latest u8 | [location payload (48)]
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::MAX_VIEWERS;
use super::payload::{Location, Precision};
use super::share::LocationShare;
use super::viewer::LocationViewer;
use super::wire::read_ratchet;
use crate::codec::Reader;
use crate::crypto;
use crate::error::{Error, Result};
use crate::group::read_group_id;
use crate::identity::IdentityKey;
use crate::sealed::{self, TYPE_LOCATION_SHARE, TYPE_LOCATION_VIEWER};
use crate::secret::{Secret32, SecretBuf};

fn put_context(out: &mut SecretBuf, ctx: &[u8]) {
    // Validated on creation (1..=64 bytes).
    out.push(u8::try_from(ctx.len()).unwrap_or(0));
    out.extend_from_slice(ctx);
}

fn put_ratchet(out: &mut SecretBuf, next: u32, keys: &[Secret32]) {
    out.extend_from_slice(&next.to_be_bytes());
    for k in keys {
        out.extend_from_slice(k.expose());
    }
}

impl LocationShare {
    /// The plain state encoding (holds keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(
            TYPE_LOCATION_SHARE,
            self.viewers.len().saturating_mul(64).saturating_add(464),
        );
        put_context(&mut out, &self.context);
        out.extend_from_slice(&self.owner.to_bytes());
        out.extend_from_slice(&self.share_id.to_be_bytes());
        out.extend_from_slice(&self.expires_at.to_be_bytes());
        out.push(self.precision.code());
        put_ratchet(&mut out, self.ratchet.next, &self.ratchet.keys[..]);
        out.extend_from_slice(&*Zeroizing::new(self.signing.to_bytes()));
        // Bounded by MAX_VIEWERS.
        let count = u16::try_from(self.viewers.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for v in &self.viewers {
            out.extend_from_slice(&v.to_bytes());
        }
        out.into_zeroizing()
    }

    /// Restores a share from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_LOCATION_SHARE)?;
        let context = Vec::from(read_group_id(&mut r)?);
        let owner = IdentityKey::from_bytes(r.bytes(64)?)?;
        let share_id = r.u32()?;
        let expires_at = r.u64()?;
        let precision = Precision::from_code(r.u8()?)?;
        let ratchet = read_ratchet(&mut r)?;
        let signing = SigningKey::from_bytes(&Zeroizing::new(r.array::<32>()?));
        let count = usize::from(r.u16()?);
        if count > MAX_VIEWERS {
            return Err(Error::Malformed);
        }
        let mut viewers: Vec<IdentityKey> = Vec::with_capacity(count);
        for _ in 0..count {
            let v = IdentityKey::from_bytes(r.bytes(64)?)?;
            if viewers.contains(&v) {
                return Err(Error::Malformed);
            }
            viewers.push(v);
        }
        r.finish()?;
        Ok(LocationShare {
            context,
            owner,
            share_id,
            expires_at,
            precision,
            ratchet,
            signing: Box::new(signing),
            viewers,
        })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_LOCATION_SHARE, &self.to_bytes())
    }

    /// Restores a share from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_LOCATION_SHARE, bytes)?)
    }
}

impl LocationViewer {
    /// The plain state encoding (holds keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(TYPE_LOCATION_VIEWER, 500);
        put_context(&mut out, &self.context);
        out.extend_from_slice(&self.sender.to_bytes());
        out.extend_from_slice(&self.share_id.to_be_bytes());
        out.extend_from_slice(&self.expires_at.to_be_bytes());
        put_ratchet(&mut out, self.ratchet.next, &self.ratchet.keys[..]);
        out.extend_from_slice(self.signing.as_bytes());
        let latest = self.latest.and_then(|l| l.encode().ok());
        out.push(u8::from(latest.is_some()));
        if let Some(l) = latest {
            out.extend_from_slice(&l);
        }
        out.into_zeroizing()
    }

    /// Restores a viewer from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_LOCATION_VIEWER)?;
        let context = Vec::from(read_group_id(&mut r)?);
        let sender = IdentityKey::from_bytes(r.bytes(64)?)?;
        let share_id = r.u32()?;
        let expires_at = r.u64()?;
        let ratchet = read_ratchet(&mut r)?;
        let signing = crypto::ed25519_public_checked(&r.array()?)?;
        let latest = if r.flag()? {
            Some(Location::decode(r.bytes(super::LOCATION_PAYLOAD_LEN)?)?)
        } else {
            None
        };
        r.finish()?;
        Ok(LocationViewer {
            context,
            sender,
            share_id,
            expires_at,
            ratchet,
            signing,
            latest,
        })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_LOCATION_VIEWER, &self.to_bytes())
    }

    /// Restores a viewer from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_LOCATION_VIEWER, bytes)?)
    }
}
