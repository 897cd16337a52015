//! Sealed object rows: `objects(kind, row name, seal(row key, state))`.

use std::any::{Any, TypeId};
use std::boxed::Box;
use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::{Connection, OptionalExtension};

use super::groups::{self, Rows};
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::{
    Group, IdentityKeyPair, LocationShare, LocationViewer, PrekeyStore, Session, SessionRecord,
    TrustStore,
};

/// An object the store can hold: each kind has its own row kind and is
/// sealed with its own state encoding (`docs/PROTOCOL.md` §7).
pub trait Stored: Sized + 'static {
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
                Ok(self.seal(key, rng)?)
            }
            fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
                Ok(<$t>::open(key, bytes)?)
            }
        }
    )*};
}

stored! {
    IdentityKeyPair = 1,
    PrekeyStore = 2,
    TrustStore = 3,
    Group = groups::KIND_GROUP,
    LocationShare = 6,
    LocationViewer = 7,
}

/// A contact's row holds its [`SessionRecord`] (the current session and the
/// archived ones). Saving a bare [`Session`] there (an app that set one up
/// itself) writes a row of that session alone, which the next encrypt or
/// decrypt reads as a record whose current session it is; loading a
/// [`Session`] gives the record's current session.
const KIND_SESSION: u8 = 4;

impl Stored for SessionRecord {
    const KIND: u8 = KIND_SESSION;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        Ok(self.seal(key, rng)?)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        match SessionRecord::open(key, bytes) {
            Err(sotto::Error::WrongType) => Ok(SessionRecord::from(Session::open(key, bytes)?)),
            other => Ok(other?),
        }
    }
}

impl Stored for Session {
    const KIND: u8 = KIND_SESSION;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        Ok(self.seal(key, rng)?)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        match Session::open(key, bytes) {
            Err(sotto::Error::WrongType) => SessionRecord::open(key, bytes)?
                .into_current()
                .ok_or(Error::NotFound),
            other => Ok(other?),
        }
    }
}

/// The longest name an object is saved under (a contact, group or share id),
/// in bytes; names are 1 to 255 bytes.
pub const MAX_NAME_LEN: usize = 255;

/// The row name of this device's own identity and prekey store: the empty
/// name, which no app name can be.
const DEVICE: &[u8] = b"";

/// Refuses an empty name (this device's own row) and one longer than
/// [`MAX_NAME_LEN`].
pub(super) fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(Error::InvalidName);
    }
    Ok(())
}

/// Loads the object `name` of kind `T` through `conn` (a connection or an
/// open transaction). A group is assembled from its rows.
pub(super) fn load<T: Stored>(conn: &Connection, keys: &Keys, name: &[u8]) -> Result<T> {
    check_name(name)?;
    if TypeId::of::<T>() == TypeId::of::<Group>() {
        let group: Box<dyn Any> = Box::new(groups::load(conn, keys, name, Rows::All)?.group);
        return group
            .downcast::<T>()
            .map(|g| *g)
            .map_err(|_| Error::Core(sotto::Error::Internal));
    }
    load_row(conn, keys, name)
}

/// Writes (inserts or replaces) the object `name` of kind `T`.
pub(super) fn save<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    name: &[u8],
    object: &T,
) -> Result<()> {
    check_name(name)?;
    if let Some(group) = (object as &dyn Any).downcast_ref::<Group>() {
        return groups::save(conn, keys, rng, name, group, Rows::All);
    }
    save_row(conn, keys, rng, name, object)
}

/// Loads a row; one that does not open is [`Error::Corrupt`].
pub(crate) fn load_row<T: Stored>(conn: &Connection, keys: &Keys, name: &[u8]) -> Result<T> {
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
    T::open_with(&keys.row_key(T::KIND, &row), &sealed).map_err(|e| match e {
        Error::NotFound => Error::NotFound,
        _ => Error::Corrupt,
    })
}

/// Every row of kind `T` (a group: its shells), opened. A row that does
/// not open is [`Error::Corrupt`].
pub(super) fn all<T: Stored>(conn: &Connection, keys: &Keys) -> Result<Vec<T>> {
    let mut stmt = conn
        .prepare("SELECT row, state FROM objects WHERE kind = ?1 ORDER BY row")
        .map_err(storage_error)?;
    let rows = stmt
        .query_map([T::KIND], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .map_err(storage_error)?;
    let mut out = Vec::new();
    for row in rows {
        let (row, sealed) = row.map_err(storage_error)?;
        let row: [u8; 32] = row.as_slice().try_into().map_err(|_| Error::Corrupt)?;
        if row == keys.row_name(T::KIND, DEVICE) {
            continue;
        }
        out.push(T::open_with(&keys.row_key(T::KIND, &row), &sealed).map_err(|_| Error::Corrupt)?);
    }
    Ok(out)
}

/// Writes (inserts or replaces) a row.
pub(crate) fn save_row<T: Stored, R: CryptoRng + ?Sized>(
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
    /// Loads an object: `store.load::<Session>(b"bob")`. Missing is
    /// [`Error::NotFound`]. This device's own identity and prekeys are read
    /// with [`Store::device_identity`] and [`Store::device_prekeys`].
    pub fn load<T: Stored>(&self, name: &[u8]) -> Result<T> {
        load(&self.conn, &self.keys, name)
    }

    /// Saves an object under `name` in its own transaction, replacing any
    /// earlier one of the same kind and name. This device's own identity
    /// and prekeys are set with [`Store::set_device`].
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
        check_name(name)?;
        self.transaction(|tx, keys| {
            if TypeId::of::<T>() == TypeId::of::<Group>() {
                // The group's conversation row and due time go with it.
                let conv = keys.row_name(super::conversations::KIND_GROUP, name);
                tx.execute(
                    "DELETE FROM objects WHERE kind = ?1 AND row = ?2",
                    rusqlite::params![super::conversations::KIND_GROUP, &conv[..]],
                )
                .map_err(storage_error)?;
                super::expiry::set_due(tx, keys, super::conversations::KIND_GROUP, name, None)?;
                return groups::remove(tx, keys, name);
            }
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

/// Loads one of this device's own objects; missing is
/// [`Error::NoDeviceIdentity`].
pub(super) fn load_device<T: Stored>(conn: &Connection, keys: &Keys) -> Result<T> {
    load_row(conn, keys, DEVICE).map_err(|e| match e {
        Error::NotFound => Error::NoDeviceIdentity,
        e => e,
    })
}

/// Writes one of this device's own objects (the prekey store, after a
/// first message consumed a one-time prekey).
pub(super) fn save_device<T: Stored, R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    object: &T,
) -> Result<()> {
    save_row(conn, keys, rng, DEVICE, object)
}

/// Refuses prekeys whose signed prekey, or last-resort post-quantum
/// prekey, `identity` did not sign.
fn check_device(identity: &IdentityKeyPair, prekeys: &PrekeyStore) -> Result<()> {
    prekeys
        .signed_prekey()
        .verify(identity.public_key())
        .map_err(|_| Error::DeviceMismatch)?;
    match prekeys.pq_prekey() {
        Some(pq) => pq
            .verify(identity.public_key())
            .map_err(|_| Error::DeviceMismatch),
        None => Ok(()),
    }
}

/// [`sotto::Error::PostQuantumRequired`] if this device's policy requires
/// PQXDH and `bundle` offers no post-quantum prekey; checked before any
/// session starts.
pub(crate) fn check_pq_policy(
    conn: &Connection,
    keys: &Keys,
    bundle: &sotto::PrekeyBundle,
) -> Result<()> {
    let prekeys: PrekeyStore = load_device(conn, keys)?;
    Ok(bundle.check_policy(prekeys.pq_policy())?)
}

impl Store {
    /// Sets this device's identity and prekey store, in one transaction,
    /// replacing any earlier ones. For the same identity again, the prekeys
    /// are reconciled with the saved ones as [`Store::set_device_prekeys`]
    /// does (a copy of them cannot bring used one-time prekeys back, an
    /// outdated one is [`sotto::Error::StalePrekeys`], and the post-quantum
    /// policy is kept). Call it once at registration, before the first
    /// message arrives: [`Store::decrypt`] answers a first message with
    /// them. Prekeys signed by another identity are
    /// [`Error::DeviceMismatch`], and nothing is written.
    pub fn set_device<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        prekeys: &PrekeyStore,
    ) -> Result<()> {
        check_device(identity, prekeys)?;
        self.transaction(|tx, keys| {
            // The account's creation: its first signed prekey's, kept until
            // another identity is set.
            let same = match load_device::<IdentityKeyPair>(tx, keys) {
                Ok(old) => old.public_key() == identity.public_key(),
                Err(Error::NoDeviceIdentity) => false,
                Err(e) => return Err(e),
            };
            if !same {
                let created = i64::try_from(prekeys.signed_prekey().created_at)
                    .map_err(|_| Error::Core(sotto::Error::LimitExceeded))?;
                tx.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('created_at', ?1)",
                    [created],
                )
                .map_err(storage_error)?;
            }
            save_device(tx, keys, rng, identity)?;
            // The same identity again: its prekeys are reconciled with the
            // saved ones as in `set_device_prekeys` (used one-time prekeys
            // stay used, the post-quantum policy is never lowered).
            let saved = match load_device::<PrekeyStore>(tx, keys) {
                Ok(p) if same => Some(p),
                Ok(_) | Err(Error::NoDeviceIdentity | Error::Corrupt) => None,
                Err(e) => return Err(e),
            };
            match saved {
                Some(saved) => {
                    let mut copy = PrekeyStore::from_bytes(&prekeys.to_bytes())?;
                    copy.reconcile(&saved)?;
                    save_device(tx, keys, rng, &copy)
                }
                None => save_device(tx, keys, rng, prekeys),
            }
        })
    }

    /// Replaces this device's prekey store (after a signed-prekey rotation or
    /// new one-time prekeys), reconciled with the saved one in the same
    /// transaction ([`PrekeyStore::reconcile`]): one-time prekeys used since
    /// `prekeys` was copied stay used, accepted first messages stay
    /// remembered, and the post-quantum policy is kept (only
    /// [`Store::set_pq_policy`] changes it), so a stale copy can never let a
    /// first message be accepted twice. Fails with
    /// [`Error::NoDeviceIdentity`] before [`Store::set_device`], with
    /// [`Error::DeviceMismatch`] for prekeys signed by another identity, and
    /// with [`sotto::Error::StalePrekeys`] for a copy older than a rotation
    /// of the saved store (take a fresh copy with [`Store::device_prekeys`]).
    pub fn set_device_prekeys<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        prekeys: &PrekeyStore,
    ) -> Result<()> {
        self.transaction(|tx, keys| {
            let identity = load_device::<IdentityKeyPair>(tx, keys)?;
            check_device(&identity, prekeys)?;
            let saved: PrekeyStore = load_device(tx, keys)?;
            let mut copy = PrekeyStore::from_bytes(&prekeys.to_bytes())?;
            copy.reconcile(&saved)?;
            save_device(tx, keys, rng, &copy)
        })
    }

    /// This device's post-quantum policy: under
    /// [`sotto::PqPolicy::Require`], [`Store::initiate`] and
    /// [`Store::initiate_device`] refuse a bundle without a post-quantum
    /// prekey, and a first message set up without one is refused, both with
    /// [`sotto::Error::PostQuantumRequired`]. Before [`Store::set_device`]
    /// it is [`Error::NoDeviceIdentity`].
    pub fn pq_policy(&self) -> Result<sotto::PqPolicy> {
        Ok(load_device::<PrekeyStore>(&self.conn, &self.keys)?.pq_policy())
    }

    /// Sets this device's post-quantum policy (see [`Store::pq_policy`]).
    pub fn set_pq_policy<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        policy: sotto::PqPolicy,
    ) -> Result<()> {
        self.transaction(|tx, keys| {
            let mut prekeys: PrekeyStore = load_device(tx, keys)?;
            prekeys.set_pq_policy(policy);
            save_device(tx, keys, rng, &prekeys)
        })
    }

    /// This device's identity; [`Error::NoDeviceIdentity`] before
    /// [`Store::set_device`].
    pub fn device_identity(&self) -> Result<IdentityKeyPair> {
        load_device(&self.conn, &self.keys)
    }

    /// This device's prekey store; [`Error::NoDeviceIdentity`] before
    /// [`Store::set_device`].
    pub fn device_prekeys(&self) -> Result<PrekeyStore> {
        load_device(&self.conn, &self.keys)
    }
}
