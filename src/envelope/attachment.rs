//! The attachment descriptor: what a message carries about an encrypted
//! blob the app uploaded.
//!
//! ```text
//! key (32) | ciphertext SHA-256 (32) | plaintext length u64 (≤ chunked::MAX_PLAINTEXT_LEN)
//! | media type length u8 (1..=MAX_MEDIA_TYPE_LEN) | media type (printable ASCII, no space)
//! | flags u8: bit 0 thumbnail, bit 1 dimensions, bit 2 duration (other bits zero)
//! | [thumbnail length u32 (1..=MAX_THUMBNAIL_LEN) | thumbnail]
//! | [width u32 | height u32] | [duration u32, milliseconds]
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Result};

/// The longest media type, in bytes.
pub const MAX_MEDIA_TYPE_LEN: usize = 127;
/// The largest thumbnail a descriptor carries, in bytes.
pub const MAX_THUMBNAIL_LEN: usize = 64 * 1024;

const FLAG_THUMBNAIL: u8 = 1;
const FLAG_DIMENSIONS: u8 = 2;
const FLAG_DURATION: u8 = 4;

/// An attachment: the key its blob is encrypted under, the blob's hash, and
/// what the app shows before downloading it. `Debug` never prints the key
/// or the thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentDescriptor {
    /// The blob's 32-byte key; wiped on drop.
    pub key: Zeroizing<[u8; 32]>,
    /// SHA-256 of the encrypted blob, as uploaded.
    pub ciphertext_sha256: [u8; 32],
    /// The plaintext's length in bytes.
    pub plaintext_len: u64,
    /// The media type, for example `image/jpeg`.
    pub media_type: String,
    /// A small preview, shown before the download.
    pub thumbnail: Option<Zeroizing<Vec<u8>>>,
    /// Width and height in pixels, for images and videos.
    pub dimensions: Option<(u32, u32)>,
    /// Duration in milliseconds, for audio and video.
    pub duration_ms: Option<u32>,
}

impl fmt::Debug for AttachmentDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttachmentDescriptor")
            .field("plaintext_len", &self.plaintext_len)
            .field("media_type", &self.media_type)
            .field("thumbnail_len", &self.thumbnail.as_ref().map(|t| t.len()))
            .field("dimensions", &self.dimensions)
            .field("duration_ms", &self.duration_ms)
            .finish_non_exhaustive()
    }
}

fn valid_media_type(t: &[u8]) -> bool {
    !t.is_empty() && t.len() <= MAX_MEDIA_TYPE_LEN && t.iter().all(|b| (0x21..=0x7e).contains(b))
}

impl AttachmentDescriptor {
    pub(super) fn encode_into(&self, out: &mut Vec<u8>) -> Result<()> {
        let media = self.media_type.as_bytes();
        if !valid_media_type(media) || self.plaintext_len > crate::chunked::MAX_PLAINTEXT_LEN {
            return Err(Error::Malformed);
        }
        out.extend_from_slice(&self.key[..]);
        out.extend_from_slice(&self.ciphertext_sha256);
        out.extend_from_slice(&self.plaintext_len.to_be_bytes());
        out.push(u8::try_from(media.len()).map_err(|_| Error::Malformed)?);
        out.extend_from_slice(media);
        let mut flags = 0;
        if self.thumbnail.is_some() {
            flags |= FLAG_THUMBNAIL;
        }
        if self.dimensions.is_some() {
            flags |= FLAG_DIMENSIONS;
        }
        if self.duration_ms.is_some() {
            flags |= FLAG_DURATION;
        }
        out.push(flags);
        if let Some(t) = &self.thumbnail {
            if t.is_empty() || t.len() > MAX_THUMBNAIL_LEN {
                return Err(Error::LimitExceeded);
            }
            out.extend_from_slice(
                &u32::try_from(t.len())
                    .map_err(|_| Error::Malformed)?
                    .to_be_bytes(),
            );
            out.extend_from_slice(t);
        }
        if let Some((w, h)) = self.dimensions {
            out.extend_from_slice(&w.to_be_bytes());
            out.extend_from_slice(&h.to_be_bytes());
        }
        if let Some(d) = self.duration_ms {
            out.extend_from_slice(&d.to_be_bytes());
        }
        Ok(())
    }

    pub(super) fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let key = Zeroizing::new(r.array::<32>()?);
        let ciphertext_sha256 = r.array()?;
        let plaintext_len = r.u64()?;
        if plaintext_len > crate::chunked::MAX_PLAINTEXT_LEN {
            return Err(Error::Malformed);
        }
        let media_len = usize::from(r.u8()?);
        let media = r.bytes(media_len)?;
        if !valid_media_type(media) {
            return Err(Error::Malformed);
        }
        let media_type = String::from(core::str::from_utf8(media).map_err(|_| Error::Malformed)?);
        let flags = r.u8()?;
        if flags & !(FLAG_THUMBNAIL | FLAG_DIMENSIONS | FLAG_DURATION) != 0 {
            return Err(Error::Malformed);
        }
        let thumbnail = if flags & FLAG_THUMBNAIL != 0 {
            let len = usize::try_from(r.u32()?).map_err(|_| Error::Malformed)?;
            if len == 0 || len > MAX_THUMBNAIL_LEN {
                return Err(Error::Malformed);
            }
            Some(Zeroizing::new(r.bytes(len)?.to_vec()))
        } else {
            None
        };
        let dimensions = if flags & FLAG_DIMENSIONS != 0 {
            Some((r.u32()?, r.u32()?))
        } else {
            None
        };
        let duration_ms = if flags & FLAG_DURATION != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        r.finish()?;
        Ok(AttachmentDescriptor {
            key,
            ciphertext_sha256,
            plaintext_len,
            media_type,
            thumbnail,
            dimensions,
            duration_ms,
        })
    }
}
