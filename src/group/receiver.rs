//! A member's sender key as the other members hold it: the verification key,
//! the chain at the next index not yet derived, and the keys of messages
//! passed over.
//!
//! Decryption is transactional. The signature is verified first, before any
//! key is derived; the chain then advances on a copy ([`Chain::advance_to`])
//! that is committed only after the AEAD tag has verified.
//!
//! Skipped keys are kept in increasing order of iteration: every advance
//! appends indices above all stored ones, removal keeps the order and eviction
//! takes the smallest. Lookup is a binary search.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use ed25519_dalek::VerifyingKey;

use crate::chain::Chain;
use crate::crypto::MessageKey;
use crate::error::{Error, Result};
use crate::padding;
use crate::secret::Secret32;

use super::wire::GroupMessage;
use super::{LABEL_GROUP_MESSAGE_KEYS, MAX_GROUP_JUMP, MAX_GROUP_SKIPPED_KEYS};

/// The receiving half of one sender key of one member.
pub(super) struct ReceiverKey {
    pub(super) chain_id: u32,
    pub(super) signing: VerifyingKey,
    /// The chain at the index of the next message not yet derived.
    pub(super) chain: Chain,
    /// `(iteration, seed, stored_at)` of messages passed over, increasing
    /// by iteration; `stored_at` is 0 until stamped (seconds since the epoch).
    pub(super) skipped: VecDeque<(u32, Box<Secret32>, u64)>,
    /// For a key the member has since replaced (any but its newest): when
    /// it was found replaced, seconds since the epoch; 0 until stamped.
    pub(super) retired_at: u64,
}

impl ReceiverKey {
    /// Decrypts a message whose signature has already been verified with
    /// `self.signing`.
    pub(super) fn decrypt(&mut self, msg: &GroupMessage<'_>) -> Result<Vec<u8>> {
        if msg.iteration < self.chain.next() {
            let pos = self
                .skipped
                .binary_search_by_key(&msg.iteration, |(i, _, _)| *i)
                .map_err(|_| Error::Duplicate)?;
            let (_, seed, _) = self.skipped.get(pos).ok_or(Error::Internal)?;
            let plaintext = open(seed, msg)?;
            let _ = self.skipped.remove(pos);
            return Ok(plaintext);
        }
        // At most MAX_GROUP_JUMP steps; of the keys passed over, only the
        // last MAX_GROUP_SKIPPED_KEYS are derived: earlier ones would be
        // evicted at once, so the chain only steps past them.
        let adv = self
            .chain
            .advance_to(msg.iteration, MAX_GROUP_JUMP, MAX_GROUP_SKIPPED_KEYS)?;
        let plaintext = open(&adv.seed, msg)?;
        for key in self.chain.commit(adv) {
            self.push_skipped(key);
        }
        Ok(plaintext)
    }

    /// Appends a skipped key, evicting the oldest beyond the limit.
    pub(super) fn push_skipped(&mut self, (i, seed): (u32, Box<Secret32>)) {
        while self.skipped.len() >= MAX_GROUP_SKIPPED_KEYS {
            let _ = self.skipped.pop_front();
        }
        self.skipped.push_back((i, seed, 0));
    }

    /// Stamps the skipped keys not stamped yet (or stamped after `now`)
    /// with `now`.
    pub(super) fn stamp(&mut self, now: u64) {
        for k in self.skipped.iter_mut().filter(|k| k.2 == 0 || k.2 > now) {
            k.2 = now;
        }
    }

    /// The earliest stamp of a skipped key kept.
    pub(super) fn oldest_stamp(&self) -> Option<u64> {
        self.skipped.iter().map(|k| k.2).filter(|t| *t != 0).min()
    }

    /// Deletes the skipped keys stamped at or before `cutoff`.
    pub(super) fn forget_stored_until(&mut self, cutoff: u64) -> usize {
        let before = self.skipped.len();
        self.skipped.retain(|k| k.2 == 0 || k.2 > cutoff);
        before.saturating_sub(self.skipped.len())
    }
}

fn open(seed: &Secret32, msg: &GroupMessage<'_>) -> Result<Vec<u8>> {
    let padded = MessageKey::derive(seed, LABEL_GROUP_MESSAGE_KEYS).open(msg.header, msg.sealed)?;
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
