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

    /// A plaintext committed to the inbox, to show and then `ackIncoming(id)`.
    public struct Incoming {
        /// The inbox entry.
        public let id: Int64
        public let plaintext: Data
        /// The identity the message is cryptographically from: the contact's
        /// session identity (whatever name the server filed it under), for a
        /// group message the member's.
        public let sender: IdentityKey?
        /// For a 1:1 message that set up a session with another identity than
        /// the one trusted (under `TrustPolicy.warn`): the identity trusted
        /// until then. Tell the user the contact's security code changed.
        public let identityChanged: IdentityKey?
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

    /// Starts a session with `contact` from its serialized prekey `bundle`,
    /// with this device's identity (`setDevice`), once the store's trust
    /// records accept the bundle's identity, and says what they found: a
    /// first identity is `.new` (recorded, unverified). Under
    /// `TrustPolicy.block` another identity than the trusted one throws
    /// `SottoError.identityChanged`, held as pending (`trustRecord`) until
    /// `acceptIdentityChange`; under `.warn` it is `.changed`. Committed
    /// before it returns.
    public func initiate(contact: Data, bundle: Data, now: UInt64) throws -> IdentityStatus {
        try locked { handle in
            var out = sotto_identity_status()
            try contact.withCBytes { c, cn in
                try bundle.withCBytes { b, bn in try check(sotto_store_initiate(handle, c, cn, b, bn, now, &out)) }
            }
            return try IdentityStatus(out)
        }
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
    /// saved identity and prekeys); committed with the plaintext (inbox),
    /// with the identity it is from (`sender`). Show it, then
    /// `ackIncoming(id)`. A first message from another identity than the one
    /// trusted for `contact` throws, under `TrustPolicy.block` (the default),
    /// `SottoError.identityChanged` with only the pending change committed:
    /// show it, `acceptIdentityChange`, then decrypt the same message again.
    /// Under `.warn` it is accepted and `identityChanged` says so. If reading
    /// the sender back fails, that error is thrown and the entry stays in the
    /// inbox (`pendingIncoming`).
    public func decrypt(contact: Data, _ message: Data, now: UInt64) throws -> Incoming {
        return try locked { handle in
            var id: Int64 = 0
            let plaintext = try contact.withCBytes { c, cn in
                try message.withCBytes { m, mn in
                    try takeBuffer { sotto_store_decrypt(handle, c, cn, m, mn, now, &id, $0) }
                }
            }
            let from = try sender(handle, id)
            return Incoming(id: id, plaintext: plaintext, sender: from.identity, identityChanged: from.previous)
        }
    }

    /// Who the inbox entry `id` is from; called under the store's lock.
    private func sender(_ handle: OpaquePointer, _ id: Int64) throws -> (identity: IdentityKey?, previous: IdentityKey?) {
        var s = sotto_sender()
        try check(sotto_store_incoming_sender(handle, id, &s))
        return (
            s.has_identity == 1 ? try IdentityKey(tuple: s.identity) : nil,
            s.identity_changed == 1 ? try IdentityKey(tuple: s.previous) : nil
        )
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
    public func groupDecrypt(groupId: Data, from member: IdentityKey, _ message: Data) throws -> Incoming {
        return try locked { handle in
            var id: Int64 = 0
            let plaintext = try groupId.withCBytes { g, gn in
                try withIdentity(member) { m in
                    try message.withCBytes { p, pn in
                        try takeBuffer { sotto_store_group_decrypt(handle, g, gn, m, p, pn, &id, $0) }
                    }
                }
            }
            return Incoming(id: id, plaintext: plaintext, sender: member, identityChanged: nil)
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

    /// Plaintexts decrypted but not yet acknowledged (after a crash), oldest
    /// first, each with its `sender` and `identityChanged` as in `Incoming`.
    public func pendingIncoming() throws -> [(
        id: Int64, conversation: Data, plaintext: Data, sender: IdentityKey?, identityChanged: IdentityKey?
    )] {
        try locked { handle in
            try pending(handle, sotto_store_next_incoming).map {
                let from = try sender(handle, $0.id)
                return ($0.id, $0.conversation, $0.body, from.identity, from.previous)
            }
        }
    }

    /// Messages committed but not yet acknowledged as sent, oldest first.
    public func pendingOutgoing() throws -> [(id: Int64, conversation: Data, message: Data)] {
        try locked { handle in
            try pending(handle, sotto_store_next_outgoing).map { ($0.id, $0.conversation, $0.body) }
        }
    }

    /// Reads the whole mailbox, one entry at a time; called under the
    /// store's lock.
    private func pending<S: BinaryInteger>(
        _ handle: OpaquePointer,
        _ next: (OpaquePointer?, Int64, UnsafeMutablePointer<Int64>?, UnsafeMutablePointer<sotto_buffer>?,
            UnsafeMutablePointer<sotto_buffer>?) -> S
    ) throws -> [(id: Int64, conversation: Data, body: Data)] {
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

    /// What the store trusts for `contact` (the identity, whether it was
    /// verified, a pending change); nil for a contact it has no record of.
    public func trustRecord(contact: Data) throws -> TrustRecord? {
        try locked { handle in
            var r = sotto_trust_record()
            do {
                try contact.withCBytes { c, n in try check(sotto_store_trust_record(handle, c, n, &r)) }
            } catch SottoError.unknownContact {
                return nil
            }
            let pending = r.has_pending == 1
                ? PendingChange(identity: try IdentityKey(tuple: r.pending), seenAt: r.pending_seen_at) : nil
            return TrustRecord(
                identity: try IdentityKey(tuple: r.identity), firstSeen: r.first_seen, verified: r.verified == 1,
                pending: pending)
        }
    }

    /// The policy for identity changes; `.block` until set.
    public func trustPolicy() throws -> TrustPolicy {
        try locked { handle in
            var code: UInt32 = 0
            try check(sotto_store_trust_policy(handle, &code))
            guard let policy = TrustPolicy(rawValue: code) else { throw SottoError.internal }
            return policy
        }
    }

    /// Sets the policy for identity changes (committed).
    public func setTrustPolicy(_ policy: TrustPolicy) throws {
        try locked { handle in try check(sotto_store_set_trust_policy(handle, policy.rawValue)) }
    }

    /// This device's post-quantum policy; `.prefer` until set. Before
    /// `setDevice` it throws `SottoError.noDeviceIdentity`.
    public func pqPolicy() throws -> PqPolicy {
        try locked { handle in
            var code: UInt32 = 0
            try check(sotto_store_pq_policy(handle, &code))
            guard let policy = PqPolicy(rawValue: code) else { throw SottoError.internal }
            return policy
        }
    }

    /// Sets this device's post-quantum policy (committed, kept by
    /// `setDevicePrekeys`): under `.require`, `initiate` refuses a bundle
    /// without a post-quantum prekey and `decrypt` a first message set up
    /// without one, both with `SottoError.postQuantumRequired`.
    public func setPqPolicy(_ policy: PqPolicy) throws {
        try locked { handle in try check(sotto_store_set_pq_policy(handle, policy.rawValue)) }
    }

    /// Whether the current session with `contact` was set up with PQXDH
    /// (show it as quantum-resistant). No session throws
    /// `SottoError.notFound`.
    public func isPostQuantum(contact: Data) throws -> Bool {
        try locked { handle in
            var pq: UInt8 = 0
            try contact.withCBytes { c, n in try check(sotto_store_is_post_quantum(handle, c, n, &pq)) }
            return pq == 1
        }
    }

    /// Accepts `contact`'s pending identity change to `identity`, after the
    /// user saw the notice: it becomes trusted, unverified, and a message
    /// refused with `SottoError.identityChanged` then decrypts. Another
    /// identity than the pending one throws `SottoError.untrustedIdentity`.
    public func acceptIdentityChange(contact: Data, _ identity: IdentityKey, now: UInt64) throws {
        try locked { handle in
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in try check(sotto_store_accept_identity_change(handle, c, n, i, now)) }
            }
        }
    }

    /// Marks `contact`'s trusted `identity` verified (after the users compared
    /// security codes) or not. Another identity than the trusted one throws
    /// `SottoError.untrustedIdentity`.
    public func setVerified(contact: Data, _ identity: IdentityKey, _ verified: Bool) throws {
        try locked { handle in
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in
                    try check(sotto_store_set_verified(handle, c, n, i, verified ? 1 : 0))
                }
            }
        }
    }

    /// How many transactions the store file has committed: it only grows.
    /// Keep the latest value where the file's backups and copies do not reach
    /// (the keychain, `ThisDeviceOnly`); a smaller value when the store is
    /// opened means it was restored from an older copy, which accepts again
    /// messages it had already decrypted.
    public func generation() throws -> UInt64 {
        try locked { handle in
            var n: UInt64 = 0
            try check(sotto_store_generation(handle, &n))
            return n
        }
    }
}
