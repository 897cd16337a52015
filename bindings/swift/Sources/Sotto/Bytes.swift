import CSotto
import Foundation

extension Data {
    /// Calls `body` with the bytes as a C `(pointer, length)` pair; empty
    /// data is `(NULL, 0)`, which the C ABI reads as empty.
    func withCBytes<R>(_ body: (UnsafePointer<UInt8>?, Int) throws -> R) rethrows -> R {
        try withUnsafeBytes { raw in
            try body(raw.bindMemory(to: UInt8.self).baseAddress, raw.count)
        }
    }
}

/// Runs a C function that fills a library buffer, copies the bytes out and
/// frees (wipes) the buffer.
func takeBuffer<S: BinaryInteger>(_ fill: (UnsafeMutablePointer<sotto_buffer>) -> S) throws -> Data {
    var buffer = sotto_buffer(data: nil, len: 0)
    try check(fill(&buffer))
    defer { sotto_buffer_free(&buffer) }
    guard let data = buffer.data, buffer.len > 0 else { return Data() }
    return Data(bytes: data, count: buffer.len)
}

/// A 64-byte identity as the C ABI takes it.
func withIdentity<R>(_ key: IdentityKey, _ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
    try key.bytes.withUnsafeBytes { raw in
        try body(raw.bindMemory(to: UInt8.self).baseAddress!)
    }
}
