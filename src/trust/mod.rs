//! Identity trust: which identity each contact has, since when, and whether
//! the users verified it by comparing security codes.
//!
//! Trust on first use, then pinning. The first identity seen for a contact
//! (from a fetched prekey bundle, or from the first message they send that
//! *decrypted*) is recorded, unverified. A different identity later is an
//! **identity change**: [`TrustStore::observe`] reports it as
//! [`IdentityStatus::Changed`]. What happens next is the [`TrustPolicy`]:
//!
//! * [`TrustPolicy::Block`]: the new identity is held as pending and
//!   [`TrustStore::check`] refuses it ([`Error::UntrustedIdentity`]) until the
//!   app calls [`TrustStore::accept_change`], typically after the user has
//!   seen a notice and, ideally, compared security codes again. The trusted
//!   identity, and whether it was verified, stay as they were: the genuine
//!   contact can still be written to.
//! * [`TrustPolicy::Warn`]: the new identity replaces the old one at once,
//!   unverified, and the app shows a notice.
//!
//! Only identities that proved themselves may be observed: a bundle's (its
//! signed prekey is signed by it) or the sender of a message that decrypted
//! ([`crate::Received::sender`]); never the identity written in a prekey
//! message that has not decrypted yet, which anyone can forge.
//! [`crate::SessionRecord`] (and the store) observe at the right points.
//!
//! Contacts are identified by the app's stable user identifier (1 to
//! [`MAX_CONTACT_ID_LEN`] bytes), the same one it uses in security codes.

mod state;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::identity::IdentityKey;

/// The longest contact identifier, in bytes.
pub const MAX_CONTACT_ID_LEN: usize = 255;
/// The most contacts a trust store holds.
pub const MAX_TRUST_RECORDS: usize = 100_000;

/// What to do when a contact's identity changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustPolicy {
    /// Refuse to encrypt to the new identity until the app accepts the
    /// change. The safer choice, and the default.
    Block,
    /// Report the change, mark the contact unverified, and continue with the
    /// new identity.
    Warn,
}

/// What the trust store knows about one contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustRecord {
    /// The identity trusted for this contact.
    pub identity: IdentityKey,
    /// When that identity was first seen (or accepted), seconds since the epoch.
    pub first_seen: u64,
    /// Whether the users verified this identity (compared security codes).
    pub verified: bool,
    /// A different identity seen since and not yet accepted ([`TrustPolicy::Block`]).
    pub pending: Option<PendingChange>,
}

/// An identity change waiting for the app's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingChange {
    /// The new identity.
    pub identity: IdentityKey,
    /// When it was first seen, seconds since the epoch.
    pub seen_at: u64,
}

/// The outcome of [`TrustStore::observe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityStatus {
    /// The contact was unknown; this identity is now recorded, unverified.
    New,
    /// The identity on record.
    Known {
        /// Whether the users verified it.
        verified: bool,
    },
    /// Not the identity on record. Under [`TrustPolicy::Warn`] it replaced
    /// that identity, unverified; under [`TrustPolicy::Block`] it is pending
    /// and the identity on record (verified or not) stays trusted.
    Changed {
        /// The identity trusted until now.
        previous: IdentityKey,
        /// Whether that identity had been verified.
        was_verified: bool,
        /// True under [`TrustPolicy::Block`]: the new identity is refused until
        /// [`TrustStore::accept_change`]. False under [`TrustPolicy::Warn`]: it
        /// replaced the old one.
        blocked: bool,
    },
}

/// Trust records for every contact, with the policy for identity changes.
/// `Debug` shows the policy and the number of records, not the contacts.
#[derive(Clone, PartialEq, Eq)]
pub struct TrustStore {
    policy: TrustPolicy,
    records: BTreeMap<Vec<u8>, TrustRecord>,
}

impl core::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrustStore")
            .field("policy", &self.policy)
            .field("records", &self.records.len())
            .finish()
    }
}

fn check_contact(contact: &[u8]) -> Result<()> {
    if contact.is_empty() || contact.len() > MAX_CONTACT_ID_LEN {
        return Err(Error::LimitExceeded);
    }
    Ok(())
}

impl TrustStore {
    /// An empty store with the given policy.
    pub fn new(policy: TrustPolicy) -> Self {
        TrustStore {
            policy,
            records: BTreeMap::new(),
        }
    }

    /// The policy for identity changes.
    pub fn policy(&self) -> TrustPolicy {
        self.policy
    }

    /// Changes the policy; pending changes stay pending until accepted.
    pub fn set_policy(&mut self, policy: TrustPolicy) {
        self.policy = policy;
    }

    /// The record of a contact.
    pub fn record(&self, contact: &[u8]) -> Option<&TrustRecord> {
        self.records.get(contact)
    }

    /// Every contact's record, ordered by contact identifier.
    pub fn records(&self) -> impl Iterator<Item = (&[u8], &TrustRecord)> {
        self.records.iter().map(|(c, r)| (c.as_slice(), r))
    }

    /// The number of contacts.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True if no contact is recorded.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records that `identity` was presented for `contact`: call it with the
    /// identity of every fetched prekey bundle before starting a session, and
    /// with the sender of every message that set up a session *after* it
    /// decrypted ([`crate::Received::sender`]; [`crate::SessionRecord`] does
    /// both). Never call it with the identity of a message that has not
    /// decrypted: anyone can write any identity into a prekey message. Fails
    /// only on a contact id of the wrong length or a full store
    /// ([`Error::LimitExceeded`]), changing nothing.
    pub fn observe(
        &mut self,
        contact: &[u8],
        identity: &IdentityKey,
        now: u64,
    ) -> Result<IdentityStatus> {
        check_contact(contact)?;
        let Some(record) = self.records.get_mut(contact) else {
            if self.records.len() >= MAX_TRUST_RECORDS {
                return Err(Error::LimitExceeded);
            }
            self.records.insert(
                Vec::from(contact),
                TrustRecord {
                    identity: *identity,
                    first_seen: now,
                    verified: false,
                    pending: None,
                },
            );
            return Ok(IdentityStatus::New);
        };
        if record.identity == *identity {
            return Ok(IdentityStatus::Known {
                verified: record.verified,
            });
        }
        let previous = record.identity;
        let was_verified = record.verified;
        match self.policy {
            TrustPolicy::Block => {
                if record.pending.map(|p| p.identity) != Some(*identity) {
                    record.pending = Some(PendingChange {
                        identity: *identity,
                        seen_at: now,
                    });
                }
                Ok(IdentityStatus::Changed {
                    previous,
                    was_verified,
                    blocked: true,
                })
            }
            TrustPolicy::Warn => {
                *record = TrustRecord {
                    identity: *identity,
                    first_seen: now,
                    verified: false,
                    pending: None,
                };
                Ok(IdentityStatus::Changed {
                    previous,
                    was_verified,
                    blocked: false,
                })
            }
        }
    }

    /// Succeeds if `identity` is the one trusted for `contact`, so that the
    /// app may encrypt to it ([`crate::Session::encrypt_checked`] does this
    /// check). A pending or unknown identity is [`Error::UntrustedIdentity`];
    /// an unknown contact [`Error::UnknownContact`].
    pub fn check(&self, contact: &[u8], identity: &IdentityKey) -> Result<()> {
        let record = self.records.get(contact).ok_or(Error::UnknownContact)?;
        if record.identity == *identity {
            Ok(())
        } else {
            Err(Error::UntrustedIdentity)
        }
    }

    /// Accepts a pending identity change: `identity` becomes the trusted
    /// identity, unverified, first seen `now`. Fails with
    /// [`Error::UntrustedIdentity`] if `identity` is not the pending one.
    pub fn accept_change(
        &mut self,
        contact: &[u8],
        identity: &IdentityKey,
        now: u64,
    ) -> Result<()> {
        let record = self.records.get_mut(contact).ok_or(Error::UnknownContact)?;
        match record.pending {
            Some(p) if p.identity == *identity => {
                *record = TrustRecord {
                    identity: *identity,
                    first_seen: now,
                    verified: false,
                    pending: None,
                };
                Ok(())
            }
            _ => Err(Error::UntrustedIdentity),
        }
    }

    /// Marks the trusted identity of `contact` verified (after the users
    /// compared security codes: [`crate::ScanResult::Match`] or the same 60
    /// digits) or not. Fails with [`Error::UntrustedIdentity`] if `identity`
    /// is not the trusted one.
    pub fn set_verified(
        &mut self,
        contact: &[u8],
        identity: &IdentityKey,
        verified: bool,
    ) -> Result<()> {
        let record = self.records.get_mut(contact).ok_or(Error::UnknownContact)?;
        if record.identity != *identity {
            return Err(Error::UntrustedIdentity);
        }
        record.verified = verified;
        Ok(())
    }

    /// Forgets a contact. Returns whether it was known.
    pub fn remove(&mut self, contact: &[u8]) -> bool {
        self.records.remove(contact).is_some()
    }
}
