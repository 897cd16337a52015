//! Calls: the media of 1:1 and group calls, encrypted end to end.
//!
//! - [`keys`]: the call secret (one per recipient device for a 1:1 call,
//!   one per epoch for a group call) and the media keys derived from it:
//!   SRTP master keys per direction, SFrame base keys per sender.
//! - [`sframe`]: SFrame (RFC 9605), each media frame encrypted so that a
//!   selective forwarding unit routes frames it cannot read.
//! - [`GroupCall`]: a device's side of a group call, epoch by epoch.
//! - [`CallSignal`]: offers, answers, key updates, leaving and ending, in
//!   the content envelope, with [`OfferGuard`] refusing old and replayed
//!   offers.

mod group;
pub mod keys;
pub mod sframe;
mod signal;

pub use group::{CallFrame, EPOCH_OVERLAP_MS, GroupCall, MAX_CALL_PARTICIPANTS};
pub use keys::{CALL_ID_LEN, CallId, CallSecret, Direction, SrtpKeys, SrtpProfile, group_kid};
pub use signal::{
    CallSignal, CallSignalKind, MAX_OFFER_AGE_MS, MAX_OFFER_SKEW_MS, MAX_RECENT_CALLS, OfferGuard,
};
