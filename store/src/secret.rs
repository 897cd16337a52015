//! The store's keys in memory: 32 bytes, wiped when dropped, never printed.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

/// Fills an array (a nonce) from the injected random number generator.
pub(crate) fn random_array<const N: usize, R: CryptoRng + ?Sized>(rng: &mut R) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

/// A 32-byte key derived from the host key.
pub(crate) struct Secret32(Zeroizing<[u8; 32]>);

impl Secret32 {
    pub(crate) fn new(key: [u8; 32]) -> Self {
        Secret32(Zeroizing::new(key))
    }

    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret32(..)")
    }
}
