//! A property-based state machine over a live-location share: random fixes
//! (every combination of optional fields, any precision), delivery to two
//! viewers in any order, loss, replays, tampering, and a viewer who joins
//! late. Properties checked at every step:
//! * a viewer decrypts an update exactly when it is newer than the newest
//!   one it has decrypted and not older than the viewer's join, and sees the
//!   fix coarsened to the share's precision;
//! * every other delivery (older, replayed, tampered, from before the join)
//!   fails and leaves the viewer byte-identical;
//! * every update is the same length, whatever the fix.
//!
//! `PROPTEST_CASES` sets the number of cases (proptest's default: 256).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use proptest::prelude::*;
use sotto::location::LOCATION_UPDATE_LEN;
use sotto::{Error, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision};

const CTX: &[u8] = b"model";
const NOW: u64 = 1_800_000_000;

#[derive(Clone, Debug)]
enum Op {
    Send(Location),
    Deliver {
        viewer: usize,
        pick: usize,
    },
    Drop {
        pick: usize,
    },
    Replay {
        viewer: usize,
        pick: usize,
    },
    Tamper {
        viewer: usize,
        pick: usize,
        at: usize,
        bit: u8,
    },
    Join,
}

fn precision() -> impl Strategy<Value = Precision> {
    prop_oneof![
        Just(Precision::Exact),
        Just(Precision::Street),
        Just(Precision::Neighbourhood),
        Just(Precision::City),
    ]
}

fn location() -> impl Strategy<Value = Location> {
    (
        -900_000_000i32..=900_000_000,
        -1_800_000_000i32..=1_800_000_000,
        0u32..=2_000_000_000,
        proptest::option::of(-1_000_000i32..=10_000_000),
        proptest::option::of(0u16..36_000),
        proptest::option::of(0u32..=1_000_000),
        any::<u32>(),
    )
        .prop_map(|(lat, lon, acc, alt, heading, speed, seq)| Location {
            latitude_e7: lat,
            longitude_e7: lon,
            accuracy_cm: acc,
            altitude_cm: alt,
            heading_centideg: heading,
            speed_cm_s: speed,
            timestamp_ms: NOW * 1000,
            sequence: seq,
            precision: Precision::Exact,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => location().prop_map(Op::Send),
        5 => (0usize..2, any::<usize>()).prop_map(|(viewer, pick)| Op::Deliver { viewer, pick }),
        1 => any::<usize>().prop_map(|pick| Op::Drop { pick }),
        1 => (0usize..2, any::<usize>()).prop_map(|(viewer, pick)| Op::Replay { viewer, pick }),
        1 => (0usize..2, any::<usize>(), any::<usize>(), 0u8..8)
            .prop_map(|(viewer, pick, at, bit)| Op::Tamper { viewer, pick, at, bit }),
        1 => Just(Op::Join),
    ]
}

struct Viewer {
    state: LocationViewer,
    joined_at: u32,
    newest: Option<u32>,
    /// Updates not yet delivered to this viewer.
    pending: Vec<usize>,
    delivered: Vec<usize>,
}

fn deliver(v: &mut Viewer, wire: &[u8], expect: Option<&Location>) -> Result<(), TestCaseError> {
    let before = v.state.to_bytes().to_vec();
    let got = v.state.decrypt(wire, NOW);
    match expect {
        Some(l) => prop_assert_eq!(got, Ok(*l)),
        None => {
            prop_assert!(got.is_err(), "accepted an update it must refuse");
            prop_assert_eq!(v.state.to_bytes().to_vec(), before);
        }
    }
    Ok(())
}

fn run(seed: u64, precision: Precision, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut rng = TestRng::new(seed);
    let alice_pair = IdentityKeyPair::generate(&mut rng);
    let alice = *alice_pair.public_key();
    let bob = *IdentityKeyPair::generate(&mut rng).public_key();
    let mut share =
        LocationShare::new(&mut rng, &alice_pair, CTX, &[bob], NOW + 60, precision).unwrap();
    let first = LocationViewer::new(CTX, &alice, &share.distribution()).unwrap();
    let mut viewers = vec![Viewer {
        state: first,
        joined_at: 0,
        newest: None,
        pending: Vec::new(),
        delivered: Vec::new(),
    }];
    // (wire, the fix as the viewer must see it)
    let mut sent: Vec<(Vec<u8>, Location)> = Vec::new();

    for op in ops {
        match op {
            Op::Send(l) => {
                let wire = share.encrypt(&l, NOW).unwrap();
                prop_assert_eq!(wire.len(), LOCATION_UPDATE_LEN);
                let seen = l.coarsen(precision).unwrap();
                let i = sent.len();
                sent.push((wire, seen));
                for v in &mut viewers {
                    v.pending.push(i);
                }
            }
            Op::Deliver { viewer, pick } => {
                let Some(v) = viewers.get_mut(viewer) else {
                    continue;
                };
                if v.pending.is_empty() {
                    continue;
                }
                let i = v.pending.remove(pick % v.pending.len());
                let iteration = i as u32;
                let ok = iteration >= v.joined_at && v.newest.is_none_or(|n| iteration > n);
                deliver(v, &sent[i].0, ok.then_some(&sent[i].1))?;
                if ok {
                    v.newest = Some(iteration);
                }
                v.delivered.push(i);
            }
            Op::Drop { pick } => {
                for v in &mut viewers {
                    if !v.pending.is_empty() {
                        let n = v.pending.len();
                        v.pending.remove(pick % n);
                    }
                }
            }
            Op::Replay { viewer, pick } => {
                let Some(v) = viewers.get_mut(viewer) else {
                    continue;
                };
                if v.delivered.is_empty() {
                    continue;
                }
                let i = v.delivered[pick % v.delivered.len()];
                deliver(v, &sent[i].0, None)?;
            }
            Op::Tamper {
                viewer,
                pick,
                at,
                bit,
            } => {
                let Some(v) = viewers.get_mut(viewer) else {
                    continue;
                };
                if v.pending.is_empty() {
                    continue;
                }
                let i = v.pending[pick % v.pending.len()];
                let mut bad = sent[i].0.clone();
                let at = at % bad.len();
                bad[at] ^= 1 << bit;
                deliver(v, &bad, None)?;
            }
            Op::Join => {
                if viewers.len() == 2 {
                    continue;
                }
                let carol = *IdentityKeyPair::generate(&mut rng).public_key();
                let d = share.add_viewer(&carol).unwrap();
                let joined_at = sent.len() as u32;
                viewers.push(Viewer {
                    state: LocationViewer::new(CTX, &alice, &d).unwrap(),
                    joined_at,
                    newest: None,
                    // Everything sent so far reaches the late viewer too.
                    pending: (0..sent.len()).collect(),
                    delivered: Vec::new(),
                });
            }
        }
    }
    // A late viewer can read nothing sent before it joined.
    if let Some(late) = viewers.get_mut(1) {
        for (wire, _) in sent.iter().take(late.joined_at as usize) {
            deliver(late, wire, None)?;
            prop_assert_eq!(late.state.decrypt(wire, NOW), Err(Error::Stale));
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn location_model(
        seed in any::<u64>(),
        precision in precision(),
        ops in prop::collection::vec(op(), 1..80),
    ) {
        run(seed, precision, ops)?;
    }
}
