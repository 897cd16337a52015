//! Groups in rows: the group's own row holds its shell (members and our
//! own sender key) and each member's sender keys have a row of their own,
//! so a group decrypt rewrites one member's keys, whatever the group's size
//! and whatever any other member sent.
//!
//! ```text
//! group row  (kind 5, name = group id)              = seal(row key, group shell)
//! member row (kind 9, name = group id ‖ identity)   = seal(row key, member state)
//! ```
//!
//! A group saved before member rows existed (keys in its own row) is read
//! as it is and split at its next full save or decrypt.

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::{Connection, OptionalExtension};

use super::{Keys, storage_error};
use crate::error::{Error, Result};
use sotto::{Group, IdentityKey};

/// The row kind of a group's shell (as `Group`'s `Stored::KIND`).
pub(crate) const KIND_GROUP: u8 = 5;
/// The row kind of one member's sender keys.
const KIND_MEMBER: u8 = 9;

/// Which rows of a group a call reads or writes.
#[derive(Clone, Copy)]
pub(crate) enum Rows<'a> {
    /// The shell and every member's keys.
    All,
    /// The shell alone (encrypting needs only our own sender key).
    Shell,
    /// The shell, read, and one member's keys, read and written.
    Member(&'a IdentityKey),
}

fn member_row(keys: &Keys, group: &[u8], member: &IdentityKey) -> [u8; 32] {
    let mut name = Vec::with_capacity(group.len().saturating_add(64));
    name.extend_from_slice(group);
    name.extend_from_slice(&member.to_bytes());
    keys.row_name(KIND_MEMBER, &name)
}

fn select(conn: &Connection, kind: u8, row: &[u8; 32]) -> Result<Option<Vec<u8>>> {
    conn.query_row(
        "SELECT state FROM objects WHERE kind = ?1 AND row = ?2",
        rusqlite::params![kind, &row[..]],
        |r| r.get(0),
    )
    .optional()
    .map_err(storage_error)
}

fn delete(conn: &Connection, kind: u8, row: &[u8; 32]) -> Result<()> {
    conn.execute(
        "DELETE FROM objects WHERE kind = ?1 AND row = ?2",
        rusqlite::params![kind, &row[..]],
    )
    .map_err(storage_error)?;
    Ok(())
}

fn write(conn: &Connection, kind: u8, row: &[u8; 32], sealed: Vec<u8>) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO objects (kind, row, state) VALUES (?1, ?2, ?3)",
        rusqlite::params![kind, &row[..], sealed],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// The group's shell, if saved.
fn load_shell(conn: &Connection, keys: &Keys, name: &[u8]) -> Result<Option<Group>> {
    let row = keys.row_name(KIND_GROUP, name);
    let Some(sealed) = select(conn, KIND_GROUP, &row)? else {
        return Ok(None);
    };
    Group::open(&keys.row_key(KIND_GROUP, &row), &sealed)
        .map(Some)
        .map_err(|_| Error::Corrupt)
}

/// A loaded group, and the rows to write it back to: all of them for a
/// group saved before member rows existed (its keys are in its own row).
pub(crate) struct Loaded<'a> {
    pub(crate) group: Group,
    pub(crate) rows: Rows<'a>,
}

/// Loads the group `name` with the member keys `rows` asks for.
pub(crate) fn load<'a>(
    conn: &Connection,
    keys: &Keys,
    name: &[u8],
    rows: Rows<'a>,
) -> Result<Loaded<'a>> {
    super::objects::check_name(name)?;
    let mut group = load_shell(conn, keys, name)?.ok_or(Error::NotFound)?;
    let rows_back = if group.has_member_keys() {
        Rows::All
    } else {
        rows
    };
    let members: Vec<IdentityKey> = match rows {
        Rows::All => group.members().copied().collect(),
        Rows::Shell => Vec::new(),
        Rows::Member(m) => group.members().filter(|x| *x == m).copied().collect(),
    };
    for m in &members {
        let row = member_row(keys, name, m);
        if let Some(sealed) = select(conn, KIND_MEMBER, &row)? {
            let got = group
                .open_member_state(&keys.row_key(KIND_MEMBER, &row), &sealed)
                .map_err(|_| Error::Corrupt)?;
            if got != *m {
                return Err(Error::Corrupt);
            }
        }
    }
    Ok(Loaded {
        group,
        rows: rows_back,
    })
}

/// Writes the rows of `group` that `rows` names. A full save also deletes
/// the rows of members no longer in the group.
pub(crate) fn save<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    group: &Group,
    rows: Rows<'_>,
) -> Result<()> {
    super::objects::check_name(name)?;
    let members: Vec<IdentityKey> = match rows {
        Rows::All => {
            if let Some(old) = load_shell(conn, keys, name)? {
                for gone in old.members().filter(|m| !group.is_member(m)) {
                    delete(conn, KIND_MEMBER, &member_row(keys, name, gone))?;
                }
            }
            group.members().copied().collect()
        }
        Rows::Shell => Vec::new(),
        Rows::Member(m) => vec![*m],
    };
    if !matches!(rows, Rows::Member(_)) {
        let row = keys.row_name(KIND_GROUP, name);
        write(
            conn,
            KIND_GROUP,
            &row,
            group.seal_shell(&keys.row_key(KIND_GROUP, &row), rng)?,
        )?;
    }
    for m in &members {
        let row = member_row(keys, name, m);
        match group.seal_member_state(m, &keys.row_key(KIND_MEMBER, &row), rng) {
            Some(sealed) => write(conn, KIND_MEMBER, &row, sealed?)?,
            None => delete(conn, KIND_MEMBER, &row)?,
        }
    }
    Ok(())
}

/// Deletes the group `name` and its members' rows.
pub(crate) fn remove(conn: &Connection, keys: &Keys, name: &[u8]) -> Result<()> {
    if let Some(old) = load_shell(conn, keys, name)? {
        for m in old.members() {
            delete(conn, KIND_MEMBER, &member_row(keys, name, m))?;
        }
    }
    delete(conn, KIND_GROUP, &keys.row_name(KIND_GROUP, name))
}
