//! Multi-device accounts (`docs/PROTOCOL.md` §18): device records and
//! lists signed by the account key, linking a companion by QR code, and a
//! new device's history blob.
//!
//! ```text
//! list entries (sotto_device_list_sign): count × (index u32 big-endian ‖ identity (64))
//! records (sotto_devices_verify, sotto_store_set_devices): count × SOTTO_DEVICE_RECORD_LEN bytes
//! ```

use sotto::IdentityKey;
use sotto::attachment::{AttachmentDecryptor, AttachmentEncryptor};
use sotto::devices::{
    AccountSignedRecord, DeviceKind, DeviceList, LinkingRequest, answer_link, verify_devices,
};
use zeroize::Zeroizing;

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::media::{descriptor, sotto_attachment_decryptor, sotto_attachment_encryptor};
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{identity_key, ptr};

/// Bytes of an encoded device record (account-signed and countersigned).
pub const SOTTO_DEVICE_RECORD_LEN: usize = 271;
const _: () = assert!(SOTTO_DEVICE_RECORD_LEN == sotto::devices::DEVICE_RECORD_LEN);
/// Bytes of a list entry: index (u32, big-endian) and identity (64).
pub const SOTTO_DEVICE_ENTRY_LEN: usize = 68;
/// The most devices one account lists, the primary included.
pub const SOTTO_MAX_DEVICES: usize = 16;
const _: () = assert!(SOTTO_MAX_DEVICES == sotto::devices::MAX_DEVICES);
/// How long a device list is trusted after it was issued (35 days).
pub const SOTTO_DEVICE_LIST_TTL_SECS: u64 = 3_024_000;
const _: () = assert!(SOTTO_DEVICE_LIST_TTL_SECS == sotto::devices::DEVICE_LIST_TTL_SECS);
/// Bytes of a linking QR code's payload.
pub const SOTTO_LINK_QR_LEN: usize = 98;
const _: () = assert!(SOTTO_LINK_QR_LEN == sotto::devices::LINK_QR_LEN);

/// Device kind: the account's primary device (index 0).
pub const SOTTO_DEVICE_PRIMARY: u8 = 1;
/// Device kind: a linked companion.
pub const SOTTO_DEVICE_COMPANION: u8 = 2;
/// Device kind: run by a service provider for a business: label the chat.
pub const SOTTO_DEVICE_HOSTED: u8 = 3;

/// One verified device of an account.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_device_info {
    /// Its index in the account (0: the primary).
    pub index: u32,
    /// `SOTTO_DEVICE_PRIMARY`, `_COMPANION` or `_HOSTED`.
    pub kind: u8,
    /// When it was added, seconds since the epoch.
    pub added_at: u64,
    /// Its identity key.
    pub identity: [u8; 64],
}

impl Default for sotto_device_info {
    fn default() -> Self {
        sotto_device_info {
            index: 0,
            kind: 0,
            added_at: 0,
            identity: [0; 64],
        }
    }
}

impl From<&sotto::devices::VerifiedDevice> for sotto_device_info {
    fn from(d: &sotto::devices::VerifiedDevice) -> Self {
        sotto_device_info {
            index: d.index,
            kind: d.kind.code(),
            added_at: d.added_at,
            identity: d.identity.to_bytes(),
        }
    }
}

pub(crate) fn kind(code: u8) -> Result<DeviceKind, sotto_status> {
    DeviceKind::from_code(code).map_err(|_| sotto_status::InvalidArgument)
}

/// Splits concatenated records into their slices.
pub(crate) fn records(bytes: &[u8]) -> Result<Vec<&[u8]>, sotto_status> {
    if !bytes.len().is_multiple_of(SOTTO_DEVICE_RECORD_LEN) {
        return Err(sotto_status::Malformed);
    }
    if bytes.len() / SOTTO_DEVICE_RECORD_LEN > SOTTO_MAX_DEVICES.saturating_mul(4) {
        return Err(sotto_status::LimitExceeded);
    }
    Ok(bytes.chunks_exact(SOTTO_DEVICE_RECORD_LEN).collect())
}

/// The account (`account`, the primary's identity) signs that `device` (64
/// bytes) belongs to it at `index`, added at `added_at`, of `kind`; the
/// result goes to the device, which countersigns it
/// (`sotto_device_record_countersign`). The primary is index 0 and its own
/// device; any other kind has an index above 0.
///
/// # Safety
///
/// `account` is NULL or live; `device` is NULL or 64 readable bytes; `out`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_record_sign(
    account: *const sotto_identity,
    device: *const u8,
    index: u32,
    added_at: u64,
    kind_code: u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let account = unsafe { ptr::handle(account) }?;
        // SAFETY: caller contract.
        let device = identity_key(unsafe { ptr::array::<64>(device) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let signed =
            AccountSignedRecord::sign(&account.inner, &device, index, added_at, kind(kind_code)?)?;
        *out = sotto_buffer::from_vec(signed.to_bytes());
        Ok(())
    })
}

/// The device (`device`, its identity) checks the account's signature on
/// `signed` and countersigns it: the `SOTTO_DEVICE_RECORD_LEN`-byte record
/// to publish. A record for another device is `SOTTO_STATUS_WRONG_TYPE`.
///
/// # Safety
///
/// `device` is NULL or live; `signed` is NULL (with length 0) or readable
/// for `len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_record_countersign(
    device: *const sotto_identity,
    signed: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let device = unsafe { ptr::handle(device) }?;
        // SAFETY: caller contract.
        let signed = unsafe { ptr::slice(signed, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let record = AccountSignedRecord::from_bytes(signed)?.countersign(&device.inner)?;
        *out = sotto_buffer::from_vec(record.to_bytes());
        Ok(())
    })
}

/// The account signs its device list: `version` (every change publishes a
/// higher one), issued at `issued_at`, and the current devices as
/// `SOTTO_DEVICE_ENTRY_LEN`-byte entries (index u32 big-endian ‖ identity),
/// the primary first at index 0, then by increasing index, at most
/// `SOTTO_MAX_DEVICES`.
///
/// # Safety
///
/// `account` is NULL or live; `entries` is NULL (with length 0) or readable
/// for `entries_len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_device_list_sign(
    account: *const sotto_identity,
    version: u64,
    issued_at: u64,
    entries: *const u8,
    entries_len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let account = unsafe { ptr::handle(account) }?;
        // SAFETY: caller contract.
        let entries = unsafe { ptr::slice(entries, entries_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        if !entries.len().is_multiple_of(SOTTO_DEVICE_ENTRY_LEN) {
            return Err(sotto_status::Malformed);
        }
        if entries.len() / SOTTO_DEVICE_ENTRY_LEN > SOTTO_MAX_DEVICES {
            return Err(sotto_status::LimitExceeded);
        }
        let mut devices = Vec::with_capacity(entries.len() / SOTTO_DEVICE_ENTRY_LEN);
        for e in entries.chunks_exact(SOTTO_DEVICE_ENTRY_LEN) {
            let (index, identity) = e.split_at(4);
            let index = u32::from_be_bytes(index.try_into().map_err(|_| sotto_status::Malformed)?);
            devices.push((index, IdentityKey::from_bytes(identity)?));
        }
        let list = DeviceList::sign(&account.inner, version, issued_at, &devices)?;
        *out = sotto_buffer::from_vec(list.to_bytes()?);
        Ok(())
    })
}

/// Verifies `account`'s published list and records (concatenated, each
/// `SOTTO_DEVICE_RECORD_LEN` bytes) at `now`: the number of devices goes to
/// `*count` and, if `devices` is not NULL, up to `capacity` of them, by
/// index, to `devices`. `known_version` is the version last verified for
/// this account (older is `SOTTO_STATUS_STALE_DEVICE_LIST`), or 0. Every
/// refusal (a forged signature, a record moved to another account, a list
/// older than `SOTTO_DEVICE_LIST_TTL_SECS`) refuses the whole list.
///
/// # Safety
///
/// `account` is NULL or 64 readable bytes; `list` and `records` are NULL
/// (with length 0) or readable for their lengths; `count` is NULL or
/// writable; `devices` is NULL or writable for `capacity` entries.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_devices_verify(
    account: *const u8,
    list: *const u8,
    list_len: usize,
    records_bytes: *const u8,
    records_len: usize,
    now: u64,
    known_version: u64,
    count: *mut u32,
    devices: *mut sotto_device_info,
    capacity: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let account = identity_key(unsafe { ptr::array::<64>(account) }?)?;
        // SAFETY: caller contract.
        let list = unsafe { ptr::slice(list, list_len) }?;
        // SAFETY: caller contract.
        let records_bytes = unsafe { ptr::slice(records_bytes, records_len) }?;
        // SAFETY: caller contract.
        let count = unsafe { ptr::out(count) }?;
        let known = (known_version > 0).then_some(known_version);
        let verified = verify_devices(&account, list, &records(records_bytes)?, now, known)?;
        let n = verified.devices.len();
        if !devices.is_null() {
            if capacity < n {
                return Err(sotto_status::BufferTooSmall);
            }
            // SAFETY: caller contract: `devices` is writable for `capacity` ≥ n entries.
            let out = unsafe { core::slice::from_raw_parts_mut(devices, n) };
            for (slot, d) in out.iter_mut().zip(&verified.devices) {
                *slot = d.into();
            }
        }
        *count = u32::try_from(n).map_err(|_| sotto_status::LimitExceeded)?;
        Ok(())
    })
}

/// A companion's link in progress: its identity and the one-time secret
/// in its QR code (wiped when freed).
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_linking_request {
    inner: LinkingRequest,
}

/// The companion starts linking: the request to keep goes to `*out`, the
/// bytes to show as a QR code (`SOTTO_LINK_QR_LEN`; they hold the secret:
/// show, never send) to `*qr`.
///
/// # Safety
///
/// `companion` is NULL or live; `out` and `qr` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linking_request_new(
    companion: *const sotto_identity,
    out: *mut *mut sotto_linking_request,
    qr: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let companion = unsafe { ptr::handle(companion) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        // SAFETY: caller contract.
        let qr = unsafe { ptr::out(qr) }?;
        let (request, code): (LinkingRequest, Zeroizing<Vec<u8>>) =
            LinkingRequest::new(&mut OsRng, &companion.inner);
        *out = ptr::into_handle(sotto_linking_request { inner: request });
        *qr = sotto_buffer::from_vec(code.to_vec());
        Ok(())
    })
}

/// The companion checks the primary's answer and countersigns its record:
/// the record to publish goes to `*record`. `account` (64 bytes) is NULL or
/// the account the companion expects. A wrong secret (or an answer changed
/// on the way) is `SOTTO_STATUS_DECRYPT_FAILED`, another device or account
/// `SOTTO_STATUS_WRONG_TYPE`, a second answer
/// `SOTTO_STATUS_DUPLICATE_MESSAGE`; on any error the request is unchanged.
///
/// # Safety
///
/// `request` and `companion` are NULL or live; `payload` is NULL (with
/// length 0) or readable for `len` bytes; `account` is NULL or 64 readable
/// bytes; `record` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linking_request_accept(
    request: *mut sotto_linking_request,
    companion: *const sotto_identity,
    payload: *const u8,
    len: usize,
    account: *const u8,
    record: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let request = unsafe { ptr::handle_mut(request) }?;
        // SAFETY: caller contract.
        let companion = unsafe { ptr::handle(companion) }?;
        // SAFETY: caller contract.
        let payload = unsafe { ptr::slice(payload, len) }?;
        let account = if account.is_null() {
            None
        } else {
            // SAFETY: caller contract.
            Some(identity_key(unsafe { ptr::array::<64>(account) }?)?)
        };
        // SAFETY: caller contract.
        let record = unsafe { ptr::out(record) }?;
        let got = request
            .inner
            .accept(&companion.inner, payload, account.as_ref())?;
        *record = sotto_buffer::from_vec(got.to_bytes());
        Ok(())
    })
}

/// Frees a linking request (wiping its secret) and sets `*request` to NULL.
///
/// # Safety
///
/// `request` is NULL or points to NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_linking_request_free(request: *mut *mut sotto_linking_request) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(request) });
}

/// The primary reads a companion's QR code and answers with the
/// account-signed record for it at `index` (above 0), of `kind`
/// (`SOTTO_DEVICE_COMPANION` or `_HOSTED`), added at `now`, authenticated
/// under the QR code's secret. Send the answer to the companion.
///
/// # Safety
///
/// `account` is NULL or live; `qr` is NULL (with length 0) or readable for
/// `len` bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_link_answer(
    account: *const sotto_identity,
    qr: *const u8,
    len: usize,
    index: u32,
    now: u64,
    kind_code: u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let account = unsafe { ptr::handle(account) }?;
        // SAFETY: caller contract.
        let qr = unsafe { ptr::slice(qr, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(answer_link(
            &account.inner,
            qr,
            index,
            now,
            kind(kind_code)?,
        )?);
        Ok(())
    })
}

/// Starts encrypting a new device's history blob: an attachment encryptor
/// (use the `sotto_attachment_encryptor_*` calls) under the history
/// context. Send its descriptor as `SOTTO_CONTENT_DEVICE_HISTORY`.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_history_encryptor_new(
    out: *mut *mut sotto_attachment_encryptor,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_attachment_encryptor {
            inner: AttachmentEncryptor::new_history(&mut OsRng)?,
        });
        Ok(())
    })
}

/// Starts decrypting a history blob from the descriptor a
/// `SOTTO_CONTENT_DEVICE_HISTORY` message carries (use the
/// `sotto_attachment_decryptor_*` calls). Once imported, acknowledge the
/// message: its key is deleted with it.
///
/// # Safety
///
/// `descriptor_bytes` is NULL or has `len` readable bytes; `out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_history_decryptor_new(
    descriptor_bytes: *const u8,
    len: usize,
    out: *mut *mut sotto_attachment_decryptor,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(descriptor_bytes, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_attachment_decryptor {
            inner: AttachmentDecryptor::new_history(&descriptor(bytes)?)?,
        });
        Ok(())
    })
}
