//! Encrypted location: a fixed-size location payload ([`Location`]) for
//! one-shot and live sharing, and live-location shares built on the
//! whitepaper's multi-dimensional ratchet, so a viewer who missed any number
//! of updates catches up with at most `D · (M + 1)` = 136 HMACs.
//!
//! A share works like a sender key: a random share id, the ratchet's keys at
//! its current position and an Ed25519 signing key go to each viewer in a
//! distribution message over the pairwise sessions, bound by that signing key
//! to the sharer's identity, so that a viewer accepts it only from the sender
//! whose session delivered it; each update is one fixed
//! [`LOCATION_UPDATE_LEN`]-byte message, signed and encrypted once for every
//! viewer. The formulas are in the `ratchet`, `share` and `viewer` modules and in
//! `docs/PROTOCOL.md` §12.

mod payload;
mod ratchet;
mod share;
mod state;
mod viewer;
mod wire;

pub use payload::{LOCATION_PAYLOAD_LEN, Location, Precision};
pub use ratchet::{LOCATION_DIMENSIONS, LOCATION_STEPS, location_message_key};
pub use share::LocationShare;
pub use viewer::LocationViewer;
pub use wire::{LOCATION_UPDATE_LEN, LocationUpdateInfo, inspect_location_update};

/// HKDF info of the AES-256-GCM-SIV key and nonce of a location update.
pub const LABEL_LOCATION_KEYS: &[u8] = b"sotto v1 location keys";
/// Prefix of the bytes a location update's signature covers.
pub const LABEL_LOCATION_SIGNATURE: &[u8] = b"sotto v1 location update";
/// Prefix of the bytes a distribution's binding (the signature that names
/// its sharer) covers.
pub const LABEL_LOCATION_DISTRIBUTION: &[u8] = b"sotto v1 location distribution";
/// The most viewers of one share.
pub const MAX_VIEWERS: usize = 1024;
