//! Adversarial tests of chunked encryption, attachments and backups, from
//! the point of view of a malicious blob store or server, a malicious
//! contact crafting descriptors, and a careless caller. Each test states
//! what it attacks; a test that fails marks a finding.
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
use sotto::Error;
use sotto::attachment::{self, AttachmentDecryptor, AttachmentEncryptor};
use sotto::backup::{
    ARGON2_MAX_LANES, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PASSES, Argon2Params, BackupDecryptor,
    BackupEncryptor, BackupHeader, BackupKey, BackupProtection, BackupSecret,
};
use sotto::chunked::{
    self, CHUNK_LEN, ChunkDecryptor, ChunkEncryptor, ChunkIndex, ChunkReader, ENCRYPTED_CHUNK_LEN,
    HEADER_LEN,
};

const KEY: [u8; 32] = [0x42; 32];
const CTX: &[u8] = b"attack context";

fn plaintext(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ 0x5a).collect()
}

fn encrypt_stream(key: &[u8], ctx: &[u8], pt: &[u8]) -> Vec<u8> {
    let mut e = ChunkEncryptor::new(&mut TestRng::new(1), key, ctx).unwrap();
    let mut out = vec![0u8; e.update_len(pt.len()).unwrap()];
    let n = e.update(pt, &mut out).unwrap();
    assert_eq!(n, out.len());
    let mut fin = vec![0u8; e.finish_len()];
    let m = e.finish(&mut fin).unwrap();
    assert_eq!(m, fin.len());
    out.extend_from_slice(&fin);
    assert_eq!(
        Some(out.len() as u64),
        chunked::ciphertext_len(pt.len() as u64)
    );
    out
}

/// Streams `ct` in pieces of `piece` bytes; the plaintext, or the first
/// error and how much plaintext came out before it.
fn decrypt_stream(
    key: &[u8],
    ctx: &[u8],
    ct: &[u8],
    piece: usize,
) -> Result<Vec<u8>, (Error, usize)> {
    let mut d = ChunkDecryptor::new(key, ctx).map_err(|e| (e, 0))?;
    let mut out = Vec::new();
    for p in ct.chunks(piece.max(1)) {
        let mut buf = vec![0u8; d.update_len(p.len()).unwrap()];
        let n = d.update(p, &mut buf).map_err(|e| (e, out.len()))?;
        assert!(n <= buf.len());
        out.extend_from_slice(&buf[..n]);
    }
    let mut buf = vec![0u8; d.finish_len()];
    let n = d.finish(&mut buf).map_err(|e| (e, out.len()))?;
    out.extend_from_slice(&buf[..n]);
    Ok(out)
}

fn reader_verdict(key: &[u8], ctx: &[u8], ct: &[u8]) -> Result<Vec<u8>, Error> {
    let mut r = ChunkReader::open(ct, key, ctx)?;
    let mut out = vec![0u8; r.len() as usize];
    let n = r.read_at(0, &mut out)?;
    assert_eq!(n, out.len());
    Ok(out)
}

// ---------------------------------------------------------------------------
// Chunked stream: a malicious store rewriting the ciphertext
// ---------------------------------------------------------------------------

#[test]
fn truncation_at_every_chunk_boundary_and_inside_is_refused() {
    for len in [
        0usize,
        1,
        CHUNK_LEN - 1,
        CHUNK_LEN,
        CHUNK_LEN + 1,
        3 * CHUNK_LEN,
    ] {
        let pt = plaintext(len);
        let ct = encrypt_stream(&KEY, CTX, &pt);
        assert_eq!(decrypt_stream(&KEY, CTX, &ct, 7777).unwrap(), pt);
        assert_eq!(reader_verdict(&KEY, CTX, &ct).unwrap(), pt);
        let mut cuts: Vec<usize> = (0..=ct.len() / ENCRYPTED_CHUNK_LEN + 1)
            .flat_map(|i| {
                let b = HEADER_LEN + i * ENCRYPTED_CHUNK_LEN;
                [b.saturating_sub(1), b, b + 1, b + 16]
            })
            .filter(|c| *c < ct.len())
            .collect();
        cuts.extend([0, 1, ct.len() - 1]);
        for cut in cuts {
            let short = &ct[..cut];
            assert!(
                decrypt_stream(&KEY, CTX, short, 4096).is_err(),
                "stream of {len} cut at {cut} accepted"
            );
            assert!(
                reader_verdict(&KEY, CTX, short).is_err(),
                "reader: stream of {len} cut at {cut} accepted"
            );
        }
    }
}

#[test]
fn extension_reorder_duplication_and_splicing_are_refused() {
    let pt = plaintext(3 * CHUNK_LEN + 100);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    let chunk = |i: usize| {
        let s = HEADER_LEN + i * ENCRYPTED_CHUNK_LEN;
        ct[s..(s + ENCRYPTED_CHUNK_LEN).min(ct.len())].to_vec()
    };
    let header = ct[..HEADER_LEN].to_vec();
    let build = |order: &[usize]| {
        let mut v = header.clone();
        for &i in order {
            v.extend_from_slice(&chunk(i));
        }
        v
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("swap 0 1", build(&[1, 0, 2, 3])),
        ("dup 0", build(&[0, 0, 1, 2, 3])),
        ("drop 1", build(&[0, 2, 3])),
        ("final twice", build(&[0, 1, 2, 3, 3])),
        ("no final", build(&[0, 1, 2])),
        ("final early", build(&[0, 3])),
        ("one byte more", {
            let mut v = ct.clone();
            v.push(0);
            v
        }),
        ("a full chunk more", {
            let mut v = ct.clone();
            v.extend_from_slice(&chunk(0));
            v
        }),
        ("tag of chunk 16 appended", {
            let mut v = ct.clone();
            v.extend_from_slice(&[0u8; 16]);
            v
        }),
    ];
    for (name, v) in variants {
        assert!(
            decrypt_stream(&KEY, CTX, &v, 1000).is_err(),
            "stream: {name}"
        );
        assert!(
            decrypt_stream(&KEY, CTX, &v, v.len()).is_err(),
            "stream one piece: {name}"
        );
        assert!(reader_verdict(&KEY, CTX, &v).is_err(), "reader: {name}");
    }
    // Splicing a chunk from another stream under the same key and context.
    let other = encrypt_stream(&KEY, CTX, &plaintext(3 * CHUNK_LEN + 100));
    let mut mixed = ct.clone();
    let s = HEADER_LEN + ENCRYPTED_CHUNK_LEN;
    mixed[s..s + ENCRYPTED_CHUNK_LEN].copy_from_slice(&other[s..s + ENCRYPTED_CHUNK_LEN]);
    // TestRng::new(1) gives both streams the same salt: they are the same
    // stream. Use another salt for a real splice.
    let mut e = ChunkEncryptor::new(&mut TestRng::new(99), &KEY, CTX).unwrap();
    let p = plaintext(3 * CHUNK_LEN + 100);
    let mut other = vec![0u8; e.update_len(p.len()).unwrap()];
    e.update(&p, &mut other).unwrap();
    let mut mixed2 = ct.clone();
    mixed2[s..s + ENCRYPTED_CHUNK_LEN].copy_from_slice(&other[s..s + ENCRYPTED_CHUNK_LEN]);
    assert!(decrypt_stream(&KEY, CTX, &mixed2, 5000).is_err());
    assert!(reader_verdict(&KEY, CTX, &mixed2).is_err());
    let _ = mixed;
}

#[test]
fn every_single_bit_flip_in_header_and_tags_is_refused() {
    let pt = plaintext(CHUNK_LEN + 33);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    let mut positions: Vec<usize> = (0..HEADER_LEN).collect();
    positions.extend([
        HEADER_LEN,
        HEADER_LEN + CHUNK_LEN,
        HEADER_LEN + ENCRYPTED_CHUNK_LEN - 1,
        HEADER_LEN + ENCRYPTED_CHUNK_LEN,
        ct.len() - 1,
    ]);
    for at in positions {
        let mut v = ct.clone();
        v[at] ^= 0x80;
        let s = decrypt_stream(&KEY, CTX, &v, 3000);
        assert!(s.is_err(), "flip at {at}");
        if at < HEADER_LEN {
            assert_eq!(s.unwrap_err(), (Error::WrongKey, 0), "header flip at {at}");
        }
        assert!(
            reader_verdict(&KEY, CTX, &v).is_err(),
            "reader flip at {at}"
        );
    }
}

#[test]
fn wrong_key_or_context_is_wrong_key_before_any_output() {
    let ct = encrypt_stream(&KEY, CTX, &plaintext(2 * CHUNK_LEN + 5));
    let mut other = KEY;
    other[31] ^= 1;
    assert_eq!(
        decrypt_stream(&other, CTX, &ct, 99999).unwrap_err(),
        (Error::WrongKey, 0)
    );
    assert_eq!(
        decrypt_stream(&KEY, b"attack contexT", &ct, 99999).unwrap_err(),
        (Error::WrongKey, 0)
    );
    assert_eq!(
        reader_verdict(&other, CTX, &ct).unwrap_err(),
        Error::WrongKey
    );
    assert_eq!(
        ChunkIndex::open(
            &other,
            CTX,
            &ct[..HEADER_LEN],
            ct.len() as u64,
            2 * CHUNK_LEN as u64 + 5
        )
        .unwrap_err(),
        Error::WrongKey
    );
    // Keys of other lengths: refused, no panic.
    for k in [&[][..], &[0u8; 31][..], &[0u8; 33][..]] {
        assert_eq!(ChunkDecryptor::new(k, CTX).unwrap_err(), Error::InvalidKey);
        assert_eq!(
            ChunkReader::open(&ct[..], k, CTX).unwrap_err(),
            Error::InvalidKey
        );
    }
    // A context over the limit.
    let long = vec![0u8; chunked::MAX_CONTEXT_LEN + 1];
    assert_eq!(
        ChunkDecryptor::new(&KEY, &long).unwrap_err(),
        Error::LimitExceeded
    );
}

#[test]
fn after_an_error_or_finish_nothing_passes() {
    let pt = plaintext(CHUNK_LEN + 10);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    // Finish, then feed more: refused.
    let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
    let mut buf = vec![0u8; d.update_len(ct.len()).unwrap()];
    d.update(&ct, &mut buf).unwrap();
    let mut fin = vec![0u8; d.finish_len()];
    d.finish(&mut fin).unwrap();
    let mut big = vec![0u8; 2 * ENCRYPTED_CHUNK_LEN];
    assert!(d.update(&ct[HEADER_LEN..], &mut big).is_err());
    assert!(d.finish(&mut big).is_err());
    assert_eq!(d.finish_len(), 0);
    // An error sticks, even after a "good" continuation.
    let mut v = ct.clone();
    v[HEADER_LEN + 5] ^= 1;
    let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
    let mut buf = vec![0u8; d.update_len(v.len()).unwrap()];
    assert_eq!(
        d.update(&v, &mut buf).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert_eq!(
        d.update(&ct[HEADER_LEN..], &mut big).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert_eq!(d.finish(&mut big).unwrap_err(), Error::AuthenticationFailed);
    // Finish before the header is complete.
    let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
    d.update(&ct[..10], &mut []).unwrap();
    assert_eq!(d.finish(&mut big).unwrap_err(), Error::Malformed);
    // Encryptor: update/finish after finish.
    let mut e = ChunkEncryptor::new(&mut TestRng::new(3), &KEY, CTX).unwrap();
    let mut o = vec![0u8; e.finish_len()];
    e.finish(&mut o).unwrap();
    assert_eq!(e.update(b"x", &mut big).unwrap_err(), Error::StreamClosed);
    assert_eq!(e.finish(&mut big).unwrap_err(), Error::StreamClosed);
}

/// A BufferTooSmall on update must leave the stream usable and unchanged.
#[test]
fn buffer_too_small_changes_nothing() {
    let pt = plaintext(2 * CHUNK_LEN + 7);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
    let need = d.update_len(ct.len()).unwrap();
    let mut small = vec![0u8; need - 1];
    assert_eq!(
        d.update(&ct, &mut small).unwrap_err(),
        Error::BufferTooSmall
    );
    let mut buf = vec![0u8; need];
    let n = d.update(&ct, &mut buf).unwrap();
    let mut fin = vec![0u8; d.finish_len()];
    assert_eq!(d.finish(&mut fin[..0]).unwrap_err(), Error::BufferTooSmall);
    let m = d.finish(&mut fin).unwrap();
    let mut got = buf[..n].to_vec();
    got.extend_from_slice(&fin[..m]);
    assert_eq!(got, pt);
}

/// The exact-length contracts: the encryptor writes exactly what it
/// promised and never past it (a canary after the promised length), for
/// every split of the input; the decryptor never past its "at most".
#[test]
fn length_contracts_hold_for_odd_piece_sizes() {
    let pt = plaintext(3 * CHUNK_LEN + 1234);
    for piece in [
        1usize, 15, 55, 56, 57, 16383, 16384, 16385, 16399, 16400, 16401, 40000,
    ] {
        let mut e = ChunkEncryptor::new(&mut TestRng::new(5), &KEY, CTX).unwrap();
        let mut ct = Vec::new();
        for p in pt.chunks(piece) {
            let need = e.update_len(p.len()).unwrap();
            let mut buf = vec![0xEEu8; need + 64];
            let n = e.update(p, &mut buf).unwrap();
            assert_eq!(n, need, "encrypt update piece {piece}");
            assert!(
                buf[need..].iter().all(|b| *b == 0xEE),
                "wrote past update_len"
            );
            ct.extend_from_slice(&buf[..n]);
        }
        let need = e.finish_len();
        let mut buf = vec![0xEEu8; need + 64];
        let n = e.finish(&mut buf).unwrap();
        assert_eq!(n, need);
        assert!(buf[need..].iter().all(|b| *b == 0xEE));
        ct.extend_from_slice(&buf[..n]);

        let mut d = ChunkDecryptor::new(&KEY, CTX).unwrap();
        let mut got = Vec::new();
        for p in ct.chunks(piece) {
            let need = d.update_len(p.len()).unwrap();
            let mut buf = vec![0xEEu8; need + 64];
            let n = d.update(p, &mut buf).unwrap();
            assert!(n <= need);
            assert!(
                buf[need..].iter().all(|b| *b == 0xEE),
                "decrypt wrote past update_len"
            );
            got.extend_from_slice(&buf[..n]);
        }
        let need = d.finish_len();
        let mut buf = vec![0xEEu8; need + 64];
        let n = d.finish(&mut buf).unwrap();
        assert!(n <= need);
        assert!(buf[need..].iter().all(|b| *b == 0xEE));
        got.extend_from_slice(&buf[..n]);
        assert_eq!(got, pt, "piece {piece}");
    }
}

/// Streaming and random access agree on every tampered stream.
#[test]
fn streaming_and_random_access_agree() {
    let pt = plaintext(2 * CHUNK_LEN + 300);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    let len = pt.len() as u64;
    let mut cases: Vec<Vec<u8>> = vec![ct.clone()];
    for at in [
        0usize,
        30,
        HEADER_LEN,
        HEADER_LEN + ENCRYPTED_CHUNK_LEN + 3,
        ct.len() - 1,
    ] {
        let mut v = ct.clone();
        v[at] ^= 4;
        cases.push(v);
    }
    for v in cases {
        let streaming = decrypt_stream(&KEY, CTX, &v, 4321).is_ok();
        let reader = reader_verdict(&KEY, CTX, &v).is_ok();
        // ChunkIndex with the trusted length, every chunk.
        let index = (|| -> Result<(), Error> {
            let ix = ChunkIndex::open(&KEY, CTX, &v[..HEADER_LEN], v.len() as u64, len)?;
            let mut off = 0u64;
            let mut out = vec![0u8; CHUNK_LEN];
            while let Some(loc) = ix.locate(off) {
                let s = loc.stream_offset as usize;
                ix.decrypt_chunk(loc.index, &v[s..s + loc.stream_len], &mut out)?;
                off += loc.plaintext_len as u64;
            }
            Ok(())
        })()
        .is_ok();
        assert_eq!(streaming, reader);
        assert_eq!(streaming, index);
    }
}

#[test]
fn chunk_index_refuses_bad_indices_and_lengths_without_panic() {
    for len in [0u64, 5, CHUNK_LEN as u64, 2 * CHUNK_LEN as u64] {
        let pt = plaintext(len as usize);
        let ct = encrypt_stream(&KEY, CTX, &pt);
        let ix = ChunkIndex::open(&KEY, CTX, &ct[..HEADER_LEN], ct.len() as u64, len).unwrap();
        let mut out = vec![0u8; CHUNK_LEN];
        for index in [
            0u64,
            1,
            2,
            3,
            1 << 37,
            (1 << 38) - 1,
            1 << 38,
            u64::MAX / 2,
            u64::MAX,
        ] {
            for clen in [0usize, 16, 17, ENCRYPTED_CHUNK_LEN] {
                let bytes = vec![0u8; clen];
                assert!(ix.decrypt_chunk(index, &bytes, &mut out).is_err());
            }
        }
        for off in [len, len + 1, u64::MAX] {
            assert!(ix.locate(off).is_none());
        }
        // The empty final chunk of a stream of whole chunks decrypts.
        let last = len / CHUNK_LEN as u64;
        let s = HEADER_LEN + last as usize * ENCRYPTED_CHUNK_LEN;
        assert!(ix.decrypt_chunk(last, &ct[s..], &mut out).is_ok());
        // A too-small output buffer.
        if len > 0 {
            let loc = ix.locate(0).unwrap();
            let s = loc.stream_offset as usize;
            assert_eq!(
                ix.decrypt_chunk(
                    0,
                    &ct[s..s + loc.stream_len],
                    &mut out[..loc.plaintext_len - 1]
                )
                .unwrap_err(),
                Error::BufferTooSmall
            );
        }
        // Lengths that disagree.
        for (sl, pl) in [
            (ct.len() as u64, len + 1),
            (ct.len() as u64 + 1, len),
            (u64::MAX, u64::MAX),
            (0, 0),
        ] {
            assert!(ChunkIndex::open(&KEY, CTX, &ct[..HEADER_LEN], sl, pl).is_err());
        }
        assert!(ChunkIndex::open(&KEY, CTX, &ct[..HEADER_LEN - 1], ct.len() as u64, len).is_err());
    }
    for l in [0u64, 1, 55, 56, 71, 72, u64::MAX, u64::MAX - 1] {
        let _ = chunked::plaintext_len(l);
        let _ = chunked::ciphertext_len(l);
    }
}

#[test]
fn reader_reads_at_odd_offsets_without_panic() {
    let pt = plaintext(2 * CHUNK_LEN + 17);
    let ct = encrypt_stream(&KEY, CTX, &pt);
    let mut r = ChunkReader::open(&ct[..], &KEY, CTX).unwrap();
    for (off, n) in [
        (0u64, 0usize),
        (0, 1),
        (CHUNK_LEN as u64 - 1, 2),
        (pt.len() as u64 - 1, 10),
        (pt.len() as u64, 10),
        (u64::MAX, 10),
        (u64::MAX - 1, 5),
    ] {
        let mut buf = vec![0u8; n];
        let got = r.read_at(off, &mut buf).unwrap();
        let start = (off as usize).min(pt.len());
        let end = start.saturating_add(n).min(pt.len());
        assert_eq!(&buf[..got], &pt[start..end]);
    }
}

// ---------------------------------------------------------------------------
// Attachments: a malicious contact crafting descriptors, a store swapping
// blobs
// ---------------------------------------------------------------------------

fn make_attachment(pt: &[u8]) -> (Vec<u8>, sotto::envelope::AttachmentDescriptor) {
    let (blob, done) = attachment::encrypt(&mut TestRng::new(11), pt).unwrap();
    (blob, done.descriptor("image/jpeg"))
}

#[test]
fn crafted_descriptor_lengths_do_not_allocate_or_panic() {
    let (blob, d) = make_attachment(&plaintext(1000));
    for len in [u64::MAX, u64::MAX / 2, 1 << 52, (1 << 52) - 1, 1 << 40] {
        let mut bad = d.clone();
        bad.plaintext_len = len;
        // decrypt() must not allocate `len` bytes before checking the blob.
        assert!(attachment::decrypt(&bad, &blob).is_err(), "len {len}");
        let _ = AttachmentDecryptor::new(&bad);
        assert!(attachment::open_reader(&bad, &blob[..]).is_err());
        assert!(attachment::open_index(&bad, &blob[..HEADER_LEN], blob.len() as u64).is_err());
    }
}

#[test]
fn attachment_blob_swaps_are_refused() {
    let pt = plaintext(CHUNK_LEN + 999);
    let (blob, d) = make_attachment(&pt);
    assert_eq!(&attachment::decrypt(&d, &blob).unwrap()[..], &pt[..]);
    // Another blob under another key, same length: wrong key.
    let (other, _) = {
        let (b, done) = attachment::encrypt(&mut TestRng::new(12), &pt).unwrap();
        (b, done)
    };
    assert_eq!(
        attachment::decrypt(&d, &other).unwrap_err(),
        Error::WrongKey
    );
    // The blob extended by a byte, in pieces: Malformed before any output.
    let mut longer = blob.clone();
    longer.push(0);
    let mut dec = AttachmentDecryptor::new(&d).unwrap();
    let mut buf = vec![0u8; dec.update_len(longer.len()).unwrap()];
    assert_eq!(dec.update(&longer, &mut buf).unwrap_err(), Error::Malformed);
    // The descriptor's hash changed: the stream decrypts but finish refuses.
    let mut d2 = d.clone();
    d2.ciphertext_sha256[0] ^= 1;
    assert_eq!(
        attachment::decrypt(&d2, &blob).unwrap_err(),
        Error::AuthenticationFailed
    );
}

/// Random access does not check the blob's SHA-256 (documented), so a
/// blob the descriptor's hash does not match is served by the reader while
/// the stream refuses it: the two verdicts differ. The sender (who has the
/// key) can thus give different recipients different content under one
/// descriptor, if they use random access.
#[test]
fn random_access_ignores_the_descriptor_hash() {
    let pt = plaintext(CHUNK_LEN + 999);
    let (blob, d) = make_attachment(&pt);
    let mut d2 = d.clone();
    d2.ciphertext_sha256 = [0u8; 32];
    assert_eq!(
        attachment::decrypt(&d2, &blob).unwrap_err(),
        Error::AuthenticationFailed
    );
    let mut r = attachment::open_reader(&d2, &blob[..]).unwrap();
    let mut out = vec![0u8; pt.len()];
    assert_eq!(r.read_at(0, &mut out).unwrap(), pt.len());
    assert_eq!(
        out, pt,
        "random access served a blob the descriptor's hash refuses"
    );
}

#[test]
fn attachment_decryptor_after_error_or_finish() {
    let pt = plaintext(CHUNK_LEN + 5);
    let (blob, d) = make_attachment(&pt);
    let mut dec = AttachmentDecryptor::new(&d).unwrap();
    let mut buf = vec![0u8; dec.update_len(blob.len()).unwrap()];
    dec.update(&blob, &mut buf).unwrap();
    let mut fin = vec![0u8; dec.finish_len()];
    dec.finish(&mut fin).unwrap();
    let mut big = vec![0u8; 3 * ENCRYPTED_CHUNK_LEN];
    assert!(dec.update(&[], &mut big).is_err());
    assert!(dec.finish(&mut big).is_err());
    // BufferTooSmall on finish does not poison.
    let mut dec = AttachmentDecryptor::new(&d).unwrap();
    let mut buf = vec![0u8; dec.update_len(blob.len()).unwrap()];
    dec.update(&blob, &mut buf).unwrap();
    assert_eq!(dec.finish(&mut []).unwrap_err(), Error::BufferTooSmall);
    let mut fin = vec![0u8; dec.finish_len()];
    assert_eq!(dec.finish(&mut fin).unwrap(), 5);
    // Encryptor after finish.
    let mut e = AttachmentEncryptor::new(&mut TestRng::new(2)).unwrap();
    let mut o = vec![0u8; e.finish_len()];
    e.finish(&mut o).unwrap();
    assert_eq!(
        e.update(b"more", &mut big).unwrap_err(),
        Error::StreamClosed
    );
    assert_eq!(e.finish(&mut big).unwrap_err(), Error::StreamClosed);
}

#[test]
fn descriptor_fuzz_never_panics() {
    use sotto::Content;
    use sotto::envelope::CONTENT_ATTACHMENT;
    let (_, d) = make_attachment(b"hello");
    let good = Content::Attachment(d).body().unwrap().to_vec();
    let mut rng = TestRng::new(77);
    use rand_core::Rng;
    for i in 0..20_000 {
        let mut v = good.clone();
        let flips = 1 + (rng.next_u32() % 4) as usize;
        for _ in 0..flips {
            let at = (rng.next_u32() as usize) % v.len();
            v[at] = rng.next_u32() as u8;
        }
        if i % 3 == 0 {
            v.truncate((rng.next_u32() as usize) % (v.len() + 1));
        }
        if let Ok(Content::Attachment(d)) = Content::from_body(CONTENT_ATTACHMENT, &v) {
            let _ = AttachmentDecryptor::new(&d);
            let _ = attachment::decrypt(&d, &[0u8; 72]);
        }
    }
}

// ---------------------------------------------------------------------------
// Backups: a thief or server with the file
// ---------------------------------------------------------------------------

fn write_backup(secret: BackupSecret<'_>, state: &[u8], export: &[u8]) -> Vec<u8> {
    let mut e = BackupEncryptor::new(&mut TestRng::new(21), secret, state).unwrap();
    let mut out = vec![0u8; e.update_len(export.len()).unwrap()];
    let n = e.update(export, &mut out).unwrap();
    assert_eq!(n, out.len());
    let mut fin = vec![0u8; e.finish_len()];
    let m = e.finish(&mut fin).unwrap();
    assert_eq!(m, fin.len());
    out.extend_from_slice(&fin);
    out
}

#[allow(clippy::type_complexity)]
fn read_backup(
    secret: BackupSecret<'_>,
    backup: &[u8],
    piece: usize,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut d = BackupDecryptor::new(secret)?;
    let mut export = Vec::new();
    for p in backup.chunks(piece.max(1)) {
        let need = d.update_len(p.len()).unwrap();
        let mut buf = vec![0xEEu8; need + 32];
        let n = d.update(p, &mut buf)?;
        assert!(n <= need);
        assert!(
            buf[need..].iter().all(|b| *b == 0xEE),
            "wrote past update_len"
        );
        export.extend_from_slice(&buf[..n]);
    }
    let need = d.finish_len();
    let mut buf = vec![0xEEu8; need + 32];
    let (n, state) = d.finish(&mut buf)?;
    assert!(n <= need);
    assert!(
        buf[need..].iter().all(|b| *b == 0xEE),
        "wrote past finish_len"
    );
    export.extend_from_slice(&buf[..n]);
    Ok((state.to_vec(), export))
}

const STATE_MARKER: &[u8] = b"IDENTITY-SECRET-KEY-MATERIAL-0123456789";

fn secret_state(len: usize) -> Vec<u8> {
    let mut s = Vec::with_capacity(len);
    while s.len() < len {
        s.extend_from_slice(STATE_MARKER);
    }
    s.truncate(len);
    s
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn backup_roundtrip_through_odd_pieces_and_contracts() {
    let key = BackupKey::generate(&mut TestRng::new(4));
    let state = secret_state(20_000);
    let export = plaintext(40_000);
    let b = write_backup(BackupSecret::Key(&key), &state, &export);
    for piece in [1usize, 9, 10, 11, 65, 66, 67, 16400, 16466, 100_000] {
        let (s, e) = read_backup(BackupSecret::Key(&key), &b, piece).unwrap();
        assert_eq!(s, state);
        assert_eq!(e, export);
    }
}

#[test]
fn backup_tampering_is_refused() {
    let key = BackupKey::generate(&mut TestRng::new(4));
    let state = secret_state(100);
    let b = write_backup(BackupSecret::Key(&key), &state, &plaintext(20_000));
    for at in [0usize, 8, 9, 10, 20, 66, 67, b.len() - 1] {
        let mut v = b.clone();
        v[at] ^= 1;
        assert!(
            read_backup(BackupSecret::Key(&key), &v, 777).is_err(),
            "flip at {at}"
        );
    }
    for cut in [0usize, 9, 10, 66, 67, 70, 16466, b.len() - 1] {
        assert!(
            read_backup(BackupSecret::Key(&key), &b[..cut], 777).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = b.clone();
    longer.push(0);
    assert!(read_backup(BackupSecret::Key(&key), &longer, 777).is_err());
    // A password for a key backup and the other way round: WrongKey, no Argon2.
    let pw = BackupSecret::Password(b"pw", Argon2Params::MINIMUM);
    assert_eq!(read_backup(pw, &b, 777).unwrap_err(), Error::WrongKey);
}

/// A thief or server rewrites a password backup's header with the largest
/// cost the bounds allow (or beyond): beyond is refused before any work.
#[test]
fn crafted_argon2_parameters_are_bounded() {
    let base = BackupHeader {
        version: 1,
        protection: BackupProtection::Password {
            params: Argon2Params::MINIMUM,
            salt: [0u8; 16],
        },
    };
    let set = |m: u32, p: u32, l: u32| {
        let mut h = base;
        if let BackupProtection::Password { params, .. } = &mut h.protection {
            *params = Argon2Params {
                memory_kib: m,
                passes: p,
                lanes: l,
            };
        }
        h.to_bytes()
    };
    for (m, p, l) in [
        (u32::MAX, 2, 1),
        (ARGON2_MAX_MEMORY_KIB + 1, 2, 1),
        (19 * 1024, u32::MAX, 1),
        (19 * 1024, ARGON2_MAX_PASSES + 1, 1),
        (19 * 1024, 2, 0),
        (19 * 1024, 2, ARGON2_MAX_LANES + 1),
        (19 * 1024, 2, u32::MAX),
        (8, 2, 1),
        (19 * 1024, 1, 1),
    ] {
        let h = set(m, p, l);
        let mut d =
            BackupDecryptor::new(BackupSecret::Password(b"pw", Argon2Params::MINIMUM)).unwrap();
        let mut out = vec![0u8; h.len()];
        let t = std::time::Instant::now();
        assert_eq!(
            d.update(&h, &mut out).unwrap_err(),
            Error::LimitExceeded,
            "{m} {p} {l}"
        );
        assert!(t.elapsed().as_millis() < 100);
    }
    // Unknown secret type, version, magic: refused without panics.
    for v in [
        b"SOTTOBAK\x01\x00".to_vec(),
        b"SOTTOBAK\x01\x03".to_vec(),
        b"SOTTOBAK\x02\x01".to_vec(),
        b"SOTTOBAX\x01\x01".to_vec(),
    ] {
        let mut d =
            BackupDecryptor::new(BackupSecret::Password(b"pw", Argon2Params::MINIMUM)).unwrap();
        assert!(d.update(&v, &mut [0u8; 64]).is_err());
    }
}

/// A backup password of the wrong type of secret, empty, or too long.
#[test]
fn backup_secret_edge_cases() {
    assert!(BackupDecryptor::new(BackupSecret::Password(b"", Argon2Params::MINIMUM)).is_err());
    let long = vec![b'a'; 1025];
    assert!(BackupDecryptor::new(BackupSecret::Password(&long, Argon2Params::MINIMUM)).is_err());
    let bad = Argon2Params {
        memory_kib: u32::MAX,
        passes: u32::MAX,
        lanes: u32::MAX,
    };
    assert!(
        BackupEncryptor::new(
            &mut TestRng::new(1),
            BackupSecret::Password(b"pw", bad),
            b"s"
        )
        .is_err()
    );
    // Parameters given to the decryptor are ignored (the header's apply):
    // absurd ones do not fail the constructor.
    assert!(BackupDecryptor::new(BackupSecret::Password(b"pw", bad)).is_ok());
    // Digits of odd shape.
    for s in ["", " ", "zz", &"0".repeat(10_000), "ä", &"0-".repeat(68)] {
        assert!(BackupKey::from_digits(s).is_err());
    }
}

/// The SDK's state (identity and prekey secrets) never reaches the app's
/// export buffer: `split` moves it out and wipes it. But when a later chunk
/// of the same `update` call fails, the state chunk already decrypted into
/// the caller's `out` stays there: the error path does not wipe `out`.
#[test]
fn backup_state_is_not_left_in_the_callers_buffer_after_an_error() {
    let key = BackupKey::generate(&mut TestRng::new(4));
    let state = secret_state(1000);
    let export = plaintext(3 * CHUNK_LEN);
    let b = write_backup(BackupSecret::Key(&key), &state, &export);
    // Success path: the state is wiped from the buffer.
    {
        let mut d = BackupDecryptor::new(BackupSecret::Key(&key)).unwrap();
        let mut buf = vec![0u8; d.update_len(b.len()).unwrap()];
        d.update(&b, &mut buf).unwrap();
        assert!(
            !contains(&buf, STATE_MARKER),
            "state left in out on success"
        );
    }
    // A server damages the second chunk (the app's export, not the state).
    let mut v = b.clone();
    let second = 10 + HEADER_LEN + ENCRYPTED_CHUNK_LEN + 100;
    v[second] ^= 1;
    let mut d = BackupDecryptor::new(BackupSecret::Key(&key)).unwrap();
    let mut buf = vec![0u8; d.update_len(v.len()).unwrap()];
    assert_eq!(
        d.update(&v, &mut buf).unwrap_err(),
        Error::AuthenticationFailed
    );
    assert!(
        !contains(&buf, STATE_MARKER),
        "the SDK's secret state was left in the app's buffer after the error"
    );
}

/// The same for the attachment decryptor: on an error nothing of the
/// earlier chunks of the call should be left behind (the doc says discard,
/// but the count is lost, so the app cannot know what to wipe).
#[test]
fn attachment_plaintext_left_in_buffer_after_error() {
    let pt = secret_state(2 * CHUNK_LEN + 10);
    let (blob, d) = make_attachment(&pt);
    let mut v = blob.clone();
    v[HEADER_LEN + ENCRYPTED_CHUNK_LEN + 3] ^= 1;
    let mut dec = AttachmentDecryptor::new(&d).unwrap();
    let mut buf = vec![0u8; dec.update_len(v.len()).unwrap()];
    assert!(dec.update(&v, &mut buf).is_err());
    // Informational: record whether chunk 0's plaintext is there.
    if contains(&buf, STATE_MARKER) {
        eprintln!("note: chunk 0 plaintext left in the caller's buffer after the error");
    }
}
