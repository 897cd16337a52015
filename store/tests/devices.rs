//! Multi-device accounts through the store: fan-out to every device of the
//! recipient and to our own other devices, sessions pinned to the identity
//! each account signed, device changes (sessions dropped, group sender keys
//! rotated, security codes changed, contacts unverified), the hosted label,
//! and a property test over users with 1 to 5 devices joining and leaving.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use std::collections::BTreeMap;

use common::{NOW_MS, Rng, dir, rng};
use proptest::prelude::*;
use sotto::devices::{AccountSignedRecord, DeviceKind, DeviceList};
use sotto::{Content, Error as CoreError, Group, IdentityKeyPair, PrekeyBundle, PrekeyStore};
use sotto_store::{Error, Outgoing, Store};

const NOW: u64 = NOW_MS / 1000;

struct Device {
    store: Store,
    bundle: PrekeyBundle,
    id: IdentityKeyPair,
    kind: DeviceKind,
}

/// One user: devices by index (0 is the primary, whose identity is the
/// account key) and the list version last published.
struct User {
    name: Vec<u8>,
    devices: BTreeMap<u32, Device>,
    next_index: u32,
    version: u64,
}

fn new_device(path: &std::path::Path, name: &str, r: &mut Rng, kind: DeviceKind) -> Device {
    let mut store = Store::open(path.join(format!("{name}.db")), &[5u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let prekeys = PrekeyStore::new(r, &id, NOW);
    let bundle = PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    store.set_device(r, &id, &prekeys).unwrap();
    Device {
        store,
        bundle,
        id,
        kind,
    }
}

impl User {
    fn new(path: &std::path::Path, name: &str, r: &mut Rng) -> Self {
        let mut devices = BTreeMap::new();
        devices.insert(
            0,
            new_device(path, &format!("{name}-0"), r, DeviceKind::Primary),
        );
        User {
            name: name.as_bytes().to_vec(),
            devices,
            next_index: 1,
            version: 0,
        }
    }

    fn add(&mut self, path: &std::path::Path, r: &mut Rng, kind: DeviceKind) -> u32 {
        let i = self.next_index;
        self.next_index += 1;
        let name = format!("{}-{i}", String::from_utf8_lossy(&self.name));
        self.devices.insert(i, new_device(path, &name, r, kind));
        i
    }

    /// Signs and returns a new list and the records of every device.
    fn publish(&mut self) -> (Vec<u8>, Vec<Vec<u8>>) {
        self.publish_at(NOW)
    }

    /// The same, issued at `issued_at` (seconds).
    fn publish_at(&mut self, issued_at: u64) -> (Vec<u8>, Vec<Vec<u8>>) {
        self.version += 1;
        let account = &self.devices[&0].id;
        let entries: Vec<_> = self
            .devices
            .iter()
            .map(|(i, d)| (*i, *d.id.public_key()))
            .collect();
        let list = DeviceList::sign(account, self.version, issued_at, &entries)
            .unwrap()
            .to_bytes()
            .unwrap();
        let records = self
            .devices
            .iter()
            .map(|(i, d)| {
                AccountSignedRecord::sign(account, d.id.public_key(), *i, NOW, d.kind)
                    .unwrap()
                    .countersign(&d.id)
                    .unwrap()
                    .to_bytes()
            })
            .collect();
        (list, records)
    }
}

fn refs(records: &[Vec<u8>]) -> Vec<&[u8]> {
    records.iter().map(|r| r.as_slice()).collect()
}

/// Every device of every user takes every user's current list.
fn sync(users: &mut [User], r: &mut Rng) {
    let lists: Vec<_> = users
        .iter_mut()
        .map(|u| (u.name.clone(), u.publish()))
        .collect();
    for u in users.iter_mut() {
        for d in u.devices.values_mut() {
            for (name, (list, records)) in &lists {
                d.store
                    .set_devices(r, name, list, &refs(records), NOW)
                    .unwrap();
            }
        }
    }
}

/// Starts the sessions `from` (a device of `sender`) lacks for `to`.
fn connect(users: &mut [User], sender: usize, from: u32, to: &[u8], r: &mut Rng) {
    let bundles: BTreeMap<(Vec<u8>, u32), PrekeyBundle> = users
        .iter()
        .flat_map(|u| {
            u.devices
                .iter()
                .map(|(i, d)| ((u.name.clone(), *i), d.bundle))
        })
        .collect();
    let store = &mut users[sender].devices.get_mut(&from).unwrap().store;
    for (user, index) in store.devices_without_session(to).unwrap() {
        let bundle = &bundles[&(user.clone(), index)];
        store.initiate_device(r, &user, index, bundle, NOW).unwrap();
    }
}

/// Delivers fanned-out messages; returns what each (user, device) read.
fn deliver(
    users: &mut [User],
    from_user: &[u8],
    from_index: u32,
    out: &[Outgoing],
    at: u64,
    r: &mut Rng,
) -> BTreeMap<(Vec<u8>, u32), String> {
    let mut read = BTreeMap::new();
    for o in out {
        let to = o.device.as_ref().unwrap();
        let user = users.iter_mut().find(|u| u.name == to.user).unwrap();
        let Some(d) = user.devices.get_mut(&to.index) else {
            continue;
        };
        let got = d
            .store
            .receive_from_device(r, from_user, from_index, &o.message, at)
            .unwrap();
        assert_eq!(got.device, Some(from_index));
        if let Some(Content::Text(t)) = got.envelope.as_ref().map(|e| &e.content) {
            read.insert((to.user.clone(), to.index), t.to_string());
        }
    }
    read
}

fn text(s: &str) -> Content {
    Content::text(s)
}

#[test]
fn a_message_reaches_every_device_of_both_accounts() {
    let path = dir("devices", "reach");
    let mut r = rng();
    let mut users = vec![
        User::new(&path, "alice", &mut r),
        User::new(&path, "bob", &mut r),
    ];
    users[0].add(&path, &mut r, DeviceKind::Companion);
    users[1].add(&path, &mut r, DeviceKind::Companion);
    sync(&mut users, &mut r);
    connect(&mut users, 0, 0, b"bob", &mut r);
    let out = users[0]
        .devices
        .get_mut(&0)
        .unwrap()
        .store
        .send_to_user(&mut r, b"bob", &text("hello all"), NOW_MS)
        .unwrap()
        .outgoing;
    // Bob's two devices and Alice's laptop.
    assert_eq!(out.len(), 3);
    let read = deliver(&mut users, b"alice", 0, &out, NOW_MS, &mut r);
    assert_eq!(read.len(), 3);
    assert!(read.values().all(|t| t == "hello all"));
    // Bob's laptop answers: Alice's phone and laptop, and Bob's phone.
    connect(&mut users, 1, 1, b"alice", &mut r);
    let out = users[1]
        .devices
        .get_mut(&1)
        .unwrap()
        .store
        .send_to_user(&mut r, b"alice", &text("hi back"), NOW_MS)
        .unwrap()
        .outgoing;
    assert_eq!(out.len(), 3);
    assert_eq!(
        deliver(&mut users, b"bob", 1, &out, NOW_MS, &mut r).len(),
        3
    );
}

// ---------------------------------------------------------------------------
// Refusals: each one leaves the store as it was.
// ---------------------------------------------------------------------------

fn store(users: &mut [User], u: usize, i: u32) -> &mut Store {
    &mut users[u].devices.get_mut(&i).unwrap().store
}

/// Alice with one device, Bob with a phone and devices of `kinds`; every
/// device holds both lists.
fn alice_and_bob(path: &std::path::Path, r: &mut Rng, kinds: &[DeviceKind]) -> Vec<User> {
    let mut users = vec![User::new(path, "alice", r), User::new(path, "bob", r)];
    for k in kinds {
        users[1].add(path, r, *k);
    }
    sync(&mut users, r);
    users
}

/// Device `i` of user `u` sends `t` to `to`, after starting the sessions it
/// lacks.
fn send(users: &mut [User], u: usize, i: u32, to: &[u8], t: &str, r: &mut Rng) -> Vec<Outgoing> {
    connect(users, u, i, to, r);
    store(users, u, i)
        .send_to_user(r, to, &text(t), NOW_MS)
        .unwrap()
        .outgoing
}

/// Everything a store says about `user`'s devices.
fn snapshot(store: &Store, user: &[u8]) -> String {
    format!(
        "{:?} {:?} {:?} {:?}",
        store.devices(user).unwrap(),
        store.device_changes(user).unwrap(),
        store.trust_record(user).unwrap(),
        store.is_hosted(user).unwrap()
    )
}

/// `u`'s device `i` takes the list `who` publishes now.
fn take(
    users: &mut [User],
    u: usize,
    i: u32,
    who: usize,
    r: &mut Rng,
) -> sotto_store::Result<sotto_store::DeviceUpdate> {
    let name = users[who].name.clone();
    let (list, records) = users[who].publish();
    store(users, u, i).set_devices(r, &name, &list, &refs(&records), NOW)
}

fn addresses(out: &[Outgoing]) -> Vec<(Vec<u8>, u32)> {
    let mut a: Vec<_> = out
        .iter()
        .map(|o| {
            let d = o.device.as_ref().unwrap();
            (d.user.clone(), d.index)
        })
        .collect();
    a.sort();
    a
}

/// Alice's phone writes to Bob: every device of Bob's it knows reads it.
fn alice_still_reaches_bob(users: &mut [User], t: &str, r: &mut Rng) {
    let out = send(users, 0, 0, b"bob", t, r);
    let known = store(users, 0, 0).devices(b"bob").unwrap().unwrap();
    assert_eq!(out.len(), known.devices.len());
    let read = deliver(users, b"alice", 0, &out, NOW_MS, r);
    assert_eq!(read.len(), out.len());
    assert!(read.values().all(|v| v == t));
}

const KIND_AT: usize = 2 + 64 + 64 + 4 + 8;

#[test]
fn a_forged_list_or_record_is_refused_and_changes_nothing() {
    let path = dir("devices", "forged");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    users[1].add(&path, &mut r, DeviceKind::Companion);
    let (list, records) = users[1].publish();
    let before = snapshot(&users[0].devices[&0].store, b"bob");
    let n = list.len();
    let m = records[2].len();
    let mut forgeries = Vec::new();
    // The account's signature over the list; an entry of the list.
    for at in [n - 40, n - 1, n - 64 - 10] {
        let mut l = list.clone();
        l[at] ^= 1;
        forgeries.push((l, records.clone()));
    }
    // The device's countersignature; the account's signature over a record;
    // the record's added_at.
    for at in [m - 1, m - 64 - 30, KIND_AT - 2] {
        let mut rs = records.clone();
        rs[2][at] ^= 1;
        forgeries.push((list.clone(), rs));
    }
    for (l, rs) in &forgeries {
        let got = store(&mut users, 0, 0).set_devices(&mut r, b"bob", l, &refs(rs), NOW);
        assert!(got.is_err());
        assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    }
    // The two signatures named: InvalidSignature.
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &forgeries[0].0, &refs(&records), NOW)
            .err(),
        Some(Error::Core(CoreError::InvalidSignature))
    );
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &list, &refs(&forgeries[3].1), NOW)
            .err(),
        Some(Error::Core(CoreError::InvalidSignature))
    );
    // Nothing was taken: Alice still writes to Bob's two first devices.
    alice_still_reaches_bob(&mut users, "after forgeries", &mut r);
    // The genuine list is taken.
    let up = store(&mut users, 0, 0)
        .set_devices(&mut r, b"bob", &list, &refs(&records), NOW)
        .unwrap();
    assert_eq!(up.devices.devices.len(), 3);
}

#[test]
fn a_record_moved_to_another_account_is_refused() {
    let path = dir("devices", "moved");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    let mallory = User::new(&path, "mallory", &mut r);
    let m = &mallory.devices[&0].id;
    let laptop_key = *users[1].devices[&1].id.public_key();
    let (_, bob_records) = users[1].publish();
    let m_primary = AccountSignedRecord::sign(m, m.public_key(), 0, NOW, DeviceKind::Primary)
        .unwrap()
        .countersign(m)
        .unwrap()
        .to_bytes();
    // Mallory lists Bob's laptop as hers, with Bob's record of it.
    let m_list = DeviceList::sign(m, 1, NOW, &[(0, *m.public_key()), (1, laptop_key)])
        .unwrap()
        .to_bytes()
        .unwrap();
    let recs = vec![m_primary.clone(), bob_records[1].clone()];
    let alice = store(&mut users, 0, 0);
    assert_eq!(
        alice
            .set_devices(&mut r, b"mallory", &m_list, &refs(&recs), NOW)
            .err(),
        Some(Error::Core(CoreError::Malformed))
    );
    assert_eq!(alice.devices(b"mallory").unwrap(), None);
    assert!(alice.trust_record(b"mallory").unwrap().is_none());
    // Bob's own list offered with a record of the laptop that Mallory's
    // account signed (and the laptop countersigned): refused too.
    let moved = AccountSignedRecord::sign(m, &laptop_key, 1, NOW, DeviceKind::Companion)
        .unwrap()
        .countersign(&users[1].devices[&1].id)
        .unwrap()
        .to_bytes();
    let (bob_list, _) = users[1].publish();
    let before = snapshot(&users[0].devices[&0].store, b"bob");
    let recs = vec![bob_records[0].clone(), moved];
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &bob_list, &refs(&recs), NOW)
            .err(),
        Some(Error::Core(CoreError::Malformed))
    );
    // Bob's list under Mallory's name is not Mallory's either.
    let alice = store(&mut users, 0, 0);
    assert!(
        alice
            .set_devices(&mut r, b"mallory", &m_list, &refs(&bob_records), NOW)
            .is_err()
    );
    assert_eq!(alice.devices(b"mallory").unwrap(), None);
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    alice_still_reaches_bob(&mut users, "still bob's", &mut r);
}

#[test]
fn stale_rolled_back_and_conflicting_lists_are_refused() {
    use sotto::devices::DEVICE_LIST_TTL_SECS;
    let path = dir("devices", "stale");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    let before = snapshot(&users[0].devices[&0].store, b"bob");
    // A list issued more than 35 days ago.
    let (stale, records) = users[1].publish_at(NOW - DEVICE_LIST_TTL_SECS - 1);
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &stale, &refs(&records), NOW)
            .err(),
        Some(Error::Core(CoreError::StaleDeviceList))
    );
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    // An older version after a newer one.
    let (old, old_records) = users[1].publish();
    users[1].add(&path, &mut r, DeviceKind::Companion);
    let newer = take(&mut users, 0, 0, 1, &mut r).unwrap();
    let version = newer.devices.version;
    assert_eq!(newer.devices.devices.len(), 3);
    let before = snapshot(&users[0].devices[&0].store, b"bob");
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &old, &refs(&old_records), NOW)
            .err(),
        Some(Error::Core(CoreError::StaleDeviceList))
    );
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    // The same version with other devices (the third one gone).
    let third = users[1].devices.remove(&2).unwrap();
    users[1].version = version - 1;
    assert_eq!(
        take(&mut users, 0, 0, 1, &mut r).err(),
        Some(Error::Core(CoreError::StaleDeviceList))
    );
    assert_eq!(users[1].version, version);
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    // The same version with the same devices changes nothing either.
    users[1].devices.insert(2, third);
    users[1].version = version - 1;
    let same = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(same.changes.is_empty() && !same.code_changed);
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    // Everyone takes the lists again: Alice reaches all three.
    sync(&mut users, &mut r);
    alice_still_reaches_bob(&mut users, "three", &mut r);
    // Once Bob's list is more than 35 days old, Alice sends nothing.
    let late = NOW_MS + (DEVICE_LIST_TTL_SECS + 1) * 1000;
    let alice = store(&mut users, 0, 0);
    let outbox = alice.pending_outgoing().unwrap().len();
    assert_eq!(
        alice
            .send_to_user(&mut r, b"bob", &text("too late"), late)
            .err(),
        Some(Error::Core(CoreError::StaleDeviceList))
    );
    assert_eq!(alice.pending_outgoing().unwrap().len(), outbox);
}

#[test]
fn a_removed_device_loses_its_session_and_every_later_message() {
    let path = dir("devices", "removed");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    // Bob's laptop writes twice; the server holds the second.
    let out = send(&mut users, 1, 1, b"alice", "one", &mut r);
    assert_eq!(
        deliver(&mut users, b"bob", 1, &out, NOW_MS, &mut r).len(),
        2
    );
    let out = send(&mut users, 1, 1, b"alice", "late", &mut r);
    let late = out
        .iter()
        .find(|o| o.device.as_ref().unwrap().user == b"alice")
        .unwrap()
        .message
        .clone();
    alice_still_reaches_bob(&mut users, "before", &mut r);
    // Bob removes the laptop.
    let laptop = users[1].devices.remove(&1).unwrap();
    sync(&mut users, &mut r);
    let alice = store(&mut users, 0, 0);
    let listed = alice.devices(b"bob").unwrap().unwrap();
    assert_eq!(listed.devices.len(), 1);
    let last = *alice.device_changes(b"bob").unwrap().last().unwrap();
    assert!(!last.change.added);
    assert_eq!(last.change.device.index, 1);
    let before = snapshot(alice, b"bob");
    let inbox = alice.pending_incoming().unwrap().len();
    // Its message held by the server is refused, and so is a session with it.
    assert_eq!(
        alice
            .receive_from_device(&mut r, b"bob", 1, &late, NOW_MS)
            .err(),
        Some(Error::Core(CoreError::UntrustedIdentity))
    );
    assert_eq!(
        alice
            .initiate_device(&mut r, b"bob", 1, &laptop.bundle, NOW)
            .err(),
        Some(Error::Core(CoreError::UntrustedIdentity))
    );
    assert_eq!(alice.pending_incoming().unwrap().len(), inbox);
    assert_eq!(snapshot(alice, b"bob"), before);
    // Nothing sent afterwards goes to it, from Alice or from Bob's phone,
    // and it reads none of it.
    let mut later = send(&mut users, 0, 0, b"bob", "after", &mut r);
    assert_eq!(addresses(&later), vec![(b"bob".to_vec(), 0)]);
    assert_eq!(
        deliver(&mut users, b"alice", 0, &later, NOW_MS, &mut r).len(),
        1
    );
    let from_phone = send(&mut users, 1, 0, b"alice", "phone only", &mut r);
    assert_eq!(addresses(&from_phone), vec![(b"alice".to_vec(), 0)]);
    later.extend(from_phone.iter().cloned());
    let mut laptop = laptop;
    for (o, from) in later.iter().zip([b"alice".as_slice(), b"bob".as_slice()]) {
        let index = 0;
        assert!(
            laptop
                .store
                .receive_from_device(&mut r, from, index, &o.message, NOW_MS)
                .is_err()
        );
    }
    // Its session was dropped: listed again at the same index, it needs a
    // new one.
    users[1].devices.insert(1, laptop);
    sync(&mut users, &mut r);
    assert_eq!(
        store(&mut users, 0, 0)
            .devices_without_session(b"bob")
            .unwrap(),
        vec![(b"bob".to_vec(), 1)]
    );
}

#[test]
fn a_bundle_carrying_another_identity_is_refused() {
    let path = dir("devices", "bundle");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    let mallory = new_device(&path, "mallory", &mut r, DeviceKind::Primary);
    let phone_bundle = users[1].devices[&0].bundle;
    let laptop_bundle = users[1].devices[&1].bundle;
    let alice = store(&mut users, 0, 0);
    let missing = alice.devices_without_session(b"bob").unwrap();
    assert_eq!(missing.len(), 2);
    let mixed = PrekeyBundle {
        identity: laptop_bundle.identity,
        signed_prekey: mallory.bundle.signed_prekey,
        one_time_prekey: None,
        pq_prekey: None,
    };
    for bundle in [&phone_bundle, &mallory.bundle] {
        assert_eq!(
            alice.initiate_device(&mut r, b"bob", 1, bundle, NOW).err(),
            Some(Error::Core(CoreError::UntrustedIdentity))
        );
    }
    assert!(
        alice
            .initiate_device(&mut r, b"bob", 1, &mixed, NOW)
            .is_err()
    );
    // An index not on the list, even with a genuine bundle.
    assert_eq!(
        alice
            .initiate_device(&mut r, b"bob", 7, &laptop_bundle, NOW)
            .err(),
        Some(Error::Core(CoreError::UntrustedIdentity))
    );
    assert_eq!(alice.devices_without_session(b"bob").unwrap(), missing);
    assert_eq!(
        alice
            .send_to_user(&mut r, b"bob", &text("no sessions"), NOW_MS)
            .err(),
        Some(Error::Core(CoreError::SessionMismatch))
    );
    assert!(alice.pending_outgoing().unwrap().is_empty());
    alice_still_reaches_bob(&mut users, "with the right bundles", &mut r);
}

#[test]
fn a_message_filed_under_another_device_is_refused() {
    let path = dir("devices", "mislabelled");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    // Alice's phone already has a session with Bob's phone.
    alice_still_reaches_bob(&mut users, "hello", &mut r);
    // Bob's new tablet's first (prekey) message, and Bob's laptop's normal one,
    // each filed by the server as the phone's.
    users[1].add(&path, &mut r, DeviceKind::Companion);
    sync(&mut users, &mut r);
    let for_alice = |out: Vec<Outgoing>| {
        out.into_iter()
            .find(|o| o.device.as_ref().unwrap().user == b"alice")
            .unwrap()
            .message
    };
    let from_tablet = for_alice(send(&mut users, 1, 2, b"alice", "tablet", &mut r));
    let from_laptop = for_alice(send(&mut users, 1, 1, b"alice", "laptop", &mut r));
    assert_eq!(
        sotto::message_kind(&from_tablet).unwrap(),
        sotto::MessageKind::Prekey
    );
    assert_eq!(
        sotto::message_kind(&from_laptop).unwrap(),
        sotto::MessageKind::Normal
    );
    let alice = store(&mut users, 0, 0);
    let before = snapshot(alice, b"bob");
    let inbox = alice.pending_incoming().unwrap().len();
    assert_eq!(
        alice
            .receive_from_device(&mut r, b"bob", 0, &from_tablet, NOW_MS)
            .err(),
        Some(Error::Core(CoreError::UntrustedIdentity))
    );
    assert!(
        alice
            .receive_from_device(&mut r, b"bob", 0, &from_laptop, NOW_MS)
            .is_err()
    );
    // The tablet's message filed as the laptop's, and the laptop's as the tablet's.
    assert_eq!(
        alice
            .receive_from_device(&mut r, b"bob", 1, &from_tablet, NOW_MS)
            .err(),
        Some(Error::Core(CoreError::UntrustedIdentity))
    );
    assert!(
        alice
            .receive_from_device(&mut r, b"bob", 2, &from_laptop, NOW_MS)
            .is_err()
    );
    assert_eq!(alice.pending_incoming().unwrap().len(), inbox);
    assert_eq!(snapshot(alice, b"bob"), before);
    // Filed correctly, both still decrypt (nothing was consumed).
    for (index, message, t) in [(2, &from_tablet, "tablet"), (1, &from_laptop, "laptop")] {
        let got = alice
            .receive_from_device(&mut r, b"bob", index, message, NOW_MS)
            .unwrap();
        assert_eq!(got.device, Some(index));
        assert_eq!(got.envelope.unwrap().content, text(t));
    }
    // And the phone's own session still works both ways.
    alice_still_reaches_bob(&mut users, "still", &mut r);
    let out = send(&mut users, 1, 0, b"alice", "phone", &mut r);
    assert_eq!(
        deliver(&mut users, b"bob", 0, &out, NOW_MS, &mut r).len(),
        3
    );
}

#[test]
fn the_hosted_mark_comes_from_the_account_alone() {
    let path = dir("devices", "hosted");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    assert!(!store(&mut users, 0, 0).is_hosted(b"bob").unwrap());
    // The server marks the laptop hosted.
    let (list, mut records) = users[1].publish();
    records[1][KIND_AT] = DeviceKind::Hosted.code();
    let before = snapshot(&users[0].devices[&0].store, b"bob");
    assert_eq!(
        store(&mut users, 0, 0)
            .set_devices(&mut r, b"bob", &list, &refs(&records), NOW)
            .err(),
        Some(Error::Core(CoreError::InvalidSignature))
    );
    assert!(!store(&mut users, 0, 0).is_hosted(b"bob").unwrap());
    assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    // The account adds a hosted device; the server tries to hide the mark.
    users[1].add(&path, &mut r, DeviceKind::Hosted);
    let (list, records) = users[1].publish();
    for kind in [DeviceKind::Companion, DeviceKind::Primary] {
        let mut hidden = records.clone();
        hidden[2][KIND_AT] = kind.code();
        assert!(
            store(&mut users, 0, 0)
                .set_devices(&mut r, b"bob", &list, &refs(&hidden), NOW)
                .is_err()
        );
        assert_eq!(snapshot(&users[0].devices[&0].store, b"bob"), before);
    }
    let up = store(&mut users, 0, 0)
        .set_devices(&mut r, b"bob", &list, &refs(&records), NOW)
        .unwrap();
    assert!(up.devices.any_hosted());
    let alice = store(&mut users, 0, 0);
    assert!(alice.is_hosted(b"bob").unwrap());
    assert!(!alice.is_hosted(b"alice").unwrap());
    assert!(!alice.is_hosted(b"nobody").unwrap());
    // The hosted device leaves: the label goes.
    users[1].devices.remove(&2);
    take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(!store(&mut users, 0, 0).is_hosted(b"bob").unwrap());
}

#[test]
fn the_code_changes_for_devices_not_hosted_and_unverifies_the_contact() {
    let path = dir("devices", "code");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[]);
    let account = *users[1].devices[&0].id.public_key();
    // A first list for Bob in a new device of Alice's: no change to report.
    let fresh_index = users[0].add(&path, &mut r, DeviceKind::Companion);
    let first = take(&mut users, 0, fresh_index, 1, &mut r).unwrap();
    assert!(!first.code_changed);
    let verified = |users: &mut [User]| {
        store(users, 0, 0)
            .trust_record(b"bob")
            .unwrap()
            .unwrap()
            .verified
    };
    store(&mut users, 0, 0)
        .set_verified(&mut r, b"bob", &account, true)
        .unwrap();
    assert!(verified(&mut users));
    // A hosted device joins, then leaves: same code, still verified.
    let hosted = users[1].add(&path, &mut r, DeviceKind::Hosted);
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(!up.code_changed);
    assert_eq!(up.changes.len(), 1);
    assert!(up.changes[0].added);
    assert!(verified(&mut users));
    users[1].devices.remove(&hosted);
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(!up.code_changed);
    assert!(!up.changes[0].added);
    assert!(verified(&mut users));
    // A companion joins: the code changes and the contact is unverified.
    let laptop = users[1].add(&path, &mut r, DeviceKind::Companion);
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(up.code_changed);
    assert!(!verified(&mut users));
    assert_eq!(
        store(&mut users, 0, 0)
            .trust_record(b"bob")
            .unwrap()
            .unwrap()
            .identity,
        account
    );
    // Verified again; the companion leaves: changed, unverified again.
    store(&mut users, 0, 0)
        .set_verified(&mut r, b"bob", &account, true)
        .unwrap();
    users[1].devices.remove(&laptop);
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(up.code_changed);
    assert!(!verified(&mut users));
    // Every change was recorded, oldest first (the first list: the phone
    // joined).
    let changes = store(&mut users, 0, 0).device_changes(b"bob").unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| (c.change.device.index, c.change.added))
            .collect::<Vec<_>>(),
        vec![
            (0, true),
            (hosted, true),
            (hosted, false),
            (laptop, true),
            (laptop, false)
        ]
    );
}

/// Group `id` in Alice's phone's store with `members`, and a copy in each
/// of Bob's devices at `bob_devices` holding Alice's distribution.
fn alice_group(
    users: &mut [User],
    id: &[u8],
    members: &[sotto::IdentityKey],
    bob_devices: &[u32],
    r: &mut Rng,
) {
    let alice_key = *users[0].devices[&0].id.public_key();
    let group = Group::new(r, &users[0].devices[&0].id, id, members).unwrap();
    let dist = group.distribution();
    store(users, 0, 0).save(r, id, &group).unwrap();
    for i in bob_devices {
        let mut g = Group::new(r, &users[1].devices[i].id, id, &[alice_key]).unwrap();
        g.process_distribution(&alice_key, &dist).unwrap();
        store(users, 1, *i).save(r, id, &g).unwrap();
    }
}

fn group_text(users: &mut [User], id: &[u8], t: &str, r: &mut Rng) -> Vec<u8> {
    store(users, 0, 0)
        .group_send(r, id, &text(t), NOW_MS)
        .unwrap()
        .outgoing
        .message
}

#[test]
fn a_device_that_leaves_is_cut_off_from_every_group() {
    let path = dir("devices", "group-leave");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[DeviceKind::Companion]);
    let alice_key = *users[0].devices[&0].id.public_key();
    let (phone, laptop) = (
        *users[1].devices[&0].id.public_key(),
        *users[1].devices[&1].id.public_key(),
    );
    let carol = *IdentityKeyPair::generate(&mut r).public_key();
    alice_group(
        &mut users,
        b"club",
        &[phone, laptop, carol],
        &[0, 1],
        &mut r,
    );
    alice_group(&mut users, b"duo", &[laptop], &[1], &mut r);
    alice_group(&mut users, b"quiet", &[carol], &[], &mut r);
    let chain =
        |users: &mut [User], id: &[u8]| store(users, 0, 0).load::<Group>(id).unwrap().chain_id();
    let quiet_chain = chain(&mut users, b"quiet");
    let m = group_text(&mut users, b"club", "before", &mut r);
    for i in [0, 1] {
        store(&mut users, 1, i)
            .group_receive(&mut r, b"club", &alice_key, &m, NOW_MS)
            .unwrap();
    }
    // The laptop leaves Bob's account.
    let mut gone = users[1].devices.remove(&1).unwrap();
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    let mut rotated = up.rotated_groups.clone();
    rotated.sort();
    assert_eq!(rotated, vec![b"club".to_vec(), b"duo".to_vec()]);
    assert!(up.joined_groups.is_empty());
    let club = store(&mut users, 0, 0).load::<Group>(b"club").unwrap();
    assert!(!club.is_member(&laptop));
    assert!(club.is_member(&phone) && club.is_member(&carol));
    assert!(
        !store(&mut users, 0, 0)
            .load::<Group>(b"duo")
            .unwrap()
            .is_member(&laptop)
    );
    assert_eq!(chain(&mut users, b"quiet"), quiet_chain);
    // What Alice sends now, the laptop cannot read; the phone can, once it
    // has the new distribution.
    let after = group_text(&mut users, b"club", "after", &mut r);
    let duo = group_text(&mut users, b"duo", "duo after", &mut r);
    for (id, m) in [(b"club".as_slice(), &after), (b"duo".as_slice(), &duo)] {
        assert_eq!(
            gone.store
                .group_receive(&mut r, id, &alice_key, m, NOW_MS)
                .err(),
            Some(Error::Core(CoreError::UnknownSenderKey))
        );
    }
    let phone_store = store(&mut users, 1, 0);
    assert!(
        phone_store
            .group_receive(&mut r, b"club", &alice_key, &after, NOW_MS)
            .is_err()
    );
    let mut g = phone_store.load::<Group>(b"club").unwrap();
    g.process_distribution(&alice_key, &club.distribution())
        .unwrap();
    phone_store.save(&mut r, b"club", &g).unwrap();
    let got = phone_store
        .group_receive(&mut r, b"club", &alice_key, &after, NOW_MS)
        .unwrap();
    assert_eq!(got.envelope.unwrap().content, text("after"));
}

#[test]
fn a_new_device_joins_the_groups_its_siblings_are_in() {
    let path = dir("devices", "group-join");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[]);
    let alice_key = *users[0].devices[&0].id.public_key();
    let phone = *users[1].devices[&0].id.public_key();
    let carol = *IdentityKeyPair::generate(&mut r).public_key();
    alice_group(&mut users, b"club", &[phone, carol], &[0], &mut r);
    alice_group(&mut users, b"quiet", &[carol], &[], &mut r);
    let club_chain = store(&mut users, 0, 0)
        .load::<Group>(b"club")
        .unwrap()
        .chain_id();
    let i = users[1].add(&path, &mut r, DeviceKind::Companion);
    let laptop = *users[1].devices[&i].id.public_key();
    let up = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert_eq!(up.joined_groups, vec![b"club".to_vec()]);
    assert!(up.rotated_groups.is_empty());
    let club = store(&mut users, 0, 0).load::<Group>(b"club").unwrap();
    assert!(club.is_member(&laptop));
    // Joining does not rotate: the laptop reads from now on with the
    // current distribution.
    assert_eq!(club.chain_id(), club_chain);
    assert!(
        !store(&mut users, 0, 0)
            .load::<Group>(b"quiet")
            .unwrap()
            .is_member(&laptop)
    );
    let mut g = Group::new(&mut r, &users[1].devices[&i].id, b"club", &[alice_key]).unwrap();
    g.process_distribution(&alice_key, &club.distribution())
        .unwrap();
    store(&mut users, 1, i).save(&mut r, b"club", &g).unwrap();
    let m = group_text(&mut users, b"club", "welcome", &mut r);
    let got = store(&mut users, 1, i)
        .group_receive(&mut r, b"club", &alice_key, &m, NOW_MS)
        .unwrap();
    assert_eq!(got.envelope.unwrap().content, text("welcome"));
    // The same list again joins nothing more.
    users[1].version -= 1;
    let again = take(&mut users, 0, 0, 1, &mut r).unwrap();
    assert!(again.joined_groups.is_empty() && again.changes.is_empty());
}

#[test]
fn our_own_new_device_joins_every_group_we_hold_and_leaves_them_rotated() {
    let path = dir("devices", "own-groups");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[]);
    let phone = *users[1].devices[&0].id.public_key();
    alice_group(&mut users, b"club", &[phone], &[0], &mut r);
    alice_group(&mut users, b"quiet", &[], &[], &mut r);
    let i = users[0].add(&path, &mut r, DeviceKind::Companion);
    let laptop = *users[0].devices[&i].id.public_key();
    let up = take(&mut users, 0, 0, 0, &mut r).unwrap();
    assert!(up.own);
    let mut joined = up.joined_groups.clone();
    joined.sort();
    assert_eq!(joined, vec![b"club".to_vec(), b"quiet".to_vec()]);
    for g in [&b"club"[..], b"quiet"] {
        assert!(
            store(&mut users, 0, 0)
                .load::<Group>(g)
                .unwrap()
                .is_member(&laptop)
        );
    }
    // The laptop leaves: every group rotates our sender key.
    let chain = store(&mut users, 0, 0)
        .load::<Group>(b"club")
        .unwrap()
        .chain_id();
    users[0].devices.remove(&i);
    let up = take(&mut users, 0, 0, 0, &mut r).unwrap();
    let mut rotated = up.rotated_groups.clone();
    rotated.sort();
    assert_eq!(rotated, vec![b"club".to_vec(), b"quiet".to_vec()]);
    let club = store(&mut users, 0, 0).load::<Group>(b"club").unwrap();
    assert!(!club.is_member(&laptop) && club.is_member(&phone));
    assert_ne!(club.chain_id(), chain);
}

#[test]
fn keys_kept_in_a_device_session_disappear_with_the_timer() {
    let path = dir("devices", "expiry");
    let mut r = rng();
    let mut users = alice_and_bob(&path, &mut r, &[]);
    connect(&mut users, 0, 0, b"bob", &mut r);
    let hour = 3_600_000;
    let change = store(&mut users, 0, 0)
        .send_to_user(&mut r, b"bob", &Content::TimerChange(3600), NOW_MS)
        .unwrap()
        .outgoing;
    deliver(&mut users, b"alice", 0, &change, NOW_MS, &mut r);
    let mut sent = Vec::new();
    for t in ["one", "two", "three"] {
        sent.push(send(&mut users, 0, 0, b"bob", t, &mut r));
    }
    // "three" arrives first: the keys of "one" and "two" are kept.
    deliver(&mut users, b"alice", 0, &sent[2], NOW_MS + 1000, &mut r);
    let purged = store(&mut users, 1, 0)
        .purge_expired(&mut r, NOW_MS + 2 * hour)
        .unwrap();
    assert_eq!(purged.kept_keys, 2);
    // "one" arrives after it would have expired: its key is gone.
    let late = store(&mut users, 1, 0).receive_from_device(
        &mut r,
        b"alice",
        0,
        &sent[0][0].message,
        NOW_MS + 2 * hour,
    );
    assert_eq!(late.unwrap_err(), Error::Core(CoreError::Duplicate));
}

#[test]
fn a_store_with_devices_still_reports_and_backs_up() {
    let path = dir("devices", "report-backup");
    let mut r = rng();
    let mut users = vec![
        User::new(&path, "alice", &mut r),
        User::new(&path, "bob", &mut r),
    ];
    users[0].add(&path, &mut r, DeviceKind::Companion);
    sync(&mut users, &mut r);
    let out = send(&mut users, 0, 0, b"bob", "before the backup", &mut r);
    deliver(&mut users, b"alice", 0, &out, NOW_MS, &mut r);
    let phone = store(&mut users, 0, 0);
    let report = phone.account_report(NOW_MS).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../docs/account-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&json), "{report}");
    // Our account's two devices, this one first; Bob's one device.
    let ours = json["account"]["devices"].as_array().unwrap();
    assert_eq!(ours.len(), 2);
    assert_eq!(ours[0]["device"], "this device");
    assert_eq!(ours[1]["kind"], "companion");
    let bob = json["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "bob")
        .unwrap();
    assert_eq!(bob["devices"].as_array().unwrap().len(), 1);
    assert_eq!(bob["hosted"], false);
    let key = sotto::backup::BackupKey::generate(&mut r);
    let mut backup = Vec::new();
    phone
        .backup(
            &mut r,
            sotto::backup::BackupSecret::Key(&key),
            &mut &b""[..],
            &mut backup,
        )
        .unwrap();
    let mut fresh = Store::open(path.join("restored.db"), &[6u8; 32], &mut r).unwrap();
    let mut export = Vec::new();
    fresh
        .restore(
            &mut r,
            sotto::backup::BackupSecret::Key(&key),
            &mut &backup[..],
            &mut export,
            NOW,
        )
        .unwrap();
    // Sessions and device lists are not in a backup: take the lists again.
    assert!(fresh.devices(b"bob").unwrap().is_none());
}

// ---------------------------------------------------------------------------
// Property: devices join and leave, 1:1 messages arrive in any order.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    /// A companion joins user u (at most five devices).
    Add(usize),
    /// The k-th companion of user u leaves (if any).
    Remove(usize, usize),
    /// The k-th device of user u writes to the other user.
    Send(usize, usize),
    /// The server delivers the k-th message it holds.
    Deliver(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..2usize).prop_map(Op::Add),
        1 => (0..2usize, any::<usize>()).prop_map(|(u, k)| Op::Remove(u, k)),
        4 => (0..2usize, any::<usize>()).prop_map(|(u, k)| Op::Send(u, k)),
        4 => any::<usize>().prop_map(Op::Deliver),
    ]
}

/// A message the server holds: from (user, device) to (user, device).
struct Held {
    from: (usize, u32),
    to: (usize, u32),
    message: Vec<u8>,
    text: String,
}

/// A device that left, and how many messages had been sent by then.
struct Gone {
    user: usize,
    device: Device,
    sent_before: usize,
}

static CASE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn deliver_held(users: &mut [User], h: Held, r: &mut Rng) -> Result<(), TestCaseError> {
    let from_name = users[h.from.0].name.clone();
    let sender_current = users[h.from.0].devices.contains_key(&h.from.1);
    let Some(d) = users[h.to.0].devices.get_mut(&h.to.1) else {
        // Meant for a device that left since: nothing to check here.
        return Ok(());
    };
    let got = d
        .store
        .receive_from_device(r, &from_name, h.from.1, &h.message, NOW_MS);
    if sender_current {
        let got = got.map_err(|e| TestCaseError::fail(format!("{e:?} for {}", h.text)))?;
        prop_assert_eq!(got.device, Some(h.from.1));
        prop_assert_eq!(got.envelope.map(|e| e.content), Some(text(&h.text)));
    } else {
        // Its sender left before it arrived: refused.
        prop_assert_eq!(got.err(), Some(Error::Core(CoreError::UntrustedIdentity)));
    }
    Ok(())
}

fn run_case(start: (u32, u32), ops: Vec<Op>) -> Result<(), TestCaseError> {
    let n = CASE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = dir("devices-prop", &format!("case-{n}"));
    let mut r = rng();
    let mut users = vec![
        User::new(&path, "alice", &mut r),
        User::new(&path, "bob", &mut r),
    ];
    for (u, extra) in [start.0, start.1].into_iter().enumerate() {
        for _ in 0..extra {
            users[u].add(&path, &mut r, DeviceKind::Companion);
        }
    }
    sync(&mut users, &mut r);
    let mut held: Vec<Held> = Vec::new();
    let mut gone: Vec<Gone> = Vec::new();
    // Every message sent: sender and bytes, in order.
    let mut sent: Vec<((usize, u32), Vec<u8>)> = Vec::new();
    for op in ops {
        match op {
            Op::Add(u) => {
                if users[u].devices.len() < 5 {
                    users[u].add(&path, &mut r, DeviceKind::Companion);
                    sync(&mut users, &mut r);
                }
            }
            Op::Remove(u, k) => {
                let companions: Vec<u32> = users[u]
                    .devices
                    .keys()
                    .copied()
                    .filter(|i| *i > 0)
                    .collect();
                if !companions.is_empty() {
                    let i = companions[k % companions.len()];
                    let device = users[u].devices.remove(&i).unwrap();
                    gone.push(Gone {
                        user: u,
                        device,
                        sent_before: sent.len(),
                    });
                    sync(&mut users, &mut r);
                }
            }
            Op::Send(u, k) => {
                let indexes: Vec<u32> = users[u].devices.keys().copied().collect();
                let i = indexes[k % indexes.len()];
                let other = 1 - u;
                let to = users[other].name.clone();
                let t = format!("message {}", sent.len());
                let out = send(&mut users, u, i, &to, &t, &mut r);
                // Exactly the other user's devices and our own other ones.
                let mut expected: Vec<(Vec<u8>, u32)> = users[other]
                    .devices
                    .keys()
                    .map(|j| (to.clone(), *j))
                    .chain(
                        users[u]
                            .devices
                            .keys()
                            .filter(|j| **j != i)
                            .map(|j| (users[u].name.clone(), *j)),
                    )
                    .collect();
                expected.sort();
                prop_assert_eq!(addresses(&out), expected);
                for o in out {
                    let a = o.device.unwrap();
                    let to_user = usize::from(a.user != users[0].name);
                    sent.push(((u, i), o.message.clone()));
                    held.push(Held {
                        from: (u, i),
                        to: (to_user, a.index),
                        message: o.message,
                        text: t.clone(),
                    });
                }
            }
            Op::Deliver(k) => {
                if !held.is_empty() {
                    let h = held.remove(k % held.len());
                    deliver_held(&mut users, h, &mut r)?;
                }
            }
        }
    }
    // The server delivers the rest, newest first.
    while let Some(h) = held.pop() {
        deliver_held(&mut users, h, &mut r)?;
    }
    // No device that left reads anything sent after it left.
    for g in &mut gone {
        for ((u, i), message) in &sent[g.sent_before..] {
            let from = users[*u].name.clone();
            prop_assert!(
                g.device
                    .store
                    .receive_from_device(&mut r, &from, *i, message, NOW_MS)
                    .is_err(),
                "a device of user {} read a message sent after it left",
                g.user
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn every_current_device_reads_what_is_meant_for_it(
        start in (0..5u32, 0..5u32),
        ops in proptest::collection::vec(op(), 1..20),
    ) {
        run_case(start, ops)?;
    }
}
