//! Natives for groups and live location; each forwards to the C function
//! named in its comment. A location fix crosses as a `long[12]`:
//! latitude_e7, longitude_e7, accuracy_cm, has_altitude, altitude_cm,
//! has_heading, heading_centideg, has_speed, speed_cm_s, timestamp_ms,
//! sequence, precision (the fields of `sotto_location`, in order).

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray};

use super::env::{Env, Res, entry, handle, ok, time};
use super::session::{bytes_out, handle_bytes, handle_out};
use crate::buffer::sotto_buffer;
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// The number of `long`s a location fix crosses as.
const LOCATION_LONGS: usize = 12;

/// Concatenated 64-byte identities: the bytes and their count.
fn identities(env: &Env, list: jbyteArray) -> Res<(zeroize::Zeroizing<Vec<u8>>, usize)> {
    let bytes = env.bytes(list)?;
    if bytes.len() % SOTTO_IDENTITY_KEY_LEN != 0 {
        return Err(sotto_status::InvalidArgument);
    }
    let count = bytes.len() / SOTTO_IDENTITY_KEY_LEN;
    Ok((bytes, count))
}

/// A C function that adds or removes a group member or location viewer and
/// writes the distribution to send.
type MemberFn<T> = unsafe extern "C" fn(*mut T, *const u8, *mut sotto_buffer) -> sotto_status;

/// A native that runs a [`MemberFn`] on a live, locked handle and a 64-byte
/// identity.
fn change_member<T>(env: *mut JNIEnv, h: jlong, member: jbyteArray, f: MemberFn<T>) -> jbyteArray {
    entry(env, NULL, |env| {
        let m = env.exact::<SOTTO_IDENTITY_KEY_LEN>(member)?;
        // SAFETY: a live, locked handle of `f`'s type; a 64-byte identity.
        bytes_out(env, |out| unsafe { f(handle(h), m.as_ptr(), out) })
    })
}

fn field<T: TryFrom<jlong>>(v: jlong) -> Res<T> {
    T::try_from(v).map_err(|_| sotto_status::InvalidLocation)
}

fn location_in(v: [jlong; LOCATION_LONGS]) -> Res<sotto_location> {
    let [
        lat,
        lon,
        acc,
        has_alt,
        alt,
        has_heading,
        heading,
        has_speed,
        speed,
        ts,
        seq,
        precision,
    ] = v;
    Ok(sotto_location {
        latitude_e7: field(lat)?,
        longitude_e7: field(lon)?,
        accuracy_cm: field(acc)?,
        has_altitude: field(has_alt)?,
        altitude_cm: field(alt)?,
        has_heading: field(has_heading)?,
        heading_centideg: field(heading)?,
        has_speed: field(has_speed)?,
        speed_cm_s: field(speed)?,
        timestamp_ms: field(ts)?,
        sequence: field(seq)?,
        precision: field(precision)?,
    })
}

fn location_out(l: &sotto_location) -> [jlong; LOCATION_LONGS] {
    [
        l.latitude_e7.into(),
        l.longitude_e7.into(),
        l.accuracy_cm.into(),
        l.has_altitude.into(),
        l.altitude_cm.into(),
        l.has_heading.into(),
        l.heading_centideg.into(),
        l.has_speed.into(),
        l.speed_cm_s.into(),
        // Milliseconds since 1970 stay below 2^63 for 292 million years.
        jlong::try_from(l.timestamp_ms).unwrap_or(jlong::MAX),
        l.sequence.into(),
        l.precision.into(),
    ]
}

/// `sotto_group_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupNew(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
    id: jbyteArray,
    members: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let id = env.bytes(id)?;
        let (members, count) = identities(env, members)?;
        // SAFETY: a live, locked identity; live buffers of their lengths;
        // `count` identities.
        handle_out(|out| unsafe {
            sotto_group_new(
                handle(identity),
                id.as_ptr(),
                id.len(),
                members.as_ptr(),
                count,
                out,
            )
        })
    })
}

/// `sotto_group_distribution`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupDistribution(
    env: *mut JNIEnv,
    _: jclass,
    group: jlong,
) -> jbyteArray {
    // SAFETY: a live, locked handle.
    entry(env, NULL, |env| {
        bytes_out(env, |out| unsafe {
            sotto_group_distribution(handle(group), out)
        })
    })
}

/// `sotto_group_process_distribution`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupProcessDistribution(
    env: *mut JNIEnv,
    _: jclass,
    group: jlong,
    from: jbyteArray,
    data: jbyteArray,
) {
    entry(env, (), |env| {
        let from = env.exact::<SOTTO_IDENTITY_KEY_LEN>(from)?;
        let data = env.bytes(data)?;
        // SAFETY: a live, locked handle; a 64-byte identity; a live buffer.
        ok(unsafe {
            sotto_group_process_distribution(
                handle(group),
                from.as_ptr(),
                data.as_ptr(),
                data.len(),
            )
        })
    })
}

/// `sotto_group_encrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    group: jlong,
    plaintext: jbyteArray,
) -> jbyteArray {
    handle_bytes(env, group, plaintext, sotto_group_encrypt)
}

/// `sotto_group_decrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    group: jlong,
    from: jbyteArray,
    message: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let from = env.exact::<SOTTO_IDENTITY_KEY_LEN>(from)?;
        let m = env.bytes(message)?;
        // SAFETY: a live, locked handle; a 64-byte identity; a live buffer.
        bytes_out(env, |out| unsafe {
            sotto_group_decrypt(handle(group), from.as_ptr(), m.as_ptr(), m.len(), out)
        })
    })
}

/// `sotto_group_add_member` (`add` true) or `sotto_group_remove_member`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_groupChangeMember(
    env: *mut JNIEnv,
    _: jclass,
    group: jlong,
    member: jbyteArray,
    add: bool,
) -> jbyteArray {
    let change = if add {
        sotto_group_add_member
    } else {
        sotto_group_remove_member
    };
    change_member(env, group, member, change)
}

/// `sotto_location_share_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_shareNew(
    env: *mut JNIEnv,
    _: jclass,
    identity: jlong,
    context: jbyteArray,
    viewers: jbyteArray,
    expires_at: jlong,
    precision: jint,
) -> jlong {
    entry(env, 0, |env| {
        let ctx = env.bytes(context)?;
        let (viewers, count) = identities(env, viewers)?;
        let expires_at = time(expires_at)?;
        let precision = u32::try_from(precision).map_err(|_| sotto_status::InvalidArgument)?;
        // SAFETY: a live, locked identity; live buffers; `count` identities.
        handle_out(|out| unsafe {
            sotto_location_share_new(
                handle(identity),
                ctx.as_ptr(),
                ctx.len(),
                viewers.as_ptr(),
                count,
                expires_at,
                precision,
                out,
            )
        })
    })
}

/// `sotto_location_share_distribution`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_shareDistribution(
    env: *mut JNIEnv,
    _: jclass,
    share: jlong,
) -> jbyteArray {
    // SAFETY: a live, locked handle.
    entry(env, NULL, |env| {
        bytes_out(env, |out| unsafe {
            sotto_location_share_distribution(handle(share), out)
        })
    })
}

/// `sotto_location_share_add_viewer` (`add` true) or
/// `sotto_location_share_remove_viewer`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_shareChangeViewer(
    env: *mut JNIEnv,
    _: jclass,
    share: jlong,
    viewer: jbyteArray,
    add: bool,
) -> jbyteArray {
    let change = if add {
        sotto_location_share_add_viewer
    } else {
        sotto_location_share_remove_viewer
    };
    change_member(env, share, viewer, change)
}

/// `sotto_location_share_encrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_shareEncrypt(
    env: *mut JNIEnv,
    _: jclass,
    share: jlong,
    location: jlongArray,
    now: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let l = location_in(env.longs::<LOCATION_LONGS>(location)?)?;
        let now = time(now)?;
        // SAFETY: a live, locked handle; `l` is a valid fix.
        bytes_out(env, |out| unsafe {
            sotto_location_share_encrypt(handle(share), &l, now, out)
        })
    })
}

/// `sotto_location_viewer_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_viewerNew(
    env: *mut JNIEnv,
    _: jclass,
    context: jbyteArray,
    sender: jbyteArray,
    distribution: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let ctx = env.bytes(context)?;
        let sender = env.exact::<SOTTO_IDENTITY_KEY_LEN>(sender)?;
        let distribution = env.bytes(distribution)?;
        // SAFETY: live buffers; a 64-byte identity.
        handle_out(|out| unsafe {
            sotto_location_viewer_new(
                ctx.as_ptr(),
                ctx.len(),
                sender.as_ptr(),
                distribution.as_ptr(),
                distribution.len(),
                out,
            )
        })
    })
}

/// `sotto_location_viewer_process_distribution`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_viewerProcessDistribution(
    env: *mut JNIEnv,
    _: jclass,
    viewer: jlong,
    distribution: jbyteArray,
) {
    entry(env, (), |env| {
        let distribution = env.bytes(distribution)?;
        // SAFETY: a live, locked handle; a live buffer.
        ok(unsafe {
            sotto_location_viewer_process_distribution(
                handle(viewer),
                distribution.as_ptr(),
                distribution.len(),
            )
        })
    })
}

/// `sotto_location_viewer_decrypt`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_viewerDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    viewer: jlong,
    update: jbyteArray,
    now: jlong,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let u = env.bytes(update)?;
        let now = time(now)?;
        let mut l = sotto_location::default();
        // SAFETY: a live, locked handle; a live buffer; `l` is writable.
        ok(unsafe {
            sotto_location_viewer_decrypt(handle(viewer), u.as_ptr(), u.len(), now, &mut l)
        })?;
        env.long_array(&location_out(&l))
    })
}
