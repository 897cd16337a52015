//! The typed content envelope: what every message of the content API
//! carries inside its encryption, so the server can neither read nor change
//! any of it.
//!
//! ```text
//! offset size
//! 0      1    version 0x02 (WIRE_VERSION)
//! 1      1    type 0x09 (TYPE_ENVELOPE)
//! 2      2    content type u16 (content.rs)
//! 4      8    sent_at_ms u64, the sender's clock (≤ MAX_TIMESTAMP_MS)
//! 12     4    timer duration_secs u32, 0 = off    } the sender's disappearing setting
//! 16     8    timer set_at_ms u64 (≤ sent_at_ms)  } for this conversation (timer.rs)
//! 24     4    body length u32 (≤ MAX_ENVELOPE_BODY_LEN)
//! 28     n    body, exactly the length given
//! ```
//!
//! The envelope is the plaintext of a 1:1 or group message; the ratchet's
//! padding hides its length. Decoding is strict: a short or trailing byte,
//! a bad flag, a timestamp past [`MAX_TIMESTAMP_MS`], a timer set after the
//! message was sent, or a timer change that disagrees with the envelope's
//! timer is [`Error::Malformed`]. A content type this release does not read
//! is not an error: it decodes to [`Content::Unknown`], so a newer sender
//! never breaks a conversation.
//!
//! A message expires at `sent_at_ms + 1000 · timer.duration_secs` (never
//! when the timer is off): sender and receivers compute the same instant
//! from the same authenticated fields.

mod attachment;
mod content;
mod receipt;
mod timer;

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Result};
use crate::wire::{TYPE_ENVELOPE, WIRE_VERSION, check_prefix};

pub use attachment::{AttachmentDescriptor, MAX_MEDIA_TYPE_LEN, MAX_THUMBNAIL_LEN};
pub use content::{
    CONTENT_APP_BYTES, CONTENT_ATTACHMENT, CONTENT_CALL, CONTENT_DEVICE_HISTORY, CONTENT_LOCATION,
    CONTENT_RECEIPT, CONTENT_TEXT, CONTENT_TIMER_CHANGE, Content, MAX_ENVELOPE_BODY_LEN,
    MAX_TEXT_LEN,
};
pub use receipt::{MAX_RECEIPT_IDS, Receipt, ReceiptKind};
pub use timer::{
    DisappearingTimer, MAX_TIMER_CLOCK_SKEW_MS, MAX_TIMESTAMP_MS, TIMER_7_DAYS, TIMER_24_HOURS,
    TIMER_90_DAYS,
};

/// The length of the envelope's fixed header.
pub const ENVELOPE_HEADER_LEN: usize = 28;

/// A message's typed content with the sender's timestamp and disappearing
/// setting. `Debug` shows the type and lengths, never the content.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// When the sender sent it, milliseconds since the Unix epoch; with the
    /// sender it names the message (receipts use it).
    pub sent_at_ms: u64,
    /// The sender's disappearing setting for the conversation when it sent
    /// the message; the message expires under it.
    pub timer: DisappearingTimer,
    /// What the message says.
    pub content: Content,
}

impl Envelope {
    /// An envelope sent at `sent_at_ms` under the conversation's `timer`.
    /// For [`Content::TimerChange`] the envelope's timer is the new
    /// setting, chosen now, whatever `timer` is.
    pub fn new(content: Content, sent_at_ms: u64, timer: DisappearingTimer) -> Self {
        let timer = match content {
            Content::TimerChange(d) => DisappearingTimer {
                duration_secs: d,
                set_at_ms: sent_at_ms,
            },
            _ => timer,
        };
        Envelope {
            sent_at_ms,
            timer,
            content,
        }
    }

    /// When the message expires (milliseconds since the epoch), `None` if
    /// it never does.
    pub fn expires_at_ms(&self) -> Result<Option<u64>> {
        self.timer.expiry(self.sent_at_ms)
    }

    /// Whether the message has expired at `now_ms`: it is not to be shown.
    pub fn is_expired(&self, now_ms: u64) -> Result<bool> {
        Ok(self.expires_at_ms()?.is_some_and(|at| at <= now_ms))
    }

    fn check(&self) -> Result<()> {
        if self.sent_at_ms > MAX_TIMESTAMP_MS || self.timer.set_at_ms > self.sent_at_ms {
            return Err(Error::Malformed);
        }
        if let Content::TimerChange(d) = self.content
            && (self.timer.duration_secs != d || self.timer.set_at_ms != self.sent_at_ms)
        {
            return Err(Error::Malformed);
        }
        Ok(())
    }

    /// The encoding (holds the content; wiped on drop). Content the decoder
    /// would refuse is refused here too.
    pub fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.check()?;
        let mut out = Zeroizing::new(Vec::with_capacity(
            ENVELOPE_HEADER_LEN.saturating_add(self.content.body_len_hint()),
        ));
        out.push(WIRE_VERSION);
        out.push(TYPE_ENVELOPE);
        out.extend_from_slice(&self.content.content_type().to_be_bytes());
        out.extend_from_slice(&self.sent_at_ms.to_be_bytes());
        out.extend_from_slice(&self.timer.duration_secs.to_be_bytes());
        out.extend_from_slice(&self.timer.set_at_ms.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
        // The body goes in place; its length is written after it.
        self.content.encode_body(&mut out)?;
        let body_len = out.len().saturating_sub(ENVELOPE_HEADER_LEN);
        if body_len > MAX_ENVELOPE_BODY_LEN {
            return Err(Error::LimitExceeded);
        }
        let len = u32::try_from(body_len).map_err(|_| Error::LimitExceeded)?;
        out.get_mut(ENVELOPE_HEADER_LEN - 4..ENVELOPE_HEADER_LEN)
            .ok_or(Error::Internal)?
            .copy_from_slice(&len.to_be_bytes());
        Ok(out)
    }

    /// Decodes an envelope (the plaintext of a content message).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_ENVELOPE)?;
        let content_type = r.u16()?;
        let sent_at_ms = r.u64()?;
        let duration_secs = r.u32()?;
        let set_at_ms = r.u64()?;
        let len = usize::try_from(r.u32()?).map_err(|_| Error::Malformed)?;
        if len > MAX_ENVELOPE_BODY_LEN {
            return Err(Error::Malformed);
        }
        let body = r.bytes(len)?;
        r.finish()?;
        let envelope = Envelope {
            sent_at_ms,
            timer: DisappearingTimer {
                duration_secs,
                set_at_ms,
            },
            content: Content::decode_body(content_type, body)?,
        };
        envelope.check()?;
        Ok(envelope)
    }
}
