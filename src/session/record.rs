//! Every session with one contact: the current one, which encrypts, and up
//! to [`MAX_ARCHIVED_SESSIONS`] earlier ones that still decrypt, with the
//! contact's identity checked against the trust store on the way in and on
//! the way out.
//!
//! Routing an incoming message (no trial decryption of every state):
//!
//! ```text
//! prekey message, base key B : the state created from B (their_base_key = B), else a new
//!                              session (X3DH through the prekey store, which refuses a B it
//!                              accepted before: Duplicate)
//! normal message, ratchet key K : the state whose receiving chain, open earlier chain or
//!                              skipped keys belong to K, else the current state (a new K)
//! ```
//!
//! A new session from a prekey message:
//!
//! ```text
//! identity ≠ trusted, Block : refused (Error::IdentityChanged); the trust store holds the
//!                             change as pending; the record and prekeys are unchanged
//! identity ≠ trusted, Warn  : accepted, reported (Received::identity_change); states of
//!                             the old identity are dropped
//! crossing first messages   : if the current state is ours, still awaiting a reply, and
//!                             our base key < theirs (bytewise), ours stays current and the
//!                             new state is archived; otherwise the new state becomes current
//! ```
//!
//! Both sides of a crossing compare the same two base keys, so both keep the
//! same session, and the loser's in-flight messages still decrypt on the
//! archived state. Decrypting on an archived state never promotes it.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::prekeys::{PrekeyBundle, PrekeyStore};
use crate::sealed::{self, TYPE_SESSION_RECORD};
use crate::trust::{IdentityStatus, TrustStore};

use super::Session;
use super::wire::{Parsed, parse};

/// The most earlier sessions a record keeps for a contact (as libsignal
/// does), newest first; the oldest is dropped beyond it.
pub const MAX_ARCHIVED_SESSIONS: usize = 40;

/// A message decrypted by a [`SessionRecord`]. `Debug` shows the
/// plaintext's length, never its bytes.
pub struct Received {
    /// The plaintext.
    pub plaintext: Zeroizing<Vec<u8>>,
    /// The identity the message is cryptographically from (the sender's
    /// key took part in the session's setup), whatever name the server
    /// filed it under.
    pub sender: IdentityKey,
    /// True if the message set up a new session.
    pub new_session: bool,
    /// True if an archived session decrypted it (a late message of an
    /// earlier session, or of the losing side of crossing first messages).
    pub from_archive: bool,
    /// Under [`crate::TrustPolicy::Warn`], the identity trusted for the
    /// contact until this message replaced it: show the user that the
    /// contact's security code changed.
    pub identity_change: Option<IdentityKey>,
}

impl core::fmt::Debug for Received {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Received")
            .field("plaintext_len", &self.plaintext.len())
            .field("sender", &self.sender)
            .field("new_session", &self.new_session)
            .field("from_archive", &self.from_archive)
            .field("identity_change", &self.identity_change)
            .finish()
    }
}

/// The sessions with one contact. Not `Clone`, like [`Session`]. Persist it
/// after every call that returns `Ok`.
#[derive(Default)]
pub struct SessionRecord {
    current: Option<Session>,
    /// Newest first.
    archived: Vec<Session>,
}

impl core::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionRecord")
            .field("current", &self.current)
            .field("archived", &self.archived.len())
            .finish()
    }
}

/// Which state of a record a message goes to.
#[derive(Clone, Copy)]
enum Slot {
    Current,
    Archived(usize),
}

impl From<Session> for SessionRecord {
    /// A record whose current session is `session`.
    fn from(session: Session) -> Self {
        SessionRecord {
            current: Some(session),
            archived: Vec::new(),
        }
    }
}

impl SessionRecord {
    /// An empty record: no session yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session that encrypts, if any.
    pub fn current(&self) -> Option<&Session> {
        self.current.as_ref()
    }

    /// The current session, moved out of the record (the archive is
    /// dropped).
    pub fn into_current(self) -> Option<Session> {
        self.current
    }

    /// The contact's identity (the current session's).
    pub fn remote_identity(&self) -> Option<&IdentityKey> {
        self.current.as_ref().map(Session::remote_identity)
    }

    /// How many earlier sessions are kept.
    pub fn archived_count(&self) -> usize {
        self.archived.len()
    }

    /// [`Session::stamp_skipped_keys`] on every session of the record.
    /// Archived sessions are stamped too.
    pub fn stamp_skipped_keys(&mut self, now: u64) {
        for s in self.current.iter_mut().chain(self.archived.iter_mut()) {
            s.stamp_skipped_keys(now);
        }
        for s in self
            .archived
            .iter_mut()
            .filter(|s| s.retired_at == 0 || s.retired_at > now)
        {
            s.retired_at = now;
        }
    }

    /// [`Session::oldest_kept_stamp`] over every session of the record.
    pub fn oldest_kept_stamp(&self) -> Option<u64> {
        let archived = self
            .archived
            .iter()
            .map(|s| s.retired_at)
            .filter(|t| *t != 0);
        self.current
            .iter()
            .chain(self.archived.iter())
            .filter_map(Session::oldest_kept_stamp)
            .chain(archived)
            .min()
    }

    /// [`Session::forget_kept_keys`] on every session of the record.
    /// An archived session stamped at or before `cutoff` goes whole: its
    /// receiving chain could open messages sent before it was archived.
    pub fn forget_kept_keys(&mut self, cutoff: u64) -> usize {
        let before = self.archived.len();
        self.archived
            .retain(|s| s.retired_at == 0 || s.retired_at > cutoff);
        let gone = before.saturating_sub(self.archived.len());
        self.current
            .iter_mut()
            .chain(self.archived.iter_mut())
            .fold(gone, |n, s| n.saturating_add(s.forget_kept_keys(cutoff)))
    }

    /// Starts a session with `contact` from its prekey bundle and makes it
    /// current, after `trust` accepts the bundle's identity: a first
    /// identity is recorded; a changed one under
    /// [`crate::TrustPolicy::Block`] is [`Error::IdentityChanged`] (the
    /// change is held as pending, nothing else changes). Returns what the
    /// trust store said. The session is set up with PQXDH whenever the
    /// bundle has a post-quantum prekey; to refuse one without, call
    /// [`PrekeyBundle::check_policy`] with [`crate::PqPolicy::Require`]
    /// first (the store does).
    pub fn initiate<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &PrekeyBundle,
        trust: &mut TrustStore,
        contact: &[u8],
        now: u64,
    ) -> Result<IdentityStatus> {
        let session = Session::initiate(rng, identity, bundle)?;
        let status = self.observe(trust, contact, &bundle.identity, now)?;
        if let IdentityStatus::Changed { blocked: true, .. } = status {
            return Err(Error::IdentityChanged);
        }
        self.promote(session);
        Ok(status)
    }

    /// Makes `session` current (an app that set one up itself), archiving the
    /// current one. Trust is checked when it encrypts.
    pub fn adopt(&mut self, session: Session) {
        self.promote(session);
    }

    /// Encrypts with the current session, once `trust` confirms that its
    /// identity is the one trusted for `contact` ([`Error::UntrustedIdentity`]
    /// for a pending change, [`Error::UnknownContact`] for a contact never
    /// recorded). No session is [`Error::SessionMismatch`].
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        trust: &TrustStore,
        contact: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let session = self.current.as_mut().ok_or(Error::SessionMismatch)?;
        trust.check(contact, session.remote_identity())?;
        session.encrypt(rng, plaintext)
    }

    /// Decrypts a message from `contact`, routing it to the state its keys
    /// identify (see the module documentation), setting up a new session
    /// from a prekey message with this device's `identity` and `prekeys`,
    /// at `now` (seconds since the epoch).
    ///
    /// The sender's identity enters `trust` only once its message has
    /// decrypted. On any error the record and the prekey store are
    /// unchanged, and so is `trust` except for
    /// [`Error::IdentityChanged`], which leaves the new identity pending in
    /// it for the app to show and, if the user agrees,
    /// [`TrustStore::accept_change`] before decrypting the message again.
    pub fn decrypt(
        &mut self,
        identity: &IdentityKeyPair,
        prekeys: &mut PrekeyStore,
        trust: &mut TrustStore,
        contact: &[u8],
        message: &[u8],
        now: u64,
    ) -> Result<Received> {
        let parsed = parse(message)?;
        if let Some(got) = self.decrypt_known(&parsed) {
            return got;
        }
        let pre = parsed.preamble.as_ref().ok_or(Error::SessionMismatch)?;
        let (accepted, commit) = prekeys.respond(identity, message, now)?;
        let sender = pre.identity;
        let status = self.observe(trust, contact, &sender, now)?;
        let identity_change = match status {
            IdentityStatus::Changed { blocked: true, .. } => return Err(Error::IdentityChanged),
            IdentityStatus::Changed { previous, .. } => Some(previous),
            IdentityStatus::New | IdentityStatus::Known { .. } => None,
        };
        prekeys.commit(commit);
        let session = accepted.session;
        let ours_wins = self.current.as_ref().is_some_and(|c| {
            c.remote_identity == sender
                && c.pending
                    .as_ref()
                    .is_some_and(|p| p.base_key < pre.base_key)
        });
        if ours_wins {
            self.archive(session);
        } else {
            self.promote(session);
        }
        Ok(Received {
            plaintext: Zeroizing::new(accepted.plaintext),
            sender,
            new_session: true,
            from_archive: ours_wins,
            identity_change,
        })
    }

    /// Decrypts a message on a state this record already has: a normal
    /// message, or a prekey message of a session it accepted before. A
    /// prekey message that would set up a new session is
    /// [`Error::SessionMismatch`] here (see [`SessionRecord::decrypt`]),
    /// and so is any message when there is no session. No identity,
    /// prekeys or trust are needed; on any error nothing changes.
    pub fn decrypt_existing(&mut self, message: &[u8]) -> Result<Received> {
        let parsed = parse(message)?;
        self.decrypt_known(&parsed)
            .unwrap_or(Err(Error::SessionMismatch))
    }

    /// The decrypt on the state the message's keys name, or `None` if it
    /// names none (a prekey message with a new base key, or no session).
    fn decrypt_known(&mut self, parsed: &Parsed<'_>) -> Option<Result<Received>> {
        let slot = match &parsed.preamble {
            Some(pre) => self.find(|s| s.their_base_key == Some(pre.base_key)),
            None => self
                .find(|s| s.knows_ratchet_key(&parsed.header.ratchet_key))
                .or(self.current.as_ref().map(|_| Slot::Current)),
        }?;
        let session = self.get_mut(slot)?;
        if let Some(pre) = &parsed.preamble
            && pre.identity != *session.remote_identity()
        {
            return Some(Err(Error::SessionMismatch));
        }
        Some(session.decrypt_parsed(parsed).map(|pt| Received {
            plaintext: Zeroizing::new(pt),
            sender: *session.remote_identity(),
            new_session: false,
            from_archive: matches!(slot, Slot::Archived(_)),
            identity_change: None,
        }))
    }

    /// `trust.observe(contact, identity)`, after recording the current
    /// session's identity for a contact the trust store does not know yet
    /// (a session adopted or restored without trust), so that another
    /// identity is a change, never a first sight.
    fn observe(
        &self,
        trust: &mut TrustStore,
        contact: &[u8],
        identity: &IdentityKey,
        now: u64,
    ) -> Result<IdentityStatus> {
        if trust.record(contact).is_none()
            && let Some(known) = self.remote_identity()
            && known != identity
        {
            // If this fails nothing was recorded; once it succeeded the
            // contact has a record, so the observe below cannot fail.
            trust.observe(contact, known, now)?;
        }
        trust.observe(contact, identity, now)
    }

    fn find(&self, pred: impl Fn(&Session) -> bool) -> Option<Slot> {
        if self.current.as_ref().is_some_and(&pred) {
            return Some(Slot::Current);
        }
        self.archived.iter().position(pred).map(Slot::Archived)
    }

    fn get_mut(&mut self, slot: Slot) -> Option<&mut Session> {
        match slot {
            Slot::Current => self.current.as_mut(),
            Slot::Archived(i) => self.archived.get_mut(i),
        }
    }

    /// `session` becomes current; the previous current is archived. States
    /// of another identity than the new one's are dropped.
    fn promote(&mut self, mut session: Session) {
        session.retired_at = 0;
        let identity = session.remote_identity;
        if let Some(old) = self.current.replace(session) {
            self.archive(old);
        }
        self.archived.retain(|s| s.remote_identity == identity);
    }

    /// Puts `session` first in the archive, dropping the oldest beyond
    /// [`MAX_ARCHIVED_SESSIONS`].
    fn archive(&mut self, mut session: Session) {
        session.retired_at = 0;
        self.archived.insert(0, session);
        self.archived.truncate(MAX_ARCHIVED_SESSIONS);
    }
}

// ---------------------------------------------------------------- state

/// Appends `len u32 ‖ session state`.
fn put_session(out: &mut crate::secret::SecretBuf, s: &Session) {
    let bytes = s.to_bytes();
    // A session state is far below 4 GiB (its counts are bounded).
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&bytes);
}

fn read_session(r: &mut Reader<'_>) -> Result<Session> {
    let len = usize::try_from(r.u32()?).map_err(|_| Error::Malformed)?;
    Session::from_bytes(r.bytes(len)?)
}

impl SessionRecord {
    /// The plain state encoding (holds keys; wiped on drop):
    ///
    /// ```text
    /// 0x04 | 0x88 | has_current u8 | [len u32 | session state]
    ///      | archived u8 (≤ MAX_ARCHIVED_SESSIONS) | archived × (len u32 | session state)
    /// ```
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = sealed::begin(TYPE_SESSION_RECORD, 512);
        out.push(u8::from(self.current.is_some()));
        if let Some(s) = &self.current {
            put_session(&mut out, s);
        }
        // Bounded by MAX_ARCHIVED_SESSIONS (40).
        out.push(u8::try_from(self.archived.len()).unwrap_or(u8::MAX));
        for s in &self.archived {
            put_session(&mut out, s);
        }
        out.into_zeroizing()
    }

    /// Restores a record from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        sealed::check(&mut r, TYPE_SESSION_RECORD)?;
        let current = if r.flag()? {
            Some(read_session(&mut r)?)
        } else {
            None
        };
        let count = usize::from(r.u8()?);
        if count > MAX_ARCHIVED_SESSIONS {
            return Err(Error::Malformed);
        }
        let mut archived = Vec::with_capacity(count);
        for _ in 0..count {
            archived.push(read_session(&mut r)?);
        }
        r.finish()?;
        Ok(SessionRecord { current, archived })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_SESSION_RECORD, &self.to_bytes())
    }

    /// Restores a record from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_SESSION_RECORD, bytes)?)
    }
}
