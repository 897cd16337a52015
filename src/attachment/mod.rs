//! Attachments: a photo, video, voice note or document encrypted under a
//! fresh random key as one C2SP chunked stream ([`crate::chunked`]), for the
//! app to upload to its blob store; the key, the ciphertext's SHA-256 and
//! the plaintext length travel in the message's
//! [`AttachmentDescriptor`](crate::envelope::AttachmentDescriptor).
//!
//! ```text
//! key  = 32 random bytes, one attachment only
//! blob = Cobblestone-256(key, context = "sotto v1 attachment", plaintext)
//! descriptor = key ‖ SHA-256(blob) ‖ plaintext length ‖ media type ‖ …   (in the envelope)
//! ```
//!
//! The receiver checks the commitment before decrypting anything (a wrong
//! key is [`Error::WrongKey`]), each chunk at its position, the blob's exact
//! length (from the descriptor's plaintext length: a truncated blob or one
//! with data after its end is refused) and, at the end, its SHA-256. Random
//! access ([`open_reader`]) reads only the chunks a range covers, the length
//! being authenticated by the descriptor.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::chunked::{
    self, ChunkDecryptor, ChunkEncryptor, ChunkIndex, ChunkReader, ChunkSource, HEADER_LEN,
};
use crate::crypto::{Sha256Stream, random_array};
use crate::envelope::AttachmentDescriptor;
use crate::error::{Error, Result};

/// The chunked stream's context for attachments: its own label.
pub const LABEL_ATTACHMENT: &[u8] = b"sotto v1 attachment";

/// What encrypting an attachment gives the app to put in its descriptor:
/// the key (wiped on drop), the blob's SHA-256 and both lengths.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptedAttachment {
    /// The blob's key.
    pub key: Zeroizing<[u8; 32]>,
    /// SHA-256 of the blob, as uploaded.
    pub ciphertext_sha256: [u8; 32],
    /// The plaintext's length in bytes.
    pub plaintext_len: u64,
    /// The blob's length in bytes.
    pub ciphertext_len: u64,
}

impl fmt::Debug for EncryptedAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedAttachment")
            .field("plaintext_len", &self.plaintext_len)
            .field("ciphertext_len", &self.ciphertext_len)
            .finish_non_exhaustive()
    }
}

impl EncryptedAttachment {
    /// A descriptor of this attachment with its media type (for example
    /// `image/jpeg`) and no thumbnail, dimensions or duration; set those
    /// fields before sending.
    pub fn descriptor(&self, media_type: &str) -> AttachmentDescriptor {
        AttachmentDescriptor {
            key: self.key.clone(),
            ciphertext_sha256: self.ciphertext_sha256,
            plaintext_len: self.plaintext_len,
            media_type: media_type.into(),
            thumbnail: None,
            dimensions: None,
            duration_ms: None,
        }
    }
}

/// Encrypts one attachment as a stream, under a fresh key; the blob's
/// first bytes are in the first call's output.
pub struct AttachmentEncryptor {
    stream: ChunkEncryptor,
    key: Zeroizing<[u8; 32]>,
    hash: Sha256Stream,
    written: u64,
}

impl fmt::Debug for AttachmentEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentEncryptor")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl AttachmentEncryptor {
    /// Starts an attachment under a fresh random key.
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::with_label(rng, LABEL_ATTACHMENT)
    }

    /// Starts a new device's history blob ([`crate::devices::LABEL_DEVICE_HISTORY`]):
    /// the same stream under its own context, sent as
    /// [`crate::Content::DeviceHistory`].
    pub fn new_history<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<Self> {
        Self::with_label(rng, crate::devices::LABEL_DEVICE_HISTORY)
    }

    fn with_label<R: CryptoRng + ?Sized>(rng: &mut R, label: &[u8]) -> Result<Self> {
        let key = Zeroizing::new(random_array::<32, R>(rng));
        let stream = ChunkEncryptor::new(rng, &key[..], label)?;
        Ok(AttachmentEncryptor {
            stream,
            key,
            hash: Sha256Stream::default(),
            written: 0,
        })
    }

    /// Exactly how many bytes [`AttachmentEncryptor::update`] writes for
    /// `input_len` more bytes.
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        self.stream.update_len(input_len)
    }

    /// Exactly how many bytes [`AttachmentEncryptor::finish`] writes.
    pub fn finish_len(&self) -> usize {
        self.stream.finish_len()
    }

    /// Encrypts `input` into `out` (see [`ChunkEncryptor::update`]).
    pub fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize> {
        let n = self.stream.update(input, out)?;
        self.hash.update(out.get(..n).ok_or(Error::Internal)?);
        self.written = self.written.checked_add(n as u64).ok_or(Error::Internal)?;
        Ok(n)
    }

    /// Writes the blob's last bytes into `out` and returns their length with
    /// what the descriptor needs.
    pub fn finish(&mut self, out: &mut [u8]) -> Result<(usize, EncryptedAttachment)> {
        let n = self.stream.finish(out)?;
        self.hash.update(out.get(..n).ok_or(Error::Internal)?);
        self.written = self.written.checked_add(n as u64).ok_or(Error::Internal)?;
        let hash = core::mem::take(&mut self.hash);
        Ok((
            n,
            EncryptedAttachment {
                key: self.key.clone(),
                ciphertext_sha256: hash.finish(),
                plaintext_len: self.stream.plaintext_len(),
                ciphertext_len: self.written,
            },
        ))
    }
}

/// Decrypts one attachment's blob as it downloads, against its descriptor.
/// Each chunk comes out once authenticated; the blob is whole, of the
/// right length and hash, only when [`AttachmentDecryptor::finish`]
/// succeeds. After an error every call fails again.
pub struct AttachmentDecryptor {
    stream: ChunkDecryptor,
    expected_len: u64,
    expected_sha256: [u8; 32],
    seen: u64,
    hash: Sha256Stream,
    failed: Option<Error>,
}

impl fmt::Debug for AttachmentDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentDecryptor")
            .field("seen", &self.seen)
            .field("expected_len", &self.expected_len)
            .finish_non_exhaustive()
    }
}

impl AttachmentDecryptor {
    /// Starts decrypting the blob `descriptor` describes. A plaintext
    /// length no stream can have is [`Error::Malformed`].
    pub fn new(descriptor: &AttachmentDescriptor) -> Result<Self> {
        Self::with_label(descriptor, LABEL_ATTACHMENT)
    }

    /// Starts decrypting a new device's history blob (see
    /// [`AttachmentEncryptor::new_history`]).
    pub fn new_history(descriptor: &AttachmentDescriptor) -> Result<Self> {
        Self::with_label(descriptor, crate::devices::LABEL_DEVICE_HISTORY)
    }

    fn with_label(descriptor: &AttachmentDescriptor, label: &[u8]) -> Result<Self> {
        let expected_len =
            chunked::ciphertext_len(descriptor.plaintext_len).ok_or(Error::Malformed)?;
        Ok(AttachmentDecryptor {
            stream: ChunkDecryptor::new(&descriptor.key[..], label)?,
            expected_len,
            expected_sha256: descriptor.ciphertext_sha256,
            seen: 0,
            hash: Sha256Stream::default(),
            failed: None,
        })
    }

    /// At most how many bytes [`AttachmentDecryptor::update`] writes.
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        self.stream.update_len(input_len)
    }

    /// At most how many bytes [`AttachmentDecryptor::finish`] writes.
    pub fn finish_len(&self) -> usize {
        self.stream.finish_len()
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = Some(e);
        e
    }

    /// Takes the next `input` bytes of the blob (see
    /// [`ChunkDecryptor::update`]). More bytes than the descriptor's length
    /// allows is [`Error::Malformed`].
    pub fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let seen = self
            .seen
            .checked_add(input.len() as u64)
            .ok_or(Error::Malformed);
        match seen {
            Ok(n) if n <= self.expected_len => {}
            _ => return Err(self.fail(Error::Malformed)),
        }
        match self.stream.update(input, out) {
            Ok(n) => {
                self.hash.update(input);
                self.seen = self.seen.saturating_add(input.len() as u64);
                Ok(n)
            }
            Err(Error::BufferTooSmall) => Err(Error::BufferTooSmall),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Ends the blob: checks its length ([`Error::Malformed`] if short) and
    /// SHA-256 ([`Error::AuthenticationFailed`]) against the descriptor,
    /// then decrypts the final chunk into `out`.
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if out.len() < self.stream.finish_len() {
            return Err(Error::BufferTooSmall);
        }
        if self.seen != self.expected_len {
            return Err(self.fail(Error::Malformed));
        }
        let hash = core::mem::take(&mut self.hash).finish();
        if !bool::from(hash.ct_eq(&self.expected_sha256)) {
            return Err(self.fail(Error::AuthenticationFailed));
        }
        let n = self.stream.finish(out).map_err(|e| self.fail(e))?;
        self.failed = Some(Error::StreamClosed);
        Ok(n)
    }
}

/// Encrypts a whole attachment at once: the blob and what its descriptor
/// needs.
pub fn encrypt<R: CryptoRng + ?Sized>(
    rng: &mut R,
    plaintext: &[u8],
) -> Result<(Vec<u8>, EncryptedAttachment)> {
    whole(AttachmentEncryptor::new(rng)?, plaintext)
}

/// Encrypts a new device's history blob at once (see
/// [`AttachmentEncryptor::new_history`]).
pub fn encrypt_history<R: CryptoRng + ?Sized>(
    rng: &mut R,
    plaintext: &[u8],
) -> Result<(Vec<u8>, EncryptedAttachment)> {
    whole(AttachmentEncryptor::new_history(rng)?, plaintext)
}

fn whole(mut e: AttachmentEncryptor, plaintext: &[u8]) -> Result<(Vec<u8>, EncryptedAttachment)> {
    let len = chunked::ciphertext_len(plaintext.len() as u64).ok_or(Error::LimitExceeded)?;
    let mut blob = vec![0u8; usize::try_from(len).map_err(|_| Error::LimitExceeded)?];
    let n = e.update(plaintext, &mut blob)?;
    let (m, done) = e.finish(blob.get_mut(n..).ok_or(Error::Internal)?)?;
    if n.checked_add(m) != Some(blob.len()) {
        return Err(Error::Internal);
    }
    Ok((blob, done))
}

/// Decrypts a whole blob against its descriptor.
pub fn decrypt(descriptor: &AttachmentDescriptor, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    unwhole(AttachmentDecryptor::new(descriptor)?, descriptor, blob)
}

/// Decrypts a whole history blob against its descriptor.
pub fn decrypt_history(
    descriptor: &AttachmentDescriptor,
    blob: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    unwhole(
        AttachmentDecryptor::new_history(descriptor)?,
        descriptor,
        blob,
    )
}

fn unwhole(
    mut d: AttachmentDecryptor,
    descriptor: &AttachmentDescriptor,
    blob: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if blob.len() as u64 != d.expected_len {
        return Err(Error::Malformed);
    }
    let len = usize::try_from(descriptor.plaintext_len).map_err(|_| Error::LimitExceeded)?;
    let mut out = Zeroizing::new(vec![0u8; len]);
    let n = d.update(blob, &mut out)?;
    let m = d.finish(out.get_mut(n..).ok_or(Error::Internal)?)?;
    if n.checked_add(m) != Some(len) {
        return Err(Error::Internal);
    }
    Ok(out)
}

/// Opens a blob for random access: the length comes from the descriptor
/// (the blob's must match it), so any offset can be read at once, and only
/// the chunks a read covers are read and authenticated. The SHA-256 is not
/// checked: it needs the whole blob.
pub fn open_reader<S: ChunkSource>(
    descriptor: &AttachmentDescriptor,
    source: S,
) -> Result<ChunkReader<S>> {
    ChunkReader::open_with_len(
        source,
        &descriptor.key[..],
        LABEL_ATTACHMENT,
        descriptor.plaintext_len,
    )
}

/// Opens a blob for random access by chunks the caller reads itself
/// ([`ChunkIndex`]), from its first 56 bytes and its length.
pub fn open_index(
    descriptor: &AttachmentDescriptor,
    header: &[u8],
    blob_len: u64,
) -> Result<ChunkIndex> {
    if header.len() != HEADER_LEN {
        return Err(Error::Malformed);
    }
    ChunkIndex::open(
        &descriptor.key[..],
        LABEL_ATTACHMENT,
        header,
        blob_len,
        descriptor.plaintext_len,
    )
}
