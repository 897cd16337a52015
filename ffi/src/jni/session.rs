//! Natives for identities, prekeys and 1:1 sessions; each forwards to the
//! C function named in its comment.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray};

use super::env::{Buffer, Env, Res, entry, handle, ok, raw, time};
use crate::buffer::sotto_buffer;
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// Runs a C function that writes one library buffer, as a `byte[]`.
pub(super) fn bytes_out(
    env: &Env,
    f: impl FnOnce(*mut sotto_buffer) -> sotto_status,
) -> Res<jbyteArray> {
    let mut out = Buffer::new();
    ok(f(&mut out.0))?;
    env.take(out)
}

/// A C function from a handle and an input to a library buffer (1:1 and
/// group encrypt and decrypt).
pub(super) type BytesFn<T> =
    unsafe extern "C" fn(*mut T, *const u8, usize, *mut sotto_buffer) -> sotto_status;

/// A native that runs a [`BytesFn`] on a live, locked handle and a `byte[]`.
pub(super) fn handle_bytes<T>(
    env: *mut JNIEnv,
    h: jlong,
    input: jbyteArray,
    f: BytesFn<T>,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let input = env.bytes(input)?;
        // SAFETY: a live, locked handle of `f`'s type; `input` is a live buffer.
        bytes_out(env, |out| unsafe {
            f(handle(h), input.as_ptr(), input.len(), out)
        })
    })
}

/// Runs a C function that writes one new handle, as a `long`.
pub(super) fn handle_out<T>(f: impl FnOnce(*mut *mut T) -> sotto_status) -> Res<jlong> {
    let mut out = core::ptr::null_mut();
    ok(f(&mut out))?;
    Ok(raw(out))
}

/// `sotto_identity_generate`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_identityGenerate(env: *mut JNIEnv, _: jclass) -> jlong {
    // SAFETY: `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_identity_generate(out) })
    })
}

/// `sotto_identity_public_key`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_identityPublicKey(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let mut key = [0u8; SOTTO_IDENTITY_KEY_LEN];
        // SAFETY: a live, locked handle; `key` has its length writable.
        ok(unsafe { sotto_identity_public_key(handle(identity), key.as_mut_ptr(), key.len()) })?;
        env.array(&key)
    })
}

/// `sotto_prekey_store_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysNew(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
    now: jlong,
) -> jlong {
    entry(env, 0, |_| {
        let now = time(now)?;
        // SAFETY: a live, locked identity; `out` is writable.
        handle_out(|out| unsafe { sotto_prekey_store_new(handle(identity), now, out) })
    })
}

/// `sotto_prekey_store_generate_one_time_prekeys`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysGenerate(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    count: jint,
) {
    entry(env, (), |_| {
        let count = usize::try_from(count).map_err(|_| sotto_status::InvalidArgument)?;
        // SAFETY: a live, locked handle.
        ok(unsafe { sotto_prekey_store_generate_one_time_prekeys(handle(prekeys), count) })
    })
}

/// `sotto_prekey_store_one_time_prekey_count`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysCount(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
) -> jint {
    entry(env, 0, |_| {
        let mut n = 0usize;
        // SAFETY: a live, locked handle; `n` is writable.
        ok(unsafe { sotto_prekey_store_one_time_prekey_count(handle(prekeys), &mut n) })?;
        jint::try_from(n).map_err(|_| sotto_status::LimitExceeded)
    })
}

/// `sotto_prekey_store_rotate_signed_prekey`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysRotate(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    identity: jlong,
    now: jlong,
) {
    entry(env, (), |_| {
        let now = time(now)?;
        // SAFETY: live, locked handles.
        ok(unsafe {
            sotto_prekey_store_rotate_signed_prekey(handle(prekeys), handle(identity), now)
        })
    })
}

/// `sotto_prekey_store_bundle`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysBundle(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    identity: jlong,
    one_time_index: jint,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let one_time_index =
            usize::try_from(one_time_index).map_err(|_| sotto_status::InvalidArgument)?;
        // SAFETY: live, locked handles; `out` is writable.
        bytes_out(env, |out| unsafe {
            sotto_prekey_store_bundle(handle(prekeys), handle(identity), one_time_index, out)
        })
    })
}

/// `sotto_prekey_store_accept`: the plaintext, with the new session's
/// handle in `session[0]`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysAccept(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    identity: jlong,
    message: jbyteArray,
    now: jlong,
    session: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let now = time(now)?;
        let message = env.bytes(message)?;
        // Checked before the call, so that a session is never created
        // without a place to return it.
        env.set_long(session, 0)?;
        let mut s: *mut sotto_session = core::ptr::null_mut();
        let mut plaintext = Buffer::new();
        // SAFETY: live, locked handles; `message` is a live buffer of its
        // length; the outputs are writable.
        ok(unsafe {
            sotto_prekey_store_accept(
                handle(prekeys),
                handle(identity),
                message.as_ptr(),
                message.len(),
                now,
                &mut s,
                &mut plaintext.0,
            )
        })?;
        let result = env.take(plaintext);
        if result.is_ok() && env.set_long(session, raw(s)).is_ok() {
            return result;
        }
        // SAFETY: the session just created, not handed to Kotlin.
        unsafe { sotto_session_free(&mut s) };
        Err(sotto_status::Panic)
    })
}

/// `sotto_session_initiate`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionInitiate(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
    bundle: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let bundle = env.bytes(bundle)?;
        // SAFETY: a live, locked identity; `bundle` is a live buffer.
        handle_out(|out| unsafe {
            sotto_session_initiate(handle(identity), bundle.as_ptr(), bundle.len(), out)
        })
    })
}

/// `sotto_session_encrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    session: jlong,
    plaintext: jbyteArray,
) -> jbyteArray {
    handle_bytes(env, session, plaintext, sotto_session_encrypt)
}

/// `sotto_session_encrypt_checked`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionEncryptChecked(
    env: *mut JNIEnv,
    _: jclass,
    session: jlong,
    trust: jlong,
    contact: jbyteArray,
    plaintext: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let contact = env.bytes(contact)?;
        let pt = env.bytes(plaintext)?;
        // SAFETY: live, locked handles; live buffers.
        bytes_out(env, |out| unsafe {
            sotto_session_encrypt_checked(
                handle(session),
                handle(trust),
                contact.as_ptr(),
                contact.len(),
                pt.as_ptr(),
                pt.len(),
                out,
            )
        })
    })
}

/// `sotto_session_decrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    session: jlong,
    message: jbyteArray,
) -> jbyteArray {
    handle_bytes(env, session, message, sotto_session_decrypt)
}

/// `sotto_session_remote_identity`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionRemoteIdentity(
    env: *mut JNIEnv,
    _: jclass,
    session: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let mut key = [0u8; SOTTO_IDENTITY_KEY_LEN];
        // SAFETY: a live, locked handle; `key` has its length writable.
        ok(unsafe { sotto_session_remote_identity(handle(session), key.as_mut_ptr(), key.len()) })?;
        env.array(&key)
    })
}

/// `sotto_message_kind_of`: 1 prekey, 2 normal.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_messageKind(
    env: *mut JNIEnv,
    _: jclass,
    message: jbyteArray,
) -> jint {
    entry(env, 0, |env| {
        let m = env.bytes(message)?;
        let mut kind = sotto_message_kind::Normal;
        // SAFETY: `m` is a live buffer; `kind` is writable.
        ok(unsafe { sotto_message_kind_of(m.as_ptr(), m.len(), &mut kind) })?;
        Ok(kind as jint)
    })
}

/// `sotto_prekey_message_identity`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeyMessageIdentity(
    env: *mut JNIEnv,
    _: jclass,
    message: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let m = env.bytes(message)?;
        let mut key = [0u8; SOTTO_IDENTITY_KEY_LEN];
        // SAFETY: `m` is a live buffer; `key` has its length writable.
        ok(unsafe {
            sotto_prekey_message_identity(m.as_ptr(), m.len(), key.as_mut_ptr(), key.len())
        })?;
        env.array(&key)
    })
}
