//! Two devices that have never met: Bob registers, Alice starts a session
//! from his bundle, and they exchange messages through their stores.
use sotto::{Content, IdentityKeyPair, PrekeyBundle, PrekeyStore};
use sotto_store::Store;

fn main() -> Result<(), sotto_store::Error> {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng); // the OS random generator
    let now_ms: u64 = 1_800_000_000_000; // the app's clock, milliseconds since the epoch
    let now = now_ms / 1000; // seconds, for session setup
    let dir = std::env::temp_dir().join(format!("sotto-quickstart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|_| sotto_store::Error::StorageFailed)?;

    // Bob registers: an identity and prekeys, kept in his store (its key
    // comes from the platform keychain in a real app). The public bundle
    // goes to the server.
    let mut bob = Store::open(dir.join("bob.db"), &[2u8; 32], &mut rng)?;
    let bob_identity = IdentityKeyPair::generate(&mut rng);
    let mut bob_prekeys = PrekeyStore::new(&mut rng, &bob_identity, now);
    let one_time = bob_prekeys.generate_one_time_prekeys(&mut rng, 10)?;
    bob.set_device(&mut rng, &bob_identity, &bob_prekeys)?;
    let bundle = PrekeyBundle {
        identity: *bob_identity.public_key(),
        signed_prekey: bob_prekeys.signed_prekey(),
        one_time_prekey: one_time.first().copied(),
        pq_prekey: bob_prekeys.pq_prekey(), // post-quantum setup (PQXDH)
    }
    .to_bytes();

    // Alice registers too, fetches Bob's bundle and starts a session.
    let mut alice = Store::open(dir.join("alice.db"), &[1u8; 32], &mut rng)?;
    let alice_identity = IdentityKeyPair::generate(&mut rng);
    let alice_prekeys = PrekeyStore::new(&mut rng, &alice_identity, now);
    alice.set_device(&mut rng, &alice_identity, &alice_prekeys)?;
    alice.initiate(&mut rng, b"bob", &PrekeyBundle::from_bytes(&bundle)?, now)?;

    // Alice sends; the message is committed to her outbox before she gets it.
    let sent = alice.send(&mut rng, b"bob", &Content::text("Hi Bob"), now_ms)?;
    // ... the server delivers sent.outgoing.message to Bob ...
    alice.ack_outgoing(sent.outgoing.id)?;

    // Bob receives under the name the server gives; the store checks who
    // really sent it, and keeps the plaintext in his inbox until shown.
    let got = bob.receive(&mut rng, b"alice", &sent.outgoing.message, now_ms)?;
    if let Some(Content::Text(text)) = got.envelope.as_ref().map(|e| &e.content) {
        println!("Bob reads: {}", text.as_str());
    }
    bob.ack_incoming(got.id)?;

    // And replies.
    let reply = bob.send(
        &mut rng,
        b"alice",
        &Content::text("Hi Alice"),
        now_ms + 1000,
    )?;
    bob.ack_outgoing(reply.outgoing.id)?;
    let got = alice.receive(&mut rng, b"bob", &reply.outgoing.message, now_ms + 2000)?;
    if let Some(Content::Text(text)) = got.envelope.as_ref().map(|e| &e.content) {
        println!("Alice reads: {}", text.as_str());
    }
    alice.ack_incoming(got.id)?;

    drop((alice, bob));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
