import CSotto
import Foundation

/// Who sent a sealed envelope, once `SealedSender.open` verified it, and the
/// inner `message`: an ordinary session message, to decrypt with the
/// session of the contact `sender` names.
public struct Unsealed: Equatable {
    /// The sender's identity, proved by the envelope's key agreement.
    public let identity: IdentityKey
    /// The sender's device index, from the certificate.
    public let device: UInt32
    /// When the certificate expires, milliseconds since the epoch.
    public let expiresMs: UInt64
    /// The sender's user id, from the certificate.
    public let sender: Data
    /// The inner message.
    public let message: Data
}

/// A sealed content message received by `Store.receiveSealed`: `received`
/// as `Store.receive(from:message:nowMs:)` returns it, filed under
/// `contact`, the sender's user id its certificate names.
public struct ReceivedSealed: Equatable, Sendable {
    /// The contact the message was filed under.
    public let contact: Data
    /// The message, committed to the inbox.
    public let received: Received
}

/// Sealed sender (`PROTOCOL.md` §20.2): envelopes the server routes knowing
/// only the recipient. The service's trust root certifies its server key
/// (`issueServerCertificate`); that key certifies each sender's user id,
/// identity and device until an expiry (`issueSenderCertificate`); a sender
/// `seal`s session messages under its certificate, and the recipient
/// `open`s them against the pinned trust root. `Store.sendSealed` and
/// `Store.receiveSealed` do the same for content messages.
public enum SealedSender {
    /// The service's side: the trust `root` signs the service key
    /// `serverKey` under `keyId`: the server certificate.
    public static func issueServerCertificate(root: Identity, keyId: UInt32, serverKey: IdentityKey) throws -> Data {
        try root.locked { r in
            try withIdentity(serverKey) { k in try takeBuffer { sotto_server_certificate_issue(r, keyId, k, $0) } }
        }
    }

    /// The service's side: its key (`server`, the one `serverCertificate`
    /// names) vouches for `sender`'s `identity` and `device` until
    /// `expiresMs`: the sender certificate to hand to that device. Another
    /// key than the one the server certificate names throws
    /// `SottoError.wrongType`.
    public static func issueSenderCertificate(
        server: Identity, serverCertificate: Data, sender: Data, identity: IdentityKey, device: UInt32,
        expiresMs: UInt64
    ) throws -> Data {
        try server.locked { s in
            try serverCertificate.withCBytes { c, cn in
                try sender.withCBytes { u, un in
                    try withIdentity(identity) { i in
                        try takeBuffer { sotto_sender_certificate_issue(s, c, cn, u, un, i, device, expiresMs, $0) }
                    }
                }
            }
        }
    }

    /// Checks a sender `certificate` against the pinned `trustRoot` at
    /// `nowMs`: `SottoError.invalidSignature` for either signature,
    /// `SottoError.expired` once expired.
    public static func verifySenderCertificate(_ certificate: Data, trustRoot: IdentityKey, nowMs: UInt64) throws {
        try certificate.withCBytes { c, cn in
            try withIdentity(trustRoot) { r in try check(sotto_sender_certificate_verify(c, cn, r, nowMs)) }
        }
    }

    /// Seals `message` (a session message) from `sender`, whose certificate
    /// is `certificate`, to `recipient`: the envelope to send, which names
    /// no sender. A certificate for another identity throws
    /// `SottoError.wrongType`.
    public static func seal(sender: Identity, certificate: Data, recipient: IdentityKey, message: Data) throws -> Data {
        try sender.locked { s in
            try certificate.withCBytes { c, cn in
                try withIdentity(recipient) { r in
                    try message.withCBytes { m, mn in
                        try takeBuffer { sotto_sealed_sender_seal(s, c, cn, r, m, mn, $0) }
                    }
                }
            }
        }
    }

    /// Opens `sealed`, addressed to `recipient`, at `nowMs` with the pinned
    /// `trustRoot`: who sent it and the inner message. A tampered envelope,
    /// or one for someone else, throws `SottoError.decryptFailed`, a forged
    /// or foreign-rooted certificate `SottoError.invalidSignature`, an
    /// expired one `SottoError.expired`, one naming another identity than
    /// the sealer `SottoError.untrustedIdentity`.
    public static func open(recipient: Identity, trustRoot: IdentityKey, sealed: Data, nowMs: UInt64) throws -> Unsealed {
        try recipient.locked { h in
            var from = sotto_unsealed()
            var sender = sotto_buffer(data: nil, len: 0)
            defer { sotto_buffer_free(&sender) }
            let message = try withIdentity(trustRoot) { r in
                try sealed.withCBytes { s, sn in
                    try takeBuffer { sotto_sealed_sender_open(h, r, s, sn, nowMs, &from, &sender, $0) }
                }
            }
            let identity = try IdentityKey(bytes: withUnsafeBytes(of: from.identity) { Data($0) })
            let user = sender.data.map { Data(bytes: $0, count: sender.len) } ?? Data()
            return Unsealed(
                identity: identity, device: from.device, expiresMs: from.expires_ms, sender: user, message: message)
        }
    }
}

// Sealed content messages: `send` and `receive` through sealed envelopes.
extension Store {
    /// Sends `content` to `contact` as `send(to:content:nowMs:)` does,
    /// sealed with our sender `certificate`
    /// (`SealedSender.issueSenderCertificate`): the message is an envelope
    /// that names no sender. A certificate for another identity throws
    /// `SottoError.wrongType`, with nothing sent.
    public func sendSealed(to contact: Data, content: Content, certificate: Data, nowMs: UInt64) throws -> Sent {
        try sending(contact) { h, c, cn, s, out in
            content.body.withCBytes { b, bn in
                certificate.withCBytes { cert, certn in
                    sotto_store_send_sealed(h, c, cn, content.type, b, bn, cert, certn, nowMs, s, out)
                }
            }
        }
    }

    /// Receives a sealed envelope at `nowMs` with the pinned `trustRoot`, as
    /// `receive(from:message:nowMs:)` does for the contact its certificate
    /// names (its sender's user id, `ReceivedSealed.contact`). The inner
    /// message must come from the identity that sealed it
    /// (`SottoError.untrustedIdentity` otherwise); the other refusals are
    /// `SealedSender.open`'s. Nothing is committed on error.
    public func receiveSealed(trustRoot: IdentityKey, sealed: Data, nowMs: UInt64) throws -> ReceivedSealed {
        try locked { handle in
            var id: Int64 = 0
            var info = sotto_message_info()
            var contact = sotto_buffer(data: nil, len: 0)
            defer { sotto_buffer_free(&contact) }
            let body = try withIdentity(trustRoot) { r in
                try sealed.withCBytes { s, sn in
                    try takeBuffer { sotto_store_receive_sealed(handle, r, s, sn, nowMs, &id, &info, $0, &contact) }
                }
            }
            let name = contact.data.map { Data(bytes: $0, count: contact.len) } ?? Data()
            return ReceivedSealed(contact: name, received: Received(id: id, info, body: body))
        }
    }
}
