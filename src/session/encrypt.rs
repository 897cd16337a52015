//! Encrypting: the sending half of a deferred DH ratchet step when one is
//! due, then one step of the sending chain.
//!
//! ```text
//! when due : DHs = GEN; (RK, CKs) = KDF_RK(RK, DH(DHs, DHr)); Ns = 0
//! message  : seed, CKs' = KDF_CK(CKs); header = (DHs, PN, Ns)
//!            ciphertext = ENCRYPT(seed, pad(plaintext), AD ‖ header_bytes)
//! ```
//!
//! Nothing is committed until the message has been sealed.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::chain::Chain;
use crate::crypto::{DhKeyPair, MessageKey, TAG_LEN};
use crate::error::{Error, Result};
use crate::padding;
use crate::secret::Secret32;
use crate::trust::TrustStore;

use super::ratchet::{LABEL_MESSAGE_KEYS, kdf_rk};
use super::wire::{Header, encode_header};
use super::{MAX_CLASSIC_HEADER_LEN, MessageAd, PQ_PREAMBLE_LEN, Session};

/// The sending half of a DH ratchet step, not yet committed. `PN` needs no
/// field: the receiving half already set `prev_sending_len`.
struct SendRatchet {
    dhs: DhKeyPair,
    root: Secret32,
    chain: Chain,
}

impl Session {
    /// Encrypts `plaintext` into a message for the remote device.
    ///
    /// Performs the sending half of a DH ratchet step first when one is due
    /// (the first message after receiving a new ratchet key), which is the
    /// only use of `rng`. Fails with [`Error::CounterExhausted`] after
    /// `u32::MAX` messages on one chain.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        let mut fresh: Option<SendRatchet> = None;
        let (chain, ratchet_key) = match &self.sending {
            Some(c) => (c, self.dhs.public()),
            None => {
                let s = fresh.insert(self.prepare_send_ratchet(rng)?);
                (&s.chain, s.dhs.public())
            }
        };
        let adv = chain.step()?;
        let header = Header {
            ratchet_key: *ratchet_key,
            pn: self.prev_sending_len,
            n: chain.next(),
        };
        let pq = self.pending.as_ref().is_some_and(|p| p.pq.is_some());
        let header_capacity = if pq {
            MAX_CLASSIC_HEADER_LEN.saturating_add(PQ_PREAMBLE_LEN)
        } else {
            MAX_CLASSIC_HEADER_LEN
        };
        let mut out = Vec::with_capacity(
            header_capacity
                .saturating_add(padding::padded_len(plaintext.len()).unwrap_or(0))
                .saturating_add(TAG_LEN),
        );
        encode_header(&mut out, self.pending.as_deref(), &header);
        let header_len = out.len();
        let ad_buf = MessageAd::new(&self.ad, &out)?;
        let ad = ad_buf.bytes();
        padding::pad_into(&mut out, plaintext)?;
        MessageKey::derive(&adv.seed, LABEL_MESSAGE_KEYS)
            .seal_in_place(ad, &mut out, header_len)?;
        // Commit: keys are written into their boxes in place. A sending step
        // passes over no message.
        match fresh {
            Some(mut s) => {
                let _ = s.chain.commit(adv);
                self.dhs = s.dhs;
                *self.root = s.root;
                self.sending = Some(s.chain);
            }
            None => {
                if let Some(chain) = &mut self.sending {
                    let _ = chain.commit(adv);
                }
            }
        }
        Ok(out)
    }

    /// [`Session::encrypt`] after checking that the session's remote identity
    /// is the one `trust` holds for `contact`: a session to a changed
    /// identity the app has not accepted fails with
    /// [`Error::UntrustedIdentity`], changing nothing.
    pub fn encrypt_checked<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        trust: &TrustStore,
        contact: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        trust.check(contact, &self.remote_identity)?;
        self.encrypt(rng, plaintext)
    }

    fn prepare_send_ratchet<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> Result<SendRatchet> {
        // Every created or restored session has a sending chain or a DHr.
        let dhr = self.dhr.as_ref().ok_or(Error::Internal)?;
        let dhs = DhKeyPair::generate(rng);
        let dh = dhs.agree(dhr)?;
        let (root, ck) = kdf_rk(&self.root, &dh);
        Ok(SendRatchet {
            dhs,
            root,
            chain: Chain::new(ck, 0),
        })
    }
}
