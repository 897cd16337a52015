//! The SQLite store (feature `store`): the main job through it, restarts,
//! duplicates, failures that change nothing, a wrong key and damaged files
//! that are refused without being written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use rand_core::UnwrapErr;
use sotto::{Group, IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};
use sotto_store::{Durability, Error, Store};

const NOW: u64 = 1_800_000_000;
type Rng = UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

/// A fresh directory for one test's store files.
fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("store")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The bytes of a store file and its write-ahead log.
fn snapshot(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    (
        std::fs::read(path).unwrap_or_default(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

/// Bob registered (identity and prekeys in his store); Alice holds a session
/// to him in hers. Returns both stores.
fn alice_and_bob(d: &Path, r: &mut Rng) -> (Store, Store) {
    let mut bob = Store::open(d.join("bob.db"), &[2u8; 32], r).unwrap();
    let bob_id = IdentityKeyPair::generate(r);
    let mut prekeys = PrekeyStore::new(r, &bob_id, NOW);
    let otk = prekeys.generate_one_time_prekeys(r, 5).unwrap()[0];
    let bundle = PrekeyBundle {
        identity: *bob_id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: Some(otk),
        pq_prekey: None,
    };
    bob.set_device(r, &bob_id, &prekeys).unwrap();

    let mut alice = Store::open(d.join("alice.db"), &[1u8; 32], r).unwrap();
    let alice_id = IdentityKeyPair::generate(r);
    alice.save(r, b"me", &alice_id).unwrap();
    let session = Session::initiate(r, &alice_id, &bundle).unwrap();
    alice.save(r, b"bob", &session).unwrap();
    (alice, bob)
}

#[test]
fn conversation_through_stores_with_reordering_duplicates_and_restarts() {
    let d = dir("conversation");
    let mut r = rng();
    let (mut alice, mut bob) = alice_and_bob(&d, &mut r);

    // The first message is a prekey message: Bob's store accepts it.
    let m1 = alice.encrypt(&mut r, b"bob", b"hello Bob").unwrap();
    let got = bob.decrypt(&mut r, b"alice", &m1.message, NOW).unwrap();
    assert_eq!(&got.plaintext[..], b"hello Bob");
    let shown = format!("{got:?}");
    assert!(
        !shown.contains("hello") && !shown.contains("104, 101"),
        "{shown}"
    );
    assert_eq!(
        bob.decrypt(&mut r, b"alice", &m1.message, NOW).unwrap_err(),
        Error::Core(sotto::Error::Duplicate)
    );

    // Replies, reordered; each side restarted in the middle.
    let r1 = bob.encrypt(&mut r, b"alice", b"one").unwrap();
    let r2 = bob.encrypt(&mut r, b"alice", b"two").unwrap();
    drop(bob);
    let mut bob = Store::open(d.join("bob.db"), &[2u8; 32], &mut r).unwrap();
    assert_eq!(
        &alice
            .decrypt(&mut r, b"bob", &r2.message, NOW)
            .unwrap()
            .plaintext[..],
        b"two"
    );
    drop(alice);
    let mut alice = Store::open(d.join("alice.db"), &[1u8; 32], &mut r).unwrap();
    assert_eq!(
        &alice
            .decrypt(&mut r, b"bob", &r1.message, NOW)
            .unwrap()
            .plaintext[..],
        b"one"
    );
    for _ in 0..3 {
        let m = alice.encrypt(&mut r, b"bob", b"again").unwrap();
        assert_eq!(
            &bob.decrypt(&mut r, b"alice", &m.message, NOW)
                .unwrap()
                .plaintext[..],
            b"again"
        );
    }

    // Inbox and outbox hold everything until acknowledged, across restarts.
    let pending_in: Vec<_> = bob.pending_incoming().unwrap();
    assert_eq!(pending_in.len(), 4);
    assert_eq!(&pending_in[0].plaintext[..], b"hello Bob");
    assert_eq!(pending_in[0].conversation, b"alice");
    let pending_out = alice.pending_outgoing().unwrap();
    assert_eq!(pending_out.len(), 4);
    assert_eq!(pending_out[0], m1);
    // Walking one entry at a time gives the same entries in the same order.
    let mut after = 0;
    for expected in &pending_in {
        let next = bob.next_incoming(after).unwrap().unwrap();
        assert_eq!(
            (next.id, &next.plaintext[..]),
            (expected.id, &expected.plaintext[..])
        );
        after = next.id;
    }
    assert!(bob.next_incoming(after).unwrap().is_none());
    assert_eq!(alice.next_outgoing(0).unwrap(), Some(m1.clone()));
    for i in &pending_in {
        bob.ack_incoming(i.id).unwrap();
    }
    for o in &pending_out {
        alice.ack_outgoing(o.id).unwrap();
    }
    assert!(bob.pending_incoming().unwrap().is_empty());
    assert!(alice.pending_outgoing().unwrap().is_empty());
}

#[test]
fn a_store_without_a_device_identity_says_so_and_writes_nothing() {
    let d = dir("no-device");
    let mut r = rng();
    let (mut alice, _) = alice_and_bob(&d, &mut r);
    let m1 = alice.encrypt(&mut r, b"bob", b"hello Bob").unwrap();
    let path = d.join("empty.db");
    drop(Store::open(&path, &[9u8; 32], &mut r).unwrap());
    let before = snapshot(&path);
    let mut empty = Store::open(&path, &[9u8; 32], &mut r).unwrap();
    assert_eq!(
        empty.device_identity().unwrap_err(),
        Error::NoDeviceIdentity
    );
    assert_eq!(empty.device_prekeys().unwrap_err(), Error::NoDeviceIdentity);
    assert_eq!(
        empty
            .decrypt(&mut r, b"alice", &m1.message, NOW)
            .unwrap_err(),
        Error::NoDeviceIdentity
    );
    let stray_id = IdentityKeyPair::generate(&mut r);
    let stray = PrekeyStore::new(&mut r, &stray_id, NOW);
    assert_eq!(
        empty.set_device_prekeys(&mut r, &stray).unwrap_err(),
        Error::NoDeviceIdentity
    );
    drop(empty);
    assert_eq!(snapshot(&path), before);
}

#[test]
fn names_are_checked_and_the_device_row_is_out_of_reach() {
    let d = dir("names");
    let mut r = rng();
    let path = d.join("names.db");
    let mut s = Store::open(&path, &[5u8; 32], &mut r).unwrap();
    let id = IdentityKeyPair::generate(&mut r);
    let prekeys = PrekeyStore::new(&mut r, &id, NOW);
    let other = IdentityKeyPair::generate(&mut r);
    let other_prekeys = PrekeyStore::new(&mut r, &other, NOW);

    // Prekeys signed by another identity are refused, whichever call.
    assert_eq!(
        s.set_device(&mut r, &id, &other_prekeys).unwrap_err(),
        Error::DeviceMismatch
    );
    assert_eq!(s.device_identity().unwrap_err(), Error::NoDeviceIdentity);
    s.set_device(&mut r, &id, &prekeys).unwrap();
    assert_eq!(
        s.set_device_prekeys(&mut r, &other_prekeys).unwrap_err(),
        Error::DeviceMismatch
    );
    assert_eq!(
        s.device_prekeys().unwrap().signed_prekey(),
        prekeys.signed_prekey()
    );

    // The generic calls cannot reach the device's row (the empty name), nor
    // take a name a message could never be filed under.
    let long = [b'x'; sotto_store::MAX_NAME_LEN + 1];
    assert_eq!(s.save(&mut r, b"", &other).unwrap_err(), Error::InvalidName);
    assert_eq!(
        s.load::<IdentityKeyPair>(b"").unwrap_err(),
        Error::InvalidName
    );
    assert_eq!(
        s.delete::<IdentityKeyPair>(b"").unwrap_err(),
        Error::InvalidName
    );
    assert_eq!(
        s.save(&mut r, &long, &other).unwrap_err(),
        Error::InvalidName
    );
    assert_eq!(
        s.encrypt(&mut r, b"", b"x").unwrap_err(),
        Error::InvalidName
    );
    assert_eq!(s.device_identity().unwrap().public_key(), id.public_key());
    let longest = [b'y'; sotto_store::MAX_NAME_LEN];
    s.save(&mut r, &longest, &other).unwrap();
    assert!(s.load::<IdentityKeyPair>(&longest).is_ok());
}

#[test]
fn a_failed_decrypt_changes_nothing() {
    let d = dir("failure");
    let mut r = rng();
    let (mut alice, mut bob) = alice_and_bob(&d, &mut r);
    let m = alice.encrypt(&mut r, b"bob", b"first").unwrap();
    bob.decrypt(&mut r, b"alice", &m.message, NOW).unwrap();
    let reply = bob.encrypt(&mut r, b"alice", b"reply").unwrap();
    alice.decrypt(&mut r, b"bob", &reply.message, NOW).unwrap();
    // A normal message now (Alice has heard back).
    let next = alice.encrypt(&mut r, b"bob", b"second").unwrap();
    let before = bob.load::<Session>(b"alice").unwrap().to_bytes();
    let mut bad = next.message.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        bob.decrypt(&mut r, b"alice", &bad, NOW).unwrap_err(),
        Error::Core(sotto::Error::AuthenticationFailed)
    );
    assert_eq!(
        bob.decrypt(&mut r, b"nobody", &next.message, NOW)
            .unwrap_err(),
        Error::NotFound
    );
    assert_eq!(bob.load::<Session>(b"alice").unwrap().to_bytes(), before);
    assert_eq!(bob.pending_incoming().unwrap().len(), 1);
    // The genuine message still decrypts.
    assert_eq!(
        &bob.decrypt(&mut r, b"alice", &next.message, NOW)
            .unwrap()
            .plaintext[..],
        b"second"
    );
}

#[test]
fn wrong_key_and_damaged_files_are_refused_unwritten() {
    let d = dir("refused");
    let mut r = rng();
    let path = d.join("s.db");
    {
        let mut s = Store::open(&path, &[7u8; 32], &mut r).unwrap();
        let id = IdentityKeyPair::generate(&mut r);
        s.save(&mut r, b"me", &id).unwrap();
    }
    let before = snapshot(&path);
    assert_eq!(
        Store::open(&path, &[8u8; 32], &mut r).unwrap_err(),
        Error::KeyMismatch
    );
    assert_eq!(snapshot(&path), before);
    assert!(Store::open(&path, &[7u8; 32], &mut r).is_ok());

    // Not a database at all.
    let junk = d.join("junk.db");
    let bytes: Vec<u8> = (0..8192u32).map(|i| (i * 7 + 3) as u8).collect();
    std::fs::write(&junk, &bytes).unwrap();
    assert_eq!(
        Store::open(&junk, &[7u8; 32], &mut r).unwrap_err(),
        Error::Corrupt
    );
    assert_eq!(std::fs::read(&junk).unwrap(), bytes);

    // A SQLite database that is not a store.
    let other = d.join("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('x');")
            .unwrap();
    }
    let other_before = std::fs::read(&other).unwrap();
    assert_eq!(
        Store::open(&other, &[7u8; 32], &mut r).unwrap_err(),
        Error::Corrupt
    );
    assert_eq!(std::fs::read(&other).unwrap(), other_before);

    // A store whose pages were damaged: every byte after the header flipped
    // in the middle of the file.
    let damaged = d.join("damaged.db");
    {
        let mut s = Store::open(&damaged, &[7u8; 32], &mut r).unwrap();
        for i in 0..50u32 {
            let id = IdentityKeyPair::generate(&mut r);
            s.save(&mut r, &i.to_be_bytes(), &id).unwrap();
        }
    }
    // Checkpointed into the main file by closing; now damage it.
    let mut bytes = std::fs::read(&damaged).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 2048] {
        *b ^= 0x5A;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", damaged.display()));
    let err = Store::open(&damaged, &[7u8; 32], &mut r)
        .and_then(|s| {
            for i in 0..50u32 {
                s.load::<IdentityKeyPair>(&i.to_be_bytes())?;
            }
            Ok(())
        })
        .unwrap_err();
    assert_eq!(err, Error::Corrupt);
    assert_eq!(std::fs::read(&damaged).unwrap(), bytes);
}

#[test]
fn groups_through_stores() {
    let d = dir("groups");
    let mut r = rng();
    let ids: Vec<IdentityKeyPair> = (0..3).map(|_| IdentityKeyPair::generate(&mut r)).collect();
    let keys: Vec<_> = ids.iter().map(|i| *i.public_key()).collect();
    let mut stores: Vec<Store> = (0..3)
        .map(|i| Store::open(d.join(format!("{i}.db")), &[i as u8 + 1; 32], &mut r).unwrap())
        .collect();
    let mut groups: Vec<Group> = (0..3)
        .map(|i| {
            let others: Vec<_> = keys.iter().copied().filter(|k| *k != keys[i]).collect();
            Group::new(&mut r, &ids[i], b"family", &others).unwrap()
        })
        .collect();
    for i in 0..3 {
        let dist = groups[i].distribution();
        for (j, g) in groups.iter_mut().enumerate() {
            if i != j {
                g.process_distribution(&keys[i], &dist).unwrap();
            }
        }
    }
    for (s, g) in stores.iter_mut().zip(&groups) {
        s.save(&mut r, b"family", g).unwrap();
    }
    let out = stores[0]
        .group_encrypt(&mut r, b"family", b"dinner at 8")
        .unwrap();
    for s in &mut stores[1..] {
        let got = s
            .group_decrypt(&mut r, b"family", &keys[0], &out.message)
            .unwrap();
        assert_eq!(&got.plaintext[..], b"dinner at 8");
        assert_eq!(got.sender, Some(keys[0]));
        assert_eq!(
            s.group_decrypt(&mut r, b"family", &keys[0], &out.message)
                .unwrap_err(),
            Error::Core(sotto::Error::Duplicate)
        );
    }
    // A forged sender is refused and changes nothing.
    assert!(
        stores[1]
            .group_decrypt(&mut r, b"family", &keys[2], &out.message)
            .is_err()
    );
}

#[test]
fn durability_setting_opens_and_works() {
    let d = dir("durability");
    let mut r = rng();
    let mut s = Store::open_with(d.join("n.db"), &[3u8; 32], Durability::Normal, &mut r).unwrap();
    let id = IdentityKeyPair::generate(&mut r);
    s.save(&mut r, b"me", &id).unwrap();
    assert!(s.load::<IdentityKeyPair>(b"me").is_ok());
    assert_eq!(s.load::<Session>(b"x").unwrap_err(), Error::NotFound);
}

#[test]
fn live_location_through_stores() {
    use sotto::{Location, LocationShare, LocationViewer, Precision};
    let d = dir("location");
    let mut r = rng();
    let sender = IdentityKeyPair::generate(&mut r);
    let viewer_id = IdentityKeyPair::generate(&mut r);
    let share = LocationShare::new(
        &mut r,
        &sender,
        b"trip",
        &[*viewer_id.public_key()],
        NOW + 600,
        Precision::Street,
    )
    .unwrap();
    let viewer = LocationViewer::new(b"trip", sender.public_key(), &share.distribution()).unwrap();
    let mut a = Store::open(d.join("a.db"), &[1; 32], &mut r).unwrap();
    let mut b = Store::open(d.join("b.db"), &[2; 32], &mut r).unwrap();
    a.save(&mut r, b"trip", &share).unwrap();
    b.save(&mut r, b"alice", &viewer).unwrap();
    drop((share, viewer));
    let fix = |i: u32| Location {
        latitude_e7: 481_000_000 + i as i32,
        longitude_e7: 115_000_000,
        accuracy_cm: 1_000,
        altitude_cm: None,
        heading_centideg: None,
        speed_cm_s: None,
        timestamp_ms: NOW * 1000 + u64::from(i),
        sequence: i,
        precision: Precision::Exact,
    };
    let u0 = a.location_encrypt(&mut r, b"trip", &fix(0), NOW).unwrap();
    let u1 = a.location_encrypt(&mut r, b"trip", &fix(1), NOW).unwrap();
    assert_eq!(a.pending_outgoing().unwrap().len(), 2);
    // A restart between the two: the share continued, it did not repeat.
    drop(a);
    let mut a = Store::open(d.join("a.db"), &[1; 32], &mut r).unwrap();
    let u2 = a.location_encrypt(&mut r, b"trip", &fix(2), NOW).unwrap();
    assert_ne!(u2.message[..10], u1.message[..10]);
    assert_eq!(
        b.location_decrypt(&mut r, b"alice", &u2.message, NOW)
            .unwrap()
            .sequence,
        2
    );
    let before = b.load::<LocationViewer>(b"alice").unwrap().to_bytes();
    assert_eq!(
        b.location_decrypt(&mut r, b"alice", &u0.message, NOW)
            .unwrap_err(),
        Error::Core(sotto::Error::Stale)
    );
    assert_eq!(
        b.load::<LocationViewer>(b"alice").unwrap().to_bytes(),
        before
    );
    let latest = *b
        .load::<LocationViewer>(b"alice")
        .unwrap()
        .latest()
        .unwrap();
    assert_eq!(latest.sequence, 2);
    assert_eq!(
        a.location_encrypt(&mut r, b"trip", &fix(3), NOW + 601)
            .unwrap_err(),
        Error::Core(sotto::Error::Expired)
    );
}

#[test]
fn two_threads_with_their_own_handles_serialize() {
    let d = dir("threads");
    let mut r = rng();
    let (alice, mut bob) = alice_and_bob(&d, &mut r);
    drop(alice);
    let path = d.join("alice.db");
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut r = rng();
                let mut s = Store::open(&path, &[1u8; 32], &mut r).unwrap();
                for i in 0..25 {
                    s.encrypt(&mut r, b"bob", format!("{t}-{i}").as_bytes())
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut alice = Store::open(&path, &[1u8; 32], &mut r).unwrap();
    let pending = alice.pending_outgoing().unwrap();
    assert_eq!(pending.len(), 50);
    let mut seen = std::collections::HashSet::new();
    for out in pending {
        let got = bob.decrypt(&mut r, b"alice", &out.message, NOW).unwrap();
        assert!(seen.insert(got.plaintext.to_vec()));
        alice.ack_outgoing(out.id).unwrap();
    }
    assert_eq!(seen.len(), 50);
}
