//! A crash-safe store on SQLite: every object of the SDK
//! encrypted at rest under the host's key, and the main job (encrypt,
//! decrypt) as single transactions.
//!
//! ```text
//! k_names = HKDF(salt = 0^32, ikm = host key, info = "sotto v1 store names", 32)
//! k_rows  = HKDF(salt = 0^32, ikm = host key, info = "sotto v1 store rows", 32)
//! k_inbox = HKDF(salt = 0^32, ikm = host key, info = "sotto v1 store inbox", 32)
//! k_check = HKDF(salt = 0^32, ikm = host key, info = "sotto v1 store check", 32)
//! row name(kind, name) = HMAC(k_names, kind ‖ name)        no contact or group id is stored
//! row key(kind, row)   = HMAC(k_rows, kind ‖ row name)      each object sealed under its row's key
//! group rows           = the group's shell under its id, each member's sender keys under
//!                        id ‖ member identity (kind 9): a group decrypt rewrites one member
//! message digest       = HMAC(k_names, 0xFF ‖ row name ‖ message)
//! inbox entry          = nonce ‖ AES-256-GCM-SIV(k_inbox, nonce, plaintext, row name)
//! key check            = the state seal of "sotto v1 store" under k_check
//! ```
//!
//! A decrypt runs in one `BEGIN IMMEDIATE` transaction: the message digest
//! is checked against the processed records, the session loaded, the message
//! decrypted, and the new session, the processed record and the plaintext (in
//! the inbox, until the app acknowledges it) are committed together. An
//! encrypt commits the new session and the message (in the outbox, until the
//! app acknowledges that it was sent) before the message is returned. So a
//! crash at any point never reuses a message key, never loses a session and
//! never decrypts a message twice, and threads or processes sharing a store
//! file are serialized by SQLite's write lock. See [`Durability`] for what a
//! commit survives.
//!
//! ```
//! use sotto_store::Store;
//! use sotto::{IdentityKeyPair, IdentityStatus, PrekeyBundle, PrekeyStore};
//!
//! # fn main() -> Result<(), sotto_store::Error> {
//! let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! let now = 1_800_000_000;
//! let dir = std::env::temp_dir().join(format!("sotto-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).map_err(|_| sotto_store::Error::StorageFailed)?;
//!
//! // Bob's device: identity and prekeys in his store.
//! let mut bob = Store::open(dir.join("bob.db"), &[2u8; 32], &mut rng)?;
//! let bob_id = IdentityKeyPair::generate(&mut rng);
//! let prekeys = PrekeyStore::new(&mut rng, &bob_id, now);
//! let bundle = PrekeyBundle {
//!     identity: *bob_id.public_key(),
//!     signed_prekey: prekeys.signed_prekey(),
//!     one_time_prekey: None,
//!     pq_prekey: prekeys.pq_prekey(),
//! };
//! bob.set_device(&mut rng, &bob_id, &prekeys)?;
//!
//! // Alice's device: a session to Bob from his bundle, under her trust records.
//! let mut alice = Store::open(dir.join("alice.db"), &[1u8; 32], &mut rng)?;
//! let alice_id = IdentityKeyPair::generate(&mut rng);
//! let alice_prekeys = PrekeyStore::new(&mut rng, &alice_id, now);
//! alice.set_device(&mut rng, &alice_id, &alice_prekeys)?;
//! assert_eq!(alice.initiate(&mut rng, b"bob", &bundle, now)?, IdentityStatus::New);
//!
//! let out = alice.encrypt(&mut rng, b"bob", b"Hi Bob")?; // committed, then returned
//! alice.ack_outgoing(out.id)?; // once sent
//! let got = bob.decrypt(&mut rng, b"alice", &out.message, now)?;
//! assert_eq!(&got.plaintext[..], b"Hi Bob");
//! assert_eq!(got.sender, Some(*alice_id.public_key())); // who it is really from
//! bob.ack_incoming(got.id)?; // once shown
//! # drop((alice, bob));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```

mod backup;
mod content;
mod conversations;
mod devices;
mod error;
mod expiry;
mod groups;
mod json;
mod mailbox;
mod objects;
mod report;
mod schema;
mod sealed_sender;
mod secret;
mod traffic;
mod trust;

use std::path::Path;
use std::time::Duration;

use rand_core::CryptoRng;
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use zeroize::Zeroizing;

use crate::secret::Secret32;
pub use error::{Error, Result};
use sotto::crypto;

pub use backup::{BACKUP_STATE_VERSION, MAX_BACKUP_ENTRIES, Restored};
pub use content::Sent;
pub use conversations::{Conversation, IdentityChange, MAX_RECORDED_CHANGES};
pub use devices::{DeviceSent, DeviceUpdate, MAX_DEVICE_CHANGES, RecordedDeviceChange};
pub use expiry::Purged;
pub use mailbox::{DeviceAddress, Incoming, Outgoing};
pub use objects::{MAX_NAME_LEN, Stored};
pub use report::REPORT_VERSION;
pub use traffic::{MAX_PROCESSED, PROCESSED_PRUNE_BATCH};

/// How long a writer waits for another thread or process to release the
/// store before failing with [`Error::Busy`].
pub const STORE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// HKDF labels of the store's keys.
const LABEL_NAMES: &[u8] = b"sotto v1 store names";
const LABEL_ROWS: &[u8] = b"sotto v1 store rows";
const LABEL_INBOX: &[u8] = b"sotto v1 store inbox";
const LABEL_CHECK: &[u8] = b"sotto v1 store check";

/// What a committed transaction survives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// The default. Every commit is flushed to the device before it returns
    /// (`synchronous = FULL` in WAL mode): it survives a killed process and a
    /// power loss, so a message key is never reused even after the machine
    /// loses power right after sending.
    #[default]
    Full,
    /// Commits reach the operating system before they return and the device
    /// at checkpoints (`synchronous = NORMAL`): a killed or crashed process
    /// loses nothing, but a power loss or OS crash may roll back the last
    /// commits, and a message sent after one of them could then be followed
    /// by another under the same key. For apps that accept that to save a
    /// flush per message.
    Normal,
}

/// The store's keys, derived from the host's key; wiped on drop.
struct Keys {
    names: Secret32,
    rows: Secret32,
    inbox: Secret32,
}

impl Keys {
    fn derive(host: &[u8; 32]) -> (Self, Secret32) {
        let k = |label: &[u8]| {
            let mut out = Zeroizing::new([0u8; 32]);
            // 32 bytes is far below HKDF's limit: cannot fail.
            let _ = crypto::hkdf_sha256(&[0u8; 32], host, label, out.as_mut_slice());
            Secret32::new(*out)
        };
        (
            Keys {
                names: k(LABEL_NAMES),
                rows: k(LABEL_ROWS),
                inbox: k(LABEL_INBOX),
            },
            k(LABEL_CHECK),
        )
    }

    fn row_name(&self, kind: u8, name: &[u8]) -> [u8; 32] {
        crypto::hmac_sha256_parts(self.names.expose(), &[&[kind], name])
    }

    fn row_key(&self, kind: u8, row: &[u8; 32]) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(crypto::hmac_sha256_parts(
            self.rows.expose(),
            &[&[kind], row],
        ))
    }

    fn message_digest(&self, row: &[u8; 32], message: &[u8]) -> [u8; 32] {
        crypto::hmac_sha256_parts(self.names.expose(), &[&[0xFF], row, message])
    }
}

/// A store file holding one device's identity, prekeys, trust records,
/// sessions, groups and location shares, encrypted under the host's key.
pub struct Store {
    conn: Connection,
    keys: Keys,
    durability: Durability,
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store at `path`, creating it if the file does not exist or
    /// is empty, with [`Durability::Full`].
    ///
    /// A file created under another key is [`Error::KeyMismatch`]; a
    /// file that is not a store, or is damaged, is [`Error::Corrupt`]. In
    /// both cases nothing is written.
    pub fn open<R: CryptoRng + ?Sized>(
        path: impl AsRef<Path>,
        key: &[u8; 32],
        rng: &mut R,
    ) -> Result<Store> {
        Self::open_with(path, key, Durability::default(), rng)
    }

    /// [`Store::open`] with an explicit [`Durability`].
    pub fn open_with<R: CryptoRng + ?Sized>(
        path: impl AsRef<Path>,
        key: &[u8; 32],
        durability: Durability,
        rng: &mut R,
    ) -> Result<Store> {
        let conn = Connection::open(path).map_err(storage_error)?;
        conn.busy_timeout(STORE_BUSY_TIMEOUT)
            .map_err(storage_error)?;
        let (keys, check) = Keys::derive(key);
        let mut store = Store {
            conn,
            keys,
            durability,
        };
        schema::open(&mut store.conn, &check, durability, rng)?;
        Ok(store)
    }

    /// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if `f`
    /// succeeds, rolled back otherwise.
    fn transaction<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Keys) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage_error)?;
        let out = f(&tx, &self.keys)?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ('generation', 1) \
             ON CONFLICT (name) DO UPDATE SET value = value + 1",
            [],
        )
        .map_err(storage_error)?;
        tx.commit().map_err(storage_error)?;
        Ok(out)
    }

    /// Copies the committed pages into the database file and truncates the
    /// write-ahead log, so that what earlier commits deleted or replaced (an
    /// acknowledged entry, a superseded session state) is in neither file:
    /// `secure_delete` has zeroed it in the pages, and the log that held
    /// older copies of those pages is emptied. It runs after every
    /// acknowledgement, every location decrypt (which has none) and when
    /// the store closes: the state an encrypt or decrypt supersedes is
    /// erased at the acknowledgement of its message, before which the
    /// message itself is in the outbox or inbox anyway. Best effort: while
    /// another connection reads, part of the log stays until the next one.
    pub(crate) fn erase_superseded(&self) {
        // A busy checkpoint is not an error: the next one finishes the job.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }

    /// How many transactions this store file has committed. It only grows,
    /// so an app that keeps the latest value somewhere the file's backups
    /// and copies do not reach (the platform keychain, with a
    /// this-device-only setting) detects a store restored from an older copy
    /// when it opens it and reads a smaller number: messages sent from a
    /// rolled-back store are safe (the message AEAD is misuse-resistant),
    /// but it accepts again messages it had already decrypted.
    pub fn generation(&self) -> Result<u64> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE name = 'generation'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(storage_error)?;
        u64::try_from(n.unwrap_or(0)).map_err(|_| Error::Corrupt)
    }
}

impl Store {
    /// Runs an acknowledgement: committed without a flush of its own (losing
    /// one to a power loss means a message is offered again: the receiver
    /// answers `Duplicate`, the app sees an inbox id it already has, never
    /// a lost or repeated key), then checkpointed so that the entry and the
    /// states superseded since the last checkpoint leave the files.
    fn lazy_transaction(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Keys) -> Result<()>,
    ) -> Result<()> {
        if self.durability == Durability::Full {
            self.conn
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(storage_error)?;
        }
        let out = self.transaction(f);
        if self.durability == Durability::Full {
            self.conn
                .pragma_update(None, "synchronous", "FULL")
                .map_err(storage_error)?;
        }
        self.erase_superseded();
        out
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.erase_superseded();
    }
}

/// Maps SQLite's errors onto the SDK's.
pub(crate) fn storage_error(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Error::Corrupt,
        _ => Error::StorageFailed,
    }
}
