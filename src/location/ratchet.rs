//! The multi-dimensional live-location ratchet (WhatsApp whitepaper, "Live
//! Location"), with `D` = [`LOCATION_DIMENSIONS`] = 8 chains of
//! `M` = [`LOCATION_STEPS`] = 16 steps each, over a 32-bit iteration.
//!
//! ```text
//! H(k, c)      = HMAC-SHA256(k, c), c one byte
//! CK_1(0)      = 32 random bytes
//! CK_j(0)      = H(CK_{j-1}(i), j+1)          spawn: the first key of dimension j from its parent
//! CK_j(i + 1)  = H(CK_j(i), j+1)              step within dimension j
//! MK(n)        = H(CK_D(d_D), 1)              where n = Σ d_j · M^(D-j), 0 ≤ d_j < M
//! ```
//!
//! (From a dimension-`j` key, `j+1` steps and `j+2` spawns the child; only a
//! dimension-`D` key makes message keys.)
//!
//! **State at position `p`** (the next unused iteration): with `r` the digits
//! of the last used position `p − 1` (before any use, `r = (0, …, 0, −1)`),
//! every `key[j] = CK_j(r_j + 1)`, the key one step past the one on the path
//! to `MK(p − 1)`; for `j < D` that is the parent already stepped past the key
//! that spawned the current child chain. Such a state derives the keys of
//! positions `≥ p` only: it is both the sender's and every viewer's state,
//! and what a distribution carries, so a viewer added at `p` can never read
//! an earlier update (forward secrecy for sender and viewers alike, and no
//! skipped keys to keep).
//!
//! **Using** the key of iteration `t ≥ p` changes the first dimension `j`
//! where the digits of `t` and of the last used position `r = p − 1` differ
//! (`t_j − r_j − 1` steps, then one spawn and one step past), then rebuilds
//! every lower dimension (`t_k` steps, one spawn, one step past; for the
//! last, `t_D` steps, the message key and one step past): at most
//! `D · (M + 1)` = 136 HMACs whatever the gap (134 is reached, jumping from
//! 0 to `u32::MAX − 1`), against up to 2^32 for a linear chain, and 2 for the
//! next update. The state then stands at `t + 1`: every key on the path to
//! the one used has been overwritten.

use alloc::boxed::Box;

use crate::crypto;
use crate::error::{Error, Result};
use crate::secret::Secret32;

/// Number of chain dimensions `D`.
pub const LOCATION_DIMENSIONS: usize = 8;
/// Steps per dimension `M` (`M^D` = 2^32).
pub const LOCATION_STEPS: u32 = 16;
/// Bits of the iteration per dimension.
const DIGIT_BITS: u32 = 4;

/// The digit of dimension `j` (0-based, most significant first) of `n`.
fn digit(n: u32, j: usize) -> u32 {
    // j < 8, so the shift is at most 28 and the digit at most 15.
    let from_right = u32::try_from(LAST.saturating_sub(j)).unwrap_or(0);
    n.wrapping_shr(from_right.wrapping_mul(DIGIT_BITS)) & (LOCATION_STEPS - 1)
}

/// The index of the last dimension, the one that makes message keys.
const LAST: usize = LOCATION_DIMENSIONS - 1;

/// The HMAC constant that steps a key of (0-based) dimension `j`: `j + 2`,
/// which is `{j+1}` in the whitepaper's 1-based numbering. It also spawns
/// dimension `j` from its parent.
fn step_constant(j: usize) -> u8 {
    // j ≤ 8: at most 10.
    u8::try_from(j).unwrap_or(u8::MAX).wrapping_add(2)
}

fn h(key: &Secret32, constant: u8) -> Secret32 {
    #[cfg(test)]
    tests::HMACS.with(|c| c.set(c.get().wrapping_add(1)));
    crypto::hmac_byte(key, constant)
}

/// Steps a dimension-`j` key `count` times.
fn steps(mut key: Secret32, j: usize, count: u32) -> Secret32 {
    for _ in 0..count {
        key = h(&key, step_constant(j));
    }
    key
}

/// The chain keys of one position, as described in the module docs.
pub(super) struct Ratchet {
    /// `key[j]` for each dimension.
    /// Boxed: moving a share or viewer moves a pointer, never the keys.
    pub(super) keys: Box<[Secret32; LOCATION_DIMENSIONS]>,
    /// The next unused iteration.
    pub(super) next: u32,
}

impl Ratchet {
    /// The state at position 0 from `CK_1(0)`.
    pub(super) fn from_seed(seed: Secret32) -> Self {
        let mut parent = seed;
        let keys = core::array::from_fn(|j| {
            if j == LAST {
                parent.duplicate()
            } else {
                let child = h(&parent, step_constant(j.wrapping_add(1)));
                let stepped = h(&parent, step_constant(j));
                parent = child;
                stepped
            }
        });
        Ratchet {
            keys: Box::new(keys),
            next: 0,
        }
    }

    /// The digits `r` of the last used position (`next − 1`); before any use,
    /// `(0, …, 0, −1)`. Every `key[j]` is `CK_j(r_j + 1)`.
    fn last_used(&self) -> [i64; LOCATION_DIMENSIONS] {
        match self.next.checked_sub(1) {
            Some(u) => core::array::from_fn(|j| i64::from(digit(u, j))),
            None => core::array::from_fn(|j| if j == LAST { -1 } else { 0 }),
        }
    }

    /// The key of iteration `t ≥ next` and the state after it (position
    /// `t + 1`), computed on a copy. `t = u32::MAX` has no successor:
    /// [`Error::CounterExhausted`]; `t < next` is [`Error::Stale`].
    pub(super) fn use_at(&self, t: u32) -> Result<(Secret32, Self)> {
        if t < self.next {
            return Err(Error::Stale);
        }
        let after = t.checked_add(1).ok_or(Error::CounterExhausted)?;
        let r = self.last_used();
        // t > the last used position, so at the first digit where they
        // differ, t's is larger.
        let first = (0..LOCATION_DIMENSIONS)
            .find(|&j| r.get(j).is_none_or(|&rj| i64::from(digit(t, j)) != rj))
            .unwrap_or(LAST);
        let from = r.get(first).map_or(0, |&rj| rj.wrapping_add(1));
        let count = u32::try_from(i64::from(digit(t, first)).wrapping_sub(from)).unwrap_or(0);
        let mut keys = self.keys.each_ref().map(Secret32::duplicate);
        let start = keys.get(first).ok_or(Error::Internal)?.duplicate();
        let mut x = steps(start, first, count);
        let mut mk = None;
        for (j, slot) in keys.iter_mut().enumerate().skip(first) {
            if j > first {
                x = steps(x, j, digit(t, j));
            }
            if j == LAST {
                mk = Some(h(&x, 1));
                *slot = h(&x, step_constant(j));
                break;
            }
            let child = h(&x, step_constant(j.wrapping_add(1)));
            *slot = h(&x, step_constant(j));
            x = child;
        }
        let mk = mk.ok_or(Error::Internal)?;
        Ok((
            mk,
            Ratchet {
                keys: Box::new(keys),
                next: after,
            },
        ))
    }
}

/// `MK(n)` from `CK_1(0)`, for known-answer vectors and benchmarks: the same
/// seek a viewer performs to catch up from position 0 to `n`.
pub fn location_message_key(seed: &[u8; 32], n: u32) -> Result<[u8; 32]> {
    let (mk, _) = Ratchet::from_seed(Secret32::new(*seed)).use_at(n)?;
    Ok(*mk.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    std::thread_local! {
        pub(super) static HMACS: core::cell::Cell<u32> = const { core::cell::Cell::new(0) };
    }

    /// The state after using iteration `p - 1` (or the start for `p = 0`).
    fn at(start: &Ratchet, p: u32) -> Ratchet {
        match p.checked_sub(1) {
            Some(u) => start.use_at(u).unwrap().1,
            None => Ratchet {
                keys: Box::new(start.keys.each_ref().map(Secret32::duplicate)),
                next: 0,
            },
        }
    }

    /// HMACs spent using the key at `t` from position `p`.
    fn cost(start: &Ratchet, p: u32, t: u32) -> u32 {
        let from = at(start, p);
        HMACS.with(|c| c.set(0));
        from.use_at(t).unwrap();
        HMACS.with(|c| c.get())
    }

    #[test]
    fn digits_cover_32_bits() {
        assert_eq!(
            u64::from(LOCATION_STEPS).pow(LOCATION_DIMENSIONS as u32),
            1u64 << 32
        );
        assert_eq!(digit(0x1234_5678, 0), 1);
        assert_eq!(digit(0x1234_5678, 7), 8);
    }

    #[test]
    fn using_in_steps_equals_jumping_at_once() {
        let start = Ratchet::from_seed(Secret32::new([9u8; 32]));
        for (a, b) in [
            (0u32, 1u32),
            (14, 15),
            (15, 16),
            (255, 256),
            (0x0fff_ffff, 0x1000_0000),
            (7, 0xfedc_ba98),
            (0, u32::MAX - 1),
        ] {
            let (mk_a, via_a) = start.use_at(a).unwrap();
            let (mk_b, via) = via_a.use_at(b).unwrap();
            let (mk_direct, direct) = start.use_at(b).unwrap();
            assert!(mk_b.ct_eq(&mk_direct), "{a} -> {b}");
            assert!(!mk_a.ct_eq(&mk_b));
            assert_eq!(via.next, direct.next);
            for j in 0..LOCATION_DIMENSIONS {
                assert!(
                    via.keys[j].ct_eq(&direct.keys[j]),
                    "{a} -> {b}, dimension {j}"
                );
            }
            assert_eq!(via.use_at(b).err(), Some(Error::Stale));
        }
        assert_eq!(start.use_at(u32::MAX).err(), Some(Error::CounterExhausted));
    }

    #[test]
    fn catching_up_any_gap_costs_at_most_d_times_m_plus_one() {
        let start = Ratchet::from_seed(Secret32::new([3u8; 32]));
        let bound = LOCATION_DIMENSIONS as u32 * (LOCATION_STEPS + 1);
        let mut worst = (0, 0, 0);
        let mut pairs = alloc::vec![
            (0u32, 0u32),
            (0, 1),
            (0, u32::MAX - 1),
            (0, 0xffff_ffef),
            (0, 0xefff_ffff),
            (0x1000_0000, 0xffff_fffe),
            (0x10, 0xffff_fffe),
            (5, 4_000_000_000),
        ];
        // A deterministic spread of other pairs.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (x >> 32) as u32 % (u32::MAX - 1);
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (x >> 32) as u32 % (u32::MAX - 1);
            pairs.push((a.min(b), a.max(b)));
        }
        for (p, t) in pairs {
            let c = cost(&start, p, t);
            if c > worst.0 {
                worst = (c, p, t);
            }
        }
        std::println!(
            "worst catch-up: {} HMACs ({:#x} -> {:#x}), bound {bound}",
            worst.0,
            worst.1,
            worst.2
        );
        assert!(worst.0 <= bound);
        assert_eq!(cost(&start, 0, u32::MAX - 1), worst.0);
        // The common case: the next update costs two HMACs.
        assert_eq!(cost(&start, 1000, 1000), 2);
    }
}
