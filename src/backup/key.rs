//! The backup key: 32 random bytes, written down by the user as 64 hex
//! digits and a 4-digit checksum, in 17 groups of 4.
//!
//! ```text
//! digits   = hex(key) (64) ‖ hex(SHA-256("sotto v1 backup key check" ‖ key)[0..2]) (4)
//! shown as "a1b2 c3d4 … 9f0e  7c21": 17 groups of 4, lower case
//! read     : case, spaces and hyphens ignored; exactly 68 hex digits; the
//!            checksum must match (a typo is caught before any decryption, all
//!            but one time in 65,536; one that slips through fails the
//!            stream's commitment)
//! ```

use alloc::string::String;
use core::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::crypto::{random_array, sha256};
use crate::error::{Error, Result};

/// The label of the backup key's checksum.
pub const LABEL_BACKUP_KEY_CHECK: &[u8] = b"sotto v1 backup key check";

/// Hex digits in a written backup key: 64 for the key, 4 for the checksum.
pub const BACKUP_KEY_DIGITS: usize = 68;

/// A backup key: 32 random bytes, wiped on drop, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BackupKey(..)")
    }
}

fn checksum(key: &[u8; 32]) -> [u8; 2] {
    let h = sha256(&[LABEL_BACKUP_KEY_CHECK, key]);
    [h[0], h[1]]
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => c.checked_sub(b'0'),
        b'a'..=b'f' => c.checked_sub(b'a' - 10),
        b'A'..=b'F' => c.checked_sub(b'A' - 10),
        _ => None,
    }
}

impl BackupKey {
    /// A new random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        BackupKey(Zeroizing::new(random_array(rng)))
    }

    /// A key from its 32 bytes (kept by the app in the platform keychain,
    /// say).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        BackupKey(Zeroizing::new(*bytes))
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as the user writes it down: 68 lower-case hex digits (the
    /// key, then a checksum) in 17 groups of 4 separated by spaces.
    pub fn to_digits(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let check = checksum(&self.0);
        let mut out = Zeroizing::new(String::with_capacity(BACKUP_KEY_DIGITS + 16));
        for (i, b) in self.0.iter().chain(check.iter()).enumerate() {
            if i > 0 && i.is_multiple_of(2) {
                out.push(' ');
            }
            for nibble in [b >> 4, b & 0x0f] {
                out.push(char::from(*HEX.get(usize::from(nibble)).unwrap_or(&b'0')));
            }
        }
        out
    }

    /// Reads a written-down key: upper or lower case, spaces and hyphens
    /// anywhere. Anything but exactly 68 hex digits, or a checksum that does
    /// not match (a digit mistyped: caught all but one time in 65,536), is
    /// [`Error::Malformed`].
    pub fn from_digits(digits: &str) -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 34]);
        let mut n = 0usize;
        for c in digits.bytes() {
            if c == b' ' || c == b'-' {
                continue;
            }
            let v = hex_value(c).ok_or(Error::Malformed)?;
            let slot = bytes.get_mut(n / 2).ok_or(Error::Malformed)?;
            *slot = if n.is_multiple_of(2) {
                v << 4
            } else {
                *slot | v
            };
            n = n.checked_add(1).ok_or(Error::Malformed)?;
        }
        if n != BACKUP_KEY_DIGITS {
            return Err(Error::Malformed);
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(bytes.get(..32).ok_or(Error::Internal)?);
        let key = BackupKey(Zeroizing::new(key));
        let check = checksum(&key.0);
        if !bool::from(check.ct_eq(bytes.get(32..34).ok_or(Error::Internal)?)) {
            return Err(Error::Malformed);
        }
        Ok(key)
    }
}
