//! A sliding replay window over frame counters, per key id.
//!
//! ```text
//! highest = the largest counter accepted; seen = bit i set ⇔ highest − i accepted (i < REPLAY_WINDOW)
//! check(c):  nothing accepted yet, or c > highest: fresh
//!            highest − c ≥ REPLAY_WINDOW: Duplicate (too old to tell)
//!            bit (highest − c) set: Duplicate
//! mark(c):   after the frame authenticated: shift the window forward, set the bit
//! ```

use crate::error::{Error, Result};

/// How many counters below the highest one accepted are still told apart.
pub const REPLAY_WINDOW: u64 = 128;

#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ReplayWindow {
    highest: Option<u64>,
    seen: u128,
}

impl ReplayWindow {
    /// Refuses a counter already accepted or too old to tell.
    pub(super) fn check(&self, ctr: u64) -> Result<()> {
        let Some(highest) = self.highest else {
            return Ok(());
        };
        if ctr > highest {
            return Ok(());
        }
        let behind = highest.wrapping_sub(ctr);
        if behind >= REPLAY_WINDOW || self.seen & (1u128 << behind) != 0 {
            return Err(Error::Duplicate);
        }
        Ok(())
    }

    /// Records an accepted counter (after [`Self::check`] passed and the
    /// frame authenticated).
    pub(super) fn mark(&mut self, ctr: u64) {
        match self.highest {
            Some(highest) if ctr <= highest => {
                let behind = highest.wrapping_sub(ctr);
                if behind < REPLAY_WINDOW {
                    self.seen |= 1u128 << behind;
                }
            }
            Some(highest) => {
                let ahead = ctr.wrapping_sub(highest);
                self.seen = if ahead >= REPLAY_WINDOW {
                    0
                } else {
                    self.seen << ahead
                };
                self.seen |= 1;
                self.highest = Some(ctr);
            }
            None => {
                self.seen = 1;
                self.highest = Some(ctr);
            }
        }
    }
}
