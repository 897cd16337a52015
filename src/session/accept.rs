//! The responder's side of session setup: a prekey message, the prekey
//! store's private prekeys, X3DH and the first decrypt.
//!
//! The one-time prekey the message names is consumed only once the message
//! has decrypted, so a forged or corrupted prekey message uses up nothing.

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::identity::IdentityKeyPair;
use crate::prekeys::PrekeyStore;

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
        let parsed = parse(message)?;
        let pre = parsed.preamble.ok_or(Error::WrongType)?;
        let (session, plaintext) = {
            let secrets = self.look_up(pre.spk_id, pre.opk_id, now)?;
            Session::respond(identity, &secrets, &parsed)?
        };
        self.consume(pre.opk_id);
        Ok(Accepted { session, plaintext })
    }
}
