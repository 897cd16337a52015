import CSotto
import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension UnsafeRawBufferPointer {
    /// The bytes as the C ABI takes them (`NULL` when empty).
    var cBytes: UnsafePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}

extension UnsafeMutableRawBufferPointer {
    /// The bytes as the C ABI writes them (`NULL` when empty).
    var cBytes: UnsafeMutablePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
}

/// The C functions of one kind of stream, each throwing its status: so the
/// streams of attachments and backups share one class.
struct StreamCalls: Sendable {
    let updateLength: @Sendable (OpaquePointer, Int, UnsafeMutablePointer<Int>) throws -> Void
    let update: @Sendable (OpaquePointer, UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer, UnsafeMutablePointer<Int>) throws -> Void
    let finishLength: @Sendable (OpaquePointer, UnsafeMutablePointer<Int>) throws -> Void
    /// Nil for the attachment encryptor, whose `_finish` also describes the attachment.
    let finish: (@Sendable (OpaquePointer, UnsafeMutableRawBufferPointer, UnsafeMutablePointer<Int>) throws -> Void)?
    let free: @Sendable (UnsafeMutablePointer<OpaquePointer?>) -> Void

    static let attachmentEncryptor = StreamCalls(
        updateLength: { try check(sotto_attachment_encryptor_update_len($0, $1, $2)) },
        update: { h, i, o, w in try check(sotto_attachment_encryptor_update(h, i.cBytes, i.count, o.cBytes, o.count, w)) },
        finishLength: { try check(sotto_attachment_encryptor_finish_len($0, $1)) },
        finish: nil,
        free: { sotto_attachment_encryptor_free($0) })

    static let attachmentDecryptor = StreamCalls(
        updateLength: { try check(sotto_attachment_decryptor_update_len($0, $1, $2)) },
        update: { h, i, o, w in try check(sotto_attachment_decryptor_update(h, i.cBytes, i.count, o.cBytes, o.count, w)) },
        finishLength: { try check(sotto_attachment_decryptor_finish_len($0, $1)) },
        finish: { h, o, w in try check(sotto_attachment_decryptor_finish(h, o.cBytes, o.count, w)) },
        free: { sotto_attachment_decryptor_free($0) })
}

/// An encrypting or decrypting stream: each `update` takes the next piece of
/// the input, of any size, and gives what it completes; the end comes out of
/// the class's `finish`. Pass buffers of your own (`update(_:into:)`) to
/// stream a large file through two buffers reused for every piece. After
/// `finish`, or after an error while decrypting, every call throws
/// `SottoError.streamClosed` or the error again.
public class ChunkedStream: NativeObject, @unchecked Sendable {
    let calls: StreamCalls

    init(handle: OpaquePointer, calls: StreamCalls) {
        self.calls = calls
        super.init(handle: handle)
    }

    deinit {
        var h: OpaquePointer? = handle
        calls.free(&h)
    }

    /// How many bytes `update` writes for `inputLength` more bytes: exactly,
    /// when encrypting; at most, when decrypting.
    public func updateLength(_ inputLength: Int) throws -> Int {
        try locked { h in
            var n = 0
            try calls.updateLength(h, inputLength, &n)
            return n
        }
    }

    /// How many bytes finishing writes: exactly, when encrypting; at most,
    /// when decrypting.
    public func finishLength() throws -> Int {
        try locked { h in
            var n = 0
            try calls.finishLength(h, &n)
            return n
        }
    }

    /// Takes the next bytes of the input and returns what they complete.
    public func update(_ input: Data) throws -> Data {
        try input.withUnsafeBytes { i in
            try locked { h in
                var need = 0
                try calls.updateLength(h, i.count, &need)
                var out = Data(count: need)
                let n = try out.withUnsafeMutableBytes { o in
                    var written = 0
                    try calls.update(h, i, o, &written)
                    return written
                }
                return out.prefix(n)
            }
        }
    }

    /// Takes `input` and writes what it completes into `output`, which needs
    /// `updateLength(input.count)` bytes (`SottoError.bufferTooSmall`
    /// otherwise, and nothing happens). Returns how many bytes it wrote.
    public func update(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try locked { h in
            var written = 0
            try calls.update(h, input, output, &written)
            return written
        }
    }

    /// The `_finish` of the decrypting streams and the backup writer.
    func finishStream(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let finish = calls.finish else { throw SottoError.invalidArgument }
        return try locked { h in
            var written = 0
            try finish(h, output, &written)
            return written
        }
    }

    /// `finish(into:)` into new bytes.
    func finished() throws -> Data {
        var out = Data(count: try finishLength())
        let n = try out.withUnsafeMutableBytes { try finishStream(into: $0) }
        return out.prefix(n)
    }
}

/// Wipes the key of an attachment as the C ABI holds it.
func wipeKey(_ a: inout sotto_attachment) {
    withUnsafeMutableBytes(of: &a.key) { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
}

/// An image's or a video's size in pixels.
public struct Dimensions: Equatable, Hashable, Sendable {
    public var width: UInt32
    public var height: UInt32

    public init(width: UInt32, height: UInt32) {
        self.width = width
        self.height = height
    }
}

/// What an encrypted attachment's descriptor holds besides its media type and
/// thumbnail: the blob's `key` (secret: it opens the attachment), the SHA-256
/// of the blob as uploaded, the plaintext's and the blob's lengths, and
/// optionally the `dimensions` of an image or video and the `durationMs` of a
/// video or voice note (set them before making the descriptor).
public struct Attachment: Equatable, Sendable {
    /// The blob's key, 32 bytes.
    public let key: Data
    /// The SHA-256 of the blob, 32 bytes.
    public let ciphertextSHA256: Data
    public let plaintextLength: UInt64
    public let ciphertextLength: UInt64
    public var dimensions: Dimensions?
    public var durationMs: UInt32?

    public init(
        key: Data, ciphertextSHA256: Data, plaintextLength: UInt64, ciphertextLength: UInt64,
        dimensions: Dimensions? = nil, durationMs: UInt32? = nil
    ) throws {
        guard key.count == 32, ciphertextSHA256.count == 32 else { throw SottoError.invalidArgument }
        self.key = key
        self.ciphertextSHA256 = ciphertextSHA256
        self.plaintextLength = plaintextLength
        self.ciphertextLength = ciphertextLength
        self.dimensions = dimensions
        self.durationMs = durationMs
    }

    /// Reads what the library wrote.
    init(_ a: sotto_attachment) {
        key = withUnsafeBytes(of: a.key) { Data($0) }
        ciphertextSHA256 = withUnsafeBytes(of: a.ciphertext_sha256) { Data($0) }
        plaintextLength = a.plaintext_len
        ciphertextLength = a.ciphertext_len
        dimensions = a.has_dimensions == 1 ? Dimensions(width: a.width, height: a.height) : nil
        durationMs = a.has_duration == 1 ? a.duration_ms : nil
    }

    /// Calls `body` with this attachment as the C ABI takes it; the copy of
    /// the key is wiped afterwards.
    func withC<R>(_ body: (UnsafePointer<sotto_attachment>) throws -> R) rethrows -> R {
        var a = sotto_attachment()
        defer { wipeKey(&a) }
        withUnsafeMutableBytes(of: &a.key) { $0.copyBytes(from: key) }
        withUnsafeMutableBytes(of: &a.ciphertext_sha256) { $0.copyBytes(from: ciphertextSHA256) }
        a.plaintext_len = plaintextLength
        a.ciphertext_len = ciphertextLength
        if let d = dimensions {
            a.has_dimensions = 1
            a.width = d.width
            a.height = d.height
        }
        if let ms = durationMs {
            a.has_duration = 1
            a.duration_ms = ms
        }
        return try body(&a)
    }

    /// The descriptor to send (the body of a `ContentType.attachment`
    /// content, `.other(type: ContentType.attachment, body: descriptor)`):
    /// this attachment, its `mediaType` (1 to 127 printable ASCII characters,
    /// for example `image/jpeg`, else `SottoError.malformed`) and an optional
    /// `thumbnail` (at most 64 KiB).
    public func descriptor(mediaType: String, thumbnail: Data? = nil) throws -> Data {
        try AttachmentDescriptor(attachment: self, mediaType: mediaType, thumbnail: thumbnail).encoded()
    }

    /// The attachment a descriptor holds (its media type and thumbnail too:
    /// `AttachmentDescriptor(decoding:)`).
    public init(descriptor: Data) throws {
        self = try AttachmentDescriptor(decoding: descriptor).attachment
    }
}

/// A decoded descriptor: the attachment, its media type and its thumbnail
/// (nil if none).
public struct AttachmentDescriptor: Equatable, Sendable {
    public var attachment: Attachment
    public var mediaType: String
    public var thumbnail: Data?

    public init(attachment: Attachment, mediaType: String, thumbnail: Data? = nil) {
        self.attachment = attachment
        self.mediaType = mediaType
        self.thumbnail = thumbnail?.isEmpty == true ? nil : thumbnail
    }

    /// Decodes a descriptor; bytes that are not one throw `SottoError.malformed`.
    public init(decoding bytes: Data) throws {
        var a = sotto_attachment()
        defer { wipeKey(&a) }
        var thumb = Data()
        let media = try bytes.withCBytes { p, n in
            try takeBuffer { m in
                var t = sotto_buffer(data: nil, len: 0)
                let status = sotto_attachment_descriptor_decode(p, n, &a, m, &t)
                if let d = t.data, t.len > 0 { thumb = Data(bytes: d, count: t.len) }
                sotto_buffer_free(&t)
                return status
            }
        }
        self.init(
            attachment: Attachment(a), mediaType: String(decoding: media, as: UTF8.self),
            thumbnail: thumb.isEmpty ? nil : thumb)
    }

    /// The descriptor's encoding; a media type or thumbnail the decoder would
    /// refuse is refused.
    public func encoded() throws -> Data {
        try attachment.withC { a in
            try Data(mediaType.utf8).withCBytes { m, mn in
                try (thumbnail ?? Data()).withCBytes { t, tn in
                    try takeBuffer { sotto_attachment_descriptor_encode(a, m, mn, t, tn, $0) }
                }
            }
        }
    }
}

/// Encrypts one attachment as a stream, under a fresh random key: feed the
/// file with `update` (the blob's first bytes come out of the first call),
/// then `finish` for its last bytes and the `Attachment` to describe it.
/// Upload the blob; send the descriptor. `Attachments.encrypt` does it all
/// between streams, file handles or files.
public final class AttachmentEncryptor: ChunkedStream, @unchecked Sendable {
    /// Starts an attachment under a fresh random key.
    public init() throws {
        var h: OpaquePointer?
        try check(sotto_attachment_encryptor_new(&h))
        super.init(handle: h!, calls: .attachmentEncryptor)
    }

    /// Wraps a new encryptor's handle (`forHistory()`).
    init(adopting handle: OpaquePointer) {
        super.init(handle: handle, calls: .attachmentEncryptor)
    }

    /// Writes the blob's last bytes into `output` (which needs
    /// `finishLength()` bytes); returns their count and the attachment (no
    /// dimensions or duration: set them on it).
    public func finish(into output: UnsafeMutableRawBufferPointer) throws -> (count: Int, attachment: Attachment) {
        try locked { h in
            var written = 0
            var a = sotto_attachment()
            defer { wipeKey(&a) }
            try check(sotto_attachment_encryptor_finish(h, output.cBytes, output.count, &written, &a))
            return (written, Attachment(a))
        }
    }

    /// The blob's last bytes and the attachment.
    public func finish() throws -> (Data, Attachment) {
        var out = Data(count: try finishLength())
        let done = try out.withUnsafeMutableBytes { try finish(into: $0) }
        return (out.prefix(done.count), done.attachment)
    }
}

/// Decrypts one attachment's blob as it downloads, against its descriptor:
/// each chunk comes out of `update` once authenticated, but the blob is
/// whole, of the right length and hash, only when `finish` succeeds. On any
/// error, discard what came out. A wrong key throws `SottoError.wrongKey`
/// before anything is decrypted; data beyond the descriptor's length
/// `SottoError.malformed`; a damaged chunk or a blob of another hash
/// `SottoError.decryptFailed`.
public final class AttachmentDecryptor: ChunkedStream, @unchecked Sendable {
    public init(descriptor: Data) throws {
        var h: OpaquePointer?
        try descriptor.withCBytes { p, n in try check(sotto_attachment_decryptor_new(p, n, &h)) }
        super.init(handle: h!, calls: .attachmentDecryptor)
    }

    /// Wraps a new decryptor's handle (`forHistory(descriptor:)`).
    init(adopting handle: OpaquePointer) {
        super.init(handle: handle, calls: .attachmentDecryptor)
    }

    /// Checks the blob's length and hash and writes the last plaintext bytes
    /// into `output` (which needs `finishLength()` bytes); returns their count.
    public func finish(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try finishStream(into: output)
    }

    /// Checks the blob's length and hash and returns the last plaintext bytes.
    public func finish() throws -> Data { try finished() }
}

/// Random access to an attachment's blob: any range of the plaintext, from the
/// chunks that cover it, read by the app (from a file, or with HTTP range
/// requests). Opened from the descriptor, the blob's first
/// `Attachments.headerLength` bytes and its length (which must be the
/// descriptor's: `SottoError.malformed` otherwise); a wrong key throws
/// `SottoError.wrongKey`. Each chunk is authenticated at its position; the
/// blob's hash is not checked (it needs the whole blob).
public final class AttachmentReader: NativeObject, @unchecked Sendable {
    /// The plaintext's length, from the descriptor.
    public let plaintextLength: UInt64

    public init(descriptor: Data, header: Data, blobLength: UInt64) throws {
        plaintextLength = try Attachment(descriptor: descriptor).plaintextLength
        var h: OpaquePointer?
        try descriptor.withCBytes { d, dn in
            try header.withCBytes { p, n in try check(sotto_attachment_reader_new(d, dn, p, n, blobLength, &h)) }
        }
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_attachment_reader_free(&h)
    }

    /// Where one chunk lies: its bytes in the blob and the plaintext they hold.
    public struct ChunkLocation: Equatable, Sendable {
        public let index: UInt64
        public let blobOffset: UInt64
        public let blobLength: Int
        public let plaintextOffset: UInt64
        public let plaintextLength: Int
    }

    /// The chunk holding plaintext byte `offset`; at or past the end,
    /// `SottoError.invalidArgument`.
    public func locate(_ offset: UInt64) throws -> ChunkLocation {
        try locked { h in
            var l = sotto_chunk_location()
            try check(sotto_attachment_reader_locate(h, offset, &l))
            return ChunkLocation(
                index: l.index, blobOffset: l.blob_offset, blobLength: l.blob_len,
                plaintextOffset: l.plaintext_offset, plaintextLength: l.plaintext_len)
        }
    }

    /// Decrypts chunk `index` from the bytes read where `locate` said into
    /// `output` (`Attachments.chunkLength` bytes are always enough); returns
    /// the plaintext's length. Bytes that do not verify at this index throw
    /// `SottoError.decryptFailed`.
    public func decryptChunk(index: UInt64, _ chunk: Data, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        try locked { h in
            try chunk.withCBytes { c, n in
                var written = 0
                try check(sotto_attachment_reader_decrypt(h, index, c, n, output.cBytes, output.count, &written))
                return written
            }
        }
    }

    /// Up to `count` plaintext bytes from `offset` (fewer at the end, none at
    /// or past it), decrypted from the chunks they lie in: `readChunk` is
    /// called with the blob offset and length of each, and returns those
    /// bytes of the blob.
    public func read(
        at offset: UInt64, count: Int, from readChunk: (_ offset: UInt64, _ length: Int) throws -> Data
    ) throws -> Data {
        guard count >= 0 else { throw SottoError.invalidArgument }
        let (sum, overflow) = offset.addingReportingOverflow(UInt64(count))
        let end = min(plaintextLength, overflow ? UInt64.max : sum)
        guard offset < end else { return Data() }
        var out = Data(capacity: Int(end - offset))
        let plain = Scratch(Attachments.chunkLength)
        var at = offset
        while at < end {
            let whereAt = try locate(at)
            let n = try decryptChunk(index: whereAt.index, try readChunk(whereAt.blobOffset, whereAt.blobLength), into: plain.bytes)
            let from = Int(at - whereAt.plaintextOffset)
            let take = min(n - from, Int(end - at))
            guard take > 0 else { throw SottoError.internal }
            out.append(plain.bytes.cBytes! + from, count: take)
            at += UInt64(take)
        }
        return out
    }
}

/// A buffer allocated once, grown when a call needs more, and wiped when it
/// grows and when it is released.
final class Scratch {
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init(_ count: Int) {
        bytes = .allocate(byteCount: Swift.max(count, 1), alignment: 1)
    }

    /// The buffer, with at least `count` bytes.
    func room(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if bytes.count < count {
            wipe()
            bytes.deallocate()
            bytes = .allocate(byteCount: count, alignment: 1)
        }
        return bytes
    }

    func wipe() {
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        wipe()
        bytes.deallocate()
    }
}

/// Where a stream adapter reads: fills the buffer's start and returns the
/// count, 0 at the end.
typealias Source = (UnsafeMutableRawBufferPointer) throws -> Int
/// Where a stream adapter writes: all of the bytes.
typealias Sink = (UnsafeRawBufferPointer) throws -> Void

/// Feeds `stream` everything `source` has, in pieces of `input`'s size,
/// writing what comes out to `sink` through `output`.
func pump(_ stream: ChunkedStream, _ input: Scratch, _ output: Scratch, _ source: Source, _ sink: Sink) throws {
    while true {
        let n = try source(input.bytes)
        if n == 0 { return }
        let out = output.room(try stream.updateLength(n))
        let m = try stream.update(UnsafeRawBufferPointer(rebasing: input.bytes[..<n]), into: out)
        try sink(UnsafeRawBufferPointer(rebasing: out[..<m]))
    }
}

extension InputStream {
    /// Reads into a buffer (opening the stream first if it is not yet).
    var source: Source {
        if streamStatus == .notOpen { open() }
        return { [self] buffer in
            let n = read(buffer.cBytes!, maxLength: buffer.count)
            if n < 0 { throw streamError ?? CocoaError(.fileReadUnknown) }
            return n
        }
    }
}

extension OutputStream {
    /// Writes all of a buffer (opening the stream first if it is not yet).
    var sink: Sink {
        if streamStatus == .notOpen { open() }
        return { [self] buffer in
            var at = 0
            while at < buffer.count {
                let n = write(buffer.cBytes! + at, maxLength: buffer.count - at)
                if n <= 0 { throw streamError ?? CocoaError(.fileWriteUnknown) }
                at += n
            }
        }
    }
}

// The system's read(2) and write(2), named so that FileHandle's own
// `read` and `write` methods do not hide them.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

extension FileHandle {
    /// Reads into a buffer with the file descriptor (no allocation per read).
    var source: Source {
        let fd = fileDescriptor
        return { buffer in
            while true {
                let n = systemRead(fd, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            }
        }
    }

    /// Writes all of a buffer with the file descriptor.
    var sink: Sink {
        let fd = fileDescriptor
        return { buffer in
            var at = 0
            while at < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + at, buffer.count - at)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                at += n
            }
        }
    }
}

/// Attachments streamed in pieces of `pieceLength` bytes through two buffers
/// reused for every piece (and wiped at the end): a file of any size in a
/// fixed amount of memory. Between Foundation streams (opened here if they
/// are not yet, and left open), file handles (left open), or files.
public enum Attachments {
    /// The plaintext bytes of every chunk but the last.
    public static let chunkLength = Int(SOTTO_CHUNK_LEN)
    /// The bytes of a blob's header, its first: what `AttachmentReader` opens with.
    public static let headerLength = Int(SOTTO_CHUNK_HEADER_LEN)
    /// The size of the pieces the adapters read.
    public static let pieceLength = 64 * 1024

    static func encrypt(_ source: Source, _ sink: Sink) throws -> Attachment {
        let e = try AttachmentEncryptor()
        let input = Scratch(pieceLength)
        let output = Scratch(try e.updateLength(pieceLength))
        try pump(e, input, output, source, sink)
        let out = output.room(try e.finishLength())
        let done = try e.finish(into: out)
        try sink(UnsafeRawBufferPointer(rebasing: out[..<done.count]))
        return done.attachment
    }

    static func decrypt(_ descriptor: Data, _ source: Source, _ sink: Sink) throws {
        let d = try AttachmentDecryptor(descriptor: descriptor)
        let input = Scratch(pieceLength)
        let output = Scratch(try d.updateLength(pieceLength))
        try pump(d, input, output, source, sink)
        let out = output.room(try d.finishLength())
        let n = try d.finish(into: out)
        try sink(UnsafeRawBufferPointer(rebasing: out[..<n]))
    }

    /// Encrypts everything `input` has, under a fresh key, into `output` (the
    /// blob to upload), and returns the attachment to describe it.
    public static func encrypt(from input: InputStream, to output: OutputStream) throws -> Attachment {
        try encrypt(input.source, output.sink)
    }

    /// Decrypts the blob `descriptor` describes from `input` into `output`.
    /// Only when it returns is the plaintext whole and authentic: on an
    /// error, discard what `output` got (see `AttachmentDecryptor`).
    public static func decrypt(descriptor: Data, from input: InputStream, to output: OutputStream) throws {
        try decrypt(descriptor, input.source, output.sink)
    }

    /// `encrypt(from:to:)` between file handles, from and to where they are.
    public static func encrypt(from input: FileHandle, to output: FileHandle) throws -> Attachment {
        try encrypt(input.source, output.sink)
    }

    /// `decrypt(descriptor:from:to:)` between file handles.
    public static func decrypt(descriptor: Data, from input: FileHandle, to output: FileHandle) throws {
        try decrypt(descriptor, input.source, output.sink)
    }

    /// Encrypts the file at `file` into a new file at `blob` (replacing one
    /// there); on an error, `blob` is removed.
    public static func encrypt(file: URL, to blob: URL) throws -> Attachment {
        try between(file, blob) { try encrypt(from: $0, to: $1) }
    }

    /// Decrypts the blob at `blob` into a new file at `file` (replacing one
    /// there, readable by its owner only); on an error, `file` is removed, so
    /// that only a whole, authentic plaintext is left.
    public static func decrypt(descriptor: Data, blob: URL, to file: URL) throws {
        try between(blob, file) { try decrypt(descriptor: descriptor, from: $0, to: $1) }
    }

    private static func between<R>(_ from: URL, _ to: URL, _ body: (FileHandle, FileHandle) throws -> R) throws -> R {
        let input = try FileHandle(forReadingFrom: from)
        defer { input.closeFile() }
        guard FileManager.default.createFile(atPath: to.path, contents: nil, attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteUnknown) }
        do {
            let output = try FileHandle(forWritingTo: to)
            defer { output.closeFile() }
            return try body(input, output)
        } catch {
            try? FileManager.default.removeItem(at: to)
            throw error
        }
    }
}
