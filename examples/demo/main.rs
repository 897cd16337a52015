//! The SDK's main job, end to end: devices that have never met set up
//! end-to-end encrypted sessions through an untrusted server and talk, with
//! messages lost, delayed and reordered, one device restarting from its
//! encrypted state in the middle of the conversation; a group in which a
//! member is removed; security codes compared; an identity change caught;
//! and a live location shared over a lossy channel with a late viewer.
//!
//! Run: `cargo run --release --example demo`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod net;

use std::collections::HashMap;
use std::time::Instant;

use net::{
    Device, Envelope, Kind, LOCATION_CONTEXT, LOCATION_KEY, NOW, Rng, SENDER_KEY, Server, micros,
};
use rand_core::UnwrapErr;
use sotto::{
    Group, IdentityKeyPair, IdentityStatus, Location, LocationShare, Precision, PrekeyStore,
    ScanResult, SecurityCode, Session, TrustStore,
};

fn main() {
    let mut rng: Rng = UnwrapErr(getrandom::SysRng);
    let mut server = Server::default();
    println!("sotto demo: end-to-end encrypted conversations through an untrusted server\n");

    println!(
        "1. Alice, Bob and Carol register: identity, signed prekey and 20 one-time prekeys each."
    );
    let t = Instant::now();
    let mut alice = Device::new(&mut rng, "Alice", 20);
    let mut bob = Device::new(&mut rng, "Bob", 20);
    let mut carol = Device::new(&mut rng, "Carol", 20);
    for d in [&alice, &bob, &carol] {
        server.publish(d);
    }
    println!(
        "    keys generated in {:.2} ms; the server holds only public keys\n",
        t.elapsed().as_secs_f64() * 1e3
    );

    println!("2. Alice fetches Bob's bundle, verifies its signature and starts a session (X3DH).");
    let t = Instant::now();
    let status = alice.connect(&mut rng, &mut server, "Bob");
    println!(
        "    session set up in {:.0} µs; Bob's identity: {status:?} (trusted on first use, not yet verified)\n",
        micros(t)
    );

    println!("3. Alice sends three messages while Bob is offline; they carry the setup preamble.");
    let mut first = Vec::new();
    for text in [
        "Hi Bob, it's Alice.",
        "Are we still on for Friday?",
        "Bring the maps.",
    ] {
        first.push(alice.say(&mut rng, &mut server, "Bob", text));
    }
    println!("\n4. Bob comes online. The server delivers them in reverse order.");
    let mut inbox = server.take_all("Bob");
    inbox.reverse();
    for e in &inbox {
        bob.receive(e).unwrap();
    }
    println!(
        "    Bob's one-time prekeys left: {} (the used one is deleted)",
        bob.store.one_time_prekey_count()
    );
    println!(
        "    a replay of the first message: {:?}\n",
        bob.receive(&first[0]).unwrap_err()
    );

    println!(
        "5. A back-and-forth with a DH ratchet step at every turn; one of Bob's messages is lost."
    );
    bob.say(&mut rng, &mut server, "Alice", "Friday works. 7pm?");
    let lost = bob.say(
        &mut rng,
        &mut server,
        "Alice",
        "(this one gets lost for a while)",
    );
    bob.say(&mut rng, &mut server, "Alice", "I'll bring the maps.");
    for e in server.take_all("Alice") {
        if e.bytes != lost.bytes {
            alice.receive(&e).unwrap();
        }
    }
    alice.say(&mut rng, &mut server, "Bob", "7pm it is.");
    bob.receive_all(&mut server);

    println!(
        "\n6. Bob's phone restarts: his state is saved encrypted under a key from the platform keychain."
    );
    let mut storage_key = [0u8; 32];
    rand_core::Rng::fill_bytes(&mut rng, &mut storage_key);
    let t = Instant::now();
    let saved_identity = bob.identity.seal(&storage_key, &mut rng).unwrap();
    let saved_store = bob.store.seal(&storage_key, &mut rng).unwrap();
    let saved_trust = bob.trust.seal(&storage_key, &mut rng).unwrap();
    let saved_sessions: Vec<(&'static str, Vec<u8>)> = bob
        .sessions
        .iter()
        .map(|(peer, s)| (*peer, s.seal(&storage_key, &mut rng).unwrap()))
        .collect();
    println!(
        "    saved identity {} B, prekey store {} B, session {} B in {:.0} µs",
        saved_identity.len(),
        saved_store.len(),
        saved_sessions[0].1.len(),
        micros(t)
    );
    let peers = bob.peers.clone();
    drop(bob);
    let t = Instant::now();
    let mut bob = Device {
        name: "Bob",
        identity: IdentityKeyPair::open(&storage_key, &saved_identity).unwrap(),
        store: PrekeyStore::open(&storage_key, &saved_store).unwrap(),
        sessions: saved_sessions
            .iter()
            .map(|(peer, bytes)| (*peer, Session::open(&storage_key, bytes).unwrap()))
            .collect::<HashMap<_, _>>(),
        peers,
        group: None,
        trust: TrustStore::open(&storage_key, &saved_trust).unwrap(),
        viewing: HashMap::new(),
    };
    println!(
        "    restored in {:.0} µs; a wrong key gives: {:?}",
        micros(t),
        Session::open(&[0u8; 32], &saved_sessions[0].1).unwrap_err()
    );
    bob.say(
        &mut rng,
        &mut server,
        "Alice",
        "Back online after a restart.",
    );
    alice.receive_all(&mut server);

    println!("\n7. The lost message finally arrives, late and out of order, and still decrypts.");
    alice.receive(&lost).unwrap();

    println!(
        "\n8. An attacker on the server flips one bit of a message: it is rejected, and nothing changes."
    );
    let genuine = alice.say(&mut rng, &mut server, "Bob", "See you Friday.");
    server.take_all("Bob");
    let mut tampered = genuine.clone();
    let last = tampered.bytes.len() - 1;
    tampered.bytes[last] ^= 1;
    let before = bob.sessions["Alice"].to_bytes();
    println!(
        "    tampered copy: {:?}",
        bob.receive(&tampered).unwrap_err()
    );
    assert_eq!(*before, *bob.sessions["Alice"].to_bytes());
    bob.receive(&genuine).unwrap();

    group_chat(&mut rng, &mut server, [&mut alice, &mut bob, &mut carol]);
    let mut bob = verification(&mut rng, &mut server, &mut alice, bob);
    live_location(&mut rng, &mut server, &mut alice, &mut bob, &mut carol);

    println!(
        "\nDone: every message was read only by its recipients; the server relayed {} bytes of ciphertext it cannot read.",
        server.relayed
    );
}

/// Steps 9 to 11: a group of three, a member removed, keys rotated.
fn group_chat(rng: &mut Rng, server: &mut Server, devices: [&mut Device; 3]) {
    let [alice, bob, carol] = devices;
    println!("\n9. Alice starts a group \"Friday trip\" with Bob and Carol (Sender Keys).");
    // Sessions Carol needs: Alice and Bob each start one from her bundle.
    alice.connect(rng, server, "Carol");
    bob.connect(rng, server, "Carol");
    let members = |d: &Device, names: &[&'static str]| -> Vec<_> {
        names.iter().map(|n| *d.peers.get(n).unwrap()).collect()
    };
    alice.group =
        Some(Group::new(rng, b"Friday trip", &members(alice, &["Bob", "Carol"])).unwrap());
    bob.group = Some(Group::new(rng, b"Friday trip", &members(bob, &["Alice", "Carol"])).unwrap());
    // Alice and Bob tell Carol; their first messages set up the sessions and
    // tell her app their identities, so she can create her view of the group.
    alice.say(rng, server, "Carol", "Adding you to \"Friday trip\".");
    bob.say(rng, server, "Carol", "Welcome, Carol!");
    carol.receive_all(server);
    carol.group =
        Some(Group::new(rng, b"Friday trip", &members(carol, &["Alice", "Bob"])).unwrap());
    let distribute = |d: &mut Device, rng: &mut Rng, server: &mut Server, to: &[&'static str]| {
        let key = d.group.as_ref().unwrap().distribution();
        for peer in to {
            d.send_pairwise(rng, server, peer, SENDER_KEY, &key)
                .unwrap();
        }
    };
    distribute(alice, rng, server, &["Bob", "Carol"]);
    distribute(bob, rng, server, &["Alice", "Carol"]);
    carol.receive_all(server);
    distribute(carol, rng, server, &["Alice", "Bob"]);
    alice.receive_all(server);
    bob.receive_all(server);

    println!("\n10. Each member writes once to the group; the server fans one ciphertext out.");
    alice.say_to_group(server, &["Bob", "Carol"], "Who's driving on Friday?");
    bob.say_to_group(server, &["Alice", "Carol"], "I can drive.");
    let carols = carol.say_to_group(server, &["Alice", "Bob"], "I'll bring snacks.");
    for d in [&mut *alice, &mut *bob, &mut *carol] {
        d.receive_all(server);
    }
    let replay = bob.receive(&carols).unwrap_err();
    println!("    a replay of Carol's message at Bob: {replay:?}");

    println!(
        "\n11. Carol leaves. Alice and Bob drop her keys and rotate theirs; the new keys go only to each other."
    );
    let carol_id = *alice.peers.get("Carol").unwrap();
    for d in [&mut *alice, &mut *bob] {
        let t = Instant::now();
        let key = d
            .group
            .as_mut()
            .unwrap()
            .remove_member(rng, &carol_id)
            .unwrap();
        println!(
            "    {:<5} removed Carol and rotated in {:.0} µs",
            d.name,
            micros(t)
        );
        let other = if d.name == "Alice" { "Bob" } else { "Alice" };
        d.send_pairwise(rng, server, other, SENDER_KEY, &key)
            .unwrap();
    }
    alice.receive_all(server);
    bob.receive_all(server);
    let secret: Envelope = alice.say_to_group(
        server,
        &["Bob", "Carol"],
        "Surprise party for Carol on Friday!",
    );
    bob.receive_all(server);
    println!(
        "    Carol gets the ciphertext from the server but cannot read it: {:?}",
        carol.receive(&secret).unwrap_err()
    );
    server.take_all("Carol");
    let from_carol = carol.say_to_group(server, &["Alice", "Bob"], "Hello?");
    println!(
        "    and what Carol still sends to the group is refused: {:?}",
        alice.receive(&from_carol).unwrap_err()
    );
    server.take_all("Alice");
    server.take_all("Bob");
}

/// Steps 12 and 13: security codes, then an identity change caught.
fn verification(rng: &mut Rng, server: &mut Server, alice: &mut Device, bob: Device) -> Device {
    println!("\n12. Alice and Bob meet and compare their security code (60 digits, or a QR scan).");
    let a_id = *alice.identity.public_key();
    let b_id = *bob.identity.public_key();
    let t = Instant::now();
    let at_alice = SecurityCode::new(&a_id, b"Alice", &b_id, b"Bob").unwrap();
    let elapsed = micros(t);
    let at_bob = SecurityCode::new(&b_id, b"Bob", &a_id, b"Alice").unwrap();
    let digits = std::str::from_utf8(at_alice.digits()).unwrap();
    let groups: Vec<&str> = (0..12).map(|i| &digits[i * 5..i * 5 + 5]).collect();
    println!("    Alice's screen: {}", groups[..6].join(" "));
    println!("                    {}", groups[6..].join(" "));
    println!(
        "    (computed in {:.1} ms; Bob's screen shows the same: {})",
        elapsed / 1e3,
        at_alice.digits() == at_bob.digits()
    );
    let scan = at_alice.compare_scanned(&at_bob.scannable()).unwrap();
    println!(
        "    Alice scans Bob's QR payload ({} B): {scan:?}",
        at_bob.scannable().len()
    );
    assert_eq!(scan, ScanResult::Match);
    alice.trust.set_verified(b"Bob", &b_id, true).unwrap();
    println!(
        "    Alice marks Bob verified: {:?}",
        alice.trust.record(b"Bob").unwrap().verified
    );

    println!("\n13. Bob reinstalls the app: a new identity and a new bundle on the server.");
    drop(bob);
    let mut bob = Device::new(rng, "Bob", 5);
    server.publish(&bob);
    let status = alice.connect(rng, server, "Bob");
    println!("    Alice fetches Bob's new bundle: {status:?}");
    assert!(matches!(
        status,
        IdentityStatus::Changed { blocked: true, .. }
    ));
    let refused = alice
        .send_pairwise(rng, server, "Bob", net::TEXT, b"Are you still Bob?")
        .unwrap_err();
    println!("    Alice's app shows a notice; sending to the new identity is refused: {refused:?}");
    alice
        .trust
        .accept_change(b"Bob", &bob.identity.public_key().to_owned(), net::NOW)
        .unwrap();
    println!(
        "    Alice confirms with Bob and accepts the change; Bob is now unverified: verified = {}",
        alice.trust.record(b"Bob").unwrap().verified
    );
    alice.say(rng, server, "Bob", "Welcome back, Bob.");
    bob.receive_all(server);
    bob
}

/// Step 14: a live-location share over a lossy channel, and a late viewer.
fn live_location(
    rng: &mut Rng,
    server: &mut Server,
    alice: &mut Device,
    bob: &mut Device,
    carol: &mut Device,
) {
    println!(
        "\n14. Alice shares her live location with Bob for 15 minutes; most updates are lost on the way."
    );
    let bob_id = alice.peers["Bob"];
    let mut share = LocationShare::new(
        rng,
        LOCATION_CONTEXT,
        &[bob_id],
        NOW + 900,
        Precision::Exact,
    )
    .unwrap();
    alice
        .send_pairwise(rng, server, "Bob", LOCATION_KEY, &share.distribution())
        .unwrap();
    bob.receive_all(server);
    // Alice walks north-east; an update every quarter of a second.
    let fix = |i: u32| Location {
        latitude_e7: 515_007_286 + 90 * i as i32,
        longitude_e7: -1_246_361 + 140 * i as i32,
        accuracy_cm: 500,
        altitude_cm: Some(3_500),
        heading_centideg: Some(4_500),
        speed_cm_s: Some(140),
        timestamp_ms: NOW * 1000 + u64::from(i) * 250,
        sequence: i,
        precision: Precision::Exact,
    };
    let mut sent = Vec::new();
    let t = Instant::now();
    for i in 0..3000 {
        sent.push(share.encrypt(&fix(i), NOW).unwrap());
    }
    println!(
        "    Alice encrypted 3000 updates of {} B each ({:.1} µs per update)",
        sent[0].len(),
        micros(t) / 3000.0
    );
    let post = |server: &mut Server, to: &'static str, bytes: &[u8]| {
        server.post(
            to,
            Envelope {
                from: "Alice",
                kind: Kind::Location,
                bytes: bytes.to_vec(),
            },
        )
    };
    // Only a few reach Bob, the last of them after a gap of 2,000.
    for i in [0usize, 1, 7, 950, 2950, 2999] {
        post(server, "Bob", &sent[i]);
    }
    bob.receive_all(server);
    println!(
        "    an old update arriving late is dropped without decrypting: {:?}",
        bob.viewing
            .get_mut("Alice")
            .unwrap()
            .0
            .decrypt(&sent[2000], NOW)
            .unwrap_err()
    );

    println!(
        "\n15. Carol is added as a viewer later: she reads from then on, never Alice's earlier positions."
    );
    let carol_id = alice.peers["Carol"];
    let key = share.add_viewer(&carol_id).unwrap();
    alice
        .send_pairwise(rng, server, "Carol", LOCATION_KEY, &key)
        .unwrap();
    carol.receive_all(server);
    println!(
        "    Carol given an update from before she joined: {:?}",
        carol
            .viewing
            .get_mut("Alice")
            .unwrap()
            .0
            .decrypt(&sent[2999], NOW)
            .unwrap_err()
    );
    let next = share.encrypt(&fix(3000), NOW).unwrap();
    post(server, "Bob", &next);
    post(server, "Carol", &next);
    bob.receive_all(server);
    carol.receive_all(server);
    println!(
        "    after the end time, updates are refused: {:?}",
        share.encrypt(&fix(3001), NOW + 901).unwrap_err()
    );
}
