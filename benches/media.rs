//! Media benchmarks: the chunked stream under attachments and backups, next
//! to its floor and its peer in the same run.
//!
//! * Throughput over 64 MiB: our `ChunkEncryptor` and `ChunkDecryptor` fed
//!   1 MiB pieces into a reused output buffer; raw AES-256-GCM over the same
//!   bytes in 16 KiB chunks under one key schedule (the floor: no key
//!   derivation, no header, no buffering); RustCrypto's `aead-stream`
//!   (STREAM, big-endian 32-bit counter and last-block flag, over
//!   AES-256-GCM) in 16 KiB segments through its in-place API.
//! * A one-byte read at 60 MiB of a 64 MiB attachment through `ChunkReader`
//!   over a slice, a different chunk each iteration so the one-chunk cache
//!   never answers, next to one 16 KiB chunk opened with raw AES-256-GCM.
//! * Argon2id through the public API: `BackupEncryptor::new` with a password
//!   (at `Argon2Params::DEFAULT` and `MINIMUM`) and with a backup key, empty
//!   state, so the difference is the key derivation.
//!
//! Run: `cargo bench -p sotto-benches --bench media` (about a minute: ten
//! samples per benchmark). Criterion prints its estimates (the mean, in flat
//! sampling); at the end the bench prints the medians of the same run from
//! criterion's `estimates.json` side by side with their ratios, then the
//! throughput and read comparisons again, paired: 21 rounds that each time
//! every contender once in rotating order, the ratio taken per round (the
//! load of a shared machine drifts between criterion's benchmarks, not
//! within a round; each contender cycles through four buffers, so that no
//! ratio rests on one buffer's placement). `-- paired` runs only the paired
//! comparison.
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

use aead_stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::Aes256Gcm;
use aes_gcm::aead::array::Array;
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, Buffer, KeyInit};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, criterion_group};
use getrandom::SysRng;
use rand_core::UnwrapErr;
use sotto::attachment;
use sotto::backup::{Argon2Params, BackupEncryptor, BackupKey, BackupSecret};
use sotto::chunked::{
    CHUNK_LEN, CHUNK_TAG_LEN, ChunkDecryptor, ChunkEncryptor, ENCRYPTED_CHUNK_LEN, HEADER_LEN,
    ciphertext_len,
};

const MIB: usize = 1024 * 1024;
/// The stream every throughput benchmark encrypts or decrypts.
const LEN: usize = 64 * MIB;
/// The pieces our streaming API is fed, as an app reading a file would.
const PIECE: usize = MIB;
/// 16 KiB chunks in `LEN`.
const CHUNKS: usize = LEN / CHUNK_LEN;
/// `LEN` sealed in 16 KiB chunks, a tag after each: what the floor and the
/// peer write. They write it at the offset our chunks have in our stream
/// (after its 56-byte header), in buffers of our stream's length, so that
/// all three move the same bytes at the same alignments.
const SEALED: usize = LEN + CHUNKS * CHUNK_TAG_LEN;
const KEY: [u8; 32] = [0x42; 32];
const CTX: &[u8] = b"bench media";

type Rng = UnwrapErr<SysRng>;

fn rng() -> Rng {
    UnwrapErr(SysRng)
}

fn plaintext() -> Vec<u8> {
    (0..LEN).map(|i| (i.wrapping_mul(31) >> 3) as u8).collect()
}

/// Ten samples, each timing whole 64 MiB passes: few enough that the bench
/// runs in under two minutes.
fn few_samples(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

/// The raw floor's nonce for chunk `i`: the counter big-endian in the low
/// eight bytes, as our chunks XOR it into their base nonce.
fn nonce(i: usize) -> Array<u8, aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&(i as u64).to_be_bytes());
    Array::from(n)
}

/// A caller's slice as an `aead::Buffer`, so that `aead-stream` seals and
/// opens in place in the output buffer with no allocation per segment.
struct SliceBuf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl AsRef<[u8]> for SliceBuf<'_> {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl AsMut<[u8]> for SliceBuf<'_> {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }
}

impl Buffer for SliceBuf<'_> {
    fn extend_from_slice(&mut self, other: &[u8]) -> aes_gcm::aead::Result<()> {
        let end = self.len + other.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(aes_gcm::aead::Error)?
            .copy_from_slice(other);
        self.len = end;
        Ok(())
    }

    fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

fn stream_nonce() -> Array<u8, aes_gcm::aead::consts::U7> {
    Array::from([9u8; 7])
}

/// Ours: a fresh stream (salt, HKDF, commitment) fed `PIECE` bytes at a time.
fn sotto_encrypt(r: &mut Rng, plain: &[u8], out: &mut [u8]) -> usize {
    let mut e = ChunkEncryptor::new(r, &KEY, CTX).unwrap();
    let mut at = 0;
    for piece in plain.chunks(PIECE) {
        at += e.update(piece, &mut out[at..]).unwrap();
    }
    at + e.finish(&mut out[at..]).unwrap()
}

fn sotto_decrypt(ct: &[u8], out: &mut [u8]) -> usize {
    let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
    let mut at = 0;
    for piece in ct.chunks(PIECE) {
        at += d.update(piece, &mut out[at..]).unwrap();
    }
    at + d.finish(&mut out[at..]).unwrap()
}

/// The floor: one key schedule, then every 16 KiB chunk sealed from the
/// input straight into its slot with its counter nonce.
fn raw_encrypt(plain: &[u8], out: &mut [u8]) {
    let out = &mut out[HEADER_LEN..HEADER_LEN + SEALED];
    let cipher = Aes256Gcm::new(&KEY.into());
    for (i, (pt, ct)) in plain
        .chunks(CHUNK_LEN)
        .zip(out.chunks_mut(ENCRYPTED_CHUNK_LEN))
        .enumerate()
    {
        let (body, tag) = ct.split_at_mut(pt.len());
        let t = cipher
            .encrypt_inout_detached(&nonce(i), &[], InOutBuf::new(pt, body).unwrap())
            .unwrap();
        tag.copy_from_slice(&t);
    }
}

fn raw_open_chunk(cipher: &Aes256Gcm, i: usize, ct: &[u8], out: &mut [u8]) {
    let (body, tag) = ct.split_at(ct.len() - CHUNK_TAG_LEN);
    cipher
        .decrypt_inout_detached(
            &nonce(i),
            &[],
            InOutBuf::new(body, out).unwrap(),
            &Array::try_from(tag).unwrap(),
        )
        .unwrap();
}

fn raw_decrypt(ct: &[u8], out: &mut [u8]) {
    let ct = &ct[HEADER_LEN..HEADER_LEN + SEALED];
    let cipher = Aes256Gcm::new(&KEY.into());
    for (i, (ct, pt)) in ct
        .chunks(ENCRYPTED_CHUNK_LEN)
        .zip(out.chunks_mut(CHUNK_LEN))
        .enumerate()
    {
        raw_open_chunk(&cipher, i, ct, pt);
    }
}

/// The peer: STREAM over AES-256-GCM, each segment copied into its slot and
/// sealed there in place (the API seals a `Buffer`), the last one flagged.
fn stream_encrypt(plain: &[u8], out: &mut [u8]) {
    let out = &mut out[HEADER_LEN..HEADER_LEN + SEALED];
    let mut e = EncryptorBE32::<Aes256Gcm>::from_aead(Aes256Gcm::new(&KEY.into()), &stream_nonce());
    let mut segments = plain
        .chunks(CHUNK_LEN)
        .zip(out.chunks_mut(ENCRYPTED_CHUNK_LEN));
    let last = segments.next_back().unwrap();
    fn fill<'a>((pt, ct): (&[u8], &'a mut [u8])) -> SliceBuf<'a> {
        ct[..pt.len()].copy_from_slice(pt);
        SliceBuf {
            buf: ct,
            len: pt.len(),
        }
    }
    for segment in segments {
        e.encrypt_next_in_place(&[], &mut fill(segment)).unwrap();
    }
    e.encrypt_last_in_place(&[], &mut fill(last)).unwrap();
}

/// The peer's decryption: each segment copied into its plaintext slot (and
/// the next slot's first 16 bytes, for the tag) and opened there in place;
/// `out` has 16 bytes to spare after the plaintext.
fn stream_decrypt(ct: &[u8], out: &mut [u8]) {
    let ct = &ct[HEADER_LEN..HEADER_LEN + SEALED];
    let mut d = Some(DecryptorBE32::<Aes256Gcm>::from_aead(
        Aes256Gcm::new(&KEY.into()),
        &stream_nonce(),
    ));
    let n = ct.len().div_ceil(ENCRYPTED_CHUNK_LEN);
    for (i, segment) in ct.chunks(ENCRYPTED_CHUNK_LEN).enumerate() {
        let slot = &mut out[i * CHUNK_LEN..i * CHUNK_LEN + segment.len()];
        slot.copy_from_slice(segment);
        let mut buf = SliceBuf {
            buf: slot,
            len: segment.len(),
        };
        if i + 1 < n {
            d.as_mut()
                .unwrap()
                .decrypt_next_in_place(&[], &mut buf)
                .unwrap();
        } else {
            // The last segment consumes the decryptor.
            d.take()
                .unwrap()
                .decrypt_last_in_place(&[], &mut buf)
                .unwrap();
        }
    }
}

fn throughput(c: &mut Criterion) {
    let mut r = rng();
    let plain = plaintext();
    let stream_len = ciphertext_len(LEN as u64).unwrap() as usize;

    // Every output checked once, outside the timings.
    let mut ours = vec![0u8; stream_len];
    assert_eq!(sotto_encrypt(&mut r, &plain, &mut ours), stream_len);
    let mut raw = vec![0u8; stream_len];
    raw_encrypt(&plain, &mut raw);
    let mut peer = vec![0u8; stream_len];
    stream_encrypt(&plain, &mut peer);
    let mut back = vec![0u8; LEN + CHUNK_TAG_LEN];
    assert_eq!(sotto_decrypt(&ours, &mut back[..LEN]), LEN);
    assert!(back[..LEN] == plain[..]);
    back.fill(0);
    raw_decrypt(&raw, &mut back[..LEN]);
    assert!(back[..LEN] == plain[..]);
    back.fill(0);
    stream_decrypt(&peer, &mut back);
    assert!(back[..LEN] == plain[..]);

    let mut g = c.benchmark_group("media_64MiB");
    few_samples(&mut g);
    g.throughput(Throughput::Bytes(LEN as u64));
    let mut out = vec![0u8; stream_len];
    g.bench_function("encrypt/sotto", |b| {
        b.iter(|| black_box(sotto_encrypt(&mut r, black_box(&plain), &mut out)))
    });
    g.bench_function("encrypt/aes256gcm_raw", |b| {
        b.iter(|| raw_encrypt(black_box(&plain), black_box(&mut out)))
    });
    g.bench_function("encrypt/aead_stream", |b| {
        b.iter(|| stream_encrypt(black_box(&plain), black_box(&mut out)))
    });
    g.bench_function("decrypt/sotto", |b| {
        b.iter(|| black_box(sotto_decrypt(black_box(&ours), &mut back[..LEN])))
    });
    g.bench_function("decrypt/aes256gcm_raw", |b| {
        b.iter(|| raw_decrypt(black_box(&raw), black_box(&mut back[..LEN])))
    });
    g.bench_function("decrypt/aead_stream", |b| {
        b.iter(|| stream_decrypt(black_box(&peer), black_box(&mut back)))
    });
    g.finish();
}

fn random_read(c: &mut Criterion) {
    let mut r = rng();
    let plain = plaintext();
    let (blob, sealed) = attachment::encrypt(&mut r, &plain).unwrap();
    let descriptor = sealed.descriptor("video/mp4");
    let mut reader = attachment::open_reader(&descriptor, &blob[..]).unwrap();
    let mut raw = vec![0u8; blob.len()];
    raw_encrypt(&plain, &mut raw);
    let cipher = Aes256Gcm::new(&KEY.into());

    // Byte 60 MiB + 1234 of chunk 3840 + k, k cycling through 64 chunks.
    let first = 60 * MIB / CHUNK_LEN;
    let at = |k: usize| ((first + k) * CHUNK_LEN + 1234) as u64;
    for k in 0..64 {
        let mut byte = [0u8; 1];
        assert_eq!(reader.read_at(at(k), &mut byte).unwrap(), 1);
        assert_eq!(byte[0], plain[at(k) as usize]);
    }

    let mut g = c.benchmark_group("media_read_1_byte_at_60MiB");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    let mut k = 0usize;
    g.bench_function("sotto/chunk_reader", |b| {
        b.iter(|| {
            k = (k + 1) % 64;
            let mut byte = [0u8; 1];
            reader.read_at(black_box(at(k)), &mut byte).unwrap();
            byte
        })
    });
    g.bench_function("sotto/open_reader_then_read", |b| {
        b.iter(|| {
            k = (k + 1) % 64;
            let mut reader = attachment::open_reader(&descriptor, &blob[..]).unwrap();
            let mut byte = [0u8; 1];
            reader.read_at(black_box(at(k)), &mut byte).unwrap();
            byte
        })
    });
    let mut chunk = vec![0u8; CHUNK_LEN];
    g.bench_function("aes256gcm_raw/open_16KiB_chunk", |b| {
        b.iter(|| {
            k = (k + 1) % 64;
            let i = first + k;
            let ct = &raw[HEADER_LEN + i * ENCRYPTED_CHUNK_LEN..][..ENCRYPTED_CHUNK_LEN];
            raw_open_chunk(&cipher, i, black_box(ct), &mut chunk);
            chunk[1234]
        })
    });
    g.finish();
}

fn argon2(c: &mut Criterion) {
    let mut r = rng();
    let key = BackupKey::generate(&mut r);
    let password: &[u8] = b"correct horse battery staple";
    let mut g = c.benchmark_group("media_backup_new");
    few_samples(&mut g);
    g.bench_function("key", |b| {
        b.iter(|| BackupEncryptor::new(&mut r, BackupSecret::Key(&key), &[]).unwrap())
    });
    for (name, params) in [
        ("password_default_64MiB_3_passes", Argon2Params::DEFAULT),
        ("password_minimum_19MiB_2_passes", Argon2Params::MINIMUM),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                BackupEncryptor::new(&mut r, BackupSecret::Password(password, params), &[]).unwrap()
            })
        });
    }
    g.finish();
}

fn gib_s(s: f64) -> f64 {
    LEN as f64 / s / (1u64 << 30) as f64
}

/// The medians of this run side by side, with the ratios the testing notes
/// quote.
fn summary(since: SystemTime) {
    println!("\nmedians of this run (criterion's estimates.json)");
    for op in ["encrypt", "decrypt"] {
        let m = |who: &str| median("media_64MiB", &format!("{op}/{who}"), since);
        let (Some(ours), raw, peer) = (m("sotto"), m("aes256gcm_raw"), m("aead_stream")) else {
            continue;
        };
        print!(
            "{op} 64 MiB: sotto {} ({:.3} GiB/s)",
            time(ours),
            gib_s(ours)
        );
        if let Some(raw) = raw {
            print!(
                "; raw AES-256-GCM {} ({:.3} GiB/s), sotto at {:.1}% of its throughput",
                time(raw),
                gib_s(raw),
                100.0 * raw / ours
            );
        }
        if let Some(peer) = peer {
            print!(
                "; aead-stream {} ({:.3} GiB/s), sotto's throughput {:.3}x aead-stream's",
                time(peer),
                gib_s(peer),
                peer / ours
            );
        }
        println!();
    }
    let group = "media_read_1_byte_at_60MiB";
    if let (Some(read), Some(raw)) = (
        median(group, "sotto/chunk_reader", since),
        median(group, "aes256gcm_raw/open_16KiB_chunk", since),
    ) {
        print!(
            "1 byte at 60 MiB: ChunkReader {}, raw 16 KiB chunk open {} ({:.2}x)",
            time(read),
            time(raw),
            read / raw
        );
        if let Some(open) = median(group, "sotto/open_reader_then_read", since) {
            print!("; open_reader and read {}", time(open));
        }
        println!();
    }
    let group = "media_backup_new";
    if let Some(key) = median(group, "key", since) {
        print!("BackupEncryptor::new: key {}", time(key));
        for (name, label) in [
            ("password_default_64MiB_3_passes", "DEFAULT"),
            ("password_minimum_19MiB_2_passes", "MINIMUM"),
        ] {
            if let Some(p) = median(group, name, since) {
                print!(
                    "; password at {label} {} (Argon2id about {})",
                    time(p),
                    time(p - key)
                );
            }
        }
        println!();
    }
}

/// Rounds of the paired comparison.
const ROUNDS: usize = 21;
/// Buffers each contender of the paired comparison cycles through.
const POOL: usize = 4;

/// Times each of `fs` once per round, the order rotating from round to
/// round, so that all see the same machine load; returns each one's median
/// time and the median over the rounds of its time ÷ the first one's.
fn paired(fs: &mut [&mut dyn FnMut()]) -> Vec<(f64, f64)> {
    let n = fs.len();
    // One row per round: each contender's time in that round.
    let rounds: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|round| {
            let mut row = vec![0.0; n];
            for k in 0..n {
                let i = (round + k) % n;
                let t = Instant::now();
                fs[i]();
                row[i] = t.elapsed().as_secs_f64();
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

/// The same comparisons paired round by round: criterion runs one
/// benchmark after the other, and on a shared machine the load can change
/// in between; a ratio taken within each round does not see that drift.
fn paired_ratios() {
    println!("\npaired: {ROUNDS} rounds, each timing every contender once in rotating order");
    let mut r = rng();
    let plain = plaintext();
    let stream_len = ciphertext_len(LEN as u64).unwrap() as usize;
    let mut ours = vec![0u8; stream_len];
    sotto_encrypt(&mut r, &plain, &mut ours);
    let mut raw = vec![0u8; stream_len];
    raw_encrypt(&plain, &mut raw);
    let mut peer = vec![0u8; stream_len];
    stream_encrypt(&plain, &mut peer);

    // Each contender cycles through buffers of its own, prefaulted, so that
    // no ratio rests on where one buffer happens to lie in memory.
    let pool = |len: usize| -> Vec<Vec<u8>> { (0..POOL).map(|_| vec![1u8; len]).collect() };
    let copies = |bytes: &[u8]| -> Vec<Vec<u8>> { (0..POOL).map(|_| bytes.to_vec()).collect() };
    let (mut o1, mut o2, mut o3) = (pool(stream_len), pool(stream_len), pool(stream_len));
    let (mut k1, mut k2, mut k3) = (0, 0, 0);
    let m = paired(&mut [
        &mut || {
            k1 = (k1 + 1) % POOL;
            black_box(sotto_encrypt(&mut r, &plain, &mut o1[k1]));
        },
        &mut || {
            k2 = (k2 + 1) % POOL;
            raw_encrypt(&plain, black_box(&mut o2[k2]));
        },
        &mut || {
            k3 = (k3 + 1) % POOL;
            stream_encrypt(&plain, black_box(&mut o3[k3]));
        },
    ]);
    drop((o1, o2, o3));
    println!(
        "encrypt 64 MiB: sotto {}, raw {}, aead-stream {}; sotto at {:.1}% of raw AES-256-GCM's throughput, {:.3}x aead-stream's",
        time(m[0].0),
        time(m[1].0),
        time(m[2].0),
        100.0 * m[1].1,
        m[2].1
    );
    let (i1, i2, i3) = (copies(&ours), copies(&raw), copies(&peer));
    let (mut d1, mut d2, mut d3) = (pool(LEN), pool(LEN), pool(LEN + CHUNK_TAG_LEN));
    let m = paired(&mut [
        &mut || {
            k1 = (k1 + 1) % POOL;
            black_box(sotto_decrypt(&i1[k1], &mut d1[k1]));
        },
        &mut || {
            k2 = (k2 + 1) % POOL;
            raw_decrypt(&i2[k2], black_box(&mut d2[k2]));
        },
        &mut || {
            k3 = (k3 + 1) % POOL;
            stream_decrypt(&i3[k3], black_box(&mut d3[k3]));
        },
    ]);
    drop((i1, i2, i3, d1, d2, d3));
    println!(
        "decrypt 64 MiB: sotto {}, raw {}, aead-stream {}; sotto at {:.1}% of raw AES-256-GCM's throughput, {:.3}x aead-stream's",
        time(m[0].0),
        time(m[1].0),
        time(m[2].0),
        100.0 * m[1].1,
        m[2].1
    );

    // Random reads in batches of 1000, a different chunk each time.
    let (blob, sealed) = attachment::encrypt(&mut r, &plain).unwrap();
    let descriptor = sealed.descriptor("video/mp4");
    let mut reader = attachment::open_reader(&descriptor, &blob[..]).unwrap();
    let cipher = Aes256Gcm::new(&KEY.into());
    let first = 60 * MIB / CHUNK_LEN;
    let mut chunk = vec![0u8; CHUNK_LEN];
    const BATCH: usize = 1000;
    let m = paired(&mut [
        &mut || {
            for k in 0..BATCH {
                let mut byte = [0u8; 1];
                let at = ((first + k % 64) * CHUNK_LEN + 1234) as u64;
                reader.read_at(black_box(at), &mut byte).unwrap();
                black_box(byte);
            }
        },
        &mut || {
            for k in 0..BATCH {
                let i = first + k % 64;
                let ct = &raw[HEADER_LEN + i * ENCRYPTED_CHUNK_LEN..][..ENCRYPTED_CHUNK_LEN];
                raw_open_chunk(&cipher, i, black_box(ct), &mut chunk);
                black_box(chunk[1234]);
            }
        },
    ]);
    println!(
        "1 byte at 60 MiB: ChunkReader {}, raw 16 KiB chunk open {}; ChunkReader takes {:.2}x the raw open",
        time(m[0].0 / BATCH as f64),
        time(m[1].0 / BATCH as f64),
        1.0 / m[1].1
    );
}

criterion_group!(benches, throughput, random_read, argon2);

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
