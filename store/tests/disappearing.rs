//! Disappearing messages through the store: the timer travels in every
//! envelope, both sides compute the same expiry, expired entries are purged
//! from the database and its log, and a message that arrives expired
//! advances the session without being kept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::Path;

use sotto::Content;
use sotto::envelope::{TIMER_7_DAYS, TIMER_24_HOURS};
use sotto_store::{Conversation, Error, Store};

mod common;

use common::{DAY_MS, NOW_MS, group_of_three, in_files, pair, rng};

fn sealed_entries(path: &Path, table: &str) -> Vec<Vec<u8>> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c.prepare(&format!("SELECT sealed FROM {table}")).unwrap();
    s.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_timer_change_reaches_the_peer_and_both_compute_the_same_expiry() {
    let d = common::dir("disappearing", "change");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let t0 = NOW_MS + 1000;
    let change = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), TIMER_24_HOURS, t0)
        .unwrap();
    assert_eq!(
        change.outgoing.expires_at_ms,
        Some(change.sent_at_ms + DAY_MS)
    );
    let timer = alice
        .disappearing_timer(Conversation::Contact(b"bob"))
        .unwrap();
    assert_eq!(
        (timer.duration_secs, timer.set_at_ms),
        (TIMER_24_HOURS, change.sent_at_ms)
    );

    let got = bob
        .receive(&mut r, b"alice", &change.outgoing.message, t0 + 5)
        .unwrap();
    assert!(matches!(
        got.envelope.as_ref().unwrap().content,
        Content::TimerChange(TIMER_24_HOURS)
    ));
    assert_eq!(got.expires_at_ms, change.outgoing.expires_at_ms);
    assert_eq!(
        bob.disappearing_timer(Conversation::Contact(b"alice"))
            .unwrap(),
        timer
    );

    // Bob's next message carries the setting; its expiry is the same on both sides.
    let m = bob
        .send(&mut r, b"alice", &Content::text("ok"), t0 + 10)
        .unwrap();
    let seen = alice
        .receive(&mut r, b"bob", &m.outgoing.message, t0 + 20)
        .unwrap();
    assert_eq!(m.outgoing.expires_at_ms, Some(t0 + 10 + DAY_MS));
    assert_eq!(seen.expires_at_ms, m.outgoing.expires_at_ms);
    assert_eq!(alice.next_expiry().unwrap(), change.outgoing.expires_at_ms);
    // And after the app restarts, the inbox says the same.
    let pending = alice.pending_incoming().unwrap();
    assert_eq!(pending.last().unwrap().expires_at_ms, seen.expires_at_ms);
    assert!(matches!(
        pending.last().unwrap().envelope.as_ref().unwrap().content,
        Content::Text(_)
    ));
}

#[test]
fn purged_entries_leave_the_database_and_its_log() {
    let d = common::dir("disappearing", "purge");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let t0 = NOW_MS + 1000;
    let change = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), TIMER_24_HOURS, t0)
        .unwrap();
    bob.receive(&mut r, b"alice", &change.outgoing.message, t0)
        .unwrap();
    let mut kept = Vec::new();
    for i in 0..5 {
        let m = alice
            .send(&mut r, b"bob", &Content::text("vanishing"), t0 + i)
            .unwrap();
        bob.receive(&mut r, b"alice", &m.outgoing.message, t0 + i)
            .unwrap();
        kept.push(m.outgoing.expires_at_ms.unwrap());
    }
    // A message without a timer in another conversation stays.
    let bob_path = d.join("bob.db");
    let alice_path = d.join("alice.db");
    let inbox = sealed_entries(&bob_path, "inbox");
    let outbox = sealed_entries(&alice_path, "outbox");
    assert_eq!((inbox.len(), outbox.len()), (6, 6));

    assert_eq!(
        bob.purge_expired(&mut r, t0 + DAY_MS - 1).unwrap().messages,
        0
    );
    assert_eq!(
        bob.next_expiry().unwrap(),
        Some(change.outgoing.expires_at_ms.unwrap())
    );
    assert_eq!(
        bob.purge_expired(&mut r, t0 + DAY_MS + 2).unwrap().messages,
        4
    );
    assert_eq!(bob.pending_incoming().unwrap().len(), 2);
    assert_eq!(
        bob.purge_expired(&mut r, t0 + 2 * DAY_MS).unwrap().messages,
        2
    );
    assert_eq!(bob.next_expiry().unwrap(), None);
    assert_eq!(
        alice
            .purge_expired(&mut r, t0 + 2 * DAY_MS)
            .unwrap()
            .messages,
        6
    );
    for sealed in &inbox {
        assert!(
            !in_files(&bob_path, sealed),
            "purged inbox entry still in the files"
        );
    }
    for sealed in &outbox {
        assert!(
            !in_files(&alice_path, sealed),
            "purged outbox entry still in the files"
        );
    }
    drop((alice, bob));
    for sealed in inbox.iter().chain(&outbox) {
        assert!(!in_files(&bob_path, sealed) && !in_files(&alice_path, sealed));
    }
}

#[test]
fn a_message_that_arrives_expired_advances_the_session_and_is_not_kept() {
    let d = common::dir("disappearing", "late");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let t0 = NOW_MS + 1000;
    let change = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), TIMER_24_HOURS, t0)
        .unwrap();
    let late = alice
        .send(&mut r, b"bob", &Content::text("old news"), t0 + 1)
        .unwrap();
    let later = alice
        .send(&mut r, b"bob", &Content::text("newer"), t0 + 2)
        .unwrap();
    let arrival = t0 + 2 * DAY_MS;
    let got = bob
        .receive(&mut r, b"alice", &late.outgoing.message, arrival)
        .unwrap();
    assert!(got.expired);
    assert_eq!(got.id, 0);
    assert!(got.envelope.is_none() && got.plaintext.is_empty());
    assert!(bob.pending_incoming().unwrap().is_empty());
    // Its key is used up: a redelivery is a duplicate, the next one decrypts.
    assert!(matches!(
        bob.receive(&mut r, b"alice", &late.outgoing.message, arrival),
        Err(Error::Core(sotto::Error::Duplicate))
    ));
    let got = bob
        .receive(&mut r, b"alice", &later.outgoing.message, arrival)
        .unwrap();
    assert!(got.expired);
    // The change that came last is still applied (its timer, not its text).
    bob.receive(&mut r, b"alice", &change.outgoing.message, arrival)
        .unwrap();
    assert_eq!(
        bob.disappearing_timer(Conversation::Contact(b"alice"))
            .unwrap()
            .duration_secs,
        TIMER_24_HOURS
    );
}

#[test]
fn plain_bytes_are_not_an_envelope_and_change_nothing() {
    let d = common::dir("disappearing", "bytes");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let out = alice.encrypt(&mut r, b"bob", b"raw app bytes").unwrap();
    let generation = bob.generation().unwrap();
    assert!(matches!(
        bob.receive(&mut r, b"alice", &out.message, NOW_MS),
        Err(Error::Core(
            sotto::Error::Malformed | sotto::Error::UnsupportedVersion
        ))
    ));
    assert_eq!(bob.generation().unwrap(), generation);
    // The byte API still reads it: nothing was consumed.
    let got = bob
        .decrypt(&mut r, b"alice", &out.message, NOW_MS / 1000)
        .unwrap();
    assert_eq!(&got.plaintext[..], b"raw app bytes");
    assert!(got.envelope.is_none() && got.expires_at_ms.is_none());
}

#[test]
fn group_members_converge_on_the_latest_change() {
    let d = common::dir("disappearing", "group");
    let mut r = rng();
    let (mut stores, keys) = group_of_three(&d, &mut r);
    let club = Conversation::Group(b"club");
    // Two members change the timer at the same millisecond; 2 misses both.
    let a = stores[0]
        .set_disappearing_timer(&mut r, club, TIMER_7_DAYS, NOW_MS)
        .unwrap();
    let b = stores[1]
        .set_disappearing_timer(&mut r, club, TIMER_24_HOURS, NOW_MS)
        .unwrap();
    stores[0]
        .group_receive(&mut r, b"club", &keys[1], &b.outgoing.message, NOW_MS)
        .unwrap();
    stores[1]
        .group_receive(&mut r, b"club", &keys[0], &a.outgoing.message, NOW_MS)
        .unwrap();
    // The shorter timer wins the tie, on both.
    for s in &stores[..2] {
        assert_eq!(
            s.disappearing_timer(club).unwrap().duration_secs,
            TIMER_24_HOURS
        );
    }
    assert_eq!(stores[2].disappearing_timer(club).unwrap().duration_secs, 0);
    // Member 2 catches up from the next ordinary message.
    let m = stores[0]
        .group_send(&mut r, b"club", &Content::text("hi"), NOW_MS + 5)
        .unwrap();
    let got = stores[2]
        .group_receive(&mut r, b"club", &keys[0], &m.outgoing.message, NOW_MS + 6)
        .unwrap();
    assert_eq!(got.expires_at_ms, Some(NOW_MS + 5 + DAY_MS));
    assert_eq!(
        stores[2].disappearing_timer(club).unwrap(),
        stores[0].disappearing_timer(club).unwrap()
    );
}

#[test]
fn a_format_2_store_is_upgraded_in_place() {
    let d = common::dir("disappearing", "upgrade");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let out = alice
        .encrypt(&mut r, b"bob", b"before the upgrade")
        .unwrap();
    bob.decrypt(&mut r, b"alice", &out.message, NOW_MS / 1000)
        .unwrap();
    drop(bob);
    {
        let c = rusqlite::Connection::open(d.join("bob.db")).unwrap();
        c.execute_batch(
            "DROP INDEX inbox_expiry; DROP INDEX outbox_expiry; DROP TABLE due;
             ALTER TABLE inbox DROP COLUMN expires_at; ALTER TABLE inbox DROP COLUMN envelope;
             ALTER TABLE outbox DROP COLUMN expires_at; ALTER TABLE outbox DROP COLUMN envelope;
             UPDATE meta SET value = 2 WHERE name = 'format';",
        )
        .unwrap();
    }
    let mut bob = Store::open(d.join("bob.db"), &[3u8; 32], &mut r).unwrap();
    let pending = bob.pending_incoming().unwrap();
    assert_eq!(&pending[0].plaintext[..], b"before the upgrade");
    let m = alice
        .send(&mut r, b"bob", &Content::text("after"), NOW_MS)
        .unwrap();
    bob.receive(&mut r, b"alice", &m.outgoing.message, NOW_MS)
        .unwrap();
    // A newer format is refused, not guessed at.
    drop(bob);
    rusqlite::Connection::open(d.join("bob.db"))
        .unwrap()
        .execute("UPDATE meta SET value = 4 WHERE name = 'format'", [])
        .unwrap();
    assert!(matches!(
        Store::open(d.join("bob.db"), &[3u8; 32], &mut r),
        Err(Error::Core(sotto::Error::UnsupportedVersion))
    ));
}

#[test]
fn keys_kept_for_missing_messages_are_deleted_when_those_messages_would_have_expired() {
    let d = common::dir("disappearing", "kept-keys");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let t0 = NOW_MS + 1000;
    let change = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), TIMER_24_HOURS, t0)
        .unwrap();
    bob.receive(&mut r, b"alice", &change.outgoing.message, t0)
        .unwrap();
    let lost: Vec<_> = (0..3)
        .map(|i| {
            alice
                .send(&mut r, b"bob", &Content::text("lost"), t0 + i)
                .unwrap()
        })
        .collect();
    let arrived = alice
        .send(&mut r, b"bob", &Content::text("here"), t0 + 10)
        .unwrap();
    let got = bob
        .receive(&mut r, b"alice", &arrived.outgoing.message, t0 + 20)
        .unwrap();
    bob.ack_incoming(got.id).unwrap();
    let path = d.join("bob.db");
    let state: Vec<u8> = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT state FROM objects WHERE kind = 4", [], |r| r.get(0))
        .unwrap();
    // The keys are due a day after they were kept (to the second), rounded
    // up to the minute.
    let due = ((t0 + 20) / 1000 * 1000 + DAY_MS).div_ceil(60_000) * 60_000;
    let first_entry = bob.next_expiry().unwrap().unwrap();
    assert!(first_entry <= due);
    bob.ack_incoming(bob.pending_incoming().unwrap()[0].id)
        .unwrap();
    assert_eq!(bob.next_expiry().unwrap(), Some(due));
    // A late message still opens before then.
    bob.receive(&mut r, b"alice", &lost[0].outgoing.message, t0 + 30)
        .unwrap();
    let purged = bob.purge_expired(&mut r, due - 1).unwrap();
    assert_eq!(purged.kept_keys, 0);
    let purged = bob.purge_expired(&mut r, due).unwrap();
    assert_eq!(purged.kept_keys, 2);
    assert_eq!(bob.next_expiry().unwrap(), None);
    for m in &lost[1..] {
        assert!(matches!(
            bob.receive(&mut r, b"alice", &m.outgoing.message, due),
            Err(Error::Core(sotto::Error::Duplicate))
        ));
    }
    assert!(
        !in_files(&path, &state),
        "the state holding the keys is still in the files"
    );
}

#[test]
fn turning_the_timer_off_keeps_the_kept_keys() {
    let d = common::dir("disappearing", "off");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let t0 = NOW_MS + 1000;
    let on = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), TIMER_24_HOURS, t0)
        .unwrap();
    bob.receive(&mut r, b"alice", &on.outgoing.message, t0)
        .unwrap();
    let lost = alice
        .send(&mut r, b"bob", &Content::text("late"), t0 + 1)
        .unwrap();
    let next = alice
        .send(&mut r, b"bob", &Content::text("next"), t0 + 2)
        .unwrap();
    bob.receive(&mut r, b"alice", &next.outgoing.message, t0 + 3)
        .unwrap();
    // Bob turns the timer off before the keys fall due.
    let off = bob
        .set_disappearing_timer(&mut r, Conversation::Contact(b"alice"), 0, t0 + 10)
        .unwrap();
    let _ = off;
    let purged = bob.purge_expired(&mut r, t0 + 2 * DAY_MS).unwrap();
    assert_eq!(purged.kept_keys, 0);
    // The late message still opens; it expired under its own timer, so it is not shown.
    let got = bob
        .receive(&mut r, b"alice", &lost.outgoing.message, t0 + 2 * DAY_MS)
        .unwrap();
    assert!(got.expired);
}
