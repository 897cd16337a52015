//! The prekey store: the private halves of a device's prekeys.
//!
//! * One current signed prekey; after [`PrekeyStore::rotate_signed_prekey`] the
//!   previous one still accepts sessions for [`SIGNED_PREKEY_GRACE_SECS`].
//! * Up to [`MAX_ONE_TIME_PREKEYS`] one-time prekeys, with ids allocated in
//!   increasing order so that a consumed id can be told apart from one never
//!   issued.
//! * [`PrekeyStore::look_up`] finds the private prekeys a prekey message
//!   names for the session's setup, and [`PrekeyStore::consume`] deletes the
//!   one-time prekey once that message has decrypted.
//! * The base keys of the prekey messages it accepted, for as long as their
//!   signed prekey is held (at most [`MAX_ACCEPTED_BASE_KEYS`]): a second
//!   accept of the same message (a replay, under any contact's name) is
//!   [`Error::Duplicate`], whether or not it used a one-time prekey.
//!   `accepted = { (spk_id, base_key[..16]) }`; a full list refuses new
//!   sessions with [`Error::LimitExceeded`] until the signed prekey is
//!   rotated ([`PrekeyStore::should_rotate`] says so well before).
//! * Post-quantum prekeys (ML-KEM-1024, for PQXDH): a last-resort one made
//!   and rotated with each signed prekey (same id, same grace period), and
//!   up to [`MAX_PQ_ONE_TIME_PREKEYS`] one-time ones, consumed like
//!   one-time prekeys. Under [`PqPolicy::Require`] a prekey message
//!   without a post-quantum prekey is [`Error::PostQuantumRequired`].

use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::crypto::{DhKeyPair, KemKeyPair};
use crate::error::{Error, Result};
use crate::identity::IdentityKeyPair;

use super::bundle::PqPolicy;
use super::pq_prekey::{PqPrekey, PqPrekeyKind, PqPrekeyPublic};
use super::prekey::{OneTimePrekey, OneTimePrekeyPublic, SignedPrekey, SignedPrekeyPublic};

/// How long a replaced signed prekey still accepts new sessions (30 days), so
/// that messages sent from a bundle fetched before the rotation still work.
pub const SIGNED_PREKEY_GRACE_SECS: u64 = 30 * 24 * 60 * 60;
/// The most one-time prekeys a store holds.
pub const MAX_ONE_TIME_PREKEYS: usize = 1000;
/// The most one-time post-quantum prekeys a store holds (each is kept as a
/// 64-byte seed; its public key is 1568 bytes on the server).
pub const MAX_PQ_ONE_TIME_PREKEYS: usize = 100;
/// The most accepted base keys a store remembers (over the current and the
/// previous signed prekey): 16 bytes each, 64 KiB at most.
pub const MAX_ACCEPTED_BASE_KEYS: usize = 4096;
/// Bytes of a base key remembered: a collision needs 2^64 sessions by the
/// birthday bound, and an attacker gains nothing from one (its own message
/// is refused).
pub(crate) const BASE_KEY_TAG_LEN: usize = 16;

/// The private prekeys of one device. Not `Clone`: a copy could let a
/// one-time prekey be used twice.
pub struct PrekeyStore {
    pub(super) current: SignedPrekey,
    pub(super) previous: Option<(SignedPrekey, u64)>,
    pub(super) one_time: Vec<OneTimePrekey>,
    pub(super) next_signed_id: u32,
    pub(super) next_one_time_id: u32,
    /// `(signed prekey id, first 16 bytes of the base key)` of every prekey
    /// message accepted under a signed prekey still held, oldest first.
    pub(super) accepted: Vec<(u32, [u8; BASE_KEY_TAG_LEN])>,
    pub(super) pq_one_time: Vec<PqPrekey>,
    pub(super) next_pq_id: u32,
    pub(super) pq_policy: PqPolicy,
}

impl core::fmt::Debug for PrekeyStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrekeyStore")
            .field("signed_prekey_id", &self.current.id)
            .field("one_time_prekeys", &self.one_time.len())
            .field("pq_one_time_prekeys", &self.pq_one_time.len())
            .field("pq_policy", &self.pq_policy)
            .finish_non_exhaustive()
    }
}

impl PrekeyStore {
    /// A new store with a signed prekey (id 1) and its last-resort
    /// post-quantum prekey, created at `now` (seconds since the Unix epoch),
    /// no one-time prekeys yet, and [`PqPolicy::Prefer`].
    pub fn new<R: CryptoRng + ?Sized>(rng: &mut R, identity: &IdentityKeyPair, now: u64) -> Self {
        PrekeyStore {
            current: SignedPrekey::generate(rng, identity, 1, now),
            previous: None,
            one_time: Vec::new(),
            next_signed_id: 2,
            next_one_time_id: 1,
            accepted: Vec::new(),
            pq_one_time: Vec::new(),
            next_pq_id: 1,
            pq_policy: PqPolicy::Prefer,
        }
    }

    /// The last-resort post-quantum prekey made with the current signed
    /// prekey, to publish; `None` for a store written before post-quantum
    /// prekeys, until [`PrekeyStore::rotate_signed_prekey`].
    pub fn pq_prekey(&self) -> Option<PqPrekeyPublic> {
        self.current.pq.as_ref().map(PqPrekey::public)
    }

    /// Whether accepting a prekey message requires a post-quantum prekey.
    pub fn pq_policy(&self) -> PqPolicy {
        self.pq_policy
    }

    /// Sets whether accepting a prekey message requires a post-quantum
    /// prekey (kept with the store). Apps apply the same policy to the
    /// bundles they initiate from ([`crate::Session::initiate_with`]).
    pub fn set_pq_policy(&mut self, policy: PqPolicy) {
        self.pq_policy = policy;
    }

    /// Generates `count` one-time post-quantum prekeys signed by
    /// `identity` and returns their public halves to upload. Fails with
    /// [`Error::LimitExceeded`] (and generates nothing) if the store would
    /// then hold more than [`MAX_PQ_ONE_TIME_PREKEYS`], and with
    /// [`Error::InvalidSignature`] if `identity` is not the one that signed
    /// the store's signed prekey.
    pub fn generate_pq_one_time_prekeys<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        count: usize,
        now: u64,
    ) -> Result<Vec<PqPrekeyPublic>> {
        let ids = new_ids(
            self.pq_one_time.len(),
            count,
            MAX_PQ_ONE_TIME_PREKEYS,
            self.next_pq_id,
        )?;
        self.current.public().verify(identity.public_key())?;
        let end = ids.end;
        let mut out = Vec::with_capacity(count);
        for id in ids {
            let key = PqPrekey::generate(rng, identity, PqPrekeyKind::OneTime, id, now);
            out.push(key.public());
            self.pq_one_time.push(key);
        }
        self.next_pq_id = end;
        Ok(out)
    }

    /// How many one-time post-quantum prekeys are left; replenish when low.
    pub fn pq_one_time_prekey_count(&self) -> usize {
        self.pq_one_time.len()
    }

    /// The public halves of every unused one-time post-quantum prekey (one
    /// ML-KEM key generation each).
    pub fn pq_one_time_prekeys(&self) -> Vec<PqPrekeyPublic> {
        self.pq_one_time.iter().map(PqPrekey::public).collect()
    }

    /// The public half of the `index`-th unused one-time post-quantum prekey
    /// (in the order of [`PrekeyStore::pq_one_time_prekeys`]), expanding
    /// only that one; `None` past the last.
    pub fn pq_one_time_prekey(&self, index: usize) -> Option<PqPrekeyPublic> {
        self.pq_one_time.get(index).map(PqPrekey::public)
    }

    /// The current signed prekey, to publish.
    pub fn signed_prekey(&self) -> SignedPrekeyPublic {
        self.current.public()
    }

    /// Replaces the signed prekey. The previous one keeps accepting sessions
    /// until `now + SIGNED_PREKEY_GRACE_SECS`; one retired earlier is deleted.
    pub fn rotate_signed_prekey<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        now: u64,
    ) -> Result<SignedPrekeyPublic> {
        let id = self.next_signed_id;
        let next = id.checked_add(1).ok_or(Error::CounterExhausted)?;
        let fresh = SignedPrekey::generate(rng, identity, id, now);
        let old = core::mem::replace(&mut self.current, fresh);
        self.previous = Some((old, now));
        self.next_signed_id = next;
        self.forget_dropped_prekeys();
        Ok(self.current.public())
    }

    /// Deletes the previous signed prekey once its grace period has ended.
    pub fn expire(&mut self, now: u64) {
        if let Some((_, retired)) = &self.previous
            && now >= retired.saturating_add(SIGNED_PREKEY_GRACE_SECS)
        {
            self.previous = None;
            self.forget_dropped_prekeys();
        }
    }

    /// Drops the accepted base keys of signed prekeys no longer held: no
    /// message naming them can be accepted any more.
    fn forget_dropped_prekeys(&mut self) {
        let current = self.current.id;
        let previous = self.previous.as_ref().map(|(p, _)| p.id);
        self.accepted
            .retain(|(id, _)| *id == current || Some(*id) == previous);
    }

    /// How many accepted prekey messages are remembered (at most
    /// [`MAX_ACCEPTED_BASE_KEYS`]).
    pub fn accepted_count(&self) -> usize {
        self.accepted.len()
    }

    /// True once the remembered base keys fill half of
    /// [`MAX_ACCEPTED_BASE_KEYS`]: rotate the signed prekey (and publish it)
    /// so that new sessions are never refused with
    /// [`Error::LimitExceeded`].
    pub fn should_rotate(&self) -> bool {
        self.accepted.len() >= MAX_ACCEPTED_BASE_KEYS / 2
    }

    /// Refuses a base key already accepted under `spk_id`
    /// ([`Error::Duplicate`]), or any new one once the list is full
    /// ([`Error::LimitExceeded`]). Nothing is recorded.
    pub(crate) fn check_base_key(&self, spk_id: u32, base_key: &[u8; 32]) -> Result<()> {
        let tag = base_key_tag(base_key);
        if self
            .accepted
            .iter()
            .any(|(id, t)| *id == spk_id && *t == tag)
        {
            return Err(Error::Duplicate);
        }
        if self.accepted.len() >= MAX_ACCEPTED_BASE_KEYS {
            return Err(Error::LimitExceeded);
        }
        Ok(())
    }

    /// Records an accepted base key (after [`PrekeyStore::check_base_key`]).
    pub(crate) fn remember_base_key(&mut self, spk_id: u32, base_key: &[u8; 32]) {
        self.accepted.push((spk_id, base_key_tag(base_key)));
    }

    /// Generates `count` one-time prekeys and returns their public halves to
    /// upload. Fails with [`Error::LimitExceeded`] (and generates nothing) if
    /// the store would then hold more than [`MAX_ONE_TIME_PREKEYS`].
    pub fn generate_one_time_prekeys<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        count: usize,
    ) -> Result<Vec<OneTimePrekeyPublic>> {
        let ids = new_ids(
            self.one_time.len(),
            count,
            MAX_ONE_TIME_PREKEYS,
            self.next_one_time_id,
        )?;
        let end = ids.end;
        let mut out = Vec::with_capacity(count);
        for id in ids {
            let key = OneTimePrekey {
                id,
                pair: DhKeyPair::generate(rng),
            };
            out.push(key.public());
            self.one_time.push(key);
        }
        self.next_one_time_id = end;
        Ok(out)
    }

    /// Deletes every one-time prekey, classical and post-quantum, not yet
    /// used. For a prekey store
    /// restored from a backup: the server's copies of its one-time prekeys
    /// may have been used since the backup was made, and accepting one again
    /// would let a recorded first message be replayed. Publish new ones.
    pub fn clear_one_time_prekeys(&mut self) {
        self.one_time.clear();
        self.pq_one_time.clear();
    }

    /// Drops the previous signed prekey now rather than at the end of its
    /// grace period. For a prekey store restored from a backup: first
    /// messages to a signed prekey of the backup may have been accepted
    /// since the backup was made, and the restored list of accepted base
    /// keys does not know them, so accepting any more would let one be
    /// replayed. Rotate first, then call this.
    pub fn retire_previous_signed_prekey(&mut self) {
        self.previous = None;
        self.forget_dropped_prekeys();
    }

    /// Brings this copy of the device's prekeys, taken earlier (and perhaps
    /// given new one-time prekeys or a rotation since), up to date with
    /// `saved`, the copy that went on accepting first messages: one-time
    /// prekeys (classical and post-quantum) that `saved` used are dropped,
    /// the first messages it accepted are remembered, its id counters and
    /// post-quantum policy are kept. Saving a stale copy whole would bring
    /// used one-time prekeys back and forget accepted first messages, so a
    /// recorded first message could be accepted again.
    ///
    /// A store that shares no signed prekey with `saved` is a new set of
    /// prekeys, not a copy: it takes only `saved`'s policy (no first message
    /// `saved` accepted can be accepted by it, since each names a signed
    /// prekey it does not hold).
    ///
    /// [`Error::StalePrekeys`] if `saved` has a signed prekey this copy does
    /// not (it rotated since the copy was taken; take a fresh copy), and
    /// [`Error::LimitExceeded`] if the accepted first messages would exceed
    /// [`MAX_ACCEPTED_BASE_KEYS`] (rotate first). On error nothing changes.
    pub fn reconcile(&mut self, saved: &PrekeyStore) -> Result<()> {
        let shares = saved.signed_prekeys().any(|s| {
            self.signed_prekeys()
                .any(|o| o.pair.public() == s.pair.public())
        });
        if !shares {
            self.pq_policy = saved.pq_policy;
            return Ok(());
        }
        // `saved`'s current signed prekey must be one this copy holds (the
        // same key), or one it has rotated past.
        let spk = &saved.current;
        match self.signed_by_id(spk.id) {
            Some(ours) if ours.pair.public() == spk.pair.public() => {}
            None if spk.id < self.current.id => {}
            _ => return Err(Error::StalePrekeys),
        }
        let mut accepted: Vec<(u32, [u8; BASE_KEY_TAG_LEN])> =
            Vec::with_capacity(self.accepted.len().saturating_add(saved.accepted.len()));
        for entry in self.accepted.iter().chain(saved.accepted.iter()) {
            if self.signed_by_id(entry.0).is_some() && !accepted.contains(entry) {
                accepted.push(*entry);
            }
        }
        if accepted.len() > MAX_ACCEPTED_BASE_KEYS {
            return Err(Error::LimitExceeded);
        }
        self.one_time.retain(|k| {
            k.id >= saved.next_one_time_id || saved.one_time.iter().any(|s| s.id == k.id)
        });
        self.pq_one_time
            .retain(|k| k.id >= saved.next_pq_id || saved.pq_one_time.iter().any(|s| s.id == k.id));
        self.next_one_time_id = self.next_one_time_id.max(saved.next_one_time_id);
        self.next_pq_id = self.next_pq_id.max(saved.next_pq_id);
        self.accepted = accepted;
        self.pq_policy = saved.pq_policy;
        Ok(())
    }

    /// The signed prekeys this store holds: current, then previous.
    fn signed_prekeys(&self) -> impl Iterator<Item = &SignedPrekey> {
        core::iter::once(&self.current).chain(self.previous.as_ref().map(|(p, _)| p))
    }

    /// The signed prekey `id` this store holds (current or previous, at any
    /// time).
    fn signed_by_id(&self, id: u32) -> Option<&SignedPrekey> {
        self.signed_prekeys().find(|k| k.id == id)
    }

    /// How many one-time prekeys are left; replenish when low.
    pub fn one_time_prekey_count(&self) -> usize {
        self.one_time.len()
    }

    /// The public halves of every unused one-time prekey.
    pub fn one_time_prekeys(&self) -> Vec<OneTimePrekeyPublic> {
        self.one_time.iter().map(OneTimePrekey::public).collect()
    }

    /// The signed prekey `id`: current, or previous within its grace period
    /// at `now`.
    fn signed(&self, id: u32, now: u64) -> Result<&SignedPrekey> {
        if self.current.id == id {
            return Ok(&self.current);
        }
        match &self.previous {
            Some((old, retired))
                if old.id == id && now < retired.saturating_add(SIGNED_PREKEY_GRACE_SECS) =>
            {
                Ok(old)
            }
            _ => Err(Error::UnknownSignedPrekey),
        }
    }

    /// The private prekeys a prekey message names: the signed prekey
    /// (current, or previous within its grace period at `now`), the
    /// one-time prekey, if any, and the post-quantum prekey, if any (a
    /// last-resort one is its signed prekey's, looked up the same way).
    /// Nothing is consumed. Under [`PqPolicy::Require`] a message without a
    /// post-quantum prekey is [`Error::PostQuantumRequired`].
    pub(crate) fn look_up(
        &self,
        spk_id: u32,
        opk_id: Option<u32>,
        pq: Option<(PqPrekeyKind, u32)>,
        now: u64,
    ) -> Result<PrekeySecrets<'_>> {
        if pq.is_none() && self.pq_policy == PqPolicy::Require {
            return Err(Error::PostQuantumRequired);
        }
        let spk = self.signed(spk_id, now)?;
        let opk = match opk_id {
            None => None,
            Some(id) => match self.one_time.iter().find(|k| k.id == id) {
                Some(k) => Some(&k.pair),
                None if id != 0 && id < self.next_one_time_id => {
                    return Err(Error::OneTimePrekeyReused);
                }
                None => return Err(Error::UnknownOneTimePrekey),
            },
        };
        let pq = match pq {
            None => None,
            Some((PqPrekeyKind::LastResort, id)) => {
                let key = self.signed(id, now)?.pq.as_ref();
                Some(key.ok_or(Error::UnknownSignedPrekey)?.key_pair())
            }
            Some((PqPrekeyKind::OneTime, id)) => match self.pq_one_time.iter().find(|k| k.id == id)
            {
                Some(k) => Some(k.key_pair()),
                None if id != 0 && id < self.next_pq_id => {
                    return Err(Error::OneTimePrekeyReused);
                }
                None => return Err(Error::UnknownOneTimePrekey),
            },
        };
        Ok(PrekeySecrets {
            signed: &spk.pair,
            one_time: opk,
            pq,
        })
    }

    /// Deletes the one-time prekeys a session used (once it has decrypted
    /// its first message).
    pub(crate) fn consume(&mut self, opk_id: Option<u32>, pq: Option<(PqPrekeyKind, u32)>) {
        if let Some(id) = opk_id {
            self.one_time.retain(|k| k.id != id);
        }
        if let Some((PqPrekeyKind::OneTime, id)) = pq {
            self.pq_one_time.retain(|k| k.id != id);
        }
    }
}

/// The ids of `count` new one-time keys from `next`, when `held` are held
/// and at most `max` may be: [`Error::LimitExceeded`] beyond it,
/// [`Error::CounterExhausted`] past `u32::MAX`.
fn new_ids(held: usize, count: usize, max: usize, next: u32) -> Result<core::ops::Range<u32>> {
    let total = held.checked_add(count).ok_or(Error::LimitExceeded)?;
    if total > max {
        return Err(Error::LimitExceeded);
    }
    let count = u32::try_from(count).map_err(|_| Error::LimitExceeded)?;
    let end = next.checked_add(count).ok_or(Error::CounterExhausted)?;
    Ok(next..end)
}

/// The first [`BASE_KEY_TAG_LEN`] bytes of a base key.
fn base_key_tag(base_key: &[u8; 32]) -> [u8; BASE_KEY_TAG_LEN] {
    let mut tag = [0u8; BASE_KEY_TAG_LEN];
    tag.copy_from_slice(
        base_key
            .get(..BASE_KEY_TAG_LEN)
            .unwrap_or(&[0u8; BASE_KEY_TAG_LEN]),
    );
    tag
}

/// The private prekeys a prekey message named, as [`PrekeyStore::look_up`]
/// found them.
pub(crate) struct PrekeySecrets<'a> {
    /// The signed prekey.
    pub(crate) signed: &'a DhKeyPair,
    /// The one-time prekey, if the message used one.
    pub(crate) one_time: Option<&'a DhKeyPair>,
    /// The post-quantum prekey's key pair, if the message used one.
    pub(crate) pq: Option<KemKeyPair>,
}
