//! Memory evidence for streaming: 1 GiB encrypted and decrypted as an
//! attachment through the C ABI, piece by piece into caller buffers, with
//! a counting allocator. The SDK's peak heap use stays under 256 KiB, and
//! once the streams are going no call allocates at all.
//!
//! The plaintext is generated on the fly and each encrypted piece is fed
//! straight to the decryptor, so the test itself holds only its buffers
//! (allocated before counting starts).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sotto_ffi::*;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator; the counters
// are only read by this test.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.load(Ordering::Relaxed) {
            // Blocks allocated before counting began may be freed now:
            // never below zero.
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(layout.size()))
            });
        }
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TOTAL: usize = 1 << 30;
const PIECE: usize = 1 << 20;

fn fill(buf: &mut [u8], at: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        let p = at + i;
        *b = (p as u8) ^ ((p >> 13) as u8);
    }
}

fn ok(s: sotto_status) {
    assert_eq!(s, sotto_status::Ok);
}

fn main() {
    use std::io::{Read, Write};
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("stream_memory.blob");
    let mut file = std::fs::File::create(&path).unwrap();
    let mut plain = vec![0u8; PIECE];
    let mut expect = vec![0u8; PIECE];
    let mut blob = vec![0u8; PIECE + 64 * 1024];
    let mut back = vec![0u8; PIECE + 64 * 1024];
    let mut enc: *mut sotto_attachment_encryptor = std::ptr::null_mut();
    let mut dec: *mut sotto_attachment_decryptor = std::ptr::null_mut();
    let mut done = sotto_attachment::default();
    let mut desc = sotto_buffer {
        data: std::ptr::null_mut(),
        len: 0,
    };
    let mut written = 0usize;
    let mut steady = 0usize;

    // Encrypt 1 GiB to a file.
    COUNTING.store(true, Ordering::SeqCst);
    // SAFETY: every pointer passed is live and sized as stated.
    unsafe {
        ok(sotto_attachment_encryptor_new(&mut enc));
        let mut at = 0usize;
        while at < TOTAL {
            fill(&mut plain, at);
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            ok(sotto_attachment_encryptor_update(
                enc,
                plain.as_ptr(),
                PIECE,
                blob.as_mut_ptr(),
                blob.len(),
                &mut written,
            ));
            if at > 0 {
                steady += ALLOCATIONS.load(Ordering::Relaxed) - before;
            }
            COUNTING.store(false, Ordering::SeqCst);
            file.write_all(&blob[..written]).unwrap();
            COUNTING.store(true, Ordering::SeqCst);
            at += PIECE;
        }
        ok(sotto_attachment_encryptor_finish(
            enc,
            blob.as_mut_ptr(),
            blob.len(),
            &mut written,
            &mut done,
        ));
        sotto_attachment_encryptor_free(&mut enc);
    }
    COUNTING.store(false, Ordering::SeqCst);
    file.write_all(&blob[..written]).unwrap();
    drop(file);
    let enc_peak = PEAK.swap(0, Ordering::SeqCst);
    println!(
        "encrypt 1 GiB: peak heap {enc_peak} bytes, {steady} allocations after the first piece"
    );
    assert_eq!(done.plaintext_len, TOTAL as u64);
    assert!(
        enc_peak < 256 * 1024,
        "encrypting: peak heap {enc_peak} bytes"
    );
    assert_eq!(steady, 0, "allocations per chunk while encrypting");

    // Decrypt it back from the file, checking every byte.
    // SAFETY: `done` is initialised; `desc` receives a library buffer.
    unsafe {
        ok(sotto_attachment_descriptor_encode(
            &done,
            b"video/mp4".as_ptr(),
            9,
            std::ptr::null(),
            0,
            &mut desc,
        ));
    }
    let mut file = std::fs::File::open(&path).unwrap();
    let mut at = 0usize;
    steady = 0;
    LIVE.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe {
        ok(sotto_attachment_decryptor_new(
            desc.data, desc.len, &mut dec,
        ));
        let mut first = true;
        loop {
            COUNTING.store(false, Ordering::SeqCst);
            let n = file.read(&mut blob[..PIECE]).unwrap();
            COUNTING.store(true, Ordering::SeqCst);
            if n == 0 {
                break;
            }
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            ok(sotto_attachment_decryptor_update(
                dec,
                blob.as_ptr(),
                n,
                back.as_mut_ptr(),
                back.len(),
                &mut written,
            ));
            if !first {
                steady += ALLOCATIONS.load(Ordering::Relaxed) - before;
            }
            first = false;
            COUNTING.store(false, Ordering::SeqCst);
            let mut k = 0;
            while k < written {
                let m = (written - k).min(PIECE);
                fill(&mut expect[..m], at);
                assert_eq!(&back[k..k + m], &expect[..m], "plaintext at {at}");
                k += m;
                at += m;
            }
            COUNTING.store(true, Ordering::SeqCst);
        }
        ok(sotto_attachment_decryptor_finish(
            dec,
            back.as_mut_ptr(),
            back.len(),
            &mut written,
        ));
        sotto_attachment_decryptor_free(&mut dec);
    }
    COUNTING.store(false, Ordering::SeqCst);
    at += written;
    let dec_peak = PEAK.load(Ordering::SeqCst);
    println!(
        "decrypt 1 GiB: peak heap {dec_peak} bytes, {steady} allocations after the first piece"
    );
    assert_eq!(at, TOTAL);
    assert!(
        dec_peak < 256 * 1024,
        "decrypting: peak heap {dec_peak} bytes"
    );
    assert_eq!(steady, 0, "allocations per chunk while decrypting");
    // SAFETY: `desc` came from the library.
    unsafe { sotto_buffer_free(&mut desc) };
    let _ = std::fs::remove_file(&path);
    println!("stream memory: ok");
}
