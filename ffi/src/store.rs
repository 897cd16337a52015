//! The crash-safe store (feature `store`, on by default): open a file with a
//! path and the host's key, keep objects in it, and run encrypt and decrypt
//! as single transactions with an outbox and an inbox.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use ::sotto_store::{Durability, Store, Stored};

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::prekeys::sotto_prekey_store;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{identity_key, ptr};

/// A store file. Free with `sotto_store_free`, which closes it.
///
/// Thread safety: may move between threads; use from one thread at a time.
/// Threads (or processes) that share a store each open their own handle on
/// the same path; their transactions are serialized.
#[allow(non_camel_case_types)]
pub struct sotto_store {
    pub(crate) inner: Store,
}

/// Opens (or creates) the store at `path` (`path_len` bytes, not
/// NUL-terminated) under the host's 32-byte `key`. `durable` 1 flushes every
/// commit to the device (survives power loss; the recommended setting), 0
/// only survives a killed process. Another key is `SOTTO_STATUS_STORE_KEY_MISMATCH`
/// and a damaged file `SOTTO_STATUS_STORE_CORRUPT`, nothing written.
///
/// # Safety
///
/// `path` is NULL or has `path_len` readable bytes; `key` is NULL or 32
/// readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_open(
    path: *const u8,
    path_len: usize,
    key: *const u8,
    durable: u32,
    out: *mut *mut sotto_store,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let path = unsafe { ptr::slice(path, path_len) }?;
        // SAFETY: caller contract.
        let key = unsafe { ptr::array::<32>(key) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let durability = match durable {
            1 => Durability::Full,
            0 => Durability::Normal,
            _ => return Err(sotto_status::InvalidArgument),
        };
        if path.is_empty() {
            return Err(sotto_status::InvalidArgument);
        }
        let store = Store::open_with(OsStr::from_bytes(path), key, durability, &mut OsRng)?;
        *out = ptr::into_handle(sotto_store { inner: store });
        Ok(())
    })
}

/// Saves a handle's object under `name`.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len`
/// 0) or has `name_len` readable bytes.
pub(crate) unsafe fn save_object<H, T: Stored>(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const H,
    inner: impl FnOnce(&H) -> &T,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let o = unsafe { ptr::handle(object) }?;
        s.inner.save(&mut OsRng, name, inner(o))?;
        Ok(())
    })
}

/// Loads the object saved under `name` into a new handle.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
pub(crate) unsafe fn load_object<H, T: Stored>(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut H,
    wrap: impl FnOnce(T) -> H,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(wrap(s.inner.load::<T>(name)?));
        Ok(())
    })
}

/// Runs one of the store's committed calls on a conversation (a contact or
/// a group id) and an input (a plaintext or a message), then writes the
/// committed entry's outbox or inbox id to `*id` and its bytes to `*out`.
///
/// # Safety
///
/// `store` is NULL or live; `name` and `input` are NULL (with length 0) or
/// readable for their lengths; `id` and `out` are NULL or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn committed(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    input: *const u8,
    len: usize,
    id: *mut i64,
    out: *mut sotto_buffer,
    call: impl FnOnce(&mut Store, &[u8], &[u8]) -> Result<(i64, Vec<u8>), sotto_status>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let name = unsafe { ptr::slice(name, name_len) }?;
        // SAFETY: caller contract.
        let input = unsafe { ptr::slice(input, len) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::out(id) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let (n, bytes) = call(&mut s.inner, name, input)?;
        *id = n;
        *out = sotto_buffer::from_vec(bytes);
        Ok(())
    })
}

/// Encrypts for `contact` with its saved session; the new session and the
/// message (in the outbox) are committed before the message is written to
/// `*message` and its outbox id to `*id`. Send it, then
/// `sotto_store_ack_outgoing`.
///
/// # Safety
///
/// `store` is NULL or live; `contact` and `plaintext` are NULL (with length
/// 0) or readable for their lengths; `id` and `message` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_encrypt(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    plaintext: *const u8,
    len: usize,
    id: *mut i64,
    message: *mut sotto_buffer,
) -> sotto_status {
    let call = |s: &mut Store, c: &[u8], pt: &[u8]| {
        let sent = s.encrypt(&mut OsRng, c, pt)?;
        Ok((sent.id, sent.message))
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        committed(
            store,
            contact,
            contact_len,
            plaintext,
            len,
            id,
            message,
            call,
        )
    }
}

/// Decrypts a message from `contact` (accepting a prekey message with the
/// saved identity and prekey store at `now`, seconds since the epoch). The
/// new state, a processed record and the plaintext (in the inbox) are
/// committed together; then the plaintext goes to `*plaintext` and its inbox
/// id to `*id`. A message already processed is `SOTTO_STATUS_DUPLICATE_MESSAGE`.
///
/// # Safety
///
/// `store` is NULL or live; `contact` and `message` are NULL (with length 0)
/// or readable for their lengths; `id` and `plaintext` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_decrypt(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    message: *const u8,
    len: usize,
    now: u64,
    id: *mut i64,
    plaintext: *mut sotto_buffer,
) -> sotto_status {
    let call = |s: &mut Store, c: &[u8], m: &[u8]| {
        let got = s.decrypt(&mut OsRng, c, m, now)?;
        Ok((got.id, got.plaintext.to_vec()))
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        committed(
            store,
            contact,
            contact_len,
            message,
            len,
            id,
            plaintext,
            call,
        )
    }
}

/// Encrypts for the group saved under `group_id`, committing the advanced
/// sender key and the message (outbox) first.
///
/// # Safety
///
/// As for `sotto_store_encrypt`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_group_encrypt(
    store: *mut sotto_store,
    group_id: *const u8,
    group_id_len: usize,
    plaintext: *const u8,
    len: usize,
    id: *mut i64,
    message: *mut sotto_buffer,
) -> sotto_status {
    let call = |s: &mut Store, g: &[u8], pt: &[u8]| {
        let sent = s.group_encrypt(&mut OsRng, g, pt)?;
        Ok((sent.id, sent.message))
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        committed(
            store,
            group_id,
            group_id_len,
            plaintext,
            len,
            id,
            message,
            call,
        )
    }
}

/// Decrypts a group message from member `from` (64-byte identity), with the
/// same transaction and inbox as `sotto_store_decrypt`.
///
/// # Safety
///
/// As for `sotto_store_decrypt`; `from` is NULL or 64 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_group_decrypt(
    store: *mut sotto_store,
    group_id: *const u8,
    group_id_len: usize,
    from: *const u8,
    message: *const u8,
    len: usize,
    id: *mut i64,
    plaintext: *mut sotto_buffer,
) -> sotto_status {
    let call = |s: &mut Store, g: &[u8], m: &[u8]| {
        // SAFETY: caller contract.
        let from = identity_key(unsafe { ptr::array::<64>(from) }?)?;
        let got = s.group_decrypt(&mut OsRng, g, &from, m)?;
        Ok((got.id, got.plaintext.to_vec()))
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        committed(
            store,
            group_id,
            group_id_len,
            message,
            len,
            id,
            plaintext,
            call,
        )
    }
}

/// Removes a plaintext from the inbox once the app has it.
///
/// # Safety
///
/// `store` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_ack_incoming(
    store: *mut sotto_store,
    id: i64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.ack_incoming(id)?;
        Ok(())
    })
}

/// Removes a message from the outbox once it was sent.
///
/// # Safety
///
/// `store` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_ack_outgoing(
    store: *mut sotto_store,
    id: i64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.ack_outgoing(id)?;
        Ok(())
    })
}

/// The first inbox entry with an id above `after` (pass 0 to start): its id,
/// conversation and plaintext, for showing what a crash interrupted. None
/// left is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `id`, `conversation` and `plaintext` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_next_incoming(
    store: *const sotto_store,
    after: i64,
    id: *mut i64,
    conversation: *mut sotto_buffer,
    plaintext: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        next_entry(store, id, conversation, plaintext, |s| {
            Ok(s.next_incoming(after)?
                .map(|e| (e.id, e.conversation, e.plaintext.to_vec())))
        })
    }
}

/// The first outbox entry with an id above `after`: its id, conversation and
/// message, to (re)send after a crash. None left is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// As for `sotto_store_next_incoming`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_next_outgoing(
    store: *const sotto_store,
    after: i64,
    id: *mut i64,
    conversation: *mut sotto_buffer,
    message: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        next_entry(store, id, conversation, message, |s| {
            Ok(s.next_outgoing(after)?
                .map(|e| (e.id, e.conversation, e.message)))
        })
    }
}

/// Writes the entry `next` finds (id, conversation, bytes) to the outputs;
/// none is `NOT_FOUND`. The two buffers must be distinct (the same buffer
/// twice is `INVALID_ARGUMENT`: one of them would be lost unwiped).
///
/// # Safety
///
/// `store` is NULL or live; `id`, `conversation` and `bytes` are NULL or
/// writable.
unsafe fn next_entry(
    store: *const sotto_store,
    id: *mut i64,
    conversation: *mut sotto_buffer,
    bytes: *mut sotto_buffer,
    next: impl FnOnce(&Store) -> Result<Option<(i64, Vec<u8>, Vec<u8>)>, ::sotto_store::Error>,
) -> sotto_status {
    boundary(|| {
        if !conversation.is_null() && core::ptr::eq(conversation, bytes) {
            return Err(sotto_status::InvalidArgument);
        }
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::out(id) }?;
        // SAFETY: caller contract; distinct from `bytes` (checked above).
        let conversation = unsafe { ptr::out(conversation) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::out(bytes) }?;
        let (n, name, data) = next(&s.inner)?.ok_or(sotto_status::NotFound)?;
        *id = n;
        *conversation = sotto_buffer::from_vec(name);
        *bytes = sotto_buffer::from_vec(data);
        Ok(())
    })
}

/// Sets this device's identity and prekey store (copies of both), in one
/// transaction, replacing any earlier ones. For the same identity again, the
/// prekeys are reconciled with the saved ones as in
/// `sotto_store_set_device_prekeys`. Call it once at registration, before
/// the first message arrives: `sotto_store_decrypt` answers a first message
/// with them. Prekeys signed by another identity are
/// `SOTTO_STATUS_DEVICE_MISMATCH`, an outdated copy of the saved ones
/// `SOTTO_STATUS_STALE_PREKEYS`, and nothing is written.
///
/// # Safety
///
/// `store`, `identity` and `prekeys` are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_device(
    store: *mut sotto_store,
    identity: *const sotto_identity,
    prekeys: *const sotto_prekey_store,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let identity = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let prekeys = unsafe { ptr::handle(prekeys) }?;
        s.inner
            .set_device(&mut OsRng, &identity.inner, &prekeys.inner)?;
        Ok(())
    })
}

/// Replaces this device's prekey store (after a signed-prekey rotation or new
/// one-time prekeys), reconciled with the saved one in the same transaction:
/// one-time prekeys used since `prekeys` was copied stay used, accepted first
/// messages stay remembered, and the post-quantum policy is kept. Before
/// `sotto_store_set_device` it is `SOTTO_STATUS_NO_DEVICE_IDENTITY`; prekeys
/// signed by another identity are `SOTTO_STATUS_DEVICE_MISMATCH`; a copy taken
/// before the saved prekeys rotated is `SOTTO_STATUS_STALE_PREKEYS` (take a
/// fresh one with `sotto_store_device_prekeys`). Nothing is written on error.
///
/// # Safety
///
/// `store` and `prekeys` are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_device_prekeys(
    store: *mut sotto_store,
    prekeys: *const sotto_prekey_store,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let prekeys = unsafe { ptr::handle(prekeys) }?;
        s.inner.set_device_prekeys(&mut OsRng, &prekeys.inner)?;
        Ok(())
    })
}

/// This device's identity, as a new handle; before `sotto_store_set_device`
/// it is `SOTTO_STATUS_NO_DEVICE_IDENTITY`.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_device_identity(
    store: *const sotto_store,
    out: *mut *mut sotto_identity,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let inner = s.inner.device_identity()?;
        *out = ptr::into_handle(sotto_identity { inner });
        Ok(())
    })
}

/// This device's prekey store, as a new handle; before
/// `sotto_store_set_device` it is `SOTTO_STATUS_NO_DEVICE_IDENTITY`.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_device_prekeys(
    store: *const sotto_store,
    out: *mut *mut sotto_prekey_store,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let inner = s.inner.device_prekeys()?;
        *out = ptr::into_handle(sotto_prekey_store { inner });
        Ok(())
    })
}
