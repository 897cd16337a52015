//! The content envelope: every content type round-trips, the decoder is
//! strict, unknown types are reported, and disappearing-timer changes
//! converge on every member whatever the order and losses.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::manual_is_multiple_of,
    missing_docs
)]

use proptest::prelude::*;
use sotto::envelope::{
    AttachmentDescriptor, CONTENT_TEXT, Content, DisappearingTimer, Envelope, MAX_RECEIPT_IDS,
    MAX_TIMESTAMP_MS, Receipt, ReceiptKind, TIMER_7_DAYS, TIMER_24_HOURS, TIMER_90_DAYS,
};
use sotto::{Error, Location, Precision, Zeroizing};

const NOW: u64 = 1_800_000_000_000;

fn attachment() -> AttachmentDescriptor {
    AttachmentDescriptor {
        key: Zeroizing::new([7; 32]),
        ciphertext_sha256: [9; 32],
        plaintext_len: 3_000_000,
        media_type: "image/jpeg".into(),
        thumbnail: Some(Zeroizing::new(vec![1, 2, 3])),
        dimensions: Some((4032, 3024)),
        duration_ms: None,
    }
}

fn location() -> Location {
    Location {
        latitude_e7: 515_007_000,
        longitude_e7: -1_246_000,
        accuracy_cm: 500,
        altitude_cm: None,
        heading_centideg: None,
        speed_cm_s: None,
        timestamp_ms: NOW,
        sequence: 1,
        precision: Precision::Exact,
    }
}

fn all_contents() -> Vec<Content> {
    vec![
        Content::text("hello"),
        Content::AppBytes(Zeroizing::new(vec![])),
        Content::AppBytes(Zeroizing::new(vec![0, 1, 2])),
        Content::Attachment(attachment()),
        Content::Location(location()),
        Content::TimerChange(TIMER_24_HOURS),
        Content::Receipt(Receipt {
            kind: ReceiptKind::Read,
            sent_at_ms: vec![NOW - 5, NOW - 4],
        }),
        Content::DeviceHistory(attachment()),
        Content::Call(sotto::calls::CallSignal {
            kind: sotto::calls::CallSignalKind::KeyUpdate,
            call_id: [3; 16],
            epoch: 2,
            video: true,
            secret: Some(sotto::calls::CallSecret::from_bytes(&[9; 32]).unwrap()),
            participants: vec![0, 1, 2],
        }),
        Content::Unknown {
            content_type: 9,
            body: Zeroizing::new(vec![1, 2]),
        },
        Content::Unknown {
            content_type: 0xBEEF,
            body: Zeroizing::new(vec![]),
        },
    ]
}

#[test]
fn every_content_round_trips() {
    let timer = DisappearingTimer::new(TIMER_7_DAYS, NOW - 1000).unwrap();
    for content in all_contents() {
        let env = Envelope::new(content, NOW, timer);
        let bytes = env.encode().unwrap();
        assert_eq!(Envelope::decode(&bytes).unwrap(), env);
    }
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let timer = DisappearingTimer::new(TIMER_90_DAYS, NOW - 1000).unwrap();
    for content in all_contents() {
        let bytes = Envelope::new(content, NOW, timer).encode().unwrap();
        for cut in 0..bytes.len() {
            assert!(Envelope::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert_eq!(Envelope::decode(&longer), Err(Error::Malformed));
    }
}

#[test]
fn an_unknown_type_is_reported_not_refused() {
    let mut bytes = Envelope::new(Content::text("hi"), NOW, DisappearingTimer::OFF)
        .encode()
        .unwrap()
        .to_vec();
    bytes[2..4].copy_from_slice(&0x0100u16.to_be_bytes());
    match Envelope::decode(&bytes).unwrap().content {
        Content::Unknown { content_type, body } => {
            assert_eq!(content_type, 0x0100);
            assert_eq!(&body[..], b"hi");
        }
        other => panic!("{other:?}"),
    }
    // A known type can never be sent as unknown, nor type 0.
    for t in [0, CONTENT_TEXT] {
        let c = Content::Unknown {
            content_type: t,
            body: Zeroizing::new(vec![1]),
        };
        assert!(
            Envelope::new(c, NOW, DisappearingTimer::OFF)
                .encode()
                .is_err()
        );
    }
}

#[test]
fn header_fields_are_checked() {
    let good = Envelope::new(Content::text("x"), NOW, DisappearingTimer::OFF)
        .encode()
        .unwrap()
        .to_vec();
    let mut v = good.clone();
    v[0] = 0x01;
    assert_eq!(Envelope::decode(&v), Err(Error::UnsupportedVersion));
    let mut v = good.clone();
    v[1] = sotto::TYPE_MESSAGE;
    assert_eq!(Envelope::decode(&v), Err(Error::WrongType));
    // sent_at past the limit.
    let mut v = good.clone();
    v[4..12].copy_from_slice(&(MAX_TIMESTAMP_MS + 1).to_be_bytes());
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
    // A timer set after the message was sent.
    let mut v = good.clone();
    v[16..24].copy_from_slice(&(NOW + 1).to_be_bytes());
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
    // A body length beyond the bytes.
    let mut v = good.clone();
    v[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
    // Invalid UTF-8 text.
    let mut v = good.clone();
    *v.last_mut().unwrap() = 0xFF;
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
}

#[test]
fn a_timer_change_must_agree_with_its_envelope() {
    let bytes = Envelope::new(
        Content::TimerChange(TIMER_24_HOURS),
        NOW,
        DisappearingTimer::OFF,
    )
    .encode()
    .unwrap()
    .to_vec();
    let env = Envelope::decode(&bytes).unwrap();
    assert_eq!(
        env.timer,
        DisappearingTimer::new(TIMER_24_HOURS, NOW).unwrap()
    );
    // Another duration in the header than in the body.
    let mut v = bytes.clone();
    v[12..16].copy_from_slice(&TIMER_7_DAYS.to_be_bytes());
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
    // Set earlier than sent.
    let mut v = bytes;
    v[16..24].copy_from_slice(&(NOW - 1).to_be_bytes());
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
}

#[test]
fn bodies_are_strict() {
    let mut a = attachment();
    a.media_type = "image jpeg".into();
    assert!(
        Envelope::new(Content::Attachment(a), NOW, DisappearingTimer::OFF)
            .encode()
            .is_err()
    );
    let r = Receipt {
        kind: ReceiptKind::Delivered,
        sent_at_ms: vec![1; MAX_RECEIPT_IDS + 1],
    };
    assert_eq!(
        Envelope::new(Content::Receipt(r), NOW, DisappearingTimer::OFF).encode(),
        Err(Error::LimitExceeded).map(|()| unreachable!())
    );
    // Unknown attachment flag bits.
    let bytes = Envelope::new(
        Content::Attachment(attachment()),
        NOW,
        DisappearingTimer::OFF,
    )
    .encode()
    .unwrap()
    .to_vec();
    let flags_at = 28 + 32 + 32 + 8 + 1 + "image/jpeg".len();
    let mut v = bytes;
    v[flags_at] |= 0x80;
    assert_eq!(Envelope::decode(&v), Err(Error::Malformed));
}

#[test]
fn debug_never_shows_content() {
    let env = Envelope::new(Content::text("secret words"), NOW, DisappearingTimer::OFF);
    let a = Envelope::new(
        Content::Attachment(attachment()),
        NOW,
        DisappearingTimer::OFF,
    );
    for shown in [format!("{env:?}"), format!("{a:?}")] {
        assert!(!shown.contains("secret"));
        assert!(!shown.contains("7, 7"));
    }
}

#[test]
fn expiry_is_the_same_on_both_sides() {
    let timer = DisappearingTimer::new(TIMER_24_HOURS, NOW - 10).unwrap();
    let env = Envelope::new(Content::text("x"), NOW, timer);
    let got = Envelope::decode(&env.encode().unwrap()).unwrap();
    assert_eq!(got.expires_at_ms(), Ok(Some(NOW + 86_400_000)));
    assert!(!got.is_expired(NOW + 86_399_999).unwrap());
    assert!(got.is_expired(NOW + 86_400_000).unwrap());
    let off = Envelope::new(Content::text("x"), NOW, DisappearingTimer::OFF);
    assert_eq!(off.expires_at_ms(), Ok(None));
}

// The convergence model: members change the timer and send messages; each
// message reaches each other member or is lost, in any order. After one
// final message from every member (delivered), all hold the same setting,
// and every delivered message expires at the same instant for its sender and
// its receiver.

#[derive(Clone, Debug)]
enum Step {
    Change { member: usize, duration: u32 },
    Send { member: usize },
    Tick { ms: u64 },
}

fn step(members: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            0..members,
            prop_oneof![
                Just(0u32),
                Just(TIMER_24_HOURS),
                Just(TIMER_7_DAYS),
                Just(TIMER_90_DAYS),
                1u32..10_000
            ]
        )
            .prop_map(|(member, duration)| Step::Change { member, duration }),
        (0..members).prop_map(|member| Step::Send { member }),
        (0u64..5_000).prop_map(|ms| Step::Tick { ms }),
    ]
}

struct Member {
    timer: DisappearingTimer,
    skew: u64,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn timer_changes_converge(
        members in 2usize..6,
        skews in proptest::collection::vec(0u64..3_000, 6),
        steps in proptest::collection::vec(step(6), 1..60),
        fates in proptest::collection::vec(any::<u8>(), 60 * 6),
        order in proptest::collection::vec(any::<u16>(), 0..400),
    ) {
        let mut now = NOW;
        let mut m: Vec<Member> = (0..members).map(|i| Member { timer: DisappearingTimer::OFF, skew: skews[i] }).collect();
        // In flight: (to, envelope bytes, the sender's expiry).
        let mut flight: Vec<(usize, Vec<u8>, Option<u64>)> = Vec::new();
        let mut fate = fates.iter().cycle();
        let mut pick = order.iter().cycle();
        let deliver = |m: &mut Vec<Member>, to: usize, bytes: &[u8], expiry: Option<u64>, now: u64| {
            let env = Envelope::decode(bytes).unwrap();
            prop_assert_eq!(env.expires_at_ms().unwrap(), expiry);
            let clock = now + m[to].skew;
            m[to].timer.merge(&env.timer, clock);
            Ok(())
        };
        let send = |m: &mut Vec<Member>, from: usize, content: Content, now: u64, flight: &mut Vec<_>, fate: &mut dyn Iterator<Item = &u8>, lossy: bool| {
            let clock = now + m[from].skew;
            let env = match content {
                Content::TimerChange(_) => {
                    // A change is stamped after the setting it replaces.
                    let at = clock.max(m[from].timer.set_at_ms + 1);
                    let env = Envelope::new(content, at, m[from].timer);
                    m[from].timer = env.timer;
                    env
                }
                c => Envelope::new(c, clock.max(m[from].timer.set_at_ms), m[from].timer),
            };
            let bytes = env.encode().unwrap().to_vec();
            let expiry = env.expires_at_ms().unwrap();
            for to in 0..m.len() {
                if to != from && (!lossy || fate.next().unwrap() % 3 != 0) {
                    flight.push((to, bytes.clone(), expiry));
                }
            }
        };
        for s in &steps {
            match *s {
                Step::Change { member, duration } if member < members => {
                    send(&mut m, member, Content::TimerChange(duration), now, &mut flight, &mut fate, true);
                }
                Step::Send { member } if member < members => {
                    send(&mut m, member, Content::text("hi"), now, &mut flight, &mut fate, true);
                }
                Step::Tick { ms } => now += ms,
                _ => {}
            }
            // Deliver some of what is in flight, in any order.
            while !flight.is_empty() && *pick.next().unwrap_or(&0) % 2 == 0 {
                let i = usize::from(*pick.next().unwrap_or(&0)) % flight.len();
                let (to, bytes, expiry) = flight.swap_remove(i);
                deliver(&mut m, to, &bytes, expiry, now)?;
            }
        }
        // What was in flight arrives or is lost; then everyone sends once.
        flight.clear();
        for from in 0..members {
            send(&mut m, from, Content::text("sync"), now, &mut flight, &mut fate, false);
        }
        while !flight.is_empty() {
            let i = usize::from(*pick.next().unwrap_or(&0)) % flight.len();
            let (to, bytes, expiry) = flight.swap_remove(i);
            deliver(&mut m, to, &bytes, expiry, now)?;
        }
        for w in m.windows(2) {
            prop_assert_eq!(w[0].timer, w[1].timer);
        }
    }
}
