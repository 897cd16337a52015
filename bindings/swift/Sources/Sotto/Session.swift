import CSotto
import Foundation

/// Signed prekey and one-time prekeys: what a device publishes so that
/// others can start sessions with it, and what accepts their first message.
public final class PrekeyStore {
    let handle: OpaquePointer

    /// A new store with a signed prekey created at `now` (seconds since the epoch).
    public init(identity: Identity, now: UInt64) throws {
        var h: OpaquePointer?
        try check(sotto_prekey_store_new(identity.handle, now, &h))
        handle = h!
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_prekey_store_free(&h)
    }

    /// Adds `count` one-time prekeys.
    public func generateOneTimePrekeys(_ count: Int) throws {
        try check(sotto_prekey_store_generate_one_time_prekeys(handle, count))
    }

    /// How many one-time prekeys are left.
    public var oneTimePrekeyCount: Int {
        var n = 0
        _ = sotto_prekey_store_one_time_prekey_count(handle, &n)
        return n
    }

    /// The bundle to publish, with the one-time prekey at `oneTimeIndex`.
    public func bundle(identity: Identity, oneTimeIndex: Int = 0) throws -> Data {
        try takeBuffer { sotto_prekey_store_bundle(handle, identity.handle, oneTimeIndex, $0) }
    }

    /// Accepts a first (prekey) message: the new session and its plaintext.
    public func accept(identity: Identity, message: Data, now: UInt64) throws -> (Session, Data) {
        var session: OpaquePointer?
        let plaintext = try message.withCBytes { p, n in
            try takeBuffer { sotto_prekey_store_accept(handle, identity.handle, p, n, now, &session, $0) }
        }
        return (Session(handle: session!), plaintext)
    }
}

/// A Double Ratchet session with one remote device. Wiped when released.
/// Use it from one thread at a time.
public final class Session {
    let handle: OpaquePointer

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    /// Starts a session from a bundle fetched from the server (its signature
    /// is verified).
    public convenience init(identity: Identity, bundle: Data) throws {
        var h: OpaquePointer?
        try bundle.withCBytes { p, n in try check(sotto_session_initiate(identity.handle, p, n, &h)) }
        self.init(handle: h!)
    }

    /// Restores a session from `exported()`.
    public convenience init(exported: Data) throws {
        var h: OpaquePointer?
        try exported.withCBytes { p, n in try check(sotto_session_import(p, n, &h)) }
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_session_free(&h)
    }

    /// Encrypts a message for the remote device.
    public func encrypt(_ plaintext: Data) throws -> Data {
        try plaintext.withCBytes { p, n in
            try takeBuffer { sotto_session_encrypt(handle, p, n, $0) }
        }
    }

    /// Decrypts a message; on any error the session is unchanged.
    public func decrypt(_ message: Data) throws -> Data {
        try message.withCBytes { p, n in
            try takeBuffer { sotto_session_decrypt(handle, p, n, $0) }
        }
    }

    /// The plain state encoding (holds keys: store it only encrypted).
    public func exported() throws -> Data {
        try takeBuffer { sotto_session_export(handle, $0) }
    }
}
