//! Multi-device benchmarks: what sending to a user's devices and checking
//! their published list cost, each next to its floor in the same run.
//!
//! * Fan-out of a 1 KiB message to 8 devices: `encrypt_to_devices` over 8
//!   sessions set up with `VerifiedDevice::initiate`, next to 8 separate 1:1
//!   encrypts with `SessionRecord::encrypt` (a trust store holding the 8
//!   contacts; the floor) and with `Session::encrypt` (no trust check). Every
//!   session is in steady state before the timings: its first (prekey)
//!   message accepted, the reply read, and one more message sent, which made
//!   the sending half of the DH ratchet step the reply called for. From then
//!   on no side receives anything, so every message of every contender is
//!   one sending-chain step with no preamble and no DH.
//! * Verifying an account's list of 8 devices with `verify_devices`: the
//!   list's signature and each record's account signature and device
//!   countersignature, 17 signatures in all, from their encodings. Next to
//!   it, strict Ed25519 verifications (`verify_strict`) of the same
//!   signatures over the same messages under keys decoded beforehand: the
//!   16 of the records (the floor) and all 17; and the decoding alone (the
//!   list and the 8 records, no signature checked), which is most of what
//!   separates the two.
//!
//! Run: `cargo bench -p sotto-benches --bench devices` (about a minute).
//! Criterion prints its estimates; at the end the bench prints the medians
//! of the same run from criterion's `estimates.json` with their ratios, then
//! the same comparisons paired: 21 rounds that each time every contender
//! once in rotating order, the ratio taken per round (the load of a shared
//! machine drifts between criterion's benchmarks, not within a round).
//! `-- paired` runs only the paired comparison.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss
)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group};
use ed25519_dalek::{Signature, VerifyingKey};
use sotto::devices::{
    AccountSignedRecord, DEVICE_RECORD_LEN, DeviceKind, DeviceList, DeviceMessage, DeviceRecord,
    LABEL_DEVICE_COUNTERSIGNATURE, LABEL_DEVICE_LIST, LABEL_DEVICE_RECORD, VerifiedDevice,
    encrypt_to_devices, verify_devices,
};
use sotto::{
    IdentityKeyPair, PrekeyBundle, PrekeyStore, Session, SessionRecord, TrustPolicy, TrustStore,
};

mod common;

use common::{ROUNDS, med, median, paired, ratio, time};

use common::{NOW, Rng};

/// Devices on the recipient's list, the primary included.
const DEVICES: usize = 8;
/// The plaintext every fan-out encrypts.
const PLAINTEXT_LEN: usize = 1024;
/// A device record's body: all of it but the two signatures.
const BODY_LEN: usize = DEVICE_RECORD_LEN - 128;

fn rng() -> Rng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// A device of the recipient: its identity and its prekeys.
struct Device {
    key: IdentityKeyPair,
    store: PrekeyStore,
}

impl Device {
    fn bundle(&self) -> PrekeyBundle {
        PrekeyBundle {
            identity: *self.key.public_key(),
            signed_prekey: self.store.signed_prekey(),
            one_time_prekey: None,
            pq_prekey: None,
        }
    }
}

/// The recipient's account: a primary and 7 companions, its signed list and
/// the 8 countersigned records.
struct Account {
    devices: Vec<Device>,
    list: Vec<u8>,
    records: Vec<Vec<u8>>,
}

fn account(r: &mut Rng) -> Account {
    let devices: Vec<Device> = (0..DEVICES)
        .map(|_| {
            let key = IdentityKeyPair::generate(r);
            let store = PrekeyStore::new(r, &key, NOW);
            Device { key, store }
        })
        .collect();
    let primary = &devices[0].key;
    let mut entries = Vec::new();
    let mut records = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let kind = if i == 0 {
            DeviceKind::Primary
        } else {
            DeviceKind::Companion
        };
        let index = i as u32;
        entries.push((index, *d.key.public_key()));
        records.push(
            AccountSignedRecord::sign(primary, d.key.public_key(), index, NOW, kind)
                .unwrap()
                .countersign(&d.key)
                .unwrap()
                .to_bytes(),
        );
    }
    let list = DeviceList::sign(primary, 1, NOW, &entries)
        .unwrap()
        .to_bytes()
        .unwrap();
    Account {
        devices,
        list,
        records,
    }
}

fn refs(records: &[Vec<u8>]) -> Vec<&[u8]> {
    records.iter().map(Vec::as_slice).collect()
}

type Send<'a> = &'a mut dyn FnMut(&mut Rng, &mut SessionRecord, &[u8]) -> Vec<u8>;

/// Brings a just-initiated `record` with `device` to steady state: its
/// prekey message accepted by the device, the device's reply read, and one
/// more message sent (the sending half of the DH ratchet step the reply
/// called for), which the device reads. Returns the device's session.
fn settle(r: &mut Rng, device: &mut Device, record: &mut SessionRecord, send: Send<'_>) -> Session {
    let first = send(r, record, b"hello");
    let mut theirs = device
        .store
        .accept(&device.key, &first, NOW)
        .unwrap()
        .session;
    record
        .decrypt_existing(&theirs.encrypt(r, b"hi").unwrap())
        .unwrap();
    theirs.decrypt(&send(r, record, b"settled")).unwrap();
    theirs
}

/// The contact identifier of device `i` in the floor's trust store.
fn contact(i: usize) -> Vec<u8> {
    format!("device {i}").into_bytes()
}

/// Everything the fan-out benchmark times, set up and settled.
struct Fanout {
    /// The verified devices and a pinned session with each (fan-out).
    verified: Vec<VerifiedDevice>,
    pinned: Vec<SessionRecord>,
    /// Other sessions with the same devices, for the 1:1 floor.
    trust: TrustStore,
    contacts: Vec<Vec<u8>>,
    records: Vec<SessionRecord>,
    /// And others again, used as bare sessions.
    sessions: Vec<Session>,
    plaintext: Vec<u8>,
}

fn fanout_setup(r: &mut Rng) -> Fanout {
    let alice = IdentityKeyPair::generate(r);
    let mut bob = account(r);
    let verified = verify_devices(
        bob.devices[0].key.public_key(),
        &bob.list,
        &refs(&bob.records),
        NOW,
        None,
    )
    .unwrap()
    .devices;
    assert_eq!(verified.len(), DEVICES);
    let plaintext: Vec<u8> = (0..PLAINTEXT_LEN).map(|i| (i * 7) as u8).collect();

    let mut pinned = Vec::new();
    let mut theirs = Vec::new();
    for (v, d) in verified.iter().zip(bob.devices.iter_mut()) {
        let mut record = SessionRecord::new();
        v.initiate(r, &alice, &mut record, &d.bundle(), NOW)
            .unwrap();
        let mut send =
            |r: &mut Rng, rec: &mut SessionRecord, pt: &[u8]| v.encrypt(r, rec, pt).unwrap();
        theirs.push(settle(r, d, &mut record, &mut send));
        pinned.push(record);
    }

    let mut trust = TrustStore::new(TrustPolicy::Block);
    let contacts: Vec<Vec<u8>> = (0..DEVICES).map(contact).collect();
    let mut records = Vec::new();
    let mut sessions = Vec::new();
    for (d, c) in bob.devices.iter_mut().zip(&contacts) {
        for bare in [false, true] {
            let mut record = SessionRecord::new();
            record
                .initiate(r, &alice, &d.bundle(), &mut trust, c, NOW)
                .unwrap();
            let mut send = |r: &mut Rng, rec: &mut SessionRecord, pt: &[u8]| {
                rec.encrypt(r, &trust, c, pt).unwrap()
            };
            settle(r, d, &mut record, &mut send);
            if bare {
                sessions.push(record.into_current().unwrap());
            } else {
                records.push(record);
            }
        }
    }

    // Checked once, outside the timings: every device reads its fan-out
    // message, and all three contenders write messages of one length (no
    // preamble left anywhere).
    let mut targets: Vec<(&VerifiedDevice, &mut SessionRecord)> =
        verified.iter().zip(pinned.iter_mut()).collect();
    let out = encrypt_to_devices(r, &mut targets, &plaintext).unwrap();
    let len = out[0].message.len();
    for (m, s) in out.iter().zip(theirs.iter_mut()) {
        assert_eq!(s.decrypt(&m.message).unwrap(), plaintext);
        assert_eq!(m.message.len(), len);
    }
    for (rec, c) in records.iter_mut().zip(&contacts) {
        assert_eq!(rec.encrypt(r, &trust, c, &plaintext).unwrap().len(), len);
    }
    for s in &mut sessions {
        assert_eq!(s.encrypt(r, &plaintext).unwrap().len(), len);
    }
    Fanout {
        verified,
        pinned,
        trust,
        contacts,
        records,
        sessions,
        plaintext,
    }
}

impl Fanout {
    /// One fan-out, its targets gathered per call as an app would.
    fn fan_out(&mut self, r: &mut Rng) -> Vec<DeviceMessage> {
        let mut targets: Vec<(&VerifiedDevice, &mut SessionRecord)> =
            self.verified.iter().zip(self.pinned.iter_mut()).collect();
        encrypt_to_devices(r, &mut targets, black_box(&self.plaintext)).unwrap()
    }

    fn one_to_one(&mut self, r: &mut Rng) -> Vec<Vec<u8>> {
        self.records
            .iter_mut()
            .zip(&self.contacts)
            .map(|(rec, c)| {
                rec.encrypt(r, &self.trust, c, black_box(&self.plaintext))
                    .unwrap()
            })
            .collect()
    }

    fn bare(&mut self, r: &mut Rng) -> Vec<Vec<u8>> {
        self.sessions
            .iter_mut()
            .map(|s| s.encrypt(r, black_box(&self.plaintext)).unwrap())
            .collect()
    }
}

/// What the verification benchmark times: the published list and records,
/// and the same 17 signatures as raw strict verifications.
struct Verify {
    account: sotto::IdentityKey,
    list: Vec<u8>,
    records: Vec<Vec<u8>>,
    /// (key, message, signature): the 16 of the records, then the list's.
    signatures: Vec<(VerifyingKey, Vec<u8>, Signature)>,
}

fn verify_setup(r: &mut Rng) -> Verify {
    let bob = account(r);
    let account = *bob.devices[0].key.public_key();
    let key = |bytes: &[u8]| VerifyingKey::from_bytes(bytes.try_into().unwrap()).unwrap();
    let sig = |bytes: &[u8]| Signature::from_bytes(bytes.try_into().unwrap());
    let mut signatures = Vec::new();
    for rec in &bob.records {
        // body = version | type | account (64) | device (64) | …, then the
        // account's signature and the device's.
        let (body, sigs) = rec.split_at(BODY_LEN);
        let (account_sig, device_sig) = sigs.split_at(64);
        signatures.push((
            key(&body[2..34]),
            [LABEL_DEVICE_RECORD, body].concat(),
            sig(account_sig),
        ));
        signatures.push((
            key(&body[66..98]),
            [LABEL_DEVICE_COUNTERSIGNATURE, body, account_sig].concat(),
            sig(device_sig),
        ));
    }
    let (body, list_sig) = bob.list.split_at(bob.list.len() - 64);
    signatures.push((
        key(account.signing_key()),
        [LABEL_DEVICE_LIST, body].concat(),
        sig(list_sig),
    ));
    assert_eq!(signatures.len(), 2 * DEVICES + 1);
    assert!(strict(&signatures));
    let v = verify_devices(&account, &bob.list, &refs(&bob.records), NOW, None).unwrap();
    assert_eq!(v.devices.len(), DEVICES);
    Verify {
        account,
        list: bob.list,
        records: bob.records,
        signatures,
    }
}

fn strict(signatures: &[(VerifyingKey, Vec<u8>, Signature)]) -> bool {
    signatures
        .iter()
        .all(|(k, m, s)| k.verify_strict(black_box(m), s).is_ok())
}

impl Verify {
    fn verify_devices(&self) -> usize {
        let refs = refs(&self.records);
        verify_devices(&self.account, black_box(&self.list), &refs, NOW, None)
            .unwrap()
            .devices
            .len()
    }

    fn strict_16(&self) -> bool {
        strict(&self.signatures[..2 * DEVICES])
    }

    fn strict_17(&self) -> bool {
        strict(&self.signatures)
    }

    /// The decoding `verify_devices` does before any signature: the list and
    /// every record, each identity in them checked.
    fn decode_only(&self) -> usize {
        let list = DeviceList::from_bytes(black_box(&self.list)).unwrap();
        self.records
            .iter()
            .map(|r| DeviceRecord::from_bytes(black_box(r)).unwrap().index as usize)
            .sum::<usize>()
            + list.devices.len()
    }
}

fn settings(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

const FANOUT: &str = "devices_fanout_1KiB_x8";
const VERIFY: &str = "devices_verify_list_of_8";

fn fanout(c: &mut Criterion) {
    let mut r = rng();
    let mut f = fanout_setup(&mut r);
    let mut g = c.benchmark_group(FANOUT);
    settings(&mut g);
    g.bench_function("encrypt_to_devices", |b| b.iter(|| f.fan_out(&mut r)));
    g.bench_function("session_record_encrypt_x8", |b| {
        b.iter(|| f.one_to_one(&mut r))
    });
    g.bench_function("session_encrypt_x8", |b| b.iter(|| f.bare(&mut r)));
    g.finish();
}

fn verify(c: &mut Criterion) {
    let mut r = rng();
    let v = verify_setup(&mut r);
    let mut g = c.benchmark_group(VERIFY);
    settings(&mut g);
    g.bench_function("verify_devices", |b| b.iter(|| v.verify_devices()));
    g.bench_function("verify_strict_x16", |b| b.iter(|| v.strict_16()));
    g.bench_function("verify_strict_x17", |b| b.iter(|| v.strict_17()));
    g.bench_function("decode_only", |b| b.iter(|| v.decode_only()));
    g.finish();
}

/// The fan-out line: its time, the floor's and Session::encrypt's, and the
/// ratios to each.
fn fanout_line(label: &str, fan: f64, floor: f64, bare: f64, ratio: f64, bare_ratio: f64) {
    println!(
        "{label}: encrypt_to_devices {}; 8 × SessionRecord::encrypt {}, fan-out {ratio:.3}x of it (goal ≤ 1.1x); 8 × Session::encrypt {}, fan-out {bare_ratio:.3}x of it",
        time(fan),
        time(floor),
        time(bare),
    );
}

/// The verification line: its time, 16 and 17 strict verifications', the
/// ratios, and the decoding's share.
fn verify_line(label: &str, t: [f64; 4], r16: f64, r17: f64) {
    let [ours, s16, s17, decode] = t;
    println!(
        "{label}: verify_devices (17 signatures) {}; 16 × verify_strict {}, verify_devices {r16:.3}x of it (goal ≤ 1.0x); 17 × verify_strict {}, {r17:.3}x of it; decoding the list and records alone {} ({:.0}% of verify_devices)",
        time(ours),
        time(s16),
        time(s17),
        time(decode),
        100.0 * decode / ours,
    );
}

/// The medians of this run side by side, with their ratios.
fn summary(since: SystemTime) {
    println!("\nmedians of this run (criterion's estimates.json)");
    let m = |bench: &str| median(FANOUT, bench, since);
    if let (Some(fan), Some(floor), Some(bare)) = (
        m("encrypt_to_devices"),
        m("session_record_encrypt_x8"),
        m("session_encrypt_x8"),
    ) {
        fanout_line(
            "fan-out of 1 KiB to 8 devices",
            fan,
            floor,
            bare,
            fan / floor,
            fan / bare,
        );
    }
    let m = |bench: &str| median(VERIFY, bench, since);
    if let (Some(ours), Some(s16), Some(s17), Some(decode)) = (
        m("verify_devices"),
        m("verify_strict_x16"),
        m("verify_strict_x17"),
        m("decode_only"),
    ) {
        verify_line(
            "list of 8 devices",
            [ours, s16, s17, decode],
            ours / s16,
            ours / s17,
        );
    }
}

/// The same comparisons paired round by round.
fn paired_ratios() {
    println!("\npaired: {ROUNDS} rounds, each timing every contender once in rotating order");
    let mut r = rng();
    let mut f = fanout_setup(&mut r);
    // Three contenders share one Fanout and one generator: each closure
    // borrows them in turn through a cell.
    let cell = std::cell::RefCell::new((&mut f, &mut r));
    let rows = paired(
        200,
        &mut [
            &mut || {
                let (f, r) = &mut *cell.borrow_mut();
                black_box(f.fan_out(r));
            },
            &mut || {
                let (f, r) = &mut *cell.borrow_mut();
                black_box(f.one_to_one(r));
            },
            &mut || {
                let (f, r) = &mut *cell.borrow_mut();
                black_box(f.bare(r));
            },
        ],
    );
    fanout_line(
        "fan-out of 1 KiB to 8 devices",
        med(&rows, 0),
        med(&rows, 1),
        med(&rows, 2),
        ratio(&rows, 0, 1),
        ratio(&rows, 0, 2),
    );

    let v = verify_setup(&mut r);
    let rows = paired(
        10,
        &mut [
            &mut || {
                black_box(v.verify_devices());
            },
            &mut || {
                black_box(v.strict_16());
            },
            &mut || {
                black_box(v.strict_17());
            },
            &mut || {
                black_box(v.decode_only());
            },
        ],
    );
    verify_line(
        "list of 8 devices",
        [med(&rows, 0), med(&rows, 1), med(&rows, 2), med(&rows, 3)],
        ratio(&rows, 0, 1),
        ratio(&rows, 0, 2),
    );
}

criterion_group!(benches, fanout, verify);

fn main() {
    let since = SystemTime::now();
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary(since);
    // Not in criterion's listing or test mode, nor when a filter names
    // other benchmarks (`-- paired` runs it alone, with every criterion
    // benchmark filtered out).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if args.iter().any(|a| a == "--bench")
        && !args.iter().any(|a| a == "--list")
        && (filters.is_empty() || filters.iter().any(|f| *f == "paired"))
    {
        paired_ratios();
    }
}
