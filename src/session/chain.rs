//! Sending and receiving chains.
//!
//! A receiving chain advances on a copy: [`ReceiverChain::advance_to`]
//! returns the message key, the new chain key and the keys it skipped, and
//! the session commits them only after the message has authenticated.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto;
use crate::error::{Error, Result};
use crate::secret::Secret32;

use super::ratchet::MAX_SKIP;

/// The sending chain: chain key and index of the next message.
pub(super) struct SenderChain {
    /// Boxed and updated in place (see `Session`).
    pub(super) ck: Box<Secret32>,
    pub(super) n: u32,
}

/// A receiving chain of one of the peer's ratchet keys.
pub(super) struct ReceiverChain {
    pub(super) ratchet_key: [u8; 32],
    /// Boxed: receiving chains move between the session and its old chains.
    pub(super) ck: Box<Secret32>,
    /// Index of the next message not yet derived.
    pub(super) next: u32,
    /// For a closed (old) chain: how many messages the peer sent on it.
    pub(super) end: Option<u32>,
}

/// The result of advancing a chain, not yet committed.
pub(super) struct Advance {
    pub(super) seed: Secret32,
    pub(super) ck: Secret32,
    pub(super) next: u32,
    pub(super) skipped: Vec<(u32, Box<Secret32>)>,
}

impl ReceiverChain {
    /// Derives the key of message `n >= self.next`, collecting the keys of
    /// the messages in between. Fails before deriving anything if the gap
    /// exceeds [`MAX_SKIP`], if `n` is past the end of a closed chain or if
    /// `n + 1` overflows.
    pub(super) fn advance_to(&self, n: u32) -> Result<Advance> {
        let gap = n.checked_sub(self.next).ok_or(Error::Duplicate)?;
        if gap > MAX_SKIP {
            return Err(Error::TooFarAhead);
        }
        if let Some(end) = self.end
            && n >= end
        {
            return Err(Error::TooFarAhead);
        }
        let next = n.checked_add(1).ok_or(Error::CounterExhausted)?;
        // Exactly `gap` keys: the vector never reallocates.
        let mut skipped = Vec::with_capacity(usize::try_from(gap).unwrap_or(0));
        let mut ck = self.ck.duplicate();
        let mut i = self.next;
        while i < n {
            let (seed, next_ck) = crypto::chain_step(&ck);
            skipped.push((i, Box::new(seed)));
            ck = next_ck;
            i = i.checked_add(1).ok_or(Error::CounterExhausted)?;
        }
        let (seed, ck) = crypto::chain_step(&ck);
        Ok(Advance {
            seed,
            ck,
            next,
            skipped,
        })
    }

    pub(super) fn commit(&mut self, adv: Advance) -> Vec<(u32, Box<Secret32>)> {
        *self.ck = adv.ck;
        self.next = adv.next;
        adv.skipped
    }

    /// True when a closed chain has no message left to receive.
    pub(super) fn is_exhausted(&self) -> bool {
        self.end.is_some_and(|end| self.next >= end)
    }
}
