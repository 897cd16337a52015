//! Persistence of every stateful object (the envelope is in `crate::sealed`).

pub(crate) mod trust;
