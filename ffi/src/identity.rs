//! Identities.

use sotto::IdentityKeyPair;

use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{copy_out, ptr};

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
