//! Natives for sealed sender: the service's certificates, sealing and
//! opening envelopes, and the store's sealed send and receive; each
//! forwards to the C function named in its comment.
//!
//! A key id or device index (a `uint32_t`) crosses as a `long` (one
//! outside 0..=4294967295 is `INVALID_ARGUMENT`), a time as a `long` of
//! milliseconds since the epoch (a negative one is `INVALID_ARGUMENT`).
//! Identities are 64-byte `byte[]`s. Who sent an opened envelope goes to
//! arrays the caller passes, checked before the call: its device and the
//! certificate's expiry to the first elements of a `long[]`, its identity
//! and user id to those of a `byte[][]`; the store's receive writes the
//! contact it filed the message under to element 0 of a `byte[][]`.

#[cfg(feature = "store")]
use jni_sys::jint;
use jni_sys::{JNIEnv, jbyteArray, jclass, jlong, jlongArray, jobjectArray};

use super::env::{Buffer, Res, entry, handle, ok, time};
#[cfg(feature = "store")]
use super::envelope::content_type;
use super::envelope::long;
#[cfg(feature = "store")]
use super::store_content::{receiving, sending};
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// The elements `sealedSenderOpen` writes to `from`: `[device,
/// expires_ms]`.
const FROM_LEN: usize = 2;

/// A key id or device index as Kotlin passes it.
fn u32_of(n: jlong) -> Res<u32> {
    u32::try_from(n).map_err(|_| sotto_status::InvalidArgument)
}

/// `sotto_server_certificate_issue`: `serverKey` is 64 bytes.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_serverCertificateIssue(
    env: *mut JNIEnv,
    _: jclass,
    root: jlong,
    key_id: jlong,
    server_key: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let id = u32_of(key_id)?;
        let key = env.exact::<SOTTO_IDENTITY_KEY_LEN>(server_key)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; `key` has 64 bytes; `out` is
        // writable.
        ok(unsafe { sotto_server_certificate_issue(handle(root), id, key.as_ptr(), &mut out.0) })?;
        env.take(out)
    })
}

/// `sotto_sender_certificate_issue`: `identity` is 64 bytes.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_senderCertificateIssue(
    env: *mut JNIEnv,
    _: jclass,
    server: jlong,
    server_certificate: jbyteArray,
    sender: jbyteArray,
    identity: jbyteArray,
    device: jlong,
    expires_ms: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let cert = env.bytes(server_certificate)?;
        let s = env.bytes(sender)?;
        let id = env.exact::<SOTTO_IDENTITY_KEY_LEN>(identity)?;
        let d = u32_of(device)?;
        let expires = time(expires_ms)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; live buffers of their lengths
        // (`id` has 64 bytes); `out` is writable.
        ok(unsafe {
            sotto_sender_certificate_issue(
                handle(server),
                cert.as_ptr(),
                cert.len(),
                s.as_ptr(),
                s.len(),
                id.as_ptr(),
                d,
                expires,
                &mut out.0,
            )
        })?;
        env.take(out)
    })
}

/// `sotto_sender_certificate_verify`: `trustRoot` is 64 bytes.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_senderCertificateVerify(
    env: *mut JNIEnv,
    _: jclass,
    certificate: jbyteArray,
    trust_root: jbyteArray,
    now_ms: jlong,
) {
    entry(env, (), |env| {
        let cert = env.bytes(certificate)?;
        let root = env.exact::<SOTTO_IDENTITY_KEY_LEN>(trust_root)?;
        let now = time(now_ms)?;
        // SAFETY: live buffers of their lengths (`root` has 64 bytes).
        ok(unsafe {
            sotto_sender_certificate_verify(cert.as_ptr(), cert.len(), root.as_ptr(), now)
        })
    })
}

/// `sotto_sealed_sender_seal`: `recipient` is 64 bytes.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sealedSenderSeal(
    env: *mut JNIEnv,
    _: jclass,
    sender: jlong,
    certificate: jbyteArray,
    recipient: jbyteArray,
    message: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let cert = env.bytes(certificate)?;
        let to = env.exact::<SOTTO_IDENTITY_KEY_LEN>(recipient)?;
        let m = env.bytes(message)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; live buffers of their lengths
        // (`to` has 64 bytes); `out` is writable.
        ok(unsafe {
            sotto_sealed_sender_seal(
                handle(sender),
                cert.as_ptr(),
                cert.len(),
                to.as_ptr(),
                m.as_ptr(),
                m.len(),
                &mut out.0,
            )
        })?;
        env.take(out)
    })
}

/// `sotto_sealed_sender_open`: the inner message, with `[device,
/// expires_ms]` in `from` and `[identity, sender]` in `sender` (both
/// checked before the call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sealedSenderOpen(
    env: *mut JNIEnv,
    _: jclass,
    recipient: jlong,
    trust_root: jbyteArray,
    sealed: jbyteArray,
    now_ms: jlong,
    from: jlongArray,
    sender: jobjectArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        env.set_longs(from, &[0; FROM_LEN])?;
        env.set_objects(sender, &[core::ptr::null_mut(), core::ptr::null_mut()])?;
        let root = env.exact::<SOTTO_IDENTITY_KEY_LEN>(trust_root)?;
        let s = env.bytes(sealed)?;
        let now = time(now_ms)?;
        let mut who = sotto_unsealed::default();
        let (mut id, mut message) = (Buffer::new(), Buffer::new());
        // SAFETY: a live, locked identity; live buffers of their lengths
        // (`root` has 64 bytes); writable, distinct outputs.
        ok(unsafe {
            sotto_sealed_sender_open(
                handle(recipient),
                root.as_ptr(),
                s.as_ptr(),
                s.len(),
                now,
                &mut who,
                &mut id.0,
                &mut message.0,
            )
        })?;
        let values = [who.device.into(), long(who.expires_ms)?];
        let identity = env.array(&who.identity)?;
        let id = env.take(id)?;
        let message = env.take(message)?;
        env.set_longs(from, &values)?;
        env.set_objects(sender, &[identity, id])?;
        Ok(message)
    })
}

/// `sotto_store_send_sealed`: as `storeSend`, sealed with `certificate`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSendSealed(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    contact: jbyteArray,
    content_type: jint,
    body: jbyteArray,
    certificate: jbyteArray,
    now_ms: jlong,
    sent: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let c = env.bytes(contact)?;
        let t = self::content_type(content_type)?;
        let b = env.bytes(body)?;
        let cert = env.bytes(certificate)?;
        let now = time(now_ms)?;
        sending(env, sent, |s, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_send_sealed(
                    handle(store),
                    c.as_ptr(),
                    c.len(),
                    t,
                    b.as_ptr(),
                    b.len(),
                    cert.as_ptr(),
                    cert.len(),
                    now,
                    s,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_receive_sealed`: as `storeReceive`, with the contact the
/// message was filed under (the certificate's sender) in `contact[0]`
/// (checked before the call).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeReceiveSealed(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    trust_root: jbyteArray,
    sealed: jbyteArray,
    now_ms: jlong,
    id: jlongArray,
    info: jlongArray,
    contact: jobjectArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        env.set_object(contact, core::ptr::null_mut())?;
        let root = env.exact::<SOTTO_IDENTITY_KEY_LEN>(trust_root)?;
        let s = env.bytes(sealed)?;
        let now = time(now_ms)?;
        let mut name = Buffer::new();
        let body = receiving(env, id, info, |n, i, out| {
            // SAFETY: a live, locked store; live buffers (`root` has 64
            // bytes); writable, distinct outputs.
            unsafe {
                sotto_store_receive_sealed(
                    handle(store),
                    root.as_ptr(),
                    s.as_ptr(),
                    s.len(),
                    now,
                    n,
                    i,
                    &mut out.0,
                    &mut name.0,
                )
            }
        })?;
        let name = env.take(name)?;
        env.set_object(contact, name)?;
        Ok(body)
    })
}
