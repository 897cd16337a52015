//! Session setup: X3DH, or PQXDH when the bundle offers a post-quantum
//! prekey, with our own labels.
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//! X3DH:   SK = HKDF-SHA256(salt = 0x00 × 32, IKM = 0xFF × 32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4],
//!                          info = "sotto v1 x3dh", L = 32)
//!         AD = SHA-256("sotto v1 session ad" ‖ Encode(IK_A) ‖ Encode(IK_B))
//! PQXDH:  (CT, SS) = ML-KEM-1024.Encaps(PQPK_B)
//!         SK = HKDF-SHA256(salt = 0x00 × 32, IKM = 0xFF × 32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4] ‖ SS,
//!                          info = "sotto v1 pqxdh", L = 32)
//!         AD = SHA-256("sotto v1 pqxdh session ad" ‖ Encode(IK_A) ‖ Encode(IK_B)
//!                      ‖ EncodeKEM(PQPK_B))
//! ```
//!
//! `IK` here is the X25519 half of each identity; `Encode(IK)` is the full
//! 64-byte identity (both halves); `EncodeKEM(PQPK) = 0x08 ‖ key`. Every DH
//! output must be contributory. The associated data is hashed once at setup
//! so that every message carries a fixed 32 bytes of it (a collision-
//! resistant hash binds exactly what the concatenation would); under PQXDH
//! it also binds the KEM public key, as the PQXDH specification asks of a
//! KEM that might not. Sources: Signal's X3DH specification §3.3–3.4 and
//! PQXDH specification §3.3 (revision 3).

use alloc::boxed::Box;

use rand_core::CryptoRng;

use crate::crypto::{
    self, DhKeyPair, KEM_CIPHERTEXT_LEN, KEM_KEY_TYPE, KEM_PUBLIC_LEN, KemKeyPair,
};
use crate::error::Result;
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::secret::Secret32;

/// The keys of a verified bundle that X3DH needs.
pub(super) struct PrekeyBundleParts<'a> {
    pub(super) identity: &'a IdentityKey,
    pub(super) spk: &'a [u8; 32],
    pub(super) opk: Option<&'a [u8; 32]>,
    pub(super) pq: Option<&'a [u8; KEM_PUBLIC_LEN]>,
}

/// HKDF info of the X3DH shared secret.
pub const LABEL_X3DH: &[u8] = b"sotto v1 x3dh";
/// HKDF info of the PQXDH shared secret.
pub const LABEL_PQXDH: &[u8] = b"sotto v1 pqxdh";
/// Hash prefix of the session associated data.
pub const LABEL_SESSION_AD: &[u8] = b"sotto v1 session ad";
/// Hash prefix of the associated data of a session set up with PQXDH.
pub const LABEL_PQXDH_SESSION_AD: &[u8] = b"sotto v1 pqxdh session ad";

/// What setup gives the new session: the shared secret and its associated
/// data.
pub(super) struct Setup {
    pub(super) sk: Secret32,
    pub(super) ad: [u8; 32],
}

/// The initiator's setup, with what its prekey messages carry: the
/// ephemeral (base) key and, under PQXDH, the KEM ciphertext.
pub(super) struct Initiated {
    pub(super) setup: Setup,
    pub(super) base_key: [u8; 32],
    pub(super) ciphertext: Option<Box<[u8; KEM_CIPHERTEXT_LEN]>>,
}

/// `AD = SHA-256(label ‖ IK_initiator ‖ IK_responder [‖ EncodeKEM(PQPK)])`.
fn session_ad(
    initiator: &IdentityKey,
    responder: &IdentityKey,
    pq: Option<&[u8; KEM_PUBLIC_LEN]>,
) -> [u8; 32] {
    match pq {
        None => crypto::sha256(&[
            LABEL_SESSION_AD,
            &initiator.to_bytes(),
            &responder.to_bytes(),
        ]),
        Some(pq) => crypto::sha256(&[
            LABEL_PQXDH_SESSION_AD,
            &initiator.to_bytes(),
            &responder.to_bytes(),
            &[KEM_KEY_TYPE],
            pq,
        ]),
    }
}

fn kdf(dhs: &[&Secret32], kem: Option<&Secret32>) -> Result<Secret32> {
    let mut ikm: [&[u8]; 6] = [&[0xFF; 32], &[], &[], &[], &[], &[]];
    let secrets = dhs.iter().chain(kem.as_ref());
    for (slot, s) in ikm.iter_mut().skip(1).zip(secrets) {
        *slot = s.expose();
    }
    let label = if kem.is_some() {
        LABEL_PQXDH
    } else {
        LABEL_X3DH
    };
    let mut sk = [0u8; 32];
    crypto::hkdf(&[0u8; 32], &ikm, label, &mut sk)?;
    let out = Secret32::new(sk);
    zeroize::Zeroize::zeroize(&mut sk);
    Ok(out)
}

/// The initiator's side.
pub(super) fn initiate<R: CryptoRng + ?Sized>(
    rng: &mut R,
    identity: &IdentityKeyPair,
    bundle: &PrekeyBundleParts<'_>,
) -> Result<Initiated> {
    let (ciphertext, ss) = match bundle.pq {
        Some(pq) => {
            let (ct, ss) = crypto::kem_encapsulate(pq, rng)?;
            (Some(ct), Some(ss))
        }
        None => (None, None),
    };
    let ek = DhKeyPair::generate(rng);
    let dh1 = identity.dh().agree(bundle.spk)?;
    let dh2 = ek.agree(bundle.identity.dh_key())?;
    let dh3 = ek.agree(bundle.spk)?;
    let sk = match bundle.opk {
        Some(opk) => {
            let dh4 = ek.agree(opk)?;
            kdf(&[&dh1, &dh2, &dh3, &dh4], ss.as_ref())?
        }
        None => kdf(&[&dh1, &dh2, &dh3], ss.as_ref())?,
    };
    let ad = session_ad(identity.public_key(), bundle.identity, bundle.pq);
    Ok(Initiated {
        setup: Setup { sk, ad },
        base_key: *ek.public(),
        ciphertext,
    })
}

/// The responder's private keys a prekey message named.
pub(super) struct ResponderKeys<'a> {
    pub(super) spk: &'a DhKeyPair,
    pub(super) opk: Option<&'a DhKeyPair>,
    /// The post-quantum prekey and the message's KEM ciphertext.
    pub(super) pq: Option<(&'a KemKeyPair, &'a [u8; KEM_CIPHERTEXT_LEN])>,
}

/// The responder's side, from its private prekeys and the initiator's keys.
pub(super) fn respond(
    identity: &IdentityKeyPair,
    keys: &ResponderKeys<'_>,
    initiator: &IdentityKey,
    base_key: &[u8; 32],
) -> Result<Setup> {
    let (ss, pq_public) = match keys.pq {
        Some((pair, ct)) => (Some(pair.decapsulate(ct)?), Some(pair.public())),
        None => (None, None),
    };
    let dh1 = keys.spk.agree(initiator.dh_key())?;
    let dh2 = identity.dh().agree(base_key)?;
    let dh3 = keys.spk.agree(base_key)?;
    let sk = match keys.opk {
        Some(opk) => {
            let dh4 = opk.agree(base_key)?;
            kdf(&[&dh1, &dh2, &dh3, &dh4], ss.as_ref())?
        }
        None => kdf(&[&dh1, &dh2, &dh3], ss.as_ref())?,
    };
    let ad = session_ad(initiator, identity.public_key(), pq_public.as_ref());
    Ok(Setup { sk, ad })
}
