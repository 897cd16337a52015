//! Natives for encrypted backups: the backup key, a store's backup and
//! its restore; each forwards to the C function named in its comment. The writer and the
//! reader are streams of `media.rs` (`StreamKind.BACKUP_WRITER` and
//! `BACKUP_READER`): its natives feed them, finish them and free them.
//!
//! A backup is opened by a key (32 bytes) or a password: the natives take
//! one `secret` and a flag that says which, so exactly one of the C
//! function's two is passed.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong};
use zeroize::Zeroizing;

use super::env::{Buffer, Res, entry, handle, ok, time};
use super::media::{Finish, FinishFn, FinishLenFn, Stream, UpdateFn, UpdateLenFn};
use super::objects::FreeFn;
use super::session::handle_out;
use crate::status::sotto_status;
use crate::*;

const NULL: jbyteArray = core::ptr::null_mut();

impl Stream for sotto_backup_writer {
    const UPDATE_LEN: UpdateLenFn<Self> = sotto_backup_writer_update_len;
    const UPDATE: UpdateFn<Self> = sotto_backup_writer_update;
    const FINISH_LEN: FinishLenFn<Self> = sotto_backup_writer_finish_len;
    const FREE: FreeFn<Self> = sotto_backup_writer_free;
}

impl Finish for sotto_backup_writer {
    const FINISH: FinishFn<Self> = sotto_backup_writer_finish;
}

impl Stream for sotto_backup_reader {
    const UPDATE_LEN: UpdateLenFn<Self> = sotto_backup_reader_update_len;
    const UPDATE: UpdateFn<Self> = sotto_backup_reader_update;
    const FINISH_LEN: FinishLenFn<Self> = sotto_backup_reader_finish_len;
    const FREE: FreeFn<Self> = sotto_backup_reader_free;
}

impl Finish for sotto_backup_reader {
    const FINISH: FinishFn<Self> = sotto_backup_reader_finish;
}

/// An Argon2id parameter as Kotlin passes it (an `int`): a negative one is
/// `INVALID_ARGUMENT` (the C function checks the bounds).
fn cost(value: jint) -> Res<u32> {
    u32::try_from(value).map_err(|_| sotto_status::InvalidArgument)
}

/// `sotto_backup_key_generate`: a new key (32 bytes).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_backupKeyGenerate(
    env: *mut JNIEnv,
    _: jclass,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let mut key = Zeroizing::new([0u8; SOTTO_BACKUP_KEY_LEN]);
        // SAFETY: `key` has its length's writable bytes.
        ok(unsafe { sotto_backup_key_generate(key.as_mut_ptr(), key.len()) })?;
        env.array(&key[..])
    })
}

/// `sotto_backup_key_to_digits`: the digits as ASCII, without the NUL.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_backupKeyToDigits(
    env: *mut JNIEnv,
    _: jclass,
    key: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let k = env.exact::<SOTTO_BACKUP_KEY_LEN>(key)?;
        let mut digits = Zeroizing::new([0u8; SOTTO_BACKUP_KEY_DIGITS_LEN]);
        // SAFETY: `k` has 32 bytes; `digits` has its length's writable
        // bytes.
        ok(unsafe {
            sotto_backup_key_to_digits(k.as_ptr(), digits.as_mut_ptr().cast(), digits.len())
        })?;
        let end = digits
            .iter()
            .position(|b| *b == 0)
            .ok_or(sotto_status::Internal)?;
        env.array(digits.get(..end).ok_or(sotto_status::Internal)?)
    })
}

/// `sotto_backup_key_from_digits`: the key (32 bytes) from its digits as
/// typed; a mistyped digit is `MALFORMED`.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_backupKeyFromDigits(
    env: *mut JNIEnv,
    _: jclass,
    digits: jbyteArray,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let d = env.bytes(digits)?;
        let mut key = Zeroizing::new([0u8; SOTTO_BACKUP_KEY_LEN]);
        // SAFETY: a live buffer of its length; `key` has its length's
        // writable bytes.
        ok(unsafe {
            sotto_backup_key_from_digits(d.as_ptr(), d.len(), key.as_mut_ptr(), key.len())
        })?;
        env.array(&key[..])
    })
}

/// `sotto_store_backup_new`: under `secret`, a key (32 bytes) or, with
/// `password`, a password stretched with Argon2id at `memoryKib`,
/// `passes` and `lanes` (ignored for a key). A new backup writer handle.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeBackupNew(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    secret: jbyteArray,
    password: bool,
    memory_kib: jint,
    passes: jint,
    lanes: jint,
) -> jlong {
    entry(env, 0, |env| {
        let s = if password {
            env.bytes(secret)?
        } else {
            env.exact::<SOTTO_BACKUP_KEY_LEN>(secret)?
        };
        let params = sotto_argon2_params {
            memory_kib: cost(memory_kib)?,
            passes: cost(passes)?,
            lanes: cost(lanes)?,
        };
        let (key, pw, params_ptr) = if password {
            (core::ptr::null(), s.as_ptr(), &raw const params)
        } else {
            (s.as_ptr(), core::ptr::null(), core::ptr::null())
        };
        let pw_len = if password { s.len() } else { 0 };
        // SAFETY: a live, locked store; `key` is NULL or 32 readable bytes;
        // `pw` is NULL or `pw_len` readable bytes; `params_ptr` is NULL or
        // a live struct; `out` is writable.
        handle_out(|out| unsafe {
            sotto_store_backup_new(handle(store), key, pw, pw_len, params_ptr, out)
        })
    })
}

/// `sotto_backup_reader_new`: with `secret`, a key (32 bytes) or, with
/// `password`, a password (its cost comes from the backup's header).
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_backupReaderNew(
    env: *mut JNIEnv,
    _: jclass,
    secret: jbyteArray,
    password: bool,
) -> jlong {
    entry(env, 0, |env| {
        let s = if password {
            env.bytes(secret)?
        } else {
            env.exact::<SOTTO_BACKUP_KEY_LEN>(secret)?
        };
        let (key, pw, pw_len) = if password {
            (core::ptr::null(), s.as_ptr(), s.len())
        } else {
            (s.as_ptr(), core::ptr::null(), 0)
        };
        // SAFETY: `key` is NULL or 32 readable bytes; `pw` is NULL or
        // `pw_len` readable bytes; `out` is writable.
        handle_out(|out| unsafe { sotto_backup_reader_new(key, pw, pw_len, out) })
    })
}

/// `sotto_store_restore`: restores a finished backup reader into a new
/// store; returns what came back, as entries of kind (1 contact, 2
/// group), length (one byte) and name.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeRestore(
    env: *mut JNIEnv,
    _: jclass,
    store: jlong,
    reader: jlong,
    now: jlong,
) -> jbyteArray {
    entry(env, NULL, |env| {
        let now = time(now)?;
        let mut names = Buffer::new();
        // SAFETY: a live, locked store and a live, locked reader; `names`
        // is writable.
        ok(unsafe { sotto_store_restore(handle(store), handle(reader), now, &mut names.0) })?;
        env.take(names)
    })
}
