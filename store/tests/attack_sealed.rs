//! Attacks on sealed sender through the store: Mallory, holding a valid
//! certificate for her own id, wraps a prekey message she saw Carol send
//! (the server showed it to her) so that Bob files it under her contact;
//! refused sends and receptions must leave nothing behind (trust records,
//! sessions, outbox), and a later genuine message must still decrypt.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::{DAY_MS, NOW_MS, device, dir, pair, rng};
use sotto::sealed_sender::{SenderCertificate, ServerCertificate, seal};
use sotto::{Content, IdentityKeyPair, TrustPolicy};
use sotto_store::Error;

struct Service {
    root: IdentityKeyPair,
    key: IdentityKeyPair,
    cert: ServerCertificate,
}

fn service(r: &mut common::Rng) -> Service {
    let root = IdentityKeyPair::generate(r);
    let key = IdentityKeyPair::generate(r);
    let cert = ServerCertificate::issue(&root, 1, key.public_key());
    Service { root, key, cert }
}

fn certify(s: &Service, user: &[u8], id: &IdentityKeyPair) -> SenderCertificate {
    SenderCertificate::issue(&s.key, &s.cert, user, id.public_key(), 0, NOW_MS + DAY_MS).unwrap()
}

fn wrapped_prekey_message_is_refused_under(policy: TrustPolicy, name: &str) {
    let d = dir("attack_sealed", name);
    let mut r = rng();
    let svc = service(&mut r);
    let (mut bob, bob_bundle, bob_id) = device(&d, "bob", &mut r);
    bob.set_trust_policy(&mut r, policy).unwrap();
    // Mallory has a session with Bob, filed under "mallory".
    let (mut mallory, _, mallory_id) = device(&d, "mallory", &mut r);
    let m_cert = certify(&svc, b"mallory", &mallory_id);
    mallory
        .initiate(&mut r, b"bob", &bob_bundle, NOW_MS / 1000)
        .unwrap();
    let hi = mallory
        .send_sealed(&mut r, b"bob", &Content::text("hi"), &m_cert, NOW_MS)
        .unwrap();
    let got = bob
        .receive_sealed(&mut r, svc.root.public_key(), &hi.outgoing.message, NOW_MS)
        .unwrap();
    assert_eq!(got.conversation, b"mallory".to_vec());
    bob.ack_incoming(got.id).unwrap();
    let before = bob.trust_record(b"mallory").unwrap();
    assert_eq!(before.unwrap().identity, *mallory_id.public_key());

    // Carol's first (prekey) message to Bob, sent in the clear.
    let (mut carol, _, carol_id) = device(&d, "carol", &mut r);
    carol
        .initiate(&mut r, b"bob", &bob_bundle, NOW_MS / 1000)
        .unwrap();
    let carols = carol
        .send(&mut r, b"bob", &Content::text("from Carol"), NOW_MS)
        .unwrap();
    // Mallory wraps it in her own, valid, sealed envelope.
    let wrapped = seal(
        &mut r,
        &mallory_id,
        &m_cert,
        bob_id.public_key(),
        &carols.outgoing.message,
    )
    .unwrap();
    assert_eq!(
        bob.receive_sealed(&mut r, svc.root.public_key(), &wrapped, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::UntrustedIdentity)
    );
    // Nothing committed: Mallory's trust record is as it was (no pending
    // change to Carol's identity), nothing waits in the inbox.
    assert_eq!(bob.trust_record(b"mallory").unwrap(), before);
    assert!(bob.pending_incoming().unwrap().is_empty());
    // Carol's message still reads, under her name, once.
    let got = bob
        .receive(&mut r, b"carol", &carols.outgoing.message, NOW_MS)
        .unwrap();
    assert_eq!(got.sender, Some(*carol_id.public_key()));
    bob.ack_incoming(got.id).unwrap();
    // And Mallory's next genuine message still reads under hers.
    let next = mallory
        .send_sealed(&mut r, b"bob", &Content::text("again"), &m_cert, NOW_MS)
        .unwrap();
    let got = bob
        .receive_sealed(
            &mut r,
            svc.root.public_key(),
            &next.outgoing.message,
            NOW_MS,
        )
        .unwrap();
    assert_eq!(got.conversation, b"mallory".to_vec());
    assert_eq!(got.sender, Some(*mallory_id.public_key()));
}

#[test]
fn a_prekey_message_wrapped_by_another_sender_is_refused_and_nothing_committed_block() {
    wrapped_prekey_message_is_refused_under(TrustPolicy::Block, "wrapped_block");
}

#[test]
fn a_prekey_message_wrapped_by_another_sender_is_refused_and_nothing_committed_warn() {
    wrapped_prekey_message_is_refused_under(TrustPolicy::Warn, "wrapped_warn");
}

/// Every kind of refused envelope (tampered bytes, truncation, another
/// recipient, a huge one, an expired or foreign-rooted certificate) leaves
/// Bob's store as it was: the genuine envelope then reads once.
#[test]
fn refused_envelopes_commit_nothing() {
    let d = dir("attack_sealed", "refusals");
    let mut r = rng();
    let svc = service(&mut r);
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let alice_id = alice.device_identity().unwrap();
    let cert = certify(&svc, b"alice", &alice_id);
    let sent = alice
        .send_sealed(&mut r, b"bob", &Content::text("one"), &cert, NOW_MS)
        .unwrap();
    let env = sent.outgoing.message.clone();
    let root = *svc.root.public_key();
    for i in (0..env.len()).step_by(7) {
        let mut t = env.clone();
        t[i] ^= 0x40;
        assert!(bob.receive_sealed(&mut r, &root, &t, NOW_MS).is_err());
    }
    assert!(
        bob.receive_sealed(&mut r, &root, &env[..env.len() - 1], NOW_MS)
            .is_err()
    );
    let huge = vec![0u8; 8 * 1024 * 1024];
    assert!(bob.receive_sealed(&mut r, &root, &huge, NOW_MS).is_err());
    assert_eq!(
        bob.receive_sealed(&mut r, &root, &env, NOW_MS + DAY_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::Expired)
    );
    let other = IdentityKeyPair::generate(&mut r);
    assert_eq!(
        bob.receive_sealed(&mut r, other.public_key(), &env, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::InvalidSignature)
    );
    // Sealed to Alice herself instead of Bob (another recipient).
    assert!(alice.receive_sealed(&mut r, &root, &env, NOW_MS).is_err());
    assert!(bob.pending_incoming().unwrap().is_empty());
    let got = bob.receive_sealed(&mut r, &root, &env, NOW_MS).unwrap();
    assert_eq!(got.conversation, b"alice".to_vec());
    match got.envelope.as_ref().map(|e| &e.content) {
        Some(Content::Text(t)) => assert_eq!(t.as_str(), "one"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bob.receive_sealed(&mut r, &root, &env, NOW_MS).unwrap_err(),
        Error::Core(sotto::Error::Duplicate)
    );
}

/// A send refused for a certificate of another identity leaves the
/// session and outbox as they were: the next send is the one Bob reads.
#[test]
fn a_refused_sealed_send_commits_nothing() {
    let d = dir("attack_sealed", "send");
    let mut r = rng();
    let svc = service(&mut r);
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let alice_id = alice.device_identity().unwrap();
    let bob_id = bob.device_identity().unwrap();
    let wrong = certify(&svc, b"alice", &bob_id);
    let outbox = alice.pending_outgoing().unwrap().len();
    assert_eq!(
        alice
            .send_sealed(&mut r, b"bob", &Content::text("x"), &wrong, NOW_MS)
            .unwrap_err(),
        Error::Core(sotto::Error::WrongType)
    );
    assert!(
        alice
            .send_sealed(
                &mut r,
                b"nobody",
                &Content::text("x"),
                &certify(&svc, b"alice", &alice_id),
                NOW_MS
            )
            .is_err()
    );
    assert_eq!(alice.pending_outgoing().unwrap().len(), outbox);
    let cert = certify(&svc, b"alice", &alice_id);
    let sent = alice
        .send_sealed(&mut r, b"bob", &Content::text("real"), &cert, NOW_MS)
        .unwrap();
    let got = bob
        .receive_sealed(
            &mut r,
            svc.root.public_key(),
            &sent.outgoing.message,
            NOW_MS,
        )
        .unwrap();
    assert_eq!(got.sender, Some(*alice_id.public_key()));
}
