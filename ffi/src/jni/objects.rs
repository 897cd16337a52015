//! Natives for what every kind of handle shares, dispatched on its kind
//! number. The Kotlin classes pass the number (`Kind`, declared in
//! `ffi/abi/kinds.txt`) with the handle: free, and for the stateful kinds
//! export, import, seal, open, and save to and load from a store. The
//! per-kind parts (the [`Stateful`] impls, the `stateful_kind!` dispatch,
//! [`kinds::free`]) are generated in `kinds.rs`.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong};

use super::env::{Buffer, Env, Res, entry, handle, ok, raw};
use super::kinds::{self, stateful_kind};
use crate::buffer::sotto_buffer;
use crate::status::sotto_status;
use crate::*;

pub(super) type FreeFn<T> = unsafe extern "C" fn(*mut *mut T);
pub(super) type ExportFn<T> = unsafe extern "C" fn(*const T, *mut sotto_buffer) -> sotto_status;
pub(super) type ImportFn<T> = unsafe extern "C" fn(*const u8, usize, *mut *mut T) -> sotto_status;
pub(super) type SealFn<T> =
    unsafe extern "C" fn(*const T, *const u8, *mut sotto_buffer) -> sotto_status;
pub(super) type OpenFn<T> =
    unsafe extern "C" fn(*const u8, *const u8, usize, *mut *mut T) -> sotto_status;
#[cfg(feature = "store")]
pub(super) type SaveFn<T> =
    unsafe extern "C" fn(*mut sotto_store, *const u8, usize, *const T) -> sotto_status;
#[cfg(feature = "store")]
pub(super) type LoadFn<T> =
    unsafe extern "C" fn(*const sotto_store, *const u8, usize, *mut *mut T) -> sotto_status;

/// A handle kind with state: the C functions that carry it.
pub(super) trait Stateful: Sized {
    const EXPORT: ExportFn<Self>;
    const IMPORT: ImportFn<Self>;
    const SEAL: SealFn<Self>;
    const OPEN: OpenFn<Self>;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self>;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self>;
}

/// Frees the handle `h` with its kind's C function.
pub(super) fn free_with<T>(h: jlong, free: FreeFn<T>) -> Res<()> {
    let mut p = handle::<T>(h);
    // SAFETY: `h` is a live handle of this kind that the Kotlin object owns
    // and gives up by this call (it sets its copy to 0 first).
    unsafe { free(&mut p) };
    Ok(())
}

/// `Native.free(kind, handle)`: frees (and wipes) a handle; 0 does nothing.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_free(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
) {
    entry(env, (), |_| kinds::free(kind, handle))
}

fn export<T: Stateful>(env: &Env, h: jlong) -> Res<jbyteArray> {
    let mut out = Buffer::new();
    // SAFETY: a live handle of this kind, locked by its Kotlin object.
    ok(unsafe { T::EXPORT(handle(h), &mut out.0) })?;
    env.take(out)
}

fn import<T: Stateful>(env: &Env, data: jbyteArray) -> Res<jlong> {
    let data = env.bytes(data)?;
    let mut out = core::ptr::null_mut();
    // SAFETY: `data` is a live buffer of its length.
    ok(unsafe { T::IMPORT(data.as_ptr(), data.len(), &mut out) })?;
    Ok(raw(out))
}

fn seal<T: Stateful>(env: &Env, h: jlong, key: jbyteArray) -> Res<jbyteArray> {
    let key = env.exact::<SOTTO_HOST_KEY_LEN>(key)?;
    let mut out = Buffer::new();
    // SAFETY: a live, locked handle; `key` has 32 bytes.
    ok(unsafe { T::SEAL(handle(h), key.as_ptr(), &mut out.0) })?;
    env.take(out)
}

fn open<T: Stateful>(env: &Env, key: jbyteArray, data: jbyteArray) -> Res<jlong> {
    let key = env.exact::<SOTTO_HOST_KEY_LEN>(key)?;
    let data = env.bytes(data)?;
    let mut out = core::ptr::null_mut();
    // SAFETY: `key` has 32 bytes; `data` is a live buffer of its length.
    ok(unsafe { T::OPEN(key.as_ptr(), data.as_ptr(), data.len(), &mut out) })?;
    Ok(raw(out))
}

/// `Native.export(kind, handle)`: the plain state encoding.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_export(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
) -> jbyteArray {
    entry(
        env,
        core::ptr::null_mut(),
        |env| stateful_kind!(kind, T => export::<T>(env, handle)),
    )
}

/// `Native.import(kind, data)`: a new handle from a plain state encoding.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_import(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    data: jbyteArray,
) -> jlong {
    entry(
        env,
        0,
        |env| stateful_kind!(kind, T => import::<T>(env, data)),
    )
}

/// `Native.seal(kind, handle, key)`: the state encrypted under a host key.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_seal(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    handle: jlong,
    key: jbyteArray,
) -> jbyteArray {
    entry(
        env,
        core::ptr::null_mut(),
        |env| stateful_kind!(kind, T => seal::<T>(env, handle, key)),
    )
}

/// `Native.open(kind, key, data)`: a new handle from a sealed state.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_open(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    key: jbyteArray,
    data: jbyteArray,
) -> jlong {
    entry(
        env,
        0,
        |env| stateful_kind!(kind, T => open::<T>(env, key, data)),
    )
}

#[cfg(feature = "store")]
fn save<T: Stateful>(env: &Env, store: jlong, name: jbyteArray, h: jlong) -> Res<()> {
    let name = env.bytes(name)?;
    // SAFETY: live, locked handles; `name` is a live buffer of its length.
    ok(unsafe { T::SAVE(handle(store), name.as_ptr(), name.len(), handle(h)) })
}

#[cfg(feature = "store")]
fn load<T: Stateful>(env: &Env, store: jlong, name: jbyteArray) -> Res<jlong> {
    let name = env.bytes(name)?;
    let mut out = core::ptr::null_mut();
    // SAFETY: a live, locked store; `name` is a live buffer of its length.
    ok(unsafe { T::LOAD(handle(store), name.as_ptr(), name.len(), &mut out) })?;
    Ok(raw(out))
}

/// `Native.storeSave(kind, store, name, handle)`: saves an object in one
/// committed transaction.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeSave(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    store: jlong,
    name: jbyteArray,
    handle: jlong,
) {
    entry(
        env,
        (),
        |env| stateful_kind!(kind, T => save::<T>(env, store, name, handle)),
    )
}

/// `Native.storeLoad(kind, store, name)`: a new handle for a saved object.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_storeLoad(
    env: *mut JNIEnv,
    _: jclass,
    kind: jint,
    store: jlong,
    name: jbyteArray,
) -> jlong {
    entry(
        env,
        0,
        |env| stateful_kind!(kind, T => load::<T>(env, store, name)),
    )
}
