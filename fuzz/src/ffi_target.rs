//! The C ABI at byte level: the fuzzer's bytes go to every function that
//! takes a message or a state encoding, through the exported functions
//! exactly as C calls them. Every call must return a status (no panic
//! reaches here: the boundary would report `SOTTO_STATUS_PANIC`, which this
//! target treats as a crash), write nothing on failure, and leave the
//! session it was given unchanged.
#![allow(clippy::unwrap_used)]

use std::ptr::null_mut;
use std::sync::OnceLock;

use sotto_ffi::*;

use crate::targets::KEY;

fn empty() -> sotto_buffer {
    sotto_buffer {
        data: null_mut(),
        len: 0,
    }
}

fn check(s: sotto_status) -> bool {
    assert_ne!(s, sotto_status::Panic, "a panic reached the C boundary");
    s == sotto_status::Ok
}

/// Bytes of a buffer the library filled.
fn bytes(b: &sotto_buffer) -> Vec<u8> {
    if b.data.is_null() {
        return Vec::new();
    }
    // SAFETY: the library filled `b` with `len` bytes at `data`.
    unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec()
}

/// A session's plain export, made once through the C ABI.
fn session_state() -> &'static [u8] {
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        let f = crate::targets::session_fixture_bytes();
        f.to_vec()
    })
}

/// Feeds `data` to the C ABI.
pub fn ffi_bytes(data: &[u8]) {
    let (ptr, len) = (data.as_ptr(), data.len());
    // SAFETY: every pointer passed is valid for its length, and every handle
    // and buffer is freed once.
    unsafe {
        let state = session_state();
        let mut s = null_mut();
        assert!(check(sotto_session_import(
            state.as_ptr(),
            state.len(),
            &mut s
        )));
        let mut out = empty();
        if !check(sotto_session_decrypt(s, ptr, len, &mut out)) {
            assert!(out.data.is_null());
            let mut after = empty();
            assert!(check(sotto_session_export(s, &mut after)));
            assert_eq!(bytes(&after), state);
            sotto_buffer_free(&mut after);
        }
        sotto_buffer_free(&mut out);
        sotto_session_free(&mut s);

        let mut kind = sotto_message_kind::Normal;
        check(sotto_message_kind_of(ptr, len, &mut kind));
        let mut id = [0u8; 64];
        check(sotto_prekey_message_identity(
            ptr,
            len,
            id.as_mut_ptr(),
            id.len(),
        ));

        macro_rules! import_free {
            ($import:ident, $open:ident, $free:ident) => {{
                let mut h = null_mut();
                if check($import(ptr, len, &mut h)) {
                    assert!(!h.is_null());
                }
                $free(&mut h);
                if check($open(KEY.as_ptr(), ptr, len, &mut h)) {
                    assert!(!h.is_null());
                }
                $free(&mut h);
                assert!(h.is_null());
            }};
        }
        import_free!(
            sotto_identity_import,
            sotto_identity_open,
            sotto_identity_free
        );
        import_free!(
            sotto_prekey_store_import,
            sotto_prekey_store_open,
            sotto_prekey_store_free
        );
        import_free!(sotto_session_import, sotto_session_open, sotto_session_free);
        import_free!(sotto_group_import, sotto_group_open, sotto_group_free);
        import_free!(
            sotto_trust_store_import,
            sotto_trust_store_open,
            sotto_trust_store_free
        );
        import_free!(
            sotto_location_share_import,
            sotto_location_share_open,
            sotto_location_share_free
        );
        import_free!(
            sotto_location_viewer_import,
            sotto_location_viewer_open,
            sotto_location_viewer_free
        );

        let mut loc = sotto_location::default();
        check(sotto_location_decode(ptr, len, &mut loc));

        // The envelope codec: what decodes re-encodes to the same bytes.
        let mut info = sotto_message_info::default();
        let mut body = empty();
        if check(sotto_envelope_decode(ptr, len, &mut info, &mut body)) {
            let mut again = empty();
            assert!(check(sotto_envelope_encode(
                info.content_type,
                body.data,
                body.len,
                info.sent_at_ms,
                info.timer_secs,
                info.timer_set_at_ms,
                &mut again
            )));
            assert_eq!(bytes(&again), data);
            sotto_buffer_free(&mut again);
        } else {
            assert!(body.data.is_null());
        }
        sotto_buffer_free(&mut body);

        // A bundle from the fuzzer, and a session started from it.
        let mut me = null_mut();
        assert!(check(sotto_identity_generate(&mut me)));
        let mut session = null_mut();
        if check(sotto_session_initiate(me, ptr, len, &mut session)) {
            let mut m = empty();
            assert!(check(sotto_session_encrypt(
                session,
                ptr,
                len.min(64),
                &mut m
            )));
            sotto_buffer_free(&mut m);
        }
        sotto_session_free(&mut session);
        sotto_identity_free(&mut me);
    }
}
