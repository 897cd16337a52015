//! Encrypted backups of a store: restored into a new store, every
//! conversation and group goes on (new sessions and sender keys from the
//! same, still trusted identity), nothing a ratchet used is reused, and a
//! wrong key, a damaged backup or a store in use changes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

mod common;

use common::{NOW_MS, Rng, dir, pair, rng};
use sotto::backup::{Argon2Params, BackupKey, BackupSecret};
use sotto::{Content, Group, IdentityStatus, MessageKind, message_kind};
use sotto_store::{Conversation, Error, Store};

const NOW: u64 = NOW_MS / 1000;

/// Alice and Bob with sessions both ways, a group "club" of the two with
/// keys exchanged, a 7-day timer on their chat, and Bob verified by Alice.
fn setup(suite: &str, r: &mut Rng) -> (Store, Store, sotto::PrekeyBundle, std::path::PathBuf) {
    let d = dir("backup", suite);
    let (mut alice, mut bob, bob_bundle) = pair(&d, r);
    let a_id = alice.device_identity().unwrap();
    let b_id = bob.device_identity().unwrap();
    let mut ga = Group::new(r, &a_id, b"club", &[*b_id.public_key()]).unwrap();
    let mut gb = Group::new(r, &b_id, b"club", &[*a_id.public_key()]).unwrap();
    ga.process_distribution(b_id.public_key(), &gb.distribution())
        .unwrap();
    gb.process_distribution(a_id.public_key(), &ga.distribution())
        .unwrap();
    alice.save(r, b"club", &ga).unwrap();
    bob.save(r, b"club", &gb).unwrap();
    let t = alice
        .set_disappearing_timer(
            r,
            Conversation::Contact(b"bob"),
            sotto::envelope::TIMER_7_DAYS,
            NOW_MS,
        )
        .unwrap();
    let got = bob
        .receive(r, b"alice", &t.outgoing.message, NOW_MS)
        .unwrap();
    bob.ack_incoming(got.id).unwrap();
    alice.ack_outgoing(t.outgoing.id).unwrap();
    alice
        .set_verified(r, b"bob", b_id.public_key(), true)
        .unwrap();
    (alice, bob, bob_bundle, d)
}

fn backup_of(alice: &Store, r: &mut Rng, secret: BackupSecret<'_>, export: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let n = alice.backup(r, secret, &mut &export[..], &mut out).unwrap();
    assert_eq!(n, out.len() as u64);
    out
}

#[test]
fn a_restored_store_goes_on_talking_and_reuses_nothing() {
    let r = &mut rng();
    let (alice, mut bob, bob_bundle, d) = setup("continues", r);
    let a_id = alice.device_identity().unwrap();
    let old_prekeys = alice.device_prekeys().unwrap();
    let old_group: Group = alice.load(b"club").unwrap();
    let history: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let key = BackupKey::generate(r);
    let backup = backup_of(&alice, r, BackupSecret::Key(&key), &history);
    drop(alice); // the phone is lost

    // A new phone: a new store under a new host key, the key typed in.
    let typed = BackupKey::from_digits(&key.to_digits()).unwrap();
    let mut alice = Store::open(d.join("alice-new.db"), &[9u8; 32], r).unwrap();
    let mut export = Vec::new();
    let restored = alice
        .restore(
            r,
            BackupSecret::Key(&typed),
            &mut &backup[..],
            &mut export,
            NOW + 60,
        )
        .unwrap();
    assert_eq!(export, history);
    assert_eq!(restored.export_len, history.len() as u64);
    assert_eq!(restored.contacts, vec![b"bob".to_vec()]);
    assert_eq!(restored.groups, vec![b"club".to_vec()]);

    // The same identity, trust and settings; fresh prekeys and sender key.
    assert_eq!(
        alice.device_identity().unwrap().public_key(),
        a_id.public_key()
    );
    let prekeys = alice.device_prekeys().unwrap();
    assert_eq!(prekeys.one_time_prekey_count(), 0);
    assert_ne!(prekeys.signed_prekey().id, old_prekeys.signed_prekey().id);
    let trust = alice.trust_record(b"bob").unwrap().unwrap();
    assert_eq!(trust.identity, bob_bundle.identity);
    assert!(trust.verified);
    assert_eq!(
        alice
            .disappearing_timer(Conversation::Contact(b"bob"))
            .unwrap()
            .duration_secs,
        sotto::envelope::TIMER_7_DAYS
    );
    let mut group: Group = alice.load(b"club").unwrap();
    assert!(group.is_member(&bob_bundle.identity));
    assert_ne!(group.chain_id(), old_group.chain_id(), "a new sender key");
    assert_eq!(group.sender_key_count(&bob_bundle.identity), 0);
    assert!(
        alice.load::<sotto::Session>(b"bob").is_err(),
        "no session restored"
    );

    // 1:1 goes on: a new session to the same, still trusted identity.
    assert_eq!(
        alice.initiate(r, b"bob", &bob_bundle, NOW + 60).unwrap(),
        IdentityStatus::Known { verified: true }
    );
    let hello = alice
        .send(r, b"bob", &Content::text("new phone"), NOW_MS + 60_000)
        .unwrap();
    assert_eq!(
        message_kind(&hello.outgoing.message).unwrap(),
        MessageKind::Prekey
    );
    let got = bob
        .receive(r, b"alice", &hello.outgoing.message, NOW_MS + 60_000)
        .unwrap();
    assert_eq!(got.identity_change, None, "not an identity change");
    assert_eq!(got.sender, Some(*a_id.public_key()));
    bob.ack_incoming(got.id).unwrap();
    let back = bob
        .send(r, b"alice", &Content::text("welcome back"), NOW_MS + 61_000)
        .unwrap();
    let got = alice
        .receive(r, b"bob", &back.outgoing.message, NOW_MS + 61_000)
        .unwrap();
    assert_eq!(got.envelope.unwrap().content, Content::text("welcome back"));
    // The timer came back: the message disappears in 7 days.
    assert_eq!(
        got.expires_at_ms,
        Some(NOW_MS + 61_000 + 7 * common::DAY_MS)
    );

    // Groups go on: our new distribution to Bob, his to us, over 1:1.
    let ours = alice.encrypt(r, b"bob", &group.distribution()).unwrap();
    let got = bob.decrypt(r, b"alice", &ours.message, NOW).unwrap();
    let mut bob_group: Group = bob.load(b"club").unwrap();
    bob_group
        .process_distribution(&a_id.public_key().clone(), &got.plaintext)
        .unwrap();
    bob.save(r, b"club", &bob_group).unwrap();
    let theirs = bob.encrypt(r, b"alice", &bob_group.distribution()).unwrap();
    let got = alice.decrypt(r, b"bob", &theirs.message, NOW).unwrap();
    group = alice.load(b"club").unwrap();
    group
        .process_distribution(&bob_bundle.identity, &got.plaintext)
        .unwrap();
    alice.save(r, b"club", &group).unwrap();
    let m = alice
        .group_send(r, b"club", &Content::text("to the club"), NOW_MS + 62_000)
        .unwrap();
    let got = bob
        .group_receive(
            r,
            b"club",
            a_id.public_key(),
            &m.outgoing.message,
            NOW_MS + 62_000,
        )
        .unwrap();
    assert_eq!(got.envelope.unwrap().content, Content::text("to the club"));
    let m = bob
        .group_send(r, b"club", &Content::text("hi club"), NOW_MS + 63_000)
        .unwrap();
    let got = alice
        .group_receive(
            r,
            b"club",
            &bob_bundle.identity,
            &m.outgoing.message,
            NOW_MS + 63_000,
        )
        .unwrap();
    assert_eq!(got.envelope.unwrap().content, Content::text("hi club"));
}

#[test]
fn a_password_backup_restores_and_a_wrong_one_changes_nothing() {
    let r = &mut rng();
    let (alice, _bob, _, d) = setup("password", r);
    let secret = BackupSecret::Password(b"correct horse battery", Argon2Params::MINIMUM);
    let backup = backup_of(&alice, r, secret, b"app data");
    let mut fresh = Store::open(d.join("new.db"), &[8u8; 32], r).unwrap();
    let wrong = BackupSecret::Password(b"correct horse battery!", Argon2Params::MINIMUM);
    let mut export = Vec::new();
    let e = fresh
        .restore(r, wrong, &mut &backup[..], &mut export, NOW)
        .unwrap_err();
    assert_eq!(e, Error::Core(sotto::Error::WrongKey));
    assert!(export.is_empty(), "nothing before the key is known right");
    assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
    // A damaged or cut backup: refused, the store still empty.
    for cut in [backup.len() - 1, backup.len() / 2, 30] {
        let mut out = Vec::new();
        assert!(
            fresh
                .restore(r, secret, &mut &backup[..cut], &mut out, NOW)
                .is_err()
        );
        assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
    }
    let mut flipped = backup.clone();
    let at = flipped.len() - 20;
    flipped[at] ^= 1;
    let mut out = Vec::new();
    assert_eq!(
        fresh
            .restore(r, secret, &mut &flipped[..], &mut out, NOW)
            .unwrap_err(),
        Error::Core(sotto::Error::AuthenticationFailed)
    );
    assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
    // The right password, at last.
    let mut export = Vec::new();
    let restored = fresh
        .restore(r, secret, &mut &backup[..], &mut export, NOW)
        .unwrap();
    assert_eq!(export, b"app data");
    assert_eq!(restored.contacts, vec![b"bob".to_vec()]);
    assert_eq!(
        fresh.device_identity().unwrap().public_key(),
        alice.device_identity().unwrap().public_key()
    );
}

#[test]
fn a_store_in_use_is_never_overwritten() {
    let r = &mut rng();
    let (mut alice, mut bob, _, _) = setup("in-use", r);
    let key = BackupKey::generate(r);
    let backup = backup_of(&bob, r, BackupSecret::Key(&key), b"");
    let before = alice.device_identity().unwrap();
    let mut out = Vec::new();
    assert_eq!(
        alice
            .restore(r, BackupSecret::Key(&key), &mut &backup[..], &mut out, NOW)
            .unwrap_err(),
        Error::NotEmpty
    );
    assert_eq!(
        alice.device_identity().unwrap().public_key(),
        before.public_key()
    );
    // Restoring a state directly is held to the same rule.
    let state = bob.backup_state().unwrap();
    assert_eq!(
        alice.restore_state(r, &state, NOW).unwrap_err(),
        Error::NotEmpty
    );
    assert_eq!(
        bob.restore_state(r, &state, NOW).unwrap_err(),
        Error::NotEmpty
    );
}

#[test]
fn a_damaged_state_is_refused_whole() {
    let r = &mut rng();
    let (alice, _, _, d) = setup("state", r);
    let state = alice.backup_state().unwrap();
    let mut fresh = Store::open(d.join("fresh.db"), &[7u8; 32], r).unwrap();
    for cut in [0, 1, 9, state.len() / 2, state.len() - 1] {
        assert!(
            fresh.restore_state(r, &state[..cut], NOW).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = state.to_vec();
    longer.push(0);
    assert!(fresh.restore_state(r, &longer, NOW).is_err());
    let mut version = state.to_vec();
    version[0] = 9;
    assert_eq!(
        fresh.restore_state(r, &version, NOW).unwrap_err(),
        Error::Core(sotto::Error::UnsupportedVersion)
    );
    assert_eq!(fresh.device_identity().err(), Some(Error::NoDeviceIdentity));
    fresh.restore_state(r, &state, NOW).unwrap();
}
