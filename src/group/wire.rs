//! The two group encodings.
//!
//! ```text
//! distribution:  0x02 | 0x04 | group_id_len u8 (1..=64) | group_id | chain_id u32 | iteration u32
//!                     | chain_key (32) | signing_key (32) | binding (64)            140 to 203 bytes
//! binding:       Ed25519(signing_key, "sotto v1 sender key distribution" ‖ Encode(owner IK) (64)
//!                        ‖ every byte before the binding)
//! group message: 0x02 | 0x05 | chain_id u32 | iteration varint | ciphertext ‖ tag (≥ 16) | signature (64)
//! ```
//!
//! A distribution travels only inside a pairwise session, which authenticates
//! its sender; its binding, made with the sender key's own signing key, names
//! the member it belongs to, so that the member whose session delivers it
//! must be that owner (a member forwarding another's distribution as their
//! own is refused) and no one can claim a signing key they do not hold. The
//! owner's identity is not carried: the receiver puts in the identity of the
//! session that delivered the distribution. A group message is authenticated
//! by its Ed25519 signature over
//! `"sotto v1 group message" ‖ group_id_len ‖ group_id ‖ every byte before
//! the signature`, and its header (everything before the ciphertext) is also
//! the AEAD associated data.

use alloc::vec::Vec;

use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::Zeroizing;

use crate::codec::{Reader, put_varint_u32};
use crate::crypto::{self, SIGNATURE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::secret::{Secret32, SecretBuf};
use crate::wire::{TYPE_GROUP_MESSAGE, TYPE_SENDER_KEY_DISTRIBUTION, WIRE_VERSION, check_prefix};

use super::LABEL_GROUP_DISTRIBUTION;

/// A parsed distribution message, its binding not yet verified.
pub(super) struct Distribution<'a> {
    pub(super) group_id: &'a [u8],
    pub(super) chain_id: u32,
    pub(super) iteration: u32,
    pub(super) chain_key: Secret32,
    pub(super) signing_key: VerifyingKey,
    /// Every byte before the binding.
    signed: &'a [u8],
    binding: [u8; SIGNATURE_LEN],
}

impl Distribution<'_> {
    /// Checks that the distribution's signing key bound it to `owner`
    /// ([`Error::InvalidSignature`] otherwise).
    pub(super) fn verify_owner(&self, owner: &IdentityKey) -> Result<()> {
        crypto::verify_parts_checked(
            &self.signing_key,
            &[LABEL_GROUP_DISTRIBUTION, &owner.to_bytes(), self.signed],
            &self.binding,
        )
    }
}

/// Checks a group id's length and returns it as the one-byte length prefix.
pub(crate) fn group_id_len(group_id: &[u8]) -> Result<u8> {
    match u8::try_from(group_id.len()) {
        Ok(n) if n >= 1 && usize::from(n) <= super::MAX_GROUP_ID_LEN => Ok(n),
        _ => Err(Error::LimitExceeded),
    }
}

/// Reads a length-prefixed group id or conversation context (1 to 64 bytes).
pub(crate) fn read_group_id<'a>(r: &mut Reader<'a>) -> Result<&'a [u8]> {
    let len = r.u8()?;
    let id = r.bytes(usize::from(len))?;
    group_id_len(id).map_err(|_| Error::Malformed)?;
    Ok(id)
}

/// The distribution of a sender key at `iteration`, bound to `owner` by
/// the sender key's `signing` key.
pub(super) fn encode_distribution(
    group_id: &[u8],
    owner: &IdentityKey,
    chain_id: u32,
    iteration: u32,
    chain_key: &Secret32,
    signing: &SigningKey,
) -> Result<Zeroizing<Vec<u8>>> {
    let len = group_id_len(group_id)?;
    let mut out = SecretBuf::with_capacity(group_id.len().saturating_add(139));
    out.push(WIRE_VERSION);
    out.push(TYPE_SENDER_KEY_DISTRIBUTION);
    out.push(len);
    out.extend_from_slice(group_id);
    out.extend_from_slice(&chain_id.to_be_bytes());
    out.extend_from_slice(&iteration.to_be_bytes());
    out.extend_from_slice(chain_key.expose());
    out.extend_from_slice(signing.verifying_key().as_bytes());
    let binding = crypto::sign_parts(
        signing,
        &[LABEL_GROUP_DISTRIBUTION, &owner.to_bytes(), &out],
    );
    out.extend_from_slice(&binding);
    Ok(out.into_zeroizing())
}

pub(super) fn parse_distribution(bytes: &[u8]) -> Result<Distribution<'_>> {
    let Some(signed_len) = bytes.len().checked_sub(SIGNATURE_LEN) else {
        // The version and type are reported first, as for every encoding.
        check_prefix(&mut Reader::new(bytes), TYPE_SENDER_KEY_DISTRIBUTION)?;
        return Err(Error::Malformed);
    };
    let (signed, binding) = bytes.split_at(signed_len);
    let mut r = Reader::new(signed);
    check_prefix(&mut r, TYPE_SENDER_KEY_DISTRIBUTION)?;
    let group_id = read_group_id(&mut r)?;
    let chain_id = r.u32()?;
    let iteration = r.u32()?;
    let chain_key = Secret32::new(*Zeroizing::new(r.array::<32>()?));
    let signing_key = crypto::ed25519_public_checked(&r.array()?)?;
    r.finish()?;
    let binding = binding.try_into().map_err(|_| Error::Malformed)?;
    Ok(Distribution {
        group_id,
        chain_id,
        iteration,
        chain_key,
        signing_key,
        signed,
        binding,
    })
}

/// A parsed group message, borrowing the input.
pub(super) struct GroupMessage<'a> {
    pub(super) chain_id: u32,
    pub(super) iteration: u32,
    /// Version, type, chain id and iteration: the AEAD associated data.
    pub(super) header: &'a [u8],
    /// `ciphertext ‖ tag`.
    pub(super) sealed: &'a [u8],
    /// Every byte the signature covers (all but the signature).
    pub(super) signed: &'a [u8],
    pub(super) signature: [u8; SIGNATURE_LEN],
}

pub(super) fn encode_message_header(out: &mut Vec<u8>, chain_id: u32, iteration: u32) {
    out.push(WIRE_VERSION);
    out.push(TYPE_GROUP_MESSAGE);
    out.extend_from_slice(&chain_id.to_be_bytes());
    put_varint_u32(out, iteration);
}

pub(super) fn parse_message(bytes: &[u8]) -> Result<GroupMessage<'_>> {
    let signed_len = bytes
        .len()
        .checked_sub(SIGNATURE_LEN)
        .ok_or(Error::Malformed)?;
    let (signed, sig) = bytes.split_at(signed_len);
    let mut r = Reader::new(signed);
    check_prefix(&mut r, TYPE_GROUP_MESSAGE)?;
    let chain_id = r.u32()?;
    let iteration = r.varint_u32()?;
    let sealed = r.rest();
    if sealed.len() < TAG_LEN {
        return Err(Error::Malformed);
    }
    let header_len = signed
        .len()
        .checked_sub(sealed.len())
        .ok_or(Error::Malformed)?;
    let header = signed.get(..header_len).ok_or(Error::Malformed)?;
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(sig);
    Ok(GroupMessage {
        chain_id,
        iteration,
        header,
        sealed,
        signed,
        signature,
    })
}

/// What a group message claims before it is verified, for routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupMessageInfo {
    /// The sender key the message names.
    pub chain_id: u32,
    /// The message's index on that sender key's chain.
    pub iteration: u32,
}

/// Parses a group message far enough to read its chain id and iteration
/// (nothing is verified).
pub fn inspect_group_message(bytes: &[u8]) -> Result<GroupMessageInfo> {
    let m = parse_message(bytes)?;
    Ok(GroupMessageInfo {
        chain_id: m.chain_id,
        iteration: m.iteration,
    })
}
