//! A member's sender key as the other members hold it: the verification key,
//! the chain at the next index not yet derived, and the keys of messages
//! passed over.
//!
//! Decryption is transactional. The signature is verified first, before any
//! key is derived; the chain then advances on a copy ([`ReceiverKey::advance_to`])
//! that is committed only after the AEAD tag has verified.
//!
//! Skipped keys are kept in increasing order of iteration: every advance
//! appends indices above all stored ones, removal keeps the order and eviction
//! takes the smallest. Lookup is a binary search.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use ed25519_dalek::VerifyingKey;

use crate::crypto::{self, AeadKey};
use crate::error::{Error, Result};
use crate::padding;
use crate::secret::Secret32;

use super::wire::GroupMessage;
use super::{LABEL_GROUP_MESSAGE_KEYS, MAX_GROUP_JUMP, MAX_GROUP_SKIPPED_KEYS};

/// The receiving half of one sender key of one member.
pub(super) struct ReceiverKey {
    pub(super) chain_id: u32,
    pub(super) signing: VerifyingKey,
    /// Boxed, like the skipped keys: a member's keys move as they rotate.
    pub(super) ck: Box<Secret32>,
    /// Index of the next message not yet derived.
    pub(super) next: u32,
    /// `(iteration, seed)` of messages passed over, increasing by iteration.
    pub(super) skipped: VecDeque<(u32, Box<Secret32>)>,
}

/// The result of advancing the chain, not yet committed.
struct Advance {
    seed: Secret32,
    ck: Secret32,
    next: u32,
    skipped: Vec<(u32, Box<Secret32>)>,
}

impl ReceiverKey {
    /// Decrypts a message whose signature has already been verified with
    /// `self.signing`.
    pub(super) fn decrypt(&mut self, msg: &GroupMessage<'_>) -> Result<Vec<u8>> {
        if msg.iteration < self.next {
            let pos = self
                .skipped
                .binary_search_by_key(&msg.iteration, |(i, _)| *i)
                .map_err(|_| Error::Duplicate)?;
            let (_, seed) = self.skipped.get(pos).ok_or(Error::Duplicate)?;
            let plaintext = open(seed, msg)?;
            let _ = self.skipped.remove(pos);
            return Ok(plaintext);
        }
        let adv = self.advance_to(msg.iteration)?;
        let plaintext = open(&adv.seed, msg)?;
        self.commit(adv);
        Ok(plaintext)
    }

    /// Derives the key of message `n >= self.next` on a copy of the chain.
    /// Fails before deriving anything if the jump exceeds [`MAX_GROUP_JUMP`]
    /// or `n + 1` overflows. Of the keys passed over, only the last
    /// [`MAX_GROUP_SKIPPED_KEYS`] are derived; earlier ones would be evicted
    /// at once, so the chain only steps past them.
    fn advance_to(&self, n: u32) -> Result<Advance> {
        let gap = n.checked_sub(self.next).ok_or(Error::Duplicate)?;
        if gap > MAX_GROUP_JUMP {
            return Err(Error::TooFarAhead);
        }
        let next = n.checked_add(1).ok_or(Error::CounterExhausted)?;
        // MAX_GROUP_SKIPPED_KEYS fits in a u32 (checked by a unit test).
        let kept = gap.min(u32::try_from(MAX_GROUP_SKIPPED_KEYS).unwrap_or(u32::MAX));
        let first_kept = n.saturating_sub(kept);
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

    fn commit(&mut self, adv: Advance) {
        *self.ck = adv.ck;
        self.next = adv.next;
        for key in adv.skipped {
            self.push_skipped(key);
        }
    }

    /// Appends a skipped key, evicting the oldest beyond the limit.
    pub(super) fn push_skipped(&mut self, key: (u32, Box<Secret32>)) {
        while self.skipped.len() >= MAX_GROUP_SKIPPED_KEYS {
            let _ = self.skipped.pop_front();
        }
        self.skipped.push_back(key);
    }
}

fn open(seed: &Secret32, msg: &GroupMessage<'_>) -> Result<Vec<u8>> {
    let padded = AeadKey::derive(seed, LABEL_GROUP_MESSAGE_KEYS).open(msg.header, msg.sealed)?;
    padding::unpad(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_limit_fits_an_iteration() {
        assert!(u32::try_from(MAX_GROUP_SKIPPED_KEYS).is_ok());
    }
}
