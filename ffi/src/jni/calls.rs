//! Natives for calls: call messages and their SRTP keys, the offer guard,
//! SFrame encryptors and decryptors, and group calls; each forwards to the
//! C function named in its comment.
//!
//! The five handles are not kinds of `ffi/abi/kinds.txt` (they have no
//! state to export or store): Kotlin numbers them itself (`CallHandle` in
//! `Calls.kt`) and frees them with [`Java_org_sotto_Native_callFree`]. A
//! participant's index (a `uint32_t`) crosses as a `long` (one outside
//! 0..=4294967295 is `INVALID_ARGUMENT`), a suite, message kind, SRTP
//! profile or direction as an `int`; an SFrame key id (a `uint64_t`) as a
//! `long` holding its 64 bits. Frames are read from a `byte[]` at an offset
//! and written into another from `outputOffset` on, as the streams of
//! `media.rs` do, and the call returns how many bytes it wrote; what a
//! decrypted frame was goes to the first elements of a `long[]` the caller
//! passes (checked before the call, so no replay window moves for a frame
//! Kotlin could not be told about).

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray, jobjectArray};
use zeroize::Zeroizing;

use super::env::{Buffer, Env, Res, entry, handle, ok, time};
use super::media::{int, into_array};
use super::objects::free_with;
use super::session::handle_out;
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// `CallHandle.SIGNAL`: a `sotto_call_signal`.
const SIGNAL: jint = 1;
/// `CallHandle.OFFER_GUARD`: a `sotto_offer_guard`.
const OFFER_GUARD: jint = 2;
/// `CallHandle.SFRAME_ENCRYPTOR`: a `sotto_sframe_encryptor`.
const SFRAME_ENCRYPTOR: jint = 3;
/// `CallHandle.SFRAME_DECRYPTOR`: a `sotto_sframe_decryptor`.
const SFRAME_DECRYPTOR: jint = 4;
/// `CallHandle.GROUP_CALL`: a `sotto_group_call`.
const GROUP_CALL: jint = 5;

/// The elements `callSignalInfo` writes: `[kind, epoch, video, has_secret,
/// participants]`.
const INFO_LEN: usize = 5;

/// A participant's index as Kotlin passes it.
fn index(i: jlong) -> Res<u32> {
    u32::try_from(i).map_err(|_| sotto_status::InvalidArgument)
}

/// A small code as Kotlin passes it (the C function refuses an unknown
/// one).
fn code(c: jint) -> Res<u8> {
    u8::try_from(c).map_err(|_| sotto_status::InvalidArgument)
}

/// A suite as Kotlin passes it (the C function refuses an unknown one).
fn suite(c: jint) -> Res<u16> {
    u16::try_from(c).map_err(|_| sotto_status::InvalidArgument)
}

/// An SFrame key id: the 64 bits of a `long`.
fn kid(k: jlong) -> u64 {
    u64::from_be_bytes(k.to_be_bytes())
}

/// A key id back to Kotlin.
fn kid_long(k: u64) -> jlong {
    jlong::from_be_bytes(k.to_be_bytes())
}

/// A frame length Kotlin passes as an `int`.
fn length(n: jint) -> Res<usize> {
    usize::try_from(n).map_err(|_| sotto_status::InvalidArgument)
}

/// `sotto_call_signal_new`: `kind` is `SOTTO_CALL_*`, `callId` 16 bytes,
/// `participants` the indices (empty for an answer, leave or end).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalNew(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    call_id: jbyteArray,
    epoch: jlong,
    video: bool,
    participants: jlongArray,
) -> jlong {
    entry(env, 0, |env| {
        let k = code(kind)?;
        let id = env.exact::<16>(call_id)?;
        let e = u32::try_from(epoch).map_err(|_| sotto_status::InvalidArgument)?;
        let list = env
            .long_vec(participants, sotto::calls::MAX_CALL_PARTICIPANTS)?
            .into_iter()
            .map(index)
            .collect::<Res<Vec<u32>>>()?;
        // SAFETY: `id` has 16 bytes; `list` is readable for its length;
        // `out` is writable.
        handle_out(|out| unsafe {
            sotto_call_signal_new(
                k,
                id.as_ptr(),
                e,
                u8::from(video),
                list.as_ptr(),
                list.len(),
                out,
            )
        })
    })
}

/// `sotto_call_signal_decode`: a received `SOTTO_CONTENT_CALL` body.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalDecode(
    env: *mut JNIEnv,
    _: jclass,
    body: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let b = env.bytes(body)?;
        // SAFETY: a live buffer of its length; `out` is writable.
        handle_out(|out| unsafe { sotto_call_signal_decode(b.as_ptr(), b.len(), out) })
    })
}

/// `sotto_call_signal_encode`: the body to send (it holds the secret).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalEncode(
    env: *mut JNIEnv,
    _: jclass,
    signal: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let mut out = Buffer::new();
        // SAFETY: a live, locked signal; `out` is writable.
        ok(unsafe { sotto_call_signal_encode(handle(signal), &mut out.0) })?;
        env.take(out)
    })
}

/// `sotto_call_signal_info_get`: the call id, with `[kind, epoch, video,
/// has_secret, participants]` in `info` (flags 0 or 1; checked before the
/// call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalInfo(
    env: *mut JNIEnv,
    _: jclass,
    signal: jlong,
    info: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        env.set_longs(info, &[0; INFO_LEN])?;
        let mut i = sotto_call_signal_info::default();
        // SAFETY: a live, locked signal; `i` is writable.
        ok(unsafe { sotto_call_signal_info_get(handle(signal), &mut i) })?;
        let values: [jlong; INFO_LEN] = [
            i.kind.into(),
            i.epoch.into(),
            i.video.into(),
            i.has_secret.into(),
            i.participants.into(),
        ];
        env.set_longs(info, &values)?;
        env.array(&i.call_id)
    })
}

/// `sotto_call_signal_participants`: the indices.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalParticipants(
    env: *mut JNIEnv,
    _: jclass,
    signal: jlong,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let mut i = sotto_call_signal_info::default();
        // SAFETY: a live, locked signal; `i` is writable.
        ok(unsafe { sotto_call_signal_info_get(handle(signal), &mut i) })?;
        let n = usize::try_from(i.participants).map_err(|_| sotto_status::Internal)?;
        let mut list = vec![0u32; n];
        // SAFETY: a live, locked signal; `list` is writable for its length.
        ok(unsafe {
            sotto_call_signal_participants(handle(signal), list.as_mut_ptr(), list.len())
        })?;
        let values: Vec<jlong> = list.into_iter().map(jlong::from).collect();
        env.long_array(&values)
    })
}

/// `sotto_call_signal_srtp`: the master key of `profile` (`SOTTO_SRTP_*`)
/// and `direction` (`SOTTO_CALL_DIRECTION_*`), with the master salt in
/// `salt[0]` (checked before the call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callSignalSrtp(
    env: *mut JNIEnv,
    _: jclass,
    signal: jlong,
    profile: jint,
    direction: jint,
    salt: jobjectArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        env.set_object(salt, core::ptr::null_mut())?;
        let p = code(profile)?;
        let d = code(direction)?;
        let (key_len, salt_len) = match p {
            SOTTO_SRTP_AES128_CM_HMAC_SHA1_80 => (16, 14),
            SOTTO_SRTP_AEAD_AES_256_GCM => (32, 12),
            _ => return Err(sotto_status::InvalidArgument),
        };
        let mut k = Zeroizing::new(vec![0u8; key_len]);
        let mut s = Zeroizing::new(vec![0u8; salt_len]);
        // SAFETY: a live, locked signal; `k` and `s` are writable for
        // their lengths.
        ok(unsafe {
            sotto_call_signal_srtp(
                handle(signal),
                p,
                d,
                k.as_mut_ptr(),
                k.len(),
                s.as_mut_ptr(),
                s.len(),
            )
        })?;
        let salt_array = env.array(&s)?;
        env.set_object(salt, salt_array)?;
        env.array(&k)
    })
}

/// `sotto_offer_guard_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_offerGuardNew(env: *mut JNIEnv, _: jclass) -> jlong {
    // SAFETY: `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_offer_guard_new(out) })
    })
}

/// `sotto_offer_guard_admit`: `callId` is 16 bytes; negative times are
/// `INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_offerGuardAdmit(
    env: *mut JNIEnv,
    _: jclass,
    guard: jlong,
    call_id: jbyteArray,
    sent_at_ms: jlong,
    now_ms: jlong,
) {
    entry(env, (), |env| {
        let id = env.exact::<16>(call_id)?;
        let sent = time(sent_at_ms)?;
        let now = time(now_ms)?;
        // SAFETY: a live, locked guard; `id` has 16 bytes.
        ok(unsafe { sotto_offer_guard_admit(handle(guard), id.as_ptr(), sent, now) })
    })
}

/// `sotto_sframe_encryptor_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeEncryptorNew(
    env: *mut JNIEnv,
    _: jclass,
    suite: jint,
    kid: jlong,
    base_key: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let s = self::suite(suite)?;
        let key = env.bytes(base_key)?;
        // SAFETY: a live buffer of its length; `out` is writable.
        handle_out(|out| unsafe {
            sotto_sframe_encryptor_new(s, self::kid(kid), key.as_ptr(), key.len(), out)
        })
    })
}

/// `sotto_sframe_encryptor_sframe_len`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeEncryptorSframeLen(
    env: *mut JNIEnv,
    _: jclass,
    encryptor: jlong,
    frame_len: jint,
) -> jint {
    entry(env, 0, |_| {
        let n = length(frame_len)?;
        let mut need = 0usize;
        // SAFETY: a live, locked encryptor; `need` is writable.
        ok(unsafe { sotto_sframe_encryptor_sframe_len(handle(encryptor), n, &mut need) })?;
        int(need)
    })
}

/// `sotto_sframe_encryptor_encrypt`: `length` bytes of `frame` from
/// `offset`, into `output` from `outputOffset` (room for what
/// `sframeEncryptorSframeLen` says, else `BUFFER_TOO_SMALL` and nothing
/// happens); returns the SFrame's length.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeEncryptorEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    encryptor: jlong,
    metadata: jbyteArray,
    frame: jbyteArray,
    offset: jint,
    length: jint,
    output: jbyteArray,
    output_offset: jint,
) -> jint {
    entry(env, 0, |env| {
        let m = env.bytes(metadata)?;
        let f = env.bytes_in(frame, offset, length)?;
        let mut need = 0usize;
        // SAFETY: a live, locked encryptor; `need` is writable.
        ok(unsafe { sotto_sframe_encryptor_sframe_len(handle(encryptor), f.len(), &mut need) })?;
        into_array(env, output, output_offset, need, |out, written| {
            // SAFETY: a live, locked encryptor; live buffers of their
            // lengths, `out` apart from `f`; `written` is writable.
            unsafe {
                sotto_sframe_encryptor_encrypt(
                    handle(encryptor),
                    m.as_ptr(),
                    m.len(),
                    f.as_ptr(),
                    f.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    written,
                )
            }
        })
    })
}

/// `sotto_sframe_decryptor_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeDecryptorNew(
    env: *mut JNIEnv,
    _: jclass,
    suite: jint,
) -> jlong {
    entry(env, 0, |_| {
        let s = self::suite(suite)?;
        // SAFETY: `out` is writable.
        handle_out(|out| unsafe { sotto_sframe_decryptor_new(s, out) })
    })
}

/// `sotto_sframe_decryptor_add_key`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeDecryptorAddKey(
    env: *mut JNIEnv,
    _: jclass,
    decryptor: jlong,
    kid: jlong,
    base_key: jbyteArray,
) {
    entry(env, (), |env| {
        let key = env.bytes(base_key)?;
        // SAFETY: a live, locked decryptor; a live buffer of its length.
        ok(unsafe {
            sotto_sframe_decryptor_add_key(
                handle(decryptor),
                self::kid(kid),
                key.as_ptr(),
                key.len(),
            )
        })
    })
}

/// `sotto_sframe_decryptor_remove_key`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeDecryptorRemoveKey(
    env: *mut JNIEnv,
    _: jclass,
    decryptor: jlong,
    kid: jlong,
) {
    // SAFETY: a live, locked decryptor.
    entry(env, (), |_| {
        ok(unsafe { sotto_sframe_decryptor_remove_key(handle(decryptor), self::kid(kid)) })
    })
}

/// Runs a decryption into `output` from `output_offset`: room for the
/// whole SFrame is always enough; a frame longer than the room is
/// `BUFFER_TOO_SMALL`, nothing written. `f` gets the room and writes the
/// frame's length.
fn decrypt_into(
    env: &Env,
    sframe_len: usize,
    output: jbyteArray,
    output_offset: jint,
    f: impl FnOnce(&mut [u8], &mut usize) -> sotto_status,
) -> Res<jint> {
    let need = env.room(output, output_offset)?.min(sframe_len);
    into_array(env, output, output_offset, need, f)
}

/// `sotto_sframe_decryptor_decrypt`: `length` bytes of `sframe` from
/// `offset`, the frame into `output` from `outputOffset`; returns its
/// length, with `[kid, ctr]` in `info` (checked before the call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_sframeDecryptorDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    decryptor: jlong,
    metadata: jbyteArray,
    sframe: jbyteArray,
    offset: jint,
    length: jint,
    output: jbyteArray,
    output_offset: jint,
    info: jlongArray,
) -> jint {
    entry(env, 0, |env| {
        env.set_longs(info, &[0, 0])?;
        let m = env.bytes(metadata)?;
        let s = env.bytes_in(sframe, offset, length)?;
        let mut got = sotto_sframe_info::default();
        let n = decrypt_into(env, s.len(), output, output_offset, |out, written| {
            // SAFETY: a live, locked decryptor; live buffers of their
            // lengths, `out` apart from `s`; `got` is writable.
            let status = unsafe {
                sotto_sframe_decryptor_decrypt(
                    handle(decryptor),
                    m.as_ptr(),
                    m.len(),
                    s.as_ptr(),
                    s.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    &mut got,
                )
            };
            *written = got.len;
            status
        })?;
        let ctr = jlong::try_from(got.ctr).map_err(|_| sotto_status::LimitExceeded)?;
        env.set_longs(info, &[kid_long(got.kid), ctr])?;
        Ok(n)
    })
}

/// `sotto_group_call_new`: `callId` is 16 bytes, `me` our index.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupCallNew(
    env: *mut JNIEnv,
    _: jclass,
    call_id: jbyteArray,
    suite: jint,
    me: jlong,
) -> jlong {
    entry(env, 0, |env| {
        let id = env.exact::<16>(call_id)?;
        let s = self::suite(suite)?;
        let me = index(me)?;
        // SAFETY: `id` has 16 bytes; `out` is writable.
        handle_out(|out| unsafe { sotto_group_call_new(id.as_ptr(), s, me, out) })
    })
}

/// `sotto_group_call_install`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupCallInstall(
    env: *mut JNIEnv,
    _: jclass,
    call: jlong,
    signal: jlong,
    now_ms: jlong,
) {
    entry(env, (), |_| {
        let now = time(now_ms)?;
        // SAFETY: a live, locked call and signal.
        ok(unsafe { sotto_group_call_install(handle(call), handle(signal), now) })
    })
}

/// `sotto_group_call_sframe_len`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupCallSframeLen(
    env: *mut JNIEnv,
    _: jclass,
    call: jlong,
    frame_len: jint,
) -> jint {
    entry(env, 0, |_| {
        let n = length(frame_len)?;
        let mut need = 0usize;
        // SAFETY: a live, locked call; `need` is writable.
        ok(unsafe { sotto_group_call_sframe_len(handle(call), n, &mut need) })?;
        int(need)
    })
}

/// `sotto_group_call_encrypt`: as `sframeEncryptorEncrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupCallEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    call: jlong,
    metadata: jbyteArray,
    frame: jbyteArray,
    offset: jint,
    length: jint,
    output: jbyteArray,
    output_offset: jint,
) -> jint {
    entry(env, 0, |env| {
        let m = env.bytes(metadata)?;
        let f = env.bytes_in(frame, offset, length)?;
        let mut need = 0usize;
        // SAFETY: a live, locked call; `need` is writable.
        ok(unsafe { sotto_group_call_sframe_len(handle(call), f.len(), &mut need) })?;
        into_array(env, output, output_offset, need, |out, written| {
            // SAFETY: a live, locked call; live buffers of their lengths,
            // `out` apart from `f`; `written` is writable.
            unsafe {
                sotto_group_call_encrypt(
                    handle(call),
                    m.as_ptr(),
                    m.len(),
                    f.as_ptr(),
                    f.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    written,
                )
            }
        })
    })
}

/// `sotto_group_call_decrypt`: as `sframeDecryptorDecrypt` at `nowMs`,
/// with `[epoch, sender]` in `info` (checked before the call).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupCallDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    call: jlong,
    metadata: jbyteArray,
    sframe: jbyteArray,
    offset: jint,
    length: jint,
    output: jbyteArray,
    output_offset: jint,
    now_ms: jlong,
    info: jlongArray,
) -> jint {
    entry(env, 0, |env| {
        env.set_longs(info, &[0, 0])?;
        let m = env.bytes(metadata)?;
        let s = env.bytes_in(sframe, offset, length)?;
        let now = time(now_ms)?;
        let mut got = sotto_call_frame::default();
        let n = decrypt_into(env, s.len(), output, output_offset, |out, written| {
            // SAFETY: a live, locked call; live buffers of their lengths,
            // `out` apart from `s`; `got` is writable.
            let status = unsafe {
                sotto_group_call_decrypt(
                    handle(call),
                    m.as_ptr(),
                    m.len(),
                    s.as_ptr(),
                    s.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    now,
                    &mut got,
                )
            };
            *written = got.len;
            status
        })?;
        env.set_longs(info, &[got.epoch.into(), got.sender.into()])?;
        Ok(n)
    })
}

/// `Native.callFree(kind, handle)`: frees (and wipes) a handle of this
/// file's kinds (`CallHandle`); 0 does nothing.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_callFree(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
) {
    entry(env, (), |_| match kind {
        SIGNAL => free_with(handle, sotto_call_signal_free),
        OFFER_GUARD => free_with(handle, sotto_offer_guard_free),
        SFRAME_ENCRYPTOR => free_with(handle, sotto_sframe_encryptor_free),
        SFRAME_DECRYPTOR => free_with(handle, sotto_sframe_decryptor_free),
        GROUP_CALL => free_with(handle, sotto_group_call_free),
        _ => Err(sotto_status::InvalidArgument),
    })
}
