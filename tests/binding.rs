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
    LABEL_SESSION_AD, LABEL_X3DH, PrekeyBundle, crypto, inspect_prekey_message, message_kind,
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
    let mut header = vec![0x01, 0x02];
    header.extend_from_slice(claimed);
    header.extend_from_slice(&crypto::x25519_public(ek));
    header.extend_from_slice(&bundle.signed_prekey.id.to_be_bytes());
    header.push(0);
    header.extend_from_slice(&crypto::x25519_public(ratchet));
    header.extend_from_slice(&[0, 0]);
    let mut padded = text.to_vec();
    padded.push(0x80);
    padded.resize(padded.len().div_ceil(32) * 32, 0);
    let body = crypto::aes256gcm_seal(
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
    let group = Group::new(&mut rng, b"binding", &[*alice.public_key()]).unwrap();
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
