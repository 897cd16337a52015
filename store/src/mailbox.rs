//! The inbox and the outbox: plaintexts not yet taken by the app and
//! messages not yet sent, each entry sealed, and deleted at its expiry when
//! its message disappears.
//!
//! ```text
//! inbox / outbox (id, kind, sealed, expires_at, envelope)
//! sealed   = nonce ‖ AES-256-GCM-SIV(k_inbox, nonce, "box" ‖ 0x01 (inbox) or 0x02 (outbox),
//!            len u8 ‖ conversation ‖ has_sender ‖ [sender] ‖ has_change ‖ [previous identity] ‖ body)
//! expires_at = when the entry's message disappears, ms since the epoch (NULL: never);
//!            kept in the clear so that a purge finds due entries without opening any
//! envelope = 1 if the body is a content envelope (sotto::Envelope), 0 for the byte API
//! ```

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::devices::{DeviceSession, KIND_DEVICE_SESSION};
use super::objects::Stored;
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::{Envelope, IdentityKey, crypto};

/// A decrypted message, committed to the inbox until [`Store::ack_incoming`].
/// Its `Debug` output shows the plaintext's length, never its bytes.
pub struct Incoming {
    /// The inbox entry; acknowledge it once the app has the plaintext. 0
    /// for a message that arrived expired: nothing was kept.
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
    /// For a message from one device of a multi-device account
    /// ([`Store::receive_from_device`]): that device's index.
    pub device: Option<u32>,
    /// The plaintext, wiped on drop: for a content message
    /// ([`Store::receive`]) the envelope's encoding, empty once expired.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The decoded envelope of a content message (`None` for the byte API,
    /// and for a message that arrived expired).
    pub envelope: Option<Envelope>,
    /// When the message disappears, ms since the epoch: delete it from the
    /// app's own history then too. `None`: never.
    pub expires_at_ms: Option<u64>,
    /// The message had already expired when it arrived: it was decrypted
    /// (the session advanced) but is not to be shown, and nothing of it was
    /// kept.
    pub expired: bool,
}

impl core::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Incoming")
            .field("id", &self.id)
            .field("conversation_len", &self.conversation.len())
            .field("sender", &self.sender)
            .field("identity_change", &self.identity_change)
            .field("device", &self.device)
            .field("plaintext_len", &self.plaintext.len())
            .field("envelope", &self.envelope)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("expired", &self.expired)
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
    /// For a message to one device of a multi-device account
    /// ([`Store::send_to_user`]): where to deliver it.
    pub device: Option<DeviceAddress>,
    /// The message to send.
    pub message: Vec<u8>,
    /// When the message disappears (ms since the epoch); an entry not sent
    /// by then is purged, not sent. `None`: never.
    pub expires_at_ms: Option<u64>,
}

impl core::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Outgoing")
            .field("id", &self.id)
            .field("conversation_len", &self.conversation.len())
            .field("device", &self.device.as_ref().map(|d| d.index))
            .field("message_len", &self.message.len())
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// Where a fanned-out message goes: a device of a user's account (the
/// conversation's contact, or our own account for our other devices).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceAddress {
    /// The user whose device it is, as the app named them.
    pub user: Vec<u8>,
    /// The device's index in that account.
    pub index: u32,
}

impl core::fmt::Debug for DeviceAddress {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceAddress")
            .field("user_len", &self.user.len())
            .field("index", &self.index)
            .finish()
    }
}

/// The inbox or the outbox: one table each, entries sealed under k_inbox
/// with the mailbox's own associated data.
#[derive(Clone, Copy)]
pub(crate) enum Mailbox {
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
    kind: u8,
    conversation: Vec<u8>,
    sender: Option<IdentityKey>,
    identity_change: Option<IdentityKey>,
    body: Zeroizing<Vec<u8>>,
    expires_at_ms: Option<u64>,
    envelope: bool,
}

/// Who an inbox entry is from: the sender and, after an identity change
/// under the Warn policy, the identity it replaced.
#[derive(Clone, Copy, Default)]
pub(crate) struct Origin {
    pub(crate) sender: Option<IdentityKey>,
    pub(crate) identity_change: Option<IdentityKey>,
}

/// What an entry's columns say: its expiry and whether it is an envelope.
#[derive(Clone, Copy, Default)]
pub(crate) struct Meta {
    pub(crate) expires_at_ms: Option<u64>,
    pub(crate) envelope: bool,
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

/// A time as SQLite stores it.
pub(crate) fn sql_time(ms: u64) -> Result<i64> {
    i64::try_from(ms).map_err(|_| Error::Core(sotto::Error::LimitExceeded))
}

/// Seals `len u8 ‖ conversation ‖ has_sender ‖ [sender] ‖ has_change ‖
/// [previous identity] ‖ body` into a new entry of `mailbox`, marked with
/// the kind of `T`, the object it belongs to, and returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_entry<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    mailbox: Mailbox,
    conversation: &[u8],
    from: Origin,
    meta: Meta,
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
    let expires = meta.expires_at_ms.map(sql_time).transpose()?;
    conn.execute(
        &format!(
            "INSERT INTO {} (kind, sealed, expires_at, envelope) VALUES (?1, ?2, ?3, ?4)",
            mailbox.table()
        ),
        rusqlite::params![T::KIND, sealed, expires, meta.envelope],
    )
    .map_err(storage_error)?;
    Ok(conn.last_insert_rowid())
}

fn open_entry(
    keys: &Keys,
    mailbox: Mailbox,
    (id, kind): (i64, u8),
    sealed: &[u8],
    meta: Meta,
) -> Result<Entry> {
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
        kind,
        conversation: conversation.to_vec(),
        sender,
        identity_change,
        body: Zeroizing::new(body.to_vec()),
        expires_at_ms: meta.expires_at_ms,
        envelope: meta.envelope,
    })
}

impl Store {
    /// Up to `limit` entries of `mailbox` with ids above `after`, oldest
    /// first (a negative limit is no limit).
    fn entries(&self, mailbox: Mailbox, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, sealed, expires_at, envelope, kind FROM {} WHERE id > ?1 ORDER BY id LIMIT ?2",
                mailbox.table()
            ))
            .map_err(storage_error)?;
        let rows = stmt
            .query_map([after, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, u8>(4)?,
                ))
            })
            .map_err(storage_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, sealed, expires, envelope, kind) = row.map_err(storage_error)?;
            let meta = Meta {
                expires_at_ms: expires
                    .map(|e| u64::try_from(e).map_err(|_| Error::Corrupt))
                    .transpose()?,
                envelope,
            };
            out.push(open_entry(&self.keys, mailbox, (id, kind), &sealed, meta)?);
        }
        Ok(out)
    }

    fn incoming(&self, after: i64, limit: i64) -> Result<Vec<Incoming>> {
        self.entries(Mailbox::Inbox, after, limit)?
            .into_iter()
            .map(Incoming::try_from)
            .collect()
    }

    /// Plaintexts decrypted but not yet acknowledged, oldest first: what the
    /// app must still show after a crash. Expired entries are purged by
    /// [`Store::purge_expired`], not hidden here.
    pub fn pending_incoming(&self) -> Result<Vec<Incoming>> {
        self.incoming(0, -1)
    }

    /// Messages encrypted but not yet acknowledged as sent, oldest first:
    /// what the app must (re)send after a crash.
    pub fn pending_outgoing(&self) -> Result<Vec<Outgoing>> {
        self.entries(Mailbox::Outbox, 0, -1)?
            .into_iter()
            .map(Outgoing::try_from)
            .collect()
    }

    /// The oldest inbox entry with an id above `after`, if any: one entry
    /// at a time, for hosts that walk the inbox (the C ABI).
    pub fn next_incoming(&self, after: i64) -> Result<Option<Incoming>> {
        Ok(self.incoming(after, 1)?.pop())
    }

    /// The oldest outbox entry with an id above `after`, if any.
    pub fn next_outgoing(&self, after: i64) -> Result<Option<Outgoing>> {
        let mut found = self.entries(Mailbox::Outbox, after, 1)?;
        found.pop().map(Outgoing::try_from).transpose()
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

impl TryFrom<Entry> for Incoming {
    type Error = Error;
    fn try_from(e: Entry) -> Result<Self> {
        let (device, body) = if e.kind == KIND_DEVICE_SESSION {
            let (index, rest) = e.body.split_at_checked(4).ok_or(Error::Corrupt)?;
            let index: [u8; 4] = index.try_into().map_err(|_| Error::Corrupt)?;
            (
                Some(u32::from_be_bytes(index)),
                Zeroizing::new(rest.to_vec()),
            )
        } else {
            (None, e.body)
        };
        let envelope = if e.envelope {
            Some(Envelope::decode(&body).map_err(|_| Error::Corrupt)?)
        } else {
            None
        };
        Ok(Incoming {
            id: e.id,
            conversation: e.conversation,
            sender: e.sender,
            identity_change: e.identity_change,
            device,
            plaintext: body,
            envelope,
            expires_at_ms: e.expires_at_ms,
            expired: false,
        })
    }
}

impl TryFrom<Entry> for Outgoing {
    type Error = Error;
    fn try_from(e: Entry) -> Result<Self> {
        let (device, message) = if e.kind == KIND_DEVICE_SESSION {
            let (&len, rest) = e.body.split_first().ok_or(Error::Corrupt)?;
            let (user, rest) = rest
                .split_at_checked(usize::from(len))
                .ok_or(Error::Corrupt)?;
            let (index, message) = rest.split_at_checked(4).ok_or(Error::Corrupt)?;
            let index: [u8; 4] = index.try_into().map_err(|_| Error::Corrupt)?;
            let address = DeviceAddress {
                user: user.to_vec(),
                index: u32::from_be_bytes(index),
            };
            (Some(address), message.to_vec())
        } else {
            (None, e.body.to_vec())
        };
        Ok(Outgoing {
            id: e.id,
            conversation: e.conversation,
            device,
            message,
            expires_at_ms: e.expires_at_ms,
        })
    }
}

/// Puts a message for one device in the outbox, filed under the
/// conversation `name`: `user len u8 ‖ user ‖ index u32 ‖ message`.
pub(crate) fn outbox_device<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    to: DeviceAddress,
    meta: Meta,
    message: Vec<u8>,
) -> Result<Outgoing> {
    let len = u8::try_from(to.user.len()).map_err(|_| Error::InvalidName)?;
    let mut body = Vec::with_capacity(
        message
            .len()
            .saturating_add(to.user.len())
            .saturating_add(5),
    );
    body.push(len);
    body.extend_from_slice(&to.user);
    body.extend_from_slice(&to.index.to_be_bytes());
    body.extend_from_slice(&message);
    let id = insert_entry::<DeviceSession, R>(
        conn,
        keys,
        rng,
        Mailbox::Outbox,
        name,
        Origin::default(),
        meta,
        &body,
    )?;
    Ok(Outgoing {
        id,
        conversation: name.to_vec(),
        device: Some(to),
        message,
        expires_at_ms: meta.expires_at_ms,
    })
}

/// Puts a plaintext from device `index` in the inbox:
/// `index u32 ‖ plaintext`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn inbox_device<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    index: u32,
    from: Origin,
    meta: Meta,
    plaintext: Zeroizing<Vec<u8>>,
    envelope: Option<Envelope>,
) -> Result<Incoming> {
    let mut body = Zeroizing::new(Vec::with_capacity(plaintext.len().saturating_add(4)));
    body.extend_from_slice(&index.to_be_bytes());
    body.extend_from_slice(&plaintext);
    let id =
        insert_entry::<DeviceSession, R>(conn, keys, rng, Mailbox::Inbox, name, from, meta, &body)?;
    Ok(Incoming {
        id,
        conversation: name.to_vec(),
        sender: from.sender,
        identity_change: from.identity_change,
        device: Some(index),
        plaintext,
        envelope,
        expires_at_ms: meta.expires_at_ms,
        expired: false,
    })
}

/// Puts an encrypted message in the outbox.
pub(crate) fn outbox<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    meta: Meta,
    message: Vec<u8>,
) -> Result<Outgoing> {
    let id = insert_entry::<T, R>(
        conn,
        keys,
        rng,
        Mailbox::Outbox,
        name,
        Origin::default(),
        meta,
        &message,
    )?;
    Ok(Outgoing {
        id,
        conversation: name.to_vec(),
        device: None,
        message,
        expires_at_ms: meta.expires_at_ms,
    })
}

/// Puts a decrypted plaintext (and, for a content message, its decoded
/// envelope) in the inbox.
#[allow(clippy::too_many_arguments)]
pub(crate) fn inbox<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    from: Origin,
    meta: Meta,
    plaintext: Zeroizing<Vec<u8>>,
    envelope: Option<Envelope>,
) -> Result<Incoming> {
    let id = insert_entry::<T, R>(
        conn,
        keys,
        rng,
        Mailbox::Inbox,
        name,
        from,
        meta,
        &plaintext,
    )?;
    Ok(Incoming {
        id,
        conversation: name.to_vec(),
        sender: from.sender,
        identity_change: from.identity_change,
        device: None,
        plaintext,
        envelope,
        expires_at_ms: meta.expires_at_ms,
        expired: false,
    })
}
