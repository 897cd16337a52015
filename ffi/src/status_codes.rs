//! The status codes of the C ABI.
//!
//! Generated from ffi/abi/status.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

/// The result of every fallible function. `SOTTO_STATUS_OK` is 0; the
/// values are stable across releases of this ABI version and grouped
/// in ranges: 100-199 input, 200-299 protocol, 300-399 state, 400-499
/// store, 500-599 internal, 600 panic.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sotto_status {
    /// Success; the outputs were written.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullParameter = 100,
    /// A caller-supplied buffer is smaller than the output.
    BufferTooSmall = 101,
    /// An argument is out of its documented range (an unknown enum value, a non-UTF-8 string, ...).
    InvalidArgument = 102,
    /// The input is not a well-formed encoding.
    Malformed = 103,
    /// The input's version byte is not supported.
    UnsupportedVersion = 104,
    /// The input is another kind of message or object.
    WrongType = 105,
    /// A public key is invalid.
    InvalidKey = 106,
    /// A location field is out of range.
    InvalidLocation = 107,
    /// A documented limit was exceeded.
    LimitExceeded = 108,
    /// Decryption or authentication failed (no detail, deliberately).
    DecryptFailed = 200,
    /// A signature did not verify.
    InvalidSignature = 201,
    /// A Diffie-Hellman output was all zero (low-order point).
    NonContributory = 202,
    /// The message was already decrypted, or its key has expired.
    DuplicateMessage = 203,
    /// The message is too far ahead of its chain.
    TooFarAhead = 204,
    /// The prekey message names an unknown signed prekey.
    UnknownSignedPrekey = 205,
    /// The prekey message names an unknown one-time prekey.
    UnknownOneTimePrekey = 206,
    /// The prekey message names a one-time prekey already used.
    OneTimePrekeyReused = 207,
    /// The prekey message does not belong to this session.
    SessionMismatch = 208,
    /// The identity is not a member of the group (or viewer of the share).
    NotAMember = 209,
    /// The group message or location update names an unknown key.
    UnknownSenderKey = 210,
    /// The distribution belongs to another group or conversation.
    GroupMismatch = 211,
    /// A location update older than the newest one decrypted.
    Stale = 212,
    /// The location share has ended.
    Expired = 213,
    /// The key or password does not open this encrypted stream (attachment or backup): its header's commitment does not match; nothing was decrypted.
    WrongKey = 214,
    /// An account's device list is past its time-to-live or older than the version already seen; fetch a fresh one.
    StaleDeviceList = 215,
    /// The policy requires post-quantum session setup (PQXDH) and the bundle or prekey message offers no post-quantum prekey (a downgrade); nothing changed.
    PostQuantumRequired = 216,
    /// The prekeys given are a copy taken before the saved ones rotated their signed prekey; take a fresh copy (sotto_store_device_prekeys); nothing was written.
    StalePrekeys = 217,
    /// A counter is exhausted: a new session, sender key or share is needed.
    CounterExhausted = 300,
    /// The identity is not the one trusted for this contact.
    UntrustedIdentity = 301,
    /// The trust store has no record of this contact.
    UnknownContact = 302,
    /// A message or bundle came from another identity than the one trusted for this contact; under the Block policy it was refused and the new identity is held as pending until the app accepts it.
    IdentityChanged = 303,
    /// The encrypted stream was finished, or failed earlier; start a new one.
    StreamClosed = 304,
    /// Not found in the store.
    NotFound = 400,
    /// The store holds no identity and prekeys for this device: save them before the first message arrives.
    NoDeviceIdentity = 401,
    /// The store was created under another key; nothing was read or written.
    StoreKeyMismatch = 402,
    /// The store file is damaged or not a store; nothing was written.
    StoreCorrupt = 403,
    /// Another writer held the store's lock too long; nothing was written.
    StoreBusy = 404,
    /// The storage layer failed; the transaction was rolled back.
    StorageFailed = 405,
    /// The prekeys given as this device's were signed by another identity; nothing was written.
    DeviceMismatch = 406,
    /// A store name (contact, group or share id) is empty or longer than 255 bytes; the empty name is the device's own row.
    InvalidName = 407,
    /// A restore needs a new, empty store; this one already holds objects and nothing was written.
    StoreNotEmpty = 408,
    /// An invariant of the SDK failed (a bug); nothing was written.
    Internal = 500,
    /// The operating system's random number generator failed.
    RngFailure = 501,
    /// An internal error was caught at the boundary; nothing was written.
    Panic = 600,
}

impl sotto_status {
    /// Every status, in the order declared.
    pub(crate) const ALL: [sotto_status; 45] = [
        sotto_status::Ok,
        sotto_status::NullParameter,
        sotto_status::BufferTooSmall,
        sotto_status::InvalidArgument,
        sotto_status::Malformed,
        sotto_status::UnsupportedVersion,
        sotto_status::WrongType,
        sotto_status::InvalidKey,
        sotto_status::InvalidLocation,
        sotto_status::LimitExceeded,
        sotto_status::DecryptFailed,
        sotto_status::InvalidSignature,
        sotto_status::NonContributory,
        sotto_status::DuplicateMessage,
        sotto_status::TooFarAhead,
        sotto_status::UnknownSignedPrekey,
        sotto_status::UnknownOneTimePrekey,
        sotto_status::OneTimePrekeyReused,
        sotto_status::SessionMismatch,
        sotto_status::NotAMember,
        sotto_status::UnknownSenderKey,
        sotto_status::GroupMismatch,
        sotto_status::Stale,
        sotto_status::Expired,
        sotto_status::WrongKey,
        sotto_status::StaleDeviceList,
        sotto_status::PostQuantumRequired,
        sotto_status::StalePrekeys,
        sotto_status::CounterExhausted,
        sotto_status::UntrustedIdentity,
        sotto_status::UnknownContact,
        sotto_status::IdentityChanged,
        sotto_status::StreamClosed,
        sotto_status::NotFound,
        sotto_status::NoDeviceIdentity,
        sotto_status::StoreKeyMismatch,
        sotto_status::StoreCorrupt,
        sotto_status::StoreBusy,
        sotto_status::StorageFailed,
        sotto_status::DeviceMismatch,
        sotto_status::InvalidName,
        sotto_status::StoreNotEmpty,
        sotto_status::Internal,
        sotto_status::RngFailure,
        sotto_status::Panic,
    ];

    /// The status with this value, if any.
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
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
            sotto_status::InvalidKey => c"invalid public key",
            sotto_status::InvalidLocation => c"location field out of range",
            sotto_status::LimitExceeded => c"request exceeds a documented limit",
            sotto_status::DecryptFailed => c"decryption failed",
            sotto_status::InvalidSignature => c"invalid signature",
            sotto_status::NonContributory => c"non-contributory key agreement",
            sotto_status::DuplicateMessage => c"message already decrypted or its key expired",
            sotto_status::TooFarAhead => c"message counter too far ahead",
            sotto_status::UnknownSignedPrekey => c"unknown signed prekey",
            sotto_status::UnknownOneTimePrekey => c"unknown one-time prekey",
            sotto_status::OneTimePrekeyReused => c"one-time prekey already used",
            sotto_status::SessionMismatch => c"prekey message does not belong to this session",
            sotto_status::NotAMember => c"not a member",
            sotto_status::UnknownSenderKey => c"unknown sender key or share",
            sotto_status::GroupMismatch => c"distribution for another group or conversation",
            sotto_status::Stale => c"older than the newest location update",
            sotto_status::Expired => c"the location share has ended",
            sotto_status::WrongKey => c"wrong key or password",
            sotto_status::StaleDeviceList => c"the device list is stale or rolled back",
            sotto_status::PostQuantumRequired => c"post-quantum session setup required",
            sotto_status::StalePrekeys => c"the prekeys are an older copy than the saved ones",
            sotto_status::CounterExhausted => c"counter exhausted",
            sotto_status::UntrustedIdentity => c"identity not trusted for this contact",
            sotto_status::UnknownContact => c"unknown contact",
            sotto_status::IdentityChanged => c"the contact's identity changed",
            sotto_status::StreamClosed => c"the stream is finished or failed",
            sotto_status::NotFound => c"not found in the store",
            sotto_status::NoDeviceIdentity => c"this store has no identity for this device",
            sotto_status::StoreKeyMismatch => c"the store was created under another key",
            sotto_status::StoreCorrupt => c"the store file is damaged or not a store",
            sotto_status::StoreBusy => c"the store is locked by another writer",
            sotto_status::StorageFailed => c"the storage layer failed",
            sotto_status::DeviceMismatch => c"the prekeys belong to another identity",
            sotto_status::InvalidName => c"a store name is 1 to 255 bytes",
            sotto_status::StoreNotEmpty => c"a restore needs a new, empty store",
            sotto_status::Internal => c"internal error (a bug in the SDK)",
            sotto_status::RngFailure => c"the operating system's random number generator failed",
            sotto_status::Panic => c"internal error caught at the C boundary",
        }
    }
}
