import CSotto
import Foundation

/// What a trust store found when it saw a contact's identity.
public enum IdentityStatus: Equatable {
    /// First time: trusted on first use, not verified.
    case new
    /// The identity on record.
    case known(verified: Bool)
    /// Another identity than the one on record.
    case changed(previous: IdentityKey, wasVerified: Bool, blocked: Bool)
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
            switch UInt32(out.kind) {
            case 0: return .new
            case 1: return .known(verified: out.verified == 1)
            default:
                let previous = withUnsafeBytes(of: out.previous) { Data($0) }
                return .changed(previous: try IdentityKey(bytes: previous), wasVerified: out.was_verified == 1, blocked: out.blocked == 1)
            }
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
