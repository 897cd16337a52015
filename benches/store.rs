//! The cost of durability: sending a 64 B message through a store (a
//! committed encrypt, then the outbox acknowledgement) and receiving one (a
//! committed decrypt, then the inbox acknowledgement), at each durability,
//! next to an encrypt plus decrypt through in-memory sessions. Store files live under `target/`, on the
//! machine's disk.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_core::UnwrapErr;
use sotto_store::{Durability, Store};
mod common;

use common::{NOW, Rng, steady_pair};

fn stores(r: &mut Rng, durability: Durability, name: &str) -> (Store, Store) {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-stores")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let (a, b) = steady_pair(r);
    let mut sa = Store::open_with(d.join("alice.db"), &[1; 32], durability, r).unwrap();
    let mut sb = Store::open_with(d.join("bob.db"), &[2; 32], durability, r).unwrap();
    sa.save(r, b"bob", &a).unwrap();
    sb.save(r, b"alice", &b).unwrap();
    (sa, sb)
}

fn store(c: &mut Criterion) {
    let mut g = c.benchmark_group("store_64B");
    let pt = [0x5au8; 64];
    let mut r = UnwrapErr(getrandom::SysRng);
    let (mut a, mut b) = steady_pair(&mut r);
    g.bench_function("in_memory/encrypt_decrypt", |bn| {
        bn.iter(|| {
            let m = a.encrypt(&mut r, black_box(&pt)).unwrap();
            black_box(b.decrypt(&m).unwrap());
        })
    });
    for (name, durability) in [("full", Durability::Full), ("normal", Durability::Normal)] {
        let (mut sa, _) = stores(&mut r, durability, name);
        // Sending: one committed encrypt, then the acknowledgement once sent.
        g.bench_function(format!("{name}/send"), |bn| {
            bn.iter(|| {
                let out = sa.encrypt(&mut r, b"bob", black_box(&pt)).unwrap();
                sa.ack_outgoing(out.id).unwrap();
                out
            })
        });
        // Receiving: one committed decrypt, then the acknowledgement once
        // shown. The messages are made in the untimed setup.
        let (mut sa, mut sb2) = stores(&mut r, durability, &format!("{name}-receive"));
        let mut r2 = UnwrapErr(getrandom::SysRng);
        g.bench_function(format!("{name}/receive"), |bn| {
            bn.iter_batched(
                || sa.encrypt(&mut r2, b"bob", &pt).unwrap().message,
                |m| {
                    let inc = sb2.decrypt(&mut r, b"alice", &m, NOW).unwrap();
                    sb2.ack_incoming(inc.id).unwrap();
                    inc
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
