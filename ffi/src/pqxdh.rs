//! Post-quantum session setup (PQXDH): a prekey store's one-time ML-KEM-1024
//! prekeys and the bundles that carry them, the post-quantum policy of a
//! prekey store, of a session being started and of a store, and whether a
//! session is post-quantum.
//!
//! A policy crosses as a `uint32_t` code: 0 prefer (PQXDH whenever the
//! bundle offers a post-quantum prekey, X3DH otherwise; the default), 1
//! require (a bundle or prekey message without one is
//! `SOTTO_STATUS_POST_QUANTUM_REQUIRED`: no downgrade to X3DH). Another
//! code is `SOTTO_STATUS_INVALID_ARGUMENT`.

use sotto::{PqPolicy, PrekeyBundle, Session};

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::prekeys::{bundle, sotto_prekey_store};
use crate::ptr;
use crate::rng::OsRng;
use crate::session::sotto_session;
use crate::status::sotto_status;
#[cfg(feature = "store")]
use crate::store::sotto_store;

/// The policy of a code: 0 prefer, 1 require.
fn policy(code: u32) -> Result<PqPolicy, sotto_status> {
    match code {
        0 => Ok(PqPolicy::Prefer),
        1 => Ok(PqPolicy::Require),
        _ => Err(sotto_status::InvalidArgument),
    }
}

/// The code of a policy.
fn code(policy: PqPolicy) -> u32 {
    match policy {
        PqPolicy::Prefer => 0,
        PqPolicy::Require => 1,
    }
}

/// Generates `count` one-time post-quantum prekeys signed by `identity`
/// (one ML-KEM-1024 key generation each), to publish with
/// `sotto_prekey_store_bundle_pq`. More than `MAX_PQ_ONE_TIME_PREKEYS` (100)
/// held is `SOTTO_STATUS_LIMIT_EXCEEDED`; an `identity` other than the one
/// that signed the store's signed prekey is `SOTTO_STATUS_INVALID_SIGNATURE`.
/// On failure nothing is generated.
///
/// # Safety
///
/// `store` and `identity` are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_generate_pq_one_time_prekeys(
    store: *mut sotto_prekey_store,
    identity: *const sotto_identity,
    count: usize,
    now: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        s.inner
            .generate_pq_one_time_prekeys(&mut OsRng, &id.inner, count, now)?;
        Ok(())
    })
}

/// Writes how many one-time post-quantum prekeys the store holds.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_pq_one_time_prekey_count(
    store: *const sotto_prekey_store,
    out: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        *unsafe { ptr::out(out) }? = s.inner.pq_one_time_prekey_count();
        Ok(())
    })
}

/// Encodes a prekey bundle as `sotto_prekey_store_bundle` does (the
/// `one_time_index`-th one-time prekey, `SIZE_MAX` for none), with the
/// `pq_one_time_index`-th one-time post-quantum prekey the store holds, or
/// with `SIZE_MAX` its last-resort one (none for a store saved before
/// post-quantum prekeys, until its signed prekey is rotated). Either index
/// beyond its count is `SOTTO_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
///
/// `store` and `identity` are NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_bundle_pq(
    store: *const sotto_prekey_store,
    identity: *const sotto_identity,
    one_time_index: usize,
    pq_one_time_index: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let pq_prekey = if pq_one_time_index == usize::MAX {
            s.inner.pq_prekey()
        } else {
            Some(
                s.inner
                    .pq_one_time_prekey(pq_one_time_index)
                    .ok_or(sotto_status::InvalidArgument)?,
            )
        };
        *out = sotto_buffer::from_vec(bundle(&s.inner, &id.inner, one_time_index, pq_prekey)?);
        Ok(())
    })
}

/// Sets the store's post-quantum policy for accepting first messages: 0
/// prefer (the default), 1 require (a prekey message set up without a
/// post-quantum prekey is `SOTTO_STATUS_POST_QUANTUM_REQUIRED` in
/// `sotto_prekey_store_accept`). It is kept in the store's state.
///
/// # Safety
///
/// `store` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_set_pq_policy(
    store: *mut sotto_prekey_store,
    policy_code: u32,
) -> sotto_status {
    boundary(|| {
        let p = policy(policy_code)?;
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.set_pq_policy(p);
        Ok(())
    })
}

/// Writes the store's post-quantum policy to `*policy_code`: 0 prefer, 1
/// require.
///
/// # Safety
///
/// `store` is NULL or live; `policy_code` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_pq_policy(
    store: *const sotto_prekey_store,
    policy_code: *mut u32,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        *unsafe { ptr::out(policy_code) }? = code(s.inner.pq_policy());
        Ok(())
    })
}

/// Starts a session from a prekey bundle as `sotto_session_initiate` does,
/// under the post-quantum policy `policy_code`: with 1 (require) a bundle
/// without a post-quantum prekey is `SOTTO_STATUS_POST_QUANTUM_REQUIRED`
/// (no downgrade to X3DH); with 0 (prefer) it is the same as
/// `sotto_session_initiate`.
///
/// # Safety
///
/// `identity` is NULL or live; `bundle` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_initiate_with_policy(
    identity: *const sotto_identity,
    bundle: *const u8,
    len: usize,
    policy_code: u32,
    out: *mut *mut sotto_session,
) -> sotto_status {
    boundary(|| {
        let p = policy(policy_code)?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(bundle, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let bundle = PrekeyBundle::from_bytes(bytes)?;
        *out = ptr::into_handle(sotto_session {
            inner: Session::initiate_with(&mut OsRng, &id.inner, &bundle, p)?,
        });
        Ok(())
    })
}

/// Writes 1 to `*post_quantum` if the session was set up with PQXDH (its
/// keys rest on ML-KEM-1024 as well as X25519), 0 if with X3DH.
///
/// # Safety
///
/// `session` is NULL or live; `post_quantum` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_is_post_quantum(
    session: *const sotto_session,
    post_quantum: *mut u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(session) }?;
        // SAFETY: caller contract.
        *unsafe { ptr::out(post_quantum) }? = u8::from(s.inner.is_post_quantum());
        Ok(())
    })
}

/// Sets this device's post-quantum policy, kept with its prekeys (committed):
/// 0 prefer (the default), 1 require (`sotto_store_initiate` and
/// `sotto_store_initiate_device` refuse a bundle without a post-quantum
/// prekey, and a first message set up without one is refused, both with
/// `SOTTO_STATUS_POST_QUANTUM_REQUIRED`). `sotto_store_set_device_prekeys`
/// keeps it. Before `sotto_store_set_device` it is
/// `SOTTO_STATUS_NO_DEVICE_IDENTITY`.
///
/// # Safety
///
/// `store` is NULL or live.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_pq_policy(
    store: *mut sotto_store,
    policy_code: u32,
) -> sotto_status {
    boundary(|| {
        let p = policy(policy_code)?;
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.set_pq_policy(&mut OsRng, p)?;
        Ok(())
    })
}

/// Writes this device's post-quantum policy to `*policy_code`: 0 prefer, 1
/// require. Before `sotto_store_set_device` it is
/// `SOTTO_STATUS_NO_DEVICE_IDENTITY`.
///
/// # Safety
///
/// `store` is NULL or live; `policy_code` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_pq_policy(
    store: *const sotto_store,
    policy_code: *mut u32,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(policy_code) }?;
        *out = code(s.inner.pq_policy()?);
        Ok(())
    })
}

/// Writes 1 to `*post_quantum` if the current session with `contact` was
/// set up with PQXDH (what an app shows as quantum-resistant), 0 if with
/// X3DH. No session with `contact` is `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL (with length 0) or readable
/// for `contact_len` bytes; `post_quantum` is NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_is_post_quantum(
    store: *const sotto_store,
    contact: *const u8,
    contact_len: usize,
    post_quantum: *mut u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(post_quantum) }?;
        *out = u8::from(s.inner.is_post_quantum(contact)?);
        Ok(())
    })
}
