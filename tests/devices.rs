//! Account-signed device records and lists: the verified set of a user's
//! devices, and every refusal (forged signatures, a record moved to another
//! account, a stale or rolled-back list, a removed device, the hosted mark
//! added or removed by the server).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::devices::{
    AccountSignedRecord, DEVICE_LIST_TTL_SECS, DeviceKind, DeviceList, DeviceRecord, MAX_DEVICES,
    verify_devices,
};
use sotto::{Error, IdentityKeyPair};

const NOW: u64 = 1_800_000_000;

struct Account {
    primary: IdentityKeyPair,
    devices: Vec<(IdentityKeyPair, DeviceKind)>,
}

fn record(
    account: &IdentityKeyPair,
    device: &IdentityKeyPair,
    index: u32,
    kind: DeviceKind,
) -> Vec<u8> {
    AccountSignedRecord::sign(account, device.public_key(), index, NOW, kind)
        .unwrap()
        .countersign(device)
        .unwrap()
        .to_bytes()
}

fn account(seed: u64, kinds: &[DeviceKind]) -> (Account, Vec<u8>, Vec<Vec<u8>>) {
    let mut rng = TestRng::new(seed);
    let primary = IdentityKeyPair::generate(&mut rng);
    let devices: Vec<_> = kinds
        .iter()
        .map(|k| (IdentityKeyPair::generate(&mut rng), *k))
        .collect();
    let mut records = vec![record(&primary, &primary, 0, DeviceKind::Primary)];
    let mut entries = vec![(0, *primary.public_key())];
    for (i, (d, k)) in devices.iter().enumerate() {
        records.push(record(&primary, d, i as u32 + 1, *k));
        entries.push((i as u32 + 1, *d.public_key()));
    }
    let list = DeviceList::sign(&primary, 1, NOW, &entries)
        .unwrap()
        .to_bytes()
        .unwrap();
    (Account { primary, devices }, list, records)
}

fn refs(records: &[Vec<u8>]) -> Vec<&[u8]> {
    records.iter().map(|r| r.as_slice()).collect()
}

#[test]
fn a_published_list_gives_every_device_and_the_hosted_label() {
    let (a, list, records) = account(1, &[DeviceKind::Companion, DeviceKind::Hosted]);
    let v = verify_devices(
        a.primary.public_key(),
        &list,
        &refs(&records),
        NOW + 60,
        None,
    )
    .unwrap();
    assert_eq!(v.devices.len(), 3);
    assert_eq!(v.devices[0].kind, DeviceKind::Primary);
    assert_eq!(v.devices[2].identity, *a.devices[1].0.public_key());
    assert!(v.any_hosted());
    let (b, list, records) = account(2, &[DeviceKind::Companion]);
    assert!(
        !verify_devices(b.primary.public_key(), &list, &refs(&records), NOW, None)
            .unwrap()
            .any_hosted()
    );
    // Records travel in any order, and records of unlisted devices are ignored.
    let mut shuffled = records.clone();
    shuffled.reverse();
    shuffled.push(account(3, &[]).2[0].clone());
    assert!(verify_devices(b.primary.public_key(), &list, &refs(&shuffled), NOW, None).is_ok());
}

#[test]
fn forged_or_moved_records_are_refused() {
    let (a, list, records) = account(4, &[DeviceKind::Companion]);
    let id = a.primary.public_key();
    // A flipped bit in either signature, or in the body.
    for at in [10, 140, records[1].len() - 100, records[1].len() - 1] {
        let mut bad = records.clone();
        bad[1][at] ^= 1;
        assert!(
            verify_devices(id, &list, &refs(&bad), NOW, None).is_err(),
            "flip at {at}"
        );
    }
    // A record the device never countersigned (its signature from another key).
    let mut rng = TestRng::new(5);
    let mallory = IdentityKeyPair::generate(&mut rng);
    let signed = AccountSignedRecord::sign(
        &a.primary,
        a.devices[0].0.public_key(),
        1,
        NOW,
        DeviceKind::Companion,
    )
    .unwrap();
    assert_eq!(signed.countersign(&mallory).err(), Some(Error::WrongType));
    let mut forged = signed.countersign(&a.devices[0].0).unwrap().to_bytes();
    let n = forged.len();
    forged[n - 64..].copy_from_slice(&record(&mallory, &mallory, 0, DeviceKind::Primary)[n - 64..]);
    let bad = vec![records[0].clone(), forged];
    assert_eq!(
        verify_devices(id, &list, &refs(&bad), NOW, None).err(),
        Some(Error::InvalidSignature)
    );
    // Mallory's account signs Alice's companion into it: refused for Alice's list,
    // and Alice's records do not verify Mallory's.
    let moved = record(&mallory, &a.devices[0].0, 1, DeviceKind::Companion);
    let bad = vec![records[0].clone(), moved];
    assert_eq!(
        verify_devices(id, &list, &refs(&bad), NOW, None).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        verify_devices(mallory.public_key(), &list, &refs(&records), NOW, None).err(),
        Some(Error::WrongType)
    );
    // A list signed by someone else for Alice's account.
    let fake = DeviceList::sign(&mallory, 9, NOW, &[(0, *mallory.public_key())])
        .unwrap()
        .to_bytes()
        .unwrap();
    let mut relabelled = fake.clone();
    relabelled[2..66].copy_from_slice(&id.to_bytes());
    assert!(verify_devices(id, &relabelled, &refs(&records), NOW, None).is_err());
    // A missing record, or two for one device.
    assert_eq!(
        verify_devices(id, &list, &refs(&records[..1]), NOW, None).err(),
        Some(Error::Malformed)
    );
    let mut twice = records.clone();
    twice.push(records[1].clone());
    assert_eq!(
        verify_devices(id, &list, &refs(&twice), NOW, None).err(),
        Some(Error::Malformed)
    );
}

#[test]
fn the_hosted_mark_cannot_be_added_or_removed_by_the_server() {
    let (a, list, records) = account(6, &[DeviceKind::Hosted]);
    let id = a.primary.public_key();
    let kind_at = 2 + 64 + 64 + 4 + 8;
    for new_kind in [2u8, 1] {
        let mut changed = records.clone();
        changed[1][kind_at] = new_kind;
        assert!(verify_devices(id, &list, &refs(&changed), NOW, None).is_err());
    }
    let (b, list, records) = account(7, &[DeviceKind::Companion]);
    let mut hosted = records.clone();
    hosted[1][kind_at] = 3;
    assert_eq!(
        verify_devices(b.primary.public_key(), &list, &refs(&hosted), NOW, None).err(),
        Some(Error::InvalidSignature)
    );
}

#[test]
fn stale_and_rolled_back_lists_are_refused() {
    let (a, list, records) = account(8, &[DeviceKind::Companion]);
    let id = a.primary.public_key();
    assert!(verify_devices(id, &list, &refs(&records), NOW + DEVICE_LIST_TTL_SECS, None).is_ok());
    assert_eq!(
        verify_devices(
            id,
            &list,
            &refs(&records),
            NOW + DEVICE_LIST_TTL_SECS + 1,
            None
        )
        .err(),
        Some(Error::StaleDeviceList)
    );
    assert_eq!(
        verify_devices(id, &list, &refs(&records), NOW, Some(2)).err(),
        Some(Error::StaleDeviceList)
    );
    assert!(verify_devices(id, &list, &refs(&records), NOW, Some(1)).is_ok());
}

#[test]
fn a_removed_device_is_not_in_the_new_list() {
    let (a, _, records) = account(9, &[DeviceKind::Companion, DeviceKind::Companion]);
    let id = a.primary.public_key();
    let entries = [(0, *id), (2, *a.devices[1].0.public_key())];
    let list = DeviceList::sign(&a.primary, 2, NOW + 100, &entries)
        .unwrap()
        .to_bytes()
        .unwrap();
    // The removed device's record is still offered by the server: ignored.
    let v = verify_devices(id, &list, &refs(&records), NOW + 200, Some(1)).unwrap();
    assert_eq!(v.version, 2);
    assert!(
        v.devices
            .iter()
            .all(|d| d.identity != *a.devices[0].0.public_key())
    );
    assert_eq!(v.devices.len(), 2);
}

#[test]
fn malformed_lists_and_records_are_refused() {
    let (a, list, records) = account(10, &[DeviceKind::Companion]);
    let id = *a.primary.public_key();
    for cut in [0, 1, 2, 70, list.len() - 1] {
        assert!(DeviceList::from_bytes(&list[..cut]).is_err());
    }
    let mut longer = list.clone();
    longer.push(0);
    assert!(DeviceList::from_bytes(&longer).is_err());
    for cut in [0, 1, 100, records[1].len() - 1] {
        assert!(DeviceRecord::from_bytes(&records[1][..cut]).is_err());
    }
    // The primary must come first, as index 0 and the account itself; a
    // companion cannot claim index 0 or be the account.
    let d = *a.devices[0].0.public_key();
    assert_eq!(
        DeviceList::sign(&a.primary, 1, NOW, &[(1, d)]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        DeviceList::sign(&a.primary, 1, NOW, &[(0, id), (0, d)]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        DeviceList::sign(&a.primary, 1, NOW, &[(0, id), (1, id)]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        DeviceList::sign(&a.primary, 1, NOW, &[(0, id), (2, d), (1, d)]).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        AccountSignedRecord::sign(&a.primary, &d, 0, NOW, DeviceKind::Companion).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        AccountSignedRecord::sign(&a.primary, &id, 1, NOW, DeviceKind::Primary).err(),
        Some(Error::Malformed)
    );
    // Too many devices, refused before any entry is read.
    let mut rng = TestRng::new(11);
    let many: Vec<_> = std::iter::once((0, id))
        .chain(
            (1..=MAX_DEVICES as u32)
                .map(|i| (i, *IdentityKeyPair::generate(&mut rng).public_key())),
        )
        .collect();
    assert_eq!(
        DeviceList::sign(&a.primary, 1, NOW, &many).err(),
        Some(Error::LimitExceeded)
    );
    let mut big = list[..2 + 64 + 16].to_vec();
    big.push(MAX_DEVICES as u8 + 1);
    assert_eq!(
        DeviceList::from_bytes(&big).err(),
        Some(Error::LimitExceeded)
    );
}

#[test]
fn linking_a_companion_by_qr_code() {
    let mut rng = TestRng::new(20);
    let primary = IdentityKeyPair::generate(&mut rng);
    let laptop = IdentityKeyPair::generate(&mut rng);
    let (mut request, qr) = sotto::devices::LinkingRequest::new(&mut rng, &laptop);
    assert_eq!(qr.len(), sotto::devices::LINK_QR_LEN);
    let payload =
        sotto::devices::answer_link(&primary, &qr, 1, NOW, DeviceKind::Companion).unwrap();

    // Tampered payloads, and answers made under another secret or for
    // another device or account, are refused with the request unchanged.
    for at in [0, 1, 5, 100, payload.len() - 40, payload.len() - 1] {
        let mut bad = payload.clone();
        bad[at] ^= 1;
        assert!(request.accept(&laptop, &bad, None).is_err(), "flip at {at}");
    }
    let (_, other_qr) = sotto::devices::LinkingRequest::new(&mut rng, &laptop);
    let other =
        sotto::devices::answer_link(&primary, &other_qr, 1, NOW, DeviceKind::Companion).unwrap();
    assert_eq!(
        request.accept(&laptop, &other, None).err(),
        Some(Error::AuthenticationFailed)
    );
    let mallory = IdentityKeyPair::generate(&mut rng);
    assert_eq!(
        request.accept(&mallory, &payload, None).err(),
        Some(Error::WrongType)
    );
    assert_eq!(
        request
            .accept(&laptop, &payload, Some(mallory.public_key()))
            .err(),
        Some(Error::WrongType)
    );
    assert_eq!(
        sotto::devices::answer_link(&primary, &qr, 1, NOW, DeviceKind::Primary).err(),
        Some(Error::Malformed)
    );
    assert_eq!(
        sotto::devices::answer_link(&primary, &qr, 0, NOW, DeviceKind::Companion).err(),
        Some(Error::Malformed)
    );
    assert!(
        request
            .accept(&laptop, &payload[..payload.len() - 1], None)
            .is_err()
    );

    // The genuine answer: a record the laptop countersigned, which verifies
    // in the account's list; replaying the answer is refused.
    let record = request
        .accept(&laptop, &payload, Some(primary.public_key()))
        .unwrap();
    assert_eq!(
        request.accept(&laptop, &payload, None).err(),
        Some(Error::Duplicate)
    );
    let own =
        AccountSignedRecord::sign(&primary, primary.public_key(), 0, NOW, DeviceKind::Primary)
            .unwrap()
            .countersign(&primary)
            .unwrap()
            .to_bytes();
    let list = DeviceList::sign(
        &primary,
        2,
        NOW,
        &[(0, *primary.public_key()), (1, *laptop.public_key())],
    )
    .unwrap()
    .to_bytes()
    .unwrap();
    let records = [own, record.to_bytes()];
    let v = verify_devices(primary.public_key(), &list, &refs(&records), NOW, Some(1)).unwrap();
    assert_eq!(v.devices[1].identity, *laptop.public_key());
    assert_eq!(v.devices[1].kind, DeviceKind::Companion);
    // Junk QR codes are refused.
    for junk in [&qr[..10], &[0u8; 98][..], &[]] {
        assert!(
            sotto::devices::answer_link(&primary, junk, 1, NOW, DeviceKind::Companion).is_err()
        );
    }
}
