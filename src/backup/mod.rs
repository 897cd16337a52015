//! End-to-end encrypted backups: a header, then one C2SP chunked stream
//! ([`crate::chunked`]) of the SDK's restorable state followed by the app's
//! own export (its message history, say), under a key only the user holds.
//!
//! ```text
//! backup      = header ‖ Cobblestone-256(input key, context = "sotto v1 backup" ‖ header, payload)
//! payload     = state length u32 (≤ MAX_BACKUP_STATE_LEN) ‖ state ‖ app export (to the end)
//! input key   = the backup key (32 random bytes)                          secret 1
//!             | Argon2id(password, salt, memory, passes, lanes, 32)       secret 2
//! ```
//!
//! The header ([`BackupHeader`]) is checked before any work and bound into
//! the stream through its context; a wrong key or password is
//! [`Error::WrongKey`] at the commitment, before anything is decrypted. The
//! state is what the store can restore safely (`sotto_store`'s backup:
//! identity, prekeys, trust records, group memberships, disappearing
//! settings), never a ratchet state: restoring one would be a rollback.
//!
//! [`BackupEncryptor`] and [`BackupDecryptor`] stream with caller-provided
//! buffers; the decryptor hands the app its export and keeps the state for
//! the restore, once the whole backup is authenticated.

mod header;
mod key;

pub use header::{
    ARGON2_MAX_LANES, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PASSES, ARGON2_MIN_MEMORY_KIB,
    ARGON2_MIN_PASSES, ARGON2_SALT_LEN, Argon2Params, BACKUP_MAGIC, BACKUP_VERSION, BackupHeader,
    BackupProtection, MAX_BACKUP_HEADER_LEN,
};
pub use key::{BACKUP_KEY_DIGITS, BackupKey, LABEL_BACKUP_KEY_CHECK};

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::chunked::{ChunkDecryptor, ChunkEncryptor};
use crate::crypto::{self, random_array};
use crate::error::{Error, Result};

/// The label in front of the header in the stream's context.
pub const LABEL_BACKUP: &[u8] = b"sotto v1 backup";
/// The largest SDK state a backup carries, in bytes.
pub const MAX_BACKUP_STATE_LEN: usize = 64 * 1024 * 1024;
/// The longest password, in bytes.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// What opens a backup: the user's backup key, or a password.
#[derive(Clone, Copy)]
pub enum BackupSecret<'a> {
    /// The 32-byte backup key.
    Key(&'a BackupKey),
    /// A password (1 to [`MAX_PASSWORD_LEN`] bytes), stretched with
    /// Argon2id; the parameters are used when writing a backup and read
    /// from the header when restoring one.
    Password(&'a [u8], Argon2Params),
}

impl fmt::Debug for BackupSecret<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupSecret::Key(_) => f.write_str("BackupSecret::Key(..)"),
            BackupSecret::Password(_, p) => write!(f, "BackupSecret::Password(.., {p:?})"),
        }
    }
}

fn check_password(password: &[u8]) -> Result<()> {
    if password.is_empty() || password.len() > MAX_PASSWORD_LEN {
        return Err(Error::LimitExceeded);
    }
    Ok(())
}

/// The stream's input key for `secret` under `header`.
fn input_key(secret: &Secret, header: &BackupHeader) -> Result<Zeroizing<[u8; 32]>> {
    match (secret, &header.protection) {
        (Secret::Key(k), BackupProtection::Key) => Ok(k.clone()),
        (Secret::Password(p), BackupProtection::Password { params, salt }) => {
            params.check()?;
            let mut out = Zeroizing::new([0u8; 32]);
            crypto::argon2id(
                p,
                salt,
                params.memory_kib,
                params.passes,
                params.lanes,
                &mut out,
            )?;
            Ok(out)
        }
        _ => Err(Error::WrongKey),
    }
}

fn context(header: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(LABEL_BACKUP.len().saturating_add(header.len()));
    c.extend_from_slice(LABEL_BACKUP);
    c.extend_from_slice(header);
    c
}

/// An owned copy of the secret, wiped on drop.
enum Secret {
    Key(Zeroizing<[u8; 32]>),
    Password(Zeroizing<Vec<u8>>),
}

impl Secret {
    fn from(secret: &BackupSecret<'_>) -> Result<Self> {
        Ok(match secret {
            BackupSecret::Key(k) => Secret::Key(Zeroizing::new(*k.as_bytes())),
            BackupSecret::Password(p, _) => {
                check_password(p)?;
                Secret::Password(Zeroizing::new(p.to_vec()))
            }
        })
    }
}

/// Writes a backup as a stream: the header and the SDK state come out of
/// the first call, then the app's export as it is fed.
pub struct BackupEncryptor {
    stream: ChunkEncryptor,
    /// Output not yet handed out: the header and the encrypted state.
    pending: Zeroizing<Vec<u8>>,
    pending_at: usize,
}

impl fmt::Debug for BackupEncryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupEncryptor").finish_non_exhaustive()
    }
}

impl BackupEncryptor {
    /// Starts a backup of `state` (the store's restorable state, at most
    /// [`MAX_BACKUP_STATE_LEN`] bytes) under `secret`: a password is
    /// stretched now, with a fresh salt and the parameters it names
    /// (checked against the bounds: [`Error::LimitExceeded`]).
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        secret: BackupSecret<'_>,
        state: &[u8],
    ) -> Result<Self> {
        if state.len() > MAX_BACKUP_STATE_LEN {
            return Err(Error::LimitExceeded);
        }
        let header = BackupHeader {
            version: BACKUP_VERSION,
            protection: match secret {
                BackupSecret::Key(_) => BackupProtection::Key,
                BackupSecret::Password(_, params) => {
                    params.check()?;
                    BackupProtection::Password {
                        params,
                        salt: random_array(rng),
                    }
                }
            },
        };
        let header_bytes = header.to_bytes();
        let key = input_key(&Secret::from(&secret)?, &header)?;
        let mut stream = ChunkEncryptor::new(rng, &key[..], &context(&header_bytes))?;
        let len = u32::try_from(state.len()).map_err(|_| Error::LimitExceeded)?;
        let mut pending = Zeroizing::new(header_bytes);
        for part in [&len.to_be_bytes()[..], state] {
            let at = pending.len();
            let n = stream.update_len(part.len()).ok_or(Error::LimitExceeded)?;
            pending.resize(at.checked_add(n).ok_or(Error::LimitExceeded)?, 0);
            stream.update(part, pending.get_mut(at..).ok_or(Error::Internal)?)?;
        }
        Ok(BackupEncryptor {
            stream,
            pending,
            pending_at: 0,
        })
    }

    fn pending_len(&self) -> usize {
        self.pending.len().saturating_sub(self.pending_at)
    }

    /// Exactly how many bytes [`BackupEncryptor::update`] writes for
    /// `input_len` more bytes of the app's export.
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        self.stream
            .update_len(input_len)?
            .checked_add(self.pending_len())
    }

    /// Exactly how many bytes [`BackupEncryptor::finish`] writes.
    pub fn finish_len(&self) -> usize {
        self.stream.finish_len().saturating_add(self.pending_len())
    }

    fn drain(&mut self, out: &mut [u8]) -> Result<usize> {
        let n = self.pending_len();
        let src = self.pending.get(self.pending_at..).ok_or(Error::Internal)?;
        out.get_mut(..n)
            .ok_or(Error::BufferTooSmall)?
            .copy_from_slice(src);
        self.pending_at = self.pending.len();
        Ok(n)
    }

    /// Encrypts the next `input` bytes of the app's export into `out`,
    /// which must hold [`BackupEncryptor::update_len`] bytes
    /// ([`Error::BufferTooSmall`] otherwise, and nothing happens).
    pub fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize> {
        let need = self.update_len(input.len()).ok_or(Error::LimitExceeded)?;
        if out.len() < need {
            return Err(Error::BufferTooSmall);
        }
        let n = self.drain(out)?;
        let m = self
            .stream
            .update(input, out.get_mut(n..).ok_or(Error::Internal)?)?;
        n.checked_add(m).ok_or(Error::Internal)
    }

    /// Ends the backup, writing its last bytes into `out` (which must hold
    /// [`BackupEncryptor::finish_len`] bytes).
    pub fn finish(&mut self, out: &mut [u8]) -> Result<usize> {
        if out.len() < self.finish_len() {
            return Err(Error::BufferTooSmall);
        }
        let n = self.drain(out)?;
        let m = self
            .stream
            .finish(out.get_mut(n..).ok_or(Error::Internal)?)?;
        n.checked_add(m).ok_or(Error::Internal)
    }
}

/// Reads a backup as a stream: the app's export comes out of each call as
/// it is authenticated, and the SDK state at the end, once the whole backup
/// is. On any error, discard what came out; every later call fails again.
pub struct BackupDecryptor {
    secret: Secret,
    head: Vec<u8>,
    header: Option<BackupHeader>,
    stream: Option<ChunkDecryptor>,
    state_len: Option<usize>,
    len_bytes: [u8; 4],
    len_have: usize,
    state: Zeroizing<Vec<u8>>,
    failed: Option<Error>,
}

impl fmt::Debug for BackupDecryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupDecryptor")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl BackupDecryptor {
    /// Starts reading a backup with `secret` (a password's parameters are
    /// ignored: the header's apply).
    pub fn new(secret: BackupSecret<'_>) -> Result<Self> {
        Ok(BackupDecryptor {
            secret: Secret::from(&secret)?,
            head: Vec::new(),
            header: None,
            stream: None,
            state_len: None,
            len_bytes: [0; 4],
            len_have: 0,
            state: Zeroizing::new(Vec::new()),
            failed: None,
        })
    }

    /// The header, once read.
    pub fn header(&self) -> Option<&BackupHeader> {
        self.header.as_ref()
    }

    /// At most how many bytes [`BackupDecryptor::update`] writes for
    /// `input_len` more bytes.
    pub fn update_len(&self, input_len: usize) -> Option<usize> {
        match &self.stream {
            Some(s) => s.update_len(input_len),
            None => Some(input_len),
        }
    }

    /// At most how many bytes [`BackupDecryptor::finish`] writes.
    pub fn finish_len(&self) -> usize {
        self.stream.as_ref().map_or(0, ChunkDecryptor::finish_len)
    }

    fn fail(&mut self, e: Error) -> Error {
        self.failed = Some(e);
        self.state.zeroize();
        e
    }

    /// Moves the state's bytes from the front of `out[..n]` into the kept
    /// state, shifts the app's bytes to the front, and returns their count.
    fn split(&mut self, out: &mut [u8], n: usize) -> Result<usize> {
        let mut at = 0usize;
        while self.state_len.is_none() && at < n {
            let b = *out.get(at).ok_or(Error::Internal)?;
            *self
                .len_bytes
                .get_mut(self.len_have)
                .ok_or(Error::Internal)? = b;
            self.len_have = self.len_have.saturating_add(1);
            at = at.saturating_add(1);
            if self.len_have == 4 {
                let len = usize::try_from(u32::from_be_bytes(self.len_bytes))
                    .map_err(|_| Error::LimitExceeded)?;
                if len > MAX_BACKUP_STATE_LEN {
                    return Err(Error::LimitExceeded);
                }
                // Reserved whole at once: growing would leave copies of the
                // state in freed memory. The length is authenticated (the
                // chunk holding it verified) and bounded.
                self.state.reserve_exact(len);
                self.state_len = Some(len);
            }
        }
        if let Some(len) = self.state_len {
            let want = len
                .saturating_sub(self.state.len())
                .min(n.saturating_sub(at));
            let end = at.saturating_add(want);
            self.state
                .extend_from_slice(out.get(at..end).ok_or(Error::Internal)?);
            at = end;
        }
        out.copy_within(at..n, 0);
        // The bytes left behind after the shift held state or moved app
        // bytes: wipe the state's.
        out.get_mut(n.saturating_sub(at)..n)
            .ok_or(Error::Internal)?
            .iter_mut()
            .for_each(|b| *b = 0);
        Ok(n.saturating_sub(at))
    }

    /// Takes the next `input` bytes of the backup and writes the app's
    /// export they complete into `out` (which must hold
    /// [`BackupDecryptor::update_len`] bytes). Errors: a file that is not
    /// a backup [`Error::WrongType`], another format
    /// [`Error::UnsupportedVersion`], cost parameters beyond the bounds
    /// [`Error::LimitExceeded`] (before any work), a wrong key or password
    /// [`Error::WrongKey`] (before anything is decrypted), a damaged stream
    /// [`Error::AuthenticationFailed`].
    pub fn update(&mut self, mut input: &[u8], out: &mut [u8]) -> Result<usize> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let need = self.update_len(input.len()).ok_or(Error::LimitExceeded)?;
        if out.len() < need {
            return Err(Error::BufferTooSmall);
        }
        if self.stream.is_none() {
            match self.read_header(input) {
                Ok(used) => input = input.get(used..).ok_or(Error::Internal)?,
                Err(e) => return Err(self.fail(e)),
            }
            if self.stream.is_none() {
                return Ok(0);
            }
        }
        let result = match self.stream.as_mut() {
            Some(s) => s.update(input, out),
            None => Err(Error::Internal),
        };
        match result.and_then(|n| self.split(out, n)) {
            Ok(n) => Ok(n),
            Err(e) => {
                // Chunks decrypted before the failure (the state among
                // them) must not stay in the caller's buffer.
                out.zeroize();
                Err(self.fail(e))
            }
        }
    }

    /// Gathers the header from `input`; once whole, derives the key and
    /// starts the stream. Returns how many bytes of `input` it took.
    fn read_header(&mut self, input: &[u8]) -> Result<usize> {
        let mut used = 0usize;
        loop {
            let want = BackupHeader::len_from_prefix(&self.head)?.unwrap_or(10);
            if self.head.len() >= want {
                break;
            }
            let take = want
                .saturating_sub(self.head.len())
                .min(input.len().saturating_sub(used));
            if take == 0 {
                return Ok(used);
            }
            let end = used.saturating_add(take);
            self.head
                .extend_from_slice(input.get(used..end).ok_or(Error::Internal)?);
            used = end;
        }
        let (header, _) = BackupHeader::parse(&self.head)?;
        let key = input_key(&self.secret, &header)?;
        self.stream = Some(ChunkDecryptor::new(&key[..], &context(&self.head))?);
        self.header = Some(header);
        Ok(used)
    }

    /// Ends the backup: decrypts its last bytes into `out` (which must hold
    /// [`BackupDecryptor::finish_len`] bytes) and returns their count with
    /// the SDK state, now authenticated with everything else. A backup cut
    /// short is [`Error::Malformed`].
    pub fn finish(&mut self, out: &mut [u8]) -> Result<(usize, Zeroizing<Vec<u8>>)> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if out.len() < self.finish_len() {
            return Err(Error::BufferTooSmall);
        }
        let result = match self.stream.as_mut() {
            Some(s) => s.finish(out),
            None => Err(Error::Malformed),
        };
        let n = match result.and_then(|n| self.split(out, n)) {
            Ok(n) => n,
            Err(e) => {
                out.zeroize();
                return Err(self.fail(e));
            }
        };
        match self.state_len {
            Some(len) if len == self.state.len() => {}
            _ => return Err(self.fail(Error::Malformed)),
        }
        self.failed = Some(Error::StreamClosed);
        Ok((n, core::mem::take(&mut self.state)))
    }
}
