//! The one place where the SDK's errors become C status codes: an
//! exhaustive match per error type, so a new error cannot reach C under
//! another error's code. The codes themselves are declared in
//! `ffi/abi/status.txt` and generated into `status_codes.rs`.

pub use crate::status_codes::sotto_status;

impl From<sotto::Error> for sotto_status {
    fn from(e: sotto::Error) -> Self {
        use sotto::Error as E;
        match e {
            E::Malformed => sotto_status::Malformed,
            E::UnsupportedVersion => sotto_status::UnsupportedVersion,
            E::WrongType => sotto_status::WrongType,
            E::AuthenticationFailed => sotto_status::DecryptFailed,
            E::InvalidSignature => sotto_status::InvalidSignature,
            E::InvalidKey => sotto_status::InvalidKey,
            E::NonContributory => sotto_status::NonContributory,
            E::Duplicate => sotto_status::DuplicateMessage,
            E::TooFarAhead => sotto_status::TooFarAhead,
            E::CounterExhausted => sotto_status::CounterExhausted,
            E::UnknownSignedPrekey => sotto_status::UnknownSignedPrekey,
            E::UnknownOneTimePrekey => sotto_status::UnknownOneTimePrekey,
            E::OneTimePrekeyReused => sotto_status::OneTimePrekeyReused,
            E::SessionMismatch => sotto_status::SessionMismatch,
            E::LimitExceeded => sotto_status::LimitExceeded,
            E::NotAMember => sotto_status::NotAMember,
            E::UnknownSenderKey => sotto_status::UnknownSenderKey,
            E::GroupMismatch => sotto_status::GroupMismatch,
            E::UntrustedIdentity => sotto_status::UntrustedIdentity,
            E::UnknownContact => sotto_status::UnknownContact,
            E::IdentityChanged => sotto_status::IdentityChanged,
            E::Stale => sotto_status::Stale,
            E::Expired => sotto_status::Expired,
            E::InvalidLocation => sotto_status::InvalidLocation,
            E::WrongKey => sotto_status::WrongKey,
            E::BufferTooSmall => sotto_status::BufferTooSmall,
            E::StreamClosed => sotto_status::StreamClosed,
            E::StaleDeviceList => sotto_status::StaleDeviceList,
            E::PostQuantumRequired => sotto_status::PostQuantumRequired,
            E::StalePrekeys => sotto_status::StalePrekeys,
            E::Internal => sotto_status::Internal,
        }
    }
}

#[cfg(feature = "store")]
impl From<::sotto_store::Error> for sotto_status {
    fn from(e: ::sotto_store::Error) -> Self {
        use ::sotto_store::Error as E;
        match e {
            E::Core(e) => e.into(),
            E::NotFound => sotto_status::NotFound,
            E::NoDeviceIdentity => sotto_status::NoDeviceIdentity,
            E::DeviceMismatch => sotto_status::DeviceMismatch,
            E::InvalidName => sotto_status::InvalidName,
            E::KeyMismatch => sotto_status::StoreKeyMismatch,
            E::Corrupt => sotto_status::StoreCorrupt,
            E::Busy => sotto_status::StoreBusy,
            E::StorageFailed => sotto_status::StorageFailed,
            E::NotEmpty => sotto_status::StoreNotEmpty,
        }
    }
}
