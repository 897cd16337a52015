//! Attacks on the C ABI of sealed sender by a careless app: NULL pointers,
//! NULL with a length, lengths out of range, one buffer for two outputs,
//! certificates of another identity, and refused envelopes. No call may
//! crash, each refusal has its documented status, and no output is
//! written on error.
#![allow(
    clippy::unwrap_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    missing_docs
)]

use std::ptr::{null, null_mut};

use sotto_ffi::*;

const NOW: u64 = 1_800_000_000_000;
const DAY: u64 = 86_400_000;

fn ok(s: sotto_status) {
    assert_eq!(s, sotto_status::Ok);
}

fn empty() -> sotto_buffer {
    sotto_buffer {
        data: null_mut(),
        len: 0,
    }
}

fn take(mut b: sotto_buffer) -> Vec<u8> {
    // SAFETY: a buffer the library wrote.
    let v = unsafe { std::slice::from_raw_parts(b.data, b.len) }.to_vec();
    // SAFETY: as above.
    unsafe { sotto_buffer_free(&mut b) };
    v
}

fn identity() -> (*mut sotto_identity, [u8; 64]) {
    let mut id = null_mut();
    let mut public = [0u8; 64];
    // SAFETY: valid pointers.
    unsafe {
        ok(sotto_identity_generate(&mut id));
        ok(sotto_identity_public_key(id, public.as_mut_ptr(), 64));
    }
    (id, public)
}

struct World {
    root: [u8; 64],
    alice: *mut sotto_identity,
    alice_pub: [u8; 64],
    bob: *mut sotto_identity,
    bob_pub: [u8; 64],
    cert: Vec<u8>,
    server_cert: Vec<u8>,
    server: *mut sotto_identity,
}

fn world() -> World {
    let (root_id, root) = identity();
    let (server, server_pub) = identity();
    let (alice, alice_pub) = identity();
    let (bob, bob_pub) = identity();
    let mut sc = empty();
    let mut c = empty();
    // SAFETY: valid pointers.
    unsafe {
        ok(sotto_server_certificate_issue(
            root_id,
            1,
            server_pub.as_ptr(),
            &mut sc,
        ));
    }
    let server_cert = take(sc);
    // SAFETY: valid pointers.
    unsafe {
        ok(sotto_sender_certificate_issue(
            server,
            server_cert.as_ptr(),
            server_cert.len(),
            b"alice".as_ptr(),
            5,
            alice_pub.as_ptr(),
            3,
            NOW + DAY,
            &mut c,
        ));
    }
    World {
        root,
        alice,
        alice_pub,
        bob,
        bob_pub,
        cert: take(c),
        server_cert,
        server,
    }
}

fn seal(
    w: &World,
    sender: *mut sotto_identity,
    cert: &[u8],
    msg: &[u8],
) -> (sotto_status, Vec<u8>) {
    let mut out = empty();
    // SAFETY: valid pointers.
    let s = unsafe {
        sotto_sealed_sender_seal(
            sender,
            cert.as_ptr(),
            cert.len(),
            w.bob_pub.as_ptr(),
            msg.as_ptr(),
            msg.len(),
            &mut out,
        )
    };
    if s == sotto_status::Ok {
        (s, take(out))
    } else {
        assert!(out.data.is_null() && out.len == 0);
        (s, Vec::new())
    }
}

/// Opens as Bob; on error checks that no output was written.
fn open(
    w: &World,
    root: &[u8; 64],
    env: &[u8],
    now: u64,
) -> Result<(sotto_unsealed, Vec<u8>, Vec<u8>), sotto_status> {
    let mut from = sotto_unsealed::default();
    let mut sender = empty();
    let mut message = empty();
    // SAFETY: valid pointers.
    let s = unsafe {
        sotto_sealed_sender_open(
            w.bob,
            root.as_ptr(),
            env.as_ptr(),
            env.len(),
            now,
            &mut from,
            &mut sender,
            &mut message,
        )
    };
    if s == sotto_status::Ok {
        Ok((from, take(sender), take(message)))
    } else {
        assert_eq!(from.identity, [0u8; 64]);
        assert_eq!((from.device, from.expires_ms), (0, 0));
        assert!(sender.data.is_null() && message.data.is_null());
        Err(s)
    }
}

#[test]
fn sealed_sender_through_c_learns_the_sender_and_refuses_with_the_documented_status() {
    let w = world();
    // SAFETY: valid pointers.
    unsafe {
        ok(sotto_sender_certificate_verify(
            w.cert.as_ptr(),
            w.cert.len(),
            w.root.as_ptr(),
            NOW,
        ));
        assert_eq!(
            sotto_sender_certificate_verify(
                w.cert.as_ptr(),
                w.cert.len(),
                w.root.as_ptr(),
                NOW + DAY
            ),
            sotto_status::Expired
        );
        assert_eq!(
            sotto_sender_certificate_verify(
                w.cert.as_ptr(),
                w.cert.len(),
                w.alice_pub.as_ptr(),
                NOW
            ),
            sotto_status::InvalidSignature
        );
    }
    let (s, env) = seal(&w, w.alice, &w.cert, b"inner");
    ok(s);
    let (from, sender, message) = open(&w, &w.root, &env, NOW).unwrap();
    assert_eq!(from.identity, w.alice_pub);
    assert_eq!((from.device, from.expires_ms), (3, NOW + DAY));
    assert_eq!(sender, b"alice");
    assert_eq!(message, b"inner");
    assert!(!env.windows(5).any(|x| x == b"alice"));
    assert!(!env.windows(32).any(|x| x == &w.alice_pub[..32]));

    let mut t = env.clone();
    let last = t.len() - 1;
    t[last] ^= 1;
    assert_eq!(
        open(&w, &w.root, &t, NOW).unwrap_err(),
        sotto_status::DecryptFailed
    );
    assert_eq!(
        open(&w, &w.root, &env, NOW + DAY).unwrap_err(),
        sotto_status::Expired
    );
    assert_eq!(
        open(&w, &w.alice_pub, &env, NOW).unwrap_err(),
        sotto_status::InvalidSignature
    );
    // Bob sealing with Alice's certificate.
    assert_eq!(seal(&w, w.bob, &w.cert, b"x").0, sotto_status::WrongType);
    // Junk and truncated certificates.
    assert_ne!(
        seal(&w, w.alice, &w.cert[..w.cert.len() - 1], b"x").0,
        sotto_status::Ok
    );
    assert_ne!(seal(&w, w.alice, &[], b"x").0, sotto_status::Ok);
    for cut in 0..env.len() {
        assert!(open(&w, &w.root, &env[..cut], NOW).is_err());
    }
}

#[test]
fn careless_callers_get_errors_not_crashes() {
    let w = world();
    let (s, env) = seal(&w, w.alice, &w.cert, b"inner");
    ok(s);
    let mut from = sotto_unsealed::default();
    let mut a = empty();
    let mut b = empty();
    // SAFETY: every pointer is NULL or valid; the lengths go with NULL on
    // purpose, which the library must refuse before reading.
    unsafe {
        // NULL handles, keys and outputs.
        assert_ne!(
            sotto_server_certificate_issue(null(), 1, w.bob_pub.as_ptr(), &mut a),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_server_certificate_issue(w.server, 1, null(), &mut a),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_server_certificate_issue(w.server, 1, w.bob_pub.as_ptr(), null_mut()),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sender_certificate_issue(
                w.server,
                null(),
                10,
                b"a".as_ptr(),
                1,
                w.alice_pub.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sender_certificate_issue(
                w.server,
                w.server_cert.as_ptr(),
                w.server_cert.len(),
                null(),
                5,
                w.alice_pub.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::Ok
        );
        // User ids of 0 and 256 bytes; a key not the certificate's.
        let long = [b'a'; 256];
        assert_ne!(
            sotto_sender_certificate_issue(
                w.server,
                w.server_cert.as_ptr(),
                w.server_cert.len(),
                long.as_ptr(),
                0,
                w.alice_pub.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::Ok
        );
        assert_eq!(
            sotto_sender_certificate_issue(
                w.server,
                w.server_cert.as_ptr(),
                w.server_cert.len(),
                long.as_ptr(),
                256,
                w.alice_pub.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::LimitExceeded
        );
        assert_eq!(
            sotto_sender_certificate_issue(
                w.alice,
                w.server_cert.as_ptr(),
                w.server_cert.len(),
                b"a".as_ptr(),
                1,
                w.alice_pub.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::WrongType
        );
        // An identity that is not a valid key.
        let bad = [0u8; 64];
        assert_ne!(
            sotto_sender_certificate_issue(
                w.server,
                w.server_cert.as_ptr(),
                w.server_cert.len(),
                b"a".as_ptr(),
                1,
                bad.as_ptr(),
                0,
                NOW,
                &mut a
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sender_certificate_verify(null(), 5, w.root.as_ptr(), NOW),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sender_certificate_verify(w.cert.as_ptr(), w.cert.len(), null(), NOW),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_seal(
                null(),
                w.cert.as_ptr(),
                w.cert.len(),
                w.bob_pub.as_ptr(),
                null(),
                0,
                &mut a
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_seal(
                w.alice,
                w.cert.as_ptr(),
                w.cert.len(),
                w.bob_pub.as_ptr(),
                null(),
                7,
                &mut a
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_seal(
                w.alice,
                w.cert.as_ptr(),
                w.cert.len(),
                null(),
                b"x".as_ptr(),
                1,
                &mut a
            ),
            sotto_status::Ok
        );
        // A huge message is refused, not sealed.
        let huge = vec![0u8; 600 * 1024];
        assert_eq!(
            sotto_sealed_sender_seal(
                w.alice,
                w.cert.as_ptr(),
                w.cert.len(),
                w.bob_pub.as_ptr(),
                huge.as_ptr(),
                huge.len(),
                &mut a
            ),
            sotto_status::LimitExceeded
        );
        assert_ne!(
            sotto_sealed_sender_open(
                null(),
                w.root.as_ptr(),
                env.as_ptr(),
                env.len(),
                NOW,
                &mut from,
                &mut a,
                &mut b
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_open(
                w.bob,
                w.root.as_ptr(),
                null(),
                40,
                NOW,
                &mut from,
                &mut a,
                &mut b
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_open(
                w.bob,
                w.root.as_ptr(),
                env.as_ptr(),
                env.len(),
                NOW,
                null_mut(),
                &mut a,
                &mut b
            ),
            sotto_status::Ok
        );
        assert_ne!(
            sotto_sealed_sender_open(
                w.bob,
                w.root.as_ptr(),
                env.as_ptr(),
                env.len(),
                NOW,
                &mut from,
                &mut a,
                null_mut()
            ),
            sotto_status::Ok
        );
        // One buffer for the user id and the message.
        assert_eq!(
            sotto_sealed_sender_open(
                w.bob,
                w.root.as_ptr(),
                env.as_ptr(),
                env.len(),
                NOW,
                &mut from,
                &mut a,
                &mut a
            ),
            sotto_status::InvalidArgument
        );
        assert!(a.data.is_null() && b.data.is_null());
        assert_eq!(from.identity, [0u8; 64]);
        // The store calls with a NULL store.
        let mut sent = std::mem::zeroed::<sotto_sent>();
        assert_ne!(
            sotto_store_send_sealed(
                null_mut(),
                b"bob".as_ptr(),
                3,
                1,
                b"hi".as_ptr(),
                2,
                w.cert.as_ptr(),
                w.cert.len(),
                NOW,
                &mut sent,
                &mut a
            ),
            sotto_status::Ok
        );
        let mut id = 0i64;
        let mut info = std::mem::zeroed::<sotto_message_info>();
        assert_ne!(
            sotto_store_receive_sealed(
                null_mut(),
                w.root.as_ptr(),
                env.as_ptr(),
                env.len(),
                NOW,
                &mut id,
                &mut info,
                &mut a,
                &mut b
            ),
            sotto_status::Ok
        );
        assert!(a.data.is_null() && b.data.is_null());
        for id in [w.alice, w.bob, w.server] {
            let mut id = id;
            sotto_identity_free(&mut id);
        }
    }
}
