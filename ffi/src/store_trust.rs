//! The store's sessions and trust (feature `store`): starting a session
//! under the store's trust records, who an inbox entry is from, the trust
//! records themselves, and the commit counter that reveals a restored copy.

use ::sotto_store::Store;
use sotto::TrustPolicy;

use crate::identity_key;
use crate::panic::boundary;
use crate::ptr;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::store::sotto_store;
use crate::verify::{identity_status, policy, sotto_identity_status};

/// Who an inbox entry is from. Flags are 0 or 1.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_sender {
    /// 1 if `identity` is set (every 1:1 and group message has a sender).
    pub has_identity: u8,
    /// The identity the message is cryptographically from, whatever name
    /// the server filed it under.
    pub identity: [u8; 64],
    /// 1 if the message set up a session with another identity than the
    /// one trusted for the contact (policy warn): show that the contact's
    /// security code changed.
    pub identity_changed: u8,
    /// When `identity_changed`: the identity trusted until then.
    pub previous: [u8; 64],
}

/// The store's trust record of one contact. Flags are 0 or 1.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_trust_record {
    /// The identity trusted for the contact.
    pub identity: [u8; 64],
    /// When it was first seen (or accepted), seconds since the epoch.
    pub first_seen: u64,
    /// 1 if the users verified it (compared security codes).
    pub verified: u8,
    /// 1 if another identity was seen since and waits for
    /// `sotto_store_accept_identity_change` (policy block).
    pub has_pending: u8,
    /// When `has_pending`: that identity.
    pub pending: [u8; 64],
    /// When `has_pending`: when it was first seen.
    pub pending_seen_at: u64,
}

/// Starts a session with `contact` from its serialized prekey bundle, with
/// this device's identity (`sotto_store_set_device`), once the store's trust
/// records accept the bundle's identity, and writes what they said to
/// `*status`. A changed identity under policy block is
/// `SOTTO_STATUS_IDENTITY_CHANGED` (held as pending; nothing else changes).
///
/// # Safety
///
/// `store` is NULL or live; `contact` and `bundle` are NULL (with length 0)
/// or readable for their lengths; `status` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_initiate(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    bundle: *const u8,
    bundle_len: usize,
    now: u64,
    status: *mut sotto_identity_status,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(bundle, bundle_len) }?;
        // SAFETY: caller contract.
        let status = unsafe { ptr::out(status) }?;
        let bundle = sotto::PrekeyBundle::from_bytes(bytes)?;
        *status = identity_status(s.inner.initiate(&mut OsRng, contact, &bundle, now)?);
        Ok(())
    })
}

/// Who the inbox entry `id` is from. An entry no longer in the inbox is
/// `SOTTO_STATUS_NOT_FOUND`.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_incoming_sender(
    store: *const sotto_store,
    id: i64,
    out: *mut sotto_sender,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let after = id.checked_sub(1).ok_or(sotto_status::NotFound)?;
        let entry = s
            .inner
            .next_incoming(after)?
            .filter(|e| e.id == id)
            .ok_or(sotto_status::NotFound)?;
        *out = sotto_sender {
            has_identity: u8::from(entry.sender.is_some()),
            identity: entry.sender.map(|k| k.to_bytes()).unwrap_or([0u8; 64]),
            identity_changed: u8::from(entry.identity_change.is_some()),
            previous: entry
                .identity_change
                .map(|k| k.to_bytes())
                .unwrap_or([0u8; 64]),
        };
        Ok(())
    })
}

/// The store's trust record of `contact`; none is `SOTTO_STATUS_UNKNOWN_CONTACT`.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL (with length 0) or readable
/// for its length; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_trust_record(
    store: *const sotto_store,
    contact: *const u8,
    contact_len: usize,
    out: *mut sotto_trust_record,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let r = s
            .inner
            .trust_record(contact)?
            .ok_or(sotto_status::UnknownContact)?;
        *out = sotto_trust_record {
            identity: r.identity.to_bytes(),
            first_seen: r.first_seen,
            verified: u8::from(r.verified),
            has_pending: u8::from(r.pending.is_some()),
            pending: r
                .pending
                .map(|p| p.identity.to_bytes())
                .unwrap_or([0u8; 64]),
            pending_seen_at: r.pending.map(|p| p.seen_at).unwrap_or(0),
        };
        Ok(())
    })
}

/// Sets the store's policy for identity changes: 0 block (the default:
/// refuse a changed identity until accepted), 1 warn (accept and report).
///
/// # Safety
///
/// `store` is NULL or live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_trust_policy(
    store: *mut sotto_store,
    policy_code: u32,
) -> sotto_status {
    boundary(|| {
        let p = policy(policy_code)?;
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        s.inner.set_trust_policy(&mut OsRng, p)?;
        Ok(())
    })
}

/// Writes the store's policy for identity changes to `*policy_code`: 0
/// block (also before any was set), 1 warn.
///
/// # Safety
///
/// `store` is NULL or live; `policy_code` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_trust_policy(
    store: *const sotto_store,
    policy_code: *mut u32,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(policy_code) }?;
        *out = match s.inner.trust_policy()? {
            TrustPolicy::Block => 0,
            TrustPolicy::Warn => 1,
        };
        Ok(())
    })
}

/// Runs `f` on the store with a contact and a 64-byte identity.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL (with length 0) or readable
/// for its length; `identity` is NULL or 64 readable bytes.
unsafe fn with_contact(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    f: impl FnOnce(&mut Store, &[u8], &sotto::IdentityKey) -> Result<(), ::sotto_store::Error>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let id = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        f(&mut s.inner, contact, &id)?;
        Ok(())
    })
}

/// Accepts `contact`'s pending identity change (`identity`, 64 bytes) after
/// the user saw the notice: it becomes trusted, unverified. A message
/// refused with `SOTTO_STATUS_IDENTITY_CHANGED` then decrypts.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL (with length 0) or readable
/// for its length; `identity` is NULL or 64 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_accept_identity_change(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    now: u64,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe {
        with_contact(store, contact, contact_len, identity, |s, c, id| {
            s.accept_identity_change(&mut OsRng, c, id, now)
        })
    }
}

/// Marks `contact`'s trusted identity verified (`verified` 1, after the
/// users compared security codes) or not (0).
///
/// # Safety
///
/// As for `sotto_store_accept_identity_change`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_set_verified(
    store: *mut sotto_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    verified: u8,
) -> sotto_status {
    let verified = match verified {
        0 => false,
        1 => true,
        _ => return sotto_status::InvalidArgument,
    };
    // SAFETY: caller contract, forwarded.
    unsafe {
        with_contact(store, contact, contact_len, identity, |s, c, id| {
            s.set_verified(&mut OsRng, c, id, verified)
        })
    }
}

/// How many transactions the store file has committed: it only grows. Keep
/// the latest value where the file's backups and copies do not reach (the
/// platform keychain, this device only); a smaller value when the store is
/// opened means it was restored from an older copy.
///
/// # Safety
///
/// `store` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_generation(
    store: *const sotto_store,
    out: *mut u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = s.inner.generation()?;
        Ok(())
    })
}
