//! The main job through the store: encrypt and decrypt as single
//! transactions, with an outbox of messages not yet sent and an inbox of
//! plaintexts not yet taken by the app.
//!
//! ```text
//! decrypt: BEGIN IMMEDIATE; record the digest (already there → Duplicate); load the contact's
//!          session record; decrypt (routed to the state the message's keys name, or a new
//!          session through the stored identity, prekeys and trust: sotto::SessionRecord);
//!          save record (and prekeys, and trust if it changed);
//!          inbox ← seal(k_inbox, len ‖ conversation ‖ sender ‖ changed ‖ plaintext); COMMIT
//!          an identity change refused by the Block policy commits only the pending change
//! encrypt: BEGIN IMMEDIATE; load record and trust; check the current session's identity is
//!          the trusted one; encrypt; save record; outbox ← message; COMMIT
//! location encrypt: the same with the share; location decrypt: load viewer; decrypt; save
//! ```
//!
//! Processed digests are kept per conversation, at least the newest
//! [`MAX_PROCESSED`] and at most [`PROCESSED_PRUNE_BATCH`] more: enough to
//! answer a redelivered message with `Duplicate` long after the session
//! itself would refuse it anyway.

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::groups::{self, Rows};
use super::objects::{self, Stored};
use super::trust;
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::crypto;
use sotto::{
    Group, IdentityKey, IdentityKeyPair, Location, LocationShare, LocationViewer, PrekeyBundle,
    PrekeyStore, SessionRecord,
};

/// Processed-message digests kept per conversation: the newest
/// `MAX_PROCESSED` at least, pruned in batches of [`PROCESSED_PRUNE_BATCH`]
/// so that no decrypt pays for more than one batch.
pub const MAX_PROCESSED: u32 = 10_000;

/// How many of the oldest processed digests are pruned at once, when a
/// conversation holds `MAX_PROCESSED + PROCESSED_PRUNE_BATCH`.
pub const PROCESSED_PRUNE_BATCH: u32 = 512;

/// A decrypted message, committed to the inbox until [`Store::ack_incoming`].
/// Its `Debug` output shows the plaintext's length, never its bytes.
pub struct Incoming {
    /// The inbox entry; acknowledge it once the app has the plaintext.
    pub id: i64,
    /// The contact or group it came from, as the app named it.
    pub conversation: Vec<u8>,
    /// The identity the message is cryptographically from: for a 1:1
    /// message the contact's session identity (whatever name the server
    /// filed it under), for a group message the member's.
    pub sender: Option<IdentityKey>,
    /// For a 1:1 message that set up a session under
    /// [`sotto::TrustPolicy::Warn`] with another identity than the one
    /// trusted: that previous identity. Show the user that the contact's
    /// security code changed.
    pub identity_change: Option<IdentityKey>,
    /// The plaintext, wiped on drop.
    pub plaintext: Zeroizing<Vec<u8>>,
}

impl core::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Incoming")
            .field("id", &self.id)
            .field("conversation_len", &self.conversation.len())
            .field("sender", &self.sender)
            .field("identity_change", &self.identity_change)
            .field("plaintext_len", &self.plaintext.len())
            .finish()
    }
}

/// An encrypted message, committed to the outbox until
/// [`Store::ack_outgoing`]. `Debug` shows lengths, not the conversation's
/// name (the store keeps no contact or group id in the clear).
#[derive(Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox entry; acknowledge it once the message is sent.
    pub id: i64,
    /// The contact or group it is for, as the app named it.
    pub conversation: Vec<u8>,
    /// The message to send.
    pub message: Vec<u8>,
}

impl core::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.id)
            .field("conversation_len", &self.conversation.len())
            .field("message_len", &self.message.len())
            .finish()
    }
}

/// The inbox or the outbox: one table each, entries sealed under k_inbox
/// with the mailbox's own associated data.
#[derive(Clone, Copy)]
enum Mailbox {
    Inbox,
    Outbox,
}

impl Mailbox {
    fn table(self) -> &'static str {
        match self {
            Mailbox::Inbox => "inbox",
            Mailbox::Outbox => "outbox",
        }
    }

    /// `"box" ‖ 0x01` or `"box" ‖ 0x02`.
    fn ad(self) -> [u8; 4] {
        let which = match self {
            Mailbox::Inbox => 1,
            Mailbox::Outbox => 2,
        };
        [b'b', b'o', b'x', which]
    }
}

/// An opened mailbox entry.
struct Entry {
    id: i64,
    conversation: Vec<u8>,
    sender: Option<IdentityKey>,
    identity_change: Option<IdentityKey>,
    body: Zeroizing<Vec<u8>>,
}

/// Who an inbox entry is from: the sender and, after an identity change
/// under the Warn policy, the identity it replaced.
#[derive(Clone, Copy, Default)]
struct Origin {
    sender: Option<IdentityKey>,
    identity_change: Option<IdentityKey>,
}

fn put_identity(plain: &mut Vec<u8>, identity: Option<&IdentityKey>) {
    match identity {
        Some(s) => {
            plain.push(1);
            plain.extend_from_slice(&s.to_bytes());
        }
        None => plain.push(0),
    }
}

fn read_identity(rest: &[u8]) -> Result<(Option<IdentityKey>, &[u8])> {
    let (&has, rest) = rest.split_first().ok_or(Error::Corrupt)?;
    match has {
        0 => Ok((None, rest)),
        1 => {
            let (s, rest) = rest
                .split_at_checked(sotto::IDENTITY_KEY_LEN)
                .ok_or(Error::Corrupt)?;
            Ok((
                Some(IdentityKey::from_bytes(s).map_err(|_| Error::Corrupt)?),
                rest,
            ))
        }
        _ => Err(Error::Corrupt),
    }
}

/// Seals `len u8 ‖ conversation ‖ has_sender ‖ [sender] ‖ has_change ‖
/// [previous identity] ‖ body` into a new entry of `mailbox`, marked with
/// the kind of `T`, the object it belongs to, and returns its id.
fn insert_entry<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    mailbox: Mailbox,
    conversation: &[u8],
    from: Origin,
    body: &[u8],
) -> Result<i64> {
    let len =
        u8::try_from(conversation.len()).map_err(|_| Error::Core(sotto::Error::LimitExceeded))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(
        body.len()
            .saturating_add(conversation.len())
            .saturating_add(3 + 2 * sotto::IDENTITY_KEY_LEN),
    ));
    plain.push(len);
    plain.extend_from_slice(conversation);
    put_identity(&mut plain, from.sender.as_ref());
    put_identity(&mut plain, from.identity_change.as_ref());
    plain.extend_from_slice(body);
    let nonce: [u8; 12] = crate::secret::random_array(rng);
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&crypto::aes256gcmsiv_seal(
        keys.inbox.expose(),
        &nonce,
        &mailbox.ad(),
        &plain,
    )?);
    conn.execute(
        &format!(
            "INSERT INTO {} (kind, sealed) VALUES (?1, ?2)",
            mailbox.table()
        ),
        rusqlite::params![T::KIND, sealed],
    )
    .map_err(storage_error)?;
    Ok(conn.last_insert_rowid())
}

fn open_entry(keys: &Keys, mailbox: Mailbox, id: i64, sealed: &[u8]) -> Result<Entry> {
    let (nonce, ct) = sealed.split_at_checked(12).ok_or(Error::Corrupt)?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| Error::Corrupt)?;
    let plain = Zeroizing::new(
        crypto::aes256gcmsiv_open(keys.inbox.expose(), &nonce, &mailbox.ad(), ct)
            .map_err(|_| Error::Corrupt)?,
    );
    let (&len, rest) = plain.split_first().ok_or(Error::Corrupt)?;
    let (conversation, rest) = rest
        .split_at_checked(usize::from(len))
        .ok_or(Error::Corrupt)?;
    let (sender, rest) = read_identity(rest)?;
    let (identity_change, body) = read_identity(rest)?;
    Ok(Entry {
        id,
        conversation: conversation.to_vec(),
        sender,
        identity_change,
        body: Zeroizing::new(body.to_vec()),
    })
}

/// True if `message` was processed in conversation `(kind, name)`.
fn seen(conn: &Connection, keys: &Keys, kind: u8, name: &[u8], message: &[u8]) -> Result<bool> {
    let row = keys.row_name(kind, name);
    let digest = keys.message_digest(&row, message);
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM processed WHERE row = ?1 AND digest = ?2)",
        rusqlite::params![&row[..], &digest[..]],
        |r| r.get(0),
    )
    .map_err(storage_error)
}

/// Records `message` as processed in conversation `(kind, name)`, first
/// thing in a decrypt's transaction: `Duplicate` if it already was, and
/// rolled back with everything else if the decrypt then fails.
fn claim(conn: &Connection, keys: &Keys, kind: u8, name: &[u8], message: &[u8]) -> Result<()> {
    let row = keys.row_name(kind, name);
    let digest = keys.message_digest(&row, message);
    let inserted = conn
        .execute(
            "INSERT OR IGNORE INTO processed (row, digest) VALUES (?1, ?2)",
            rusqlite::params![&row[..], &digest[..]],
        )
        .map_err(storage_error)?;
    if inserted == 0 {
        return Err(Error::Core(sotto::Error::Duplicate));
    }
    let n: u32 = conn
        .query_row(
            "INSERT INTO processed_count (row, n) VALUES (?1, 1) \
             ON CONFLICT (row) DO UPDATE SET n = n + 1 RETURNING n",
            rusqlite::params![&row[..]],
            |r| r.get(0),
        )
        .map_err(storage_error)?;
    if n >= MAX_PROCESSED.saturating_add(PROCESSED_PRUNE_BATCH) {
        conn.execute(
            "DELETE FROM processed WHERE id IN \
             (SELECT id FROM processed WHERE row = ?1 ORDER BY id LIMIT ?2)",
            rusqlite::params![&row[..], PROCESSED_PRUNE_BATCH],
        )
        .map_err(storage_error)?;
        conn.execute(
            "UPDATE processed_count SET n = n - ?2 WHERE row = ?1",
            rusqlite::params![&row[..], PROCESSED_PRUNE_BATCH],
        )
        .map_err(storage_error)?;
    }
    Ok(())
}

/// The common end of every encrypt: save the advanced object, put the
/// message in the outbox.
fn sent<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    object: &T,
    message: Vec<u8>,
) -> Result<Outgoing> {
    objects::save(conn, keys, rng, name, object)?;
    outbox::<T, R>(conn, keys, rng, name, message)
}

/// Puts an encrypted message in the outbox.
fn outbox<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    message: Vec<u8>,
) -> Result<Outgoing> {
    let id = insert_entry::<T, R>(
        conn,
        keys,
        rng,
        Mailbox::Outbox,
        name,
        Origin::default(),
        &message,
    )?;
    Ok(Outgoing {
        id,
        conversation: name.to_vec(),
        message,
    })
}

/// The common end of every decrypt with an inbox: save the advanced
/// object, put the plaintext in the inbox.
fn received<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    object: &T,
    from: Origin,
    plaintext: Zeroizing<Vec<u8>>,
) -> Result<Incoming> {
    objects::save(conn, keys, rng, name, object)?;
    inbox::<T, R>(conn, keys, rng, name, from, plaintext)
}

/// Puts a decrypted plaintext in the inbox.
fn inbox<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    from: Origin,
    plaintext: Zeroizing<Vec<u8>>,
) -> Result<Incoming> {
    let id = insert_entry::<T, R>(conn, keys, rng, Mailbox::Inbox, name, from, &plaintext)?;
    Ok(Incoming {
        id,
        conversation: name.to_vec(),
        sender: from.sender,
        identity_change: from.identity_change,
        plaintext,
    })
}

impl Store {
    /// Encrypts for `contact` with its current session and commits the new
    /// state and the message (in the outbox) before returning it. The
    /// session's identity must be the one trusted for `contact`
    /// ([`sotto::Error::UntrustedIdentity`] while a change is pending); a
    /// session the app saved for a contact the store's trust records do not
    /// know yet records its identity first. Send `message`, then
    /// [`Store::ack_outgoing`]; after a crash, resend what
    /// [`Store::pending_outgoing`] lists, never encrypt it again.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        plaintext: &[u8],
    ) -> Result<Outgoing> {
        self.transaction(|tx, keys| {
            let mut record: SessionRecord = objects::load(tx, keys, contact)?;
            let mut trust = trust::load(tx, keys, contact)?;
            if trust.record(contact).is_none()
                && let Some(identity) = record.remote_identity()
            {
                trust.observe(contact, identity, 0)?;
                trust::save(tx, keys, rng, contact, &trust)?;
            }
            let message = record.encrypt(rng, &trust, contact, plaintext)?;
            sent(tx, keys, rng, contact, &record, message)
        })
    }

    /// Starts a session with `contact` from its prekey bundle, with this
    /// device's identity, once the store's trust records accept the bundle's
    /// identity (a first one is recorded; a changed one is
    /// [`sotto::Error::IdentityChanged`] under [`sotto::TrustPolicy::Block`],
    /// with the change held as pending). The new session becomes current;
    /// earlier ones with the same identity stay archived for late messages.
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        bundle: &PrekeyBundle,
        now: u64,
    ) -> Result<sotto::IdentityStatus> {
        let outcome = self.transaction(|tx, keys| {
            let identity: IdentityKeyPair = objects::load_device(tx, keys)?;
            let mut record = load_record(tx, keys, contact)?;
            let mut trust = trust::load(tx, keys, contact)?;
            let before = trust.clone();
            let result = record.initiate(rng, &identity, bundle, &mut trust, contact, now);
            if trust != before {
                trust::save(tx, keys, rng, contact, &trust)?;
            }
            match result {
                Ok(status) => {
                    objects::save(tx, keys, rng, contact, &record)?;
                    Ok(Ok(status))
                }
                // Commit the pending change, report the refusal.
                Err(sotto::Error::IdentityChanged) => Ok(Err(sotto::Error::IdentityChanged)),
                Err(e) => Err(e.into()),
            }
        })?;
        Ok(outcome?)
    }

    /// Decrypts a message the server says is from `contact`, at `now`
    /// (seconds since the epoch): the message goes to the session its keys
    /// name, or sets up a new one with the stored identity, prekeys and
    /// trust ([`sotto::SessionRecord::decrypt`]). The new state, a processed
    /// record and the plaintext (in the inbox) are committed together; a
    /// message already processed is [`Error::Core(sotto::Error::Duplicate)`]
    /// (a prekey message accepted before, under any contact's name,
    /// included), and any failure changes nothing.
    ///
    /// A prekey message from another identity than the contact's never
    /// replaces its session silently: under [`sotto::TrustPolicy::Block`]
    /// (the store's default) it is [`sotto::Error::IdentityChanged`], with
    /// only the pending change committed (see [`Store::trust_record`],
    /// [`Store::accept_identity_change`], then decrypt it again); under
    /// [`sotto::TrustPolicy::Warn`] it is accepted and
    /// [`Incoming::identity_change`] says so. [`Incoming::sender`] is the
    /// identity the message is from.
    pub fn decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        message: &[u8],
        now: u64,
    ) -> Result<Incoming> {
        let outcome = self.transaction(|tx, keys| {
            if seen(tx, keys, SessionRecord::KIND, contact, message)? {
                return Err(Error::Core(sotto::Error::Duplicate));
            }
            let mut record = load_record(tx, keys, contact)?;
            let got = if sotto::message_kind(message)? == sotto::MessageKind::Prekey {
                let identity: IdentityKeyPair = objects::load_device(tx, keys)?;
                let mut prekeys: PrekeyStore = objects::load_device(tx, keys)?;
                let mut trust = trust::load(tx, keys, contact)?;
                let before = trust.clone();
                let result =
                    record.decrypt(&identity, &mut prekeys, &mut trust, contact, message, now);
                if trust != before {
                    trust::save(tx, keys, rng, contact, &trust)?;
                }
                match result {
                    Ok(got) => {
                        if got.new_session {
                            objects::save_device(tx, keys, rng, &prekeys)?;
                        }
                        got
                    }
                    // Commit the pending change alone, report the refusal.
                    Err(sotto::Error::IdentityChanged) => {
                        return Ok(Err(sotto::Error::IdentityChanged));
                    }
                    Err(e) => return Err(e.into()),
                }
            } else if record.current().is_none() {
                return Err(Error::NotFound);
            } else {
                record.decrypt_existing(message)?
            };
            claim(tx, keys, SessionRecord::KIND, contact, message)?;
            let from = Origin {
                sender: Some(got.sender),
                identity_change: got.identity_change,
            };
            Ok(Ok(received(
                tx,
                keys,
                rng,
                contact,
                &record,
                from,
                got.plaintext,
            )?))
        })?;
        Ok(outcome?)
    }

    /// The store's trust record for `contact`: the identity trusted, whether
    /// it was verified, and a pending change.
    pub fn trust_record(&self, contact: &[u8]) -> Result<Option<sotto::TrustRecord>> {
        Ok(trust::load(&self.conn, &self.keys, contact)?
            .record(contact)
            .copied())
    }

    /// The policy for identity changes; [`sotto::TrustPolicy::Block`] until
    /// set.
    pub fn trust_policy(&self) -> Result<sotto::TrustPolicy> {
        trust::policy(&self.conn, &self.keys)
    }

    /// Sets the policy for identity changes.
    pub fn set_trust_policy<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        policy: sotto::TrustPolicy,
    ) -> Result<()> {
        self.transaction(|tx, keys| trust::set_policy(tx, keys, rng, policy))
    }

    /// Accepts `contact`'s pending identity change (the user saw the notice):
    /// `identity` becomes trusted, unverified. A message refused with
    /// [`sotto::Error::IdentityChanged`] then decrypts.
    pub fn accept_identity_change<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        identity: &IdentityKey,
        now: u64,
    ) -> Result<()> {
        self.transaction(|tx, keys| {
            let mut trust = trust::load(tx, keys, contact)?;
            trust.accept_change(contact, identity, now)?;
            trust::save(tx, keys, rng, contact, &trust)
        })
    }

    /// Marks `contact`'s trusted identity verified (the users compared
    /// security codes) or not.
    pub fn set_verified<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        identity: &IdentityKey,
        verified: bool,
    ) -> Result<()> {
        self.transaction(|tx, keys| {
            let mut trust = trust::load(tx, keys, contact)?;
            trust.set_verified(contact, identity, verified)?;
            trust::save(tx, keys, rng, contact, &trust)
        })
    }

    /// Encrypts for the group saved under `group_id`, committing the advanced
    /// sender key and the message (in the outbox) before returning it.
    pub fn group_encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        group_id: &[u8],
        plaintext: &[u8],
    ) -> Result<Outgoing> {
        self.transaction(|tx, keys| {
            let mut loaded = groups::load(tx, keys, group_id, Rows::Shell)?;
            let message = loaded.group.encrypt(plaintext)?;
            groups::save(tx, keys, rng, group_id, &loaded.group, loaded.rows)?;
            outbox::<Group, R>(tx, keys, rng, group_id, message)
        })
    }

    /// Decrypts a group message from member `from`, with the same
    /// transaction and inbox as [`Store::decrypt`].
    pub fn group_decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        group_id: &[u8],
        from: &IdentityKey,
        message: &[u8],
    ) -> Result<Incoming> {
        self.transaction(|tx, keys| {
            claim(tx, keys, Group::KIND, group_id, message)?;
            let mut loaded = groups::load(tx, keys, group_id, Rows::Member(from))?;
            let plaintext = Zeroizing::new(loaded.group.decrypt(from, message)?);
            groups::save(tx, keys, rng, group_id, &loaded.group, loaded.rows)?;
            let who = Origin {
                sender: Some(*from),
                identity_change: None,
            };
            inbox::<Group, R>(tx, keys, rng, group_id, who, plaintext)
        })
    }

    /// Encrypts a live-location update with the share saved under
    /// `context`, committing the advanced share (and the update, in the
    /// outbox) before returning it: an update that may have been sent is
    /// never followed by another under the same key.
    pub fn location_encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        context: &[u8],
        location: &Location,
        now: u64,
    ) -> Result<Outgoing> {
        self.transaction(|tx, keys| {
            let mut share: LocationShare = objects::load(tx, keys, context)?;
            let message = share.encrypt(location, now)?;
            sent(tx, keys, rng, context, &share, message)
        })
    }

    /// Decrypts a live-location update with the viewer saved under `name`
    /// and commits the viewer (its new position and latest fix). Updates are
    /// latest-wins, so nothing goes to the inbox: the fix is returned, and
    /// [`LocationViewer::latest`] of the saved viewer holds it afterwards.
    pub fn location_decrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        name: &[u8],
        update: &[u8],
        now: u64,
    ) -> Result<Location> {
        self.transaction(|tx, keys| {
            let mut viewer: LocationViewer = objects::load(tx, keys, name)?;
            let fix = viewer.decrypt(update, now)?;
            objects::save(tx, keys, rng, name, &viewer)?;
            Ok(fix)
        })
        .inspect(|_| self.erase_superseded())
    }

    /// Up to `limit` entries of `mailbox` with ids above `after`, oldest
    /// first (a negative limit is no limit).
    fn entries(&self, mailbox: Mailbox, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, sealed FROM {} WHERE id > ?1 ORDER BY id LIMIT ?2",
                mailbox.table()
            ))
            .map_err(storage_error)?;
        let rows = stmt
            .query_map([after, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .map_err(storage_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed) = row.map_err(storage_error)?;
            out.push(open_entry(&self.keys, mailbox, id, &sealed)?);
        }
        Ok(out)
    }

    /// Plaintexts decrypted but not yet acknowledged, oldest first: what the
    /// app must still show after a crash.
    pub fn pending_incoming(&self) -> Result<Vec<Incoming>> {
        Ok(self
            .entries(Mailbox::Inbox, 0, -1)?
            .into_iter()
            .map(Incoming::from)
            .collect())
    }

    /// Messages encrypted but not yet acknowledged as sent, oldest first:
    /// what the app must (re)send after a crash.
    pub fn pending_outgoing(&self) -> Result<Vec<Outgoing>> {
        Ok(self
            .entries(Mailbox::Outbox, 0, -1)?
            .into_iter()
            .map(Outgoing::from)
            .collect())
    }

    /// The oldest inbox entry with an id above `after`, if any: one entry
    /// at a time, for hosts that walk the inbox (the C ABI).
    pub fn next_incoming(&self, after: i64) -> Result<Option<Incoming>> {
        let mut found = self.entries(Mailbox::Inbox, after, 1)?;
        Ok(found.pop().map(Incoming::from))
    }

    /// The oldest outbox entry with an id above `after`, if any.
    pub fn next_outgoing(&self, after: i64) -> Result<Option<Outgoing>> {
        let mut found = self.entries(Mailbox::Outbox, after, 1)?;
        Ok(found.pop().map(Outgoing::from))
    }

    /// Removes a plaintext from the inbox (the app has it now).
    /// Acknowledgements are committed at once but reach the device with the
    /// next durable commit (see [`Durability`](super::Durability)).
    pub fn ack_incoming(&mut self, id: i64) -> Result<()> {
        self.ack(Mailbox::Inbox, id)
    }

    /// Removes a message from the outbox (it was sent).
    /// Committed lazily, like [`Store::ack_incoming`].
    pub fn ack_outgoing(&mut self, id: i64) -> Result<()> {
        self.ack(Mailbox::Outbox, id)
    }

    fn ack(&mut self, mailbox: Mailbox, id: i64) -> Result<()> {
        self.lazy_transaction(|tx, _| {
            tx.execute(
                &format!("DELETE FROM {} WHERE id = ?1", mailbox.table()),
                [id],
            )
            .map_err(storage_error)?;
            Ok(())
        })
    }
}

impl From<Entry> for Incoming {
    fn from(e: Entry) -> Self {
        Incoming {
            id: e.id,
            conversation: e.conversation,
            sender: e.sender,
            identity_change: e.identity_change,
            plaintext: e.body,
        }
    }
}

impl From<Entry> for Outgoing {
    fn from(e: Entry) -> Self {
        Outgoing {
            id: e.id,
            conversation: e.conversation,
            message: e.body.to_vec(),
        }
    }
}

/// The contact's session record; an empty one if there is none.
fn load_record(tx: &Connection, keys: &Keys, contact: &[u8]) -> Result<SessionRecord> {
    match objects::load::<SessionRecord>(tx, keys, contact) {
        Err(Error::NotFound) => Ok(SessionRecord::new()),
        other => other,
    }
}
