import CSotto
import Foundation

/// What a trust store (or a `Store` starting a session) found when it saw
/// a contact's identity.
public enum IdentityStatus: Equatable {
    /// First time: trusted on first use, not verified.
    case new
    /// The identity on record.
    case known(verified: Bool)
    /// Another identity than the one on record: `blocked` if it is held as
    /// pending until accepted (the one on record stays trusted), otherwise
    /// it replaced it, unverified.
    case changed(previous: IdentityKey, wasVerified: Bool, blocked: Bool)

    /// Reads what the C ABI wrote.
    init(_ s: sotto_identity_status) throws {
        switch UInt32(s.kind) {
        case 0: self = .new
        case 1: self = .known(verified: s.verified == 1)
        default:
            self = .changed(
                previous: try IdentityKey(tuple: s.previous), wasVerified: s.was_verified == 1, blocked: s.blocked == 1)
        }
    }
}

/// What to do when a contact presents another identity than the one trusted.
public enum TrustPolicy: UInt32, Sendable {
    /// Refuse it (`SottoError.identityChanged`) and hold it as pending until
    /// the user accepts it (recommended).
    case block = 0
    /// Take it at once, unverified, and report the change.
    case warn = 1
}

/// An identity seen for a contact, waiting for the user to accept it.
public struct PendingChange: Equatable {
    public let identity: IdentityKey
    /// When it was first seen, seconds since the epoch.
    public let seenAt: UInt64
}

/// What a `Store` trusts for one contact.
public struct TrustRecord: Equatable {
    /// The identity trusted for the contact.
    public let identity: IdentityKey
    /// When it was first seen (or accepted), seconds since the epoch.
    public let firstSeen: UInt64
    /// Whether the users verified it (compared security codes).
    public let verified: Bool
    /// Another identity seen since, under `TrustPolicy.block`.
    public let pending: PendingChange?
}

extension IdentityKey {
    /// Wraps a 64-byte identity as the C ABI writes it (a fixed array).
    init<T>(tuple: T) throws {
        try self.init(bytes: withUnsafeBytes(of: tuple) { Data($0) })
    }
}

/// Who is who: one identity per contact, verified or not; identity changes
/// are caught and, under the blocking policy, refused until accepted.
public final class TrustStore: NativeObject, @unchecked Sendable {
    /// `blockChanges`: refuse a changed identity until the user accepts it
    /// (recommended); otherwise warn and take the new one.
    public convenience init(blockChanges: Bool = true) throws {
        var h: OpaquePointer?
        try Sotto.check(sotto_trust_store_new(blockChanges ? 0 : 1, &h))
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_trust_store_free(&h)
    }

    /// Records the identity a bundle or a first message claims for `contact`.
    public func observe(_ contact: Data, _ identity: IdentityKey, now: UInt64) throws -> IdentityStatus {
        return try locked { handle in
            var out = sotto_identity_status()
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in try Sotto.check(sotto_trust_store_observe(handle, c, n, i, now, &out)) }
            }
            return try IdentityStatus(out)
        }
    }

    /// Throws `SottoError.untrustedIdentity` unless `identity` is the one trusted for `contact`.
    public func check(_ contact: Data, _ identity: IdentityKey) throws {
        return try locked { handle in
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in try Sotto.check(sotto_trust_store_check(handle, c, n, i)) }
            }
        }
    }

    /// Marks the identity verified (after comparing security codes) or not.
    public func setVerified(_ contact: Data, _ identity: IdentityKey, _ verified: Bool) throws {
        return try locked { handle in
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in
                    try Sotto.check(sotto_trust_store_set_verified(handle, c, n, i, verified ? 1 : 0))
                }
            }
        }
    }

    /// Accepts a changed identity (the contact is then unverified).
    public func acceptChange(_ contact: Data, _ identity: IdentityKey, now: UInt64) throws {
        return try locked { handle in
            try contact.withCBytes { c, n in
                try withIdentity(identity) { i in
                    try Sotto.check(sotto_trust_store_accept_change(handle, c, n, i, now))
                }
            }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_trust_store_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_trust_store_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_trust_store_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_trust_store_open))
    }
}
