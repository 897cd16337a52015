//! Attacks on disappearing messages and the account report, from a
//! security review: a member or the server trying to stretch, shorten or
//! freeze the timer, to keep a withheld message readable past its expiry,
//! or to break the report; hostile times and names.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::needless_range_loop
)]

use std::path::Path;

use sotto::envelope::TIMER_24_HOURS;
use sotto::{
    Content, DisappearingTimer, Envelope, Group, IdentityKeyPair, PrekeyBundle, PrekeyStore,
    Session,
};
use sotto_store::{Conversation, Error};

mod common;

use common::{DAY_MS, HOUR_MS, NOW_MS, device, group_of_three, in_files, pair, rng};

/// A member stamps its timer setting 23 hours ahead: it is not merged (more
/// than `MAX_TIMER_CLOCK_SKEW_MS` ahead), so honest members keep their
/// clocks and their messages expire when they should.
#[test]
fn a_member_cannot_push_everyones_messages_into_the_future() {
    let d = common::dir("timer-attacks", "future-timer");
    let mut r = rng();
    let (mut s, keys) = group_of_three(&d, &mut r);
    let club = Conversation::Group(b"club");
    let on = s[1]
        .set_disappearing_timer(&mut r, club, 60, NOW_MS)
        .unwrap();
    for i in [0, 2] {
        s[i].group_receive(&mut r, b"club", &keys[1], &on.outgoing.message, NOW_MS)
            .unwrap();
    }
    let ahead = NOW_MS + 23 * HOUR_MS;
    let env = Envelope {
        sent_at_ms: ahead,
        timer: DisappearingTimer::new(60, ahead).unwrap(),
        content: Content::text("hello"),
    };
    let evil = s[0]
        .group_encrypt(&mut r, b"club", &env.encode().unwrap())
        .unwrap();
    for i in 1..3 {
        s[i].group_receive(&mut r, b"club", &keys[0], &evil.message, NOW_MS + 1)
            .unwrap();
        assert_eq!(
            s[i].disappearing_timer(club).unwrap().set_at_ms,
            on.sent_at_ms
        );
    }
    let m = s[1]
        .group_send(&mut r, b"club", &Content::text("sensitive"), NOW_MS + 2)
        .unwrap();
    assert_eq!(m.sent_at_ms, NOW_MS + 2);
    assert_eq!(m.outgoing.expires_at_ms, Some(NOW_MS + 2 + 60_000));
    let got = s[2]
        .group_receive(&mut r, b"club", &keys[1], &m.outgoing.message, NOW_MS + 3)
        .unwrap();
    assert_eq!(got.expires_at_ms, Some(NOW_MS + 2 + 60_000));
    let p = s[2].purge_expired(&mut r, NOW_MS + HOUR_MS).unwrap();
    assert!(p.messages >= 2);
    // Only the forged message, whose own timer the sender chose, is left.
    assert_eq!(s[2].pending_incoming().unwrap().len(), 1);
}

/// A member's replaced sender key is forgotten once messages on it would
/// have expired: one the server withheld no longer opens.
#[test]
fn an_old_group_sender_key_goes_with_the_timer() {
    let d = common::dir("timer-attacks", "group-old-chain");
    let mut r = rng();
    let (mut s, keys) = group_of_three(&d, &mut r);
    let club = Conversation::Group(b"club");
    let on = s[0]
        .set_disappearing_timer(&mut r, club, TIMER_24_HOURS, NOW_MS)
        .unwrap();
    s[1].group_receive(&mut r, b"club", &keys[0], &on.outgoing.message, NOW_MS)
        .unwrap();
    // Member 0 sends on its first chain; the server withholds it.
    let withheld = s[0]
        .group_send(&mut r, b"club", &Content::text("old chain"), NOW_MS + 10)
        .unwrap();
    // Member 0 rotates; member 1 processes the new distribution.
    let mut g0: Group = s[0].load(b"club").unwrap();
    let dist = g0.rotate(&mut r);
    s[0].save(&mut r, b"club", &g0).unwrap();
    let mut g1: Group = s[1].load(b"club").unwrap();
    g1.process_distribution(&keys[0], &dist).unwrap();
    s[1].save(&mut r, b"club", &g1).unwrap();
    let next = s[0]
        .group_send(&mut r, b"club", &Content::text("new chain"), NOW_MS + 20)
        .unwrap();
    s[1].group_receive(
        &mut r,
        b"club",
        &keys[0],
        &next.outgoing.message,
        NOW_MS + 30,
    )
    .unwrap();
    // A week later, everything due is purged.
    let later = NOW_MS + 7 * DAY_MS;
    s[1].purge_expired(&mut r, later).unwrap();
    let res = s[1].group_receive(&mut r, b"club", &keys[0], &withheld.outgoing.message, later);
    assert!(
        matches!(res, Err(Error::Core(sotto::Error::UnknownSenderKey))),
        "{res:?}"
    );
}

/// An archived 1:1 session goes once messages on it would have expired.
#[test]
fn an_archived_session_goes_with_the_timer() {
    let d = common::dir("timer-attacks", "archived");
    let mut r = rng();
    let (mut alice, mut bob, bob_bundle) = pair(&d, &mut r);
    let on = alice
        .set_disappearing_timer(
            &mut r,
            Conversation::Contact(b"bob"),
            TIMER_24_HOURS,
            NOW_MS + 1,
        )
        .unwrap();
    bob.receive(&mut r, b"alice", &on.outgoing.message, NOW_MS + 1)
        .unwrap();
    let withheld = alice
        .send(&mut r, b"bob", &Content::text("withheld"), NOW_MS + 2)
        .unwrap();
    // Alice starts a new session (reinstall-free re-initiation); Bob
    // archives the old one.
    alice
        .initiate(&mut r, b"bob", &bob_bundle, NOW_MS / 1000)
        .unwrap();
    let fresh = alice
        .send(&mut r, b"bob", &Content::text("fresh"), NOW_MS + 3)
        .unwrap();
    bob.receive(&mut r, b"alice", &fresh.outgoing.message, NOW_MS + 4)
        .unwrap();
    let later = NOW_MS + 7 * DAY_MS;
    bob.purge_expired(&mut r, later).unwrap();
    let res = bob.receive(&mut r, b"alice", &withheld.outgoing.message, later);
    assert!(res.is_err(), "the archived session still opened it");
}

/// One receive with the device clock far ahead stamps kept keys with that
/// time; the next receive at a corrected clock re-stamps them, so they are
/// purged in time.
#[test]
fn a_clock_jump_does_not_pin_kept_keys() {
    let d = common::dir("timer-attacks", "clock-jump");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let on = alice
        .set_disappearing_timer(
            &mut r,
            Conversation::Contact(b"bob"),
            TIMER_24_HOURS,
            NOW_MS + 1,
        )
        .unwrap();
    bob.receive(&mut r, b"alice", &on.outgoing.message, NOW_MS + 1)
        .unwrap();
    let _lost = alice
        .send(&mut r, b"bob", &Content::text("lost"), NOW_MS + 2)
        .unwrap();
    let next = alice
        .send(&mut r, b"bob", &Content::text("next"), NOW_MS + 3)
        .unwrap();
    let wrong_clock = NOW_MS + 3650 * DAY_MS; // ten years ahead, once
    bob.receive(&mut r, b"alice", &next.outgoing.message, wrong_clock)
        .unwrap();
    let after = alice
        .send(&mut r, b"bob", &Content::text("after"), NOW_MS + 4)
        .unwrap();
    bob.receive(&mut r, b"alice", &after.outgoing.message, NOW_MS + 5)
        .unwrap();
    let p = bob.purge_expired(&mut r, NOW_MS + 2 * DAY_MS).unwrap();
    assert_eq!(p.kept_keys, 1);
}

/// Hostile times through the public API: no panic, sensible errors.
#[test]
fn hostile_times_do_not_panic() {
    let d = common::dir("timer-attacks", "times");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    for now in [0, 999, i64::MAX as u64, i64::MAX as u64 + 1, u64::MAX] {
        let sent = alice.send(&mut r, b"bob", &Content::text("t"), now);
        if let Ok(sent) = sent {
            let _ = bob.receive(&mut r, b"alice", &sent.outgoing.message, now);
        }
        let _ = bob.purge_expired(&mut r, now);
        let _ = bob.next_expiry();
        let report = bob.account_report(now).unwrap();
        let _: serde_json::Value = serde_json::from_str(&report).unwrap();
    }
    // Receiving at u64::MAX a message with a timer: stored? expired.
    let on = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), 1, NOW_MS + 5)
        .unwrap();
    let got = bob
        .receive(&mut r, b"alice", &on.outgoing.message, u64::MAX)
        .unwrap();
    assert!(got.expired);
    assert!(matches!(
        bob.purge_expired(&mut r, u64::MAX),
        Err(Error::Core(sotto::Error::LimitExceeded))
    ));
    let report = bob.account_report(u64::MAX).unwrap();
    assert!(report.contains("9999-12-31T23:59:59Z"));
}

/// The report with hostile contact names validates against the schema.
#[test]
fn hostile_names_keep_the_report_valid() {
    let d = common::dir("timer-attacks", "names");
    let mut r = rng();
    let (mut alice, _, _) = device(&d, "alice", &mut r);
    let names: Vec<Vec<u8>> = vec![
        b"\"}],\"x\":{\"".to_vec(),
        vec![0, 1, 2, 0x1f, b'\\', b'"'],
        vec![0xff, 0xfe, 0x80],
        "\u{2028}\u{2029}\u{feff}".as_bytes().to_vec(),
        vec![b'a'; 255],
        vec![0xc3; 255],
    ];
    for (i, n) in names.iter().enumerate() {
        let (_, bundle, _) = device(&d, &format!("c{i}"), &mut r);
        alice.initiate(&mut r, n, &bundle, NOW_MS / 1000).unwrap();
        alice
            .set_disappearing_timer(&mut r, Conversation::Contact(n), u32::MAX, NOW_MS)
            .unwrap();
    }
    let report = alice.account_report(NOW_MS).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&report).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/account-report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(doc["contacts"].as_array().unwrap().len(), names.len());
}

/// A version-4 sealed state relabelled 0x03 (or the reverse) does not open.
#[test]
fn sealed_state_version_cannot_be_relabelled() {
    let mut r = rng();
    let a = IdentityKeyPair::generate(&mut r);
    let b = IdentityKeyPair::generate(&mut r);
    let prekeys = PrekeyStore::new(&mut r, &b, 1);
    let bundle = PrekeyBundle {
        identity: *b.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    let s = Session::initiate(&mut r, &a, &bundle).unwrap();
    let key = [7u8; 32];
    let mut sealed = s.seal(&key, &mut r).unwrap();
    assert_eq!(sealed[0], 0x04);
    assert!(Session::open(&key, &sealed).is_ok());
    sealed[0] = 0x03;
    assert_eq!(
        Session::open(&key, &sealed).err(),
        Some(sotto::Error::AuthenticationFailed)
    );
}

/// A group member's content message whose envelope is malformed changes
/// nothing (claim, keys, timer), and the same message then decrypts
/// through the byte API.
#[test]
fn a_malformed_group_envelope_changes_nothing() {
    let d = common::dir("timer-attacks", "group-malformed");
    let mut r = rng();
    let (mut s, keys) = group_of_three(&d, &mut r);
    let club = Conversation::Group(b"club");
    let gen_before = s[1].generation().unwrap();
    let bad = s[0]
        .group_encrypt(&mut r, b"club", b"\x02\x09junk")
        .unwrap();
    assert!(
        s[1].group_receive(&mut r, b"club", &keys[0], &bad.message, NOW_MS)
            .is_err()
    );
    assert_eq!(s[1].generation().unwrap(), gen_before);
    assert_eq!(
        s[1].disappearing_timer(club).unwrap(),
        DisappearingTimer::OFF
    );
    s[1].group_decrypt(&mut r, b"club", &keys[0], &bad.message)
        .unwrap();
}

fn session_row(path: &Path) -> Vec<u8> {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT state FROM objects WHERE kind = 4", [], |r| r.get(0))
        .unwrap()
}

/// A message that arrives expired has no inbox entry to acknowledge: the
/// state that opened it is erased from the files at once.
#[test]
fn an_expired_arrival_erases_the_state_that_opens_it() {
    let d = common::dir("timer-attacks", "expired-residue");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let on = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), 60, NOW_MS + 1)
        .unwrap();
    let got = bob
        .receive(&mut r, b"alice", &on.outgoing.message, NOW_MS + 1)
        .unwrap();
    bob.ack_incoming(got.id).unwrap();
    let m = alice
        .send(&mut r, b"bob", &Content::text("late"), NOW_MS + 2)
        .unwrap();
    let path = d.join("bob.db");
    let before = session_row(&path);
    let got = bob
        .receive(&mut r, b"alice", &m.outgoing.message, NOW_MS + DAY_MS)
        .unwrap();
    assert!(got.expired && got.id == 0);
    assert!(
        !in_files(&path, &before),
        "the superseded state is still in the files"
    );
}

/// A session the app saved itself, under a name the store has no record
/// for, is counted in the report (its name is not stored, only its hash).
#[test]
fn the_report_counts_a_saved_session_without_trust_or_conversation() {
    let d = common::dir("timer-attacks", "report-omits");
    let mut r = rng();
    let (mut alice, _, alice_id) = device(&d, "alice", &mut r);
    let (_, bundle, _) = device(&d, "dave", &mut r);
    let s = Session::initiate(&mut r, &alice_id, &bundle).unwrap();
    alice.save(&mut r, b"dave", &s).unwrap();
    let report = alice.account_report(NOW_MS).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(doc["contacts"].as_array().unwrap().len(), 0);
    assert_eq!(doc["sessions_without_contact_record"], 1);
}

/// Deleting a group deletes its conversation row (group id, timer, first
/// use) too.
#[test]
fn deleting_a_group_deletes_its_conversation_row() {
    let d = common::dir("timer-attacks", "delete-group");
    let mut r = rng();
    let (mut s, _) = group_of_three(&d, &mut r);
    s[0].set_disappearing_timer(&mut r, Conversation::Group(b"club"), 60, NOW_MS)
        .unwrap();
    s[0].delete::<Group>(b"club").unwrap();
    let n: i64 = rusqlite::Connection::open(d.join("0.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM objects WHERE kind = 12", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 0, "the group's conversation row is still there");
    assert_eq!(
        s[0].disappearing_timer(Conversation::Group(b"club"))
            .unwrap()
            .duration_secs,
        0
    );
    let doc: serde_json::Value =
        serde_json::from_str(&s[0].account_report(NOW_MS).unwrap()).unwrap();
    assert_eq!(doc["groups"].as_array().unwrap().len(), 0);
}

/// Under Block, a prekey message of another identity filed under a known
/// contact's name commits only a pending change: the contact's timer is not
/// touched. Under Warn it is accepted and its timer merged.
#[test]
fn refiled_prekey_message_and_the_timer() {
    let d = common::dir("timer-attacks", "refile");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let (mut mallory, _, _) = device(&d, "mallory", &mut r);
    // Bob's bundle again, for Mallory.
    let bob_id = bob.device_identity().unwrap();
    let bob_pk = bob.device_prekeys().unwrap();
    let bundle = PrekeyBundle {
        identity: *bob_id.public_key(),
        signed_prekey: bob_pk.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    mallory
        .initiate(&mut r, b"bob", &bundle, NOW_MS / 1000)
        .unwrap();
    let evil = mallory
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), 5, NOW_MS + 10)
        .unwrap();
    // The server files Mallory's message under "alice".
    let res = bob.receive(&mut r, b"alice", &evil.outgoing.message, NOW_MS + 20);
    assert!(matches!(
        res,
        Err(Error::Core(sotto::Error::IdentityChanged))
    ));
    assert_eq!(
        bob.disappearing_timer(Conversation::Contact(b"alice"))
            .unwrap()
            .duration_secs,
        0
    );
    bob.set_trust_policy(&mut r, sotto::TrustPolicy::Warn)
        .unwrap();
    let got = bob
        .receive(&mut r, b"alice", &evil.outgoing.message, NOW_MS + 30)
        .unwrap();
    assert!(got.identity_change.is_some());
    assert_eq!(
        bob.disappearing_timer(Conversation::Contact(b"alice"))
            .unwrap()
            .duration_secs,
        5
    );
    let _ = &mut alice;
}

/// The server drops Alice's 5-minute timer change to Bob; Bob's replies,
/// sent under no timer, still expire at Alice after 5 minutes: her
/// conversation's newer setting applies.
#[test]
fn a_suppressed_timer_change_does_not_make_replies_permanent() {
    let d = common::dir("timer-attacks", "suppressed-change");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let _dropped = alice
        .set_disappearing_timer(&mut r, Conversation::Contact(b"bob"), 300, NOW_MS + 1)
        .unwrap();
    let reply = bob
        .send(&mut r, b"alice", &Content::text("my secret"), NOW_MS + 2)
        .unwrap();
    let got = alice
        .receive(&mut r, b"bob", &reply.outgoing.message, NOW_MS + 3)
        .unwrap();
    assert_eq!(
        alice
            .disappearing_timer(Conversation::Contact(b"bob"))
            .unwrap()
            .duration_secs,
        300
    );
    assert_eq!(got.expires_at_ms, Some(NOW_MS + 2 + 300_000));
    alice.purge_expired(&mut r, NOW_MS + DAY_MS).unwrap();
    assert_eq!(alice.pending_incoming().unwrap().len(), 0);
}

/// Bob shortened the timer to 1 h; Alice, not yet aware, sends under 7
/// days. At Bob, her messages expire after the hour (his newer setting),
/// and so do the keys kept for those still on their way.
#[test]
fn the_receivers_newer_shorter_timer_applies() {
    let d = common::dir("timer-attacks", "shortened");
    let mut r = rng();
    let (mut alice, mut bob, _) = pair(&d, &mut r);
    let week = alice
        .set_disappearing_timer(
            &mut r,
            Conversation::Contact(b"bob"),
            7 * 86_400,
            NOW_MS + 1,
        )
        .unwrap();
    bob.receive(&mut r, b"alice", &week.outgoing.message, NOW_MS + 1)
        .unwrap();
    let _hour = bob
        .set_disappearing_timer(&mut r, Conversation::Contact(b"alice"), 3600, NOW_MS + 2)
        .unwrap(); // not yet delivered to Alice
    let delayed = alice
        .send(&mut r, b"bob", &Content::text("delayed"), NOW_MS + 3)
        .unwrap();
    let next = alice
        .send(&mut r, b"bob", &Content::text("next"), NOW_MS + 4)
        .unwrap();
    let got = bob
        .receive(&mut r, b"alice", &next.outgoing.message, NOW_MS + 5)
        .unwrap();
    assert_eq!(got.expires_at_ms, Some(NOW_MS + 4 + HOUR_MS));
    bob.purge_expired(&mut r, NOW_MS + 2 * HOUR_MS).unwrap();
    assert!(matches!(
        bob.receive(
            &mut r,
            b"alice",
            &delayed.outgoing.message,
            NOW_MS + 2 * HOUR_MS
        ),
        Err(Error::Core(sotto::Error::Duplicate))
    ));
}
