//! Natives for multi-device accounts: device records and lists, linking a
//! companion, history blobs and the store's devices; each forwards to the C
//! function named in its comment.
//!
//! A device index (a `uint32_t`) crosses as a `long` (one outside
//! 0..=4294967295 is `INVALID_ARGUMENT`), a device kind as an `int`
//! (`SOTTO_DEVICE_*`). Verified devices go out as one `byte[]` of
//! [`INFO_LEN`]-byte entries (see [`put_info`]), device changes as one of
//! [`CHANGE_LEN`]-byte entries; the store's address lists and fan-outs go
//! out in the C encodings (`ffi/src/store_devices.rs`), which Kotlin reads.
//! A linking request is a handle of its own, not a kind of
//! `ffi/abi/kinds.txt` (it has no state to export or store): Kotlin frees
//! it with [`Java_org_sotto_Native_linkingRequestFree`]. The history
//! streams are attachment streams (`StreamKind` in `Media.kt`).

#[cfg(feature = "store")]
use jni_sys::jlongArray;
use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jobjectArray};

use super::env::{Buffer, Res, entry, handle, ok, time};
use super::objects::free_with;
use super::session::handle_out;
#[cfg(feature = "store")]
use super::store_content::{receiving, sending};
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// The bytes of a verified device as it crosses: `index u32 ‖ kind u8 ‖
/// added_at u64 ‖ identity (64)`, numbers big-endian.
const INFO_LEN: usize = 77;

/// The bytes of a device change as it crosses: `joined u8 ‖ at u64 ‖`
/// the device as [`put_info`] lays it out.
#[cfg(feature = "store")]
const CHANGE_LEN: usize = 86;

/// The elements `storeSetDevices` returns.
#[cfg(feature = "store")]
const UPDATE_LEN: usize = 7;

/// A device index as Kotlin passes it.
fn index(i: jlong) -> Res<u32> {
    u32::try_from(i).map_err(|_| sotto_status::InvalidArgument)
}

/// A device kind as Kotlin passes it (the C function refuses an unknown
/// one).
fn kind(code: jint) -> Res<u8> {
    u8::try_from(code).map_err(|_| sotto_status::InvalidArgument)
}

/// A number the library wrote, as a `long`.
#[cfg(feature = "store")]
fn long(v: u64) -> Res<jlong> {
    jlong::try_from(v).map_err(|_| sotto_status::LimitExceeded)
}

/// Appends a device as it crosses (see [`INFO_LEN`]).
fn put_info(out: &mut Vec<u8>, d: &sotto_device_info) {
    out.extend_from_slice(&d.index.to_be_bytes());
    out.push(d.kind);
    out.extend_from_slice(&d.added_at.to_be_bytes());
    out.extend_from_slice(&d.identity);
}

/// The devices as they cross.
fn infos(devices: &[sotto_device_info]) -> Vec<u8> {
    let mut out = Vec::with_capacity(devices.len().saturating_mul(INFO_LEN));
    for d in devices {
        put_info(&mut out, d);
    }
    out
}

/// Runs a C function that writes a count and up to a capacity of items:
/// once for the count, then into room for that many.
fn counted<T: Default + Clone>(f: impl Fn(&mut u32, *mut T, usize) -> sotto_status) -> Res<Vec<T>> {
    let mut count = 0u32;
    ok(f(&mut count, core::ptr::null_mut(), 0))?;
    let n = usize::try_from(count).map_err(|_| sotto_status::Internal)?;
    let mut items = vec![T::default(); n];
    ok(f(&mut count, items.as_mut_ptr(), items.len()))?;
    items.truncate(usize::try_from(count).map_err(|_| sotto_status::Internal)?);
    Ok(items)
}

/// `sotto_device_record_sign`: the account-signed part of `device`'s
/// record, for the device to countersign.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_deviceRecordSign(
    env: *mut JNIEnv,
    _: jclass,
    account: jlong,
    device: jbyteArray,
    index: jlong,
    added_at: jlong,
    kind: jint,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let d = env.exact::<SOTTO_IDENTITY_KEY_LEN>(device)?;
        let i = self::index(index)?;
        let at = time(added_at)?;
        let k = self::kind(kind)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; `d` has 64 bytes; `out` is
        // writable.
        ok(unsafe { sotto_device_record_sign(handle(account), d.as_ptr(), i, at, k, &mut out.0) })?;
        env.take(out)
    })
}

/// `sotto_device_record_countersign`: the record to publish.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_deviceRecordCountersign(
    env: *mut JNIEnv,
    _: jclass,
    device: jlong,
    signed: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let s = env.bytes(signed)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; a live buffer; `out` is writable.
        ok(unsafe {
            sotto_device_record_countersign(handle(device), s.as_ptr(), s.len(), &mut out.0)
        })?;
        env.take(out)
    })
}

/// `sotto_device_list_sign`: `entries` are `SOTTO_DEVICE_ENTRY_LEN`-byte
/// entries (index u32 big-endian ‖ identity).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_deviceListSign(
    env: *mut JNIEnv,
    _: jclass,
    account: jlong,
    version: jlong,
    issued_at: jlong,
    entries: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let v = time(version)?;
        let at = time(issued_at)?;
        let e = env.bytes(entries)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; a live buffer; `out` is writable.
        ok(unsafe {
            sotto_device_list_sign(handle(account), v, at, e.as_ptr(), e.len(), &mut out.0)
        })?;
        env.take(out)
    })
}

/// `sotto_devices_verify`: the verified devices as they cross (see
/// [`put_info`]); `knownVersion` 0 is none.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_devicesVerify(
    env: *mut JNIEnv,
    _: jclass,
    account: jbyteArray,
    list: jbyteArray,
    records: jbyteArray,
    now: jlong,
    known_version: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let a = env.exact::<SOTTO_IDENTITY_KEY_LEN>(account)?;
        let l = env.bytes(list)?;
        let r = env.bytes(records)?;
        let now = time(now)?;
        let known = time(known_version)?;
        let devices = counted(|count, out, capacity| {
            // SAFETY: `a` has 64 bytes; live buffers of their lengths;
            // `count` is writable and `out` NULL or writable for
            // `capacity` entries.
            unsafe {
                sotto_devices_verify(
                    a.as_ptr(),
                    l.as_ptr(),
                    l.len(),
                    r.as_ptr(),
                    r.len(),
                    now,
                    known,
                    count,
                    out,
                    capacity,
                )
            }
        })?;
        env.array(&infos(&devices))
    })
}

/// `sotto_linking_request_new`: the request's handle, and the QR code's
/// bytes in `qr[0]` (checked before the call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_linkingRequestNew(
    env: *mut JNIEnv,
    _: jclass,
    companion: jlong,
    qr: jobjectArray,
) -> jlong {
    entry(env, 0, |env| {
        env.set_object(qr, core::ptr::null_mut())?;
        let mut code = Buffer::new();
        let mut request = core::ptr::null_mut();
        // SAFETY: a live, locked identity; writable outputs.
        ok(unsafe { sotto_linking_request_new(handle(companion), &mut request, &mut code.0) })?;
        let h = super::env::raw(request);
        let bytes = match env.take(code) {
            Ok(b) => b,
            Err(e) => {
                free_with(h, sotto_linking_request_free)?;
                return Err(e);
            }
        };
        if let Err(e) = env.set_object(qr, bytes) {
            free_with(h, sotto_linking_request_free)?;
            return Err(e);
        }
        Ok(h)
    })
}

/// `sotto_linking_request_accept`: the record to publish; an empty
/// `account` is none (any account).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_linkingRequestAccept(
    env: *mut JNIEnv,
    _: jclass,
    request: jlong,
    companion: jlong,
    payload: jbyteArray,
    account: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let p = env.bytes(payload)?;
        let a = env.bytes(account)?;
        let account = match a.len() {
            0 => core::ptr::null(),
            SOTTO_IDENTITY_KEY_LEN => a.as_ptr(),
            _ => return Err(sotto_status::InvalidArgument),
        };
        let mut out = Buffer::new();
        // SAFETY: a live, locked request and identity; live buffers
        // (`account` NULL or 64 bytes); `out` is writable.
        ok(unsafe {
            sotto_linking_request_accept(
                handle(request),
                handle(companion),
                p.as_ptr(),
                p.len(),
                account,
                &mut out.0,
            )
        })?;
        env.take(out)
    })
}

/// `sotto_linking_request_free`: frees (and wipes) a request; 0 does
/// nothing.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_linkingRequestFree(
    env: *mut JNIEnv,
    _: jclass,
    request: jlong,
) {
    entry(env, (), |_| free_with(request, sotto_linking_request_free))
}

/// `sotto_link_answer`: the answer to send to the companion.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_linkAnswer(
    env: *mut JNIEnv,
    _: jclass,
    account: jlong,
    qr: jbyteArray,
    index: jlong,
    now: jlong,
    kind: jint,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let q = env.bytes(qr)?;
        let i = self::index(index)?;
        let now = time(now)?;
        let k = self::kind(kind)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked identity; a live buffer; `out` is writable.
        ok(unsafe {
            sotto_link_answer(handle(account), q.as_ptr(), q.len(), i, now, k, &mut out.0)
        })?;
        env.take(out)
    })
}

/// `sotto_history_encryptor_new`: an attachment encryptor's handle.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_historyEncryptorNew(env: *mut JNIEnv, _: jclass) -> jlong {
    // SAFETY: `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_history_encryptor_new(out) })
    })
}

/// `sotto_history_decryptor_new`: an attachment decryptor's handle.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_historyDecryptorNew(
    env: *mut JNIEnv,
    _: jclass,
    descriptor: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let d = env.bytes(descriptor)?;
        // SAFETY: a live buffer of its length; `out` is writable.
        handle_out(|out| unsafe { sotto_history_decryptor_new(d.as_ptr(), d.len(), out) })
    })
}

/// `sotto_store_set_devices`: `[version, devices, joined, left,
/// code_changed, hosted, own]` (flags 0 or 1), the rotated groups' name
/// list in `groups[0]` and the joined groups' in `groups[1]` (checked
/// before the call).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSetDevices(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
    list: jbyteArray,
    records: jbyteArray,
    now: jlong,
    groups: jobjectArray,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let u = env.bytes(user)?;
        let l = env.bytes(list)?;
        let r = env.bytes(records)?;
        let now = time(now)?;
        env.set_objects(groups, &[core::ptr::null_mut(), core::ptr::null_mut()])?;
        let mut update = sotto_device_update::default();
        let (mut rotated, mut joined) = (Buffer::new(), Buffer::new());
        // SAFETY: a live, locked store; live buffers of their lengths;
        // writable outputs.
        ok(unsafe {
            sotto_store_set_devices(
                handle(store),
                u.as_ptr(),
                u.len(),
                l.as_ptr(),
                l.len(),
                r.as_ptr(),
                r.len(),
                now,
                &mut update,
                &mut rotated.0,
                &mut joined.0,
            )
        })?;
        let values: [jlong; UPDATE_LEN] = [
            long(update.version)?,
            update.devices.into(),
            update.joined.into(),
            update.left.into(),
            update.code_changed.into(),
            update.hosted.into(),
            update.own.into(),
        ];
        let rotated = env.take(rotated)?;
        let joined = env.take(joined)?;
        env.set_objects(groups, &[rotated, joined])?;
        env.long_array(&values)
    })
}

/// `sotto_store_devices`: the devices as they cross (see [`put_info`]).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDevices(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let u = env.bytes(user)?;
        let devices = counted(|count, out, capacity| {
            // SAFETY: a live, locked store; a live buffer; `count` is
            // writable and `out` NULL or writable for `capacity` entries.
            unsafe { sotto_store_devices(handle(store), u.as_ptr(), u.len(), count, out, capacity) }
        })?;
        env.array(&infos(&devices))
    })
}

/// `sotto_store_device_changes`: [`CHANGE_LEN`]-byte entries, oldest
/// first.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDeviceChanges(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let u = env.bytes(user)?;
        let changes = counted(|count, out, capacity| {
            // SAFETY: as in `storeDevices`.
            unsafe {
                sotto_store_device_changes(handle(store), u.as_ptr(), u.len(), count, out, capacity)
            }
        })?;
        let mut out = Vec::with_capacity(changes.len().saturating_mul(CHANGE_LEN));
        for c in &changes {
            out.push(c.joined);
            out.extend_from_slice(&c.at.to_be_bytes());
            put_info(&mut out, &c.device);
        }
        env.array(&out)
    })
}

/// `sotto_store_is_hosted`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeIsHosted(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
) -> bool {
    entry(env, false, |env| {
        let u = env.bytes(user)?;
        let mut hosted = 0u8;
        // SAFETY: a live, locked store; a live buffer; `hosted` is writable.
        ok(unsafe { sotto_store_is_hosted(handle(store), u.as_ptr(), u.len(), &mut hosted) })?;
        Ok(hosted == 1)
    })
}

/// `sotto_store_group_is_hosted`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeGroupIsHosted(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    group_id: jbyteArray,
) -> bool {
    entry(env, false, |env| {
        let g = env.bytes(group_id)?;
        let mut hosted = 0u8;
        // SAFETY: a live, locked store; a live buffer; `hosted` is writable.
        ok(unsafe {
            sotto_store_group_is_hosted(handle(store), g.as_ptr(), g.len(), &mut hosted)
        })?;
        Ok(hosted == 1)
    })
}

/// `sotto_store_devices_without_session`: the device addresses, in the C
/// encoding.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeDevicesWithoutSession(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let u = env.bytes(user)?;
        let mut out = Buffer::new();
        // SAFETY: a live, locked store; a live buffer; `out` is writable.
        ok(unsafe {
            sotto_store_devices_without_session(handle(store), u.as_ptr(), u.len(), &mut out.0)
        })?;
        env.take(out)
    })
}

/// `sotto_store_initiate_device`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeInitiateDevice(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
    index: jlong,
    bundle: jbyteArray,
    now: jlong,
) {
    entry(env, (), |env| {
        let u = env.bytes(user)?;
        let i = self::index(index)?;
        let b = env.bytes(bundle)?;
        let now = time(now)?;
        // SAFETY: a live, locked store; live buffers of their lengths.
        ok(unsafe {
            sotto_store_initiate_device(
                handle(store),
                u.as_ptr(),
                u.len(),
                i,
                b.as_ptr(),
                b.len(),
                now,
            )
        })
    })
}

/// `sotto_store_send_to_user`: the fan-out, in the C encoding; `sent` gets
/// `[id, sent_at_ms, expires_at_ms]` as a send does (`store_content.rs`).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSendToUser(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
    content_type: jint,
    body: jbyteArray,
    now_ms: jlong,
    sent: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let u = env.bytes(user)?;
        let t = super::envelope::content_type(content_type)?;
        let b = env.bytes(body)?;
        let now = time(now_ms)?;
        sending(env, sent, |s, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_send_to_user(
                    handle(store),
                    u.as_ptr(),
                    u.len(),
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

/// `sotto_store_outgoing_device`: the user, with the device's index in
/// `index[0]` (checked before the call).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeOutgoingDevice(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    id: jlong,
    index: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        env.set_long(index, 0)?;
        let mut user = Buffer::new();
        let mut i = 0u32;
        // SAFETY: a live, locked store; writable outputs.
        ok(unsafe { sotto_store_outgoing_device(handle(store), id, &mut user.0, &mut i) })?;
        env.set_long(index, i.into())?;
        env.take(user)
    })
}

/// `sotto_store_receive_from_device`: as `storeReceive`.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeReceiveFromDevice(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    user: jbyteArray,
    index: jlong,
    message: jbyteArray,
    now_ms: jlong,
    id: jlongArray,
    info: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let u = env.bytes(user)?;
        let i = self::index(index)?;
        let m = env.bytes(message)?;
        let now = time(now_ms)?;
        receiving(env, id, info, |n, inf, out| {
            // SAFETY: a live, locked store; live buffers; writable outputs.
            unsafe {
                sotto_store_receive_from_device(
                    handle(store),
                    u.as_ptr(),
                    u.len(),
                    i,
                    m.as_ptr(),
                    m.len(),
                    now,
                    n,
                    inf,
                    &mut out.0,
                )
            }
        })
    })
}

/// `sotto_store_security_code`: a security code's handle (`Kind`'s
/// `SECURITY_CODE`).
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSecurityCode(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    local_id: jbyteArray,
    user: jbyteArray,
    remote_id: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let l = env.bytes(local_id)?;
        let u = env.bytes(user)?;
        let r = env.bytes(remote_id)?;
        // SAFETY: a live, locked store; live buffers of their lengths;
        // `out` is writable.
        handle_out(|out| unsafe {
            sotto_store_security_code(
                handle(store),
                l.as_ptr(),
                l.len(),
                u.as_ptr(),
                u.len(),
                r.as_ptr(),
                r.len(),
                out,
            )
        })
    })
}
