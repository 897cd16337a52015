//! No panic on any input: random and mutated bytes through every decoder and
//! decrypt entry point. Each call must return (usually an error) and a
//! failing call must leave the session or group unchanged.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::sync::LazyLock;

use common::{NOW, TestRng, device, establish};
use proptest::prelude::*;
use sotto::{
    Group, IdentityKey, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision,
    PrekeyStore, SecurityCode, Session, TrustPolicy, TrustStore,
};

const KEY: [u8; 32] = [1u8; 32];

/// What every case starts from, built once: Bob's identity, his prekey store
/// before it accepted anything, his session after one round trip, a security
/// code, and one valid encoding of each kind to mutate.
struct Shared {
    bob: Vec<u8>,
    store: Vec<u8>,
    session: Vec<u8>,
    code: SecurityCode,
    group: Vec<u8>,
    viewer: Vec<u8>,
    alice: IdentityKey,
    samples: Vec<Vec<u8>>,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| {
    let mut rng = TestRng::new(77);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut bob = device(&mut rng, 3);
    let bundle = bob.bundle(true);
    let store = bob.store.to_bytes().to_vec();
    let e = establish(&mut rng, &alice, &mut bob, true, b"prekey");
    let (mut a, mut b) = (e.alice, e.bob);
    let reply = b.encrypt(&mut rng, b"reply").unwrap();
    a.decrypt(&reply).unwrap();
    let normal = a.encrypt(&mut rng, b"normal").unwrap();
    // Bob's view of a group in which Alice has sent three messages, the
    // middle one still unread (one skipped key).
    let alice_id = *alice.public_key();
    let mut sender =
        Group::new(&mut rng, &alice, b"no panic", &[*bob.identity.public_key()]).unwrap();
    let mut group = Group::new(&mut rng, &bob.identity, b"no panic", &[alice_id]).unwrap();
    let distribution = sender.distribution().to_vec();
    group
        .process_distribution(&alice_id, &distribution)
        .unwrap();
    let g: Vec<Vec<u8>> = (0..3).map(|_| sender.encrypt(b"group").unwrap()).collect();
    group.decrypt(&alice_id, &g[0]).unwrap();
    group.decrypt(&alice_id, &g[2]).unwrap();
    // A viewer of Alice's live location that has seen update 1 of 3.
    let mut share = LocationShare::new(
        &mut rng,
        &alice,
        b"no panic",
        &[*bob.identity.public_key()],
        NOW + 60,
        Precision::Exact,
    )
    .unwrap();
    let location_distribution = share.distribution().to_vec();
    let mut viewer = LocationViewer::new(b"no panic", &alice_id, &location_distribution).unwrap();
    let fix = Location {
        latitude_e7: 1,
        longitude_e7: 2,
        accuracy_cm: 3,
        altitude_cm: Some(4),
        heading_centideg: None,
        speed_cm_s: Some(5),
        timestamp_ms: NOW * 1000,
        sequence: 6,
        precision: Precision::Exact,
    };
    let updates: Vec<Vec<u8>> = (0..3).map(|_| share.encrypt(&fix, NOW).unwrap()).collect();
    viewer.decrypt(&updates[1], NOW).unwrap();
    let samples = vec![
        e.first,
        normal,
        bundle.to_bytes(),
        b.to_bytes().to_vec(),
        b.seal(&KEY, &mut rng).unwrap(),
        store.clone(),
        bob.identity.to_bytes().to_vec(),
        distribution,
        g[1].clone(),
        group.to_bytes().to_vec(),
        group.seal(&KEY, &mut rng).unwrap(),
        trust_sample(&mut rng),
        location_distribution,
        updates[2].clone(),
        viewer.to_bytes().to_vec(),
        share.to_bytes().to_vec(),
        fix.encode().unwrap().to_vec(),
    ];
    Shared {
        bob: bob.identity.to_bytes().to_vec(),
        store,
        session: b.to_bytes().to_vec(),
        code: SecurityCode::new(bob.identity.public_key(), b"b", alice.public_key(), b"a").unwrap(),
        group: group.to_bytes().to_vec(),
        viewer: viewer.to_bytes().to_vec(),
        alice: alice_id,
        samples,
    }
});

/// A trust store with a verified contact and a pending change.
fn trust_sample(rng: &mut TestRng) -> Vec<u8> {
    let mut t = TrustStore::new(TrustPolicy::Block);
    let a = *IdentityKeyPair::generate(rng).public_key();
    let b = *IdentityKeyPair::generate(rng).public_key();
    t.observe(b"alice", &a, NOW).unwrap();
    t.set_verified(b"alice", &a, true).unwrap();
    t.observe(b"bob", &a, NOW).unwrap();
    t.observe(b"bob", &b, NOW).unwrap();
    t.to_bytes().to_vec()
}

/// A fresh copy of the mutable state for one case.
struct Fixture {
    bob: IdentityKeyPair,
    store: PrekeyStore,
    session: Session,
    group: Group,
    viewer: LocationViewer,
}

fn fixture() -> Fixture {
    Fixture {
        bob: IdentityKeyPair::from_bytes(&SHARED.bob).unwrap(),
        store: PrekeyStore::from_bytes(&SHARED.store).unwrap(),
        session: Session::from_bytes(&SHARED.session).unwrap(),
        group: Group::from_bytes(&SHARED.group).unwrap(),
        viewer: LocationViewer::from_bytes(&SHARED.viewer).unwrap(),
    }
}

fn exercise(f: &mut Fixture, input: &[u8]) {
    let before = f.session.to_bytes().to_vec();
    if f.session.decrypt(input).is_err() {
        assert_eq!(f.session.to_bytes().to_vec(), before);
    }
    let store_before = f.store.to_bytes().to_vec();
    if f.store.accept(&f.bob, input, NOW).is_err() {
        assert_eq!(f.store.to_bytes().to_vec(), store_before);
    }
    // A record holding the session: every input either decrypts or
    // changes nothing (record, prekeys, trust).
    let mut record = sotto::SessionRecord::from(Session::from_bytes(&before).unwrap());
    let mut trust = TrustStore::new(sotto::TrustPolicy::Block);
    let record_before = record.to_bytes().to_vec();
    let store_before = f.store.to_bytes().to_vec();
    if record
        .decrypt(&f.bob, &mut f.store, &mut trust, b"alice", input, NOW)
        .is_err()
    {
        assert_eq!(record.to_bytes().to_vec(), record_before);
        assert_eq!(f.store.to_bytes().to_vec(), store_before);
    }
    let _ = sotto::SessionRecord::from_bytes(input);
    let _ = sotto::SessionRecord::open(&KEY, input);
    let group_before = f.group.to_bytes().to_vec();
    if f.group.set_member_state(input).is_err() {
        assert_eq!(f.group.to_bytes().to_vec(), group_before);
    }
    let _ = sotto::message_kind(input);
    let _ = sotto::inspect_prekey_message(input);
    let _ = sotto::PrekeyBundle::from_bytes(input).map(|b| b.verify());
    let _ = Session::from_bytes(input);
    let _ = Session::open(&KEY, input);
    let _ = PrekeyStore::from_bytes(input);
    let _ = PrekeyStore::open(&KEY, input);
    let _ = IdentityKeyPair::from_bytes(input);
    let _ = IdentityKeyPair::open(&KEY, input);
    let _ = sotto::IdentityKey::from_bytes(input);
    let _ = SHARED.code.compare_scanned(input);
    let group_before = f.group.to_bytes().to_vec();
    if f.group.decrypt(&SHARED.alice, input).is_err() {
        assert_eq!(f.group.to_bytes().to_vec(), group_before);
    }
    let group_before = f.group.to_bytes().to_vec();
    if f.group.process_distribution(&SHARED.alice, input).is_err() {
        assert_eq!(f.group.to_bytes().to_vec(), group_before);
    }
    let _ = sotto::inspect_group_message(input);
    let _ = Group::from_bytes(input);
    let _ = Group::open(&KEY, input);
    let _ = TrustStore::from_bytes(input);
    let _ = TrustStore::open(&KEY, input);
    let viewer_before = f.viewer.to_bytes().to_vec();
    if f.viewer.decrypt(input, NOW).is_err() {
        assert_eq!(f.viewer.to_bytes().to_vec(), viewer_before);
    }
    let viewer_before = f.viewer.to_bytes().to_vec();
    if f.viewer.process_distribution(input).is_err() {
        assert_eq!(f.viewer.to_bytes().to_vec(), viewer_before);
    }
    let _ = LocationViewer::new(b"no panic", &SHARED.alice, input);
    let _ = LocationViewer::from_bytes(input);
    let _ = LocationViewer::open(&KEY, input);
    let _ = LocationShare::from_bytes(input);
    let _ = LocationShare::open(&KEY, input);
    let _ = Location::decode(input);
    let _ = sotto::location::inspect_location_update(input);
}

proptest! {
    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut f = fixture();
        exercise(&mut f, &input);
    }

    #[test]
    fn mutated_valid_encodings(which in 0usize..17, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut f = fixture();
        let mut input = SHARED.samples[which].clone();
        for (at, v) in edits {
            let i = at % input.len();
            input[i] = v;
        }
        let cut = cut % (input.len() + 1);
        exercise(&mut f, &input);
        exercise(&mut f, &input[..cut]);
    }
}
