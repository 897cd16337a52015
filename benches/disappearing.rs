//! The content envelope and disappearing messages, measured:
//!
//! * `envelope_64B`: a 64 B text through a session as plain bytes (the byte
//!   API) and inside an envelope (encode + encrypt, decrypt + decode), in
//!   the same run: the envelope's cost over the byte API;
//! * `purge_10000`: deleting 10,000 expired outbox entries with
//!   `Store::purge_expired` at the default durability (`Full`), the
//!   checkpoint that erases them from the log included. Each iteration
//!   opens a fresh copy of a prepared store file; only the purge is timed.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_core::UnwrapErr;
use sotto::envelope::TIMER_24_HOURS;
use sotto::{Content, DisappearingTimer, Envelope};
use sotto_store::{Conversation, Durability, Store};
mod common;

use common::{NOW, steady_pair};

const NOW_MS: u64 = NOW * 1000;
const DAY_MS: u64 = 86_400_000;

fn envelope(c: &mut Criterion) {
    let mut g = c.benchmark_group("envelope_64B");
    let text = "x".repeat(64);
    let pt = text.as_bytes();
    let timer = DisappearingTimer::new(TIMER_24_HOURS, NOW_MS).unwrap();
    let mut r = UnwrapErr(getrandom::SysRng);
    let (mut a, _) = steady_pair(&mut r);
    g.bench_function("bytes/encrypt", |bn| {
        bn.iter(|| a.encrypt(&mut r, black_box(pt)).unwrap())
    });
    g.bench_function("envelope/encrypt", |bn| {
        bn.iter(|| {
            let e = Envelope::new(Content::text(black_box(&text)), NOW_MS, timer);
            a.encrypt(&mut r, &e.encode().unwrap()).unwrap()
        })
    });
    // Each decrypt benchmark has its own pair: the receiver reads every
    // message its sender made, in order.
    let mut r2 = UnwrapErr(getrandom::SysRng);
    let (mut a, mut b) = steady_pair(&mut r2);
    g.bench_function("bytes/decrypt", |bn| {
        bn.iter_batched(
            || a.encrypt(&mut r2, pt).unwrap(),
            |m| b.decrypt(&m).unwrap(),
            BatchSize::SmallInput,
        )
    });
    let (mut a, mut b) = steady_pair(&mut r2);
    g.bench_function("envelope/decrypt", |bn| {
        bn.iter_batched(
            || {
                let e = Envelope::new(Content::text(&text), NOW_MS, timer);
                a.encrypt(&mut r2, &e.encode().unwrap()).unwrap()
            },
            |m| Envelope::decode(&b.decrypt(&m).unwrap()).unwrap(),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn copy_store(from: &Path, to: &Path) {
    for suffix in ["", "-wal"] {
        let src = PathBuf::from(format!("{}{suffix}", from.display()));
        let dst = PathBuf::from(format!("{}{suffix}", to.display()));
        let _ = std::fs::remove_file(&dst);
        if src.exists() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
    let _ = std::fs::remove_file(format!("{}-shm", to.display()));
}

fn purge(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-stores/purge");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("template.db");
    let mut r = UnwrapErr(getrandom::SysRng);
    {
        // 10,000 messages under a 24-hour timer, never acknowledged (and
        // the timer change itself).
        let (a, _) = steady_pair(&mut r);
        let mut s = Store::open_with(&template, &[1; 32], Durability::Normal, &mut r).unwrap();
        s.save(&mut r, b"bob", &a).unwrap();
        s.set_disappearing_timer(
            &mut r,
            Conversation::Contact(b"bob"),
            TIMER_24_HOURS,
            NOW_MS,
        )
        .unwrap();
        for i in 0..10_000u64 {
            s.send(&mut r, b"bob", &Content::text("vanishing"), NOW_MS + 1 + i)
                .unwrap();
        }
    }
    let mut g = c.benchmark_group("purge_10000");
    g.sample_size(10);
    let work = dir.join("work.db");
    g.bench_function("full/purge_expired", |bn| {
        bn.iter_batched(
            || {
                copy_store(&template, &work);
                Store::open(&work, &[1; 32], &mut UnwrapErr(getrandom::SysRng)).unwrap()
            },
            |mut s| {
                let purged = s.purge_expired(&mut r, NOW_MS + 2 * DAY_MS).unwrap();
                assert_eq!(purged.messages, 10_001);
                s
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, envelope, purge);
criterion_main!(benches);
