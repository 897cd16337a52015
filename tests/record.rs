//! Session records: the attacks on session setup that a single session
//! cannot stop (another identity taking over a contact, a replayed prekey
//! message, crossing first messages), and a property model of crossing
//! initiations with losses and restarts.
//!
//! `PROPTEST_CASES` sets the number of cases (proptest's default: 256).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use std::collections::VecDeque;

use common::{NOW, TestRng, device};
use proptest::prelude::*;
use sotto::{
    Error, IdentityKeyPair, IdentityStatus, PrekeyBundle, PrekeyStore, SessionRecord, TrustPolicy,
    TrustStore,
};

/// One user's device as the record sees it: identity, prekeys, trust, and
/// the record it keeps for its one contact.
struct Peer {
    identity: IdentityKeyPair,
    prekeys: PrekeyStore,
    trust: TrustStore,
    record: SessionRecord,
}

impl Peer {
    fn new(rng: &mut TestRng, policy: TrustPolicy) -> Peer {
        let d = device(rng, 3);
        Peer {
            identity: d.identity,
            prekeys: d.store,
            trust: TrustStore::new(policy),
            record: SessionRecord::new(),
        }
    }

    fn bundle(&self) -> PrekeyBundle {
        PrekeyBundle {
            identity: *self.identity.public_key(),
            signed_prekey: self.prekeys.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: None,
        }
    }

    fn initiate(&mut self, rng: &mut TestRng, to: &PrekeyBundle, contact: &[u8]) {
        self.record
            .initiate(rng, &self.identity, to, &mut self.trust, contact, NOW)
            .unwrap();
    }

    fn send(&mut self, rng: &mut TestRng, contact: &[u8], text: &[u8]) -> Vec<u8> {
        self.record
            .encrypt(rng, &self.trust, contact, text)
            .unwrap()
    }

    fn receive(&mut self, contact: &[u8], message: &[u8]) -> Result<sotto::Received, Error> {
        self.record.decrypt(
            &self.identity,
            &mut self.prekeys,
            &mut self.trust,
            contact,
            message,
            NOW,
        )
    }

    /// Everything through its state encodings, as after a restart.
    fn restart(&mut self) {
        self.record = SessionRecord::from_bytes(&self.record.to_bytes()).unwrap();
        self.prekeys = PrekeyStore::from_bytes(&self.prekeys.to_bytes()).unwrap();
        self.trust = TrustStore::from_bytes(&self.trust.to_bytes()).unwrap();
    }
}

/// Alice and Bob with one established conversation (Alice initiated).
fn established(rng: &mut TestRng, policy: TrustPolicy) -> (Peer, Peer) {
    let mut alice = Peer::new(rng, policy);
    let mut bob = Peer::new(rng, policy);
    let b = bob.bundle();
    alice.initiate(rng, &b, b"bob");
    let m = alice.send(rng, b"bob", b"hi Bob");
    assert!(bob.receive(b"alice", &m).unwrap().new_session);
    let r = bob.send(rng, b"alice", b"hi Alice");
    alice.receive(b"bob", &r).unwrap();
    (alice, bob)
}

#[test]
fn another_identity_cannot_take_over_a_contact_under_block() {
    let mut rng = TestRng::new(1);
    let (mut alice, mut bob) = established(&mut rng, TrustPolicy::Block);
    bob.trust
        .set_verified(b"alice", alice.identity.public_key(), true)
        .unwrap();
    let before = bob.record.to_bytes();
    let prekeys_before = bob.prekeys.to_bytes();

    // Mallory sets up a session from Bob's public bundle; the server files
    // her message under "alice".
    let mut mallory = Peer::new(&mut rng, TrustPolicy::Block);
    let bundle = bob.bundle();
    mallory.initiate(&mut rng, &bundle, b"bob");
    let forged = mallory.send(&mut rng, b"bob", b"it's me, Alice");
    assert_eq!(
        bob.receive(b"alice", &forged).unwrap_err(),
        Error::IdentityChanged
    );
    // Nothing changed but the pending note; Alice stays trusted and verified.
    assert_eq!(bob.record.to_bytes(), before);
    assert_eq!(bob.prekeys.to_bytes(), prekeys_before);
    let r = bob.trust.record(b"alice").unwrap();
    assert_eq!(r.identity, *alice.identity.public_key());
    assert!(r.verified);
    assert_eq!(r.pending.unwrap().identity, *mallory.identity.public_key());
    // Bob's next message is still for Alice, not for Mallory.
    let next = bob.send(&mut rng, b"alice", b"for Alice only");
    assert_eq!(
        &alice.receive(b"bob", &next).unwrap().plaintext[..],
        b"for Alice only"
    );
    assert!(mallory.receive(b"bob", &next).is_err());
}

#[test]
fn another_identity_is_reported_under_warn() {
    let mut rng = TestRng::new(2);
    let (alice, mut bob) = established(&mut rng, TrustPolicy::Warn);
    let mut mallory = Peer::new(&mut rng, TrustPolicy::Warn);
    let bundle = bob.bundle();
    mallory.initiate(&mut rng, &bundle, b"bob");
    let forged = mallory.send(&mut rng, b"bob", b"it's me");
    let got = bob.receive(b"alice", &forged).unwrap();
    // Accepted, but never silently: the sender and the change are reported.
    assert_eq!(got.sender, *mallory.identity.public_key());
    assert_eq!(got.identity_change, Some(*alice.identity.public_key()));
    assert_eq!(
        bob.trust.record(b"alice").unwrap().identity,
        *mallory.identity.public_key()
    );
    assert_eq!(bob.record.archived_count(), 0);
}

#[test]
fn a_tampered_prekey_message_changes_no_trust() {
    let mut rng = TestRng::new(3);
    for policy in [TrustPolicy::Block, TrustPolicy::Warn] {
        let (_alice, mut bob) = established(&mut rng, policy);
        bob.trust
            .set_verified(b"alice", _alice.identity.public_key(), true)
            .unwrap();
        let trust_before = bob.trust.clone();
        let mut mallory = Peer::new(&mut rng, policy);
        let bundle = bob.bundle();
        mallory.initiate(&mut rng, &bundle, b"bob");
        let mut forged = mallory.send(&mut rng, b"bob", b"x");
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert_eq!(
            bob.receive(b"alice", &forged).unwrap_err(),
            Error::AuthenticationFailed
        );
        assert_eq!(bob.trust, trust_before);
    }
}

#[test]
fn a_replayed_prekey_message_is_refused_under_any_name() {
    let mut rng = TestRng::new(4);
    let mut alice = Peer::new(&mut rng, TrustPolicy::Block);
    let mut bob = Peer::new(&mut rng, TrustPolicy::Block);
    let b = bob.bundle();
    alice.initiate(&mut rng, &b, b"bob");
    let first = alice.send(&mut rng, b"bob", b"hello");
    bob.receive(b"alice", &first).unwrap();
    // The same message under Carol's name: a replay, whatever the name.
    let mut carol_record = SessionRecord::new();
    assert_eq!(
        carol_record
            .decrypt(
                &bob.identity,
                &mut bob.prekeys,
                &mut bob.trust,
                b"carol",
                &first,
                NOW
            )
            .unwrap_err(),
        Error::Duplicate
    );
    assert!(bob.trust.record(b"carol").is_none());
    // And to the core prekey store directly, without a one-time prekey.
    assert_eq!(
        bob.prekeys.accept(&bob.identity, &first, NOW).unwrap_err(),
        Error::Duplicate
    );
    // Under Alice's own name it is her session's message again: Duplicate.
    assert_eq!(bob.receive(b"alice", &first).unwrap_err(), Error::Duplicate);
}

#[test]
fn crossing_first_messages_converge() {
    for seed in 0..20 {
        let mut rng = TestRng::new(100 + seed);
        let mut alice = Peer::new(&mut rng, TrustPolicy::Block);
        let mut bob = Peer::new(&mut rng, TrustPolicy::Block);
        let (ab, bb) = (alice.bundle(), bob.bundle());
        alice.initiate(&mut rng, &bb, b"bob");
        bob.initiate(&mut rng, &ab, b"alice");
        let a1 = alice.send(&mut rng, b"bob", b"a1");
        let b1 = bob.send(&mut rng, b"alice", b"b1");
        // Both first messages cross and decrypt.
        assert_eq!(&bob.receive(b"alice", &a1).unwrap().plaintext[..], b"a1");
        assert_eq!(&alice.receive(b"bob", &b1).unwrap().plaintext[..], b"b1");
        // One round trip later both sides use the same session.
        let a2 = alice.send(&mut rng, b"bob", b"a2");
        let got = bob.receive(b"alice", &a2).unwrap();
        assert!(!got.from_archive && !got.new_session, "seed {seed}");
        let b2 = bob.send(&mut rng, b"alice", b"b2");
        let got = alice.receive(b"bob", &b2).unwrap();
        assert!(!got.from_archive && !got.new_session, "seed {seed}");
        assert_eq!(alice.record.archived_count(), 1);
        assert_eq!(bob.record.archived_count(), 1);
    }
}

#[test]
fn a_reinstalled_contact_with_the_same_identity_takes_over() {
    let mut rng = TestRng::new(5);
    let (mut alice, mut bob) = established(&mut rng, TrustPolicy::Block);
    // Alice restores her identity on a new phone: no sessions.
    alice.record = SessionRecord::new();
    let b = bob.bundle();
    alice.initiate(&mut rng, &b, b"bob");
    let m = alice.send(&mut rng, b"bob", b"new phone");
    let got = bob.receive(b"alice", &m).unwrap();
    assert!(got.new_session && !got.from_archive);
    let r = bob.send(&mut rng, b"alice", b"welcome back");
    assert_eq!(
        &alice.receive(b"bob", &r).unwrap().plaintext[..],
        b"welcome back"
    );
    assert_eq!(bob.record.archived_count(), 1);
}

#[test]
fn the_archive_is_bounded() {
    let mut rng = TestRng::new(6);
    let mut bob = Peer::new(&mut rng, TrustPolicy::Block);
    let mut alice = Peer::new(&mut rng, TrustPolicy::Block);
    for i in 0..(sotto::MAX_ARCHIVED_SESSIONS + 5) {
        alice.record = SessionRecord::new();
        let b = bob.bundle();
        alice.initiate(&mut rng, &b, b"bob");
        let m = alice.send(&mut rng, b"bob", b"again");
        assert!(bob.receive(b"alice", &m).unwrap().new_session, "{i}");
    }
    assert_eq!(bob.record.archived_count(), sotto::MAX_ARCHIVED_SESSIONS);
    let restored = SessionRecord::from_bytes(&bob.record.to_bytes()).unwrap();
    assert_eq!(restored.archived_count(), sotto::MAX_ARCHIVED_SESSIONS);
}

#[test]
fn initiating_to_a_changed_bundle_is_refused_under_block() {
    let mut rng = TestRng::new(7);
    let (mut alice, _bob) = established(&mut rng, TrustPolicy::Block);
    let impostor = Peer::new(&mut rng, TrustPolicy::Block);
    let before = alice.record.to_bytes();
    let status = alice.record.initiate(
        &mut rng,
        &alice.identity,
        &impostor.bundle(),
        &mut alice.trust,
        b"bob",
        NOW,
    );
    assert_eq!(status.unwrap_err(), Error::IdentityChanged);
    assert_eq!(alice.record.to_bytes(), before);
    assert!(matches!(
        alice
            .trust
            .observe(b"bob", impostor.identity.public_key(), NOW),
        Ok(IdentityStatus::Changed { blocked: true, .. })
    ));
}

// ------------------------------------------------------------ property model

#[derive(Clone, Debug)]
enum Op {
    /// The peer starts a session from the other's bundle, if it has none.
    Initiate(bool),
    /// The peer sends a message, if it has a session.
    Send(bool),
    /// The next message to the peer arrives.
    Deliver(bool),
    /// The next message to the peer is lost.
    Lose(bool),
    /// The peer restarts from its state encodings.
    Restart(bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => any::<bool>().prop_map(Op::Initiate),
        4 => any::<bool>().prop_map(Op::Send),
        4 => any::<bool>().prop_map(Op::Deliver),
        1 => any::<bool>().prop_map(Op::Lose),
        1 => any::<bool>().prop_map(Op::Restart),
    ]
}

struct World {
    rng: TestRng,
    peers: [Peer; 2],
    /// Messages in flight to peer 0 and to peer 1, in order (the server
    /// delivers each direction first in, first out).
    queues: [VecDeque<Vec<u8>>; 2],
    bundles: [PrekeyBundle; 2],
}

const NAMES: [&[u8]; 2] = [b"alice", b"bob"];

impl World {
    fn new(seed: u64) -> World {
        let mut rng = TestRng::new(seed);
        let a = Peer::new(&mut rng, TrustPolicy::Block);
        let b = Peer::new(&mut rng, TrustPolicy::Block);
        let bundles = [a.bundle(), b.bundle()];
        World {
            rng,
            peers: [a, b],
            queues: [VecDeque::new(), VecDeque::new()],
            bundles,
        }
    }

    fn idx(p: bool) -> (usize, usize) {
        if p { (1, 0) } else { (0, 1) }
    }

    fn send(&mut self, from: usize, text: &[u8]) -> bool {
        let to = 1 - from;
        if self.peers[from].record.current().is_none() {
            return false;
        }
        let m = self.peers[from].send(&mut self.rng, NAMES[to], text);
        self.queues[to].push_back(m);
        true
    }

    /// Delivers the next message to `to`; every message must decrypt.
    fn deliver(&mut self, to: usize) -> Result<Option<sotto::Received>, TestCaseError> {
        let Some(m) = self.queues[to].pop_front() else {
            return Ok(None);
        };
        let from = 1 - to;
        match self.peers[to].receive(NAMES[from], &m) {
            Ok(got) => Ok(Some(got)),
            Err(e) => Err(TestCaseError::fail(format!(
                "delivery to {to} failed: {e:?}"
            ))),
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Initiate(p) => {
                let (me, other) = Self::idx(p);
                if self.peers[me].record.current().is_none() {
                    let b = self.bundles[other];
                    self.peers[me].initiate(&mut self.rng, &b, NAMES[other]);
                }
            }
            Op::Send(p) => {
                self.send(Self::idx(p).0, b"hello");
            }
            Op::Deliver(p) => {
                self.deliver(Self::idx(p).0)?;
            }
            Op::Lose(p) => {
                self.queues[Self::idx(p).0].pop_front();
            }
            Op::Restart(p) => self.peers[Self::idx(p).0].restart(),
        }
        Ok(())
    }

    /// After everything in flight arrives, two round trips bring both sides
    /// onto one session: the last messages decrypt on the current sessions.
    fn converge(&mut self) -> Result<(), TestCaseError> {
        for to in 0..2 {
            while self.deliver(to)?.is_some() {}
        }
        // A side with no session starts one (it has heard nothing).
        for me in 0..2 {
            if self.peers[me].record.current().is_none() {
                let b = self.bundles[1 - me];
                self.peers[me].initiate(&mut self.rng, &b, NAMES[1 - me]);
            }
        }
        let mut last = Vec::new();
        for _round in 0..2 {
            for from in 0..2 {
                prop_assert!(self.send(from, b"round"));
                last.push(self.deliver(1 - from)?.unwrap());
            }
        }
        for got in &last[last.len() - 2..] {
            prop_assert!(!got.from_archive && !got.new_session, "{got:?}");
        }
        Ok(())
    }
}

proptest! {
    #[test]
    fn crossing_initiations_with_losses_and_restarts_converge(
        seed in any::<u64>(),
        ops in proptest::collection::vec(op(), 1..60),
    ) {
        let mut w = World::new(seed);
        for op in &ops {
            w.apply(op)?;
        }
        w.converge()?;
        for p in &w.peers {
            prop_assert!(p.record.archived_count() <= sotto::MAX_ARCHIVED_SESSIONS);
        }
    }
}
