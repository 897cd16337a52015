//! Content messages through the store (feature `store`): typed envelopes
//! with disappearing timers, their purge at expiry, and the account report.

use ::sotto_store::{Conversation, Incoming, Sent, Store};
use sotto::Content;

use crate::buffer::sotto_buffer;
use crate::envelope::sotto_message_info;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::store::sotto_store;
use crate::{identity_key, ptr};

/// A content message committed to the outbox.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_sent {
    /// The outbox entry: `sotto_store_ack_outgoing` it once sent.
    pub id: i64,
    /// The envelope's timestamp (names the message in receipts).
    pub sent_at_ms: u64,
    /// When the message disappears (milliseconds since the epoch); 0: never.
    pub expires_at_ms: u64,
}

/// Conversation kind: a contact (1:1), by the app's name for it.
pub const SOTTO_CONVERSATION_CONTACT: u32 = 0;
/// Conversation kind: a group, by group id.
pub const SOTTO_CONVERSATION_GROUP: u32 = 1;

fn conversation(kind: u32, name: &[u8]) -> Result<Conversation<'_>, sotto_status> {
    match kind {
        SOTTO_CONVERSATION_CONTACT => Ok(Conversation::Contact(name)),
        SOTTO_CONVERSATION_GROUP => Ok(Conversation::Group(name)),
        _ => Err(sotto_status::InvalidArgument),
    }
}

/// Writes a send's result.
pub(crate) fn sent_out(sent: Sent, out: &mut sotto_sent, message: &mut sotto_buffer) {
    *out = sotto_sent {
        id: sent.outgoing.id,
        sent_at_ms: sent.sent_at_ms,
        expires_at_ms: sent.outgoing.expires_at_ms.unwrap_or(0),
    };
    *message = sotto_buffer::from_vec(sent.outgoing.message);
}

/// Writes a receive's result: the inbox id (0 when it arrived expired),
/// what the envelope carries and the content's body.
pub(crate) fn received_out(
    got: Incoming,
    id: &mut i64,
    info: &mut sotto_message_info,
    body: &mut sotto_buffer,
) -> Result<(), sotto_status> {
    let (meta, content) = match &got.envelope {
        Some(e) => {
            // The expiry here: the conversation's newer, shorter setting
            // may make it earlier than the envelope's own.
            let meta = sotto_message_info {
                has_expiry: u8::from(got.expires_at_ms.is_some()),
                expires_at_ms: got.expires_at_ms.unwrap_or(0),
                ..sotto_message_info::of(e)?
            };
            (meta, e.content.body()?.to_vec())
        }
        None => (
            sotto_message_info {
                expired: u8::from(got.expired),
                has_expiry: u8::from(got.expires_at_ms.is_some()),
                expires_at_ms: got.expires_at_ms.unwrap_or(0),
                ..sotto_message_info::default()
            },
            Vec::new(),
        ),
    };
    *id = got.id;
    *info = meta;
    *body = sotto_buffer::from_vec(content);
    Ok(())
}

/// Sends content (`content_type` and `body` in its encoding) to `contact` at
/// `now_ms` under the conversation's disappearing timer, committed like
/// `sotto_store_encrypt`; the message goes to `*message`, its outbox id,
/// timestamp and expiry to `*sent`. `SOTTO_CONTENT_TIMER_CHANGE` also sets
/// the conversation's timer.
///
/// # Safety
///
/// `store` is NULL or live; `contact` and `body` are NULL (with length 0) or
/// readable for their lengths; `sent` and `message` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_send(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    content_type: u16,
    body: *const u8,
    body_len: usize,
    now_ms: u64,
    sent: *mut sotto_sent,
    message: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        send_with(
            store,
            contact,
            contact_len,
            content_type,
            body,
            body_len,
            sent,
            message,
            |s, name, content| Ok(s.send(&mut OsRng, name, content, now_ms)?),
        )
    }
}

/// Sends content to the group saved under `group_id`, as `sotto_store_send`.
///
/// # Safety
///
/// As for `sotto_store_send`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_group_send(
    store: *mut sotto_store,
    group_id: *const u8,
    group_id_len: usize,
    content_type: u16,
    body: *const u8,
    body_len: usize,
    now_ms: u64,
    sent: *mut sotto_sent,
    message: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        send_with(
            store,
            group_id,
            group_id_len,
            content_type,
            body,
            body_len,
            sent,
            message,
            |s, name, content| Ok(s.group_send(&mut OsRng, name, content, now_ms)?),
        )
    }
}

/// # Safety
///
/// As for `sotto_store_send`.
#[allow(clippy::too_many_arguments)]
unsafe fn send_with(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    content_type: u16,
    body: *const u8,
    body_len: usize,
    sent: *mut sotto_sent,
    message: *mut sotto_buffer,
    send: impl FnOnce(&mut Store, &[u8], &Content) -> Result<Sent, sotto_status>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::slice(body, body_len) }?;
        // SAFETY: caller contract.
        let sent = unsafe { ptr::out(sent) }?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::out(message) }?;
        let content = Content::from_body(content_type, body)?;
        let done = send(&mut s.inner, name, &content)?;
        sent_out(done, sent, message);
        Ok(())
    })
}

/// Receives a content message the server says is from `contact`, at
/// `now_ms`, committed like `sotto_store_decrypt` (same trust rules and
/// statuses). Its inbox id goes to `*id` (0 if it arrived expired: nothing
/// kept, nothing to acknowledge), what it carries to `*info` and its body
/// to `*body`. A plaintext that is not an envelope is
/// `SOTTO_STATUS_MALFORMED`, nothing changed.
///
/// # Safety
///
/// `store` is NULL or live; `contact` and `message` are NULL (with length 0)
/// or readable for their lengths; `id`, `info` and `body` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_receive(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    message: *const u8,
    len: usize,
    now_ms: u64,
    id: *mut i64,
    info: *mut sotto_message_info,
    body: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        receive_with(
            store,
            contact,
            contact_len,
            message,
            len,
            id,
            info,
            body,
            |s, name, m| Ok(s.receive(&mut OsRng, name, m, now_ms)?),
        )
    }
}

/// Receives a content message from member `from` (64 bytes) of the group
/// saved under `group_id`, as `sotto_store_receive`.
///
/// # Safety
///
/// As for `sotto_store_receive`; `from` is NULL or 64 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_group_receive(
    store: *mut sotto_store,
    group_id: *const u8,
    group_id_len: usize,
    from: *const u8,
    message: *const u8,
    len: usize,
    now_ms: u64,
    id: *mut i64,
    info: *mut sotto_message_info,
    body: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded; `from` is read inside the boundary.
    unsafe {
        receive_with(
            store,
            group_id,
            group_id_len,
            message,
            len,
            id,
            info,
            body,
            |s, name, m| {
                // SAFETY: caller contract.
                let from = identity_key(ptr::array::<64>(from)?)?;
                Ok(s.group_receive(&mut OsRng, name, &from, m, now_ms)?)
            },
        )
    }
}

/// # Safety
///
/// As for `sotto_store_receive`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn receive_with(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    message: *const u8,
    len: usize,
    id: *mut i64,
    info: *mut sotto_message_info,
    body: *mut sotto_buffer,
    receive: impl FnOnce(&mut Store, &[u8], &[u8]) -> Result<Incoming, sotto_status>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::out(id) }?;
        // SAFETY: caller contract.
        let info = unsafe { ptr::out(info) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::out(body) }?;
        let got = receive(&mut s.inner, name, message)?;
        received_out(got, id, info, body)
    })
}

/// Sets the disappearing timer of a conversation (`kind`: a
/// `SOTTO_CONVERSATION_*`, `name`) to
/// `duration_secs` (0: off) and sends the change: the message to
/// `*message`, its outbox id, timestamp and expiry to `*sent`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with length 0) or readable for
/// its length; `sent` and `message` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_disappearing_timer(
    store: *mut sotto_store,
    kind: u32,
    name: *const u8,
    name_len: usize,
    duration_secs: u32,
    now_ms: u64,
    sent: *mut sotto_sent,
    message: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let sent = unsafe { ptr::out(sent) }?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::out(message) }?;
        let c = conversation(kind, name)?;
        let done = s
            .inner
            .set_disappearing_timer(&mut OsRng, c, duration_secs, now_ms)?;
        sent_out(done, sent, message);
        Ok(())
    })
}

/// The disappearing timer of a conversation: its duration in seconds (0:
/// off) to `*duration_secs` and when it was set (0: never) to `*set_at_ms`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with length 0) or readable for
/// its length; the outputs are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_disappearing_timer(
    store: *const sotto_store,
    kind: u32,
    name: *const u8,
    name_len: usize,
    duration_secs: *mut u32,
    set_at_ms: *mut u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let duration_secs = unsafe { ptr::out(duration_secs) }?;
        // SAFETY: caller contract.
        let set_at_ms = unsafe { ptr::out(set_at_ms) }?;
        let t = s.inner.disappearing_timer(conversation(kind, name)?)?;
        *duration_secs = t.duration_secs;
        *set_at_ms = t.set_at_ms;
        Ok(())
    })
}

/// Deletes what expired at or before `now_ms`: inbox and outbox entries
/// (count to `*messages`) and kept message keys of messages that would have
/// expired (count to `*kept_keys`), then erases them from the files.
///
/// # Safety
///
/// `store` is NULL or live; the outputs are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_purge_expired(
    store: *mut sotto_store,
    now_ms: u64,
    messages: *mut u64,
    kept_keys: *mut u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let messages = unsafe { ptr::out(messages) }?;
        // SAFETY: caller contract.
        let kept_keys = unsafe { ptr::out(kept_keys) }?;
        let purged = s.inner.purge_expired(&mut OsRng, now_ms)?;
        *messages = purged.messages;
        *kept_keys = purged.kept_keys;
        Ok(())
    })
}

/// When something kept next expires, milliseconds since the epoch, to
/// `*at_ms`: schedule `sotto_store_purge_expired` then. Nothing expiring is
/// `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `at_ms` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_next_expiry(
    store: *const sotto_store,
    at_ms: *mut u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let at_ms = unsafe { ptr::out(at_ms) }?;
        *at_ms = s.inner.next_expiry()?.ok_or(sotto_status::NotFound)?;
        Ok(())
    })
}

/// The account report ("download your data") at `now_ms`: a UTF-8 JSON
/// document (`docs/account-report.schema.json`) with no key and no message
/// content, to `*json`.
///
/// # Safety
///
/// `store` is NULL or live; `json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_account_report(
    store: *const sotto_store,
    now_ms: u64,
    json: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let json = unsafe { ptr::out(json) }?;
        let report = s.inner.account_report(now_ms)?;
        *json = sotto_buffer::from_vec(report.into_bytes());
        Ok(())
    })
}
