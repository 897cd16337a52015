//! PQXDH through the public API: sessions over last-resort and one-time
//! post-quantum prekeys, the require-PQ policy against downgrades, one-time
//! keys used once, forged prekey signatures, tampered KEM ciphertexts and
//! prekey messages, rotation, limits and persistence. Every refusal is
//! checked to leave the prekey store byte-identical.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{Device, NOW, TestRng, device};
use sotto::crypto::{KEM_CIPHERTEXT_LEN, KEM_PUBLIC_LEN};
use sotto::{
    Error, MAX_PQ_ONE_TIME_PREKEYS, PqPolicy, PqPrekeyKind, PrekeyBundle, PrekeyStore,
    SIGNED_PREKEY_GRACE_SECS, Session, inspect_prekey_message,
};

/// Where a prekey message's flags byte is (after version, type, identity,
/// base key and signed prekey id; PROTOCOL.md §6).
const FLAGS_AT: usize = 2 + 64 + 32 + 4;

fn snapshot(d: &Device) -> Vec<u8> {
    d.store.to_bytes().to_vec()
}

/// A bundle with the `i`-th one-time post-quantum prekey of a fresh batch.
fn with_pq_one_time(rng: &mut TestRng, bob: &mut Device, count: usize) -> Vec<PrekeyBundle> {
    let pq = bob
        .store
        .generate_pq_one_time_prekeys(rng, &bob.identity, count, NOW)
        .unwrap();
    pq.into_iter()
        .map(|p| PrekeyBundle {
            pq_prekey: Some(p),
            ..bob.bundle(false)
        })
        .collect()
}

/// The first message of a new session from a fresh initiator.
fn first_message(rng: &mut TestRng, bundle: &PrekeyBundle) -> Vec<u8> {
    let alice = device(rng, 0);
    let mut s = Session::initiate(rng, &alice.identity, bundle).unwrap();
    s.encrypt(rng, b"hello").unwrap()
}

#[test]
fn last_resort_and_one_time_pq_prekeys_set_up_pq_sessions() {
    let mut rng = TestRng::new(1);
    let alice = device(&mut rng, 0);
    let mut bob = device(&mut rng, 2);
    let bundles = with_pq_one_time(&mut rng, &mut bob, 3);
    for bundle in [bob.bundle(true), bundles[1]] {
        let mut a = Session::initiate(&mut rng, &alice.identity, &bundle).unwrap();
        assert!(a.is_post_quantum());
        let m = a.encrypt(&mut rng, b"hello").unwrap();
        let info = inspect_prekey_message(&m).unwrap();
        let pq = bundle.pq_prekey.unwrap();
        assert_eq!(info.pq_prekey, Some((pq.kind, pq.id)));
        let accepted = bob.store.accept(&bob.identity, &m, NOW).unwrap();
        assert_eq!(accepted.plaintext, b"hello");
        let mut b = accepted.session;
        assert!(b.is_post_quantum());
        for turn in 0..3 {
            let r = b.encrypt(&mut rng, b"reply").unwrap();
            assert_eq!(a.decrypt(&r).unwrap(), b"reply");
            let m = a.encrypt(&mut rng, &[turn]).unwrap();
            assert_eq!(b.decrypt(&m).unwrap(), [turn]);
        }
    }
    // The one-time post-quantum prekey is gone; the last-resort one stays.
    assert_eq!(bob.store.pq_one_time_prekey_count(), 2);
    assert!(bob.store.pq_prekey().is_some());
    // The prekey message carries the 1568-byte KEM ciphertext.
    let pq = first_message(&mut rng, &bob.bundle(false));
    let classic = first_message(&mut rng, &bob.x3dh_bundle(false));
    assert_eq!(pq.len() - classic.len(), 1 + 4 + KEM_CIPHERTEXT_LEN);
}

#[test]
fn a_bundle_stripped_of_its_pq_prekey_is_refused_under_the_policy() {
    let mut rng = TestRng::new(2);
    let alice = device(&mut rng, 0);
    let mut bob = device(&mut rng, 2);
    let stripped = bob.x3dh_bundle(true);
    assert_eq!(
        Session::initiate_with(&mut rng, &alice.identity, &stripped, PqPolicy::Require).err(),
        Some(Error::PostQuantumRequired)
    );
    // Preferring PQ falls back to X3DH for a peer that has no PQ prekey.
    let s = Session::initiate_with(&mut rng, &alice.identity, &stripped, PqPolicy::Prefer);
    assert!(!s.unwrap().is_post_quantum());
    let ok = Session::initiate_with(
        &mut rng,
        &alice.identity,
        &bob.bundle(true),
        PqPolicy::Require,
    );
    assert!(ok.unwrap().is_post_quantum());

    // A responder that requires PQ refuses an X3DH first message, and
    // nothing is consumed.
    bob.store.set_pq_policy(PqPolicy::Require);
    let m = first_message(&mut rng, &stripped);
    let before = snapshot(&bob);
    assert_eq!(
        bob.store.accept(&bob.identity, &m, NOW).err(),
        Some(Error::PostQuantumRequired)
    );
    assert_eq!(snapshot(&bob), before);
    // The policy is kept with the store.
    let restored = PrekeyStore::from_bytes(&bob.store.to_bytes()).unwrap();
    assert_eq!(restored.pq_policy(), PqPolicy::Require);
    bob.store.set_pq_policy(PqPolicy::Prefer);
    assert!(bob.store.accept(&bob.identity, &m, NOW).is_ok());
}

#[test]
fn stripping_or_tampering_the_pq_part_of_a_prekey_message_fails_and_changes_nothing() {
    let mut rng = TestRng::new(3);
    let mut bob = device(&mut rng, 2);
    let bundles = with_pq_one_time(&mut rng, &mut bob, 1);
    let m = first_message(&mut rng, &bundles[0]);
    let before = snapshot(&bob);
    // Without the PQ section (flag cleared, kind, id and ciphertext cut out).
    let mut stripped = m.clone();
    stripped[FLAGS_AT] &= !0x02;
    stripped.drain(FLAGS_AT + 1..FLAGS_AT + 1 + 1 + 4 + KEM_CIPHERTEXT_LEN);
    assert_eq!(
        bob.store.accept(&bob.identity, &stripped, NOW).err(),
        Some(Error::AuthenticationFailed)
    );
    // A flipped ciphertext bit: ML-KEM's implicit rejection gives another
    // secret, so the message fails to authenticate.
    for at in [0, 700, KEM_CIPHERTEXT_LEN - 1] {
        let mut t = m.clone();
        t[FLAGS_AT + 1 + 1 + 4 + at] ^= 0x10;
        assert_eq!(
            bob.store.accept(&bob.identity, &t, NOW).err(),
            Some(Error::AuthenticationFailed)
        );
    }
    // The kind switched to last resort: id 1 is also the signed prekey's,
    // whose last-resort key decapsulates the ciphertext to another secret;
    // with an id no signed prekey has, it is unknown. Then an unknown
    // one-time id, unknown flag bits, an unknown kind, a short ciphertext.
    let mut t = m.clone();
    t[FLAGS_AT + 1] = 1;
    assert_eq!(
        bob.store.accept(&bob.identity, &t, NOW).err(),
        Some(Error::AuthenticationFailed)
    );
    t[FLAGS_AT + 2..FLAGS_AT + 6].copy_from_slice(&77u32.to_be_bytes());
    assert_eq!(
        bob.store.accept(&bob.identity, &t, NOW).err(),
        Some(Error::UnknownSignedPrekey)
    );
    let mut t = m.clone();
    t[FLAGS_AT + 2..FLAGS_AT + 6].copy_from_slice(&999u32.to_be_bytes());
    assert_eq!(
        bob.store.accept(&bob.identity, &t, NOW).err(),
        Some(Error::UnknownOneTimePrekey)
    );
    for bad in [0x04u8, 0x80, 0xFF] {
        let mut t = m.clone();
        t[FLAGS_AT] = bad;
        assert_eq!(
            bob.store.accept(&bob.identity, &t, NOW).err(),
            Some(Error::Malformed)
        );
    }
    for kind in [0u8, 3, 0xFF] {
        let mut t = m.clone();
        t[FLAGS_AT + 1] = kind;
        assert_eq!(
            bob.store.accept(&bob.identity, &t, NOW).err(),
            Some(Error::Malformed)
        );
    }
    let short = &m[..FLAGS_AT + 1 + 1 + 4 + 100];
    assert_eq!(
        bob.store.accept(&bob.identity, short, NOW).err(),
        Some(Error::Malformed)
    );
    assert_eq!(snapshot(&bob), before, "a refused message consumed nothing");
    // The genuine message still works.
    bob.store.accept(&bob.identity, &m, NOW).unwrap();
    assert_eq!(bob.store.pq_one_time_prekey_count(), 0);
}

#[test]
fn a_one_time_pq_prekey_is_used_once() {
    let mut rng = TestRng::new(4);
    let mut bob = device(&mut rng, 0);
    let bundles = with_pq_one_time(&mut rng, &mut bob, 2);
    // Two initiators given the same one-time key (a server handing it out
    // twice): the second is refused once the first was accepted.
    let first = first_message(&mut rng, &bundles[0]);
    let second = first_message(&mut rng, &bundles[0]);
    bob.store.accept(&bob.identity, &first, NOW).unwrap();
    let before = snapshot(&bob);
    assert_eq!(
        bob.store.accept(&bob.identity, &second, NOW).err(),
        Some(Error::OneTimePrekeyReused)
    );
    // The same message again is a replay.
    assert_eq!(
        bob.store.accept(&bob.identity, &first, NOW).err(),
        Some(Error::Duplicate)
    );
    assert_eq!(snapshot(&bob), before);
    // The other one-time key is unaffected.
    let third = first_message(&mut rng, &bundles[1]);
    bob.store.accept(&bob.identity, &third, NOW).unwrap();
    assert_eq!(bob.store.pq_one_time_prekey_count(), 0);
}

#[test]
fn forged_pq_prekey_signatures_are_refused() {
    let mut rng = TestRng::new(5);
    let alice = device(&mut rng, 0);
    let mut bob = device(&mut rng, 0);
    let mut mallory = device(&mut rng, 0);
    let good = with_pq_one_time(&mut rng, &mut bob, 1)[0];
    let theirs = with_pq_one_time(&mut rng, &mut mallory, 1)[0];
    let mut forged = Vec::new();
    // A flipped signature bit.
    let mut b = good;
    b.pq_prekey.as_mut().unwrap().signature[5] ^= 1;
    forged.push(b);
    // Another identity's PQ key, correctly signed by that identity.
    let mut b = good;
    b.pq_prekey = theirs.pq_prekey;
    forged.push(b);
    // A key swapped under Bob's signature.
    let mut b = good;
    b.pq_prekey.as_mut().unwrap().public = theirs.pq_prekey.unwrap().public;
    forged.push(b);
    // The kind, id or time changed.
    let mut b = good;
    b.pq_prekey.as_mut().unwrap().kind = PqPrekeyKind::LastResort;
    forged.push(b);
    let mut b = good;
    b.pq_prekey.as_mut().unwrap().id += 1;
    forged.push(b);
    let mut b = good;
    b.pq_prekey.as_mut().unwrap().created_at += 1;
    forged.push(b);
    // Bob's last-resort key presented as a one-time key.
    let mut b = bob.bundle(false);
    b.pq_prekey.as_mut().unwrap().kind = PqPrekeyKind::OneTime;
    forged.push(b);
    for b in &forged {
        assert_eq!(b.verify(), Err(Error::InvalidSignature));
        for policy in [PqPolicy::Prefer, PqPolicy::Require] {
            assert_eq!(
                Session::initiate_with(&mut rng, &alice.identity, b, policy).err(),
                Some(Error::InvalidSignature),
                "no silent fallback to X3DH"
            );
        }
    }
    // The wire form carries the forgery intact (it decodes; verify refuses).
    for b in &forged {
        let decoded = PrekeyBundle::from_bytes(&b.to_bytes()).unwrap();
        assert_eq!(decoded, *b);
        assert_eq!(decoded.verify(), Err(Error::InvalidSignature));
    }
}

#[test]
fn an_invalid_kem_key_is_refused_before_anything_is_sent() {
    let mut rng = TestRng::new(6);
    let alice = device(&mut rng, 0);
    let bob = device(&mut rng, 0);
    // All 0xFF: every coefficient is out of range (FIPS 203 §7.2). Bob
    // did not sign it, so the signature refuses it first, under either
    // policy (a signed out-of-range key is `InvalidKey`: attack_pqxdh.rs).
    let mut b = bob.bundle(false);
    b.pq_prekey.as_mut().unwrap().public = [0xFF; KEM_PUBLIC_LEN];
    for policy in [PqPolicy::Prefer, PqPolicy::Require] {
        assert_eq!(
            Session::initiate_with(&mut rng, &alice.identity, &b, policy).err(),
            Some(Error::InvalidSignature)
        );
    }
}

#[test]
fn the_last_resort_pq_prekey_rotates_with_the_signed_prekey() {
    let mut rng = TestRng::new(7);
    let mut bob = device(&mut rng, 0);
    let old = bob.bundle(false);
    let old_pq = old.pq_prekey.unwrap();
    assert_eq!(old_pq.kind, PqPrekeyKind::LastResort);
    assert_eq!(old_pq.id, old.signed_prekey.id);
    let late = first_message(&mut rng, &old);
    let later = first_message(&mut rng, &old);
    bob.store
        .rotate_signed_prekey(&mut rng, &bob.identity, NOW)
        .unwrap();
    let new = bob.bundle(false);
    assert_ne!(new.pq_prekey.unwrap().public, old_pq.public);
    assert_eq!(new.pq_prekey.unwrap().id, new.signed_prekey.id);
    // Within the grace period the old pair still works...
    bob.store.accept(&bob.identity, &late, NOW + 10).unwrap();
    // ...and after it, neither does.
    let before = snapshot(&bob);
    assert_eq!(
        bob.store
            .accept(&bob.identity, &later, NOW + SIGNED_PREKEY_GRACE_SECS)
            .err(),
        Some(Error::UnknownSignedPrekey)
    );
    assert_eq!(snapshot(&bob), before);
    let fresh = first_message(&mut rng, &new);
    bob.store.accept(&bob.identity, &fresh, NOW + 20).unwrap();
}

#[test]
fn pq_one_time_prekeys_replenish_within_their_limit() {
    let mut rng = TestRng::new(8);
    let mut bob = device(&mut rng, 0);
    let mallory = device(&mut rng, 0);
    let keys = bob
        .store
        .generate_pq_one_time_prekeys(&mut rng, &bob.identity, MAX_PQ_ONE_TIME_PREKEYS - 1, NOW)
        .unwrap();
    assert!(
        keys.iter()
            .all(|k| k.verify(bob.identity.public_key()).is_ok())
    );
    let ids: Vec<u32> = keys.iter().map(|k| k.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    let before = snapshot(&bob);
    assert_eq!(
        bob.store
            .generate_pq_one_time_prekeys(&mut rng, &bob.identity, 2, NOW)
            .err(),
        Some(Error::LimitExceeded)
    );
    // Keys signed by another identity would be useless to every initiator.
    assert_eq!(
        bob.store
            .generate_pq_one_time_prekeys(&mut rng, &mallory.identity, 1, NOW)
            .err(),
        Some(Error::InvalidSignature)
    );
    assert_eq!(snapshot(&bob), before);
    bob.store
        .generate_pq_one_time_prekeys(&mut rng, &bob.identity, 1, NOW)
        .unwrap();
    assert_eq!(
        bob.store.pq_one_time_prekey_count(),
        MAX_PQ_ONE_TIME_PREKEYS
    );
    let all = bob.store.pq_one_time_prekeys();
    assert_eq!(all.len(), MAX_PQ_ONE_TIME_PREKEYS);
    // One by index is the same key as in the list; past the last is none.
    for i in [0, 1, MAX_PQ_ONE_TIME_PREKEYS - 1] {
        assert_eq!(bob.store.pq_one_time_prekey(i), Some(all[i]));
    }
    assert_eq!(bob.store.pq_one_time_prekey(MAX_PQ_ONE_TIME_PREKEYS), None);
    // A store restored from backup drops its one-time keys, PQ ones too.
    bob.store.clear_one_time_prekeys();
    assert_eq!(bob.store.pq_one_time_prekey_count(), 0);
}

#[test]
fn pq_prekeys_and_pending_pq_preambles_survive_persistence() {
    let mut rng = TestRng::new(9);
    let alice = device(&mut rng, 0);
    let mut bob = device(&mut rng, 0);
    let bundle = with_pq_one_time(&mut rng, &mut bob, 3)[2];
    // Bob's store round-trips, sealed too, and its keys still work;
    // truncated or extended plain states are refused.
    let plain = bob.store.to_bytes().to_vec();
    for bad in [&plain[..plain.len() - 1], &[&plain[..], &[0]].concat()[..]] {
        assert_eq!(PrekeyStore::from_bytes(bad).err(), Some(Error::Malformed));
    }
    let key = [9u8; 32];
    let sealed = bob.store.seal(&key, &mut rng).unwrap();
    bob.store = PrekeyStore::open(&key, &sealed).unwrap();
    assert_eq!(bob.store.pq_one_time_prekey_count(), 3);
    // Alice's session, saved before any reply, still sends PQ prekey
    // messages that Bob accepts.
    let s = Session::initiate(&mut rng, &alice.identity, &bundle).unwrap();
    let mut s = Session::from_bytes(&s.to_bytes()).unwrap();
    assert!(s.is_post_quantum() && s.is_awaiting_reply());
    let m = s.encrypt(&mut rng, b"after restore").unwrap();
    let mut b = bob.store.accept(&bob.identity, &m, NOW).unwrap().session;
    let b2 = Session::from_bytes(&b.to_bytes()).unwrap();
    assert!(b2.is_post_quantum());
    let r = b.encrypt(&mut rng, b"r").unwrap();
    assert_eq!(s.decrypt(&r).unwrap(), b"r");
    assert!(!s.is_awaiting_reply());
    // A bit flip in a sealed store is refused; it never loads as another.
    let mut sealed = bob.store.seal(&key, &mut rng).unwrap();
    let at = sealed.len() / 2;
    sealed[at] ^= 1;
    assert_eq!(
        PrekeyStore::open(&key, &sealed).err(),
        Some(Error::AuthenticationFailed)
    );
}

#[test]
fn sizes_of_the_pq_bundle_and_prekey_message() {
    let mut rng = TestRng::new(10);
    let bob = device(&mut rng, 1);
    let pq = bob.bundle(true).to_bytes();
    let classic = bob.x3dh_bundle(true).to_bytes();
    assert_eq!(pq.len(), sotto::MAX_BUNDLE_LEN);
    assert_eq!(pq.len() - classic.len(), 1 + 4 + 8 + KEM_PUBLIC_LEN + 64);
    // X3DH bundles encode as before post-quantum prekeys (flags 0 or 1).
    assert_eq!(classic[2 + 64 + 4 + 8 + 32 + 64], 1);
    assert_eq!(
        PrekeyBundle::from_bytes(&classic).unwrap(),
        bob.x3dh_bundle(true)
    );
    assert_eq!(PrekeyBundle::from_bytes(&pq).unwrap(), bob.bundle(true));
    // Truncations and trailing bytes are refused.
    for cut in [1, 64, KEM_PUBLIC_LEN] {
        assert_eq!(
            PrekeyBundle::from_bytes(&pq[..pq.len() - cut]).err(),
            Some(Error::Malformed)
        );
    }
    let mut long = pq.clone();
    long.push(0);
    assert_eq!(
        PrekeyBundle::from_bytes(&long).err(),
        Some(Error::Malformed)
    );
}

#[test]
fn a_stale_copy_reconciled_with_the_saved_store_keeps_what_was_used_used() {
    let mut rng = TestRng::new(11);
    let mut bob = device(&mut rng, 2);
    let bundles = with_pq_one_time(&mut rng, &mut bob, 2);
    let mut copy = PrekeyStore::from_bytes(&bob.store.to_bytes()).unwrap();
    // The saved store accepts a first message over one-time keys of both
    // kinds; meanwhile the app's copy gains new keys.
    let m = first_message(
        &mut rng,
        &PrekeyBundle {
            one_time_prekey: bob.store.one_time_prekeys().first().copied(),
            ..bundles[0]
        },
    );
    bob.store.accept(&bob.identity, &m, NOW).unwrap();
    copy.generate_one_time_prekeys(&mut rng, 3).unwrap();
    copy.generate_pq_one_time_prekeys(&mut rng, &bob.identity, 1, NOW)
        .unwrap();
    copy.reconcile(&bob.store).unwrap();
    assert_eq!(copy.one_time_prekey_count(), 1 + 3);
    assert_eq!(copy.pq_one_time_prekey_count(), 1 + 1);
    assert_eq!(copy.accepted_count(), 1);
    assert_eq!(
        copy.accept(&bob.identity, &m, NOW).err(),
        Some(Error::Duplicate)
    );
    // A copy that rotated past the saved store's signed prekey reconciles;
    // one taken before a rotation of the saved store is stale.
    let mut rotated = PrekeyStore::from_bytes(&copy.to_bytes()).unwrap();
    rotated
        .rotate_signed_prekey(&mut rng, &bob.identity, NOW)
        .unwrap();
    rotated.reconcile(&bob.store).unwrap();
    let stale = PrekeyStore::from_bytes(&copy.to_bytes()).unwrap();
    bob.store
        .rotate_signed_prekey(&mut rng, &bob.identity, NOW)
        .unwrap();
    let mut stale2 = PrekeyStore::from_bytes(&stale.to_bytes()).unwrap();
    assert_eq!(stale2.reconcile(&bob.store), Err(Error::StalePrekeys));
    assert_eq!(stale2.to_bytes().to_vec(), stale.to_bytes().to_vec());
    // A new set of prekeys for the same identity shares no signed prekey:
    // it takes only the saved policy, and the saved store's first message
    // cannot be accepted by it.
    bob.store.set_pq_policy(PqPolicy::Require);
    let mut fresh = PrekeyStore::new(&mut rng, &bob.identity, NOW);
    fresh.reconcile(&bob.store).unwrap();
    assert_eq!(fresh.pq_policy(), PqPolicy::Require);
    assert_eq!(fresh.accepted_count(), 0);
    assert!(fresh.accept(&bob.identity, &m, NOW).is_err());
}
