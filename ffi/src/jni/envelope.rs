//! Natives for the content envelope; each forwards to the C function named
//! in its comment. Content crosses as a type (an `int`) and a body in that
//! type's encoding; what a message carries besides its body goes to a
//! `long[]` of [`INFO_LEN`] elements the caller passes (see [`set_info`]).

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray};

use super::env::{Buffer, Env, Res, entry, ok, time};
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// The number of elements [`set_info`] writes.
pub(super) const INFO_LEN: usize = 7;

/// A content type as Kotlin passes it: one outside 0..=65535 is
/// `INVALID_ARGUMENT`.
pub(super) fn content_type(code: jint) -> Res<u16> {
    u16::try_from(code).map_err(|_| sotto_status::InvalidArgument)
}

/// A duration in seconds as Kotlin passes it (a `long`, since the C type is
/// a `uint32_t`): one outside 0..=4294967295 is `INVALID_ARGUMENT`.
pub(super) fn seconds(secs: jlong) -> Res<u32> {
    u32::try_from(secs).map_err(|_| sotto_status::InvalidArgument)
}

/// A count or a time the library wrote, as a `long` (one beyond
/// `Long.MAX_VALUE`, which no time the envelope accepts reaches, is
/// `LIMIT_EXCEEDED`).
pub(super) fn long(value: u64) -> Res<jlong> {
    jlong::try_from(value).map_err(|_| sotto_status::LimitExceeded)
}

/// Checks that `info` has room for [`INFO_LEN`] elements and clears them
/// (before a call commits anything).
pub(super) fn clear_info(env: &Env, info: jlongArray) -> Res<()> {
    env.set_longs(info, &[0; INFO_LEN])
}

/// Writes a `sotto_message_info` to `info`: `[content_type, expired,
/// has_expiry, sent_at_ms, expires_at_ms, timer_secs, timer_set_at_ms]`
/// (flags 0 or 1).
pub(super) fn set_info(env: &Env, info: jlongArray, m: &sotto_message_info) -> Res<()> {
    env.set_longs(
        info,
        &[
            m.content_type.into(),
            m.expired.into(),
            m.has_expiry.into(),
            long(m.sent_at_ms)?,
            long(m.expires_at_ms)?,
            m.timer_secs.into(),
            long(m.timer_set_at_ms)?,
        ],
    )
}

/// `sotto_envelope_encode`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_envelopeEncode(
    env: *mut JNIEnv,
    _: jclass,
    content_type: jint,
    body: jbyteArray,
    sent_at_ms: jlong,
    timer_secs: jlong,
    timer_set_at_ms: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let kind = self::content_type(content_type)?;
        let b = env.bytes(body)?;
        let sent_at = time(sent_at_ms)?;
        let secs = seconds(timer_secs)?;
        let set_at = time(timer_set_at_ms)?;
        let mut out = Buffer::new();
        // SAFETY: a live buffer; `out` is writable.
        ok(unsafe {
            sotto_envelope_encode(kind, b.as_ptr(), b.len(), sent_at, secs, set_at, &mut out.0)
        })?;
        env.take(out)
    })
}

/// `sotto_envelope_decode`: the body, with what the envelope carries in
/// `info` (as [`set_info`] writes it).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_envelopeDecode(
    env: *mut JNIEnv,
    _: jclass,
    bytes: jbyteArray,
    info: jlongArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let b = env.bytes(bytes)?;
        clear_info(env, info)?;
        let mut m = sotto_message_info::default();
        let mut out = Buffer::new();
        // SAFETY: a live buffer; `m` and `out` are writable.
        ok(unsafe { sotto_envelope_decode(b.as_ptr(), b.len(), &mut m, &mut out.0) })?;
        set_info(env, info, &m)?;
        env.take(out)
    })
}
