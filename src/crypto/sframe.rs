//! The primitives of SFrame's cipher suites (RFC 9605 §4.5): HKDF on the
//! suite's hash, AES-GCM, and AES-CTR with a truncated HMAC tag.
//!
//! ```text
//! suite  name                          Nh  Nka Nk  Nn  Nt  hash
//! 0x0001 AES_128_CTR_HMAC_SHA256_80    32  16  48  12  10  SHA-256
//! 0x0002 AES_128_CTR_HMAC_SHA256_64    32  16  48  12   8  SHA-256
//! 0x0003 AES_128_CTR_HMAC_SHA256_32    32  16  48  12   4  SHA-256
//! 0x0004 AES_128_GCM_SHA256_128        32   -  16  12  16  SHA-256
//! 0x0005 AES_256_GCM_SHA512_128        64   -  32  12  16  SHA-512
//!
//! CTR-HMAC:  enc_key = key[..Nka], auth_key = key[Nka..]
//!            ct  = AES-CTR(enc_key, counter block = nonce ‖ 0x00000000, pt)
//!            tag = HMAC(auth_key, len(aad) u64 ‖ len(ct) u64 ‖ Nt u64 ‖ nonce ‖ aad ‖ ct)[..Nt]
//! ```
//!
//! The associated data is given in two parts (the SFrame header and the
//! caller's metadata); GCM needs it whole, so the two are joined in a stack
//! buffer: their total is bounded by [`MAX_SFRAME_AAD_LEN`].

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit, array::Array};
use alloc::boxed::Box;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The longest associated data (header and metadata together) a frame may
/// have, in bytes.
pub(crate) const MAX_SFRAME_AAD_LEN: usize = 1024;

/// HKDF-Extract with an empty salt, then HKDF-Expand to `out` (RFC 9605
/// §4.4.2): on SHA-512 if `sha512`, else on SHA-256.
pub(crate) fn sframe_hkdf(
    sha512: bool,
    base_key: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<()> {
    if sha512 {
        Hkdf::<sha2::Sha512>::new(Some(&[]), base_key)
            .expand_multi_info(info, out)
            .map_err(|_| Error::LimitExceeded)
    } else {
        Hkdf::<sha2::Sha256>::new(Some(&[]), base_key)
            .expand_multi_info(info, out)
            .map_err(|_| Error::LimitExceeded)
    }
}

/// One SFrame key: the suite's AEAD, keyed. Key schedules are wiped on
/// drop (the crates' `zeroize` features), the CTR-HMAC keys by `Zeroizing`.
/// Each is boxed on its own: an enum holding them inline would carry, in
/// the bytes past its smaller variants, whatever the stack held when it was
/// built (key material of earlier calls included), which its drop does not
/// wipe (the freed-memory scan found exactly that).
pub(crate) enum SframeAead {
    /// AES-128-GCM.
    Gcm128(Box<aes_gcm::Aes128Gcm>),
    /// AES-256-GCM.
    Gcm256(Box<aes_gcm::Aes256Gcm>),
    /// AES-128-CTR with HMAC-SHA256 truncated to `tag_len` bytes.
    CtrHmac128 {
        keys: Box<CtrHmacKeys>,
        tag_len: usize,
    },
}

/// The two keys of a CTR-HMAC suite, wiped on drop.
#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub(crate) struct CtrHmacKeys {
    enc: [u8; 16],
    auth: [u8; 32],
}

type HmacSha256 = Hmac<sha2::Sha256>;
type Aes128Ctr = ctr::Ctr32BE<aes::Aes128>;

/// Joins `header ‖ metadata` into `buf`.
fn joined<'a>(buf: &'a mut [u8; MAX_SFRAME_AAD_LEN], aad: (&[u8], &[u8])) -> Result<&'a [u8]> {
    let total = aad
        .0
        .len()
        .checked_add(aad.1.len())
        .ok_or(Error::LimitExceeded)?;
    let out = buf.get_mut(..total).ok_or(Error::LimitExceeded)?;
    let (h, m) = out.split_at_mut(aad.0.len());
    h.copy_from_slice(aad.0);
    m.copy_from_slice(aad.1);
    Ok(out)
}

fn ctr_tag(
    auth: &[u8; 32],
    nonce: &[u8; 12],
    aad: (&[u8], &[u8]),
    ct: &[u8],
    tag_len: usize,
) -> Result<Zeroizing<[u8; 32]>> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(auth).map_err(|_| Error::InvalidKey)?;
    let aad_len = aad
        .0
        .len()
        .checked_add(aad.1.len())
        .ok_or(Error::LimitExceeded)?;
    mac.update(&(aad_len as u64).to_be_bytes());
    mac.update(&(ct.len() as u64).to_be_bytes());
    mac.update(&(tag_len as u64).to_be_bytes());
    mac.update(nonce);
    mac.update(aad.0);
    mac.update(aad.1);
    mac.update(ct);
    Ok(Zeroizing::new(mac.finalize().into_bytes().into()))
}

fn ctr_apply(enc: &[u8; 16], nonce: &[u8; 12], buf: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..12].copy_from_slice(nonce);
    let mut cipher = Aes128Ctr::new(enc.into(), &iv.into());
    cipher.apply_keystream(buf);
}

/// AES-GCM (either key size) sealing `input` into `body`, the tag into
/// `tag_out`, with the joined associated data.
fn gcm_seal<A>(
    c: &A,
    nonce: &[u8; 12],
    aad: (&[u8], &[u8]),
    input: &[u8],
    body: &mut [u8],
    tag_out: &mut [u8],
) -> Result<()>
where
    A: AeadInOut<NonceSize = aes_gcm::aead::consts::U12, TagSize = aes_gcm::aead::consts::U16>,
{
    let mut buf = [0u8; MAX_SFRAME_AAD_LEN];
    let ad = joined(&mut buf, aad)?;
    let io = InOutBuf::new(input, body).map_err(|_| Error::Internal)?;
    let tag = c
        .encrypt_inout_detached(&Array::from(*nonce), ad, io)
        .map_err(|_| Error::LimitExceeded)?;
    tag_out.copy_from_slice(&tag);
    Ok(())
}

/// AES-GCM (either key size) opening `input` into `out` if `tag` verifies.
fn gcm_open<A>(
    c: &A,
    nonce: &[u8; 12],
    aad: (&[u8], &[u8]),
    input: &[u8],
    tag: &[u8],
    out: &mut [u8],
) -> Result<()>
where
    A: AeadInOut<NonceSize = aes_gcm::aead::consts::U12, TagSize = aes_gcm::aead::consts::U16>,
{
    let mut buf = [0u8; MAX_SFRAME_AAD_LEN];
    let ad = joined(&mut buf, aad)?;
    let tag: [u8; 16] = tag.try_into().map_err(|_| Error::Internal)?;
    let io = InOutBuf::new(input, out).map_err(|_| Error::Internal)?;
    c.decrypt_inout_detached(&Array::from(*nonce), ad, io, &Array::from(tag))
        .map_err(|_| Error::AuthenticationFailed)
}

impl SframeAead {
    /// Builds the AEAD of a suite from its key (`Nk` bytes).
    pub(crate) fn new(suite: u16, key: &[u8]) -> Result<Self> {
        let ctr = |tag_len: usize| -> Result<Self> {
            let (enc, auth) = key.split_at_checked(16).ok_or(Error::InvalidKey)?;
            let mut keys = Box::new(CtrHmacKeys {
                enc: [0; 16],
                auth: [0; 32],
            });
            keys.enc.copy_from_slice(enc);
            keys.auth
                .copy_from_slice(auth.get(..32).ok_or(Error::InvalidKey)?);
            if auth.len() != 32 {
                return Err(Error::InvalidKey);
            }
            Ok(SframeAead::CtrHmac128 { keys, tag_len })
        };
        match suite {
            1 => ctr(10),
            2 => ctr(8),
            3 => ctr(4),
            4 => Ok(SframeAead::Gcm128(Box::new(
                <aes_gcm::Aes128Gcm as KeyInit>::new_from_slice(key)
                    .map_err(|_| Error::InvalidKey)?,
            ))),
            5 => Ok(SframeAead::Gcm256(Box::new(
                <aes_gcm::Aes256Gcm as KeyInit>::new_from_slice(key)
                    .map_err(|_| Error::InvalidKey)?,
            ))),
            _ => Err(Error::UnsupportedVersion),
        }
    }

    /// The tag's length.
    pub(crate) fn tag_len(&self) -> usize {
        match self {
            SframeAead::Gcm128(_) | SframeAead::Gcm256(_) => 16,
            SframeAead::CtrHmac128 { tag_len, .. } => *tag_len,
        }
    }

    /// Encrypts `input` into `out[..input.len()]` and writes the tag right
    /// after it: `out` holds at least `input.len() + tag_len()` bytes.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; 12],
        aad: (&[u8], &[u8]),
        input: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let (body, rest) = out
            .split_at_mut_checked(input.len())
            .ok_or(Error::BufferTooSmall)?;
        let tag_out = rest
            .get_mut(..self.tag_len())
            .ok_or(Error::BufferTooSmall)?;
        match self {
            SframeAead::Gcm128(c) => gcm_seal(&**c, nonce, aad, input, body, tag_out)?,
            SframeAead::Gcm256(c) => gcm_seal(&**c, nonce, aad, input, body, tag_out)?,
            SframeAead::CtrHmac128 { keys, tag_len } => {
                if aad.0.len().saturating_add(aad.1.len()) > MAX_SFRAME_AAD_LEN {
                    return Err(Error::LimitExceeded);
                }
                body.copy_from_slice(input);
                ctr_apply(&keys.enc, nonce, body);
                let tag = ctr_tag(&keys.auth, nonce, aad, body, *tag_len)?;
                tag_out.copy_from_slice(tag.get(..*tag_len).ok_or(Error::Internal)?);
            }
        }
        Ok(())
    }

    /// Checks `tag` over `input` and only then decrypts it into `out` (the
    /// same length); nothing is written to `out` if it does not verify.
    pub(crate) fn open(
        &self,
        nonce: &[u8; 12],
        aad: (&[u8], &[u8]),
        input: &[u8],
        tag: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        if tag.len() != self.tag_len() || out.len() != input.len() {
            return Err(Error::Internal);
        }
        match self {
            SframeAead::Gcm128(c) => gcm_open(&**c, nonce, aad, input, tag, out),
            SframeAead::Gcm256(c) => gcm_open(&**c, nonce, aad, input, tag, out),
            SframeAead::CtrHmac128 { keys, tag_len } => {
                if aad.0.len().saturating_add(aad.1.len()) > MAX_SFRAME_AAD_LEN {
                    return Err(Error::LimitExceeded);
                }
                let expected = ctr_tag(&keys.auth, nonce, aad, input, *tag_len)?;
                let expected = expected.get(..*tag_len).ok_or(Error::Internal)?;
                if !bool::from(expected.ct_eq(tag)) {
                    return Err(Error::AuthenticationFailed);
                }
                out.copy_from_slice(input);
                ctr_apply(&keys.enc, nonce, out);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn hex(v: &serde_json::Value) -> alloc::vec::Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    /// The AES-CTR-HMAC AEAD alone, suites 1 to 3: the RFC's vectors give
    /// the key, nonce and associated data directly.
    #[test]
    fn aes_ctr_hmac_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/sframe-rfc9605.json")).unwrap();
        let cases = v["aes_ctr_hmac"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for c in cases {
            let suite = c["cipher_suite"].as_u64().unwrap() as u16;
            let aead = SframeAead::new(suite, &hex(&c["key"])).unwrap();
            let nonce: [u8; 12] = hex(&c["nonce"]).try_into().unwrap();
            let (aad, pt, ct) = (hex(&c["aad"]), hex(&c["pt"]), hex(&c["ct"]));
            // The associated data split anywhere gives the same tag.
            for split in [0, 3, aad.len()] {
                let mut out = alloc::vec![0u8; ct.len()];
                let parts = (&aad[..split], &aad[split..]);
                aead.seal(&nonce, parts, &pt, &mut out).unwrap();
                assert_eq!(out, ct, "suite {suite}");
                let mut back = alloc::vec![0u8; pt.len()];
                let (body, tag) = ct.split_at(pt.len());
                aead.open(&nonce, parts, body, tag, &mut back).unwrap();
                assert_eq!(back, pt);
                let mut bad = tag.to_vec();
                bad[0] ^= 1;
                assert_eq!(
                    aead.open(&nonce, parts, body, &bad, &mut back),
                    Err(Error::AuthenticationFailed)
                );
            }
        }
    }
}
