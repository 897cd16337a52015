//! The disappearing-messages timer of a conversation, and how concurrent
//! changes resolve.
//!
//! ```text
//! setting     = (duration_secs u32, 0 = off; set_at_ms u64)
//! order       = (set_at_ms, rank) compared lexicographically, the greater wins;
//!               rank(d) = u32::MAX − d for d > 0 (the shorter timer wins a tie), rank(0) = 0
//! merge(s, t) = t if t > s and t.set_at_ms ≤ now_ms + MAX_TIMER_CLOCK_SKEW_MS, else s
//! expiry      = sent_at_ms + 1000 · duration_secs of the message's own setting (none when off)
//! ```
//!
//! The order is total on distinct settings (rank is one-to-one), so members
//! that have seen the same settings hold the same one whatever order they
//! arrived in; every message carries its sender's setting, so a member that
//! missed a change catches up with the next message it receives. A setting
//! stamped further ahead of the receiver's clock than
//! [`MAX_TIMER_CLOCK_SKEW_MS`] (five minutes) is not merged until the clock
//! gets there: a member cannot freeze the timer with a timestamp in the far
//! future, and since a sender stamps its messages no earlier than the
//! setting they carry, no member can push everyone's messages (and so their
//! expiry) more than five minutes into the future either.

use crate::error::{Error, Result};

/// Twenty-four hours, in seconds.
pub const TIMER_24_HOURS: u32 = 24 * 60 * 60;
/// Seven days, in seconds.
pub const TIMER_7_DAYS: u32 = 7 * TIMER_24_HOURS;
/// Ninety days, in seconds.
pub const TIMER_90_DAYS: u32 = 90 * TIMER_24_HOURS;

/// The latest timestamp (milliseconds since the Unix epoch) an envelope or
/// a timer setting may carry: the end of the year 9999. Every expiry
/// (`sent_at_ms + 1000 · u32::MAX`) then fits in a `u64`.
pub const MAX_TIMESTAMP_MS: u64 = 253_402_300_799_999;

/// How far ahead of the receiver's clock a timer setting may be stamped and
/// still be merged: five minutes, in milliseconds.
pub const MAX_TIMER_CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// A conversation's disappearing-messages setting: a duration (or off) and
/// when it was set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DisappearingTimer {
    /// How long a message lasts after it was sent, in seconds; 0 is off.
    pub duration_secs: u32,
    /// When this setting was chosen, milliseconds since the Unix epoch (0 for
    /// the initial "off" nobody chose).
    pub set_at_ms: u64,
}

impl DisappearingTimer {
    /// Off, never set.
    pub const OFF: DisappearingTimer = DisappearingTimer {
        duration_secs: 0,
        set_at_ms: 0,
    };

    /// A setting chosen at `set_at_ms`: `duration_secs` (0 for off).
    pub fn new(duration_secs: u32, set_at_ms: u64) -> Result<Self> {
        if set_at_ms > MAX_TIMESTAMP_MS {
            return Err(Error::Malformed);
        }
        Ok(DisappearingTimer {
            duration_secs,
            set_at_ms,
        })
    }

    /// Whether messages disappear.
    pub fn is_on(&self) -> bool {
        self.duration_secs != 0
    }

    fn order_key(&self) -> (u64, u32) {
        let rank = match self.duration_secs {
            0 => 0,
            d => u32::MAX.saturating_sub(d),
        };
        (self.set_at_ms, rank)
    }

    /// Whether this setting wins over `other` (see the module's order).
    pub fn supersedes(&self, other: &DisappearingTimer) -> bool {
        self.order_key() > other.order_key()
    }

    /// Takes `incoming` if it wins and is not stamped too far ahead of
    /// `now_ms`; returns whether the setting changed.
    pub fn merge(&mut self, incoming: &DisappearingTimer, now_ms: u64) -> bool {
        let too_far_ahead = incoming.set_at_ms > now_ms.saturating_add(MAX_TIMER_CLOCK_SKEW_MS);
        if incoming.supersedes(self) && !too_far_ahead {
            *self = *incoming;
            true
        } else {
            false
        }
    }

    /// When a message sent at `sent_at_ms` under this setting expires, in
    /// milliseconds since the epoch; `None` when the timer is off.
    pub fn expiry(&self, sent_at_ms: u64) -> Result<Option<u64>> {
        if !self.is_on() {
            return Ok(None);
        }
        if sent_at_ms > MAX_TIMESTAMP_MS {
            return Err(Error::Malformed);
        }
        let span = u64::from(self.duration_secs)
            .checked_mul(1000)
            .ok_or(Error::Internal)?;
        sent_at_ms
            .checked_add(span)
            .map(Some)
            .ok_or(Error::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_wins_and_ties_go_to_the_shorter_timer() {
        let a = DisappearingTimer::new(TIMER_7_DAYS, 10).unwrap();
        let b = DisappearingTimer::new(TIMER_24_HOURS, 10).unwrap();
        let off = DisappearingTimer::new(0, 10).unwrap();
        let later_off = DisappearingTimer::new(0, 11).unwrap();
        assert!(b.supersedes(&a) && !a.supersedes(&b));
        assert!(a.supersedes(&off) && !off.supersedes(&a));
        assert!(later_off.supersedes(&b));
        assert!(!a.supersedes(&a));
    }

    #[test]
    fn a_setting_from_the_far_future_waits() {
        let mut t = DisappearingTimer::OFF;
        let ahead = DisappearingTimer::new(60, 1_000 + MAX_TIMER_CLOCK_SKEW_MS + 1).unwrap();
        assert!(!t.merge(&ahead, 1_000));
        assert_eq!(t, DisappearingTimer::OFF);
        assert!(t.merge(&ahead, 2_000));
        assert_eq!(t, ahead);
    }

    #[test]
    fn expiry_is_checked_at_the_limits() {
        let t = DisappearingTimer::new(u32::MAX, 0).unwrap();
        assert!(t.expiry(MAX_TIMESTAMP_MS).unwrap().is_some());
        assert_eq!(t.expiry(MAX_TIMESTAMP_MS + 1), Err(Error::Malformed));
        assert_eq!(DisappearingTimer::OFF.expiry(u64::MAX), Ok(None));
    }
}
