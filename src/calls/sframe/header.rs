//! The SFrame header (RFC 9605 §4.3): a config byte, then the key id (KID)
//! and the counter (CTR), each short-encoded.
//!
//! ```text
//!  0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+
//! |X|  K  |Y|  C  |   X = 0: KID = K (0..=7), no KID bytes; X = 1: KID in K + 1 bytes, big-endian
//! +-+-+-+-+-+-+-+-+   Y = 0: CTR = C (0..=7), no CTR bytes; Y = 1: CTR in C + 1 bytes, big-endian
//! config | KID bytes | CTR bytes
//! ```
//!
//! Encoding uses the fewest bytes; decoding reads any length 1 to 8 (the
//! header is authenticated as associated data, so its exact bytes are
//! bound to the frame).

use crate::error::{Error, Result};

/// The longest header: the config byte and eight bytes each of KID and CTR.
pub const MAX_HEADER_LEN: usize = 17;

/// A decoded header: key id, counter, and how many bytes it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SframeHeader {
    /// The key id.
    pub kid: u64,
    /// The frame counter.
    pub ctr: u64,
}

/// Bytes of a value in its shortest big-endian form (at least 1).
fn value_len(v: u64) -> usize {
    let bits = 64usize.saturating_sub(v.leading_zeros() as usize);
    bits.div_ceil(8).max(1)
}

fn put(out: &mut [u8], v: u64, n: usize) -> Result<()> {
    let bytes = v.to_be_bytes();
    let src = bytes
        .get(8usize.saturating_sub(n)..)
        .ok_or(Error::Internal)?;
    out.get_mut(..n)
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(src);
    Ok(())
}

fn get(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b))
}

impl SframeHeader {
    /// The encoded length.
    pub fn len(&self) -> usize {
        let kid = if self.kid < 8 { 0 } else { value_len(self.kid) };
        let ctr = if self.ctr < 8 { 0 } else { value_len(self.ctr) };
        kid.saturating_add(ctr).saturating_add(1)
    }

    /// Never empty: the config byte is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Writes the header into `out`; returns its length.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize> {
        let len = self.len();
        let out = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
        let (config, rest) = out.split_first_mut().ok_or(Error::BufferTooSmall)?;
        let mut c = 0u8;
        let mut at = 0usize;
        if self.kid < 8 {
            c |= (self.kid as u8) << 4;
        } else {
            let n = value_len(self.kid);
            c |= 0x80 | ((n.saturating_sub(1) as u8) << 4);
            put(rest, self.kid, n)?;
            at = n;
        }
        if self.ctr < 8 {
            c |= self.ctr as u8;
        } else {
            let n = value_len(self.ctr);
            c |= 0x08 | (n.saturating_sub(1) as u8);
            put(
                rest.get_mut(at..).ok_or(Error::BufferTooSmall)?,
                self.ctr,
                n,
            )?;
        }
        *config = c;
        Ok(len)
    }

    /// Reads a header from the front of `bytes`: the header and its length.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize)> {
        let (&config, rest) = bytes.split_first().ok_or(Error::Malformed)?;
        let mut at = 0usize;
        let kid = if config & 0x80 == 0 {
            u64::from((config >> 4) & 0x07)
        } else {
            let n = usize::from((config >> 4) & 0x07).saturating_add(1);
            let v = get(rest.get(..n).ok_or(Error::Malformed)?);
            at = n;
            v
        };
        let ctr = if config & 0x08 == 0 {
            u64::from(config & 0x07)
        } else {
            let n = usize::from(config & 0x07).saturating_add(1);
            let end = at.checked_add(n).ok_or(Error::Malformed)?;
            let v = get(rest.get(at..end).ok_or(Error::Malformed)?);
            at = end;
            v
        };
        Ok((SframeHeader { kid, ctr }, at.saturating_add(1)))
    }
}
