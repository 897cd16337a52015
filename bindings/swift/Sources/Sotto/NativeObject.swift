import Foundation

/// What every class that owns a C handle shares: the handle, and the lock
/// that every call on it holds. So an object may be shared between threads
/// (its calls run one at a time) and is never freed while a call uses it:
/// the same contract as the Kotlin binding's `NativeObject`.
///
/// Lock order, for calls that take two objects: a `Store` before what it
/// saves; an object before the `Identity` or `TrustStore` it reads.
public class NativeObject: @unchecked Sendable {
    let handle: OpaquePointer
    private let lock = NSLock()

    init(handle: OpaquePointer) {
        self.handle = handle
    }

    /// Runs `body` with the handle, under this object's lock.
    func locked<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(handle)
    }
}
