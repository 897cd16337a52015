import CSotto
import Foundation

/// A backup key: 32 random bytes that only the user holds, shown once as
/// `digits` to write down and typed back with `init(digits:)`. It opens the
/// backups made under it; keep it out of them.
public struct BackupKey: Equatable, Sendable, CustomStringConvertible {
    /// The 32 bytes.
    public let bytes: Data

    /// A key kept as its 32 bytes.
    public init(bytes: Data) throws {
        guard bytes.count == Int(SOTTO_BACKUP_KEY_LEN) else { throw SottoError.invalidArgument }
        self.bytes = bytes
    }

    /// A new random key.
    public static func generate() throws -> BackupKey {
        var out = Data(count: Int(SOTTO_BACKUP_KEY_LEN))
        try out.withUnsafeMutableBytes { try check(sotto_backup_key_generate($0.cBytes, $0.count)) }
        return try BackupKey(bytes: out)
    }

    /// The key the user typed back from its `digits` (case, spaces and
    /// hyphens ignored); a mistyped digit fails the checksum:
    /// `SottoError.malformed`.
    public init(digits: String) throws {
        var out = Data(count: Int(SOTTO_BACKUP_KEY_LEN))
        try Data(digits.utf8).withCBytes { d, n in
            try out.withUnsafeMutableBytes { try check(sotto_backup_key_from_digits(d, n, $0.cBytes, $0.count)) }
        }
        try self.init(bytes: out)
    }

    /// The key as the user writes it down: 68 hex digits (the last 4 a
    /// checksum) in 17 groups of 4 separated by spaces.
    public var digits: String {
        let count = Int(SOTTO_BACKUP_KEY_DIGITS_LEN)
        var out = [CChar](repeating: 0, count: count)
        let status = bytes.withCBytes { k, _ in sotto_backup_key_to_digits(k, &out, count) }
        precondition(status == 0, "a 32-byte key always has its digits")
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// No digit of the key in it.
    public var description: String { "BackupKey(…)" }
}

/// Argon2id's cost for a password backup: memory, passes over it, lanes
/// (bounds in `docs/PROTOCOL.md` §17: 19 MiB to 1 GiB, 2 to 16 passes, 1 to
/// 8 lanes; beyond them `SottoError.limitExceeded`). A restore reads the
/// cost from the backup.
public struct Argon2Params: Equatable, Sendable {
    public var memoryKiB: UInt32
    public var passes: UInt32
    public var lanes: UInt32

    public init(memoryKiB: UInt32, passes: UInt32, lanes: UInt32) {
        self.memoryKiB = memoryKiB
        self.passes = passes
        self.lanes = lanes
    }

    /// The library's default: 64 MiB, 3 passes, 1 lane.
    public static let `default` = Argon2Params(memoryKiB: 64 * 1024, passes: 3, lanes: 1)
    /// The least the library accepts (OWASP's minimum): 19 MiB, 2 passes, 1 lane.
    public static let minimum = Argon2Params(memoryKiB: 19 * 1024, passes: 2, lanes: 1)
}

/// What a restore brought back: the contacts whose trust records came back
/// and the groups (each with a fresh sender key of ours), by the names they
/// had. Then publish a new prekey bundle (the signed prekey was rotated and
/// no one-time prekey is left), send each group's distribution to its
/// members, and start a session with each contact: restored contacts keep
/// their verified identities, never a session.
public struct Restored: Equatable, Sendable {
    public let contacts: [Data]
    public let groups: [Data]

    public init(contacts: [Data], groups: [Data]) {
        self.contacts = contacts
        self.groups = groups
    }

    /// Reads the names the library lists: kind (1 contact, 2 group), length
    /// (one byte), name.
    init(names: Data) throws {
        let bytes = [UInt8](names)
        var contacts: [Data] = []
        var groups: [Data] = []
        var at = 0
        while at < bytes.count {
            guard at + 2 <= bytes.count, at + 2 + Int(bytes[at + 1]) <= bytes.count else { throw SottoError.internal }
            let name = Data(bytes[at + 2..<at + 2 + Int(bytes[at + 1])])
            switch bytes[at] {
            case UInt8(SOTTO_RESTORED_CONTACT): contacts.append(name)
            case UInt8(SOTTO_RESTORED_GROUP): groups.append(name)
            default: throw SottoError.internal
            }
            at += 2 + name.count
        }
        self.init(contacts: contacts, groups: groups)
    }
}

extension StreamCalls {
    static let backupWriter = StreamCalls(
        updateLength: { try check(sotto_backup_writer_update_len($0, $1, $2)) },
        update: { h, i, o, w in try check(sotto_backup_writer_update(h, i.cBytes, i.count, o.cBytes, o.count, w)) },
        finishLength: { try check(sotto_backup_writer_finish_len($0, $1)) },
        finish: { h, o, w in try check(sotto_backup_writer_finish(h, o.cBytes, o.count, w)) },
        free: { sotto_backup_writer_free($0) })

    static let backupReader = StreamCalls(
        updateLength: { try check(sotto_backup_reader_update_len($0, $1, $2)) },
        update: { h, i, o, w in try check(sotto_backup_reader_update(h, i.cBytes, i.count, o.cBytes, o.count, w)) },
        finishLength: { try check(sotto_backup_reader_finish_len($0, $1)) },
        finish: { h, o, w in try check(sotto_backup_reader_finish(h, o.cBytes, o.count, w)) },
        free: { sotto_backup_reader_free($0) })
}

// Encrypted backups of a store: what it can restore safely (this device's
// identity and prekeys, the trust records, group memberships and every
// conversation's settings, never a session or a sender key), followed by the
// app's own export (its message history, say), under a backup key or a
// password. Written and read as streams, in pieces through two reused
// buffers; streams are opened if they are not yet, and left open.
extension Store {
    /// Writes a backup of this store under `key` into `output`: the store's
    /// restorable state, taken now, then everything `export` has (nil: none).
    public func backup(key: BackupKey, export: InputStream?, to output: OutputStream) throws {
        let writer = try locked { h in
            var w: OpaquePointer?
            try key.bytes.withCBytes { k, _ in try check(sotto_store_backup_new(h, k, nil, 0, nil, &w)) }
            return w!
        }
        try writeBackup(writer, export, output)
    }

    /// `backup(key:export:to:)` with the app's export in memory.
    public func backup(key: BackupKey, export: Data, to output: OutputStream) throws {
        try backup(key: key, export: InputStream(data: export), to: output)
    }

    /// Writes a backup of this store under `password` into `output`, as with a
    /// key. The password is stretched with Argon2id at `params`; pass the
    /// same bytes at the restore, on every platform (the app normalizes what
    /// the user typed, for example to NFC UTF-8).
    public func backup(
        password: Data, params: Argon2Params = .default, export: InputStream?, to output: OutputStream
    ) throws {
        let writer = try locked { h in
            var w: OpaquePointer?
            var p = sotto_argon2_params(memory_kib: params.memoryKiB, passes: params.passes, lanes: params.lanes)
            try password.withCBytes { pw, n in
                // An empty password is refused by the library, not read as "no password".
                try withUnsafeBytes(of: 0 as UInt8) { empty in
                    let at = pw ?? empty.cBytes
                    try check(sotto_store_backup_new(h, nil, at, n, &p, &w))
                }
            }
            return w!
        }
        try writeBackup(writer, export, output)
    }

    /// `backup(password:params:export:to:)` with the app's export in memory.
    public func backup(
        password: Data, params: Argon2Params = .default, export: Data, to output: OutputStream
    ) throws {
        try backup(password: password, params: params, export: InputStream(data: export), to: output)
    }

    private func writeBackup(_ handle: OpaquePointer, _ export: InputStream?, _ output: OutputStream) throws {
        let w = ChunkedStream(handle: handle, calls: .backupWriter)
        let sink = output.sink
        let input = Scratch(Attachments.pieceLength)
        let out = Scratch(0)
        if let export {
            try pump(w, input, out, export.source, sink)
        }
        let last = out.room(try w.finishLength())
        let n = try w.finishStream(into: last)
        try sink(UnsafeRawBufferPointer(rebasing: last[..<n]))
    }

    /// Reads the backup `input` has with its `key`, writes the app's export
    /// into `export` (nil: dropped) and restores the store's state into this
    /// store, which must be new (`SottoError.storeNotEmpty` otherwise,
    /// checked once the whole backup is read, and nothing is restored).
    /// `now` is the time (seconds) of the new signed prekey. A wrong key
    /// throws `SottoError.wrongKey` before any export is written; what is not
    /// a backup `SottoError.wrongType`; a damaged backup
    /// `SottoError.decryptFailed`; one cut short `SottoError.malformed`, or
    /// `.decryptFailed` where what is left of its last chunk no longer
    /// verifies. On any error nothing is restored: discard what `export` got.
    public func restore(from input: InputStream, key: BackupKey, export: OutputStream?, now: UInt64) throws -> Restored {
        var r: OpaquePointer?
        try key.bytes.withCBytes { k, _ in try check(sotto_backup_reader_new(k, nil, 0, &r)) }
        return try readBackup(r!, input, export, now)
    }

    /// `restore(from:key:export:now:)` with the password the backup was
    /// written under (its cost comes from the backup).
    public func restore(from input: InputStream, password: Data, export: OutputStream?, now: UInt64) throws -> Restored {
        var r: OpaquePointer?
        try password.withCBytes { pw, n in
            try withUnsafeBytes(of: 0 as UInt8) { empty in
                try check(sotto_backup_reader_new(nil, pw ?? empty.cBytes, n, &r))
            }
        }
        return try readBackup(r!, input, export, now)
    }

    private func readBackup(_ handle: OpaquePointer, _ input: InputStream, _ export: OutputStream?, _ now: UInt64) throws
        -> Restored
    {
        let r = ChunkedStream(handle: handle, calls: .backupReader)
        let sink: Sink = export?.sink ?? { _ in }
        let source = input.source
        do {
            let piece = Scratch(Attachments.pieceLength)
            let out = Scratch(try r.updateLength(Attachments.pieceLength))
            try pump(r, piece, out, source, sink)
            let last = out.room(try r.finishLength())
            let n = try r.finishStream(into: last)
            try sink(UnsafeRawBufferPointer(rebasing: last[..<n]))
        }
        let names = try locked { h in
            try r.locked { reader in try takeBuffer { sotto_store_restore(h, reader, now, $0) } }
        }
        return try Restored(names: names)
    }
}
