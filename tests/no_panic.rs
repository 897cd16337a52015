//! No panic on any input: random and mutated bytes through every decoder and
//! decrypt entry point. Each call must return (usually an error) and a
//! failing call must leave the session unchanged.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use proptest::prelude::*;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, SecurityCode, Session};

const NOW: u64 = 1_800_000_000;

struct Fixture {
    bob: IdentityKeyPair,
    store: PrekeyStore,
    session: Session,
    samples: Vec<Vec<u8>>,
    code: SecurityCode,
}

fn fixture() -> Fixture {
    let mut rng = TestRng::new(77);
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, NOW);
    let opk = store.generate_one_time_prekeys(&mut rng, 3).unwrap();
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opk[0]),
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let pre = a.encrypt(&mut rng, b"prekey").unwrap();
    let mut b = PrekeyStore::from_bytes(&store.to_bytes())
        .unwrap()
        .accept(&bob, &pre, NOW)
        .unwrap()
        .session;
    let reply = b.encrypt(&mut rng, b"reply").unwrap();
    a.decrypt(&reply).unwrap();
    let normal = a.encrypt(&mut rng, b"normal").unwrap();
    let key = [1u8; 32];
    let samples = vec![
        pre,
        normal,
        bundle.to_bytes(),
        b.to_bytes().to_vec(),
        b.seal(&key, &mut rng).unwrap(),
        store.to_bytes().to_vec(),
        bob.to_bytes().to_vec(),
    ];
    let code = SecurityCode::new(bob.public_key(), b"b", alice.public_key(), b"a").unwrap();
    Fixture {
        bob,
        store,
        session: b,
        samples,
        code,
    }
}

fn exercise(f: &mut Fixture, input: &[u8]) {
    let key = [1u8; 32];
    let before = f.session.to_bytes().to_vec();
    if f.session.decrypt(input).is_err() {
        assert_eq!(f.session.to_bytes().to_vec(), before);
    }
    let store_before = f.store.to_bytes().to_vec();
    if f.store.accept(&f.bob, input, NOW).is_err() {
        assert_eq!(f.store.to_bytes().to_vec(), store_before);
    }
    let _ = sotto::message_kind(input);
    let _ = sotto::inspect_prekey_message(input);
    let _ = PrekeyBundle::from_bytes(input).map(|b| b.verify());
    let _ = Session::from_bytes(input);
    let _ = Session::open(&key, input);
    let _ = PrekeyStore::from_bytes(input);
    let _ = PrekeyStore::open(&key, input);
    let _ = IdentityKeyPair::from_bytes(input);
    let _ = IdentityKeyPair::open(&key, input);
    let _ = sotto::IdentityKey::from_bytes(input);
    let _ = f.code.compare_scanned(input);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut f = fixture();
        exercise(&mut f, &input);
    }

    #[test]
    fn mutated_valid_encodings(which in 0usize..7, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let mut f = fixture();
        let mut input = f.samples[which].clone();
        for (at, v) in edits {
            let i = at % input.len();
            input[i] = v;
        }
        let cut = cut % (input.len() + 1);
        exercise(&mut f, &input);
        exercise(&mut f, &input[..cut]);
    }
}
