//! Streaming encryption: the header first, then each full chunk as soon as
//! its 16 KiB are in, and the short final chunk at [`ChunkEncryptor::finish`].

use alloc::boxed::Box;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroize;

use super::{CHUNK_LEN, CHUNK_TAG_LEN, ENCRYPTED_CHUNK_LEN, HEADER_LEN, SALT_LEN, StreamKeys};
use crate::crypto::random_array;
use crate::error::{Error, Result};

/// Encrypts one stream. Output goes to buffers the caller provides;
/// [`ChunkEncryptor::update_len`] and [`ChunkEncryptor::finish_len`] say how
/// much each call writes. It holds at most one chunk of plaintext, wiped on
/// drop.
pub struct ChunkEncryptor {
    keys: StreamKeys,
    header: [u8; HEADER_LEN],
    header_written: bool,
    index: u64,
    pending: Box<[u8; CHUNK_LEN]>,
    pending_len: usize,
    finished: bool,
}

impl fmt::Debug for ChunkEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkEncryptor")
            .field("chunks", &self.index)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Drop for ChunkEncryptor {
    fn drop(&mut self) {
        self.pending.zeroize();
    }
}

impl ChunkEncryptor {
    /// Starts a stream under `key` with a fresh random salt. `context`
    /// (at most [`super::MAX_CONTEXT_LEN`] bytes) binds the stream to its
    /// use: decrypting needs the same context.
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R, key: &[u8], context: &[u8]) -> Result<Self> {
        let key = super::key_array(key)?;
        let salt: [u8; SALT_LEN] = random_array(rng);
        let (keys, commitment) = StreamKeys::derive(&key, &salt, context)?;
        let mut header = [0u8; HEADER_LEN];
        let (s, c) = header.split_at_mut(SALT_LEN);
        s.copy_from_slice(&salt);
        c.copy_from_slice(&commitment);
        Ok(ChunkEncryptor {
            keys,
            header,
            header_written: false,
            index: 0,
            pending: Box::new([0u8; CHUNK_LEN]),
            pending_len: 0,
            finished: false,
        })
    }

    /// The stream's 56-byte header (salt and commitment), which the first
    /// call's output begins with.
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    fn header_len(&self) -> usize {
        if self.header_written { 0 } else { HEADER_LEN }
    }

    /// Exactly how many bytes [`ChunkEncryptor::update`] writes for
    /// `input_len` more bytes of plaintext (`None` if that overflows).
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        let chunks = self.pending_len.checked_add(input_len)? / CHUNK_LEN;
        chunks
            .checked_mul(ENCRYPTED_CHUNK_LEN)?
            .checked_add(self.header_len())
    }

    /// Exactly how many bytes [`ChunkEncryptor::finish`] writes: the
    /// header if nothing was written yet, and the final chunk.
    pub fn finish_len(&self) -> usize {
        // Both terms are below 16 KiB + 72: no overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let n = self.header_len() + self.pending_len + CHUNK_TAG_LEN;
        n
    }

    /// Plaintext bytes taken so far.
    pub fn plaintext_len(&self) -> u64 {
        // Below MAX_CHUNKS · 16 KiB < 2^53: no overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let n = self.index * CHUNK_LEN as u64 + self.pending_len as u64;
        n
    }

    /// Encrypts `input`, writing the header (first call) and every chunk
    /// completed into `out`, and returns the bytes written. `out` must hold
    /// [`ChunkEncryptor::update_len`] bytes, or nothing happens and the
    /// answer is [`Error::BufferTooSmall`]. After `finish` it is
    /// [`Error::StreamClosed`]; past [`super::MAX_CHUNKS`] chunks,
    /// [`Error::CounterExhausted`].
    pub fn update(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize> {
        if self.finished {
            return Err(Error::StreamClosed);
        }
        let need = self.update_len(input.len()).ok_or(Error::LimitExceeded)?;
        if out.len() < need {
            return Err(Error::BufferTooSmall);
        }
        let completed = (self.pending_len.saturating_add(input.len()) / CHUNK_LEN) as u64;
        let last = self
            .index
            .checked_add(completed)
            .ok_or(Error::CounterExhausted)?;
        // The final chunk needs an index of its own too.
        self.keys.nonce(last)?;
        let mut written = 0usize;
        let mut out = &mut out[..];
        if !self.header_written {
            let (h, rest) = out
                .split_at_mut_checked(HEADER_LEN)
                .ok_or(Error::Internal)?;
            h.copy_from_slice(&self.header);
            out = rest;
            written = HEADER_LEN;
            self.header_written = true;
        }
        // Fill a partial chunk first.
        if self.pending_len > 0 {
            let space = CHUNK_LEN.saturating_sub(self.pending_len);
            let take = space.min(input.len());
            let (now, rest) = input.split_at(take);
            self.pending
                .get_mut(self.pending_len..self.pending_len.saturating_add(take))
                .ok_or(Error::Internal)?
                .copy_from_slice(now);
            self.pending_len = self.pending_len.saturating_add(take);
            input = rest;
            if self.pending_len == CHUNK_LEN {
                let (chunk, rest) = out
                    .split_at_mut_checked(ENCRYPTED_CHUNK_LEN)
                    .ok_or(Error::Internal)?;
                self.seal_pending(chunk)?;
                out = rest;
                written = written.saturating_add(ENCRYPTED_CHUNK_LEN);
            }
        }
        // Whole chunks straight from the input.
        while input.len() >= CHUNK_LEN {
            let (plain, rest) = input.split_at(CHUNK_LEN);
            let (chunk, more) = out
                .split_at_mut_checked(ENCRYPTED_CHUNK_LEN)
                .ok_or(Error::Internal)?;
            let (body, tag) = chunk.split_at_mut(CHUNK_LEN);
            let nonce = self.keys.nonce(self.index)?;
            tag.copy_from_slice(&self.keys.cipher.seal(&nonce, plain, body)?);
            self.index = self.index.checked_add(1).ok_or(Error::CounterExhausted)?;
            input = rest;
            out = more;
            written = written.saturating_add(ENCRYPTED_CHUNK_LEN);
        }
        // Keep the rest for the next call.
        if !input.is_empty() {
            self.pending
                .get_mut(self.pending_len..self.pending_len.saturating_add(input.len()))
                .ok_or(Error::Internal)?
                .copy_from_slice(input);
            self.pending_len = self.pending_len.saturating_add(input.len());
        }
        Ok(written)
    }

    /// Seals the full pending chunk into `out` (16400 bytes).
    fn seal_pending(&mut self, out: &mut [u8]) -> Result<()> {
        let (body, tag) = out.split_at_mut(CHUNK_LEN);
        let nonce = self.keys.nonce(self.index)?;
        tag.copy_from_slice(&self.keys.cipher.seal(&nonce, &self.pending[..], body)?);
        self.index = self.index.checked_add(1).ok_or(Error::CounterExhausted)?;
        self.pending.zeroize();
        self.pending_len = 0;
        Ok(())
    }

    /// Seals the final, short chunk (empty if the plaintext filled its last
    /// chunk) into `out`, which must hold [`ChunkEncryptor::finish_len`]
    /// bytes ([`Error::BufferTooSmall`] otherwise, and nothing happens),
    /// and closes the stream.
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize> {
        if self.finished {
            return Err(Error::StreamClosed);
        }
        let need = self.finish_len();
        let out = out.get_mut(..need).ok_or(Error::BufferTooSmall)?;
        let nonce = self.keys.nonce(self.index)?;
        let mut out = out;
        if !self.header_written {
            let (h, rest) = out
                .split_at_mut_checked(HEADER_LEN)
                .ok_or(Error::Internal)?;
            h.copy_from_slice(&self.header);
            out = rest;
            self.header_written = true;
        }
        let (body, tag) = out.split_at_mut(self.pending_len);
        let plain = self
            .pending
            .get(..self.pending_len)
            .ok_or(Error::Internal)?;
        tag.copy_from_slice(&self.keys.cipher.seal(&nonce, plain, body)?);
        // `pending_len` stays: plaintext_len() counts the final chunk.
        self.pending.zeroize();
        self.finished = true;
        Ok(need)
    }
}
