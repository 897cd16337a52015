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
//!
//! ```
//! use sotto::calls::sframe::SframeSuite;
//! use sotto::calls::{CallSecret, CallSignal, CallSignalKind, Direction, GroupCall, SrtpProfile};
//! use sotto::{Content, Envelope};
//!
//! # fn main() -> sotto::Result<()> {
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! # let (call_id, now_ms) = ([7u8; 16], 1_800_000_000_000);
//! # let video = vec![0x42u8; 1200];
//! # let timer = sotto::DisappearingTimer::OFF;
//! // 1:1: the offer to each of Bob's devices carries a fresh secret; both sides derive SRTP keys.
//! let offer = CallSignal { kind: CallSignalKind::Offer, call_id, epoch: 0, video: true,
//!                          secret: Some(CallSecret::generate(&mut rng)), participants: vec![0, 1] };
//! let keys = offer.secret.as_ref().unwrap().srtp(&call_id, SrtpProfile::AeadAes256Gcm, Direction::Caller)?;
//! assert_eq!((keys.master_key.len(), keys.master_salt.len()), (32, 12)); // for the WebRTC stack
//!
//! // A group call: one device draws each epoch's secret and sends it over every 1:1 session.
//! let update = CallSignal { kind: CallSignalKind::KeyUpdate, call_id, epoch: 1, video: true,
//!                           secret: Some(CallSecret::generate(&mut rng)), participants: vec![0, 1, 2] };
//! let bytes = Envelope::new(Content::Call(update.clone()), now_ms, timer).encode()?; // store.send in an app
//! let Content::Call(received) = Envelope::decode(&bytes)?.content else { unreachable!() };
//! let mut alice = GroupCall::new(call_id, SframeSuite::AesGcm128Sha256, 0);
//! let mut bob = GroupCall::new(call_id, SframeSuite::AesGcm128Sha256, 1);
//! alice.install(1, update.secret.as_ref().unwrap(), &update.participants, now_ms)?;
//! bob.install(received.epoch, received.secret.as_ref().unwrap(), &received.participants, now_ms)?;
//!
//! // Each frame into your buffers, no allocation: the forwarding unit sees key id and counter only.
//! let mut sframe = vec![0u8; alice.sframe_len(video.len()).unwrap()];
//! let n = alice.encrypt(b"rtp header", &video, &mut sframe)?;
//! let mut plain = vec![0u8; n];
//! let frame = bob.decrypt(b"rtp header", &sframe[..n], &mut plain, now_ms)?;
//! assert_eq!((frame.epoch, frame.sender, &plain[..frame.len]), (1, 0, &video[..]));
//! # Ok(()) }
//! ```

mod group;
pub mod keys;
pub mod sframe;
mod signal;

pub use group::{
    CallFrame, EPOCH_OVERLAP_MS, GroupCall, MAX_CALL_PARTICIPANTS, MAX_EPOCH_STEP,
    MAX_REMEMBERED_SECRETS,
};
pub use keys::{CALL_ID_LEN, CallId, CallSecret, Direction, SrtpKeys, SrtpProfile, group_kid};
pub use signal::{
    CallSignal, CallSignalKind, MAX_OFFER_AGE_MS, MAX_OFFER_SKEW_MS, MAX_RECENT_CALLS, OfferGuard,
};
