//! Library-owned output buffers.

use zeroize::Zeroize;

use crate::panic::boundary_void;

/// Bytes the library allocated for the caller: a message, a plaintext, an
/// exported state. Free it with `sotto_buffer_free`, which wipes it first
/// (it may hold plaintext or keys). A function writes a buffer only on
/// success; pass one that is empty (`{NULL, 0}`) or already freed.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_buffer {
    /// The bytes, or NULL when `len` is 0.
    pub data: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl sotto_buffer {
    pub(crate) fn from_vec(v: Vec<u8>) -> Self {
        if v.is_empty() {
            return sotto_buffer {
                data: std::ptr::null_mut(),
                len: 0,
            };
        }
        // `into_boxed_slice` would shrink a vector with spare capacity by
        // reallocating, freeing the old block (plaintext, keys) unwiped; copy
        // into an exact allocation and wipe the original instead.
        let mut v = v;
        let boxed: Box<[u8]> = if v.capacity() == v.len() {
            v.into_boxed_slice()
        } else {
            let exact = Box::<[u8]>::from(v.as_slice());
            v.zeroize();
            exact
        };
        let len = boxed.len();
        let data = Box::into_raw(boxed).cast::<u8>();
        sotto_buffer { data, len }
    }
}

/// Wipes and frees a buffer, then sets it to `{NULL, 0}`, so freeing it
/// twice is harmless. `sotto_buffer_free(NULL)` does nothing.
///
/// # Safety
///
/// `buffer` is NULL or points to a `sotto_buffer` that this library filled
/// (or one that is `{NULL, 0}`), not modified by the caller.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_buffer_free(buffer: *mut sotto_buffer) {
    boundary_void(|| {
        // SAFETY: the caller passes NULL or a buffer this library filled.
        let Some(buf) = (unsafe { crate::ptr::out_mut(buffer) }) else {
            return;
        };
        if !buf.data.is_null() && buf.len > 0 {
            // SAFETY: data and len come from `from_vec`'s boxed slice.
            let mut boxed = unsafe { crate::ptr::reclaim_bytes(buf.data, buf.len) };
            boxed.zeroize();
        }
        buf.data = std::ptr::null_mut();
        buf.len = 0;
    });
}
