import CSotto

/// Every error the SDK reports, one case per C status code. A failed call
/// changes nothing and writes no output.
public enum SottoError: Error, Equatable, CustomStringConvertible {
    case nullParameter
    case bufferTooSmall
    case invalidArgument
    case malformed
    case unsupportedVersion
    case wrongType
    /// A message or stored state failed authentication: tampered, or the wrong key.
    case decryptFailed
    case invalidSignature
    case invalidKey
    case nonContributory
    /// Already decrypted (a replay), or its key expired.
    case duplicateMessage
    case tooFarAhead
    case counterExhausted
    case unknownSignedPrekey
    case unknownOneTimePrekey
    case oneTimePrekeyReused
    case sessionMismatch
    case limitExceeded
    case notAMember
    case unknownSenderKey
    case groupMismatch
    /// The contact's identity changed and the change was not accepted yet.
    case untrustedIdentity
    case unknownContact
    /// A live-location update older than the newest one read.
    case stale
    case expired
    case invalidLocation
    case rngFailure
    case notFound
    case storeKeyMismatch
    case storeCorrupt
    case storeBusy
    case storageFailed
    /// An internal error caught at the C boundary.
    case panic
    /// A status this version of the bindings does not know.
    case unknown(UInt32)

    /// The errors with codes 1, 2, 3, … in order (`panic` is 255).
    private static let numbered: [SottoError] = [
        .nullParameter, .bufferTooSmall, .invalidArgument, .malformed, .unsupportedVersion,
        .wrongType, .decryptFailed, .invalidSignature, .invalidKey, .nonContributory,
        .duplicateMessage, .tooFarAhead, .counterExhausted, .unknownSignedPrekey,
        .unknownOneTimePrekey, .oneTimePrekeyReused, .sessionMismatch, .limitExceeded,
        .notAMember, .unknownSenderKey, .groupMismatch, .untrustedIdentity, .unknownContact,
        .stale, .expired, .invalidLocation, .rngFailure, .notFound, .storeKeyMismatch,
        .storeCorrupt, .storeBusy, .storageFailed,
    ]

    /// The error a C status code stands for.
    public init(code: UInt32) {
        if code == 255 {
            self = .panic
        } else if code >= 1 && Int(code) <= Self.numbered.count {
            self = Self.numbered[Int(code) - 1]
        } else {
            self = .unknown(code)
        }
    }

    /// The C status code.
    public var code: UInt32 {
        switch self {
        case .panic: return 255
        case .unknown(let c): return c
        default: return UInt32(Self.numbered.firstIndex(of: self)! + 1)
        }
    }

    /// The library's description of the error.
    public var description: String {
        String(cString: sotto_status_message(code))
    }
}

/// Throws the error a status code stands for. (The C header declares
/// `sotto_status` both as an enum and as a `uint32_t` typedef, which Swift
/// cannot name unambiguously, so statuses are taken as integers.)
@inline(__always)
func check<S: BinaryInteger>(_ status: S) throws {
    let code = UInt32(truncatingIfNeeded: status)
    if code != 0 {
        throw SottoError(code: code)
    }
}
