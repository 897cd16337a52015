import CSotto
import Foundation

/// Signed prekey and one-time prekeys: what a device publishes so that
/// others can start sessions with it, and what accepts their first message.
public final class PrekeyStore: NativeObject, @unchecked Sendable {
    /// A new store with a signed prekey created at `now` (seconds since the epoch).
    public convenience init(identity: Identity, now: UInt64) throws {
        var h: OpaquePointer?
        try identity.locked { id in try check(sotto_prekey_store_new(id, now, &h)) }
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_prekey_store_free(&h)
    }

    /// Adds `count` one-time prekeys.
    public func generateOneTimePrekeys(_ count: Int) throws {
        return try locked { handle in
            try check(sotto_prekey_store_generate_one_time_prekeys(handle, count))
        }
    }

    /// How many one-time prekeys are left.
    public var oneTimePrekeyCount: Int {
        return locked { handle in
            var n = 0
            _ = sotto_prekey_store_one_time_prekey_count(handle, &n)
            return n
        }
    }

    /// The bundle to publish, with the one-time prekey at `oneTimeIndex` and
    /// the last-resort post-quantum prekey (so sessions from it use PQXDH).
    public func bundle(identity: Identity, oneTimeIndex: Int = 0) throws -> Data {
        return try locked { handle in
            try identity.locked { id in
                try takeBuffer { sotto_prekey_store_bundle(handle, id, oneTimeIndex, $0) }
            }
        }
    }

    /// The bundle to publish, with the one-time prekey at `oneTimeIndex`
    /// (`nil`: none) and the one-time post-quantum prekey at
    /// `pqOneTimeIndex` (`nil`: the last-resort one). An index past the
    /// last, or negative, throws `SottoError.invalidArgument`.
    public func bundle(identity: Identity, oneTimeIndex: Int?, pqOneTimeIndex: Int?) throws -> Data {
        guard (oneTimeIndex ?? 0) >= 0, (pqOneTimeIndex ?? 0) >= 0 else { throw SottoError.invalidArgument }
        // -1 passes as SIZE_MAX: no one-time prekey, the last-resort post-quantum one.
        let oneTime = oneTimeIndex ?? -1
        let pq = pqOneTimeIndex ?? -1
        return try locked { handle in
            try identity.locked { id in
                try takeBuffer { sotto_prekey_store_bundle_pq(handle, id, oneTime, pq, $0) }
            }
        }
    }

    /// Adds `count` one-time post-quantum (ML-KEM-1024) prekeys signed by
    /// `identity`, created at `now` (seconds since the epoch): at most 100
    /// held (`SottoError.limitExceeded`), and only under the identity that
    /// signed this store's signed prekey (`SottoError.invalidSignature`). A
    /// failure adds none.
    public func generatePqOneTimePrekeys(_ count: Int, identity: Identity, now: UInt64) throws {
        return try locked { handle in
            try identity.locked { id in
                try check(sotto_prekey_store_generate_pq_one_time_prekeys(handle, id, count, now))
            }
        }
    }

    /// How many one-time post-quantum prekeys are left.
    public var pqOneTimePrekeyCount: Int {
        return locked { handle in
            var n = 0
            _ = sotto_prekey_store_pq_one_time_prekey_count(handle, &n)
            return n
        }
    }

    /// Whether `accept` requires a first message set up with a post-quantum
    /// prekey (`.require`: otherwise `SottoError.postQuantumRequired`). Kept
    /// in this store's state; `.prefer` by default.
    public var pqPolicy: PqPolicy {
        get {
            return locked { handle in
                var code: UInt32 = 0
                let status = sotto_prekey_store_pq_policy(handle, &code)
                precondition(status == 0, "a live prekey store always has a policy")
                return PqPolicy(rawValue: code) ?? .prefer
            }
        }
        set {
            locked { handle in
                let status = sotto_prekey_store_set_pq_policy(handle, newValue.rawValue)
                precondition(status == 0, "every PqPolicy has a valid code")
            }
        }
    }

    /// Replaces the signed prekey (the previous one is kept for late messages).
    public func rotateSignedPrekey(identity: Identity, now: UInt64) throws {
        return try locked { handle in
            try identity.locked { id in try check(sotto_prekey_store_rotate_signed_prekey(handle, id, now)) }
        }
    }

    /// Accepts a first (prekey) message: the new session and its plaintext.
    public func accept(identity: Identity, message: Data, now: UInt64) throws -> (Session, Data) {
        return try locked { handle in
            try identity.locked { id in
                var session: OpaquePointer?
                let plaintext = try message.withCBytes { p, n in
                    try takeBuffer { sotto_prekey_store_accept(handle, id, p, n, now, &session, $0) }
                }
                return (Session(handle: session!), plaintext)
            }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_prekey_store_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_prekey_store_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_prekey_store_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_prekey_store_open))
    }
}

/// Whether a session may be set up without a post-quantum KEM (PQXDH).
public enum PqPolicy: UInt32, Sendable {
    /// PQXDH whenever the bundle offers a post-quantum prekey, X3DH
    /// otherwise (the default).
    case prefer = 0
    /// Refuse a bundle or first message without one
    /// (`SottoError.postQuantumRequired`): no downgrade to X3DH.
    case require = 1
}

/// A Double Ratchet session with one remote device. Wiped when released.
/// May be shared between threads: calls run one at a time.
public final class Session: NativeObject, @unchecked Sendable {
    /// Starts a session from a bundle fetched from the server (its signature
    /// is verified).
    public convenience init(identity: Identity, bundle: Data) throws {
        var h: OpaquePointer?
        try identity.locked { id in
            try bundle.withCBytes { p, n in try check(sotto_session_initiate(id, p, n, &h)) }
        }
        self.init(handle: h!)
    }

    /// Starts a session from a bundle under `policy`: with `.require` a
    /// bundle without a post-quantum prekey throws
    /// `SottoError.postQuantumRequired` (no downgrade to X3DH).
    public convenience init(identity: Identity, bundle: Data, policy: PqPolicy) throws {
        var h: OpaquePointer?
        try identity.locked { id in
            try bundle.withCBytes { p, n in
                try check(sotto_session_initiate_with_policy(id, p, n, policy.rawValue, &h))
            }
        }
        self.init(handle: h!)
    }

    /// Whether the session was set up with PQXDH (its keys rest on
    /// ML-KEM-1024 as well as X25519).
    public var isPostQuantum: Bool {
        return locked { handle in
            var pq: UInt8 = 0
            let status = sotto_session_is_post_quantum(handle, &pq)
            precondition(status == 0, "a live session always knows how it was set up")
            return pq == 1
        }
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_session_free(&h)
    }

    /// Encrypts a message for the remote device.
    public func encrypt(_ plaintext: Data) throws -> Data {
        return try locked { handle in
            try plaintext.withCBytes { p, n in
                try takeBuffer { sotto_session_encrypt(handle, p, n, $0) }
            }
        }
    }

    /// Decrypts a message; on any error the session is unchanged.
    public func decrypt(_ message: Data) throws -> Data {
        return try locked { handle in
            try message.withCBytes { p, n in
                try takeBuffer { sotto_session_decrypt(handle, p, n, $0) }
            }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_session_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_session_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_session_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_session_open))
    }

    /// Encrypts only if the remote identity is the one `trust` holds for
    /// `contact`; otherwise throws `SottoError.untrustedIdentity`.
    public func encryptChecked(trust: TrustStore, contact: Data, _ plaintext: Data) throws -> Data {
        return try locked { handle in
            try trust.locked { t in
                try contact.withCBytes { c, cn in
                    try plaintext.withCBytes { p, n in
                        try takeBuffer { sotto_session_encrypt_checked(handle, t, c, cn, p, n, $0) }
                    }
                }
            }
        }
    }

    /// The remote device's identity.
    public var remoteIdentity: IdentityKey {
        return locked { handle in
            var out = Data(count: Int(SOTTO_IDENTITY_KEY_LEN))
            let status = out.withUnsafeMutableBytes { raw in
                sotto_session_remote_identity(handle, raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
            }
            precondition(status == 0, "a live session always has a remote identity")
            return try! IdentityKey(bytes: out)
        }
    }

    /// Whether `message` can start a session (`true`: give it to
    /// `PrekeyStore.accept` if there is none), without decrypting it.
    public static func isPrekeyMessage(_ message: Data) throws -> Bool {
        var kind: UInt32 = 0  // 1 prekey, 2 normal
        try message.withCBytes { p, n in try check(sotto_message_kind_of(p, n, &kind)) }
        return kind == 1
    }

    /// The sender identity a prekey message claims (check it with a
    /// `TrustStore` before accepting).
    public static func prekeyMessageIdentity(_ message: Data) throws -> IdentityKey {
        var out = Data(count: Int(SOTTO_IDENTITY_KEY_LEN))
        try message.withCBytes { p, n in
            try out.withUnsafeMutableBytes { raw in
                try check(sotto_prekey_message_identity(p, n, raw.bindMemory(to: UInt8.self).baseAddress, raw.count))
            }
        }
        return try IdentityKey(bytes: out)
    }
}
