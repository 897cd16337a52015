//! Calls (`docs/PROTOCOL.md` §19): call signalling messages and the keys
//! they carry, SRTP keys for 1:1 calls, SFrame (RFC 9605) encryption of
//! media frames into caller buffers (no allocation per frame), and group
//! calls epoch by epoch.

use sotto::Content;
use sotto::calls::sframe::{SframeDecryptor, SframeEncryptor, SframeSuite};
use sotto::calls::{
    CallSecret, CallSignal, CallSignalKind, Direction, GroupCall, OfferGuard, SrtpProfile,
};

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{copy_out, ptr};

/// SFrame suite AES_128_CTR_HMAC_SHA256_80.
pub const SOTTO_SFRAME_AES_128_CTR_HMAC_SHA256_80: u16 = 1;
/// SFrame suite AES_128_CTR_HMAC_SHA256_64.
pub const SOTTO_SFRAME_AES_128_CTR_HMAC_SHA256_64: u16 = 2;
/// SFrame suite AES_128_CTR_HMAC_SHA256_32.
pub const SOTTO_SFRAME_AES_128_CTR_HMAC_SHA256_32: u16 = 3;
/// SFrame suite AES_128_GCM_SHA256_128.
pub const SOTTO_SFRAME_AES_128_GCM_SHA256_128: u16 = 4;
/// SFrame suite AES_256_GCM_SHA512_128.
pub const SOTTO_SFRAME_AES_256_GCM_SHA512_128: u16 = 5;
/// The longest SFrame header; a frame grows by at most this plus 16.
pub const SOTTO_SFRAME_MAX_HEADER_LEN: usize = 17;
const _: () = assert!(SOTTO_SFRAME_MAX_HEADER_LEN == sotto::calls::sframe::MAX_HEADER_LEN);

/// Call message kind: an offer (carries a secret).
pub const SOTTO_CALL_OFFER: u8 = 1;
/// Call message kind: an answer.
pub const SOTTO_CALL_ANSWER: u8 = 2;
/// Call message kind: a group call's key update (carries a secret).
pub const SOTTO_CALL_KEY_UPDATE: u8 = 3;
/// Call message kind: the sender leaves.
pub const SOTTO_CALL_LEAVE: u8 = 4;
/// Call message kind: the call ends.
pub const SOTTO_CALL_END: u8 = 5;

/// SRTP profile SRTP_AES128_CM_HMAC_SHA1_80 (16-byte key, 14-byte salt).
pub const SOTTO_SRTP_AES128_CM_HMAC_SHA1_80: u8 = 1;
/// SRTP profile SRTP_AEAD_AES_256_GCM (32-byte key, 12-byte salt).
pub const SOTTO_SRTP_AEAD_AES_256_GCM: u8 = 2;
/// The caller's media.
pub const SOTTO_CALL_DIRECTION_CALLER: u8 = 1;
/// The callee's media.
pub const SOTTO_CALL_DIRECTION_CALLEE: u8 = 2;

fn suite(code: u16) -> Result<SframeSuite, sotto_status> {
    SframeSuite::from_code(code).map_err(|_| sotto_status::InvalidArgument)
}

fn kind(code: u8) -> Result<CallSignalKind, sotto_status> {
    Ok(match code {
        SOTTO_CALL_OFFER => CallSignalKind::Offer,
        SOTTO_CALL_ANSWER => CallSignalKind::Answer,
        SOTTO_CALL_KEY_UPDATE => CallSignalKind::KeyUpdate,
        SOTTO_CALL_LEAVE => CallSignalKind::Leave,
        SOTTO_CALL_END => CallSignalKind::End,
        _ => return Err(sotto_status::InvalidArgument),
    })
}

fn kind_code(k: CallSignalKind) -> u8 {
    match k {
        CallSignalKind::Offer => SOTTO_CALL_OFFER,
        CallSignalKind::Answer => SOTTO_CALL_ANSWER,
        CallSignalKind::KeyUpdate => SOTTO_CALL_KEY_UPDATE,
        CallSignalKind::Leave => SOTTO_CALL_LEAVE,
        CallSignalKind::End => SOTTO_CALL_END,
    }
}

/// A call message: what it says and, for an offer or key update, its
/// secret (never readable; wiped when freed).
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_call_signal {
    inner: CallSignal,
}

/// What a call message says besides its secret and participants.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_call_signal_info {
    /// `SOTTO_CALL_OFFER`, `_ANSWER`, `_KEY_UPDATE`, `_LEAVE` or `_END`.
    pub kind: u8,
    /// The call's id.
    pub call_id: [u8; 16],
    /// The epoch (0 for a 1:1 call).
    pub epoch: u32,
    /// 1 for a video call.
    pub video: u8,
    /// 1 if it carries a secret (offers and key updates).
    pub has_secret: u8,
    /// How many participants it names.
    pub participants: u32,
}

/// Refuses two caller buffers that share a byte: a shared and a mutable
/// slice over the same memory are undefined behaviour, so an in-place call
/// (output over input) is `SOTTO_STATUS_INVALID_ARGUMENT`, checked before
/// any slice exists. Empty or NULL buffers overlap nothing.
fn disjoint(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> Result<(), sotto_status> {
    if a.is_null() || b.is_null() || a_len == 0 || b_len == 0 {
        return Ok(());
    }
    let (a0, b0) = (a.addr(), b.addr());
    if a0 < b0.saturating_add(b_len) && b0 < a0.saturating_add(a_len) {
        return Err(sotto_status::InvalidArgument);
    }
    Ok(())
}

/// The three buffers of a frame call, checked disjoint (the output over
/// the input or the metadata is `SOTTO_STATUS_INVALID_ARGUMENT`) before any
/// slice over them exists.
struct FrameIo<'a> {
    metadata: &'a [u8],
    input: &'a [u8],
    out: &'a mut [u8],
}

/// # Safety
///
/// `metadata` and `input` are NULL (with length 0) or readable for their
/// lengths; `out` is NULL or writable for `out_cap` bytes.
unsafe fn frame_io<'a>(
    metadata: *const u8,
    metadata_len: usize,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
) -> Result<FrameIo<'a>, sotto_status> {
    disjoint(out, out_cap, input, input_len)?;
    disjoint(out, out_cap, metadata, metadata_len)?;
    Ok(FrameIo {
        // SAFETY: caller contract.
        metadata: unsafe { ptr::slice(metadata, metadata_len) }?,
        // SAFETY: caller contract.
        input: unsafe { ptr::slice(input, input_len) }?,
        // SAFETY: caller contract; disjoint from the two above.
        out: unsafe { ptr::out_bytes_or_empty(out, out_cap) }?,
    })
}

/// A new call message for `call_id`: an offer or key update gets a fresh
/// secret and names `participants` (`count` indices, at most 32,
/// distinct); an answer, leave or end names none (`count` 0). Send its
/// encoding (`sotto_call_signal_encode`) as `SOTTO_CONTENT_CALL`, one
/// message per recipient device (a 1:1 offer: a new message, so a new
/// secret, per device).
///
/// # Safety
///
/// `call_id` is NULL or 16 readable bytes; `participants` is NULL (with
/// count 0) or readable for `count` entries; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_new(
    kind_code_: u8,
    call_id: *const u8,
    epoch: u32,
    video: u8,
    participants: *const u32,
    count: usize,
    out: *mut *mut sotto_call_signal,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let call_id = unsafe { ptr::array::<16>(call_id) }?;
        let list: &[u32] = if count == 0 {
            &[]
        } else if participants.is_null() {
            return Err(sotto_status::NullParameter);
        } else if count > sotto::calls::MAX_CALL_PARTICIPANTS {
            return Err(sotto_status::LimitExceeded);
        } else {
            // SAFETY: caller contract: readable for `count` entries.
            unsafe { core::slice::from_raw_parts(participants, count) }
        };
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let k = kind(kind_code_)?;
        let secret = matches!(k, CallSignalKind::Offer | CallSignalKind::KeyUpdate)
            .then(|| CallSecret::generate(&mut OsRng));
        let signal = CallSignal {
            kind: k,
            call_id: *call_id,
            epoch,
            video: video != 0,
            secret,
            participants: list.to_vec(),
        };
        // The encoder's checks, before a handle exists.
        drop(Content::Call(signal.clone()).body()?);
        *out = ptr::into_handle(sotto_call_signal { inner: signal });
        Ok(())
    })
}

/// Decodes a received call message (a `SOTTO_CONTENT_CALL` body). Free
/// the body's buffer right after: it holds the secret.
///
/// # Safety
///
/// `body` is NULL (with length 0) or readable for `len` bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_decode(
    body: *const u8,
    len: usize,
    out: *mut *mut sotto_call_signal,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let body = unsafe { ptr::slice(body, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        match Content::from_body(sotto::envelope::CONTENT_CALL, body)? {
            Content::Call(signal) => {
                *out = ptr::into_handle(sotto_call_signal { inner: signal });
                Ok(())
            }
            _ => Err(sotto_status::Internal),
        }
    })
}

/// The body to send as `SOTTO_CONTENT_CALL` (it holds the secret: pass it
/// to `sotto_store_send` and free it).
///
/// # Safety
///
/// `signal` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_encode(
    signal: *const sotto_call_signal,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(signal) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let body = Content::Call(s.inner.clone()).body()?;
        *out = sotto_buffer::from_vec(body.to_vec());
        Ok(())
    })
}

/// What the message says, to `*info`.
///
/// # Safety
///
/// `signal` is NULL or live; `info` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_info_get(
    signal: *const sotto_call_signal,
    info: *mut sotto_call_signal_info,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(signal) }?;
        // SAFETY: caller contract.
        let info = unsafe { ptr::out(info) }?;
        *info = sotto_call_signal_info {
            kind: kind_code(s.inner.kind),
            call_id: s.inner.call_id,
            epoch: s.inner.epoch,
            video: u8::from(s.inner.video),
            has_secret: u8::from(s.inner.secret.is_some()),
            participants: u32::try_from(s.inner.participants.len())
                .map_err(|_| sotto_status::Internal)?,
        };
        Ok(())
    })
}

/// Copies the participants' indices to `out` (room for `capacity`; fewer
/// than there are is `SOTTO_STATUS_BUFFER_TOO_SMALL`).
///
/// # Safety
///
/// `signal` is NULL or live; `out` is NULL or writable for `capacity`
/// entries.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_participants(
    signal: *const sotto_call_signal,
    out: *mut u32,
    capacity: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(signal) }?;
        let p = &s.inner.participants;
        if p.is_empty() {
            return Ok(());
        }
        if out.is_null() {
            return Err(sotto_status::NullParameter);
        }
        if capacity < p.len() {
            return Err(sotto_status::BufferTooSmall);
        }
        // SAFETY: caller contract: writable for `capacity` ≥ p.len() entries.
        unsafe { core::slice::from_raw_parts_mut(out, p.len()) }.copy_from_slice(p);
        Ok(())
    })
}

/// The SRTP master key and salt of a 1:1 call's `direction`
/// (`SOTTO_CALL_DIRECTION_*`) for `profile` (`SOTTO_SRTP_*`), from the
/// offer's secret: `key` takes 16 or 32 bytes, `salt` 14 or 12. A message
/// without a secret is `SOTTO_STATUS_INVALID_ARGUMENT`. Wipe both when the
/// call ends.
///
/// # Safety
///
/// `signal` is NULL or live; `key` and `salt` are NULL or writable for
/// their lengths (overlapping each other: `SOTTO_STATUS_INVALID_ARGUMENT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_srtp(
    signal: *const sotto_call_signal,
    profile: u8,
    direction: u8,
    key: *mut u8,
    key_len: usize,
    salt: *mut u8,
    salt_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(signal) }?;
        disjoint(key, key_len, salt, salt_len)?;
        // SAFETY: caller contract.
        let key = unsafe { ptr::out_bytes(key, key_len) }?;
        // SAFETY: caller contract.
        let salt = unsafe { ptr::out_bytes(salt, salt_len) }?;
        let profile = match profile {
            SOTTO_SRTP_AES128_CM_HMAC_SHA1_80 => SrtpProfile::AesCm128HmacSha1_80,
            SOTTO_SRTP_AEAD_AES_256_GCM => SrtpProfile::AeadAes256Gcm,
            _ => return Err(sotto_status::InvalidArgument),
        };
        let direction = match direction {
            SOTTO_CALL_DIRECTION_CALLER => Direction::Caller,
            SOTTO_CALL_DIRECTION_CALLEE => Direction::Callee,
            _ => return Err(sotto_status::InvalidArgument),
        };
        let secret = s
            .inner
            .secret
            .as_ref()
            .ok_or(sotto_status::InvalidArgument)?;
        let keys = secret.srtp(&s.inner.call_id, profile, direction)?;
        if key.len() != keys.master_key.len() || salt.len() != keys.master_salt.len() {
            return Err(sotto_status::InvalidArgument);
        }
        copy_out(key, &keys.master_key)?;
        copy_out(salt, &keys.master_salt)
    })
}

/// Frees a call message, wiping its secret, and sets `*signal` to NULL.
///
/// # Safety
///
/// `signal` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_call_signal_free(signal: *mut *mut sotto_call_signal) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(signal) });
}

/// Refuses old and replayed offers (60 s old, 30 s ahead, or a call id
/// let through while its offer is younger than 60 s; at most 256 of those).
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_offer_guard {
    inner: OfferGuard,
}

/// A new offer guard.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_offer_guard_new(out: *mut *mut sotto_offer_guard) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_offer_guard {
            inner: OfferGuard::new(),
        });
        Ok(())
    })
}

/// Lets an offer for `call_id` sent at `sent_at_ms` (its envelope's time)
/// through at `now_ms`, once: `SOTTO_STATUS_EXPIRED`, `_STALE` or
/// `_DUPLICATE_MESSAGE` otherwise, and `_LIMIT_EXCEEDED` while 256 offers
/// younger than 60 s are remembered.
///
/// # Safety
///
/// `guard` is NULL or live; `call_id` is NULL or 16 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_offer_guard_admit(
    guard: *mut sotto_offer_guard,
    call_id: *const u8,
    sent_at_ms: u64,
    now_ms: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(guard) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::array::<16>(call_id) }?;
        g.inner.admit(id, sent_at_ms, now_ms)?;
        Ok(())
    })
}

/// Frees an offer guard and sets `*guard` to NULL.
///
/// # Safety
///
/// `guard` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_offer_guard_free(guard: *mut *mut sotto_offer_guard) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(guard) });
}

/// One sender's SFrame encryption under one key id.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_sframe_encryptor {
    inner: SframeEncryptor,
}

/// SFrame decryption of every key it holds, with a replay window per key.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_sframe_decryptor {
    inner: SframeDecryptor,
}

/// What a decrypted frame was.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_sframe_info {
    /// The key id.
    pub kid: u64,
    /// The frame counter.
    pub ctr: u64,
    /// The frame's length, at the front of the output.
    pub len: usize,
}

/// Starts encrypting frames under `kid` whose base key is `base_key` (1 to
/// 64 bytes), for `suite` (`SOTTO_SFRAME_*`).
///
/// # Safety
///
/// `base_key` is NULL (with length 0) or readable for `len` bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_encryptor_new(
    suite_code: u16,
    kid: u64,
    base_key: *const u8,
    len: usize,
    out: *mut *mut sotto_sframe_encryptor,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let key = unsafe { ptr::slice(base_key, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_sframe_encryptor {
            inner: SframeEncryptor::new(suite(suite_code)?, kid, key)?,
        });
        Ok(())
    })
}

/// Writes to `*out_len` exactly how many bytes the next frame of
/// `frame_len` bytes takes once encrypted.
///
/// # Safety
///
/// `encryptor` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_encryptor_sframe_len(
    encryptor: *const sotto_sframe_encryptor,
    frame_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let e = unsafe { ptr::handle(encryptor) }?;
        // SAFETY: caller contract.
        let out_len = unsafe { ptr::out(out_len) }?;
        *out_len = e
            .inner
            .sframe_len(frame_len)
            .ok_or(sotto_status::LimitExceeded)?;
        Ok(())
    })
}

/// Encrypts `frame` with `metadata` (at most 1,007 bytes) as associated
/// data into `out` (capacity `out_cap`, at least what `_sframe_len` says,
/// else `SOTTO_STATUS_BUFFER_TOO_SMALL` and nothing changes); the SFrame's
/// length goes to `*written`. Allocates nothing.
///
/// # Safety
///
/// `encryptor` is NULL or live; `metadata` and `frame` are NULL (with
/// length 0) or readable for their lengths; `out` is NULL or writable for
/// `out_cap` bytes (overlapping `frame` or `metadata`:
/// `SOTTO_STATUS_INVALID_ARGUMENT`); `written` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_encryptor_encrypt(
    encryptor: *mut sotto_sframe_encryptor,
    metadata: *const u8,
    metadata_len: usize,
    frame: *const u8,
    frame_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let e = unsafe { ptr::handle_mut(encryptor) }?;
        // SAFETY: caller contract, forwarded.
        let io = unsafe { frame_io(metadata, metadata_len, frame, frame_len, out, out_cap) }?;
        // SAFETY: caller contract.
        let written = unsafe { ptr::out(written) }?;
        *written = e.inner.encrypt(io.metadata, io.input, io.out)?;
        Ok(())
    })
}

/// Frees an encryptor, wiping its key, and sets `*encryptor` to NULL.
///
/// # Safety
///
/// `encryptor` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_encryptor_free(encryptor: *mut *mut sotto_sframe_encryptor) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(encryptor) });
}

/// A decryptor for `suite` with no keys.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_decryptor_new(
    suite_code: u16,
    out: *mut *mut sotto_sframe_decryptor,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_sframe_decryptor {
            inner: SframeDecryptor::new(suite(suite_code)?),
        });
        Ok(())
    })
}

/// Adds the key of `kid` from its base key (a key id already held is
/// `SOTTO_STATUS_DUPLICATE_MESSAGE`, more than 256 keys
/// `SOTTO_STATUS_LIMIT_EXCEEDED`).
///
/// # Safety
///
/// `decryptor` is NULL or live; `base_key` is NULL (with length 0) or
/// readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_decryptor_add_key(
    decryptor: *mut sotto_sframe_decryptor,
    kid: u64,
    base_key: *const u8,
    len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let d = unsafe { ptr::handle_mut(decryptor) }?;
        // SAFETY: caller contract.
        let key = unsafe { ptr::slice(base_key, len) }?;
        d.inner.add_key(kid, key)?;
        Ok(())
    })
}

/// Forgets the key of `kid` (`SOTTO_STATUS_NOT_FOUND` if not held).
///
/// # Safety
///
/// `decryptor` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_decryptor_remove_key(
    decryptor: *mut sotto_sframe_decryptor,
    kid: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let d = unsafe { ptr::handle_mut(decryptor) }?;
        if d.inner.remove_key(kid) {
            Ok(())
        } else {
            Err(sotto_status::NotFound)
        }
    })
}

/// Decrypts `sframe` with `metadata` into `out` (capacity `out_cap`, at
/// least the SFrame's length is always enough); what it was goes to
/// `*info`. An unknown key id is `SOTTO_STATUS_UNKNOWN_SENDER_KEY`, a
/// replay `SOTTO_STATUS_DUPLICATE_MESSAGE`, a tampered frame
/// `SOTTO_STATUS_DECRYPT_FAILED`; nothing is written then. Allocates
/// nothing.
///
/// # Safety
///
/// `decryptor` is NULL or live; `metadata` and `sframe` are NULL (with
/// length 0) or readable for their lengths; `out` is NULL or writable for
/// `out_cap` bytes (overlapping `sframe` or `metadata`:
/// `SOTTO_STATUS_INVALID_ARGUMENT`); `info` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_decryptor_decrypt(
    decryptor: *mut sotto_sframe_decryptor,
    metadata: *const u8,
    metadata_len: usize,
    sframe: *const u8,
    sframe_len: usize,
    out: *mut u8,
    out_cap: usize,
    info: *mut sotto_sframe_info,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let d = unsafe { ptr::handle_mut(decryptor) }?;
        // SAFETY: caller contract, forwarded.
        let io = unsafe { frame_io(metadata, metadata_len, sframe, sframe_len, out, out_cap) }?;
        // SAFETY: caller contract.
        let info = unsafe { ptr::out(info) }?;
        let got = d.inner.decrypt(io.metadata, io.input, io.out)?;
        *info = sotto_sframe_info {
            kid: got.kid,
            ctr: got.ctr,
            len: got.len,
        };
        Ok(())
    })
}

/// Frees a decryptor, wiping its keys, and sets `*decryptor` to NULL.
///
/// # Safety
///
/// `decryptor` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sframe_decryptor_free(decryptor: *mut *mut sotto_sframe_decryptor) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(decryptor) });
}

/// One device's side of a group call: its epochs, its own SFrame
/// encryption and everyone else's decryption.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_group_call {
    inner: GroupCall,
}

/// What a decrypted group-call frame was.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_call_frame {
    /// The epoch it was sent in.
    pub epoch: u32,
    /// Its sender's index.
    pub sender: u32,
    /// The frame's length, at the front of the output.
    pub len: usize,
}

/// Joins the call `call_id` as participant `me`, with `suite`; no epoch
/// until `sotto_group_call_install`.
///
/// # Safety
///
/// `call_id` is NULL or 16 readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_new(
    call_id: *const u8,
    suite_code: u16,
    me: u32,
    out: *mut *mut sotto_group_call,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let id = unsafe { ptr::array::<16>(call_id) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_group_call {
            inner: GroupCall::new(*id, suite(suite_code)?, me),
        });
        Ok(())
    })
}

/// Installs the epoch an offer or key update (`signal`) carries, at
/// `now_ms`: its epoch must be above the current one
/// (`SOTTO_STATUS_STALE`), this device among its participants
/// (`SOTTO_STATUS_NOT_A_MEMBER`), for this call (`SOTTO_STATUS_WRONG_TYPE`),
/// at most 1,000 epochs ahead (`SOTTO_STATUS_TOO_FAR_AHEAD`), with a secret
/// never installed before (`SOTTO_STATUS_DUPLICATE_MESSAGE`: a reused one
/// would let a former participant in).
/// The previous epoch's frames play for 2 s more. Nothing changes on
/// error.
///
/// # Safety
///
/// `call` and `signal` are NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_install(
    call: *mut sotto_group_call,
    signal: *const sotto_call_signal,
    now_ms: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle_mut(call) }?;
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(signal) }?;
        if s.inner.call_id != *c.inner.call_id() {
            return Err(sotto_status::WrongType);
        }
        let secret = s
            .inner
            .secret
            .as_ref()
            .ok_or(sotto_status::InvalidArgument)?;
        c.inner
            .install(s.inner.epoch, secret, &s.inner.participants, now_ms)?;
        Ok(())
    })
}

/// Writes to `*out_len` how many bytes our next frame of `frame_len` bytes
/// takes (no epoch yet: `SOTTO_STATUS_UNKNOWN_SENDER_KEY`; a length whose
/// frame would not fit in a `size_t`: `SOTTO_STATUS_LIMIT_EXCEEDED`, as
/// for `sotto_sframe_encryptor_sframe_len`).
///
/// # Safety
///
/// `call` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_sframe_len(
    call: *const sotto_group_call,
    frame_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle(call) }?;
        // SAFETY: caller contract.
        let out_len = unsafe { ptr::out(out_len) }?;
        if c.inner.epoch().is_none() {
            return Err(sotto_status::UnknownSenderKey);
        }
        *out_len = c
            .inner
            .sframe_len(frame_len)
            .ok_or(sotto_status::LimitExceeded)?;
        Ok(())
    })
}

/// Encrypts one of our frames under the current epoch, as
/// `sotto_sframe_encryptor_encrypt`.
///
/// # Safety
///
/// As for `sotto_sframe_encryptor_encrypt`, with `call` NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_encrypt(
    call: *mut sotto_group_call,
    metadata: *const u8,
    metadata_len: usize,
    frame: *const u8,
    frame_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle_mut(call) }?;
        // SAFETY: caller contract, forwarded.
        let io = unsafe { frame_io(metadata, metadata_len, frame, frame_len, out, out_cap) }?;
        // SAFETY: caller contract.
        let written = unsafe { ptr::out(written) }?;
        *written = c.inner.encrypt(io.metadata, io.input, io.out)?;
        Ok(())
    })
}

/// Decrypts a participant's frame at `now_ms`, as
/// `sotto_sframe_decryptor_decrypt`; its epoch, sender and length go to
/// `*frame_info`. A frame of an epoch whose keys are gone (or never came)
/// is `SOTTO_STATUS_UNKNOWN_SENDER_KEY`.
///
/// # Safety
///
/// As for `sotto_sframe_decryptor_decrypt`, with `call` NULL or live and
/// `frame_info` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_decrypt(
    call: *mut sotto_group_call,
    metadata: *const u8,
    metadata_len: usize,
    sframe: *const u8,
    sframe_len: usize,
    out: *mut u8,
    out_cap: usize,
    now_ms: u64,
    frame_info: *mut sotto_call_frame,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle_mut(call) }?;
        // SAFETY: caller contract, forwarded.
        let io = unsafe { frame_io(metadata, metadata_len, sframe, sframe_len, out, out_cap) }?;
        // SAFETY: caller contract.
        let frame_info = unsafe { ptr::out(frame_info) }?;
        let f = c.inner.decrypt(io.metadata, io.input, io.out, now_ms)?;
        *frame_info = sotto_call_frame {
            epoch: f.epoch,
            sender: f.sender,
            len: f.len,
        };
        Ok(())
    })
}

/// Frees a group call, wiping its keys, and sets `*call` to NULL.
///
/// # Safety
///
/// `call` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_call_free(call: *mut *mut sotto_group_call) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(call) });
}
