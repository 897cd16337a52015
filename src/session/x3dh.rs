//! Session setup: X3DH with our own label.
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//! SK  = HKDF-SHA256(salt = 0x00 × 32, IKM = 0xFF × 32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4],
//!                   info = "sotto v1 x3dh", L = 32)
//! AD  = SHA-256("sotto v1 session ad" ‖ Encode(IK_A) ‖ Encode(IK_B))
//! ```
//!
//! `IK` here is the X25519 half of each identity; `Encode(IK)` is the full
//! 64-byte identity (both halves). Every DH output must be contributory. The
//! associated data is hashed once at setup so that every message carries a
//! fixed 32 bytes of it (a collision-resistant hash binds exactly what the
//! concatenation would). Source: Signal's X3DH specification, sections 3.3–3.4.

use rand_core::CryptoRng;

use crate::crypto::{self, DhKeyPair};
use crate::error::Result;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::secret::Secret32;

/// The keys of a verified bundle that X3DH needs.
pub(super) struct PrekeyBundleParts<'a> {
    pub(super) identity: &'a IdentityKey,
    pub(super) spk: &'a [u8; 32],
    pub(super) opk: Option<&'a [u8; 32]>,
}

/// HKDF info of the X3DH shared secret.
pub const LABEL_X3DH: &[u8] = b"sotto v1 x3dh";
/// Hash prefix of the session associated data.
pub const LABEL_SESSION_AD: &[u8] = b"sotto v1 session ad";

/// `AD = SHA-256(label ‖ IK_initiator ‖ IK_responder)`.
pub(super) fn session_ad(initiator: &IdentityKey, responder: &IdentityKey) -> [u8; 32] {
    crypto::sha256(&[
        LABEL_SESSION_AD,
        &initiator.to_bytes(),
        &responder.to_bytes(),
    ])
}

fn kdf(dhs: &[&Secret32]) -> Result<Secret32> {
    let mut ikm: [&[u8]; 5] = [&[0xFF; 32], &[], &[], &[], &[]];
    for (slot, dh) in ikm.iter_mut().skip(1).zip(dhs.iter()) {
        *slot = dh.expose();
    }
    let mut sk = [0u8; 32];
    crypto::hkdf(&[0u8; 32], &ikm, LABEL_X3DH, &mut sk)?;
    let out = Secret32::new(sk);
    zeroize::Zeroize::zeroize(&mut sk);
    Ok(out)
}

/// The initiator's side: the shared secret and the ephemeral (base) key.
pub(super) fn initiate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    identity: &IdentityKeyPair,
    bundle: &PrekeyBundleParts<'_>,
) -> Result<(Secret32, [u8; 32])> {
    let ek = DhKeyPair::generate(rng);
    let dh1 = identity.dh().agree(bundle.spk)?;
    let dh2 = ek.agree(bundle.identity.dh_key())?;
    let dh3 = ek.agree(bundle.spk)?;
    let sk = match bundle.opk {
        Some(opk) => {
            let dh4 = ek.agree(opk)?;
            kdf(&[&dh1, &dh2, &dh3, &dh4])?
        }
        None => kdf(&[&dh1, &dh2, &dh3])?,
    };
    Ok((sk, *ek.public()))
}

/// The responder's side, from its private prekeys and the initiator's keys.
pub(super) fn respond(
    identity: &IdentityKeyPair,
    spk: &DhKeyPair,
    opk: Option<&DhKeyPair>,
    initiator: &IdentityKey,
    base_key: &[u8; 32],
) -> Result<Secret32> {
    let dh1 = spk.agree(initiator.dh_key())?;
    let dh2 = identity.dh().agree(base_key)?;
    let dh3 = spk.agree(base_key)?;
    match opk {
        Some(opk) => {
            let dh4 = opk.agree(base_key)?;
            kdf(&[&dh1, &dh2, &dh3, &dh4])
        }
        None => kdf(&[&dh1, &dh2, &dh3]),
    }
}
