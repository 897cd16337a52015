//! Decrypting: a message's key comes from the current receiving chain, an
//! earlier chain still open, the skipped keys, or the receiving half of a DH
//! ratchet step on a new ratchet key:
//!
//! ```text
//! new DHr : (RK, CKr) = KDF_RK(RK, DH(DHs, DHr)); Nr = 0; the old chain closes at PN
//! message : seed, CKr' = KDF_CK(CKr) (n − Nr ≤ MAX_SKIP times, keeping the skipped seeds)
//!           plaintext = unpad(DECRYPT(seed, ciphertext, AD ‖ header_bytes))
//! ```
//!
//! Decrypt is transactional: every derivation happens on copies, and the
//! session changes only after the AEAD tag has verified.

use alloc::vec::Vec;

use crate::chain::Chain;
use crate::crypto::MessageKey;
use crate::error::{Error, Result};
use crate::padding;

use super::ratchet::{LABEL_MESSAGE_KEYS, MAX_OLD_CHAINS, MAX_SKIP, kdf_rk};
use super::receiving::ReceiverChain;
use super::skipped::SkippedKey;
use super::wire::{Header, Parsed, parse};
use super::{MessageAd, Session};

impl Session {
    /// Decrypts a message from the remote device.
    ///
    /// Accepts normal messages and the prekey messages that created this
    /// session (others fail with [`Error::SessionMismatch`]). Any failure
    /// leaves the session exactly as it was.
    pub fn decrypt(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        let parsed = parse(message)?;
        if let Some(p) = &parsed.preamble
            && (self.their_base_key != Some(p.base_key) || p.identity != self.remote_identity)
        {
            return Err(Error::SessionMismatch);
        }
        self.decrypt_parsed(&parsed)
    }

    pub(super) fn decrypt_parsed(&mut self, p: &Parsed<'_>) -> Result<Vec<u8>> {
        let h = &p.header;
        let ad_buf = MessageAd::new(&self.ad, p.header_bytes)?;
        let ad = ad_buf.bytes();

        // 1. The current receiving chain.
        if let Some(chain) = self.receiving.as_mut()
            && chain.ratchet_key == h.ratchet_key
        {
            if h.n < chain.next() {
                return self.decrypt_skipped(h, ad, p.sealed);
            }
            let adv = chain.advance_to(h.n)?;
            let pt = MessageKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
            let pt = padding::unpad(pt)?;
            let skipped = chain.commit(adv);
            self.skipped.extend(&h.ratchet_key, skipped);
            self.pending = None;
            return Ok(pt);
        }

        // 2. An earlier chain still open.
        if let Some(i) = self
            .old_chains
            .iter()
            .position(|c| c.ratchet_key == h.ratchet_key)
        {
            let chain = self.old_chains.get_mut(i).ok_or(Error::Internal)?;
            if h.n < chain.next() {
                return self.decrypt_skipped(h, ad, p.sealed);
            }
            let adv = chain.advance_to(h.n)?;
            let pt = MessageKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
            let pt = padding::unpad(pt)?;
            let skipped = chain.commit(adv);
            if chain.is_exhausted() {
                self.old_chains.remove(i);
            }
            self.skipped.extend(&h.ratchet_key, skipped);
            self.pending = None;
            return Ok(pt);
        }

        // 3. A closed chain of which only skipped keys remain.
        if self.skipped.has_chain(&h.ratchet_key) {
            return self.decrypt_skipped(h, ad, p.sealed);
        }

        // 4. A new ratchet key: the receiving half of a DH ratchet step.
        if h.n > MAX_SKIP {
            return Err(Error::TooFarAhead);
        }
        let dh = self.dhs.agree(&h.ratchet_key)?;
        let (root, ck) = kdf_rk(&self.root, &dh);
        let mut chain = ReceiverChain {
            ratchet_key: h.ratchet_key,
            chain: Chain::new(ck, 0),
            end: None,
            closed_at: 0,
        };
        let adv = chain.advance_to(h.n)?;
        let pt = MessageKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
        let pt = padding::unpad(pt)?;
        // Commit.
        let skipped = chain.commit(adv);
        if let Some(mut previous) = self.receiving.take() {
            previous.end = Some(h.pn);
            if !previous.is_exhausted() {
                if self.old_chains.len() >= MAX_OLD_CHAINS {
                    self.old_chains.remove(0);
                }
                self.old_chains.push(previous);
            }
        }
        self.receiving = Some(chain);
        self.dhr = Some(h.ratchet_key);
        *self.root = root;
        if let Some(sending) = &self.sending {
            self.prev_sending_len = sending.next();
        }
        // Dropped in place, not moved out: its chain key is wiped where it
        // lies instead of leaving a copy in the session's memory.
        self.sending = None;
        self.skipped.extend(&h.ratchet_key, skipped);
        self.pending = None;
        Ok(pt)
    }

    fn decrypt_skipped(&mut self, h: &Header, ad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let i = self
            .skipped
            .position(&h.ratchet_key, h.n)
            .ok_or(Error::Duplicate)?;
        let key: &SkippedKey = self.skipped.get(i).ok_or(Error::Internal)?;
        let pt = MessageKey::derive(&key.seed, LABEL_MESSAGE_KEYS).open(ad, sealed)?;
        let pt = padding::unpad(pt)?;
        self.skipped.remove(i);
        self.pending = None;
        Ok(pt)
    }
}
