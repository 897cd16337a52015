//! Zeroization evidence: a global allocator copies every block the program
//! frees (and every block a reallocation leaves behind) into a log before
//! handing it back, and after each scenario the log is searched for every
//! secret the scenario produced. A hit is a secret left in freed memory.
//!
//! The needles are read from the exported states and distribution messages
//! with the documented layouts (`support/secrets.rs`): identity and prekey
//! private keys, root, chain and skipped keys, sender keys and signing
//! seeds, location keys; plus what each chain key derives (the next chain
//! key, the message seed, the AES key of each message label), and canary
//! bytes inside every plaintext. Each 32-byte secret gives two 16-byte
//! needles, so half a key left behind is also found. A 16-byte piece with
//! fewer than `MIN_DISTINCT_BYTES` distinct values (the zero padding of a
//! location payload with one small field) is structure, not secret: it
//! turns up by chance wherever such a byte meets a wiped block, so it is
//! counted and reported but not searched.
//!
//! Scenarios run long conversations with reordering, skipped keys, DH
//! ratchet steps, removals and rotations, and every kind of error path
//! (tampering, replays, truncated and mis-keyed imports), then drop
//! everything; one runs through the C ABI, whose buffers hold exported
//! states and plaintexts. A control scenario frees a key without wiping it
//! and must be caught.
//!
//! Also checked: the `zeroize` feature of every primitive crate in the
//! shipped dependency graph (`cargo tree`), the class of regression behind
//! vodozemac's CVE-2024-34063.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use rand_core::{Rng, UnwrapErr};
use sotto::{
    Group, IdentityKey, IdentityKeyPair, Location, LocationShare, LocationViewer, Precision,
    PrekeyBundle, PrekeyStore, Session, Zeroizing, crypto,
};
use sotto_ffi::*;

#[path = "support/secrets.rs"]
mod secrets;

// ------------------------------------------------------------ the allocator

/// Address space reserved for the log; pages are touched only as used.
const LOG_CAPACITY: usize = 1 << 30;

static RECORDING: AtomicBool = AtomicBool::new(false);
static LOG: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static LOG_LEN: AtomicUsize = AtomicUsize::new(0);
static LOG_FULL: AtomicBool = AtomicBool::new(false);

struct Scanning;

// SAFETY: every call is forwarded to the system allocator; `dealloc` first
// copies the block (still owned, still valid) into the log.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if RECORDING.load(Ordering::Relaxed) {
            // SAFETY: the block is live until System.dealloc below.
            unsafe { record(ptr, layout.size()) };
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    // `realloc` is the trait's default: allocate, copy, `dealloc` the old
    // block, so that what a move leaves behind is logged too.
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

/// # Safety
/// `ptr` points to `len` readable bytes.
unsafe fn record(ptr: *const u8, len: usize) {
    if TRACE.load(Ordering::Relaxed) {
        // SAFETY: forwarded.
        unsafe { trace(ptr, len) };
    }
    let log = LOG.load(Ordering::Relaxed);
    let at = LOG_LEN.load(Ordering::Relaxed);
    if log.is_null() || at + len > LOG_CAPACITY {
        LOG_FULL.store(true, Ordering::Relaxed);
        return;
    }
    // SAFETY: the log has LOG_CAPACITY bytes; [at, at + len) is inside it.
    unsafe { std::ptr::copy_nonoverlapping(ptr, log.add(at), len) };
    LOG_LEN.store(at + len, Ordering::Relaxed);
    if TRACE.load(Ordering::Relaxed) {
        RECORDING.store(false, Ordering::SeqCst);
        BLOCKS.lock().unwrap().push((at, len));
        RECORDING.store(true, Ordering::SeqCst);
    }
}

/// `SOTTO_ZEROIZE_TRACE=1`: check each freed block at once against the
/// needles known so far and print where it was freed, to find a leak.
static TRACE: AtomicBool = AtomicBool::new(false);
/// In trace mode: (log offset, size) of every freed block.
static BLOCKS: std::sync::Mutex<Vec<(usize, usize)>> = std::sync::Mutex::new(Vec::new());
static TRACE_SET: std::sync::Mutex<Option<std::collections::HashSet<[u8; 16]>>> =
    std::sync::Mutex::new(None);

/// # Safety
/// `ptr` points to `len` readable bytes.
unsafe fn trace(ptr: *const u8, len: usize) {
    // SAFETY: caller contract.
    let block = unsafe { std::slice::from_raw_parts(ptr, len) };
    RECORDING.store(false, Ordering::SeqCst);
    let hit = {
        let set = TRACE_SET.lock().unwrap();
        set.as_ref()
            .is_some_and(|set| block.windows(16).any(|w| set.contains(w)))
    };
    if hit {
        eprintln!(
            "secret in a freed block of {len} bytes, freed at:\n{}",
            std::backtrace::Backtrace::force_capture()
        );
    }
    RECORDING.store(true, Ordering::SeqCst);
}

fn start_recording() {
    LOG_LEN.store(0, Ordering::Relaxed);
    BLOCKS.lock().unwrap().clear();
    RECORDING.store(true, Ordering::SeqCst);
}

fn stop_recording() -> &'static [u8] {
    RECORDING.store(false, Ordering::SeqCst);
    assert!(
        !LOG_FULL.load(Ordering::Relaxed),
        "the freed-memory log overflowed"
    );
    let len = LOG_LEN.load(Ordering::Relaxed);
    // SAFETY: [0, len) was written by `record`; nothing writes while not
    // recording.
    unsafe { std::slice::from_raw_parts(LOG.load(Ordering::Relaxed), len) }
}

// ------------------------------------------------------------ the needles

/// Secrets to look for, in a vector reserved up front so that adding one
/// never reallocates (which would itself free copies of secrets).
struct Needles {
    items: Vec<([u8; 16], &'static str)>,
    /// Pieces of secret fields too regular to search for (see the module docs).
    regular: usize,
}

/// The fewest distinct byte values a 16-byte needle has; random key
/// material has 15 or 16 (fewer than 4 has probability below 2^-90).
const MIN_DISTINCT_BYTES: usize = 4;

const MAX_NEEDLES: usize = 2_000_000;

impl Needles {
    fn new() -> Self {
        Needles {
            items: Vec::with_capacity(MAX_NEEDLES),
            regular: 0,
        }
    }

    fn add(&mut self, bytes: &[u8], what: &'static str) {
        for chunk in bytes.chunks_exact(16) {
            assert!(self.items.len() < MAX_NEEDLES, "raise MAX_NEEDLES");
            let needle: [u8; 16] = chunk.try_into().unwrap();
            let mut seen = [false; 256];
            for &b in &needle {
                seen[usize::from(b)] = true;
            }
            if seen.iter().filter(|&&s| s).count() < MIN_DISTINCT_BYTES {
                self.regular += 1;
                continue;
            }
            self.items.push((needle, what));
            if TRACE.load(Ordering::Relaxed) {
                let was = RECORDING.swap(false, Ordering::SeqCst);
                TRACE_SET
                    .lock()
                    .unwrap()
                    .get_or_insert_with(Default::default)
                    .insert(needle);
                RECORDING.store(was, Ordering::SeqCst);
            }
        }
    }

    /// A 32-byte secret and what it derives if it is a chain key.
    fn add_key(&mut self, key: &[u8; 32], what: &'static str) {
        self.add(key, what);
        let seed = crypto::hmac_sha256(key, &[0x01]);
        let next = crypto::hmac_sha256(key, &[0x02]);
        self.add(&seed, "message seed derived from a chain key");
        self.add(&next, "next chain key derived from a chain key");
        for label in [
            sotto::LABEL_MESSAGE_KEYS,
            sotto::LABEL_GROUP_MESSAGE_KEYS,
            sotto::location::LABEL_LOCATION_KEYS,
        ] {
            let mut okm = Zeroizing::new([0u8; 44]);
            crypto::hkdf_sha256(&[0u8; 32], &seed, label, okm.as_mut_slice()).unwrap();
            self.add(&okm[..32], "AES key derived from a chain key");
        }
    }

    /// Every secret in an exported state or a distribution message.
    fn add_export(&mut self, bytes: &[u8], what: &'static str) {
        for r in secrets::secret_ranges(bytes) {
            let field = &bytes[r];
            if let Ok(key) = <&[u8; 32]>::try_from(field) {
                self.add_key(key, what);
            } else {
                self.add(field, what);
            }
        }
    }

    /// Searches the log; returns (needle kind, offset) for every hit.
    fn search(&self, log: &[u8]) -> Vec<(&'static str, usize)> {
        let mut by_prefix: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, (n, _)) in self.items.iter().enumerate() {
            let prefix = u64::from_le_bytes(n[..8].try_into().unwrap());
            by_prefix.entry(prefix).or_default().push(i);
        }
        let mut hits = Vec::new();
        if log.len() < 16 {
            return hits;
        }
        for at in 0..=log.len() - 16 {
            let prefix = u64::from_le_bytes(log[at..at + 8].try_into().unwrap());
            if let Some(candidates) = by_prefix.get(&prefix) {
                for &i in candidates {
                    if log[at..at + 16] == self.items[i].0 {
                        hits.push((self.items[i].1, at));
                    }
                }
            }
        }
        hits
    }
}

/// A plaintext holding 16 random canary bytes, registered as a needle.
fn canary_message(rng: &mut Rng0, needles: &mut Needles, n: usize) -> Zeroizing<Vec<u8>> {
    let mut canary = [0u8; 16];
    rng.fill_bytes(&mut canary);
    needles.add(&canary, "plaintext");
    let mut m = Zeroizing::new(Vec::with_capacity(64 + 16));
    m.extend_from_slice(format!("message {n:>4} ").as_bytes());
    m.extend_from_slice(&canary);
    m
}

// ------------------------------------------------------------ scenarios

type Rng0 = UnwrapErr<getrandom::SysRng>;
const NOW: u64 = 1_800_000_000;

fn wipe(v: Vec<u8>) {
    drop(Zeroizing::new(v));
}

/// What an app does with SDK objects: keeps them in a collection that
/// grows (each growth moves them and frees the old block), boxes them, takes
/// them out again. Every object must survive this without leaving a key in
/// the memory it moved out of.
fn move_around<T>(items: Vec<T>) -> Vec<T> {
    let mut grown = Vec::new();
    for item in items {
        grown.push(Box::new(item));
    }
    let mut out = Vec::new();
    for b in grown {
        out.push(*b);
    }
    out
}

/// Identities and prekey stores: generation, batches of one-time prekeys,
/// signed-prekey rotation and expiry, acceptance, import errors.
fn keys(rng: &mut Rng0, needles: &mut Needles) {
    let id = IdentityKeyPair::generate(rng);
    needles.add_export(&id.to_bytes(), "identity");
    let mut store = PrekeyStore::new(rng, &id, NOW);
    for _ in 0..5 {
        store.generate_one_time_prekeys(rng, 37).unwrap();
        needles.add_export(&store.to_bytes(), "prekey store");
    }
    store.rotate_signed_prekey(rng, &id, NOW + 10).unwrap();
    needles.add_export(&store.to_bytes(), "prekey store");
    // Accept a few sessions, consuming one-time prekeys from the middle.
    let alice = IdentityKeyPair::generate(rng);
    needles.add_export(&alice.to_bytes(), "identity");
    let otks = store.one_time_prekeys();
    for otk in otks.iter().step_by(17) {
        let bundle = PrekeyBundle {
            identity: *id.public_key(),
            signed_prekey: store.signed_prekey(),
            one_time_prekey: Some(*otk),
            pq_prekey: None,
        };
        let mut s = Session::initiate(rng, &alice, &bundle).unwrap();
        needles.add_export(&s.to_bytes(), "session");
        let m = canary_message(rng, needles, 0);
        let first = s.encrypt(rng, &m).unwrap();
        let accepted = store.accept(&id, &first, NOW + 20).unwrap();
        needles.add_export(&accepted.session.to_bytes(), "session");
        wipe(accepted.plaintext);
        // The same message again: its one-time prekey is gone.
        assert!(store.accept(&id, &first, NOW + 20).is_err());
    }
    store.expire(NOW + 100 * 24 * 3600);
    let mut stores = move_around(vec![store]);
    let store = stores.pop().unwrap();
    let mut ids = move_around(vec![id]);
    let id = ids.pop().unwrap();
    // Imports that fail part-way, through every prefix of the encodings.
    let key = [7u8; 32];
    for bytes in [id.to_bytes(), store.to_bytes()] {
        for len in (0..bytes.len()).step_by(13) {
            assert!(IdentityKeyPair::from_bytes(&bytes[..len]).is_err() || len == bytes.len());
            assert!(PrekeyStore::from_bytes(&bytes[..len]).is_err());
        }
    }
    let sealed = store.seal(&key, rng).unwrap();
    assert!(PrekeyStore::open(&[8u8; 32], &sealed).is_err());
    let reopened = PrekeyStore::open(&key, &sealed).unwrap();
    drop(reopened);
    let sealed = id.seal(&key, rng).unwrap();
    assert!(IdentityKeyPair::open(&[8u8; 32], &sealed).is_err());
    drop(IdentityKeyPair::open(&key, &sealed).unwrap());
}

fn session_pair(rng: &mut Rng0, needles: &mut Needles) -> (Session, Session) {
    let alice = IdentityKeyPair::generate(rng);
    let bob = IdentityKeyPair::generate(rng);
    needles.add_export(&alice.to_bytes(), "identity");
    needles.add_export(&bob.to_bytes(), "identity");
    let mut store = PrekeyStore::new(rng, &bob, NOW);
    store
        .generate_pq_one_time_prekeys(rng, &bob, 2, NOW)
        .unwrap();
    needles.add_export(&store.to_bytes(), "prekey store");
    // PQXDH over a one-time ML-KEM prekey: its seed is a needle too.
    let bundle = PrekeyBundle {
        identity: *bob.public_key(),
        signed_prekey: store.signed_prekey(),
        one_time_prekey: None,
        pq_prekey: store.pq_one_time_prekeys().first().copied(),
    };
    let mut a = Session::initiate(rng, &alice, &bundle).unwrap();
    let m = canary_message(rng, needles, 0);
    let first = a.encrypt(rng, &m).unwrap();
    let accepted = store.accept(&bob, &first, NOW).unwrap();
    wipe(accepted.plaintext);
    (a, accepted.session)
}

/// 1:1 sessions: 400 messages in bursts, delivered out of order with gaps
/// (skipped keys, old chains, DH ratchet steps), replays, tampering,
/// export, import, seal and open, failed imports.
fn sessions(rng: &mut Rng0, needles: &mut Needles) {
    let (mut a, mut b) = session_pair(rng, needles);
    let mut n = 0;
    for round in 0..40 {
        let (from, to) = if round % 2 == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let burst = 1 + (rng.next_u32() % 12) as usize;
        let mut msgs = Vec::new();
        for _ in 0..burst {
            n += 1;
            let m = canary_message(rng, needles, n);
            msgs.push(from.encrypt(rng, &m).unwrap());
            needles.add_export(&from.to_bytes(), "session");
        }
        // Deliver in reverse, dropping every fifth (its key stays skipped).
        for (i, m) in msgs.iter().enumerate().rev() {
            if i % 5 == 4 {
                continue;
            }
            let pt = to.decrypt(m).unwrap();
            wipe(pt);
            needles.add_export(&to.to_bytes(), "session");
            assert!(to.decrypt(m).is_err(), "replay");
            let mut bad = m.clone();
            let last = bad.len() - 1;
            bad[last] ^= 0x40;
            assert!(to.decrypt(&bad).is_err(), "tampering");
        }
    }
    assert!(a.skipped_key_count() + b.skipped_key_count() > 0);
    let mut moved = move_around(vec![a, b]);
    let b = moved.pop().unwrap();
    let a = moved.pop().unwrap();
    let key = [3u8; 32];
    for s in [&a, &b] {
        let bytes = s.to_bytes();
        needles.add_export(&bytes, "session");
        for len in (0..bytes.len()).step_by(29) {
            assert!(Session::from_bytes(&bytes[..len]).is_err());
        }
        let restored = Session::from_bytes(&bytes).unwrap();
        drop(restored);
        let sealed = s.seal(&key, rng).unwrap();
        assert!(Session::open(&[4u8; 32], &sealed).is_err());
        drop(Session::open(&key, &sealed).unwrap());
    }
}

fn identity_key(rng: &mut Rng0, needles: &mut Needles) -> IdentityKey {
    *identity_pair(rng, needles).public_key()
}

fn identity_pair(rng: &mut Rng0, needles: &mut Needles) -> IdentityKeyPair {
    let id = IdentityKeyPair::generate(rng);
    needles.add_export(&id.to_bytes(), "identity");
    id
}

/// Groups: three members, 300 messages with gaps and reordering, replays,
/// tampering, a removal (rotation), periodic rotation, export and import.
fn groups(rng: &mut Rng0, needles: &mut Needles) {
    let pairs: Vec<IdentityKeyPair> = (0..3).map(|_| identity_pair(rng, needles)).collect();
    let ids: Vec<IdentityKey> = pairs.iter().map(|p| *p.public_key()).collect();
    let mut gs: Vec<Group> = (0..3)
        .map(|i| {
            let others: Vec<IdentityKey> = ids.iter().copied().filter(|x| *x != ids[i]).collect();
            Group::new(rng, &pairs[i], b"zeroize group", &others).unwrap()
        })
        .collect();
    let distribute = |gs: &mut Vec<Group>, from: usize, d: &[u8], needles: &mut Needles| {
        needles.add_export(d, "sender-key distribution");
        for (j, g) in gs.iter_mut().enumerate() {
            if j != from && g.is_member(&ids[from]) {
                g.process_distribution(&ids[from], d).unwrap();
            }
        }
    };
    for i in 0..3 {
        let d = gs[i].distribution();
        distribute(&mut gs, i, &d, needles);
    }
    let mut n = 0;
    for round in 0..30 {
        let from = round % 3;
        let burst = 1 + (rng.next_u32() % 15) as usize;
        let mut msgs = Vec::new();
        for _ in 0..burst {
            n += 1;
            let m = canary_message(rng, needles, n);
            msgs.push(gs[from].encrypt(&m).unwrap());
        }
        needles.add_export(&gs[from].to_bytes(), "group");
        for to in (0..3).filter(|&t| t != from) {
            for (i, m) in msgs.iter().enumerate().rev() {
                if i % 4 == 3 || !gs[to].is_member(&ids[from]) {
                    continue;
                }
                let pt = gs[to].decrypt(&ids[from], m).unwrap();
                wipe(pt);
                assert!(gs[to].decrypt(&ids[from], m).is_err(), "replay");
                let mut bad = m.clone();
                bad[10] ^= 1;
                assert!(gs[to].decrypt(&ids[from], &bad).is_err(), "tampering");
            }
            needles.add_export(&gs[to].to_bytes(), "group");
        }
        if round == 12 {
            // Member 2 leaves: the others rotate.
            for i in 0..2 {
                let d = gs[i].remove_member(rng, &ids[2]).unwrap();
                distribute(&mut gs, i, &d, needles);
            }
        }
        if round == 20 {
            let d = gs[0].rotate(rng);
            distribute(&mut gs, 0, &d, needles);
        }
    }
    let gs = move_around(gs);
    let key = [5u8; 32];
    for g in &gs {
        let bytes = g.to_bytes();
        needles.add_export(&bytes, "group");
        for len in (0..bytes.len()).step_by(31) {
            assert!(Group::from_bytes(&bytes[..len]).is_err());
        }
        drop(Group::from_bytes(&bytes).unwrap());
        let sealed = g.seal(&key, rng).unwrap();
        assert!(Group::open(&[6u8; 32], &sealed).is_err());
        drop(Group::open(&key, &sealed).unwrap());
    }
}

/// Live location: a share with two viewers and a late one, 200 updates
/// with gaps, stale and tampered updates, skip_to, a removal, export and
/// import of both sides.
fn location(rng: &mut Rng0, needles: &mut Needles) {
    let sender_pair = identity_pair(rng, needles);
    let sender = *sender_pair.public_key();
    let viewers: Vec<IdentityKey> = (0..3).map(|_| identity_key(rng, needles)).collect();
    let mut share = LocationShare::new(
        rng,
        &sender_pair,
        b"chat",
        &viewers[..2],
        NOW + 3600,
        Precision::Exact,
    )
    .unwrap();
    let d = share.distribution();
    needles.add_export(&d, "location distribution");
    let mut vs: Vec<LocationViewer> = (0..2)
        .map(|_| LocationViewer::new(b"chat", &sender, &d).unwrap())
        .collect();
    drop(d);
    let mut last = Vec::new();
    for i in 0..200u32 {
        let fix = Location {
            latitude_e7: 515_000_000 + i as i32 * 17,
            longitude_e7: -1_000_000 - i as i32 * 13,
            accuracy_cm: 500,
            altitude_cm: None,
            heading_centideg: None,
            speed_cm_s: None,
            timestamp_ms: (NOW + u64::from(i)) * 1000,
            sequence: i,
            precision: Precision::Exact,
        };
        let update = share.encrypt(&fix, NOW + u64::from(i)).unwrap();
        needles.add_export(&share.to_bytes(), "location share");
        if i == 50 {
            let d = share.add_viewer(&viewers[2]).unwrap();
            needles.add_export(&d, "location distribution");
            vs.push(LocationViewer::new(b"chat", &sender, &d).unwrap());
        }
        if i == 120 {
            let d = share.remove_viewer(rng, &viewers[0]).unwrap();
            needles.add_export(&d, "location distribution");
            for v in vs.iter_mut().skip(1) {
                v.process_distribution(&d).unwrap();
            }
        }
        if i % 7 != 0 {
            continue; // lost on the way
        }
        for v in vs.iter_mut() {
            let _ = v.decrypt(&update, NOW + u64::from(i));
            needles.add_export(&v.to_bytes(), "location viewer");
            assert!(v.decrypt(&update, NOW + u64::from(i)).is_err(), "stale");
            if !last.is_empty() {
                assert!(v.decrypt(&last, NOW + u64::from(i)).is_err(), "older");
            }
        }
        last = update;
    }
    vs[1].skip_to(400).unwrap();
    let vs = move_around(vs);
    let mut shares = move_around(vec![share]);
    let share = shares.pop().unwrap();
    let key = [9u8; 32];
    needles.add_export(&share.to_bytes(), "location share");
    let bytes = share.to_bytes();
    for len in (0..bytes.len()).step_by(11) {
        assert!(LocationShare::from_bytes(&bytes[..len]).is_err());
    }
    drop(LocationShare::from_bytes(&bytes).unwrap());
    let sealed = share.seal(&key, rng).unwrap();
    assert!(LocationShare::open(&[1u8; 32], &sealed).is_err());
    for v in &vs {
        let bytes = v.to_bytes();
        needles.add_export(&bytes, "location viewer");
        for len in (0..bytes.len()).step_by(11) {
            assert!(LocationViewer::from_bytes(&bytes[..len]).is_err());
        }
        drop(LocationViewer::from_bytes(&bytes).unwrap());
        let sealed = v.seal(&key, rng).unwrap();
        drop(LocationViewer::open(&key, &sealed).unwrap());
    }
}

/// The C ABI: sessions imported from exported state, messages and
/// plaintexts in library buffers, exports, seals, failed imports.
/// Attachments and backups: the blob key, the backup key, a password and
/// canaries in every chunk of the plaintexts, through streaming, one-shot
/// and random-access use and their error paths.
/// HMAC-SHA-512 (RFC 2104), for needles derived the way the SDK derives
/// them.
fn hmac_sha512(key: &[u8], message: &[u8]) -> Zeroizing<[u8; 64]> {
    use sha2::{Digest, Sha512};
    let mut k = Zeroizing::new([0u8; 128]);
    k[..key.len()].copy_from_slice(key);
    let mut inner = Sha512::new();
    inner.update(k.iter().map(|b| b ^ 0x36).collect::<Vec<u8>>());
    inner.update(message);
    let mut outer = Sha512::new();
    outer.update(k.iter().map(|b| b ^ 0x5c).collect::<Vec<u8>>());
    outer.update(inner.finalize());
    Zeroizing::new(outer.finalize().into())
}

fn media(rng: &mut Rng0, needles: &mut Needles) {
    use sotto::attachment::{self, AttachmentDecryptor};
    use sotto::backup::{Argon2Params, BackupDecryptor, BackupEncryptor, BackupKey, BackupSecret};
    let mut plain = Zeroizing::new(Vec::with_capacity(5 * 9100));
    for n in 0..5 {
        plain.extend_from_slice(&canary_message(rng, needles, n));
        let len = plain.len() + 9000;
        plain.resize(len, 0x5a);
    }
    let (blob, done) = attachment::encrypt(rng, &plain).unwrap();
    needles.add(&done.key[..], "attachment key");
    // The chunks' AES key the stream derives (C2SP chunked encryption).
    let mut info = b"c2sp.org/chunked-encryption@v1+AEAD_AES_256_GCM\x00".to_vec();
    info.extend_from_slice(&blob[..24]);
    info.extend_from_slice(attachment::LABEL_ATTACHMENT);
    info.push(1);
    let chunk_key = hmac_sha512(&done.key[..], &info);
    needles.add(&chunk_key[..32], "attachment chunk key");
    // The needle is right: it seals the first chunk as the blob has it.
    let mut first = Zeroizing::new(plain[..16384].to_vec());
    let tag = crypto::aes256gcm_seal_in_place(
        chunk_key[..32].try_into().unwrap(),
        chunk_key[32..44].try_into().unwrap(),
        &mut first,
    )
    .unwrap();
    assert_eq!(&first[..], &blob[56..56 + 16384]);
    assert_eq!(&tag[..], &blob[56 + 16384..56 + 16400]);
    let descriptor = done.descriptor("image/jpeg");
    let whole = attachment::decrypt(&descriptor, &blob).unwrap();
    assert_eq!(&whole[..], &plain[..]);
    drop(whole);
    let mut d = AttachmentDecryptor::new(&descriptor).unwrap();
    let mut out = Zeroizing::new(vec![0u8; blob.len()]);
    let n = d.update(&blob, &mut out).unwrap();
    let _ = d.finish(&mut out[n..]).unwrap();
    drop(d);
    let mut reader = attachment::open_reader(&descriptor, &blob[..]).unwrap();
    let mut buf = Zeroizing::new(vec![0u8; 100]);
    reader.read_at(20_000, &mut buf).unwrap();
    drop(reader);
    let mut wrong = descriptor.clone();
    wrong.ciphertext_sha256[0] ^= 1;
    assert!(attachment::decrypt(&wrong, &blob).is_err());
    drop((wrong, descriptor, done, out, buf));

    let key = BackupKey::generate(rng);
    needles.add(key.as_bytes(), "backup key");
    let digits = key.to_digits();
    let mut password = [0u8; 32];
    rng.fill_bytes(&mut password);
    needles.add(&password, "password");
    for secret in [
        BackupSecret::Key(&key),
        BackupSecret::Password(&password, Argon2Params::MINIMUM),
    ] {
        let mut e = BackupEncryptor::new(rng, secret, &plain[..20_000]).unwrap();
        let mut backup = vec![0u8; e.update_len(plain.len()).unwrap()];
        let n = e.update(&plain, &mut backup).unwrap();
        backup.truncate(n);
        let mut tail = vec![0u8; e.finish_len()];
        let m = e.finish(&mut tail).unwrap();
        backup.extend_from_slice(&tail[..m]);
        drop(e);
        let mut r = BackupDecryptor::new(secret).unwrap();
        let mut out = Zeroizing::new(vec![0u8; r.update_len(backup.len()).unwrap()]);
        let n = r.update(&backup, &mut out).unwrap();
        let mut last = Zeroizing::new(vec![0u8; r.finish_len()]);
        let (_, state) = r.finish(&mut last).unwrap();
        assert_eq!(&state[..], &plain[..20_000]);
        assert_eq!(&out[..n], &plain[..n]);
        drop((r, state, out, last));
        let mut bad = backup.clone();
        let at = bad.len() - 3;
        bad[at] ^= 1;
        let mut r = BackupDecryptor::new(secret).unwrap();
        let mut out = Zeroizing::new(vec![0u8; r.update_len(bad.len()).unwrap()]);
        let _ = r.update(&bad, &mut out);
        let mut last = Zeroizing::new(vec![0u8; 64 * 1024]);
        assert!(r.finish(&mut last).is_err());
    }
    drop((digits, key));
    zeroize::Zeroize::zeroize(&mut password);
}

fn c_abi(rng: &mut Rng0, needles: &mut Needles) {
    let (a, b) = session_pair(rng, needles);
    let mut handles = [std::ptr::null_mut(); 2];
    for (h, s) in handles.iter_mut().zip([&a, &b]) {
        let bytes = s.to_bytes();
        needles.add_export(&bytes, "session");
        // SAFETY: valid buffers and out-pointer.
        let st = unsafe { sotto_session_import(bytes.as_ptr(), bytes.len(), h) };
        assert_eq!(st, sotto_status::Ok);
        // SAFETY: a truncated import fails and writes nothing.
        let mut none = std::ptr::null_mut();
        let st = unsafe { sotto_session_import(bytes.as_ptr(), bytes.len() - 1, &mut none) };
        assert_ne!(st, sotto_status::Ok);
    }
    drop((a, b));
    let key = [2u8; 32];
    for n in 0..60 {
        let (from, to) = if n % 3 == 0 { (1, 0) } else { (0, 1) };
        let m = canary_message(rng, needles, n);
        let mut msg = sotto_buffer {
            data: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: live handle, valid buffers.
        let st = unsafe { sotto_session_encrypt(handles[from], m.as_ptr(), m.len(), &mut msg) };
        assert_eq!(st, sotto_status::Ok);
        let mut pt = sotto_buffer {
            data: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: as above.
        let st = unsafe { sotto_session_decrypt(handles[to], msg.data, msg.len, &mut pt) };
        assert_eq!(st, sotto_status::Ok);
        // SAFETY: a replay fails and writes nothing.
        let mut again = pt;
        let st = unsafe { sotto_session_decrypt(handles[to], msg.data, msg.len, &mut again) };
        assert_ne!(st, sotto_status::Ok);
        let mut exported = sotto_buffer {
            data: std::ptr::null_mut(),
            len: 0,
        };
        // SAFETY: as above.
        let st = unsafe { sotto_session_export(handles[to], &mut exported) };
        assert_eq!(st, sotto_status::Ok);
        // SAFETY: the library's buffer, valid until freed.
        needles.add_export(
            unsafe { std::slice::from_raw_parts(exported.data, exported.len) },
            "session exported through the C ABI",
        );
        let mut sealed = exported;
        sealed.data = std::ptr::null_mut();
        sealed.len = 0;
        // SAFETY: as above.
        let st = unsafe { sotto_session_seal(handles[to], key.as_ptr(), &mut sealed) };
        assert_eq!(st, sotto_status::Ok);
        // SAFETY: buffers this library filled.
        unsafe {
            sotto_buffer_free(&mut msg);
            sotto_buffer_free(&mut pt);
            sotto_buffer_free(&mut exported);
            sotto_buffer_free(&mut sealed);
        }
    }
    for h in handles.iter_mut() {
        // SAFETY: live handles, freed once.
        unsafe { sotto_session_free(h) };
    }
}

/// The control: a key copied into a plain vector and dropped unwiped.
fn control(rng: &mut Rng0, needles: &mut Needles) {
    let mut key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(key.as_mut_slice());
    needles.add(key.as_slice(), "control");
    let leaked = key.to_vec();
    drop(std::hint::black_box(leaked));
}

// ------------------------------------------------------------ main

fn check_zeroize_features() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["tree", "--locked", "-p", "sotto-ffi", "-e", "normal"])
        .args(["-f", "{p} [{f}]", "--prefix", "none"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let primitives = [
        "x25519-dalek",
        "ed25519-dalek",
        "curve25519-dalek",
        "aes-gcm-siv",
        "aes",
        "polyval",
        "ctr",
        "cipher",
        "sha2",
        "hmac",
        "digest",
        "block-buffer",
        "aes-gcm",
        "ghash",
        "argon2",
        "blake2",
    ];
    for name in primitives {
        let line = tree
            .lines()
            .find(|l| l.starts_with(&format!("{name} v")))
            .unwrap_or_else(|| panic!("{name} is not in the dependency graph:\n{tree}"));
        let features = line.split('[').nth(1).unwrap_or_default();
        assert!(
            features.split([',', ']']).any(|f| f == "zeroize"),
            "{name} is built without its zeroize feature: {line}"
        );
    }
    println!(
        "zeroize feature on in all {} primitive crates: {}",
        primitives.len(),
        primitives.join(", ")
    );
}

/// Calls: key updates through the envelope, SRTP keys, and a group call
/// through five epochs (keys retired, decryptors growing and shrinking),
/// with canaries in every frame; the SFrame base keys and keys each secret
/// derives are needles too.
fn calls(rng: &mut Rng0, needles: &mut Needles) {
    use sotto::calls::sframe::{SframeDecryptor, SframeEncryptor, SframeSuite};
    use sotto::calls::{
        CallSecret, CallSignal, CallSignalKind, Direction, GroupCall, SrtpProfile, group_kid,
    };
    use sotto::{Content, DisappearingTimer, Envelope};
    let call_id = [0x33u8; 16];
    let mut raw = Vec::with_capacity(8);
    for _ in 0..5 {
        let mut b = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut b[..]);
        needles.add(&b[..], "call secret");
        for sender in 0..4u32 {
            for epoch in 1..=5u32 {
                let mut info = b"sotto v1 call sframe".to_vec();
                info.extend_from_slice(&epoch.to_be_bytes());
                info.extend_from_slice(&sender.to_be_bytes());
                let mut base = Zeroizing::new([0u8; 32]);
                crypto::hkdf_sha256(&call_id, &b[..], &info, &mut base[..]).unwrap();
                needles.add(&base[..], "SFrame base key");
                let kid = group_kid(epoch, sender);
                let mut label = b"SFrame 1.0 Secret key ".to_vec();
                label.extend_from_slice(&kid.to_be_bytes());
                label.extend_from_slice(&4u16.to_be_bytes());
                let mut key = Zeroizing::new([0u8; 16]);
                crypto::hkdf_sha256(&[], &base[..], &label, &mut key[..]).unwrap();
                needles.add(&key[..], "SFrame key");
            }
        }
        raw.push(b);
    }
    // Key updates through the envelope, and SRTP keys.
    for (i, b) in raw.iter().enumerate() {
        let signal = CallSignal {
            kind: CallSignalKind::KeyUpdate,
            call_id,
            epoch: i as u32 + 1,
            video: true,
            secret: Some(CallSecret::from_bytes(&b[..]).unwrap()),
            participants: vec![0, 1, 2, 3],
        };
        let bytes = Envelope::new(Content::Call(signal.clone()), 1, DisappearingTimer::OFF)
            .encode()
            .unwrap();
        let back = Envelope::decode(&bytes).unwrap();
        drop((back, signal, bytes));
        let secret = CallSecret::from_bytes(&b[..]).unwrap();
        for p in [SrtpProfile::AesCm128HmacSha1_80, SrtpProfile::AeadAes256Gcm] {
            let k = secret.srtp(&call_id, p, Direction::Callee).unwrap();
            needles.add(&k.master_key[..16], "SRTP master key");
        }
    }
    // A group call of four through five epochs.
    let secrets: Vec<CallSecret> = raw
        .iter()
        .map(|b| CallSecret::from_bytes(&b[..]).unwrap())
        .collect();
    let mut calls: Vec<GroupCall> = (0..4)
        .map(|i| GroupCall::new(call_id, SframeSuite::AesGcm128Sha256, i))
        .collect();
    let mut out = Zeroizing::new(vec![0u8; 1300]);
    let mut plain = Zeroizing::new(vec![0u8; 1300]);
    for (e, secret) in secrets.iter().enumerate() {
        let at = 10_000 * e as u64;
        for c in calls.iter_mut() {
            c.install(e as u32 + 1, secret, &[0, 1, 2, 3], at).unwrap();
        }
        for sender in 0..4usize {
            let frame = canary_message(rng, needles, sender);
            let n = calls[sender].encrypt(b"m", &frame, &mut out).unwrap();
            for r in (0..4).filter(|r| *r != sender) {
                calls[r]
                    .decrypt(b"m", &out[..n], &mut plain, at + 5)
                    .unwrap();
            }
            let mut bad = out[..n].to_vec();
            bad[n - 1] ^= 1;
            assert!(
                calls[(sender + 1) % 4]
                    .decrypt(b"m", &bad, &mut plain, at + 5)
                    .is_err()
            );
        }
    }
    let calls = move_around(calls);
    drop(calls);
    // A decryptor that grows and shrinks.
    let mut dec = SframeDecryptor::new(SframeSuite::AesGcm256Sha512);
    for kid in 0..40u64 {
        let mut base = [0u8; 32];
        rng.fill_bytes(&mut base);
        needles.add(&base, "SFrame base key");
        dec.add_key(kid, &base).unwrap();
        if kid % 3 == 0 {
            let mut enc = SframeEncryptor::new(SframeSuite::AesGcm256Sha512, kid, &base).unwrap();
            let frame = canary_message(rng, needles, kid as usize);
            let n = enc.encrypt(b"", &frame, &mut out).unwrap();
            dec.decrypt(b"", &out[..n], &mut plain).unwrap();
        }
        zeroize::Zeroize::zeroize(&mut base);
    }
    for kid in (0..40u64).step_by(2) {
        assert!(dec.remove_key(kid));
    }
    drop((dec, secrets, raw, out, plain));
}

fn main() {
    // The log is allocated from the system allocator directly, once.
    // SAFETY: a non-zero size; the pointer is checked for null below.
    let log = unsafe { System.alloc(Layout::from_size_align(LOG_CAPACITY, 64).unwrap()) };
    assert!(!log.is_null());
    LOG.store(log, Ordering::Relaxed);

    check_zeroize_features();
    TRACE.store(
        std::env::var_os("SOTTO_ZEROIZE_TRACE").is_some(),
        Ordering::Relaxed,
    );

    type Scenario = fn(&mut Rng0, &mut Needles);
    let scenarios: [(&str, Scenario); 8] = [
        ("identities and prekeys", keys),
        ("1:1 sessions", sessions),
        ("groups", groups),
        ("live location", location),
        ("C ABI buffers", c_abi),
        ("attachments and backups", media),
        ("calls", calls),
        ("control: an unwiped copy", control),
    ];
    let mut rng = UnwrapErr(getrandom::SysRng);
    let mut failed = 0;
    for (name, scenario) in scenarios {
        let mut needles = Needles::new();
        start_recording();
        scenario(&mut rng, &mut needles);
        let log = stop_recording();
        let hits = needles.search(log);
        let is_control = name.starts_with("control");
        let distinct: std::collections::HashSet<[u8; 16]> =
            needles.items.iter().map(|(n, _)| *n).collect();
        println!(
            "{name}: {} distinct needles ({} regular pieces not searched), {} KiB of freed memory searched, {} hits",
            distinct.len(),
            needles.regular,
            log.len() / 1024,
            hits.len()
        );
        if is_control {
            if hits.is_empty() {
                println!("  FAILED: the control's unwiped key was not found");
                failed += 1;
            }
        } else if !hits.is_empty() {
            let mut kinds: HashMap<&str, usize> = HashMap::new();
            for (what, _) in &hits {
                *kinds.entry(what).or_default() += 1;
            }
            println!("  FAILED: secrets left in freed memory: {kinds:?}");
            if TRACE.load(Ordering::Relaxed) {
                let blocks = BLOCKS.lock().unwrap();
                let mut sizes: HashMap<usize, usize> = HashMap::new();
                for (_, at) in &hits {
                    let i = blocks.partition_point(|(o, _)| o <= at).saturating_sub(1);
                    *sizes.entry(blocks[i].1).or_default() += 1;
                }
                println!("  hits by freed block size: {sizes:?}");
            }
            failed += 1;
        }
    }
    assert_eq!(failed, 0, "{failed} scenario(s) failed");
    println!(
        "zeroization: 0 hits in {} scenarios, control caught",
        scenarios.len() - 1
    );
}
