//! The backup header: what a restore needs before it can derive the key.
//!
//! ```text
//! header = "SOTTOBAK" (8) | version u8 = 1 | secret u8: 1 backup key, 2 password (Argon2id)
//!          | for a password: memory KiB u32 | passes u32 | lanes u32 | salt (16)
//! ```
//!
//! Every field is checked before any work: the Argon2id parameters within
//! [`ARGON2_MIN_MEMORY_KIB`]..=[`ARGON2_MAX_MEMORY_KIB`],
//! [`ARGON2_MIN_PASSES`]..=[`ARGON2_MAX_PASSES`] and 1..=[`ARGON2_MAX_LANES`],
//! so a crafted file cannot make a restore allocate or compute without
//! bound. The header is bound into the stream's key derivation (its context),
//! so a changed field fails the commitment.

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::error::{Error, Result};

/// The first bytes of every backup.
pub const BACKUP_MAGIC: &[u8; 8] = b"SOTTOBAK";
/// The backup format this build writes and reads.
pub const BACKUP_VERSION: u8 = 1;
/// Argon2id memory, KiB: OWASP's minimum (19 MiB) at the least.
pub const ARGON2_MIN_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id memory, KiB: at most 256 MiB (four times the default). Anyone
/// holding a password backup can raise its header to the bounds, and the
/// restoring phone does that work before the wrong commitment tells it so:
/// the bound is what a phone can spare without being killed for memory.
pub const ARGON2_MAX_MEMORY_KIB: u32 = 256 * 1024;
/// Argon2id passes: OWASP's minimum at 19 MiB.
pub const ARGON2_MIN_PASSES: u32 = 2;
/// Argon2id passes: at most.
pub const ARGON2_MAX_PASSES: u32 = 16;
/// Argon2id lanes: at most.
pub const ARGON2_MAX_LANES: u32 = 8;
/// Bytes of the Argon2id salt.
pub const ARGON2_SALT_LEN: usize = 16;
/// The longest header: a password backup's.
pub const MAX_BACKUP_HEADER_LEN: usize = 10 + 12 + ARGON2_SALT_LEN;

const SECRET_KEY: u8 = 1;
const SECRET_PASSWORD: u8 = 2;

/// Argon2id's cost parameters for a password backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub passes: u32,
    /// Lanes (parallelism).
    pub lanes: u32,
}

impl Argon2Params {
    /// The default: 64 MiB, 3 passes, 1 lane (RFC 9106's second
    /// recommendation, above OWASP's minimum of 19 MiB and 2 passes).
    /// TESTING.md has its cost measured.
    pub const DEFAULT: Argon2Params = Argon2Params {
        memory_kib: 64 * 1024,
        passes: 3,
        lanes: 1,
    };

    /// OWASP's minimum: 19 MiB, 2 passes, 1 lane.
    pub const MINIMUM: Argon2Params = Argon2Params {
        memory_kib: ARGON2_MIN_MEMORY_KIB,
        passes: ARGON2_MIN_PASSES,
        lanes: 1,
    };

    /// Checks the parameters against the documented bounds:
    /// [`Error::LimitExceeded`] outside them.
    pub fn check(&self) -> Result<()> {
        let memory_ok = (ARGON2_MIN_MEMORY_KIB..=ARGON2_MAX_MEMORY_KIB).contains(&self.memory_kib);
        let passes_ok = (ARGON2_MIN_PASSES..=ARGON2_MAX_PASSES).contains(&self.passes);
        let lanes_ok = (1..=ARGON2_MAX_LANES).contains(&self.lanes);
        // Argon2 needs 8 KiB of memory per lane at the least: far below the minimum.
        if memory_ok && passes_ok && lanes_ok {
            Ok(())
        } else {
            Err(Error::LimitExceeded)
        }
    }
}

impl Default for Argon2Params {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How a backup's key is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackupProtection {
    /// A backup key the user wrote down ([`crate::backup::BackupKey`]).
    Key,
    /// A password, stretched with Argon2id under these parameters and salt.
    Password {
        /// The cost parameters.
        params: Argon2Params,
        /// The salt.
        salt: [u8; ARGON2_SALT_LEN],
    },
}

/// A parsed header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BackupHeader {
    /// The format version.
    pub version: u8,
    /// How the key is kept.
    pub protection: BackupProtection,
}

impl BackupHeader {
    /// The header's encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(MAX_BACKUP_HEADER_LEN);
        out.extend_from_slice(BACKUP_MAGIC);
        out.push(self.version);
        match &self.protection {
            BackupProtection::Key => out.push(SECRET_KEY),
            BackupProtection::Password { params, salt } => {
                out.push(SECRET_PASSWORD);
                out.extend_from_slice(&params.memory_kib.to_be_bytes());
                out.extend_from_slice(&params.passes.to_be_bytes());
                out.extend_from_slice(&params.lanes.to_be_bytes());
                out.extend_from_slice(salt);
            }
        }
        out
    }

    /// How long the header starting `bytes` is, once its first 10 bytes
    /// are there (`None` before).
    pub(crate) fn len_from_prefix(bytes: &[u8]) -> Result<Option<usize>> {
        if bytes.len() < 10 {
            return Ok(None);
        }
        Self::check_prefix(bytes)?;
        match bytes.get(9) {
            Some(&SECRET_KEY) => Ok(Some(10)),
            Some(&SECRET_PASSWORD) => Ok(Some(MAX_BACKUP_HEADER_LEN)),
            _ => Err(Error::Malformed),
        }
    }

    fn check_prefix(bytes: &[u8]) -> Result<()> {
        if bytes.get(..8) != Some(&BACKUP_MAGIC[..]) {
            return Err(Error::WrongType);
        }
        if bytes.get(8) != Some(&BACKUP_VERSION) {
            return Err(Error::UnsupportedVersion);
        }
        Ok(())
    }

    /// Parses the header at the start of `bytes` and returns it with its
    /// length. Not a backup: [`Error::WrongType`]; another version:
    /// [`Error::UnsupportedVersion`]; parameters outside the bounds:
    /// [`Error::LimitExceeded`]; too short or a bad field:
    /// [`Error::Malformed`].
    pub fn parse(bytes: &[u8]) -> Result<(Self, usize)> {
        let len = Self::len_from_prefix(bytes)?.ok_or(Error::Malformed)?;
        let mut r = Reader::new(bytes.get(..len).ok_or(Error::Malformed)?);
        r.bytes(9)?;
        let protection = match r.u8()? {
            SECRET_KEY => BackupProtection::Key,
            SECRET_PASSWORD => {
                let params = Argon2Params {
                    memory_kib: r.u32()?,
                    passes: r.u32()?,
                    lanes: r.u32()?,
                };
                params.check()?;
                BackupProtection::Password {
                    params,
                    salt: r.array()?,
                }
            }
            _ => return Err(Error::Malformed),
        };
        r.finish()?;
        Ok((
            BackupHeader {
                version: BACKUP_VERSION,
                protection,
            },
            len,
        ))
    }
}
