//! Random access: any byte range of a stream, reading and authenticating
//! only the chunks it covers.
//!
//! ```text
//! plaintext byte p: chunk p / 16384, at stream offset 56 + (p / 16384) · 16400
//! length: from the stream's length, authenticated by decrypting the final
//!         chunk at open (ChunkReader::open), or given by the caller from
//!         an authenticated source (ChunkReader::open_with_len)
//! ```

use alloc::boxed::Box;
use core::fmt;

use zeroize::Zeroize;

use super::{
    CHUNK_LEN, CHUNK_TAG_LEN, ENCRYPTED_CHUNK_LEN, HEADER_LEN, StreamKeys, chunk_index,
    chunk_offset, ciphertext_len, plaintext_len, within_chunk,
};
use crate::error::{Error, Result};

/// Where a [`ChunkReader`] reads the stream from: a file, a download
/// cache, a slice.
pub trait ChunkSource {
    /// The stream's length in bytes.
    fn len(&self) -> u64;
    /// True for an empty source.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills `buf` from the stream at `offset`, or fails (an I/O error is
    /// the implementer's to map onto an [`Error`]).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()>;
}

impl ChunkSource for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = usize::try_from(offset).map_err(|_| Error::Malformed)?;
        let end = start.checked_add(buf.len()).ok_or(Error::Malformed)?;
        buf.copy_from_slice(self.get(start..end).ok_or(Error::Malformed)?);
        Ok(())
    }
}

/// Reads any byte range of a stream. It holds one decrypted chunk (wiped
/// on drop), so reading near the last read costs no decryption.
pub struct ChunkReader<S: ChunkSource> {
    source: S,
    keys: StreamKeys,
    len: u64,
    chunks: u64,
    buf: Box<[u8; ENCRYPTED_CHUNK_LEN]>,
    /// The chunk whose plaintext `buf` holds, and its length.
    cached: Option<(u64, usize)>,
}

impl<S: ChunkSource> fmt::Debug for ChunkReader<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkReader")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl<S: ChunkSource> Drop for ChunkReader<S> {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}

impl<S: ChunkSource> ChunkReader<S> {
    fn with_keys(mut source: S, key: &[u8], context: &[u8]) -> Result<(S, StreamKeys, u64)> {
        let key = super::key_array(key)?;
        let stream_len = source.len();
        let len = plaintext_len(stream_len)?;
        let mut header = [0u8; HEADER_LEN];
        source.read_at(0, &mut header)?;
        let keys = StreamKeys::open(&key, &header, context)?;
        Ok((source, keys, len))
    }

    fn build(source: S, keys: StreamKeys, len: u64) -> Self {
        // len < MAX_CHUNKS · 16 KiB: no overflow.
        #[allow(clippy::arithmetic_side_effects)]
        let chunks = chunk_index(len) + 1;
        ChunkReader {
            source,
            keys,
            len,
            chunks,
            buf: Box::new([0u8; ENCRYPTED_CHUNK_LEN]),
            cached: None,
        }
    }

    /// Opens a stream whose length only the stream itself can vouch for:
    /// checks the commitment ([`Error::WrongKey`]), then reads and
    /// authenticates the final chunk, so that [`ChunkReader::len`] is
    /// authenticated before any read, from the start or from the end. A
    /// length no stream has is [`Error::Malformed`]; a final chunk that does
    /// not verify (a stream cut short, or with data after its end),
    /// [`Error::AuthenticationFailed`].
    pub fn open(source: S, key: &[u8], context: &[u8]) -> Result<Self> {
        let (source, keys, len) = Self::with_keys(source, key, context)?;
        let mut reader = Self::build(source, keys, len);
        let last = reader.chunks.checked_sub(1).ok_or(Error::Internal)?;
        reader.load(last)?;
        Ok(reader)
    }

    /// Opens a stream whose plaintext length the caller already trusts
    /// (an attachment's, from its end-to-end encrypted descriptor): the
    /// stream's length must match it ([`Error::Malformed`] otherwise), and
    /// only the commitment is checked now.
    pub fn open_with_len(source: S, key: &[u8], context: &[u8], len: u64) -> Result<Self> {
        if ciphertext_len(len) != Some(source.len()) {
            return Err(Error::Malformed);
        }
        let (source, keys, found) = Self::with_keys(source, key, context)?;
        if found != len {
            return Err(Error::Malformed);
        }
        Ok(Self::build(source, keys, len))
    }

    /// The plaintext length, authenticated.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for an empty plaintext.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Decrypts chunk `index` into the buffer, unless it is there already.
    fn load(&mut self, index: u64) -> Result<usize> {
        if let Some((cached, n)) = self.cached
            && cached == index
        {
            return Ok(n);
        }
        self.cached = None;
        let last = self.chunks.checked_sub(1).ok_or(Error::Internal)?;
        let body_len = if index == last {
            within_chunk(self.len)
        } else if index < last {
            CHUNK_LEN
        } else {
            return Err(Error::Internal);
        };
        let total = body_len.checked_add(CHUNK_TAG_LEN).ok_or(Error::Internal)?;
        let offset = chunk_offset(index).ok_or(Error::Internal)?;
        let encrypted = self.buf.get_mut(..total).ok_or(Error::Internal)?;
        if let Err(e) = self.source.read_at(offset, encrypted) {
            self.buf.zeroize();
            return Err(e);
        }
        let (body, tag) = encrypted.split_at_mut(body_len);
        let tag: [u8; CHUNK_TAG_LEN] = (&*tag).try_into().map_err(|_| Error::Internal)?;
        let nonce = self.keys.nonce(index)?;
        if let Err(e) = self.keys.cipher.open_in_place(&nonce, body, &tag) {
            self.buf.zeroize();
            return Err(e);
        }
        self.cached = Some((index, body_len));
        Ok(body_len)
    }

    /// Decrypts plaintext bytes from `offset` into `buf`, as many as fit
    /// before the end, and returns how many (0 at or past the end). Reads
    /// and authenticates only the chunks the range covers; a chunk that does
    /// not verify at its position is [`Error::AuthenticationFailed`].
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let mut done = 0usize;
        let mut pos = offset;
        while done < buf.len() && pos < self.len {
            let index = chunk_index(pos);
            let within = within_chunk(pos);
            let n = self.load(index)?;
            let available = self.buf.get(within..n).ok_or(Error::Internal)?;
            let dest = buf.get_mut(done..).ok_or(Error::Internal)?;
            let take = available.len().min(dest.len());
            dest.get_mut(..take)
                .ok_or(Error::Internal)?
                .copy_from_slice(available.get(..take).ok_or(Error::Internal)?);
            done = done.checked_add(take).ok_or(Error::Internal)?;
            pos = pos.checked_add(take as u64).ok_or(Error::Internal)?;
        }
        Ok(done)
    }

    /// The source the reader reads from.
    pub fn source(&self) -> &S {
        &self.source
    }
}

/// Random access without a [`ChunkSource`]: the caller reads each chunk's
/// bytes itself (where [`ChunkIndex::locate`] says) and hands them in, for
/// the C ABI and bindings that read files their own way. The plaintext
/// length is one the caller trusts (an attachment's descriptor).
pub struct ChunkIndex {
    keys: StreamKeys,
    len: u64,
}

impl fmt::Debug for ChunkIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkIndex")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// Where one chunk lies: its index, where its bytes start in the stream and
/// how many there are, and the plaintext range it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkLocation {
    /// The chunk's index.
    pub index: u64,
    /// Where its encrypted bytes start in the stream.
    pub stream_offset: u64,
    /// How many encrypted bytes it has (plaintext and tag).
    pub stream_len: usize,
    /// The first plaintext byte it holds.
    pub plaintext_offset: u64,
    /// How many plaintext bytes it holds.
    pub plaintext_len: usize,
}

impl ChunkIndex {
    /// Opens a stream of `stream_len` bytes whose plaintext length `len`
    /// the caller trusts, from its 56-byte header: [`Error::Malformed`] if
    /// the lengths disagree, [`Error::WrongKey`] if the commitment does.
    pub fn open(
        key: &[u8],
        context: &[u8],
        header: &[u8],
        stream_len: u64,
        len: u64,
    ) -> Result<Self> {
        if ciphertext_len(len) != Some(stream_len) {
            return Err(Error::Malformed);
        }
        let key = super::key_array(key)?;
        let header: &[u8; HEADER_LEN] = header.try_into().map_err(|_| Error::Malformed)?;
        Ok(ChunkIndex {
            keys: StreamKeys::open(&key, header, context)?,
            len,
        })
    }

    /// The plaintext length.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for an empty plaintext.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunk holding plaintext byte `offset`; `None` at or past the end.
    pub fn locate(&self, offset: u64) -> Option<ChunkLocation> {
        if offset >= self.len {
            return None;
        }
        let index = chunk_index(offset);
        let last = chunk_index(self.len);
        let plaintext_len = if index == last {
            within_chunk(self.len)
        } else {
            CHUNK_LEN
        };
        Some(ChunkLocation {
            index,
            stream_offset: chunk_offset(index)?,
            stream_len: plaintext_len.checked_add(CHUNK_TAG_LEN)?,
            plaintext_offset: index.checked_mul(CHUNK_LEN as u64)?,
            plaintext_len,
        })
    }

    /// Decrypts chunk `index` from its `encrypted` bytes into `out` (at
    /// least its plaintext length, [`Error::BufferTooSmall`] otherwise) and
    /// returns that length. Bytes of another length than the chunk's are
    /// [`Error::Malformed`]; bytes that do not verify at this index,
    /// [`Error::AuthenticationFailed`].
    pub fn decrypt_chunk(&self, index: u64, encrypted: &[u8], out: &mut [u8]) -> Result<usize> {
        let first = index
            .checked_mul(CHUNK_LEN as u64)
            .ok_or(Error::Malformed)?;
        let loc = match self.locate(first) {
            Some(l) => l,
            // The empty final chunk of a stream whose length is a multiple
            // of the chunk size (or of an empty stream).
            None if chunk_index(self.len) == index => ChunkLocation {
                index,
                stream_offset: chunk_offset(index).ok_or(Error::Malformed)?,
                stream_len: CHUNK_TAG_LEN,
                plaintext_offset: first,
                plaintext_len: 0,
            },
            None => return Err(Error::Malformed),
        };
        if encrypted.len() != loc.stream_len {
            return Err(Error::Malformed);
        }
        let out = out
            .get_mut(..loc.plaintext_len)
            .ok_or(Error::BufferTooSmall)?;
        let (body, tag) = encrypted.split_at(loc.plaintext_len);
        let tag: &[u8; CHUNK_TAG_LEN] = tag.try_into().map_err(|_| Error::Internal)?;
        self.keys
            .cipher
            .open(&self.keys.nonce(index)?, body, tag, out)?;
        Ok(loc.plaintext_len)
    }
}
