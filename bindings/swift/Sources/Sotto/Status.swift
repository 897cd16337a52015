// Generated from ffi/abi/status.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

import CSotto

/// Every error the SDK reports, one case per C status code. A failed call
/// changes nothing and writes no output.
public enum SottoError: Error, Equatable, CustomStringConvertible {
    /// A required pointer argument was NULL.
    case nullParameter
    /// A caller-supplied buffer is smaller than the output.
    case bufferTooSmall
    /// An argument is out of its documented range (an unknown enum value, a non-UTF-8 string, ...).
    case invalidArgument
    /// The input is not a well-formed encoding.
    case malformed
    /// The input's version byte is not supported.
    case unsupportedVersion
    /// The input is another kind of message or object.
    case wrongType
    /// A public key is invalid.
    case invalidKey
    /// A location field is out of range.
    case invalidLocation
    /// A documented limit was exceeded.
    case limitExceeded
    /// Decryption or authentication failed (no detail, deliberately).
    case decryptFailed
    /// A signature did not verify.
    case invalidSignature
    /// A Diffie-Hellman output was all zero (low-order point).
    case nonContributory
    /// The message was already decrypted, or its key has expired.
    case duplicateMessage
    /// The message is too far ahead of its chain.
    case tooFarAhead
    /// The prekey message names an unknown signed prekey.
    case unknownSignedPrekey
    /// The prekey message names an unknown one-time prekey.
    case unknownOneTimePrekey
    /// The prekey message names a one-time prekey already used.
    case oneTimePrekeyReused
    /// The prekey message does not belong to this session.
    case sessionMismatch
    /// The identity is not a member of the group (or viewer of the share).
    case notAMember
    /// The group message or location update names an unknown key.
    case unknownSenderKey
    /// The distribution belongs to another group or conversation.
    case groupMismatch
    /// A location update older than the newest one decrypted.
    case stale
    /// The location share has ended.
    case expired
    /// The key or password does not open this encrypted stream (attachment or backup): its header's commitment does not match; nothing was decrypted.
    case wrongKey
    /// An account's device list is past its time-to-live or older than the version already seen; fetch a fresh one.
    case staleDeviceList
    /// The policy requires post-quantum session setup (PQXDH) and the bundle or prekey message offers no post-quantum prekey (a downgrade); nothing changed.
    case postQuantumRequired
    /// The prekeys given are a copy taken before the saved ones rotated their signed prekey; take a fresh copy (sotto_store_device_prekeys); nothing was written.
    case stalePrekeys
    /// A counter is exhausted: a new session, sender key or share is needed.
    case counterExhausted
    /// The identity is not the one trusted for this contact.
    case untrustedIdentity
    /// The trust store has no record of this contact.
    case unknownContact
    /// A message or bundle came from another identity than the one trusted for this contact; under the Block policy it was refused and the new identity is held as pending until the app accepts it.
    case identityChanged
    /// The encrypted stream was finished, or failed earlier; start a new one.
    case streamClosed
    /// Not found in the store.
    case notFound
    /// The store holds no identity and prekeys for this device: save them before the first message arrives.
    case noDeviceIdentity
    /// The store was created under another key; nothing was read or written.
    case storeKeyMismatch
    /// The store file is damaged or not a store; nothing was written.
    case storeCorrupt
    /// Another writer held the store's lock too long; nothing was written.
    case storeBusy
    /// The storage layer failed; the transaction was rolled back.
    case storageFailed
    /// The prekeys given as this device's were signed by another identity; nothing was written.
    case deviceMismatch
    /// A store name (contact, group or share id) is empty or longer than 255 bytes; the empty name is the device's own row.
    case invalidName
    /// A restore needs a new, empty store; this one already holds objects and nothing was written.
    case storeNotEmpty
    /// An invariant of the SDK failed (a bug); nothing was written.
    case `internal`
    /// The operating system's random number generator failed.
    case rngFailure
    /// An internal error was caught at the boundary; nothing was written.
    case panic
    /// A status this version of the bindings does not know.
    case unknown(UInt32)

    /// The error a C status code stands for.
    public init(code: UInt32) {
        switch code {
        case 100: self = .nullParameter
        case 101: self = .bufferTooSmall
        case 102: self = .invalidArgument
        case 103: self = .malformed
        case 104: self = .unsupportedVersion
        case 105: self = .wrongType
        case 106: self = .invalidKey
        case 107: self = .invalidLocation
        case 108: self = .limitExceeded
        case 200: self = .decryptFailed
        case 201: self = .invalidSignature
        case 202: self = .nonContributory
        case 203: self = .duplicateMessage
        case 204: self = .tooFarAhead
        case 205: self = .unknownSignedPrekey
        case 206: self = .unknownOneTimePrekey
        case 207: self = .oneTimePrekeyReused
        case 208: self = .sessionMismatch
        case 209: self = .notAMember
        case 210: self = .unknownSenderKey
        case 211: self = .groupMismatch
        case 212: self = .stale
        case 213: self = .expired
        case 214: self = .wrongKey
        case 215: self = .staleDeviceList
        case 216: self = .postQuantumRequired
        case 217: self = .stalePrekeys
        case 300: self = .counterExhausted
        case 301: self = .untrustedIdentity
        case 302: self = .unknownContact
        case 303: self = .identityChanged
        case 304: self = .streamClosed
        case 400: self = .notFound
        case 401: self = .noDeviceIdentity
        case 402: self = .storeKeyMismatch
        case 403: self = .storeCorrupt
        case 404: self = .storeBusy
        case 405: self = .storageFailed
        case 406: self = .deviceMismatch
        case 407: self = .invalidName
        case 408: self = .storeNotEmpty
        case 500: self = .`internal`
        case 501: self = .rngFailure
        case 600: self = .panic
        default: self = .unknown(code)
        }
    }

    /// The C status code.
    public var code: UInt32 {
        switch self {
        case .nullParameter: return 100
        case .bufferTooSmall: return 101
        case .invalidArgument: return 102
        case .malformed: return 103
        case .unsupportedVersion: return 104
        case .wrongType: return 105
        case .invalidKey: return 106
        case .invalidLocation: return 107
        case .limitExceeded: return 108
        case .decryptFailed: return 200
        case .invalidSignature: return 201
        case .nonContributory: return 202
        case .duplicateMessage: return 203
        case .tooFarAhead: return 204
        case .unknownSignedPrekey: return 205
        case .unknownOneTimePrekey: return 206
        case .oneTimePrekeyReused: return 207
        case .sessionMismatch: return 208
        case .notAMember: return 209
        case .unknownSenderKey: return 210
        case .groupMismatch: return 211
        case .stale: return 212
        case .expired: return 213
        case .wrongKey: return 214
        case .staleDeviceList: return 215
        case .postQuantumRequired: return 216
        case .stalePrekeys: return 217
        case .counterExhausted: return 300
        case .untrustedIdentity: return 301
        case .unknownContact: return 302
        case .identityChanged: return 303
        case .streamClosed: return 304
        case .notFound: return 400
        case .noDeviceIdentity: return 401
        case .storeKeyMismatch: return 402
        case .storeCorrupt: return 403
        case .storeBusy: return 404
        case .storageFailed: return 405
        case .deviceMismatch: return 406
        case .invalidName: return 407
        case .storeNotEmpty: return 408
        case .`internal`: return 500
        case .rngFailure: return 501
        case .panic: return 600
        case .unknown(let c): return c
        }
    }

    /// The library's description of the error.
    public var description: String {
        String(cString: sotto_status_message(code))
    }
}
