//! Group messaging with Sender Keys.
//!
//! Every member owns a *sender key*: a random chain id, a 32-byte chain key,
//! an iteration and an Ed25519 signing key pair. It sends the key's current
//! position to every other member in a distribution message over their
//! pairwise sessions, then encrypts each group message once, for any group
//! size. The distribution is bound to its owner: the sender key's signing
//! key signs it together with the owner's identity, so a receiver accepts it
//! only from the member whose session delivered it, and refuses a signing key
//! already registered to another member (the `wire` module has the format):
//!
//! ```text
//! seed_i, CK_{i+1} = HMAC-SHA256(CK_i, 0x01), HMAC-SHA256(CK_i, 0x02)
//! key ‖ nonce      = HKDF-SHA256(salt = 0x00 × 32, IKM = seed_i, info = "sotto v1 group message keys", 44)
//! header           = 0x02 | 0x05 | chain_id u32 | i varint
//! body             = AES-256-GCM-SIV(key, nonce, plaintext, AD = header)
//! signature        = Ed25519(sign_key, "sotto v1 group message" ‖ len(group_id) u8 ‖ group_id ‖ header ‖ body)
//! message          = header ‖ body ‖ signature
//! ```
//!
//! A receiver verifies the signature before deriving any key, advances at
//! most [`MAX_GROUP_JUMP`] steps per message, keeps at most
//! [`MAX_GROUP_SKIPPED_KEYS`] keys of passed-over messages per sender key
//! (oldest deleted first) and at most [`MAX_SENDER_KEY_STATES`] sender keys
//! per member (oldest deleted first), so that messages in flight during a
//! rotation still decrypt. A message decrypts once: replays are
//! [`Error::Duplicate`]. A failed decrypt changes nothing.
//!
//! Membership is the app's to decide and the [`Group`]'s to enforce: only
//! members' distributions and messages are accepted, and
//! [`Group::remove_member`] deletes the member's keys and rotates our own
//! sender key, returning the distribution the remaining members need. Sender
//! keys give forward secrecy through the hash chain but no post-compromise
//! security; rotate ([`Group::rotate`]) to recover from a leak.

mod receiver;
mod sender;
mod split;
mod state;
mod wire;

pub use wire::{GroupMessageInfo, inspect_group_message};
pub(crate) use wire::{group_id_len, read_group_id};

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::chain::Chain;
use crate::crypto;
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use receiver::ReceiverKey;
use sender::SenderKey;

/// HKDF info of the per-message AES-256-GCM-SIV key and nonce of group messages.
pub const LABEL_GROUP_MESSAGE_KEYS: &[u8] = b"sotto v1 group message keys";
/// Prefix of the bytes a group message's signature covers.
pub const LABEL_GROUP_SIGNATURE: &[u8] = b"sotto v1 group message";
/// Prefix of the bytes a distribution's binding (the signature that names
/// its owner) covers.
pub const LABEL_GROUP_DISTRIBUTION: &[u8] = b"sotto v1 sender key distribution";

/// The longest group id, in bytes (ids are app-chosen, 1 to 64 bytes).
pub const MAX_GROUP_ID_LEN: usize = 64;
/// The most members a group holds besides ourselves.
pub const MAX_GROUP_MEMBERS: usize = 1024;
/// The most chain steps one incoming group message may make the receiver
/// take (the gap between the next expected iteration and the message's).
pub const MAX_GROUP_JUMP: u32 = 25_000;
/// The most keys of passed-over messages kept per sender key; when full, the
/// oldest are deleted, and their messages then fail with
/// [`Error::Duplicate`].
pub const MAX_GROUP_SKIPPED_KEYS: usize = 2000;
/// The most sender keys kept per member; when a new distribution arrives
/// beyond it, the oldest is deleted.
pub const MAX_SENDER_KEY_STATES: usize = 5;

/// One member as we know them: their identity and the sender keys they have
/// distributed to us, oldest first.
struct Member {
    identity: IdentityKey,
    keys: VecDeque<ReceiverKey>,
}

/// Our view of one group: our own sender key and every member's.
///
/// Members are identified by the identity keys of the pairwise sessions that
/// carry their distribution messages; the app passes the identity a message
/// came from (for a distribution, the [`crate::Session::remote_identity`] of
/// the session that decrypted it). We are not in our own member list; our
/// own identity (the owner) is named in our distributions.
pub struct Group {
    id: Vec<u8>,
    owner: IdentityKey,
    own: SenderKey,
    members: Vec<Member>,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("members", &self.members.len())
            .field("chain_id", &self.own.chain_id)
            .field("iteration", &self.own.chain.next())
            .finish_non_exhaustive()
    }
}

impl Group {
    /// Creates a group with a fresh sender key of our own. `identity` is
    /// ours, the one our pairwise sessions carry: our distributions name it
    /// as their owner, and members accept them only over a session with it.
    /// `id` is the app's group id (1 to [`MAX_GROUP_ID_LEN`] bytes);
    /// `members` are the other members (duplicates are ignored; at most
    /// [`MAX_GROUP_MEMBERS`]).
    ///
    /// Send [`Group::distribution`] to each member over their pairwise
    /// session before the first group message.
    pub fn new<R: CryptoRng + ?Sized>(
        rng: &mut R,
        identity: &IdentityKeyPair,
        id: &[u8],
        members: &[IdentityKey],
    ) -> Result<Self> {
        wire::group_id_len(id)?;
        let mut group = Group {
            id: Vec::from(id),
            owner: *identity.public_key(),
            own: SenderKey::generate(rng, None),
            members: Vec::new(),
        };
        for m in members {
            group.insert_member(m)?;
        }
        Ok(group)
    }

    /// The app's group id.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// Our own identity, which our distributions name as their owner.
    pub fn owner(&self) -> &IdentityKey {
        &self.owner
    }

    /// The other members, in the order they were added.
    pub fn members(&self) -> impl Iterator<Item = &IdentityKey> {
        self.members.iter().map(|m| &m.identity)
    }

    /// True if `identity` is a member.
    pub fn is_member(&self, identity: &IdentityKey) -> bool {
        self.member(identity).is_some()
    }

    /// The chain id of our current sender key.
    pub fn chain_id(&self) -> u32 {
        self.own.chain_id
    }

    /// The number of sender keys we hold for `member` (0 until their first
    /// distribution arrives).
    pub fn sender_key_count(&self, member: &IdentityKey) -> usize {
        self.member(member).map_or(0, |m| m.keys.len())
    }

    /// Our sender key's distribution message at its current position (holds
    /// the chain key: it goes only into pairwise sessions, and the buffer is
    /// wiped when dropped). Whoever processes it can read our messages from
    /// this point on, never earlier ones.
    pub fn distribution(&self) -> Zeroizing<Vec<u8>> {
        // The id was validated when the group was created or restored.
        self.own
            .distribution(&self.id, &self.owner)
            .unwrap_or_else(|_| Zeroizing::new(Vec::new()))
    }

    /// Adds a member and returns the distribution to send them. A member
    /// added later reads our messages from now on, not earlier ones. Adding
    /// an existing member changes nothing and returns the same distribution.
    pub fn add_member(&mut self, identity: &IdentityKey) -> Result<Zeroizing<Vec<u8>>> {
        self.insert_member(identity)?;
        Ok(self.distribution())
    }

    /// Removes a member: deletes every sender key they distributed to us and
    /// rotates our own, returning the new distribution to send to every
    /// remaining member. The removed member can read nothing we send after
    /// this call. Fails with [`Error::NotAMember`] (changing nothing) if
    /// `identity` is not a member.
    pub fn remove_member<R: CryptoRng + ?Sized>(
        &mut self,
        rng: &mut R,
        identity: &IdentityKey,
    ) -> Result<Zeroizing<Vec<u8>>> {
        let pos = self
            .members
            .iter()
            .position(|m| m.identity == *identity)
            .ok_or(Error::NotAMember)?;
        let _ = self.members.remove(pos);
        Ok(self.rotate(rng))
    }

    /// Replaces our sender key with a fresh one (new chain id, chain key and
    /// signing key) and returns its distribution for every member. Use after a
    /// removal (done by [`Group::remove_member`]), periodically, or when a
    /// device may have been compromised.
    pub fn rotate<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Zeroizing<Vec<u8>> {
        self.own = SenderKey::generate(rng, Some(self.own.chain_id));
        self.distribution()
    }

    /// Encrypts and signs a message for every member holding our current
    /// distribution. Fails with [`Error::CounterExhausted`] after
    /// `u32::MAX - 1` messages on one sender key: rotate.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Vec<u8>> {
        self.own.encrypt(&self.id, plaintext)
    }

    /// Processes a member's distribution message, received over the pairwise
    /// session with `from`. It must be bound to `from`
    /// ([`Error::InvalidSignature`] otherwise: another member's distribution
    /// forwarded as their own), and its signing key must not be registered
    /// to another member or be our own ([`Error::InvalidKey`]), whichever
    /// arrived first. A distribution already known (same chain id and
    /// signing key) changes nothing, so a repeated one cannot rewind the
    /// chain; one with a known chain id but another signing key replaces the
    /// old state. Beyond [`MAX_SENDER_KEY_STATES`] the oldest key is dropped.
    /// On any error nothing changes.
    pub fn process_distribution(&mut self, from: &IdentityKey, bytes: &[u8]) -> Result<()> {
        let d = wire::parse_distribution(bytes)?;
        if d.group_id != self.id.as_slice() {
            return Err(Error::GroupMismatch);
        }
        if !self.is_member(from) {
            return Err(Error::NotAMember);
        }
        d.verify_owner(from)?;
        let taken = self
            .members
            .iter()
            .filter(|m| m.identity != *from)
            .flat_map(|m| m.keys.iter())
            .any(|k| k.signing == d.signing_key);
        if taken || self.own.signing.verifying_key() == d.signing_key {
            return Err(Error::InvalidKey);
        }
        let member = self
            .members
            .iter_mut()
            .find(|m| m.identity == *from)
            .ok_or(Error::NotAMember)?;
        if let Some(pos) = member.keys.iter().position(|k| k.chain_id == d.chain_id) {
            let same = member
                .keys
                .get(pos)
                .is_some_and(|k| k.signing == d.signing_key);
            if same {
                return Ok(());
            }
            let _ = member.keys.remove(pos);
        }
        while member.keys.len() >= MAX_SENDER_KEY_STATES {
            let _ = member.keys.pop_front();
        }
        member.keys.push_back(ReceiverKey {
            chain_id: d.chain_id,
            signing: d.signing_key,
            chain: Chain::new(d.chain_key, d.iteration),
            skipped: VecDeque::new(),
            retired_at: 0,
        });
        Ok(())
    }

    /// Verifies and decrypts a group message that the server says `from`
    /// sent. The signature is checked before any key is derived; on any
    /// error nothing changes.
    pub fn decrypt(&mut self, from: &IdentityKey, bytes: &[u8]) -> Result<Vec<u8>> {
        let msg = wire::parse_message(bytes)?;
        let id_len = wire::group_id_len(&self.id)?;
        let member = self
            .members
            .iter_mut()
            .find(|m| m.identity == *from)
            .ok_or(Error::NotAMember)?;
        let key = member
            .keys
            .iter_mut()
            .find(|k| k.chain_id == msg.chain_id)
            .ok_or(Error::UnknownSenderKey)?;
        crypto::verify_parts_checked(
            &key.signing,
            &[LABEL_GROUP_SIGNATURE, &[id_len], &self.id, msg.signed],
            &msg.signature,
        )?;
        key.decrypt(&msg)
    }

    fn member(&self, identity: &IdentityKey) -> Option<&Member> {
        self.members.iter().find(|m| m.identity == *identity)
    }

    fn insert_member(&mut self, identity: &IdentityKey) -> Result<()> {
        if self.is_member(identity) {
            return Ok(());
        }
        if self.members.len() >= MAX_GROUP_MEMBERS {
            return Err(Error::LimitExceeded);
        }
        self.members.push(Member {
            identity: *identity,
            keys: VecDeque::new(),
        });
        Ok(())
    }
}
