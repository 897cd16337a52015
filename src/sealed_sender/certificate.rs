//! Sender certificates: the service vouches, for a short time, that a user
//! id and device have an identity; a trust root the app pins vouches for
//! the service's key.
//!
//! ```text
//! server certificate = version 0x02 | type 0x0F | key id u32 | server key (64, an identity's encoding)
//!                      | Ed25519(trust root, "sotto v1 server certificate" ‖ body)
//! sender certificate = version 0x02 | type 0x0E | sender len u8 (1..=255) | sender | identity (64)
//!                      | device u32 | expires_ms u64 | server certificate len u16 | server certificate
//!                      | Ed25519(server key, "sotto v1 sender certificate" ‖ body)
//! verify(root, now_ms): root signed the server certificate, its key signed the sender certificate,
//!                       now_ms < expires_ms                      (InvalidSignature / Expired)
//! ```

use alloc::vec::Vec;

use crate::codec::Reader;
use crate::crypto;
use crate::error::{Error, Result};
use crate::identity::{IdentityKey, IdentityKeyPair};
use crate::wire::{TYPE_SENDER_CERTIFICATE, TYPE_SERVER_CERTIFICATE, WIRE_VERSION, check_prefix};

/// Signature label of server certificates.
pub const LABEL_SERVER_CERTIFICATE: &[u8] = b"sotto v1 server certificate";
/// Signature label of sender certificates.
pub const LABEL_SENDER_CERTIFICATE: &[u8] = b"sotto v1 sender certificate";
/// The longest sender (user) id, in bytes.
pub const MAX_SENDER_ID_LEN: usize = 255;

/// The service's key, signed by the trust root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerCertificate {
    /// Which of the service's keys (for rotation).
    pub key_id: u32,
    /// The service's key.
    pub key: IdentityKey,
    signature: [u8; 64],
}

fn server_body(key_id: u32, key: &IdentityKey) -> Vec<u8> {
    let mut b = Vec::with_capacity(70);
    b.push(WIRE_VERSION);
    b.push(TYPE_SERVER_CERTIFICATE);
    b.extend_from_slice(&key_id.to_be_bytes());
    b.extend_from_slice(&key.to_bytes());
    b
}

impl ServerCertificate {
    /// The trust root signs the service's key `key` under `key_id`.
    pub fn issue(root: &IdentityKeyPair, key_id: u32, key: &IdentityKey) -> Self {
        let signature = crypto::sign(
            root.signing(),
            LABEL_SERVER_CERTIFICATE,
            &server_body(key_id, key),
        );
        ServerCertificate {
            key_id,
            key: *key,
            signature,
        }
    }

    /// Checks the trust root's signature ([`Error::InvalidSignature`]).
    pub fn verify(&self, root: &IdentityKey) -> Result<()> {
        crypto::verify(
            root.signing_key(),
            LABEL_SERVER_CERTIFICATE,
            &server_body(self.key_id, &self.key),
            &self.signature,
        )
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = server_body(self.key_id, &self.key);
        b.extend_from_slice(&self.signature);
        b
    }

    /// Decodes (strict; the signature is not checked).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_SERVER_CERTIFICATE)?;
        let key_id = r.u32()?;
        let key = IdentityKey::from_bytes(r.bytes(64)?)?;
        let signature = r.array()?;
        r.finish()?;
        Ok(ServerCertificate {
            key_id,
            key,
            signature,
        })
    }
}

/// A sender's certificate: who the sender is (user id, identity, device),
/// until when, signed by the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SenderCertificate {
    /// The sender's user id, as the service knows it.
    pub sender: Vec<u8>,
    /// The sender's identity.
    pub identity: IdentityKey,
    /// The sender's device index.
    pub device: u32,
    /// When it stops being valid, ms since the epoch.
    pub expires_ms: u64,
    /// The service key that signed it, with the trust root's signature.
    pub server: ServerCertificate,
    signature: [u8; 64],
}

fn sender_body(
    sender: &[u8],
    identity: &IdentityKey,
    device: u32,
    expires_ms: u64,
    server: &ServerCertificate,
) -> Result<Vec<u8>> {
    let len = u8::try_from(sender.len()).map_err(|_| Error::LimitExceeded)?;
    if sender.is_empty() {
        return Err(Error::Malformed);
    }
    let server = server.to_bytes();
    let server_len = u16::try_from(server.len()).map_err(|_| Error::Internal)?;
    let mut b = Vec::with_capacity(sender.len().saturating_add(server.len()).saturating_add(90));
    b.push(WIRE_VERSION);
    b.push(TYPE_SENDER_CERTIFICATE);
    b.push(len);
    b.extend_from_slice(sender);
    b.extend_from_slice(&identity.to_bytes());
    b.extend_from_slice(&device.to_be_bytes());
    b.extend_from_slice(&expires_ms.to_be_bytes());
    b.extend_from_slice(&server_len.to_be_bytes());
    b.extend_from_slice(&server);
    Ok(b)
}

impl SenderCertificate {
    /// The service (holding `server_key`, whose certificate is `server`)
    /// vouches for `sender`'s `identity` and `device` until `expires_ms`.
    /// A key that is not the certificate's is [`Error::WrongType`].
    pub fn issue(
        server_key: &IdentityKeyPair,
        server: &ServerCertificate,
        sender: &[u8],
        identity: &IdentityKey,
        device: u32,
        expires_ms: u64,
    ) -> Result<Self> {
        if *server_key.public_key() != server.key {
            return Err(Error::WrongType);
        }
        let body = sender_body(sender, identity, device, expires_ms, server)?;
        Ok(SenderCertificate {
            sender: sender.to_vec(),
            identity: *identity,
            device,
            expires_ms,
            server: server.clone(),
            signature: crypto::sign(server_key.signing(), LABEL_SENDER_CERTIFICATE, &body),
        })
    }

    /// Checks the chain to the pinned `root` and the expiry at `now_ms`:
    /// [`Error::InvalidSignature`] for either signature,
    /// [`Error::Expired`] at or after `expires_ms`.
    pub fn verify(&self, root: &IdentityKey, now_ms: u64) -> Result<()> {
        self.server.verify(root)?;
        let body = sender_body(
            &self.sender,
            &self.identity,
            self.device,
            self.expires_ms,
            &self.server,
        )?;
        crypto::verify(
            self.server.key.signing_key(),
            LABEL_SENDER_CERTIFICATE,
            &body,
            &self.signature,
        )?;
        if now_ms >= self.expires_ms {
            return Err(Error::Expired);
        }
        Ok(())
    }

    /// The encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut b = sender_body(
            &self.sender,
            &self.identity,
            self.device,
            self.expires_ms,
            &self.server,
        )?;
        b.extend_from_slice(&self.signature);
        Ok(b)
    }

    /// Decodes (strict; signatures not checked: [`Self::verify`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        check_prefix(&mut r, TYPE_SENDER_CERTIFICATE)?;
        let len = usize::from(r.u8()?);
        if len == 0 {
            return Err(Error::Malformed);
        }
        let sender = r.bytes(len)?.to_vec();
        let identity = IdentityKey::from_bytes(r.bytes(64)?)?;
        let device = r.u32()?;
        let expires_ms = r.u64()?;
        let server_len = usize::from(r.u16()?);
        let server = ServerCertificate::from_bytes(r.bytes(server_len)?)?;
        let signature = r.array()?;
        r.finish()?;
        Ok(SenderCertificate {
            sender,
            identity,
            device,
            expires_ms,
            server,
            signature,
        })
    }
}
