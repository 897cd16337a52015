//! The store's error type: the SDK's own [`sotto::Error`] for what the
//! protocol refused, and the store's failures (a missing object, another
//! key, a damaged file, a busy lock, the disk). Every variant is safe to
//! log, and every failed call leaves the store file as it was.

use core::fmt;

/// What went wrong in a store call. Nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The SDK refused the operation (a message that does not decrypt, an
    /// untrusted identity, a replay, ...): see [`sotto::Error`].
    Core(sotto::Error),
    /// The store holds no object of that kind under that name (no session
    /// with this contact, no group or share by that id).
    NotFound,
    /// The store holds no identity and prekeys for this device: save them
    /// with [`crate::Store::set_device`] before the first message arrives.
    NoDeviceIdentity,
    /// The prekeys given as this device's were signed by another identity
    /// than the device's: nothing was written.
    DeviceMismatch,
    /// A name (contact, group or share id) is empty or longer than
    /// [`crate::MAX_NAME_LEN`] bytes; the empty name is this device's own
    /// row, reached only through [`crate::Store::set_device`] and its kin.
    InvalidName,
    /// The store file was created under another key: nothing was read or
    /// written.
    KeyMismatch,
    /// The store file is not a sotto store or is damaged: nothing was
    /// written.
    Corrupt,
    /// Another thread or process held the store's write lock for longer than
    /// [`crate::STORE_BUSY_TIMEOUT`]; nothing was written. Retry.
    Busy,
    /// The storage layer failed (disk full, I/O error, permissions); the
    /// transaction was rolled back.
    StorageFailed,
    /// A restore needs a new, empty store; this one already holds
    /// objects. Nothing was written.
    NotEmpty,
}

impl From<sotto::Error> for Error {
    fn from(e: sotto::Error) -> Self {
        Error::Core(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Core(e) => fmt::Display::fmt(e, f),
            Error::NotFound => f.write_str("not found in the store"),
            Error::NoDeviceIdentity => f.write_str("this store has no identity for this device"),
            Error::DeviceMismatch => f.write_str("the prekeys belong to another identity"),
            Error::InvalidName => f.write_str("a store name is 1 to 255 bytes"),
            Error::KeyMismatch => f.write_str("the store was created under another key"),
            Error::Corrupt => f.write_str("the store file is damaged or not a store"),
            Error::Busy => f.write_str("the store is locked by another writer"),
            Error::StorageFailed => f.write_str("the storage layer failed"),
            Error::NotEmpty => f.write_str("a restore needs a new, empty store"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Core(e) => Some(e),
            _ => None,
        }
    }
}

/// Shorthand for the store's results.
pub type Result<T> = core::result::Result<T, Error>;
