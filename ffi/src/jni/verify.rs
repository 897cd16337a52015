//! Natives for security codes and trust stores; each forwards to the C
//! function named in its comment.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong};

use super::env::{Env, Res, entry, handle, ok, time};
use super::session::handle_out;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// `sotto_security_code_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_securityCodeNew(
    env: *mut JNIEnv,
    _: jclass,
    local: jbyteArray,
    local_id: jbyteArray,
    remote: jbyteArray,
    remote_id: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let local = env.exact::<SOTTO_IDENTITY_KEY_LEN>(local)?;
        let local_id = env.bytes(local_id)?;
        let remote = env.exact::<SOTTO_IDENTITY_KEY_LEN>(remote)?;
        let remote_id = env.bytes(remote_id)?;
        // SAFETY: 64-byte identities and live buffers of their lengths.
        handle_out(|out| unsafe {
            sotto_security_code_new(
                local.as_ptr(),
                local_id.as_ptr(),
                local_id.len(),
                remote.as_ptr(),
                remote_id.as_ptr(),
                remote_id.len(),
                out,
            )
        })
    })
}

/// `sotto_security_code_digits` (`scannable` false, 60 ASCII digits) or
/// `sotto_security_code_scannable` (the QR payload).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_securityCodeBytes(
    env: *mut JNIEnv,
    _: jclass,
    code: jlong,
    scannable: bool,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let mut out = [0u8; SOTTO_SCANNABLE_LEN];
        let (f, len) = if scannable {
            (sotto_security_code_scannable as CodeFn, SOTTO_SCANNABLE_LEN)
        } else {
            (
                sotto_security_code_digits as CodeFn,
                SOTTO_SECURITY_CODE_DIGITS,
            )
        };
        let out = out
            .get_mut(..len)
            .ok_or(status::sotto_status::BufferTooSmall)?;
        // SAFETY: a live, locked handle; `out` has its length writable.
        ok(unsafe { f(handle(code), out.as_mut_ptr(), out.len()) })?;
        env.array(out)
    })
}

type CodeFn =
    unsafe extern "C" fn(*const sotto_security_code, *mut u8, usize) -> status::sotto_status;

/// `sotto_security_code_compare_scanned`: 0 match, 1 mismatch, 2 version
/// mismatch.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_securityCodeCompare(
    env: *mut JNIEnv,
    _: jclass,
    code: jlong,
    scanned: jbyteArray,
) -> jint {
    entry(env, 0, |env| {
        let s = env.bytes(scanned)?;
        let mut result = sotto_scan_result::Mismatch;
        // SAFETY: a live, locked handle; a live buffer; `result` is writable.
        ok(unsafe {
            sotto_security_code_compare_scanned(handle(code), s.as_ptr(), s.len(), &mut result)
        })?;
        Ok(result as jint)
    })
}

/// `sotto_trust_store_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_trustNew(
    env: *mut JNIEnv,
    _: jclass,
    block_changes: bool,
) -> jlong {
    let policy = if block_changes { 0 } else { 1 };
    // SAFETY: `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_trust_store_new(policy, out) })
    })
}

/// A contact and a 64-byte identity, as the trust functions take them.
pub(super) fn contact_identity(
    env: &Env,
    contact: jbyteArray,
    identity: jbyteArray,
) -> Res<(Bytes, Bytes)> {
    Ok((
        env.bytes(contact)?,
        env.exact::<SOTTO_IDENTITY_KEY_LEN>(identity)?,
    ))
}

type Bytes = zeroize::Zeroizing<Vec<u8>>;

/// `sotto_trust_store_observe`: `[kind, verified, was_verified, blocked]`
/// followed by the 64-byte previous identity.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_trustObserve(
    env: *mut JNIEnv,
    _: jclass,
    trust: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
    now: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        let now = time(now)?;
        identity_status(env, |s| {
            // SAFETY: a live, locked handle; live buffers; `s` is writable.
            unsafe {
                sotto_trust_store_observe(handle(trust), c.as_ptr(), c.len(), i.as_ptr(), now, s)
            }
        })
    })
}

/// Runs a call that writes a `sotto_identity_status` and returns it as
/// Kotlin reads it: `[kind, verified, was_verified, blocked]` followed by
/// the 64-byte previous identity.
pub(super) fn identity_status(
    env: &Env,
    f: impl FnOnce(&mut sotto_identity_status) -> status::sotto_status,
) -> Res<jbyteArray> {
    let mut s = sotto_identity_status {
        kind: sotto_identity_status_kind::New,
        verified: 0,
        was_verified: 0,
        blocked: 0,
        previous: [0; SOTTO_IDENTITY_KEY_LEN],
    };
    ok(f(&mut s))?;
    let mut out = vec![s.kind as u8, s.verified, s.was_verified, s.blocked];
    out.extend_from_slice(&s.previous);
    env.array(&out)
}

/// `sotto_trust_store_check`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_trustCheck(
    env: *mut JNIEnv,
    _: jclass,
    trust: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
) {
    entry(env, (), |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        // SAFETY: a live, locked handle; live buffers.
        ok(unsafe { sotto_trust_store_check(handle(trust), c.as_ptr(), c.len(), i.as_ptr()) })
    })
}

/// `sotto_trust_store_accept_change`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_trustAcceptChange(
    env: *mut JNIEnv,
    _: jclass,
    trust: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
    now: jlong,
) {
    entry(env, (), |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        let now = time(now)?;
        // SAFETY: a live, locked handle; live buffers.
        ok(unsafe {
            sotto_trust_store_accept_change(handle(trust), c.as_ptr(), c.len(), i.as_ptr(), now)
        })
    })
}

/// `sotto_trust_store_set_verified`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_trustSetVerified(
    env: *mut JNIEnv,
    _: jclass,
    trust: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
    verified: bool,
) {
    entry(env, (), |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        // SAFETY: a live, locked handle; live buffers.
        ok(unsafe {
            sotto_trust_store_set_verified(
                handle(trust),
                c.as_ptr(),
                c.len(),
                i.as_ptr(),
                verified.into(),
            )
        })
    })
}
