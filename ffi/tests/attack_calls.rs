//! Attacks on the C ABI of calls by a careless app: NULL pointers, zero and
//! huge lengths, capacities smaller than needed, buffers that overlap,
//! signals of the wrong kind. No call may crash or leave state changed on
//! error, and no call may turn a misuse into undefined behaviour.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use std::ptr::{null, null_mut};

use sotto_ffi::*;

const CALL: [u8; 16] = [0x11; 16];
const T0: u64 = 1_800_000_000_000;
const GCM: u16 = SOTTO_SFRAME_AES_128_GCM_SHA256_128;

fn ok(s: sotto_status) {
    assert_eq!(s, sotto_status::Ok);
}

fn key_update(epoch_participants: &[u32]) -> *mut sotto_call_signal {
    let mut s = null_mut();
    // SAFETY: valid pointers.
    ok(unsafe {
        sotto_call_signal_new(
            SOTTO_CALL_KEY_UPDATE,
            CALL.as_ptr(),
            1,
            1,
            epoch_participants.as_ptr(),
            epoch_participants.len(),
            &mut s,
        )
    });
    s
}

fn group(me: u32, signal: *const sotto_call_signal) -> *mut sotto_group_call {
    let mut c = null_mut();
    // SAFETY: valid pointers.
    unsafe {
        ok(sotto_group_call_new(CALL.as_ptr(), GCM, me, &mut c));
        ok(sotto_group_call_install(c, signal, T0));
    }
    c
}

/// Encrypts one frame of `c` into a fresh vector.
fn frame(c: *mut sotto_group_call, payload: &[u8]) -> Vec<u8> {
    let mut need = 0usize;
    let mut out = vec![0u8; 256];
    let mut written = 0usize;
    // SAFETY: valid pointers and lengths.
    unsafe {
        ok(sotto_group_call_sframe_len(c, payload.len(), &mut need));
        ok(sotto_group_call_encrypt(
            c,
            null(),
            0,
            payload.as_ptr(),
            payload.len(),
            out.as_mut_ptr(),
            out.len(),
            &mut written,
        ));
    }
    assert_eq!(written, need);
    out.truncate(written);
    out
}

fn decrypt(
    c: *mut sotto_group_call,
    sf: &[u8],
    out: &mut [u8],
) -> (sotto_status, sotto_call_frame) {
    let mut info = sotto_call_frame::default();
    // SAFETY: valid pointers and lengths.
    let s = unsafe {
        sotto_group_call_decrypt(
            c,
            null(),
            0,
            sf.as_ptr(),
            sf.len(),
            out.as_mut_ptr(),
            out.len(),
            T0,
            &mut info,
        )
    };
    (s, info)
}

#[test]
fn null_handles_and_pointers_are_refused_not_dereferenced() {
    let mut buf = [0u8; 64];
    let mut n = 0usize;
    let mut sinfo = sotto_sframe_info::default();
    let mut cinfo = sotto_call_frame::default();
    let mut sig_info = sotto_call_signal_info {
        kind: 0,
        call_id: [0; 16],
        epoch: 0,
        video: 0,
        has_secret: 0,
        participants: 0,
    };
    let np = sotto_status::NullParameter;
    // SAFETY: every pointer is NULL or valid; NULL is the attack.
    unsafe {
        let mut s = null_mut();
        assert_eq!(
            sotto_call_signal_new(SOTTO_CALL_OFFER, null(), 0, 0, null(), 0, &mut s),
            np
        );
        assert_eq!(
            sotto_call_signal_new(SOTTO_CALL_OFFER, CALL.as_ptr(), 0, 0, null(), 3, &mut s),
            np
        );
        assert_eq!(
            sotto_call_signal_new(
                SOTTO_CALL_ANSWER,
                CALL.as_ptr(),
                0,
                0,
                null(),
                0,
                null_mut()
            ),
            np
        );
        assert!(s.is_null());
        assert_eq!(sotto_call_signal_decode(null(), 5, &mut s), np);
        assert_ne!(
            sotto_call_signal_decode(null(), 0, &mut s),
            sotto_status::Ok
        );
        assert_eq!(
            sotto_call_signal_encode(
                null(),
                &mut sotto_buffer {
                    data: null_mut(),
                    len: 0
                }
            ),
            np
        );
        assert_eq!(sotto_call_signal_info_get(null(), &mut sig_info), np);
        assert_eq!(sotto_call_signal_participants(null(), null_mut(), 0), np);
        assert_eq!(
            sotto_call_signal_srtp(
                null(),
                1,
                1,
                buf.as_mut_ptr(),
                16,
                buf.as_mut_ptr().add(16),
                14
            ),
            np
        );
        let mut g = null_mut();
        assert_eq!(sotto_offer_guard_new(null_mut()), np);
        ok(sotto_offer_guard_new(&mut g));
        assert_eq!(
            sotto_offer_guard_admit(null_mut(), CALL.as_ptr(), T0, T0),
            np
        );
        assert_eq!(sotto_offer_guard_admit(g, null(), T0, T0), np);
        sotto_offer_guard_free(&mut g);
        assert!(g.is_null());
        sotto_offer_guard_free(&mut g);
        sotto_offer_guard_free(null_mut());

        let mut e = null_mut();
        assert_eq!(sotto_sframe_encryptor_new(GCM, 1, null(), 16, &mut e), np);
        assert_ne!(
            sotto_sframe_encryptor_new(GCM, 1, null(), 0, &mut e),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sframe_encryptor_new(0, 1, buf.as_ptr(), 16, &mut e),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sframe_encryptor_new(6, 1, buf.as_ptr(), 16, &mut e),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sframe_encryptor_new(GCM, 1, buf.as_ptr(), 65, &mut e),
            sotto_status::Ok
        );
        assert!(e.is_null());
        assert_eq!(sotto_sframe_encryptor_sframe_len(null(), 1, &mut n), np);
        assert_eq!(
            sotto_sframe_encryptor_encrypt(
                null_mut(),
                null(),
                0,
                null(),
                0,
                buf.as_mut_ptr(),
                64,
                &mut n
            ),
            np
        );
        let mut d = null_mut();
        assert_eq!(sotto_sframe_decryptor_new(GCM, null_mut()), np);
        assert_eq!(
            sotto_sframe_decryptor_add_key(null_mut(), 1, buf.as_ptr(), 16),
            np
        );
        assert_eq!(sotto_sframe_decryptor_remove_key(null_mut(), 1), np);
        assert_eq!(
            sotto_sframe_decryptor_decrypt(
                null_mut(),
                null(),
                0,
                buf.as_ptr(),
                20,
                buf.as_mut_ptr(),
                20,
                &mut sinfo
            ),
            np
        );
        ok(sotto_sframe_decryptor_new(GCM, &mut d));
        assert_eq!(sotto_sframe_decryptor_add_key(d, 1, null(), 16), np);
        assert_eq!(
            sotto_sframe_decryptor_remove_key(d, 1),
            sotto_status::NotFound
        );
        assert_eq!(
            sotto_sframe_decryptor_decrypt(
                d,
                null(),
                4,
                buf.as_ptr(),
                20,
                buf.as_mut_ptr().add(20),
                20,
                &mut sinfo
            ),
            np
        );
        assert_eq!(
            sotto_sframe_decryptor_decrypt(
                d,
                null(),
                0,
                null(),
                20,
                buf.as_mut_ptr(),
                20,
                &mut sinfo
            ),
            np
        );
        assert_eq!(
            sotto_sframe_decryptor_decrypt(
                d,
                null(),
                0,
                buf.as_ptr(),
                20,
                null_mut(),
                20,
                &mut sinfo
            ),
            np
        );
        assert_ne!(
            sotto_sframe_decryptor_decrypt(d, null(), 0, null(), 0, null_mut(), 0, &mut sinfo),
            sotto_status::Ok
        );
        sotto_sframe_decryptor_free(&mut d);
        sotto_sframe_decryptor_free(&mut d);
        sotto_sframe_encryptor_free(null_mut());

        let mut c = null_mut();
        assert_eq!(sotto_group_call_new(null(), GCM, 0, &mut c), np);
        assert_eq!(sotto_group_call_new(CALL.as_ptr(), GCM, 0, null_mut()), np);
        ok(sotto_group_call_new(CALL.as_ptr(), GCM, 0, &mut c));
        assert_eq!(sotto_group_call_install(c, null(), T0), np);
        assert_eq!(sotto_group_call_install(null_mut(), null(), T0), np);
        // No epoch yet.
        assert_eq!(
            sotto_group_call_sframe_len(c, 10, &mut n),
            sotto_status::UnknownSenderKey
        );
        assert_eq!(sotto_group_call_sframe_len(null(), 10, &mut n), np);
        assert_eq!(
            sotto_group_call_encrypt(
                c,
                null(),
                0,
                buf.as_ptr(),
                4,
                buf.as_mut_ptr().add(8),
                40,
                &mut n
            ),
            sotto_status::UnknownSenderKey
        );
        assert_eq!(
            sotto_group_call_decrypt(
                c,
                null(),
                0,
                buf.as_ptr(),
                30,
                buf.as_mut_ptr().add(32),
                32,
                T0,
                &mut cinfo
            ),
            sotto_status::UnknownSenderKey
        );
        assert_eq!(
            sotto_group_call_decrypt(
                c,
                null(),
                0,
                buf.as_ptr(),
                30,
                buf.as_mut_ptr().add(32),
                32,
                T0,
                null_mut()
            ),
            np
        );
        sotto_group_call_free(&mut c);
        assert!(c.is_null());
        sotto_group_call_free(&mut c);
        sotto_group_call_free(null_mut());
        sotto_call_signal_free(null_mut());
    }
}

#[test]
fn huge_lengths_are_refused_without_reading() {
    let one = [0u8; 1];
    let mut buf = [0u8; 64];
    let mut n = 0usize;
    let mut sinfo = sotto_sframe_info::default();
    // SAFETY: the lengths lie; the functions must refuse before reading.
    unsafe {
        let mut d = null_mut();
        ok(sotto_sframe_decryptor_new(GCM, &mut d));
        ok(sotto_sframe_decryptor_add_key(d, 1, one.as_ptr(), 1));
        assert_ne!(
            sotto_sframe_decryptor_decrypt(
                d,
                one.as_ptr(),
                usize::MAX,
                one.as_ptr(),
                1,
                buf.as_mut_ptr(),
                64,
                &mut sinfo
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sframe_decryptor_decrypt(
                d,
                null(),
                0,
                one.as_ptr(),
                usize::MAX,
                buf.as_mut_ptr(),
                64,
                &mut sinfo
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sframe_decryptor_add_key(d, 2, one.as_ptr(), usize::MAX),
            sotto_status::Ok
        );
        let mut e = null_mut();
        ok(sotto_sframe_encryptor_new(GCM, 1, one.as_ptr(), 1, &mut e));
        assert_eq!(
            sotto_sframe_encryptor_sframe_len(e, usize::MAX, &mut n),
            sotto_status::LimitExceeded
        );
        assert_ne!(
            sotto_sframe_encryptor_encrypt(
                e,
                null(),
                0,
                one.as_ptr(),
                usize::MAX,
                buf.as_mut_ptr(),
                64,
                &mut n
            ),
            sotto_status::Ok
        );
        let mut s = null_mut();
        let p = [0u32; 1];
        assert_eq!(
            sotto_call_signal_new(
                SOTTO_CALL_OFFER,
                CALL.as_ptr(),
                0,
                0,
                p.as_ptr(),
                usize::MAX,
                &mut s
            ),
            sotto_status::LimitExceeded
        );
        assert_ne!(
            sotto_call_signal_decode(one.as_ptr(), usize::MAX, &mut s),
            sotto_status::Ok
        );
        assert!(s.is_null());
        sotto_sframe_encryptor_free(&mut e);
        sotto_sframe_decryptor_free(&mut d);
    }
}

#[test]
fn capacities_smaller_than_needed_change_nothing() {
    let sig = key_update(&[0, 1, 2]);
    let a = group(0, sig);
    let b = group(1, sig);
    // SAFETY: valid pointers and lengths throughout.
    unsafe {
        // Encrypt into one byte too few: refused, the counter not used.
        let payload = [0x77u8; 50];
        let mut need = 0usize;
        ok(sotto_group_call_sframe_len(a, payload.len(), &mut need));
        let mut small = vec![0xEEu8; need - 1];
        let mut written = 123usize;
        assert_eq!(
            sotto_group_call_encrypt(
                a,
                null(),
                0,
                payload.as_ptr(),
                50,
                small.as_mut_ptr(),
                small.len(),
                &mut written
            ),
            sotto_status::BufferTooSmall
        );
        assert_eq!(written, 123);
        let f = frame(a, &payload);
        let mut out = vec![0xEEu8; 49];
        let (s, _) = decrypt(b, &f, &mut out);
        assert_eq!(s, sotto_status::BufferTooSmall);
        assert!(out.iter().all(|&x| x == 0xEE));
        let mut out = vec![0u8; 50];
        let (s, info) = decrypt(b, &f, &mut out);
        ok(s);
        assert_eq!((info.epoch, info.sender, info.len), (1, 0, 50));
        assert_eq!(out, payload);
        let (s, _) = decrypt(b, &f, &mut out);
        assert_eq!(s, sotto_status::DuplicateMessage);
        // The frame's counter was 0: the refused encryption used none.
        let mut d = null_mut();
        ok(sotto_sframe_decryptor_new(GCM, &mut d));
        // Participants into too small a buffer: refused, nothing written.
        let mut who = [0xFFFF_FFFFu32; 3];
        assert_eq!(
            sotto_call_signal_participants(sig, who.as_mut_ptr(), 2),
            sotto_status::BufferTooSmall
        );
        assert_eq!(who, [0xFFFF_FFFF; 3]);
        assert_eq!(
            sotto_call_signal_participants(sig, null_mut(), 3),
            sotto_status::NullParameter
        );
        ok(sotto_call_signal_participants(sig, who.as_mut_ptr(), 3));
        assert_eq!(who, [0, 1, 2]);
        // SRTP keys into the wrong sizes: refused, nothing written.
        let mut key = [0xEEu8; 33];
        let mut salt = [0xEEu8; 15];
        for (profile, k, s) in [
            (1u8, 15, 14),
            (1, 16, 13),
            (1, 32, 12),
            (2, 16, 14),
            (2, 32, 14),
            (2, 33, 12),
        ] {
            assert_eq!(
                sotto_call_signal_srtp(sig, profile, 1, key.as_mut_ptr(), k, salt.as_mut_ptr(), s),
                sotto_status::InvalidArgument
            );
        }
        for (profile, dir) in [(0u8, 1u8), (3, 1), (1, 0), (1, 3)] {
            assert_eq!(
                sotto_call_signal_srtp(
                    sig,
                    profile,
                    dir,
                    key.as_mut_ptr(),
                    16,
                    salt.as_mut_ptr(),
                    14
                ),
                sotto_status::InvalidArgument
            );
        }
        assert!(key.iter().chain(&salt).all(|&x| x == 0xEE));
        ok(sotto_call_signal_srtp(
            sig,
            2,
            2,
            key.as_mut_ptr(),
            32,
            salt.as_mut_ptr(),
            12,
        ));
        sotto_sframe_decryptor_free(&mut d);
        let (mut a, mut b, mut sig) = (a, b, sig);
        sotto_group_call_free(&mut a);
        sotto_group_call_free(&mut b);
        sotto_call_signal_free(&mut sig);
    }
}

#[test]
fn installing_a_signal_of_another_call_or_kind_changes_nothing() {
    let sig = key_update(&[0, 1]);
    let a = group(0, sig);
    let b = group(1, sig);
    let f = frame(a, b"first");
    // SAFETY: valid pointers.
    unsafe {
        // Another call's key update.
        let mut other = null_mut();
        let p = [0u32, 1];
        ok(sotto_call_signal_new(
            SOTTO_CALL_KEY_UPDATE,
            [0x22u8; 16].as_ptr(),
            2,
            0,
            p.as_ptr(),
            2,
            &mut other,
        ));
        assert_eq!(
            sotto_group_call_install(b, other, T0),
            sotto_status::WrongType
        );
        // An answer, a leave, an end: no secret.
        for kind in [SOTTO_CALL_ANSWER, SOTTO_CALL_LEAVE, SOTTO_CALL_END] {
            let mut s = null_mut();
            ok(sotto_call_signal_new(
                kind,
                CALL.as_ptr(),
                9,
                0,
                null(),
                0,
                &mut s,
            ));
            assert_eq!(
                sotto_group_call_install(b, s, T0),
                sotto_status::InvalidArgument
            );
            assert_eq!(
                sotto_call_signal_srtp(
                    s,
                    1,
                    1,
                    [0u8; 16].as_mut_ptr(),
                    16,
                    [0u8; 14].as_mut_ptr(),
                    14
                ),
                sotto_status::InvalidArgument
            );
            sotto_call_signal_free(&mut s);
        }
        // The same key update again (a server replaying it): stale.
        assert_eq!(
            sotto_group_call_install(b, sig, T0 + 1),
            sotto_status::Stale
        );
        // Malformed new signals.
        let mut s = null_mut();
        for (kind, list) in [
            (0u8, vec![0u32]),
            (6, vec![0]),
            (SOTTO_CALL_ANSWER, vec![1]),
            (SOTTO_CALL_OFFER, vec![1, 1]),
        ] {
            assert_ne!(
                sotto_call_signal_new(kind, CALL.as_ptr(), 0, 0, list.as_ptr(), list.len(), &mut s),
                sotto_status::Ok
            );
        }
        let many: Vec<u32> = (0..33).collect();
        assert_eq!(
            sotto_call_signal_new(
                SOTTO_CALL_OFFER,
                CALL.as_ptr(),
                0,
                0,
                many.as_ptr(),
                33,
                &mut s
            ),
            sotto_status::LimitExceeded
        );
        assert!(s.is_null());
        let mut out = [0u8; 64];
        let (st, info) = decrypt(b, &f, &mut out);
        ok(st);
        assert_eq!(&out[..info.len], b"first");
        sotto_call_signal_free(&mut other);
        let (mut a, mut b, mut sig) = (a, b, sig);
        sotto_group_call_free(&mut a);
        sotto_group_call_free(&mut b);
        sotto_call_signal_free(&mut sig);
    }
}

#[test]
fn offers_replayed_through_the_c_abi_are_refused() {
    // SAFETY: valid pointers.
    unsafe {
        let mut g = null_mut();
        ok(sotto_offer_guard_new(&mut g));
        ok(sotto_offer_guard_admit(g, CALL.as_ptr(), T0, T0));
        assert_eq!(
            sotto_offer_guard_admit(g, CALL.as_ptr(), T0, T0 + 1),
            sotto_status::DuplicateMessage
        );
        assert_eq!(
            sotto_offer_guard_admit(g, [3u8; 16].as_ptr(), T0, T0 + 60_001),
            sotto_status::Expired
        );
        assert_eq!(
            sotto_offer_guard_admit(g, [3u8; 16].as_ptr(), T0 + 30_001, T0),
            sotto_status::Stale
        );
        ok(sotto_offer_guard_admit(g, [3u8; 16].as_ptr(), T0, T0));
        sotto_offer_guard_free(&mut g);
    }
}

/// In-place decryption (the output over the SFrame) is what a careless app
/// does first: WebRTC's frame transformers hand over one buffer. Making a
/// shared and a mutable slice of the same bytes is undefined behaviour in
/// the library, so the call must refuse it, and change nothing.
#[test]
fn overlapping_buffers_are_refused_and_change_nothing() {
    let sig = key_update(&[0, 1]);
    let a = group(0, sig);
    let b = group(1, sig);
    let payload = [0x42u8; 100];
    let f = frame(a, &payload);
    // SAFETY: every pointer is valid for its length; the overlap is the
    // misuse under test.
    unsafe {
        let mut buf = f.clone();
        let mut info = sotto_call_frame::default();
        // Output exactly over the input.
        let p = buf.as_mut_ptr();
        assert_eq!(
            sotto_group_call_decrypt(b, null(), 0, p, buf.len(), p, buf.len(), T0, &mut info),
            sotto_status::InvalidArgument
        );
        assert_eq!(buf, f, "a refused in-place decryption changed the buffer");
        // Output shifted by the header, partly over the input.
        let mut big = vec![0u8; f.len() + 8];
        big[8..].copy_from_slice(&f);
        let q = big.as_mut_ptr();
        assert_eq!(
            sotto_group_call_decrypt(b, null(), 0, q.add(8), f.len(), q, big.len(), T0, &mut info),
            sotto_status::InvalidArgument
        );
        // Metadata over the output.
        let mut out = vec![0u8; 200];
        let o = out.as_mut_ptr();
        assert_eq!(
            sotto_group_call_decrypt(
                b,
                o.add(150),
                10,
                f.as_ptr(),
                f.len(),
                o,
                200,
                T0,
                &mut info
            ),
            sotto_status::InvalidArgument
        );
        // The frame is still fresh.
        let mut out = vec![0u8; f.len()];
        let (s, info) = decrypt(b, &f, &mut out);
        ok(s);
        assert_eq!(&out[..info.len], &payload[..]);

        // Encrypting in place: refused, no counter used.
        let mut inplace = vec![0x42u8; 200];
        let p = inplace.as_mut_ptr();
        let mut written = 0usize;
        assert_eq!(
            sotto_group_call_encrypt(a, null(), 0, p, 100, p, 200, &mut written),
            sotto_status::InvalidArgument
        );
        assert!(inplace.iter().all(|&x| x == 0x42));
        let next = frame(a, b"next");
        let mut d = null_mut();
        ok(sotto_sframe_decryptor_new(GCM, &mut d));
        let mut out = [0u8; 64];
        let (s, _) = decrypt(b, &next, &mut out);
        ok(s);
        // Same for the bare encryptor and decryptor.
        let key = [9u8; 32];
        let mut e = null_mut();
        ok(sotto_sframe_encryptor_new(GCM, 5, key.as_ptr(), 32, &mut e));
        ok(sotto_sframe_decryptor_add_key(d, 5, key.as_ptr(), 32));
        let mut buf = vec![0x55u8; 100];
        let p = buf.as_mut_ptr();
        assert_eq!(
            sotto_sframe_encryptor_encrypt(e, null(), 0, p, 50, p.add(10), 90, &mut written),
            sotto_status::InvalidArgument
        );
        assert_eq!(
            sotto_sframe_encryptor_encrypt(e, p.add(60), 10, buf.as_ptr(), 0, p, 80, &mut written),
            sotto_status::InvalidArgument
        );
        let mut sf = vec![0u8; 100];
        ok(sotto_sframe_encryptor_encrypt(
            e,
            null(),
            0,
            buf.as_ptr(),
            50,
            sf.as_mut_ptr(),
            100,
            &mut written,
        ));
        sf.truncate(written);
        let mut si = sotto_sframe_info::default();
        let sp = sf.as_mut_ptr();
        assert_eq!(
            sotto_sframe_decryptor_decrypt(d, null(), 0, sp, sf.len(), sp, sf.len(), &mut si),
            sotto_status::InvalidArgument
        );
        let mut out = vec![0u8; 100];
        ok(sotto_sframe_decryptor_decrypt(
            d,
            null(),
            0,
            sf.as_ptr(),
            sf.len(),
            out.as_mut_ptr(),
            100,
            &mut si,
        ));
        assert_eq!(si.ctr, 0);
        // SRTP key and salt in one overlapping buffer.
        let mut ks = [0u8; 40];
        let k = ks.as_mut_ptr();
        assert_eq!(
            sotto_call_signal_srtp(sig, 1, 1, k, 16, k.add(8), 14),
            sotto_status::InvalidArgument
        );
        // Adjacent is fine.
        ok(sotto_call_signal_srtp(sig, 1, 1, k, 16, k.add(16), 14));
        sotto_sframe_encryptor_free(&mut e);
        sotto_sframe_decryptor_free(&mut d);
        let (mut a, mut b, mut sig) = (a, b, sig);
        sotto_group_call_free(&mut a);
        sotto_group_call_free(&mut b);
        sotto_call_signal_free(&mut sig);
    }
}

// ---------------------------------------------------------------------------
// No allocation per frame, on success and on every error path (a per-thread
// counter: the other tests run beside this one).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sotto::calls::sframe::SframeSuite;
use sotto::calls::{CallSecret, GroupCall};

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator, counting this thread's calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ARMED.try_with(|a| {
            if a.get() {
                let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
            }
        });
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    ALLOCS.with(|n| n.set(0));
    ARMED.with(|a| a.set(true));
    let t = f();
    ARMED.with(|a| a.set(false));
    (t, ALLOCS.with(Cell::get))
}

#[test]
fn frames_allocate_nothing_on_success_or_error() {
    let (e1, e2) = ([0x31u8; 32], [0x32u8; 32]);
    for code in 1..=5u16 {
        let suite = SframeSuite::from_code(code).unwrap();
        let mut a = GroupCall::new(CALL, suite, 0);
        let mut b = GroupCall::new(CALL, suite, 1);
        for c in [&mut a, &mut b] {
            c.install(1, &CallSecret::from_bytes(&e1).unwrap(), &[0, 1, 2], T0)
                .unwrap();
        }
        let mut sf = [0u8; 1300];
        let mut out = [0u8; 1300];
        let frame = [9u8; 1200];
        let meta = [0u8; 2000];
        let (_, n) = allocations(|| {
            for i in 0..200u64 {
                let len = a.encrypt(b"meta", &frame, &mut sf).unwrap();
                b.decrypt(b"meta", &sf[..len], &mut out, T0 + i).unwrap();
                // Replay, tamper, unknown key, short buffer, long metadata.
                assert!(b.decrypt(b"meta", &sf[..len], &mut out, T0 + i).is_err());
                sf[len - 1] ^= 1;
                assert!(b.decrypt(b"meta", &sf[..len], &mut out, T0 + i).is_err());
                sf[0] ^= 0x10;
                assert!(b.decrypt(b"meta", &sf[..len], &mut out, T0 + i).is_err());
                assert!(
                    b.decrypt(b"meta", &sf[..len], &mut out[..3], T0 + i)
                        .is_err()
                );
                assert!(b.decrypt(&meta, &sf[..len], &mut out, T0 + i).is_err());
                assert!(a.encrypt(&meta, &frame, &mut sf).is_err());
                assert!(a.encrypt(b"", &frame, &mut sf[..10]).is_err());
            }
        });
        assert_eq!(n, 0, "suite {code}: {n} allocations");
        for c in [&mut a, &mut b] {
            c.install(2, &CallSecret::from_bytes(&e2).unwrap(), &[0, 1], T0 + 1000)
                .unwrap();
        }
        let (_, n) = allocations(|| {
            for i in 0..10u64 {
                let len = a.encrypt(b"meta", &frame, &mut sf).unwrap();
                // Across the retirement of the previous epoch too.
                b.decrypt(b"meta", &sf[..len], &mut out, T0 + 1000 + i * 1000)
                    .unwrap();
            }
        });
        assert_eq!(n, 0, "suite {code}: {n} allocations across retirement");
    }
}
