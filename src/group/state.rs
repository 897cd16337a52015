//! Persistence of a group.
//!
//! ```text
//! 0x04 | 0x84 | id_len u8 (1..=64) | id | owner identity (64)
//!      | own: chain_id u32 | iteration u32 | chain key (32) | signing seed (32)
//!      | member count u16 (≤ MAX_GROUP_MEMBERS)
//!      | per member: identity (64) | key count u8 (≤ MAX_SENDER_KEY_STATES)
//!      |   per key: chain_id u32 | signing public (32) | chain key (32) | next u32
//!      |            | skipped count u16 (≤ MAX_GROUP_SKIPPED_KEYS)
//!      |            | per skipped: iteration u32 | stored_at u64 (absent in version 0x02) | seed (32)
//!      |            | retired_at u64 (absent in version 0x02)
//! ```
//!
//! Decoding checks the invariants decrypt relies on: members are distinct,
//! a member's chain ids are distinct, and skipped iterations are strictly
//! increasing and below `next`.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

use ed25519_dalek::SigningKey;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::chain::Chain;
use crate::codec::Reader;
use crate::crypto;
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::sealed::{self, TYPE_GROUP};
use crate::secret::{Secret32, SecretBuf};

use super::receiver::ReceiverKey;
use super::sender::SenderKey;
use super::wire::read_group_id;
use super::{Group, MAX_GROUP_MEMBERS, MAX_GROUP_SKIPPED_KEYS, MAX_SENDER_KEY_STATES, Member};

fn secret(r: &mut Reader<'_>) -> Result<Secret32> {
    Ok(Secret32::new(*Zeroizing::new(r.array::<32>()?)))
}

fn put_key(out: &mut SecretBuf, k: &ReceiverKey) {
    out.extend_from_slice(&k.chain_id.to_be_bytes());
    out.extend_from_slice(k.signing.as_bytes());
    out.extend_from_slice(k.chain.key().expose());
    out.extend_from_slice(&k.chain.next().to_be_bytes());
    // Bounded by MAX_GROUP_SKIPPED_KEYS (2000).
    let count = u16::try_from(k.skipped.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&count.to_be_bytes());
    for (i, seed, stored_at) in &k.skipped {
        out.extend_from_slice(&i.to_be_bytes());
        out.extend_from_slice(&stored_at.to_be_bytes());
        out.extend_from_slice(seed.expose());
    }
    out.extend_from_slice(&k.retired_at.to_be_bytes());
}

fn read_key(r: &mut Reader<'_>, version: u8) -> Result<ReceiverKey> {
    let chain_id = r.u32()?;
    let signing = crypto::ed25519_public_checked(&r.array()?)?;
    let ck = secret(r)?;
    let next = r.u32()?;
    let count = usize::from(r.u16()?);
    if count > MAX_GROUP_SKIPPED_KEYS {
        return Err(Error::Malformed);
    }
    let mut skipped: VecDeque<(u32, Box<Secret32>, u64)> = VecDeque::with_capacity(count);
    for _ in 0..count {
        let i = r.u32()?;
        let increasing = skipped.back().is_none_or(|(prev, _, _)| *prev < i);
        if !increasing || i >= next {
            return Err(Error::Malformed);
        }
        let stored_at = if version == sealed::STATE_VERSION_2 {
            0
        } else {
            r.u64()?
        };
        skipped.push_back((i, Box::new(secret(r)?), stored_at));
    }
    let retired_at = if version == sealed::STATE_VERSION_2 {
        0
    } else {
        r.u64()?
    };
    Ok(ReceiverKey {
        chain_id,
        signing,
        chain: Chain::new(ck, next),
        skipped,
        retired_at,
    })
}

/// Appends `key count u8 ‖ keys` of one member.
pub(super) fn put_member_keys(out: &mut SecretBuf, m: &Member) {
    // Bounded by MAX_SENDER_KEY_STATES (5).
    out.push(u8::try_from(m.keys.len()).unwrap_or(u8::MAX));
    for k in &m.keys {
        put_key(out, k);
    }
}

/// Reads `key count u8 ‖ keys` of one member, checking the count and that
/// chain ids are distinct.
pub(super) fn read_member_keys(r: &mut Reader<'_>, version: u8) -> Result<VecDeque<ReceiverKey>> {
    let key_count = usize::from(r.u8()?);
    if key_count > MAX_SENDER_KEY_STATES {
        return Err(Error::Malformed);
    }
    let mut keys: VecDeque<ReceiverKey> = VecDeque::with_capacity(key_count);
    for _ in 0..key_count {
        let key = read_key(r, version)?;
        if keys.iter().any(|k| k.chain_id == key.chain_id) {
            return Err(Error::Malformed);
        }
        keys.push_back(key);
    }
    Ok(keys)
}

impl Group {
    /// The plain state encoding (holds keys; wiped on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.encode(true)
    }

    /// The state encoding, with every member's sender keys or with none
    /// (key count 0: the shell a store keeps apart from the members' rows).
    pub(super) fn encode(&self, with_keys: bool) -> Zeroizing<Vec<u8>> {
        let keys: usize = self
            .members
            .iter()
            .flat_map(|m| m.keys.iter())
            .fold(0, |n, k| {
                n.saturating_add(74)
                    .saturating_add(8)
                    .saturating_add(k.skipped.len().saturating_mul(44))
            });
        let capacity = keys
            .saturating_add(self.members.len().saturating_mul(65))
            .saturating_add(204);
        let mut out = sealed::begin(TYPE_GROUP, capacity);
        // The id length was validated on creation (1..=64).
        out.push(u8::try_from(self.id.len()).unwrap_or(0));
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&self.owner.to_bytes());
        out.extend_from_slice(&self.own.chain_id.to_be_bytes());
        out.extend_from_slice(&self.own.chain.next().to_be_bytes());
        out.extend_from_slice(self.own.chain.key().expose());
        out.extend_from_slice(&*Zeroizing::new(self.own.signing.to_bytes()));
        // Bounded by MAX_GROUP_MEMBERS (1024) and MAX_SENDER_KEY_STATES (5).
        let count = u16::try_from(self.members.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&count.to_be_bytes());
        for m in &self.members {
            out.extend_from_slice(&m.identity.to_bytes());
            if with_keys {
                put_member_keys(&mut out, m);
            } else {
                out.push(0);
            }
        }
        out.into_zeroizing()
    }

    /// Restores a group from its plain state encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let version = sealed::check(&mut r, TYPE_GROUP)?;
        let id = Vec::from(read_group_id(&mut r)?);
        let owner = IdentityKey::from_bytes(r.bytes(64)?)?;
        let chain_id = r.u32()?;
        let iteration = r.u32()?;
        let ck = secret(&mut r)?;
        let signing = SigningKey::from_bytes(&Zeroizing::new(r.array::<32>()?));
        let own = SenderKey {
            chain_id,
            chain: Chain::new(ck, iteration),
            signing: Box::new(signing),
        };
        let member_count = usize::from(r.u16()?);
        if member_count > MAX_GROUP_MEMBERS {
            return Err(Error::Malformed);
        }
        let mut members: Vec<Member> = Vec::with_capacity(member_count);
        for _ in 0..member_count {
            let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
            if members.iter().any(|m| m.identity == identity) {
                return Err(Error::Malformed);
            }
            let keys = read_member_keys(&mut r, version)?;
            members.push(Member { identity, keys });
        }
        r.finish()?;
        Ok(Group {
            id,
            owner,
            own,
            members,
        })
    }

    /// The encrypted state encoding under the host's 32-byte key.
    pub fn seal<R: CryptoRng + ?Sized>(&self, key: &[u8; 32], rng: &mut R) -> Result<Vec<u8>> {
        sealed::seal(key, rng, TYPE_GROUP, &self.to_bytes())
    }

    /// Restores a group from its encrypted state encoding.
    pub fn open(key: &[u8; 32], bytes: &[u8]) -> Result<Self> {
        Self::from_bytes(&sealed::open(key, TYPE_GROUP, bytes)?)
    }
}
