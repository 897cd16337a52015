//! Natives for the store's sessions and trust; each forwards to the C
//! function named in its comment. Identities go out as 64-byte arrays, a
//! missing one as `null`.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jobject, jobjectArray};

use super::env::{Env, Res, entry, handle, ok, time};
use super::verify::{contact_identity, identity_status};
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// `sotto_store_initiate`: the identity status as `trustObserve` returns it.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeInitiate(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    bundle: jbyteArray,
    now: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let b = env.bytes(bundle)?;
        let now = time(now)?;
        identity_status(env, |s| {
            // SAFETY: a live, locked store; live buffers; `s` is writable.
            unsafe {
                sotto_store_initiate(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    b.as_ptr(),
                    b.len(),
                    now,
                    s,
                )
            }
        })
    })
}

/// Clears `from[0]` and `from[1]`, checking there is room for them (before
/// a call commits anything).
pub(super) fn clear_sender(env: &Env, from: jobjectArray) -> Res<()> {
    env.set_objects(from, &[core::ptr::null_mut(), core::ptr::null_mut()])
}

/// Writes who the inbox entry `id` is from: the sender's identity to
/// `from[0]` and, when the message changed the contact's identity (policy
/// warn), the previous one to `from[1]`; each `null` when absent.
pub(super) fn report_sender(env: &Env, store: jlong, id: i64, from: jobjectArray) -> Res<()> {
    let mut s = sotto_sender {
        has_identity: 0,
        identity: [0; SOTTO_IDENTITY_KEY_LEN],
        identity_changed: 0,
        previous: [0; SOTTO_IDENTITY_KEY_LEN],
    };
    // SAFETY: a live, locked store; `s` is writable.
    ok(unsafe { sotto_store_incoming_sender(handle(store), id, &mut s) })?;
    let key = |present: u8, bytes: &[u8]| -> Res<jobject> {
        if present == 1 {
            env.array(bytes)
        } else {
            Ok(core::ptr::null_mut())
        }
    };
    let identity = key(s.has_identity, &s.identity)?;
    let previous = key(s.identity_changed, &s.previous)?;
    env.set_objects(from, &[identity, previous])
}

/// `sotto_store_incoming_sender`: the sender in `from[0]`, the previous
/// identity after a change in `from[1]`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeIncomingSender(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    id: jlong,
    from: jobjectArray,
) {
    entry(env, (), |env| {
        clear_sender(env, from)?;
        report_sender(env, store, id, from)
    })
}

/// `sotto_store_trust_record`: `[verified, has_pending]`, the 64-byte
/// trusted identity, the 64-byte pending one, then `first_seen` and
/// `pending_seen_at` as 8 big-endian bytes each (146 bytes).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeTrustRecord(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let mut r = sotto_trust_record {
            identity: [0; SOTTO_IDENTITY_KEY_LEN],
            first_seen: 0,
            verified: 0,
            has_pending: 0,
            pending: [0; SOTTO_IDENTITY_KEY_LEN],
            pending_seen_at: 0,
        };
        // SAFETY: a live, locked store; a live buffer; `r` is writable.
        ok(unsafe { sotto_store_trust_record(handle(store), c.as_ptr(), c.len(), &mut r) })?;
        let mut out = Vec::with_capacity(2 + 2 * SOTTO_IDENTITY_KEY_LEN + 16);
        out.extend_from_slice(&[r.verified, r.has_pending]);
        out.extend_from_slice(&r.identity);
        out.extend_from_slice(&r.pending);
        out.extend_from_slice(&r.first_seen.to_be_bytes());
        out.extend_from_slice(&r.pending_seen_at.to_be_bytes());
        env.array(&out)
    })
}

/// `sotto_store_set_trust_policy`: 0 block, 1 warn.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetTrustPolicy(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    policy: jint,
) {
    entry(env, (), |_| {
        let code = u32::try_from(policy).map_err(|_| status::sotto_status::InvalidArgument)?;
        // SAFETY: a live, locked store.
        ok(unsafe { sotto_store_set_trust_policy(handle(store), code) })
    })
}

/// `sotto_store_trust_policy`: 0 block, 1 warn.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeTrustPolicy(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jint {
    entry(env, 0, |_| {
        let mut code = 0u32;
        // SAFETY: a live, locked store; `code` is writable.
        ok(unsafe { sotto_store_trust_policy(handle(store), &mut code) })?;
        jint::try_from(code).map_err(|_| status::sotto_status::Internal)
    })
}

/// `sotto_store_accept_identity_change`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeAcceptIdentityChange(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
    now: jlong,
) {
    entry(env, (), |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        let now = time(now)?;
        // SAFETY: a live, locked store; live buffers.
        ok(unsafe {
            sotto_store_accept_identity_change(handle(store), c.as_ptr(), c.len(), i.as_ptr(), now)
        })
    })
}

/// `sotto_store_set_verified`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetVerified(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    identity: jbyteArray,
    verified: bool,
) {
    entry(env, (), |env| {
        let (c, i) = contact_identity(env, contact, identity)?;
        // SAFETY: a live, locked store; live buffers.
        ok(unsafe {
            sotto_store_set_verified(
                handle(store),
                c.as_ptr(),
                c.len(),
                i.as_ptr(),
                verified.into(),
            )
        })
    })
}

/// `sotto_store_generation` (a count beyond `Long.MAX_VALUE` is
/// `LIMIT_EXCEEDED`).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGeneration(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
) -> jlong {
    entry(env, 0, |_| {
        let mut n = 0u64;
        // SAFETY: a live, locked store; `n` is writable.
        ok(unsafe { sotto_store_generation(handle(store), &mut n) })?;
        jlong::try_from(n).map_err(|_| status::sotto_status::LimitExceeded)
    })
}
