//! Long-term identities, signed and one-time prekeys, prekey bundles and the
//! prekey store that owns their private halves.

pub(crate) mod bundle;
pub(crate) mod prekey;
pub(crate) mod store;
