//! Sessions pinned to verified devices, fan-out, the multi-device security
//! code and the new device's history blob, attacked at the core level: a
//! bundle or a message carrying another identity than the one the account
//! signed for the device, a fan-out with one wrong session (nothing is
//! encrypted for anyone), codes that must change (or not) as devices join,
//! and a history blob that must never open as an attachment.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::TestRng;
use sotto::attachment::{
    AttachmentDecryptor, AttachmentEncryptor, decrypt, decrypt_history, encrypt, encrypt_history,
};
use sotto::devices::{
    AccountSignedRecord, DeviceKind, DeviceList, VerifiedDevice, VerifiedDevices,
    encrypt_to_devices, verify_devices,
};
use sotto::{
    Content, DisappearingTimer, Envelope, Error, IdentityKeyPair, PrekeyBundle, PrekeyStore,
    SecurityCode, SessionRecord,
};

const NOW: u64 = 1_800_000_000;

/// One device: its identity and prekeys.
struct Dev {
    id: IdentityKeyPair,
    prekeys: PrekeyStore,
}

impl Dev {
    fn new(rng: &mut TestRng) -> Self {
        let id = IdentityKeyPair::generate(rng);
        let prekeys = PrekeyStore::new(rng, &id, NOW);
        Dev { id, prekeys }
    }

    fn bundle(&self) -> PrekeyBundle {
        PrekeyBundle {
            identity: *self.id.public_key(),
            signed_prekey: self.prekeys.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: None,
        }
    }
}

/// An account: the primary (index 0) then the other devices, by index 1...
struct Account {
    devices: Vec<(Dev, DeviceKind)>,
}

impl Account {
    fn new(rng: &mut TestRng, kinds: &[DeviceKind]) -> Self {
        let mut devices = vec![(Dev::new(rng), DeviceKind::Primary)];
        devices.extend(kinds.iter().map(|k| (Dev::new(rng), *k)));
        Account { devices }
    }

    fn primary(&self) -> &IdentityKeyPair {
        &self.devices[0].0.id
    }

    /// The account's devices at version 1, verified as a sender would.
    fn verified(&self) -> VerifiedDevices {
        self.verified_with(&(0..self.devices.len()).collect::<Vec<_>>())
    }

    /// The verified list of the devices at `positions` (0 first), each at
    /// index position.
    fn verified_with(&self, positions: &[usize]) -> VerifiedDevices {
        let account = self.primary();
        let entries: Vec<_> = positions
            .iter()
            .map(|p| (*p as u32, *self.devices[*p].0.id.public_key()))
            .collect();
        let list = DeviceList::sign(account, 1, NOW, &entries)
            .unwrap()
            .to_bytes()
            .unwrap();
        let records: Vec<Vec<u8>> = positions
            .iter()
            .map(|p| {
                let (d, k) = &self.devices[*p];
                AccountSignedRecord::sign(account, d.id.public_key(), *p as u32, NOW, *k)
                    .unwrap()
                    .countersign(&d.id)
                    .unwrap()
                    .to_bytes()
            })
            .collect();
        let refs: Vec<&[u8]> = records.iter().map(|r| r.as_slice()).collect();
        verify_devices(account.public_key(), &list, &refs, NOW, None).unwrap()
    }
}

fn bytes(r: &SessionRecord) -> Vec<u8> {
    r.to_bytes().to_vec()
}

/// Alice (one device) with a session to each of Bob's two devices.
fn alice_and_bob(
    seed: u64,
) -> (
    TestRng,
    Account,
    Account,
    VerifiedDevices,
    Vec<SessionRecord>,
) {
    let mut rng = TestRng::new(seed);
    let alice = Account::new(&mut rng, &[]);
    let bob = Account::new(&mut rng, &[DeviceKind::Companion]);
    let vb = bob.verified();
    let mut records = Vec::new();
    for (d, (dev, _)) in vb.devices.iter().zip(&bob.devices) {
        let mut r = SessionRecord::new();
        d.initiate(&mut rng, alice.primary(), &mut r, &dev.bundle(), NOW)
            .unwrap();
        records.push(r);
    }
    (rng, alice, bob, vb, records)
}

#[test]
fn a_bundle_of_another_identity_is_refused() {
    let (mut rng, alice, bob, vb, _) = alice_and_bob(1);
    let me = alice.primary();
    let laptop = vb.device(1).unwrap();
    let mut record = SessionRecord::new();
    let empty = bytes(&record);
    // The server hands out the phone's bundle, or its own, for the laptop.
    let mallory = Dev::new(&mut rng);
    for bundle in [bob.devices[0].0.bundle(), mallory.bundle()] {
        assert_eq!(
            laptop
                .initiate(&mut rng, me, &mut record, &bundle, NOW)
                .err(),
            Some(Error::UntrustedIdentity)
        );
        assert_eq!(bytes(&record), empty);
    }
    // The laptop's identity with another device's signed prekey: refused too.
    let mixed = PrekeyBundle {
        identity: *bob.devices[1].0.id.public_key(),
        signed_prekey: mallory.prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    assert!(
        laptop
            .initiate(&mut rng, me, &mut record, &mixed, NOW)
            .is_err()
    );
    assert_eq!(bytes(&record), empty);
    assert_eq!(laptop.check(&record).err(), Some(Error::SessionMismatch));
    // An established session with the phone is not one with the laptop.
    let mut phone = SessionRecord::new();
    vb.device(0)
        .unwrap()
        .initiate(&mut rng, me, &mut phone, &bob.devices[0].0.bundle(), NOW)
        .unwrap();
    assert_eq!(laptop.check(&phone).err(), Some(Error::UntrustedIdentity));
    assert_eq!(
        laptop.encrypt(&mut rng, &mut phone, b"x").err(),
        Some(Error::UntrustedIdentity)
    );
    // The laptop's own bundle works.
    laptop
        .initiate(&mut rng, me, &mut record, &bob.devices[1].0.bundle(), NOW)
        .unwrap();
    laptop.check(&record).unwrap();
}

#[test]
fn a_prekey_message_from_another_identity_is_refused() {
    let mut rng = TestRng::new(2);
    let alice = Account::new(&mut rng, &[]);
    let bob = Account::new(&mut rng, &[DeviceKind::Companion]);
    let (va, vb) = (alice.verified(), bob.verified());
    let alice_dev = *va.device(0).unwrap();
    let bundle = alice.devices[0].0.bundle();
    // Each of Bob's devices starts a session with Alice's one device.
    let first = |from: &IdentityKeyPair, rng: &mut TestRng| {
        let mut r = SessionRecord::new();
        alice_dev.initiate(rng, from, &mut r, &bundle, NOW).unwrap();
        alice_dev.encrypt(rng, &mut r, b"from bob").unwrap()
    };
    let from_phone = first(&bob.devices[0].0.id, &mut rng);
    let from_laptop = first(&bob.devices[1].0.id, &mut rng);
    let mallory = Dev::new(&mut rng);
    let from_mallory = first(&mallory.id, &mut rng);
    let (phone, laptop) = (vb.device(0).unwrap(), vb.device(1).unwrap());
    let mut me = alice.devices.into_iter().next().unwrap().0;

    // The server files the laptop's first message as the phone's, and a
    // stranger's as the laptop's: refused, record and prekeys unchanged.
    for (device, message) in [(phone, &from_laptop), (laptop, &from_mallory)] {
        let mut record = SessionRecord::new();
        let before = (bytes(&record), me.prekeys.to_bytes().to_vec());
        assert_eq!(
            device
                .decrypt(&me.id, &mut me.prekeys, &mut record, message, NOW)
                .err(),
            Some(Error::UntrustedIdentity)
        );
        assert_eq!((bytes(&record), me.prekeys.to_bytes().to_vec()), before);
    }
    // A session with the phone does not take the laptop's message either.
    let mut with_phone = SessionRecord::new();
    let got = phone
        .decrypt(&me.id, &mut me.prekeys, &mut with_phone, &from_phone, NOW)
        .unwrap();
    assert_eq!(
        (&got.plaintext[..], got.sender),
        (&b"from bob"[..], phone.identity)
    );
    let before = bytes(&with_phone);
    assert_eq!(
        phone
            .decrypt(&me.id, &mut me.prekeys, &mut with_phone, &from_laptop, NOW)
            .err(),
        Some(Error::UntrustedIdentity)
    );
    assert_eq!(bytes(&with_phone), before);
    phone.check(&with_phone).unwrap();
    // Filed under the right device, the laptop's decrypts too.
    let mut record = SessionRecord::new();
    let got = laptop
        .decrypt(&me.id, &mut me.prekeys, &mut record, &from_laptop, NOW)
        .unwrap();
    assert_eq!(&got.plaintext[..], b"from bob");
    assert_eq!(got.sender, laptop.identity);
    laptop.check(&record).unwrap();
}

#[test]
fn a_normal_message_on_another_devices_session_changes_nothing() {
    // Alice's record with Bob's phone, replied on: the phone's reply
    // decrypted as if from the laptop is refused, and the record is as it was.
    let (mut rng, alice, mut bob, vb, mut records) = alice_and_bob(3);
    let (phone, laptop) = (vb.device(0).unwrap(), vb.device(1).unwrap());
    let first = phone
        .encrypt(&mut rng, &mut records[0], b"hi phone")
        .unwrap();
    let va = alice.verified();
    let alice_dev = va.device(0).unwrap();
    let phone_dev = &mut bob.devices[0].0;
    let mut at_phone = SessionRecord::new();
    alice_dev
        .decrypt(
            &phone_dev.id,
            &mut phone_dev.prekeys,
            &mut at_phone,
            &first,
            NOW,
        )
        .unwrap();
    let reply = alice_dev
        .encrypt(&mut rng, &mut at_phone, b"reply")
        .unwrap();
    let mut alice_prekeys = PrekeyStore::new(&mut rng, alice.primary(), NOW);
    let before = bytes(&records[0]);
    assert_eq!(
        laptop
            .decrypt(
                alice.primary(),
                &mut alice_prekeys,
                &mut records[0],
                &reply,
                NOW
            )
            .err(),
        Some(Error::UntrustedIdentity)
    );
    assert_eq!(
        bytes(&records[0]),
        before,
        "the refused message advanced the record"
    );
    // The same message under the phone still decrypts.
    let got = phone
        .decrypt(
            alice.primary(),
            &mut alice_prekeys,
            &mut records[0],
            &reply,
            NOW,
        )
        .unwrap();
    assert_eq!(&got.plaintext[..], b"reply");
}

#[test]
fn a_fan_out_with_one_wrong_session_encrypts_nothing() {
    let (mut rng, alice, bob, vb, mut records) = alice_and_bob(4);
    let (phone, laptop) = (*vb.device(0).unwrap(), *vb.device(1).unwrap());
    // The laptop's slot holds a session with the phone, or nothing.
    let mut wrong = SessionRecord::new();
    phone
        .initiate(
            &mut rng,
            alice.primary(),
            &mut wrong,
            &bob.devices[0].0.bundle(),
            NOW,
        )
        .unwrap();
    let mut empty = SessionRecord::new();
    let (b0, b1) = records.split_at_mut(1);
    let cases: [(&mut SessionRecord, Error); 2] = [
        (&mut wrong, Error::UntrustedIdentity),
        (&mut empty, Error::SessionMismatch),
    ];
    for (bad, err) in cases {
        let before = (bytes(&b0[0]), bytes(bad));
        let mut targets = [(&phone, &mut b0[0]), (&laptop, &mut *bad)];
        assert_eq!(
            encrypt_to_devices(&mut rng, &mut targets, b"to all").err(),
            Some(err)
        );
        assert_eq!((bytes(&b0[0]), bytes(bad)), before);
        // The wrong one listed first: the same.
        let mut targets = [(&laptop, &mut *bad), (&phone, &mut b0[0])];
        assert!(encrypt_to_devices(&mut rng, &mut targets, b"to all").is_err());
        assert_eq!((bytes(&b0[0]), bytes(bad)), before);
    }
    // The right sessions: one message per device, in order.
    let mut targets = [(&phone, &mut b0[0]), (&laptop, &mut b1[0])];
    let out = encrypt_to_devices(&mut rng, &mut targets, b"to all").unwrap();
    assert_eq!(out.iter().map(|m| m.index).collect::<Vec<_>>(), vec![0, 1]);
    assert_ne!(out[0].message, out[1].message);
}

fn code(local: &VerifiedDevices, remote: &VerifiedDevices) -> SecurityCode {
    SecurityCode::for_devices(local, b"alice", remote, b"bob").unwrap()
}

#[test]
fn the_security_code_follows_non_hosted_devices() {
    let mut rng = TestRng::new(5);
    let alice = Account::new(&mut rng, &[]);
    let bob = Account::new(
        &mut rng,
        &[
            DeviceKind::Companion,
            DeviceKind::Hosted,
            DeviceKind::Companion,
        ],
    );
    let va = alice.verified();
    let single = bob.verified_with(&[0]);
    // Single-device accounts: the single-device code.
    let plain = SecurityCode::new(
        alice.primary().public_key(),
        b"alice",
        bob.primary().public_key(),
        b"bob",
    )
    .unwrap();
    assert_eq!(code(&va, &single), plain);
    assert_eq!(
        va.code_key(),
        alice.primary().public_key().to_bytes().to_vec()
    );
    // A hosted device joins: same code; a companion joins: another code.
    let hosted = bob.verified_with(&[0, 2]);
    assert!(hosted.any_hosted());
    assert_eq!(code(&va, &hosted), plain);
    let companion = bob.verified_with(&[0, 1]);
    assert_ne!(code(&va, &companion), plain);
    let both = bob.verified_with(&[0, 1, 2]);
    assert_eq!(code(&va, &both), code(&va, &companion));
    let three = bob.verified_with(&[0, 1, 3]);
    assert_ne!(code(&va, &three), code(&va, &companion));
    // Either side's device joining changes it, and so does a swap of one
    // companion for another.
    assert_ne!(
        code(&va, &bob.verified_with(&[0, 3])),
        code(&va, &companion)
    );
    // Symmetric: both ends show the same digits.
    assert_eq!(
        SecurityCode::for_devices(&three, b"bob", &va, b"alice")
            .unwrap()
            .digits(),
        code(&va, &three).digits()
    );
}

#[test]
fn the_security_code_does_not_depend_on_device_order() {
    let mut rng = TestRng::new(6);
    let alice = Account::new(&mut rng, &[]);
    let bob = Account::new(&mut rng, &[DeviceKind::Companion, DeviceKind::Companion]);
    let va = alice.verified();
    let vb = bob.verified();
    // The same devices under swapped indexes, and listed in another order.
    let mut swapped = vb.clone();
    swapped.devices.swap(1, 2);
    for (i, d) in swapped.devices.iter_mut().enumerate() {
        d.index = i as u32;
    }
    let mut reversed = vb.clone();
    reversed.devices.reverse();
    assert_eq!(code(&va, &vb), code(&va, &swapped));
    assert_eq!(code(&va, &vb), code(&va, &reversed));
    assert_eq!(vb.code_key(), reversed.code_key());
    // A device listed twice counts once.
    let mut twice = vb.clone();
    let extra: VerifiedDevice = twice.devices[1];
    twice.devices.push(extra);
    assert_eq!(vb.code_key(), twice.code_key());
}

const HISTORY: &[u8] = b"every message of the last year, for the new laptop";

#[test]
fn a_history_blob_round_trips_and_never_opens_as_an_attachment() {
    let mut rng = TestRng::new(7);
    let (blob, done) = encrypt_history(&mut rng, HISTORY).unwrap();
    let descriptor = done.descriptor("application/x-sotto-history");
    assert_eq!(&decrypt_history(&descriptor, &blob).unwrap()[..], HISTORY);
    assert_eq!(decrypt(&descriptor, &blob).err(), Some(Error::WrongKey));
    let (att, done) = encrypt(&mut rng, HISTORY).unwrap();
    let att_descriptor = done.descriptor("text/plain");
    assert_eq!(&decrypt(&att_descriptor, &att).unwrap()[..], HISTORY);
    assert_eq!(
        decrypt_history(&att_descriptor, &att).err(),
        Some(Error::WrongKey)
    );

    // The streaming calls: the same labels.
    let mut e = AttachmentEncryptor::new_history(&mut rng).unwrap();
    let mut streamed = vec![0u8; e.update_len(HISTORY.len()).unwrap()];
    let n = e.update(HISTORY, &mut streamed).unwrap();
    streamed.truncate(n);
    let mut tail = vec![0u8; e.finish_len()];
    let (m, done) = e.finish(&mut tail).unwrap();
    streamed.extend_from_slice(&tail[..m]);
    let descriptor = done.descriptor("application/x-sotto-history");
    assert_eq!(
        &decrypt_history(&descriptor, &streamed).unwrap()[..],
        HISTORY
    );
    let mut d = AttachmentDecryptor::new_history(&descriptor).unwrap();
    let mut out = vec![0u8; d.update_len(streamed.len()).unwrap()];
    let n = d.update(&streamed, &mut out).unwrap();
    let mut rest = vec![0u8; d.finish_len()];
    let m = d.finish(&mut rest).unwrap();
    let mut plain = out[..n].to_vec();
    plain.extend_from_slice(&rest[..m]);
    assert_eq!(plain, HISTORY);
    let mut wrong = AttachmentDecryptor::new(&descriptor).unwrap();
    let mut out = vec![0u8; wrong.update_len(streamed.len()).unwrap()];
    assert_eq!(
        wrong.update(&streamed, &mut out).err(),
        Some(Error::WrongKey)
    );
}

#[test]
fn device_history_content_survives_the_envelope() {
    let mut rng = TestRng::new(8);
    let (_, done) = encrypt_history(&mut rng, HISTORY).unwrap();
    let descriptor = done.descriptor("application/x-sotto-history");
    let content = Content::DeviceHistory(descriptor.clone());
    assert_eq!(content.content_type(), 8);
    let timer = DisappearingTimer::new(86_400, NOW * 1000 - 5).unwrap();
    for t in [DisappearingTimer::OFF, timer] {
        let env = Envelope::new(content.clone(), NOW * 1000, t);
        let back = Envelope::decode(&env.encode().unwrap()).unwrap();
        assert_eq!(back, env);
        match back.content {
            Content::DeviceHistory(d) => assert_eq!(d, descriptor),
            _ => panic!("not device history"),
        }
    }
    // Its body is an attachment descriptor's, yet it never decodes as one.
    let body = content.body().unwrap();
    assert_eq!(
        Content::from_body(3, &body).unwrap(),
        Content::Attachment(descriptor.clone())
    );
    assert_ne!(
        Content::from_body(8, &body).unwrap(),
        Content::Attachment(descriptor)
    );
}
