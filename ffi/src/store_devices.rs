//! Multi-device accounts through the store (feature `store`): users'
//! verified device lists, sessions with each device, fan-out and the
//! changes a new list brings.
//!
//! ```text
//! name list (groups of a device update):  count × (len u8 ‖ name)
//! device addresses (without a session):   count × (user len u8 ‖ user ‖ index u32 big-endian)
//! fan-out (sotto_store_send_to_user):     count u16 big-endian ‖ count × (outbox id i64 ‖
//!                                         user len u8 ‖ user ‖ index u32 ‖ message len u32 ‖ message)
//! ```

use sotto::Content;

use crate::buffer::sotto_buffer;
use crate::devices::{records, sotto_device_info};
use crate::envelope::sotto_message_info;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::store::sotto_store;
use crate::store_content::sotto_sent;
use crate::verify::sotto_security_code;
use crate::{ptr, store_content};

/// What taking a user's device list found and did.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_device_update {
    /// The list's version.
    pub version: u64,
    /// How many devices the user has now.
    pub devices: u32,
    /// How many devices joined.
    pub joined: u32,
    /// How many devices left (their sessions are gone).
    pub left: u32,
    /// 1 if the security code changed: tell the user; the contact is no
    /// longer verified.
    pub code_changed: u8,
    /// 1 if any device is hosted by a service provider: label the chat.
    pub hosted: u8,
    /// 1 if the list is our own account's.
    pub own: u8,
}

/// One device change, as the store recorded it.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_device_change {
    /// 1 if the device joined, 0 if it left.
    pub joined: u8,
    /// When the store learned it, seconds since the epoch.
    pub at: u64,
    /// The device.
    pub device: sotto_device_info,
}

fn name_list(names: &[Vec<u8>]) -> Result<Vec<u8>, sotto_status> {
    let mut out = Vec::new();
    for n in names {
        out.push(u8::try_from(n.len()).map_err(|_| sotto_status::Internal)?);
        out.extend_from_slice(n);
    }
    Ok(out)
}

/// Takes `user`'s published device list and records (concatenated, each
/// `SOTTO_DEVICE_RECORD_LEN` bytes) at `now`, in one transaction: verified,
/// never older than the version last taken for that account (nor the same
/// version with other devices: `SOTTO_STATUS_STALE_DEVICE_LIST`), the
/// account key trusted as a contact's identity (a new one is
/// `SOTTO_STATUS_IDENTITY_CHANGED` under policy block, held as pending).
/// Devices that left lose their sessions and group memberships (our sender
/// key rotates in those groups: their ids go to `*rotated`, a name list:
/// send each its distribution); devices that joined are added to the
/// groups holding a sibling device (`*joined`, a name list: send them our
/// distribution). `rotated` and `joined` may be NULL, not the same buffer
/// (`SOTTO_STATUS_INVALID_ARGUMENT`).
///
/// # Safety
///
/// `store` is NULL or live; `user`, `list` and `records` are NULL (with
/// length 0) or readable for their lengths; `update` is NULL or writable;
/// `rotated` and `joined` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_devices(
    store: *mut sotto_store,
    user: *const u8,
    user_len: usize,
    list: *const u8,
    list_len: usize,
    records_bytes: *const u8,
    records_len: usize,
    now: u64,
    update: *mut sotto_device_update,
    rotated: *mut sotto_buffer,
    joined: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let list = unsafe { ptr::slice(list, list_len) }?;
        // SAFETY: caller contract.
        let records_bytes = unsafe { ptr::slice(records_bytes, records_len) }?;
        // SAFETY: caller contract.
        let update = unsafe { ptr::out(update) }?;
        if !rotated.is_null() && core::ptr::eq(rotated, joined) {
            // One buffer for both lists would lose the first.
            return Err(sotto_status::InvalidArgument);
        }
        // SAFETY: caller contract.
        let rotated = unsafe { ptr::out_mut(rotated) };
        // SAFETY: caller contract.
        let joined = unsafe { ptr::out_mut(joined) };
        let got = s
            .inner
            .set_devices(&mut OsRng, user, list, &records(records_bytes)?, now)?;
        let count = |added: bool| got.changes.iter().filter(|c| c.added == added).count();
        *update = sotto_device_update {
            version: got.devices.version,
            devices: u32::try_from(got.devices.devices.len())
                .map_err(|_| sotto_status::Internal)?,
            joined: u32::try_from(count(true)).map_err(|_| sotto_status::Internal)?,
            left: u32::try_from(count(false)).map_err(|_| sotto_status::Internal)?,
            code_changed: u8::from(got.code_changed),
            hosted: u8::from(got.devices.any_hosted()),
            own: u8::from(got.own),
        };
        if let Some(r) = rotated {
            *r = sotto_buffer::from_vec(name_list(&got.rotated_groups)?);
        }
        if let Some(j) = joined {
            *j = sotto_buffer::from_vec(name_list(&got.joined_groups)?);
        }
        Ok(())
    })
}

/// `user`'s verified devices as the store last took them: their number to
/// `*count` and, if `devices` is not NULL, up to `capacity` of them, by
/// index (too few is `SOTTO_STATUS_BUFFER_TOO_SMALL`). No list is
/// `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `user` is NULL (with length 0) or readable for
/// `user_len` bytes; `count` is NULL or writable; `devices` is NULL or
/// writable for `capacity` entries.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_devices(
    store: *const sotto_store,
    user: *const u8,
    user_len: usize,
    count: *mut u32,
    devices: *mut sotto_device_info,
    capacity: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let count = unsafe { ptr::out(count) }?;
        let got = s.inner.devices(user)?.ok_or(sotto_status::NotFound)?;
        let infos: Vec<sotto_device_info> = got.devices.iter().map(Into::into).collect();
        // SAFETY: caller contract, forwarded.
        unsafe { fill(devices, capacity, &infos) }?;
        *count = u32::try_from(infos.len()).map_err(|_| sotto_status::Internal)?;
        Ok(())
    })
}

/// The newest device changes of `user` (at most 32), oldest first: their
/// number to `*count` and, if `changes` is not NULL, up to `capacity` of
/// them: which device joined or left, and when.
///
/// # Safety
///
/// As for `sotto_store_devices`, with `changes` writable for `capacity`
/// entries.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_device_changes(
    store: *const sotto_store,
    user: *const u8,
    user_len: usize,
    count: *mut u32,
    changes: *mut sotto_device_change,
    capacity: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let count = unsafe { ptr::out(count) }?;
        let got: Vec<sotto_device_change> = s
            .inner
            .device_changes(user)?
            .iter()
            .map(|c| sotto_device_change {
                joined: u8::from(c.change.added),
                at: c.at,
                device: (&c.change.device).into(),
            })
            .collect();
        // SAFETY: caller contract, forwarded.
        unsafe { fill(changes, capacity, &got) }?;
        *count = u32::try_from(got.len()).map_err(|_| sotto_status::Internal)?;
        Ok(())
    })
}

/// Copies `items` to `out` (NULL: nothing), which must hold them all.
///
/// # Safety
///
/// `out` is NULL or writable for `capacity` entries.
unsafe fn fill<T: Copy>(out: *mut T, capacity: usize, items: &[T]) -> Result<(), sotto_status> {
    if out.is_null() {
        return Ok(());
    }
    if capacity < items.len() {
        return Err(sotto_status::BufferTooSmall);
    }
    // SAFETY: caller contract: writable for `capacity` ≥ items.len() entries.
    let slots = unsafe { core::slice::from_raw_parts_mut(out, items.len()) };
    slots.copy_from_slice(items);
    Ok(())
}

/// Writes 1 to `*hosted` if any device of `user` is hosted by a service
/// provider (the account signed it so): label the conversation. 0
/// otherwise, and for a user without a list.
///
/// # Safety
///
/// `store` is NULL or live; `user` is NULL (with length 0) or readable for
/// `user_len` bytes; `hosted` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_is_hosted(
    store: *const sotto_store,
    user: *const u8,
    user_len: usize,
    hosted: *mut u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let hosted = unsafe { ptr::out(hosted) }?;
        *hosted = u8::from(s.inner.is_hosted(user)?);
        Ok(())
    })
}

/// The devices of `user` and of our own account that
/// `sotto_store_send_to_user` needs a session with and has none, as device
/// addresses (see the module's encodings): fetch their bundles and
/// `sotto_store_initiate_device`.
///
/// # Safety
///
/// `store` is NULL or live; `user` is NULL (with length 0) or readable for
/// `user_len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_devices_without_session(
    store: *const sotto_store,
    user: *const u8,
    user_len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let mut bytes = Vec::new();
        for (u, index) in s.inner.devices_without_session(user)? {
            bytes.push(u8::try_from(u.len()).map_err(|_| sotto_status::Internal)?);
            bytes.extend_from_slice(&u);
            bytes.extend_from_slice(&index.to_be_bytes());
        }
        *out = sotto_buffer::from_vec(bytes);
        Ok(())
    })
}

/// Starts a session with device `index` of `user` from its serialized
/// prekey bundle, which must carry the identity the account signed for
/// that device (`SOTTO_STATUS_UNTRUSTED_IDENTITY` otherwise, and for a
/// device not on the list).
///
/// # Safety
///
/// `store` is NULL or live; `user` and `bundle` are NULL (with length 0) or
/// readable for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_initiate_device(
    store: *mut sotto_store,
    user: *const u8,
    user_len: usize,
    index: u32,
    bundle: *const u8,
    bundle_len: usize,
    now: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(bundle, bundle_len) }?;
        let bundle = sotto::PrekeyBundle::from_bytes(bytes)?;
        s.inner
            .initiate_device(&mut OsRng, user, index, &bundle, now)?;
        Ok(())
    })
}

/// Sends content to every device of `user` and to our own other devices at
/// `now_ms`, under the conversation's timer, in one transaction: the
/// messages go to `*messages` (a fan-out, see the module's encodings), the
/// timestamp and expiry to `*sent` (its `id` is the first outbox entry's).
/// Acknowledge each entry once sent. A pending account change is
/// `SOTTO_STATUS_UNTRUSTED_IDENTITY`, a list older than
/// `SOTTO_DEVICE_LIST_TTL_SECS` `SOTTO_STATUS_STALE_DEVICE_LIST`, a device
/// without a session `SOTTO_STATUS_SESSION_MISMATCH`; nothing is sent then.
///
/// # Safety
///
/// `store` is NULL or live; `user` and `body` are NULL (with length 0) or
/// readable for their lengths; `sent` and `messages` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_send_to_user(
    store: *mut sotto_store,
    user: *const u8,
    user_len: usize,
    content_type: u16,
    body: *const u8,
    body_len: usize,
    now_ms: u64,
    sent: *mut sotto_sent,
    messages: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::slice(body, body_len) }?;
        // SAFETY: caller contract.
        let sent = unsafe { ptr::out(sent) }?;
        // SAFETY: caller contract.
        let messages = unsafe { ptr::out(messages) }?;
        let content = Content::from_body(content_type, body)?;
        let done = s.inner.send_to_user(&mut OsRng, user, &content, now_ms)?;
        let count = u16::try_from(done.outgoing.len()).map_err(|_| sotto_status::Internal)?;
        let mut bytes = count.to_be_bytes().to_vec();
        for o in &done.outgoing {
            let to = o.device.as_ref().ok_or(sotto_status::Internal)?;
            bytes.extend_from_slice(&o.id.to_be_bytes());
            bytes.push(u8::try_from(to.user.len()).map_err(|_| sotto_status::Internal)?);
            bytes.extend_from_slice(&to.user);
            bytes.extend_from_slice(&to.index.to_be_bytes());
            let len = u32::try_from(o.message.len()).map_err(|_| sotto_status::Internal)?;
            bytes.extend_from_slice(&len.to_be_bytes());
            bytes.extend_from_slice(&o.message);
        }
        *sent = sotto_sent {
            id: done.outgoing.first().map_or(0, |o| o.id),
            sent_at_ms: done.sent_at_ms,
            expires_at_ms: done
                .outgoing
                .first()
                .and_then(|o| o.expires_at_ms)
                .unwrap_or(0),
        };
        *messages = sotto_buffer::from_vec(bytes);
        Ok(())
    })
}

/// Where the outbox entry `id` goes when it is for one device (after a
/// crash, with `sotto_store_next_outgoing`): the user to `*user`, the
/// device's index to `*index`. An entry that is not for a device, or no
/// longer in the outbox, is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `user` and `index` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_outgoing_device(
    store: *const sotto_store,
    id: i64,
    user: *mut sotto_buffer,
    index: *mut u32,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::out(user) }?;
        // SAFETY: caller contract.
        let index = unsafe { ptr::out(index) }?;
        let entry = s
            .inner
            .next_outgoing(id.saturating_sub(1))?
            .filter(|o| o.id == id)
            .ok_or(sotto_status::NotFound)?;
        let to = entry.device.ok_or(sotto_status::NotFound)?;
        *index = to.index;
        *user = sotto_buffer::from_vec(to.user);
        Ok(())
    })
}

/// Receives a content message the server says is from device `index` of
/// `user`, as `sotto_store_receive`: the device must be on the user's
/// verified list and the message from the identity its account signed
/// (`SOTTO_STATUS_UNTRUSTED_IDENTITY` otherwise, nothing changed).
///
/// # Safety
///
/// As for `sotto_store_receive`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_receive_from_device(
    store: *mut sotto_store,
    user: *const u8,
    user_len: usize,
    index: u32,
    message: *const u8,
    len: usize,
    now_ms: u64,
    id: *mut i64,
    info: *mut sotto_message_info,
    body: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        store_content::receive_with(
            store,
            user,
            user_len,
            message,
            len,
            id,
            info,
            body,
            |s, name, m| Ok(s.receive_from_device(&mut OsRng, name, index, m, now_ms)?),
        )
    }
}

/// The security code between our account (`local_id`: our stable user id)
/// and `user` (`remote_id`), over every device of both accounts but hosted
/// ones: our own list if the store has it, else this device alone. It
/// changes whenever a device joins or leaves. `user` without a list is
/// `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; the ids and `user` are NULL (with length 0) or
/// readable for their lengths; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_security_code(
    store: *const sotto_store,
    local_id: *const u8,
    local_id_len: usize,
    user: *const u8,
    user_len: usize,
    remote_id: *const u8,
    remote_id_len: usize,
    out: *mut *mut sotto_security_code,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let local_id = unsafe { ptr::slice(local_id, local_id_len) }?;
        // SAFETY: caller contract.
        let user = unsafe { ptr::slice(user, user_len) }?;
        // SAFETY: caller contract.
        let remote_id = unsafe { ptr::slice(remote_id, remote_id_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_security_code {
            inner: s.inner.security_code(local_id, user, remote_id)?,
        });
        Ok(())
    })
}

/// Writes 1 to `*hosted` if any member of the group saved under `group_id`
/// is a device its account's signed list marks as hosted by a service
/// provider: label the group. 0 otherwise.
///
/// # Safety
///
/// `store` is NULL or live; `group_id` is NULL (with length 0) or readable
/// for `group_id_len` bytes; `hosted` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_group_is_hosted(
    store: *const sotto_store,
    group_id: *const u8,
    group_id_len: usize,
    hosted: *mut u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let group_id = unsafe { ptr::slice(group_id, group_id_len) }?;
        // SAFETY: caller contract.
        let hosted = unsafe { ptr::out(hosted) }?;
        *hosted = u8::from(s.inner.is_group_hosted(group_id)?);
        Ok(())
    })
}
