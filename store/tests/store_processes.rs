//! The store under process crashes and under two processes at once.
//!
//! Each test re-runs this test binary as a child process (selected by the
//! `SOTTO_STORE_CHILD` variable): the crash test kills its children with
//! SIGKILL at random points, the concurrency test runs two at once on one
//! store file.
#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use rand_core::{Rng, UnwrapErr};
use sotto::{IdentityKeyPair, PrekeyBundle, PrekeyStore, Session};
use sotto_store::{Error, Store};

const NOW: u64 = 1_800_000_000;
const ALICE_KEY: [u8; 32] = [0xA1; 32];
const BOB_KEY: [u8; 32] = [0xB0; 32];
type R = UnwrapErr<getrandom::SysRng>;

fn rng() -> R {
    UnwrapErr(getrandom::SysRng)
}

fn dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("store_processes")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Alice and Bob with stores in `d`, Alice holding a session to Bob, and one
/// round trip done so both directions are open.
fn setup(d: &Path) {
    let mut r = rng();
    let mut bob = Store::open(d.join("bob.db"), &BOB_KEY, &mut r).unwrap();
    let bob_id = IdentityKeyPair::generate(&mut r);
    let prekeys = PrekeyStore::new(&mut r, &bob_id, NOW);
    let bundle = PrekeyBundle {
        identity: *bob_id.public_key(),
        signed_prekey: prekeys.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: None,
    };
    bob.set_device(&mut r, &bob_id, &prekeys).unwrap();
    let mut alice = Store::open(d.join("alice.db"), &ALICE_KEY, &mut r).unwrap();
    let alice_id = IdentityKeyPair::generate(&mut r);
    alice.save(&mut r, b"me", &alice_id).unwrap();
    let s = Session::initiate(&mut r, &alice_id, &bundle).unwrap();
    alice.save(&mut r, b"bob", &s).unwrap();
    let m = alice.encrypt(&mut r, b"bob", b"hello").unwrap();
    let got = bob.decrypt(&mut r, b"alice", &m.message, NOW).unwrap();
    bob.ack_incoming(got.id).unwrap();
    alice.ack_outgoing(m.id).unwrap();
}

fn append(path: &Path, line: &str) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    // One write per line: a kill cannot land between a line and its end.
    f.write_all(format!("{line}\n").as_bytes()).unwrap();
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// One device's app loop step: deliver what the other side has pending
/// (logging every message as it leaves), show what arrived (logging it with
/// its inbox id), then send something new.
fn step(d: &Path, me: &mut Store, my_name: &str, other: &mut Store, other_name: &str, send: bool) {
    let mut r = rng();
    for out in other.pending_outgoing().unwrap() {
        append(
            &d.join("wire.log"),
            &format!("{other_name} {}", hex(&out.message)),
        );
        match me.decrypt(&mut r, other_name.as_bytes(), &out.message, NOW) {
            Ok(_) | Err(Error::Core(sotto::Error::Duplicate)) => {}
            Err(e) => panic!("{my_name} could not decrypt: {e}"),
        }
        other.ack_outgoing(out.id).unwrap();
    }
    for inc in me.pending_incoming().unwrap() {
        append(
            &d.join(format!("{my_name}.received")),
            &format!("{} {}", inc.id, String::from_utf8_lossy(&inc.plaintext)),
        );
        me.ack_incoming(inc.id).unwrap();
    }
    if send {
        let mut tag = [0u8; 8];
        r.fill_bytes(&mut tag);
        let text = format!("{my_name}-{}", hex(&tag));
        // Intent first: only intended messages may ever arrive.
        append(&d.join(format!("{my_name}.intended")), &text);
        me.encrypt(&mut r, other_name.as_bytes(), text.as_bytes())
            .unwrap();
        // Committed: this one must arrive, whatever happens next.
        append(&d.join(format!("{my_name}.committed")), &text);
    }
}

fn open_both(d: &Path) -> (Store, Store) {
    let mut r = rng();
    (
        Store::open(d.join("alice.db"), &ALICE_KEY, &mut r).unwrap(),
        Store::open(d.join("bob.db"), &BOB_KEY, &mut r).unwrap(),
    )
}

/// The child of the crash test: the conversation, forever (or, when
/// draining, until every outbox and inbox is empty).
fn crash_child(d: &Path, drain: bool) {
    let (mut alice, mut bob) = open_both(d);
    let mut n = 0u64;
    loop {
        let send = !drain;
        step(d, &mut bob, "bob", &mut alice, "alice", send && n % 3 != 2);
        step(d, &mut alice, "alice", &mut bob, "bob", send);
        n += 1;
        if drain && n >= 2 {
            return;
        }
    }
}

fn spawn(test: &str, role: &str, d: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("SOTTO_STORE_CHILD", role)
        .env("SOTTO_STORE_DIR", d)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Checks the logs: every plaintext arrived at most once (one inbox entry
/// each) and was intended; every committed message arrived; no two
/// different messages on the wire used the same chain position, so no
/// (key, nonce) pair repeated.
fn verify(d: &Path) -> (usize, usize) {
    let mut received_total = 0;
    for (me, other) in [("alice", "bob"), ("bob", "alice")] {
        let intended: HashSet<String> = lines(&d.join(format!("{other}.intended")))
            .into_iter()
            .collect();
        let mut by_text: HashMap<String, HashSet<String>> = HashMap::new();
        for l in lines(&d.join(format!("{me}.received"))) {
            let (id, text) = l.split_once(' ').unwrap();
            by_text
                .entry(text.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
        for (text, ids) in &by_text {
            assert_eq!(
                ids.len(),
                1,
                "{text} decrypted into {} inbox entries",
                ids.len()
            );
            assert!(
                intended.contains(text) || text == "hello",
                "{me} received {text}, never intended"
            );
        }
        for text in lines(&d.join(format!("{other}.committed"))) {
            assert!(
                by_text.contains_key(&text),
                "{text} was committed but never arrived"
            );
        }
        received_total += by_text.len();
    }
    // Chain positions on the wire: (sender, ratchet key, counter) → message.
    let mut positions: HashMap<(String, String, String), String> = HashMap::new();
    let wire = lines(&d.join("wire.log"));
    for l in &wire {
        let (sender, m) = l.split_once(' ').unwrap();
        let bytes: Vec<u8> = (0..m.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&m[i..i + 2], 16).unwrap())
            .collect();
        // Normal message (PROTOCOL.md §6.1): version, type, ratchet key (32),
        // then the PN and N varints.
        assert_eq!(bytes[1], 0x01, "normal messages only after setup");
        let ratchet = hex(&bytes[2..34]);
        let mut at = 34;
        let mut varint = || {
            let mut v = 0u64;
            for shift in (0..35).step_by(7) {
                let b = bytes[at];
                at += 1;
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    break;
                }
            }
            v
        };
        let _pn = varint();
        let n = varint();
        let prev = positions.insert((sender.to_owned(), ratchet, n.to_string()), m.to_owned());
        if let Some(p) = prev {
            assert_eq!(&p, m, "two different messages at one chain position");
        }
    }
    (received_total, wire.len())
}

#[test]
fn killed_at_random_points_nothing_is_lost_repeated_or_reused() {
    const TEST: &str = "killed_at_random_points_nothing_is_lost_repeated_or_reused";
    if let Ok(role) = std::env::var("SOTTO_STORE_CHILD") {
        let d = PathBuf::from(std::env::var("SOTTO_STORE_DIR").unwrap());
        crash_child(&d, role == "drain");
        return;
    }
    let d = dir("crash");
    setup(&d);
    let mut r = rng();
    let kills = 60;
    for _ in 0..kills {
        let mut child = spawn(TEST, "crash", &d);
        let ms = 40 + u64::from(r.next_u32() % 260);
        std::thread::sleep(Duration::from_millis(ms));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(9),
            "the child must still be running when killed ({status})"
        );
    }
    let status = spawn(TEST, "drain", &d).wait().unwrap();
    assert!(status.success(), "drain run failed: {status}");
    let (alice, bob) = open_both(&d);
    assert!(alice.pending_outgoing().unwrap().is_empty());
    assert!(bob.pending_outgoing().unwrap().is_empty());
    assert!(alice.pending_incoming().unwrap().is_empty());
    assert!(bob.pending_incoming().unwrap().is_empty());
    // Everything committed arrived: what is left unreceived was never
    // committed (killed between the intent and the commit).
    let (received, wire) = verify(&d);
    assert!(received > 50, "only {received} messages went through");
    // The conversation continues.
    let (mut alice, mut bob) = (alice, bob);
    let mut r = rng();
    let m = alice.encrypt(&mut r, b"bob", b"still here").unwrap();
    let got = bob.decrypt(&mut r, b"alice", &m.message, NOW).unwrap();
    assert_eq!(&got.plaintext[..], b"still here");
    let back = bob.encrypt(&mut r, b"alice", b"me too").unwrap();
    assert_eq!(
        &alice
            .decrypt(&mut r, b"bob", &back.message, NOW)
            .unwrap()
            .plaintext[..],
        b"me too"
    );
    println!(
        "{kills} SIGKILLs: {received} messages received exactly once, {wire} messages on the wire, \
         no chain position reused"
    );
}

#[test]
fn two_processes_on_one_store_serialize() {
    const TEST: &str = "two_processes_on_one_store_serialize";
    const PER_PROCESS: usize = 40;
    if let Ok(role) = std::env::var("SOTTO_STORE_CHILD") {
        let d = PathBuf::from(std::env::var("SOTTO_STORE_DIR").unwrap());
        let mut r = rng();
        let mut alice = Store::open(d.join("alice.db"), &ALICE_KEY, &mut r).unwrap();
        for i in 0..PER_PROCESS {
            alice
                .encrypt(&mut r, b"bob", format!("{role}-{i}").as_bytes())
                .unwrap();
        }
        return;
    }
    let d = dir("two_processes");
    setup(&d);
    let a = spawn(TEST, "first", &d);
    let b = spawn(TEST, "second", &d);
    for mut c in [a, b] {
        assert!(c.wait().unwrap().success());
    }
    let (mut alice, mut bob) = open_both(&d);
    let mut r = rng();
    let pending = alice.pending_outgoing().unwrap();
    assert_eq!(pending.len(), 2 * PER_PROCESS);
    let mut got = HashSet::new();
    for out in pending {
        let inc = bob.decrypt(&mut r, b"alice", &out.message, NOW).unwrap();
        got.insert(String::from_utf8(inc.plaintext.to_vec()).unwrap());
        alice.ack_outgoing(out.id).unwrap();
    }
    for role in ["first", "second"] {
        for i in 0..PER_PROCESS {
            assert!(got.contains(&format!("{role}-{i}")));
        }
    }
    println!(
        "two processes, {} encrypts on one store: all decrypted, each once",
        2 * PER_PROCESS
    );
}
