import CSotto

// SottoError, one case per status code, is generated: Status.swift.

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
