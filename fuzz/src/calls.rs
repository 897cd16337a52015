//! Fuzz targets over calls: SFrame (RFC 9605) frames and their headers, a
//! group call's epochs, and call signalling in the content envelope. Every
//! function takes the fuzzer's bytes and checks the promises of
//! `sotto::calls` on them:
//!
//! - `sframe`: a header decodes without panicking, re-encodes to the same
//!   key id and counter in at most as many bytes; a frame fed to a
//!   decryptor holding a few fixed keys (any of the five suites) either
//!   fails leaving the output buffer untouched, or decrypts to a plaintext
//!   that the encryptor of the same key, at the same counter, turns back
//!   into exactly the input, and a second decrypt of it is `Duplicate`; a
//!   group call driven by the input (epochs installed, frames from the
//!   input and frames built by other participants decrypted at arbitrary
//!   times) never accepts a frame of an epoch it did not install, nor under
//!   another epoch's secret, nor from a non-participant, nor of an epoch
//!   whose overlap is over, and accepts every genuine frame it should.
//! - `call_signal`: a content body of type 5 decodes without panicking,
//!   and what decodes re-encodes to exactly the input (strict codec), also
//!   inside an envelope; an offer guard fed arbitrary times and call ids
//!   never panics and lets each call id through once, only inside the
//!   allowed age and skew.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::panic
)]

use std::collections::VecDeque;

use sotto::calls::sframe::{
    MAX_HEADER_LEN, SframeDecryptor, SframeEncryptor, SframeHeader, SframeSuite,
};
use sotto::calls::{
    CallId, CallSecret, CallSignal, CallSignalKind, EPOCH_OVERLAP_MS, GroupCall,
    MAX_CALL_PARTICIPANTS, MAX_OFFER_AGE_MS, MAX_OFFER_SKEW_MS, MAX_RECENT_CALLS, OfferGuard,
};
use sotto::{Content, DisappearingTimer, Envelope, Error};

/// The suites, picked by the input's first byte.
pub const SUITES: [SframeSuite; 5] = [
    SframeSuite::AesCtr128HmacSha256_80,
    SframeSuite::AesCtr128HmacSha256_64,
    SframeSuite::AesCtr128HmacSha256_32,
    SframeSuite::AesGcm128Sha256,
    SframeSuite::AesGcm256Sha512,
];

/// The RFC 9605 vectors' base key (key id 291), held by every decryptor so
/// that the RFC's frames decrypt.
const RFC_BASE_KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// The keys every `sframe` decryptor holds: key ids of every header shape
/// (in the config byte, one byte, two bytes, five bytes) and base keys of
/// 16, 32 and 64 bytes.
pub fn sframe_keys() -> [(u64, &'static [u8]); 4] {
    [
        (0, &[0x11; 16]),
        (7, &[0x22; 32]),
        (291, &RFC_BASE_KEY),
        (0x01_0000_0001, &[0x33; 64]),
    ]
}

/// A successful decrypt is re-encrypted (the encryptor run up to the
/// frame's counter) only below this counter; the RFC's frames are at
/// 17,767.
const MAX_REENCRYPT_CTR: u64 = 1 << 15;

/// Control byte bit: the rest of the input is a group-call script.
const GROUP_MODE: u8 = 0x80;

/// Decodes every header along `bytes` (each after the previous one) and
/// checks each: the same values back from its encoding, which is no longer
/// than what was read, and every cut of the encoding refused.
fn headers(mut bytes: &[u8]) {
    while let Ok((h, n)) = SframeHeader::decode(bytes) {
        assert!((1..=MAX_HEADER_LEN).contains(&n) && n <= bytes.len());
        let mut enc = [0u8; MAX_HEADER_LEN];
        let m = h.encode(&mut enc).unwrap();
        assert_eq!(m, h.len());
        assert!(m <= n, "{h:?}: encoded in {m} bytes, read from {n}");
        assert_eq!(SframeHeader::decode(&enc[..m]).unwrap(), (h, m));
        assert_eq!(SframeHeader::decode(&enc[..m - 1]), Err(Error::Malformed));
        assert_eq!(h.encode(&mut enc[..m - 1]), Err(Error::BufferTooSmall));
        if m == n {
            assert_eq!(&enc[..m], &bytes[..n], "the shortest form is the only one");
        }
        bytes = &bytes[n..];
    }
}

/// The `sframe` target: headers, a decryptor of the suite the first byte
/// picks, and (with the first byte's top bit) a group call.
pub fn sframe(data: &[u8]) {
    headers(data);
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let suite = SUITES[usize::from(control & 0x7f) % SUITES.len()];
    if control & GROUP_MODE != 0 {
        group_call(suite, rest);
        return;
    }
    let Some((&meta_len, rest)) = rest.split_first() else {
        return;
    };
    let (metadata, frame) = rest.split_at(usize::from(meta_len).min(rest.len()));
    headers(frame);

    let mut d = SframeDecryptor::new(suite);
    for (kid, key) in sframe_keys() {
        d.add_key(kid, key).unwrap();
    }
    // The output is as long as the frame (more than the plaintext), filled
    // with a canary: an error writes nothing.
    let mut out = vec![0xa5u8; frame.len()];
    let info = match d.decrypt(metadata, frame, &mut out) {
        Ok(info) => info,
        Err(e) => {
            assert!(out.iter().all(|b| *b == 0xa5), "{e:?} wrote output");
            assert!(
                !matches!(e, Error::Duplicate),
                "a fresh decryptor saw nothing"
            );
            return;
        }
    };
    let (header, n) = SframeHeader::decode(frame).unwrap();
    assert_eq!((info.kid, info.ctr), (header.kid, header.ctr));
    assert_eq!(info.len, frame.len() - n - suite.tag_len());
    let plain = &out[..info.len];

    // The same frame again: a replay. And a buffer one byte short is
    // refused before the window is looked at.
    let mut again = vec![0u8; frame.len()];
    assert_eq!(
        d.decrypt(metadata, frame, &mut again),
        Err(Error::Duplicate)
    );
    if info.len > 0 {
        assert_eq!(
            d.decrypt(metadata, frame, &mut again[..info.len - 1]),
            Err(Error::BufferTooSmall)
        );
    }

    // The encryptor of the same key at the same counter gives the input
    // back exactly (the encryptor writes the shortest header: a longer one
    // read here is bound to the frame as associated data, so that frame was
    // not ours).
    if info.ctr < MAX_REENCRYPT_CTR && n == header.len() {
        let (_, key) = sframe_keys()
            .into_iter()
            .find(|(kid, _)| *kid == info.kid)
            .unwrap();
        let mut e = SframeEncryptor::new(suite, info.kid, key).unwrap();
        let mut scratch = [0u8; MAX_HEADER_LEN + 16];
        for _ in 0..info.ctr {
            e.encrypt(&[], &[], &mut scratch).unwrap();
        }
        assert_eq!(e.next_counter(), info.ctr);
        assert_eq!(e.sframe_len(plain.len()), Some(frame.len()));
        let mut sealed = vec![0u8; frame.len()];
        assert_eq!(
            e.encrypt(metadata, plain, &mut sealed).unwrap(),
            frame.len()
        );
        assert_eq!(sealed.as_slice(), frame);
    }
}

/// The call every `sframe` group script joins.
const CALL: CallId = [0xc1; 16];
/// Our index in it.
const ME: u32 = 1;
/// The epoch secrets a script picks from.
const SECRETS: [[u8; 32]; 3] = [[0x51; 32], [0x52; 32], [0x53; 32]];

/// Reads a group script's bytes; runs out as zeros.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }
    /// An epoch: small ones, and some near `u32::MAX`.
    fn epoch(&mut self) -> u32 {
        let e = self.u8();
        if e & 0x80 == 0 {
            u32::from(e)
        } else {
            u32::MAX - u32::from(e & 0x7f)
        }
    }
    /// A time in milliseconds, in steps of 100 ms.
    fn now(&mut self) -> u64 {
        u64::from(self.u16()) * 100
    }
}

/// What an epoch installed was.
struct Installed {
    epoch: u32,
    secret: usize,
    participants: Vec<u32>,
}

/// The group call's keys as the documentation states them: the current
/// epoch's, and the previous one's until its deadline.
#[derive(Default)]
struct Model {
    current: Option<Installed>,
    previous: Option<(Installed, u64)>,
}

impl Model {
    /// Whether a frame of `epoch` from `sender` under `secret` is one the
    /// call reads at `now` (after retiring the previous epoch if its time
    /// is up, as the call does on every decrypt).
    fn readable(&mut self, epoch: u32, secret: Option<usize>, sender: u32, now: u64) -> bool {
        if self.previous.as_ref().is_some_and(|(_, t)| now >= *t) {
            self.previous = None;
        }
        let live = |i: &Installed| {
            i.epoch == epoch
                && secret.is_none_or(|s| s == i.secret)
                && sender != ME
                && i.participants.contains(&sender)
        };
        self.current.as_ref().is_some_and(live)
            || self.previous.as_ref().is_some_and(|(i, _)| live(i))
    }
}

/// A group call (the suite's) driven by a script: installs, frames from
/// the script, frames other participants build, and our own frames.
fn group_call(suite: SframeSuite, data: &[u8]) {
    let mut s = Script(data);
    let mut call = GroupCall::new(CALL, suite, ME);
    let mut model = Model::default();
    let mut ops = 0;
    while !s.0.is_empty() && ops < 64 {
        ops += 1;
        match s.u8() % 4 {
            // Install an epoch.
            0 => {
                let epoch = s.epoch();
                let secret = usize::from(s.u8()) % SECRETS.len();
                let count = usize::from(s.u8()) % (MAX_CALL_PARTICIPANTS + 4);
                let participants: Vec<u32> = s.bytes(count).iter().map(|b| u32::from(*b)).collect();
                let now = s.now();
                let before = call.epoch();
                let r = call.install(
                    epoch,
                    &CallSecret::from_bytes(&SECRETS[secret]).unwrap(),
                    &participants,
                    now,
                );
                if r.is_ok() {
                    assert!(before.is_none_or(|b| epoch > b));
                    assert!(participants.len() <= MAX_CALL_PARTICIPANTS);
                    assert!(participants.contains(&ME));
                    assert_eq!(call.epoch(), Some(epoch));
                    let installed = Installed {
                        epoch,
                        secret,
                        participants,
                    };
                    model.previous = model
                        .current
                        .replace(installed)
                        .map(|old| (old, now.saturating_add(EPOCH_OVERLAP_MS)));
                } else {
                    assert_eq!(call.epoch(), before, "{r:?} changed the epoch");
                }
            }
            // A frame from the script.
            1 => {
                let meta_len = usize::from(s.u8() % 32);
                let metadata = s.bytes(meta_len).to_vec();
                let len = usize::from(s.u16());
                let frame = s.bytes(len).to_vec();
                let now = s.now();
                let mut out = vec![0u8; frame.len()];
                if let Ok(f) = call.decrypt(&metadata, &frame, &mut out, now) {
                    // Only an epoch installed, from one of its participants
                    // and not from us, while its keys live.
                    assert!(
                        model.readable(f.epoch, None, f.sender, now),
                        "accepted a frame of epoch {} from {}",
                        f.epoch,
                        f.sender
                    );
                    let (h, _) = SframeHeader::decode(&frame).unwrap();
                    assert_eq!(h.kid, sotto::calls::group_kid(f.epoch, f.sender));
                } else {
                    // Keep the model's retirement in step with the call's.
                    let _ = model.readable(0, None, ME, now);
                }
            }
            // A frame another participant builds for some epoch, under some
            // secret, at counter 0.
            2 => {
                let epoch = s.epoch();
                let secret = usize::from(s.u8()) % SECRETS.len();
                let sender = u32::from(s.u8() % 8);
                let body_len = usize::from(s.u8() % 64);
                let body = s.bytes(body_len).to_vec();
                let now = s.now();
                let mut other = GroupCall::new(CALL, suite, sender);
                let participants = if sender == ME {
                    vec![ME]
                } else {
                    vec![sender, ME]
                };
                other
                    .install(
                        epoch,
                        &CallSecret::from_bytes(&SECRETS[secret]).unwrap(),
                        &participants,
                        0,
                    )
                    .unwrap();
                let mut frame = vec![0u8; other.sframe_len(body.len()).unwrap()];
                other.encrypt(b"meta", &body, &mut frame).unwrap();
                let mut out = vec![0u8; frame.len()];
                let r = call.decrypt(b"meta", &frame, &mut out, now);
                if model.readable(epoch, Some(secret), sender, now) {
                    // Readable: accepted, unless its counter 0 was already.
                    match r {
                        Ok(f) => {
                            assert_eq!((f.epoch, f.sender, f.len), (epoch, sender, body.len()));
                            assert_eq!(&out[..f.len], body.as_slice());
                        }
                        Err(e) => assert_eq!(e, Error::Duplicate),
                    }
                } else {
                    assert!(
                        r.is_err(),
                        "accepted epoch {epoch} from {sender} under secret {secret}"
                    );
                }
            }
            // Our own frame: never read back by ourselves.
            _ => {
                let body_len = usize::from(s.u8() % 64);
                let body = s.bytes(body_len).to_vec();
                let now = s.now();
                match call.sframe_len(body.len()) {
                    None => assert!(call.epoch().is_none()),
                    Some(len) => {
                        let mut frame = vec![0u8; len];
                        assert_eq!(call.encrypt(&[], &body, &mut frame).unwrap(), len);
                        let mut out = vec![0u8; len];
                        assert_eq!(
                            call.decrypt(&[], &frame, &mut out, now),
                            Err(Error::UnknownSenderKey)
                        );
                        let _ = model.readable(0, None, ME, now);
                    }
                }
            }
        }
    }
}

/// The `call_signal` target: the whole input as a call signalling body,
/// then the input as times and call ids for an offer guard.
pub fn call_signal(data: &[u8]) {
    if let Ok(c) = Content::from_body(5, data) {
        assert_eq!(c.body().unwrap().as_slice(), data);
        let Content::Call(signal) = &c else {
            panic!("type 5 decoded as {c:?}");
        };
        check_signal(signal);
        let e = Envelope::new(c.clone(), 1_800_000_000_000, DisappearingTimer::OFF);
        let wire = e.encode().unwrap();
        assert!(wire.ends_with(data));
        assert_eq!(Envelope::decode(&wire).unwrap().content, c);
    }

    // The guard: each 17 bytes are a call id's pick, the offer's time and
    // now (as offsets from a base time the first 8 bytes give).
    let Some((base, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let base = u64::from_be_bytes(*base);
    let mut guard = OfferGuard::new();
    let mut recent: VecDeque<(CallId, u64)> = VecDeque::new();
    for step in rest.chunks(17) {
        let mut s = Script(step);
        let id: CallId = [s.u8() % 16; 16];
        let mut time = || {
            let t = u64::from_be_bytes(s.bytes(8).try_into().unwrap_or([0; 8]));
            // Mostly near the base; sometimes anywhere.
            if t >> 63 == 0 {
                base.saturating_add(t % 200_000)
            } else {
                t
            }
        };
        let sent = time();
        let now = time();
        let r = guard.admit(&id, sent, now);
        let want = if sent.saturating_add(MAX_OFFER_AGE_MS) < now {
            Err(Error::Expired)
        } else if sent > now.saturating_add(MAX_OFFER_SKEW_MS) {
            Err(Error::Stale)
        } else if recent.iter().any(|(r, _)| *r == id) {
            Err(Error::Duplicate)
        } else {
            // An id is forgotten only once a replay of its offer would be
            // too old; never while it could still pass.
            let expired = |t: u64| t.saturating_add(MAX_OFFER_AGE_MS) < now;
            if recent.len() >= MAX_RECENT_CALLS && !recent.iter().any(|(_, t)| expired(*t)) {
                Err(Error::LimitExceeded)
            } else {
                recent.retain(|(_, t)| !expired(*t));
                recent.push_back((id, sent));
                Ok(())
            }
        };
        assert_eq!(r, want, "sent {sent} now {now}");
    }
}

/// A decoded signal's shape: a secret exactly with offers and key updates,
/// participants only with it, bounded and distinct.
fn check_signal(signal: &CallSignal) {
    let carries = matches!(
        signal.kind,
        CallSignalKind::Offer | CallSignalKind::KeyUpdate
    );
    assert_eq!(signal.secret.is_some(), carries);
    assert!(carries || signal.participants.is_empty());
    assert!(signal.participants.len() <= MAX_CALL_PARTICIPANTS);
    for (i, p) in signal.participants.iter().enumerate() {
        assert!(!signal.participants[i + 1..].contains(p));
    }
    assert_eq!(signal.clone(), *signal);
}

/// Parses the hex of a JSON string value.
fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// The string values of `key` in `json`, in order.
fn json_strings<'a>(json: &'a str, key: &str) -> Vec<&'a str> {
    let pat = format!("\"{key}\": \"");
    json.split(pat.as_str())
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

/// The seed inputs of the calls targets: (target, file name, input).
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    let vectors = include_str!("../../tests/vectors/sframe-rfc9605.json");
    let (headers, rest) = vectors.split_once("\"aes_ctr_hmac\"").unwrap();
    let (_, full) = rest.split_once("\"sframe\"").unwrap();

    // Every RFC header encoding, one after the other (the header check
    // reads them all), behind a control byte that is a header too.
    let mut all = vec![0x00];
    for h in json_strings(headers, "encoded") {
        all.extend_from_slice(&unhex(h));
    }
    out.push(("sframe", "seed-rfc-headers".to_string(), all));

    // The RFC's complete frames, suites 1 to 5 (key id 291, counter 17767).
    let metadata = json_strings(full, "metadata");
    for (i, ct) in json_strings(full, "ct").into_iter().enumerate() {
        let meta = unhex(metadata[i]);
        let mut input = vec![i as u8, meta.len() as u8];
        input.extend_from_slice(&meta);
        input.extend_from_slice(&unhex(ct));
        out.push(("sframe", format!("seed-rfc-suite-{}", i + 1), input));
    }

    // Frames of every suite under every key the decryptor holds, at
    // counters in the config byte, of one byte and of two bytes.
    for (n, suite) in SUITES.into_iter().enumerate() {
        for (kid, key) in sframe_keys() {
            for ctr in [0u64, 7, 8, 300] {
                let mut e = SframeEncryptor::new(suite, kid, key).unwrap();
                let mut scratch = [0u8; MAX_HEADER_LEN + 16];
                for _ in 0..ctr {
                    e.encrypt(&[], &[], &mut scratch).unwrap();
                }
                let meta: &[u8] = if ctr % 2 == 0 { b"" } else { b"rtp hdr" };
                let body: Vec<u8> = (0..(ctr as usize % 50) + 3).map(|i| i as u8).collect();
                let mut frame = vec![0u8; e.sframe_len(body.len()).unwrap()];
                e.encrypt(meta, &body, &mut frame).unwrap();
                let mut input = vec![n as u8, meta.len() as u8];
                input.extend_from_slice(meta);
                input.extend_from_slice(&frame);
                out.push((
                    "sframe",
                    format!("seed-suite-{}-kid-{kid}-ctr-{ctr}", n + 1),
                    input,
                ));
            }
        }
    }

    // Group-call scripts: epochs installed, a frame another participant
    // sent in them, frames built in and out of them, our own frame, the
    // overlap running out.
    for (n, suite) in SUITES.into_iter().enumerate() {
        let mut sender = GroupCall::new(CALL, suite, 2);
        let secret = CallSecret::from_bytes(&SECRETS[0]).unwrap();
        sender.install(3, &secret, &[ME, 2, 5], 0).unwrap();
        // Its counter 0 is lost on the way: the script has counter 1.
        let mut frame = vec![0u8; sender.sframe_len(10).unwrap()];
        sender.encrypt(b"m", b"lost frame", &mut frame).unwrap();
        sender.encrypt(b"m", b"ten bytes!", &mut frame).unwrap();
        let mut script = vec![GROUP_MODE | n as u8];
        // install epoch 3, secret 0, participants 1, 2, 5, at 1 s
        script.extend_from_slice(&[0, 3, 0, 3, 1, 2, 5, 0, 10]);
        // the frame from participant 2, at 1.1 s
        script.extend_from_slice(&[1, 1, b'm']);
        script.extend_from_slice(&(frame.len() as u16).to_be_bytes());
        script.extend_from_slice(&frame);
        script.extend_from_slice(&[0, 11]);
        // participant 5 builds a frame of epoch 3 under secret 0; then one
        // under secret 1; then one of epoch 4, not installed
        script.extend_from_slice(&[2, 3, 0, 5, 4, b'a', b'b', b'c', b'd', 0, 12]);
        script.extend_from_slice(&[2, 3, 1, 5, 1, b'x', 0, 12]);
        script.extend_from_slice(&[2, 4, 0, 5, 1, b'y', 0, 12]);
        // install epoch 4, secret 2, participants 1 and 5, at 2 s
        script.extend_from_slice(&[0, 4, 2, 2, 1, 5, 0, 20]);
        // participant 2 in epoch 3 during the overlap, then after it
        script.extend_from_slice(&[2, 3, 0, 2, 2, b'o', b'k', 0, 30]);
        script.extend_from_slice(&[2, 3, 0, 2, 2, b'n', b'o', 0, 41]);
        // our own frame
        script.extend_from_slice(&[3, 3, b'm', b'e', b'!', 0, 42]);
        out.push(("sframe", format!("seed-group-suite-{}", n + 1), script));
    }

    // Call signalling bodies: an offer with the two parties of a 1:1 call,
    // a group key update with participants, an answer, a leave and an end.
    let signal = |kind, epoch, video, secret: Option<u8>, participants: &[u32]| {
        let c = Content::Call(CallSignal {
            kind,
            call_id: [0xca; 16],
            epoch,
            video,
            secret: secret.map(|b| CallSecret::from_bytes(&[b; 32]).unwrap()),
            participants: participants.to_vec(),
        });
        c.body().unwrap().to_vec()
    };
    let bodies = [
        (
            "offer",
            signal(CallSignalKind::Offer, 0, true, Some(1), &[0, 1]),
        ),
        (
            "key-update",
            signal(CallSignalKind::KeyUpdate, 7, false, Some(2), &[0, 3, 9, 31]),
        ),
        (
            "key-update-32",
            signal(
                CallSignalKind::KeyUpdate,
                u32::MAX,
                true,
                Some(3),
                &(0..32).collect::<Vec<_>>(),
            ),
        ),
        ("answer", signal(CallSignalKind::Answer, 0, true, None, &[])),
        ("leave", signal(CallSignalKind::Leave, 2, false, None, &[])),
        ("end", signal(CallSignalKind::End, 0, false, None, &[])),
    ];
    for (name, body) in bodies {
        out.push(("call_signal", format!("seed-{name}"), body));
    }
    // Guard scripts: an offer admitted, replayed, too old, too far ahead.
    let mut guard = 1_800_000_000_000u64.to_be_bytes().to_vec();
    for (id, sent, now) in [
        (1u8, 1_000u64, 2_000u64),
        (1, 1_000, 2_000),
        (2, 0, 61_001),
        (3, 40_000, 5_000),
        (4, 1 << 63, u64::MAX),
    ] {
        guard.push(id);
        guard.extend_from_slice(&sent.to_be_bytes());
        guard.extend_from_slice(&now.to_be_bytes());
    }
    out.push(("call_signal", "seed-guard".to_string(), guard));
    out
}
