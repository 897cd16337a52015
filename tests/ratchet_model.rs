//! A property-based state machine over two parties: send, deliver in any
//! order, drop, duplicate, tamper, serialize and restore. Each case sets the
//! session up with PQXDH or with X3DH (a bundle without a post-quantum
//! prekey), chosen by proptest.
//!
//! Properties checked after every step:
//! * every untampered message decrypts to its plaintext at its first delivery
//!   (its chain is always within the kept window in these runs);
//! * a duplicate, a tampered message or any failure changes nothing: the
//!   serialized session is byte-identical before and after;
//! * no `(ratchet key, counter)` pair, and hence no (key, nonce) pair, is ever
//!   used twice by a sender, across serialize and restore.
//!
//! `PROPTEST_CASES` sets the number of cases (proptest's default: 256).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::HashSet;

use common::{Established, TestRng, device, establish_from};
use proptest::prelude::*;
use sotto::{Error, IdentityKeyPair, MAX_OLD_CHAINS, Session};

#[derive(Clone, Debug)]
enum Op {
    Send {
        from_a: bool,
        len: usize,
    },
    Deliver {
        to_a: bool,
        pick: usize,
    },
    Drop {
        to_a: bool,
        pick: usize,
    },
    Replay {
        to_a: bool,
        pick: usize,
    },
    Tamper {
        to_a: bool,
        pick: usize,
        at: usize,
        bit: u8,
    },
    Restore {
        a: bool,
        sealed: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<bool>(), 0usize..80).prop_map(|(from_a, len)| Op::Send { from_a, len }),
        4 => (any::<bool>(), any::<usize>()).prop_map(|(to_a, pick)| Op::Deliver { to_a, pick }),
        1 => (any::<bool>(), any::<usize>()).prop_map(|(to_a, pick)| Op::Drop { to_a, pick }),
        1 => (any::<bool>(), any::<usize>()).prop_map(|(to_a, pick)| Op::Replay { to_a, pick }),
        1 => (any::<bool>(), any::<usize>(), any::<usize>(), 0u8..8)
            .prop_map(|(to_a, pick, at, bit)| Op::Tamper { to_a, pick, at, bit }),
        1 => (any::<bool>(), any::<bool>()).prop_map(|(a, sealed)| Op::Restore { a, sealed }),
    ]
}

struct InFlight {
    wire: Vec<u8>,
    plaintext: Vec<u8>,
    chain: usize,
}

#[derive(Default)]
struct Direction {
    in_flight: Vec<InFlight>,
    delivered: Vec<Vec<u8>>,
    /// (ratchet key, counter) of every message sent in this direction.
    used: HashSet<([u8; 32], u32)>,
    chains: usize,
    last_ratchet: Option<[u8; 32]>,
}

/// The ratchet key and counter `n` of a message, read as `docs/PROTOCOL.md` §6
/// lays them out: an oracle that does not share the crate's parser.
fn key_and_counter(wire: &[u8]) -> ([u8; 32], u32) {
    let mut at = 2;
    if wire[1] == sotto::TYPE_PREKEY_MESSAGE {
        at += 64 + 32 + 4;
        let flags = wire[at];
        at += 1;
        if flags & 1 != 0 {
            at += 4; // one-time prekey id
        }
        if flags & 2 != 0 {
            at += 1 + 4 + sotto::crypto::KEM_CIPHERTEXT_LEN; // PQXDH
        }
    }
    let key = wire[at..at + 32].try_into().unwrap();
    at += 32;
    let _pn = varint(wire, &mut at);
    (key, varint(wire, &mut at))
}

fn varint(wire: &[u8], at: &mut usize) -> u32 {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let byte = wire[*at];
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return value;
        }
        shift += 7;
    }
}

fn run(seed: u64, pq: bool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut rng = TestRng::new(seed);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut bob = device(&mut rng, 1);
    let bundle = if pq {
        bob.bundle(true)
    } else {
        bob.x3dh_bundle(true)
    };
    let Established {
        alice: mut a,
        bob: mut b,
        first,
    } = establish_from(&mut rng, &alice, &mut bob, &bundle, b"first");
    prop_assert_eq!(a.is_post_quantum(), pq);
    prop_assert_eq!(b.is_post_quantum(), pq);
    let key = [0x33u8; 32];

    // dirs[0]: to Bob (sent by Alice); dirs[1]: to Alice.
    let mut dirs = [Direction::default(), Direction::default()];
    dirs[0].used.insert(key_and_counter(&first));
    dirs[0].last_ratchet = Some(key_and_counter(&first).0);
    dirs[0].chains = 1;
    dirs[0].delivered.push(first);
    let mut counter = 0u32;

    for op in ops {
        match op {
            Op::Send { from_a, len } => {
                counter += 1;
                let mut pt = counter.to_be_bytes().to_vec();
                pt.resize(4 + len, 0xab);
                let (s, d) = if from_a {
                    (&mut a, &mut dirs[0])
                } else {
                    (&mut b, &mut dirs[1])
                };
                let wire = s.encrypt(&mut rng, &pt).unwrap();
                let id = key_and_counter(&wire);
                prop_assert!(
                    d.used.insert(id),
                    "a (ratchet key, counter) pair was used twice"
                );
                if d.last_ratchet != Some(id.0) {
                    d.chains += 1;
                    d.last_ratchet = Some(id.0);
                }
                let chain = d.chains;
                d.in_flight.push(InFlight {
                    wire,
                    plaintext: pt,
                    chain,
                });
            }
            Op::Deliver { to_a, pick } => {
                let (s, d) = if to_a {
                    (&mut a, &mut dirs[1])
                } else {
                    (&mut b, &mut dirs[0])
                };
                if d.in_flight.is_empty() {
                    continue;
                }
                let m = d.in_flight.remove(pick % d.in_flight.len());
                let before = s.to_bytes().to_vec();
                match s.decrypt(&m.wire) {
                    Ok(pt) => prop_assert_eq!(pt, m.plaintext),
                    Err(e) => {
                        // Only a message whose chain fell out of the kept window may fail.
                        prop_assert!(
                            d.chains - m.chain > MAX_OLD_CHAINS,
                            "delivery failed: {e:?}"
                        );
                        prop_assert!(
                            matches!(e, Error::Duplicate | Error::AuthenticationFailed),
                            "{e:?}"
                        );
                        prop_assert_eq!(s.to_bytes().to_vec(), before);
                    }
                }
                d.delivered.push(m.wire);
            }
            Op::Drop { to_a, pick } => {
                let d = if to_a { &mut dirs[1] } else { &mut dirs[0] };
                if !d.in_flight.is_empty() {
                    let i = pick % d.in_flight.len();
                    d.in_flight.remove(i);
                }
            }
            Op::Replay { to_a, pick } => {
                let (s, d) = if to_a {
                    (&mut a, &dirs[1])
                } else {
                    (&mut b, &dirs[0])
                };
                if d.delivered.is_empty() {
                    continue;
                }
                let m = &d.delivered[pick % d.delivered.len()];
                let before = s.to_bytes().to_vec();
                prop_assert!(s.decrypt(m).is_err(), "a replay decrypted");
                prop_assert_eq!(s.to_bytes().to_vec(), before);
            }
            Op::Tamper {
                to_a,
                pick,
                at,
                bit,
            } => {
                let (s, d) = if to_a {
                    (&mut a, &dirs[1])
                } else {
                    (&mut b, &dirs[0])
                };
                if d.in_flight.is_empty() {
                    continue;
                }
                let m = &d.in_flight[pick % d.in_flight.len()];
                let mut t = m.wire.clone();
                let at = at % t.len();
                t[at] ^= 1 << bit;
                let before = s.to_bytes().to_vec();
                prop_assert!(s.decrypt(&t).is_err(), "a tampered message decrypted");
                prop_assert_eq!(s.to_bytes().to_vec(), before);
            }
            Op::Restore { a: side_a, sealed } => {
                let s = if side_a { &mut a } else { &mut b };
                let restored = if sealed {
                    Session::open(&key, &s.seal(&key, &mut rng).unwrap()).unwrap()
                } else {
                    Session::from_bytes(&s.to_bytes()).unwrap()
                };
                prop_assert_eq!(restored.to_bytes().to_vec(), s.to_bytes().to_vec());
                *s = restored;
            }
        }
        // Memory stays within the documented bounds.
        for s in [&a, &b] {
            prop_assert!(s.skipped_key_count() <= sotto::MAX_SKIPPED_KEYS);
            prop_assert!(s.old_chain_count() <= MAX_OLD_CHAINS);
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn two_party_model(
        seed in any::<u64>(),
        pq in any::<bool>(),
        ops in proptest::collection::vec(op(), 1..80),
    ) {
        run(seed, pq, ops)?;
    }
}
