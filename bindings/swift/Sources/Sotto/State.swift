import CSotto
import Foundation

// Export, seal, import and open, written once for every class with state.
// The C functions of all handle kinds have the same Swift types (handles are
// `OpaquePointer`s), so each class passes its own four.

typealias ExportFunction<S> = (OpaquePointer?, UnsafeMutablePointer<sotto_buffer>?) -> S
typealias SealFunction<S> = (OpaquePointer?, UnsafePointer<UInt8>?, UnsafeMutablePointer<sotto_buffer>?) -> S
typealias ImportFunction<S> = (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<OpaquePointer?>?) -> S
typealias OpenFunction<S> = (UnsafePointer<UInt8>?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<OpaquePointer?>?) -> S

/// The plain state encoding (it holds keys: store it only encrypted).
func exportState<S: BinaryInteger>(_ handle: OpaquePointer, _ f: ExportFunction<S>) throws -> Data {
    try takeBuffer { f(handle, $0) }
}

/// The state encrypted under a 32-byte key from the platform keychain.
func sealState<S: BinaryInteger>(_ handle: OpaquePointer, _ key: Data, _ f: SealFunction<S>) throws -> Data {
    guard key.count == Int(SOTTO_HOST_KEY_LEN) else { throw SottoError.invalidArgument }
    return try key.withCBytes { k, _ in try takeBuffer { f(handle, k, $0) } }
}

/// A new handle from a plain state encoding.
func importState<S: BinaryInteger>(_ data: Data, _ f: ImportFunction<S>) throws -> OpaquePointer {
    var h: OpaquePointer?
    try data.withCBytes { p, n in try check(f(p, n, &h)) }
    return h!
}

/// A new handle from a sealed state and its key.
func openState<S: BinaryInteger>(_ data: Data, _ key: Data, _ f: OpenFunction<S>) throws -> OpaquePointer {
    guard key.count == Int(SOTTO_HOST_KEY_LEN) else { throw SottoError.invalidArgument }
    var h: OpaquePointer?
    try key.withCBytes { k, _ in
        try data.withCBytes { p, n in try check(f(k, p, n, &h)) }
    }
    return h!
}
