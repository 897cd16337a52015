//! A property-based state machine over two parties: send, deliver in any
//! order, drop, duplicate, tamper, serialize and restore.
//!
//! Properties checked after every step:
//! * every untampered message decrypts to its plaintext at its first delivery
//!   (its chain is always within the kept window in these runs);
//! * a duplicate, a tampered message or any failure changes nothing: the
//!   serialized session is byte-identical before and after;
//! * no `(ratchet key, counter)` pair, and hence no (key, nonce) pair, is ever
//!   used twice by a sender, across serialize and restore.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::collections::HashSet;

use common::TestRng;
use proptest::prelude::*;
use sotto::{Error, IdentityKeyPair, MAX_OLD_CHAINS, PrekeyBundle, PrekeyStore, Session};

const NOW: u64 = 1_800_000_000;

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
    used: HashSet<([u8; 32], Vec<u8>)>,
    chains: usize,
    last_ratchet: Option<[u8; 32]>,
}

/// The ratchet key and the two varints of a message's header.
fn header_id(wire: &[u8]) -> ([u8; 32], Vec<u8>) {
    let start = if wire[1] == sotto::TYPE_PREKEY_MESSAGE {
        2 + 64 + 32 + 4 + 1 + if wire[2 + 64 + 32 + 4] == 1 { 4 } else { 0 }
    } else {
        2
    };
    let mut key = [0u8; 32];
    key.copy_from_slice(&wire[start..start + 32]);
    let mut i = start + 32;
    let mut counters = Vec::new();
    for _ in 0..2 {
        loop {
            counters.push(wire[i]);
            i += 1;
            if counters.last().unwrap() & 0x80 == 0 {
                break;
            }
        }
    }
    // Only n identifies the message key on a chain; keep pn out.
    let pn_len = counters.iter().position(|b| b & 0x80 == 0).unwrap() + 1;
    (key, counters[pn_len..].to_vec())
}

fn run(seed: u64, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut rng = TestRng::new(seed);
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, NOW);
    let opk = store.generate_one_time_prekeys(&mut rng, 1).unwrap()[0];
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opk),
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let first = a.encrypt(&mut rng, b"first").unwrap();
    let acc = store.accept(&bob, &first, NOW).unwrap();
    prop_assert_eq!(&acc.plaintext, b"first");
    let mut b = acc.session;
    let key = [0x33u8; 32];

    // dirs[0]: to Bob (sent by Alice); dirs[1]: to Alice.
    let mut dirs = [Direction::default(), Direction::default()];
    dirs[0].used.insert(header_id(&first));
    dirs[0].last_ratchet = Some(header_id(&first).0);
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
                let id = header_id(&wire);
                prop_assert!(
                    d.used.insert(id.clone()),
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
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]
    #[test]
    fn two_party_model(seed in any::<u64>(), ops in proptest::collection::vec(op(), 1..80)) {
        run(seed, ops)?;
    }
}
