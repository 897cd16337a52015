//! Sender Keys: encryption for groups, membership changes, limits and
//! persistence.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{GROUP_ID, Party, TestRng, forger, group, own_iteration_offset};
use ed25519_dalek::{Signer, SigningKey};
use sotto::{
    Error, Group, IdentityKeyPair, LABEL_GROUP_SIGNATURE, MAX_GROUP_JUMP, MAX_GROUP_SKIPPED_KEYS,
    MAX_SENDER_KEY_STATES, inspect_group_message,
};

fn state(p: &Party) -> Vec<u8> {
    p.group.to_bytes().to_vec()
}

/// A group whose own sender key is moved to `iteration` by editing its state
/// (the chain key stays: the point is the counter arithmetic).
fn at_iteration(g: &Group, iteration: u32) -> Group {
    let mut bytes = g.to_bytes().to_vec();
    let at = own_iteration_offset(g.id().len());
    bytes[at..at + 4].copy_from_slice(&iteration.to_be_bytes());
    Group::from_bytes(&bytes).unwrap()
}

/// The signing seed of a group's own sender key, read from its state.
fn signing_key(g: &Group) -> SigningKey {
    let bytes = g.to_bytes();
    let at = own_iteration_offset(g.id().len()) + 4 + 32;
    SigningKey::from_bytes(&bytes[at..at + 32].try_into().unwrap())
}

#[test]
fn every_member_reads_every_other_members_messages() {
    let mut rng = TestRng::new(1);
    let mut g = group(&mut rng, 4);
    for s in 0..4 {
        let text = format!("from {s}");
        let wire = g[s].group.encrypt(text.as_bytes()).unwrap();
        let from = g[s].identity;
        for (r, p) in g.iter_mut().enumerate() {
            if r != s {
                assert_eq!(p.group.decrypt(&from, &wire).unwrap(), text.as_bytes());
            }
        }
    }
}

#[test]
fn out_of_order_once_each_and_replays_rejected() {
    let mut rng = TestRng::new(2);
    let mut g = group(&mut rng, 2);
    let from = g[0].identity;
    let msgs: Vec<Vec<u8>> = (0..10)
        .map(|i| g[0].group.encrypt(&[i as u8; 5]).unwrap())
        .collect();
    for i in [9usize, 3, 0, 7, 1, 2, 8, 6, 5, 4] {
        assert_eq!(g[1].group.decrypt(&from, &msgs[i]).unwrap(), [i as u8; 5]);
        let before = state(&g[1]);
        assert_eq!(g[1].group.decrypt(&from, &msgs[i]), Err(Error::Duplicate));
        assert_eq!(state(&g[1]), before);
    }
}

#[test]
fn removed_member_reads_nothing_after_the_rotation() {
    let mut rng = TestRng::new(3);
    let mut g = group(&mut rng, 3);
    let (alice, bob, carol) = (g[0].identity, g[1].identity, g[2].identity);
    // A message in flight on Alice's old key when Carol is removed.
    let in_flight = g[0].group.encrypt(b"before").unwrap();
    let d_alice = g[0].group.remove_member(&mut rng, &carol).unwrap();
    let d_bob = g[1].group.remove_member(&mut rng, &carol).unwrap();
    g[1].group.process_distribution(&alice, &d_alice).unwrap();
    g[0].group.process_distribution(&bob, &d_bob).unwrap();
    assert!(!g[0].group.is_member(&carol));

    let after = g[0].group.encrypt(b"after").unwrap();
    assert_eq!(g[1].group.decrypt(&alice, &after).unwrap(), b"after");
    assert_eq!(g[1].group.decrypt(&alice, &in_flight).unwrap(), b"before");
    assert_eq!(g[1].group.sender_key_count(&alice), 2);
    // Carol still has Alice's old key only.
    assert_eq!(
        g[2].group.decrypt(&alice, &after),
        Err(Error::UnknownSenderKey)
    );
    assert_eq!(g[2].group.decrypt(&alice, &in_flight).unwrap(), b"before");
    let from_bob = g[1].group.encrypt(b"bob after").unwrap();
    assert_eq!(
        g[2].group.decrypt(&bob, &from_bob),
        Err(Error::UnknownSenderKey)
    );
    // The remaining members no longer accept anything from Carol.
    let from_carol = g[2].group.encrypt(b"still here?").unwrap();
    assert_eq!(
        g[0].group.decrypt(&carol, &from_carol),
        Err(Error::NotAMember)
    );
    let d_carol = g[2].group.distribution();
    assert_eq!(
        g[0].group.process_distribution(&carol, &d_carol),
        Err(Error::NotAMember)
    );
}

#[test]
fn a_late_member_cannot_read_earlier_messages() {
    let mut rng = TestRng::new(4);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let early = g[0].group.encrypt(b"early").unwrap();
    let dave_pair = IdentityKeyPair::generate(&mut rng);
    let dave_id = *dave_pair.public_key();
    let mut dave = Group::new(&mut rng, &dave_pair, GROUP_ID, &[alice]).unwrap();
    let d = g[0].group.add_member(&dave_id).unwrap();
    dave.process_distribution(&alice, &d).unwrap();
    let late = g[0].group.encrypt(b"late").unwrap();
    assert_eq!(dave.decrypt(&alice, &early), Err(Error::Duplicate));
    assert_eq!(dave.decrypt(&alice, &late).unwrap(), b"late");
}

#[test]
fn every_single_bit_flip_and_truncation_is_rejected_without_change() {
    let mut rng = TestRng::new(5);
    let mut g = group(&mut rng, 2);
    let from = g[0].identity;
    let wire = g[0].group.encrypt(b"integrity").unwrap();
    let before = state(&g[1]);
    for at in 0..wire.len() {
        for bit in 0..8 {
            let mut bad = wire.clone();
            bad[at] ^= 1 << bit;
            assert!(g[1].group.decrypt(&from, &bad).is_err(), "byte {at}");
        }
    }
    for len in 0..wire.len() {
        assert!(g[1].group.decrypt(&from, &wire[..len]).is_err());
    }
    // Reordered fields: version and type swapped, signature first.
    let mut swapped = wire.clone();
    swapped.swap(0, 1);
    assert!(g[1].group.decrypt(&from, &swapped).is_err());
    let split = wire.len() - 64;
    let sig_first = [&wire[split..], &wire[..split]].concat();
    assert!(g[1].group.decrypt(&from, &sig_first).is_err());
    assert_eq!(state(&g[1]), before);
    assert_eq!(g[1].group.decrypt(&from, &wire).unwrap(), b"integrity");
}

#[test]
fn an_insider_with_the_chain_key_cannot_forge() {
    let mut rng = TestRng::new(6);
    let mut g = group(&mut rng, 3);
    let alice = g[0].identity;
    // Bob holds Alice's chain key (from her distribution). He builds a
    // group with her chain but his own signing key.
    let forged = forger(&g[0].group).encrypt(b"pay Bob").unwrap();
    let before = state(&g[2]);
    assert_eq!(
        g[2].group.decrypt(&alice, &forged),
        Err(Error::InvalidSignature)
    );
    assert_eq!(state(&g[2]), before);
    // A message attributed to the wrong sender names a key that sender never
    // distributed.
    let bob = g[1].identity;
    let real = g[0].group.encrypt(b"real").unwrap();
    assert_eq!(
        g[2].group.decrypt(&bob, &real),
        Err(Error::UnknownSenderKey)
    );
    assert_eq!(g[2].group.decrypt(&alice, &real).unwrap(), b"real");
}

#[test]
fn signatures_bind_the_group_id() {
    let mut rng = TestRng::new(7);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    // The same sender key restored under another group id.
    let mut bytes = g[0].group.to_bytes().to_vec();
    bytes[3..3 + GROUP_ID.len()].copy_from_slice(b"TEST GROUP");
    let mut other = Group::from_bytes(&bytes).unwrap();
    let wire = other.encrypt(b"cross-group").unwrap();
    assert_eq!(
        g[1].group.decrypt(&alice, &wire),
        Err(Error::InvalidSignature)
    );
    // A distribution for another group is refused.
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut b = Group::new(&mut rng, &bob, b"other", &[alice]).unwrap();
    assert_eq!(
        b.process_distribution(&alice, &g[0].group.distribution()),
        Err(Error::GroupMismatch)
    );
}

#[test]
fn a_repeated_distribution_cannot_rewind_the_chain() {
    let mut rng = TestRng::new(8);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let first = g[0].group.distribution();
    let m = g[0].group.encrypt(b"once").unwrap();
    assert_eq!(g[1].group.decrypt(&alice, &m).unwrap(), b"once");
    g[1].group.process_distribution(&alice, &first).unwrap();
    assert_eq!(g[1].group.decrypt(&alice, &m), Err(Error::Duplicate));
}

#[test]
fn sender_key_states_are_bounded_oldest_first() {
    let mut rng = TestRng::new(9);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let oldest = g[0].group.encrypt(b"oldest").unwrap();
    let mut newest = Vec::new();
    for _ in 0..MAX_SENDER_KEY_STATES {
        let d = g[0].group.rotate(&mut rng);
        g[1].group.process_distribution(&alice, &d).unwrap();
        newest = g[0].group.encrypt(b"newest").unwrap();
    }
    assert_eq!(g[1].group.sender_key_count(&alice), MAX_SENDER_KEY_STATES);
    assert_eq!(
        g[1].group.decrypt(&alice, &oldest),
        Err(Error::UnknownSenderKey)
    );
    assert_eq!(g[1].group.decrypt(&alice, &newest).unwrap(), b"newest");
}

#[test]
fn forward_jump_and_skipped_keys_are_bounded() {
    let mut rng = TestRng::new(10);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let oldest_kept = MAX_GROUP_JUMP - MAX_GROUP_SKIPPED_KEYS as u32;
    let mut msgs = Vec::new();
    for i in 0..=MAX_GROUP_JUMP + 1 {
        let m = g[0].group.encrypt(&i.to_be_bytes()).unwrap();
        if !(3..MAX_GROUP_JUMP - 2).contains(&i) || i == oldest_kept || i == oldest_kept - 1 {
            msgs.push((i, m));
        }
    }
    let (far_i, far) = msgs.last().unwrap().clone();
    assert_eq!(far_i, MAX_GROUP_JUMP + 1);
    let before = state(&g[1]);
    assert_eq!(g[1].group.decrypt(&alice, &far), Err(Error::TooFarAhead));
    assert_eq!(state(&g[1]), before);
    // Exactly MAX_GROUP_JUMP passed over: accepted; only the newest
    // MAX_GROUP_SKIPPED_KEYS of them are kept.
    let (i, at_limit) = msgs.iter().find(|(i, _)| *i == MAX_GROUP_JUMP).unwrap();
    assert_eq!(
        g[1].group.decrypt(&alice, at_limit).unwrap(),
        i.to_be_bytes()
    );
    let (_, first) = &msgs[0];
    assert_eq!(g[1].group.decrypt(&alice, first), Err(Error::Duplicate));
    let (i, recent) = msgs.iter().find(|(i, _)| *i == MAX_GROUP_JUMP - 1).unwrap();
    assert_eq!(g[1].group.decrypt(&alice, recent).unwrap(), i.to_be_bytes());
    let find = |want: u32| &msgs.iter().find(|(i, _)| *i == want).unwrap().1;
    assert_eq!(
        g[1].group.decrypt(&alice, find(oldest_kept - 1)),
        Err(Error::Duplicate)
    );
    assert_eq!(
        g[1].group.decrypt(&alice, find(oldest_kept)).unwrap(),
        oldest_kept.to_be_bytes()
    );
    assert_eq!(
        g[1].group.decrypt(&alice, &far).unwrap(),
        far_i.to_be_bytes()
    );
}

#[test]
fn iteration_at_u32_max_is_an_error_never_a_wrap() {
    let mut rng = TestRng::new(11);
    let g = group(&mut rng, 2);
    let alice = g[0].identity;
    let mut sender = at_iteration(&g[0].group, u32::MAX - 1);
    // A member who joins at this point.
    let bob_pair = IdentityKeyPair::generate(&mut rng);
    let mut bob = Party {
        identity: *bob_pair.public_key(),
        group: Group::new(&mut rng, &bob_pair, GROUP_ID, &[alice]).unwrap(),
    };
    let d = sender.distribution();
    bob.group.process_distribution(&alice, &d).unwrap();
    let last = sender.encrypt(b"last").unwrap();
    assert_eq!(
        inspect_group_message(&last).unwrap().iteration,
        u32::MAX - 1
    );
    let before = sender.to_bytes().to_vec();
    assert_eq!(sender.encrypt(b"wrap?"), Err(Error::CounterExhausted));
    assert_eq!(sender.to_bytes().to_vec(), before);
    assert_eq!(bob.group.decrypt(&alice, &last).unwrap(), b"last");

    // A correctly signed message claiming iteration u32::MAX.
    let key = signing_key(&sender);
    let mut forged = vec![sotto::WIRE_VERSION, 0x05];
    forged.extend_from_slice(&sender.chain_id().to_be_bytes());
    forged.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    forged.extend_from_slice(&[0u8; 32]);
    let signed = [
        LABEL_GROUP_SIGNATURE,
        &[GROUP_ID.len() as u8],
        GROUP_ID,
        &forged,
    ]
    .concat();
    forged.extend_from_slice(&key.sign(&signed).to_bytes());
    assert_eq!(inspect_group_message(&forged).unwrap().iteration, u32::MAX);
    let before = state(&bob);
    assert_eq!(
        bob.group.decrypt(&alice, &forged),
        Err(Error::CounterExhausted)
    );
    assert_eq!(state(&bob), before);
}

#[test]
fn state_round_trips_plain_and_sealed() {
    let mut rng = TestRng::new(12);
    let mut g = group(&mut rng, 3);
    let alice = g[0].identity;
    let m: Vec<Vec<u8>> = (0..4).map(|_| g[0].group.encrypt(b"x").unwrap()).collect();
    g[1].group.decrypt(&alice, &m[2]).unwrap();
    let key = [9u8; 32];
    let sealed = g[1].group.seal(&key, &mut rng).unwrap();
    let plain = g[1].group.to_bytes();
    assert_eq!(Group::from_bytes(&plain).unwrap().to_bytes(), plain);
    let mut restored = Group::open(&key, &sealed).unwrap();
    assert_eq!(restored.to_bytes(), plain);
    assert_eq!(
        Group::open(&[8u8; 32], &sealed).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert_eq!(restored.decrypt(&alice, &m[0]).unwrap(), b"x");
    assert_eq!(restored.decrypt(&alice, &m[2]), Err(Error::Duplicate));
    assert_eq!(restored.decrypt(&alice, &m[3]).unwrap(), b"x");
    // Sending continues from the restored position.
    let mut sender = Group::from_bytes(&g[0].group.to_bytes()).unwrap();
    let next = sender.encrypt(b"y").unwrap();
    assert_eq!(inspect_group_message(&next).unwrap().iteration, 4);
    // Every truncation of the plain form is refused.
    for len in 0..plain.len() {
        assert!(Group::from_bytes(&plain[..len]).is_err());
    }
}

#[test]
fn membership_limits_and_ids() {
    let mut rng = TestRng::new(13);
    let me = IdentityKeyPair::generate(&mut rng);
    assert_eq!(
        Group::new(&mut rng, &me, b"", &[]).unwrap_err(),
        Error::LimitExceeded
    );
    assert_eq!(
        Group::new(&mut rng, &me, &[1u8; 65], &[]).unwrap_err(),
        Error::LimitExceeded
    );
    let id = *IdentityKeyPair::generate(&mut rng).public_key();
    let mut g = Group::new(&mut rng, &me, &[1u8; 64], &[id, id]).unwrap();
    assert_eq!(g.owner(), me.public_key());
    assert_eq!(g.members().count(), 1);
    let stranger = *IdentityKeyPair::generate(&mut rng).public_key();
    let before = g.to_bytes();
    assert_eq!(
        g.remove_member(&mut rng, &stranger).unwrap_err(),
        Error::NotAMember
    );
    assert_eq!(g.to_bytes(), before);
    let chain = g.chain_id();
    g.remove_member(&mut rng, &id).unwrap();
    assert_ne!(g.chain_id(), chain);
    assert_eq!(g.members().count(), 0);
}

#[test]
fn a_small_order_signing_key_is_refused() {
    let mut rng = TestRng::new(14);
    let mut g = group(&mut rng, 2);
    let alice = g[0].identity;
    let mut d = g[0].group.rotate(&mut rng).to_vec();
    let n = d.len();
    // The identity point: a valid encoding, of small order (the signing key
    // is the 32 bytes before the 64-byte binding).
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    d[n - 96..n - 64].copy_from_slice(&identity_point);
    let before = state(&g[1]);
    assert_eq!(
        g[1].group.process_distribution(&alice, &d),
        Err(Error::InvalidKey)
    );
    assert_eq!(state(&g[1]), before);
}
