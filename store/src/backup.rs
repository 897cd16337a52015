//! Backup and restore of what a store can restore safely: this device's
//! identity and prekeys, the trust records, group memberships and every
//! conversation's settings, never a session or a sender key (restoring a
//! ratchet state is a rollback). The state travels inside an encrypted
//! backup ([`sotto::backup`]) in front of the app's own export.
//!
//! ```text
//! state = version u8 = 1 | created_at u64 | policy u8
//!       | identity: len u16 ‖ IdentityKeyPair state
//!       | prekeys:  len u32 ‖ PrekeyStore state
//!       | contacts: count u32 × (len u32 ‖ TrustStore state holding one record)
//!       | groups:   count u32 × (id len u8 ‖ id ‖ member count u16 ‖ members (64 each))
//!       | conversations: count u32 × (kind u8 (11 contact, 12 group) ‖ len u32 ‖ row)
//! every count ≤ MAX_BACKUP_ENTRIES; the whole ≤ sotto::backup::MAX_BACKUP_STATE_LEN
//! ```
//!
//! A restore writes into a new, empty store in one transaction, and then:
//! the one-time prekeys are gone (the server's copies may have been used
//! since the backup) and the signed prekeys are replaced by a new one, with
//! no grace period for the old (a first message accepted since the backup
//! could otherwise be replayed), so the app publishes a new bundle; each group has a fresh sender key of ours and no one
//! else's, so the app sends our distribution to every member and they send
//! theirs again; no contact has a session, so the next message to each
//! starts a new one, which the contact sees as a new session from the same,
//! still trusted identity.
//!
//! An attachment sent in a message, then a backup restored into a new
//! store (the README shows the lines of this example):
//!
//! ```
//! # use sotto::attachment;
//! # use sotto::backup::{BackupKey, BackupSecret};
//! # use sotto::{Content, IdentityKeyPair, PrekeyBundle, PrekeyStore};
//! # use sotto_store::Store;
//! # fn main() -> Result<(), sotto_store::Error> {
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! # let (now, now_ms) = (1_800_000_000, 1_800_000_000_000);
//! # let dir = std::env::temp_dir().join(format!("sotto-backup-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).map_err(|_| sotto_store::Error::StorageFailed)?;
//! # let mut device = |name: &str, key: u8| -> Result<(Store, PrekeyBundle), sotto_store::Error> {
//! #     let mut store = Store::open(dir.join(name), &[key; 32], &mut rng)?;
//! #     let id = IdentityKeyPair::generate(&mut rng);
//! #     let prekeys = PrekeyStore::new(&mut rng, &id, now);
//! #     store.set_device(&mut rng, &id, &prekeys)?;
//! #     let bundle = PrekeyBundle { identity: *id.public_key(), signed_prekey: prekeys.signed_prekey(), one_time_prekey: None, pq_prekey: None };
//! #     Ok((store, bundle))
//! # };
//! # let (mut alice, _) = device("alice.db", 1)?;
//! # let (mut bob, bob_bundle) = device("bob.db", 2)?;
//! # alice.initiate(&mut rng, b"bob", &bob_bundle, now)?;
//! # let video = vec![7u8; 100_000];
//! let (blob, encrypted) = attachment::encrypt(&mut rng, &video)?;  // a fresh key; upload `blob`
//! let descriptor = encrypted.descriptor("video/mp4");              // key, SHA-256, length, type
//! let sent = alice.send(&mut rng, b"bob", &Content::Attachment(descriptor), now_ms)?;
//! let got = bob.receive(&mut rng, b"alice", &sent.outgoing.message, now_ms)?;
//! let Some(Content::Attachment(d)) = got.envelope.map(|e| e.content) else { unreachable!() };
//! let file = attachment::decrypt(&d, &blob)?;                      // length, hash, every chunk checked
//! let mut reader = attachment::open_reader(&d, &blob[..])?;       // or seek: one chunk per read
//! # assert_eq!(&file[..], &video[..]);
//! # let mut middle = [0u8; 16];
//! # reader.read_at(50_000, &mut middle)?;
//!
//! let key = BackupKey::generate(&mut rng);                         // the user writes down key.to_digits()
//! let mut backup = Vec::new();
//! alice.backup(&mut rng, BackupSecret::Key(&key), &mut &b"app history"[..], &mut backup)?;
//! let mut new_phone = Store::open(dir.join("new.db"), &[3u8; 32], &mut rng)?;
//! let typed = BackupKey::from_digits(&key.to_digits())?;
//! let mut history = Vec::new();
//! let restored = new_phone.restore(&mut rng, BackupSecret::Key(&typed), &mut &backup[..], &mut history, now)?;
//! assert_eq!(restored.contacts, vec![b"bob".to_vec()]);           // then: new bundle, distributions, sessions
//! # assert_eq!(history, b"app history");
//! # drop((alice, bob, new_phone));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::conversations::{KIND_CONTACT, KIND_GROUP, Row};
use super::objects;
use super::trust::ContactTrust;
use super::{Keys, Store, storage_error};
use crate::error::{Error, Result};
use sotto::backup::{BackupDecryptor, BackupEncryptor, BackupSecret, MAX_BACKUP_STATE_LEN};
use sotto::{
    Group, IdentityKey, IdentityKeyPair, MAX_GROUP_MEMBERS, PrekeyStore, TrustPolicy, TrustStore,
};

/// The state format this build writes and reads.
pub const BACKUP_STATE_VERSION: u8 = 1;
/// The most contacts, groups or conversations a backup's state lists.
pub const MAX_BACKUP_ENTRIES: u32 = 1_000_000;
/// How much of the app's export (or backup) a call reads or writes at once.
const IO_PIECE: usize = 64 * 1024;

/// What a restore brought back, and what the app does next: publish a new
/// prekey bundle (the signed prekey was rotated, no one-time prekey is
/// left), send each group's distribution to its members, and start a
/// session with each contact.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Restored {
    /// The contacts whose trust records came back.
    pub contacts: Vec<Vec<u8>>,
    /// The groups that came back, each with a fresh sender key of ours.
    pub groups: Vec<Vec<u8>>,
    /// Bytes of the app's export written back.
    pub export_len: u64,
}

fn io_error(_: std::io::Error) -> Error {
    Error::StorageFailed
}

/// Writes the state into a buffer that is never reallocated in place: it
/// grows by copying into a larger one and wiping the old, so no copy of a
/// key is left in freed memory.
struct Writer(Zeroizing<Vec<u8>>);

impl Writer {
    fn reserve(&mut self, n: usize) {
        let need = self.0.len().saturating_add(n);
        if need > self.0.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity(
                need.max(self.0.capacity().saturating_mul(2)),
            ));
            bigger.extend_from_slice(&self.0);
            self.0 = bigger;
        }
    }
    fn u8(&mut self, v: u8) {
        self.reserve(1);
        self.0.push(v);
    }
    fn u16(&mut self, v: usize) -> Result<()> {
        let v = u16::try_from(v).map_err(|_| Error::Core(sotto::Error::LimitExceeded))?;
        self.bytes(&v.to_be_bytes());
        Ok(())
    }
    fn u32(&mut self, v: usize) -> Result<()> {
        let v = u32::try_from(v).map_err(|_| Error::Core(sotto::Error::LimitExceeded))?;
        self.bytes(&v.to_be_bytes());
        Ok(())
    }
    fn bytes(&mut self, b: &[u8]) {
        self.reserve(b.len());
        self.0.extend_from_slice(b);
    }
    fn count(&mut self, n: usize) -> Result<()> {
        if n > MAX_BACKUP_ENTRIES as usize {
            return Err(Error::Core(sotto::Error::LimitExceeded));
        }
        self.u32(n)
    }
}

/// A strict reader: anything off is `Malformed` (the state was
/// authenticated, so only a bug or a crafted file gets here).
struct Reader<'a>(&'a [u8]);

fn malformed() -> Error {
    Error::Core(sotto::Error::Malformed)
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n).ok_or_else(malformed)?;
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| malformed())
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u16(&mut self) -> Result<usize> {
        Ok(usize::from(u16::from_be_bytes(self.array()?)))
    }
    fn u32(&mut self) -> Result<usize> {
        usize::try_from(u32::from_be_bytes(self.array()?)).map_err(|_| malformed())
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn count(&mut self) -> Result<usize> {
        let n = self.u32()?;
        if n > MAX_BACKUP_ENTRIES as usize {
            return Err(Error::Core(sotto::Error::LimitExceeded));
        }
        Ok(n)
    }
}

fn policy_byte(p: TrustPolicy) -> u8 {
    match p {
        TrustPolicy::Block => 1,
        TrustPolicy::Warn => 2,
    }
}

fn policy_from(b: u8) -> Result<TrustPolicy> {
    match b {
        1 => Ok(TrustPolicy::Block),
        2 => Ok(TrustPolicy::Warn),
        _ => Err(malformed()),
    }
}

fn created_at(conn: &Connection) -> Result<u64> {
    use rusqlite::OptionalExtension;
    let v: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'created_at'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(storage_error)?;
    u64::try_from(v.unwrap_or(0)).map_err(|_| Error::Corrupt)
}

/// The restorable state of the store behind `conn`.
fn encode_state(conn: &Connection, keys: &Keys) -> Result<Zeroizing<Vec<u8>>> {
    let identity = objects::load_device::<IdentityKeyPair>(conn, keys)?;
    let prekeys = objects::load_device::<PrekeyStore>(conn, keys)?;
    let policy = super::trust::policy(conn, keys)?;
    let mut w = Writer(Zeroizing::new(Vec::with_capacity(64 * 1024)));
    w.u8(BACKUP_STATE_VERSION);
    w.bytes(&created_at(conn)?.to_be_bytes());
    w.u8(policy_byte(policy));
    let id = identity.to_bytes();
    w.u16(id.len())?;
    w.bytes(&id);
    let pk = prekeys.to_bytes();
    w.u32(pk.len())?;
    w.bytes(&pk);
    let contacts = objects::all::<ContactTrust>(conn, keys)?;
    w.count(contacts.len())?;
    for ContactTrust(t) in &contacts {
        let b = t.to_bytes();
        w.u32(b.len())?;
        w.bytes(&b);
    }
    let groups = objects::all::<Group>(conn, keys)?;
    w.count(groups.len())?;
    for g in &groups {
        w.u8(u8::try_from(g.id().len()).map_err(|_| Error::Corrupt)?);
        w.bytes(g.id());
        let members: Vec<&IdentityKey> = g.members().collect();
        w.u16(members.len())?;
        for m in members {
            w.bytes(&m.to_bytes());
        }
    }
    let contact_rows = objects::all::<Row<KIND_CONTACT>>(conn, keys)?;
    let group_rows = objects::all::<Row<KIND_GROUP>>(conn, keys)?;
    w.count(contact_rows.len().saturating_add(group_rows.len()))?;
    for row in &contact_rows {
        let b = row.encode()?;
        w.u8(KIND_CONTACT);
        w.u32(b.len())?;
        w.bytes(&b);
    }
    for row in &group_rows {
        let b = row.encode()?;
        w.u8(KIND_GROUP);
        w.u32(b.len())?;
        w.bytes(&b);
    }
    if w.0.len() > MAX_BACKUP_STATE_LEN {
        return Err(Error::Core(sotto::Error::LimitExceeded));
    }
    Ok(w.0)
}

/// `NotEmpty` unless the store behind `conn` holds no object: a restore
/// never writes over a store in use.
fn check_empty(conn: &Connection) -> Result<()> {
    let any: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM objects)", [], |r| r.get(0))
        .map_err(storage_error)?;
    if any { Err(Error::NotEmpty) } else { Ok(()) }
}

/// A decoded state, checked whole before anything is written.
struct State {
    created_at: u64,
    policy: TrustPolicy,
    identity: IdentityKeyPair,
    prekeys: PrekeyStore,
    contacts: Vec<(Vec<u8>, TrustStore)>,
    groups: Vec<(Vec<u8>, Vec<IdentityKey>)>,
    contact_rows: Vec<Row<KIND_CONTACT>>,
    group_rows: Vec<Row<KIND_GROUP>>,
}

fn decode_state(bytes: &[u8]) -> Result<State> {
    let mut r = Reader(bytes);
    if r.u8()? != BACKUP_STATE_VERSION {
        return Err(Error::Core(sotto::Error::UnsupportedVersion));
    }
    let created_at = r.u64()?;
    let policy = policy_from(r.u8()?)?;
    let n = r.u16()?;
    let identity = IdentityKeyPair::from_bytes(r.take(n)?)?;
    let n = r.u32()?;
    let prekeys = PrekeyStore::from_bytes(r.take(n)?)?;
    prekeys
        .signed_prekey()
        .verify(identity.public_key())
        .map_err(|_| Error::DeviceMismatch)?;
    let count = r.count()?;
    let mut contacts = Vec::with_capacity(count.min(r.0.len() / 8));
    let mut seen = BTreeSet::new();
    for _ in 0..count {
        let n = r.u32()?;
        let t = TrustStore::from_bytes(r.take(n)?)?;
        let name = {
            let mut records = t.records();
            let (name, _) = records.next().ok_or_else(malformed)?;
            if records.next().is_some() {
                return Err(malformed());
            }
            name.to_vec()
        };
        objects::check_name(&name)?;
        if !seen.insert(name.clone()) {
            return Err(malformed());
        }
        contacts.push((name, t));
    }
    let count = r.count()?;
    let mut groups = Vec::with_capacity(count.min(r.0.len() / 4));
    let mut seen_groups = BTreeSet::new();
    for _ in 0..count {
        let n = usize::from(r.u8()?);
        let id = r.take(n)?.to_vec();
        objects::check_name(&id)?;
        let m = r.u16()?;
        if m > MAX_GROUP_MEMBERS {
            return Err(Error::Core(sotto::Error::LimitExceeded));
        }
        let mut members = Vec::with_capacity(m);
        for _ in 0..m {
            members.push(IdentityKey::from_bytes(r.take(64)?)?);
        }
        if !seen_groups.insert(id.clone()) {
            return Err(malformed());
        }
        groups.push((id, members));
    }
    let count = r.count()?;
    let mut contact_rows = Vec::new();
    let mut group_rows = Vec::new();
    for _ in 0..count {
        let kind = r.u8()?;
        let n = r.u32()?;
        let b = r.take(n)?;
        match kind {
            KIND_CONTACT => {
                contact_rows.push(Row::<KIND_CONTACT>::decode(b).map_err(|_| malformed())?)
            }
            KIND_GROUP => group_rows.push(Row::<KIND_GROUP>::decode(b).map_err(|_| malformed())?),
            _ => return Err(malformed()),
        }
    }
    if !r.0.is_empty() {
        return Err(malformed());
    }
    Ok(State {
        created_at,
        policy,
        identity,
        prekeys,
        contacts,
        groups,
        contact_rows,
        group_rows,
    })
}

impl Store {
    /// The store's restorable state (see the module's documentation), to
    /// put in a backup with [`sotto::backup::BackupEncryptor`]. Most apps
    /// call [`Store::backup`], which does that too.
    pub fn backup_state(&self) -> Result<Zeroizing<Vec<u8>>> {
        encode_state(&self.conn, &self.keys)
    }

    /// Writes an encrypted backup to `out`: the store's restorable state,
    /// then everything `export` reads (the app's own data: message history,
    /// settings), under `secret`. Returns the backup's length. A failed read
    /// or write is [`Error::StorageFailed`].
    pub fn backup<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        secret: BackupSecret<'_>,
        export: &mut dyn Read,
        out: &mut dyn Write,
    ) -> Result<u64> {
        let state = self.backup_state()?;
        let mut e = BackupEncryptor::new(rng, secret, &state)?;
        let mut input = Zeroizing::new(vec![0u8; IO_PIECE]);
        let mut buf = Vec::new();
        let mut total = 0u64;
        loop {
            let n = export.read(&mut input).map_err(io_error)?;
            let piece = input.get(..n).ok_or(Error::Core(sotto::Error::Internal))?;
            let len = if n == 0 {
                e.finish_len()
            } else {
                e.update_len(n)
                    .ok_or(Error::Core(sotto::Error::LimitExceeded))?
            };
            buf.resize(len, 0);
            let m = if n == 0 {
                e.finish(&mut buf)?
            } else {
                e.update(piece, &mut buf)?
            };
            out.write_all(buf.get(..m).ok_or(Error::Core(sotto::Error::Internal))?)
                .map_err(io_error)?;
            total = total.saturating_add(m as u64);
            if n == 0 {
                break;
            }
        }
        out.flush().map_err(io_error)?;
        Ok(total)
    }

    /// Restores a backup read from `backup` into this store, which must be
    /// new ([`Error::NotEmpty`] otherwise, and nothing is written): the
    /// app's export goes to `export` as it is authenticated, and the state
    /// is written only once the whole backup is. On an error, discard what
    /// `export` received. A wrong key or password is
    /// `Core(WrongKey)` before anything is written anywhere.
    pub fn restore<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        secret: BackupSecret<'_>,
        backup: &mut dyn Read,
        export: &mut dyn Write,
        now: u64,
    ) -> Result<Restored> {
        check_empty(&self.conn)?;
        let mut d = BackupDecryptor::new(secret)?;
        let mut input = vec![0u8; IO_PIECE];
        // Sized once for the largest output of a piece: never reallocated
        // with the app's export in it.
        let mut buf = Zeroizing::new(Vec::with_capacity(
            IO_PIECE.saturating_add(2 * sotto::chunked::CHUNK_LEN),
        ));
        let mut export_len = 0u64;
        let state = loop {
            let n = backup.read(&mut input).map_err(io_error)?;
            if n == 0 {
                buf.resize(d.finish_len(), 0);
                let (m, state) = d.finish(&mut buf)?;
                export
                    .write_all(buf.get(..m).ok_or(Error::Core(sotto::Error::Internal))?)
                    .map_err(io_error)?;
                export_len = export_len.saturating_add(m as u64);
                break state;
            }
            let piece = input.get(..n).ok_or(Error::Core(sotto::Error::Internal))?;
            buf.resize(
                d.update_len(n)
                    .ok_or(Error::Core(sotto::Error::LimitExceeded))?,
                0,
            );
            let m = d.update(piece, &mut buf)?;
            export
                .write_all(buf.get(..m).ok_or(Error::Core(sotto::Error::Internal))?)
                .map_err(io_error)?;
            export_len = export_len.saturating_add(m as u64);
        };
        export.flush().map_err(io_error)?;
        let mut restored = self.restore_state(rng, &state, now)?;
        restored.export_len = export_len;
        Ok(restored)
    }

    /// Restores a state from [`Store::backup_state`] (taken from a backup
    /// that [`sotto::backup::BackupDecryptor`] authenticated whole) into
    /// this new store, in one transaction; see [`Store::restore`].
    pub fn restore_state<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        state: &[u8],
        now: u64,
    ) -> Result<Restored> {
        let s = decode_state(state)?;
        let mut prekeys = s.prekeys;
        // Nothing of the backup's prekeys may accept a first message again:
        // one accepted since the backup would be replayable (the restored
        // list of accepted base keys predates it).
        prekeys.clear_one_time_prekeys();
        prekeys.rotate_signed_prekey(rng, &s.identity, now)?;
        prekeys.retire_previous_signed_prekey();
        let restored = Restored {
            contacts: s.contacts.iter().map(|(n, _)| n.clone()).collect(),
            groups: s.groups.iter().map(|(g, _)| g.clone()).collect(),
            export_len: 0,
        };
        self.transaction(|tx, keys| {
            check_empty(tx)?;
            let created = i64::try_from(s.created_at).map_err(|_| malformed())?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('created_at', ?1)",
                [created],
            )
            .map_err(storage_error)?;
            objects::save_device(tx, keys, rng, &s.identity)?;
            objects::save_device(tx, keys, rng, &prekeys)?;
            super::trust::set_policy(tx, keys, rng, s.policy)?;
            for (name, trust) in &s.contacts {
                super::trust::save(tx, keys, rng, name, trust)?;
            }
            for (id, members) in &s.groups {
                let group = Group::new(rng, &s.identity, id, members)?;
                super::groups::save(tx, keys, rng, id, &group, super::groups::Rows::All)?;
            }
            for row in &s.contact_rows {
                super::conversations::save(tx, keys, rng, row)?;
            }
            for row in &s.group_rows {
                super::conversations::save(tx, keys, rng, row)?;
            }
            Ok(())
        })?;
        Ok(restored)
    }
}
