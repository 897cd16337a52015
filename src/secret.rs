//! Fixed-size secret bytes that are wiped when dropped.
//!
//! A [`Secret32`] never implements `Clone`, `Copy`, `PartialEq` or a
//! revealing `Debug`; equality is constant-time through [`subtle`].
//!
//! Heap memory is held to a strict rule, checked by the freed-memory scan in
//! `ffi/tests/zeroize.rs`: no heap block is ever freed holding a secret.
//! - Long-lived keys (root and chain keys, private keys, location ratchet
//!   keys) are boxed inside the objects that hold them and overwritten in
//!   place, so moving a session, group or share (an app's collection
//!   growing, say) moves pointers, never keys; the per-message path
//!   allocates nothing for them.
//! - Collections that move their elements (growth, removal, eviction) hold
//!   secrets boxed, so only pointers move and each secret is wiped where it
//!   lives.
//! - Encodings that hold secrets grow through [`SecretBuf`], which wipes the
//!   block it leaves behind.
//!
//! Transient keys (a message key, a chain step) live on the stack; moves may
//! leave copies in frames the compiler reuses, the usual limit of
//! zeroization in Rust.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Deref;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// 32 secret bytes: a root key, chain key, message key or private key.
#[derive(Zeroize, ZeroizeOnDrop)]
pub(crate) struct Secret32([u8; 32]);

impl Secret32 {
    /// Wraps bytes; the caller's copy should itself be wiped if it lives on.
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Secret32(bytes)
    }

    /// Borrows the secret bytes.
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// An explicit copy, used where a transition must work on a copy and
    /// commit only on success. Deliberately not `Clone`.
    pub(crate) fn duplicate(&self) -> Self {
        Secret32(self.0)
    }

    /// Constant-time equality.
    #[cfg(test)]
    pub(crate) fn ct_eq(&self, other: &Self) -> bool {
        subtle::ConstantTimeEq::ct_eq(&self.0[..], &other.0[..]).into()
    }
}

/// A byte buffer for encodings that hold secrets: when it must grow, it
/// copies into a larger block and wipes the old one before freeing it (a
/// plain `Vec` would free the old block as it is), and it is wiped on drop.
pub(crate) struct SecretBuf(Vec<u8>);

impl SecretBuf {
    /// An empty buffer; `capacity` is a hint, not a limit.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        SecretBuf(Vec::with_capacity(capacity))
    }

    fn reserve(&mut self, extra: usize) {
        let needed = self.0.len().saturating_add(extra);
        if needed <= self.0.capacity() {
            return;
        }
        let mut bigger = Vec::with_capacity(needed.max(self.0.capacity().saturating_mul(2)));
        bigger.extend_from_slice(&self.0);
        self.0.zeroize();
        self.0 = bigger;
    }

    /// Appends bytes.
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.0.extend_from_slice(bytes);
    }

    /// Appends one byte.
    pub(crate) fn push(&mut self, byte: u8) {
        self.reserve(1);
        self.0.push(byte);
    }

    /// The bytes, still wiped on drop.
    pub(crate) fn into_zeroizing(mut self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(core::mem::take(&mut self.0))
    }
}

impl Deref for SecretBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretBuf {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret32(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate alloc;
    use alloc::format;

    #[test]
    fn debug_is_redacted() {
        let s = Secret32::new([0x41; 32]);
        assert_eq!(format!("{s:?}"), "Secret32(<redacted>)");
    }

    #[test]
    fn secret_buf_grows_and_keeps_its_bytes() {
        let mut b = SecretBuf::with_capacity(1);
        for i in 0..100u8 {
            b.push(i);
            b.extend_from_slice(&[i, i]);
        }
        assert_eq!(b.len(), 300);
        let v = b.into_zeroizing();
        assert_eq!(v[..6], [0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn equality_is_by_value() {
        assert!(Secret32::new([1; 32]).ct_eq(&Secret32::new([1; 32])));
        assert!(!Secret32::new([1; 32]).ct_eq(&Secret32::new([2; 32])));
    }
}
