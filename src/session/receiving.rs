//! A receiving chain of one of the peer's ratchet keys.
//!
//! It advances on a copy: [`ReceiverChain::advance_to`] returns the message
//! key, the new chain key and the keys it skipped (see [`crate::chain`]), and
//! the session commits them only after the message has authenticated.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::chain::{Advance, Chain};
use crate::error::{Error, Result};
use crate::secret::Secret32;

use super::ratchet::MAX_SKIP;

/// A receiving chain of one of the peer's ratchet keys.
pub(super) struct ReceiverChain {
    pub(super) ratchet_key: [u8; 32],
    /// Boxed inside: receiving chains move between the session and its old
    /// chains.
    pub(super) chain: Chain,
    /// For a closed (old) chain: how many messages the peer sent on it.
    pub(super) end: Option<u32>,
    /// For a closed chain: when it closed, seconds since the epoch (0 until
    /// stamped, like skipped keys).
    pub(super) closed_at: u64,
}

impl ReceiverChain {
    /// Derives the key of message `n >= next`, collecting the keys of the
    /// messages in between. Fails before deriving anything if the gap
    /// exceeds [`MAX_SKIP`], if `n` is past the end of a closed chain or if
    /// `n + 1` overflows.
    pub(super) fn advance_to(&self, n: u32) -> Result<Advance> {
        if let Some(end) = self.end
            && n >= end
            && n >= self.chain.next()
        {
            return Err(Error::TooFarAhead);
        }
        // MAX_SKIP keys at most: every key passed over is kept.
        self.chain
            .advance_to(n, MAX_SKIP, usize::try_from(MAX_SKIP).unwrap_or(usize::MAX))
    }

    pub(super) fn commit(&mut self, adv: Advance) -> Vec<(u32, Box<Secret32>)> {
        self.chain.commit(adv)
    }

    /// The index of the next message not yet derived.
    pub(super) fn next(&self) -> u32 {
        self.chain.next()
    }

    /// True when a closed chain has no message left to receive.
    pub(super) fn is_exhausted(&self) -> bool {
        self.end.is_some_and(|end| self.chain.next() >= end)
    }
}
