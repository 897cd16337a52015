//! Call benchmarks: SFrame (RFC 9605) on one 1,200-byte media frame, next
//! to its floors and its peer in the same run.
//!
//! * Suites 4 (AES_128_GCM_SHA256_128) and 5 (AES_256_GCM_SHA512_128):
//!   our `SframeEncryptor` / `SframeDecryptor` beside the `sframe` crate
//!   (2.1, its pure-Rust RustCrypto backend, the same `aes-gcm` the core
//!   uses) and beside two floors of raw AES-GCM over the same 1,200 bytes:
//!   `aes_gcm_raw`, keyed once, sealing and opening with associated data as
//!   long as the SFrame header and metadata, at the offset an SFrame's body
//!   has; and `core_raw_seal` (encryption only), the core's
//!   `aes128gcm_seal_in_place` / `aes256gcm_seal_in_place`, which build the
//!   key schedule on every call (looser) but are compiled in the core like
//!   our SFrame code. Two floors because the first one's speed depends on
//!   how this crate's copy of the generic AES-GCM code happens to be split
//!   into codegen units: from one build to the next it has run at ~0.7 µs
//!   or at ~1.0 µs and more on the same machine, while our code (compiled
//!   in the core) did not move. Every frame carries 4 bytes of metadata (an
//!   RTP-like descriptor), which all contenders take as associated data.
//!   Keys are derived before the timings.
//! * The peer as its documentation uses it: `MediaFrameView::encrypt_into`
//!   and `EncryptedFrameView::validated_decrypt_into` into one reused
//!   `Vec<u8>` (its `FrameBuffer`: no allocation per frame once the vector
//!   has grown; `Vec::resize` zero-fills what a frame adds), decryption with
//!   its `ReplayAttackProtection` (a window of 128 counters, as ours), so
//!   both sides do replay bookkeeping. The peer builds the AES key schedule
//!   from the derived key on every frame: that is its cost, not a setup.
//! * Decryption never meets a replay: each contender decrypts, in order, a
//!   ring of 256 frames encrypted before the timings (counters 0 to 255,
//!   past our 128-counter window, so the window slides as in a call), and
//!   gets a fresh decryptor (ours: `SframeDecryptor::new` and `add_key`;
//!   the peer's: a fresh `ReplayAttackProtection`) before each pass over the
//!   ring, outside the timed part (`iter_custom`). Every decryption is
//!   checked to succeed.
//! * For information: `GroupCall::encrypt` by one participant and
//!   `GroupCall::decrypt` by another of an 8-participant call (the receiver
//!   holds 7 senders' keys), one frame per iteration, fresh counters.
//!
//! Our frames and the peer's are checked byte for byte equal (same key id,
//! base key, counters and metadata) and each side opens the other's.
//!
//! Run: `cargo bench -p sotto-benches --bench calls` (about a minute).
//! Criterion prints its estimates; at the end the bench prints the medians
//! of the same run from criterion's `estimates.json` with their ratios,
//! then the same comparisons paired: 21 rounds that each time every
//! contender once in rotating order, the ratio taken per round (the load of
//! a shared machine drifts between criterion's benchmarks, not within a
//! round). `-- paired` runs only the paired comparison.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_precision_loss
)]

mod common;

use common::{median, median_of, time};

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aes_gcm::aead::array::Array;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use common::NOW;
use criterion::{Criterion, Throughput, criterion_group};
use sframe::CipherSuite;
use sframe::frame::validation::{ReplayAttackProtection, Tolerance};
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::{DecryptionKey, EncryptionKey};
use sotto::calls::sframe::{REPLAY_WINDOW, SframeDecryptor, SframeEncryptor, SframeSuite};
use sotto::calls::{CallId, CallSecret, GroupCall};

/// A video packet's payload.
const FRAME: usize = 1200;
/// The frame's metadata, taken as associated data by every contender.
const METADATA: [u8; 4] = [0x90, 0x60, 0x1c, 0x2b];
const KID: u64 = 42;
const BASE_KEY: [u8; 32] = [0x5a; 32];
/// Frames each decryption pass goes through, in counter order: twice our
/// replay window, so the window slides.
const RING: usize = 256;
/// The header of the rings' frames: a config byte, one byte of KID 42, one
/// of a counter from 8 to 255 (ours are one byte shorter below 8).
const HEAD: usize = 3;
/// The longest sealed frame of the rings: header, frame, tag.
const SEALED: usize = HEAD + FRAME + 16;

fn frame() -> Vec<u8> {
    (0..FRAME)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect()
}

/// One suite under its three names.
#[derive(Clone, Copy)]
struct Suite {
    name: &'static str,
    ours: SframeSuite,
    peer: CipherSuite,
}

const SUITES: [Suite; 2] = [
    Suite {
        name: "aes128gcm",
        ours: SframeSuite::AesGcm128Sha256,
        peer: CipherSuite::AesGcm128Sha256,
    },
    Suite {
        name: "aes256gcm",
        ours: SframeSuite::AesGcm256Sha512,
        peer: CipherSuite::AesGcm256Sha512,
    },
];

/// The floor: the suite's AES-GCM, keyed once. Generic, so each suite's
/// floor is a direct call with no dispatch. It reads and writes the frame
/// at the offset an SFrame's body has (after a `HEAD`-byte header), so
/// that it moves the same bytes at the same alignments as ours.
struct Raw<A> {
    cipher: A,
    /// Associated data as long as a ring frame's header and metadata.
    aad: [u8; HEAD + METADATA.len()],
}

impl<A: AeadInOut + KeyInit> Raw<A> {
    fn new() -> Self {
        let mut aad = [0u8; HEAD + METADATA.len()];
        aad[..HEAD].copy_from_slice(&[0x88, 42, 200]);
        aad[HEAD..].copy_from_slice(&METADATA);
        Raw {
            cipher: A::new_from_slice(&BASE_KEY[..A::key_size()]).unwrap(),
            aad,
        }
    }

    fn nonce(ctr: u64) -> Array<u8, A::NonceSize> {
        let mut n = Array::<u8, A::NonceSize>::default();
        let len = n.len();
        n[len - 8..].copy_from_slice(&ctr.to_be_bytes());
        n
    }

    /// Seals `frame` into `out` after `HEAD` bytes (frame, then tag).
    fn seal(&self, ctr: u64, frame: &[u8], out: &mut [u8]) -> usize {
        let (body, rest) = out[HEAD..].split_at_mut(frame.len());
        let tag = self
            .cipher
            .encrypt_inout_detached(
                &Self::nonce(ctr),
                &self.aad,
                InOutBuf::new(frame, body).unwrap(),
            )
            .unwrap();
        rest[..tag.len()].copy_from_slice(&tag);
        HEAD + frame.len() + tag.len()
    }

    /// Opens `sealed` (`HEAD` bytes, frame, 16-byte tag) into `out`.
    fn open(&self, ctr: u64, sealed: &[u8], out: &mut [u8]) -> usize {
        let (body, tag) = sealed[HEAD..].split_at(sealed.len() - HEAD - 16);
        self.cipher
            .decrypt_inout_detached(
                &Self::nonce(ctr),
                &self.aad,
                InOutBuf::new(body, &mut out[..body.len()]).unwrap(),
                &Array::try_from(tag).unwrap(),
            )
            .unwrap();
        body.len()
    }
}

/// The core's raw seal of the suite's AES-GCM (`sotto::crypto`'s
/// benchmark floors), in place over `buf[HEAD..HEAD + FRAME]`: compiled in
/// the core next to our SFrame code, but building the key schedule on every
/// call (a looser floor than `Raw`, which keys once).
fn core_seal(s: Suite, ctr: u64, buf: &mut [u8]) -> [u8; 16] {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&ctr.to_be_bytes());
    let body = &mut buf[HEAD..HEAD + FRAME];
    match s.ours {
        SframeSuite::AesGcm128Sha256 => {
            sotto::crypto::aes128gcm_seal_in_place(&BASE_KEY[..16].try_into().unwrap(), &n, body)
        }
        _ => sotto::crypto::aes256gcm_seal_in_place(&BASE_KEY, &n, body),
    }
    .unwrap()
}

/// The peer's sender: its key, its counter, its output buffer.
struct PeerSender {
    key: EncryptionKey,
    counter: MonotonicCounter,
    buf: Vec<u8>,
}

impl PeerSender {
    fn new(s: Suite) -> Self {
        PeerSender {
            key: EncryptionKey::derive_from(s.peer, KID, BASE_KEY).unwrap(),
            counter: MonotonicCounter::default(),
            buf: Vec::new(),
        }
    }

    /// Encrypts `frame`; returns the SFrame (header, ciphertext, tag).
    fn encrypt(&mut self, frame: &[u8]) -> &[u8] {
        MediaFrameView::try_with_meta_data(&mut self.counter, frame, &METADATA)
            .unwrap()
            .encrypt_into(&self.key, &mut self.buf)
            .unwrap()
            .sframe_cipher_text()
    }
}

/// The peer's receiver: its key, its replay protection, its output buffer.
struct PeerReceiver {
    key: DecryptionKey,
    replay: ReplayAttackProtection,
    buf: Vec<u8>,
}

impl PeerReceiver {
    fn new(s: Suite) -> Self {
        PeerReceiver {
            key: DecryptionKey::derive_from(s.peer, KID, BASE_KEY).unwrap(),
            replay: fresh_replay(),
            buf: Vec::with_capacity(METADATA.len() + SEALED),
        }
    }

    fn decrypt(&mut self, sframe: &[u8]) -> usize {
        EncryptedFrameView::try_with_meta_data(sframe, &METADATA)
            .unwrap()
            .validated_decrypt_into(&self.key, &mut self.buf, &mut self.replay)
            .unwrap()
            .payload()
            .len()
    }
}

fn fresh_replay() -> ReplayAttackProtection {
    ReplayAttackProtection::new(KID, Tolerance::new(REPLAY_WINDOW as usize))
}

fn our_decryptor(s: Suite) -> SframeDecryptor {
    let mut d = SframeDecryptor::new(s.ours);
    d.add_key(KID, &BASE_KEY).unwrap();
    d
}

/// The rings each contender decrypts: ours and the peer's (the same bytes)
/// and the floor's, each frame followed by its slack so that all three
/// read the same bytes at the same offsets.
struct Rings {
    ours: Vec<Vec<u8>>,
    raw: Vec<Vec<u8>>,
}

fn rings<A: AeadInOut + KeyInit>(s: Suite, raw: &Raw<A>) -> Rings {
    let plain = frame();
    let mut e = SframeEncryptor::new(s.ours, KID, &BASE_KEY).unwrap();
    let mut peer = PeerSender::new(s);
    let mut ours = Vec::with_capacity(RING);
    let mut raws = Vec::with_capacity(RING);
    for i in 0..RING {
        let mut out = vec![0u8; SEALED];
        let n = e.encrypt(&METADATA, &plain, &mut out).unwrap();
        out.truncate(n);
        // The same key id, base key, counter and metadata: the same bytes.
        assert_eq!(peer.encrypt(&plain), &out[..], "{} frame {i}", s.name);
        ours.push(out);
        let mut sealed = vec![0u8; SEALED];
        raw.seal(i as u64, &plain, &mut sealed);
        raws.push(sealed);
    }
    // Each side opens the other's frames, and the floor its own.
    let mut d = our_decryptor(s);
    let mut p = PeerReceiver::new(s);
    let mut back = vec![0u8; SEALED];
    for (i, f) in ours.iter().enumerate() {
        let info = d.decrypt(&METADATA, f, &mut back).unwrap();
        assert_eq!((info.ctr, &back[..info.len]), (i as u64, &plain[..]));
        assert_eq!(p.decrypt(f), FRAME);
        assert_eq!(&p.buf[METADATA.len()..], &plain[..]);
        back.fill(0);
        assert_eq!(raw.open(i as u64, &raws[i], &mut back), FRAME);
        assert_eq!(&back[..FRAME], &plain[..]);
    }
    Rings { ours, raw: raws }
}

/// Times `iters` decryptions by `r`: passes over the ring in counter
/// order, `r` made fresh by `reset` (untimed) before each pass.
fn timed_passes<R>(
    iters: u64,
    r: &mut R,
    mut reset: impl FnMut(&mut R),
    mut each: impl FnMut(&mut R, usize),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let n = left.min(RING);
        reset(r);
        let t = Instant::now();
        for i in 0..n {
            each(r, i);
        }
        total += t.elapsed();
        left -= n;
    }
    total
}

fn short(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Bytes(FRAME as u64));
}

fn suite_benches<A: AeadInOut + KeyInit>(c: &mut Criterion, s: Suite) {
    let plain = frame();
    let raw = Raw::<A>::new();
    let rings = rings(s, &raw);
    let mut g = c.benchmark_group(format!("sframe_1200B_{}", s.name));
    short(&mut g);

    let mut out = vec![0u8; SEALED + 8];
    let mut e = SframeEncryptor::new(s.ours, KID, &BASE_KEY).unwrap();
    g.bench_function("encrypt/sotto", |b| {
        b.iter(|| e.encrypt(&METADATA, black_box(&plain), &mut out).unwrap())
    });
    let mut peer = PeerSender::new(s);
    g.bench_function("encrypt/sframe", |b| {
        b.iter(|| peer.encrypt(black_box(&plain)).len())
    });
    let mut ctr = 0u64;
    g.bench_function("encrypt/aes_gcm_raw", |b| {
        b.iter(|| {
            ctr += 1;
            raw.seal(ctr, black_box(&plain), &mut out)
        })
    });
    let mut buf = vec![0u8; SEALED];
    buf[HEAD..HEAD + FRAME].copy_from_slice(&plain);
    g.bench_function("encrypt/core_raw_seal", |b| {
        b.iter(|| {
            ctr += 1;
            core_seal(s, ctr, black_box(&mut buf))
        })
    });

    let mut back = vec![0u8; SEALED];
    let mut d = our_decryptor(s);
    g.bench_function("decrypt/sotto", |b| {
        b.iter_custom(|iters| {
            timed_passes(
                iters,
                &mut d,
                |d| *d = our_decryptor(s),
                |d, i| {
                    black_box(d.decrypt(&METADATA, black_box(&rings.ours[i]), &mut back)).unwrap();
                },
            )
        })
    });
    // The peer's key carries no state: only its window is made fresh.
    let mut p = PeerReceiver::new(s);
    g.bench_function("decrypt/sframe", |b| {
        b.iter_custom(|iters| {
            timed_passes(
                iters,
                &mut p,
                |p| p.replay = fresh_replay(),
                |p, i| {
                    black_box(p.decrypt(black_box(&rings.ours[i])));
                },
            )
        })
    });
    g.bench_function("decrypt/aes_gcm_raw", |b| {
        b.iter_custom(|iters| {
            timed_passes(
                iters,
                &mut (),
                |()| {},
                |(), i| {
                    black_box(raw.open(i as u64, black_box(&rings.raw[i]), &mut back));
                },
            )
        })
    });
    g.finish();
}

fn sframe_suites(c: &mut Criterion) {
    suite_benches::<Aes128Gcm>(c, SUITES[0]);
    suite_benches::<Aes256Gcm>(c, SUITES[1]);
}

/// An 8-participant call at epoch 1: participant 8 sends, participant 1
/// receives (holding the keys of 2 to 8).
fn group_pair(suite: SframeSuite) -> (GroupCall, GroupCall) {
    let call: CallId = [9u8; 16];
    let secret = CallSecret::from_bytes(&[0x5a; 32]).unwrap();
    let everyone: Vec<u32> = (1..=8).collect();
    let mut sender = GroupCall::new(call, suite, 8);
    sender.install(1, &secret, &everyone, NOW).unwrap();
    let mut receiver = GroupCall::new(call, suite, 1);
    receiver.install(1, &secret, &everyone, NOW).unwrap();
    (sender, receiver)
}

fn group_round_trip(
    sender: &mut GroupCall,
    receiver: &mut GroupCall,
    plain: &[u8],
    wire: &mut [u8],
    back: &mut [u8],
) -> usize {
    let n = sender.encrypt(&METADATA, plain, wire).unwrap();
    receiver
        .decrypt(&METADATA, &wire[..n], back, NOW)
        .unwrap()
        .len
}

fn group_call(c: &mut Criterion) {
    let plain = frame();
    let mut g = c.benchmark_group("group_call_1200B");
    short(&mut g);
    for s in SUITES {
        let (mut sender, mut receiver) = group_pair(s.ours);
        let mut wire = vec![0u8; SEALED + 16];
        let mut back = vec![0u8; SEALED + 16];
        assert_eq!(
            group_round_trip(&mut sender, &mut receiver, &plain, &mut wire, &mut back),
            FRAME
        );
        assert_eq!(&back[..FRAME], &plain[..]);
        g.bench_function(format!("encrypt_decrypt/{}", s.name), |b| {
            b.iter(|| {
                group_round_trip(
                    &mut sender,
                    &mut receiver,
                    black_box(&plain),
                    &mut wire,
                    &mut back,
                )
            })
        });
    }
    g.finish();
}

fn mib_s(s: f64) -> f64 {
    FRAME as f64 / s / (1u64 << 20) as f64
}

/// The medians of this run side by side, with their ratios.
fn summary(since: SystemTime) {
    println!(
        "\nmedians of this run (criterion's estimates.json), one 1,200-byte frame, 4 bytes of metadata"
    );
    for s in SUITES {
        let group = format!("sframe_1200B_{}", s.name);
        for op in ["encrypt", "decrypt"] {
            let m = |who: &str| median(&group, &format!("{op}/{who}"), since);
            let Some(ours) = m("sotto") else {
                continue;
            };
            print!(
                "{} {op}: sotto {} ({:.0} MiB/s)",
                s.name,
                time(ours),
                mib_s(ours)
            );
            if let Some(peer) = m("sframe") {
                print!(
                    "; sframe {}, sotto/sframe {:.3} (goal ≤ 1.0)",
                    time(peer),
                    ours / peer
                );
            }
            if let Some(raw) = m("aes_gcm_raw") {
                print!(
                    "; raw AES-GCM keyed once {}, sotto/raw {:.3} (goal ≤ 1.2)",
                    time(raw),
                    ours / raw
                );
            }
            if let Some(core) = m("core_raw_seal") {
                print!(
                    "; core raw seal keyed per call {}, sotto/core_raw {:.3}",
                    time(core),
                    ours / core
                );
            }
            println!();
        }
        if let Some(rt) = median(
            "group_call_1200B",
            &format!("encrypt_decrypt/{}", s.name),
            since,
        ) {
            print!("{} GroupCall encrypt + decrypt: {}", s.name, time(rt));
            let m = |op: &str| median(&group, &format!("{op}/sotto"), since);
            if let (Some(e), Some(d)) = (m("encrypt"), m("decrypt")) {
                print!(
                    " (SframeEncryptor + SframeDecryptor {}, {:.3}x)",
                    time(e + d),
                    rt / (e + d)
                );
            }
            println!();
        }
    }
}

/// Rounds of the paired comparison.
const ROUNDS: usize = 21;
/// Passes over the ring each contender makes per round.
const PASSES: usize = 8;

/// Runs each of `fs` once per round, the order rotating from round to
/// round, so that all see the same machine load; each returns the time it
/// measured itself (so that setup stays outside). Returns each one's median
/// time and the median over the rounds of its time ÷ the first one's.
fn paired(fs: &mut [&mut dyn FnMut() -> Duration]) -> Vec<(f64, f64)> {
    let n = fs.len();
    let rounds: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|round| {
            let mut row = vec![0.0; n];
            for k in 0..n {
                let i = (round + k) % n;
                row[i] = fs[i]().as_secs_f64();
            }
            row
        })
        .collect();
    (0..n)
        .map(|i| {
            let mut times: Vec<f64> = rounds.iter().map(|row| row[i]).collect();
            let mut ratios: Vec<f64> = rounds.iter().map(|row| row[i] / row[0]).collect();
            (median_of(&mut times), median_of(&mut ratios))
        })
        .collect()
}

/// Times `f` over `RING * PASSES` frames.
fn batch(mut f: impl FnMut(usize)) -> Duration {
    let t = Instant::now();
    for _ in 0..PASSES {
        for i in 0..RING {
            f(i);
        }
    }
    t.elapsed()
}

fn paired_suite<A: AeadInOut + KeyInit>(s: Suite) {
    let plain = frame();
    let raw = Raw::<A>::new();
    let rings = rings(s, &raw);
    let per = (RING * PASSES) as f64;
    let report = |op: &str, m: &[(f64, f64)]| {
        print!(
            "{} {op}: sotto {}, sframe {}, raw AES-GCM keyed once {}",
            s.name,
            time(m[0].0 / per),
            time(m[1].0 / per),
            time(m[2].0 / per),
        );
        if let Some(core) = m.get(3) {
            print!(", core raw seal keyed per call {}", time(core.0 / per));
        }
        print!(
            "; sotto/sframe {:.3}, sotto/raw {:.3}",
            1.0 / m[1].1,
            1.0 / m[2].1
        );
        if let Some(core) = m.get(3) {
            print!(", sotto/core_raw {:.3}", 1.0 / core.1);
        }
        println!();
    };

    let mut e = SframeEncryptor::new(s.ours, KID, &BASE_KEY).unwrap();
    let mut peer = PeerSender::new(s);
    let (mut o1, mut o3) = (vec![0u8; SEALED + 8], vec![0u8; SEALED + 8]);
    let mut ctr = 0u64;
    let mut core_ctr = 0u64;
    let mut o4 = vec![0u8; SEALED];
    o4[HEAD..HEAD + FRAME].copy_from_slice(&plain);
    let m = paired(&mut [
        &mut || {
            batch(|_| {
                black_box(e.encrypt(&METADATA, black_box(&plain), &mut o1).unwrap());
            })
        },
        &mut || {
            batch(|_| {
                black_box(peer.encrypt(black_box(&plain)).len());
            })
        },
        &mut || {
            batch(|_| {
                ctr += 1;
                black_box(raw.seal(ctr, black_box(&plain), &mut o3));
            })
        },
        &mut || {
            batch(|_| {
                core_ctr += 1;
                black_box(core_seal(s, core_ctr, black_box(&mut o4)));
            })
        },
    ]);
    report("encrypt", &m);

    // Decryption: a fresh receiver before each pass, outside the timing.
    let (mut b1, mut b3) = (vec![0u8; SEALED], vec![0u8; SEALED]);
    let mut d = our_decryptor(s);
    let mut p = PeerReceiver::new(s);
    let n = (RING * PASSES) as u64;
    let m = paired(&mut [
        &mut || {
            timed_passes(
                n,
                &mut d,
                |d| *d = our_decryptor(s),
                |d, i| {
                    black_box(d.decrypt(&METADATA, black_box(&rings.ours[i]), &mut b1)).unwrap();
                },
            )
        },
        &mut || {
            timed_passes(
                n,
                &mut p,
                |p| p.replay = fresh_replay(),
                |p, i| {
                    black_box(p.decrypt(black_box(&rings.ours[i])));
                },
            )
        },
        &mut || {
            timed_passes(
                n,
                &mut (),
                |()| {},
                |(), i| {
                    black_box(raw.open(i as u64, black_box(&rings.raw[i]), &mut b3));
                },
            )
        },
    ]);
    report("decrypt", &m);
}

/// The same comparisons paired round by round: criterion runs one
/// benchmark after the other, and on a shared machine the load can change
/// in between; a ratio taken within each round does not see that drift.
fn paired_ratios() {
    println!(
        "\npaired: {ROUNDS} rounds, each timing every contender once ({PASSES} passes over {RING} frames) in rotating order; per-frame medians, ratios the medians of the per-round ratios"
    );
    paired_suite::<Aes128Gcm>(SUITES[0]);
    paired_suite::<Aes256Gcm>(SUITES[1]);
}

criterion_group!(benches, sframe_suites, group_call);

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
