//! The cost of the C ABI: a 64-byte encrypt plus decrypt through the
//! exported functions (handles, status codes, library-owned buffers freed
//! and wiped, the panic boundary) against the same through the Rust API, in
//! the same run.
//!
//! Run: `cargo bench -p sotto-benches --bench overhead`.
#![allow(
    unsafe_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::ptr::null_mut;

use criterion::{Criterion, criterion_group, criterion_main};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};
use sotto_ffi::*;

const NOW: u64 = 1_800_000_000;

fn ok(s: sotto_status) {
    assert_eq!(s, sotto_status::Ok);
}

fn empty() -> sotto_buffer {
    sotto_buffer {
        data: null_mut(),
        len: 0,
    }
}

/// Two sessions set up and past their first round trip, through the C ABI.
fn ffi_pair() -> (*mut sotto_session, *mut sotto_session) {
    // SAFETY: every pointer passed is live or a fresh out-parameter.
    unsafe {
        let (mut alice, mut bob) = (null_mut(), null_mut());
        ok(sotto_identity_generate(&mut alice));
        ok(sotto_identity_generate(&mut bob));
        let mut store = null_mut();
        ok(sotto_prekey_store_new(bob, NOW, &mut store));
        ok(sotto_prekey_store_generate_one_time_prekeys(store, 1));
        let mut bundle = empty();
        ok(sotto_prekey_store_bundle(store, bob, 0, &mut bundle));
        let mut a = null_mut();
        ok(sotto_session_initiate(
            alice,
            bundle.data,
            bundle.len,
            &mut a,
        ));
        let mut m = empty();
        ok(sotto_session_encrypt(a, b"hi".as_ptr(), 2, &mut m));
        let (mut b, mut pt) = (null_mut(), empty());
        ok(sotto_prekey_store_accept(
            store, bob, m.data, m.len, NOW, &mut b, &mut pt,
        ));
        let mut r = empty();
        ok(sotto_session_encrypt(b, b"hi".as_ptr(), 2, &mut r));
        let mut rp = empty();
        ok(sotto_session_decrypt(a, r.data, r.len, &mut rp));
        for buf in [&mut bundle, &mut m, &mut pt, &mut r, &mut rp] {
            sotto_buffer_free(buf);
        }
        sotto_prekey_store_free(&mut store);
        sotto_identity_free(&mut alice);
        sotto_identity_free(&mut bob);
        (a, b)
    }
}

fn rust_pair() -> (Session, Session) {
    let mut rng = UnwrapErr(SysRng);
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, NOW);
    let opk = store.generate_one_time_prekeys(&mut rng, 1).unwrap()[0];
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opk),
        pq_prekey: None,
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let m = a.encrypt(&mut rng, b"hi").unwrap();
    let mut b = store.accept(&bob, &m, NOW).unwrap().session;
    let r = b.encrypt(&mut rng, b"hi").unwrap();
    a.decrypt(&r).unwrap();
    (a, b)
}

fn overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("encrypt_decrypt_64");
    let pt = [0x5au8; 64];
    let (mut a, mut b) = rust_pair();
    let mut rng = UnwrapErr(SysRng);
    g.bench_function("rust_api", |bench| {
        bench.iter(|| {
            let m = a.encrypt(&mut rng, black_box(&pt)).unwrap();
            black_box(b.decrypt(&m).unwrap());
        })
    });
    let (mut fa, mut fb) = ffi_pair();
    g.bench_function("c_abi", |bench| {
        bench.iter(|| {
            // SAFETY: live sessions and fresh out-parameters.
            unsafe {
                let (mut m, mut out) = (empty(), empty());
                ok(sotto_session_encrypt(
                    fa,
                    black_box(pt.as_ptr()),
                    pt.len(),
                    &mut m,
                ));
                ok(sotto_session_decrypt(fb, m.data, m.len, &mut out));
                sotto_buffer_free(&mut m);
                sotto_buffer_free(&mut out);
            }
        })
    });
    g.finish();
    // SAFETY: live handles, freed once.
    unsafe {
        sotto_session_free(&mut fa);
        sotto_session_free(&mut fb);
    }
}

criterion_group!(benches, overhead);
criterion_main!(benches);
