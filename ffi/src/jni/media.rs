//! Natives for attachments, and the streaming calls they share with
//! backups; each forwards to the C function named in its comment.
//!
//! The handles of attachments and backups are not kinds of
//! `ffi/abi/kinds.txt` (they have no state to export or store): Kotlin
//! numbers them itself (`StreamKind` in `Media.kt`), frees them with
//! [`Java_org_sotto_Native_streamFree`], and drives the four streams
//! (attachment encryptor and decryptor, backup writer and reader) with the
//! same natives, dispatched on that number.
//!
//! A stream call reads `length` bytes of a `byte[]` from `offset`, and
//! writes its output into another `byte[]` from `outputOffset` on (which
//! must have the room that the `_len` call says, or `BUFFER_TOO_SMALL` and
//! nothing happens), so that an app streaming a large file reuses its two
//! arrays. It returns how many bytes it wrote. The attachment a finished
//! encryptor describes, and the one a descriptor holds, cross as one
//! `byte[]` of [`ATTACHMENT_LEN`] bytes (see [`pack`]).

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong, jlongArray, jobjectArray};
use zeroize::{Zeroize, Zeroizing};

use super::env::{Buffer, Env, Res, entry, handle, ok};
use super::objects::{FreeFn, free_with};
use super::session::handle_out;
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

/// `StreamKind.ATTACHMENT_ENCRYPTOR`: a `sotto_attachment_encryptor`.
pub(super) const ATTACHMENT_ENCRYPTOR: jint = 1;
/// `StreamKind.ATTACHMENT_DECRYPTOR`: a `sotto_attachment_decryptor`.
pub(super) const ATTACHMENT_DECRYPTOR: jint = 2;
/// `StreamKind.ATTACHMENT_READER`: a `sotto_attachment_reader` (random
/// access, not a stream: only [`Java_org_sotto_Native_streamFree`]).
pub(super) const ATTACHMENT_READER: jint = 3;
/// `StreamKind.BACKUP_WRITER`: a `sotto_backup_writer`.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(super) const BACKUP_WRITER: jint = 4;
/// `StreamKind.BACKUP_READER`: a `sotto_backup_reader`.
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(super) const BACKUP_READER: jint = 5;

/// The bytes of an attachment as it crosses (see [`pack`]).
const ATTACHMENT_LEN: usize = 94;

/// The elements `attachmentReaderLocate` returns.
const LOCATION_LEN: usize = 5;

pub(super) type UpdateLenFn<T> = unsafe extern "C" fn(*const T, usize, *mut usize) -> sotto_status;
pub(super) type UpdateFn<T> =
    unsafe extern "C" fn(*mut T, *const u8, usize, *mut u8, usize, *mut usize) -> sotto_status;
pub(super) type FinishLenFn<T> = unsafe extern "C" fn(*const T, *mut usize) -> sotto_status;
pub(super) type FinishFn<T> =
    unsafe extern "C" fn(*mut T, *mut u8, usize, *mut usize) -> sotto_status;

/// A stream of the C ABI that writes into caller buffers: its functions.
pub(super) trait Stream: Sized {
    const UPDATE_LEN: UpdateLenFn<Self>;
    const UPDATE: UpdateFn<Self>;
    const FINISH_LEN: FinishLenFn<Self>;
    const FREE: FreeFn<Self>;
}

/// A stream whose `_finish` writes only bytes (every one but the
/// attachment encryptor, whose `_finish` also describes the attachment).
pub(super) trait Finish: Stream {
    const FINISH: FinishFn<Self>;
}

impl Stream for sotto_attachment_encryptor {
    const UPDATE_LEN: UpdateLenFn<Self> = sotto_attachment_encryptor_update_len;
    const UPDATE: UpdateFn<Self> = sotto_attachment_encryptor_update;
    const FINISH_LEN: FinishLenFn<Self> = sotto_attachment_encryptor_finish_len;
    const FREE: FreeFn<Self> = sotto_attachment_encryptor_free;
}

impl Stream for sotto_attachment_decryptor {
    const UPDATE_LEN: UpdateLenFn<Self> = sotto_attachment_decryptor_update_len;
    const UPDATE: UpdateFn<Self> = sotto_attachment_decryptor_update;
    const FINISH_LEN: FinishLenFn<Self> = sotto_attachment_decryptor_finish_len;
    const FREE: FreeFn<Self> = sotto_attachment_decryptor_free;
}

impl Finish for sotto_attachment_decryptor {
    const FINISH: FinishFn<Self> = sotto_attachment_decryptor_finish;
}

/// Runs `$body` with `$T` bound to the stream type of `$kind`, or fails
/// with `InvalidArgument` for another number (the attachment reader's
/// too: it is not a stream).
macro_rules! stream_kind {
    ($kind:expr, $T:ident => $body:expr) => {
        match $kind {
            ATTACHMENT_ENCRYPTOR => {
                type $T = sotto_attachment_encryptor;
                $body
            }
            ATTACHMENT_DECRYPTOR => {
                type $T = sotto_attachment_decryptor;
                $body
            }
            #[cfg(feature = "store")]
            BACKUP_WRITER => {
                type $T = sotto_backup_writer;
                $body
            }
            #[cfg(feature = "store")]
            BACKUP_READER => {
                type $T = sotto_backup_reader;
                $body
            }
            _ => Err(sotto_status::InvalidArgument),
        }
    };
}

/// A count the library wrote, as an `int` (one beyond `Integer.MAX_VALUE`
/// is `LIMIT_EXCEEDED`).
pub(super) fn int(n: usize) -> Res<jint> {
    jint::try_from(n).map_err(|_| sotto_status::LimitExceeded)
}

/// A length or offset Kotlin passes as a `long`: a negative one is
/// `INVALID_ARGUMENT`.
fn unsigned(n: jlong) -> Res<u64> {
    u64::try_from(n).map_err(|_| sotto_status::InvalidArgument)
}

/// A length or offset the library wrote, as a `long`.
fn long(n: u64) -> Res<jlong> {
    jlong::try_from(n).map_err(|_| sotto_status::LimitExceeded)
}

/// A size the library wrote, as a `long`.
fn size(n: usize) -> Res<jlong> {
    jlong::try_from(n).map_err(|_| sotto_status::LimitExceeded)
}

/// Runs a C call that writes into a buffer of `need` bytes, then copies
/// what it wrote into `output` from `output_offset` on. The room is
/// checked first, so a short array changes nothing.
pub(super) fn into_array(
    env: &Env,
    output: jbyteArray,
    output_offset: jint,
    need: usize,
    f: impl FnOnce(&mut [u8], &mut usize) -> sotto_status,
) -> Res<jint> {
    if env.room(output, output_offset)? < need {
        return Err(sotto_status::BufferTooSmall);
    }
    let mut out = Zeroizing::new(vec![0u8; need]);
    let mut written = 0usize;
    ok(f(&mut out, &mut written))?;
    env.write_at(
        output,
        output_offset,
        out.get(..written).ok_or(sotto_status::Internal)?,
    )?;
    int(written)
}

fn update_len<T: Stream>(h: jlong, input_len: jint) -> Res<jint> {
    let n = usize::try_from(input_len).map_err(|_| sotto_status::InvalidArgument)?;
    let mut need = 0usize;
    // SAFETY: a live handle of this kind, locked by its Kotlin object;
    // `need` is writable.
    ok(unsafe { T::UPDATE_LEN(handle(h), n, &mut need) })?;
    int(need)
}

fn update<T: Stream>(
    env: &Env,
    h: jlong,
    input: &[u8],
    output: jbyteArray,
    output_offset: jint,
) -> Res<jint> {
    let mut need = 0usize;
    // SAFETY: a live handle of this kind, locked by its Kotlin object;
    // `need` is writable.
    ok(unsafe { T::UPDATE_LEN(handle(h), input.len(), &mut need) })?;
    into_array(env, output, output_offset, need, |out, written| {
        // SAFETY: a live, locked handle; `input` and `out` are live
        // buffers of their lengths; `written` is writable.
        unsafe {
            T::UPDATE(
                handle(h),
                input.as_ptr(),
                input.len(),
                out.as_mut_ptr(),
                out.len(),
                written,
            )
        }
    })
}

fn finish_len<T: Stream>(h: jlong) -> Res<usize> {
    let mut need = 0usize;
    // SAFETY: a live handle of this kind, locked by its Kotlin object;
    // `need` is writable.
    ok(unsafe { T::FINISH_LEN(handle(h), &mut need) })?;
    Ok(need)
}

fn finish<T: Finish>(env: &Env, h: jlong, output: jbyteArray, output_offset: jint) -> Res<jint> {
    let need = finish_len::<T>(h)?;
    into_array(env, output, output_offset, need, |out, written| {
        // SAFETY: a live, locked handle; `out` is a live buffer of its
        // length; `written` is writable.
        unsafe { T::FINISH(handle(h), out.as_mut_ptr(), out.len(), written) }
    })
}

/// `Native.streamUpdateLen(kind, handle, inputLen)`: the `_update_len` of
/// the stream's kind (exactly, or at most for the decrypting streams, how
/// many bytes `streamUpdate` writes for `inputLen` more bytes).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_streamUpdateLen(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
    input_len: jint,
) -> jint {
    entry(
        env,
        0,
        |_| stream_kind!(kind, T => update_len::<T>(handle, input_len)),
    )
}

/// `Native.streamUpdate(kind, handle, input, offset, length, output,
/// outputOffset)`: the `_update` of the stream's kind, from `length` bytes
/// of `input` at `offset` into `output` at `outputOffset`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_streamUpdate(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
    input: jbyteArray,
    offset: jint,
    length: jint,
    output: jbyteArray,
    output_offset: jint,
) -> jint {
    entry(env, 0, |env| {
        let input = env.bytes_in(input, offset, length)?;
        stream_kind!(kind, T => update::<T>(env, handle, &input, output, output_offset))
    })
}

/// `Native.streamFinishLen(kind, handle)`: the `_finish_len` of the
/// stream's kind.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_streamFinishLen(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
) -> jint {
    entry(
        env,
        0,
        |_| stream_kind!(kind, T => finish_len::<T>(handle).and_then(int)),
    )
}

/// `Native.streamFinish(kind, handle, output, outputOffset)`: the
/// `_finish` of the decrypting streams and the backup writer, into
/// `output` at `outputOffset`. The attachment encryptor is
/// `INVALID_ARGUMENT`: it finishes with `attachmentEncryptorFinish`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_streamFinish(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
    output: jbyteArray,
    output_offset: jint,
) -> jint {
    entry(env, 0, |env| match kind {
        ATTACHMENT_DECRYPTOR => {
            finish::<sotto_attachment_decryptor>(env, handle, output, output_offset)
        }
        #[cfg(feature = "store")]
        BACKUP_WRITER => finish::<sotto_backup_writer>(env, handle, output, output_offset),
        #[cfg(feature = "store")]
        BACKUP_READER => finish::<sotto_backup_reader>(env, handle, output, output_offset),
        _ => Err(sotto_status::InvalidArgument),
    })
}

/// `Native.streamFree(kind, handle)`: frees (and wipes) a handle of this
/// file's kinds or `backup.rs`'s; 0 does nothing.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_streamFree(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
) {
    entry(env, (), |_| match kind {
        ATTACHMENT_READER => free_with(handle, sotto_attachment_reader_free),
        _ => stream_kind!(kind, T => free_with(handle, T::FREE)),
    })
}

/// An attachment as it crosses: `key (32) ‖ ciphertext_sha256 (32) ‖
/// plaintext_len (8) ‖ ciphertext_len (8) ‖ has_dimensions (1) ‖ width (4)
/// ‖ height (4) ‖ has_duration (1) ‖ duration_ms (4)`, numbers big-endian,
/// flags 0 or 1 (94 bytes). It holds the key: wiped when dropped.
fn pack(a: &sotto_attachment) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(ATTACHMENT_LEN));
    out.extend_from_slice(&a.key);
    out.extend_from_slice(&a.ciphertext_sha256);
    out.extend_from_slice(&a.plaintext_len.to_be_bytes());
    out.extend_from_slice(&a.ciphertext_len.to_be_bytes());
    out.push(a.has_dimensions);
    out.extend_from_slice(&a.width.to_be_bytes());
    out.extend_from_slice(&a.height.to_be_bytes());
    out.push(a.has_duration);
    out.extend_from_slice(&a.duration_ms.to_be_bytes());
    out
}

/// A `sotto_attachment` whose key is wiped when dropped.
struct Wiped(sotto_attachment);

impl Drop for Wiped {
    fn drop(&mut self) {
        self.0.key.zeroize();
    }
}

/// Reads [`pack`]'s layout; another length is `INVALID_ARGUMENT` (the
/// flags are checked by the C function).
fn unpack(bytes: &[u8]) -> Res<Wiped> {
    if bytes.len() != ATTACHMENT_LEN {
        return Err(sotto_status::InvalidArgument);
    }
    let mut at = 0usize;
    let mut take = |n: usize| -> Res<&[u8]> {
        let end = at.checked_add(n).ok_or(sotto_status::Internal)?;
        let part = bytes.get(at..end).ok_or(sotto_status::Internal)?;
        at = end;
        Ok(part)
    };
    let mut a = Wiped(sotto_attachment::default());
    a.0.key.copy_from_slice(take(32)?);
    a.0.ciphertext_sha256.copy_from_slice(take(32)?);
    let u64_at = |b: &[u8]| b.try_into().map(u64::from_be_bytes);
    let u32_at = |b: &[u8]| b.try_into().map(u32::from_be_bytes);
    let bad = |_| sotto_status::Internal;
    a.0.plaintext_len = u64_at(take(8)?).map_err(bad)?;
    a.0.ciphertext_len = u64_at(take(8)?).map_err(bad)?;
    a.0.has_dimensions = *take(1)?.first().ok_or(sotto_status::Internal)?;
    a.0.width = u32_at(take(4)?).map_err(bad)?;
    a.0.height = u32_at(take(4)?).map_err(bad)?;
    a.0.has_duration = *take(1)?.first().ok_or(sotto_status::Internal)?;
    a.0.duration_ms = u32_at(take(4)?).map_err(bad)?;
    Ok(a)
}

/// `sotto_attachment_encryptor_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentEncryptorNew(
    env: *mut JNIEnv,
    _: jclass,
) -> jlong {
    // SAFETY: `out` is writable.
    entry(env, 0, |_| {
        handle_out(|out| unsafe { sotto_attachment_encryptor_new(out) })
    })
}

/// `sotto_attachment_encryptor_finish`: the blob's last bytes into
/// `output` at `outputOffset` (their count is returned), and the
/// attachment (as [`pack`] lays it out) into `attachment[0]`, which is
/// checked before the call.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentEncryptorFinish(
    env: *mut JNIEnv,
    _: jclass,
    encryptor: jlong,
    output: jbyteArray,
    output_offset: jint,
    attachment: jobjectArray,
) -> jint {
    entry(env, 0, |env| {
        env.set_object(attachment, core::ptr::null_mut())?;
        let need = finish_len::<sotto_attachment_encryptor>(encryptor)?;
        let mut done = Wiped(sotto_attachment::default());
        let n = into_array(env, output, output_offset, need, |out, written| {
            // SAFETY: a live, locked encryptor; `out` is a live buffer of
            // its length; `written` and `done` are writable.
            unsafe {
                sotto_attachment_encryptor_finish(
                    handle(encryptor),
                    out.as_mut_ptr(),
                    out.len(),
                    written,
                    &mut done.0,
                )
            }
        })?;
        let packed = env.array(&pack(&done.0))?;
        env.set_object(attachment, packed)?;
        Ok(n)
    })
}

/// `sotto_attachment_descriptor_encode`: `attachment` as [`pack`] lays it
/// out, the media type (printable ASCII) and a thumbnail (empty: none).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentDescriptorEncode(
    env: *mut JNIEnv,
    _: jclass,
    attachment: jbyteArray,
    media_type: jbyteArray,
    thumbnail: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let a = unpack(&env.bytes(attachment)?)?;
        let m = env.bytes(media_type)?;
        let t = env.bytes(thumbnail)?;
        let mut out = Buffer::new();
        // SAFETY: `a` is a live attachment; live buffers of their lengths;
        // `out` is writable.
        ok(unsafe {
            sotto_attachment_descriptor_encode(
                &a.0,
                m.as_ptr(),
                m.len(),
                t.as_ptr(),
                t.len(),
                &mut out.0,
            )
        })?;
        env.take(out)
    })
}

/// `sotto_attachment_descriptor_decode`: the attachment as [`pack`] lays
/// it out, with the media type in `parts[0]` and the thumbnail (`null` if
/// none) in `parts[1]`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentDescriptorDecode(
    env: *mut JNIEnv,
    _: jclass,
    descriptor: jbyteArray,
    parts: jobjectArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let d = env.bytes(descriptor)?;
        env.set_objects(parts, &[core::ptr::null_mut(), core::ptr::null_mut()])?;
        let mut a = Wiped(sotto_attachment::default());
        let (mut media, mut thumb) = (Buffer::new(), Buffer::new());
        // SAFETY: a live buffer of its length; writable outputs.
        ok(unsafe {
            sotto_attachment_descriptor_decode(
                d.as_ptr(),
                d.len(),
                &mut a.0,
                &mut media.0,
                &mut thumb.0,
            )
        })?;
        let thumb = if thumb.0.len == 0 {
            core::ptr::null_mut()
        } else {
            env.take(thumb)?
        };
        let media = env.take(media)?;
        env.set_objects(parts, &[media, thumb])?;
        env.array(&pack(&a.0))
    })
}

/// `sotto_attachment_decryptor_new`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentDecryptorNew(
    env: *mut JNIEnv,
    _: jclass,
    descriptor: jbyteArray,
) -> jlong {
    entry(env, 0, |env| {
        let d = env.bytes(descriptor)?;
        // SAFETY: a live buffer of its length; `out` is writable.
        handle_out(|out| unsafe { sotto_attachment_decryptor_new(d.as_ptr(), d.len(), out) })
    })
}

/// `sotto_attachment_reader_new`: `header` is the blob's first
/// `SOTTO_CHUNK_HEADER_LEN` bytes; a negative `blobLen` is
/// `INVALID_ARGUMENT`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentReaderNew(
    env: *mut JNIEnv,
    _: jclass,
    descriptor: jbyteArray,
    header: jbyteArray,
    blob_len: jlong,
) -> jlong {
    entry(env, 0, |env| {
        let d = env.bytes(descriptor)?;
        let h = env.bytes(header)?;
        let len = unsigned(blob_len)?;
        // SAFETY: live buffers of their lengths; `out` is writable.
        handle_out(|out| unsafe {
            sotto_attachment_reader_new(d.as_ptr(), d.len(), h.as_ptr(), h.len(), len, out)
        })
    })
}

/// `sotto_attachment_reader_locate`: `[index, blob_offset, blob_len,
/// plaintext_offset, plaintext_len]` of the chunk holding plaintext byte
/// `offset`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentReaderLocate(
    env: *mut JNIEnv,
    _: jclass,
    reader: jlong,
    offset: jlong,
) -> jlongArray {
    entry(env, core::ptr::null_mut(), |env| {
        let at = unsigned(offset)?;
        let mut l = sotto_chunk_location::default();
        // SAFETY: a live, locked reader; `l` is writable.
        ok(unsafe { sotto_attachment_reader_locate(handle(reader), at, &mut l) })?;
        let values: [jlong; LOCATION_LEN] = [
            long(l.index)?,
            long(l.blob_offset)?,
            size(l.blob_len)?,
            long(l.plaintext_offset)?,
            size(l.plaintext_len)?,
        ];
        env.long_array(&values)
    })
}

/// `sotto_attachment_reader_decrypt`: chunk `index` from the bytes read
/// where `attachmentReaderLocate` said, its plaintext into `output` at
/// `outputOffset` (room for a whole chunk's, `SOTTO_CHUNK_LEN`, is always
/// enough); returns the plaintext's length.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_attachmentReaderDecrypt(
    env: *mut JNIEnv,
    _: jclass,
    reader: jlong,
    index: jlong,
    chunk: jbyteArray,
    output: jbyteArray,
    output_offset: jint,
) -> jint {
    entry(env, 0, |env| {
        let i = unsigned(index)?;
        let c = env.bytes(chunk)?;
        let need = env.room(output, output_offset)?.min(SOTTO_CHUNK_LEN);
        into_array(env, output, output_offset, need, |out, written| {
            // SAFETY: a live, locked reader; live buffers of their
            // lengths; `written` is writable.
            unsafe {
                sotto_attachment_reader_decrypt(
                    handle(reader),
                    i,
                    c.as_ptr(),
                    c.len(),
                    out.as_mut_ptr(),
                    out.len(),
                    written,
                )
            }
        })
    })
}
