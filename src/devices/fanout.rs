//! Sessions with verified devices, and fan-out: one message per device.
//!
//! ```text
//! encrypt to device d:  record.current.remote_identity = d.identity   else UntrustedIdentity
//!                       (no current session: SessionMismatch)
//! fan-out(targets):     check every target first, then encrypt to each; nothing is encrypted
//!                       if any check fails
//! initiate with d:      bundle.identity = d.identity                  else UntrustedIdentity
//! decrypt from d:       the sender's identity (proved by decryption) = d.identity
//!                                                                     else UntrustedIdentity
//! ```
//!
//! A device's identity is trusted because its account signed it
//! ([`super::verify_devices`]), not by trust on first use: each call pins
//! the session to the one identity the verified list names for that
//! device, so neither the server nor a bundle can put another key there.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::{DeviceKind, VerifiedDevice, VerifiedDevices};
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::prekeys::{PrekeyBundle, PrekeyStore};
use crate::session::{Received, SessionRecord};
use crate::trust::{TrustPolicy, TrustStore};

/// The name a device's pinned trust record goes by (internal to each call).
const PINNED: &[u8] = b"device";

/// One message of a fan-out, for one device.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceMessage {
    /// The device's index in its account.
    pub index: u32,
    /// The message to deliver to that device.
    pub message: Vec<u8>,
}

impl core::fmt::Debug for DeviceMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceMessage")
            .field("index", &self.index)
            .field("len", &self.message.len())
            .finish()
    }
}

/// A device that joined or left an account's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceChange {
    /// The device.
    pub device: VerifiedDevice,
    /// True if it joined, false if it left.
    pub added: bool,
}

impl VerifiedDevice {
    /// A trust store holding this device's identity alone, so the session
    /// calls accept nothing else.
    fn pinned(&self) -> Result<TrustStore> {
        let mut trust = TrustStore::new(TrustPolicy::Block);
        trust.observe(PINNED, &self.identity, 0)?;
        Ok(trust)
    }

    /// Starts a session with this device from its prekey bundle, which must
    /// be this device's ([`Error::UntrustedIdentity`] otherwise, with
    /// `record` unchanged).
    pub fn initiate<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        identity: &IdentityKeyPair,
        record: &mut SessionRecord,
        bundle: &PrekeyBundle,
        now: u64,
    ) -> Result<()> {
        if bundle.identity != self.identity {
            return Err(Error::UntrustedIdentity);
        }
        let mut trust = self.pinned()?;
        record
            .initiate(rng, identity, bundle, &mut trust, PINNED, now)
            .map(|_| ())
    }

    /// Checks that `record`'s current session is with this device.
    pub fn check(&self, record: &SessionRecord) -> Result<()> {
        let current = record.remote_identity().ok_or(Error::SessionMismatch)?;
        if *current != self.identity {
            return Err(Error::UntrustedIdentity);
        }
        Ok(())
    }

    /// Encrypts to this device with `record`'s current session.
    pub fn encrypt<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        record: &mut SessionRecord,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        record.encrypt(rng, &self.pinned()?, PINNED, plaintext)
    }

    /// Decrypts a message from this device: a prekey message sets up a
    /// session only if its sender is this device's identity
    /// ([`Error::UntrustedIdentity`] otherwise). On any error nothing
    /// changes.
    pub fn decrypt(
        &self,
        identity: &IdentityKeyPair,
        prekeys: &mut PrekeyStore,
        record: &mut SessionRecord,
        message: &[u8],
        now: u64,
    ) -> Result<Received> {
        let mut trust = self.pinned()?;
        // A copy: a message on a session with another identity decrypts
        // (advancing that session) before its sender can be compared.
        let mut next = SessionRecord::from_bytes(&record.to_bytes())?;
        let got = next
            .decrypt(identity, prekeys, &mut trust, PINNED, message, now)
            .map_err(|e| match e {
                Error::IdentityChanged => Error::UntrustedIdentity,
                e => e,
            })?;
        if got.sender != self.identity {
            return Err(Error::UntrustedIdentity);
        }
        *record = next;
        Ok(got)
    }
}

/// Encrypts `plaintext` once for each `(device, session)` pair: every
/// session is checked first ([`VerifiedDevice::check`]), so a failing one
/// means no message for anyone. Returns one message per device, in order.
pub fn encrypt_to_devices<R: CryptoRng + ?Sized>(
    rng: &mut R,
    targets: &mut [(&VerifiedDevice, &mut SessionRecord)],
    plaintext: &[u8],
) -> Result<Vec<DeviceMessage>> {
    for (device, record) in targets.iter() {
        device.check(record)?;
    }
    let mut out = Vec::with_capacity(targets.len());
    for (device, record) in targets.iter_mut() {
        out.push(DeviceMessage {
            index: device.index,
            message: device.encrypt(rng, record, plaintext)?,
        });
    }
    Ok(out)
}

impl VerifiedDevices {
    /// The device at `index`, if it is on the list.
    pub fn device(&self, index: u32) -> Option<&VerifiedDevice> {
        self.devices.iter().find(|d| d.index == index)
    }

    /// The devices to send to: all but `own` (this device's identity, when
    /// the list is our own account's).
    pub fn targets<'a>(
        &'a self,
        own: &'a IdentityKey,
    ) -> impl Iterator<Item = &'a VerifiedDevice> + 'a {
        self.devices.iter().filter(move |d| d.identity != *own)
    }

    /// What changed from `self` to `newer`: devices that left, then devices
    /// that joined (a device whose identity or kind changed at the same
    /// index both left and joined).
    pub fn changes_to(&self, newer: &VerifiedDevices) -> Vec<DeviceChange> {
        let left = self
            .devices
            .iter()
            .filter(|d| !newer.devices.contains(d))
            .map(|d| DeviceChange {
                device: *d,
                added: false,
            });
        let joined = newer
            .devices
            .iter()
            .filter(|d| !self.devices.contains(d))
            .map(|d| DeviceChange {
                device: *d,
                added: true,
            });
        left.chain(joined).collect()
    }

    /// The key the security code covers: the account key and the identity
    /// of every device not hosted by a service provider, encoded, sorted,
    /// without repeats, concatenated. For an account whose only device is
    /// its primary (whose identity is the account key) this is that one
    /// key, so its code is the single-device code.
    pub fn code_key(&self) -> Vec<u8> {
        let mut keys: Vec<[u8; crate::IDENTITY_KEY_LEN]> = self
            .devices
            .iter()
            .filter(|d| d.kind != DeviceKind::Hosted)
            .map(|d| d.identity.to_bytes())
            .chain(core::iter::once(self.account.to_bytes()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.concat()
    }
}
