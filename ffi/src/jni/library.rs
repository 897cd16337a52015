//! Natives for the library itself: its ABI version and status messages.

use jni_sys::{JNIEnv, jclass, jint, jobject};

use super::env::entry;
use crate::sotto_abi_version;
use crate::status::sotto_status;

/// `sotto_abi_version`: `Native` refuses to load a library of another ABI.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_abiVersion(env: *mut JNIEnv, _: jclass) -> jint {
    entry(env, 0, |_| {
        jint::try_from(sotto_abi_version()).map_err(|_| sotto_status::InvalidArgument)
    })
}

/// `sotto_status_message`, as a Java string.
#[unsafe(no_mangle)]
extern "system" fn Java_org_sotto_Native_statusMessage(
    env: *mut JNIEnv,
    _: jclass,
    code: jint,
) -> jobject {
    entry(env, core::ptr::null_mut(), |env| {
        let status = u32::try_from(code).ok().and_then(sotto_status::from_code);
        env.string(status.map_or(c"unknown status", sotto_status::message))
    })
}
