//! Sealed sender through two stores: Alice's sealed message reaches Bob,
//! filed under the certificate's sender id, while the envelope shows
//! neither her identity nor her id; refusals change nothing: an expired
//! certificate, another trust root, and a certificate that names "alice"
//! but another identity wrapping Alice's genuine message (the inner
//! message must come from the identity that sealed).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::{DAY_MS, NOW_MS, dir, pair, rng};
use sotto::sealed_sender::{SenderCertificate, ServerCertificate, seal};
use sotto::{Content, IdentityKeyPair};
use sotto_store::Error;

#[test]
fn a_sealed_message_reaches_the_contact_and_refusals_change_nothing() {
    let d = dir("sealed", "basic");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let root = IdentityKeyPair::generate(&mut r);
    let server = IdentityKeyPair::generate(&mut r);
    let server_cert = ServerCertificate::issue(&root, 1, server.public_key());
    let alice_id = *alice.device_identity().unwrap().public_key();
    let cert = SenderCertificate::issue(
        &server,
        &server_cert,
        b"alice",
        &alice_id,
        0,
        NOW_MS + DAY_MS,
    )
    .unwrap();
    let sent = alice
        .send_sealed(
            &mut r,
            b"bob",
            &Content::text("sealed hello"),
            &cert,
            NOW_MS,
        )
        .unwrap();
    let env = &sent.outgoing.message;
    assert!(!env.windows(32).any(|w| w == &alice_id.to_bytes()[..32]));
    assert!(!env.windows(5).any(|w| w == b"alice"));
    // Another root, or too late: refused, nothing committed.
    let other = IdentityKeyPair::generate(&mut r);
    assert_eq!(
        bob.receive_sealed(&mut r, other.public_key(), env, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::InvalidSignature)
    );
    assert_eq!(
        bob.receive_sealed(&mut r, root.public_key(), env, NOW_MS + DAY_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::Expired)
    );
    let got = bob
        .receive_sealed(&mut r, root.public_key(), env, NOW_MS)
        .unwrap();
    assert_eq!(got.conversation, b"alice".to_vec());
    assert_eq!(got.sender, Some(alice_id));
    match got.envelope.as_ref().map(|e| &e.content) {
        Some(Content::Text(t)) => assert_eq!(t.as_str(), "sealed hello"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bob.receive_sealed(&mut r, root.public_key(), env, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::Duplicate)
    );

    // Mallory, holding a certificate for "alice" with her own identity (a
    // service that erred), wraps Alice's genuine next message.
    let mallory = IdentityKeyPair::generate(&mut r);
    let bad = SenderCertificate::issue(
        &server,
        &server_cert,
        b"alice",
        mallory.public_key(),
        0,
        NOW_MS + DAY_MS,
    )
    .unwrap();
    let genuine = alice
        .send(&mut r, b"bob", &Content::text("from Alice"), NOW_MS)
        .unwrap();
    let wrapped = seal(
        &mut r,
        &mallory,
        &bad,
        &bob.device_identity().unwrap().public_key().clone(),
        &genuine.outgoing.message,
    )
    .unwrap();
    assert_eq!(
        bob.receive_sealed(&mut r, root.public_key(), &wrapped, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::UntrustedIdentity)
    );
    // Nothing was committed: the genuine message still reads, once.
    let got = bob
        .receive(&mut r, b"alice", &genuine.outgoing.message, NOW_MS)
        .unwrap();
    assert_eq!(got.sender, Some(alice_id));
}
