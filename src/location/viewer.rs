//! A viewer's side of a live location: [`LocationViewer`] verifies and
//! decrypts the updates of one sender's share: it checks the signature, then
//! opens the body, of
//!
//! ```text
//! MK(i)       = the ratchet's message key at iteration i (ratchet.rs)
//! key ‖ nonce = HKDF-SHA256(salt = 0x00 × 32, IKM = MK(i), info = "sotto v1 location keys", 44)
//! header      = 0x02 | 0x06 | share_id u32 | i u32
//! body        = AES-256-GCM-SIV(key, nonce, payload (48), AD = header)
//! signature   = Ed25519(sign_key, "sotto v1 location update" ‖ len(ctx) u8 ‖ ctx ‖ header ‖ body)
//! ```
//!
//! A viewer keeps only the latest position: an update at or below the newest
//! one it decrypted is [`Error::Stale`] and is dropped without being
//! decrypted, so no skipped keys exist. After the share's end time, updates
//! are [`Error::Expired`].

use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::VerifyingKey;
use zeroize::Zeroizing;

use crate::crypto::{self, MessageKey};
use crate::error::{Error, Result};
use crate::group::group_id_len;
use crate::identity::IdentityKey;

use super::payload::{LOCATION_PAYLOAD_LEN, Location};
use super::ratchet::Ratchet;
use super::wire;
use super::{LABEL_LOCATION_KEYS, LABEL_LOCATION_SIGNATURE};

/// A viewer's side of one sender's live-location share.
pub struct LocationViewer {
    pub(super) context: Vec<u8>,
    pub(super) sender: IdentityKey,
    pub(super) share_id: u32,
    pub(super) expires_at: u64,
    pub(super) ratchet: Ratchet,
    pub(super) signing: VerifyingKey,
    /// The newest location decrypted.
    pub(super) latest: Option<Location>,
}

impl fmt::Debug for LocationViewer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocationViewer")
            .field("sender", &self.sender)
            .field("share_id", &self.share_id)
            .field("expires_at", &self.expires_at)
            .field("next", &self.ratchet.next)
            .finish_non_exhaustive()
    }
}

impl LocationViewer {
    /// Creates a viewer from `sender`'s distribution, received over the
    /// pairwise session with `sender`, for the conversation `context`. The
    /// distribution must be bound to `sender` ([`Error::InvalidSignature`]
    /// otherwise: someone else's share passed off as the sender's).
    pub fn new(context: &[u8], sender: &IdentityKey, distribution: &[u8]) -> Result<Self> {
        let d = wire::parse_distribution(distribution)?;
        if d.context != context {
            return Err(Error::GroupMismatch);
        }
        d.verify_owner(sender)?;
        Ok(LocationViewer {
            context: Vec::from(d.context),
            sender: *sender,
            share_id: d.share_id,
            expires_at: d.expires_at,
            ratchet: d.ratchet,
            signing: d.signing_key,
            latest: None,
        })
    }

    /// Takes a new distribution from the same sender (after a rotation),
    /// received over the pairwise session with the sender: it must be bound
    /// to the sender ([`Error::InvalidSignature`] otherwise). A distribution
    /// of the current share changes nothing, so a repeated one cannot rewind
    /// the ratchet; a new share replaces the old one, whose updates are then
    /// refused. On any error nothing changes.
    pub fn process_distribution(&mut self, distribution: &[u8]) -> Result<()> {
        let d = wire::parse_distribution(distribution)?;
        if d.context != self.context.as_slice() {
            return Err(Error::GroupMismatch);
        }
        d.verify_owner(&self.sender)?;
        if d.share_id == self.share_id && d.signing_key == self.signing {
            return Ok(());
        }
        self.share_id = d.share_id;
        self.expires_at = d.expires_at;
        self.ratchet = d.ratchet;
        self.signing = d.signing_key;
        Ok(())
    }

    /// The sender.
    pub fn sender(&self) -> &IdentityKey {
        &self.sender
    }

    /// The app's conversation context the share belongs to.
    pub fn context(&self) -> &[u8] {
        &self.context
    }

    /// The newest location decrypted so far.
    pub fn latest(&self) -> Option<&Location> {
        self.latest.as_ref()
    }

    /// When the share ends, seconds since the epoch.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Permanently moves the viewer to `iteration`: updates below it are
    /// refused from now on, and the keys that could read them are gone (like
    /// Megolm's `advance_to`). Useful to drop a backlog unread. Moving
    /// backwards is [`Error::Stale`]; nothing changes on error.
    pub fn skip_to(&mut self, iteration: u32) -> Result<()> {
        if iteration < self.ratchet.next {
            return Err(Error::Stale);
        }
        if let Some(last) = iteration.checked_sub(1)
            && iteration > self.ratchet.next
        {
            self.ratchet = self.ratchet.use_at(last)?.1;
        }
        Ok(())
    }

    /// Verifies and decrypts an update. Only a newer update than the newest
    /// one decrypted is accepted; an older one or a replay is
    /// [`Error::Stale`], decided before any key is derived. After the end
    /// time every update is [`Error::Expired`]. On any error nothing changes.
    pub fn decrypt(&mut self, update: &[u8], now: u64) -> Result<Location> {
        if now > self.expires_at {
            return Err(Error::Expired);
        }
        let u = wire::parse_update(update)?;
        if u.share_id != self.share_id {
            return Err(Error::UnknownSenderKey);
        }
        if u.iteration < self.ratchet.next {
            return Err(Error::Stale);
        }
        let id_len = group_id_len(&self.context)?;
        crypto::verify_parts_checked(
            &self.signing,
            &[LABEL_LOCATION_SIGNATURE, &[id_len], &self.context, u.signed],
            &u.signature,
        )?;
        let (mk, after) = self.ratchet.use_at(u.iteration)?;
        let payload = MessageKey::derive(&mk, LABEL_LOCATION_KEYS).open(u.header, u.sealed)?;
        let payload = Zeroizing::new(payload);
        if payload.len() != LOCATION_PAYLOAD_LEN {
            return Err(Error::Malformed);
        }
        let location = Location::decode(&payload)?;
        // The sender's own clock must agree that the share was still on.
        if location.timestamp_ms / 1000 > self.expires_at {
            return Err(Error::Expired);
        }
        self.ratchet = after;
        self.latest = Some(location);
        Ok(location)
    }
}
