//! Bounds evidence: stored state stays within the documented constants under
//! 10,000 fresh ratchet keys (20,000 messages, half of them lost).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::{
    IdentityKeyPair, MAX_OLD_CHAINS, MAX_SKIPPED_KEYS, PrekeyBundle, PrekeyStore, Session,
};

#[test]
fn state_stays_bounded_under_10000_fresh_ratchet_keys() {
    let mut rng = TestRng::new(99);
    let now = 1_800_000_000;
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, now);
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: None,
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let m = a.encrypt(&mut rng, b"0").unwrap();
    let mut b = store.accept(&bob, &m, now).unwrap().session;
    let mut max_len = 0;
    // Each turn the sender has just received, so its next message starts a new
    // chain with a fresh ratchet key. It sends two and the first is lost, so
    // the receiver stores one skipped key per turn.
    for turn in 0..10_000u32 {
        let (s, r) = if turn % 2 == 0 {
            (&mut b, &mut a)
        } else {
            (&mut a, &mut b)
        };
        let _lost = s.encrypt(&mut rng, b"lost").unwrap();
        let m = s.encrypt(&mut rng, b"kept").unwrap();
        assert_eq!(r.decrypt(&m).unwrap(), b"kept");
        assert!(r.skipped_key_count() <= MAX_SKIPPED_KEYS);
        assert!(r.old_chain_count() <= MAX_OLD_CHAINS);
        max_len = max_len.max(r.to_bytes().len());
    }
    let bound = 342 + 64 + 1 + 4 + MAX_OLD_CHAINS * 72 + MAX_SKIPPED_KEYS * 68;
    println!(
        "after 10,000 fresh ratchet keys (20,000 messages, half lost): skipped keys {} and {}, old chains {} and {}, largest state {max_len} B (bound {bound} B)",
        a.skipped_key_count(),
        b.skipped_key_count(),
        a.old_chain_count(),
        b.old_chain_count()
    );
    assert_eq!(
        a.skipped_key_count() + b.skipped_key_count(),
        2 * 5_000.min(MAX_SKIPPED_KEYS)
    );
    assert!(max_len <= bound);
}
