//! The export, import, seal and open functions every stateful handle has,
//! written once.

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::ptr;
use crate::rng::OsRng;
use crate::status::sotto_status;

/// Writes `f(handle)` (a plain state encoding) into `*out`.
///
/// # Safety
///
/// `handle` is NULL or a live handle of type `T`; `out` is NULL or writable.
pub(crate) unsafe fn export<T>(
    handle: *const T,
    out: *mut sotto_buffer,
    f: impl FnOnce(&T) -> Vec<u8>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let h = unsafe { ptr::handle(handle) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(f(h));
        Ok(())
    })
}

/// Writes `f(handle, key, rng)` (an encrypted state encoding) into `*out`.
///
/// # Safety
///
/// As for [`export`]; `key` is NULL or points to 32 readable bytes.
pub(crate) unsafe fn seal<T>(
    handle: *const T,
    key: *const u8,
    out: *mut sotto_buffer,
    f: impl FnOnce(&T, &[u8; 32], &mut OsRng) -> sotto::Result<Vec<u8>>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let h = unsafe { ptr::handle(handle) }?;
        // SAFETY: caller contract.
        let key = unsafe { ptr::array::<32>(key) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(f(h, key, &mut OsRng)?);
        Ok(())
    })
}

/// Creates a handle from `f(bytes)` and writes it into `*out`.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
pub(crate) unsafe fn import<T>(
    data: *const u8,
    len: usize,
    out: *mut *mut T,
    f: impl FnOnce(&[u8]) -> sotto::Result<T>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(f(bytes)?);
        Ok(())
    })
}

/// Creates a handle from `f(key, bytes)` and writes it into `*out`.
///
/// # Safety
///
/// As for [`import`]; `key` is NULL or points to 32 readable bytes.
pub(crate) unsafe fn open<T>(
    key: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut T,
    f: impl FnOnce(&[u8; 32], &[u8]) -> sotto::Result<T>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let key = unsafe { ptr::array::<32>(key) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(f(key, bytes)?);
        Ok(())
    })
}
