//! Signed, one-time and post-quantum prekeys, prekey bundles, and the
//! prekey store that owns their private halves.

mod bundle;
mod pq_prekey;
mod prekey;
mod prekey_store;
mod state;

pub use bundle::{MAX_BUNDLE_LEN, PqPolicy, PrekeyBundle};
pub use pq_prekey::{LABEL_PQ_PREKEY, PqPrekeyKind, PqPrekeyPublic};
pub use prekey::{LABEL_SIGNED_PREKEY, OneTimePrekeyPublic, SignedPrekeyPublic};
pub(crate) use prekey_store::PrekeySecrets;
pub use prekey_store::{
    MAX_ACCEPTED_BASE_KEYS, MAX_ONE_TIME_PREKEYS, MAX_PQ_ONE_TIME_PREKEYS, PrekeyStore,
    SIGNED_PREKEY_GRACE_SECS,
};
