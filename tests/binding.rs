//! Binding: an identity's two halves belong together, and a distribution
//! belongs to the member whose pairwise session delivered it.
//!
//! Each test plays the attack through the public API: Mallory pairs Alice's
//! Ed25519 key with her own X25519 key (in a prekey message, a bundle, a
//! stored identity or a member list), or forwards Alice's sender-key or
//! location distribution as her own, before and after Alice's own copy
//! arrives.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{Device, NOW, TestRng, device};
use rand_core::Rng;
use sotto::{
    Error, Group, IdentityKey, IdentityKeyPair, LABEL_MESSAGE_KEYS, LABEL_RATCHET,
    LABEL_SESSION_AD, LABEL_X3DH, Location, LocationShare, LocationViewer, Precision, PrekeyBundle,
    crypto, inspect_prekey_message, message_kind,
};

// ------------------------------------------------------------ identities

/// The X25519 private key of an identity, from its plain state encoding
/// (`docs/PROTOCOL.md` §7: `0x01 ‖ 0x81 ‖ Ed25519 seed ‖ X25519 private`).
fn x25519_private(id: &IdentityKeyPair) -> [u8; 32] {
    id.to_bytes()[34..66].try_into().unwrap()
}

/// `signing`'s Ed25519 half with `dh`'s X25519 half.
fn spliced(signing: &IdentityKey, dh: &IdentityKey) -> [u8; 64] {
    let mut out = signing.to_bytes();
    out[32..].copy_from_slice(&dh.to_bytes()[32..]);
    out
}

/// A prekey message built from `docs/PROTOCOL.md` §4–§6 with the raw
/// primitives, so that its preamble can claim any identity: `claimed` goes
/// into the preamble and the associated data, `x25519_private` does the
/// initiator's half of X3DH. Bob's bundle carries no one-time prekey.
fn handmade_prekey_message(
    rng: &mut TestRng,
    claimed: &[u8; 64],
    x25519_private: &[u8; 32],
    bundle: &PrekeyBundle,
    text: &[u8],
) -> Vec<u8> {
    assert!(bundle.one_time_prekey.is_none());
    let spk = bundle.signed_prekey.public;
    let bob_x25519: [u8; 32] = bundle.identity.to_bytes()[32..].try_into().unwrap();
    let mut ek = [0u8; 32];
    rng.fill_bytes(&mut ek);
    let mut ratchet = [0u8; 32];
    rng.fill_bytes(&mut ratchet);

    // X3DH (§4).
    let dh1 = crypto::x25519(*x25519_private, spk).unwrap();
    let dh2 = crypto::x25519(ek, bob_x25519).unwrap();
    let dh3 = crypto::x25519(ek, spk).unwrap();
    let ikm = [&[0xFF; 32][..], &dh1, &dh2, &dh3].concat();
    let mut sk = [0u8; 32];
    crypto::hkdf_sha256(&[0u8; 32], &ikm, LABEL_X3DH, &mut sk).unwrap();
    let ad = sha256(&[LABEL_SESSION_AD, claimed, &bundle.identity.to_bytes()].concat());

    // The initiator's first sending chain and its message key (§5).
    let dh = crypto::x25519(ratchet, spk).unwrap();
    let mut rk_ck = [0u8; 64];
    crypto::hkdf_sha256(&sk, &dh, LABEL_RATCHET, &mut rk_ck).unwrap();
    let seed = crypto::hmac_sha256(&rk_ck[32..], &[0x01]);
    let mut okm = [0u8; 44];
    crypto::hkdf_sha256(&[0u8; 32], &seed, LABEL_MESSAGE_KEYS, &mut okm).unwrap();

    // The prekey message (§6.2), its body padded (§6.3).
    let mut header = vec![sotto::WIRE_VERSION, 0x02];
    header.extend_from_slice(claimed);
    header.extend_from_slice(&crypto::x25519_public(ek));
    header.extend_from_slice(&bundle.signed_prekey.id.to_be_bytes());
    header.push(0);
    header.extend_from_slice(&crypto::x25519_public(ratchet));
    header.extend_from_slice(&[0, 0]);
    let mut padded = text.to_vec();
    padded.push(0x80);
    padded.resize(padded.len().div_ceil(32) * 32, 0);
    let body = crypto::aes256gcmsiv_seal(
        okm[..32].try_into().unwrap(),
        okm[32..].try_into().unwrap(),
        &[&ad[..], &header].concat(),
        &padded,
    )
    .unwrap();
    [header, body].concat()
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// The cast of every identity test: Alice, Bob (with a prekey store) and
/// Mallory.
fn cast(rng: &mut TestRng) -> (IdentityKeyPair, Device, IdentityKeyPair) {
    let alice = IdentityKeyPair::generate(rng);
    let bob = device(rng, 0);
    let mallory = IdentityKeyPair::generate(rng);
    (alice, bob, mallory)
}

#[test]
fn a_prekey_message_pairing_alices_signing_key_with_mallorys_x25519_key_is_refused() {
    let mut rng = TestRng::new(0xB1_0001);
    let (alice, mut bob, mallory) = cast(&mut rng);
    let bundle = bob.bundle(false);
    let mallory_x = x25519_private(&mallory);

    // The construction is sound: with Mallory's own identity it is accepted.
    let own = mallory.public_key().to_bytes();
    let m = handmade_prekey_message(&mut rng, &own, &mallory_x, &bundle, b"hello");
    let accepted = bob.store.accept(&bob.identity, &m, NOW).unwrap();
    assert_eq!(accepted.plaintext, b"hello");
    assert_eq!(accepted.session.remote_identity(), mallory.public_key());

    // Claiming Alice's signing key with Mallory's X25519 key is refused
    // before any key agreement, by every function that reads the preamble.
    let claimed = spliced(alice.public_key(), mallory.public_key());
    let m = handmade_prekey_message(&mut rng, &claimed, &mallory_x, &bundle, b"it's Alice");
    let before = bob.store.to_bytes().to_vec();
    assert_eq!(
        bob.store.accept(&bob.identity, &m, NOW).err(),
        Some(Error::InvalidKey)
    );
    assert_eq!(bob.store.to_bytes().to_vec(), before);
    assert_eq!(inspect_prekey_message(&m).err(), Some(Error::InvalidKey));
    assert_eq!(message_kind(&m).err(), Some(Error::InvalidKey));
}

#[test]
fn an_identity_whose_halves_were_not_generated_together_is_refused_everywhere() {
    let mut rng = TestRng::new(0xB1_0002);
    let (alice, bob, mallory) = cast(&mut rng);

    // The decoder itself, with either half swapped, or a random X25519 half.
    for bytes in [
        spliced(alice.public_key(), mallory.public_key()),
        spliced(mallory.public_key(), alice.public_key()),
        {
            let mut b = alice.public_key().to_bytes();
            rng.fill_bytes(&mut b[32..]);
            b
        },
    ] {
        assert_eq!(IdentityKey::from_bytes(&bytes), Err(Error::InvalidKey));
    }

    // A bundle: Bob's signed prekey with Mallory's X25519 half.
    let mut bundle = bob.bundle(false).to_bytes();
    bundle[2 + 32..2 + 64].copy_from_slice(&mallory.public_key().to_bytes()[32..]);
    assert_eq!(PrekeyBundle::from_bytes(&bundle), Err(Error::InvalidKey));

    // A member list or a distribution's sender cannot even be named: the
    // only way to an `IdentityKey` is the decoder. A stored group naming
    // such a member does not load.
    let group = Group::new(&mut rng, &bob.identity, b"binding", &[*alice.public_key()]).unwrap();
    let mut state = group.to_bytes().to_vec();
    let at = find(&state, &alice.public_key().to_bytes());
    state[at + 32..at + 64].copy_from_slice(&mallory.public_key().to_bytes()[32..]);
    assert_eq!(Group::from_bytes(&state).err(), Some(Error::InvalidKey));

    // A stored identity whose X25519 private key is not the one its
    // Ed25519 seed derives (every identity stored before the halves were
    // bound) is refused on load.
    let mut state = alice.to_bytes().to_vec();
    state[34..66].copy_from_slice(&x25519_private(&mallory));
    assert_eq!(
        IdentityKeyPair::from_bytes(&state).err(),
        Some(Error::Malformed)
    );
    // The genuine state still loads.
    let genuine = IdentityKeyPair::from_bytes(&alice.to_bytes()).unwrap();
    assert_eq!(genuine.public_key(), alice.public_key());
}

fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap()
}

// ------------------------------------------------------------ groups

struct Trio {
    alice: IdentityKeyPair,
    bob: IdentityKeyPair,
    mallory: IdentityKeyPair,
}

impl Trio {
    fn new(rng: &mut TestRng) -> Self {
        Trio {
            alice: IdentityKeyPair::generate(rng),
            bob: IdentityKeyPair::generate(rng),
            mallory: IdentityKeyPair::generate(rng),
        }
    }
    fn ids(&self) -> (IdentityKey, IdentityKey, IdentityKey) {
        (
            *self.alice.public_key(),
            *self.bob.public_key(),
            *self.mallory.public_key(),
        )
    }
}

#[test]
fn alices_sender_key_distribution_forwarded_by_mallory_is_refused_in_either_order() {
    let mut rng = TestRng::new(0xB1_0003);
    let t = Trio::new(&mut rng);
    let (alice_id, bob_id, mallory_id) = t.ids();
    let mut alice = Group::new(&mut rng, &t.alice, b"binding", &[bob_id, mallory_id]).unwrap();
    let d = alice.distribution();

    // Mallory's copy first, then Alice's own.
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id, mallory_id]).unwrap();
    let before = bob.to_bytes().to_vec();
    assert_eq!(
        bob.process_distribution(&mallory_id, &d),
        Err(Error::InvalidSignature)
    );
    assert_eq!(bob.to_bytes().to_vec(), before, "a refusal changes nothing");
    assert_eq!(bob.sender_key_count(&mallory_id), 0);
    bob.process_distribution(&alice_id, &d).unwrap();
    let m = alice.encrypt(b"from Alice").unwrap();
    assert_eq!(
        bob.decrypt(&mallory_id, &m).err(),
        Some(Error::UnknownSenderKey)
    );
    assert_eq!(bob.decrypt(&alice_id, &m).unwrap(), b"from Alice");

    // Alice's own first, then Mallory's copy.
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id, mallory_id]).unwrap();
    bob.process_distribution(&alice_id, &d).unwrap();
    let before = bob.to_bytes().to_vec();
    assert_eq!(
        bob.process_distribution(&mallory_id, &d),
        Err(Error::InvalidSignature)
    );
    assert_eq!(bob.to_bytes().to_vec(), before);
    let m = alice.encrypt(b"still Alice").unwrap();
    assert_eq!(
        bob.decrypt(&mallory_id, &m).err(),
        Some(Error::UnknownSenderKey)
    );
    assert_eq!(bob.decrypt(&alice_id, &m).unwrap(), b"still Alice");
}

/// `g`'s own sender key (chain and signing key) under another owner, by
/// editing its plain state (`docs/PROTOCOL.md` §7: the owner's identity
/// follows the group id): what a member holding another's sender key in full
/// could distribute as their own.
fn reowned(g: &Group, owner: &IdentityKey) -> Group {
    let mut bytes = g.to_bytes().to_vec();
    let at = 3 + g.id().len();
    bytes[at..at + 64].copy_from_slice(&owner.to_bytes());
    let out = Group::from_bytes(&bytes).unwrap();
    assert_eq!(out.owner(), owner);
    out
}

#[test]
fn a_signing_key_registered_to_another_member_is_refused_in_either_order() {
    let mut rng = TestRng::new(0xB1_0005);
    let t = Trio::new(&mut rng);
    let (alice_id, bob_id, mallory_id) = t.ids();
    let mut alice = Group::new(&mut rng, &t.alice, b"binding", &[bob_id, mallory_id]).unwrap();
    // Mallory holds Alice's whole sender key (Alice leaked it, or colludes)
    // and binds it to herself: a distribution bound to the member who
    // delivers it, but with a signing key that is Alice's.
    let as_mallory = reowned(&alice, &mallory_id).distribution();
    let as_alice = alice.distribution();

    // Alice's first: Mallory's is refused, and Alice's messages stay hers.
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id, mallory_id]).unwrap();
    bob.process_distribution(&alice_id, &as_alice).unwrap();
    let before = bob.to_bytes().to_vec();
    assert_eq!(
        bob.process_distribution(&mallory_id, &as_mallory),
        Err(Error::InvalidKey)
    );
    assert_eq!(bob.to_bytes().to_vec(), before);
    let m = alice.encrypt(b"from Alice").unwrap();
    assert_eq!(
        bob.decrypt(&mallory_id, &m).err(),
        Some(Error::UnknownSenderKey)
    );
    assert_eq!(bob.decrypt(&alice_id, &m).unwrap(), b"from Alice");

    // Mallory's first: it is hers as far as Bob can tell, and Alice's own,
    // arriving second, is refused, so no key serves two members.
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id, mallory_id]).unwrap();
    bob.process_distribution(&mallory_id, &as_mallory).unwrap();
    let before = bob.to_bytes().to_vec();
    assert_eq!(
        bob.process_distribution(&alice_id, &as_alice),
        Err(Error::InvalidKey)
    );
    assert_eq!(bob.to_bytes().to_vec(), before);
    assert_eq!(bob.sender_key_count(&alice_id), 0);

    // Bob's own signing key, bound to Alice, is refused too.
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id, mallory_id]).unwrap();
    let own = reowned(&bob, &alice_id).distribution();
    assert_eq!(
        bob.process_distribution(&alice_id, &own),
        Err(Error::InvalidKey)
    );
}

// ------------------------------------------------------------ location

const CTX: &[u8] = b"binding";
const END: u64 = NOW + 3600;

fn fix() -> Location {
    Location {
        latitude_e7: 515_007_286,
        longitude_e7: -1_246_361,
        accuracy_cm: 450,
        altitude_cm: None,
        heading_centideg: None,
        speed_cm_s: None,
        timestamp_ms: NOW * 1000,
        sequence: 1,
        precision: Precision::Exact,
    }
}

#[test]
fn alices_location_distribution_forwarded_by_mallory_is_refused_in_either_order() {
    let mut rng = TestRng::new(0xB1_0004);
    let t = Trio::new(&mut rng);
    let (alice_id, bob_id, mallory_id) = t.ids();
    let mut alice = LocationShare::new(
        &mut rng,
        &t.alice,
        CTX,
        &[bob_id, mallory_id],
        END,
        Precision::Exact,
    )
    .unwrap();
    let mallory =
        LocationShare::new(&mut rng, &t.mallory, CTX, &[bob_id], END, Precision::Exact).unwrap();
    let d = alice.distribution();
    // Bob already views Mallory's own share.
    let mut of_mallory = LocationViewer::new(CTX, &mallory_id, &mallory.distribution()).unwrap();
    let mallory_state = of_mallory.to_bytes().to_vec();

    // Before Alice's own copy arrives: as a new share, or as a rotation of
    // Mallory's.
    assert_eq!(
        LocationViewer::new(CTX, &mallory_id, &d).err(),
        Some(Error::InvalidSignature)
    );
    assert_eq!(
        of_mallory.process_distribution(&d),
        Err(Error::InvalidSignature)
    );
    assert_eq!(of_mallory.to_bytes().to_vec(), mallory_state);

    // Alice's own copy, then Mallory's again.
    let mut of_alice = LocationViewer::new(CTX, &alice_id, &d).unwrap();
    assert_eq!(
        LocationViewer::new(CTX, &mallory_id, &d).err(),
        Some(Error::InvalidSignature)
    );
    assert_eq!(
        of_mallory.process_distribution(&d),
        Err(Error::InvalidSignature)
    );
    assert_eq!(of_mallory.to_bytes().to_vec(), mallory_state);

    // Alice's updates decrypt as Alice's, and not as Mallory's.
    let u = alice.encrypt(&fix(), NOW).unwrap();
    assert_eq!(
        of_mallory.decrypt(&u, NOW).err(),
        Some(Error::UnknownSenderKey)
    );
    assert_eq!(of_alice.decrypt(&u, NOW).unwrap(), fix());
}

/// The binding covers every byte of a distribution: any bit flipped, and any
/// truncation, is refused and changes nothing.
#[test]
fn every_bit_of_a_distribution_is_bound() {
    let mut rng = TestRng::new(0xB1_0006);
    let t = Trio::new(&mut rng);
    let (alice_id, bob_id, _) = t.ids();
    let alice = Group::new(&mut rng, &t.alice, b"binding", &[bob_id]).unwrap();
    let mut bob = Group::new(&mut rng, &t.bob, b"binding", &[alice_id]).unwrap();
    let d = alice.distribution().to_vec();
    let before = bob.to_bytes().to_vec();
    for at in 0..d.len() {
        for bit in 0..8 {
            let mut bad = d.clone();
            bad[at] ^= 1 << bit;
            assert!(
                bob.process_distribution(&alice_id, &bad).is_err(),
                "byte {at}"
            );
        }
    }
    for len in 0..d.len() {
        assert!(bob.process_distribution(&alice_id, &d[..len]).is_err());
    }
    assert_eq!(bob.to_bytes().to_vec(), before);
    bob.process_distribution(&alice_id, &d).unwrap();

    let share =
        LocationShare::new(&mut rng, &t.alice, CTX, &[bob_id], END, Precision::Exact).unwrap();
    let d = share.distribution().to_vec();
    for at in 0..d.len() {
        for bit in 0..8 {
            let mut bad = d.clone();
            bad[at] ^= 1 << bit;
            assert!(
                LocationViewer::new(CTX, &alice_id, &bad).is_err(),
                "byte {at}"
            );
        }
    }
    for len in 0..d.len() {
        assert!(LocationViewer::new(CTX, &alice_id, &d[..len]).is_err());
    }
    LocationViewer::new(CTX, &alice_id, &d).unwrap();
}

/// A distribution is its fields plus the 64-byte binding: 140 to 203 bytes
/// for a sender key, 372 to 435 for a live location (`docs/PROTOCOL.md`
/// §10.1, §12.3).
#[test]
fn distribution_sizes_are_bounded() {
    let mut rng = TestRng::new(0xB1_0007);
    let t = Trio::new(&mut rng);
    for (len, group, location) in [(1, 140, 372), (64, 203, 435)] {
        let id = vec![b'x'; len];
        let g = Group::new(&mut rng, &t.alice, &id, &[]).unwrap();
        assert_eq!(g.distribution().len(), group);
        let s = LocationShare::new(&mut rng, &t.alice, &id, &[], END, Precision::Exact).unwrap();
        assert_eq!(s.distribution().len(), location);
    }
}
