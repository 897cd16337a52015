//! "Download your data": the account report validates against its
//! committed JSON Schema, says what the store holds, and holds no secret of
//! the store (every 16-byte window of every object's plain state, in hex
//! and raw, and every plaintext, are searched for).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::path::{Path, PathBuf};

use rand_core::UnwrapErr;
use sotto::envelope::TIMER_24_HOURS;
use sotto::location::Precision;
use sotto::{
    Content, Group, IdentityKeyPair, LocationShare, LocationViewer, PrekeyBundle, PrekeyStore,
    SessionRecord, TrustPolicy,
};
use sotto_store::{Conversation, Error, Store};

const NOW: u64 = 1_800_000_000;
const NOW_MS: u64 = NOW * 1000;
type Rng = UnwrapErr<getrandom::SysRng>;

fn rng() -> Rng {
    UnwrapErr(getrandom::SysRng)
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Device {
    store: Store,
    id: IdentityKeyPair,
    bundle: PrekeyBundle,
}

fn device(d: &Path, name: &str, r: &mut Rng) -> Device {
    let mut store = Store::open(d.join(format!("{name}.db")), &[9u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let prekeys = PrekeyStore::new(r, &id, NOW);
    let bundle = PrekeyBundle {
        identity: *id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    store.set_device(r, &id, &prekeys).unwrap();
    Device { store, id, bundle }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn schema() -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/account-report.schema.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validate(report: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(report).unwrap();
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:?}\n{report}"
    );
    doc
}

#[test]
fn an_empty_store_reports_nothing_but_validates() {
    let d = dir("empty");
    let mut r = rng();
    let store = Store::open(d.join("new.db"), &[1u8; 32], &mut r).unwrap();
    let doc = validate(&store.account_report(NOW_MS).unwrap());
    assert!(doc["account"]["identity_fingerprint"].is_null());
    assert_eq!(doc["contacts"].as_array().unwrap().len(), 0);
}

#[test]
fn the_report_says_what_the_store_holds_and_no_secret() {
    let d = dir("full");
    let mut r = rng();
    let mut alice = device(&d, "alice", &mut r);
    let mut bob = device(&d, "bob", &mut r);
    let carol = device(&d, "carol", &mut r);

    // Alice and Bob talk, with a 24-hour timer; Bob verified.
    alice
        .store
        .initiate(&mut r, b"bob", &bob.bundle, NOW)
        .unwrap();
    let m = alice
        .store
        .send(&mut r, b"bob", &Content::text("secret plan"), NOW_MS)
        .unwrap();
    let got = bob
        .store
        .receive(&mut r, b"alice", &m.outgoing.message, NOW_MS)
        .unwrap();
    bob.store.ack_incoming(got.id).unwrap();
    let t = alice
        .store
        .set_disappearing_timer(
            &mut r,
            Conversation::Contact(b"bob"),
            TIMER_24_HOURS,
            NOW_MS + 1,
        )
        .unwrap();
    let _ = t;
    alice
        .store
        .set_verified(&mut r, b"bob", bob.id.public_key(), true)
        .unwrap();

    // Carol's identity, then a reinstall under Warn: one recorded change.
    alice
        .store
        .set_trust_policy(&mut r, TrustPolicy::Warn)
        .unwrap();
    alice
        .store
        .initiate(&mut r, b"carol", &carol.bundle, NOW)
        .unwrap();
    let carol2 = device(&d, "carol2", &mut r);
    alice
        .store
        .initiate(&mut r, b"carol", &carol2.bundle, NOW + 60)
        .unwrap();

    // A group and a live-location share, and one viewed.
    let group = Group::new(&mut r, &alice.id, b"family", &[*bob.id.public_key()]).unwrap();
    alice.store.save(&mut r, b"family", &group).unwrap();
    alice
        .store
        .group_send(&mut r, b"family", &Content::text("dinner?"), NOW_MS)
        .unwrap();
    let share = LocationShare::new(
        &mut r,
        &alice.id,
        b"walk home",
        &[*bob.id.public_key()],
        NOW + 3600,
        Precision::Exact,
    )
    .unwrap();
    alice.store.save(&mut r, b"walk home", &share).unwrap();
    let bobs = LocationShare::new(
        &mut r,
        &bob.id,
        b"bobs trip",
        &[*alice.id.public_key()],
        NOW - 10,
        Precision::City,
    )
    .unwrap();
    let viewer =
        LocationViewer::new(b"bobs trip", bob.id.public_key(), &bobs.distribution()).unwrap();
    alice.store.save(&mut r, b"bobs trip", &viewer).unwrap();

    let report = alice.store.account_report(NOW_MS + 5000).unwrap();
    let doc = validate(&report);
    let fp = |k: &sotto::IdentityKey| hex(&sotto::crypto::sha256(&[&k.to_bytes()]));
    assert_eq!(
        doc["account"]["identity_fingerprint"],
        fp(alice.id.public_key())
    );
    assert_eq!(doc["account"]["created_at"], "2027-01-15T08:00:00Z");
    assert_eq!(doc["identity_change_policy"], "warn");
    let contacts = doc["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2);
    let bob_entry = contacts.iter().find(|c| c["id"] == "bob").unwrap();
    assert_eq!(bob_entry["verified"], true);
    assert_eq!(bob_entry["has_session"], true);
    assert_eq!(bob_entry["identity_fingerprint"], fp(bob.id.public_key()));
    assert_eq!(
        bob_entry["disappearing_timer"]["duration_seconds"],
        TIMER_24_HOURS
    );
    let carol_entry = contacts.iter().find(|c| c["id"] == "carol").unwrap();
    let changes = carol_entry["identity_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0]["previous_fingerprint"],
        fp(carol.id.public_key())
    );
    assert_eq!(changes[0]["new_fingerprint"], fp(carol2.id.public_key()));
    assert_eq!(doc["groups"][0]["id"], "family");
    assert!(doc["groups"][0]["joined_at"].is_string());
    assert_eq!(doc["location_shares"][0]["status"], "active");
    assert_eq!(doc["location_views"][0]["status"], "ended");
    // The first message, the timer change and the group message.
    assert_eq!(doc["pending_messages"]["outgoing"], 3);

    // No secret: every 16-byte window of every object's plain state, in
    // hex and raw, and every plaintext.
    let mut secrets: Vec<Vec<u8>> = vec![
        alice.store.device_identity().unwrap().to_bytes().to_vec(),
        alice.store.device_prekeys().unwrap().to_bytes().to_vec(),
        alice
            .store
            .load::<SessionRecord>(b"bob")
            .unwrap()
            .to_bytes()
            .to_vec(),
        alice
            .store
            .load::<SessionRecord>(b"carol")
            .unwrap()
            .to_bytes()
            .to_vec(),
        alice
            .store
            .load::<Group>(b"family")
            .unwrap()
            .to_bytes()
            .to_vec(),
        alice
            .store
            .load::<LocationShare>(b"walk home")
            .unwrap()
            .to_bytes()
            .to_vec(),
        alice
            .store
            .load::<LocationViewer>(b"bobs trip")
            .unwrap()
            .to_bytes()
            .to_vec(),
        [9u8; 32].to_vec(),
    ];
    secrets.push(b"secret plan".to_vec());
    secrets.push(b"dinner?".to_vec());
    let text = report.as_bytes();
    for s in &secrets {
        let width = s.len().min(16);
        for w in s.windows(width) {
            assert!(!report.contains(&hex(w)), "a secret's hex is in the report");
            if w.len() == 16 {
                assert!(
                    !text.windows(16).any(|x| x == w),
                    "a secret's bytes are in the report"
                );
            }
        }
    }
    for p in ["secret plan", "dinner?"] {
        assert!(!report.contains(p));
    }
}

#[test]
fn a_damaged_row_fails_the_report_instead_of_hiding_it() {
    let d = dir("damaged");
    let mut r = rng();
    let mut alice = device(&d, "alice", &mut r);
    let bob = device(&d, "bob", &mut r);
    alice
        .store
        .initiate(&mut r, b"bob", &bob.bundle, NOW)
        .unwrap();
    drop(alice);
    rusqlite::Connection::open(d.join("alice.db"))
        .unwrap()
        .execute("UPDATE objects SET state = x'00' WHERE kind = 10", [])
        .unwrap();
    let store = Store::open(d.join("alice.db"), &[9u8; 32], &mut r).unwrap();
    assert!(matches!(store.account_report(NOW_MS), Err(Error::Corrupt)));
}
