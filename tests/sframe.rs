//! SFrame (RFC 9605) against the IETF working group's published vectors
//! (`tests/vectors/sframe-rfc9605.json`, the values of the RFC's
//! appendix): every header encoding and complete encryptions for suites 1
//! to 5, decrypted back (the AEAD alone, the derived keys, salts and nonces
//! are checked by the unit tests beside the code); then the replay window,
//! tampering, unknown keys and buffers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use serde_json::Value;
use sotto::Error;
use sotto::calls::sframe::{
    MAX_HEADER_LEN, REPLAY_WINDOW, SframeDecryptor, SframeEncryptor, SframeHeader, SframeKey,
    SframeSuite,
};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/sframe-rfc9605.json")).unwrap()
}

fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn u64_of(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[test]
fn every_header_vector_encodes_and_decodes() {
    let v = vectors();
    let cases = v["header"].as_array().unwrap();
    assert_eq!(cases.len(), 289);
    for c in cases {
        let h = SframeHeader {
            kid: u64_of(&c["kid"]),
            ctr: u64_of(&c["ctr"]),
        };
        let want = hex(&c["encoded"]);
        let mut out = [0u8; MAX_HEADER_LEN];
        let n = h.encode(&mut out).unwrap();
        assert_eq!(&out[..n], &want[..], "kid {} ctr {}", h.kid, h.ctr);
        assert_eq!(h.len(), n);
        let mut with_tail = want.clone();
        with_tail.extend_from_slice(b"frame");
        assert_eq!(SframeHeader::decode(&with_tail).unwrap(), (h, n));
        // Every shorter prefix is refused.
        for cut in 0..n {
            assert_eq!(SframeHeader::decode(&want[..cut]), Err(Error::Malformed));
        }
    }
}

#[test]
fn every_full_encryption_vector_matches_and_decrypts() {
    let v = vectors();
    let cases = v["sframe"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for c in cases {
        let suite = SframeSuite::from_code(c["cipher_suite"].as_u64().unwrap() as u16).unwrap();
        let kid = u64_of(&c["kid"]);
        let ctr = u64_of(&c["ctr"]);
        let base_key = hex(&c["base_key"]);
        let metadata = hex(&c["metadata"]);
        let pt = hex(&c["pt"]);
        let ct = hex(&c["ct"]);
        // Run the counter up to the vector's by encrypting that many frames.
        let mut enc = SframeEncryptor::new(suite, kid, &base_key).unwrap();
        let mut scratch = vec![0u8; 64];
        for _ in 0..ctr {
            enc.encrypt(&[], &[], &mut scratch).unwrap();
        }
        assert_eq!(enc.next_counter(), ctr);
        let mut out = vec![0u8; enc.sframe_len(pt.len()).unwrap()];
        assert_eq!(out.len(), ct.len());
        let n = enc.encrypt(&metadata, &pt, &mut out).unwrap();
        assert_eq!(&out[..n], &ct[..], "suite {suite:?}");
        let mut dec = SframeDecryptor::new(suite);
        dec.add_key(kid, &base_key).unwrap();
        let mut plain = vec![0u8; ct.len()];
        let info = dec.decrypt(&metadata, &ct, &mut plain).unwrap();
        assert_eq!((info.kid, info.ctr), (kid, ctr));
        assert_eq!(&plain[..info.len], &pt[..]);
        assert_eq!(
            dec.decrypt(&metadata, &ct, &mut plain),
            Err(Error::Duplicate)
        );
        assert_eq!(SframeKey::derive(suite, kid, &base_key).unwrap().kid(), kid);
    }
}

fn pair(suite: SframeSuite, kid: u64) -> (SframeEncryptor, SframeDecryptor) {
    let base = [7u8; 32];
    let enc = SframeEncryptor::new(suite, kid, &base).unwrap();
    let mut dec = SframeDecryptor::new(suite);
    dec.add_key(kid, &base).unwrap();
    (enc, dec)
}

fn frame(enc: &mut SframeEncryptor, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; enc.sframe_len(body.len()).unwrap()];
    let n = enc.encrypt(b"meta", body, &mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn replays_inside_and_beyond_the_window_are_refused() {
    let (mut enc, mut dec) = pair(SframeSuite::AesGcm128Sha256, 3);
    let frames: Vec<_> = (0..300).map(|i| frame(&mut enc, &[i as u8; 40])).collect();
    let mut out = [0u8; 64];
    // Out of order within the window is fine; each only once.
    for i in [5usize, 2, 7, 0, 1, 6, 3, 4] {
        dec.decrypt(b"meta", &frames[i], &mut out).unwrap();
        assert_eq!(
            dec.decrypt(b"meta", &frames[i], &mut out),
            Err(Error::Duplicate)
        );
    }
    dec.decrypt(b"meta", &frames[299], &mut out).unwrap();
    // 299 − 171 = 128: just outside the window.
    assert_eq!(
        dec.decrypt(b"meta", &frames[171], &mut out),
        Err(Error::Duplicate)
    );
    assert_eq!(299 - 171, REPLAY_WINDOW as usize);
    dec.decrypt(b"meta", &frames[172], &mut out).unwrap();
}

#[test]
fn tampering_wrong_keys_and_short_buffers_change_nothing() {
    for suite in [
        SframeSuite::AesCtr128HmacSha256_80,
        SframeSuite::AesCtr128HmacSha256_64,
        SframeSuite::AesCtr128HmacSha256_32,
        SframeSuite::AesGcm128Sha256,
        SframeSuite::AesGcm256Sha512,
    ] {
        let (mut enc, mut dec) = pair(suite, 1000);
        let f = frame(&mut enc, b"a media frame");
        let mut out = [0xAAu8; 64];
        for i in 0..f.len() {
            let mut t = f.clone();
            t[i] ^= 0x01;
            let r = dec.decrypt(b"meta", &t, &mut out);
            assert!(r.is_err(), "suite {suite:?} byte {i}");
            assert!(out.iter().all(|b| *b == 0xAA));
        }
        assert_eq!(
            dec.decrypt(b"other", &f, &mut out),
            Err(Error::AuthenticationFailed)
        );
        assert_eq!(
            dec.decrypt(b"meta", &f, &mut out[..3]),
            Err(Error::BufferTooSmall)
        );
        // Still readable once, after all of that.
        assert_eq!(dec.decrypt(b"meta", &f, &mut out).unwrap().len, 13);
        // A key id the decryptor does not hold.
        let (mut other, _) = pair(suite, 1001);
        assert_eq!(
            dec.decrypt(b"meta", &frame(&mut other, b"x"), &mut out),
            Err(Error::UnknownSenderKey)
        );
        assert!(dec.remove_key(1000));
        let f2 = frame(&mut enc, b"after removal");
        assert_eq!(
            dec.decrypt(b"meta", &f2, &mut out),
            Err(Error::UnknownSenderKey)
        );
        let mut small = [0u8; 4];
        assert_eq!(
            enc.encrypt(b"", b"too big", &mut small),
            Err(Error::BufferTooSmall)
        );
    }
}
