//! Natives for the crash-safe store; each forwards to the C function named
//! in its comment. A message id goes to element 0 of a `long[]` the caller
//! passes, after the call succeeded.

use jni_sys::{JNIEnv, jbyteArray, jclass, jlong, jlongArray, jobjectArray};

use super::env::{Buffer, Env, Res, entry, handle, ok, time};
use super::session::handle_out;
use super::store_trust::{clear_sender, report_sender};
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// `sotto_store_open`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeOpen(
    env: *mut JNIEnv,
    _: jclass,
    path: jbyteArray,
    key: jbyteArray,
    durable: bool,
) -> jlong {
    entry(env, 0, |env| {
        let path = env.bytes(path)?;
        let key = env.exact::<SOTTO_HOST_KEY_LEN>(key)?;
        // SAFETY: a live buffer of its length; a 32-byte key.
        handle_out(|out| unsafe {
            sotto_store_open(path.as_ptr(), path.len(), key.as_ptr(), durable.into(), out)
        })
    })
}

/// `sotto_store_set_device`: this device's identity and prekeys.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetDevice(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    identity: jlong,
    prekeys: jlong,
) {
    // SAFETY: live handles, each locked by its Kotlin object.
    entry(env, (), |_| {
        ok(unsafe { sotto_store_set_device(handle(store), handle(identity), handle(prekeys)) })
    })
}

/// `sotto_store_set_device_prekeys`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetDevicePrekeys(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    prekeys: jlong,
) {
    // SAFETY: live handles, each locked by its Kotlin object.
    entry(env, (), |_| {
        ok(unsafe { sotto_store_set_device_prekeys(handle(store), handle(prekeys)) })
    })
}

/// `sotto_store_device_identity`, as a new identity handle.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDeviceIdentity(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jlong {
    // SAFETY: a live, locked store; `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_store_device_identity(handle(store), out) })
    })
}

/// `sotto_store_device_prekeys`, as a new prekey-store handle.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDevicePrekeys(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jlong {
    // SAFETY: a live, locked store; `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_store_device_prekeys(handle(store), out) })
    })
}

/// Runs a store call that writes a message id and one buffer; the id goes
/// to `id[0]` (checked before the call, so that nothing is committed
/// without a place to report it).
fn with_id(
    env: &Env,
    id: jlongArray,
    f: impl FnOnce(&mut i64, &mut Buffer) -> status::sotto_status,
) -> Res<jbyteArray> {
    Ok(committed(env, id, f)?.1)
}

/// [`with_id`], also returning the id.
fn committed(
    env: &Env,
    id: jlongArray,
    f: impl FnOnce(&mut i64, &mut Buffer) -> status::sotto_status,
) -> Res<(i64, jbyteArray)> {
    env.set_long(id, 0)?;
    let mut n = 0i64;
    let mut out = Buffer::new();
    ok(f(&mut n, &mut out))?;
    env.set_long(id, n)?;
    Ok((n, env.take(out)?))
}

/// `sotto_store_encrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    plaintext: jbyteArray,
    id: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let p = env.bytes(plaintext)?;
        with_id(env, id, |n, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_encrypt(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    p.as_ptr(),
                    p.len(),
                    n,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_decrypt`, then `sotto_store_incoming_sender` on the new
/// entry: the sender's identity goes to `from[0]` and, after a change of
/// the contact's identity (policy warn), the previous one to `from[1]`.
/// Both arrays are checked before the call commits anything; if reading the
/// sender back fails, that error is thrown and the entry stays in the inbox.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    message: jbyteArray,
    now: jlong,
    id: jlongArray,
    from: jobjectArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let m = env.bytes(message)?;
        let now = time(now)?;
        clear_sender(env, from)?;
        let (n, plaintext) = committed(env, id, |n, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_decrypt(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    m.as_ptr(),
                    m.len(),
                    now,
                    n,
                    &mut out.0,
                )
            }
        })?;
        report_sender(env, store, n, from)?;
        Ok(plaintext)
    })
}

/// `sotto_store_group_encrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGroupEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    group: jbyteArray,
    plaintext: jbyteArray,
    id: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let g = env.bytes(group)?;
        let p = env.bytes(plaintext)?;
        with_id(env, id, |n, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_group_encrypt(
                    handle(store),
                    g.as_ptr(),
                    g.len(),
                    p.as_ptr(),
                    p.len(),
                    n,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_group_decrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGroupDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    group: jbyteArray,
    from: jbyteArray,
    message: jbyteArray,
    id: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let g = env.bytes(group)?;
        let f = env.exact::<SOTTO_IDENTITY_KEY_LEN>(from)?;
        let m = env.bytes(message)?;
        with_id(env, id, |n, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_group_decrypt(
                    handle(store),
                    g.as_ptr(),
                    g.len(),
                    f.as_ptr(),
                    m.as_ptr(),
                    m.len(),
                    n,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_ack_incoming` (`incoming` true) or `sotto_store_ack_outgoing`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeAck(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    incoming: bool,
    id: jlong,
) {
    let ack = if incoming {
        sotto_store_ack_incoming
    } else {
        sotto_store_ack_outgoing
    };
    // SAFETY: a live, locked store.
    entry(env, (), |_| ok(unsafe { ack(handle(store), id) }))
}

/// `sotto_store_next_incoming` (`incoming` true) or
/// `sotto_store_next_outgoing`: the conversation, with the entry's id in
/// `id[0]` and its body (plaintext or message) in `body[0]`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeNext(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    incoming: bool,
    after: jlong,
    id: jlongArray,
    body: jobjectArray,
) -> jbyteArray {
    let next = if incoming {
        sotto_store_next_incoming
    } else {
        sotto_store_next_outgoing
    };
    entry(env, NULL, |env| {
        env.set_object(body, core::ptr::null_mut())?;
        let mut b = Buffer::new();
        let conversation = with_id(env, id, |n, conv| {
            // SAFETY: a live, locked store; writable outputs.
            unsafe { next(handle(store), after, n, &mut conv.0, &mut b.0) }
        })?;
        let b = env.take(b)?;
        env.set_object(body, b)?;
        Ok(conversation)
    })
}
