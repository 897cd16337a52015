//! Fuzz targets over the chunked stream and what is built on it:
//! attachments and backups. Every function takes the fuzzer's bytes and
//! checks the promises of `sotto::chunked`, `sotto::attachment` and
//! `sotto::backup` on them: no panic; a stream fed in any pieces gives the
//! same answer as the stream whole (and as random access through
//! `ChunkReader`); `update` writes at most (the encryptors: exactly) what
//! `update_len` said; a buffer one byte short is refused and changes
//! nothing; a failed stream keeps failing with the same error; what
//! decrypts is what was encrypted, and any change to it does not decrypt.
//!
//! The inputs start with a few control bytes (a mode and a seed for piece
//! sizes and offsets), then the bytes under test. Backups are opened with a
//! backup key only: a password header makes the key's decryptor stop at
//! `WrongKey` before any key derivation, and the password decryptor is fed
//! only inputs whose header is not a password's, so no input runs Argon2
//! (the header bounds cap its memory at 1 GiB, still far too slow here).
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use sha2::{Digest, Sha256};
use sotto::attachment::{self, AttachmentDecryptor, AttachmentEncryptor};
use sotto::backup::{
    ARGON2_MAX_LANES, ARGON2_MAX_MEMORY_KIB, ARGON2_MAX_PASSES, BackupDecryptor, BackupEncryptor,
    BackupHeader, BackupKey, BackupProtection, BackupSecret, MAX_BACKUP_HEADER_LEN,
};
use sotto::chunked::{
    CHUNK_LEN, ChunkDecryptor, ChunkEncryptor, ChunkReader, ENCRYPTED_CHUNK_LEN, HEADER_LEN,
    ciphertext_len, plaintext_len,
};
use sotto::envelope::AttachmentDescriptor;
use sotto::{Error, Zeroizing};

use crate::targets::FixedRng;

/// The input key of the `chunked` target's streams.
pub const CHUNKED_KEY: [u8; 32] = [0x5a; 32];
/// The context of the `chunked` target's streams.
pub const CHUNKED_CONTEXT: &[u8] = b"sotto fuzz chunked";
/// The backup key of the `backup` target.
pub const BACKUP_KEY: [u8; 32] = [0xb7; 32];
/// The password the `backup` target's password decryptor holds.
pub const BACKUP_PASSWORD: &[u8] = b"fuzz password";

/// Control bytes in front of a `chunked` or `backup` input: a mode byte and
/// an eight-byte seed.
const CONTROL_LEN: usize = 9;
/// Bytes in front of an `attachment` input's blob: mode, seed, then the
/// descriptor's key, ciphertext SHA-256 and plaintext length.
const ATTACHMENT_PREFIX_LEN: usize = CONTROL_LEN + 32 + 32 + 8;
/// The longest plaintext the `chunked` round trip builds: three chunks and
/// some.
const MAX_ROUND_TRIP_LEN: usize = 3 * CHUNK_LEN + 100;

/// Piece sizes and offsets from the input's seed (xorshift64*).
struct Draw(u64);

impl Draw {
    fn new(seed: u64) -> Self {
        Draw(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// The next piece length: empty, small, around a chunk's boundary, or
    /// spanning chunks.
    fn piece(&mut self) -> usize {
        let n = match self.next() % 5 {
            0 => self.below(3),
            1 => self.below(64),
            2 => ENCRYPTED_CHUNK_LEN as u64 - 20 + self.below(40),
            3 => self.below(ENCRYPTED_CHUNK_LEN as u64),
            _ => self.below(3 * ENCRYPTED_CHUNK_LEN as u64),
        };
        n as usize
    }
}

/// Splits the control bytes off an input: the mode and the piece sizes.
fn control(data: &[u8]) -> Option<(u8, Draw, &[u8])> {
    let (mode, rest) = data.split_first()?;
    let (seed, rest) = rest.split_first_chunk::<8>()?;
    Some((*mode, Draw::new(u64::from_be_bytes(*seed)), rest))
}

/// The streaming decryptors' shared shape, so one driver checks them all.
trait Decrypt {
    type Done;
    fn update_len(&self, n: usize) -> Option<usize>;
    fn finish_len(&self) -> usize;
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error>;
    fn finish(&mut self, out: &mut [u8]) -> Result<(usize, Self::Done), Error>;
}

impl Decrypt for ChunkDecryptor {
    type Done = ();
    fn update_len(&self, n: usize) -> Option<usize> {
        ChunkDecryptor::update_len(self, n)
    }
    fn finish_len(&self) -> usize {
        ChunkDecryptor::finish_len(self)
    }
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let before = self.plaintext_len();
        let n = ChunkDecryptor::update(self, input, out)?;
        assert_eq!(self.plaintext_len(), before + n as u64);
        Ok(n)
    }
    fn finish(&mut self, out: &mut [u8]) -> Result<(usize, ()), Error> {
        ChunkDecryptor::finish(self, out).map(|n| (n, ()))
    }
}

impl Decrypt for AttachmentDecryptor {
    type Done = ();
    fn update_len(&self, n: usize) -> Option<usize> {
        AttachmentDecryptor::update_len(self, n)
    }
    fn finish_len(&self) -> usize {
        AttachmentDecryptor::finish_len(self)
    }
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        AttachmentDecryptor::update(self, input, out)
    }
    fn finish(&mut self, out: &mut [u8]) -> Result<(usize, ()), Error> {
        AttachmentDecryptor::finish(self, out).map(|n| (n, ()))
    }
}

impl Decrypt for BackupDecryptor {
    type Done = Zeroizing<Vec<u8>>;
    fn update_len(&self, n: usize) -> Option<usize> {
        BackupDecryptor::update_len(self, n)
    }
    fn finish_len(&self) -> usize {
        BackupDecryptor::finish_len(self)
    }
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        BackupDecryptor::update(self, input, out)
    }
    fn finish(&mut self, out: &mut [u8]) -> Result<(usize, Self::Done), Error> {
        BackupDecryptor::finish(self, out)
    }
}

/// What a streaming decryption gave: the output it handed out, and the
/// result of `finish` (or of the call that failed).
struct Streamed<T> {
    out: Vec<u8>,
    result: Result<T, Error>,
}

/// Feeds `stream` to `d` in pieces drawn from `draw`. With `short`, every
/// call is first given a buffer one byte short of what it may write, which
/// must be refused with nothing changed. After an error, one more call of
/// each kind must fail with the same error; after `finish`, both must say
/// the stream is closed.
fn feed<D: Decrypt>(mut d: D, stream: &[u8], draw: &mut Draw, short: bool) -> Streamed<D::Done> {
    let mut out = Vec::new();
    let mut rest = stream;
    let fail = |d: &mut D, out: Vec<u8>, e: Error| {
        assert_ne!(e, Error::BufferTooSmall);
        let need = d.update_len(1).unwrap_or(0);
        assert_eq!(d.update(&[0], &mut vec![0u8; need]).err(), Some(e));
        let need = d.finish_len();
        assert_eq!(d.finish(&mut vec![0u8; need]).err(), Some(e));
        Streamed {
            out,
            result: Err(e),
        }
    };
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(draw.piece().min(rest.len()));
        let need = d.update_len(piece.len()).unwrap();
        if short && need > 0 {
            // Refused with nothing changed, unless the input is refused
            // first (an attachment's blob longer than its descriptor says).
            match d.update(piece, &mut vec![0u8; need - 1]) {
                Err(Error::BufferTooSmall) => {}
                Err(e) => return fail(&mut d, out, e),
                Ok(_) => panic!("update wrote into a buffer shorter than update_len"),
            }
        }
        let mut buf = vec![0u8; need];
        match d.update(piece, &mut buf) {
            Ok(n) => {
                assert!(n <= need, "update wrote more than update_len");
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) => return fail(&mut d, out, e),
        }
        rest = tail;
    }
    let need = d.finish_len();
    if short && need > 0 {
        match d.finish(&mut vec![0u8; need - 1]) {
            Err(Error::BufferTooSmall) => {}
            Err(e) => return fail(&mut d, out, e),
            Ok(_) => panic!("finish wrote into a buffer shorter than finish_len"),
        }
    }
    let mut buf = vec![0u8; need];
    match d.finish(&mut buf) {
        Ok((n, done)) => {
            assert!(n <= need, "finish wrote more than finish_len");
            out.extend_from_slice(&buf[..n]);
            let need = d.update_len(1).unwrap_or(0);
            assert_eq!(
                d.update(&[0], &mut vec![0u8; need]).err(),
                Some(Error::StreamClosed)
            );
            let need = d.finish_len();
            assert_eq!(
                d.finish(&mut vec![0u8; need]).err(),
                Some(Error::StreamClosed)
            );
            Streamed {
                out,
                result: Ok(done),
            }
        }
        Err(e) => fail(&mut d, out, e),
    }
}

/// Reads a few ranges of `reader` at offsets from `draw` (some past the
/// end) and checks each against `expected`, the plaintext as far as a
/// streaming decryption got (the whole of it when that succeeded).
fn read_ranges<S: sotto::chunked::ChunkSource>(
    reader: &mut ChunkReader<S>,
    expected: &[u8],
    draw: &mut Draw,
) {
    let len = reader.len();
    for _ in 0..4 {
        let offset = draw.below(len + 40);
        let want = draw.below(2 * ENCRYPTED_CHUNK_LEN as u64) as usize;
        let mut buf = vec![0u8; want];
        if let Ok(n) = reader.read_at(offset, &mut buf) {
            assert_eq!(n as u64, (want as u64).min(len.saturating_sub(offset)));
            let start = offset.min(expected.len() as u64) as usize;
            let known = expected.len().saturating_sub(start).min(n);
            assert_eq!(buf[..known], expected[start..start + known]);
        }
    }
}

/// The whole plaintext through `reader`, or the first error.
fn read_all<S: sotto::chunked::ChunkSource>(reader: &mut ChunkReader<S>) -> Result<Vec<u8>, Error> {
    let mut all = vec![0u8; reader.len() as usize];
    let n = reader.read_at(0, &mut all)?;
    assert_eq!(n, all.len());
    Ok(all)
}

/// Encrypts `plain` under the `chunked` key in pieces from `draw`, checking
/// that every call writes exactly what `update_len` and `finish_len` said.
fn encrypt_stream(rng: &mut FixedRng, plain: &[u8], draw: &mut Draw) -> Vec<u8> {
    let mut e = ChunkEncryptor::new(rng, &CHUNKED_KEY, CHUNKED_CONTEXT).unwrap();
    let mut out = Vec::new();
    let mut rest = plain;
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(draw.piece().min(rest.len()));
        let need = e.update_len(piece.len()).unwrap();
        let mut buf = vec![0u8; need];
        assert_eq!(e.update(piece, &mut buf), Ok(need));
        out.extend_from_slice(&buf);
        rest = tail;
    }
    assert_eq!(e.plaintext_len(), plain.len() as u64);
    let mut buf = vec![0u8; e.finish_len()];
    assert_eq!(e.finish(&mut buf), Ok(buf.len()));
    out.extend_from_slice(&buf);
    assert_eq!(e.plaintext_len(), plain.len() as u64);
    assert_eq!(e.finish(&mut buf).err(), Some(Error::StreamClosed));
    assert_eq!(Some(out.len() as u64), ciphertext_len(plain.len() as u64));
    out
}

/// Streams `stream` under the `chunked` key and context, and opens it for
/// random access: both must agree.
fn decrypt_both_ways(stream: &[u8], draw: &mut Draw, short: bool) -> Result<Vec<u8>, Error> {
    let d = ChunkDecryptor::new(&CHUNKED_KEY, CHUNKED_CONTEXT).unwrap();
    let streamed = feed(d, stream, draw, short);
    match ChunkReader::open(stream, &CHUNKED_KEY, CHUNKED_CONTEXT) {
        Ok(mut reader) => {
            assert_eq!(Ok(reader.len()), plaintext_len(stream.len() as u64));
            read_ranges(&mut reader, &streamed.out, draw);
            let all = read_all(&mut reader);
            // Random access authenticates the same chunks at the same
            // positions as the stream: it reads all of them exactly when
            // the stream decrypts.
            assert_eq!(all.is_ok(), streamed.result.is_ok());
            if let Ok(all) = all {
                assert_eq!(all, streamed.out);
            }
        }
        Err(_) => assert!(
            streamed.result.is_err(),
            "a stream decrypted that cannot be opened"
        ),
    }
    if streamed.result.is_ok() {
        assert_eq!(
            Ok(streamed.out.len() as u64),
            plaintext_len(stream.len() as u64)
        );
    }
    streamed.result.map(|()| streamed.out)
}

/// A plaintext from the input: its bytes repeated to a length the mode and
/// seed choose (around chunk boundaries, or any up to three chunks).
fn plaintext(bytes: &[u8], mode: u8, draw: &mut Draw) -> Vec<u8> {
    let len = match mode % 4 {
        0 => bytes.len().min(MAX_ROUND_TRIP_LEN),
        1 => (draw.below(4) as usize * CHUNK_LEN + 2).saturating_sub(draw.below(5) as usize),
        _ => draw.below(MAX_ROUND_TRIP_LEN as u64) as usize,
    };
    if bytes.is_empty() {
        return vec![0u8; len];
    }
    bytes.iter().copied().cycle().take(len).collect()
}

/// The chunked stream: the input's bytes as a stream under a fixed key, in
/// pieces and by random access (which must agree); then the input as a
/// plaintext, encrypted and decrypted in pieces (equal, with every call's
/// length as promised), and one change to the stream (a bit flipped, a cut,
/// bytes appended) that must not decrypt either way.
pub fn chunked(data: &[u8]) {
    let Some((mode, mut draw, rest)) = control(data) else {
        return;
    };
    let short = mode & 0x80 != 0;
    let _ = decrypt_both_ways(rest, &mut draw, short);

    let plain = plaintext(rest, mode, &mut draw);
    let mut rng = FixedRng::new(u64::from(mode));
    let stream = encrypt_stream(&mut rng, &plain, &mut draw);
    assert_eq!(decrypt_both_ways(&stream, &mut draw, short), Ok(plain));

    let mut changed = stream.clone();
    match (mode >> 2) % 3 {
        0 => {
            let at = draw.below(changed.len() as u64) as usize;
            changed[at] ^= 1 << draw.below(8);
        }
        1 => changed.truncate(draw.below(changed.len() as u64) as usize),
        _ => {
            let extra = 1 + draw.below(ENCRYPTED_CHUNK_LEN as u64 + 40) as usize;
            changed.extend(std::iter::repeat_n(mode, extra));
        }
    }
    assert!(
        decrypt_both_ways(&changed, &mut draw, short).is_err(),
        "a changed stream decrypted"
    );
}

/// An attachment's blob against a descriptor, both from the input (the
/// mode may make the descriptor's hash or length match the blob, so that
/// the fuzzer reaches the chunks): streamed in pieces, decrypted whole and
/// read at random offsets, which must all agree. A finish that succeeds has
/// given exactly the descriptor's plaintext length.
pub fn attachment(data: &[u8]) {
    if data.len() < ATTACHMENT_PREFIX_LEN {
        return;
    }
    let Some((mode, mut draw, rest)) = control(data) else {
        return;
    };
    let (fields, blob) = rest.split_at(32 + 32 + 8);
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&fields[..32]);
    let mut ciphertext_sha256: [u8; 32] = fields[32..64].try_into().unwrap();
    let mut len = u64::from_be_bytes(fields[64..72].try_into().unwrap());
    if mode & 1 != 0 {
        ciphertext_sha256 = Sha256::digest(blob).into();
    }
    if mode & 2 != 0
        && let Ok(n) = plaintext_len(blob.len() as u64)
    {
        len = n;
    }
    let descriptor = AttachmentDescriptor {
        key,
        ciphertext_sha256,
        plaintext_len: len,
        media_type: "application/octet-stream".into(),
        thumbnail: None,
        dimensions: None,
        duration_ms: None,
    };
    let short = mode & 4 != 0;

    let whole = attachment::decrypt(&descriptor, blob);
    let streamed = match AttachmentDecryptor::new(&descriptor) {
        Ok(d) => Some(feed(d, blob, &mut draw, short)),
        Err(e) => {
            assert_eq!(e, Error::Malformed);
            assert_eq!(ciphertext_len(len), None);
            None
        }
    };
    let streamed_ok = streamed.as_ref().is_some_and(|s| s.result.is_ok());
    assert_eq!(whole.is_ok(), streamed_ok);
    if let (Ok(whole), Some(s)) = (&whole, &streamed) {
        assert_eq!(s.out.len() as u64, len, "a finished attachment is short");
        assert_eq!(whole.as_slice(), s.out.as_slice());
        assert_eq!(Some(blob.len() as u64), ciphertext_len(len));
        assert_eq!(<[u8; 32]>::from(Sha256::digest(blob)), ciphertext_sha256);
    }

    let expected = streamed.map(|s| s.out).unwrap_or_default();
    match attachment::open_reader(&descriptor, blob) {
        Ok(mut reader) => {
            assert_eq!(reader.len(), len);
            assert_eq!(Some(blob.len() as u64), ciphertext_len(len));
            read_ranges(&mut reader, &expected, &mut draw);
            let all = read_all(&mut reader);
            if streamed_ok {
                assert_eq!(all.as_ref().ok(), Some(&expected));
            }
            // The descriptor vouches for the length, so `open_reader` does
            // not read the final chunk at open, and a read of the whole
            // plaintext never reads it when it is empty (a length that is a
            // multiple of the chunk size). Otherwise a whole read has
            // authenticated every chunk: with the hash right, the stream
            // must have decrypted too.
            if let Ok(all) = all
                && len % CHUNK_LEN as u64 != 0
                && <[u8; 32]>::from(Sha256::digest(blob)) == ciphertext_sha256
            {
                assert!(streamed_ok);
                assert_eq!(all, expected);
            }
        }
        Err(_) => assert!(
            !streamed_ok,
            "an attachment decrypted that cannot be opened"
        ),
    }
}

/// What a backup decrypted to: the app's export and the SDK state.
type Restored = Result<(Vec<u8>, Zeroizing<Vec<u8>>), Error>;

fn restore(secret: BackupSecret<'_>, backup: &[u8], draw: &mut Draw, short: bool) -> Restored {
    let d = BackupDecryptor::new(secret).unwrap();
    let s = feed(d, backup, draw, short);
    s.result.map(|state| (s.out, state))
}

/// Whether `bytes` begins with a whole, valid password header: the one
/// input a password decryptor would run Argon2 for.
fn password_header(bytes: &[u8]) -> bool {
    matches!(
        BackupHeader::parse(bytes),
        Ok((
            BackupHeader {
                protection: BackupProtection::Password { .. },
                ..
            },
            _
        ))
    )
}

/// Backups: the header parser (what parses re-encodes to the same bytes,
/// within the cost bounds); the input as a backup under a fixed key, in two
/// different piece schedules that must agree; under a password, only when
/// its header is not a password's (so it fails before any Argon2); a backup
/// of the input (the state and the export split where the seed says)
/// written and read back in pieces, equal, and with one bit flipped, refused.
/// Also the written-down key's parser.
pub fn backup(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(k) = BackupKey::from_digits(s)
    {
        assert_eq!(BackupKey::from_digits(&k.to_digits()).unwrap(), k);
    }
    let Some((mode, mut draw, rest)) = control(data) else {
        return;
    };
    if let Ok((header, n)) = BackupHeader::parse(rest) {
        assert!(n <= MAX_BACKUP_HEADER_LEN);
        assert_eq!(header.to_bytes().as_slice(), &rest[..n]);
        if let BackupProtection::Password { params, .. } = header.protection {
            assert!(params.check().is_ok());
            assert!(params.memory_kib <= ARGON2_MAX_MEMORY_KIB);
            assert!(params.passes <= ARGON2_MAX_PASSES);
            assert!(params.lanes <= ARGON2_MAX_LANES);
        }
    }
    let key = BackupKey::from_bytes(&BACKUP_KEY);
    let short = mode & 0x80 != 0;
    let a = restore(BackupSecret::Key(&key), rest, &mut draw, short);
    let b = restore(BackupSecret::Key(&key), rest, &mut Draw::new(!0), false);
    // Either both fail or both give the same export and state (the error
    // itself may differ: one call can cover a bad chunk after one whose
    // state length is out of bounds, where smaller pieces stop at the
    // length).
    assert_eq!(
        a.as_ref().ok(),
        b.as_ref().ok(),
        "two piece schedules disagree"
    );
    if a.is_ok() {
        assert!(matches!(
            BackupHeader::parse(rest),
            Ok((
                BackupHeader {
                    protection: BackupProtection::Key,
                    ..
                },
                _
            ))
        ));
    }
    if !password_header(rest) {
        let password = BackupSecret::Password(BACKUP_PASSWORD, Default::default());
        assert!(restore(password, rest, &mut draw, short).is_err());
    }

    let split = draw.below(rest.len() as u64 + 1) as usize;
    let (state, export) = rest.split_at(split);
    let mut rng = FixedRng::new(u64::from(mode));
    let mut e = BackupEncryptor::new(&mut rng, BackupSecret::Key(&key), state).unwrap();
    let mut written = Vec::new();
    let mut left = export;
    while !left.is_empty() {
        let (piece, tail) = left.split_at(draw.piece().min(left.len()));
        let need = e.update_len(piece.len()).unwrap();
        let mut buf = vec![0u8; need];
        assert_eq!(e.update(piece, &mut buf), Ok(need));
        written.extend_from_slice(&buf);
        left = tail;
    }
    let mut buf = vec![0u8; e.finish_len()];
    assert_eq!(e.finish(&mut buf), Ok(buf.len()));
    written.extend_from_slice(&buf);
    let (out, got) = restore(BackupSecret::Key(&key), &written, &mut draw, short).unwrap();
    assert_eq!(out, export);
    assert_eq!(got.as_slice(), state);
    let at = draw.below(written.len() as u64) as usize;
    written[at] ^= 1 << draw.below(8);
    assert!(
        restore(BackupSecret::Key(&key), &written, &mut draw, short).is_err(),
        "a changed backup decrypted"
    );
}

/// Valid inputs for the three targets, made from fixed seeds: for each
/// target, its name, a file name and the input. Written into the corpora by
/// the fuzz crate's `write_media_seeds` test.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rng = FixedRng::new(40);
    let control = |mode: u8, seed: u64| {
        let mut c = vec![mode];
        c.extend_from_slice(&seed.to_be_bytes());
        c
    };
    let text = |len: usize| -> Vec<u8> { (0..len).map(|i| b"sotto media "[i % 12]).collect() };

    // chunked: valid streams of 0, 100, one chunk exactly, and two chunks
    // and some, under the target's key and context.
    for (len, mode) in [
        (0usize, 0u8),
        (100, 0x81),
        (CHUNK_LEN, 0x05),
        (2 * CHUNK_LEN + 77, 0x0a),
    ] {
        let plain = text(len);
        let mut e = ChunkEncryptor::new(&mut rng, &CHUNKED_KEY, CHUNKED_CONTEXT).unwrap();
        let mut stream = vec![0u8; ciphertext_len(len as u64).unwrap() as usize];
        let n = e.update(&plain, &mut stream).unwrap();
        e.finish(&mut stream[n..]).unwrap();
        let mut input = control(mode, len as u64 + 1);
        input.extend_from_slice(&stream);
        out.push(("chunked", format!("seed-stream-{len}"), input));
    }

    // attachment: valid blobs with their descriptors' fields, of 0, 300,
    // one chunk exactly and two chunks and some.
    for (len, mode) in [
        (0usize, 0u8),
        (300, 4),
        (CHUNK_LEN, 0),
        (2 * CHUNK_LEN + 5, 4),
    ] {
        let plain = text(len);
        let mut e = AttachmentEncryptor::new(&mut rng).unwrap();
        let mut blob = vec![0u8; ciphertext_len(len as u64).unwrap() as usize];
        let n = e.update(&plain, &mut blob).unwrap();
        let (_, done) = e.finish(&mut blob[n..]).unwrap();
        let mut input = control(mode, len as u64 + 2);
        input.extend_from_slice(&done.key[..]);
        input.extend_from_slice(&done.ciphertext_sha256);
        input.extend_from_slice(&done.plaintext_len.to_be_bytes());
        input.extend_from_slice(&blob);
        out.push(("attachment", format!("seed-blob-{len}"), input));
    }

    // backup: backups under the target's key (small state and export, and
    // a state of more than a chunk), a password backup's header at the
    // minimum cost (parsed, never derived), and a written-down key.
    let key = BackupKey::from_bytes(&BACKUP_KEY);
    for (state, export, mode) in [
        (text(0), text(0), 0u8),
        (text(40), text(200), 0x80),
        (text(CHUNK_LEN + 9), text(70), 0),
    ] {
        let mut e = BackupEncryptor::new(&mut rng, BackupSecret::Key(&key), &state).unwrap();
        let mut backup = vec![0u8; e.update_len(export.len()).unwrap()];
        let n = e.update(&export, &mut backup).unwrap();
        let mut last = vec![0u8; e.finish_len()];
        let m = e.finish(&mut last).unwrap();
        backup.truncate(n);
        backup.extend_from_slice(&last[..m]);
        let mut input = control(mode, state.len() as u64 + 3);
        input.extend_from_slice(&backup);
        out.push((
            "backup",
            format!("seed-key-{}-{}", state.len(), export.len()),
            input,
        ));
    }
    let header = BackupHeader {
        version: sotto::backup::BACKUP_VERSION,
        protection: BackupProtection::Password {
            params: sotto::backup::Argon2Params::MINIMUM,
            salt: [0x11; 16],
        },
    };
    let mut input = control(0, 4);
    input.extend_from_slice(&header.to_bytes());
    input.extend_from_slice(&[0u8; HEADER_LEN + 16]);
    out.push(("backup", "seed-password-header".into(), input));
    out.push((
        "backup",
        "seed-key-digits".into(),
        key.to_digits().as_bytes().to_vec(),
    ));
    out
}
