//! Helpers shared by the store's disappearing-message tests: a clock,
//! scratch folders, registered devices, a pair with sessions both ways, a
//! group of three in three stores, and a search of a store's files.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use rand_core::UnwrapErr;
use sotto::{Content, Group, IdentityKey, IdentityKeyPair, PrekeyBundle, PrekeyStore};
use sotto_store::Store;

pub const NOW_MS: u64 = 1_800_000_000_000;
pub const HOUR_MS: u64 = 3_600_000;
pub const DAY_MS: u64 = 86_400_000;
pub type Rng = UnwrapErr<getrandom::SysRng>;

pub fn rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

/// An empty scratch folder `suite/name` under the target's temp folder.
pub fn dir(suite: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(suite)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A registered device: its store (identity and prekeys set), its bundle
/// (without a one-time prekey, with the last-resort post-quantum prekey:
/// PQXDH) and its identity.
pub fn device(d: &Path, name: &str, r: &mut Rng) -> (Store, PrekeyBundle, IdentityKeyPair) {
    let mut store = Store::open(d.join(format!("{name}.db")), &[3u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let prekeys = PrekeyStore::new(r, &id, NOW_MS / 1000);
    let bundle = PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: prekeys.pq_prekey(),
    };
    store.set_device(r, &id, &prekeys).unwrap();
    (store, bundle, id)
}

/// Alice and Bob with a session each way (a text each way, acknowledged);
/// Bob's bundle too.
pub fn pair(d: &Path, r: &mut Rng) -> (Store, Store, PrekeyBundle) {
    let (mut alice, _, _) = device(d, "alice", r);
    let (mut bob, bob_bundle, _) = device(d, "bob", r);
    alice
        .initiate(r, b"bob", &bob_bundle, NOW_MS / 1000)
        .unwrap();
    let hi = alice.send(r, b"bob", &Content::text("hi"), NOW_MS).unwrap();
    let got = bob
        .receive(r, b"alice", &hi.outgoing.message, NOW_MS)
        .unwrap();
    bob.ack_incoming(got.id).unwrap();
    alice.ack_outgoing(hi.outgoing.id).unwrap();
    let back = bob
        .send(r, b"alice", &Content::text("hey"), NOW_MS)
        .unwrap();
    let got = alice
        .receive(r, b"bob", &back.outgoing.message, NOW_MS)
        .unwrap();
    alice.ack_incoming(got.id).unwrap();
    bob.ack_outgoing(back.outgoing.id).unwrap();
    (alice, bob, bob_bundle)
}

/// Three members of group "club", each holding the others' sender keys,
/// in stores `0.db`, `1.db` and `2.db`; and their identities.
pub fn group_of_three(d: &Path, r: &mut Rng) -> (Vec<Store>, Vec<IdentityKey>) {
    let ids: Vec<IdentityKeyPair> = (0..3).map(|_| IdentityKeyPair::generate(r)).collect();
    let keys: Vec<_> = ids.iter().map(|i| *i.public_key()).collect();
    let mut groups: Vec<Group> = (0..3)
        .map(|i| {
            let others: Vec<_> = keys.iter().copied().filter(|k| *k != keys[i]).collect();
            Group::new(r, &ids[i], b"club", &others).unwrap()
        })
        .collect();
    for i in 0..3 {
        for j in 0..3 {
            if i != j {
                let dist = groups[j].distribution();
                groups[i].process_distribution(&keys[j], &dist).unwrap();
            }
        }
    }
    let stores = (0..3)
        .map(|i| {
            let mut s = Store::open(d.join(format!("{i}.db")), &[4u8; 32], r).unwrap();
            s.save(r, b"club", &groups[i]).unwrap();
            s
        })
        .collect();
    (stores, keys)
}

/// True if `needle` occurs in the store file or its write-ahead log.
pub fn in_files(path: &Path, needle: &[u8]) -> bool {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal].iter().any(|p| {
        let hay = std::fs::read(p).unwrap_or_default();
        hay.windows(needle.len()).any(|w| w == needle)
    })
}
