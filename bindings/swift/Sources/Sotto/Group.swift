import CSotto
import Foundation

/// One member's view of a group (Sender Keys): its own sender key and the
/// keys the other members distributed. Wiped when released.
public final class Group: NativeObject, @unchecked Sendable {
    /// A group with id `id` (1 to 64 bytes, the same for every member) and
    /// the other members' identities. `identity` is this device's own: the
    /// distributions name it as their owner, and members accept them only
    /// over a session with it.
    public convenience init(identity: Identity, id: Data, members: [IdentityKey]) throws {
        var h: OpaquePointer?
        let packed = members.reduce(Data()) { $0 + $1.bytes }
        try identity.locked { me in
            try id.withCBytes { i, n in
                try packed.withCBytes { m, _ in
                    try check(sotto_group_new(me, i, n, m, members.count, &h))
                }
            }
        }
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_group_free(&h)
    }

    /// This member's sender key, to send to each member over their pairwise
    /// session (never in the clear).
    public func distribution() throws -> Data {
        return try locked { handle in
            try takeBuffer { sotto_group_distribution(handle, $0) }
        }
    }

    /// Takes in a member's sender key, received over their session.
    public func processDistribution(from member: IdentityKey, _ distribution: Data) throws {
        return try locked { handle in
            try withIdentity(member) { m in
                try distribution.withCBytes { p, n in
                    try check(sotto_group_process_distribution(handle, m, p, n))
                }
            }
        }
    }

    /// Encrypts once for the whole group.
    public func encrypt(_ plaintext: Data) throws -> Data {
        return try locked { handle in
            try plaintext.withCBytes { p, n in
                try takeBuffer { sotto_group_encrypt(handle, p, n, $0) }
            }
        }
    }

    /// Verifies and decrypts a member's message; on any error nothing changes.
    public func decrypt(from member: IdentityKey, _ message: Data) throws -> Data {
        return try locked { handle in
            try withIdentity(member) { m in
                try message.withCBytes { p, n in
                    try takeBuffer { sotto_group_decrypt(handle, m, p, n, $0) }
                }
            }
        }
    }

    /// Removes a member and rotates this member's sender key; returns the new
    /// distribution for the members who remain.
    public func removeMember(_ member: IdentityKey) throws -> Data {
        return try locked { handle in
            try withIdentity(member) { m in
                try takeBuffer { sotto_group_remove_member(handle, m, $0) }
            }
        }
    }

    /// Adds a member; returns this member's distribution to send them.
    public func addMember(_ member: IdentityKey) throws -> Data {
        return try locked { handle in
            try withIdentity(member) { m in
                try takeBuffer { sotto_group_add_member(handle, m, $0) }
            }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_group_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_group_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_group_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_group_open))
    }
}

/// The result of comparing a scanned QR payload.
public enum ScanResult: Equatable {
    case match
    case mismatch
    case versionMismatch
}

/// A security code (60 digits and a QR payload) for two identities.
public final class SecurityCode: NativeObject, @unchecked Sendable {
    /// The code for our identity and user id and theirs.
    public init(local: IdentityKey, localId: Data, remote: IdentityKey, remoteId: Data) throws {
        var h: OpaquePointer?
        try withIdentity(local) { l in
            try withIdentity(remote) { r in
                try localId.withCBytes { li, ln in
                    try remoteId.withCBytes { ri, rn in
                        try check(sotto_security_code_new(l, li, ln, r, ri, rn, &h))
                    }
                }
            }
        }
        super.init(handle: h!)
    }

    /// Wraps a code the library made (`Store.securityCode`).
    override init(handle: OpaquePointer) {
        super.init(handle: handle)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_security_code_free(&h)
    }

    /// The 60 digits, to show in twelve groups of five.
    public var digits: String {
        return locked { handle in
            var out = Data(count: Int(SOTTO_SECURITY_CODE_DIGITS))
            _ = out.withUnsafeMutableBytes { raw in
                sotto_security_code_digits(handle, raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The payload to show as a QR code.
    public var scannable: Data {
        return locked { handle in
            var out = Data(count: Int(SOTTO_SCANNABLE_LEN))
            _ = out.withUnsafeMutableBytes { raw in
                sotto_security_code_scannable(handle, raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            return out
        }
    }

    /// Compares a payload scanned from the other device, in constant time.
    public func compare(scanned: Data) throws -> ScanResult {
        return try locked { handle in
            var result: UInt32 = 0
            try scanned.withCBytes { p, n in
                try check(sotto_security_code_compare_scanned(handle, p, n, &result))
            }
            switch result {
            case 0: return .match
            case 1: return .mismatch
            default: return .versionMismatch
            }
        }
    }
}
