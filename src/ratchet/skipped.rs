//! The bounded store of skipped message keys.
//!
//! Keys are kept in arrival order; inserting beyond
//! [`crate::MAX_SKIPPED_KEYS`] deletes the oldest first. What is stored is
//! the 32-byte message-key seed, keyed by `(ratchet key, index)`.

use alloc::collections::VecDeque;

use crate::ratchet::MAX_SKIPPED_KEYS;
use crate::secret::Secret32;
use alloc::boxed::Box;

pub(crate) struct SkippedKey {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) n: u32,
    /// Boxed: the store evicts from the front and removes from the middle.
    pub(crate) seed: Box<Secret32>,
}

#[derive(Default)]
pub(crate) struct SkippedKeys {
    keys: VecDeque<SkippedKey>,
}

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SkippedKey> {
        self.keys.iter()
    }

    pub(crate) fn position(&self, ratchet_key: &[u8; 32], n: u32) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.n == n && k.ratchet_key == *ratchet_key)
    }

    pub(crate) fn has_chain(&self, ratchet_key: &[u8; 32]) -> bool {
        self.keys.iter().any(|k| k.ratchet_key == *ratchet_key)
    }

    pub(crate) fn get(&self, i: usize) -> Option<&SkippedKey> {
        self.keys.get(i)
    }

    pub(crate) fn remove(&mut self, i: usize) {
        let _ = self.keys.remove(i);
    }

    pub(crate) fn push(&mut self, key: SkippedKey) {
        while self.keys.len() >= MAX_SKIPPED_KEYS {
            let _ = self.keys.pop_front();
        }
        self.keys.push_back(key);
    }

    pub(crate) fn extend(
        &mut self,
        ratchet_key: &[u8; 32],
        keys: alloc::vec::Vec<(u32, alloc::boxed::Box<Secret32>)>,
    ) {
        for (n, seed) in keys {
            self.push(SkippedKey {
                ratchet_key: *ratchet_key,
                n,
                seed,
            });
        }
    }
}
