//! Sealed sender (`docs/PROTOCOL.md` §20.2): certificates the service
//! issues, and envelopes the server routes knowing only the recipient.

use sotto::IdentityKey;
use sotto::sealed_sender::{SenderCertificate, ServerCertificate, open, seal};

use crate::buffer::sotto_buffer;
use crate::identity::sotto_identity;
use crate::panic::boundary;
use crate::rng::OsRng;
use crate::status::sotto_status;
use crate::{identity_key, ptr};

/// Who a sealed envelope is from, once opened and verified.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sotto_unsealed {
    /// The sender's identity, proved by the envelope's key agreement.
    pub identity: [u8; 64],
    /// The sender's device index, from the certificate.
    pub device: u32,
    /// When the certificate expires, ms since the epoch.
    pub expires_ms: u64,
}

impl Default for sotto_unsealed {
    fn default() -> Self {
        sotto_unsealed {
            identity: [0; 64],
            device: 0,
            expires_ms: 0,
        }
    }
}

/// The service's side: the trust root (`root`) signs the service key
/// `server_key` (64 bytes) under `key_id`: the server certificate.
///
/// # Safety
///
/// `root` is NULL or live; `server_key` is NULL or 64 readable bytes; `out`
/// is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_server_certificate_issue(
    root: *const sotto_identity,
    key_id: u32,
    server_key: *const u8,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let root = unsafe { ptr::handle(root) }?;
        // SAFETY: caller contract.
        let key = identity_key(unsafe { ptr::array::<64>(server_key) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        *out =
            sotto_buffer::from_vec(ServerCertificate::issue(&root.inner, key_id, &key).to_bytes());
        Ok(())
    })
}

/// The service's side: its key (`server`, the one `server_certificate`
/// names) vouches for `sender`'s `identity` (64 bytes) and `device` until
/// `expires_ms`: the sender certificate to hand to that device.
///
/// # Safety
///
/// `server` is NULL or live; `server_certificate` and `sender` are NULL
/// (with length 0) or readable for their lengths; `identity` is NULL or 64
/// readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sender_certificate_issue(
    server: *const sotto_identity,
    server_certificate: *const u8,
    server_certificate_len: usize,
    sender: *const u8,
    sender_len: usize,
    identity: *const u8,
    device: u32,
    expires_ms: u64,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let server = unsafe { ptr::handle(server) }?;
        // SAFETY: caller contract.
        let cert = unsafe { ptr::slice(server_certificate, server_certificate_len) }?;
        // SAFETY: caller contract.
        let sender = unsafe { ptr::slice(sender, sender_len) }?;
        // SAFETY: caller contract.
        let identity = identity_key(unsafe { ptr::array::<64>(identity) }?)?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let server_cert = ServerCertificate::from_bytes(cert)?;
        let issued = SenderCertificate::issue(
            &server.inner,
            &server_cert,
            sender,
            &identity,
            device,
            expires_ms,
        )?;
        *out = sotto_buffer::from_vec(issued.to_bytes()?);
        Ok(())
    })
}

/// Checks a sender certificate against the pinned `trust_root` (64 bytes)
/// at `now_ms`: `SOTTO_STATUS_INVALID_SIGNATURE` for either signature,
/// `SOTTO_STATUS_EXPIRED` once expired.
///
/// # Safety
///
/// `certificate` is NULL (with length 0) or readable for `len` bytes;
/// `trust_root` is NULL or 64 readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sender_certificate_verify(
    certificate: *const u8,
    len: usize,
    trust_root: *const u8,
    now_ms: u64,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let cert = unsafe { ptr::slice(certificate, len) }?;
        // SAFETY: caller contract.
        let root = identity_key(unsafe { ptr::array::<64>(trust_root) }?)?;
        SenderCertificate::from_bytes(cert)?.verify(&root, now_ms)?;
        Ok(())
    })
}

/// Seals `message` (a session message) from `sender`, whose certificate is
/// `certificate`, to `recipient`'s identity (64 bytes): the envelope to
/// send, which names no sender.
///
/// # Safety
///
/// `sender` is NULL or live; `certificate` and `message` are NULL (with
/// length 0) or readable for their lengths; `recipient` is NULL or 64
/// readable bytes; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sealed_sender_seal(
    sender: *const sotto_identity,
    certificate: *const u8,
    certificate_len: usize,
    recipient: *const u8,
    message: *const u8,
    message_len: usize,
    out: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let sender = unsafe { ptr::handle(sender) }?;
        // SAFETY: caller contract.
        let cert = unsafe { ptr::slice(certificate, certificate_len) }?;
        // SAFETY: caller contract.
        let recipient = identity_key(unsafe { ptr::array::<64>(recipient) }?)?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::slice(message, message_len) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out) }?;
        let cert = SenderCertificate::from_bytes(cert)?;
        *out = sotto_buffer::from_vec(seal(&mut OsRng, &sender.inner, &cert, &recipient, message)?);
        Ok(())
    })
}

/// Opens an envelope addressed to `recipient` at `now_ms`, with the pinned
/// `trust_root` (64 bytes): who sent it to `*from`, the sender's user id to
/// `*sender`, the inner message to `*message` (decrypt it with that
/// sender's session). A tampered envelope is `SOTTO_STATUS_DECRYPT_FAILED`,
/// a forged or foreign-rooted certificate `SOTTO_STATUS_INVALID_SIGNATURE`,
/// an expired one `SOTTO_STATUS_EXPIRED`, one naming another identity than
/// the sealer `SOTTO_STATUS_UNTRUSTED_IDENTITY`.
///
/// # Safety
///
/// `recipient` is NULL or live; `trust_root` is NULL or 64 readable bytes;
/// `sealed` is NULL (with length 0) or readable for `len` bytes; `from`,
/// `sender` and `message` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_sealed_sender_open(
    recipient: *const sotto_identity,
    trust_root: *const u8,
    sealed: *const u8,
    len: usize,
    now_ms: u64,
    from: *mut sotto_unsealed,
    sender: *mut sotto_buffer,
    message: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let recipient = unsafe { ptr::handle(recipient) }?;
        // SAFETY: caller contract.
        let root: IdentityKey = identity_key(unsafe { ptr::array::<64>(trust_root) }?)?;
        // SAFETY: caller contract.
        let sealed = unsafe { ptr::slice(sealed, len) }?;
        // SAFETY: caller contract.
        let from = unsafe { ptr::out(from) }?;
        // SAFETY: caller contract.
        let sender = unsafe { ptr::out(sender) }?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::out(message) }?;
        if core::ptr::eq(sender, message) {
            return Err(sotto_status::InvalidArgument);
        }
        let got = open(&recipient.inner, &root, sealed, now_ms)?;
        *from = sotto_unsealed {
            identity: got.identity.to_bytes(),
            device: got.certificate.device,
            expires_ms: got.certificate.expires_ms,
        };
        *sender = sotto_buffer::from_vec(got.certificate.sender.clone());
        *message = sotto_buffer::from_vec(got.message.to_vec());
        Ok(())
    })
}

/// Sends content to `contact` as `sotto_store_send` does, sealed with our
/// sender certificate `certificate`: the message (to `*message`) is an
/// envelope that names no sender.
///
/// # Safety
///
/// `store` is NULL or live; `contact`, `body` and `certificate` are NULL
/// (with length 0) or readable for their lengths; `sent` and `message` are
/// NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_send_sealed(
    store: *mut crate::store::sotto_store,
    contact: *const u8,
    contact_len: usize,
    content_type: u16,
    body: *const u8,
    body_len: usize,
    certificate: *const u8,
    certificate_len: usize,
    now_ms: u64,
    sent: *mut crate::store_content::sotto_sent,
    message: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::slice(contact, contact_len) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::slice(body, body_len) }?;
        // SAFETY: caller contract.
        let cert = unsafe { ptr::slice(certificate, certificate_len) }?;
        // SAFETY: caller contract.
        let sent = unsafe { ptr::out(sent) }?;
        // SAFETY: caller contract.
        let message = unsafe { ptr::out(message) }?;
        let content = sotto::Content::from_body(content_type, body)?;
        let cert = SenderCertificate::from_bytes(cert)?;
        let done = s
            .inner
            .send_sealed(&mut OsRng, contact, &content, &cert, now_ms)?;
        crate::store_content::sent_out(done, sent, message);
        Ok(())
    })
}

/// Receives a sealed envelope at `now_ms` with the pinned `trust_root` (64
/// bytes), as `sotto_store_receive` does for the contact the certificate
/// names (its sender id, to `*contact`): the inner message must come from
/// the identity that sealed it (`SOTTO_STATUS_UNTRUSTED_IDENTITY`
/// otherwise); see `sotto_sealed_sender_open` for the other refusals.
/// Nothing is committed on error, except a genuine identity change under
/// policy block (`SOTTO_STATUS_IDENTITY_CHANGED`, held as pending), as for
/// `sotto_store_receive`.
///
/// # Safety
///
/// `store` is NULL or live; `trust_root` is NULL or 64 readable bytes;
/// `sealed` is NULL (with length 0) or readable for `len` bytes; `id`,
/// `info`, `body` and `contact` are NULL or writable.
#[cfg(feature = "store")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sotto_store_receive_sealed(
    store: *mut crate::store::sotto_store,
    trust_root: *const u8,
    sealed: *const u8,
    len: usize,
    now_ms: u64,
    id: *mut i64,
    info: *mut crate::envelope::sotto_message_info,
    body: *mut sotto_buffer,
    contact: *mut sotto_buffer,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(store) }?;
        // SAFETY: caller contract.
        let root = identity_key(unsafe { ptr::array::<64>(trust_root) }?)?;
        // SAFETY: caller contract.
        let sealed = unsafe { ptr::slice(sealed, len) }?;
        // SAFETY: caller contract.
        let id = unsafe { ptr::out(id) }?;
        // SAFETY: caller contract.
        let info = unsafe { ptr::out(info) }?;
        // SAFETY: caller contract.
        let body = unsafe { ptr::out(body) }?;
        // SAFETY: caller contract.
        let contact = unsafe { ptr::out(contact) }?;
        if core::ptr::eq(body, contact) {
            return Err(sotto_status::InvalidArgument);
        }
        let got = s.inner.receive_sealed(&mut OsRng, &root, sealed, now_ms)?;
        let name = got.conversation.clone();
        crate::store_content::received_out(got, id, info, body)?;
        *contact = sotto_buffer::from_vec(name);
        Ok(())
    })
}
