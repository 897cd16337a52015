//! Streaming decryption: the header is checked (the key commitment) before
//! anything is decrypted, each full chunk is decrypted as soon as its
//! 16400 bytes are in (a full chunk is never the last), and the short final
//! chunk at [`ChunkDecryptor::finish`].

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use zeroize::{Zeroize, Zeroizing};

use super::{
    CHUNK_LEN, CHUNK_TAG_LEN, ENCRYPTED_CHUNK_LEN, HEADER_LEN, KEY_LEN, MAX_CONTEXT_LEN, StreamKeys,
};
use crate::error::{Error, Result};

enum State {
    /// Gathering the header; the key and context wait for it.
    Header {
        key: Zeroizing<[u8; KEY_LEN]>,
        context: Vec<u8>,
    },
    /// Decrypting chunks.
    Body { keys: Box<StreamKeys>, index: u64 },
    /// Finished, or failed with this error (repeated to every later call).
    Closed(Option<Error>),
}

/// Decrypts one stream. Output goes to buffers the caller provides;
/// [`ChunkDecryptor::update_len`] and [`ChunkDecryptor::finish_len`] say how
/// much each call may write. It holds at most one encrypted chunk.
///
/// Each chunk is written out only after its tag verifies, but the stream
/// as a whole (its length, and so its end) is authenticated only when
/// [`ChunkDecryptor::finish`] succeeds: until then treat the output as a
/// prefix, and discard it on an error. After an error, every call fails
/// with it again.
pub struct ChunkDecryptor {
    state: State,
    buf: Box<[u8; ENCRYPTED_CHUNK_LEN]>,
    buf_len: usize,
    plaintext_len: u64,
}

impl fmt::Debug for ChunkDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkDecryptor")
            .field("plaintext_len", &self.plaintext_len)
            .finish_non_exhaustive()
    }
}

impl Drop for ChunkDecryptor {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl ChunkDecryptor {
    /// Starts decrypting a stream under `key` and `context`. A context
    /// longer than [`MAX_CONTEXT_LEN`] is [`Error::LimitExceeded`].
    pub fn new(key: &[u8], context: &[u8]) -> Result<Self> {
        let key = super::key_array(key)?;
        if context.len() > MAX_CONTEXT_LEN {
            return Err(Error::LimitExceeded);
        }
        Ok(ChunkDecryptor {
            state: State::Header {
                key,
                context: context.to_vec(),
            },
            buf: Box::new([0u8; ENCRYPTED_CHUNK_LEN]),
            buf_len: 0,
            plaintext_len: 0,
        })
    }

    /// At most how many bytes [`ChunkDecryptor::update`] writes for
    /// `input_len` more bytes: the plaintext of every full chunk completed.
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        let header_left = match self.state {
            State::Header { .. } => HEADER_LEN.saturating_sub(self.buf_len),
            _ => 0,
        };
        let body = input_len.saturating_sub(header_left);
        let buffered = match self.state {
            State::Header { .. } => 0,
            _ => self.buf_len,
        };
        let chunks = buffered.checked_add(body)? / ENCRYPTED_CHUNK_LEN;
        chunks.checked_mul(CHUNK_LEN)
    }

    /// At most how many bytes [`ChunkDecryptor::finish`] writes: the final
    /// chunk's plaintext.
    pub fn finish_len(&self) -> usize {
        match self.state {
            State::Body { .. } => self.buf_len.saturating_sub(CHUNK_TAG_LEN),
            _ => 0,
        }
    }

    /// Plaintext bytes written so far.
    pub fn plaintext_len(&self) -> u64 {
        self.plaintext_len
    }

    fn fail(&mut self, e: Error) -> Error {
        self.buf.zeroize();
        self.buf_len = 0;
        self.state = State::Closed(Some(e));
        e
    }

    fn closed(&self) -> Option<Error> {
        match self.state {
            State::Closed(e) => Some(e.unwrap_or(Error::StreamClosed)),
            _ => None,
        }
    }

    /// Takes the next `input` bytes of the stream and writes the plaintext
    /// of every chunk they complete to `out`, returning its length. `out`
    /// must hold [`ChunkDecryptor::update_len`] bytes, or nothing happens
    /// and the answer is [`Error::BufferTooSmall`].
    ///
    /// Errors: [`Error::WrongKey`] when the header's commitment does not
    /// match the key and context (nothing was decrypted);
    /// [`Error::AuthenticationFailed`] for a chunk that does not verify at
    /// its position (tampered, reordered, duplicated, or data after the
    /// final chunk).
    pub fn update(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize> {
        if let Some(e) = self.closed() {
            return Err(e);
        }
        let need = self.update_len(input.len()).ok_or(Error::LimitExceeded)?;
        if out.len() < need {
            return Err(Error::BufferTooSmall);
        }
        if let State::Header { key, context } = &self.state {
            let take = HEADER_LEN.saturating_sub(self.buf_len).min(input.len());
            let (now, rest) = input.split_at(take);
            let end = self.buf_len.saturating_add(take);
            self.buf
                .get_mut(self.buf_len..end)
                .ok_or(Error::Internal)?
                .copy_from_slice(now);
            self.buf_len = end;
            input = rest;
            if self.buf_len < HEADER_LEN {
                return Ok(0);
            }
            let mut header = [0u8; HEADER_LEN];
            header.copy_from_slice(self.buf.get(..HEADER_LEN).ok_or(Error::Internal)?);
            match StreamKeys::open(key, &header, context) {
                Ok(keys) => {
                    self.state = State::Body {
                        keys: Box::new(keys),
                        index: 0,
                    };
                    self.buf_len = 0;
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        match self.body(input, out) {
            Ok(n) => Ok(n),
            Err(e) => {
                // Chunks of this call written before the failure are
                // authenticated, but the call failed: leave nothing behind.
                out.zeroize();
                Err(self.fail(e))
            }
        }
    }

    fn body(&mut self, mut input: &[u8], mut out: &mut [u8]) -> Result<usize> {
        let State::Body { keys, index } = &mut self.state else {
            return Err(Error::Internal);
        };
        let mut written = 0usize;
        // Complete a partial chunk first.
        if self.buf_len > 0 {
            let take = ENCRYPTED_CHUNK_LEN
                .saturating_sub(self.buf_len)
                .min(input.len());
            let (now, rest) = input.split_at(take);
            let end = self.buf_len.saturating_add(take);
            self.buf
                .get_mut(self.buf_len..end)
                .ok_or(Error::Internal)?
                .copy_from_slice(now);
            self.buf_len = end;
            input = rest;
            if self.buf_len == ENCRYPTED_CHUNK_LEN {
                let (body, tag) = self.buf.split_at(CHUNK_LEN);
                let tag: &[u8; CHUNK_TAG_LEN] = tag.try_into().map_err(|_| Error::Internal)?;
                let (plain, rest) = out.split_at_mut_checked(CHUNK_LEN).ok_or(Error::Internal)?;
                keys.cipher.open(&keys.nonce(*index)?, body, tag, plain)?;
                *index = index.checked_add(1).ok_or(Error::CounterExhausted)?;
                self.buf.zeroize();
                self.buf_len = 0;
                out = rest;
                written = written.saturating_add(CHUNK_LEN);
            }
        }
        // Whole chunks straight from the input.
        while input.len() >= ENCRYPTED_CHUNK_LEN {
            let (chunk, rest) = input.split_at(ENCRYPTED_CHUNK_LEN);
            let (body, tag) = chunk.split_at(CHUNK_LEN);
            let tag: &[u8; CHUNK_TAG_LEN] = tag.try_into().map_err(|_| Error::Internal)?;
            let (plain, more) = out.split_at_mut_checked(CHUNK_LEN).ok_or(Error::Internal)?;
            keys.cipher.open(&keys.nonce(*index)?, body, tag, plain)?;
            *index = index.checked_add(1).ok_or(Error::CounterExhausted)?;
            input = rest;
            out = more;
            written = written.saturating_add(CHUNK_LEN);
        }
        if !input.is_empty() {
            let end = self.buf_len.saturating_add(input.len());
            self.buf
                .get_mut(self.buf_len..end)
                .ok_or(Error::Internal)?
                .copy_from_slice(input);
            self.buf_len = end;
        }
        self.plaintext_len = self.plaintext_len.saturating_add(written as u64);
        Ok(written)
    }

    /// Ends the stream: decrypts the short final chunk into `out` (which
    /// must hold [`ChunkDecryptor::finish_len`] bytes, or nothing happens
    /// and the answer is [`Error::BufferTooSmall`]) and returns its length.
    /// A stream without its final chunk (cut short, or at a chunk boundary)
    /// is [`Error::Malformed`]; a final chunk that does not verify,
    /// [`Error::AuthenticationFailed`]. Only now is the whole stream
    /// authenticated.
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize> {
        if let Some(e) = self.closed() {
            return Err(e);
        }
        if matches!(self.state, State::Header { .. }) {
            return Err(self.fail(Error::Malformed));
        }
        let need = self.finish_len();
        if out.len() < need {
            return Err(Error::BufferTooSmall);
        }
        let result = self.final_chunk(out);
        match result {
            Ok(n) => {
                self.state = State::Closed(None);
                self.buf_len = 0;
                Ok(n)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn final_chunk(&mut self, out: &mut [u8]) -> Result<usize> {
        let State::Body { keys, index } = &self.state else {
            return Err(Error::Internal);
        };
        let body_len = self
            .buf_len
            .checked_sub(CHUNK_TAG_LEN)
            .ok_or(Error::Malformed)?;
        let (body, rest) = self.buf.split_at(body_len);
        let tag: &[u8; CHUNK_TAG_LEN] = rest
            .get(..CHUNK_TAG_LEN)
            .and_then(|t| t.try_into().ok())
            .ok_or(Error::Internal)?;
        let plain = out.get_mut(..body_len).ok_or(Error::Internal)?;
        keys.cipher.open(&keys.nonce(*index)?, body, tag, plain)?;
        self.buf.zeroize();
        self.plaintext_len = self.plaintext_len.saturating_add(body_len as u64);
        Ok(body_len)
    }
}
