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
        self.version += 1;
        let account = &self.devices[&0].id;
        let entries: Vec<_> = self
            .devices
            .iter()
            .map(|(i, d)| (*i, *d.id.public_key()))
            .collect();
        let list = DeviceList::sign(account, self.version, NOW, &entries)
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
                .map(|(i, d)| ((u.name.clone(), *i), d.bundle.clone()))
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
