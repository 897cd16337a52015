//! Encrypted backups: the backup key and its digits, a store's backup
//! written as a stream into caller buffers, and a backup read as a stream
//! and restored into a new store.

use sotto::Zeroizing;
use sotto::backup::{Argon2Params, BackupDecryptor, BackupEncryptor, BackupKey, BackupSecret};

use crate::buffer::sotto_buffer;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::store::sotto_store;
use crate::{copy_out, ptr, stream};

/// Bytes of a backup key.
pub const SOTTO_BACKUP_KEY_LEN: usize = 32;
/// Bytes `sotto_backup_key_to_digits` writes: 68 hex digits in 17 groups of
/// 4 separated by spaces, and a NUL.
pub const SOTTO_BACKUP_KEY_DIGITS_LEN: usize = 85;

const _: () = assert!(SOTTO_BACKUP_KEY_DIGITS_LEN == sotto::backup::BACKUP_KEY_DIGITS + 16 + 1);
/// Argon2id's default memory, KiB (`sotto_argon2_params`, NULL params).
pub const SOTTO_ARGON2_DEFAULT_MEMORY_KIB: u32 = 65536;
/// Argon2id's default passes.
pub const SOTTO_ARGON2_DEFAULT_PASSES: u32 = 3;
/// Argon2id's default lanes.
pub const SOTTO_ARGON2_DEFAULT_LANES: u32 = 1;
/// Argon2id's least memory, KiB (OWASP's minimum).
pub const SOTTO_ARGON2_MIN_MEMORY_KIB: u32 = 19456;
/// Argon2id's fewest passes.
pub const SOTTO_ARGON2_MIN_PASSES: u32 = 2;
/// Argon2id's most memory, KiB.
pub const SOTTO_ARGON2_MAX_MEMORY_KIB: u32 = 262144;
/// Argon2id's most passes.
pub const SOTTO_ARGON2_MAX_PASSES: u32 = 16;
/// Argon2id's most lanes.
pub const SOTTO_ARGON2_MAX_LANES: u32 = 8;

const _: () = {
    use sotto::backup as b;
    assert!(SOTTO_ARGON2_DEFAULT_MEMORY_KIB == b::Argon2Params::DEFAULT.memory_kib);
    assert!(SOTTO_ARGON2_DEFAULT_PASSES == b::Argon2Params::DEFAULT.passes);
    assert!(SOTTO_ARGON2_DEFAULT_LANES == b::Argon2Params::DEFAULT.lanes);
    assert!(SOTTO_ARGON2_MIN_MEMORY_KIB == b::ARGON2_MIN_MEMORY_KIB);
    assert!(SOTTO_ARGON2_MIN_PASSES == b::ARGON2_MIN_PASSES);
    assert!(SOTTO_ARGON2_MAX_MEMORY_KIB == b::ARGON2_MAX_MEMORY_KIB);
    assert!(SOTTO_ARGON2_MAX_PASSES == b::ARGON2_MAX_PASSES);
    assert!(SOTTO_ARGON2_MAX_LANES == b::ARGON2_MAX_LANES);
};

/// Restored names (`sotto_store_restore`): a contact.
pub const SOTTO_RESTORED_CONTACT: u8 = 1;
/// Restored names (`sotto_store_restore`): a group.
pub const SOTTO_RESTORED_GROUP: u8 = 2;

/// Argon2id's cost for a password backup: memory in KiB, passes, lanes.
/// Bounds and the default (64 MiB, 3, 1) are in `docs/PROTOCOL.md` §17.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_argon2_params {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub passes: u32,
    /// Lanes.
    pub lanes: u32,
}

/// A backup being written.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_backup_writer {
    inner: BackupEncryptor,
}

/// A backup being read; once finished, it holds the state a restore writes.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_backup_reader {
    inner: BackupDecryptor,
    state: Option<Zeroizing<Vec<u8>>>,
}

/// A backup key, or a password and its cost.
type SecretParts<'a> = (Option<BackupKey>, Option<(&'a [u8], Argon2Params)>);

/// The secret from a key (32 bytes) or a password: exactly one of the two.
///
/// # Safety
///
/// `key` is NULL or has 32 readable bytes; `password` is NULL or has
/// `password_len` readable bytes; `params` is NULL or readable.
unsafe fn secret_parts<'a>(
    key: *const u8,
    password: *const u8,
    password_len: usize,
    params: *const sotto_argon2_params,
) -> Result<SecretParts<'a>, sotto_status> {
    let params = if params.is_null() {
        Argon2Params::DEFAULT
    } else {
        // SAFETY: caller contract.
        let p = unsafe { ptr::handle(params) }?;
        Argon2Params {
            memory_kib: p.memory_kib,
            passes: p.passes,
            lanes: p.lanes,
        }
    };
    match (key.is_null(), password.is_null()) {
        (false, true) => {
            // SAFETY: caller contract.
            let k = unsafe { ptr::array::<32>(key) }?;
            Ok((Some(BackupKey::from_bytes(k)), None))
        }
        (true, false) => {
            // SAFETY: caller contract.
            let p = unsafe { ptr::slice(password, password_len) }?;
            Ok((None, Some((p, params))))
        }
        (true, true) => Err(sotto_status::NullParameter),
        (false, false) => Err(sotto_status::InvalidArgument),
    }
}

fn with_secret<T>(
    parts: SecretParts<'_>,
    f: impl FnOnce(BackupSecret<'_>) -> Result<T, sotto_status>,
) -> Result<T, sotto_status> {
    match parts {
        (Some(k), _) => f(BackupSecret::Key(&k)),
        (None, Some((p, params))) => f(BackupSecret::Password(p, params)),
        (None, None) => Err(sotto_status::NullParameter),
    }
}

/// Writes a new random backup key (32 bytes) into `out` (`out_len` ≥ 32).
///
/// # Safety
///
/// `out` is NULL or has `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_key_generate(out: *mut u8, out_len: usize) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, BackupKey::generate(&mut OsRng).as_bytes())
    })
}

/// Writes the key as the user writes it down (68 hex digits in groups of 4,
/// NUL-terminated) into `out` (`out_len` ≥ `SOTTO_BACKUP_KEY_DIGITS_LEN`).
///
/// # Safety
///
/// `key` is NULL or has 32 readable bytes; `out` is NULL or has `out_len`
/// writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_key_to_digits(
    key: *const u8,
    out: *mut core::ffi::c_char,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let key = unsafe { ptr::array::<32>(key) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out.cast::<u8>(), out_len) }?;
        let digits = BackupKey::from_bytes(key).to_digits();
        let mut bytes = Zeroizing::new(digits.as_bytes().to_vec());
        bytes.push(0);
        copy_out(out, &bytes)
    })
}

/// Reads a written-down key (case, spaces and hyphens ignored) into `out`
/// (`out_len` ≥ 32). A mistyped digit fails the checksum:
/// `SOTTO_STATUS_MALFORMED`.
///
/// # Safety
///
/// `digits` is NULL or has `len` readable bytes; `out` is NULL or has
/// `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_key_from_digits(
    digits: *const u8,
    len: usize,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let digits = unsafe { ptr::slice(digits, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        let text = core::str::from_utf8(digits).map_err(|_| sotto_status::Malformed)?;
        copy_out(out, BackupKey::from_digits(text)?.as_bytes())
    })
}

/// Starts a backup of `store` under a backup key (`key`, 32 bytes) or a
/// password (`password`, with Argon2id at `params`, NULL for the default):
/// exactly one of `key` and `password`. The store's restorable state is
/// taken now; feed the app's own export with `_update`.
///
/// # Safety
///
/// `store` is NULL or live; `key` is NULL or has 32 readable bytes;
/// `password` is NULL or has `password_len` readable bytes; `params` is
/// NULL or readable; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_backup_new(
    store: *const sotto_store,
    key: *const u8,
    password: *const u8,
    password_len: usize,
    params: *const sotto_argon2_params,
    out: *mut *mut sotto_backup_writer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let store = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let parts = unsafe { secret_parts(key, password, password_len, params) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let state = store.inner.backup_state()?;
        let inner = with_secret(parts, |s| Ok(BackupEncryptor::new(&mut OsRng, s, &state)?))?;
        *out = ptr::into_handle(sotto_backup_writer { inner });
        Ok(())
    })
}

/// Writes into `*out_len` exactly how many bytes `sotto_backup_writer_update`
/// writes for `input_len` more bytes (the first call also writes the header
/// and the store's state).
///
/// # Safety
///
/// `writer` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_writer_update_len(
    writer: *const sotto_backup_writer,
    input_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update_len(writer, input_len, out_len) }
}

/// Encrypts the next `input_len` bytes of the app's export into `out`.
///
/// # Safety
///
/// `writer` is NULL or live; `input` is NULL or has `input_len` readable
/// bytes; `out` is NULL or has `out_cap` writable bytes; `written` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_writer_update(
    writer: *mut sotto_backup_writer,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update(writer, input, input_len, out, out_cap, written) }
}

/// Writes into `*out_len` exactly how many bytes `sotto_backup_writer_finish`
/// writes.
///
/// # Safety
///
/// `writer` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_writer_finish_len(
    writer: *const sotto_backup_writer,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::finish_len(writer, out_len) }
}

/// Ends the backup, writing its last bytes into `out`.
///
/// # Safety
///
/// `writer` is NULL or live; `out` is NULL or has `out_cap` writable bytes;
/// `written` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_writer_finish(
    writer: *mut sotto_backup_writer,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        stream::finish(writer, out, out_cap, written, |w, out| {
            Ok(w.inner.finish(out)?)
        })
    }
}

/// Frees a writer, wiping it, and sets `*writer` to NULL.
///
/// # Safety
///
/// `writer` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_writer_free(writer: *mut *mut sotto_backup_writer) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(writer) });
}

/// Starts reading a backup with its key (32 bytes) or password (1 to 1024
/// bytes; `(NULL, 0)` is no password): exactly one of the two (a password's
/// cost comes from the backup's header).
///
/// # Safety
///
/// `key` is NULL or has 32 readable bytes; `password` is NULL or has
/// `password_len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_new(
    key: *const u8,
    password: *const u8,
    password_len: usize,
    out: *mut *mut sotto_backup_reader,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let parts = unsafe { secret_parts(key, password, password_len, core::ptr::null()) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let inner = with_secret(parts, |s| Ok(BackupDecryptor::new(s)?))?;
        *out = ptr::into_handle(sotto_backup_reader { inner, state: None });
        Ok(())
    })
}

/// Writes into `*out_len` at most how many bytes `sotto_backup_reader_update`
/// writes for `input_len` more bytes.
///
/// # Safety
///
/// `reader` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_update_len(
    reader: *const sotto_backup_reader,
    input_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update_len(reader, input_len, out_len) }
}

/// Takes the next `input_len` bytes of the backup and writes the app's
/// export they complete into `out`. Not a backup:
/// `SOTTO_STATUS_WRONG_TYPE`; cost parameters beyond the bounds:
/// `SOTTO_STATUS_LIMIT_EXCEEDED` (before any work); a wrong key or
/// password: `SOTTO_STATUS_WRONG_KEY` (before any output); a damaged
/// backup: `SOTTO_STATUS_DECRYPT_FAILED`. On an error, discard the export
/// written so far.
///
/// # Safety
///
/// `reader` is NULL or live; `input` is NULL or has `input_len` readable
/// bytes; `out` is NULL or has `out_cap` writable bytes; `written` is NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_update(
    reader: *mut sotto_backup_reader,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::update(reader, input, input_len, out, out_cap, written) }
}

/// Writes into `*out_len` at most how many bytes `sotto_backup_reader_finish`
/// writes.
///
/// # Safety
///
/// `reader` is NULL or live; `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_finish_len(
    reader: *const sotto_backup_reader,
    out_len: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { stream::finish_len(reader, out_len) }
}

/// Ends the backup: writes the export's last bytes into `out`, and keeps
/// the store's state, now authenticated with the rest, for
/// `sotto_store_restore`. A backup cut short: `SOTTO_STATUS_MALFORMED` (cut
/// in its header or at a chunk boundary) or `SOTTO_STATUS_DECRYPT_FAILED`
/// (cut inside its last chunk). A failed call wipes `out`.
///
/// # Safety
///
/// `reader` is NULL or live; `out` is NULL or has `out_cap` writable bytes;
/// `written` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_finish(
    reader: *mut sotto_backup_reader,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        stream::finish(reader, out, out_cap, written, |r, out| {
            let (n, state) = r.inner.finish(out)?;
            r.state = Some(state);
            Ok(n)
        })
    }
}

/// Frees a reader, wiping the state it holds, and sets `*reader` to NULL.
///
/// # Safety
///
/// `reader` is NULL, or points to NULL or to a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_backup_reader_free(reader: *mut *mut sotto_backup_reader) {
    // SAFETY: caller contract.
    crate::panic::boundary_void(|| unsafe { ptr::free_handle(reader) });
}

fn names(restored: &::sotto_store::Restored) -> Result<Vec<u8>, sotto_status> {
    let mut out = Vec::new();
    for (kind, list) in [
        (SOTTO_RESTORED_CONTACT, &restored.contacts),
        (SOTTO_RESTORED_GROUP, &restored.groups),
    ] {
        for name in list {
            out.push(kind);
            out.push(u8::try_from(name.len()).map_err(|_| sotto_status::Internal)?);
            out.extend_from_slice(name);
        }
    }
    Ok(out)
}

/// Restores the state of a finished `reader` into `store`, which must be
/// new (`SOTTO_STATUS_STORE_NOT_EMPTY` otherwise, and nothing is written);
/// a reader not finished is `SOTTO_STATUS_INVALID_ARGUMENT`. `*names` (NULL
/// to skip) gets what came back, as entries of kind (1 contact, 2 group),
/// length (one byte) and name. Then publish a new prekey bundle, send each
/// group's distribution to its members, and start a session with each
/// contact (`docs/PROTOCOL.md` §17).
///
/// # Safety
///
/// `store` and `reader` are NULL or live; `names` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_restore(
    store: *mut sotto_store,
    reader: *mut sotto_backup_reader,
    now: u64,
    names_out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let store = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let r = unsafe { ptr::handle_mut(reader) }?;
        let state = r.state.as_ref().ok_or(sotto_status::InvalidArgument)?;
        let restored = store.inner.restore_state(&mut OsRng, state, now)?;
        r.state = None;
        // SAFETY: caller contract.
        if let Some(n) = unsafe { ptr::out_mut(names_out) } {
            *n = sotto_buffer::from_vec(names(&restored)?);
        }
        Ok(())
    })
}

crate::stream::inner_stream!(sotto_backup_writer, sotto_backup_reader);
