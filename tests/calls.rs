//! Calls: SRTP keys for 1:1 calls (checked against an independent HKDF),
//! group calls epoch by epoch (joins, leaves, the overlap, key updates
//! mid-call, replays, tampering), and call signalling in the envelope with
//! old and replayed offers refused.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::calls::sframe::SframeSuite;
use sotto::calls::{
    CallId, CallSecret, CallSignal, CallSignalKind, Direction, EPOCH_OVERLAP_MS, GroupCall,
    MAX_CALL_PARTICIPANTS, MAX_OFFER_AGE_MS, MAX_OFFER_SKEW_MS, MAX_RECENT_CALLS, OfferGuard,
    SrtpProfile, group_kid,
};
use sotto::{Content, DisappearingTimer, Envelope, Error};

const CALL: CallId = [9u8; 16];
const T: u64 = 1_800_000_000_000;

#[test]
fn srtp_keys_are_hkdf_of_the_secret_per_profile_and_direction() {
    let secret_bytes = [0x42u8; 32];
    let secret = CallSecret::from_bytes(&secret_bytes).unwrap();
    let mut seen = Vec::new();
    for (profile, code, k, s) in [
        (SrtpProfile::AesCm128HmacSha1_80, 1u8, 16usize, 14usize),
        (SrtpProfile::AeadAes256Gcm, 2, 32, 12),
    ] {
        for (direction, d) in [(Direction::Caller, 1u8), (Direction::Callee, 2)] {
            let keys = secret.srtp(&CALL, profile, direction).unwrap();
            assert_eq!((keys.master_key.len(), keys.master_salt.len()), (k, s));
            let mut info = b"sotto v1 call srtp".to_vec();
            info.extend_from_slice(&[code, d]);
            let mut want = vec![0u8; k + s];
            sotto::crypto::hkdf_sha256(&CALL, &secret_bytes, &info, &mut want).unwrap();
            assert_eq!(&want[..k], &keys.master_key[..]);
            assert_eq!(&want[k..], &keys.master_salt[..]);
            seen.push(want);
        }
    }
    // Four different keys; another call id gives others again.
    for (i, a) in seen.iter().enumerate() {
        assert!(seen[i + 1..].iter().all(|b| b[..16] != a[..16]));
    }
    let other = secret
        .srtp(&[8u8; 16], SrtpProfile::AeadAes256Gcm, Direction::Caller)
        .unwrap();
    assert!(seen.iter().all(|s| s[..16] != other.master_key[..16]));
    assert!(!format!("{secret:?}").contains("42"));
}

fn signal(kind: CallSignalKind, secret: Option<CallSecret>, participants: Vec<u32>) -> CallSignal {
    CallSignal {
        kind,
        call_id: CALL,
        epoch: 1,
        video: true,
        secret,
        participants,
    }
}

fn roundtrip(c: &CallSignal) -> sotto::Result<CallSignal> {
    let e = Envelope::new(Content::Call(c.clone()), T, DisappearingTimer::OFF);
    match Envelope::decode(&e.encode()?)?.content {
        Content::Call(got) => Ok(got),
        _ => unreachable!(),
    }
}

#[test]
fn call_signals_survive_the_envelope_and_malformed_ones_are_refused() {
    let mut rng = TestRng::new(1);
    let offer = signal(
        CallSignalKind::Offer,
        Some(CallSecret::generate(&mut rng)),
        vec![0, 1],
    );
    let got = roundtrip(&offer).unwrap();
    assert_eq!(got, offer);
    // Both sides derive the same keys from what travelled.
    let a = offer
        .secret
        .as_ref()
        .unwrap()
        .srtp(&CALL, SrtpProfile::AeadAes256Gcm, Direction::Caller)
        .unwrap();
    let b = got
        .secret
        .as_ref()
        .unwrap()
        .srtp(&CALL, SrtpProfile::AeadAes256Gcm, Direction::Caller)
        .unwrap();
    assert_eq!(a.master_key, b.master_key);
    for kind in [
        CallSignalKind::Answer,
        CallSignalKind::Leave,
        CallSignalKind::End,
    ] {
        assert_eq!(roundtrip(&signal(kind, None, vec![])).unwrap().kind, kind);
        // No secret or participants on these.
        let bad = signal(kind, Some(CallSecret::generate(&mut rng)), vec![]);
        assert_eq!(roundtrip(&bad).unwrap_err(), Error::Malformed);
        assert_eq!(
            roundtrip(&signal(kind, None, vec![1])).unwrap_err(),
            Error::Malformed
        );
    }
    assert_eq!(
        roundtrip(&signal(CallSignalKind::Offer, None, vec![])).unwrap_err(),
        Error::Malformed
    );
    let dup = signal(
        CallSignalKind::KeyUpdate,
        Some(CallSecret::generate(&mut rng)),
        vec![1, 2, 1],
    );
    assert_eq!(roundtrip(&dup).unwrap_err(), Error::Malformed);
    let many = signal(
        CallSignalKind::KeyUpdate,
        Some(CallSecret::generate(&mut rng)),
        (0..=MAX_CALL_PARTICIPANTS as u32).collect(),
    );
    assert_eq!(roundtrip(&many).unwrap_err(), Error::LimitExceeded);
    // Every truncation and a trailing byte of an encoded body are refused.
    let body = Content::Call(offer.clone()).body().unwrap();
    for cut in 0..body.len() {
        assert!(Content::from_body(5, &body[..cut]).is_err());
    }
    let mut long = body.to_vec();
    long.push(0);
    assert!(Content::from_body(5, &long).is_err());
    // The secret is never printed.
    let known = signal(
        CallSignalKind::Offer,
        Some(CallSecret::from_bytes(&[0x5A; 32]).unwrap()),
        vec![0, 1],
    );
    let printed = format!("{:?}", Content::Call(known));
    assert!(!printed.contains("90") && !printed.to_lowercase().contains("5a"));
}

#[test]
fn old_future_and_replayed_offers_are_refused() {
    let mut g = OfferGuard::new();
    let id = |i: u32| -> CallId {
        let mut c = [0u8; 16];
        c[..4].copy_from_slice(&i.to_be_bytes());
        c
    };
    assert_eq!(
        g.admit(&id(1), T - MAX_OFFER_AGE_MS - 1, T),
        Err(Error::Expired)
    );
    assert_eq!(
        g.admit(&id(1), T + MAX_OFFER_SKEW_MS + 1, T),
        Err(Error::Stale)
    );
    g.admit(&id(1), T - MAX_OFFER_AGE_MS, T).unwrap();
    assert_eq!(g.admit(&id(1), T, T), Err(Error::Duplicate));
    for i in 2..=MAX_RECENT_CALLS as u32 {
        g.admit(&id(i), T, T).unwrap();
    }
    assert_eq!(g.admit(&id(1), T, T), Err(Error::Duplicate));
    // One more while all are young would forget one that could still pass.
    assert_eq!(g.admit(&id(100_000), T, T), Err(Error::LimitExceeded));
    // A millisecond later the oldest is too old to pass: it goes instead.
    g.admit(&id(100_000), T, T + 1).unwrap();
    assert_eq!(
        g.admit(&id(1), T - MAX_OFFER_AGE_MS, T + 1),
        Err(Error::Expired)
    );
    assert_eq!(g.admit(&id(2), T, T + 1), Err(Error::Duplicate));
}

struct Party {
    call: GroupCall,
}

fn party(index: u32) -> Party {
    Party {
        call: GroupCall::new(CALL, SframeSuite::AesGcm256Sha512, index),
    }
}

fn send(p: &mut Party, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; p.call.sframe_len(body.len()).unwrap()];
    let n = p.call.encrypt(b"rtp", body, &mut out).unwrap();
    out.truncate(n);
    out
}

fn read(p: &mut Party, frame: &[u8], now: u64) -> sotto::Result<(u32, u32, Vec<u8>)> {
    let mut out = vec![0u8; frame.len()];
    let f = p.call.decrypt(b"rtp", frame, &mut out, now)?;
    Ok((f.epoch, f.sender, out[..f.len].to_vec()))
}

#[test]
fn a_group_call_through_joins_and_leaves() {
    let mut rng = TestRng::new(2);
    let mut parties: Vec<Party> = (0..4).map(party).collect();
    // Epoch 1: 0, 1, 2.
    let e1 = CallSecret::generate(&mut rng);
    for p in &mut parties[..3] {
        p.call.install(1, &e1, &[0, 1, 2], T).unwrap();
    }
    let f = send(&mut parties[0], b"hello");
    for p in &mut parties[1..3] {
        assert_eq!(read(p, &f, T).unwrap(), (1, 0, b"hello".to_vec()));
        assert_eq!(read(p, &f, T).unwrap_err(), Error::Duplicate);
    }
    // 3 never had epoch 1.
    assert_eq!(
        read(&mut parties[3], &f, T).unwrap_err(),
        Error::UnknownSenderKey
    );
    let in_flight = send(&mut parties[1], b"late epoch-1 frame");
    // 3 joins: epoch 2 for 0..=3.
    let e2 = CallSecret::generate(&mut rng);
    for p in &mut parties {
        p.call.install(2, &e2, &[0, 1, 2, 3], T + 10).unwrap();
    }
    // The in-flight frame still plays during the overlap, not after.
    assert_eq!(read(&mut parties[0], &in_flight, T + 20).unwrap().0, 1);
    let in_flight2 = send(&mut parties[2], &[0u8; 10]);
    // (parties[2] now sends under epoch 2.)
    assert_eq!(read(&mut parties[0], &in_flight2, T + 20).unwrap().0, 2);
    assert_eq!(
        read(&mut parties[2], &in_flight, T + 10 + EPOCH_OVERLAP_MS).unwrap_err(),
        Error::UnknownSenderKey
    );
    let f3 = send(&mut parties[3], b"I'm in");
    for p in &mut parties[..3] {
        assert_eq!(read(p, &f3, T + 30).unwrap(), (2, 3, b"I'm in".to_vec()));
    }
    // 2 leaves: epoch 3 for 0, 1, 3; 2 cannot read it.
    let e3 = CallSecret::generate(&mut rng);
    for i in [0usize, 1, 3] {
        parties[i].call.install(3, &e3, &[0, 1, 3], T + 40).unwrap();
    }
    let f4 = send(&mut parties[1], b"after 2 left");
    assert_eq!(
        read(&mut parties[2], &f4, T + 50).unwrap_err(),
        Error::UnknownSenderKey
    );
    for i in [0usize, 3] {
        assert_eq!(read(&mut parties[i], &f4, T + 50).unwrap().0, 3);
    }
    // A stale or repeated epoch, or one that leaves us out, changes nothing.
    let e = parties[0].call.epoch();
    let e4 = CallSecret::generate(&mut rng);
    assert_eq!(
        parties[0].call.install(3, &e3, &[0, 1, 3], T).unwrap_err(),
        Error::Stale
    );
    assert_eq!(
        parties[0].call.install(2, &e2, &[0, 1], T).unwrap_err(),
        Error::Stale
    );
    assert_eq!(
        parties[0].call.install(4, &e4, &[1, 3], T).unwrap_err(),
        Error::NotAMember
    );
    assert_eq!(
        parties[0].call.install(4, &e4, &[0, 1, 1], T).unwrap_err(),
        Error::Malformed
    );
    assert_eq!(parties[0].call.epoch(), e);
    let f5 = send(&mut parties[3], b"still here");
    assert_eq!(read(&mut parties[0], &f5, T + 60).unwrap().1, 3);
    // Tampered frames are refused; the original still reads afterwards.
    let f6 = send(&mut parties[0], b"tamper me");
    for i in 0..f6.len() {
        let mut t = f6.clone();
        t[i] ^= 0x80;
        assert!(read(&mut parties[1], &t, T + 70).is_err());
    }
    assert_eq!(
        read(&mut parties[1], &f6, T + 70).unwrap().2,
        b"tamper me".to_vec()
    );
    assert_eq!(group_kid(3, 1) >> 32, 3);
}

#[test]
fn a_key_update_mid_call_is_seamless_for_frames_in_order() {
    let mut rng = TestRng::new(3);
    let mut a = party(0);
    let mut b = party(1);
    let s1 = CallSecret::generate(&mut rng);
    a.call.install(1, &s1, &[0, 1], T).unwrap();
    b.call.install(1, &s1, &[0, 1], T).unwrap();
    let mut frames = Vec::new();
    for i in 0..50u8 {
        frames.push(send(&mut a, &[i; 100]));
        if i == 25 {
            let s2 = CallSecret::generate(&mut rng);
            a.call.install(2, &s2, &[0, 1], T).unwrap();
            b.call.install(2, &s2, &[0, 1], T).unwrap();
        }
    }
    for (i, f) in frames.iter().enumerate() {
        let (epoch, _, body) = read(&mut b, f, T + 1).unwrap();
        assert_eq!(epoch, if i <= 25 { 1 } else { 2 });
        assert_eq!(body, vec![i as u8; 100]);
    }
}

#[test]
fn reused_secrets_far_epochs_and_other_calls_are_refused() {
    let mut rng = TestRng::new(4);
    let mut a = party(0);
    let s1 = CallSecret::generate(&mut rng);
    a.call.install(1, &s1, &[0, 1], T).unwrap();
    // The same secret under a new epoch number: a former participant who
    // held it would read the new epoch.
    assert_eq!(
        a.call.install(2, &s1, &[0, 1], T).unwrap_err(),
        Error::Duplicate
    );
    let s2 = CallSecret::generate(&mut rng);
    assert_eq!(
        a.call
            .install(1 + sotto::calls::MAX_EPOCH_STEP + 1, &s2, &[0, 1], T)
            .unwrap_err(),
        Error::TooFarAhead
    );
    assert_eq!(a.call.epoch(), Some(1));
    a.call
        .install(1 + sotto::calls::MAX_EPOCH_STEP, &s2, &[0, 1], T)
        .unwrap();
    // A key update for another call, or a message without a secret.
    let mut other = signal(
        CallSignalKind::KeyUpdate,
        Some(CallSecret::generate(&mut rng)),
        vec![0, 1],
    );
    other.call_id = [1u8; 16];
    other.epoch = 2000;
    assert_eq!(
        a.call.install_signal(&other, T).unwrap_err(),
        Error::WrongType
    );
    let answer = signal(CallSignalKind::Answer, None, vec![]);
    assert_eq!(
        a.call.install_signal(&answer, T).unwrap_err(),
        Error::WrongType
    );
    other.call_id = CALL;
    a.call.install_signal(&other, T).unwrap();
    assert_eq!(a.call.epoch(), Some(2000));
}
