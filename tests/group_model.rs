//! A property-based state machine over groups of 3 to 5 members: random
//! senders, delivery in any order, drops, duplicates, tampering, insider
//! forgeries, removals with rotation, periodic rotations, and restores from
//! encrypted state.
//!
//! The model tracks, for every receiver and sender, which of the sender's
//! chain ids the receiver holds (mirroring distributions, removals and the
//! [`MAX_SENDER_KEY_STATES`] eviction). Properties checked at every step:
//! * a message decrypts, to its plaintext, exactly when its receiver holds
//!   its chain and has not decrypted it before; so every member who held the
//!   key when it was sent reads it exactly once, and a removed member reads
//!   nothing sent after the rotation;
//! * every failure (no key, replay, tampering, truncation, reordered fields,
//!   forged signature) changes nothing: the serialized group is
//!   byte-identical before and after;
//! * no sender uses a `(chain id, iteration)` pair twice.
//!
//! `PROPTEST_CASES` sets the number of cases (proptest's default: 256).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::{HashSet, VecDeque};

use common::{Party, TestRng, forger, group};
use proptest::prelude::*;
use sotto::{Group, MAX_SENDER_KEY_STATES};

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Truncate { len: usize },
    SwapVersionAndType,
    SignatureFirst,
    Append { byte: u8 },
}

#[derive(Clone, Debug)]
enum Op {
    Send { sender: usize, len: usize },
    Deliver { pick: usize },
    Drop { pick: usize },
    Replay { pick: usize },
    Tamper { pick: usize, how: Mutation },
    Forge { sender: usize },
    Remove { member: usize },
    Rotate { sender: usize },
    Restore { party: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        2 => any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        1 => Just(Mutation::SwapVersionAndType),
        1 => Just(Mutation::SignatureFirst),
        1 => any::<u8>().prop_map(|byte| Mutation::Append { byte }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..5, 0usize..64).prop_map(|(sender, len)| Op::Send { sender, len }),
        8 => any::<usize>().prop_map(|pick| Op::Deliver { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Drop { pick }),
        2 => any::<usize>().prop_map(|pick| Op::Replay { pick }),
        2 => (any::<usize>(), mutation()).prop_map(|(pick, how)| Op::Tamper { pick, how }),
        1 => (0usize..5).prop_map(|sender| Op::Forge { sender }),
        1 => (0usize..5).prop_map(|member| Op::Remove { member }),
        2 => (0usize..5).prop_map(|sender| Op::Rotate { sender }),
        1 => (0usize..5).prop_map(|party| Op::Restore { party }),
    ]
}

struct Sent {
    sender: usize,
    wire: Vec<u8>,
    plaintext: Vec<u8>,
    chain: u32,
}

/// Chain id and iteration read as `docs/PROTOCOL.md` lays them out: an
/// oracle that does not share the crate's parser.
fn chain_and_iteration(wire: &[u8]) -> (u32, u32) {
    let chain = u32::from_be_bytes(wire[2..6].try_into().unwrap());
    let (mut value, mut shift, mut at) = (0u32, 0, 6);
    loop {
        let byte = wire[at];
        at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return (chain, value);
        }
        shift += 7;
    }
}

fn mutate(wire: &[u8], how: &Mutation) -> Vec<u8> {
    let mut bad = wire.to_vec();
    match how {
        Mutation::Flip { at, bit } => bad[at % wire.len()] ^= 1 << bit,
        Mutation::Truncate { len } => bad.truncate(len % wire.len()),
        Mutation::SwapVersionAndType => bad.swap(0, 1),
        Mutation::SignatureFirst => bad.rotate_right(64),
        Mutation::Append { byte } => bad.push(*byte),
    }
    bad
}

struct World {
    parties: Vec<Party>,
    active: Vec<bool>,
    /// held[r][s]: the chain ids of `s` that `r` holds, oldest first.
    held: Vec<Vec<VecDeque<u32>>>,
    sent: Vec<Sent>,
    pending: Vec<(usize, usize)>,
    delivered: Vec<(usize, usize)>,
    decrypted: HashSet<(usize, usize)>,
    used: HashSet<(usize, u32, u32)>,
}

impl World {
    fn hold(&mut self, r: usize, s: usize, chain: u32) {
        let h = &mut self.held[r][s];
        if h.len() == MAX_SENDER_KEY_STATES {
            h.pop_front();
        }
        h.push_back(chain);
    }

    /// Delivers `wire` (claimed to be from `from`) to `r`; `expect` is the
    /// plaintext it must decrypt to, or `None` if it must fail and change
    /// nothing.
    fn deliver(
        &mut self,
        r: usize,
        from: usize,
        wire: &[u8],
        expect: Option<&[u8]>,
    ) -> Result<(), TestCaseError> {
        let from = self.parties[from].identity;
        let g = &mut self.parties[r].group;
        let before = g.to_bytes().to_vec();
        let got = g.decrypt(&from, wire);
        match expect {
            Some(pt) => prop_assert_eq!(got.as_deref(), Ok(pt)),
            None => {
                prop_assert!(got.is_err(), "accepted a message it must refuse");
                prop_assert_eq!(g.to_bytes().to_vec(), before);
            }
        }
        Ok(())
    }
}

fn run(seed: u64, n: usize, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut rng = TestRng::new(seed);
    let parties = group(&mut rng, n);
    let held = (0..n)
        .map(|_| {
            (0..n)
                .map(|s| VecDeque::from([parties[s].group.chain_id()]))
                .collect()
        })
        .collect();
    let mut w = World {
        parties,
        active: vec![true; n],
        held,
        sent: Vec::new(),
        pending: Vec::new(),
        delivered: Vec::new(),
        decrypted: HashSet::new(),
        used: HashSet::new(),
    };
    let key = [0x44u8; 32];

    for op in ops {
        match op {
            Op::Send { sender, len } => {
                let s = sender % n;
                let mut pt = (w.sent.len() as u32).to_be_bytes().to_vec();
                pt.resize(4 + len, 0xcd);
                let wire = w.parties[s].group.encrypt(&pt).unwrap();
                let (chain, iteration) = chain_and_iteration(&wire);
                prop_assert_eq!(chain, w.parties[s].group.chain_id());
                prop_assert!(
                    w.used.insert((s, chain, iteration)),
                    "(chain, iteration) reused"
                );
                let m = w.sent.len();
                w.sent.push(Sent {
                    sender: s,
                    wire,
                    plaintext: pt,
                    chain,
                });
                for r in (0..n).filter(|r| *r != s) {
                    w.pending.push((m, r));
                }
            }
            Op::Deliver { pick } => {
                if w.pending.is_empty() {
                    continue;
                }
                let (m, r) = w.pending.remove(pick % w.pending.len());
                let (s, chain) = (w.sent[m].sender, w.sent[m].chain);
                let ok = w.held[r][s].contains(&chain) && !w.decrypted.contains(&(m, r));
                let wire = w.sent[m].wire.clone();
                let pt = w.sent[m].plaintext.clone();
                w.deliver(r, s, &wire, ok.then_some(pt.as_slice()))?;
                if ok {
                    w.decrypted.insert((m, r));
                }
                w.delivered.push((m, r));
            }
            Op::Drop { pick } => {
                if !w.pending.is_empty() {
                    let i = pick % w.pending.len();
                    w.pending.remove(i);
                }
            }
            Op::Replay { pick } => {
                if w.delivered.is_empty() {
                    continue;
                }
                let (m, r) = w.delivered[pick % w.delivered.len()];
                let wire = w.sent[m].wire.clone();
                w.deliver(r, w.sent[m].sender, &wire, None)?;
            }
            Op::Tamper { pick, how } => {
                if w.pending.is_empty() {
                    continue;
                }
                let (m, r) = w.pending[pick % w.pending.len()];
                let bad = mutate(&w.sent[m].wire, &how);
                w.deliver(r, w.sent[m].sender, &bad, None)?;
            }
            Op::Forge { sender } => {
                let s = sender % n;
                let forged = forger(&w.parties[s].group).encrypt(b"forged").unwrap();
                for r in (0..n).filter(|r| *r != s) {
                    w.deliver(r, s, &forged, None)?;
                }
            }
            Op::Remove { member } => {
                let x = member % n;
                if !w.active[x] || w.active.iter().filter(|a| **a).count() <= 2 {
                    continue;
                }
                w.active[x] = false;
                let stayers: Vec<usize> = (0..n).filter(|i| w.active[*i]).collect();
                let gone = w.parties[x].identity;
                for &i in &stayers {
                    let d = w.parties[i].group.remove_member(&mut rng, &gone).unwrap();
                    w.held[i][x].clear();
                    let from = w.parties[i].identity;
                    let chain = w.parties[i].group.chain_id();
                    for &j in stayers.iter().filter(|j| **j != i) {
                        w.parties[j].group.process_distribution(&from, &d).unwrap();
                        w.hold(j, i, chain);
                    }
                }
            }
            Op::Rotate { sender } => {
                // A periodic rotation, distributed to the members the sender
                // still has.
                let s = sender % n;
                let d = w.parties[s].group.rotate(&mut rng);
                let chain = w.parties[s].group.chain_id();
                let from = w.parties[s].identity;
                let receivers: Vec<usize> = (0..n).filter(|j| *j != s && w.active[*j]).collect();
                for j in receivers {
                    if w.active[s] {
                        w.parties[j].group.process_distribution(&from, &d).unwrap();
                        w.hold(j, s, chain);
                    } else {
                        // A removed member's new key is refused.
                        let g = &mut w.parties[j].group;
                        let before = g.to_bytes().to_vec();
                        prop_assert_eq!(
                            g.process_distribution(&from, &d),
                            Err(sotto::Error::NotAMember)
                        );
                        prop_assert_eq!(g.to_bytes().to_vec(), before);
                    }
                }
            }
            Op::Restore { party } => {
                let p = party % n;
                let sealed = w.parties[p].group.seal(&key, &mut rng).unwrap();
                let restored = Group::open(&key, &sealed).unwrap();
                prop_assert_eq!(restored.to_bytes(), w.parties[p].group.to_bytes());
                w.parties[p].group = restored;
            }
        }
    }

    // Everything still in flight arrives: each message decrypts exactly when
    // the model says so.
    for (m, r) in std::mem::take(&mut w.pending) {
        let (s, chain) = (w.sent[m].sender, w.sent[m].chain);
        let ok = w.held[r][s].contains(&chain) && !w.decrypted.contains(&(m, r));
        let wire = w.sent[m].wire.clone();
        let pt = w.sent[m].plaintext.clone();
        w.deliver(r, s, &wire, ok.then_some(pt.as_slice()))?;
        if ok {
            w.decrypted.insert((m, r));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn group_model(
        seed in any::<u64>(),
        n in 3usize..=5,
        ops in prop::collection::vec(op(), 1..80),
    ) {
        run(seed, n, ops)?;
    }
}
