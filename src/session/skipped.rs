//! The bounded store of skipped message keys.
//!
//! Keys are kept in arrival order; inserting beyond
//! [`crate::MAX_SKIPPED_KEYS`] deletes the oldest first. What is stored is
//! the 32-byte message-key seed, keyed by `(ratchet key, index)`, with the
//! time it was kept (seconds since the epoch; 0 until
//! [`crate::Session::stamp_skipped_keys`] sets it), so that keys of
//! disappearing messages can be deleted once those messages expired.

use alloc::collections::VecDeque;

use alloc::boxed::Box;

use crate::secret::Secret32;

use super::ratchet::MAX_SKIPPED_KEYS;

pub(super) struct SkippedKey {
    pub(super) ratchet_key: [u8; 32],
    pub(super) n: u32,
    /// When the key was kept, seconds since the epoch; 0: not yet stamped.
    pub(super) stored_at: u64,
    /// Boxed: the store evicts from the front and removes from the middle.
    pub(super) seed: Box<Secret32>,
}

#[derive(Default)]
pub(super) struct SkippedKeys {
    keys: VecDeque<SkippedKey>,
}

impl SkippedKeys {
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &SkippedKey> {
        self.keys.iter()
    }

    pub(super) fn position(&self, ratchet_key: &[u8; 32], n: u32) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.n == n && k.ratchet_key == *ratchet_key)
    }

    pub(super) fn has_chain(&self, ratchet_key: &[u8; 32]) -> bool {
        self.keys.iter().any(|k| k.ratchet_key == *ratchet_key)
    }

    pub(super) fn get(&self, i: usize) -> Option<&SkippedKey> {
        self.keys.get(i)
    }

    pub(super) fn remove(&mut self, i: usize) {
        let _ = self.keys.remove(i);
    }

    /// Sets the time of every key not stamped yet, and of every key stamped
    /// after `now` (a clock that ran ahead must not pin a key forever).
    pub(super) fn stamp(&mut self, now: u64) {
        for k in self
            .keys
            .iter_mut()
            .filter(|k| k.stored_at == 0 || k.stored_at > now)
        {
            k.stored_at = now;
        }
    }

    /// The earliest stamp of a key kept (stamped keys only).
    pub(super) fn oldest_stamp(&self) -> Option<u64> {
        self.keys
            .iter()
            .map(|k| k.stored_at)
            .filter(|t| *t != 0)
            .min()
    }

    /// Deletes the keys stamped at or before `cutoff`; returns how many.
    pub(super) fn forget_stored_until(&mut self, cutoff: u64) -> usize {
        let before = self.keys.len();
        self.keys
            .retain(|k| k.stored_at == 0 || k.stored_at > cutoff);
        before.saturating_sub(self.keys.len())
    }

    pub(super) fn push(&mut self, key: SkippedKey) {
        while self.keys.len() >= MAX_SKIPPED_KEYS {
            let _ = self.keys.pop_front();
        }
        self.keys.push_back(key);
    }

    pub(super) fn extend(
        &mut self,
        ratchet_key: &[u8; 32],
        keys: alloc::vec::Vec<(u32, alloc::boxed::Box<Secret32>)>,
    ) {
        for (n, seed) in keys {
            self.push(SkippedKey {
                ratchet_key: *ratchet_key,
                n,
                stored_at: 0,
                seed,
            });
        }
    }
}
