import CSotto
import Foundation

/// A crash-safe store file: every object sealed under the host's key, and
/// encrypt and decrypt as single transactions with an outbox and an inbox.
/// Open one per thread; they serialize.
public final class Store {
    let handle: OpaquePointer

    /// Opens or creates the store at `path` under a 32-byte key from the
    /// keychain. `durable` flushes every commit (survives power loss).
    public init(path: String, key: Data, durable: Bool = true) throws {
        guard key.count == 32 else { throw SottoError.invalidArgument }
        var h: OpaquePointer?
        let p = Data(path.utf8)
        try p.withCBytes { pp, pn in
            try key.withCBytes { k, _ in try check(sotto_store_open(pp, pn, k, durable ? 1 : 0, &h)) }
        }
        handle = h!
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_store_free(&h)
    }

    public func save(identity: Identity) throws {
        try check(sotto_store_save_identity(handle, nil, 0, identity.handle))
    }

    public func save(prekeys: PrekeyStore) throws {
        try check(sotto_store_save_prekey_store(handle, nil, 0, prekeys.handle))
    }

    public func save(session: Session, contact: Data) throws {
        try contact.withCBytes { c, n in try check(sotto_store_save_session(handle, c, n, session.handle)) }
    }

    /// The session saved for `contact`; none is `SottoError.notFound`.
    public func session(contact: Data) throws -> Session {
        var h: OpaquePointer?
        try contact.withCBytes { c, n in try check(sotto_store_load_session(handle, c, n, &h)) }
        return Session(handle: h!)
    }

    /// Encrypts for `contact`; the message is committed (outbox) before it
    /// is returned. Send it, then `ackOutgoing(id)`.
    public func encrypt(contact: Data, _ plaintext: Data) throws -> (id: Int64, message: Data) {
        var id: Int64 = 0
        let message = try contact.withCBytes { c, cn in
            try plaintext.withCBytes { p, pn in
                try takeBuffer { sotto_store_encrypt(handle, c, cn, p, pn, &id, $0) }
            }
        }
        return (id, message)
    }

    /// Decrypts a message from `contact` (accepting a first message with the
    /// saved identity and prekeys); committed with the plaintext (inbox).
    /// Show it, then `ackIncoming(id)`.
    public func decrypt(contact: Data, _ message: Data, now: UInt64) throws -> (id: Int64, plaintext: Data) {
        var id: Int64 = 0
        let plaintext = try contact.withCBytes { c, cn in
            try message.withCBytes { m, mn in
                try takeBuffer { sotto_store_decrypt(handle, c, cn, m, mn, now, &id, $0) }
            }
        }
        return (id, plaintext)
    }

    public func ackOutgoing(_ id: Int64) throws {
        try check(sotto_store_ack_outgoing(handle, id))
    }

    public func ackIncoming(_ id: Int64) throws {
        try check(sotto_store_ack_incoming(handle, id))
    }

    /// Plaintexts decrypted but not yet acknowledged (after a crash).
    public func pendingIncoming() throws -> [(id: Int64, conversation: Data, plaintext: Data)] {
        var out: [(Int64, Data, Data)] = []
        var after: Int64 = 0
        while true {
            var id: Int64 = 0
            var conversation = Data()
            var plaintext = Data()
            do {
                conversation = try takeBuffer { conv in
                    var body = sotto_buffer(data: nil, len: 0)
                    let status = sotto_store_next_incoming(handle, after, &id, conv, &body)
                    if let d = body.data, body.len > 0 { plaintext = Data(bytes: d, count: body.len) }
                    sotto_buffer_free(&body)
                    return status
                }
            } catch SottoError.notFound {
                return out
            }
            out.append((id, conversation, plaintext))
            after = id
        }
    }
}
