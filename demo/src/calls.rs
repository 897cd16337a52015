//! Step 21: calls. A 1:1 call's SRTP keys from a secret sent in an
//! end-to-end encrypted offer; then a group call of three through a
//! simulated forwarding unit that routes frames it cannot read; a fourth
//! joins (a new epoch), one leaves and cannot read the next epoch's frames.

use std::collections::VecDeque;
use std::time::Instant;

use sotto::Content;
use sotto::calls::sframe::{SframeHeader, SframeSuite};
use sotto::calls::{
    CallId, CallSecret, CallSignal, CallSignalKind, Direction, GroupCall, OfferGuard, SrtpProfile,
};

use crate::net::{Device, NOW, Rng, Server};

const NOW_MS: u64 = NOW * 1000 + 29 * 3_600_000;
const FRAME: usize = 1200;

/// Sends a call message over the 1:1 session and returns what the
/// receiver's store decoded.
fn signal(
    rng: &mut Rng,
    from: &mut Device,
    to: &mut Device,
    s: &CallSignal,
    at: u64,
) -> CallSignal {
    let sent = from
        .db
        .send(rng, to.name.as_bytes(), &Content::Call(s.clone()), at)
        .unwrap();
    from.db.ack_outgoing(sent.outgoing.id).unwrap();
    let got = to
        .db
        .receive(rng, from.name.as_bytes(), &sent.outgoing.message, at)
        .unwrap();
    to.db.ack_incoming(got.id).unwrap();
    match got.envelope.map(|e| e.content) {
        Some(Content::Call(c)) => c,
        _ => unreachable!("a call message"),
    }
}

/// The forwarding unit: it sees each frame's key id and counter (the
/// SFrame header) and forwards it to everyone else in the call.
#[derive(Default)]
struct Sfu {
    queue: VecDeque<(u32, Vec<u8>)>,
    routed: usize,
}

impl Sfu {
    fn route(&mut self, from: u32, frame: Vec<u8>) {
        self.routed += 1;
        self.queue.push_back((from, frame));
    }
}

struct Member {
    index: u32,
    call: GroupCall,
    read: usize,
}

fn speak(sfu: &mut Sfu, m: &mut Member, frames: usize) {
    for i in 0..frames {
        let video = vec![(i % 251) as u8; FRAME];
        let mut out = vec![0u8; m.call.sframe_len(FRAME).unwrap()];
        let n = m.call.encrypt(b"rtp header", &video, &mut out).unwrap();
        out.truncate(n);
        sfu.route(m.index, out);
    }
}

/// Delivers every queued frame to every other member present.
fn deliver(sfu: &mut Sfu, members: &mut [&mut Member], at: u64) -> usize {
    let mut refused = 0;
    let mut out = vec![0u8; FRAME + 64];
    while let Some((from, frame)) = sfu.queue.pop_front() {
        for m in members.iter_mut().filter(|m| m.index != from) {
            match m.call.decrypt(b"rtp header", &frame, &mut out, at) {
                Ok(_) => m.read += 1,
                Err(_) => refused += 1,
            }
        }
    }
    refused
}

pub(crate) fn calls(
    rng: &mut Rng,
    server: &mut Server,
    dir: &std::path::Path,
    alice: &mut Device,
    bob: &mut Device,
    carol: &mut Device,
) {
    println!(
        "\n21. Calls: Alice calls Bob; then a group call through a forwarding unit that cannot read it."
    );
    alice.connect(rng, server, "Bob").unwrap();
    let mut id: CallId = [0u8; 16];
    rand_core::Rng::fill_bytes(rng, &mut id);
    let offer = CallSignal {
        kind: CallSignalKind::Offer,
        call_id: id,
        epoch: 0,
        video: true,
        secret: Some(CallSecret::generate(rng)),
        participants: vec![0, 1],
    };
    let got = signal(rng, alice, bob, &offer, NOW_MS);
    let mut guard = OfferGuard::new();
    guard.admit(&got.call_id, NOW_MS, NOW_MS + 800).unwrap();
    let profile = SrtpProfile::AeadAes256Gcm;
    let ours = offer
        .secret
        .as_ref()
        .unwrap()
        .srtp(&id, profile, Direction::Caller)
        .unwrap();
    let theirs = got
        .secret
        .as_ref()
        .unwrap()
        .srtp(&id, profile, Direction::Caller)
        .unwrap();
    println!(
        "    the offer carries a fresh 32-byte secret for Bob's device; both derive SRTP keys ({} + {} bytes per direction): same on both sides = {}",
        ours.master_key.len(),
        ours.master_salt.len(),
        ours.master_key == theirs.master_key && ours.master_salt == theirs.master_salt
    );
    println!(
        "    the same offer again: {:?}; an offer from 2 minutes ago: {:?}",
        guard.admit(&got.call_id, NOW_MS, NOW_MS + 900).unwrap_err(),
        guard
            .admit(&[7u8; 16], NOW_MS - 120_000, NOW_MS)
            .unwrap_err()
    );

    // The group call: Alice (0), Bob (1), Carol (2).
    alice.connect(rng, server, "Carol").unwrap();
    let mut call_id: CallId = [0u8; 16];
    rand_core::Rng::fill_bytes(rng, &mut call_id);
    let suite = SframeSuite::AesGcm128Sha256;
    let member = |index| Member {
        index,
        call: GroupCall::new(call_id, suite, index),
        read: 0,
    };
    let (mut a, mut b, mut c) = (member(0), member(1), member(2));
    // One participant's device draws each epoch's secret.
    let epoch = |rng: &mut Rng, epoch, participants: Vec<u32>| CallSignal {
        kind: if epoch == 1 {
            CallSignalKind::Offer
        } else {
            CallSignalKind::KeyUpdate
        },
        call_id,
        epoch,
        video: true,
        secret: Some(CallSecret::generate(rng)),
        participants,
    };
    let e1 = epoch(rng, 1, vec![0, 1, 2]);
    a.call.install_signal(&e1, NOW_MS).unwrap();
    for (m, d) in [(&mut b, &mut *bob), (&mut c, &mut *carol)] {
        let got = signal(rng, alice, d, &e1, NOW_MS);
        m.call.install_signal(&got, NOW_MS).unwrap();
    }
    println!(
        "    Alice's device draws epoch 1's secret and sends it pairwise, inside each 1:1 session"
    );
    let mut sfu = Sfu::default();
    let t = Instant::now();
    for m in [&mut a, &mut b, &mut c] {
        speak(&mut sfu, m, 100);
    }
    let (header, _) = SframeHeader::decode(&sfu.queue[0].1).unwrap();
    let refused = deliver(&mut sfu, &mut [&mut a, &mut b, &mut c], NOW_MS + 1000);
    let per = t.elapsed().as_secs_f64() * 1e6 / 900.0;
    println!(
        "    300 video frames of {FRAME} B through the forwarding unit, 600 deliveries: {} read, {refused} refused, {per:.1} µs per frame encrypted or decrypted",
        a.read + b.read + c.read
    );
    println!(
        "    what the forwarding unit sees of a frame: key id {:#x} (epoch 1, sender 0) and counter {}; the media is ciphertext",
        header.kid, header.ctr
    );
    speak(&mut sfu, &mut a, 1);
    let replay = sfu.queue[0].1.clone();
    deliver(&mut sfu, &mut [&mut b], NOW_MS + 1000);
    let mut out = vec![0u8; FRAME + 64];
    println!(
        "    the forwarding unit replays a frame to Bob: {:?}",
        b.call
            .decrypt(b"rtp header", &replay, &mut out, NOW_MS + 1000)
            .unwrap_err()
    );

    println!("\n    Dave joins: Alice draws epoch 2 for four and sends it to each.");
    let mut dave = Device::new(rng, "Dave", dir, 5);
    server.publish(&dave);
    alice.connect(rng, server, "Dave").unwrap();
    let mut d = member(3);
    let e2 = epoch(rng, 2, vec![0, 1, 2, 3]);
    a.call.install_signal(&e2, NOW_MS + 2000).unwrap();
    for (m, dev) in [
        (&mut b, &mut *bob),
        (&mut c, &mut *carol),
        (&mut d, &mut dave),
    ] {
        let got = signal(rng, alice, dev, &e2, NOW_MS + 2000);
        m.call.install_signal(&got, NOW_MS + 2000).unwrap();
    }
    for m in [&mut a, &mut b, &mut c, &mut d] {
        m.read = 0;
        speak(&mut sfu, m, 25);
    }
    let refused = deliver(
        &mut sfu,
        &mut [&mut a, &mut b, &mut c, &mut d],
        NOW_MS + 2500,
    );
    println!(
        "    100 frames, 300 deliveries: {} read by the four, {refused} refused; an epoch-1 frame handed to Dave: {:?}",
        a.read + b.read + c.read + d.read,
        d.call
            .decrypt(b"rtp header", &replay, &mut out, NOW_MS + 2500)
            .unwrap_err()
    );

    println!("\n    Carol leaves: Alice draws epoch 3 for Alice, Bob and Dave only.");
    let left = CallSignal {
        kind: CallSignalKind::Leave,
        call_id,
        epoch: 2,
        video: true,
        secret: None,
        participants: vec![],
    };
    signal(rng, carol, alice, &left, NOW_MS + 3000);
    let e3 = epoch(rng, 3, vec![0, 1, 3]);
    a.call.install_signal(&e3, NOW_MS + 3000).unwrap();
    for (m, dev) in [(&mut b, &mut *bob), (&mut d, &mut dave)] {
        let got = signal(rng, alice, dev, &e3, NOW_MS + 3000);
        m.call.install_signal(&got, NOW_MS + 3000).unwrap();
    }
    for m in [&mut a, &mut b, &mut c, &mut d] {
        m.read = 0;
    }
    speak(&mut sfu, &mut b, 50);
    let refused = deliver(&mut sfu, &mut [&mut a, &mut c, &mut d], NOW_MS + 6000);
    println!(
        "    Bob's next 50 frames: Alice read {}, Dave read {}, Carol (still handed them) read {} ({refused} refused: she never had epoch 3's secret)",
        a.read, d.read, c.read
    );
    println!(
        "    the forwarding unit routed {} frames and read none",
        sfu.routed
    );
    drop(dave);
}
