//! Steps 18 and 19: a 10 MB file sent to the group and opened in the
//! middle, and an encrypted backup restored onto a new phone.

use std::collections::HashMap;
use std::time::Instant;

use sotto::attachment::{self, AttachmentEncryptor};
use sotto::backup::{BackupKey, BackupSecret};
use sotto::chunked::CHUNK_LEN;
use sotto::{Content, Group, PrekeyBundle};
use sotto_store::{Conversation, Store};

use crate::net::{Device, GROUP, Kind, NOW, Rng, SENDER_KEY, Server, clock, micros};

const HOUR_MS: u64 = 3_600_000;
const FILE_LEN: usize = 10_000_000;
const PIECE: usize = 1 << 20;

/// The app's blob store: it keeps what it is given under its SHA-256 and
/// can read none of it.
#[derive(Default)]
pub(crate) struct BlobStore {
    blobs: HashMap<[u8; 32], Vec<u8>>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn file_byte(i: usize) -> u8 {
    (i as u8) ^ ((i >> 11) as u8)
}

/// Bob's reinstalled phone (step 13) joins the group again: Alice swaps
/// his old identity for the new one (which rotates her sender key), Bob
/// starts his view of the group, and they exchange sender keys over their
/// session.
fn rejoin(rng: &mut Rng, server: &mut Server, alice: &mut Device, bob: &mut Device) {
    println!(
        "\n    (Bob's reinstalled phone joins the group again: Alice replaces his old identity with the new one, and they exchange sender keys)"
    );
    let mut group: Group = alice.db.load(GROUP).unwrap();
    let old: Vec<_> = group
        .members()
        .copied()
        .filter(|m| *m != bob.public)
        .collect();
    for m in &old {
        group.remove_member(rng, m).unwrap();
    }
    group.add_member(&bob.public).unwrap();
    alice.db.save(rng, GROUP, &group).unwrap();
    let mine = Group::new(rng, &bob.identity(), GROUP, &[alice.public]).unwrap();
    bob.db.save(rng, GROUP, &mine).unwrap();
    alice
        .send_pairwise(rng, server, "Bob", SENDER_KEY, &group.distribution())
        .unwrap();
    bob.receive_all(rng, server);
    bob.send_pairwise(rng, server, "Alice", SENDER_KEY, &mine.distribution())
        .unwrap();
    alice.receive_all(rng, server);
}

/// Alice streams a 10 MB video to the group; Bob, who gets the descriptor
/// inside a group message, opens its middle without downloading the rest.
pub(crate) fn attachment_to_group(
    rng: &mut Rng,
    server: &mut Server,
    blobs: &mut BlobStore,
    alice: &mut Device,
    bob: &mut Device,
) {
    let now = NOW * 1000 + 26 * HOUR_MS;
    rejoin(rng, server, alice, bob);
    println!(
        "\n18. Alice sends a 10 MB video to the group: encrypted as it streams (16 KiB chunks under a fresh key), uploaded, and its key sent inside a group message."
    );
    let t = Instant::now();
    let mut enc = AttachmentEncryptor::new(rng).unwrap();
    let mut piece = vec![0u8; PIECE];
    let mut out = vec![0u8; enc.update_len(PIECE).unwrap()];
    let mut blob =
        Vec::with_capacity(sotto::chunked::ciphertext_len(FILE_LEN as u64).unwrap() as usize);
    let mut at = 0;
    while at < FILE_LEN {
        let n = PIECE.min(FILE_LEN - at);
        for (i, b) in piece[..n].iter_mut().enumerate() {
            *b = file_byte(at + i);
        }
        let m = enc.update(&piece[..n], &mut out).unwrap();
        blob.extend_from_slice(&out[..m]);
        at += n;
    }
    let mut last = vec![0u8; enc.finish_len()];
    let (m, done) = enc.finish(&mut last).unwrap();
    blob.extend_from_slice(&last[..m]);
    let took = t.elapsed().as_secs_f64();
    println!(
        "    {} B of video → {} B blob in {:.1} ms ({:.0} MB/s), holding 1 MiB of it at a time",
        FILE_LEN,
        blob.len(),
        took * 1e3,
        FILE_LEN as f64 / took / 1e6
    );
    blobs.blobs.insert(done.ciphertext_sha256, blob);
    println!(
        "    uploaded to the blob store as {}…: the server stores bytes it cannot read",
        &hex(&done.ciphertext_sha256)[..16]
    );
    let mut descriptor = done.descriptor("video/mp4");
    descriptor.dimensions = Some((1920, 1080));
    descriptor.duration_ms = Some(83_000);
    descriptor.thumbnail = Some(sotto::Zeroizing::new(b"(a small JPEG preview)".to_vec()));
    let sent = alice
        .db
        .group_send(rng, GROUP, &Content::Attachment(descriptor), now)
        .unwrap();
    println!(
        "    Alice → group {} B: the descriptor (key, blob SHA-256, length, type, size, duration, thumbnail), encrypted once for the group",
        sent.outgoing.message.len()
    );
    server.post(
        "Bob",
        crate::net::Envelope {
            from: "Alice",
            kind: Kind::Group,
            bytes: sent.outgoing.message.clone(),
        },
    );
    alice.db.ack_outgoing(sent.outgoing.id).unwrap();

    let e = server.take_all("Bob").pop().unwrap();
    let from = bob.peers["Alice"];
    let got = bob
        .db
        .group_receive(rng, GROUP, &from, &e.bytes, now)
        .unwrap();
    bob.db.ack_incoming(got.id).unwrap();
    let Some(Content::Attachment(d)) = got.envelope.map(|env| env.content) else {
        unreachable!("Alice sent an attachment")
    };
    println!(
        "    Bob   ← group: {} of {} B, {}×{}, {} s{}",
        d.media_type,
        d.plaintext_len,
        d.dimensions.map_or(0, |x| x.0),
        d.dimensions.map_or(0, |x| x.1),
        d.duration_ms.unwrap_or(0) / 1000,
        got.expires_at_ms
            .map(|at| format!(", disappears at {}", clock(at)))
            .unwrap_or_default()
    );

    // Bob scrubs to the middle: only the chunk holding it is read.
    let blob = &blobs.blobs[&d.ciphertext_sha256];
    let t = Instant::now();
    let mut reader = attachment::open_reader(&d, &blob[..]).unwrap();
    let middle = d.plaintext_len / 2;
    let mut frame = [0u8; 32];
    let n = reader.read_at(middle, &mut frame).unwrap();
    let us = micros(t);
    assert!((0..n).all(|i| frame[i] == file_byte(middle as usize + i)));
    println!(
        "    Bob seeks to byte {middle}: 1 chunk of {} read and authenticated, {n} bytes in {us:.0} µs",
        blob.len().div_ceil(CHUNK_LEN + 16)
    );
    let mut tampered = blob.clone();
    tampered[blob.len() / 2] ^= 1;
    let mut reader = attachment::open_reader(&d, &tampered[..]).unwrap();
    println!(
        "    the blob store flips one bit there: {:?}; served with a byte more: {:?}",
        reader.read_at(middle, &mut frame).unwrap_err(),
        attachment::decrypt(&d, &[&blob[..], &[0]].concat()).unwrap_err()
    );
    let t = Instant::now();
    let whole = attachment::decrypt(&d, blob).unwrap();
    println!(
        "    the whole file, downloaded and checked (hash, length, every chunk): {} B in {:.1} ms",
        whole.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
}

/// Alice backs up, loses her phone, restores onto a new one and goes on
/// talking to Bob, 1:1 and in the group.
pub(crate) fn backup_and_restore(
    rng: &mut Rng,
    server: &mut Server,
    alice: Device,
    bob: &mut Device,
) -> Device {
    let now = NOW * 1000 + 27 * HOUR_MS;
    println!(
        "\n19. Alice backs up her phone: identity, prekeys, trust records, groups and settings, plus the app's own history, under a key only she holds."
    );
    let key = BackupKey::generate(rng);
    println!(
        "    the backup key she writes down: {}",
        key.to_digits().as_str()
    );
    let history = b"(the app's message history, exported by the app)".repeat(2000);
    let mut backup = Vec::new();
    let t = Instant::now();
    alice
        .db
        .backup(rng, BackupSecret::Key(&key), &mut &history[..], &mut backup)
        .unwrap();
    println!(
        "    backup: {} B in {:.1} ms, uploaded to her cloud drive; no session or sender key in it (restoring one would be a rollback)",
        backup.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    println!("    Alice loses her phone. On the new one she types the key in:");
    let dir = alice.path.parent().unwrap().to_path_buf();
    let old_code = bob.trust_record("Alice").unwrap().identity;
    drop(alice);
    let typed = BackupKey::from_digits(&key.to_digits()).unwrap();
    let mut mistyped = key.to_digits().to_string();
    mistyped.replace_range(0..1, if mistyped.starts_with('0') { "1" } else { "0" });
    println!(
        "    (a mistyped digit is caught by the checksum: {:?})",
        BackupKey::from_digits(&mistyped).unwrap_err()
    );
    let mut store_key = [0u8; 32];
    rand_core::Rng::fill_bytes(rng, &mut store_key);
    let path = dir.join("alice-new-phone.db");
    let mut db = Store::open(&path, &store_key, rng).unwrap();
    let wrong = BackupKey::generate(rng);
    let mut export = Vec::new();
    println!(
        "    a wrong key: {:?}, before anything is decrypted; the new store stays empty",
        db.restore(
            rng,
            BackupSecret::Key(&wrong),
            &mut &backup[..],
            &mut export,
            NOW
        )
        .unwrap_err()
    );
    let t = Instant::now();
    let restored = db
        .restore(
            rng,
            BackupSecret::Key(&typed),
            &mut &backup[..],
            &mut export,
            NOW + 27 * 3600,
        )
        .unwrap();
    assert_eq!(export, history);
    println!(
        "    restored in {:.1} ms: contacts {:?}, groups {:?}, {} B of app history handed back",
        t.elapsed().as_secs_f64() * 1e3,
        restored
            .contacts
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>(),
        restored
            .groups
            .iter()
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect::<Vec<_>>(),
        restored.export_len
    );
    let mut alice = Device::from_store("Alice", db, path, store_key);
    // The restore dropped the one-time prekeys and rotated the signed
    // prekey: the new phone publishes fresh ones.
    let mut prekeys = alice.prekeys();
    prekeys.generate_one_time_prekeys(rng, 20).unwrap();
    alice.db.set_device_prekeys(rng, &prekeys).unwrap();
    server.publish(&alice);
    println!(
        "    the new phone publishes a new signed prekey and 20 one-time prekeys; the disappearing timer with Bob came back: {} hours",
        alice
            .db
            .disappearing_timer(Conversation::Contact(b"Bob"))
            .unwrap()
            .duration_secs
            / 3600
    );

    // 1:1: a new session from the same identity.
    let bundle = PrekeyBundle::from_bytes(&server.fetch("Bob")).unwrap();
    let status = alice.db.initiate(rng, b"Bob", &bundle, NOW).unwrap();
    alice.peers.insert("Bob", bundle.identity);
    println!(
        "    Alice starts a new session with Bob; his identity: {status:?} (her trust record came back)"
    );
    let hello = alice.send_content(
        rng,
        server,
        "Bob",
        &Content::text("New phone, same me."),
        now,
    );
    for e in server.take_all("Bob") {
        let got = bob.receive_content(rng, &e, now).unwrap();
        bob.db.ack_incoming(got.id).unwrap();
    }
    let _ = hello;
    println!(
        "    Bob's store: a new session from the same identity, not an identity change (trusted key unchanged: {})",
        bob.trust_record("Alice").unwrap().identity == old_code
    );
    bob.send_content(
        rng,
        server,
        "Alice",
        &Content::text("Welcome back!"),
        now + 1000,
    );
    for e in server.take_all("Alice") {
        let got = alice.receive_content(rng, &e, now + 1000).unwrap();
        alice.db.ack_incoming(got.id).unwrap();
    }

    // The group: new sender keys both ways, over the new session.
    let ours = alice.db.load::<Group>(GROUP).unwrap().distribution();
    alice
        .send_pairwise(rng, server, "Bob", SENDER_KEY, &ours)
        .unwrap();
    bob.receive_all(rng, server);
    let theirs = bob.db.load::<Group>(GROUP).unwrap().distribution();
    bob.send_pairwise(rng, server, "Alice", SENDER_KEY, &theirs)
        .unwrap();
    alice.receive_all(rng, server);
    alice.say_to_group(rng, server, &["Bob"], "Back in the group too.");
    bob.receive_all(rng, server);
    bob.say_to_group(rng, server, &["Alice"], "Saw the video. Great trip!");
    alice.receive_all(rng, server);
    alice
}
