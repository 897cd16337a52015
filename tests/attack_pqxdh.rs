//! Attacks on PQXDH (X3DH plus ML-KEM-1024): a server that hands out
//! bundles and relays messages and may modify, strip, swap, replay or
//! reorder anything; a malicious peer that signs what it likes; and an app
//! that calls the public API carelessly. Written against the properties of
//! `docs/PROTOCOL.md` §3.4, §3.5, §4, §6.2 and §7, not against the code.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;

use common::{Device, NOW, TestRng};
use ed25519_dalek::Signer;
use rand_core::Rng;
use sotto::crypto::{KEM_CIPHERTEXT_LEN, KEM_PUBLIC_LEN, aes256gcmsiv_seal};
use sotto::{
    Error, IdentityKeyPair, LABEL_PQ_PREKEY, LABEL_STATE, MAX_BUNDLE_LEN, MAX_PQ_ONE_TIME_PREKEYS,
    PqPolicy, PqPrekeyKind, PqPrekeyPublic, PrekeyBundle, PrekeyStore, SIGNED_PREKEY_GRACE_SECS,
    Session, SessionRecord, TrustPolicy, TrustStore, inspect_prekey_message,
};

// ------------------------------------------------------------------ helpers

/// Bob with `opks` classical and `pq_opks` post-quantum one-time prekeys.
fn bob(rng: &mut TestRng, opks: usize, pq_opks: usize) -> Device {
    let mut d = common::device(rng, opks);
    d.store
        .generate_pq_one_time_prekeys(rng, &d.identity, pq_opks, NOW)
        .unwrap();
    d
}

/// Bob's bundle with the `i`-th classical one-time prekey (if any) and the
/// `j`-th post-quantum one-time prekey (the last-resort key for `None`).
fn bundle(d: &Device, opk: Option<usize>, pq_opk: Option<usize>) -> PrekeyBundle {
    PrekeyBundle {
        identity: *d.identity.public_key(),
        signed_prekey: d.store.signed_prekey(),
        one_time_prekey: opk.map(|i| d.store.one_time_prekeys()[i]),
        pq_prekey: Some(match pq_opk {
            Some(j) => d.store.pq_one_time_prekeys()[j],
            None => d.store.pq_prekey().unwrap(),
        }),
    }
}

/// A new initiator's first message to `b` (and its session).
fn first(rng: &mut TestRng, b: &PrekeyBundle, text: &[u8]) -> (IdentityKeyPair, Session, Vec<u8>) {
    let alice = IdentityKeyPair::generate(rng);
    let mut s = Session::initiate(rng, &alice, b).unwrap();
    let m = s.encrypt(rng, text).unwrap();
    (alice, s, m)
}

fn snapshot(s: &PrekeyStore) -> Vec<u8> {
    s.to_bytes().to_vec()
}

/// A prekey message cut into its fields (`docs/PROTOCOL.md` §6.2).
#[derive(Clone)]
struct PrekeyMsg {
    /// version, type, identity, base key, spk_id (102 bytes).
    head: Vec<u8>,
    opk: Option<[u8; 4]>,
    /// kind byte, id, ciphertext (its length as found).
    pq: Option<(u8, [u8; 4], Vec<u8>)>,
    /// ratchet key, varints, ciphertext.
    tail: Vec<u8>,
}

impl PrekeyMsg {
    fn parse(m: &[u8]) -> Self {
        assert_eq!(m[1], 0x02, "a prekey message");
        let head = m[..102].to_vec();
        let flags = m[102];
        let mut at = 103;
        let opk = (flags & 1 != 0).then(|| {
            at += 4;
            m[at - 4..at].try_into().unwrap()
        });
        let pq = (flags & 2 != 0).then(|| {
            let kind = m[at];
            let id = m[at + 1..at + 5].try_into().unwrap();
            let ct = m[at + 5..at + 5 + KEM_CIPHERTEXT_LEN].to_vec();
            at += 5 + KEM_CIPHERTEXT_LEN;
            (kind, id, ct)
        });
        PrekeyMsg {
            head,
            opk,
            pq,
            tail: m[at..].to_vec(),
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = self.head.clone();
        out.push(u8::from(self.opk.is_some()) | (u8::from(self.pq.is_some()) << 1));
        if let Some(o) = &self.opk {
            out.extend_from_slice(o);
        }
        if let Some((k, id, ct)) = &self.pq {
            out.push(*k);
            out.extend_from_slice(id);
            out.extend_from_slice(ct);
        }
        out.extend_from_slice(&self.tail);
        out
    }

    fn map_pq(&self, f: impl FnOnce(&mut (u8, [u8; 4], Vec<u8>))) -> Vec<u8> {
        let mut c = self.clone();
        f(c.pq.as_mut().unwrap());
        c.encode()
    }
}

/// `accept` must fail and leave the prekey store byte for byte as it was.
fn refused(d: &mut Device, m: &[u8], now: u64) -> Error {
    let before = snapshot(&d.store);
    let (opks, pq_opks) = (
        d.store.one_time_prekey_count(),
        d.store.pq_one_time_prekey_count(),
    );
    let err = d.store.accept(&d.identity, m, now).unwrap_err();
    assert_eq!(
        snapshot(&d.store),
        before,
        "a refused message changed the store"
    );
    assert_eq!(d.store.one_time_prekey_count(), opks);
    assert_eq!(d.store.pq_one_time_prekey_count(), pq_opks);
    err
}

/// Bob's identity as an Ed25519 signer (its seed is the start of the
/// identity's plain state, §7): what a malicious peer signs with.
fn signer(id: &IdentityKeyPair) -> ed25519_dalek::SigningKey {
    let state = id.to_bytes();
    ed25519_dalek::SigningKey::from_bytes(&state[2..34].try_into().unwrap())
}

/// A post-quantum prekey signed by `id` over exactly the given fields (§3.5).
fn sign_pq(
    id: &IdentityKeyPair,
    kind: PqPrekeyKind,
    pq_id: u32,
    created_at: u64,
    public: [u8; KEM_PUBLIC_LEN],
) -> PqPrekeyPublic {
    let kind_byte = match kind {
        PqPrekeyKind::LastResort => 1u8,
        PqPrekeyKind::OneTime => 2,
    };
    let mut m = LABEL_PQ_PREKEY.to_vec();
    m.extend_from_slice(id.public_key().dh_key());
    m.push(kind_byte);
    m.extend_from_slice(&pq_id.to_be_bytes());
    m.extend_from_slice(&created_at.to_be_bytes());
    m.push(0x08);
    m.extend_from_slice(&public);
    PqPrekeyPublic {
        kind,
        id: pq_id,
        created_at,
        public,
        signature: signer(id).sign(&m).to_bytes(),
    }
}

/// The sealed form of a plain state of `version` (§7), as a release that
/// wrote that version did.
fn seal_as(version: u8, key: &[u8; 32], plain: &[u8], nonce: [u8; 12]) -> Vec<u8> {
    let sealed_type = plain[1] | 0x40;
    let mut ad = LABEL_STATE.to_vec();
    ad.extend_from_slice(&[version, sealed_type]);
    let mut body = plain.to_vec();
    body[0] = version;
    let mut out = vec![version, sealed_type];
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&aes256gcmsiv_seal(key, &nonce, &ad, &body).unwrap());
    out
}

/// Offset of the post-quantum policy byte in a prekey store's plain state
/// that holds `pq_opks` post-quantum one-time prekeys.
fn policy_offset(state: &[u8], pq_opks: usize) -> usize {
    state.len() - (1 + 4 + 2 + pq_opks * 140)
}

// ---------------------------------------------------------- no downgrade

/// `Require` on the initiator: a bundle stripped of its post-quantum
/// prekey never gives a session, whatever else it carries.
#[test]
fn require_initiator_refuses_stripped_bundles() {
    let mut rng = TestRng::new(1);
    let b = bob(&mut rng, 2, 2);
    let alice = IdentityKeyPair::generate(&mut rng);
    for with_opk in [false, true] {
        let stripped = b.x3dh_bundle(with_opk);
        assert_eq!(
            stripped.check_policy(PqPolicy::Require),
            Err(Error::PostQuantumRequired)
        );
        assert_eq!(
            Session::initiate_with(&mut rng, &alice, &stripped, PqPolicy::Require).unwrap_err(),
            Error::PostQuantumRequired
        );
        // Through the wire: the stripped bundle decodes, and is refused.
        let wire = PrekeyBundle::from_bytes(&stripped.to_bytes()).unwrap();
        assert_eq!(
            Session::initiate_with(&mut rng, &alice, &wire, PqPolicy::Require).unwrap_err(),
            Error::PostQuantumRequired
        );
        // The same bundle with its post-quantum prekey is PQXDH.
        let full = bundle(&b, with_opk.then_some(0), Some(0));
        let s = Session::initiate_with(&mut rng, &alice, &full, PqPolicy::Require).unwrap();
        assert!(s.is_post_quantum());
    }
    // A server that clears the flag bit on the wire leaves trailing bytes.
    let mut wire = bundle(&b, None, None).to_bytes();
    wire[174] &= !0x02;
    assert_eq!(PrekeyBundle::from_bytes(&wire), Err(Error::Malformed));
    // And one that cuts the post-quantum section off entirely gets a
    // bundle that Require refuses.
    let mut wire = bundle(&b, None, None).to_bytes();
    wire.truncate(175);
    wire[174] = 0;
    let cut = PrekeyBundle::from_bytes(&wire).unwrap();
    assert_eq!(
        Session::initiate_with(&mut rng, &alice, &cut, PqPolicy::Require).unwrap_err(),
        Error::PostQuantumRequired
    );
}

/// Every tampering with the post-quantum prekey of a bundle is refused
/// under `Prefer` too: never an X3DH session instead.
#[test]
fn prefer_never_falls_back_on_a_tampered_pq_prekey() {
    let mut rng = TestRng::new(2);
    let b = bob(&mut rng, 1, 2);
    let other = IdentityKeyPair::generate(&mut rng);
    let alice = IdentityKeyPair::generate(&mut rng);
    let good = bundle(&b, Some(0), Some(0));
    let pq = good.pq_prekey.unwrap();

    let mut variants: Vec<(&str, PqPrekeyPublic)> = Vec::new();
    let mut v = pq;
    v.signature[7] ^= 1;
    variants.push(("signature bit", v));
    let mut v = pq;
    v.kind = PqPrekeyKind::LastResort;
    variants.push(("kind", v));
    let mut v = pq;
    v.id += 1;
    variants.push(("id", v));
    let mut v = pq;
    v.id = 0;
    variants.push(("id 0", v));
    let mut v = pq;
    v.created_at += 1;
    variants.push(("time", v));
    let mut v = pq;
    v.public[100] ^= 1;
    variants.push(("key byte", v));
    let mut v = pq;
    v.public = b.store.pq_prekey().unwrap().public;
    variants.push(("another of Bob's keys", v));
    // Signed by someone else over the same fields.
    variants.push((
        "another signer",
        sign_pq(&other, pq.kind, pq.id, pq.created_at, pq.public),
    ));
    // Non-canonical s: s + L (strict verification must refuse it).
    let mut v = pq;
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (s, l) in v.signature[32..].iter_mut().zip(l) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    variants.push(("s + L", v));
    for (what, tampered) in variants {
        let bad = PrekeyBundle {
            pq_prekey: Some(tampered),
            ..good
        };
        for policy in [PqPolicy::Prefer, PqPolicy::Require] {
            assert_eq!(
                Session::initiate_with(&mut rng, &alice, &bad, policy).unwrap_err(),
                Error::InvalidSignature,
                "{what} under {policy:?}"
            );
        }
        assert_eq!(bad.verify(), Err(Error::InvalidSignature), "{what}");
        // Through the wire and a session record: nothing recorded either.
        let wire = PrekeyBundle::from_bytes(&bad.to_bytes()).unwrap();
        let mut record = SessionRecord::new();
        let mut trust = TrustStore::new(TrustPolicy::Block);
        let trust_before = trust.to_bytes().to_vec();
        assert_eq!(
            record
                .initiate(&mut rng, &alice, &wire, &mut trust, b"bob", NOW)
                .unwrap_err(),
            Error::InvalidSignature,
            "{what}"
        );
        assert!(record.current().is_none(), "{what}");
        assert_eq!(trust.to_bytes().to_vec(), trust_before, "{what}");
    }
}

/// A malicious Bob signs a KEM key that fails FIPS 203's input check: the
/// initiator refuses it (`InvalidKey`), it does not fall back to X3DH.
#[test]
fn prefer_never_falls_back_on_an_invalid_kem_key() {
    let mut rng = TestRng::new(3);
    let b = bob(&mut rng, 0, 0);
    let alice = IdentityKeyPair::generate(&mut rng);
    let spk = b.store.signed_prekey();
    // Every coefficient 0xFFF = 4095 ≥ q.
    let invalid = [0xFFu8; KEM_PUBLIC_LEN];
    // One coefficient out of range, the rest of a valid key.
    let mut one_bad = b.store.pq_prekey().unwrap().public;
    one_bad[0] = 0xFF;
    one_bad[1] |= 0x0F;
    for (what, key) in [("all out of range", invalid), ("one out of range", one_bad)] {
        let pq = sign_pq(
            &b.identity,
            PqPrekeyKind::LastResort,
            spk.id,
            spk.created_at,
            key,
        );
        let bad = PrekeyBundle {
            pq_prekey: Some(pq),
            ..b.x3dh_bundle(false)
        };
        assert_eq!(bad.verify(), Ok(()), "{what}: the signature is Bob's");
        for policy in [PqPolicy::Prefer, PqPolicy::Require] {
            assert_eq!(
                Session::initiate_with(&mut rng, &alice, &bad, policy).unwrap_err(),
                Error::InvalidKey,
                "{what} under {policy:?}"
            );
        }
        let mut record = SessionRecord::new();
        let mut trust = TrustStore::new(TrustPolicy::Block);
        assert_eq!(
            record
                .initiate(&mut rng, &alice, &bad, &mut trust, b"bob", NOW)
                .unwrap_err(),
            Error::InvalidKey,
            "{what}"
        );
        assert!(record.current().is_none());
        assert!(trust.record(b"bob").is_none(), "{what}: trust recorded");
    }
}

/// `Require` on the responder: an X3DH first message is refused by
/// `accept` and by a session record, and changes nothing (no one-time
/// prekey consumed, nothing trusted).
#[test]
fn require_responder_refuses_x3dh_first_messages() {
    let mut rng = TestRng::new(4);
    let mut b = bob(&mut rng, 2, 2);
    b.store.set_pq_policy(PqPolicy::Require);
    for with_opk in [false, true] {
        let x3dh = b.x3dh_bundle(with_opk);
        let (_, s, m) = first(&mut rng, &x3dh, b"hi");
        assert!(!s.is_post_quantum());
        assert_eq!(refused(&mut b, &m, NOW), Error::PostQuantumRequired);
        let mut record = SessionRecord::new();
        let mut trust = TrustStore::new(TrustPolicy::Warn);
        let before = snapshot(&b.store);
        assert_eq!(
            record
                .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m, NOW)
                .unwrap_err(),
            Error::PostQuantumRequired
        );
        assert_eq!(snapshot(&b.store), before);
        assert!(record.current().is_none());
        assert!(trust.is_empty());
    }
    // The policy survives the state (plain and sealed).
    let reloaded = PrekeyStore::from_bytes(&b.store.to_bytes()).unwrap();
    assert_eq!(reloaded.pq_policy(), PqPolicy::Require);
    let sealed = b.store.seal(&[9; 32], &mut rng).unwrap();
    assert_eq!(
        PrekeyStore::open(&[9; 32], &sealed).unwrap().pq_policy(),
        PqPolicy::Require
    );
    // A PQXDH first message is accepted, and consumes what it names.
    let (_, _, m) = first(&mut rng, &bundle(&b, Some(0), Some(0)), b"pq");
    let got = b.store.accept(&b.identity, &m, NOW).unwrap();
    assert!(got.session.is_post_quantum());
    assert_eq!(b.store.one_time_prekey_count(), 1);
    assert_eq!(b.store.pq_one_time_prekey_count(), 1);
}

// ------------------------------------------------------- the PQ part

/// The server strips, swaps, relabels, truncates or extends the
/// post-quantum part of a first message: refused (under `Prefer` as under
/// `Require`), nothing changes, and the untouched message still works.
#[test]
fn a_modified_pq_part_is_refused_and_changes_nothing() {
    let mut rng = TestRng::new(5);
    for policy in [PqPolicy::Prefer, PqPolicy::Require] {
        let mut b = bob(&mut rng, 3, 3);
        b.store.set_pq_policy(policy);
        let (_, _, m) = first(&mut rng, &bundle(&b, Some(0), Some(0)), b"one");
        let (_, _, other) = first(&mut rng, &bundle(&b, Some(1), Some(1)), b"two");
        let (_, _, lr) = first(&mut rng, &bundle(&b, None, None), b"three");
        let p = PrekeyMsg::parse(&m);
        let other_ct = PrekeyMsg::parse(&other).pq.unwrap().2;
        let lr_ct = PrekeyMsg::parse(&lr).pq.unwrap().2;
        // The attacker knows Bob's public KEM keys: fresh encapsulations.
        let pk = b.store.pq_one_time_prekeys()[0].public;
        let (fresh_ct, _) = sotto::crypto::mlkem1024_encapsulate_with(&pk, &[0x42; 32]).unwrap();
        let lr_pk = b.store.pq_prekey().unwrap().public;
        let (fresh_lr_ct, _) =
            sotto::crypto::mlkem1024_encapsulate_with(&lr_pk, &[0x43; 32]).unwrap();

        let mut stripped = p.clone();
        stripped.pq = None;
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("stripped", stripped.encode()),
            // Flag cleared, section left in place.
            ("flag cleared", {
                let mut x = m.clone();
                x[102] &= !0x02;
                x
            }),
            ("unknown flag bit", {
                let mut x = m.clone();
                x[102] |= 0x04;
                x
            }),
            (
                "another message's ciphertext",
                p.map_pq(|q| q.2 = other_ct.clone()),
            ),
            (
                "the last-resort message's ciphertext",
                p.map_pq(|q| q.2 = lr_ct.clone()),
            ),
            (
                "a fresh ciphertext to the same key",
                p.map_pq(|q| q.2 = fresh_ct.clone()),
            ),
            ("kind relabelled last resort", p.map_pq(|q| q.0 = 1)),
            ("kind 0", p.map_pq(|q| q.0 = 0)),
            ("kind 3", p.map_pq(|q| q.0 = 3)),
            ("kind 255", p.map_pq(|q| q.0 = 255)),
            (
                "another one-time id",
                p.map_pq(|q| q.1 = 2u32.to_be_bytes()),
            ),
            ("id 0", p.map_pq(|q| q.1 = 0u32.to_be_bytes())),
            ("id never issued", p.map_pq(|q| q.1 = 99u32.to_be_bytes())),
            ("id u32::MAX", p.map_pq(|q| q.1 = u32::MAX.to_be_bytes())),
            (
                "last resort, fresh ciphertext",
                p.map_pq(|q| {
                    q.0 = 1;
                    q.1 = 1u32.to_be_bytes();
                    q.2 = fresh_lr_ct.clone();
                }),
            ),
            (
                "ciphertext one byte short",
                p.map_pq(|q| {
                    q.2.pop();
                }),
            ),
            ("ciphertext one byte long", p.map_pq(|q| q.2.push(0))),
            ("ciphertext bit", p.map_pq(|q| q.2[700] ^= 0x10)),
            (
                "ciphertext last bit",
                p.map_pq(|q| q.2[KEM_CIPHERTEXT_LEN - 1] ^= 0x80),
            ),
        ];
        // A PQ part added to an X3DH message (encapsulated to Bob's
        // last-resort key).
        let (_, _, x3dh) = first(&mut rng, &b.x3dh_bundle(true), b"x3dh");
        let mut added = PrekeyMsg::parse(&x3dh);
        added.pq = Some((1, 1u32.to_be_bytes(), fresh_lr_ct.clone()));
        cases.push(("PQ part added to an X3DH message", added.encode()));
        // The classical one-time prekey id swapped while the PQ part stays.
        let mut opk_swapped = p.clone();
        opk_swapped.opk = Some(2u32.to_be_bytes());
        cases.push(("classical one-time id swapped", opk_swapped.encode()));
        let mut opk_dropped = p.clone();
        opk_dropped.opk = None;
        cases.push(("classical one-time id dropped", opk_dropped.encode()));
        // Truncated anywhere inside the PQ section.
        for cut in [104, 107, 108, 112, 600, 112 + KEM_CIPHERTEXT_LEN - 1] {
            cases.push(("truncated in the PQ section", m[..cut].to_vec()));
        }

        for (what, bad) in &cases {
            let err = refused(&mut b, bad, NOW);
            assert_ne!(err, Error::Internal, "{what}");
            // The record path refuses it too, and trusts no one.
            let mut record = SessionRecord::new();
            let mut trust = TrustStore::new(TrustPolicy::Warn);
            let before = snapshot(&b.store);
            assert!(
                record
                    .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", bad, NOW)
                    .is_err(),
                "{what} under {policy:?}"
            );
            assert_eq!(snapshot(&b.store), before, "{what}");
            assert!(trust.is_empty(), "{what}");
            assert!(record.current().is_none(), "{what}");
        }
        // Nothing was consumed: the three untouched messages still work, and
        // each consumes exactly what it names.
        let got = b.store.accept(&b.identity, &m, NOW).unwrap();
        assert_eq!(got.plaintext, b"one");
        assert!(got.session.is_post_quantum());
        assert_eq!(b.store.one_time_prekey_count(), 2);
        assert_eq!(b.store.pq_one_time_prekey_count(), 2);
        b.store.accept(&b.identity, &other, NOW).unwrap();
        b.store.accept(&b.identity, &lr, NOW).unwrap();
        assert_eq!(b.store.pq_one_time_prekey_count(), 1);
        // A second attempt of a stripped copy, now that the original was
        // accepted: still refused.
        assert!(b.store.accept(&b.identity, &cases[0].1, NOW).is_err());
    }
}

/// What `inspect_prekey_message` reports is what the sender named.
#[test]
fn inspect_reports_the_pq_prekey() {
    let mut rng = TestRng::new(6);
    let b = bob(&mut rng, 1, 2);
    let (_, _, m) = first(&mut rng, &bundle(&b, Some(0), Some(1)), b"x");
    let info = inspect_prekey_message(&m).unwrap();
    assert_eq!(info.pq_prekey, Some((PqPrekeyKind::OneTime, 2)));
    assert_eq!(info.one_time_prekey_id, Some(1));
    let (_, _, m) = first(&mut rng, &bundle(&b, None, None), b"x");
    let info = inspect_prekey_message(&m).unwrap();
    assert_eq!(info.pq_prekey, Some((PqPrekeyKind::LastResort, 1)));
    assert_eq!(info.one_time_prekey_id, None);
    let (_, _, m) = first(&mut rng, &b.x3dh_bundle(false), b"x");
    assert_eq!(inspect_prekey_message(&m).unwrap().pq_prekey, None);
}

/// The initiator repeats the same preamble, PQ part included, until it
/// hears back; every repeat decrypts on the session it set up, and the
/// session says it is post-quantum on both sides and after a reload.
#[test]
fn repeated_preambles_and_the_post_quantum_flag() {
    let mut rng = TestRng::new(7);
    let mut b = bob(&mut rng, 0, 1);
    let (_, mut a, m1) = first(&mut rng, &bundle(&b, None, Some(0)), b"1");
    let m2 = a.encrypt(&mut rng, b"2").unwrap();
    let p1 = PrekeyMsg::parse(&m1);
    let p2 = PrekeyMsg::parse(&m2);
    assert_eq!(p1.head, p2.head);
    assert_eq!(p1.pq, p2.pq);
    let mut bs = b.store.accept(&b.identity, &m1, NOW).unwrap().session;
    assert_eq!(bs.decrypt(&m2).unwrap(), b"2");
    // m2 given to accept instead is a duplicate base key.
    assert_eq!(refused(&mut b, &m2, NOW), Error::Duplicate);
    for s in [&a, &bs] {
        assert!(s.is_post_quantum());
        assert!(
            Session::from_bytes(&s.to_bytes())
                .unwrap()
                .is_post_quantum()
        );
        let sealed = s.seal(&[1; 32], &mut rng).unwrap();
        assert!(Session::open(&[1; 32], &sealed).unwrap().is_post_quantum());
    }
    let reply = bs.encrypt(&mut rng, b"r").unwrap();
    assert_eq!(a.decrypt(&reply).unwrap(), b"r");
    assert!(!a.is_awaiting_reply());
    assert!(a.is_post_quantum());
    assert!(
        Session::from_bytes(&a.to_bytes())
            .unwrap()
            .is_post_quantum()
    );
    let record = SessionRecord::from(a);
    let back = SessionRecord::from_bytes(&record.to_bytes()).unwrap();
    assert!(back.current().unwrap().is_post_quantum());
    // And X3DH sessions say they are not.
    let (_, x, m) = first(&mut rng, &b.x3dh_bundle(false), b"x");
    assert!(!x.is_post_quantum());
    assert!(
        !b.store
            .accept(&b.identity, &m, NOW)
            .unwrap()
            .session
            .is_post_quantum()
    );
}

// ------------------------------------------------ one-time PQ prekeys

/// A one-time post-quantum prekey serves one session: a second initiator
/// given the same bundle is refused, however the store was kept in between,
/// and a replay of the accepted message is `Duplicate`.
#[test]
fn pq_one_time_prekeys_are_used_once() {
    let mut rng = TestRng::new(8);
    let mut b = bob(&mut rng, 3, 3);
    let shared = bundle(&b, None, Some(0));
    let (_, _, m1) = first(&mut rng, &shared, b"first");
    let (_, _, m2) = first(&mut rng, &shared, b"second");
    b.store.accept(&b.identity, &m1, NOW).unwrap();
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    assert_eq!(refused(&mut b, &m2, NOW), Error::OneTimePrekeyReused);
    assert_eq!(refused(&mut b, &m1, NOW), Error::Duplicate);

    // Saved and reloaded, plain and sealed.
    let mut reloaded = Device {
        identity: IdentityKeyPair::from_bytes(&b.identity.to_bytes()).unwrap(),
        store: PrekeyStore::from_bytes(&b.store.to_bytes()).unwrap(),
    };
    assert_eq!(refused(&mut reloaded, &m2, NOW), Error::OneTimePrekeyReused);
    assert_eq!(refused(&mut reloaded, &m1, NOW), Error::Duplicate);
    let sealed = b.store.seal(&[5; 32], &mut rng).unwrap();
    reloaded.store = PrekeyStore::open(&[5; 32], &sealed).unwrap();
    assert_eq!(refused(&mut reloaded, &m2, NOW), Error::OneTimePrekeyReused);
    assert_eq!(refused(&mut reloaded, &m1, NOW), Error::Duplicate);

    // After a rotation: the messages name the previous signed prekey, still
    // in its grace period.
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, NOW + 10)
        .unwrap();
    assert_eq!(refused(&mut b, &m2, NOW + 20), Error::OneTimePrekeyReused);
    assert_eq!(refused(&mut b, &m1, NOW + 20), Error::Duplicate);
    // A new initiator pairing the new signed prekey with the used key.
    let mixed = PrekeyBundle {
        signed_prekey: b.store.signed_prekey(),
        ..shared
    };
    let (_, _, m3) = first(&mut rng, &mixed, b"third");
    assert_eq!(refused(&mut b, &m3, NOW + 20), Error::OneTimePrekeyReused);

    // After every one-time prekey is cleared (a restored backup), none of
    // the cleared ones accepts a message either.
    let unused = bundle(&b, None, Some(0));
    assert_eq!(unused.pq_prekey.unwrap().id, 2);
    let (_, _, m4) = first(&mut rng, &unused, b"fourth");
    b.store.clear_one_time_prekeys();
    assert_eq!(b.store.pq_one_time_prekey_count(), 0);
    assert_eq!(refused(&mut b, &m4, NOW + 20), Error::OneTimePrekeyReused);
    // New ones continue the id sequence (no id is issued twice).
    let fresh = b
        .store
        .generate_pq_one_time_prekeys(&mut rng, &b.identity, 2, NOW + 30)
        .unwrap();
    assert_eq!(fresh[0].id, 4);
    assert_eq!(fresh[1].id, 5);
}

/// The classical and the post-quantum one-time prekeys of one message are
/// consumed together or not at all.
#[test]
fn both_one_time_prekeys_go_together_or_not_at_all() {
    let mut rng = TestRng::new(9);
    let mut b = bob(&mut rng, 3, 3);
    let b1 = bundle(&b, Some(0), Some(0));
    let (_, _, m1) = first(&mut rng, &b1, b"1");
    b.store.accept(&b.identity, &m1, NOW).unwrap();
    let fresh_opk = b.store.one_time_prekeys()[0];
    let fresh_pq = b.store.pq_one_time_prekeys()[0];
    // A fresh classical key with the used PQ key: the classical key stays.
    let used_pq = PrekeyBundle {
        one_time_prekey: Some(fresh_opk),
        ..b1
    };
    let (_, _, m2) = first(&mut rng, &used_pq, b"2");
    assert_eq!(refused(&mut b, &m2, NOW), Error::OneTimePrekeyReused);
    assert_eq!(b.store.one_time_prekey_count(), 2);
    // A used classical key with a fresh PQ key: the PQ key stays.
    let used_opk = PrekeyBundle {
        pq_prekey: Some(fresh_pq),
        ..b1
    };
    let (_, _, m3) = first(&mut rng, &used_opk, b"3");
    assert_eq!(refused(&mut b, &m3, NOW), Error::OneTimePrekeyReused);
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    // The fresh pair works, and consumes both.
    let good = PrekeyBundle {
        one_time_prekey: Some(fresh_opk),
        pq_prekey: Some(fresh_pq),
        ..b1
    };
    let (_, _, m4) = first(&mut rng, &good, b"4");
    b.store.accept(&b.identity, &m4, NOW).unwrap();
    assert_eq!(b.store.one_time_prekey_count(), 1);
    assert_eq!(b.store.pq_one_time_prekey_count(), 1);
}

/// The same through session records: a replay under the same or another
/// contact's name is `Duplicate`, the same PQ key from another initiator
/// is refused, and a first message refused for an identity change consumes
/// nothing.
#[test]
fn pq_one_time_prekeys_are_used_once_through_session_records() {
    let mut rng = TestRng::new(10);
    let mut b = bob(&mut rng, 0, 2);
    let shared = bundle(&b, None, Some(0));
    let (_, _, m1) = first(&mut rng, &shared, b"first");
    let (_, _, m2) = first(&mut rng, &shared, b"second");
    let mut trust = TrustStore::new(TrustPolicy::Block);
    let mut alice_rec = SessionRecord::new();
    let got = alice_rec
        .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m1, NOW)
        .unwrap();
    assert!(got.new_session);
    assert!(alice_rec.current().unwrap().is_post_quantum());
    assert_eq!(b.store.pq_one_time_prekey_count(), 1);

    let store_before = snapshot(&b.store);
    let rec_before = alice_rec.to_bytes().to_vec();
    let trust_before = trust.to_bytes().to_vec();
    assert_eq!(
        alice_rec
            .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m1, NOW)
            .unwrap_err(),
        Error::Duplicate
    );
    assert_eq!(alice_rec.to_bytes().to_vec(), rec_before);
    let mut reloaded = SessionRecord::from_bytes(&rec_before).unwrap();
    assert_eq!(
        reloaded
            .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m1, NOW)
            .unwrap_err(),
        Error::Duplicate
    );
    for (name, m, want) in [
        (&b"mallory"[..], &m1, Error::Duplicate),
        (&b"carol"[..], &m2, Error::OneTimePrekeyReused),
    ] {
        let mut rec = SessionRecord::new();
        assert_eq!(
            rec.decrypt(&b.identity, &mut b.store, &mut trust, name, m, NOW)
                .unwrap_err(),
            want
        );
        assert!(rec.current().is_none());
    }
    assert_eq!(snapshot(&b.store), store_before);
    assert_eq!(trust.to_bytes().to_vec(), trust_before);

    // Another identity under Alice's name, on the last PQ key: held as a
    // pending change, nothing consumed; accepted once the user agrees.
    let (eve, _, m3) = first(&mut rng, &bundle(&b, None, Some(0)), b"eve");
    let store_before = snapshot(&b.store);
    assert_eq!(
        alice_rec
            .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m3, NOW)
            .unwrap_err(),
        Error::IdentityChanged
    );
    assert_eq!(snapshot(&b.store), store_before);
    assert_eq!(b.store.pq_one_time_prekey_count(), 1);
    trust
        .accept_change(b"alice", eve.public_key(), NOW)
        .unwrap();
    alice_rec
        .decrypt(&b.identity, &mut b.store, &mut trust, b"alice", &m3, NOW)
        .unwrap();
    assert_eq!(b.store.pq_one_time_prekey_count(), 0);
}

// ------------------------------------------------- last-resort keys

/// Both id spaces start at 1: a last-resort key and a one-time key with
/// the same id are never taken for each other, in a bundle or a message.
#[test]
fn last_resort_and_one_time_ids_are_kept_apart() {
    let mut rng = TestRng::new(11);
    let mut b = bob(&mut rng, 0, 3);
    let lr = b.store.pq_prekey().unwrap();
    let ot = b.store.pq_one_time_prekeys()[0];
    assert_eq!((lr.kind, lr.id), (PqPrekeyKind::LastResort, 1));
    assert_eq!((ot.kind, ot.id), (PqPrekeyKind::OneTime, 1));
    let alice = IdentityKeyPair::generate(&mut rng);

    // In a bundle: the kind is signed.
    for (key, other_kind) in [(lr, PqPrekeyKind::OneTime), (ot, PqPrekeyKind::LastResort)] {
        let relabelled = PrekeyBundle {
            pq_prekey: Some(PqPrekeyPublic {
                kind: other_kind,
                ..key
            }),
            ..b.x3dh_bundle(false)
        };
        let wire = PrekeyBundle::from_bytes(&relabelled.to_bytes()).unwrap();
        assert_eq!(
            Session::initiate(&mut rng, &alice, &wire).unwrap_err(),
            Error::InvalidSignature
        );
    }

    // In a message: relabelled either way, refused, nothing consumed.
    let (_, _, to_ot) = first(&mut rng, &bundle(&b, None, Some(0)), b"ot");
    let (_, _, to_lr) = first(&mut rng, &bundle(&b, None, None), b"lr");
    let p_ot = PrekeyMsg::parse(&to_ot);
    let p_lr = PrekeyMsg::parse(&to_lr);
    assert_eq!(p_ot.pq.as_ref().unwrap().1, p_lr.pq.as_ref().unwrap().1);
    refused(&mut b, &p_ot.map_pq(|q| q.0 = 1), NOW);
    refused(&mut b, &p_lr.map_pq(|q| q.0 = 2), NOW);
    // Each message's ciphertext under the other kind's header.
    let ct_ot = p_ot.pq.as_ref().unwrap().2.clone();
    let ct_lr = p_lr.pq.as_ref().unwrap().2.clone();
    refused(&mut b, &p_ot.map_pq(|q| q.2 = ct_lr.clone()), NOW);
    refused(&mut b, &p_lr.map_pq(|q| q.2 = ct_ot.clone()), NOW);
    assert_eq!(b.store.pq_one_time_prekey_count(), 3);

    // The last-resort key 1 consumes no one-time key 1...
    b.store.accept(&b.identity, &to_lr, NOW).unwrap();
    assert_eq!(b.store.pq_one_time_prekey_count(), 3);
    // ...the one-time key 1 is consumed by its message alone...
    b.store.accept(&b.identity, &to_ot, NOW).unwrap();
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    // ...and the last-resort key 1 goes on working, for many sessions.
    for _ in 0..3 {
        let (_, _, m) = first(&mut rng, &bundle(&b, None, None), b"again");
        b.store.accept(&b.identity, &m, NOW).unwrap();
    }
    assert!(b.store.pq_prekey().is_some());
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    // A last-resort message relabelled as the consumed one-time key 1.
    let (_, _, m) = first(&mut rng, &bundle(&b, None, None), b"late");
    refused(&mut b, &PrekeyMsg::parse(&m).map_pq(|q| q.0 = 2), NOW);
    // The last-resort id space follows the signed prekeys, not the
    // one-time keys: after rotations the ids differ, each still apart.
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, NOW + 1)
        .unwrap();
    let lr2 = b.store.pq_prekey().unwrap();
    assert_eq!((lr2.kind, lr2.id), (PqPrekeyKind::LastResort, 2));
    // One-time key 2 exists: a last-resort-2 message relabelled as it.
    let (_, _, m) = first(&mut rng, &bundle(&b, None, None), b"lr2");
    refused(&mut b, &PrekeyMsg::parse(&m).map_pq(|q| q.0 = 2), NOW + 2);
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    b.store.accept(&b.identity, &m, NOW + 2).unwrap();
    assert_eq!(b.store.pq_one_time_prekey_count(), 2);
    let ids: Vec<u32> = b.store.pq_one_time_prekeys().iter().map(|k| k.id).collect();
    assert_eq!(ids, [2, 3]);
}

/// A last-resort key is made and rotated with its signed prekey, and the
/// previous one works for exactly the grace period.
#[test]
fn last_resort_keys_rotate_with_their_signed_prekey() {
    let mut rng = TestRng::new(12);
    let mut b = bob(&mut rng, 0, 0);
    let alice = IdentityKeyPair::generate(&mut rng);
    let old = bundle(&b, None, None);
    assert_eq!(old.pq_prekey.unwrap().id, old.signed_prekey.id);
    assert_eq!(
        old.pq_prekey.unwrap().created_at,
        old.signed_prekey.created_at
    );
    let (_, _, in_grace) = first(&mut rng, &old, b"late");
    let (_, _, too_late) = first(&mut rng, &old, b"too late");
    let rotated_at = NOW + 1000;
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, rotated_at)
        .unwrap();
    let new = bundle(&b, None, None);
    let pq = new.pq_prekey.unwrap();
    assert_eq!(pq.kind, PqPrekeyKind::LastResort);
    assert_eq!(pq.id, new.signed_prekey.id);
    assert_eq!(pq.created_at, rotated_at);
    assert_ne!(pq.public, old.pq_prekey.unwrap().public);
    new.verify().unwrap();
    Session::initiate_with(&mut rng, &alice, &new, PqPolicy::Require).unwrap();

    let end = rotated_at + SIGNED_PREKEY_GRACE_SECS;
    assert_eq!(refused(&mut b, &too_late, end), Error::UnknownSignedPrekey);
    b.store.accept(&b.identity, &in_grace, end - 1).unwrap();
    // The current signed prekey with the previous last-resort key: it is
    // held for the grace period, then gone.
    let mixed = PrekeyBundle {
        pq_prekey: old.pq_prekey,
        ..new
    };
    let (_, _, m1) = first(&mut rng, &mixed, b"m1");
    let (_, _, m2) = first(&mut rng, &mixed, b"m2");
    assert_eq!(refused(&mut b, &m2, end), Error::UnknownSignedPrekey);
    b.store.accept(&b.identity, &m1, end - 1).unwrap();
    // Once expired, nothing of the previous key accepts anything.
    b.store.expire(end);
    let (_, _, m3) = first(&mut rng, &old, b"m3");
    let (_, _, m4) = first(&mut rng, &mixed, b"m4");
    assert_eq!(refused(&mut b, &m3, rotated_at), Error::UnknownSignedPrekey);
    assert_eq!(refused(&mut b, &m4, rotated_at), Error::UnknownSignedPrekey);
    // The new one works; two rotations drop the first entirely.
    let (_, _, m5) = first(&mut rng, &new, b"m5");
    b.store.accept(&b.identity, &m5, end).unwrap();
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, end + 1)
        .unwrap();
    let (_, _, m6) = first(&mut rng, &new, b"m6");
    b.store.accept(&b.identity, &m6, end + 2).unwrap();
    assert_eq!(refused(&mut b, &m5, end + 2), Error::Duplicate);
}

// ---------------------------------------------------------------- state

/// Version-4 prekey stores keep every post-quantum field, plain and sealed.
#[test]
fn prekey_store_state_round_trips() {
    let mut rng = TestRng::new(13);
    let mut b = bob(&mut rng, 2, 3);
    b.store.set_pq_policy(PqPolicy::Require);
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, NOW + 5)
        .unwrap();
    let (_, _, m) = first(&mut rng, &bundle(&b, Some(0), Some(1)), b"x");
    b.store.accept(&b.identity, &m, NOW + 6).unwrap();
    let plain = snapshot(&b.store);
    assert_eq!(plain[0], 0x04);
    let back = PrekeyStore::from_bytes(&plain).unwrap();
    assert_eq!(snapshot(&back), plain);
    assert_eq!(back.pq_policy(), PqPolicy::Require);
    assert_eq!(back.pq_prekey(), b.store.pq_prekey());
    assert_eq!(back.pq_one_time_prekeys(), b.store.pq_one_time_prekeys());
    let sealed = b.store.seal(&[8; 32], &mut rng).unwrap();
    assert_eq!(
        snapshot(&PrekeyStore::open(&[8; 32], &sealed).unwrap()),
        plain
    );
    assert_eq!(
        PrekeyStore::open(&[9; 32], &sealed).unwrap_err(),
        Error::AuthenticationFailed
    );
}

/// Version-3 prekey stores and sessions (no post-quantum fields) still
/// load, plain and sealed: no post-quantum prekey, `Prefer`, not post
/// quantum; a version-3 state carrying post-quantum fields does not.
#[test]
fn version_3_states_still_load() {
    let mut rng = TestRng::new(14);
    let mut b = common::device(&mut rng, 2);
    // Bob's state without its last-resort key, in the v3 layout: no has_pq
    // byte after the signed prekey, no trailing PQ section.
    let v4 = snapshot(&b.store);
    assert_eq!(v4[150], 1, "has_pq");
    let mut v3 = [&v4[..150], &v4[150 + 1 + 128..v4.len() - 7]].concat();
    v3[0] = 0x03;
    let key = [7u8; 32];
    // Version 2 had the same prekey-store layout.
    let mut v2 = v3.clone();
    v2[0] = 0x02;
    for s in [
        PrekeyStore::from_bytes(&v3).unwrap(),
        PrekeyStore::open(&key, &seal_as(3, &key, &v3, [1; 12])).unwrap(),
        PrekeyStore::from_bytes(&v2).unwrap(),
        PrekeyStore::open(&key, &seal_as(2, &key, &v2, [4; 12])).unwrap(),
    ] {
        assert!(s.pq_prekey().is_none());
        assert_eq!(s.pq_policy(), PqPolicy::Prefer);
        assert_eq!(s.one_time_prekey_count(), 2);
        assert_eq!(s.pq_one_time_prekey_count(), 0);
        assert_eq!(s.signed_prekey(), b.store.signed_prekey());
        assert_eq!(s.to_bytes()[0], 0x04);
    }
    // The v3 store accepts X3DH, refuses a last-resort PQXDH message (it
    // has no such key) and gets one when it rotates.
    let mut old = Device {
        identity: IdentityKeyPair::from_bytes(&b.identity.to_bytes()).unwrap(),
        store: PrekeyStore::from_bytes(&v3).unwrap(),
    };
    let (_, _, pq_msg) = first(&mut rng, &bundle(&b, None, None), b"pq");
    assert_eq!(refused(&mut old, &pq_msg, NOW), Error::UnknownSignedPrekey);
    let (_, _, m) = first(&mut rng, &b.x3dh_bundle(true), b"x3dh");
    old.store.accept(&old.identity, &m, NOW).unwrap();
    old.store
        .rotate_signed_prekey(&mut rng, &old.identity, NOW + 1)
        .unwrap();
    old.store
        .pq_prekey()
        .unwrap()
        .verify(old.identity.public_key())
        .unwrap();
    // The v4 fields under a v3 version byte are refused.
    let mut wrong = v4.clone();
    wrong[0] = 0x03;
    assert!(PrekeyStore::from_bytes(&wrong).is_err());
    let _ = b.store.accept(&b.identity, &pq_msg, NOW).unwrap();

    // Sessions: a v4 X3DH session (responder, no pending preamble) in the v3
    // layout (no trailing post_quantum byte).
    let (_, mut a, m) = first(&mut rng, &b.x3dh_bundle(false), b"s");
    let bs = b.store.accept(&b.identity, &m, NOW).unwrap().session;
    for s in [&a, &bs] {
        let v4 = s.to_bytes().to_vec();
        assert_eq!(*v4.last().unwrap(), 0);
        let mut v3 = v4[..v4.len() - 1].to_vec();
        v3[0] = 0x03;
        for loaded in [
            Session::from_bytes(&v3).unwrap(),
            Session::open(&key, &seal_as(3, &key, &v3, [2; 12])).unwrap(),
        ] {
            assert!(!loaded.is_post_quantum());
            assert_eq!(loaded.to_bytes().to_vec(), v4);
        }
    }
    // A v3 session whose pending preamble carries a PQ section: refused
    // (version 3 had no PQXDH).
    let (_, pq_session, _) = first(&mut rng, &bundle(&b, None, None), b"p");
    let v4 = pq_session.to_bytes().to_vec();
    assert_eq!(*v4.last().unwrap(), 1);
    let mut v3 = v4[..v4.len() - 1].to_vec();
    v3[0] = 0x03;
    assert_eq!(Session::from_bytes(&v3).unwrap_err(), Error::Malformed);
    assert_eq!(
        Session::open(&key, &seal_as(3, &key, &v3, [3; 12])).unwrap_err(),
        Error::Malformed
    );
    // A sealed v4 blob relabelled v3 does not open.
    let mut sealed = a.seal(&key, &mut rng).unwrap();
    sealed[0] = 0x03;
    assert_eq!(
        Session::open(&key, &sealed).unwrap_err(),
        Error::AuthenticationFailed
    );
    let _ = a.encrypt(&mut rng, b"keep").unwrap();
}

/// Crafted prekey-store states: policy bytes other than 0 and 1, counts
/// beyond the limits (up to u16::MAX), unordered, repeated or unissued
/// ids, a zero next id, a bad has_pq byte: all `Malformed`, never a panic.
#[test]
fn crafted_prekey_store_states_are_refused() {
    let mut rng = TestRng::new(15);
    let b = bob(&mut rng, 0, 3);
    let good = snapshot(&b.store);
    let at = policy_offset(&good, 3);
    assert_eq!(good[at], 0);
    PrekeyStore::from_bytes(&good).unwrap();
    let mut bad_states: Vec<(String, Vec<u8>)> = Vec::new();
    for v in 2..=255u8 {
        let mut s = good.clone();
        s[at] = v;
        bad_states.push((format!("policy byte {v}"), s));
    }
    let mut s = good.clone();
    s[at] = 1;
    assert_eq!(
        PrekeyStore::from_bytes(&s).unwrap().pq_policy(),
        PqPolicy::Require
    );
    // next_pq_id 0, and at or below an id held.
    for next in [0u32, 1, 2, 3] {
        let mut s = good.clone();
        s[at + 1..at + 5].copy_from_slice(&next.to_be_bytes());
        bad_states.push((format!("next id {next}"), s));
    }
    // Counts: one more than held (truncated), above the limit, u16::MAX.
    for count in [4u16, MAX_PQ_ONE_TIME_PREKEYS as u16 + 1, u16::MAX] {
        let mut s = good.clone();
        s[at + 5..at + 7].copy_from_slice(&count.to_be_bytes());
        bad_states.push((format!("count {count}"), s));
    }
    // Exactly 101 well-formed entries (ids 1..=101).
    let mut s = good[..at + 5].to_vec();
    s[at + 1..at + 5].copy_from_slice(&200u32.to_be_bytes());
    s.extend_from_slice(&101u16.to_be_bytes());
    let entry = &good[at + 7..at + 7 + 140];
    for id in 1..=101u32 {
        s.extend_from_slice(&id.to_be_bytes());
        s.extend_from_slice(&entry[4..]);
    }
    bad_states.push(("101 entries".into(), s));
    // Ids: swapped, repeated, zero-then-zero.
    let ids_at = |i: usize| at + 7 + i * 140;
    let set_id = |s: &mut Vec<u8>, i: usize, id: u32| {
        let o = ids_at(i);
        s[o..o + 4].copy_from_slice(&id.to_be_bytes());
    };
    let mut s = good.clone();
    set_id(&mut s, 0, 2);
    set_id(&mut s, 1, 1);
    bad_states.push(("unordered ids".into(), s));
    let mut s = good.clone();
    set_id(&mut s, 1, 1);
    bad_states.push(("repeated id".into(), s));
    let mut s = good.clone();
    set_id(&mut s, 2, 4);
    bad_states.push(("id not yet issued".into(), s));
    let mut s = good.clone();
    set_id(&mut s, 0, 0);
    set_id(&mut s, 1, 0);
    bad_states.push(("two zero ids".into(), s));
    // has_pq byte of the current signed prekey.
    for v in [2u8, 0x80, 0xFF] {
        let mut s = good.clone();
        s[150] = v;
        bad_states.push((format!("has_pq {v}"), s));
    }
    // Trailing byte, and the PQ section cut off.
    let mut s = good.clone();
    s.push(0);
    bad_states.push(("trailing byte".into(), s));
    bad_states.push(("no PQ section".into(), good[..at].to_vec()));
    for (what, s) in bad_states {
        assert_eq!(
            PrekeyStore::from_bytes(&s).unwrap_err(),
            Error::Malformed,
            "{what}"
        );
    }
    // Every truncation is an error, never a panic.
    for n in 0..good.len() {
        assert!(PrekeyStore::from_bytes(&good[..n]).is_err(), "cut at {n}");
    }
}

/// Crafted session states: a post_quantum byte other than 0 and 1, and a
/// pending preamble that disagrees with it; bad flags and kinds inside the
/// preamble.
#[test]
fn crafted_session_states_are_refused() {
    let mut rng = TestRng::new(16);
    let b = bob(&mut rng, 1, 1);
    let (_, pq, _) = first(&mut rng, &bundle(&b, Some(0), Some(0)), b"p");
    let (_, x3dh, _) = first(&mut rng, &b.x3dh_bundle(true), b"x");
    let pq_state = pq.to_bytes().to_vec();
    let x_state = x3dh.to_bytes().to_vec();
    // Initiator sessions before any reply: has_dhr, sending chain, PN, no
    // receiving chain, then the pending preamble at 269.
    for s in [&pq_state, &x_state] {
        assert_eq!(s[269], 1, "has_pending");
    }
    let flags = 269 + 1 + 64 + 32 + 4;
    assert_eq!(pq_state[flags], 3);
    assert_eq!(x_state[flags], 1);
    let last = pq_state.len() - 1;
    let mut bad: Vec<(String, Vec<u8>)> = Vec::new();
    for v in 2..=255u8 {
        let mut s = pq_state.clone();
        s[last] = v;
        bad.push((format!("post_quantum byte {v}"), s));
    }
    let mut s = pq_state.clone();
    s[last] = 0;
    bad.push(("PQ preamble, flag 0".into(), s));
    let mut s = x_state.clone();
    let xl = s.len() - 1;
    s[xl] = 1;
    bad.push(("X3DH preamble, flag 1".into(), s));
    for f in [4u8, 5, 7, 8, 0x80, 0xFF] {
        let mut s = pq_state.clone();
        s[flags] = f;
        bad.push((format!("preamble flags {f}"), s));
    }
    let kind = flags + 1 + 4;
    for k in [0u8, 3, 0xFF] {
        let mut s = pq_state.clone();
        s[kind] = k;
        bad.push((format!("preamble kind {k}"), s));
    }
    // The preamble's PQ section dropped (flag bit cleared), post_quantum
    // left at 1.
    let mut s = pq_state.clone();
    s[flags] = 1;
    s.drain(kind..kind + 5 + KEM_CIPHERTEXT_LEN);
    bad.push(("PQ section dropped".into(), s));
    // An X3DH preamble given a PQ flag bit without the section.
    let mut s = x_state.clone();
    s[flags] = 3;
    bad.push(("PQ bit without a section".into(), s));
    for (what, s) in bad {
        assert_eq!(
            Session::from_bytes(&s).unwrap_err(),
            Error::Malformed,
            "{what}"
        );
    }
    for n in 0..pq_state.len() {
        assert!(Session::from_bytes(&pq_state[..n]).is_err(), "cut at {n}");
    }
    // The record layer refuses such a session inside a record.
    let mut rec = SessionRecord::from(Session::from_bytes(&pq_state).unwrap())
        .to_bytes()
        .to_vec();
    let rl = rec.len();
    // record: ... has_current, len, session, archived count (0)
    assert_eq!(rec[rl - 1], 0);
    assert_eq!(rec[rl - 2], 1);
    rec[rl - 2] = 0;
    assert_eq!(
        SessionRecord::from_bytes(&rec).unwrap_err(),
        Error::Malformed
    );
}

/// `retire_previous_signed_prekey` (what a restored backup calls after a
/// rotation) must leave a store that still loads: the accepted base keys of
/// the signed prekey it drops go with it, as with `expire`.
#[test]
fn retiring_the_previous_signed_prekey_leaves_a_loadable_store() {
    let mut rng = TestRng::new(17);
    let mut b = bob(&mut rng, 0, 1);
    let (_, _, m) = first(&mut rng, &bundle(&b, None, Some(0)), b"x");
    b.store.accept(&b.identity, &m, NOW).unwrap();
    assert_eq!(b.store.accepted_count(), 1);
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, NOW + 1)
        .unwrap();
    b.store.retire_previous_signed_prekey();
    let state = snapshot(&b.store);
    let back = PrekeyStore::from_bytes(&state);
    assert!(back.is_ok(), "{:?}", back.err());
    let sealed = b.store.seal(&[1; 32], &mut rng).unwrap();
    assert!(PrekeyStore::open(&[1; 32], &sealed).is_ok());
    // And the retired prekey's message is refused either way.
    assert!(b.store.accept(&b.identity, &m, NOW + 2).is_err());
}

// ------------------------------------------------------------ no panic

fn mutate(rng: &mut TestRng, input: &[u8]) -> Vec<u8> {
    let mut m = input.to_vec();
    let rounds = 1 + rng.next_u32() as usize % 3;
    for _ in 0..rounds {
        let len = m.len().max(1);
        let at = rng.next_u32() as usize % len;
        match rng.next_u32() % 7 {
            0 if !m.is_empty() => m[at] ^= 1 << (rng.next_u32() % 8),
            1 if !m.is_empty() => m[at] = rng.next_u32() as u8,
            2 => m.truncate(at),
            3 => m.insert(at.min(m.len()), rng.next_u32() as u8),
            4 if !m.is_empty() => {
                m.remove(at);
            }
            5 => {
                let n = rng.next_u32() as usize % 64;
                let fill = rng.next_u32() as u8;
                m.extend(std::iter::repeat_n(fill, n));
            }
            _ => {
                // Overwrite a PQ-section byte: the flags, kind, id or CT.
                let i = 102 + rng.next_u32() as usize % 16;
                if i < m.len() {
                    m[i] = rng.next_u32() as u8;
                }
            }
        }
    }
    m
}

/// Mutated PQXDH first messages: no panic anywhere, and none is accepted
/// or changes the prekey store.
#[test]
fn mutated_prekey_messages_never_panic_or_change_anything() {
    let mut rng = TestRng::new(18);
    let mut b = bob(&mut rng, 2, 2);
    let originals = [
        first(&mut rng, &bundle(&b, Some(0), Some(0)), b"one").2,
        first(&mut rng, &bundle(&b, None, None), b"two").2,
        first(
            &mut rng,
            &PrekeyBundle {
                one_time_prekey: Some(b.store.one_time_prekeys()[1]),
                ..b.x3dh_bundle(false)
            },
            b"three",
        )
        .2,
    ];
    let before = snapshot(&b.store);
    let mut trust = TrustStore::new(TrustPolicy::Warn);
    for i in 0..1500 {
        let original = &originals[i % originals.len()];
        let m = mutate(&mut rng, original);
        if &m == original {
            continue;
        }
        let _ = inspect_prekey_message(&m);
        let _ = sotto::message_kind(&m);
        assert!(b.store.accept(&b.identity, &m, NOW).is_err(), "case {i}");
        let mut rec = SessionRecord::new();
        assert!(
            rec.decrypt(&b.identity, &mut b.store, &mut trust, b"x", &m, NOW)
                .is_err(),
            "case {i}"
        );
        assert_eq!(snapshot(&b.store), before, "case {i}");
    }
    assert!(trust.is_empty());
    for m in &originals {
        b.store.accept(&b.identity, m, NOW).unwrap();
    }
}

/// Mutated bundles: no panic; a mutated bundle that still gives a session
/// has Bob's identity, signed prekey and PQ prekey unchanged (only the
/// unsigned one-time prekey can change), so it is never X3DH.
#[test]
fn mutated_bundles_never_panic_or_downgrade() {
    let mut rng = TestRng::new(19);
    let b = bob(&mut rng, 1, 1);
    let alice = IdentityKeyPair::generate(&mut rng);
    let good = bundle(&b, Some(0), Some(0));
    let wire = good.to_bytes();
    assert_eq!(wire.len(), MAX_BUNDLE_LEN);
    for i in 0..1500 {
        let m = mutate(&mut rng, &wire);
        let Ok(decoded) = PrekeyBundle::from_bytes(&m) else {
            continue;
        };
        if let Ok(s) = Session::initiate(&mut rng, &alice, &decoded) {
            assert!(s.is_post_quantum(), "case {i}");
            assert_eq!(decoded.identity, good.identity, "case {i}");
            assert_eq!(decoded.signed_prekey, good.signed_prekey, "case {i}");
            assert_eq!(decoded.pq_prekey, good.pq_prekey, "case {i}");
        }
    }
}

/// Mutated states: no panic.
#[test]
fn mutated_states_never_panic() {
    let mut rng = TestRng::new(20);
    let mut b = bob(&mut rng, 2, 2);
    b.store
        .rotate_signed_prekey(&mut rng, &b.identity, NOW + 1)
        .unwrap();
    let (_, mut a, m) = first(&mut rng, &bundle(&b, Some(0), Some(0)), b"s");
    let bs = b.store.accept(&b.identity, &m, NOW + 2).unwrap().session;
    let _ = a.encrypt(&mut rng, b"more").unwrap();
    let store_state = snapshot(&b.store);
    let sessions = [a.to_bytes().to_vec(), bs.to_bytes().to_vec()];
    let record = SessionRecord::from(a).to_bytes().to_vec();
    for _ in 0..1500 {
        let _ = PrekeyStore::from_bytes(&mutate(&mut rng, &store_state));
        for s in &sessions {
            let _ = Session::from_bytes(&mutate(&mut rng, s));
        }
        let _ = SessionRecord::from_bytes(&mutate(&mut rng, &record));
    }
}

/// The sizes of bundles and prekey messages follow the layouts of §3.4 and
/// §6.2: a post-quantum prekey adds 1645 bytes to a bundle, the PQ part
/// 1573 bytes to a prekey message.
#[test]
fn sizes_follow_the_layouts() {
    let mut rng = TestRng::new(21);
    let b = bob(&mut rng, 1, 1);
    assert_eq!(b.x3dh_bundle(false).to_bytes().len(), 175);
    assert_eq!(b.x3dh_bundle(true).to_bytes().len(), 211);
    assert_eq!(bundle(&b, None, None).to_bytes().len(), 1820);
    assert_eq!(bundle(&b, Some(0), Some(0)).to_bytes().len(), 1856);
    assert_eq!(MAX_BUNDLE_LEN, 1856);
    // 11 bytes pad to 32, plus the 16-byte tag: 48 bytes of ciphertext
    // after a 2 + 64 + 32 + 4 + 1 + 4 + 32 + 1 + 1 = 141-byte header.
    let text = b"hello world";
    let x3dh = first(&mut rng, &b.x3dh_bundle(true), text).2;
    let pq = first(&mut rng, &bundle(&b, Some(0), Some(0)), text).2;
    assert_eq!(x3dh.len(), 141 + 48);
    assert_eq!(pq.len() - x3dh.len(), 1573);
}

/// The first-message sizes §6.2 states for an 11-byte message are the ones
/// the code produces (the text once gave 1824 and 251).
#[test]
fn stated_first_message_sizes() {
    let mut rng = TestRng::new(22);
    let b = bob(&mut rng, 1, 1);
    let text = b"hello world";
    let x3dh = first(&mut rng, &b.x3dh_bundle(true), text).2.len();
    let pq = first(&mut rng, &bundle(&b, Some(0), Some(0)), text).2.len();
    let spec =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PROTOCOL.md")).unwrap();
    let spec = spec.split_whitespace().collect::<Vec<_>>().join(" ");
    let stated = format!(
        "a first message of 11 bytes is {pq} bytes with a one-time prekey ({x3dh} under X3DH)"
    );
    assert!(
        spec.contains(&stated),
        "PROTOCOL.md §6.2 should say: {stated}"
    );
}
