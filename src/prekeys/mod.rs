//! Signed and one-time prekeys, prekey bundles, and the prekey store that
//! owns their private halves.

mod bundle;
mod prekey;
mod prekey_store;
mod state;

pub use bundle::PrekeyBundle;
pub use prekey::{LABEL_SIGNED_PREKEY, OneTimePrekeyPublic, SignedPrekeyPublic};
pub(crate) use prekey_store::PrekeySecrets;
pub use prekey_store::{
    MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_PREKEYS, PrekeyStore, SIGNED_PREKEY_GRACE_SECS,
};
