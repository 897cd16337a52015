//! Sealed sender through the store: a content message sealed so that the
//! server routing it learns only its recipient, and its reception.
//!
//! ```text
//! send_sealed(contact, content, certificate): as send, then the message is sealed to the
//!   contact's session identity (sotto::sealed_sender::seal) before it enters the outbox
//! receive_sealed(trust root, sealed): open with this device's identity (certificate verified
//!   to the pinned root, unexpired, naming the identity that sealed); the contact is the
//!   certificate's sender id; then receive as from that contact, the inner message required
//!   to be from the sealed identity (UntrustedIdentity otherwise, nothing committed)
//! ```

use rand_core::CryptoRng;

use super::Store;
use super::content::{Sent, after_send, seal};
use super::conversations::{self, KIND_CONTACT};
use super::mailbox::{Incoming, outbox};
use super::objects;
use super::traffic::encrypt_in;
use crate::error::{Error, Result};
use sotto::sealed_sender::{self, SenderCertificate};
use sotto::{Content, IdentityKey, IdentityKeyPair, SessionRecord};

impl Store {
    /// Sends `content` to `contact` as [`Store::send`] does, sealed: the
    /// message in the outbox (and returned) is a sealed-sender envelope to
    /// the contact's session identity, carrying `certificate` (ours, from
    /// the service; one for another identity is [`sotto::Error::WrongType`]).
    pub fn send_sealed<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        contact: &[u8],
        content: &Content,
        certificate: &SenderCertificate,
        now_ms: u64,
    ) -> Result<Sent> {
        self.transaction(|tx, keys| {
            let me: IdentityKeyPair = objects::load_device(tx, keys)?;
            let (row, fresh) = conversations::load::<KIND_CONTACT>(tx, keys, contact, now_ms)?;
            let (envelope, bytes, meta) = seal(content, row.timer, now_ms)?;
            let (record, message) = encrypt_in(tx, keys, rng, contact, &bytes)?;
            let recipient = *record.remote_identity().ok_or(Error::NotFound)?;
            let sealed = sealed_sender::seal(rng, &me, certificate, &recipient, &message)?;
            objects::save(tx, keys, rng, contact, &record)?;
            after_send(tx, keys, rng, row, fresh, &envelope)?;
            let outgoing = outbox::<SessionRecord, R>(tx, keys, rng, contact, meta, sealed)?;
            Ok(Sent {
                outgoing,
                sent_at_ms: envelope.sent_at_ms,
            })
        })
    }

    /// Receives a sealed-sender envelope at `now_ms`, with the app's pinned
    /// service `trust_root`: opened with this device's identity (see
    /// [`sotto::sealed_sender::open`] for every refusal), filed under the
    /// certificate's sender id as the contact's name, then received as
    /// [`Store::receive`] does, the inner message required to come from the
    /// identity that sealed it ([`sotto::Error::UntrustedIdentity`]
    /// otherwise). Nothing is committed on any error but one, as for
    /// [`Store::receive`]: a genuine identity change of the contact (the
    /// sealer and the inner message agree) under the Block policy is
    /// [`sotto::Error::IdentityChanged`] with the change held as pending.
    pub fn receive_sealed<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        trust_root: &IdentityKey,
        sealed: &[u8],
        now_ms: u64,
    ) -> Result<Incoming> {
        let me = self.device_identity()?;
        let opened = sealed_sender::open(&me, trust_root, sealed, now_ms)?;
        objects::check_name(&opened.certificate.sender)?;
        let contact = opened.certificate.sender.clone();
        self.receive_from(
            rng,
            &contact,
            &opened.message,
            now_ms,
            Some(&opened.identity),
        )
    }
}
