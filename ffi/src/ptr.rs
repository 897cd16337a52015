//! The only module that turns raw pointers from C into references, slices
//! and boxes. Every function checks for NULL first and returns
//! `SOTTO_STATUS_NULL_PARAMETER` instead of dereferencing it.

use crate::status::sotto_status;

/// A borrowed input `(ptr, len)`; `(NULL, 0)` is the empty slice.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `len` readable bytes that stay valid and
/// unmodified for `'a`.
pub(crate) unsafe fn slice<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], sotto_status> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(sotto_status::NullParameter)
        };
    }
    if len > isize::MAX as usize {
        return Err(sotto_status::InvalidArgument);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A borrowed fixed-size input such as a 64-byte identity or a 32-byte key.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `N` readable bytes valid for `'a`.
pub(crate) unsafe fn array<'a, const N: usize>(
    ptr: *const u8,
) -> Result<&'a [u8; N], sotto_status> {
    if ptr.is_null() {
        return Err(sotto_status::NullParameter);
    }
    // SAFETY: non-NULL; the caller guarantees N readable bytes; [u8; N] has
    // alignment 1.
    Ok(unsafe { &*ptr.cast::<[u8; N]>() })
}

/// A handle passed by the caller.
///
/// # Safety
///
/// Unless NULL, `ptr` came from this library's `_new` (or equivalent) for
/// this type and has not been freed, and no other thread uses it now.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T) -> Result<&'a T, sotto_status> {
    // SAFETY: as documented above.
    unsafe { ptr.as_ref() }.ok_or(sotto_status::NullParameter)
}

/// A handle passed by the caller, to be modified.
///
/// # Safety
///
/// As for [`handle`], and no other reference to it is live.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, sotto_status> {
    // SAFETY: as documented above.
    unsafe { ptr.as_mut() }.ok_or(sotto_status::NullParameter)
}

/// An output location of a type with no destructor (a buffer, a handle
/// pointer, an integer); `None` when NULL.
///
/// # Safety
///
/// Unless NULL, `ptr` points to writable memory for one `T`.
pub(crate) unsafe fn out_mut<'a, T: Copy>(ptr: *mut T) -> Option<&'a mut T> {
    // SAFETY: as documented above; T is Copy, so overwriting drops nothing.
    unsafe { ptr.as_mut() }
}

/// An output location that must be present.
///
/// # Safety
///
/// As for [`out_mut`].
pub(crate) unsafe fn out<'a, T: Copy>(ptr: *mut T) -> Result<&'a mut T, sotto_status> {
    // SAFETY: as documented above.
    unsafe { out_mut(ptr) }.ok_or(sotto_status::NullParameter)
}

/// A caller-owned output buffer `(ptr, len)`.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `len` writable bytes.
pub(crate) unsafe fn out_bytes<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8], sotto_status> {
    if ptr.is_null() {
        return Err(sotto_status::NullParameter);
    }
    if len > isize::MAX as usize {
        return Err(sotto_status::InvalidArgument);
    }
    // SAFETY: non-NULL, and the caller guarantees `len` writable bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// A caller-owned output buffer `(ptr, len)` that may be `(NULL, 0)`: a
/// streaming call whose output is empty this time.
///
/// # Safety
///
/// Unless NULL, `ptr` points to `len` writable bytes.
pub(crate) unsafe fn out_bytes_or_empty<'a>(
    ptr: *mut u8,
    len: usize,
) -> Result<&'a mut [u8], sotto_status> {
    if ptr.is_null() && len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: forwarded.
    unsafe { out_bytes(ptr, len) }
}

/// Moves a value to the heap and hands its pointer to C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees the handle `*slot` points to, if any, and sets `*slot` to NULL so
/// that the caller's variable can no longer reach freed memory.
///
/// # Safety
///
/// Unless NULL, `slot` points to a handle pointer that is NULL or came from
/// this library for this type and has not been freed.
pub(crate) unsafe fn free_handle<T>(slot: *mut *mut T) {
    // SAFETY: as documented above.
    let Some(slot) = (unsafe { slot.as_mut() }) else {
        return;
    };
    let ptr = std::mem::replace(slot, std::ptr::null_mut());
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `into_handle` and is freed exactly once:
        // the caller's pointer is now NULL.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Takes back the bytes of a `sotto_buffer`.
///
/// # Safety
///
/// `data` and `len` come from `sotto_buffer::from_vec` and are reclaimed
/// once.
pub(crate) unsafe fn reclaim_bytes(data: *mut u8, len: usize) -> Box<[u8]> {
    // SAFETY: as documented above.
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) }
}
