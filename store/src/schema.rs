//! The store's tables, and what opening a store checks before anything is
//! written.
//!
//! ```text
//! meta      (name PRIMARY KEY, value)                  "format" = 2, "check" = key check,
//!                                                      "generation" = commits so far
//! objects   (kind, row, state)  PRIMARY KEY (kind, row) one sealed object per row
//! processed (id, row, digest)   UNIQUE (row, digest)    messages already decrypted, indexed by (row, id)
//! processed_count (row, n)                            records per conversation, for pruning
//! inbox     (id, kind, sealed, expires_at, envelope)    plaintexts not yet acknowledged
//! outbox    (id, kind, sealed, expires_at, envelope)    messages not yet acknowledged as sent
//! due       (kind, row, at)                             when a conversation's kept message keys
//!                                                      next expire (row: its conversation row's name)
//! ```
//!
//! Format 3 added `expires_at` and `envelope` to the mailboxes (disappearing
//! messages); a format-2 store is upgraded in place when it opens.

use std::string::String;
use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{Durability, storage_error};
use crate::error::{Error, Result};
use crate::secret::Secret32;
use sotto::crypto;

/// The store layout this release writes and reads.
pub(super) const FORMAT: i64 = 3;

/// The layout before disappearing messages, upgraded when opened.
const FORMAT_2: i64 = 2;

const UPGRADE_2_TO_3: &str = "
ALTER TABLE inbox ADD COLUMN expires_at INTEGER;
ALTER TABLE inbox ADD COLUMN envelope INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN expires_at INTEGER;
ALTER TABLE outbox ADD COLUMN envelope INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX outbox_expiry ON outbox (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE due (kind INTEGER NOT NULL, row BLOB NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (kind, row)) WITHOUT ROWID;
CREATE INDEX due_at ON due (at);
UPDATE meta SET value = 3 WHERE name = 'format';
";

/// What the key check seals.
const CHECK_PLAINTEXT: &[u8] = b"sotto v1 store";

const SCHEMA: &str = "
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE objects (
    kind INTEGER NOT NULL, row BLOB NOT NULL, state BLOB NOT NULL,
    PRIMARY KEY (kind, row)) WITHOUT ROWID;
CREATE TABLE processed (
    id INTEGER PRIMARY KEY, row BLOB NOT NULL, digest BLOB NOT NULL,
    UNIQUE (row, digest));
CREATE INDEX processed_by_row ON processed (row, id);
CREATE TABLE processed_count (row BLOB PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE inbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, sealed BLOB NOT NULL,
    expires_at INTEGER, envelope INTEGER NOT NULL DEFAULT 0);
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, sealed BLOB NOT NULL,
    expires_at INTEGER, envelope INTEGER NOT NULL DEFAULT 0);
CREATE INDEX inbox_expiry ON inbox (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX outbox_expiry ON outbox (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE due (kind INTEGER NOT NULL, row BLOB NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (kind, row)) WITHOUT ROWID;
CREATE INDEX due_at ON due (at);
";

/// Checks or creates the store. Reads come first: a file that is not a
/// database, not a store, or a store under another key, fails before any
/// write.
pub(super) fn open<R: CryptoRng + ?Sized>(
    conn: &mut Connection,
    check_key: &Secret32,
    durability: Durability,
    rng: &mut R,
) -> Result<()> {
    if table_names(conn)?.is_empty() {
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(storage_error)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage_error)?;
        // Another process may have created it meanwhile.
        if table_names(&tx)?.is_empty() {
            tx.execute_batch(SCHEMA).map_err(storage_error)?;
            let nonce: [u8; 12] = crate::secret::random_array(rng);
            let mut check = nonce.to_vec();
            check.extend_from_slice(&crypto::aes256gcmsiv_seal(
                check_key.expose(),
                &nonce,
                b"check",
                CHECK_PLAINTEXT,
            )?);
            tx.execute(
                "INSERT INTO meta (name, value) VALUES ('format', ?1), ('check', ?2)",
                rusqlite::params![FORMAT, check],
            )
            .map_err(storage_error)?;
            tx.commit().map_err(storage_error)?;
        }
    }
    verify(conn, check_key)?;
    upgrade(conn)?;
    // Deleted and overwritten content is zeroed in the pages, not left in
    // free space (see `Store::erase_superseded` for the log).
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(storage_error)?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)
        .map_err(storage_error)?;
    Ok(())
}

fn table_names(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .map_err(storage_error)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(storage_error)?
        .collect::<core::result::Result<Vec<_>, _>>()
        .map_err(storage_error)?;
    Ok(names)
}

/// The layout, the key check and SQLite's own consistency check.
fn verify(conn: &Connection, check_key: &Secret32) -> Result<()> {
    let names = table_names(conn)?;
    for t in [
        "inbox",
        "meta",
        "objects",
        "outbox",
        "processed",
        "processed_count",
    ] {
        if !names.iter().any(|n| n == t) {
            return Err(Error::Corrupt);
        }
    }
    let meta = |name: &str| -> Result<Option<rusqlite::types::Value>> {
        conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()
        .map_err(storage_error)
    };
    match meta("format")? {
        Some(rusqlite::types::Value::Integer(FORMAT)) => {
            if !names.iter().any(|n| n == "due") {
                return Err(Error::Corrupt);
            }
        }
        Some(rusqlite::types::Value::Integer(FORMAT_2)) => {}
        Some(rusqlite::types::Value::Integer(_)) => {
            return Err(Error::Core(sotto::Error::UnsupportedVersion));
        }
        _ => return Err(Error::Corrupt),
    }
    let Some(rusqlite::types::Value::Blob(check)) = meta("check")? else {
        return Err(Error::Corrupt);
    };
    let (nonce, sealed) = check.split_at_checked(12).ok_or(Error::Corrupt)?;
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| Error::Corrupt)?;
    match crypto::aes256gcmsiv_open(check_key.expose(), &nonce, b"check", sealed) {
        Ok(p) if p == CHECK_PLAINTEXT => {}
        _ => return Err(Error::KeyMismatch),
    }
    let status: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(storage_error)?;
    if status != "ok" {
        return Err(Error::Corrupt);
    }
    Ok(())
}

/// Upgrades a format-2 store (checked by `verify`) to format 3, in one
/// transaction.
fn upgrade(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(storage_error)?;
    let format: i64 = tx
        .query_row("SELECT value FROM meta WHERE name = 'format'", [], |r| {
            r.get(0)
        })
        .map_err(storage_error)?;
    if format == FORMAT_2 {
        tx.execute_batch(UPGRADE_2_TO_3).map_err(storage_error)?;
    }
    tx.commit().map_err(storage_error)
}
