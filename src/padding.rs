//! Plaintext padding of 1:1 and group messages, so that a message's length
//! on the wire reveals only its size class.
//!
//! ```text
//! pad(m) = m ‖ 0x80 ‖ 0x00^k      k = the smallest k ≥ 0 with (|m| + 1 + k) mod PAD_BLOCK = 0
//! ```
//!
//! The marker and zeros (1 to `PAD_BLOCK` bytes) always fit in the last
//! block, so removal reads only the last `PAD_BLOCK` bytes. It runs in
//! constant time over them: [`unpad_ct`] visits every byte with the same
//! operations whatever its value and reports the result as a [`Choice`]; only
//! [`unpad`] turns that into a branch, after the whole block was read. The
//! padded plaintext is authenticated before it is unpadded, so an attacker
//! cannot submit padding of their own; constant time keeps the length of the
//! real message out of the timing anyway.

use alloc::vec::Vec;

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Padded plaintexts are a whole number of blocks of this many bytes.
pub const PAD_BLOCK: usize = 32;

/// The padding marker; every byte after it is zero.
const MARKER: u8 = 0x80;

/// The length of `pad(m)` for `|m| = len`, or `None` on overflow.
pub fn padded_len(len: usize) -> Option<usize> {
    let with_marker = len.checked_add(1)?;
    let rest = with_marker.checked_rem(PAD_BLOCK)?;
    if rest == 0 {
        Some(with_marker)
    } else {
        with_marker.checked_add(PAD_BLOCK.checked_sub(rest)?)
    }
}

/// Appends `pad(plaintext)` to `out`.
pub(crate) fn pad_into(out: &mut Vec<u8>, plaintext: &[u8]) -> Result<()> {
    let total = padded_len(plaintext.len()).ok_or(Error::LimitExceeded)?;
    out.extend_from_slice(plaintext);
    out.push(MARKER);
    // total > plaintext.len() by construction.
    let zeros = total.saturating_sub(plaintext.len()).saturating_sub(1);
    out.resize(out.len().saturating_add(zeros), 0);
    Ok(())
}

/// The constant-time core of padding removal: whether `padded` ends in a
/// valid `0x80 ‖ 0x00*` within its last block, and the message length if so.
///
/// The length of `padded` is public (it is the ciphertext's); every byte of
/// the last block is secret and is read with the same operations. A length
/// that is zero or not a multiple of [`PAD_BLOCK`] gives `Choice(0)`.
pub fn unpad_ct(padded: &[u8]) -> (Choice, usize) {
    let len = padded.len();
    if len == 0 || !len.is_multiple_of(PAD_BLOCK) {
        return (Choice::from(0), 0);
    }
    let start = len.saturating_sub(PAD_BLOCK);
    let tail = padded.get(start..).unwrap_or(&[]);
    // Walk the last block from its end: the first non-zero byte met is the
    // marker; `seen` records that it has been met.
    let mut seen = Choice::from(0);
    let mut bad = Choice::from(0);
    let mut at = 0u64;
    for (i, b) in tail.iter().enumerate().rev() {
        let nonzero = !b.ct_eq(&0);
        let first = nonzero & !seen;
        at.conditional_assign(&(i as u64), first);
        bad |= first & !b.ct_eq(&MARKER);
        seen |= nonzero;
    }
    // `at` < PAD_BLOCK, so the sum stays below `len`.
    let message_len = start.saturating_add(at as usize);
    (seen & !bad, message_len)
}

/// Removes the padding in place. Invalid padding is `Malformed`, and the
/// buffer is wiped before it is dropped.
pub(crate) fn unpad(mut padded: Vec<u8>) -> Result<Vec<u8>> {
    let (ok, message_len) = unpad_ct(&padded);
    // ct-declassify: padding-verdict (the next line)
    if bool::from(ok) {
        padded.truncate(message_len);
        Ok(padded)
    } else {
        padded.zeroize();
        Err(Error::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn round_trip_at_every_length_of_three_blocks() {
        for len in 0..3 * PAD_BLOCK {
            let m: Vec<u8> = (0..len).map(|i| (i % 251) as u8 | 1).collect();
            let mut out = vec![0xEE];
            pad_into(&mut out, &m).unwrap();
            let padded = out.split_off(1);
            assert_eq!(padded.len(), padded_len(len).unwrap());
            assert_eq!(padded.len() % PAD_BLOCK, 0);
            assert!(padded.len() > len && padded.len() <= len + PAD_BLOCK);
            assert_eq!(unpad(padded).unwrap(), m);
        }
    }

    #[test]
    fn messages_ending_in_marker_or_zero_bytes_survive() {
        for m in [vec![0x80], vec![0u8; 31], vec![0u8; 32], vec![0x80, 0, 0]] {
            let mut out = Vec::new();
            pad_into(&mut out, &m).unwrap();
            assert_eq!(unpad(out).unwrap(), m);
        }
    }

    #[test]
    fn invalid_padding_is_malformed() {
        let mut good = Vec::new();
        pad_into(&mut good, b"hello").unwrap();
        let cases: [Vec<u8>; 6] = [
            Vec::new(),
            vec![0u8; PAD_BLOCK],
            vec![0x80; PAD_BLOCK - 1],
            {
                let mut v = good.clone();
                *v.last_mut().unwrap() = 1;
                v
            },
            {
                let mut v = good.clone();
                v[5] = 0x81;
                v
            },
            // The marker more than a block from the end.
            {
                let mut v = vec![0x80];
                v.resize(2 * PAD_BLOCK, 0);
                v
            },
        ];
        for c in cases {
            assert_eq!(unpad(c), Err(Error::Malformed));
        }
    }

    #[test]
    fn overflow_is_refused() {
        assert_eq!(padded_len(usize::MAX), None);
        assert_eq!(padded_len(usize::MAX - 1), None);
    }
}
