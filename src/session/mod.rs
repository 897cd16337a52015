//! A 1:1 session: X3DH or PQXDH setup followed by the Double Ratchet.
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
mod decrypt;
mod encrypt;
mod ratchet;
mod receiving;
mod record;
mod skipped;
mod state;
mod wire;
mod x3dh;

pub use accept::Accepted;
pub use ratchet::{LABEL_MESSAGE_KEYS, LABEL_RATCHET, MAX_OLD_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS};
pub use record::{MAX_ARCHIVED_SESSIONS, Received, SessionRecord};
pub use wire::{MessageKind, PrekeyMessageInfo, inspect_prekey_message, message_kind};
pub use x3dh::{LABEL_PQXDH, LABEL_PQXDH_SESSION_AD, LABEL_SESSION_AD, LABEL_X3DH};

use alloc::boxed::Box;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::chain::Chain;
use crate::crypto::{DhKeyPair, KEM_CIPHERTEXT_LEN};
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::prekeys::{PqPolicy, PrekeyBundle, PrekeySecrets};
use crate::secret::Secret32;
use ratchet::kdf_rk;
use receiving::ReceiverChain;
use skipped::SkippedKeys;
use wire::{Parsed, PqPreamble, Preamble};
use x3dh::{PrekeyBundleParts, ResponderKeys};

/// Largest header of any message but a PQXDH prekey message (an X3DH
/// preamble with a one-time prekey, two 5-byte varints).
const MAX_CLASSIC_HEADER_LEN: usize = 2 + 64 + 32 + 4 + 1 + 4 + 32 + 5 + 5;
/// What a PQXDH preamble adds: kind, id and the KEM ciphertext.
const PQ_PREAMBLE_LEN: usize = 1 + 4 + KEM_CIPHERTEXT_LEN;
/// Largest header a message can have.
const MAX_HEADER_LEN: usize = MAX_CLASSIC_HEADER_LEN + PQ_PREAMBLE_LEN;

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
    /// Boxed: `None` is then a null pointer, never 128 bytes of whatever
    /// the stack held when the session was built (which a move into the
    /// heap would copy along).
    pending: Option<Box<Preamble>>,
    their_base_key: Option<[u8; 32]>,
    /// Set up with PQXDH (a KEM secret in the root key), not X3DH.
    post_quantum: bool,
    /// While archived in a [`SessionRecord`]: when it was archived, seconds
    /// since the epoch (0 until stamped, and while current).
    retired_at: u64,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("remote_identity", &self.remote_identity)
            .field("awaiting_reply", &self.pending.is_some())
            .field("post_quantum", &self.post_quantum)
            .field("skipped_keys", &self.skipped.len())
            .field("old_chains", &self.old_chains.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Starts a session as the initiator from a responder's prekey bundle:
    /// PQXDH if the bundle has a post-quantum prekey, else X3DH
    /// ([`PqPolicy::Prefer`]; see [`Session::initiate_with`]).
    ///
    /// Verifies the prekeys' signatures (strict Ed25519), the KEM key's
    /// encoding, and that every DH output is contributory. The session's
    /// messages are prekey messages until the first reply decrypts.
    pub fn initiate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &PrekeyBundle,
    ) -> Result<Session> {
        Self::initiate_with(rng, identity, bundle, PqPolicy::Prefer)
    }

    /// [`Session::initiate`] under `policy`: with [`PqPolicy::Require`], a
    /// bundle without a post-quantum prekey is
    /// [`Error::PostQuantumRequired`] (no downgrade to X3DH).
    pub fn initiate_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        bundle: &PrekeyBundle,
        policy: PqPolicy,
    ) -> Result<Session> {
        bundle.check_policy(policy)?;
        bundle.verify()?;
        let parts = PrekeyBundleParts {
            identity: &bundle.identity,
            spk: &bundle.signed_prekey.public,
            opk: bundle.one_time_prekey.as_ref().map(|o| &o.public),
            pq: bundle.pq_prekey.as_ref().map(|p| &p.public),
        };
        let x3dh::Initiated {
            setup,
            base_key,
            ciphertext,
        } = x3dh::initiate(rng, identity, &parts)?;
        let pq = match (ciphertext, &bundle.pq_prekey) {
            (Some(ciphertext), Some(p)) => Some(PqPreamble {
                kind: p.kind,
                id: p.id,
                ciphertext,
            }),
            _ => None,
        };
        let post_quantum = pq.is_some();
        let dhs = DhKeyPair::generate(rng);
        let dh = dhs.agree(&bundle.signed_prekey.public)?;
        let (root, ck) = kdf_rk(&setup.sk, &dh);
        Ok(Session {
            ad: setup.ad,
            remote_identity: bundle.identity,
            root: Box::new(root),
            dhs,
            dhr: Some(bundle.signed_prekey.public),
            sending: Some(Chain::new(ck, 0)),
            prev_sending_len: 0,
            receiving: None,
            old_chains: Vec::new(),
            skipped: SkippedKeys::default(),
            pending: Some(Box::new(Preamble {
                identity: *identity.public_key(),
                base_key,
                spk_id: bundle.signed_prekey.id,
                opk_id: bundle.one_time_prekey.map(|o| o.id),
                pq,
            })),
            their_base_key: None,
            post_quantum,
            retired_at: 0,
        })
    }

    /// The responder's side: runs X3DH or PQXDH with the prekeys the
    /// message named (looked up in the responder's prekey store) and
    /// decrypts the first message. Returns the session and the plaintext;
    /// on any error nothing is kept.
    fn respond(
        identity: &IdentityKeyPair,
        prekeys: &PrekeySecrets<'_>,
        message: &Parsed<'_>,
    ) -> Result<(Session, Vec<u8>)> {
        let pre = message.preamble.as_ref().ok_or(Error::WrongType)?;
        let pq = match (&prekeys.pq, &pre.pq) {
            (Some(pair), Some(p)) => Some((pair, &*p.ciphertext)),
            (None, None) => None,
            _ => return Err(Error::Internal),
        };
        let keys = ResponderKeys {
            spk: prekeys.signed,
            opk: prekeys.one_time,
            pq,
        };
        let setup = x3dh::respond(identity, &keys, &pre.identity, &pre.base_key)?;
        let mut session = Session {
            ad: setup.ad,
            remote_identity: pre.identity,
            root: Box::new(setup.sk),
            dhs: prekeys.signed.duplicate(),
            dhr: None,
            sending: None,
            prev_sending_len: 0,
            receiving: None,
            old_chains: Vec::new(),
            skipped: SkippedKeys::default(),
            pending: None,
            their_base_key: Some(pre.base_key),
            post_quantum: keys.pq.is_some(),
            retired_at: 0,
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

    /// True if the session was set up with PQXDH (its keys rest on ML-KEM
    /// as well as X25519), false for X3DH.
    pub fn is_post_quantum(&self) -> bool {
        self.post_quantum
    }

    /// Number of skipped message keys currently stored.
    pub fn skipped_key_count(&self) -> usize {
        self.skipped.len()
    }

    /// True if a message under the ratchet key `key` belongs to this
    /// session's receiving chain, an earlier chain still open, or its
    /// skipped keys.
    fn knows_ratchet_key(&self, key: &[u8; 32]) -> bool {
        self.receiving
            .as_ref()
            .is_some_and(|c| c.ratchet_key == *key)
            || self.old_chains.iter().any(|c| c.ratchet_key == *key)
            || self.skipped.has_chain(key)
    }

    /// Number of earlier receiving chains kept open for late messages.
    pub fn old_chain_count(&self) -> usize {
        self.old_chains.len()
    }

    /// Stamps the skipped message keys and closed chains kept since the
    /// last call with `now` (seconds since the epoch). Call it after every
    /// decrypt in a conversation with disappearing messages, so that
    /// [`Session::forget_kept_keys`] knows their age.
    pub fn stamp_skipped_keys(&mut self, now: u64) {
        self.skipped.stamp(now);
        for c in self
            .old_chains
            .iter_mut()
            .filter(|c| c.closed_at == 0 || c.closed_at > now)
        {
            c.closed_at = now;
        }
    }

    /// The earliest stamp of a skipped key or closed chain still kept:
    /// when [`Session::forget_kept_keys`] will next have work.
    pub fn oldest_kept_stamp(&self) -> Option<u64> {
        let chains = self
            .old_chains
            .iter()
            .map(|c| c.closed_at)
            .filter(|t| *t != 0)
            .min();
        match (self.skipped.oldest_stamp(), chains) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Deletes the skipped message keys and closed receiving chains stamped
    /// at or before `cutoff` (seconds since the epoch): the keys of
    /// messages that were sent before then and never arrived. With
    /// disappearing messages of duration `d`, `cutoff = now − d`: those
    /// messages have expired. Returns how many keys and chains went; a
    /// message that needed one is [`Error::Duplicate`] afterwards.
    pub fn forget_kept_keys(&mut self, cutoff: u64) -> usize {
        let chains = self.old_chains.len();
        self.old_chains
            .retain(|c| c.closed_at == 0 || c.closed_at > cutoff);
        let chains = chains.saturating_sub(self.old_chains.len());
        self.skipped
            .forget_stored_until(cutoff)
            .saturating_add(chains)
    }
}

/// `AD ‖ header_bytes`, the associated data of a message: on the stack,
/// except for a PQXDH prekey message, whose header (with its 1568-byte KEM
/// ciphertext) goes on the heap, so that every other message neither
/// allocates nor clears a buffer sized for it.
enum MessageAd {
    Stack([u8; 32 + MAX_CLASSIC_HEADER_LEN], usize),
    Heap(Vec<u8>),
}

impl MessageAd {
    /// [`Error::Malformed`] for a header longer than any message has.
    fn new(ad: &[u8; 32], header: &[u8]) -> Result<Self> {
        if header.len() > MAX_HEADER_LEN {
            return Err(Error::Malformed);
        }
        if header.len() > MAX_CLASSIC_HEADER_LEN {
            return Ok(MessageAd::Heap([&ad[..], header].concat()));
        }
        let total = header.len().checked_add(32).ok_or(Error::Malformed)?;
        let mut buf = [0u8; 32 + MAX_CLASSIC_HEADER_LEN];
        let out = buf.get_mut(..total).ok_or(Error::Malformed)?;
        let (a, b) = out.split_at_mut(32);
        a.copy_from_slice(ad);
        b.copy_from_slice(header);
        Ok(MessageAd::Stack(buf, total))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            MessageAd::Stack(buf, len) => buf.get(..*len).unwrap_or(&[]),
            MessageAd::Heap(v) => v,
        }
    }
}
