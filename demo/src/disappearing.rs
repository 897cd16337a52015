//! Steps 16 and 17: disappearing messages, and "download your data".

use sotto::Content;
use sotto::envelope::TIMER_24_HOURS;
use sotto_store::Conversation;

use crate::net::{Device, Kind, NOW, Rng, Server, clock};

const HOUR_MS: u64 = 3_600_000;

/// Alice turns on 24-hour messages with Bob; messages carry the timer and
/// expire at the same instant on both phones; time moves on and both
/// stores purge; a message that arrives too late is not shown.
pub(crate) fn disappearing(
    rng: &mut Rng,
    server: &mut Server,
    alice: &mut Device,
    bob: &mut Device,
) {
    let t0 = NOW * 1000;
    println!(
        "\n16. Alice turns on disappearing messages with Bob: 24 hours. The timer travels inside the encryption."
    );
    let change = alice
        .db
        .set_disappearing_timer(rng, Conversation::Contact(b"Bob"), TIMER_24_HOURS, t0)
        .unwrap();
    server.post(
        "Bob",
        crate::net::Envelope {
            from: "Alice",
            kind: Kind::Content,
            bytes: change.outgoing.message,
        },
    );
    alice.db.ack_outgoing(change.outgoing.id).unwrap();
    println!(
        "    Alice → Bob   timer change sent at {}",
        clock(change.sent_at_ms)
    );
    for e in server.take_all("Bob") {
        bob.receive_content(rng, &e, t0 + 500).unwrap();
    }
    let timer = bob
        .db
        .disappearing_timer(Conversation::Contact(b"Alice"))
        .unwrap();
    println!(
        "    Bob's store now holds the same setting: {} hours, set at {}",
        timer.duration_secs / 3600,
        clock(timer.set_at_ms)
    );

    alice.send_content(
        rng,
        server,
        "Bob",
        &Content::text("The door code is 4711."),
        t0 + 60_000,
    );
    let late = alice.send_content(
        rng,
        server,
        "Bob",
        &Content::text("(delayed by the network)"),
        t0 + 61_000,
    );
    let lost = alice.send_content(
        rng,
        server,
        "Bob",
        &Content::text("(lost for good)"),
        t0 + 62_000,
    );
    alice.send_content(
        rng,
        server,
        "Bob",
        &Content::text("See you at 7."),
        t0 + 63_000,
    );
    for e in server.take_all("Bob") {
        if e.bytes != late.bytes && e.bytes != lost.bytes {
            bob.receive_content(rng, &e, t0 + 70_000).unwrap();
        }
    }
    let next = bob.db.next_expiry().unwrap().unwrap();
    println!(
        "    Bob's store: next expiry {} (for the app's scheduler); kept: {} messages, and the keys of the 2 that have not arrived",
        clock(next),
        bob.db.pending_incoming().unwrap().len()
    );

    let later = t0 + 25 * HOUR_MS;
    println!("\n    25 hours later the delayed message reaches Bob:");
    bob.receive_content(rng, &late, later).unwrap();
    println!("    Both phones run their purge:");
    let purged = bob.db.purge_expired(rng, later).unwrap();
    println!(
        "    Bob:   {} messages and {} kept message key deleted, erased from the database file and its log",
        purged.messages, purged.kept_keys
    );
    let purged = alice.db.purge_expired(rng, later).unwrap();
    println!(
        "    Alice: {} messages deleted (hers were sent and acknowledged already)",
        purged.messages
    );
    println!(
        "    the lost message, delivered now: {:?} (its key is gone); Bob's inbox: {} messages; next expiry: {:?}",
        bob.db
            .receive(rng, b"Alice", &lost.bytes, later)
            .unwrap_err(),
        bob.db.pending_incoming().unwrap().len(),
        bob.db.next_expiry().unwrap()
    );
}

/// Alice downloads her account report.
pub(crate) fn account_report(alice: &Device) {
    println!(
        "\n17. Alice downloads her data: the account report (JSON; fingerprints, dates and counts, never a key or a message)."
    );
    let report = alice.db.account_report(NOW * 1000 + 25 * HOUR_MS).unwrap();
    for line in report.lines() {
        println!("    {line}");
    }
}
