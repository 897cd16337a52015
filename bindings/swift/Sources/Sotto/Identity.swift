import CSotto
import Foundation

/// A device's public identity: 64 bytes (Ed25519 and X25519 public keys).
public struct IdentityKey: Hashable, CustomStringConvertible {
    /// The 64-byte encoding.
    public let bytes: Data

    /// Wraps a 64-byte encoding (checked when the library uses it).
    public init(bytes: Data) throws {
        guard bytes.count == Int(SOTTO_IDENTITY_KEY_LEN) else { throw SottoError.malformed }
        self.bytes = bytes
    }

    public var description: String {
        "IdentityKey(" + bytes.prefix(8).map { String(format: "%02x", $0) }.joined() + "…)"
    }
}

/// This device's identity key pair. Wiped when released.
public final class Identity: NativeObject, @unchecked Sendable {
    /// Generates a new identity from the system's random number generator.
    public init() throws {
        var h: OpaquePointer?
        try check(sotto_identity_generate(&h))
        super.init(handle: h!)
    }

    override init(handle: OpaquePointer) {
        super.init(handle: handle)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_identity_free(&h)
    }

    /// The public half, to publish and to compare.
    public var publicKey: IdentityKey {
        return locked { handle in
            var out = Data(count: Int(SOTTO_IDENTITY_KEY_LEN))
            let status = out.withUnsafeMutableBytes { raw in
                sotto_identity_public_key(handle, raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            precondition(status == 0, "a live identity always has a public key")
            return try! IdentityKey(bytes: out)
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_identity_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_identity_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_identity_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_identity_open))
    }
}
