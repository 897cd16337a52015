//! The one numbered status enum every fallible function returns.

use sotto::Error;

/// The result of every fallible function. `SOTTO_STATUS_OK` is 0; the
/// values are stable across releases of this ABI version.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sotto_status {
    /// Success; the outputs were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 1,
    /// A caller-supplied buffer is smaller than the output.
    BufferTooSmall = 2,
    /// An argument is out of its documented range (an unknown enum value, a
    /// non-UTF-8 string, ...).
    InvalidArgument = 3,
    /// The input is not a well-formed encoding.
    Malformed = 4,
    /// The input's version byte is not supported.
    UnsupportedVersion = 5,
    /// The input is another kind of message or object.
    WrongType = 6,
    /// Decryption or authentication failed (no detail, deliberately).
    DecryptFailed = 7,
    /// A signature did not verify.
    InvalidSignature = 8,
    /// A public key is invalid.
    InvalidKey = 9,
    /// A Diffie-Hellman output was all zero (low-order point).
    NonContributory = 10,
    /// The message was already decrypted, or its key has expired.
    DuplicateMessage = 11,
    /// The message is too far ahead of its chain.
    TooFarAhead = 12,
    /// A counter is exhausted: a new session, sender key or share is needed.
    CounterExhausted = 13,
    /// The prekey message names an unknown signed prekey.
    UnknownSignedPrekey = 14,
    /// The prekey message names an unknown one-time prekey.
    UnknownOneTimePrekey = 15,
    /// The prekey message names a one-time prekey already used.
    OneTimePrekeyReused = 16,
    /// The prekey message does not belong to this session.
    SessionMismatch = 17,
    /// A documented limit was exceeded.
    LimitExceeded = 18,
    /// The identity is not a member of the group (or viewer of the share).
    NotAMember = 19,
    /// The group message or location update names an unknown key.
    UnknownSenderKey = 20,
    /// The distribution belongs to another group or conversation.
    GroupMismatch = 21,
    /// The identity is not the one trusted for this contact.
    UntrustedIdentity = 22,
    /// The trust store has no record of this contact.
    UnknownContact = 23,
    /// A location update older than the newest one decrypted.
    Stale = 24,
    /// The location share has ended.
    Expired = 25,
    /// A location field is out of range.
    InvalidLocation = 26,
    /// The operating system's random number generator failed.
    RngFailure = 27,
    /// Not found in the store.
    NotFound = 28,
    /// The store was created under another key; nothing was read or written.
    StoreKeyMismatch = 29,
    /// The store file is damaged or not a store; nothing was written.
    StoreCorrupt = 30,
    /// Another writer held the store's lock too long; nothing was written.
    StoreBusy = 31,
    /// The storage layer failed; the transaction was rolled back.
    StorageFailed = 32,
    /// An internal error was caught at the boundary; nothing was written.
    Panic = 255,
}

impl From<Error> for sotto_status {
    fn from(e: Error) -> Self {
        match e {
            Error::Malformed => sotto_status::Malformed,
            Error::UnsupportedVersion => sotto_status::UnsupportedVersion,
            Error::WrongType => sotto_status::WrongType,
            Error::AuthenticationFailed => sotto_status::DecryptFailed,
            Error::InvalidSignature => sotto_status::InvalidSignature,
            Error::InvalidKey => sotto_status::InvalidKey,
            Error::NonContributory => sotto_status::NonContributory,
            Error::Duplicate => sotto_status::DuplicateMessage,
            Error::TooFarAhead => sotto_status::TooFarAhead,
            Error::CounterExhausted => sotto_status::CounterExhausted,
            Error::UnknownSignedPrekey => sotto_status::UnknownSignedPrekey,
            Error::UnknownOneTimePrekey => sotto_status::UnknownOneTimePrekey,
            Error::OneTimePrekeyReused => sotto_status::OneTimePrekeyReused,
            Error::SessionMismatch => sotto_status::SessionMismatch,
            Error::LimitExceeded => sotto_status::LimitExceeded,
            Error::NotAMember => sotto_status::NotAMember,
            Error::UnknownSenderKey => sotto_status::UnknownSenderKey,
            Error::GroupMismatch => sotto_status::GroupMismatch,
            Error::UntrustedIdentity => sotto_status::UntrustedIdentity,
            Error::UnknownContact => sotto_status::UnknownContact,
            Error::Stale => sotto_status::Stale,
            Error::Expired => sotto_status::Expired,
            Error::InvalidLocation => sotto_status::InvalidLocation,
            Error::NotFound => sotto_status::NotFound,
            Error::StoreKeyMismatch => sotto_status::StoreKeyMismatch,
            Error::StoreCorrupt => sotto_status::StoreCorrupt,
            Error::StoreBusy => sotto_status::StoreBusy,
            Error::StorageFailed => sotto_status::StorageFailed,
            _ => sotto_status::InvalidArgument,
        }
    }
}

impl sotto_status {
    /// The status with this value, if any.
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        use sotto_status::*;
        [
            Ok,
            NullParameter,
            BufferTooSmall,
            InvalidArgument,
            Malformed,
            UnsupportedVersion,
            WrongType,
            DecryptFailed,
            InvalidSignature,
            InvalidKey,
            NonContributory,
            DuplicateMessage,
            TooFarAhead,
            CounterExhausted,
            UnknownSignedPrekey,
            UnknownOneTimePrekey,
            OneTimePrekeyReused,
            SessionMismatch,
            LimitExceeded,
            NotAMember,
            UnknownSenderKey,
            GroupMismatch,
            UntrustedIdentity,
            UnknownContact,
            Stale,
            Expired,
            InvalidLocation,
            RngFailure,
            NotFound,
            StoreKeyMismatch,
            StoreCorrupt,
            StoreBusy,
            StorageFailed,
            Panic,
        ]
        .into_iter()
        .find(|s| *s as u32 == code)
    }

    /// A short description, safe to log.
    pub(crate) fn message(self) -> &'static core::ffi::CStr {
        match self {
            sotto_status::Ok => c"ok",
            sotto_status::NullParameter => c"a required pointer argument was NULL",
            sotto_status::BufferTooSmall => c"the output buffer is too small",
            sotto_status::InvalidArgument => c"an argument is out of range",
            sotto_status::Malformed => c"malformed input",
            sotto_status::UnsupportedVersion => c"unsupported format version",
            sotto_status::WrongType => c"wrong message or object type",
            sotto_status::DecryptFailed => c"decryption failed",
            sotto_status::InvalidSignature => c"invalid signature",
            sotto_status::InvalidKey => c"invalid public key",
            sotto_status::NonContributory => c"non-contributory key agreement",
            sotto_status::DuplicateMessage => c"message already decrypted or its key expired",
            sotto_status::TooFarAhead => c"message counter too far ahead",
            sotto_status::CounterExhausted => c"counter exhausted",
            sotto_status::UnknownSignedPrekey => c"unknown signed prekey",
            sotto_status::UnknownOneTimePrekey => c"unknown one-time prekey",
            sotto_status::OneTimePrekeyReused => c"one-time prekey already used",
            sotto_status::SessionMismatch => c"prekey message does not belong to this session",
            sotto_status::LimitExceeded => c"request exceeds a documented limit",
            sotto_status::NotAMember => c"not a member",
            sotto_status::UnknownSenderKey => c"unknown sender key or share",
            sotto_status::GroupMismatch => c"distribution for another group or conversation",
            sotto_status::UntrustedIdentity => c"identity not trusted for this contact",
            sotto_status::UnknownContact => c"unknown contact",
            sotto_status::Stale => c"older than the newest location update",
            sotto_status::Expired => c"the location share has ended",
            sotto_status::InvalidLocation => c"location field out of range",
            sotto_status::RngFailure => c"the operating system's random number generator failed",
            sotto_status::NotFound => c"not found in the store",
            sotto_status::StoreKeyMismatch => c"the store was created under another key",
            sotto_status::StoreCorrupt => c"the store file is damaged or not a store",
            sotto_status::StoreBusy => c"the store is locked by another writer",
            sotto_status::StorageFailed => c"the storage layer failed",
            sotto_status::Panic => c"internal error caught at the C boundary",
        }
    }
}
