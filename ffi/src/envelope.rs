//! The content envelope (`docs/PROTOCOL.md` §15) for hosts that encrypt
//! with sessions and groups themselves: content travels as a type and a
//! body in that type's encoding.

use sotto::{Content, DisappearingTimer, Envelope};

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::ptr;
use crate::status::sotto_status;

/// Content type: UTF-8 text.
pub const SOTTO_CONTENT_TEXT: u16 = 1;
/// Content type: bytes in the app's own format.
pub const SOTTO_CONTENT_APP_BYTES: u16 = 2;
/// Content type: an attachment descriptor.
pub const SOTTO_CONTENT_ATTACHMENT: u16 = 3;
/// Content type: a 48-byte location payload.
pub const SOTTO_CONTENT_LOCATION: u16 = 4;
/// Content type: call signalling (decode with `sotto_call_signal_decode`).
pub const SOTTO_CONTENT_CALL: u16 = 5;
/// Content type: a disappearing-timer change (duration u32, big-endian).
pub const SOTTO_CONTENT_TIMER_CHANGE: u16 = 6;
/// Content type: a receipt.
pub const SOTTO_CONTENT_RECEIPT: u16 = 7;
/// Content type: a new device's history (an attachment descriptor whose
/// blob opens with `sotto_history_decryptor_new`).
pub const SOTTO_CONTENT_DEVICE_HISTORY: u16 = 8;

/// What a content message carries besides its body. Flags are 0 or 1.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_message_info {
    /// The content type (`SOTTO_CONTENT_*`, or a newer one this release
    /// does not read: show "update to see this message").
    pub content_type: u16,
    /// 1 if the message had expired when it arrived: it is not to be shown,
    /// and its body is empty.
    pub expired: u8,
    /// 1 if the message disappears at `expires_at_ms`.
    pub has_expiry: u8,
    /// The sender's timestamp, milliseconds since the epoch.
    pub sent_at_ms: u64,
    /// When `has_expiry`: when the message disappears.
    pub expires_at_ms: u64,
    /// The message's disappearing timer, seconds (0: off).
    pub timer_secs: u32,
    /// When that timer was set, milliseconds since the epoch.
    pub timer_set_at_ms: u64,
}

impl sotto_message_info {
    pub(crate) fn of(envelope: &Envelope) -> Result<Self, sotto_status> {
        let expiry = envelope.expires_at_ms()?;
        Ok(sotto_message_info {
            content_type: envelope.content.content_type(),
            expired: 0,
            has_expiry: u8::from(expiry.is_some()),
            sent_at_ms: envelope.sent_at_ms,
            expires_at_ms: expiry.unwrap_or(0),
            timer_secs: envelope.timer.duration_secs,
            timer_set_at_ms: envelope.timer.set_at_ms,
        })
    }
}

/// Encodes an envelope: content of `content_type` with `body` in that
/// type's encoding, sent at `sent_at_ms` under the timer (`timer_secs`, set
/// at `timer_set_at_ms`). Content the decoder would refuse is refused
/// (`SOTTO_STATUS_MALFORMED`, `SOTTO_STATUS_LIMIT_EXCEEDED`).
///
/// # Safety
///
/// `body` is NULL (with length 0) or readable for its length; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_envelope_encode(
    content_type: u16,
    body: *const u8,
    body_len: usize,
    sent_at_ms: u64,
    timer_secs: u32,
    timer_set_at_ms: u64,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let body = unsafe { ptr::slice(body, body_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let content = Content::from_body(content_type, body)?;
        let timer = DisappearingTimer::new(timer_secs, timer_set_at_ms)?;
        let bytes = Envelope::new(content, sent_at_ms, timer).encode()?;
        *out = sotto_buffer::from_vec(bytes.to_vec());
        Ok(())
    })
}

/// Decodes an envelope into what it carries (`*info`) and its body in its
/// content type's encoding (`*body`). A content type this release does not
/// read is not an error: its type and body are given as they came.
///
/// # Safety
///
/// `bytes` is NULL (with length 0) or readable for its length; `info` and
/// `body` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_envelope_decode(
    bytes: *const u8,
    len: usize,
    info: *mut sotto_message_info,
    body: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(bytes, len) }?;
        // SAFETY: caller contract.
        let info = unsafe { ptr::out(info) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::out(body) }?;
        let envelope = Envelope::decode(bytes)?;
        let meta = sotto_message_info::of(&envelope)?;
        let content = envelope.content.body()?;
        *info = meta;
        *body = sotto_buffer::from_vec(content.to_vec());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_the_cores() {
        use sotto::envelope as e;
        assert_eq!(
            [
                SOTTO_CONTENT_TEXT,
                SOTTO_CONTENT_APP_BYTES,
                SOTTO_CONTENT_ATTACHMENT,
                SOTTO_CONTENT_LOCATION,
                SOTTO_CONTENT_CALL,
                SOTTO_CONTENT_TIMER_CHANGE,
                SOTTO_CONTENT_RECEIPT,
                SOTTO_CONTENT_DEVICE_HISTORY
            ],
            [
                e::CONTENT_TEXT,
                e::CONTENT_APP_BYTES,
                e::CONTENT_ATTACHMENT,
                e::CONTENT_LOCATION,
                e::CONTENT_CALL,
                e::CONTENT_TIMER_CHANGE,
                e::CONTENT_RECEIPT,
                e::CONTENT_DEVICE_HISTORY
            ]
        );
    }
}
