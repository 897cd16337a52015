//! A group's state in parts, for a store that keeps each member's sender
//! keys in a row of its own, so that decrypting one member's message
//! rewrites that member's keys and nothing else:
//!
//! ```text
//! shell  = the group's state encoding with every member's key count 0
//! member = 0x04 | 0x89 | identity (64) | key count u8 (≤ MAX_SENDER_KEY_STATES) | keys
//!          (each key as in the group's state encoding)
//! ```
//!
//! `Group::from_bytes(shell)` then [`Group::set_member_state`] for the
//! members whose keys are needed gives a group that decrypts their messages.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use crate::codec::Reader;
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::sealed::{self, TYPE_GROUP_MEMBER};

use super::Group;
use super::state::{put_member_keys, read_member_keys};

impl Group {
    /// The state encoding without any member's sender keys (holds our own
    /// sender key; wiped on drop).
    pub fn shell_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.encode(false)
    }

    /// The state of one member's sender keys (holds keys; wiped on drop), or
    /// `None` if `member` is not in the group.
    pub fn member_state(&self, member: &IdentityKey) -> Option<Zeroizing<Vec<u8>>> {
        let m = self.members.iter().find(|m| m.identity == *member)?;
        let mut out = sealed::begin(TYPE_GROUP_MEMBER, 128);
        out.extend_from_slice(&m.identity.to_bytes());
        put_member_keys(&mut out, m);
        Some(out.into_zeroizing())
    }

    /// Stamps the skipped message keys kept since the last call with `now`
    /// (seconds since the epoch); see [`crate::Session::stamp_skipped_keys`].
    /// Sender keys a member has since replaced are stamped too.
    pub fn stamp_skipped_keys(&mut self, now: u64) {
        for m in &mut self.members {
            let newest = m.keys.len().saturating_sub(1);
            for (i, k) in m.keys.iter_mut().enumerate() {
                k.stamp(now);
                if i < newest && (k.retired_at == 0 || k.retired_at > now) {
                    k.retired_at = now;
                }
            }
        }
    }

    /// The earliest stamp of a skipped key still kept.
    pub fn oldest_kept_stamp(&self) -> Option<u64> {
        let retired = self
            .members
            .iter()
            .flat_map(|m| m.keys.iter())
            .map(|k| k.retired_at)
            .filter(|t| *t != 0);
        self.members
            .iter()
            .flat_map(|m| m.keys.iter())
            .filter_map(|k| k.oldest_stamp())
            .chain(retired)
            .min()
    }

    /// Deletes the skipped message keys stamped at or before `cutoff`
    /// (seconds since the epoch); see [`crate::Session::forget_kept_keys`].
    /// Returns how many went.
    /// A replaced sender key stamped at or before `cutoff` goes whole.
    pub fn forget_kept_keys(&mut self, cutoff: u64) -> usize {
        let members: Vec<IdentityKey> = self.members.iter().map(|m| m.identity).collect();
        members.iter().fold(0, |n, m| {
            n.saturating_add(self.forget_member_kept_keys(m, cutoff))
        })
    }

    /// [`Group::forget_kept_keys`] for one member's keys (0 for someone
    /// who is not a member).
    pub fn forget_member_kept_keys(&mut self, member: &IdentityKey, cutoff: u64) -> usize {
        let mut n = 0usize;
        for m in self.members.iter_mut().filter(|m| m.identity == *member) {
            let newest = m.keys.len().saturating_sub(1);
            let mut i = 0usize;
            m.keys.retain(|k| {
                let replaced = i < newest;
                i = i.saturating_add(1);
                let keep = !replaced || k.retired_at == 0 || k.retired_at > cutoff;
                if !keep {
                    n = n.saturating_add(1);
                }
                keep
            });
            for k in m.keys.iter_mut() {
                n = n.saturating_add(k.forget_stored_until(cutoff));
            }
        }
        n
    }

    /// True if any member's sender keys are held.
    pub fn has_member_keys(&self) -> bool {
        self.members.iter().any(|m| !m.keys.is_empty())
    }

    /// Replaces one member's sender keys with a [`Group::member_state`]
    /// and returns the member. A member not in the group is
    /// [`Error::NotAMember`]; on any error nothing changes.
    pub fn set_member_state(&mut self, bytes: &[u8]) -> Result<IdentityKey> {
        let mut r = Reader::new(bytes);
        let version = sealed::check(&mut r, TYPE_GROUP_MEMBER)?;
        let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
        let keys = read_member_keys(&mut r, version)?;
        r.finish()?;
        let m = self
            .members
            .iter_mut()
            .find(|m| m.identity == identity)
            .ok_or(Error::NotAMember)?;
        m.keys = keys;
        Ok(identity)
    }
}

impl Group {
    /// [`Group::shell_bytes`] encrypted under the host's 32-byte key: a
    /// sealed group state ([`Group::open`] reads it) without member keys.
    pub fn seal_shell<R: rand_core::CryptoRng + ?Sized>(
        &self,
        key: &[u8; 32],
        rng: &mut R,
    ) -> Result<Vec<u8>> {
        sealed::seal(key, rng, crate::sealed::TYPE_GROUP, &self.shell_bytes())
    }

    /// [`Group::member_state`] encrypted under the host's 32-byte key;
    /// `None` if `member` is not in the group.
    pub fn seal_member_state<R: rand_core::CryptoRng + ?Sized>(
        &self,
        member: &IdentityKey,
        key: &[u8; 32],
        rng: &mut R,
    ) -> Option<Result<Vec<u8>>> {
        let plain = self.member_state(member)?;
        Some(sealed::seal(key, rng, TYPE_GROUP_MEMBER, &plain))
    }

    /// Opens a [`Group::seal_member_state`] and sets that member's keys
    /// ([`Group::set_member_state`]).
    pub fn open_member_state(&mut self, key: &[u8; 32], bytes: &[u8]) -> Result<IdentityKey> {
        self.set_member_state(&sealed::open(key, TYPE_GROUP_MEMBER, bytes)?)
    }
}
