//! Identity trust: first use, verification, identity changes caught from a
//! new bundle and from an incoming message, the block and warn policies, and
//! persistence.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, TestRng, device, establish};
use sotto::{
    Error, IdentityKeyPair, IdentityStatus, ScanResult, SecurityCode, Session, TrustPolicy,
    TrustStore, inspect_prekey_message,
};

const BOB: &[u8] = b"+15550100";

#[test]
fn first_use_then_verified_by_security_code() {
    let mut rng = TestRng::new(1);
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = device(&mut rng, 1);
    let mut trust = TrustStore::new(TrustPolicy::Block);
    let bundle = bob.bundle(true);
    assert_eq!(
        trust.observe(BOB, &bundle.identity, NOW).unwrap(),
        IdentityStatus::New
    );
    let r = trust.record(BOB).unwrap();
    assert_eq!((r.first_seen, r.verified), (NOW, false));
    assert_eq!(
        trust.observe(BOB, &bundle.identity, NOW + 5).unwrap(),
        IdentityStatus::Known { verified: false }
    );

    // Alice scans Bob's QR code: a match marks Bob verified.
    let mine = SecurityCode::new(alice.public_key(), b"alice", &bundle.identity, BOB).unwrap();
    let his = SecurityCode::new(&bundle.identity, BOB, alice.public_key(), b"alice").unwrap();
    assert_eq!(mine.digits(), his.digits());
    assert_eq!(
        mine.compare_scanned(&his.scannable()).unwrap(),
        ScanResult::Match
    );
    trust.set_verified(BOB, &bundle.identity, true).unwrap();
    assert_eq!(
        trust.observe(BOB, &bundle.identity, NOW).unwrap(),
        IdentityStatus::Known { verified: true }
    );
    assert_eq!(trust.record(BOB).unwrap().first_seen, NOW);
}

#[test]
fn a_changed_bundle_is_caught_and_encryption_refused_until_accepted() {
    let mut rng = TestRng::new(2);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut bob = device(&mut rng, 2);
    let mut trust = TrustStore::new(TrustPolicy::Block);
    let old = bob.identity.public_key().to_owned();
    trust.observe(BOB, &old, NOW).unwrap();
    trust.set_verified(BOB, &old, true).unwrap();
    let mut to_old = establish(&mut rng, &alice, &mut bob, true, b"hi").alice;

    // Bob reinstalls: a new identity and a new bundle on the server.
    let new_bob = device(&mut rng, 1);
    let bundle = new_bob.bundle(true);
    let status = trust.observe(BOB, &bundle.identity, NOW + 100).unwrap();
    assert_eq!(
        status,
        IdentityStatus::Changed {
            previous: old,
            was_verified: true,
            blocked: true
        }
    );
    // The change is pending; the old identity stays trusted and verified
    // (a pending change says nothing against it).
    let r = trust.record(BOB).unwrap();
    assert!(r.verified);
    assert_eq!(r.identity, old);
    assert_eq!(r.pending.unwrap().identity, bundle.identity);
    assert_eq!(r.pending.unwrap().seen_at, NOW + 100);

    // A session to the new identity cannot encrypt; nothing changes.
    let mut to_new = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let before = to_new.to_bytes();
    assert_eq!(
        to_new.encrypt_checked(&mut rng, &trust, BOB, b"secret"),
        Err(Error::UntrustedIdentity)
    );
    assert_eq!(to_new.to_bytes(), before);
    // The old, trusted identity still can.
    to_old
        .encrypt_checked(&mut rng, &trust, BOB, b"to the old one")
        .unwrap();
    // Seeing the change again does not move its first-seen time.
    trust.observe(BOB, &bundle.identity, NOW + 200).unwrap();
    assert_eq!(
        trust.record(BOB).unwrap().pending.unwrap().seen_at,
        NOW + 100
    );

    // Accepting some other identity is refused; accepting the pending one works.
    let stranger = *IdentityKeyPair::generate(&mut rng).public_key();
    assert_eq!(
        trust.accept_change(BOB, &stranger, NOW + 300),
        Err(Error::UntrustedIdentity)
    );
    trust
        .accept_change(BOB, &bundle.identity, NOW + 300)
        .unwrap();
    let wire = to_new
        .encrypt_checked(&mut rng, &trust, BOB, b"secret")
        .unwrap();
    assert!(!wire.is_empty());
    assert_eq!(
        trust.observe(BOB, &bundle.identity, NOW + 400).unwrap(),
        IdentityStatus::Known { verified: false }
    );
    assert_eq!(trust.record(BOB).unwrap().first_seen, NOW + 300);
    assert_eq!(
        to_old.encrypt_checked(&mut rng, &trust, BOB, b"old"),
        Err(Error::UntrustedIdentity)
    );
}

#[test]
fn a_changed_identity_is_caught_from_an_incoming_message() {
    let mut rng = TestRng::new(3);
    let mut alice = device(&mut rng, 1);
    let old_bob = IdentityKeyPair::generate(&mut rng);
    let mut trust = TrustStore::new(TrustPolicy::Block);
    trust.observe(BOB, old_bob.public_key(), NOW).unwrap();

    // Someone claiming to be Bob, with another identity, writes to Alice.
    let new_bob = IdentityKeyPair::generate(&mut rng);
    let mut s = Session::initiate(&mut rng, &new_bob, &alice.bundle(true)).unwrap();
    let first = s.encrypt(&mut rng, b"it's me, new phone").unwrap();
    let claimed = inspect_prekey_message(&first).unwrap().identity;
    assert_eq!(
        trust.observe(BOB, &claimed, NOW + 1).unwrap(),
        IdentityStatus::Changed {
            previous: *old_bob.public_key(),
            was_verified: false,
            blocked: true
        }
    );
    // The message can still be read (and shown with a notice), but Alice's
    // replies are refused until she accepts the change.
    let accepted = alice.store.accept(&alice.identity, &first, NOW).unwrap();
    assert_eq!(accepted.plaintext, b"it's me, new phone");
    let mut reply_session = accepted.session;
    assert_eq!(
        reply_session.encrypt_checked(&mut rng, &trust, BOB, b"who is this?"),
        Err(Error::UntrustedIdentity)
    );
}

#[test]
fn warn_policy_reports_and_continues() {
    let mut rng = TestRng::new(4);
    let mut trust = TrustStore::new(TrustPolicy::Warn);
    let old = *IdentityKeyPair::generate(&mut rng).public_key();
    let new = *IdentityKeyPair::generate(&mut rng).public_key();
    trust.observe(BOB, &old, NOW).unwrap();
    trust.set_verified(BOB, &old, true).unwrap();
    assert_eq!(
        trust.observe(BOB, &new, NOW + 9).unwrap(),
        IdentityStatus::Changed {
            previous: old,
            was_verified: true,
            blocked: false
        }
    );
    let r = trust.record(BOB).unwrap();
    assert_eq!(
        (r.identity, r.first_seen, r.verified),
        (new, NOW + 9, false)
    );
    assert!(r.pending.is_none());
    trust.check(BOB, &new).unwrap();
    assert_eq!(trust.check(BOB, &old), Err(Error::UntrustedIdentity));
}

#[test]
fn errors_change_nothing() {
    let mut rng = TestRng::new(5);
    let mut trust = TrustStore::new(TrustPolicy::Block);
    let id = *IdentityKeyPair::generate(&mut rng).public_key();
    assert_eq!(trust.observe(b"", &id, NOW), Err(Error::LimitExceeded));
    assert_eq!(
        trust.observe(&[7u8; 256], &id, NOW),
        Err(Error::LimitExceeded)
    );
    trust.observe(&[7u8; 255], &id, NOW).unwrap();
    let before = trust.clone();
    assert_eq!(trust.check(b"nobody", &id), Err(Error::UnknownContact));
    assert_eq!(
        trust.accept_change(b"nobody", &id, NOW),
        Err(Error::UnknownContact)
    );
    assert_eq!(
        trust.set_verified(b"nobody", &id, true),
        Err(Error::UnknownContact)
    );
    let other = *IdentityKeyPair::generate(&mut rng).public_key();
    assert_eq!(
        trust.set_verified(&[7u8; 255], &other, true),
        Err(Error::UntrustedIdentity)
    );
    // Nothing pending: accepting is refused.
    assert_eq!(
        trust.accept_change(&[7u8; 255], &id, NOW),
        Err(Error::UntrustedIdentity)
    );
    assert_eq!(trust, before);
}

#[test]
fn state_round_trips_and_rejects_bad_encodings() {
    let mut rng = TestRng::new(6);
    let mut trust = TrustStore::new(TrustPolicy::Block);
    for (i, name) in [&b"carol"[..], b"alice", b"bob"].iter().enumerate() {
        let id = *IdentityKeyPair::generate(&mut rng).public_key();
        trust.observe(name, &id, NOW + i as u64).unwrap();
    }
    let changed = *IdentityKeyPair::generate(&mut rng).public_key();
    trust.observe(b"bob", &changed, NOW + 50).unwrap();
    let bob = trust.record(b"bob").unwrap().identity;
    trust
        .set_verified(
            b"alice",
            &trust.record(b"alice").unwrap().identity.clone(),
            true,
        )
        .unwrap();
    assert_eq!(trust.record(b"bob").unwrap().identity, bob);

    let plain = trust.to_bytes();
    assert_eq!(TrustStore::from_bytes(&plain).unwrap(), trust);
    let key = [3u8; 32];
    let sealed = trust.seal(&key, &mut rng).unwrap();
    assert_eq!(TrustStore::open(&key, &sealed).unwrap(), trust);
    assert_eq!(
        TrustStore::open(&[4u8; 32], &sealed),
        Err(Error::AuthenticationFailed)
    );
    for len in 0..plain.len() {
        assert!(TrustStore::from_bytes(&plain[..len]).is_err());
    }
    // An unknown policy byte.
    let mut bad = plain.to_vec();
    bad[2] = 2;
    assert_eq!(TrustStore::from_bytes(&bad), Err(Error::Malformed));
    // Records out of order: swap the first two contact ids' first letters
    // ("alice" < "bob" becomes "blice" > "aob").
    let mut bad = plain.to_vec();
    let first = 2 + 1 + 4 + 1;
    let second = first + 5 + 64 + 8 + 1 + 1 + 1;
    assert_eq!(&bad[first..first + 5], b"alice");
    bad.swap(first, second);
    assert_eq!(TrustStore::from_bytes(&bad), Err(Error::Malformed));
}
