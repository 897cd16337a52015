//! Setup shared by the benchmarks.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};

pub(crate) const NOW: u64 = 1_800_000_000;
pub(crate) type Rng = UnwrapErr<getrandom::SysRng>;

/// Two 1:1 sessions in steady state: the first message accepted and a reply
/// read, so both directions have a chain and no preamble.
pub(crate) fn steady_pair(r: &mut Rng) -> (Session, Session) {
    let alice = IdentityKeyPair::generate(r);
    let bob = IdentityKeyPair::generate(r);
    let mut store = PrekeyStore::new(r, &bob, NOW);
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: None,
    };
    let mut a = Session::initiate(r, &alice, &bundle).unwrap();
    let m = a.encrypt(r, b"hi").unwrap();
    let mut b = store.accept(&bob, &m, NOW).unwrap().session;
    let reply = b.encrypt(r, b"hi").unwrap();
    a.decrypt(&reply).unwrap();
    (a, b)
}
