//! Persistence of an identity: `0x04 | 0x81 | ed25519 seed (32) | x25519 private (32)`.
//!
//! The X25519 private key is the one the seed derives (`clamp(SHA-512(seed)[0..32])`);
//! an encoding holding any other (an identity whose halves were generated
//! apart) is refused with [`crate::Error::Malformed`].

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::codec::Reader;
use crate::error::Result;
use crate::sealed::{self, TYPE_IDENTITY};

use super::IdentityKeyPair;

impl IdentityKeyPair {
    /// The plain state encoding (holds the private keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(TYPE_IDENTITY, 66);
        let mut seed = self.signing_secret_bytes();
        out.extend_from_slice(&seed);
        seed.zeroize();
        out.extend_from_slice(self.dh().secret_bytes());
        out.into_zeroizing()
    }

    /// Restores an identity from its plain state encoding. The stored X25519
    /// private key must be the one the seed derives ([`crate::Error::Malformed`]
    /// otherwise).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_IDENTITY)?;
        let mut seed: [u8; 32] = r.array()?;
        let mut dh: [u8; 32] = r.array()?;
        let fin = r.finish();
        let out = IdentityKeyPair::from_secret_bytes(&seed, &dh);
        seed.zeroize();
        dh.zeroize();
        fin.and(out)
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_IDENTITY, &self.to_bytes())
    }

    /// Restores an identity from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_IDENTITY, bytes)?)
    }
}
