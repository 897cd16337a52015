//! 1:1 sessions.

use sotto::{MessageKind, PrekeyBundle, Session};

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::verify::sotto_trust_store;
use crate::{copy_out, ptr};

/// A Double Ratchet session with one remote device. Wiped when freed.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_session {
    pub(crate) inner: Session,
}

/// The kind of a 1:1 message.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sotto_message_kind {
    /// Can start a session (`sotto_prekey_store_accept`).
    Prekey = 1,
    /// For an existing session (`sotto_session_decrypt`).
    Normal = 2,
}

/// Starts a session from a prekey bundle (verifying its signature).
///
/// # Safety
///
/// `identity` is NULL or live; `bundle` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_initiate(
    identity: *const sotto_identity,
    bundle: *const u8,
    len: usize,
    out: *mut *mut sotto_session,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(bundle, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let bundle = PrekeyBundle::from_bytes(bytes)?;
        *out = ptr::into_handle(sotto_session {
            inner: Session::initiate(&mut OsRng, &id.inner, &bundle)?,
        });
        Ok(())
    })
}

/// Encrypts a message for the remote device.
///
/// # Safety
///
/// `session` is NULL or live; `plaintext` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_encrypt(
    session: *mut sotto_session,
    plaintext: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(session) }?;
        // SAFETY: caller contract.
        let pt = unsafe { ptr::slice(plaintext, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(s.inner.encrypt(&mut OsRng, pt)?);
        Ok(())
    })
}

/// Encrypts only if the session's remote identity is the one `trust` holds
/// for `contact` (`SOTTO_STATUS_UNTRUSTED_IDENTITY` otherwise).
///
/// # Safety
///
/// `session` and `trust` are NULL or live; `contact` is NULL or has
/// `contact_len` readable bytes; `plaintext` is NULL or has `len` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_encrypt_checked(
    session: *mut sotto_session,
    trust: *const sotto_trust_store,
    contact: *const u8,
    contact_len: usize,
    plaintext: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(session) }?;
        // SAFETY: caller contract.
        let t = unsafe { ptr::handle(trust) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let pt = unsafe { ptr::slice(plaintext, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let wire = s.inner.encrypt_checked(&mut OsRng, &t.inner, contact, pt)?;
        *out = sotto_buffer::from_vec(wire);
        Ok(())
    })
}

/// Decrypts a message from the remote device; on any error the session is
/// unchanged.
///
/// # Safety
///
/// `session` is NULL or live; `message` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_decrypt(
    session: *mut sotto_session,
    message: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(session) }?;
        // SAFETY: caller contract.
        let msg = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(s.inner.decrypt(msg)?);
        Ok(())
    })
}

/// Writes the remote device's 64-byte identity.
///
/// # Safety
///
/// `session` is NULL or live; `out` is NULL or has `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_session_remote_identity(
    session: *const sotto_session,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(session) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, &s.inner.remote_identity().to_bytes())
    })
}

/// Tells a prekey message from a normal one (and checks it is well-formed).
///
/// # Safety
///
/// `message` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_message_kind_of(
    message: *const u8,
    len: usize,
    out: *mut sotto_message_kind,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let msg = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = match sotto::message_kind(msg)? {
            MessageKind::Prekey => sotto_message_kind::Prekey,
            MessageKind::Normal => sotto_message_kind::Normal,
        };
        Ok(())
    })
}

/// Writes the 64-byte identity a prekey message claims (unauthenticated until
/// it decrypts), to check it against the trust store first.
///
/// # Safety
///
/// `message` is NULL or has `len` readable bytes; `out` is NULL or has
/// `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_prekey_message_identity(
    message: *const u8,
    len: usize,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let msg = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        let info = sotto::inspect_prekey_message(msg)?;
        copy_out(out, &info.identity.to_bytes())
    })
}
