//! Sealed sender: the server routing a 1:1 message learns only its
//! recipient. The sender's identity travels encrypted to the recipient's
//! identity key, and a short-lived sender certificate signed by the service
//! (whose key the app's pinned trust root signed) travels with the message,
//! encrypted under a key only the two identities can compute.
//!
//! ```text
//! seal(sender A, certificate, recipient B, message):
//!   e      = a fresh X25519 key pair
//!   chain ‖ k_e = HKDF-SHA256(salt = e.pub ‖ B.dh, ikm = DH(e, B.dh), "sotto v1 sealed sender ephemeral", 64)
//!   static = AES-256-GCM-SIV(k_e, nonce 0, ad = e.pub ‖ Encode(B), Encode(A))                  (80 bytes)
//!   k_s    = HKDF-SHA256(salt = chain ‖ static, ikm = DH(A.dh, B.dh), "sotto v1 sealed sender static", 32)
//!   body   = AES-256-GCM-SIV(k_s, nonce 0, ad = e.pub ‖ static ‖ Encode(B),
//!                            certificate len u16 ‖ certificate ‖ message)
//!   sealed = version 0x02 | type 0x10 | e.pub (32) | static | body
//! open(B, trust root, sealed, now_ms): the reverse; then the certificate must verify to the root,
//!   not be expired, and name the identity that was sealed (UntrustedIdentity otherwise)
//! ```
//!
//! Both keys are used once (the ephemeral key is fresh), so the fixed
//! nonce is safe. The inner message is an ordinary session message: decrypt
//! it with the session of the sender the certificate names.

mod certificate;

pub use certificate::{
    LABEL_SENDER_CERTIFICATE, LABEL_SERVER_CERTIFICATE, MAX_SENDER_ID_LEN, SenderCertificate,
    ServerCertificate,
};

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::crypto::{self, DhKeyPair};
use crate::error::{Error, Result};
use crate::identity::{IDENTITY_KEY_LEN, IdentityKey, IdentityKeyPair};
use crate::wire::{TYPE_SEALED_SENDER, WIRE_VERSION, check_prefix};

/// HKDF label of the ephemeral layer.
pub const LABEL_SEALED_EPHEMERAL: &[u8] = b"sotto v1 sealed sender ephemeral";
/// HKDF label of the static layer.
pub const LABEL_SEALED_STATIC: &[u8] = b"sotto v1 sealed sender static";
/// The longest message a sealed envelope carries, in bytes.
pub const MAX_SEALED_MESSAGE_LEN: usize = 512 * 1024;

const NONCE: [u8; 12] = [0u8; 12];
const STATIC_LEN: usize = IDENTITY_KEY_LEN + 16;

/// What opening a sealed envelope gives: who sent it, proved, and the
/// message inside.
pub struct Unsealed {
    /// The sender's certificate (verified, unexpired, naming `identity`).
    pub certificate: SenderCertificate,
    /// The sender's identity, proved by the static key agreement.
    pub identity: IdentityKey,
    /// The inner message (a session message for the sender's session),
    /// wiped on drop.
    pub message: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Unsealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unsealed")
            .field("identity", &self.identity)
            .field("device", &self.certificate.device)
            .field("message_len", &self.message.len())
            .finish()
    }
}

fn ephemeral_keys(
    dh: &crate::secret::Secret32,
    e_pub: &[u8; 32],
    recipient: &IdentityKey,
) -> Result<Zeroizing<[u8; 64]>> {
    let mut okm = Zeroizing::new([0u8; 64]);
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(e_pub);
    salt[32..].copy_from_slice(recipient.dh_key());
    crypto::hkdf(&salt, &[dh.expose()], LABEL_SEALED_EPHEMERAL, &mut okm[..])?;
    Ok(okm)
}

fn static_key(
    dh: &crate::secret::Secret32,
    chain: &[u8],
    static_ct: &[u8],
) -> Result<Zeroizing<[u8; 32]>> {
    let mut salt = Zeroizing::new(Vec::with_capacity(
        chain.len().saturating_add(static_ct.len()),
    ));
    salt.extend_from_slice(chain);
    salt.extend_from_slice(static_ct);
    let mut key = Zeroizing::new([0u8; 32]);
    crypto::hkdf(&salt, &[dh.expose()], LABEL_SEALED_STATIC, &mut key[..])?;
    Ok(key)
}

fn body_ad(e_pub: &[u8; 32], static_ct: &[u8], recipient: &IdentityKey) -> Vec<u8> {
    let mut ad = Vec::with_capacity(32 + STATIC_LEN + IDENTITY_KEY_LEN);
    ad.extend_from_slice(e_pub);
    ad.extend_from_slice(static_ct);
    ad.extend_from_slice(&recipient.to_bytes());
    ad
}

/// Seals `message` from `sender` (whose certificate is `certificate`; one
/// for another identity is [`Error::WrongType`]) to `recipient`.
pub fn seal<R: CryptoRng + ?Sized>(
    rng: &mut R,
    sender: &IdentityKeyPair,
    certificate: &SenderCertificate,
    recipient: &IdentityKey,
    message: &[u8],
) -> Result<Vec<u8>> {
    if certificate.identity != *sender.public_key() {
        return Err(Error::WrongType);
    }
    if message.len() > MAX_SEALED_MESSAGE_LEN {
        return Err(Error::LimitExceeded);
    }
    let e = DhKeyPair::generate(rng);
    let e_pub = *e.public();
    let okm = ephemeral_keys(&e.agree(recipient.dh_key())?, &e_pub, recipient)?;
    let (chain, k_e) = okm.split_at(32);
    let k_e: &[u8; 32] = k_e.try_into().map_err(|_| Error::Internal)?;
    let mut ad = [0u8; 32 + IDENTITY_KEY_LEN];
    ad[..32].copy_from_slice(&e_pub);
    ad[32..].copy_from_slice(&recipient.to_bytes());
    let static_ct = crypto::aes256gcmsiv_seal(k_e, &NONCE, &ad, &sender.public_key().to_bytes())?;
    let k_s = static_key(&sender.dh().agree(recipient.dh_key())?, chain, &static_ct)?;
    let cert = certificate.to_bytes()?;
    let cert_len = u16::try_from(cert.len()).map_err(|_| Error::LimitExceeded)?;
    let mut inner = Zeroizing::new(Vec::with_capacity(
        message.len().saturating_add(cert.len()).saturating_add(2),
    ));
    inner.extend_from_slice(&cert_len.to_be_bytes());
    inner.extend_from_slice(&cert);
    inner.extend_from_slice(message);
    let body = crypto::aes256gcmsiv_seal(
        &k_s,
        &NONCE,
        &body_ad(&e_pub, &static_ct, recipient),
        &inner,
    )?;
    let mut out = Vec::with_capacity(body.len().saturating_add(34 + STATIC_LEN));
    out.push(WIRE_VERSION);
    out.push(TYPE_SEALED_SENDER);
    out.extend_from_slice(&e_pub);
    out.extend_from_slice(&static_ct);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Opens a sealed envelope addressed to `recipient` at `now_ms` with the
/// app's pinned `trust_root`: the sender, proved, and the inner message.
/// A tampered envelope is [`Error::AuthenticationFailed`]; a certificate
/// forged or under another root [`Error::InvalidSignature`], expired
/// [`Error::Expired`], naming another identity than the sealed one
/// [`Error::UntrustedIdentity`]; a message longer than
/// [`MAX_SEALED_MESSAGE_LEN`] [`Error::LimitExceeded`].
pub fn open(
    recipient: &IdentityKeyPair,
    trust_root: &IdentityKey,
    sealed: &[u8],
    now_ms: u64,
) -> Result<Unsealed> {
    let limit = MAX_SEALED_MESSAGE_LEN.saturating_add(64 * 1024);
    if sealed.len() > limit {
        return Err(Error::LimitExceeded);
    }
    let mut r = Reader::new(sealed);
    check_prefix(&mut r, TYPE_SEALED_SENDER)?;
    let e_pub: [u8; 32] = r.array()?;
    let static_ct = r.bytes(STATIC_LEN)?;
    let body = r.rest();
    let me = recipient.public_key();
    let okm = ephemeral_keys(&recipient.dh().agree(&e_pub)?, &e_pub, me)?;
    let (chain, k_e) = okm.split_at(32);
    let k_e: &[u8; 32] = k_e.try_into().map_err(|_| Error::Internal)?;
    let mut ad = [0u8; 32 + IDENTITY_KEY_LEN];
    ad[..32].copy_from_slice(&e_pub);
    ad[32..].copy_from_slice(&me.to_bytes());
    let sender = crypto::aes256gcmsiv_open(k_e, &NONCE, &ad, static_ct)?;
    let identity = IdentityKey::from_bytes(&sender)?;
    let k_s = static_key(&recipient.dh().agree(identity.dh_key())?, chain, static_ct)?;
    let inner = Zeroizing::new(crypto::aes256gcmsiv_open(
        &k_s,
        &NONCE,
        &body_ad(&e_pub, static_ct, me),
        body,
    )?);
    let mut r = Reader::new(&inner);
    let cert_len = usize::from(r.u16()?);
    let certificate = SenderCertificate::from_bytes(r.bytes(cert_len)?)?;
    let rest = r.rest();
    // The bound `seal` keeps; a hand-built envelope may carry more.
    if rest.len() > MAX_SEALED_MESSAGE_LEN {
        return Err(Error::LimitExceeded);
    }
    let message = Zeroizing::new(rest.to_vec());
    certificate.verify(trust_root, now_ms)?;
    if certificate.identity != identity {
        return Err(Error::UntrustedIdentity);
    }
    Ok(Unsealed {
        certificate,
        identity,
        message,
    })
}
