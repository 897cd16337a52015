//! Attacks on calls: a malicious forwarding unit (replays, reorders,
//! rewrites and injects frames), a malicious server (replays, delays and
//! reorders call messages), a former participant, a joiner, and a careless
//! app. Every test states the promise it attacks and fails if it breaks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;

use aes_gcm::aead::array::Array;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
use common::TestRng;
use hkdf::Hkdf;
use sha2::Sha256;
use sotto::Error;
use sotto::calls::sframe::{
    MAX_SFRAME_KEYS, REPLAY_WINDOW, SframeDecryptor, SframeEncryptor, SframeHeader, SframeSuite,
};
use sotto::calls::{
    CallSecret, CallSignal, CallSignalKind, Direction, EPOCH_OVERLAP_MS, GroupCall,
    MAX_OFFER_AGE_MS, MAX_RECENT_CALLS, OfferGuard, SrtpProfile, group_kid,
};
use sotto::{Content, DisappearingTimer, Envelope};

// ---------------------------------------------------------------------------

const CALL: [u8; 16] = [0x5a; 16];
const T0: u64 = 1_800_000_000_000;
const SUITES: [SframeSuite; 5] = [
    SframeSuite::AesCtr128HmacSha256_80,
    SframeSuite::AesCtr128HmacSha256_64,
    SframeSuite::AesCtr128HmacSha256_32,
    SframeSuite::AesGcm128Sha256,
    SframeSuite::AesGcm256Sha512,
];

fn random32(rng: &mut TestRng) -> [u8; 32] {
    use rand_core::TryRng;
    let mut b = [0u8; 32];
    rng.try_fill_bytes(&mut b).unwrap();
    b
}

fn sec(b: &[u8; 32]) -> CallSecret {
    CallSecret::from_bytes(b).unwrap()
}

/// Every member installs `epoch` with `secret` and `participants`.
fn install(calls: &mut [&mut GroupCall], epoch: u32, secret: &[u8; 32], who: &[u32], now: u64) {
    for c in calls.iter_mut() {
        c.install(epoch, &sec(secret), who, now).unwrap();
    }
}

fn enc(m: &mut GroupCall, frame: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; m.sframe_len(frame.len()).unwrap()];
    let n = m.encrypt(b"meta", frame, &mut out).unwrap();
    out.truncate(n);
    out
}

fn dec(m: &mut GroupCall, sframe: &[u8], now: u64) -> Result<(u32, u32, Vec<u8>), Error> {
    let mut out = vec![0u8; sframe.len()];
    let f = m.decrypt(b"meta", sframe, &mut out, now)?;
    out.truncate(f.len);
    Ok((f.epoch, f.sender, out))
}

/// The base key of §19.2, computed here from the specification alone.
fn base_key(secret: &[u8; 32], epoch: u32, sender: u32) -> [u8; 32] {
    let mut info = b"sotto v1 call sframe".to_vec();
    info.extend_from_slice(&epoch.to_be_bytes());
    info.extend_from_slice(&sender.to_be_bytes());
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&CALL), secret)
        .expand(&info, &mut out)
        .unwrap();
    out
}

/// A forger holding the key of `kid` (suite 4), able to seal a frame under
/// any counter and any header encoding: what a sender could emit.
struct Gcm4 {
    key: [u8; 16],
    salt: [u8; 12],
}

impl Gcm4 {
    fn new(base: &[u8], kid: u64) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(&[]), base);
        let ctx = [kid.to_be_bytes().as_slice(), &4u16.to_be_bytes()].concat();
        let mut key = [0u8; 16];
        hk.expand(
            &[b"SFrame 1.0 Secret key ".as_slice(), &ctx].concat(),
            &mut key,
        )
        .unwrap();
        let mut salt = [0u8; 12];
        hk.expand(
            &[b"SFrame 1.0 Secret salt ".as_slice(), &ctx].concat(),
            &mut salt,
        )
        .unwrap();
        Gcm4 { key, salt }
    }

    fn seal_with_header(&self, header: &[u8], ctr: u64, meta: &[u8], frame: &[u8]) -> Vec<u8> {
        let mut nonce = self.salt;
        for (n, c) in nonce[4..].iter_mut().zip(ctr.to_be_bytes()) {
            *n ^= c;
        }
        let aad = [header, meta].concat();
        let c = aes_gcm::Aes128Gcm::new_from_slice(&self.key).unwrap();
        let mut body = vec![0u8; frame.len()];
        let tag = c
            .encrypt_inout_detached(
                &Array::from(nonce),
                &aad,
                InOutBuf::new(frame, &mut body).unwrap(),
            )
            .unwrap();
        [header, &body, tag.as_slice()].concat()
    }

    fn seal(&self, kid: u64, ctr: u64, meta: &[u8], frame: &[u8]) -> Vec<u8> {
        let mut h = [0u8; 17];
        let n = SframeHeader { kid, ctr }.encode(&mut h).unwrap();
        self.seal_with_header(&h[..n], ctr, meta, frame)
    }
}

// ---------------------------------------------------------------------------
// Interoperability: the keys are the ones §19 specifies (else every later
// attack would test a different construction than the one documented).

#[test]
fn group_frames_and_srtp_keys_follow_the_specification() {
    let mut rng = TestRng::new(1);
    let s = random32(&mut rng);
    let mut alice = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 0);
    alice.install(3, &sec(&s), &[0, 1], T0).unwrap();
    let f = enc(&mut alice, b"hello");
    let mut raw = SframeDecryptor::new(SframeSuite::AesGcm128Sha256);
    raw.add_key(group_kid(3, 0), &base_key(&s, 3, 0)).unwrap();
    let mut out = [0u8; 64];
    let info = raw.decrypt(b"meta", &f, &mut out).unwrap();
    assert_eq!(&out[..info.len], b"hello");
    // And our own forger agrees with the encryptor.
    let forged =
        Gcm4::new(&base_key(&s, 3, 0), group_kid(3, 0)).seal(group_kid(3, 0), 0, b"meta", b"hello");
    assert_eq!(forged, f);

    for (profile, code, nk) in [
        (SrtpProfile::AesCm128HmacSha1_80, 1u8, 16usize),
        (SrtpProfile::AeadAes256Gcm, 2, 32),
    ] {
        for (dir, d) in [(Direction::Caller, 1u8), (Direction::Callee, 2)] {
            let k = sec(&s).srtp(&CALL, profile, dir).unwrap();
            let mut info = b"sotto v1 call srtp".to_vec();
            info.extend_from_slice(&[code, d]);
            let mut okm = vec![0u8; k.master_key.len() + k.master_salt.len()];
            Hkdf::<Sha256>::new(Some(&CALL), &s)
                .expand(&info, &mut okm)
                .unwrap();
            assert_eq!(k.master_key.len(), nk);
            assert_eq!(&okm[..nk], &k.master_key[..]);
            assert_eq!(&okm[nk..], &k.master_salt[..]);
        }
    }
}

// ---------------------------------------------------------------------------
// Membership: forward and backward secrecy across epochs.

#[test]
fn a_participant_who_left_reads_nothing_of_the_next_epoch() {
    let mut rng = TestRng::new(2);
    let (e1, e2) = (random32(&mut rng), random32(&mut rng));
    let mut a = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 0);
    let mut b = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 1);
    let mut carol = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 2);
    install(&mut [&mut a, &mut b, &mut carol], 1, &e1, &[0, 1, 2], T0);
    let f1 = enc(&mut a, b"epoch one");
    assert_eq!(dec(&mut carol, &f1, T0).unwrap().2, b"epoch one");
    // Carol leaves: epoch 2 goes to 0 and 1 only.
    install(&mut [&mut a, &mut b], 2, &e2, &[0, 1], T0 + 10);
    let f2 = enc(&mut a, b"epoch two");
    assert_eq!(dec(&mut b, &f2, T0 + 10).unwrap().2, b"epoch two");
    for t in [T0 + 10, T0 + 1, T0 + 100_000] {
        assert_eq!(dec(&mut carol, &f2, t), Err(Error::UnknownSenderKey));
    }
    // Even with every key epoch 1 could derive (any sender, any epoch
    // number), the frame stays closed: epoch 2's secret is fresh.
    for epoch in [1u32, 2] {
        for sender in 0..4 {
            let mut raw = SframeDecryptor::new(SframeSuite::AesGcm128Sha256);
            raw.add_key(group_kid(2, 0), &base_key(&e1, epoch, sender))
                .unwrap();
            let mut out = [0u8; 64];
            assert_eq!(
                raw.decrypt(b"meta", &f2, &mut out).unwrap_err(),
                Error::AuthenticationFailed
            );
        }
    }
}

#[test]
fn a_participant_who_joined_reads_nothing_of_earlier_epochs() {
    let mut rng = TestRng::new(3);
    let (e1, e2) = (random32(&mut rng), random32(&mut rng));
    let mut a = GroupCall::new(CALL, SframeSuite::AesGcm256Sha512, 0);
    let mut b = GroupCall::new(CALL, SframeSuite::AesGcm256Sha512, 1);
    install(&mut [&mut a, &mut b], 1, &e1, &[0, 1], T0);
    let old = enc(&mut a, b"before you came");
    let mut dave = GroupCall::new(CALL, SframeSuite::AesGcm256Sha512, 7);
    install(&mut [&mut a, &mut b, &mut dave], 2, &e2, &[0, 1, 7], T0 + 5);
    assert_eq!(dec(&mut dave, &old, T0 + 5), Err(Error::UnknownSenderKey));
    // A server that delivers the old key update to Dave later: refused,
    // and his keys do not change.
    assert_eq!(
        dave.install(1, &sec(&e1), &[0, 1, 7], T0 + 6),
        Err(Error::Stale)
    );
    assert_eq!(dec(&mut dave, &old, T0 + 6), Err(Error::UnknownSenderKey));
    let new = enc(&mut b, b"welcome");
    assert_eq!(
        dec(&mut dave, &new, T0 + 6).unwrap(),
        (2, 1, b"welcome".to_vec())
    );
}

// ---------------------------------------------------------------------------
// The forwarding unit: replays, relabelling, tampering, departed senders.

#[test]
fn replays_are_refused_within_an_epoch_and_across_the_overlap() {
    let mut rng = TestRng::new(4);
    let (e1, e2, e3) = (random32(&mut rng), random32(&mut rng), random32(&mut rng));
    for suite in SUITES {
        let mut a = GroupCall::new(CALL, suite, 0);
        let mut b = GroupCall::new(CALL, suite, 1);
        install(&mut [&mut a, &mut b], 1, &e1, &[0, 1], T0);
        let frames: Vec<_> = (0..5).map(|i| enc(&mut a, &[i; 40])).collect();
        // Out of order is fine, twice is not.
        for i in [3usize, 0, 4, 1, 2] {
            assert_eq!(dec(&mut b, &frames[i], T0).unwrap().2, [i as u8; 40]);
        }
        for f in &frames {
            assert_eq!(dec(&mut b, f, T0), Err(Error::Duplicate));
        }
        // A new epoch: the old epoch's keys stay for the overlap, with
        // their replay windows.
        install(&mut [&mut a, &mut b], 2, &e2, &[0, 1], T0 + 100);
        for f in &frames {
            assert_eq!(dec(&mut b, f, T0 + 200), Err(Error::Duplicate), "{suite:?}");
        }
        // A third epoch within the overlap forgets epoch 1 at once.
        let late = {
            // Epoch 1's sender key is gone from a, so forge with its key.
            let mut enc1 =
                SframeEncryptor::new(suite, group_kid(1, 0), &base_key(&e1, 1, 0)).unwrap();
            for _ in 0..10 {
                let mut sink = [0u8; 128];
                enc1.encrypt(b"meta", b"x", &mut sink).unwrap();
            }
            let mut out = vec![0u8; 128];
            let n = enc1.encrypt(b"meta", b"late", &mut out).unwrap();
            out.truncate(n);
            out
        };
        assert_eq!(dec(&mut b, &late, T0 + 300).unwrap().2, b"late");
        install(&mut [&mut a, &mut b], 3, &e3, &[0, 1], T0 + 400);
        assert_eq!(dec(&mut b, &late, T0 + 401), Err(Error::UnknownSenderKey));
    }
}

#[test]
fn a_departed_participant_is_refused_after_the_overlap() {
    let mut rng = TestRng::new(5);
    let (e1, e2) = (random32(&mut rng), random32(&mut rng));
    let mut a = GroupCall::new(CALL, SframeSuite::AesCtr128HmacSha256_80, 0);
    let mut carol = GroupCall::new(CALL, SframeSuite::AesCtr128HmacSha256_80, 2);
    let mut b = GroupCall::new(CALL, SframeSuite::AesCtr128HmacSha256_80, 1);
    install(&mut [&mut a, &mut b, &mut carol], 1, &e1, &[0, 1, 2], T0);
    install(&mut [&mut a, &mut b], 2, &e2, &[0, 1], T0 + 1_000);
    // Carol still sends under epoch 1 (she never learns of epoch 2).
    let in_overlap = enc(&mut carol, b"in flight");
    let after = enc(&mut carol, b"after she left");
    let at_edge = enc(&mut carol, b"at the edge");
    assert_eq!(
        dec(&mut a, &in_overlap, T0 + 1_000 + EPOCH_OVERLAP_MS - 1)
            .unwrap()
            .2,
        b"in flight"
    );
    assert_eq!(
        dec(&mut a, &at_edge, T0 + 1_000 + EPOCH_OVERLAP_MS),
        Err(Error::UnknownSenderKey)
    );
    assert_eq!(
        dec(&mut b, &after, T0 + 1_000 + EPOCH_OVERLAP_MS + 1),
        Err(Error::UnknownSenderKey)
    );
    // A clock that goes back does not bring her keys back.
    assert_eq!(
        dec(&mut a, &after, T0 + 1_001),
        Err(Error::UnknownSenderKey)
    );
}

#[test]
fn a_frame_relabelled_to_another_epoch_or_sender_is_refused() {
    let mut rng = TestRng::new(6);
    let (e1, e2) = (random32(&mut rng), random32(&mut rng));
    for suite in SUITES {
        let mut a = GroupCall::new(CALL, suite, 0);
        let mut b = GroupCall::new(CALL, suite, 1);
        let mut c = GroupCall::new(CALL, suite, 2);
        install(&mut [&mut a, &mut b, &mut c], 1, &e1, &[0, 1, 2], T0);
        install(&mut [&mut a, &mut b, &mut c], 2, &e2, &[0, 1, 2], T0 + 1);
        // Frames of epoch 2 sender 0, counter 0.
        let f = enc(&mut a, b"from alice");
        let (h, n) = SframeHeader::decode(&f).unwrap();
        assert_eq!(h.kid, group_kid(2, 0));
        let body = &f[n..];
        for kid in [
            group_kid(1, 0),
            group_kid(2, 2),
            group_kid(1, 2),
            group_kid(3, 0),
            group_kid(2, 1),
            0,
            u64::MAX,
        ] {
            let mut hb = [0u8; 17];
            let m = SframeHeader { kid, ctr: h.ctr }.encode(&mut hb).unwrap();
            let relabelled = [&hb[..m], body].concat();
            let got = dec(&mut b, &relabelled, T0 + 2);
            assert!(
                matches!(
                    got,
                    Err(Error::AuthenticationFailed | Error::UnknownSenderKey)
                ),
                "{suite:?} kid {kid:#x}: {got:?}"
            );
        }
        // The real one still plays, once.
        assert_eq!(
            dec(&mut b, &f, T0 + 2).unwrap(),
            (2, 0, b"from alice".to_vec())
        );
        assert_eq!(dec(&mut b, &f, T0 + 2), Err(Error::Duplicate));
    }
}

#[test]
fn a_non_canonical_header_for_the_same_kid_and_counter_is_refused() {
    // The forwarding unit re-encodes KID and CTR in a longer form: the same
    // values, other bytes. The header is authenticated as sent.
    let base = [9u8; 32];
    let kid = 5u64;
    let forger = Gcm4::new(&base, kid);
    let honest = forger.seal(kid, 3, b"m", b"payload");
    let body = &honest[1..];
    for header in [
        vec![0x80 | 0x08, 5, 3], // both extended, one byte
        vec![0x80 | 0x03, 5],    // kid extended
        vec![0x50 | 0x08, 3],    // ctr extended
        vec![
            0x80 | 0x70 | 0x08 | 0x07,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            5,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            3,
        ],
    ] {
        let mut d = SframeDecryptor::new(SframeSuite::AesGcm128Sha256);
        d.add_key(kid, &base).unwrap();
        let (h, _) = SframeHeader::decode(&header).unwrap();
        assert_eq!((h.kid, h.ctr), (kid, 3));
        let frame = [header.as_slice(), body].concat();
        let mut out = [0u8; 64];
        assert_eq!(
            d.decrypt(b"m", &frame, &mut out).unwrap_err(),
            Error::AuthenticationFailed
        );
        // And the honest one is still fresh afterwards.
        assert_eq!(d.decrypt(b"m", &honest, &mut out).unwrap().len, 7);
    }
}

#[test]
fn tampering_is_refused_and_writes_and_marks_nothing() {
    for suite in SUITES {
        let mut e = SframeEncryptor::new(suite, 0x1234, &[7u8; 32]).unwrap();
        let mut d = SframeDecryptor::new(suite);
        d.add_key(0x1234, &[7u8; 32]).unwrap();
        let frame = b"a media frame of some length";
        let mut sf = vec![0u8; e.sframe_len(frame.len()).unwrap()];
        let n = e.encrypt(b"rtp", frame, &mut sf).unwrap();
        sf.truncate(n);
        let mut out = vec![0xEEu8; sf.len()];
        for i in 0..sf.len() {
            for bit in 0..8 {
                let mut bad = sf.clone();
                bad[i] ^= 1 << bit;
                let r = d.decrypt(b"rtp", &bad, &mut out);
                assert!(r.is_err(), "{suite:?}: byte {i} bit {bit} accepted");
                assert!(
                    out.iter().all(|&b| b == 0xEE),
                    "{suite:?}: byte {i} bit {bit}: {:?} but the output was written",
                    r.unwrap_err()
                );
            }
        }
        // Metadata changed: refused, nothing written.
        assert_eq!(
            d.decrypt(b"rtq", &sf, &mut out).unwrap_err(),
            Error::AuthenticationFailed
        );
        assert!(
            out.iter().all(|&b| b == 0xEE),
            "{suite:?}: metadata forgery wrote output"
        );
        // Truncated or extended: refused.
        for cut in 0..sf.len() {
            assert!(d.decrypt(b"rtp", &sf[..cut], &mut out).is_err());
        }
        let mut longer = sf.clone();
        longer.push(0);
        assert!(d.decrypt(b"rtp", &longer, &mut out).is_err());
        assert!(
            out.iter().all(|&b| b == 0xEE),
            "{suite:?}: a refused frame wrote output"
        );
        // None of that marked the window: the genuine frame plays, once.
        assert_eq!(d.decrypt(b"rtp", &sf, &mut out).unwrap().len, frame.len());
        assert_eq!(&out[..frame.len()], frame);
        assert_eq!(
            d.decrypt(b"rtp", &sf, &mut out).unwrap_err(),
            Error::Duplicate
        );
    }
}

#[test]
fn forged_frames_with_huge_counters_do_not_poison_the_window() {
    for suite in SUITES {
        let kid = group_kid(1, 4);
        let mut e = SframeEncryptor::new(suite, kid, &[3u8; 32]).unwrap();
        let mut d = SframeDecryptor::new(suite);
        d.add_key(kid, &[3u8; 32]).unwrap();
        let legit: Vec<Vec<u8>> = (0..300)
            .map(|i| {
                let mut v = vec![0u8; 64];
                let n = e.encrypt(b"", &[i as u8; 8], &mut v).unwrap();
                v.truncate(n);
                v
            })
            .collect();
        // The forwarding unit injects frames under the real key id with
        // huge and varied counters and garbage bodies.
        for ctr in [u64::MAX, u64::MAX - 1, 1 << 40, 200, 129, 128, 1, 0] {
            let mut h = [0u8; 17];
            let m = SframeHeader { kid, ctr }.encode(&mut h).unwrap();
            let forged = [&h[..m], &[0x41u8; 40][..]].concat();
            let mut out = [0u8; 64];
            assert_eq!(
                d.decrypt(b"", &forged, &mut out).unwrap_err(),
                Error::AuthenticationFailed
            );
        }
        let mut out = [0u8; 64];
        for (i, f) in legit.iter().enumerate() {
            let info = d
                .decrypt(b"", f, &mut out)
                .unwrap_or_else(|e| panic!("{suite:?} frame {i}: {e:?}"));
            assert_eq!(info.ctr, i as u64);
        }
    }
}

#[test]
fn the_replay_window_at_the_edges_of_the_counter_space() {
    let base = [0x33u8; 32];
    let kid = group_kid(9, 9);
    let g = Gcm4::new(&base, kid);
    let mut d = SframeDecryptor::new(SframeSuite::AesGcm128Sha256);
    d.add_key(kid, &base).unwrap();
    let mut out = [0u8; 64];
    let mut play = |ctr: u64| {
        d.decrypt(b"", &g.seal(kid, ctr, b"", b"x"), &mut out)
            .map(|i| i.ctr)
    };
    assert_eq!(play(0), Ok(0));
    assert_eq!(play(u64::MAX), Ok(u64::MAX));
    assert_eq!(play(u64::MAX), Err(Error::Duplicate));
    assert_eq!(play(0), Err(Error::Duplicate));
    assert_eq!(play(u64::MAX - REPLAY_WINDOW), Err(Error::Duplicate));
    assert_eq!(
        play(u64::MAX - (REPLAY_WINDOW - 1)),
        Ok(u64::MAX - (REPLAY_WINDOW - 1))
    );
    assert_eq!(play(u64::MAX - (REPLAY_WINDOW - 1)), Err(Error::Duplicate));
    assert_eq!(play(u64::MAX - 1), Ok(u64::MAX - 1));
    assert_eq!(play(u64::MAX - 1), Err(Error::Duplicate));
}

#[test]
fn a_buffer_too_small_changes_nothing() {
    for suite in SUITES {
        let mut e = SframeEncryptor::new(suite, 1, &[1u8; 16]).unwrap();
        let need = e.sframe_len(100).unwrap();
        let mut small = vec![0u8; need - 1];
        assert_eq!(
            e.encrypt(b"", &[5u8; 100], &mut small),
            Err(Error::BufferTooSmall)
        );
        assert_eq!(e.next_counter(), 0);
        let mut sf = vec![0u8; need];
        assert_eq!(e.encrypt(b"", &[5u8; 100], &mut sf), Ok(need));
        let mut d = SframeDecryptor::new(suite);
        d.add_key(1, &[1u8; 16]).unwrap();
        let mut out = vec![0xEEu8; 99];
        assert_eq!(d.decrypt(b"", &sf, &mut out), Err(Error::BufferTooSmall));
        assert!(out.iter().all(|&b| b == 0xEE));
        // Exactly the frame's length is enough, and the frame is fresh.
        let mut out = vec![0u8; 100];
        assert_eq!(d.decrypt(b"", &sf, &mut out).unwrap().ctr, 0);
        assert_eq!(out, [5u8; 100]);
    }
}

#[test]
fn metadata_limits_agree_between_encryptor_and_decryptor() {
    for suite in SUITES {
        for kid in [0u64, u64::MAX] {
            let mut e = SframeEncryptor::new(suite, kid, &[1u8; 32]).unwrap();
            let mut d = SframeDecryptor::new(suite);
            d.add_key(kid, &[1u8; 32]).unwrap();
            for len in [0usize, 1000, 1006, 1007, 1008, 1024, 4096, 1 << 20] {
                let meta = vec![0x11u8; len];
                let mut sf = [0u8; 64];
                let r = e.encrypt(&meta, b"f", &mut sf);
                let mut out = [0u8; 64];
                match r {
                    Ok(n) => assert!(
                        d.decrypt(&meta, &sf[..n], &mut out).is_ok(),
                        "{suite:?} {len}"
                    ),
                    Err(err) => {
                        assert_eq!(err, Error::LimitExceeded);
                        assert!(len > 1007);
                    }
                }
            }
        }
    }
}

#[test]
fn add_key_errors_change_nothing_and_the_key_limit_holds() {
    let suite = SframeSuite::AesGcm128Sha256;
    let mut e = SframeEncryptor::new(suite, 42, &[4u8; 32]).unwrap();
    let mut d = SframeDecryptor::new(suite);
    d.add_key(42, &[4u8; 32]).unwrap();
    let mut sf = [0u8; 64];
    let n = e.encrypt(b"", b"x", &mut sf).unwrap();
    let mut out = [0u8; 64];
    d.decrypt(b"", &sf[..n], &mut out).unwrap();
    // Re-adding the same key id (even with another base key) must not
    // reset the window nor swap the key.
    assert_eq!(d.add_key(42, &[4u8; 32]), Err(Error::Duplicate));
    assert_eq!(d.add_key(42, &[5u8; 32]), Err(Error::Duplicate));
    assert_eq!(
        d.decrypt(b"", &sf[..n], &mut out).unwrap_err(),
        Error::Duplicate
    );
    assert_eq!(d.add_key(43, &[]), Err(Error::InvalidKey));
    assert_eq!(d.add_key(43, &[0u8; 65]), Err(Error::InvalidKey));
    assert!(!d.has_key(43));
    for k in 0..(MAX_SFRAME_KEYS as u64 - 1) {
        d.add_key(1000 + k, &[1]).unwrap();
    }
    assert_eq!(d.add_key(7, &[1]), Err(Error::LimitExceeded));
    assert!(!d.has_key(7));
    assert!(d.remove_key(1000));
    d.add_key(7, &[1]).unwrap();
}

#[test]
fn a_failed_install_changes_nothing() {
    let mut rng = TestRng::new(7);
    let (e1, e2) = (random32(&mut rng), random32(&mut rng));
    let mut a = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 0);
    let mut b = GroupCall::new(CALL, SframeSuite::AesGcm128Sha256, 1);
    install(&mut [&mut a, &mut b], 5, &e1, &[0, 1], T0);
    let f0 = enc(&mut b, b"zero");
    let too_many: Vec<u32> = (0..33).collect();
    let attempts: [(u32, Vec<u32>, Error); 7] = [
        (6, vec![1, 2], Error::NotAMember),
        (6, vec![0, 1, 1], Error::Malformed),
        (6, too_many, Error::LimitExceeded),
        (5, vec![0, 1], Error::Stale),
        (4, vec![0, 1], Error::Stale),
        (0, vec![0, 1], Error::Stale),
        (u32::MAX, vec![0, 1], Error::TooFarAhead),
    ];
    for (epoch, who, err) in attempts {
        assert_eq!(a.install(epoch, &sec(&e2), &who, T0 + 1), Err(err));
        assert_eq!(a.epoch(), Some(5));
    }
    // Epoch 5's secret again, under a new number.
    assert_eq!(
        a.install(6, &sec(&e1), &[0, 1], T0 + 1),
        Err(Error::Duplicate)
    );
    assert_eq!(a.epoch(), Some(5));
    // Still epoch 5, the same keys and windows, counting on.
    assert_eq!(dec(&mut a, &f0, T0 + 2).unwrap().2, b"zero");
    assert_eq!(dec(&mut a, &f0, T0 + 2), Err(Error::Duplicate));
    let f1 = enc(&mut a, b"one");
    assert_eq!(SframeHeader::decode(&f1).unwrap().0.ctr, 0);
    assert_eq!(dec(&mut b, &f1, T0 + 2).unwrap(), (5, 0, b"one".to_vec()));
    // And a later epoch still installs.
    install(&mut [&mut a, &mut b], 6, &e2, &[0, 1], T0 + 3);
    assert_eq!(a.install(6, &sec(&e2), &[0, 1], T0 + 4), Err(Error::Stale));
}

#[test]
fn no_panic_on_arbitrary_frames() {
    use rand_core::TryRng;
    let mut rng = TestRng::new(8);
    for suite in SUITES {
        let mut d = SframeDecryptor::new(suite);
        for kid in 0..9u64 {
            d.add_key(kid, &[kid as u8 + 1; 32]).unwrap();
        }
        d.add_key(u64::MAX, &[1]).unwrap();
        let mut g = GroupCall::new(CALL, suite, 0);
        g.install(u32::MAX, &sec(&[1; 32]), &[0, 1, u32::MAX], T0)
            .unwrap();
        let mut buf = [0u8; 80];
        let mut out = [0u8; 80];
        for i in 0..20_000u32 {
            let len = (i as usize) % 80;
            rng.try_fill_bytes(&mut buf[..len]).unwrap();
            let cap = (i as usize * 7) % 81;
            let _ = d.decrypt(&buf[..len / 3], &buf[..len], &mut out[..cap]);
            let _ = g.decrypt(b"", &buf[..len], &mut out[..cap], T0 + u64::from(i));
        }
        // Every config byte, with every short tail.
        for c in 0..=255u8 {
            for tail in 0..20 {
                let mut f = vec![c];
                f.extend(std::iter::repeat_n(0xFF, tail));
                let _ = SframeHeader::decode(&f);
                let _ = d.decrypt(b"", &f, &mut out);
                let _ = g.decrypt(b"", &f, &mut out, u64::MAX);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The server: offers replayed, old, or ahead.

#[test]
fn offers_old_ahead_or_replayed_are_refused() {
    let mut g = OfferGuard::new();
    let id = [1u8; 16];
    assert_eq!(
        g.admit(&id, T0, T0 + MAX_OFFER_AGE_MS + 1),
        Err(Error::Expired)
    );
    assert_eq!(g.admit(&id, T0 + 30_001, T0), Err(Error::Stale));
    assert_eq!(g.admit(&id, u64::MAX, 0), Err(Error::Stale));
    assert_eq!(g.admit(&id, 0, u64::MAX), Err(Error::Expired));
    // None of those remembered the id: a fresh offer for it passes, once.
    assert_eq!(g.admit(&id, T0, T0), Ok(()));
    assert_eq!(g.admit(&id, T0, T0 + 1), Err(Error::Duplicate));
    assert_eq!(g.admit(&id, T0 + 5, T0 + 10), Err(Error::Duplicate));
}

#[test]
fn an_offer_replayed_after_a_burst_of_offers_is_still_refused() {
    // A caller (or a server holding messages back) lets MAX_RECENT_CALLS
    // other offers through within a minute, then the first offer comes
    // again, still within its 60 s: it must not ring a second time.
    let mut g = OfferGuard::new();
    let victim = [0xAAu8; 16];
    g.admit(&victim, T0, T0).unwrap();
    for i in 0..MAX_RECENT_CALLS as u32 {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&i.to_be_bytes());
        // Offers arriving while the guard may be full are either admitted
        // or refused, never a panic.
        let _ = g.admit(&id, T0 + 10, T0 + 10);
    }
    assert_eq!(g.admit(&victim, T0, T0 + 20), Err(Error::Duplicate));
    // Once the victim's offer is too old anyway, the guard may forget it
    // and accept new calls again.
    let mut fresh = [0xBBu8; 16];
    let later = T0 + 10 + MAX_OFFER_AGE_MS + 1;
    for i in 0..MAX_RECENT_CALLS as u32 {
        fresh[..4].copy_from_slice(&i.to_be_bytes());
        let now = later + u64::from(i);
        assert_eq!(g.admit(&fresh, now, now), Ok(()), "offer {i}");
    }
    // A 257th within the same minute: the guard would have to forget a
    // young offer, so it refuses rather than let that one ring twice.
    fresh[..4].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        g.admit(&fresh, later + 300, later + 300),
        Err(Error::LimitExceeded)
    );
    let next_minute = later + 300 + MAX_OFFER_AGE_MS;
    assert_eq!(g.admit(&fresh, next_minute, next_minute), Ok(()));
    assert_eq!(
        g.admit(&victim, T0, T0 + MAX_OFFER_AGE_MS + 1),
        Err(Error::Expired)
    );
}

// ---------------------------------------------------------------------------
// Signalling: strict decoding, the secret never printed.

fn signal(kind: CallSignalKind, secret: Option<[u8; 32]>, who: Vec<u32>) -> CallSignal {
    CallSignal {
        kind,
        call_id: CALL,
        epoch: 7,
        video: true,
        secret: secret.map(|s| sec(&s)),
        participants: who,
    }
}

#[test]
fn call_signalling_decodes_strictly() {
    let s = [0x5Cu8; 32];
    let signals = [
        signal(CallSignalKind::Offer, Some(s), vec![0, 1]),
        signal(CallSignalKind::KeyUpdate, Some(s), (0..32).collect()),
        signal(CallSignalKind::KeyUpdate, Some(s), vec![]),
        signal(CallSignalKind::Answer, None, vec![]),
        signal(CallSignalKind::Leave, None, vec![]),
        signal(CallSignalKind::End, None, vec![]),
    ];
    for sig in &signals {
        let body = Content::Call(sig.clone()).body().unwrap();
        let back = Content::from_body(5, &body).unwrap();
        assert_eq!(back, Content::Call(sig.clone()));
        // Any single-byte change, truncation or extension: refused, or a
        // different message that encodes back to exactly those bytes.
        for i in 0..body.len() {
            for v in [0u8, 1, 2, 3, 5, 6, 0x20, 0x21, 0x7F, 0x80, 0xFF] {
                let mut m = body.to_vec();
                m[i] = v;
                if let Ok(Content::Call(c)) = Content::from_body(5, &m) {
                    assert_eq!(
                        &Content::Call(c).body().unwrap()[..],
                        &m[..],
                        "byte {i} = {v}"
                    );
                }
            }
        }
        for cut in 0..body.len() {
            assert!(Content::from_body(5, &body[..cut]).is_err());
        }
        let mut longer = body.to_vec();
        longer.push(0);
        assert_eq!(
            Content::from_body(5, &longer).unwrap_err(),
            Error::Malformed
        );
    }
    // Shapes the encoder refuses are refused on decode too.
    let mut answer_with_secret = Content::Call(signal(CallSignalKind::Answer, None, vec![]))
        .body()
        .unwrap()
        .to_vec();
    answer_with_secret.extend_from_slice(&[0u8; 33]);
    assert_eq!(
        Content::from_body(5, &answer_with_secret).unwrap_err(),
        Error::Malformed
    );
    let mut offer = Content::Call(signal(CallSignalKind::Offer, Some(s), vec![]))
        .body()
        .unwrap()
        .to_vec();
    let count_at = offer.len() - 1;
    offer[count_at] = 33;
    offer.extend((0..33u32).flat_map(u32::to_be_bytes));
    assert_eq!(
        Content::from_body(5, &offer).unwrap_err(),
        Error::LimitExceeded
    );
    offer[count_at] = 2;
    offer.truncate(count_at + 1);
    offer.extend([4u32, 4].iter().flat_map(|p| p.to_be_bytes()));
    assert_eq!(Content::from_body(5, &offer).unwrap_err(), Error::Malformed);
    // The encoder refuses them as well.
    assert!(
        Content::Call(signal(CallSignalKind::Answer, Some(s), vec![]))
            .body()
            .is_err()
    );
    assert!(
        Content::Call(signal(CallSignalKind::Offer, None, vec![]))
            .body()
            .is_err()
    );
    assert!(
        Content::Call(signal(CallSignalKind::Offer, Some(s), (0..33).collect()))
            .body()
            .is_err()
    );
    assert!(
        Content::Call(signal(CallSignalKind::Leave, None, vec![1]))
            .body()
            .is_err()
    );
}

fn renderings(bytes: &[u8]) -> Vec<String> {
    let dec = bytes.iter().map(u8::to_string).collect::<Vec<_>>();
    vec![
        hex::encode(bytes),
        hex::encode_upper(bytes),
        dec.join(", "),
        dec.join(","),
        format!("{bytes:?}"),
        format!("{:02x?}", bytes).replace(['[', ']'], ""),
    ]
}

#[test]
fn the_secret_and_keys_are_never_printed() {
    let mut rng = TestRng::new(10);
    let s = random32(&mut rng);
    let sig = CallSignal {
        kind: CallSignalKind::KeyUpdate,
        call_id: CALL,
        epoch: 1,
        video: false,
        secret: Some(sec(&s)),
        participants: vec![0, 1],
    };
    let env = Envelope::new(Content::Call(sig.clone()), T0, DisappearingTimer::OFF);
    let mut g = GroupCall::new(CALL, SframeSuite::AesCtr128HmacSha256_80, 0);
    g.install(1, &sec(&s), &[0, 1], T0).unwrap();
    let srtp = sec(&s)
        .srtp(&CALL, SrtpProfile::AeadAes256Gcm, Direction::Caller)
        .unwrap();
    let e = SframeEncryptor::new(SframeSuite::AesGcm128Sha256, 1, &base_key(&s, 1, 0)).unwrap();
    let mut d = SframeDecryptor::new(SframeSuite::AesGcm128Sha256);
    d.add_key(1, &base_key(&s, 1, 1)).unwrap();
    let printed = [
        format!("{sig:?}"),
        format!("{sig:#?}"),
        format!("{env:?}"),
        format!("{:?}", sec(&s)),
        format!("{g:?}"),
        format!("{g:#?}"),
        format!("{srtp:?}"),
        format!("{e:?}"),
        format!("{d:?}"),
        format!("{:?}", Content::Call(sig.clone())),
    ];
    let mut needles = renderings(&s);
    for (ep, snd) in [(1, 0), (1, 1)] {
        needles.extend(renderings(&base_key(&s, ep, snd)));
    }
    needles.extend(renderings(&srtp.master_key));
    // Eight bytes are enough to identify the secret in a log.
    let mut short = Vec::new();
    for n in &needles {
        if n.len() >= 16 {
            short.push(n[..16].to_string());
        }
    }
    needles.extend(short);
    for p in &printed {
        for n in &needles {
            assert!(!p.contains(n.as_str()), "printed {p}");
        }
    }
}

#[test]
fn srtp_keys_differ_per_direction_profile_call_and_secret() {
    let mut rng = TestRng::new(11);
    let (s1, s2) = (random32(&mut rng), random32(&mut rng));
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for s in [s1, s2] {
        for call in [CALL, [0x5b; 16]] {
            for profile in [SrtpProfile::AesCm128HmacSha1_80, SrtpProfile::AeadAes256Gcm] {
                for dir in [Direction::Caller, Direction::Callee] {
                    let k = sec(&s).srtp(&call, profile, dir).unwrap();
                    assert_eq!(k.master_key.len(), profile.key_len());
                    assert_eq!(k.master_salt.len(), profile.salt_len());
                    // Compare the first 16 bytes of key and 12 of salt, so a
                    // shorter profile's key being a prefix of a longer one
                    // counts as equal.
                    for part in [k.master_key[..16].to_vec(), k.master_salt[..12].to_vec()] {
                        assert!(!seen.contains(&part));
                        seen.push(part);
                    }
                }
            }
        }
    }
    assert_eq!(seen.len(), 2 * 2 * 2 * 2 * 2);
}
