//! The content API: typed envelopes ([`sotto::Envelope`]) through the
//! store, with each conversation's disappearing timer applied and enforced.
//!
//! ```text
//! send:    BEGIN IMMEDIATE; load the conversation's row (timer);
//!          sent_at = max(now_ms, timer.set_at_ms), and > timer.set_at_ms for a timer change;
//!          envelope(content, sent_at, timer) → encrypt as Store::encrypt / group_encrypt;
//!          a timer change becomes the conversation's setting;
//!          outbox ← message, expires_at = envelope's expiry; COMMIT
//! receive: BEGIN IMMEDIATE; decrypt as Store::decrypt / group_decrypt; decode the envelope
//!          (malformed: roll back, Malformed); merge its timer into the conversation's
//!          (timer.rs's order); expiry ≤ now_ms: nothing kept, reported expired;
//!          else inbox ← envelope, expires_at = expiry; COMMIT
//! purge:   DELETE entries with expires_at ≤ now_ms; checkpoint (Store::purge_expired)
//! ```
//!
//! ```
//! use sotto::envelope::TIMER_24_HOURS;
//! use sotto::{Content, IdentityKeyPair, PrekeyBundle, PrekeyStore};
//! use sotto_store::{Conversation, Store};
//!
//! # fn main() -> Result<(), sotto_store::Error> {
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! let now_ms = 1_800_000_000_000; // milliseconds since the epoch, from the app's clock
//! let dir = std::env::temp_dir().join(format!("sotto-content-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).map_err(|_| sotto_store::Error::StorageFailed)?;
//! # let device = |rng: &mut _, name: &str| -> Result<(Store, PrekeyBundle), sotto_store::Error> {
//! #     let mut store = Store::open(dir.join(name), &[7u8; 32], rng)?;
//! #     let id = IdentityKeyPair::generate(rng);
//! #     let prekeys = PrekeyStore::new(rng, &id, now_ms / 1000);
//! #     let bundle = PrekeyBundle { identity: *id.public_key(), signed_prekey: prekeys.signed_prekey(), one_time_prekey: None, pq_prekey: None };
//! #     store.set_device(rng, &id, &prekeys)?;
//! #     Ok((store, bundle))
//! # };
//! let (mut alice, _) = device(&mut rng, "alice.db")?;
//! let (mut bob, bob_bundle) = device(&mut rng, "bob.db")?;
//! alice.initiate(&mut rng, b"bob", &bob_bundle, now_ms / 1000)?;
//!
//! // Alice turns on 24-hour messages; the change is a message like any other.
//! let change = alice.set_disappearing_timer(&mut rng, Conversation::Contact(b"bob"), TIMER_24_HOURS, now_ms)?;
//! let got = bob.receive(&mut rng, b"alice", &change.outgoing.message, now_ms)?;
//! assert_eq!(bob.disappearing_timer(Conversation::Contact(b"alice"))?.duration_secs, TIMER_24_HOURS);
//! bob.ack_incoming(got.id)?;
//!
//! // Typed content; both sides compute the same expiry.
//! let sent = alice.send(&mut rng, b"bob", &Content::text("The door code is 4711."), now_ms + 1000)?;
//! let got = bob.receive(&mut rng, b"alice", &sent.outgoing.message, now_ms + 2000)?;
//! assert_eq!(got.expires_at_ms, sent.outgoing.expires_at_ms);
//! match got.envelope.as_ref().map(|e| &e.content) {
//!     Some(Content::Text(text)) => assert_eq!(text.as_str(), "The door code is 4711."),
//!     _ => unreachable!(),
//! }
//!
//! // The app's scheduler wakes at the next expiry; the purge erases what expired.
//! let at = bob.next_expiry()?.expect("something expires");
//! let purged = bob.purge_expired(&mut rng, at + 1000)?;
//! assert_eq!(purged.messages, 1);
//! # drop((alice, bob));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::conversations::{self, Conversation, KIND_CONTACT, KIND_GROUP, Row};
use super::groups::{self, Rows};
use super::mailbox::{Incoming, Meta, Origin, Outgoing, inbox, inbox_device, outbox};
use super::objects::{self, Stored};
use super::traffic::{claim, decrypt_in, encrypt_in};
use super::{Keys, Store, expiry};
use crate::error::{Error, Result};
use sotto::envelope::MAX_TIMESTAMP_MS;
use sotto::{Content, DisappearingTimer, Envelope, Group, IdentityKey, SessionRecord};

/// A content message, encrypted and committed to the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The message to send, in the outbox until acknowledged.
    pub outgoing: Outgoing,
    /// The envelope's timestamp: with this device it names the message, in
    /// the receipts that come back.
    pub sent_at_ms: u64,
}

/// The envelope for `content` sent at `now_ms` under `timer`, its
/// encoding and its mailbox columns.
pub(crate) fn seal(
    content: &Content,
    timer: DisappearingTimer,
    now_ms: u64,
) -> Result<(Envelope, Zeroizing<Vec<u8>>, Meta)> {
    if now_ms > MAX_TIMESTAMP_MS {
        return Err(Error::Core(sotto::Error::LimitExceeded));
    }
    // Never stamped before the setting it carries; a change after it.
    let sent_at = match content {
        Content::TimerChange(_) => now_ms.max(timer.set_at_ms.saturating_add(1)),
        _ => now_ms.max(timer.set_at_ms),
    };
    let envelope = Envelope::new(content.clone(), sent_at, timer);
    let bytes = envelope.encode()?;
    let meta = Meta {
        expires_at_ms: envelope.expires_at_ms()?,
        envelope: true,
    };
    Ok((envelope, bytes, meta))
}

/// When a received message expires here: its own expiry, or earlier if the
/// conversation's setting is newer than the one the message carries and
/// shorter (its sender had not seen the change yet: a change the server
/// withheld from it never makes its messages last longer here).
fn expiry_here(envelope: &Envelope, conversation: &DisappearingTimer) -> Result<Option<u64>> {
    let own = envelope.expires_at_ms()?;
    if !(conversation.is_on() && conversation.supersedes(&envelope.timer)) {
        return Ok(own);
    }
    let here = conversation.expiry(envelope.sent_at_ms)?;
    Ok(match (own, here) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Delivers a decrypted envelope: reported expired with nothing kept, or
/// put in the inbox until its expiry.
#[allow(clippy::too_many_arguments)]
pub(crate) fn deliver<T: Stored, R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    device: Option<u32>,
    from: Origin,
    envelope: Envelope,
    plaintext: Zeroizing<Vec<u8>>,
    conversation: &DisappearingTimer,
    now_ms: u64,
) -> Result<Incoming> {
    let expires_at_ms = expiry_here(&envelope, conversation)?;
    if expires_at_ms.is_some_and(|at| at <= now_ms) {
        return Ok(Incoming {
            id: 0,
            conversation: name.to_vec(),
            sender: from.sender,
            identity_change: from.identity_change,
            device,
            plaintext: Zeroizing::new(Vec::new()),
            envelope: None,
            expires_at_ms,
            expired: true,
        });
    }
    let meta = Meta {
        expires_at_ms,
        envelope: true,
    };
    match device {
        Some(index) => inbox_device(
            tx,
            keys,
            rng,
            name,
            index,
            from,
            meta,
            plaintext,
            Some(envelope),
        ),
        None => inbox::<T, R>(tx, keys, rng, name, from, meta, plaintext, Some(envelope)),
    }
}

/// Merges an envelope's timer into the conversation's row, writes the
/// row if it is new or changed, and returns the conversation's timer.
pub(crate) fn merge_timer<const KIND: u8, R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    envelope: &Envelope,
    now_ms: u64,
) -> Result<DisappearingTimer> {
    let (mut row, fresh) = conversations::load::<KIND>(tx, keys, name, now_ms)?;
    if row.timer.merge(&envelope.timer, now_ms) || fresh {
        conversations::save(tx, keys, rng, &row)?;
    }
    Ok(row.timer)
}

/// Applies what sending `envelope` means for the conversation's row.
pub(crate) fn after_send<const KIND: u8, R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    mut row: Row<KIND>,
    fresh: bool,
    envelope: &Envelope,
) -> Result<()> {
    let changed = matches!(envelope.content, Content::TimerChange(_));
    if changed {
        row.timer = envelope.timer;
    }
    if changed || fresh {
        conversations::save(tx, keys, rng, &row)?;
    }
    Ok(())
}

impl Store {
    /// Sends `content` to `contact` at `now_ms` (milliseconds since the
    /// epoch) under the conversation's disappearing timer, with the same
    /// transaction, trust check and outbox as [`Store::encrypt`]. A
    /// [`Content::TimerChange`] also sets the conversation's timer.
    pub fn send<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        content: &Content,
        now_ms: u64,
    ) -> Result<Sent> {
        self.transaction(|tx, keys| {
            let (row, fresh) = conversations::load::<KIND_CONTACT>(tx, keys, contact, now_ms)?;
            let (envelope, bytes, meta) = seal(content, row.timer, now_ms)?;
            let (record, message) = encrypt_in(tx, keys, rng, contact, &bytes)?;
            objects::save(tx, keys, rng, contact, &record)?;
            after_send(tx, keys, rng, row, fresh, &envelope)?;
            let outgoing = outbox::<SessionRecord, R>(tx, keys, rng, contact, meta, message)?;
            Ok(Sent {
                outgoing,
                sent_at_ms: envelope.sent_at_ms,
            })
        })
    }

    /// Receives a content message the server says is from `contact`, at
    /// `now_ms`: decrypted as by [`Store::decrypt`] (the same trust rules
    /// and errors), its envelope decoded ([`Incoming::envelope`]) and its
    /// timer merged into the conversation's. A message that had already
    /// expired is decrypted, so the session advances, and returned with
    /// [`Incoming::expired`] set and nothing kept. A plaintext that is not
    /// an envelope is [`sotto::Error::Malformed`], with nothing changed.
    pub fn receive<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        message: &[u8],
        now_ms: u64,
    ) -> Result<Incoming> {
        self.receive_from(rng, contact, message, now_ms, None)
    }

    /// [`Store::receive`], requiring the message to be from `sealed_by`
    /// when it came in a sealed envelope (another sender is
    /// [`sotto::Error::UntrustedIdentity`], with nothing committed).
    pub(crate) fn receive_from<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        message: &[u8],
        now_ms: u64,
        sealed_by: Option<&IdentityKey>,
    ) -> Result<Incoming> {
        // A prekey message claiming another identity than the sealer's is
        // refused before the trust records see it: otherwise its identity
        // change would be committed as pending for the certificate's contact.
        if let Some(sealer) = sealed_by
            && sotto::message_kind(message)? == sotto::MessageKind::Prekey
            && sotto::inspect_prekey_message(message)?.identity != *sealer
        {
            return Err(Error::Core(sotto::Error::UntrustedIdentity));
        }
        let outcome = self.transaction(|tx, keys| {
            let (mut record, got) =
                match decrypt_in(tx, keys, rng, contact, message, now_ms / 1000)? {
                    Ok(done) => done,
                    Err(refused) => return Ok(Err(refused)),
                };
            if sealed_by.is_some_and(|s| *s != got.sender) {
                return Err(Error::Core(sotto::Error::UntrustedIdentity));
            }
            let envelope = Envelope::decode(&got.plaintext)?;
            let timer = merge_timer::<KIND_CONTACT, R>(tx, keys, rng, contact, &envelope, now_ms)?;
            expiry::after_receive(tx, keys, contact, &mut record, &timer, now_ms)?;
            objects::save(tx, keys, rng, contact, &record)?;
            let from = Origin {
                sender: Some(got.sender),
                identity_change: got.identity_change,
            };
            Ok(Ok(deliver::<SessionRecord, R>(
                tx,
                keys,
                rng,
                contact,
                None,
                from,
                envelope,
                got.plaintext,
                &timer,
                now_ms,
            )?))
        })?;
        let got = outcome?;
        if got.expired {
            // No acknowledgement will come: erase the state it superseded now.
            self.erase_superseded();
        }
        Ok(got)
    }

    /// Sends `content` to the group saved under `group_id`, as
    /// [`Store::send`] does to a contact.
    pub fn group_send<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        group_id: &[u8],
        content: &Content,
        now_ms: u64,
    ) -> Result<Sent> {
        self.transaction(|tx, keys| {
            let (row, fresh) = conversations::load::<KIND_GROUP>(tx, keys, group_id, now_ms)?;
            let (envelope, bytes, meta) = seal(content, row.timer, now_ms)?;
            let mut loaded = groups::load(tx, keys, group_id, Rows::Shell)?;
            let message = loaded.group.encrypt(&bytes)?;
            groups::save(tx, keys, rng, group_id, &loaded.group, loaded.rows)?;
            after_send(tx, keys, rng, row, fresh, &envelope)?;
            let outgoing = outbox::<Group, R>(tx, keys, rng, group_id, meta, message)?;
            Ok(Sent {
                outgoing,
                sent_at_ms: envelope.sent_at_ms,
            })
        })
    }

    /// Receives a content message from member `from` of the group saved
    /// under `group_id`, as [`Store::receive`] does from a contact.
    pub fn group_receive<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        group_id: &[u8],
        from: &IdentityKey,
        message: &[u8],
        now_ms: u64,
    ) -> Result<Incoming> {
        self.transaction(|tx, keys| {
            claim(tx, keys, Group::KIND, group_id, message)?;
            let mut loaded = groups::load(tx, keys, group_id, Rows::Member(from))?;
            let plaintext = Zeroizing::new(loaded.group.decrypt(from, message)?);
            let envelope = Envelope::decode(&plaintext)?;
            let timer = merge_timer::<KIND_GROUP, R>(tx, keys, rng, group_id, &envelope, now_ms)?;
            expiry::after_group_receive(tx, keys, group_id, &mut loaded.group, &timer, now_ms)?;
            groups::save(tx, keys, rng, group_id, &loaded.group, loaded.rows)?;
            let who = Origin {
                sender: Some(*from),
                identity_change: None,
            };
            deliver::<Group, R>(
                tx, keys, rng, group_id, None, who, envelope, plaintext, &timer, now_ms,
            )
        })
        .inspect(|got| {
            if got.expired {
                self.erase_superseded();
            }
        })
    }

    /// The disappearing timer of a conversation (off until set).
    pub fn disappearing_timer(&self, conversation: Conversation<'_>) -> Result<DisappearingTimer> {
        conversations::timer(&self.conn, &self.keys, conversation)
    }

    /// Sets a conversation's disappearing timer to `duration_secs` (0: off)
    /// and sends the change to it: [`Store::send`] or [`Store::group_send`]
    /// of [`Content::TimerChange`].
    pub fn set_disappearing_timer<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        conversation: Conversation<'_>,
        duration_secs: u32,
        now_ms: u64,
    ) -> Result<Sent> {
        let change = Content::TimerChange(duration_secs);
        match conversation {
            Conversation::Contact(c) => self.send(rng, c, &change, now_ms),
            Conversation::Group(g) => self.group_send(rng, g, &change, now_ms),
        }
    }
}
