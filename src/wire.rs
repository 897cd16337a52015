//! The version and type bytes of the wire formats: what travels through the
//! server.
//!
//! Every encoding starts with [`WIRE_VERSION`] and then a type byte that is
//! distinct for every kind of message, so that one kind can never be parsed as
//! another; the bytes are listed here, together, so that they stay distinct.
//! Lengths are fixed or implied by the end of the input; nothing may trail.
//! Each encoding is in its object's `wire` module (the prekey bundle's in
//! `prekeys::bundle`, the location payload's in `location::payload`); the
//! byte-by-byte layouts are in `docs/PROTOCOL.md`.

/// Version byte of every wire encoding defined by this release.
///
/// `0x02`: every message (1:1, group, live-location update) is sealed with
/// AES-256-GCM-SIV; `0x01` sealed them with AES-256-GCM. The two cannot
/// read each other's messages, so every encoding carries the new byte.
pub const WIRE_VERSION: u8 = 0x02;

/// Type byte of a normal Double Ratchet message.
pub const TYPE_MESSAGE: u8 = 0x01;
/// Type byte of a prekey message (a ratchet message with the session-setup preamble).
pub const TYPE_PREKEY_MESSAGE: u8 = 0x02;
/// Type byte of a prekey bundle, as the server hands it out.
pub const TYPE_PREKEY_BUNDLE: u8 = 0x03;
/// Type byte of a sender-key distribution message (sent inside a pairwise session).
pub const TYPE_SENDER_KEY_DISTRIBUTION: u8 = 0x04;
/// Type byte of a group message.
pub const TYPE_GROUP_MESSAGE: u8 = 0x05;
/// Type byte of a live-location update.
pub const TYPE_LOCATION_UPDATE: u8 = 0x06;
/// Type byte of a live-location distribution message (sent inside a pairwise session).
pub const TYPE_LOCATION_DISTRIBUTION: u8 = 0x07;
/// Type byte of an encoded location (the payload of updates and one-shot locations).
pub const TYPE_LOCATION_PAYLOAD: u8 = 0x08;
/// Type byte of a content envelope (the plaintext of a content message).
pub const TYPE_ENVELOPE: u8 = 0x09;
/// Type byte of a device record (an account-signed, countersigned device).
pub const TYPE_DEVICE_RECORD: u8 = 0x0A;
/// Type byte of an account's signed device list.
pub const TYPE_DEVICE_LIST: u8 = 0x0B;
/// Type byte of a linking QR code (a companion's identity and one-time secret).
pub const TYPE_DEVICE_LINK_QR: u8 = 0x0C;
/// Type byte of a linking answer (the account-signed record under the secret).
pub const TYPE_DEVICE_LINK: u8 = 0x0D;
/// A sender certificate (sealed sender).
pub const TYPE_SENDER_CERTIFICATE: u8 = 0x0E;
/// A server certificate (sealed sender).
pub const TYPE_SERVER_CERTIFICATE: u8 = 0x0F;
/// A sealed-sender envelope.
pub const TYPE_SEALED_SENDER: u8 = 0x10;

/// Reads the version and type bytes and checks them against `expected_type`.
pub(crate) fn check_prefix(
    r: &mut crate::codec::Reader<'_>,
    expected_type: u8,
) -> crate::Result<()> {
    let version = r.u8()?;
    if version != WIRE_VERSION {
        return Err(crate::Error::UnsupportedVersion);
    }
    if r.u8()? != expected_type {
        return Err(crate::Error::WrongType);
    }
    Ok(())
}
