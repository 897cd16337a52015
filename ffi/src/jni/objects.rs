//! What every handle kind shares, dispatched on a kind number that the
//! Kotlin classes pass (`Handle.Kind`): free, and for the seven stateful
//! kinds export, import, seal, open, and save to and load from a store.
//!
//! Kinds: 1 identity, 2 prekey store, 3 trust store, 4 session, 5 group,
//! 6 location share, 7 location viewer, 8 security code, 9 store.

use jni_sys::{JNIEnv, jbyteArray, jclass, jint, jlong};

use super::env::{Buffer, Env, Res, entry, handle, ok, raw};
use crate::buffer::sotto_buffer;
use crate::status::sotto_status;
use crate::*;

type FreeFn<T> = unsafe extern "C" fn(*mut *mut T);
type ExportFn<T> = unsafe extern "C" fn(*const T, *mut sotto_buffer) -> sotto_status;
type ImportFn<T> = unsafe extern "C" fn(*const u8, usize, *mut *mut T) -> sotto_status;
type SealFn<T> = unsafe extern "C" fn(*const T, *const u8, *mut sotto_buffer) -> sotto_status;
type OpenFn<T> = unsafe extern "C" fn(*const u8, *const u8, usize, *mut *mut T) -> sotto_status;
#[cfg(feature = "store")]
type SaveFn<T> = unsafe extern "C" fn(*mut sotto_store, *const u8, usize, *const T) -> sotto_status;
#[cfg(feature = "store")]
type LoadFn<T> =
    unsafe extern "C" fn(*const sotto_store, *const u8, usize, *mut *mut T) -> sotto_status;

/// A handle kind with state: the C functions that carry it.
trait Stateful: Sized {
    const EXPORT: ExportFn<Self>;
    const IMPORT: ImportFn<Self>;
    const SEAL: SealFn<Self>;
    const OPEN: OpenFn<Self>;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self>;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self>;
}

macro_rules! stateful {
    ($t:ty, $export:ident, $import:ident, $seal:ident, $open:ident, $save:ident, $load:ident) => {
        impl Stateful for $t {
            const EXPORT: ExportFn<Self> = $export;
            const IMPORT: ImportFn<Self> = $import;
            const SEAL: SealFn<Self> = $seal;
            const OPEN: OpenFn<Self> = $open;
            #[cfg(feature = "store")]
            const SAVE: SaveFn<Self> = $save;
            #[cfg(feature = "store")]
            const LOAD: LoadFn<Self> = $load;
        }
    };
}

stateful!(
    sotto_identity,
    sotto_identity_export,
    sotto_identity_import,
    sotto_identity_seal,
    sotto_identity_open,
    sotto_store_save_identity,
    sotto_store_load_identity
);
stateful!(
    sotto_prekey_store,
    sotto_prekey_store_export,
    sotto_prekey_store_import,
    sotto_prekey_store_seal,
    sotto_prekey_store_open,
    sotto_store_save_prekey_store,
    sotto_store_load_prekey_store
);
stateful!(
    sotto_trust_store,
    sotto_trust_store_export,
    sotto_trust_store_import,
    sotto_trust_store_seal,
    sotto_trust_store_open,
    sotto_store_save_trust_store,
    sotto_store_load_trust_store
);
stateful!(
    sotto_session,
    sotto_session_export,
    sotto_session_import,
    sotto_session_seal,
    sotto_session_open,
    sotto_store_save_session,
    sotto_store_load_session
);
stateful!(
    sotto_group,
    sotto_group_export,
    sotto_group_import,
    sotto_group_seal,
    sotto_group_open,
    sotto_store_save_group,
    sotto_store_load_group
);
stateful!(
    sotto_location_share,
    sotto_location_share_export,
    sotto_location_share_import,
    sotto_location_share_seal,
    sotto_location_share_open,
    sotto_store_save_location_share,
    sotto_store_load_location_share
);
stateful!(
    sotto_location_viewer,
    sotto_location_viewer_export,
    sotto_location_viewer_import,
    sotto_location_viewer_seal,
    sotto_location_viewer_open,
    sotto_store_save_location_viewer,
    sotto_store_load_location_viewer
);

/// Runs `$body` with `$T` bound to the stateful type of `$kind`.
macro_rules! stateful_kind {
    ($kind:expr, $T:ident => $body:expr) => {
        match $kind {
            1 => {
                type $T = sotto_identity;
                $body
            }
            2 => {
                type $T = sotto_prekey_store;
                $body
            }
            3 => {
                type $T = sotto_trust_store;
                $body
            }
            4 => {
                type $T = sotto_session;
                $body
            }
            5 => {
                type $T = sotto_group;
                $body
            }
            6 => {
                type $T = sotto_location_share;
                $body
            }
            7 => {
                type $T = sotto_location_viewer;
                $body
            }
            _ => Err(sotto_status::InvalidArgument),
        }
    };
}

fn free_with<T>(h: jlong, free: FreeFn<T>) -> Res<()> {
    let mut p = handle::<T>(h);
    // SAFETY: `h` is a live handle of this kind that the Kotlin object owns
    // and gives up by this call (it sets its copy to 0 first).
    unsafe { free(&mut p) };
    Ok(())
}

/// `Native.free(kind, handle)`: frees (and wipes) a handle; 0 does nothing.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_free(env: *mut JNIEnv, _: jclass, kind: jint, h: jlong) {
    entry(env, (), |_| match kind {
        1 => free_with(h, sotto_identity_free),
        2 => free_with(h, sotto_prekey_store_free),
        3 => free_with(h, sotto_trust_store_free),
        4 => free_with(h, sotto_session_free),
        5 => free_with(h, sotto_group_free),
        6 => free_with(h, sotto_location_share_free),
        7 => free_with(h, sotto_location_viewer_free),
        8 => free_with(h, sotto_security_code_free),
        #[cfg(feature = "store")]
        9 => free_with(h, sotto_store_free),
        _ => Err(sotto_status::InvalidArgument),
    })
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
    h: jlong,
) -> jbyteArray {
    entry(
        env,
        core::ptr::null_mut(),
        |env| stateful_kind!(kind, T => export::<T>(env, h)),
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
    h: jlong,
    key: jbyteArray,
) -> jbyteArray {
    entry(
        env,
        core::ptr::null_mut(),
        |env| stateful_kind!(kind, T => seal::<T>(env, h, key)),
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
    h: jlong,
) {
    entry(
        env,
        (),
        |env| stateful_kind!(kind, T => save::<T>(env, store, name, h)),
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
