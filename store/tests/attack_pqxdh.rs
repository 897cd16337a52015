//! Attacks on PQXDH through the store: the post-quantum policy kept with
//! the device's prekeys, refusals that must write nothing, and one-time
//! post-quantum prekeys across reopened stores, replays under other names
//! and the prekey-store calls an app makes.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;

use std::path::Path;

use common::{NOW_MS, Rng, dir, rng};
use sotto::devices::{AccountSignedRecord, DeviceKind, DeviceList};
use sotto::{
    Content, IdentityKeyPair, PqPolicy, PrekeyBundle, PrekeyStore, SessionRecord, TrustPolicy,
};
use sotto_store::{Error, Store};

const NOW: u64 = NOW_MS / 1000;
const KEY: [u8; 32] = [3u8; 32];
const SUITE: &str = "attack_pqxdh";

fn core(e: sotto::Error) -> Error {
    Error::Core(e)
}

/// A registered device whose prekeys hold `opks` classical and `pq_opks`
/// post-quantum one-time prekeys; its identity and a copy of the prekey
/// store it registered with (what an app keeps in memory).
fn device(
    d: &Path,
    name: &str,
    r: &mut Rng,
    opks: usize,
    pq_opks: usize,
) -> (Store, IdentityKeyPair, PrekeyStore) {
    let mut store = Store::open(d.join(format!("{name}.db")), &KEY, r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let mut prekeys = PrekeyStore::new(r, &id, NOW);
    prekeys.generate_one_time_prekeys(r, opks).unwrap();
    prekeys
        .generate_pq_one_time_prekeys(r, &id, pq_opks, NOW)
        .unwrap();
    store.set_device(r, &id, &prekeys).unwrap();
    (store, id, prekeys)
}

/// The bundle the server hands out for `store`'s device: the first
/// classical one-time prekey if asked, the first post-quantum one-time
/// prekey if any is left (else the last-resort one).
fn bundle_of(store: &Store, id: &IdentityKeyPair, with_opk: bool) -> PrekeyBundle {
    let p = store.device_prekeys().unwrap();
    PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: p.signed_prekey(),
        one_time_prekey: if with_opk {
            p.one_time_prekeys().first().copied()
        } else {
            None
        },
        pq_prekey: p.pq_one_time_prekeys().first().copied().or(p.pq_prekey()),
    }
}

/// Everything of a store an attacker's refused message must not change.
#[derive(Debug, PartialEq)]
struct Snapshot {
    generation: u64,
    prekeys: Vec<u8>,
    pq_policy: PqPolicy,
    incoming: usize,
    outgoing: usize,
}

fn snapshot(s: &Store) -> Snapshot {
    Snapshot {
        generation: s.generation().unwrap(),
        prekeys: s.device_prekeys().unwrap().to_bytes().to_vec(),
        pq_policy: s.pq_policy().unwrap(),
        incoming: s.pending_incoming().unwrap().len(),
        outgoing: s.pending_outgoing().unwrap().len(),
    }
}

/// `initiate` then a first message, from `from` to `to` (named `to_name`).
fn first_message(r: &mut Rng, from: &mut Store, to_name: &[u8], b: &PrekeyBundle) -> Vec<u8> {
    from.initiate(r, to_name, b, NOW).unwrap();
    let out = from.encrypt(r, to_name, b"first").unwrap();
    from.ack_outgoing(out.id).unwrap();
    out.message
}

/// Under `Require`, `initiate` refuses a bundle without a post-quantum
/// prekey before writing anything: no trust record, no session, no
/// outbox entry, no commit.
#[test]
fn require_initiate_refuses_stripped_bundles_before_writing() {
    let d = dir(SUITE, "initiate_require");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (bob, bob_id, _) = device(&d, "bob", &mut r, 1, 1);
    alice.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    assert_eq!(alice.pq_policy().unwrap(), PqPolicy::Require);
    let full = bundle_of(&bob, &bob_id, true);
    for with_opk in [false, true] {
        let stripped = PrekeyBundle {
            pq_prekey: None,
            one_time_prekey: if with_opk { full.one_time_prekey } else { None },
            ..full
        };
        let before = snapshot(&alice);
        assert_eq!(
            alice.initiate(&mut r, b"bob", &stripped, NOW).unwrap_err(),
            core(sotto::Error::PostQuantumRequired)
        );
        assert_eq!(snapshot(&alice), before);
        assert_eq!(alice.trust_record(b"bob").unwrap(), None);
        assert_eq!(
            alice.load::<SessionRecord>(b"bob").unwrap_err(),
            Error::NotFound
        );
        assert_eq!(alice.is_post_quantum(b"bob").unwrap_err(), Error::NotFound);
    }
    // A tampered post-quantum prekey (under either policy) writes nothing
    // either, and is never X3DH.
    for policy in [PqPolicy::Prefer, PqPolicy::Require] {
        alice.set_pq_policy(&mut r, policy).unwrap();
        let mut bad = full;
        bad.pq_prekey.as_mut().unwrap().signature[0] ^= 1;
        let before = snapshot(&alice);
        assert_eq!(
            alice.initiate(&mut r, b"bob", &bad, NOW).unwrap_err(),
            core(sotto::Error::InvalidSignature)
        );
        assert_eq!(snapshot(&alice), before);
        assert_eq!(alice.trust_record(b"bob").unwrap(), None);
    }
    // The untouched bundle sets up a post-quantum session.
    alice.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    alice.initiate(&mut r, b"bob", &full, NOW).unwrap();
    assert!(alice.is_post_quantum(b"bob").unwrap());
    // Once a session exists, a stripped bundle still changes nothing.
    let record = alice.load::<SessionRecord>(b"bob").unwrap().to_bytes();
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..full
    };
    assert_eq!(
        alice.initiate(&mut r, b"bob", &stripped, NOW).unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
    assert_eq!(
        alice.load::<SessionRecord>(b"bob").unwrap().to_bytes()[..],
        record[..]
    );
    assert!(alice.is_post_quantum(b"bob").unwrap());
}

/// The same for `initiate_device`: the device is on the account's list,
/// the bundle is its own, and still nothing is set up without the KEM.
#[test]
fn require_initiate_device_refuses_stripped_bundles_before_writing() {
    let d = dir(SUITE, "initiate_device_require");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (bob, bob_id, _) = device(&d, "bob", &mut r, 0, 1);
    let list = DeviceList::sign(&bob_id, 1, NOW, &[(0, *bob_id.public_key())]).unwrap();
    let record =
        AccountSignedRecord::sign(&bob_id, bob_id.public_key(), 0, NOW, DeviceKind::Primary)
            .unwrap()
            .countersign(&bob_id)
            .unwrap()
            .to_bytes();
    alice
        .set_devices(&mut r, b"bob", &list.to_bytes().unwrap(), &[&record], NOW)
        .unwrap();
    assert_eq!(
        alice.devices_without_session(b"bob").unwrap(),
        vec![(b"bob".to_vec(), 0)]
    );
    alice.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let full = bundle_of(&bob, &bob_id, false);
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..full
    };
    let before = snapshot(&alice);
    assert_eq!(
        alice
            .initiate_device(&mut r, b"bob", 0, &stripped, NOW)
            .unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
    assert_eq!(snapshot(&alice), before);
    assert_eq!(
        alice.devices_without_session(b"bob").unwrap(),
        vec![(b"bob".to_vec(), 0)]
    );
    alice
        .initiate_device(&mut r, b"bob", 0, &full, NOW)
        .unwrap();
    assert!(alice.devices_without_session(b"bob").unwrap().is_empty());
}

/// Under `Require`, a first message set up with X3DH is refused by
/// `decrypt` and `receive` and changes nothing: no commit, no one-time
/// prekey consumed, no trust record, no inbox entry.
#[test]
fn require_receive_refuses_x3dh_first_messages() {
    let d = dir(SUITE, "receive_require");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 2, 2);
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..bundle_of(&bob, &bob_id, true)
    };
    // Alice prefers PQXDH but was handed a stripped bundle: X3DH.
    alice.initiate(&mut r, b"bob", &stripped, NOW).unwrap();
    assert!(!alice.is_post_quantum(b"bob").unwrap());
    let sent = alice
        .send(&mut r, b"bob", &Content::text("x3dh"), NOW_MS)
        .unwrap();
    let before = snapshot(&bob);
    assert_eq!(
        bob.receive(&mut r, b"alice", &sent.outgoing.message, NOW_MS)
            .unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
    assert_eq!(
        bob.decrypt(&mut r, b"alice", &sent.outgoing.message, NOW)
            .unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
    assert_eq!(snapshot(&bob), before);
    assert_eq!(bob.trust_record(b"alice").unwrap(), None);
    assert_eq!(bob.is_post_quantum(b"alice").unwrap_err(), Error::NotFound);
    // Once Alice has the real bundle, it works and is post-quantum.
    let (mut alice2, _, _) = device(&d, "alice2", &mut r, 0, 0);
    let full = bundle_of(&bob, &bob_id, true);
    let m = first_message(&mut r, &mut alice2, b"bob", &full);
    bob.decrypt(&mut r, b"alice2", &m, NOW).unwrap();
    assert!(bob.is_post_quantum(b"alice2").unwrap());
    assert!(alice2.is_post_quantum(b"bob").unwrap());
}

/// A first message whose post-quantum part the server modified is refused
/// through the store and changes nothing.
#[test]
fn a_modified_pq_part_is_refused_by_the_store() {
    let d = dir(SUITE, "modified");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 1, 2);
    let b = bundle_of(&bob, &bob_id, true);
    let m = first_message(&mut r, &mut alice, b"bob", &b);
    // flags at 102, opk id 103..107, kind 107, pq id 108..112, CT from 112.
    assert_eq!(m[102], 3);
    let mut stripped = m[..102].to_vec();
    stripped.push(1);
    stripped.extend_from_slice(&m[103..107]);
    stripped.extend_from_slice(&m[112 + 1568..]);
    let mut relabelled = m.clone();
    relabelled[107] = 1;
    let mut other_id = m.clone();
    other_id[111] = 2;
    let mut ct_bit = m.clone();
    ct_bit[900] ^= 4;
    let mut short = m[..112 + 1567].to_vec();
    short.extend_from_slice(&m[112 + 1568..]);
    let mut long = m[..112 + 1568].to_vec();
    long.push(0);
    long.extend_from_slice(&m[112 + 1568..]);
    for (policy, name) in [(PqPolicy::Prefer, &b"p"[..]), (PqPolicy::Require, b"q")] {
        bob.set_pq_policy(&mut r, policy).unwrap();
        for bad in [&stripped, &relabelled, &other_id, &ct_bit, &short, &long] {
            let before = snapshot(&bob);
            assert!(bob.decrypt(&mut r, name, bad, NOW).is_err());
            assert!(bob.decrypt(&mut r, b"alice", bad, NOW).is_err());
            assert_eq!(snapshot(&bob), before);
            assert_eq!(bob.trust_record(name).unwrap(), None);
            assert_eq!(bob.trust_record(b"alice").unwrap(), None);
        }
    }
    let got = bob.decrypt(&mut r, b"alice", &m, NOW).unwrap();
    assert_eq!(&got.plaintext[..], b"first");
    let p = bob.device_prekeys().unwrap();
    assert_eq!(p.one_time_prekey_count(), 0);
    assert_eq!(p.pq_one_time_prekey_count(), 1);
}

/// A one-time post-quantum prekey serves one session through the store:
/// after the store is closed and reopened, a replay under any name is
/// `Duplicate` and a second initiator with the same bundle is refused,
/// also after a signed-prekey rotation through `set_device_prekeys`.
#[test]
fn pq_one_time_prekeys_are_used_once_through_the_store() {
    let d = dir(SUITE, "once");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut carol, _, _) = device(&d, "carol", &mut r, 0, 0);
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 0, 2);
    let shared = bundle_of(&bob, &bob_id, false);
    assert_eq!(shared.pq_prekey.unwrap().kind, sotto::PqPrekeyKind::OneTime);
    let m1 = first_message(&mut r, &mut alice, b"bob", &shared);
    let m2 = first_message(&mut r, &mut carol, b"bob", &shared);
    bob.decrypt(&mut r, b"alice", &m1, NOW).unwrap();
    assert!(bob.is_post_quantum(b"alice").unwrap());
    assert_eq!(bob.device_prekeys().unwrap().pq_one_time_prekey_count(), 1);
    drop(bob);
    let mut bob = Store::open(d.join("bob.db"), &KEY, &mut r).unwrap();
    let check = |bob: &mut Store, r: &mut Rng| {
        let before = snapshot(bob);
        for name in [&b"alice"[..], b"mallory"] {
            assert_eq!(
                bob.decrypt(r, name, &m1, NOW).unwrap_err(),
                core(sotto::Error::Duplicate),
                "{name:?}"
            );
        }
        assert_eq!(
            bob.decrypt(r, b"carol", &m2, NOW).unwrap_err(),
            core(sotto::Error::OneTimePrekeyReused)
        );
        assert_eq!(snapshot(bob), before);
        assert_eq!(bob.trust_record(b"mallory").unwrap(), None);
        assert_eq!(bob.trust_record(b"carol").unwrap(), None);
    };
    check(&mut bob, &mut r);
    // Rotation the way an app does it: load, rotate, store.
    let mut p = bob.device_prekeys().unwrap();
    p.rotate_signed_prekey(&mut r, &bob_id, NOW + 10).unwrap();
    bob.set_device_prekeys(&mut r, &p).unwrap();
    check(&mut bob, &mut r);
    // The remaining one-time key still works, once.
    let (mut dave, _, _) = device(&d, "dave", &mut r, 0, 0);
    let b2 = bundle_of(&bob, &bob_id, false);
    assert_eq!(b2.pq_prekey.unwrap().id, 2);
    let m3 = first_message(&mut r, &mut dave, b"bob", &b2);
    bob.decrypt(&mut r, b"dave", &m3, NOW + 11).unwrap();
    assert_eq!(bob.device_prekeys().unwrap().pq_one_time_prekey_count(), 0);
    // With none left, the bundle falls back to the last-resort key, which
    // is post-quantum too.
    let b3 = bundle_of(&bob, &bob_id, false);
    assert_eq!(b3.pq_prekey.unwrap().kind, sotto::PqPrekeyKind::LastResort);
    let (mut erin, _, _) = device(&d, "erin", &mut r, 0, 0);
    let m4 = first_message(&mut r, &mut erin, b"bob", &b3);
    bob.decrypt(&mut r, b"erin", &m4, NOW + 12).unwrap();
    assert!(bob.is_post_quantum(b"erin").unwrap());
}

/// `set_device_prekeys` with a prekey store of another policy keeps the
/// stored one, both ways: only `set_pq_policy` changes it.
#[test]
fn set_device_prekeys_keeps_the_stored_policy() {
    let d = dir(SUITE, "keep_policy");
    let mut r = rng();
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 0, 0);
    for stored in [PqPolicy::Require, PqPolicy::Prefer] {
        bob.set_pq_policy(&mut r, stored).unwrap();
        for given in [PqPolicy::Prefer, PqPolicy::Require] {
            let mut p = bob.device_prekeys().unwrap();
            p.set_pq_policy(given);
            p.rotate_signed_prekey(&mut r, &bob_id, NOW + 1).unwrap();
            let spk = p.signed_prekey();
            bob.set_device_prekeys(&mut r, &p).unwrap();
            assert_eq!(bob.pq_policy().unwrap(), stored, "{stored:?} ← {given:?}");
            // The rest of the given store was taken.
            assert_eq!(bob.device_prekeys().unwrap().signed_prekey(), spk);
        }
    }
    // Prekeys of another identity: refused, the policy untouched.
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let other = IdentityKeyPair::generate(&mut r);
    let foreign = PrekeyStore::new(&mut r, &other, NOW);
    let before = snapshot(&bob);
    assert_eq!(
        bob.set_device_prekeys(&mut r, &foreign).unwrap_err(),
        Error::DeviceMismatch
    );
    assert_eq!(snapshot(&bob), before);
}

/// Re-registering the same identity with `set_device` (an app that runs
/// its registration again) must not lower a `Require` policy either.
#[test]
fn set_device_with_the_same_identity_keeps_the_policy() {
    let d = dir(SUITE, "set_device_policy");
    let mut r = rng();
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 0, 0);
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let fresh = PrekeyStore::new(&mut r, &bob_id, NOW + 1);
    assert_eq!(fresh.pq_policy(), PqPolicy::Prefer);
    bob.set_device(&mut r, &bob_id, &fresh).unwrap();
    assert_eq!(bob.pq_policy().unwrap(), PqPolicy::Require);
}

/// An app that kept the prekey store it registered with, and later stores
/// it again after adding keys (the pattern `set_device_prekeys` documents),
/// must not bring back the one-time post-quantum prekey a first message
/// consumed in between, nor forget that message's base key: a replay of it
/// under another contact's name must stay `Duplicate`.
#[test]
fn a_stale_prekey_store_does_not_undo_consumption() {
    let d = dir(SUITE, "stale");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut bob, bob_id, mut kept) = device(&d, "bob", &mut r, 1, 1);
    let b = bundle_of(&bob, &bob_id, true);
    let m1 = first_message(&mut r, &mut alice, b"bob", &b);
    bob.decrypt(&mut r, b"alice", &m1, NOW).unwrap();
    // Later: the app tops up its one-time prekeys on the copy it kept.
    kept.generate_pq_one_time_prekeys(&mut r, &bob_id, 5, NOW + 60)
        .unwrap();
    bob.set_device_prekeys(&mut r, &kept).unwrap();
    let stored = bob.device_prekeys().unwrap();
    let resurrected = stored.pq_one_time_prekeys().iter().any(|k| k.id == 1);
    let replay = bob.decrypt(&mut r, b"mallory", &m1, NOW + 61);
    assert!(
        replay.is_err(),
        "a replay under another name was accepted as a new session"
    );
    assert_eq!(replay.unwrap_err(), core(sotto::Error::Duplicate));
    assert!(!resurrected, "the consumed PQ one-time prekey 1 is back");
}

/// A store restored from the backup of a device that had accepted a first
/// message must keep working: its prekeys open, and first messages to the
/// new bundle are accepted.
#[test]
fn a_restored_device_that_had_accepted_a_session_still_works() {
    let d = dir(SUITE, "restore");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 0, 1);
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let b = bundle_of(&bob, &bob_id, false);
    let m1 = first_message(&mut r, &mut alice, b"bob", &b);
    bob.decrypt(&mut r, b"alice", &m1, NOW).unwrap();
    let state = bob.backup_state().unwrap();
    let mut restored = Store::open(d.join("restored.db"), &KEY, &mut r).unwrap();
    restored.restore_state(&mut r, &state, NOW + 100).unwrap();
    let prekeys = restored.device_prekeys();
    assert!(prekeys.is_ok(), "{:?}", prekeys.err());
    assert_eq!(restored.pq_policy().unwrap(), PqPolicy::Require);
    let fresh = bundle_of(&restored, &bob_id, false);
    let (mut carol, _, _) = device(&d, "carol", &mut r, 0, 0);
    let m = first_message(&mut r, &mut carol, b"bob", &fresh);
    restored.decrypt(&mut r, b"carol", &m, NOW + 101).unwrap();
    // The backup's first message is not accepted again.
    assert!(restored.decrypt(&mut r, b"alice", &m1, NOW + 101).is_err());
}

/// The store's trust policy and PQ policy are independent: Warn never lets
/// an X3DH first message through under Require.
#[test]
fn warn_trust_policy_does_not_weaken_require() {
    let d = dir(SUITE, "warn");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 0, 0);
    bob.set_trust_policy(&mut r, TrustPolicy::Warn).unwrap();
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..bundle_of(&bob, &bob_id, false)
    };
    let m = first_message(&mut r, &mut alice, b"bob", &stripped);
    let before = snapshot(&bob);
    assert_eq!(
        bob.decrypt(&mut r, b"alice", &m, NOW).unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
    assert_eq!(snapshot(&bob), before);
    // Lowered explicitly, the same message is accepted (the refusal left
    // nothing behind that would make it a duplicate).
    bob.set_pq_policy(&mut r, PqPolicy::Prefer).unwrap();
    bob.decrypt(&mut r, b"alice", &m, NOW).unwrap();
    assert!(!bob.is_post_quantum(b"alice").unwrap());
}

/// Restoring a backup keeps the device's post-quantum policy, drops every
/// one-time prekey of the backup (classical and post-quantum) and makes a
/// new last-resort key with the new signed prekey.
#[test]
fn restore_keeps_the_policy_and_drops_the_backups_one_time_prekeys() {
    let d = dir(SUITE, "restore_policy");
    let mut r = rng();
    let (mut bob, bob_id, _) = device(&d, "bob", &mut r, 2, 2);
    bob.set_pq_policy(&mut r, PqPolicy::Require).unwrap();
    let old = bundle_of(&bob, &bob_id, true);
    let state = bob.backup_state().unwrap();
    let mut restored = Store::open(d.join("restored.db"), &KEY, &mut r).unwrap();
    restored.restore_state(&mut r, &state, NOW + 100).unwrap();
    assert_eq!(restored.pq_policy().unwrap(), PqPolicy::Require);
    let p = restored.device_prekeys().unwrap();
    assert_eq!(p.one_time_prekey_count(), 0);
    assert_eq!(p.pq_one_time_prekey_count(), 0);
    let lr = p.pq_prekey().unwrap();
    assert_eq!(lr.id, p.signed_prekey().id);
    assert_ne!(lr.public, old.pq_prekey.unwrap().public);
    lr.verify(bob_id.public_key()).unwrap();
    // A first message made from the backup's bundle is refused.
    let (mut alice, _, _) = device(&d, "alice", &mut r, 0, 0);
    let m = first_message(&mut r, &mut alice, b"bob", &old);
    let before = snapshot(&restored);
    assert!(restored.decrypt(&mut r, b"alice", &m, NOW + 101).is_err());
    assert_eq!(snapshot(&restored), before);
    // An X3DH one to the new bundle too (Require came back with it).
    let stripped = PrekeyBundle {
        pq_prekey: None,
        ..bundle_of(&restored, &bob_id, false)
    };
    let (mut carol, _, _) = device(&d, "carol", &mut r, 0, 0);
    let m = first_message(&mut r, &mut carol, b"bob", &stripped);
    assert_eq!(
        restored
            .decrypt(&mut r, b"carol", &m, NOW + 101)
            .unwrap_err(),
        core(sotto::Error::PostQuantumRequired)
    );
}
