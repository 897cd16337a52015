//! Attacks on the C ABI of post-quantum session setup (PQXDH, ABI 7) by a
//! careless app and a hostile server: NULL handles and pointers, counts and
//! indices out of range, policy codes other than 0 and 1, bundles stripped
//! of their post-quantum prekey, tampered prekey messages, one-time
//! post-quantum prekeys used twice, and stale copies of the device's
//! prekeys. No call may crash, each refusal has its documented status, no
//! output is written on error, and a refused call changes no state (the
//! `_export` encodings are compared byte for byte). A counting allocator
//! checks that failures leak nothing.
#![cfg(feature = "store")]
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use sotto_ffi::*;

/// Seconds since the epoch.
const NOW: u64 = 1_800_000_000;
/// Bytes of a bundle up to and including its flags byte.
const BUNDLE_HEAD: usize = 175;
/// Bytes a one-time prekey adds to a bundle.
const OPK_LEN: usize = 36;
/// Bytes a post-quantum prekey adds to a bundle.
const PQ_LEN: usize = 1645;
/// Offset of a prekey message's flags byte.
const MSG_FLAGS: usize = 102;

// ---------------------------------------------------------------------------
// A thread-local count of live heap bytes, to see leaks through the C ABI.

struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    let _ = ARMED.try_with(|a| {
        if a.get() {
            let _ = LIVE.try_with(|n| n.set(n.get() + delta));
        }
    });
}

// SAFETY: forwards to the system allocator, counting this thread's live
// bytes while armed.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Net heap bytes `f` leaves allocated on this thread.
fn net_bytes(f: impl FnOnce()) -> isize {
    LIVE.with(|n| n.set(0));
    ARMED.with(|a| a.set(true));
    f();
    ARMED.with(|a| a.set(false));
    LIVE.with(Cell::get)
}

// ---------------------------------------------------------------------------
// Helpers.

fn ok(s: sotto_status) {
    assert_eq!(s, sotto_status::Ok);
}

fn empty() -> sotto_buffer {
    sotto_buffer {
        data: null_mut(),
        len: 0,
    }
}

/// A buffer the library must not touch: its fields are checked afterwards.
fn sentinel_buffer() -> sotto_buffer {
    sotto_buffer {
        data: 0x5a5a_usize as *mut u8,
        len: 0x5a5a,
    }
}

fn untouched(b: &sotto_buffer) {
    assert_eq!(b.data as usize, 0x5a5a, "buffer written on error");
    assert_eq!(b.len, 0x5a5a, "buffer written on error");
}

fn take(mut b: sotto_buffer) -> Vec<u8> {
    // SAFETY: a buffer the library wrote.
    let v = unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec();
    // SAFETY: as above.
    unsafe { sotto_buffer_free(&mut b) };
    v
}

fn identity() -> *mut sotto_identity {
    let mut id = null_mut();
    // SAFETY: valid pointer.
    ok(unsafe { sotto_identity_generate(&mut id) });
    id
}

fn prekeys(id: *const sotto_identity) -> *mut sotto_prekey_store {
    let mut s = null_mut();
    // SAFETY: live identity, valid pointer.
    ok(unsafe { sotto_prekey_store_new(id, NOW, &mut s) });
    s
}

fn export(store: *const sotto_prekey_store) -> Vec<u8> {
    let mut b = empty();
    // SAFETY: live store, valid pointer.
    ok(unsafe { sotto_prekey_store_export(store, &mut b) });
    take(b)
}

fn export_session(s: *const sotto_session) -> Vec<u8> {
    let mut b = empty();
    // SAFETY: live session, valid pointer.
    ok(unsafe { sotto_session_export(s, &mut b) });
    take(b)
}

fn pq_count(store: *const sotto_prekey_store) -> usize {
    let mut n = 0usize;
    // SAFETY: live store, valid pointer.
    ok(unsafe { sotto_prekey_store_pq_one_time_prekey_count(store, &mut n) });
    n
}

fn policy_of(store: *const sotto_prekey_store) -> u32 {
    let mut p = 77u32;
    // SAFETY: live store, valid pointer.
    ok(unsafe { sotto_prekey_store_pq_policy(store, &mut p) });
    p
}

fn bundle_pq(
    store: *const sotto_prekey_store,
    id: *const sotto_identity,
    opk: usize,
    pq: usize,
) -> Result<Vec<u8>, sotto_status> {
    let mut b = sentinel_buffer();
    // SAFETY: live handles, valid pointer.
    let s = unsafe { sotto_prekey_store_bundle_pq(store, id, opk, pq, &mut b) };
    if s == sotto_status::Ok {
        Ok(take(b))
    } else {
        untouched(&b);
        Err(s)
    }
}

fn bundle(store: *const sotto_prekey_store, id: *const sotto_identity) -> Vec<u8> {
    let mut b = empty();
    // SAFETY: live handles, valid pointer.
    ok(unsafe { sotto_prekey_store_bundle(store, id, usize::MAX, &mut b) });
    take(b)
}

/// The bundle without its post-quantum prekey: what a hostile server (or an
/// old peer) hands out, still correctly signed.
fn strip_pq(bundle: &[u8]) -> Vec<u8> {
    let flags = bundle[BUNDLE_HEAD - 1];
    assert_eq!(flags & 2, 2, "bundle has no post-quantum prekey");
    let keep = BUNDLE_HEAD + if flags & 1 == 1 { OPK_LEN } else { 0 };
    assert_eq!(bundle.len(), keep + PQ_LEN);
    let mut out = bundle[..keep].to_vec();
    out[BUNDLE_HEAD - 1] = flags & !2;
    out
}

/// A session handle the library must not overwrite on error.
const SENTINEL_SESSION: usize = 0x7e57;

fn initiate(
    id: *const sotto_identity,
    bundle: &[u8],
    policy: u32,
) -> Result<*mut sotto_session, sotto_status> {
    let mut out = SENTINEL_SESSION as *mut sotto_session;
    // SAFETY: live identity, readable bundle, valid pointer.
    let s = unsafe {
        sotto_session_initiate_with_policy(id, bundle.as_ptr(), bundle.len(), policy, &mut out)
    };
    if s == sotto_status::Ok {
        Ok(out)
    } else {
        assert_eq!(out as usize, SENTINEL_SESSION, "session written on error");
        Err(s)
    }
}

fn is_pq(s: *const sotto_session) -> u8 {
    let mut b = 9u8;
    // SAFETY: live session, valid pointer.
    ok(unsafe { sotto_session_is_post_quantum(s, &mut b) });
    b
}

fn encrypt(s: *mut sotto_session, msg: &[u8]) -> Vec<u8> {
    let mut b = empty();
    // SAFETY: live session, readable input, valid pointer.
    ok(unsafe { sotto_session_encrypt(s, msg.as_ptr(), msg.len(), &mut b) });
    take(b)
}

/// Accepts as the prekey store's owner; on error checks that no output was
/// written and the store is byte-for-byte unchanged.
fn accept(
    store: *mut sotto_prekey_store,
    id: *const sotto_identity,
    msg: &[u8],
) -> Result<(*mut sotto_session, Vec<u8>), sotto_status> {
    let before = export(store);
    let mut session = SENTINEL_SESSION as *mut sotto_session;
    let mut pt = sentinel_buffer();
    // SAFETY: live handles, readable message, valid pointers.
    let s = unsafe {
        sotto_prekey_store_accept(
            store,
            id,
            msg.as_ptr(),
            msg.len(),
            NOW,
            &mut session,
            &mut pt,
        )
    };
    if s == sotto_status::Ok {
        Ok((session, take(pt)))
    } else {
        assert_eq!(
            session as usize, SENTINEL_SESSION,
            "session written on error"
        );
        untouched(&pt);
        assert_eq!(export(store), before, "prekey store changed on {s:?}");
        Err(s)
    }
}

fn free_session(mut s: *mut sotto_session) {
    // SAFETY: a live handle or NULL.
    unsafe { sotto_session_free(&mut s) };
}

fn free_prekeys(mut s: *mut sotto_prekey_store) {
    // SAFETY: a live handle or NULL.
    unsafe { sotto_prekey_store_free(&mut s) };
}

fn free_identity(mut id: *mut sotto_identity) {
    // SAFETY: a live handle or NULL.
    unsafe { sotto_identity_free(&mut id) };
}

// ---------------------------------------------------------------------------
// Store helpers.

static FILES: AtomicUsize = AtomicUsize::new(0);
const HOST_KEY: [u8; 32] = [0x42; 32];

fn open_store() -> *mut sotto_store {
    let n = FILES.fetch_add(1, Ordering::Relaxed);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("attack_pqxdh_{}_{n}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let path = path.to_str().unwrap().as_bytes().to_vec();
    let mut s = null_mut();
    // SAFETY: readable path and key, valid pointer.
    ok(unsafe { sotto_store_open(path.as_ptr(), path.len(), HOST_KEY.as_ptr(), 0, &mut s) });
    s
}

fn free_store(mut s: *mut sotto_store) {
    // SAFETY: a live handle or NULL.
    unsafe { sotto_store_free(&mut s) };
}

fn store_policy(store: *const sotto_store) -> u32 {
    let mut p = 77u32;
    // SAFETY: live store, valid pointer.
    ok(unsafe { sotto_store_pq_policy(store, &mut p) });
    p
}

fn store_prekeys(store: *const sotto_store) -> *mut sotto_prekey_store {
    let mut p = null_mut();
    // SAFETY: live store, valid pointer.
    ok(unsafe { sotto_store_device_prekeys(store, &mut p) });
    p
}

fn store_prekeys_bytes(store: *const sotto_store) -> Vec<u8> {
    let p = store_prekeys(store);
    let v = export(p);
    free_prekeys(p);
    v
}

fn store_is_pq(store: *const sotto_store, contact: &[u8]) -> Result<u8, sotto_status> {
    let mut b = 9u8;
    // SAFETY: live store, readable contact, valid pointer.
    let s = unsafe { sotto_store_is_post_quantum(store, contact.as_ptr(), contact.len(), &mut b) };
    if s == sotto_status::Ok {
        Ok(b)
    } else {
        assert_eq!(b, 9, "output written on error");
        Err(s)
    }
}

fn store_initiate(store: *mut sotto_store, contact: &[u8], bundle: &[u8]) -> sotto_status {
    let mut status = MaybeUninit::<sotto_identity_status>::uninit();
    // SAFETY: live store, readable inputs, valid pointer.
    unsafe {
        sotto_store_initiate(
            store,
            contact.as_ptr(),
            contact.len(),
            bundle.as_ptr(),
            bundle.len(),
            NOW,
            status.as_mut_ptr(),
        )
    }
}

fn store_decrypt(
    store: *mut sotto_store,
    contact: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, sotto_status> {
    let mut id = -77i64;
    let mut pt = sentinel_buffer();
    // SAFETY: live store, readable inputs, valid pointers.
    let s = unsafe {
        sotto_store_decrypt(
            store,
            contact.as_ptr(),
            contact.len(),
            msg.as_ptr(),
            msg.len(),
            NOW,
            &mut id,
            &mut pt,
        )
    };
    if s == sotto_status::Ok {
        Ok(take(pt))
    } else {
        assert_eq!(id, -77, "id written on error");
        untouched(&pt);
        Err(s)
    }
}

/// A store with `bob`'s device set up from `pk`.
fn bob_store(bob: *const sotto_identity, pk: *const sotto_prekey_store) -> *mut sotto_store {
    let st = open_store();
    // SAFETY: live handles.
    ok(unsafe { sotto_store_set_device(st, bob, pk) });
    st
}

// ---------------------------------------------------------------------------
// Tests.

#[test]
fn null_handles_and_pointers_are_refused_not_dereferenced() {
    let id = identity();
    let pk = prekeys(id);
    let before = export(pk);
    let np = sotto_status::NullParameter;
    // SAFETY: every pointer is NULL or valid; the calls must refuse NULL.
    unsafe {
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(null_mut(), id, 1, NOW),
            np
        );
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(pk, null(), 1, NOW),
            np
        );
        let mut n = 4242usize;
        assert_eq!(
            sotto_prekey_store_pq_one_time_prekey_count(null(), &mut n),
            np
        );
        assert_eq!(n, 4242);
        assert_eq!(
            sotto_prekey_store_pq_one_time_prekey_count(pk, null_mut()),
            np
        );
        let mut b = sentinel_buffer();
        assert_eq!(
            sotto_prekey_store_bundle_pq(null(), id, usize::MAX, usize::MAX, &mut b),
            np
        );
        assert_eq!(
            sotto_prekey_store_bundle_pq(pk, null(), usize::MAX, usize::MAX, &mut b),
            np
        );
        untouched(&b);
        assert_eq!(
            sotto_prekey_store_bundle_pq(pk, id, usize::MAX, usize::MAX, null_mut()),
            np
        );
        assert_eq!(sotto_prekey_store_set_pq_policy(null_mut(), 1), np);
        let mut p = 77u32;
        assert_eq!(sotto_prekey_store_pq_policy(null(), &mut p), np);
        assert_eq!(p, 77);
        assert_eq!(sotto_prekey_store_pq_policy(pk, null_mut()), np);

        let bundle = bundle(pk, id);
        let mut out = SENTINEL_SESSION as *mut sotto_session;
        assert_eq!(
            sotto_session_initiate_with_policy(null(), bundle.as_ptr(), bundle.len(), 1, &mut out),
            np
        );
        assert_eq!(
            sotto_session_initiate_with_policy(id, null(), bundle.len(), 1, &mut out),
            np
        );
        assert_eq!(
            sotto_session_initiate_with_policy(id, null(), usize::MAX, 0, &mut out),
            np
        );
        // (NULL, 0) is the empty bundle, and non-NULL with length 0 too.
        assert_eq!(
            sotto_session_initiate_with_policy(id, null(), 0, 0, &mut out),
            sotto_status::Malformed
        );
        assert_eq!(
            sotto_session_initiate_with_policy(id, bundle.as_ptr(), 0, 1, &mut out),
            sotto_status::Malformed
        );
        assert_eq!(out as usize, SENTINEL_SESSION);
        assert_eq!(
            sotto_session_initiate_with_policy(id, bundle.as_ptr(), bundle.len(), 1, null_mut()),
            np
        );
        let mut q = 9u8;
        assert_eq!(sotto_session_is_post_quantum(null(), &mut q), np);
        assert_eq!(q, 9);

        let st = open_store();
        assert_eq!(sotto_store_set_pq_policy(null_mut(), 1), np);
        assert_eq!(sotto_store_pq_policy(null(), &mut p), np);
        assert_eq!(p, 77);
        assert_eq!(
            sotto_store_is_post_quantum(null(), b"bob".as_ptr(), 3, &mut q),
            np
        );
        assert_eq!(sotto_store_is_post_quantum(st, null(), 3, &mut q), np);
        assert_eq!(
            sotto_store_is_post_quantum(st, null(), usize::MAX, &mut q),
            np
        );
        assert_eq!(q, 9);
        // Before set_device: no device identity, nothing written.
        assert_eq!(
            sotto_store_set_pq_policy(st, 1),
            sotto_status::NoDeviceIdentity
        );
        assert_eq!(
            sotto_store_pq_policy(st, &mut p),
            sotto_status::NoDeviceIdentity
        );
        assert_eq!(p, 77);
        ok(sotto_store_set_device(st, id, pk));
        assert_eq!(sotto_store_pq_policy(st, null_mut()), np);
        assert_eq!(
            sotto_store_is_post_quantum(st, b"bob".as_ptr(), 3, null_mut()),
            np
        );
        assert_eq!(store_is_pq(st, b"bob"), Err(sotto_status::NotFound));
        assert_ne!(store_is_pq(st, b""), Ok(0));
        assert_ne!(store_is_pq(st, b""), Ok(1));
        assert_eq!(store_policy(st), 0);
        free_store(st);
    }
    assert_eq!(export(pk), before);
    free_prekeys(pk);
    free_identity(id);
}

#[test]
fn policy_codes_other_than_prefer_and_require_are_refused_and_change_nothing() {
    let id = identity();
    let pk = prekeys(id);
    let bundle = bundle(pk, id);
    for code in [2u32, 3, 0x100, u32::MAX / 2, u32::MAX] {
        for start in [0u32, 1] {
            // SAFETY: live store.
            ok(unsafe { sotto_prekey_store_set_pq_policy(pk, start) });
            let before = export(pk);
            // SAFETY: live store.
            let s = unsafe { sotto_prekey_store_set_pq_policy(pk, code) };
            assert_eq!(s, sotto_status::InvalidArgument, "code {code}");
            assert_eq!(export(pk), before);
            assert_eq!(policy_of(pk), start);
        }
        assert_eq!(
            initiate(id, &bundle, code).unwrap_err(),
            sotto_status::InvalidArgument
        );
        assert_eq!(
            initiate(id, &strip_pq(&bundle), code).unwrap_err(),
            sotto_status::InvalidArgument
        );
    }
    // SAFETY: live store.
    ok(unsafe { sotto_prekey_store_set_pq_policy(pk, 0) });

    let st = bob_store(id, pk);
    for start in [1u32, 0] {
        // SAFETY: live store.
        ok(unsafe { sotto_store_set_pq_policy(st, start) });
        let before = store_prekeys_bytes(st);
        for code in [2u32, 7, u32::MAX] {
            // SAFETY: live store.
            let s = unsafe { sotto_store_set_pq_policy(st, code) };
            assert_eq!(s, sotto_status::InvalidArgument);
            assert_eq!(store_policy(st), start);
            assert_eq!(store_prekeys_bytes(st), before);
        }
    }
    free_store(st);
    free_prekeys(pk);
    free_identity(id);
}

#[test]
fn generating_too_many_or_with_another_identity_changes_nothing() {
    let id = identity();
    let other = identity();
    let pk = prekeys(id);
    let before = export(pk);
    // SAFETY: live handles; the counts are plain integers.
    unsafe {
        for n in [usize::MAX, usize::MAX / 2, u32::MAX as usize, 101, 1 << 32] {
            assert_eq!(
                sotto_prekey_store_generate_pq_one_time_prekeys(pk, id, n, NOW),
                sotto_status::LimitExceeded,
                "count {n}"
            );
            assert_eq!(export(pk), before);
        }
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(pk, other, 1, NOW),
            sotto_status::InvalidSignature
        );
        assert_eq!(export(pk), before);
        // Zero is nothing to do.
        let s = sotto_prekey_store_generate_pq_one_time_prekeys(pk, id, 0, NOW);
        assert!(matches!(
            s,
            sotto_status::Ok | sotto_status::InvalidArgument
        ));
        assert_eq!(pq_count(pk), 0);
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            pk, id, 99, NOW,
        ));
        assert_eq!(pq_count(pk), 99);
        let full = export(pk);
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(pk, id, 2, NOW),
            sotto_status::LimitExceeded
        );
        assert_eq!(export(pk), full);
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            pk, id, 1, NOW,
        ));
        assert_eq!(pq_count(pk), 100);
        let full = export(pk);
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(pk, id, 1, NOW),
            sotto_status::LimitExceeded
        );
        assert_eq!(
            sotto_prekey_store_generate_pq_one_time_prekeys(pk, id, usize::MAX, NOW),
            sotto_status::LimitExceeded
        );
        assert_eq!(export(pk), full);
    }
    free_prekeys(pk);
    free_identity(other);
    free_identity(id);
}

#[test]
fn bundle_indices_out_of_range_are_refused() {
    let id = identity();
    let pk = prekeys(id);
    let inv = sotto_status::InvalidArgument;
    // Without one-time keys of either kind, only SIZE_MAX works.
    for i in [0usize, 1, usize::MAX - 1, u32::MAX as usize] {
        assert_eq!(bundle_pq(pk, id, i, usize::MAX).unwrap_err(), inv);
        assert_eq!(bundle_pq(pk, id, usize::MAX, i).unwrap_err(), inv);
        assert_eq!(bundle_pq(pk, id, i, i).unwrap_err(), inv);
    }
    let last_resort = bundle_pq(pk, id, usize::MAX, usize::MAX).unwrap();
    assert_eq!(last_resort, bundle(pk, id));
    assert_eq!(last_resort.len(), BUNDLE_HEAD + PQ_LEN);
    assert_eq!(last_resort[BUNDLE_HEAD - 1], 2);
    assert_eq!(last_resort[BUNDLE_HEAD], 1, "last-resort kind");

    // SAFETY: live handles.
    unsafe {
        ok(sotto_prekey_store_generate_one_time_prekeys(pk, 2));
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            pk, id, 3, NOW,
        ));
    }
    assert_eq!(bundle_pq(pk, id, 2, 0).unwrap_err(), inv);
    assert_eq!(bundle_pq(pk, id, 0, 3).unwrap_err(), inv);
    assert_eq!(bundle_pq(pk, id, usize::MAX - 1, 0).unwrap_err(), inv);
    assert_eq!(bundle_pq(pk, id, 0, usize::MAX - 1).unwrap_err(), inv);
    let b = bundle_pq(pk, id, 1, 2).unwrap();
    assert_eq!(b.len(), BUNDLE_HEAD + OPK_LEN + PQ_LEN);
    assert_eq!(b[BUNDLE_HEAD - 1], 3);
    assert_eq!(b[BUNDLE_HEAD + OPK_LEN], 2, "one-time kind");
    // Every one-time post-quantum prekey is distinct.
    let keys: Vec<Vec<u8>> = (0..3)
        .map(|i| bundle_pq(pk, id, usize::MAX, i).unwrap())
        .collect();
    assert!(keys[0] != keys[1] && keys[1] != keys[2] && keys[0] != keys[2]);
    free_prekeys(pk);
    free_identity(id);
}

#[test]
fn a_bundle_from_another_identity_or_with_a_relabelled_pq_key_is_refused() {
    let bob = identity();
    let mallory = identity();
    let alice = identity();
    let pk = prekeys(bob);
    // SAFETY: live handles.
    ok(unsafe { sotto_prekey_store_generate_pq_one_time_prekeys(pk, bob, 1, NOW) });
    // A careless app passes the wrong identity: the bundle does not verify.
    let wrong = bundle_pq(pk, mallory, usize::MAX, 0).unwrap();
    for p in [0, 1] {
        assert_eq!(
            initiate(alice, &wrong, p).unwrap_err(),
            sotto_status::InvalidSignature
        );
    }
    // A hostile server relabels a one-time key as last resort (or back), or
    // invents a kind: the kind is signed.
    let good = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    for (kind, want) in [
        (1u8, sotto_status::InvalidSignature),
        (0, sotto_status::Malformed),
        (3, sotto_status::Malformed),
        (0xff, sotto_status::Malformed),
    ] {
        let mut b = good.clone();
        b[BUNDLE_HEAD] = kind;
        assert_eq!(initiate(alice, &b, 0).unwrap_err(), want, "kind {kind}");
    }
    // Unknown flag bits, a flag with nothing behind it, truncations.
    for flags in [4u8, 0x80, 0xff] {
        let mut b = good.clone();
        b[BUNDLE_HEAD - 1] |= flags;
        assert_eq!(initiate(alice, &b, 0).unwrap_err(), sotto_status::Malformed);
    }
    let mut b = good[..BUNDLE_HEAD].to_vec();
    b[BUNDLE_HEAD - 1] = 2;
    assert_eq!(initiate(alice, &b, 1).unwrap_err(), sotto_status::Malformed);
    for cut in [1, 64, 1000, PQ_LEN - 1] {
        assert_eq!(
            initiate(alice, &good[..good.len() - cut], 0).unwrap_err(),
            sotto_status::Malformed,
            "cut {cut}"
        );
    }
    let mut long = good.clone();
    long.push(0);
    assert_eq!(
        initiate(alice, &long, 0).unwrap_err(),
        sotto_status::Malformed
    );
    // A flipped bit in the KEM key: its signature fails.
    let mut b = good.clone();
    b[BUNDLE_HEAD + 20] ^= 1;
    assert_eq!(
        initiate(alice, &b, 1).unwrap_err(),
        sotto_status::InvalidSignature
    );
    free_prekeys(pk);
    for id in [alice, bob, mallory] {
        free_identity(id);
    }
}

#[test]
fn require_refuses_a_stripped_bundle_and_writes_no_session() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    // SAFETY: live store.
    ok(unsafe { sotto_prekey_store_generate_one_time_prekeys(pk, 1) });
    for b in [bundle(pk, bob), bundle_pq(pk, bob, 0, usize::MAX).unwrap()] {
        let stripped = strip_pq(&b);
        assert_eq!(
            initiate(alice, &stripped, 1).unwrap_err(),
            sotto_status::PostQuantumRequired
        );
        // Prefer, and the old call, downgrade to X3DH as documented.
        let s = initiate(alice, &stripped, 0).unwrap();
        assert_eq!(is_pq(s), 0);
        free_session(s);
        let mut out = null_mut();
        // SAFETY: live identity, readable bundle, valid pointer.
        ok(unsafe { sotto_session_initiate(alice, stripped.as_ptr(), stripped.len(), &mut out) });
        assert_eq!(is_pq(out), 0);
        free_session(out);
        // The whole bundle is PQXDH under either policy.
        for p in [0, 1] {
            let s = initiate(alice, &b, p).unwrap();
            assert_eq!(is_pq(s), 1);
            free_session(s);
        }
    }
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}

#[test]
fn a_responder_under_require_refuses_x3dh_and_changes_nothing() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    // SAFETY: live store.
    unsafe {
        ok(sotto_prekey_store_generate_one_time_prekeys(pk, 1));
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            pk, bob, 1, NOW,
        ));
        ok(sotto_prekey_store_set_pq_policy(pk, 1));
    }
    let full = bundle_pq(pk, bob, 0, 0).unwrap();
    let s = initiate(alice, &strip_pq(&full), 0).unwrap();
    let msg = encrypt(s, b"downgraded");
    assert_eq!(msg[MSG_FLAGS], 1);
    assert_eq!(
        accept(pk, bob, &msg).unwrap_err(),
        sotto_status::PostQuantumRequired
    );
    assert_eq!(pq_count(pk), 1);
    // A hostile server sets the post-quantum flag on the X3DH message.
    let mut forged = msg.clone();
    forged[MSG_FLAGS] |= 2;
    assert!(accept(pk, bob, &forged).is_err());
    // Under prefer the same message is accepted, as X3DH.
    // SAFETY: live store.
    ok(unsafe { sotto_prekey_store_set_pq_policy(pk, 0) });
    let (bs, pt) = accept(pk, bob, &msg).unwrap();
    assert_eq!(pt, b"downgraded");
    assert_eq!(is_pq(bs), 0);
    assert_eq!(pq_count(pk), 1, "X3DH used no post-quantum prekey");
    free_session(bs);
    free_session(s);
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}

#[test]
fn one_time_pq_prekeys_are_used_once_and_only_on_success() {
    let bob = identity();
    let alice = identity();
    let carol = identity();
    let pk = prekeys(bob);
    // SAFETY: live handles.
    ok(unsafe { sotto_prekey_store_generate_pq_one_time_prekeys(pk, bob, 2, NOW) });
    let b0 = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    let s = initiate(alice, &b0, 1).unwrap();
    assert_eq!(is_pq(s), 1);
    let msg = encrypt(s, b"hello pq");
    assert_eq!(msg[MSG_FLAGS], 2);
    assert_eq!(msg[MSG_FLAGS + 1], 2, "one-time kind");
    let ct = MSG_FLAGS + 1 + 1 + 4;

    // Tampering anywhere before the ciphertext fails and consumes nothing.
    for (at, bit) in [
        (ct, 1u8),
        (ct + 1567, 0x80),
        (MSG_FLAGS + 2, 1),
        (msg.len() - 1, 1),
    ] {
        let mut t = msg.clone();
        t[at] ^= bit;
        assert!(accept(pk, bob, &t).is_err(), "tampered at {at}");
        assert_eq!(pq_count(pk), 2);
    }
    // Relabelled as the last-resort key of the same id, or an unknown kind.
    for kind in [1u8, 0, 3] {
        let mut t = msg.clone();
        t[MSG_FLAGS + 1] = kind;
        assert!(accept(pk, bob, &t).is_err(), "kind {kind}");
    }
    // A one-time id never allocated.
    let mut t = msg.clone();
    t[MSG_FLAGS + 2..MSG_FLAGS + 6].copy_from_slice(&99u32.to_be_bytes());
    assert!(accept(pk, bob, &t).is_err());
    let mut t = msg.clone();
    t[MSG_FLAGS + 2..MSG_FLAGS + 6].copy_from_slice(&99u32.to_le_bytes());
    assert!(accept(pk, bob, &t).is_err());
    assert_eq!(pq_count(pk), 2);
    // Truncated anywhere.
    for cut in [1, 48, 1600, msg.len() - 1] {
        assert!(accept(pk, bob, &msg[..msg.len() - cut]).is_err());
    }

    let (bs, pt) = accept(pk, bob, &msg).unwrap();
    assert_eq!(pt, b"hello pq");
    assert_eq!(is_pq(bs), 1);
    assert_eq!(pq_count(pk), 1);
    // Replayed: refused, nothing changes.
    assert_eq!(
        accept(pk, bob, &msg).unwrap_err(),
        sotto_status::DuplicateMessage
    );
    // The same one-time key from the same bundle, by another sender.
    let s2 = initiate(carol, &b0, 1).unwrap();
    let msg2 = encrypt(s2, b"again");
    assert_eq!(
        accept(pk, bob, &msg2).unwrap_err(),
        sotto_status::OneTimePrekeyReused
    );
    // The bundle still offered index 0 is now the other key.
    let b1 = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    assert_ne!(b1, b0);
    assert_eq!(
        bundle_pq(pk, bob, usize::MAX, 1).unwrap_err(),
        sotto_status::InvalidArgument
    );
    let s3 = initiate(carol, &b1, 1).unwrap();
    let (bs3, _) = accept(pk, bob, &encrypt(s3, b"fresh")).unwrap();
    assert_eq!(pq_count(pk), 0);
    // Only the last-resort key is left, still PQXDH.
    let lr = bundle_pq(pk, bob, usize::MAX, usize::MAX).unwrap();
    assert_eq!(
        bundle_pq(pk, bob, usize::MAX, 0).unwrap_err(),
        sotto_status::InvalidArgument
    );
    let s4 = initiate(carol, &lr, 1).unwrap();
    assert_eq!(is_pq(s4), 1);
    for x in [s, bs, s2, s3, bs3, s4] {
        free_session(x);
    }
    free_prekeys(pk);
    for id in [alice, bob, carol] {
        free_identity(id);
    }
}

#[test]
fn a_failed_decrypt_leaves_a_pq_session_unchanged() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    let s = initiate(alice, &bundle(pk, bob), 1).unwrap();
    let msg = encrypt(s, b"one");
    let (bs, _) = accept(pk, bob, &msg).unwrap();
    let reply = encrypt(bs, b"two");
    let before = export_session(s);
    for at in [0, 1, 10, reply.len() - 1] {
        let mut t = reply.clone();
        t[at] ^= 1;
        let mut out = sentinel_buffer();
        // SAFETY: live session, readable input, valid pointer.
        let st = unsafe { sotto_session_decrypt(s, t.as_ptr(), t.len(), &mut out) };
        assert_ne!(st, sotto_status::Ok);
        untouched(&out);
        assert_eq!(export_session(s), before);
    }
    // The session keeps its post-quantum flag through export and import.
    let bytes = export_session(bs);
    let mut back = null_mut();
    // SAFETY: readable input, valid pointer.
    ok(unsafe { sotto_session_import(bytes.as_ptr(), bytes.len(), &mut back) });
    assert_eq!(is_pq(back), 1);
    for x in [s, bs, back] {
        free_session(x);
    }
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}

#[test]
fn the_store_keeps_its_policy_when_given_prekeys_of_another() {
    let bob = identity();
    let pk = prekeys(bob);
    let st = bob_store(bob, pk);
    assert_eq!(store_policy(st), 0);
    for (stored, given) in [(1u32, 0u32), (0, 1)] {
        // SAFETY: live store.
        ok(unsafe { sotto_store_set_pq_policy(st, stored) });
        assert_eq!(store_policy(st), stored);
        let copy = store_prekeys(st);
        // SAFETY: live handles.
        unsafe {
            ok(sotto_prekey_store_set_pq_policy(copy, given));
            ok(sotto_prekey_store_generate_pq_one_time_prekeys(
                copy, bob, 1, NOW,
            ));
            ok(sotto_store_set_device_prekeys(st, copy));
        }
        assert_eq!(store_policy(st), stored, "set_device_prekeys changed it");
        free_prekeys(copy);
    }
    // Registering the same identity again never lowers require.
    // SAFETY: live handles.
    ok(unsafe { sotto_store_set_pq_policy(st, 1) });
    let copy = store_prekeys(st);
    // SAFETY: live handles.
    unsafe {
        ok(sotto_prekey_store_set_pq_policy(copy, 0));
        ok(sotto_store_set_device(st, bob, copy));
    }
    assert_eq!(store_policy(st), 1, "set_device lowered require");
    free_prekeys(copy);
    free_store(st);
    free_prekeys(pk);
    free_identity(bob);
}

#[test]
fn an_outdated_copy_of_the_prekeys_is_refused_as_stale() {
    let bob = identity();
    let other = identity();
    let pk = prekeys(bob);
    let st = bob_store(bob, pk);
    // SAFETY: live store.
    ok(unsafe { sotto_store_set_pq_policy(st, 1) });
    let old = store_prekeys(st);
    let fresh = store_prekeys(st);
    // SAFETY: live handles.
    unsafe {
        ok(sotto_prekey_store_rotate_signed_prekey(
            fresh,
            bob,
            NOW + 10,
        ));
        ok(sotto_store_set_device_prekeys(st, fresh));
    }
    let before = store_prekeys_bytes(st);
    // SAFETY: live handles.
    unsafe {
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            old, bob, 5, NOW,
        ));
        ok(sotto_prekey_store_set_pq_policy(old, 0));
        assert_eq!(
            sotto_store_set_device_prekeys(st, old),
            sotto_status::StalePrekeys
        );
    }
    assert_eq!(store_prekeys_bytes(st), before);
    assert_eq!(store_policy(st), 1);
    // Prekeys of another identity.
    let foreign = prekeys(other);
    // SAFETY: live handles.
    unsafe {
        assert_eq!(
            sotto_store_set_device_prekeys(st, foreign),
            sotto_status::DeviceMismatch
        );
        assert_eq!(
            sotto_store_set_device_prekeys(st, null()),
            sotto_status::NullParameter
        );
    }
    assert_eq!(store_prekeys_bytes(st), before);
    for p in [old, fresh, foreign, pk] {
        free_prekeys(p);
    }
    free_store(st);
    free_identity(other);
    free_identity(bob);
}

#[test]
fn the_store_under_require_refuses_downgrades_and_changes_nothing() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    let bob_st = bob_store(bob, pk);
    let alice_pk = prekeys(alice);
    let alice_st = bob_store(alice, alice_pk);
    free_prekeys(alice_pk);
    // SAFETY: live stores.
    unsafe {
        ok(sotto_store_set_pq_policy(alice_st, 1));
        ok(sotto_store_set_pq_policy(bob_st, 1));
    }
    // Alice's store refuses Bob's stripped bundle.
    let full = bundle(pk, bob);
    let stripped = strip_pq(&full);
    assert_eq!(
        store_initiate(alice_st, b"bob", &stripped),
        sotto_status::PostQuantumRequired
    );
    assert_eq!(store_is_pq(alice_st, b"bob"), Err(sotto_status::NotFound));
    // An X3DH first message from a plain session: Bob's store refuses it.
    let s = initiate(alice, &stripped, 0).unwrap();
    let msg = encrypt(s, b"x3dh");
    let before = store_prekeys_bytes(bob_st);
    assert_eq!(
        store_decrypt(bob_st, b"alice", &msg).unwrap_err(),
        sotto_status::PostQuantumRequired
    );
    assert_eq!(store_prekeys_bytes(bob_st), before);
    assert_eq!(store_is_pq(bob_st, b"alice"), Err(sotto_status::NotFound));
    assert_eq!(store_policy(bob_st), 1);
    // The full bundle works, and says so.
    ok(store_initiate(alice_st, b"bob", &full));
    assert_eq!(store_is_pq(alice_st, b"bob"), Ok(1));
    // Under prefer, the X3DH message is accepted and is not post-quantum.
    // SAFETY: live store.
    ok(unsafe { sotto_store_set_pq_policy(bob_st, 0) });
    assert_eq!(store_decrypt(bob_st, b"alice", &msg).unwrap(), b"x3dh");
    assert_eq!(store_is_pq(bob_st, b"alice"), Ok(0));
    free_session(s);
    free_store(alice_st);
    free_store(bob_st);
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}

#[test]
fn one_time_pq_prekeys_through_the_store_are_used_once() {
    let bob = identity();
    let alice = identity();
    let carol = identity();
    let pk = prekeys(bob);
    // SAFETY: live handles.
    ok(unsafe { sotto_prekey_store_generate_pq_one_time_prekeys(pk, bob, 2, NOW) });
    let st = bob_store(bob, pk);
    // SAFETY: live store.
    ok(unsafe { sotto_store_set_pq_policy(st, 1) });
    let b0 = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    let s = initiate(alice, &b0, 1).unwrap();
    let msg = encrypt(s, b"via store");
    assert_eq!(store_decrypt(st, b"alice", &msg).unwrap(), b"via store");
    assert_eq!(store_is_pq(st, b"alice"), Ok(1));
    let copy = store_prekeys(st);
    assert_eq!(pq_count(copy), 1);
    free_prekeys(copy);
    let before = store_prekeys_bytes(st);
    // Replayed under the same or another contact name.
    assert_eq!(
        store_decrypt(st, b"alice", &msg).unwrap_err(),
        sotto_status::DuplicateMessage
    );
    assert!(store_decrypt(st, b"mallory", &msg).is_err());
    // The same one-time key by another sender.
    let s2 = initiate(carol, &b0, 1).unwrap();
    assert_eq!(
        store_decrypt(st, b"carol", &encrypt(s2, b"again")).unwrap_err(),
        sotto_status::OneTimePrekeyReused
    );
    assert_eq!(store_prekeys_bytes(st), before);
    assert_eq!(store_is_pq(st, b"carol"), Err(sotto_status::NotFound));
    // The stale handle the app kept still lists the used key: giving it
    // back must not bring the key back.
    // SAFETY: live handles.
    ok(unsafe { sotto_store_set_device_prekeys(st, pk) });
    let copy = store_prekeys(st);
    assert_eq!(pq_count(copy), 1, "a used one-time key came back");
    free_prekeys(copy);
    let s3 = initiate(carol, &b0, 1).unwrap();
    assert_eq!(
        store_decrypt(st, b"carol", &encrypt(s3, b"third")).unwrap_err(),
        sotto_status::OneTimePrekeyReused
    );
    for x in [s, s2, s3] {
        free_session(x);
    }
    free_store(st);
    free_prekeys(pk);
    for id in [alice, bob, carol] {
        free_identity(id);
    }
}

#[test]
fn failures_and_freed_outputs_leak_nothing() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    // SAFETY: live handles.
    unsafe {
        ok(sotto_prekey_store_generate_pq_one_time_prekeys(
            pk, bob, 2, NOW,
        ));
        ok(sotto_prekey_store_set_pq_policy(pk, 1));
    }
    let full = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    let stripped = strip_pq(&full);
    let x3dh = {
        let s = initiate(alice, &stripped, 0).unwrap();
        let m = encrypt(s, b"x");
        free_session(s);
        m
    };
    let run = || {
        for _ in 0..8 {
            assert!(initiate(alice, &stripped, 1).is_err());
            assert!(initiate(alice, &full, 5).is_err());
            assert!(bundle_pq(pk, bob, usize::MAX, 7).is_err());
            // SAFETY: live handles.
            unsafe {
                assert_ne!(
                    sotto_prekey_store_generate_pq_one_time_prekeys(pk, bob, usize::MAX, NOW),
                    sotto_status::Ok
                );
            }
            let mut session = null_mut();
            let mut pt = empty();
            // SAFETY: live handles, readable message, valid pointers.
            let s = unsafe {
                sotto_prekey_store_accept(
                    pk,
                    bob,
                    x3dh.as_ptr(),
                    x3dh.len(),
                    NOW,
                    &mut session,
                    &mut pt,
                )
            };
            assert_eq!(s, sotto_status::PostQuantumRequired);
            // Successes whose outputs are freed.
            let b = bundle_pq(pk, bob, usize::MAX, 1).unwrap();
            let s = initiate(alice, &b, 1).unwrap();
            free_session(s);
        }
    };
    // Once to settle the per-thread last error, then counted.
    run();
    let leaked = net_bytes(run);
    assert!(leaked.abs() < 512, "{leaked} bytes left allocated");
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}

/// Registering again with a prekey store handle kept from before used to
/// bring used one-time post-quantum prekeys back (a finding: now reconciled).
#[test]
fn registering_again_with_an_old_handle_does_not_bring_used_pq_keys_back() {
    let bob = identity();
    let alice = identity();
    let pk = prekeys(bob);
    // SAFETY: live handles.
    ok(unsafe { sotto_prekey_store_generate_pq_one_time_prekeys(pk, bob, 1, NOW) });
    let st = bob_store(bob, pk);
    let b0 = bundle_pq(pk, bob, usize::MAX, 0).unwrap();
    let s = initiate(alice, &b0, 1).unwrap();
    let msg = encrypt(s, b"once");
    assert_eq!(store_decrypt(st, b"alice", &msg).unwrap(), b"once");
    // The app registers again with the handle it kept from before.
    // SAFETY: live handles.
    ok(unsafe { sotto_store_set_device(st, bob, pk) });
    let copy = store_prekeys(st);
    let left = pq_count(copy);
    free_prekeys(copy);
    // The first message, replayed under another contact name.
    let replay = store_decrypt(st, b"mallory", &msg);
    assert!(replay.is_err(), "a first message was accepted twice");
    assert_eq!(left, 0, "a used one-time post-quantum prekey came back");
    free_session(s);
    free_store(st);
    free_prekeys(pk);
    free_identity(alice);
    free_identity(bob);
}
