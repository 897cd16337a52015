//! Receipts: which messages of a conversation were delivered, read or
//! played, named by their senders' timestamps.
//!
//! ```text
//! kind u8 (1 delivered, 2 read, 3 played) | count u16 (1..=MAX_RECEIPT_IDS) | count × sent_at_ms u64
//! ```

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::error::{Error, Result};

/// The most messages one receipt names.
pub const MAX_RECEIPT_IDS: usize = 256;

/// What a receipt says about the messages it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// They reached the recipient's device.
    Delivered,
    /// The recipient saw them.
    Read,
    /// The recipient played them (voice notes, videos).
    Played,
}

impl ReceiptKind {
    /// The kind's code: 1 delivered, 2 read, 3 played.
    pub fn code(self) -> u8 {
        match self {
            ReceiptKind::Delivered => 1,
            ReceiptKind::Read => 2,
            ReceiptKind::Played => 3,
        }
    }

    /// The kind with this code.
    pub fn from_code(code: u8) -> Result<Self> {
        match code {
            1 => Ok(ReceiptKind::Delivered),
            2 => Ok(ReceiptKind::Read),
            3 => Ok(ReceiptKind::Played),
            _ => Err(Error::Malformed),
        }
    }
}

/// A receipt for messages of the conversation it is sent in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Receipt {
    /// Delivered, read or played.
    pub kind: ReceiptKind,
    /// The `sent_at_ms` of each message it is for (1 to [`MAX_RECEIPT_IDS`]).
    pub sent_at_ms: Vec<u64>,
}

impl Receipt {
    pub(super) fn encode_into(&self, out: &mut Vec<u8>) -> Result<()> {
        let n = self.sent_at_ms.len();
        if n == 0 || n > MAX_RECEIPT_IDS {
            return Err(Error::LimitExceeded);
        }
        out.push(self.kind.code());
        out.extend_from_slice(
            &u16::try_from(n)
                .map_err(|_| Error::LimitExceeded)?
                .to_be_bytes(),
        );
        for t in &self.sent_at_ms {
            out.extend_from_slice(&t.to_be_bytes());
        }
        Ok(())
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let kind = ReceiptKind::from_code(r.u8()?)?;
        let n = usize::from(r.u16()?);
        if n == 0 || n > MAX_RECEIPT_IDS {
            return Err(Error::Malformed);
        }
        let mut sent_at_ms = Vec::with_capacity(n);
        for _ in 0..n {
            sent_at_ms.push(r.u64()?);
        }
        r.finish()?;
        Ok(Receipt { kind, sent_at_ms })
    }
}
