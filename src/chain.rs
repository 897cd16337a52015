//! The symmetric-key chain, shared by the 1:1 ratchet's sending and receiving
//! chains and by group sender keys.
//!
//! ```text
//! seed_i, CK_{i+1} = HMAC-SHA256(CK_i, 0x01), HMAC-SHA256(CK_i, 0x02)
//! ```
//!
//! A chain advances on a copy: [`Chain::advance_to`] returns the message-key
//! seed, the new chain key and the seeds of the messages it passed over, and
//! the owner commits them ([`Chain::commit`]) only after the message has
//! authenticated (or, when sending, after it has been sealed).

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::crypto;
use crate::error::{Error, Result};
use crate::secret::Secret32;

/// A chain key and the index of the next message not yet derived.
pub(crate) struct Chain {
    /// Boxed and updated in place: moving the chain's owner (into a
    /// collection that grows, say) moves a pointer, never a key.
    ck: Box<Secret32>,
    next: u32,
}

/// The result of advancing a chain, not yet committed.
pub(crate) struct Advance {
    /// The message-key seed of the message advanced to.
    pub(crate) seed: Secret32,
    ck: Secret32,
    next: u32,
    skipped: Vec<(u32, Box<Secret32>)>,
}

impl Chain {
    /// The chain at index `next` with chain key `ck`.
    pub(crate) fn new(ck: Secret32, next: u32) -> Self {
        Chain {
            ck: Box::new(ck),
            next,
        }
    }

    /// The current chain key (for the state and distribution encodings).
    pub(crate) fn key(&self) -> &Secret32 {
        &self.ck
    }

    /// The index of the next message not yet derived.
    pub(crate) fn next(&self) -> u32 {
        self.next
    }

    /// The key of the next message, for sending. Fails with
    /// [`Error::CounterExhausted`] when the index cannot advance.
    pub(crate) fn step(&self) -> Result<Advance> {
        self.advance_to(self.next, 0, 0)
    }

    /// Derives the key of message `n >= self.next` on a copy of the chain.
    /// Fails before deriving anything if `n` is below `self.next`
    /// ([`Error::Duplicate`]), the gap exceeds `max_gap`
    /// ([`Error::TooFarAhead`]) or `n + 1` overflows. Of the keys passed
    /// over, only the last `keep` are derived and returned; the chain only
    /// steps past earlier ones.
    pub(crate) fn advance_to(&self, n: u32, max_gap: u32, keep: usize) -> Result<Advance> {
        let gap = n.checked_sub(self.next).ok_or(Error::Duplicate)?;
        if gap > max_gap {
            return Err(Error::TooFarAhead);
        }
        let next = n.checked_add(1).ok_or(Error::CounterExhausted)?;
        let kept = gap.min(u32::try_from(keep).unwrap_or(u32::MAX));
        let first_kept = n.saturating_sub(kept);
        // Exactly `kept` keys: the vector never reallocates.
        let mut skipped = Vec::with_capacity(usize::try_from(kept).unwrap_or(0));
        let mut ck = self.ck.duplicate();
        let mut i = self.next;
        while i < n {
            if i < first_kept {
                ck = crypto::chain_next(&ck);
            } else {
                let (seed, next_ck) = crypto::chain_step(&ck);
                skipped.push((i, Box::new(seed)));
                ck = next_ck;
            }
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

    /// Commits an advance: the new chain key is written into the chain's box
    /// in place. Returns the `(index, seed)` of the messages passed over, in
    /// increasing order of index.
    pub(crate) fn commit(&mut self, adv: Advance) -> Vec<(u32, Box<Secret32>)> {
        *self.ck = adv.ck;
        self.next = adv.next;
        adv.skipped
    }
}
