//! Call signalling: what goes in the content envelope (content type 5) to
//! set up, rekey and end a call.
//!
//! ```text
//! body = version 0x01 | kind u8 | call id (16) | epoch u32 | flags u8 (bit 0: video)
//!        | kind 1 offer, 3 key update: secret (32) | count u8 (≤ MAX_CALL_PARTICIPANTS) × participant u32
//!        | kind 2 answer, 4 leave, 5 end: nothing more
//! ```
//!
//! A 1:1 offer carries the secret for the one device it is sent to (epoch
//! 0, participants: caller 0 and callee 1); a group call's key update
//! carries the epoch secret and who takes part in it. [`OfferGuard`]
//! refuses an offer sent more than [`MAX_OFFER_AGE_MS`] ago or more than
//! [`MAX_OFFER_SKEW_MS`] ahead (by the envelope's time), and a call id it
//! let through while that offer could still pass (at most
//! [`MAX_RECENT_CALLS`] such offers at once).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use super::group::MAX_CALL_PARTICIPANTS;
use super::keys::{CALL_ID_LEN, CallId, CallSecret};
use crate::codec::Reader;
use crate::error::{Error, Result};

/// How old an offer may be when it arrives: 60 seconds.
pub const MAX_OFFER_AGE_MS: u64 = 60_000;
/// How far in the future an offer's time may be (clock skew): 30 seconds.
pub const MAX_OFFER_SKEW_MS: u64 = 30_000;
/// How many recent call ids an [`OfferGuard`] remembers.
pub const MAX_RECENT_CALLS: usize = 256;

const VERSION: u8 = 1;

/// What a call message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallSignalKind {
    /// A call starts: the secret for this device.
    Offer,
    /// The callee accepts.
    Answer,
    /// A group call's new epoch: its secret and participants.
    KeyUpdate,
    /// The sender leaves the call.
    Leave,
    /// The call ends for everyone.
    End,
}

impl CallSignalKind {
    fn code(self) -> u8 {
        match self {
            CallSignalKind::Offer => 1,
            CallSignalKind::Answer => 2,
            CallSignalKind::KeyUpdate => 3,
            CallSignalKind::Leave => 4,
            CallSignalKind::End => 5,
        }
    }

    fn from_code(c: u8) -> Result<Self> {
        Ok(match c {
            1 => CallSignalKind::Offer,
            2 => CallSignalKind::Answer,
            3 => CallSignalKind::KeyUpdate,
            4 => CallSignalKind::Leave,
            5 => CallSignalKind::End,
            _ => return Err(Error::Malformed),
        })
    }

    fn carries_secret(self) -> bool {
        matches!(self, CallSignalKind::Offer | CallSignalKind::KeyUpdate)
    }
}

/// A call message. Its secret is wiped on drop and never printed.
pub struct CallSignal {
    /// What it says.
    pub kind: CallSignalKind,
    /// The call.
    pub call_id: CallId,
    /// The epoch (0 for a 1:1 call).
    pub epoch: u32,
    /// A video call.
    pub video: bool,
    /// For an offer or a key update: the secret.
    pub secret: Option<CallSecret>,
    /// For an offer or a key update: who takes part, by index.
    pub participants: Vec<u32>,
}

impl fmt::Debug for CallSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSignal")
            .field("kind", &self.kind)
            .field("epoch", &self.epoch)
            .field("video", &self.video)
            .field("participants", &self.participants)
            .finish_non_exhaustive()
    }
}

impl Clone for CallSignal {
    fn clone(&self) -> Self {
        CallSignal {
            kind: self.kind,
            call_id: self.call_id,
            epoch: self.epoch,
            video: self.video,
            secret: self.secret.as_ref().map(CallSecret::duplicate),
            participants: self.participants.clone(),
        }
    }
}

impl PartialEq for CallSignal {
    fn eq(&self, other: &Self) -> bool {
        let secrets = match (&self.secret, &other.secret) {
            (Some(a), Some(b)) => a.ct_eq(b),
            (None, None) => true,
            _ => false,
        };
        secrets
            && self.kind == other.kind
            && self.call_id == other.call_id
            && self.epoch == other.epoch
            && self.video == other.video
            && self.participants == other.participants
    }
}

impl CallSignal {
    /// Checks the fields' shape: a secret exactly for offers and key
    /// updates, participants only with it, bounded and distinct.
    fn check(&self) -> Result<()> {
        if self.kind.carries_secret() != self.secret.is_some() {
            return Err(Error::Malformed);
        }
        if !self.kind.carries_secret() && !self.participants.is_empty() {
            return Err(Error::Malformed);
        }
        if self.participants.len() > MAX_CALL_PARTICIPANTS {
            return Err(Error::LimitExceeded);
        }
        for (n, p) in self.participants.iter().enumerate() {
            if self
                .participants
                .iter()
                .skip(n.saturating_add(1))
                .any(|q| q == p)
            {
                return Err(Error::Malformed);
            }
        }
        Ok(())
    }

    /// Its length when encoded.
    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = 2 + CALL_ID_LEN + 4 + 1;
        if self.secret.is_some() {
            n = n
                .saturating_add(33)
                .saturating_add(self.participants.len().saturating_mul(4));
        }
        n
    }

    /// Appends the body encoding to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) -> Result<()> {
        self.check()?;
        out.push(VERSION);
        out.push(self.kind.code());
        out.extend_from_slice(&self.call_id);
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.push(u8::from(self.video));
        if let Some(secret) = &self.secret {
            out.extend_from_slice(&secret.to_bytes()[..]);
            out.push(u8::try_from(self.participants.len()).map_err(|_| Error::LimitExceeded)?);
            for p in &self.participants {
                out.extend_from_slice(&p.to_be_bytes());
            }
        }
        Ok(())
    }

    /// Decodes a body (strict: every check of the encoder, no trailing byte).
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8()? != VERSION {
            return Err(Error::UnsupportedVersion);
        }
        let kind = CallSignalKind::from_code(r.u8()?)?;
        let call_id = r.array()?;
        let epoch = r.u32()?;
        let video = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(Error::Malformed),
        };
        let (secret, participants) = if kind.carries_secret() {
            let secret = CallSecret::from_bytes(r.bytes(32)?)?;
            let count = usize::from(r.u8()?);
            if count > MAX_CALL_PARTICIPANTS {
                return Err(Error::LimitExceeded);
            }
            let mut p = Vec::with_capacity(count);
            for _ in 0..count {
                p.push(r.u32()?);
            }
            (Some(secret), p)
        } else {
            (None, Vec::new())
        };
        r.finish()?;
        let signal = CallSignal {
            kind,
            call_id,
            epoch,
            video,
            secret,
            participants,
        };
        signal.check()?;
        Ok(signal)
    }
}

/// Refuses old and replayed offers: remembers the call ids it let through
/// (with their offers' times) for as long as a replay of them would still
/// be young enough to pass, at most [`MAX_RECENT_CALLS`] of them.
#[derive(Clone, Debug, Default)]
pub struct OfferGuard {
    recent: VecDeque<(CallId, u64)>,
}

impl OfferGuard {
    /// A guard that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets an offer for `call_id` sent at `sent_at_ms` (the envelope's
    /// time) through at `now_ms`, once: older than [`MAX_OFFER_AGE_MS`] is
    /// [`Error::Expired`], further ahead than [`MAX_OFFER_SKEW_MS`]
    /// [`Error::Stale`], a call id let through before [`Error::Duplicate`].
    /// An id is forgotten only once its offer is too old to pass again; with
    /// [`MAX_RECENT_CALLS`] offers still that young, a new one is
    /// [`Error::LimitExceeded`] (forgetting one would let its replay ring).
    /// Nothing changes on error.
    pub fn admit(&mut self, call_id: &CallId, sent_at_ms: u64, now_ms: u64) -> Result<()> {
        if sent_at_ms.saturating_add(MAX_OFFER_AGE_MS) < now_ms {
            return Err(Error::Expired);
        }
        if sent_at_ms > now_ms.saturating_add(MAX_OFFER_SKEW_MS) {
            return Err(Error::Stale);
        }
        if self.recent.iter().any(|(id, _)| id == call_id) {
            return Err(Error::Duplicate);
        }
        let expired = |sent: u64| sent.saturating_add(MAX_OFFER_AGE_MS) < now_ms;
        if self.recent.len() >= MAX_RECENT_CALLS && !self.recent.iter().any(|(_, t)| expired(*t)) {
            return Err(Error::LimitExceeded);
        }
        // Only offers a replay of which would be `Expired` are forgotten.
        self.recent.retain(|(_, t)| !expired(*t));
        self.recent.push_back((*call_id, sent_at_ms));
        Ok(())
    }
}
