//! Helpers shared by the integration tests and benchmarks.
#![allow(dead_code, unreachable_pub, missing_docs)]

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};

/// A deterministic random number generator for tests and known-answer
/// vectors: SHA-256 in counter mode over a seed. Never use it outside tests.
pub struct TestRng {
    seed: [u8; 32],
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl TestRng {
    pub fn new(seed: u64) -> Self {
        let mut s = [0u8; 32];
        s[..8].copy_from_slice(&seed.to_be_bytes());
        TestRng {
            seed: s,
            counter: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            if self.used == 32 {
                let mut h = Sha256::new();
                h.update(b"sotto test rng");
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.buf = h.finalize().into();
                self.counter += 1;
                self.used = 0;
            }
            *byte = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}
