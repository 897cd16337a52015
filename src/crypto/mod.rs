//! The only module that names the primitive crates.
//!
//! * X25519 (`x25519-dalek`), with every shared secret checked to be
//!   contributory: an all-zero output (a low-order peer point) is an error.
//!   An identity's X25519 key is derived from its Ed25519 key
//!   ([`DhKeyPair::from_ed25519`]), and a public identity is accepted only
//!   when its two halves agree ([`check_x25519_of_ed25519`]).
//! * Ed25519 (`ed25519-dalek`), verified with `verify_strict` (canonical `s`,
//!   no small-order `R` or `A`), every signed message prefixed by its own label.
//!   Keys that verify many signatures (group and location senders) are
//!   checked once on intake and then verified without re-checking `R`'s
//!   order ([`verify_parts_checked`] explains why that accepts nothing a
//!   forger could make).
//! * HKDF-SHA256 and HMAC-SHA256 (RFC 5869, RFC 2104).
//! * AES-256-GCM-SIV (RFC 8452), the one AEAD: for every message, whose key
//!   and nonce are derived from a chain ([`MessageKey`]), and for state
//!   encryption under random nonces ([`StateKey`]); the full 16-byte tag,
//!   and opening writes plaintext only after the tag has verified. A state
//!   copied and restored re-derives the same key and nonce for its next
//!   message, which under GCM-SIV reveals only whether the two plaintexts
//!   are equal (AES-256-GCM would reveal their XOR and its authentication
//!   key).

use aes_gcm_siv::Aes256GcmSiv;
use aes_gcm_siv::aead::array::Array;
use aes_gcm_siv::aead::consts::{U12, U16, U32};
use aes_gcm_siv::aead::{AeadCore, AeadInOut, KeyInit};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::marker::PhantomData;
pub(crate) use ed25519_dalek::VerifyingKey as Ed25519Public;
use ed25519_dalek::ed25519::signature::{MultipartSigner, MultipartVerifier};
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use hkdf::{Hkdf, HkdfExtract};
use hmac::{Hmac, Mac};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};
use crate::secret::Secret32;

/// Length of an AEAD tag (AES-256-GCM and AES-256-GCM-SIV alike).
pub(crate) const TAG_LEN: usize = 16;
/// Length of an Ed25519 signature.
pub(crate) const SIGNATURE_LEN: usize = 64;
/// Length of an AEAD nonce (AES-256-GCM and AES-256-GCM-SIV alike).
pub(crate) const NONCE_LEN: usize = 12;

type HmacSha256 = Hmac<Sha256>;

/// Fills an array from the injected random number generator.
pub(crate) fn random_array<const N: usize, R: CryptoRng + ?Sized>(rng: &mut R) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

// ---------------------------------------------------------------- X25519

/// An X25519 private key with its public key. The private key is boxed, so
/// moving the pair (and whatever holds it) moves a pointer, never the key.
pub(crate) struct DhKeyPair {
    secret: Box<StaticSecret>,
    public: [u8; 32],
}

impl DhKeyPair {
    pub(crate) fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self::from_secret(StaticSecret::random_from_rng(rng))
    }

    fn from_secret(secret: StaticSecret) -> Self {
        let public = PublicKey::from(&secret).to_bytes();
        DhKeyPair {
            secret: Box::new(secret),
            public,
        }
    }

    /// Restores a key pair from its private bytes (the public key is recomputed).
    pub(crate) fn from_secret_bytes(bytes: &[u8; 32]) -> Self {
        Self::from_secret(StaticSecret::from(*bytes))
    }

    /// Restores a key pair whose public key was stored next to it; the stored
    /// public key is checked against the private key.
    pub(crate) fn from_parts(secret: &[u8; 32], public: &[u8; 32]) -> Result<Self> {
        let pair = Self::from_secret_bytes(secret);
        // ct-declassify: stored-public-key (the next line)
        if pair.public == *public {
            Ok(pair)
        } else {
            Err(Error::Malformed)
        }
    }

    /// Restores a key pair from a private key and the public key stored next
    /// to it, without re-deriving the public key (a fixed-base scalar
    /// multiplication). Used for session state, which is authenticated when
    /// stored encrypted and whose DH keys are replaced at every ratchet step.
    pub(crate) fn from_stored(secret: &[u8; 32], public: &[u8; 32]) -> Self {
        DhKeyPair {
            secret: Box::new(StaticSecret::from(*secret)),
            public: *public,
        }
    }

    /// The X25519 key pair of an Ed25519 key, as libsodium's
    /// `crypto_sign_ed25519_sk_to_curve25519` derives it: the private key is
    /// the clamped first half of SHA-512(seed), the scalar the Ed25519 key
    /// signs with; the public key is the Montgomery form of the Ed25519
    /// public point (the same point, so no scalar multiplication).
    ///
    /// The hash is computed here rather than by `SigningKey::to_scalar_bytes`,
    /// which leaves all 64 bytes of it (the scalar and the nonce prefix) in
    /// an unwiped local; here the seed copy, the hash and the scalar are
    /// wiped, and the hasher's state is wiped by `sha2` itself.
    pub(crate) fn from_ed25519(key: &SigningKey) -> Self {
        let seed = Zeroizing::new(key.to_bytes());
        let mut hash: [u8; 64] = sha2::Sha512::digest(seed.as_slice()).into();
        let mut scalar = [0u8; 32];
        let (low, _) = hash.split_at(32);
        scalar.copy_from_slice(low);
        hash.zeroize();
        clamp(&mut scalar);
        let pair = Self::from_stored(&scalar, &key.verifying_key().to_montgomery().to_bytes());
        scalar.zeroize();
        pair
    }

    /// [`DhKeyPair::from_ed25519`], checked against the X25519 private key
    /// stored next to the seed: any other key (one generated apart from the
    /// Ed25519 key) is refused.
    pub(crate) fn from_ed25519_stored(key: &SigningKey, stored: &[u8; 32]) -> Result<Self> {
        let pair = Self::from_ed25519(key);
        let same = subtle::ConstantTimeEq::ct_eq(&pair.secret_bytes()[..], &stored[..]);
        // ct-declassify: stored-identity-key (the next line)
        if bool::from(same) {
            Ok(pair)
        } else {
            Err(Error::Malformed)
        }
    }

    pub(crate) fn public(&self) -> &[u8; 32] {
        &self.public
    }

    pub(crate) fn secret_bytes(&self) -> &[u8; 32] {
        self.secret.as_bytes()
    }

    pub(crate) fn duplicate(&self) -> Self {
        DhKeyPair {
            secret: Box::new(StaticSecret::from(*self.secret.as_bytes())),
            public: self.public,
        }
    }

    /// `DH(self, their)`, refused when not contributory. Never inlined:
    /// the contributory verdict is then a branch here, on the marked line
    /// (the one declassification point), rather than a select whose result
    /// a caller branches on wherever the optimizer puts it.
    #[inline(never)]
    pub(crate) fn agree(&self, their: &[u8; 32]) -> Result<Secret32> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(*their));
        // ct-declassify: contributory-dh (the next line)
        if !shared.was_contributory() {
            return Err(Error::NonContributory);
        }
        Ok(Secret32::new(shared.to_bytes()))
    }
}

/// X25519 clamping (RFC 7748 §5): clear the three low bits and the top bit,
/// set the second-highest bit.
fn clamp(scalar: &mut [u8; 32]) {
    let [first, .., last] = scalar;
    *first &= 0b1111_1000;
    *last &= 0b0111_1111;
    *last |= 0b0100_0000;
}

/// Raw X25519 through the same contributory check the protocol uses, for test
/// vectors: `Err(NonContributory)` on an all-zero output.
pub fn x25519(secret: [u8; 32], public: [u8; 32]) -> Result<[u8; 32]> {
    let shared = StaticSecret::from(secret).diffie_hellman(&PublicKey::from(public));
    if !shared.was_contributory() {
        return Err(Error::NonContributory);
    }
    Ok(shared.to_bytes())
}

/// The X25519 public key of a private key (a fixed-base multiplication).
pub fn x25519_public(secret: [u8; 32]) -> [u8; 32] {
    PublicKey::from(&StaticSecret::from(secret)).to_bytes()
}

// ---------------------------------------------------------------- Ed25519

/// Signs `label ‖ message` with an Ed25519 key.
pub(crate) fn sign(key: &SigningKey, label: &[u8], message: &[u8]) -> [u8; 64] {
    sign_parts(key, &[label, message])
}

/// Signs the concatenation of `parts` (the first being the label).
pub(crate) fn sign_parts(key: &SigningKey, parts: &[&[u8]]) -> [u8; 64] {
    key.multipart_sign(parts).to_bytes()
}

/// Verifies a signature over `label ‖ message` with strict Ed25519 rules.
pub(crate) fn verify(key: &[u8; 32], label: &[u8], message: &[u8], sig: &[u8; 64]) -> Result<()> {
    let key = VerifyingKey::from_bytes(key).map_err(|_| Error::InvalidKey)?;
    verify_parts(&key, &[label, message], sig)
}

/// Verifies a signature over the concatenation of `parts` with strict rules.
pub(crate) fn verify_parts(key: &VerifyingKey, parts: &[&[u8]], sig: &[u8; 64]) -> Result<()> {
    verify_raw(key, &concat(parts), sig)
}

/// Decodes an Ed25519 public key for [`verify_parts_checked`]: it must be a
/// valid point and not of small order, the check `verify_strict` would
/// otherwise repeat on every signature.
pub(crate) fn ed25519_public_checked(key: &[u8; 32]) -> Result<VerifyingKey> {
    let key = ed25519_public(key)?;
    if key.is_weak() {
        return Err(Error::InvalidKey);
    }
    Ok(key)
}

/// Verification under a key from [`ed25519_public_checked`], for the hot
/// group and location paths. It checks the cofactorless equation with a
/// canonical `s` and compares `R` byte for byte with the canonical encoding
/// of `[s]B - [k]A`, so it accepts exactly what `verify_strict` accepts
/// (given the key was checked once) plus signatures whose `R` is of small
/// order, which only the holder of the private key can make: no forgery and
/// no malleability, and no decompression of `R` per message.
pub(crate) fn verify_parts_checked(
    key: &VerifyingKey,
    parts: &[&[u8]],
    sig: &[u8; 64],
) -> Result<()> {
    key.multipart_verify(parts, &Signature::from_bytes(sig))
        .map_err(|_| Error::InvalidSignature)
}

/// Ed25519 verification as the group and location paths do it (key checked
/// once, then [`verify_parts_checked`]), for test vectors.
pub fn ed25519_verify_checked(public: &[u8], message: &[u8], sig: &[u8]) -> Result<()> {
    let public: &[u8; 32] = public.try_into().map_err(|_| Error::InvalidKey)?;
    let sig: &[u8; 64] = sig.try_into().map_err(|_| Error::InvalidSignature)?;
    verify_parts_checked(&ed25519_public_checked(public)?, &[message], sig)
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().fold(0usize, |n, p| n.saturating_add(p.len()));
    let mut buf = Vec::with_capacity(len);
    for p in parts {
        buf.extend_from_slice(p);
    }
    buf
}

/// Strict verification of a signature over a raw message.
pub(crate) fn verify_raw(key: &VerifyingKey, message: &[u8], sig: &[u8; 64]) -> Result<()> {
    let sig = Signature::from_bytes(sig);
    key.verify_strict(message, &sig)
        .map_err(|_| Error::InvalidSignature)
}

/// Strict Ed25519 verification of raw bytes, for test vectors.
pub fn ed25519_verify_strict(public: &[u8], message: &[u8], sig: &[u8]) -> Result<()> {
    let public: &[u8; 32] = public.try_into().map_err(|_| Error::InvalidKey)?;
    let sig: &[u8; 64] = sig.try_into().map_err(|_| Error::InvalidSignature)?;
    let key = VerifyingKey::from_bytes(public).map_err(|_| Error::InvalidKey)?;
    verify_raw(&key, message, sig)
}

/// Checks the two halves of a public identity: `ed25519` decodes to a point
/// not of small order, and `x25519` is that point's Montgomery form, the
/// X25519 key [`DhKeyPair::from_ed25519`] derives from the same private key.
/// Anything else is [`Error::InvalidKey`].
pub(crate) fn check_x25519_of_ed25519(ed25519: &[u8; 32], x25519: &[u8; 32]) -> Result<()> {
    check_x25519_of_ed25519_keyed(ed25519, x25519).map(|_| ())
}

/// [`check_x25519_of_ed25519`], keeping the decoded Ed25519 key for the
/// signatures it will verify (one decompression instead of two).
pub(crate) fn check_x25519_of_ed25519_keyed(
    ed25519: &[u8; 32],
    x25519: &[u8; 32],
) -> Result<VerifyingKey> {
    let key = ed25519_public_checked(ed25519)?;
    if key.to_montgomery().to_bytes() == *x25519 {
        Ok(key)
    } else {
        Err(Error::InvalidKey)
    }
}

/// Decodes an Ed25519 public key.
pub(crate) fn ed25519_public(key: &[u8; 32]) -> Result<VerifyingKey> {
    VerifyingKey::from_bytes(key).map_err(|_| Error::InvalidKey)
}

// ---------------------------------------------------------------- HKDF / HMAC

/// HKDF-SHA256 with a multi-part input key material:
/// `OKM = HKDF-Expand(HKDF-Extract(salt, ikm[0] ‖ ikm[1] ‖ …), info, out.len())`.
pub(crate) fn hkdf(salt: &[u8], ikm: &[&[u8]], info: &[u8], out: &mut [u8]) -> Result<()> {
    let mut ext = HkdfExtract::<Sha256>::new(Some(salt));
    for part in ikm {
        ext.input_ikm(part);
    }
    let (_, hk) = ext.finalize();
    hk.expand(info, out).map_err(|_| Error::LimitExceeded)
}

/// HKDF-SHA256 over raw inputs, for test vectors.
pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<()> {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    hk.expand(info, out).map_err(|_| Error::LimitExceeded)
}

/// HMAC-SHA256 over raw inputs, for test vectors.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed_hmac(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub fn hmac_sha256_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = keyed_hmac(key);
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 keyed with `key`. HMAC accepts keys of every length, so the
/// fallback (an all-zero block key) is unreachable.
fn keyed_hmac(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

/// One symmetric-ratchet step: `(HMAC(ck, 0x01), HMAC(ck, 0x02))`, the
/// message-key seed and the next chain key. The keyed HMAC state is computed
/// once and cloned for the two constants.
pub(crate) fn chain_step(ck: &Secret32) -> (Secret32, Secret32) {
    let keyed = keyed_hmac(ck.expose());
    let mut a = keyed.clone();
    a.update(&[0x01]);
    let mut b = keyed;
    b.update(&[0x02]);
    (
        Secret32::new(a.finalize().into_bytes().into()),
        Secret32::new(b.finalize().into_bytes().into()),
    )
}

/// `HMAC(key, constant)` with a one-byte message: the step of the
/// live-location ratchet.
pub(crate) fn hmac_byte(key: &Secret32, constant: u8) -> Secret32 {
    let mut mac = keyed_hmac(key.expose());
    mac.update(&[constant]);
    Secret32::new(mac.finalize().into_bytes().into())
}

/// The chain-key half of [`chain_step`] alone, `HMAC(ck, 0x02)`, for keys
/// that are passed over and will not be stored.
pub(crate) fn chain_next(ck: &Secret32) -> Secret32 {
    hmac_byte(ck, 0x02)
}

/// SHA-256 over the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

// ---------------------------------------------------------------- AEAD

/// One of the two AEADs, both with 256-bit keys, 96-bit nonces and 128-bit
/// tags appended to the ciphertext.
pub(crate) trait Algorithm {
    /// The cipher.
    type Cipher: KeyInit<KeySize = U32> + AeadInOut + AeadCore<NonceSize = U12, TagSize = U16>;
}

/// AES-256-GCM-SIV (RFC 8452), for keys and nonces derived from a chain
/// (every message). A copy of a chain that encrypts again at a position it
/// already used reveals only whether the two plaintexts are equal, where
/// AES-256-GCM would reveal their XOR and its authentication key.
pub(crate) enum GcmSiv {}

impl Algorithm for GcmSiv {
    type Cipher = Aes256GcmSiv;
}

/// An AEAD key and nonce for one algorithm.
pub(crate) struct AeadKey<A: Algorithm> {
    key: Secret32,
    nonce: [u8; NONCE_LEN],
    algorithm: PhantomData<A>,
}

/// The key and nonce of exactly one message, derived from a chain: only
/// ever AES-256-GCM-SIV.
pub(crate) type MessageKey = AeadKey<GcmSiv>;

/// A state-encryption key with a random nonce: AES-256-GCM-SIV too, so
/// that a repeated random nonce would not be fatal either.
pub(crate) type StateKey = AeadKey<GcmSiv>;

impl<A: Algorithm> Drop for AeadKey<A> {
    fn drop(&mut self) {
        self.nonce.zeroize();
    }
}

impl MessageKey {
    /// `key ‖ nonce = HKDF(salt = 0^32, ikm = seed, info = label, 44)`.
    pub(crate) fn derive(seed: &Secret32, label: &[u8]) -> Self {
        let mut okm = Zeroizing::new([0u8; 32 + NONCE_LEN]);
        // 44 bytes is far below HKDF's 255 * 32 limit: cannot fail.
        let _ = hkdf(&[0u8; 32], &[seed.expose()], label, okm.as_mut_slice());
        let mut key = [0u8; 32];
        let mut nonce = [0u8; NONCE_LEN];
        key.copy_from_slice(okm.get(..32).unwrap_or(&[0u8; 32]));
        nonce.copy_from_slice(okm.get(32..).unwrap_or(&[0u8; NONCE_LEN]));
        let out = AeadKey::with_nonce(&key, nonce);
        key.zeroize();
        out
    }
}

impl<A: Algorithm> AeadKey<A> {
    /// A key with an explicit nonce: state encryption's random nonce, or a
    /// test vector's.
    pub(crate) fn with_nonce(key: &[u8; 32], nonce: [u8; NONCE_LEN]) -> Self {
        AeadKey {
            key: Secret32::new(*key),
            nonce,
            algorithm: PhantomData,
        }
    }

    /// Encrypts `out[start..]` in place and appends the 16-byte tag.
    pub(crate) fn seal_in_place(&self, ad: &[u8], out: &mut Vec<u8>, start: usize) -> Result<()> {
        let cipher = A::Cipher::new(self.key.expose().into());
        let nonce = Array::from(self.nonce);
        let body = out.get_mut(start..).ok_or(Error::Malformed)?;
        let tag = cipher
            .encrypt_inout_detached(&nonce, ad, body.into())
            .map_err(|_| Error::LimitExceeded)?;
        out.extend_from_slice(&tag);
        Ok(())
    }

    /// Decrypts `ciphertext ‖ tag` and returns the plaintext only when the tag
    /// verifies; on failure nothing is returned and the scratch copy is wiped.
    pub(crate) fn open(&self, ad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let ct_len = sealed
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::AuthenticationFailed)?;
        let (ct, tag) = sealed.split_at(ct_len);
        let tag = Array::try_from(tag).map_err(|_| Error::AuthenticationFailed)?;
        let cipher = A::Cipher::new(self.key.expose().into());
        let nonce = Array::from(self.nonce);
        let mut buf = ct.to_vec();
        // ct-declassify: aead-open-result (the next line)
        match cipher.decrypt_inout_detached(&nonce, ad, buf.as_mut_slice().into(), &tag) {
            Ok(()) => Ok(buf),
            Err(_) => {
                buf.zeroize();
                Err(Error::AuthenticationFailed)
            }
        }
    }
}

/// AES-256-GCM-SIV over raw inputs (12-byte nonce, 16-byte tag), for test
/// vectors: returns the plaintext or `AuthenticationFailed`.
pub fn aes256gcmsiv_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>> {
    MessageKey::with_nonce(key, *nonce).open(ad, sealed)
}

/// AES-256-GCM-SIV encryption over raw inputs, for test vectors: `ct ‖ tag`.
pub fn aes256gcmsiv_seal(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    pt: &[u8],
) -> Result<Vec<u8>> {
    let mut out = pt.to_vec();
    MessageKey::with_nonce(key, *nonce).seal_in_place(ad, &mut out, 0)?;
    Ok(out)
}

// ---------------------------------------------------------------- chunked encryption

/// HKDF-Expand (RFC 5869 §2.3) on HMAC-SHA-512 with `prk` used as it is,
/// whatever its length: `T(i) = HMAC(prk, T(i-1) ‖ info ‖ i)`, for C2SP
/// chunked encryption, whose input key (32 bytes) is the PRK. (The `hkdf`
/// crate refuses a PRK shorter than the hash output.) `out` is at most
/// 255 × 64 bytes; every caller asks for 76.
pub(crate) fn hkdf_expand_sha512(prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<()> {
    type HmacSha512 = Hmac<sha2::Sha512>;
    let keyed = <HmacSha512 as KeyInit>::new_from_slice(prk).map_err(|_| Error::InvalidKey)?;
    let mut previous = Zeroizing::new([0u8; 64]);
    let mut previous_len = 0usize;
    for (i, block) in out.chunks_mut(64).enumerate() {
        let counter = u8::try_from(i.checked_add(1).ok_or(Error::LimitExceeded)?)
            .map_err(|_| Error::LimitExceeded)?;
        let mut mac = keyed.clone();
        mac.update(previous.get(..previous_len).unwrap_or_default());
        for part in info {
            mac.update(part);
        }
        mac.update(&[counter]);
        let t = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
        let n = block.len();
        block.copy_from_slice(t.get(..n).ok_or(Error::Internal)?);
        previous.copy_from_slice(&t[..]);
        previous_len = 64;
    }
    Ok(())
}

/// AES-256-GCM under one stream's key, for the chunks of C2SP chunked
/// encryption: empty associated data, 16-byte tags kept apart from the
/// body. The key schedule is wiped on drop (`aes-gcm`'s `zeroize`).
pub(crate) struct ChunkCipher(aes_gcm::Aes256Gcm);

impl ChunkCipher {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        ChunkCipher(<aes_gcm::Aes256Gcm as KeyInit>::new(key.into()))
    }

    /// Encrypts `input` into `output` (the same length) and returns the tag.
    pub(crate) fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        input: &[u8],
        output: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let buf =
            aes_gcm::aead::inout::InOutBuf::new(input, output).map_err(|_| Error::Internal)?;
        let tag = self
            .0
            .encrypt_inout_detached(&Array::from(*nonce), &[], buf)
            .map_err(|_| Error::LimitExceeded)?;
        Ok(tag.into())
    }

    /// Encrypts `buf` in place and returns the tag.
    pub(crate) fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let tag = self
            .0
            .encrypt_inout_detached(&Array::from(*nonce), &[], buf.into())
            .map_err(|_| Error::LimitExceeded)?;
        Ok(tag.into())
    }

    /// Decrypts `input` into `output` (the same length) if `tag` verifies;
    /// nothing is written otherwise.
    pub(crate) fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        input: &[u8],
        tag: &[u8; TAG_LEN],
        output: &mut [u8],
    ) -> Result<()> {
        let buf =
            aes_gcm::aead::inout::InOutBuf::new(input, output).map_err(|_| Error::Internal)?;
        self.0
            .decrypt_inout_detached(&Array::from(*nonce), &[], buf, &Array::from(*tag))
            .map_err(|_| Error::AuthenticationFailed)
    }

    /// Decrypts `buf` in place if `tag` verifies; `buf` is unchanged
    /// otherwise (the tag is checked before the keystream is applied).
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<()> {
        self.0
            .decrypt_inout_detached(&Array::from(*nonce), &[], buf.into(), &Array::from(*tag))
            .map_err(|_| Error::AuthenticationFailed)
    }
}

/// Raw AES-256-GCM over one buffer in place, for benchmarks: the floor a
/// chunked stream is measured against. Returns the tag.
pub fn aes256gcm_seal_in_place(
    key: &[u8; 32],
    nonce: &[u8; 12],
    buf: &mut [u8],
) -> Result<[u8; 16]> {
    ChunkCipher::new(key).seal_in_place(nonce, buf)
}

/// Raw AES-128-GCM over one buffer in place, for benchmarks: the floor of
/// SFrame's AES-128-GCM suite. Returns the tag.
pub fn aes128gcm_seal_in_place(
    key: &[u8; 16],
    nonce: &[u8; 12],
    buf: &mut [u8],
) -> Result<[u8; 16]> {
    let tag = <aes_gcm::Aes128Gcm as KeyInit>::new(key.into())
        .encrypt_inout_detached(&Array::from(*nonce), &[], buf.into())
        .map_err(|_| Error::LimitExceeded)?;
    Ok(tag.into())
}

/// SHA-256 over a stream, fed piece by piece.
#[derive(Clone, Default)]
pub(crate) struct Sha256Stream(Sha256);

impl Sha256Stream {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Argon2id (RFC 9106, version 0x13) of `password` under `salt` and the
/// cost parameters, into a 32-byte key. The parameters are checked by the
/// caller against the SDK's bounds; the crate's own refusals become
/// [`Error::LimitExceeded`].
pub(crate) fn argon2id(
    password: &[u8],
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    out: &mut [u8; 32],
) -> Result<()> {
    let params = argon2::Params::new(memory_kib, passes, lanes, Some(32))
        .map_err(|_| Error::LimitExceeded)?;
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password, salt, out)
        .map_err(|_| Error::LimitExceeded)
}

mod kem;
mod sframe;
pub use kem::{
    KEM_CIPHERTEXT_LEN, KEM_KEY_TYPE, KEM_PUBLIC_LEN, KEM_SEED_LEN, mlkem1024_decapsulate,
    mlkem1024_encapsulate_with, mlkem1024_public_from_seed,
};
pub(crate) use kem::{KemKeyPair, encapsulate as kem_encapsulate};
pub(crate) use sframe::{SframeAead, sframe_hkdf};
