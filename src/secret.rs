//! Fixed-size secret bytes that are wiped when dropped.
//!
//! A [`Secret32`] never implements `Clone`, `Copy`, `PartialEq` or a
//! revealing `Debug`; equality is constant-time through [`subtle`]. Keys are
//! held inline (not boxed) so that the hot ratchet path does no allocation;
//! the moves this implies may leave copies in stack frames that the compiler
//! reuses, which is the usual limit of zeroization in Rust.

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

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
    fn equality_is_by_value() {
        assert!(Secret32::new([1; 32]).ct_eq(&Secret32::new([1; 32])));
        assert!(!Secret32::new([1; 32]).ct_eq(&Secret32::new([2; 32])));
    }
}
