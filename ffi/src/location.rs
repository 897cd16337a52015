//! Locations: the fixed-size payload, live-location shares and viewers.

use sotto::{Location, LocationShare, LocationViewer, Precision};

use crate::buffer::sotto_buffer;
use crate::group::identities;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{copy_out, identity_key, objects, ptr};

/// Length of an encoded location (`sotto_location_encode`).
pub const SOTTO_LOCATION_PAYLOAD_LEN: usize = 48;
/// Length of every live-location update.
pub const SOTTO_LOCATION_UPDATE_LEN: usize = 138;

/// One location fix. The `has_*` flags are 0 or 1; `precision` is 0 exact,
/// 1 street, 2 neighbourhood, 3 city. Ranges are in `docs/PROTOCOL.md` §12.
/// (In Rust, `Debug` shows the precision and flags, never the position.)
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct sotto_location {
    /// Latitude, 1e-7 degree.
    pub latitude_e7: i32,
    /// Longitude, 1e-7 degree.
    pub longitude_e7: i32,
    /// Horizontal accuracy, centimetres.
    pub accuracy_cm: u32,
    /// 1 if `altitude_cm` is set.
    pub has_altitude: u8,
    /// Altitude, centimetres.
    pub altitude_cm: i32,
    /// 1 if `heading_centideg` is set.
    pub has_heading: u8,
    /// Heading, 0.01 degree.
    pub heading_centideg: u16,
    /// 1 if `speed_cm_s` is set.
    pub has_speed: u8,
    /// Speed, centimetres per second.
    pub speed_cm_s: u32,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The app's sequence number.
    pub sequence: u32,
    /// 0 exact, 1 street, 2 neighbourhood, 3 city.
    pub precision: u32,
}

impl core::fmt::Debug for sotto_location {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("sotto_location")
            .field("precision", &self.precision)
            .field("has_altitude", &self.has_altitude)
            .field("has_heading", &self.has_heading)
            .field("has_speed", &self.has_speed)
            .finish_non_exhaustive()
    }
}

fn precision(code: u32) -> Result<Precision, sotto_status> {
    u8::try_from(code)
        .ok()
        .and_then(|c| Precision::from_code(c).ok())
        .ok_or(sotto_status::InvalidArgument)
}

fn optional<T>(flag: u8, value: T) -> Result<Option<T>, sotto_status> {
    match flag {
        0 => Ok(None),
        1 => Ok(Some(value)),
        _ => Err(sotto_status::InvalidArgument),
    }
}

impl sotto_location {
    fn to_core(self) -> Result<Location, sotto_status> {
        Ok(Location {
            latitude_e7: self.latitude_e7,
            longitude_e7: self.longitude_e7,
            accuracy_cm: self.accuracy_cm,
            altitude_cm: optional(self.has_altitude, self.altitude_cm)?,
            heading_centideg: optional(self.has_heading, self.heading_centideg)?,
            speed_cm_s: optional(self.has_speed, self.speed_cm_s)?,
            timestamp_ms: self.timestamp_ms,
            sequence: self.sequence,
            precision: precision(self.precision)?,
        })
    }

    fn from_core(l: &Location) -> Self {
        sotto_location {
            latitude_e7: l.latitude_e7,
            longitude_e7: l.longitude_e7,
            accuracy_cm: l.accuracy_cm,
            has_altitude: u8::from(l.altitude_cm.is_some()),
            altitude_cm: l.altitude_cm.unwrap_or(0),
            has_heading: u8::from(l.heading_centideg.is_some()),
            heading_centideg: l.heading_centideg.unwrap_or(0),
            has_speed: u8::from(l.speed_cm_s.is_some()),
            speed_cm_s: l.speed_cm_s.unwrap_or(0),
            timestamp_ms: l.timestamp_ms,
            sequence: l.sequence,
            precision: u32::from(l.precision.code()),
        }
    }
}

/// The sender's side of a live-location share. Wiped when freed; freeing
/// it stops the share.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_location_share {
    pub(crate) inner: LocationShare,
}

/// A viewer's side of one sender's live-location share. Wiped when freed.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_location_viewer {
    pub(crate) inner: LocationViewer,
}

/// Encodes a fix (48 bytes into `out`, `out_len` ≥ 48) for a one-shot
/// location inside a 1:1 or group message.
///
/// # Safety
///
/// `location` is NULL or readable; `out` is NULL or has `out_len` writable
/// bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_encode(
    location: *const sotto_location,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let l = unsafe { ptr::handle(location) }?.to_core()?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, &l.encode()?)
    })
}

/// Decodes and validates an encoded fix.
///
/// # Safety
///
/// `data` is NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_decode(
    data: *const u8,
    len: usize,
    out: *mut sotto_location,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_location::from_core(&Location::decode(bytes)?);
        Ok(())
    })
}

/// Starts a share in conversation `context` with `viewer_count` viewers
/// (concatenated 64-byte identities) until `expires_at`, at `precision`.
/// `identity` is this device's own: the distributions name it as the sharer,
/// and viewers accept them only over a 1:1 session with it.
///
/// # Safety
///
/// `identity` is NULL or live; `context` is NULL or has `context_len`
/// readable bytes; `viewers` is NULL or has `viewer_count × 64` readable
/// bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_new(
    identity: *const sotto_identity,
    context: *const u8,
    context_len: usize,
    viewers: *const u8,
    viewer_count: usize,
    expires_at: u64,
    precision_code: u32,
    out: *mut *mut sotto_location_share,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let identity = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let ctx = unsafe { ptr::slice(context, context_len) }?;
        // SAFETY: caller contract.
        let viewers = unsafe { identities(viewers, viewer_count) }?;
        let p = precision(precision_code)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_location_share {
            inner: LocationShare::new(&mut OsRng, &identity.inner, ctx, &viewers, expires_at, p)?,
        });
        Ok(())
    })
}

/// The share's distribution at its current position, for a viewer.
///
/// # Safety
///
/// `share` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_distribution(
    share: *const sotto_location_share,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(share, out, |s| s.inner.distribution().to_vec()) }
}

/// Encrypts one update (138 bytes) at time `now`.
///
/// # Safety
///
/// `share` is NULL or live; `location` is NULL or readable; `out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_encrypt(
    share: *mut sotto_location_share,
    location: *const sotto_location,
    now: u64,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(share) }?;
        // SAFETY: caller contract.
        let l = unsafe { ptr::handle(location) }?.to_core()?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(s.inner.encrypt(&l, now)?);
        Ok(())
    })
}

/// Adds a viewer and writes the distribution to send them.
///
/// # Safety
///
/// `share` is NULL or live; `viewer` is NULL or 64 readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_add_viewer(
    share: *mut sotto_location_share,
    viewer: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(share) }?;
        // SAFETY: caller contract.
        let v = identity_key(unsafe { ptr::array::<64>(viewer) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(s.inner.add_viewer(&v)?.to_vec());
        Ok(())
    })
}

/// Removes a viewer, rotates the share and writes the distribution for the
/// remaining viewers.
///
/// # Safety
///
/// `share` is NULL or live; `viewer` is NULL or 64 readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_share_remove_viewer(
    share: *mut sotto_location_share,
    viewer: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(share) }?;
        // SAFETY: caller contract.
        let v = identity_key(unsafe { ptr::array::<64>(viewer) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let d = s.inner.remove_viewer(&mut OsRng, &v)?;
        *out = sotto_buffer::from_vec(d.to_vec());
        Ok(())
    })
}

/// Creates a viewer from `sender`'s distribution for conversation `context`,
/// received over the 1:1 session with `sender`. A distribution not bound to
/// `sender` (someone else's, forwarded) is `SOTTO_STATUS_INVALID_SIGNATURE`.
///
/// # Safety
///
/// `context` is NULL or has `context_len` readable bytes; `sender` is NULL or
/// 64 readable bytes; `data` is NULL or has `len` readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_new(
    context: *const u8,
    context_len: usize,
    sender: *const u8,
    data: *const u8,
    len: usize,
    out: *mut *mut sotto_location_viewer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let ctx = unsafe { ptr::slice(context, context_len) }?;
        // SAFETY: caller contract.
        let sender = identity_key(unsafe { ptr::array::<64>(sender) }?)?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_location_viewer {
            inner: LocationViewer::new(ctx, &sender, bytes)?,
        });
        Ok(())
    })
}

/// Takes a new distribution from the same sender (after a rotation); it must
/// be bound to the sender (`SOTTO_STATUS_INVALID_SIGNATURE` otherwise).
///
/// # Safety
///
/// `viewer` is NULL or live; `data` is NULL or has `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_process_distribution(
    viewer: *mut sotto_location_viewer,
    data: *const u8,
    len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let v = unsafe { ptr::handle_mut(viewer) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        v.inner.process_distribution(bytes)?;
        Ok(())
    })
}

/// Verifies and decrypts an update at time `now`. Only an update newer than
/// the newest one decrypted is accepted (`SOTTO_STATUS_STALE` otherwise).
///
/// # Safety
///
/// `viewer` is NULL or live; `update` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_location_viewer_decrypt(
    viewer: *mut sotto_location_viewer,
    update: *const u8,
    len: usize,
    now: u64,
    out: *mut sotto_location,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let v = unsafe { ptr::handle_mut(viewer) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(update, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_location::from_core(&v.inner.decrypt(bytes, now)?);
        Ok(())
    })
}
