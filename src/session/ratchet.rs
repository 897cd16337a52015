//! The Double Ratchet (Signal specification, revision 1), with AES-256-GCM-SIV.
//!
//! ```text
//! KDF_RK(rk, dh) : rk' ‖ ck = HKDF-SHA256(salt = rk, IKM = dh, info = "sotto v1 ratchet", 64)
//! KDF_CK(ck)     : seed = HMAC-SHA256(ck, 0x01),  ck' = HMAC-SHA256(ck, 0x02)
//! message key    : key ‖ nonce = HKDF-SHA256(salt = 0x00 × 32, IKM = seed,
//!                                            info = "sotto v1 message keys", 44)
//! ENCRYPT        : AES-256-GCM-SIV(key, nonce, plaintext, AD ‖ header_bytes), 16-byte tag
//! ```
//!
//! Limits, each checked before any key is derived:
//! [`MAX_SKIP`] keys skipped per message, [`MAX_SKIPPED_KEYS`] keys stored per
//! session (oldest evicted first) and [`MAX_OLD_CHAINS`] receiving chains kept
//! besides the current one (oldest evicted first).

use crate::crypto;
use crate::secret::Secret32;

/// HKDF info of the root-key step.
pub const LABEL_RATCHET: &[u8] = b"sotto v1 ratchet";
/// HKDF info of the per-message AES-256-GCM-SIV key and nonce.
pub const LABEL_MESSAGE_KEYS: &[u8] = b"sotto v1 message keys";

/// The most message keys one incoming message may make the receiver derive
/// and store (the gap between the next expected index and the message's
/// index on its chain).
pub const MAX_SKIP: u32 = 1000;
/// The most skipped message keys a session stores; when full, the oldest are
/// deleted, and their messages then fail with [`crate::Error::Duplicate`].
pub const MAX_SKIPPED_KEYS: usize = 2000;
/// The most earlier receiving chains a session keeps open for late messages.
pub const MAX_OLD_CHAINS: usize = 4;

/// `KDF_RK`: a new root key and chain key from the old root key and a DH output.
pub(super) fn kdf_rk(rk: &Secret32, dh: &Secret32) -> (Secret32, Secret32) {
    let mut okm = zeroize::Zeroizing::new([0u8; 64]);
    // 64 bytes never exceeds HKDF's output limit.
    let _ = crypto::hkdf(
        rk.expose(),
        &[dh.expose()],
        LABEL_RATCHET,
        okm.as_mut_slice(),
    );
    let (a, b) = okm.split_at(32);
    let mut rk2 = [0u8; 32];
    let mut ck = [0u8; 32];
    rk2.copy_from_slice(a);
    ck.copy_from_slice(b);
    let out = (Secret32::new(rk2), Secret32::new(ck));
    zeroize::Zeroize::zeroize(&mut rk2);
    zeroize::Zeroize::zeroize(&mut ck);
    out
}
