//! Identities.

use sotto::IdentityKeyPair;

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{copy_out, objects, ptr};

/// A device's long-term identity (both private keys). Wiped when freed.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_identity {
    pub(crate) inner: IdentityKeyPair,
}

/// Generates a new identity.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_generate(out: *mut *mut sotto_identity) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_identity {
            inner: IdentityKeyPair::generate(&mut OsRng),
        });
        Ok(())
    })
}

/// Writes the 64-byte public identity into `out` (`out_len` ≥ 64).
///
/// # Safety
///
/// `identity` is NULL or live; `out` is NULL or has `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_identity_public_key(
    identity: *const sotto_identity,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, &id.inner.public_key().to_bytes())
    })
}

/// The plain state encoding (holds private keys: store it only sealed).
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
            IdentityKeyPair::from_bytes(b).map(|inner| sotto_identity { inner })
        })
    }
}

/// The state encoding encrypted under the host's 32-byte key.
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
            IdentityKeyPair::open(k, b).map(|inner| sotto_identity { inner })
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
