//! # The C ABI of sotto
//!
//! Conventions (also in the README's C section):
//!
//! * Objects are opaque handles created by a `_new`, `_generate`, `_import`
//!   or `_open` function and released by their `_free`, which takes the
//!   address of the caller's pointer, frees the object, wipes its secrets and
//!   sets the pointer to NULL. `_free(NULL)` and freeing a NULL handle do
//!   nothing, so a freed handle cannot be used or freed again through the
//!   same variable: any later call with it gets `SOTTO_STATUS_NULL_PARAMETER`.
//! * Every fallible function returns a `sotto_status` and writes its outputs
//!   only when it returns `SOTTO_STATUS_OK`. `sotto_last_error_message`
//!   describes the calling thread's last status.
//! * Inputs are borrowed `(pointer, length)` pairs; `(NULL, 0)` is empty.
//!   Identities are 64 bytes, host storage keys 32.
//! * Variable-size outputs go to a `sotto_buffer` the library allocates; free
//!   it with `sotto_buffer_free`, which wipes it. Fixed-size outputs go to
//!   caller buffers whose length is passed and checked
//!   (`SOTTO_STATUS_BUFFER_TOO_SMALL`).
//! * Randomness comes from the operating system; time is passed in as
//!   seconds since the Unix epoch.
//! * Every export runs inside a panic boundary (`SOTTO_STATUS_PANIC`).
//! * Thread safety: a handle may move between threads but must not be used
//!   by two threads at once; distinct handles are independent. The last
//!   status is per thread.
//!
//! All `unsafe` code of the SDK is in this crate; every raw pointer becomes
//! a reference in `ptr.rs`, and every export runs inside `panic.rs`. The
//! `jni` feature adds the Kotlin binding's JNI glue (`jni/`), which calls
//! these C functions and runs inside the same boundary.

#[cfg(feature = "store")]
mod backup;
mod buffer;
mod calls;
#[cfg(feature = "ct-check")]
pub mod ct_check;
mod devices;
mod envelope;
mod families;
mod group;
mod identity;
#[cfg(feature = "jni")]
mod jni;
mod location;
mod media;
mod objects;
mod panic;
mod pqxdh;
mod prekeys;
mod ptr;
mod rng;
mod sealed_sender;
mod session;
mod status;
mod status_codes;
#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
mod store_content;
#[cfg(feature = "store")]
mod store_devices;
#[cfg(feature = "store")]
mod store_trust;
mod stream;
mod verify;

#[cfg(feature = "store")]
pub use backup::*;
pub use buffer::{sotto_buffer, sotto_buffer_free};
pub use calls::*;
pub use devices::*;
pub use envelope::*;
pub use families::*;
pub use group::*;
pub use identity::*;
pub use location::*;
pub use media::*;
pub use pqxdh::*;
pub use prekeys::*;
pub use sealed_sender::*;
pub use session::*;
pub use status::sotto_status;
#[cfg(feature = "store")]
pub use store::*;
#[cfg(feature = "store")]
pub use store_content::*;
#[cfg(feature = "store")]
pub use store_devices::*;
#[cfg(feature = "store")]
pub use store_trust::*;
pub use verify::*;

use crate::panic::last;

/// The version of this C ABI. A release that changes any signature, layout
/// or status value increments it.
pub const SOTTO_ABI_VERSION: u32 = 7;
/// Length of an encoded public identity.
pub const SOTTO_IDENTITY_KEY_LEN: usize = 64;
/// Length of a host storage key (for the `_seal` and `_open` functions).
pub const SOTTO_HOST_KEY_LEN: usize = 32;

/// The ABI version this library implements; compare it with
/// `SOTTO_ABI_VERSION` from the header the app was built with.
#[unsafe(no_mangle)]
pub extern "C" fn sotto_abi_version() -> u32 {
    SOTTO_ABI_VERSION
}

/// A static, NUL-terminated description of a status value (never NULL; an
/// unknown value gets "unknown status").
#[unsafe(no_mangle)]
pub extern "C" fn sotto_status_message(status: u32) -> *const core::ffi::c_char {
    sotto_status::from_code(status)
        .map_or(c"unknown status", sotto_status::message)
        .as_ptr()
}

/// Writes the description of the calling thread's last status as a
/// NUL-terminated string into `out` (capacity `out_len`), and its length
/// including the NUL into `*needed` if `needed` is not NULL. With a NULL or
/// short `out` it returns `SOTTO_STATUS_BUFFER_TOO_SMALL` and writes only
/// `*needed`. It does not change the last status.
///
/// # Safety
///
/// `out` is NULL or has `out_len` writable bytes; `needed` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_last_error_message(
    out: *mut core::ffi::c_char,
    out_len: usize,
    needed: *mut usize,
) -> sotto_status {
    let message = last().message().to_bytes_with_nul();
    // SAFETY: `needed` is NULL or writable (caller contract).
    if let Some(n) = unsafe { ptr::out_mut(needed) } {
        *n = message.len();
    }
    if out_len < message.len() {
        return sotto_status::BufferTooSmall;
    }
    // SAFETY: `out` is NULL or has `out_len` writable bytes.
    match unsafe { ptr::out_bytes(out.cast::<u8>(), out_len) } {
        Ok(dst) => {
            if let Some(d) = dst.get_mut(..message.len()) {
                d.copy_from_slice(message);
            }
            sotto_status::Ok
        }
        Err(_) => sotto_status::BufferTooSmall,
    }
}

/// Copies `src` into a caller buffer of at least `src.len()` bytes.
pub(crate) fn copy_out(dst: &mut [u8], src: &[u8]) -> panic::Outcome {
    let d = dst
        .get_mut(..src.len())
        .ok_or(sotto_status::BufferTooSmall)?;
    d.copy_from_slice(src);
    Ok(())
}

/// Reads a 64-byte identity.
pub(crate) fn identity_key(bytes: &[u8; 64]) -> Result<sotto::IdentityKey, sotto_status> {
    sotto::IdentityKey::from_bytes(bytes).map_err(sotto_status::from)
}

/// Reads `count` concatenated 64-byte identities.
pub(crate) fn identity_list(bytes: &[u8]) -> Result<Vec<sotto::IdentityKey>, sotto_status> {
    bytes
        .chunks(SOTTO_IDENTITY_KEY_LEN)
        .map(|c| sotto::IdentityKey::from_bytes(c).map_err(sotto_status::from))
        .collect()
}
