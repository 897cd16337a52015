//! The cost of durability: a 64 B message encrypted by Alice and decrypted
//! by Bob through their stores (each call one committed transaction, with
//! the outbox and inbox entries acknowledged as an app would), next to the
//! same through in-memory sessions. Store files live under `target/`, on the
//! machine's disk.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use rand_core::UnwrapErr;
use sotto::store::{Durability, Store};
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};

const NOW: u64 = 1_800_000_000;
type Rng = UnwrapErr<getrandom::SysRng>;

fn pair(r: &mut Rng) -> (Session, Session) {
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

fn stores(r: &mut Rng, durability: Durability, name: &str) -> (Store, Store) {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-stores")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let (a, b) = pair(r);
    let mut sa = Store::open_with(d.join("alice.db"), &[1; 32], durability, r).unwrap();
    let mut sb = Store::open_with(d.join("bob.db"), &[2; 32], durability, r).unwrap();
    sa.save(r, b"bob", &a).unwrap();
    sb.save(r, b"alice", &b).unwrap();
    (sa, sb)
}

fn store(c: &mut Criterion) {
    let mut g = c.benchmark_group("store_64B_encrypt_decrypt");
    let pt = [0x5au8; 64];
    let mut r = UnwrapErr(getrandom::SysRng);
    let (mut a, mut b) = pair(&mut r);
    g.bench_function("in_memory", |bn| {
        bn.iter(|| {
            let m = a.encrypt(&mut r, black_box(&pt)).unwrap();
            black_box(b.decrypt(&m).unwrap());
        })
    });
    for (name, durability) in [("full", Durability::Full), ("normal", Durability::Normal)] {
        let (mut sa, mut sb) = stores(&mut r, durability, name);
        g.bench_function(format!("store_{name}"), |bn| {
            bn.iter(|| {
                let out = sa.encrypt(&mut r, b"bob", black_box(&pt)).unwrap();
                sa.ack_outgoing(out.id).unwrap();
                let inc = sb.decrypt(&mut r, b"alice", &out.message, NOW).unwrap();
                sb.ack_incoming(inc.id).unwrap();
                black_box(inc);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
