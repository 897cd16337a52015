//! A 1:1 session: X3DH setup followed by the Double Ratchet.
//!
//! Initialisation (Double Ratchet spec §3.3, with our deferral of §6.5):
//!
//! ```text
//! initiator: DHs = GEN; DHr = SPK_B; (RK, CKs) = KDF_RK(SK, DH(DHs, SPK_B))
//! responder: DHs = SPK_B; RK = SK; no sending chain until it has received
//! ```
//!
//! On a message with a new ratchet key the receiver performs only the
//! receiving half of the DH ratchet; the sending half (new `DHs`,
//! `KDF_RK(RK, DH(DHs, DHr))`) runs at the next encrypt. Decryption therefore
//! needs no randomness and its cost is at most one DH.
//!
//! Decrypt is transactional: every derivation happens on copies, and the
//! session changes only after the AEAD tag has verified.

mod accept;
mod ratchet;
mod receiving;
mod skipped;
mod state;
mod wire;
mod x3dh;

pub use accept::Accepted;
pub use ratchet::{LABEL_MESSAGE_KEYS, LABEL_RATCHET, MAX_OLD_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS};
pub use wire::{MessageKind, PrekeyMessageInfo, inspect_prekey_message, message_kind};
pub use x3dh::{LABEL_SESSION_AD, LABEL_X3DH};

use alloc::boxed::Box;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::chain::Chain;
use crate::crypto::{AeadKey, DhKeyPair, TAG_LEN};
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::padding;
use crate::prekeys::{PrekeyBundle, PrekeySecrets};
use crate::secret::Secret32;
use crate::trust::TrustStore;
use ratchet::kdf_rk;
use receiving::ReceiverChain;
use skipped::{SkippedKey, SkippedKeys};
use wire::{Header, Parsed, Preamble, encode_header, parse};
use x3dh::PrekeyBundleParts;

/// Largest header a message can have (prekey preamble, two 5-byte varints).
const MAX_HEADER_LEN: usize = 2 + 64 + 32 + 4 + 1 + 4 + 32 + 5 + 5;

/// An end-to-end encrypted conversation with one remote device.
///
/// Create one with [`Session::initiate`] (from the peer's prekey bundle) or
/// [`crate::PrekeyStore::accept`] (from the peer's first message). Not
/// `Clone`: two copies of a session would reuse message keys. Persist it with
/// [`Session::to_bytes`] or [`Session::seal`] after every encrypt and decrypt.
pub struct Session {
    ad: [u8; 32],
    remote_identity: IdentityKey,
    /// Boxed, like every long-lived secret: moving the session (into a
    /// collection that grows, say) moves a pointer, never a key.
    root: Box<Secret32>,
    dhs: DhKeyPair,
    dhr: Option<[u8; 32]>,
    sending: Option<Chain>,
    prev_sending_len: u32,
    receiving: Option<ReceiverChain>,
    old_chains: Vec<ReceiverChain>,
    skipped: SkippedKeys,
    pending: Option<Preamble>,
    their_base_key: Option<[u8; 32]>,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("remote_identity", &self.remote_identity)
            .field("awaiting_reply", &self.pending.is_some())
            .field("skipped_keys", &self.skipped.len())
            .field("old_chains", &self.old_chains.len())
            .finish_non_exhaustive()
    }
}

/// The sending half of a DH ratchet step, not yet committed. `PN` needs no
/// field: the receiving half already set `prev_sending_len`.
struct SendRatchet {
    dhs: DhKeyPair,
    root: Secret32,
    chain: Chain,
}

impl Session {
    /// Starts a session as the initiator from a responder's prekey bundle.
    ///
    /// Verifies the signed prekey's signature (strict Ed25519) and that every
    /// DH output is contributory. The session's messages are prekey messages
    /// until the first reply decrypts.
    pub fn initiate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &PrekeyBundle,
    ) -> Result<Session> {
        bundle.verify()?;
        let parts = PrekeyBundleParts {
            identity: &bundle.identity,
            spk: &bundle.signed_prekey.public,
            opk: bundle.one_time_prekey.as_ref().map(|o| &o.public),
        };
        let (sk, base_key) = x3dh::initiate(rng, identity, &parts)?;
        let dhs = DhKeyPair::generate(rng);
        let dh = dhs.agree(&bundle.signed_prekey.public)?;
        let (root, ck) = kdf_rk(&sk, &dh);
        Ok(Session {
            ad: x3dh::session_ad(identity.public_key(), &bundle.identity),
            remote_identity: bundle.identity,
            root: Box::new(root),
            dhs,
            dhr: Some(bundle.signed_prekey.public),
            sending: Some(Chain::new(ck, 0)),
            prev_sending_len: 0,
            receiving: None,
            old_chains: Vec::new(),
            skipped: SkippedKeys::default(),
            pending: Some(Preamble {
                identity: *identity.public_key(),
                base_key,
                spk_id: bundle.signed_prekey.id,
                opk_id: bundle.one_time_prekey.map(|o| o.id),
            }),
            their_base_key: None,
        })
    }

    /// The responder's side: runs X3DH with the prekeys the message named
    /// (looked up in the responder's prekey store) and decrypts the first
    /// message. Returns the session and the plaintext; on any error nothing
    /// is kept.
    fn respond(
        identity: &IdentityKeyPair,
        prekeys: &PrekeySecrets<'_>,
        message: &Parsed<'_>,
    ) -> Result<(Session, Vec<u8>)> {
        let pre = message.preamble.as_ref().ok_or(Error::WrongType)?;
        let sk = x3dh::respond(
            identity,
            prekeys.signed,
            prekeys.one_time,
            &pre.identity,
            &pre.base_key,
        )?;
        let mut session = Session {
            ad: x3dh::session_ad(&pre.identity, identity.public_key()),
            remote_identity: pre.identity,
            root: Box::new(sk),
            dhs: prekeys.signed.duplicate(),
            dhr: None,
            sending: None,
            prev_sending_len: 0,
            receiving: None,
            old_chains: Vec::new(),
            skipped: SkippedKeys::default(),
            pending: None,
            their_base_key: Some(pre.base_key),
        };
        let plaintext = session.decrypt_parsed(message)?;
        Ok((session, plaintext))
    }

    /// The remote device's identity.
    pub fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// True while this (initiator) session has not yet decrypted a reply, so
    /// that its messages still carry the session-setup preamble.
    pub fn is_awaiting_reply(&self) -> bool {
        self.pending.is_some()
    }

    /// Number of skipped message keys currently stored.
    pub fn skipped_key_count(&self) -> usize {
        self.skipped.len()
    }

    /// Number of earlier receiving chains kept open for late messages.
    pub fn old_chain_count(&self) -> usize {
        self.old_chains.len()
    }

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
        let mut out = Vec::with_capacity(
            MAX_HEADER_LEN
                .saturating_add(padding::padded_len(plaintext.len()).unwrap_or(0))
                .saturating_add(TAG_LEN),
        );
        encode_header(&mut out, self.pending.as_ref(), &header);
        let header_len = out.len();
        let mut ad = [0u8; 32 + MAX_HEADER_LEN];
        let ad = fill_ad(&mut ad, &self.ad, &out)?;
        padding::pad_into(&mut out, plaintext)?;
        AeadKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).seal_in_place(ad, &mut out, header_len)?;
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
        let dhr = self.dhr.as_ref().ok_or(Error::Malformed)?;
        let dhs = DhKeyPair::generate(rng);
        let dh = dhs.agree(dhr)?;
        let (root, ck) = kdf_rk(&self.root, &dh);
        Ok(SendRatchet {
            dhs,
            root,
            chain: Chain::new(ck, 0),
        })
    }

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

    fn decrypt_parsed(&mut self, p: &Parsed<'_>) -> Result<Vec<u8>> {
        let h = &p.header;
        let mut ad_buf = [0u8; 32 + MAX_HEADER_LEN];
        let ad = fill_ad(&mut ad_buf, &self.ad, p.header_bytes)?;

        // 1. The current receiving chain.
        if let Some(chain) = self.receiving.as_mut()
            && chain.ratchet_key == h.ratchet_key
        {
            if h.n < chain.next() {
                return self.decrypt_skipped(h, ad, p.sealed);
            }
            let adv = chain.advance_to(h.n)?;
            let pt = AeadKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
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
            let chain = self.old_chains.get_mut(i).ok_or(Error::Malformed)?;
            if h.n < chain.next() {
                return self.decrypt_skipped(h, ad, p.sealed);
            }
            let adv = chain.advance_to(h.n)?;
            let pt = AeadKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
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
        };
        let adv = chain.advance_to(h.n)?;
        let pt = AeadKey::derive(&adv.seed, LABEL_MESSAGE_KEYS).open(ad, p.sealed)?;
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
        let key: &SkippedKey = self.skipped.get(i).ok_or(Error::Duplicate)?;
        let pt = AeadKey::derive(&key.seed, LABEL_MESSAGE_KEYS).open(ad, sealed)?;
        let pt = padding::unpad(pt)?;
        self.skipped.remove(i);
        self.pending = None;
        Ok(pt)
    }
}

/// `AD ‖ header_bytes` in a stack buffer.
fn fill_ad<'a>(
    buf: &'a mut [u8; 32 + MAX_HEADER_LEN],
    ad: &[u8; 32],
    header: &[u8],
) -> Result<&'a [u8]> {
    let total = header.len().checked_add(32).ok_or(Error::Malformed)?;
    let out = buf.get_mut(..total).ok_or(Error::Malformed)?;
    let (a, b) = out.split_at_mut(32);
    a.copy_from_slice(ad);
    b.copy_from_slice(header);
    Ok(out)
}
