//! Attachments: a blob under a fresh key, checked against its descriptor
//! (key commitment, position of every chunk, exact length, SHA-256), read
//! whole, streamed or at any offset.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::TestRng;
use proptest::prelude::*;
use sotto::attachment::{self, AttachmentDecryptor, AttachmentEncryptor};
use sotto::chunked::{CHUNK_LEN, HEADER_LEN};
use sotto::envelope::AttachmentDescriptor;
use sotto::{Content, DisappearingTimer, Envelope, Error};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn sealed(len: usize, seed: u64) -> (Vec<u8>, AttachmentDescriptor) {
    let mut rng = TestRng::new(seed);
    let (blob, done) = attachment::encrypt(&mut rng, &data(len)).unwrap();
    assert_eq!(done.ciphertext_len, blob.len() as u64);
    assert_eq!(done.plaintext_len, len as u64);
    assert_eq!(done.ciphertext_sha256, sotto::crypto::sha256(&[&blob]));
    (blob, done.descriptor("application/octet-stream"))
}

#[test]
fn a_blob_decrypts_against_its_descriptor_after_the_envelope() {
    let (blob, mut d) = sealed(100_000, 1);
    d.media_type = "video/mp4".into();
    d.dimensions = Some((1920, 1080));
    d.duration_ms = Some(12_000);
    // The descriptor travels in the envelope, and decodes to the same.
    let env = Envelope::new(
        Content::Attachment(d.clone()),
        1_800_000_000_000,
        DisappearingTimer::OFF,
    );
    let got = Envelope::decode(&env.encode().unwrap()).unwrap();
    let Content::Attachment(back) = got.content else {
        unreachable!("an attachment")
    };
    assert_eq!(back, d);
    assert_eq!(
        &attachment::decrypt(&back, &blob).unwrap()[..],
        &data(100_000)[..]
    );
}

#[test]
fn every_mismatch_with_the_descriptor_is_refused() {
    let (blob, d) = sealed(3 * CHUNK_LEN + 9, 2);
    // Wrong key: the commitment, before anything is decrypted.
    let mut wrong = d.clone();
    wrong.key[0] ^= 1;
    assert_eq!(
        attachment::decrypt(&wrong, &blob).err(),
        Some(Error::WrongKey)
    );
    let mut dec = AttachmentDecryptor::new(&wrong).unwrap();
    let mut out = vec![0u8; blob.len()];
    assert_eq!(dec.update(&blob, &mut out), Err(Error::WrongKey));
    // Wrong hash: the blob is right but not the one described.
    let mut other = d.clone();
    other.ciphertext_sha256[5] ^= 1;
    assert_eq!(
        attachment::decrypt(&other, &blob).err(),
        Some(Error::AuthenticationFailed)
    );
    // Wrong length either way.
    let mut longer = d.clone();
    longer.plaintext_len += 1;
    assert!(attachment::decrypt(&longer, &blob).is_err());
    // Truncated, trailing data.
    assert_eq!(
        attachment::decrypt(&d, &blob[..blob.len() - 1]).err(),
        Some(Error::Malformed)
    );
    let mut extra = blob.clone();
    extra.push(0);
    assert_eq!(
        attachment::decrypt(&d, &extra).err(),
        Some(Error::Malformed)
    );
    // Streaming: trailing data is refused as soon as it arrives.
    let mut dec = AttachmentDecryptor::new(&d).unwrap();
    let mut out = vec![0u8; extra.len()];
    assert_eq!(dec.update(&extra, &mut out), Err(Error::Malformed));
    assert_eq!(dec.finish(&mut out), Err(Error::Malformed));
    // Reordered and duplicated chunks.
    let c = HEADER_LEN + CHUNK_LEN + 16;
    let mut swapped = blob.clone();
    swapped.copy_within(HEADER_LEN..c, c);
    swapped[c..c + (c - HEADER_LEN)].copy_from_slice(&blob[HEADER_LEN..c]);
    swapped[HEADER_LEN..c].copy_from_slice(&blob[c..2 * c - HEADER_LEN]);
    let mut fixed = d.clone();
    fixed.ciphertext_sha256 = sotto::crypto::sha256(&[&swapped]);
    assert_eq!(
        attachment::decrypt(&fixed, &swapped).err(),
        Some(Error::AuthenticationFailed)
    );
    let mut dup = blob.clone();
    dup.copy_within(HEADER_LEN..c, c);
    fixed.ciphertext_sha256 = sotto::crypto::sha256(&[&dup]);
    assert_eq!(
        attachment::decrypt(&fixed, &dup).err(),
        Some(Error::AuthenticationFailed)
    );
    // Random access refuses a blob of another length, and a bad chunk.
    assert_eq!(
        attachment::open_reader(&d, &blob[..blob.len() - 1]).err(),
        Some(Error::Malformed)
    );
    let mut r = attachment::open_reader(&d, &dup[..]).unwrap();
    let mut b = [0u8; 1];
    assert_eq!(
        r.read_at(CHUNK_LEN as u64 + 3, &mut b),
        Err(Error::AuthenticationFailed)
    );
}

#[test]
fn random_access_reads_only_what_it_needs() {
    let (blob, d) = sealed(10 * CHUNK_LEN + 100, 3);
    // Every chunk but the one read is zeroed: the read still succeeds.
    let k = 6;
    let start = HEADER_LEN + k * (CHUNK_LEN + 16);
    let mut sparse = vec![0u8; blob.len()];
    sparse[..HEADER_LEN].copy_from_slice(&blob[..HEADER_LEN]);
    sparse[start..start + CHUNK_LEN + 16].copy_from_slice(&blob[start..start + CHUNK_LEN + 16]);
    let mut r = attachment::open_reader(&d, &sparse[..]).unwrap();
    let at = (k * CHUNK_LEN + 1234) as u64;
    let mut buf = [0u8; 100];
    assert_eq!(r.read_at(at, &mut buf).unwrap(), 100);
    assert_eq!(
        &buf[..],
        &data(10 * CHUNK_LEN + 100)[at as usize..at as usize + 100]
    );
    // Reading past the end gives nothing; near the end, what is left.
    assert_eq!(r.read_at(u64::MAX, &mut buf).unwrap(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Streaming in any pieces and one-shot agree, both ways.
    #[test]
    fn streaming_and_one_shot_agree(len in 0usize..(4 * CHUNK_LEN + 3), piece in 1usize..20_000, seed in any::<u64>()) {
        let pt = data(len);
        let mut rng = TestRng::new(seed);
        let mut e = AttachmentEncryptor::new(&mut rng).unwrap();
        let mut blob = Vec::new();
        for p in pt.chunks(piece) {
            let mut out = vec![0u8; e.update_len(p.len()).unwrap()];
            let n = e.update(p, &mut out).unwrap();
            blob.extend_from_slice(&out[..n]);
        }
        let mut out = vec![0u8; e.finish_len()];
        let (n, done) = e.finish(&mut out).unwrap();
        blob.extend_from_slice(&out[..n]);
        prop_assert_eq!(done.ciphertext_sha256, sotto::crypto::sha256(&[&blob]));
        let d = done.descriptor("image/jpeg");
        prop_assert_eq!(&attachment::decrypt(&d, &blob).unwrap()[..], &pt[..]);
        let mut dec = AttachmentDecryptor::new(&d).unwrap();
        let mut got = Vec::new();
        for p in blob.chunks(piece) {
            let mut out = vec![0u8; dec.update_len(p.len()).unwrap()];
            let n = dec.update(p, &mut out).unwrap();
            got.extend_from_slice(&out[..n]);
        }
        let mut out = vec![0u8; dec.finish_len()];
        let n = dec.finish(&mut out).unwrap();
        got.extend_from_slice(&out[..n]);
        prop_assert_eq!(got, pt);
    }
}

#[test]
fn chunks_read_by_the_caller_decrypt_at_their_index_only() {
    let len = 3 * CHUNK_LEN;
    let (blob, d) = sealed(len, 4);
    let idx = attachment::open_index(&d, &blob[..HEADER_LEN], blob.len() as u64).unwrap();
    let pt = data(len);
    let mut out = vec![0u8; CHUNK_LEN];
    for offset in [0u64, 5, CHUNK_LEN as u64 * 2 + 7] {
        let loc = idx.locate(offset).unwrap();
        let at = loc.stream_offset as usize;
        let n = idx
            .decrypt_chunk(loc.index, &blob[at..at + loc.stream_len], &mut out)
            .unwrap();
        let p = loc.plaintext_offset as usize;
        assert_eq!(&out[..n], &pt[p..p + n]);
    }
    assert_eq!(idx.locate(len as u64), None);
    // The empty final chunk decrypts too; chunk 0's bytes at index 1 do not.
    let last = blob.len() - 16;
    assert_eq!(idx.decrypt_chunk(3, &blob[last..], &mut out), Ok(0));
    let c0 = &blob[HEADER_LEN..HEADER_LEN + CHUNK_LEN + 16];
    assert_eq!(
        idx.decrypt_chunk(1, c0, &mut out),
        Err(Error::AuthenticationFailed)
    );
    assert_eq!(
        idx.decrypt_chunk(1, &c0[1..], &mut out),
        Err(Error::Malformed)
    );
    assert_eq!(idx.decrypt_chunk(9, c0, &mut out), Err(Error::Malformed));
    let mut short = vec![0u8; 10];
    assert_eq!(
        idx.decrypt_chunk(0, c0, &mut short),
        Err(Error::BufferTooSmall)
    );
    assert_eq!(
        attachment::open_index(&d, &blob[..HEADER_LEN], blob.len() as u64 + 1).err(),
        Some(Error::Malformed)
    );
    let mut bad = d.clone();
    bad.key[3] ^= 1;
    assert_eq!(
        attachment::open_index(&bad, &blob[..HEADER_LEN], blob.len() as u64).err(),
        Some(Error::WrongKey)
    );
}
