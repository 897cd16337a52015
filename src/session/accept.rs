//! The responder's side of session setup: a prekey message, the prekey
//! store's private prekeys, X3DH or PQXDH and the first decrypt.
//!
//! The one-time prekeys (classical and post-quantum) the message names are
//! consumed only once the message has decrypted, so a forged or corrupted
//! prekey message uses up nothing. Under [`crate::PqPolicy::Require`] the
//! store refuses a message without a post-quantum prekey.
//! The message's base key is then remembered while its signed prekey is
//! held: accepting the same prekey message again (a replay, or the second
//! message of a burst given to `accept` instead of to the session it
//! created) is [`Error::Duplicate`], with or without a one-time prekey.

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::identity::IdentityKeyPair;
use crate::prekeys::{PqPrekeyKind, PrekeyStore};

use super::Session;
use super::wire::parse;

/// A session created from a prekey message, with the message's plaintext.
/// `Debug` shows the plaintext's length, never its bytes.
pub struct Accepted {
    /// The responder's new session.
    pub session: Session,
    /// The first message's plaintext.
    pub plaintext: Vec<u8>,
}

impl core::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Accepted")
            .field("session", &self.session)
            .field("plaintext_len", &self.plaintext.len())
            .finish()
    }
}

impl PrekeyStore {
    /// Creates the responder's session from a prekey message and decrypts it.
    ///
    /// Looks up the signed prekey (current, or previous within its grace
    /// period at `now`) and the one-time prekey the message names, runs X3DH
    /// and decrypts. Only when that succeeds is the one-time prekey deleted;
    /// on any error the store is unchanged.
    pub fn accept(
        &mut self,
        identity: &IdentityKeyPair,
        message: &[u8],
        now: u64,
    ) -> Result<Accepted> {
        let (accepted, commit) = self.respond(identity, message, now)?;
        self.commit(commit);
        Ok(accepted)
    }

    /// [`PrekeyStore::accept`] without its change to the store: what to
    /// [`PrekeyStore::commit`] once the caller keeps the session.
    pub(crate) fn respond(
        &self,
        identity: &IdentityKeyPair,
        message: &[u8],
        now: u64,
    ) -> Result<(Accepted, AcceptCommit)> {
        let parsed = parse(message)?;
        let pre = parsed.preamble.as_ref().ok_or(Error::WrongType)?;
        self.check_base_key(pre.spk_id, &pre.base_key)?;
        let secrets = self.look_up(pre.spk_id, pre.opk_id, pre.pq_id(), now)?;
        let commit = AcceptCommit {
            spk_id: pre.spk_id,
            opk_id: pre.opk_id,
            pq: pre.pq_id(),
            base_key: pre.base_key,
        };
        let (session, plaintext) = Session::respond(identity, &secrets, &parsed)?;
        Ok((Accepted { session, plaintext }, commit))
    }

    /// Consumes the one-time prekey and remembers the base key of an
    /// accepted prekey message.
    pub(crate) fn commit(&mut self, commit: AcceptCommit) {
        self.consume(commit.opk_id, commit.pq);
        self.remember_base_key(commit.spk_id, &commit.base_key);
    }
}

/// What accepting a prekey message changes in the prekey store.
pub(crate) struct AcceptCommit {
    spk_id: u32,
    opk_id: Option<u32>,
    pq: Option<(PqPrekeyKind, u32)>,
    base_key: [u8; 32],
}
