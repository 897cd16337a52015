//! The store under attack, through its public API: the server files a
//! stranger's prekey message under a contact's name, replays one contact's
//! first message under another's, both sides start at once, and someone
//! who seizes the device searches the files for what was deleted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};

use rand_core::UnwrapErr;
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, TrustPolicy};
use sotto_store::{Error, Store};

const NOW: u64 = 1_800_000_000;
type Rng = UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("attacks")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A registered device: its store, and the bundle the server hands out
/// (without a one-time prekey, which an attacker does not need).
struct User {
    store: Store,
    bundle: PrekeyBundle,
    identity: sotto::IdentityKey,
}

fn user(d: &Path, name: &str, r: &mut Rng) -> User {
    let mut store = Store::open(d.join(format!("{name}.db")), &[7u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let prekeys = PrekeyStore::new(r, &id, NOW);
    let bundle = PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    store.set_device(r, &id, &prekeys).unwrap();
    User {
        store,
        bundle,
        identity: *id.public_key(),
    }
}

/// Alice starts a conversation with Bob and Bob replies: both stores hold
/// an established session and a trust record of the other.
fn talking(d: &Path, r: &mut Rng) -> (User, User) {
    let mut alice = user(d, "alice", r);
    let mut bob = user(d, "bob", r);
    alice.store.initiate(r, b"bob", &bob.bundle, NOW).unwrap();
    let m = alice.store.encrypt(r, b"bob", b"hi Bob").unwrap();
    let got = bob.store.decrypt(r, b"alice", &m.message, NOW).unwrap();
    assert_eq!(got.sender, Some(alice.identity));
    let reply = bob.store.encrypt(r, b"alice", b"hi Alice").unwrap();
    alice.store.decrypt(r, b"bob", &reply.message, NOW).unwrap();
    (alice, bob)
}

#[test]
fn a_strangers_prekey_message_filed_under_a_contact_takes_nothing_over() {
    let d = dir("takeover");
    let mut r = rng();
    let (mut alice, mut bob) = talking(&d, &mut r);
    bob.store
        .set_verified(&mut r, b"alice", &alice.identity, true)
        .unwrap();
    let mut mallory = user(&d, "mallory", &mut r);
    mallory
        .store
        .initiate(&mut r, b"bob", &bob.bundle, NOW)
        .unwrap();
    let forged = mallory
        .store
        .encrypt(&mut r, b"bob", b"it's Alice, new phone")
        .unwrap();

    // The server files it under "alice": refused (Block is the default).
    assert_eq!(
        bob.store
            .decrypt(&mut r, b"alice", &forged.message, NOW)
            .unwrap_err(),
        Error::Core(sotto::Error::IdentityChanged)
    );
    assert!(bob.store.pending_incoming().unwrap().len() == 1);
    let t = bob.store.trust_record(b"alice").unwrap().unwrap();
    assert_eq!(t.identity, alice.identity);
    assert!(t.verified);
    assert_eq!(t.pending.unwrap().identity, mallory.identity);

    // Bob's next message to "alice" is for Alice, not Mallory.
    let next = bob
        .store
        .encrypt(&mut r, b"alice", b"for Alice only")
        .unwrap();
    assert_eq!(
        &alice
            .store
            .decrypt(&mut r, b"bob", &next.message, NOW)
            .unwrap()
            .plaintext[..],
        b"for Alice only"
    );
    assert!(
        mallory
            .store
            .decrypt(&mut r, b"bob", &next.message, NOW)
            .is_err()
    );

    // If Bob's user accepts the change, the same message decrypts, and it
    // says who it is from.
    bob.store
        .accept_identity_change(&mut r, b"alice", &mallory.identity, NOW)
        .unwrap();
    let got = bob
        .store
        .decrypt(&mut r, b"alice", &forged.message, NOW)
        .unwrap();
    assert_eq!(got.sender, Some(mallory.identity));
}

#[test]
fn under_warn_the_change_is_applied_and_reported() {
    let d = dir("warn");
    let mut r = rng();
    let (alice, mut bob) = talking(&d, &mut r);
    bob.store
        .set_trust_policy(&mut r, TrustPolicy::Warn)
        .unwrap();
    let mut mallory = user(&d, "mallory", &mut r);
    mallory
        .store
        .initiate(&mut r, b"bob", &bob.bundle, NOW)
        .unwrap();
    let forged = mallory.store.encrypt(&mut r, b"bob", b"hello").unwrap();
    let got = bob
        .store
        .decrypt(&mut r, b"alice", &forged.message, NOW)
        .unwrap();
    assert_eq!(got.sender, Some(mallory.identity));
    assert_eq!(got.identity_change, Some(alice.identity));
    // The inbox entry keeps both, across a restart.
    let entry = bob.store.pending_incoming().unwrap().pop().unwrap();
    assert_eq!(entry.sender, Some(mallory.identity));
    assert_eq!(entry.identity_change, Some(alice.identity));
}

#[test]
fn a_first_message_replayed_under_another_name_is_a_duplicate() {
    let d = dir("replay");
    let mut r = rng();
    let mut alice = user(&d, "alice", &mut r);
    let mut carol = user(&d, "carol", &mut r);
    let mut bob = user(&d, "bob", &mut r);
    for (who, name) in [(&mut alice, b"alice"), (&mut carol, b"carol")] {
        who.store
            .initiate(&mut r, b"bob", &bob.bundle, NOW)
            .unwrap();
        let m = who.store.encrypt(&mut r, b"bob", b"hello").unwrap();
        bob.store.decrypt(&mut r, name, &m.message, NOW).unwrap();
    }
    let carol_reply = bob.store.encrypt(&mut r, b"carol", b"hi Carol").unwrap();
    // Alice's first message again, filed under "carol".
    let alices_first = alice.store.pending_outgoing().unwrap()[0].message.clone();
    assert_eq!(
        bob.store
            .decrypt(&mut r, b"carol", &alices_first, NOW)
            .unwrap_err(),
        Error::Core(sotto::Error::Duplicate)
    );
    // Each contact's trust record is a row of its own.
    assert_eq!(rows(&d.join("bob.db"), 10).len(), 2);
    // Carol's session is intact: her reply decrypts, and so does her next.
    carol
        .store
        .decrypt(&mut r, b"bob", &carol_reply.message, NOW)
        .unwrap();
    let next = carol.store.encrypt(&mut r, b"bob", b"still me").unwrap();
    let got = bob
        .store
        .decrypt(&mut r, b"carol", &next.message, NOW)
        .unwrap();
    assert_eq!(got.sender, Some(carol.identity));
}

#[test]
fn both_sides_starting_at_once_converge() {
    let d = dir("crossing");
    let mut r = rng();
    let mut alice = user(&d, "alice", &mut r);
    let mut bob = user(&d, "bob", &mut r);
    alice
        .store
        .initiate(&mut r, b"bob", &bob.bundle, NOW)
        .unwrap();
    bob.store
        .initiate(&mut r, b"alice", &alice.bundle, NOW)
        .unwrap();
    let a1 = alice.store.encrypt(&mut r, b"bob", b"a1").unwrap();
    let b1 = bob.store.encrypt(&mut r, b"alice", b"b1").unwrap();
    bob.store
        .decrypt(&mut r, b"alice", &a1.message, NOW)
        .unwrap();
    alice
        .store
        .decrypt(&mut r, b"bob", &b1.message, NOW)
        .unwrap();
    // Every later message decrypts, both ways, across restarts.
    for i in 0..4 {
        let a = alice.store.encrypt(&mut r, b"bob", b"ping").unwrap();
        assert_eq!(
            &bob.store
                .decrypt(&mut r, b"alice", &a.message, NOW)
                .unwrap()
                .plaintext[..],
            b"ping",
            "round {i}"
        );
        let b = bob.store.encrypt(&mut r, b"alice", b"pong").unwrap();
        assert_eq!(
            &alice
                .store
                .decrypt(&mut r, b"bob", &b.message, NOW)
                .unwrap()
                .plaintext[..],
            b"pong",
            "round {i}"
        );
        drop(alice.store);
        alice.store = Store::open(d.join("alice.db"), &[7u8; 32], &mut r).unwrap();
    }
}

/// True if `needle` occurs in the store file or its write-ahead log.
fn in_files(path: &Path, needle: &[u8]) -> bool {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    [path.to_path_buf(), wal].iter().any(|p| {
        let hay = std::fs::read(p).unwrap_or_default();
        hay.windows(needle.len()).any(|w| w == needle)
    })
}

#[test]
fn acknowledged_entries_and_superseded_states_leave_the_files() {
    let d = dir("deletion");
    let mut r = rng();
    let (_alice, mut bob) = talking(&d, &mut r);
    let path = d.join("bob.db");
    let peek = rusqlite::Connection::open(&path).unwrap();
    let entry: Vec<u8> = peek
        .query_row("SELECT sealed FROM inbox ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let state: Vec<u8> = peek
        .query_row("SELECT state FROM objects WHERE kind = 4", [], |r| r.get(0))
        .unwrap();
    drop(peek);
    assert!(in_files(&path, &entry) && in_files(&path, &state));

    let id = bob.store.pending_incoming().unwrap()[0].id;
    bob.store.ack_incoming(id).unwrap();
    assert!(
        !in_files(&path, &entry),
        "acknowledged entry still in the files"
    );
    // The session moves on: its previous state is superseded, and gone once
    // the message that superseded it is acknowledged (sent).
    let out = bob.store.encrypt(&mut r, b"alice", b"more").unwrap();
    bob.store.ack_outgoing(out.id).unwrap();
    assert!(
        !in_files(&path, &state),
        "superseded state still in the files"
    );
    let sent: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT state FROM objects WHERE kind = 4", [], |r| r.get(0))
        .unwrap();
    // And what the last commit superseded is gone when the store closes.
    bob.store.encrypt(&mut r, b"alice", b"last").unwrap();
    drop(bob);
    assert!(!in_files(&path, &entry));
    assert!(!in_files(&path, &state));
    assert!(!in_files(&path, &sent));
}

#[test]
fn the_generation_grows_and_reveals_a_restored_copy() {
    let d = dir("generation");
    let mut r = rng();
    let (_alice, bob) = talking(&d, &mut r);
    let path = d.join("bob.db");
    let g1 = bob.store.generation().unwrap();
    assert!(g1 > 0);
    drop(bob.store);
    let copy = std::fs::read(&path).unwrap();
    let mut store = Store::open(&path, &[7u8; 32], &mut r).unwrap();
    store.encrypt(&mut r, b"alice", b"one").unwrap();
    let g2 = store.generation().unwrap();
    assert!(g2 > g1);
    drop(store);
    // Someone restores the older copy: its generation is smaller than the
    // one the app kept.
    std::fs::write(&path, copy).unwrap();
    let restored = Store::open(&path, &[7u8; 32], &mut r).unwrap();
    assert!(restored.generation().unwrap() < g2);
}

/// Every stored row of kind `kind`, by row name.
fn rows(path: &Path, kind: u8) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut stmt = c
        .prepare("SELECT row, state FROM objects WHERE kind = ?1")
        .unwrap();
    stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|x| x.unwrap())
        .collect()
}

#[test]
fn a_group_decrypt_rewrites_one_members_keys() {
    let d = dir("group-rows");
    let mut r = rng();
    let ids: Vec<IdentityKeyPair> = (0..3).map(|_| IdentityKeyPair::generate(&mut r)).collect();
    let keys: Vec<_> = ids.iter().map(|i| *i.public_key()).collect();
    // Bob (0) with Alice (1) and Mallory (2).
    let mut groups: Vec<sotto::Group> = (0..3)
        .map(|i| {
            let others: Vec<_> = keys.iter().copied().filter(|k| *k != keys[i]).collect();
            sotto::Group::new(&mut r, &ids[i], b"club", &others).unwrap()
        })
        .collect();
    for i in 1..3 {
        let dist = groups[i].distribution();
        groups[0].process_distribution(&keys[i], &dist).unwrap();
    }
    let path = d.join("bob.db");
    let mut bob = Store::open(&path, &[5u8; 32], &mut r).unwrap();
    bob.save(&mut r, b"club", &groups[0]).unwrap();

    // Mallory jumps far ahead: Bob keeps the keys she skipped, in her row.
    let mut far = Vec::new();
    for _ in 0..1500 {
        far = groups[2].encrypt(b"x").unwrap();
    }
    bob.group_decrypt(&mut r, b"club", &keys[2], &far).unwrap();
    let members_before = rows(&path, 9);
    let group_before = rows(&path, 5);
    assert_eq!(members_before.len(), 2);
    let biggest = members_before.values().map(Vec::len).max().unwrap();
    assert!(biggest > 40_000, "Mallory's row holds her skipped keys");

    // Alice's message rewrites Alice's row alone.
    let m = groups[1].encrypt(b"hello club").unwrap();
    let got = bob.group_decrypt(&mut r, b"club", &keys[1], &m).unwrap();
    assert_eq!(&got.plaintext[..], b"hello club");
    let members_after = rows(&path, 9);
    let changed: Vec<_> = members_after
        .iter()
        .filter(|(k, v)| members_before.get(*k) != Some(*v))
        .collect();
    assert_eq!(changed.len(), 1);
    assert!(
        changed[0].1.len() < 1_000,
        "only Alice's small row was written"
    );
    assert_eq!(rows(&path, 5), group_before);

    // The group loads whole, and a removed member's row goes with her.
    let mut whole: sotto::Group = bob.load(b"club").unwrap();
    assert_eq!(whole.sender_key_count(&keys[2]), 1);
    whole.remove_member(&mut r, &keys[2]).unwrap();
    bob.save(&mut r, b"club", &whole).unwrap();
    assert_eq!(rows(&path, 9).len(), 1);
    bob.delete::<sotto::Group>(b"club").unwrap();
    assert!(rows(&path, 9).is_empty() && rows(&path, 5).is_empty());
}

/// The takeover through the calls the store had before session records
/// (sessions set up by the app and saved, decrypt by name): it fails on the
/// store that let a prekey message from another identity replace a
/// contact's session.
#[test]
fn takeover_through_saved_sessions_is_refused() {
    let d = dir("takeover-saved");
    let mut r = rng();
    let mut bob = user(&d, "bob", &mut r);
    let alice_id = IdentityKeyPair::generate(&mut r);
    let mallory_id = IdentityKeyPair::generate(&mut r);
    let mut alice = Store::open(d.join("alice.db"), &[1u8; 32], &mut r).unwrap();
    let mut mallory = Store::open(d.join("mallory.db"), &[3u8; 32], &mut r).unwrap();
    let s = sotto::Session::initiate(&mut r, &alice_id, &bob.bundle).unwrap();
    alice.save(&mut r, b"bob", &s).unwrap();
    let s = sotto::Session::initiate(&mut r, &mallory_id, &bob.bundle).unwrap();
    mallory.save(&mut r, b"bob", &s).unwrap();

    let m = alice.encrypt(&mut r, b"bob", b"hi").unwrap();
    bob.store
        .decrypt(&mut r, b"alice", &m.message, NOW)
        .unwrap();
    let forged = mallory.encrypt(&mut r, b"bob", b"it's Alice").unwrap();
    assert!(
        bob.store
            .decrypt(&mut r, b"alice", &forged.message, NOW)
            .is_err()
    );
    // Bob's next message to "alice" is readable by Alice, not by Mallory.
    let next = bob.store.encrypt(&mut r, b"alice", b"secret").unwrap();
    assert!(mallory.decrypt(&mut r, b"bob", &next.message, NOW).is_err());
    assert_eq!(
        &alice
            .decrypt(&mut r, b"bob", &next.message, NOW)
            .unwrap()
            .plaintext[..],
        b"secret"
    );
}

#[test]
fn crossing_first_messages_old_api() {
    let d = dir("crossing-old");
    let mut r = rng();
    let mut alice = user(&d, "alice", &mut r);
    let mut bob = user(&d, "bob", &mut r);
    let a_id = alice.store.device_identity().unwrap();
    let b_id = bob.store.device_identity().unwrap();
    let s = sotto::Session::initiate(&mut r, &a_id, &bob.bundle).unwrap();
    alice.store.save(&mut r, b"bob", &s).unwrap();
    let s = sotto::Session::initiate(&mut r, &b_id, &alice.bundle).unwrap();
    bob.store.save(&mut r, b"alice", &s).unwrap();
    let a1 = alice.store.encrypt(&mut r, b"bob", b"a1").unwrap();
    let b1 = bob.store.encrypt(&mut r, b"alice", b"b1").unwrap();
    bob.store
        .decrypt(&mut r, b"alice", &a1.message, NOW)
        .unwrap();
    alice
        .store
        .decrypt(&mut r, b"bob", &b1.message, NOW)
        .unwrap();
    for _ in 0..3 {
        let a = alice.store.encrypt(&mut r, b"bob", b"ping").unwrap();
        bob.store
            .decrypt(&mut r, b"alice", &a.message, NOW)
            .unwrap();
        let b = bob.store.encrypt(&mut r, b"alice", b"pong").unwrap();
        alice
            .store
            .decrypt(&mut r, b"bob", &b.message, NOW)
            .unwrap();
    }
}
