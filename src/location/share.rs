//! The sender's side of a live location: [`LocationShare`] encrypts and signs
//! each update once for every viewer.
//!
//! ```text
//! MK(i)       = the ratchet's message key at iteration i (ratchet.rs)
//! key ‖ nonce = HKDF-SHA256(salt = 0x00 × 32, IKM = MK(i), info = "sotto v1 location keys", 44)
//! header      = 0x02 | 0x06 | share_id u32 | i u32
//! body        = AES-256-GCM-SIV(key, nonce, payload (48), AD = header)
//! signature   = Ed25519(sign_key, "sotto v1 location update" ‖ len(ctx) u8 ‖ ctx ‖ header ‖ body)
//! ```
//!
//! After the share's end time, updates are [`Error::Expired`] on both sides.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::payload::{Location, Precision};
use super::ratchet::Ratchet;
use super::wire::{self as wire, LOCATION_UPDATE_LEN};
use super::{LABEL_LOCATION_KEYS, LABEL_LOCATION_SIGNATURE, MAX_VIEWERS};
use crate::crypto::{self, MessageKey};
use crate::error::{Error, Result};
use crate::group::group_id_len;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::secret::Secret32;

/// The sender's side of a live-location share.
pub struct LocationShare {
    pub(super) context: Vec<u8>,
    /// Our identity, which the distributions name as the sharer.
    pub(super) owner: IdentityKey,
    pub(super) share_id: u32,
    pub(super) expires_at: u64,
    pub(super) precision: Precision,
    pub(super) ratchet: Ratchet,
    /// Boxed, like the ratchet keys.
    pub(super) signing: Box<SigningKey>,
    pub(super) viewers: Vec<IdentityKey>,
}

impl fmt::Debug for LocationShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocationShare")
            .field("share_id", &self.share_id)
            .field("expires_at", &self.expires_at)
            .field("next", &self.ratchet.next)
            .field("viewers", &self.viewers.len())
            .finish_non_exhaustive()
    }
}

fn fresh_keys<R: CryptoRng + ?Sized>(
    rng: &mut R,
    previous: Option<u32>,
) -> (u32, Ratchet, Box<SigningKey>) {
    let mut share_id = u32::from_be_bytes(crypto::random_array(rng));
    if Some(share_id) == previous {
        share_id = share_id.wrapping_add(1);
    }
    let seed = Secret32::new(*Zeroizing::new(crypto::random_array(rng)));
    (
        share_id,
        Ratchet::from_seed(seed),
        Box::new(SigningKey::generate(rng)),
    )
}

impl LocationShare {
    /// Starts sharing in the app's conversation `context` (1 to 64 bytes)
    /// with `viewers`, until `expires_at` (seconds since the epoch), at
    /// `precision`. `identity` is ours, the one our pairwise sessions carry:
    /// the distributions name it as the sharer, and viewers accept them only
    /// over a session with it. Send [`LocationShare::distribution`] to each
    /// viewer over their pairwise session.
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        context: &[u8],
        viewers: &[IdentityKey],
        expires_at: u64,
        precision: Precision,
    ) -> Result<Self> {
        group_id_len(context)?;
        let (share_id, ratchet, signing) = fresh_keys(rng, None);
        let mut share = LocationShare {
            context: Vec::from(context),
            owner: *identity.public_key(),
            share_id,
            expires_at,
            precision,
            ratchet,
            signing,
            viewers: Vec::new(),
        };
        for v in viewers {
            share.insert_viewer(v)?;
        }
        Ok(share)
    }

    /// The share's current state for a viewer: it decrypts updates from now
    /// on, never earlier ones (the buffer holds keys and is wiped on drop).
    pub fn distribution(&self) -> Zeroizing<Vec<u8>> {
        // The context was validated on creation.
        wire::encode_distribution(
            &self.context,
            &self.owner,
            self.share_id,
            self.expires_at,
            &self.ratchet,
            &self.signing,
        )
        .unwrap_or_else(|_| Zeroizing::new(Vec::new()))
    }

    /// Our own identity, which the distributions name as the sharer.
    pub fn owner(&self) -> &IdentityKey {
        &self.owner
    }

    /// The viewers.
    pub fn viewers(&self) -> &[IdentityKey] {
        &self.viewers
    }

    /// The app's conversation context the share belongs to.
    pub fn context(&self) -> &[u8] {
        &self.context
    }

    /// The share id of the current key.
    pub fn share_id(&self) -> u32 {
        self.share_id
    }

    /// When the share ends, seconds since the epoch.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// Adds a viewer and returns the distribution to send them (the current
    /// position: earlier updates stay unreadable to them).
    pub fn add_viewer(&mut self, viewer: &IdentityKey) -> Result<Zeroizing<Vec<u8>>> {
        self.insert_viewer(viewer)?;
        Ok(self.distribution())
    }

    /// Removes a viewer and rotates the key (new share id, ratchet and
    /// signing key); returns the distribution for the remaining viewers.
    pub fn remove_viewer<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        viewer: &IdentityKey,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let pos = self
            .viewers
            .iter()
            .position(|v| v == viewer)
            .ok_or(Error::NotAMember)?;
        let _ = self.viewers.remove(pos);
        Ok(self.rotate(rng))
    }

    /// Replaces the key (new share id, ratchet and signing key) and returns
    /// the new distribution.
    pub fn rotate<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Zeroizing<Vec<u8>> {
        let (share_id, ratchet, signing) = fresh_keys(rng, Some(self.share_id));
        self.share_id = share_id;
        self.ratchet = ratchet;
        self.signing = signing;
        self.distribution()
    }

    /// Encrypts one update, coarsened to the share's precision. Fails with
    /// [`Error::Expired`] after the end time, [`Error::InvalidLocation`] for
    /// out-of-range fields and [`Error::CounterExhausted`] after `u32::MAX`
    /// updates (rotate). The ratchet moves only on success, and every key on
    /// the path to the one used is overwritten.
    pub fn encrypt(&mut self, location: &Location, now: u64) -> Result<Vec<u8>> {
        if now > self.expires_at {
            return Err(Error::Expired);
        }
        let id_len = group_id_len(&self.context)?;
        let payload = location.coarsen(self.precision)?.encode()?;
        let i = self.ratchet.next;
        let (mk, after) = self.ratchet.use_at(i)?;
        let header = wire::encode_update_header(self.share_id, i);
        let mut out = Vec::with_capacity(LOCATION_UPDATE_LEN);
        out.extend_from_slice(&header);
        out.extend_from_slice(&payload);
        MessageKey::derive(&mk, LABEL_LOCATION_KEYS).seal_in_place(
            &header,
            &mut out,
            header.len(),
        )?;
        let signature = crypto::sign_parts(
            &self.signing,
            &[LABEL_LOCATION_SIGNATURE, &[id_len], &self.context, &out],
        );
        out.extend_from_slice(&signature);
        self.ratchet = after;
        Ok(out)
    }

    fn insert_viewer(&mut self, viewer: &IdentityKey) -> Result<()> {
        if self.viewers.contains(viewer) {
            return Ok(());
        }
        if self.viewers.len() >= MAX_VIEWERS {
            return Err(Error::LimitExceeded);
        }
        self.viewers.push(*viewer);
        Ok(())
    }
}
