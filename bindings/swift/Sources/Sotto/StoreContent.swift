import CSotto
import Foundation

/// A content message committed to the outbox: send `message`, then
/// `ackOutgoing(id)`.
public struct Sent: Equatable, Sendable {
    /// The outbox entry.
    public let id: Int64
    /// The encrypted message to send.
    public let message: Data
    /// The envelope's timestamp (it names the message in receipts).
    public let sentAtMs: UInt64
    /// When the message disappears, the same instant on the receiving side;
    /// nil: never.
    public let expiresAtMs: UInt64?

    init(_ s: sotto_sent, message: Data) {
        self.init(id: s.id, message: message, sentAtMs: s.sent_at_ms, expiresAtMs: s.expires_at_ms == 0 ? nil : s.expires_at_ms)
    }

    public init(id: Int64, message: Data, sentAtMs: UInt64, expiresAtMs: UInt64?) {
        self.id = id
        self.message = message
        self.sentAtMs = sentAtMs
        self.expiresAtMs = expiresAtMs
    }
}

/// A content message received and committed to the inbox: show `content`,
/// then `ackIncoming(id)`. A message that had already expired when it
/// arrived is `expired`, with `id` 0, no `content`, and nothing kept: there
/// is nothing to show or acknowledge.
public struct Received: Equatable, Sendable {
    /// The inbox entry (0 if the message arrived expired).
    public let id: Int64
    /// nil if the message arrived expired.
    public let content: Content?
    /// The sender's timestamp.
    public let sentAtMs: UInt64
    /// When the message disappears; nil: never.
    public let expiresAtMs: UInt64?
    /// The message had expired when it arrived.
    public let expired: Bool
    /// The disappearing timer it was sent under, seconds (0: off).
    public let timerSeconds: UInt32

    init(id: Int64, _ info: sotto_message_info, body: Data) {
        let expired = info.expired == 1
        self.id = id
        self.content = expired ? nil : Content(type: info.content_type, body: body)
        self.sentAtMs = info.sent_at_ms
        self.expiresAtMs = info.has_expiry == 1 ? info.expires_at_ms : nil
        self.expired = expired
        self.timerSeconds = info.timer_secs
    }
}

/// A conversation of a `Store`, which has its own disappearing timer.
public enum Conversation: Equatable, Hashable, Sendable {
    /// A 1:1 conversation, by the app's name for the contact.
    case contact(Data)
    /// A group, by group id.
    case group(Data)

    /// The conversation kind (`SOTTO_CONVERSATION_*`).
    var kind: UInt32 {
        switch self {
        case .contact: return UInt32(SOTTO_CONVERSATION_CONTACT)
        case .group: return UInt32(SOTTO_CONVERSATION_GROUP)
        }
    }

    /// The contact's name or the group id.
    var name: Data {
        switch self {
        case .contact(let name), .group(let name): return name
        }
    }
}

/// A conversation's disappearing timer.
public struct DisappearingTimer: Equatable, Sendable {
    /// The duration, seconds (0: off).
    public let seconds: UInt32
    /// When it was set, milliseconds since the epoch (0: never).
    public let setAtMs: UInt64

    public init(seconds: UInt32, setAtMs: UInt64) {
        self.seconds = seconds
        self.setAtMs = setAtMs
    }
}

/// What `Store.purgeExpired(nowMs:)` deleted.
public struct Purged: Equatable, Sendable {
    /// Inbox and outbox entries.
    public let messages: UInt64
    /// Keys kept for messages that never arrived and would have expired.
    public let keptKeys: UInt64

    public init(messages: UInt64, keptKeys: UInt64) {
        self.messages = messages
        self.keptKeys = keptKeys
    }
}

// Content messages: typed envelopes with the conversation's disappearing
// timer, committed like `encrypt` and `decrypt`. Times are milliseconds
// since the epoch (`nowMs`).
extension Store {
    /// Sends `content` to `contact` at `nowMs` under the conversation's
    /// disappearing timer, committed (outbox) before it returns like
    /// `encrypt`. A `.timerChange` also sets the conversation's timer.
    public func send(to contact: Data, content: Content, nowMs: UInt64) throws -> Sent {
        try sending(contact) { h, c, cn, s, out in
            content.body.withCBytes { b, bn in sotto_store_send(h, c, cn, content.type, b, bn, nowMs, s, out) }
        }
    }

    /// Sends `content` to the group saved under `group`, as `send(to:content:nowMs:)`.
    public func groupSend(group: Data, content: Content, nowMs: UInt64) throws -> Sent {
        try sending(group) { h, g, gn, s, out in
            content.body.withCBytes { b, bn in sotto_store_group_send(h, g, gn, content.type, b, bn, nowMs, s, out) }
        }
    }

    /// Sets the disappearing timer of `conversation` to `seconds` (0: off)
    /// and sends the change to it (a `.timerChange`).
    public func setDisappearingTimer(_ conversation: Conversation, seconds: UInt32, nowMs: UInt64) throws -> Sent {
        try sending(conversation.name) { h, n, nn, s, out in
            sotto_store_set_disappearing_timer(h, conversation.kind, n, nn, seconds, nowMs, s, out)
        }
    }

    /// Runs a send on `name` under the store's lock (also for the sealed
    /// send, `SealedSender.swift`).
    func sending<S: BinaryInteger>(
        _ name: Data,
        _ f: (OpaquePointer, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<sotto_sent>,
            UnsafeMutablePointer<sotto_buffer>) -> S
    ) throws -> Sent {
        try locked { handle in
            var sent = sotto_sent()
            let message = try name.withCBytes { p, n in
                try takeBuffer { f(handle, p, n, &sent, $0) }
            }
            return Sent(sent, message: message)
        }
    }

    /// Receives a content message from `contact` at `nowMs`, committed
    /// (inbox) like `decrypt`, with the same trust rules and errors; the
    /// envelope's timer becomes the conversation's if it is newer. A message
    /// that had already expired comes back `expired`, with id 0 and no
    /// content, and nothing kept. A plaintext that is not an envelope throws
    /// `SottoError.malformed`, with nothing changed.
    public func receive(from contact: Data, message: Data, nowMs: UInt64) throws -> Received {
        try locked { handle in
            var id: Int64 = 0
            var info = sotto_message_info()
            let body = try contact.withCBytes { c, cn in
                try message.withCBytes { m, mn in
                    try takeBuffer { sotto_store_receive(handle, c, cn, m, mn, nowMs, &id, &info, $0) }
                }
            }
            return Received(id: id, info, body: body)
        }
    }

    /// Receives a content message from `member` of the group saved under
    /// `group`, as `receive(from:message:nowMs:)`.
    public func groupReceive(group: Data, from member: IdentityKey, message: Data, nowMs: UInt64) throws -> Received {
        try locked { handle in
            var id: Int64 = 0
            var info = sotto_message_info()
            let body = try group.withCBytes { g, gn in
                try withIdentity(member) { f in
                    try message.withCBytes { m, mn in
                        try takeBuffer { sotto_store_group_receive(handle, g, gn, f, m, mn, nowMs, &id, &info, $0) }
                    }
                }
            }
            return Received(id: id, info, body: body)
        }
    }

    /// The disappearing timer of `conversation` (off, never set, until a
    /// change is sent or received).
    public func disappearingTimer(_ conversation: Conversation) throws -> DisappearingTimer {
        try locked { handle in
            var seconds: UInt32 = 0
            var setAt: UInt64 = 0
            try conversation.name.withCBytes { n, nn in
                try check(sotto_store_disappearing_timer(handle, conversation.kind, n, nn, &seconds, &setAt))
            }
            return DisappearingTimer(seconds: seconds, setAtMs: setAt)
        }
    }

    /// Deletes what expired at or before `nowMs` (inbox and outbox entries,
    /// and the keys kept for messages that never arrived and would have
    /// expired), then erases them from the file.
    public func purgeExpired(nowMs: UInt64) throws -> Purged {
        try locked { handle in
            var messages: UInt64 = 0
            var keptKeys: UInt64 = 0
            try check(sotto_store_purge_expired(handle, nowMs, &messages, &keptKeys))
            return Purged(messages: messages, keptKeys: keptKeys)
        }
    }

    /// When something kept next expires (milliseconds since the epoch):
    /// schedule `purgeExpired(nowMs:)` then; nil if nothing expires.
    public func nextExpiry() throws -> UInt64? {
        try locked { handle in
            var at: UInt64 = 0
            do {
                try check(sotto_store_next_expiry(handle, &at))
            } catch SottoError.notFound {
                return nil
            }
            return at
        }
    }

    /// The account report ("download your data") at `nowMs`: a JSON document
    /// of what this device holds about the account (identities as
    /// fingerprints, contacts, groups, timer settings, message counts), with
    /// no key and no message content.
    public func accountReport(nowMs: UInt64) throws -> String {
        try locked { handle in
            String(decoding: try takeBuffer { sotto_store_account_report(handle, nowMs, $0) }, as: UTF8.self)
        }
    }
}
