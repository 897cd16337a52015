//! Secrets left in freed heap memory by backups: a global allocator that,
//! while armed, looks at every block freed (or moved by a reallocation) for
//! a needle taken from the secret state. `Zeroizing` wipes a buffer on
//! drop, but not the blocks a growing `Vec` leaves behind when it moves.
#![cfg(feature = "store")]
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rand_core::UnwrapErr;
use sotto::backup::{BackupDecryptor, BackupEncryptor, BackupKey, BackupSecret};

/// Freed blocks are scanned only while armed.
static ARMED: AtomicBool = AtomicBool::new(false);
/// Freed blocks that held the needle.
static HITS: AtomicUsize = AtomicUsize::new(0);
/// What to look for (never allocates).
static NEEDLE: Mutex<[u8; 32]> = Mutex::new([0u8; 32]);
/// One test at a time: the counters are global.
static SERIAL: Mutex<()> = Mutex::new(());

struct Scanning;

// SAFETY: forwards to the system allocator; only reads the block being
// freed before freeing it.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed)
            && layout.size() >= 32
            && let Ok(needle) = NEEDLE.try_lock()
        {
            // SAFETY: the block is live until freed below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if block.windows(32).any(|w| w == &needle[..]) {
                HITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    // `realloc` is the trait's default: alloc, copy, dealloc (scanned).
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

fn arm(needle: &[u8; 32]) {
    *NEEDLE.lock().unwrap() = *needle;
    HITS.store(0, Ordering::SeqCst);
    ARMED.store(true, Ordering::SeqCst);
}

fn disarm() -> usize {
    ARMED.store(false, Ordering::SeqCst);
    HITS.load(Ordering::SeqCst)
}

/// A backup's SDK state of 3 MiB (a store with thousands of contacts and
/// conversations): `BackupDecryptor` reserves at most 1 MiB for it and
/// then lets the `Vec` grow, each move leaving the state so far (identity
/// secret first) in a freed block.
#[test]
fn reading_a_large_backup_state_leaves_no_unwiped_copies_on_the_heap() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let needle = *b"IDSECRET-7c1a9e3-identity-seed!!";
    let mut state = Vec::with_capacity(3 << 20);
    while state.len() < 3 << 20 {
        state.extend_from_slice(&needle);
    }
    let r = &mut UnwrapErr(getrandom::SysRng);
    let key = BackupKey::generate(r);
    let mut e = BackupEncryptor::new(r, BackupSecret::Key(&key), &state).unwrap();
    let mut backup = vec![0u8; e.update_len(0).unwrap()];
    let n = e.update(&[], &mut backup).unwrap();
    backup.truncate(n);
    let mut fin = vec![0u8; e.finish_len()];
    let m = e.finish(&mut fin).unwrap();
    backup.extend_from_slice(&fin[..m]);
    drop(e);
    state.iter_mut().for_each(|b| *b = 0);
    drop(state);

    let mut d = BackupDecryptor::new(BackupSecret::Key(&key)).unwrap();
    // One output buffer, wiped by the test after each call.
    let mut out = vec![0u8; 200_000];
    arm(&needle);
    for piece in backup.chunks(64 * 1024) {
        let need = d.update_len(piece.len()).unwrap();
        let _ = d.update(piece, &mut out[..need]).unwrap();
        out.iter_mut().for_each(|b| *b = 0);
    }
    let need = d.finish_len();
    let (_, got) = d.finish(&mut out[..need]).unwrap();
    assert_eq!(got.len(), 3 << 20);
    drop(got); // Zeroizing: wiped
    drop(d);
    let hits = disarm();
    assert_eq!(
        hits, 0,
        "{hits} freed heap blocks still held the backup's secret state"
    );
}

/// The store's side: `backup_state` writes the identity's secret first into
/// a `Vec` that then grows (prekeys, contacts, groups, rows). The copies
/// show even with no contact at all (`set_verified` below needs a trust
/// record first, so the loop adds none): two moves of a 249-byte state.
#[test]
fn building_a_store_state_leaves_no_unwiped_identity_on_the_heap() {
    use sotto::{IdentityKeyPair, PrekeyStore};
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let r = &mut UnwrapErr(getrandom::SysRng);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("attack-heap");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = sotto_store::Store::open(dir.join("s.db"), &[1u8; 32], r).unwrap();
    let id = IdentityKeyPair::generate(r);
    let prekeys = PrekeyStore::new(r, &id, 1_800_000_000);
    store.set_device(r, &id, &prekeys).unwrap();
    let mut added = 0;
    for i in 0..300u32 {
        let other = IdentityKeyPair::generate(r);
        let name = format!("contact-{i}");
        if store
            .set_verified(r, name.as_bytes(), other.public_key(), true)
            .is_ok()
        {
            added += 1;
        }
    }
    // The identity state ends with the X25519 private key.
    let secret = id.to_bytes();
    let mut needle = [0u8; 32];
    needle.copy_from_slice(&secret[secret.len() - 32..]);
    drop(secret);
    arm(&needle);
    let state = store.backup_state().unwrap();
    let len = state.len();
    drop(state);
    let hits = disarm();
    eprintln!("{added} contacts, state of {len} bytes");
    assert_eq!(
        hits, 0,
        "{hits} freed heap blocks still held the identity's private key"
    );
}
