//! Adversarial tests of the store's backup and restore: replays after a
//! restore, stores that are not empty, crafted states. A failing test marks
//! a finding.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::panic,
    missing_docs
)]

mod common;

use common::{NOW_MS, Rng, device, dir, pair, rng};
use sotto::backup::{BackupKey, BackupSecret};
use sotto::{Content, IdentityKeyPair, PrekeyStore};
use sotto_store::{Error, Store};

const NOW: u64 = NOW_MS / 1000;

fn backup_of(s: &Store, r: &mut Rng, key: &BackupKey) -> Vec<u8> {
    let mut out = Vec::new();
    s.backup(r, BackupSecret::Key(key), &mut &b""[..], &mut out)
        .unwrap();
    out
}

/// Alice backs up. Later Bob starts a session from her published bundle
/// (a bundle without a one-time prekey: the server ran out, or a malicious
/// server handed one out without it) and sends a message, which Alice
/// reads. Alice loses her phone and restores the backup. The server now
/// replays Bob's first message: the restored prekey store keeps the
/// backed-up signed prekey as "previous" for 30 days, and its list of
/// accepted base keys is the one from before Bob's message, so the old
/// message is accepted a second time.
#[test]
fn a_prekey_message_accepted_after_the_backup_is_not_accepted_again_after_restore() {
    let r = &mut rng();
    let d = dir("attack-backup", "replay");
    let (alice, alice_bundle, _) = device(&d, "alice", r);
    let key = BackupKey::generate(r);
    let backup = backup_of(&alice, r, &key);

    let (mut bob, _, _) = device(&d, "bob", r);
    let mut alice = alice;
    bob.initiate(r, b"alice", &alice_bundle, NOW).unwrap();
    let first = bob
        .send(
            r,
            b"alice",
            &Content::text("pay Mallory 100"),
            NOW_MS + 1000,
        )
        .unwrap();
    let got = alice
        .receive(r, b"bob", &first.outgoing.message, NOW_MS + 1000)
        .unwrap();
    assert_eq!(
        got.envelope.unwrap().content,
        Content::text("pay Mallory 100")
    );
    alice.ack_incoming(got.id).unwrap();
    // Before the restore, a replay is refused.
    assert!(
        alice
            .receive(r, b"bob", &first.outgoing.message, NOW_MS + 2000)
            .is_err()
    );
    drop(alice);

    let mut restored = Store::open(d.join("alice-new.db"), &[9u8; 32], r).unwrap();
    let mut export = Vec::new();
    restored
        .restore(
            r,
            BackupSecret::Key(&key),
            &mut &backup[..],
            &mut export,
            NOW + 3600,
        )
        .unwrap();
    let replay = restored.receive(r, b"bob", &first.outgoing.message, NOW_MS + 3_600_000);
    if let Ok(got) = &replay {
        panic!(
            "an old message was accepted again after the restore: {:?}",
            got.envelope.as_ref().map(|e| &e.content)
        );
    }
}

/// The same replay of a message accepted *before* the backup is refused:
/// its base key is in the backed-up list.
#[test]
fn a_prekey_message_accepted_before_the_backup_stays_refused() {
    let r = &mut rng();
    let d = dir("attack-backup", "replay-before");
    let (alice, alice_bundle, _) = device(&d, "alice", r);
    let (mut bob, _, _) = device(&d, "bob", r);
    let mut alice = alice;
    bob.initiate(r, b"alice", &alice_bundle, NOW).unwrap();
    let first = bob
        .send(r, b"alice", &Content::text("old"), NOW_MS + 1000)
        .unwrap();
    let got = alice
        .receive(r, b"bob", &first.outgoing.message, NOW_MS + 1000)
        .unwrap();
    alice.ack_incoming(got.id).unwrap();
    let key = BackupKey::generate(r);
    let backup = backup_of(&alice, r, &key);
    let mut restored = Store::open(d.join("alice-new.db"), &[9u8; 32], r).unwrap();
    restored
        .restore(
            r,
            BackupSecret::Key(&key),
            &mut &backup[..],
            &mut Vec::new(),
            NOW + 3600,
        )
        .unwrap();
    assert!(
        restored
            .receive(r, b"bob", &first.outgoing.message, NOW_MS + 3_600_000)
            .is_err()
    );
}

/// A one-time prekey used after the backup is not usable after the
/// restore (every one-time prekey is dropped).
#[test]
fn a_one_time_prekey_is_not_reused_after_restore() {
    let r = &mut rng();
    let d = dir("attack-backup", "otpk");
    let mut alice = Store::open(d.join("alice.db"), &[3u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let mut prekeys = PrekeyStore::new(r, &id, NOW);
    let otpks = prekeys.generate_one_time_prekeys(r, 3).unwrap();
    alice.set_device(r, &id, &prekeys).unwrap();
    let bundle = sotto::PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: Some(otpks[0]),
        pq_prekey: None,
    };
    let key = BackupKey::generate(r);
    let backup = backup_of(&alice, r, &key);
    let (mut bob, _, _) = device(&d, "bob", r);
    bob.initiate(r, b"alice", &bundle, NOW).unwrap();
    let first = bob
        .send(r, b"alice", &Content::text("x"), NOW_MS + 1000)
        .unwrap();
    let got = alice
        .receive(r, b"bob", &first.outgoing.message, NOW_MS + 1000)
        .unwrap();
    alice.ack_incoming(got.id).unwrap();
    let mut restored = Store::open(d.join("alice-new.db"), &[9u8; 32], r).unwrap();
    restored
        .restore(
            r,
            BackupSecret::Key(&key),
            &mut &backup[..],
            &mut Vec::new(),
            NOW + 60,
        )
        .unwrap();
    assert_eq!(
        restored.device_prekeys().unwrap().one_time_prekey_count(),
        0
    );
    assert!(
        restored
            .receive(r, b"bob", &first.outgoing.message, NOW_MS + 60_000)
            .is_err()
    );
}

/// A store that is in use (identity set, sessions) is never overwritten,
/// whether it is checked through `restore` or `restore_state`; neither is
/// a store holding only one contact's trust record.
#[test]
fn restore_into_a_store_with_anything_in_it_is_refused() {
    let r = &mut rng();
    let d = dir("attack-backup", "not-empty");
    let (alice, mut bob, bob_bundle) = pair(&d, r);
    let key = BackupKey::generate(r);
    let backup = backup_of(&alice, r, &key);
    let state = alice.backup_state().unwrap();
    // A store with only a trust record (no identity).
    let mut s = Store::open(d.join("trust-only.db"), &[5u8; 32], r).unwrap();
    // set_verified may need a record first: either outcome is fine here.
    let _ = s.set_verified(r, b"carol", &bob_bundle.identity, true);
    let before = s.trust_record(b"carol").unwrap();
    if before.is_some() {
        assert_eq!(
            s.restore(
                r,
                BackupSecret::Key(&key),
                &mut &backup[..],
                &mut Vec::new(),
                NOW
            )
            .unwrap_err(),
            Error::NotEmpty
        );
        assert_eq!(
            s.restore_state(r, &state, NOW).unwrap_err(),
            Error::NotEmpty
        );
    }
    assert_eq!(
        bob.restore(
            r,
            BackupSecret::Key(&key),
            &mut &backup[..],
            &mut Vec::new(),
            NOW
        )
        .unwrap_err(),
        Error::NotEmpty
    );
    let _ = &mut bob;
}

/// A restore that fails halfway (a cut backup, a damaged chunk, a bad
/// state) leaves the new store empty: nothing is half-written.
#[test]
fn a_failed_restore_writes_nothing() {
    let r = &mut rng();
    let d = dir("attack-backup", "half");
    let (alice, _bob, _) = pair(&d, r);
    let key = BackupKey::generate(r);
    let export: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
    let mut backup = Vec::new();
    alice
        .backup(r, BackupSecret::Key(&key), &mut &export[..], &mut backup)
        .unwrap();
    let mut fresh = Store::open(d.join("fresh.db"), &[6u8; 32], r).unwrap();
    for at in [backup.len() - 1, backup.len() / 2, 100] {
        let mut v = backup.clone();
        v[at] ^= 1;
        assert!(
            fresh
                .restore(
                    r,
                    BackupSecret::Key(&key),
                    &mut &v[..],
                    &mut Vec::new(),
                    NOW
                )
                .is_err()
        );
        assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
        assert_eq!(fresh.trust_record(b"bob").unwrap(), None);
    }
    // A reader that fails with an I/O error midway.
    struct Failing<'a>(&'a [u8], usize);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1 == 0 {
                return Err(std::io::Error::other("disk"));
            }
            let n = buf.len().min(self.0.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 -= n;
            Ok(n)
        }
    }
    assert_eq!(
        fresh
            .restore(
                r,
                BackupSecret::Key(&key),
                &mut Failing(&backup, 70_000),
                &mut Vec::new(),
                NOW
            )
            .unwrap_err(),
        Error::StorageFailed
    );
    assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
    // Finally the real one.
    let mut got = Vec::new();
    fresh
        .restore(r, BackupSecret::Key(&key), &mut &backup[..], &mut got, NOW)
        .unwrap();
    assert_eq!(got, export);
}

/// A state that was authenticated but crafted (by someone holding the key,
/// or handed to `restore_state` directly): counts near the limit must not
/// allocate or loop without bound. The duplicate check over groups is
/// quadratic: time a state of `n` one-member-less groups with 3-byte ids.
#[test]
fn crafted_state_counts_are_bounded() {
    let r = &mut rng();
    let d = dir("attack-backup", "counts");
    let (alice, _bob, _) = pair(&d, r);
    let good = alice.backup_state().unwrap().to_vec();
    // Parse the prefix up to the contacts count: version, created_at,
    // policy, identity, prekeys.
    let mut at = 1 + 8 + 1;
    let n = u16::from_be_bytes([good[at], good[at + 1]]) as usize;
    at += 2 + n;
    let n = u32::from_be_bytes(good[at..at + 4].try_into().unwrap()) as usize;
    at += 4 + n;
    let prefix = good[..at].to_vec();

    // Counts claimed beyond the limit or the bytes: refused quickly.
    for count in [u32::MAX, 1_000_001, 1_000_000] {
        let mut s = prefix.clone();
        s.extend_from_slice(&count.to_be_bytes());
        let mut fresh = Store::open(d.join(format!("c{count}.db")), &[6u8; 32], r).unwrap();
        let t = std::time::Instant::now();
        assert!(fresh.restore_state(r, &s, NOW).is_err());
        assert!(t.elapsed().as_secs() < 2);
    }

    let time_groups = |n: u32, r: &mut Rng, name: &str| {
        let mut s = prefix.clone();
        s.extend_from_slice(&0u32.to_be_bytes()); // no contacts
        s.extend_from_slice(&n.to_be_bytes());
        for i in 0..n {
            s.push(3);
            s.extend_from_slice(&[b'g', (i >> 8) as u8, i as u8]);
            s.extend_from_slice(&0u16.to_be_bytes());
        }
        // One duplicate at the very end, so that decoding fails after the
        // whole quadratic scan and nothing is written.
        s.push(3);
        s.extend_from_slice(&[b'g', 0, 0]);
        s.extend_from_slice(&0u16.to_be_bytes());
        let s_len = s.len();
        // fix the count (n + 1)
        let count_at = prefix.len() + 4;
        s[count_at..count_at + 4].copy_from_slice(&(n + 1).to_be_bytes());
        let mut fresh = Store::open(d.join(format!("{name}.db")), &[6u8; 32], r).unwrap();
        let t = std::time::Instant::now();
        let e = fresh.restore_state(r, &s, NOW);
        let el = t.elapsed();
        eprintln!("{n} groups ({s_len} bytes of state): {el:?}, {:?}", e.err());
        el
    };
    let t1 = time_groups(4_000, r, "g4k");
    let t2 = time_groups(16_000, r, "g16k");
    let ratio = t2.as_secs_f64() / t1.as_secs_f64().max(1e-9);
    eprintln!(
        "ratio 16k/4k = {ratio:.1} (linear ≈ 4, quadratic ≈ 16); 1,000,000 groups would take ≈ {:.0} s",
        t2.as_secs_f64() * (1_000_000f64 / 16_000f64).powi(2)
    );
    assert!(
        ratio < 10.0,
        "decoding a state is quadratic in its group count"
    );
}
