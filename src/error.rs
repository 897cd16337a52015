//! The one public error type of the SDK.
//!
//! Every variant is safe to log: none carries key material, plaintext or
//! attacker-chosen bytes. Authentication failure is deliberately a single
//! opaque variant ([`Error::AuthenticationFailed`]) so that a failed decrypt
//! does not tell an attacker *which* check failed.

use core::fmt;

/// What went wrong. Every fallible operation of the SDK returns this type and,
/// when it does, leaves every state object exactly as it was before the call.
///
/// The enum is exhaustive on purpose: a new variant is a breaking change, so
/// that every `match` on it (the C status mapping among them) is revisited
/// rather than sending a new error down a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The input is not a well-formed encoding of the expected object:
    /// truncated, trailing bytes, a wrong length, a bad flag or a non-canonical
    /// integer.
    Malformed,
    /// The version byte names a format this build does not implement.
    UnsupportedVersion,
    /// The type byte names a different kind of message or object than the
    /// function expects.
    WrongType,
    /// The message or stored state failed authentication (bad tag, wrong key,
    /// tampered bytes). Deliberately carries no detail.
    AuthenticationFailed,
    /// A signature (signed prekey, ...) did not verify under strict Ed25519
    /// rules; for a distribution, it was not bound to the member whose
    /// session delivered it.
    InvalidSignature,
    /// A public key is not a valid key of its kind (for example an Ed25519 key
    /// that does not decode to a curve point, or an identity whose X25519
    /// half is not the Montgomery form of its Ed25519 half), or a group
    /// sender key's signing key is already registered to another member.
    InvalidKey,
    /// A Diffie-Hellman output was all zero: the peer supplied a low-order
    /// point. The exchange is not contributory and is refused.
    NonContributory,
    /// The message was already decrypted (a replay), or its key has been
    /// deleted because it was evicted from the bounded skipped-key store.
    Duplicate,
    /// The message counter is further ahead of the receiving chain than
    /// [`crate::MAX_SKIP`] allows; nothing was derived.
    TooFarAhead,
    /// A counter would overflow. The session (or prekey store) must be
    /// replaced by a new one.
    CounterExhausted,
    /// The prekey message names a signed prekey this store does not hold (never
    /// issued, or retired beyond its grace period).
    UnknownSignedPrekey,
    /// The prekey message names a one-time prekey this store never issued.
    UnknownOneTimePrekey,
    /// The prekey message names a one-time prekey that was already consumed by
    /// an earlier session.
    OneTimePrekeyReused,
    /// A prekey message was given to a session that was not created from it
    /// (another base key or another identity).
    SessionMismatch,
    /// A request exceeds a documented limit (for example more one-time prekeys
    /// than [`crate::MAX_ONE_TIME_PREKEYS`]).
    LimitExceeded,
    /// The identity is not a member of the group (a distribution or group
    /// message from someone the app has not added, or has removed).
    NotAMember,
    /// The group message names a sender key this member never distributed to
    /// us, or one dropped since (rotated out or its sender removed). It may
    /// decrypt once the sender's distribution message has been processed.
    UnknownSenderKey,
    /// The distribution message belongs to another group.
    GroupMismatch,
    /// The identity is not the one trusted for this contact: its identity
    /// changed and the app has not accepted the change
    /// ([`crate::TrustStore::accept_change`]), or it was never seen.
    UntrustedIdentity,
    /// The trust store has no record of this contact.
    UnknownContact,
    /// A message (or bundle) for this contact comes from another identity
    /// than the one trusted, and the policy is [`crate::TrustPolicy::Block`]:
    /// it was refused, and the new identity is held as the contact's pending
    /// change ([`crate::TrustRecord::pending`]). Show the user that the
    /// security code changed; if they accept it
    /// ([`crate::TrustStore::accept_change`]), decrypt the message again.
    IdentityChanged,
    /// A live-location update older than (or the same as) the newest one
    /// already decrypted: only the latest position counts, so it is dropped
    /// without being decrypted.
    Stale,
    /// The location share has ended (its end time has passed).
    Expired,
    /// A location field is out of its range (latitude beyond ±90°, a heading
    /// of 360° or more, ...): rejected, never clamped.
    InvalidLocation,
    /// The key (or password) does not open this encrypted stream: the
    /// commitment in its header does not match it (or the header was
    /// damaged). Checked before anything is decrypted.
    WrongKey,
    /// The output buffer is too small for what the call writes; nothing
    /// happened. The call's `_len` function says how much it needs.
    BufferTooSmall,
    /// The stream was finished, or failed earlier: start a new one.
    StreamClosed,
    /// An account's device list is older than its time-to-live
    /// ([`crate::devices::DEVICE_LIST_TTL_SECS`]) or than the version
    /// already seen: fetch a fresh one; until then, send to no device of it.
    StaleDeviceList,
    /// The policy requires post-quantum session setup (PQXDH) and the
    /// bundle or prekey message offers none: a downgrade, refused before
    /// anything changed.
    PostQuantumRequired,
    /// A copy of a device's prekeys is older than the saved ones: the saved
    /// store rotated its signed prekey since the copy was taken
    /// ([`crate::PrekeyStore::reconcile`]). Take a fresh copy; nothing
    /// changed.
    StalePrekeys,
    /// Something the SDK's own invariants rule out happened (a value the
    /// code itself produced failed to encode or decode). Never caused by
    /// input alone; report it as a bug. Nothing was changed.
    Internal,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Malformed => "malformed input",
            Error::UnsupportedVersion => "unsupported format version",
            Error::WrongType => "wrong message or object type",
            Error::AuthenticationFailed => "authentication failed",
            Error::InvalidSignature => "invalid signature",
            Error::InvalidKey => "invalid public key",
            Error::NonContributory => "non-contributory key agreement (low-order point)",
            Error::Duplicate => "message already decrypted or its key expired",
            Error::TooFarAhead => "message counter too far ahead",
            Error::CounterExhausted => "counter exhausted; a new session is required",
            Error::UnknownSignedPrekey => "unknown signed prekey",
            Error::UnknownOneTimePrekey => "unknown one-time prekey",
            Error::OneTimePrekeyReused => "one-time prekey already used",
            Error::SessionMismatch => "prekey message does not belong to this session",
            Error::LimitExceeded => "request exceeds a documented limit",
            Error::NotAMember => "not a member of the group",
            Error::WrongKey => "wrong key or password for this encrypted stream",
            Error::BufferTooSmall => "output buffer too small",
            Error::StreamClosed => "stream already finished or failed",
            Error::StaleDeviceList => "the device list is stale or rolled back",
            Error::PostQuantumRequired => "post-quantum session setup required",
            Error::StalePrekeys => "the prekeys are an older copy than the saved ones",
            Error::UnknownSenderKey => "unknown sender key",
            Error::GroupMismatch => "distribution message for another group",
            Error::UntrustedIdentity => "identity not trusted for this contact",
            Error::UnknownContact => "unknown contact",
            Error::IdentityChanged => "the contact's identity changed (held until accepted)",
            Error::Stale => "older than the newest location update",
            Error::Expired => "the location share has ended",
            Error::InvalidLocation => "location field out of range",
            Error::Internal => "internal error (a bug in the SDK)",
        })
    }
}

impl core::error::Error for Error {}

/// Shorthand used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;
