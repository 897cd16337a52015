//! The functions every handle kind of `ffi/abi/kinds.txt` has: `_free`,
//! and for the stateful kinds `_export`, `_import`, `_seal`, `_open` and
//! the store's `sotto_store_save_*` and `sotto_store_load_*` (thin
//! wrappers over the helpers in `objects.rs` and `store.rs`).
//!
//! Generated from ffi/abi/kinds.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

use crate::*;

#[cfg(feature = "store")]
use crate::store::{load_object, save_object};

/// The plain state encoding of an identity (holds private keys: store it only
/// sealed).
///
/// # Safety
///
/// `identity` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_export(
    identity: *const sotto_identity,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(identity, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores an identity from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_identity,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::IdentityKeyPair::from_bytes(b)?;
            Ok(sotto_identity { inner })
        })
    }
}

/// The state encoding of an identity encrypted under the host's 32-byte key.
///
/// # Safety
///
/// `identity` is NULL or live; `key` is NULL or 32 readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_seal(
    identity: *const sotto_identity,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(identity, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores an identity from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_identity,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::IdentityKeyPair::open(k, b)?;
            Ok(sotto_identity { inner })
        })
    }
}

/// Frees an identity (wiping its keys) and sets `*identity` to NULL.
///
/// # Safety
///
/// `identity` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_free(identity: *mut *mut sotto_identity) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(identity) });
}

/// Saves an identity under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_identity(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_identity,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads an identity saved under `name` (1 to 255 bytes) into a new handle;
/// none is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_identity(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_identity,
) -> sotto_status {
    let wrap = |inner| sotto_identity { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a prekey store (holds private keys: store it
/// only sealed).
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_export(
    store: *const sotto_prekey_store,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(store, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a prekey store from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_prekey_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::PrekeyStore::from_bytes(b)?;
            Ok(sotto_prekey_store { inner })
        })
    }
}

/// The state encoding of a prekey store encrypted under the host's 32-byte key.
///
/// # Safety
///
/// `store` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_seal(
    store: *const sotto_prekey_store,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(store, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a prekey store from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_prekey_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::PrekeyStore::open(k, b)?;
            Ok(sotto_prekey_store { inner })
        })
    }
}

/// Frees a prekey store (wiping its keys) and sets `*store` to NULL.
///
/// # Safety
///
/// `store` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_free(store: *mut *mut sotto_prekey_store) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(store) });
}

/// Saves a prekey store under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_prekey_store(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_prekey_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a prekey store saved under `name` (1 to 255 bytes) into a new handle;
/// none is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_prekey_store(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_prekey_store,
) -> sotto_status {
    let wrap = |inner| sotto_prekey_store { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a trust store (holds the contact list: store it
/// only sealed).
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_export(
    store: *const sotto_trust_store,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(store, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a trust store from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_trust_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::TrustStore::from_bytes(b)?;
            Ok(sotto_trust_store { inner })
        })
    }
}

/// The state encoding of a trust store encrypted under the host's 32-byte key.
///
/// # Safety
///
/// `store` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_seal(
    store: *const sotto_trust_store,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(store, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a trust store from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_trust_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::TrustStore::open(k, b)?;
            Ok(sotto_trust_store { inner })
        })
    }
}

/// Frees a trust store and sets `*store` to NULL.
///
/// # Safety
///
/// `store` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_free(store: *mut *mut sotto_trust_store) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(store) });
}

/// Saves a trust store under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_trust_store(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_trust_store,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a trust store saved under `name` (1 to 255 bytes) into a new handle;
/// none is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_trust_store(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_trust_store,
) -> sotto_status {
    let wrap = |inner| sotto_trust_store { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a session (holds keys: store it only sealed).
///
/// # Safety
///
/// `session` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_export(
    session: *const sotto_session,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(session, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a session from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_session,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::Session::from_bytes(b)?;
            Ok(sotto_session { inner })
        })
    }
}

/// The state encoding of a session encrypted under the host's 32-byte key.
///
/// # Safety
///
/// `session` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_seal(
    session: *const sotto_session,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(session, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a session from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_session,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::Session::open(k, b)?;
            Ok(sotto_session { inner })
        })
    }
}

/// Frees a session (wiping its keys) and sets `*session` to NULL.
///
/// # Safety
///
/// `session` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_free(session: *mut *mut sotto_session) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(session) });
}

/// Saves a session under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_session(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_session,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a session saved under `name` (1 to 255 bytes) into a new handle; none
/// is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_session(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_session,
) -> sotto_status {
    let wrap = |inner| sotto_session { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a group (holds keys: store it only sealed).
///
/// # Safety
///
/// `group` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_export(
    group: *const sotto_group,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(group, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a group from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_group,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::Group::from_bytes(b)?;
            Ok(sotto_group { inner })
        })
    }
}

/// The state encoding of a group encrypted under the host's 32-byte key.
///
/// # Safety
///
/// `group` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_seal(
    group: *const sotto_group,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(group, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a group from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_group,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::Group::open(k, b)?;
            Ok(sotto_group { inner })
        })
    }
}

/// Frees a group (wiping its keys) and sets `*group` to NULL.
///
/// # Safety
///
/// `group` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_free(group: *mut *mut sotto_group) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(group) });
}

/// Saves a group under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_group(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_group,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a group saved under `name` (1 to 255 bytes) into a new handle; none is
/// `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_group(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_group,
) -> sotto_status {
    let wrap = |inner| sotto_group { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a location share (holds keys: store it only
/// sealed).
///
/// # Safety
///
/// `share` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_export(
    share: *const sotto_location_share,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(share, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a location share from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_location_share,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::LocationShare::from_bytes(b)?;
            Ok(sotto_location_share { inner })
        })
    }
}

/// The state encoding of a location share encrypted under the host's 32-byte
/// key.
///
/// # Safety
///
/// `share` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_seal(
    share: *const sotto_location_share,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(share, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a location share from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_location_share,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::LocationShare::open(k, b)?;
            Ok(sotto_location_share { inner })
        })
    }
}

/// Frees a location share (wiping its keys) and sets `*share` to NULL.
///
/// # Safety
///
/// `share` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_free(share: *mut *mut sotto_location_share) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(share) });
}

/// Saves a location share under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_location_share(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_location_share,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a location share saved under `name` (1 to 255 bytes) into a new
/// handle; none is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_location_share(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_location_share,
) -> sotto_status {
    let wrap = |inner| sotto_location_share { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// The plain state encoding of a location viewer (holds keys: store it only
/// sealed).
///
/// # Safety
///
/// `viewer` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_export(
    viewer: *const sotto_location_viewer,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(viewer, out, |h| h.inner.to_bytes().to_vec()) }
}

/// Restores a location viewer from its plain state encoding.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_import(
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_location_viewer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::import(data, len, out, |b| {
            let inner = sotto::LocationViewer::from_bytes(b)?;
            Ok(sotto_location_viewer { inner })
        })
    }
}

/// The state encoding of a location viewer encrypted under the host's 32-byte
/// key.
///
/// # Safety
///
/// `viewer` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_seal(
    viewer: *const sotto_location_viewer,
    key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::seal(viewer, key, out, |h, k, rng| h.inner.seal(k, rng)) }
}

/// Restores a location viewer from its encrypted state encoding.
///
/// # Safety
///
/// `key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_open(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_location_viewer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        objects::open(key, data, len, out, |k, b| {
            let inner = sotto::LocationViewer::open(k, b)?;
            Ok(sotto_location_viewer { inner })
        })
    }
}

/// Frees a location viewer (wiping its keys) and sets `*viewer` to NULL.
///
/// # Safety
///
/// `viewer` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_free(viewer: *mut *mut sotto_location_viewer) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(viewer) });
}

/// Saves a location viewer under `name` (1 to 255 bytes, else
/// `SOTTO_STATUS_INVALID_NAME`; this device's own identity and prekeys go
/// through `sotto_store_set_device`), replacing the one saved there before, in
/// one committed transaction.
///
/// # Safety
///
/// `store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or
/// has `name_len` readable bytes.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_save_location_viewer(
    store: *mut sotto_store,
    name: *const u8,
    name_len: usize,
    object: *const sotto_location_viewer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { save_object(store, name, name_len, object, |o| &o.inner) }
}

/// Loads a location viewer saved under `name` (1 to 255 bytes) into a new
/// handle; none is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `name` is NULL (with `name_len` 0) or has
/// `name_len` readable bytes; `out` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_load_location_viewer(
    store: *const sotto_store,
    name: *const u8,
    name_len: usize,
    out: *mut *mut sotto_location_viewer,
) -> sotto_status {
    let wrap = |inner| sotto_location_viewer { inner };
    // SAFETY: caller contract, forwarded.
    unsafe { load_object(store, name, name_len, out, wrap) }
}

/// Frees a security code and sets `*code` to NULL.
///
/// # Safety
///
/// `code` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_security_code_free(code: *mut *mut sotto_security_code) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(code) });
}

/// Frees a store and sets `*store` to NULL.
///
/// # Safety
///
/// `store` is NULL or points to NULL or a live handle.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_free(store: *mut *mut sotto_store) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(store) });
}
