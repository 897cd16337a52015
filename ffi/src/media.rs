//! Attachments: streaming encryption and decryption into caller buffers
//! (init, update, finish: no allocation per chunk), the descriptor codec,
//! and random access by chunks the caller reads itself.

use sotto::attachment::{self, AttachmentDecryptor, AttachmentEncryptor, EncryptedAttachment};
use sotto::chunked::ChunkIndex;
use sotto::envelope::AttachmentDescriptor;
use sotto::{Content, Zeroizing};

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{ptr, stream};

/// Plaintext bytes per chunk of an encrypted stream (attachments, backups).
pub const SOTTO_CHUNK_LEN: usize = 16384;
/// Bytes of an encrypted stream's header (salt and key commitment).
pub const SOTTO_CHUNK_HEADER_LEN: usize = 56;

const _: () = assert!(
    SOTTO_CHUNK_LEN == sotto::chunked::CHUNK_LEN
        && SOTTO_CHUNK_HEADER_LEN == sotto::chunked::HEADER_LEN
);

/// What an attachment's descriptor holds besides its media type and
/// thumbnail. `key` is secret: wipe the struct when done with it.
/// `has_dimensions` and `has_duration` are 0 or 1.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct sotto_attachment {
    /// The blob's key.
    pub key: [u8; 32],
    /// SHA-256 of the blob, as uploaded.
    pub ciphertext_sha256: [u8; 32],
    /// The plaintext's length.
    pub plaintext_len: u64,
    /// The blob's length (from the plaintext length).
    pub ciphertext_len: u64,
    /// 1 if `width` and `height` are set.
    pub has_dimensions: u8,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 1 if `duration_ms` is set.
    pub has_duration: u8,
    /// Duration in milliseconds.
    pub duration_ms: u32,
}

impl core::fmt::Debug for sotto_attachment {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("sotto_attachment")
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

fn flag<T>(flag: u8, value: T) -> Result<Option<T>, sotto_status> {
    match flag {
        0 => Ok(None),
        1 => Ok(Some(value)),
        _ => Err(sotto_status::InvalidArgument),
    }
}

fn from_done(done: &EncryptedAttachment) -> sotto_attachment {
    sotto_attachment {
        key: *done.key,
        ciphertext_sha256: done.ciphertext_sha256,
        plaintext_len: done.plaintext_len,
        ciphertext_len: done.ciphertext_len,
        ..sotto_attachment::default()
    }
}

/// Reads a descriptor from its encoding: the body of an attachment
/// content (`SOTTO_CONTENT_ATTACHMENT`).
pub(crate) fn descriptor(bytes: &[u8]) -> Result<AttachmentDescriptor, sotto_status> {
    match Content::from_body(sotto::envelope::CONTENT_ATTACHMENT, bytes)? {
        Content::Attachment(d) => Ok(d),
        _ => Err(sotto_status::Internal),
    }
}

/// Streaming encryption of one attachment under a fresh key.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_attachment_encryptor {
    pub(crate) inner: AttachmentEncryptor,
}

/// Streaming decryption of one attachment against its descriptor.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_attachment_decryptor {
    pub(crate) inner: AttachmentDecryptor,
}

/// Random access to an attachment by chunks the caller reads.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_attachment_reader {
    inner: ChunkIndex,
}

/// Where one chunk of a blob lies (`sotto_attachment_reader_locate`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sotto_chunk_location {
    /// The chunk's index.
    pub index: u64,
    /// Where its bytes start in the blob.
    pub blob_offset: u64,
    /// How many bytes of the blob it has.
    pub blob_len: usize,
    /// The first plaintext byte it holds.
    pub plaintext_offset: u64,
    /// How many plaintext bytes it holds.
    pub plaintext_len: usize,
}

/// Starts encrypting an attachment under a fresh random key.
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_new(
    out: *mut *mut sotto_attachment_encryptor,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_attachment_encryptor {
            inner: AttachmentEncryptor::new(&mut OsRng)?,
        });
        Ok(())
    })
}

/// Writes into `*out_len` exactly how many bytes
/// `sotto_attachment_encryptor_update` writes for `input_len` more bytes.
///
/// # Safety
///
/// `encryptor` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_update_len(
    encryptor: *const sotto_attachment_encryptor,
    input_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update_len(encryptor, input_len, out_len) }
}

/// Encrypts `input` into `out` (capacity `out_cap`, at least what
/// `_update_len` says, or `SOTTO_STATUS_BUFFER_TOO_SMALL` and nothing
/// happens) and writes the bytes produced into `*written`. The blob's first
/// bytes (its header) come out of the first call.
///
/// # Safety
///
/// `encryptor` is NULL or live; `input` is NULL or has `input_len`
/// readable bytes; `out` is NULL or has `out_cap` writable bytes;
/// `written` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_update(
    encryptor: *mut sotto_attachment_encryptor,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update(encryptor, input, input_len, out, out_cap, written) }
}

/// Writes into `*out_len` exactly how many bytes
/// `sotto_attachment_encryptor_finish` writes.
///
/// # Safety
///
/// `encryptor` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_finish_len(
    encryptor: *const sotto_attachment_encryptor,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::finish_len(encryptor, out_len) }
}

/// Writes the blob's last bytes into `out` (at least what `_finish_len`
/// says), their count into `*written`, and the key, SHA-256 and lengths
/// into `*attachment` (no dimensions or duration: set them before
/// `sotto_attachment_descriptor_encode`). After it, the encryptor only
/// answers `SOTTO_STATUS_STREAM_CLOSED`.
///
/// # Safety
///
/// `encryptor` is NULL or live; `out` is NULL or has `out_cap` writable
/// bytes; `written` and `attachment` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_finish(
    encryptor: *mut sotto_attachment_encryptor,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
    attachment: *mut sotto_attachment,
) -> sotto_status {
    // SAFETY: caller contract.
    let Ok(attachment) = (unsafe { ptr::out(attachment) }) else {
        return boundary(|| Err(sotto_status::NullParameter));
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        stream::finish(encryptor, out, out_cap, written, |e, out| {
            let (n, done) = e.inner.finish(out)?;
            *attachment = from_done(&done);
            Ok(n)
        })
    }
}

/// Frees an encryptor, wiping its key and buffered plaintext, and sets
/// `*encryptor` to NULL.
///
/// # Safety
///
/// `encryptor` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_encryptor_free(
    encryptor: *mut *mut sotto_attachment_encryptor,
) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(encryptor) });
}

/// Encodes a descriptor (the body of a `SOTTO_CONTENT_ATTACHMENT` content)
/// from `attachment`, a media type (1 to 127 printable ASCII bytes, for
/// example `image/jpeg`) and an optional thumbnail (NULL, 0 for none; at
/// most 64 KiB).
///
/// # Safety
///
/// `attachment` is NULL or readable; `media_type` and `thumbnail` are NULL
/// or have their lengths' readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_descriptor_encode(
    attachment: *const sotto_attachment,
    media_type: *const u8,
    media_type_len: usize,
    thumbnail: *const u8,
    thumbnail_len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let a = unsafe { ptr::handle(attachment) }?;
        // SAFETY: caller contract.
        let media = unsafe { ptr::slice(media_type, media_type_len) }?;
        // SAFETY: caller contract.
        let thumb = unsafe { ptr::slice(thumbnail, thumbnail_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let d = AttachmentDescriptor {
            key: Zeroizing::new(a.key),
            ciphertext_sha256: a.ciphertext_sha256,
            plaintext_len: a.plaintext_len,
            media_type: core::str::from_utf8(media)
                .map_err(|_| sotto_status::Malformed)?
                .into(),
            thumbnail: (!thumb.is_empty()).then(|| Zeroizing::new(thumb.to_vec())),
            dimensions: flag(a.has_dimensions, (a.width, a.height))?,
            duration_ms: flag(a.has_duration, a.duration_ms)?,
        };
        let content = Content::Attachment(d);
        *out = sotto_buffer::from_vec(content.body()?.to_vec());
        Ok(())
    })
}

/// Decodes a descriptor: `*attachment` gets its fields, `*media_type` and
/// `*thumbnail` (each NULL to skip) buffers with the media type and the
/// thumbnail (empty if none).
///
/// # Safety
///
/// `descriptor` is NULL or has `len` readable bytes; `attachment` is NULL
/// or writable; `media_type` and `thumbnail` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_descriptor_decode(
    descriptor_bytes: *const u8,
    len: usize,
    attachment: *mut sotto_attachment,
    media_type: *mut sotto_buffer,
    thumbnail: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(descriptor_bytes, len) }?;
        // SAFETY: caller contract.
        let a = unsafe { ptr::out(attachment) }?;
        let d = descriptor(bytes)?;
        let (w, h) = d.dimensions.unwrap_or((0, 0));
        *a = sotto_attachment {
            key: *d.key,
            ciphertext_sha256: d.ciphertext_sha256,
            plaintext_len: d.plaintext_len,
            ciphertext_len: sotto::chunked::ciphertext_len(d.plaintext_len)
                .ok_or(sotto_status::Malformed)?,
            has_dimensions: u8::from(d.dimensions.is_some()),
            width: w,
            height: h,
            has_duration: u8::from(d.duration_ms.is_some()),
            duration_ms: d.duration_ms.unwrap_or(0),
        };
        // SAFETY: caller contract.
        if let Some(m) = unsafe { ptr::out_mut(media_type) } {
            *m = sotto_buffer::from_vec(d.media_type.as_bytes().to_vec());
        }
        // SAFETY: caller contract.
        if let Some(t) = unsafe { ptr::out_mut(thumbnail) } {
            *t = sotto_buffer::from_vec(
                d.thumbnail.as_ref().map(|t| t.to_vec()).unwrap_or_default(),
            );
        }
        Ok(())
    })
}

/// Starts decrypting the blob a descriptor (its encoding) describes.
///
/// # Safety
///
/// `descriptor_bytes` is NULL or has `len` readable bytes; `out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_new(
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
            inner: AttachmentDecryptor::new(&descriptor(bytes)?)?,
        });
        Ok(())
    })
}

/// Writes into `*out_len` at most how many bytes
/// `sotto_attachment_decryptor_update` writes for `input_len` more bytes.
///
/// # Safety
///
/// `decryptor` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_update_len(
    decryptor: *const sotto_attachment_decryptor,
    input_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update_len(decryptor, input_len, out_len) }
}

/// Takes the next `input_len` bytes of the blob and writes the plaintext of
/// every chunk they complete into `out`, its length into `*written`. Each
/// chunk is authenticated before it is written; the blob as a whole only at
/// `_finish`: on any error discard what came out. A wrong key is
/// `SOTTO_STATUS_WRONG_KEY` before anything is decrypted; data beyond the
/// descriptor's length, `SOTTO_STATUS_MALFORMED`; a chunk that does not
/// verify, `SOTTO_STATUS_DECRYPT_FAILED`. After an error every call fails.
///
/// # Safety
///
/// As for `sotto_attachment_encryptor_update`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_update(
    decryptor: *mut sotto_attachment_decryptor,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update(decryptor, input, input_len, out, out_cap, written) }
}

/// Writes into `*out_len` at most how many bytes
/// `sotto_attachment_decryptor_finish` writes.
///
/// # Safety
///
/// `decryptor` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_finish_len(
    decryptor: *const sotto_attachment_decryptor,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::finish_len(decryptor, out_len) }
}

/// Ends the blob: checks its length (`SOTTO_STATUS_MALFORMED` if short) and
/// SHA-256 (`SOTTO_STATUS_DECRYPT_FAILED`), then writes the last chunk's
/// plaintext into `out` and its length into `*written`.
///
/// # Safety
///
/// `decryptor` is NULL or live; `out` is NULL or has `out_cap` writable
/// bytes; `written` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_finish(
    decryptor: *mut sotto_attachment_decryptor,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        stream::finish(decryptor, out, out_cap, written, |d, out| {
            Ok(d.inner.finish(out)?)
        })
    }
}

/// Frees a decryptor, wiping it, and sets `*decryptor` to NULL.
///
/// # Safety
///
/// `decryptor` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_decryptor_free(
    decryptor: *mut *mut sotto_attachment_decryptor,
) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(decryptor) });
}

/// Opens a blob of `blob_len` bytes for random access, from its first
/// `SOTTO_CHUNK_HEADER_LEN` bytes: the length comes from the descriptor
/// (`SOTTO_STATUS_MALFORMED` if the blob's disagrees), the key is checked
/// by the commitment (`SOTTO_STATUS_WRONG_KEY`).
///
/// # Safety
///
/// `descriptor_bytes` is NULL or has `len` readable bytes; `header` is NULL
/// or has `header_len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_reader_new(
    descriptor_bytes: *const u8,
    len: usize,
    header: *const u8,
    header_len: usize,
    blob_len: u64,
    out: *mut *mut sotto_attachment_reader,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(descriptor_bytes, len) }?;
        // SAFETY: caller contract.
        let header = unsafe { ptr::slice(header, header_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let d = descriptor(bytes)?;
        *out = ptr::into_handle(sotto_attachment_reader {
            inner: attachment::open_index(&d, header, blob_len)?,
        });
        Ok(())
    })
}

/// Writes into `*location` where the chunk holding plaintext byte `offset`
/// lies; `SOTTO_STATUS_INVALID_ARGUMENT` at or past the end.
///
/// # Safety
///
/// `reader` is NULL or live; `location` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_reader_locate(
    reader: *const sotto_attachment_reader,
    offset: u64,
    location: *mut sotto_chunk_location,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let r = unsafe { ptr::handle(reader) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(location) }?;
        let l = r
            .inner
            .locate(offset)
            .ok_or(sotto_status::InvalidArgument)?;
        *out = sotto_chunk_location {
            index: l.index,
            blob_offset: l.stream_offset,
            blob_len: l.stream_len,
            plaintext_offset: l.plaintext_offset,
            plaintext_len: l.plaintext_len,
        };
        Ok(())
    })
}

/// Decrypts chunk `index` from the `chunk_len` bytes the caller read where
/// `_locate` said, into `out` (at least the chunk's plaintext length), and
/// writes that length into `*written`. Bytes that do not verify at this
/// index: `SOTTO_STATUS_DECRYPT_FAILED`.
///
/// # Safety
///
/// `reader` is NULL or live; `chunk` is NULL or has `chunk_len` readable
/// bytes; `out` is NULL or has `out_cap` writable bytes; `written` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_reader_decrypt(
    reader: *const sotto_attachment_reader,
    index: u64,
    chunk: *const u8,
    chunk_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let r = unsafe { ptr::handle(reader) }?;
        // SAFETY: caller contract.
        let chunk = unsafe { ptr::slice(chunk, chunk_len) }?;
        // SAFETY: caller contract.
        let written = unsafe { ptr::out(written) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes_or_empty(out, out_cap) }?;
        *written = r.inner.decrypt_chunk(index, chunk, out)?;
        Ok(())
    })
}

/// Frees a reader and sets `*reader` to NULL.
///
/// # Safety
///
/// `reader` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_attachment_reader_free(reader: *mut *mut sotto_attachment_reader) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(reader) });
}

crate::stream::inner_stream!(sotto_attachment_encryptor, sotto_attachment_decryptor);
