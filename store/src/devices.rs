//! Multi-device accounts in the store: each user's verified device list,
//! one session per device, fan-out and the changes a new list brings.
//!
//! ```text
//! devices row (kind 13, name = user; our own account's also under the empty name):
//!   nonce ‖ AES-256-GCM-SIV(row key, nonce, "sotto v1 devices",
//!     0x01 | user len u8 | user | account (64) | version u64 | issued_at u64
//!     | count u8 (≤ MAX_DEVICES) × device | change count u8 (≤ MAX_DEVICE_CHANGES)
//!     × (added u8 | device | at u64))
//!   device = index u32 | identity (64) | kind u8 | added_at u64
//! device session row (kind 14, name = user ‖ index u32) = the device's SessionRecord, sealed
//!
//! set_devices(user, list, records): verify (sotto::devices::verify_devices, the last
//!   version kept for this account as the floor; the same version must be the same list);
//!   trust observes the account key (a new account key is an identity change under the
//!   policy); for each device that left: delete its session, remove it from every group
//!   (our sender key rotates); for each device that joined: add it to every group holding
//!   another device of the account; a changed code unverifies the contact; COMMIT
//! send_to_user: the trusted account's list, not stale; one session per device (ours excluded),
//!   each pinned to the device's identity; one outbox entry per device
//! receive_from_device(user, index): the device must be on the list; its session only
//! ```
//!
//! ```
//! use sotto::devices::{AccountSignedRecord, DeviceKind, DeviceList, LinkingRequest, answer_link};
//! use sotto::{Content, IdentityKeyPair, PrekeyBundle, PrekeyStore};
//! use sotto_store::Store;
//!
//! # fn main() -> Result<(), sotto_store::Error> {
//! # let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
//! # let (now_ms, now) = (1_800_000_000_000, 1_800_000_000);
//! # let dir = std::env::temp_dir().join(format!("sotto-devices-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).map_err(|_| sotto_store::Error::StorageFailed)?;
//! # let mut device = |name: &str, rng: &mut _| -> Result<(Store, IdentityKeyPair, PrekeyBundle), sotto_store::Error> {
//! #     let mut store = Store::open(dir.join(name), &[7u8; 32], rng)?;
//! #     let id = IdentityKeyPair::generate(rng);
//! #     let prekeys = PrekeyStore::new(rng, &id, now);
//! #     let bundle = PrekeyBundle { identity: *id.public_key(), signed_prekey: prekeys.signed_prekey(), one_time_prekey: None, pq_prekey: None };
//! #     store.set_device(rng, &id, &prekeys)?;
//! #     Ok((store, id, bundle))
//! # };
//! # let (_, alice_id, phone_bundle) = device("phone.db", &mut rng)?;
//! # let (mut laptop, laptop_id, laptop_bundle) = device("laptop.db", &mut rng)?;
//! # let (mut bob, bob_id, _) = device("bob.db", &mut rng)?;
//! # let phone_record = AccountSignedRecord::sign(&alice_id, alice_id.public_key(), 0, now, DeviceKind::Primary)?.countersign(&alice_id)?;
//! # let bob_record = AccountSignedRecord::sign(&bob_id, bob_id.public_key(), 0, now, DeviceKind::Primary)?.countersign(&bob_id)?.to_bytes();
//! # let bob_list = DeviceList::sign(&bob_id, 1, now, &[(0, *bob_id.public_key())])?.to_bytes()?;
//! # laptop.set_devices(&mut rng, b"bob", &bob_list, &[&bob_record], now)?;
//! # let bundle_of = |index: u32| if index == 0 { phone_bundle.clone() } else { laptop_bundle.clone() };
//! // Alice's laptop shows a QR code; her phone (the account key) answers; the laptop countersigns.
//! let (mut request, qr) = LinkingRequest::new(&mut rng, &laptop_id);
//! let answer = answer_link(&alice_id, &qr, 1, now, DeviceKind::Companion)?;
//! let laptop_record = request.accept(&laptop_id, &answer, Some(alice_id.public_key()))?;
//! let devices = [(0, *alice_id.public_key()), (1, *laptop_id.public_key())];
//! let list = DeviceList::sign(&alice_id, 1, now, &devices)?.to_bytes()?;
//! let records = [phone_record.to_bytes(), laptop_record.to_bytes()];
//!
//! // Bob takes Alice's list: his security code for her changed, and he is told.
//! let update = bob.set_devices(&mut rng, b"alice", &list, &[&records[0], &records[1]], now)?;
//! assert!(update.code_changed && !bob.is_hosted(b"alice")?);
//! for (user, index) in bob.devices_without_session(b"alice")? {
//!     bob.initiate_device(&mut rng, &user, index, &bundle_of(index), now)?; // bundles from the server
//! }
//!
//! // One send, one message per device, each saying where it goes.
//! let sent = bob.send_to_user(&mut rng, b"alice", &Content::text("Hi, both of you"), now_ms)?;
//! assert_eq!(sent.outgoing.len(), 2);
//! let to_laptop = sent.outgoing.iter().find(|o| o.device.as_ref().is_some_and(|d| d.index == 1));
//! let got = laptop.receive_from_device(&mut rng, b"bob", 0, &to_laptop.unwrap().message, now_ms)?;
//! assert_eq!(got.device, Some(0)); // from Bob's device 0
//! # drop((laptop, bob));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```

use std::vec::Vec;

use rand_core::CryptoRng;
use rusqlite::Connection;
use zeroize::Zeroizing;

use super::content::{after_send, deliver, merge_timer, seal};
use super::conversations::{self, KIND_CONTACT};
use super::groups::{self, Rows};
use super::mailbox::{DeviceAddress, Incoming, Origin, Outgoing, outbox_device};
use super::objects::{self, Stored};
use super::traffic::{claim, note_change, seen};
use super::{Keys, Store, expiry, storage_error, trust};
use crate::error::{Error, Result};
use sotto::devices::{
    DEVICE_LIST_TTL_SECS, DeviceChange, DeviceKind, DeviceList, MAX_DEVICES, VerifiedDevice,
    VerifiedDevices, verify_devices,
};
use sotto::{
    Content, Envelope, Group, IdentityKey, IdentityKeyPair, IdentityStatus, PrekeyStore,
    SessionRecord, crypto,
};

/// Row kind of a user's device list.
pub(crate) const KIND_DEVICES: u8 = 13;
/// Row kind of the session with one device.
pub(crate) const KIND_DEVICE_SESSION: u8 = 14;

/// How many device changes a user's row keeps (the oldest go first).
pub const MAX_DEVICE_CHANGES: usize = 32;

const ROW_VERSION: u8 = 1;
const AD: &[u8] = b"sotto v1 devices";
/// The row of our own account: the empty name, which no user can have.
const OWN: &[u8] = b"";

/// A device change as the store recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordedDeviceChange {
    /// What changed.
    pub change: DeviceChange,
    /// When the store learned it, seconds since the epoch.
    pub at: u64,
}

/// What [`Store::set_devices`] found and did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceUpdate {
    /// The user's devices now.
    pub devices: VerifiedDevices,
    /// Devices that left, then devices that joined (empty: the list the
    /// store had).
    pub changes: Vec<DeviceChange>,
    /// The security code changed (a device not hosted joined or left): tell
    /// the user, and compare codes again. The contact is no longer verified.
    pub code_changed: bool,
    /// Groups whose sender key of ours rotated because a device that left
    /// was a member: send each one's distribution to every member's devices.
    pub rotated_groups: Vec<Vec<u8>>,
    /// Groups a joining device was added to: send it our distribution.
    pub joined_groups: Vec<Vec<u8>>,
    /// The list is our own account's (it holds this device).
    pub own: bool,
}

/// One user's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DeviceRow {
    user: Vec<u8>,
    devices: VerifiedDevices,
    changes: Vec<RecordedDeviceChange>,
}

fn put_device(out: &mut Vec<u8>, d: &VerifiedDevice) {
    out.extend_from_slice(&d.index.to_be_bytes());
    out.extend_from_slice(&d.identity.to_bytes());
    out.push(d.kind.code());
    out.extend_from_slice(&d.added_at.to_be_bytes());
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self.0.split_at_checked(n).ok_or(Error::Corrupt)?;
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| Error::Corrupt)
    }
    fn byte(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    fn identity(&mut self) -> Result<IdentityKey> {
        IdentityKey::from_bytes(self.take(sotto::IDENTITY_KEY_LEN)?).map_err(|_| Error::Corrupt)
    }
    fn device(&mut self) -> Result<VerifiedDevice> {
        Ok(VerifiedDevice {
            index: u32::from_be_bytes(self.array()?),
            identity: self.identity()?,
            kind: DeviceKind::from_code(self.byte()?).map_err(|_| Error::Corrupt)?,
            added_at: self.u64()?,
        })
    }
}

impl DeviceRow {
    /// The verified devices this row holds.
    pub(crate) fn devices(&self) -> &VerifiedDevices {
        &self.devices
    }

    fn encode(&self) -> Result<Zeroizing<Vec<u8>>> {
        let len = u8::try_from(self.user.len()).map_err(|_| Error::InvalidName)?;
        let count = u8::try_from(self.devices.devices.len()).map_err(|_| Error::Corrupt)?;
        let changes = u8::try_from(self.changes.len()).map_err(|_| Error::Corrupt)?;
        let mut out = Zeroizing::new(Vec::with_capacity(
            usize::from(count)
                .saturating_add(usize::from(changes))
                .saturating_mul(90)
                .saturating_add(400),
        ));
        out.push(ROW_VERSION);
        out.push(len);
        out.extend_from_slice(&self.user);
        out.extend_from_slice(&self.devices.account.to_bytes());
        out.extend_from_slice(&self.devices.version.to_be_bytes());
        out.extend_from_slice(&self.devices.issued_at.to_be_bytes());
        out.push(count);
        for d in &self.devices.devices {
            put_device(&mut out, d);
        }
        out.push(changes);
        for c in &self.changes {
            out.push(u8::from(c.change.added));
            put_device(&mut out, &c.change.device);
            out.extend_from_slice(&c.at.to_be_bytes());
        }
        Ok(out)
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Cursor(bytes);
        if r.byte()? != ROW_VERSION {
            return Err(Error::Corrupt);
        }
        let len = usize::from(r.byte()?);
        let user = r.take(len)?.to_vec();
        let account = r.identity()?;
        let version = r.u64()?;
        let issued_at = r.u64()?;
        let count = usize::from(r.byte()?);
        if count > MAX_DEVICES {
            return Err(Error::Corrupt);
        }
        let devices = (0..count).map(|_| r.device()).collect::<Result<Vec<_>>>()?;
        let n = usize::from(r.byte()?);
        if n > MAX_DEVICE_CHANGES {
            return Err(Error::Corrupt);
        }
        let mut changes = Vec::with_capacity(n);
        for _ in 0..n {
            let added = match r.byte()? {
                0 => false,
                1 => true,
                _ => return Err(Error::Corrupt),
            };
            let device = r.device()?;
            changes.push(RecordedDeviceChange {
                change: DeviceChange { device, added },
                at: r.u64()?,
            });
        }
        if !r.0.is_empty() {
            return Err(Error::Corrupt);
        }
        Ok(DeviceRow {
            user,
            devices: VerifiedDevices {
                account,
                version,
                issued_at,
                devices,
            },
            changes,
        })
    }
}

impl Stored for DeviceRow {
    const KIND: u8 = KIND_DEVICES;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        let nonce: [u8; 12] = crate::secret::random_array(rng);
        let mut out = nonce.to_vec();
        out.extend_from_slice(&crypto::aes256gcmsiv_seal(
            key,
            &nonce,
            AD,
            &self.encode()?,
        )?);
        Ok(out)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        let (nonce, ct) = bytes.split_at_checked(12).ok_or(Error::Corrupt)?;
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| Error::Corrupt)?;
        let plain = Zeroizing::new(
            crypto::aes256gcmsiv_open(key, &nonce, AD, ct).map_err(|_| Error::Corrupt)?,
        );
        Self::decode(&plain)
    }
}

/// The session with one device, in a row of its own kind.
pub(crate) struct DeviceSession(pub(crate) SessionRecord);

impl Stored for DeviceSession {
    const KIND: u8 = KIND_DEVICE_SESSION;
    fn seal_with<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        Ok(self.0.seal(key, rng)?)
    }
    fn open_with(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Ok(DeviceSession(SessionRecord::open(key, bytes)?))
    }
}

/// The name of a device's session row: `user ‖ index` (the index has a
/// fixed width, so the split is unique).
pub(crate) fn session_name(user: &[u8], index: u32) -> Vec<u8> {
    let mut name = Vec::with_capacity(user.len().saturating_add(4));
    name.extend_from_slice(user);
    name.extend_from_slice(&index.to_be_bytes());
    name
}

/// `user`'s row, if the store has one.
pub(crate) fn load_row(conn: &Connection, keys: &Keys, user: &[u8]) -> Result<Option<DeviceRow>> {
    objects::check_name(user)?;
    match objects::load_row::<DeviceRow>(conn, keys, user) {
        Ok(r) => Ok(Some(r)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Our own account's row, if its list was set.
pub(crate) fn load_own(conn: &Connection, keys: &Keys) -> Result<Option<DeviceRow>> {
    match objects::load_row::<DeviceRow>(conn, keys, OWN) {
        Ok(r) => Ok(Some(r)),
        Err(Error::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The indices of `user`'s devices (none without a list).
pub(crate) fn indices(conn: &Connection, keys: &Keys, user: &[u8]) -> Result<Vec<u32>> {
    Ok(load_row(conn, keys, user)?
        .map(|r| r.devices.devices.iter().map(|d| d.index).collect())
        .unwrap_or_default())
}

/// The session with device `index` of `user` (a new, empty record if none).
pub(crate) fn load_session(
    conn: &Connection,
    keys: &Keys,
    user: &[u8],
    index: u32,
) -> Result<SessionRecord> {
    match objects::load_row::<DeviceSession>(conn, keys, &session_name(user, index)) {
        Ok(DeviceSession(r)) => Ok(r),
        Err(Error::NotFound) => Ok(SessionRecord::new()),
        Err(e) => Err(e),
    }
}

pub(crate) fn save_session<R: CryptoRng + ?Sized>(
    conn: &Connection,
    keys: &Keys,
    rng: &mut R,
    user: &[u8],
    index: u32,
    record: SessionRecord,
) -> Result<()> {
    objects::save_row(
        conn,
        keys,
        rng,
        &session_name(user, index),
        &DeviceSession(record),
    )
}

fn delete_session(conn: &Connection, keys: &Keys, user: &[u8], index: u32) -> Result<()> {
    delete_row(conn, keys, KIND_DEVICE_SESSION, &session_name(user, index))
}

fn delete_row(conn: &Connection, keys: &Keys, kind: u8, name: &[u8]) -> Result<()> {
    let row = keys.row_name(kind, name);
    conn.execute(
        "DELETE FROM objects WHERE kind = ?1 AND row = ?2",
        rusqlite::params![kind, &row[..]],
    )
    .map_err(storage_error)?;
    Ok(())
}

/// Group ids whose sender key rotated, and those a device joined.
type GroupChanges = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// One message of a fan-out: the user, the device's index, the message.
type Fanned = (Vec<u8>, u32, Vec<u8>);

/// Applies the device changes to every group: a device that left is
/// removed (our sender key rotates), a device that joined is added where
/// another current device of its account is a member, and, for our own
/// account (`own`: this device is in every group we hold), to every group.
fn update_groups<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    devices: &VerifiedDevices,
    changes: &[DeviceChange],
    own: Option<&IdentityKey>,
) -> Result<GroupChanges> {
    let sibling_in = |group: &Group, joined: &IdentityKey| {
        own.is_some_and(|me| me != joined)
            || devices
                .targets(joined)
                .any(|d| group.is_member(&d.identity))
    };
    let (mut rotated, mut joined) = (Vec::new(), Vec::new());
    for shell in objects::all::<Group>(tx, keys)? {
        let id = shell.id().to_vec();
        let touches = changes.iter().any(|c| {
            shell.is_member(&c.device.identity)
                || (c.added && sibling_in(&shell, &c.device.identity))
        });
        if !touches {
            continue;
        }
        let mut group = groups::load(tx, keys, &id, Rows::All)?.group;
        let (mut left, mut added) = (false, false);
        for c in changes.iter().filter(|c| !c.added) {
            if group.is_member(&c.device.identity) {
                drop(group.remove_member(rng, &c.device.identity)?);
                left = true;
            }
        }
        for c in changes.iter().filter(|c| c.added) {
            if sibling_in(&group, &c.device.identity) && !group.is_member(&c.device.identity) {
                drop(group.add_member(&c.device.identity)?);
                added = true;
            }
        }
        if left || added {
            groups::save(tx, keys, rng, &id, &group, Rows::All)?;
        }
        if left {
            rotated.push(id.clone());
        }
        if added {
            joined.push(id);
        }
    }
    Ok((rotated, joined))
}

impl Store {
    /// Takes `user`'s published device list and records at `now` (seconds):
    /// verified ([`sotto::devices::verify_devices`], never older than the
    /// version the store last took for this account, and the same version
    /// only as the same list: [`sotto::Error::StaleDeviceList`]), with the
    /// account key trusted as a contact's identity is (first use, then
    /// [`sotto::Error::IdentityChanged`] under the Block policy, with only
    /// the pending change committed). Devices that left lose their
    /// sessions and group memberships; see [`DeviceUpdate`] for what the app
    /// does next. A list holding this device is also kept as our own
    /// account's, whose other devices every [`Store::send_to_user`] reaches.
    pub fn set_devices<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        user: &[u8],
        list: &[u8],
        records: &[&[u8]],
        now: u64,
    ) -> Result<DeviceUpdate> {
        let outcome = self.transaction(|tx, keys| {
            let account = DeviceList::from_bytes(list)?.account;
            let old = load_row(tx, keys, user)?;
            let floor = old
                .as_ref()
                .filter(|o| o.devices.account == account)
                .map(|o| o.devices.version);
            let devices = verify_devices(&account, list, records, now, floor)?;
            let own_identity = *objects::load_device::<IdentityKeyPair>(tx, keys)?.public_key();
            let mut trust = trust::load(tx, keys, user)?;
            let before = trust.clone();
            let status = trust.observe(user, &account, now)?;
            if trust != before {
                trust::save(tx, keys, rng, user, &trust)?;
            }
            if let IdentityStatus::Changed { blocked: true, .. } = status {
                return Ok(Err(sotto::Error::IdentityChanged));
            }
            note_change(tx, keys, rng, user, &before, &trust, now)?;
            let previous = old
                .as_ref()
                .filter(|o| o.devices.account == account)
                .map(|o| o.devices.clone())
                .unwrap_or(VerifiedDevices {
                    account,
                    version: 0,
                    issued_at: 0,
                    devices: Vec::new(),
                });
            let mut changes = previous.changes_to(&devices);
            if let Some(o) = old.as_ref().filter(|o| o.devices.account != account) {
                // A new account key: every device of the old one left.
                let gone = VerifiedDevices {
                    devices: Vec::new(),
                    ..o.devices.clone()
                };
                changes.splice(0..0, o.devices.changes_to(&gone));
            }
            if floor == Some(devices.version) && !changes.is_empty() {
                return Ok(Err(sotto::Error::StaleDeviceList));
            }
            for c in changes.iter().filter(|c| !c.added) {
                delete_session(tx, keys, user, c.device.index)?;
            }
            let own = devices.devices.iter().any(|d| d.identity == own_identity);
            let (rotated_groups, joined_groups) = update_groups(
                tx,
                keys,
                rng,
                &devices,
                &changes,
                own.then_some(&own_identity),
            )?;
            // Before any list, the code covered the account key alone.
            let code_before = old
                .as_ref()
                .map_or_else(|| account.to_bytes().to_vec(), |o| o.devices.code_key());
            let code_changed = code_before != devices.code_key();
            if code_changed
                && let Some(r) = trust.record(user).copied()
                && r.verified
            {
                trust.set_verified(user, &r.identity, false)?;
                trust::save(tx, keys, rng, user, &trust)?;
            }
            let mut kept = old.map(|o| o.changes).unwrap_or_default();
            for c in &changes {
                if kept.len() >= MAX_DEVICE_CHANGES {
                    let _ = kept.remove(0);
                }
                kept.push(RecordedDeviceChange {
                    change: *c,
                    at: now,
                });
            }
            let row = DeviceRow {
                user: user.to_vec(),
                devices: devices.clone(),
                changes: kept,
            };
            objects::save_row(tx, keys, rng, user, &row)?;
            if own {
                objects::save_row(tx, keys, rng, OWN, &row)?;
            } else if load_own(tx, keys)?.is_some_and(|o| o.user == user) {
                // This device left our own account: nothing more goes to
                // the others through it.
                delete_row(tx, keys, KIND_DEVICES, OWN)?;
            }
            Ok(Ok(DeviceUpdate {
                devices,
                changes,
                code_changed,
                rotated_groups,
                joined_groups,
                own,
            }))
        })?;
        Ok(outcome?)
    }

    /// `user`'s verified devices, as the store last took them.
    pub fn devices(&self, user: &[u8]) -> Result<Option<VerifiedDevices>> {
        Ok(load_row(&self.conn, &self.keys, user)?.map(|r| r.devices))
    }

    /// The newest device changes of `user` (at most
    /// [`MAX_DEVICE_CHANGES`]), oldest first: which device joined or left,
    /// and when.
    pub fn device_changes(&self, user: &[u8]) -> Result<Vec<RecordedDeviceChange>> {
        Ok(load_row(&self.conn, &self.keys, user)?
            .map(|r| r.changes)
            .unwrap_or_default())
    }

    /// True if any device of `user` is hosted by a service provider: label
    /// the conversation. Only the account's signed records say so.
    pub fn is_hosted(&self, user: &[u8]) -> Result<bool> {
        Ok(load_row(&self.conn, &self.keys, user)?.is_some_and(|r| r.devices.any_hosted()))
    }

    /// The security code between our account (`local_id`, our stable user
    /// id) and `user` (`remote_id`), over both accounts' devices
    /// ([`sotto::SecurityCode::for_devices`]): our own list if the store
    /// has it, else this device alone; `user`'s list
    /// ([`Error::NotFound`] without one).
    pub fn security_code(
        &self,
        local_id: &[u8],
        user: &[u8],
        remote_id: &[u8],
    ) -> Result<sotto::SecurityCode> {
        let remote = load_row(&self.conn, &self.keys, user)?.ok_or(Error::NotFound)?;
        let local = match load_own(&self.conn, &self.keys)? {
            Some(own) => own.devices,
            None => {
                let me = *self.device_identity()?.public_key();
                VerifiedDevices {
                    account: me,
                    version: 0,
                    issued_at: 0,
                    devices: Vec::new(),
                }
            }
        };
        Ok(sotto::SecurityCode::for_devices(
            &local,
            local_id,
            &remote.devices,
            remote_id,
        )?)
    }

    /// True if any member of the group saved under `group_id` is a device
    /// that its account's signed list marks as hosted by a service
    /// provider: label the group.
    pub fn is_group_hosted(&self, group_id: &[u8]) -> Result<bool> {
        let group = groups::load(&self.conn, &self.keys, group_id, Rows::Shell)?.group;
        Ok(objects::all::<DeviceRow>(&self.conn, &self.keys)?
            .iter()
            .flat_map(|r| r.devices.devices.iter())
            .any(|d| d.kind == DeviceKind::Hosted && group.is_member(&d.identity)))
    }

    /// The devices of `user` (and of our own account) a
    /// [`Store::send_to_user`] needs a session with and has none: fetch
    /// their bundles and [`Store::initiate_device`]. Pairs of user (our
    /// own account by its name) and device index.
    pub fn devices_without_session(&self, user: &[u8]) -> Result<Vec<(Vec<u8>, u32)>> {
        let own_identity = *self.device_identity()?.public_key();
        let mut out = Vec::new();
        for row in self.rows_for(user)? {
            for d in row.devices.targets(&own_identity) {
                let r = load_session(&self.conn, &self.keys, &row.user, d.index)?;
                if d.check(&r).is_err() {
                    out.push((row.user.clone(), d.index));
                }
            }
        }
        Ok(out)
    }

    /// `user`'s row, then our own account's unless `user` is us.
    fn rows_for(&self, user: &[u8]) -> Result<Vec<DeviceRow>> {
        rows_for(&self.conn, &self.keys, user)
    }

    /// Starts a session with device `index` of `user` from its prekey
    /// bundle, which must be that device's (the identity its account
    /// signed: [`sotto::Error::UntrustedIdentity`] otherwise). A device
    /// not on the list is [`sotto::Error::UntrustedIdentity`] too, and a
    /// bundle without a post-quantum prekey under
    /// [`sotto::PqPolicy::Require`] is [`sotto::Error::PostQuantumRequired`].
    pub fn initiate_device<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        user: &[u8],
        index: u32,
        bundle: &sotto::PrekeyBundle,
        now: u64,
    ) -> Result<()> {
        self.transaction(|tx, keys| {
            objects::check_pq_policy(tx, keys, bundle)?;
            let row = load_row(tx, keys, user)?.ok_or(Error::NotFound)?;
            let device = *row
                .devices
                .device(index)
                .ok_or(Error::Core(sotto::Error::UntrustedIdentity))?;
            let identity: IdentityKeyPair = objects::load_device(tx, keys)?;
            let mut record = load_session(tx, keys, user, index)?;
            device.initiate(rng, &identity, &mut record, bundle, now)?;
            save_session(tx, keys, rng, user, index, record)
        })
    }
}

/// `user`'s row, then our own account's unless `user` is us.
pub(crate) fn rows_for(conn: &Connection, keys: &Keys, user: &[u8]) -> Result<Vec<DeviceRow>> {
    let row = load_row(conn, keys, user)?.ok_or(Error::NotFound)?;
    let mut rows = Vec::with_capacity(2);
    let own = load_own(conn, keys)?.filter(|o| o.user != row.user);
    rows.push(row);
    rows.extend(own);
    Ok(rows)
}

/// Encrypts `plaintext` for every device of `user` and of our own account
/// (but this one) in `tx`: `(user, device index, message)` per device,
/// every session saved. The user's account must be the trusted one and
/// its list not stale.
pub(crate) fn fan_out<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    user: &[u8],
    plaintext: &[u8],
    now: u64,
) -> Result<Vec<Fanned>> {
    let own_identity = *objects::load_device::<IdentityKeyPair>(tx, keys)?.public_key();
    let rows = rows_for(tx, keys, user)?;
    let mut out = Vec::new();
    for row in &rows {
        trust::load(tx, keys, &row.user)?.check(&row.user, &row.devices.account)?;
        if row.devices.issued_at.saturating_add(DEVICE_LIST_TTL_SECS) < now {
            return Err(Error::Core(sotto::Error::StaleDeviceList));
        }
        let targets: Vec<&VerifiedDevice> = row.devices.targets(&own_identity).collect();
        let mut records = targets
            .iter()
            .map(|d| load_session(tx, keys, &row.user, d.index))
            .collect::<Result<Vec<_>>>()?;
        let mut pairs: Vec<(&VerifiedDevice, &mut SessionRecord)> =
            targets.iter().copied().zip(records.iter_mut()).collect();
        let messages = sotto::devices::encrypt_to_devices(rng, &mut pairs, plaintext)?;
        for (d, r) in targets.iter().zip(records) {
            save_session(tx, keys, rng, &row.user, d.index, r)?;
        }
        out.extend(
            messages
                .into_iter()
                .map(|m| (row.user.clone(), m.index, m.message)),
        );
    }
    Ok(out)
}

/// Decrypts a message from device `index` of `user` in `tx`, recording it
/// as processed: the advanced record, the device and what it said.
pub(crate) fn decrypt_from<R: CryptoRng + ?Sized>(
    tx: &Connection,
    keys: &Keys,
    rng: &mut R,
    user: &[u8],
    index: u32,
    message: &[u8],
    now: u64,
) -> Result<(SessionRecord, VerifiedDevice, sotto::Received)> {
    let name = session_name(user, index);
    if seen(tx, keys, KIND_DEVICE_SESSION, &name, message)? {
        return Err(Error::Core(sotto::Error::Duplicate));
    }
    let row = load_row(tx, keys, user)?.ok_or(Error::NotFound)?;
    let device = *row
        .devices
        .device(index)
        .ok_or(Error::Core(sotto::Error::UntrustedIdentity))?;
    let mut record = load_session(tx, keys, user, index)?;
    let got = if sotto::message_kind(message)? == sotto::MessageKind::Prekey {
        let identity: IdentityKeyPair = objects::load_device(tx, keys)?;
        let mut prekeys: PrekeyStore = objects::load_device(tx, keys)?;
        let got = device.decrypt(&identity, &mut prekeys, &mut record, message, now)?;
        if got.new_session {
            objects::save_device(tx, keys, rng, &prekeys)?;
        }
        got
    } else {
        let got = record.decrypt_existing(message)?;
        if got.sender != device.identity {
            return Err(Error::Core(sotto::Error::UntrustedIdentity));
        }
        got
    };
    claim(tx, keys, KIND_DEVICE_SESSION, &name, message)?;
    Ok((record, device, got))
}

impl Store {
    /// Sends `content` to every device of `user` and to our own account's
    /// other devices, at `now_ms`, under the conversation's disappearing
    /// timer: one outbox entry per device ([`Outgoing::device`] says where
    /// it goes), all committed together or none. The account must be the
    /// one trusted for `user` ([`sotto::Error::UntrustedIdentity`] while a
    /// change is pending), its list not older than
    /// [`sotto::devices::DEVICE_LIST_TTL_SECS`]
    /// ([`sotto::Error::StaleDeviceList`]: fetch it again), and every
    /// device needs a session ([`Store::devices_without_session`];
    /// [`sotto::Error::SessionMismatch`] otherwise).
    pub fn send_to_user<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        user: &[u8],
        content: &Content,
        now_ms: u64,
    ) -> Result<DeviceSent> {
        self.transaction(|tx, keys| {
            let (row, fresh) = conversations::load::<KIND_CONTACT>(tx, keys, user, now_ms)?;
            let (envelope, bytes, meta) = seal(content, row.timer, now_ms)?;
            let messages = fan_out(tx, keys, rng, user, &bytes, now_ms / 1000)?;
            after_send(tx, keys, rng, row, fresh, &envelope)?;
            let mut outgoing = Vec::with_capacity(messages.len());
            for (to, index, message) in messages {
                let address = DeviceAddress { user: to, index };
                outgoing.push(outbox_device(tx, keys, rng, user, address, meta, message)?);
            }
            Ok(DeviceSent {
                outgoing,
                sent_at_ms: envelope.sent_at_ms,
            })
        })
    }

    /// Receives a content message the server says is from device `index`
    /// of `user`, at `now_ms`, as [`Store::receive`] does for a contact:
    /// the device must be on `user`'s verified list and the message from
    /// its identity ([`sotto::Error::UntrustedIdentity`] otherwise, with
    /// nothing changed). [`Incoming::device`] is the device's index.
    pub fn receive_from_device<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        user: &[u8],
        index: u32,
        message: &[u8],
        now_ms: u64,
    ) -> Result<Incoming> {
        let got = self.transaction(|tx, keys| {
            let (mut record, device, got) =
                decrypt_from(tx, keys, rng, user, index, message, now_ms / 1000)?;
            let envelope = Envelope::decode(&got.plaintext)?;
            let timer = merge_timer::<KIND_CONTACT, R>(tx, keys, rng, user, &envelope, now_ms)?;
            expiry::after_receive(tx, keys, user, &mut record, &timer, now_ms)?;
            save_session(tx, keys, rng, user, device.index, record)?;
            let from = Origin {
                sender: Some(got.sender),
                identity_change: None,
            };
            deliver::<DeviceSession, R>(
                tx,
                keys,
                rng,
                user,
                Some(device.index),
                from,
                envelope,
                got.plaintext,
                &timer,
                now_ms,
            )
        })?;
        if got.expired {
            self.erase_superseded();
        }
        Ok(got)
    }
}

/// What [`Store::send_to_user`] committed: one message per device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSent {
    /// One outbox entry per device, each with its [`Outgoing::device`].
    pub outgoing: Vec<Outgoing>,
    /// The envelope's timestamp, ms since the epoch.
    pub sent_at_ms: u64,
}
