//! A small, strict binary codec.
//!
//! Integers are big-endian and fixed width, except the two per-message
//! counters of the Double Ratchet header, which are unsigned LEB128 varints of
//! at most 5 bytes that must be minimal (no redundant `0x80` continuation) and
//! fit in a `u32`. A decoder must consume its input exactly: trailing bytes are
//! an error.

use alloc::vec::Vec;

use crate::error::{Error, Result};

/// Reads fields from a borrowed byte slice, failing on the first short read.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Error::Malformed);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(b);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A boolean flag byte: exactly `0` or `1`.
    pub(crate) fn flag(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }

    /// A flags byte whose bits are all within `allowed`.
    pub(crate) fn flags(&mut self, allowed: u8) -> Result<u8> {
        let b = self.u8()?;
        if b & !allowed != 0 {
            return Err(Error::Malformed);
        }
        Ok(b)
    }

    /// A minimal LEB128 varint that fits in a `u32` (1 to 5 bytes).
    pub(crate) fn varint_u32(&mut self) -> Result<u32> {
        let mut value: u32 = 0;
        for i in 0..5u32 {
            let byte = self.u8()?;
            let low = u32::from(byte & 0x7f);
            if i == 4 && low > 0x0f {
                return Err(Error::Malformed);
            }
            // i < 5, so the shift is at most 28 bits.
            value |= low.wrapping_shl(i.wrapping_mul(7));
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return Err(Error::Malformed);
                }
                return Ok(value);
            }
        }
        Err(Error::Malformed)
    }

    /// Everything left.
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let r = self.buf;
        self.buf = &[];
        r
    }

    /// Succeeds only if every byte was consumed.
    pub(crate) fn finish(self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::Malformed)
        }
    }
}

/// Appends a minimal LEB128 encoding of `v`.
pub(crate) fn put_varint_u32(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v & 0x7f) as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn varint_round_trip_and_minimality() {
        for v in [0u32, 1, 127, 128, 300, 16383, 16384, u32::MAX - 1, u32::MAX] {
            let mut out = Vec::new();
            put_varint_u32(&mut out, v);
            let mut r = Reader::new(&out);
            assert_eq!(r.varint_u32().unwrap(), v);
            r.finish().unwrap();
        }
        // non-minimal zero, non-minimal one, overlong, overflow
        for bad in [
            vec![0x80, 0x00],
            vec![0x81, 0x00],
            vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x00],
            vec![0xff, 0xff, 0xff, 0xff, 0x10],
            vec![0x80],
        ] {
            assert_eq!(
                Reader::new(&bad).varint_u32(),
                Err(Error::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn trailing_bytes_rejected() {
        let mut r = Reader::new(&[1, 2]);
        r.u8().unwrap();
        assert_eq!(r.finish(), Err(Error::Malformed));
    }
}
