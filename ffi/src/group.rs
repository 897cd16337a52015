//! Groups (Sender Keys).

use sotto::Group;

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{SOTTO_IDENTITY_KEY_LEN, identity_key, identity_list, objects, ptr};

/// Our view of one group: our sender key and the members'. Wiped when freed.
///
/// Thread safety: may move between threads; use from one thread at a time.
#[allow(non_camel_case_types)]
pub struct sotto_group {
    pub(crate) inner: Group,
}

/// Reads `count` concatenated 64-byte identities.
///
/// # Safety
///
/// `ptr` is NULL or has `count × 64` readable bytes.
pub(crate) unsafe fn identities(
    ptr: *const u8,
    count: usize,
) -> Result<Vec<sotto::IdentityKey>, sotto_status> {
    let len = count
        .checked_mul(SOTTO_IDENTITY_KEY_LEN)
        .ok_or(sotto_status::LimitExceeded)?;
    // SAFETY: caller contract.
    identity_list(unsafe { ptr::slice(ptr, len) }?)
}

/// Creates a group with a fresh sender key. `identity` is this device's
/// own: the distributions name it as their owner, and members accept them
/// only over a 1:1 session with it. `members` holds `member_count`
/// concatenated 64-byte identities (the other members).
///
/// # Safety
///
/// `identity` is NULL or live; `id` is NULL or has `id_len` readable bytes;
/// `members` is NULL or has `member_count × 64` readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_new(
    identity: *const sotto_identity,
    id: *const u8,
    id_len: usize,
    members: *const u8,
    member_count: usize,
    out: *mut *mut sotto_group,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let identity = unsafe { ptr::handle(identity) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::slice(id, id_len) }?;
        // SAFETY: caller contract.
        let members = unsafe { identities(members, member_count) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = ptr::into_handle(sotto_group {
            inner: Group::new(&mut OsRng, &identity.inner, id, &members)?,
        });
        Ok(())
    })
}

/// Our sender key's distribution message, to send to each member over their
/// 1:1 session (holds the chain key; the buffer is wiped when freed).
///
/// # Safety
///
/// `group` is NULL or live; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_distribution(
    group: *const sotto_group,
    out: *mut sotto_buffer,
) -> sotto_status {
    // SAFETY: caller contract, forwarded.
    unsafe { objects::export(group, out, |g| g.inner.distribution().to_vec()) }
}

/// Processes a member's distribution received over the 1:1 session with
/// `from` (64 bytes). A distribution not bound to `from` (another member's,
/// forwarded) is `SOTTO_STATUS_INVALID_SIGNATURE`; one whose signing key is
/// already another member's is `SOTTO_STATUS_INVALID_KEY`.
///
/// # Safety
///
/// `group` is NULL or live; `from` is NULL or 64 readable bytes; `data` is
/// NULL or has `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_process_distribution(
    group: *mut sotto_group,
    from: *const u8,
    data: *const u8,
    len: usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(group) }?;
        // SAFETY: caller contract.
        let from = identity_key(unsafe { ptr::array::<64>(from) }?)?;
        // SAFETY: caller contract.
        let bytes = unsafe { ptr::slice(data, len) }?;
        g.inner.process_distribution(&from, bytes)?;
        Ok(())
    })
}

/// Encrypts and signs one message for the whole group.
///
/// # Safety
///
/// `group` is NULL or live; `plaintext` is NULL or has `len` readable bytes;
/// `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_encrypt(
    group: *mut sotto_group,
    plaintext: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(group) }?;
        // SAFETY: caller contract.
        let pt = unsafe { ptr::slice(plaintext, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(g.inner.encrypt(pt)?);
        Ok(())
    })
}

/// Verifies and decrypts a group message the server says `from` (64 bytes)
/// sent; on any error the group is unchanged.
///
/// # Safety
///
/// `group` is NULL or live; `from` is NULL or 64 readable bytes; `message` is
/// NULL or has `len` readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_decrypt(
    group: *mut sotto_group,
    from: *const u8,
    message: *const u8,
    len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(group) }?;
        // SAFETY: caller contract.
        let from = identity_key(unsafe { ptr::array::<64>(from) }?)?;
        // SAFETY: caller contract.
        let msg = unsafe { ptr::slice(message, len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(g.inner.decrypt(&from, msg)?);
        Ok(())
    })
}

/// Adds a member and writes the distribution to send them.
///
/// # Safety
///
/// `group` is NULL or live; `member` is NULL or 64 readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_add_member(
    group: *mut sotto_group,
    member: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(group) }?;
        // SAFETY: caller contract.
        let member = identity_key(unsafe { ptr::array::<64>(member) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out = sotto_buffer::from_vec(g.inner.add_member(&member)?.to_vec());
        Ok(())
    })
}

/// Removes a member (deleting their keys), rotates our sender key and writes
/// the new distribution for every remaining member.
///
/// # Safety
///
/// `group` is NULL or live; `member` is NULL or 64 readable bytes; `out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_group_remove_member(
    group: *mut sotto_group,
    member: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let g = unsafe { ptr::handle_mut(group) }?;
        // SAFETY: caller contract.
        let member = identity_key(unsafe { ptr::array::<64>(member) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let d = g.inner.remove_member(&mut OsRng, &member)?;
        *out = sotto_buffer::from_vec(d.to_vec());
        Ok(())
    })
}
