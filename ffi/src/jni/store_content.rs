//! Natives for the store's content messages and disappearing timers; each
//! forwards to the C function named in its comment. Times are milliseconds
//! since the epoch. A send writes `[id, sent_at_ms, expires_at_ms]` (0:
//! never) to a `long[]` the caller passes, a receive the inbox id to `id[0]`
//! (0 if the message arrived expired) and what the message carries to
//! `info` (as `envelope.rs` writes it); each array is checked before the
//! call commits anything.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray};

use super::env::{Buffer, Env, Res, entry, handle, ok, time};
use super::envelope::{clear_info, content_type, long, seconds, set_info};
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// The number of elements a send writes.
const SENT_LEN: usize = 3;

/// A conversation kind as Kotlin passes it (`SOTTO_CONVERSATION_*`; the C
/// function refuses another value).
fn kind(code: jint) -> Res<u32> {
    u32::try_from(code).map_err(|_| sotto_status::InvalidArgument)
}

/// Runs a C function that sends: `sent` is checked and cleared first, then
/// gets `[id, sent_at_ms, expires_at_ms]`; the message is returned.
pub(super) fn sending(
    env: &Env,
    sent: jlongArray,
    f: impl FnOnce(&mut sotto_sent, &mut Buffer) -> sotto_status,
) -> Res<jbyteArray> {
    env.set_longs(sent, &[0; SENT_LEN])?;
    let mut s = sotto_sent::default();
    let mut message = Buffer::new();
    ok(f(&mut s, &mut message))?;
    env.set_longs(sent, &[s.id, long(s.sent_at_ms)?, long(s.expires_at_ms)?])?;
    env.take(message)
}

/// Runs a C function that receives: `id` and `info` are checked and
/// cleared first, then get the inbox id and the message's info; the body
/// is returned.
pub(super) fn receiving(
    env: &Env,
    id: jlongArray,
    info: jlongArray,
    f: impl FnOnce(&mut i64, &mut sotto_message_info, &mut Buffer) -> sotto_status,
) -> Res<jbyteArray> {
    env.set_long(id, 0)?;
    clear_info(env, info)?;
    let mut n = 0i64;
    let mut m = sotto_message_info::default();
    let mut body = Buffer::new();
    ok(f(&mut n, &mut m, &mut body))?;
    env.set_long(id, n)?;
    set_info(env, info, &m)?;
    env.take(body)
}

/// `sotto_store_send`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSend(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    content_type: jint,
    body: jbyteArray,
    now_ms: jlong,
    sent: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let t = self::content_type(content_type)?;
        let b = env.bytes(body)?;
        let now = time(now_ms)?;
        sending(env, sent, |s, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_send(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    t,
                    b.as_ptr(),
                    b.len(),
                    now,
                    s,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_group_send`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGroupSend(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    group: jbyteArray,
    content_type: jint,
    body: jbyteArray,
    now_ms: jlong,
    sent: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let g = env.bytes(group)?;
        let t = self::content_type(content_type)?;
        let b = env.bytes(body)?;
        let now = time(now_ms)?;
        sending(env, sent, |s, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_group_send(
                    handle(store),
                    g.as_ptr(),
                    g.len(),
                    t,
                    b.as_ptr(),
                    b.len(),
                    now,
                    s,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_receive`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeReceive(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    message: jbyteArray,
    now_ms: jlong,
    id: jlongArray,
    info: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let m = env.bytes(message)?;
        let now = time(now_ms)?;
        receiving(env, id, info, |n, i, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_receive(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    m.as_ptr(),
                    m.len(),
                    now,
                    n,
                    i,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_group_receive`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGroupReceive(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    group: jbyteArray,
    from: jbyteArray,
    message: jbyteArray,
    now_ms: jlong,
    id: jlongArray,
    info: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let g = env.bytes(group)?;
        let f = env.exact::<SOTTO_IDENTITY_KEY_LEN>(from)?;
        let m = env.bytes(message)?;
        let now = time(now_ms)?;
        receiving(env, id, info, |n, i, out| {
            // SAFETY: a live, locked store; live buffers (`f` has 64
            // bytes); writable outputs.
            unsafe {
                sotto_store_group_receive(
                    handle(store),
                    g.as_ptr(),
                    g.len(),
                    f.as_ptr(),
                    m.as_ptr(),
                    m.len(),
                    now,
                    n,
                    i,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_set_disappearing_timer`: `kind` is a
/// `SOTTO_CONVERSATION_*`, `name` the contact or group id.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetDisappearingTimer(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    kind: jint,
    name: jbyteArray,
    duration_secs: jlong,
    now_ms: jlong,
    sent: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let k = self::kind(kind)?;
        let n = env.bytes(name)?;
        let secs = seconds(duration_secs)?;
        let now = time(now_ms)?;
        sending(env, sent, |s, out| {
            // SAFETY: a live, locked store; a live buffer; writable outputs.
            unsafe {
                sotto_store_set_disappearing_timer(
                    handle(store),
                    k,
                    n.as_ptr(),
                    n.len(),
                    secs,
                    now,
                    s,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_disappearing_timer`: `[duration_secs, set_at_ms]`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDisappearingTimer(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    kind: jint,
    name: jbyteArray,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let k = self::kind(kind)?;
        let n = env.bytes(name)?;
        let (mut secs, mut set_at) = (0u32, 0u64);
        // SAFETY: a live, locked store; a live buffer; writable outputs.
        ok(unsafe {
            sotto_store_disappearing_timer(
                handle(store),
                k,
                n.as_ptr(),
                n.len(),
                &mut secs,
                &mut set_at,
            )
        })?;
        env.long_array(&[secs.into(), long(set_at)?])
    })
}

/// `sotto_store_purge_expired`: `[messages, kept_keys]`, what it deleted.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storePurgeExpired(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    now_ms: jlong,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let now = time(now_ms)?;
        let (mut messages, mut kept_keys) = (0u64, 0u64);
        // SAFETY: a live, locked store; writable outputs.
        ok(unsafe {
            sotto_store_purge_expired(handle(store), now, &mut messages, &mut kept_keys)
        })?;
        env.long_array(&[long(messages)?, long(kept_keys)?])
    })
}

/// `sotto_store_next_expiry` (nothing expiring is `NOT_FOUND`).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeNextExpiry(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jlong {
    entry(env, 0, |_| {
        let mut at = 0u64;
        // SAFETY: a live, locked store; `at` is writable.
        ok(unsafe { sotto_store_next_expiry(handle(store), &mut at) })?;
        long(at)
    })
}

/// `sotto_store_account_report`: the UTF-8 JSON document.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeAccountReport(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    now_ms: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let now = time(now_ms)?;
        let mut json = Buffer::new();
        // SAFETY: a live, locked store; `json` is writable.
        ok(unsafe { sotto_store_account_report(handle(store), now, &mut json.0) })?;
        env.take(json)
    })
}
