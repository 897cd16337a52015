//! What a message says: one typed content per envelope, each with its own
//! strict body codec.
//!
//! ```text
//! type  content            body
//! 1     text               UTF-8, 1..=MAX_TEXT_LEN bytes
//! 2     app bytes          0..=MAX_ENVELOPE_BODY_LEN bytes in the app's own format
//! 3     attachment         the descriptor (attachment.rs)
//! 4     location           the 48-byte location payload (location::payload)
//! 5     call signalling    crate::calls::CallSignal's encoding (offer, answer, key update, leave, end)
//! 6     timer change       duration_secs u32; equal to the envelope's timer, set at its sent_at_ms
//! 7     receipt            receipt.rs
//! 8     device history     the descriptor of a new device's history blob (attachment.rs's encoding;
//!                          the blob is under its own context, crate::devices::LABEL_DEVICE_HISTORY)
//! 9..   unassigned         reported as unknown, with the type and the body
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use super::attachment::AttachmentDescriptor;
use super::receipt::Receipt;
use crate::calls::CallSignal;
use crate::error::{Error, Result};
use crate::location::Location;

/// The longest text, in bytes of UTF-8.
pub const MAX_TEXT_LEN: usize = 64 * 1024;
/// The longest body of any content, in bytes.
pub const MAX_ENVELOPE_BODY_LEN: usize = 256 * 1024;

/// Content type codes.
pub const CONTENT_TEXT: u16 = 1;
/// App bytes.
pub const CONTENT_APP_BYTES: u16 = 2;
/// An attachment descriptor.
pub const CONTENT_ATTACHMENT: u16 = 3;
/// A location.
pub const CONTENT_LOCATION: u16 = 4;
/// Call signalling.
pub const CONTENT_CALL: u16 = 5;
/// A disappearing-timer change.
pub const CONTENT_TIMER_CHANGE: u16 = 6;
/// A receipt.
pub const CONTENT_RECEIPT: u16 = 7;
/// A new device's history: the descriptor of its blob.
pub const CONTENT_DEVICE_HISTORY: u16 = 8;

/// The content of a message.
#[derive(Clone, PartialEq)]
pub enum Content {
    /// Text, wiped on drop.
    Text(Zeroizing<String>),
    /// Bytes in the app's own format, wiped on drop.
    AppBytes(Zeroizing<Vec<u8>>),
    /// An attachment's descriptor.
    Attachment(AttachmentDescriptor),
    /// A one-shot location.
    Location(Location),
    /// Call signalling: an offer, answer, key update, leave or end (an
    /// offer's and a key update's secret stay inside: derive media keys
    /// from it).
    Call(CallSignal),
    /// The sender set the conversation's disappearing timer to this many
    /// seconds (0: off), at the envelope's `sent_at_ms`.
    TimerChange(u32),
    /// A receipt for earlier messages.
    Receipt(Receipt),
    /// The descriptor of a history blob the primary encrypted for this new
    /// device ([`crate::attachment::AttachmentDecryptor::new_history`]).
    /// Import it, then acknowledge the message: the key is deleted with it.
    DeviceHistory(AttachmentDescriptor),
    /// A content type this release does not read (from a newer sender):
    /// the app may show "update to see this message". The body is kept,
    /// wiped on drop.
    Unknown {
        /// The content type code.
        content_type: u16,
        /// The body as sent.
        body: Zeroizing<Vec<u8>>,
    },
}

impl fmt::Debug for Content {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Content::Text(t) => f.debug_struct("Text").field("len", &t.len()).finish(),
            Content::AppBytes(b) => f.debug_struct("AppBytes").field("len", &b.len()).finish(),
            Content::Attachment(a) => f.debug_tuple("Attachment").field(a).finish(),
            Content::DeviceHistory(a) => f.debug_tuple("DeviceHistory").field(a).finish(),
            Content::Location(_) => f.write_str("Location"),
            Content::Call(c) => f.debug_tuple("Call").field(c).finish(),
            Content::TimerChange(d) => f.debug_tuple("TimerChange").field(d).finish(),
            Content::Receipt(r) => f
                .debug_struct("Receipt")
                .field("kind", &r.kind)
                .field("count", &r.sent_at_ms.len())
                .finish(),
            Content::Unknown { content_type, body } => f
                .debug_struct("Unknown")
                .field("content_type", content_type)
                .field("len", &body.len())
                .finish(),
        }
    }
}

/// Whether this release reads content of type `t` (others are unknown).
fn is_known(t: u16) -> bool {
    matches!(
        t,
        CONTENT_TEXT
            | CONTENT_APP_BYTES
            | CONTENT_ATTACHMENT
            | CONTENT_LOCATION
            | CONTENT_TIMER_CHANGE
            | CONTENT_RECEIPT
            | CONTENT_DEVICE_HISTORY
            | CONTENT_CALL
    )
}

impl Content {
    /// The content type code.
    pub fn content_type(&self) -> u16 {
        match self {
            Content::Text(_) => CONTENT_TEXT,
            Content::AppBytes(_) => CONTENT_APP_BYTES,
            Content::Attachment(_) => CONTENT_ATTACHMENT,
            Content::Location(_) => CONTENT_LOCATION,
            Content::Call(_) => CONTENT_CALL,
            Content::TimerChange(_) => CONTENT_TIMER_CHANGE,
            Content::Receipt(_) => CONTENT_RECEIPT,
            Content::DeviceHistory(_) => CONTENT_DEVICE_HISTORY,
            Content::Unknown { content_type, .. } => *content_type,
        }
    }

    /// Text content.
    pub fn text(text: &str) -> Self {
        Content::Text(Zeroizing::new(String::from(text)))
    }

    /// The body alone, in its content type's encoding (for hosts that
    /// carry content as a type and bytes: the C ABI). Wiped on drop.
    pub fn body(&self) -> Result<Zeroizing<Vec<u8>>> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.body_len_hint()));
        self.encode_body(&mut out)?;
        Ok(out)
    }

    /// Content from a type and a body in that type's encoding: the
    /// decoder's checks apply, and a type this release does not read is
    /// [`Content::Unknown`].
    pub fn from_body(content_type: u16, body: &[u8]) -> Result<Self> {
        if body.len() > MAX_ENVELOPE_BODY_LEN {
            return Err(Error::LimitExceeded);
        }
        Self::decode_body(content_type, body)
    }

    /// The body's length, or an upper bound: the capacity an encoder
    /// reserves so that the buffer holding the plaintext never moves (a
    /// moved buffer would leave an unwiped copy behind).
    pub(super) fn body_len_hint(&self) -> usize {
        match self {
            Content::Text(t) => t.len(),
            Content::AppBytes(b) | Content::Unknown { body: b, .. } => b.len(),
            Content::Attachment(a) | Content::DeviceHistory(a) => a
                .thumbnail
                .as_ref()
                .map_or(0, |t| t.len())
                .saturating_add(256),
            Content::Location(_) => crate::location::LOCATION_PAYLOAD_LEN,
            Content::Call(c) => c.encoded_len(),
            Content::TimerChange(_) => 4,
            Content::Receipt(r) => r.sent_at_ms.len().saturating_mul(8).saturating_add(3),
        }
    }

    /// The body encoding.
    pub(super) fn encode_body(&self, out: &mut Vec<u8>) -> Result<()> {
        match self {
            Content::Text(t) => {
                if t.is_empty() || t.len() > MAX_TEXT_LEN {
                    return Err(Error::LimitExceeded);
                }
                out.extend_from_slice(t.as_bytes());
            }
            Content::AppBytes(b) => out.extend_from_slice(b),
            Content::Attachment(a) | Content::DeviceHistory(a) => a.encode_into(out)?,
            Content::Location(l) => out.extend_from_slice(&l.encode()?),
            Content::Call(c) => c.encode_into(out)?,
            Content::TimerChange(d) => out.extend_from_slice(&d.to_be_bytes()),
            Content::Receipt(r) => r.encode_into(out)?,
            Content::Unknown { content_type, body } => {
                // A type this release reads is never sent unchecked.
                if is_known(*content_type) || *content_type == 0 {
                    return Err(Error::Malformed);
                }
                out.extend_from_slice(body);
            }
        }
        Ok(())
    }

    /// Decodes a body of type `content_type` (any length checks done).
    pub(super) fn decode_body(content_type: u16, body: &[u8]) -> Result<Self> {
        Ok(match content_type {
            CONTENT_TEXT => {
                if body.is_empty() || body.len() > MAX_TEXT_LEN {
                    return Err(Error::Malformed);
                }
                let s = core::str::from_utf8(body).map_err(|_| Error::Malformed)?;
                Content::Text(Zeroizing::new(String::from(s)))
            }
            CONTENT_APP_BYTES => Content::AppBytes(Zeroizing::new(body.to_vec())),
            CONTENT_ATTACHMENT => Content::Attachment(AttachmentDescriptor::decode(body)?),
            CONTENT_LOCATION => Content::Location(Location::decode(body)?),
            CONTENT_CALL => Content::Call(CallSignal::decode(body)?),
            CONTENT_TIMER_CHANGE => {
                let d: [u8; 4] = body.try_into().map_err(|_| Error::Malformed)?;
                Content::TimerChange(u32::from_be_bytes(d))
            }
            CONTENT_RECEIPT => Content::Receipt(Receipt::decode(body)?),
            CONTENT_DEVICE_HISTORY => Content::DeviceHistory(AttachmentDescriptor::decode(body)?),
            0 => return Err(Error::Malformed),
            other => Content::Unknown {
                content_type: other,
                body: Zeroizing::new(body.to_vec()),
            },
        })
    }
}
