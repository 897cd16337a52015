//! SFrame allocates nothing per frame: a counting allocator watches
//! encrypting and decrypting 1,000 frames of every suite, and a group
//! call's frames, once the keys are set up.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use sotto::calls::sframe::{SframeDecryptor, SframeEncryptor, SframeSuite};
use sotto::calls::{CallSecret, GroupCall};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, counting calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn count<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let t = f();
    (t, ALLOCATIONS.load(Ordering::SeqCst) - before)
}

#[test]
fn no_allocation_per_frame() {
    let frame = [7u8; 1200];
    let mut sframe = [0u8; 1300];
    let mut plain = [0u8; 1300];
    for code in 1..=5 {
        let suite = SframeSuite::from_code(code).unwrap();
        let mut enc = SframeEncryptor::new(suite, 77, &[1u8; 32]).unwrap();
        let mut dec = SframeDecryptor::new(suite);
        dec.add_key(77, &[1u8; 32]).unwrap();
        let ((), n) = count(|| {
            for _ in 0..1000 {
                let len = enc.encrypt(b"meta", &frame, &mut sframe).unwrap();
                let got = dec.decrypt(b"meta", &sframe[..len], &mut plain).unwrap();
                assert_eq!(got.len, frame.len());
            }
        });
        assert_eq!(n, 0, "suite {code}: {n} allocations for 1,000 frames");
    }
    let secret = CallSecret::from_bytes(&[3u8; 32]).unwrap();
    let mut a = GroupCall::new([1u8; 16], SframeSuite::AesGcm128Sha256, 0);
    let mut b = GroupCall::new([1u8; 16], SframeSuite::AesGcm128Sha256, 1);
    a.install(1, &secret, &[0, 1, 2], 0).unwrap();
    b.install(1, &secret, &[0, 1, 2], 0).unwrap();
    let ((), n) = count(|| {
        for _ in 0..1000 {
            let len = a.encrypt(b"", &frame, &mut sframe).unwrap();
            b.decrypt(b"", &sframe[..len], &mut plain, 1).unwrap();
        }
    });
    assert_eq!(n, 0, "group call: {n} allocations for 1,000 frames");
}
