//! Encrypted location: the payload codec, live-location shares and viewers.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use ed25519_dalek::{Signer, SigningKey};
use sotto::location::{
    LABEL_LOCATION_SIGNATURE, LOCATION_PAYLOAD_LEN, LOCATION_UPDATE_LEN, inspect_location_update,
};
use sotto::{
    Error, IdentityKey, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision,
};

const CTX: &[u8] = b"chat with Bob";
const NOW: u64 = 1_800_000_000;
const END: u64 = NOW + 3600;

fn fix(seq: u32) -> Location {
    Location {
        latitude_e7: 515_007_286 + seq as i32,
        longitude_e7: -1_246_361,
        accuracy_cm: 450,
        altitude_cm: Some(3_500),
        heading_centideg: Some(27_000),
        speed_cm_s: Some(140),
        timestamp_ms: NOW * 1000 + u64::from(seq) * 5000,
        sequence: seq,
        precision: Precision::Exact,
    }
}

fn id(rng: &mut TestRng) -> IdentityKey {
    *IdentityKeyPair::generate(rng).public_key()
}

struct Setup {
    alice: IdentityKey,
    share: LocationShare,
    viewer: LocationViewer,
}

fn setup(rng: &mut TestRng, precision: Precision) -> Setup {
    let alice_pair = IdentityKeyPair::generate(rng);
    let alice = *alice_pair.public_key();
    let bob = id(rng);
    let share = LocationShare::new(rng, &alice_pair, CTX, &[bob], END, precision).unwrap();
    let viewer = LocationViewer::new(CTX, &alice, &share.distribution()).unwrap();
    Setup {
        alice,
        share,
        viewer,
    }
}

fn state(v: &LocationViewer) -> Vec<u8> {
    v.to_bytes().to_vec()
}

#[test]
fn the_viewer_reads_each_update_and_keeps_the_latest() {
    let mut rng = TestRng::new(1);
    let mut s = setup(&mut rng, Precision::Exact);
    for seq in 0..20 {
        let u = s.share.encrypt(&fix(seq), NOW).unwrap();
        assert_eq!(u.len(), LOCATION_UPDATE_LEN);
        assert_eq!(s.viewer.decrypt(&u, NOW).unwrap(), fix(seq));
        assert_eq!(s.viewer.latest(), Some(&fix(seq)));
    }
}

#[test]
fn latest_wins_older_updates_and_replays_are_stale() {
    let mut rng = TestRng::new(2);
    let mut s = setup(&mut rng, Precision::Exact);
    let updates: Vec<Vec<u8>> = (0..10)
        .map(|i| s.share.encrypt(&fix(i), NOW).unwrap())
        .collect();
    assert_eq!(s.viewer.decrypt(&updates[5], NOW).unwrap().sequence, 5);
    for i in [3usize, 5, 0, 4] {
        let before = state(&s.viewer);
        assert_eq!(s.viewer.decrypt(&updates[i], NOW), Err(Error::Stale));
        assert_eq!(state(&s.viewer), before);
    }
    assert_eq!(s.viewer.decrypt(&updates[9], NOW).unwrap().sequence, 9);
    assert_eq!(s.viewer.latest().unwrap().sequence, 9);
}

#[test]
fn every_bit_flip_and_truncation_is_rejected_without_change() {
    let mut rng = TestRng::new(3);
    let mut s = setup(&mut rng, Precision::Exact);
    let u = s.share.encrypt(&fix(1), NOW).unwrap();
    let before = state(&s.viewer);
    for at in 0..u.len() {
        for bit in 0..8 {
            let mut bad = u.clone();
            bad[at] ^= 1 << bit;
            assert!(s.viewer.decrypt(&bad, NOW).is_err(), "byte {at} bit {bit}");
        }
    }
    for len in 0..u.len() {
        assert!(s.viewer.decrypt(&u[..len], NOW).is_err());
    }
    assert_eq!(state(&s.viewer), before);
    assert_eq!(s.viewer.decrypt(&u, NOW).unwrap(), fix(1));
}

#[test]
fn a_late_viewer_reads_from_its_join_on_only() {
    let mut rng = TestRng::new(4);
    let mut s = setup(&mut rng, Precision::Exact);
    let early: Vec<Vec<u8>> = (0..5)
        .map(|i| s.share.encrypt(&fix(i), NOW).unwrap())
        .collect();
    let carol = id(&mut rng);
    let d = s.share.add_viewer(&carol).unwrap();
    let mut late = LocationViewer::new(CTX, &s.alice, &d).unwrap();
    for u in &early {
        assert_eq!(late.decrypt(u, NOW), Err(Error::Stale));
    }
    let next = s.share.encrypt(&fix(5), NOW).unwrap();
    assert_eq!(late.decrypt(&next, NOW).unwrap(), fix(5));
    // The early viewer still reads the early updates.
    assert_eq!(s.viewer.decrypt(&early[2], NOW).unwrap(), fix(2));
}

#[test]
fn removing_a_viewer_rotates_the_key() {
    let mut rng = TestRng::new(5);
    let alice_pair = IdentityKeyPair::generate(&mut rng);
    let alice = *alice_pair.public_key();
    let (bob, carol) = (id(&mut rng), id(&mut rng));
    let mut share = LocationShare::new(
        &mut rng,
        &alice_pair,
        CTX,
        &[bob, carol],
        END,
        Precision::Exact,
    )
    .unwrap();
    assert_eq!(share.owner(), &alice);
    let d = share.distribution();
    let mut at_bob = LocationViewer::new(CTX, &alice, &d).unwrap();
    let mut at_carol = LocationViewer::new(CTX, &alice, &d).unwrap();
    let in_flight = share.encrypt(&fix(0), NOW).unwrap();
    let old_id = share.share_id();
    let rotated = share.remove_viewer(&mut rng, &carol).unwrap();
    assert_ne!(share.share_id(), old_id);
    assert_eq!(share.viewers(), &[bob]);
    at_bob.process_distribution(&rotated).unwrap();
    let after = share.encrypt(&fix(1), NOW).unwrap();
    assert_eq!(at_bob.decrypt(&after, NOW).unwrap(), fix(1));
    assert_eq!(at_carol.decrypt(&after, NOW), Err(Error::UnknownSenderKey));
    // Updates of the replaced share are refused (only the latest counts).
    assert_eq!(
        at_bob.decrypt(&in_flight, NOW),
        Err(Error::UnknownSenderKey)
    );
    // A repeated distribution cannot rewind the ratchet.
    at_bob.process_distribution(&rotated).unwrap();
    assert_eq!(at_bob.decrypt(&after, NOW), Err(Error::Stale));
    assert_eq!(
        share.remove_viewer(&mut rng, &carol).unwrap_err(),
        Error::NotAMember
    );
}

#[test]
fn a_share_ends_at_its_end_time() {
    let mut rng = TestRng::new(6);
    let mut s = setup(&mut rng, Precision::Exact);
    let u = s.share.encrypt(&fix(0), END).unwrap();
    let before = state(&s.viewer);
    assert_eq!(s.viewer.decrypt(&u, END + 1), Err(Error::Expired));
    assert_eq!(state(&s.viewer), before);
    assert_eq!(s.viewer.decrypt(&u, END).unwrap(), fix(0));
    assert_eq!(s.share.encrypt(&fix(1), END + 1), Err(Error::Expired));
    // A fix the sender's own clock dates after the end is refused too.
    let mut late_fix = fix(2);
    late_fix.timestamp_ms = (END + 10) * 1000;
    let u = s.share.encrypt(&late_fix, NOW).unwrap();
    assert_eq!(s.viewer.decrypt(&u, NOW), Err(Error::Expired));
}

#[test]
fn out_of_range_fields_are_errors_not_clamps() {
    let mut rng = TestRng::new(7);
    let mut s = setup(&mut rng, Precision::Exact);
    let bad = [
        Location {
            latitude_e7: 900_000_001,
            ..fix(0)
        },
        Location {
            longitude_e7: -1_800_000_001,
            ..fix(0)
        },
        Location {
            heading_centideg: Some(36_000),
            ..fix(0)
        },
        Location {
            altitude_cm: Some(-1_000_001),
            ..fix(0)
        },
        Location {
            speed_cm_s: Some(1_000_001),
            ..fix(0)
        },
        Location {
            accuracy_cm: 2_000_000_001,
            ..fix(0)
        },
    ];
    let before = s.share.to_bytes();
    for l in bad {
        assert_eq!(l.validate(), Err(Error::InvalidLocation));
        assert_eq!(l.encode(), Err(Error::InvalidLocation));
        assert_eq!(s.share.encrypt(&l, NOW), Err(Error::InvalidLocation));
    }
    assert_eq!(s.share.to_bytes(), before);
    // The extremes themselves are valid.
    let poles = Location {
        latitude_e7: -900_000_000,
        longitude_e7: 1_800_000_000,
        altitude_cm: Some(10_000_000),
        heading_centideg: Some(35_999),
        ..fix(0)
    };
    assert_eq!(Location::decode(&poles.encode().unwrap()).unwrap(), poles);
}

#[test]
fn precision_coarsens_before_encryption_and_lengths_never_vary() {
    let mut rng = TestRng::new(8);
    for (precision, step) in [
        (Precision::Street, 10_000),
        (Precision::Neighbourhood, 100_000),
        (Precision::City, 1_000_000),
    ] {
        let mut s = setup(&mut rng, precision);
        let u = s.share.encrypt(&fix(7), NOW).unwrap();
        assert_eq!(u.len(), LOCATION_UPDATE_LEN);
        let seen = s.viewer.decrypt(&u, NOW).unwrap();
        assert_eq!(seen.precision, precision);
        assert_eq!(seen.latitude_e7 % step, 0);
        assert_eq!(seen.longitude_e7 % step, 0);
        assert!((seen.latitude_e7 - fix(7).latitude_e7).abs() <= step / 2);
        assert_eq!(
            (seen.altitude_cm, seen.heading_centideg, seen.speed_cm_s),
            (None, None, None)
        );
        assert!(seen.accuracy_cm > fix(7).accuracy_cm);
    }
    // Snapping never leaves the valid range.
    let edge = Location {
        latitude_e7: 899_999_999,
        longitude_e7: -1_799_999_999,
        ..fix(0)
    };
    let c = edge.coarsen(Precision::City).unwrap();
    assert_eq!(
        (c.latitude_e7, c.longitude_e7),
        (900_000_000, -1_800_000_000)
    );
    // Coarsening never makes a fix more precise.
    assert_eq!(c.coarsen(Precision::Street).unwrap(), c);
    // Every optional-field combination encodes to the same length.
    let minimal = Location {
        altitude_cm: None,
        heading_centideg: None,
        speed_cm_s: None,
        ..fix(0)
    };
    assert_eq!(minimal.encode().unwrap().len(), LOCATION_PAYLOAD_LEN);
    assert_eq!(
        Location::decode(&minimal.encode().unwrap()).unwrap(),
        minimal
    );
}

#[test]
fn payload_decoding_is_strict() {
    let good = fix(3).encode().unwrap();
    assert_eq!(Location::decode(&good).unwrap(), fix(3));
    let mut bad = good;
    bad[47] = 1; // the zero tail
    assert_eq!(Location::decode(&bad), Err(Error::Malformed));
    let minimal = Location {
        speed_cm_s: None,
        ..fix(3)
    }
    .encode()
    .unwrap();
    let mut bad = minimal;
    bad[25] = 1; // an absent field that is not zero
    assert_eq!(Location::decode(&bad), Err(Error::Malformed));
    let mut bad = good;
    bad[2] |= 0x80; // an unknown flag
    assert_eq!(Location::decode(&bad), Err(Error::Malformed));
    let mut bad = good;
    bad[3] = 4; // an unknown precision
    assert_eq!(Location::decode(&bad), Err(Error::Malformed));
    assert_eq!(Location::decode(&good[..47]), Err(Error::Malformed));
}

#[test]
fn iteration_at_u32_max_is_an_error_never_a_wrap() {
    let mut rng = TestRng::new(9);
    let s = setup(&mut rng, Precision::Exact);
    // The sender's position moved to u32::MAX by editing its state.
    let mut bytes = s.share.to_bytes().to_vec();
    let next_at = 2 + 1 + CTX.len() + 64 + 4 + 8 + 1;
    bytes[next_at..next_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut exhausted = LocationShare::from_bytes(&bytes).unwrap();
    let before = exhausted.to_bytes();
    assert_eq!(
        exhausted.encrypt(&fix(0), NOW),
        Err(Error::CounterExhausted)
    );
    assert_eq!(exhausted.to_bytes(), before);

    // A correctly signed update claiming iteration u32::MAX.
    let seed_at = next_at + 4 + 8 * 32;
    let key = SigningKey::from_bytes(&bytes[seed_at..seed_at + 32].try_into().unwrap());
    let mut forged = vec![sotto::WIRE_VERSION, 0x06];
    forged.extend_from_slice(&s.share.share_id().to_be_bytes());
    forged.extend_from_slice(&u32::MAX.to_be_bytes());
    forged.extend_from_slice(&[0u8; LOCATION_PAYLOAD_LEN + 16]);
    let signed = [LABEL_LOCATION_SIGNATURE, &[CTX.len() as u8], CTX, &forged].concat();
    forged.extend_from_slice(&key.sign(&signed).to_bytes());
    assert_eq!(
        inspect_location_update(&forged).unwrap().iteration,
        u32::MAX
    );
    let mut viewer = s.viewer;
    let before = state(&viewer);
    assert_eq!(viewer.decrypt(&forged, NOW), Err(Error::CounterExhausted));
    assert_eq!(state(&viewer), before);
}

#[test]
fn state_round_trips_and_distributions_are_checked() {
    let mut rng = TestRng::new(10);
    let mut s = setup(&mut rng, Precision::Street);
    let u0 = s.share.encrypt(&fix(0), NOW).unwrap();
    s.viewer.decrypt(&u0, NOW).unwrap();
    let key = [5u8; 32];
    let mut share = LocationShare::open(&key, &s.share.seal(&key, &mut rng).unwrap()).unwrap();
    let mut viewer = LocationViewer::open(&key, &s.viewer.seal(&key, &mut rng).unwrap()).unwrap();
    assert_eq!(share.to_bytes(), s.share.to_bytes());
    assert_eq!(viewer.to_bytes(), s.viewer.to_bytes());
    assert_eq!(viewer.latest(), s.viewer.latest());
    let u1 = share.encrypt(&fix(1), NOW).unwrap();
    assert_eq!(inspect_location_update(&u1).unwrap().iteration, 1);
    assert_eq!(viewer.decrypt(&u1, NOW).unwrap().sequence, 1);
    assert_eq!(viewer.decrypt(&u0, NOW), Err(Error::Stale));
    for (plain, name) in [(share.to_bytes(), "share"), (viewer.to_bytes(), "viewer")] {
        for len in 0..plain.len() {
            assert!(
                LocationShare::from_bytes(&plain[..len]).is_err()
                    && LocationViewer::from_bytes(&plain[..len]).is_err(),
                "{name} truncated to {len}"
            );
        }
    }
    assert_eq!(
        LocationViewer::open(&[6u8; 32], &viewer.seal(&key, &mut rng).unwrap()).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert_eq!(
        LocationViewer::new(b"another chat", &s.alice, &share.distribution()).unwrap_err(),
        Error::GroupMismatch
    );
    assert_eq!(
        LocationShare::new(
            &mut rng,
            &IdentityKeyPair::generate(&mut TestRng::new(0)),
            b"",
            &[],
            END,
            Precision::Exact
        )
        .unwrap_err(),
        Error::LimitExceeded
    );
}

#[test]
fn a_viewer_can_drop_a_backlog() {
    let mut rng = TestRng::new(11);
    let mut s = setup(&mut rng, Precision::Exact);
    let updates: Vec<Vec<u8>> = (0..40)
        .map(|i| s.share.encrypt(&fix(i), NOW).unwrap())
        .collect();
    s.viewer.skip_to(30).unwrap();
    assert_eq!(s.viewer.decrypt(&updates[29], NOW), Err(Error::Stale));
    assert_eq!(s.viewer.skip_to(29), Err(Error::Stale));
    s.viewer.skip_to(30).unwrap();
    assert_eq!(s.viewer.skip_to(0), Err(Error::Stale));
    assert_eq!(s.viewer.decrypt(&updates[30], NOW).unwrap(), fix(30));
    assert_eq!(s.viewer.decrypt(&updates[39], NOW).unwrap(), fix(39));
}

#[test]
fn a_one_shot_location_travels_in_a_1_to_1_and_a_group_message() {
    let mut rng = TestRng::new(12);
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut bob = common::device(&mut rng, 1);
    let e = common::establish(&mut rng, &alice, &mut bob, true, b"hi");
    let (mut a, mut b) = (e.alice, e.bob);
    let here = fix(4).coarsen(Precision::Neighbourhood).unwrap();
    let wire = a.encrypt(&mut rng, &here.encode().unwrap()).unwrap();
    assert_eq!(Location::decode(&b.decrypt(&wire).unwrap()).unwrap(), here);
    // The same size whatever the fix and its precision.
    let exact = a.encrypt(&mut rng, &fix(5).encode().unwrap()).unwrap();
    assert_eq!(exact.len(), wire.len());

    let mut g = common::group(&mut rng, 3);
    let from = g[0].identity;
    let m = g[0].group.encrypt(&here.encode().unwrap()).unwrap();
    for p in &mut g[1..] {
        assert_eq!(
            Location::decode(&p.group.decrypt(&from, &m).unwrap()).unwrap(),
            here
        );
    }
}

#[test]
fn debug_never_shows_where_a_location_is() {
    let l = fix(7);
    let shown = format!("{l:?}");
    for field in [
        l.latitude_e7.to_string(),
        l.longitude_e7.to_string(),
        l.timestamp_ms.to_string(),
    ] {
        assert!(!shown.contains(&field), "{shown}");
    }
    assert!(shown.contains("precision"), "{shown}");
}
