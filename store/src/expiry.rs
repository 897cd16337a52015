//! Disappearing messages at rest: what expires, when, and its deletion.
//!
//! ```text
//! entries:   inbox/outbox rows with expires_at ≤ now_ms are deleted
//! kept keys: after a content message is received in a conversation whose timer is on
//!            (duration d), the record's (or group's) new skipped keys and closed chains are
//!            stamped with now, and due(kind, conversation row) = (oldest stamp + d) in ms;
//!            at a purge, for every due row with at ≤ now_ms: open the conversation's row,
//!            forget the keys stamped at or before now − d, save, and set due to the next
//!            oldest stamp + d (or delete it)
//! then:      wal_checkpoint(TRUNCATE), with secure_delete on: nothing deleted stays in
//!            the database file or its log
//! next expiry = MIN(inbox.expires_at, outbox.expires_at, due.at)
//! ```
//!
//! A kept key is deleted once the longest a message it could open may
//! still be shown has passed: such a message was sent before the key was
//! kept, so it expired at most `d` after. A message that needed it arrives
//! as [`sotto::Error::Duplicate`], as any message whose key is gone.

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::{Connection, OptionalExtension};

use super::conversations::{KIND_CONTACT, KIND_GROUP, Row};
use super::devices;
use super::groups::{self, Rows};
use super::mailbox::sql_time;
use super::objects::{self, Stored};
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::{DisappearingTimer, Group, SessionRecord};

/// What [`Store::purge_expired`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Inbox and outbox entries.
    pub messages: u64,
    /// Skipped message keys and closed receiving chains.
    pub kept_keys: u64,
}

/// The granularity of due times: a conversation's kept keys are purged at
/// most once a minute, whatever a member sends.
const DUE_GRANULARITY_MS: u64 = 60_000;

/// When keys stamped at `oldest` (seconds) expire under `timer`, in ms,
/// rounded up to the next whole minute.
fn due_at(oldest: Option<u64>, timer: &DisappearingTimer) -> Option<u64> {
    if !timer.is_on() {
        return None;
    }
    let ms = oldest?
        .checked_add(u64::from(timer.duration_secs))?
        .checked_mul(1000)?;
    ms.div_ceil(DUE_GRANULARITY_MS)
        .checked_mul(DUE_GRANULARITY_MS)
}

/// Records (or clears) when the kept keys of conversation `(kind, name)`
/// next expire.
pub(crate) fn set_due(
    conn: &Connection,
    keys: &Keys,
    kind: u8,
    name: &[u8],
    at_ms: Option<u64>,
) -> Result<()> {
    let row = keys.row_name(kind, name);
    match at_ms {
        Some(at) => conn.execute(
            "INSERT OR REPLACE INTO due (kind, row, at) VALUES (?1, ?2, ?3)",
            rusqlite::params![kind, &row[..], sql_time(at)?],
        ),
        None => conn.execute(
            "DELETE FROM due WHERE kind = ?1 AND row = ?2",
            rusqlite::params![kind, &row[..]],
        ),
    }
    .map_err(storage_error)?;
    Ok(())
}

/// After a 1:1 receive (from a contact, or from one of its devices):
/// stamps the record's new kept keys and moves the conversation's due time
/// earlier if they expire first (the contact's other sessions are not
/// loaded: the row keeps the earliest due, and the purge recomputes it).
pub(crate) fn after_receive(
    conn: &Connection,
    keys: &Keys,
    contact: &[u8],
    record: &mut SessionRecord,
    timer: &DisappearingTimer,
    now_ms: u64,
) -> Result<()> {
    record.stamp_skipped_keys(now_ms / 1000);
    if !timer.is_on() {
        // No write on the receive path of a conversation without a timer:
        // a due time left from one turned off is cleared by the purge.
        return Ok(());
    }
    merge_due(
        conn,
        keys,
        KIND_CONTACT,
        contact,
        due_at(record.oldest_kept_stamp(), timer),
    )
}

/// After a group receive: the same for the group's kept keys.
pub(crate) fn after_group_receive(
    conn: &Connection,
    keys: &Keys,
    group_id: &[u8],
    group: &mut Group,
    timer: &DisappearingTimer,
    now_ms: u64,
) -> Result<()> {
    group.stamp_skipped_keys(now_ms / 1000);
    if !timer.is_on() {
        return Ok(());
    }
    // Only the sender's keys are loaded: the row keeps the earliest due.
    merge_due(
        conn,
        keys,
        KIND_GROUP,
        group_id,
        due_at(group.oldest_kept_stamp(), timer),
    )
}

/// Opens a conversation row by its row name.
fn open_row<const KIND: u8>(
    conn: &Connection,
    keys: &Keys,
    row: &[u8; 32],
) -> Result<Option<Row<KIND>>> {
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT state FROM objects WHERE kind = ?1 AND row = ?2",
            rusqlite::params![KIND, &row[..]],
            |r| r.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    sealed
        .map(|s| Row::<KIND>::open_with(&keys.row_key(KIND, row), &s))
        .transpose()
}

/// A due conversation's name and timer; `None`, with its due time
/// deleted, when its row is gone or its timer was turned off since (its
/// kept keys then stay, as in any conversation).
fn due_conversation<const KIND: u8>(
    conn: &Connection,
    keys: &Keys,
    row: &[u8; 32],
) -> Result<Option<(Vec<u8>, DisappearingTimer)>> {
    match open_row::<KIND>(conn, keys, row)? {
        Some(conv) if conv.timer.is_on() => Ok(Some((conv.name, conv.timer))),
        _ => {
            conn.execute(
                "DELETE FROM due WHERE kind = ?1 AND row = ?2",
                rusqlite::params![KIND, &row[..]],
            )
            .map_err(storage_error)?;
            Ok(None)
        }
    }
}

/// Forgets a contact's kept keys stamped at or before `cutoff`, in its
/// session record and in the sessions with each of its devices: how many
/// went, and the oldest stamp left.
fn forget_contact_keys<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    contact: &[u8],
    cutoff: u64,
) -> Result<(usize, Option<u64>)> {
    let (mut gone, mut oldest) = (0usize, None);
    match objects::load::<SessionRecord>(conn, keys, contact) {
        Ok(mut record) => {
            gone = record.forget_kept_keys(cutoff);
            if gone > 0 {
                objects::save(conn, keys, rng, contact, &record)?;
            }
            oldest = record.oldest_kept_stamp();
        }
        Err(Error::NotFound) => {}
        Err(e) => return Err(e),
    }
    for index in devices::indices(conn, keys, contact)? {
        let mut record = devices::load_session(conn, keys, contact, index)?;
        let n = record.forget_kept_keys(cutoff);
        let left = record.oldest_kept_stamp();
        if n > 0 {
            devices::save_session(conn, keys, rng, contact, index, record)?;
        }
        gone = gone.saturating_add(n);
        oldest = earliest(oldest, left);
    }
    Ok((gone, oldest))
}

fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sets the due time of `(kind, name)` to the earlier of its current one
/// and `due`.
fn merge_due(
    conn: &Connection,
    keys: &Keys,
    kind: u8,
    name: &[u8],
    due: Option<u64>,
) -> Result<()> {
    let row = keys.row_name(kind, name);
    let current: Option<i64> = conn
        .query_row(
            "SELECT at FROM due WHERE kind = ?1 AND row = ?2",
            rusqlite::params![kind, &row[..]],
            |r| r.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    let current = current.and_then(|c| u64::try_from(c).ok());
    set_due(conn, keys, kind, name, earliest(current, due))
}

/// The same for a group, writing back only the members whose keys went.
fn forget_group_keys<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    group_id: &[u8],
    cutoff: u64,
) -> Result<(usize, Option<u64>)> {
    let mut loaded = match groups::load(conn, keys, group_id, Rows::All) {
        Ok(l) => l,
        Err(Error::NotFound) => return Ok((0, None)),
        Err(e) => return Err(e),
    };
    let members: Vec<_> = loaded.group.members().copied().collect();
    let mut gone = 0usize;
    for m in &members {
        let n = loaded.group.forget_member_kept_keys(m, cutoff);
        if n > 0 {
            groups::save(conn, keys, rng, group_id, &loaded.group, Rows::Member(m))?;
            gone = gone.saturating_add(n);
        }
    }
    Ok((gone, loaded.group.oldest_kept_stamp()))
}

/// Forgets the expired kept keys of the conversations due at `now_ms`.
fn purge_keys<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    now_ms: u64,
) -> Result<u64> {
    let due: Vec<(u8, Vec<u8>)> = {
        let mut stmt = conn
            .prepare("SELECT kind, row FROM due WHERE at <= ?1")
            .map_err(storage_error)?;
        stmt.query_map([sql_time(now_ms)?], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(storage_error)?
            .collect::<core::result::Result<_, _>>()
            .map_err(storage_error)?
    };
    let now = now_ms / 1000;
    let mut n = 0u64;
    for (kind, row) in due {
        let row: [u8; 32] = row.as_slice().try_into().map_err(|_| Error::Corrupt)?;
        let conversation = match kind {
            KIND_CONTACT => due_conversation::<KIND_CONTACT>(conn, keys, &row)?,
            KIND_GROUP => due_conversation::<KIND_GROUP>(conn, keys, &row)?,
            _ => return Err(Error::Corrupt),
        };
        let Some((name, timer)) = conversation else {
            continue;
        };
        let cutoff = now.saturating_sub(u64::from(timer.duration_secs));
        let (gone, oldest) = if kind == KIND_CONTACT {
            forget_contact_keys(conn, keys, rng, &name, cutoff)?
        } else {
            forget_group_keys(conn, keys, rng, &name, cutoff)?
        };
        set_due(conn, keys, kind, &name, due_at(oldest, &timer))?;
        n = n.saturating_add(u64::try_from(gone).unwrap_or(u64::MAX));
    }
    Ok(n)
}

impl Store {
    /// Deletes what expired at or before `now_ms` (milliseconds since the
    /// epoch), in one transaction: every inbox and outbox entry whose
    /// message expired, and the kept message keys (skipped keys, closed
    /// chains) of messages that would have expired by now in conversations
    /// with disappearing messages. Then erases them from the files (zeroed
    /// pages, emptied log: see [`Store::erase_superseded`]). Call it when
    /// [`Store::next_expiry`] says, and when the app starts.
    pub fn purge_expired<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        now_ms: u64,
    ) -> Result<Purged> {
        let now = sql_time(now_ms)?;
        let purged = self.transaction(|tx, keys| {
            let mut messages = 0usize;
            for t in ["inbox", "outbox"] {
                messages = messages.saturating_add(
                    tx.execute(
                        &format!(
                            "DELETE FROM {t} WHERE expires_at IS NOT NULL AND expires_at <= ?1"
                        ),
                        [now],
                    )
                    .map_err(storage_error)?,
                );
            }
            Ok(Purged {
                messages: u64::try_from(messages).unwrap_or(u64::MAX),
                kept_keys: purge_keys(tx, keys, rng, now_ms)?,
            })
        })?;
        self.erase_superseded();
        Ok(purged)
    }

    /// When something kept next expires (ms since the epoch): an inbox or
    /// outbox entry, or kept message keys. Schedule [`Store::purge_expired`]
    /// then. `None` when nothing kept expires.
    pub fn next_expiry(&self) -> Result<Option<u64>> {
        let at: Option<i64> = self
            .conn
            .query_row(
                "SELECT MIN(t) FROM (SELECT MIN(expires_at) AS t FROM inbox \
                 UNION ALL SELECT MIN(expires_at) FROM outbox \
                 UNION ALL SELECT MIN(at) FROM due)",
                [],
                |r| r.get(0),
            )
            .map_err(storage_error)?;
        at.map(|t| u64::try_from(t).map_err(|_| Error::Corrupt))
            .transpose()
    }
}
