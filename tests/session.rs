//! Integration tests of session setup and the Double Ratchet through the public API.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use common::{NOW, TestRng, device, establish};
use sotto::{
    Error, IdentityKeyPair, MAX_OLD_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS, MessageKind, PrekeyStore,
    SIGNED_PREKEY_GRACE_SECS, Session, crypto, inspect_prekey_message, message_kind,
};

/// Alice → Bob session established, both sides ready.
fn pair(rng: &mut TestRng) -> (Session, Session) {
    let alice = device(rng, 5);
    let mut bob = device(rng, 5);
    let e = establish(rng, &alice.identity, &mut bob, true, b"hello");
    (e.alice, e.bob)
}

fn snapshot(s: &Session) -> Vec<u8> {
    s.to_bytes().to_vec()
}

#[test]
fn setup_and_conversation_with_many_ratchet_turns() {
    let mut rng = TestRng::new(1);
    let (mut a, mut b) = pair(&mut rng);
    assert!(a.is_awaiting_reply());
    for turn in 0..6 {
        for i in 0..3 {
            let text = format!("b→a {turn}.{i}");
            let m = b.encrypt(&mut rng, text.as_bytes()).unwrap();
            assert_eq!(message_kind(&m).unwrap(), MessageKind::Normal);
            assert_eq!(a.decrypt(&m).unwrap(), text.as_bytes());
        }
        assert!(!a.is_awaiting_reply());
        for i in 0..2 {
            let text = format!("a→b {turn}.{i}");
            let m = a.encrypt(&mut rng, text.as_bytes()).unwrap();
            assert_eq!(b.decrypt(&m).unwrap(), text.as_bytes());
        }
    }
    assert_eq!(a.skipped_key_count(), 0);
    assert_eq!(b.old_chain_count(), 0);
}

#[test]
fn initiator_messages_are_prekey_messages_until_reply() {
    let mut rng = TestRng::new(2);
    let alice = device(&mut rng, 5);
    let mut bob = device(&mut rng, 5);
    let bundle = bob.bundle(true);
    let mut a = Session::initiate(&mut rng, &alice.identity, &bundle).unwrap();
    let m1 = a.encrypt(&mut rng, b"one").unwrap();
    let m2 = a.encrypt(&mut rng, b"two").unwrap();
    assert_eq!(message_kind(&m1).unwrap(), MessageKind::Prekey);
    let info = inspect_prekey_message(&m2).unwrap();
    assert_eq!(info.identity, *alice.identity.public_key());
    assert_eq!(info.signed_prekey_id, bundle.signed_prekey.id);
    assert_eq!(
        info.one_time_prekey_id,
        Some(bundle.one_time_prekey.unwrap().id)
    );
    // Delivered in reverse order: the second creates the session, the first
    // then decrypts on it.
    let acc = bob.store.accept(&bob.identity, &m2, NOW).unwrap();
    // Debug never shows the plaintext ("two" is [116, 119, 111]).
    let shown = format!("{acc:?}");
    assert!(
        shown.contains("plaintext_len: 3") && !shown.contains("two") && !shown.contains("116, 119"),
        "{shown}"
    );
    let mut b = acc.session;
    assert_eq!(acc.plaintext, b"two");
    assert_eq!(b.decrypt(&m1).unwrap(), b"one");
    assert_eq!(b.decrypt(&m1), Err(Error::Duplicate));
    // Accepting a message of this session again is a replay, whatever the
    // one-time prekey: refused, no second session and no plaintext again.
    assert_eq!(
        bob.store.accept(&bob.identity, &m1, NOW).err(),
        Some(Error::Duplicate)
    );
    assert_eq!(
        bob.store.accept(&bob.identity, &m2, NOW).err(),
        Some(Error::Duplicate)
    );
    // The one-time prekey was consumed: another session from it is refused.
    let mut other = Session::initiate(&mut rng, &alice.identity, &bundle).unwrap();
    let again = other.encrypt(&mut rng, b"other").unwrap();
    assert_eq!(
        bob.store.accept(&bob.identity, &again, NOW).err(),
        Some(Error::OneTimePrekeyReused)
    );
    assert_eq!(bob.store.one_time_prekey_count(), 4);
    let r = b.encrypt(&mut rng, b"reply").unwrap();
    assert_eq!(a.decrypt(&r).unwrap(), b"reply");
    let m3 = a.encrypt(&mut rng, b"three").unwrap();
    assert_eq!(message_kind(&m3).unwrap(), MessageKind::Normal);
    assert_eq!(b.decrypt(&m3).unwrap(), b"three");
}

#[test]
fn session_without_one_time_prekey() {
    let mut rng = TestRng::new(3);
    let alice = device(&mut rng, 5);
    let mut bob = device(&mut rng, 5);
    let mut a = Session::initiate(&mut rng, &alice.identity, &bob.bundle(false)).unwrap();
    let m = a.encrypt(&mut rng, b"no opk").unwrap();
    let acc = bob.store.accept(&bob.identity, &m, NOW).unwrap();
    assert_eq!(acc.plaintext, b"no opk");
    assert_eq!(bob.store.one_time_prekey_count(), 5);
}

#[test]
fn out_of_order_and_lost_messages_within_window() {
    let mut rng = TestRng::new(4);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let msgs: Vec<_> = (0..10)
        .map(|i| a.encrypt(&mut rng, &[i]).unwrap())
        .collect();
    // Lose 3 and 7; deliver the rest shuffled.
    for &i in &[9usize, 0, 5, 2, 8, 1, 4, 6] {
        assert_eq!(b.decrypt(&msgs[i]).unwrap(), [i as u8]);
    }
    assert_eq!(b.skipped_key_count(), 2);
    // Bob answers (new ratchet); Alice answers back; then the lost ones arrive
    // on the old chain.
    let r2 = b.encrypt(&mut rng, b"r2").unwrap();
    a.decrypt(&r2).unwrap();
    let a2 = a.encrypt(&mut rng, b"a2").unwrap();
    b.decrypt(&a2).unwrap();
    assert_eq!(b.decrypt(&msgs[7]).unwrap(), [7]);
    assert_eq!(b.decrypt(&msgs[3]).unwrap(), [3]);
    assert_eq!(b.skipped_key_count(), 0);
    // Replays are refused. While a chain is open this is reported as
    // `Duplicate`; once a chain is closed and all its keys are used, the
    // session no longer knows its ratchet key and the replay fails to
    // authenticate instead.
    let before = snapshot(&b);
    for m in &msgs {
        assert!(matches!(
            b.decrypt(m),
            Err(Error::Duplicate | Error::AuthenticationFailed)
        ));
    }
    assert_eq!(snapshot(&b), before);
}

#[test]
fn late_messages_on_an_old_chain_never_received_from() {
    let mut rng = TestRng::new(5);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    // Alice's chain 2: first message lost in transit; second delivered.
    let lost = a.encrypt(&mut rng, b"lost").unwrap();
    let m = a.encrypt(&mut rng, b"m").unwrap();
    b.decrypt(&m).unwrap();
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"new chain").unwrap();
    b.decrypt(&m).unwrap();
    assert_eq!(b.decrypt(&lost).unwrap(), b"lost");
}

#[test]
fn old_chain_with_undelivered_messages_is_kept_then_bounded() {
    let mut rng = TestRng::new(6);
    let (mut a, mut b) = pair(&mut rng);
    let mut late = Vec::new();
    for _ in 0..(MAX_OLD_CHAINS + 3) {
        let r = b.encrypt(&mut rng, b"r").unwrap();
        a.decrypt(&r).unwrap();
        late.push(a.encrypt(&mut rng, b"late").unwrap());
        let m = a.encrypt(&mut rng, b"m").unwrap();
        // Delivering only `m` leaves index 0 skipped: no open chain needed.
        b.decrypt(&m).unwrap();
    }
    assert!(b.old_chain_count() <= MAX_OLD_CHAINS);
    for m in &late {
        assert_eq!(b.decrypt(m).unwrap(), b"late");
    }
}

#[test]
fn replays_are_rejected_and_change_nothing() {
    let mut rng = TestRng::new(7);
    let (mut a, mut b) = pair(&mut rng);
    let m = b.encrypt(&mut rng, b"x").unwrap();
    a.decrypt(&m).unwrap();
    let before = snapshot(&a);
    assert_eq!(a.decrypt(&m), Err(Error::Duplicate));
    assert_eq!(snapshot(&a), before);
}

#[test]
fn tampering_is_rejected_without_state_change() {
    let mut rng = TestRng::new(8);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    for new_chain in [false, true] {
        if new_chain {
            let r = b.encrypt(&mut rng, b"r").unwrap();
            a.decrypt(&r).unwrap();
        }
        let m = a.encrypt(&mut rng, b"tamper me").unwrap();
        let before = snapshot(&b);
        for i in 0..m.len() {
            for bit in [0x01u8, 0x80] {
                let mut t = m.clone();
                t[i] ^= bit;
                assert!(b.decrypt(&t).is_err(), "byte {i} bit {bit}");
                assert_eq!(snapshot(&b), before, "byte {i}");
            }
        }
        for len in 0..m.len() {
            assert!(b.decrypt(&m[..len]).is_err());
        }
        let mut long = m.clone();
        long.push(0);
        assert!(b.decrypt(&long).is_err());
        assert_eq!(snapshot(&b), before);
        assert_eq!(b.decrypt(&m).unwrap(), b"tamper me");
    }
}

#[test]
fn wrong_associated_data_is_rejected() {
    let mut rng = TestRng::new(9);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"bound to both identities").unwrap();
    // The same keys under another session AD (the first 32 bytes after the
    // state header): the tag must not verify.
    let mut state = snapshot(&b);
    state[2] ^= 1;
    let mut other_ad = Session::from_bytes(&state).unwrap();
    assert_eq!(other_ad.decrypt(&m), Err(Error::AuthenticationFailed));
    assert_eq!(snapshot(&other_ad), state);
    // A session with another peer fails too.
    let (_, mut b2) = pair(&mut rng);
    let before = snapshot(&b2);
    assert_eq!(b2.decrypt(&m), Err(Error::AuthenticationFailed));
    assert_eq!(snapshot(&b2), before);
    assert_eq!(b.decrypt(&m).unwrap(), b"bound to both identities");
}

#[test]
fn counters_beyond_the_skip_limit_are_rejected() {
    let mut rng = TestRng::new(10);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let first = a.encrypt(&mut rng, b"0").unwrap();
    b.decrypt(&first).unwrap();
    let msgs: Vec<_> = (0..MAX_SKIP + 2)
        .map(|_| a.encrypt(&mut rng, b"m").unwrap())
        .collect();
    let before = snapshot(&b);
    // The last message (index MAX_SKIP + 2, next expected 1) would need
    // MAX_SKIP + 1 skipped keys: refused.
    assert_eq!(b.decrypt(msgs.last().unwrap()), Err(Error::TooFarAhead));
    assert_eq!(snapshot(&b), before);
    // The one before it needs exactly MAX_SKIP: accepted.
    assert_eq!(b.decrypt(&msgs[msgs.len() - 2]).unwrap(), b"m");
    assert_eq!(b.skipped_key_count(), MAX_SKIP as usize);
    assert!(b.skipped_key_count() <= MAX_SKIPPED_KEYS);
}

#[test]
fn forged_huge_counter_is_rejected_before_derivation() {
    let mut rng = TestRng::new(11);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"x").unwrap();
    // Normal message: 0x02 0x01 ratchet(32) pn n ct. Rewrite n to u32::MAX.
    let pn_len = 1;
    let n_at = 2 + 32 + pn_len;
    assert_eq!(m[n_at], 0);
    let mut forged = m[..n_at].to_vec();
    forged.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    forged.extend_from_slice(&m[n_at + 1..]);
    let before = snapshot(&b);
    let t = std::time::Instant::now();
    assert_eq!(b.decrypt(&forged), Err(Error::TooFarAhead));
    assert!(t.elapsed().as_millis() < 50);
    assert_eq!(snapshot(&b), before);
    // And on a brand-new ratchet key.
    let mut forged2 = forged.clone();
    forged2[2] ^= 0x55;
    assert_eq!(b.decrypt(&forged2), Err(Error::TooFarAhead));
    assert_eq!(snapshot(&b), before);
}

#[test]
fn low_order_ratchet_key_is_not_contributory() {
    let mut rng = TestRng::new(12);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"x").unwrap();
    let mut forged = m.clone();
    forged[2..34].copy_from_slice(&[0u8; 32]);
    let before = snapshot(&b);
    assert_eq!(b.decrypt(&forged), Err(Error::NonContributory));
    assert_eq!(snapshot(&b), before);
}

#[test]
fn unknown_prekeys_and_wrong_identity_are_rejected() {
    let mut rng = TestRng::new(13);
    let alice = device(&mut rng, 5);
    let mut bob = device(&mut rng, 5);
    let mallory = device(&mut rng, 5);
    let good = bob.bundle(true);
    // Unknown one-time prekey id.
    let mut b1 = good;
    b1.one_time_prekey.as_mut().unwrap().id = 999;
    let mut s = Session::initiate(&mut rng, &alice.identity, &b1).unwrap();
    let m = s.encrypt(&mut rng, b"x").unwrap();
    assert_eq!(
        bob.store.accept(&bob.identity, &m, NOW).err(),
        Some(Error::UnknownOneTimePrekey)
    );
    // Unknown signed prekey id: the signature covers the id, so the bundle fails first.
    let mut b2 = good;
    b2.signed_prekey.id = 77;
    assert_eq!(
        Session::initiate(&mut rng, &alice.identity, &b2).err(),
        Some(Error::InvalidSignature)
    );
    // A bundle whose signed prekey is signed by someone else.
    let mut b3 = good;
    b3.identity = *mallory.identity.public_key();
    assert_eq!(
        Session::initiate(&mut rng, &alice.identity, &b3).err(),
        Some(Error::InvalidSignature)
    );
    // A prekey message claiming another identity fails to decrypt.
    let mut s = Session::initiate(&mut rng, &alice.identity, &good).unwrap();
    let m = s.encrypt(&mut rng, b"x").unwrap();
    let mut forged = m.clone();
    forged[2..66].copy_from_slice(&mallory.identity.public_key().to_bytes());
    let before = bob.store.to_bytes().to_vec();
    assert_eq!(
        bob.store.accept(&bob.identity, &forged, NOW).err(),
        Some(Error::AuthenticationFailed)
    );
    assert_eq!(
        bob.store.to_bytes().to_vec(),
        before,
        "failed accept must not consume the prekey"
    );
    // The genuine one works, once.
    bob.store.accept(&bob.identity, &m, NOW).unwrap();
    // A normal message is not a prekey message.
    assert_eq!(
        bob.store
            .accept(&bob.identity, &[sotto::WIRE_VERSION, 1, 0], NOW)
            .err(),
        Some(Error::Malformed)
    );
    // Sent to the wrong device entirely.
    let mut carol = device(&mut rng, 5);
    let mut s = Session::initiate(&mut rng, &alice.identity, &bob.bundle(false)).unwrap();
    let m = s.encrypt(&mut rng, b"x").unwrap();
    assert!(carol.store.accept(&carol.identity, &m, NOW).is_err());
}

#[test]
fn prekey_message_for_another_session_is_a_mismatch() {
    let mut rng = TestRng::new(14);
    let (_, mut b) = pair(&mut rng);
    let alice2 = device(&mut rng, 5);
    let bob2 = device(&mut rng, 5);
    let mut s = Session::initiate(&mut rng, &alice2.identity, &bob2.bundle(true)).unwrap();
    let m = s.encrypt(&mut rng, b"x").unwrap();
    assert_eq!(b.decrypt(&m), Err(Error::SessionMismatch));
}

#[test]
fn signed_prekey_rotation_keeps_previous_for_grace_period() {
    let mut rng = TestRng::new(15);
    let alice = device(&mut rng, 5);
    let mut bob = device(&mut rng, 5);
    let old_bundle = bob.bundle(false);
    let new_spk = bob
        .store
        .rotate_signed_prekey(&mut rng, &bob.identity, NOW + 10)
        .unwrap();
    assert_ne!(new_spk.id, old_bundle.signed_prekey.id);
    let mut s = Session::initiate(&mut rng, &alice.identity, &old_bundle).unwrap();
    let m = s.encrypt(&mut rng, b"old spk").unwrap();
    assert_eq!(
        bob.store
            .accept(&bob.identity, &m, NOW + 20)
            .unwrap()
            .plaintext,
        b"old spk"
    );
    // The same message again is a replay.
    assert_eq!(
        bob.store.accept(&bob.identity, &m, NOW + 20).err(),
        Some(Error::Duplicate)
    );
    let mut s2 = Session::initiate(&mut rng, &alice.identity, &old_bundle).unwrap();
    let m2 = s2.encrypt(&mut rng, b"old spk, late").unwrap();
    let late = NOW + 10 + SIGNED_PREKEY_GRACE_SECS;
    assert_eq!(
        bob.store.accept(&bob.identity, &m2, late).err(),
        Some(Error::UnknownSignedPrekey)
    );
    bob.store.expire(late);
    assert_eq!(
        bob.store.accept(&bob.identity, &m, NOW + 20).err(),
        Some(Error::UnknownSignedPrekey)
    );
    // The new one works.
    let mut s = Session::initiate(&mut rng, &alice.identity, &bob.bundle(false)).unwrap();
    let m = s.encrypt(&mut rng, b"new spk").unwrap();
    assert_eq!(
        bob.store.accept(&bob.identity, &m, late).unwrap().plaintext,
        b"new spk"
    );
}

#[test]
fn one_time_prekeys_replenish_within_limit() {
    let mut rng = TestRng::new(16);
    let d = device(&mut rng, 5);
    let mut store = d.store;
    let before = store.one_time_prekey_count();
    let more = store.generate_one_time_prekeys(&mut rng, 10).unwrap();
    assert_eq!(store.one_time_prekey_count(), before + 10);
    let ids: Vec<u32> = store.one_time_prekeys().iter().map(|k| k.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(more.last().unwrap().id, *ids.last().unwrap());
    assert_eq!(
        store
            .generate_one_time_prekeys(&mut rng, sotto::MAX_ONE_TIME_PREKEYS)
            .err(),
        Some(Error::LimitExceeded)
    );
    assert_eq!(store.one_time_prekey_count(), before + 10);
}

#[test]
fn serialize_and_restore_mid_conversation() {
    let mut rng = TestRng::new(17);
    let (mut a, mut b) = pair(&mut rng);
    let key = [7u8; 32];
    let mut pending = Vec::new();
    for round in 0..5 {
        let m = b.encrypt(&mut rng, b"to a").unwrap();
        pending.push(a.encrypt(&mut rng, format!("{round}").as_bytes()).unwrap());
        // Restore both sides from plain and encrypted state each round.
        a = Session::from_bytes(&a.to_bytes()).unwrap();
        b = Session::open(&key, &b.seal(&key, &mut rng).unwrap()).unwrap();
        assert_eq!(a.decrypt(&m).unwrap(), b"to a");
    }
    for (i, m) in pending.iter().enumerate().rev() {
        assert_eq!(b.decrypt(m).unwrap(), format!("{i}").as_bytes());
    }
    let s = snapshot(&b);
    assert_eq!(snapshot(&Session::from_bytes(&s).unwrap()), s);
}

#[test]
fn state_objects_round_trip_and_reject_bad_input() {
    let mut rng = TestRng::new(18);
    let d = device(&mut rng, 5);
    let key = [9u8; 32];
    let id_bytes = d.identity.to_bytes();
    let id2 = IdentityKeyPair::from_bytes(&id_bytes).unwrap();
    assert_eq!(id2.public_key(), d.identity.public_key());
    let sealed = d.identity.seal(&key, &mut rng).unwrap();
    assert_eq!(
        IdentityKeyPair::open(&key, &sealed).unwrap().public_key(),
        d.identity.public_key()
    );
    let store_bytes = d.store.to_bytes();
    assert_eq!(
        *PrekeyStore::from_bytes(&store_bytes).unwrap().to_bytes(),
        *store_bytes
    );
    let sealed_store = d.store.seal(&key, &mut rng).unwrap();
    assert_eq!(
        *PrekeyStore::open(&key, &sealed_store).unwrap().to_bytes(),
        *store_bytes
    );

    // Wrong key, corruption, truncation, unknown version, wrong type.
    assert_eq!(
        IdentityKeyPair::open(&[8u8; 32], &sealed).err(),
        Some(Error::AuthenticationFailed)
    );
    let mut corrupt = sealed.clone();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    assert_eq!(
        IdentityKeyPair::open(&key, &corrupt).err(),
        Some(Error::AuthenticationFailed)
    );
    assert_eq!(
        IdentityKeyPair::open(&key, &sealed[..20]).err(),
        Some(Error::Malformed)
    );
    let mut v2 = sealed.clone();
    v2[0] = sotto::STATE_VERSION + 1;
    assert_eq!(
        IdentityKeyPair::open(&key, &v2).err(),
        Some(Error::UnsupportedVersion)
    );
    assert_eq!(
        PrekeyStore::open(&key, &sealed).err(),
        Some(Error::WrongType)
    );
    assert_eq!(
        Session::open(&key, &sealed_store).err(),
        Some(Error::WrongType)
    );
    for len in 0..store_bytes.len() {
        assert!(PrekeyStore::from_bytes(&store_bytes[..len]).is_err());
    }
    let mut long = store_bytes.to_vec();
    long.push(0);
    assert_eq!(PrekeyStore::from_bytes(&long).err(), Some(Error::Malformed));
    for len in 0..id_bytes.len() {
        assert!(IdentityKeyPair::from_bytes(&id_bytes[..len]).is_err());
    }
    let (a, _) = pair(&mut rng);
    let s = a.to_bytes();
    for len in 0..s.len() {
        assert!(Session::from_bytes(&s[..len]).is_err());
    }
}

#[test]
fn sending_counter_exhaustion_is_an_error() {
    let mut rng = TestRng::new(19);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    a.encrypt(&mut rng, b"x").unwrap();
    // Patch Ns in the plain state to u32::MAX - 1, then u32::MAX.
    let bytes = a.to_bytes().to_vec();
    // 2 header + 32 ad + 64 identity + 32 root + 64 DHs; has_dhr + 32; has_sending; CKs 32; Ns.
    let ns_at = 2 + 32 + 64 + 32 + 64 + 1 + 32 + 1 + 32;
    assert_eq!(&bytes[ns_at..ns_at + 4], &1u32.to_be_bytes());
    let mut near = bytes.clone();
    near[ns_at..ns_at + 4].copy_from_slice(&(u32::MAX - 1).to_be_bytes());
    let mut s = Session::from_bytes(&near).unwrap();
    let last = s.encrypt(&mut rng, b"last").unwrap();
    assert_eq!(
        s.encrypt(&mut rng, b"one too many"),
        Err(Error::CounterExhausted)
    );
    // The receiver refuses index u32::MAX - 1 as too far ahead: no wrap anywhere.
    assert_eq!(b.decrypt(&last), Err(Error::TooFarAhead));
}

#[test]
fn sizes_meet_their_goals() {
    let mut rng = TestRng::new(20);
    let (mut a, mut b) = pair(&mut rng);
    for _ in 0..3 {
        let m = b.encrypt(&mut rng, b"x").unwrap();
        a.decrypt(&m).unwrap();
        let m = a.encrypt(&mut rng, &[0u8; 64]).unwrap();
        // Normal message framing: 2 + 32 + 1 + 1 + 16 = 52 bytes, around the
        // plaintext padded to whole 32-byte blocks (64 B becomes 96 B).
        assert_eq!(m.len(), 52 + 96);
        b.decrypt(&m).unwrap();
    }
    let sa = a.to_bytes().len();
    let sb = b.to_bytes().len();
    assert!(
        sa <= 400 && sb <= 400,
        "steady-state sessions: {sa} and {sb} bytes"
    );
}

#[test]
fn debug_output_reveals_no_secrets() {
    let mut rng = TestRng::new(21);
    let (a, _) = pair(&mut rng);
    let d = format!("{a:?}");
    assert!(d.starts_with("Session {"), "{d}");
    assert!(!d.contains("root") && !d.contains("ck"), "{d}");
    let id = IdentityKeyPair::generate(&mut rng);
    let d = format!("{id:?}");
    let secret_hex: String = id.to_bytes()[2..10]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!d.contains(&secret_hex), "{d}");
}

#[test]
fn forward_secrecy_a_later_state_cannot_read_earlier_messages() {
    let mut rng = TestRng::new(22);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"secret").unwrap();
    b.decrypt(&m).unwrap();
    // An attacker who steals Bob's state now cannot decrypt the recorded message.
    let mut stolen = Session::from_bytes(&b.to_bytes()).unwrap();
    assert!(stolen.decrypt(&m).is_err());
    assert!(stolen.decrypt(&r).is_err());
}

#[test]
fn post_compromise_recovery_after_one_round_trip() {
    let mut rng = TestRng::new(23);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    // The attacker copies Bob's whole state.
    let mut stolen = Session::from_bytes(&b.to_bytes()).unwrap();
    let m = a.encrypt(&mut rng, b"still readable by the thief").unwrap();
    assert!(stolen.decrypt(&m).is_ok());
    b.decrypt(&m).unwrap();
    // One round trip: Bob replies with a fresh ratchet key, Alice answers.
    let r = b.encrypt(&mut rng, b"fresh ratchet").unwrap();
    a.decrypt(&r).unwrap();
    let m = a.encrypt(&mut rng, b"healed").unwrap();
    assert_eq!(b.decrypt(&m).unwrap(), b"healed");
    // The thief's copy cannot follow: it lacks Bob's new ratchet private key.
    assert!(stolen.decrypt(&m).is_err());
}

/// A message whose tag verifies but whose padding is invalid (only the
/// sender, holding the chain key, can make one) is `Malformed`, and the
/// receiver's state does not change.
#[test]
fn invalid_padding_under_a_valid_tag_changes_nothing() {
    let mut rng = TestRng::new(24);
    let (mut a, mut b) = pair(&mut rng);
    let r = b.encrypt(&mut rng, b"r").unwrap();
    a.decrypt(&r).unwrap();
    a.encrypt(&mut rng, b"x").unwrap();
    // The sending chain key, from the plain state (PROTOCOL.md §7).
    let state = a.to_bytes().to_vec();
    let ad = &state[2..34];
    let ns_at = 2 + 32 + 64 + 32 + 64 + 1 + 32 + 1 + 32;
    let ck: [u8; 32] = state[ns_at - 32..ns_at].try_into().unwrap();
    let seed = crypto::hmac_sha256(&ck, &[0x01]);
    let mut okm = [0u8; 44];
    crypto::hkdf_sha256(&[0u8; 32], &seed, sotto::LABEL_MESSAGE_KEYS, &mut okm).unwrap();
    let key: [u8; 32] = okm[..32].try_into().unwrap();
    let nonce: [u8; 12] = okm[32..].try_into().unwrap();

    let genuine = a.encrypt(&mut rng, b"genuine").unwrap();
    let header = &genuine[..genuine.len() - 48];
    let aad = [ad, header].concat();
    let before = b.to_bytes().to_vec();
    let mut trailing_byte = b"abc\x80".to_vec();
    trailing_byte.resize(32, 0);
    trailing_byte[31] = 1;
    let mut marker_too_early = b"abc\x80".to_vec();
    marker_too_early.resize(64, 0);
    let bad_paddings = [
        vec![0x41; 32],
        vec![0u8; 32],
        vec![0x80; 31],
        trailing_byte,
        marker_too_early,
    ];
    for padded in bad_paddings {
        let body = crypto::aes256gcmsiv_seal(&key, &nonce, &aad, &padded).unwrap();
        let forged = [header, &body].concat();
        assert_eq!(b.decrypt(&forged), Err(Error::Malformed));
        assert_eq!(b.to_bytes().to_vec(), before);
    }
    // The same key with valid padding is the genuine message.
    let mut padded = b"genuine\x80".to_vec();
    padded.resize(32, 0);
    let body = crypto::aes256gcmsiv_seal(&key, &nonce, &aad, &padded).unwrap();
    assert_eq!(body, genuine[genuine.len() - 48..]);
    assert_eq!(b.decrypt(&genuine).unwrap(), b"genuine");
}
