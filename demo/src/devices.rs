//! Step 20: Alice links a laptop by QR code; Bob's security code for her
//! changes and he is told; one message reaches every device of both
//! accounts; the laptop is removed and reads nothing new; a chat with a
//! business whose device is hosted by a service provider is labelled.

use sotto::devices::{AccountSignedRecord, DeviceKind, DeviceList, LinkingRequest, answer_link};
use sotto::{Content, IdentityKeyPair, PrekeyBundle};
use sotto_store::{Outgoing, Store};

use crate::net::{Device, NOW, Rng, Server, micros};

const NOW_MS: u64 = NOW * 1000 + 28 * 3_600_000;
const AT: u64 = NOW_MS / 1000;

/// A primary's own record: it signs and countersigns itself at index 0.
fn primary_record(account: &IdentityKeyPair) -> Vec<u8> {
    AccountSignedRecord::sign(account, account.public_key(), 0, AT, DeviceKind::Primary)
        .unwrap()
        .countersign(account)
        .unwrap()
        .to_bytes()
}

fn list(account: &IdentityKeyPair, version: u64, devices: &[&Device]) -> Vec<u8> {
    let entries: Vec<_> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| (i as u32, d.public))
        .collect();
    DeviceList::sign(account, version, AT, &entries)
        .unwrap()
        .to_bytes()
        .unwrap()
}

fn refs(records: &[Vec<u8>]) -> Vec<&[u8]> {
    records.iter().map(Vec::as_slice).collect()
}

fn code(store: &Store, of: &[u8]) -> String {
    let c = store.security_code(b"Bob", of, of).unwrap();
    let digits = String::from_utf8_lossy(c.digits()).into_owned();
    format!("{} {} {} …", &digits[..5], &digits[5..10], &digits[10..15])
}

fn bundle(server: &mut Server, name: &str) -> PrekeyBundle {
    PrekeyBundle::from_bytes(&server.fetch(name)).unwrap()
}

/// The server routes each message by (user, device index) alone.
fn route(
    rng: &mut Rng,
    out: &[Outgoing],
    from: &[u8],
    index: u32,
    to: &mut [(&[u8], u32, &mut Device)],
) {
    for o in out {
        let a = o.device.as_ref().unwrap();
        let (_, _, d) = to
            .iter_mut()
            .find(|(u, i, _)| *u == a.user.as_slice() && *i == a.index)
            .unwrap();
        let got =
            d.db.receive_from_device(rng, from, index, &o.message, NOW_MS)
                .unwrap();
        let text = match got.envelope.as_ref().map(|e| &e.content) {
            Some(Content::Text(t)) => t.to_string(),
            _ => String::new(),
        };
        println!(
            "    {:<14} reads {:?} ({} B, from device {index} of {})",
            d.name,
            text,
            o.message.len(),
            String::from_utf8_lossy(from)
        );
        d.db.ack_incoming(got.id).unwrap();
    }
}

pub(crate) fn link_a_laptop(
    rng: &mut Rng,
    server: &mut Server,
    dir: &std::path::Path,
    alice: &mut Device,
    bob: &mut Device,
) {
    println!(
        "\n20. Alice links her laptop by QR code; her contacts are told, and messages reach both of her devices."
    );
    let mut laptop = Device::new(rng, "Alice's laptop", dir, 5);
    server.publish(&laptop);
    let a = alice.identity();
    let b = bob.identity();
    let bob_list = list(&b, 1, &[bob]);
    let bob_records = vec![primary_record(&b)];

    // Bob's code for Alice before: her phone alone.
    bob.db
        .set_devices(rng, b"Bob", &bob_list, &refs(&bob_records), AT)
        .unwrap();
    let first = list(&a, 1, &[alice]);
    bob.db
        .set_devices(rng, b"Alice", &first, &[&primary_record(&a)], AT)
        .unwrap();
    let before = code(&bob.db, b"Alice");

    let t = std::time::Instant::now();
    let (mut request, qr) = LinkingRequest::new(rng, &laptop.identity());
    let answer = answer_link(&a, &qr, 1, AT, DeviceKind::Companion).unwrap();
    let laptop_record = request
        .accept(&laptop.identity(), &answer, Some(&alice.public))
        .unwrap()
        .to_bytes();
    println!(
        "    the laptop shows a {}-byte QR code; the phone answers with a signed record; the laptop checks and countersigns it ({:.0} µs)",
        qr.len(),
        micros(t)
    );
    let mut tampered = answer.clone();
    tampered[40] ^= 1;
    println!(
        "    a linking answer changed in transit: {:?}; the same answer again: {:?}",
        LinkingRequest::new(rng, &laptop.identity())
            .0
            .accept(&laptop.identity(), &tampered, None)
            .unwrap_err(),
        request
            .accept(&laptop.identity(), &answer, None)
            .unwrap_err()
    );
    let alice_list = list(&a, 2, &[alice, &laptop]);
    let alice_records = vec![primary_record(&a), laptop_record];
    for d in [&mut *alice, &mut laptop, &mut *bob] {
        d.db.set_devices(rng, b"Bob", &bob_list, &refs(&bob_records), AT)
            .unwrap();
    }
    let mut update = None;
    for d in [&mut *alice, &mut laptop, &mut *bob] {
        update = Some(
            d.db.set_devices(rng, b"Alice", &alice_list, &refs(&alice_records), AT)
                .unwrap(),
        );
    }
    let update = update.unwrap();
    println!(
        "    Bob takes Alice's new list (version {}): {} joined, security code changed: {}",
        update.devices.version,
        update.changes.len(),
        update.code_changed
    );
    println!(
        "    Bob's code for Alice: {} before, {} now: Bob is told, and compares again",
        before,
        code(&bob.db, b"Alice")
    );

    // Sessions with every device, then one message for everyone.
    for (who, peers) in [
        (&mut *alice, "Alice"),
        (&mut *bob, "Bob"),
        (&mut laptop, "laptop"),
    ] {
        let target: &[u8] = if peers == "Bob" { b"Alice" } else { b"Bob" };
        for (user, index) in who.db.devices_without_session(target).unwrap() {
            let name = match (user.as_slice(), index) {
                (b"Alice", 0) => "Alice",
                (b"Alice", _) => "Alice's laptop",
                _ => "Bob",
            };
            let bundle = bundle(server, name);
            who.db
                .initiate_device(rng, &user, index, &bundle, AT)
                .unwrap();
        }
    }
    let t = std::time::Instant::now();
    let sent = alice
        .db
        .send_to_user(
            rng,
            b"Bob",
            &Content::text("I'm on my laptop too now."),
            NOW_MS,
        )
        .unwrap();
    println!(
        "    Alice's phone encrypts once per device: {} messages, committed in {:.0} µs",
        sent.outgoing.len(),
        micros(t)
    );
    let mut to: Vec<(&[u8], u32, &mut Device)> =
        vec![(b"Bob", 0, &mut *bob), (b"Alice", 1, &mut laptop)];
    route(rng, &sent.outgoing, b"Alice", 0, &mut to);
    let reply = bob
        .db
        .send_to_user(rng, b"Alice", &Content::text("Hi, both of you."), NOW_MS)
        .unwrap();
    let mut to: Vec<(&[u8], u32, &mut Device)> =
        vec![(b"Alice", 0, &mut *alice), (b"Alice", 1, &mut laptop)];
    route(rng, &reply.outgoing, b"Bob", 0, &mut to);

    println!("\n    Alice removes the laptop: a new list, version 3.");
    let alice_list = list(&a, 3, &[alice]);
    let alice_records = vec![primary_record(&a)];
    for d in [&mut *alice, &mut *bob] {
        let u =
            d.db.set_devices(rng, b"Alice", &alice_list, &refs(&alice_records), AT)
                .unwrap();
        if d.name == "Bob" {
            println!(
                "    Bob: {} device left (its session dropped), code changed again: {}",
                u.changes.len(),
                u.code_changed
            );
        }
    }
    let reply = bob
        .db
        .send_to_user(rng, b"Alice", &Content::text("Laptop gone?"), NOW_MS)
        .unwrap();
    println!(
        "    Bob's next message: {} copy, for Alice's phone only",
        reply.outgoing.len()
    );
    println!(
        "    the server hands the laptop that copy anyway: {:?}",
        laptop
            .db
            .receive_from_device(rng, b"Bob", 0, &reply.outgoing[0].message, NOW_MS)
            .unwrap_err()
    );
    println!(
        "    the old list replayed by the server: {:?}",
        bob.db
            .set_devices(rng, b"Alice", &list(&a, 2, &[alice, &laptop]), &[], AT)
            .unwrap_err()
    );

    println!("\n    Bob opens a chat with Acme, whose customer service runs on a hosted device.");
    let acme = IdentityKeyPair::generate(rng);
    let hosted = IdentityKeyPair::generate(rng);
    let acme_list = DeviceList::sign(
        &acme,
        1,
        AT,
        &[(0, *acme.public_key()), (1, *hosted.public_key())],
    )
    .unwrap()
    .to_bytes()
    .unwrap();
    let hosted_record =
        AccountSignedRecord::sign(&acme, hosted.public_key(), 1, AT, DeviceKind::Hosted)
            .unwrap()
            .countersign(&hosted)
            .unwrap()
            .to_bytes();
    let mut unmarked = hosted_record.clone();
    // The kind is the record's last byte before the two signatures.
    let kind_at = unmarked.len() - 129;
    unmarked[kind_at] = DeviceKind::Companion.code();
    println!(
        "    a server that removes the hosted mark: {:?}",
        bob.db
            .set_devices(
                rng,
                b"Acme",
                &acme_list,
                &[&primary_record(&acme), &unmarked],
                AT
            )
            .unwrap_err()
    );
    bob.db
        .set_devices(
            rng,
            b"Acme",
            &acme_list,
            &[&primary_record(&acme), &hosted_record],
            AT,
        )
        .unwrap();
    println!(
        "    Bob's app labels the chat: Acme uses a hosted service = {}; Alice's chat: {}",
        bob.db.is_hosted(b"Acme").unwrap(),
        bob.db.is_hosted(b"Alice").unwrap()
    );
}
