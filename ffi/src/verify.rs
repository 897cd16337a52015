//! Identity verification: security codes and the trust store.

use sotto::{IdentityStatus, ScanResult, SecurityCode, TrustPolicy, TrustStore};

use crate::panic::boundary;
use crate::status::sotto_status;
use crate::{copy_out, identity_key, ptr};

/// Number of digits of a security code.
pub const SOTTO_SECURITY_CODE_DIGITS: usize = 60;
/// Length of a scannable (QR) security-code payload.
pub const SOTTO_SCANNABLE_LEN: usize = 66;

/// The security code of a conversation between two identities.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_security_code {
    pub(crate) inner: SecurityCode,
}

/// What comparing a scanned payload found.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sotto_scan_result {
    /// Same identities on both sides.
    Match = 0,
    /// Another pair of identities: do not trust this conversation.
    Mismatch = 1,
    /// The other app uses another payload version.
    VersionMismatch = 2,
}

/// Computes the security code between our identity (`local`, 64 bytes, with
/// our stable user id) and theirs (10,400 SHA-512 computations).
///
/// # Safety
///
/// `local` and `remote` are NULL or 64 readable bytes; the ids are NULL or
/// have their lengths in readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_security_code_new(
    local: *const u8,
    local_id: *const u8,
    local_id_len: usize,
    remote: *const u8,
    remote_id: *const u8,
    remote_id_len: usize,
    out: *mut *mut sotto_security_code,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let local = identity_key(unsafe { ptr::array::<64>(local) }?)?;
        // SAFETY: caller contract.
        let local_id = unsafe { ptr::slice(local_id, local_id_len) }?;
        // SAFETY: caller contract.
        let remote = identity_key(unsafe { ptr::array::<64>(remote) }?)?;
        // SAFETY: caller contract.
        let remote_id = unsafe { ptr::slice(remote_id, remote_id_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_security_code {
            inner: SecurityCode::new(&local, local_id, &remote, remote_id)?,
        });
        Ok(())
    })
}

/// Writes the 60 ASCII digits (no NUL) into `out` (`out_len` ≥ 60).
///
/// # Safety
///
/// `code` is NULL or live; `out` is NULL or has `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_security_code_digits(
    code: *const sotto_security_code,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle(code) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, c.inner.digits())
    })
}

/// Writes the 66-byte payload to show as a QR code (`out_len` ≥ 66).
///
/// # Safety
///
/// `code` is NULL or live; `out` is NULL or has `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_security_code_scannable(
    code: *const sotto_security_code,
    out: *mut u8,
    out_len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle(code) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes(out, out_len) }?;
        copy_out(out, &c.inner.scannable())
    })
}

/// Compares a scanned payload with ours, in constant time.
///
/// # Safety
///
/// `code` is NULL or live; `scanned` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_security_code_compare_scanned(
    code: *const sotto_security_code,
    scanned: *const u8,
    len: usize,
    out: *mut sotto_scan_result,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let c = unsafe { ptr::handle(code) }?;
        // SAFETY: caller contract.
        let scanned = unsafe { ptr::slice(scanned, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = match c.inner.compare_scanned(scanned)? {
            ScanResult::Match => sotto_scan_result::Match,
            ScanResult::Mismatch => sotto_scan_result::Mismatch,
            ScanResult::VersionMismatch => sotto_scan_result::VersionMismatch,
        };
        Ok(())
    })
}

/// Trust records for every contact, with the identity-change policy.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_trust_store {
    pub(crate) inner: TrustStore,
}

/// The outcome of `sotto_trust_store_observe`.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum sotto_identity_status_kind {
    /// First time this contact is seen; recorded, unverified.
    New = 0,
    /// The identity on record.
    Known = 1,
    /// Another identity than the one on record: under warn it replaced it,
    /// unverified; under block it is pending and the one on record stays
    /// trusted.
    Changed = 2,
}

/// What `sotto_trust_store_observe` found. Flags are 0 or 1.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_identity_status {
    /// New, known or changed.
    pub kind: sotto_identity_status_kind,
    /// Known: whether the users verified the identity.
    pub verified: u8,
    /// Changed: whether the previous identity had been verified.
    pub was_verified: u8,
    /// Changed: 1 if the new identity is refused until accepted (policy
    /// block), 0 if it replaced the old one (policy warn).
    pub blocked: u8,
    /// Changed: the previous identity.
    pub previous: [u8; 64],
}

/// The C form of what the trust store said.
pub(crate) fn identity_status(found: IdentityStatus) -> sotto_identity_status {
    let mut status = sotto_identity_status {
        kind: sotto_identity_status_kind::New,
        verified: 0,
        was_verified: 0,
        blocked: 0,
        previous: [0u8; 64],
    };
    match found {
        IdentityStatus::New => {}
        IdentityStatus::Known { verified } => {
            status.kind = sotto_identity_status_kind::Known;
            status.verified = u8::from(verified);
        }
        IdentityStatus::Changed {
            previous,
            was_verified,
            blocked,
        } => {
            status.kind = sotto_identity_status_kind::Changed;
            status.was_verified = u8::from(was_verified);
            status.blocked = u8::from(blocked);
            status.previous = previous.to_bytes();
        }
    }
    status
}

pub(crate) fn policy(code: u32) -> Result<TrustPolicy, sotto_status> {
    match code {
        0 => Ok(TrustPolicy::Block),
        1 => Ok(TrustPolicy::Warn),
        _ => Err(sotto_status::InvalidArgument),
    }
}

/// Creates an empty trust store; `policy` is 0 (block: refuse a changed
/// identity until accepted) or 1 (warn and continue).
///
/// # Safety
///
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_new(
    policy_code: u32,
    out: *mut *mut sotto_trust_store,
) -> sotto_status {
    boundary(|| {
        let p = policy(policy_code)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_trust_store {
            inner: TrustStore::new(p),
        });
        Ok(())
    })
}

/// Records that `identity` (64 bytes) was presented for `contact` (a fetched
/// bundle's identity, or the sender of a message that set up a session,
/// after it decrypted; never an identity read from a message that has not
/// decrypted) and writes what that means.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL or has `contact_len` readable
/// bytes; `identity` is NULL or 64 readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_observe(
    store: *mut sotto_trust_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    now: u64,
    out: *mut sotto_identity_status,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let id = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let status = identity_status(s.inner.observe(contact, &id, now)?);
        *out = status;
        Ok(())
    })
}

/// Succeeds if `identity` is the one trusted for `contact`.
///
/// # Safety
///
/// `store` is NULL or live; `contact` is NULL or has `contact_len` readable
/// bytes; `identity` is NULL or 64 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_check(
    store: *const sotto_trust_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let id = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        s.inner.check(contact, &id)?;
        Ok(())
    })
}

/// Accepts a pending identity change for `contact`.
///
/// # Safety
///
/// As for `sotto_trust_store_check`, with `store` modifiable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_accept_change(
    store: *mut sotto_trust_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    now: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let id = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        s.inner.accept_change(contact, &id, now)?;
        Ok(())
    })
}

/// Marks the trusted identity of `contact` verified (`verified` = 1) or not
/// (0), after the users compared security codes.
///
/// # Safety
///
/// As for `sotto_trust_store_check`, with `store` modifiable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_trust_store_set_verified(
    store: *mut sotto_trust_store,
    contact: *const u8,
    contact_len: usize,
    identity: *const u8,
    verified: u8,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let id = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        let verified = match verified {
            0 => false,
            1 => true,
            _ => return Err(sotto_status::InvalidArgument),
        };
        s.inner.set_verified(contact, &id, verified)?;
        Ok(())
    })
}
