//! A group call's media keys: one epoch per membership of the call, each
//! sender's SFrame key derived from the epoch secret, and the previous
//! epoch's keys kept for a bounded overlap.
//!
//! ```text
//! install(epoch e, secret, participants, now):  e > current epoch                else Stale
//!     encryptor ← SFrame(base_key(e, me), KID = e << 32 | me), counting from 0
//!     decryptor ← keys of every other participant of e; keys of e − 1 kept until now + EPOCH_OVERLAP_MS;
//!                 older epochs' keys forgotten
//! decrypt(frame, now): retire the previous epoch's keys once now ≥ its deadline, then SFrame decrypt
//! ```
//!
//! Whoever is not a participant of an epoch never gets its secret: a
//! participant who left reads nothing of the next epoch, and one who
//! joined reads nothing of the epochs before. A secret installed before is
//! refused ([`Error::Duplicate`]: reused, it would let a former
//! participant in), and so is an epoch more than [`MAX_EPOCH_STEP`] ahead
//! ([`Error::TooFarAhead`]: it would leave no epoch for anyone after it).

use super::keys::{CallId, CallSecret, group_kid};
use super::sframe::{SframeDecryptor, SframeEncryptor, SframeInfo, SframeSuite};
use crate::error::{Error, Result};

/// The most participants of a group call (as WhatsApp's 32).
pub const MAX_CALL_PARTICIPANTS: usize = 32;
/// How long frames of the previous epoch still play after a new one is
/// installed, in milliseconds.
pub const EPOCH_OVERLAP_MS: u64 = 2_000;
/// The furthest a new epoch may be ahead of the current one: honest epochs
/// count up by one per join or leave, and a participant jumping to the end
/// of the range would leave no epoch for anyone after it.
pub const MAX_EPOCH_STEP: u32 = 1_000;
/// How many installed epoch secrets a call remembers (by digest) to refuse
/// one used again: a secret reused under a new epoch number would let
/// whoever held it before (a participant who left) read the new epoch.
pub const MAX_REMEMBERED_SECRETS: usize = 64;

/// One device's side of a group call.
#[derive(Debug)]
pub struct GroupCall {
    call: CallId,
    suite: SframeSuite,
    me: u32,
    epoch: Option<u32>,
    encryptor: Option<SframeEncryptor>,
    decryptor: SframeDecryptor,
    /// The previous epoch and when its keys go.
    retiring: Option<(u32, u64)>,
    /// Digests of the epoch secrets installed, newest last.
    used: alloc::collections::VecDeque<[u8; 16]>,
}

/// What a decrypted group-call frame was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallFrame {
    /// The epoch it was sent in.
    pub epoch: u32,
    /// Its sender's index in the call.
    pub sender: u32,
    /// The frame's length (at the front of the output).
    pub len: usize,
}

impl GroupCall {
    /// Joins call `call` as participant `me` with `suite`; no epoch yet.
    pub fn new(call: CallId, suite: SframeSuite, me: u32) -> Self {
        GroupCall {
            call,
            suite,
            me,
            epoch: None,
            encryptor: None,
            decryptor: SframeDecryptor::new(suite),
            retiring: None,
            used: alloc::collections::VecDeque::new(),
        }
    }

    /// Installs the epoch a key update (or a group call's offer) carries:
    /// as [`Self::install`], for this call only ([`Error::WrongType`] for
    /// another call id, or a message that carries no secret).
    pub fn install_signal(&mut self, signal: &super::CallSignal, now_ms: u64) -> Result<()> {
        if signal.call_id != self.call {
            return Err(Error::WrongType);
        }
        let secret = signal.secret.as_ref().ok_or(Error::WrongType)?;
        self.install(signal.epoch, secret, &signal.participants, now_ms)
    }

    /// The call's id.
    pub fn call_id(&self) -> &CallId {
        &self.call
    }

    /// The current epoch, if any.
    pub fn epoch(&self) -> Option<u32> {
        self.epoch
    }

    /// Installs epoch `epoch` (above the current one, else
    /// [`Error::Stale`]) with its secret and participants (at most
    /// [`MAX_CALL_PARTICIPANTS`], this device among them, else
    /// [`Error::NotAMember`]), at `now_ms`. Nothing changes on error.
    pub fn install(
        &mut self,
        epoch: u32,
        secret: &CallSecret,
        participants: &[u32],
        now_ms: u64,
    ) -> Result<()> {
        if self.epoch.is_some_and(|e| epoch <= e) {
            return Err(Error::Stale);
        }
        if self
            .epoch
            .is_some_and(|e| epoch.saturating_sub(e) > MAX_EPOCH_STEP)
        {
            return Err(Error::TooFarAhead);
        }
        let digest = secret.digest(&self.call);
        if self.used.contains(&digest) {
            return Err(Error::Duplicate);
        }
        if participants.len() > MAX_CALL_PARTICIPANTS {
            return Err(Error::LimitExceeded);
        }
        if !participants.contains(&self.me) {
            return Err(Error::NotAMember);
        }
        for (n, p) in participants.iter().enumerate() {
            if participants
                .iter()
                .skip(n.saturating_add(1))
                .any(|q| q == p)
            {
                return Err(Error::Malformed);
            }
        }
        let own = secret.sframe_base_key(&self.call, epoch, self.me)?;
        let encryptor = SframeEncryptor::new(self.suite, group_kid(epoch, self.me), &own[..])?;
        // Build the new key set apart, so a failure changes nothing.
        let mut next = SframeDecryptor::new(self.suite);
        for p in participants.iter().filter(|p| **p != self.me) {
            let key = secret.sframe_base_key(&self.call, epoch, *p)?;
            next.add_key(group_kid(epoch, *p), &key[..])?;
        }
        let previous = self.epoch;
        let mut kept = core::mem::replace(&mut self.decryptor, SframeDecryptor::new(self.suite));
        kept.retain_keys(|kid| previous.is_some_and(|e| kid >> 32 == u64::from(e)));
        next.absorb(kept);
        self.decryptor = next;
        self.encryptor = Some(encryptor);
        self.retiring = previous.map(|e| (e, now_ms.saturating_add(EPOCH_OVERLAP_MS)));
        self.epoch = Some(epoch);
        if self.used.len() >= MAX_REMEMBERED_SECRETS {
            let _ = self.used.pop_front();
        }
        self.used.push_back(digest);
        Ok(())
    }

    /// Exactly how many bytes encrypting a frame of `frame_len` bytes takes.
    pub fn sframe_len(&self, frame_len: usize) -> Option<usize> {
        self.encryptor.as_ref()?.sframe_len(frame_len)
    }

    /// Encrypts one of our frames into `out` under the current epoch (none
    /// yet: [`Error::UnknownSenderKey`]).
    pub fn encrypt(&mut self, metadata: &[u8], frame: &[u8], out: &mut [u8]) -> Result<usize> {
        self.encryptor
            .as_mut()
            .ok_or(Error::UnknownSenderKey)?
            .encrypt(metadata, frame, out)
    }

    /// Decrypts a participant's frame into `out` at `now_ms`: the current
    /// epoch's, or the previous one's during the overlap. Errors as
    /// [`SframeDecryptor::decrypt`]; a frame of an epoch whose keys are gone
    /// is [`Error::UnknownSenderKey`].
    pub fn decrypt(
        &mut self,
        metadata: &[u8],
        sframe: &[u8],
        out: &mut [u8],
        now_ms: u64,
    ) -> Result<CallFrame> {
        if let Some((old, deadline)) = self.retiring
            && now_ms >= deadline
        {
            self.decryptor
                .retain_keys(|kid| kid >> 32 != u64::from(old));
            self.retiring = None;
        }
        let SframeInfo { kid, len, .. } = self.decryptor.decrypt(metadata, sframe, out)?;
        Ok(CallFrame {
            epoch: u32::try_from(kid >> 32).map_err(|_| Error::Internal)?,
            sender: (kid & 0xFFFF_FFFF) as u32,
            len,
        })
    }
}
