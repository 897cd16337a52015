//! Calls: the media of 1:1 and group calls, encrypted end to end.
//!
//! [`sframe`] encrypts each media frame (RFC 9605) so that a selective
//! forwarding unit routes frames it cannot read.

pub mod sframe;
