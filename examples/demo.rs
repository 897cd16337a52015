//! The SDK's main job, end to end: two devices that have never met set up an
//! end-to-end encrypted session through an untrusted server and talk, with
//! messages lost, delayed and reordered, and one device restarting from its
//! encrypted state in the middle of the conversation.
//!
//! Run: `cargo run --example demo`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::{
    Error, IdentityKeyPair, MessageKind, PrekeyBundle, PrekeyStore, Session, message_kind,
};

/// What the server sees: public bundles and opaque ciphertexts in mailboxes.
#[derive(Default)]
struct Server {
    bundles: HashMap<&'static str, (PrekeyBundle, VecDeque<sotto::OneTimePrekeyPublic>)>,
    mailboxes: HashMap<&'static str, VecDeque<Vec<u8>>>,
    relayed: usize,
}

impl Server {
    fn publish(&mut self, user: &'static str, identity: &IdentityKeyPair, store: &PrekeyStore) {
        let bundle = PrekeyBundle {
            identity: *identity.public_key(),
            signed_prekey: store.signed_prekey(),
            one_time_prekey: None,
        };
        self.bundles
            .insert(user, (bundle, store.one_time_prekeys().into()));
    }
    /// Hands out the bundle with one one-time prekey, deleting it.
    fn fetch(&mut self, user: &str) -> Vec<u8> {
        let (bundle, opks) = self.bundles.get_mut(user).expect("user has published");
        PrekeyBundle {
            one_time_prekey: opks.pop_front(),
            ..*bundle
        }
        .to_bytes()
    }
    fn post(&mut self, to: &'static str, msg: Vec<u8>) {
        self.relayed += msg.len();
        self.mailboxes.entry(to).or_default().push_back(msg);
    }
    fn take_all(&mut self, user: &str) -> Vec<Vec<u8>> {
        self.mailboxes
            .get_mut(user)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }
}

struct Device {
    name: &'static str,
    identity: IdentityKeyPair,
    store: PrekeyStore,
    session: Option<Session>,
}

const NOW: u64 = 1_800_000_000;

fn receive(d: &mut Device, wire: &[u8]) -> Result<(), Error> {
    let t = Instant::now();
    let kind = message_kind(wire)?;
    let text = match d.session.as_mut().map(|s| s.decrypt(wire)) {
        Some(Err(Error::SessionMismatch)) | None if kind == MessageKind::Prekey => {
            // The first message of a new session: X3DH as the responder.
            let accepted = d.store.accept(&d.identity, wire, NOW)?;
            d.session = Some(accepted.session);
            accepted.plaintext
        }
        Some(result) => result?,
        None => return Err(Error::SessionMismatch),
    };
    let text = String::from_utf8_lossy(&text);
    println!(
        "    {:<5} decrypted {:>4} B in {:>6.1} µs ({:?}): {text:?}",
        d.name,
        wire.len(),
        t.elapsed().as_secs_f64() * 1e6,
        kind
    );
    Ok(())
}

fn send(
    rng: &mut UnwrapErr<SysRng>,
    from: &mut Device,
    to: &'static str,
    server: &mut Server,
    text: &str,
) -> Vec<u8> {
    let t = Instant::now();
    let wire = from
        .session
        .as_mut()
        .unwrap()
        .encrypt(rng, text.as_bytes())
        .unwrap();
    println!(
        "    {:<5} encrypted {:>4} B in {:>6.1} µs: {text:?} ({} B of overhead)",
        from.name,
        wire.len(),
        t.elapsed().as_secs_f64() * 1e6,
        wire.len() - text.len()
    );
    server.post(to, wire.clone());
    wire
}

fn main() {
    let mut rng = UnwrapErr(SysRng);
    let mut server = Server::default();
    println!("sotto demo: an end-to-end encrypted conversation through an untrusted server\n");

    println!("1. Bob registers: identity, signed prekey and 20 one-time prekeys go to the server.");
    let t = Instant::now();
    let bob_id = IdentityKeyPair::generate(&mut rng);
    let mut bob_store = PrekeyStore::new(&mut rng, &bob_id, NOW);
    bob_store.generate_one_time_prekeys(&mut rng, 20).unwrap();
    server.publish("bob", &bob_id, &bob_store);
    println!(
        "    keys generated in {:.2} ms; the server holds only public keys\n",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mut bob = Device {
        name: "Bob",
        identity: bob_id,
        store: bob_store,
        session: None,
    };
    let alice_id = IdentityKeyPair::generate(&mut rng);
    let alice_store = PrekeyStore::new(&mut rng, &alice_id, NOW);
    let mut alice = Device {
        name: "Alice",
        identity: alice_id,
        store: alice_store,
        session: None,
    };

    println!("2. Alice fetches Bob's bundle, verifies its signature and starts a session (X3DH).");
    let bundle = PrekeyBundle::from_bytes(&server.fetch("bob")).unwrap();
    let t = Instant::now();
    alice.session = Some(Session::initiate(&mut rng, &alice.identity, &bundle).unwrap());
    println!(
        "    session set up in {:.0} µs, using one-time prekey {:?}\n",
        t.elapsed().as_secs_f64() * 1e6,
        bundle.one_time_prekey.map(|k| k.id)
    );

    println!("3. Alice sends three messages while Bob is offline; they carry the setup preamble.");
    for text in [
        "Hi Bob, it's Alice.",
        "Are we still on for Friday?",
        "Bring the maps.",
    ] {
        send(&mut rng, &mut alice, "bob", &mut server, text);
    }
    println!("\n4. Bob comes online. The server delivers them in reverse order.");
    let mut inbox = server.take_all("bob");
    inbox.reverse();
    for m in &inbox {
        receive(&mut bob, m).unwrap();
    }
    println!(
        "    Bob's one-time prekeys left: {} (the used one is deleted)",
        bob.store.one_time_prekey_count()
    );
    println!(
        "    a replay of the first message: {:?}\n",
        bob.session
            .as_mut()
            .unwrap()
            .decrypt(&inbox[2])
            .unwrap_err()
    );

    println!(
        "5. A back-and-forth with a DH ratchet step at every turn; one of Bob's messages is lost."
    );
    send(
        &mut rng,
        &mut bob,
        "alice",
        &mut server,
        "Friday works. 7pm?",
    );
    let lost = send(
        &mut rng,
        &mut bob,
        "alice",
        &mut server,
        "(this one gets lost for a while)",
    );
    send(
        &mut rng,
        &mut bob,
        "alice",
        &mut server,
        "I'll bring the maps.",
    );
    let mut inbox = server.take_all("alice");
    inbox.retain(|m| *m != lost);
    for m in &inbox {
        receive(&mut alice, m).unwrap();
    }
    send(&mut rng, &mut alice, "bob", &mut server, "7pm it is.");
    for m in server.take_all("bob") {
        receive(&mut bob, &m).unwrap();
    }

    println!(
        "\n6. Bob's phone restarts: his state is saved encrypted under a key from the platform keychain."
    );
    let mut storage_key = [0u8; 32];
    rand_core::Rng::fill_bytes(&mut rng, &mut storage_key);
    let t = Instant::now();
    let saved_identity = bob.identity.seal(&storage_key, &mut rng).unwrap();
    let saved_store = bob.store.seal(&storage_key, &mut rng).unwrap();
    let saved_session = bob
        .session
        .as_ref()
        .unwrap()
        .seal(&storage_key, &mut rng)
        .unwrap();
    println!(
        "    saved identity {} B, prekey store {} B, session {} B in {:.0} µs",
        saved_identity.len(),
        saved_store.len(),
        saved_session.len(),
        t.elapsed().as_secs_f64() * 1e6
    );
    drop(bob);
    let t = Instant::now();
    let mut bob = Device {
        name: "Bob",
        identity: IdentityKeyPair::open(&storage_key, &saved_identity).unwrap(),
        store: PrekeyStore::open(&storage_key, &saved_store).unwrap(),
        session: Some(Session::open(&storage_key, &saved_session).unwrap()),
    };
    println!(
        "    restored in {:.0} µs; a wrong key gives: {:?}",
        t.elapsed().as_secs_f64() * 1e6,
        Session::open(&[0u8; 32], &saved_session).unwrap_err()
    );
    send(
        &mut rng,
        &mut bob,
        "alice",
        &mut server,
        "Back online after a restart.",
    );
    for m in server.take_all("alice") {
        receive(&mut alice, &m).unwrap();
    }

    println!("\n7. The lost message finally arrives, late and out of order, and still decrypts.");
    receive(&mut alice, &lost).unwrap();

    println!(
        "\n8. An attacker on the server flips one bit of a message: it is rejected, and nothing changes."
    );
    let mut tampered = send(&mut rng, &mut alice, "bob", &mut server, "See you Friday.");
    let genuine = tampered.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let before = bob.session.as_ref().unwrap().to_bytes();
    println!(
        "    tampered copy: {:?}",
        bob.session
            .as_mut()
            .unwrap()
            .decrypt(&tampered)
            .unwrap_err()
    );
    assert_eq!(*before, *bob.session.as_ref().unwrap().to_bytes());
    receive(&mut bob, &genuine).unwrap();
    server.take_all("bob");

    println!(
        "\nDone: every message was read only by its recipient; the server relayed {} bytes of ciphertext it cannot read.",
        server.relayed
    );
}
