//! Per-conversation settings and history the store keeps beside the
//! cryptographic state: the disappearing timer, when the conversation began
//! on this device, and a contact's accepted identity changes.
//!
//! ```text
//! contact row (kind 11, name = contact) and group row (kind 12, name = group id):
//!   nonce (12) ‖ AES-256-GCM-SIV(row key, nonce, "sotto v1 conversation" ‖ kind,
//!     0x01 | name len u8 | name | timer duration_secs u32 | timer set_at_ms u64
//!     | started_at_ms u64 | change count u8 (≤ MAX_RECORDED_CHANGES)
//!     | count × (previous identity (64) | new identity (64) | at u64, seconds))
//! ```
//!
//! The name is kept inside the sealed row so the account report can list
//! conversations; the row's own name is a keyed hash, as for every object.

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::Keys;
use super::objects::{self, Stored};
use crate::error::{Error, Result};
use sotto::{DisappearingTimer, IdentityKey, crypto};

/// Row kind of a contact's conversation settings.
pub(crate) const KIND_CONTACT: u8 = 11;
/// Row kind of a group's conversation settings.
pub(crate) const KIND_GROUP: u8 = 12;

/// How many identity changes a contact's history keeps (the oldest go first).
pub const MAX_RECORDED_CHANGES: usize = 32;

const ROW_VERSION: u8 = 1;
const AD_LABEL: &[u8] = b"sotto v1 conversation";

/// A conversation: a contact (1:1) or a group, by the app's name for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversation<'a> {
    /// The 1:1 conversation with a contact.
    Contact(&'a [u8]),
    /// A group's conversation, by group id.
    Group(&'a [u8]),
}

/// An identity change the app accepted (or the Warn policy accepted for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdentityChange {
    /// The identity trusted before.
    pub previous: IdentityKey,
    /// The identity trusted since.
    pub new: IdentityKey,
    /// When, seconds since the epoch.
    pub at: u64,
}

/// The row of one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row<const KIND: u8> {
    pub(crate) name: Vec<u8>,
    pub(crate) timer: DisappearingTimer,
    pub(crate) started_at_ms: u64,
    pub(crate) changes: Vec<IdentityChange>,
}

impl<const KIND: u8> Row<KIND> {
    fn new(name: &[u8], now_ms: u64) -> Self {
        Row {
            name: name.to_vec(),
            timer: DisappearingTimer::OFF,
            started_at_ms: now_ms,
            changes: Vec::new(),
        }
    }

    fn ad() -> Vec<u8> {
        let mut ad = AD_LABEL.to_vec();
        ad.push(KIND);
        ad
    }

    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        let len = u8::try_from(self.name.len()).map_err(|_| Error::InvalidName)?;
        let count = u8::try_from(self.changes.len()).map_err(|_| Error::Corrupt)?;
        let mut out = Zeroizing::new(Vec::with_capacity(
            self.changes.len().saturating_mul(136).saturating_add(64),
        ));
        out.push(ROW_VERSION);
        out.push(len);
        out.extend_from_slice(&self.name);
        out.extend_from_slice(&self.timer.duration_secs.to_be_bytes());
        out.extend_from_slice(&self.timer.set_at_ms.to_be_bytes());
        out.extend_from_slice(&self.started_at_ms.to_be_bytes());
        out.push(count);
        for c in &self.changes {
            out.extend_from_slice(&c.previous.to_bytes());
            out.extend_from_slice(&c.new.to_bytes());
            out.extend_from_slice(&c.at.to_be_bytes());
        }
        Ok(out)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Cursor(bytes);
        if r.byte()? != ROW_VERSION {
            return Err(Error::Corrupt);
        }
        let len = usize::from(r.byte()?);
        let name = r.take(len)?.to_vec();
        let duration_secs = u32::from_be_bytes(r.array()?);
        let set_at_ms = u64::from_be_bytes(r.array()?);
        let started_at_ms = u64::from_be_bytes(r.array()?);
        let count = usize::from(r.byte()?);
        if count > MAX_RECORDED_CHANGES {
            return Err(Error::Corrupt);
        }
        let mut changes = Vec::with_capacity(count);
        for _ in 0..count {
            let previous = IdentityKey::from_bytes(r.take(64)?).map_err(|_| Error::Corrupt)?;
            let new = IdentityKey::from_bytes(r.take(64)?).map_err(|_| Error::Corrupt)?;
            let at = u64::from_be_bytes(r.array()?);
            changes.push(IdentityChange { previous, new, at });
        }
        if !r.0.is_empty() {
            return Err(Error::Corrupt);
        }
        Ok(Row {
            name,
            timer: DisappearingTimer::new(duration_secs, set_at_ms).map_err(|_| Error::Corrupt)?,
            started_at_ms,
            changes,
        })
    }

    /// Records an accepted identity change, dropping the oldest beyond
    /// [`MAX_RECORDED_CHANGES`].
    pub(crate) fn record_change(&mut self, change: IdentityChange) {
        if self.changes.len() >= MAX_RECORDED_CHANGES {
            let _ = self.changes.remove(0);
        }
        self.changes.push(change);
    }
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n).ok_or(Error::Corrupt)?;
        self.0 = tail;
        Ok(head)
    }
    fn byte(&mut self) -> Result<u8> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| Error::Corrupt)
    }
}

impl<const KIND: u8> Stored for Row<KIND> {
    const KIND: u8 = KIND;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        let nonce: [u8; 12] = crate::secret::random_array(rng);
        let mut out = nonce.to_vec();
        out.extend_from_slice(&crypto::aes256gcmsiv_seal(
            key,
            &nonce,
            &Self::ad(),
            &self.encode()?,
        )?);
        Ok(out)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        let (nonce, ct) = bytes.split_at_checked(12).ok_or(Error::Corrupt)?;
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| Error::Corrupt)?;
        let plain = Zeroizing::new(
            crypto::aes256gcmsiv_open(key, &nonce, &Self::ad(), ct).map_err(|_| Error::Corrupt)?,
        );
        Self::decode(&plain)
    }
}

/// Loads a conversation's row, or a fresh one (timer off, started now),
/// and whether it is fresh (not yet written).
pub(crate) fn load<const KIND: u8>(
    conn: &Connection,
    keys: &Keys,
    name: &[u8],
    now_ms: u64,
) -> Result<(Row<KIND>, bool)> {
    match objects::load::<Row<KIND>>(conn, keys, name) {
        Ok(row) => Ok((row, false)),
        Err(Error::NotFound) => {
            objects::check_name(name)?;
            Ok((Row::new(name, now_ms), true))
        }
        Err(e) => Err(e),
    }
}

/// Saves a conversation's row.
pub(crate) fn save<const KIND: u8, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    row: &Row<KIND>,
) -> Result<()> {
    objects::save(conn, keys, rng, &row.name, row)
}

/// The timer of a conversation (off when it has no row).
pub(crate) fn timer(
    conn: &Connection,
    keys: &Keys,
    c: Conversation<'_>,
) -> Result<DisappearingTimer> {
    Ok(match c {
        Conversation::Contact(n) => load::<KIND_CONTACT>(conn, keys, n, 0)?.0.timer,
        Conversation::Group(n) => load::<KIND_GROUP>(conn, keys, n, 0)?.0.timer,
    })
}
