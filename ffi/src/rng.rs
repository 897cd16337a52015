//! Randomness for the C ABI: the operating system's generator. The core
//! takes an injected generator; here it is `getrandom`. If the operating
//! system fails to provide randomness the call unwinds to the boundary,
//! which reports `SOTTO_STATUS_RNG_FAILURE`.

use std::cell::Cell;
use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

thread_local! {
    static FAILED: Cell<bool> = const { Cell::new(false) };
}

pub(crate) fn reset_failure() {
    FAILED.with(|f| f.set(false));
}

pub(crate) fn failed() -> bool {
    FAILED.with(Cell::get)
}

/// The operating system's random number generator.
pub(crate) struct OsRng;

impl TryRng for OsRng {
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
        if getrandom::fill(dst).is_err() {
            FAILED.with(|f| f.set(true));
            // Unwinds to the boundary, which reports SOTTO_STATUS_RNG_FAILURE.
            #[allow(clippy::panic)]
            {
                panic!("the operating system's random number generator failed");
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for OsRng {}
