//! Sealed object rows: `objects(kind, row name, seal(row key, state))`.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::{Connection, OptionalExtension};

use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use crate::{
    Group, IdentityKeyPair, LocationShare, LocationViewer, PrekeyStore, Session, TrustStore,
};

/// An object the store can hold: each kind has its own row kind and is
/// sealed with its own state encoding (`docs/PROTOCOL.md` §7).
pub trait Stored: Sized {
    /// The row kind.
    const KIND: u8;
    /// The sealed state encoding under `key`.
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>>;
    /// Opens a sealed state encoding.
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self>;
}

macro_rules! stored {
    ($($t:ty = $kind:expr),* $(,)?) => {$(
        impl Stored for $t {
            const KIND: u8 = $kind;
            fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
                self.seal(key, rng)
            }
            fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
                <$t>::open(key, bytes)
            }
        }
    )*};
}

stored! {
    IdentityKeyPair = 1,
    PrekeyStore = 2,
    TrustStore = 3,
    Session = 4,
    Group = 5,
    LocationShare = 6,
    LocationViewer = 7,
}

/// Loads the object `name` of kind `T` through `conn` (a connection or an
/// open transaction). A row that does not open is `StoreCorrupt`.
pub(super) fn load<T: Stored>(conn: &Connection, keys: &Keys, name: &[u8]) -> Result<T> {
    let row = keys.row_name(T::KIND, name);
    let sealed: Option<Vec<u8>> = conn
        .query_row(
            "SELECT state FROM objects WHERE kind = ?1 AND row = ?2",
            rusqlite::params![T::KIND, &row[..]],
            |r| r.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    let sealed = sealed.ok_or(Error::NotFound)?;
    T::open_with(&keys.row_key(T::KIND, &row), &sealed).map_err(|_| Error::StoreCorrupt)
}

/// Writes (inserts or replaces) the object `name` of kind `T`.
pub(super) fn save<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    object: &T,
) -> Result<()> {
    let row = keys.row_name(T::KIND, name);
    let sealed = object.seal_with(&keys.row_key(T::KIND, &row), rng)?;
    conn.execute(
        "INSERT OR REPLACE INTO objects (kind, row, state) VALUES (?1, ?2, ?3)",
        rusqlite::params![T::KIND, &row[..], sealed],
    )
    .map_err(storage_error)?;
    Ok(())
}

impl Store {
    /// Loads an object: `store.load::<Session>(b"bob")`. The identity, prekey
    /// store and trust store are saved under the empty name by convention.
    /// Missing is [`Error::NotFound`].
    pub fn load<T: Stored>(&self, name: &[u8]) -> Result<T> {
        load(&self.conn, &self.keys, name)
    }

    /// Saves an object under `name` in its own transaction, replacing any
    /// earlier one of the same kind and name.
    pub fn save<T: Stored, R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        name: &[u8],
        object: &T,
    ) -> Result<()> {
        self.transaction(|tx, keys| save(tx, keys, rng, name, object))
    }

    /// Deletes the object `name` of kind `T`; deleting a missing one is not an
    /// error.
    pub fn delete<T: Stored>(&mut self, name: &[u8]) -> Result<()> {
        self.transaction(|tx, keys| {
            let row = keys.row_name(T::KIND, name);
            tx.execute(
                "DELETE FROM objects WHERE kind = ?1 AND row = ?2",
                rusqlite::params![T::KIND, &row[..]],
            )
            .map_err(storage_error)?;
            Ok(())
        })
    }
}
