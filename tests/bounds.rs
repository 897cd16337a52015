//! Bounds evidence: stored state stays within the documented constants under
//! 10,000 fresh ratchet keys (20,000 messages, half of them lost), and a
//! group member's stored keys stay within theirs under rotations and gaps.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{TestRng, device, establish, group};
use sotto::{
    IdentityKeyPair, MAX_GROUP_SKIPPED_KEYS, MAX_OLD_CHAINS, MAX_SENDER_KEY_STATES,
    MAX_SKIPPED_KEYS,
};

/// The largest session the state format (`docs/PROTOCOL.md` §7) allows once
/// both sides have received: every optional field present except the
/// initiator's setup preamble, which the first reply clears.
const MAX_SESSION_LEN: usize = 2 // version, type
    + 32 + 64 + 32 + 64 // AD, remote identity, root key, DHs pair
    + (1 + 32) // DHr
    + (1 + 32 + 4) // sending chain
    + 4 // PN
    + (1 + 32 + 32 + 4) // receiving chain
    + 1 // no pending preamble
    + (1 + 32) // responder's base key
    + 1 + MAX_OLD_CHAINS * (32 + 32 + 4 + 4 + 8)
    + 2 + MAX_SKIPPED_KEYS * (32 + 4 + 8 + 32)
    + 8; // retired_at

#[test]
fn state_stays_bounded_under_10000_fresh_ratchet_keys() {
    let mut rng = TestRng::new(99);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut bob = device(&mut rng, 0);
    let e = establish(&mut rng, &alice, &mut bob, false, b"0");
    let (mut a, mut b) = (e.alice, e.bob);
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
    let bound = MAX_SESSION_LEN;
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

/// The most one member adds to a group's state (`docs/PROTOCOL.md` §7).
const MAX_MEMBER_LEN: usize = 64
    + 1
    + MAX_SENDER_KEY_STATES * (4 + 32 + 32 + 4 + 2 + MAX_GROUP_SKIPPED_KEYS * (4 + 8 + 32) + 8);

#[test]
fn group_member_state_stays_bounded_under_rotations_and_gaps() {
    let mut rng = TestRng::new(98);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let base = g[1].group.to_bytes().len() - (64 + 1 + 4 + 32 + 32 + 4 + 2 + 8);
    let mut max_len = 0;
    // Seven sender keys, each with a gap wider than the skipped-key store.
    for _ in 0..7 {
        let d = g[0].group.rotate(&mut rng);
        g[1].group.process_distribution(&alice, &d).unwrap();
        let mut last = Vec::new();
        for _ in 0..=MAX_GROUP_SKIPPED_KEYS + 100 {
            last = g[0].group.encrypt(b"x").unwrap();
        }
        g[1].group.decrypt(&alice, &last).unwrap();
        assert!(g[1].group.sender_key_count(&alice) <= MAX_SENDER_KEY_STATES);
        max_len = max_len.max(g[1].group.to_bytes().len() - base);
    }
    println!(
        "member state after 7 rotations with gaps of {}: {max_len} B (bound {MAX_MEMBER_LEN} B)",
        MAX_GROUP_SKIPPED_KEYS + 100
    );
    assert_eq!(g[1].group.sender_key_count(&alice), MAX_SENDER_KEY_STATES);
    assert_eq!(max_len, MAX_MEMBER_LEN);
}
