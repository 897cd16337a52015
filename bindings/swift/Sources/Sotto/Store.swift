import CSotto
import Foundation

/// A crash-safe store file: every object sealed under the host's key, and
/// encrypt and decrypt as single transactions with an outbox and an inbox.
/// May be shared between threads (calls run one at a time); threads or
/// processes may also open their own on the same path: transactions serialize.
public final class Store: NativeObject, @unchecked Sendable {
    /// Opens or creates the store at `path` under a 32-byte key from the
    /// keychain. `durable` flushes every commit (survives power loss).
    public init(path: String, key: Data, durable: Bool = true) throws {
        guard key.count == 32 else { throw SottoError.invalidArgument }
        var h: OpaquePointer?
        let p = Data(path.utf8)
        try p.withCBytes { pp, pn in
            try key.withCBytes { k, _ in try check(sotto_store_open(pp, pn, k, durable ? 1 : 0, &h)) }
        }
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_store_free(&h)
    }

    /// Saves `object` under this store's lock, then the object's (a store
    /// before what it saves, as everywhere).
    private func save<S: BinaryInteger>(
        _ object: NativeObject, _ name: Data, _ f: (OpaquePointer?, UnsafePointer<UInt8>?, Int, OpaquePointer?) -> S
    ) throws {
        try locked { handle in
            try object.locked { o in
                try name.withCBytes { p, n in try check(f(handle, p, n, o)) }
            }
        }
    }

    private func load<S: BinaryInteger>(
        _ name: Data, _ f: (OpaquePointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<OpaquePointer?>?) -> S
    ) throws -> OpaquePointer {
        var h: OpaquePointer?
        try locked { handle in
            try name.withCBytes { p, n in try check(f(handle, p, n, &h)) }
        }
        return h!
    }

    /// Sets this device's identity and prekeys in one committed transaction
    /// (once, at registration, before the first message arrives: `decrypt`
    /// answers a first message with them). Prekeys signed by another identity
    /// throw `SottoError.deviceMismatch`.
    public func setDevice(identity: Identity, prekeys: PrekeyStore) throws {
        try locked { handle in
            try identity.locked { i in
                try prekeys.locked { p in try check(sotto_store_set_device(handle, i, p)) }
            }
        }
    }

    /// Replaces this device's prekeys (after a rotation or new one-time prekeys).
    public func setDevicePrekeys(_ prekeys: PrekeyStore) throws {
        try locked { handle in
            try prekeys.locked { p in try check(sotto_store_set_device_prekeys(handle, p)) }
        }
    }

    /// This device's identity; before `setDevice`, `SottoError.noDeviceIdentity`.
    public func deviceIdentity() throws -> Identity {
        var h: OpaquePointer?
        try locked { handle in try check(sotto_store_device_identity(handle, &h)) }
        return Identity(handle: h!)
    }

    /// This device's prekeys; before `setDevice`, `SottoError.noDeviceIdentity`.
    public func devicePrekeys() throws -> PrekeyStore {
        var h: OpaquePointer?
        try locked { handle in try check(sotto_store_device_prekeys(handle, &h)) }
        return PrekeyStore(handle: h!)
    }

    // Each object is saved under a name of 1 to 255 bytes (else
    // `SottoError.invalidName`) in one committed transaction, replacing the
    // one saved under that name. Loading a name with nothing saved throws
    // `SottoError.notFound`. Saving holds the store's lock, then the object's.

    public func save(identity: Identity, name: Data) throws {
        try save(identity, name, sotto_store_save_identity)
    }

    public func save(prekeys: PrekeyStore, name: Data) throws {
        try save(prekeys, name, sotto_store_save_prekey_store)
    }

    public func save(trust: TrustStore, name: Data) throws {
        try save(trust, name, sotto_store_save_trust_store)
    }

    public func save(session: Session, contact: Data) throws {
        try save(session, contact, sotto_store_save_session)
    }

    public func save(group: Group, id: Data) throws {
        try save(group, id, sotto_store_save_group)
    }

    public func save(share: LocationShare, name: Data) throws {
        try save(share, name, sotto_store_save_location_share)
    }

    public func save(viewer: LocationViewer, name: Data) throws {
        try save(viewer, name, sotto_store_save_location_viewer)
    }

    public func identity(name: Data) throws -> Identity {
        Identity(handle: try load(name, sotto_store_load_identity))
    }

    public func prekeys(name: Data) throws -> PrekeyStore {
        PrekeyStore(handle: try load(name, sotto_store_load_prekey_store))
    }

    public func trust(name: Data) throws -> TrustStore {
        TrustStore(handle: try load(name, sotto_store_load_trust_store))
    }

    /// The session saved for `contact`.
    public func session(contact: Data) throws -> Session {
        Session(handle: try load(contact, sotto_store_load_session))
    }

    public func group(id: Data) throws -> Group {
        Group(handle: try load(id, sotto_store_load_group))
    }

    public func share(name: Data) throws -> LocationShare {
        LocationShare(handle: try load(name, sotto_store_load_location_share))
    }

    public func viewer(name: Data) throws -> LocationViewer {
        LocationViewer(handle: try load(name, sotto_store_load_location_viewer))
    }

    /// Encrypts for `contact`; the message is committed (outbox) before it
    /// is returned. Send it, then `ackOutgoing(id)`.
    public func encrypt(contact: Data, _ plaintext: Data) throws -> (id: Int64, message: Data) {
        return try locked { handle in
            var id: Int64 = 0
            let message = try contact.withCBytes { c, cn in
                try plaintext.withCBytes { p, pn in
                    try takeBuffer { sotto_store_encrypt(handle, c, cn, p, pn, &id, $0) }
                }
            }
            return (id, message)
        }
    }

    /// Decrypts a message from `contact` (accepting a first message with the
    /// saved identity and prekeys); committed with the plaintext (inbox).
    /// Show it, then `ackIncoming(id)`.
    public func decrypt(contact: Data, _ message: Data, now: UInt64) throws -> (id: Int64, plaintext: Data) {
        return try locked { handle in
            var id: Int64 = 0
            let plaintext = try contact.withCBytes { c, cn in
                try message.withCBytes { m, mn in
                    try takeBuffer { sotto_store_decrypt(handle, c, cn, m, mn, now, &id, $0) }
                }
            }
            return (id, plaintext)
        }
    }

    /// Encrypts for the group saved under `groupId`; committed (outbox)
    /// before it is returned.
    public func groupEncrypt(groupId: Data, _ plaintext: Data) throws -> (id: Int64, message: Data) {
        return try locked { handle in
            var id: Int64 = 0
            let message = try groupId.withCBytes { g, gn in
                try plaintext.withCBytes { p, pn in
                    try takeBuffer { sotto_store_group_encrypt(handle, g, gn, p, pn, &id, $0) }
                }
            }
            return (id, message)
        }
    }

    /// Verifies and decrypts a member's message for the group saved under
    /// `groupId`; committed with the plaintext (inbox).
    public func groupDecrypt(groupId: Data, from member: IdentityKey, _ message: Data) throws -> (id: Int64, plaintext: Data) {
        return try locked { handle in
            var id: Int64 = 0
            let plaintext = try groupId.withCBytes { g, gn in
                try withIdentity(member) { m in
                    try message.withCBytes { p, pn in
                        try takeBuffer { sotto_store_group_decrypt(handle, g, gn, m, p, pn, &id, $0) }
                    }
                }
            }
            return (id, plaintext)
        }
    }

    public func ackOutgoing(_ id: Int64) throws {
        return try locked { handle in
            try check(sotto_store_ack_outgoing(handle, id))
        }
    }

    public func ackIncoming(_ id: Int64) throws {
        return try locked { handle in
            try check(sotto_store_ack_incoming(handle, id))
        }
    }

    /// Plaintexts decrypted but not yet acknowledged (after a crash), oldest first.
    public func pendingIncoming() throws -> [(id: Int64, conversation: Data, plaintext: Data)] {
        try pending(sotto_store_next_incoming).map { ($0.id, $0.conversation, $0.body) }
    }

    /// Messages committed but not yet acknowledged as sent, oldest first.
    public func pendingOutgoing() throws -> [(id: Int64, conversation: Data, message: Data)] {
        try pending(sotto_store_next_outgoing).map { ($0.id, $0.conversation, $0.body) }
    }

    /// Reads the whole mailbox under the store's lock, one entry at a time.
    private func pending<S: BinaryInteger>(
        _ next: (OpaquePointer?, Int64, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<sotto_buffer>?,
            UnsafeMutablePointer<sotto_buffer>?) -> S
    ) throws -> [(id: Int64, conversation: Data, body: Data)] {
        try locked { handle in
            var out: [(id: Int64, conversation: Data, body: Data)] = []
            while true {
                var id: Int64 = 0
                var body = Data()
                let after = out.last?.id ?? 0
                do {
                    let conversation = try takeBuffer { conv in
                        var b = sotto_buffer(data: nil, len: 0)
                        let status = next(handle, after, &id, conv, &b)
                        if let d = b.data, b.len > 0 { body = Data(bytes: d, count: b.len) }
                        sotto_buffer_free(&b)
                        return status
                    }
                    out.append((id, conversation, body))
                } catch SottoError.notFound {
                    return out
                }
            }
        }
    }
}
