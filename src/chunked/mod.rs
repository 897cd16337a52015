//! C2SP chunked encryption, Cobblestone-256 (SHA-512, AES-256-GCM): one
//! stream of any length under one key, encrypted in 16 KiB chunks, read
//! front to back in constant memory or at any offset.
//!
//! ```text
//! key ‖ base_nonce ‖ commitment = HKDF-Expand(prk = input key (32),
//!     info = "c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM" ‖ 0x00 ‖ salt ‖ context,
//!     L = 32 + 12 + 32)                                   on HMAC-SHA-512
//! stream  = salt (24, random) ‖ commitment (32) ‖ chunk_0 ‖ … ‖ chunk_n
//! chunk_i = AES-256-GCM(key, nonce = base_nonce XOR i (big-endian), aad = "", plaintext_i) ‖ tag (16)
//! plaintext_i = 16384 bytes for i < n; the last, chunk_n, holds 0 to 16383 bytes
//! chunk i starts at 56 + i · 16400; plaintext byte p lies in chunk p / 16384
//! ```
//!
//! A full chunk is never the last, so a stream of length `L` has one valid
//! chunking, and a stream cut at a chunk boundary lacks its short final
//! chunk: it is refused. The commitment is checked before anything is
//! decrypted, so a wrong key (or context) is [`Error::WrongKey`], never a
//! wrong plaintext. At most [`MAX_CHUNKS`] chunks (2^38, C2SP's bound).
//!
//! * [`ChunkEncryptor`] and [`ChunkDecryptor`] stream with caller-provided
//!   output buffers and hold one chunk each, whatever the length.
//! * [`ChunkReader`] decrypts any byte range from a [`ChunkSource`],
//!   reading and authenticating only the chunks it covers; the plaintext
//!   length is authenticated when it opens (by the final chunk, or by a
//!   length the caller already trusts).
//!
//! Streaming decryption hands out each chunk once it has authenticated it:
//! a stream is whole only when [`ChunkDecryptor::finish`] succeeds, and
//! after any error the decryptor keeps failing.

mod decrypt;
mod encrypt;
mod reader;

pub use decrypt::ChunkDecryptor;
pub use encrypt::ChunkEncryptor;
pub use reader::{ChunkIndex, ChunkLocation, ChunkReader, ChunkSource};

use zeroize::Zeroizing;

use crate::crypto::{self, ChunkCipher};
use crate::error::{Error, Result};

/// Plaintext bytes in each chunk but the last.
pub const CHUNK_LEN: usize = 16 * 1024;
/// Bytes of an authentication tag, one per chunk.
pub const CHUNK_TAG_LEN: usize = 16;
/// Bytes of a full encrypted chunk.
pub const ENCRYPTED_CHUNK_LEN: usize = CHUNK_LEN + CHUNK_TAG_LEN;
/// Bytes of the salt at the front of a stream.
pub const SALT_LEN: usize = 24;
/// Bytes of the key commitment after the salt.
pub const COMMITMENT_LEN: usize = 32;
/// Bytes in front of the first chunk: salt and commitment.
pub const HEADER_LEN: usize = SALT_LEN + COMMITMENT_LEN;
/// The most chunks one stream holds (the counter XORed into the nonce stays
/// below 2^38, as C2SP requires).
pub const MAX_CHUNKS: u64 = 1 << 38;
/// The longest plaintext a stream holds: [`MAX_CHUNKS`] chunks, the last
/// one short (2^52 − 1 bytes).
pub const MAX_PLAINTEXT_LEN: u64 = MAX_CHUNKS * CHUNK_LEN as u64 - 1;
/// The longest context string, in bytes.
pub const MAX_CONTEXT_LEN: usize = 1024;
/// Bytes of the input key.
pub const KEY_LEN: usize = 32;

/// The HKDF info prefix, C2SP's label with Cobblestone-256's AEAD name.
const INFO_PREFIX: &[u8] = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00";

/// A stream's derived keys: the chunk cipher and base nonce.
pub(crate) struct StreamKeys {
    pub(crate) cipher: ChunkCipher,
    pub(crate) base_nonce: Zeroizing<[u8; 12]>,
}

impl StreamKeys {
    /// Derives the keys and the commitment from the input key, salt and
    /// context.
    pub(crate) fn derive(
        key: &[u8; KEY_LEN],
        salt: &[u8; SALT_LEN],
        context: &[u8],
    ) -> Result<(Self, [u8; COMMITMENT_LEN])> {
        if context.len() > MAX_CONTEXT_LEN {
            return Err(Error::LimitExceeded);
        }
        let mut okm = Zeroizing::new([0u8; 32 + 12 + COMMITMENT_LEN]);
        crypto::hkdf_expand_sha512(key, &[INFO_PREFIX, salt, context], okm.as_mut_slice())?;
        let mut aead_key = Zeroizing::new([0u8; 32]);
        let mut base_nonce = Zeroizing::new([0u8; 12]);
        let mut commitment = [0u8; COMMITMENT_LEN];
        aead_key.copy_from_slice(okm.get(..32).ok_or(Error::Internal)?);
        base_nonce.copy_from_slice(okm.get(32..44).ok_or(Error::Internal)?);
        commitment.copy_from_slice(okm.get(44..).ok_or(Error::Internal)?);
        Ok((
            StreamKeys {
                cipher: ChunkCipher::new(&aead_key),
                base_nonce,
            },
            commitment,
        ))
    }

    /// Derives the keys from a stream's header, checking its commitment in
    /// constant time: a mismatch is [`Error::WrongKey`].
    pub(crate) fn open(
        key: &[u8; KEY_LEN],
        header: &[u8; HEADER_LEN],
        context: &[u8],
    ) -> Result<Self> {
        let (salt, commitment) = header.split_at(SALT_LEN);
        let salt: &[u8; SALT_LEN] = salt.try_into().map_err(|_| Error::Internal)?;
        let (keys, expected) = Self::derive(key, salt, context)?;
        if bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], commitment)) {
            Ok(keys)
        } else {
            Err(Error::WrongKey)
        }
    }

    /// `base_nonce XOR index`, the index big-endian in the nonce's low bytes.
    pub(crate) fn nonce(&self, index: u64) -> Result<[u8; 12]> {
        if index >= MAX_CHUNKS {
            return Err(Error::CounterExhausted);
        }
        let mut nonce = *self.base_nonce;
        for (n, i) in nonce.iter_mut().skip(4).zip(index.to_be_bytes()) {
            *n ^= i;
        }
        Ok(nonce)
    }
}

/// The stream length for a plaintext of `plaintext_len` bytes: the header,
/// every full chunk, and the short final chunk. `None` past [`MAX_CHUNKS`].
pub fn ciphertext_len(plaintext_len: u64) -> Option<u64> {
    let chunks = chunk_index(plaintext_len).checked_add(1)?;
    if chunks > MAX_CHUNKS {
        return None;
    }
    chunks
        .checked_mul(CHUNK_TAG_LEN as u64)?
        .checked_add(plaintext_len)?
        .checked_add(HEADER_LEN as u64)
}

/// The plaintext length of a stream of `ciphertext_len` bytes, or
/// [`Error::Malformed`] for a length no stream has (shorter than a header
/// and an empty final chunk, or cut at a chunk boundary).
pub fn plaintext_len(ciphertext_len: u64) -> Result<u64> {
    let body = ciphertext_len
        .checked_sub((HEADER_LEN + CHUNK_TAG_LEN) as u64)
        .ok_or(Error::Malformed)?;
    let full = body
        .checked_div(ENCRYPTED_CHUNK_LEN as u64)
        .ok_or(Error::Internal)?;
    let last = body
        .checked_rem(ENCRYPTED_CHUNK_LEN as u64)
        .ok_or(Error::Internal)?;
    // The final chunk holds `last` bytes of plaintext; a full one would be
    // a stream cut after a full chunk.
    if last >= CHUNK_LEN as u64 || full >= MAX_CHUNKS {
        return Err(Error::Malformed);
    }
    full.checked_mul(CHUNK_LEN as u64)
        .and_then(|n| n.checked_add(last))
        .ok_or(Error::Malformed)
}

/// The input key as an array: [`KEY_LEN`] bytes, or [`Error::InvalidKey`].
pub(crate) fn key_array(key: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>> {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    if key.len() != KEY_LEN {
        return Err(Error::InvalidKey);
    }
    out.copy_from_slice(key);
    Ok(out)
}

const CHUNK_MASK: u64 = (CHUNK_LEN as u64).wrapping_sub(1);

/// The chunk plaintext byte `p` lies in: `p / 16384`.
pub(crate) fn chunk_index(p: u64) -> u64 {
    p >> CHUNK_LEN.trailing_zeros()
}

/// Where plaintext byte `p` lies within its chunk: `p mod 16384`.
pub(crate) fn within_chunk(p: u64) -> usize {
    // Below 16384: fits every usize.
    (p & CHUNK_MASK) as usize
}

/// Where chunk `index` starts in the stream.
pub(crate) fn chunk_offset(index: u64) -> Option<u64> {
    index
        .checked_mul(ENCRYPTED_CHUNK_LEN as u64)?
        .checked_add(HEADER_LEN as u64)
}
