//! Natives for post-quantum session setup (PQXDH); each forwards to the C
//! function named in its comment: one-time post-quantum prekeys and the
//! bundles that carry them, the post-quantum policy of a prekey store, of a
//! session being started and of a store, and whether a session is
//! post-quantum.
//!
//! A policy crosses as an `int` code (0 prefer, 1 require; another is
//! `INVALID_ARGUMENT`), a count or index as an `int` (a negative one is
//! `INVALID_ARGUMENT`, except an index of -1 for a bundle: no one-time
//! prekey, or the last-resort post-quantum prekey).

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong};

use super::env::{Res, entry, handle, ok, time};
use super::session::{bytes_out, handle_out};
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// A count or index as Kotlin passes it.
fn size_of(n: jint) -> Res<usize> {
    usize::try_from(n).map_err(|_| sotto_status::InvalidArgument)
}

/// A bundle's index as Kotlin passes it: -1 is `SIZE_MAX` (none, or the
/// last-resort post-quantum prekey).
fn index_of(n: jint) -> Res<usize> {
    match n {
        -1 => Ok(usize::MAX),
        n => size_of(n),
    }
}

/// A policy code as Kotlin passes it.
fn policy_of(n: jint) -> Res<u32> {
    u32::try_from(n).map_err(|_| sotto_status::InvalidArgument)
}

/// A policy code as the library writes it.
fn policy_out(code: u32) -> Res<jint> {
    jint::try_from(code).map_err(|_| sotto_status::Internal)
}

/// `sotto_prekey_store_generate_pq_one_time_prekeys`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysGeneratePq(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    identity: jlong,
    count: jint,
    now: jlong,
) {
    entry(env, (), |_| {
        let count = size_of(count)?;
        let now = time(now)?;
        // SAFETY: live, locked handles.
        ok(unsafe {
            sotto_prekey_store_generate_pq_one_time_prekeys(
                handle(prekeys),
                handle(identity),
                count,
                now,
            )
        })
    })
}

/// `sotto_prekey_store_pq_one_time_prekey_count`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysPqCount(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
) -> jint {
    entry(env, 0, |_| {
        let mut n = 0usize;
        // SAFETY: a live, locked handle; `n` is writable.
        ok(unsafe { sotto_prekey_store_pq_one_time_prekey_count(handle(prekeys), &mut n) })?;
        jint::try_from(n).map_err(|_| sotto_status::LimitExceeded)
    })
}

/// `sotto_prekey_store_bundle_pq`: a `oneTimeIndex` of -1 is no one-time
/// prekey, a `pqOneTimeIndex` of -1 the last-resort post-quantum prekey.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysBundlePq(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    identity: jlong,
    one_time_index: jint,
    pq_one_time_index: jint,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let one_time = index_of(one_time_index)?;
        let pq = index_of(pq_one_time_index)?;
        // SAFETY: live, locked handles; `out` is writable.
        bytes_out(env, |out| unsafe {
            sotto_prekey_store_bundle_pq(handle(prekeys), handle(identity), one_time, pq, out)
        })
    })
}

/// `sotto_prekey_store_set_pq_policy`: 0 prefer, 1 require.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysSetPqPolicy(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
    policy: jint,
) {
    entry(env, (), |_| {
        let code = policy_of(policy)?;
        // SAFETY: a live, locked handle.
        ok(unsafe { sotto_prekey_store_set_pq_policy(handle(prekeys), code) })
    })
}

/// `sotto_prekey_store_pq_policy`: 0 prefer, 1 require.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_prekeysPqPolicy(
    env: *mut JNIEnv,
    _: jclass,
    prekeys: jlong,
) -> jint {
    entry(env, 0, |_| {
        let mut code = 0u32;
        // SAFETY: a live, locked handle; `code` is writable.
        ok(unsafe { sotto_prekey_store_pq_policy(handle(prekeys), &mut code) })?;
        policy_out(code)
    })
}

/// `sotto_session_initiate_with_policy`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionInitiateWithPolicy(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
    bundle: jbyteArray,
    policy: jint,
) -> jlong {
    entry(env, 0, |env| {
        let code = policy_of(policy)?;
        let bundle = env.bytes(bundle)?;
        // SAFETY: a live, locked identity; `bundle` is a live buffer.
        handle_out(|out| unsafe {
            sotto_session_initiate_with_policy(
                handle(identity),
                bundle.as_ptr(),
                bundle.len(),
                code,
                out,
            )
        })
    })
}

/// `sotto_session_is_post_quantum`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sessionIsPostQuantum(
    env: *mut JNIEnv,
    _: jclass,
    session: jlong,
) -> bool {
    entry(env, false, |_| {
        let mut pq = 0u8;
        // SAFETY: a live, locked handle; `pq` is writable.
        ok(unsafe { sotto_session_is_post_quantum(handle(session), &mut pq) })?;
        Ok(pq == 1)
    })
}

/// `sotto_store_set_pq_policy`: 0 prefer, 1 require.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetPqPolicy(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    policy: jint,
) {
    entry(env, (), |_| {
        let code = policy_of(policy)?;
        // SAFETY: a live, locked store.
        ok(unsafe { sotto_store_set_pq_policy(handle(store), code) })
    })
}

/// `sotto_store_pq_policy`: 0 prefer, 1 require.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storePqPolicy(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jint {
    entry(env, 0, |_| {
        let mut code = 0u32;
        // SAFETY: a live, locked store; `code` is writable.
        ok(unsafe { sotto_store_pq_policy(handle(store), &mut code) })?;
        policy_out(code)
    })
}

/// `sotto_store_is_post_quantum`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeIsPostQuantum(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
) -> bool {
    entry(env, false, |env| {
        let c = env.bytes(contact)?;
        let mut pq = 0u8;
        // SAFETY: a live, locked store; a live buffer; `pq` is writable.
        ok(unsafe { sotto_store_is_post_quantum(handle(store), c.as_ptr(), c.len(), &mut pq) })?;
        Ok(pq == 1)
    })
}
