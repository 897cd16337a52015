//! The two 1:1 message encodings.
//!
//! ```text
//! normal:  0x02 | 0x01 | ratchet_key (32) | pn varint | n varint | ciphertext ‖ tag (≥ 16)
//! prekey:  0x02 | 0x02 | identity (64) | base_key (32) | spk_id u32
//!                      | flags u8 (bit 0: one-time prekey, bit 1: post-quantum prekey)
//!                      | [opk_id u32] | [pq kind u8 (1 last resort, 2 one-time) | pq_id u32
//!                      | kem ciphertext (1568)]
//!                      | ratchet_key (32) | pn varint | n varint | ciphertext ‖ tag (≥ 16)
//! ```
//!
//! Everything before the ciphertext (the *header bytes*) is authenticated as
//! part of the AEAD associated data. The flags byte was `has_opk` (0 or 1)
//! before PQXDH, so X3DH prekey messages encode exactly as before.

use alloc::vec::Vec;

use alloc::boxed::Box;

use crate::codec::{Reader, put_varint_u32};
use crate::crypto::{KEM_CIPHERTEXT_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::identity::IdentityKey;
use crate::prekeys::PqPrekeyKind;
use crate::wire::{TYPE_MESSAGE, TYPE_PREKEY_MESSAGE, WIRE_VERSION};

/// The Double Ratchet header: sender's ratchet key, length of its previous
/// sending chain, index in the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) ratchet_key: [u8; 32],
    pub(super) pn: u32,
    pub(super) n: u32,
}

/// Flag bit: a one-time prekey id follows.
const FLAG_ONE_TIME: u8 = 0x01;
/// Flag bit: the post-quantum section follows.
const FLAG_PQ: u8 = 0x02;

/// The PQXDH part of a preamble: which post-quantum prekey, and the KEM
/// ciphertext to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct PqPreamble {
    pub(super) kind: PqPrekeyKind,
    pub(super) id: u32,
    pub(super) ciphertext: Box<[u8; KEM_CIPHERTEXT_LEN]>,
}

/// What an initiator's messages carry until it has heard back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Preamble {
    pub(super) identity: IdentityKey,
    pub(super) base_key: [u8; 32],
    pub(super) spk_id: u32,
    pub(super) opk_id: Option<u32>,
    pub(super) pq: Option<PqPreamble>,
}

impl Preamble {
    /// The post-quantum prekey the preamble names.
    pub(super) fn pq_id(&self) -> Option<(PqPrekeyKind, u32)> {
        self.pq.as_ref().map(|p| (p.kind, p.id))
    }
}

/// Reads the flags byte and what it announces (after `spk_id`).
pub(super) fn read_prekey_ids(r: &mut Reader<'_>) -> Result<(Option<u32>, Option<PqPreamble>)> {
    let flags = r.flags(FLAG_ONE_TIME | FLAG_PQ)?;
    let opk_id = if flags & FLAG_ONE_TIME != 0 {
        Some(r.u32()?)
    } else {
        None
    };
    let pq = if flags & FLAG_PQ != 0 {
        let kind = PqPrekeyKind::from_byte(r.u8()?)?;
        let id = r.u32()?;
        let mut ciphertext = Box::new([0u8; KEM_CIPHERTEXT_LEN]);
        ciphertext.copy_from_slice(r.bytes(KEM_CIPHERTEXT_LEN)?);
        Some(PqPreamble {
            kind,
            id,
            ciphertext,
        })
    } else {
        None
    };
    Ok((opk_id, pq))
}

/// Writes the flags byte and what it announces.
pub(super) fn put_prekey_ids(out: &mut Vec<u8>, opk_id: Option<u32>, pq: Option<&PqPreamble>) {
    let mut flags = 0;
    if opk_id.is_some() {
        flags |= FLAG_ONE_TIME;
    }
    if pq.is_some() {
        flags |= FLAG_PQ;
    }
    out.push(flags);
    if let Some(id) = opk_id {
        out.extend_from_slice(&id.to_be_bytes());
    }
    if let Some(pq) = pq {
        out.push(pq.kind.to_byte());
        out.extend_from_slice(&pq.id.to_be_bytes());
        out.extend_from_slice(pq.ciphertext.as_slice());
    }
}

/// A parsed message, borrowing the input.
pub(super) struct Parsed<'a> {
    pub(super) preamble: Option<Preamble>,
    pub(super) header: Header,
    /// Every byte before the ciphertext.
    pub(super) header_bytes: &'a [u8],
    /// `ciphertext ‖ tag`.
    pub(super) sealed: &'a [u8],
}

pub(super) fn parse(bytes: &[u8]) -> Result<Parsed<'_>> {
    let mut r = Reader::new(bytes);
    if r.u8()? != WIRE_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    let preamble = match r.u8()? {
        TYPE_MESSAGE => None,
        TYPE_PREKEY_MESSAGE => {
            let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
            let base_key = r.array()?;
            let spk_id = r.u32()?;
            let (opk_id, pq) = read_prekey_ids(&mut r)?;
            Some(Preamble {
                identity,
                base_key,
                spk_id,
                opk_id,
                pq,
            })
        }
        _ => return Err(Error::WrongType),
    };
    let header = Header {
        ratchet_key: r.array()?,
        pn: r.varint_u32()?,
        n: r.varint_u32()?,
    };
    let sealed = r.rest();
    if sealed.len() < TAG_LEN {
        return Err(Error::Malformed);
    }
    let header_len = bytes
        .len()
        .checked_sub(sealed.len())
        .ok_or(Error::Malformed)?;
    let header_bytes = bytes.get(..header_len).ok_or(Error::Malformed)?;
    Ok(Parsed {
        preamble,
        header,
        header_bytes,
        sealed,
    })
}

pub(super) fn encode_header(out: &mut Vec<u8>, preamble: Option<&Preamble>, header: &Header) {
    out.push(WIRE_VERSION);
    match preamble {
        None => out.push(TYPE_MESSAGE),
        Some(p) => {
            out.push(TYPE_PREKEY_MESSAGE);
            out.extend_from_slice(&p.identity.to_bytes());
            out.extend_from_slice(&p.base_key);
            out.extend_from_slice(&p.spk_id.to_be_bytes());
            put_prekey_ids(out, p.opk_id, p.pq.as_ref());
        }
    }
    out.extend_from_slice(&header.ratchet_key);
    put_varint_u32(out, header.pn);
    put_varint_u32(out, header.n);
}

/// The kind of a 1:1 message, for routing before decryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// A message that can start a session ([`crate::PrekeyStore::accept`]).
    Prekey,
    /// A message on an existing session ([`crate::Session::decrypt`]).
    Normal,
}

/// What an unauthenticated prekey message claims, for routing it to an
/// existing session or to [`crate::PrekeyStore::accept`]. Nothing here is
/// authenticated until the message decrypts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrekeyMessageInfo {
    /// The identity the sender claims.
    pub identity: IdentityKey,
    /// The signed prekey the sender used.
    pub signed_prekey_id: u32,
    /// The one-time prekey the sender used, if any.
    pub one_time_prekey_id: Option<u32>,
    /// The post-quantum prekey the sender used (PQXDH), if any.
    pub pq_prekey: Option<(PqPrekeyKind, u32)>,
}

/// Parses a 1:1 message just far enough to tell its kind (and checks it is
/// well-formed).
pub fn message_kind(bytes: &[u8]) -> Result<MessageKind> {
    Ok(match parse(bytes)?.preamble {
        Some(_) => MessageKind::Prekey,
        None => MessageKind::Normal,
    })
}

/// Reads the preamble of a prekey message.
pub fn inspect_prekey_message(bytes: &[u8]) -> Result<PrekeyMessageInfo> {
    let p = parse(bytes)?.preamble.ok_or(Error::WrongType)?;
    Ok(PrekeyMessageInfo {
        identity: p.identity,
        signed_prekey_id: p.spk_id,
        one_time_prekey_id: p.opk_id,
        pq_prekey: p.pq_id(),
    })
}
