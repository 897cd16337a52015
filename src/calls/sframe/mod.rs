//! SFrame (RFC 9605): end-to-end encryption of each media frame of a call,
//! so that a selective forwarding unit routes frames it cannot read.
//!
//! ```text
//! per key id:  secret      = HKDF-Extract(salt = "", base_key)                 (the suite's hash)
//!              sframe_key  = HKDF-Expand(secret, "SFrame 1.0 Secret key "  ‖ KID u64 ‖ suite u16, Nk)
//!              sframe_salt = HKDF-Expand(secret, "SFrame 1.0 Secret salt " ‖ KID u64 ‖ suite u16, Nn)
//! per frame:   nonce = sframe_salt XOR (CTR as Nn big-endian bytes)
//!              sframe = header(KID, CTR) ‖ AEAD(sframe_key, nonce, aad = header ‖ metadata, frame)
//! ```
//!
//! [`SframeEncryptor`] numbers its frames from 0 and never reuses a
//! counter; [`SframeDecryptor`] holds up to [`MAX_SFRAME_KEYS`] keys and,
//! for each, a replay window of [`REPLAY_WINDOW`] counters: a frame seen
//! before, or older than the window, is [`Error::Duplicate`]. Both write
//! into the caller's buffer and allocate nothing per frame.

mod header;
mod replay;

pub use header::{MAX_HEADER_LEN, SframeHeader};
pub use replay::REPLAY_WINDOW;

use alloc::vec::Vec;
use core::fmt;

use replay::ReplayWindow;

use crate::crypto::{SframeAead, sframe_hkdf};
use crate::error::{Error, Result};

/// The most keys a decryptor holds (senders and epochs together).
pub const MAX_SFRAME_KEYS: usize = 256;
/// The longest metadata a frame may carry as associated data, in bytes.
pub const MAX_SFRAME_METADATA_LEN: usize = 1024 - MAX_HEADER_LEN;
/// The longest base key, in bytes.
pub const MAX_BASE_KEY_LEN: usize = 64;

const LABEL_KEY: &[u8] = b"SFrame 1.0 Secret key ";
const LABEL_SALT: &[u8] = b"SFrame 1.0 Secret salt ";
const NONCE_LEN: usize = 12;

/// An SFrame cipher suite (RFC 9605 §4.5, the registered ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SframeSuite {
    /// 0x0001: AES-128-CTR with HMAC-SHA256, an 80-bit tag.
    AesCtr128HmacSha256_80,
    /// 0x0002: AES-128-CTR with HMAC-SHA256, a 64-bit tag.
    AesCtr128HmacSha256_64,
    /// 0x0003: AES-128-CTR with HMAC-SHA256, a 32-bit tag.
    AesCtr128HmacSha256_32,
    /// 0x0004: AES-128-GCM, SHA-256 for the key schedule.
    AesGcm128Sha256,
    /// 0x0005: AES-256-GCM, SHA-512 for the key schedule.
    AesGcm256Sha512,
}

impl SframeSuite {
    /// The suite's code.
    pub fn code(self) -> u16 {
        match self {
            SframeSuite::AesCtr128HmacSha256_80 => 1,
            SframeSuite::AesCtr128HmacSha256_64 => 2,
            SframeSuite::AesCtr128HmacSha256_32 => 3,
            SframeSuite::AesGcm128Sha256 => 4,
            SframeSuite::AesGcm256Sha512 => 5,
        }
    }

    /// The suite of a code ([`Error::UnsupportedVersion`] for any other).
    pub fn from_code(code: u16) -> Result<Self> {
        Ok(match code {
            1 => SframeSuite::AesCtr128HmacSha256_80,
            2 => SframeSuite::AesCtr128HmacSha256_64,
            3 => SframeSuite::AesCtr128HmacSha256_32,
            4 => SframeSuite::AesGcm128Sha256,
            5 => SframeSuite::AesGcm256Sha512,
            _ => return Err(Error::UnsupportedVersion),
        })
    }

    /// `Nk`: the AEAD key's length.
    pub fn key_len(self) -> usize {
        match self {
            SframeSuite::AesCtr128HmacSha256_80
            | SframeSuite::AesCtr128HmacSha256_64
            | SframeSuite::AesCtr128HmacSha256_32 => 48,
            SframeSuite::AesGcm128Sha256 => 16,
            SframeSuite::AesGcm256Sha512 => 32,
        }
    }

    /// `Nt`: the tag's length.
    pub fn tag_len(self) -> usize {
        match self {
            SframeSuite::AesCtr128HmacSha256_80 => 10,
            SframeSuite::AesCtr128HmacSha256_64 => 8,
            SframeSuite::AesCtr128HmacSha256_32 => 4,
            SframeSuite::AesGcm128Sha256 | SframeSuite::AesGcm256Sha512 => 16,
        }
    }

    fn sha512(self) -> bool {
        self == SframeSuite::AesGcm256Sha512
    }
}

/// One key id's key and salt, derived from its base key.
pub struct SframeKey {
    kid: u64,
    aead: SframeAead,
    salt: [u8; NONCE_LEN],
}

impl fmt::Debug for SframeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SframeKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SframeKey {
    /// Derives the key and salt of `kid` from `base_key` (1 to
    /// [`MAX_BASE_KEY_LEN`] bytes) for `suite`.
    pub fn derive(suite: SframeSuite, kid: u64, base_key: &[u8]) -> Result<Self> {
        if base_key.is_empty() || base_key.len() > MAX_BASE_KEY_LEN {
            return Err(Error::InvalidKey);
        }
        let context = [kid.to_be_bytes().as_slice(), &suite.code().to_be_bytes()].concat();
        let mut key = zeroize::Zeroizing::new([0u8; 48]);
        let key = key.get_mut(..suite.key_len()).ok_or(Error::Internal)?;
        sframe_hkdf(suite.sha512(), base_key, &[LABEL_KEY, &context], key)?;
        let mut salt = [0u8; NONCE_LEN];
        sframe_hkdf(suite.sha512(), base_key, &[LABEL_SALT, &context], &mut salt)?;
        Ok(SframeKey {
            kid,
            aead: SframeAead::new(suite.code(), key)?,
            salt,
        })
    }

    /// The key id.
    pub fn kid(&self) -> u64 {
        self.kid
    }

    fn nonce(&self, ctr: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.salt;
        for (n, c) in nonce.iter_mut().skip(NONCE_LEN - 8).zip(ctr.to_be_bytes()) {
            *n ^= c;
        }
        nonce
    }
}

/// Encrypts one sender's frames under one key id, counting from 0.
#[derive(Debug)]
pub struct SframeEncryptor {
    // Boxed: moving the encryptor moves a pointer, never the key schedule.
    key: alloc::boxed::Box<SframeKey>,
    tag_len: usize,
    ctr: u64,
}

impl SframeEncryptor {
    /// Starts encrypting under `kid`, whose base key is `base_key`.
    pub fn new(suite: SframeSuite, kid: u64, base_key: &[u8]) -> Result<Self> {
        Ok(SframeEncryptor {
            key: alloc::boxed::Box::new(SframeKey::derive(suite, kid, base_key)?),
            tag_len: suite.tag_len(),
            ctr: 0,
        })
    }

    /// The key id.
    pub fn kid(&self) -> u64 {
        self.key.kid
    }

    /// The counter the next frame gets.
    pub fn next_counter(&self) -> u64 {
        self.ctr
    }

    /// Exactly how many bytes the next frame of `frame_len` bytes takes.
    pub fn sframe_len(&self, frame_len: usize) -> Option<usize> {
        let header = SframeHeader {
            kid: self.key.kid,
            ctr: self.ctr,
        }
        .len();
        frame_len.checked_add(header)?.checked_add(self.tag_len)
    }

    /// Encrypts `frame` with `metadata` as associated data into `out`
    /// (at least [`Self::sframe_len`] bytes, else [`Error::BufferTooSmall`]
    /// and nothing changes): returns the SFrame's length. After
    /// `u64::MAX` frames, [`Error::CounterExhausted`]: start a new key.
    pub fn encrypt(&mut self, metadata: &[u8], frame: &[u8], out: &mut [u8]) -> Result<usize> {
        if metadata.len() > MAX_SFRAME_METADATA_LEN {
            return Err(Error::LimitExceeded);
        }
        let ctr = self.ctr;
        let next = ctr.checked_add(1).ok_or(Error::CounterExhausted)?;
        let total = self.sframe_len(frame.len()).ok_or(Error::LimitExceeded)?;
        let out = out.get_mut(..total).ok_or(Error::BufferTooSmall)?;
        let header = SframeHeader {
            kid: self.key.kid,
            ctr,
        };
        let n = header.encode(out)?;
        let (head, body) = out.split_at_mut(n);
        self.key
            .aead
            .seal(&self.key.nonce(ctr), (head, metadata), frame, body)?;
        self.ctr = next;
        Ok(total)
    }
}

struct ReceiverKey {
    key: SframeKey,
    window: ReplayWindow,
}

/// What a decrypted frame was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SframeInfo {
    /// The key id it was under.
    pub kid: u64,
    /// Its counter.
    pub ctr: u64,
    /// The frame's length (written to the front of the output).
    pub len: usize,
}

/// Decrypts the frames of every key it holds, refusing replays.
pub struct SframeDecryptor {
    suite: SframeSuite,
    // Boxed: growing or retaining moves pointers, never key schedules
    // (see `secret.rs`: no heap block is freed holding a secret).
    #[allow(clippy::vec_box)]
    keys: Vec<alloc::boxed::Box<ReceiverKey>>,
}

impl fmt::Debug for SframeDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SframeDecryptor")
            .field("suite", &self.suite)
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl SframeDecryptor {
    /// A decryptor for `suite` with no keys.
    pub fn new(suite: SframeSuite) -> Self {
        SframeDecryptor {
            suite,
            keys: Vec::new(),
        }
    }

    /// The suite.
    pub fn suite(&self) -> SframeSuite {
        self.suite
    }

    /// Adds the key of `kid` from its base key, with a fresh replay
    /// window. A key id already held is [`Error::Duplicate`]; more than
    /// [`MAX_SFRAME_KEYS`] is [`Error::LimitExceeded`]. Nothing changes
    /// on error.
    pub fn add_key(&mut self, kid: u64, base_key: &[u8]) -> Result<()> {
        if self.has_key(kid) {
            return Err(Error::Duplicate);
        }
        if self.keys.len() >= MAX_SFRAME_KEYS {
            return Err(Error::LimitExceeded);
        }
        let key = SframeKey::derive(self.suite, kid, base_key)?;
        self.keys.try_reserve(1).map_err(|_| Error::LimitExceeded)?;
        self.keys.push(alloc::boxed::Box::new(ReceiverKey {
            key,
            window: ReplayWindow::default(),
        }));
        Ok(())
    }

    /// True if the key of `kid` is held.
    pub fn has_key(&self, kid: u64) -> bool {
        self.keys.iter().any(|k| k.key.kid == kid)
    }

    /// Forgets the key of `kid` (its key schedule is wiped): its frames are
    /// refused from now on. Returns whether it was held.
    pub fn remove_key(&mut self, kid: u64) -> bool {
        let before = self.keys.len();
        self.keys.retain(|k| k.key.kid != kid);
        self.keys.len() != before
    }

    /// Takes `other`'s keys and replay windows (of the same suite; key ids
    /// distinct from ours: the caller's invariant). Only pointers move.
    pub(crate) fn absorb(&mut self, other: SframeDecryptor) {
        self.keys.extend(other.keys);
    }

    /// Forgets every key `keep` refuses.
    pub fn retain_keys(&mut self, mut keep: impl FnMut(u64) -> bool) {
        self.keys.retain(|k| keep(k.key.kid));
    }

    /// Decrypts `sframe` with `metadata` as associated data into `out` (at
    /// least as long as the frame, else [`Error::BufferTooSmall`]). A key id
    /// not held is [`Error::UnknownSenderKey`]; a counter seen before or
    /// older than the window [`Error::Duplicate`]; a tampered frame
    /// [`Error::AuthenticationFailed`]. On any error nothing is written and
    /// nothing changes.
    pub fn decrypt(
        &mut self,
        metadata: &[u8],
        sframe: &[u8],
        out: &mut [u8],
    ) -> Result<SframeInfo> {
        if metadata.len() > MAX_SFRAME_METADATA_LEN {
            return Err(Error::LimitExceeded);
        }
        let (header, n) = SframeHeader::decode(sframe)?;
        let tag_len = self.suite.tag_len();
        let (head, rest) = sframe.split_at_checked(n).ok_or(Error::Malformed)?;
        let body_len = rest.len().checked_sub(tag_len).ok_or(Error::Malformed)?;
        let (body, tag) = rest.split_at_checked(body_len).ok_or(Error::Malformed)?;
        let out = out.get_mut(..body_len).ok_or(Error::BufferTooSmall)?;
        let rk = self
            .keys
            .iter_mut()
            .find(|k| k.key.kid == header.kid)
            .ok_or(Error::UnknownSenderKey)?;
        rk.window.check(header.ctr)?;
        rk.key
            .aead
            .open(&rk.key.nonce(header.ctr), (head, metadata), body, tag, out)?;
        rk.window.mark(header.ctr);
        Ok(SframeInfo {
            kid: header.kid,
            ctr: header.ctr,
            len: body_len,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn hex(v: &serde_json::Value) -> Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    /// Key and salt derivation and the nonce, for suites 1 to 5, against
    /// the RFC's vectors (the full encryptions are in `tests/sframe.rs`).
    #[test]
    fn key_salt_and_nonce_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/sframe-rfc9605.json"))
                .unwrap();
        let cases = v["sframe"].as_array().unwrap();
        assert_eq!(cases.len(), 5);
        for c in cases {
            let suite = SframeSuite::from_code(c["cipher_suite"].as_u64().unwrap() as u16).unwrap();
            let kid = c["kid"].as_u64().unwrap();
            let base = hex(&c["base_key"]);
            let context = [kid.to_be_bytes().as_slice(), &suite.code().to_be_bytes()].concat();
            assert_eq!([LABEL_KEY, &context].concat(), hex(&c["sframe_key_label"]));
            assert_eq!(
                [LABEL_SALT, &context].concat(),
                hex(&c["sframe_salt_label"])
            );
            let mut key = alloc::vec![0u8; suite.key_len()];
            sframe_hkdf(suite.sha512(), &base, &[LABEL_KEY, &context], &mut key).unwrap();
            assert_eq!(key, hex(&c["sframe_key"]));
            let derived = SframeKey::derive(suite, kid, &base).unwrap();
            assert_eq!(derived.salt.to_vec(), hex(&c["sframe_salt"]));
            let ctr = c["ctr"].as_u64().unwrap();
            assert_eq!(derived.nonce(ctr).to_vec(), hex(&c["nonce"]));
        }
    }
}
