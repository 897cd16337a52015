//! The handle kinds of `ffi/abi/kinds.txt` for the JNI natives of
//! `objects.rs`: the C functions of each stateful kind, and the dispatch
//! on the number the Kotlin classes pass (`Kind`).
//!
//! Generated from ffi/abi/kinds.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

use jni_sys::{jint, jlong};

use super::env::Res;
use super::objects::{ExportFn, ImportFn, OpenFn, SealFn, Stateful, free_with};
#[cfg(feature = "store")]
use super::objects::{LoadFn, SaveFn};
use crate::status::sotto_status;
use crate::*;

impl Stateful for sotto_identity {
    const EXPORT: ExportFn<Self> = sotto_identity_export;
    const IMPORT: ImportFn<Self> = sotto_identity_import;
    const SEAL: SealFn<Self> = sotto_identity_seal;
    const OPEN: OpenFn<Self> = sotto_identity_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_identity;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_identity;
}

impl Stateful for sotto_prekey_store {
    const EXPORT: ExportFn<Self> = sotto_prekey_store_export;
    const IMPORT: ImportFn<Self> = sotto_prekey_store_import;
    const SEAL: SealFn<Self> = sotto_prekey_store_seal;
    const OPEN: OpenFn<Self> = sotto_prekey_store_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_prekey_store;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_prekey_store;
}

impl Stateful for sotto_trust_store {
    const EXPORT: ExportFn<Self> = sotto_trust_store_export;
    const IMPORT: ImportFn<Self> = sotto_trust_store_import;
    const SEAL: SealFn<Self> = sotto_trust_store_seal;
    const OPEN: OpenFn<Self> = sotto_trust_store_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_trust_store;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_trust_store;
}

impl Stateful for sotto_session {
    const EXPORT: ExportFn<Self> = sotto_session_export;
    const IMPORT: ImportFn<Self> = sotto_session_import;
    const SEAL: SealFn<Self> = sotto_session_seal;
    const OPEN: OpenFn<Self> = sotto_session_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_session;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_session;
}

impl Stateful for sotto_group {
    const EXPORT: ExportFn<Self> = sotto_group_export;
    const IMPORT: ImportFn<Self> = sotto_group_import;
    const SEAL: SealFn<Self> = sotto_group_seal;
    const OPEN: OpenFn<Self> = sotto_group_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_group;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_group;
}

impl Stateful for sotto_location_share {
    const EXPORT: ExportFn<Self> = sotto_location_share_export;
    const IMPORT: ImportFn<Self> = sotto_location_share_import;
    const SEAL: SealFn<Self> = sotto_location_share_seal;
    const OPEN: OpenFn<Self> = sotto_location_share_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_location_share;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_location_share;
}

impl Stateful for sotto_location_viewer {
    const EXPORT: ExportFn<Self> = sotto_location_viewer_export;
    const IMPORT: ImportFn<Self> = sotto_location_viewer_import;
    const SEAL: SealFn<Self> = sotto_location_viewer_seal;
    const OPEN: OpenFn<Self> = sotto_location_viewer_open;
    #[cfg(feature = "store")]
    const SAVE: SaveFn<Self> = sotto_store_save_location_viewer;
    #[cfg(feature = "store")]
    const LOAD: LoadFn<Self> = sotto_store_load_location_viewer;
}

/// Runs `$body` with `$T` bound to the stateful type of `$kind`, or
/// fails with `InvalidArgument` for another number.
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
pub(super) use stateful_kind;

/// Frees `handle`, a handle of kind `kind`; another number is
/// `InvalidArgument`.
pub(super) fn free(kind: jint, handle: jlong) -> Res<()> {
    match kind {
        1 => free_with(handle, sotto_identity_free),
        2 => free_with(handle, sotto_prekey_store_free),
        3 => free_with(handle, sotto_trust_store_free),
        4 => free_with(handle, sotto_session_free),
        5 => free_with(handle, sotto_group_free),
        6 => free_with(handle, sotto_location_share_free),
        7 => free_with(handle, sotto_location_viewer_free),
        8 => free_with(handle, sotto_security_code_free),
        #[cfg(feature = "store")]
        9 => free_with(handle, sotto_store_free),
        _ => Err(sotto_status::InvalidArgument),
    }
}
