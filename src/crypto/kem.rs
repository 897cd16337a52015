//! ML-KEM-1024 (FIPS 203), the post-quantum KEM of session setup (PQXDH).
//!
//! ```text
//! key pair  = ML-KEM.KeyGen_internal(d, z) from a 64-byte seed d ‖ z (the stored form)
//! public    = the 1568-byte encapsulation key, checked on decoding (FIPS 203 §7.2: every
//!             coefficient below q, else InvalidKey)
//! encaps    = (ciphertext 1568 bytes, shared secret 32 bytes) from 32 random bytes
//! decaps    = the shared secret, or FIPS 203's implicit rejection for a ciphertext that is not
//!             the encapsulation of one: a pseudorandom secret, never an error
//! EncodeKEM = 0x08 ‖ encapsulation key (1569 bytes): what signatures and hashes cover, its
//!             type byte disjoint from every X25519 or Ed25519 encoding we sign
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;

use ml_kem::array::Array;
use ml_kem::kem::{Decapsulate, KeyExport};
use ml_kem::{DecapsulationKey1024, EncapsulationKey1024};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secret::Secret32;

/// Bytes of an ML-KEM-1024 encapsulation (public) key.
pub const KEM_PUBLIC_LEN: usize = 1568;
/// Bytes of an ML-KEM-1024 ciphertext.
pub const KEM_CIPHERTEXT_LEN: usize = 1568;
/// Bytes of the seed a key pair is made from (and stored as).
pub const KEM_SEED_LEN: usize = 64;
/// Type byte of `EncodeKEM`: an ML-KEM-1024 encapsulation key.
pub const KEM_KEY_TYPE: u8 = 0x08;

/// `(ciphertext, shared secret)` of encapsulating to `public`, which must
/// pass FIPS 203's input check ([`Error::InvalidKey`]).
pub(crate) fn encapsulate<R: CryptoRng + ?Sized>(
    public: &[u8; KEM_PUBLIC_LEN],
    rng: &mut R,
) -> Result<(Box<[u8; KEM_CIPHERTEXT_LEN]>, Secret32)> {
    let ek = public_key(public)?;
    let mut m = Zeroizing::new(Array::from([0u8; 32]));
    rng.fill_bytes(m.as_mut_slice());
    let (ct, ss) = ek.encapsulate_deterministic(&m);
    let ss = Zeroizing::new(ss);
    let mut ciphertext = Box::new([0u8; KEM_CIPHERTEXT_LEN]);
    ciphertext.copy_from_slice(ct.as_slice());
    let mut out = [0u8; 32];
    out.copy_from_slice(ss.as_slice());
    let secret = Secret32::new(out);
    zeroize::Zeroize::zeroize(&mut out);
    Ok((ciphertext, secret))
}

/// An ML-KEM-1024 key pair, boxed (moving it moves a pointer) and wiped on
/// drop.
pub(crate) struct KemKeyPair {
    dk: Box<DecapsulationKey1024>,
}

impl KemKeyPair {
    /// The key pair of a seed (deterministic).
    pub(crate) fn from_seed(seed: &[u8; KEM_SEED_LEN]) -> Self {
        let seed = Zeroizing::new(Array::from(*seed));
        KemKeyPair {
            dk: Box::new(DecapsulationKey1024::from_seed(*seed)),
        }
    }

    /// The encapsulation key.
    pub(crate) fn public(&self) -> [u8; KEM_PUBLIC_LEN] {
        let mut out = [0u8; KEM_PUBLIC_LEN];
        out.copy_from_slice(self.dk.encapsulation_key().to_bytes().as_slice());
        out
    }

    /// The shared secret of `ciphertext` (exactly [`KEM_CIPHERTEXT_LEN`]
    /// bytes, else [`Error::Malformed`]).
    pub(crate) fn decapsulate(&self, ciphertext: &[u8]) -> Result<Secret32> {
        let ss = Zeroizing::new(
            self.dk
                .decapsulate_slice(ciphertext)
                .map_err(|_| Error::Malformed)?,
        );
        let mut out = [0u8; 32];
        out.copy_from_slice(ss.as_slice());
        Ok(Secret32::new(out))
    }
}

/// Checks and decodes an encapsulation key ([`Error::InvalidKey`] if a
/// coefficient is out of range, [`Error::Malformed`] for another length).
fn public_key(public: &[u8]) -> Result<EncapsulationKey1024> {
    let key: &[u8; KEM_PUBLIC_LEN] = public.try_into().map_err(|_| Error::Malformed)?;
    EncapsulationKey1024::new(&Array::from(*key)).map_err(|_| Error::InvalidKey)
}

/// ML-KEM-1024 key generation from a 64-byte seed, for test vectors: the
/// encapsulation key.
pub fn mlkem1024_public_from_seed(seed: &[u8]) -> Result<Vec<u8>> {
    let seed: &[u8; KEM_SEED_LEN] = seed.try_into().map_err(|_| Error::Malformed)?;
    Ok(KemKeyPair::from_seed(seed).public().to_vec())
}

/// ML-KEM-1024 encapsulation with the given 32 random bytes `m`, for test
/// vectors: the ciphertext and shared secret, or [`Error::InvalidKey`] for
/// an encapsulation key that fails FIPS 203's input check.
pub fn mlkem1024_encapsulate_with(public: &[u8], m: &[u8]) -> Result<(Vec<u8>, [u8; 32])> {
    let ek = public_key(public)?;
    let m: &[u8; 32] = m.try_into().map_err(|_| Error::Malformed)?;
    let (ct, ss) = ek.encapsulate_deterministic(&Array::from(*m));
    let mut out = [0u8; 32];
    out.copy_from_slice(ss.as_slice());
    Ok((ct.as_slice().to_vec(), out))
}

/// ML-KEM-1024 decapsulation under the key pair of `seed`, for test
/// vectors.
pub fn mlkem1024_decapsulate(seed: &[u8], ciphertext: &[u8]) -> Result<[u8; 32]> {
    let seed: &[u8; KEM_SEED_LEN] = seed.try_into().map_err(|_| Error::Malformed)?;
    let ss = KemKeyPair::from_seed(seed).decapsulate(ciphertext)?;
    Ok(*ss.expose())
}
