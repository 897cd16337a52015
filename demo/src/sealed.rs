//! Step 22: sealed sender. The service certifies Alice's identity for a
//! day; her message to Bob travels in an envelope the server routes
//! knowing only the recipient; Bob learns, and checks, that it is Alice.

use sotto::sealed_sender::{SenderCertificate, ServerCertificate};
use sotto::{Content, IdentityKeyPair};

use crate::net::{Device, NOW, Rng};

const NOW_MS: u64 = NOW * 1000 + 30 * 3_600_000;
const DAY_MS: u64 = 86_400_000;

pub(crate) fn sealed_sender(rng: &mut Rng, alice: &mut Device, bob: &mut Device) {
    println!(
        "\n22. Sealed sender: the server routes Alice's message knowing only that it is for Bob."
    );
    // The service's keys: a trust root the apps pin, and a signing key it certifies.
    let root = IdentityKeyPair::generate(rng);
    let server = IdentityKeyPair::generate(rng);
    let server_cert = ServerCertificate::issue(&root, 1, server.public_key());
    let certificate = SenderCertificate::issue(
        &server,
        &server_cert,
        b"Alice",
        &alice.public,
        0,
        NOW_MS + DAY_MS,
    )
    .unwrap();
    println!(
        "    the service gives Alice a certificate for a day ({} bytes: her id, identity and device, signed)",
        certificate.to_bytes().unwrap().len()
    );
    let sent = alice
        .db
        .send_sealed(
            rng,
            b"Bob",
            &Content::text("Only you know this is from me."),
            &certificate,
            NOW_MS,
        )
        .unwrap();
    alice.db.ack_outgoing(sent.outgoing.id).unwrap();
    let envelope = &sent.outgoing.message;
    let shows = |needle: &[u8]| envelope.windows(needle.len()).any(|w| w == needle);
    println!(
        "    the envelope ({} B) shows the server: Alice's identity {}, her id {}; it is addressed to Bob",
        envelope.len(),
        if shows(&alice.public.to_bytes()[..32]) {
            "yes"
        } else {
            "no"
        },
        if shows(b"Alice") { "yes" } else { "no" },
    );
    let other_root = IdentityKeyPair::generate(rng);
    println!(
        "    a certificate from a service Bob's app does not pin: {:?}",
        bob.db
            .receive_sealed(rng, other_root.public_key(), envelope, NOW_MS)
            .unwrap_err()
    );
    let got = bob
        .db
        .receive_sealed(rng, root.public_key(), envelope, NOW_MS)
        .unwrap();
    let text = match got.envelope.as_ref().map(|e| &e.content) {
        Some(Content::Text(t)) => t.to_string(),
        _ => String::new(),
    };
    println!(
        "    Bob opens it: {:?}, from {} (the identity he trusts for her: {})",
        text,
        String::from_utf8_lossy(&got.conversation),
        got.sender == Some(alice.public)
    );
    bob.db.ack_incoming(got.id).unwrap();
    println!(
        "    the same envelope again: {:?}; a day later: {:?}",
        bob.db
            .receive_sealed(rng, root.public_key(), envelope, NOW_MS)
            .unwrap_err(),
        bob.db
            .receive_sealed(rng, root.public_key(), envelope, NOW_MS + DAY_MS)
            .unwrap_err()
    );
}
