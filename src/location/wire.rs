//! The live-location encodings.
//!
//! ```text
//! distribution: 0x02 | 0x07 | ctx_len u8 (1..=64) | ctx | share_id u32 | expires_at u64
//!                    | next u32 | D × key (32) | signing_key (32) | binding (64)      372 to 435 bytes
//! binding:      Ed25519(signing_key, "sotto v1 location distribution" ‖ Encode(owner IK) (64)
//!                       ‖ every byte before the binding)
//! update:       0x02 | 0x06 | share_id u32 | iteration u32 | ciphertext (48) ‖ tag (16) | signature (64)
//! ```
//!
//! The binding, made with the share's own signing key, names the sharer: a
//! viewer accepts the distribution only for the sender whose pairwise session
//! delivered it, so no one can pass another's share off as their own. The
//! owner's identity is not carried; the viewer puts in the sender's.
//!
//! An update is always [`LOCATION_UPDATE_LEN`] bytes. Its signature covers
//! `"sotto v1 location update" ‖ ctx_len ‖ ctx ‖ every byte before the
//! signature`; its header (version, type, share id, iteration) is also the
//! AEAD associated data.

use alloc::boxed::Box;
use alloc::vec::Vec;

use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use super::LABEL_LOCATION_DISTRIBUTION;
use super::payload::LOCATION_PAYLOAD_LEN;
use super::ratchet::{LOCATION_DIMENSIONS, Ratchet};
use crate::codec::Reader;
use crate::crypto::{self, SIGNATURE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::group::{group_id_len, read_group_id};
use crate::identity::IdentityKey;
use crate::secret::{Secret32, SecretBuf};
use crate::wire::{TYPE_LOCATION_DISTRIBUTION, TYPE_LOCATION_UPDATE, WIRE_VERSION, check_prefix};

/// Length of the header of an update.
pub(super) const UPDATE_HEADER_LEN: usize = 10;
/// Length of every live-location update.
pub const LOCATION_UPDATE_LEN: usize =
    UPDATE_HEADER_LEN + LOCATION_PAYLOAD_LEN + TAG_LEN + SIGNATURE_LEN;

/// A parsed distribution, its binding not yet verified.
pub(super) struct Distribution<'a> {
    pub(super) context: &'a [u8],
    pub(super) share_id: u32,
    pub(super) expires_at: u64,
    pub(super) ratchet: Ratchet,
    pub(super) signing_key: VerifyingKey,
    /// Every byte before the binding.
    signed: &'a [u8],
    binding: [u8; SIGNATURE_LEN],
}

impl Distribution<'_> {
    /// Checks that the share's signing key bound the distribution to
    /// `owner` ([`Error::InvalidSignature`] otherwise).
    pub(super) fn verify_owner(&self, owner: &IdentityKey) -> Result<()> {
        crypto::verify_parts_checked(
            &self.signing_key,
            &[LABEL_LOCATION_DISTRIBUTION, &owner.to_bytes(), self.signed],
            &self.binding,
        )
    }
}

/// The distribution of a share at the ratchet's position, bound to `owner`
/// by the share's `signing` key.
pub(super) fn encode_distribution(
    context: &[u8],
    owner: &IdentityKey,
    share_id: u32,
    expires_at: u64,
    ratchet: &Ratchet,
    signing: &SigningKey,
) -> Result<Zeroizing<Vec<u8>>> {
    let len = group_id_len(context)?;
    let mut out = SecretBuf::with_capacity(
        context
            .len()
            .saturating_add(19 + 32 * LOCATION_DIMENSIONS + 32 + SIGNATURE_LEN),
    );
    out.push(WIRE_VERSION);
    out.push(TYPE_LOCATION_DISTRIBUTION);
    out.push(len);
    out.extend_from_slice(context);
    out.extend_from_slice(&share_id.to_be_bytes());
    out.extend_from_slice(&expires_at.to_be_bytes());
    out.extend_from_slice(&ratchet.next.to_be_bytes());
    for k in ratchet.keys.iter() {
        out.extend_from_slice(k.expose());
    }
    out.extend_from_slice(signing.verifying_key().as_bytes());
    let binding = crypto::sign_parts(
        signing,
        &[LABEL_LOCATION_DISTRIBUTION, &owner.to_bytes(), &out],
    );
    out.extend_from_slice(&binding);
    Ok(out.into_zeroizing())
}

/// Reads the ratchet keys and position of a distribution or state encoding.
pub(super) fn read_ratchet(r: &mut Reader<'_>) -> Result<Ratchet> {
    let next = r.u32()?;
    let mut keys: [Secret32; LOCATION_DIMENSIONS] =
        core::array::from_fn(|_| Secret32::new([0u8; 32]));
    for k in &mut keys {
        *k = Secret32::new(*Zeroizing::new(r.array::<32>()?));
    }
    Ok(Ratchet {
        keys: Box::new(keys),
        next,
    })
}

pub(super) fn parse_distribution(bytes: &[u8]) -> Result<Distribution<'_>> {
    let Some(signed_len) = bytes.len().checked_sub(SIGNATURE_LEN) else {
        // The version and type are reported first, as for every encoding.
        check_prefix(&mut Reader::new(bytes), TYPE_LOCATION_DISTRIBUTION)?;
        return Err(Error::Malformed);
    };
    let (signed, binding) = bytes.split_at(signed_len);
    let mut r = Reader::new(signed);
    check_prefix(&mut r, TYPE_LOCATION_DISTRIBUTION)?;
    let context = read_group_id(&mut r)?;
    let share_id = r.u32()?;
    let expires_at = r.u64()?;
    let ratchet = read_ratchet(&mut r)?;
    let signing_key = crypto::ed25519_public_checked(&r.array()?)?;
    r.finish()?;
    let binding = binding.try_into().map_err(|_| Error::Malformed)?;
    Ok(Distribution {
        context,
        share_id,
        expires_at,
        ratchet,
        signing_key,
        signed,
        binding,
    })
}

/// A parsed update, borrowing the input.
pub(super) struct Update<'a> {
    pub(super) share_id: u32,
    pub(super) iteration: u32,
    pub(super) header: &'a [u8],
    pub(super) sealed: &'a [u8],
    pub(super) signed: &'a [u8],
    pub(super) signature: [u8; SIGNATURE_LEN],
}

pub(super) fn encode_update_header(share_id: u32, iteration: u32) -> [u8; UPDATE_HEADER_LEN] {
    let mut h = [0u8; UPDATE_HEADER_LEN];
    let (prefix, rest) = h.split_at_mut(2);
    prefix.copy_from_slice(&[WIRE_VERSION, TYPE_LOCATION_UPDATE]);
    let (id, it) = rest.split_at_mut(4);
    id.copy_from_slice(&share_id.to_be_bytes());
    it.copy_from_slice(&iteration.to_be_bytes());
    h
}

pub(super) fn parse_update(bytes: &[u8]) -> Result<Update<'_>> {
    if bytes.len() != LOCATION_UPDATE_LEN {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_LOCATION_UPDATE)?;
        return Err(Error::Malformed);
    }
    let (signed, sig) = bytes.split_at(LOCATION_UPDATE_LEN - SIGNATURE_LEN);
    let (header, sealed) = signed.split_at(UPDATE_HEADER_LEN);
    let mut r = Reader::new(header);
    check_prefix(&mut r, TYPE_LOCATION_UPDATE)?;
    let share_id = r.u32()?;
    let iteration = r.u32()?;
    r.finish()?;
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(sig);
    Ok(Update {
        share_id,
        iteration,
        header,
        sealed,
        signed,
        signature,
    })
}

/// What an update claims before it is verified, for routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationUpdateInfo {
    /// The share the update belongs to.
    pub share_id: u32,
    /// Its position in the share's ratchet.
    pub iteration: u32,
}

/// Parses a live-location update far enough to read its share id and
/// iteration (nothing is verified).
pub fn inspect_location_update(bytes: &[u8]) -> Result<LocationUpdateInfo> {
    let u = parse_update(bytes)?;
    Ok(LocationUpdateInfo {
        share_id: u.share_id,
        iteration: u.iteration,
    })
}
