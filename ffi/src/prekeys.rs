//! Prekey stores and bundles.

use sotto::{IdentityKeyPair, PqPrekeyPublic, PrekeyBundle, PrekeyStore};

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::ptr;
use crate::rng::OsRng;
use crate::session::sotto_session;
use crate::status::sotto_status;

/// A device's signed and one-time prekeys (private halves). Wiped when freed.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_prekey_store {
    pub(crate) inner: PrekeyStore,
}

/// Creates a prekey store with a fresh signed prekey signed by `identity`.
///
/// # Safety
///
/// `identity` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_new(
    identity: *const sotto_identity,
    now: u64,
    out: *mut *mut sotto_prekey_store,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_prekey_store {
            inner: PrekeyStore::new(&mut OsRng, &id.inner, now),
        });
        Ok(())
    })
}

/// Generates `count` one-time prekeys (at most `MAX_ONE_TIME_PREKEYS` held).
///
/// # Safety
///
/// `store` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_generate_one_time_prekeys(
    store: *mut sotto_prekey_store,
    count: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.generate_one_time_prekeys(&mut OsRng, count)?;
        Ok(())
    })
}

/// Writes how many one-time prekeys the store holds.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_one_time_prekey_count(
    store: *const sotto_prekey_store,
    out: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        *unsafe { ptr::out(out) }? = s.inner.one_time_prekey_count();
        Ok(())
    })
}

/// Rotates the signed prekey; the previous one stays valid for the grace
/// period.
///
/// # Safety
///
/// `store` and `identity` are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_rotate_signed_prekey(
    store: *mut sotto_prekey_store,
    identity: *const sotto_identity,
    now: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        s.inner.rotate_signed_prekey(&mut OsRng, &id.inner, now)?;
        Ok(())
    })
}

/// Encodes the prekey bundle the server hands out: the identity, the signed
/// prekey, the `one_time_index`-th one-time prekey the store holds
/// (`SIZE_MAX` for none; an index beyond the count is
/// `SOTTO_STATUS_INVALID_ARGUMENT`) and the last-resort post-quantum prekey,
/// so that sessions from it use PQXDH (`sotto_prekey_store_bundle_pq` picks
/// a one-time post-quantum prekey instead).
///
/// # Safety
///
/// `store` and `identity` are NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_bundle(
    store: *const sotto_prekey_store,
    identity: *const sotto_identity,
    one_time_index: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(bundle(
            &s.inner,
            &id.inner,
            one_time_index,
            s.inner.pq_prekey(),
        )?);
        Ok(())
    })
}

/// The encoded bundle of `store` under `identity`, with the
/// `one_time_index`-th one-time prekey (`usize::MAX` for none; an index
/// beyond the count is `InvalidArgument`) and `pq_prekey`.
pub(crate) fn bundle(
    store: &PrekeyStore,
    identity: &IdentityKeyPair,
    one_time_index: usize,
    pq_prekey: Option<PqPrekeyPublic>,
) -> Result<Vec<u8>, sotto_status> {
    let one_time_prekey = if one_time_index == usize::MAX {
        None
    } else {
        Some(
            *store
                .one_time_prekeys()
                .get(one_time_index)
                .ok_or(sotto_status::InvalidArgument)?,
        )
    };
    let bundle = PrekeyBundle {
        identity: *identity.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey,
        pq_prekey,
    };
    Ok(bundle.to_bytes())
}

/// Accepts the first message of a new session: creates the session and
/// writes the plaintext. The one-time prekey is consumed only on success.
///
/// # Safety
///
/// `store` and `identity` are NULL or live; `message` is NULL or has `len`
/// readable bytes; `session_out` and `plaintext_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_store_accept(
    store: *mut sotto_prekey_store,
    identity: *const sotto_identity,
    message: *const u8,
    len: usize,
    now: u64,
    session_out: *mut *mut sotto_session,
    plaintext_out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let msg = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let session_out = unsafe { ptr::out(session_out) }?;
        // SAFETY: caller contract.
        let plaintext_out = unsafe { ptr::out(plaintext_out) }?;
        let accepted = s.inner.accept(&id.inner, msg, now)?;
        *plaintext_out = sotto_buffer::from_vec(accepted.plaintext);
        *session_out = ptr::into_handle(sotto_session {
            inner: accepted.session,
        });
        Ok(())
    })
}
