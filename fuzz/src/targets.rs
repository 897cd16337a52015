//! Fuzz targets over the core crate. Each function takes the fuzzer's bytes
//! and checks the SDK's promises on them: no panic, and a failing call
//! leaves the object byte-for-byte unchanged; the interaction targets also
//! check that what decrypts is what was sent, exactly once.
//!
//! The fixtures are built once from a fixed seed and restored from their
//! state encoding for every input, so every run starts from the same state.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::convert::Infallible;
use std::sync::OnceLock;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};
use sotto::{
    Content, DisappearingTimer, Envelope, Group, IdentityKey, IdentityKeyPair, Location,
    LocationShare, LocationViewer, Precision, PrekeyBundle, PrekeyStore, SecurityCode, Session,
    SessionRecord, TrustStore,
};

/// The clock of every fixture.
pub const NOW: u64 = 1_800_000_000;
/// The host key of every sealed fixture.
pub const KEY: [u8; 32] = [7u8; 32];

/// A deterministic generator (SHA-256 in counter mode), for fixtures only.
pub struct FixedRng {
    seed: u64,
    counter: u64,
}

impl FixedRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        FixedRng { seed, counter: 0 }
    }
}

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(32) {
            let mut h = Sha256::new();
            h.update(b"sotto fuzz rng");
            h.update(self.seed.to_be_bytes());
            h.update(self.counter.to_be_bytes());
            self.counter += 1;
            let block: [u8; 32] = h.finalize().into();
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
        Ok(())
    }
}

impl TryCryptoRng for FixedRng {}

/// Serialized fixtures, built once.
struct Fixtures {
    alice: IdentityKey,
    bob_identity: Vec<u8>,
    bob_store: Vec<u8>,
    bob_session: Vec<u8>,
    alice_session: Vec<u8>,
    group: Vec<u8>,
    viewer: Vec<u8>,
    code: SecurityCode,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let mut rng = FixedRng::new(1);
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let mut store = PrekeyStore::new(&mut rng, &bob, NOW);
        let opk = store.generate_one_time_prekeys(&mut rng, 2).unwrap()[0];
        let bob_store = store.to_bytes().to_vec();
        let bundle = PrekeyBundle {
            identity: *bob.public_key(),
            signed_prekey: store.signed_prekey(),
            one_time_prekey: Some(opk),
            pq_prekey: store.pq_prekey(),
        };
        let mut a = Session::initiate(&mut rng, &alice, &bundle).unwrap();
        let first = a.encrypt(&mut rng, b"first").unwrap();
        let mut b = store.accept(&bob, &first, NOW).unwrap().session;
        let reply = b.encrypt(&mut rng, b"reply").unwrap();
        a.decrypt(&reply).unwrap();

        let a_id = *alice.public_key();
        let b_id = *bob.public_key();
        let mut sender = Group::new(&mut rng, &alice, b"fuzz group", &[b_id]).unwrap();
        let mut group = Group::new(&mut rng, &bob, b"fuzz group", &[a_id]).unwrap();
        group
            .process_distribution(&a_id, &sender.distribution())
            .unwrap();
        let m = sender.encrypt(b"one").unwrap();
        let _skipped = sender.encrypt(b"two").unwrap();
        let m3 = sender.encrypt(b"three").unwrap();
        group.decrypt(&a_id, &m).unwrap();
        group.decrypt(&a_id, &m3).unwrap();

        let share = LocationShare::new(
            &mut rng,
            &alice,
            b"fuzz",
            &[b_id],
            NOW + 60,
            Precision::Exact,
        )
        .unwrap();
        let viewer = LocationViewer::new(b"fuzz", &a_id, &share.distribution()).unwrap();

        Fixtures {
            alice: a_id,
            bob_identity: bob.to_bytes().to_vec(),
            bob_store,
            bob_session: b.to_bytes().to_vec(),
            alice_session: a.to_bytes().to_vec(),
            group: group.to_bytes().to_vec(),
            viewer: viewer.to_bytes().to_vec(),
            code: SecurityCode::new(&a_id, b"alice", &b_id, b"bob").unwrap(),
        }
    })
}

/// Bob's session state after one round trip, for the C ABI target.
pub fn session_fixture_bytes() -> &'static [u8] {
    &fixtures().bob_session
}

/// Every public decoder of wire messages, payloads and bundles.
pub fn decoders(data: &[u8]) {
    let _ = sotto::message_kind(data);
    let _ = sotto::inspect_prekey_message(data);
    let _ = sotto::inspect_group_message(data);
    let _ = sotto::location::inspect_location_update(data);
    if let Ok(b) = PrekeyBundle::from_bytes(data) {
        let _ = b.verify();
        // What decodes re-encodes to the same bytes.
        assert_eq!(b.to_bytes(), data);
    }
    if let Ok(l) = Location::decode(data) {
        assert_eq!(l.encode().unwrap().as_slice(), data);
    }
    let _ = IdentityKey::from_bytes(data);
    let _ = fixtures().code.compare_scanned(data);
    // Device records and lists: what decodes re-encodes to the same bytes.
    if let Ok(r) = sotto::devices::DeviceRecord::from_bytes(data) {
        let _ = r.verify();
        assert_eq!(r.to_bytes(), data);
    }
    if let Ok(r) = sotto::devices::AccountSignedRecord::from_bytes(data) {
        let _ = r.verify();
        assert_eq!(r.to_bytes(), data);
    }
    if let Ok(l) = sotto::devices::DeviceList::from_bytes(data) {
        let _ = l.verify();
        assert_eq!(l.to_bytes().unwrap(), data);
        let _ = sotto::devices::verify_devices(&l.account, data, &[data], 0, Some(1));
    }
    // Linking: a QR code read by the primary, an answer read by a companion.
    let bob = IdentityKeyPair::from_bytes(&fixtures().bob_identity).unwrap();
    let _ = sotto::devices::answer_link(&bob, data, 1, 0, sotto::devices::DeviceKind::Companion);
    let mut rng = FixedRng::new(2);
    let (mut request, _) = sotto::devices::LinkingRequest::new(&mut rng, &bob);
    let _ = request.accept(&bob, data, None);
}

/// The content envelope: what decodes re-encodes to the same bytes, its
/// expiry computes without overflow, and a body taken as any content type
/// either decodes or is refused, never panics.
pub fn envelope(data: &[u8]) {
    if let Ok(e) = Envelope::decode(data) {
        assert_eq!(e.encode().unwrap().as_slice(), data);
        let _ = e.expires_at_ms().unwrap();
        let _ = e.is_expired(u64::MAX).unwrap();
        let body = e.content.body().unwrap();
        assert_eq!(
            Content::from_body(e.content.content_type(), &body).unwrap(),
            e.content
        );
    }
    if let Some((t, body)) = data.split_first_chunk::<2>()
        && let Ok(c) = Content::from_body(u16::from_be_bytes(*t), body)
    {
        assert_eq!(c.body().unwrap().as_slice(), body);
    }
    let mut timer = DisappearingTimer::OFF;
    if let Some((t, rest)) = data.split_first_chunk::<12>() {
        let d = u32::from_be_bytes([t[0], t[1], t[2], t[3]]);
        let at = u64::from_be_bytes([t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]]);
        if let Ok(incoming) = DisappearingTimer::new(d, at) {
            let now = rest
                .first_chunk::<8>()
                .map_or(0, |n| u64::from_be_bytes(*n));
            if timer.merge(&incoming, now) {
                assert_eq!(timer, incoming);
            }
            let _ = incoming.expiry(now);
        }
    }
}

/// Session decrypt from a fixed state, and prekey acceptance.
pub fn session_decrypt(data: &[u8]) {
    let f = fixtures();
    let mut s = Session::from_bytes(&f.bob_session).unwrap();
    if s.decrypt(data).is_err() {
        assert_eq!(s.to_bytes().as_slice(), f.bob_session.as_slice());
    }
    let bob = IdentityKeyPair::from_bytes(&f.bob_identity).unwrap();
    let mut store = PrekeyStore::from_bytes(&f.bob_store).unwrap();
    if store.accept(&bob, data, NOW).is_err() {
        assert_eq!(store.to_bytes().as_slice(), f.bob_store.as_slice());
    }
}

/// Group decrypt and distribution processing from a fixed state.
pub fn group_decrypt(data: &[u8]) {
    let f = fixtures();
    let mut g = Group::from_bytes(&f.group).unwrap();
    if g.decrypt(&f.alice, data).is_err() {
        assert_eq!(g.to_bytes().as_slice(), f.group.as_slice());
    }
    let mut g = Group::from_bytes(&f.group).unwrap();
    if g.process_distribution(&f.alice, data).is_err() {
        assert_eq!(g.to_bytes().as_slice(), f.group.as_slice());
    }
}

/// Live-location decrypt and distribution processing from a fixed state.
pub fn location_decrypt(data: &[u8]) {
    let f = fixtures();
    let mut v = LocationViewer::from_bytes(&f.viewer).unwrap();
    if v.decrypt(data, NOW).is_err() {
        assert_eq!(v.to_bytes().as_slice(), f.viewer.as_slice());
    }
    let mut v = LocationViewer::from_bytes(&f.viewer).unwrap();
    if v.process_distribution(data).is_err() {
        assert_eq!(v.to_bytes().as_slice(), f.viewer.as_slice());
    }
    let _ = LocationViewer::new(b"fuzz", &f.alice, data);
}

/// Every state decoder, plain and sealed; what decodes re-encodes to the
/// same bytes.
pub fn state_import(data: &[u8]) {
    // A current-version state re-encodes to the same bytes; an older one
    // (still read) re-encodes in the current version, which then does.
    let current = data.first() == Some(&sotto::STATE_VERSION);
    macro_rules! round_trip {
        ($t:ty) => {
            if let Ok(x) = <$t>::from_bytes(data) {
                let again = x.to_bytes();
                if current {
                    assert_eq!(again.as_slice(), data, stringify!($t));
                } else {
                    let y = <$t>::from_bytes(&again).unwrap();
                    assert_eq!(y.to_bytes().as_slice(), again.as_slice(), stringify!($t));
                }
            }
            let _ = <$t>::open(&KEY, data);
        };
    }
    round_trip!(IdentityKeyPair);
    round_trip!(PrekeyStore);
    round_trip!(Session);
    round_trip!(Group);
    round_trip!(TrustStore);
    round_trip!(LocationShare);
    round_trip!(LocationViewer);
    round_trip!(SessionRecord);
    // One member's sender keys, set into a group that has the member.
    let mut group = Group::from_bytes(&fixtures().group).unwrap();
    if let Ok(member) = group.set_member_state(data) {
        let back = group.member_state(&member).unwrap();
        if current {
            assert_eq!(back.as_slice(), data, "group member state");
        } else {
            group.set_member_state(&back).unwrap();
            assert_eq!(
                group.member_state(&member).unwrap().as_slice(),
                back.as_slice()
            );
        }
    }
}

/// Reads the fuzzer's bytes as a sequence of small numbers.
struct Script<'a> {
    data: &'a [u8],
}

impl Script<'_> {
    fn next(&mut self) -> Option<u8> {
        let (first, rest) = self.data.split_first()?;
        self.data = rest;
        Some(*first)
    }
}

struct Sent {
    to_bob: bool,
    wire: Vec<u8>,
    plaintext: Vec<u8>,
    delivered: bool,
}

/// Two real sessions driven by the input: send either way, deliver any
/// message, drop, tamper, replay. A decrypt that succeeds must return what
/// was sent, at most once per message; a tampered message never decrypts; a
/// failure changes nothing.
pub fn two_party(data: &[u8]) {
    let f = fixtures();
    let mut a = Session::from_bytes(&f.alice_session).unwrap();
    let mut b = Session::from_bytes(&f.bob_session).unwrap();
    let mut rng = FixedRng::new(2);
    let mut sent: Vec<Sent> = Vec::new();
    let mut script = Script { data };
    while let Some(op) = script.next() {
        if sent.len() > 400 {
            break;
        }
        let pick = usize::from(script.next().unwrap_or(0));
        match op % 5 {
            0 | 1 => {
                let to_bob = op % 5 == 0;
                let plaintext = vec![op; pick % 40];
                let s = if to_bob { &mut a } else { &mut b };
                let wire = s.encrypt(&mut rng, &plaintext).unwrap();
                sent.push(Sent {
                    to_bob,
                    wire,
                    plaintext,
                    delivered: false,
                });
            }
            2 | 3 => {
                if sent.is_empty() {
                    continue;
                }
                let i = pick % sent.len();
                let tamper = op % 5 == 3;
                let mut wire = sent[i].wire.clone();
                if tamper {
                    let at = usize::from(script.next().unwrap_or(0)) % wire.len();
                    wire[at] ^= 1 << (script.next().unwrap_or(0) % 8);
                }
                let r = if sent[i].to_bob { &mut b } else { &mut a };
                let before = r.to_bytes();
                match r.decrypt(&wire) {
                    Ok(pt) => {
                        assert!(!tamper, "a tampered message decrypted");
                        assert!(!sent[i].delivered, "a message decrypted twice");
                        assert_eq!(pt, sent[i].plaintext);
                        sent[i].delivered = true;
                    }
                    Err(_) => assert_eq!(r.to_bytes(), before),
                }
            }
            _ => {
                // Save and restore the receiving side mid-conversation.
                let restored = Session::open(&KEY, &b.seal(&KEY, &mut rng).unwrap()).unwrap();
                assert_eq!(restored.to_bytes(), b.to_bytes());
                b = restored;
            }
        }
    }
}

/// Three members of a real group driven by the input: send from anyone,
/// deliver any message to anyone, tamper, replay, remove a member. The same
/// properties as `two_party`, and a removed member's messages never decrypt
/// at the others.
pub fn group_party(data: &[u8]) {
    let mut rng = FixedRng::new(3);
    let pairs: Vec<IdentityKeyPair> = (0..3)
        .map(|_| IdentityKeyPair::generate(&mut rng))
        .collect();
    let ids: Vec<IdentityKey> = pairs.iter().map(|p| *p.public_key()).collect();
    let mut groups: Vec<Group> = (0..3)
        .map(|i| {
            let others: Vec<IdentityKey> = (0..3).filter(|j| *j != i).map(|j| ids[j]).collect();
            Group::new(&mut rng, &pairs[i], b"fuzz", &others).unwrap()
        })
        .collect();
    for i in 0..3 {
        let d = groups[i].distribution();
        for j in (0..3).filter(|j| *j != i) {
            groups[j].process_distribution(&ids[i], &d).unwrap();
        }
    }
    let mut removed = [false; 3];
    // (sender, wire, plaintext, delivered to each member)
    type GroupSent = (usize, Vec<u8>, Vec<u8>, [bool; 3]);
    let mut sent: Vec<GroupSent> = Vec::new();
    let mut script = Script { data };
    while let Some(op) = script.next() {
        if sent.len() > 300 {
            break;
        }
        let x = usize::from(script.next().unwrap_or(0));
        match op % 4 {
            0 => {
                let s = x % 3;
                let pt = vec![op; x % 30];
                let wire = groups[s].encrypt(&pt).unwrap();
                sent.push((s, wire, pt, [false; 3]));
            }
            1 | 2 => {
                if sent.is_empty() {
                    continue;
                }
                let i = x % sent.len();
                let r = usize::from(script.next().unwrap_or(0)) % 3;
                let (s, ref wire, ref pt, delivered) = sent[i];
                if r == s {
                    continue;
                }
                let tamper = op % 4 == 2;
                let mut wire = wire.clone();
                if tamper {
                    let at = usize::from(script.next().unwrap_or(0)) % wire.len();
                    wire[at] ^= 1 << (script.next().unwrap_or(0) % 8);
                }
                let pt = pt.clone();
                let before = groups[r].to_bytes();
                match groups[r].decrypt(&ids[s], &wire) {
                    Ok(got) => {
                        assert!(!tamper, "a tampered group message decrypted");
                        assert!(!delivered[r], "a group message decrypted twice");
                        assert!(
                            removed[r] || !removed[s],
                            "a removed member's message decrypted"
                        );
                        assert_eq!(got, pt);
                        sent[i].3[r] = true;
                    }
                    Err(_) => assert_eq!(groups[r].to_bytes(), before),
                }
            }
            _ => {
                let gone = x % 3;
                if removed[gone] || removed.iter().filter(|r| **r).count() == 1 {
                    continue;
                }
                removed[gone] = true;
                let stayers: Vec<usize> = (0..3).filter(|i| !removed[*i]).collect();
                for &i in &stayers {
                    let d = groups[i].remove_member(&mut rng, &ids[gone]).unwrap();
                    for &j in stayers.iter().filter(|j| **j != i) {
                        groups[j].process_distribution(&ids[i], &d).unwrap();
                    }
                }
            }
        }
    }
}
