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

use super::conversations::{self, IdentityChange, KIND_CONTACT};
use super::groups::{self, Rows};
use super::mailbox::{Incoming, Meta, Origin, Outgoing, inbox, outbox};
use super::objects::{self, Stored};
use super::trust;
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::{
    Group, IdentityKey, IdentityKeyPair, Location, LocationShare, LocationViewer, PrekeyBundle,
    PrekeyStore, SessionRecord, TrustStore,
};

/// Processed-message digests kept per conversation: the newest
/// `MAX_PROCESSED` at least, pruned in batches of [`PROCESSED_PRUNE_BATCH`]
/// so that no decrypt pays for more than one batch.
pub const MAX_PROCESSED: u32 = 10_000;

/// How many of the oldest processed digests are pruned at once, when a
/// conversation holds `MAX_PROCESSED + PROCESSED_PRUNE_BATCH`.
pub const PROCESSED_PRUNE_BATCH: u32 = 512;

/// True if `message` was processed in conversation `(kind, name)`.
pub(crate) fn seen(
    conn: &Connection,
    keys: &Keys,
    kind: u8,
    name: &[u8],
    message: &[u8],
) -> Result<bool> {
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
pub(crate) fn claim(
    conn: &Connection,
    keys: &Keys,
    kind: u8,
    name: &[u8],
    message: &[u8],
) -> Result<()> {
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

/// Records an identity change of `contact` in its conversation history
/// when the trusted identity went from one key to another.
pub(crate) fn note_change<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    contact: &[u8],
    before: &TrustStore,
    after: &TrustStore,
    now: u64,
) -> Result<()> {
    let old = before.record(contact).map(|r| r.identity);
    let new = after.record(contact).map(|r| r.identity);
    if let (Some(previous), Some(new)) = (old, new)
        && previous != new
    {
        let (mut row, _) =
            conversations::load::<KIND_CONTACT>(tx, keys, contact, now.saturating_mul(1000))?;
        row.record_change(IdentityChange {
            previous,
            new,
            at: now,
        });
        conversations::save(tx, keys, rng, &row)?;
    }
    Ok(())
}

/// Encrypts for `contact` in `tx`: the advanced record and the message.
pub(crate) fn encrypt_in<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    contact: &[u8],
    plaintext: &[u8],
) -> Result<(SessionRecord, Vec<u8>)> {
    let mut record: SessionRecord = objects::load(tx, keys, contact)?;
    let mut trust = trust::load(tx, keys, contact)?;
    if trust.record(contact).is_none()
        && let Some(identity) = record.remote_identity()
    {
        trust.observe(contact, identity, 0)?;
        trust::save(tx, keys, rng, contact, &trust)?;
    }
    let message = record.encrypt(rng, &trust, contact, plaintext)?;
    Ok((record, message))
}

/// Decrypts a message from `contact` in `tx` (see [`Store::decrypt`]),
/// recording the message as processed: the advanced record and what it
/// said, or the refusal of an identity change whose pending record must
/// still be committed.
pub(crate) fn decrypt_in<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    contact: &[u8],
    message: &[u8],
    now: u64,
) -> Result<core::result::Result<(SessionRecord, sotto::Received), sotto::Error>> {
    if seen(tx, keys, SessionRecord::KIND, contact, message)? {
        return Err(Error::Core(sotto::Error::Duplicate));
    }
    let mut record = load_record(tx, keys, contact)?;
    let got = if sotto::message_kind(message)? == sotto::MessageKind::Prekey {
        let identity: IdentityKeyPair = objects::load_device(tx, keys)?;
        let mut prekeys: PrekeyStore = objects::load_device(tx, keys)?;
        let mut trust = trust::load(tx, keys, contact)?;
        let before = trust.clone();
        let result = record.decrypt(&identity, &mut prekeys, &mut trust, contact, message, now);
        if trust != before {
            trust::save(tx, keys, rng, contact, &trust)?;
        }
        match result {
            Ok(got) => {
                if got.new_session {
                    objects::save_device(tx, keys, rng, &prekeys)?;
                }
                note_change(tx, keys, rng, contact, &before, &trust, now)?;
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
    Ok(Ok((record, got)))
}

impl Store {
    /// Encrypts for `contact` with its current session and commits the new
    /// state and the message (in the outbox) before returning it. The
    /// session's identity must be the one trusted for `contact`
    /// ([`sotto::Error::UntrustedIdentity`] while a change is pending); a
    /// session the app saved for a contact the store's trust records do not
    /// know yet records its identity first. Send `message`, then
    /// [`Store::ack_outgoing`]; after a crash, resend what
    /// [`Store::pending_outgoing`] lists, never encrypt it again. The
    /// plaintext is the app's own bytes; [`Store::send`] sends typed
    /// content with disappearing messages.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        plaintext: &[u8],
    ) -> Result<Outgoing> {
        self.transaction(|tx, keys| {
            let (record, message) = encrypt_in(tx, keys, rng, contact, plaintext)?;
            objects::save(tx, keys, rng, contact, &record)?;
            outbox::<SessionRecord, R>(tx, keys, rng, contact, Meta::default(), message)
        })
    }

    /// Starts a session with `contact` from its prekey bundle, with this
    /// device's identity, once the store's trust records accept the bundle's
    /// identity (a first one is recorded; a changed one is
    /// [`sotto::Error::IdentityChanged`] under [`sotto::TrustPolicy::Block`],
    /// with the change held as pending). The new session becomes current;
    /// earlier ones with the same identity stay archived for late messages.
    /// It is set up with PQXDH when the bundle has a post-quantum prekey; a
    /// bundle without one is [`sotto::Error::PostQuantumRequired`] under
    /// [`sotto::PqPolicy::Require`] ([`Store::set_pq_policy`]).
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        bundle: &PrekeyBundle,
        now: u64,
    ) -> Result<sotto::IdentityStatus> {
        let outcome = self.transaction(|tx, keys| {
            objects::check_pq_policy(tx, keys, bundle)?;
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
                    note_change(tx, keys, rng, contact, &before, &trust, now)?;
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
            let (record, got) = match decrypt_in(tx, keys, rng, contact, message, now)? {
                Ok(done) => done,
                Err(refused) => return Ok(Err(refused)),
            };
            objects::save(tx, keys, rng, contact, &record)?;
            let from = Origin {
                sender: Some(got.sender),
                identity_change: got.identity_change,
            };
            Ok(Ok(inbox::<SessionRecord, R>(
                tx,
                keys,
                rng,
                contact,
                from,
                Meta::default(),
                got.plaintext,
                None,
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

    /// Whether the current session with `contact` was set up with PQXDH
    /// (its keys rest on ML-KEM-1024 as well as X25519): what an app shows
    /// as "quantum-resistant". No session is [`Error::NotFound`].
    pub fn is_post_quantum(&self, contact: &[u8]) -> Result<bool> {
        load_record(&self.conn, &self.keys, contact)?
            .current()
            .map(sotto::Session::is_post_quantum)
            .ok_or(Error::NotFound)
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
            let before = trust.clone();
            trust.accept_change(contact, identity, now)?;
            note_change(tx, keys, rng, contact, &before, &trust, now)?;
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
            outbox::<Group, R>(tx, keys, rng, group_id, Meta::default(), message)
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
            inbox::<Group, R>(
                tx,
                keys,
                rng,
                group_id,
                who,
                Meta::default(),
                plaintext,
                None,
            )
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
            objects::save(tx, keys, rng, context, &share)?;
            outbox::<LocationShare, R>(tx, keys, rng, context, Meta::default(), message)
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
}

/// The contact's session record; an empty one if there is none.
pub(crate) fn load_record(tx: &Connection, keys: &Keys, contact: &[u8]) -> Result<SessionRecord> {
    match objects::load::<SessionRecord>(tx, keys, contact) {
        Err(Error::NotFound) => Ok(SessionRecord::new()),
        other => other,
    }
}
