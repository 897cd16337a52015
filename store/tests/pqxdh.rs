//! PQXDH through the store: sessions set up with it by default, the
//! device's require-PQ policy against a stripped bundle or a classical
//! first message (refused, nothing written), the policy kept across prekey
//! replacement, and one-time post-quantum prekeys consumed once.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use common::{NOW_MS, device, dir, rng};
use sotto::{Content, PqPolicy, PrekeyBundle};
use sotto_store::{Error, Store};

const NOW: u64 = NOW_MS / 1000;

fn core(e: Error) -> sotto::Error {
    match e {
        Error::Core(c) => c,
        other => panic!("expected a core error, got {other:?}"),
    }
}

/// A first message from `from` to `to_name`, after initiating from `bundle`.
fn first(from: &mut Store, to_name: &[u8], bundle: &PrekeyBundle) -> Vec<u8> {
    let r = &mut rng();
    from.initiate(r, to_name, bundle, NOW).unwrap();
    from.send(r, to_name, &Content::text("hi"), NOW_MS)
        .unwrap()
        .outgoing
        .message
}

#[test]
fn store_sessions_use_pqxdh_when_the_bundle_offers_it() {
    let d = dir("pqxdh", "default");
    let r = &mut rng();
    let (mut alice, _, _) = device(&d, "alice", r);
    let (mut bob, bundle, _) = device(&d, "bob", r);
    assert!(bundle.pq_prekey.is_some());
    assert_eq!(alice.pq_policy().unwrap(), PqPolicy::Prefer);
    let m = first(&mut alice, b"bob", &bundle);
    assert!(alice.is_post_quantum(b"bob").unwrap());
    bob.receive(r, b"alice", &m, NOW_MS).unwrap();
    assert!(bob.is_post_quantum(b"alice").unwrap());
    assert!(matches!(
        bob.is_post_quantum(b"carol"),
        Err(Error::NotFound)
    ));
    // A classical bundle still works under the default policy.
    let (mut carol, classic, _) = device(&d, "carol", r);
    let classic = PrekeyBundle {
        pq_prekey: None,
        ..classic
    };
    let m = first(&mut alice, b"carol", &classic);
    assert!(!alice.is_post_quantum(b"carol").unwrap());
    carol.receive(r, b"alice", &m, NOW_MS).unwrap();
    assert!(!carol.is_post_quantum(b"alice").unwrap());
}

#[test]
fn the_require_policy_refuses_downgrades_and_writes_nothing() {
    let d = dir("pqxdh", "require");
    let r = &mut rng();
    let (mut alice, _, _) = device(&d, "alice", r);
    let (mut bob, bundle, _) = device(&d, "bob", r);
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..bundle
    };
    alice.set_pq_policy(r, PqPolicy::Require).unwrap();
    assert_eq!(alice.pq_policy().unwrap(), PqPolicy::Require);
    let refused = alice.initiate(r, b"bob", &stripped, NOW).unwrap_err();
    assert_eq!(core(refused), sotto::Error::PostQuantumRequired);
    assert!(matches!(
        alice.is_post_quantum(b"bob"),
        Err(Error::NotFound)
    ));
    assert!(alice.trust_record(b"bob").unwrap().is_none());
    let refused = alice
        .initiate_device(r, b"bob", 0, &stripped, NOW)
        .unwrap_err();
    assert_eq!(core(refused), sotto::Error::PostQuantumRequired);
    // The full bundle works.
    let m = first(&mut alice, b"bob", &bundle);
    bob.receive(r, b"alice", &m, NOW_MS).unwrap();

    // Bob requires PQ: a classical first message from Carol is refused,
    // nothing is stored, and it is accepted once he allows X3DH again.
    bob.set_pq_policy(r, PqPolicy::Require).unwrap();
    let (mut carol, _, _) = device(&d, "carol", r);
    let m = first(&mut carol, b"bob", &stripped);
    let refused = bob.receive(r, b"carol", &m, NOW_MS).unwrap_err();
    assert_eq!(core(refused), sotto::Error::PostQuantumRequired);
    assert!(matches!(
        bob.is_post_quantum(b"carol"),
        Err(Error::NotFound)
    ));
    assert!(bob.trust_record(b"carol").unwrap().is_none());
    // Replacing the prekeys (a rotation) keeps the policy.
    let mut prekeys = bob.device_prekeys().unwrap();
    let id = bob.device_identity().unwrap();
    prekeys.rotate_signed_prekey(r, &id, NOW).unwrap();
    prekeys.set_pq_policy(PqPolicy::Prefer);
    bob.set_device_prekeys(r, &prekeys).unwrap();
    assert_eq!(bob.pq_policy().unwrap(), PqPolicy::Require);
    assert!(bob.receive(r, b"carol", &m, NOW_MS).is_err());
    bob.set_pq_policy(r, PqPolicy::Prefer).unwrap();
    bob.receive(r, b"carol", &m, NOW_MS).unwrap();
    assert!(!bob.is_post_quantum(b"carol").unwrap());
}

#[test]
fn one_time_pq_prekeys_are_kept_and_consumed_once_by_the_store() {
    let d = dir("pqxdh", "one_time");
    let r = &mut rng();
    let (mut alice, _, _) = device(&d, "alice", r);
    let (mut carol, _, _) = device(&d, "carol", r);
    let (mut bob, bundle, id) = device(&d, "bob", r);
    let mut prekeys = bob.device_prekeys().unwrap();
    let pq = prekeys
        .generate_pq_one_time_prekeys(r, &id, 2, NOW)
        .unwrap();
    bob.set_device_prekeys(r, &prekeys).unwrap();
    assert_eq!(bob.device_prekeys().unwrap().pq_one_time_prekey_count(), 2);
    let one_time = PrekeyBundle {
        pq_prekey: Some(pq[0]),
        ..bundle
    };
    // The server hands the same one-time key to Alice and to Carol.
    let a = first(&mut alice, b"bob", &one_time);
    let c = first(&mut carol, b"bob", &one_time);
    bob.receive(r, b"alice", &a, NOW_MS).unwrap();
    assert_eq!(bob.device_prekeys().unwrap().pq_one_time_prekey_count(), 1);
    let refused = bob.receive(r, b"carol", &c, NOW_MS).unwrap_err();
    assert_eq!(core(refused), sotto::Error::OneTimePrekeyReused);
    assert_eq!(bob.device_prekeys().unwrap().pq_one_time_prekey_count(), 1);
    // Prekeys whose last-resort PQ key another identity signed are refused.
    let other = sotto::IdentityKeyPair::generate(r);
    let foreign = sotto::PrekeyStore::new(r, &other, NOW);
    assert!(matches!(
        bob.set_device_prekeys(r, &foreign),
        Err(Error::DeviceMismatch)
    ));
}
